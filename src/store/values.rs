//! The typed values of [`crate::values`] as SQLite text columns: written with their `as_str`,
//! read back through `FromStr`, so a row never carries a spelling the enums do not know.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::values::{
    BallotPosition, CallKind, CallState, Delivery, Position, State, Tag, Text, TokenPurpose,
};

macro_rules! text_columns {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(Text::text(self)))
            }
        }
        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e: String| FromSqlError::Other(e.into()))
            }
        }
    )*};
}

text_columns!(
    BallotPosition,
    CallKind,
    CallState,
    Delivery,
    Position,
    State,
    Tag,
    TokenPurpose
);
