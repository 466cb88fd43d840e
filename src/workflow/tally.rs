//! The tally of a call (DESIGN.md §3): classified replies in, distinct people per position out,
//! objections with their reasons first, late replies apart, coverage. Also the offline recount of
//! an archived thread (`wgmail tally FILE.mbox`) and the text of the result mail
//! (`shared/spec/workflow.md`, "Result of a call").
//!
//! Pure: no storage, no clock. Rules, in order:
//! - a Message-ID already seen is a duplicate (cross-posts count once); `Ignore` replies do not count;
//! - replies dated after the deadline are listed as late and not counted;
//! - the latest position of a person wins, but a later `Comment` never erases an earlier position;
//! - identity is the From address, lower-cased, after undoing DMARC rewriting (see `identity`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::positions::{Classified, Position, classify};

/// An earlier reply of the same call, as [`resolve`] sees it: who said what, in which message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub message_id: String,
    /// The identity (see [`identity`]).
    pub person: String,
    pub name: String,
    /// As resolved when it was recorded.
    pub position: Position,
}

/// The position a reply takes once the people it follows are known: `+1 to Carol` is Carol's
/// standing position, `Me too.` the position of the message it answers, `-1 to what Dave said`
/// the opposite of Dave's. `parent` is the Message-ID the reply answers; `earlier` are the call's
/// replies before it, in date order. A named person no earlier reply matches (or several match)
/// and an unknown parent leave the reply's own reading (support for `+1 to Carol`, an objection
/// when the quoted text objects).
pub fn resolve(c: &Classified, parent: Option<&str>, earlier: &[Said]) -> Position {
    let Some(f) = &c.follows else {
        return c.position;
    };
    let theirs = match &f.whom {
        None => match parent.and_then(|p| earlier.iter().rev().find(|s| s.message_id == p)) {
            Some(s) => s.position,
            None => return c.position,
        },
        Some(name) => match named(name, earlier) {
            Some(person) => standing(person, earlier),
            None => return c.position,
        },
    };
    use Position::*;
    match (theirs, f.invert) {
        (Support | SupportIf | Object | NoObjection | Neutral, false) => theirs,
        (Support | SupportIf, true) => Object,
        (Object, true) => Support,
        _ => Comment,
    }
}

/// A person's standing position among `earlier`: their latest that is not a comment, none (a
/// comment) after a withdrawal.
fn standing(person: &str, earlier: &[Said]) -> Position {
    earlier
        .iter()
        .rev()
        .filter(|s| s.person == person)
        .map(|s| s.position)
        .find(|p| !matches!(p, Position::Comment | Position::Ignore))
        .filter(|p| *p != Position::Withdraw)
        .unwrap_or(Position::Comment)
}

/// The one earlier replier that `name` designates: by address, local part, full display name or
/// one word of it (`Carol`, `Smith`). `None` when nobody or more than one person matches.
fn named<'a>(name: &str, earlier: &'a [Said]) -> Option<&'a str> {
    let n = name.trim().to_lowercase();
    let n = n
        .strip_suffix("'s")
        .or_else(|| n.strip_suffix("\u{2019}s"))
        .unwrap_or(&n)
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '.' && c != '-');
    if n.is_empty() {
        return None;
    }
    let mut found: Option<&str> = None;
    for s in earlier {
        let full = s.name.to_lowercase();
        let hit = s.person == n
            || s.person.split('@').next() == Some(n)
            || full == n
            || full
                .split(|c: char| c.is_whitespace() || c == ',')
                .any(|w| w == n);
        if hit {
            if found.is_some_and(|f| f != s.person) {
                return None;
            }
            found = Some(s.person.as_str());
        }
    }
    found
}

/// One reply to a call, classified.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The From address, lower-cased.
    pub from: String,
    pub name: String,
    /// Unix seconds.
    pub date: i64,
    pub message_id: String,
    pub classified: Classified,
}

/// An objection, kept with its reason so the chair sees what to address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Objection {
    pub from: String,
    pub name: String,
    pub reason: Option<String>,
}

/// A position that arrived after the deadline: shown, not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Late {
    pub from: String,
    pub position: Position,
    pub date: i64,
}

/// The counted result of a call. Every position is a sorted list of distinct addresses.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Replies considered: distinct Message-IDs, not auto-replies, before the deadline.
    pub replies: usize,
    /// Of those, replies with a position (not comment, not ignore).
    pub classified: usize,
    /// `classified / replies`, 0 when there were no replies.
    pub coverage: f64,
    pub support: Vec<String>,
    pub support_if: Vec<String>,
    pub object: Vec<String>,
    pub no_objection: Vec<String>,
    pub neutral: Vec<String>,
    /// Current objectors with their reasons (a withdrawn objection is gone).
    pub objections: Vec<Objection>,
    /// Conditions of the `support_if` people, address → condition.
    pub conditions: BTreeMap<String, String>,
    pub late: Vec<Late>,
    /// People who withdrew their position and gave no new one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<String>,
    /// People with a position who were not members of the list when they replied: flagged for
    /// the chair (filled in by the daemon, or by the offline recount given the roster).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_members: Vec<String>,
    /// When the call counts members only (a WG call), the non-members' positions, which the
    /// lists above leave out.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub not_counted: BTreeMap<String, Position>,
    /// Display names by address, for everyone with a position.
    pub names: BTreeMap<String, String>,
}

/// Identity of a sender: the address lower-cased, with DMARC "From munging" undone. The accepted
/// pattern is `LOCAL=40DOMAIN@HOST` where some label of `HOST` is `dmarc` (as in
/// `alice=40example.org@dmarc.ietf.org`): it becomes `LOCAL@DOMAIN`. Other `=40` addresses
/// are left alone, since `=` is legal in a local part.
pub fn identity(addr: &str) -> String {
    let a = addr
        .trim()
        .trim_matches(|c| c == '<' || c == '>')
        .to_lowercase();
    if let Some((local, host)) = a.rsplit_once('@')
        && host.split('.').any(|l| l == "dmarc")
        && let Some((user, domain)) = local.rsplit_once("=40")
        && !user.is_empty()
        && domain.contains('.')
    {
        return format!("{user}@{domain}");
    }
    a
}

/// Counts the replies. `deadline` is the last counted instant (Unix seconds), if any.
pub fn tally(replies: &[Reply], deadline: Option<i64>) -> Tally {
    // Date order (stable, so equal dates keep arrival order): "latest wins" means latest sent.
    let mut order: Vec<&Reply> = replies.iter().collect();
    order.sort_by_key(|r| r.date);

    let mut seen: HashSet<&str> = HashSet::new();
    let mut current: HashMap<String, (Position, Option<String>, String)> = HashMap::new();
    let mut withdrawn: BTreeSet<String> = BTreeSet::new();
    let mut out = Tally::default();
    for r in order {
        if !r.message_id.is_empty() && !seen.insert(r.message_id.as_str()) {
            continue;
        }
        let pos = r.classified.position;
        if pos == Position::Ignore {
            continue;
        }
        let who = identity(&r.from);
        if deadline.is_some_and(|d| r.date > d) {
            if pos != Position::Comment {
                out.late.push(Late {
                    from: who,
                    position: pos,
                    date: r.date,
                });
            }
            continue;
        }
        out.replies += 1;
        if pos == Position::Comment {
            continue;
        }
        out.classified += 1;
        if pos == Position::Withdraw {
            // The earlier position no longer stands; the withdrawal is listed apart.
            if current.remove(&who).is_some() {
                withdrawn.insert(who);
            }
            continue;
        }
        withdrawn.remove(&who);
        let name = if r.name.is_empty() {
            current.get(&who).map(|c| c.2.clone()).unwrap_or_default()
        } else {
            r.name.clone()
        };
        current.insert(who, (pos, r.classified.reason.clone(), name));
    }
    out.withdrawn = withdrawn.into_iter().collect();
    out.coverage = if out.replies == 0 {
        0.0
    } else {
        out.classified as f64 / out.replies as f64
    };

    let mut by: BTreeMap<Position, BTreeSet<String>> = BTreeMap::new();
    for (who, (pos, reason, name)) in &current {
        by.entry(*pos).or_default().insert(who.clone());
        if !name.is_empty() {
            out.names.insert(who.clone(), name.clone());
        }
        match pos {
            Position::Object => out.objections.push(Objection {
                from: who.clone(),
                name: name.clone(),
                reason: reason.clone(),
            }),
            Position::SupportIf => {
                if let Some(c) = reason {
                    out.conditions.insert(who.clone(), c.clone());
                }
            }
            _ => {}
        }
    }
    out.objections.sort_by(|a, b| a.from.cmp(&b.from));
    let mut take = |p| {
        by.remove(&p)
            .map(|s| s.into_iter().collect())
            .unwrap_or_default()
    };
    out.support = take(Position::Support);
    out.support_if = take(Position::SupportIf);
    out.object = take(Position::Object);
    out.no_objection = take(Position::NoObjection);
    out.neutral = take(Position::Neutral);
    out
}

/// The subject a reply shares with its call: without `Re:`/`Fwd:`/`AW:` and `[list]`/`[VOTE]`
/// prefixes, without a trailing `(Ends …)`, lower-cased with whitespace collapsed (folded
/// subjects come back with doubled spaces).
///
/// This is deliberately not [`crate::thread::base_subject`]. That one is RFC 5256's base subject
/// for grouping the archive into threads; this one is a matching key, compared with
/// `starts_with`, that decides whether a reply counts toward a call. So it lower-cases, removes
/// the `(Ends …)` the server appends to a call's subject, and strips the localized reply and
/// forward prefixes (`AW:`, `SV:`, `TR:`, `WG:`) that chairs' and participants' mail clients
/// add, which RFC 5256 leaves alone (`Re: Antwort: foo` keeps `Antwort:` there). It does not
/// know RFC 5256's `Re[2]:`, `(fwd)` or `[fwd: …]` forms, and a subject that is only a `[tag]`
/// becomes empty rather than keeping it. Making either call the other would change which
/// replies are tallied or how the archive threads.
pub fn base_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let before = s.len();
        for p in ["re:", "fwd:", "fw:", "aw:", "sv:", "tr:", "wg:"] {
            if s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)) {
                s = s[p.len()..].trim_start();
            }
        }
        if s.starts_with('[')
            && let Some(end) = s.find(']')
        {
            s = s[end + 1..].trim_start();
        }
        if s.len() == before {
            break;
        }
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.to_lowercase());
    }
    if let Some(i) = out.find(" (ends ") {
        out.truncate(i);
    }
    out
}

/// One call found in an archive, with its replies classified and resolved in date order.
#[derive(Debug, Clone)]
pub struct CallThread {
    /// The announcement's Subject (with its `(Ends YYYY-MM-DD)`, when it has one).
    pub subject: String,
    pub message_id: Option<String>,
    /// The last day from the Subject's `(Ends YYYY-MM-DD)`.
    pub ends: Option<jiff::civil::Date>,
    pub replies: Vec<Reply>,
}

/// Whether a Subject announces a call: `Call for adoption: …`, `WG Last Call: …`, `Last Call: …`
/// (also with a `[list]` tag), not a reply to one.
pub fn is_call_subject(subject: &str) -> bool {
    let s = subject.trim();
    let lower = s.to_ascii_lowercase();
    if ["re:", "fwd:", "fw:", "aw:", "sv:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return false;
    }
    let body = match lower.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((_, rest)) => rest.trim_start().to_owned(),
        None => lower,
    };
    [
        "call for adoption:",
        "wg last call:",
        "wglc:",
        "last call:",
        "[vote]",
        "vote:",
    ]
    .iter()
    .any(|p| body.starts_with(p))
}

/// The kind of call a Subject announces: `Last Call:` alone is the IETF's; `WG Last Call:` or
/// `WGLC:` a working group last call; anything else a call for adoption.
pub fn call_kind(subject: &str) -> crate::values::CallKind {
    use crate::values::CallKind;
    let lower = base_subject(subject);
    if lower.starts_with("wg last call")
        || lower.starts_with("wglc")
        || lower.contains("working group last call")
    {
        CallKind::Wglc
    } else if lower.starts_with("last call") || lower.contains("ietf last call") {
        CallKind::IetfLc
    } else {
        CallKind::Adoption
    }
}

/// The `(Ends YYYY-MM-DD)` date of a call's Subject.
pub fn ends_of(subject: &str) -> Option<jiff::civil::Date> {
    let lower = subject.to_ascii_lowercase();
    let at = lower.rfind("(ends ")?;
    let rest = &subject[at + "(ends ".len()..];
    let date = rest.split(')').next()?.trim();
    date.parse().ok()
}

/// Finds the calls of an archive and their replies. A call is a message whose Subject announces
/// one ([`is_call_subject`]); when none does, the first message is the call (an exported
/// thread). Replies join the call they thread under (References/In-Reply-To, directly or
/// through replies already joined) or, failing that, whose base subject they share; each reply
/// joins one call. Auto-replies are kept (the tally skips them); replies are classified and
/// resolved against the ones before them.
pub fn call_threads(messages: &[Vec<u8>]) -> Vec<CallThread> {
    let parsed: Vec<_> = messages.iter().map(|m| crate::message::parse(m)).collect();
    let mut calls: Vec<usize> = (0..parsed.len())
        .filter(|&i| is_call_subject(&parsed[i].subject))
        .collect();
    if calls.is_empty() && !parsed.is_empty() {
        calls.push(0);
    }
    let mut owner: Vec<Option<usize>> = vec![None; parsed.len()];
    for (c, &i) in calls.iter().enumerate() {
        owner[i] = Some(c);
    }
    let mut known: HashMap<&str, usize> = HashMap::new();
    for (c, &i) in calls.iter().enumerate() {
        if let Some(id) = &parsed[i].message_id {
            known.insert(id.as_str(), c);
        }
    }
    // Threads in an mbox are not always in reply order: repeat until nothing new joins.
    loop {
        let mut changed = false;
        for (i, p) in parsed.iter().enumerate() {
            if owner[i].is_some() {
                continue;
            }
            let by_thread = p
                .in_reply_to
                .iter()
                .chain(&p.references)
                .find_map(|r| known.get(r.as_str()).copied());
            if let Some(c) = by_thread {
                owner[i] = Some(c);
                changed = true;
                if let Some(id) = &p.message_id {
                    known.insert(id.as_str(), c);
                }
            }
        }
        if !changed {
            break;
        }
    }
    let bases: Vec<String> = calls
        .iter()
        .map(|&i| base_subject(&parsed[i].subject))
        .collect();
    for (i, p) in parsed.iter().enumerate() {
        if owner[i].is_none() {
            let base = base_subject(&p.subject);
            owner[i] = bases
                .iter()
                .position(|b| !b.is_empty() && base.starts_with(b.as_str()));
        }
    }
    calls
        .iter()
        .enumerate()
        .map(|(c, &call)| {
            let mut order: Vec<usize> = (0..parsed.len())
                .filter(|&i| {
                    i != call
                        && owner[i] == Some(c)
                        && !(parsed[i].message_id.is_some()
                            && parsed[i].message_id == parsed[call].message_id)
                })
                .collect();
            order.sort_by_key(|&i| parsed[i].date.unwrap_or(0));
            let mut replies = Vec::with_capacity(order.len());
            let mut said: Vec<Said> = Vec::with_capacity(order.len());
            for i in order {
                let p = &parsed[i];
                let mut classified = classify(&p.body_text, p.auto_submitted.as_deref());
                let parent = p.in_reply_to.first().or(p.references.last());
                classified.position = resolve(&classified, parent.map(String::as_str), &said);
                let reply = Reply {
                    from: p.from_addr.to_lowercase(),
                    name: p.from_name.clone(),
                    date: p.date.unwrap_or(0),
                    message_id: p.message_id.clone().unwrap_or_default(),
                    classified,
                };
                said.push(Said {
                    message_id: reply.message_id.clone(),
                    person: identity(&reply.from),
                    name: reply.name.clone(),
                    position: reply.classified.position,
                });
                replies.push(reply);
            }
            CallThread {
                subject: parsed[call].subject.clone(),
                message_id: parsed[call].message_id.clone(),
                ends: ends_of(&parsed[call].subject),
                replies,
            }
        })
        .collect()
}

/// Recounts an archived thread whose first message (or first call announcement) is the call,
/// with no deadline: see [`call_threads`].
pub fn recount(messages: &[Vec<u8>]) -> Tally {
    call_threads(messages)
        .first()
        .map(|c| tally(&c.replies, None))
        .unwrap_or_default()
}

/// The tally as the result mail shows it: objections with their reasons first, then support
/// with names, then the other counts and coverage.
pub fn render_text(t: &Tally) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let who = |a: &String| match t.names.get(a) {
        Some(n) if !n.is_empty() => format!("{n} <{a}>"),
        _ => a.clone(),
    };
    let _ = writeln!(s, "Objections ({}):", t.objections.len());
    for o in &t.objections {
        match &o.reason {
            Some(r) => {
                let _ = writeln!(s, "  {}: \"{}\"", who(&o.from), r);
            }
            None => {
                let _ = writeln!(s, "  {}: (no reason given)", who(&o.from));
            }
        }
    }
    let list = |v: &Vec<String>| v.iter().map(who).collect::<Vec<_>>().join(", ");
    let _ = writeln!(s, "Support ({}): {}", t.support.len(), list(&t.support));
    if !t.support_if.is_empty() {
        let conds = t
            .support_if
            .iter()
            .map(|a| match t.conditions.get(a) {
                Some(c) => format!("{} (if {c})", who(a)),
                None => who(a),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "Support with conditions ({}): {conds}",
            t.support_if.len()
        );
    }
    if !t.no_objection.is_empty() {
        let _ = writeln!(
            s,
            "No objection ({}): {}",
            t.no_objection.len(),
            list(&t.no_objection)
        );
    }
    if !t.neutral.is_empty() {
        let _ = writeln!(s, "Neutral ({}): {}", t.neutral.len(), list(&t.neutral));
    }
    let _ = writeln!(
        s,
        "No objection ({}) · Neutral ({}) · Late ({}) · Replies {}, with a position {} (coverage {:.0}%)",
        t.no_objection.len(),
        t.neutral.len(),
        t.late.len(),
        t.replies,
        t.classified,
        t.coverage * 100.0
    );
    if !t.late.is_empty() {
        let late = t
            .late
            .iter()
            .map(|l| format!("{} ({})", who(&l.from), l.position.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(s, "Late, not counted ({}): {late}", t.late.len());
    }
    if !t.not_counted.is_empty() {
        let outsiders = t
            .not_counted
            .iter()
            .map(|(a, p)| format!("{} ({})", who(a), p.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "Not list members when they replied, not counted ({}): {outsiders}",
            t.not_counted.len()
        );
    } else if !t.not_members.is_empty() {
        let _ = writeln!(
            s,
            "Not list members when they replied, counted ({}): {}",
            t.not_members.len(),
            list(&t.not_members)
        );
    }
    if !t.withdrawn.is_empty() {
        let _ = writeln!(
            s,
            "Withdrew their position ({}): {}",
            t.withdrawn.len(),
            list(&t.withdrawn)
        );
    }
    s
}

impl Tally {
    /// Whether `who` holds a counted position (the lists are sorted).
    pub fn has_position(&self, who: &str) -> bool {
        [
            &self.support,
            &self.support_if,
            &self.object,
            &self.no_objection,
            &self.neutral,
        ]
        .iter()
        .any(|v| v.binary_search_by(|p| p.as_str().cmp(who)).is_ok())
    }

    /// Flags the people with a position for whom `is_member` says no, and in a call that counts
    /// members only (`counted` false), leaves them out of the counts.
    pub fn flag_non_members(
        &mut self,
        mut people: Vec<String>,
        is_member: impl Fn(&str) -> bool,
        counted: bool,
    ) {
        people.retain(|p| !is_member(p) && self.has_position(p));
        people.sort();
        people.dedup();
        if !counted {
            self.uncount(&people);
        }
        self.not_members = people;
    }

    /// Leaves `outsiders` out of the counted positions (a WG call counts its members), keeping
    /// each one's position in `not_counted` for the chair to see.
    pub fn uncount(&mut self, outsiders: &[String]) {
        for who in outsiders {
            let lists = [
                (Position::Support, &mut self.support),
                (Position::SupportIf, &mut self.support_if),
                (Position::Object, &mut self.object),
                (Position::NoObjection, &mut self.no_objection),
                (Position::Neutral, &mut self.neutral),
            ];
            for (p, l) in lists {
                if let Ok(i) = l.binary_search(who) {
                    l.remove(i);
                    self.not_counted.insert(who.clone(), p);
                }
            }
            self.objections.retain(|o| &o.from != who);
            self.conditions.remove(who);
        }
    }
}
