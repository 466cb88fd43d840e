//! A web archive fixture shared by the `web_*` test modules: a temp dir with a site file, a public
//! list `quic@ietf.test` and a private list `secret@ietf.test`, a real SQLite store, and the router
//! called through tower's `oneshot` (no socket).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use tower::ServiceExt;
use wgmail::config::{Config, ConfigHandle};
use wgmail::store::{ArchiveRecord, Store};
use wgmail::tokens::{SECRET_BYTES, Secret};
use wgmail::web::{WebState, router};

use super::daemon::{write_list, write_site};

pub const LIST: &str = "quic@ietf.test";
pub const PRIVATE: &str = "secret@ietf.test";

/// One response, read whole.
pub struct Got {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Got {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

pub struct WebFixture {
    pub dir: tempfile::TempDir,
    pub state: WebState,
}

impl WebFixture {
    /// The fixture with `extra` appended to the public list's file (say, `[workflow]` keys).
    pub async fn new() -> WebFixture {
        Self::with_list_extra("").await
    }

    pub async fn with_list_extra(extra: &str) -> WebFixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let site = write_site(dir.path(), None, "");
        write_list(dir.path(), "quic", "ietf.test", extra);
        write_list(dir.path(), "secret", "ietf.test", "archive = \"private\"");
        let (config, problems) = Config::load(Some(&site)).expect("config loads");
        assert!(problems.is_empty(), "{problems:?}");
        let data = dir.path().join("data");
        let store = tokio::task::spawn_blocking(move || Store::open(&data).expect("store opens"))
            .await
            .expect("join");
        WebFixture {
            dir,
            state: WebState {
                store,
                config: ConfigHandle::new(config),
                secret: Arc::new(Secret::from_bytes(&[42; SECRET_BYTES])),
            },
        }
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Archives raw messages in `list` as `wgmail archive import` would (parsed by the same code),
    /// each filed under its own Date (or `fallback_date` when it has none).
    pub async fn archive(&self, list: &str, messages: &[&[u8]], fallback_date: i64) {
        let records: Vec<ArchiveRecord> = messages
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let parsed = wgmail::message::parse(raw);
                let mid = parsed
                    .message_id
                    .clone()
                    .unwrap_or_else(|| format!("generated-{i}@test"));
                let date = parsed.date.unwrap_or(fallback_date);
                ArchiveRecord::from_parsed(list.to_owned(), mid, parsed, date, date, raw.to_vec())
            })
            .collect();
        let store = self.state.store.clone();
        tokio::task::spawn_blocking(move || store.archive_many(records).expect("archived"))
            .await
            .expect("join");
    }

    /// GET `path` through the router.
    pub async fn get(&self, path: &str) -> Got {
        self.get_with(path, &[]).await
    }

    /// GET `path` with extra request headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Got {
        let mut request = Request::builder().uri(path);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = router(self.state.clone())
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 64 << 20)
            .await
            .expect("body")
            .to_vec();
        Got {
            status,
            headers,
            body,
        }
    }
}

/// A plain-text message with the given fields, CRLF line ends.
pub fn mail(
    mid: &str,
    from: &str,
    subject: &str,
    date: &str,
    reply_to: Option<&str>,
    body: &str,
) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: quic@ietf.test\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{mid}>\r\n"
    );
    if let Some(parent) = reply_to {
        m.push_str(&format!(
            "In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n"
        ));
    }
    m.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    m.push_str(&body.replace('\n', "\r\n"));
    m.into_bytes()
}
