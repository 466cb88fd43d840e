//! Reading and rewriting messages.
//!
//! Parsing for the archive uses mail-parser (full MIME, charsets, dates). Rewriting for delivery
//! works on the raw header block: fields are split into byte spans, the ones we own are removed or
//! replaced, new ones are appended, and the body bytes after the header block are copied untouched
//! — so signatures over the body and odd encodings survive the list. mailparse locates the end of
//! the header block and decodes RFC 2047 words in values we need as text.

use mail_parser::MessageParser;

use crate::clock::Timestamp;

/// The fields the archive and the pipeline need from a message.
#[derive(Debug, Clone, Default)]
pub struct ParsedMessage {
    pub message_id: Option<String>,
    pub from_addr: String,
    pub from_name: String,
    pub subject: String,
    pub date: Option<Timestamp>,
    /// The date on the topmost `Received:` header: when the last server took the message. What an
    /// archive import files a message under when it has no usable `Date:`.
    pub received_date: Option<Timestamp>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub body_text: String,
    pub list_ids: Vec<String>,
    pub x_loop: Vec<String>,
    pub auto_submitted: Option<String>,
    pub precedence: Option<String>,
    /// The message's DKIM signatures as the queue runner checked them (`crate::dkim`), or `None`
    /// when they were not checked: only announcements are, and only on arrival.
    pub dkim: Option<Vec<DkimSignature>>,
}

/// One DKIM-Signature of a message and whether it verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimSignature {
    /// The signing domain (`d=`), lowercase.
    pub domain: String,
    /// The signature verifies with the domain's key and covers the From header.
    pub pass: bool,
    /// Why it does not pass (empty when it does).
    pub why: String,
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `@`: one URL path segment
/// (a Message-ID in `Archived-At` and in the web archive's links).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The archive keeps at most this much decoded text per message for search.
const MAX_BODY_TEXT: usize = 1 << 20;

/// The decoded text of each text/plain attachment of a message (a shepherd write-up sent as a
/// file), at most [`MAX_BODY_TEXT`] bytes each; empty when there is none or the message does not
/// parse.
pub fn text_attachments(raw: &[u8]) -> Vec<String> {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    msg.attachments()
        .filter(|p| p.is_text() && !p.is_text_html())
        .filter_map(|p| p.text_contents())
        .filter(|t| t.len() <= MAX_BODY_TEXT)
        .map(str::to_owned)
        .collect()
}

/// Parses a message; never fails — missing or broken fields come back empty.
pub fn parse(raw: &[u8]) -> ParsedMessage {
    let mut out = ParsedMessage::default();
    let Some(msg) = MessageParser::default().parse(raw) else {
        return out;
    };
    out.message_id = msg
        .message_id()
        .map(|s| s.trim().trim_matches(|c| c == '<' || c == '>').to_owned())
        .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace));
    if let Some(addr) = msg.from().and_then(|a| a.first()) {
        out.from_addr = addr.address().unwrap_or("").trim().to_lowercase();
        out.from_name = addr.name().unwrap_or("").trim().to_owned();
    }
    out.subject = msg.subject().unwrap_or("").trim().to_owned();
    out.date = msg
        .date()
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp());
    // `received()` is the last Received field (the first hop); the topmost is the first.
    out.received_date = msg
        .received_all()
        .next()
        .and_then(|r| r.date.as_ref())
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp());
    out.in_reply_to = ids(msg.in_reply_to());
    out.references = ids(msg.references());
    let mut body = String::new();
    for i in 0..msg.text_body_count().max(1) {
        match msg.body_text(i) {
            Some(t) => {
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(&t);
            }
            None => break,
        }
        if body.len() > MAX_BODY_TEXT {
            break;
        }
    }
    if body.len() > MAX_BODY_TEXT {
        let mut cut = MAX_BODY_TEXT;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
    }
    out.body_text = body;
    for (name, value) in msg.headers_raw() {
        let value = value.trim();
        if name.eq_ignore_ascii_case("List-Id") {
            out.list_ids.push(value.to_owned());
        } else if name.eq_ignore_ascii_case("X-Loop") {
            out.x_loop.push(value.to_owned());
        } else if name.eq_ignore_ascii_case("Auto-Submitted") {
            out.auto_submitted = Some(value.to_ascii_lowercase());
        } else if name.eq_ignore_ascii_case("Precedence") {
            out.precedence = Some(value.to_ascii_lowercase());
        }
    }
    out
}

fn ids(v: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in v.as_text_list().unwrap_or(&[]) {
        let id = id.trim().trim_matches(|c| c == '<' || c == '>');
        if !id.is_empty() && !id.contains(char::is_whitespace) && !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    out
}

/// A Message-ID derived from a message's bytes, for messages that came without one by a path
/// where no queue id exists (import): the same bytes always get the same id, so importing a file
/// twice still finds each message already archived.
pub fn derived_message_id(raw: &[u8], hostname: &str) -> String {
    format!("wgmail.{:016x}@{hostname}", content_hash(raw))
}

/// FNV-1a: a stable, dependency-free 64-bit hash for names and ids (not for security).
pub fn content_hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// One header field of the raw header block: its name and the byte span of the whole field
/// (name, colon, value and folded continuation lines, with the line ending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpan {
    pub name: (usize, usize),
    pub field: (usize, usize),
}

/// Splits the header block into field spans and returns them with the offset where the header
/// block ends (the start of the blank line separating it from the body, or the end of input).
pub fn header_fields(raw: &[u8]) -> (Vec<FieldSpan>, usize) {
    // mailparse knows where the header block ends, including for malformed input.
    let end = match mailparse::parse_headers(raw) {
        Ok((_, body_offset)) => header_block_end(raw, body_offset),
        Err(_) => raw.len(),
    };
    let mut fields: Vec<FieldSpan> = Vec::new();
    let mut pos = 0;
    while pos < end {
        let line_end = raw[pos..end]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(end, |i| pos + i + 1);
        let first = raw[pos];
        if (first == b' ' || first == b'\t') && !fields.is_empty() {
            if let Some(last) = fields.last_mut() {
                last.field.1 = line_end;
            }
        } else {
            let colon = raw[pos..line_end].iter().position(|&b| b == b':');
            let name_end = colon.map_or(pos, |c| pos + c);
            fields.push(FieldSpan {
                name: (pos, name_end),
                field: (pos, line_end),
            });
        }
        pos = line_end;
    }
    (fields, end)
}

/// mailparse reports the offset of the body; the header block ends where the blank line before it
/// starts.
fn header_block_end(raw: &[u8], body_offset: usize) -> usize {
    let body_offset = body_offset.min(raw.len());
    let head = &raw[..body_offset];
    if head.ends_with(b"\r\n\r\n") {
        body_offset - 2
    } else if head.ends_with(b"\n\n") {
        body_offset - 1
    } else {
        // No blank line: the message is all headers, or the block ends at the end of input.
        body_offset
    }
}

/// The line ending the message itself uses, so added fields match it.
pub fn line_ending(raw: &[u8]) -> &'static str {
    match raw.iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && raw[i - 1] == b'\r' => "\r\n",
        Some(_) => "\n",
        None => "\r\n",
    }
}

/// What to change in a header block.
#[derive(Debug, Clone, Default)]
pub struct HeaderEdit {
    /// Field names (any case) to remove wherever they occur.
    pub remove: Vec<String>,
    /// Fields to add at the end of the header block, in order.
    pub append: Vec<(String, String)>,
    /// Fields to add at the top of the header block (trace fields), in order.
    pub prepend: Vec<(String, String)>,
}

/// Applies `edit` to the header block of `raw`; every byte after the header block is kept as is.
pub fn rewrite(raw: &[u8], edit: &HeaderEdit) -> Vec<u8> {
    let (fields, end) = header_fields(raw);
    let eol = line_ending(raw);
    let mut out = Vec::with_capacity(raw.len() + 1024);
    for (name, value) in &edit.prepend {
        push_field(&mut out, name, value, eol);
    }
    let mut last_end = 0;
    for f in &fields {
        let name = String::from_utf8_lossy(&raw[f.name.0..f.name.1]);
        let name = name.trim();
        if edit.remove.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            continue;
        }
        out.extend_from_slice(&raw[f.field.0..f.field.1]);
        last_end = f.field.1;
    }
    // A header block whose last line lacks a line ending (message without a body) needs one
    // before further fields.
    if last_end > 0 && !out.ends_with(b"\n") {
        out.extend_from_slice(eol.as_bytes());
    }
    for (name, value) in &edit.append {
        push_field(&mut out, name, value, eol);
    }
    if end < raw.len() {
        out.extend_from_slice(&raw[end..]);
    } else {
        out.extend_from_slice(eol.as_bytes());
    }
    out
}

fn push_field(out: &mut Vec<u8>, name: &str, value: &str, eol: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    // Never let a value smuggle extra header lines in.
    for ch in value.chars() {
        if ch == '\r' || ch == '\n' {
            out.push(b' ');
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
    }
    out.extend_from_slice(eol.as_bytes());
}

/// The decoded (RFC 2047) value of the first field called `name`, if any.
pub fn header_text(raw: &[u8], name: &str) -> Option<String> {
    let (headers, _) = mailparse::parse_headers(raw).ok()?;
    headers
        .iter()
        .find(|h| h.get_key_ref().eq_ignore_ascii_case(name))
        .map(|h| h.get_value())
}

/// Puts the list's prefix on a subject exactly once: an existing prefix anywhere is removed, a
/// stack of reply markers collapses to one `Re:` in front, so a reply reads `Re: [wg] topic`,
/// never `Re: [wg] Re: [wg] topic`.
pub fn prefixed_subject(subject: &str, prefix: &str) -> String {
    let prefix = prefix.trim();
    if prefix.is_empty() {
        return subject.to_owned();
    }
    let mut rest = remove_ci(subject, prefix);
    let mut reply = false;
    loop {
        let t = rest.trim_start();
        let lower = t.to_lowercase();
        let marker = ["re:", "re :", "aw:", "sv:", "antw:"]
            .iter()
            .find(|m| lower.starts_with(*m))
            .map(|m| m.len());
        match marker {
            Some(n) if t.is_char_boundary(n) => {
                reply = true;
                rest = t[n..].to_owned();
            }
            _ => break,
        }
    }
    let rest = rest.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    if reply {
        out.push_str("Re: ");
    }
    out.push_str(prefix);
    if !rest.is_empty() {
        out.push(' ');
        out.push_str(&rest);
    }
    out
}

/// Removes every case-insensitive occurrence of `needle` from `hay`.
fn remove_ci(hay: &str, needle: &str) -> String {
    let lower_needle = needle.to_lowercase();
    let mut out = String::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        let rest = &hay[i..];
        if rest.len() >= needle.len()
            && rest.is_char_boundary(needle.len())
            && rest[..needle.len()].to_lowercase() == lower_needle
        {
            i += needle.len();
            continue;
        }
        let ch = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..ch]);
        i += ch;
    }
    out
}

/// Encodes a header value for the wire: ASCII stays as it is, anything else becomes RFC 2047
/// UTF-8 base64 encoded-words, each at most 75 characters, split on character boundaries.
pub fn encode_header_value(value: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    if value.is_ascii() {
        return value.to_owned();
    }
    // 75 - len("=?UTF-8?B??=") = 63 base64 characters, so at most 45 bytes of UTF-8 per word.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for ch in value.chars() {
        if chunk.len() + ch.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(ch);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_prefix_exactly_once() {
        let p = "[quic]";
        for (input, want) in [
            ("Hello", "[quic] Hello"),
            ("[quic] Hello", "[quic] Hello"),
            ("Re: [quic] Hello", "Re: [quic] Hello"),
            ("Re: [quic] Re: [quic] Hello", "Re: [quic] Hello"),
            ("RE: Re: re: Hello", "Re: [quic] Hello"),
            ("[QUIC] Re: Hello", "Re: [quic] Hello"),
            ("Aw: [quic] Hallo", "Re: [quic] Hallo"),
            ("", "[quic]"),
            ("Fwd: thing", "[quic] Fwd: thing"),
            ("Ré: café", "[quic] Ré: café"),
        ] {
            assert_eq!(prefixed_subject(input, p), want, "input {input:?}");
        }
    }

    #[test]
    fn rewrite_keeps_body_bytes() {
        let raw =
            b"From: a@b\r\nSubject: x\r\n\tfolded\r\nList-Id: <old>\r\n\r\nbody\r\n.\r\n\xff\xfe";
        let edit = HeaderEdit {
            remove: vec!["list-id".into(), "subject".into()],
            append: vec![
                ("Subject".into(), "[wg] x folded".into()),
                ("List-Id".into(), "<wg.example.org>".into()),
            ],
            prepend: vec![],
        };
        let out = rewrite(raw, &edit);
        assert_eq!(
            out,
            b"From: a@b\r\nSubject: [wg] x folded\r\nList-Id: <wg.example.org>\r\n\r\nbody\r\n.\r\n\xff\xfe".to_vec()
        );
    }

    #[test]
    fn rewrite_headers_only_message() {
        let out = rewrite(
            b"Subject: x",
            &HeaderEdit {
                append: vec![("A".into(), "b".into())],
                ..Default::default()
            },
        );
        assert_eq!(out, b"Subject: x\r\nA: b\r\n\r\n".to_vec());
    }

    #[test]
    fn header_values_cannot_inject_lines() {
        let out = rewrite(
            b"A: b\n\nbody",
            &HeaderEdit {
                append: vec![("X".into(), "y\r\nBcc: evil".into())],
                ..Default::default()
            },
        );
        assert_eq!(out, b"A: b\nX: y  Bcc: evil\n\nbody".to_vec());
    }

    #[test]
    fn encodes_non_ascii() {
        assert_eq!(encode_header_value("plain"), "plain");
        assert_eq!(
            encode_header_value("[wg] café"),
            "=?UTF-8?B?W3dnXSBjYWbDqQ==?="
        );
    }

    #[test]
    fn parses_fields() {
        let p = parse(b"From: Alice <Alice@Example.org>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nMessage-ID: <a@b>\r\nReferences: <x@y> <z@w>\r\nIn-Reply-To: <z@w>\r\nDate: Sat, 28 Nov 2026 15:38:15 +0000\r\n\r\nhello\r\n");
        assert_eq!(p.message_id.as_deref(), Some("a@b"));
        assert_eq!(p.from_addr, "alice@example.org");
        assert_eq!(p.from_name, "Alice");
        assert_eq!(p.subject, "café");
        assert_eq!(p.references, vec!["x@y", "z@w"]);
        assert_eq!(p.in_reply_to, vec!["z@w"]);
        assert_eq!(p.date, Some(1_795_880_295));
        assert!(p.body_text.contains("hello"));
    }
}
