//! The worded stances of call replies, one sentence at a time: "Strong support.", "Support
//! publication.", "Ship it.", "Object.", "I have concerns … and do not think it is ready",
//! "Not opposed, but …", "I support adoption if section 3 is rewritten", "I withdraw my support",
//! "+1 to Carol", "I agree with Dave", "I disagree with Carol; … I support adoption".
//!
//! The sentence is walked word by word; a word that can carry a stance (a *cue*: `support`,
//! `object`, `ready`, `agree`, …) is checked in its context — what precedes it (a subject, a
//! negation in the same clause), what follows it (the draft, a condition, a technical object that
//! makes it no stance at all). The last cue of the sentence that holds wins, so "No objections; in
//! fact … Support." is support and "I'm supportive of the problem, but I don't think this draft is
//! the right starting point" is an objection. A question, a report of other people's positions
//! (a chair's running count) or an objection to a piece of text is no stance. Precision comes
//! before recall: what does not match is a comment, for the chair to read.
//!
//! Input: the sentence as written (`orig`) and lower-cased with the same byte offsets (`lower`,
//! see `positions::lower_into`). Pure and allocation-free except for the names it returns.

use super::positions::Position;

/// What one sentence says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    pub position: Position,
    /// Byte offset of the cue (where the stance is said).
    pub at: usize,
    /// Byte offset just after the cue.
    pub end: usize,
    /// For conditional support: where the condition begins (after `if`, `provided that`, …).
    pub condition: Option<usize>,
    /// Where it ends, when it comes before the stance ("If the authors fix X, I support").
    pub condition_end: Option<usize>,
    /// The stance is someone else's (`I agree with Dave`, `Me too`): `Support` for agreeing,
    /// `Object` for disagreeing.
    pub follows: bool,
    /// Where the sentence names the person followed (byte range).
    pub name: Option<(usize, usize)>,
}

/// Words that end a clause: a negation before them does not reach a cue after them.
fn clause_break(w: &str) -> bool {
    matches!(
        w,
        "but" | "however" | "although" | "though" | "while" | "whereas"
    )
}

fn is_negation(w: &str) -> bool {
    matches!(
        w,
        "not"
            | "no"
            | "never"
            | "cannot"
            | "nor"
            | "hardly"
            | "don't"
            | "dont"
            | "doesn't"
            | "didn't"
            | "can't"
            | "cant"
            | "won't"
            | "wouldn't"
            | "couldn't"
            | "shouldn't"
            | "isn't"
            | "aren't"
            | "wasn't"
            | "haven't"
            | "hasn't"
            | "mustn't"
    )
}

/// Words that make a supporting word a stance about the call when they follow it.
fn is_target(w: &str) -> bool {
    matches!(
        w,
        "adoption"
            | "adopting"
            | "adopt"
            | "publication"
            | "publishing"
            | "publish"
            | "this"
            | "it"
            | "its"
            | "the"
            | "that"
            | "moving"
            | "progressing"
            | "advancing"
            | "progress"
            | "forwarding"
            | "sending"
            | "as"
            | "with"
            | "from"
            | "here"
            | "too"
            | "also"
            | "both"
            | "wholeheartedly"
            | "fully"
            | "strongly"
            | "draft"
            | "document"
            | "work"
            | "effort"
            | "going"
            | "now"
            | "again"
            | "and"
            | "for"
            | "of"
            | "on"
            | "in"
    )
}

/// After `the`/`this`/`its`/`for`/`of`, what must come for `support …` to be about the call.
fn is_call_object(w: &str) -> bool {
    matches!(
        w,
        "draft"
            | "document"
            | "doc"
            | "adoption"
            | "publication"
            | "work"
            | "effort"
            | "proposal"
            | "call"
            | "wglc"
            | "spec"
            | "specification"
            | "progression"
            | "advancement"
            | "it"
            | "this"
            | "id"
            | "i-d"
    ) || w.starts_with("draft-")
}

/// Words that, followed by a person's name, make the sentence follow that person.
const NOT_NAMES: &[&str] = &[
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "you",
    "your",
    "him",
    "her",
    "them",
    "all",
    "everyone",
    "everybody",
    "most",
    "much",
    "some",
    "many",
    "both",
    "what",
    "my",
    "his",
    "their",
    "our",
    "a",
    "an",
    "above",
    "previous",
    "earlier",
    "others",
    "other",
    "adoption",
    "publication",
    "adopt",
    "publish",
    "draft",
    "document",
    "i",
    "we",
    "me",
    "us",
    "one",
    "several",
    "any",
    "each",
    "no",
    "sections",
    "section",
    "authors",
    "author",
    "chairs",
    "chair",
    "proposal",
    "suggestion",
    "point",
    "points",
    "comments",
    "comment",
    "idea",
    "approach",
];

/// A byte-level word walker over the lower-cased sentence: `(start, end, word)`, where a word is
/// letters, digits, `'`, `-` inside a word, `@` and `.` inside an address; `+1`/`-1` are words.
pub(super) fn words(lower: &str) -> Vec<(usize, usize)> {
    let b = lower.as_bytes();
    let mut out = Vec::with_capacity(24);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c >= 0x80 {
            // A letter of another script starts a word; a symbol (👍, ·) does not.
            let ch = lower[i..].chars().next().unwrap_or(' ');
            if !ch.is_alphanumeric() {
                i += ch.len_utf8().max(1);
                continue;
            }
        }
        let starts = c.is_ascii_alphanumeric()
            || c >= 0x80
            || ((c == b'+' || c == b'-') && b.get(i + 1).is_some_and(u8::is_ascii_digit));
        if !starts {
            i += 1;
            continue;
        }
        let s = i;
        i += 1;
        while i < b.len() {
            let d = b[i];
            let inner = d.is_ascii_alphanumeric()
                || d >= 0x80
                || ((d == b'\'' || d == b'-' || d == b'.' || d == b'@')
                    && b.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric()));
            if !inner {
                break;
            }
            i += 1;
        }
        out.push((s, i));
    }
    out
}

/// The stance of one sentence, if it has one.
pub(super) fn stance(orig: &str, lower: &str) -> Option<Found> {
    let t = lower.trim_end();
    // A question is no stance ("Support? I'm not sure yet").
    if t.ends_with('?') {
        return None;
    }
    let ws = words(lower);
    let w = |i: usize| -> &str { ws.get(i).map_or("", |&(s, e)| &lower[s..e]) };
    let mut best: Option<Found> = None;
    // Index of the first word of the current clause (negations reach back to it, no further).
    let mut clause = 0;
    // Words up to here belong to a cue already taken ("withdraw my objection").
    let mut taken_until = 0;
    for i in 0..ws.len() {
        let word = w(i);
        if clause_break(word) {
            clause = i;
            continue;
        }
        if i > 0 && ends_clause(lower, ws[i - 1].1) {
            clause = i;
        }
        if ws[i].0 < taken_until {
            continue;
        }
        // "…; otherwise I would object": the alternative to a condition, not a stance.
        if (clause..i).any(|j| matches!(w(j), "otherwise" | "else")) {
            continue;
        }
        let negated = || (clause..i).rev().take(8).any(|j| is_negation(w(j)));
        let found = |position: Position, end_word: usize| Found {
            position,
            at: ws[i].0,
            end: ws[end_word.min(ws.len() - 1)].1,
            condition: None,
            condition_end: None,
            follows: false,
            name: None,
        };
        let cue: Option<Found> = match word {
            // Withdrawals: "I withdraw my support", "please disregard my +1", "I retract my
            // objection", "scratch my support". A new stance later in the sentence still wins.
            "withdraw" | "withdrawing" | "retract" | "retracting" | "rescind" | "disregard"
            | "scratch" | "revoke" | "ignore"
                if word != "ignore" || w(i + 1) == "my" =>
            {
                let object = (i + 1..ws.len().min(i + 5)).find(|&j| {
                    matches!(
                        w(j),
                        "support" | "objection" | "objections" | "+1" | "-1" | "vote" | "position"
                    ) || matches!(w(j), "message" | "mail" | "email" | "reply" | "post")
                        && (i + 1..j)
                            .any(|k| matches!(w(k), "my" | "earlier" | "previous" | "last"))
                });
                object.map(|j| found(Position::Withdraw, j))
            }
            "take" | "taking" if w(i + 1) == "back" && w(i + 2) == "my" => {
                Some(found(Position::Withdraw, i + 3))
            }
            "longer" if w(i.wrapping_sub(1)) == "no" && matches!(w(i + 1), "object" | "oppose") => {
                Some(found(Position::Withdraw, i + 1))
            }

            "support" | "supported" | "supporting" | "supporter" => support(lower, &ws, i, clause),
            "favour" | "favor" if w(i.wrapping_sub(1)) == "in" => {
                let mut f = found(
                    if negated() {
                        Position::Object
                    } else {
                        Position::Support
                    },
                    i,
                );
                if f.position == Position::Support {
                    f.condition = condition(lower, ws[i].1);
                    if f.condition.is_some() {
                        f.position = Position::SupportIf;
                    }
                }
                Some(f)
            }
            "go" if i == clause
                && (w(i + 1) == "ahead" || w(i + 1) == "for" && w(i + 2) == "it") =>
            {
                Some(found(Position::Support, i + 1))
            }
            "good"
                if w(i.wrapping_sub(1)) == "all"
                    && (w(i + 1).is_empty() || matches!(w(i + 1), "from" | "to" | "here")) =>
            {
                Some(found(Position::Support, i))
            }
            "stand" if w(i + 1) == "in" && w(i + 3) == "way" && negated() => {
                Some(found(Position::NoObjection, i + 3))
            }
            "problem" | "problems" | "concerns" | "concern"
                if w(i.wrapping_sub(1)) == "no"
                    && (word.starts_with("concern")
                        && (w(i + 1).is_empty() || matches!(w(i + 1), "from" | "here"))
                        || w(i + 1) == "with"
                            && matches!(
                                w(i + 2),
                                "this"
                                    | "it"
                                    | "adoption"
                                    | "publication"
                                    | "the"
                                    | "adopting"
                                    | "publishing"
                            )) =>
            {
                Some(found(Position::NoObjection, i))
            }
            "fence" if w(i.wrapping_sub(1)) == "the" && w(i.wrapping_sub(2)) == "on" => {
                Some(found(Position::Neutral, i))
            }
            "take" if matches!(w(i + 1), "this" | "it") && w(i + 2) == "on" => {
                // "I'd like the WG to take this on"; "I'd rather the WG didn't take it on".
                Some(found(
                    if negated() {
                        Position::Object
                    } else {
                        Position::Support
                    },
                    i + 2,
                ))
            }
            "spend"
                if w(i + 1) == "time"
                    && negated()
                    && (clause..i).any(|j| matches!(w(j), "should" | "think")) =>
            {
                Some(found(Position::Object, i + 1))
            }
            "object" | "objecting" => {
                // "I object to the sentence in section 2" is about the text, not the draft.
                if object_to_text(&ws, lower, i) {
                    None
                } else if negated() {
                    Some(found(Position::NoObjection, i))
                } else if subject_ok(&ws, lower, i, clause) || i == 0 {
                    Some(found(Position::Object, i))
                } else {
                    None
                }
            }
            "objection" | "objections" => {
                let prev = w(i.wrapping_sub(1));
                if prev == "no" || negated() {
                    Some(found(Position::NoObjection, i))
                } else if w(i + 1) == "is" && w(i + 2) == "to" {
                    // "My objection is to section 6, not to adoption."
                    None
                } else if matches!(prev, "an" | "strong" | "my" | "serious" | "firm")
                    || i == 0
                        && (w(i + 1).is_empty()
                            || lower[ws[i].1..]
                                .trim_start()
                                .starts_with([':', '.', '!', ',']))
                {
                    Some(found(Position::Object, i))
                } else {
                    None
                }
            }
            "oppose" | "opposed" | "opposing" | "opposition" => {
                if negated() {
                    Some(found(Position::NoObjection, i))
                } else if subject_ok(&ws, lower, i, clause)
                    || i == 0
                    || matches!(w(i.wrapping_sub(1)), "strongly" | "firmly" | "to" | "must")
                {
                    Some(found(Position::Object, i))
                } else {
                    None
                }
            }
            "against" => {
                let prev = w(i.wrapping_sub(1));
                let next = w(i + 1);
                if (clause..i).any(|j| w(j) == "neither") {
                    None
                } else if negated() {
                    Some(found(Position::NoObjection, i))
                } else if i == 0 && (next.is_empty() || is_target(next))
                    || matches!(prev, "i'm" | "am" | "hum" | "firmly" | "strongly")
                {
                    Some(found(Position::Object, i))
                } else {
                    None
                }
            }
            "ready" => ready(lower, &ws, i, clause),
            "premature" if !negated() => Some(found(Position::Object, i)),
            "reject" if subject_ok(&ws, lower, i, clause) => Some(found(Position::Object, i)),
            "adopt" | "adopted" | "publish" | "published" | "progress" | "advance" => {
                adopt(lower, &ws, i, clause)
            }
            "starting" if w(i + 1) == "point" && w(i.wrapping_sub(1)) == "right" => Some(found(
                if negated() {
                    Position::Object
                } else {
                    Position::Support
                },
                i + 1,
            )),
            "no" | "nope" | "nay" => {
                // "No." / "NO." / "No to adoption." / "No, …" at the start of a sentence.
                let next = w(i + 1);
                let alone = i == 0
                    && (next.is_empty()
                        || next == "to"
                            && matches!(
                                w(i + 2),
                                "adoption" | "adopting" | "publication" | "this"
                            )
                        || lower[ws[i].1..].trim_start().starts_with(','));
                (alone
                    && !matches!(next, "objection" | "objections" | "strong" | "opinion")
                    && !(word == "no" && !next.is_empty() && next != "to" && {
                        // "No, …" only when what follows is a reason, not "no, thanks" or "No,
                        // I'm not aware of any IPR".
                        matches!(
                            next,
                            "thanks"
                                | "thank"
                                | "problem"
                                | "worries"
                                | "i'm"
                                | "i"
                                | "we"
                                | "not"
                                | "that"
                                | "it's"
                                | "sorry"
                        )
                    }))
                .then(|| found(Position::Object, i))
            }
            "neutral" | "abstain" | "abstaining" | "indifferent" | "undecided"
                if word != "undecided" =>
            {
                (!negated()).then(|| found(Position::Neutral, i))
            }
            "opinion" | "opinions" | "feelings" | "feeling" | "preference"
                if (clause..i).any(|j| matches!(w(j), "no" | "don't" | "dont" | "not"))
                    && (!matches!(w(i + 1), "on" | "about")
                        || matches!(
                            w(i + 2),
                            "whether" | "this" | "it" | "adoption" | "publication" | "the"
                        )) =>
            {
                Some(found(Position::Neutral, i))
            }
            "either"
                if w(i + 1) == "way"
                    && (clause..i).chain(i + 2..ws.len()).any(|j| {
                        matches!(
                            w(j),
                            "mind"
                                | "care"
                                | "fine"
                                | "happy"
                                | "okay"
                                | "ok"
                                | "indifferent"
                                | "opinion"
                                | "feel"
                                | "feelings"
                                | "strongly"
                                | "preference"
                        )
                    }) =>
            {
                Some(found(Position::Neutral, i + 1))
            }
            "lgtm" | "+100" => Some(found(Position::Support, i)),
            "works"
                if w(i + 1) == "for" && w(i + 2) == "me"
                    || w(i + 1) == "well" && w(i + 2) == "for" && w(i + 3) == "me" =>
            {
                (!negated()).then(|| found(Position::Support, i + 2))
            }
            "ship" if w(i + 1) == "it" => Some(found(Position::Support, i + 1)),
            "looks" | "look" if w(i + 1) == "good" && !negated() => {
                Some(found(Position::Support, i + 1))
            }
            "good" if w(i + 1) == "to" && w(i + 2) == "go" => Some(found(
                if negated() {
                    Position::Object
                } else {
                    Position::Support
                },
                i + 2,
            )),
            "yes" | "yep" | "yeah" | "absolutely" | "definitely"
                if i == 0
                    || word == "yes"
                        && (w(i + 1) == "from" && w(i + 2) == "me"
                            || matches!(w(i.wrapping_sub(1)), "clear" | "a" | "big")) =>
            {
                let next = w(i + 1);
                // "Yes." / "Absolutely, adopt it." / "Yes to adoption"; not "Yeah, that does seem
                // to be the one." (a short sentence, or one about the call).
                let ok = next.is_empty()
                    || next == "to"
                        && matches!(
                            w(i + 2),
                            "adoption" | "adopting" | "publication" | "publishing" | "this" | "it"
                        )
                    || next == "from" && w(i + 2) == "me"
                    || ws.len() <= 4
                        && (is_target(next)
                            || lower[ws[i].1..]
                                .trim_start()
                                .starts_with(['.', ',', '!', ':']))
                    || lower[ws[i].1..].trim_start().starts_with(',')
                        && condition(lower, ws[i].1).is_some();
                // "Definitely support." is the `support` cue's.
                (ok && next != "support").then(|| {
                    let mut f = found(Position::Support, i);
                    f.condition = condition(lower, ws[i].1);
                    if f.condition.is_some() {
                        f.position = Position::SupportIf;
                    }
                    f
                })
            }
            "count" if w(i + 1) == "me" => match w(i + 2) {
                "in" => Some(found(Position::Support, i + 2)),
                "as" if matches!(w(i + 3), "a" | "one") && w(i + 4).starts_with("support") => {
                    Some(found(Position::Support, i + 4))
                }
                "as" if w(i + 3).starts_with("support") => Some(found(Position::Support, i + 3)),
                _ => None,
            },
            "sign" if w(i + 1) == "me" && w(i + 2) == "up" => Some(found(Position::Support, i + 2)),
            "all" if w(i + 1) == "for" && w(i + 2) == "it" => Some(found(Position::Support, i + 2)),
            "need" if w(i.wrapping_sub(1)) == "we" && w(i + 1) == "this" && w(i + 2).is_empty() => {
                Some(found(Position::Support, i + 1))
            }
            "reason" if w(i + 1) == "not" && w(i + 2) == "to" => {
                Some(found(Position::Support, i + 3))
            }
            "live" if w(i.wrapping_sub(1)) == "can" && w(i + 1) == "with" => {
                Some(found(Position::NoObjection, i + 1))
            }
            "happy" if !negated() && matches!(w(i + 1), "with" | "to") => {
                let rest = (i + 1..ws.len().min(i + 8)).map(w);
                let about = rest.clone().any(|x| {
                    matches!(
                        x,
                        "version"
                            | "draft"
                            | "document"
                            | "adopted"
                            | "published"
                            | "progress"
                            | "forward"
                            | "adopt"
                            | "publish"
                            | "this"
                            | "it"
                    )
                });
                let other = rest
                    .clone()
                    .any(|x| matches!(x, "review" | "help" | "contribute" | "edit" | "answer"));
                (about && !other).then(|| {
                    let mut f = found(Position::Support, i);
                    f.condition = condition(lower, ws[i].1);
                    if f.condition.is_some() {
                        f.position = Position::SupportIf;
                    }
                    f
                })
            }
            "like"
                if matches!(w(i + 1), "this" | "it")
                    && (matches!(w(i + 2), "adopted" | "published")
                        || w(i + 2) == "to"
                            && matches!(
                                w(i + 3),
                                "move" | "progress" | "advance" | "be" | "go"
                            )) =>
            {
                Some(found(
                    if negated() {
                        Position::Object
                    } else {
                        Position::Support
                    },
                    i + 2,
                ))
            }
            "like" if w(i + 1) == "to" && w(i + 2) == "see" => {
                let seen = (i + 3..ws.len().min(i + 7)).map(w).any(|x| {
                    matches!(
                        x,
                        "adopted" | "published" | "progress" | "advance" | "adopt" | "move"
                    )
                });
                (seen && matches!(w(i + 3), "this" | "it" | "the")).then(|| {
                    found(
                        if negated() {
                            Position::Object
                        } else {
                            Position::Support
                        },
                        i + 4,
                    )
                })
            }
            // Agreement and disagreement with a person or the message answered.
            "agree" | "agreed" | "agrees" | "disagree" | "disagreed" => {
                agree(orig, lower, &ws, i, clause)
            }
            "with" if matches!(w(i.wrapping_sub(1)), "i'm" | "am") => {
                name_at(orig, lower, &ws, i + 1).map(|name| Found {
                    position: Position::Support,
                    at: ws[i].0,
                    end: name.1,
                    condition: None,
                    condition_end: None,
                    follows: true,
                    name: Some(name),
                })
            }
            "what" if matches!(w(i + 2), "said" | "says" | "wrote" | "writes") => {
                name_at(orig, lower, &ws, i + 1).map(|name| Found {
                    position: Position::Support,
                    at: ws[i].0,
                    end: ws[i + 2].1,
                    condition: None,
                    condition_end: None,
                    follows: true,
                    name: Some(name),
                })
            }
            "same" if matches!(w(i + 1), "here" | "") && i == 0 => Some(Found {
                follows: true,
                ..found(Position::Support, i)
            }),
            "ditto" | "seconded" if i == 0 => Some(Found {
                follows: true,
                ..found(Position::Support, i)
            }),
            "me" if i == 0 && w(i + 1) == "too" => Some(Found {
                follows: true,
                ..found(Position::Support, i + 1)
            }),
            "same"
                if i == 0
                    && matches!(
                        w(i + 1),
                        "condition" | "position" | "view" | "for" | "from" | "as" | "here"
                    ) =>
            {
                let named = if w(i + 1) == "as" {
                    name_at(orig, lower, &ws, i + 2)
                } else {
                    None
                };
                Some(Found {
                    follows: true,
                    name: named,
                    ..found(Position::Support, i + 1)
                })
            }
            "yet" if w(i.wrapping_sub(1)) == "not" && i == 1 => Some(found(Position::Object, i)),
            "not"
                if i == clause
                    && matches!(w(i + 1), "in" | "as")
                    && matches!(w(i + 2), "its" | "the" | "it")
                    && matches!(w(i + 3), "current" | "present" | "stands") =>
            {
                Some(found(Position::Object, i + 3))
            }
            "not"
                if w(i.wrapping_sub(1)) == "but"
                    && matches!(w(i + 1), "this" | "the")
                    && matches!(
                        w(i + 2),
                        "document" | "draft" | "one" | "version" | "approach"
                    ) =>
            {
                Some(found(Position::Object, i + 2))
            }
            "neither" if w(i + 1) == "for" && w(i + 2) == "nor" => {
                Some(found(Position::Neutral, i + 3))
            }
            "dog" if w(i + 1) == "in" && w(i + 3) == "fight" => {
                Some(found(Position::Neutral, i + 3))
            }
            "hum" if w(i + 1) == "for" => Some(found(Position::Support, i + 1)),
            "ok" | "okay" | "fine"
                if w(i + 1) == "with"
                    && matches!(
                        w(i + 2),
                        "this" | "it" | "adoption" | "publication" | "adopting" | "publishing"
                    ) =>
            {
                let mut f = found(
                    if negated() {
                        Position::Object
                    } else {
                        Position::Support
                    },
                    i + 2,
                );
                if f.position == Position::Support {
                    f.condition = condition(lower, ws[i + 2].1);
                    if f.condition.is_some() {
                        f.position = Position::SupportIf;
                    }
                }
                Some(f)
            }
            "supportive"
                if w(i + 1) == "of"
                    && (is_call_object(w(i + 2)) || is_call_object(w(i + 3)))
                    && !matches!(w(i + 2), "the")
                    || w(i + 1) == "of"
                        && w(i + 2) == "the"
                        && matches!(
                            w(i + 3),
                            "draft" | "document" | "adoption" | "publication"
                        ) =>
            {
                Some(found(
                    if negated() {
                        Position::Object
                    } else {
                        Position::Support
                    },
                    i + 2,
                ))
            }
            _ => None,
        };
        if let Some(f) = cue {
            if f.position == Position::Withdraw {
                taken_until = f.end;
            }
            best = Some(f);
        }
    }
    // Checked last, and only for a sentence with a stance: most sentences have none.
    best.filter(|_| !reported(lower))
}

/// Whether the sentence reports other people's positions (a chair's count, a summary).
fn reported(lower: &str) -> bool {
    [
        "so far",
        "we have seen",
        "we've seen",
        "we have received",
        "we've received",
        "we have heard",
        "we've heard",
        "i count",
        "the chairs",
        "chairs believe",
        "there is consensus",
        "consensus to ",
        "consensus is",
        "rough consensus",
        "tally",
        "halfway",
        "this call ends",
        "call ends",
        "the call will",
        "reminder",
        "people have",
        "responses",
        "replies so",
        "expressed support",
        "voiced support",
        "support from",
        "in support,",
        "has support",
        "have support",
        "had support",
        "supporters",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// Punctuation right after a word ends the clause (`,` `;` `:` `(`).
fn ends_clause(lower: &str, end: usize) -> bool {
    lower[end..].starts_with([',', ';', ':', '(', ')'])
}

/// The words before a cue in its clause include a first-person subject (`I`, `we`, `I'd`,
/// `I'm`): "I oppose", "we would object", not "it opposes" or "people object".
fn subject_ok(ws: &[(usize, usize)], lower: &str, i: usize, clause: usize) -> bool {
    (clause..i).rev().any(|j| {
        matches!(
            &lower[ws[j].0..ws[j].1],
            "i" | "we"
                | "i'd"
                | "i'm"
                | "we'd"
                | "we're"
                | "i've"
                | "i'll"
                | "we'll"
                | "must"
                | "strongly"
        )
    })
}

/// `I object to the sentence in section 2`, `object to the wording`: the text, not the draft.
fn object_to_text(ws: &[(usize, usize)], lower: &str, i: usize) -> bool {
    let w = |j: usize| ws.get(j).map_or("", |&(s, e)| &lower[s..e]);
    if w(i + 1) != "to" {
        return false;
    }
    (i + 2..ws.len().min(i + 5)).map(w).any(|x| {
        matches!(
            x,
            "clause"
                | "text"
                | "wording"
                | "sentence"
                | "paragraph"
                | "phrase"
                | "term"
                | "definition"
                | "statement"
                | "name"
                | "section"
                | "use"
                | "requirement"
                | "example"
                | "examples"
                | "word"
                | "words"
                | "title"
                | "terminology"
        )
    })
}

/// `support` and its forms, in their context.
fn support(lower: &str, ws: &[(usize, usize)], i: usize, clause: usize) -> Option<Found> {
    let w = |j: usize| ws.get(j).map_or("", |&(s, e)| &lower[s..e]);
    let word = w(i);
    let next = w(i + 1);
    let after_next = w(i + 2);
    let prev = w(i.wrapping_sub(1));
    let mk = |position: Position, end: usize| Found {
        position,
        at: ws[i].0,
        end: ws[end.min(ws.len() - 1)].1,
        condition: None,
        condition_end: None,
        follows: false,
        name: None,
    };
    // Hedges and third persons are not the sender's stance ("I could support adoption if …" is
    // conditional support).
    let hedged = (clause..i)
        .rev()
        .take(3)
        .any(|j| matches!(w(j), "might" | "may" | "could"));
    if (clause..i).rev().take(3).any(|j| {
        matches!(
            w(j),
            "he" | "she" | "they" | "who" | "it" | "people" | "others"
        )
    }) || hedged && condition(lower, ws[i].1).is_none()
    {
        return None;
    }
    let negated = (clause..i).rev().take(5).any(|j| is_negation(w(j)));
    match word {
        "supporter" => {
            // "Count me as a supporter" is taken by the `count` cue; "a supporter of this".
            return (prev == "a" && (next.is_empty() || next == "of"))
                .then(|| mk(Position::Support, i));
        }
        "supported" => {
            // "Supported." / "Supported, happy to help edit."; not "is supported by".
            return (i == clause && !matches!(next, "by" | "in" | "on"))
                .then(|| mk(Position::Support, i));
        }
        "supporting" => {
            let first_person = (clause..i).any(|j| matches!(w(j), "i" | "we" | "am" | "are"));
            return ((i == clause || first_person) && (next.is_empty() || is_target(next)))
                .then(|| mk(Position::Support, i));
        }
        _ => {}
    }
    let punct_after = lower[ws[i].1..]
        .trim_start()
        .starts_with(['.', ',', '!', ';', ':', '-', '(']);
    // "support for IPv6 is missing", "support of multipath": a technical object, no stance.
    if !punct_after
        && matches!(next, "for" | "of" | "in")
        && !is_call_object(after_next)
        && !is_call_object(w(i + 3))
    {
        return None;
    }
    // "I support Ian's suggestion to split section 6": a proposal about the text.
    if next.ends_with("'s")
        || matches!(
            after_next,
            "suggestion" | "proposal" | "idea" | "change" | "comment" | "comments"
        )
    {
        return None;
    }
    let conditional = prev == "conditional";
    let subject = (clause..i).rev().any(|j| {
        matches!(
            w(j),
            "i" | "we" | "i'd" | "we'd" | "i'll" | "we'll" | "i've" | "i'm" | "we've"
        )
    }) || (clause..i).rev().take(3).any(|j| {
        matches!(
            w(j),
            "strong"
                | "strongly"
                | "full"
                | "fully"
                | "+1"
                | "big"
                | "definite"
                | "definitely"
                | "absolutely"
                | "enthusiastic"
                | "my"
                | "also"
                | "still"
                | "now"
                | "do"
                | "can"
                | "would"
                | "will"
                | "wholeheartedly"
                | "heartily"
                | "firmly"
                | "unconditionally"
                | "warmly"
                | "much"
                | "conditional"
                | "total"
                | "complete"
                | "solid"
                | "clear"
        )
    }) || i == clause;
    if !subject {
        return None;
    }
    // "Support to adopt." (non-native English).
    let to_call =
        next == "to" && matches!(after_next, "adopt" | "adoption" | "publish" | "publication");
    if !punct_after && !to_call {
        if !(next.is_empty() || is_target(next) || next.starts_with("draft-")) {
            // "support multipath" / "support the new frame": after a bare verb, only the call.
            return None;
        }
        // "support the new frame format": `the`/`this`/`its` then something not the call.
        let function_word = |x: &str| {
            matches!(
                x,
                "" | "unless"
                    | "if"
                    | "because"
                    | "as"
                    | "provided"
                    | "and"
                    | "but"
                    | "until"
                    | "since"
                    | "given"
                    | "at"
                    | "in"
                    | "for"
                    | "to"
                    | "being"
                    | "going"
                    | "moving"
                    | "now"
                    | "too"
                    | "also"
                    | "once"
                    | "assuming"
                    | "so"
                    | "with"
                    | "without"
                    | "here"
                    | "fully"
                    | "wholeheartedly"
                    | "strongly"
                    | "version"
                    | "revision"
                    | "one"
                    | "wg"
                    | "working"
                    | "group"
                    | "extension"
                    | "mechanism"
                    | "approach"
            )
        };
        if matches!(next, "the" | "this" | "its")
            && !function_word(after_next)
            && !is_call_object(after_next)
            && !is_call_object(w(i + 3))
        {
            return None;
        }
    }
    if negated {
        return Some(mk(Position::Object, i));
    }
    let mut f = mk(Position::Support, i);
    f.condition = condition(lower, ws[i].1);
    // "If the authors fix the contradiction, I support publication."
    if f.condition.is_none()
        && let Some((start, end)) = leading_condition(lower, ws[i].0)
    {
        f.condition = Some(start);
        f.condition_end = Some(end);
    }
    if conditional {
        // "Conditional support: the draft must define …"
        let rest = lower[ws[i].1..].trim_start();
        let skip = lower.len() - rest.len() + usize::from(rest.starts_with([':', ',', '-']));
        f.condition = f.condition.or(Some(skip));
    }
    if f.condition.is_some() {
        f.position = Position::SupportIf;
    }
    Some(f)
}

/// A condition after a supporting word: `if …`, `provided (that) …`, `as long as …`,
/// `assuming …`, `on (the) condition that …`, `once …`, `subject to …`, `conditional on …`.
/// Returns where the condition's text begins.
pub(super) fn condition(lower: &str, from: usize) -> Option<usize> {
    const MARKERS: &[&str] = &[
        " only if ",
        " if ",
        " provided that ",
        " provided ",
        " as long as ",
        " so long as ",
        " assuming that ",
        " assuming ",
        " on the condition that ",
        " on condition that ",
        " once ",
        " subject to ",
        " conditional on ",
        " contingent on ",
        ",if ",
        ",provided ",
    ];
    let rest = &lower[from..];
    let mut best: Option<usize> = None;
    // "with the understanding that everything is up for discussion once …" is no condition.
    let understanding = rest.find("understanding");
    for m in MARKERS {
        if let Some(p) = rest.find(m) {
            // Only close to the cue: "support adoption; I'd also like it if …" is not a condition.
            if p > 80 || understanding.is_some_and(|u| u < p) {
                continue;
            }
            let start = from + p + m.len();
            if best.is_none_or(|b| from + p < b) {
                best = Some(start);
            }
        }
    }
    best
}

/// `ready` in context: "It is ready", "ready to go", "ready for publication"; negated, "not
/// ready", "I do not think it is ready" — an objection.
fn ready(lower: &str, ws: &[(usize, usize)], i: usize, clause: usize) -> Option<Found> {
    let w = |j: usize| ws.get(j).map_or("", |&(s, e)| &lower[s..e]);
    let prev = w(i.wrapping_sub(1));
    let next = w(i + 1);
    // "whether it is ready", "not sure this is ready": a doubt, not a stance.
    if (clause..i).any(|j| {
        matches!(
            w(j),
            "whether" | "if" | "when" | "sure" | "unsure" | "certain"
        )
    }) {
        return None;
    }
    let negated = (clause..i).rev().take(8).any(|j| is_negation(w(j)))
        || (clause..i).any(|j| w(j) == "yet" && w(j.wrapping_sub(1)) == "not");
    let punct_after = lower[ws[i].1..]
        .trim_start()
        .starts_with(['.', ',', '!', ';', ':', '-']);
    let about_call = next.is_empty()
        || punct_after
        || negated && matches!(next, "until" | "unless" | "yet" | "in" | "without")
        || matches!(next, "to" | "for" | "as" | "now")
            && (i + 2..ws.len().min(i + 6)).map(w).any(|x| {
                matches!(
                    x,
                    "go" | "publication"
                        | "publish"
                        | "iesg"
                        | "progress"
                        | "advance"
                        | "ship"
                        | "adoption"
                        | "adopt"
                        | "wglc"
                        | "last"
                        | "move"
                        | "forward"
                        | "proceed"
                        | "rfc"
                        | "sent"
                        | "send"
                        | "is"
                )
            });
    let subject = matches!(
        prev,
        "is" | "it's"
            | "its"
            | "be"
            | "seems"
            | "looks"
            | "think"
            | "are"
            | "was"
            | "now"
            | "not"
            | "feels"
    ) || i == clause
        || (clause..i).any(|j| matches!(w(j), "document" | "draft" | "it" | "this" | "spec"));
    if !about_call || !subject {
        return None;
    }
    let mut f = Found {
        position: if negated {
            Position::Object
        } else {
            Position::Support
        },
        at: ws[i].0,
        end: ws[i].1,
        condition: None,
        condition_end: None,
        follows: false,
        name: None,
    };
    // "Ready, as long as the last open issue is closed."
    if !negated {
        f.condition = condition(lower, ws[i].1);
        if f.condition.is_some() {
            f.position = Position::SupportIf;
        }
    }
    Some(f)
}

/// `adopt`/`publish` as the sender's wish: "Please adopt.", "Adopt it.", "Let's adopt", "it
/// should be adopted", "we should publish it"; negated, an objection.
fn adopt(lower: &str, ws: &[(usize, usize)], i: usize, clause: usize) -> Option<Found> {
    let w = |j: usize| ws.get(j).map_or("", |&(s, e)| &lower[s..e]);
    let prev = w(i.wrapping_sub(1));
    let next = w(i + 1);
    let word = w(i);
    let please = (clause..i).any(|j| matches!(w(j), "please" | "let's" | "lets" | "rather"))
        || (clause..i)
            .rev()
            .take(3)
            .any(|j| matches!(w(j), "should" | "must" | "shouldn't"));
    let wish = match word {
        "adopt" | "publish" | "progress" | "advance" => {
            (i == clause
                || please
                || matches!(
                    prev,
                    "please" | "let's" | "lets" | "should" | "to" | "shall"
                ))
                && (next.is_empty()
                    || matches!(next, "it" | "this" | "the" | "now" | "asap" | "as"))
                // "to adopt" only after a wish: "time to adopt", "I'd like to adopt".
                && (prev != "to"
                    || (clause..i)
                        .any(|j| matches!(w(j), "ready" | "want" | "like" | "time" | "happy")))
        }
        "adopted" | "published" => {
            matches!(prev, "be" | "get")
                && (clause..i)
                    .rev()
                    .take(4)
                    .any(|j| matches!(w(j), "should" | "must" | "deserves" | "ought"))
        }
        _ => false,
    };
    if !wish {
        return None;
    }
    let negated = (clause..i).rev().take(8).any(|j| is_negation(w(j)));
    Some(Found {
        position: if negated {
            Position::Object
        } else {
            Position::Support
        },
        at: ws[i].0,
        end: ws[i].1,
        condition: None,
        condition_end: None,
        follows: false,
        name: None,
    })
}

/// `agree`/`disagree` with a person, the message answered, or nobody in particular.
fn agree(orig: &str, lower: &str, ws: &[(usize, usize)], i: usize, clause: usize) -> Option<Found> {
    let w = |j: usize| ws.get(j).map_or("", |&(s, e)| &lower[s..e]);
    let word = w(i);
    let dis = word.starts_with("dis");
    let negated = (clause..i).rev().take(3).any(|j| is_negation(w(j)));
    if negated && !(w(i + 1) == "to" || w(i + 1) == "with" && w(i + 2) == "the") {
        return None;
    }
    let position = if dis {
        Position::Object
    } else {
        Position::Support
    };
    let mk = |end: usize, name: Option<(usize, usize)>| Found {
        position,
        at: ws[i].0,
        end,
        condition: None,
        condition_end: None,
        follows: true,
        name,
    };
    let next = w(i + 1);
    // "I agree to adopt this draft", "I am not agree to adopt" (non-native English): a stance on
    // the call itself.
    let call_word = |x: &str| {
        matches!(
            x,
            "adopt" | "adoption" | "adopting" | "publish" | "publication" | "publishing"
        )
    };
    if !dis
        && (next == "to" && (call_word(w(i + 2)) || w(i + 2) == "the" && call_word(w(i + 3)))
            || next == "with" && w(i + 2) == "the" && call_word(w(i + 3)))
    {
        let negated = (clause..i).rev().take(3).any(|j| is_negation(w(j)));
        return Some(Found {
            position: if negated {
                Position::Object
            } else {
                Position::Support
            },
            follows: false,
            ..mk(ws[i + 1].1, None)
        });
    }
    if next == "with" {
        let target = w(i + 2);
        // "agree with what Carol said", "agree with Carol('s comments)".
        let at = if target == "what" { i + 3 } else { i + 2 };
        if let Some(name) = name_at(orig, lower, ws, at) {
            // "I agree with Felix that the abstract overstates the benefit": a point, not a
            // position.
            let after = ws
                .iter()
                .position(|&(s, _)| s >= name.1)
                .map(w)
                .unwrap_or("");
            if matches!(after, "that" | "about" | "regarding") {
                return None;
            }
            return Some(mk(name.1, Some(name)));
        }
        // "agree with you", "agree with the above": the message answered.
        if matches!(target, "you" | "above" | "that" | "this")
            || target == "the" && matches!(w(i + 3), "above" | "previous" | "last")
        {
            return Some(mk(ws[(i + 2).min(ws.len() - 1)].1, None));
        }
        return None;
    }
    // "I agree." / "Agreed." / "I disagree with the above: …" handled; a bare "I agree" alone.
    let alone = next.is_empty()
        || lower[ws[i].1..]
            .trim_start()
            .starts_with(['.', '!', ',', ';', ':']);
    let first_person = i == clause
        || matches!(
            w(i.wrapping_sub(1)),
            "i" | "fully" | "strongly" | "completely" | "totally" | "also"
        );
    (alone
        && first_person
        && (next.is_empty() || !dis || lower[ws[i].1..].trim_start().starts_with(':')))
    .then(|| mk(ws[i].1, None))
}

/// A person's name at word `j` as written: one to three capitalised words (`Carol`, `Dave
/// Smith`), or an address; without a trailing `'s`.
pub(super) fn name_at(
    orig: &str,
    lower: &str,
    ws: &[(usize, usize)],
    j: usize,
) -> Option<(usize, usize)> {
    let &(s, e) = ws.get(j)?;
    let word = &lower[s..e];
    if word.contains('@') {
        return Some((s, e));
    }
    let stem = word.strip_suffix("'s").unwrap_or(word);
    if NOT_NAMES.contains(&stem)
        || stem.len() < 2
        || !stem
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b >= 0x80 || b == b'-' || b == b'\'')
    {
        return None;
    }
    let capital = |s: usize| orig[s..].chars().next().is_some_and(char::is_uppercase);
    if !capital(s) {
        return None;
    }
    let mut end = e;
    let mut k = j + 1;
    // A family name joins the first if it is capitalised and right after it (one space).
    while k < ws.len() && k < j + 3 && !lower[..ws[k - 1].1].ends_with("'s") {
        let (ks, ke) = ws[k];
        if ks != end + 1 || !capital(ks) || NOT_NAMES.contains(&&lower[ks..ke]) {
            break;
        }
        end = ke;
        k += 1;
    }
    let text = &lower[s..end];
    let end = if text.ends_with("'s") { end - 2 } else { end };
    Some((s, end))
}

/// A condition that opens the sentence before its stance: "If the authors fix X, I support …",
/// "Provided X, …", "As long as X, …", "Once X, …". Returns the condition's byte range.
fn leading_condition(lower: &str, cue: usize) -> Option<(usize, usize)> {
    let t = lower.trim_start();
    let off = lower.len() - t.len();
    let marker = [
        "if ",
        "provided that ",
        "provided ",
        "as long as ",
        "assuming ",
        "once ",
    ]
    .into_iter()
    .find(|m| t.starts_with(m))?;
    let start = off + marker.len();
    let comma = lower[start..cue].rfind(',')? + start;
    (comma > start).then_some((start, comma))
}
