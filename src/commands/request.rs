//! The command grammar of `wg-request@D` (DESIGN §5), after Mailman's `runners/command.py`:
//! commands come from the Subject, then from the first lines of the text/plain body.
//!
//! Pure: [`parse`] turns a Subject and body text into commands and the lines it did not use; it
//! does not check who may run them. The caller runs each [`Line`] and reports every result, and the
//! ignored lines, in one reply.

use super::{LineKind, classify_lines};
use crate::tokens;

/// At most this many non-blank authored body lines are read as commands (Mailman's
/// `email_commands_max_lines`), so a letter sent to the robot gets one short reply, not fifty.
pub const MAX_BODY_LINES: usize = 10;

/// At most this many ignored lines are reported back; the reply quotes them, and a whole letter
/// quoted back helps nobody.
pub const MAX_IGNORED: usize = 20;

/// A command the robot understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `subscribe [address]` or `join [address]`; without an address, the sender.
    Subscribe(Option<String>),
    /// `unsubscribe [address]` or `leave [address]`; without an address, the sender.
    Unsubscribe(Option<String>),
    /// `confirm TOKEN`: completes a pending subscribe or unsubscribe.
    Confirm(String),
    /// `help`: the help text.
    Help,
    /// `who`: the roster, if the list's `roster` setting allows the sender to see it.
    Who,
}

/// One line read as a command, as the sender wrote it, with what it meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The line, trimmed, for the reply to quote.
    pub text: String,
    /// The command, or why the line (which starts with a command word) is not a valid command.
    pub result: Result<Command, String>,
}

/// What [`parse`] found in a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The command lines in order: the Subject's first, then the body's.
    pub commands: Vec<Line>,
    /// Body lines that were read but are not commands, and lines past the [`MAX_BODY_LINES`]
    /// limit, trimmed, at most [`MAX_IGNORED`] of them.
    pub ignored: Vec<String>,
}

/// Reads the commands in a message to `wg-request@D`.
///
/// The Subject, once `Re:`/`Fwd:`/`[list]` prefixes are removed, counts only if it is a whole,
/// valid command: subjects are mostly prose ("Help with my subscription") and are never an error.
/// In the body, blank, quoted (`>`) and attribution (`On … wrote:`) lines are skipped; `end` or
/// `stop` on its own line, a signature separator (`-- `) or a client's "Original Message" banner
/// ends the commands. A body line whose first word is a command word but whose arguments are
/// wrong is an error [`Line`]; any other line is ignored. The same command given twice (say
/// `confirm TOKEN` in both the Subject and the body of a reply) runs once.
pub fn parse(subject: &str, body_text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let subject = strip_subject_prefixes(subject);
    if let Some(Ok(command)) = parse_line(subject) {
        parsed.push(subject, Ok(command));
    }
    let mut read = 0;
    for (kind, line) in classify_lines(body_text) {
        match kind {
            LineKind::Blank | LineKind::Quoted | LineKind::Attribution => continue,
            LineKind::Stop => break,
            LineKind::Authored => {}
        }
        let line = line.trim();
        if is_end(line) {
            break;
        }
        read += 1;
        if read > MAX_BODY_LINES {
            parsed.ignore(line);
            continue;
        }
        match parse_line(line) {
            Some(result) => parsed.push(line, result),
            None => parsed.ignore(line),
        }
    }
    parsed
}

impl Parsed {
    fn push(&mut self, text: &str, result: Result<Command, String>) {
        let repeated = result.is_ok() && self.commands.iter().any(|l| l.result == result);
        if !repeated {
            self.commands.push(Line {
                text: text.to_owned(),
                result,
            });
        }
    }

    fn ignore(&mut self, text: &str) {
        if self.ignored.len() < MAX_IGNORED {
            self.ignored.push(text.to_owned());
        }
    }
}

fn is_end(line: &str) -> bool {
    line.eq_ignore_ascii_case("end") || line.eq_ignore_ascii_case("stop")
}

/// Removes any mix of reply/forward markers and bracketed list tags from the front of a Subject:
/// `Re: [wg] Fwd: confirm abc` → `confirm abc`.
fn strip_subject_prefixes(subject: &str) -> &str {
    const MARKERS: &[&str] = &[
        "re:", "fwd:", "fw:", "aw:", "sv:", "vs:", "antw:", "wg:", "tr:",
    ];
    let mut rest = subject.trim();
    loop {
        let before = rest;
        if rest.starts_with('[')
            && let Some(end) = rest.find(']')
        {
            rest = rest[end + 1..].trim_start();
        }
        for marker in MARKERS {
            let n = marker.len();
            if rest.len() >= n && rest.is_char_boundary(n) && rest[..n].eq_ignore_ascii_case(marker)
            {
                rest = rest[n..].trim_start();
            }
        }
        if rest == before {
            return rest;
        }
    }
}

/// Reads one line: `None` if its first word is no command word, else the command or why its
/// arguments are wrong.
fn parse_line(line: &str) -> Option<Result<Command, String>> {
    let mut words = line.split_whitespace();
    let keyword = words.next()?.to_ascii_lowercase();
    let args: Vec<&str> = words.collect();
    let result = match keyword.as_str() {
        "subscribe" | "join" => address_arg(&keyword, &args).map(Command::Subscribe),
        "unsubscribe" | "leave" => address_arg(&keyword, &args).map(Command::Unsubscribe),
        "confirm" => match args.as_slice() {
            [token] if tokens::is_token_syntax(token) => {
                Ok(Command::Confirm(token.to_ascii_lowercase()))
            }
            [token] => Err(format!("{token:?} is not a confirmation token")),
            [] => Err("confirm needs the token from the confirmation message".to_owned()),
            _ => Err("confirm takes one token".to_owned()),
        },
        "help" => no_args(&keyword, &args).map(|()| Command::Help),
        "who" => no_args(&keyword, &args).map(|()| Command::Who),
        _ => return None,
    };
    Some(result)
}

fn no_args(keyword: &str, args: &[&str]) -> Result<(), String> {
    match args {
        [] => Ok(()),
        _ => Err(format!("{keyword} takes no arguments")),
    }
}

/// `subscribe`, `subscribe alice@example.org`, `subscribe <alice@example.org>` or Mailman's
/// `subscribe address=alice@example.org`.
fn address_arg(keyword: &str, args: &[&str]) -> Result<Option<String>, String> {
    let arg = match args {
        [] => return Ok(None),
        [arg] => *arg,
        _ => return Err(format!("{keyword} takes at most one address")),
    };
    let value = match arg.split_once('=') {
        Some((key, value)) if key.eq_ignore_ascii_case("address") => value,
        Some((key, _)) => return Err(format!("{keyword} does not know the option {key:?}")),
        None => arg,
    };
    let address = value
        .strip_prefix('<')
        .and_then(|v| v.strip_suffix('>'))
        .unwrap_or(value);
    if is_plausible_address(address) {
        Ok(Some(address.to_owned()))
    } else {
        Err(format!("{value:?} is not an email address"))
    }
}

/// `local@domain` with both parts present and nothing that cannot appear in an envelope address.
/// The full check happens when mail is sent to it; this only catches typos in the reply.
fn is_plausible_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let clean = |s: &str| {
        !s.is_empty()
            && !s
                .chars()
                .any(|c| c.is_control() || "<>()[],;:\"\\ ".contains(c))
    };
    clean(local) && clean(domain) && !domain.contains('@') && !local.contains('@')
}

/// Every address of one list (DESIGN §5), for the help text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAddresses {
    /// `wg@D`
    pub post: String,
    /// `wg-request@D`
    pub request: String,
    /// `wg-join@D`
    pub join: String,
    /// `wg-leave@D`
    pub leave: String,
    /// `wg-confirm+TOKEN@D`, with the literal word `TOKEN`.
    pub confirm: String,
    /// `wg-owner@D`
    pub owner: String,
}

impl ListAddresses {
    /// The addresses of list `list` on `domain`.
    pub fn new(list: &str, domain: &str) -> ListAddresses {
        let at = |suffix: &str| format!("{list}{suffix}@{domain}");
        ListAddresses {
            post: at(""),
            request: at("-request"),
            join: at("-join"),
            leave: at("-leave"),
            confirm: at("-confirm+TOKEN"),
            owner: at("-owner"),
        }
    }
}

/// The reply to `help`: every command and every address of the list.
pub fn help_text(addresses: &ListAddresses) -> String {
    let ListAddresses {
        post,
        request,
        join,
        leave,
        confirm,
        owner,
    } = addresses;
    format!(
        "Commands for {post}

Send commands to {request}, in the Subject or one per line at the top of the
body (at most {MAX_BODY_LINES} lines; quoted lines are skipped; a signature or a line
\"end\" stops). Words in [brackets] are optional.

  subscribe [ADDRESS]    Join the list (alias: join). A confirmation is sent to
                         the address joining, which must answer it.
  unsubscribe [ADDRESS]  Leave the list (alias: leave). A confirmation is sent
                         to the address leaving.
  confirm TOKEN          Complete a subscribe or unsubscribe; replying to the
                         confirmation message does the same.
  who                    List the members, if this list shows its roster to you.
  help                   This text.
  end                    Stop reading commands here.

Addresses of this list:

  {post:<28} post to the list
  {request:<28} commands
  {join:<28} join (any message)
  {leave:<28} leave (any message)
  {confirm:<28} confirm a request
  {owner:<28} reach the list's owners (people)
"
    )
}
