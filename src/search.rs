//! The archive's search language, and its compilation to one SQLite FTS5 `MATCH` expression plus
//! a date range (pure: no SQL runs here; `store::search` binds what this returns).
//!
//! The syntax follows public-inbox's, which readers of lore.kernel.org already know:
//!
//! | query | matches messages that |
//! |---|---|
//! | `word` | contain `word` in the subject, the From name or address, or the body |
//! | `"a phrase"` | contain the words in this order, next to each other |
//! | `-word`, `-"a phrase"` | do not contain it (a query needs at least one term without `-`) |
//! | `a OR b` | contain `a` or `b`; `OR` binds tighter than the implicit "and": `x a OR b` is `x` and (`a` or `b`) |
//! | `f:word` | have it in the From address or name (`f:alice@example.com` is the phrase `alice example com`) |
//! | `s:word` | have it in the subject |
//! | `b:word` | have it in the body |
//! | `d:2024-01-01..2024-03-31` | are dated within those days, both included (UTC); either side may be empty (`d:2024-01-01..`, `d:..2023-12-31`); `d:2024-01-01` is that one day |
//! | `draft:draft-ietf-quic-http` | mention the draft in the subject or body |
//!
//! Prefixes take a word or a quoted phrase (`s:"last call"`) and combine with `-` (`-f:bot`).
//! Every term must match (an `AND` between terms is allowed and means nothing more). Matching is
//! by whole words, case- and accent-insensitive (FTS5's `unicode61` tokenizer): punctuation
//! separates words, so `foo-bar` and `foo.bar` are the phrase `foo bar`, and a term made only of
//! punctuation (`*`, `^`, `:`) is ignored.
//!
//! `draft:NAME`: the tokenizer splits a draft name on `-`, so the name becomes a phrase of its
//! parts. Without a revision (`draft:draft-ietf-quic-http`) it matches every mention of the draft,
//! with or without a revision (`draft-ietf-quic-http-07` contains the phrase); with one
//! (`draft:draft-ietf-quic-http-07`) it matches that revision only. Being a phrase, a name also
//! matches longer names that begin with it (`draft-ietf-quic-http-bis`): the index cannot tell a
//! name's end from the start of a longer one.
//!
//! Why compile rather than pass the query through: FTS5 has its own syntax (`NEAR(`, `AND`, `*`,
//! `^`, `col:`), and a user's text that happened to use it would raise an SQL error or silently
//! mean something else. Here every user term becomes a quoted FTS5 string (an inner `"` doubled),
//! and the only operators in the expression are the ones this module writes, so no input can make
//! an FTS5 syntax error. A query this parser cannot read is a [`QueryError`] whose `Display` is one
//! line for the results page.

use crate::clock::Timestamp;

/// The longest query accepted, in bytes; longer ones are refused (HTTP 400) before parsing.
pub const MAX_QUERY_BYTES: usize = 1024;

/// Why a query could not be read. Each message is one line a reader can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query is longer than {MAX_QUERY_BYTES} bytes")]
    TooLong,
    #[error("a quote is not closed: every \" needs a partner")]
    UnbalancedQuote,
    #[error(
        "\"{0}\" is not a date range: write d:YYYY-MM-DD..YYYY-MM-DD (either side may be empty)"
    )]
    BadDate(String),
    #[error("{0} needs a word or a \"phrase\" after it")]
    EmptyPrefix(String),
    #[error("draft:{0} is not a draft name (letters, digits and -)")]
    BadDraft(String),
    #[error("there is nothing to search for: give at least one word")]
    Empty,
    #[error("OR must stand between two terms")]
    DanglingOr,
    #[error("OR cannot join {0}: it joins words, phrases and prefixed terms")]
    OrOperand(String),
    #[error("every term is excluded with -: give at least one word to look for")]
    OnlyNegative,
}

/// Which FTS5 columns a term is looked for in. The names are the columns of the `fts` table
/// (migration 12); [`Field::Any`] means every column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Any,
    From,
    Subject,
    Body,
    /// `draft:`: the subject or the body.
    Draft,
}

impl Field {
    /// The FTS5 column filter written before the term.
    fn filter(self) -> &'static str {
        match self {
            Field::Any => "",
            Field::From => "{from_addr from_name} : ",
            Field::Subject => "subject : ",
            Field::Body => "body_text : ",
            Field::Draft => "{subject body_text} : ",
        }
    }
}

/// One searched-for word or phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub field: Field,
    /// The user's text, as typed (without the quotes); FTS5 tokenizes it.
    pub text: String,
}

impl Term {
    /// The term as an FTS5 string: quoted, inner quotes doubled, so it is always one phrase.
    fn to_fts(&self) -> String {
        format!(
            "{}\"{}\"",
            self.field.filter(),
            self.text.replace('"', "\"\"")
        )
    }
}

/// A parsed query: what must match, what must not, and the date range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Every group must match; a group matches when any of its terms does (`a OR b`).
    pub all: Vec<Vec<Term>>,
    /// No message containing one of these is a result.
    pub none: Vec<Term>,
    /// Earliest date, included (UTC seconds).
    pub since: Option<Timestamp>,
    /// End of the range, excluded (UTC seconds): the midnight after the last day.
    pub until: Option<Timestamp>,
}

impl Query {
    /// The FTS5 `MATCH` expression: `(a) AND (b OR c) NOT d`. Bound as a parameter, never
    /// formatted into SQL.
    pub fn fts(&self) -> String {
        let mut out = String::new();
        for (i, group) in self.all.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            out.push('(');
            for (j, term) in group.iter().enumerate() {
                if j > 0 {
                    out.push_str(" OR ");
                }
                out.push_str(&term.to_fts());
            }
            out.push(')');
        }
        for term in &self.none {
            out.push_str(" NOT ");
            out.push_str(&term.to_fts());
        }
        out
    }
}

/// One lexical item before the `OR` grouping.
enum Item {
    Term {
        negated: bool,
        term: Term,
    },
    Or,
    Date {
        since: Option<Timestamp>,
        until: Option<Timestamp>,
        raw: String,
    },
}

/// Parses a query of the syntax in the module doc.
pub fn parse(input: &str) -> Result<Query, QueryError> {
    if input.len() > MAX_QUERY_BYTES {
        return Err(QueryError::TooLong);
    }
    let items = lex(input)?;
    let mut query = Query {
        all: Vec::new(),
        none: Vec::new(),
        since: None,
        until: None,
    };
    // `pending_or` is set after an `OR` whose left operand is the last group of `query.all`.
    let mut pending_or = false;
    let mut last_was_term = false;
    for item in items {
        match item {
            Item::Or => {
                if !last_was_term || pending_or {
                    return Err(QueryError::DanglingOr);
                }
                pending_or = true;
                last_was_term = false;
            }
            Item::Term { negated, term } => {
                if negated {
                    if pending_or {
                        return Err(QueryError::OrOperand(format!(
                            "the excluded term -{}",
                            term.text
                        )));
                    }
                    query.none.push(term);
                    last_was_term = false;
                    continue;
                }
                if pending_or {
                    match query.all.last_mut() {
                        Some(group) => group.push(term),
                        None => return Err(QueryError::DanglingOr),
                    }
                    pending_or = false;
                } else {
                    query.all.push(vec![term]);
                }
                last_was_term = true;
            }
            Item::Date { since, until, raw } => {
                if pending_or {
                    return Err(QueryError::OrOperand(raw));
                }
                if let Some(s) = since {
                    query.since = Some(query.since.map_or(s, |q| q.max(s)));
                }
                if let Some(u) = until {
                    query.until = Some(query.until.map_or(u, |q| q.min(u)));
                }
                last_was_term = false;
            }
        }
    }
    if pending_or {
        return Err(QueryError::DanglingOr);
    }
    if query.all.is_empty() {
        return Err(if query.none.is_empty() {
            QueryError::Empty
        } else {
            QueryError::OnlyNegative
        });
    }
    Ok(query)
}

/// Splits the input into items: words, quoted phrases (with their prefix and `-`), `OR`, `d:`.
fn lex(input: &str) -> Result<Vec<Item>, QueryError> {
    let mut items = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(_, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        // One whitespace-delimited token, except that a quote runs to its partner.
        let mut raw = String::new();
        let mut quoted = String::new();
        let mut in_quote = false;
        let mut had_quote = false;
        let mut before_quote = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if !in_quote && c.is_whitespace() {
                break;
            }
            chars.next();
            raw.push(c);
            if c == '"' {
                if !in_quote && !had_quote {
                    before_quote = raw[..raw.len() - 1].to_owned();
                }
                if had_quote {
                    // A quote after the first separates words: `"foo"bar` is `foo bar`.
                    quoted.push(' ');
                }
                in_quote = !in_quote;
                had_quote = true;
                continue;
            }
            if in_quote || had_quote {
                quoted.push(c);
            }
        }
        if in_quote {
            return Err(QueryError::UnbalancedQuote);
        }
        if raw == "OR" {
            items.push(Item::Or);
            continue;
        }
        if raw == "AND" {
            continue;
        }
        // The head is what comes before the text: an optional `-` and an optional prefix.
        let (head, text) = if had_quote {
            (before_quote, quoted.trim().to_owned())
        } else {
            match raw.find(':') {
                Some(i)
                    if is_prefix(&raw[..=i])
                        || raw[..=i].strip_prefix('-').is_some_and(is_prefix) =>
                {
                    (raw[..=i].to_owned(), raw[i + 1..].to_owned())
                }
                _ => match raw.strip_prefix('-') {
                    Some(rest) if !rest.is_empty() => ("-".to_owned(), rest.to_owned()),
                    _ => (String::new(), raw.clone()),
                },
            }
        };
        let (negated, prefix) = match head.strip_prefix('-') {
            Some(p) => (true, p),
            None => (false, head.as_str()),
        };
        let field = match prefix {
            "" => Field::Any,
            "f:" => Field::From,
            "s:" => Field::Subject,
            "b:" => Field::Body,
            "d:" => {
                if negated || had_quote {
                    return Err(QueryError::BadDate(raw));
                }
                let (since, until) =
                    date_range(&text).ok_or_else(|| QueryError::BadDate(raw.clone()))?;
                items.push(Item::Date { since, until, raw });
                continue;
            }
            "draft:" => {
                if !is_draft_name(&text) {
                    return Err(QueryError::BadDraft(text));
                }
                Field::Draft
            }
            // A quote that opens mid-word (`foo"bar baz"`): the whole token is one phrase.
            _ => {
                let text = raw.trim_start_matches('-').replace('"', " ");
                let negated = raw.starts_with('-');
                push_term(&mut items, negated, Field::Any, text);
                continue;
            }
        };
        if text.trim().is_empty() && !prefix.is_empty() {
            return Err(QueryError::EmptyPrefix(prefix.to_owned()));
        }
        push_term(&mut items, negated, field, text);
    }
    Ok(items)
}

/// Adds a term unless it has no word in it (punctuation only), which FTS5 would find nowhere.
fn push_term(items: &mut Vec<Item>, negated: bool, field: Field, text: String) {
    if text.chars().any(char::is_alphanumeric) {
        items.push(Item::Term {
            negated,
            term: Term { field, text },
        });
    }
}

fn is_prefix(head: &str) -> bool {
    matches!(head, "f:" | "s:" | "b:" | "d:" | "draft:")
}

fn is_draft_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && name.chars().any(|c| c.is_ascii_alphanumeric())
}

/// `A..B`, `A..`, `..B` or `A` (one day) → (since, until-exclusive), in UTC seconds.
fn date_range(text: &str) -> Option<(Option<Timestamp>, Option<Timestamp>)> {
    let (from, to) = match text.split_once("..") {
        Some((a, b)) => (a, b),
        None => (text, text),
    };
    if from.is_empty() && to.is_empty() {
        return None;
    }
    let since = if from.is_empty() {
        None
    } else {
        Some(day_start(from)?)
    };
    let until = if to.is_empty() {
        None
    } else {
        Some(day_start(to)?.checked_add(86_400)?)
    };
    Some((since, until))
}

/// Midnight UTC at the start of `YYYY-MM-DD`, or `None` if it is not a real date.
fn day_start(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date: jiff::civil::Date = text.parse().ok()?;
    let ts = date.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    Some(ts.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(q: &str) -> String {
        parse(q).unwrap_or_else(|e| panic!("{q}: {e}")).fts()
    }

    #[test]
    fn words_and_phrases_all_must_match() {
        assert_eq!(fts("quic stream"), r#"("quic") AND ("stream")"#);
        assert_eq!(
            fts(r#""flow control" quic"#),
            r#"("flow control") AND ("quic")"#
        );
        assert_eq!(fts("quic AND stream"), r#"("quic") AND ("stream")"#);
    }

    #[test]
    fn prefixes_choose_columns() {
        assert_eq!(fts("f:alice"), r#"({from_addr from_name} : "alice")"#);
        assert_eq!(fts("s:agenda"), r#"(subject : "agenda")"#);
        assert_eq!(fts(r#"b:"last call""#), r#"(body_text : "last call")"#);
        assert_eq!(
            fts("f:alice@example.com"),
            r#"({from_addr from_name} : "alice@example.com")"#
        );
    }

    #[test]
    fn negation_becomes_not() {
        assert_eq!(fts("quic -http"), r#"("quic") NOT "http""#);
        assert_eq!(
            fts(r#"quic -"flow control" -s:re"#),
            r#"("quic") NOT "flow control" NOT subject : "re""#
        );
    }

    #[test]
    fn or_groups_bind_tighter_than_and() {
        assert_eq!(fts("x a OR b"), r#"("x") AND ("a" OR "b")"#);
        assert_eq!(
            fts("a OR s:b OR c d"),
            r#"("a" OR subject : "b" OR "c") AND ("d")"#
        );
    }

    #[test]
    fn quotes_are_doubled_and_operators_are_words() {
        assert_eq!(fts(r#"a"b"c"#), r#"("a b c")"#);
        let term = Term {
            field: Field::Any,
            text: "a\"b".into(),
        };
        assert_eq!(term.to_fts(), r#""a""b""#);
        assert_eq!(fts("NEAR(a b)"), r#"("NEAR(a") AND ("b)")"#);
        assert_eq!(fts("col:x"), r#"("col:x")"#);
        // Punctuation-only terms are dropped rather than sent as empty phrases.
        assert_eq!(fts("quic * ^ : -"), r#"("quic")"#);
        assert_eq!(parse("-").err(), Some(QueryError::Empty));
    }

    #[test]
    fn dates_are_utc_days_with_open_ends() {
        let q = parse("quic d:2024-01-01..2024-01-31").unwrap();
        assert_eq!(q.since, Some(1_704_067_200));
        assert_eq!(q.until, Some(1_704_067_200 + 31 * 86_400));
        let q = parse("quic d:2024-01-01..").unwrap();
        assert_eq!((q.since, q.until), (Some(1_704_067_200), None));
        let q = parse("quic d:..2024-01-01").unwrap();
        assert_eq!((q.since, q.until), (None, Some(1_704_067_200 + 86_400)));
        let q = parse("quic d:2024-01-01").unwrap();
        assert_eq!(
            (q.since, q.until),
            (Some(1_704_067_200), Some(1_704_067_200 + 86_400))
        );
        assert_eq!(q.fts(), r#"("quic")"#);
    }

    #[test]
    fn draft_names_are_phrases_of_subject_or_body() {
        assert_eq!(
            fts("draft:draft-ietf-quic-http"),
            r#"({subject body_text} : "draft-ietf-quic-http")"#
        );
        assert!(matches!(
            parse("draft:a\"b"),
            Err(QueryError::UnbalancedQuote)
        ));
        assert!(matches!(parse("draft:<x>"), Err(QueryError::BadDraft(_))));
    }

    #[test]
    fn unreadable_queries_are_typed_errors() {
        let cases: &[(&str, QueryError)] = &[
            (r#"quic "flow"#, QueryError::UnbalancedQuote),
            (
                "quic d:2024-13-01..",
                QueryError::BadDate("d:2024-13-01..".into()),
            ),
            ("quic d:2024-1-1", QueryError::BadDate("d:2024-1-1".into())),
            ("quic d:..", QueryError::BadDate("d:..".into())),
            ("", QueryError::Empty),
            ("  * ^ ", QueryError::Empty),
            ("d:2024-01-01..", QueryError::Empty),
            ("OR quic", QueryError::DanglingOr),
            ("quic OR", QueryError::DanglingOr),
            ("a OR OR b", QueryError::DanglingOr),
            ("-quic -http", QueryError::OnlyNegative),
            ("s:", QueryError::EmptyPrefix("s:".into())),
            (
                "a OR -b",
                QueryError::OrOperand("the excluded term -b".into()),
            ),
        ];
        for (q, want) in cases {
            assert_eq!(parse(q).as_ref().err(), Some(want), "{q}");
        }
        assert_eq!(parse(&"a ".repeat(600)).err(), Some(QueryError::TooLong));
    }
}
