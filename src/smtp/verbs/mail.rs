//! MAIL FROM: open a transaction. Accepts the null sender `<>`, SIZE (checked against the limit
//! here, before any text is sent), BODY=7BIT/8BITMIME, SMTPUTF8 and an ignored AUTH=; refuses the
//! parameters of extensions we do not offer (555).

use std::borrow::Cow;

use smtp_proto::{MAIL_BODY_7BIT, MAIL_BODY_8BITMIME, MAIL_SMTPUTF8, MailFrom};

use crate::reply;
use crate::smtp::Backend;
use crate::smtp::address::{is_mailbox, names_postmaster, size_overflows};
use crate::smtp::session::{Flow, Session, State, Transaction};

/// MAIL parameter flags of the extensions in our EHLO reply.
const OFFERED_FLAGS: u64 = MAIL_BODY_7BIT | MAIL_BODY_8BITMIME | MAIL_SMTPUTF8;

impl<B: Backend> Session<B> {
    pub(super) fn mail(&mut self, from: MailFrom<Cow<'_, str>>, line: &[u8]) -> Flow {
        if self.hello.is_none() {
            return self.reject(reply::HELLO_FIRST);
        }
        if matches!(self.state, State::Mail(_)) {
            return self.reject(reply::NESTED_MAIL);
        }
        let valid = if from.address.is_empty() {
            // smtp-proto reports `<postmaster>` as "", but only `<>` is a null reverse-path.
            !names_postmaster(line)
        } else {
            is_mailbox(&from.address)
        };
        if !valid {
            return self.reject(reply::BAD_SENDER_SYNTAX);
        }
        if !offered_only(&from) {
            return self.reject(reply::UNSUPPORTED_PARAMETER);
        }
        if from.size > self.settings.max_message_size || size_overflows(line) {
            self.reply(reply::MESSAGE_TOO_BIG);
            return Flow::Continue;
        }
        self.state = State::Mail(Transaction {
            mail_from: from.address.into_owned(),
            rcpt_to: Vec::new(),
        });
        self.reply(reply::SENDER_OK);
        Flow::Continue
    }
}

/// True when the MAIL command uses only parameters of extensions we advertise (AUTH= is accepted
/// and ignored, as RFC 4954 §5 lets a server do).
fn offered_only(from: &MailFrom<Cow<'_, str>>) -> bool {
    from.flags & !OFFERED_FLAGS == 0
        && from.trans_id.is_none()
        && from.by == 0
        && from.env_id.is_none()
        && from.solicit.is_none()
        && from.mtrk.is_none()
        && from.hold_for == 0
        && from.hold_until == 0
        && from.mt_priority == 0
}
