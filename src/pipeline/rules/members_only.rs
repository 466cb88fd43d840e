//! On a members-only list (the default) a post from someone who is not a member meets the list's
//! `nonmember_action`: held for the moderators (the default), rejected, discarded or accepted —
//! unless the sender matches one of `accept_these_nonmembers`.

use crate::config::NonmemberAction;
use crate::pipeline::{Context, Verdict};

pub fn check(ctx: &Context<'_>) -> Verdict {
    let posting = &ctx.list.posting;
    if !posting.members_only || ctx.sender_is_member() {
        return Verdict::Continue;
    }
    let sender = ctx.sender.to_lowercase();
    // Patterns were validated when the list file loaded; one that fails here matches nothing.
    let accepted = posting
        .accept_these_nonmembers
        .iter()
        .any(|p| regex::Regex::new(p).is_ok_and(|re| re.is_match(&sender)));
    if accepted {
        return Verdict::Continue;
    }
    let why = format!("{} is not a member of {}", ctx.sender, ctx.list.address());
    match posting.nonmember_action {
        NonmemberAction::Hold => Verdict::Hold(why),
        NonmemberAction::Reject => Verdict::Reject(format!(
            "{why}, and the list accepts posts from members only"
        )),
        NonmemberAction::Discard => Verdict::Discard(why),
        NonmemberAction::Accept => Verdict::Continue,
    }
}
