//! The site configuration: listeners, limits, storage, outbound delivery, where list files live.
//!
//! Three layers, later winning, merged by the `config` crate: the built-in [`DEFAULTS`], the site
//! file if one is given, then environment variables `WGMAIL_<SECTION>__<KEY>` (for example
//! `WGMAIL_SMTP__LISTEN=0.0.0.0:25`, `WGMAIL_STORAGE__DATA_DIR=/var/lib/wgmail`). Variables without
//! the `__` between section and key (such as `WGMAIL_CORPUS`, used by the tests) are not configuration
//! and are ignored; an empty variable counts as unset.
//!
//! The merged tree is checked key by key (see `key_problems`) so that every unknown key and every
//! wrongly typed value is reported, not just the first serde meets; then `Site::validate` checks
//! ranges and relations between keys. All problems come back together.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Environment, File, FileFormat, Map, Value, ValueKind};
use serde::Deserialize;

use super::{ConfigError, Problem, plausible_domain};

/// The built-in defaults, the first layer of every load. `config/wgmail.toml` documents the same
/// values in comments; a test keeps the two in step. Keys without a default (`smtp.lmtp_listen`,
/// `smtp.tls_cert`, `smtp.tls_key`, `outbound.maildir`) are absent here and unset unless given.
pub const DEFAULTS: &str = r#"
[smtp]
listen = "127.0.0.1:2525"
hostname = "localhost"
max_message_size = 26214400
max_recipients = 100
idle_timeout = 300
max_connections = 256

[web]
listen = "127.0.0.1:8080"
base_url = "http://127.0.0.1:8080"

[storage]
data_dir = "./data"

[outbound]
mode = "maildir"
relay = "127.0.0.1:25"
batch = 100
verp = false
concurrency = 8
retry_for = 432000
personalize = true

[lists]
dir = "config/lists"

[tokens]
ttl = 259200

[bounces]
threshold = 5

[holds]
ttl = 1209600

[iesg]
members = []
last_call_list = "last-call@ietf.org"

[iab]
members = []

[reports]
weekly = true

[dkim]
dns = true
timeout = 5
keys = []
"#;

/// Prefix of the environment variables that override site keys.
pub const ENV_PREFIX: &str = "WGMAIL_";

/// Where a problem in a built-in default is reported; only a broken [`DEFAULTS`] can cause one.
const DEFAULTS_ORIGIN: &str = "<built-in defaults>";

/// The validated site configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub smtp: SmtpSection,
    pub web: WebSection,
    pub storage: StorageSection,
    pub outbound: OutboundSection,
    pub lists: ListsSection,
    pub tokens: TokensSection,
    pub bounces: BouncesSection,
    pub holds: HoldsSection,
    pub iesg: IesgSection,
    pub iab: IabSection,
    pub reports: ReportsSection,
    pub dkim: DkimSection,
}

/// `[dkim]`: how the DKIM keys that vouch for I-D announcements are found.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimSection {
    /// Look keys up in DNS (TXT at `selector._domainkey.domain`). Off for a site without DNS:
    /// then only `keys` are known.
    pub dns: bool,
    /// Seconds one message's DKIM check may take; past that it is unverified.
    pub timeout: u64,
    /// Keys given here, used instead of DNS for their names (an offline site, tests).
    pub keys: Vec<DkimKey>,
}

/// One DKIM key record: `name = "sel._domainkey.ietf.org"`, `record = "v=DKIM1; k=rsa; p=…"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimKey {
    pub name: String,
    pub record: String,
}

/// `[iesg]`: who runs the IESG steps (`ietf-lc`, `approve`, `published`) and where IETF last calls
/// are announced.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IesgSection {
    /// Addresses allowed to send IESG steps to any list's `-chairs@` (each confirmed by token);
    /// they also receive the weekly report.
    pub members: Vec<String>,
    /// The IETF-wide announcement list: IETF last calls go there as well as to the WG list.
    #[serde(default)]
    pub announce_list: Option<String>,
    /// Where comments on an IETF last call go (with the WG list): the announcement names it.
    pub last_call_list: String,
}

/// `[iab]`: who else receives the weekly report.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IabSection {
    pub members: Vec<String>,
}

/// `[reports]`: the weekly report to the IESG and IAB.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsSection {
    /// Mail the report every 7 days to `[iesg] members` and `[iab] members`.
    pub weekly: bool,
}

impl IesgSection {
    pub fn is_member(&self, address: &str) -> bool {
        self.members.iter().any(|m| m.eq_ignore_ascii_case(address))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensSection {
    /// Seconds a confirmation token stays valid (3 days).
    pub ttl: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BouncesSection {
    /// Bounce score (at most one point per member per day) at which delivery is disabled.
    pub threshold: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldsSection {
    /// Seconds a held post waits for a moderator before it expires and the poster is told (14 days).
    pub ttl: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSection {
    /// Where the SMTP listener binds. Port 0 asks the OS for a free port, which tests use.
    pub listen: SocketAddr,
    /// An optional LMTP listener, for running behind a Postfix front end (DESIGN §8).
    #[serde(default)]
    pub lmtp_listen: Option<SocketAddr>,
    /// The name this server gives in its greeting and EHLO reply, and in Message-IDs it makes.
    pub hostname: String,
    /// Largest message accepted, in bytes; advertised with SIZE and enforced with 552.
    pub max_message_size: u64,
    /// Most RCPT TO per transaction before 452.
    pub max_recipients: usize,
    /// Seconds a client may stay silent before the session is closed.
    pub idle_timeout: u64,
    /// Most simultaneous SMTP/LMTP sessions; further connections wait for a slot.
    pub max_connections: usize,
    /// PEM certificate chain for STARTTLS; given together with `tls_key` or not at all.
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for STARTTLS.
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
}

impl SmtpSection {
    pub fn idle_timeout_duration(&self) -> Duration {
        Duration::from_secs(self.idle_timeout)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSection {
    /// Where the web archive's HTTP listener binds.
    pub listen: SocketAddr,
    /// The public URL of the web archive, used in List-Archive, Archived-At and one-click
    /// unsubscribe links. Stored without a trailing slash.
    pub base_url: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSection {
    /// Directory for the SQLite database and, by default, the outbound maildir. Relative paths are
    /// relative to the daemon's working directory.
    pub data_dir: PathBuf,
}

// Read through a string so a wrong value gets a message naming the choices; serde's own message
// for an unknown variant, as relayed by the config crate, names neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum OutboundMode {
    /// Write outgoing mail into a maildir instead of sending it: development and tests.
    Maildir,
    /// Hand outgoing mail to the SMTP relay.
    Smtp,
}

impl TryFrom<String> for OutboundMode {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "maildir" => Ok(OutboundMode::Maildir),
            "smtp" => Ok(OutboundMode::Smtp),
            _ => Err(format!(
                "{s:?} is not an outbound mode; expected \"maildir\" or \"smtp\""
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundSection {
    pub mode: OutboundMode,
    /// `host:port` of the relay used in `smtp` mode.
    pub relay: String,
    /// The maildir used in `maildir` mode; unset means `<data_dir>/outbox` (see
    /// [`Site::maildir_path`]).
    #[serde(default)]
    pub maildir: Option<PathBuf>,
    /// Recipients per relay transaction. Ignored with `verp`, which needs one envelope per recipient.
    pub batch: usize,
    /// Give every recipient its own envelope sender (`list-bounces+…@`) so bounces name the address.
    pub verp: bool,
    /// Relay connections used in parallel.
    pub concurrency: usize,
    /// Seconds a temporarily failing delivery keeps being retried before it bounces.
    pub retry_for: u64,
    /// Give each member's copy of a post its own RFC 8058 one-click unsubscribe link (one
    /// transaction per recipient). Off: one copy per `batch` recipients, with the mailto link only.
    pub personalize: bool,
}

impl OutboundSection {
    pub fn retry_for_duration(&self) -> Duration {
        Duration::from_secs(self.retry_for)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListsSection {
    /// Directory of list files, one `<name>.toml` per list. Relative to the working directory.
    pub dir: PathBuf,
}

impl Site {
    /// The maildir outbound mail goes to in `maildir` mode.
    pub fn maildir_path(&self) -> PathBuf {
        match &self.outbound.maildir {
            Some(dir) => dir.clone(),
            None => self.storage.data_dir.join("outbox"),
        }
    }

    /// Checks ranges and relations between keys that serde cannot express. `origin` says which
    /// file or variable each key came from, so every problem names where to fix it.
    fn validate(&self, origin: &Origins) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, reason: String| problems.push(origin.problem(key, reason));

        let smtp = &self.smtp;
        if !plausible_domain(&smtp.hostname) {
            problem(
                "smtp.hostname",
                format!("{:?} is not a DNS name", smtp.hostname),
            );
        }
        for (key, value) in [
            ("smtp.max_message_size", smtp.max_message_size),
            ("smtp.max_recipients", smtp.max_recipients as u64),
            ("smtp.idle_timeout", smtp.idle_timeout),
            ("smtp.max_connections", smtp.max_connections as u64),
            ("outbound.batch", self.outbound.batch as u64),
            ("outbound.concurrency", self.outbound.concurrency as u64),
            ("outbound.retry_for", self.outbound.retry_for),
            ("tokens.ttl", self.tokens.ttl),
            ("bounces.threshold", self.bounces.threshold),
            ("holds.ttl", self.holds.ttl),
        ] {
            if value == 0 {
                problem(key, "must be at least 1".into());
            }
        }
        match (&smtp.tls_cert, &smtp.tls_key) {
            (Some(_), None) => problem(
                "smtp.tls_key",
                "missing: smtp.tls_cert is set, so smtp.tls_key must be too (both or neither)"
                    .into(),
            ),
            (None, Some(_)) => problem(
                "smtp.tls_cert",
                "missing: smtp.tls_key is set, so smtp.tls_cert must be too (both or neither)"
                    .into(),
            ),
            _ => {}
        }
        for (key, path) in [
            ("smtp.tls_cert", &smtp.tls_cert),
            ("smtp.tls_key", &smtp.tls_key),
        ] {
            if let Some(path) = path
                && !path.is_file()
            {
                problem(key, format!("{} is not a readable file", path.display()));
            }
        }

        // Two listeners on one address would fail at bind time with a less helpful message. Port 0
        // means "any free port" and never collides.
        let listeners = [
            ("smtp.listen", Some(smtp.listen)),
            ("smtp.lmtp_listen", smtp.lmtp_listen),
            ("web.listen", Some(self.web.listen)),
        ];
        for (i, (key, addr)) in listeners.iter().enumerate() {
            let Some(addr) = addr else { continue };
            if addr.port() == 0 {
                continue;
            }
            if let Some((other, _)) = listeners[..i].iter().find(|(_, a)| *a == Some(*addr)) {
                problem(key, format!("{addr} is already used by {other}"));
            }
        }

        if let Err(reason) = check_base_url(&self.web.base_url) {
            problem("web.base_url", reason);
        }
        if self.storage.data_dir.as_os_str().is_empty() {
            problem("storage.data_dir", "must not be empty".into());
        }
        if let Err(reason) = check_host_port(&self.outbound.relay) {
            problem("outbound.relay", reason);
        }
        if self
            .outbound
            .maildir
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            problem(
                "outbound.maildir",
                "must not be empty (leave it out for <data_dir>/outbox)".into(),
            );
        }
        if self.lists.dir.as_os_str().is_empty() {
            problem("lists.dir", "must not be empty".into());
        }
        for (key, addresses) in [
            ("iesg.members", &self.iesg.members),
            ("iab.members", &self.iab.members),
        ] {
            for a in addresses {
                if !super::plausible_address(a) {
                    problem(
                        key,
                        format!("{a:?} is not a bare address like local@example.org"),
                    );
                }
            }
        }
        if !super::plausible_address(&self.iesg.last_call_list) {
            problem(
                "iesg.last_call_list",
                format!(
                    "{:?} is not a bare address like last-call@example.org",
                    self.iesg.last_call_list
                ),
            );
        }
        if let Some(a) = &self.iesg.announce_list
            && !super::plausible_address(a)
        {
            problem(
                "iesg.announce_list",
                format!("{a:?} is not a bare address like ietf-announce@example.org"),
            );
        }
        if !(1..=60).contains(&self.dkim.timeout) {
            problem("dkim.timeout", "must be 1 to 60 seconds".into());
        }
        for k in &self.dkim.keys {
            let domain = k.name.split_once("._domainkey.").map(|(_, d)| d);
            if !domain.is_some_and(plausible_domain) {
                problem(
                    "dkim.keys",
                    format!(
                        "{:?} is not a key name like sel._domainkey.ietf.org",
                        k.name
                    ),
                );
            }
            use mail_auth::common::{parse::TxtRecordParser, verify::DomainKey};
            if let Err(e) = DomainKey::parse(k.record.as_bytes()) {
                problem(
                    "dkim.keys",
                    format!("the record of {:?} is not a DKIM key: {e}", k.name),
                );
            }
        }
        problems
    }
}

impl Default for Site {
    /// The built-in defaults alone, ignoring the environment: what tests of other modules start from.
    fn default() -> Self {
        load_site_from(None, std::iter::empty())
            .expect("the built-in DEFAULTS are valid; a test in tests/it/config.rs checks them")
    }
}

fn check_base_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("{url:?} must start with http:// or https://"))?;
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{url:?} is not a URL with a host"));
    }
    Ok(())
}

/// Accepts `host:port` and `[v6]:port`; the host may be a name, resolved when connecting.
fn check_host_port(s: &str) -> Result<(), String> {
    let bad = || format!("{s:?} is not host:port");
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    let port_ok = port.parse::<u16>().is_ok_and(|p| p != 0);
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => plausible_domain(host) || host.parse::<std::net::Ipv4Addr>().is_ok(),
    };
    if port_ok && host_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// Loads the site configuration from the built-in defaults, the file at `path` if given, and the
/// process environment.
pub fn load_site(path: Option<&Path>) -> Result<Site, ConfigError> {
    load_site_from(path, std::env::vars())
}

/// [`load_site`] with the environment passed in, so tests supply a fake one instead of mutating the
/// process environment (which is `unsafe` and races with parallel tests).
pub fn load_site_from(
    path: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Site, ConfigError> {
    let mut origins = Origins {
        file: path.map(Path::to_path_buf),
        env: BTreeMap::new(),
    };
    let mut env_source = Map::new();
    for (var, value) in env {
        let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if !rest.contains("__") || value.is_empty() {
            continue;
        }
        origins
            .env
            .insert(rest.to_lowercase().replace("__", "."), var.clone());
        env_source.insert(var, value);
    }

    let mut builder =
        config::Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
    if let Some(path) = path {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        // Parsed here first only for the error: toml's message with a line number is clearer than
        // what reaches us through the config crate.
        if let Err(e) = text.parse::<toml::Table>() {
            return Err(ConfigError::Invalid(vec![Problem::new(
                path,
                "",
                toml_error(&text, &e),
            )]));
        }
        builder = builder.add_source(File::from_str(&text, FileFormat::Toml));
    }
    builder = builder.add_source(
        Environment::with_prefix("WGMAIL")
            .prefix_separator("_")
            .separator("__")
            .source(Some(env_source)),
    );
    let merged = builder
        .build()
        .and_then(|c| c.try_deserialize::<Map<String, Value>>())
        .map_err(|e| {
            let file = path.map_or_else(|| PathBuf::from(DEFAULTS_ORIGIN), Path::to_path_buf);
            ConfigError::Invalid(vec![Problem::new(file, "", e.to_string())])
        })?;
    let defaults = config::Config::builder()
        .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
        .build()
        .and_then(|c| c.try_deserialize::<Map<String, Value>>())
        .map_err(|e| {
            ConfigError::Invalid(vec![Problem::new(DEFAULTS_ORIGIN, "", e.to_string())])
        })?;

    let (mut problems, repaired) = key_problems(&defaults, merged, &origins);
    match table(repaired).try_deserialize::<Site>() {
        Ok(mut site) => {
            problems.extend(site.validate(&origins));
            if problems.is_empty() {
                site.web.base_url = site.web.base_url.trim_end_matches('/').to_string();
                return Ok(site);
            }
        }
        // Unreachable while every key was checked above, but a message beats a panic.
        Err(e) => problems.push(Problem::new(DEFAULTS_ORIGIN, "", reason(e))),
    }
    problems.sort_by(|a, b| (&a.file, &a.key).cmp(&(&b.file, &b.key)));
    Err(ConfigError::Invalid(problems))
}

/// Which layer each key came from, for naming the file (or variable) in a problem.
struct Origins {
    file: Option<PathBuf>,
    /// Dotted key → the variable that set it.
    env: BTreeMap<String, String>,
}

impl Origins {
    fn problem(&self, key: &str, reason: String) -> Problem {
        let from_env = self
            .env
            .iter()
            .find(|(k, _)| *k == key || k.strip_prefix(key).is_some_and(|r| r.starts_with('.')));
        let file = match (from_env, &self.file) {
            (Some((_, var)), _) => PathBuf::from(format!("environment variable {var}")),
            (None, Some(file)) => file.clone(),
            (None, None) => PathBuf::from(DEFAULTS_ORIGIN),
        };
        Problem::new(file, key, reason)
    }
}

fn table(map: Map<String, Value>) -> Value {
    Value::new(None, ValueKind::Table(map))
}

/// Finds every key of `merged` that `Site` would refuse, by deserializing the defaults with just
/// that one key replaced: serde stops at the first error, and this way each key gets its own
/// verdict. Returns the problems and `merged` with each bad key put back to its default (or removed
/// if it has none), so [`Site::validate`] can still check the rest.
fn key_problems(
    defaults: &Map<String, Value>,
    mut merged: Map<String, Value>,
    origins: &Origins,
) -> (Vec<Problem>, Map<String, Value>) {
    let verdict =
        |trial: Map<String, Value>| table(trial).try_deserialize::<Site>().err().map(reason);
    let mut problems = Vec::new();
    let sections: Vec<String> = merged.keys().cloned().collect();
    for section in sections {
        let default_section = match defaults.get(&section).map(|v| &v.kind) {
            Some(ValueKind::Table(t)) => Some(t),
            _ => None,
        };
        let merged_section = merged.get(&section).map(|v| v.kind.clone());
        if let (Some(default_section), Some(ValueKind::Table(keys))) =
            (default_section, merged_section)
        {
            for (key, value) in keys {
                let mut trial = defaults.clone();
                if let Some(ValueKind::Table(t)) = trial.get_mut(&section).map(|v| &mut v.kind) {
                    t.insert(key.clone(), value);
                }
                if let Some(reason) = verdict(trial) {
                    let path = format!("{section}.{key}");
                    problems.push(origins.problem(&path, reason));
                    if let Some(ValueKind::Table(t)) = merged.get_mut(&section).map(|v| &mut v.kind)
                    {
                        match default_section.get(&key) {
                            Some(default) => t.insert(key, default.clone()),
                            None => t.remove(&key),
                        };
                    }
                }
            }
        } else {
            let mut trial = defaults.clone();
            if let Some(value) = merged.get(&section) {
                trial.insert(section.clone(), value.clone());
            }
            if let Some(reason) = verdict(trial) {
                problems.push(origins.problem(&section, reason));
                match defaults.get(&section) {
                    Some(default) => merged.insert(section, default.clone()),
                    None => merged.remove(&section),
                };
            }
        }
    }
    (problems, merged)
}

/// The config crate's message without its " for key `…` in …" suffix: the problem already names
/// the key and the file.
fn reason(e: config::ConfigError) -> String {
    match e {
        config::ConfigError::At { error, .. } => reason(*error),
        config::ConfigError::Type {
            unexpected,
            expected,
            ..
        } => {
            format!("invalid type: {unexpected}, expected {expected}")
        }
        other => unknown_key_wording(&other.to_string()),
    }
}

/// serde says "unknown field"; admins edit keys.
pub(crate) fn unknown_key_wording(message: &str) -> String {
    match message.strip_prefix("unknown field") {
        Some(rest) => format!("unknown key{rest}"),
        None => message.to_string(),
    }
}

/// A TOML syntax error as `line L, column C: message`, on one line for logs.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {}", e.message().trim())
        }
        None => e.message().trim().to_string(),
    }
}
