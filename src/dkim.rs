//! DKIM checks of incoming mail (RFC 6376), for the one place that trusts a signature: I-D
//! announcements (`workflow::revisions`). The queue runner checks a message here before the
//! pipeline runs and puts what it found in `ParsedMessage::dkim`, so the pipeline and the workflow
//! decide from a fact and do no network I/O.
//!
//! Keys come from `[dkim] keys` in the site file first, then from DNS through mail-auth's resolver
//! (hickory, the system's resolv.conf) unless `[dkim] dns = false`. One message's check is bounded
//! by `[dkim] timeout`: a lookup that fails or takes longer leaves the signature unverified.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use mail_auth::common::{parse::TxtRecordParser, verify::DomainKey};
use mail_auth::{
    AuthenticatedMessage, DkimResult, DnsError, Error, MessageAuthenticator, Parameters,
    ResolverCache, Txt,
};

use crate::config::site::DkimSection;
use crate::message::DkimSignature;

/// Checks messages' DKIM signatures with the site's keys and, if allowed, DNS.
pub struct Verifier {
    keys: Keys,
    /// The system's resolver; with DNS off, one with no name servers, never asked (`Keys`
    /// answers every name).
    resolver: Option<MessageAuthenticator>,
    timeout: Duration,
}

impl Verifier {
    pub fn new(section: &DkimSection) -> Verifier {
        let timeout = Duration::from_secs(section.timeout.max(1));
        let mut known = HashMap::new();
        for k in &section.keys {
            // Validated at load; a record that fails here is simply not known.
            if let Ok(key) = DomainKey::parse(k.record.as_bytes()) {
                known.insert(fqdn(&k.name), Txt::from(key));
            }
        }
        let system = section.dns.then(|| system_resolver(timeout)).flatten();
        let dns = system.is_some();
        let resolver = system.or_else(|| {
            use mail_auth::hickory_resolver::config::ResolverConfig;
            let none = ResolverConfig::from_parts(None, Vec::new(), Vec::new());
            MessageAuthenticator::new(none, Default::default())
                .inspect_err(|e| tracing::warn!(error = %e, "dkim: cannot set up a resolver"))
                .ok()
        });
        Verifier {
            keys: Keys { known, dns },
            resolver,
            timeout,
        }
    }

    /// Every DKIM-Signature of `raw`, each verified or with the reason it is not. Never takes
    /// longer than the timeout.
    pub async fn check(&self, raw: &[u8]) -> Vec<DkimSignature> {
        let Some(message) = AuthenticatedMessage::parse(raw) else {
            return Vec::new();
        };
        let unverified = |why: &str| {
            message
                .dkim_headers
                .iter()
                .map(|h| DkimSignature {
                    domain: h.header.d.to_ascii_lowercase(),
                    pass: false,
                    why: why.to_owned(),
                })
                .collect()
        };
        let Some(resolver) = &self.resolver else {
            return unverified("no resolver to find the key");
        };
        let params = Parameters::new(&message).with_txt_cache(&self.keys);
        let outputs = match tokio::time::timeout(self.timeout, resolver.verify_dkim(params)).await {
            Ok(o) => o,
            Err(_) => {
                let why = format!(
                    "the key lookup took longer than {} s",
                    self.timeout.as_secs()
                );
                return unverified(&why);
            }
        };
        outputs
            .iter()
            .map(|o| {
                let sig = o.signature();
                let domain = sig.map(|s| s.d.to_ascii_lowercase()).unwrap_or_default();
                let signs_from =
                    sig.is_some_and(|s| s.h.iter().any(|h| h.eq_ignore_ascii_case("from")));
                let (pass, why) = match o.result() {
                    DkimResult::Pass if signs_from => (true, String::new()),
                    DkimResult::Pass => (false, "the signature does not cover From".into()),
                    DkimResult::None => (false, "no signature".into()),
                    DkimResult::Neutral(e)
                    | DkimResult::Fail(e)
                    | DkimResult::PermError(e)
                    | DkimResult::TempError(e) => (false, e.to_string()),
                };
                DkimSignature { domain, pass, why }
            })
            .collect()
    }
}

/// The system's resolver with our time bound and one attempt, or `None` (logged).
fn system_resolver(timeout: Duration) -> Option<MessageAuthenticator> {
    use mail_auth::hickory_resolver::system_conf::read_system_conf;
    let built = read_system_conf()
        .map_err(|e| e.to_string())
        .and_then(|(config, mut opts)| {
            opts.timeout = timeout;
            opts.attempts = 1;
            MessageAuthenticator::new(config, opts).map_err(|e| e.to_string())
        });
    built
        .inspect_err(|e| {
            tracing::warn!(error = %e, "dkim: no DNS resolver; announcements stay unverified unless [dkim] keys has their key");
        })
        .ok()
}

/// `sel._domainkey.ietf.org.`, the form mail-auth asks for.
fn fqdn(name: &str) -> Box<str> {
    let mut n = name.trim().trim_end_matches('.').to_ascii_lowercase();
    n.push('.');
    n.into()
}

/// The configured keys, in front of DNS: mail-auth asks this cache before its resolver.
struct Keys {
    known: HashMap<Box<str>, Txt>,
    /// Whether a name not known here may go to DNS; if not, it is answered "not found" here.
    dns: bool,
}

impl ResolverCache<Box<str>, Txt> for Keys {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(t) = self.known.get(name) {
            return Some(t.clone());
        }
        (!self.dns).then(|| {
            Txt::Error(Error::Dns(DnsError::Resolver(
                "no key for it in [dkim] keys, and DNS is off".into(),
            )))
        })
    }

    fn remove<Q>(&self, _: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        None
    }

    fn insert(&self, _: Box<str>, _: Txt, _: std::time::Instant) {}
}
