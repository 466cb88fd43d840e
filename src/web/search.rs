//! `/arch/browse/LIST/?q=QUERY`: search results, best or newest first, each with a snippet.

use std::collections::HashMap;

use axum::response::Response;

use super::{WebError, WebState};

/// The search page for `params["q"]` on `list`.
pub async fn results(
    _state: WebState,
    _list: String,
    _params: HashMap<String, String>,
) -> Result<Response, WebError> {
    Err(WebError::NotFound)
}
