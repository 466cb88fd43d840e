//! `/doc/DRAFT/`: one draft — state, stage, the open or last call with its tally, the history
//! (and `json`, the shape of `wgmail draft show --json`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{WebError, WebState};

/// `GET /doc/DRAFT` → `/doc/DRAFT/`.
pub async fn add_slash(Path(draft): Path<String>) -> Response {
    let draft = crate::message::percent_encode(&draft);
    Redirect::permanent(&format!("/doc/{draft}/")).into_response()
}

/// `GET /doc/DRAFT/`.
pub async fn show(
    State(_state): State<WebState>,
    Path(_draft): Path<String>,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}

/// `GET /doc/DRAFT/json`.
pub async fn json(
    State(_state): State<WebState>,
    Path(_draft): Path<String>,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}
