//! `/arch/browse/LIST/atom`: an Atom 1.0 feed of the list's newest messages.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{WebError, WebState};

/// `GET /arch/browse/LIST/atom`.
pub async fn feed(
    State(_state): State<WebState>,
    Path(_list): Path<String>,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}
