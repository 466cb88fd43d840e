//! Where a draft is: its state in the six-stage process and the tags beside it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a draft is in the six-stage process. Serialized as its slug (`wg-doc`, `rfc-ed-queue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Proposal,
    Candidate,
    Cfa,
    Adopted,
    WgDoc,
    Parked,
    Dead,
    Held,
    WgReview,
    Wglc,
    ChairGoahead,
    Writeup,
    Submitted,
    IetfLc,
    IesgEval,
    Approved,
    RfcEdQueue,
    Published,
    /// Replaced by another draft (the new name takes over); outside the six stages.
    Replaced,
}

impl State {
    /// Every state, in process order.
    pub const ALL: [State; 19] = [
        State::Proposal,
        State::Candidate,
        State::Cfa,
        State::Adopted,
        State::WgDoc,
        State::Parked,
        State::Dead,
        State::Held,
        State::WgReview,
        State::Wglc,
        State::ChairGoahead,
        State::Writeup,
        State::Submitted,
        State::IetfLc,
        State::IesgEval,
        State::Approved,
        State::RfcEdQueue,
        State::Published,
        State::Replaced,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            State::Proposal => "proposal",
            State::Candidate => "candidate",
            State::Cfa => "cfa",
            State::Adopted => "adopted",
            State::WgDoc => "wg-doc",
            State::Parked => "parked",
            State::Dead => "dead",
            State::Held => "held",
            State::WgReview => "wg-review",
            State::Wglc => "wglc",
            State::ChairGoahead => "chair-goahead",
            State::Writeup => "writeup",
            State::Submitted => "submitted",
            State::IetfLc => "ietf-lc",
            State::IesgEval => "iesg-eval",
            State::Approved => "approved",
            State::RfcEdQueue => "rfc-ed-queue",
            State::Published => "published",
            State::Replaced => "replaced",
        }
    }

    /// The state with this slug; slugs are keywords, so case does not matter.
    pub fn from_slug(s: &str) -> Option<State> {
        State::ALL
            .into_iter()
            .find(|st| st.slug().eq_ignore_ascii_case(s))
    }

    /// The process stage, 1–6 (DESIGN.md §2); 0 for `replaced`, which the spec puts in no stage
    /// ("—"): the name is no longer in the process, its replacement is.
    pub fn stage(self) -> u8 {
        match self {
            State::Replaced => 0,
            State::Proposal | State::Candidate => 1,
            State::Cfa
            | State::Adopted
            | State::WgDoc
            | State::Parked
            | State::Dead
            | State::Held => 2,
            State::WgReview => 3,
            State::Wglc | State::ChairGoahead | State::Writeup => 4,
            State::Submitted | State::IetfLc => 5,
            State::IesgEval | State::Approved | State::RfcEdQueue | State::Published => 6,
        }
    }

    /// The Datatracker's name for the state (`spec/workflow.md`). `proposal` has none there, and
    /// the Datatracker has `wg-review` only as the tag "Awaiting Reviews", so those two use our
    /// own words.
    pub fn datatracker_name(self) -> &'static str {
        match self {
            State::Proposal => "Proposal",
            State::Candidate => "Candidate for WG Adoption",
            State::Cfa => "Call For Adoption By WG Issued",
            State::Adopted => "Adopted by a WG",
            State::WgDoc => "WG Document",
            State::Parked => "Parked WG Document",
            State::Dead => "Dead WG Document",
            State::Held => "Held by WG",
            State::WgReview => "Awaiting Reviews",
            State::Wglc => "In WG Last Call",
            State::ChairGoahead => "Waiting for WG Chair Go-Ahead",
            State::Writeup => "WG Consensus: Waiting for Write-Up",
            State::Submitted => "Submitted to IESG for Publication",
            State::IetfLc => "In Last Call",
            State::IesgEval => "IESG Evaluation",
            State::Approved => "Approved-announcement sent",
            State::RfcEdQueue => "RFC Ed Queue",
            State::Published => "RFC Published",
            State::Replaced => "Replaced",
        }
    }

    /// Stages 1–4: the working group's own side, where a chair may `force` a move. `replaced` is
    /// not: a replaced name is left by no move, and entered only by `replaces` or the new name's
    /// `-00`.
    pub fn is_wg_side(self) -> bool {
        (1..=4).contains(&self.stage())
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// Why a draft waits; rides beside the state. Serialized as its slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tag {
    NoAdopt,
    RevWglc,
    NeedAut,
    WMerge,
    WExpert,
    Other,
}

impl Tag {
    pub const ALL: [Tag; 6] = [
        Tag::NoAdopt,
        Tag::RevWglc,
        Tag::NeedAut,
        Tag::WMerge,
        Tag::WExpert,
        Tag::Other,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Tag::NoAdopt => "no-adopt",
            Tag::RevWglc => "rev-wglc",
            Tag::NeedAut => "need-aut",
            Tag::WMerge => "w-merge",
            Tag::WExpert => "w-expert",
            Tag::Other => "other",
        }
    }

    pub fn from_slug(s: &str) -> Option<Tag> {
        Tag::ALL
            .into_iter()
            .find(|t| t.slug().eq_ignore_ascii_case(s))
    }

    /// The Datatracker's wording of the tag.
    pub fn datatracker_name(self) -> &'static str {
        match self {
            Tag::NoAdopt => "Not Adopted by the WG",
            Tag::RevWglc => "Revised I-D Needed - Issue raised by WGLC",
            Tag::NeedAut => "Author or Editor Needed",
            Tag::WMerge => "Awaiting Merge with Other Document",
            Tag::WExpert => "Awaiting Expert Review/Resolution of Issues Raised",
            Tag::Other => "Other - see Comment Log",
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl std::str::FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<State, String> {
        State::from_slug(s).ok_or_else(|| format!("'{s}' is not a draft state"))
    }
}

impl std::str::FromStr for Tag {
    type Err = String;
    fn from_str(s: &str) -> Result<Tag, String> {
        Tag::from_slug(s).ok_or_else(|| format!("'{s}' is not a tag"))
    }
}
