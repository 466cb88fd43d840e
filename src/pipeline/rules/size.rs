//! Posts larger than the site's `smtp.max_message_size` are refused. The SMTP session already
//! enforces the limit; this catches messages that entered by other paths (import, a lowered limit
//! after a reload).

use crate::pipeline::{Context, Verdict};

pub fn check(ctx: &Context<'_>) -> Verdict {
    let limit = ctx.site.smtp.max_message_size;
    if ctx.item.raw.len() as u64 > limit {
        return Verdict::Reject(format!(
            "the message is {} bytes; this list accepts at most {limit} bytes",
            ctx.item.raw.len()
        ));
    }
    Verdict::Continue
}
