//! RCPT TO: add a recipient the backend knows. Unknown addresses are refused here (550 5.1.1) so
//! nothing is ever bounced later; one more than `max_recipients` gets 452 4.5.3 and the client
//! sends the rest in another transaction.

use std::borrow::Cow;

use smtp_proto::RcptTo;

use crate::reply;
use crate::smtp::address::{is_mailbox, names_postmaster};
use crate::smtp::session::{Flow, Session, State};
use crate::smtp::{Backend, RcptCheck};

impl<B: Backend> Session<B> {
    pub(super) fn rcpt(&mut self, to: RcptTo<Cow<'_, str>>, line: &[u8]) -> Flow {
        let accepted = match &self.state {
            State::Mail(transaction) => transaction.rcpt_to.len(),
            _ => return self.reject(reply::MAIL_FIRST),
        };
        let address = if to.address.is_empty() {
            // smtp-proto reports `<postmaster>` (RFC 5321 §4.1.1.3, no domain) as "", like `<>`.
            if !names_postmaster(line) {
                return self.reject(reply::BAD_RECIPIENT_SYNTAX);
            }
            "postmaster".to_owned()
        } else if is_mailbox(&to.address) {
            to.address.into_owned()
        } else {
            return self.reject(reply::BAD_RECIPIENT_SYNTAX);
        };
        // No DSN (NOTIFY, ORCPT), RRVS or CONNEG is offered.
        if to.flags != 0 || to.orcpt.is_some() || to.rrvs != 0 {
            return self.reject(reply::UNSUPPORTED_PARAMETER);
        }
        if accepted >= self.settings.max_recipients {
            self.reply(reply::TOO_MANY_RECIPIENTS);
            return Flow::Continue;
        }
        if self.backend.check_recipient(&address) == RcptCheck::Unknown {
            return self.reject(reply::MAILBOX_UNAVAILABLE);
        }
        if let State::Mail(transaction) = &mut self.state {
            transaction.rcpt_to.push(address);
        }
        self.reply(reply::RECIPIENT_OK);
        Flow::Continue
    }
}
