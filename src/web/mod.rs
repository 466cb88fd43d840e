//! The HTTP listener (DESIGN §4, "web"): for now one-click unsubscribe (RFC 8058); the web archive
//! will grow here, one file per resource.
//!
//! [`router`] builds the whole application from a [`WebState`], so tests drive it without a socket;
//! [`serve`] runs it on a bound listener until the daemon's shutdown token fires. Handlers never run
//! SQL: they call [`Store`] methods. Every failure is one [`WebError`], which picks the status and a
//! short page; internal details go to the log, never to the client.

pub mod unsubscribe;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::ConfigHandle;
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
pub fn router(state: WebState) -> Router {
    Router::new()
        .route(
            "/u/{token}",
            get(unsubscribe::show).post(unsubscribe::one_click),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
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
        page(status, "Error", &format!("<p>{}</p>", escape(text)))
    }
}

/// A small self-contained HTML page. `body` must already be escaped. The headers keep the page
/// (whose URL carries a token) out of caches and Referer headers, and forbid scripts and framing.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape(title),
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; form-action 'self'; frame-ancestors 'none'"),
    );
    response
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
