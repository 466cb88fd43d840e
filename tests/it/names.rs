//! Names, end to end by mail (issue 10 point 4): a draft renamed with `replaces`, the WG's `-00`
//! replacing the individual draft, a proposal linked to a draft and called by it, a call for
//! adoption on a draft nobody registered, and RFC numbers unique on the site.

use std::time::Duration;

use wgmail::store::{Action, DraftMeta};

use crate::chairs::{mail, show};
use crate::support::daemon::{TestDaemon, header, run_cli, until_committed};
use crate::support::relay::Captured;

const WAIT: Duration = Duration::from_secs(20);
const CHAIR: &str = "chair@ietf.test";
const CHAIRS: &str = "chairs = [\"chair@ietf.test\"]";
const AD: &str = "ad@iesg.test";
const IESG: &str =
    "[iesg]\nmembers = [\"ad@iesg.test\"]\nannounce_list = \"ietf-announce@ietf.test\"\n";

/// The decoded body (results lines may be quoted-printable and soft-wrapped), with `\n` lines.
fn text(c: &Captured) -> String {
    mailparse::parse_mail(&c.data)
        .and_then(|m| m.get_body())
        .unwrap_or_else(|_| String::from_utf8_lossy(&c.data).into_owned())
        .replace("\r\n", "\n")
}

fn subject(c: &Captured) -> String {
    let s = header(&c.data, "Subject").unwrap_or_default();
    s.strip_prefix("[quic] ").map(str::to_owned).unwrap_or(s)
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

/// `wgmail draft history DRAFT`, as text.
fn history(d: &TestDaemon, draft: &str) -> String {
    let (ok, out, err) = run_cli(
        &d.dir.path().join("wgmail.toml"),
        &["draft", "history", draft],
    );
    assert!(ok, "{err}");
    out
}

/// Mail whose subject is `s` delivered to `rcpt` so far.
fn delivered(d: &TestDaemon, rcpt: &str, s: &str) -> usize {
    d.relay
        .messages()
        .iter()
        .filter(|c| subject(c) == s && c.rcpts.iter().any(|r| r == rcpt))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_draft_is_replaced_both_names_link_and_the_old_one_is_refused() {
    let members = ["alice@example.org"];
    let d = TestDaemon::start_with(&members, "", CHAIRS).await;
    confirmed(
        &d,
        CHAIR,
        "state draft-law-quic-relay adopted force reason \"adopted at IETF 125\"",
        "r1@t",
    )
    .await;
    // The topic was renamed on the way (relay → relays): no announcement can find the old name,
    // the chair links them.
    let r = confirmed(
        &d,
        CHAIR,
        "replaces draft-ietf-quic-relays-00 draft-law-quic-relay",
        "r2@t",
    )
    .await;
    assert!(
        r.contains(
            "ok: draft-law-quic-relay: IETF WG state changed to Replaced from Adopted by a WG\n\
             ok: draft-ietf-quic-relays: IETF WG state changed to WG Document (replaces draft-law-quic-relay)"
        ),
        "{r}"
    );
    let old = show(&d, "draft-law-quic-relay").unwrap();
    assert_eq!(old["state"], "replaced", "{old}");
    assert_eq!(old["stage"], 0);
    assert_eq!(old["replaced_by"], "draft-ietf-quic-relays");
    assert!(old["replaces"].is_null());
    let new = show(&d, "draft-ietf-quic-relays").unwrap();
    assert_eq!(new["state"], "wg-doc", "{new}");
    assert_eq!(new["rev"], 0);
    assert_eq!(new["replaces"], "draft-law-quic-relay");
    assert!(new["replaced_by"].is_null());
    let h = history(&d, "draft-law-quic-relay");
    assert!(
        h.contains("IETF WG state changed to Replaced from Adopted by a WG\tReplaced by draft-ietf-quic-relays"),
        "{h}"
    );
    let h = history(&d, "draft-ietf-quic-relays");
    assert!(
        h.contains("IETF WG state changed to WG Document\tReplaces draft-law-quic-relay"),
        "{h}"
    );
    let (_, shown, _) = run_cli(
        &d.dir.path().join("wgmail.toml"),
        &["draft", "show", "draft-law-quic-relay"],
    );
    assert!(
        shown.contains("  replaced by: draft-ietf-quic-relays\n"),
        "{shown}"
    );

    // A last call on the old name is refused with the new one, and nothing is announced.
    let r = confirmed(&d, CHAIR, "wglc start draft-law-quic-relay-03", "r3@t").await;
    assert!(
        r.contains(
            "> wglc start draft-law-quic-relay-03\nerror: draft-law-quic-relay was replaced by \
             draft-ietf-quic-relays; use that name"
        ),
        "{r}"
    );
    let old = show(&d, "draft-law-quic-relay").unwrap();
    assert_eq!(old["state"], "replaced");
    assert!(old["call"].is_null(), "{old}");
    assert_eq!(
        delivered(
            &d,
            "alice@example.org",
            "WG Last Call: draft-law-quic-relay-03 (Ends 2026-12-12)"
        ),
        0
    );
    // Replacing it again is refused the same way; reading it still answers, with the link.
    let r = confirmed(
        &d,
        CHAIR,
        "replaces draft-ietf-quic-relay draft-law-quic-relay",
        "r4@t",
    )
    .await;
    assert!(
        r.contains("error: draft-law-quic-relay was replaced by draft-ietf-quic-relays"),
        "{r}"
    );
    let r = results(&d, CHAIR, "status draft-law-quic-relay", "r5@t").await;
    assert!(
        r.contains("draft-law-quic-relay: Replaced (no stage); replaced by draft-ietf-quic-relays"),
        "{r}"
    );
    // The new name is the one to use.
    let r = confirmed(&d, CHAIR, "wglc start draft-ietf-quic-relays-00", "r6@t").await;
    assert!(
        r.contains("IETF WG state changed to In WG Last Call from WG Document"),
        "{r}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wgs_first_revision_replaces_the_individual_draft() {
    let members = ["alice@example.org"];
    let list = format!(
        "{CHAIRS}\n[posting]\naccept_these_nonmembers = [\"^internet-drafts@ietf\\\\.org$\"]\n"
    );
    let d = TestDaemon::start_with(&members, &crate::support::dkim::site(), &list).await;
    // The chairs moved the adopted draft on by hand before the -00 came.
    confirmed(
        &d,
        CHAIR,
        "state draft-smith-quic-foo wg-doc force reason \"adopted at the meeting\"",
        "a1@t",
    )
    .await;
    let announce = "From: internet-drafts@ietf.org\nTo: quic@ietf.test\nSubject: I-D Action: draft-ietf-quic-foo-00.txt\nMessage-ID: <a2@t>\n\nA New Internet-Draft is available from the on-line Internet-Drafts directories.\n\n   Title:   QUIC Foo Extensions\n   Name:    draft-ietf-quic-foo-00.txt\n";
    let announce =
        crate::support::dkim::sign(announce, crate::support::dkim::Key::Genuine, "ietf.org");
    d.send_raw(
        Some("internet-drafts@ietf.org"),
        "quic@ietf.test",
        &announce,
    )
    .await;
    d.wait_queue_drained().await;
    let old = show(&d, "draft-smith-quic-foo").unwrap();
    assert_eq!(old["state"], "replaced", "{old}");
    assert_eq!(old["replaced_by"], "draft-ietf-quic-foo");
    let new = show(&d, "draft-ietf-quic-foo").unwrap();
    assert_eq!(new["state"], "wg-doc", "{new}");
    assert_eq!(
        (new["rev"].as_i64(), new["title"].as_str()),
        (Some(0), Some("QUIC Foo Extensions"))
    );
    assert_eq!(new["replaces"], "draft-smith-quic-foo");
    let h = history(&d, "draft-smith-quic-foo");
    assert!(
        h.contains("revision\tIETF WG state changed to Replaced from WG Document\tReplaced by draft-ietf-quic-foo"),
        "{h}"
    );

    let r = confirmed(&d, CHAIR, "wglc start draft-smith-quic-foo-02", "a3@t").await;
    assert!(
        r.contains(
            "error: draft-smith-quic-foo was replaced by draft-ietf-quic-foo; use that name"
        ),
        "{r}"
    );
    assert!(show(&d, "draft-smith-quic-foo").unwrap()["call"].is_null());
    let r = confirmed(&d, CHAIR, "wglc start draft-ietf-quic-foo-00", "a4@t").await;
    assert!(
        r.contains("announced to the list: WG Last Call: draft-ietf-quic-foo-00 (Ends 2026-12-12)"),
        "{r}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_linked_to_a_draft_is_called_for_adoption_by_its_name() {
    let members = ["alice@example.org", "bob@example.net"];
    let d = TestDaemon::start_with(&members, "", CHAIRS).await;
    let r = confirmed(
        &d,
        "alice@example.org",
        "propose \"QUIC over pigeons\"",
        "p1@t",
    )
    .await;
    assert!(r.contains("registered as proposal-1"), "{r}");

    // Before it is linked, a call names the way.
    let r = confirmed(&d, CHAIR, "adoption start proposal-1", "p2@t").await;
    assert!(
        r.contains(
            "error: proposal-1 is not a draft yet; link it to one first \
             (`proposal-1 is draft-NAME-00`), then start the call"
        ),
        "{r}"
    );
    assert_eq!(show(&d, "proposal-1").unwrap()["state"], "proposal");

    let r = confirmed(
        &d,
        CHAIR,
        "proposal-1 is draft-smith-quic-pigeons-00",
        "p3@t",
    )
    .await;
    assert!(
        r.contains(
            "ok: draft-smith-quic-pigeons: IETF WG state changed to Candidate for WG Adoption \
             (replaces proposal-1)"
        ),
        "{r}"
    );
    let p = show(&d, "proposal-1").unwrap();
    assert_eq!(p["state"], "replaced", "{p}");
    assert_eq!(p["replaced_by"], "draft-smith-quic-pigeons");
    let draft = show(&d, "draft-smith-quic-pigeons").unwrap();
    assert_eq!(draft["state"], "candidate", "{draft}");
    assert_eq!(draft["title"], "QUIC over pigeons");
    assert_eq!(draft["rev"], 0);
    assert_eq!(draft["replaces"], "proposal-1");

    let r = confirmed(&d, CHAIR, "adoption start proposal-1", "p4@t").await;
    assert!(
        r.contains("announced to the list: Call for adoption: draft-smith-quic-pigeons-00 (Ends 2026-12-12)"),
        "{r}"
    );
    let ann = "Call for adoption: draft-smith-quic-pigeons-00 (Ends 2026-12-12)";
    d.relay
        .wait_for_match(WAIT, "the call reaches bob", |c| {
            subject(c) == ann && c.rcpts.iter().any(|r| r == "bob@example.net")
        })
        .await;
    let draft = show(&d, "draft-smith-quic-pigeons").unwrap();
    assert_eq!(draft["state"], "cfa");
    assert_eq!(draft["call"]["kind"], "adoption");
    assert_eq!(draft["call"]["rev"], 0);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_for_adoption_registers_a_draft_nobody_registered() {
    let members = ["alice@example.org"];
    let d = TestDaemon::start_with(&members, "", CHAIRS).await;
    assert!(show(&d, "draft-smith-quic-new").is_none());
    let r = confirmed(&d, CHAIR, "adoption start draft-smith-quic-new-02", "u1@t").await;
    assert!(
        r.contains(
            "ok: IETF WG state changed to Candidate for WG Adoption\nok: IETF WG state changed to \
             Call For Adoption By WG Issued from Candidate for WG Adoption; announced to the list: \
             Call for adoption: draft-smith-quic-new-02 (Ends 2026-12-12)"
        ),
        "{r}"
    );
    let shown = show(&d, "draft-smith-quic-new").unwrap();
    assert_eq!(
        (shown["state"].as_str(), shown["rev"].as_i64()),
        (Some("cfa"), Some(2))
    );
    assert_eq!(shown["call"]["kind"], "adoption");
    let h = history(&d, "draft-smith-quic-new");
    let moves: Vec<&str> = h.lines().map(|l| l.split('\t').nth(2).unwrap()).collect();
    assert_eq!(
        moves,
        [
            "IETF WG state changed to Candidate for WG Adoption",
            "IETF WG state changed to Call For Adoption By WG Issued from Candidate for WG Adoption"
        ],
        "{h}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rfc_number_is_given_once_on_the_site() {
    let members = ["alice@example.org"];
    let d = TestDaemon::start_with(&members, IESG, CHAIRS).await;
    for (i, draft) in ["draft-ietf-quic-one", "draft-ietf-quic-two"]
        .into_iter()
        .enumerate()
    {
        confirmed(
            &d,
            CHAIR,
            &format!(
                "state {draft}-03 writeup force reason \"done before wgmail\"\npubreq {draft} status ps"
            ),
            &format!("f{i}@t"),
        )
        .await;
        let r = confirmed(
            &d,
            AD,
            &format!("ietf-lc start {draft}"),
            &format!("g{i}@t"),
        )
        .await;
        assert!(r.contains("In Last Call"), "{r}");
    }
    // Both last calls end (28 days: no WG adopted them here) and the IESG approves both.
    d.clock.advance(29 * 86_400);
    until_committed(&d.store(), "both last calls end", WAIT, |s| {
        ["draft-ietf-quic-one", "draft-ietf-quic-two"]
            .iter()
            .all(|n| {
                s.draft("quic@ietf.test", n)
                    .ok()
                    .flatten()
                    .is_some_and(|d| d.state.slug() == "iesg-eval")
            })
            .then_some(())
    })
    .await;
    confirmed(
        &d,
        AD,
        "ballot draft-ietf-quic-one yes\nballot draft-ietf-quic-two yes\napprove draft-ietf-quic-one\napprove draft-ietf-quic-two",
        "h1@t",
    )
    .await;
    let r = confirmed(&d, AD, "published draft-ietf-quic-one rfc 9999", "h2@t").await;
    assert!(r.contains("RFC Published"), "{r}");

    let r = confirmed(&d, AD, "published draft-ietf-quic-two rfc 9999", "h3@t").await;
    assert!(
        r.contains(
            "> published draft-ietf-quic-two rfc 9999\nerror: RFC 9999 is already the number of \
             draft-ietf-quic-one (quic@ietf.test); RFC numbers are unique"
        ),
        "{r}"
    );
    let two = show(&d, "draft-ietf-quic-two").unwrap();
    assert_eq!(two["state"], "approved", "{two}");
    assert!(two["rfc"].is_null());
    assert_eq!(
        delivered(&d, "alice@example.org", "RFC 9999 on draft-ietf-quic-two"),
        0
    );

    // Behind the command, the store itself refuses a second holder of the number.
    let refused = d
        .store()
        .apply_now(
            vec![Action::DraftMeta(DraftMeta {
                list: "quic@ietf.test".into(),
                draft: "draft-ietf-quic-two".into(),
                rfc: Some(9999),
                ..DraftMeta::default()
            })],
            0,
        )
        .await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(show(&d, "draft-ietf-quic-two").unwrap()["rfc"].is_null());

    let r = confirmed(&d, AD, "published draft-ietf-quic-two rfc 10000", "h4@t").await;
    assert!(r.contains("RFC Published"), "{r}");
    assert_eq!(show(&d, "draft-ietf-quic-two").unwrap()["rfc"], 10000);
    d.stop().await;
}
