//! A reply's position in a call, as the classifier gives it and the tally counts it.

use serde::{Deserialize, Serialize};

/// A reply's stance on the called draft. The serde names are the tally's JSON keys. Ordered as
/// declared, for the tally's `BTreeMap<Position, _>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Support,
    /// Support on a stated condition (`+1 if …`, `I support, provided that …`).
    SupportIf,
    Object,
    NoObjection,
    Neutral,
    /// Technical text, a question or procedure: no stance. Never erases an earlier position.
    Comment,
    /// Auto-replies and bounces: not a reply at all.
    Ignore,
    /// "I withdraw my support": the person's earlier position no longer stands. Never counted.
    Withdraw,
}

impl Position {
    pub const ALL: [Position; 8] = [
        Position::Support,
        Position::SupportIf,
        Position::Object,
        Position::NoObjection,
        Position::Neutral,
        Position::Comment,
        Position::Ignore,
        Position::Withdraw,
    ];

    /// As stored and as the JSON keys name it (the serde names): `support_if`, `no_objection`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Support => "support",
            Position::SupportIf => "support_if",
            Position::Object => "object",
            Position::NoObjection => "no_objection",
            Position::Neutral => "neutral",
            Position::Comment => "comment",
            Position::Ignore => "ignore",
            Position::Withdraw => "withdraw",
        }
    }

    /// How the tally names the position in prose.
    pub fn name(self) -> &'static str {
        match self {
            Position::Support => "support",
            Position::SupportIf => "support with conditions",
            Position::Object => "objection",
            Position::NoObjection => "no objection",
            Position::Neutral => "neutral",
            Position::Comment => "comment",
            Position::Ignore => "ignored",
            Position::Withdraw => "withdrawal",
        }
    }
}

impl std::str::FromStr for Position {
    type Err = String;
    fn from_str(s: &str) -> Result<Position, String> {
        Position::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a position"))
    }
}
