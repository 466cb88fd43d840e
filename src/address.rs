//! The addresses a list answers to (DESIGN §5) and how a recipient maps onto one of them.
//! Pure: the caller says which lists exist.

/// What mail to one of a list's addresses is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `wg@D`: a post to the list.
    Post,
    /// `wg-request@D`: commands.
    Request,
    /// `wg-join@D`: implicit subscribe.
    Join,
    /// `wg-leave@D`: implicit unsubscribe.
    Leave,
    /// `wg-confirm+TOKEN@D`: a confirmation reply.
    Confirm(String),
    /// `wg-owner@D`: to the owners.
    Owner,
    /// `wg-bounces@D` or `wg-bounces+VERP@D`: delivery reports.
    Bounces(Option<String>),
    /// `wg-chairs@D`: workflow commands.
    Chairs,
}

impl Kind {
    /// A short stable name for logs and the inbox table.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Request => "request",
            Kind::Join => "join",
            Kind::Leave => "leave",
            Kind::Confirm(_) => "confirm",
            Kind::Owner => "owner",
            Kind::Bounces(_) => "bounces",
            Kind::Chairs => "chairs",
        }
    }
}

/// A recipient resolved to a list and the role of the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub list: String,
    pub domain: String,
    pub kind: Kind,
}

impl Route {
    /// The list's posting address, the key the store uses for the list.
    pub fn list_address(&self) -> String {
        format!("{}@{}", self.list, self.domain)
    }
}

/// Sub-address suffixes and the kind each gives. A list name must not end in one (config checks).
const SUFFIXES: &[(&str, fn(Option<String>) -> Option<Kind>)] = &[
    ("-request", |d| d.is_none().then_some(Kind::Request)),
    ("-join", |d| d.is_none().then_some(Kind::Join)),
    ("-leave", |d| d.is_none().then_some(Kind::Leave)),
    ("-owner", |d| d.is_none().then_some(Kind::Owner)),
    ("-chairs", |d| d.is_none().then_some(Kind::Chairs)),
    ("-confirm", |d| {
        d.filter(|t| !t.is_empty()).map(Kind::Confirm)
    }),
    ("-bounces", |d| Some(Kind::Bounces(d))),
];

/// Resolves `address` (`local@domain`, optionally in angle brackets) against the lists for which
/// `exists(name, domain)` is true. Anything else is `None`, which the SMTP side turns into 550.
pub fn route(address: &str, exists: impl Fn(&str, &str) -> bool) -> Option<Route> {
    let address = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, domain) = address.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    let domain = domain.to_ascii_lowercase();
    let (base, detail) = match local.split_once('+') {
        Some((b, d)) => (b.to_ascii_lowercase(), Some(d.to_owned())),
        None => (local.to_ascii_lowercase(), None),
    };
    if detail.is_none() && exists(&base, &domain) {
        return Some(Route {
            list: base,
            domain,
            kind: Kind::Post,
        });
    }
    for (suffix, make) in SUFFIXES {
        if let Some(name) = base.strip_suffix(suffix)
            && !name.is_empty()
            && exists(name, &domain)
        {
            let kind = make(detail.clone())?;
            return Some(Route {
                list: name.to_owned(),
                domain,
                kind,
            });
        }
    }
    None
}

/// The VERP envelope sender for one recipient: `wg-bounces+alice=example.org@D`.
pub fn verp_sender(list: &str, domain: &str, rcpt: &str) -> String {
    format!("{list}-bounces+{}@{domain}", rcpt.replacen('@', "=", 1))
}

/// The plain bounce address of a list.
pub fn bounces_address(list: &str, domain: &str) -> String {
    format!("{list}-bounces@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(name: &str, domain: &str) -> bool {
        matches!(
            (name, domain),
            ("quic", "ietf.org") | ("tls-wg", "ietf.org") | ("quic-request", "x.org")
        )
    }

    #[test]
    fn routes_every_address_of_a_list() {
        let r = |a: &str| route(a, lists).map(|r| (r.list, r.kind));
        assert_eq!(r("quic@ietf.org"), Some(("quic".into(), Kind::Post)));
        assert_eq!(r("<QUIC@IETF.ORG>"), Some(("quic".into(), Kind::Post)));
        assert_eq!(
            r("quic-request@ietf.org"),
            Some(("quic".into(), Kind::Request))
        );
        assert_eq!(r("quic-join@ietf.org"), Some(("quic".into(), Kind::Join)));
        assert_eq!(r("quic-leave@ietf.org"), Some(("quic".into(), Kind::Leave)));
        assert_eq!(r("quic-owner@ietf.org"), Some(("quic".into(), Kind::Owner)));
        assert_eq!(
            r("quic-chairs@ietf.org"),
            Some(("quic".into(), Kind::Chairs))
        );
        assert_eq!(
            r("quic-confirm+AbC123@ietf.org"),
            Some(("quic".into(), Kind::Confirm("AbC123".into())))
        );
        assert_eq!(
            r("quic-bounces@ietf.org"),
            Some(("quic".into(), Kind::Bounces(None)))
        );
        assert_eq!(
            r("quic-bounces+alice=example.org@ietf.org"),
            Some((
                "quic".into(),
                Kind::Bounces(Some("alice=example.org".into()))
            ))
        );
        assert_eq!(
            r("tls-wg-request@ietf.org"),
            Some(("tls-wg".into(), Kind::Request))
        );
    }

    #[test]
    fn refuses_everything_else() {
        for a in [
            "quic@example.org",
            "nobody@ietf.org",
            "quic+x@ietf.org",
            "quic-confirm@ietf.org",
            "quic-request+x@ietf.org",
            "-request@ietf.org",
            "quic",
            "@ietf.org",
            "quic@",
            "",
        ] {
            assert_eq!(route(a, lists), None, "{a}");
        }
    }

    #[test]
    fn verp_round_trip() {
        assert_eq!(
            verp_sender("quic", "ietf.org", "alice@example.org"),
            "quic-bounces+alice=example.org@ietf.org"
        );
    }
}
