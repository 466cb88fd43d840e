//! Workflow commands mailed to `wg-chairs@D` (DESIGN §2, §6; `spec/workflow.md`).
//!
//! Read-only commands (`status`, `history`, `help`) are answered at once. A command that changes
//! something runs only if the From address is one of the list's chairs **and** the chair confirms
//! it: the command text is kept under a single-use token that is mailed to that chair's configured
//! address, and it runs when the reply to `wg-confirm+TOKEN@D` (or `confirm TOKEN` here) comes back.
//! A forged From therefore never moves a draft. Every move is checked against the one transition
//! table and recorded as an append-only event.
//!
//! Supported so far: `candidate`, `state … [force] [reason "…"]`, `status`, `history`, `help`. The
//! call commands (adoption, WGLC, IETF LC, consensus, publication) answer that they are not yet
//! supported rather than half-work.

use crate::store::{Action, CallReply, CallRow, DraftMove, DraftRow, EventRow, TokenRow};
use crate::workflow::commands::End;
use crate::workflow::commands::{self, ChairCommand};
use crate::workflow::states::{self, Actor, State};

use super::{Context, ListMail, list_mail};

/// Read access the chairs' robot needs.
pub trait Lookup {
    fn draft(&self, list: &str, name: &str) -> Result<Option<DraftRow>, String>;
    fn events(&self, list: &str, name: &str) -> Result<Vec<EventRow>, String>;
    fn pending(&self, token: &str) -> Result<Option<(String, String, String)>, String>;
    fn open_calls(&self, list: &str) -> Result<Vec<CallRow>, String>;
    fn latest_call(&self, list: &str, draft: &str) -> Result<Option<CallRow>, String>;
    fn call_replies(&self, call_id: i64) -> Result<Vec<CallReply>, String>;
}

fn chairs_address(ctx: &Context<'_>) -> String {
    format!("{}-chairs@{}", ctx.list.name, ctx.list.domain)
}

/// Mail to `wg-chairs@`.
pub fn handle(
    ctx: &Context<'_>,
    lookup: &dyn Lookup,
    tokens: &dyn super::membership::Lookup,
) -> Result<Vec<Action>, String> {
    if crate::notice::must_not_answer(
        &ctx.item.mail_from,
        ctx.parsed.auto_submitted.as_deref(),
        ctx.parsed.precedence.as_deref(),
    ) {
        return Ok(vec![Action::Discard]);
    }
    let lines = commands::parse(&ctx.parsed.subject, &ctx.parsed.body_text);
    let mut results: Vec<String> = Vec::new();
    let mut actions = Vec::new();
    // A `confirm TOKEN` line runs the stored command instead.
    if let Some(token) = lines.iter().find_map(|l| match &l.result {
        Ok(ChairCommand::Confirm { token }) => Some(token.clone()),
        _ => None,
    }) {
        return confirm(ctx, &token, lookup, tokens);
    }
    let mut needs_confirmation = false;
    for line in &lines {
        match &line.result {
            Err(why) => results.push(format!("> {}\nerror: {why}", line.text)),
            Ok(cmd) if cmd.is_read_only() => {
                results.push(format!("> {}\n{}", line.text, read_only(ctx, cmd, lookup)?))
            }
            Ok(_) if !ctx.list.is_chair(ctx.sender) => results.push(format!(
                "> {}\nerror: only the chairs of {} may send this command",
                line.text,
                ctx.list.address()
            )),
            Ok(_) => {
                needs_confirmation = true;
                results.push(format!("> {}\npending confirmation", line.text));
            }
        }
    }
    if lines.is_empty() {
        results.push("no commands found; send \"help\" for the list of commands".into());
    }
    if needs_confirmation {
        let token = crate::tokens::new_token().map_err(|e| format!("no random token: {e}"))?;
        let confirm_addr = format!("{}-confirm+{token}@{}", ctx.list.name, ctx.list.domain);
        let chair = ctx.sender.to_lowercase();
        let body = format!(
            "Commands from {chair} to {chairs} are waiting for your confirmation:\n\n{text}\n\n\
             To run them, reply to this message (keep the subject). If you did not send them, ignore this\n\
             message and nothing will change.\n",
            chairs = chairs_address(ctx),
            text = lines
                .iter()
                .filter(|l| matches!(&l.result, Ok(c) if !c.is_read_only()))
                .map(|l| format!("    {}", l.text))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        actions.push(Action::TokenCreate(TokenRow {
            token: token.clone(),
            list: ctx.list.address(),
            address: chair.clone(),
            action: "chair".into(),
            created_at: ctx.now,
            expires_at: ctx.now + ctx.site.tokens.ttl as i64,
            used_at: None,
        }));
        actions.push(Action::PendingCommand {
            token: token.clone(),
            subject: ctx.parsed.subject.clone(),
            body: ctx.parsed.body_text.clone(),
            message_id: ctx.message_id.to_owned(),
        });
        // To the chair's address as configured (the From matched it), never elsewhere.
        let m = ListMail {
            from: &confirm_addr,
            to: &chair,
            subject: &format!("confirm {token}"),
            body: &body,
            in_reply_to: Some(ctx.message_id),
            reply_to: Some(&confirm_addr),
            attached: None,
        };
        actions.extend(list_mail(ctx.site, ctx.list, ctx.now, m).map(Action::Send));
    }
    actions.extend(result_mail(ctx, &results));
    Ok(actions)
}

/// Runs the commands stored under `token` once the chair confirmed them.
pub fn confirm(
    ctx: &Context<'_>,
    token: &str,
    lookup: &dyn Lookup,
    tokens: &dyn super::membership::Lookup,
) -> Result<Vec<Action>, String> {
    let token = token.to_lowercase();
    let row = tokens.token(&token)?;
    let problem = match &row {
        None => Some("unknown confirmation token"),
        Some(r) if r.list != ctx.list.address() || r.action != "chair" => {
            Some("unknown confirmation token")
        }
        Some(r) if r.used_at.is_some() => Some("these commands were already confirmed"),
        Some(r) if r.expires_at <= ctx.now => {
            Some("this confirmation has expired; send the commands again")
        }
        Some(r) if !r.address.eq_ignore_ascii_case(ctx.sender) => {
            Some("only the chair who sent the commands can confirm them")
        }
        _ => None,
    };
    let (Some(row), None) = (row, problem) else {
        return Ok(result_mail(
            ctx,
            &[format!(
                "error: {}",
                problem.unwrap_or("unknown confirmation token")
            )],
        )
        .into_iter()
        .collect());
    };
    let Some((subject, body, message_id)) = lookup.pending(&token)? else {
        return Ok(
            result_mail(ctx, &["error: unknown confirmation token".into()])
                .into_iter()
                .collect(),
        );
    };
    let mut results = Vec::new();
    let mut then = Vec::new();
    for line in commands::parse(&subject, &body) {
        let Ok(cmd) = line.result else { continue };
        if cmd.is_read_only() || matches!(cmd, ChairCommand::Confirm { .. }) {
            continue;
        }
        let outcome = match run(ctx, &cmd, &row.address, &message_id, lookup)? {
            Ok((action, text)) => {
                then.push(action);
                text
            }
            Err(why) => format!("error: {why}"),
        };
        results.push(format!("> {}\n{outcome}", line.text));
    }
    then.extend(result_mail(ctx, &results));
    Ok(vec![Action::Guarded {
        token,
        then,
        otherwise: Vec::new(),
    }])
}

/// One state-changing command: the action it takes, or why it cannot.
fn run(
    ctx: &Context<'_>,
    cmd: &ChairCommand,
    chair: &str,
    message_id: &str,
    lookup: &dyn Lookup,
) -> Result<Result<(Action, String), String>, String> {
    let list = ctx.list.address();
    // Closing a call: the tally and the decision rule decide where the draft goes.
    if let ChairCommand::AdoptionClose { draft } | ChairCommand::WglcClose { draft } = cmd {
        let kind = if matches!(cmd, ChairCommand::WglcClose { .. }) {
            "wglc"
        } else {
            "adoption"
        };
        let name = match states::parse_draft(draft) {
            Ok(d) => d.name,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let call = match lookup.latest_call(&list, &name)? {
            Some(c) if c.state == "open" && c.kind == kind => c,
            _ => return Ok(Err(format!("{name} has no open {} call", kind_word(kind)))),
        };
        let replies = lookup.call_replies(call.id)?;
        let state = lookup.draft(&list, &name)?.map(|d| d.state);
        let action = super::calls::close(
            ctx.site,
            ctx.list,
            ctx.members,
            &call,
            &replies,
            state.as_deref(),
            chair,
            ctx.now,
        );
        return Ok(Ok((
            action,
            format!(
                "ok: the {} call on {name} is closed; the result goes to the list",
                kind_word(kind)
            ),
        )));
    }
    if let ChairCommand::Consensus {
        draft,
        reached,
        reason,
    } = cmd
    {
        return consensus(ctx, draft, *reached, reason, chair, message_id, lookup);
    }
    let (draft, rev, to, force, why) = match cmd {
        ChairCommand::Candidate { draft } => (
            draft.clone(),
            None,
            State::Candidate,
            false,
            String::from("candidate"),
        ),
        ChairCommand::State {
            draft,
            to,
            force,
            reason,
        } => (
            draft.clone(),
            None,
            *to,
            *force,
            reason.clone().unwrap_or_default(),
        ),
        ChairCommand::AdoptionStart { draft, rev, .. } => (
            draft.clone(),
            Some(*rev),
            State::Cfa,
            false,
            "call for adoption".into(),
        ),
        ChairCommand::WglcStart { draft, rev, .. } => (
            draft.clone(),
            Some(*rev),
            State::Wglc,
            false,
            "WG last call".into(),
        ),
        other => {
            return Ok(Err(format!(
                "{} is not yet supported by this server",
                command_word(other)
            )));
        }
    };
    let parsed = match states::parse_draft(&draft) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let current = lookup.draft(&list, &parsed.name)?;
    let from = current.as_ref().and_then(|d| State::from_slug(&d.state));
    let mv = match states::check(from, to, Actor::Chair, force) {
        Ok(mv) => mv,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let mut then = Vec::new();
    let mut text = format!("ok: {}", mv.describe());
    if let (
        Some(rev),
        ChairCommand::AdoptionStart { end, .. } | ChairCommand::WglcStart { end, .. },
    ) = (rev, cmd)
    {
        if lookup
            .open_calls(&list)?
            .iter()
            .any(|c| c.draft == parsed.name)
        {
            return Ok(Err(format!("{} already has an open call", parsed.name)));
        }
        let days = match end {
            Some(End::For { days }) => i64::from(*days),
            Some(End::On(date)) => {
                let end_day =
                    days_from_civil(i64::from(date.y), i64::from(date.m), i64::from(date.d));
                let today = ctx.now.div_euclid(86_400);
                if end_day <= today {
                    return Ok(Err(format!(
                        "the call cannot end on {date}, which is not in the future"
                    )));
                }
                end_day - today
            }
            None => {
                7 * i64::from(if to == State::Wglc {
                    ctx.list.workflow.wglc_weeks
                } else {
                    ctx.list.workflow.adoption_weeks
                })
            }
        };
        let kind = if to == State::Wglc {
            "wglc"
        } else {
            "adoption"
        };
        let Some((announce, call)) = super::calls::announce(
            ctx.site,
            ctx.list,
            ctx.members,
            kind,
            &parsed.name,
            rev,
            days,
            ctx.now,
        ) else {
            return Ok(Err("cannot compose the announcement".into()));
        };
        text.push_str(&format!("; announced to the list: {}", call.subject));
        then.push(Action::CallOpen(call));
        then.extend(announce);
    }
    let m = DraftMove {
        list,
        draft: parsed.name.clone(),
        rev: rev.map(i64::from).or(parsed.rev.map(i64::from)),
        from: current.map(|d| d.state),
        to: to.slug().to_owned(),
        actor: chair.to_owned(),
        why,
        message_id: message_id.to_owned(),
        forced: mv.forced,
    };
    Ok(Ok((Action::DraftMove { m, then }, text)))
}

/// A chair's consensus call (under `decision = "chair"`, or after a WGLC left the draft in
/// chair-goahead): the draft moves, the reason is recorded, and the list is told.
fn consensus(
    ctx: &Context<'_>,
    draft: &str,
    reached: bool,
    reason: &str,
    chair: &str,
    message_id: &str,
    lookup: &dyn Lookup,
) -> Result<Result<(Action, String), String>, String> {
    let list = ctx.list.address();
    let name = match states::parse_draft(draft) {
        Ok(d) => d.name,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let Some(current) = lookup.draft(&list, &name)? else {
        return Ok(Err(format!("{name} is not a draft of {list}")));
    };
    if lookup.open_calls(&list)?.iter().any(|c| c.draft == name) {
        return Ok(Err(format!(
            "the call on {name} is still open; close it first"
        )));
    }
    let from = State::from_slug(&current.state);
    let to = match (from, reached) {
        (Some(State::ChairGoahead), true) => State::Writeup,
        (Some(State::ChairGoahead), false) => State::WgDoc,
        (Some(State::Cfa), true) => State::Adopted,
        (Some(State::Cfa), false) => State::Candidate,
        _ => {
            return Ok(Err(format!(
                "{name} is in {}, where there is no consensus to call",
                current.state
            )));
        }
    };
    let mv = match states::check(from, to, Actor::Chair, false) {
        Ok(mv) => mv,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let verdict = if reached { "reached" } else { "not reached" };
    let subject = format!("Consensus on {name}: {verdict}");
    let body = format!(
        "The chairs of {list} declare that consensus on {name} was {verdict}.\n\nReason:\n{reason}\n\n{}\n",
        mv.describe()
    );
    let chairs = chairs_address(ctx);
    let mail = ListMail {
        from: &chairs,
        to: "",
        subject: &subject,
        body: &body,
        in_reply_to: None,
        reply_to: Some(&list),
        attached: None,
    };
    let then = super::list_mail_members(ctx.site, ctx.list, ctx.members, &[], ctx.now, mail);
    let m = DraftMove {
        list: list.clone(),
        draft: name,
        rev: current.rev,
        from: Some(current.state),
        to: to.slug().to_owned(),
        actor: chair.to_owned(),
        why: format!("consensus {verdict}: {reason}"),
        message_id: message_id.to_owned(),
        forced: false,
    };
    Ok(Ok((
        Action::DraftMove { m, then },
        format!("ok: {}; announced to the list", mv.describe()),
    )))
}

fn kind_word(kind: &str) -> &'static str {
    if kind == "wglc" {
        "WG last"
    } else {
        "adoption"
    }
}

/// Days since 1970-01-01 of a calendar date (Howard Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn command_word(cmd: &ChairCommand) -> String {
    format!("{cmd:?}")
        .split([' ', '{', '('])
        .next()
        .unwrap_or("this command")
        .to_lowercase()
}

fn read_only(ctx: &Context<'_>, cmd: &ChairCommand, lookup: &dyn Lookup) -> Result<String, String> {
    let list = ctx.list.address();
    Ok(match cmd {
        ChairCommand::Help => "commands: candidate DRAFT · adoption start DRAFT-NN [ends YYYY-MM-DD | for N weeks|days] · adoption close DRAFT · \
             wglc start DRAFT-NN [ends … | for …] · wglc close DRAFT · state DRAFT SLUG [force] [reason \"…\"] · status DRAFT · \
             history DRAFT · help; \
             each changing command is confirmed by a token mailed to the chair"
            .into(),
        ChairCommand::Status { draft } | ChairCommand::History { draft } | ChairCommand::Tally { draft } => {
            let name = states::parse_draft(draft).map(|d| d.name).unwrap_or_else(|_| draft.clone());
            match lookup.draft(&list, &name)? {
                None => format!("error: {name} is not a draft of {list}"),
                Some(d) if matches!(cmd, ChairCommand::History { .. }) => {
                    let mut out = format!("{name}: {}", d.state);
                    for e in lookup.events(&list, &name)? {
                        out.push_str(&format!("\n  {} {} → {} by {}{}", crate::clock::ymd(e.at), e.from_state.as_deref().unwrap_or("(new)"), e.to_state, e.actor, if e.forced { " (forced)" } else { "" }));
                    }
                    out
                }
                Some(d) => {
                    let state = State::from_slug(&d.state);
                    format!(
                        "{name}: {} (stage {})",
                        state.map(|s| s.datatracker_name()).unwrap_or(d.state.as_str()),
                        state.map(|s| s.stage()).unwrap_or(0)
                    )
                }
            }
        }
        _ => "error: not a read-only command".into(),
    })
}

fn result_mail(ctx: &Context<'_>, results: &[String]) -> Option<Action> {
    let body = format!(
        "Results of your commands to {}:\n\n{}\n",
        chairs_address(ctx),
        results.join("\n\n")
    );
    let subject = format!("Results of your commands to {}", chairs_address(ctx));
    let m = ListMail {
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
