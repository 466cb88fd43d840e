//! RSET: drop the transaction, keep the hello.

use crate::reply;
use crate::smtp::Backend;
use crate::smtp::session::{Flow, Session, State};

impl<B: Backend> Session<B> {
    pub(super) fn rset(&mut self) -> Flow {
        self.state = State::Idle;
        self.reply(reply::OK);
        Flow::Continue
    }
}
