//! Per-list posting policy: moderated lists, what happens to non-members' posts, the accepted
//! non-member patterns, and From munging for DMARC.

use std::time::Duration;

use crate::support::daemon::{TestDaemon, header, post};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderated_list_holds_members_posts_too() {
    let d = TestDaemon::start_with(&["alice@example.org"], "", "[posting]\nmoderated = true").await;
    d.send(post(
        "alice@example.org",
        "member post",
        "mod1@example.org",
        None,
    ))
    .await;
    d.wait_queue_drained().await;
    let holds = d.store().holds("quic@ietf.test").unwrap();
    assert_eq!(holds.len(), 1);
    assert!(holds[0].reason.contains("moderated"), "{}", holds[0].reason);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonmember_actions_and_accepted_patterns() {
    let list =
        "[posting]\nnonmember_action = \"reject\"\naccept_these_nonmembers = [\"@iana\\\\.test$\"]";
    let d = TestDaemon::start_with(&["alice@example.org"], "", list).await;
    d.send(post(
        "stranger@example.com",
        "hello",
        "n1@example.com",
        None,
    ))
    .await;
    d.send(post(
        "registry@iana.test",
        "assignment",
        "n2@iana.test",
        None,
    ))
    .await;
    let got = d.relay.wait_for(2, WAIT).await;
    let rejection = got
        .iter()
        .find(|c| c.rcpts == vec!["stranger@example.com".to_string()])
        .expect("stranger told");
    assert!(
        header(&rejection.data, "Subject")
            .unwrap_or_default()
            .contains("rejected")
    );
    let accepted = got
        .iter()
        .find(|c| header(&c.data, "Message-ID").as_deref() == Some("<n2@iana.test>"))
        .expect("accepted by pattern");
    assert_eq!(accepted.rcpts, vec!["alice@example.org".to_string()]);
    assert!(d.store().holds("quic@ietf.test").unwrap().is_empty());
    d.stop().await;

    let d = TestDaemon::start_with(
        &["alice@example.org"],
        "",
        "[posting]\nnonmember_action = \"discard\"",
    )
    .await;
    d.send(post(
        "stranger@example.com",
        "hello",
        "n3@example.com",
        None,
    ))
    .await;
    d.wait_queue_drained().await;
    assert!(d.relay.messages().is_empty(), "discarded silently");
    d.stop().await;

    let d = TestDaemon::start_with(
        &["alice@example.org"],
        "",
        "[posting]\nnonmember_action = \"accept\"",
    )
    .await;
    d.send(post(
        "stranger@example.com",
        "hello",
        "n4@example.com",
        None,
    ))
    .await;
    let got = d.relay.wait_for(1, WAIT).await;
    assert_eq!(got[0].rcpts, vec!["alice@example.org".to_string()]);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_munging_puts_the_list_in_from_and_the_poster_in_reply_to() {
    let d = TestDaemon::start_with(
        &["alice@example.org", "bob@example.net"],
        "",
        "[posting]\nfrom_munging = \"always\"",
    )
    .await;
    let msg = lettre::Message::builder()
        .from("Alice Example <alice@example.org>".parse().unwrap())
        .to("quic@ietf.test".parse().unwrap())
        .subject("dmarc")
        .message_id(Some("<dmarc@example.org>".into()))
        .body("hi".to_string())
        .unwrap();
    d.send(msg).await;
    let got = d.relay.wait_for_rcpts(2, WAIT).await;
    assert_eq!(
        header(&got[0].data, "From").as_deref(),
        Some("\"Alice Example via quic\" <quic@ietf.test>")
    );
    assert!(
        header(&got[0].data, "Reply-To")
            .unwrap_or_default()
            .contains("alice@example.org")
    );
    let store = d.store();
    let archived = store
        .message_by_id("quic@ietf.test", "dmarc@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(
        archived.from_addr, "alice@example.org",
        "the archive keeps the poster"
    );
    d.stop().await;
}

#[test]
fn a_bad_pattern_refuses_the_list_file() {
    let text = "name = \"wg\"\ndomain = \"example.org\"\nowners = [\"o@example.org\"]\n[posting]\naccept_these_nonmembers = [\"(unclosed\"]\nnonmember_action = \"bounce\"\n";
    let problems =
        wgmail::config::parse_list(std::path::Path::new("lists/wg.toml"), text).unwrap_err();
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert!(
        keys.contains(&"posting.accept_these_nonmembers"),
        "{problems:?}"
    );
    assert!(keys.contains(&"posting.nonmember_action"), "{problems:?}");
}
