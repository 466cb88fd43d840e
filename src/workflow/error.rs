//! Why a workflow command did not run. `Display` is the exact line the sender gets after
//! `error: ` in the result mail; [`Error::Lookup`] is the one kind that is not the sender's
//! business: the store could not be read, and the message is parked instead of answered.

use crate::context::LookupError;

use super::states::{DraftNameError, State, TransitionError};
use crate::values::CallKind;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The store could not be read; the queue item is parked (not a refusal).
    #[error("{0}")]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    DraftName(#[from] DraftNameError),
    /// A call's end that cannot be (in the past, too soon, not a date).
    #[error("{0}")]
    Deadline(String),

    #[error("only the chairs of {list} may send this command")]
    NotChair { list: String },
    #[error("only IESG members (the site's [iesg] members) may send this command")]
    NotIesg,
    #[error("only members of {list} may propose work")]
    NotMember { list: String },

    #[error("unknown confirmation token")]
    UnknownToken,
    #[error("these commands were already confirmed or cancelled")]
    AlreadyConfirmed,
    #[error("this confirmation has expired; send the commands again")]
    Expired,
    #[error("only the chair who sent the commands can confirm them")]
    NotTheSender,

    #[error("{name} is not a draft of {list}")]
    NotADraft { name: String, list: String },
    #[error("{name} has no open {} call", .kind.word())]
    NoOpenCall { name: String, kind: CallKind },
    #[error("the {} call on {name} opens with this same message; {then}", .kind.word())]
    OpensHere {
        name: String,
        kind: CallKind,
        then: &'static str,
    },
    #[error("the call already ends {0}; an extension must end later")]
    NotLater(String),
    #[error(
        "the IETF last call on {name} was announced to end {ends}; it cannot be closed before \
         then (extend it with `ietf-lc extend {name} to YYYY-MM-DD` if it must run longer)"
    )]
    IetfLcBeforeEnd { name: String, ends: String },
    #[error(
        "the {} call on {name} ends {ends}; closing it early needs a reason, like: \
         {} close {name} reason \"the authors withdrew the draft\"", .kind.word(), .kind.command()
    )]
    EarlyWithoutReason {
        name: String,
        kind: CallKind,
        ends: String,
    },
    #[error("{0} already has an open call")]
    AlreadyOpen(String),
    #[error("{0} has an open call; close it first (its result moves the draft)")]
    OpenCall(String),
    #[error("the call on {0} is still open; close it first")]
    StillOpen(String),
    #[error("{} is entered with `{how}`, which also {does}", .to.slug())]
    OwnCommand {
        to: State,
        how: &'static str,
        does: &'static str,
    },
    #[error("the revision of {0} is not known; name it, e.g. {0}-00")]
    UnknownRevision(String),
    #[error("cannot compose {0}")]
    Compose(&'static str),
    #[error("{asked} reviewers asked for, but the list's file names {named} (reviewers = [...])")]
    TooFewReviewers { asked: u8, named: usize },
    #[error("{name} is in {state}, where there is no consensus to call")]
    NoConsensus { name: String, state: String },
    #[error("{name} was replaced by {by}; use that name")]
    Replaced { name: String, by: String },
    #[error(
        "{name} is already registered ({state}); a replacement takes a name not registered yet"
    )]
    AlreadyRegistered { name: String, state: State },
    #[error("{0} cannot replace itself")]
    ReplacesItself(String),
    #[error("{name} is published as RFC {rfc}; an RFC is not replaced")]
    PublishedRfc { name: String, rfc: i64 },
    #[error(
        "{0} is not a draft yet; link it to one first (`{0} is draft-NAME-00`), then start the call"
    )]
    NotLinked(String),
    #[error("RFC {rfc} is already the number of {draft} ({list}); RFC numbers are unique")]
    RfcTaken {
        rfc: i64,
        draft: String,
        list: String,
    },
    #[error(
        "{name} is in {}; the IESG ballots on a document in IETF Last Call or IESG Evaluation",
        .state.slug()
    )]
    NoBallot { name: String, state: State },
    #[error("the IESG ballot does not allow approval yet: {0}")]
    BallotBlocks(String),
}

impl Error {
    /// True for a refusal the sender is told about; false when the message must be parked.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Error::Lookup(_))
    }
}
