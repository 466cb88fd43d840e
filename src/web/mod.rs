//! The HTTP listener (DESIGN §4, "web"): one-click unsubscribe (RFC 8058), the web archive
//! (`/arch/...`) and the draft pages (`/wg/LIST/documents/`, `/doc/DRAFT/`), one file per resource.
//!
//! | URL | file |
//! |---|---|
//! | `/arch/` | [`lists`] |
//! | `/arch/browse/LIST/` (and `?q=` search) | [`browse`], [`search`] |
//! | `/arch/browse/LIST/atom` | [`atom`] |
//! | `/arch/browse/LIST/YYYY-MM.mbox`, `/arch/msg/LIST/MID/thread.mbox` | [`mbox`] |
//! | `/arch/msg/LIST/MID` (and `/att/N`) | [`message`] |
//! | `/arch/msg/LIST/MID/thread` | [`thread`] |
//! | `/arch/msg/LIST/MID/raw` | [`raw`] |
//! | `/wg/LIST/documents/` (and `json`) | [`documents`] |
//! | `/doc/DRAFT/` (and `json`) | [`doc`] |
//!
//! A private list (`archive = "private"`) answers 404 on every archive URL exactly as a list that
//! does not exist ([`public_list`]). Every response carries the security headers of
//! [`security_headers`].
//!
//! [`router`] builds the whole application from a [`WebState`], so tests drive it without a socket;
//! [`serve`] runs it on a bound listener until the daemon's shutdown token fires. Handlers never run
//! SQL: they call [`Store`] methods. Every failure is one [`WebError`], which picks the status and a
//! short page; internal details go to the log, never to the client.

pub mod atom;
pub mod browse;
pub mod doc;
pub mod documents;
pub mod layout;
pub mod lists;
pub mod mbox;
pub mod message;
pub mod raw;
pub mod search;
pub mod thread;
pub mod unsubscribe;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::clock::Timestamp;
use crate::config::{ArchiveVisibility, ConfigHandle, ListConfig};
use crate::store::{Store, StoreError};
use crate::tokens::Secret;

/// The largest request body any handler reads. One-click bodies are a few dozen bytes; anything
/// much larger is not a mail client talking to us.
const MAX_BODY: usize = 16 * 1024;

/// What every handler may use. Cheap to clone: each field is a shared handle.
#[derive(Clone)]
pub struct WebState {
    /// Membership changes go through the store, the only module that runs SQL.
    pub store: Store,
    /// Read on each request, so a list removed by a config reload stops answering at once.
    pub config: ConfigHandle,
    /// Checks the signatures on one-click unsubscribe links.
    pub secret: Arc<Secret>,
}

/// The application: every route, with its state.
///
/// Message-IDs sit in one path segment, percent-encoded as `Archived-At` writes them (a `/` in a
/// Message-ID is `%2F`, so it never splits the segment); axum decodes the segment before the
/// handler sees it.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route(
            "/u/{token}",
            get(unsubscribe::show).post(unsubscribe::one_click),
        )
        .route("/", get(|| async { Redirect::permanent("/arch/") }))
        .route("/arch", get(|| async { Redirect::permanent("/arch/") }))
        .route("/arch/", get(lists::index))
        .route("/arch/style.css", get(layout::style))
        .route("/arch/browse/{list}", get(browse::add_slash))
        .route("/arch/browse/{list}/", get(browse::show))
        .route("/arch/browse/{list}/atom", get(atom::feed))
        .route("/arch/browse/{list}/{month}", get(mbox::month))
        .route("/arch/msg/{list}/{mid}", get(message::show))
        .route("/arch/msg/{list}/{mid}/", get(message::show))
        .route("/arch/msg/{list}/{mid}/att/{n}", get(message::attachment))
        .route("/arch/msg/{list}/{mid}/thread", get(thread::show))
        .route("/arch/msg/{list}/{mid}/raw", get(raw::show))
        .route("/arch/msg/{list}/{mid}/thread.mbox", get(mbox::thread))
        .route("/wg/{list}/documents/", get(documents::show))
        .route("/wg/{list}/documents/json", get(documents::json))
        .route("/doc/{draft}/", get(doc::show))
        .route("/doc/{draft}", get(doc::add_slash))
        .route("/doc/{draft}/json", get(doc::json))
        .fallback(|| async { WebError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(compression())
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Smallest body worth compressing: below it, gzip's CPU buys almost nothing on the wire.
const COMPRESS_ABOVE: u64 = 4096;

/// gzip for clients that ask for it, on bodies larger than [`COMPRESS_ABOVE`] (thread pages,
/// search results, mbox downloads; a streamed body of unknown size counts as large).
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    tower_http::compression::CompressionLayer::new()
        .compress_when(SizeAbove::new(COMPRESS_ABOVE).and(NotForContentType::IMAGES))
}

/// Headers on every response: a Content-Security-Policy (unless the handler set a stricter one),
/// `nosniff` so a raw message or an attachment is never run as HTML or script, and no framing.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(layout::CSP),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The list a URL names, if its archive is public. `name` is the list's name (what `List-Archive`
/// and `Archived-At` carry) or its full posting address; a private list, an unknown one and a
/// name several domains share all answer the same 404, so a URL never tells a private list apart
/// from one that does not exist.
pub(crate) fn public_list(state: &WebState, name: &str) -> Result<Arc<ListConfig>, WebError> {
    let config = state.config.current();
    let list = if name.contains('@') {
        config.lists.by_address(name)
    } else {
        let mut found = config.lists.by_name(name);
        if found.len() == 1 { found.pop() } else { None }
    };
    list.filter(|l| l.archive == ArchiveVisibility::Public)
        .ok_or(WebError::NotFound)
}

/// Every list whose archive is public, by name.
pub(crate) fn public_lists(state: &WebState) -> Vec<Arc<ListConfig>> {
    let config = state.config.current();
    let mut lists: Vec<Arc<ListConfig>> = config
        .lists
        .iter()
        .filter(|l| l.archive == ArchiveVisibility::Public)
        .cloned()
        .collect();
    lists.sort_by(|a, b| (&a.name, &a.domain).cmp(&(&b.name, &b.domain)));
    lists
}

/// Runs blocking store work (every `Store` read) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &WebState,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, WebError> {
    let store = state.store.clone();
    Ok(tokio::task::spawn_blocking(move || f(&store)).await??)
}

/// For resources that never change once they exist (a permalink, a raw message, an attachment):
/// answers `304 Not Modified` when the client already holds `etag`, and otherwise adds `ETag`,
/// `Last-Modified` and a long `Cache-Control` to `response`.
pub(crate) fn immutable(
    request: &HeaderMap,
    etag: &str,
    last_modified: Timestamp,
    response: impl FnOnce() -> Result<Response, WebError>,
) -> Result<Response, WebError> {
    let etag = format!("\"{etag}\"");
    let matches = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        response()?
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if let Some(date) = http_date(last_modified)
        && let Ok(v) = HeaderValue::from_str(&date)
    {
        headers.insert(header::LAST_MODIFIED, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}

/// An HTTP date (RFC 9110 IMF-fixdate), or `None` for a timestamp jiff cannot represent.
pub(crate) fn http_date(t: Timestamp) -> Option<String> {
    let ts = jiff::Timestamp::from_second(t).ok()?;
    Some(ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
}

/// Serves [`router`] on `listener` until `shutdown` fires, then stops accepting and lets requests
/// in flight finish. The daemon's task tracker bounds how long that may take (`SHUTDOWN_GRACE`).
pub async fn serve(listener: TcpListener, state: WebState, shutdown: CancellationToken) {
    let app = router(state);
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
    {
        // axum::serve retries failed accepts itself; reaching here means the listener is gone.
        tracing::error!(error = %e, "the web listener stopped");
    }
}

/// Why a request failed. Each kind has its own status; only `Internal` hides its cause.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A link that this site did not sign, or that was altered or truncated on the way.
    #[error("this link is not valid")]
    BadToken,
    /// A well-formed request that is not what the resource takes (say, a POST without the RFC 8058
    /// one-click body).
    #[error("{0}")]
    BadRequest(&'static str),
    /// A correctly signed link for a list that no longer exists.
    #[error("no such list")]
    UnknownList,
    /// No such page, list (or a private one), message or draft.
    #[error("not found")]
    NotFound,
    /// A request this resource cannot read: a malformed Message-ID, cursor or month, a query too
    /// long. The text says what was wrong, in one line.
    #[error("{0}")]
    Invalid(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("a blocking task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, text) = match &self {
            WebError::BadToken => (
                StatusCode::BAD_REQUEST,
                "This unsubscribe link is not valid. It may have been cut short or changed; \
                 use the link from a recent list message, or mail the list's -leave address.",
            ),
            WebError::BadRequest(why) => (StatusCode::BAD_REQUEST, *why),
            WebError::Invalid(why) => (StatusCode::BAD_REQUEST, why.as_str()),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "There is nothing here. The list, message or draft may not exist, or its archive \
                 is not public.",
            ),
            WebError::UnknownList => (
                StatusCode::NOT_FOUND,
                "This list does not exist any more, so there is nothing to unsubscribe from.",
            ),
            WebError::Store(_) | WebError::Task(_) => {
                // Logged here, where it is handled, and only here; the client learns nothing of it.
                tracing::error!(error = %self, "web request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again later.",
                )
            }
        };
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "Bad request",
            _ => "Error",
        };
        let mut response = layout::page(
            status,
            title,
            &[layout::Crumb::new("Archive", "/arch/")],
            maud::html! { p.error { (text) } },
        );
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// A small self-contained page for the unsubscribe flow. Its URL carries a token, so the headers
/// keep it out of caches and Referer headers.
pub(crate) fn page(status: StatusCode, title: &str, body: maud::Markup) -> Response {
    let mut response = layout::page(status, title, &[], body);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}
