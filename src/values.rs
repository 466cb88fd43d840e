//! The typed values the store keeps as text and every layer reads: call kinds (more to come as
//! they move here). Each is an enum with `as_str` and `FromStr`, which are the only places its
//! spelling appears. They sit below the store so that rows can carry them without the store
//! importing the workflow.

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

    /// A stored kind; anything unknown reads as an adoption call, as it always has.
    pub fn of(stored: &str) -> CallKind {
        stored.parse().unwrap_or(CallKind::Adoption)
    }

    /// "Call for adoption", "WG Last Call", "IETF Last Call".
    pub fn title(self) -> &'static str {
        match self {
            CallKind::Wglc => "WG Last Call",
            CallKind::IetfLc => "IETF Last Call",
            CallKind::Adoption => "Call for adoption",
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
