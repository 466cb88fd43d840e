//! Renders the post as it will be delivered and archives that copy with its parsed fields.

use crate::message::rewrite;
use crate::pipeline::{Context, Delivery};
use crate::store::ArchiveRecord;

/// Dates further in the future than this are taken as wrong clocks; the arrival time is used.
const MAX_FUTURE: i64 = 2 * 86_400;

pub fn run(ctx: &Context<'_>, d: &mut Delivery) {
    d.rendered = rewrite(&ctx.item.raw, &d.edit);
    let date = match ctx.parsed.date {
        Some(t) if t > 0 && t <= ctx.item.received_at + MAX_FUTURE => t,
        _ => ctx.item.received_at,
    };
    let record = ArchiveRecord {
        list: ctx.list.address(),
        message_id: ctx.message_id.to_owned(),
        from_addr: ctx.sender.to_owned(),
        from_name: ctx.parsed.from_name.clone(),
        subject: ctx.parsed.subject.clone(),
        date,
        received_at: ctx.item.received_at,
        in_reply_to: ctx.parsed.in_reply_to.clone(),
        references: ctx.parsed.references.clone(),
        body_text: ctx.parsed.body_text.clone(),
        raw: d.rendered.clone(),
    };
    d.actions.push(crate::store::Action::Post {
        archive: record,
        delivery: crate::store::OutboundJob {
            list: ctx.list.address(),
            body: Vec::new(),
            envelopes: Vec::new(),
        },
    });
}
