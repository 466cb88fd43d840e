//! `/arch/browse/LIST/atom`: an Atom 1.0 feed (RFC 4287) of the list's newest messages. Each entry's
//! id and `<link>` are the message's permalink (the `Archived-At` URL), so a reader that saw a
//! message in the feed and in its mailbox can tell they are the same.
//!
//! The XML is a maud template too: maud escapes `& < > "`, which is all XML needs in text and
//! attribute values, and every element is written with an explicit end tag. Characters XML 1.0
//! forbids (most C0 controls) cannot be escaped at all, so [`xml_text`] drops them.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{PreEscaped, html};

use super::{WebError, WebState, blocking, public_list};
use crate::message::percent_encode;

/// Entries in the feed.
const ENTRIES: usize = 50;

/// Characters of each message's text in its summary.
const SUMMARY_CHARS: usize = 600;

/// `GET /arch/browse/LIST/atom`.
pub async fn feed(
    State(state): State<WebState>,
    Path(list): Path<String>,
) -> Result<Response, WebError> {
    let config = public_list(&state, &list)?;
    let base = state.config.current().site.web.base_url.clone();
    let key = config.address();
    let items = blocking(&state, move |store| {
        store.newest_messages(&key, ENTRIES, SUMMARY_CHARS)
    })
    .await?;
    let name = percent_encode(&config.name);
    let browse = format!("{base}/arch/browse/{name}/");
    let updated = items.first().map(|i| i.date).unwrap_or(0);
    let xml = html! {
        (PreEscaped("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"))
        feed xmlns="http://www.w3.org/2005/Atom" {
            title { (xml_text(&config.name)) }
            @if !config.description.is_empty() {
                subtitle { (xml_text(&config.description)) }
            }
            id { (browse) }
            link rel="alternate" type="text/html" href=(browse) {}
            link rel="self" href={ (browse) "atom" } {}
            updated { (rfc3339(updated)) }
            generator { "wgmail" }
            @for item in &items {
                @let permalink = format!("{base}/arch/msg/{name}/{}", percent_encode(&item.message_id));
                entry {
                    id { (permalink) }
                    title { (xml_text(&item.subject)) }
                    link rel="alternate" type="text/html" href=(permalink) {}
                    updated { (rfc3339(item.date)) }
                    author {
                        name { (xml_text(&super::layout::who(&item.from_name, &item.from_addr))) }
                    }
                    summary type="text" { (xml_text(&item.summary)) }
                }
            }
        }
    };
    let mut response = xml.into_string().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}

/// `text` without the characters XML 1.0 cannot carry (C0 controls other than tab, LF and CR;
/// U+FFFE and U+FFFF).
pub fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// An RFC 3339 UTC time, as Atom's date constructs require.
fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
