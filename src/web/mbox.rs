//! mboxrd downloads: `/arch/browse/LIST/YYYY-MM.mbox` (one month of a list) and
//! `/arch/msg/LIST/MID/thread.mbox` (one thread, the bytes `wgmail archive export --thread` writes:
//! both go through [`crate::mbox::write_archived`] in the same (date, id) order).
//!
//! A month can be large, so the body is streamed: a blocking task reads the store a page of
//! messages at a time (each page its own short read, so no read transaction stays open while a
//! slow client downloads) and hands mboxrd chunks to the response through a small channel, whose
//! bound keeps memory flat whatever the month's size. The first page is read before answering, so
//! an unknown thread, an empty month or a store failure still gets a proper status.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use super::message::lookup;
use super::{WebError, WebState, blocking, public_list};
use crate::clock::Timestamp;
use crate::store::{ArchivedMessage, Store, StoreError};

/// Messages read from the store per page.
const PAGE: usize = 200;

/// Roughly how many bytes one chunk of the body carries.
const CHUNK: usize = 256 * 1024;

/// Chunks waiting for the client at most; with [`CHUNK`], the memory one download may hold.
const IN_FLIGHT: usize = 4;

/// The (date, id) cursor of a page, for the next one.
type Cursor = Option<(Timestamp, i64)>;

/// `GET /arch/browse/LIST/YYYY-MM.mbox`: the list's messages dated in that month (UTC).
pub async fn month(
    State(state): State<WebState>,
    Path((list, month)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let config = public_list(&state, &list)?;
    let Some(stem) = month.strip_suffix(".mbox") else {
        return Err(WebError::NotFound);
    };
    let (from, until) = month_range(stem)?;
    let address = config.address();
    let filename = format!("{}-{stem}.mbox", config.name);
    stream(&state, &filename, move |s: &Store, after: Cursor| {
        s.messages_between(&address, from, until, after, PAGE)
    })
    .await
}

/// `GET /arch/msg/LIST/MID/thread.mbox`: the thread the message belongs to.
pub async fn thread(
    State(state): State<WebState>,
    Path((list, mid)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (config, m) = lookup(&state, &list, &mid).await?;
    let address = config.address();
    let thread = m.thread_id;
    let filename = format!("{}-thread-{thread}.mbox", config.name);
    stream(&state, &filename, move |s: &Store, after: Cursor| {
        s.thread_messages(&address, thread, after, PAGE)
    })
    .await
}

/// `YYYY-MM` as the UTC instants `[first of the month, first of the next)`.
fn month_range(stem: &str) -> Result<(Timestamp, Timestamp), WebError> {
    let invalid = || WebError::Invalid(format!("“{stem}” is not a month; write it as YYYY-MM."));
    let (y, m) = stem.split_once('-').ok_or_else(invalid)?;
    if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let year: i16 = y.parse().map_err(|_| invalid())?;
    let month: i8 = m.parse().map_err(|_| invalid())?;
    let start = jiff::civil::Date::new(year, month, 1).map_err(|_| invalid())?;
    let end = start
        .checked_add(jiff::Span::new().months(1))
        .map_err(|_| invalid())?;
    let utc = |d: jiff::civil::Date| {
        d.to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_second())
            .map_err(|_| invalid())
    };
    Ok((utc(start)?, utc(end)?))
}

/// Answers with the mboxrd of every message `page` yields, page after page, streamed.
async fn stream<F>(state: &WebState, filename: &str, page: F) -> Result<Response, WebError>
where
    F: Fn(&Store, Cursor) -> Result<Vec<ArchivedMessage>, StoreError> + Send + Sync + 'static,
{
    let page = std::sync::Arc::new(page);
    let first = {
        let page = std::sync::Arc::clone(&page);
        blocking(state, move |s| page(s, None)).await?
    };
    if first.is_empty() {
        return Err(WebError::NotFound);
    }
    let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(IN_FLIGHT);
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || produce(&store, first, &*page, &tx));
    let mut response = Body::from_stream(Chunks(rx)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/mbox"),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"",
        super::message::safe_filename(filename, "archive.mbox")
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The blocking side: writes `first` and every later page as mboxrd into chunks on `tx`; stops
/// when the pages run out, the client goes away, or the store fails (the body then ends in an
/// error, so the client sees a broken download rather than a silently short one).
fn produce<F>(
    store: &Store,
    first: Vec<ArchivedMessage>,
    page: &F,
    tx: &mpsc::Sender<std::io::Result<Bytes>>,
) where
    F: Fn(&Store, Cursor) -> Result<Vec<ArchivedMessage>, StoreError>,
{
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 64 * 1024);
    let mut batch = first;
    loop {
        let full = batch.len() >= PAGE;
        let mut cursor = None;
        for m in &batch {
            // Writing into a Vec cannot fail.
            let _ = crate::mbox::write_archived(&mut buf, m);
            cursor = Some((m.date, m.id));
            if buf.len() >= CHUNK
                && tx
                    .blocking_send(Ok(Bytes::from(std::mem::take(&mut buf))))
                    .is_err()
            {
                return;
            }
        }
        if !full {
            break;
        }
        batch = match page(store, cursor) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "an mbox download stopped");
                let _ = tx.blocking_send(Err(std::io::Error::other("store read failed")));
                return;
            }
        };
        if batch.is_empty() {
            break;
        }
    }
    if !buf.is_empty() {
        let _ = tx.blocking_send(Ok(Bytes::from(buf)));
    }
}

/// The receiving end of the channel as the `Stream` a streamed body reads.
struct Chunks(mpsc::Receiver<std::io::Result<Bytes>>);

impl futures_core::Stream for Chunks {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::month_range;

    #[test]
    fn months_are_validated() {
        assert_eq!(
            month_range("2024-02").ok(),
            Some((1_706_745_600, 1_709_251_200))
        );
        assert_eq!(
            month_range("2023-12").ok(),
            Some((1_701_388_800, 1_704_067_200))
        );
        for bad in [
            "2024-13",
            "2024-00",
            "x",
            "2024-1",
            "24-01",
            "2024-01-01",
            "+024-01",
        ] {
            assert!(month_range(bad).is_err(), "{bad}");
        }
    }
}
