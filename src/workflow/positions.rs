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
    // "unsubscribe" sent to the list: not a reply at all.
    let mut said = lines
        .iter()
        .map(|(l, _)| l.trim())
        .filter(|l| !l.is_empty());
    if let (Some(only), None) = (said.next(), said.next())
        && matches!(
            only.to_ascii_lowercase().trim_end_matches('.'),
            "unsubscribe" | "remove me" | "unsubscribe me"
        )
    {
        return Classified {
            position: Position::Ignore,
            evidence: None,
            reason: None,
            follows: None,
        };
    }

    let units = units(&lines);
    let mut buf = String::new();
    // (unit index, stance) of the last stance seen.
    let mut best: Option<(usize, Stance)> = None;
    for (i, u) in units.iter().enumerate() {
        // Long sentences are pasted logs, base64 or HTML, never a stance.
        if u.text.len() > MAX_LINE {
            continue;
        }
        lower_into(&u.text, &mut buf);
        if let Some(st) = line_stance(&u.text, &buf) {
            best = Some((i, st));
        }
    }
    let Some((idx, st)) = best else {
        return Classified::comment();
    };
    let unit = &units[idx];
    let (line, seg) = lines[unit.line];
    let first_seg_has_text = lines.iter().any(|(l, s)| *s < seg && !l.trim().is_empty());

    let mut position = st.position;
    // Bare means the line holds only the vote (`+1`), not a sentence of a longer line (`+1. I've
    // been part of such a force …`).
    if st.bare && line.trim() == unit.text.trim() {
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
        let whom = st.name.map(|(a, b)| unit.text[a..b].to_owned());
        let invert = position == Position::Object;
        let quoted_objection = quote_has_objection(body_text, line, seg);
        if quoted_objection {
            position = if invert {
                Position::Support
            } else {
                Position::Object
            };
        }
        // The named person still decides where the thread is known; the quote is the reading
        // when they cannot be found.
        if whom.is_some() || !quoted_objection {
            follows = Some(Follows { whom, invert });
        }
    }
    let reason = match position {
        // A follower's own words, kept in case the person followed objects.
        Position::Object | Position::Support if follows.is_some() => {
            objection_reason(&units, idx, &st).filter(|_| unit.text.split_whitespace().count() > 6)
        }
        Position::Object => objection_reason(&units, idx, &st),
        Position::SupportIf => condition_text(&unit.text, &st),
        _ => None,
    };
    Classified {
        position,
        evidence: Some(unit.text.trim().to_owned()),
        reason,
        follows,
    }
}

/// A sentence of the authored text: wrapped lines of one paragraph joined, then split after
/// `.`, `!` or `?`.
struct Unit {
    text: String,
    /// The authored line it starts on.
    line: usize,
    /// Its paragraph (a run of non-empty authored lines in one quoted segment).
    para: usize,
}

/// Sentences of the authored lines. A line joins the next when it looks wrapped (long, and not
/// ending a sentence); short lines (`-1`, `[ ] +1 Release`, a greeting) stay units of their own.
fn units(lines: &[(&str, u32)]) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut para = 0;
    let mut i = 0;
    while i < lines.len() {
        let (l, seg) = lines[i];
        if l.trim().is_empty() {
            i += 1;
            para += 1;
            continue;
        }
        let start = i;
        let mut text = l.trim().to_owned();
        while i + 1 < lines.len() {
            let (next, next_seg) = lines[i + 1];
            let cur = lines[i].0.trim();
            let wrapped = cur.len() >= 40 && !cur.ends_with(['.', '!', '?', ':']);
            if next.trim().is_empty() || next_seg != seg || !wrapped || text.len() > MAX_LINE {
                break;
            }
            text.push(' ');
            text.push_str(next.trim());
            i += 1;
        }
        for sentence in sentences(&text) {
            out.push(Unit {
                text: sentence.to_owned(),
                line: start,
                para,
            });
        }
        i += 1;
        if i < lines.len() && lines[i].1 != seg {
            para += 1;
        }
    }
    out
}

/// Splits after `.`, `!` or `?` followed by a space (`e.g. ` and `i.e. ` do not end a sentence).
fn sentences(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..b.len() {
        if matches!(b[i], b'.' | b'!' | b'?') && b.get(i + 1) == Some(&b' ') {
            let head = &text[start..=i];
            let lower_tail = head
                .get(head.len().saturating_sub(5)..)
                .unwrap_or("")
                .to_ascii_lowercase();
            if lower_tail.ends_with("e.g.")
                || lower_tail.ends_with("i.e.")
                || lower_tail.ends_with(" vs.")
                || lower_tail.ends_with("sec.")
                || lower_tail.ends_with(" al.")
            {
                continue;
            }
            if !head.trim().is_empty() {
                out.push(head.trim());
            }
            start = i + 1;
        }
    }
    let tail = text[start..].trim();
    if !tail.is_empty() {
        out.push(tail);
    }
    out
}

/// Longest reason kept, in bytes.
const MAX_REASON: usize = 500;

/// An objection's reasons: the sentences of its paragraph; for a sentence that is only the
/// stance (`-1.`, `Object.`, `I still object.`), the other sentences of its paragraph, or else the
/// next paragraph. `None` when the objector gave none.
fn objection_reason(units: &[Unit], idx: usize, st: &Stance) -> Option<String> {
    let unit = &units[idx];
    let words = unit.text.split_whitespace().count();
    let rest_of_sentence = clean_reason(unit.text.get(st.rest..).unwrap_or(""));
    let stance_only = words <= 6 && rest_of_sentence.split_whitespace().count() <= 3;
    let in_para = |para: usize| {
        units
            .iter()
            .enumerate()
            .filter(move |(i, u)| u.para == para && !(stance_only && *i == idx))
            .map(|(_, u)| u.text.trim())
    };
    let mut parts: Vec<&str> = in_para(unit.para).collect();
    if parts.is_empty()
        && let Some(next) = units.get(idx + 1)
    {
        parts = in_para(next.para).collect();
    }
    let mut out = String::new();
    for p in parts {
        if out.len() > MAX_REASON {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(p);
    }
    if out.is_empty() && !rest_of_sentence.is_empty() {
        out.push_str(rest_of_sentence);
    }
    if out.len() > MAX_REASON {
        let mut end = MAX_REASON;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    (!out.trim().is_empty()).then_some(out)
}

/// A conditional supporter's condition, as written, without its connective or final stop.
fn condition_text(text: &str, st: &Stance) -> Option<String> {
    let c = st
        .condition
        .and_then(|c| text.get(c..st.condition_end.unwrap_or(text.len())))
        .map(str::trim)
        .unwrap_or_else(|| {
            let mut rest = clean_reason(text.get(st.rest..).unwrap_or(""));
            for p in [
                "if ",
                "provided that ",
                "provided ",
                "as long as ",
                "assuming ",
                "on the condition that ",
                "on condition that ",
                "once ",
            ] {
                // `get`: the reason may have multi-byte characters where the prefix ends.
                if rest
                    .get(..p.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(p))
                {
                    rest = &rest[p.len()..];
                }
            }
            rest
        });
    let c = c.trim_end_matches(['.', '!', ' ']);
    (!c.is_empty()).then(|| c.to_owned())
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
    /// For conditional support: where the condition's text begins.
    condition: Option<usize>,
    /// And where it ends, when it comes before the stance.
    condition_end: Option<usize>,
}

/// Lower-cases ASCII only and maps the typographic apostrophe to `'` *with padding*, so byte
/// offsets in `buf` are offsets in the original line.
pub(super) fn lower_into(line: &str, buf: &mut String) {
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

fn line_stance(orig: &str, l: &str) -> Option<Stance> {
    let t = l.trim();
    if t.is_empty() {
        return None;
    }
    // Ballot templates (`[ ] +1`, `( ) -1`) and contact lines are never votes; a ballot filled in
    // by the sender (`[X] Support adoption`) is.
    let tb = t.as_bytes();
    if tb.len() >= 3 && tb[0] == b'[' && tb[2] == b']' || t.starts_with("( )") {
        if matches!(tb[1], b'x' | b'*') && tb[0] == b'[' {
            let off = l.len() - t.len() + 3;
            let mut blank = String::with_capacity(l.len());
            blank.push_str(&" ".repeat(off));
            blank.push_str(&l[off..]);
            // Worded stances only: `[X] +1 Release` in a copied Apache ballot stays a template.
            let st = line_stance(orig, &blank)?;
            return (!st.bare && vote_token(orig, &blank).is_none()).then_some(st);
        }
        return None;
    }
    for p in ["tel", "phone", "mobile", "fax", "cell", "mob:", "m:", "t:"] {
        if t.starts_with(p) {
            return None;
        }
    }
    let token = vote_token(orig, l);
    let phrase = super::phrases::stance(orig, l).map(|f| Stance {
        position: f.position,
        rest: f.end,
        bare: false,
        agree_with: f.follows,
        name: f.name,
        condition: f.condition,
        condition_end: f.condition_end,
    });
    let found = match (token, phrase) {
        // The later one; a phrase that takes the token in (`take back my +1`) wins a tie.
        (Some(a), Some(b)) => Some(if b.rest >= a.rest { b } else { a }),
        (a, b) => a.or(b),
    };
    // Result summaries: "Vote passed with +1's from …", "The vote passes with …". Checked only
    // for a sentence with a stance (most have none).
    found.filter(|_| {
        !contains_any(
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
        )
    })
}

/// Finds the last acceptable vote token on the line: `+1`, `+10…0`, `-1`, `+0`, `-0`, or a
/// line that is just `0`.
fn vote_token(orig: &str, l: &str) -> Option<Stance> {
    let b = l.as_bytes();
    let t = l.trim();
    if t == "0"
        || t == "0."
        || t.starts_with("0, ")
        || t.starts_with("0 - ")
        || t.starts_with("0. ")
    {
        let rest = l.len();
        return Some(Stance {
            position: Position::Neutral,
            rest,
            bare: false,
            agree_with: false,
            name: None,
            condition: None,
            condition_end: None,
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
            if let Some(st) = accept_token(orig, l, i, j) {
                found = Some(st);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    found
}

fn accept_token(orig: &str, l: &str, i: usize, j: usize) -> Option<Stance> {
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
                | "still"
                | "firm"
                | "clear"
                | "i"
                | "am"
                // `I'm -1 on publishing this as-is` (the word before the token reads `m`).
                | "m"
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
    // `+1 to Carol`, `+1 to what Dave said`: a person named right after.
    let mut name = None;
    if let Some(after) = rest_trim.strip_prefix("to ") {
        let at = l.len() - after.len();
        let ws = super::phrases::words(l);
        if let Some(k) = ws.iter().position(|&(s, _)| s >= at) {
            let k = if &l[ws[k].0..ws[k].1] == "what" {
                k + 1
            } else {
                k
            };
            name = super::phrases::name_at(orig, l, &ws, k);
        }
    }
    // `+1 to Priya's question`: agreeing with a question is no stance.
    if name.is_some()
        && contains_any(
            &rest_trim[..rest_trim.len().min(60)],
            &["question", "suggestion", "proposal to", "idea"],
        )
    {
        return None;
    }
    // `-1 on the varint encoding`: a stance on a detail, not on the draft.
    if let Some(after) = rest_trim.strip_prefix("on ") {
        let first = after
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .next()
            .unwrap_or("");
        if !matches!(
            first,
            "this" | "that" | "it" | "adoption" | "adopting" | "publication" | "publishing" | "the"
        ) || first == "the"
            && !after.starts_with("the draft")
            && !after.starts_with("the document")
            && !after.starts_with("the adoption")
            && !after.starts_with("the publication")
        {
            return None;
        }
    }
    Some(Stance {
        position,
        rest: j,
        bare,
        agree_with: agree_with || name.is_some(),
        name,
        condition: None,
        condition_end: None,
    })
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
        line_stance(inner, &buf).is_some_and(|st| st.position == Position::Object)
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
    // (HTML turned into text may lose the space: `From:Name`.)
    if (s.starts_with("From:") || s.starts_with("De : ") || s.starts_with("Von:"))
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
