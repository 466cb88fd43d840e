//! Bounce bookkeeping end to end: VERP and DSN reports score members (at most once a day, never for
//! temporary failures), delivery is disabled at the threshold with notices, and weekly reminders
//! end in removal — all on the injected clock.

use std::time::Duration;

use crate::support::daemon::{TestDaemon, header, run_cli};

const WAIT: Duration = Duration::from_secs(20);
const DAY: i64 = 86_400;

fn dsn(rcpt: &str, action: &str, status: &str, id: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\nTo: quic-bounces@ietf.test\nSubject: Undelivered Mail Returned to Sender\n\
Message-ID: <{id}>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n\
--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n\
--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n\
Final-Recipient: rfc822; {rcpt}\nAction: {action}\nStatus: {status}\nDiagnostic-Code: smtp; 550 no such user\n\n--B--\n"
    )
}

fn member(d: &TestDaemon, address: &str) -> Option<serde_json::Value> {
    let (ok, out, err) = run_cli(
        &d.dir.path().join("wgmail.toml"),
        &["member", "ls", "quic", "--json"],
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|m| m["address"] == address)
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verp_and_dsn_bounces_score_and_disable_delivery_at_the_threshold() {
    let d = TestDaemon::start(&["alice@example.org", "bob@example.net"]).await;
    // Day 1: a VERP bounce for bob, and a second one the same day that must not score again.
    for i in 0..2 {
        d.send_raw(
            None,
            "quic-bounces+bob=example.net@ietf.test",
            &dsn("bob@example.net", "failed", "5.1.1", &format!("v{i}@mx")),
        )
        .await;
    }
    // A temporary failure for alice never scores.
    d.send_raw(
        None,
        "quic-bounces@ietf.test",
        &dsn("alice@example.org", "delayed", "4.4.1", "t1@mx"),
    )
    .await;
    d.wait_queue_drained().await;
    assert_eq!(member(&d, "bob@example.net").unwrap()["bounce_score"], 1);
    assert_eq!(member(&d, "alice@example.org").unwrap()["bounce_score"], 0);

    // Days 2-5: plain DSNs to -bounces, one a day, bring bob to the threshold of 5.
    for day in 2..=5 {
        d.clock.advance(DAY);
        d.send_raw(
            None,
            "quic-bounces@ietf.test",
            &dsn("bob@example.net", "failed", "5.1.1", &format!("d{day}@mx")),
        )
        .await;
        d.wait_queue_drained().await;
    }
    let bob = member(&d, "bob@example.net").unwrap();
    assert_eq!(bob["bounce_score"], 5);
    assert_eq!(bob["delivery"], "disabled:bounces");
    let got = d.relay.wait_for(2, WAIT).await;
    assert!(got.iter().any(|c| {
        c.rcpts == vec!["bob@example.net".to_string()]
            && header(&c.data, "Subject")
                .unwrap_or_default()
                .contains("Delivery disabled")
    }));
    assert!(
        got.iter()
            .any(|c| c.rcpts == vec!["owner@ietf.test".to_string()]),
        "owners are told"
    );

    // A post now reaches alice only.
    d.send(crate::support::daemon::post(
        "alice@example.org",
        "after",
        "after@example.org",
        None,
    ))
    .await;
    let got = d.relay.wait_for(3, WAIT).await;
    let post = got
        .iter()
        .find(|c| header(&c.data, "Message-ID").as_deref() == Some("<after@example.org>"))
        .unwrap();
    assert_eq!(post.rcpts, vec!["alice@example.org".to_string()]);

    // Three weekly reminders, then removal with a notice to the owners.
    for week in 1..=3 {
        d.clock.advance(7 * DAY);
        let got = d.relay.wait_for(3 + week, WAIT).await;
        let last = got.last().unwrap();
        assert_eq!(last.rcpts, vec!["bob@example.net".to_string()]);
        assert!(
            header(&last.data, "Subject")
                .unwrap_or_default()
                .starts_with("Reminder")
        );
    }
    d.clock.advance(7 * DAY);
    let got = d.relay.wait_for(7, WAIT).await;
    assert!(
        header(&got[6].data, "Subject")
            .unwrap_or_default()
            .contains("removed after bounces"),
        "{:?}",
        header(&got[6].data, "Subject")
    );
    assert!(member(&d, "bob@example.net").is_none(), "bob was removed");
    // An owner can turn a member's delivery back on after bounces; the score starts again.
    let site = d.dir.path().join("wgmail.toml");
    assert!(run_cli(&site, &["member", "add", "quic", "bob@example.net"]).0);
    for day in 0..5 {
        d.clock.advance(DAY);
        d.send_raw(
            None,
            "quic-bounces@ietf.test",
            &dsn(
                "bob@example.net",
                "failed",
                "5.1.1",
                &format!("again{day}@mx"),
            ),
        )
        .await;
        d.wait_queue_drained().await;
    }
    assert_eq!(
        member(&d, "bob@example.net").unwrap()["delivery"],
        "disabled:bounces"
    );
    let (ok, _, err) = run_cli(&site, &["member", "enable", "quic", "bob@example.net"]);
    assert!(ok, "{err}");
    let bob = member(&d, "bob@example.net").unwrap();
    assert_eq!(
        (bob["delivery"].as_str(), bob["bounce_score"].as_i64()),
        (Some("enabled"), Some(0))
    );
    assert!(member(&d, "alice@example.org").is_some());
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounce_for_someone_who_is_not_a_member_changes_nothing() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    d.send_raw(
        None,
        "quic-bounces@ietf.test",
        &dsn("stranger@example.com", "failed", "5.1.1", "s1@mx"),
    )
    .await;
    d.send_raw(
        None,
        "quic-bounces+garbage@ietf.test",
        "Subject: not a report\n\nhello\n",
    )
    .await;
    d.wait_queue_drained().await;
    assert_eq!(member(&d, "alice@example.org").unwrap()["bounce_score"], 0);
    let store = d.store();
    let status = tokio::task::spawn_blocking(move || store.queue_status())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.inbound_parked, 0);
    assert!(d.relay.messages().is_empty(), "bounces are never answered");
    d.stop().await;
}
