//! The DATA receiver: finds the end of the message text (CRLF "." CRLF and nothing else) and undoes
//! dot-stuffing (RFC 5321 §4.5.2). The same receiver drives the too-large sink by writing into
//! [`Discard`], so a message over the limit is read to its real end before the 552.
//!
//! Why not smtp-proto's `DataReceiver` (0.2.5), whose grammar we otherwise use: two concrete defects.
//! 1. It ends the data on CRLF "." CR CR LF (any run of CRs after the dot), which is not the
//!    terminator: a relay that passes the line through unchanged sees one message where it would
//!    see two — the SMTP smuggling pattern. Test: `cr_runs_after_the_dot_do_not_end_data`.
//! 2. It does not treat the first line of the text as a line start, so a message whose first line
//!    is stuffed (`..x`) keeps both dots and an empty message (`.` CRLF right after 354) never ends.
//!    Test: `the_first_line_is_a_line_start`.
//!
//! Bare LF and bare CR are ordinary text bytes here: they never start a line, so `\n.\n`, `\n.\r\n`,
//! `\r\n.\n` and `\r.\r` stay inside the message.

/// Where the byte stream is relative to line starts and a possible terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Just after CRLF (or at the very start of the text).
    LineStart,
    /// Inside a line.
    Text,
    /// Inside a line, just after a CR that may begin a CRLF.
    Cr,
    /// A line began with ".": it is dropped (unstuffing) unless CRLF follows, which ends the data.
    Dot,
    /// A line began with "." CR: LF ends the data; anything else means the CR was text.
    DotCr,
}

/// Where the message bytes go.
pub(super) trait Sink {
    fn push(&mut self, byte: u8);
    fn extend(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn push(&mut self, byte: u8) {
        Vec::push(self, byte);
    }

    fn extend(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// The sink of the too-large state: reads to the terminator, keeps nothing.
pub(super) struct Discard;

impl Sink for Discard {
    fn push(&mut self, _: u8) {}

    fn extend(&mut self, _: &[u8]) {}
}

/// Incremental receiver for one message text; input may arrive in any split.
#[derive(Debug, Clone)]
pub(super) struct DotReceiver {
    position: Position,
}

impl DotReceiver {
    /// A receiver for the text that follows the 354: the CRLF of the DATA line counts as the line
    /// end before the first line.
    pub(super) fn new() -> Self {
        DotReceiver {
            position: Position::LineStart,
        }
    }

    /// Feeds `input` and writes the unstuffed text to `sink`. Returns how many bytes were consumed
    /// and whether the terminator was among them; it stops right after the terminator, so the rest
    /// of `input` is the next pipelined command. The text keeps the CRLF that precedes the
    /// terminating dot, as the last line's end.
    pub(super) fn ingest(&mut self, input: &[u8], sink: &mut impl Sink) -> (usize, bool) {
        let mut i = 0;
        while i < input.len() {
            if self.position == Position::Text {
                // Fast path: copy plain text up to the next CR in one go.
                let run = input[i..]
                    .iter()
                    .position(|&b| b == b'\r')
                    .unwrap_or(input.len() - i);
                sink.extend(&input[i..i + run]);
                i += run;
                if i == input.len() {
                    break;
                }
            }
            let byte = input[i];
            i += 1;
            self.position = match (self.position, byte) {
                (Position::LineStart, b'.') => Position::Dot,
                (Position::Dot, b'\r') => Position::DotCr,
                (Position::DotCr, b'\n') => {
                    self.position = Position::LineStart;
                    return (i, true);
                }
                (Position::DotCr, _) => {
                    sink.push(b'\r');
                    text(byte, sink)
                }
                (Position::Cr, b'\n') => {
                    sink.push(b'\n');
                    Position::LineStart
                }
                (Position::LineStart | Position::Text | Position::Cr | Position::Dot, _) => {
                    text(byte, sink)
                }
            };
        }
        (i, false)
    }
}

/// An ordinary text byte: kept, and a CR may begin a line end.
fn text(byte: u8, sink: &mut impl Sink) -> Position {
    sink.push(byte);
    if byte == b'\r' {
        Position::Cr
    } else {
        Position::Text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds the chunks in order; returns the text and the unconsumed rest once the end is seen.
    fn run(chunks: &[&[u8]]) -> Option<(Vec<u8>, Vec<u8>)> {
        let mut r = DotReceiver::new();
        let mut text = Vec::new();
        for (n, chunk) in chunks.iter().enumerate() {
            let (used, done) = r.ingest(chunk, &mut text);
            if done {
                let mut rest = chunk[used..].to_vec();
                for later in &chunks[n + 1..] {
                    rest.extend_from_slice(later);
                }
                return Some((text, rest));
            }
            assert_eq!(used, chunk.len());
        }
        None
    }

    #[test]
    fn ends_on_crlf_dot_crlf_in_any_split() {
        let whole = b"Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n";
        for cut in 0..whole.len() {
            let (text, rest) = run(&[&whole[..cut], &whole[cut..]]).expect("ends");
            assert_eq!(text, b"Subject: x\r\n\r\nhi\r\n");
            assert_eq!(rest, b"QUIT\r\n");
        }
        let bytes: Vec<&[u8]> = whole.chunks(1).collect();
        assert_eq!(run(&bytes).expect("ends").0, b"Subject: x\r\n\r\nhi\r\n");
    }

    #[test]
    fn unstuffs_leading_dots() {
        let (text, _) = run(&[b"a\r\n..b\r\n...\r\n.\r\n"]).expect("ends");
        assert_eq!(text, b"a\r\n.b\r\n..\r\n");
    }

    #[test]
    fn the_first_line_is_a_line_start() {
        assert_eq!(run(&[b".\r\n"]).expect("empty message ends").0, b"");
        assert_eq!(run(&[b"..x\r\n.\r\n"]).expect("ends").0, b".x\r\n");
    }

    #[test]
    fn bare_lf_and_bare_cr_never_end_data() {
        for attempt in [
            &b"a\n.\nb"[..],
            b"a\n.\r\nb",
            b"a\r\n.\nb",
            b"a\r.\rb",
            b"a\r.\r\nb",
        ] {
            assert!(run(&[attempt]).is_none(), "{attempt:?} ended the data");
        }
        let (text, _) = run(&[b"a\n.\r\nMAIL FROM:<x@y>\r\n.\r\n"]).expect("ends");
        assert_eq!(text, b"a\n.\r\nMAIL FROM:<x@y>\r\n");
    }

    #[test]
    fn cr_runs_after_the_dot_do_not_end_data() {
        assert!(run(&[b"a\r\n.\r\r\nMAIL FROM:<x@y>\r\n"]).is_none());
        let (text, _) = run(&[b"a\r\n.\r", b"\r\nb\r\n.\r\n"]).expect("ends");
        assert_eq!(text, b"a\r\n\r\r\nb\r\n");
    }

    #[test]
    fn discard_finds_the_same_end() {
        let mut r = DotReceiver::new();
        assert_eq!(r.ingest(b"x\r\n.\r\nNOOP\r\n", &mut Discard), (6, true));
    }
}
