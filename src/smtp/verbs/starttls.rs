//! STARTTLS (RFC 3207): answer 220 and hand the stream to the TLS acceptor. The session loop then
//! discards any pipelined plaintext and restarts from the fresh-greeting state inside TLS.

use crate::reply;
use crate::smtp::Backend;
use crate::smtp::session::{Flow, Session};

impl<B: Backend> Session<B> {
    pub(super) fn starttls(&mut self) -> Flow {
        if self.tls {
            return self.reject(reply::TLS_ALREADY_ACTIVE);
        }
        if self.settings.tls.is_none() {
            self.reply(reply::TLS_NOT_AVAILABLE);
            return Flow::Continue;
        }
        if self.hello.is_none() {
            return self.reject(reply::HELLO_FIRST);
        }
        self.reply(reply::READY_FOR_TLS);
        Flow::StartTls
    }
}
