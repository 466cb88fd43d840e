//! Non-DSN reports: the fixed wordings of well-known MTAs (Postfix, Exim, qmail, Sendmail, Exchange,
//! Yahoo, AOL, Gmail, Lotus/Domino, GroupWise, SMTP32, LISTSERV, InterScan and the many "simple" formats
//! collected by Mailman's flufl.bounce).
//!
//! Two kinds of evidence are used, both tied to wording an MTA only uses in a failure report:
//!
//! - a *labelled* address (`Intended recipient: a@b`, `Error-for: a@b`, `User's mailbox is full: <a@b>`),
//!   trusted wherever it appears in the report's own text;
//! - an *address block*: after an introduction such as "could not be delivered to the following
//!   recipients", each line that starts with an address names a failed recipient, until an end marker
//!   ("original message follows", a quoted header line, a session transcript) or a line budget runs out.
//!
//! Only the report's own text parts are read (see `parts`), so the attached original never contributes.

use super::parts::{Kind, Segment};
use super::{Failure, Severity, address, severity};

/// Introductions after which failed recipients are listed one per line (lower-case substrings).
const INTRODUCTIONS: &[&str] = &[
    "the following address(es) failed",
    "the following addresses failed",
    "the following addresses had permanent fatal errors",
    "the following addresses had transient non-fatal errors",
    "the following addresses had",
    "could not be delivered to one or more of",
    "wasn't able to deliver your message to the following addresses",
    "was not able to deliver your message to the following addresses",
    "unable to deliver message to the following address",
    "the postfix program",
    "this is the mail system at host",
    "delivery to the following recipient failed",
    "delivery to the following recipients failed",
    "delivery to the following recipients was aborted",
    "delevery to the following recipients failed",
    "delivery to the following recipient has been delayed",
    "here is your list of failed recipients",
    "the following addresses did not receive a copy of your message",
    "failed addresses follow",
    "a message could not be delivered to",
    "could not be delivered to the following user",
    "was not delivered to:",
    "did not reach the following recipient",
    "your message could not be delivered",
    "votre message n'a pas pu etre delivre",
    "su mensaje no pudo ser entregado",
    "this is the deliver program at",
    "this is the email server at",
    "the following recipient(s) could not be reached",
    "message not delivered to the following addresses",
    "the following address failed",
    "------ failed recipients ------",
    "this is the machine generated message from mail service",
    "no such user here",
    "could not deliver message to the following recipient",
    "failed to deliver to the following",
    "could not be delivered to the following recipients",
    "message could not be delivered to the following",
    "the following recipients could not be reached",
    "permanent fatal errors",
    "undeliverable to the following",
    "delivery has failed to these recipients",
    "your message did not reach some or all of the intended recipients",
    "unable to deliver your message to the following",
    "delete your own text from the message returned below",
    "delevery to the following recipients",
    "addressed to email address",
    "the address to which the message has not yet been delivered",
    "has not yet been delivered to the following addresses",
    "delivery of email to this address",
    "your message to:",
    "the following recipients did not receive",
];

/// Lines that end an address block (lower-case substrings): the start of the quoted original, or of a
/// transcript that mentions addresses in other roles.
const ENDINGS: &[&str] = &[
    "original message follows",
    "below this line is a copy of the message",
    "below the next line is a copy of the message",
    "transcript of session follows",
    "here is your returned mail",
    "returned mail follows",
    "copy of the message",
    "original message",
    "message text follows",
    "session transcript",
    "included is a copy of the message header",
    "end of message",
    "your message reads",
    "message headers follow",
    "original message header",
    "the header of the original",
    "-- the header",
    "start of returned message",
];

/// Quoted header names that show the original message has begun inline.
const HEADER_NAMES: &[&str] = &[
    "received:",
    "return-path:",
    "from:",
    "to:",
    "cc:",
    "subject:",
    "message-id:",
    "date:",
    "sender:",
    "reply-to:",
    "content-type:",
    "mime-version:",
];

/// Labels after which the next address is a failed recipient, wherever they occur in the report's text.
const LABELS: &[&str] = &[
    "intended recipient:",
    "undeliverable address:",
    "invalid final delivery userid:",
    "error-for:",
    "failed recipient:",
    "user's mailbox is full:",
    "(originally addressed to",
    "did not reach the following recipient:",
    "unable to deliver message to",
    "sorry, unable to deliver your message to",
    "(expanded from:",
    "addressed to",
    "original-recipient: rfc822;",
    "final-recipient: rfc822;",
    "(generated from",
    "your message to",
    "local mailbox",
    "dda:smtp=",
    "[smtp:",
    "unknown user:",
    " attempts:",
    "which your message was addressed,",
    "quota violation for",
    "undeliverable to",
];

/// How many lines an address block may run without an ending before it is abandoned.
const BLOCK_BUDGET: usize = 40;

/// Failures found in the report's text parts; empty when the wording is not recognised.
pub fn scan(segments: &[Segment]) -> Vec<Failure> {
    let header: Vec<String> = segments
        .iter()
        .filter(|s| s.kind == Kind::FailedRecipientsHeader)
        .flat_map(|s| address::all_in(&s.text))
        .collect();
    let text: String = segments
        .iter()
        .filter(|s| s.kind == Kind::Text)
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let sev = if severity::text_is_temporary(&text) {
        Severity::Temporary
    } else {
        Severity::Permanent
    };
    let status = severity::find_status(&text);
    let mut addrs = header;
    if addrs.is_empty() {
        addrs = labelled(&text);
        addrs.extend(blocks(&text));
    }
    if addrs.is_empty() {
        addrs = qmail_style(&text);
    }
    if addrs.is_empty() {
        addrs = yahoo_quoted_to(&text);
    }
    addrs.retain(|a| !is_role_address(a));
    addrs
        .into_iter()
        .map(|address| Failure {
            address,
            severity: sev,
            status: status.clone(),
            diagnostic: None,
        })
        .collect()
}

/// Addresses that directly follow one of the `LABELS`.
fn labelled(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in body_lines(text) {
        // Collapse runs of spaces so "undeliverable  to" matches its label.
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let lower = line.to_ascii_lowercase();
        for label in LABELS {
            if let Some(at) = lower.find(label) {
                let rest = &line[at + label.len()..];
                if let Some(a) = rest.split_whitespace().next().and_then(address::from_token) {
                    out.push(a);
                }
            }
        }
    }
    out
}

/// Addresses listed one per line after an introduction.
fn blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut budget = 0usize;
    for line in body_lines(text) {
        let lower = line.trim().to_ascii_lowercase();
        if INTRODUCTIONS.iter().any(|i| lower.contains(i)) {
            budget = BLOCK_BUDGET;
            // Some reports put the address on the introduction line itself, last ("...delivered to a@b.c")
            // or first ("a@b.c - no such user here").
            if let Some(a) = lower.rsplit(' ').next().and_then(address::from_token) {
                out.push(a);
            } else if let Some(a) = leading_address(line) {
                out.push(a);
            }
            continue;
        }
        if budget == 0 {
            continue;
        }
        budget -= 1;
        if ENDINGS.iter().any(|e| lower.contains(e))
            || HEADER_NAMES.iter().any(|h| lower.starts_with(h))
        {
            budget = 0;
            continue;
        }
        if let Some(a) = leading_address(line) {
            out.push(a);
        }
    }
    out
}

/// The address a line starts with, ignoring indentation, list bullets (`*`, `>`, `-`) and a display name
/// in quotes (`"a@b" <a@b>`).
fn leading_address(line: &str) -> Option<String> {
    let t = line
        .trim_start()
        .trim_start_matches(['*', '>', '-', ' ', '\t']);
    let first = t.split_whitespace().next()?;
    address::from_token(first).or_else(|| {
        // `"Name" <a@b>` as the whole line; a sentence ending in `<a@b>` ("please contact <a@b>") is not
        // a recipient list entry.
        let (name, _) = t.split_once('<')?;
        let quoted =
            name.trim().len() >= 2 && name.trim().starts_with('"') && name.trim().ends_with('"');
        (quoted && t.trim_end().ends_with('>'))
            .then(|| address::first_angle(t))
            .flatten()
    })
}

/// The report's text split into lines, with a trailing `<br>` residue or carriage return removed.
fn body_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(|l| l.trim_end_matches('\r'))
}

/// qmail and its many translations (and Yahoo, Sina, Postfix) list each failed recipient as `<a@b>:` at the
/// very start of a line, before the quoted original. That shape is distinctive enough to trust on its own
/// up to the first line that ends the report.
fn qmail_style(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in body_lines(text) {
        let lower = line.trim().to_ascii_lowercase();
        if ENDINGS.iter().any(|e| lower.contains(e))
            || HEADER_NAMES.iter().any(|h| lower.starts_with(h))
        {
            break;
        }
        if let Some(inner) = line
            .trim_end()
            .strip_prefix('<')
            .and_then(|l| l.strip_suffix(">:"))
            && let Some(a) = address::normalize(inner)
        {
            out.push(a);
        }
    }
    out
}

/// Mail-system role accounts a report mentions as contacts, never as the failed member.
fn is_role_address(addr: &str) -> bool {
    let local = addr.split('@').next().unwrap_or("");
    matches!(
        local,
        "postmaster" | "mailer-daemon" | "abuse" | "hostmaster" | "root"
    )
}

/// Yahoo's qmail-derived report "I'm afraid I wasn't able to deliver the following message." names the
/// recipient only in a short `To:` summary placed above the "Below this line is a copy of the message"
/// marker; this detector knows that layout, so it may read that one `To:` line.
fn yahoo_quoted_to(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen_intro = false;
    for line in body_lines(text) {
        let lower = line.trim().to_ascii_lowercase();
        if lower.contains("i'm afraid i wasn't able to deliver the following message") {
            seen_intro = true;
        } else if lower.contains("below this line is a copy of the message") {
            return out;
        } else if seen_intro && lower.starts_with("to:") {
            out.extend(address::all_in(&line.trim()[3..]));
        }
    }
    // Without the marker the `To:` line could belong to the quoted original: trust nothing.
    Vec::new()
}
