//! The posting pipeline (Mailman's model, DESIGN §4): a post first meets a table of named rules,
//! the first that does not say `Continue` decides its fate (discard, hold, reject); an accepted post
//! then runs through a table of named handlers that add the list headers, prefix the subject,
//! archive it and queue its delivery.
//!
//! This module is pure: it takes the queued message, the list's config, its members and `now`, and
//! returns the [`Action`]s for the store to apply in one commit. The runner (`runner.rs`) does the
//! I/O around it.

pub mod bounces;
pub mod handlers;
pub mod membership;
pub mod moderation;
pub mod rules;
pub mod runner;

use crate::address::{self, Kind, Route};
use crate::clock::Timestamp;
use crate::config::{ListConfig, Site};
use crate::message::ParsedMessage;
use crate::notice::{self, Mail, list_mail};
use crate::store::{Action, Member, OutboundJob, QueueItem};

pub use crate::context::Context;

/// A rule's decision about a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    /// Drop silently (loops); the reason is logged.
    Discard(String),
    /// Keep for a moderator; the poster is told.
    Hold(String),
    /// Refuse; the poster is told why.
    Reject(String),
}

/// What the handlers build up for an accepted post.
#[derive(Debug, Default)]
pub struct Delivery {
    pub edit: crate::message::HeaderEdit,
    /// The message as delivered and archived, once `archive` has rendered it.
    pub rendered: Vec<u8>,
    pub actions: Vec<Action>,
}

/// The Message-ID the server gives a message that has none. Derived from the queue item so a
/// replay after a crash computes the same id and stays idempotent.
pub fn assigned_message_id(item: &QueueItem, hostname: &str) -> String {
    format!("wgmail.q{}.{}@{}", item.id, item.received_at, hostname)
}

/// Everything the pipeline may read beyond the message and the members.
pub trait Lookups: membership::Lookup + crate::workflow::Lookup {}
impl<T: membership::Lookup + crate::workflow::Lookup> Lookups for T {}

/// Decides what to do with one queue item for one of its routed recipients.
#[allow(clippy::too_many_arguments)]
pub fn process(
    site: &Site,
    route: &Route,
    list: &ListConfig,
    item: &QueueItem,
    parsed: &ParsedMessage,
    members: &[Member],
    lookup: &dyn Lookups,
    now: Timestamp,
) -> Result<Vec<Action>, String> {
    let message_id = parsed
        .message_id
        .clone()
        .unwrap_or_else(|| assigned_message_id(item, &site.smtp.hostname));
    let sender = if parsed.from_addr.is_empty() {
        item.mail_from.to_lowercase()
    } else {
        parsed.from_addr.clone()
    };
    let ctx = Context {
        site,
        list,
        item,
        parsed,
        message_id: &message_id,
        sender: &sender,
        members,
        now,
    };
    Ok(match &route.kind {
        Kind::Post => {
            let mut actions = post(&ctx, lookup)?;
            if actions.iter().any(|a| matches!(a, Action::Post { .. })) {
                actions.extend(crate::workflow::after_post(&ctx, lookup)?);
            }
            // An announcement that is not genuine goes to the chairs on arrival, whatever
            // moderation does with it (a loop's copy excepted).
            if crate::workflow::revisions::announced(&parsed.subject).is_some()
                && !actions.iter().any(|a| matches!(a, Action::Discard))
                && let Err(why) = crate::workflow::revisions::trusted(&ctx)
            {
                actions.extend(crate::workflow::revisions::untrusted(&ctx, &why));
            }
            actions
        }
        Kind::Owner => to_owners(&ctx),
        // A confirmation of chairs' commands goes to the workflow robot; others are membership's.
        Kind::Confirm(t)
            if lookup
                .token(&t.to_lowercase())?
                .is_some_and(|r| r.action == crate::values::TokenPurpose::Chair) =>
        {
            crate::workflow::commands::answer(&ctx, t, lookup, deliver)?
        }
        kind @ (Kind::Request | Kind::Join | Kind::Leave | Kind::Confirm(_)) => {
            membership::handle(&ctx, kind, lookup)?
        }
        Kind::Bounces(verp) => bounces::handle(&ctx, verp.as_deref()),
        Kind::Chairs => crate::workflow::commands::handle(&ctx, lookup, deliver)?,
    })
}

fn post(
    ctx: &Context<'_>,
    lookup: &dyn Lookups,
) -> Result<Vec<Action>, crate::context::LookupError> {
    // A genuine I-D announcement (DKIM-verified, `workflow::revisions::trusted`) is the
    // Datatracker's, not a poster's: the list's moderation does not hold it.
    let verified = crate::workflow::revisions::announced(&ctx.parsed.subject).is_some()
        && crate::workflow::revisions::trusted(ctx).is_ok();
    for rule in rules::RULES {
        if verified && matches!(rule.name, "moderated" | "members-only") {
            continue;
        }
        let verdict = (rule.check)(ctx);
        if verdict == Verdict::Continue {
            continue;
        }
        if rule.name == rules::MEMBERS_ONLY
            && let Some(exemption) = moderation::exemption(ctx, lookup)?
        {
            tracing::info!(list = %ctx.list.address(), message_id = %ctx.message_id, queue_id = ctx.item.id,
                sender = %ctx.sender, rule = rule.name, exemption, "non-member post accepted");
            continue;
        }
        tracing::info!(list = %ctx.list.address(), message_id = %ctx.message_id, queue_id = ctx.item.id,
            rule = rule.name, verdict = ?verdict, "rule matched");
        return Ok(match verdict {
            Verdict::Continue => unreachable!("handled above"),
            Verdict::Discard(_) => vec![Action::Discard],
            Verdict::Hold(reason) => hold(ctx, reason),
            Verdict::Reject(reason) => reject(ctx, &reason),
        });
    }
    Ok(deliver(ctx))
}

/// Runs the handlers on a post the rules (or a moderator) accepted.
pub(crate) fn deliver(ctx: &Context<'_>) -> Vec<Action> {
    let mut delivery = Delivery::default();
    for handler in handlers::HANDLERS {
        (handler.run)(ctx, &mut delivery);
    }
    tracing::info!(list = %ctx.list.address(), message_id = %ctx.message_id, queue_id = ctx.item.id,
        sender = %ctx.sender, recipients = ctx.members.iter().filter(|m| m.delivery == crate::values::Delivery::Enabled).count(),
        "post accepted");
    delivery.actions
}

fn hold(ctx: &Context<'_>, reason: String) -> Vec<Action> {
    let body = format!(
        "Your message to {list} with the subject\n\n    {subject}\n\nis being held until a list moderator can review it.\n\nReason: {reason}\n\nYou will be told what the moderator decides. Nothing else is needed from you.\n",
        list = ctx.list.address(),
        subject = ctx.parsed.subject,
    );
    let notice = answer(
        ctx,
        &format!(
            "Your message to {} awaits moderator approval",
            ctx.list.address()
        ),
        &body,
    );
    let mut then: Vec<Action> = notice.into_iter().map(Action::Send).collect();
    then.extend(moderation::ask_moderators(ctx, &reason));
    vec![Action::Hold {
        list: ctx.list.address(),
        message_id: ctx.message_id.to_owned(),
        sender: ctx.sender.to_owned(),
        subject: ctx.parsed.subject.clone(),
        reason,
        raw: ctx.item.raw.clone(),
        then,
    }]
}

fn reject(ctx: &Context<'_>, reason: &str) -> Vec<Action> {
    let body = format!(
        "Your message to {list} with the subject\n\n    {subject}\n\nwas rejected and not delivered.\n\nReason: {reason}\n",
        list = ctx.list.address(),
        subject = ctx.parsed.subject,
    );
    match answer(
        ctx,
        &format!("Your message to {} was rejected", ctx.list.address()),
        &body,
    ) {
        Some(job) => vec![Action::Send(job)],
        None => vec![Action::Discard],
    }
}

/// A notice to the poster, unless the post came from a robot or a null sender (RFC 3834).
fn answer(ctx: &Context<'_>, subject: &str, body: &str) -> Option<OutboundJob> {
    if notice::must_not_answer(
        &ctx.item.mail_from,
        ctx.parsed.auto_submitted.as_deref(),
        ctx.parsed.precedence.as_deref(),
    ) {
        return None;
    }
    let owner = format!("{}-owner@{}", ctx.list.name, ctx.list.domain);
    list_mail(
        ctx.site,
        ctx.list,
        ctx.now,
        Mail {
            from: &owner,
            to: ctx.sender,
            subject,
            body,
            in_reply_to: Some(ctx.message_id),
            reply_to: None,
            attached: None,
        },
    )
}

/// Mail to `wg-owner@` goes to the owners as it is, with the list's bounce address as sender.
fn to_owners(ctx: &Context<'_>) -> Vec<Action> {
    if ctx.list.owners.is_empty() {
        return vec![Action::Inbox {
            list: ctx.list.address(),
            kind: "owner".into(),
            detail: String::new(),
            mail_from: ctx.item.mail_from.clone(),
            message_id: ctx.message_id.to_owned(),
            raw: ctx.item.raw.clone(),
        }];
    }
    vec![Action::Send(OutboundJob {
        list: ctx.list.address(),
        body: ctx.item.raw.clone(),
        personalize: false,
        envelopes: vec![(
            address::bounces_address(&ctx.list.name, &ctx.list.domain),
            ctx.list.owners.clone(),
        )],
    })]
}
