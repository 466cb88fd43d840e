//! The report up the structure: what each working group did in a period, for the IESG and the
//! IAB. Per WG it lists the drafts whose state changed (in the Datatracker's wording, when, by
//! whom), the open calls with their tally so far and their deadline, and the drafts waiting on the
//! IESG. Housekeeping mails it every week to `[iesg] members` and `[iab] members` (unless
//! `[reports] weekly = false`); `wgmail report` prints the same text, or its JSON form.
//!
//! [`build`], [`render_text`], [`weekly`] and [`mail`] are pure: data and `now` in, values out.
//! [`gather`] reads what `build` needs through the store's methods, so that the daemon and the CLI
//! ask the same questions; it runs no SQL of its own.

use jiff::tz::TimeZone;
use serde::Serialize;

use crate::clock::{Timestamp, ymd};
use crate::config::{ListConfig, Lists, Site};
use crate::notice;
use crate::store::{CallRow, DraftEvent, DraftRow, OutboundJob, Store, StoreError};
use crate::values::CallKind;
use crate::workflow::states::{self, State, Tag};
use crate::workflow::tally::Tally;

/// How often the report is mailed.
pub const WEEK: i64 = 7 * 86_400;

/// The counter holding when the last weekly report went out (or was due): the next one covers
/// the events since then. Kept in the store, so a restart neither repeats nor delays a report.
pub const SENT_AT: &str = "report_sent_at";
/// Counter: the id of the last draft event the weekly report covered.
pub const LAST_EVENT: &str = "report_last_event";

/// States in which a draft waits for the IESG rather than for its working group.
pub const WAITING_ON_IESG: [State; 4] = [
    State::Submitted,
    State::IetfLc,
    State::IesgEval,
    State::Approved,
];

/// What one working group's section is made from, as read from the store.
pub struct GroupInput<'a> {
    pub list: &'a ListConfig,
    /// Every draft of the list (those waiting on the IESG are picked out).
    pub drafts: Vec<DraftRow>,
    /// The list's draft events; any outside the report's period are left out.
    pub events: Vec<DraftEvent>,
    /// The list's open calls, each with its tally so far.
    pub calls: Vec<(CallRow, Tally)>,
}

/// The report: its period and one section per working group, ordered by list address.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Start of the period (Unix seconds, included).
    pub since: Timestamp,
    /// End of the period (Unix seconds, excluded): when the report was made.
    pub until: Timestamp,
    pub groups: Vec<Group>,
}

/// One working group's section.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub list: String,
    /// The list's time zone, in which the section's dates are written.
    pub time_zone: String,
    pub changes: Vec<Change>,
    pub calls: Vec<OpenCall>,
    pub waiting: Vec<Waiting>,
    #[serde(skip)]
    tz: TimeZone,
}

impl Group {
    /// Nothing happened and nothing is open or waiting: the section is one line.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.calls.is_empty() && self.waiting.is_empty()
    }
}

/// A draft's state change in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub draft: String,
    pub at: Timestamp,
    pub actor: String,
    /// Serialized as slugs; `from` is absent for a draft new to the registry.
    pub from: Option<State>,
    pub to: State,
    /// A chair's forced move, outside the transition table.
    pub forced: bool,
    pub why: String,
    /// The draft's tags as they stand now (serialized as slugs).
    pub tags: Vec<Tag>,
    /// The draft's RFC number, once published.
    pub rfc: Option<i64>,
}

/// An open call and its tally so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenCall {
    pub draft: String,
    pub rev: Option<i64>,
    /// Serialized as `adoption`, `wglc`, …
    pub kind: CallKind,
    pub opened_at: Timestamp,
    pub ends_at: Timestamp,
    /// The last day of the call, in the list's time zone.
    pub ends: String,
    pub support: usize,
    pub support_if: usize,
    pub object: usize,
    pub no_objection: usize,
    pub neutral: usize,
    pub late: usize,
    pub replies: usize,
    pub classified: usize,
    pub coverage: f64,
}

/// A draft waiting on the IESG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub draft: String,
    pub rev: Option<i64>,
    pub state: State,
    /// When the draft last changed state (Unix seconds).
    pub since: Timestamp,
    /// Serialized as slugs.
    pub tags: Vec<Tag>,
}

/// The events stamped within `since..until` (the on-demand report's selection).
pub fn within(
    events: Vec<crate::store::DraftEvent>,
    since: Timestamp,
    until: Timestamp,
) -> Vec<crate::store::DraftEvent> {
    events
        .into_iter()
        .filter(|e| since <= e.event.at && e.event.at < until)
        .collect()
}

/// Builds the report for the period `since..until` from each working group's data. The caller
/// selects the events: by time for `wgmail report` ([`within`]), by id for the weekly mail, where
/// an event stamped just before a pass but committed after it belongs to the next report and must
/// not be dropped for its time stamp.
pub fn build(since: Timestamp, until: Timestamp, inputs: Vec<GroupInput<'_>>) -> Report {
    let mut groups: Vec<Group> = inputs
        .into_iter()
        .map(|input| {
            let now = |name: &str| input.drafts.iter().find(|d| d.name == name);
            let changes = input
                .events
                .into_iter()
                .map(|e| Change {
                    tags: now(&e.draft).map(|d| d.tags.clone()).unwrap_or_default(),
                    rfc: now(&e.draft).and_then(|d| d.rfc),
                    draft: e.draft,
                    at: e.event.at,
                    actor: e.event.actor,
                    from: e.event.from_state,
                    to: e.event.to_state,
                    forced: e.event.forced,
                    why: e.event.why,
                })
                .collect();
            let tz = input.list.workflow.tz();
            let calls = input
                .calls
                .into_iter()
                .map(|(call, t)| OpenCall {
                    ends: local_date(call.ends_at, &tz),
                    draft: call.draft,
                    rev: call.rev,
                    kind: call.kind,
                    opened_at: call.opened_at,
                    ends_at: call.ends_at,
                    support: t.support.len(),
                    support_if: t.support_if.len(),
                    object: t.object.len(),
                    no_objection: t.no_objection.len(),
                    neutral: t.neutral.len(),
                    late: t.late.len(),
                    replies: t.replies,
                    classified: t.classified,
                    coverage: t.coverage,
                })
                .collect();
            let mut waiting: Vec<Waiting> = input
                .drafts
                .into_iter()
                .filter(|d| WAITING_ON_IESG.contains(&d.state))
                .map(|d| Waiting {
                    draft: d.name,
                    rev: d.rev,
                    state: d.state,
                    since: d.updated_at,
                    tags: d.tags,
                })
                .collect();
            waiting.sort_by(|a, b| a.draft.cmp(&b.draft));
            Group {
                name: input.list.name.clone(),
                list: input.list.address(),
                time_zone: input.list.workflow.time_zone.clone(),
                changes,
                calls,
                waiting,
                tz,
            }
        })
        .collect();
    groups.sort_by(|a, b| a.list.cmp(&b.list));
    Report {
        since,
        until,
        groups,
    }
}

/// The mail's subject, which names the period.
pub fn subject(report: &Report) -> String {
    format!(
        "Working group report, {} to {}",
        ymd(report.since),
        ymd(report.until)
    )
}

/// The report as plain text: the body of the weekly mail and the output of `wgmail report`.
/// ASCII, in lines short enough (under 76 characters unless a draft name or address is very long)
/// for the mail to go out as 7bit text that reads the same raw as in any client.
pub fn render_text(report: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Working group report, {} to {}\n",
        local_time(report.since, &TimeZone::UTC),
        local_time(report.until, &TimeZone::UTC)
    );
    if report.groups.is_empty() {
        let _ = writeln!(s, "No working groups are configured.");
    }
    for g in &report.groups {
        if g.is_empty() {
            let _ = writeln!(s, "{} ({}): nothing to report.\n", g.name, g.list);
            continue;
        }
        let _ = writeln!(s, "{} ({})", g.name, g.list);
        let _ = writeln!(s, "  State changes:{}", none_if(g.changes.is_empty()));
        for (i, c) in g.changes.iter().enumerate() {
            let _ = writeln!(
                s,
                "    {}, {}, by {}{}",
                c.draft,
                local_time(c.at, &g.tz),
                c.actor,
                if c.forced { " (forced)" } else { "" }
            );
            // The Datatracker's sentence, split before "from" to keep lines short; its side
            // ("IETF WG" or "IESG") depends on the target state alone.
            let _ = writeln!(s, "      {}", states::describe(None, c.to));
            if let Some(from) = c.from {
                let _ = writeln!(s, "      from {}", from.datatracker_name());
            }
            // A forced move is outside the table: what the chair gave as the reason is the record.
            if c.forced && !c.why.trim().is_empty() {
                wrapped(&mut s, "      reason: ", &c.why);
            }
            if c.to == State::Published
                && let Some(rfc) = c.rfc
            {
                let _ = writeln!(s, "      as RFC {rfc}");
            }
            // The tags as they stand now, once per draft: under its last change.
            let last = g.changes.iter().rposition(|x| x.draft == c.draft) == Some(i);
            if last && !c.tags.is_empty() {
                let _ = writeln!(s, "      tags: {}", tag_list(&c.tags));
            }
        }
        let _ = writeln!(s, "  Open calls:{}", none_if(g.calls.is_empty()));
        for c in &g.calls {
            let _ = writeln!(
                s,
                "    {}: {}, ends {}",
                c.kind.title(),
                with_rev(&c.draft, c.rev),
                c.ends
            );
            let _ = writeln!(
                s,
                "      Support {}, Support with conditions {}, Object {},",
                c.support, c.support_if, c.object
            );
            let _ = writeln!(
                s,
                "      No objection {}, Neutral {}, Late {};",
                c.no_objection, c.neutral, c.late
            );
            let _ = writeln!(
                s,
                "      Replies {}, with a position {} (coverage {:.0}%)",
                c.replies,
                c.classified,
                c.coverage * 100.0
            );
        }
        let _ = writeln!(s, "  Waiting on the IESG:{}", none_if(g.waiting.is_empty()));
        for w in &g.waiting {
            let state = w.state.datatracker_name();
            let _ = writeln!(
                s,
                "    {}: {state}, since {}",
                with_rev(&w.draft, w.rev),
                local_date(w.since, &g.tz)
            );
            if !w.tags.is_empty() {
                let _ = writeln!(s, "      tags: {}", tag_list(&w.tags));
            }
        }
        s.push('\n');
    }
    s
}

fn tag_list(tags: &[Tag]) -> String {
    tags.iter().map(|t| t.slug()).collect::<Vec<_>>().join(", ")
}

/// Writes `text` after `lead`, on as many lines as keep each under 76 characters (a word longer
/// than that stays whole), the later lines indented like the first; control characters become
/// spaces so a reason cannot forge report lines.
fn wrapped(s: &mut String, lead: &str, text: &str) {
    let indent = " ".repeat(lead.len());
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut line = lead.to_owned();
    let mut fresh = true;
    for word in clean.split_whitespace() {
        if !fresh && line.chars().count() + 1 + word.chars().count() >= 76 {
            s.push_str(&line);
            s.push('\n');
            line = indent.clone();
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    s.push_str(&line);
    s.push('\n');
}

fn none_if(empty: bool) -> &'static str {
    if empty { " none" } else { "" }
}

fn with_rev(draft: &str, rev: Option<i64>) -> String {
    match rev {
        Some(rev) => format!("{draft}-{rev:02}"),
        None => draft.to_owned(),
    }
}

/// `2026-11-28 15:38 UTC` in `tz` (the UTC date alone if the instant is out of jiff's range).
fn local_time(ts: Timestamp, tz: &TimeZone) -> String {
    match jiff::Timestamp::from_second(ts) {
        Ok(t) => t
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string(),
        Err(_) => ymd(ts),
    }
}

/// The date of an instant in `tz` (the UTC date if the instant is out of jiff's range).
fn local_date(ts: Timestamp, tz: &TimeZone) -> String {
    crate::clock::checked_local_date(tz, ts).map_or_else(|| ymd(ts), |d| d.to_string())
}

/// Reads what [`build`] needs for every configured list and builds the report for
/// `since..until`. Blocking: the daemon calls it on tokio's blocking pool.
/// `ids`: report the events with `after < id <= upto` (the weekly mail) rather than those stamped
/// within `since..until` (`wgmail report --since`).
pub fn gather(
    store: &Store,
    lists: &Lists,
    since: Timestamp,
    until: Timestamp,
    ids: Option<(i64, i64)>,
) -> Result<Report, StoreError> {
    let mut inputs = Vec::new();
    for list in lists.iter() {
        let address = list.address();
        let mut calls = Vec::new();
        for call in store.open_calls(&address)? {
            let tally =
                crate::workflow::calls::tally_of(list, &call, &store.call_replies(call.id)?);
            calls.push((call, tally));
        }
        inputs.push(GroupInput {
            list,
            drafts: store.drafts(&address)?,
            events: match ids {
                Some((after, upto)) => store.events_by_id(&address, after, upto)?,
                None => within(store.events_between(&address, since, until)?, since, until),
            },
            calls,
        });
    }
    Ok(build(since, until, inputs))
}

/// Parses `YYYY-MM-DD` as the start of that day, UTC (for `wgmail report --since`).
pub fn parse_date(s: &str) -> Result<Timestamp, String> {
    let date: jiff::civil::Date = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a date like 2026-12-01"))?;
    date.to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .map_err(|e| format!("{s}: {e}"))
}

/// What the weekly pass does, given when the last report went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weekly {
    /// The first pass ever: start counting now and send nothing, so the first report goes out a
    /// week after the first start rather than covering all history.
    Start,
    /// Less than a week since the last report.
    Wait,
    /// A week has passed but reports are off or nobody is configured to get them: move on
    /// without mail, so that a report sent later covers its own week, not every skipped one.
    Skip,
    /// Mail the report for the events since the last one.
    Send,
}

/// Decides the weekly pass. `last` is the [`SENT_AT`] counter (0 before the first pass).
pub fn weekly(last: Timestamp, now: Timestamp, enabled: bool, recipients: usize) -> Weekly {
    if last == 0 {
        Weekly::Start
    } else if now - last < WEEK {
        Weekly::Wait
    } else if !enabled || recipients == 0 {
        Weekly::Skip
    } else {
        Weekly::Send
    }
}

/// Who gets the weekly report: `[iesg] members` then `[iab] members`, each address once (compared
/// without regard to case), so someone on both gets one copy.
pub fn recipients(site: &Site) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in site.iesg.members.iter().chain(&site.iab.members) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(a)) {
            out.push(a.clone());
        }
    }
    out
}

/// The address the server's own mail (not any list's) comes from and bounces to.
pub fn server_address(site: &Site) -> String {
    format!("wgmail@{}", site.smtp.hostname)
}

/// The report mail to one recipient: server mail, not a list's, so it carries no list headers and
/// its `OutboundJob::list` is empty; `Auto-Submitted: auto-generated` like every notice. `None`
/// when the address is unusable (config validation makes that unlikely; the caller logs it).
pub fn mail(
    site: &Site,
    to: &str,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> Option<OutboundJob> {
    let from = server_address(site);
    let raw = notice::compose(
        &notice::Mail {
            from: &from,
            to,
            subject,
            body,
            in_reply_to: None,
            reply_to: None,
            attached: None,
        },
        &notice::Signed {
            from_name: "wgmail",
            hostname: &site.smtp.hostname,
            now,
        },
    )?;
    Some(OutboundJob {
        list: String::new(),
        body: raw,
        envelopes: vec![(from, vec![to.to_owned()])],
        personalize: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::EventRow;
    use crate::workflow::tally::Objection;

    const DAY: i64 = 86_400;
    /// Sat, 28 Nov 2026 15:38:15 UTC.
    const T0: i64 = 1_795_880_295;

    fn list(name: &str, tz: &str) -> ListConfig {
        let text = format!(
            "name = \"{name}\"\ndomain = \"ietf.test\"\nowners = [\"o@ietf.test\"]\n[workflow]\ntime_zone = \"{tz}\"\n"
        );
        crate::config::list::parse_list(std::path::Path::new(&format!("{name}.toml")), &text)
            .expect("list parses")
    }

    fn event(draft: &str, at: i64, from: Option<&str>, to: &str) -> DraftEvent {
        DraftEvent {
            draft: draft.into(),
            event: EventRow {
                at,
                actor: "chair@ietf.test".into(),
                from_state: from.map(|s| s.parse().expect("a state")),
                to_state: to.parse().expect("a state"),
                why: String::new(),
                message_id: "m@ietf.test".into(),
                forced: false,
            },
        }
    }

    fn draft(name: &str, rev: i64, state: &str, at: i64) -> DraftRow {
        DraftRow {
            list: "quic@ietf.test".into(),
            name: name.into(),
            rev: Some(rev),
            state: state.parse().expect("a state"),
            updated_at: at,
            tags: Vec::new(),
            title: String::new(),
            intended_status: None,
            rfc: None,
            replaced_by: None,
            replaces: None,
        }
    }

    fn sample(quic: &ListConfig, tls: &ListConfig) -> Report {
        let call = CallRow {
            id: 1,
            list: "quic@ietf.test".into(),
            draft: "draft-smith-quic-foo".into(),
            kind: CallKind::Adoption,
            rev: Some(3),
            anchor: "a@ietf.test".into(),
            subject: "Call for adoption: draft-smith-quic-foo-03 (Ends 2026-12-12)".into(),
            opened_at: T0,
            ends_at: T0 + 14 * DAY,
            state: crate::values::CallState::Open,
            closed_at: None,
        };
        let tally = Tally {
            replies: 4,
            classified: 3,
            coverage: 0.75,
            support: vec!["alice@example.org".into(), "bob@example.net".into()],
            object: vec!["dave@example.org".into()],
            objections: vec![Objection {
                from: "dave@example.org".into(),
                name: String::new(),
                reason: Some("scope".into()),
            }],
            ..Tally::default()
        };
        build(
            T0,
            T0 + WEEK,
            vec![
                GroupInput {
                    list: tls,
                    drafts: vec![],
                    events: vec![],
                    calls: vec![],
                },
                GroupInput {
                    list: quic,
                    drafts: vec![
                        draft("draft-ietf-quic-bar", 7, "iesg-eval", T0 - 30 * DAY),
                        draft("draft-ietf-quic-baz", 2, "wg-doc", T0 - 30 * DAY),
                        draft("draft-smith-quic-foo", 3, "cfa", T0 + DAY),
                    ],
                    events: within(
                        vec![
                            // Before the period: a change the previous report already showed.
                            event("draft-ietf-quic-baz", T0 - DAY, Some("adopted"), "wg-doc"),
                            event("draft-smith-quic-foo", T0 + DAY, Some("candidate"), "cfa"),
                            // At the very end of the period: the next report's.
                            event("draft-ietf-quic-baz", T0 + WEEK, Some("wg-doc"), "wglc"),
                        ],
                        T0,
                        T0 + WEEK,
                    ),
                    calls: vec![(call, tally)],
                },
            ],
        )
    }

    #[test]
    fn the_text_shows_changes_calls_and_what_waits_on_the_iesg() {
        let (quic, tls) = (list("quic", "UTC"), list("tls", "UTC"));
        let text = render_text(&sample(&quic, &tls));
        let expected = "\
Working group report, 2026-11-28 15:38 UTC to 2026-12-05 15:38 UTC

quic (quic@ietf.test)
  State changes:
    draft-smith-quic-foo, 2026-11-29 15:38 UTC, by chair@ietf.test
      IETF WG state changed to Call For Adoption By WG Issued
      from Candidate for WG Adoption
  Open calls:
    Call for adoption: draft-smith-quic-foo-03, ends 2026-12-12
      Support 2, Support with conditions 0, Object 1,
      No objection 0, Neutral 0, Late 0;
      Replies 4, with a position 3 (coverage 75%)
  Waiting on the IESG:
    draft-ietf-quic-bar-07: IESG Evaluation, since 2026-10-29

tls (tls@ietf.test): nothing to report.

";
        assert_eq!(text, expected);
        assert!(
            text.is_ascii() && text.lines().all(|l| l.len() < 76),
            "the mail goes out as 7bit"
        );
    }

    #[test]
    fn the_json_form_carries_the_same_facts() {
        let (quic, tls) = (list("quic", "UTC"), list("tls", "UTC"));
        let v = serde_json::to_value(sample(&quic, &tls)).expect("serializes");
        assert_eq!(v["since"], T0);
        let quic = &v["groups"][0];
        assert_eq!(quic["list"], "quic@ietf.test");
        assert_eq!(quic["changes"].as_array().map(Vec::len), Some(1));
        assert_eq!(quic["changes"][0]["from"], "candidate");
        assert_eq!(quic["changes"][0]["to"], "cfa");
        assert_eq!(quic["calls"][0]["support"], 2);
        assert_eq!(quic["calls"][0]["object"], 1);
        assert_eq!(quic["calls"][0]["ends"], "2026-12-12");
        assert_eq!(quic["waiting"][0]["draft"], "draft-ietf-quic-bar");
        assert_eq!(quic["waiting"][0]["state"], "iesg-eval");
        assert!(quic.get("tz").is_none());
        assert_eq!(v["groups"][1]["changes"], serde_json::json!([]));
    }

    #[test]
    fn dates_are_in_the_lists_time_zone() {
        let (quic, tls) = (list("quic", "America/Los_Angeles"), list("tls", "UTC"));
        let text = render_text(&sample(&quic, &tls));
        assert!(
            text.contains("draft-smith-quic-foo, 2026-11-29 07:38 PST, by chair@ietf.test"),
            "{text}"
        );
        assert!(text.contains("ends 2026-12-12"), "{text}");
    }

    #[test]
    fn a_new_draft_has_no_from_line_and_a_forced_move_says_so() {
        let quic = list("quic", "UTC");
        let mut forced = event(
            "draft-ietf-quic-qux",
            T0 + 2 * DAY,
            Some("wg-doc"),
            "writeup",
        );
        forced.event.forced = true;
        let r = build(
            T0,
            T0 + WEEK,
            vec![GroupInput {
                list: &quic,
                drafts: vec![],
                events: vec![
                    event("draft-ietf-quic-qux", T0 + DAY, None, "wg-doc"),
                    forced,
                ],
                calls: vec![],
            }],
        );
        let text = render_text(&r);
        assert!(
            text.contains(
                "    draft-ietf-quic-qux, 2026-11-29 15:38 UTC, by chair@ietf.test\n      IETF WG state changed to WG Document\n    draft-ietf-quic-qux, 2026-11-30"
            ),
            "{text}"
        );
        assert!(
            text.contains("2026-11-30 15:38 UTC, by chair@ietf.test (forced)\n      IETF WG state changed to WG Consensus: Waiting for Write-Up\n      from WG Document\n"),
            "{text}"
        );
        assert!(
            text.contains("  Open calls: none\n  Waiting on the IESG: none\n"),
            "{text}"
        );
    }

    #[test]
    fn forced_reasons_tags_and_rfc_numbers_are_shown() {
        let quic = list("quic", "UTC");
        let mut forced = event("draft-ietf-quic-qux", T0 + DAY, Some("wglc"), "wg-doc");
        forced.event.forced = true;
        forced.event.why = format!("the authors asked{}\nfor more time", " and".repeat(20));
        let mut qux = draft("draft-ietf-quic-qux", 4, "wg-doc", T0 + DAY);
        qux.tags = vec![Tag::RevWglc, Tag::NeedAut];
        let mut foo = draft("draft-ietf-quic-foo", 9, "published", T0 + 2 * DAY);
        foo.rfc = Some(9999);
        let mut bar = draft("draft-ietf-quic-bar", 7, "iesg-eval", T0);
        bar.tags = vec![Tag::Other];
        let r = build(
            T0,
            T0 + WEEK,
            vec![GroupInput {
                list: &quic,
                drafts: vec![qux, foo, bar],
                events: vec![
                    forced,
                    event(
                        "draft-ietf-quic-foo",
                        T0 + 2 * DAY,
                        Some("rfc-ed-queue"),
                        "published",
                    ),
                ],
                calls: vec![],
            }],
        );
        let text = render_text(&r);
        assert!(
            text.contains(
                "      from In WG Last Call\n      reason: the authors asked and and and"
            ),
            "{text}"
        );
        assert!(
            text.contains(" for more time\n      tags: need-aut, rev-wglc\n")
                || text.contains(" for more time\n      tags: rev-wglc, need-aut\n"),
            "{text}"
        );
        assert!(!text.contains("asked and and and and and and and and and and and and and and and and and and and and"), "wrapped: {text}");
        assert!(text.lines().all(|l| l.len() < 76), "{text}");
        assert!(
            text.contains("      from RFC Ed Queue\n      as RFC 9999\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "draft-ietf-quic-bar-07: IESG Evaluation, since 2026-11-28\n      tags: other\n"
            ),
            "{text}"
        );
        let v = serde_json::to_value(&r).expect("serializes");
        let changes = &v["groups"][0]["changes"];
        assert_eq!(changes[0]["why"], r.groups[0].changes[0].why);
        assert_eq!(changes[0]["tags"][0], "rev-wglc");
        assert_eq!(changes[1]["rfc"], 9999);
        assert_eq!(v["groups"][0]["waiting"][0]["tags"][0], "other");
    }

    #[test]
    fn every_waiting_state_and_no_other_counts_as_waiting_on_the_iesg() {
        let quic = list("quic", "UTC");
        let drafts = State::ALL
            .iter()
            .map(|s| draft(&format!("draft-x-{}", s.slug()), 0, s.slug(), T0))
            .collect();
        let r = build(
            T0,
            T0 + WEEK,
            vec![GroupInput {
                list: &quic,
                drafts,
                events: vec![],
                calls: vec![],
            }],
        );
        let mut got: Vec<&str> = r.groups[0].waiting.iter().map(|w| w.state.slug()).collect();
        got.sort_unstable();
        assert_eq!(got, ["approved", "iesg-eval", "ietf-lc", "submitted"]);
    }

    #[test]
    fn the_weekly_schedule() {
        for (last, now, enabled, recipients, expected) in [
            (0, T0, true, 2, Weekly::Start),
            (0, T0, false, 0, Weekly::Start),
            (T0, T0 + WEEK - 1, true, 2, Weekly::Wait),
            (T0, T0 + WEEK, true, 2, Weekly::Send),
            (T0, T0 + 3 * WEEK, true, 1, Weekly::Send),
            (T0, T0 + WEEK, false, 2, Weekly::Skip),
            (T0, T0 + WEEK, true, 0, Weekly::Skip),
        ] {
            assert_eq!(
                weekly(last, now, enabled, recipients),
                expected,
                "last {last}, now {now}, enabled {enabled}, recipients {recipients}"
            );
        }
    }

    #[test]
    fn recipients_are_the_iesg_then_the_iab_each_once() {
        let mut site = Site::default();
        site.iesg.members = vec!["ad@ietf.test".into(), "Both@ietf.test".into()];
        site.iab.members = vec!["both@ietf.test".into(), "iab@iab.test".into()];
        assert_eq!(
            recipients(&site),
            ["ad@ietf.test", "Both@ietf.test", "iab@iab.test"]
        );
    }

    #[test]
    fn the_mail_is_server_mail_to_one_recipient() {
        let site = Site::default();
        let (quic, tls) = (list("quic", "UTC"), list("tls", "UTC"));
        let body = render_text(&sample(&quic, &tls));
        let job = mail(&site, "ad@ietf.test", "Working group report", &body, T0).expect("job");
        assert_eq!(
            job.envelopes,
            vec![(
                "wgmail@localhost".to_owned(),
                vec!["ad@ietf.test".to_owned()]
            )]
        );
        let text = String::from_utf8(job.body).expect("utf8");
        assert!(
            text.contains("Auto-Submitted: auto-generated\r\n"),
            "{text}"
        );
        assert!(text.contains("To: ad@ietf.test\r\n"), "{text}");
        assert!(
            text.contains("Content-Transfer-Encoding: 7bit\r\n"),
            "{text}"
        );
    }

    #[test]
    fn since_dates() {
        assert_eq!(parse_date("2026-11-28"), Ok(T0 - T0.rem_euclid(DAY)));
        assert!(parse_date("28/11/2026").is_err());
        assert!(parse_date("2026-02-30").is_err());
    }
}
