//! The record on the list (issue 10, point 5): every workflow announcement — call, result,
//! publication request, IETF last call, approval, RFC, an AD's return to the WG — is a post of the
//! list (List-Id, one subject prefix, archived, threaded under the call it concerns) that reaches
//! each member once and each chair once; the IETF last call takes comments from anyone, a WG last
//! call only from members; `wgmail report` shows tags, forced moves' reasons and RFC numbers.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::chairs::{commands_by, show, text};
use crate::support::daemon::{TestDaemon, header, header_count, run_cli, until_committed};
use crate::support::relay::Captured;

const WAIT: Duration = Duration::from_secs(20);
const LIST: &str = "quic@ietf.test";
/// The first chair is also a member; the second is not.
const CHAIR: &str = "chair@ietf.test";
const CHAIR2: &str = "chair2@ietf.test";
const CHAIRS: &str = "chairs = [\"chair@ietf.test\", \"chair2@ietf.test\"]";
const AD: &str = "ad@iesg.test";
const ANNOUNCE: &str = "ietf-announce@ietf.test";
const IESG: &str =
    "[iesg]\nmembers = [\"ad@iesg.test\"]\nannounce_list = \"ietf-announce@ietf.test\"\n";
const MEMBERS: [&str; 4] = [
    "alice@example.org",
    "bob@example.net",
    "carol@example.com",
    CHAIR,
];
/// Not on the list.
const OUTSIDER: &str = "olga@elsewhere.example";

/// Waits until every accepted message is processed and every queued mail delivered, so that
/// counting copies sees all of them.
async fn settled(d: &TestDaemon) {
    d.wait_queue_drained().await;
    until_committed(&d.store(), "the outbound queue empties", WAIT, |s| {
        (s.queue_status().expect("status").outbound_pending == 0).then_some(())
    })
    .await;
}

/// Every delivered mail whose Subject is exactly `subject`.
fn with_subject(d: &TestDaemon, subject: &str) -> Vec<Captured> {
    d.relay
        .messages()
        .into_iter()
        .filter(|c| header(&c.data, "Subject").as_deref() == Some(subject))
        .collect()
}

/// How many copies of the mail with `subject` each recipient got.
fn copies(d: &TestDaemon, subject: &str) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for c in with_subject(d, subject) {
        for r in c.rcpts {
            *n.entry(r).or_insert(0) += 1;
        }
    }
    n
}

fn message_id(c: &Captured) -> String {
    header(&c.data, "Message-ID")
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned()
}

/// Checks a workflow announcement with `subject` (as delivered, prefix included): one list post,
/// List-Id and one prefix, archived in the thread of `parent` (when given) and threaded under it,
/// one copy to each member and to each chair, and to `also`. Returns the copy a member got.
async fn is_list_post(
    d: &TestDaemon,
    subject: &str,
    parent: Option<&str>,
    also: &[&str],
) -> Captured {
    settled(d).await;
    let expected: BTreeMap<String, usize> = MEMBERS
        .iter()
        .chain([CHAIR2].iter())
        .chain(also)
        .map(|a| (a.to_string(), 1))
        .collect();
    // Anyone else who got it would show up here too.
    let got = copies(d, subject);
    assert_eq!(got, expected, "one copy each of {subject:?}");
    let copy = with_subject(d, subject)
        .into_iter()
        .find(|c| c.rcpts.iter().any(|r| r == "alice@example.org"))
        .unwrap();
    assert_eq!(
        header(&copy.data, "List-Id").as_deref(),
        Some("The quic working group <quic.ietf.test>"),
        "{subject}"
    );
    assert_eq!(header_count(&copy.data, "Subject"), 1);
    assert_eq!(subject.matches("[quic]").count(), 1, "{subject}");
    let id = message_id(&copy);
    let store = d.store();
    let archived = store
        .message_by_id(LIST, &id)
        .unwrap()
        .unwrap_or_else(|| panic!("{subject:?} is archived"));
    if let Some(parent) = parent {
        assert_eq!(
            header(&copy.data, "In-Reply-To").as_deref(),
            Some(format!("<{parent}>").as_str()),
            "{subject} threads under the call"
        );
        let call = store.message_by_id(LIST, parent).unwrap().unwrap();
        assert_eq!(archived.thread_id, call.thread_id, "{subject}: same thread");
    }
    copy
}

/// `wgmail report` as of the test clock's now (the CLI reads the system clock; it runs the same
/// `gather` and `render_text`).
fn report(d: &TestDaemon) -> String {
    let now = d.clock.now();
    let cfg = d.config.current();
    let r = wgmail::report::gather(&d.store(), &cfg.lists, now - 30 * 86_400, now + 1, None)
        .expect("report");
    wgmail::report::render_text(&r)
}

/// A reply to the list from `who`, threaded under `parent`.
async fn reply(d: &TestDaemon, who: &str, parent: &str, body: &str, id: &str) {
    let raw = format!(
        "From: {who}\nTo: {LIST}\nSubject: Re: [quic] the call\nMessage-ID: <{id}>\nIn-Reply-To: <{parent}>\nReferences: <{parent}>\n\n{body}\n"
    );
    d.send_raw(Some(who), LIST, &raw).await;
}

/// The members' copy of the mail with `subject` (as delivered), once it arrived.
async fn arrived(d: &TestDaemon, subject: &str) -> Captured {
    let s = subject.to_owned();
    d.relay
        .wait_for_match(WAIT, subject, |c| {
            header(&c.data, "Subject").as_deref() == Some(s.as_str())
                && c.rcpts.iter().any(|r| r == "alice@example.org")
        })
        .await
        .into_iter()
        .find(|c| {
            header(&c.data, "Subject").as_deref() == Some(subject)
                && c.rcpts.iter().any(|r| r == "alice@example.org")
        })
        .unwrap()
}

fn held(d: &TestDaemon, message_id: &str) -> bool {
    d.store()
        .holds(LIST)
        .unwrap()
        .iter()
        .any(|h| h.message_id == message_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_last_call_to_rfc_every_announcement_is_a_list_post() {
    let d = TestDaemon::start_with(&MEMBERS, IESG, CHAIRS).await;
    let draft = "draft-ietf-quic-foo";
    commands_by(
        &d,
        CHAIR,
        "state draft-ietf-quic-foo wg-doc force reason \"adopted before wgmail\"\n\
         wglc start draft-ietf-quic-foo-05 for 1 week",
        "r1@t",
    )
    .await;
    let wglc = arrived(
        &d,
        "[quic] WG Last Call: draft-ietf-quic-foo-05 (Ends 2026-12-05)",
    )
    .await;
    let wglc_id = message_id(&wglc);
    is_list_post(
        &d,
        "[quic] WG Last Call: draft-ietf-quic-foo-05 (Ends 2026-12-05)",
        None,
        &[],
    )
    .await;

    // In a WG last call only members count: a non-member's reply is held for the moderators.
    reply(&d, OUTSIDER, &wglc_id, "I object: not ready.", "o-wglc@t").await;
    for (i, who) in MEMBERS.iter().take(3).enumerate() {
        reply(
            &d,
            who,
            &wglc_id,
            "Support; it is ready.",
            &format!("w{i}@t"),
        )
        .await;
    }
    d.wait_queue_drained().await;
    assert!(held(&d, "o-wglc@t"), "a non-member's WGLC reply is held");

    commands_by(
        &d,
        CHAIR,
        "wglc close draft-ietf-quic-foo reason \"all have replied\"",
        "r2@t",
    )
    .await;
    let result = is_list_post(
        &d,
        "[quic] Result: WG Last Call: draft-ietf-quic-foo-05",
        Some(&wglc_id),
        &[],
    )
    .await;
    assert!(text(&result).contains("Support (3)"), "{}", text(&result));
    assert!(!text(&result).contains(OUTSIDER), "{}", text(&result));
    assert_eq!(show(&d, draft).unwrap()["state"], "writeup");
    // The result is in the call's thread as `wgmail archive thread` prints it.
    let thread = d
        .store()
        .message_by_id(LIST, &wglc_id)
        .unwrap()
        .unwrap()
        .thread_id;
    let site = d.dir.path().join("wgmail.toml");
    let (ok, tree, err) = run_cli(&site, &["archive", "thread", "quic", &thread.to_string()]);
    assert!(ok, "{err}");
    // (The archive files the subject as composed; the prefix is the delivered copy's.)
    assert!(
        tree.contains(
            "quic-chairs@ietf.test WG Last Call: draft-ietf-quic-foo-05 (Ends 2026-12-05)\n"
        ) && tree.contains(
            "\n  2026-11-28 quic-chairs@ietf.test Result: WG Last Call: draft-ietf-quic-foo-05\n"
        ),
        "{tree}"
    );

    // The publication request: the IESG's own mail, and the WG's news on the list.
    commands_by(&d, CHAIR, "pubreq draft-ietf-quic-foo status ps", "r3@t").await;
    is_list_post(
        &d,
        "[quic] Publication requested: draft-ietf-quic-foo-05 as Proposed Standard",
        Some(&wglc_id),
        &[],
    )
    .await;
    assert_eq!(
        copies(
            &d,
            "Publication requested: draft-ietf-quic-foo-05 as Proposed Standard"
        )
        .get(AD),
        Some(&1)
    );

    // The IETF last call: the same bytes to the announce list; it names where comments go.
    commands_by(&d, AD, "ietf-lc start draft-ietf-quic-foo", "r4@t").await;
    let lc_subject =
        "[quic] Last Call: <draft-ietf-quic-foo-05.txt> (draft-ietf-quic-foo) to Proposed Standard";
    let lc = is_list_post(&d, lc_subject, None, &[ANNOUNCE]).await;
    let lc_id = message_id(&lc);
    let announced = with_subject(&d, lc_subject)
        .into_iter()
        .find(|c| c.rcpts.iter().any(|r| r == ANNOUNCE))
        .unwrap();
    // The list's copy as archived and delivered (members' copies differ only by their own
    // one-click unsubscribe line).
    let archived = d.store().message_by_id(LIST, &lc_id).unwrap().unwrap();
    assert!(
        announced.data == archived.raw,
        "the announce list gets the list's bytes"
    );
    let body = text(&lc);
    assert!(
        body.contains("last-call@ietf.org") && body.contains(LIST),
        "{body}"
    );

    // Anyone may comment on an IETF last call: a non-member's reply is posted and counted.
    reply(
        &d,
        OUTSIDER,
        &lc_id,
        "I object: the security considerations miss downgrade attacks.",
        "o-lc@t",
    )
    .await;
    d.wait_queue_drained().await;
    assert!(!held(&d, "o-lc@t"), "a reply to an IETF LC is not held");
    assert!(d.store().message_by_id(LIST, "o-lc@t").unwrap().is_some());
    let to_alice = |c: &Captured| {
        header(&c.data, "Message-ID").as_deref() == Some("<o-lc@t>")
            && c.rcpts.iter().any(|r| r == "alice@example.org")
    };
    d.relay
        .wait_for_match(WAIT, "the outsider's comment reaches the list", to_alice)
        .await;
    d.clock.advance(15 * 86_400);
    let result_subject = "[quic] Result: Last Call: draft-ietf-quic-foo-05";
    arrived(&d, result_subject).await;
    let result = is_list_post(&d, result_subject, Some(&lc_id), &[AD]).await;
    let body = text(&result);
    assert!(
        body.contains("Objections (1)") && body.contains(OUTSIDER),
        "the outsider's objection counts: {body}"
    );
    assert_eq!(show(&d, draft).unwrap()["state"], "iesg-eval");

    // Approval and RFC: IETF-wide, threaded under the draft's most recent call.
    commands_by(
        &d,
        AD,
        "ballot draft-ietf-quic-foo yes\napprove draft-ietf-quic-foo",
        "r5@t",
    )
    .await;
    is_list_post(
        &d,
        "[quic] Protocol Action: 'draft-ietf-quic-foo' to Proposed Standard (draft-ietf-quic-foo-05.txt)",
        Some(&lc_id),
        &[ANNOUNCE],
    )
    .await;
    commands_by(&d, AD, "published draft-ietf-quic-foo rfc 9999", "r6@t").await;
    is_list_post(
        &d,
        "[quic] RFC 9999 on draft-ietf-quic-foo",
        Some(&lc_id),
        &[ANNOUNCE],
    )
    .await;

    let report = report(&d);
    assert!(
        report.contains("(forced)\n      IETF WG state changed to WG Document\n      reason: adopted before wgmail\n"),
        "{report}"
    );
    assert!(
        report.contains("      from RFC Ed Queue\n      as RFC 9999\n"),
        "{report}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ads_return_reaches_chairs_and_list_and_the_report_shows_tags() {
    let d = TestDaemon::start_with(&MEMBERS, IESG, CHAIRS).await;
    let draft = "draft-ietf-quic-bar";
    commands_by(
        &d,
        CHAIR,
        "state draft-ietf-quic-bar wg-doc force reason \"imported\"\n\
         wglc start draft-ietf-quic-bar-02 for 1 week",
        "b1@t",
    )
    .await;
    // Nobody supports it: at the deadline it goes back to the WG with the rev-wglc tag.
    d.clock.advance(8 * 86_400);
    let wglc = arrived(
        &d,
        "[quic] WG Last Call: draft-ietf-quic-bar-02 (Ends 2026-12-05)",
    )
    .await;
    arrived(&d, "[quic] Result: WG Last Call: draft-ietf-quic-bar-02").await;
    is_list_post(
        &d,
        "[quic] Result: WG Last Call: draft-ietf-quic-bar-02",
        Some(&message_id(&wglc)),
        &[],
    )
    .await;
    assert_eq!(show(&d, draft).unwrap()["state"], "wg-doc");

    commands_by(
        &d,
        CHAIR,
        "state draft-ietf-quic-bar writeup\n\
         pubreq draft-ietf-quic-bar status info",
        "b2@t",
    )
    .await;
    commands_by(
        &d,
        AD,
        "state draft-ietf-quic-bar wg-doc reason \"needs a security considerations section\"",
        "b3@t",
    )
    .await;
    assert_eq!(show(&d, draft).unwrap()["state"], "wg-doc");
    let back = is_list_post(
        &d,
        "[quic] Returned to the working group: draft-ietf-quic-bar",
        Some(&message_id(&wglc)),
        &[],
    )
    .await;
    let body = text(&back);
    assert!(
        body.contains(AD) && body.contains("needs a security considerations section"),
        "{body}"
    );

    let report = report(&d);
    assert!(
        report.contains("(forced)\n      IETF WG state changed to WG Document\n      reason: imported\n    draft-ietf-quic-bar, "),
        "{report}"
    );
    // The tags as they stand, once, under the draft's last change.
    assert_eq!(report.matches("tags: rev-wglc").count(), 1, "{report}");
    assert!(
        report.contains("by ad@iesg.test\n      IETF WG state changed to WG Document\n      from Submitted to IESG for Publication\n      tags: rev-wglc\n"),
        "{report}"
    );
    d.stop().await;
}
