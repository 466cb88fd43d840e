//! The IESG ballot and the shepherd write-up, end to end through the daemon (issue 10 §8): the
//! publication request carries the write-up and the last WG Last Call's tally (or says plainly
//! that the draft was forced to `writeup`); one DISCUSS blocks approval until the same AD clears
//! it; approval needs two thirds of the IESG, recusals excluded; `draft show --json` has the
//! ballot.

use std::time::Duration;

use wgmail::values::State;

use crate::chairs::{mail, show};
use crate::support::daemon::{TestDaemon, header, until_committed};
use crate::support::relay::Captured;

const WAIT: Duration = Duration::from_secs(20);
const DAY: i64 = 86_400;
const CHAIR: &str = "chair@ietf.test";
const LIST: &str = "quic@ietf.test";

/// The Subject without the list's prefix (workflow announcements are list posts).
fn subject(c: &Captured) -> String {
    let s = header(&c.data, "Subject").unwrap_or_default();
    s.strip_prefix("[quic] ").map(str::to_owned).unwrap_or(s)
}

/// The decoded text of a mail's body, with LF line ends.
fn body(c: &Captured) -> String {
    wgmail::message::parse(&c.data)
        .body_text
        .replace("\r\n", "\n")
}

/// A daemon whose list has `members` and one chair, on a site whose IESG is `ads`.
async fn daemon(members: &[&str], ads: &[&str]) -> TestDaemon {
    let ads: Vec<String> = ads.iter().map(|a| format!("\"{a}\"")).collect();
    let site = format!("\n[iesg]\nmembers = [{}]\n", ads.join(", "));
    TestDaemon::start_with(members, &site, &format!("chairs = [\"{CHAIR}\"]")).await
}

/// `commands` from `from`, confirmed; the result mail that answers the confirmation.
async fn run(d: &TestDaemon, from: &str, commands: &str, id: &str) -> String {
    // A command that would be refused is refused at once, in the first results; the others run
    // when confirmed, and their results answer the confirmation. Both, in that order.
    let (first, then) = crate::chairs::both_results(d, from, commands, id).await;
    format!(
        "{}\n{}",
        body(&first),
        then.as_ref().map(body).unwrap_or_default()
    )
}

/// Waits for mail with this subject to `to`, and returns its text.
async fn mail_to(d: &TestDaemon, to: &str, subject_is: &str) -> String {
    let is = |c: &Captured| subject(c) == subject_is && c.rcpts.iter().any(|r| r == to);
    let got = d.relay.wait_for_match(WAIT, subject_is, is).await;
    body(got.iter().find(|c| is(c)).unwrap())
}

async fn until_state(d: &TestDaemon, draft: &str, state: State) {
    let store = d.store();
    until_committed(&store, &format!("{draft} is in {state}"), WAIT, |s| {
        let now = s.draft(LIST, draft).ok().flatten().map(|r| r.state);
        (now == Some(state)).then_some(())
    })
    .await;
}

/// From `submitted`: the IETF Last Call starts and runs to its end, into IESG Evaluation.
async fn through_the_ietf_last_call(d: &TestDaemon, ad: &str, draft_rev: &str, id: &str) {
    let draft = draft_rev.rsplit_once('-').unwrap().0;
    let ok = run(d, ad, &format!("ietf-lc start {draft_rev}"), id).await;
    assert!(
        ok.contains("ok: IESG state changed to In Last Call"),
        "{ok}"
    );
    // An IETF Last Call ends when it announced; 28 days covers any document.
    d.clock.advance(29 * DAY);
    until_state(d, draft, State::IesgEval).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writeup_and_wglc_tally_reach_the_iesg_and_one_discuss_blocks_approval() {
    let members = ["alice@example.org", "bob@example.net", "carol@example.com"];
    let ads = ["ad1@ietf.test", "ad2@ietf.test", "ad3@ietf.test"];
    let d = daemon(&members, &ads).await;
    let draft = "draft-ietf-quic-bar";
    run(
        &d,
        CHAIR,
        &format!("state {draft} wg-doc force reason \"adopted before wgmail\""),
        "w1@ietf.test",
    )
    .await;
    run(&d, CHAIR, &format!("wglc start {draft}-05"), "w2@ietf.test").await;
    let got = d
        .relay
        .wait_for_match(WAIT, "the WGLC announcement", |c| {
            subject(c).contains("WG Last Call: draft-ietf-quic-bar-05 (Ends ")
        })
        .await;
    let anchor = got
        .iter()
        .find(|c| subject(c).contains("WG Last Call: draft-ietf-quic-bar-05"))
        .and_then(|c| header(&c.data, "Message-ID"))
        .unwrap();
    let anchor = anchor.trim_matches(|c| c == '<' || c == '>');
    for (i, who) in members.iter().enumerate() {
        let reply = format!(
            "From: {who}\nTo: {LIST}\nSubject: Re: [quic] WG Last Call: draft-ietf-quic-bar-05\n\
             Message-ID: <r{i}@example.org>\nIn-Reply-To: <{anchor}>\nReferences: <{anchor}>\n\n\
             +1, ready to ship.\n"
        );
        d.send_raw(Some(who), LIST, &reply).await;
    }
    d.wait_queue_drained().await;
    // The call ends by itself and passes (3 supporters, quorum 3).
    d.clock.advance(15 * DAY);
    until_state(&d, draft, State::Writeup).await;

    let ok = run(
        &d,
        CHAIR,
        &format!(
            "pubreq {draft}-05 status ps\n\n1. Summary\nThe document shepherd is Alice.\n\n\
             2. Consensus\nBroad support, no objection.\n-- \nChair One"
        ),
        "w3@ietf.test",
    )
    .await;
    assert!(
        ok.contains("the shepherd write-up (5 lines) goes with it"),
        "{ok}"
    );
    let request = mail_to(
        &d,
        "ad1@ietf.test",
        "Publication requested: draft-ietf-quic-bar-05 as Proposed Standard",
    )
    .await;
    for wanted in [
        "Shepherd write-up:",
        "1. Summary\nThe document shepherd is Alice.\n\n2. Consensus\nBroad support, no objection.",
        "The last WG Last Call, on draft-ietf-quic-bar-05, ended ",
        "Result: Decision (majority, quorum 3): the call passed.",
        "Support (3)",
        "Through its WG Last Call",
    ] {
        assert!(request.contains(wanted), "{wanted:?} in {request}");
    }
    assert!(
        !request.contains("Chair One"),
        "the signature is not the write-up"
    );
    assert!(!request.contains("NOT through"), "{request}");
    let shown = show(&d, draft).unwrap();
    assert!(
        shown["writeup"]
            .as_str()
            .unwrap()
            .starts_with("1. Summary\n"),
        "{shown}"
    );

    through_the_ietf_last_call(&d, "ad1@ietf.test", &format!("{draft}-05"), "w4@ietf.test").await;
    run(
        &d,
        "ad1@ietf.test",
        &format!("ballot {draft} yes"),
        "b1@ietf.test",
    )
    .await;
    let ok = run(
        &d,
        "ad2@ietf.test",
        &format!("ballot {draft} discuss reason \"section 4 breaks 0-RTT\""),
        "b2@ietf.test",
    )
    .await;
    assert!(ok.contains("the chairs and the list are told"), "{ok}");
    let discuss = mail_to(
        &d,
        "alice@example.org",
        "ad2@ietf.test's Discuss on draft-ietf-quic-bar-05: (with DISCUSS)",
    )
    .await;
    assert!(discuss.contains("section 4 breaks 0-RTT"), "{discuss}");
    mail_to(
        &d,
        CHAIR,
        "ad2@ietf.test's Discuss on draft-ietf-quic-bar-05: (with DISCUSS)",
    )
    .await;
    run(
        &d,
        "ad3@ietf.test",
        &format!("ballot {draft} no-objection"),
        "b3@ietf.test",
    )
    .await;

    // Two of three have Yes or No Objection, but the DISCUSS stands.
    let refused = run(
        &d,
        "ad1@ietf.test",
        &format!("approve {draft}"),
        "b4@ietf.test",
    )
    .await;
    assert!(
        refused.contains(
            "error: the IESG ballot does not allow approval yet: DISCUSS from ad2@ietf.test: section 4 breaks 0-RTT"
        ),
        "{refused}"
    );
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["state"], "iesg-eval");
    let ballot = &shown["ballot"];
    let positions: Vec<(String, String)> = ballot["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["ad"].as_str().unwrap().to_owned(),
                p["position"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        positions,
        [
            ("ad1@ietf.test".to_owned(), "yes".to_owned()),
            ("ad2@ietf.test".to_owned(), "discuss".to_owned()),
            ("ad3@ietf.test".to_owned(), "no-objection".to_owned()),
        ]
    );
    assert_eq!(ballot["positions"][1]["reason"], "section 4 breaks 0-RTT");
    assert!(ballot["positions"][1]["at"].as_i64().is_some(), "{ballot}");
    assert_eq!(
        (ballot["have"].as_u64(), ballot["needed"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(ballot["discusses"][0]["ad"], "ad2@ietf.test");

    // The same AD clears it by balloting again, and approval goes through.
    let cleared = run(
        &d,
        "ad2@ietf.test",
        &format!("ballot {draft} no-objection"),
        "b5@ietf.test",
    )
    .await;
    assert!(
        cleared.contains("it replaces your DISCUSS, which is cleared"),
        "{cleared}"
    );
    mail_to(
        &d,
        "bob@example.net",
        "ad2@ietf.test's No Objection on draft-ietf-quic-bar-05: DISCUSS cleared",
    )
    .await;
    let ok = run(
        &d,
        "ad1@ietf.test",
        &format!("approve {draft}"),
        "b6@ietf.test",
    )
    .await;
    assert!(
        ok.contains("ok: IESG state changed to Approved-announcement sent"),
        "{ok}"
    );
    assert_eq!(show(&d, draft).unwrap()["state"], "approved");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_needs_two_thirds_without_recusals_and_a_forced_writeup_is_named() {
    let ads = [
        "ad1@ietf.test",
        "ad2@ietf.test",
        "ad3@ietf.test",
        "ad4@ietf.test",
    ];
    let d = daemon(&["alice@example.org"], &ads).await;
    let draft = "draft-ietf-quic-baz";
    run(
        &d,
        CHAIR,
        &format!("state {draft} writeup force reason \"consensus at IETF 125\""),
        "f1@ietf.test",
    )
    .await;
    let ok = run(
        &d,
        CHAIR,
        &format!("pubreq {draft}-02 status info"),
        "f2@ietf.test",
    )
    .await;
    assert!(ok.contains("no shepherd write-up was given"), "{ok}");
    let request = mail_to(
        &d,
        "ad3@ietf.test",
        "Publication requested: draft-ietf-quic-baz-02 as Informational",
    )
    .await;
    for wanted in [
        "NOT through a WG Last Call: chair@ietf.test forced the move from (new) on ",
        "Reason given: consensus at IETF 125",
        "No WG Last Call was held on this draft.",
        "No shepherd write-up was given.",
    ] {
        assert!(request.contains(wanted), "{wanted:?} in {request}");
    }
    assert_eq!(show(&d, draft).unwrap()["writeup"], serde_json::Value::Null);

    through_the_ietf_last_call(&d, "ad1@ietf.test", &format!("{draft}-02"), "f3@ietf.test").await;
    run(
        &d,
        "ad1@ietf.test",
        &format!("ballot {draft} yes"),
        "f4@ietf.test",
    )
    .await;
    run(
        &d,
        "ad2@ietf.test",
        &format!("ballot {draft} no-objection"),
        "f5@ietf.test",
    )
    .await;
    // Two of four: two thirds of four is three.
    let refused = run(
        &d,
        "ad1@ietf.test",
        &format!("approve {draft}"),
        "f6@ietf.test",
    )
    .await;
    assert!(
        refused.contains(
            "error: the IESG ballot does not allow approval yet: 2 of 3 needed positions (Yes or No Objection)"
        ),
        "{refused}"
    );
    assert_eq!(show(&d, draft).unwrap()["state"], "iesg-eval");
    // A recusal leaves three voting members, two thirds of whom is two: enough, and said so.
    let ok = run(
        &d,
        "ad4@ietf.test",
        &format!("ballot {draft} recuse reason \"I am an author\""),
        "f7@ietf.test",
    )
    .await;
    assert!(
        ok.contains("2 of 2 needed positions, no DISCUSS: enough to approve"),
        "{ok}"
    );
    mail_to(
        &d,
        "alice@example.org",
        "IESG ballot on draft-ietf-quic-baz-02: enough positions to approve",
    )
    .await;
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["ballot"]["positions"][2]["position"], "recuse");
    assert_eq!(
        shown["ballot"]["no_record"],
        serde_json::json!(["ad3@ietf.test"])
    );
    let ok = run(
        &d,
        "ad1@ietf.test",
        &format!("approve {draft}"),
        "f8@ietf.test",
    )
    .await;
    assert!(
        ok.contains("ok: IESG state changed to Approved-announcement sent"),
        "{ok}"
    );
    d.stop().await;
}

/// A write-up sent as a text/plain attachment, with nothing after the command in the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attached_writeup_reaches_the_iesg() {
    let d = daemon(&["alice@example.org"], &["ad1@ietf.test"]).await;
    let draft = "draft-ietf-quic-qux";
    run(
        &d,
        CHAIR,
        &format!("state {draft} writeup force reason \"WGLC held on the old list\""),
        "a1@ietf.test",
    )
    .await;
    let id = "a2@ietf.test";
    let raw = format!(
        "From: {CHAIR}\nTo: quic-chairs@ietf.test\nSubject: pubreq\nMessage-ID: <{id}>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n\
         --b\nContent-Type: text/plain\n\npubreq {draft}-01 status exp\n-- \nChair One\n\n\
         --b\nContent-Type: text/plain; name=\"writeup.txt\"\n\
         Content-Disposition: attachment; filename=\"writeup.txt\"\n\n\
         Shepherd: Carol.\nIPR: none disclosed.\n\n--b--\n"
    );
    let before = d.relay.messages().len();
    d.send_raw(Some(CHAIR), "quic-chairs@ietf.test", &raw).await;
    let is_confirmation = |c: &Captured| {
        subject(c).starts_with("confirm ")
            && header(&c.data, "In-Reply-To").is_some_and(|v| v.contains(id))
    };
    let got = d
        .relay
        .wait_for_match(WAIT, "the confirmation request", is_confirmation)
        .await;
    let confirmation = got[before..].iter().find(|c| is_confirmation(c)).unwrap();
    let token_addr = header(&confirmation.data, "Reply-To").unwrap();
    d.send_raw(
        Some(CHAIR),
        &token_addr,
        &mail(CHAIR, &token_addr, "Re: confirm", "", "a3@ietf.test"),
    )
    .await;
    let request = mail_to(
        &d,
        "ad1@ietf.test",
        "Publication requested: draft-ietf-quic-qux-01 as Experimental",
    )
    .await;
    assert!(
        request.contains("Shepherd write-up:\n\nShepherd: Carol.\nIPR: none disclosed."),
        "{request}"
    );
    d.stop().await;
}
