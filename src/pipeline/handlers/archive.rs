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
    let record = ArchiveRecord::from_parsed(
        ctx.list.address(),
        ctx.message_id.to_owned(),
        ctx.parsed.clone(),
        date,
        ctx.item.received_at,
        d.rendered.clone(),
    );
    // From is who posted, which falls back to the envelope sender when the header has none.
    let record = ArchiveRecord {
        from_addr: ctx.sender.to_owned(),
        ..record
    };
    d.actions.push(crate::store::Action::Post {
        archive: record,
        delivery: crate::store::OutboundJob {
            list: ctx.list.address(),
            body: Vec::new(),
            personalize: false,
            envelopes: Vec::new(),
        },
    });
}
