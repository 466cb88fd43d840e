//! Whether a member gets the list's mail. Stored as `enabled`, `disabled:bounces`,
//! `disabled:user`.

/// A member's delivery mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    Enabled,
    /// Stopped by the server after too many bounces; re-enabled by the member's reply.
    DisabledBounces,
    /// Stopped by the member or an admin.
    DisabledUser,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [
        Delivery::Enabled,
        Delivery::DisabledBounces,
        Delivery::DisabledUser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Enabled => "enabled",
            Delivery::DisabledBounces => "disabled:bounces",
            Delivery::DisabledUser => "disabled:user",
        }
    }
}

impl std::fmt::Display for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Delivery {
    type Err = String;
    fn from_str(s: &str) -> Result<Delivery, String> {
        Delivery::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a delivery mode"))
    }
}
