//! The state-changing commands, once confirmed: each checked against the transition table and
//! turned into the actions (moves, calls, announcements, tags) that the store applies in one commit.

use super::{Lookup, chairs_address, command_word, kind_word};
use crate::pipeline::{Context, ListMail, calls};
use crate::store::{Action, CallRow, DraftMeta, DraftMove};
use crate::workflow::commands::{self, ChairCommand, End};
use crate::workflow::states::{self, Actor, State};

/// What a state-changing command does: the action, and the line for the result mail.
type Step = Result<(Action, String), String>;

/// One state-changing command: the action it takes, or why it cannot.
pub(super) fn run(
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
    crate::pipeline::list_mail_members(ctx.site, ctx.list, ctx.members, extra, ctx.now, mail)
}

/// Mail from the chairs to the given addresses only.
fn to_some(ctx: &Context<'_>, subject: &str, body: &str, to: &[String]) -> Vec<Action> {
    crate::pipeline::list_mail_members(
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
    let mut then =
        crate::pipeline::list_mail_members(ctx.site, ctx.list, ctx.members, &[], ctx.now, mail);
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
