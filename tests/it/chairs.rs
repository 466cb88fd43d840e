//! Workflow commands by mail to `wg-chairs@`: a chair's command runs only after the chair confirms
//! it from the configured address; refused moves name the allowed next states; everyone else's
//! commands change nothing.

use std::time::Duration;

use crate::support::daemon::{TestDaemon, header, run_cli};
use crate::support::relay::Captured;

const WAIT: Duration = Duration::from_secs(20);
const CHAIRS: &str = "chairs = [\"chair@ietf.test\"]";

pub fn mail(from: &str, to: &str, subject: &str, body: &str, id: &str) -> String {
    format!("From: {from}\nTo: {to}\nSubject: {subject}\nMessage-ID: <{id}>\n\n{body}\n")
}

pub fn text(c: &Captured) -> String {
    String::from_utf8_lossy(&c.data).into_owned()
}

pub fn show(d: &TestDaemon, draft: &str) -> Option<serde_json::Value> {
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
        text(results).contains("pending confirmation (reply to quic-confirm+"),
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

    // A move the table does not allow is refused with the allowed next states, at once: no
    // confirmation is asked for a command that could not run.
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
    let got = d.relay.wait_for(5, WAIT).await;
    let refused = text(&got[4]);
    assert!(
        refused.contains("error:") && refused.contains("cfa"),
        "{refused}"
    );
    d.wait_queue_drained().await;
    assert_eq!(d.relay.messages().len(), 5, "no confirmation request");
    assert_eq!(
        show(&d, "draft-smith-quic-foo").unwrap()["state"],
        "candidate"
    );
    d.stop().await;
}

/// The subjects of the mail captured after the first `from`, and to whom.
fn subjects_after(d: &TestDaemon, from: usize) -> Vec<(String, Vec<String>)> {
    d.relay.messages()[from..]
        .iter()
        .map(|c| {
            (
                header(&c.data, "Subject").unwrap_or_default(),
                c.rcpts.clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chair_who_answers_no_to_forged_commands_stops_them_and_the_chairs_are_told() {
    let d = TestDaemon::start_with(
        &["alice@example.org"],
        "",
        "chairs = [\"chair@ietf.test\", \"chair2@ietf.test\"]",
    )
    .await;
    // Mallory forges chair@'s From with commands that would run.
    d.send_raw(
        Some("mallory@evil.test"),
        "quic-chairs@ietf.test",
        &mail(
            "chair@ietf.test",
            "quic-chairs@ietf.test",
            "commands",
            "candidate draft-outsider-evil\nadoption start draft-outsider-evil-00",
            "forged-1@evil.test",
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
        .expect("a confirmation request to the real chair");
    assert_eq!(confirmation.rcpts, vec!["chair@ietf.test".to_string()]);
    let token_addr = header(&confirmation.data, "Reply-To").unwrap();

    // Neither yes nor no: asked again, nothing runs, and the token still stands.
    let before = d.relay.messages().len();
    d.send_raw(
        Some("chair@ietf.test"),
        &token_addr,
        &mail(
            "chair@ietf.test",
            &token_addr,
            "Re: confirm",
            "What is this?",
            "n0@ietf.test",
        ),
    )
    .await;
    d.relay.wait_for(before + 1, WAIT).await;
    let asked = text(&d.relay.messages()[before]);
    assert!(
        asked.contains("not confirmed; reply \"confirm\""),
        "{asked}"
    );
    assert!(show(&d, "draft-outsider-evil").is_none());

    // The chair's answer, top-posted above the quoted request.
    let before = d.relay.messages().len();
    let body = format!(
        "NO. I did not send these commands. Do not run them.\n\nOn Sat, {} wrote:\n> {}",
        token_addr,
        text(confirmation)
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join("\n> ")
    );
    d.send_raw(
        Some("chair@ietf.test"),
        &token_addr,
        &mail(
            "chair@ietf.test",
            &token_addr,
            "Re: confirm",
            &body,
            "n1@ietf.test",
        ),
    )
    .await;
    d.relay.wait_for(before + 4, WAIT).await;
    d.wait_queue_drained().await;
    let sent = subjects_after(&d, before);
    assert!(show(&d, "draft-outsider-evil").is_none(), "nothing ran");
    let refused = "Refused: commands sent to quic-chairs@ietf.test in the name of chair@ietf.test";
    for who in ["chair@ietf.test", "chair2@ietf.test", "owner@ietf.test"] {
        assert_eq!(
            sent.iter()
                .filter(|(s, to)| s == refused && to.iter().any(|t| t == who))
                .count(),
            1,
            "{who} is told once: {sent:#?}"
        );
    }
    assert!(
        sent.iter()
            .all(|(_, to)| !to.iter().any(|t| t.contains("evil"))),
        "nothing reaches the forger: {sent:#?}"
    );
    let notice = d.relay.messages()[before..]
        .iter()
        .find(|c| header(&c.data, "Subject").unwrap_or_default() == refused)
        .map(text)
        .unwrap();
    assert!(
        notice.contains("adoption start draft-outsider-evil-00")
            && notice.contains("forged-1@evil.test"),
        "{notice}"
    );
    let result = d.relay.messages()[before..]
        .iter()
        .find(|c| {
            c.rcpts == ["chair@ietf.test"]
                && header(&c.data, "Subject")
                    .unwrap_or_default()
                    .starts_with("Results")
        })
        .map(text)
        .expect("the chair's result");
    assert!(
        result.contains("cancelled: none of the commands ran"),
        "{result}"
    );

    // A later "yes" on the same token cannot bring them back.
    let before = d.relay.messages().len();
    d.send_raw(
        Some("chair@ietf.test"),
        &token_addr,
        &mail(
            "chair@ietf.test",
            &token_addr,
            "Re: confirm",
            "confirm",
            "n2@ietf.test",
        ),
    )
    .await;
    d.relay.wait_for(before + 1, WAIT).await;
    assert!(
        text(&d.relay.messages()[before]).contains("already confirmed or cancelled"),
        "{}",
        text(&d.relay.messages()[before])
    );
    d.wait_queue_drained().await;
    assert!(
        show(&d, "draft-outsider-evil").is_none(),
        "still nothing ran"
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

/// Sends `commands` from `from` and confirms them; returns the two results mails: the first
/// (commands refused at once, and the ones pending) and the one that answers the confirmation
/// (absent when every command was refused at once).
pub async fn both_results(
    d: &TestDaemon,
    from: &str,
    commands: &str,
    id: &str,
) -> (Captured, Option<Captured>) {
    let got = commands_by(d, from, commands, id).await;
    let results_to = |c: &&Captured, to: &str| {
        header(&c.data, "Subject")
            .is_some_and(|s| s.trim_start_matches("[quic] ").starts_with("Results"))
            && header(&c.data, "In-Reply-To").as_deref() == Some(&format!("<{to}>"))
    };
    let first = got
        .iter()
        .find(|c| results_to(c, id))
        .cloned()
        .expect("the first results");
    let then = got
        .iter()
        .find(|c| results_to(c, &format!("ok-{id}")))
        .cloned();
    (first, then)
}

/// Sends `commands` to -chairs as the chair and confirms them; returns all mail seen so far.
pub(crate) async fn chair_runs(d: &TestDaemon, commands: &str, id: &str) -> Vec<Captured> {
    commands_by(d, "chair@ietf.test", commands, id).await
}

/// Sends `commands` to -chairs from `from`, confirms them from `from`, and waits for the result
/// mail that answers the confirmation; returns all mail seen so far. When nothing is left to
/// confirm (every command was refused at once), returns after the first results.
pub async fn commands_by(d: &TestDaemon, from: &str, commands: &str, id: &str) -> Vec<Captured> {
    let before = d.relay.messages().len();
    d.send_raw(
        Some(from),
        "quic-chairs@ietf.test",
        &mail(from, "quic-chairs@ietf.test", "commands", commands, id),
    )
    .await;
    let is_confirmation = |c: &Captured| {
        header(&c.data, "Subject").is_some_and(|s| s.starts_with("confirm "))
            && header(&c.data, "In-Reply-To").is_some_and(|v| v.contains(id))
    };
    // A command that would be refused is refused at once, with no confirmation to answer.
    let is_results = |c: &Captured| {
        header(&c.data, "Subject").is_some_and(|s| s.starts_with("Results"))
            && header(&c.data, "In-Reply-To").is_some_and(|v| v.contains(id))
    };
    let got = d
        .relay
        .wait_for_match(WAIT, "the results", is_results)
        .await;
    let first = got[before..]
        .iter()
        .find(|c| is_results(c))
        .expect("results");
    if !text(first).contains("pending confirmation") {
        return got;
    }
    let got = d
        .relay
        .wait_for_match(WAIT, "the confirmation request", is_confirmation)
        .await;
    let confirmation = got[before..]
        .iter()
        .find(|c| is_confirmation(c))
        .expect("confirmation");
    let token_addr = header(&confirmation.data, "Reply-To").unwrap();
    d.send_raw(
        Some(from),
        &token_addr,
        &mail(from, &token_addr, "Re: confirm", "", &format!("ok-{id}")),
    )
    .await;
    d.wait_queue_drained().await;
    // The result of the confirmed commands answers the confirmation.
    let answer = format!("ok-{id}");
    d.relay
        .wait_for_match(WAIT, "the command results", |c| {
            header(&c.data, "In-Reply-To").is_some_and(|v| v.contains(&answer))
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adoption_call_is_announced_tallied_and_decided_at_its_deadline() {
    let members = [
        "alice@example.org",
        "bob@example.net",
        "carol@example.com",
        "dave@example.org",
    ];
    let d = TestDaemon::start_with(&members, "", CHAIRS).await;
    chair_runs(&d, "candidate draft-smith-quic-foo", "a1@ietf.test").await;
    let before = d.relay.messages().len();
    chair_runs(
        &d,
        "adoption start draft-smith-quic-foo-03 for 2 weeks",
        "a2@ietf.test",
    )
    .await;
    // The confirmation, the results and the announcement to each of the four members.
    let got = d.relay.wait_for(before + 2 + members.len(), WAIT).await;
    let results = got[before..]
        .iter()
        .filter(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .starts_with("Results")
        })
        .map(text)
        .next_back()
        .expect("results");
    assert!(results.contains("announced to the list"), "{results}");
    let announcement = got
        .iter()
        .find(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .contains("Call for adoption: draft-smith-quic-foo-03 (Ends ")
        })
        .expect("announcement");
    let anchor = header(&announcement.data, "Message-ID").unwrap();
    let anchor = anchor.trim_matches(|c| c == '<' || c == '>').to_owned();
    assert_eq!(show(&d, "draft-smith-quic-foo").unwrap()["state"], "cfa");

    // Replies on the list: three support, one objects with a reason.
    for (who, body, id) in [
        ("alice@example.org", "+1, long overdue.", "r1@example.org"),
        ("bob@example.net", "I support adoption.", "r2@example.net"),
        (
            "carol@example.com",
            "Support, and willing to review.",
            "r3@example.com",
        ),
        (
            "dave@example.org",
            "I object: the scope overlaps with the foo WG charter.",
            "r4@example.org",
        ),
    ] {
        let reply = format!(
            "From: {who}\nTo: quic@ietf.test\nSubject: Re: [quic] Call for adoption: draft-smith-quic-foo-03\nMessage-ID: <{id}>\nIn-Reply-To: <{anchor}>\nReferences: <{anchor}>\n\n{body}\n\n> This message starts a call for adoption\n"
        );
        d.send_raw(Some(who), "quic@ietf.test", &reply).await;
    }
    d.wait_queue_drained().await;
    let draft = show(&d, "draft-smith-quic-foo").unwrap();
    assert_eq!(draft["call"]["kind"], "adoption");
    assert_eq!(draft["call"]["open"], true);
    assert_eq!(
        draft["tally"]["support"].as_array().unwrap().len(),
        3,
        "{draft}"
    );
    assert_eq!(
        draft["tally"]["object"],
        serde_json::json!(["dave@example.org"])
    );

    // Two days before the end, the members (and the chair, who is not one) are reminded once,
    // on the list.
    let before = d.relay.messages().len();
    d.clock.advance(13 * 86_400);
    let got = d.relay.wait_for(before + members.len() + 1, WAIT).await;
    assert!(got[before..].iter().all(|c| {
        header(&c.data, "Subject")
            .unwrap_or_default()
            .starts_with("[quic] Reminder: Call for adoption")
    }));
    d.clock.advance(3600);
    d.wait_queue_drained().await;

    // Fifteen days in, the call has closed by itself: adopted (3 supporters > 1 objector, quorum 3).
    let before = d.relay.messages().len();
    d.clock.advance(3 * 86_400);
    let got = d.relay.wait_for(before + members.len() + 1, WAIT).await;
    let result = got[before..]
        .iter()
        .find(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .starts_with("[quic] Result: Call for adoption")
        })
        .expect("result mail");
    let body = text(result);
    assert!(
        body.contains("dave@example.org") && body.contains("scope overlaps"),
        "objections come with reasons: {body}"
    );
    assert!(body.contains("the call passed"), "{body}");
    let draft = show(&d, "draft-smith-quic-foo").unwrap();
    assert_eq!(draft["state"], "adopted");
    assert_eq!(draft["call"]["open"], false);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_chair_rule_a_wglc_waits_for_the_chairs_consensus_call() {
    let members = ["alice@example.org", "bob@example.net"];
    let list = format!("{CHAIRS}\n[workflow]\ndecision = \"chair\"\nwglc_weeks = 1");
    let d = TestDaemon::start_with(&members, "", &list).await;
    chair_runs(
        &d,
        "state draft-ietf-quic-bar wg-doc force reason \"adopted before wgmail\"",
        "b1@ietf.test",
    )
    .await;
    assert_eq!(show(&d, "draft-ietf-quic-bar").unwrap()["state"], "wg-doc");
    chair_runs(&d, "wglc start draft-ietf-quic-bar-05", "b2@ietf.test").await;
    let draft = show(&d, "draft-ietf-quic-bar").unwrap();
    assert_eq!(draft["state"], "wglc");
    assert_eq!(draft["call"]["kind"], "wglc");
    // Consensus cannot be called while the call is open.
    let got = chair_runs(
        &d,
        "consensus draft-ietf-quic-bar reached Too early.",
        "b3@ietf.test",
    )
    .await;
    let early = got
        .iter()
        .rev()
        .find(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .starts_with("Results")
        })
        .map(text)
        .unwrap();
    assert!(early.contains("still open"), "{early}");

    // The week passes: the call closes, the tally is only evidence, the draft waits for the chairs.
    let before = d.relay.messages().len();
    d.clock.advance(8 * 86_400);
    let got = d.relay.wait_for(before + members.len() + 1, WAIT).await;
    let result = got[before..]
        .iter()
        .find(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .starts_with("[quic] Result: WG Last Call")
        })
        .expect("result");
    assert!(
        text(result).contains("The chairs will call consensus")
            && text(result).contains("summary of positions"),
        "{}",
        text(result)
    );
    d.wait_queue_drained().await;
    assert_eq!(
        show(&d, "draft-ietf-quic-bar").unwrap()["state"],
        "chair-goahead"
    );

    let got = chair_runs(
        &d,
        "consensus draft-ietf-quic-bar reached The one objection was resolved in -06.",
        "b4@ietf.test",
    )
    .await;
    let ok = got
        .iter()
        .rev()
        .find(|c| {
            header(&c.data, "Subject")
                .unwrap_or_default()
                .starts_with("Results")
        })
        .map(text)
        .unwrap();
    assert!(ok.contains("ok:"), "{ok}");
    assert_eq!(show(&d, "draft-ietf-quic-bar").unwrap()["state"], "writeup");
    let is_consensus = |c: &Captured| {
        header(&c.data, "Subject").unwrap_or_default()
            == "[quic] Consensus on draft-ietf-quic-bar: reached"
    };
    let others = got.iter().filter(|c| !is_consensus(c)).count();
    let got = d.relay.wait_for(others + members.len() + 1, WAIT).await;
    let mut told: Vec<&str> = got
        .iter()
        .filter(|c| is_consensus(c))
        .flat_map(|c| c.rcpts.iter().map(String::as_str))
        .collect();
    told.sort();
    assert_eq!(
        told,
        ["alice@example.org", "bob@example.net", "chair@ietf.test"],
        "every member and the chair is told, once"
    );
    let (_, history, _) = run_cli(
        &d.dir.path().join("wgmail.toml"),
        &["draft", "history", "draft-ietf-quic-bar"],
    );
    assert!(
        history.contains("resolved in -06"),
        "the reason is in the history: {history}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chairs_are_never_silenced_and_others_are_told_when_the_daily_limit_stops_answers() {
    let d = TestDaemon::start_with(&["alice@example.org"], "", CHAIRS).await;
    let limit = wgmail::store::REPLY_LIMIT as usize;
    let to = |who: &str| {
        d.relay
            .messages()
            .into_iter()
            .filter(|c| c.rcpts == [who])
            .map(|c| header(&c.data, "Subject").unwrap_or_default())
            .collect::<Vec<_>>()
    };
    for i in 0..limit + 2 {
        for who in ["chair@ietf.test", "alice@example.org"] {
            d.send_raw(
                Some(who),
                "quic-chairs@ietf.test",
                &mail(
                    who,
                    "quic-chairs@ietf.test",
                    "commands",
                    // A mistyped command: its error is the answer a chair must not miss.
                    "status draft-smith-quic-foo extra",
                    &format!("day-{i}-{who}"),
                ),
            )
            .await;
        }
    }
    d.wait_queue_drained().await;
    // The chair's twelfth answer arrives like the first.
    d.relay
        .wait_for_match(WAIT, "every answer to the chair", |_| {
            to("chair@ietf.test").len() >= limit + 2
        })
        .await;
    assert!(
        to("chair@ietf.test")
            .iter()
            .all(|s| s.starts_with("Results")),
        "{:?}",
        to("chair@ietf.test")
    );
    // Alice gets ten answers, then one notice saying why the rest are not answered; no more.
    d.relay
        .wait_for_match(WAIT, "alice's answers and the notice", |_| {
            to("alice@example.org").len() > limit
        })
        .await;
    d.wait_queue_drained().await;
    let alice = to("alice@example.org");
    assert_eq!(alice.len(), limit + 1, "{alice:?}");
    let notice = "Daily limit of automatic replies from quic@ietf.test reached";
    assert_eq!(
        (
            alice.iter().filter(|s| s.starts_with("Results")).count(),
            alice.iter().filter(|s| *s == notice).count()
        ),
        (limit, 1),
        "{alice:?}"
    );
    d.stop().await;
}
