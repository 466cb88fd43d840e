//! Confirmation tokens (bound to a list, an address and an action; single use; expiring) and the
//! daily count of replies sent to each address.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::clock::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub token: String,
    pub list: String,
    pub address: String,
    /// `subscribe` or `unsubscribe`.
    pub action: crate::values::TokenPurpose,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

pub(crate) fn insert(c: &Connection, t: &TokenRow) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO tokens (token, list, address, action, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![t.token, t.list, t.address, t.action, t.created_at, t.expires_at])?;
    Ok(())
}

/// Marks a token used if it is unused and unexpired; false means someone (or something) got
/// there first, and whatever depended on it must not happen.
pub(crate) fn consume(c: &Connection, token: &str, now: Timestamp) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE tokens SET used_at = ?2 WHERE token = ?1 AND used_at IS NULL AND expires_at > ?2",
    )?
    .execute(params![token, now])?
        == 1)
}

/// Counts a reply to `address` today; returns how many were counted today before this one.
pub(crate) fn count_reply(c: &Connection, address: &str, now: Timestamp) -> rusqlite::Result<i64> {
    let day = now.div_euclid(86_400);
    let sent: i64 = c
        .prepare_cached("SELECT count FROM reply_log WHERE address = ?1 AND day = ?2")?
        .query_row(params![address, day], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    c.prepare_cached(
        "INSERT INTO reply_log (address, day, count) VALUES (?1, ?2, 1)
         ON CONFLICT (address, day) DO UPDATE SET count = count + 1",
    )?
    .execute(params![address, day])?;
    Ok(sent)
}

impl Store {
    pub fn token(&self, token: &str) -> Result<Option<TokenRow>, StoreError> {
        self.read_blocking(|c| {
            c.query_row(
                "SELECT token, list, address, action, created_at, expires_at, used_at FROM tokens WHERE token = ?1",
                [token],
                |r| {
                    Ok(TokenRow {
                        token: r.get(0)?,
                        list: r.get(1)?,
                        address: r.get(2)?,
                        action: r.get(3)?,
                        created_at: r.get(4)?,
                        expires_at: r.get(5)?,
                        used_at: r.get(6)?,
                    })
                },
            )
            .optional()
        })
    }
}
