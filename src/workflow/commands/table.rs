//! The command table: one row per chair, IESG or member command, the way the pipeline's `RULES`
//! and `HANDLERS` are tables. `help` is generated from it, authorisation reads its `who`, and
//! whether a command needs a confirmation token is whether it changes anything.

use super::super::error::Error;
use super::super::grammar::{self, ChairCommand, Cursor, Known, ParseError, ParseFn};
use super::{Env, Step};
use super::{
    adoption, approve, ballot, consensus, ietf_lc, propose, published, pubreq, read, review,
};
use super::{open_calls, replaces, state, wglc};

/// Who may send a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The list's chairs (its file's `chairs`).
    Chair,
    /// The chairs, or the site's `[iesg] members` for the IESG's own moves.
    ChairOrIesg,
    /// The site's `[iesg] members`.
    Iesg,
    /// Any member of the list (and its chairs).
    Member,
    /// Anyone who writes to `wg-chairs@`.
    Anyone,
}

impl Who {
    /// The help column.
    pub fn describe(self) -> &'static str {
        match self {
            Who::Chair => "chairs",
            Who::ChairOrIesg => "chairs, IESG",
            Who::Iesg => "IESG",
            Who::Member => "any member",
            Who::Anyone => "anyone",
        }
    }
}

/// What a command does when it runs.
#[derive(Clone, Copy)]
pub enum Run {
    /// Changes something: runs only once the sender confirms, and returns the action to commit.
    Changes(fn(&Env<'_>, &ChairCommand) -> Result<Step, Error>),
    /// Reads only: answered at once, with the text of the answer.
    Reads(fn(&Env<'_>, &ChairCommand) -> Result<String, Error>),
}

/// One command.
pub struct Row {
    /// The words that name it: one, or a family and a verb (`adoption start`).
    pub name: &'static str,
    pub who: Who,
    /// Its grammar, for `help`.
    pub help: &'static str,
    /// Reads its arguments (the cursor stands after the name).
    pub parse: ParseFn,
    pub run: Run,
}

impl Known for Row {
    fn name(&self) -> &'static str {
        self.name
    }
    fn parser(&self) -> ParseFn {
        self.parse
    }
}

impl Row {
    /// Whether the command changes anything, and so needs a confirmation token.
    pub fn changes(&self) -> bool {
        matches!(self.run, Run::Changes(_))
    }
}

use Run::{Changes, Reads};
use Who::{Anyone, Chair, ChairOrIesg, Iesg, Member};

#[rustfmt::skip]
pub const COMMANDS: &[Row] = &[
    Row { name: "propose", who: Member, help: "propose \"TITLE\"", parse: propose::parse, run: Changes(propose::run) },
    Row { name: "candidate", who: Chair, help: "candidate DRAFT", parse: state::parse_candidate, run: Changes(state::candidate) },
    Row { name: "adoption start", who: Chair, help: "adoption start DRAFT-NN|proposal-N [ends YYYY-MM-DD | for N weeks|days]", parse: adoption::parse_start, run: Changes(adoption::start) },
    Row { name: "adoption close", who: Chair, help: "adoption close DRAFT [reason \"…\"] (a reason is needed before its end)", parse: adoption::parse_close, run: Changes(adoption::close) },
    Row { name: "adoption cancel", who: Chair, help: "adoption cancel DRAFT reason \"…\" (ends the call without a result)", parse: adoption::parse_cancel, run: Changes(adoption::cancel) },
    Row { name: "adoption extend", who: Chair, help: "adoption extend DRAFT to YYYY-MM-DD", parse: adoption::parse_extend, run: Changes(adoption::extend) },
    Row { name: "review start", who: Chair, help: "review start DRAFT reviewers N", parse: review::parse, run: Changes(review::start) },
    Row { name: "wglc start", who: Chair, help: "wglc start DRAFT-NN [ends YYYY-MM-DD | for N weeks|days]", parse: wglc::parse_start, run: Changes(wglc::start) },
    Row { name: "wglc close", who: Chair, help: "wglc close DRAFT [reason \"…\"] (a reason is needed before its end)", parse: wglc::parse_close, run: Changes(wglc::close) },
    Row { name: "wglc cancel", who: Chair, help: "wglc cancel DRAFT reason \"…\" (ends the call without a result)", parse: wglc::parse_cancel, run: Changes(wglc::cancel) },
    Row { name: "wglc extend", who: Chair, help: "wglc extend DRAFT to YYYY-MM-DD", parse: wglc::parse_extend, run: Changes(wglc::extend) },
    Row { name: "consensus", who: Chair, help: "consensus DRAFT reached|not-reached reason \"…\" (or the reason as the rest of the line)", parse: consensus::parse, run: Changes(consensus::run) },
    Row { name: "state", who: ChairOrIesg, help: "state DRAFT SLUG [force] [reason \"…\"]", parse: state::parse, run: Changes(state::run) },
    Row { name: "pubreq", who: Chair, help: "pubreq DRAFT status ps|bcp|info|exp, then the shepherd write-up on the following lines (or attached)", parse: pubreq::parse, run: Changes(pubreq::run) },
    Row { name: "ietf-lc start", who: Iesg, help: "ietf-lc start DRAFT [ends YYYY-MM-DD | for N weeks|days]", parse: ietf_lc::parse_start, run: Changes(ietf_lc::start) },
    Row { name: "ietf-lc close", who: Iesg, help: "ietf-lc close DRAFT (not before the end it announced)", parse: ietf_lc::parse_close, run: Changes(ietf_lc::close) },
    Row { name: "ietf-lc extend", who: Iesg, help: "ietf-lc extend DRAFT to YYYY-MM-DD", parse: ietf_lc::parse_extend, run: Changes(ietf_lc::extend) },
    Row { name: "ballot", who: Iesg, help: "ballot DRAFT yes|no-objection|discuss|abstain|recuse [reason \"…\"]", parse: ballot::parse, run: Changes(ballot::run) },
    Row { name: "approve", who: Iesg, help: "approve DRAFT", parse: approve::parse, run: Changes(approve::run) },
    Row { name: "published", who: Iesg, help: "published DRAFT rfc NNNN", parse: published::parse, run: Changes(published::run) },
    Row { name: "replaces", who: Chair, help: "replaces NEW-DRAFT[-NN] OLD-DRAFT", parse: replaces::parse, run: Changes(replaces::run) },
    Row { name: grammar::PROPOSAL_ROW, who: Chair, help: "proposal-N is DRAFT-NN", parse: replaces::parse_link, run: Changes(replaces::link) },
    Row { name: "status", who: Anyone, help: "status DRAFT", parse: read::parse_status, run: Reads(read::status) },
    Row { name: "tally", who: Anyone, help: "tally DRAFT", parse: read::parse_tally, run: Reads(read::tally) },
    Row { name: "history", who: Anyone, help: "history DRAFT", parse: read::parse_history, run: Reads(read::history) },
    Row { name: "calls", who: Anyone, help: "calls", parse: open_calls::parse, run: Reads(open_calls::run) },
    Row { name: "help", who: Anyone, help: "help", parse: parse_help, run: Reads(help_reply) },
];

/// The row of a parsed command by its name; `None` for `confirm`, which is not a command of the
/// table but the answer to one.
pub fn row(name: &str) -> Option<&'static Row> {
    COMMANDS.iter().find(|r| r.name == name)
}

/// A command mail's lines, read with the commands of this table.
pub fn parse(subject: &str, body_text: &str) -> Vec<grammar::CommandLine> {
    grammar::parse(subject, body_text, COMMANDS)
}

fn parse_help(_c: &mut Cursor) -> Result<ChairCommand, ParseError> {
    Ok(ChairCommand::Help)
}

fn help_reply(_env: &Env<'_>, _cmd: &ChairCommand) -> Result<String, Error> {
    Ok(help())
}

/// The answer to `help`, from the table.
pub fn help() -> String {
    let width = COMMANDS.iter().map(|r| r.help.len()).max().unwrap_or(0);
    let mut out = String::from("Commands, one per line (stop at \"end\"):\n");
    for r in COMMANDS {
        out.push_str(&format!(
            "  {:<width$}  {}\n",
            r.help,
            r.who.describe(),
            width = width
        ));
    }
    out.push_str(
        "Each changing command is confirmed by a token mailed to the sender's configured address.",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_a_distinct_name() {
        let mut names: Vec<&str> = COMMANDS.iter().map(|r| r.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }

    #[test]
    fn help_names_every_command_and_who_may_send_it() {
        let text = help();
        for r in COMMANDS {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(r.help))
                .unwrap_or_else(|| panic!("no help line for {}", r.name));
            assert!(line.ends_with(r.who.describe()), "{line}");
        }
    }
}
