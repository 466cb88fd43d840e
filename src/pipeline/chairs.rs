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

use crate::store::{Action, DraftMove, DraftRow, EventRow, TokenRow};
use crate::workflow::commands::{self, ChairCommand};
use crate::workflow::states::{self, Actor, State};

use super::{Context, ListMail, list_mail};

/// Read access the chairs' robot needs.
pub trait Lookup {
    fn draft(&self, list: &str, name: &str) -> Result<Option<DraftRow>, String>;
    fn events(&self, list: &str, name: &str) -> Result<Vec<EventRow>, String>;
    fn pending(&self, token: &str) -> Result<Option<(String, String, String)>, String>;
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
            Ok((m, text)) => {
                then.push(Action::DraftMove {
                    m,
                    then: Vec::new(),
                });
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

/// One state-changing command: the move it makes, or why it cannot.
fn run(
    ctx: &Context<'_>,
    cmd: &ChairCommand,
    chair: &str,
    message_id: &str,
    lookup: &dyn Lookup,
) -> Result<Result<(DraftMove, String), String>, String> {
    let list = ctx.list.address();
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
    match states::check(from, to, Actor::Chair, force) {
        Ok(mv) => {
            let text = format!("ok: {}", mv.describe());
            Ok(Ok((
                DraftMove {
                    list,
                    draft: parsed.name.clone(),
                    rev: rev.or(parsed.rev.map(i64::from)),
                    from: current.map(|d| d.state),
                    to: to.slug().to_owned(),
                    actor: chair.to_owned(),
                    why,
                    message_id: message_id.to_owned(),
                    forced: mv.forced,
                },
                text,
            )))
        }
        Err(e) => Ok(Err(e.to_string())),
    }
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
        ChairCommand::Help => "commands: candidate DRAFT · state DRAFT SLUG [force] [reason \"…\"] · status DRAFT · history DRAFT · help; \
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
