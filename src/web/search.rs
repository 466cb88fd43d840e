//! `/arch/browse/LIST/?q=QUERY[&sort=date][&page=N]`: search results in one public list, best
//! first (like public-inbox) or newest first with `sort=date`, each with a snippet and links to
//! the message and its thread.
//!
//! The query language is [`crate::search`]'s. A query it cannot read gets this page back with the
//! search box still holding it and one line saying what was wrong (status 400), never a 500: the
//! query only reaches SQLite compiled, as one bound parameter. Snippets are escaped piece by
//! piece (maud) after splitting on the store's match markers, so a message's `<script>` is text.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::layout::{self, Crumb};
use super::{WebError, WebState};
use crate::config::ListConfig;
use crate::message::percent_encode;
use crate::search::{self, QueryError};
use crate::store::{MATCH_END, MATCH_START, MAX_PAGE, PAGE_SIZE, SearchHit, SearchSort};

/// The search page for `params["q"]` on `list`.
pub async fn results(
    state: WebState,
    list: String,
    params: HashMap<String, String>,
) -> Result<Response, WebError> {
    let config = super::public_list(&state, &list)?;
    let q = params.get("q").map(String::as_str).unwrap_or_default();
    if q.len() > search::MAX_QUERY_BYTES {
        return Err(WebError::Invalid(QueryError::TooLong.to_string()));
    }
    let sort = match params.get("sort").map(String::as_str) {
        None | Some("") | Some("rank") => SearchSort::Rank,
        Some("date") => SearchSort::Date,
        Some(_) => return Err(WebError::Invalid("sort is \"rank\" or \"date\"".into())),
    };
    let page = match params.get("page").map(String::as_str) {
        None | Some("") => 1,
        Some(p) => match p.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(WebError::Invalid(format!(
                    "page is a number from 1 to {MAX_PAGE}; to see further, narrow the query"
                )));
            }
        },
    };
    let query = match search::parse(q) {
        Ok(query) => query,
        Err(e) => {
            let body = html! {
                (search_form(&config, q, sort))
                p.error { (e.to_string()) }
                (syntax_help())
            };
            return Ok(page_for(&config, StatusCode::BAD_REQUEST, q, body));
        }
    };
    let address = config.address();
    let found = super::blocking(&state, move |store| {
        store.search_archive(&address, &query, sort, page - 1)
    })
    .await?;
    let first = (page - 1) * PAGE_SIZE + 1;
    let body = html! {
        (search_form(&config, q, sort))
        p.meta {
            @if found.hits.is_empty() {
                @if page == 1 { "No messages match." } @else { "No more results." }
            } @else {
                "Results " (first) "–" (first + found.hits.len() - 1)
                @match sort {
                    SearchSort::Rank => ", best first. ",
                    SearchSort::Date => ", newest first. ",
                }
                @match sort {
                    SearchSort::Rank => a href=(link(&config, q, SearchSort::Date, 1)) { "Newest first" },
                    SearchSort::Date => a href=(link(&config, q, SearchSort::Rank, 1)) { "Best first" },
                }
            }
        }
        @if !found.hits.is_empty() {
            ol.results start=(first) {
                @for hit in &found.hits { (result(&config, hit)) }
            }
        }
        nav.pager {
            @if page > 1 {
                a rel="prev" href=(link(&config, q, sort, page - 1)) { "← previous" }
                " "
            }
            @if found.more && page < MAX_PAGE {
                a rel="next" href=(link(&config, q, sort, page + 1)) { "next →" }
            } @else if found.more {
                span.meta { "Only the first " (MAX_PAGE * PAGE_SIZE) " results are shown; narrow the query to see others." }
            }
        }
    };
    Ok(page_for(&config, StatusCode::OK, q, body))
}

fn page_for(config: &ListConfig, status: StatusCode, q: &str, body: Markup) -> Response {
    let mut response = layout::page(
        status,
        &format!("Search {}: {q}", config.name),
        &[
            Crumb::new("Archive", "/arch/"),
            Crumb::new(
                config.name.clone(),
                format!("/arch/browse/{}/", percent_encode(&config.name)),
            ),
        ],
        body,
    );
    // Results change with every new message; a client must not reuse them.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache"),
    );
    response
}

/// The URL of one results page.
fn link(config: &ListConfig, q: &str, sort: SearchSort, page: usize) -> String {
    let mut url = format!(
        "/arch/browse/{}/?q={}",
        percent_encode(&config.name),
        percent_encode(q)
    );
    if sort == SearchSort::Date {
        url.push_str("&sort=date");
    }
    if page > 1 {
        url.push_str(&format!("&page={page}"));
    }
    url
}

fn search_form(config: &ListConfig, q: &str, sort: SearchSort) -> Markup {
    html! {
        form.search method="get" action=(format!("/arch/browse/{}/", percent_encode(&config.name))) {
            input type="search" name="q" value=(q) aria-label="search this list";
            @if sort == SearchSort::Date { input type="hidden" name="sort" value="date"; }
            " "
            button type="submit" { "Search" }
        }
    }
}

fn result(config: &ListConfig, hit: &SearchHit) -> Markup {
    let permalink = format!(
        "/arch/msg/{}/{}",
        percent_encode(&config.name),
        percent_encode(&hit.message_id)
    );
    let from = if hit.from_name.is_empty() {
        hit.from_addr.clone()
    } else {
        format!("{} <{}>", hit.from_name, hit.from_addr)
    };
    let subject = if hit.subject.trim().is_empty() {
        "(no subject)"
    } else {
        hit.subject.as_str()
    };
    html! {
        li {
            a href=(permalink) { (subject) }
            div.meta {
                (from) " · " (crate::clock::ymd(hit.date)) " · "
                a href=(format!("{permalink}/thread")) { "thread" }
            }
            div.snippet { (snippet(&hit.snippet)) }
        }
    }
}

/// The snippet with each matched word in `<mark>`: the text is split on the store's markers and
/// every piece escaped by maud, so nothing in a message becomes markup.
fn snippet(text: &str) -> Markup {
    let mut pieces: Vec<(bool, String)> = Vec::new();
    let mut marked = false;
    let mut current = String::new();
    for c in text.chars() {
        if c == MATCH_START || c == MATCH_END {
            if !current.is_empty() {
                pieces.push((marked, std::mem::take(&mut current)));
            }
            marked = c == MATCH_START;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        pieces.push((marked, current));
    }
    html! {
        @for (marked, piece) in &pieces {
            @if *marked { mark { (piece) } } @else { (piece) }
        }
    }
}

fn syntax_help() -> Markup {
    html! {
        details {
            summary { "Search syntax" }
            ul {
                li { code { "word \"a phrase\"" } " — all must match" }
                li { code { "-word" } ", " code { "-\"a phrase\"" } " — exclude" }
                li { code { "a OR b" } " — either" }
                li { code { "f:" } " from, " code { "s:" } " subject, " code { "b:" } " body" }
                li { code { "d:2024-01-01..2024-03-31" } " — dates (UTC), either side may be empty" }
                li { code { "draft:draft-ietf-quic-http" } " — messages that mention a draft" }
            }
        }
    }
}
