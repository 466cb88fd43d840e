//! The typed values the store keeps as text and every layer reads: call kinds and call states,
//! draft states and tags, positions, members' delivery modes, token purposes. Each is an enum
//! with `as_str` (or `slug`) and `FromStr`, the only places its spelling appears; the store maps
//! its columns through them. They sit below the store so that rows can carry them without the
//! store importing the workflow.

mod ballot;
mod calls;
mod delivery;
mod draft;
mod position;
mod token;

pub use ballot::BallotPosition;
pub use calls::{CallKind, CallState};
pub use delivery::Delivery;
pub use draft::{State, Tag};
pub use position::Position;
pub use token::TokenPurpose;

/// The enums above as text, for `impl ToSql`/`FromSql` and serde at the edges.
pub trait Text: Sized + std::str::FromStr<Err = String> {
    fn text(&self) -> &'static str;
}

impl Text for CallKind {
    fn text(&self) -> &'static str {
        self.as_str()
    }
}
impl Text for CallState {
    fn text(&self) -> &'static str {
        self.as_str()
    }
}
impl Text for State {
    fn text(&self) -> &'static str {
        self.slug()
    }
}
impl Text for Tag {
    fn text(&self) -> &'static str {
        self.slug()
    }
}
impl Text for Position {
    fn text(&self) -> &'static str {
        self.as_str()
    }
}
impl Text for Delivery {
    fn text(&self) -> &'static str {
        self.as_str()
    }
}
impl Text for BallotPosition {
    fn text(&self) -> &'static str {
        self.as_str()
    }
}
impl Text for TokenPurpose {
    fn text(&self) -> &'static str {
        self.as_str()
    }
}

macro_rules! serialize_as_text {
    ($($t:ty),*) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.text())
            }
        }
    )*};
}

serialize_as_text!(CallKind, CallState, TokenPurpose, Delivery, BallotPosition);
