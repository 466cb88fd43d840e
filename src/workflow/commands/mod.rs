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
pub mod answer;
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
pub(super) mod replaces;
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
    let all = table::parse(&ctx.parsed.subject, &ctx.parsed.body_text);
    // A `confirm TOKEN` line confirms the commands of an earlier mail (as a reply to
    // `wg-confirm+TOKEN` does); the other lines of this mail are commands of their own.
    let mut actions = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    for line in &all {
        if let Ok(ChairCommand::Confirm { token }) = &line.result
            && !tokens.contains(token)
        {
            tokens.push(token.clone());
            actions.extend(confirm(ctx, token, lookup, deliver)?);
        }
    }
    let lines: Vec<&grammar::CommandLine> = all.iter().filter(|l| l.name != "confirm").collect();
    if lines.is_empty() && !tokens.is_empty() {
        return Ok(actions);
    }
    let env = Env {
        ctx,
        lookup,
        deliver,
        actor: ctx.sender,
        message_id: ctx.message_id,
        earlier: &[],
    };
    let mut results: Vec<Option<String>> = vec![None; lines.len()];
    let mut changes: Vec<usize> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let cmd = match &line.result {
            Err(why) => {
                results[i] = Some(format!("> {}\nerror: {why}", line.text));
                continue;
            }
            Ok(cmd) => cmd,
        };
        let Some(row) = table::row(line.name) else {
            continue;
        };
        // Every row's `who` is checked, read-only ones too (all of those are `Anyone` today).
        if let Some(why) = refusal(ctx, row, ctx.sender) {
            results[i] = Some(format!("> {}\nerror: {why}", line.text));
            continue;
        }
        match row.run {
            Run::Reads(read) => {
                let answer = match read(&env, cmd) {
                    Ok(text) => text,
                    Err(Error::Lookup(e)) => return Err(e),
                    Err(e) => format!("error: {e}"),
                };
                results[i] = Some(format!("> {}\n{answer}", line.text));
            }
            Run::Changes(_) => changes.push(i),
        }
    }
    // The changing commands are tried now, in order, against a view that is thrown away: a move
    // that would be refused is refused before any confirmation is asked, and only what would run
    // is kept for the chair to confirm.
    let mut pending: Vec<usize> = Vec::new();
    if !changes.is_empty() {
        let mut earlier: Vec<Action> = Vec::new();
        lookup.in_sequence(&mut |seen| {
            for &i in &changes {
                let line = lines[i];
                let (Ok(cmd), Some(row)) = (&line.result, table::row(line.name)) else {
                    continue;
                };
                let Run::Changes(run) = row.run else {
                    continue;
                };
                let env = Env {
                    ctx,
                    lookup: seen,
                    deliver,
                    actor: ctx.sender,
                    message_id: ctx.message_id,
                    earlier: &earlier,
                };
                match run(&env, cmd) {
                    Ok((action, _)) => {
                        seen.apply(std::slice::from_ref(&action), ctx.now)?;
                        earlier.push(action);
                        pending.push(i);
                    }
                    Err(Error::Lookup(e)) => return Err(e),
                    Err(why) => results[i] = Some(format!("> {}\nerror: {why}", line.text)),
                }
            }
            Ok(())
        })?;
    }
    if !pending.is_empty() {
        let token =
            crate::tokens::new_token().map_err(|e| LookupError(format!("no random token: {e}")))?;
        let confirm_addr = format!("{}-confirm+{token}@{}", ctx.list.name, ctx.list.domain);
        for &i in &pending {
            results[i] = Some(format!(
                "> {}\npending confirmation (reply to {confirm_addr} from {})",
                lines[i].text,
                ctx.sender.to_lowercase()
            ));
        }
        let raw: Vec<String> = pending
            .iter()
            .map(|&i| {
                let line = lines[i];
                // A `pubreq` with its write-up attached keeps the write-up after it (it is the
                // last command: its write-up takes the rest of the body).
                match &line.result {
                    Ok(ChairCommand::Pubreq { writeup, .. }) if writeup.trim().is_empty() => {
                        match pubreq::attached_writeup(ctx) {
                            Some(w) => format!("{}\n{w}", line.raw),
                            None => line.raw.clone(),
                        }
                    }
                    _ => line.raw.clone(),
                }
            })
            .collect();
        let raw: Vec<&str> = raw.iter().map(String::as_str).collect();
        actions.extend(ask_confirmation(ctx, &token, &raw));
    }
    let mut results: Vec<String> = results.into_iter().flatten().collect();
    if lines.is_empty() {
        results.push("no commands found; send \"help\" for the list of commands".into());
    }
    actions.extend(result_mail(ctx, &results));
    Ok(actions)
}

/// Keeps the commands (as written, one per line) under `token` and mails the token to the sender.
fn ask_confirmation(ctx: &Context<'_>, token: &str, commands: &[&str]) -> Vec<Action> {
    let confirm_addr = format!("{}-confirm+{token}@{}", ctx.list.name, ctx.list.domain);
    let chair = ctx.sender.to_lowercase();
    let body = format!(
        "Commands from {chair} to {chairs} are waiting for your confirmation:\n\n{text}\n\n\
         To run them, reply to this message with \"confirm\" (an empty reply does too).\n\
         If you did not send them, reply \"cancel\": nothing will change, and the chairs and owners\n\
         will be told that commands were sent in your name.\n",
        chairs = chairs_address(ctx),
        text = commands
            .iter()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut actions = vec![
        Action::TokenCreate(TokenRow {
            token: token.to_owned(),
            list: ctx.list.address(),
            address: chair.clone(),
            action: TokenPurpose::Chair,
            created_at: ctx.now,
            expires_at: ctx.now + ctx.site.tokens.ttl as i64,
            used_at: None,
        }),
        Action::PendingCommand {
            token: token.to_owned(),
            subject: String::new(),
            body: commands.join("\n"),
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
    actions
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

/// A reply to `wg-confirm+TOKEN@`: runs the kept commands only when the reply says yes (empty,
/// `confirm`, `yes`, `ok`, `approve`), drops them and tells the chairs and owners when it says no,
/// and otherwise asks again and changes nothing.
pub fn answer(
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
    match answer::read(&ctx.parsed.body_text) {
        answer::Answer::Yes => confirm(ctx, &token, lookup, deliver),
        answer::Answer::No => cancel(ctx, &token, lookup),
        answer::Answer::Unclear(first) => {
            tracing::info!(list = %ctx.list.address(), sender = %ctx.sender,
                "a reply to a confirmation request said neither yes nor no; nothing runs");
            Ok(result_mail(
                ctx,
                &[format!(
                    "not confirmed; reply \"confirm\" to run the commands or \"cancel\" to drop them \
                     (your reply began: \"{first}\"). Nothing has changed."
                )],
            )
            .into_iter()
            .collect())
        }
    }
}

/// The chair said no: the token is used up so the commands can never run, the chairs and owners
/// are told that commands were sent in a chair's name and refused, and the chair gets the result.
fn cancel(ctx: &Context<'_>, token: &str, lookup: &dyn Lookup) -> Result<Vec<Action>, LookupError> {
    let Some((_, commands, message_id)) = lookup.pending(token)? else {
        return Ok(
            result_mail(ctx, &[format!("error: {}", Error::UnknownToken)])
                .into_iter()
                .collect(),
        );
    };
    let chair = ctx.sender.to_lowercase();
    tracing::warn!(list = %ctx.list.address(), chair = %chair, message_id = %message_id,
        "commands sent in a chair's name were refused by the chair");
    let subject = format!(
        "Refused: commands sent to {} in the name of {chair}",
        chairs_address(ctx)
    );
    let body = format!(
        "Commands were sent to {chairs} in the name of {chair}, and {chair} refused them when asked\n\
         to confirm. None of them ran; nothing changed.\n\n\
         The commands:\n{text}\n\n\
         They came in the mail with Message-ID <{message_id}>. If {chair} did not send it, someone\n\
         else is writing in their name: the mail server's log has where it came from.\n",
        chairs = chairs_address(ctx),
        text = commands
            .lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut told: Vec<String> = ctx
        .list
        .chairs
        .iter()
        .chain(&ctx.list.owners)
        .map(|a| a.to_lowercase())
        .collect();
    told.sort();
    told.dedup();
    let mut then = crate::notice::list_mail_members(
        ctx.site,
        ctx.list,
        &[],
        &told,
        ctx.now,
        Mail {
            from: &chairs_address(ctx),
            to: "",
            subject: &subject,
            body: &body,
            in_reply_to: Some(&message_id),
            reply_to: None,
            attached: None,
        },
    );
    let done = "cancelled: none of the commands ran, and the chairs and owners were told that \
                commands were sent in your name";
    then.extend(result_mail(ctx, &[done.to_owned()]).map(unlimited));
    Ok(vec![Action::Guarded {
        token: token.to_owned(),
        then,
        otherwise: Vec::new(),
    }])
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
    then.extend(result_mail(ctx, &results).map(unlimited));
    Ok(vec![Action::Guarded {
        token,
        then,
        otherwise: Vec::new(),
    }])
}

/// A result mail that is not counted against the daily reply limit.
fn unlimited(a: Action) -> Action {
    match a {
        Action::Reply { job, .. } => Action::Send(job),
        other => other,
    }
}

/// Whether `who` holds a role on the list or the site (chair, IESG member, owner): their results
/// are never dropped by the daily reply limit, since their work depends on them.
fn has_a_role(ctx: &Context<'_>, who: &str) -> bool {
    ctx.list.is_chair(who) || ctx.site.iesg.is_member(who) || ctx.list.is_owner(who)
}

/// The results, to the sender: counted against the daily reply limit unless the sender holds a
/// role. (A forged chair From therefore gets its answers too; they go to the chair's own
/// address, who learns of the forgery that way.)
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
    let reply = list_mail(ctx.site, ctx.list, ctx.now, m)
        .map(|job| crate::notice::reply(ctx.site, ctx.list, ctx.now, ctx.sender, job));
    if has_a_role(ctx, ctx.sender) {
        reply.map(unlimited)
    } else {
        reply
    }
}

/// A registry entry as a command found it: the name (a draft without its revision, or
/// `proposal-N`), the revision the command named, and the entry as stored.
pub(super) struct Entry {
    pub name: String,
    pub given_rev: Option<u8>,
    pub current: Option<DraftRow>,
}

impl Entry {
    /// Reads the entry a command names. A replaced name is refused here, for every command that
    /// acts on an entry, with the name that replaced it: a command on the old name would act on a
    /// document nobody works on any more.
    pub fn load(env: &Env<'_>, given: &str) -> Result<Entry, Error> {
        let name = states::parse_entry(given)?;
        let given_rev = states::parse_draft(given).ok().and_then(|d| d.rev);
        let current = env.lookup.draft(&env.list(), &name)?;
        if let Some(d) = current.as_ref().filter(|d| d.state == State::Replaced) {
            let by = d
                .replaced_by
                .clone()
                .unwrap_or_else(|| "another draft".into());
            return Err(Error::Replaced { name, by });
        }
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

/// A workflow announcement (a result, consensus, withdrawal, ballot, approval, RFC …): a post of
/// the list from the chairs — List-Id, the subject prefix once, archived, one copy per member —
/// threaded under the anchor of the latest call of the draft it is about; the chairs and `extra`
/// (the IETF-wide announce list) get the same bytes, one copy each. The draft is the first one
/// the subject names (as every Datatracker subject does), else the first the body names.
fn to_list(env: &Env<'_>, subject: &str, body: &str, extra: &[String]) -> Vec<Action> {
    let ctx = env.ctx;
    let parent = thread_under(env, subject, body);
    let to = super::calls::Audience {
        parent: parent.as_deref(),
        extra,
    };
    let posted = super::calls::post(
        ctx.site,
        ctx.list,
        ctx.members,
        env.deliver,
        subject,
        body,
        to,
        ctx.now,
    );
    match posted {
        Some((actions, _, _)) => actions,
        None => {
            tracing::error!(list = %ctx.list.address(), subject, "cannot compose a workflow announcement");
            Vec::new()
        }
    }
}

/// The anchor of the latest call (open or closed) of the draft an announcement is about.
fn thread_under(env: &Env<'_>, subject: &str, body: &str) -> Option<String> {
    let list = env.list();
    let named = [subject, body].into_iter().flat_map(|text| {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| w.len() > "draft-".len() && w.to_ascii_lowercase().starts_with("draft-"))
            .filter_map(|w| states::parse_draft(w).ok())
    });
    for draft in named {
        match env.lookup.latest_call(&list, &draft.name) {
            Ok(Some(call)) => return Some(call.anchor),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(list = %list, draft = %draft.name, error = %e.0,
                    "cannot read the draft's calls; the announcement starts a thread of its own");
                return None;
            }
        }
    }
    None
}

/// Mail from the chairs to the given addresses only, for what is not the list's business (a
/// member's proposal before the chairs, a publication request's write-up before the IESG).
fn to_some(env: &Env<'_>, subject: &str, body: &str, to: &[String]) -> Vec<Action> {
    let ctx = env.ctx;
    let mut to: Vec<String> = to.iter().map(|a| a.to_lowercase()).collect();
    to.sort();
    to.dedup();
    list_mail_members(
        ctx.site,
        ctx.list,
        &[],
        &to,
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

/// An IESG announcement: a list post (see [`to_list`]) whose same bytes also go to the site's
/// announce list.
fn announce_everywhere(env: &Env<'_>, subject: &str, body: &str) -> Vec<Action> {
    let extra: Vec<String> = env.ctx.site.iesg.announce_list.iter().cloned().collect();
    to_list(env, subject, body, &extra)
}
