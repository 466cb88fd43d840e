//! Workflow commands mailed to `wg-chairs@D` (DESIGN §2, §6; `spec/workflow.md`).
//!
//! Read-only commands (`status`, `history`, `help`) are answered at once. A command that changes
//! something runs only if the From address is one of the list's chairs **and** the chair confirms
//! it: the command text is kept under a single-use token that is mailed to that chair's configured
//! address, and it runs when the reply to `wg-confirm+TOKEN@D` (or `confirm TOKEN` here) comes back.
//! A forged From therefore never moves a draft. Every move is checked against the one transition
//! table and recorded as an append-only event.
//!
//! Who may send what: `propose` any member; the IESG steps (`ietf-lc`, `approve`, `published`) the
//! site's `[iesg] members`; everything else the list's chairs. Each is confirmed the same way.

use crate::store::{Action, CallReply, CallRow, DraftRow, EventRow, TokenRow};
use crate::workflow::commands::{self, ChairCommand};
use crate::workflow::states::{self, State};

use super::{Context, ListMail, calls, list_mail};

mod run;
mod sequential;

pub use run::pick_reviewers;
use run::run;
use sequential::Sequential;

/// Read access the chairs' robot needs.
pub trait Lookup {
    fn draft(&self, list: &str, name: &str) -> Result<Option<DraftRow>, String>;
    fn events(&self, list: &str, name: &str) -> Result<Vec<EventRow>, String>;
    fn pending(&self, token: &str) -> Result<Option<(String, String, String)>, String>;
    fn open_calls(&self, list: &str) -> Result<Vec<CallRow>, String>;
    fn latest_call(&self, list: &str, draft: &str) -> Result<Option<CallRow>, String>;
    fn call_replies(&self, call_id: i64) -> Result<Vec<CallReply>, String>;
    /// Open calls and those closed recently enough that replies still count as late.
    fn answerable_calls(&self, list: &str, now: i64) -> Result<Vec<CallRow>, String>;
    /// The position recorded for one message in a call.
    fn reply_position(&self, call_id: i64, message_id: &str) -> Result<Option<String>, String>;
    /// When each reviewer of the list was last assigned a review.
    fn last_assigned(&self, list: &str) -> Result<Vec<(String, i64)>, String>;
    fn proposal_count(&self, list: &str) -> Result<i64, String>;
    fn drafts(&self, list: &str) -> Result<Vec<DraftRow>, String>;
    /// Review assignments still waiting for their review.
    fn open_reviews(&self, list: &str) -> Result<Vec<crate::store::ReviewRow>, String>;
}

/// Who may send a state-changing command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Authority {
    Chair,
    ChairOrIesg,
    Member,
    Iesg,
}

fn authority(cmd: &ChairCommand) -> Authority {
    if matches!(cmd, ChairCommand::State { .. }) {
        Authority::ChairOrIesg
    } else if cmd.needs_iesg() {
        Authority::Iesg
    } else if matches!(cmd, ChairCommand::Propose { .. }) {
        Authority::Member
    } else {
        Authority::Chair
    }
}

/// Why `sender` may not send `cmd`, if they may not.
fn refusal(ctx: &Context<'_>, cmd: &ChairCommand, sender: &str) -> Option<String> {
    let ok = match authority(cmd) {
        Authority::Chair => ctx.list.is_chair(sender),
        Authority::ChairOrIesg => ctx.list.is_chair(sender) || ctx.site.iesg.is_member(sender),
        Authority::Iesg => ctx.site.iesg.is_member(sender),
        Authority::Member => {
            ctx.list.is_chair(sender)
                || ctx
                    .members
                    .iter()
                    .any(|m| m.address.eq_ignore_ascii_case(sender))
        }
    };
    (!ok).then(|| match authority(cmd) {
        Authority::Chair | Authority::ChairOrIesg => format!(
            "only the chairs of {} may send this command",
            ctx.list.address()
        ),
        Authority::Iesg => {
            "only IESG members (the site's [iesg] members) may send this command".into()
        }
        Authority::Member => format!("only members of {} may propose work", ctx.list.address()),
    })
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
            Ok(cmd) if refusal(ctx, cmd, ctx.sender).is_some() => results.push(format!(
                "> {}\nerror: {}",
                line.text,
                refusal(ctx, cmd, ctx.sender).unwrap_or_default()
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
        // As the spec words it: where the confirmation goes.
        for r in &mut results {
            if r.ends_with("\npending confirmation") {
                r.push_str(&format!(
                    " (reply to {confirm_addr} from {})",
                    ctx.sender.to_lowercase()
                ));
            }
        }
        let chair = ctx.sender.to_lowercase();
        let body = format!(
            "Commands from {chair} to {chairs} are waiting for your confirmation:\n\n{text}\n\n\
             To run them, reply to this message (keep the subject). If you did not send them, ignore this\n\
             message and nothing will change.\n",
            chairs = chairs_address(ctx),
            text = lines
                .iter()
                .filter(|l| matches!(&l.result, Ok(c) if !c.is_read_only() && refusal(ctx, c, ctx.sender).is_none()))
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
    // Commands run in order: each sees the drafts as the ones before it left them.
    let seen = Sequential {
        inner: lookup,
        moved: std::cell::RefCell::new(std::collections::HashMap::new()),
        proposals: std::cell::Cell::new(0),
        opened: std::cell::RefCell::new(Vec::new()),
        closed: std::cell::RefCell::new(std::collections::HashSet::new()),
        extended: std::cell::RefCell::new(std::collections::HashMap::new()),
        assigned: std::cell::RefCell::new(Vec::new()),
    };
    let lookup: &dyn Lookup = &seen;
    for line in commands::parse(&subject, &body) {
        let Ok(cmd) = line.result else { continue };
        if cmd.is_read_only() || matches!(cmd, ChairCommand::Confirm { .. }) {
            continue;
        }
        // Checked again: a chair or IESG member may have been removed since.
        if let Some(why) = refusal(ctx, &cmd, &row.address) {
            results.push(format!("> {}\nerror: {why}", line.text));
            continue;
        }
        let outcome = match run(ctx, &cmd, &row.address, &message_id, lookup)? {
            Ok((action, text)) => {
                seen.record(&action, ctx.now);
                then.push(action);
                text
            }
            Err(why) => format!("error: {why}"),
        };
        results.push(format!("> {}\n{outcome}", line.text));
    }
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

fn kind_word(kind: &str) -> &'static str {
    match kind {
        calls::WGLC => "WG last",
        calls::IETF_LC => "IETF last",
        _ => "adoption",
    }
}

/// Days since 1970-01-01 of a calendar date (Howard Hinnant's days_from_civil).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
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

const HELP: &str = "Commands, one per line (stop at \"end\"):
  propose \"TITLE\"                                   any member
  candidate DRAFT
  adoption start DRAFT-NN [ends YYYY-MM-DD | for N weeks|days]
  adoption close DRAFT · adoption extend DRAFT to YYYY-MM-DD
  review start DRAFT reviewers N
  wglc start DRAFT-NN [ends … | for …] · wglc close DRAFT · wglc extend DRAFT to YYYY-MM-DD
  consensus DRAFT reached|not-reached, then the reason on the following lines
  state DRAFT SLUG [force] [reason \"…\"]
  pubreq DRAFT status ps|bcp|info|exp
  ietf-lc start DRAFT [ends …] · ietf-lc close DRAFT · ietf-lc extend DRAFT to DATE   IESG
  approve DRAFT · published DRAFT rfc NNNN                                       IESG
  status DRAFT · tally DRAFT · history DRAFT · help                               anyone
Each changing command is confirmed by a token mailed to the sender's configured address.";

fn read_only(ctx: &Context<'_>, cmd: &ChairCommand, lookup: &dyn Lookup) -> Result<String, String> {
    let list = ctx.list.address();
    Ok(match cmd {
        ChairCommand::Help => HELP.into(),
        ChairCommand::Status { draft }
        | ChairCommand::History { draft }
        | ChairCommand::Tally { draft } => {
            let name = states::parse_draft(draft)
                .map(|d| d.name)
                .unwrap_or_else(|_| draft.clone());
            match lookup.draft(&list, &name)? {
                None => format!("error: {name} is not a draft of {list}"),
                Some(d) if matches!(cmd, ChairCommand::History { .. }) => {
                    let mut out = format!("{name}: {}", d.state);
                    for e in lookup.events(&list, &name)? {
                        out.push_str(&format!(
                            "\n  {} {} → {} by {}{}",
                            crate::clock::ymd(e.at),
                            e.from_state.as_deref().unwrap_or("(new)"),
                            e.to_state,
                            e.actor,
                            if e.forced { " (forced)" } else { "" }
                        ));
                    }
                    out
                }
                Some(_) if matches!(cmd, ChairCommand::Tally { .. }) => {
                    match lookup.latest_call(&list, &name)? {
                        None => format!("{name} has had no call"),
                        Some(call) => {
                            let t = calls::tally_of(&call, &lookup.call_replies(call.id)?);
                            format!(
                                "{}: {} call, {} {}\n{}",
                                name,
                                kind_word(&call.kind),
                                if call.state == "open" {
                                    "ends"
                                } else {
                                    "ended"
                                },
                                calls::ends_ymd(ctx.list, call.ends_at),
                                crate::workflow::tally::render_text(&t)
                            )
                        }
                    }
                }
                Some(d) => {
                    let state = State::from_slug(&d.state);
                    let mut out = format!(
                        "{name}: {} (stage {})",
                        state
                            .map(|s| s.datatracker_name())
                            .unwrap_or(d.state.as_str()),
                        state.map(|s| s.stage()).unwrap_or(0)
                    );
                    if !d.title.is_empty() {
                        out.push_str(&format!("; title \"{}\"", d.title));
                    }
                    if !d.tags.is_empty() {
                        out.push_str(&format!("; tags {}", d.tags.join(", ")));
                    }
                    if let Some(s) = d
                        .intended_status
                        .as_deref()
                        .and_then(commands::IntendedStatus::from_keyword)
                    {
                        out.push_str(&format!("; intended status {}", s.name()));
                    }
                    if let Some(rfc) = d.rfc {
                        out.push_str(&format!("; RFC {rfc}"));
                    }
                    out
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

#[cfg(test)]
mod tests {
    use super::pick_reviewers;

    #[test]
    fn reviewers_rotate_least_recently_assigned_first() {
        let pool: Vec<String> = ["a@x", "b@x", "c@x"].map(String::from).to_vec();
        assert_eq!(pick_reviewers(&pool, &[], 2), ["a@x", "b@x"]);
        let last = vec![("a@x".to_owned(), 10), ("b@x".to_owned(), 10)];
        assert_eq!(pick_reviewers(&pool, &last, 2), ["c@x", "a@x"]);
        let last = vec![
            ("A@X".to_owned(), 30),
            ("b@x".to_owned(), 20),
            ("c@x".to_owned(), 25),
        ];
        assert_eq!(pick_reviewers(&pool, &last, 3), ["b@x", "c@x", "a@x"]);
        assert_eq!(pick_reviewers(&pool, &[], 5).len(), 3);
    }
}
