//! `/arch/msg/LIST/MID/raw`: the message exactly as archived.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{WebError, WebState};

/// `GET /arch/msg/LIST/MID/raw`.
pub async fn show(
    State(_state): State<WebState>,
    Path((_list, _mid)): Path<(String, String)>,
    _headers: HeaderMap,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}
