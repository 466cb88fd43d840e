//! The draft pages (`/wg/LIST/documents/`, `/doc/DRAFT/`, their `json`): a call run by mail through
//! the daemon (chair commands, replies with positions, an objection, a non-member, a late reply),
//! then the pages read through the router over the daemon's own store and config.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use wgmail::config::{Config, ConfigHandle};
use wgmail::tokens::{SECRET_BYTES, Secret};
use wgmail::web::{WebState, router};

use crate::chairs::commands_by;
use crate::support::daemon::{TestDaemon, header, run_cli, write_list};
use crate::support::web::Got;

const WAIT: Duration = Duration::from_secs(20);
const CHAIR: &str = "chair@ietf.test";
const DRAFT: &str = "draft-smith-quic-late";

async fn get(state: &WebState, path: &str) -> Got {
    let response = router(state.clone())
        .oneshot(Request::builder().uri(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .unwrap()
        .to_vec();
    Got {
        status,
        headers,
        body,
    }
}

fn web(config: ConfigHandle, d: &TestDaemon) -> WebState {
    WebState {
        store: d.store(),
        config,
        secret: Arc::new(Secret::from_bytes(&[7; SECRET_BYTES])),
    }
}

/// A reply to the list from `from` (`Name <addr>`), threaded under `parent`.
async fn reply(d: &TestDaemon, from: &str, addr: &str, parent: &str, body: &str, id: &str) {
    let raw = format!(
        "From: {from}\nTo: quic@ietf.test\nSubject: Re: [quic] the call\nMessage-ID: <{id}>\nIn-Reply-To: <{parent}>\nReferences: <{parent}>\n\n{body}\n"
    );
    d.send_raw(Some(addr), "quic@ietf.test", &raw).await;
}

/// The `draft show --json` output of the real binary.
fn cli_json(d: &TestDaemon, draft: &str) -> String {
    let (ok, out, err) = run_cli(
        &d.dir.path().join("wgmail.toml"),
        &["draft", "show", draft, "--json"],
    );
    assert!(ok, "{err}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draft_pages_show_the_state_the_tally_with_reply_links_and_the_history() {
    let members = [
        "alice@example.org",
        "carol@example.com",
        "frank@example.org",
    ];
    let list = "chairs = [\"chair@ietf.test\"]\n[posting]\nmembers_only = false\n";
    let d = TestDaemon::start_with(&members, "", list).await;
    let state = web(d.config.clone(), &d);

    commands_by(&d, CHAIR, "candidate draft-smith-quic-late", "l1@t").await;
    commands_by(&d, CHAIR, "adoption start draft-smith-quic-late-02", "l2@t").await;
    let got = d
        .relay
        .wait_for_match(WAIT, "the call's announcement", |c| {
            header(&c.data, "Subject").is_some_and(|s| s.contains("Call for adoption: "))
        })
        .await;
    let ann = got
        .iter()
        .find(|c| header(&c.data, "Subject").is_some_and(|s| s.contains("Call for adoption: ")))
        .unwrap();
    let anchor = header(&ann.data, "Message-ID")
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    reply(
        &d,
        "Alice Example <alice@example.org>",
        "alice@example.org",
        &anchor,
        "+1",
        "p1@t",
    )
    .await;
    reply(
        &d,
        "Carol Smith <carol@example.com>",
        "carol@example.com",
        &anchor,
        "I object: RFC 8446 session tickets already solve this.",
        "p2@t",
    )
    .await;
    // Not a member: shown apart, not counted in a WG call.
    reply(
        &d,
        "Erin <erin@elsewhere.test>",
        "erin@elsewhere.test",
        &anchor,
        "I support adoption.",
        "p4@t",
    )
    .await;
    d.wait_queue_drained().await;

    // The documents page while the call is open: the draft, its state, the call and its counts.
    let page = get(&state, "/wg/quic/documents/").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(r#"href="/doc/draft-smith-quic-late/""#),
        "{html}"
    );
    assert!(html.contains("Call For Adoption By WG Issued"), "{html}");
    assert!(
        html.contains("Call for adoption (open), ends 2026-12-12"),
        "{html}"
    );
    assert!(
        html.contains("Support (1) · Objections (1)"),
        "the non-member is not counted: {html}"
    );

    // The chair closes the call; then a member answers late.
    commands_by(
        &d,
        CHAIR,
        "adoption close draft-smith-quic-late reason \"all have spoken\"",
        "l3@t",
    )
    .await;
    d.wait_queue_drained().await;
    d.clock.advance(60);
    reply(
        &d,
        "Frank <frank@example.org>",
        "frank@example.org",
        &anchor,
        "+1, sorry I'm late.",
        "p5@t",
    )
    .await;
    d.wait_queue_drained().await;

    let page = get(&state, "/doc/draft-smith-quic-late-02/").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    // Back to candidate, tagged, in the Datatracker's words.
    assert!(html.contains("Candidate for WG Adoption"), "{html}");
    assert!(html.contains("Not Adopted by the WG"), "{html}");
    assert!(html.contains("Call for adoption — closed"), "{html}");
    // Each position names its participant and links to the reply it came from.
    assert!(
        html.contains(r#"<a href="/arch/msg/quic/p1@t">Alice Example</a>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="/arch/msg/quic/p2@t">Carol Smith</a>"#),
        "{html}"
    );
    assert!(
        html.contains("session tickets already solve this"),
        "{html}"
    );
    // Late and non-member replies apart.
    let late = html
        .split(r#"<div class="late">"#)
        .nth(1)
        .expect("a late part");
    assert!(
        late.contains(r#"<a href="/arch/msg/quic/p5@t">Frank</a>"#),
        "{html}"
    );
    let nonmember = html
        .split(r#"<div class="nonmember">"#)
        .nth(1)
        .expect("a non-member part");
    assert!(
        nonmember.contains(r#"<a href="/arch/msg/quic/p4@t">Erin</a>"#),
        "{html}"
    );
    let counted = html.split(r#"<div class="nonmember">"#).next().unwrap();
    assert!(!counted.contains("p4@t") && !counted.contains("p5@t"));
    // The decision rule and the history.
    assert!(html.contains("at least 3 in support"), "{html}");
    assert!(
        html.contains(
            "IETF WG state changed to Call For Adoption By WG Issued from Candidate for WG Adoption"
        ),
        "{html}"
    );
    // The announcement is archived, so the call links to it.
    assert!(
        html.contains(&format!(
            "/arch/msg/quic/{}",
            wgmail::message::percent_encode(&anchor)
        )),
        "{html}"
    );

    // The JSON is byte for byte what the CLI prints, whichever form of the name.
    let cli = cli_json(&d, DRAFT);
    for path in [
        "/doc/draft-smith-quic-late/json",
        "/doc/draft-smith-quic-late-02/json",
    ] {
        let j = get(&state, path).await;
        assert_eq!(j.status, StatusCode::OK);
        assert_eq!(
            j.header("content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(j.text(), cli);
    }
    let all = get(&state, "/wg/quic/documents/json").await;
    assert_eq!(all.status, StatusCode::OK);
    let all: serde_json::Value = serde_json::from_slice(&all.body).unwrap();
    let ours = all
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == DRAFT)
        .expect("the draft in the WG's JSON");
    assert_eq!(
        ours,
        &serde_json::from_str::<serde_json::Value>(&cli).unwrap()
    );

    // A title is text, never markup.
    commands_by(
        &d,
        "alice@example.org",
        "propose \"<script>alert(1)</script>\"",
        "v1@t",
    )
    .await;
    d.wait_queue_drained().await;
    let page = get(&state, "/doc/proposal-1/").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    let html = get(&state, "/wg/quic/documents/").await.text();
    assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
    assert!(!html.contains("<script>"), "{html}");

    // Unknown drafts and lists, and a name that is no draft name.
    assert_eq!(
        get(&state, "/doc/draft-nobody-here/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&state, "/doc/draft-nobody-here/json").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&state, "/wg/nope/documents/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&state, "/wg/nope/documents/json").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&state, "/doc/not%20a%20draft/").await.status,
        StatusCode::BAD_REQUEST
    );

    // The same list made private: every draft page answers as for a draft that does not exist.
    write_list(
        d.dir.path(),
        "quic",
        "ietf.test",
        &format!("archive = \"private\"\n{list}"),
    );
    let (config, problems) = Config::load(Some(&d.dir.path().join("wgmail.toml"))).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let private = web(ConfigHandle::new(config), &d);
    for path in [
        "/doc/draft-smith-quic-late/",
        "/doc/draft-smith-quic-late/json",
        "/wg/quic/documents/",
        "/wg/quic/documents/json",
        "/wg/quic@ietf.test/documents/",
    ] {
        assert_eq!(
            get(&private, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    d.stop().await;
}

/// Every query the draft pages run reads an index on its keys, never the whole table.
#[tokio::test]
async fn the_draft_pages_queries_use_their_indexes() {
    let f = crate::support::web::WebFixture::new().await;
    let db = f.dir.path().join("data").join("wgmail.sqlite3");
    let c = rusqlite::Connection::open(db).unwrap();
    let plan = |sql: &str| -> String {
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        rows.join(" | ")
    };
    for (sql, want) in [
        (
            "SELECT 1 FROM messages WHERE list = 'a' AND message_id = 'b'",
            "USING COVERING INDEX",
        ),
        (
            "SELECT * FROM events WHERE list = 'a' AND draft = 'b' ORDER BY id",
            "USING INDEX events_draft",
        ),
        (
            "SELECT * FROM drafts WHERE list = 'a' ORDER BY name",
            "USING PRIMARY KEY",
        ),
        (
            "SELECT * FROM calls WHERE list = 'a' AND state = 'open' ORDER BY id",
            "USING INDEX calls_open",
        ),
        (
            "SELECT * FROM call_replies WHERE call_id = 1 ORDER BY date, message_id",
            "USING PRIMARY KEY",
        ),
        (
            "SELECT * FROM ballots WHERE list = 'a' AND draft = 'b' ORDER BY id",
            "USING INDEX ballots_draft",
        ),
        (
            "SELECT * FROM drafts WHERE name = 'b' ORDER BY list",
            "USING INDEX drafts_name",
        ),
        (
            "SELECT * FROM calls WHERE list = 'a' AND draft = 'b' ORDER BY id DESC LIMIT 1",
            "USING INDEX calls_draft",
        ),
    ] {
        let p = plan(sql);
        assert!(p.contains(want), "{sql}: {p}");
        assert!(!p.contains("SCAN messages"), "{sql}: {p}");
    }
}
