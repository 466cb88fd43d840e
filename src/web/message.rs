//! `/arch/msg/LIST/MID`: one message — headers, decoded text, attachments, its place in the thread.
//!
//! The pieces the thread page, the raw view and the mbox downloads share live here too: reading a
//! Message-ID from the path ([`checked_mid`]), finding the message ([`lookup`]), its cache
//! validator ([`etag`]) and the rendering of one message's headers and text ([`render`]).
//!
//! A message's HTML is never rendered: an HTML-only message is shown as the text mail-parser
//! converts it to, escaped like everything else, so neither scripts nor remote or `cid:` images
//! can reach the page.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use maud::{Markup, html};

use super::layout::{self, Crumb};
use super::{WebError, WebState, blocking, immutable, public_list};
use crate::config::ListConfig;
use crate::message::{content_hash, percent_encode};
use crate::store::{ArchivedMessage, MessageHead};
use crate::thread::{MessageRef, Options, ThreadNode, jwz};

/// RFC 5322's line limit; no real Message-ID comes near it.
const MAX_MID: usize = 998;

/// How many messages of a thread the tree on a permalink shows.
pub(crate) const TREE_LIMIT: usize = 1000;

/// The most decoded text one message shows; the rest is in `/raw`.
const MAX_SHOWN_TEXT: usize = 512 * 1024;

/// Quoted blocks longer than this are folded into a `<details>`.
const FOLD_QUOTE_LINES: usize = 4;

/// Tree levels nested as HTML lists; deeper replies are listed flat under the last level, so a
/// 10,000-reply chain neither recurses deeply here nor indents off the screen.
pub(crate) const MAX_NEST: usize = 24;

/// The Message-ID named in a path (already percent-decoded by axum), if it can be one: not empty,
/// at most 998 bytes, without whitespace, control characters or angle brackets.
pub(crate) fn checked_mid(mid: &str) -> Result<&str, WebError> {
    if mid.is_empty() {
        return Err(WebError::Invalid("The Message-ID is empty.".into()));
    }
    if mid.len() > MAX_MID {
        return Err(WebError::Invalid(
            "The Message-ID is longer than 998 bytes.".into(),
        ));
    }
    if mid
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
    {
        return Err(WebError::Invalid(
            "A Message-ID has no spaces, control characters or angle brackets; give it without <>."
                .into(),
        ));
    }
    Ok(mid)
}

/// The public list `list` names and its message `mid`; 404 when either is unknown (or the list
/// is private), 400 when `mid` cannot be a Message-ID.
pub(crate) async fn lookup(
    state: &WebState,
    list: &str,
    mid: &str,
) -> Result<(Arc<ListConfig>, ArchivedMessage), WebError> {
    let config = public_list(state, list)?;
    let mid = checked_mid(mid)?.to_owned();
    let address = config.address();
    let message = blocking(state, move |s| s.message_by_id(&address, &mid)).await?;
    Ok((config, message.ok_or(WebError::NotFound)?))
}

/// The validator of a stored message: its row and a hash of its bytes, so a row id reused after
/// a restore from backup never matches a stale copy.
pub(crate) fn etag(m: &ArchivedMessage) -> String {
    format!("m{}-{:016x}", m.id, content_hash(&m.raw))
}

/// The permalink of a message of `list` (the list's name, as `Archived-At` carries it).
pub(crate) fn permalink(list: &str, mid: &str) -> String {
    format!("/arch/msg/{}/{}", percent_encode(list), percent_encode(mid))
}

/// A timestamp as the archive shows it, always in UTC.
pub(crate) fn utc(t: i64) -> String {
    match jiff::Timestamp::from_second(t) {
        Ok(ts) => ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        Err(_) => "(no date)".to_owned(),
    }
}

/// "Name <address>", or the address alone.
fn who(name: &str, addr: &str) -> String {
    match (name.trim(), addr.trim()) {
        ("", a) => a.to_owned(),
        (n, "") => n.to_owned(),
        (n, a) => format!("{n} <{a}>"),
    }
}

/// One attachment as the page lists it.
pub(crate) struct AttachmentInfo {
    pub name: String,
    pub content_type: String,
    pub size: usize,
}

/// What a page shows of one message besides what the store already has.
pub(crate) struct Rendered {
    pub to: String,
    pub cc: String,
    /// The decoded text of every inline text part (HTML converted to text), joined.
    pub text: String,
    /// Whether `text` was cut at [`MAX_SHOWN_TEXT`].
    pub truncated: bool,
    pub attachments: Vec<AttachmentInfo>,
}

/// Decodes a message for display: encoded words, charsets and transfer encodings are mail-parser's;
/// format=flowed is joined here (mail-parser leaves it); HTML becomes mail-parser's text.
pub(crate) fn decode(raw: &[u8]) -> Rendered {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Rendered {
            to: String::new(),
            cc: String::new(),
            text: String::new(),
            truncated: false,
            attachments: Vec::new(),
        };
    };
    let addresses = |a: Option<&mail_parser::Address<'_>>| -> String {
        a.map(|a| {
            a.iter()
                .map(|x| {
                    who(
                        x.name.as_deref().unwrap_or(""),
                        x.address.as_deref().unwrap_or(""),
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
    };
    let mut text = String::new();
    for i in 0..msg.text_body_count() {
        let Some(part) = body_text(&msg, i) else {
            continue;
        };
        if !text.is_empty() && !part.trim().is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(part.trim_end());
        if text.len() > MAX_SHOWN_TEXT {
            break;
        }
    }
    let truncated = text.len() > MAX_SHOWN_TEXT;
    if truncated {
        let mut cut = MAX_SHOWN_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    let attachments = msg
        .attachments()
        .enumerate()
        .map(|(n, p)| AttachmentInfo {
            name: p
                .attachment_name()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("attachment-{n}")),
            content_type: p
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
            size: p.len(),
        })
        .collect();
    Rendered {
        to: addresses(msg.to()),
        cc: addresses(msg.cc()),
        text,
        truncated,
        attachments,
    }
}

/// Text body part `i` as text: a `format=flowed` plain part unflowed, anything else as
/// mail-parser's `body_text` gives it (which turns HTML into text).
fn body_text<'x>(msg: &'x Message<'x>, i: usize) -> Option<Cow<'x, str>> {
    if let Some(part) = msg.text_part(i as u32)
        && let PartType::Text(text) = &part.body
        && let Some(ct) = part.content_type()
        && ct
            .attribute("format")
            .is_some_and(|f| f.eq_ignore_ascii_case("flowed"))
    {
        let delsp = ct
            .attribute("delsp")
            .is_some_and(|d| d.eq_ignore_ascii_case("yes"));
        return Some(Cow::Owned(unflow(text, delsp)));
    }
    msg.body_text(i)
}

/// Joins RFC 3676 format=flowed text: a line ending in a space continues on the next line of the
/// same quote depth; space-stuffing is removed; the signature separator `-- ` stays a hard break.
pub(crate) fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    // The paragraph being joined: its quote depth and text so far.
    let mut open: Option<(usize, String)> = None;
    let (body, ends_in_newline) = match text.strip_suffix('\n') {
        Some(body) => (body, true),
        None => (text, false),
    };
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let depth = line.bytes().take_while(|&b| b == b'>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let flowed = content.ends_with(' ') && content != "-- ";
        let piece = if flowed && delsp {
            &content[..content.len() - 1]
        } else {
            content
        };
        match &mut open {
            Some((d, para)) if *d == depth => para.push_str(piece),
            _ => {
                if let Some((d, para)) = open.take() {
                    push_line(&mut out, d, &para);
                }
                open = Some((depth, piece.to_owned()));
            }
        }
        if !flowed && let Some((d, para)) = open.take() {
            push_line(&mut out, d, &para);
        }
    }
    if let Some((d, para)) = open.take() {
        push_line(&mut out, d, &para);
    }
    if !ends_in_newline {
        out.pop();
    }
    out
}

fn push_line(out: &mut String, depth: usize, text: &str) {
    if depth > 0 {
        out.push_str(&">".repeat(depth));
        out.push(' ');
    }
    out.push_str(text);
    out.push('\n');
}

/// A message's text as HTML: quoted lines (`>`) dimmed, a quoted block longer than a few lines
/// folded into a `<details class="quote">` that opens without JavaScript.
pub(crate) fn body_markup(text: &str, truncated: bool) -> Markup {
    // Runs of lines, each quoted or not.
    let mut blocks: Vec<(bool, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        let quoted = line.starts_with('>');
        match blocks.last_mut() {
            Some((q, lines)) if *q == quoted => lines.push(line),
            _ => blocks.push((quoted, vec![line])),
        }
    }
    html! {
        div.body {
            @for (quoted, lines) in &blocks {
                @if !*quoted {
                    (lines.join("\n")) "\n"
                } @else if lines.len() <= FOLD_QUOTE_LINES {
                    span.quote { (lines.join("\n")) } "\n"
                } @else {
                    details.quote {
                        summary { (lines.len()) " quoted lines" }
                        span.quote { (lines.join("\n")) }
                    }
                }
            }
        }
        @if truncated {
            p.meta { "The text is cut short here; the raw message has all of it." }
        }
    }
}

/// The header block of a message (From, Date, Subject, To, Cc, Message-ID).
pub(crate) fn headers_markup(m: &ArchivedMessage, r: &Rendered) -> Markup {
    html! {
        dl.headers {
            dt { "From" } dd { (who(&m.from_name, &m.from_addr)) }
            dt { "Date" } dd { (utc(m.date)) }
            dt { "Subject" } dd { (m.subject) }
            @if !r.to.is_empty() { dt { "To" } dd { (r.to) } }
            @if !r.cc.is_empty() { dt { "Cc" } dd { (r.cc) } }
            dt { "Message-ID" } dd { "<" (m.message_id) ">" }
        }
    }
}

/// The list of a message's attachments, each a download link.
pub(crate) fn attachments_markup(list: &str, m: &ArchivedMessage, r: &Rendered) -> Markup {
    let base = permalink(list, &m.message_id);
    html! {
        @if !r.attachments.is_empty() {
            h2 { "Attachments" }
            ul.attachments {
                @for (n, a) in r.attachments.iter().enumerate() {
                    li {
                        a href=(format!("{base}/att/{n}")) { (a.name) }
                        " " span.meta { "(" (a.content_type) ", " (size(a.size)) ")" }
                    }
                }
            }
        }
    }
}

/// Headers, text and attachments of one message: what the permalink and each message of the
/// thread page show.
pub(crate) fn render(list: &str, m: &ArchivedMessage) -> Markup {
    let r = decode(&m.raw);
    html! {
        (headers_markup(m, &r))
        (body_markup(&r.text, r.truncated))
        (attachments_markup(list, m, &r))
    }
}

/// A byte count for people.
fn size(n: usize) -> String {
    match n {
        n if n < 1024 => format!("{n} bytes"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
    }
}

/// A thread's messages threaded by JWZ, in the order the store gave them.
pub(crate) fn tree(heads: &[MessageHead]) -> Vec<ThreadNode> {
    let refs: Vec<MessageRef> = heads
        .iter()
        .map(|m| MessageRef {
            id: m.message_id.clone(),
            references: m.references.clone(),
            in_reply_to: m.in_reply_to.clone(),
            subject: m.subject.clone(),
            date: m.date,
        })
        .collect();
    jwz(&refs, &Options::default())
}

/// Where one message sits in its thread tree.
#[derive(Default)]
struct Place {
    parent: Option<usize>,
    children: Vec<usize>,
    prev: Option<usize>,
    next: Option<usize>,
}

/// Finds message `current` (an index into the heads) in `roots`: its parent (when the message it
/// answers is archived), its replies (through missing messages too), and its neighbours in
/// reading order.
fn place(roots: &[ThreadNode], current: usize) -> Place {
    let mut order: Vec<usize> = Vec::new();
    let mut out = Place::default();
    for root in roots {
        // The message (or ghost: None) at each depth above the node being walked.
        let mut above: Vec<Option<usize>> = Vec::new();
        for (depth, node) in root.walk() {
            above.truncate(depth);
            if node.message == Some(current) {
                // A ghost parent is a message the archive does not have: no link.
                out.parent = above.last().copied().flatten();
                let mut stack: Vec<&ThreadNode> = node.children.iter().rev().collect();
                while let Some(c) = stack.pop() {
                    match c.message {
                        Some(i) => out.children.push(i),
                        None => stack.extend(c.children.iter().rev()),
                    }
                }
            }
            above.push(node.message);
            if let Some(i) = node.message {
                order.push(i);
            }
        }
    }
    if let Some(pos) = order.iter().position(|&i| i == current) {
        out.prev = pos.checked_sub(1).and_then(|p| order.get(p).copied());
        out.next = order.get(pos + 1).copied();
    }
    out
}

/// The thread tree as nested lists of links, `current` marked.
pub(crate) fn tree_markup(
    list: &str,
    heads: &[MessageHead],
    roots: &[ThreadNode],
    current: Option<usize>,
) -> Markup {
    html! {
        ul.tree {
            @for root in roots { (tree_node(list, heads, root, current, 0)) }
        }
    }
}

fn tree_node(
    list: &str,
    heads: &[MessageHead],
    node: &ThreadNode,
    current: Option<usize>,
    depth: usize,
) -> Markup {
    html! {
        li {
            (tree_entry(list, heads, node, current))
            @if !node.children.is_empty() {
                ul.tree {
                    @if depth + 1 < MAX_NEST {
                        @for c in &node.children { (tree_node(list, heads, c, current, depth + 1)) }
                    } @else {
                        // Deep enough: the rest of this branch, flat and in reading order.
                        @for c in &node.children {
                            @for (_, n) in c.walk() { li { (tree_entry(list, heads, n, current)) } }
                        }
                    }
                }
            }
        }
    }
}

fn tree_entry(
    list: &str,
    heads: &[MessageHead],
    node: &ThreadNode,
    current: Option<usize>,
) -> Markup {
    match node.message.and_then(|i| heads.get(i).map(|h| (i, h))) {
        Some((i, h)) => html! {
            @if Some(i) == current {
                span.current { (h.subject) " — " (who(&h.from_name, &h.from_addr)) }
            } @else {
                a href=(permalink(list, &h.message_id)) { (h.subject) }
                " — " (who(&h.from_name, &h.from_addr))
            }
            " " span.meta { (utc(h.date)) }
        },
        None => html! { span.meta { "(a message not in the archive)" } },
    }
}

/// A link to a neighbour, labelled.
fn nav_link(label: &str, list: &str, h: Option<&MessageHead>) -> Markup {
    html! {
        @if let Some(h) = h {
            li { (label) ": " a href=(permalink(list, &h.message_id)) { (h.subject) } " — " (who(&h.from_name, &h.from_addr)) }
        }
    }
}

/// `GET /arch/msg/LIST/MID`.
pub async fn show(
    State(state): State<WebState>,
    Path((list, mid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (config, m) = lookup(&state, &list, &mid).await?;
    let tag = etag(&m);
    let received = m.received_at;
    if headers.contains_key(header::IF_NONE_MATCH) {
        // Answer a revalidation before reading the thread.
        let probe = immutable(&headers, &tag, received, || {
            Ok(StatusCode::NO_CONTENT.into_response())
        })?;
        if probe.status() == StatusCode::NOT_MODIFIED {
            return Ok(probe);
        }
    }
    let address = config.address();
    let name = config.name.clone();
    let page = blocking(&state, move |s| {
        let heads = s.thread_heads(&address, m.thread_id, TREE_LIMIT)?;
        let (prev_date, next_date) = s.date_neighbours(&address, m.date, m.id)?;
        let current = heads.iter().position(|h| h.id == m.id);
        let roots = tree(&heads);
        let place = current.map(|c| place(&roots, c)).unwrap_or_default();
        // Past the tree's limit the message is not in `heads`; its parent is still found.
        let parent = match (place.parent, current) {
            (Some(p), _) => heads.get(p).cloned(),
            (None, Some(_)) => None,
            (None, None) => match m.in_reply_to.first() {
                Some(p) => s.message_by_id(&address, p)?.map(|p| MessageHead {
                    id: p.id,
                    message_id: p.message_id,
                    thread_id: p.thread_id,
                    from_addr: p.from_addr,
                    from_name: p.from_name,
                    subject: p.subject,
                    date: p.date,
                    in_reply_to: p.in_reply_to,
                    references: p.references,
                }),
                None => None,
            },
        };
        let at = |i: Option<usize>| i.and_then(|i| heads.get(i));
        let base = permalink(&name, &m.message_id);
        let body = html! {
            article.msg {
                (render(&name, &m))
            }
            nav.links {
                ul {
                    (nav_link("In reply to", &name, parent.as_ref()))
                    @for &c in &place.children { (nav_link("Reply", &name, heads.get(c))) }
                    (nav_link("Previous in thread", &name, at(place.prev)))
                    (nav_link("Next in thread", &name, at(place.next)))
                    (nav_link("Previous by date", &name, prev_date.as_ref()))
                    (nav_link("Next by date", &name, next_date.as_ref()))
                }
                p {
                    a href=(format!("{base}/thread")) { "Whole thread" } " · "
                    a href=(format!("{base}/raw")) { "Raw message" } " · "
                    a href=(format!("{base}/thread.mbox")) { "Thread as mbox" }
                }
            }
            h2 { "Thread" }
            @if heads.len() >= TREE_LIMIT {
                p.meta { "The thread's first " (TREE_LIMIT) " messages:" }
            }
            (tree_markup(&name, &heads, &roots, current))
        };
        let crumbs = [
            Crumb::new("Archive", "/arch/"),
            Crumb::new(
                name.clone(),
                format!("/arch/browse/{}/", percent_encode(&name)),
            ),
        ];
        let title = if m.subject.trim().is_empty() {
            "(no subject)".to_owned()
        } else {
            m.subject.clone()
        };
        Ok(layout::page(StatusCode::OK, &title, &crumbs, body))
    })
    .await?;
    immutable(&headers, &tag, received, || Ok(page))
}

/// A file name safe in a `Content-Disposition` header on every client: ASCII letters, digits and
/// `._-+` kept, anything else `_`, no leading dot, at most 100 characters.
pub(crate) fn safe_filename(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_owned();
    if cleaned.trim_matches('_').is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

/// `GET /arch/msg/LIST/MID/att/N`: attachment N, always as a download.
pub async fn attachment(
    State(state): State<WebState>,
    Path((list, mid, n)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (_, m) = lookup(&state, &list, &mid).await?;
    let n: u32 = n
        .parse()
        .map_err(|_| WebError::Invalid("An attachment is named by its number.".into()))?;
    let tag = format!("{}-a{n}", etag(&m));
    immutable(&headers, &tag, m.received_at, || {
        let msg = MessageParser::default()
            .parse(&m.raw)
            .ok_or(WebError::NotFound)?;
        let part = msg.attachment(n).ok_or(WebError::NotFound)?;
        let fallback = format!("attachment-{n}");
        let original = part.attachment_name().unwrap_or("");
        let ascii = safe_filename(original, &fallback);
        let mut disposition = format!("attachment; filename=\"{ascii}\"");
        let printable: String = original.chars().filter(|c| !c.is_control()).collect();
        if !printable.is_empty() && printable != ascii {
            disposition.push_str(&format!(
                "; filename*=UTF-8''{}",
                percent_encode(&printable)
            ));
        }
        let mut response = part.contents().to_vec().into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition)
                .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
        );
        Ok(response)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unflow_joins_soft_breaks_and_keeps_quotes_apart() {
        let text = "This is a \r\nlong line.\r\n> quoted \r\n> more\r\nplain\r\n-- \r\nsig";
        assert_eq!(
            unflow(text, false),
            "This is a long line.\n> quoted more\nplain\n-- \nsig"
        );
        assert_eq!(unflow("ab \ncd\n", true), "abcd\n");
        assert_eq!(unflow(" From stuffed\n", false), "From stuffed\n");
    }

    #[test]
    fn mids_with_brackets_spaces_or_controls_are_refused() {
        for bad in ["", "a b", "<a@b>", "a\u{7}b", &"x".repeat(999)] {
            assert!(checked_mid(bad).is_err(), "{bad:?}");
        }
        assert!(checked_mid("abc/def@example.com").is_ok());
    }

    #[test]
    fn filenames_are_made_safe() {
        assert_eq!(safe_filename("../../etc/passwd", "x"), "_.._etc_passwd");
        assert_eq!(safe_filename("a\"b;c.pdf", "x"), "a_b_c.pdf");
        assert_eq!(safe_filename("日本", "attachment-0"), "attachment-0");
        assert_eq!(safe_filename(".hidden", "x"), "hidden");
    }
}
