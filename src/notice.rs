//! Mail the server writes itself (notices to posters, later confirmations and reports). Composed
//! with lettre's message builder, which handles address and header encoding, and always marked
//! `Auto-Submitted: auto-generated` (RFC 3834) so no well-behaved robot answers it.

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};

use crate::clock::Timestamp;
use crate::config::{ListConfig, Site};
use crate::store::{Action, Member, OutboundJob};

/// What a notice says: one struct for every mail the server writes, whether a list sends it
/// ([`list_mail`]) or the site does (the weekly report).
#[derive(Debug, Clone, Copy)]
pub struct Mail<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The Message-ID (without brackets) this notice answers, if any.
    pub in_reply_to: Option<&'a str>,
    /// Where replies should go, when not to `from`.
    pub reply_to: Option<&'a str>,
    /// A message attached as message/rfc822 (a held post for the moderators).
    pub attached: Option<&'a [u8]>,
}

/// Who signs a notice and when: the From display name, the host the Message-ID names, the date.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub from_name: &'a str,
    pub hostname: &'a str,
    pub now: Timestamp,
}

/// Composes a notice (with its attachment, if any), or `None` when an address cannot be used (a
/// malformed poster address must not stop the pipeline; the caller logs it).
pub fn compose(m: &Mail<'_>, s: &Signed<'_>) -> Option<Vec<u8>> {
    match m.attached {
        Some(message) => compose_with_message(m, s, message),
        None => compose_plain(m, s),
    }
}

fn compose_plain(m: &Mail<'_>, s: &Signed<'_>) -> Option<Vec<u8>> {
    let mut builder = builder_for(m, s)?.header(ContentType::TEXT_PLAIN);
    if let Some(r) = m.reply_to {
        builder = builder.reply_to(Mailbox::new(None, r.parse().ok()?));
    }
    if let Some(parent) = m.in_reply_to {
        builder = builder
            .in_reply_to(format!("<{parent}>"))
            .references(format!("<{parent}>"));
    }
    builder.body(m.body.to_owned()).ok().map(|m| m.formatted())
}

/// A notice with a message attached as `message/rfc822` (a held post sent to the moderators).
fn compose_with_message(m: &Mail<'_>, s: &Signed<'_>, attached: &[u8]) -> Option<Vec<u8>> {
    use lettre::message::header::ContentTransferEncoding;
    use lettre::message::{Body, MultiPart, SinglePart};
    // Build the plain notice first for its headers, then replace the body with a multipart.
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.to_owned());
    // RFC 2046 allows only 7bit, 8bit or binary for message/rfc822; 8bit works unless a line is
    // too long, and then base64 is the readable fallback clients accept.
    let body = Body::new_with_encoding(attached.to_vec(), ContentTransferEncoding::EightBit)
        .unwrap_or_else(Body::new);
    let message = SinglePart::builder()
        .header(ContentType::parse("message/rfc822").ok()?)
        .body(body);
    let mut builder = builder_for(m, s)?;
    if let Some(r) = m.reply_to {
        builder = builder.reply_to(Mailbox::new(None, r.parse().ok()?));
    }
    builder
        .multipart(MultiPart::mixed().singlepart(text).singlepart(message))
        .ok()
        .map(|m| m.formatted())
}

/// The headers every notice carries.
fn builder_for(m: &Mail<'_>, n: &Signed<'_>) -> Option<lettre::message::MessageBuilder> {
    let from: Mailbox = Mailbox::new(
        (!n.from_name.is_empty()).then(|| n.from_name.to_owned()),
        m.from.parse().ok()?,
    );
    let to: Mailbox = Mailbox::new(None, m.to.parse().ok()?);
    let mut id = [0u8; 12];
    getrandom::fill(&mut id).ok()?;
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    Some(
        Message::builder()
            .from(from)
            .to(to)
            .subject(m.subject)
            .date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(n.now.max(0) as u64))
            .message_id(Some(format!("<wgmail.{id}@{}>", n.hostname)))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            )),
    )
}

/// Whether a message is one the server must never answer: an empty envelope sender, an
/// `Auto-Submitted` other than `no`, or bulk/junk/list precedence (RFC 3834 §2).
pub fn must_not_answer(
    mail_from: &str,
    auto_submitted: Option<&str>,
    precedence: Option<&str>,
) -> bool {
    mail_from.trim().is_empty()
        || auto_submitted.is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"))
        || precedence.is_some_and(|p| {
            matches!(
                p.trim().to_ascii_lowercase().as_str(),
                "bulk" | "junk" | "list"
            )
        })
}

/// Composes mail from a list (signed "<name> list", `Auto-Submitted: auto-generated`) and queues
/// it with the list's bounce address as envelope sender; `None` when an address is unusable.
/// An automatic reply to `to`, counted against the day's reply limit; the one that would pass
/// the limit is replaced by a notice saying so (once), so nobody is silenced without being told.
pub fn reply(
    site: &Site,
    list: &ListConfig,
    now: Timestamp,
    to: &str,
    job: OutboundJob,
) -> crate::store::Action {
    let owner = format!("{}-owner@{}", list.name, list.domain);
    let body = format!(
        "You have had {limit} automatic replies from {list} today, the most it sends to one address\n\
         in a day (a guard against mail loops and forged senders). Mail you send to its robots\n\
         (-request, -join, -leave, -chairs) today is still received, but not answered until\n\
         tomorrow (UTC). If you need an answer now, write to the list owners at {owner}.\n",
        limit = crate::store::REPLY_LIMIT,
        list = list.address(),
    );
    let limit_notice = list_mail(
        site,
        list,
        now,
        Mail {
            from: &owner,
            to,
            subject: &format!(
                "Daily limit of automatic replies from {} reached",
                list.address()
            ),
            body: &body,
            in_reply_to: None,
            reply_to: None,
            attached: None,
        },
    );
    crate::store::Action::Reply {
        to: to.to_owned(),
        job,
        limit_notice,
    }
}

pub fn list_mail(
    site: &Site,
    list: &ListConfig,
    now: Timestamp,
    m: Mail<'_>,
) -> Option<OutboundJob> {
    let signed = Signed {
        from_name: &format!("{} list", list.name),
        hostname: &site.smtp.hostname,
        now,
    };
    Some(OutboundJob {
        list: list.address(),
        body: compose(&m, &signed)?,
        personalize: false,
        envelopes: vec![(
            crate::address::bounces_address(&list.name, &list.domain),
            vec![m.to.to_owned()],
        )],
    })
}

/// The same list mail to each member whose delivery is enabled (and to any `extra` addresses),
/// one copy each.
pub fn list_mail_members(
    site: &Site,
    list: &ListConfig,
    members: &[Member],
    extra: &[String],
    now: Timestamp,
    m: Mail<'_>,
) -> Vec<Action> {
    members
        .iter()
        .filter(|mb| mb.delivery == crate::values::Delivery::Enabled)
        .map(|mb| mb.address.as_str())
        .chain(extra.iter().map(String::as_str))
        .filter_map(|to| list_mail(site, list, now, Mail { to, ..m }).map(Action::Send))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_auto_submitted_mail() {
        let raw = compose(
            &Mail {
                from: "quic-owner@ietf.org",
                to: "alice@example.org",
                subject: "Your message awaits moderator approval",
                body: "Hello.\n",
                in_reply_to: Some("abc@example.org"),
                reply_to: None,
                attached: None,
            },
            &Signed {
                from_name: "quic list",
                hostname: "lists.example",
                now: 1_795_880_295,
            },
        )
        .expect("composes");
        let text = String::from_utf8(raw).expect("utf8");
        assert!(
            text.contains("Auto-Submitted: auto-generated\r\n"),
            "{text}"
        );
        assert!(text.contains("In-Reply-To: <abc@example.org>"), "{text}");
        assert!(text.contains("To: alice@example.org"), "{text}");
        assert!(
            text.contains("Date: Sat, 28 Nov 2026 15:38:15 +0000"),
            "{text}"
        );
    }

    #[test]
    fn bad_address_gives_none() {
        let m = Mail {
            from: "a@b.c",
            to: "not an address",
            subject: "s",
            body: "b",
            in_reply_to: None,
            reply_to: None,
            attached: None,
        };
        let s = Signed {
            from_name: "",
            hostname: "h",
            now: 0,
        };
        assert!(compose(&m, &s).is_none());
    }

    #[test]
    fn never_answers_robots() {
        assert!(must_not_answer("", None, None));
        assert!(must_not_answer("a@b", Some("auto-replied"), None));
        assert!(!must_not_answer("a@b", Some("no"), None));
        assert!(must_not_answer("a@b", None, Some("bulk")));
        assert!(must_not_answer("a@b", None, Some("List")));
        assert!(!must_not_answer("a@b", None, Some("first-class")));
    }
}
