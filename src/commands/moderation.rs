//! The replies moderators send to a held-message notice (DESIGN §6): the first line they wrote
//! says `approve`, `reject [reason]` or `discard`.
//!
//! Pure: [`parse_reply`] reads the reply's text. Checking that the reply came through the hold's
//! token address, and acting on it, is the caller's business.

use super::{LineKind, classify_lines};

/// What a moderator decided about a held message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModAction {
    /// Deliver it to the list.
    Approve,
    /// Refuse it and tell the poster, with the moderator's reason if one was given.
    Reject(Option<String>),
    /// Drop it without telling the poster (spam).
    Discard,
}

/// Reads a moderator's reply. The first authored line decides; blank, quoted (`>`) and
/// attribution (`On … wrote:`) lines are skipped, so both top-posted and interleaved replies work.
/// `reject`'s reason is the rest of its line plus the authored lines right after it, up to a blank
/// line, a quote or a signature. Anything else, including a verb with words after it (`approve
/// this?`), is `None`: the caller answers with help and changes nothing, because guessing wrong
/// would deliver or drop someone's post.
pub fn parse_reply(body_text: &str) -> Option<ModAction> {
    let lines = classify_lines(body_text);
    let first = lines.iter().position(|(kind, _)| {
        !matches!(
            kind,
            LineKind::Blank | LineKind::Quoted | LineKind::Attribution
        )
    })?;
    let (kind, line) = lines[first];
    if kind != LineKind::Authored {
        return None;
    }
    let line = line.trim();
    let (verb, rest) = match line.find(|c: char| c.is_whitespace() || c == ':') {
        Some(i) => (
            &line[..i],
            line[i..].trim_start_matches(|c: char| c.is_whitespace() || c == ':'),
        ),
        None => (line, ""),
    };
    // A trailing full stop or exclamation mark is how some people end every line.
    let verb = verb.trim_end_matches(['.', '!']).to_ascii_lowercase();
    match verb.as_str() {
        "approve" if rest.trim_end_matches(['.', '!']).is_empty() => Some(ModAction::Approve),
        "discard" if rest.trim_end_matches(['.', '!']).is_empty() => Some(ModAction::Discard),
        "reject" => {
            let mut reason: Vec<&str> = Vec::new();
            if !rest.trim().is_empty() {
                reason.push(rest.trim());
            }
            for (kind, line) in &lines[first + 1..] {
                if *kind != LineKind::Authored {
                    break;
                }
                reason.push(line.trim());
            }
            let reason = reason.join("\n");
            Some(ModAction::Reject((!reason.is_empty()).then_some(reason)))
        }
        _ => None,
    }
}
