//! The web listener: one-click unsubscribe (RFC 8058) through `router(state)` without a socket,
//! and once through the daemon's real listener with a hand-written HTTP/1.1 request.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;
use wgmail::config::{Config, ConfigHandle};
use wgmail::store::Store;
use wgmail::tokens::{SECRET_BYTES, Secret};
use wgmail::web::{WebState, router};

use crate::support::daemon::{TestDaemon, write_list, write_site};

const LIST: &str = "quic@ietf.test";
const BASE: &str = "http://lists.test";

/// A store with `members` on quic@ietf.test, the config that names that list, and a fixed secret.
struct Fixture {
    _dir: tempfile::TempDir,
    state: WebState,
}

impl Fixture {
    async fn new(members: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let site = write_site(dir.path(), None, "");
        write_list(dir.path(), "quic", "ietf.test", "");
        let (config, problems) = Config::load(Some(&site)).expect("config loads");
        assert!(problems.is_empty(), "{problems:?}");
        let data = dir.path().join("data");
        let members: Vec<(String, String)> = members
            .iter()
            .map(|m| (m.to_string(), String::new()))
            .collect();
        let store = tokio::task::spawn_blocking(move || {
            let store = Store::open(&data).expect("store opens");
            store.add_members(LIST, members, 0).expect("members added");
            store
        })
        .await
        .expect("join");
        Fixture {
            _dir: dir,
            state: WebState {
                store,
                config: ConfigHandle::new(config),
                secret: Arc::new(Secret::from_bytes(&[42; SECRET_BYTES])),
            },
        }
    }

    /// The path part of `address`'s link for `list`.
    fn path(&self, list: &str, address: &str) -> String {
        let url = self.state.secret.unsubscribe_url(BASE, list, address);
        url.strip_prefix(BASE).expect("url under base").to_owned()
    }

    async fn members(&self) -> Vec<String> {
        let store = self.state.store.clone();
        tokio::task::spawn_blocking(move || store.members(LIST))
            .await
            .expect("join")
            .expect("members")
            .into_iter()
            .map(|m| m.address)
            .collect()
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let req = Request::get(path).body(Body::empty()).expect("request");
        self.call(req).await
    }

    /// A POST as mail clients send it (RFC 8058 §3.2).
    async fn one_click(&self, path: &str) -> (StatusCode, String) {
        self.post(path, "List-Unsubscribe=One-Click").await
    }

    async fn post(&self, path: &str, body: &'static str) -> (StatusCode, String) {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.call(req).await
    }

    async fn call(&self, req: Request<Body>) -> (StatusCode, String) {
        let response = router(self.state.clone())
            .oneshot(req)
            .await
            .expect("infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        (
            status,
            String::from_utf8(body.to_vec()).expect("utf-8 page"),
        )
    }
}

#[tokio::test]
async fn post_one_click_unsubscribes() {
    let f = Fixture::new(&["alice@example.org", "bob@example.org"]).await;
    let (status, page) = f.one_click(&f.path(LIST, "alice@example.org")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("no longer subscribed"), "{page}");
    assert_eq!(f.members().await, ["bob@example.org"]);
}

#[tokio::test]
async fn get_shows_a_form_and_changes_nothing() {
    let f = Fixture::new(&["alice@example.org"]).await;
    let (status, page) = f.get(&f.path(LIST, "alice@example.org")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<form method=\"post\">"), "{page}");
    assert!(
        page.contains("name=\"List-Unsubscribe\" value=\"One-Click\""),
        "{page}"
    );
    assert!(page.contains("quic@ietf.test"), "{page}");
    assert!(page.contains("a…e@example.org"), "{page}");
    assert_eq!(f.members().await, ["alice@example.org"]);
}

#[tokio::test]
async fn tampered_token_is_400_and_changes_nothing() {
    let f = Fixture::new(&["alice@example.org", "bob@example.org"]).await;
    // Bob's payload with Alice's signature: a valid-looking token for someone else.
    let alice = f.path(LIST, "alice@example.org");
    let bob = f.path(LIST, "bob@example.org");
    let (bob_payload, _) = bob.split_once('.').expect("payload.tag");
    let (_, alice_tag) = alice.split_once('.').expect("payload.tag");
    let forged = format!("{bob_payload}.{alice_tag}");
    // One character of the signature changed.
    let mut flipped = alice.clone();
    let last = flipped.pop().expect("non-empty");
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    for path in [forged.as_str(), flipped.as_str(), "/u/garbage", "/u/x.y"] {
        let (status, page) = f.one_click(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {page}");
        let (status, _) = f.get(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
    }
    assert_eq!(f.members().await, ["alice@example.org", "bob@example.org"]);
}

#[tokio::test]
async fn unknown_list_is_404() {
    let f = Fixture::new(&["alice@example.org"]).await;
    let path = f.path("gone@ietf.test", "alice@example.org");
    let (status, page) = f.one_click(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    let (status, _) = f.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(f.members().await, ["alice@example.org"]);
}

#[tokio::test]
async fn repeated_post_is_200() {
    let f = Fixture::new(&["alice@example.org"]).await;
    let path = f.path(LIST, "alice@example.org");
    for _ in 0..2 {
        let (status, page) = f.one_click(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
    }
    assert!(f.members().await.is_empty());
}

#[tokio::test]
async fn post_without_the_one_click_body_is_400_and_changes_nothing() {
    let f = Fixture::new(&["alice@example.org"]).await;
    let path = f.path(LIST, "alice@example.org");
    for body in ["", "List-Unsubscribe=Yes", "unsubscribe"] {
        let (status, page) = f.post(&path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}: {page}");
    }
    assert_eq!(f.members().await, ["alice@example.org"]);
}

#[tokio::test]
async fn page_escapes_what_it_echoes() {
    let f = Fixture::new(&[]).await;
    let (status, page) = f.get(&f.path(LIST, "alice@<b>.test")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("a…e@&lt;b&gt;.test"), "{page}");
    assert!(!page.contains("<b>"), "{page}");
}

/// The daemon's own listener, with the secret it created in its data directory, and an HTTP/1.1
/// request written by hand: what a mail provider's one-click POST looks like on the wire.
#[tokio::test]
async fn daemon_listener_takes_a_one_click_post() {
    let d = TestDaemon::start(&["alice@example.org", "bob@example.org"]).await;
    let data = d.dir.path().join("data");
    let secret = tokio::task::spawn_blocking(move || Secret::load_or_create(&data))
        .await
        .expect("join")
        .expect("the daemon created the secret");
    // The link comes from alice's own copy of a real post, as her mail client would find it.
    d.send(crate::support::daemon::post(
        "bob@example.org",
        "hello",
        "w1@example.org",
        None,
    ))
    .await;
    let got = d
        .relay
        .wait_for(2, std::time::Duration::from_secs(20))
        .await;
    let alice_copy = got
        .iter()
        .find(|c| c.rcpts == vec!["alice@example.org".to_string()])
        .expect("alice's copy");
    let header = crate::support::daemon::header(&alice_copy.data, "List-Unsubscribe")
        .expect("List-Unsubscribe");
    let url = header
        .trim_start_matches('<')
        .split('>')
        .next()
        .expect("a URL")
        .to_owned();
    let base = d.config.current().site.web.base_url.clone();
    assert_eq!(
        url,
        secret.unsubscribe_url(&base, LIST, "alice@example.org")
    );
    let path = url.strip_prefix(base.as_str()).expect("url under base");
    let body = "List-Unsubscribe=One-Click";
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: lists.test\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(d.running().web_addr)
        .await
        .expect("connect to the web listener");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    let mut response = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(20),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("response in time")
    .expect("read response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{response}"
    );
    let store = d.store();
    let members = tokio::task::spawn_blocking(move || store.members(LIST))
        .await
        .expect("join")
        .expect("members");
    let addresses: Vec<_> = members.into_iter().map(|m| m.address).collect();
    assert_eq!(addresses, ["bob@example.org"]);
    d.stop().await;
}
