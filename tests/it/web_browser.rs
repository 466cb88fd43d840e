//! A real browser reads the pages: Debian's `chromium`, headless, loads a thread page and a draft
//! page from a running daemon's web listener and dumps the DOM it rendered. The checks are on
//! that DOM: the subject, the thread tree, the tally with the participants' names.
//!
//! Without a browser the test prints a notice and passes — except when `WGMAIL_REQUIRE_BROWSER`
//! is set (`.ci/run` sets it after installing chromium), where a missing browser is a failure.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::chairs::commands_by;
use crate::support::daemon::{TestDaemon, header};
use crate::support::relay::Captured;

const CHAIR: &str = "chair@ietf.test";

/// The first browser found on PATH.
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The DOM chromium renders for `url` (after parsing and layout; scripts would have run, but the
/// pages have none and the CSP forbids them).
fn dump_dom(browser: &PathBuf, url: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    // `timeout` bounds a browser that hangs; chromium exits by itself once the DOM is dumped.
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--window-size=390,844",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("the browser runs");
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn subject(c: &Captured) -> String {
    header(&c.data, "Subject").unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_renders_a_thread_page_and_a_draft_page() {
    let Some(browser) = browser() else {
        assert!(
            std::env::var_os("WGMAIL_REQUIRE_BROWSER").is_none(),
            "WGMAIL_REQUIRE_BROWSER is set but no chromium was found on PATH"
        );
        eprintln!("NOTICE: no chromium on PATH; skipping the browser test");
        return;
    };
    let members = ["alice@example.org", "carol@example.com"];
    let d = TestDaemon::start_with(&members, "", "chairs = [\"chair@ietf.test\"]").await;
    commands_by(&d, CHAIR, "candidate draft-smith-quic-web", "b1@t").await;
    commands_by(&d, CHAIR, "adoption start draft-smith-quic-web-00", "b2@t").await;
    let call = d
        .relay
        .wait_for_match(Duration::from_secs(20), "the call", |c| {
            subject(c).contains("Call for adoption: draft-smith-quic-web-00")
        })
        .await
        .into_iter()
        .find(|c| subject(c).contains("Call for adoption: draft-smith-quic-web-00"))
        .expect("the call");
    let anchor = header(&call.data, "Message-ID")
        .expect("Message-ID")
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    for (who, body, id) in [
        (
            "Alice Example <alice@example.org>",
            "I support adoption.",
            "w1@t",
        ),
        (
            "Carol Example <carol@example.com>",
            "I object: the scope is too wide.",
            "w2@t",
        ),
    ] {
        let raw = format!(
            "From: {who}\nTo: quic@ietf.test\nSubject: Re: [quic] Call for adoption\nMessage-ID: <{id}>\nIn-Reply-To: <{anchor}>\nReferences: <{anchor}>\n\n{body}\n"
        );
        let addr = who.split('<').nth(1).unwrap().trim_end_matches('>');
        d.send_raw(Some(addr), "quic@ietf.test", &raw).await;
    }
    d.wait_queue_drained().await;
    // Both replies are archived (the queue is drained), so the pages are complete.
    let web = d.running().web_addr;
    let archived_at = header(&call.data, "Archived-At").expect("Archived-At");
    let path = archived_at
        .trim_matches(|c| c == '<' || c == '>')
        .split_once("/arch/")
        .map(|(_, p)| format!("/arch/{p}"))
        .expect("an archive URL");

    let (thread, draft) = tokio::task::spawn_blocking({
        let browser = browser.clone();
        move || {
            (
                dump_dom(&browser, &format!("http://{web}{path}/thread")),
                dump_dom(&browser, &format!("http://{web}/doc/draft-smith-quic-web/")),
            )
        }
    })
    .await
    .expect("join");

    assert!(
        thread.contains("Call for adoption: draft-smith-quic-web-00"),
        "{thread}"
    );
    assert!(
        thread.contains("class=\"tree\""),
        "the thread tree: {thread}"
    );
    assert!(
        thread.contains("Alice Example") && thread.contains("Carol Example"),
        "{thread}"
    );
    assert!(thread.contains("the scope is too wide"), "{thread}");

    assert!(draft.contains("draft-smith-quic-web"), "{draft}");
    assert!(
        draft.contains("Call for adoption") || draft.contains("adoption"),
        "{draft}"
    );
    assert!(
        draft.contains("alice@example.org") || draft.contains("Alice Example"),
        "{draft}"
    );
    assert!(
        draft.contains("the scope is too wide"),
        "the objection's reason: {draft}"
    );
    d.stop().await;
}
