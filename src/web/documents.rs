//! `/wg/LIST/documents/`: a working group's drafts with state, stage and open call, as the
//! Datatracker's WG documents page lists them (and `json`: the `draft show --json` object of each).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::doc::{call_state, json_response, summary};
use super::layout::{Crumb, page};
use super::{WebError, WebState, public_list};
use crate::message::percent_encode;
use crate::store::DraftRow;
use crate::workflow::show::{self, ShowError, ShownCall};

/// `GET /wg/LIST/documents/`.
pub async fn show(
    State(state): State<WebState>,
    Path(list): Path<String>,
) -> Result<Response, WebError> {
    let list = public_list(&state, &list)?;
    let l = list.clone();
    // The list's drafts and its open calls: two reads on the list's keys, then the replies of
    // each open call (a handful), not one read per draft.
    let (mut drafts, mut calls) = super::blocking(&state, move |store| {
        let address = l.address();
        let drafts = store.drafts(&address)?;
        let mut calls: HashMap<String, ShownCall> = HashMap::new();
        for c in store.open_calls(&address)? {
            let replies = store.call_replies(c.id)?;
            calls.insert(c.draft.clone(), show::shown_call(&l, c, replies));
        }
        Ok((drafts, calls))
    })
    .await?;
    drafts.sort_by(show::documents_order);
    let name = percent_encode(&list.name);
    let crumbs = [
        Crumb::new("Archive", "/arch/"),
        Crumb::new(&list.name, format!("/arch/browse/{name}/")),
    ];
    let title = format!("Documents of {}", list.name);
    let body = html! {
        @if !list.description.is_empty() { p.meta { (list.description) } }
        p.meta { a href="json" { "These documents as JSON" } }
        @if drafts.is_empty() {
            p { "This working group has no documents yet." }
        } @else {
            table.documents {
                thead { tr {
                    th { "Document" } th.opt { "Title" } th { "State" } th.num { "Stage" } th { "Call" }
                } }
                tbody { @for d in &drafts { (row(&list, d, calls.remove(&d.name))) } }
            }
        }
    };
    Ok(page(StatusCode::OK, &title, &crumbs, body))
}

fn row(list: &crate::config::ListConfig, d: &DraftRow, call: Option<ShownCall>) -> maud::Markup {
    html! {
        tr {
            td {
                a href=(format!("/doc/{}/", percent_encode(&d.name))) { (d.name) }
                @if let Some(rev) = d.rev { span.meta { (format!("-{rev:02}")) } }
            }
            td.opt { (d.title) }
            td {
                span.state { (d.state.datatracker_name()) }
                @for t in &d.tags { br; span.meta.tag { (t.datatracker_name()) } }
            }
            td.num { @if d.state.stage() > 0 { (d.state.stage()) } @else { "—" } }
            td {
                @if let Some(c) = &call {
                    (c.call.kind.title()) " (" (call_state(c.call.state)) "), ends " (c.ends)
                    @if !list.workflow.time_zone.is_empty() { " " span.meta { (list.workflow.time_zone) } }
                    br; span.tally { (summary(&c.tally)) }
                }
            }
        }
    }
}

/// `GET /wg/LIST/documents/json`: an array of the `draft show --json` objects of the list's
/// drafts, in the page's order.
pub async fn json(
    State(state): State<WebState>,
    Path(list): Path<String>,
) -> Result<Response, WebError> {
    let list = public_list(&state, &list)?;
    let iesg = state.config.current().site.iesg.members.clone();
    let shown = super::blocking(&state, move |store| {
        let mut drafts = store.drafts(&list.address())?;
        drafts.sort_by(show::documents_order);
        let mut all = Vec::with_capacity(drafts.len());
        for d in drafts {
            match show::gather(store, Some(&list), &iesg, d) {
                Ok(s) => all.push(s),
                Err(ShowError::Store(e)) => return Err(e),
                // Not reached: the list is given.
                Err(ShowError::UnknownList(_)) => {}
            }
        }
        Ok(all)
    })
    .await?;
    let values = shown
        .iter()
        .map(show::json)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| WebError::NotFound)?;
    json_response(&serde_json::Value::Array(values))
}
