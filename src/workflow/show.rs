//! What a draft looks like from outside: the record `wgmail draft show --json` prints and the
//! web's draft pages (`/doc/DRAFT/`, `/wg/LIST/documents/`) render. One gathering of the store's
//! rows and one JSON shape, so the CLI and the web never drift apart.
//!
//! Reads only; the pure parts (the tally, the ballot's standing) come from [`super::calls`] and
//! [`super::ballot`].

use crate::config::ListConfig;
use crate::store::{CallReply, CallRow, DraftRow, EventRow, Store, StoreError};
use crate::values::{CallState, State, Tag};

use super::ballot::{Cast, Standing};
use super::tally::Tally;

/// A draft with everything its pages show.
#[derive(Debug, Clone)]
pub struct Shown {
    pub draft: DraftRow,
    /// The open call, or the last one.
    pub call: Option<ShownCall>,
    /// The IESG ballot of the current round (empty positions before any).
    pub ballot: Standing,
    /// The shepherd write-up of the publication request, if one came with it.
    pub writeup: Option<String>,
    /// The draft's history, oldest first.
    pub events: Vec<EventRow>,
}

/// A call with its recorded replies and their tally.
#[derive(Debug, Clone)]
pub struct ShownCall {
    pub call: CallRow,
    /// Its last day in the list's time zone, as the announcement's `(Ends …)` says it.
    pub ends: String,
    /// Every recorded reply, late ones included, in date order.
    pub replies: Vec<CallReply>,
    pub tally: Tally,
}

impl ShownCall {
    pub fn is_open(&self) -> bool {
        self.call.state == CallState::Open
    }

    /// The reply a person's counted position came from: their latest on-time reply with that
    /// position. The tally keeps a person's latest position ("latest wins", a comment never erases
    /// one), so the latest reply carrying it is the one that set it.
    pub fn source_of(&self, person: &str, position: crate::values::Position) -> Option<&str> {
        let cutoff = self
            .call
            .closed_at
            .map_or(self.call.ends_at, |c| c.min(self.call.ends_at));
        self.replies
            .iter()
            .rev()
            .find(|r| {
                r.date <= cutoff
                    && r.position == position
                    && super::tally::identity(&r.person) == person
            })
            .map(|r| r.message_id.as_str())
    }

    /// The reply a late position came from (the tally keeps its sender, position and date).
    pub fn late_reply(&self, late: &super::tally::Late) -> Option<&CallReply> {
        self.replies.iter().find(|r| {
            r.date == late.date
                && r.position == late.position
                && super::tally::identity(&r.person) == late.from
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The draft has a call but its list is no longer configured, so its time zone and counting
    /// rules are unknown and the tally cannot be given.
    #[error("no list {0} in config/lists")]
    UnknownList(String),
}

/// Reads what the pages of draft `d` show. `list` is its list's configuration (`None` when the
/// list file is gone); `iesg` the `[iesg] members`, whose ballot it counts.
pub fn gather(
    store: &Store,
    list: Option<&ListConfig>,
    iesg: &[String],
    d: DraftRow,
) -> Result<Shown, ShowError> {
    let call = match store.latest_call(&d.list, &d.name)? {
        Some(c) => {
            let list = list.ok_or_else(|| ShowError::UnknownList(d.list.clone()))?;
            let replies = store.call_replies(c.id)?;
            Some(shown_call(list, c, replies))
        }
        None => None,
    };
    let events = store.events(&d.list, &d.name)?;
    let ballot = standing(store, iesg, &d, &events)?;
    let writeup = store.writeup(&d.list, &d.name)?.map(|w| w.text);
    Ok(Shown {
        draft: d,
        call,
        ballot,
        writeup,
        events,
    })
}

/// `call` with its tally, as `list` counts it.
pub fn shown_call(list: &ListConfig, call: CallRow, replies: Vec<CallReply>) -> ShownCall {
    let tally = super::calls::tally_of(list, &call, &replies);
    ShownCall {
        ends: super::calls::ends_ymd(list, call.ends_at),
        call,
        replies,
        tally,
    }
}

/// The ballot's standing, as `commands::ballot_standing` computes it (positions since the draft
/// last entered `submitted`), from the history already read rather than reading it again.
fn standing(
    store: &Store,
    iesg: &[String],
    d: &DraftRow,
    events: &[EventRow],
) -> Result<Standing, StoreError> {
    let sent: Vec<Cast> = store
        .ballots(&d.list, &d.name)?
        .into_iter()
        .map(|b| Cast {
            ad: b.ad,
            position: b.position,
            reason: b.reason,
            at: b.at,
        })
        .collect();
    let since = events
        .iter()
        .rev()
        .find(|e| e.to_state == State::Submitted)
        .map(|e| e.at);
    Ok(Standing::of(iesg, &sent, since))
}

/// The `draft show --json` object. Its keys and values are the CLI's contract (scripts and the
/// tests read them); the web's `/doc/DRAFT/json` serves exactly this.
pub fn json(s: &Shown) -> Result<serde_json::Value, serde_json::Error> {
    let d = &s.draft;
    let (call, tally) = match &s.call {
        Some(c) => (
            serde_json::json!({"kind": c.call.kind, "rev": c.call.rev, "ends": c.ends, "ends_at": c.call.ends_at, "open": c.is_open(), "anchor": c.call.anchor}),
            serde_json::to_value(&c.tally)?,
        ),
        None => (serde_json::Value::Null, serde_json::Value::Null),
    };
    Ok(serde_json::json!({
        "name": d.name, "rev": d.rev, "list": d.list, "state": d.state,
        "stage": d.state.stage(), "call": call, "tally": tally,
        "ballot": s.ballot, "writeup": s.writeup,
        "tags": d.tags, "title": d.title, "intended_status": d.intended_status, "rfc": d.rfc,
        "replaced_by": d.replaced_by, "replaces": d.replaces,
    }))
}

/// The tags as their slugs (`no-adopt`), as `draft ls` and `draft show` print them.
pub fn tag_slugs(tags: &[Tag]) -> Vec<&'static str> {
    tags.iter().map(|t| t.slug()).collect()
}

/// One history line's "what": the Datatracker's wording of the move, `(forced)` when a chair
/// forced it.
pub fn event_what(e: &EventRow) -> String {
    let what = super::states::describe(e.from_state, e.to_state);
    if e.forced {
        format!("{what} (forced)")
    } else {
        what
    }
}

/// The order of the WG documents page, as the Datatracker's: by stage, then name; a replaced
/// name (in no stage) last, since its replacement carries on.
pub fn documents_order(a: &DraftRow, b: &DraftRow) -> std::cmp::Ordering {
    let key = |d: &DraftRow| {
        let stage = d.state.stage();
        (stage == 0, stage)
    };
    key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
}
