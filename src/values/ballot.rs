//! An IESG member's position on a draft's ballot, with the Datatracker's names.

/// One AD's position on the IESG ballot. Yes and No Objection count toward approval; a Discuss
/// blocks it until the same AD ballots again; Recuse takes the AD out of the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BallotPosition {
    Yes,
    NoObjection,
    Discuss,
    Abstain,
    Recuse,
}

impl BallotPosition {
    pub const ALL: [BallotPosition; 5] = [
        BallotPosition::Yes,
        BallotPosition::NoObjection,
        BallotPosition::Discuss,
        BallotPosition::Abstain,
        BallotPosition::Recuse,
    ];

    /// As written in the `ballot` command, stored and serialized: `no-objection`, …
    pub fn as_str(self) -> &'static str {
        match self {
            BallotPosition::Yes => "yes",
            BallotPosition::NoObjection => "no-objection",
            BallotPosition::Discuss => "discuss",
            BallotPosition::Abstain => "abstain",
            BallotPosition::Recuse => "recuse",
        }
    }

    /// The Datatracker's name: "No Objection", "Discuss", …
    pub fn name(self) -> &'static str {
        match self {
            BallotPosition::Yes => "Yes",
            BallotPosition::NoObjection => "No Objection",
            BallotPosition::Discuss => "Discuss",
            BallotPosition::Abstain => "Abstain",
            BallotPosition::Recuse => "Recuse",
        }
    }

    /// Whether the position counts toward the two thirds an approval needs.
    pub fn approves(self) -> bool {
        matches!(self, BallotPosition::Yes | BallotPosition::NoObjection)
    }
}

impl std::str::FromStr for BallotPosition {
    type Err = String;
    fn from_str(s: &str) -> Result<BallotPosition, String> {
        BallotPosition::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("'{s}' is not a ballot position"))
    }
}
