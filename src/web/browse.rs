//! `/arch/browse/LIST/`: a list's threads, newest first, paged by a cursor; with `?q=` the search
//! results instead ([`super::search`]).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{WebError, WebState};

/// `GET /arch/browse/LIST` → the same URL with the slash `List-Archive` promises.
pub async fn add_slash(Path(list): Path<String>) -> Response {
    let list = crate::message::percent_encode(&list);
    Redirect::permanent(&format!("/arch/browse/{list}/")).into_response()
}

/// `GET /arch/browse/LIST/[?before=CURSOR][&q=QUERY[&sort=date]]`.
pub async fn show(
    State(state): State<WebState>,
    Path(list): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    if params.contains_key("q") {
        return super::search::results(state, list, params).await;
    }
    Err(WebError::NotFound)
}
