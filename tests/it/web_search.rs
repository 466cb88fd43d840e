//! Archive search through the router: every prefix, phrases, negation, OR, date ranges, draft
//! names, both orders, snippet escaping, private lists, unreadable queries, and the query plan.

use axum::http::StatusCode;
use wgmail::store::SearchSort;

use crate::support::web::{Got, LIST, PRIVATE, WebFixture, mail};

/// Five messages in quic@ietf.test, archived in this order (rowid = arrival order).
async fn fixture() -> WebFixture {
    let fx = WebFixture::new().await;
    let m1 = mail(
        "m1@test",
        "Alice Liddell <alice@example.com>",
        "Flow control in QUIC",
        "Mon, 01 Jan 2024 10:00:00 +0000",
        None,
        "The stream limits need work.\nSee draft-ietf-quic-http-07 for details.",
    );
    let m2 = mail(
        "m2@test",
        "Bob Builder <bob@example.org>",
        "Re: Flow control in QUIC",
        "Mon, 15 Jan 2024 10:00:00 +0000",
        Some("m1@test"),
        "I think control of the flow is fine; zebra.",
    );
    let m3 = mail(
        "m3@test",
        "Carol <carol@example.net>",
        "Agenda for Brisbane",
        "Thu, 01 Feb 2024 10:00:00 +0000",
        None,
        "Please send agenda requests. Mentions draft-ietf-quic-http.",
    );
    let m4 = mail(
        "m4@test",
        "Dave <dave@example.com>",
        "<script>alert(1)</script>",
        "Fri, 01 Mar 2024 10:00:00 +0000",
        None,
        "payload <script>alert(1)</script> here",
    );
    let m5 = mail(
        "m5@test",
        "Erin <erin@example.com>",
        "Zebra crossing",
        "Mon, 01 Apr 2024 10:00:00 +0000",
        None,
        "A zebra zebra zebra, about flow.",
    );
    fx.archive(LIST, &[&m1, &m2, &m3, &m4, &m5], 0).await;
    let secret = mail(
        "s1@test",
        "Mallory <mallory@example.com>",
        "Secret zebra",
        "Mon, 01 Jan 2024 10:00:00 +0000",
        None,
        "zebra in a private list",
    );
    fx.archive(PRIVATE, &[&secret], 0).await;
    fx
}

fn url(q: &str) -> String {
    format!(
        "/arch/browse/quic/?q={}",
        wgmail::message::percent_encode(q)
    )
}

/// The Message-IDs of the results, in page order.
fn hits(got: &Got) -> Vec<String> {
    let text = got.text();
    let mut out = Vec::new();
    for part in text.split("href=\"/arch/msg/quic/").skip(1) {
        let mid = part.split('"').next().unwrap_or_default();
        if !mid.ends_with("/thread") {
            out.push(mid.replace("%40", "@"));
        }
    }
    out
}

async fn search(fx: &WebFixture, q: &str) -> Vec<String> {
    let got = fx.get(&url(q)).await;
    assert_eq!(got.status, StatusCode::OK, "{q}: {}", got.text());
    let mut found = hits(&got);
    found.sort();
    found
}

#[tokio::test]
async fn words_and_phrases_must_all_match() {
    let fx = fixture().await;
    assert_eq!(search(&fx, "flow control").await, ["m1@test", "m2@test"]);
    // The phrase: words adjacent and in order. m2 has "control of the flow" in its body, but its
    // subject "Re: Flow control" has the phrase too; m5 has "flow" alone.
    assert_eq!(
        search(&fx, "\"flow control\"").await,
        ["m1@test", "m2@test"]
    );
    assert_eq!(
        search(&fx, "b:\"flow control\"").await,
        Vec::<String>::new()
    );
    assert_eq!(search(&fx, "\"control of the flow\"").await, ["m2@test"]);
    assert_eq!(search(&fx, "flow zebra").await, ["m2@test", "m5@test"]);
}

#[tokio::test]
async fn prefixes_choose_the_field() {
    let fx = fixture().await;
    // f: matches the address and the display name.
    assert_eq!(search(&fx, "f:alice@example.com").await, ["m1@test"]);
    assert_eq!(search(&fx, "f:liddell").await, ["m1@test"]);
    assert_eq!(search(&fx, "f:example.org").await, ["m2@test"]);
    // s: only the subject: "zebra" is in m2's body and m5's subject.
    assert_eq!(search(&fx, "s:zebra").await, ["m5@test"]);
    // b: only the body: "agenda" is in m3's subject and body; "brisbane" only in its subject.
    assert_eq!(search(&fx, "b:agenda").await, ["m3@test"]);
    assert_eq!(search(&fx, "b:brisbane").await, Vec::<String>::new());
    assert_eq!(search(&fx, "s:brisbane").await, ["m3@test"]);
}

#[tokio::test]
async fn negation_and_or() {
    let fx = fixture().await;
    assert_eq!(search(&fx, "flow -zebra").await, ["m1@test"]);
    assert_eq!(
        search(&fx, "flow -\"stream limits\"").await,
        ["m2@test", "m5@test"]
    );
    assert_eq!(search(&fx, "flow -f:bob").await, ["m1@test", "m5@test"]);
    assert_eq!(
        search(&fx, "agenda OR s:zebra").await,
        ["m3@test", "m5@test"]
    );
    assert_eq!(
        search(&fx, "zebra flow OR agenda").await,
        ["m2@test", "m5@test"]
    );
}

#[tokio::test]
async fn date_ranges_with_open_ends() {
    let fx = fixture().await;
    assert_eq!(
        search(&fx, "flow d:2024-01-10..2024-03-31").await,
        ["m2@test"]
    );
    assert_eq!(
        search(&fx, "flow d:2024-01-15..").await,
        ["m2@test", "m5@test"]
    );
    assert_eq!(
        search(&fx, "flow d:..2024-01-15").await,
        ["m1@test", "m2@test"]
    );
    assert_eq!(search(&fx, "flow d:2024-01-01").await, ["m1@test"]);
    assert_eq!(
        search(&fx, "flow d:2023-01-01..2023-12-31").await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn draft_names_match_with_or_without_revision() {
    let fx = fixture().await;
    assert_eq!(
        search(&fx, "draft:draft-ietf-quic-http").await,
        ["m1@test", "m3@test"]
    );
    assert_eq!(
        search(&fx, "draft:draft-ietf-quic-http-07").await,
        ["m1@test"]
    );
    assert_eq!(
        search(&fx, "draft:draft-ietf-quic-http-08").await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&fx, "draft:draft-ietf-tls-esni").await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn best_first_by_default_newest_first_with_sort_date() {
    let fx = fixture().await;
    // m5 says zebra four times, in the subject too; m2 once in its body.
    let best = fx.get(&url("zebra")).await;
    assert_eq!(best.status, StatusCode::OK);
    assert_eq!(hits(&best), ["m5@test", "m2@test"]);
    let newest = fx.get(&(url("flow") + "&sort=date")).await;
    assert_eq!(hits(&newest), ["m5@test", "m2@test", "m1@test"]);
    let ranked = fx.get(&(url("flow") + "&sort=rank")).await;
    assert_eq!(hits(&ranked).len(), 3);
    assert!(ranked.text().contains("best first"));
    assert!(newest.text().contains("newest first"));
    let bad = fx.get(&(url("flow") + "&sort=sideways")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn snippets_are_escaped_and_mark_the_match() {
    let fx = fixture().await;
    let got = fx.get(&url("payload")).await;
    assert_eq!(got.status, StatusCode::OK);
    let text = got.text();
    assert_eq!(hits(&got), ["m4@test"]);
    assert!(!text.contains("<script>"), "{text}");
    assert!(
        text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{text}"
    );
    assert!(text.contains("<mark>payload</mark>"), "{text}");
    // The markers never reach the page.
    assert!(!text.contains('\u{2}') && !text.contains('\u{3}'));
    let got = fx.get(&url("script alert")).await;
    assert_eq!(hits(&got), ["m4@test"]);
    assert!(!got.text().contains("<script>"));
}

#[tokio::test]
async fn private_lists_are_not_searchable() {
    let fx = fixture().await;
    let got = fx.get("/arch/browse/secret/?q=zebra").await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    assert!(!got.text().contains("Secret zebra"));
    // Nor do its messages show in a public list's results.
    assert_eq!(search(&fx, "zebra").await, ["m2@test", "m5@test"]);
    assert_eq!(search(&fx, "f:mallory").await, Vec::<String>::new());
}

#[tokio::test]
async fn unreadable_queries_explain_themselves_and_never_fail() {
    let fx = fixture().await;
    for (q, says) in [
        ("\"flow control", "quote is not closed"),
        ("flow d:2024-13-01..", "is not a date range"),
        ("-flow", "give at least one word"),
        ("OR flow", "OR must stand between two terms"),
        ("   ", "nothing to search for"),
    ] {
        let got = fx.get(&url(q)).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{q}");
        let text = got.text();
        assert!(text.contains(says), "{q}: {text}");
        // The search box keeps the query so it can be corrected.
        assert!(text.contains("name=\"q\""), "{q}");
    }
    let long = "flow ".repeat(420);
    let got = fx.get(&url(&long)).await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    assert!(got.text().contains("longer than 1024 bytes"));
    // FTS5's own operators are plain words here: never an SQL error.
    for q in [
        "NEAR(flow control)",
        "flow AND control",
        "flow*",
        "flow:",
        "^flow",
        "flow NOT control",
        "{subject}: flow",
        "\"\"\"\"",
        "f:\"",
        "- * ^ : flow",
        "col:flow",
        "flow)",
        "(flow",
    ] {
        let got = fx.get(&url(q)).await;
        assert!(
            got.status == StatusCode::OK || got.status == StatusCode::BAD_REQUEST,
            "{q}: {}",
            got.status
        );
    }
    assert_eq!(
        search(&fx, "flow AND control").await,
        ["m1@test", "m2@test"]
    );
    // `NEAR(flow` is the phrase "near flow", which no message has.
    assert_eq!(
        search(&fx, "NEAR(flow control)").await,
        Vec::<String>::new()
    );
    assert_eq!(search(&fx, "flow*").await, search(&fx, "flow").await);
}

#[tokio::test]
async fn pages_are_capped_and_numbered() {
    let fx = fixture().await;
    let got = fx.get(&(url("flow") + "&page=2")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(hits(&got).is_empty());
    for bad in ["0", "11", "x", "-1"] {
        let got = fx.get(&(url("flow") + "&page=" + bad)).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "page={bad}");
    }
}

#[tokio::test]
async fn search_never_scans_messages_or_sorts_a_list() {
    let fx = fixture().await;
    for sort in [SearchSort::Date, SearchSort::Rank] {
        let plan = fx.store().explain_search(sort).expect("plan");
        let text = plan.join("\n");
        println!("{sort:?}:\n{text}");
        assert!(text.contains("VIRTUAL TABLE INDEX"), "{sort:?}: {text}");
        assert!(
            plan.iter()
                .filter(|l| l.contains("messages"))
                .all(|l| l.contains("INTEGER PRIMARY KEY")),
            "{sort:?}: {text}"
        );
        assert!(
            !text.contains("SCAN messages") && !text.contains("SCAN m"),
            "{sort:?}: {text}"
        );
        if sort == SearchSort::Date {
            // FTS5 yields rowids in order itself; nothing is sorted.
            assert!(!text.contains("TEMP B-TREE"), "{text}");
        }
    }
}
