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
        name: "members-only",
        check: members_only::check,
    },
];
