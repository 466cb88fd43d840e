//! Mail the server writes itself (notices to posters, later confirmations and reports). Composed
//! with lettre's message builder, which handles address and header encoding, and always marked
//! `Auto-Submitted: auto-generated` (RFC 3834) so no well-behaved robot answers it.

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};

use crate::clock::Timestamp;

/// A notice to compose.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    pub from: &'a str,
    pub from_name: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The Message-ID (without brackets) this notice answers, if any.
    pub in_reply_to: Option<&'a str>,
    /// Where replies should go, when not to `from`.
    pub reply_to: Option<&'a str>,
    pub hostname: &'a str,
    pub now: Timestamp,
}

/// Composes a notice, or `None` when an address cannot be used (a malformed poster address must not
/// stop the pipeline; the caller logs it).
pub fn compose(n: &Notice<'_>) -> Option<Vec<u8>> {
    let mut builder = builder_for(n)?.header(ContentType::TEXT_PLAIN);
    if let Some(r) = n.reply_to {
        builder = builder.reply_to(Mailbox::new(None, r.parse().ok()?));
    }
    if let Some(parent) = n.in_reply_to {
        builder = builder
            .in_reply_to(format!("<{parent}>"))
            .references(format!("<{parent}>"));
    }
    builder.body(n.body.to_owned()).ok().map(|m| m.formatted())
}

/// Composes a notice with a message attached as `message/rfc822` (a held post sent to the
/// moderators), or `None` like [`compose`].
pub fn compose_with_message(n: &Notice<'_>, attached: &[u8]) -> Option<Vec<u8>> {
    use lettre::message::header::ContentTransferEncoding;
    use lettre::message::{Body, MultiPart, SinglePart};
    // Build the plain notice first for its headers, then replace the body with a multipart.
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(n.body.to_owned());
    // RFC 2046 allows only 7bit, 8bit or binary for message/rfc822; 8bit works unless a line is
    // too long, and then base64 is the readable fallback clients accept.
    let body = Body::new_with_encoding(attached.to_vec(), ContentTransferEncoding::EightBit)
        .unwrap_or_else(Body::new);
    let message = SinglePart::builder()
        .header(ContentType::parse("message/rfc822").ok()?)
        .body(body);
    let mut builder = builder_for(n)?;
    if let Some(r) = n.reply_to {
        builder = builder.reply_to(Mailbox::new(None, r.parse().ok()?));
    }
    builder
        .multipart(MultiPart::mixed().singlepart(text).singlepart(message))
        .ok()
        .map(|m| m.formatted())
}

/// The headers every notice carries.
fn builder_for(n: &Notice<'_>) -> Option<lettre::message::MessageBuilder> {
    let from: Mailbox = Mailbox::new(
        (!n.from_name.is_empty()).then(|| n.from_name.to_owned()),
        n.from.parse().ok()?,
    );
    let to: Mailbox = Mailbox::new(None, n.to.parse().ok()?);
    let mut id = [0u8; 12];
    getrandom::fill(&mut id).ok()?;
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    Some(
        Message::builder()
            .from(from)
            .to(to)
            .subject(n.subject)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_auto_submitted_mail() {
        let raw = compose(&Notice {
            from: "quic-owner@ietf.org",
            from_name: "quic list",
            to: "alice@example.org",
            subject: "Your message awaits moderator approval",
            body: "Hello.\n",
            in_reply_to: Some("abc@example.org"),
            reply_to: None,
            hostname: "lists.example",
            now: 1_795_880_295,
        })
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
        let n = Notice {
            from: "a@b.c",
            from_name: "",
            to: "not an address",
            subject: "s",
            body: "b",
            in_reply_to: None,
            reply_to: None,
            hostname: "h",
            now: 0,
        };
        assert!(compose(&n).is_none());
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
