//! Command-line framing: splits the input into command lines of at most 1000 octets and swallows an
//! over-long line to its end, so the session never loses sync with the client.
//!
//! Why not smtp-proto's `RequestReceiver`: it allows 4096 octets, parses a complete line of any
//! length without a limit, and when a line is too long it reports `ResponseTooLong` but does not skip
//! the rest of that line, so the tail of an over-long line is then parsed as a fresh command (an
//! attacker can place `RCPT TO:<…>` past the cut). Framing here and handing each complete line to
//! `Request::parse` keeps smtp-proto's grammar and fixes the framing.

/// RFC 5321 §4.5.3.1.4/§4.5.3.1.6: 1000 octets including the CRLF.
pub(super) const MAX_COMMAND_LINE: usize = 1000;

/// What the next input bytes belong to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum CommandReceiver {
    /// The start or middle of a command line within the limit.
    #[default]
    Line,
    /// The rest of a line that already passed the limit: discarded up to its LF.
    TooLong,
}

/// One framing step's result.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Frame<'a> {
    /// A complete command line, LF included (a bare LF also ends a command line, as in most MTAs:
    /// smuggling concerns only the end of DATA, which `dot` handles strictly).
    Line(&'a [u8]),
    /// An over-long line has now ended: reply `500 5.5.2`.
    TooLong,
    /// No complete line yet: read more.
    Incomplete,
}

impl CommandReceiver {
    /// Looks at `input` and returns how many bytes it consumed and what they made.
    pub(super) fn frame<'a>(&mut self, input: &'a [u8]) -> (usize, Frame<'a>) {
        match self {
            CommandReceiver::Line => {
                let window = &input[..input.len().min(MAX_COMMAND_LINE)];
                match window.iter().position(|&b| b == b'\n') {
                    Some(end) => (end + 1, Frame::Line(&input[..=end])),
                    None if input.len() >= MAX_COMMAND_LINE => {
                        *self = CommandReceiver::TooLong;
                        self.swallow(input)
                    }
                    None => (0, Frame::Incomplete),
                }
            }
            CommandReceiver::TooLong => self.swallow(input),
        }
    }

    /// The sink: discards up to and including the LF that ends the over-long line.
    fn swallow<'a>(&mut self, input: &'a [u8]) -> (usize, Frame<'a>) {
        match input.iter().position(|&b| b == b'\n') {
            Some(end) => {
                *self = CommandReceiver::Line;
                (end + 1, Frame::TooLong)
            }
            None => (input.len(), Frame::Incomplete),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_lines_and_waits_for_more() {
        let mut r = CommandReceiver::default();
        assert_eq!(r.frame(b"NOOP\r\nQUIT"), (6, Frame::Line(b"NOOP\r\n")));
        assert_eq!(r.frame(b"QUIT"), (0, Frame::Incomplete));
    }

    #[test]
    fn exactly_1000_octets_is_allowed_1001_is_not() {
        let mut ok = vec![b'x'; MAX_COMMAND_LINE - 2];
        ok.extend_from_slice(b"\r\n");
        let mut r = CommandReceiver::default();
        assert_eq!(r.frame(&ok).0, MAX_COMMAND_LINE);

        let mut long = vec![b'x'; MAX_COMMAND_LINE - 1];
        long.extend_from_slice(b"\r\nQUIT\r\n");
        assert_eq!(r.frame(&long), (MAX_COMMAND_LINE + 1, Frame::TooLong));
        assert_eq!(r, CommandReceiver::Line);
    }

    #[test]
    fn the_tail_of_an_over_long_line_is_never_a_command() {
        let mut r = CommandReceiver::default();
        let head = vec![b'x'; MAX_COMMAND_LINE + 10];
        assert_eq!(r.frame(&head), (head.len(), Frame::Incomplete));
        assert_eq!(r, CommandReceiver::TooLong);
        assert_eq!(r.frame(b"yyy"), (3, Frame::Incomplete));
        assert_eq!(r.frame(b"RCPT TO:<x@y>\r\nQUIT\r\n"), (15, Frame::TooLong));
        assert_eq!(r.frame(b"QUIT\r\n"), (6, Frame::Line(b"QUIT\r\n")));
    }
}
