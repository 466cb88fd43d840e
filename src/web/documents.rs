//! `/wg/LIST/documents/`: a working group's drafts with state, stage and open call (and `json`).

use axum::extract::{Path, State};
use axum::response::Response;

use super::{WebError, WebState};

/// `GET /wg/LIST/documents/`.
pub async fn show(
    State(_state): State<WebState>,
    Path(_list): Path<String>,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}

/// `GET /wg/LIST/documents/json`.
pub async fn json(
    State(_state): State<WebState>,
    Path(_list): Path<String>,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}
