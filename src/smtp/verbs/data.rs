//! DATA and the message text: 354, read to CRLF.CRLF (via `dot`), then either 552 (the text
//! outgrew the limit and was swallowed) or the `Received:` header, the backend's durable commit and
//! `250 … queued as <id>`. LMTP answers once per accepted recipient (RFC 2033 §4.2); the commit is one
//! atomic store, so every recipient gets the same answer.

use std::net::IpAddr;

use tracing::{info, warn};

use crate::clock::{Clock, rfc5322_date};
use crate::reply;
use crate::smtp::dot::{Discard, DotReceiver};
use crate::smtp::session::{Flow, Session, State, Transaction};
use crate::smtp::{Backend, Envelope, Protocol, StoreError};

impl<B: Backend> Session<B> {
    pub(super) fn data(&mut self) -> Flow {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Mail(transaction) if !transaction.rcpt_to.is_empty() => {
                self.state = State::Data {
                    transaction,
                    receiver: DotReceiver::new(),
                    text: Vec::new(),
                };
                self.reply(reply::START_DATA);
                Flow::Continue
            }
            State::Mail(transaction) => {
                self.state = State::Mail(transaction);
                self.reject(reply::RCPT_FIRST)
            }
            other => {
                self.state = other;
                self.reject(reply::MAIL_FIRST)
            }
        }
    }

    /// Feeds message text from `input`; returns the bytes used and whether the message ended (and
    /// has been answered).
    pub(in crate::smtp) async fn receive(&mut self, input: &[u8]) -> (usize, bool) {
        let limit = self.settings.max_message_size;
        let (used, ended) = match &mut self.state {
            State::Data { receiver, text, .. } => receiver.ingest(input, text),
            State::DataTooLarge { receiver, .. } => receiver.ingest(input, &mut Discard),
            State::Idle | State::Mail(_) => return (0, false),
        };
        self.state = match std::mem::replace(&mut self.state, State::Idle) {
            State::Data {
                transaction,
                receiver,
                text,
            } if text.len() > limit => {
                info!(limit, "message over the size limit, discarding it");
                let recipients = transaction.rcpt_to.len();
                if ended {
                    self.reply_each(reply::MESSAGE_TOO_BIG, recipients);
                    State::Idle
                } else {
                    State::DataTooLarge {
                        receiver,
                        recipients,
                    }
                }
            }
            State::Data {
                transaction, text, ..
            } if ended => {
                self.deliver(transaction, text).await;
                State::Idle
            }
            State::DataTooLarge { recipients, .. } if ended => {
                self.reply_each(reply::MESSAGE_TOO_BIG, recipients);
                State::Idle
            }
            unfinished => unfinished,
        };
        (used, ended)
    }

    /// Prepends the trace header, stores, and answers.
    async fn deliver(&mut self, transaction: Transaction, text: Vec<u8>) {
        self.messages += 1;
        let helo = self
            .hello
            .as_ref()
            .map(|h| h.name.clone())
            .unwrap_or_default();
        let mut data = self
            .received_header(&helo, &transaction.rcpt_to)
            .into_bytes();
        data.extend_from_slice(&text);
        drop(text);
        let recipients = transaction.rcpt_to.len();
        let size = data.len();
        let envelope = Envelope {
            mail_from: transaction.mail_from,
            rcpt_to: transaction.rcpt_to,
            peer: self.peer,
            helo,
            session: self.id,
        };
        let from = envelope.mail_from.clone();
        let answer = match self.backend.store(envelope, data).await {
            Ok(queue_id) => {
                info!(%queue_id, mail_from = %from, recipients, size, "message accepted");
                reply::queued(&queue_id)
            }
            Err(StoreError::Temporary(reason)) => {
                warn!(%reason, "store failed, message refused with 451");
                reply::TEMPORARY_FAILURE.to_owned()
            }
            Err(StoreError::TooBig) => {
                info!(size, "backend refused the message as too big");
                reply::MESSAGE_TOO_BIG.to_owned()
            }
        };
        self.reply_each(&answer, recipients);
    }

    /// One reply for SMTP; one per recipient for LMTP.
    fn reply_each(&mut self, answer: &str, recipients: usize) {
        let times = match self.protocol {
            Protocol::Smtp => 1,
            Protocol::Lmtp => recipients.max(1),
        };
        for _ in 0..times {
            self.reply(answer);
        }
    }

    /// The RFC 5321 §4.4 trace header. The queue id is not known before the store, so the id is
    /// the session id and the message's number in the session, which the session log also shows.
    fn received_header(&self, helo: &str, rcpt_to: &[String]) -> String {
        let with = match (
            self.protocol,
            self.tls,
            self.hello.as_ref().is_some_and(|h| h.extended),
        ) {
            (Protocol::Lmtp, false, _) => "LMTP",
            (Protocol::Lmtp, true, _) => "LMTPS",
            (Protocol::Smtp, true, _) => "ESMTPS",
            (Protocol::Smtp, false, true) => "ESMTP",
            (Protocol::Smtp, false, false) => "SMTP",
        };
        let ip = match self.peer.ip() {
            IpAddr::V4(v4) => format!("[{v4}]"),
            IpAddr::V6(v6) => format!("[IPv6:{v6}]"),
        };
        let mut header = format!(
            "Received: from {} ({ip})\r\n\tby {} with {with} id {:x}.{}",
            header_safe(helo),
            self.settings.hostname,
            self.id,
            self.messages,
        );
        if let [only] = rcpt_to {
            header.push_str(&format!("\r\n\tfor <{}>", header_safe(only)));
        }
        header.push_str(&format!("; {}\r\n", rfc5322_date(Clock::System.now())));
        header
    }
}

/// The client's words in our header: no parentheses (comment syntax) and no control characters.
/// The parser already stops at CR, LF and space, so this only tidies.
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c == '(' || c == ')' {
                '?'
            } else {
                c
            }
        })
        .collect()
}
