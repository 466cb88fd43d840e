//! `/arch/msg/LIST/MID/thread`: a whole thread on one page, nested like its tree, each message
//! with its headers, text and permalink (the rendering is the permalink's: [`message::render`]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::layout::{self, Crumb};
use super::message::{self, MAX_NEST, lookup, permalink};
use super::{WebError, WebState, blocking};
use crate::message::percent_encode;
use crate::store::{ArchivedMessage, MessageHead};
use crate::thread::ThreadNode;

/// The most messages one thread page shows; a longer thread says so and links its mbox.
pub const THREAD_PAGE_LIMIT: usize = 500;

/// `GET /arch/msg/LIST/MID/thread`.
pub async fn show(
    State(state): State<WebState>,
    Path((list, mid)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (config, m) = lookup(&state, &list, &mid).await?;
    let address = config.address();
    let name = config.name.clone();
    blocking(&state, move |s| {
        let mut messages = s.thread_messages(&address, m.thread_id, None, THREAD_PAGE_LIMIT + 1)?;
        let cut = messages.len() > THREAD_PAGE_LIMIT;
        messages.truncate(THREAD_PAGE_LIMIT);
        let heads: Vec<MessageHead> = messages.iter().map(head).collect();
        let roots = message::tree(&heads);
        let title = messages
            .first()
            .map(|f| f.subject.clone())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "(no subject)".to_owned());
        let base = permalink(&name, &m.message_id);
        let body = html! {
            p.meta {
                (messages.len()) " messages. "
                a href=(format!("{base}/thread.mbox")) { "Download the thread as mbox" }
            }
            @if cut {
                p.meta {
                    "This thread is longer than " (THREAD_PAGE_LIMIT)
                    " messages; this page shows the first " (THREAD_PAGE_LIMIT)
                    " by date. The mbox has all of them."
                }
            }
            ul.tree {
                @for root in &roots { (node(&name, &messages, root, &m.message_id, 0)) }
            }
        };
        let crumbs = [
            Crumb::new("Archive", "/arch/"),
            Crumb::new(
                name.clone(),
                format!("/arch/browse/{}/", percent_encode(&name)),
            ),
        ];
        Ok(layout::page(StatusCode::OK, &title, &crumbs, body))
    })
    .await
}

fn head(m: &ArchivedMessage) -> MessageHead {
    MessageHead {
        id: m.id,
        message_id: m.message_id.clone(),
        thread_id: m.thread_id,
        from_addr: m.from_addr.clone(),
        from_name: m.from_name.clone(),
        subject: m.subject.clone(),
        date: m.date,
        in_reply_to: m.in_reply_to.clone(),
        references: m.references.clone(),
    }
}

/// One node and its replies, nested up to [`MAX_NEST`] levels and flat below that (no deep
/// recursion on a long reply chain).
fn node(
    list: &str,
    messages: &[ArchivedMessage],
    n: &ThreadNode,
    current: &str,
    depth: usize,
) -> Markup {
    html! {
        li {
            (entry(list, messages, n, current))
            @if !n.children.is_empty() {
                ul.tree {
                    @if depth + 1 < MAX_NEST {
                        @for c in &n.children { (node(list, messages, c, current, depth + 1)) }
                    } @else {
                        @for c in &n.children {
                            @for (_, d) in c.walk() { li { (entry(list, messages, d, current)) } }
                        }
                    }
                }
            }
        }
    }
}

fn entry(list: &str, messages: &[ArchivedMessage], n: &ThreadNode, current: &str) -> Markup {
    match n.message.and_then(|i| messages.get(i)) {
        Some(m) => {
            let link = permalink(list, &m.message_id);
            html! {
                article.msg.current[m.message_id == current] id=(format!("m{}", m.id)) {
                    (message::render(list, m))
                    p.meta { a href=(link) { "Permalink" } }
                }
            }
        }
        None => html! { p.meta { "(a message not in the archive)" } },
    }
}
