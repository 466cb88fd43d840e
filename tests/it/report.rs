//! The report up the structure: housekeeping mails it once a week to `[iesg] members` and
//! `[iab] members`, and `wgmail report` prints the same text. Per WG it lists the state changes of
//! the period, the open calls with their tally, and the drafts waiting on the IESG.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::chairs::chair_runs;
use crate::support::daemon::{TestDaemon, header, run_cli, write_list, write_site};
use crate::support::relay::Captured;
use wgmail::clock::{Clock, ymd};
use wgmail::store::{Action, CallReply, CallRow, DraftMove, Store};

const WAIT: Duration = Duration::from_secs(20);
const DAY: i64 = 86_400;

/// A move recorded straight in the store, for states no mail command reaches yet (publication
/// requests and the IESG's steps) and for history older than the test's daemon.
fn moved(draft: &str, rev: i64, from: Option<&str>, to: &str, actor: &str) -> Action {
    Action::DraftMove {
        m: DraftMove {
            list: "quic@ietf.test".into(),
            draft: draft.into(),
            rev: Some(rev),
            from: from.map(|s| s.parse().expect("a state")),
            to: to.parse().expect("a state"),
            actor: actor.into(),
            why: String::new(),
            message_id: format!("{draft}-{to}@ietf.test"),
            forced: false,
        },
        then: Vec::new(),
    }
}

fn is_report(c: &Captured) -> bool {
    header(&c.data, "Subject")
        .unwrap_or_default()
        .starts_with("Working group report, ")
}

/// How many reports each recipient got.
fn reports_per_rcpt(got: &[Captured]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in got.iter().filter(|c| is_report(c)) {
        for r in &c.rcpts {
            *out.entry(r.clone()).or_default() += 1;
        }
    }
    out
}

fn body(c: &Captured) -> String {
    wgmail::message::parse(&c.data)
        .body_text
        .replace("\r\n", "\n")
}

/// Waits until `check` holds, for state the daemon changes without sending mail.
async fn wait_store(d: &TestDaemon, what: &str, check: impl Fn(&wgmail::store::Store) -> bool) {
    let store = d.store();
    crate::support::daemon::until_committed(&store, what, WAIT, |s| check(s).then_some(())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_report_reaches_each_iesg_and_iab_member_once_a_week() {
    // both@ is in the IESG and the IAB, and gets one copy.
    let site = "\n[iesg]\nmembers = [\"ad@ietf.test\", \"both@ietf.test\"]\n\n[iab]\nmembers = [\"iab@iab.test\", \"Both@ietf.test\"]";
    let members = ["alice@example.org", "dave@example.org"];
    let mut d = TestDaemon::start_with(&members, site, "chairs = [\"chair@ietf.test\"]").await;
    let start = d.clock.now();
    // The first housekeeping pass starts the weekly clock and mails nothing.
    wait_store(&d, "the weekly clock starts", |s| {
        s.counter_value(wgmail::report::SENT_AT).ok() == Some(start)
    })
    .await;

    // A week's work: an adoption call opened, two positions on it, a draft with the IESG.
    chair_runs(&d, "candidate draft-smith-quic-foo", "w1@ietf.test").await;
    chair_runs(
        &d,
        "adoption start draft-smith-quic-foo-03 for 2 weeks",
        "w2@ietf.test",
    )
    .await;
    for (who, text, id) in [
        ("alice@example.org", "+1, long overdue.", "r1@example.org"),
        (
            "dave@example.org",
            "I object: the scope overlaps with the foo WG charter.",
            "r2@example.org",
        ),
    ] {
        let reply = format!(
            "From: {who}\nTo: quic@ietf.test\nSubject: Re: [quic] Call for adoption: draft-smith-quic-foo-03\nMessage-ID: <{id}>\n\n{text}\n"
        );
        d.send_raw(Some(who), "quic@ietf.test", &reply).await;
    }
    d.wait_queue_drained().await;
    d.store()
        .apply_now(
            vec![moved(
                "draft-ietf-quic-bar",
                7,
                None,
                "iesg-eval",
                "ad@ietf.test",
            )],
            start,
        )
        .await
        .expect("seeded");
    assert!(
        d.relay.messages().iter().all(|c| !is_report(c)),
        "no report before a week has passed"
    );

    let before = d.relay.messages().len();
    d.clock.advance(7 * DAY);
    // The three report copies (other mail still in flight may arrive between them).
    let got = d
        .relay
        .wait_for_all(WAIT, "three report copies", |c| {
            c[before.min(c.len())..]
                .iter()
                .filter(|c| is_report(c))
                .count()
                >= 3
        })
        .await;
    let expected: BTreeMap<String, usize> = [
        ("ad@ietf.test".to_owned(), 1),
        ("both@ietf.test".to_owned(), 1),
        ("iab@iab.test".to_owned(), 1),
    ]
    .into();
    assert_eq!(reports_per_rcpt(&got), expected);
    let report = got.iter().find(|c| is_report(c)).expect("a report");
    assert_eq!(report.mail_from, "wgmail@lists.test");
    assert_eq!(
        header(&report.data, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(
        header(&report.data, "Subject").as_deref(),
        Some("Working group report, 2026-11-28 to 2026-12-05")
    );
    let text = body(report);
    for part in [
        "Working group report, 2026-11-28 15:38 UTC to 2026-12-05 15:38 UTC\n",
        "quic (quic@ietf.test)\n",
        "    draft-smith-quic-foo, 2026-11-28 15:38 UTC, by chair@ietf.test\n      IETF WG state changed to Candidate for WG Adoption\n",
        "    draft-smith-quic-foo, 2026-11-28 15:38 UTC, by chair@ietf.test\n      IETF WG state changed to Call For Adoption By WG Issued\n      from Candidate for WG Adoption\n",
        "    Call for adoption: draft-smith-quic-foo-03, ends 2026-12-12\n      Support 1, Support with conditions 0, Object 1,\n",
        "Waiting on the IESG:\n    draft-ietf-quic-bar-07: IESG Evaluation, since 2026-11-28\n",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }

    // Six days on, the call's reminder goes out from a housekeeping pass that has already had the
    // report's turn (it comes first in the pass): still one report each.
    let before = d.relay.messages().len();
    d.clock.advance(6 * DAY);
    let got = d.relay.wait_for(before + members.len(), WAIT).await;
    assert!(
        got[before..].iter().any(|c| header(&c.data, "Subject")
            .unwrap_or_default()
            .starts_with("[quic] Reminder: Call for adoption")),
        "the reminder marks the pass"
    );
    wait_store(&d, "the outbound queue drains", |s| {
        s.queue_status().is_ok_and(|q| q.outbound_pending == 0)
    })
    .await;
    assert_eq!(reports_per_rcpt(&d.relay.messages()), expected);

    // A restart neither repeats the report nor starts the week over: the next one goes out seven
    // days after the first.
    d.running.take().expect("running").stop().await;
    d.running = Some(
        wgmail::server::start(d.config.clone(), d.clock.clone())
            .await
            .expect("daemon restarts"),
    );
    let before = d.relay.messages().len();
    d.clock.advance(DAY);
    // The three report copies (other mail still in flight may arrive between them).
    let got = d
        .relay
        .wait_for_all(WAIT, "three report copies", |c| {
            c[before.min(c.len())..]
                .iter()
                .filter(|c| is_report(c))
                .count()
                >= 3
        })
        .await;
    let twice: BTreeMap<String, usize> = expected.keys().map(|k| (k.clone(), 2)).collect();
    assert_eq!(reports_per_rcpt(&got), twice);
    let second = got[before..].iter().find(|c| is_report(c)).expect("report");
    let text = body(second);
    assert!(
        text.starts_with("Working group report, 2026-12-05 15:38 UTC to 2026-12-12 15:38 UTC\n"),
        "the second report covers the second week: {text}"
    );
    assert!(
        text.contains(
            "  State changes: none\n  Open calls:\n    Call for adoption: draft-smith-quic-foo-03"
        ),
        "last week's changes are not repeated; the call is still open: {text}"
    );
    d.stop().await;
}

fn reply(call_id: i64, person: &str, position: &str, date: i64) -> Action {
    Action::CallReply(CallReply {
        call_id,
        message_id: format!("{person}-{position}"),
        person: person.into(),
        name: String::new(),
        date,
        position: position.parse().expect("a position"),
        evidence: None,
        reason: None,
        member: true,
    })
}

#[test]
fn the_report_command_shows_the_changes_since_a_date_the_open_calls_and_the_iesg_drafts() {
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    write_list(dir.path(), "quic", "ietf.test", "");
    write_list(dir.path(), "tls", "ietf.test", "");
    // The CLI reads the system clock, so the history is placed relative to it.
    let now = Clock::System.now();
    let (old, recent) = (now - 30 * DAY, now - DAY);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let chair = "chair@ietf.test";
    runtime
        .block_on(store.apply_now(
            vec![
                moved("draft-ietf-quic-old", 2, None, "wg-doc", chair),
                moved("draft-ietf-quic-bar", 4, None, "writeup", chair),
                moved("draft-smith-quic-foo", 3, None, "candidate", chair),
            ],
            old,
        ))
        .unwrap();
    let ends = recent + 14 * DAY;
    runtime
        .block_on(store.apply_now(
            vec![
                moved(
                    "draft-ietf-quic-bar",
                    4,
                    Some("writeup"),
                    "submitted",
                    chair,
                ),
                moved("draft-smith-quic-foo", 3, Some("candidate"), "cfa", chair),
                Action::CallOpen(CallRow {
                    id: 0,
                    list: "quic@ietf.test".into(),
                    draft: "draft-smith-quic-foo".into(),
                    kind: wgmail::values::CallKind::Adoption,
                    rev: Some(3),
                    anchor: "call@ietf.test".into(),
                    subject: "Call for adoption: draft-smith-quic-foo-03".into(),
                    opened_at: recent,
                    ends_at: ends,
                    state: wgmail::values::CallState::Open,
                    closed_at: None,
                }),
            ],
            recent,
        ))
        .unwrap();
    let call = store.open_calls("quic@ietf.test").unwrap().remove(0);
    runtime
        .block_on(store.apply_now(
            vec![
                reply(call.id, "alice@example.org", "support", recent),
                reply(call.id, "dave@example.org", "object", recent),
            ],
            recent,
        ))
        .unwrap();
    store.close();

    let since = ymd(now - 10 * DAY);
    let (ok, text, err) = run_cli(&site, &["report", "--since", &since]);
    assert!(ok, "{err}");
    assert!(
        text.starts_with(&format!("Working group report, {since} 00:00 UTC to ")),
        "{text}"
    );
    for part in [
        "quic (quic@ietf.test)\n  State changes:\n",
        "by chair@ietf.test\n      IETF WG state changed to Submitted to IESG for Publication\n      from WG Consensus: Waiting for Write-Up\n",
        "by chair@ietf.test\n      IETF WG state changed to Call For Adoption By WG Issued\n      from Candidate for WG Adoption\n",
        &format!(
            "  Open calls:\n    Call for adoption: draft-smith-quic-foo-03, ends {}\n      Support 1, Support with conditions 0, Object 1,\n      No objection 0, Neutral 0, Late 0;\n      Replies 2, with a position 2 (coverage 100%)\n",
            ymd(ends)
        ),
        &format!(
            "  Waiting on the IESG:\n    draft-ietf-quic-bar-04: Submitted to IESG for Publication, since {}\n",
            ymd(recent)
        ),
        "tls (tls@ietf.test): nothing to report.\n",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
    // The changes of a month ago are before --since.
    assert!(!text.contains("draft-ietf-quic-old"), "{text}");
    assert!(
        !text.contains("changed to Candidate for WG Adoption\n"),
        "{text}"
    );
    assert_eq!(text.matches(", by chair@ietf.test").count(), 2, "{text}");

    // Without --since the period is the last seven days: the same facts.
    let (ok, last_week, err) = run_cli(&site, &["report"]);
    assert!(ok, "{err}");
    let after_header = |t: &str| t.split_once("\n\n").map(|(_, rest)| rest.to_owned());
    assert_eq!(after_header(&last_week), after_header(&text));

    let (ok, json, err) = run_cli(&site, &["report", "--since", &since, "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let quic = &v["groups"][0];
    assert_eq!(quic["list"], "quic@ietf.test");
    assert_eq!(quic["changes"].as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(quic["changes"][0]["draft"], "draft-ietf-quic-bar");
    assert_eq!(quic["changes"][0]["to"], "submitted");
    assert_eq!(quic["calls"][0]["support"], 1);
    assert_eq!(quic["calls"][0]["object"], 1);
    assert_eq!(quic["calls"][0]["ends_at"], ends);
    assert_eq!(quic["waiting"][0]["draft"], "draft-ietf-quic-bar");
    assert_eq!(v["groups"][1]["list"], "tls@ietf.test");
    assert_eq!(v["groups"][1]["waiting"], serde_json::json!([]));

    let (ok, _, err) = run_cli(&site, &["report", "--since", "last tuesday"]);
    assert!(!ok);
    assert!(err.contains("not a date like 2026-12-01"), "{err}");
}

/// The weekly report selects events by id: an event stamped before the last pass but committed
/// after it (a queue runner's batch straddling the pass) is in the next report, not in none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_after_a_pass_but_stamped_before_it_is_in_the_next_report() {
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    write_list(dir.path(), "quic", "ietf.test", "");
    let (cfg, problems) = wgmail::config::Config::load(Some(&site)).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let store = Store::open(&dir.path().join("data")).unwrap();
    let last_pass = 1_795_880_295;
    let before = store.max_event_id().unwrap();
    store
        .apply_now(
            vec![moved(
                "draft-ietf-quic-late",
                1,
                None,
                "wg-doc",
                "chair@ietf.test",
            )],
            last_pass - 1,
        )
        .await
        .unwrap();
    let upto = store.max_event_id().unwrap();
    let report = tokio::task::block_in_place(|| {
        wgmail::report::gather(
            &store,
            &cfg.lists,
            last_pass,
            last_pass + 7 * DAY,
            Some((before, upto)),
        )
    })
    .unwrap();
    let text = wgmail::report::render_text(&report);
    assert!(text.contains("draft-ietf-quic-late"), "{text}");
}
