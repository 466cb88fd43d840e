//! What people write to the server: the command grammar of `wg-request@D` ([`request`]) and the
//! replies moderators send to a held-message notice ([`moderation`]).
//!
//! Pure: these modules read text and return values. They never look at the store, send mail or
//! decide whether the sender may do what they ask; the caller does that with the parsed result.

pub mod moderation;
pub mod request;

/// How a body line reads to a command parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    /// Empty or whitespace only.
    Blank,
    /// `> …`: text quoted from the message being answered.
    Quoted,
    /// `On Tue, 3 Mar 2026, Alice wrote:` and its kin: the line a mail client puts above a quote.
    Attribution,
    /// A signature separator or a client's "original message follows" marker: nothing after it
    /// was written as a command.
    Stop,
    /// Anything else: text the sender wrote.
    Authored,
}

fn classify(line: &str) -> LineKind {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return LineKind::Blank;
    }
    if trimmed.starts_with('>') {
        return LineKind::Quoted;
    }
    // `-- ` is the RFC 3676 separator; many clients strip the trailing space, so `--` counts too.
    // Outlook marks the start of the original with a dashed banner or a rule of underscores.
    let lower = trimmed.to_ascii_lowercase();
    if trimmed == "--"
        || lower.starts_with("-----original message")
        || lower.starts_with("----- original message")
        || lower.starts_with("-------- forwarded message")
        || lower.starts_with("---------- forwarded message")
        || (trimmed.len() >= 20 && trimmed.bytes().all(|b| b == b'_'))
    {
        return LineKind::Stop;
    }
    if lower.ends_with("wrote:") {
        return LineKind::Attribution;
    }
    LineKind::Authored
}

/// Classifies every line of `text`, then fixes up the attributions a single line cannot show:
/// clients wrap long ones (`On Tue, … Alice <alice@` / `example.org> wrote:`), and other languages
/// end them differently (`Alice schrieb:`), but they all sit right above a quote or a `wrote:` line.
fn classify_lines(text: &str) -> Vec<(LineKind, &str)> {
    let mut lines: Vec<(LineKind, &str)> = text.lines().map(|l| (classify(l), l)).collect();
    for i in (0..lines.len()).rev() {
        let (kind, line) = lines[i];
        let next = lines.get(i + 1).map(|(k, _)| *k);
        let line = line.trim();
        let leads_quote = matches!(next, Some(LineKind::Quoted | LineKind::Attribution));
        let looks_like_one = line.ends_with(':') || line.starts_with("On ");
        if kind == LineKind::Authored && leads_quote && looks_like_one {
            lines[i].0 = LineKind::Attribution;
        }
    }
    lines
}
