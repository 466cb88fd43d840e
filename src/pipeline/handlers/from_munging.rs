//! `from_munging = "always"`: the post goes out From `"Alice via quic" <quic@D>` with Alice's own
//! From in Reply-To, so receivers that enforce DMARC p=reject for Alice's domain still take it
//! (the list's changes break her domain's DKIM signature).

use crate::config::FromMunging;
use crate::message::encode_header_value;
use crate::pipeline::{Context, Delivery};

pub fn run(ctx: &Context<'_>, d: &mut Delivery) {
    if ctx.list.posting.from_munging != FromMunging::Always {
        return;
    }
    let name = if ctx.parsed.from_name.is_empty() {
        ctx.sender
    } else {
        ctx.parsed.from_name.as_str()
    };
    let phrase = format!("{name} via {}", ctx.list.name).replace(['"', '\\'], "");
    d.edit.remove.push("From".into());
    d.edit.remove.push("Reply-To".into());
    let from = if phrase.is_ascii() {
        format!("\"{phrase}\"")
    } else {
        encode_header_value(&phrase)
    };
    d.edit
        .append
        .push(("From".into(), format!("{from} <{}>", ctx.list.address())));
    let original = crate::message::header_text(&ctx.item.raw, "Reply-To")
        .unwrap_or_else(|| ctx.sender.to_owned());
    d.edit.append.push(("Reply-To".into(), original));
}
