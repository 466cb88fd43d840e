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

use crate::store::{
    Action, CallReply, CallRow, DraftMeta, DraftMove, DraftRow, EventRow, TokenRow,
};
use crate::workflow::commands::End;
use crate::workflow::commands::{self, ChairCommand};
use crate::workflow::states::{self, Actor, State};

use super::{Context, ListMail, calls, list_mail};

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

/// The store as a run of commands sees it: drafts moved by earlier commands of the same message
/// are where those commands put them (the moves themselves are applied together, in order).
struct Sequential<'a> {
    inner: &'a dyn Lookup,
    moved: std::cell::RefCell<std::collections::HashMap<(String, String), DraftRow>>,
    proposals: std::cell::Cell<i64>,
    /// Calls opened (id 0: not stored yet) and closed by earlier commands.
    opened: std::cell::RefCell<Vec<CallRow>>,
    closed: std::cell::RefCell<std::collections::HashSet<i64>>,
    /// New ends of calls extended by earlier commands.
    extended: std::cell::RefCell<std::collections::HashMap<i64, i64>>,
    /// Reviewers assigned by earlier commands, for the rotation.
    assigned: std::cell::RefCell<Vec<(String, i64)>>,
}

impl Sequential<'_> {
    fn as_extended(&self, mut call: CallRow) -> CallRow {
        if let Some(end) = self.extended.borrow().get(&call.id) {
            call.ends_at = *end;
        }
        call
    }

    fn record(&self, action: &Action, now: i64) {
        match action {
            Action::DraftMove { m, then } => {
                if m.from.is_none() && m.to == State::Proposal.slug() {
                    self.proposals.set(self.proposals.get() + 1);
                }
                let mut moved = self.moved.borrow_mut();
                let key = (m.list.clone(), m.draft.clone());
                let before = moved
                    .get(&key)
                    .cloned()
                    .or_else(|| self.inner.draft(&m.list, &m.draft).ok().flatten());
                let row = DraftRow {
                    list: m.list.clone(),
                    name: m.draft.clone(),
                    rev: m.rev.or(before.as_ref().and_then(|d| d.rev)),
                    state: m.to.clone(),
                    updated_at: now,
                    tags: before.as_ref().map(|d| d.tags.clone()).unwrap_or_default(),
                    title: before.as_ref().map(|d| d.title.clone()).unwrap_or_default(),
                    intended_status: before.as_ref().and_then(|d| d.intended_status.clone()),
                    rfc: before.as_ref().and_then(|d| d.rfc),
                };
                moved.insert(key, row);
                drop(moved);
                for a in then {
                    self.record(a, now);
                }
            }
            Action::DraftMeta(m) => {
                if let Some(d) = self
                    .moved
                    .borrow_mut()
                    .get_mut(&(m.list.clone(), m.draft.clone()))
                {
                    if let Some(s) = &m.intended_status {
                        d.intended_status = Some(s.clone());
                    }
                    if let Some(t) = &m.title {
                        d.title = t.clone();
                    }
                    d.rfc = m.rfc.or(d.rfc);
                    d.rev = m.rev.or(d.rev);
                }
            }
            Action::CallClose { id, then, .. } => {
                self.closed.borrow_mut().insert(*id);
                for a in then {
                    self.record(a, now);
                }
            }
            Action::CallOpen(call) => self.opened.borrow_mut().push(call.clone()),
            Action::ReviewAssign { reviewers, .. } => self
                .assigned
                .borrow_mut()
                .extend(reviewers.iter().map(|r| (r.clone(), now))),
            Action::CallExtend { id, ends_at, .. } => {
                self.extended.borrow_mut().insert(*id, *ends_at);
            }
            _ => {}
        }
    }
}

impl Lookup for Sequential<'_> {
    fn draft(&self, list: &str, name: &str) -> Result<Option<DraftRow>, String> {
        match self.moved.borrow().get(&(list.to_owned(), name.to_owned())) {
            Some(d) => Ok(Some(d.clone())),
            None => self.inner.draft(list, name),
        }
    }
    fn events(&self, list: &str, name: &str) -> Result<Vec<EventRow>, String> {
        self.inner.events(list, name)
    }
    fn pending(&self, token: &str) -> Result<Option<(String, String, String)>, String> {
        self.inner.pending(token)
    }
    fn open_calls(&self, list: &str) -> Result<Vec<CallRow>, String> {
        let closed = self.closed.borrow();
        let mut calls: Vec<CallRow> = self
            .inner
            .open_calls(list)?
            .into_iter()
            .filter(|c| !closed.contains(&c.id))
            .map(|c| self.as_extended(c))
            .collect();
        calls.extend(
            self.opened
                .borrow()
                .iter()
                .filter(|c| c.list == list)
                .cloned(),
        );
        Ok(calls)
    }
    fn latest_call(&self, list: &str, draft: &str) -> Result<Option<CallRow>, String> {
        if let Some(c) = self
            .opened
            .borrow()
            .iter()
            .rev()
            .find(|c| c.list == list && c.draft == draft)
        {
            return Ok(Some(c.clone()));
        }
        Ok(self.inner.latest_call(list, draft)?.map(|c| {
            let mut c = self.as_extended(c);
            if self.closed.borrow().contains(&c.id) {
                c.state = "closed".into();
            }
            c
        }))
    }
    fn call_replies(&self, call_id: i64) -> Result<Vec<CallReply>, String> {
        self.inner.call_replies(call_id)
    }
    fn answerable_calls(&self, list: &str, now: i64) -> Result<Vec<CallRow>, String> {
        self.inner.answerable_calls(list, now)
    }
    fn reply_position(&self, call_id: i64, message_id: &str) -> Result<Option<String>, String> {
        self.inner.reply_position(call_id, message_id)
    }
    fn last_assigned(&self, list: &str) -> Result<Vec<(String, i64)>, String> {
        let mut all = self.inner.last_assigned(list)?;
        all.extend(self.assigned.borrow().iter().cloned());
        // The latest assignment per reviewer.
        all.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        all.dedup_by(|a, b| a.0 == b.0);
        Ok(all)
    }
    fn proposal_count(&self, list: &str) -> Result<i64, String> {
        Ok(self.inner.proposal_count(list)? + self.proposals.get())
    }
    fn drafts(&self, list: &str) -> Result<Vec<DraftRow>, String> {
        self.inner.drafts(list)
    }
    fn open_reviews(&self, list: &str) -> Result<Vec<crate::store::ReviewRow>, String> {
        self.inner.open_reviews(list)
    }
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

/// What a state-changing command does: the action, and the line for the result mail.
type Step = Result<(Action, String), String>;

/// One state-changing command: the action it takes, or why it cannot.
fn run(
    ctx: &Context<'_>,
    cmd: &ChairCommand,
    actor: &str,
    message_id: &str,
    lookup: &dyn Lookup,
) -> Result<Step, String> {
    use ChairCommand as C;
    let list = ctx.list.address();
    if let C::Propose { title } = cmd {
        return propose(ctx, title, actor, message_id, lookup);
    }
    if let C::Consensus {
        draft,
        reached,
        reason,
    } = cmd
    {
        return consensus(ctx, draft, *reached, reason, actor, message_id, lookup);
    }
    let Some(given) = cmd.draft() else {
        return Ok(Err("this command names no draft".into()));
    };
    // A draft, or a proposal (`state proposal-3 candidate`).
    let name = match states::parse_entry(given) {
        Ok(n) => n,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let given_rev = states::parse_draft(given).ok().and_then(|d| d.rev);
    let current = lookup.draft(&list, &name)?;
    let from = current.as_ref().and_then(|d| State::from_slug(&d.state));
    let who = if cmd.needs_iesg() {
        Actor::Iesg
    } else {
        Actor::Chair
    };
    match cmd {
        C::AdoptionClose { .. } | C::WglcClose { .. } | C::IetfLcClose { .. } => {
            let kind = call_kind(cmd);
            let Some(call) = open_call_of(lookup, &list, &name, kind)? else {
                return Ok(Err(format!("{name} has no open {} call", kind_word(kind))));
            };
            if call.id == 0 {
                return Ok(Err(format!(
                    "the {} call on {name} opens with this same message; close it in a later one",
                    kind_word(kind)
                )));
            }
            let replies = lookup.call_replies(call.id)?;
            let action = calls::close(
                ctx.site,
                ctx.list,
                ctx.members,
                &call,
                &replies,
                current.as_ref().map(|d| d.state.as_str()),
                actor,
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
        C::AdoptionExtend { to, .. } | C::WglcExtend { to, .. } | C::IetfLcExtend { to, .. } => {
            let kind = call_kind(cmd);
            let Some(call) = open_call_of(lookup, &list, &name, kind)? else {
                return Ok(Err(format!("{name} has no open {} call", kind_word(kind))));
            };
            if call.id == 0 {
                return Ok(Err(format!(
                    "the {} call on {name} opens with this same message; give its end there",
                    kind_word(kind)
                )));
            }
            let ends_at = match calls::deadline(ctx.list, ctx.now, Some(End::On(*to)), 0, 1) {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            if ends_at <= call.ends_at {
                return Ok(Err(format!(
                    "the call already ends {}; an extension must end later",
                    calls::ends_ymd(ctx.list, call.ends_at)
                )));
            }
            let action = calls::extend(
                ctx.site,
                ctx.list,
                ctx.members,
                &call,
                ends_at,
                actor,
                ctx.now,
            );
            return Ok(Ok((
                action,
                format!(
                    "ok: the {} call on {name} now ends {to}; the list is told",
                    kind_word(kind)
                ),
            )));
        }
        _ => {}
    }
    let (to, force, why) = match cmd {
        C::Candidate { .. } => (State::Candidate, false, "candidate".to_owned()),
        C::State {
            to, force, reason, ..
        } => (*to, *force, reason.clone().unwrap_or_default()),
        C::AdoptionStart { .. } => (State::Cfa, false, "call for adoption".into()),
        C::WglcStart { .. } => (State::Wglc, false, "WG last call".into()),
        C::ReviewStart { reviewers, .. } => (
            State::WgReview,
            false,
            format!("review round, {reviewers} reviewers"),
        ),
        C::Pubreq { status, .. } => (
            State::Submitted,
            false,
            format!("publication requested as {}", status.name()),
        ),
        C::IetfLcStart { .. } => (State::IetfLc, false, "IETF last call".into()),
        C::Approve { .. } => (State::Approved, false, "approved".into()),
        // Through the RFC Editor queue, unless the IESG already recorded the draft there.
        C::Published { rfc, .. } if from == Some(State::RfcEdQueue) => {
            (State::Published, false, format!("published as RFC {rfc}"))
        }
        C::Published { rfc, .. } => (State::RfcEdQueue, false, format!("RFC {rfc}")),
        other => {
            return Ok(Err(format!("{} cannot be run here", command_word(other))));
        }
    };
    // `state` is a chair's command, and an IESG member's for the IESG's own moves (returning a
    // document to the WG from submitted or IESG evaluation).
    let as_chair = ctx.list.is_chair(actor);
    let as_iesg = ctx.site.iesg.is_member(actor);
    let checked = match (cmd, as_chair, as_iesg) {
        (C::State { .. }, true, true) => states::check(from, to, Actor::Chair, force)
            .or_else(|_| states::check(from, to, Actor::Iesg, false)),
        (C::State { .. }, false, true) => states::check(from, to, Actor::Iesg, false),
        _ => states::check(from, to, who, force),
    };
    let mv = match checked {
        Ok(mv) => mv,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if let C::State { .. } = cmd
        && lookup.open_calls(&list)?.iter().any(|c| c.draft == name)
    {
        return Ok(Err(format!(
            "{name} has an open call; close it first (its result moves the draft)"
        )));
    }
    // States that come with a call, an announcement or a record are entered by their own
    // command, never by `state` (which would leave, say, a WGLC with no call to close).
    if let C::State { .. } = cmd
        && let Some(how) = entered_by(to)
    {
        return Ok(Err(format!(
            "{} is entered with `{how}`, which also {}",
            to.slug(),
            match to {
                State::Cfa | State::Wglc | State::IetfLc => "opens and announces the call",
                State::WgReview => "assigns and tells the reviewers",
                State::Submitted => "records the intended status and tells the IESG",
                _ => "announces it",
            }
        )));
    }
    let rev = match cmd {
        C::AdoptionStart { rev, .. } | C::WglcStart { rev, .. } => Some(i64::from(*rev)),
        _ => given_rev.map(i64::from),
    };
    let known_rev = rev.or(current.as_ref().and_then(|d| d.rev));
    let title = current
        .as_ref()
        .map(|d| d.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| name.clone());
    let status = current
        .as_ref()
        .and_then(|d| d.intended_status.as_deref())
        .and_then(commands::IntendedStatus::from_keyword)
        .unwrap_or(commands::IntendedStatus::ProposedStandard);
    let mut then = Vec::new();
    let mut text = format!("ok: {}", mv.describe());
    let meta = |f: &dyn Fn(&mut DraftMeta)| {
        let mut m = DraftMeta {
            list: list.clone(),
            draft: name.clone(),
            ..DraftMeta::default()
        };
        f(&mut m);
        Action::DraftMeta(m)
    };
    match cmd {
        C::AdoptionStart { end, .. } | C::WglcStart { end, .. } | C::IetfLcStart { end, .. } => {
            if lookup.open_calls(&list)?.iter().any(|c| c.draft == name) {
                return Ok(Err(format!("{name} already has an open call")));
            }
            let kind = call_kind(cmd);
            let (default_days, min_days) = match kind {
                calls::WGLC => (7 * i64::from(ctx.list.workflow.wglc_weeks), 1),
                calls::ADOPTION => (7 * i64::from(ctx.list.workflow.adoption_weeks), 1),
                // RFC 6410 / the IESG's habit: 14 days for a WG document, 28 for one no WG adopted.
                _ => {
                    let adopted = lookup
                        .events(&list, &name)?
                        .iter()
                        .any(|e| e.to_state == "adopted" || e.to_state == "wg-doc");
                    let min = if adopted { 14 } else { 28 };
                    (min, min)
                }
            };
            let ends_at = match calls::deadline(ctx.list, ctx.now, *end, default_days, min_days) {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            let Some(call_rev) = known_rev else {
                return Ok(Err(format!(
                    "the revision of {name} is not known; name it, e.g. {name}-00"
                )));
            };
            let called = calls::Called {
                draft: &name,
                rev: call_rev,
                title: &title,
                status: status.name(),
            };
            let Some((announce, call)) = calls::announce(
                ctx.site,
                ctx.list,
                ctx.members,
                kind,
                &called,
                ends_at,
                ctx.now,
            ) else {
                return Ok(Err("cannot compose the announcement".into()));
            };
            text.push_str(&format!("; announced to the list: {}", call.subject));
            // A new call settles what the last one's tag said.
            let cleared = match kind {
                calls::ADOPTION => Some("no-adopt"),
                calls::WGLC => Some("rev-wglc"),
                _ => None,
            };
            if let Some(tag) = cleared {
                then.push(meta(&|m| m.remove_tags = vec![tag.into()]));
            }
            then.push(Action::CallOpen(call));
            then.extend(announce);
        }
        C::ReviewStart { reviewers: n, .. } => {
            let last = lookup.last_assigned(&list)?;
            let picked = pick_reviewers(&ctx.list.reviewers, &last, usize::from(*n));
            if picked.len() < usize::from(*n) {
                return Ok(Err(format!(
                    "{n} reviewers asked for, but the list's file names {} (reviewers = [...])",
                    ctx.list.reviewers.len()
                )));
            }
            text.push_str(&format!("; reviewers: {}", picked.join(", ")));
            let subject = format!("Review round: {name}");
            let body = format!(
                "The chairs of {list} start a review round of {name}.\n\nReviewers (in rotation): {}\n\n\
                 Please send your review to {list}, in reply to this message. When every review is in,\n\
                 the draft goes back to the working group (WG Document) and the chairs are told.\n",
                picked.join(", ")
            );
            // A list post, so every review can thread to one Message-ID.
            let Some((post, anchor, raw)) =
                calls::post_from_chairs(ctx.site, ctx.list, ctx.members, &subject, &body, ctx.now)
            else {
                return Ok(Err("cannot compose the review round's announcement".into()));
            };
            then.push(Action::ReviewAssign {
                list: list.clone(),
                draft: name.clone(),
                reviewers: picked.clone(),
                anchor,
            });
            then.extend(post);
            // Reviewers who are not members get their own copy.
            let outside: Vec<String> = picked
                .iter()
                .filter(|r| {
                    !ctx.members
                        .iter()
                        .any(|m| m.address.eq_ignore_ascii_case(r))
                })
                .cloned()
                .collect();
            if !outside.is_empty() {
                then.push(Action::Send(crate::store::OutboundJob {
                    list: list.clone(),
                    body: raw,
                    personalize: false,
                    envelopes: vec![(
                        crate::address::bounces_address(&ctx.list.name, &ctx.list.domain),
                        outside,
                    )],
                }));
            }
        }
        C::Pubreq { status, .. } => {
            let keyword = status.keyword().to_owned();
            then.push(meta(&|m| m.intended_status = Some(keyword.clone())));
            let rev = known_rev.map(|r| format!("-{r:02}")).unwrap_or_default();
            let subject = format!("Publication requested: {name}{rev} as {}", status.name());
            let body = format!(
                "The chairs of {list} request the publication of {name}{rev} as {}.\n\n{}\n",
                status.name(),
                mv.describe()
            );
            let iesg: Vec<String> = ctx.site.iesg.members.clone();
            if !iesg.is_empty() {
                then.extend(to_some(ctx, &subject, &body, &iesg));
            } else {
                text.push_str("; note: no [iesg] members are configured to receive it");
            }
        }
        C::Approve { .. } => {
            let rev = known_rev.map(|r| format!("-{r:02}")).unwrap_or_default();
            let subject = format!(
                "Protocol Action: '{title}' to {} ({name}{rev}.txt)",
                status.name()
            );
            let body = format!(
                "The IESG has approved the following document:\n- '{title}'\n  ({name}{rev}.txt) as {}\n\n\
                 This document is the product of the {} working group.\n",
                status.name(),
                ctx.list.name
            );
            then.extend(announce_everywhere(ctx, &subject, &body));
        }
        C::Published { rfc, .. } => {
            let subject = format!("RFC {rfc} on {title}");
            let body = format!(
                "A new Request for Comments is now available: RFC {rfc}, '{title}' ({name}), {}.\n\n\
                 It is the product of the {} working group.\n",
                status.name(),
                ctx.list.name
            );
            let rfc = i64::from(*rfc);
            let mut inner = vec![meta(&|m| m.rfc = Some(rfc))];
            inner.extend(announce_everywhere(ctx, &subject, &body));
            if to == State::Published {
                then.extend(inner);
            } else {
                // `published` moves through the RFC Editor queue to published in one step.
                let last =
                    match states::check(Some(State::RfcEdQueue), State::Published, who, false) {
                        Ok(mv) => mv,
                        Err(e) => return Ok(Err(e.to_string())),
                    };
                then.push(Action::DraftMove {
                    m: DraftMove {
                        list: list.clone(),
                        draft: name.clone(),
                        rev: known_rev,
                        from: Some(State::RfcEdQueue.slug().into()),
                        to: State::Published.slug().into(),
                        actor: actor.to_owned(),
                        why: format!("published as RFC {rfc}"),
                        message_id: message_id.to_owned(),
                        forced: false,
                    },
                    then: inner,
                });
                text.push_str(&format!("\nok: {}", last.describe()));
            }
        }
        _ => {}
    }
    if let Some(tag) = mv.tag {
        then.insert(0, tag_action(&list, &name, tag));
    }
    let m = DraftMove {
        list,
        draft: name,
        rev,
        from: current.map(|d| d.state),
        to: to.slug().to_owned(),
        actor: actor.to_owned(),
        why,
        message_id: message_id.to_owned(),
        forced: mv.forced,
    };
    Ok(Ok((Action::DraftMove { m, then }, text)))
}

/// Sets the tag a move carries (`cfa` → `candidate` sets `no-adopt`, `wglc` → `wg-doc` sets
/// `rev-wglc`).
fn tag_action(list: &str, draft: &str, tag: states::Tag) -> Action {
    Action::DraftMeta(DraftMeta {
        list: list.to_owned(),
        draft: draft.to_owned(),
        add_tags: vec![tag.slug().to_owned()],
        ..DraftMeta::default()
    })
}

/// The command that enters a state a plain `state` must not.
fn entered_by(to: State) -> Option<&'static str> {
    Some(match to {
        State::Cfa => "adoption start DRAFT-NN",
        State::Wglc => "wglc start DRAFT-NN",
        State::WgReview => "review start DRAFT reviewers N",
        State::Submitted => "pubreq DRAFT status ps|bcp|info|exp",
        State::IetfLc => "ietf-lc start DRAFT",
        State::Approved => "approve DRAFT",
        State::Published => "published DRAFT rfc NNNN",
        _ => return None,
    })
}

/// `propose "TITLE"`: a member raises a need; it is registered as `proposal-N` in stage 1.
fn propose(
    ctx: &Context<'_>,
    title: &str,
    actor: &str,
    message_id: &str,
    lookup: &dyn Lookup,
) -> Result<Step, String> {
    let list = ctx.list.address();
    let n = lookup.proposal_count(&list)? + 1;
    let name = format!("proposal-{n}");
    let mv = match states::check(None, State::Proposal, Actor::Member, false) {
        Ok(mv) => mv,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let subject = format!("Proposal: {title}");
    let body = format!(
        "{actor} proposes new work for {list}:\n\n    {title}\n\nIt is registered as {name}. \
         Discussion belongs on {list}; the chairs decide whether it becomes a candidate for adoption\n\
         (`state {name} candidate`).\n"
    );
    let mut then = vec![Action::DraftMeta(DraftMeta {
        list: list.clone(),
        draft: name.clone(),
        title: Some(title.to_owned()),
        ..DraftMeta::default()
    })];
    // To the chairs, not the whole list: a member's command must not bypass the list's
    // moderation. Discussion belongs on the list, posted like any other message.
    then.extend(to_some(ctx, &subject, &body, &ctx.list.chairs));
    let m = DraftMove {
        list,
        draft: name.clone(),
        rev: None,
        from: None,
        to: State::Proposal.slug().into(),
        actor: actor.to_owned(),
        why: title.to_owned(),
        message_id: message_id.to_owned(),
        forced: false,
    };
    Ok(Ok((
        Action::DraftMove { m, then },
        format!("ok: {}; registered as {name}", mv.describe()),
    )))
}

/// Picks `n` reviewers in rotation: those never assigned first (in the file's order), then the
/// least recently assigned.
pub fn pick_reviewers(pool: &[String], last: &[(String, i64)], n: usize) -> Vec<String> {
    let mut order: Vec<(Option<i64>, usize, &String)> = pool
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = last
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(r))
                .map(|(_, t)| *t);
            (at, i, r)
        })
        .collect();
    order.sort();
    order
        .into_iter()
        .take(n)
        .map(|(_, _, r)| r.clone())
        .collect()
}

fn call_kind(cmd: &ChairCommand) -> &'static str {
    use ChairCommand as C;
    match cmd {
        C::WglcStart { .. } | C::WglcClose { .. } | C::WglcExtend { .. } => calls::WGLC,
        C::IetfLcStart { .. } | C::IetfLcClose { .. } | C::IetfLcExtend { .. } => calls::IETF_LC,
        _ => calls::ADOPTION,
    }
}

fn open_call_of(
    lookup: &dyn Lookup,
    list: &str,
    draft: &str,
    kind: &str,
) -> Result<Option<CallRow>, String> {
    Ok(lookup
        .latest_call(list, draft)?
        .filter(|c| c.state == "open" && c.kind == kind))
}

/// Mail from the chairs to every member (and `extra`), Reply-To the list.
fn to_list(ctx: &Context<'_>, subject: &str, body: &str, extra: &[String]) -> Vec<Action> {
    let chairs = chairs_address(ctx);
    let list = ctx.list.address();
    let mail = ListMail {
        from: &chairs,
        to: "",
        subject,
        body,
        in_reply_to: None,
        reply_to: Some(&list),
        attached: None,
    };
    super::list_mail_members(ctx.site, ctx.list, ctx.members, extra, ctx.now, mail)
}

/// Mail from the chairs to the given addresses only.
fn to_some(ctx: &Context<'_>, subject: &str, body: &str, to: &[String]) -> Vec<Action> {
    super::list_mail_members(
        ctx.site,
        ctx.list,
        &[],
        to,
        ctx.now,
        ListMail {
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
fn announce_everywhere(ctx: &Context<'_>, subject: &str, body: &str) -> Vec<Action> {
    let extra: Vec<String> = ctx.site.iesg.announce_list.iter().cloned().collect();
    to_list(ctx, subject, body, &extra)
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
    let mut then = super::list_mail_members(ctx.site, ctx.list, ctx.members, &[], ctx.now, mail);
    if let Some(tag) = mv.tag {
        then.insert(0, tag_action(&list, &name, tag));
    }
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
