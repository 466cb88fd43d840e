//! The posting rules, in the order they run. The first rule whose verdict is not `Continue`
//! decides; one file per rule.

mod loop_detect;
mod members_only;
mod moderated;
mod size;

use super::{Context, Verdict};

/// A named rule: the name appears in logs (`rule` field) and in the reasons posters are given.
pub struct Rule {
    pub name: &'static str,
    pub check: fn(&Context<'_>) -> Verdict,
}

/// The rule whose verdict a moderation exemption (`moderation::exemption`) may waive.
pub const MEMBERS_ONLY: &str = "members-only";

pub const RULES: &[Rule] = &[
    Rule {
        name: "loop",
        check: loop_detect::check,
    },
    Rule {
        name: "size",
        check: size::check,
    },
    Rule {
        name: "moderated",
        check: moderated::check,
    },
    Rule {
        name: MEMBERS_ONLY,
        check: members_only::check,
    },
];
