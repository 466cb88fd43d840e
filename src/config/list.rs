//! List files: `config/lists/<name>.toml`, one per list, holding what admins decide about a list —
//! its address, description, subject prefix, who owns, moderates and chairs it, and posting policy.
//! Members are not here; they change by email and live in the store.
//!
//! A file that fails to parse or validate is refused whole and every problem in it is reported; if an
//! earlier version of the same file was valid, that version stays in force (DESIGN §7), so a typo
//! never takes a list down. Other files load regardless.
//!
//! Parsing list *addresses* of incoming mail (`wg-request@…`) belongs to the routing code; this module
//! only guarantees that no list name can be mistaken for another list's sub-address.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::{Table, Value};

use super::site::{toml_error, unknown_key_wording};
use super::{Problem, plausible_address, plausible_domain};

/// Suffixes that make a list's own sub-addresses (DESIGN §5). A list may not be named with one, or
/// `wg-request` the list would collide with the command address of `wg`.
pub const RESERVED_SUFFIXES: &[&str] = &[
    "-request", "-join", "-leave", "-confirm", "-owner", "-bounces", "-chairs",
];

/// Longest list name, from the rule `^[a-z0-9][a-z0-9._-]{0,63}$`.
const MAX_NAME_LEN: usize = 64;

/// One list, validated. Addresses are lowercase and free of duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListConfig {
    /// The local part of the list address; equal to the file stem.
    pub name: String,
    /// Lowercase DNS name the list's addresses live under.
    pub domain: String,
    /// One line shown in the archive and as the List-Id phrase.
    pub description: String,
    /// Put at the front of the Subject of list posts, once; `[<name>]` unless set. May be empty.
    pub subject_prefix: String,
    /// Who receives `<name>-owner@` mail and reports of refused configuration. At least one.
    pub owners: Vec<String>,
    /// Who approves held posts; see [`ListConfig::moderators_or_owners`].
    pub moderators: Vec<String>,
    /// Who may run workflow commands at `<name>-chairs@` (after confirming each by token).
    pub chairs: Vec<String>,
    /// Who `review start DRAFT reviewers N` picks from, in rotation.
    pub reviewers: Vec<String>,
    pub posting: Posting,
    /// How subscription requests by mail are handled.
    pub subscription: Subscription,
    /// Who may ask `-request` for the member list (`who`).
    pub roster: Roster,
    /// Whether the web archive shows this list (`archive = "public" | "private"`).
    pub archive: ArchiveVisibility,
    pub workflow: Workflow,
}

/// `[workflow]`: how calls run and end (DESIGN §2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workflow {
    /// `majority`: the tally decides (distinct supporters outnumber objectors and at least `quorum`
    /// support). `chair`: the tally is evidence only and a chair declares consensus.
    pub decision: Decision,
    pub quorum: u32,
    pub adoption_weeks: u32,
    pub wglc_weeks: u32,
    /// IANA time zone name: a call ends at the end of its last day here.
    pub time_zone: String,
    /// Who sends the new-revision announcements (`I-D Action: …`) that record a draft's revision
    /// and title; posts from anyone else with such a subject are only posts.
    pub announcements_from: Vec<String>,
    /// The DKIM domain (`d=`) that must sign an announcement, over its From, for it to count:
    /// this domain or one below it.
    pub announcements_dkim_domain: String,
    /// Whether replies from people who are not list members count toward the quorum and the
    /// majority of a WG call (adoption, WGLC). By default they do not: they are listed, flagged
    /// and left out of the decision, as a WG counts its participants. An IETF Last Call counts
    /// everyone who replies whatever this says: the IETF has no membership.
    pub count_non_members: bool,
}

impl Workflow {
    /// The list's time zone (validated at load; UTC if it somehow is not known).
    pub fn tz(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

impl Default for Workflow {
    fn default() -> Self {
        Workflow {
            decision: Decision::Majority,
            quorum: 3,
            adoption_weeks: 2,
            wglc_weeks: 2,
            time_zone: "UTC".into(),
            announcements_from: vec!["internet-drafts@ietf.org".into()],
            announcements_dkim_domain: "ietf.org".into(),
            count_non_members: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Majority,
    Chair,
}

/// `subscription = "confirm" | "moderate" | "closed"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subscription {
    /// Double opt-in: the address confirms by replying to a token mail (the default).
    #[default]
    Confirm,
    /// Confirmed requests still wait for an owner (`wgmail member add`).
    Moderate,
    /// No subscriptions by mail; owners add members.
    Closed,
}

/// `archive = "public" | "private"`: a private list's archive is kept (for export and the
/// workflow's links) but the web archive answers 404 for it, exactly as for a list that does not
/// exist, and leaves it out of the list index and of search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArchiveVisibility {
    #[default]
    Public,
    Private,
}

/// `roster = "owners" | "members" | "public"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Roster {
    /// Only owners get the member list (the default).
    #[default]
    Owners,
    /// Members (and owners) get it.
    Members,
    /// Anyone who asks gets it.
    Public,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Posting {
    /// Only members post directly; what happens to others is `nonmember_action`.
    pub members_only: bool,
    /// Every post, members' too, waits for a moderator.
    pub moderated: bool,
    /// What a members-only list does with a non-member's post.
    pub nonmember_action: NonmemberAction,
    /// Regular expressions (matched against the lower-cased sender address) of non-members whose
    /// posts are accepted as if they were members'.
    pub accept_these_nonmembers: Vec<String>,
    /// "always": rewrite From to `"Name via list" <list@domain>` with the poster in Reply-To, for
    /// senders whose domains publish DMARC p=reject; "never" (the default).
    pub from_munging: FromMunging,
}

impl Default for Posting {
    fn default() -> Self {
        Posting {
            members_only: true,
            moderated: false,
            nonmember_action: NonmemberAction::Hold,
            accept_these_nonmembers: Vec::new(),
            from_munging: FromMunging::Never,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NonmemberAction {
    Hold,
    Reject,
    Discard,
    Accept,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FromMunging {
    Never,
    Always,
}

impl ListConfig {
    /// The posting address, `name@domain`.
    pub fn address(&self) -> String {
        format!("{}@{}", self.name, self.domain)
    }

    /// The RFC 2919 list identifier `name.domain`, to be written as `List-Id: description <name.domain>`.
    pub fn list_id(&self) -> String {
        format!("{}.{}", self.name, self.domain)
    }

    pub fn is_owner(&self, address: &str) -> bool {
        contains_address(&self.owners, address)
    }

    pub fn is_moderator(&self, address: &str) -> bool {
        contains_address(self.moderators_or_owners(), address)
    }

    pub fn is_chair(&self, address: &str) -> bool {
        contains_address(&self.chairs, address)
    }

    /// The moderators, or the owners when none are named: held posts must always reach someone.
    pub fn moderators_or_owners(&self) -> &[String] {
        if self.moderators.is_empty() {
            &self.owners
        } else {
            &self.moderators
        }
    }
}

fn contains_address(list: &[String], address: &str) -> bool {
    list.iter().any(|a| a.eq_ignore_ascii_case(address))
}

/// The file as written; [`parse_list`] turns it into a [`ListConfig`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListFile {
    name: String,
    domain: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    subject_prefix: Option<String>,
    #[serde(default)]
    owners: Vec<String>,
    #[serde(default)]
    moderators: Vec<String>,
    #[serde(default)]
    chairs: Vec<String>,
    #[serde(default)]
    reviewers: Vec<String>,
    #[serde(default)]
    posting: Posting,
    #[serde(default)]
    subscription: Subscription,
    #[serde(default)]
    roster: Roster,
    #[serde(default)]
    archive: ArchiveVisibility,
    #[serde(default)]
    workflow: Workflow,
}

/// Keys every list file must have.
const REQUIRED: &[&str] = &["name", "domain"];

/// Parses and validates one list file's text. `file` is used for the stem check and in problems.
pub fn parse_list(file: &Path, text: &str) -> Result<ListConfig, Vec<Problem>> {
    let problem = |key: &str, reason: String| Problem::new(file, key, reason);
    let table: Table = text
        .parse()
        .map_err(|e| vec![problem("", toml_error(text, &e))])?;

    let (found, refused, repaired) = key_problems(table);
    let mut problems: Vec<Problem> = found.into_iter().map(|(k, r)| problem(&k, r)).collect();
    match Value::Table(repaired).try_into::<ListFile>() {
        Ok(raw) => {
            let (list, semantic) = validate(file, raw);
            // A key refused above was replaced by a placeholder; what validation says about the
            // placeholder is noise.
            problems.extend(
                semantic
                    .into_iter()
                    .filter(|(k, _)| !refused.contains(k))
                    .map(|(k, r)| problem(&k, r)),
            );
            if problems.is_empty() {
                return Ok(list);
            }
        }
        Err(e) => problems.push(problem("", e.message().to_string())),
    }
    Err(problems)
}

/// A table with valid placeholders for the required keys; each key of a file is tried against it
/// on its own.
fn trial_base() -> Table {
    let mut base = Table::new();
    for key in REQUIRED {
        base.insert((*key).into(), Value::String("x".into()));
    }
    base.insert("posting".into(), Value::Table(Table::new()));
    base.insert("workflow".into(), Value::Table(Table::new()));
    base
}

/// Tries each key (and each key of a sub-table such as `[posting]`) on its own against
/// [`trial_base`], so every unknown or mistyped key is reported rather than only the first. Returns
/// the problems as (key, reason), the keys refused, and the table with refused keys removed or, if
/// required, replaced by a placeholder so the rest can still be validated.
fn key_problems(table: Table) -> (Vec<(String, String)>, BTreeSet<String>, Table) {
    let base = trial_base();
    let verdict = |trial: Table| {
        Value::Table(trial)
            .try_into::<ListFile>()
            .err()
            .map(|e| unknown_key_wording(e.message()))
    };
    let mut problems = Vec::new();
    let mut refused = BTreeSet::new();
    let mut repaired = table.clone();
    for key in REQUIRED {
        if !table.contains_key(*key) {
            problems.push((
                (*key).to_string(),
                "missing; every list file must set it".to_string(),
            ));
            refused.insert((*key).to_string());
            repaired.insert((*key).into(), base[*key].clone());
        }
    }
    for (key, value) in table {
        match (base.get(&key), value) {
            (Some(Value::Table(_)), Value::Table(sub)) => {
                for (sub_key, sub_value) in sub {
                    let mut trial = base.clone();
                    if let Some(Value::Table(t)) = trial.get_mut(&key) {
                        t.insert(sub_key.clone(), sub_value);
                    }
                    if let Some(reason) = verdict(trial) {
                        if let Some(Value::Table(t)) = repaired.get_mut(&key) {
                            t.remove(&sub_key);
                        }
                        let path = format!("{key}.{sub_key}");
                        refused.insert(path.clone());
                        problems.push((path, reason));
                    }
                }
            }
            (_, value) => {
                let mut trial = base.clone();
                trial.insert(key.clone(), value);
                if let Some(reason) = verdict(trial) {
                    match base.get(&key) {
                        Some(placeholder) if REQUIRED.contains(&key.as_str()) => {
                            repaired.insert(key.clone(), placeholder.clone())
                        }
                        _ => repaired.remove(&key),
                    };
                    refused.insert(key.clone());
                    problems.push((key, reason));
                }
            }
        }
    }
    (problems, refused, repaired)
}

/// Checks what serde cannot and builds the [`ListConfig`]; problems come back as (key, reason).
fn validate(file: &Path, raw: ListFile) -> (ListConfig, Vec<(String, String)>) {
    let mut problems = Vec::new();
    let mut problem = |key: &str, reason: String| problems.push((key.to_string(), reason));

    let name = &raw.name;
    let name_ok = name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-_".contains(&b));
    if !name_ok {
        problem(
            "name",
            format!(
                "{name:?} is not a list name: 1 to {MAX_NAME_LEN} of a-z 0-9 . _ -, starting with a letter or digit"
            ),
        );
    }
    let wf = &raw.workflow;
    if wf.quorum == 0 {
        problem("workflow.quorum", "must be at least 1".into());
    }
    for (key, weeks) in [
        ("workflow.adoption_weeks", wf.adoption_weeks),
        ("workflow.wglc_weeks", wf.wglc_weeks),
    ] {
        if !(1..=52).contains(&weeks) {
            problem(key, format!("{weeks} weeks; a call lasts 1 to 52 weeks"));
        }
    }
    if let Err(e) = jiff::tz::TimeZone::get(&wf.time_zone) {
        problem(
            "workflow.time_zone",
            format!(
                "{:?} is not a known time zone (an IANA name such as \"Europe/Paris\"): {e}",
                wf.time_zone
            ),
        );
    }
    for a in &wf.announcements_from {
        if !plausible_address(a) {
            problem(
                "workflow.announcements_from",
                format!("{a:?} is not a bare address like internet-drafts@ietf.org"),
            );
        }
    }
    if !super::plausible_domain(&wf.announcements_dkim_domain) {
        problem(
            "workflow.announcements_dkim_domain",
            format!(
                "{:?} is not a domain name like ietf.org",
                wf.announcements_dkim_domain
            ),
        );
    }
    for pattern in &raw.posting.accept_these_nonmembers {
        if let Err(e) = regex::Regex::new(pattern) {
            problem(
                "posting.accept_these_nonmembers",
                format!("{pattern:?} is not a regular expression: {e}"),
            );
        }
    }
    if let Some(suffix) = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
        problem(
            "name",
            format!(
                "{name:?} ends with {suffix:?}, which is reserved for a list's own sub-addresses"
            ),
        );
    }
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != name {
        problem(
            "name",
            format!("{name:?} differs from the file name; the file must be {name}.toml"),
        );
    }

    if raw.domain.bytes().any(|b| b.is_ascii_uppercase()) {
        problem("domain", format!("{:?} must be lowercase", raw.domain));
    } else if !plausible_domain(&raw.domain) {
        problem("domain", format!("{:?} is not a DNS name", raw.domain));
    }

    // Both end up in mail headers; a line break there would let a config file inject headers.
    for (key, value) in [
        ("description", &raw.description),
        (
            "subject_prefix",
            &raw.subject_prefix.clone().unwrap_or_default(),
        ),
    ] {
        if value.chars().any(char::is_control) {
            problem(key, "must be one line without control characters".into());
        }
    }

    let mut addresses = |key: &str, given: Vec<String>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for address in given {
            if !plausible_address(&address) {
                problem(
                    key,
                    format!("{address:?} is not a bare address like local@example.org"),
                );
                continue;
            }
            let address = address.to_lowercase();
            if !out.contains(&address) {
                out.push(address);
            }
        }
        out
    };
    let owners_given = !raw.owners.is_empty();
    let owners = addresses("owners", raw.owners);
    let moderators = addresses("moderators", raw.moderators);
    let chairs = addresses("chairs", raw.chairs);
    let reviewers = addresses("reviewers", raw.reviewers);
    // At least one owner: `<name>-owner@` must reach a person, and refused edits to this file are
    // reported to the owners. An ownerless list would fail silently in both.
    if !owners_given {
        problem(
            "owners",
            "at least one owner is required; <name>-owner@ mail and config problems go to them"
                .into(),
        );
    }

    let subject_prefix = raw
        .subject_prefix
        .unwrap_or_else(|| format!("[{}]", raw.name));
    let list = ListConfig {
        name: raw.name,
        domain: raw.domain,
        description: raw.description,
        subject_prefix,
        owners,
        moderators,
        chairs,
        reviewers,
        posting: raw.posting,
        subscription: raw.subscription,
        roster: raw.roster,
        archive: raw.archive,
        workflow: raw.workflow,
    };
    (list, problems)
}

/// All lists in force, keyed by (name, domain).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lists {
    entries: BTreeMap<(String, String), Entry>,
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    list: Arc<ListConfig>,
    /// The file it was read from: how a later failed load finds the version to keep.
    file: PathBuf,
}

impl Lists {
    /// Lists built in memory, for tests of other modules; they have no file.
    pub fn from_lists(lists: impl IntoIterator<Item = ListConfig>) -> Self {
        let mut out = Lists::default();
        for list in lists {
            out.insert(Arc::new(list), PathBuf::new());
        }
        out
    }

    /// The list `name@domain`, compared case-insensitively.
    pub fn get(&self, name: &str, domain: &str) -> Option<Arc<ListConfig>> {
        self.entries
            .get(&(name.to_lowercase(), domain.to_lowercase()))
            .map(|e| e.list.clone())
    }

    /// Every list called `name`, whatever its domain.
    /// The list whose posting address is `name@domain` (the key the store uses).
    pub fn by_address(&self, address: &str) -> Option<Arc<ListConfig>> {
        let (name, domain) = address.split_once('@')?;
        self.get(name, domain)
    }

    pub fn by_name(&self, name: &str) -> Vec<Arc<ListConfig>> {
        let name = name.to_lowercase();
        self.entries
            .values()
            .filter(|e| e.list.name == name)
            .map(|e| e.list.clone())
            .collect()
    }

    /// The list read from `file`, e.g. to mail its owners about a refused edit of that file.
    pub fn by_file(&self, file: &Path) -> Option<Arc<ListConfig>> {
        self.entries
            .values()
            .find(|e| e.file == file)
            .map(|e| e.list.clone())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<ListConfig>> {
        self.entries.values().map(|e| &e.list)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn insert(&mut self, list: Arc<ListConfig>, file: PathBuf) {
        self.entries.insert(
            (list.name.clone(), list.domain.clone()),
            Entry { list, file },
        );
    }

    /// The file already holding (name, domain), if any.
    fn file_of(&self, list: &ListConfig) -> Option<&Path> {
        self.entries
            .get(&(list.name.clone(), list.domain.clone()))
            .map(|e| e.file.as_path())
    }
}

/// Reads every `*.toml` file in `dir` (not hidden files, not subdirectories), in file-name order.
/// A file that fails is refused whole and its version from `previous`, if any, stays in force. If
/// `dir` itself cannot be read, all of `previous` stays. Problems are returned for the caller to log.
pub fn load_lists(dir: &Path, previous: Option<&Lists>) -> (Lists, Vec<Problem>) {
    let mut problems = Vec::new();
    let files = match list_files(dir) {
        Ok(files) => files,
        Err(e) => {
            problems.push(Problem::new(
                dir,
                "",
                format!("cannot read the list directory: {e}"),
            ));
            return (previous.cloned().unwrap_or_default(), problems);
        }
    };
    let mut lists = Lists::default();
    for file in files {
        let parsed = std::fs::read_to_string(&file)
            .map_err(|e| {
                vec![Problem::new(
                    &file,
                    "",
                    format!("cannot read the file: {e}"),
                )]
            })
            .and_then(|text| parse_list(&file, &text));
        let list = match parsed {
            Ok(list) => Arc::new(list),
            Err(found) => {
                problems.extend(found);
                match previous.and_then(|p| p.by_file(&file)) {
                    Some(kept) => kept,
                    None => continue,
                }
            }
        };
        if let Some(other) = lists.file_of(&list) {
            problems.push(Problem::new(
                &file,
                "name",
                format!(
                    "list {} is already defined in {}",
                    list.address(),
                    other.display()
                ),
            ));
            continue;
        }
        lists.insert(list, file);
    }
    (lists, problems)
}

/// The candidate list files of `dir`, sorted.
pub(crate) fn list_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let visible = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.starts_with('.'));
        if visible && path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
