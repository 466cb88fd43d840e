//! Turning a raw report into the pieces the detectors read: the human-readable text parts and the
//! machine-readable `message/delivery-status` parts. Attached original messages (`message/rfc822`,
//! `text/rfc822-headers`) are left out, so their From/To headers can never be mistaken for failed
//! recipients.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// What a segment of the report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text meant for people (text/plain, or text/html with the tags removed).
    Text,
    /// An RFC 3464 `message/delivery-status` body.
    DeliveryStatus,
    /// The value of the report's own `X-Failed-Recipients` header (Exim and others add it).
    FailedRecipientsHeader,
}

/// One part of the report, decoded to text.
#[derive(Debug, Clone)]
pub struct Segment {
    pub kind: Kind,
    pub text: String,
}

/// The report's parts in order. A message that does not parse yields no segments.
pub fn segments(raw: &[u8]) -> Vec<Segment> {
    match MessageParser::default().parse(raw) {
        Some(msg) => of_message(&msg, true),
        None => Vec::new(),
    }
}

/// Whether `msg` is itself a delivery report (`multipart/report`).
fn is_report(msg: &Message<'_>) -> bool {
    msg.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    })
}

/// The segments of one message. When `unwrap` is set, an attached message that is itself a
/// `multipart/report` is read too: some gateways forward the real report as an attachment with a
/// disclaimer around it. Any other attached message is the bounced original and is never read.
fn of_message(msg: &Message<'_>, unwrap: bool) -> Vec<Segment> {
    let mut out = Vec::new();
    for h in msg.headers() {
        if h.name().eq_ignore_ascii_case("x-failed-recipients")
            && let Some(v) = h.value().as_text()
        {
            out.push(Segment {
                kind: Kind::FailedRecipientsHeader,
                text: v.to_string(),
            });
        }
    }
    for part in &msg.parts {
        let (ctype, subtype) = match part.content_type() {
            Some(ct) => (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype()
                    .map(str::to_ascii_lowercase)
                    .unwrap_or_default(),
            ),
            None => ("text".to_string(), "plain".to_string()),
        };
        match &part.body {
            PartType::Text(t) if subtype != "rfc822-headers" => out.push(Segment {
                kind: Kind::Text,
                text: t.to_string(),
            }),
            PartType::Html(h) => out.push(Segment {
                kind: Kind::Text,
                text: strip_html(h),
            }),
            PartType::Binary(b) | PartType::InlineBinary(b)
                if ctype == "message"
                    && (subtype == "delivery-status" || subtype == "global-delivery-status") =>
            {
                out.push(Segment {
                    kind: Kind::DeliveryStatus,
                    text: String::from_utf8_lossy(b).into_owned(),
                })
            }
            PartType::Message(inner) if unwrap && is_report(inner) => {
                out.extend(of_message(inner, false))
            }
            _ => {}
        }
    }
    out
}

/// A rough HTML-to-text conversion, enough for the Exchange and GroupWise reports that come only as HTML:
/// tags are dropped (`<br>`, `<p>` and `<div>` become line breaks) and the common entities are decoded.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[1..gt].trim_start_matches('/').to_ascii_lowercase();
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if matches!(name.as_str(), "br" | "p" | "div" | "tr" | "li" | "table") {
            out.push('\n');
        }
        rest = &after[gt + 1..];
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#64;", "@")
        .replace("&amp;", "&")
}
