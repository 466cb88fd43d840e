//! `/arch/msg/LIST/MID`: one message — headers, decoded text, attachments, its place in the thread.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{WebError, WebState};

/// `GET /arch/msg/LIST/MID`.
pub async fn show(
    State(_state): State<WebState>,
    Path((_list, _mid)): Path<(String, String)>,
    _headers: HeaderMap,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}

/// `GET /arch/msg/LIST/MID/att/N`: attachment N, always as a download.
pub async fn attachment(
    State(_state): State<WebState>,
    Path((_list, _mid, _n)): Path<(String, String, String)>,
    _headers: HeaderMap,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}
