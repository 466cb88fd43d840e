//! Configuration: the site file (`config/wgmail.toml`, layered with built-in defaults and `WGMAIL_…`
//! environment variables) and one file per list (`config/lists/<name>.toml`), read in two steps as
//! everywhere in wgmail: serde structs that refuse unknown keys, then validation that reports every
//! problem at once, each as `file: key: reason`.
//!
//! This module owns reading, validating and reloading those files, and publishing the result through a
//! [`ConfigHandle`]. It must not act on configuration (bind sockets, open the store, send mail): other
//! subsystems subscribe to the handle and decide what a change means for them. Members are not
//! configuration; they live in the store.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub mod list;
pub mod reload;
pub mod site;

pub use list::{
    ArchiveVisibility, Decision, FromMunging, ListConfig, Lists, NonmemberAction, Posting,
    RESERVED_SUFFIXES, Roster, Subscription, Workflow, load_lists, parse_list,
};
pub use reload::{ConfigHandle, POLL_INTERVAL, watch, watch_every};
pub use site::{
    ListsSection, OutboundMode, OutboundSection, Site, SmtpSection, StorageSection, WebSection,
    load_site, load_site_from,
};

/// One thing wrong with one key of one file. Validation collects these instead of stopping at the
/// first, so an admin fixes a file in one round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file that holds the bad value. For values from the environment this names the variable
    /// (`environment variable WGMAIL_SMTP__LISTEN`); for the built-in defaults, `<built-in defaults>`.
    pub file: PathBuf,
    /// Dotted key path, e.g. `smtp.listen` or `posting.members_only`; empty when the problem is the
    /// file as a whole (unreadable, not TOML).
    pub key: String,
    /// What is wrong, in words an admin can act on.
    pub reason: String,
}

impl Problem {
    pub fn new(
        file: impl Into<PathBuf>,
        key: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Problem {
            file: file.into(),
            key: key.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.reason)
        } else {
            write!(f, "{}: {}: {}", self.file.display(), self.key, self.reason)
        }
    }
}

/// Why the site configuration could not be loaded. List files never fail a load as a whole: a bad
/// list file is refused on its own and reported as [`Problem`]s by [`load_lists`].
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file was read but one or more keys are wrong; every problem found is listed.
    #[error("invalid configuration:{}", ProblemList(.0))]
    Invalid(Vec<Problem>),
    /// The file could not be read at all.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ConfigError {
    /// The error as problems, so a reload can log an unreadable file the same way as a bad key.
    pub fn into_problems(self) -> Vec<Problem> {
        match self {
            ConfigError::Invalid(problems) => problems,
            ConfigError::Io { path, source } => {
                vec![Problem::new(
                    path,
                    "",
                    format!("cannot read the file: {source}"),
                )]
            }
        }
    }
}

/// Formats problems one per line under the error's headline.
struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.0 {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

/// Everything configured, as one immutable snapshot. A reload builds a new `Config` and publishes it;
/// holders of an old `Arc<Config>` keep a consistent view until they ask again.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub site: Arc<Site>,
    pub lists: Arc<Lists>,
    /// The site file this was read from, so a reload reads the same file; `None` means built-in
    /// defaults plus environment.
    pub site_path: Option<PathBuf>,
}

impl Config {
    /// Startup load: the site configuration must be valid (a daemon with a wrong listen address or
    /// data directory should not start), while bad list files are refused one by one and returned
    /// as problems for the caller to log; the valid lists are served.
    pub fn load(site_path: Option<&Path>) -> Result<(Config, Vec<Problem>), ConfigError> {
        let site = load_site(site_path)?;
        let (lists, problems) = load_lists(&site.lists.dir, None);
        let config = Config {
            site: Arc::new(site),
            lists: Arc::new(lists),
            site_path: site_path.map(Path::to_path_buf),
        };
        Ok((config, problems))
    }
}

/// True for a plausible DNS name: dot-separated labels of ASCII letters, digits and hyphens, 1–63
/// characters each, not starting or ending with a hyphen, 253 characters in all. A single label
/// (`localhost`) is allowed so development setups work. Case is the caller's business: list domains
/// must be lowercase, the SMTP hostname may not be.
pub fn plausible_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// True for a plausible bare address `local@domain`: exactly one `@`, a local part of up to 64
/// printable characters without spaces, angle brackets or list separators (so `Name <a@b>` and
/// `a@b, c@d` are refused rather than half-understood), and a plausible domain. This is a sanity check
/// on what admins type into list files, not an RFC 5321 parser.
pub fn plausible_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && local
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"'))
        && plausible_domain(domain)
}
