//! Call kinds and whether a call is open.

/// The three kinds of call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallKind {
    Adoption,
    Wglc,
    IetfLc,
}

impl CallKind {
    pub const ALL: [CallKind; 3] = [CallKind::Adoption, CallKind::Wglc, CallKind::IetfLc];

    /// As stored and as the commands name it: `adoption`, `wglc`, `ietf-lc`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::Adoption => "adoption",
            CallKind::Wglc => "wglc",
            CallKind::IetfLc => "ietf-lc",
        }
    }

    /// "Call for adoption", "WG Last Call", "IETF Last Call".
    pub fn title(self) -> &'static str {
        match self {
            CallKind::Wglc => "WG Last Call",
            CallKind::IetfLc => "IETF Last Call",
            CallKind::Adoption => "Call for adoption",
        }
    }

    /// The command family that runs calls of this kind: `adoption`, `wglc`, `ietf-lc`.
    pub fn command(self) -> &'static str {
        match self {
            CallKind::Wglc => "wglc",
            CallKind::IetfLc => "ietf-lc",
            CallKind::Adoption => "adoption",
        }
    }

    /// The word before "call" in a sentence: "the adoption call", "the WG last call".
    pub fn word(self) -> &'static str {
        match self {
            CallKind::Wglc => "WG last",
            CallKind::IetfLc => "IETF last",
            CallKind::Adoption => "adoption",
        }
    }
}

impl std::fmt::Display for CallKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CallKind {
    type Err = String;
    fn from_str(s: &str) -> Result<CallKind, String> {
        CallKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a call kind"))
    }
}

/// Whether a call still takes replies as on time. Stored as `open` / `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallState {
    Open,
    Closed,
    /// Withdrawn by the chairs (`adoption cancel`, `wglc cancel`): ended without a result.
    Cancelled,
}

impl CallState {
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Open => "open",
            CallState::Closed => "closed",
            CallState::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for CallState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CallState {
    type Err = String;
    fn from_str(s: &str) -> Result<CallState, String> {
        match s {
            "open" => Ok(CallState::Open),
            "closed" => Ok(CallState::Closed),
            "cancelled" => Ok(CallState::Cancelled),
            _ => Err(format!("'{s}' is not a call state")),
        }
    }
}
