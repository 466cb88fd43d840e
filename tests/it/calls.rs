//! The workflow beyond adoption, end to end by mail: the IESG steps from a WG last call to an RFC,
//! list time zones and extensions (across a restart), late and non-member replies, agreement with
//! the message replied to, the no-adopt tag, reviewer rotation and proposals.

use std::time::Duration;

use crate::chairs::{commands_by, mail, show};
use crate::support::daemon::{TestDaemon, header, run_cli};
use crate::support::dkim::{self, Key};
use crate::support::relay::Captured;

const WAIT: Duration = Duration::from_secs(20);
const CHAIR: &str = "chair@ietf.test";
const CHAIRS: &str = "chairs = [\"chair@ietf.test\"]";
const AD: &str = "ad@iesg.test";
const IESG: &str =
    "[iesg]\nmembers = [\"ad@iesg.test\"]\nannounce_list = \"ietf-announce@ietf.test\"\n";

/// The decoded body (results lines may be quoted-printable and soft-wrapped).
fn text(c: &Captured) -> String {
    mailparse::parse_mail(&c.data)
        .and_then(|m| m.get_body())
        .unwrap_or_else(|_| String::from_utf8_lossy(&c.data).into_owned())
}

/// The subject, without the list's prefix (calls are announced as list posts).
fn subject(c: &Captured) -> String {
    let s = header(&c.data, "Subject").unwrap_or_default();
    s.strip_prefix("[quic] ").map(str::to_owned).unwrap_or(s)
}

/// Sends `commands` from `from` without confirming them; returns the text of the results mail.
async fn results(d: &TestDaemon, from: &str, commands: &str, id: &str) -> String {
    d.send_raw(
        Some(from),
        "quic-chairs@ietf.test",
        &mail(from, "quic-chairs@ietf.test", "commands", commands, id),
    )
    .await;
    let got = d
        .relay
        .wait_for_match(WAIT, "the results", |c| is_results_for(c, id))
        .await;
    got.iter()
        .find(|c| is_results_for(c, id))
        .map(text)
        .unwrap()
}

fn is_results_for(c: &Captured, id: &str) -> bool {
    subject(c).starts_with("Results")
        && header(&c.data, "In-Reply-To").is_some_and(|v| v.contains(id))
}

/// Runs confirmed commands from `from`; returns the text of the results of the confirmed run.
async fn confirmed(d: &TestDaemon, from: &str, commands: &str, id: &str) -> String {
    // A command that would be refused is refused at once, in the first results; the others run
    // when confirmed, and their results answer the confirmation. Both, in that order.
    let (first, then) = crate::chairs::both_results(d, from, commands, id).await;
    format!(
        "{}\n{}",
        text(&first),
        then.as_ref().map(text).unwrap_or_default()
    )
}

/// Waits for a mail whose subject is `s` delivered to `rcpt`; returns it.
async fn mail_to(d: &TestDaemon, rcpt: &str, s: &str) -> Captured {
    nth_mail_to(d, rcpt, s, 1).await
}

/// Waits for the `n`th mail (from 1) whose subject is `s` delivered to `rcpt`; returns it.
async fn nth_mail_to(d: &TestDaemon, rcpt: &str, s: &str, n: usize) -> Captured {
    let pred = |c: &Captured| subject(c) == s && c.rcpts.iter().any(|r| r == rcpt);
    d.relay
        .wait_for_all(WAIT, &format!("{n} × {s:?} to {rcpt}"), |all| {
            all.iter().filter(|c| pred(c)).count() >= n
        })
        .await
        .into_iter()
        .filter(|c| pred(c))
        .nth(n - 1)
        .unwrap()
}

fn anchor(c: &Captured) -> String {
    header(&c.data, "Message-ID")
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned()
}

/// A reply to the list from `who`, threaded under `parent`.
async fn reply(d: &TestDaemon, who: &str, parent: &str, body: &str, id: &str) {
    let raw = format!(
        "From: {who}\nTo: quic@ietf.test\nSubject: Re: [quic] the call\nMessage-ID: <{id}>\nIn-Reply-To: <{parent}>\nReferences: <{parent}>\n\n{body}\n"
    );
    d.send_raw(Some(who), "quic@ietf.test", &raw).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_iesg_takes_a_wg_document_from_last_call_to_rfc() {
    let members = ["alice@example.org", "bob@example.net", "carol@example.com"];
    let d = TestDaemon::start_with(&members, IESG, CHAIRS).await;
    let draft = "draft-ietf-quic-foo";
    confirmed(
        &d,
        CHAIR,
        "state draft-ietf-quic-foo wg-doc force reason \"adopted before wgmail\"",
        "i1@t",
    )
    .await;
    confirmed(
        &d,
        CHAIR,
        "wglc start draft-ietf-quic-foo-05 for 1 week",
        "i2@t",
    )
    .await;
    let ann = mail_to(
        &d,
        "alice@example.org",
        "WG Last Call: draft-ietf-quic-foo-05 (Ends 2026-12-05)",
    )
    .await;
    for (i, who) in members.iter().enumerate() {
        let body = "Support; it is ready for publication.";
        reply(&d, who, &anchor(&ann), body, &format!("w{i}@t")).await;
    }
    d.wait_queue_drained().await;
    let r = confirmed(
        &d,
        CHAIR,
        "wglc close draft-ietf-quic-foo reason \"every member has replied\"",
        "i3@t",
    )
    .await;
    assert!(r.contains("closed"), "{r}");
    assert_eq!(show(&d, draft).unwrap()["state"], "writeup");

    // IESG steps are not the chairs', and a publication request is not the IESG's.
    let r = results(&d, CHAIR, "ietf-lc start draft-ietf-quic-foo", "i4@t").await;
    assert!(r.contains("only IESG members"), "{r}");
    let r = results(&d, AD, "pubreq draft-ietf-quic-foo status ps", "i5@t").await;
    assert!(r.contains("only the chairs"), "{r}");
    assert_eq!(show(&d, draft).unwrap()["state"], "writeup");

    let r = confirmed(&d, CHAIR, "pubreq draft-ietf-quic-foo status ps", "i6@t").await;
    assert!(
        r.contains("IETF WG state changed to Submitted to IESG for Publication from WG Consensus: Waiting for Write-Up"),
        "{r}"
    );
    mail_to(
        &d,
        AD,
        "Publication requested: draft-ietf-quic-foo-05 as Proposed Standard",
    )
    .await;
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["state"], "submitted");
    assert_eq!(shown["intended_status"], "ps");

    // An IETF last call on a WG document lasts at least 14 days.
    let r = confirmed(
        &d,
        AD,
        "ietf-lc start draft-ietf-quic-foo ends 2026-12-05",
        "i7@t",
    )
    .await;
    assert!(r.contains("at least 14 days"), "{r}");
    assert_eq!(show(&d, draft).unwrap()["state"], "submitted");
    let r = confirmed(&d, AD, "ietf-lc start draft-ietf-quic-foo", "i8@t").await;
    assert!(
        r.contains("IESG state changed to In Last Call from Submitted to IESG for Publication"),
        "{r}"
    );
    let lc = "Last Call: <draft-ietf-quic-foo-05.txt> (draft-ietf-quic-foo) to Proposed Standard";
    mail_to(&d, "ietf-announce@ietf.test", lc).await;
    let to_member = mail_to(&d, "bob@example.net", lc).await;
    assert!(
        text(&to_member).contains("by 2026-12-12"),
        "{}",
        text(&to_member)
    );
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["state"], "ietf-lc");
    assert_eq!(shown["call"]["kind"], "ietf-lc");
    assert_eq!(shown["call"]["ends"], "2026-12-12");

    // It cannot be cut short: the IETF was told when it ends.
    let r = confirmed(
        &d,
        AD,
        "ietf-lc close draft-ietf-quic-foo reason \"enough\"",
        "i8b@t",
    )
    .await;
    assert!(
        r.contains("was announced to end 2026-12-12; it cannot be closed before then"),
        "{r}"
    );
    assert_eq!(show(&d, draft).unwrap()["state"], "ietf-lc");

    // It closes by itself at its deadline and the draft goes to IESG evaluation; the AD is told.
    d.clock.advance(15 * 86_400);
    let result = mail_to(&d, AD, "Result: Last Call: draft-ietf-quic-foo-05").await;
    assert!(
        text(&result).contains("The IESG evaluates"),
        "{}",
        text(&result)
    );
    d.wait_queue_drained().await;
    assert_eq!(show(&d, draft).unwrap()["state"], "iesg-eval");

    // The IESG (one AD here) ballots before it approves.
    confirmed(
        &d,
        AD,
        "ballot draft-ietf-quic-foo yes\napprove draft-ietf-quic-foo",
        "i9@t",
    )
    .await;
    mail_to(
        &d,
        "ietf-announce@ietf.test",
        "Protocol Action: 'draft-ietf-quic-foo' to Proposed Standard (draft-ietf-quic-foo-05.txt)",
    )
    .await;
    let r = confirmed(&d, AD, "published draft-ietf-quic-foo rfc 9999", "i10@t").await;
    assert!(r.contains("RFC Published"), "{r}");
    mail_to(&d, "alice@example.org", "RFC 9999 on draft-ietf-quic-foo").await;
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["state"], "published");
    assert_eq!(shown["stage"], 6);
    assert_eq!(shown["rfc"], 9999);
    let (ok, history, _) = run_cli(
        &d.dir.path().join("wgmail.toml"),
        &["draft", "history", draft],
    );
    assert!(ok);
    let states: Vec<&str> = [
        "In Last Call",
        "IESG Evaluation",
        "Approved-announcement sent",
        "RFC Ed Queue",
        "RFC Published",
    ]
    .into_iter()
    .filter(|s| history.contains(&format!("IESG state changed to {s}")))
    .collect();
    assert_eq!(states.len(), 5, "{history}");

    // `state` never enters a state that comes with a call or an announcement.
    let r = confirmed(&d, AD, "state draft-ietf-quic-foo rfc-ed-queue", "i10b@t").await;
    assert!(r.contains("error:"), "{r}");
    let r = confirmed(
        &d,
        CHAIR,
        "state draft-ietf-quic-baz wglc force reason \"skip ahead\"",
        "i10c@t",
    )
    .await;
    assert!(r.contains("entered with `wglc start DRAFT-NN`"), "{r}");
    assert!(show(&d, "draft-ietf-quic-baz").is_none());

    // The IESG may return a submitted document to the WG; the chairs may not take it back.
    confirmed(
        &d,
        CHAIR,
        "state draft-ietf-quic-bar writeup force reason \"imported\"\npubreq draft-ietf-quic-bar status info",
        "i11@t",
    )
    .await;
    assert_eq!(
        show(&d, "draft-ietf-quic-bar").unwrap()["state"],
        "submitted"
    );
    let r = confirmed(&d, CHAIR, "state draft-ietf-quic-bar wg-doc", "i12@t").await;
    assert!(r.contains("error:"), "{r}");
    let r = confirmed(
        &d,
        AD,
        "state draft-ietf-quic-bar wg-doc reason \"needs a security considerations section\"",
        "i13@t",
    )
    .await;
    assert!(
        r.contains("WG Document from Submitted to IESG for Publication"),
        "{r}"
    );
    assert_eq!(show(&d, "draft-ietf-quic-bar").unwrap()["state"], "wg-doc");

    // A document no WG adopted gets a 28-day IETF last call; the IESG may record the RFC Editor
    // queue before publication.
    confirmed(
        &d,
        CHAIR,
        "state draft-ietf-quic-baz-03 writeup force reason \"imported\"\npubreq draft-ietf-quic-baz status exp",
        "i14@t",
    )
    .await;
    let r = confirmed(
        &d,
        AD,
        "ietf-lc start draft-ietf-quic-baz for 14 days",
        "i15@t",
    )
    .await;
    assert!(r.contains("at least 28 days"), "{r}");
    confirmed(&d, AD, "ietf-lc start draft-ietf-quic-baz", "i16@t").await;
    let shown = show(&d, "draft-ietf-quic-baz").unwrap();
    assert_eq!(shown["call"]["kind"], "ietf-lc", "{shown}");
    d.clock.advance(29 * 86_400);
    mail_to(&d, AD, "Result: Last Call: draft-ietf-quic-baz-03").await;
    d.wait_queue_drained().await;
    confirmed(
        &d,
        AD,
        "ballot draft-ietf-quic-baz no-objection\napprove draft-ietf-quic-baz\nstate draft-ietf-quic-baz rfc-ed-queue",
        "i17@t",
    )
    .await;
    assert_eq!(
        show(&d, "draft-ietf-quic-baz").unwrap()["state"],
        "rfc-ed-queue"
    );
    confirmed(&d, AD, "published draft-ietf-quic-baz rfc 9998", "i18@t").await;
    let shown = show(&d, "draft-ietf-quic-baz").unwrap();
    assert_eq!(shown["state"], "published");
    assert_eq!(shown["rfc"], 9998);
    assert_eq!(shown["intended_status"], "exp");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_follow_the_list_time_zone_can_be_extended_and_survive_a_restart() {
    let members = ["alice@example.org"];
    let list = format!("{CHAIRS}\n[workflow]\ntime_zone = \"America/Los_Angeles\"\n");
    let mut d = TestDaemon::start_with(&members, "", &list).await;
    let draft = "draft-smith-quic-tz";
    confirmed(&d, CHAIR, "candidate draft-smith-quic-tz", "t1@t").await;
    // Now is 2026-11-28 15:38 UTC, 07:38 in Los Angeles.
    confirmed(
        &d,
        CHAIR,
        "adoption start draft-smith-quic-tz-00 ends 2026-12-01",
        "t2@t",
    )
    .await;
    let ann = mail_to(
        &d,
        "alice@example.org",
        "Call for adoption: draft-smith-quic-tz-00 (Ends 2026-12-01)",
    )
    .await;
    assert!(
        text(&ann).contains("(end of day, America/Los_Angeles)"),
        "{}",
        text(&ann)
    );
    // An extension must end later than the call does now.
    let r = confirmed(
        &d,
        CHAIR,
        "adoption extend draft-smith-quic-tz to 2026-11-30",
        "t3@t",
    )
    .await;
    assert!(r.contains("must end later"), "{r}");
    let r = confirmed(
        &d,
        CHAIR,
        "adoption extend draft-smith-quic-tz to 2026-12-03",
        "t4@t",
    )
    .await;
    assert!(r.contains("now ends 2026-12-03"), "{r}");
    mail_to(
        &d,
        "alice@example.org",
        "Extended: Call for adoption: draft-smith-quic-tz-00 (Ends 2026-12-03)",
    )
    .await;
    assert_eq!(show(&d, draft).unwrap()["call"]["ends"], "2026-12-03");

    // The daemon restarts while the call is open.
    d.restart().await;
    // 2026-12-04 07:00 UTC is still 2026-12-03 in Los Angeles: the call is open.
    let to = |ts: i64| ts - d.clock.now();
    d.clock.advance(to(1_796_367_600));
    d.wait_queue_drained().await;
    assert_eq!(show(&d, draft).unwrap()["call"]["open"], true);
    // Past midnight in Los Angeles (08:00 UTC) it closes by itself.
    d.clock.advance(3_601);
    mail_to(
        &d,
        "alice@example.org",
        "Result: Call for adoption: draft-smith-quic-tz-00",
    )
    .await;
    d.wait_queue_drained().await;
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["call"]["open"], false);
    assert_eq!(shown["state"], "candidate", "no support, so not adopted");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_and_non_member_replies_agreement_with_the_parent_and_the_no_adopt_tag() {
    let members = [
        "alice@example.org",
        "carol@example.com",
        "dave@example.org",
        "frank@example.org",
    ];
    let list = format!("{CHAIRS}\n[posting]\nmembers_only = false\n");
    let d = TestDaemon::start_with(&members, "", &list).await;
    let draft = "draft-smith-quic-late";
    confirmed(&d, CHAIR, "candidate draft-smith-quic-late", "l1@t").await;
    confirmed(&d, CHAIR, "adoption start draft-smith-quic-late-02", "l2@t").await;
    let ann = mail_to(
        &d,
        "alice@example.org",
        "Call for adoption: draft-smith-quic-late-02 (Ends 2026-12-12)",
    )
    .await;
    let a = anchor(&ann);
    reply(&d, "alice@example.org", &a, "+1", "p1@t").await;
    reply(
        &d,
        "carol@example.com",
        &a,
        "I object: RFC 8446 session tickets already solve this.",
        "p2@t",
    )
    .await;
    d.wait_queue_drained().await;
    // No quote: the parent (Carol's objection) decides what "+1 to Carol's point" means.
    reply(
        &d,
        "dave@example.org",
        "p2@t",
        "+1 to Carol's point.",
        "p3@t",
    )
    .await;
    // Not a member: listed and flagged, not counted in a WG call.
    reply(&d, "erin@elsewhere.test", &a, "I support adoption.", "p4@t").await;
    d.wait_queue_drained().await;
    let shown = show(&d, draft).unwrap();
    let t = &shown["tally"];
    assert_eq!(
        t["object"],
        serde_json::json!(["carol@example.com", "dave@example.org"]),
        "{shown}"
    );
    assert_eq!(t["support"], serde_json::json!(["alice@example.org"]));
    assert_eq!(t["not_members"], serde_json::json!(["erin@elsewhere.test"]));
    assert_eq!(
        t["not_counted"],
        serde_json::json!({"erin@elsewhere.test": "support"})
    );

    // Closed: 1 counted supporter (erin is not a member), 2 objectors, quorum 3 — back to
    // candidate, tagged no-adopt.
    confirmed(
        &d,
        CHAIR,
        "adoption close draft-smith-quic-late reason \"all have spoken\"",
        "l3@t",
    )
    .await;
    let result = mail_to(
        &d,
        "alice@example.org",
        "Result: Call for adoption: draft-smith-quic-late-02",
    )
    .await;
    let body = text(&result);
    assert!(body.contains("Tag Not Adopted by the WG set."), "{body}");
    assert!(
        body.contains(
            "Not list members when they replied, not counted (1): erin@elsewhere.test (support)"
        ),
        "{body}"
    );
    d.wait_queue_drained().await;
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["state"], "candidate");
    assert_eq!(shown["tags"], serde_json::json!(["no-adopt"]));

    // A reply after the close is listed apart, not counted.
    d.clock.advance(60);
    reply(&d, "frank@example.org", &a, "+1, sorry I'm late.", "p5@t").await;
    d.wait_queue_drained().await;
    let shown = show(&d, draft).unwrap();
    let t = &shown["tally"];
    assert_eq!(t["late"][0]["from"], "frank@example.org", "{shown}");
    assert_eq!(t["late"][0]["position"], "support");
    assert!(
        !t["support"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "frank@example.org")
    );

    // A new call for adoption clears the tag.
    confirmed(&d, CHAIR, "adoption start draft-smith-quic-late-03", "l4@t").await;
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["state"], "cfa");
    assert_eq!(shown["tags"], serde_json::json!([]));
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_rotate_their_reviews_complete_the_round_and_members_propose_work() {
    let members = [
        "alice@example.org",
        "r1@example.org",
        "r2@example.org",
        "r3@example.org",
    ];
    let list = format!(
        "{CHAIRS}\nreviewers = [\"r1@example.org\", \"r2@example.org\", \"r3@example.org\"]\n"
    );
    let d = TestDaemon::start_with(&members, "", &list).await;
    let draft = "draft-ietf-quic-rev";
    confirmed(
        &d,
        CHAIR,
        "state draft-ietf-quic-rev wg-doc force reason \"imported\"",
        "v1@t",
    )
    .await;
    let r = confirmed(
        &d,
        CHAIR,
        "review start draft-ietf-quic-rev reviewers 4",
        "v2@t",
    )
    .await;
    assert!(r.contains("4 reviewers asked for"), "{r}");
    let r = confirmed(
        &d,
        CHAIR,
        "review start draft-ietf-quic-rev reviewers 2",
        "v3@t",
    )
    .await;
    assert!(
        r.contains("reviewers: r1@example.org, r2@example.org"),
        "{r}"
    );
    let first_round = mail_to(&d, "r2@example.org", "Review round: draft-ietf-quic-rev").await;
    let first_round = anchor(&first_round);
    assert_eq!(show(&d, draft).unwrap()["state"], "wg-review");
    confirmed(&d, CHAIR, "state draft-ietf-quic-rev wg-doc", "v4@t").await;
    // The next round starts with whoever has waited longest.
    d.clock.advance(60);
    let r = confirmed(
        &d,
        CHAIR,
        "review start draft-ietf-quic-rev reviewers 2",
        "v5@t",
    )
    .await;
    assert!(
        r.contains("reviewers: r3@example.org, r1@example.org"),
        "{r}"
    );
    // r3 is a member and got the first round's announcement too: wait for the second.
    let round = nth_mail_to(&d, "r3@example.org", "Review round: draft-ietf-quic-rev", 2).await;
    let round = anchor(&round);
    // A late review of the superseded first round completes nothing.
    reply(
        &d,
        "r2@example.org",
        &first_round,
        "My review, late.",
        "rv0@t",
    )
    .await;
    // A reply by someone not assigned is no review; each assigned reviewer's is.
    reply(
        &d,
        "r2@example.org",
        &round,
        "Some thoughts on section 3.",
        "rv1@t",
    )
    .await;
    reply(
        &d,
        "r3@example.org",
        &round,
        "Review: ready, two nits.",
        "rv2@t",
    )
    .await;
    d.wait_queue_drained().await;
    assert_eq!(show(&d, draft).unwrap()["state"], "wg-review");
    reply(
        &d,
        "r1@example.org",
        &round,
        "Review: needs work in 4.2.",
        "rv3@t",
    )
    .await;
    let done = mail_to(&d, CHAIR, "Reviews are in: draft-ietf-quic-rev").await;
    assert!(
        text(&done).contains("the last came from r1@example.org"),
        "{}",
        text(&done)
    );
    d.wait_queue_drained().await;
    assert_eq!(show(&d, draft).unwrap()["state"], "wg-doc");

    // Any member may propose work, after confirming; others may not.
    let r = results(
        &d,
        "mallory@evil.test",
        "propose \"Take over the WG\"",
        "v6@t",
    )
    .await;
    assert!(r.contains("only members of quic@ietf.test"), "{r}");
    let r = confirmed(
        &d,
        "alice@example.org",
        "propose \"Faster handshakes\"\npropose \"Fewer round trips\"",
        "v7@t",
    )
    .await;
    assert!(r.contains("registered as proposal-2"), "{r}");
    assert!(r.contains("registered as proposal-1"), "{r}");
    mail_to(&d, CHAIR, "Proposal: Faster handshakes").await;
    let shown = show(&d, "proposal-1").unwrap();
    assert_eq!(shown["state"], "proposal");
    assert_eq!(shown["stage"], 1);
    assert_eq!(shown["title"], "Faster handshakes");
    assert_eq!(
        show(&d, "proposal-2").unwrap()["title"],
        "Fewer round trips"
    );
    // A member cannot run a chair's command even though they may propose.
    let r = results(
        &d,
        "alice@example.org",
        "candidate draft-alice-quic-x",
        "v8@t",
    )
    .await;
    assert!(r.contains("only the chairs"), "{r}");
    let r = results(&d, "alice@example.org", "status proposal-1", "v9@t").await;
    assert!(
        r.contains("Proposal (stage 1); title \"Faster handshakes\""),
        "{r}"
    );
    // The chairs take a proposal up as a candidate for adoption.
    let r = confirmed(&d, CHAIR, "state proposal-1 candidate", "v10@t").await;
    assert!(
        r.contains("IETF WG state changed to Candidate for WG Adoption from Proposal"),
        "{r}"
    );
    assert_eq!(show(&d, "proposal-1").unwrap()["state"], "candidate");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_revision_announced_on_the_list_moves_an_adopted_draft_on() {
    let members = ["alice@example.org"];
    let list = format!(
        "{CHAIRS}\n[posting]\naccept_these_nonmembers = [\"^internet-drafts@ietf\\\\.org$\"]\n"
    );
    let d = TestDaemon::start_with(&members, &dkim::site(), &list).await;
    confirmed(
        &d,
        CHAIR,
        "state draft-smith-quic-foo adopted force reason \"adopted at the meeting\"",
        "n1@t",
    )
    .await;
    let unsigned = |rev: &str, id: &str| {
        format!(
            "From: internet-drafts@ietf.org\nTo: quic@ietf.test\nSubject: I-D Action: draft-ietf-quic-foo-{rev}.txt\nMessage-ID: <{id}>\n\nA New Internet-Draft is available from the on-line Internet-Drafts directories.\n\n   Title:   QUIC Foo Extensions\n   Name:    draft-ietf-quic-foo-{rev}.txt\n"
        )
    };
    // Genuine announcements are DKIM-signed by ietf.org (the test key).
    let announce = |rev: &str, id: &str| dkim::sign(&unsigned(rev, id), Key::Genuine, "ietf.org");
    d.send_raw(
        Some("internet-drafts@ietf.org"),
        "quic@ietf.test",
        &announce("00", "n2@t"),
    )
    .await;
    d.wait_queue_drained().await;
    let old = show(&d, "draft-smith-quic-foo").unwrap();
    assert_eq!(old["state"], "replaced", "{old}");
    assert_eq!(old["replaced_by"], "draft-ietf-quic-foo", "{old}");
    let new = show(&d, "draft-ietf-quic-foo").unwrap();
    assert_eq!(new["state"], "wg-doc");
    assert_eq!(new["rev"], 0);
    assert_eq!(new["replaces"], "draft-smith-quic-foo", "{new}");
    let (_, history, _) = run_cli(
        &d.dir.path().join("wgmail.toml"),
        &["draft", "history", "draft-ietf-quic-foo"],
    );
    assert!(
        history.contains("Replaces draft-smith-quic-foo"),
        "{history}"
    );

    d.send_raw(
        Some("internet-drafts@ietf.org"),
        "quic@ietf.test",
        &announce("01", "n3@t"),
    )
    .await;
    d.wait_queue_drained().await;
    let new = show(&d, "draft-ietf-quic-foo").unwrap();
    assert_eq!(new["rev"], 1);
    assert_eq!(new["state"], "wg-doc");
    assert_eq!(new["title"], "QUIC Foo Extensions");

    // Such subjects from anyone else, replies and forwards, and older revisions change nothing.
    let forged = unsigned("07", "n4@t")
        .replace("From: internet-drafts@ietf.org", "From: alice@example.org")
        .replace("QUIC Foo Extensions", "Something Else");
    d.send_raw(Some("alice@example.org"), "quic@ietf.test", &forged)
        .await;
    let reply = unsigned("08", "n5@t").replace("Subject: I-D", "Subject: Re: I-D");
    d.send_raw(Some("internet-drafts@ietf.org"), "quic@ietf.test", &reply)
        .await;
    d.send_raw(
        Some("internet-drafts@ietf.org"),
        "quic@ietf.test",
        &announce("00", "n6@t"),
    )
    .await;
    d.wait_queue_drained().await;
    let new = show(&d, "draft-ietf-quic-foo").unwrap();
    assert_eq!(new["rev"], 1, "{new}");
    assert_eq!(new["title"], "QUIC Foo Extensions");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chairs_consensus_against_adoption_tags_the_draft() {
    let members = ["alice@example.org"];
    let list = format!("{CHAIRS}\n[workflow]\ndecision = \"chair\"\n");
    let d = TestDaemon::start_with(&members, "", &list).await;
    let draft = "draft-smith-quic-nope";
    confirmed(&d, CHAIR, "candidate draft-smith-quic-nope", "k1@t").await;
    confirmed(&d, CHAIR, "adoption start draft-smith-quic-nope-01", "k2@t").await;
    // While the call is open, `state` cannot move the draft out from under it.
    let r = confirmed(&d, CHAIR, "state draft-smith-quic-nope candidate", "k3@t").await;
    assert!(r.contains("has an open call"), "{r}");
    confirmed(
        &d,
        CHAIR,
        "adoption close draft-smith-quic-nope reason \"no more replies expected\"",
        "k4@t",
    )
    .await;
    assert_eq!(
        show(&d, draft).unwrap()["state"],
        "cfa",
        "the chairs decide"
    );
    let r = confirmed(
        &d,
        CHAIR,
        "consensus draft-smith-quic-nope not-reached No one but the authors spoke up.",
        "k5@t",
    )
    .await;
    assert!(r.contains("Tag Not Adopted by the WG set."), "{r}");
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["state"], "candidate");
    assert_eq!(shown["tags"], serde_json::json!(["no-adopt"]));
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_a_moderator_approves_counts_in_the_call() {
    let members = ["alice@example.org"];
    let list = format!("{CHAIRS}\n[posting]\nmoderated = true\n");
    let d = TestDaemon::start_with(&members, "", &list).await;
    let site = d.dir.path().join("wgmail.toml");
    confirmed(&d, CHAIR, "candidate draft-smith-quic-mod", "m1@t").await;
    confirmed(&d, CHAIR, "adoption start draft-smith-quic-mod-00", "m2@t").await;
    let ann = mail_to(
        &d,
        "alice@example.org",
        "Call for adoption: draft-smith-quic-mod-00 (Ends 2026-12-12)",
    )
    .await;
    reply(
        &d,
        "alice@example.org",
        &anchor(&ann),
        "+1, useful work.",
        "m3@t",
    )
    .await;
    d.wait_queue_drained().await;
    let tally = &show(&d, "draft-smith-quic-mod").unwrap()["tally"];
    assert_eq!(
        tally["support"],
        serde_json::json!([]),
        "held, not yet counted"
    );
    let (ok, ls, err) = run_cli(&site, &["hold", "ls", "quic"]);
    assert!(ok, "{err}");
    let id = ls.split('\t').next().unwrap().trim().to_owned();
    let (ok, _, err) = run_cli(&site, &["hold", "approve", &id]);
    assert!(ok, "{err}");
    let tally = &show(&d, "draft-smith-quic-mod").unwrap()["tally"];
    assert_eq!(tally["support"], serde_json::json!(["alice@example.org"]));
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_in_one_message_see_each_others_calls() {
    let members = ["alice@example.org"];
    let list = format!("{CHAIRS}\n[workflow]\ndecision = \"chair\"\n");
    let d = TestDaemon::start_with(&members, "", &list).await;
    let draft = "draft-smith-quic-seq";
    // The close is refused at once (the call opens with this same mail); the rest is confirmed.
    let got = commands_by(
        &d,
        CHAIR,
        "candidate draft-smith-quic-seq\nadoption start draft-smith-quic-seq-02\nadoption close draft-smith-quic-seq reason \"done\"",
        "q1@t",
    )
    .await;
    let first = got
        .iter()
        .find(|c| {
            subject(c).starts_with("Results")
                && header(&c.data, "In-Reply-To").as_deref() == Some("<q1@t>")
        })
        .map(text)
        .unwrap();
    assert!(first.contains("opens with this same message"), "{first}");
    assert_eq!(show(&d, draft).unwrap()["state"], "cfa");
    let r = confirmed(
        &d,
        CHAIR,
        "adoption extend draft-smith-quic-seq to 2026-12-20\nadoption extend draft-smith-quic-seq to 2026-12-18",
        "q2@t",
    )
    .await;
    assert!(r.contains("an extension must end later"), "{r}");
    assert_eq!(show(&d, draft).unwrap()["call"]["ends"], "2026-12-20");
    let r = confirmed(
        &d,
        CHAIR,
        "adoption close draft-smith-quic-seq reason \"all have replied\"\nconsensus draft-smith-quic-seq reached The authors and alice support it.",
        "q3@t",
    )
    .await;
    assert!(!r.contains("error:"), "{r}");
    let shown = show(&d, draft).unwrap();
    assert_eq!(shown["state"], "adopted", "{shown}");
    assert_eq!(shown["call"]["open"], false);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chairs_token_sent_to_the_request_address_is_not_an_unsubscription() {
    let members = [CHAIR];
    let d = TestDaemon::start_with(&members, "", CHAIRS).await;
    d.send_raw(
        Some(CHAIR),
        "quic-chairs@ietf.test",
        &mail(
            CHAIR,
            "quic-chairs@ietf.test",
            "commands",
            "candidate draft-smith-quic-tok",
            "x1@t",
        ),
    )
    .await;
    let confirmation = d
        .relay
        .wait_for_match(WAIT, "the confirmation request", |c| {
            subject(c).starts_with("confirm ")
        })
        .await
        .into_iter()
        .find(|c| subject(c).starts_with("confirm "))
        .unwrap();
    let token = subject(&confirmation)["confirm ".len()..].trim().to_owned();
    d.send_raw(
        Some(CHAIR),
        "quic-request@ietf.test",
        &mail(
            CHAIR,
            "quic-request@ietf.test",
            "",
            &format!("confirm {token}"),
            "x2@t",
        ),
    )
    .await;
    d.wait_queue_drained().await;
    let store = d.store();
    let still = tokio::task::block_in_place(|| store.members("quic@ietf.test")).unwrap();
    assert!(still.iter().any(|m| m.address == CHAIR), "{still:?}");
    // The token still confirms the commands where it belongs.
    let addr = header(&confirmation.data, "Reply-To").unwrap();
    d.send_raw(
        Some(CHAIR),
        &addr,
        &mail(CHAIR, &addr, "Re: confirm", "", "x3@t"),
    )
    .await;
    d.wait_queue_drained().await;
    assert_eq!(
        show(&d, "draft-smith-quic-tok").unwrap()["state"],
        "candidate"
    );
    d.stop().await;
}

/// The compare-and-set guards of calls, at the store: an extension computed from a stale end (the
/// deadline pass closed or another extension moved the call) applies its `otherwise` instead; a
/// deadline close computed before an extension leaves the extended call open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_guards_let_exactly_one_of_racing_changes_win() {
    use wgmail::store::{Action, CallRow, OutboundJob, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let call = CallRow {
        id: 0,
        list: "quic@ietf.test".into(),
        draft: "draft-x-quic".into(),
        kind: wgmail::values::CallKind::Adoption,
        rev: Some(1),
        anchor: "a@t".into(),
        subject: "Call for adoption: draft-x-quic-01 (Ends 2026-12-12)".into(),
        opened_at: 0,
        ends_at: 1_000,
        state: wgmail::values::CallState::Open,
        closed_at: None,
    };
    let job = |to: &str| {
        Action::Send(OutboundJob {
            list: "quic@ietf.test".into(),
            body: b"Subject: x\r\n\r\nx\r\n".to_vec(),
            personalize: false,
            envelopes: vec![("quic-bounces@ietf.test".into(), vec![to.into()])],
        })
    };
    let pending = |s: &Store| s.queue_status().unwrap().outbound_pending;
    store
        .apply_now(vec![Action::CallOpen(call)], 0)
        .await
        .unwrap();
    let id = store.open_calls("quic@ietf.test").unwrap()[0].id;
    // An extension from the end it saw applies; a second one computed from the same stale end
    // applies its `otherwise`.
    for (to, new_end, expected_end) in [("ok@t", 2_000, 2_000), ("stale@t", 1_500, 2_000)] {
        store
            .apply_now(
                vec![Action::CallExtend {
                    id,
                    expect_ends_at: 1_000,
                    ends_at: new_end,
                    then: vec![job(to)],
                    otherwise: vec![job("otherwise@t")],
                }],
                10,
            )
            .await
            .unwrap();
        assert_eq!(
            store.open_calls("quic@ietf.test").unwrap()[0].ends_at,
            expected_end
        );
    }
    assert_eq!(pending(&store), 2, "one notice, one 'not extended'");
    // A deadline close computed against the old end leaves the extended call open.
    store
        .apply_now(
            vec![Action::CallClose {
                id,
                expect_ends_at: 1_000,
                then: vec![job("result@t")],
            }],
            1_500,
        )
        .await
        .unwrap();
    assert_eq!(store.open_calls("quic@ietf.test").unwrap().len(), 1);
    assert_eq!(pending(&store), 2);
}

/// A dated reply, as real mail arrives: the offline recount reads lateness from the Date header.
async fn dated_reply(d: &TestDaemon, who: &str, parent: &str, body: &str, id: &str) {
    let date = wgmail::clock::rfc5322_date(d.clock.now());
    let raw = format!(
        "From: {who}\nTo: quic@ietf.test\nDate: {date}\nSubject: Re: [quic] the call\nMessage-ID: <{id}>\nIn-Reply-To: <{parent}>\nReferences: <{parent}>\n\n{body}\n"
    );
    d.send_raw(Some(who), "quic@ietf.test", &raw).await;
}

/// The same call, counted live by the daemon and offline by `wgmail tally` on the list's export,
/// gives the same tally: worded positions, `+1 to Carol` (answering someone else), disagreement
/// followed by one's own support, a withdrawal, a non-member (listed, not counted in a WG call)
/// and a reply after the deadline (listed apart).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_tally_of_an_exported_call_is_the_live_tally() {
    let members = [
        "alice@example.org",
        "carol@example.com",
        "dave@example.org",
        "frank@example.org",
        "grace@example.org",
    ];
    let list = format!("{CHAIRS}\n[posting]\nmembers_only = false\n");
    let d = TestDaemon::start_with(&members, "", &list).await;
    let draft = "draft-smith-quic-same";
    confirmed(&d, CHAIR, "candidate draft-smith-quic-same", "s1@t").await;
    confirmed(&d, CHAIR, "adoption start draft-smith-quic-same-01", "s2@t").await;
    let ann = mail_to(
        &d,
        "alice@example.org",
        "Call for adoption: draft-smith-quic-same-01 (Ends 2026-12-12)",
    )
    .await;
    let a = anchor(&ann);
    // The announcement tells participants what a clear reply reads like.
    assert!(
        text(&ann).contains("A clear reply says support, objection or no objection, and why"),
        "{}",
        text(&ann)
    );
    let replies: [(&str, &str, &str, &str); 6] = [
        ("alice@example.org", "a", "Strong support.", "q1@t"),
        (
            "carol@example.com",
            "a",
            "Object. The frame duplicates PATH_CHALLENGE and will be implemented inconsistently.",
            "q2@t",
        ),
        ("dave@example.org", "q1@t", "+1 to Carol", "q3@t"),
        (
            "frank@example.org",
            "q2@t",
            "I disagree with Carol; the cost is real. I support adoption.",
            "q4@t",
        ),
        ("erin@elsewhere.test", "a", "Support adoption.", "q5@t"),
        ("grace@example.org", "a", "+1", "q6@t"),
    ];
    for (who, parent, body, id) in replies {
        let parent = if parent == "a" { a.as_str() } else { parent };
        dated_reply(&d, who, parent, body, id).await;
        d.wait_queue_drained().await;
        d.clock.advance(60);
    }
    dated_reply(
        &d,
        "grace@example.org",
        &a,
        "I withdraw my support.",
        "q7@t",
    )
    .await;
    d.wait_queue_drained().await;
    // Past the deadline: the call closes by itself, and a reply after it is late.
    d.clock.advance(15 * 86_400);
    let result = mail_to(
        &d,
        "alice@example.org",
        "Result: Call for adoption: draft-smith-quic-same-01",
    )
    .await;
    // The result names each position and keeps the objection's reason whole.
    let body = text(&result);
    for want in [
        "carol@example.com: \"The frame duplicates PATH_CHALLENGE and will be implemented inconsistently.\"",
        "dave@example.org: (no reason given)",
        "Support (2): alice@example.org, frank@example.org",
        "not counted (1): erin@elsewhere.test (support)",
        "Withdrew their position (1): grace@example.org",
        "coverage",
    ] {
        assert!(body.contains(want), "{want}: {body}");
    }
    dated_reply(
        &d,
        "frank@example.org",
        &a,
        "+1 again, sorry for the noise.",
        "q8@t",
    )
    .await;
    d.wait_queue_drained().await;

    let live = show(&d, draft).unwrap()["tally"].clone();
    assert_eq!(
        live["support"],
        serde_json::json!(["alice@example.org", "frank@example.org"]),
        "{live}"
    );
    assert_eq!(
        live["object"],
        serde_json::json!(["carol@example.com", "dave@example.org"]),
        "{live}"
    );
    assert_eq!(
        live["not_counted"],
        serde_json::json!({"erin@elsewhere.test": "support"})
    );
    assert_eq!(live["withdrawn"], serde_json::json!(["grace@example.org"]));
    assert_eq!(live["late"][0]["from"], "frank@example.org");

    let site = d.dir.path().join("wgmail.toml");
    let (ok, mbox, err) = run_cli(&site, &["archive", "export", "quic"]);
    assert!(ok, "{err}");
    let file = d.dir.path().join("quic.mbox");
    std::fs::write(&file, mbox).unwrap();
    let (ok, out, err) = run_cli(
        &site,
        &["tally", file.to_str().unwrap(), "--list", "quic", "--json"],
    );
    assert!(ok, "{err}");
    let offline: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "support",
        "support_if",
        "object",
        "no_objection",
        "neutral",
        "not_members",
        "not_counted",
        "withdrawn",
        "replies",
        "classified",
    ] {
        assert_eq!(
            offline[key], live[key],
            "{key}: offline {offline} live {live}"
        );
    }
    assert_eq!(offline["late"][0]["from"], live["late"][0]["from"]);
    assert_eq!(offline["objections"], live["objections"]);

    // Without --list it needs no site at all: no config is read, nothing is logged about one.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wgmail"))
        .current_dir(std::env::temp_dir())
        .args(["tally", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Late, not counted (1)"), "{text}");
    assert!(text.contains("Withdrew their position (1)"), "{text}");
    // `draft show` shows the call and its tally.
    let (ok, shown, err) = run_cli(&site, &["draft", "show", draft]);
    assert!(ok, "{err}");
    assert!(
        shown.contains("call: Call for adoption, ended 2026-12-12"),
        "{shown}"
    );
    assert!(shown.contains("Objections (2):"), "{shown}");
    d.stop().await;
}
