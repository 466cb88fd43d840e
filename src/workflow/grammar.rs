//! The chair command grammar of `spec/workflow.md`: a mail's Subject and body text in, one
//! [`CommandLine`] per command out, each parsed or carrying the reason it is not.
//!
//! Pure parsing only. The grammar knows the shape of a mail (Subject, lines, `end`, signatures,
//! quotes, a `consensus` reason) and the terminals ([`Cursor`]: draft names, dates, durations,
//! quoted text); which commands exist and how each reads its arguments is handed in ([`Known`]),
//! by the command table (`workflow::commands::table`), so a command's syntax lives in its own
//! file. Who may send a command, whether it needs a confirmation token and what it does to a
//! draft are the table's business and the transition table's (`states::check`).

use std::fmt;

use super::states::{DraftNameError, State, parse_draft};

/// Why a line is not a command, as the sender reads it after `error: `. The words the sender
/// wrote are quoted back; [`fmt::Display`] bounds the text (300 bytes and `…`) so the answer
/// stays small whatever was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// An empty line where a command was expected (a blank Subject).
    Empty,
    /// The first word names no command (quoted as written, `"…"` for a quoted word).
    Unknown(String),
    /// A `"` opened and never closed.
    Unclosed,
    /// `CMD needs WHAT`: the line ended, or a required part is missing.
    Needs {
        cmd: String,
        what: String,
    },
    /// `CMD expects WHAT, not GOT` (GOT quoted as written).
    Expects {
        cmd: String,
        what: String,
        got: String,
    },
    /// `unexpected GOT after CMD`.
    Unexpected {
        cmd: String,
        got: String,
    },
    /// A quoted text over [`MAX_QUOTED`] bytes.
    TooLong {
        cmd: String,
        what: String,
        max: usize,
    },
    Draft(DraftNameError),
    NotADate(String),
    NotACalendarDate(String),
    NotAToken(String),
    UnknownState(String),
    /// `state … force` without `reason "…"`.
    ForceWithoutReason,
    /// The line after the first [`MAX_COMMANDS`].
    TooMany,
}

impl ParseError {
    fn text(&self) -> String {
        match self {
            ParseError::Empty => "empty command".to_owned(),
            ParseError::Unknown(w) => format!("unknown command '{w}'"),
            ParseError::Unclosed => "a quoted text is not closed with '\"'".to_owned(),
            ParseError::Needs { cmd, what } => format!("{cmd} needs {what}"),
            ParseError::Expects { cmd, what, got } => format!("{cmd} expects {what}, not {got}"),
            ParseError::Unexpected { cmd, got } => format!("unexpected {got} after {cmd}"),
            ParseError::TooLong { cmd, what, max } => {
                format!("{cmd} takes {what} of at most {max} bytes")
            }
            ParseError::Draft(e) => e.to_string(),
            ParseError::NotADate(s) => {
                format!("'{s}' is not a date; write YYYY-MM-DD, like 2026-12-12")
            }
            ParseError::NotACalendarDate(s) => format!("{s} is not a calendar date"),
            ParseError::NotAToken(t) => format!("'{t}' is not a confirmation token"),
            ParseError::UnknownState(slug) => {
                let all: Vec<&str> = State::ALL.iter().map(|s| s.slug()).collect();
                format!("unknown state '{slug}'; states are: {}", all.join(", "))
            }
            ParseError::ForceWithoutReason => {
                let example = "force reason \"the WG agreed at IETF 125\"";
                format!("state … force needs a reason, like: {example}")
            }
            ParseError::TooMany => format!(
                "only the first {MAX_COMMANDS} commands of a message are read; send the rest in another"
            ),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Errors quote the offending word; the answer stays small whatever was sent.
        let text = self.text();
        if text.len() > 300 {
            write!(f, "{}…", truncate(&text, 300))
        } else {
            f.write_str(&text)
        }
    }
}

impl std::error::Error for ParseError {}

impl From<DraftNameError> for ParseError {
    fn from(e: DraftNameError) -> Self {
        ParseError::Draft(e)
    }
}

/// One command as written, and what it parsed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// The line as the chair wrote it (trimmed, at most 200 bytes), echoed in the result mail.
    pub text: String,
    /// The whole line as written, which parses to the same command again (kept while a
    /// confirmation is pending).
    pub raw: String,
    /// Whether the line is a command (well formed or not) rather than prose.
    pub command: bool,
    pub result: Result<ChairCommand, ParseError>,
    /// The name of the known command that parsed it (`adoption start`); empty when it did not
    /// parse, and `confirm` for a confirmation.
    pub name: &'static str,
}

/// How a known command reads its arguments: the cursor stands after the command's name.
pub type ParseFn = fn(&mut Cursor) -> Result<ChairCommand, ParseError>;

/// A command the grammar knows: its name (one word, or a family word and a verb such as
/// `adoption start`) and the parser of its arguments.
pub trait Known {
    fn name(&self) -> &'static str;
    fn parser(&self) -> ParseFn;
}

/// A parsed chair (or IESG, or member) command. Draft fields hold the name without its revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChairCommand {
    Propose {
        title: String,
    },
    Candidate {
        draft: String,
    },
    AdoptionStart {
        /// A draft, or a proposal (`proposal-N`) a chair linked to one.
        draft: String,
        /// The revision called; `None` for a proposal, whose linked draft's revision is called.
        rev: Option<u8>,
        end: Option<End>,
    },
    AdoptionClose {
        draft: String,
        reason: Option<String>,
    },
    AdoptionCancel {
        draft: String,
        reason: String,
    },
    AdoptionExtend {
        draft: String,
        to: Date,
    },
    ReviewStart {
        draft: String,
        reviewers: u8,
    },
    WglcStart {
        draft: String,
        rev: u8,
        end: Option<End>,
    },
    WglcClose {
        draft: String,
        reason: Option<String>,
    },
    WglcCancel {
        draft: String,
        reason: String,
    },
    WglcExtend {
        draft: String,
        to: Date,
    },
    Consensus {
        draft: String,
        reached: bool,
        reason: String,
    },
    State {
        draft: String,
        to: State,
        force: bool,
        reason: Option<String>,
    },
    Pubreq {
        draft: String,
        status: IntendedStatus,
        /// The shepherd write-up: the body's lines after the command (empty when none was given;
        /// `commands::pubreq` may fill it from a text/plain attachment).
        writeup: String,
    },
    IetfLcStart {
        draft: String,
        end: Option<End>,
    },
    IetfLcClose {
        draft: String,
        reason: Option<String>,
    },
    IetfLcExtend {
        draft: String,
        to: Date,
    },
    Ballot {
        draft: String,
        position: crate::values::BallotPosition,
        reason: Option<String>,
    },
    Approve {
        draft: String,
    },
    Published {
        draft: String,
        rfc: u32,
    },
    Status {
        draft: String,
    },
    Tally {
        draft: String,
    },
    History {
        draft: String,
    },
    /// `replaces NEW OLD`: NEW (with the revision, if given) takes OLD's place.
    Replaces {
        new: String,
        rev: Option<u8>,
        old: String,
    },
    /// `proposal-N is DRAFT-NN`: the proposal becomes that draft.
    Link {
        proposal: String,
        draft: String,
        rev: u8,
    },
    Calls,
    Help,
    Confirm {
        token: String,
    },
}

/// The intended status given with `pubreq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntendedStatus {
    ProposedStandard,
    BestCurrentPractice,
    Informational,
    Experimental,
}

impl IntendedStatus {
    pub fn from_keyword(k: &str) -> Option<IntendedStatus> {
        [
            IntendedStatus::ProposedStandard,
            IntendedStatus::BestCurrentPractice,
            IntendedStatus::Informational,
            IntendedStatus::Experimental,
        ]
        .into_iter()
        .find(|s| s.keyword().eq_ignore_ascii_case(k))
    }

    pub fn keyword(self) -> &'static str {
        match self {
            IntendedStatus::ProposedStandard => "ps",
            IntendedStatus::BestCurrentPractice => "bcp",
            IntendedStatus::Informational => "info",
            IntendedStatus::Experimental => "exp",
        }
    }

    /// As in the IETF Last Call subject: "… to Proposed Standard".
    pub fn name(self) -> &'static str {
        match self {
            IntendedStatus::ProposedStandard => "Proposed Standard",
            IntendedStatus::BestCurrentPractice => "Best Current Practice",
            IntendedStatus::Informational => "Informational",
            IntendedStatus::Experimental => "Experimental",
        }
    }
}

/// When a call ends: on a date (end of that day in the list's time zone) or after a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    On(Date),
    /// `for N weeks` is stored as `7 * N` days.
    For {
        days: u16,
    },
}

/// A real calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    pub y: u16,
    pub m: u8,
    pub d: u8,
}

impl Date {
    /// `None` unless the date exists (2026-02-30 does not; 2028-02-29 does).
    pub fn new(y: u16, m: u8, d: u8) -> Option<Date> {
        let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
        let days = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (y >= 1 && (1..=days).contains(&d)).then_some(Date { y, m, d })
    }

    /// Parses exactly `4DIGIT "-" 2DIGIT "-" 2DIGIT` and checks the calendar.
    pub fn parse(s: &str) -> Result<Date, ParseError> {
        let b = s.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return Err(ParseError::NotADate(s.to_owned()));
        }
        let (y, m, d) = (
            s[0..4].parse().ok(),
            s[5..7].parse().ok(),
            s[8..10].parse().ok(),
        );
        match (y, m, d) {
            (Some(y), Some(m), Some(d)) => {
                Date::new(y, m, d).ok_or_else(|| ParseError::NotACalendarDate(s.to_owned()))
            }
            _ => Err(ParseError::NotADate(s.to_owned())),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

/// Parses a command mail (`spec/workflow.md`, "Grammar of chair commands"). Body lines are
/// commands, one per line; blank lines are skipped. Reading stops at `end`, a `-- ` signature line
/// (also `--`, as some clients strip the space), the first quoted (`>`) line, or — once a command
/// has been read — the first line that is not a command: sign-offs ("Thanks,", a name) end the
/// commands quietly, while an unknown *first* line is reported. A reason is a quoted string or the
/// rest of its own line, never the lines after it.
///
/// The Subject is read only when the body has no command (a Subject is often free text such as
/// "Re: WGLC"; it is reported only when its first word names a command), so each command is
/// answered once.
pub fn parse<K: Known>(subject: &str, body_text: &str, known: &[K]) -> Vec<CommandLine> {
    let body = parse_body(body_text, known);
    if body.iter().any(CommandLine::is_command) {
        return body;
    }
    let subject = subject.trim();
    match parse_line(subject, known) {
        Ok((name, cmd)) => vec![CommandLine::new(subject, Ok(cmd), name, true)],
        Err(e) if names_a_command(subject, known) => {
            vec![CommandLine::new(subject, Err(e), "", true)]
        }
        Err(_) => body,
    }
}

fn parse_body<K: Known>(body_text: &str, known: &[K]) -> Vec<CommandLine> {
    let mut out: Vec<CommandLine> = Vec::new();
    let lines: Vec<&str> = body_text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        i += 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if is_stop(raw) {
            break;
        }
        let parsed = parse_line(line, known);
        let command = parsed.is_ok() || names_a_command(line, known);
        if !command {
            // Prose after the commands (a sign-off, a name) ends them; prose before the first
            // command is reported once, so a mail with no command says why.
            if out.iter().any(CommandLine::is_command) {
                break;
            }
            if out.is_empty() {
                out.push(CommandLine::new(line, parsed.map(|(_, c)| c), "", false));
            }
            continue;
        }
        if out.iter().filter(|l| l.is_command()).count() == MAX_COMMANDS {
            out.push(CommandLine::new(line, Err(ParseError::TooMany), "", true));
            break;
        }
        let (result, name) = match parsed {
            Ok((name, cmd)) => (Ok(cmd), name),
            Err(e) => (Err(e), ""),
        };
        let mut raw_text = line.to_owned();
        let mut result = result;
        if let Ok(ChairCommand::Pubreq { writeup, .. }) = &mut result {
            // The shepherd write-up: every line after `pubreq` up to `end`, a signature or the
            // end of the body. It ends the commands, as a letter ends its signature.
            let (text, read) = writeup_lines(&lines[i..]);
            for l in &lines[i..i + read] {
                raw_text.push('\n');
                raw_text.push_str(l);
            }
            i += read;
            if text.len() > MAX_WRITEUP {
                result = Err(ParseError::Expects {
                    cmd: "pubreq".into(),
                    what: format!("a write-up of at most {} KiB", MAX_WRITEUP / 1024),
                    got: format!("{} KiB", text.len().div_ceil(1024)),
                });
            } else {
                *writeup = text;
            }
        }
        let name = if result.is_ok() { name } else { "" };
        let mut cl = CommandLine::new(line, result, name, true);
        cl.raw = raw_text;
        out.push(cl);
    }
    out
}

/// Whether the line's first word names a known command (or `confirm`), so an error in it is the
/// sender's mistake to be told about rather than prose.
fn names_a_command<K: Known>(line: &str, known: &[K]) -> bool {
    let first = line
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let proposal = first.starts_with("proposal-")
        && super::states::parse_entry(&first).is_ok_and(|n| n.starts_with("proposal-"));
    first == "confirm"
        || proposal
        || known
            .iter()
            .any(|k| k.name().split(' ').next() == Some(first.as_str()))
}

impl CommandLine {
    fn new(
        line: &str,
        result: Result<ChairCommand, ParseError>,
        name: &'static str,
        command: bool,
    ) -> Self {
        CommandLine {
            text: truncate(line, 200).to_owned(),
            raw: line.to_owned(),
            command,
            result,
            name,
        }
    }

    /// Whether the line is a command (well formed or not), rather than prose.
    pub fn is_command(&self) -> bool {
        self.command
    }
}

/// Longest shepherd write-up `pubreq` takes (the Datatracker's template filled in is 10–20 KiB).
pub const MAX_WRITEUP: usize = 64 * 1024;

/// The write-up after a `pubreq` line: the lines up to `end` or a signature (not included), with
/// surrounding blank lines trimmed; and how many lines were read.
pub fn writeup_lines(rest: &[&str]) -> (String, usize) {
    let end = rest
        .iter()
        .position(|l| {
            l.trim().eq_ignore_ascii_case("end")
                || l.trim_end_matches(['\r', '\n']) == "-- "
                || l.trim() == "--"
        })
        .unwrap_or(rest.len());
    let text: Vec<&str> = rest[..end].iter().map(|l| l.trim_end()).collect();
    (text.join("\n").trim_matches('\n').to_owned(), end)
}

/// Longest quoted text (a proposal's title, a forced move's reason).
const MAX_QUOTED: usize = 300;

/// Longest reason written as the rest of a line (a consensus call's or a close's reason).
const MAX_REASON: usize = 1000;

/// Commands read from one message: enough for any chair's batch, and a bound on the work and the
/// size of the answer a single message can cause.
pub const MAX_COMMANDS: usize = 50;

/// At most `max` bytes of `s`, cut at a character boundary (lines are echoed in the results).
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `end`, a signature separator or a quoted line ends the commands.
fn is_stop(raw: &str) -> bool {
    let t = raw.trim();
    t.eq_ignore_ascii_case("end")
        || raw.trim_end_matches(['\r', '\n']) == "-- "
        || t == "--"
        || t.starts_with('>')
}

/// Splits a line into words; a double-quoted run (straight or curly quotes) is one word, kept with
/// a marker so the grammar can insist on quotes where it has them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Word {
    Bare(String),
    Quoted(String),
}

fn words(line: &str) -> Result<Vec<Word>, ParseError> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' || c == '\u{201C}' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some('"' | '\u{201D}') => break,
                    Some(ch) => s.push(ch),
                    None => return Err(ParseError::Unclosed),
                }
            }
            out.push(Word::Quoted(s.trim().to_owned()));
        } else {
            let mut s = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                s.push(ch);
                chars.next();
            }
            out.push(Word::Bare(s));
        }
    }
    Ok(out)
}

/// A cursor over one line's words, with the grammar's terminals. Its errors name the command
/// (`adoption start needs …`), as the sender reads them.
pub struct Cursor {
    words: std::vec::IntoIter<Word>,
    /// The command so far, for error messages ("adoption start").
    cmd: String,
}

impl Cursor {
    pub fn next_bare(&mut self, what: &str) -> Result<String, ParseError> {
        match self.words.next() {
            Some(Word::Bare(w)) => Ok(w),
            Some(Word::Quoted(q)) => Err(self.expects(what, &format!("\"{q}\""))),
            None => Err(self.needs(what)),
        }
    }

    /// `CMD needs WHAT`, for this command.
    pub fn needs(&self, what: &str) -> ParseError {
        ParseError::Needs {
            cmd: self.cmd.clone(),
            what: what.to_owned(),
        }
    }

    /// `CMD expects WHAT, not GOT`, for this command; `got` is quoted as the caller wants it.
    pub fn expects(&self, what: &str, got: &str) -> ParseError {
        ParseError::Expects {
            cmd: self.cmd.clone(),
            what: what.to_owned(),
            got: got.to_owned(),
        }
    }

    /// Steps over the next word (one [`Cursor::peek_keyword`] showed).
    pub fn skip(&mut self) {
        self.words.next();
    }

    /// The next word, lower-cased, if there is one.
    pub fn peek_keyword(&self) -> Option<String> {
        match self.words.as_slice().first() {
            Some(Word::Bare(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    pub fn keyword(&mut self, kw: &str) -> Result<(), ParseError> {
        let w = self.next_bare(&format!("'{kw}'"))?;
        if w.eq_ignore_ascii_case(kw) {
            Ok(())
        } else {
            Err(self.expects(&format!("'{kw}'"), &format!("'{w}'")))
        }
    }

    pub fn quoted(&mut self, what: &str, example: &str) -> Result<String, ParseError> {
        match self.words.next() {
            Some(Word::Quoted(q)) if q.len() > MAX_QUOTED => Err(ParseError::TooLong {
                cmd: self.cmd.clone(),
                what: what.to_owned(),
                max: MAX_QUOTED,
            }),
            Some(Word::Quoted(q)) if !q.is_empty() => Ok(q),
            Some(Word::Quoted(_)) => Err(self.needs(&format!("{what} that is not empty"))),
            _ => Err(self.needs(&format!("{what} in double quotes, like {example}"))),
        }
    }

    /// `draft`: a name, a revision (if given) is dropped since the command is about the draft.
    pub fn draft(&mut self) -> Result<String, ParseError> {
        let w = self.next_bare("a draft name, like draft-smith-quic-foo")?;
        Ok(parse_draft(&w)?.name)
    }

    /// A draft name or a proposal's registry name (`proposal-3`), for commands that read or
    /// move any entry of the registry.
    pub fn entry(&mut self) -> Result<String, ParseError> {
        let w = self.next_bare("a draft name, like draft-smith-quic-foo")?;
        Ok(super::states::parse_entry(&w)?)
    }

    /// A draft name with its revision if one is given (`draft-x-05` or `draft-x`), or a proposal:
    /// for commands that may also record the revision they act on.
    pub fn entry_with_rev(&mut self) -> Result<String, ParseError> {
        let w = self.next_bare("a draft name, like draft-smith-quic-foo-05")?;
        match parse_draft(&w) {
            Ok(d) => Ok(d.to_string()),
            Err(e) => super::states::parse_entry(&w).map_err(|_| e.into()),
        }
    }

    /// `draft-rev`: a name with its two-digit revision.
    pub fn draft_rev(&mut self) -> Result<(String, u8), ParseError> {
        let need = self.needs("a draft with its revision, like draft-smith-quic-foo-03");
        let w = match self.words.next() {
            Some(Word::Bare(w)) => w,
            _ => return Err(need),
        };
        let d = parse_draft(&w)?;
        d.rev.map(|rev| (d.name, rev)).ok_or(need)
    }

    pub fn number<N: std::str::FromStr>(
        &mut self,
        what: &str,
        max_digits: usize,
    ) -> Result<N, ParseError> {
        let w = self.next_bare(what)?;
        if w.is_empty() || w.len() > max_digits || !w.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.expects(what, &format!("'{w}'")));
        }
        w.parse().map_err(|_| self.expects(what, &format!("'{w}'")))
    }

    pub fn date(&mut self) -> Result<Date, ParseError> {
        let w = self.next_bare("a date (YYYY-MM-DD)")?;
        Date::parse(&w)
    }

    /// `[SP end]`: `ends DATE` or `for N week(s)|day(s)`.
    pub fn optional_end(&mut self) -> Result<Option<End>, ParseError> {
        match self.peek_keyword().as_deref() {
            None => Ok(None),
            Some("ends") => {
                self.words.next();
                Ok(Some(End::On(self.date()?)))
            }
            Some("for") => {
                self.words.next();
                let n: u16 = self.number("a number of weeks or days", 2)?;
                let unit = self.next_bare("'weeks' or 'days'")?.to_ascii_lowercase();
                let days = match unit.as_str() {
                    "week" | "weeks" => n * 7,
                    "day" | "days" => n,
                    _ => return Err(self.expects("'weeks' or 'days'", &format!("'{unit}'"))),
                };
                if days == 0 {
                    return Err(self.needs("a duration of at least one day"));
                }
                Ok(Some(End::For { days }))
            }
            Some(other) => {
                Err(self.expects("'ends YYYY-MM-DD' or 'for N weeks'", &format!("'{other}'")))
            }
        }
    }

    /// `[SP reason]`: `reason "…"`, or the rest of the line (with or without the word `reason`);
    /// `None` when the line ends here. A reason never spans lines.
    pub fn optional_reason(&mut self) -> Result<Option<String>, ParseError> {
        if self.words.as_slice().is_empty() {
            return Ok(None);
        }
        if self.peek_keyword().as_deref() == Some("reason") {
            self.words.next();
            if let [Word::Quoted(_)] = self.words.as_slice() {
                return self
                    .quoted("a reason", "\"the WG agreed at IETF 125\"")
                    .map(Some);
            }
        }
        let rest: Vec<String> = self
            .words
            .by_ref()
            .map(|w| match w {
                Word::Bare(w) => w,
                Word::Quoted(q) => format!("\"{q}\""),
            })
            .collect();
        let reason = rest.join(" ");
        if reason.is_empty() {
            return Err(self.needs("a reason after 'reason'"));
        }
        if reason.len() > MAX_REASON {
            return Err(ParseError::TooLong {
                cmd: self.cmd.clone(),
                what: "a reason".to_owned(),
                max: MAX_REASON,
            });
        }
        Ok(Some(reason))
    }

    /// `SP reason`, required.
    pub fn reason(&mut self) -> Result<String, ParseError> {
        match self.optional_reason()? {
            Some(r) => Ok(r),
            None => Err(self.needs("a reason, like: reason \"the authors asked for it\"")),
        }
    }

    /// Nothing may follow a complete command.
    pub fn finish(mut self, cmd: ChairCommand) -> Result<ChairCommand, ParseError> {
        let got = match self.words.next() {
            None => return Ok(cmd),
            Some(Word::Bare(w)) => format!("'{w}'"),
            Some(Word::Quoted(q)) => format!("\"{q}\""),
        };
        Err(ParseError::Unexpected { cmd: self.cmd, got })
    }
}

/// The name of the row that reads `proposal-N is DRAFT-NN` (a line whose first word is a
/// proposal).
pub const PROPOSAL_ROW: &str = "proposal-N";

/// Parses one line (without a `consensus` reason, which `parse` gathers from the following
/// lines) into the name of the known command and the command.
fn parse_line<K: Known>(
    line: &str,
    known: &[K],
) -> Result<(&'static str, ChairCommand), ParseError> {
    let mut ws = words(line)?;
    let first = match ws.first() {
        Some(Word::Bare(w)) => w.to_ascii_lowercase(),
        Some(Word::Quoted(q)) => return Err(ParseError::Unknown(format!("\"{q}\""))),
        None => return Err(ParseError::Empty),
    };
    // `proposal-N is DRAFT-NN` starts with its subject rather than a keyword: its row is named
    // `proposal-N`, and its parser reads the proposal's name itself.
    let is_proposal = first.starts_with("proposal-")
        && super::states::parse_entry(&first).is_ok_and(|n| n.starts_with("proposal-"));
    let (key, rest) = if is_proposal {
        (PROPOSAL_ROW.to_owned(), ws)
    } else {
        (first.clone(), ws.split_off(1))
    };
    let mut c = Cursor {
        words: rest.into_iter(),
        cmd: first.clone(),
    };
    let first = key;
    // `confirm TOKEN` answers a command rather than being one; the grammar knows it itself.
    if first == "confirm" {
        let token = c.next_bare("a token")?;
        let ok = (1..=64).contains(&token.len())
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(ParseError::NotAToken(token));
        }
        return c
            .finish(ChairCommand::Confirm { token })
            .map(|cmd| ("confirm", cmd));
    }
    let family: Vec<&K> = known
        .iter()
        .filter(|k| k.name().split(' ').next() == Some(first.as_str()))
        .collect();
    let row = match family.as_slice() {
        [] => return Err(ParseError::Unknown(first)),
        [one] => match one.name().split_once(' ') {
            None => *one,
            Some((_, verb)) => {
                c.keyword(verb)?;
                c.cmd = one.name().to_owned();
                *one
            }
        },
        several => {
            let verbs: Vec<String> = several
                .iter()
                .filter_map(|k| k.name().split_once(' ').map(|(_, v)| format!("'{v}'")))
                .collect();
            let choices = match verbs.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                _ => verbs.join(""),
            };
            let verb = c.next_bare(&choices)?.to_ascii_lowercase();
            c.cmd = format!("{first} {verb}");
            match several
                .iter()
                .find(|k| k.name().split_once(' ').map(|(_, v)| v) == Some(verb.as_str()))
            {
                Some(k) => *k,
                None => {
                    c.cmd = first;
                    return Err(c.expects(&choices, &format!("'{verb}'")));
                }
            }
        }
    };
    let cmd = (row.parser())(&mut c)?;
    c.finish(cmd).map(|cmd| (row.name(), cmd))
}
