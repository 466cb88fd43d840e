//! EHLO, HELO (SMTP) and LHLO (LMTP): name the client, reset any transaction, list extensions.

use super::HelloVerb;
use crate::reply;
use crate::smtp::session::{Flow, Hello, Session, State};
use crate::smtp::{Backend, Protocol};

impl<B: Backend> Session<B> {
    pub(super) fn hello(&mut self, host: &str, verb: HelloVerb) -> Flow {
        match (self.protocol, verb) {
            (Protocol::Lmtp, HelloVerb::Ehlo | HelloVerb::Helo) => {
                return self.reject(reply::USE_LHLO);
            }
            (Protocol::Smtp, HelloVerb::Lhlo) => return self.reject(reply::USE_EHLO),
            _ => {}
        }
        // RFC 5321 §4.1.4: a hello in mid-transaction clears it, as RSET would.
        self.state = State::Idle;
        self.hello = Some(Hello {
            name: host.to_owned(),
            extended: verb != HelloVerb::Helo,
        });
        let hostname = &self.settings.hostname;
        let text = match verb {
            HelloVerb::Helo => reply::helo(hostname),
            HelloVerb::Ehlo | HelloVerb::Lhlo => {
                let starttls = self.settings.tls.is_some() && !self.tls;
                reply::ehlo(hostname, self.settings.max_message_size, starttls)
            }
        };
        self.reply(&text);
        Flow::Continue
    }
}
