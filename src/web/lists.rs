//! `/arch/`: the public lists with their description, message count and last post date. Private
//! lists are left out (their URLs answer 404 as for lists that do not exist).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::layout::{page, utc_day};
use super::{WebError, WebState, blocking, public_lists};
use crate::message::percent_encode;
use crate::store::ListStats;

/// `GET /arch/`.
pub async fn index(State(state): State<WebState>) -> Result<Response, WebError> {
    let lists = public_lists(&state);
    let keys: Vec<String> = lists.iter().map(|l| l.address()).collect();
    let stats: Vec<ListStats> = blocking(&state, move |store| {
        keys.iter().map(|k| store.list_stats(k)).collect()
    })
    .await?;
    let body = html! {
        @if lists.is_empty() {
            p { "No list has a public archive yet." }
        } @else {
            table {
                thead { tr {
                    th { "List" } th.opt { "Description" } th.num { "Messages" } th { "Last post" }
                    th.opt { "Documents" }
                } }
                tbody {
                    @for (list, s) in lists.iter().zip(&stats) {
                        tr {
                            td { a href={ "/arch/browse/" (percent_encode(&list.name)) "/" } { (list.name) } }
                            td.opt { (list.description) }
                            td.num { (s.messages) }
                            td { @if let Some(d) = s.last_date { (utc_day(d)) } @else { "—" } }
                            td.opt { a href={ "/wg/" (percent_encode(&list.name)) "/documents/" } { "drafts" } }
                        }
                    }
                }
            }
        }
    };
    Ok(page(StatusCode::OK, "Mailing list archives", &[], body))
}
