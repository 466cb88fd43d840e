//! Queues one copy of the rendered post for every member whose delivery is enabled: in chunks of
//! `outbound.batch` recipients per transaction with the list's bounce address as envelope sender,
//! or one transaction per recipient with a VERP sender when `outbound.verp` is on.

use crate::address::{bounces_address, verp_sender};
use crate::pipeline::{Context, Delivery};
use crate::store::Action;

pub fn run(ctx: &Context<'_>, d: &mut Delivery) {
    let (name, domain) = (&ctx.list.name, &ctx.list.domain);
    let rcpts: Vec<String> = ctx
        .members
        .iter()
        .filter(|m| m.delivery == crate::values::Delivery::Enabled)
        .map(|m| m.address.clone())
        .collect();
    let outbound = &ctx.site.outbound;
    let envelopes: Vec<(String, Vec<String>)> = if outbound.verp {
        rcpts
            .into_iter()
            .map(|r| (verp_sender(name, domain, &r), vec![r]))
            .collect()
    } else {
        let from = bounces_address(name, domain);
        rcpts
            .chunks(outbound.batch.max(1))
            .map(|c| (from.clone(), c.to_vec()))
            .collect()
    };
    // The archive handler pushed the post; its delivery is filled in here so the two stay one action.
    if let Some(Action::Post { delivery, .. }) = d.actions.last_mut() {
        delivery.body = d.rendered.clone();
        delivery.envelopes = envelopes;
        delivery.personalize = outbound.personalize;
    }
}
