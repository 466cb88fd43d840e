//! `/arch/browse/LIST/`: a list's threads, newest activity first, 50 to a page, paged by a cursor
//! (`?before=DATE.ID` / `?after=DATE.ID`, the last and first thread of the page shown) that walks
//! the `threads_list` index, never an `OFFSET` scan. With `?q=` the page is the search results
//! instead ([`super::search`]).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::layout::{Crumb, page, utc_day, utc_minute, who};
use super::{WebError, WebState, blocking, public_list};
use crate::config::ListConfig;
use crate::message::percent_encode;
use crate::store::{ThreadCursor, ThreadRow};

/// Threads per page.
const PAGE: usize = 50;

/// Most months listed for download (fifty years).
const MAX_MONTHS: usize = 600;

/// `GET /arch/browse/LIST` → the same URL with the slash `List-Archive` promises.
pub async fn add_slash(Path(list): Path<String>) -> Response {
    let list = percent_encode(&list);
    Redirect::permanent(&format!("/arch/browse/{list}/")).into_response()
}

/// `GET /arch/browse/LIST/[?before=CURSOR | ?after=CURSOR][&q=QUERY[&sort=date]]`.
pub async fn show(
    State(state): State<WebState>,
    Path(list): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    if params.contains_key("q") {
        return super::search::results(state, list, params).await;
    }
    let config = public_list(&state, &list)?;
    let cursor = match (params.get("before"), params.get("after")) {
        (None, None) => ThreadCursor::Newest,
        (Some(c), None) => {
            let (d, i) = parse_cursor(c)?;
            ThreadCursor::Before(d, i)
        }
        (None, Some(c)) => {
            let (d, i) = parse_cursor(c)?;
            ThreadCursor::After(d, i)
        }
        (Some(_), Some(_)) => {
            return Err(WebError::Invalid(
                "Give either before= or after=, not both.".into(),
            ));
        }
    };
    let key = config.address();
    let (threads, stats, first) = blocking(&state, move |store| {
        // One extra row says whether there is a page beyond this one.
        let threads = store.thread_page(&key, cursor, PAGE + 1)?;
        let stats = store.list_stats(&key)?;
        let first = store.first_message_date(&key)?;
        Ok((threads, stats, first))
    })
    .await?;
    let (threads, older, newer) = window(threads, cursor);
    let body = html! {
        (search_form(&config, ""))
        p.meta {
            (stats.messages) " messages. "
            a href="atom" { "Atom feed" } "."
        }
        @if threads.is_empty() {
            p { "No threads here." }
        } @else {
            (thread_table(&config, &threads))
        }
        nav.pager {
            @if newer {
                @if let Some(t) = threads.first() {
                    a href={ "?after=" (t.last_date) "." (t.id) } { "← Newer" } " · "
                }
                a href="./" { "Newest" }
            }
            @if older && newer { " · " }
            @if older {
                @if let Some(t) = threads.last() {
                    a href={ "?before=" (t.last_date) "." (t.id) } { "Older →" }
                }
            }
        }
        @if let (Some(first), Some(last)) = (first, stats.last_date) {
            (months(first, last))
        }
    };
    let title = format!("{} — threads", config.name);
    Ok(page(
        StatusCode::OK,
        &title,
        &[Crumb::new("Archive", "/arch/")],
        body,
    ))
}

/// Trims the extra row and says which way more pages lie: (threads, older exist, newer exist).
fn window(mut threads: Vec<ThreadRow>, cursor: ThreadCursor) -> (Vec<ThreadRow>, bool, bool) {
    let more = threads.len() > PAGE;
    match cursor {
        ThreadCursor::Newest => {
            threads.truncate(PAGE);
            (threads, more, false)
        }
        ThreadCursor::Before(..) => {
            threads.truncate(PAGE);
            (threads, more, true)
        }
        ThreadCursor::After(..) => {
            // Newest first: the extra row is the newest one, at the front.
            if more {
                threads.remove(0);
            }
            (threads, true, more)
        }
    }
}

/// `DATE.ID`, two integers, as the pager writes them.
fn parse_cursor(text: &str) -> Result<(i64, i64), WebError> {
    let bad = || WebError::Invalid("This page link is not valid (a malformed cursor).".into());
    let (d, i) = text.split_once('.').ok_or_else(bad)?;
    let d: i64 = d.parse().map_err(|_| bad())?;
    let i: i64 = i.parse().map_err(|_| bad())?;
    Ok((d, i))
}

/// The search box, on the browse page and above search results.
pub fn search_form(list: &ListConfig, query: &str) -> Markup {
    html! {
        form.search method="get" action={ "/arch/browse/" (percent_encode(&list.name)) "/" } role="search" {
            input type="search" name="q" value=(query) maxlength="1024"
                aria-label="Search this list" placeholder="search: words, \"phrases\", f: s: b: d: draft:";
            " "
            button type="submit" { "Search" }
        }
    }
}

/// The thread index table.
fn thread_table(list: &ListConfig, threads: &[ThreadRow]) -> Markup {
    let name = percent_encode(&list.name);
    html! {
        table.threads {
            thead { tr {
                th { "Thread" } th.opt { "Started by" } th.num { "Replies" }
                th.num.opt { "Participants" } th { "Last post" }
            } }
            tbody {
                @for t in threads {
                    tr {
                        td {
                            @if t.first_message_id.is_empty() {
                                (subject_or_placeholder(&t.subject))
                            } @else {
                                a href={ "/arch/msg/" (name) "/" (percent_encode(&t.first_message_id)) "/thread" } {
                                    (subject_or_placeholder(&t.subject))
                                }
                            }
                        }
                        td.opt { (who(&t.starter_name, &t.starter_addr)) }
                        td.num { (t.messages - 1) }
                        td.num.opt { (t.participants) }
                        td { time datetime=(utc_minute(t.last_date)) { (utc_day(t.last_date)) } }
                    }
                }
            }
        }
    }
}

pub fn subject_or_placeholder(subject: &str) -> &str {
    if subject.trim().is_empty() {
        "(no subject)"
    } else {
        subject
    }
}

/// Links to each month's mbox, newest first, folded.
fn months(first: i64, last: i64) -> Markup {
    let month = |t: i64| {
        jiff::Timestamp::from_second(t)
            .ok()
            .map(|ts| ts.to_zoned(jiff::tz::TimeZone::UTC).date())
    };
    let mut list: Vec<String> = Vec::new();
    if let (Some(a), Some(b)) = (month(first), month(last)) {
        let (mut y, mut m) = (b.year(), b.month());
        while (y, m) >= (a.year(), a.month()) && list.len() < MAX_MONTHS {
            list.push(format!("{y:04}-{m:02}"));
            if m == 1 {
                y -= 1;
                m = 12;
            } else {
                m -= 1;
            }
        }
    }
    html! {
        @if !list.is_empty() {
            details.months {
                summary { "Download a month as mbox" }
                p {
                    @for (i, m) in list.iter().enumerate() {
                        @if i > 0 { " · " }
                        a href={ (m) ".mbox" } { (m) }
                    }
                }
            }
        }
    }
}
