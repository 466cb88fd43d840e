//! `/arch/`: the public lists with their description, message count and last post date.

use axum::extract::State;
use axum::response::Response;

use super::{WebError, WebState};

/// `GET /arch/`.
pub async fn index(State(_state): State<WebState>) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}
