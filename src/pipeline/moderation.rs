//! A moderator's decision on a held post: approve runs the post through the delivery handlers as if
//! the rules had accepted it (keeping the Message-ID it was held under, and counting it in the
//! workflow — a position in a call, a review — as of when it was held), reject tells the poster
//! why, discard drops it. The store applies the result and removes the hold in one commit.

use super::{Context, deliver, reject};
use crate::clock::Timestamp;
use crate::config::{ListConfig, Site};
use crate::notice;
use crate::store::TokenRow;
use crate::store::{Action, HoldRecord, Member, QueueItem};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject(String),
    Discard,
}

pub fn decide(
    site: &Site,
    list: &ListConfig,
    hold: &HoldRecord,
    raw: &[u8],
    members: &[Member],
    decision: &Decision,
    lookup: &dyn super::Lookups,
    now: Timestamp,
) -> Result<Vec<Action>, String> {
    let item = QueueItem {
        id: 0,
        received_at: hold.held_at,
        mail_from: hold.sender.clone(),
        rcpt_to: vec![list.address()],
        peer: "moderation".into(),
        raw: raw.to_vec(),
    };
    let parsed = crate::message::parse(raw);
    let ctx = Context {
        site,
        list,
        item: &item,
        parsed: &parsed,
        message_id: &hold.message_id,
        sender: &hold.sender,
        members,
        now,
    };
    Ok(match decision {
        Decision::Approve => {
            let mut actions = deliver(&ctx);
            if actions.iter().any(|a| matches!(a, Action::Post { .. })) {
                actions.extend(crate::workflow::after_post(&ctx, lookup)?);
            }
            actions
        }
        Decision::Reject(reason) => {
            let reason = if reason.trim().is_empty() {
                "rejected by a list moderator"
            } else {
                reason.trim()
            };
            reject(&ctx, reason)
        }
        Decision::Discard => vec![Action::Discard],
    })
}

/// Why a post the members-only rule would stop is accepted anyway, if it is: the name of the
/// exemption, for the log. Each exemption is a question for the store, so it cannot be a rule.
pub fn exemption(
    ctx: &Context<'_>,
    lookup: &dyn super::Lookups,
) -> Result<Option<&'static str>, crate::context::LookupError> {
    // `ietf-last-call-reply`: the IETF has no membership; anyone may comment on an IETF last
    // call, and a reply that threads to one still taking replies reaches the WG list unheld.
    if crate::workflow::calls::answers_ietf_last_call(ctx, lookup)? {
        return Ok(Some("ietf-last-call-reply"));
    }
    Ok(None)
}

/// The token and the notices that put a new hold before the moderators: each gets the post
/// attached and a Reply-To of `wg-confirm+TOKEN@D`; the first reply that decides uses the token up.
pub fn ask_moderators(ctx: &Context<'_>, reason: &str) -> Vec<Action> {
    let list = ctx.list;
    let Ok(token) = crate::tokens::new_token() else {
        tracing::error!(list = %list.address(), "no random token; moderators use the CLI for this hold");
        return Vec::new();
    };
    let confirm = format!("{}-confirm+{token}@{}", list.name, list.domain);
    let owner = format!("{}-owner@{}", list.name, list.domain);
    let subject = format!(
        "{}: post from {} awaits approval: {}",
        list.address(),
        ctx.sender,
        ctx.parsed.subject
    );
    let body = format!(
        "A post to {list} is held for a moderator.\n\n  From:    {sender}\n  Subject: {subject}\n  Reason:  {reason}\n\n\
         Reply to this message with one of these as the first line:\n\n    approve\n    reject REASON\n    discard\n\n\
         approve delivers it, reject refuses it and tells the poster the reason, discard drops it\n\
         silently. The post is attached. Without a decision it expires on {expiry} (UTC).\n",
        list = list.address(),
        sender = ctx.sender,
        subject = ctx.parsed.subject,
        expiry = crate::clock::rfc5322_date(ctx.now + ctx.site.holds.ttl as i64),
    );
    let mut actions = vec![Action::TokenCreate(TokenRow {
        token,
        list: list.address(),
        address: ctx.message_id.to_owned(),
        action: crate::values::TokenPurpose::Moderate,
        created_at: ctx.now,
        expires_at: ctx.now + ctx.site.holds.ttl as i64,
        used_at: None,
    })];
    for moderator in list.moderators_or_owners() {
        let m = crate::notice::Mail {
            from: &owner,
            to: moderator,
            subject: &subject,
            body: &body,
            in_reply_to: None,
            reply_to: Some(&confirm),
            attached: Some(&ctx.item.raw),
        };
        actions.extend(crate::notice::list_mail(ctx.site, list, ctx.now, m).map(Action::Send));
    }
    actions
}

/// A hold nobody decided on within `holds.ttl`: it goes, and the poster is told (unless the post
/// came from a robot).
pub fn expire(
    site: &Site,
    list: &ListConfig,
    hold: &HoldRecord,
    raw: &[u8],
    now: Timestamp,
) -> Action {
    let parsed = crate::message::parse(raw);
    let mut then = Vec::new();
    let owner = format!("{}-owner@{}", list.name, list.domain);
    if !notice::must_not_answer(
        &hold.sender,
        parsed.auto_submitted.as_deref(),
        parsed.precedence.as_deref(),
    ) {
        let body = format!(
            "Your message to {list} with the subject\n\n    {subject}\n\nwas held for a moderator, and no moderator decided on it in time, so it\n\
             was not delivered. You may send it again, or write to {owner}.\n",
            list = list.address(),
            subject = hold.subject,
            owner = owner,
        );
        let subject = format!("Your message to {} expired unmoderated", list.address());
        let m = crate::notice::Mail {
            from: &owner,
            to: &hold.sender,
            subject: &subject,
            body: &body,
            in_reply_to: Some(&hold.message_id),
            reply_to: None,
            attached: None,
        };
        then.extend(crate::notice::list_mail(site, list, now, m).map(Action::Send));
    }
    Action::HoldDelete {
        list: list.address(),
        message_id: hold.message_id.clone(),
        then,
    }
}
