//! `/arch/msg/LIST/MID/raw`: the message exactly as archived.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::message::{etag, lookup};
use super::{WebError, WebState, immutable};

/// `GET /arch/msg/LIST/MID/raw`: the archived bytes unchanged, as UTF-8 text when they are UTF-8
/// and as octets otherwise (a browser must not guess a charset for them; `nosniff` keeps it from
/// guessing a type).
pub async fn show(
    State(state): State<WebState>,
    Path((list, mid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (_, m) = lookup(&state, &list, &mid).await?;
    let tag = format!("{}-raw", etag(&m));
    immutable(&headers, &tag, m.received_at, || {
        let content_type = if std::str::from_utf8(&m.raw).is_ok() {
            "text/plain; charset=utf-8"
        } else {
            "application/octet-stream"
        };
        let mut response = m.raw.clone().into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        Ok(response)
    })
}
