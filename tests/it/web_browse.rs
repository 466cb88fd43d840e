//! The archive's list pages: `/arch/`, `/arch/browse/LIST/` with its cursor, the Atom feed, and the
//! headers and 404s every archive URL shares.

use axum::http::StatusCode;
use wgmail::store::{
    FIRST_MESSAGE_DATE, LIST_STATS, NEWEST_MESSAGES, THREAD_PAGE_AFTER, THREAD_PAGE_BEFORE,
};

use crate::support::web::{LIST, PRIVATE, WebFixture, mail};

/// `n` one-message threads, thread i dated i hours after 2024-01-01 00:00 UTC.
async fn threads(f: &WebFixture, n: usize) {
    let msgs: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let date = jiff::Timestamp::from_second(1_704_067_200 + i as i64 * 3600)
                .unwrap()
                .strftime("%a, %d %b %Y %H:%M:%S +0000")
                .to_string();
            mail(
                &format!("t{i}@example.org"),
                &format!("Poster {i} <p{i}@example.org>"),
                &format!("Topic number {i}"),
                &date,
                None,
                "text\n",
            )
        })
        .collect();
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    f.archive(LIST, &refs, 0).await;
}

/// Every "Topic number N" on a page, in page order.
fn topics(page: &str) -> Vec<usize> {
    page.match_indices("Topic number ")
        .filter_map(|(i, m)| {
            let rest = &page[i + m.len()..];
            let end = rest.find(|c: char| !c.is_ascii_digit())?;
            rest[..end].parse().ok()
        })
        .collect()
}

/// The href of the link whose text is `label`.
fn link(page: &str, label: &str) -> Option<String> {
    let at = page.find(&format!(">{label}</a>"))?;
    let start = page[..at].rfind("href=\"")? + 6;
    let end = start + page[start..].find('"')?;
    Some(page[start..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn the_index_lists_public_lists_with_counts_and_hides_private_ones() {
    let f = WebFixture::new().await;
    threads(&f, 3).await;
    let secret = mail(
        "s1@example.org",
        "a@example.org",
        "Secret plans",
        "Mon, 1 Jan 2024 00:00:00 +0000",
        None,
        "x\n",
    );
    f.archive(PRIVATE, &[&secret], 0).await;
    let got = f.get("/arch/").await;
    assert_eq!(got.status, StatusCode::OK);
    let page = got.text();
    assert!(page.contains("href=\"/arch/browse/quic/\""), "{page}");
    assert!(page.contains("The quic working group"), "{page}");
    assert!(page.contains("<td class=\"num\">3</td>"), "{page}");
    assert!(page.contains("2024-01-01"), "{page}");
    assert!(
        !page.contains("secret"),
        "a private list is not listed: {page}"
    );
}

#[tokio::test]
async fn browse_pages_walk_every_thread_once_by_cursor_both_ways() {
    let f = WebFixture::new().await;
    threads(&f, 120).await;
    let first = f.get("/arch/browse/quic/").await;
    assert_eq!(first.status, StatusCode::OK);
    let page1 = first.text();
    assert_eq!(topics(&page1), (70..120).rev().collect::<Vec<_>>());
    assert!(
        link(&page1, "← Newer").is_none(),
        "the newest page has no newer link"
    );

    let older = link(&page1, "Older →").expect("older link");
    let page2 = f.get(&format!("/arch/browse/quic/{older}")).await.text();
    assert_eq!(topics(&page2), (20..70).rev().collect::<Vec<_>>());
    let older = link(&page2, "Older →").expect("older link");
    let page3 = f.get(&format!("/arch/browse/quic/{older}")).await.text();
    assert_eq!(topics(&page3), (0..20).rev().collect::<Vec<_>>());
    assert!(
        link(&page3, "Older →").is_none(),
        "the oldest page has no older link"
    );

    // Back from the last page: exactly the page before it, with links both ways.
    let newer = link(&page3, "← Newer").expect("newer link");
    let back = f.get(&format!("/arch/browse/quic/{newer}")).await.text();
    assert_eq!(topics(&back), topics(&page2));
    assert!(link(&back, "Older →").is_some() && link(&back, "← Newer").is_some());
    let newer = link(&back, "← Newer").expect("newer link");
    let top = f.get(&format!("/arch/browse/quic/{newer}")).await.text();
    assert_eq!(topics(&top), topics(&page1));
}

#[tokio::test]
async fn a_reply_moves_its_thread_to_the_top_and_counts_participants() {
    let f = WebFixture::new().await;
    threads(&f, 3).await;
    let reply = mail(
        "r@example.org",
        "Zed <zed@example.org>",
        "Re: Topic number 0",
        "Fri, 5 Jan 2024 00:00:00 +0000",
        Some("t0@example.org"),
        "me too\n",
    );
    f.archive(LIST, &[&reply], 0).await;
    let page = f.get("/arch/browse/quic/").await.text();
    assert_eq!(topics(&page)[0], 0, "{page}");
    assert!(
        page.contains("href=\"/arch/msg/quic/t0@example.org/thread\""),
        "{page}"
    );
    // One reply, two participants, started by Poster 0.
    let row = &page[page.find("Topic number 0").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Poster 0"), "{row}");
    assert!(row.contains("<td class=\"num\">1</td>"), "{row}");
    assert!(row.contains("<td class=\"num opt\">2</td>"), "{row}");
}

#[tokio::test]
async fn bad_cursors_are_400_and_unknown_or_private_lists_404() {
    let f = WebFixture::new().await;
    threads(&f, 2).await;
    for bad in [
        "?before=x",
        "?before=1",
        "?after=1.x",
        "?before=1.2&after=1.2",
        "?before=99999999999999999999.1",
    ] {
        let got = f.get(&format!("/arch/browse/quic/{bad}")).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            got.text().contains("cursor") || got.text().contains("before="),
            "{bad}"
        );
    }
    let unknown = f.get("/arch/browse/nosuch/").await;
    let private = f.get("/arch/browse/secret/").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(private.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.body, private.body,
        "a private list looks exactly like a missing one"
    );
    for path in [
        "/arch/browse/secret/atom",
        "/arch/browse/secret/2024-01.mbox",
        "/arch/browse/secret/?q=x",
    ] {
        let got = f.get(path).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(got.body, unknown.body, "{path}");
    }
    let slash = f.get("/arch/browse/quic").await;
    assert_eq!(slash.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        slash.header("location").as_deref(),
        Some("/arch/browse/quic/")
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let f = WebFixture::new().await;
    threads(&f, 1).await;
    for path in [
        "/arch/",
        "/arch/browse/quic/",
        "/arch/browse/quic/atom",
        "/arch/browse/nosuch/",
        "/arch/style.css",
        "/nothing/here",
    ] {
        let got = f.get(path).await;
        let csp = got.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(
            !csp.contains("script-src"),
            "{path}: no script source is allowed: {csp}"
        );
        assert_eq!(
            got.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn markup_in_subjects_and_names_is_escaped_on_the_browse_page() {
    let f = WebFixture::new().await;
    let m = mail(
        "x@example.org",
        "\"<b>Bold</b>\" <b@example.org>",
        "<script>alert(1)</script>",
        "Mon, 1 Jan 2024 00:00:00 +0000",
        None,
        "x\n",
    );
    f.archive(LIST, &[&m], 0).await;
    let page = f.get("/arch/browse/quic/").await.text();
    assert!(!page.contains("<script>"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<b>Bold"), "{page}");
}

#[tokio::test]
async fn the_atom_feed_is_valid_xml_with_a_permalink_per_entry() {
    let f = WebFixture::new().await;
    threads(&f, 3).await;
    let odd = mail(
        "odd/1+x@example.org",
        "a@example.org",
        "Ctl \u{1} & <stuff>",
        "Fri, 5 Jan 2024 00:00:00 +0000",
        None,
        "body & more\n",
    );
    f.archive(LIST, &[&odd], 0).await;
    let got = f.get("/arch/browse/quic/atom").await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(
        got.header("content-type")
            .unwrap_or_default()
            .starts_with("application/atom+xml")
    );
    let text = got.text();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let entries: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 4);
    let first = entries[0];
    let href = first
        .children()
        .find(|n| n.has_tag_name("link"))
        .and_then(|l| l.attribute("href"))
        .expect("entry link");
    assert_eq!(
        href,
        "http://127.0.0.1:8080/arch/msg/quic/odd%2F1%2Bx@example.org"
    );
    let title = first
        .children()
        .find(|n| n.has_tag_name("title"))
        .and_then(|t| t.text());
    assert_eq!(title, Some("Ctl  & <stuff>"));
}

#[tokio::test]
async fn list_page_queries_walk_an_index() {
    let f = WebFixture::new().await;
    threads(&f, 3).await;
    for sql in [
        THREAD_PAGE_BEFORE,
        THREAD_PAGE_AFTER,
        NEWEST_MESSAGES,
        LIST_STATS,
        FIRST_MESSAGE_DATE,
    ] {
        let plan = f.store().explain(sql).expect("explain").join("\n");
        assert!(!plan.contains("TEMP B-TREE"), "{sql}\n{plan}");
        for line in plan.lines() {
            assert!(
                !line.starts_with("SCAN") || line.contains("USING"),
                "a full scan: {line}\n{sql}\n{plan}"
            );
        }
    }
}

#[tokio::test]
async fn large_pages_are_gzipped_only_for_clients_that_ask() {
    let f = WebFixture::new().await;
    threads(&f, 60).await;
    let plain = f.get("/arch/browse/quic/").await;
    assert_eq!(plain.header("content-encoding"), None);
    let gz = f
        .get_with("/arch/browse/quic/", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(gz.status, StatusCode::OK);
    assert_eq!(gz.header("content-encoding").as_deref(), Some("gzip"));
    assert!(
        gz.body.len() * 3 < plain.body.len(),
        "{} vs {}",
        gz.body.len(),
        plain.body.len()
    );
    assert_eq!(&gz.body[..2], &[0x1f, 0x8b], "a gzip stream");
    // The small stylesheet is not worth compressing.
    let css = f
        .get_with("/arch/style.css", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(css.header("content-encoding"), None);
}

/// GET `path` from the daemon's real web listener; returns the whole response as text.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the web listener");
    let request = format!("GET {path} HTTP/1.1\r\nHost: lists.test\r\nConnection: close\r\n\r\n");
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
    response
}

/// The promise the headers make: a delivered copy's `Archived-At` and `List-Archive` open, on the
/// daemon's own listener, the message's page and the list's page — for a Message-ID with `/`, `+`
/// and `%` in it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_archived_at_of_a_delivered_message_opens_its_own_page() {
    use crate::support::daemon::{TestDaemon, header};
    let d = TestDaemon::start(&["alice@example.org", "bob@example.org"]).await;
    let raw = "From: Bob <bob@example.org>\nTo: quic@ietf.test\nSubject: Odd ids & <angles>\n\
               Message-ID: <a/b+c%d@example.org>\n\nThe body of the odd one.\n";
    d.send_raw(Some("bob@example.org"), "quic@ietf.test", raw)
        .await;
    let got = d
        .relay
        .wait_for(2, std::time::Duration::from_secs(20))
        .await;
    let copy = got
        .iter()
        .find(|c| c.rcpts == vec!["alice@example.org".to_string()])
        .expect("alice's copy");
    let base = d.config.current().site.web.base_url.clone();
    let url_of = |name: &str| {
        let v = header(&copy.data, name).unwrap_or_else(|| panic!("{name} header"));
        let url = v
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned();
        url.strip_prefix(base.as_str())
            .unwrap_or_else(|| panic!("{url} is under {base}"))
            .to_owned()
    };
    let permalink = url_of("Archived-At");
    assert_eq!(permalink, "/arch/msg/quic/a%2Fb%2Bc%25d@example.org");
    let page = http_get(d.running().web_addr, &permalink).await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("The body of the odd one."), "{page}");
    assert!(page.contains("Odd ids &amp; &lt;angles&gt;"), "{page}");
    let list = http_get(d.running().web_addr, &url_of("List-Archive")).await;
    assert!(list.starts_with("HTTP/1.1 200"), "{list}");
    assert!(list.contains("Odd ids &amp; &lt;angles&gt;"), "{list}");
    d.stop().await;
}

/// Under more concurrent reads than the pool holds, readers wait for a pooled connection instead of
/// opening (and throwing away) one each: never more than 8 at once, and every read answers.
#[test]
fn concurrent_reads_share_a_bounded_pool_of_connections() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let store = wgmail::store::Store::open(dir.path()).unwrap();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let (store, in_flight, most) = (store.clone(), in_flight.clone(), most.clone());
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let n: i64 = store
                        .read_blocking(|c| {
                            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            let n = c.query_row(
                                "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k
                                 WHERE i < 20000) SELECT count(*) FROM k",
                                [],
                                |r| r.get(0),
                            );
                            in_flight.fetch_sub(1, Ordering::SeqCst);
                            n
                        })
                        .unwrap();
                    assert_eq!(n, 20000);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let most = most.load(Ordering::SeqCst);
    assert!(most <= 8, "{most} reads ran at once");
    assert!(most >= 2, "the reads did overlap ({most})");
    assert!(store.readers_open() <= 8, "{}", store.readers_open());
}
