//! Puts the list's subject prefix on the post once (`Re: [wg] topic`, never stacked).

use crate::message::{encode_header_value, prefixed_subject};
use crate::pipeline::{Context, Delivery};

pub fn run(ctx: &Context<'_>, d: &mut Delivery) {
    if ctx.list.subject_prefix.trim().is_empty() {
        return;
    }
    let subject = prefixed_subject(&ctx.parsed.subject, &ctx.list.subject_prefix);
    d.edit.remove.push("Subject".into());
    d.edit
        .append
        .push(("Subject".into(), encode_header_value(&subject)));
}
