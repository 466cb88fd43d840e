//! I-D announcements are trusted only when DKIM-verified (issue 10): a genuine one signed by the
//! list's `announcements_dkim_domain` records the draft's revision and title and is not held; a
//! forgery (another key, no signature, another domain) changes nothing, goes to the chairs with the
//! reason, and meets the list's moderation like any post. Keys are the test keys of
//! `support::dkim`, known to the daemon through `[dkim] keys` with DNS off.

use std::time::Duration;

use crate::chairs::{commands_by, show};
use crate::support::daemon::{TestDaemon, header};
use crate::support::dkim::{self, Key};
use crate::support::relay::Captured;

const WAIT: Duration = Duration::from_secs(20);
const CHAIR: &str = "chair@ietf.test";
const DRAFT: &str = "draft-ietf-quic-bar";

/// The list has one chair; `internet-drafts@ietf.org` is not a member and not accepted as a
/// non-member, so anything it sends that is not verified is held.
async fn daemon() -> TestDaemon {
    let d = TestDaemon::start_with(
        &["alice@example.org"],
        &dkim::site(),
        "chairs = [\"chair@ietf.test\"]",
    )
    .await;
    commands_by(&d, CHAIR, &format!("candidate {DRAFT}"), "reg@t").await;
    let draft = show(&d, DRAFT).expect("registered");
    assert_eq!(draft["state"], "candidate", "{draft}");
    assert!(draft["rev"].is_null(), "{draft}");
    d
}

fn announcement(rev: &str, title: &str, id: &str) -> String {
    format!(
        "From: internet-drafts@ietf.org\nTo: quic@ietf.test\nSubject: I-D Action: {DRAFT}-{rev}.txt\nMessage-ID: <{id}>\n\nA New Internet-Draft is available from the on-line Internet-Drafts directories.\n\n   Title:   {title}\n   Name:    {DRAFT}-{rev}.txt\n"
    )
}

async fn send(d: &TestDaemon, raw: &str) {
    d.send_raw(Some("internet-drafts@ietf.org"), "quic@ietf.test", raw)
        .await;
    d.wait_queue_drained().await;
}

/// The chairs' copy of the untrusted announcement `id`, once it arrives.
async fn told_chairs(d: &TestDaemon, id: &str) -> Captured {
    let about = |c: &Captured| {
        c.rcpts.iter().any(|r| r == CHAIR)
            && header(&c.data, "Subject").is_some_and(|s| s.starts_with("Not trusted: I-D Action"))
            && String::from_utf8_lossy(&c.data).contains(&format!("<{id}>"))
    };
    let all = d
        .relay
        .wait_for_match(WAIT, &format!("the chairs told about {id}"), about)
        .await;
    all.into_iter().find(|c| about(c)).expect("found")
}

/// The text of a notice (decoded), and the content types of its attachments.
fn read(c: &Captured) -> (String, Vec<String>) {
    let m = mailparse::parse_mail(&c.data).expect("parses");
    let first = m.subparts.first().unwrap_or(&m);
    let attached = m
        .subparts
        .iter()
        .skip(1)
        .map(|p| p.ctype.mimetype.clone())
        .collect();
    (first.get_body().expect("body"), attached)
}

fn held(d: &TestDaemon) -> Vec<String> {
    d.store()
        .holds("quic@ietf.test")
        .unwrap()
        .into_iter()
        .map(|h| h.message_id)
        .collect()
}

/// A members' copy of the post `id` went out (the list delivered it).
async fn delivered(d: &TestDaemon, id: &str) {
    d.relay
        .wait_for_match(WAIT, &format!("{id} delivered to alice"), |c| {
            c.rcpts.iter().any(|r| r == "alice@example.org")
                && header(&c.data, "Message-ID").is_some_and(|m| m.contains(id))
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genuine_signed_announcement_records_the_revision_and_title() {
    let d = daemon().await;
    let raw = dkim::sign(
        &announcement("03", "QUIC Bar", "g1@t"),
        Key::Genuine,
        "ietf.org",
    );
    send(&d, &raw).await;
    let draft = show(&d, DRAFT).unwrap();
    assert_eq!(draft["rev"], 3, "{draft}");
    assert_eq!(draft["title"], "QUIC Bar", "{draft}");
    // Nothing was sent to the chairs about it.
    assert!(
        !d.relay
            .messages()
            .iter()
            .any(|c| header(&c.data, "Subject").is_some_and(|s| s.starts_with("Not trusted"))),
        "a genuine announcement was reported as untrusted"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_announcement_from_a_sender_not_allowed_to_post_is_not_held() {
    let d = daemon().await;
    let raw = dkim::sign(
        &announcement("01", "QUIC Bar", "v1@t"),
        Key::Genuine,
        "ietf.org",
    );
    send(&d, &raw).await;
    delivered(&d, "v1@t").await;
    assert!(held(&d).is_empty(), "{:?}", held(&d));
    assert_eq!(show(&d, DRAFT).unwrap()["rev"], 1);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_announcements_change_nothing_and_reach_the_chairs() {
    let d = daemon().await;
    // Signed by another key under ietf.org's selector: the signature does not verify.
    let wrong_key = dkim::sign(
        &announcement("55", "Evil Title", "f1@t"),
        Key::Forger,
        "ietf.org",
    );
    send(&d, &wrong_key).await;
    // No signature at all.
    send(&d, &announcement("56", "Evil Title", "f2@t")).await;
    let draft = show(&d, DRAFT).unwrap();
    assert!(draft["rev"].is_null(), "{draft}");
    assert!(
        draft["title"].is_null() || draft["title"] != "Evil Title",
        "{draft}"
    );

    let (text, attached) = read(&told_chairs(&d, "f1@t").await);
    assert!(text.contains("d=ietf.org does not verify"), "{text}");
    assert_eq!(attached, ["message/rfc822"], "the forgery is attached");
    let (text, _) = read(&told_chairs(&d, "f2@t").await);
    assert!(text.contains("no DKIM signature"), "{text}");
    // They meet the list's moderation like any post from a non-member.
    let mut held = held(&d);
    held.sort();
    assert_eq!(held, ["f1@t", "f2@t"]);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_signed_by_another_domain_changes_nothing() {
    let d = daemon().await;
    // A valid signature (example.org publishes this key) but not by ietf.org.
    let raw = dkim::sign(
        &announcement("07", "Evil Title", "w1@t"),
        Key::Genuine,
        "example.org",
    );
    send(&d, &raw).await;
    assert!(show(&d, DRAFT).unwrap()["rev"].is_null());
    let (text, _) = read(&told_chairs(&d, "w1@t").await);
    assert!(
        text.contains("d=example.org verifies, but ietf.org is required"),
        "{text}"
    );
    assert_eq!(held(&d), ["w1@t"]);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_genuine_lower_revision_after_a_forged_higher_one_is_recorded() {
    let d = daemon().await;
    let forged = dkim::sign(
        &announcement("09", "Evil Title", "h1@t"),
        Key::Forger,
        "ietf.org",
    );
    send(&d, &forged).await;
    let genuine = dkim::sign(
        &announcement("02", "QUIC Bar", "h2@t"),
        Key::Genuine,
        "ietf.org",
    );
    send(&d, &genuine).await;
    let draft = show(&d, DRAFT).unwrap();
    assert_eq!(draft["rev"], 2, "{draft}");
    assert_eq!(draft["title"], "QUIC Bar", "{draft}");
    d.stop().await;
}
