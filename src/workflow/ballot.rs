//! The IESG ballot's standing: which positions stand, and whether they let the IESG approve.
//!
//! Pure: it takes the positions sent (oldest first), the IESG as configured and when the
//! current round began, and returns a [`Standing`]. The rules, as the IESG runs them:
//! - each AD's latest position stands, so an AD clears their DISCUSS by balloting anything else;
//! - only positions sent since the draft last entered `submitted` count: a document that went
//!   back to the WG and was requested again gets a fresh ballot, as a new evaluation does in the
//!   Datatracker;
//! - only the current `[iesg] members` count (an AD who left the IESG no longer holds a position);
//! - approval needs no DISCUSS standing and Yes or No Objection from at least two thirds of the
//!   members who have not recused themselves (and at least one).

use serde::Serialize;

use crate::clock::Timestamp;
use crate::values::BallotPosition;

/// One position as sent: who, what, why, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cast {
    pub ad: String,
    pub position: BallotPosition,
    pub reason: Option<String>,
    pub at: Timestamp,
}

/// Where the ballot stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// The position each member holds, in the order of `[iesg] members`; members who have not
    /// balloted are absent.
    pub positions: Vec<Cast>,
    /// Members who have not balloted yet.
    pub no_record: Vec<String>,
    /// How many Yes or No Objection positions approval needs.
    pub needed: usize,
    /// How many there are.
    pub have: usize,
    /// The members who hold a DISCUSS.
    pub discusses: Vec<Cast>,
}

impl Standing {
    /// The standing of `sent` (oldest first) for the IESG `members`, counting positions sent at
    /// or after `since` (when the draft last entered `submitted`).
    pub fn of(members: &[String], sent: &[Cast], since: Option<Timestamp>) -> Standing {
        let mut positions = Vec::new();
        let mut no_record = Vec::new();
        for m in members {
            let latest = sent
                .iter()
                .filter(|c| since.is_none_or(|s| c.at >= s))
                .rfind(|c| c.ad.eq_ignore_ascii_case(m));
            match latest {
                Some(c) => positions.push(c.clone()),
                None => no_record.push(m.to_lowercase()),
            }
        }
        let recused = positions
            .iter()
            .filter(|c| c.position == BallotPosition::Recuse)
            .count();
        let voting = members.len() - recused;
        // Two thirds, rounded up, and never zero: a ballot everyone recused from approves nothing.
        let needed = (2 * voting).div_ceil(3).max(1);
        let have = positions.iter().filter(|c| c.position.approves()).count();
        let discusses = positions
            .iter()
            .filter(|c| c.position == BallotPosition::Discuss)
            .cloned()
            .collect();
        Standing {
            positions,
            no_record,
            needed,
            have,
            discusses,
        }
    }

    /// Whether the IESG may approve.
    pub fn approvable(&self) -> bool {
        self.discusses.is_empty() && self.have >= self.needed
    }

    /// What stands in the way of approval, as the AD reads it after `approve` was refused:
    /// "2 of 3 needed positions; DISCUSS from ad1@…: …". `None` when nothing does.
    pub fn missing(&self) -> Option<String> {
        if self.approvable() {
            return None;
        }
        let mut parts = Vec::new();
        if self.have < self.needed {
            parts.push(format!(
                "{} of {} needed positions (Yes or No Objection)",
                self.have, self.needed
            ));
        }
        for d in &self.discusses {
            parts.push(format!(
                "DISCUSS from {}: {}",
                d.ad,
                d.reason.as_deref().unwrap_or("(no reason given)")
            ));
        }
        Some(parts.join("; "))
    }

    /// One line: "2 of 3 needed positions, 1 DISCUSS" or "… enough to approve".
    pub fn summary(&self) -> String {
        let mut s = format!("{} of {} needed positions", self.have, self.needed);
        match self.discusses.len() {
            0 if self.approvable() => s.push_str(", no DISCUSS: enough to approve"),
            0 => s.push_str(", no DISCUSS"),
            1 => s.push_str(", 1 DISCUSS"),
            n => s.push_str(&format!(", {n} DISCUSSes")),
        }
        s
    }

    /// The ballot as mails and `status` show it: one line per member.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for c in &self.positions {
            out.push_str(&format!(
                "  {}: {} ({})",
                c.ad,
                c.position.name(),
                crate::clock::ymd(c.at)
            ));
            if let Some(r) = &c.reason {
                out.push_str(&format!(": {r}"));
            }
            out.push('\n');
        }
        for m in &self.no_record {
            out.push_str(&format!("  {m}: No Record\n"));
        }
        out.push_str(&format!("  {}\n", self.summary()));
        out
    }
}

/// When a ballot changes decisively, which is what the chairs and the list are told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The AD raised a DISCUSS (or replaced one DISCUSS with another).
    DiscussRaised,
    /// The AD's DISCUSS no longer stands.
    DiscussCleared,
    /// The ballot now has enough positions, and no DISCUSS, to approve.
    Approvable,
}

/// What changed decisively between two standings, for the AD who sent the position.
pub fn change(before: &Standing, after: &Standing, ad: &str) -> Option<Change> {
    let held = |s: &Standing| {
        s.discusses
            .iter()
            .find(|c| c.ad.eq_ignore_ascii_case(ad))
            .map(|c| c.reason.clone())
    };
    match (held(before), held(after)) {
        (was, Some(reason)) if was.as_ref() != Some(&reason) => Some(Change::DiscussRaised),
        (Some(_), None) => Some(Change::DiscussCleared),
        _ if after.approvable() && !before.approvable() => Some(Change::Approvable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BallotPosition::*;

    fn members(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("ad{i}@ietf.test")).collect()
    }

    fn cast(i: usize, position: BallotPosition, at: Timestamp) -> Cast {
        Cast {
            ad: format!("ad{i}@ietf.test"),
            position,
            reason: (position == Discuss).then(|| format!("reason {i}")),
            at,
        }
    }

    #[test]
    fn two_thirds_of_the_members_not_recused_are_needed() {
        // (members, positions, needed, approvable)
        let table: &[(usize, &[BallotPosition], usize, bool)] = &[
            (1, &[], 1, false),
            (1, &[Yes], 1, true),
            (3, &[Yes], 2, false),
            (3, &[Yes, NoObjection], 2, true),
            (3, &[Yes, Abstain, Abstain], 2, false),
            (3, &[Yes, Recuse], 2, false),
            (3, &[Yes, NoObjection, Discuss], 2, false),
            (4, &[Yes, NoObjection], 3, false),
            (4, &[Yes, NoObjection, Recuse], 2, true),
            (15, &[Yes; 10], 10, true),
            (15, &[NoObjection; 9], 10, false),
            (2, &[Recuse, Recuse], 1, false),
        ];
        for (n, ps, needed, ok) in table {
            let sent: Vec<Cast> = ps
                .iter()
                .enumerate()
                .map(|(i, p)| cast(i + 1, *p, 10))
                .collect();
            let s = Standing::of(&members(*n), &sent, None);
            assert_eq!((s.needed, s.approvable()), (*needed, *ok), "{n} {ps:?}");
            assert_eq!(s.missing().is_none(), *ok, "{n} {ps:?}");
        }
    }

    #[test]
    fn the_latest_position_of_each_current_member_in_this_round_stands() {
        let sent = vec![
            cast(1, Discuss, 10),
            cast(2, Yes, 5),  // before the round began
            cast(9, Yes, 12), // not a member
            cast(1, NoObjection, 20),
        ];
        let s = Standing::of(&members(2), &sent, Some(10));
        assert_eq!(s.positions.len(), 1);
        assert_eq!(s.positions[0].position, NoObjection);
        assert_eq!(s.no_record, ["ad2@ietf.test"]);
        assert!(s.discusses.is_empty());
        assert_eq!(
            s.missing().as_deref(),
            Some("1 of 2 needed positions (Yes or No Objection)")
        );
    }

    #[test]
    fn a_refusal_names_what_is_missing() {
        let sent = vec![cast(1, Yes, 1), cast(2, Discuss, 1)];
        let s = Standing::of(&members(3), &sent, None);
        assert_eq!(
            s.missing().as_deref(),
            Some(
                "1 of 2 needed positions (Yes or No Objection); DISCUSS from ad2@ietf.test: reason 2"
            )
        );
    }

    #[test]
    fn decisive_changes() {
        let m = members(3);
        let st = |sent: &[Cast]| Standing::of(&m, sent, None);
        let a = st(&[cast(1, Yes, 1)]);
        let b = st(&[cast(1, Yes, 1), cast(2, Discuss, 2)]);
        let c = st(&[
            cast(1, Yes, 1),
            cast(2, Discuss, 2),
            cast(2, NoObjection, 3),
        ]);
        let d = st(&[cast(1, Yes, 1), cast(3, Abstain, 2)]);
        assert_eq!(change(&a, &b, "ad2@ietf.test"), Some(Change::DiscussRaised));
        assert_eq!(
            change(&b, &c, "ad2@ietf.test"),
            Some(Change::DiscussCleared)
        );
        assert_eq!(
            change(
                &a,
                &st(&[cast(1, Yes, 1), cast(3, Yes, 2)]),
                "ad3@ietf.test"
            ),
            Some(Change::Approvable)
        );
        assert_eq!(change(&a, &d, "ad3@ietf.test"), None);
        assert_eq!(change(&b, &b, "ad1@ietf.test"), None);
    }
}
