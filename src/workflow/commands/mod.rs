//! Workflow commands mailed to `wg-chairs@D` (DESIGN §2, §6; `spec/workflow.md`).
//!
//! Every command is one row of [`table::COMMANDS`]: its name, who may send it, whether it changes
//! anything, its help line and its run function, which lives in the file of its family
//! (`adoption.rs`, `wglc.rs`, `ietf_lc.rs`, `state.rs`, `review.rs`, …; `read.rs` has the
//! read-only ones). The `help` answer is generated from the table.
//!
//! Read-only commands are answered at once. A command that changes something runs only if the
//! sender may send it **and** confirms it: the command text is kept under a single-use token that
//! is mailed to the sender's configured address, and it runs when the reply to
//! `wg-confirm+TOKEN@D` (or `confirm TOKEN` here) comes back. A forged From therefore never moves a
//! draft. Every move is checked against the one transition table and recorded as an append-only
//! event.
//!
//! To add a command: write its file here with its run function (and, when it takes new words,
//! its variant and parse arm in [`super::grammar`]), then add its row to [`table::COMMANDS`].

use crate::context::{Context, LookupError};
use crate::notice::{Mail, list_mail, list_mail_members};
use crate::store::{Action, DraftMeta, DraftMove, DraftRow, TokenRow};
use crate::values::TokenPurpose;

use super::Deliver;
use super::error::Error;
use super::grammar::{self, ChairCommand};
use super::lookup::Lookup;
use super::states::{self, State};

mod adoption;
mod approve;
mod ballot;
mod call;
mod consensus;
mod ietf_lc;
mod open_calls;
mod propose;
mod published;
mod pubreq;
mod read;
mod review;
mod state;
pub mod table;
#[cfg(test)]
mod tests;
mod wglc;

pub use ballot::standing_of as ballot_standing;
pub use review::pick_reviewers;
pub use table::{COMMANDS, Row, Run, Who};

/// What a command runs with: the message it came in, what it may read, how it posts to the
/// list, and on whose behalf.
pub struct Env<'a> {
    pub ctx: &'a Context<'a>,
    pub lookup: &'a dyn Lookup,
    pub deliver: Deliver,
    /// Who the command runs for: the sender who confirmed it (or asked, for a read-only one).
    pub actor: &'a str,
    /// The Message-ID of the mail that carried the command, recorded with each move.
    pub message_id: &'a str,
    /// The actions of the commands before this one in the same mail (already visible to
    /// `lookup`, not yet committed).
    pub earlier: &'a [Action],
}

impl Env<'_> {
    pub fn list(&self) -> String {
        self.ctx.list.address()
    }

    /// Whether `call` was opened by an earlier command of this same mail.
    pub fn opened_here(&self, call: &crate::store::CallRow) -> bool {
        self.earlier
            .iter()
            .any(|a| a.any(&|a| matches!(a, Action::CallOpen(c) if c.anchor == call.anchor)))
    }

    pub fn chairs_address(&self) -> String {
        chairs_address(self.ctx)
    }
}

/// What a state-changing command does: the action, and the line for the result mail.
pub type Step = (Action, String);

/// Why `sender` may not send the command of `row`, if they may not.
fn refusal(ctx: &Context<'_>, row: &Row, sender: &str) -> Option<Error> {
    let list = ctx.list.address();
    let ok = match row.who {
        Who::Anyone => true,
        Who::Chair => ctx.list.is_chair(sender),
        Who::ChairOrIesg => ctx.list.is_chair(sender) || ctx.site.iesg.is_member(sender),
        Who::Iesg => ctx.site.iesg.is_member(sender),
        Who::Member => ctx.list.is_chair(sender) || ctx.is_member(sender),
    };
    let why = match row.who {
        Who::Iesg => Error::NotIesg,
        Who::Member => Error::NotMember { list },
        Who::Anyone | Who::Chair | Who::ChairOrIesg => Error::NotChair { list },
    };
    (!ok).then_some(why)
}

fn chairs_address(ctx: &Context<'_>) -> String {
    format!("{}-chairs@{}", ctx.list.name, ctx.list.domain)
}

/// Mail to `wg-chairs@`.
pub fn handle(
    ctx: &Context<'_>,
    lookup: &dyn Lookup,
    deliver: Deliver,
) -> Result<Vec<Action>, LookupError> {
    if crate::notice::must_not_answer(
        &ctx.item.mail_from,
        ctx.parsed.auto_submitted.as_deref(),
        ctx.parsed.precedence.as_deref(),
    ) {
        return Ok(vec![Action::Discard]);
    }
    let lines = table::parse(&ctx.parsed.subject, &ctx.parsed.body_text);
    // A `confirm TOKEN` line runs the stored command instead.
    if let Some(token) = lines.iter().find_map(|l| match &l.result {
        Ok(ChairCommand::Confirm { token }) => Some(token.clone()),
        _ => None,
    }) {
        return confirm(ctx, &token, lookup, deliver);
    }
    let env = Env {
        ctx,
        lookup,
        deliver,
        actor: ctx.sender,
        message_id: ctx.message_id,
        earlier: &[],
    };
    let mut results: Vec<String> = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    for line in &lines {
        let cmd = match &line.result {
            Err(why) => {
                results.push(format!("> {}\nerror: {why}", line.text));
                continue;
            }
            Ok(cmd) => cmd,
        };
        let Some(row) = table::row(line.name) else {
            continue;
        };
        // Every row's `who` is checked, read-only ones too (all of those are `Anyone` today).
        if let Some(why) = refusal(ctx, row, ctx.sender) {
            results.push(format!("> {}\nerror: {why}", line.text));
            continue;
        }
        match row.run {
            Run::Reads(read) => {
                let answer = match read(&env, cmd) {
                    Ok(text) => text,
                    Err(Error::Lookup(e)) => return Err(e),
                    Err(e) => format!("error: {e}"),
                };
                results.push(format!("> {}\n{answer}", line.text));
            }
            Run::Changes(_) => {
                pending.push(&line.text);
                results.push(format!("> {}\npending confirmation", line.text));
            }
        }
    }
    if lines.is_empty() {
        results.push("no commands found; send \"help\" for the list of commands".into());
    }
    let mut actions = Vec::new();
    if !pending.is_empty() {
        // A shepherd write-up attached to a `pubreq` is kept in the body it will be read from.
        let body = pubreq::body_to_keep(ctx, &lines);
        let body = body.as_deref().unwrap_or(&ctx.parsed.body_text);
        actions.extend(ask_confirmation(ctx, &pending, body, &mut results)?);
    }
    actions.extend(result_mail(ctx, &results));
    Ok(actions)
}

/// Keeps the message's commands under a new token and mails the token to the sender.
fn ask_confirmation(
    ctx: &Context<'_>,
    pending: &[&str],
    kept_body: &str,
    results: &mut [String],
) -> Result<Vec<Action>, LookupError> {
    let token =
        crate::tokens::new_token().map_err(|e| LookupError(format!("no random token: {e}")))?;
    let confirm_addr = format!("{}-confirm+{token}@{}", ctx.list.name, ctx.list.domain);
    let chair = ctx.sender.to_lowercase();
    // As the spec words it: where the confirmation goes.
    for r in results.iter_mut() {
        if r.ends_with("\npending confirmation") {
            r.push_str(&format!(" (reply to {confirm_addr} from {chair})"));
        }
    }
    let body = format!(
        "Commands from {chair} to {chairs} are waiting for your confirmation:\n\n{text}\n\n\
         To run them, reply to this message (keep the subject). If you did not send them, ignore this\n\
         message and nothing will change.\n",
        chairs = chairs_address(ctx),
        text = pending
            .iter()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut actions = vec![
        Action::TokenCreate(TokenRow {
            token: token.clone(),
            list: ctx.list.address(),
            address: chair.clone(),
            action: TokenPurpose::Chair,
            created_at: ctx.now,
            expires_at: ctx.now + ctx.site.tokens.ttl as i64,
            used_at: None,
        }),
        Action::PendingCommand {
            token: token.clone(),
            subject: ctx.parsed.subject.clone(),
            body: kept_body.to_owned(),
            message_id: ctx.message_id.to_owned(),
        },
    ];
    // To the chair's address as configured (the From matched it), never elsewhere.
    let m = Mail {
        from: &confirm_addr,
        to: &chair,
        subject: &format!("confirm {token}"),
        body: &body,
        in_reply_to: Some(ctx.message_id),
        reply_to: Some(&confirm_addr),
        attached: None,
    };
    actions.extend(list_mail(ctx.site, ctx.list, ctx.now, m).map(Action::Send));
    Ok(actions)
}

/// Why a confirmation token cannot run commands, if it cannot.
fn token_problem(ctx: &Context<'_>, row: Option<&TokenRow>) -> Option<Error> {
    match row {
        None => Some(Error::UnknownToken),
        Some(r) if r.list != ctx.list.address() || r.action != TokenPurpose::Chair => {
            Some(Error::UnknownToken)
        }
        Some(r) if r.used_at.is_some() => Some(Error::AlreadyConfirmed),
        Some(r) if r.expires_at <= ctx.now => Some(Error::Expired),
        Some(r) if !r.address.eq_ignore_ascii_case(ctx.sender) => Some(Error::NotTheSender),
        _ => None,
    }
}

/// Runs the commands stored under `token` once the chair confirmed them.
pub fn confirm(
    ctx: &Context<'_>,
    token: &str,
    lookup: &dyn Lookup,
    deliver: Deliver,
) -> Result<Vec<Action>, LookupError> {
    let token = token.to_lowercase();
    let row = lookup.token(&token)?;
    if let Some(problem) = token_problem(ctx, row.as_ref()) {
        return Ok(result_mail(ctx, &[format!("error: {problem}")])
            .into_iter()
            .collect());
    }
    let Some(row) = row else {
        return Ok(Vec::new());
    };
    let Some((subject, body, message_id)) = lookup.pending(&token)? else {
        return Ok(
            result_mail(ctx, &[format!("error: {}", Error::UnknownToken)])
                .into_iter()
                .collect(),
        );
    };
    let mut results = Vec::new();
    let mut then = Vec::new();
    // Commands run in order, each against the store as the ones before it left it: their actions
    // are applied to a scratch transaction the later commands read through, and all of them
    // commit together (with the queue item) once returned.
    lookup.in_sequence(&mut |seen| {
        for line in table::parse(&subject, &body) {
            let env = Env {
                ctx,
                lookup: seen,
                deliver,
                actor: &row.address,
                message_id: &message_id,
                earlier: &then,
            };
            let Ok(cmd) = line.result else { continue };
            let Some(row) = table::row(line.name) else {
                continue;
            };
            let Run::Changes(run) = row.run else {
                continue;
            };
            // Checked again: a chair or IESG member may have been removed since.
            if let Some(why) = refusal(ctx, row, env.actor) {
                results.push(format!("> {}\nerror: {why}", line.text));
                continue;
            }
            let outcome = match run(&env, &cmd) {
                Ok((action, text)) => {
                    seen.apply(std::slice::from_ref(&action), ctx.now)?;
                    then.push(action);
                    text
                }
                Err(Error::Lookup(e)) => return Err(e),
                Err(why) => format!("error: {why}"),
            };
            results.push(format!("> {}\n{outcome}", line.text));
        }
        Ok(())
    })?;
    // The confirmer proved they read the configured address, so this result is not backscatter
    // and is not rate-limited: a chair may run many commands in a day.
    then.extend(result_mail(ctx, &results).map(|a| match a {
        Action::Reply { job, .. } => Action::Send(job),
        other => other,
    }));
    Ok(vec![Action::Guarded {
        token,
        then,
        otherwise: Vec::new(),
    }])
}

fn result_mail(ctx: &Context<'_>, results: &[String]) -> Option<Action> {
    let body = format!(
        "Results of your commands to {}:\n\n{}\n",
        chairs_address(ctx),
        results.join("\n\n")
    );
    let subject = format!("Results of your commands to {}", chairs_address(ctx));
    let m = Mail {
        from: &chairs_address(ctx),
        to: ctx.sender,
        subject: &subject,
        body: &body,
        in_reply_to: Some(ctx.message_id),
        reply_to: None,
        attached: None,
    };
    list_mail(ctx.site, ctx.list, ctx.now, m).map(|job| Action::Reply {
        to: ctx.sender.to_owned(),
        job,
    })
}

/// A registry entry as a command found it: the name (a draft without its revision, or
/// `proposal-N`), the revision the command named, and the entry as stored.
pub(super) struct Entry {
    pub name: String,
    pub given_rev: Option<u8>,
    pub current: Option<DraftRow>,
}

impl Entry {
    /// Reads the entry a command names.
    pub fn load(env: &Env<'_>, given: &str) -> Result<Entry, Error> {
        let name = states::parse_entry(given)?;
        let given_rev = states::parse_draft(given).ok().and_then(|d| d.rev);
        let current = env.lookup.draft(&env.list(), &name)?;
        Ok(Entry {
            name,
            given_rev,
            current,
        })
    }

    pub fn state(&self) -> Option<State> {
        self.current.as_ref().map(|d| d.state)
    }

    /// The revision the command named, else the one recorded.
    pub fn known_rev(&self, named: Option<i64>) -> Option<i64> {
        named.or(self.current.as_ref().and_then(|d| d.rev))
    }

    /// The draft's title, or its name when no announcement gave one.
    pub fn title(&self) -> String {
        self.current
            .as_ref()
            .map(|d| d.title.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| self.name.clone())
    }

    /// The intended status the chairs requested (Proposed Standard until they said).
    pub fn status(&self) -> grammar::IntendedStatus {
        self.current
            .as_ref()
            .and_then(|d| d.intended_status.as_deref())
            .and_then(grammar::IntendedStatus::from_keyword)
            .unwrap_or(grammar::IntendedStatus::ProposedStandard)
    }

    /// Whether the entry has an open call.
    pub fn has_open_call(&self, env: &Env<'_>) -> Result<bool, Error> {
        Ok(env
            .lookup
            .open_calls(&env.list())?
            .iter()
            .any(|c| c.draft == self.name))
    }

    /// The move as a step: the checked move `mv` with its tag, `then` after it, and the text.
    pub fn moved(
        self,
        env: &Env<'_>,
        mv: &states::Move,
        rev: Option<i64>,
        why: String,
        mut then: Vec<Action>,
        text: String,
    ) -> Step {
        let list = env.list();
        if let Some(tag) = mv.tag {
            then.insert(0, tag_action(&list, &self.name, tag));
        }
        let m = DraftMove {
            list,
            draft: self.name,
            rev,
            from: self.current.map(|d| d.state),
            to: mv.to,
            actor: env.actor.to_owned(),
            why,
            message_id: env.message_id.to_owned(),
            forced: mv.forced,
        };
        (Action::DraftMove { m, then }, text)
    }
}

/// Sets the tag a move carries (`cfa` → `candidate` sets `no-adopt`, `wglc` → `wg-doc` sets
/// `rev-wglc`).
fn tag_action(list: &str, draft: &str, tag: states::Tag) -> Action {
    Action::DraftMeta(DraftMeta {
        list: list.to_owned(),
        draft: draft.to_owned(),
        add_tags: vec![tag],
        ..DraftMeta::default()
    })
}

/// Changes a draft's tags, title, intended status or RFC number.
fn meta(list: &str, draft: &str, f: impl FnOnce(&mut DraftMeta)) -> Action {
    let mut m = DraftMeta {
        list: list.to_owned(),
        draft: draft.to_owned(),
        ..DraftMeta::default()
    };
    f(&mut m);
    Action::DraftMeta(m)
}

/// Mail from the chairs to every member (and `extra`), Reply-To the list.
fn to_list(env: &Env<'_>, subject: &str, body: &str, extra: &[String]) -> Vec<Action> {
    let ctx = env.ctx;
    let chairs = chairs_address(ctx);
    let list = ctx.list.address();
    let mail = Mail {
        from: &chairs,
        to: "",
        subject,
        body,
        in_reply_to: None,
        reply_to: Some(&list),
        attached: None,
    };
    list_mail_members(ctx.site, ctx.list, ctx.members, extra, ctx.now, mail)
}

/// Mail from the chairs to the given addresses only.
fn to_some(env: &Env<'_>, subject: &str, body: &str, to: &[String]) -> Vec<Action> {
    let ctx = env.ctx;
    list_mail_members(
        ctx.site,
        ctx.list,
        &[],
        to,
        ctx.now,
        Mail {
            from: &chairs_address(ctx),
            to: "",
            subject,
            body,
            in_reply_to: None,
            reply_to: Some(&ctx.list.address()),
            attached: None,
        },
    )
}

/// An IESG announcement: to the list's members and to the site's announce list.
fn announce_everywhere(env: &Env<'_>, subject: &str, body: &str) -> Vec<Action> {
    let extra: Vec<String> = env.ctx.site.iesg.announce_list.iter().cloned().collect();
    to_list(env, subject, body, &extra)
}
