//! New revisions announced on the list (`✉` in `spec/workflow.md`): an accepted post whose subject
//! is the Datatracker's `I-D Action: draft-ietf-quic-foo-01.txt` (or `New Version Notification
//! for …`) records the draft's new revision, and the `-00` of a `draft-ietf-<wg>-…` replacing an
//! adopted individual draft moves that draft to `replaced`, the new name taking over as `wg-doc`.
//!
//! Only these two things follow from such a post; any other move still needs a chair.
//!
//! Reviews are the other thing a post can complete: a post by an assigned reviewer under a review
//! round's announcement is their review, and when the last one is in the draft leaves `wg-review`
//! for `wg-doc` and the chairs are told.

use crate::context::Context;
use crate::store::{Action, DraftMeta, DraftMove, DraftRow, ReviewRow};

use super::states::{self, Actor, State};

/// The draft a subject announces, with its revision. The subject must *be* the announcement
/// (after a list's `[prefix]`), not a reply to or a forward of one.
pub fn announced(subject: &str) -> Option<(String, u8)> {
    let lower = subject.trim().to_ascii_lowercase();
    let lower = match lower.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((_, rest)) => rest.trim_start().to_owned(),
        None => lower,
    };
    let rest = ["i-d action:", "new version notification for"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))?;
    let word = rest.split_whitespace().next()?;
    let word = word.strip_suffix(".txt").unwrap_or(word);
    let d = states::parse_draft(word).ok()?;
    Some((d.name, d.rev?))
}

/// The actions a revision announcement implies, given the list's drafts.
pub fn on_post(ctx: &Context<'_>, drafts: &[DraftRow]) -> Vec<Action> {
    let Some((name, rev)) = announced(&ctx.parsed.subject) else {
        return Vec::new();
    };
    if trusted(ctx).is_err() {
        return Vec::new();
    }
    let list = ctx.list.address();
    let title = announced_title(&ctx.parsed.body_text);
    let meta = |draft: &str| {
        Action::DraftMeta(DraftMeta {
            list: list.clone(),
            draft: draft.to_owned(),
            rev: Some(i64::from(rev)),
            title: title.clone(),
            ..DraftMeta::default()
        })
    };
    if let Some(known) = drafts.iter().find(|d| d.name == name) {
        // Revisions only go up; an old announcement arriving late changes nothing.
        if known.rev.is_some_and(|r| r >= i64::from(rev)) {
            return Vec::new();
        }
        return vec![meta(&name)];
    }
    // A `draft-ietf-<wg>-x-00` replaces the adopted `draft-<author>-<wg>-x` (or `-x`).
    let wg_prefix = format!("draft-ietf-{}-", ctx.list.name);
    let Some(topic) = name.strip_prefix(&wg_prefix) else {
        return Vec::new();
    };
    if rev != 0 {
        return Vec::new();
    }
    // `draft-<author>-<wg>-<topic>` or `draft-<author>-<topic>`, exactly; adopted, or already
    // moved on to `wg-doc` by a chair while the `-00` was being written.
    let with_wg = format!("{}-{topic}", ctx.list.name);
    let Some(old) = drafts.iter().find(|d| {
        matches!(d.state, State::Adopted | State::WgDoc)
            && d.name
                .strip_prefix("draft-")
                .and_then(|r| r.split_once('-'))
                .is_some_and(|(_, rest)| rest == with_wg || rest == topic)
    }) else {
        return Vec::new();
    };
    if states::check(Some(old.state), State::Replaced, Actor::Revision, false).is_err() {
        return Vec::new();
    }
    // The old name is replaced and the WG's name takes over as a WG document (an adopted draft
    // was waiting for exactly this), as a chair's `replaces` would do.
    vec![super::commands::replaces::replacement(
        &list,
        old,
        &name,
        Some(0),
        State::WgDoc,
        "revision",
        ctx.message_id,
        title,
    )]
}

/// Whether an announcement is genuine: From is one of `[workflow] announcements_from`, and a
/// DKIM signature by `announcements_dkim_domain` (or a domain below it: the zone's owner controls
/// those too) verifies over it. `Err` says why not, for the chairs. A From line alone can be forged
/// by anyone; the signature cannot.
pub fn trusted(ctx: &Context<'_>) -> Result<(), String> {
    let wf = &ctx.list.workflow;
    if !wf
        .announcements_from
        .iter()
        .any(|a| a.eq_ignore_ascii_case(ctx.sender))
    {
        return Err(format!(
            "it is from {}, who does not send the list's announcements",
            ctx.sender
        ));
    }
    let want = wf.announcements_dkim_domain.to_ascii_lowercase();
    let ours = |d: &str| {
        d == want
            || d.strip_suffix(want.as_str())
                .is_some_and(|r| r.ends_with('.'))
    };
    let Some(signatures) = &ctx.parsed.dkim else {
        return Err("its DKIM signature was not checked on arrival".into());
    };
    if signatures.iter().any(|s| s.pass && ours(&s.domain)) {
        return Ok(());
    }
    if signatures.is_empty() {
        return Err(format!(
            "it has no DKIM signature (one by {want} is required)"
        ));
    }
    let each: Vec<String> = signatures
        .iter()
        .map(|s| match (s.pass, ours(&s.domain)) {
            (true, _) => format!(
                "the signature by d={} verifies, but {want} is required",
                s.domain
            ),
            (false, _) => format!("the signature by d={} does not verify: {}", s.domain, s.why),
        })
        .collect();
    Err(each.join("; "))
}

/// An announcement that is not trusted changes nothing; the chairs get it, with the reason, so a
/// forgery is seen (and a genuine one whose signature broke can be acted on by hand).
pub fn untrusted(ctx: &Context<'_>, why: &str) -> Vec<Action> {
    tracing::warn!(list = %ctx.list.address(), message_id = %ctx.message_id, sender = %ctx.sender,
        subject = %ctx.parsed.subject, why, "announcement not trusted; chairs told");
    let to: &[String] = if ctx.list.chairs.is_empty() {
        &ctx.list.owners
    } else {
        &ctx.list.chairs
    };
    let owner = format!("{}-owner@{}", ctx.list.name, ctx.list.domain);
    let subject = format!("Not trusted: {}", ctx.parsed.subject);
    let body = format!(
        "A message to {list} announces a new revision, but it was not trusted, so no draft was \
         changed:\n\n    Subject: {subject}\n    From: {from}\n    Message-ID: <{id}>\n\n\
         Why: {why}.\n\nThe message is attached. If it is genuine, record the revision with a \
         chair command; otherwise nothing needs doing. It goes through the list's moderation like \
         any other post.\n",
        list = ctx.list.address(),
        subject = ctx.parsed.subject,
        from = ctx.sender,
        id = ctx.message_id,
    );
    crate::notice::list_mail_members(
        ctx.site,
        ctx.list,
        &[],
        to,
        ctx.now,
        crate::notice::Mail {
            from: &owner,
            to: "",
            subject: &subject,
            body: &body,
            in_reply_to: None,
            reply_to: None,
            attached: Some(&ctx.item.raw),
        },
    )
}

/// The document title an I-D announcement gives (`   Title:   QUIC Foo`), used in the IETF last
/// call subject and the approval and RFC announcements.
pub fn announced_title(body: &str) -> Option<String> {
    body.lines().take(40).find_map(|l| {
        let rest = l.trim_start().strip_prefix("Title")?.trim_start();
        let title = rest.strip_prefix(':')?.trim();
        (!title.is_empty() && title.len() <= 200 && !title.chars().any(char::is_control))
            .then(|| title.to_owned())
    })
}

/// A post by an assigned reviewer under a review round's announcement is their review.
pub fn review_in(ctx: &Context<'_>, open: &[ReviewRow]) -> Vec<Action> {
    let under = |anchor: &str| {
        ctx.parsed
            .references
            .iter()
            .chain(ctx.parsed.in_reply_to.iter())
            .any(|id| id == anchor)
    };
    let Some(row) = open
        .iter()
        .find(|r| r.reviewer.eq_ignore_ascii_case(ctx.sender) && under(&r.anchor))
    else {
        return Vec::new();
    };
    let list = ctx.list.address();
    let mut then = Vec::new();
    if let Ok(mv) = states::check(Some(State::WgReview), State::WgDoc, Actor::Deadline, false) {
        let chairs = format!("{}-chairs@{}", ctx.list.name, ctx.list.domain);
        let subject = format!("Reviews are in: {}", row.draft);
        let body = format!(
            "Every review of {} assigned in the round is in; the last came from {}.\n\n{}\n\n\
             The reviews are in the thread under the round's announcement on {list}.\n",
            row.draft,
            ctx.sender,
            mv.describe()
        );
        then.push(Action::DraftMove {
            m: DraftMove {
                list: list.clone(),
                draft: row.draft.clone(),
                rev: None,
                from: Some(State::WgReview),
                to: State::WgDoc,
                actor: "reviews".into(),
                why: "all reviews are in".into(),
                message_id: ctx.message_id.to_owned(),
                forced: false,
            },
            then: crate::notice::list_mail_members(
                ctx.site,
                ctx.list,
                &[],
                &ctx.list.chairs,
                ctx.now,
                crate::notice::Mail {
                    from: &chairs,
                    to: "",
                    subject: &subject,
                    body: &body,
                    in_reply_to: Some(&row.anchor),
                    reply_to: None,
                    attached: None,
                },
            ),
        });
    }
    vec![Action::ReviewDone {
        list,
        anchor: row.anchor.clone(),
        reviewer: row.reviewer.clone(),
        then,
    }]
}

#[cfg(test)]
mod tests {
    use super::announced;

    #[test]
    fn subjects_that_announce_a_revision() {
        assert_eq!(
            announced("I-D Action: draft-ietf-quic-foo-01.txt"),
            Some(("draft-ietf-quic-foo".into(), 1))
        );
        assert_eq!(
            announced("[quic] I-D Action: draft-ietf-quic-foo-00.txt"),
            Some(("draft-ietf-quic-foo".into(), 0))
        );
        assert_eq!(
            announced("New Version Notification for draft-smith-quic-foo-04.txt"),
            Some(("draft-smith-quic-foo".into(), 4))
        );
        assert_eq!(announced("Re: draft-ietf-quic-foo-01"), None);
        assert_eq!(
            announced("Re: I-D Action: draft-ietf-quic-foo-01.txt"),
            None
        );
        assert_eq!(
            announced("Fwd: [quic] I-D Action: draft-ietf-quic-foo-01.txt"),
            None
        );
        assert_eq!(announced("I-D Action: draft-ietf-quic-foo.txt"), None);
        assert_eq!(announced("I-D Action:"), None);
    }

    #[test]
    fn the_title_of_an_announcement() {
        let body = "A New Internet-Draft is available from the on-line Internet-Drafts\n\
                    directories. This Internet-Draft is a work item of the QUIC WG.\n\n   \
                    Title:   QUIC Foo Extensions\n   Authors: A. Smith\n   Name:    draft-ietf-quic-foo-01.txt\n";
        assert_eq!(
            super::announced_title(body).as_deref(),
            Some("QUIC Foo Extensions")
        );
        assert_eq!(super::announced_title("Titles are hard.\n"), None);
        assert_eq!(super::announced_title("Title:\n"), None);
    }
}
