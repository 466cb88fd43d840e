//! The position classifier (DESIGN.md §3, `shared/spec/positions.md`): one reply's decoded body
//! text in, one position out, with the line that decided it and, for objections, the reasons.
//!
//! Pure and allocation-light: the body is scanned once for its *authored* lines (no quotes,
//! attributions, signature, list footer, forwarded or top-posted original, patch), and each
//! authored line is lower-cased into one reused buffer and matched by hand against a small
//! vocabulary of stances. Precision comes before recall: a reply we cannot read is a `Comment`
//! (the chair reads it), never a miscounted vote. Within one message the *last* stance wins, so
//! `+1 for bar; -1 for baz until …` is an objection and `-1 to what Dave said; … I support
//! adoption.` is support (rows 16 and 44).
//!
//! This module must not know about calls, drafts or people: association and the tally live in
//! `tally`.

use serde::{Deserialize, Serialize};

pub use crate::values::Position;

/// The classifier's verdict on one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classified {
    pub position: Position,
    /// The authored line that decided the position, trimmed, as written.
    pub evidence: Option<String>,
    /// For objections (and conditional support): the text after the stance, or the paragraph
    /// that follows a bare `-1`. `None` when the objector gave no reason.
    pub reason: Option<String>,
    /// The stance is someone else's: `+1 to Carol`, `I agree with Dave`, `Me too.`, `-1 to what
    /// Dave said`, and no quoted objection settled it. Whoever knows the thread (the daemon, the
    /// offline recount) takes that person's position, or inverts it (`tally::resolve`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<Follows>,
}

/// Whose position a reply takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Follows {
    /// The person as the reply names them (`Carol`, `Dave Smith`, `carol@example.org`), or `None`
    /// for the message the reply answers (`Me too.`, `+1 to the above`).
    pub whom: Option<String>,
    /// `-1 to X`, `I disagree with X`: the opposite of X's position.
    pub invert: bool,
}

impl Classified {
    fn comment() -> Self {
        Classified {
            position: Position::Comment,
            evidence: None,
            reason: None,
            follows: None,
        }
    }
}

/// The authored part of a decoded body, one line per line, each ending in `\n`.
pub fn authored_text(body_text: &str) -> String {
    let mut out = String::with_capacity(body_text.len().min(4096));
    scan_authored(body_text, |line, _| {
        out.push_str(line);
        out.push('\n');
    });
    out
}

/// Classifies one reply. `auto_submitted` is the Auto-Submitted header value, if any.
pub fn classify(body_text: &str, auto_submitted: Option<&str>) -> Classified {
    if let Some(v) = auto_submitted
        && !v.trim().eq_ignore_ascii_case("no")
    {
        return Classified {
            position: Position::Ignore,
            evidence: None,
            reason: None,
            follows: None,
        };
    }
    let mut lines: Vec<(&str, u32)> = Vec::new();
    scan_authored(body_text, |line, seg| {
        if lines.len() < MAX_LINES {
            lines.push((line, seg));
        }
    });

    let mut buf = String::new();
    // (line index, stance) of the last stance seen.
    let mut best: Option<(usize, Stance)> = None;
    for (i, (line, _)) in lines.iter().enumerate().take(MAX_LINES) {
        // Long lines are pasted logs, base64 or HTML, never a stance.
        if line.len() > MAX_LINE {
            continue;
        }
        lower_into(line, &mut buf);
        if let Some(st) = line_stance(&buf) {
            best = Some((i, st));
        }
    }
    let Some((idx, st)) = best else {
        return Classified::comment();
    };
    let (line, seg) = lines[idx];
    let first_seg_has_text = lines.iter().any(|(l, s)| *s < seg && !l.trim().is_empty());

    let mut position = st.position;
    if st.bare {
        // A bare `+1`/`-1` answering a later quoted point of an interleaved reply agrees with that
        // point, not with the call (vote-like-replies.jsonl line 0): no position.
        if first_seg_has_text {
            return Classified::comment();
        }
        // A bare `+1` above a quoted objection is ambiguous (row 43): the chair decides.
        if position == Position::Support && quote_has_objection(body_text, line, seg) {
            return Classified::comment();
        }
    }
    let mut follows = None;
    if st.agree_with {
        // `+1 to Carol's point` takes Carol's side: an objection when the quoted text objects
        // (row 30), otherwise plain support; `-1 to what Dave said` inverts it (row 44). A named
        // person decides (`I agree with Dave` while answering Nora); without a name or a quoted
        // objection the parent message decides, where it is known.
        let whom = st.name.map(|(a, b)| line[a..b].to_owned());
        if whom.is_none() && quote_has_objection(body_text, line, seg) {
            position = if position == Position::Support {
                Position::Object
            } else {
                Position::Support
            };
        } else {
            follows = Some(Follows {
                whom,
                invert: position == Position::Object,
            });
        }
    }
    let reason = match position {
        Position::Object | Position::SupportIf => {
            let mut rest = clean_reason(&line[st.rest..]);
            if position == Position::SupportIf {
                for p in [
                    "if ",
                    "provided that ",
                    "provided ",
                    "as long as ",
                    "assuming ",
                    "on the condition that ",
                    "on condition that ",
                ] {
                    // `get`: the reason may have multi-byte characters where the prefix ends.
                    if rest
                        .get(..p.len())
                        .is_some_and(|h| h.eq_ignore_ascii_case(p))
                    {
                        rest = &rest[p.len()..];
                    }
                }
            }
            if !rest.is_empty() {
                Some(rest.to_owned())
            } else if position == Position::Object {
                following_paragraph(&lines[idx + 1..])
            } else {
                None
            }
        }
        _ => None,
    };
    Classified {
        position,
        evidence: Some(line.trim().to_owned()),
        reason,
        follows,
    }
}

/// Authored lines read per message: a stance buried deeper than this is left to the chair.
const MAX_LINES: usize = 400;
/// Longest line read, in bytes (the longest row of positions.md is ~170).
const MAX_LINE: usize = 600;

/// A stance found on one line.
#[derive(Debug, Clone, Copy)]
struct Stance {
    position: Position,
    /// Byte offset (same in the original and the lower-cased line: see `lower_into`) where the
    /// text after the stance begins.
    rest: usize,
    /// The line is only a vote token (`+1`, `-1 (non-binding)`).
    bare: bool,
    /// `+1 to X's point` / `-1 to what X said` / `I agree with X`.
    agree_with: bool,
    /// Where the line names the person agreed with (byte range, same in the lower-cased line).
    name: Option<(usize, usize)>,
}

/// Lower-cases ASCII only and maps the typographic apostrophe to `'` *with padding*, so byte
/// offsets in `buf` are offsets in the original line.
fn lower_into(line: &str, buf: &mut String) {
    buf.clear();
    for c in line.chars() {
        if c == '\u{2019}' {
            // Three bytes in UTF-8: keep the length so offsets agree.
            buf.push_str("'  ");
        } else {
            buf.push(c.to_ascii_lowercase());
        }
    }
}

fn line_stance(l: &str) -> Option<Stance> {
    let t = l.trim();
    if t.is_empty() {
        return None;
    }
    // Ballot templates (`[ ] +1`, `[X] +1`) and contact lines are never votes.
    let tb = t.as_bytes();
    if tb.len() >= 3 && tb[0] == b'[' && tb[2] == b']' || t.starts_with("( )") {
        return None;
    }
    for p in ["tel", "phone", "mobile", "fax", "cell", "mob:", "m:", "t:"] {
        if t.starts_with(p) {
            return None;
        }
    }
    // Result summaries: "Vote passed with +1's from …", "The vote passes with …".
    if contains_any(
        t,
        &[
            "vote passed",
            "vote passes",
            "vote has passed",
            "vote failed",
            "vote fails",
            "binding votes",
            "non-binding votes",
            "[result]",
        ],
    ) {
        return None;
    }
    let off = l.len() - l.trim_start().len();
    let token = vote_token(l);
    let phrase = phrase_stance(l, off);
    match (token, phrase) {
        (Some(a), Some(b)) => Some(if b.rest > a.rest { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Finds the last acceptable vote token on the line: `+1`, `+10…0`, `-1`, `+0`, `-0`, or a
/// line that is just `0`.
fn vote_token(l: &str) -> Option<Stance> {
    let b = l.as_bytes();
    let t = l.trim();
    if t == "0" || t == "0." {
        let rest = l.len();
        return Some(Stance {
            position: Position::Neutral,
            rest,
            bare: false,
            agree_with: false,
            name: None,
        });
    }
    let mut found = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if (c == b'+' || c == b'-') && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if let Some(st) = accept_token(l, i, j) {
                found = Some(st);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    found
}

fn accept_token(l: &str, i: usize, j: usize) -> Option<Stance> {
    let b = l.as_bytes();
    let digits = &l[i + 1..j];
    let value = match digits {
        "0" => 0,
        d if d.starts_with('1') && d[1..].bytes().all(|x| x == b'0') && d.len() <= 4 => 1,
        _ => return None,
    };
    // What precedes: the line start, punctuation, or a word that introduces a vote.
    let before = l[..i].trim_end();
    let ok_before = before.is_empty() || before.ends_with(['.', ',', ':', ';', '!', '(']) || {
        let w = before
            .rsplit(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("");
        matches!(
            w,
            "my" | "strong"
                | "strongly"
                | "so"
                | "also"
                | "big"
                | "definitely"
                | "then"
                | "and"
                | "overall"
                | "thus"
                | "hence"
                | "individual"
                | "here"
        )
    };
    if !ok_before
        || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'+' || b[i - 1] == b'-'))
    {
        return None;
    }
    // What follows: end, space or light punctuation; not `+1's`, `+1:` (a summary), `-1.5`, a
    // phone number (`+1 555 0100`, `+1-555-…`, `+1 (555)`), code (`+1;`).
    let next = b.get(j).copied();
    match next {
        None | Some(b' ' | b'\t' | b',' | b'!' | b')' | b'.') => {}
        // `-1: section 5 allows replay` is a vote; `+1: 5 binding` is a result summary.
        Some(b':')
            if !l[j + 1..]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit())
                && !l[j + 1..].trim_start().starts_with("none") => {}
        _ => return None,
    }
    if next == Some(b'.') && b.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut k = j;
    while k < b.len() && matches!(b[k], b' ' | b'-' | b'.' | b'(') {
        k += 1;
    }
    if k > j && b.get(k).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let rest_str = &l[j..];
    let rest_trim = rest_str.trim_start_matches(['.', ',', '!', ' ', '\t']);
    let position = if value == 0 {
        Position::Neutral
    } else if b[i] == b'-' {
        Position::Object
    } else if starts_with_any(
        rest_trim,
        &[
            "if ",
            "provided",
            "as long as",
            "assuming ",
            "on condition",
            "once ",
        ],
    ) {
        Position::SupportIf
    } else {
        Position::Support
    };
    let bare = {
        let r = rest_trim.trim();
        let r = r
            .trim_start_matches("(non-binding)")
            .trim_start_matches("(non binding)")
            .trim_start_matches("(binding)");
        before.is_empty()
            && r.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
                .is_empty()
    };
    // Only the words right after the token: "+1 to Carol's point", not a whole pasted line.
    let mut end = rest_trim.len().min(80);
    while !rest_trim.is_char_boundary(end) {
        end -= 1;
    }
    let window = &rest_trim[..end];
    let agree_with = rest_trim.starts_with("to ")
        && contains_any(
            window,
            &[
                "point", "said", "'s ", "comment", "view", "concern", "message", "mail",
            ],
        );
    Some(Stance {
        position,
        rest: j,
        bare,
        agree_with,
        name: None,
    })
}

/// Stance phrases, checked negations first. Returns the offset after the phrase.
fn phrase_stance(l: &str, off: usize) -> Option<Stance> {
    let t = &l[off..];
    let mk = |position, at: usize| {
        Some(Stance {
            position,
            rest: at,
            bare: false,
            agree_with: false,
            name: None,
        })
    };

    // Most phrases are first-person: one pass decides whether any `i ` / `i'` word exists.
    let has_i = find_word(t, "i ").is_some() || find_word(t, "i'").is_some();
    // An objection to a piece of text is a comment on the text (row 33).
    if let Some(p) = find_word(t, "i object to the ") {
        let after = &t[p + "i object to the ".len()..];
        if starts_with_any(
            after,
            &[
                "clause",
                "text",
                "wording",
                "sentence",
                "paragraph",
                "phrase",
                "term",
                "use ",
                "last ",
                "first ",
                "second ",
                "definition",
                "statement",
                "name",
            ],
        ) {
            return None;
        }
    }
    for p in ["no objection", "no objections"] {
        if t.starts_with(p) {
            return mk(Position::NoObjection, off + p.len());
        }
    }
    for p in [
        "i have no objection",
        "i've no objection",
        "no objection from me",
        "i'm not opposed",
        "i am not opposed",
        "not opposed.",
    ] {
        if !has_i && !p.starts_with('n') {
            continue;
        }
        if let Some(at) = find_word(t, p) {
            return mk(Position::NoObjection, off + at + p.len());
        }
    }
    for p in [
        "i object",
        "i oppose",
        "i'm opposed",
        "i am opposed",
        "i am strongly opposed",
        "i'm strongly opposed",
        "i don't support",
        "i do not support",
        "i cannot support",
        "i can't support",
        "i can not support",
        "i disagree",
        "i am against",
        "i'm against",
        "is not ready",
        "isn't ready",
    ] {
        if !has_i && (p.starts_with("i ") || p.starts_with("i'")) {
            continue;
        }
        if let Some(at) = find_word(t, p) {
            return mk(Position::Object, off + at + p.len());
        }
    }
    if t.starts_with("not ready") {
        return mk(Position::Object, off + "not ready".len());
    }
    for p in ["no strong opinion", "no opinion", "i abstain"] {
        if !t.contains("opinion") && !has_i {
            break;
        }
        if let Some(at) = find_word(t, p) {
            return mk(Position::Neutral, off + at + p.len());
        }
    }
    if starts_word(t, "abstain") {
        return mk(Position::Neutral, off + "abstain".len());
    }
    for p in [
        "i support",
        "i now support",
        "i fully support",
        "i strongly support",
        "i also support",
        "i'd support",
        "i would support",
    ] {
        if !has_i {
            break;
        }
        if let Some(at) = find_word(t, p) {
            let end = at + p.len();
            let after = t[end..].trim_start_matches([',', ' ']);
            if starts_with_any(
                after,
                &[
                    "provided",
                    "if ",
                    "as long as",
                    "on the condition",
                    "on condition",
                    "assuming ",
                ],
            ) {
                return mk(Position::SupportIf, off + end);
            }
            // "I support it" / "I supported the old one" — only the verb itself, as a word.
            if t[end..].starts_with(|c: char| c.is_ascii_alphabetic()) {
                continue;
            }
            return mk(Position::Support, off + end);
        }
    }
    for p in ["supported", "support"] {
        // Only the bare word: "Support for IPv6 is missing" is not a stance.
        if t.starts_with(p)
            && (t.len() == p.len() || t[p.len()..].starts_with(['.', ',', '!', ';', ':']))
        {
            return mk(Position::Support, off + p.len());
        }
    }
    let tt = t.trim_end();
    for p in ["; support.", "; support", ", support.", "; supported."] {
        if tt.ends_with(p) {
            return mk(Position::Support, off + tt.len());
        }
    }
    for p in ["lgtm", "looks good to me", "yes"] {
        if starts_word(t, p) {
            return mk(Position::Support, off + p.len());
        }
    }
    // "Me too" agrees with the message it answers (row 37), whatever that said.
    if starts_word(t, "me too") {
        return Some(Stance {
            position: Position::Support,
            rest: off + "me too".len(),
            bare: false,
            agree_with: true,
            name: None,
        });
    }
    for p in [
        "works for me",
        "works well for me",
        "ready for publication",
        "ready to publish",
        "i'm in favor",
        "i am in favor",
        "i'm in favour",
        "i am in favour",
    ] {
        if p.starts_with('i') && !has_i {
            continue;
        }
        if let Some(at) = find_word(t, p) {
            return mk(Position::Support, off + at + p.len());
        }
    }
    None
}

/// `t` starts with `w` followed by a non-letter (or the end).
fn starts_word(t: &str, w: &str) -> bool {
    t.starts_with(w) && !t[w.len()..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '\'')
}

/// Finds `p` in `t` at a word start.
fn find_word(t: &str, p: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(rel) = t[from..].find(p) {
        let at = from + rel;
        if at == 0 || !t.as_bytes()[at - 1].is_ascii_alphanumeric() {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn contains_any(t: &str, ps: &[&str]) -> bool {
    ps.iter().any(|p| t.contains(p))
}

fn starts_with_any(t: &str, ps: &[&str]) -> bool {
    ps.iter().any(|p| t.starts_with(p))
}

/// Trims vote markers and punctuation off the text after a stance.
fn clean_reason(s: &str) -> &str {
    let mut s = s.trim();
    loop {
        let before = s.len();
        s = s.trim_start_matches(|c: char| {
            c.is_ascii_punctuation() && c != '(' || c.is_whitespace()
        });
        for m in ["(non-binding)", "(non binding)", "(binding)"] {
            if s.get(..m.len()).is_some_and(|h| h.eq_ignore_ascii_case(m)) {
                s = &s[m.len()..];
            }
        }
        if s.len() == before {
            return s.trim_end();
        }
    }
}

/// The authored paragraph after a bare `-1`: its reasons, up to 500 bytes.
fn following_paragraph(lines: &[(&str, u32)]) -> Option<String> {
    let mut out = String::new();
    for (l, _) in lines {
        let l = l.trim();
        if l.is_empty() {
            if out.is_empty() {
                continue;
            }
            break;
        }
        // Pasted logs and base64 are not a reason.
        if l.len() > MAX_LINE {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(l);
        if out.len() > 500 {
            let mut end = 500;
            while !out.is_char_boundary(end) {
                end -= 1;
            }
            out.truncate(end);
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether the quote a reply line answers contains an objection: used by `+1 to Carol's point`
/// and by a bare `+1` above a quoted objection. A top-posted line (`seg == 0`) answers everything
/// quoted below it; an inline or bottom-posted line answers the quoted paragraph just above it
/// (so a `+1` under "I'd like it in both places" is not read against an older `-1` further up).
fn quote_has_objection(body: &str, line: &str, seg: u32) -> bool {
    let at = (line.as_ptr() as usize)
        .saturating_sub(body.as_ptr() as usize)
        .min(body.len());
    let mut buf = String::new();
    // The same bounds as `classify`: long lines are never a stance, and a stance buried deeper
    // than MAX_LINES is left to the chair (keeps hostile bodies linear).
    let mut check = |inner: &str| {
        if inner.len() > MAX_LINE {
            return false;
        }
        lower_into(inner, &mut buf);
        line_stance(&buf).is_some_and(|st| st.position == Position::Object)
    };
    if seg == 0 {
        return body[at..]
            .lines()
            .take(MAX_LINES)
            .filter(|l| l.trim_start().starts_with('>'))
            .any(|l| check(unquote(l)));
    }
    // The last quoted paragraph before the line: walk back over quoted lines until a quoted
    // blank line (or an unquoted line) after some text.
    let mut seen_text = false;
    for l in body[..at].lines().rev().take(MAX_LINES) {
        let s = l.trim();
        if !s.starts_with('>') {
            if seen_text {
                break;
            }
            continue;
        }
        let inner = unquote(s);
        if inner.is_empty() {
            if seen_text {
                break;
            }
            continue;
        }
        seen_text = true;
        if check(inner) {
            return true;
        }
    }
    false
}

/// Whether a line introduces a quotation: `On … wrote:`, `Le … a écrit :`, `Am … schrieb …:`,
/// `2017-12-21 10:30 GMT+02:00 Name <addr>:`.
fn is_attribution(s: &str) -> bool {
    let s = s.trim();
    if !s.ends_with(':') {
        return false;
    }
    s.ends_with(">:")
        || [
            "wrote",
            "écrit",
            "schrieb",
            "escribió",
            "scrisse",
            "skrev",
            "schreef",
            "написал",
        ]
        .iter()
        .any(|w| s.contains(w))
}

fn unquote(s: &str) -> &str {
    s.trim_start().trim_start_matches(['>', ' ']).trim_end()
}

/// Lines that end the authored text: what follows is not the sender's.
fn is_cut(s: &str, next: Option<&str>) -> bool {
    let b = s.as_bytes();
    if b.len() >= 3 && b.iter().all(|&c| c == b'_') {
        return true;
    }
    if b.len() >= 10 && b.iter().all(|&c| c == b'-' || c == b'=') {
        return true;
    }
    if s.starts_with("-----") || s.starts_with("----------") || s.starts_with("--------") {
        let l = s.to_ascii_lowercase();
        if contains_any(
            &l,
            &[
                "original message",
                "message d'origine",
                "forwarded message",
                "ursprüngliche nachricht",
                "mensaje original",
            ],
        ) {
            return true;
        }
    }
    if s.starts_with("Begin forwarded message")
        || s.starts_with("diff --git ")
        || s.starts_with("--- a/")
        || s.starts_with("Index: ")
        || s.starts_with("@@ -")
    {
        return true;
    }
    // An Outlook-style header block of the original: `From: …` then `Sent:`/`Date:`.
    if (s.starts_with("From: ") || s.starts_with("De : ") || s.starts_with("Von: "))
        && next.is_some_and(|n| {
            let n = n.trim_start();
            n.starts_with("Sent:")
                || n.starts_with("Date:")
                || n.starts_with("Envoy")
                || n.starts_with("Gesendet:")
                || n.starts_with("To:")
        })
    {
        return true;
    }
    false
}

/// Walks the authored lines of `body`, calling `f(line, segment)`: `segment` counts the quoted
/// blocks seen before the line, so an interleaved reply's answers are told apart.
fn scan_authored<'a>(body: &'a str, mut f: impl FnMut(&'a str, u32)) {
    let mut lines = body.lines().peekable();
    let mut segment = 0u32;
    let mut in_quote = false;
    let mut seen_authored = false;
    while let Some(raw) = lines.next() {
        let t = raw.trim_end_matches('\r');
        if t == "-- " || t == "--" || t == "-- \u{a0}" {
            break; // signature
        }
        let s = t.trim();
        if s.starts_with('>') {
            in_quote = true;
            continue;
        }
        if in_quote && !s.is_empty() {
            segment += 1;
            in_quote = false;
        }
        let next = lines.peek().copied();
        if is_cut(s, next) {
            break;
        }
        if is_attribution(s) {
            // Top-posting: an attribution after the answer, followed by unquoted text, opens the
            // original (HTML converted to text loses the `>`); nothing after it is authored.
            let next_text = lines.clone().map(str::trim).find(|l| !l.is_empty());
            if seen_authored && next_text.is_some_and(|n| !n.starts_with('>')) {
                break;
            }
            continue;
        }
        // The first line of a two-line attribution (`On Thu, … <a@b>` / `wrote:`).
        if next.is_some_and(is_attribution)
            && starts_with_any(s, &["On ", "Le ", "Am ", "El ", "Il ", "Op "])
        {
            continue;
        }
        // HTML converted to text may run the answer and the attribution into one line
        // (`+1On Tue, … wrote:Please reply …`): keep what precedes the attribution, then stop.
        if let Some(w) = s.find(" wrote:")
            && let Some(on) = s[..w].rfind("On ").filter(|&on| on > 0)
        {
            f(&s[..on], segment);
            break;
        }
        if !s.is_empty() {
            seen_authored = true;
        }
        f(t, segment);
    }
}

#[cfg(test)]
mod tests {
    use super::Position;

    #[test]
    fn stored_names_are_the_serde_names_and_read_back() {
        for p in Position::ALL {
            let json = serde_json::to_value(p).expect("serialises");
            assert_eq!(json.as_str(), Some(p.as_str()));
            assert_eq!(p.as_str().parse::<Position>(), Ok(p));
        }
        assert!("supportive".parse::<Position>().is_err());
    }
}
