//! Membership by mail, end to end through SMTP and the capturing relay: double opt-in for
//! subscribe and unsubscribe, forged requests, expired and reused tokens, robots never answered,
//! and the daily reply limit.

use std::time::Duration;

use crate::support::daemon::{TestDaemon, header, run_cli};
use crate::support::relay::Captured;

const WAIT: Duration = Duration::from_secs(20);

fn mail(from: &str, to: &str, subject: &str, body: &str, id: &str) -> String {
    format!("From: {from}\nTo: {to}\nSubject: {subject}\nMessage-ID: <{id}>\n\n{body}\n")
}

/// The token in a confirmation request's Subject (`confirm TOKEN`).
fn token_of(c: &Captured) -> String {
    let subject = header(&c.data, "Subject").unwrap_or_default();
    subject
        .strip_prefix("confirm ")
        .expect("a confirmation request")
        .to_owned()
}

fn sent_to<'a>(got: &'a [Captured], who: &str, subject_part: &str) -> Vec<&'a Captured> {
    got.iter()
        .filter(|c| {
            c.rcpts.iter().any(|r| r == who)
                && header(&c.data, "Subject")
                    .unwrap_or_default()
                    .contains(subject_part)
        })
        .collect()
}

fn members(d: &TestDaemon) -> Vec<String> {
    let (ok, out, err) = run_cli(&d.dir.path().join("wgmail.toml"), &["member", "ls", "quic"]);
    assert!(ok, "{err}");
    out.lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_confirm_welcome_then_unsubscribe_confirm_goodbye() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    d.send_raw(
        Some("carol@example.com"),
        "quic-request@ietf.test",
        &mail(
            "carol@example.com",
            "quic-request@ietf.test",
            "subscribe",
            "",
            "s1@example.com",
        ),
    )
    .await;
    let got = d.relay.wait_for(2, WAIT).await;
    let confirmation = sent_to(&got, "carol@example.com", "confirm ");
    assert_eq!(confirmation.len(), 1, "one confirmation request to carol");
    let c = confirmation[0];
    let token = token_of(c);
    assert_eq!(token.len(), 32);
    let confirm_addr = format!("quic-confirm+{token}@ietf.test");
    assert_eq!(
        header(&c.data, "Reply-To").as_deref(),
        Some(confirm_addr.as_str())
    );
    assert!(
        header(&c.data, "From")
            .unwrap_or_default()
            .contains(&confirm_addr)
    );
    assert_eq!(
        header(&c.data, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let results = sent_to(&got, "carol@example.com", "results of your email commands");
    assert_eq!(results.len(), 1);
    assert!(
        String::from_utf8_lossy(&results[0].data)
            .contains("a confirmation request was sent to carol@example.com")
    );
    assert!(
        !members(&d).contains(&"carol@example.com".to_string()),
        "not a member before confirming"
    );

    // Carol replies to the confirmation.
    d.send_raw(
        Some("carol@example.com"),
        &confirm_addr,
        &mail(
            "carol@example.com",
            &confirm_addr,
            &format!("Re: confirm {token}"),
            "> quoted",
            "s2@example.com",
        ),
    )
    .await;
    let got = d.relay.wait_for(3, WAIT).await;
    assert_eq!(
        sent_to(&got, "carol@example.com", "Welcome to the quic list").len(),
        1
    );
    assert!(members(&d).contains(&"carol@example.com".to_string()));

    // And leaves the same way, through -leave.
    d.send_raw(
        Some("carol@example.com"),
        "quic-leave@ietf.test",
        &mail(
            "carol@example.com",
            "quic-leave@ietf.test",
            "bye",
            "",
            "s3@example.com",
        ),
    )
    .await;
    let got = d.relay.wait_for(4, WAIT).await;
    let leave = sent_to(&got, "carol@example.com", "confirm ");
    assert_eq!(leave.len(), 2);
    let token2 = token_of(leave[1]);
    assert!(
        members(&d).contains(&"carol@example.com".to_string()),
        "still a member until confirmed"
    );
    d.send_raw(
        Some("carol@example.com"),
        "quic-request@ietf.test",
        &mail(
            "carol@example.com",
            "quic-request@ietf.test",
            "hello",
            &format!("confirm {token2}"),
            "s4@example.com",
        ),
    )
    .await;
    let got = d.relay.wait_for(6, WAIT).await;
    assert_eq!(
        sent_to(&got, "carol@example.com", "You have left the quic list").len(),
        1
    );
    assert!(!members(&d).contains(&"carol@example.com".to_string()));
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_unsubscribe_changes_nothing() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    // Mallory asks to unsubscribe Alice: the confirmation goes to Alice, never to Mallory.
    d.send_raw(
        Some("mallory@evil.test"),
        "quic-request@ietf.test",
        &mail(
            "mallory@evil.test",
            "quic-request@ietf.test",
            "unsubscribe alice@example.org",
            "",
            "f1@evil.test",
        ),
    )
    .await;
    // Mallory forges Alice's From on -leave: the confirmation still goes to Alice's mailbox.
    d.send_raw(
        Some("mallory@evil.test"),
        "quic-leave@ietf.test",
        &mail(
            "alice@example.org",
            "quic-leave@ietf.test",
            "",
            "",
            "f2@evil.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(3, WAIT).await;
    let to_mallory: Vec<_> = got
        .iter()
        .filter(|c| c.rcpts.contains(&"mallory@evil.test".to_string()))
        .collect();
    assert_eq!(
        to_mallory.len(),
        1,
        "mallory only gets the results of her command"
    );
    assert!(
        header(&to_mallory[0].data, "Subject")
            .unwrap_or_default()
            .contains("results")
    );
    assert!(
        !String::from_utf8_lossy(&to_mallory[0].data).contains("quic-confirm+"),
        "no token reaches the requester"
    );
    assert_eq!(sent_to(&got, "alice@example.org", "confirm ").len(), 2);
    assert_eq!(
        members(&d),
        vec!["alice@example.org".to_string()],
        "alice is still a member"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_reused_tokens_are_refused() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    d.send_raw(
        Some("dave@example.net"),
        "quic-join@ietf.test",
        &mail(
            "dave@example.net",
            "quic-join@ietf.test",
            "join",
            "",
            "e1@example.net",
        ),
    )
    .await;
    let got = d.relay.wait_for(1, WAIT).await;
    let token = token_of(sent_to(&got, "dave@example.net", "confirm ")[0]);
    d.clock.advance(3 * 86_400 + 1);
    let confirm_addr = format!("quic-confirm+{token}@ietf.test");
    d.send_raw(
        Some("dave@example.net"),
        &confirm_addr,
        &mail(
            "dave@example.net",
            &confirm_addr,
            "Re: confirm",
            "",
            "e2@example.net",
        ),
    )
    .await;
    let got = d.relay.wait_for(2, WAIT).await;
    let reply = sent_to(&got, "dave@example.net", "results");
    assert_eq!(reply.len(), 1);
    assert!(
        String::from_utf8_lossy(&reply[0].data).contains("expired"),
        "{}",
        String::from_utf8_lossy(&reply[0].data)
    );
    assert!(!members(&d).contains(&"dave@example.net".to_string()));

    // A fresh request, confirmed twice: the second is refused.
    d.send_raw(
        Some("dave@example.net"),
        "quic-join@ietf.test",
        &mail(
            "dave@example.net",
            "quic-join@ietf.test",
            "join",
            "",
            "e3@example.net",
        ),
    )
    .await;
    let got = d.relay.wait_for(3, WAIT).await;
    let token = token_of(sent_to(&got, "dave@example.net", "confirm ")[1]);
    let confirm_addr = format!("quic-confirm+{token}@ietf.test");
    d.send_raw(
        Some("dave@example.net"),
        &confirm_addr,
        &mail(
            "dave@example.net",
            &confirm_addr,
            "Re: confirm",
            "",
            "e4@example.net",
        ),
    )
    .await;
    d.relay.wait_for(4, WAIT).await; // welcome
    d.send_raw(
        Some("dave@example.net"),
        &confirm_addr,
        &mail(
            "dave@example.net",
            &confirm_addr,
            "Re: confirm",
            "",
            "e5@example.net",
        ),
    )
    .await;
    let got = d.relay.wait_for(5, WAIT).await;
    let last = &got[4];
    assert!(
        String::from_utf8_lossy(&last.data).contains("already been used"),
        "{}",
        String::from_utf8_lossy(&last.data)
    );
    assert_eq!(
        sent_to(&got, "dave@example.net", "Welcome").len(),
        1,
        "welcomed once"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_and_bulk_mail_are_never_answered_and_replies_are_rate_limited() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    let robot = |extra: &str, id: &str| {
        format!(
            "From: bot@example.com\nTo: quic-request@ietf.test\nSubject: help\n{extra}Message-ID: <{id}>\n\nhelp\n"
        )
    };
    d.send_raw(
        Some("bot@example.com"),
        "quic-request@ietf.test",
        &robot("Auto-Submitted: auto-replied\n", "r1@example.com"),
    )
    .await;
    d.send_raw(
        Some("bot@example.com"),
        "quic-request@ietf.test",
        &robot("Precedence: bulk\n", "r2@example.com"),
    )
    .await;
    d.send_raw(None, "quic-request@ietf.test", &robot("", "r3@example.com"))
        .await;
    // Twelve help requests from one person: ten answers, then one notice saying why no more.
    for i in 0..12 {
        d.send_raw(
            Some("eve@example.org"),
            "quic-request@ietf.test",
            &mail(
                "eve@example.org",
                "quic-request@ietf.test",
                "help",
                "",
                &format!("h{i}@example.org"),
            ),
        )
        .await;
    }
    let got = d.relay.wait_for(10, WAIT).await;
    assert!(
        got.iter()
            .all(|c| c.rcpts == vec!["eve@example.org".to_string()]),
        "the robots got nothing"
    );
    d.wait_queue_drained().await;
    // Deliveries already queued would show up at the relay before a fresh post does.
    d.send_raw(
        Some("alice@example.org"),
        "quic@ietf.test",
        &mail(
            "alice@example.org",
            "quic@ietf.test",
            "marker",
            "",
            "marker@example.org",
        ),
    )
    .await;
    let got = d.relay.wait_for(12, WAIT).await;
    let to_eve: Vec<String> = got
        .iter()
        .filter(|c| c.rcpts == vec!["eve@example.org".to_string()])
        .map(|c| header(&c.data, "Subject").unwrap_or_default())
        .collect();
    assert_eq!(
        to_eve.len(),
        11,
        "at most ten replies a day, then one notice: {to_eve:?}"
    );
    assert_eq!(
        to_eve
            .iter()
            .filter(|s| s.starts_with("Daily limit of automatic replies"))
            .count(),
        1,
        "{to_eve:?}"
    );
    let help = String::from_utf8_lossy(&got[0].data).into_owned();
    for word in [
        "subscribe",
        "unsubscribe",
        "confirm",
        "help",
        "who",
        "quic-join@ietf.test",
        "quic-leave@ietf.test",
        "quic-owner@ietf.test",
    ] {
        assert!(help.contains(word), "help mentions {word}: {help}");
    }
    // The next day the limit starts again.
    d.clock.advance(86_400);
    d.send_raw(
        Some("eve@example.org"),
        "quic-request@ietf.test",
        &mail(
            "eve@example.org",
            "quic-request@ietf.test",
            "help",
            "",
            "h99@example.org",
        ),
    )
    .await;
    let got = d.relay.wait_for(12, WAIT).await;
    assert_eq!(
        got.iter()
            .filter(|c| c.rcpts == vec!["eve@example.org".to_string()])
            .count(),
        11
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_follows_the_roster_setting() {
    let d = TestDaemon::start(&["alice@example.org", "bob@example.net"]).await;
    d.send_raw(
        Some("alice@example.org"),
        "quic-request@ietf.test",
        &mail(
            "alice@example.org",
            "quic-request@ietf.test",
            "who",
            "",
            "w1@example.org",
        ),
    )
    .await;
    d.send_raw(
        Some("owner@ietf.test"),
        "quic-request@ietf.test",
        &mail(
            "owner@ietf.test",
            "quic-request@ietf.test",
            "who",
            "",
            "w2@ietf.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(2, WAIT).await;
    let to_alice = String::from_utf8_lossy(&sent_to(&got, "alice@example.org", "results")[0].data)
        .into_owned();
    assert!(
        to_alice.contains("not available to you") && !to_alice.contains("bob@example.net"),
        "{to_alice}"
    );
    let to_owner =
        String::from_utf8_lossy(&sent_to(&got, "owner@ietf.test", "results")[0].data).into_owned();
    assert!(
        to_owner.contains("bob@example.net") && to_owner.contains("alice@example.org"),
        "{to_owner}"
    );
    d.stop().await;
}
