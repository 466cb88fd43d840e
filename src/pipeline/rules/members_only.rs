//! On a members-only list (the default) a post from someone who is not a member is held for the
//! moderators rather than delivered or refused outright.

use crate::pipeline::{Context, Verdict};

pub fn check(ctx: &Context<'_>) -> Verdict {
    if ctx.list.posting.members_only && !ctx.sender_is_member() {
        return Verdict::Hold(format!(
            "{} is not a member of {}",
            ctx.sender,
            ctx.list.address()
        ));
    }
    Verdict::Continue
}
