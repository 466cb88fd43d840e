//! What the workflow reads: the store's drafts, events, calls, replies, reviews and pending
//! commands, behind a trait so the commands can be tested against a fake and the store can
//! change backends.

use crate::clock::Timestamp;
use crate::context::{LookupError, Tokens};
use crate::store::{Action, BallotRow, CallReply, CallRow, DraftRow, EventRow, ReviewRow, Store};

use super::positions::Position;

/// Read access the workflow needs. Every method is a read; writes are the returned actions.
pub trait Lookup: Tokens {
    fn draft(&self, list: &str, name: &str) -> Result<Option<DraftRow>, LookupError>;
    fn events(&self, list: &str, name: &str) -> Result<Vec<EventRow>, LookupError>;
    /// A chair's command text kept under a confirmation token: (subject, body, Message-ID).
    fn pending(&self, token: &str) -> Result<Option<(String, String, String)>, LookupError>;
    fn open_calls(&self, list: &str) -> Result<Vec<CallRow>, LookupError>;
    fn latest_call(&self, list: &str, draft: &str) -> Result<Option<CallRow>, LookupError>;
    fn call_replies(&self, call_id: i64) -> Result<Vec<CallReply>, LookupError>;
    /// Open calls and those closed recently enough that replies still count as late.
    fn answerable_calls(&self, list: &str, now: i64) -> Result<Vec<CallRow>, LookupError>;
    /// The position recorded for one message in a call.
    fn reply_position(
        &self,
        call_id: i64,
        message_id: &str,
    ) -> Result<Option<Position>, LookupError>;
    /// When each reviewer of the list was last assigned a review.
    fn last_assigned(&self, list: &str) -> Result<Vec<(String, i64)>, LookupError>;
    fn proposal_count(&self, list: &str) -> Result<i64, LookupError>;
    fn drafts(&self, list: &str) -> Result<Vec<DraftRow>, LookupError>;
    /// Review assignments still waiting for their review.
    fn open_reviews(&self, list: &str) -> Result<Vec<ReviewRow>, LookupError>;
    /// The draft, on any list of the site, published with RFC number `rfc`: (list, name).
    fn rfc_holder(&self, rfc: i64) -> Result<Option<(String, String)>, LookupError>;
    /// Every position sent on a draft's IESG ballot, oldest first.
    fn ballots(&self, list: &str, draft: &str) -> Result<Vec<BallotRow>, LookupError>;
    /// Every call on a draft, oldest first.
    fn calls_of(&self, list: &str, draft: &str) -> Result<Vec<CallRow>, LookupError>;
    /// Runs `f` against a view in which the actions it applies through [`Sequence::apply`] are
    /// visible to its later reads; they are discarded afterwards (the caller returns them to be
    /// committed for real). The commands of one confirmed mail run in order this way.
    fn in_sequence(
        &self,
        f: &mut dyn FnMut(&dyn Sequence) -> Result<(), LookupError>,
    ) -> Result<(), LookupError>;
}

/// A [`Lookup`] that also takes the actions of earlier steps, for the steps after them to read.
pub trait Sequence: Lookup {
    fn apply(&self, actions: &[Action], now: Timestamp) -> Result<(), LookupError>;
}

impl Sequence for Store {
    fn apply(&self, actions: &[Action], now: Timestamp) -> Result<(), LookupError> {
        Ok(self.apply_scratch(actions, now)?)
    }
}

impl Lookup for Store {
    fn draft(&self, list: &str, name: &str) -> Result<Option<DraftRow>, LookupError> {
        Ok(Store::draft(self, list, name)?)
    }
    fn events(&self, list: &str, name: &str) -> Result<Vec<EventRow>, LookupError> {
        Ok(Store::events(self, list, name)?)
    }
    fn pending(&self, token: &str) -> Result<Option<(String, String, String)>, LookupError> {
        Ok(self.pending_command(token)?)
    }
    fn open_calls(&self, list: &str) -> Result<Vec<CallRow>, LookupError> {
        Ok(Store::open_calls(self, list)?)
    }
    fn latest_call(&self, list: &str, draft: &str) -> Result<Option<CallRow>, LookupError> {
        Ok(Store::latest_call(self, list, draft)?)
    }
    fn call_replies(&self, call_id: i64) -> Result<Vec<CallReply>, LookupError> {
        Ok(Store::call_replies(self, call_id)?)
    }
    fn answerable_calls(&self, list: &str, now: i64) -> Result<Vec<CallRow>, LookupError> {
        Ok(Store::answerable_calls(self, list, now)?)
    }
    fn reply_position(
        &self,
        call_id: i64,
        message_id: &str,
    ) -> Result<Option<Position>, LookupError> {
        Ok(Store::reply_position(self, call_id, message_id)?)
    }
    fn last_assigned(&self, list: &str) -> Result<Vec<(String, i64)>, LookupError> {
        Ok(Store::last_assigned(self, list)?)
    }
    fn proposal_count(&self, list: &str) -> Result<i64, LookupError> {
        Ok(Store::proposal_count(self, list)?)
    }
    fn drafts(&self, list: &str) -> Result<Vec<DraftRow>, LookupError> {
        Ok(Store::drafts(self, list)?)
    }
    fn open_reviews(&self, list: &str) -> Result<Vec<ReviewRow>, LookupError> {
        Ok(Store::open_reviews(self, list)?)
    }
    fn rfc_holder(&self, rfc: i64) -> Result<Option<(String, String)>, LookupError> {
        Ok(Store::rfc_holder(self, rfc)?)
    }
    fn ballots(&self, list: &str, draft: &str) -> Result<Vec<BallotRow>, LookupError> {
        Ok(Store::ballots(self, list, draft)?)
    }
    fn calls_of(&self, list: &str, draft: &str) -> Result<Vec<CallRow>, LookupError> {
        Ok(Store::calls_of(self, list, draft)?)
    }
    fn in_sequence(
        &self,
        f: &mut dyn FnMut(&dyn Sequence) -> Result<(), LookupError>,
    ) -> Result<(), LookupError> {
        self.scratch(|view| f(view))?
    }
}
