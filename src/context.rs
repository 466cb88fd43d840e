//! One message to one list, as the posting pipeline and the workflow both see it: the site and
//! list config, the queued message and its parse, who sent it, the list's members and `now`.
//!
//! It lives below both so neither has to import the other to share it. It holds data only.

use crate::clock::Timestamp;
use crate::config::{ListConfig, Site};
use crate::message::ParsedMessage;
use crate::store::{Member, QueueItem, TokenRow};

/// Everything a rule, a handler or a workflow step may look at for one message to one list.
pub struct Context<'a> {
    pub site: &'a Site,
    pub list: &'a ListConfig,
    pub item: &'a QueueItem,
    pub parsed: &'a ParsedMessage,
    /// The message's Message-ID, or the one the server gave it (without brackets).
    pub message_id: &'a str,
    /// Who posted: the From address, or the envelope sender when From has none.
    pub sender: &'a str,
    pub members: &'a [Member],
    pub now: Timestamp,
}

impl Context<'_> {
    pub fn sender_is_member(&self) -> bool {
        self.is_member(self.sender)
    }

    /// Whether `address` is one of the list's members (any delivery state).
    pub fn is_member(&self, address: &str) -> bool {
        self.members
            .iter()
            .any(|m| m.address.eq_ignore_ascii_case(address))
    }
}

/// A store read failed; the queue item is parked with this reason and retried by an operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LookupError(pub String);

impl From<crate::store::StoreError> for LookupError {
    fn from(e: crate::store::StoreError) -> Self {
        LookupError(e.to_string())
    }
}

impl From<LookupError> for String {
    fn from(e: LookupError) -> Self {
        e.0
    }
}

/// Confirmation tokens, which both membership (subscribe, moderate) and the workflow (chairs'
/// commands) read.
pub trait Tokens {
    fn token(&self, token: &str) -> Result<Option<TokenRow>, LookupError>;
}

impl Tokens for crate::store::Store {
    fn token(&self, token: &str) -> Result<Option<TokenRow>, LookupError> {
        Ok(crate::store::Store::token(self, token)?)
    }
}
