//! The verbs: one file per verb or phase; this file parses a command line and dispatches it.
//! Verbs that only answer (NOOP, QUIT, HELP, VRFY and the ones not offered) are answered here.
//!
//! Parsing is smtp-proto's `Request::parse` on one complete line from `line`; its errors map to
//! 500/501/555 replies here.

mod data;
mod hello;
mod mail;
mod rcpt;
mod rset;
mod starttls;

use smtp_proto::{Error as ParseError, Request};

use super::session::{Flow, Session};
use super::{Backend, Protocol};
use crate::reply;

/// Which hello verb the client used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HelloVerb {
    Ehlo,
    Helo,
    Lhlo,
}

impl<B: Backend> Session<B> {
    /// Runs one complete command line (LF included).
    pub(in crate::smtp) fn command(&mut self, line: &[u8]) -> Flow {
        let request = match Request::parse(&mut line.iter()) {
            Ok(request) => request,
            Err(error) => return self.parse_error(error),
        };
        match request {
            Request::Ehlo { host } => self.hello(&host, HelloVerb::Ehlo),
            Request::Helo { host } => self.hello(&host, HelloVerb::Helo),
            Request::Lhlo { host } => self.hello(&host, HelloVerb::Lhlo),
            Request::Mail { from } => self.mail(from, line),
            Request::Rcpt { to } => self.rcpt(to, line),
            Request::Data => self.data(),
            Request::Rset => self.rset(),
            Request::StartTls => self.starttls(),
            Request::Noop { .. } => {
                self.reply(reply::OK);
                Flow::Continue
            }
            Request::Quit => {
                self.reply(reply::BYE);
                Flow::Close
            }
            Request::Help { .. } => {
                self.reply(match self.protocol {
                    Protocol::Smtp => reply::HELP_SMTP,
                    Protocol::Lmtp => reply::HELP_LMTP,
                });
                Flow::Continue
            }
            Request::Vrfy { .. } => {
                self.reply(reply::CANNOT_VRFY);
                Flow::Continue
            }
            // EXPN would list a mailing list's members; CHUNKING (BDAT) and AUTH are not offered.
            Request::Expn { .. }
            | Request::Bdat { .. }
            | Request::Auth { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. } => self.reject(reply::NOT_IMPLEMENTED),
        }
    }

    fn parse_error(&mut self, error: ParseError) -> Flow {
        match error {
            ParseError::InvalidSenderAddress => self.reject(reply::BAD_SENDER_SYNTAX),
            ParseError::InvalidRecipientAddress => self.reject(reply::BAD_RECIPIENT_SYNTAX),
            ParseError::SyntaxError { syntax } => self.reject(&reply::syntax_error(syntax)),
            ParseError::InvalidParameter { param } => self.reject(&reply::invalid_parameter(param)),
            ParseError::UnsupportedParameter { .. } => self.reject(reply::UNSUPPORTED_PARAMETER),
            // `NeedsMoreData` cannot happen on a complete line; treat anything else as noise.
            ParseError::UnknownCommand
            | ParseError::NeedsMoreData { .. }
            | ParseError::ResponseTooLong
            | ParseError::InvalidResponse { .. } => self.reject(reply::UNRECOGNIZED),
        }
    }
}
