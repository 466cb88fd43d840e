//! Calls (DESIGN §2–3): a chair opens an adoption call or a WG last call, the server announces it
//! to the list (that message is the call's anchor), replies to the list that thread to the anchor
//! or carry its subject are classified and recorded, and the call closes — by a chair's command or
//! at its deadline — with the tally mailed to the list and the list's decision rule applied.
//!
//! The decision here is the default `majority` rule: the draft goes forward when distinct
//! supporters outnumber distinct objectors and at least three people support; otherwise it goes
//! back (`cfa` → `candidate`, `wglc` → `wg-doc`).

use crate::clock::{Timestamp, ymd};
use crate::config::{ListConfig, Site};
use crate::store::{Action, CallReply, CallRow, DraftMove, Member, QueueItem};
use crate::workflow::positions::{self, Classified, Position};
use crate::workflow::states::{self, State};
use crate::workflow::tally::{self, Reply, Tally};

use super::{Context, ListMail, deliver, list_mail};

const DAY: i64 = 86_400;

pub fn kind_title(kind: &str) -> &'static str {
    if kind == "wglc" {
        "WG Last Call"
    } else {
        "Call for adoption"
    }
}

/// The announcement of a new call, delivered and archived like a post; returns the actions and
/// the call row (whose anchor is the announcement's Message-ID).
#[allow(clippy::too_many_arguments)]
pub fn announce(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    kind: &str,
    draft: &str,
    rev: u8,
    days: i64,
    now: Timestamp,
) -> Option<(Vec<Action>, CallRow)> {
    // The call ends at the end of its last day (UTC; list time zones come later).
    let ends_at = (now + days * DAY).div_euclid(DAY) * DAY + DAY - 1;
    let name = format!("{draft}-{rev:02}");
    let subject = format!("{}: {name} (Ends {})", kind_title(kind), ymd(ends_at));
    let what = if kind == "wglc" {
        "a WG last call on"
    } else {
        "a call for adoption of"
    };
    let question = if kind == "wglc" {
        "saying whether you support or object to publishing this document"
    } else {
        "saying whether you support adopting this draft"
    };
    let body = format!(
        "This message starts {what} {name} by the {wg} working group.\nPlease reply to this message, keeping {addr} in copy, {question}, and why.\n\
         Reasons help the chairs more than bare \"+1\"s; objections should say what would resolve them.\n\
         The call ends {end} (end of day, UTC).\n",
        wg = list.name,
        addr = list.address(),
        end = ymd(ends_at),
    );
    let chairs = format!("{}-chairs@{}", list.name, list.domain);
    let job = list_mail(
        site,
        list,
        now,
        ListMail {
            from: &chairs,
            to: &list.address(),
            subject: &subject,
            body: &body,
            in_reply_to: None,
            reply_to: Some(&list.address()),
            attached: None,
        },
    )?;
    let raw = job.body;
    let parsed = crate::message::parse(&raw);
    let anchor = parsed.message_id.clone()?;
    let item = QueueItem {
        id: 0,
        received_at: now,
        mail_from: chairs.clone(),
        rcpt_to: vec![list.address()],
        peer: "workflow".into(),
        raw,
    };
    let ctx = Context {
        site,
        list,
        item: &item,
        parsed: &parsed,
        message_id: &anchor,
        sender: &chairs,
        members,
        now,
    };
    let actions = deliver(&ctx);
    let call = CallRow {
        id: 0,
        list: list.address(),
        draft: draft.to_owned(),
        kind: kind.to_owned(),
        rev: Some(i64::from(rev)),
        anchor,
        subject: subject.clone(),
        opened_at: now,
        ends_at,
        state: "open".into(),
    };
    Some((actions, call))
}

/// The positions in an accepted post that replies to one of the list's open calls.
pub fn tap(ctx: &Context<'_>, calls: &[CallRow]) -> Vec<Action> {
    let base = tally::base_subject(&ctx.parsed.subject);
    let mut out = Vec::new();
    for call in calls {
        let threads = ctx
            .parsed
            .references
            .iter()
            .chain(ctx.parsed.in_reply_to.iter())
            .any(|id| *id == call.anchor);
        let call_base =
            tally::base_subject(call.subject.split(" (Ends").next().unwrap_or(&call.subject));
        if !threads && !(!call_base.is_empty() && base.starts_with(&call_base)) {
            continue;
        }
        let classified =
            positions::classify(&ctx.parsed.body_text, ctx.parsed.auto_submitted.as_deref());
        if classified.position == Position::Ignore {
            continue;
        }
        out.push(Action::CallReply(CallReply {
            call_id: call.id,
            message_id: ctx.message_id.to_owned(),
            person: tally::identity(ctx.sender),
            name: ctx.parsed.from_name.clone(),
            date: ctx.parsed.date.unwrap_or(ctx.item.received_at),
            position: serde_json::to_value(classified.position)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            evidence: classified.evidence,
            reason: classified.reason,
        }));
    }
    out
}

/// The tally of a call from its recorded replies.
pub fn tally_of(call: &CallRow, replies: &[CallReply]) -> Tally {
    let replies: Vec<Reply> = replies
        .iter()
        .map(|r| Reply {
            from: r.person.clone(),
            name: r.name.clone(),
            date: r.date,
            message_id: r.message_id.clone(),
            classified: Classified {
                position: serde_json::from_value(serde_json::Value::String(r.position.clone()))
                    .unwrap_or(Position::Comment),
                evidence: r.evidence.clone(),
                reason: r.reason.clone(),
            },
        })
        .collect();
    tally::tally(&replies, Some(call.ends_at))
}

/// Closes a call: the tally goes to the list and the chairs, and the majority rule moves the draft.
#[allow(clippy::too_many_arguments)]
pub fn close(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    call: &CallRow,
    replies: &[CallReply],
    draft_state: Option<&str>,
    actor: &str,
    now: Timestamp,
) -> Action {
    let t = tally_of(call, replies);
    let supporters = t.support.len() + t.support_if.len();
    let quorum = list.workflow.quorum as usize;
    let passed = supporters > t.object.len() && supporters >= quorum;
    let (from, forward, back) = if call.kind == "wglc" {
        (State::Wglc, State::Writeup, State::WgDoc)
    } else {
        (State::Cfa, State::Adopted, State::Candidate)
    };
    let (to, decision) = match list.workflow.decision {
        crate::config::Decision::Majority => {
            let to = if passed { forward } else { back };
            let text = format!(
                "Decision (majority, quorum {quorum}): {}. {}",
                if passed { "the call passed" } else { "the call did not pass" },
                states::describe(Some(from), to)
            );
            (Some(to), text)
        }
        // The tally is evidence only; a WGLC waits in chair-goahead, an adoption call stays in
        // cfa, until a chair declares consensus.
        crate::config::Decision::Chair => (
            (call.kind == "wglc").then_some(State::ChairGoahead),
            "The chairs will call consensus. This is a summary of positions, not a determination of \
             consensus (RFC 2418 §3.3, RFC 7282)."
                .to_owned(),
        ),
    };
    let name = match call.rev {
        Some(rev) => format!("{}-{rev:02}", call.draft),
        None => call.draft.clone(),
    };
    let subject = format!("Result: {}: {name}", kind_title(&call.kind));
    let body = format!(
        "The {} of {name} ended {}.\n\n{}\n{decision}\n",
        kind_title(&call.kind).to_lowercase(),
        ymd(call.ends_at.min(now)),
        tally::render_text(&t)
    );
    let chairs = format!("{}-chairs@{}", list.name, list.domain);
    let mut then = Vec::new();
    if let Some(to) = to.filter(|_| draft_state == Some(from.slug())) {
        then.push(Action::DraftMove {
            m: DraftMove {
                list: list.address(),
                draft: call.draft.clone(),
                rev: call.rev,
                from: Some(from.slug().to_owned()),
                to: to.slug().to_owned(),
                actor: actor.to_owned(),
                why: decision.clone(),
                message_id: call.anchor.clone(),
                forced: false,
            },
            then: Vec::new(),
        });
    }
    // The result goes to every member, threaded under the call, and to each chair.
    let list_address = list.address();
    let mail = ListMail {
        from: &chairs,
        to: "",
        subject: &subject,
        body: &body,
        in_reply_to: Some(&call.anchor),
        reply_to: Some(&list_address),
        attached: None,
    };
    then.extend(super::list_mail_members(
        site,
        list,
        members,
        &list.chairs,
        now,
        mail,
    ));
    Action::CallClose { id: call.id, then }
}

/// Two days before a call ends, the list is reminded (once), threaded under the announcement.
pub const REMIND_BEFORE: i64 = 2 * DAY;

pub fn remind(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    call: &CallRow,
    now: Timestamp,
) -> Action {
    let chairs = format!("{}-chairs@{}", list.name, list.domain);
    let subject = format!("Reminder: {}", call.subject);
    let body = format!(
        "The {} of {} ends {} (end of day, UTC). If you have not yet said whether you support it, and why,\n\
         please reply to the announcement on {}.\n",
        kind_title(&call.kind).to_lowercase(),
        call.draft,
        ymd(call.ends_at),
        list.address(),
    );
    let list_address = list.address();
    let mail = ListMail {
        from: &chairs,
        to: "",
        subject: &subject,
        body: &body,
        in_reply_to: Some(&call.anchor),
        reply_to: Some(&list_address),
        attached: None,
    };
    let then = super::list_mail_members(site, list, members, &[], now, mail);
    Action::CallRemind { id: call.id, then }
}
