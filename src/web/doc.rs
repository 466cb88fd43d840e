//! `/doc/DRAFT/`: one draft — state, stage, the open or last call with its tally, the IESG ballot,
//! the history (and `json`, the shape of `wgmail draft show --json`), as the Datatracker's
//! document page shows them.
//!
//! Only drafts of public lists are served: a draft of a private list answers 404 exactly as an
//! unknown one. What is shown is gathered by [`crate::workflow::show`], the same code
//! `draft show --json` runs, so the page, its JSON and the CLI agree.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::layout::{Crumb, page};
use super::{WebError, WebState};
use crate::clock::Timestamp;
use crate::config::list::Decision;
use crate::config::{ArchiveVisibility, ListConfig};
use crate::message::percent_encode;
use crate::store::CallReply;
use crate::values::{CallState, Position};
use crate::workflow::show::{self, ShowError, Shown, ShownCall};
use crate::workflow::tally::Tally;

/// `GET /doc/DRAFT` → `/doc/DRAFT/`.
pub async fn add_slash(Path(draft): Path<String>) -> Response {
    let draft = percent_encode(&draft);
    Redirect::permanent(&format!("/doc/{draft}/")).into_response()
}

/// `GET /doc/DRAFT/`.
pub async fn show(
    State(state): State<WebState>,
    Path(draft): Path<String>,
) -> Result<Response, WebError> {
    let (list, shown, archived) = load(&state, &draft).await?;
    let d = &shown.draft;
    let crumbs = [
        Crumb::new("Archive", "/arch/"),
        Crumb::new(
            &list.name,
            format!("/arch/browse/{}/", percent_encode(&list.name)),
        ),
        Crumb::new(
            "Documents",
            format!("/wg/{}/documents/", percent_encode(&list.name)),
        ),
    ];
    let body = html! {
        @if !d.title.is_empty() { p { (d.title) } }
        dl.headers {
            dt { "State" } dd.state { (d.state.datatracker_name()) }
            dt { "Stage" } dd { (stage(d.state.stage())) }
            @if let Some(rev) = d.rev { dt { "Revision" } dd { (format!("{rev:02}")) } }
            @if let Some(s) = &d.intended_status { dt { "Intended status" } dd { (s) } }
            @if !d.tags.is_empty() {
                dt { "Tags" }
                dd { @for (i, t) in d.tags.iter().enumerate() {
                    @if i > 0 { "; " } (t.datatracker_name())
                } }
            }
            @if let Some(rfc) = d.rfc { dt { "RFC" } dd { "RFC " (rfc) } }
            @if let Some(r) = &d.replaces { dt { "Replaces" } dd { (doc_link(r)) } }
            @if let Some(r) = &d.replaced_by { dt { "Replaced by" } dd { (doc_link(r)) } }
            dt { "Working group" }
            dd { a href=(format!("/wg/{}/documents/", percent_encode(&list.name))) { (list.address()) } }
        }
        p.meta { a href="json" { "This page as JSON" } }
        @if let Some(c) = &shown.call { (call_section(&list, c)) }
        @if !shown.ballot.positions.is_empty() || !shown.ballot.discusses.is_empty() {
            (ballot_section(&list, &shown))
        }
        @if let Some(w) = &shown.writeup {
            h2 { "Shepherd write-up" }
            pre { (w) }
        }
        (history_section(&list, &shown, &archived))
    };
    Ok(page(StatusCode::OK, &d.name, &crumbs, body))
}

/// `GET /doc/DRAFT/json`: byte for byte what `wgmail draft show DRAFT --json` prints.
pub async fn json(
    State(state): State<WebState>,
    Path(draft): Path<String>,
) -> Result<Response, WebError> {
    let (_, shown, _) = load(&state, &draft).await?;
    // Serializing our own rows cannot fail in practice; if it ever did, there is nothing to show.
    json_response(&show::json(&shown).map_err(|_| WebError::NotFound)?)
}

/// `value` pretty-printed with a final newline, as the CLI prints it, served as JSON.
pub(super) fn json_response(value: &serde_json::Value) -> Result<Response, WebError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|_| WebError::NotFound)?;
    text.push('\n');
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// The draft a URL names (`draft-x-y` or `draft-x-y-07`), on the one public list that has it,
/// with everything its page shows and which of its history's mails are archived. A name on a
/// private list only, or on several public lists, answers 404.
async fn load(
    state: &WebState,
    draft: &str,
) -> Result<(Arc<ListConfig>, Shown, HashSet<String>), WebError> {
    let name = crate::workflow::states::parse_entry(draft)
        .map_err(|e| WebError::Invalid(e.to_string()))?;
    let config = state.config.current();
    let iesg = config.site.iesg.members.clone();
    let found = super::blocking(state, move |store| store.drafts_named(&name)).await?;
    let mut public: Vec<_> = found
        .into_iter()
        .filter_map(|d| {
            let l = config.lists.by_address(&d.list)?;
            (l.archive == ArchiveVisibility::Public).then_some((l, d))
        })
        .collect();
    if public.len() != 1 {
        return Err(WebError::NotFound);
    }
    let (list, d) = public.remove(0);
    let l = list.clone();
    let (shown, archived) = super::blocking(state, move |store| {
        let shown = match show::gather(store, Some(&l), &iesg, d) {
            Ok(s) => s,
            Err(ShowError::Store(e)) => return Err(e),
            // Not reached: the list is given.
            Err(ShowError::UnknownList(_)) => return Ok(None),
        };
        let ids: Vec<String> = shown.events.iter().map(|e| e.message_id.clone()).collect();
        let archived = store.archived_among(&l.address(), &ids)?;
        Ok(Some((shown, archived)))
    })
    .await?
    .ok_or(WebError::NotFound)?;
    Ok((list, shown, archived))
}

/// A draft name linking to its page.
fn doc_link(name: &str) -> Markup {
    html! { a href=(format!("/doc/{}/", percent_encode(name))) { (name) } }
}

/// The permalink of a message of `list`.
pub(super) fn msg_href(list: &ListConfig, message_id: &str) -> String {
    format!(
        "/arch/msg/{}/{}",
        percent_encode(&list.name),
        percent_encode(message_id)
    )
}

/// The stage number, 1–6; a replaced name is in none ("—").
fn stage(n: u8) -> String {
    match n {
        0 => "—".to_owned(),
        n => n.to_string(),
    }
}

/// A moment in the list's time zone, to the minute, with the zone's abbreviation.
pub(super) fn moment(list: &ListConfig, ts: Timestamp) -> String {
    match jiff::Timestamp::from_second(ts) {
        Ok(t) => t
            .to_zoned(list.workflow.tz())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string(),
        Err(_) => crate::clock::ymd(ts),
    }
}

/// The counts of a tally as the result mail words them.
pub(super) fn summary(t: &Tally) -> String {
    let mut parts = vec![
        format!("Support ({})", t.support.len()),
        format!("Objections ({})", t.objections.len()),
    ];
    if !t.support_if.is_empty() {
        parts.push(format!("Support with conditions ({})", t.support_if.len()));
    }
    parts.push(format!("No objection ({})", t.no_objection.len()));
    parts.push(format!("Neutral ({})", t.neutral.len()));
    parts.push(format!("Late ({})", t.late.len()));
    parts.join(" · ")
}

/// "open", "closed", "cancelled".
pub(super) fn call_state(s: CallState) -> &'static str {
    match s {
        CallState::Open => "open",
        CallState::Closed => "closed",
        CallState::Cancelled => "cancelled",
    }
}

fn call_section(list: &ListConfig, c: &ShownCall) -> Markup {
    let t = &c.tally;
    let name = |a: &str| -> String {
        match t.names.get(a) {
            Some(n) if !n.is_empty() => n.clone(),
            _ => a.to_owned(),
        }
    };
    // A person's name linking to the reply their position came from, their address beside it.
    let person = |a: &str, p: Position| -> Markup {
        html! {
            @match c.source_of(a, p) {
                Some(mid) => a href=(msg_href(list, mid)) { (name(a)) },
                None => (name(a)),
            }
            @if name(a) != a { " " span.meta { "<" (a) ">" } }
        }
    };
    let group = |title: &str, people: &[String], p: Position| -> Markup {
        html! {
            @if !people.is_empty() {
                h3 { (title) " (" (people.len()) ")" }
                ul.positions { @for a in people {
                    li {
                        (person(a, p))
                        @if let Some(cond) = t.conditions.get(a) { " — if " (cond) }
                        @if t.not_members.contains(a) { " " span.nonmember { "(not a list member)" } }
                    }
                } }
            }
        }
    };
    let decision = match list.workflow.decision {
        Decision::Majority => format!(
            "majority: distinct supporters must outnumber objectors, with at least {} in support",
            list.workflow.quorum
        ),
        Decision::Chair => format!(
            "chair: the tally is evidence and the chairs declare consensus (quorum {})",
            list.workflow.quorum
        ),
    };
    html! {
        section.call {
            h2 { (c.call.kind.title()) " — " (call_state(c.call.state)) }
            dl.headers {
                dt { "Revision" }
                dd { @match c.call.rev { Some(r) => (format!("{r:02}")), None => "—" } }
                dt { "Announced" }
                dd {
                    @if c.call.anchor.is_empty() { (moment(list, c.call.opened_at)) }
                    @else { a href=(msg_href(list, &c.call.anchor)) { (moment(list, c.call.opened_at)) } }
                }
                dt { (if c.is_open() { "Ends" } else { "Was to end" }) }
                dd { (c.ends) " (end of day, " (list.workflow.time_zone) ")" }
                @if let Some(closed) = c.call.closed_at {
                    dt { (if c.call.state == CallState::Cancelled { "Cancelled" } else { "Closed" }) }
                    dd { (moment(list, closed)) }
                }
                dt { "Decision rule" } dd { (decision) }
            }
            p.tally { (summary(t)) }
            @if !t.objections.is_empty() {
                h3 { "Objections (" (t.objections.len()) ")" }
                ul.objections { @for o in &t.objections {
                    li {
                        (person(&o.from, Position::Object)) ": "
                        @match &o.reason {
                            Some(r) => q.reason { (r) },
                            None => span.meta { "(no reason given)" },
                        }
                    }
                } }
            }
            (group("Support", &t.support, Position::Support))
            (group("Support with conditions", &t.support_if, Position::SupportIf))
            (group("No objection", &t.no_objection, Position::NoObjection))
            (group("Neutral", &t.neutral, Position::Neutral))
            @if !t.withdrawn.is_empty() {
                h3 { "Withdrawn (" (t.withdrawn.len()) ")" }
                ul { @for a in &t.withdrawn { li { (name(a)) } } }
            }
            @if !t.not_counted.is_empty() {
                div.nonmember {
                    h3 { "Not list members when they replied, not counted (" (t.not_counted.len()) ")" }
                    ul { @for (a, p) in &t.not_counted {
                        li { (reply_link(list, latest_of(&c.replies, a, *p), a, &name(a))) " (" (p.name()) ")" }
                    } }
                }
            }
            @if !t.late.is_empty() {
                div.late {
                    h3 { "Late, not counted (" (t.late.len()) ")" }
                    ul { @for l in &t.late {
                        li {
                            (reply_link(list, c.late_reply(l), &l.from, &name(&l.from)))
                            " (" (l.position.name()) ", " (moment(list, l.date)) ")"
                        }
                    } }
                }
            }
            p.meta {
                (t.replies) " replies, " (t.classified) " with a position (coverage "
                (format!("{:.0}%", t.coverage * 100.0)) ")"
            }
        }
    }
}

/// A position listed apart (late, or a non-member's): the sender's name linking to the reply.
/// The tally names only people whose position counts, so the name comes from the reply itself.
fn reply_link(list: &ListConfig, reply: Option<&CallReply>, who: &str, name: &str) -> Markup {
    let name = match reply {
        Some(r) if name == who && !r.name.is_empty() => r.name.as_str(),
        _ => name,
    };
    html! {
        @match reply {
            Some(r) => a href=(msg_href(list, &r.message_id)) { (name) },
            None => (name),
        }
    }
}

/// The latest reply of `who` with `p`, whenever it came (for positions listed apart).
fn latest_of<'a>(replies: &'a [CallReply], who: &str, p: Position) -> Option<&'a CallReply> {
    replies
        .iter()
        .rev()
        .find(|r| r.position == p && crate::workflow::tally::identity(&r.person) == who)
}

fn ballot_section(list: &ListConfig, s: &Shown) -> Markup {
    let b = &s.ballot;
    html! {
        section.ballot {
            h2 { "IESG ballot" }
            p.tally { (b.have) " of " (b.needed) " Yes or No Objection positions needed" }
            table {
                thead { tr { th { "Member" } th { "Position" } th { "Reason" } th.opt { "When" } } }
                tbody {
                    @for c in &b.positions {
                        tr { td { (c.ad) } td { (c.position.name()) }
                             td { @if let Some(r) = &c.reason { (r) } }
                             td.opt { (moment(list, c.at)) } }
                    }
                    @for m in &b.no_record {
                        tr.meta { td { (m) } td { "No Record" } td {} td.opt {} }
                    }
                }
            }
        }
    }
}

fn history_section(list: &ListConfig, s: &Shown, archived: &HashSet<String>) -> Markup {
    html! {
        section.history {
            h2 { "History" }
            @if s.events.is_empty() { p.meta { "No events yet." } }
            @else {
                table {
                    thead { tr { th { "When" } th { "By" } th { "What" } } }
                    tbody {
                        // Newest first, as the Datatracker's history tab.
                        @for e in s.events.iter().rev() {
                            tr {
                                td {
                                    @if archived.contains(&e.message_id) {
                                        a href=(msg_href(list, &e.message_id)) { (moment(list, e.at)) }
                                    } @else { (moment(list, e.at)) }
                                }
                                td { (e.actor) }
                                td {
                                    (show::event_what(e))
                                    @if !e.why.is_empty() { br; span.meta { (e.why) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
