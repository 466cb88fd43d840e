//! `/arch/msg/LIST/MID/thread`: a whole thread on one page, nested.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{WebError, WebState};

/// `GET /arch/msg/LIST/MID/thread`.
pub async fn show(
    State(_state): State<WebState>,
    Path((_list, _mid)): Path<(String, String)>,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}
