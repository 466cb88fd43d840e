//! mboxrd downloads: `/arch/browse/LIST/YYYY-MM.mbox` (one month of a list) and
//! `/arch/msg/LIST/MID/thread.mbox` (one thread, the bytes `wgmail archive export --thread` writes).

use axum::extract::{Path, State};
use axum::response::Response;

use super::{WebError, WebState};

/// `GET /arch/browse/LIST/YYYY-MM.mbox`.
pub async fn month(
    State(_state): State<WebState>,
    Path((_list, _month)): Path<(String, String)>,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}

/// `GET /arch/msg/LIST/MID/thread.mbox`.
pub async fn thread(
    State(_state): State<WebState>,
    Path((_list, _mid)): Path<(String, String)>,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}
