//! Reading and writing Unix mailbox files, the interchange format of list archives.
//!
//! [`MboxReader`] streams messages out of an mbox one at a time (archives are
//! gigabytes; only the message in hand is held in memory). It reads mboxrd and tolerates
//! the dialects that real archives are written in: mboxo, mboxcl/mboxcl2 (whose
//! `Content-Length:` is ignored, because it is routinely wrong after a message was edited
//! or re-encoded), Mailman 2 pipermail exports (`From alice at example.com  Mon Jan ...`),
//! MMDF (messages between lines of four `^A`), CRLF or LF line ends, a missing final
//! newline, and garbage before the first message. [`write_mboxrd`] appends one message in
//! mboxrd form, which the reader reads back unchanged apart from CRLF becoming LF and a
//! final newline being added to a message that lacked one.
//!
//! This module owns the file format only: it never parses headers beyond recognising a
//! header-shaped line, and it never touches the message bytes except to undo (or apply)
//! the one level of `>From ` quoting that mboxrd adds.
//!
//! # Which `From ` lines separate messages
//!
//! A line starting with `From ` is a separator only when all of these hold:
//!
//! 1. It starts the file, follows an empty line, or comes before any message (leading
//!    garbage). Every mbox in the shared corpus (Apache ezmlm exports, Mailman pipermail,
//!    LISTSERV, Dovecot fixtures, IETF mail archive tests, the fedora-devel pipermail
//!    month) puts an empty line before each separator, and requiring it keeps the
//!    unquoted `From ` body lines of mboxo/mboxcl files that follow a text line where they
//!    belong.
//! 2. It carries a date: either the full `ctime` form `Www Mmm dd hh:mm[:ss]` anywhere
//!    after the sender (pipermail's multi-word `user at host` sender and a trailing
//!    timezone or `remote from` are fine), or at least a time of day `hh:mm` *and* the
//!    next line is a header field, an empty line (Dovecot's header-less test messages),
//!    a `>From ` UUCP line, or the end of the file. Body prose such as "From 9:00 we meet"
//!    or "From my perspective" therefore stays in the body even in unquoted dialects.
//!
//! Outside an mbox message, a line of exactly `\x01\x01\x01\x01` opens an MMDF message
//! and the next such line closes it; MMDF messages are taken verbatim (no `>From`
//! unquoting, no `From ` separators inside).
//!
//! Known limitation: mboxo quoting is lossy, so an mboxo body line that really was
//! `>From ` is read back as `From `. And an unquoted, dated `From ` line after an empty
//! line, such as a `git format-patch` attachment pasted into an mboxcl body, still splits
//! the message; no heuristic can tell it from a real separator.

use std::io::{self, BufRead, Write};

use crate::clock::civil_from_days;

/// Line that opens and closes an MMDF message.
const MMDF_DELIMITER: &[u8] = b"\x01\x01\x01\x01";

/// Weekday names as `ctime` writes them, indexed from Sunday.
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Month names as `ctime` writes them, indexed from January.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Envelope sender written when the caller has none (the null reverse path `<>`), as
/// sendmail and Python's `mailbox` do.
const NULL_SENDER: &str = "MAILER-DAEMON";

/// One message read from a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MboxMessage {
    /// The sender named on the `From ` separator line, without the date that follows it
    /// (`alice@example.com`, or pipermail's `alice at example.com` verbatim). `None` for
    /// MMDF messages, which have no separator line.
    pub envelope_from: Option<String>,
    /// The message exactly as stored (LF or CRLF kept as in the file), minus the separator
    /// line, the empty line that ends each message, and one level of mboxrd `>From ` quoting.
    pub raw: Vec<u8>,
}

/// Streaming iterator over the messages of an mbox or MMDF file.
///
/// Wrap files in a `BufReader`; only the current message and one line of look-ahead are
/// held in memory. After an I/O error the iterator yields that error and then ends.
pub struct MboxReader<R: BufRead> {
    /// Where the bytes come from.
    input: R,
    /// A line read ahead to decide whether the line before it is a separator; it is
    /// processed next.
    pending: Option<Vec<u8>>,
    /// Where we are in the file; owns the message being accumulated.
    state: State,
}

/// The reader's position in the file. Each variant owns the message in progress, so a
/// message can only be in one place.
enum State {
    /// Before the first message or between MMDF messages: lines here belong to no message.
    Outside,
    /// Inside a message opened by a `From ` separator line.
    Mbox {
        msg: MboxMessage,
        /// Whether the last line added was empty, which lets a `From ` line separate.
        after_empty_line: bool,
    },
    /// Inside a message opened by an MMDF delimiter line.
    Mmdf { msg: MboxMessage },
    /// End of input reached, or an I/O error was reported.
    Done,
}

impl<R: BufRead> MboxReader<R> {
    /// Reads messages from `input`, which may start with garbage and may be empty.
    pub fn new(input: R) -> Self {
        MboxReader {
            input,
            pending: None,
            state: State::Outside,
        }
    }

    /// The next line including its terminator, or `None` at end of input.
    fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        if let Some(line) = self.pending.take() {
            return Ok(Some(line));
        }
        let mut line = Vec::new();
        if self.input.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line))
    }

    /// Decides whether `line` (known to start with `From `) separates messages, reading
    /// one line ahead when the line itself is not conclusive.
    fn is_separator(&mut self, line: &[u8]) -> io::Result<bool> {
        match from_line_shape(line) {
            FromLineShape::Envelope => Ok(true),
            FromLineShape::Prose => Ok(false),
            FromLineShape::TimeOnly => {
                let next = self.next_line()?;
                let decided = next.as_deref().is_none_or(begins_message);
                self.pending = next;
                Ok(decided)
            }
        }
    }

    /// Advances the state machine by one line; returns a message when one is complete.
    fn step(&mut self, line: Vec<u8>) -> io::Result<Option<MboxMessage>> {
        let state = std::mem::replace(&mut self.state, State::Done);
        let (next, finished) = match state {
            State::Outside => {
                if is_mmdf_delimiter(&line) {
                    (
                        State::Mmdf {
                            msg: MboxMessage::default(),
                        },
                        None,
                    )
                } else if line.starts_with(b"From ") && self.is_separator(&line)? {
                    (start_mbox_message(&line), None)
                } else {
                    (State::Outside, None)
                }
            }
            State::Mbox {
                mut msg,
                after_empty_line,
            } => {
                if after_empty_line && line.starts_with(b"From ") && self.is_separator(&line)? {
                    strip_separating_empty_line(&mut msg.raw);
                    (start_mbox_message(&line), Some(msg))
                } else {
                    let empty = is_empty_line(&line);
                    msg.raw.extend_from_slice(unquote_from(&line));
                    (
                        State::Mbox {
                            msg,
                            after_empty_line: empty,
                        },
                        None,
                    )
                }
            }
            State::Mmdf { mut msg } => {
                if is_mmdf_delimiter(&line) {
                    strip_separating_empty_line(&mut msg.raw);
                    (State::Outside, Some(msg))
                } else {
                    msg.raw.extend_from_slice(&line);
                    (State::Mmdf { msg }, None)
                }
            }
            State::Done => (State::Done, None),
        };
        self.state = next;
        Ok(finished)
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if matches!(self.state, State::Done) {
                return None;
            }
            let line = match self.next_line() {
                Ok(line) => line,
                Err(e) => {
                    self.state = State::Done;
                    return Some(Err(e));
                }
            };
            let Some(line) = line else {
                // End of input completes the message in hand; an unterminated MMDF
                // message is kept rather than dropped.
                return match std::mem::replace(&mut self.state, State::Done) {
                    State::Mbox { mut msg, .. } | State::Mmdf { mut msg } => {
                        strip_separating_empty_line(&mut msg.raw);
                        Some(Ok(msg))
                    }
                    State::Outside | State::Done => None,
                };
            };
            match self.step(line) {
                Ok(Some(msg)) => return Some(Ok(msg)),
                Ok(None) => {}
                Err(e) => {
                    self.state = State::Done;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Appends one message to an mbox in mboxrd form: a `From <sender> <ctime date>` line,
/// the message with CRLF turned into LF and every `>*From ` line quoted with one more `>`,
/// a final newline if the message lacked one, then the empty line that ends it.
///
/// `envelope_from` is written as given, except that an empty sender becomes
/// `MAILER-DAEMON` and control characters (which would break the line) become `_`.
/// `date_unix` is seconds since the Unix epoch, written in UTC. Pass a buffered writer;
/// the message is written line by line.
pub fn write_mboxrd<W: Write>(
    w: &mut W,
    envelope_from: &str,
    date_unix: i64,
    raw: &[u8],
) -> io::Result<()> {
    let sender: String = envelope_from
        .trim()
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    let sender = if sender.is_empty() {
        NULL_SENDER
    } else {
        sender.as_str()
    };
    writeln!(w, "From {sender} {}", asctime_utc(date_unix))?;

    let mut rest = raw;
    while !rest.is_empty() {
        let (line, after) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if needs_from_quoting(line) {
            w.write_all(b">")?;
        }
        w.write_all(line)?;
        w.write_all(b"\n")?;
        rest = after;
    }
    w.write_all(b"\n")
}

/// Appends one archived message exactly as `wgmail archive export` writes it: the envelope
/// sender is the From address and the date is when the list received it. The CLI and the web
/// archive's mbox downloads share this, so both give the same bytes for the same messages.
pub fn write_archived<W: Write>(w: &mut W, m: &crate::store::ArchivedMessage) -> io::Result<()> {
    write_mboxrd(w, &m.from_addr, m.received_at, &m.raw)
}

/// Formats a Unix time as C `asctime` does, in UTC: `Thu Nov  1 11:19:12 2001`.
fn asctime_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[(days + 4).rem_euclid(7) as usize];
    let month = MONTHS[(month - 1) as usize];
    format!(
        "{weekday} {month} {day:>2} {:02}:{:02}:{:02} {year}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// What a line starting with `From ` looks like, judged from the line alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FromLineShape {
    /// Carries a `ctime` date: a separator wherever a separator may stand.
    Envelope,
    /// Carries a time of day but no `ctime` date: a separator only if a message follows.
    TimeOnly,
    /// No date at all: body text.
    Prose,
}

/// Classifies a `From ` line by the date it carries; see the module documentation.
fn from_line_shape(line: &[u8]) -> FromLineShape {
    let text = String::from_utf8_lossy(line);
    let tokens: Vec<&str> = text.split_ascii_whitespace().collect();
    // tokens[0] is "From" and tokens[1] at least the start of the sender.
    if ctime_date_start(&tokens).is_some() {
        FromLineShape::Envelope
    } else if tokens.iter().skip(2).any(|t| is_time_of_day(t)) {
        FromLineShape::TimeOnly
    } else {
        FromLineShape::Prose
    }
}

/// Index of the token that starts a `Www Mmm dd hh:mm` date, searching after the sender.
fn ctime_date_start(tokens: &[&str]) -> Option<usize> {
    (2..tokens.len()).find(|&i| {
        tokens.len() > i + 3
            && WEEKDAYS.contains(&tokens[i])
            && MONTHS.contains(&tokens[i + 1])
            && tokens[i + 2].len() <= 2
            && tokens[i + 2].bytes().all(|b| b.is_ascii_digit())
            && is_time_of_day(tokens[i + 3])
    })
}

/// `h:mm`, `hh:mm` or `hh:mm:ss`.
fn is_time_of_day(token: &str) -> bool {
    let mut parts = token.split(':');
    let hour = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    digits(hour, 1, 2) && matches!(rest.len(), 1 | 2) && rest.iter().all(|p| digits(p, 2, 2))
}

/// The sender on a separator line: the text between `From ` and the date, trimmed.
fn envelope_sender(line: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    let tokens: Vec<&str> = text.split_ascii_whitespace().collect();
    let sender = match ctime_date_start(&tokens) {
        // Everything up to the date, since the sender may contain spaces (pipermail).
        // The tokens borrow from `text`, so the date's offset is a pointer difference.
        Some(date_index) => {
            let date_offset = tokens[date_index].as_ptr() as usize - text.as_ptr() as usize;
            text.get("From ".len()..date_offset).unwrap_or("").trim()
        }
        None => tokens.get(1).copied().unwrap_or(""),
    };
    (!sender.is_empty()).then(|| sender.to_owned())
}

/// Whether a line read after a dated `From ` line shows that a message starts there.
fn begins_message(line: &[u8]) -> bool {
    is_empty_line(line) || line.starts_with(b">From ") || is_header_field(line)
}

/// `Name:` with a name of printable ASCII other than the colon (RFC 5322 `ftext`),
/// allowing the obsolete whitespace before the colon.
fn is_header_field(line: &[u8]) -> bool {
    let name_len = line
        .iter()
        .take_while(|&&b| (b'!'..=b'~').contains(&b) && b != b':')
        .count();
    name_len > 0 && line[name_len..].iter().find(|&&b| b != b' ' && b != b'\t') == Some(&b':')
}

/// An empty line, LF or CRLF.
fn is_empty_line(line: &[u8]) -> bool {
    line == b"\n" || line == b"\r\n"
}

/// Exactly the MMDF delimiter, with or without a line end.
fn is_mmdf_delimiter(line: &[u8]) -> bool {
    let content = line.strip_suffix(b"\n").unwrap_or(line);
    let content = content.strip_suffix(b"\r").unwrap_or(content);
    content == MMDF_DELIMITER
}

/// A new mbox message opened by a separator line.
fn start_mbox_message(line: &[u8]) -> State {
    State::Mbox {
        msg: MboxMessage {
            envelope_from: envelope_sender(line),
            raw: Vec::new(),
        },
        after_empty_line: false,
    }
}

/// Whether mboxrd quotes this line: it matches `^>*From `.
fn needs_from_quoting(line: &[u8]) -> bool {
    let quotes = line.iter().take_while(|&&b| b == b'>').count();
    line[quotes..].starts_with(b"From ")
}

/// Removes one level of mboxrd quoting from a `^>+From ` line.
fn unquote_from(line: &[u8]) -> &[u8] {
    if line.first() == Some(&b'>') && needs_from_quoting(line) {
        &line[1..]
    } else {
        line
    }
}

/// Drops the empty line that mbox writers put after each message, if it is there.
fn strip_separating_empty_line(raw: &mut Vec<u8>) {
    let blank = if raw.ends_with(b"\r\n") {
        2
    } else if raw.ends_with(b"\n") {
        1
    } else {
        return;
    };
    let before = raw.len() - blank;
    if before == 0 || raw[before - 1] == b'\n' {
        raw.truncate(before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asctime_matches_known_dates() {
        let cases = [
            (0, "Thu Jan  1 00:00:00 1970"),
            (1_004_613_552, "Thu Nov  1 11:19:12 2001"),
            (951_782_400, "Tue Feb 29 00:00:00 2000"),
            (-1, "Wed Dec 31 23:59:59 1969"),
            (4_102_444_800, "Fri Jan  1 00:00:00 2100"),
            (1_709_164_800, "Thu Feb 29 00:00:00 2024"),
            (-2_203_891_200, "Thu Mar  1 00:00:00 1900"),
            (253_402_300_799, "Fri Dec 31 23:59:59 9999"),
            (253_402_300_800, "Sat Jan  1 00:00:00 10000"),
            (-62_135_596_801, "Sun Dec 31 23:59:59 0"),
            (i64::MIN, "Sun Jan 27 08:29:52 -292277022657"),
        ];
        for (unix, expected) in cases {
            assert_eq!(asctime_utc(unix), expected, "unix time {unix}");
        }
    }

    #[test]
    fn from_line_shapes() {
        let cases: [(&[u8], FromLineShape); 8] = [
            (
                b"From alice@example.com Thu Nov  1 11:19:12 2001\n",
                FromLineShape::Envelope,
            ),
            (
                b"From jjl at pobox.com  Thu Nov  1 11:19:12 2001\n",
                FromLineShape::Envelope,
            ),
            (
                b"From - Mon Jan 01 00:00:00 2001\r\n",
                FromLineShape::Envelope,
            ),
            (
                b"From u@d  Fri Feb 22 23:00:00 2008 +0200\n",
                FromLineShape::Envelope,
            ),
            (
                b"From u@d Thu, 1 Nov 2001 11:19:12 +0100\n",
                FromLineShape::TimeOnly,
            ),
            (b"From 9:00 to 10:30 we meet\n", FromLineShape::TimeOnly),
            (b"From my perspective this is fine\n", FromLineShape::Prose),
            (b"From Mon Jan 1\n", FromLineShape::Prose),
        ];
        for (line, expected) in cases {
            assert_eq!(
                from_line_shape(line),
                expected,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn envelope_sender_cuts_before_the_date() {
        let cases: [(&[u8], Option<&str>); 5] = [
            (
                b"From alice@example.com Thu Nov  1 11:19:12 2001\n",
                Some("alice@example.com"),
            ),
            (
                b"From jjl at pobox.com  Thu Nov  1 11:19:12 2001\n",
                Some("jjl at pobox.com"),
            ),
            (b"From - Mon Jan 01 00:00:00 2001\r\n", Some("-")),
            (b"From u@d Thu, 1 Nov 2001 11:19:12 +0100\n", Some("u@d")),
            (b"From Mon Mon Jan  1 00:00:00 2001\n", Some("Mon")),
        ];
        for (line, expected) in cases {
            assert_eq!(envelope_sender(line).as_deref(), expected);
        }
    }
}
