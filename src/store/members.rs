//! Members of each list. Authority (chairs, owners) lives in the config files; membership lives
//! here because it changes by mail.

use rusqlite::{Connection, params};

use super::{Store, StoreError};
use crate::clock::Timestamp;

#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Member {
    pub address: String,
    pub name: String,
    /// `enabled`, `disabled:bounces` or `disabled:user`.
    pub delivery: crate::values::Delivery,
    pub bounce_score: i64,
    pub joined_at: Timestamp,
    /// The day (days since the epoch) of the last bounce that scored.
    pub last_bounce_day: Option<i64>,
    /// When delivery was disabled for bounces.
    pub disabled_at: Option<Timestamp>,
    /// Warnings sent since delivery was disabled.
    pub warnings: i64,
    pub last_warning_at: Option<Timestamp>,
}

pub(crate) fn list_members(c: &Connection, list: &str) -> rusqlite::Result<Vec<Member>> {
    let mut stmt = c.prepare_cached(
        "SELECT address, name, delivery, bounce_score, joined_at, last_bounce_day, disabled_at, warnings,
                last_warning_at FROM members WHERE list = ?1 ORDER BY address",
    )?;
    let rows = stmt.query_map([list], |r| {
        Ok(Member {
            address: r.get(0)?,
            name: r.get(1)?,
            delivery: r.get(2)?,
            bounce_score: r.get(3)?,
            joined_at: r.get(4)?,
            last_bounce_day: r.get(5)?,
            disabled_at: r.get(6)?,
            warnings: r.get(7)?,
            last_warning_at: r.get(8)?,
        })
    })?;
    rows.collect()
}

impl Store {
    /// Adds members (addresses are stored lower-cased); returns how many were new. An existing
    /// member keeps their settings, but gets the name when one is given.
    pub fn add_members(
        &self,
        list: &str,
        members: Vec<(String, String)>,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let list = list.to_owned();
        self.write_blocking(move |c| {
            let mut added = 0;
            for (address, name) in &members {
                let address = address.to_lowercase();
                let updated = c
                    .prepare_cached(
                        "UPDATE members SET name = CASE WHEN ?3 != '' THEN ?3 ELSE name END
                         WHERE list = ?1 AND address = ?2",
                    )?
                    .execute(params![list, address, name])?;
                if updated == 0 {
                    c.prepare_cached(
                        "INSERT INTO members (list, address, name, joined_at) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![list, address, name, now])?;
                    added += 1;
                }
            }
            Ok(added)
        })
    }

    /// Turns delivery on (clearing the bounce score and warnings) or off (`disabled:user`);
    /// returns whether the address is a member.
    pub fn set_delivery(
        &self,
        list: &str,
        address: &str,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        let (list, address) = (list.to_owned(), address.to_lowercase());
        self.write_blocking(move |c| {
            let sql = if enabled {
                "UPDATE members SET delivery = 'enabled', bounce_score = 0, last_bounce_day = NULL,
                     disabled_at = NULL, warnings = 0, last_warning_at = NULL
                 WHERE list = ?1 AND address = ?2"
            } else {
                "UPDATE members SET delivery = 'disabled:user' WHERE list = ?1 AND address = ?2"
            };
            Ok(c.execute(sql, params![list, address])? > 0)
        })
    }

    /// Removes a member; returns whether they were one.
    pub fn remove_member(&self, list: &str, address: &str) -> Result<bool, StoreError> {
        let (list, address) = (list.to_owned(), address.to_lowercase());
        self.write_blocking(move |c| {
            Ok(c.execute(
                "DELETE FROM members WHERE list = ?1 AND address = ?2",
                params![list, address],
            )? > 0)
        })
    }

    pub fn members(&self, list: &str) -> Result<Vec<Member>, StoreError> {
        self.read_blocking(|c| list_members(c, list))
    }

    pub async fn members_async(&self, list: &str) -> Result<Vec<Member>, StoreError> {
        let list = list.to_owned();
        self.read(move |c| list_members(c, &list)).await
    }
}
