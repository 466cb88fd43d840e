//! A moderator's decision on a held post: approve runs the post through the delivery handlers as if
//! the rules had accepted it (keeping the Message-ID it was held under), reject tells the poster
//! why, discard drops it. The store applies the result and removes the hold in one commit.

use super::{Context, deliver, reject};
use crate::clock::Timestamp;
use crate::config::{ListConfig, Site};
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
    now: Timestamp,
) -> Vec<Action> {
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
    match decision {
        Decision::Approve => deliver(&ctx),
        Decision::Reject(reason) => {
            let reason = if reason.trim().is_empty() {
                "rejected by a list moderator"
            } else {
                reason.trim()
            };
            reject(&ctx, reason)
        }
        Decision::Discard => vec![Action::Discard],
    }
}
