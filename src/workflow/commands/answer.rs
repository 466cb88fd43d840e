//! What a reply to a confirmation request says: run the commands, cancel them, or neither.
//!
//! The confirmation token proves the reply came from the chair's configured mailbox, but not what
//! the chair meant: a chair who did not send the commands and answers "NO. I did not send these."
//! must not run them. So the reply is read — its first authored line, as a person reads it — and
//! only an empty reply or an explicit yes runs the commands (`spec/workflow.md`, `confirm`).

/// What the chair answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An empty reply, or an explicit yes (`confirm`, `yes`, `ok`, `approve`).
    Yes,
    /// An explicit no (`no`, `cancel`, `don't`, `did not send`, …): the commands are dropped and
    /// the chairs and owners are told.
    No,
    /// Something else: nothing runs, nothing is dropped; the chair is asked to say which.
    Unclear(String),
}

/// Words that, first on the first authored line, say yes.
const YES: &[&str] = &[
    "confirm",
    "confirmed",
    "yes",
    "y",
    "ok",
    "okay",
    "approve",
    "approved",
];

/// Words that, first on the first authored line, say no.
const NO: &[&str] = &[
    "no",
    "n",
    "nope",
    "cancel",
    "cancelled",
    "canceled",
    "reject",
    "refuse",
    "deny",
    "stop",
    "don't",
    "dont",
    "never",
    "abort",
];

/// Phrases that say no wherever they stand in the authored text: a "yes" that goes on to say the
/// chair did not send the commands is not a yes.
const REFUSALS: &[&str] = &[
    "did not send",
    "didn't send",
    "didnt send",
    "did not write",
    "didn't write",
    "never sent",
    "not sent by me",
    "wasn't me",
    "was not me",
    "not from me",
    "do not run",
    "don't run",
    "dont run",
    "do not confirm",
    "don't confirm",
    "do not execute",
    "don't execute",
    "forged",
    "forgery",
    "spoofed",
    "phishing",
    "cancel",
];

/// Reads a reply's text (decoded body): the lines the sender wrote, above or below the quote of
/// the request (top or bottom posting). Quoted lines and attribution lines ("On …, X wrote:") are
/// not the sender's; a signature, or the original message appended below a separator, ends them.
pub fn read(body: &str) -> Answer {
    let authored: Vec<String> = body
        .lines()
        .map(normalise)
        .take_while(|l| !ends_authored_text(l))
        .filter(|l| !l.is_empty() && !l.starts_with('>') && !is_attribution(l))
        .collect();
    let Some(first) = authored.first() else {
        return Answer::Yes;
    };
    if authored
        .iter()
        .any(|l| REFUSALS.iter().any(|p| contains_phrase(l, p)))
    {
        return Answer::No;
    }
    let word = first
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '!' | ';' | ':'))
        .find(|w| !w.is_empty())
        .unwrap_or("");
    if NO.contains(&word) {
        Answer::No
    } else if YES.contains(&word) {
        Answer::Yes
    } else {
        Answer::Unclear(first.chars().take(200).collect())
    }
}

/// Lower-cased and trimmed, with typographic apostrophes made plain.
fn normalise(line: &str) -> String {
    line.trim()
        .replace(['\u{2019}', '\u{2018}'], "'")
        .to_lowercase()
}

/// A signature, or the original message appended below a separator (Outlook's "-----Original
/// Message-----", a line of underscores, a `From:` header line), ends what the sender wrote.
fn ends_authored_text(l: &str) -> bool {
    l == "--"
        || l.starts_with("-----original message")
        || l.starts_with("---------- forwarded message")
        || (l.len() >= 8 && l.chars().all(|c| c == '_'))
        || (l.starts_with("from:") && l.contains('@'))
}

/// "On Mon, 30 Nov 2026, X wrote:" and its kin introduce a quote.
fn is_attribution(l: &str) -> bool {
    l.ends_with("wrote:") || l.ends_with("writes:") || l.ends_with("a écrit :")
}

/// `phrase` as whole words of `line`.
fn contains_phrase(line: &str, phrase: &str) -> bool {
    line.match_indices(phrase).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_replies_and_explicit_yeses_confirm() {
        for body in [
            "",
            "\n\n",
            "On Mon, 30 Nov 2026, wg-confirm wrote:\n> Commands from chair1 …\n",
            "confirm\n",
            "Confirm 0123456789abcdef\n",
            "Yes\n\nOn Mon, X wrote:\n> do not run\n",
            "yes, please run them.\n",
            "OK\n",
            "Okay!\n",
            "Approve.\n",
            "  confirmed  \n-- \nChair One\n",
            "confirm\n\n________________________________\nFrom: wg-confirm+x@example.org\nIf you did not send them, reply \"cancel\"\n",
        ] {
            assert_eq!(read(body), Answer::Yes, "{body:?}");
        }
    }

    #[test]
    fn a_no_cancels() {
        for body in [
            "NO. I did not send these commands. Do not run them.\n",
            "No\n",
            "no!\n",
            "Cancel\n",
            "Don't!\n",
            "Don\u{2019}t run these\n",
            "I did not send this.\n",
            "Yes\nActually, I didn't send these; please cancel.\n",
            "This is a forgery.\n",
            "Hi,\nthese were not sent by me.\n",
            "Never\n",
            // Bottom posting: the answer is below the quote.
            "On Mon, 30 Nov 2026, wg-confirm wrote:\n> Commands from chair1 …\n\nNo, I did not send these.\n",
        ] {
            assert_eq!(read(body), Answer::No, "{body:?}");
        }
    }

    #[test]
    fn anything_else_is_unclear_and_runs_nothing() {
        for body in [
            "Hmm, what is this?\n",
            "Thanks\n",
            "yesterday I was away\n",
            "okapi\n",
            "Please call me about this.\n",
        ] {
            assert!(matches!(read(body), Answer::Unclear(_)), "{body:?}");
        }
    }

    #[test]
    fn refusal_words_inside_other_words_do_not_count() {
        // "cancellation" is not "cancel"; "nobody" is not "no".
        assert!(matches!(
            read("Nobody asked about the cancellation policy.\n"),
            Answer::Unclear(_)
        ));
    }
}
