//! Workflow commands by mail to `wg-chairs@`: a chair's command runs only after the chair confirms
//! it from the configured address; refused moves name the allowed next states; everyone else's
//! commands change nothing.

use std::time::Duration;

use crate::support::daemon::{TestDaemon, header, run_cli};
use crate::support::relay::Captured;

const WAIT: Duration = Duration::from_secs(20);
const CHAIRS: &str = "chairs = [\"chair@ietf.test\"]";

fn mail(from: &str, to: &str, subject: &str, body: &str, id: &str) -> String {
    format!("From: {from}\nTo: {to}\nSubject: {subject}\nMessage-ID: <{id}>\n\n{body}\n")
}

fn text(c: &Captured) -> String {
    String::from_utf8_lossy(&c.data).into_owned()
}

fn show(d: &TestDaemon, draft: &str) -> Option<serde_json::Value> {
    let (ok, out, _) = run_cli(
        &d.dir.path().join("wgmail.toml"),
        &["draft", "show", draft, "--json"],
    );
    ok.then(|| serde_json::from_str(&out).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chair_command_runs_only_after_confirmation() {
    let d = TestDaemon::start_with(&["alice@example.org"], "", CHAIRS).await;
    d.send_raw(
        Some("chair@ietf.test"),
        "quic-chairs@ietf.test",
        &mail(
            "chair@ietf.test",
            "quic-chairs@ietf.test",
            "commands",
            "candidate draft-smith-quic-foo\nstatus draft-smith-quic-foo\nend",
            "c1@ietf.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(2, WAIT).await;
    let confirmation = got
        .iter()
        .find(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .starts_with("confirm ")
        })
        .expect("a confirmation request");
    assert_eq!(confirmation.rcpts, vec!["chair@ietf.test".to_string()]);
    let results = got
        .iter()
        .find(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .starts_with("Results")
        })
        .expect("results");
    assert!(
        text(results).contains("pending confirmation"),
        "{}",
        text(results)
    );
    assert!(
        show(&d, "draft-smith-quic-foo").is_none(),
        "nothing changes before the confirmation"
    );

    let token_addr = header(&confirmation.data, "Reply-To").unwrap();
    d.send_raw(
        Some("chair@ietf.test"),
        &token_addr,
        &mail(
            "chair@ietf.test",
            &token_addr,
            "Re: confirm",
            "> quoted",
            "c2@ietf.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(3, WAIT).await;
    let done = text(&got[2]);
    assert!(
        done.contains("ok: IETF WG state changed to Candidate for WG Adoption"),
        "{done}"
    );
    let draft = show(&d, "draft-smith-quic-foo").expect("the draft exists now");
    assert_eq!(draft["state"], "candidate");
    assert_eq!(draft["stage"], 1);
    assert_eq!(draft["list"], "quic@ietf.test");
    let (_, history, _) = run_cli(
        &d.dir.path().join("wgmail.toml"),
        &["draft", "history", "draft-smith-quic-foo"],
    );
    assert_eq!(history.lines().count(), 1, "{history}");
    assert!(history.contains("chair@ietf.test"));

    // The same confirmation again does nothing more.
    d.send_raw(
        Some("chair@ietf.test"),
        &token_addr,
        &mail(
            "chair@ietf.test",
            &token_addr,
            "Re: confirm",
            "",
            "c3@ietf.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(4, WAIT).await;
    assert!(
        text(&got[3]).contains("already confirmed"),
        "{}",
        text(&got[3])
    );

    // A move the table does not allow is refused with the allowed next states.
    d.send_raw(
        Some("chair@ietf.test"),
        "quic-chairs@ietf.test",
        &mail(
            "chair@ietf.test",
            "quic-chairs@ietf.test",
            "state draft-smith-quic-foo wglc",
            "",
            "c4@ietf.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(6, WAIT).await;
    let confirmation = got[4..]
        .iter()
        .find(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .starts_with("confirm ")
        })
        .unwrap();
    let token_addr = header(&confirmation.data, "Reply-To").unwrap();
    d.send_raw(
        Some("chair@ietf.test"),
        &token_addr,
        &mail(
            "chair@ietf.test",
            &token_addr,
            "Re: confirm",
            "",
            "c5@ietf.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(7, WAIT).await;
    let refused = text(&got[6]);
    assert!(
        refused.contains("error:") && refused.contains("cfa"),
        "{refused}"
    );
    assert_eq!(
        show(&d, "draft-smith-quic-foo").unwrap()["state"],
        "candidate"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_non_chair_commands_change_nothing() {
    let d = TestDaemon::start_with(&["alice@example.org"], "", CHAIRS).await;
    // A member is not a chair.
    d.send_raw(
        Some("alice@example.org"),
        "quic-chairs@ietf.test",
        &mail(
            "alice@example.org",
            "quic-chairs@ietf.test",
            "candidate draft-alice-x",
            "",
            "f1@example.org",
        ),
    )
    .await;
    // Mallory forges the chair's From: the confirmation goes to the real chair's mailbox only.
    d.send_raw(
        Some("mallory@evil.test"),
        "quic-chairs@ietf.test",
        &mail(
            "chair@ietf.test",
            "quic-chairs@ietf.test",
            "candidate draft-mallory-x",
            "",
            "f2@evil.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(3, WAIT).await;
    assert!(
        got.iter()
            .all(|c| c.rcpts != vec!["mallory@evil.test".to_string()]),
        "nothing reaches the forger"
    );
    let to_alice = got
        .iter()
        .find(|c| c.rcpts == vec!["alice@example.org".to_string()])
        .unwrap();
    assert!(
        text(to_alice).contains("only the chairs"),
        "{}",
        text(to_alice)
    );
    let confirmation = got
        .iter()
        .find(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .starts_with("confirm ")
        })
        .unwrap();
    assert_eq!(confirmation.rcpts, vec!["chair@ietf.test".to_string()]);
    // Guessing is no help either: a confirmation from anyone but that chair is refused.
    let token_addr = header(&confirmation.data, "Reply-To").unwrap();
    d.send_raw(
        Some("mallory@evil.test"),
        &token_addr,
        &mail(
            "mallory@evil.test",
            &token_addr,
            "Re: confirm",
            "",
            "f3@evil.test",
        ),
    )
    .await;
    d.wait_queue_drained().await;
    assert!(show(&d, "draft-alice-x").is_none());
    assert!(
        show(&d, "draft-mallory-x").is_none(),
        "a forged From never moves a draft"
    );
    d.stop().await;
}
