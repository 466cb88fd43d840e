//! Calls (DESIGN §2–3): a chair opens an adoption call or a WG last call (an IESG member an IETF
//! last call), the server announces it to the list (that message is the call's anchor; an IETF
//! last call goes to the site's announce list too), replies to the list that thread to the anchor
//! or carry its subject are classified and recorded, and the call closes — by a command or at its
//! deadline, the end of its last day in the list's time zone — with the tally mailed to the list
//! and the list's decision rule applied.
//!
//! Replies that come after the deadline are still recorded for [`crate::store::LATE_WINDOW`] and
//! listed apart as late; replies from people who were not list members are counted and flagged.

use crate::clock::{Timestamp, end_of_day, local_date, local_ymd};
use crate::config::{ListConfig, Site};
use crate::context::{Context, LookupError};
use crate::message::ParsedMessage;
use crate::notice::{Mail, list_mail};
use crate::store::{
    Action, CallReply, CallRow, DraftMeta, DraftMove, Member, OutboundJob, QueueItem,
};

use super::Deliver;
use super::error::Error;
use super::positions::{self, Classified, Position};
use super::states::{self, Actor, State};
use super::tally::{self, Reply, Tally};

const DAY: i64 = 86_400;

pub use crate::values::CallKind;

/// What a call's announcement says about the draft.
pub struct Called<'a> {
    pub draft: &'a str,
    pub rev: i64,
    /// The document's title, for the IETF last call subject (the draft name when unknown).
    pub title: &'a str,
    /// The intended status's name ("Proposed Standard"), for the IETF last call.
    pub status: &'a str,
}

impl Called<'_> {
    fn name(&self) -> String {
        format!("{}-{:02}", self.draft, self.rev)
    }
}

/// The call's deadline as the list shows it: `YYYY-MM-DD` in its time zone.
pub fn ends_ymd(list: &ListConfig, ends_at: Timestamp) -> String {
    local_ymd(&list.workflow.tz(), ends_at)
}

/// When a call ends: the end of the day `end` names (or `default_days` from today), in the list's
/// time zone. Refused when that day is not after today, or sooner than `min_days` from today.
pub fn deadline(
    list: &ListConfig,
    now: Timestamp,
    end: Option<super::grammar::End>,
    default_days: i64,
    min_days: i64,
) -> Result<Timestamp, Error> {
    use super::grammar::End;
    use jiff::ToSpan;
    let tz = list.workflow.tz();
    let today = local_date(&tz, now);
    let date = match end {
        Some(End::On(d)) => jiff::civil::Date::new(d.y as i16, d.m as i8, d.d as i8)
            .map_err(|_| Error::Deadline(format!("{d} is not a date")))?,
        Some(End::For { days }) => today
            .checked_add(i64::from(days).days())
            .map_err(|_| too_far())?,
        None => today
            .checked_add(default_days.days())
            .map_err(|_| too_far())?,
    };
    let days = days_between(today, date);
    if days <= 0 {
        return Err(Error::Deadline(format!(
            "the call cannot end on {date}, which is not after today ({today}, {})",
            list.workflow.time_zone
        )));
    }
    if days < min_days {
        let earliest = today.checked_add(min_days.days()).unwrap_or(date);
        return Err(Error::Deadline(format!(
            "this call lasts at least {min_days} days; the earliest end is {earliest}"
        )));
    }
    end_of_day(&tz, date).ok_or_else(too_far)
}

fn too_far() -> Error {
    Error::Deadline("that is too far away".to_owned())
}

/// Whole days from `a` to `b` (negative when `b` is earlier).
fn days_between(a: jiff::civil::Date, b: jiff::civil::Date) -> i64 {
    use jiff::Unit;
    a.until((Unit::Day, b))
        .map_or(0, |span| i64::from(span.get_days()))
}

/// The announcement of a new call, delivered and archived like a post; returns the actions and
/// the call row (whose anchor is the announcement's Message-ID).
pub fn announce(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    deliver: Deliver,
    kind: CallKind,
    called: &Called<'_>,
    ends_at: Timestamp,
    now: Timestamp,
) -> Option<(Vec<Action>, CallRow)> {
    let name = called.name();
    let end = ends_ymd(list, ends_at);
    let tz = &list.workflow.time_zone;
    let wg = &list.name;
    let addr = list.address();
    let (subject, body) = match kind {
        CallKind::IetfLc => (
            format!(
                "Last Call: <{name}.txt> ({}) to {}",
                called.title, called.status
            ),
            format!(
                "The IESG has received a request from the {wg} working group to consider the following document:\n\
                 - '{title}'\n  <{name}.txt> as {status}\n\n\
                 The IESG plans to make a decision in the next few weeks, and solicits final comments on this\n\
                 action. Please send substantive comments to the {lc} mailing list and to {addr}\n\
                 (a reply to this message reaches {addr}) by {end} (end of day, {tz}). Every comment\n\
                 that reaches {addr} is counted, whether or not its author is on the list.\n",
                title = called.title,
                status = called.status,
                lc = site.iesg.last_call_list,
            ),
        ),
        _ => {
            let (what, question) = if kind == CallKind::Wglc {
                (
                    "a WG last call on",
                    "saying whether you support or object to publishing this document",
                )
            } else {
                (
                    "a call for adoption of",
                    "saying whether you support adopting this draft",
                )
            };
            (
                format!("{}: {name} (Ends {end})", kind.title()),
                format!(
                    "This message starts {what} {name} by the {wg} working group.\nPlease reply to this message, keeping {addr} in copy, {question}, and why.\n\
                     A clear reply says support, objection or no objection, and why: \"I support adoption: …\",\n\
                     \"I object: section 3 …\", \"No objection.\" Support on a condition says which (\"I support,\n\
                     provided that …\"); a change of mind says so (\"I withdraw my objection\").\n\
                     Reasons help the chairs more than bare \"+1\"s; objections should say what would resolve them.\n\
                     The call ends {end} (end of day, {tz}).\n"
                ),
            )
        }
    };
    // An IETF last call is announced IETF-wide too, with the same bytes.
    let extra: Vec<String> = match kind {
        CallKind::IetfLc => site.iesg.announce_list.iter().cloned().collect(),
        _ => Vec::new(),
    };
    let to = Audience {
        parent: None,
        extra: &extra,
    };
    let (actions, anchor, _) = post(site, list, members, deliver, &subject, &body, to, now)?;
    let call = CallRow {
        id: 0,
        list: addr,
        draft: called.draft.to_owned(),
        kind,
        rev: Some(called.rev),
        anchor,
        subject,
        opened_at: now,
        ends_at,
        state: crate::values::CallState::Open,
        closed_at: None,
    };
    Some((actions, call))
}

/// Where a workflow post goes beyond the list's members, and what it answers.
#[derive(Debug, Clone, Copy)]
pub struct Audience<'a> {
    /// The Message-ID it threads under (In-Reply-To and References): the anchor of the call it
    /// concerns.
    pub parent: Option<&'a str>,
    /// Addresses that get the same bytes as the members (the IETF-wide announce list, reviewers
    /// who are not members).
    pub extra: &'a [String],
}

/// Every workflow announcement goes out this way: mail from the list's chairs, delivered as a
/// post of the list through `deliver` (List-Id, the subject prefix once, archived, one copy per
/// member), threaded under `to.parent`. The chairs and `to.extra` who do not already get a
/// member's copy get the same bytes, one copy each. Returns the actions, the post's Message-ID
/// and the message as delivered.
#[allow(clippy::too_many_arguments)]
pub fn post(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    deliver: Deliver,
    subject: &str,
    body: &str,
    to: Audience<'_>,
    now: Timestamp,
) -> Option<(Vec<Action>, String, Vec<u8>)> {
    let addr = list.address();
    let chairs = format!("{}-chairs@{}", list.name, list.domain);
    let job = list_mail(
        site,
        list,
        now,
        Mail {
            from: &chairs,
            to: &addr,
            subject,
            body,
            in_reply_to: to.parent,
            reply_to: Some(&addr),
            attached: None,
        },
    )?;
    let raw = job.body;
    let parsed = crate::message::parse(&raw);
    let id = parsed.message_id.clone()?;
    let item = QueueItem {
        id: 0,
        received_at: now,
        mail_from: chairs.clone(),
        rcpt_to: vec![addr.clone()],
        peer: "workflow".into(),
        raw: raw.clone(),
    };
    let ctx = Context {
        site,
        list,
        item: &item,
        parsed: &parsed,
        message_id: &id,
        sender: &chairs,
        members,
        now,
    };
    let mut actions = deliver(&ctx);
    let delivered = actions
        .iter()
        .find_map(|a| match a {
            Action::Post { delivery, .. } => Some(delivery.body.clone()),
            _ => None,
        })
        .unwrap_or(raw);
    let others = beyond_members(members, list.chairs.iter().chain(to.extra));
    if !others.is_empty() {
        actions.push(Action::Send(OutboundJob {
            list: addr,
            body: delivered.clone(),
            personalize: false,
            envelopes: vec![(
                crate::address::bounces_address(&list.name, &list.domain),
                others,
            )],
        }));
    }
    Some((actions, id, delivered))
}

/// The addresses among `wanted` that no member's copy reaches (lower-cased, each once): a chair
/// who is a member with delivery on already has the post.
fn beyond_members<'a>(members: &[Member], wanted: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = wanted
        .map(|a| a.trim().to_lowercase())
        .filter(|a| {
            !a.is_empty()
                && !members.iter().any(|m| {
                    m.delivery == crate::values::Delivery::Enabled
                        && m.address.eq_ignore_ascii_case(a)
                })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The positions in an accepted post that replies to one of the list's calls: open ones, and
/// recently closed ones (the reply is then late). `parent_position` gives the position recorded
/// for a message in a call, so `+1 to Carol's point` can take Carol's side.
pub fn tap(
    ctx: &Context<'_>,
    calls: &[CallRow],
    earlier: &dyn Fn(i64) -> Vec<CallReply>,
) -> Vec<Action> {
    let base = tally::base_subject(&ctx.parsed.subject);
    let mut out = Vec::new();
    let member = ctx
        .members
        .iter()
        .any(|m| m.address.eq_ignore_ascii_case(ctx.sender));
    let parent = ctx
        .parsed
        .in_reply_to
        .first()
        .or(ctx.parsed.references.last())
        .map(String::as_str);
    for call in calls {
        // Directly under the announcement, or under a reply already recorded for the call (a
        // client that trims References still names its parent).
        let said: Vec<tally::Said> = earlier(call.id)
            .into_iter()
            .map(|r| tally::Said {
                message_id: r.message_id,
                person: r.person,
                name: r.name,
                position: r.position,
            })
            .collect();
        let threads = threads_to(ctx.parsed, &call.anchor, &|p| {
            said.iter().any(|s| s.message_id == p)
        });
        let call_base =
            tally::base_subject(call.subject.split(" (Ends").next().unwrap_or(&call.subject));
        let same_subject = !call_base.is_empty() && base.starts_with(&call_base);
        if !threads && !same_subject {
            continue;
        }
        let mut classified =
            positions::classify(&ctx.parsed.body_text, ctx.parsed.auto_submitted.as_deref());
        if classified.position == Position::Ignore {
            continue;
        }
        classified.position = tally::resolve(&classified, parent, &said);
        // A reply after the deadline is dated no earlier than its arrival, so a back-dated Date
        // header cannot sneak it into the count.
        let date = ctx.parsed.date.unwrap_or(ctx.item.received_at);
        // Lateness is judged by arrival (a held post by when it was held): a reply that came in
        // after the cutoff is dated no earlier than its arrival, so a back-dated Date header cannot
        // sneak it into the count; one that came in time is never dated after its arrival.
        let date = if ctx.item.received_at > cutoff(call) {
            date.max(ctx.item.received_at)
        } else {
            date.min(ctx.item.received_at)
        };
        out.push(Action::CallReply(CallReply {
            call_id: call.id,
            message_id: ctx.message_id.to_owned(),
            person: tally::identity(ctx.sender),
            name: ctx.parsed.from_name.clone(),
            date,
            position: classified.position,
            evidence: classified.evidence,
            reason: classified.reason,
            member,
        }));
    }
    out
}

/// Whether a message answers a call: its References or In-Reply-To name the call's anchor, or
/// its parent is a reply already recorded for the call (a client that trims References still
/// names its parent).
fn threads_to(parsed: &ParsedMessage, anchor: &str, recorded: &dyn Fn(&str) -> bool) -> bool {
    let parent = parsed
        .in_reply_to
        .first()
        .or(parsed.references.last())
        .map(String::as_str);
    parsed
        .references
        .iter()
        .chain(parsed.in_reply_to.iter())
        .any(|id| id == anchor)
        || parent.is_some_and(recorded)
}

/// Whether a post answers an IETF last call that still takes replies (open, or closed within
/// [`crate::store::LATE_WINDOW`]): the IETF has no membership, so such a reply from someone who is
/// not on the WG list is neither held nor left out of the count.
pub fn answers_ietf_last_call(
    ctx: &Context<'_>,
    lookup: &dyn super::Lookup,
) -> Result<bool, LookupError> {
    let at = ctx.item.received_at.min(ctx.now);
    for call in lookup.answerable_calls(&ctx.list.address(), at)? {
        if call.kind != CallKind::IetfLc {
            continue;
        }
        if threads_to(ctx.parsed, &call.anchor, &|_| false) {
            return Ok(true);
        }
        let recorded = lookup.call_replies(call.id)?;
        if threads_to(ctx.parsed, &call.anchor, &|p| {
            recorded.iter().any(|r| r.message_id == p)
        }) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The last instant a reply counts: the deadline, or the close if a command closed it sooner.
fn cutoff(call: &CallRow) -> Timestamp {
    call.closed_at.map_or(call.ends_at, |c| c.min(call.ends_at))
}

/// The tally of a call from its recorded replies.
/// Non-members count toward a WG call's decision only where the list says so
/// (`[workflow] count_non_members`); an IETF Last Call counts everyone.
pub fn tally_of(list: &ListConfig, call: &CallRow, replies: &[CallReply]) -> Tally {
    let rs: Vec<Reply> = replies
        .iter()
        .map(|r| Reply {
            from: r.person.clone(),
            name: r.name.clone(),
            date: r.date,
            message_id: r.message_id.clone(),
            classified: Classified {
                position: r.position,
                evidence: r.evidence.clone(),
                reason: r.reason.clone(),
                follows: None,
            },
        })
        .collect();
    let mut t = tally::tally(&rs, Some(cutoff(call)));
    let people = replies.iter().map(|r| r.person.clone()).collect();
    let is_member = |who: &str| replies.iter().any(|r| r.person == who && r.member);
    t.flag_non_members(people, is_member, counts_non_members(list, call.kind));
    t
}

/// Whether replies from non-members count toward a call's decision: always in an IETF Last Call
/// (the IETF has no membership), in a WG call only where the list says so.
pub fn counts_non_members(list: &ListConfig, kind: CallKind) -> bool {
    kind == CallKind::IetfLc || list.workflow.count_non_members
}

/// Closes a call: the tally goes to the list and the chairs, and the list's decision rule moves
/// the draft. An IETF last call always goes on to IESG evaluation, where the IESG weighs it.
#[allow(clippy::too_many_arguments)]
pub fn close(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    deliver: Deliver,
    call: &CallRow,
    replies: &[CallReply],
    draft_state: Option<State>,
    actor: &str,
    reason: Option<(&str, bool)>,
    now: Timestamp,
) -> Action {
    let t = tally_of(list, call, replies);
    let supporters = t.support.len() + t.support_if.len();
    let quorum = list.workflow.quorum as usize;
    let passed = supporters > t.object.len() && supporters >= quorum;
    let kind = call.kind;
    let (from, forward, back) = match kind {
        CallKind::Wglc => (State::Wglc, State::Writeup, State::WgDoc),
        CallKind::IetfLc => (State::IetfLc, State::IesgEval, State::IesgEval),
        CallKind::Adoption => (State::Cfa, State::Adopted, State::Candidate),
    };
    let (to, decision) = match list.workflow.decision {
        _ if kind == CallKind::IetfLc => (
            Some(forward),
            format!(
                "The IESG evaluates the last call comments. {}",
                states::describe(Some(from), forward)
            ),
        ),
        crate::config::Decision::Majority => {
            let to = if passed { forward } else { back };
            let mv = states::check(Some(from), to, Actor::Deadline, false).ok();
            let text = format!(
                "Decision (majority, quorum {quorum}): {}. {}",
                if passed {
                    "the call passed"
                } else {
                    "the call did not pass"
                },
                mv.map(|m| m.describe().replace('\n', " "))
                    .unwrap_or_else(|| states::describe(Some(from), to))
            );
            (Some(to), text)
        }
        // The tally is evidence only; a WGLC waits in chair-goahead, an adoption call stays in
        // cfa, until a chair declares consensus.
        crate::config::Decision::Chair => (
            (kind == CallKind::Wglc).then_some(State::ChairGoahead),
            "The chairs will call consensus. This is a summary of positions, not a determination of \
             consensus (RFC 2418 §3.3, RFC 7282)."
                .to_owned(),
        ),
    };
    let name = match call.rev {
        Some(rev) => format!("{}-{rev:02}", call.draft),
        None => call.draft.clone(),
    };
    let title = match kind {
        CallKind::IetfLc => "Last Call",
        k => k.title(),
    };
    let subject = format!("Result: {title}: {name}");
    let closed = match reason {
        Some((why, true)) => format!(
            ", closed by {actor} before its announced end ({}). Reason: {why}",
            ends_ymd(list, call.ends_at)
        ),
        Some((why, false)) => format!(". Closed by {actor}: {why}"),
        None => String::new(),
    };
    let body = format!(
        "The {} of {name} ended {}{closed}.\n\n{}\n{decision}\n",
        kind.title().to_lowercase(),
        ends_ymd(list, call.ends_at.min(now)),
        tally::render_text(&t)
    );
    let mut then = Vec::new();
    if let Some(to) = to.filter(|_| draft_state == Some(from)) {
        let tag = states::check(Some(from), to, Actor::Deadline, false)
            .ok()
            .and_then(|m| m.tag);
        then.push(Action::DraftMove {
            m: DraftMove {
                list: list.address(),
                draft: call.draft.clone(),
                rev: call.rev,
                from: Some(from),
                to,
                actor: actor.to_owned(),
                why: decision.clone(),
                message_id: call.anchor.clone(),
                forced: false,
            },
            then: tag
                .map(|tag| {
                    Action::DraftMeta(DraftMeta {
                        list: list.address(),
                        draft: call.draft.clone(),
                        add_tags: vec![tag],
                        ..DraftMeta::default()
                    })
                })
                .into_iter()
                .collect(),
        });
    }
    // The result is a post of the list threaded under the call; the chairs (and, for an IETF
    // last call, the IESG) get a copy too.
    let extra = match kind {
        CallKind::IetfLc => site.iesg.members.clone(),
        _ => Vec::new(),
    };
    then.extend(to_members_under(
        site, list, members, deliver, &extra, call, &subject, &body, now,
    ));
    Action::CallClose {
        id: call.id,
        expect_ends_at: call.ends_at,
        then,
    }
}

/// Moves an open call's deadline and tells the list, threaded under the announcement.
#[allow(clippy::too_many_arguments)]
pub fn extend(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    deliver: Deliver,
    call: &CallRow,
    ends_at: Timestamp,
    actor: &str,
    now: Timestamp,
) -> Action {
    let end = ends_ymd(list, ends_at);
    let subject = format!(
        "Extended: {} (Ends {end})",
        call.subject.split(" (Ends").next().unwrap_or(&call.subject)
    );
    let body = format!(
        "The {} of {} is extended by {actor}: it now ends {end} (end of day, {}), instead of {}.\n\
         Please reply to the announcement on {} if you have not yet said whether you support it, and why.\n",
        call.kind.title().to_lowercase(),
        call.draft,
        list.workflow.time_zone,
        ends_ymd(list, call.ends_at),
        list.address(),
    );
    let then = to_members_under(
        site,
        list,
        members,
        deliver,
        &[],
        call,
        &subject,
        &body,
        now,
    );
    // The deadline pass may close the call between the command's read and this commit.
    let otherwise = list_mail(
        site,
        list,
        now,
        Mail {
            from: &format!("{}-chairs@{}", list.name, list.domain),
            to: actor,
            subject: &format!("Not extended: {}", call.subject),
            body: &format!(
                "The {} of {} was not extended to {end}: it closed (or changed) before the extension\n\
                 could be recorded. Send `status {}` to see where it stands.\n",
                call.kind.title().to_lowercase(),
                call.draft,
                call.draft,
            ),
            in_reply_to: Some(&call.anchor),
            reply_to: None,
            attached: None,
        },
    )
    .map(Action::Send)
    .into_iter()
    .collect();
    Action::CallExtend {
        id: call.id,
        expect_ends_at: call.ends_at,
        ends_at,
        then,
        otherwise,
    }
}

/// The notice of a call withdrawn without a result, threaded under its announcement.
#[allow(clippy::too_many_arguments)]
pub fn withdraw(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    deliver: Deliver,
    call: &CallRow,
    actor: &str,
    reason: &str,
    now: Timestamp,
) -> Vec<Action> {
    let subject = format!(
        "Withdrawn: {}",
        call.subject.split(" (Ends").next().unwrap_or(&call.subject)
    );
    let body = format!(
        "The {} of {} is withdrawn by {actor}, without a result: no positions are counted and\n\
         nothing is decided. Reason: {reason}\n",
        call.kind.title().to_lowercase(),
        call.draft,
    );
    to_members_under(
        site,
        list,
        members,
        deliver,
        &[],
        call,
        &subject,
        &body,
        now,
    )
}

/// Two days before a call ends, the list is reminded (once), threaded under the announcement.
pub const REMIND_BEFORE: i64 = 2 * DAY;

pub fn remind(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    deliver: Deliver,
    call: &CallRow,
    now: Timestamp,
) -> Action {
    let subject = format!("Reminder: {}", call.subject);
    let body = format!(
        "The {} of {} ends {} (end of day, {}). If you have not yet said whether you support it, and why,\n\
         please reply to the announcement on {}.\n",
        call.kind.title().to_lowercase(),
        call.draft,
        ends_ymd(list, call.ends_at),
        list.workflow.time_zone,
        list.address(),
    );
    let then = to_members_under(
        site,
        list,
        members,
        deliver,
        &[],
        call,
        &subject,
        &body,
        now,
    );
    Action::CallRemind {
        id: call.id,
        expect_ends_at: call.ends_at,
        then,
    }
}

/// A post of the list from the chairs (see [`post`]), threaded under the call's announcement.
#[allow(clippy::too_many_arguments)]
fn to_members_under(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    deliver: Deliver,
    extra: &[String],
    call: &CallRow,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> Vec<Action> {
    let to = Audience {
        parent: Some(&call.anchor),
        extra,
    };
    post(site, list, members, deliver, subject, body, to, now)
        .map(|(actions, _, _)| actions)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::grammar::{Date, End};

    fn list(tz: &str) -> ListConfig {
        let text = format!(
            "name = \"wg\"\ndomain = \"example.org\"\nowners = [\"o@example.org\"]\n[workflow]\ntime_zone = \"{tz}\"\n"
        );
        crate::config::parse_list(std::path::Path::new("wg.toml"), &text).expect("valid list")
    }

    // 2026-11-28 15:38:15 UTC; 07:38 in Los Angeles, 00:38 on the 29th in Tokyo.
    const NOW: Timestamp = 1_795_880_295;

    #[test]
    fn deadlines_are_the_end_of_the_day_in_the_list_zone() {
        let la = list("America/Los_Angeles");
        let end = deadline(&la, NOW, None, 14, 1).unwrap();
        assert_eq!(ends_ymd(&la, end), "2026-12-12");
        assert_eq!(
            crate::clock::ymd(end),
            "2026-12-13",
            "08:00 UTC the next day"
        );
        let tokyo = list("Asia/Tokyo");
        let end = deadline(&tokyo, NOW, Some(End::For { days: 1 }), 14, 1).unwrap();
        assert_eq!(
            ends_ymd(&tokyo, end),
            "2026-11-30",
            "today is already the 29th there"
        );
    }

    #[test]
    fn deadlines_in_the_past_or_too_soon_are_refused() {
        let utc = list("UTC");
        let on = |d| Some(End::On(Date::new(2026, 11, d).unwrap()));
        assert!(
            deadline(&utc, NOW, on(28), 14, 1)
                .unwrap_err()
                .to_string()
                .contains("not after today")
        );
        assert!(deadline(&utc, NOW, on(29), 14, 1).is_ok());
        let e = deadline(&utc, NOW, on(30), 28, 28).unwrap_err().to_string();
        assert!(
            e.contains("at least 28 days") && e.contains("2026-12-26"),
            "{e}"
        );
    }

    fn call(kind: CallKind) -> CallRow {
        CallRow {
            id: 1,
            list: "wg@example.org".into(),
            draft: "draft-a-b".into(),
            kind,
            rev: Some(1),
            anchor: "call@x".into(),
            subject: "Call".into(),
            opened_at: NOW - 86_400,
            ends_at: NOW + 86_400,
            state: crate::values::CallState::Open,
            closed_at: None,
        }
    }

    fn said(person: &str, position: Position, member: bool) -> CallReply {
        CallReply {
            call_id: 1,
            message_id: format!("{person}-msg"),
            person: person.into(),
            name: String::new(),
            date: NOW,
            position,
            evidence: None,
            reason: Some("because".into()),
            member,
        }
    }

    #[test]
    fn wg_calls_count_members_and_ietf_last_calls_count_everyone() {
        let replies = [
            said("a@m.org", Position::Support, true),
            said("b@m.org", Position::Support, true),
            said("x@elsewhere.org", Position::Support, false),
            said("y@elsewhere.org", Position::Object, false),
        ];
        let wg = list("UTC");
        for kind in [CallKind::Adoption, CallKind::Wglc] {
            let t = tally_of(&wg, &call(kind), &replies);
            assert_eq!(t.support, ["a@m.org", "b@m.org"], "{kind}");
            assert!(t.object.is_empty() && t.objections.is_empty(), "{kind}");
            assert_eq!(t.not_members, ["x@elsewhere.org", "y@elsewhere.org"]);
            assert_eq!(
                t.not_counted.get("y@elsewhere.org"),
                Some(&Position::Object)
            );
            assert!(tally::render_text(&t).contains("not counted (2)"));
        }
        // The IETF has no membership: everyone who replies counts in an IETF Last Call.
        let t = tally_of(&wg, &call(CallKind::IetfLc), &replies);
        assert_eq!(t.support.len(), 3);
        assert_eq!(t.object, ["y@elsewhere.org"]);
        assert!(t.not_counted.is_empty());
        // A list may choose to count everyone in its WG calls too.
        let mut open = list("UTC");
        open.workflow.count_non_members = true;
        let t = tally_of(&open, &call(CallKind::Adoption), &replies);
        assert_eq!(t.support.len(), 3);
        assert!(tally::render_text(&t).contains("when they replied, counted (2)"));
    }
}
