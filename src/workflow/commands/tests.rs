//! Table tests of the command layer against the pure [`handle`] and [`confirm`], with an in-memory
//! [`Lookup`]: every row of [`COMMANDS`] × who sends it (authorised or not) × a move the transition
//! table allows or refuses. The end-to-end tests (`tests/it/chairs.rs`, `tests/it/workflow.rs`)
//! run the same commands through the daemon and the store.
//!
//! The matrix is driven by the table: a row without a [`Case`] fails
//! `every_row_has_a_case_and_every_case_a_row`, and every matrix test looks its case up by the
//! row's name. Store rows are built only by the small constructors under "Store rows" (and read
//! through the accessors beside them), so a change of a row's field types touches those alone.

use std::cell::RefCell;
use std::path::Path;

use crate::clock::Timestamp;
use crate::config::{ListConfig, Site};
use crate::context::{Context, LookupError, Tokens};
use crate::message::ParsedMessage;
use crate::store::{
    Action, BallotRow, CallReply, CallRow, DraftMove, DraftRow, EventRow, Member, OutboundJob,
    QueueItem, ReviewRow, TokenRow,
};
use crate::values::{BallotPosition, CallState, Delivery};

use super::super::lookup::{Lookup, Sequence};
use super::super::positions::Position;
use super::table::{COMMANDS, Row, Run, Who};
use super::{confirm, handle};

// ---------------------------------------------------------------------------------------------
// The world the commands run in.

/// 2026-11-28 15:38:15 UTC.
const NOW: Timestamp = 1_795_880_295;
const DAY: i64 = 86_400;

const LIST: &str = "wg@example.org";
const CHAIRS_ADDRESS: &str = "wg-chairs@example.org";
const DRAFT: &str = "draft-ietf-wg-widgets";

/// The personas: a chair of the list (not a member), an IESG member (neither chair nor member),
/// a member, and someone who is none of these.
const CHAIR: &str = "chair@example.org";
const IESG: &str = "ad@ietf.test";
const MEMBER: &str = "alice@example.org";
const OUTSIDER: &str = "mallory@example.net";
const PERSONAS: [&str; 4] = [CHAIR, IESG, MEMBER, OUTSIDER];

const ANNOUNCE_LIST: &str = "ietf-announce@ietf.test";
const REVIEWERS: [&str; 2] = ["r1@example.org", "r2@example.org"];

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
/// The Message-ID of the mail that carried the commands a token keeps.
const COMMAND_ID: &str = "commands-1@example.org";
/// The Message-ID of the mail a test sends now.
const MAIL_ID: &str = "mail-1@example.org";

/// The open call of a setup that has one: it ends 2026-12-01.
const CALL_ID: i64 = 7;
const CALL_ENDS: Timestamp = NOW + 3 * DAY;
/// The end of an open call whose end has passed: end of day 2026-11-27 UTC.
const ENDED: Timestamp = NOW - DAY;
/// End of day 2026-12-12 UTC: a call opened now with the default two weeks.
const TWO_WEEKS: Timestamp = 1_797_119_999;
/// End of day 2026-12-26 UTC: an IETF last call on a document no WG adopted (28 days).
const FOUR_WEEKS: Timestamp = 1_798_329_599;
/// End of day 2026-12-20 UTC, where the extend commands move the call.
const EXTENDED_TO: Timestamp = 1_797_811_199;

// ---------------------------------------------------------------------------------------------
// Store rows: one constructor per row type, and the few accessors that read a field whose type
// may change. Nothing else in this file builds a row or reads those fields.

fn draft(name: &str, state: &str) -> DraftRow {
    DraftRow {
        list: LIST.into(),
        name: name.into(),
        rev: None,
        state: state.parse().expect("a state"),
        updated_at: NOW - DAY,
        tags: Vec::new(),
        title: String::new(),
        intended_status: None,
        rfc: None,
        replaced_by: None,
        replaces: None,
    }
}

fn call(draft: &str, kind: &str, state: &str) -> CallRow {
    CallRow {
        id: CALL_ID,
        list: LIST.into(),
        draft: draft.into(),
        kind: kind.parse().expect("a call kind"),
        rev: Some(2),
        anchor: "call-7@example.org".into(),
        subject: format!("Call on {draft}-02 (Ends 2026-12-01)"),
        opened_at: NOW - 11 * DAY,
        ends_at: CALL_ENDS,
        state: state.parse().expect("a call state"),
        closed_at: None,
    }
}

fn event(to_state: &str) -> EventRow {
    EventRow {
        at: NOW - DAY,
        actor: CHAIR.into(),
        from_state: None,
        to_state: to_state.parse().expect("a state"),
        why: String::new(),
        message_id: "earlier@example.org".into(),
        forced: false,
    }
}

/// `ad`'s position on [`DRAFT`]'s ballot, sent a day ago.
fn ballot_row(ad: &str, position: &str, reason: Option<&str>) -> BallotRow {
    BallotRow {
        list: LIST.into(),
        draft: DRAFT.into(),
        ad: ad.into(),
        position: position.parse().expect("a ballot position"),
        reason: reason.map(str::to_owned),
        at: NOW - DAY,
        message_id: "ballot@ietf.test".into(),
    }
}

fn token_row(token: &str, address: &str, action: &str) -> TokenRow {
    TokenRow {
        token: token.into(),
        list: LIST.into(),
        address: address.into(),
        action: action.parse().expect("a token purpose"),
        created_at: NOW - 60,
        expires_at: NOW + 3600,
        used_at: None,
    }
}

fn member(address: &str) -> Member {
    Member {
        address: address.into(),
        name: String::new(),
        delivery: Delivery::Enabled,
        bounce_score: 0,
        joined_at: NOW - 100 * DAY,
        last_bounce_day: None,
        disabled_at: None,
        warnings: 0,
        last_warning_at: None,
    }
}

/// A move's ends, as slugs.
fn move_ends(m: &DraftMove) -> (Option<String>, String) {
    (m.from.map(|s| s.slug().to_owned()), m.to.slug().to_owned())
}

fn call_is_open(c: &CallRow) -> bool {
    c.state == CallState::Open
}

fn call_kind(c: &CallRow) -> String {
    c.kind.as_str().to_owned()
}

fn token_action(t: &TokenRow) -> String {
    t.action.as_str().to_owned()
}

// ---------------------------------------------------------------------------------------------
// The fake lookup.

/// The store as the commands read it, in memory.
#[derive(Default)]
struct Fake {
    /// Cells, so [`Sequence::apply`] can move drafts and open and close calls.
    drafts: RefCell<Vec<DraftRow>>,
    /// (draft, event)
    events: Vec<(String, EventRow)>,
    calls: RefCell<Vec<CallRow>>,
    replies: Vec<CallReply>,
    tokens: Vec<TokenRow>,
    /// token → (subject, body, Message-ID)
    pending: Vec<(String, (String, String, String))>,
    proposals: i64,
    assigned: Vec<(String, i64)>,
    reviews: Vec<ReviewRow>,
    positions: Vec<(i64, String, Position)>,
    /// A cell, so a ballot a command sends is seen by an `approve` after it.
    ballots: RefCell<Vec<BallotRow>>,
}

impl Fake {
    /// The commands `body` kept under [`TOKEN`] for `address`.
    fn with_pending(mut self, address: &str, body: &str) -> Fake {
        self.tokens.push(token_row(TOKEN, address, "chair"));
        self.pending.push((
            TOKEN.into(),
            ("commands".into(), body.into(), COMMAND_ID.into()),
        ));
        self
    }
}

impl Tokens for Fake {
    fn token(&self, token: &str) -> Result<Option<TokenRow>, LookupError> {
        Ok(self.tokens.iter().find(|t| t.token == token).cloned())
    }
}

impl Lookup for Fake {
    fn draft(&self, list: &str, name: &str) -> Result<Option<DraftRow>, LookupError> {
        Ok(self
            .drafts
            .borrow()
            .iter()
            .find(|d| d.list == list && d.name == name)
            .cloned())
    }
    fn events(&self, list: &str, name: &str) -> Result<Vec<EventRow>, LookupError> {
        Ok(if list == LIST {
            let of = self.events.iter().filter(|(d, _)| d == name);
            of.map(|(_, e)| e.clone()).collect()
        } else {
            Vec::new()
        })
    }
    fn pending(&self, token: &str) -> Result<Option<(String, String, String)>, LookupError> {
        Ok(self
            .pending
            .iter()
            .find(|(t, _)| t == token)
            .map(|(_, p)| p.clone()))
    }
    fn open_calls(&self, list: &str) -> Result<Vec<CallRow>, LookupError> {
        Ok(self
            .calls
            .borrow()
            .iter()
            .filter(|c| c.list == list && call_is_open(c))
            .cloned()
            .collect())
    }
    fn latest_call(&self, list: &str, draft: &str) -> Result<Option<CallRow>, LookupError> {
        Ok(self
            .calls
            .borrow()
            .iter()
            .filter(|c| c.list == list && c.draft == draft)
            .max_by_key(|c| c.id)
            .cloned())
    }
    fn call_replies(&self, call_id: i64) -> Result<Vec<CallReply>, LookupError> {
        Ok(self
            .replies
            .iter()
            .filter(|r| r.call_id == call_id)
            .cloned()
            .collect())
    }
    fn answerable_calls(&self, list: &str, _now: i64) -> Result<Vec<CallRow>, LookupError> {
        self.open_calls(list)
    }
    fn reply_position(
        &self,
        call_id: i64,
        message_id: &str,
    ) -> Result<Option<Position>, LookupError> {
        Ok(self
            .positions
            .iter()
            .find(|(c, m, _)| *c == call_id && m == message_id)
            .map(|(_, _, p)| *p))
    }
    fn last_assigned(&self, _list: &str) -> Result<Vec<(String, i64)>, LookupError> {
        Ok(self.assigned.clone())
    }
    fn proposal_count(&self, _list: &str) -> Result<i64, LookupError> {
        Ok(self.proposals)
    }
    fn drafts(&self, list: &str) -> Result<Vec<DraftRow>, LookupError> {
        Ok(self
            .drafts
            .borrow()
            .iter()
            .filter(|d| d.list == list)
            .cloned()
            .collect())
    }
    fn open_reviews(&self, _list: &str) -> Result<Vec<ReviewRow>, LookupError> {
        Ok(self.reviews.clone())
    }
    fn rfc_holder(&self, rfc: i64) -> Result<Option<(String, String)>, LookupError> {
        let drafts = self.drafts.borrow();
        let d = drafts.iter().find(|d| d.rfc == Some(rfc));
        Ok(d.map(|d| (d.list.clone(), d.name.clone())))
    }
    fn ballots(&self, list: &str, draft: &str) -> Result<Vec<BallotRow>, LookupError> {
        Ok(self
            .ballots
            .borrow()
            .iter()
            .filter(|b| b.list == list && b.draft == draft)
            .cloned()
            .collect())
    }
    fn calls_of(&self, list: &str, draft: &str) -> Result<Vec<CallRow>, LookupError> {
        Ok(self
            .calls
            .borrow()
            .iter()
            .filter(|c| c.list == list && c.draft == draft)
            .cloned()
            .collect())
    }
    /// Like the store's scratch transaction: what `f` applies is seen by its later reads, then
    /// undone.
    fn in_sequence(
        &self,
        f: &mut dyn FnMut(&dyn Sequence) -> Result<(), LookupError>,
    ) -> Result<(), LookupError> {
        let saved = (
            self.drafts.borrow().clone(),
            self.calls.borrow().clone(),
            self.ballots.borrow().clone(),
        );
        let out = f(self);
        *self.drafts.borrow_mut() = saved.0;
        *self.calls.borrow_mut() = saved.1;
        *self.ballots.borrow_mut() = saved.2;
        out
    }
}

/// The few actions whose effects later commands read: moves, a draft's revision, title, RFC
/// number and links, calls opened and closed, ballots.
impl Sequence for Fake {
    fn apply(&self, actions: &[Action], now: Timestamp) -> Result<(), LookupError> {
        for action in actions {
            match action {
                Action::DraftMove { m, then } => {
                    let mut drafts = self.drafts.borrow_mut();
                    let at = drafts
                        .iter()
                        .position(|d| d.list == m.list && d.name == m.draft);
                    if at.map(|i| drafts[i].state) != m.from {
                        continue;
                    }
                    match at {
                        Some(i) => drafts[i].state = m.to,
                        None => {
                            let mut d = draft(&m.draft, m.to.slug());
                            d.list = m.list.clone();
                            d.updated_at = now;
                            drafts.push(d);
                        }
                    }
                    drop(drafts);
                    self.apply(then, now)?;
                }
                Action::DraftMeta(m) => {
                    let mut drafts = self.drafts.borrow_mut();
                    let Some(d) = drafts
                        .iter_mut()
                        .find(|d| d.list == m.list && d.name == m.draft)
                    else {
                        continue;
                    };
                    d.rev = m.rev.or(d.rev);
                    d.rfc = m.rfc.or(d.rfc);
                    d.title = m.title.clone().unwrap_or(d.title.clone());
                    d.replaced_by = m.replaced_by.clone().or(d.replaced_by.take());
                    d.replaces = m.replaces.clone().or(d.replaces.take());
                }
                Action::CallOpen(c) => {
                    let mut calls = self.calls.borrow_mut();
                    let id = calls.iter().map(|c| c.id).max().unwrap_or(0) + 1;
                    calls.push(CallRow { id, ..c.clone() });
                }
                Action::CallClose { id, then, .. } => {
                    let mut calls = self.calls.borrow_mut();
                    let Some(c) = calls
                        .iter_mut()
                        .find(|c| c.id == *id && c.state == CallState::Open)
                    else {
                        continue;
                    };
                    c.state = CallState::Closed;
                    drop(calls);
                    self.apply(then, now)?;
                }
                Action::Ballot { row, expect, then } => {
                    let state = self.draft(&row.list, &row.draft)?.map(|d| d.state);
                    if state != Some(*expect) {
                        continue;
                    }
                    self.ballots.borrow_mut().push(row.clone());
                    self.apply(then, now)?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Where [`DRAFT`] stands before a command: its state (`None`: the registry does not know it)
/// and the kind of its open call, if it has one.
#[derive(Debug, Clone, Copy)]
struct Setup {
    state: Option<&'static str>,
    call: Option<&'static str>,
    /// The open call's end has passed (the deadline pass has not closed it yet).
    ended: bool,
    /// The state of [`PROPOSAL`] ("Better widgets"), if it is registered.
    proposal: Option<&'static str>,
    /// The position [`IESG`] holds on the ballot, if any.
    ballot: Option<&'static str>,
}

const UNKNOWN: Setup = Setup {
    state: None,
    call: None,
    ended: false,
    proposal: None,
    ballot: None,
};

const fn at(state: &'static str) -> Setup {
    Setup {
        state: Some(state),
        call: None,
        ended: false,
        proposal: None,
        ballot: None,
    }
}

const fn in_call(state: &'static str, kind: &'static str) -> Setup {
    Setup {
        state: Some(state),
        call: Some(kind),
        ended: false,
        proposal: None,
        ballot: None,
    }
}

/// In `state`, with [`IESG`]'s `position` on the ballot.
const fn balloted(state: &'static str, position: &'static str) -> Setup {
    Setup {
        state: Some(state),
        call: None,
        ended: false,
        proposal: None,
        ballot: Some(position),
    }
}

/// An open call whose announced end has passed.
const fn after_end(state: &'static str, kind: &'static str) -> Setup {
    Setup {
        state: Some(state),
        call: Some(kind),
        ended: true,
        proposal: None,
        ballot: None,
    }
}

/// The end of a setup's open call.
fn ends_of(setup: Setup) -> Timestamp {
    if setup.ended { ENDED } else { CALL_ENDS }
}

/// A proposal members raised, in `state`, beside [`DRAFT`] in `draft` (`None`: not registered).
const fn proposal_at(state: &'static str, draft: Option<&'static str>) -> Setup {
    Setup {
        state: draft,
        call: None,
        proposal: Some(state),
        ended: false,
        ballot: None,
    }
}

const PROPOSAL: &str = "proposal-1";

impl Setup {
    fn lookup(self) -> Fake {
        let mut fake = Fake::default();
        if let Some(state) = self.proposal {
            let mut p = draft(PROPOSAL, state);
            p.title = "Better widgets".into();
            fake.drafts.get_mut().push(p);
            fake.proposals = 1;
        }
        if let Some(state) = self.state {
            fake.drafts.get_mut().push(draft(DRAFT, state));
            fake.events.push((DRAFT.into(), event(state)));
        }
        if let Some(kind) = self.call {
            let mut open = call(DRAFT, kind, "open");
            open.ends_at = ends_of(self);
            fake.calls.get_mut().push(open);
        }
        if let Some(position) = self.ballot {
            let reason = (position == "discuss").then_some("section 4 is unclear");
            fake.ballots
                .get_mut()
                .push(ballot_row(IESG, position, reason));
        }
        fake
    }
}

// ---------------------------------------------------------------------------------------------
// Mail in, mail out.

/// Stands in for the posting handlers: the post is archived as composed (without the list's
/// header edits) and goes to every member whose delivery is on, as `pipeline::deliver` does.
fn deliver(ctx: &Context<'_>) -> Vec<Action> {
    let raw = ctx.item.raw.clone();
    let rcpts: Vec<String> = ctx
        .members
        .iter()
        .filter(|m| m.delivery == Delivery::Enabled)
        .map(|m| m.address.clone())
        .collect();
    vec![Action::Post {
        archive: crate::store::ArchiveRecord::from_parsed(
            ctx.list.address(),
            ctx.message_id.to_owned(),
            ctx.parsed.clone(),
            ctx.now,
            ctx.now,
            raw.clone(),
        ),
        delivery: OutboundJob {
            list: ctx.list.address(),
            body: raw,
            personalize: false,
            envelopes: vec![("wg-bounces@example.org".into(), rcpts)],
        },
    }]
}

/// A site and a list: who chairs it, who is on the IESG, who is a member.
struct Fixture {
    site: Site,
    list: ListConfig,
    members: Vec<Member>,
}

fn fixture_with(chairs: &[&str], iesg: &[&str], members: &[&str]) -> Fixture {
    let quoted = |a: &[&str]| {
        a.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        "name = \"wg\"\ndomain = \"example.org\"\nowners = [\"owner@example.org\"]\n\
         chairs = [{}]\nreviewers = [{}]\n",
        quoted(chairs),
        quoted(&REVIEWERS),
    );
    let list = crate::config::parse_list(Path::new("wg.toml"), &text).expect("valid list");
    let mut site = Site::default();
    site.iesg.members = iesg.iter().map(|s| s.to_string()).collect();
    site.iesg.announce_list = Some(ANNOUNCE_LIST.into());
    Fixture {
        site,
        list,
        members: members.iter().map(|a| member(a)).collect(),
    }
}

fn fixture() -> Fixture {
    fixture_with(&[CHAIR], &[IESG], &[MEMBER, "bob@example.org"])
}

/// One message to `wg-chairs@`, as the pipeline hands it over.
struct Incoming {
    item: QueueItem,
    parsed: ParsedMessage,
    message_id: String,
    sender: String,
}

fn mail(from: &str, body: &str) -> Incoming {
    mail_with_subject(from, "commands", body)
}

fn mail_with_subject(from: &str, subject: &str, body: &str) -> Incoming {
    let raw = format!(
        "From: {from}\r\nTo: {CHAIRS_ADDRESS}\r\nSubject: {subject}\r\nMessage-ID: <{MAIL_ID}>\r\n\r\n{}\r\n",
        body.replace('\n', "\r\n")
    );
    let parsed = crate::message::parse(raw.as_bytes());
    Incoming {
        item: QueueItem {
            id: 1,
            received_at: NOW,
            mail_from: from.into(),
            rcpt_to: vec![CHAIRS_ADDRESS.into()],
            peer: "test".into(),
            raw: raw.into_bytes(),
        },
        message_id: parsed.message_id.clone().expect("a Message-ID"),
        sender: parsed.from_addr.clone(),
        parsed,
    }
}

impl Fixture {
    fn ctx<'a>(&'a self, m: &'a Incoming) -> Context<'a> {
        Context {
            site: &self.site,
            list: &self.list,
            item: &m.item,
            parsed: &m.parsed,
            message_id: &m.message_id,
            sender: &m.sender,
            members: &self.members,
            now: NOW,
        }
    }

    /// `body` from `from` to `wg-chairs@`, through [`handle`].
    fn handle(&self, fake: &Fake, from: &str, body: &str) -> Vec<Action> {
        let m = mail(from, body);
        handle(&self.ctx(&m), fake, deliver).expect("the fake never fails")
    }

    fn handle_with_subject(
        &self,
        fake: &Fake,
        from: &str,
        subject: &str,
        body: &str,
    ) -> Vec<Action> {
        let m = mail_with_subject(from, subject, body);
        handle(&self.ctx(&m), fake, deliver).expect("the fake never fails")
    }

    /// `from` confirms [`TOKEN`], through [`confirm`].
    fn confirm(&self, fake: &Fake, from: &str) -> Vec<Action> {
        let m = mail(from, &format!("confirm {TOKEN}"));
        confirm(&self.ctx(&m), TOKEN, fake, deliver).expect("the fake never fails")
    }
}

/// Every action, with those nested under conditions (`then`, `otherwise`), depth first.
fn all(actions: &[Action]) -> Vec<&Action> {
    let mut out = Vec::new();
    for a in actions {
        out.push(a);
        match a {
            Action::Guarded {
                then, otherwise, ..
            }
            | Action::CallExtend {
                then, otherwise, ..
            } => {
                out.extend(all(then));
                out.extend(all(otherwise));
            }
            Action::DraftMove { then, .. }
            | Action::Ballot { then, .. }
            | Action::CallClose { then, .. }
            | Action::CallRemind { then, .. }
            | Action::Hold { then, .. }
            | Action::HoldDelete { then, .. }
            | Action::ReviewDone { then, .. } => out.extend(all(then)),
            _ => {}
        }
    }
    out
}

/// An action that changes the registry or its calls.
fn changes_something(a: &Action) -> bool {
    matches!(
        a,
        Action::DraftMove { .. }
            | Action::DraftMeta(_)
            | Action::CallOpen(_)
            | Action::CallClose { .. }
            | Action::CallExtend { .. }
            | Action::ReviewAssign { .. }
            | Action::TokenCreate(_)
            | Action::PendingCommand { .. }
            | Action::Ballot { .. }
            | Action::Writeup(_)
    )
}

/// Every mail job among the actions (replies, sends, posts).
fn jobs<'a>(actions: &[&'a Action]) -> Vec<&'a OutboundJob> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(job) | Action::Reply { job, .. } => Some(job),
            Action::Post { delivery, .. } => Some(delivery),
            _ => None,
        })
        .collect()
}

/// A job's Subject and its body decoded as text.
fn read_job(job: &OutboundJob) -> (String, String) {
    let parsed = crate::message::parse(&job.body);
    (parsed.subject, parsed.body_text.replace("\r\n", "\n"))
}

/// The job's recipients, over all its envelopes.
fn recipients(job: &OutboundJob) -> Vec<String> {
    job.envelopes
        .iter()
        .flat_map(|(_, r)| r.iter().cloned())
        .collect()
}

/// Subjects of the mail among the actions that goes to `to`.
fn subjects_to(actions: &[&Action], to: &str) -> Vec<String> {
    jobs(actions)
        .into_iter()
        .filter(|j| recipients(j).iter().any(|r| r == to))
        .map(|j| read_job(j).0)
        .collect()
}

/// The result mail among the actions: exactly one, to `to`; its body.
fn result_text(actions: &[Action], to: &str) -> String {
    let flat = all(actions);
    let results: Vec<(String, String, Vec<String>)> = jobs(&flat)
        .into_iter()
        .map(|j| {
            let (subject, body) = read_job(j);
            (subject, body, recipients(j))
        })
        .filter(|(s, _, _)| s == &format!("Results of your commands to {CHAIRS_ADDRESS}"))
        .collect();
    assert_eq!(results.len(), 1, "one result mail in {actions:#?}");
    let (_, body, rcpts) = results.into_iter().next().unwrap();
    assert_eq!(rcpts, [to.to_owned()], "the result goes to the sender");
    body
}

/// Subjects of what was posted to the list through [`deliver`], with their Message-IDs.
fn delivered(actions: &[&Action]) -> Vec<(String, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Post { archive, .. } => {
                Some((archive.subject.clone(), archive.message_id.clone()))
            }
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Who may send what, as the spec says it (independent of `refusal`).

fn may_send(who: Who, sender: &str) -> bool {
    match who {
        Who::Anyone => true,
        Who::Chair => sender == CHAIR,
        Who::ChairOrIesg => sender == CHAIR || sender == IESG,
        Who::Iesg => sender == IESG,
        Who::Member => sender == CHAIR || sender == MEMBER,
    }
}

/// Who sends a command in the confirm tests.
fn sender_for(who: Who) -> &'static str {
    match who {
        Who::Chair | Who::ChairOrIesg => CHAIR,
        Who::Iesg => IESG,
        Who::Member => MEMBER,
        Who::Anyone => OUTSIDER,
    }
}

/// The exact refusal an unauthorised sender reads (error.rs).
fn refusal_text(who: Who) -> &'static str {
    match who {
        Who::Chair | Who::ChairOrIesg | Who::Anyone => {
            "only the chairs of wg@example.org may send this command"
        }
        Who::Iesg => "only IESG members (the site's [iesg] members) may send this command",
        Who::Member => "only members of wg@example.org may propose work",
    }
}

// ---------------------------------------------------------------------------------------------
// The cases: one per row of the command table.

/// What the confirmed command yields first (the step its run function returned), or, for a
/// read-only command, that it answers.
enum Expect {
    /// A `DraftMove` of `draft` between these states; `then` checks what follows the move.
    Move {
        draft: &'static str,
        from: Option<&'static str>,
        to: &'static str,
        then: fn(&[Action]),
    },
    /// A `CallClose` of the open call that moves the draft between these states.
    Close {
        from: &'static str,
        to: &'static str,
    },
    /// A `CallCancel` of the open call that moves the draft back, with no tag and no result.
    Cancel {
        from: &'static str,
        to: &'static str,
    },
    /// A `CallExtend` of the open call to [`EXTENDED_TO`].
    Extend,
    /// A `Ballot` position of the sender on [`DRAFT`], expected in `state`; `then` checks what
    /// follows it.
    Ballot {
        position: &'static str,
        state: &'static str,
        then: fn(&[Action]),
    },
    /// An answer (read-only commands).
    Answer,
}

/// How the command is refused: from a setup where the move (or the command) is not allowed, with
/// the exact error text; or why no setup can refuse it.
enum Refused {
    In(Setup, &'static str),
    Never(&'static str),
}

struct Case {
    name: &'static str,
    /// The command as a chair writes it (a `consensus` with its reason on the next line).
    line: &'static str,
    who: Who,
    /// A setup where the command runs.
    allowed: Setup,
    /// The line the result mail (or the answer) gives after the command's echo.
    ok: &'static str,
    step: Expect,
    refused: Refused,
}

impl Case {
    /// The command line as the result mail echoes it.
    fn echo(&self) -> &'static str {
        self.line.lines().next().unwrap_or_default()
    }
}

fn cases() -> Vec<Case> {
    use Expect::{Answer, Cancel, Close, Extend, Move};
    use Refused::{In, Never};
    vec![
        Case {
            name: "propose",
            line: "propose \"Better widgets\"",
            who: Who::Member,
            allowed: UNKNOWN,
            ok: "ok: IETF WG state changed to Proposal; registered as proposal-1",
            step: Move {
                draft: "proposal-1",
                from: None,
                to: "proposal",
                then: proposal_told_to_chairs,
            },
            refused: Never("a proposal is always new: (new) → proposal is open to every member"),
        },
        Case {
            name: "candidate",
            line: "candidate draft-ietf-wg-widgets",
            who: Who::Chair,
            allowed: UNKNOWN,
            ok: "ok: IETF WG state changed to Candidate for WG Adoption",
            step: Move {
                draft: DRAFT,
                from: None,
                to: "candidate",
                then: nothing_follows,
            },
            refused: In(
                at("wg-doc"),
                "cannot move from wg-doc to candidate; allowed next states: wg-review, wglc, writeup, parked, dead, held",
            ),
        },
        Case {
            name: "adoption start",
            line: "adoption start draft-ietf-wg-widgets-00",
            who: Who::Chair,
            allowed: at("candidate"),
            ok: "ok: IETF WG state changed to Call For Adoption By WG Issued from Candidate for WG Adoption; announced to the list: Call for adoption: draft-ietf-wg-widgets-00 (Ends 2026-12-12)",
            step: Move {
                draft: DRAFT,
                from: Some("candidate"),
                to: "cfa",
                then: adoption_call_opened,
            },
            refused: In(
                at("wg-doc"),
                "cannot move from wg-doc to cfa; allowed next states: wg-review, wglc, writeup, parked, dead, held",
            ),
        },
        Case {
            name: "adoption close",
            line: "adoption close draft-ietf-wg-widgets reason \"the authors asked to end it\"",
            who: Who::Chair,
            allowed: in_call("cfa", "adoption"),
            ok: "ok: the adoption call on draft-ietf-wg-widgets is closed; the result goes to the list",
            // No replies: the call did not pass, and the draft goes back to candidate.
            step: Close {
                from: "cfa",
                to: "candidate",
            },
            refused: In(
                at("candidate"),
                "draft-ietf-wg-widgets has no open adoption call",
            ),
        },
        Case {
            name: "adoption extend",
            line: "adoption extend draft-ietf-wg-widgets to 2026-12-20",
            who: Who::Chair,
            allowed: in_call("cfa", "adoption"),
            ok: "ok: the adoption call on draft-ietf-wg-widgets now ends 2026-12-20; the list is told",
            step: Extend,
            refused: In(
                at("candidate"),
                "draft-ietf-wg-widgets has no open adoption call",
            ),
        },
        Case {
            name: "adoption cancel",
            line: "adoption cancel draft-ietf-wg-widgets reason \"the authors withdrew the draft\"",
            who: Who::Chair,
            allowed: in_call("cfa", "adoption"),
            ok: "ok: the adoption call on draft-ietf-wg-widgets is withdrawn without a result; the list is told",
            step: Cancel {
                from: "cfa",
                to: "candidate",
            },
            refused: In(
                at("candidate"),
                "draft-ietf-wg-widgets has no open adoption call",
            ),
        },
        Case {
            name: "review start",
            line: "review start draft-ietf-wg-widgets reviewers 2",
            who: Who::Chair,
            allowed: at("wg-doc"),
            ok: "ok: IETF WG state changed to Awaiting Reviews from WG Document; reviewers: r1@example.org, r2@example.org",
            step: Move {
                draft: DRAFT,
                from: Some("wg-doc"),
                to: "wg-review",
                then: review_round_posted,
            },
            refused: In(
                at("candidate"),
                "cannot move from candidate to wg-review; allowed next states: cfa",
            ),
        },
        Case {
            name: "wglc start",
            line: "wglc start draft-ietf-wg-widgets-03",
            who: Who::Chair,
            allowed: at("wg-doc"),
            ok: "ok: IETF WG state changed to In WG Last Call from WG Document; announced to the list: WG Last Call: draft-ietf-wg-widgets-03 (Ends 2026-12-12)",
            step: Move {
                draft: DRAFT,
                from: Some("wg-doc"),
                to: "wglc",
                then: wglc_opened,
            },
            refused: In(
                at("candidate"),
                "cannot move from candidate to wglc; allowed next states: cfa",
            ),
        },
        Case {
            name: "wglc close",
            line: "wglc close draft-ietf-wg-widgets",
            // Its end has passed, so no reason is needed.
            who: Who::Chair,
            allowed: after_end("wglc", "wglc"),
            ok: "ok: the WG last call on draft-ietf-wg-widgets is closed; the result goes to the list",
            step: Close {
                from: "wglc",
                to: "wg-doc",
            },
            refused: In(
                at("wg-doc"),
                "draft-ietf-wg-widgets has no open WG last call",
            ),
        },
        Case {
            name: "wglc cancel",
            line: "wglc cancel draft-ietf-wg-widgets the call named the wrong revision",
            who: Who::Chair,
            allowed: in_call("wglc", "wglc"),
            ok: "ok: the WG last call on draft-ietf-wg-widgets is withdrawn without a result; the list is told",
            step: Cancel {
                from: "wglc",
                to: "wg-doc",
            },
            refused: In(
                at("wg-doc"),
                "draft-ietf-wg-widgets has no open WG last call",
            ),
        },
        Case {
            name: "wglc extend",
            line: "wglc extend draft-ietf-wg-widgets to 2026-12-20",
            who: Who::Chair,
            allowed: in_call("wglc", "wglc"),
            ok: "ok: the WG last call on draft-ietf-wg-widgets now ends 2026-12-20; the list is told",
            step: Extend,
            refused: In(
                at("wg-doc"),
                "draft-ietf-wg-widgets has no open WG last call",
            ),
        },
        Case {
            name: "consensus",
            line: "consensus draft-ietf-wg-widgets reached reason \"No objection survived the last call.\"",
            who: Who::Chair,
            allowed: at("chair-goahead"),
            ok: "ok: IETF WG state changed to WG Consensus: Waiting for Write-Up from Waiting for WG Chair Go-Ahead; announced to the list",
            step: Move {
                draft: DRAFT,
                from: Some("chair-goahead"),
                to: "writeup",
                then: consensus_told_to_list,
            },
            refused: In(
                at("wg-doc"),
                "draft-ietf-wg-widgets is in wg-doc, where there is no consensus to call",
            ),
        },
        Case {
            name: "state",
            line: "state draft-ietf-wg-widgets parked",
            who: Who::ChairOrIesg,
            allowed: at("wg-doc"),
            ok: "ok: IETF WG state changed to Parked WG Document from WG Document",
            step: Move {
                draft: DRAFT,
                from: Some("wg-doc"),
                to: "parked",
                then: nothing_follows,
            },
            refused: In(
                at("candidate"),
                "cannot move from candidate to parked; allowed next states: cfa",
            ),
        },
        Case {
            name: "pubreq",
            line: "pubreq draft-ietf-wg-widgets status ps",
            who: Who::Chair,
            allowed: at("writeup"),
            ok: "ok: IETF WG state changed to Submitted to IESG for Publication from WG Consensus: Waiting for Write-Up",
            step: Move {
                draft: DRAFT,
                from: Some("writeup"),
                to: "submitted",
                then: publication_requested,
            },
            refused: In(
                at("wg-doc"),
                "cannot move from wg-doc to submitted; allowed next states: wg-review, wglc, writeup, parked, dead, held",
            ),
        },
        Case {
            name: "ietf-lc start",
            line: "ietf-lc start draft-ietf-wg-widgets-05",
            who: Who::Iesg,
            allowed: at("submitted"),
            ok: "ok: IESG state changed to In Last Call from Submitted to IESG for Publication; announced to the list: Last Call: <draft-ietf-wg-widgets-05.txt> (draft-ietf-wg-widgets) to Proposed Standard",
            step: Move {
                draft: DRAFT,
                from: Some("submitted"),
                to: "ietf-lc",
                then: ietf_lc_opened,
            },
            refused: In(
                at("writeup"),
                "cannot move from writeup to ietf-lc; allowed next states: none",
            ),
        },
        Case {
            name: "ietf-lc close",
            line: "ietf-lc close draft-ietf-wg-widgets",
            who: Who::Iesg,
            allowed: after_end("ietf-lc", "ietf-lc"),
            ok: "ok: the IETF last call on draft-ietf-wg-widgets is closed; the result goes to the list",
            step: Close {
                from: "ietf-lc",
                to: "iesg-eval",
            },
            refused: In(
                at("submitted"),
                "draft-ietf-wg-widgets has no open IETF last call",
            ),
        },
        Case {
            name: "ietf-lc extend",
            line: "ietf-lc extend draft-ietf-wg-widgets to 2026-12-20",
            who: Who::Iesg,
            allowed: in_call("ietf-lc", "ietf-lc"),
            ok: "ok: the IETF last call on draft-ietf-wg-widgets now ends 2026-12-20; the list is told",
            step: Extend,
            refused: In(
                at("submitted"),
                "draft-ietf-wg-widgets has no open IETF last call",
            ),
        },
        Case {
            name: "ballot",
            line: "ballot draft-ietf-wg-widgets no-objection",
            who: Who::Iesg,
            allowed: at("iesg-eval"),
            ok: "ok: ballot position No Objection recorded for ad@ietf.test; ballot: 1 of 1 needed positions, no DISCUSS: enough to approve; the chairs and the list are told",
            step: Expect::Ballot {
                position: "no-objection",
                state: "iesg-eval",
                then: ballot_told_to_list,
            },
            refused: In(
                at("submitted"),
                "draft-ietf-wg-widgets is in submitted; the IESG ballots on a document in IETF Last Call or IESG Evaluation",
            ),
        },
        Case {
            name: "approve",
            line: "approve draft-ietf-wg-widgets",
            who: Who::Iesg,
            allowed: balloted("iesg-eval", "yes"),
            ok: "ok: IESG state changed to Approved-announcement sent from IESG Evaluation",
            step: Move {
                draft: DRAFT,
                from: Some("iesg-eval"),
                to: "approved",
                then: approval_announced,
            },
            refused: In(
                at("submitted"),
                "cannot move from submitted to approved; allowed next states: ietf-lc, wg-doc",
            ),
        },
        Case {
            name: "published",
            line: "published draft-ietf-wg-widgets rfc 9999",
            who: Who::Iesg,
            allowed: at("approved"),
            ok: "ok: IESG state changed to RFC Ed Queue from Approved-announcement sent\nok: IESG state changed to RFC Published from RFC Ed Queue",
            step: Move {
                draft: DRAFT,
                from: Some("approved"),
                to: "rfc-ed-queue",
                then: published_through_the_queue,
            },
            refused: In(
                at("iesg-eval"),
                "cannot move from iesg-eval to rfc-ed-queue; allowed next states: approved, wg-doc",
            ),
        },
        Case {
            name: "replaces",
            line: "replaces draft-ietf-wg-gadgets-00 draft-ietf-wg-widgets",
            who: Who::Chair,
            allowed: at("adopted"),
            ok: "ok: draft-ietf-wg-widgets: IETF WG state changed to Replaced from Adopted by a WG\n\
                 ok: draft-ietf-wg-gadgets: IETF WG state changed to WG Document (replaces draft-ietf-wg-widgets)",
            step: Move {
                draft: DRAFT,
                from: Some("adopted"),
                to: "replaced",
                then: gadgets_take_over,
            },
            refused: In(
                in_call("wglc", "wglc"),
                "draft-ietf-wg-widgets has an open call; close it first (its result moves the draft)",
            ),
        },
        Case {
            name: "proposal-N",
            line: "proposal-1 is draft-ietf-wg-widgets-00",
            who: Who::Chair,
            allowed: proposal_at("proposal", None),
            ok: "ok: proposal-1: IETF WG state changed to Replaced from Proposal\n\
                 ok: draft-ietf-wg-widgets: IETF WG state changed to Candidate for WG Adoption (replaces proposal-1)",
            step: Move {
                draft: PROPOSAL,
                from: Some("proposal"),
                to: "replaced",
                then: proposal_becomes_the_draft,
            },
            refused: In(
                proposal_at("proposal", Some("candidate")),
                "draft-ietf-wg-widgets is already registered (candidate); a replacement takes a name not registered yet",
            ),
        },
        Case {
            name: "status",
            line: "status draft-ietf-wg-widgets",
            who: Who::Anyone,
            allowed: at("wg-doc"),
            ok: "draft-ietf-wg-widgets: WG Document (stage 2)",
            step: Answer,
            refused: In(
                UNKNOWN,
                "draft-ietf-wg-widgets is not a draft of wg@example.org",
            ),
        },
        Case {
            name: "tally",
            line: "tally draft-ietf-wg-widgets",
            who: Who::Anyone,
            allowed: in_call("wglc", "wglc"),
            ok: "draft-ietf-wg-widgets: WG last call, ends 2026-12-01",
            step: Answer,
            refused: In(
                UNKNOWN,
                "draft-ietf-wg-widgets is not a draft of wg@example.org",
            ),
        },
        Case {
            name: "history",
            line: "history draft-ietf-wg-widgets",
            who: Who::Anyone,
            allowed: at("wg-doc"),
            ok: "draft-ietf-wg-widgets: wg-doc\n  2026-11-27 (new) → wg-doc by chair@example.org",
            step: Answer,
            refused: In(
                UNKNOWN,
                "draft-ietf-wg-widgets is not a draft of wg@example.org",
            ),
        },
        Case {
            name: "calls",
            line: "calls",
            who: Who::Anyone,
            allowed: in_call("wglc", "wglc"),
            ok: "draft-ietf-wg-widgets-02: WG Last Call, ends 2026-12-01",
            step: Answer,
            refused: Never("calls names no draft and answers even when no call is open"),
        },
        Case {
            name: "help",
            line: "help",
            who: Who::Anyone,
            allowed: UNKNOWN,
            ok: "Commands, one per line (stop at \"end\"):\n  propose \"TITLE\"",
            step: Answer,
            refused: Never("help names no draft"),
        },
    ]
}

fn case_for(row: &Row) -> Case {
    cases()
        .into_iter()
        .find(|c| c.name == row.name)
        .unwrap_or_else(|| {
            panic!(
                "no test case for the command `{}`: add one to cases()",
                row.name
            )
        })
}

// What follows a move, per command.

fn nothing_follows(then: &[Action]) {
    assert!(then.is_empty(), "{then:#?}");
}

fn proposal_told_to_chairs(then: &[Action]) {
    let meta = then.iter().find_map(|a| match a {
        Action::DraftMeta(m) => Some(m),
        _ => None,
    });
    let meta = meta.expect("the proposal's title is recorded");
    assert_eq!(meta.draft, "proposal-1");
    assert_eq!(meta.title.as_deref(), Some("Better widgets"));
    let flat = all(then);
    assert_eq!(subjects_to(&flat, CHAIR), ["Proposal: Better widgets"]);
    assert!(
        subjects_to(&flat, MEMBER).is_empty(),
        "a member's proposal goes to the chairs, not the list"
    );
}

/// A call opened: the tag the last call of its kind left is cleared, the call row is opened
/// with its deadline, and its announcement is posted to the list as the call's anchor.
fn call_opened(then: &[Action], kind: &str, rev: i64, ends_at: Timestamp, subject: &str) {
    let call = then.iter().find_map(|a| match a {
        Action::CallOpen(c) => Some(c),
        _ => None,
    });
    let call = call.expect("a call opens");
    assert_eq!(
        (call.draft.as_str(), call_kind(call), call.rev, call.ends_at),
        (DRAFT, kind.to_owned(), Some(rev), ends_at)
    );
    assert!(call_is_open(call));
    assert_eq!(call.subject, subject);
    let flat = all(then);
    let posted = delivered(&flat);
    assert_eq!(posted, [(subject.to_owned(), call.anchor.clone())]);
}

fn tag_removed(then: &[Action], tag: &str) {
    assert!(
        then.iter().any(|a| matches!(a, Action::DraftMeta(m)
            if m.draft == DRAFT && m.remove_tags.iter().map(|t| t.slug()).eq([tag]))),
        "{tag} is cleared: {then:#?}"
    );
}

fn adoption_call_opened(then: &[Action]) {
    let subject = "Call for adoption: draft-ietf-wg-widgets-00 (Ends 2026-12-12)";
    call_opened(then, "adoption", 0, TWO_WEEKS, subject);
    tag_removed(then, "no-adopt");
}

fn wglc_opened(then: &[Action]) {
    let subject = "WG Last Call: draft-ietf-wg-widgets-03 (Ends 2026-12-12)";
    call_opened(then, "wglc", 3, TWO_WEEKS, subject);
    tag_removed(then, "rev-wglc");
}

fn ietf_lc_opened(then: &[Action]) {
    let subject =
        "Last Call: <draft-ietf-wg-widgets-05.txt> (draft-ietf-wg-widgets) to Proposed Standard";
    // Never adopted by a WG (its only event is `submitted`): 28 days.
    call_opened(then, "ietf-lc", 5, FOUR_WEEKS, subject);
    assert!(
        !then.iter().any(|a| matches!(a, Action::DraftMeta(_))),
        "an IETF last call clears no tag"
    );
    assert_eq!(subjects_to(&all(then), ANNOUNCE_LIST), [subject]);
}

fn review_round_posted(then: &[Action]) {
    let assign = then.iter().find_map(|a| match a {
        Action::ReviewAssign {
            draft, reviewers, ..
        } => Some((draft, reviewers)),
        _ => None,
    });
    let (draft, reviewers) = assign.expect("reviewers are assigned");
    assert_eq!(draft, DRAFT);
    assert_eq!(reviewers, &REVIEWERS);
    let flat = all(then);
    let posted = delivered(&flat);
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].0, "Review round: draft-ietf-wg-widgets");
    // Neither reviewer is a member: both get their own copy.
    for r in REVIEWERS {
        assert_eq!(
            subjects_to(&flat, r),
            ["Review round: draft-ietf-wg-widgets"]
        );
    }
}

/// A workflow announcement as the spec wants it: one post of the list (through [`deliver`])
/// with `subject`, one copy to each member and one to the chair (who is not a member). Returns the
/// Message-ID it threads under, if any.
fn told_the_list(flat: &[&Action], subject: &str) -> Option<String> {
    let posts: Vec<_> = delivered(flat)
        .into_iter()
        .filter(|(s, _)| s == subject)
        .collect();
    assert_eq!(posts.len(), 1, "one post {subject:?}: {flat:#?}");
    for who in [MEMBER, "bob@example.org", CHAIR] {
        assert_eq!(subjects_to(flat, who), [subject], "{who} gets one copy");
    }
    flat.iter().find_map(|a| match a {
        Action::Post { archive, .. } if archive.subject == subject => {
            archive.in_reply_to.first().cloned()
        }
        _ => None,
    })
}

fn consensus_told_to_list(then: &[Action]) {
    let flat = all(then);
    told_the_list(&flat, "Consensus on draft-ietf-wg-widgets: reached");
    for m in [MEMBER, "bob@example.org"] {
        assert_eq!(
            subjects_to(&flat, m),
            ["Consensus on draft-ietf-wg-widgets: reached"]
        );
    }
    let body = jobs(&flat).iter().map(|j| read_job(j).1).next().unwrap();
    assert!(
        body.contains("Reason:\nNo objection survived the last call."),
        "{body}"
    );
}

fn publication_requested(then: &[Action]) {
    assert!(
        then.iter().any(|a| matches!(a, Action::DraftMeta(m)
            if m.draft == DRAFT && m.intended_status.as_deref() == Some("ps"))),
        "the intended status is recorded: {then:#?}"
    );
    let subject = "Publication requested: draft-ietf-wg-widgets as Proposed Standard";
    let flat = all(then);
    // The IESG's own mail, and the WG's news on its list.
    assert_eq!(subjects_to(&flat, IESG), [subject]);
    told_the_list(&flat, subject);
}

/// The ballot became approvable: the list, its chairs and the IESG are told once each.
fn ballot_told_to_list(then: &[Action]) {
    let flat = all(then);
    let subject = "IESG ballot on draft-ietf-wg-widgets: enough positions to approve";
    for who in [MEMBER, "bob@example.org", CHAIR, IESG] {
        assert_eq!(subjects_to(&flat, who), [subject], "{who}");
    }
    let body = jobs(&flat).iter().map(|j| read_job(j).1).next().unwrap();
    assert!(
        body.contains("  ad@ietf.test: No Objection (2026-11-28)\n  1 of 1 needed positions"),
        "{body}"
    );
}

fn approval_announced(then: &[Action]) {
    let subject =
        "Protocol Action: 'draft-ietf-wg-widgets' to Proposed Standard (draft-ietf-wg-widgets.txt)";
    let flat = all(then);
    assert_eq!(subjects_to(&flat, ANNOUNCE_LIST), [subject]);
    told_the_list(&flat, subject);
}

fn published_through_the_queue(then: &[Action]) {
    let [Action::DraftMove { m, then: inner }] = then else {
        panic!("one move on, to published: {then:#?}");
    };
    assert_eq!(
        move_ends(m),
        (Some("rfc-ed-queue".into()), "published".into())
    );
    assert!(
        inner
            .iter()
            .any(|a| matches!(a, Action::DraftMeta(d) if d.rfc == Some(9999))),
        "the RFC number is recorded: {inner:#?}"
    );
    let flat = all(inner);
    let subject = "RFC 9999 on draft-ietf-wg-widgets";
    assert_eq!(subjects_to(&flat, ANNOUNCE_LIST), [subject]);
    told_the_list(&flat, subject);
}

/// What follows a replacement's first move: the old name links to the new one, then the new
/// name is registered in `to` with the link back (and the old name's title, if `title`).
fn took_over(then: &[Action], old: &str, new: &str, rev: i64, to: &str, title: Option<&str>) {
    let [
        Action::DraftMeta(link),
        Action::DraftMove { m, then: inner },
    ] = then
    else {
        panic!("the link, then the new name: {then:#?}");
    };
    assert_eq!(
        (link.draft.as_str(), link.replaced_by.as_deref()),
        (old, Some(new))
    );
    assert_eq!((m.draft.as_str(), m.rev), (new, Some(rev)));
    assert_eq!(move_ends(m), (None, to.to_owned()));
    assert_eq!(m.why, format!("Replaces {old}"));
    let [Action::DraftMeta(back)] = &inner[..] else {
        panic!("the link back: {inner:#?}");
    };
    assert_eq!(
        (back.draft.as_str(), back.replaces.as_deref()),
        (new, Some(old))
    );
    assert_eq!(back.title.as_deref(), title);
}

fn gadgets_take_over(then: &[Action]) {
    took_over(then, DRAFT, "draft-ietf-wg-gadgets", 0, "wg-doc", None);
}

fn proposal_becomes_the_draft(then: &[Action]) {
    took_over(
        then,
        PROPOSAL,
        DRAFT,
        0,
        "candidate",
        Some("Better widgets"),
    );
}

/// The one `Guarded` a confirmation returns, for [`TOKEN`]: what it runs.
fn guarded(actions: &[Action]) -> &[Action] {
    let [
        Action::Guarded {
            token,
            then,
            otherwise,
        },
    ] = actions
    else {
        panic!("one guarded action: {actions:#?}");
    };
    assert_eq!(token, TOKEN);
    assert!(otherwise.is_empty());
    then
}

/// Checks the step the confirmed command returned (the first action it runs).
fn check_step(case: &Case, sender: &str, then: &[Action]) {
    let step = then.first().expect("a step");
    match case.step {
        Expect::Move {
            draft,
            from,
            to,
            then: check_then,
        } => {
            let Action::DraftMove { m, then: follows } = step else {
                panic!("{}: a move, not {step:#?}", case.name);
            };
            assert_eq!(m.draft, draft, "{}", case.name);
            assert_eq!(
                move_ends(m),
                (from.map(str::to_owned), to.to_owned()),
                "{}",
                case.name
            );
            assert_eq!(m.list, LIST);
            assert_eq!(m.actor, sender, "{}: the confirmer acts", case.name);
            assert_eq!(m.message_id, COMMAND_ID, "{}", case.name);
            assert!(!m.forced, "{}", case.name);
            check_then(follows);
        }
        Expect::Close { from, to } => {
            let Action::CallClose {
                id,
                expect_ends_at,
                then: follows,
            } = step
            else {
                panic!("{}: a close, not {step:#?}", case.name);
            };
            assert_eq!(
                (*id, *expect_ends_at),
                (CALL_ID, ends_of(case.allowed)),
                "{}",
                case.name
            );
            let moves: Vec<_> = follows
                .iter()
                .filter_map(|a| match a {
                    Action::DraftMove { m, .. } => Some(move_ends(m)),
                    _ => None,
                })
                .collect();
            assert_eq!(
                moves,
                [(Some(from.to_owned()), to.to_owned())],
                "{}",
                case.name
            );
            let flat = all(follows);
            let result = subjects_to(&flat, MEMBER)
                .into_iter()
                .find(|s| s.starts_with("Result: "))
                .unwrap_or_else(|| panic!("{}: the result goes to the list", case.name));
            assert_eq!(
                told_the_list(&flat, &result).as_deref(),
                Some("call-7@example.org"),
                "{}: the result threads under the call",
                case.name
            );
        }
        Expect::Cancel { from, to } => {
            let Action::CallCancel {
                id,
                expect_ends_at,
                then: follows,
            } = step
            else {
                panic!("{}: a cancel, not {step:#?}", case.name);
            };
            assert_eq!(
                (*id, *expect_ends_at),
                (CALL_ID, CALL_ENDS),
                "{}",
                case.name
            );
            let moves: Vec<_> = follows
                .iter()
                .filter_map(|a| match a {
                    Action::DraftMove { m, then } => {
                        assert!(then.is_empty(), "{}: no tag on a withdrawal", case.name);
                        Some(move_ends(m))
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(
                moves,
                [(Some(from.to_owned()), to.to_owned())],
                "{}",
                case.name
            );
            let subjects = subjects_to(&all(follows), MEMBER);
            assert!(
                subjects.iter().any(|s| s.starts_with("Withdrawn: ")),
                "{}: the list is told: {subjects:?}",
                case.name
            );
            assert!(
                !subjects.iter().any(|s| s.starts_with("Result: ")),
                "{}: no result",
                case.name
            );
        }
        Expect::Extend => {
            let Action::CallExtend {
                id,
                expect_ends_at,
                ends_at,
                then: follows,
                otherwise,
            } = step
            else {
                panic!("{}: an extension, not {step:#?}", case.name);
            };
            assert_eq!(
                (*id, *expect_ends_at, *ends_at),
                (CALL_ID, CALL_ENDS, EXTENDED_TO),
                "{}",
                case.name
            );
            let flat = all(follows);
            let extended = subjects_to(&flat, MEMBER)
                .into_iter()
                .find(|s| s.starts_with("Extended: "))
                .unwrap_or_else(|| panic!("{}: the list is told", case.name));
            assert_eq!(
                told_the_list(&flat, &extended).as_deref(),
                Some("call-7@example.org"),
                "{}: the extension threads under the call",
                case.name
            );
            assert_eq!(subjects_to(&all(otherwise), sender).len(), 1);
        }
        Expect::Ballot {
            position,
            state,
            then: check_then,
        } => {
            let Action::Ballot {
                row,
                expect,
                then: follows,
            } = step
            else {
                panic!("{}: a ballot, not {step:#?}", case.name);
            };
            assert_eq!(
                (row.list.as_str(), row.draft.as_str(), row.ad.as_str()),
                (LIST, DRAFT, sender),
                "{}",
                case.name
            );
            assert_eq!(row.position, position.parse::<BallotPosition>().unwrap());
            assert_eq!(expect.slug(), state);
            assert_eq!(row.message_id, COMMAND_ID, "{}", case.name);
            assert_eq!(row.at, NOW);
            check_then(follows);
        }
        Expect::Answer => unreachable!("read-only commands are not confirmed"),
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn every_row_has_a_case_and_every_case_a_row() {
    for row in COMMANDS {
        let case = case_for(row);
        assert_eq!(case.who, row.who, "{}: who may send it", row.name);
        let lines = super::table::parse("", case.line);
        assert_eq!(lines.len(), 1, "{}: one command", row.name);
        lines[0].result.as_ref().expect("the sample parses");
        assert_eq!(lines[0].name, row.name);
        assert_eq!(lines[0].text, case.echo());
        assert_eq!(
            matches!(case.step, Expect::Answer),
            !row.changes(),
            "{}: read-only commands answer, the others step",
            row.name
        );
    }
    for case in cases() {
        assert!(
            COMMANDS.iter().any(|r| r.name == case.name),
            "a case for `{}`, which the table no longer has",
            case.name
        );
    }
}

#[test]
fn authorised_senders_get_a_confirmation_request_or_the_answer() {
    let fx = fixture();
    let mut checked = 0;
    for row in COMMANDS {
        let case = case_for(row);
        for sender in PERSONAS.into_iter().filter(|p| may_send(row.who, p)) {
            let what = format!("{} from {sender}", row.name);
            let fake = case.allowed.lookup();
            let actions = fx.handle(&fake, sender, case.line);
            let text = result_text(&actions, sender);
            let flat = all(&actions);
            assert!(
                !flat.iter().any(|a| matches!(a, Action::DraftMove { .. })),
                "{what}: nothing moves before the confirmation"
            );
            // The IESG may send `state`, but a WG-side move is the chairs': refused at once.
            if row.name == "state" && sender == IESG {
                assert!(text.contains("error: "), "{what}: {text}");
                assert!(
                    !flat.iter().any(|a| matches!(a, Action::TokenCreate(_))),
                    "{what}: nothing to confirm"
                );
                continue;
            }
            match row.run {
                Run::Changes(_) => {
                    let tokens: Vec<&TokenRow> = flat
                        .iter()
                        .filter_map(|a| match a {
                            Action::TokenCreate(t) => Some(t),
                            _ => None,
                        })
                        .collect();
                    let [t] = tokens[..] else {
                        panic!("{what}: one token, not {tokens:#?}");
                    };
                    assert_eq!(
                        (t.list.as_str(), t.address.as_str(), token_action(t)),
                        (LIST, sender, "chair".to_owned()),
                        "{what}"
                    );
                    assert_eq!(t.expires_at, NOW + fx.site.tokens.ttl as i64);
                    assert!(t.used_at.is_none());
                    let kept = flat.iter().find_map(|a| match a {
                        Action::PendingCommand {
                            token,
                            body,
                            message_id,
                            ..
                        } => Some((token, body, message_id)),
                        _ => None,
                    });
                    let (token, body, message_id) = kept.expect("the commands are kept");
                    assert_eq!(token, &t.token, "{what}");
                    let body = body.replace("\r\n", "\n");
                    assert!(body.contains(case.line), "{what}: {body}");
                    assert_eq!(message_id, MAIL_ID);
                    let wanted = format!(
                        "> {}\npending confirmation (reply to wg-confirm+{}@example.org from {sender})",
                        case.echo(),
                        t.token
                    );
                    assert!(text.contains(&wanted), "{what}: {text}");
                    assert_eq!(
                        subjects_to(&flat, sender),
                        [
                            format!("confirm {}", t.token),
                            format!("Results of your commands to {CHAIRS_ADDRESS}")
                        ],
                        "{what}: the confirmation goes to the sender only"
                    );
                }
                Run::Reads(_) => {
                    assert!(
                        !flat.iter().any(|a| changes_something(a)),
                        "{what}: reading changes nothing"
                    );
                    let wanted = format!("> {}\n{}", case.echo(), case.ok);
                    assert!(text.contains(&wanted), "{what}: {text}");
                }
            }
            assert!(!text.contains("error:"), "{what}: {text}");
            checked += 1;
        }
    }
    assert!(checked >= COMMANDS.len());
}

#[test]
fn unauthorised_senders_are_refused_and_nothing_changes() {
    let fx = fixture();
    for row in COMMANDS {
        let case = case_for(row);
        let refused: Vec<&str> = PERSONAS
            .into_iter()
            .filter(|p| !may_send(row.who, p))
            .collect();
        // Every command someone may not send is tried by everyone who may not.
        assert_eq!(refused.is_empty(), row.who == Who::Anyone, "{}", row.name);
        for sender in refused {
            let what = format!("{} from {sender}", row.name);
            let actions = fx.handle(&case.allowed.lookup(), sender, case.line);
            let flat = all(&actions);
            assert!(
                !flat.iter().any(|a| changes_something(a)),
                "{what}: no token, no move: {actions:#?}"
            );
            let text = result_text(&actions, sender);
            let wanted = format!("> {}\nerror: {}", case.echo(), refusal_text(row.who));
            assert!(text.contains(&wanted), "{what}: {text}");
            assert!(!text.contains("pending confirmation"), "{what}: {text}");
        }
    }
}

#[test]
fn confirmed_allowed_commands_yield_their_step() {
    let fx = fixture();
    for row in COMMANDS.iter().filter(|r| r.changes()) {
        let case = case_for(row);
        let sender = sender_for(row.who);
        let fake = case.allowed.lookup().with_pending(sender, case.line);
        let actions = fx.confirm(&fake, sender);
        let then = guarded(&actions);
        check_step(&case, sender, then);
        let text = result_text(&actions, sender);
        let wanted = format!("> {}\n{}", case.echo(), case.ok);
        assert!(text.contains(&wanted), "{}: {text}", row.name);
        assert!(!text.contains("error:"), "{}: {text}", row.name);
    }
}

#[test]
fn refused_moves_yield_the_refusal_and_no_change() {
    let fx = fixture();
    let mut never = Vec::new();
    for row in COMMANDS {
        let case = case_for(row);
        let (setup, why) = match case.refused {
            Refused::In(setup, why) => (setup, why),
            Refused::Never(reason) => {
                assert!(!reason.is_empty(), "{}: say why", row.name);
                never.push(row.name);
                continue;
            }
        };
        let sender = sender_for(row.who);
        let actions = match row.run {
            Run::Changes(_) => {
                let fake = setup.lookup().with_pending(sender, case.line);
                let actions = fx.confirm(&fake, sender);
                // The token is still used up: the commands ran, one was refused.
                guarded(&actions);
                actions
            }
            Run::Reads(_) => fx.handle(&setup.lookup(), sender, case.line),
        };
        let flat = all(&actions);
        assert!(
            !flat.iter().any(|a| changes_something(a)),
            "{}: a refused move changes nothing: {actions:#?}",
            row.name
        );
        assert!(
            delivered(&flat).is_empty(),
            "{}: nothing is posted",
            row.name
        );
        let text = result_text(&actions, sender);
        let wanted = format!("> {}\nerror: {why}", case.echo());
        assert!(text.contains(&wanted), "{}: {text}", row.name);
        // And the same refusal comes at once, before any confirmation is asked.
        if let Run::Changes(_) = row.run {
            let actions = fx.handle(&setup.lookup(), sender, case.line);
            let flat = all(&actions);
            assert!(
                !flat
                    .iter()
                    .any(|a| matches!(a, Action::TokenCreate(_) | Action::PendingCommand { .. })),
                "{}: a refused move asks no confirmation: {actions:#?}",
                row.name
            );
            let text = result_text(&actions, sender);
            assert!(text.contains(&wanted), "{}: at once: {text}", row.name);
        }
    }
    assert_eq!(
        never,
        ["propose", "calls", "help"],
        "only these cannot be refused"
    );
}

#[test]
fn a_confirmation_checks_authority_again() {
    // A chair or IESG member removed from the config between the command and its confirmation
    // (or a token kept for someone who was never one) runs nothing.
    let fx = fixture();
    for row in COMMANDS.iter().filter(|r| r.changes()) {
        let case = case_for(row);
        for sender in PERSONAS.into_iter().filter(|p| !may_send(row.who, p)) {
            let what = format!("{} confirmed by {sender}", row.name);
            let fake = case.allowed.lookup().with_pending(sender, case.line);
            let actions = fx.confirm(&fake, sender);
            let then = guarded(&actions);
            assert!(
                !all(then).iter().any(|a| changes_something(a)),
                "{what}: {then:#?}"
            );
            let text = result_text(&actions, sender);
            let wanted = format!("> {}\nerror: {}", case.echo(), refusal_text(row.who));
            assert!(text.contains(&wanted), "{what}: {text}");
        }
    }
}

#[test]
fn an_iesg_member_moves_a_draft_by_the_iesg_rows_only() {
    let fx = fixture();
    // Returning a document to the WG is the IESG's move.
    let line = "state draft-ietf-wg-widgets wg-doc reason \"needs work\"";
    let fake = at("submitted").lookup().with_pending(IESG, line);
    let actions = fx.confirm(&fake, IESG);
    let [Action::DraftMove { m, .. }, ..] = guarded(&actions) else {
        panic!("a move: {actions:#?}");
    };
    assert_eq!(move_ends(m), (Some("submitted".into()), "wg-doc".into()));
    assert_eq!((m.actor.as_str(), m.why.as_str()), (IESG, "needs work"));
    // A chair's move is not the IESG's.
    let line = "state draft-ietf-wg-widgets parked";
    let fake = at("wg-doc").lookup().with_pending(IESG, line);
    let actions = fx.confirm(&fake, IESG);
    assert!(!all(&actions).iter().any(|a| changes_something(a)));
    let text = result_text(&actions, IESG);
    let wanted =
        format!("> {line}\nerror: cannot move from wg-doc to parked; allowed next states: none");
    assert!(text.contains(&wanted), "{text}");
    // And the chairs may not make the IESG's.
    let line = "state draft-ietf-wg-widgets wg-doc";
    let fake = at("submitted").lookup().with_pending(CHAIR, line);
    let actions = fx.confirm(&fake, CHAIR);
    assert!(!all(&actions).iter().any(|a| changes_something(a)));
    let text = result_text(&actions, CHAIR);
    assert!(
        text.contains("error: cannot move from submitted to wg-doc; allowed next states: none"),
        "{text}"
    );
}

#[test]
fn a_forced_move_is_marked_and_needs_a_chair() {
    let fx = fixture();
    let line = "state draft-ietf-wg-widgets writeup force reason \"the WG agreed at IETF 125\"";
    let fake = at("candidate").lookup().with_pending(CHAIR, line);
    let actions = fx.confirm(&fake, CHAIR);
    let Some(Action::DraftMove { m, .. }) = guarded(&actions).first() else {
        panic!("a move: {actions:#?}");
    };
    assert!(m.forced);
    assert_eq!(move_ends(m), (Some("candidate".into()), "writeup".into()));
    assert_eq!(m.why, "the WG agreed at IETF 125");
}

#[test]
fn commands_of_one_message_see_each_others_moves() {
    let fx = fixture();
    let body = "candidate draft-ietf-wg-widgets\n\
                adoption start draft-ietf-wg-widgets-00\n\
                adoption close draft-ietf-wg-widgets\n\
                approve draft-ietf-wg-widgets\n\
                status draft-ietf-wg-widgets";
    let fake = UNKNOWN.lookup().with_pending(CHAIR, body);
    let actions = fx.confirm(&fake, CHAIR);
    let then = guarded(&actions);
    let moves: Vec<_> = then
        .iter()
        .filter_map(|a| match a {
            Action::DraftMove { m, .. } => Some(move_ends(m)),
            _ => None,
        })
        .collect();
    assert_eq!(
        moves,
        [
            (None, "candidate".to_owned()),
            (Some("candidate".to_owned()), "cfa".to_owned()),
        ]
    );
    let text = result_text(&actions, CHAIR);
    assert!(
        text.contains(
            "> adoption close draft-ietf-wg-widgets\nerror: the adoption call on draft-ietf-wg-widgets \
             opens with this same message; close it in a later one"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "> approve draft-ietf-wg-widgets\nerror: {}",
            refusal_text(Who::Iesg)
        )),
        "{text}"
    );
    // Read-only commands are answered when sent, not when confirmed.
    assert!(!text.contains("> status"), "{text}");
}

#[test]
fn closing_a_call_whose_draft_moved_on_moves_nothing() {
    // The call is still open but a chair forced the draft elsewhere meanwhile: the call closes
    // and its result goes out, but the decision no longer applies.
    let fx = fixture();
    for (kind, line) in [
        ("adoption", "adoption close draft-ietf-wg-widgets"),
        ("wglc", "wglc close draft-ietf-wg-widgets"),
        ("ietf-lc", "ietf-lc close draft-ietf-wg-widgets"),
    ] {
        let sender = if kind == "ietf-lc" { IESG } else { CHAIR };
        let fake = after_end("parked", kind)
            .lookup()
            .with_pending(sender, line);
        let actions = fx.confirm(&fake, sender);
        let [Action::CallClose { id, then, .. }, ..] = guarded(&actions) else {
            panic!("{kind}: a close: {actions:#?}");
        };
        assert_eq!(*id, CALL_ID);
        assert!(
            !all(then)
                .iter()
                .any(|a| matches!(a, Action::DraftMove { .. })),
            "{kind}: {then:#?}"
        );
    }
}

#[test]
fn confirmation_problems_are_answered_and_run_nothing() {
    let fx = fixture();
    let line = "candidate draft-ietf-wg-widgets";
    let valid = || UNKNOWN.lookup().with_pending(CHAIR, line);
    let with_token = |f: fn(&mut TokenRow)| {
        let mut fake = valid();
        f(&mut fake.tokens[0]);
        fake
    };
    let no_pending = {
        let mut fake = valid();
        fake.pending.clear();
        fake
    };
    let cases: Vec<(&str, Fake, &str, &str)> = vec![
        (
            "no such token",
            Fake::default(),
            CHAIR,
            "unknown confirmation token",
        ),
        (
            "nothing kept",
            no_pending,
            CHAIR,
            "unknown confirmation token",
        ),
        (
            "another list's token",
            with_token(|t| t.list = "other@example.org".into()),
            CHAIR,
            "unknown confirmation token",
        ),
        (
            "a subscription token",
            with_token(|t| *t = token_row(TOKEN, CHAIR, "subscribe")),
            CHAIR,
            "unknown confirmation token",
        ),
        (
            "used",
            with_token(|t| t.used_at = Some(NOW - 1)),
            CHAIR,
            "these commands were already confirmed",
        ),
        (
            "expired",
            with_token(|t| t.expires_at = NOW),
            CHAIR,
            "this confirmation has expired; send the commands again",
        ),
        (
            "someone else",
            valid(),
            "chair2@example.org",
            "only the chair who sent the commands can confirm them",
        ),
    ];
    for (what, fake, sender, why) in cases {
        let actions = fx.confirm(&fake, sender);
        assert!(
            !all(&actions)
                .iter()
                .any(|a| changes_something(a) || matches!(a, Action::Guarded { .. })),
            "{what}: {actions:#?}"
        );
        let text = result_text(&actions, sender);
        assert!(text.contains(&format!("error: {why}")), "{what}: {text}");
    }
    // The token's address matches the From whatever its case.
    let actions = fx.confirm(
        &with_token(|t| t.address = "Chair@Example.ORG".into()),
        CHAIR,
    );
    assert!(matches!(
        guarded(&actions).first(),
        Some(Action::DraftMove { .. })
    ));
}

#[test]
fn a_confirm_line_sent_to_the_chairs_address_runs_the_kept_commands() {
    let fx = fixture();
    let fake = UNKNOWN
        .lookup()
        .with_pending(CHAIR, "candidate draft-ietf-wg-widgets");
    let body = format!("confirm {}", TOKEN.to_uppercase());
    let actions = fx.handle(&fake, CHAIR, &body);
    let Some(Action::DraftMove { m, .. }) = guarded(&actions).first() else {
        panic!("{actions:#?}");
    };
    assert_eq!(move_ends(m), (None, "candidate".into()));
}

#[test]
fn one_message_mixes_answers_refusals_and_commands_to_confirm() {
    let fx = fixture();
    // An unknown first line is reported; the commands after it are still read.
    let body = "frobnicate draft-ietf-wg-widgets\n\
                status draft-ietf-wg-widgets\n\
                approve draft-ietf-wg-widgets\n\
                wglc start draft-ietf-wg-widgets-03";
    let actions = fx.handle(&at("wg-doc").lookup(), CHAIR, body);
    let text = result_text(&actions, CHAIR);
    for wanted in [
        "> status draft-ietf-wg-widgets\ndraft-ietf-wg-widgets: WG Document (stage 2)".to_owned(),
        format!(
            "> approve draft-ietf-wg-widgets\nerror: {}",
            refusal_text(Who::Iesg)
        ),
        "> frobnicate draft-ietf-wg-widgets\nerror: unknown command 'frobnicate'".to_owned(),
        "> wglc start draft-ietf-wg-widgets-03\npending confirmation (reply to wg-confirm+"
            .to_owned(),
    ] {
        assert!(text.contains(&wanted), "{wanted}\nin\n{text}");
    }
    let tokens = all(&actions)
        .iter()
        .filter(|a| matches!(a, Action::TokenCreate(_)))
        .count();
    assert_eq!(tokens, 1, "one token for the message");
}

#[test]
fn mail_the_server_must_not_answer_is_discarded() {
    let fx = fixture();
    let mut m = mail(CHAIR, "candidate draft-ietf-wg-widgets");
    m.parsed.auto_submitted = Some("auto-replied".into());
    let actions = handle(&fx.ctx(&m), &Fake::default(), deliver).unwrap();
    assert!(matches!(actions[..], [Action::Discard]), "{actions:#?}");
}

#[test]
fn a_message_without_commands_is_told_so() {
    let fx = fixture();
    let actions = fx.handle(&Fake::default(), OUTSIDER, "");
    let text = result_text(&actions, OUTSIDER);
    assert!(
        text.contains("no commands found; send \"help\" for the list of commands"),
        "{text}"
    );
}

#[test]
fn the_fixture_chooses_who_is_who() {
    // A list whose only chair is also its only member, with nobody on the IESG.
    let fx = fixture_with(&["solo@example.org"], &[], &["solo@example.org"]);
    let actions = fx.handle(
        &at("submitted").lookup(),
        "solo@example.org",
        "ietf-lc start draft-ietf-wg-widgets-05\npropose \"More widgets\"",
    );
    let text = result_text(&actions, "solo@example.org");
    assert!(
        text.contains(&format!("error: {}", refusal_text(Who::Iesg))),
        "{text}"
    );
    assert!(
        text.contains("> propose \"More widgets\"\npending confirmation"),
        "{text}"
    );
}

#[test]
fn read_only_rows_are_open_to_anyone() {
    // `handle` answers a read-only command without asking `refusal`, and `confirm` skips them:
    // a read-only row for fewer people would be answered to everyone.
    for row in COMMANDS.iter().filter(|r| !r.changes()) {
        assert_eq!(row.who, Who::Anyone, "{}", row.name);
    }
}

#[test]
fn calls_says_so_when_no_call_is_open() {
    let fx = fixture();
    let actions = fx.handle(&at("wg-doc").lookup(), OUTSIDER, "calls");
    let text = result_text(&actions, OUTSIDER);
    assert!(
        text.contains("> calls\nwg@example.org has no open call"),
        "{text}"
    );
}

#[test]
fn sign_offs_after_the_commands_end_them_quietly() {
    let fx = fixture();
    let body =
        "status draft-ietf-wg-widgets\n\nThanks,\nChair One\nwglc start draft-ietf-wg-widgets-03";
    let actions = fx.handle(&at("wg-doc").lookup(), CHAIR, body);
    let text = result_text(&actions, CHAIR);
    assert!(text.contains("> status draft-ietf-wg-widgets\n"), "{text}");
    assert!(
        !text.contains("error"),
        "a sign-off is not an error: {text}"
    );
    assert!(
        !text.contains("wglc start"),
        "reading stopped at the sign-off: {text}"
    );
    assert!(
        !all(&actions)
            .iter()
            .any(|a| matches!(a, Action::TokenCreate(_))),
        "nothing to confirm"
    );
}

#[test]
fn a_consensus_reason_is_its_own_line_and_the_commands_after_it_run() {
    let lines = super::table::parse(
        "",
        "consensus draft-ietf-wg-widgets reached the objections were resolved in -05\n\
         status draft-ietf-wg-widgets\n\
         tally draft-ietf-wg-widgets\n\
         history draft-ietf-wg-widgets",
    );
    let names: Vec<&str> = lines.iter().map(|l| l.name).collect();
    assert_eq!(names, ["consensus", "status", "tally", "history"]);
    let Ok(super::grammar::ChairCommand::Consensus { reason, .. }) = &lines[0].result else {
        panic!("{lines:#?}");
    };
    assert_eq!(reason, "the objections were resolved in -05");
    // Quoted, with the keyword.
    let lines = super::table::parse(
        "",
        "consensus draft-ietf-wg-widgets not-reached reason \"two objections stand\"\nstatus draft-ietf-wg-widgets",
    );
    let Ok(super::grammar::ChairCommand::Consensus {
        reason, reached, ..
    }) = &lines[0].result
    else {
        panic!("{lines:#?}");
    };
    assert_eq!((reason.as_str(), *reached), ("two objections stand", false));
    assert_eq!(lines.len(), 2);
    // Without a reason it is refused, and the next line is not taken for one.
    let lines = super::table::parse(
        "",
        "consensus draft-ietf-wg-widgets reached\nstatus draft-ietf-wg-widgets",
    );
    assert!(lines[0].result.is_err(), "{lines:#?}");
    assert_eq!(lines[1].name, "status");
}

#[test]
fn the_subject_is_read_only_when_the_body_has_no_command() {
    let fx = fixture();
    let fake = at("wg-doc").lookup();
    // `help` in both: answered once.
    let actions = fx.handle_with_subject(&fake, CHAIR, "help", "help\n");
    let text = result_text(&actions, CHAIR);
    assert_eq!(text.matches("> help").count(), 1, "{text}");
    // A command in the Subject and another in the body: only the body's runs.
    let actions = fx.handle_with_subject(
        &fake,
        CHAIR,
        "state draft-ietf-wg-widgets dead",
        "status draft-ietf-wg-widgets",
    );
    let text = result_text(&actions, CHAIR);
    assert!(!text.contains("> state"), "{text}");
    assert!(text.contains("> status"), "{text}");
    // The Subject alone.
    let actions = fx.handle_with_subject(&fake, CHAIR, "status draft-ietf-wg-widgets", "Thanks\n");
    let text = result_text(&actions, CHAIR);
    assert!(text.contains("> status draft-ietf-wg-widgets"), "{text}");
    assert!(!text.contains("error"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Names: replaced drafts, proposals linked to drafts, calls on drafts never registered, RFC
// numbers.

/// [`DRAFT`] replaced by `draft-ietf-wg-gadgets`, which stands in `state`.
fn replaced_by_gadgets(state: &str) -> Fake {
    let mut fake = Fake::default();
    let mut old = draft(DRAFT, "replaced");
    old.replaced_by = Some("draft-ietf-wg-gadgets".into());
    let mut new = draft("draft-ietf-wg-gadgets", state);
    new.replaces = Some(DRAFT.into());
    fake.drafts.get_mut().extend([old, new]);
    fake
}

#[test]
fn every_command_on_a_replaced_name_is_refused_with_the_new_name() {
    let fx = fixture();
    let why = "error: draft-ietf-wg-widgets was replaced by draft-ietf-wg-gadgets; use that name";
    for row in COMMANDS.iter().filter(|r| r.changes()) {
        let case = case_for(row);
        if !case.line.contains(DRAFT) || row.name == "proposal-N" {
            continue;
        }
        let sender = sender_for(row.who);
        let fake = replaced_by_gadgets("wg-doc").with_pending(sender, case.line);
        let actions = fx.confirm(&fake, sender);
        assert!(
            !all(guarded(&actions)).iter().any(|a| changes_something(a)),
            "{}: {actions:#?}",
            row.name
        );
        let text = result_text(&actions, sender);
        assert!(text.contains(why), "{}: {text}", row.name);
    }
    // Reading still answers, with the link.
    let actions = fx.handle(
        &replaced_by_gadgets("wg-doc"),
        OUTSIDER,
        "status draft-ietf-wg-widgets",
    );
    let text = result_text(&actions, OUTSIDER);
    assert!(
        text.contains(
            "draft-ietf-wg-widgets: Replaced (no stage); replaced by draft-ietf-wg-gadgets"
        ),
        "{text}"
    );
}

#[test]
fn a_replacement_keeps_a_further_place_and_refuses_what_cannot_be_replaced() {
    let fx = fixture();
    // In WG Last Call's aftermath the new name keeps the place, not a fresh wg-doc.
    let line = "replaces draft-ietf-wg-gadgets draft-ietf-wg-widgets";
    let fake = at("writeup").lookup().with_pending(CHAIR, line);
    let actions = fx.confirm(&fake, CHAIR);
    let [Action::DraftMove { m, then }, ..] = guarded(&actions) else {
        panic!("{actions:#?}");
    };
    assert_eq!(move_ends(m), (Some("writeup".into()), "replaced".into()));
    assert_eq!(m.why, "Replaced by draft-ietf-wg-gadgets");
    let Some(Action::DraftMove { m: new, .. }) = then.get(1) else {
        panic!("{then:#?}");
    };
    assert_eq!((new.rev, move_ends(new)), (None, (None, "writeup".into())));

    for (fake, line, why) in [
        (
            at("wg-doc").lookup(),
            "replaces draft-ietf-wg-widgets draft-ietf-wg-widgets",
            "draft-ietf-wg-widgets cannot replace itself",
        ),
        (
            UNKNOWN.lookup(),
            "replaces draft-ietf-wg-gadgets draft-ietf-wg-widgets",
            "draft-ietf-wg-widgets is not a draft of wg@example.org",
        ),
        (
            {
                let fake = at("published").lookup();
                fake.drafts.borrow_mut()[0].rfc = Some(9999);
                fake
            },
            "replaces draft-ietf-wg-gadgets draft-ietf-wg-widgets",
            "draft-ietf-wg-widgets is published as RFC 9999; an RFC is not replaced",
        ),
        (
            replaced_by_gadgets("wg-doc"),
            "replaces draft-ietf-wg-other draft-ietf-wg-widgets",
            "draft-ietf-wg-widgets was replaced by draft-ietf-wg-gadgets; use that name",
        ),
        (
            {
                let fake = proposal_at("proposal", None).lookup();
                fake.drafts.borrow_mut()[0] = {
                    let mut p = draft(PROPOSAL, "replaced");
                    p.replaced_by = Some(DRAFT.into());
                    p
                };
                fake
            },
            "proposal-1 is draft-ietf-wg-gadgets-00",
            "proposal-1 was replaced by draft-ietf-wg-widgets; use that name",
        ),
    ] {
        let fake = fake.with_pending(CHAIR, line);
        let actions = fx.confirm(&fake, CHAIR);
        assert!(
            !all(guarded(&actions)).iter().any(|a| changes_something(a)),
            "{line}: {actions:#?}"
        );
        let text = result_text(&actions, CHAIR);
        assert!(text.contains(&format!("> {line}\nerror: {why}")), "{text}");
    }
}

#[test]
fn adoption_start_calls_a_linked_proposal_by_its_draft_and_hints_before() {
    let fx = fixture();
    let line = "adoption start proposal-1";
    let fake = proposal_at("candidate", None)
        .lookup()
        .with_pending(CHAIR, line);
    let text = result_text(&fx.confirm(&fake, CHAIR), CHAIR);
    assert!(
        text.contains(
            "> adoption start proposal-1\nerror: proposal-1 is not a draft yet; link it to one \
             first (`proposal-1 is draft-NAME-00`), then start the call"
        ),
        "{text}"
    );
    // Linked and called in one message: the call is on the draft, at the linked revision.
    let body = "proposal-1 is draft-ietf-wg-widgets-00\nadoption start proposal-1";
    let fake = proposal_at("proposal", None)
        .lookup()
        .with_pending(CHAIR, body);
    let actions = fx.confirm(&fake, CHAIR);
    let then = guarded(&actions);
    let Some(Action::DraftMove { m, then: call }) = then.get(1) else {
        panic!("{then:#?}");
    };
    assert_eq!(
        (m.draft.as_str(), move_ends(m)),
        (DRAFT, (Some("candidate".into()), "cfa".into()))
    );
    adoption_call_opened(call);
    let text = result_text(&actions, CHAIR);
    assert!(!text.contains("error:"), "{text}");
}

#[test]
fn adoption_start_on_a_draft_never_registered_registers_it_in_the_same_step() {
    let fx = fixture();
    let line = "adoption start draft-ietf-wg-widgets-00";
    let fake = UNKNOWN.lookup().with_pending(CHAIR, line);
    let actions = fx.confirm(&fake, CHAIR);
    let moves: Vec<&Action> = guarded(&actions)
        .iter()
        .filter(|a| matches!(a, Action::DraftMove { .. }))
        .collect();
    let [Action::DraftMove { m, then }] = moves[..] else {
        panic!("{actions:#?}");
    };
    assert_eq!(move_ends(m), (None, "candidate".into()));
    assert_eq!(
        (m.rev, m.why.as_str()),
        (Some(0), "registered by adoption start")
    );
    let [Action::DraftMove { m, then: call }] = &then[..] else {
        panic!("then the call: {then:#?}");
    };
    assert_eq!(move_ends(m), (Some("candidate".into()), "cfa".into()));
    adoption_call_opened(call);
    let text = result_text(&actions, CHAIR);
    assert!(
        text.contains(
            "> adoption start draft-ietf-wg-widgets-00\nok: IETF WG state changed to Candidate \
             for WG Adoption\nok: IETF WG state changed to Call For Adoption By WG Issued from \
             Candidate for WG Adoption; announced to the list"
        ),
        "{text}"
    );
}

#[test]
fn an_rfc_number_given_to_another_draft_is_refused() {
    let fx = fixture();
    let line = "published draft-ietf-wg-widgets rfc 9999";
    let fake = at("approved").lookup();
    let mut other = draft("draft-ietf-other-thing", "published");
    other.list = "other@example.org".into();
    other.rfc = Some(9999);
    fake.drafts.borrow_mut().push(other);
    let fake = fake.with_pending(IESG, line);
    let actions = fx.confirm(&fake, IESG);
    assert!(!all(guarded(&actions)).iter().any(|a| changes_something(a)));
    let text = result_text(&actions, IESG);
    assert!(
        text.contains(
            "error: RFC 9999 is already the number of draft-ietf-other-thing (other@example.org); \
             RFC numbers are unique"
        ),
        "{text}"
    );
    // Two drafts given the same number in one message: the second is refused.
    let body = "published draft-ietf-wg-widgets rfc 9000\npublished draft-ietf-wg-gadgets rfc 9000";
    let fake = at("approved").lookup();
    fake.drafts
        .borrow_mut()
        .push(draft("draft-ietf-wg-gadgets", "approved"));
    let fake = fake.with_pending(IESG, body);
    let text = result_text(&fx.confirm(&fake, IESG), IESG);
    assert!(
        text.contains("> published draft-ietf-wg-gadgets rfc 9000\nerror: RFC 9000 is already the number of draft-ietf-wg-widgets (wg@example.org)"),
        "{text}"
    );
}

#[test]
fn a_proposal_line_parses_only_as_a_link() {
    let lines = super::table::parse(
        "",
        // `proposal-x` is not a proposal: prose after the commands, which ends them quietly.
        "proposal-1 is draft-x-00\nproposal-1 is draft-x\nproposal-1 draft-x-00\nproposal-x is draft-x-00",
    );
    let got: Vec<String> = lines
        .iter()
        .map(|l| match &l.result {
            Ok(_) => format!("ok {}", l.name),
            Err(e) => e.to_string(),
        })
        .collect();
    assert_eq!(
        got,
        [
            "ok proposal-N",
            "proposal-1 needs a draft with its revision, like draft-smith-quic-foo-03",
            "proposal-1 expects 'is', not 'draft-x-00'",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The IESG ballot and the publication request.

/// A site whose IESG is `ads`.
fn iesg_fixture(ads: &[&str]) -> Fixture {
    fixture_with(&[CHAIR], ads, &[MEMBER, "bob@example.org"])
}

/// Other ADs' (address, position) beside ad's Yes, and the refusal they lead to (None: approved).
type BallotCase = (
    &'static [(&'static str, &'static str)],
    Option<&'static str>,
);

#[test]
fn approve_is_refused_while_a_discuss_stands_or_below_two_thirds() {
    let ads = ["ad@ietf.test", "ad2@ietf.test", "ad3@ietf.test"];
    let fx = iesg_fixture(&ads);
    let line = "approve draft-ietf-wg-widgets";
    // (positions of ad2 and ad3 beside ad's Yes, the refusal or None for approval)
    let table: &[BallotCase] = &[
        (&[], Some("1 of 2 needed positions (Yes or No Objection)")),
        (
            &[("ad2@ietf.test", "discuss")],
            Some(
                "1 of 2 needed positions (Yes or No Objection); DISCUSS from ad2@ietf.test: section 4 is unclear",
            ),
        ),
        (
            &[("ad2@ietf.test", "yes"), ("ad3@ietf.test", "discuss")],
            Some("DISCUSS from ad3@ietf.test: section 4 is unclear"),
        ),
        (
            &[("ad2@ietf.test", "abstain")],
            Some("1 of 2 needed positions (Yes or No Objection)"),
        ),
        // Two recusals leave one voting member: two thirds of one is one.
        (
            &[("ad2@ietf.test", "recuse"), ("ad3@ietf.test", "recuse")],
            None,
        ),
        (&[("ad2@ietf.test", "no-objection")], None),
        // The same AD's later position replaces the earlier DISCUSS.
        (
            &[
                ("ad2@ietf.test", "discuss"),
                ("ad2@ietf.test", "no-objection"),
            ],
            None,
        ),
    ];
    for (others, refusal) in table {
        let fake = balloted("iesg-eval", "yes")
            .lookup()
            .with_pending(IESG, line);
        for (ad, p) in *others {
            let reason = (*p == "discuss").then_some("section 4 is unclear");
            fake.ballots.borrow_mut().push(ballot_row(ad, p, reason));
        }
        let actions = fx.confirm(&fake, IESG);
        let moved = all(guarded(&actions))
            .iter()
            .any(|a| matches!(a, Action::DraftMove { .. }));
        let text = result_text(&actions, IESG);
        match refusal {
            Some(why) => {
                assert!(!moved, "{others:?}: {actions:#?}");
                let wanted = format!(
                    "> {line}\nerror: the IESG ballot does not allow approval yet: {why}\n"
                );
                assert!(text.contains(&wanted), "{others:?}: {text}");
            }
            None => assert!(moved && !text.contains("error"), "{others:?}: {text}"),
        }
    }
}

#[test]
fn positions_from_before_the_last_publication_request_do_not_count() {
    let fx = fixture();
    let line = "approve draft-ietf-wg-widgets";
    let fake = balloted("iesg-eval", "yes")
        .lookup()
        .with_pending(IESG, line);
    // The draft went back to the WG and was requested again after the Yes.
    let mut again = event("submitted");
    again.at = NOW - DAY + 60;
    let mut fake = fake;
    fake.events.push((DRAFT.into(), again));
    let actions = fx.confirm(&fake, IESG);
    let text = result_text(&actions, IESG);
    assert!(
        text.contains("error: the IESG ballot does not allow approval yet: 0 of 1 needed"),
        "{text}"
    );
}

#[test]
fn the_ad_who_raised_a_discuss_clears_it_by_balloting_again() {
    let fx = iesg_fixture(&[IESG, "ad2@ietf.test"]);
    // A DISCUSS: the list, chairs and IESG are told, with the reason.
    let line = "ballot draft-ietf-wg-widgets discuss reason \"section 4 breaks 0-RTT\"";
    let fake = at("iesg-eval").lookup().with_pending(IESG, line);
    let actions = fx.confirm(&fake, IESG);
    let flat = all(guarded(&actions));
    let subject = "ad@ietf.test's Discuss on draft-ietf-wg-widgets: (with DISCUSS)";
    for who in [MEMBER, CHAIR, "ad2@ietf.test"] {
        assert_eq!(subjects_to(&flat, who), [subject], "{who}");
    }
    let text = result_text(&actions, IESG);
    assert!(
        text.contains("the draft cannot be approved while it stands: ballot again"),
        "{text}"
    );
    // Balloting No Objection replaces it: cleared, and said so.
    let line = "ballot draft-ietf-wg-widgets no-objection";
    let fake = balloted("iesg-eval", "discuss")
        .lookup()
        .with_pending(IESG, line);
    let actions = fx.confirm(&fake, IESG);
    let text = result_text(&actions, IESG);
    assert!(
        text.contains("ok: ballot position No Objection recorded for ad@ietf.test; it replaces your DISCUSS, which is cleared; ballot: 1 of 2 needed positions, no DISCUSS; the chairs and the list are told"),
        "{text}"
    );
    let flat = all(guarded(&actions));
    assert_eq!(
        subjects_to(&flat, MEMBER),
        ["ad@ietf.test's No Objection on draft-ietf-wg-widgets: DISCUSS cleared"]
    );
    // A position that changes nothing decisive is recorded without mail to the list.
    let line = "ballot draft-ietf-wg-widgets abstain";
    let fake = balloted("iesg-eval", "yes")
        .lookup()
        .with_pending(IESG, line);
    let actions = fx.confirm(&fake, IESG);
    let flat = all(guarded(&actions));
    assert!(flat.iter().any(|a| matches!(a, Action::Ballot { .. })));
    assert!(subjects_to(&flat, MEMBER).is_empty(), "{flat:#?}");
}

#[test]
fn a_ballot_during_the_ietf_last_call_is_recorded_and_says_approval_waits() {
    let fx = fixture();
    let line = "ballot draft-ietf-wg-widgets yes";
    let fake = in_call("ietf-lc", "ietf-lc")
        .lookup()
        .with_pending(IESG, line);
    let actions = fx.confirm(&fake, IESG);
    let Some(Action::Ballot { expect, .. }) = guarded(&actions).first() else {
        panic!("a ballot: {actions:#?}");
    };
    assert_eq!(expect.slug(), "ietf-lc");
    let text = result_text(&actions, IESG);
    assert!(
        text.contains("the IETF Last Call is still open, and approval waits for it to close"),
        "{text}"
    );
}

#[test]
fn status_shows_the_ballot_briefly() {
    let fx = fixture();
    let actions = fx.handle(
        &balloted("iesg-eval", "discuss").lookup(),
        OUTSIDER,
        "status draft-ietf-wg-widgets",
    );
    let text = result_text(&actions, OUTSIDER);
    assert!(
        text.contains("IESG Evaluation (stage 6); ballot: 0 of 1 needed positions, 1 DISCUSS; DISCUSS from ad@ietf.test"),
        "{text}"
    );
}

/// The publication request mailed to the IESG, from a confirmed `body`.
fn publication_request(fake: Fake, body: &str) -> String {
    let fx = fixture();
    let fake = fake.with_pending(CHAIR, body);
    let actions = fx.confirm(&fake, CHAIR);
    let flat = all(guarded(&actions));
    let jobs: Vec<_> = jobs(&flat)
        .into_iter()
        .filter(|j| recipients(j).iter().any(|r| r == IESG))
        .collect();
    assert_eq!(jobs.len(), 1, "{actions:#?}");
    read_job(jobs[0]).1
}

#[test]
fn the_publication_request_carries_the_writeup_and_the_wglc_tally() {
    let mut fake = at("writeup").lookup();
    let mut wglc = call(DRAFT, "wglc", "closed");
    wglc.closed_at = Some(CALL_ENDS);
    fake.calls.get_mut().push(wglc);
    fake.replies.push(CallReply {
        call_id: CALL_ID,
        message_id: "r1@example.org".into(),
        person: MEMBER.into(),
        name: "Alice".into(),
        date: NOW,
        position: Position::Support,
        evidence: Some("+1".into()),
        reason: None,
        member: true,
    });
    let mut moved = event("writeup");
    moved.from_state = Some("wglc".parse().unwrap());
    moved.message_id = "call-7@example.org".into();
    moved.why = "Decision (majority, quorum 1): the call passed.".into();
    fake.events.push((DRAFT.into(), moved));
    let body = publication_request(
        fake,
        "pubreq draft-ietf-wg-widgets status ps\nThe shepherd is Alice.\nNo IPR.\n-- \nChair",
    );
    assert!(
        body.contains("Shepherd write-up:\n\nThe shepherd is Alice.\nNo IPR.\n"),
        "{body}"
    );
    assert!(
        body.contains("The last WG Last Call, on draft-ietf-wg-widgets-02, ended 2026-12-01."),
        "{body}"
    );
    assert!(
        body.contains("Result: Decision (majority, quorum 1): the call passed."),
        "{body}"
    );
    assert!(body.contains("Support (1): Alice"), "{body}");
    assert!(body.contains("Through its WG Last Call"), "{body}");
    assert!(!body.contains("NOT through"), "{body}");
}

#[test]
fn the_publication_request_says_plainly_when_writeup_was_forced() {
    let mut fake = at("writeup").lookup();
    let mut forced = event("writeup");
    forced.from_state = Some("wg-doc".parse().unwrap());
    forced.forced = true;
    forced.why = "the WG agreed at IETF 125".into();
    fake.events.push((DRAFT.into(), forced));
    let body = publication_request(fake, "pubreq draft-ietf-wg-widgets status info");
    assert!(
        body.contains(
            "NOT through a WG Last Call: chair@example.org forced the move from wg-doc on 2026-11-27.\n  \
             Reason given: the WG agreed at IETF 125"
        ),
        "{body}"
    );
    assert!(
        body.contains("No WG Last Call was held on this draft."),
        "{body}"
    );
    assert!(body.contains("No shepherd write-up was given."), "{body}");
}

#[test]
fn a_writeup_is_kept_with_the_draft_after_the_move() {
    let fx = fixture();
    let body = "pubreq draft-ietf-wg-widgets status ps\nShepherd: Alice.";
    let fake = at("writeup").lookup().with_pending(CHAIR, body);
    let actions = fx.confirm(&fake, CHAIR);
    let Some(Action::DraftMove { then, .. }) = guarded(&actions).first() else {
        panic!("a move: {actions:#?}");
    };
    let w = then.iter().find_map(|a| match a {
        Action::Writeup(w) => Some(w),
        _ => None,
    });
    let w = w.expect("the write-up is kept, under the move");
    assert_eq!(
        (
            w.draft.as_str(),
            w.text.as_str(),
            w.actor.as_str(),
            w.message_id.as_str()
        ),
        (DRAFT, "Shepherd: Alice.", CHAIR, COMMAND_ID)
    );
}
