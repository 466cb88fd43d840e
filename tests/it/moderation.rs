//! Moderation by mail: a held post goes to the moderators with the post attached and a token
//! Reply-To; the first authored line of a moderator's reply decides; everyone else changes nothing;
//! holds nobody decides on expire with a notice to the poster.

use std::time::Duration;

use crate::support::daemon::{TestDaemon, header, post};
use crate::support::relay::Captured;

const WAIT: Duration = Duration::from_secs(20);

fn reply(from: &str, to: &str, body: &str, id: &str) -> String {
    format!(
        "From: {from}\nTo: {to}\nSubject: Re: held post\nMessage-ID: <{id}>\n\n{body}\n\n> quoted notice text\n"
    )
}

/// The moderation notice to the owner and its token address.
fn notice_to_owner(got: &[Captured]) -> (&Captured, String) {
    let c = got
        .iter()
        .find(|c| c.rcpts == vec!["owner@ietf.test".to_string()])
        .expect("a notice to the moderator");
    let reply_to = header(&c.data, "Reply-To").expect("Reply-To");
    assert!(
        reply_to.starts_with("quic-confirm+") && reply_to.ends_with("@ietf.test"),
        "{reply_to}"
    );
    (c, reply_to)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_approves_by_reply_and_others_cannot() {
    let d = TestDaemon::start(&["alice@example.org", "bob@example.net"]).await;
    d.send(post(
        "guest@example.com",
        "A question from outside",
        "q1@example.com",
        None,
    ))
    .await;
    let got = d.relay.wait_for(2, WAIT).await;
    let (notice, token_addr) = notice_to_owner(&got);
    let text = String::from_utf8_lossy(&notice.data).into_owned();
    assert!(
        text.contains("Content-Type: message/rfc822"),
        "the post is attached: {text}"
    );
    assert!(
        text.contains("A question from outside")
            && text.contains("approve")
            && text.contains("discard")
    );

    // A member who is not a moderator, holding the token, changes nothing.
    d.send_raw(
        Some("alice@example.org"),
        &token_addr,
        &reply(
            "alice@example.org",
            &token_addr,
            "approve",
            "m1@example.org",
        ),
    )
    .await;
    // The moderator's unclear reply changes nothing either, and gets the help.
    d.send_raw(
        Some("owner@ietf.test"),
        &token_addr,
        &reply(
            "owner@ietf.test",
            &token_addr,
            "looks fine to me",
            "m2@ietf.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(4, WAIT).await;
    assert!(
        String::from_utf8_lossy(
            &got.iter()
                .find(|c| c.rcpts == vec!["alice@example.org".to_string()])
                .unwrap()
                .data
        )
        .contains("only the list's moderators")
    );
    assert!(
        got.iter()
            .filter(|c| c.rcpts == vec!["owner@ietf.test".to_string()])
            .any(|c| String::from_utf8_lossy(&c.data).contains("nothing was changed"))
    );
    assert_eq!(
        d.store().holds("quic@ietf.test").unwrap().len(),
        1,
        "still held"
    );

    // The moderator approves: the post reaches both members once.
    d.send_raw(
        Some("owner@ietf.test"),
        &token_addr,
        &reply("owner@ietf.test", &token_addr, "approve", "m3@ietf.test"),
    )
    .await;
    // Two personalized copies, one per member.
    let got = d.relay.wait_for(6, WAIT).await;
    let copies: Vec<_> = got
        .iter()
        .filter(|c| header(&c.data, "Message-ID").as_deref() == Some("<q1@example.com>"))
        .collect();
    let delivered = copies[0];
    let mut rcpts: Vec<String> = copies.iter().flat_map(|c| c.rcpts.clone()).collect();
    rcpts.sort();
    assert_eq!(
        rcpts,
        vec![
            "alice@example.org".to_string(),
            "bob@example.net".to_string()
        ]
    );
    assert_eq!(
        header(&delivered.data, "Subject").as_deref(),
        Some("[quic] A question from outside")
    );
    assert!(d.store().holds("quic@ietf.test").unwrap().is_empty());

    // A second decision on the same post is refused.
    d.send_raw(
        Some("owner@ietf.test"),
        &token_addr,
        &reply("owner@ietf.test", &token_addr, "discard", "m4@ietf.test"),
    )
    .await;
    let got = d.relay.wait_for(7, WAIT).await;
    assert!(String::from_utf8_lossy(&got[6].data).contains("already dealt with"));
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_tells_the_poster_why_and_unanswered_holds_expire() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    d.send(post("rude@example.com", "Rude", "rude@example.com", None))
        .await;
    let got = d.relay.wait_for(2, WAIT).await;
    let (_, token_addr) = notice_to_owner(&got);
    d.send_raw(
        Some("owner@ietf.test"),
        &token_addr,
        &reply(
            "owner@ietf.test",
            &token_addr,
            "reject Please keep it civil.",
            "j1@ietf.test",
        ),
    )
    .await;
    let got = d.relay.wait_for(3, WAIT).await;
    let told = &got[2];
    assert_eq!(told.rcpts, vec!["rude@example.com".to_string()]);
    assert!(String::from_utf8_lossy(&told.data).contains("Please keep it civil."));
    assert!(d.store().holds("quic@ietf.test").unwrap().is_empty());

    // Another hold nobody decides on expires after holds.ttl (14 days); the poster is told.
    d.send(post(
        "late@example.com",
        "Anyone?",
        "late@example.com",
        None,
    ))
    .await;
    d.relay.wait_for(5, WAIT).await;
    d.clock.advance(14 * 86_400 + 1);
    let got = d.relay.wait_for(6, WAIT).await;
    assert_eq!(got[5].rcpts, vec!["late@example.com".to_string()]);
    assert!(
        header(&got[5].data, "Subject")
            .unwrap_or_default()
            .contains("expired")
    );
    assert!(d.store().holds("quic@ietf.test").unwrap().is_empty());
    d.stop().await;
}
