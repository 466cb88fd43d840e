//! The per-message resources of the web archive: the permalink (and its attachments), the thread
//! page, the raw message, the thread and month mboxes; and the query plans behind them.

use wgmail::cli::{ArchiveCmd, Command};
use wgmail::message::percent_encode;
use wgmail::store::{ArchivedMessage, PAGE_QUERIES, Store};

use crate::support::web::{Got, LIST, PRIVATE, WebFixture, mail};

/// 2024-03-01 09:00:00 UTC, the first message's date.
const MARCH_1: i64 = 1_709_283_600;

/// A three-message thread (a ← b ← c), an unrelated message in between by date, and one message
/// in April.
async fn fixture() -> WebFixture {
    let fx = WebFixture::new().await;
    fx.archive(
        LIST,
        &[
            &mail(
                "a@x",
                "Alice Example <alice@example.com>",
                "Loss recovery",
                "Fri, 01 Mar 2024 10:00:00 +0100",
                None,
                "Shall we change the timer?\n",
            ),
            &mail(
                "other@x",
                "Carol <carol@example.com>",
                "Unrelated",
                "Fri, 01 Mar 2024 09:30:00 +0000",
                None,
                "Something else.\n",
            ),
            &mail(
                "b@x",
                "Bob <bob@example.com>",
                "Re: Loss recovery",
                "Fri, 01 Mar 2024 11:00:00 +0000",
                Some("a@x"),
                "> Shall we change the timer?\nYes.\n",
            ),
            &mail(
                "c@x",
                "Alice Example <alice@example.com>",
                "Re: Loss recovery",
                "Sat, 02 Mar 2024 08:00:00 +0000",
                Some("b@x"),
                "Done.\nFrom the editor's side, nothing else.\n",
            ),
            &mail(
                "april@x",
                "Dave <dave@example.com>",
                "Spring",
                "Mon, 01 Apr 2024 00:00:00 +0000",
                None,
                "April.\n",
            ),
        ],
        MARCH_1,
    )
    .await;
    fx
}

fn msg_url(mid: &str) -> String {
    format!("/arch/msg/quic/{}", percent_encode(mid))
}

async fn stored(fx: &WebFixture, mid: &str) -> ArchivedMessage {
    let store = fx.store().clone();
    let mid = mid.to_owned();
    tokio::task::spawn_blocking(move || store.message_by_id(LIST, &mid).expect("read"))
        .await
        .expect("join")
        .expect("archived")
}

/// The href of the link whose text follows `label` in a nav line, e.g. "In reply to".
fn link_after(page: &str, label: &str) -> Option<String> {
    let at = page.find(&format!("{label}: <a href=\""))?;
    let rest = &page[at + label.len() + ": <a href=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

#[tokio::test]
async fn permalink_shows_headers_text_links_and_the_tree() {
    let fx = fixture().await;
    let got = fx.get(&msg_url("b@x")).await;
    assert_eq!(got.status, 200, "{}", got.text());
    let page = got.text();
    assert!(page.contains("<title>Re: Loss recovery</title>"), "{page}");
    assert!(page.contains("Bob &lt;bob@example.com&gt;"), "{page}");
    assert!(page.contains("2024-03-01 11:00:00 UTC"), "{page}");
    assert!(page.contains("quic@ietf.test"), "the To header: {page}");
    assert!(page.contains("&lt;b@x&gt;"), "the Message-ID: {page}");
    assert!(
        page.contains("<span class=\"quote\">&gt; Shall we change the timer?</span>"),
        "{page}"
    );
    assert_eq!(
        link_after(&page, "In reply to").as_deref(),
        Some("/arch/msg/quic/a@x")
    );
    assert_eq!(
        link_after(&page, "Reply").as_deref(),
        Some("/arch/msg/quic/c@x")
    );
    assert_eq!(
        link_after(&page, "Previous in thread").as_deref(),
        Some("/arch/msg/quic/a@x")
    );
    assert_eq!(
        link_after(&page, "Next in thread").as_deref(),
        Some("/arch/msg/quic/c@x")
    );
    // By date: a (09:00 UTC), other (09:30), b (11:00), c (next day).
    assert_eq!(
        link_after(&page, "Previous by date").as_deref(),
        Some("/arch/msg/quic/other@x")
    );
    assert_eq!(
        link_after(&page, "Next by date").as_deref(),
        Some("/arch/msg/quic/c@x")
    );
    for suffix in ["/thread", "/raw", "/thread.mbox"] {
        assert!(
            page.contains(&format!("href=\"/arch/msg/quic/b@x{suffix}\"")),
            "{suffix}: {page}"
        );
    }
    // The tree: a links, b is marked and not a link, c links.
    assert!(
        page.contains(
            "<span class=\"current\">Re: Loss recovery — Bob &lt;bob@example.com&gt;</span>"
        ),
        "{page}"
    );
    let tree = &page[page.find("<ul class=\"tree\">").expect("a tree")..];
    let a = tree
        .find("href=\"/arch/msg/quic/a@x\"")
        .expect("a in the tree");
    let b = tree.find("class=\"current\"").expect("b in the tree");
    let c = tree
        .find("href=\"/arch/msg/quic/c@x\"")
        .expect("c in the tree");
    assert!(a < b && b < c, "{tree}");
    assert!(
        !tree.contains("other@x"),
        "another thread in the tree: {tree}"
    );

    // The first message has no parent and no previous-by-date; the last of March no next in
    // thread.
    let first = fx.get(&msg_url("a@x")).await.text();
    assert_eq!(link_after(&first, "In reply to"), None);
    assert_eq!(link_after(&first, "Previous by date"), None);
    let last = fx.get(&msg_url("c@x")).await.text();
    assert_eq!(link_after(&last, "Next in thread"), None);
    assert_eq!(
        link_after(&last, "Next by date").as_deref(),
        Some("/arch/msg/quic/april@x")
    );
    // The trailing-slash form and the full list address answer too.
    assert_eq!(fx.get(&format!("{}/", msg_url("b@x"))).await.status, 200);
    assert_eq!(fx.get("/arch/msg/quic%40ietf.test/b@x").await.status, 200);
}

#[tokio::test]
async fn permalink_and_raw_are_cacheable_and_revalidate() {
    let fx = fixture().await;
    let m = stored(&fx, "b@x").await;
    for url in [msg_url("b@x"), format!("{}/raw", msg_url("b@x"))] {
        let got = fx.get(&url).await;
        assert_eq!(got.status, 200, "{url}");
        let etag = got.header("etag").expect("an ETag");
        assert!(etag.contains(&format!("m{}-", m.id)), "{etag}");
        assert_eq!(
            got.header("last-modified").as_deref(),
            Some("Fri, 01 Mar 2024 11:00:00 GMT")
        );
        assert!(
            got.header("cache-control")
                .is_some_and(|c| c.contains("max-age"))
        );
        let again = fx.get_with(&url, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{url}");
        assert!(again.body.is_empty());
        let stale = fx.get_with(&url, &[("if-none-match", "\"m0-0\"")]).await;
        assert_eq!(stale.status, 200, "{url}");
    }
    // The raw view and the page have different validators.
    let page = fx.get(&msg_url("b@x")).await.header("etag");
    let raw = fx
        .get(&format!("{}/raw", msg_url("b@x")))
        .await
        .header("etag");
    assert_ne!(page, raw);
}

#[tokio::test]
async fn raw_is_the_archived_bytes() {
    let fx = fixture().await;
    let latin1: &[u8] = b"From: x@example.com\r\nSubject: bytes\r\nMessage-ID: <latin@x>\r\n\
        Date: Fri, 01 Mar 2024 12:00:00 +0000\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
        Content-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdfe\r\n";
    fx.archive(LIST, &[latin1], MARCH_1).await;
    let got = fx.get(&format!("{}/raw", msg_url("b@x"))).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, stored(&fx, "b@x").await.raw);
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    let got = fx.get(&format!("{}/raw", msg_url("latin@x"))).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, latin1);
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(
        got.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    // And its page decodes it.
    let page = fx.get(&msg_url("latin@x")).await.text();
    assert!(page.contains("Grüße"), "{page}");
}

#[tokio::test]
async fn bad_message_ids_are_400_and_unknown_ones_404() {
    let fx = fixture().await;
    let long = "x".repeat(999);
    for bad in [
        "%3Cb@x%3E",
        "a%20b@x",
        "a%09b",
        "a%00b",
        "%0A",
        long.as_str(),
    ] {
        for suffix in ["", "/thread", "/raw", "/thread.mbox", "/att/0"] {
            let got = fx.get(&format!("/arch/msg/quic/{bad}{suffix}")).await;
            assert_eq!(got.status, 400, "{bad}{suffix}: {}", got.text());
            assert!(got.text().contains("class=\"error\""));
        }
    }
    for suffix in ["", "/thread", "/raw", "/thread.mbox", "/att/0"] {
        let got = fx.get(&format!("/arch/msg/quic/nobody@x{suffix}")).await;
        assert_eq!(got.status, 404, "{suffix}");
        let got = fx.get(&format!("/arch/msg/nolist/b@x{suffix}")).await;
        assert_eq!(got.status, 404, "{suffix}");
    }
    assert_eq!(
        fx.get(&format!("{}/att/x", msg_url("b@x"))).await.status,
        400
    );
    assert_eq!(
        fx.get(&format!("{}/att/0", msg_url("b@x"))).await.status,
        404
    );
}

#[tokio::test]
async fn a_private_list_answers_404_everywhere() {
    let fx = WebFixture::new().await;
    fx.archive(
        PRIVATE,
        &[&mail(
            "s@x",
            "s@example.com",
            "Secret",
            "Fri, 01 Mar 2024 10:00:00 +0000",
            None,
            "hush\n",
        )],
        MARCH_1,
    )
    .await;
    let public_404 = fx.get("/arch/msg/nolist/s@x").await;
    for list in ["secret", "secret%40ietf.test"] {
        for suffix in ["", "/", "/thread", "/raw", "/thread.mbox", "/att/0"] {
            let got = fx.get(&format!("/arch/msg/{list}/s@x{suffix}")).await;
            assert_eq!(got.status, 404, "{list} {suffix}");
            assert_eq!(got.body, public_404.body, "{list} {suffix}");
            assert!(!got.text().contains("hush"));
        }
        for month in ["2024-03.mbox", "2024-13.mbox"] {
            let got = fx.get(&format!("/arch/browse/{list}/{month}")).await;
            assert_eq!(got.status, 404, "{list} {month}");
        }
    }
}

#[tokio::test]
async fn everything_from_the_message_is_escaped() {
    let fx = WebFixture::new().await;
    let evil = "<script>alert(1)</script>";
    fx.archive(
        LIST,
        &[&mail(
            "evil@x",
            "\"<script>alert(1)</script>\" <evil@example.com>",
            evil,
            "Fri, 01 Mar 2024 10:00:00 +0000",
            None,
            "<script>alert(1)</script>\n> <script>alert(2)</script>\n",
        )],
        MARCH_1,
    )
    .await;
    for url in [msg_url("evil@x"), format!("{}/thread", msg_url("evil@x"))] {
        let got = fx.get(&url).await;
        assert_eq!(got.status, 200, "{url}");
        let page = got.text();
        assert!(!page.to_lowercase().contains("<script"), "{url}: {page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
        assert!(page.contains("&lt;script&gt;alert(2)"), "{page}");
        let csp = got.header("content-security-policy").expect("CSP");
        assert!(csp.contains("default-src 'none'"), "{csp}");
    }
}

#[tokio::test]
async fn an_html_only_message_is_shown_as_text_without_images() {
    let fx = WebFixture::new().await;
    let raw = b"From: h@example.com\r\nSubject: html\r\nMessage-ID: <html@x>\r\n\
        Date: Fri, 01 Mar 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
        Content-Type: text/html; charset=utf-8\r\n\r\n\
        <html><body><p>Visible words</p><img src=x onerror=alert(1)>\
        <img src=\"cid:logo@x\"><a href=\"javascript:alert(3)\">click</a>\
        <script>alert(4)</script></body></html>\r\n";
    fx.archive(LIST, &[raw], MARCH_1).await;
    let got = fx.get(&msg_url("html@x")).await;
    assert_eq!(got.status, 200);
    let page = got.text();
    assert!(page.contains("Visible words"), "{page}");
    let lower = page.to_lowercase();
    for bad in ["<img", "onerror", "cid:", "javascript:", "<script"] {
        assert!(!lower.contains(bad), "{bad} in {page}");
    }
}

#[tokio::test]
async fn encoded_words_charsets_quoted_printable_and_flowed_text_are_decoded() {
    let fx = WebFixture::new().await;
    let qp = b"From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.com>\r\n\
        Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\r\nMessage-ID: <qp@x>\r\n\
        Date: Fri, 01 Mar 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
        Content-Type: text/plain; charset=ISO-8859-1\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\r\n\
        Gr=FC=DFe aus K=F6ln, a soft=\r\n break.\r\n";
    let flowed = b"From: f@example.com\r\nSubject: flowed\r\nMessage-ID: <flowed@x>\r\n\
        Date: Fri, 01 Mar 2024 11:00:00 +0000\r\nMIME-Version: 1.0\r\n\
        Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n\
        This paragraph was \r\nwrapped by the \r\nsender.\r\n\r\n-- \r\nsig\r\n";
    let b64 = b"From: b@example.com\r\nSubject: =?UTF-8?B?w5xiZXI=?=\r\nMessage-ID: <b64@x>\r\n\
        Date: Fri, 01 Mar 2024 12:00:00 +0000\r\nMIME-Version: 1.0\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        QmFzZSBzaXh0eS1mb3VyIHRleHQu\r\n";
    fx.archive(LIST, &[qp, flowed, b64], MARCH_1).await;

    let page = fx.get(&msg_url("qp@x")).await.text();
    assert!(page.contains("<title>Café crème</title>"), "{page}");
    assert!(page.contains("André &lt;andre@example.com&gt;"), "{page}");
    assert!(page.contains("Grüße aus Köln, a soft break."), "{page}");
    let page = fx.get(&msg_url("flowed@x")).await.text();
    assert!(
        page.contains("This paragraph was wrapped by the sender."),
        "{page}"
    );
    assert!(
        page.contains("-- \nsig"),
        "the signature stays apart: {page}"
    );
    let page = fx.get(&msg_url("b64@x")).await.text();
    assert!(page.contains("<title>Über</title>"), "{page}");
    assert!(page.contains("Base sixty-four text."), "{page}");
}

#[tokio::test]
async fn long_quotes_fold_and_short_ones_dim() {
    let fx = WebFixture::new().await;
    let body = "> one\n> two\nMy answer.\n> 1\n> 2\n> 3\n> 4\n> 5\n> 6\nEnd.\n";
    fx.archive(
        LIST,
        &[&mail(
            "q@x",
            "q@example.com",
            "quotes",
            "Fri, 01 Mar 2024 10:00:00 +0000",
            None,
            body,
        )],
        MARCH_1,
    )
    .await;
    let page = fx.get(&msg_url("q@x")).await.text();
    assert!(
        page.contains("<span class=\"quote\">&gt; one\n&gt; two</span>"),
        "{page}"
    );
    assert!(
        page.contains(
            "<details class=\"quote\"><summary>6 quoted lines</summary>\
             <span class=\"quote\">&gt; 1\n&gt; 2"
        ),
        "{page}"
    );
    assert!(page.contains("My answer.") && page.contains("End."));
}

#[tokio::test]
async fn attachments_are_listed_and_downloaded_safely() {
    let fx = WebFixture::new().await;
    let raw = b"From: a@example.com\r\nSubject: with a file\r\nMessage-ID: <att@x>\r\n\
        Date: Fri, 01 Mar 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n\
        --BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n\
        --BB\r\nContent-Type: text/html; name=\"../x<b>.html\"\r\n\
        Content-Disposition: attachment; filename=\"../x<b>.html\"\r\n\
        Content-Transfer-Encoding: base64\r\n\r\n\
        PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\r\n\
        --BB--\r\n";
    fx.archive(LIST, &[raw], MARCH_1).await;
    let got = fx.get(&msg_url("att@x")).await;
    let page = got.text();
    assert!(page.contains("See the file."), "{page}");
    assert!(
        page.contains("<a href=\"/arch/msg/quic/att@x/att/0\">../x&lt;b&gt;.html</a>"),
        "{page}"
    );
    assert!(page.contains("(text/html, 25 bytes)"), "{page}");
    assert!(!page.contains("<script"), "{page}");

    let url = format!("{}/att/0", msg_url("att@x"));
    let got = fx.get(&url).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, b"<script>alert(1)</script>");
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    let disposition = got.header("content-disposition").expect("a disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"_x_b_.html\""),
        "{disposition}"
    );
    assert_eq!(
        got.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let etag = got.header("etag").expect("an ETag");
    assert_eq!(
        fx.get_with(&url, &[("if-none-match", &etag)]).await.status,
        304
    );
    assert_eq!(
        fx.get(&format!("{}/att/1", msg_url("att@x"))).await.status,
        404
    );
}

#[tokio::test]
async fn thread_page_nests_every_message_with_its_permalink() {
    let fx = fixture().await;
    // Any message of the thread opens the same thread page.
    let from_c = fx.get(&format!("{}/thread", msg_url("c@x"))).await;
    let got = fx.get(&format!("{}/thread", msg_url("b@x"))).await;
    assert_eq!(got.status, 200);
    let page = got.text();
    assert!(page.contains("<title>Loss recovery</title>"), "{page}");
    let positions: Vec<usize> = ["a@x", "b@x", "c@x"]
        .iter()
        .map(|mid| {
            page.find(&format!("<a href=\"/arch/msg/quic/{mid}\">Permalink</a>"))
                .unwrap_or_else(|| panic!("{mid} in {page}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{page}");
    for text in ["Shall we change the timer?", "Yes.", "Done."] {
        assert!(page.contains(text), "{text}");
    }
    assert!(!page.contains("Something else."), "another thread's text");
    // b nests under a, c under b: three levels of lists.
    assert!(page.matches("<ul class=\"tree\">").count() >= 3, "{page}");
    assert!(page.contains("<article class=\"msg current\""), "{page}");
    assert_eq!(from_c.status, 200);
    assert!(from_c.text().contains("Shall we change the timer?"));
}

/// What `wgmail archive export --list quic --thread ID` writes, through the CLI's own code.
async fn cli_export(fx: &WebFixture, thread: Option<i64>) -> Vec<u8> {
    let config = fx.state.config.current();
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        wgmail::cli::run(
            &config,
            Command::Archive(ArchiveCmd::Export {
                list: "quic".into(),
                thread,
            }),
            &mut out,
        )
        .expect("export");
        out
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn thread_mbox_is_what_the_cli_exports() {
    let fx = fixture().await;
    let thread = stored(&fx, "b@x").await.thread_id;
    let got = fx.get(&format!("{}/thread.mbox", msg_url("c@x"))).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("application/mbox")
    );
    assert!(
        got.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment;")),
    );
    let expected = cli_export(&fx, Some(thread)).await;
    assert_eq!(got.text(), String::from_utf8_lossy(&expected));
    // Three messages, mboxrd-quoted ("From the editor's side" in c's body).
    assert_eq!(got.text().matches("\nFrom ").count(), 2, "{}", got.text());
    assert!(got.text().contains("\n>From the editor's side"));
    assert!(!got.text().contains("Unrelated"));
}

#[tokio::test]
async fn a_thread_longer_than_a_page_streams_whole_and_the_page_is_capped() {
    let fx = WebFixture::new().await;
    // 520 replies to one root, all at the same second: the cursor must break ties by id.
    let mut raws = vec![mail(
        "root@x",
        "r@example.com",
        "Big",
        "Fri, 01 Mar 2024 10:00:00 +0000",
        None,
        "root\n",
    )];
    for i in 0..520 {
        raws.push(mail(
            &format!("r{i}@x"),
            "r@example.com",
            "Re: Big",
            "Fri, 01 Mar 2024 10:00:01 +0000",
            Some("root@x"),
            &format!("reply {i}\n"),
        ));
    }
    let refs: Vec<&[u8]> = raws.iter().map(Vec::as_slice).collect();
    fx.archive(LIST, &refs, MARCH_1).await;
    let thread = stored(&fx, "root@x").await.thread_id;
    let got = fx.get(&format!("{}/thread.mbox", msg_url("root@x"))).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, cli_export(&fx, Some(thread)).await);
    let text = got.text();
    for i in 0..520 {
        assert_eq!(
            text.matches(&format!("\nreply {i}\n")).count(),
            1,
            "reply {i}"
        );
    }
    let page = fx.get(&format!("{}/thread", msg_url("r3@x"))).await.text();
    assert!(page.contains("longer than 500 messages"), "the cap is said");
    assert_eq!(page.matches(">Permalink</a>").count(), 500);
    // The month holds them all, streamed in several chunks of pages.
    let month = fx.get("/arch/browse/quic/2024-03.mbox").await;
    assert_eq!(month.body, got.body);
}

#[tokio::test]
async fn month_mbox_holds_that_month_only() {
    let fx = fixture().await;
    let got = fx.get("/arch/browse/quic/2024-03.mbox").await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("application/mbox")
    );
    let text = got.text();
    let order: Vec<usize> = ["<a@x>", "<other@x>", "<b@x>", "<c@x>"]
        .iter()
        .map(|m| text.find(&format!("Message-ID: {m}")).expect(m))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "date order: {text}");
    assert!(!text.contains("april@x"));
    assert!(
        text.starts_with("From alice@example.com Fri Mar  1 09:00:00 2024\n"),
        "{text}"
    );
    // The whole list's export, cut to March, is the same bytes.
    let all = String::from_utf8(cli_export(&fx, None).await).expect("utf-8");
    assert!(all.starts_with(&text), "{all}");

    let april = fx.get("/arch/browse/quic/2024-04.mbox").await;
    assert_eq!(april.status, 200);
    assert!(april.text().contains("Message-ID: <april@x>"));
    assert_eq!(fx.get("/arch/browse/quic/2024-05.mbox").await.status, 404);
    for bad in [
        "2024-13.mbox",
        "x.mbox",
        "2024-00.mbox",
        "2024-3.mbox",
        ".mbox",
    ] {
        let got = fx.get(&format!("/arch/browse/quic/{bad}")).await;
        assert_eq!(got.status, 400, "{bad}");
    }
    assert_eq!(fx.get("/arch/browse/quic/2024-03").await.status, 404);
    assert_eq!(fx.get("/arch/browse/quic/2024-03.txt").await.status, 404);
}

#[tokio::test]
async fn archive_thread_and_export_use_the_thread_index() {
    let fx = fixture().await;
    let store: Store = fx.store().clone();
    let plans = tokio::task::spawn_blocking(move || {
        PAGE_QUERIES
            .iter()
            .map(|sql| (*sql, store.explain_query_plan(sql).expect("explain")))
            .collect::<Vec<_>>()
    })
    .await
    .expect("join");
    assert_eq!(plans.len(), 7);
    for (sql, plan) in &plans {
        let joined = plan.join(" | ");
        assert!(!joined.contains("SCAN"), "{sql}: {joined}");
        assert!(!joined.contains("TEMP B-TREE"), "{sql}: {joined}");
        assert!(joined.contains("USING"), "{sql}: {joined}");
        // A thread's query must seek the thread, not walk its list.
        if sql.contains("thread_id = ?1") {
            assert!(
                joined.contains("messages_thread (thread_id=?"),
                "{sql}: {joined}"
            );
        }
    }
    assert!(
        plans
            .iter()
            .filter(|(sql, _)| sql.contains("thread_id = ?1"))
            .count()
            == 2
    );
}

#[tokio::test]
async fn every_message_of_a_real_thread_opens() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let mbox = corpus.join("apache-maven-dev/maven-dev-2017-11.mbox");
    if !mbox.is_file() {
        eprintln!("NOTICE: {} not found; skipping", mbox.display());
        return;
    }
    let fx = WebFixture::new().await;
    let config = fx.state.config.current();
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        wgmail::cli::run(
            &config,
            Command::Archive(ArchiveCmd::Import {
                list: "quic".into(),
                file: mbox,
            }),
            &mut out,
        )
        .expect("import");
    })
    .await
    .expect("join");
    let store = fx.store().clone();
    let messages = tokio::task::spawn_blocking(move || {
        let biggest = store
            .threads(LIST)
            .expect("threads")
            .into_iter()
            .max_by_key(|t| t.messages)
            .expect("a thread");
        let mut messages = Vec::new();
        store
            .for_each_message(LIST, Some(biggest.id), |m| {
                messages.push(m);
                Ok(())
            })
            .expect("read")
            .expect("collect");
        messages
    })
    .await
    .expect("join");
    assert!(messages.len() >= 5, "{} messages", messages.len());
    for m in &messages {
        let url = msg_url(&m.message_id);
        let got: Got = fx.get(&url).await;
        assert_eq!(got.status, 200, "{url}");
        assert!(got.text().contains("class=\"current\""), "{url}");
        let raw = fx.get(&format!("{url}/raw")).await;
        assert_eq!(raw.body, m.raw, "{url}");
    }
    let first = msg_url(&messages[0].message_id);
    let page = fx.get(&format!("{first}/thread")).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.text().matches(">Permalink</a>").count(),
        messages.len()
    );
}

#[tokio::test]
async fn a_deep_reply_chain_nests_to_a_limit_then_lists_flat() {
    let fx = WebFixture::new().await;
    let mut raws = Vec::new();
    for i in 0..40 {
        let parent = (i > 0).then(|| format!("d{}@x", i - 1));
        raws.push(mail(
            &format!("d{i}@x"),
            "d@example.com",
            &format!("step {i}"),
            &format!("Fri, 01 Mar 2024 10:{i:02}:00 +0000"),
            parent.as_deref(),
            "more\n",
        ));
    }
    let refs: Vec<&[u8]> = raws.iter().map(Vec::as_slice).collect();
    fx.archive(LIST, &refs, MARCH_1).await;
    let page = fx.get(&msg_url("d39@x")).await.text();
    let tree = &page[page.find("<h2>Thread</h2>").expect("tree")..];
    for i in 0..39 {
        assert!(
            tree.contains(&format!("href=\"/arch/msg/quic/d{i}@x\"")),
            "d{i}"
        );
    }
    assert!(tree.contains("<span class=\"current\">step 39"), "{tree}");
    let depth = tree.matches("<ul class=\"tree\">").count();
    assert!((20..=30).contains(&depth), "{depth} levels");
    let thread = fx.get(&format!("{}/thread", msg_url("d0@x"))).await.text();
    assert_eq!(thread.matches(">Permalink</a>").count(), 40);
    let depth = thread.matches("<ul class=\"tree\">").count();
    assert!((20..=30).contains(&depth), "{depth} levels");
}
