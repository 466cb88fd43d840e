//! The store as the commands of one confirmed message see it: each command runs against the drafts
//! and calls as the commands before it left them (their actions commit together, in order).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use crate::context::{LookupError, Tokens};
use crate::store::{Action, CallReply, CallRow, DraftRow, EventRow, ReviewRow, TokenRow};

use super::super::lookup::Lookup;
use super::super::positions::Position;
use super::super::states::State;

/// The store as a run of commands sees it: drafts moved by earlier commands of the same message
/// are where those commands put them (the moves themselves are applied together, in order).
pub(super) struct Sequential<'a> {
    inner: &'a dyn Lookup,
    moved: RefCell<HashMap<(String, String), DraftRow>>,
    proposals: Cell<i64>,
    /// Calls opened (id 0: not stored yet) and closed by earlier commands.
    opened: RefCell<Vec<CallRow>>,
    closed: RefCell<HashSet<i64>>,
    /// New ends of calls extended by earlier commands.
    extended: RefCell<HashMap<i64, i64>>,
    /// Reviewers assigned by earlier commands, for the rotation.
    assigned: RefCell<Vec<(String, i64)>>,
}

impl<'a> Sequential<'a> {
    pub(super) fn new(inner: &'a dyn Lookup) -> Sequential<'a> {
        Sequential {
            inner,
            moved: RefCell::default(),
            proposals: Cell::new(0),
            opened: RefCell::default(),
            closed: RefCell::default(),
            extended: RefCell::default(),
            assigned: RefCell::default(),
        }
    }

    fn as_extended(&self, mut call: CallRow) -> CallRow {
        if let Some(end) = self.extended.borrow().get(&call.id) {
            call.ends_at = *end;
        }
        call
    }

    pub(super) fn record(&self, action: &Action, now: i64) {
        match action {
            Action::DraftMove { m, then } => {
                if m.from.is_none() && m.to == State::Proposal.slug() {
                    self.proposals.set(self.proposals.get() + 1);
                }
                let mut moved = self.moved.borrow_mut();
                let key = (m.list.clone(), m.draft.clone());
                let before = moved
                    .get(&key)
                    .cloned()
                    .or_else(|| self.inner.draft(&m.list, &m.draft).ok().flatten());
                let row = DraftRow {
                    list: m.list.clone(),
                    name: m.draft.clone(),
                    rev: m.rev.or(before.as_ref().and_then(|d| d.rev)),
                    state: m.to.clone(),
                    updated_at: now,
                    tags: before.as_ref().map(|d| d.tags.clone()).unwrap_or_default(),
                    title: before.as_ref().map(|d| d.title.clone()).unwrap_or_default(),
                    intended_status: before.as_ref().and_then(|d| d.intended_status.clone()),
                    rfc: before.as_ref().and_then(|d| d.rfc),
                };
                moved.insert(key, row);
                drop(moved);
                for a in then {
                    self.record(a, now);
                }
            }
            Action::DraftMeta(m) => {
                if let Some(d) = self
                    .moved
                    .borrow_mut()
                    .get_mut(&(m.list.clone(), m.draft.clone()))
                {
                    if let Some(s) = &m.intended_status {
                        d.intended_status = Some(s.clone());
                    }
                    if let Some(t) = &m.title {
                        d.title = t.clone();
                    }
                    d.rfc = m.rfc.or(d.rfc);
                    d.rev = m.rev.or(d.rev);
                }
            }
            Action::CallClose { id, then, .. } => {
                self.closed.borrow_mut().insert(*id);
                for a in then {
                    self.record(a, now);
                }
            }
            Action::CallOpen(call) => self.opened.borrow_mut().push(call.clone()),
            Action::ReviewAssign { reviewers, .. } => self
                .assigned
                .borrow_mut()
                .extend(reviewers.iter().map(|r| (r.clone(), now))),
            Action::CallExtend { id, ends_at, .. } => {
                self.extended.borrow_mut().insert(*id, *ends_at);
            }
            _ => {}
        }
    }
}

impl Tokens for Sequential<'_> {
    fn token(&self, token: &str) -> Result<Option<TokenRow>, LookupError> {
        self.inner.token(token)
    }
}

impl Lookup for Sequential<'_> {
    fn draft(&self, list: &str, name: &str) -> Result<Option<DraftRow>, LookupError> {
        match self.moved.borrow().get(&(list.to_owned(), name.to_owned())) {
            Some(d) => Ok(Some(d.clone())),
            None => self.inner.draft(list, name),
        }
    }
    fn events(&self, list: &str, name: &str) -> Result<Vec<EventRow>, LookupError> {
        self.inner.events(list, name)
    }
    fn pending(&self, token: &str) -> Result<Option<(String, String, String)>, LookupError> {
        self.inner.pending(token)
    }
    fn open_calls(&self, list: &str) -> Result<Vec<CallRow>, LookupError> {
        let closed = self.closed.borrow();
        let mut calls: Vec<CallRow> = self
            .inner
            .open_calls(list)?
            .into_iter()
            .filter(|c| !closed.contains(&c.id))
            .map(|c| self.as_extended(c))
            .collect();
        calls.extend(
            self.opened
                .borrow()
                .iter()
                .filter(|c| c.list == list)
                .cloned(),
        );
        Ok(calls)
    }
    fn latest_call(&self, list: &str, draft: &str) -> Result<Option<CallRow>, LookupError> {
        if let Some(c) = self
            .opened
            .borrow()
            .iter()
            .rev()
            .find(|c| c.list == list && c.draft == draft)
        {
            return Ok(Some(c.clone()));
        }
        Ok(self.inner.latest_call(list, draft)?.map(|c| {
            let mut c = self.as_extended(c);
            if self.closed.borrow().contains(&c.id) {
                c.state = "closed".into();
            }
            c
        }))
    }
    fn call_replies(&self, call_id: i64) -> Result<Vec<CallReply>, LookupError> {
        self.inner.call_replies(call_id)
    }
    fn answerable_calls(&self, list: &str, now: i64) -> Result<Vec<CallRow>, LookupError> {
        self.inner.answerable_calls(list, now)
    }
    fn reply_position(
        &self,
        call_id: i64,
        message_id: &str,
    ) -> Result<Option<Position>, LookupError> {
        self.inner.reply_position(call_id, message_id)
    }
    fn last_assigned(&self, list: &str) -> Result<Vec<(String, i64)>, LookupError> {
        let mut all = self.inner.last_assigned(list)?;
        all.extend(self.assigned.borrow().iter().cloned());
        // The latest assignment per reviewer.
        all.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        all.dedup_by(|a, b| a.0 == b.0);
        Ok(all)
    }
    fn proposal_count(&self, list: &str) -> Result<i64, LookupError> {
        Ok(self.inner.proposal_count(list)? + self.proposals.get())
    }
    fn drafts(&self, list: &str) -> Result<Vec<DraftRow>, LookupError> {
        self.inner.drafts(list)
    }
    fn open_reviews(&self, list: &str) -> Result<Vec<ReviewRow>, LookupError> {
        self.inner.open_reviews(list)
    }
}
