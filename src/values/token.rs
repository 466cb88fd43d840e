//! What a confirmation token confirms. Stored as `subscribe`, `unsubscribe`, `moderate`, `chair`.

/// The purpose of a confirmation token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    Subscribe,
    Unsubscribe,
    /// A moderator's decision on a held post.
    Moderate,
    /// A chair's (or the IESG's) commands kept for confirmation.
    Chair,
}

impl TokenPurpose {
    pub const ALL: [TokenPurpose; 4] = [
        TokenPurpose::Subscribe,
        TokenPurpose::Unsubscribe,
        TokenPurpose::Moderate,
        TokenPurpose::Chair,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Subscribe => "subscribe",
            TokenPurpose::Unsubscribe => "unsubscribe",
            TokenPurpose::Moderate => "moderate",
            TokenPurpose::Chair => "chair",
        }
    }
}

impl std::fmt::Display for TokenPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TokenPurpose {
    type Err = String;
    fn from_str(s: &str) -> Result<TokenPurpose, String> {
        TokenPurpose::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a token purpose"))
    }
}
