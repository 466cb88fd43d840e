//! End to end: lettre → wgmail on 127.0.0.1:0 → the capturing relay.

use std::collections::HashMap;
use std::time::Duration;

use crate::support::daemon::{TestDaemon, header, header_count, post};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_receives_the_post_once_with_list_headers() {
    let members = ["alice@example.org", "bob@example.net", "carol@example.com"];
    let d = TestDaemon::start(&members).await;
    d.send(post(
        "alice@example.org",
        "Hello WG",
        "first@example.org",
        None,
    ))
    .await;
    let got = d.relay.wait_for_rcpts(3, WAIT).await;

    let mut per_rcpt: HashMap<String, usize> = HashMap::new();
    for c in &got {
        assert_eq!(c.mail_from, "quic-bounces@ietf.test");
        for r in &c.rcpts {
            *per_rcpt.entry(r.clone()).or_default() += 1;
        }
        let raw = &c.data;
        assert_eq!(header(raw, "Subject").as_deref(), Some("[quic] Hello WG"));
        assert_eq!(
            header(raw, "List-Id").as_deref(),
            Some("The quic working group <quic.ietf.test>")
        );
        assert_eq!(
            header(raw, "List-Post").as_deref(),
            Some("<mailto:quic@ietf.test>")
        );
        assert_eq!(
            header(raw, "List-Help").as_deref(),
            Some("<mailto:quic-request@ietf.test?subject=help>")
        );
        assert_eq!(
            header(raw, "List-Subscribe").as_deref(),
            Some("<mailto:quic-join@ietf.test>")
        );
        // Each member's copy carries that member's own signed one-click link (RFC 8058).
        assert_eq!(
            c.rcpts.len(),
            1,
            "one transaction per member for personalized posts"
        );
        let unsub = header(raw, "List-Unsubscribe").unwrap_or_default();
        let url = unsub
            .strip_prefix("<http://127.0.0.1:8080/u/")
            .and_then(|r| r.strip_suffix(">, <mailto:quic-leave@ietf.test>"))
            .unwrap_or_else(|| panic!("List-Unsubscribe: {unsub}"));
        let secret = wgmail::tokens::Secret::load_or_create(&d.dir.path().join("data")).unwrap();
        assert_eq!(
            secret.verify_unsubscribe(url),
            Some(("quic@ietf.test".to_string(), c.rcpts[0].clone())),
            "the link unsubscribes exactly this member"
        );
        assert_eq!(
            header(raw, "List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        assert_eq!(header_count(raw, "List-Unsubscribe"), 1);
        assert_eq!(
            header(raw, "List-Archive").as_deref(),
            Some("<http://127.0.0.1:8080/arch/browse/quic/>")
        );
        assert_eq!(
            header(raw, "Archived-At").as_deref(),
            Some("<http://127.0.0.1:8080/arch/msg/quic/first@example.org>")
        );
        assert_eq!(header(raw, "Precedence").as_deref(), Some("list"));
        assert_eq!(header_count(raw, "Subject"), 1);
        assert_eq!(header_count(raw, "List-Id"), 1);
        assert!(
            header(raw, "Received").is_some(),
            "a trace header is added on receipt"
        );
        let text = String::from_utf8_lossy(raw);
        assert!(
            text.contains("Body of first@example.org"),
            "body kept: {text}"
        );
    }
    assert_eq!(per_rcpt.len(), 3, "{per_rcpt:?}");
    assert!(
        per_rcpt.values().all(|&n| n == 1),
        "each member exactly once: {per_rcpt:?}"
    );
    for m in members {
        assert_eq!(per_rcpt.get(m), Some(&1), "{m}");
    }
    let store = d.store();
    let archived = tokio::task::spawn_blocking(move || store.message_count("quic@ietf.test"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(archived, 1);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_carry_one_prefix_and_join_the_thread() {
    let d = TestDaemon::start(&["alice@example.org", "bob@example.net"]).await;
    d.send(post(
        "alice@example.org",
        "Adoption of draft-x",
        "root@example.org",
        None,
    ))
    .await;
    d.relay.wait_for_rcpts(2, WAIT).await;
    d.send(post(
        "bob@example.net",
        "Re: [quic] Adoption of draft-x",
        "reply@example.net",
        Some("root@example.org"),
    ))
    .await;
    d.send(post(
        "alice@example.org",
        "Re: [quic] Re: [quic] Adoption of draft-x",
        "reply2@example.org",
        Some("reply@example.net"),
    ))
    .await;
    let got = d.relay.wait_for_rcpts(6, WAIT).await;
    let subjects: Vec<String> = got
        .iter()
        .filter_map(|c| header(&c.data, "Subject"))
        .collect();
    assert_eq!(
        subjects
            .iter()
            .filter(|s| *s == "[quic] Adoption of draft-x")
            .count(),
        2,
        "one copy per member: {subjects:?}"
    );
    assert_eq!(
        subjects
            .iter()
            .filter(|s| *s == "Re: [quic] Adoption of draft-x")
            .count(),
        4,
        "{subjects:?}"
    );
    let store = d.store();
    let threads = tokio::task::spawn_blocking(move || store.threads("quic@ietf.test"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert_eq!(threads[0].messages, 3);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_members_post_is_held_and_the_poster_told() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    d.send(post(
        "mallory@example.com",
        "Buy now",
        "spam@example.com",
        None,
    ))
    .await;
    // The poster is told; the moderators (the owner, as none are named) are asked.
    let mut got = d.relay.wait_for(2, WAIT).await;
    got.sort_by_key(|c| c.rcpts.clone());
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].rcpts, vec!["mallory@example.com".to_string()]);
    assert_eq!(got[0].mail_from, "quic-bounces@ietf.test");
    let subject = header(&got[0].data, "Subject").unwrap_or_default();
    assert!(subject.contains("awaits moderator approval"), "{subject}");
    assert_eq!(
        header(&got[0].data, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(got[1].rcpts, vec!["owner@ietf.test".to_string()]);
    let store = d.store();
    let holds = tokio::task::spawn_blocking(move || store.holds("quic@ietf.test"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].sender, "mallory@example.com");
    assert!(
        d.relay
            .messages()
            .iter()
            .all(|c| !c.rcpts.contains(&"alice@example.org".to_string())),
        "not delivered to members"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_message_id_is_delivered_once() {
    let d = TestDaemon::start(&["alice@example.org", "bob@example.net"]).await;
    d.send(post("alice@example.org", "Once", "dup@example.org", None))
        .await;
    d.send(post("alice@example.org", "Once", "dup@example.org", None))
        .await;
    // A third, distinct post proves the runner got past the duplicate.
    d.send(post(
        "alice@example.org",
        "Twice",
        "other@example.org",
        None,
    ))
    .await;
    let got = d.relay.wait_for_rcpts(4, WAIT).await;
    let dup = got
        .iter()
        .filter(|c| header(&c.data, "Message-ID").as_deref() == Some("<dup@example.org>"))
        .map(|c| c.rcpts.len())
        .sum::<usize>();
    assert_eq!(dup, 2, "the duplicate reached each member once");
    let store = d.store();
    let status = tokio::task::spawn_blocking(move || store.queue_status())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.inbound_pending, 0);
    assert_eq!(status.archived_messages, 2);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looping_mail_is_dropped() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    let looped = lettre::Message::builder()
        .from("alice@example.org".parse().unwrap())
        .to("quic@ietf.test".parse().unwrap())
        .subject("loop")
        .message_id(Some("<loop@example.org>".into()))
        .raw_header(lettre::message::header::HeaderValue::new(
            lettre::message::header::HeaderName::new_from_ascii_str("List-Id"),
            "The quic working group <quic.ietf.test>".into(),
        ))
        .body("x".to_string())
        .unwrap();
    d.send(looped).await;
    d.send(post("alice@example.org", "fine", "fine@example.org", None))
        .await;
    let got = d.relay.wait_for_rcpts(1, WAIT).await;
    assert!(
        got.iter()
            .all(|c| header(&c.data, "Message-ID").as_deref() != Some("<loop@example.org>"))
    );
    let store = d.store();
    let status = tokio::task::spawn_blocking(move || store.queue_status())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        status.archived_messages, 1,
        "the loop was not archived either"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_without_message_id_gets_one() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    // Speak SMTP by hand: lettre always adds a Message-ID.
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let s = tokio::net::TcpStream::connect(("127.0.0.1", d.smtp_port()))
        .await
        .unwrap();
    let (r, mut w) = s.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"EHLO t\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<quic@ietf.test>\r\nDATA\r\n")
        .await
        .unwrap();
    let mut line = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).await.unwrap();
        if line.starts_with("354") {
            break;
        }
        assert!(!line.is_empty(), "connection closed");
    }
    w.write_all(b"From: alice@example.org\r\nSubject: no id\r\n\r\nhello\r\n.\r\nQUIT\r\n")
        .await
        .unwrap();
    line.clear();
    r.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("250"), "{line}");
    let got = d.relay.wait_for_rcpts(1, WAIT).await;
    let id = header(&got[0].data, "Message-ID").expect("a Message-ID was added");
    assert!(
        id.starts_with("<wgmail.q") && id.ends_with("@lists.test>"),
        "{id}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_failures_are_retried_and_permanent_ones_recorded() {
    let d = TestDaemon::start(&["alice@example.org", "busy@example.net", "gone@example.com"]).await;
    d.relay.fail_rcpt("busy@example.net", "451 4.2.0 try later");
    d.relay
        .fail_rcpt("gone@example.com", "550 5.1.1 no such user");
    d.send(post(
        "alice@example.org",
        "Retry me",
        "retry@example.org",
        None,
    ))
    .await;
    d.relay.wait_for_rcpts(1, WAIT).await;
    let store = d.store();
    // Wait until the first attempt is recorded: the permanent failure appears.
    crate::support::daemon::until_committed(&store, "the first attempt is recorded", WAIT, |s| {
        let st = s.queue_status().unwrap();
        (st.failed_recipients == 1 && st.outbound_recipients_pending == 1).then_some(())
    })
    .await;
    let s = store.clone();
    let failures = tokio::task::spawn_blocking(move || {
        s.delivery_failures("quic@ietf.test", "gone@example.com")
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].0.contains("550"), "{failures:?}");
    // The relay recovers and the injected clock passes the backoff: the retry delivers.
    d.relay.clear_failures();
    d.clock.advance(120);
    let got = d.relay.wait_for_rcpts(2, WAIT).await;
    let busy = got
        .iter()
        .filter(|c| c.rcpts.contains(&"busy@example.net".to_string()))
        .count();
    assert_eq!(busy, 1);
    d.stop().await;
}

/// Speaks SMTP by hand up to RCPT and returns the reply to RCPT.
async fn rcpt_reply(port: u16, rcpt: &str) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (r, mut w) = s.into_split();
    let mut r = BufReader::new(r);
    w.write_all(
        format!("HELO t\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<{rcpt}>\r\nQUIT\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut replies = Vec::new();
    let mut line = String::new();
    while r.read_line(&mut line).await.unwrap() > 0 {
        if line.as_bytes().get(3) == Some(&b' ') {
            replies.push(line.trim_end().to_owned());
        }
        line.clear();
    }
    replies.get(3).cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_files_reload_without_restart_and_broken_edits_are_refused() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    let port = d.smtp_port();
    assert!(
        rcpt_reply(port, "tls@ietf.test")
            .await
            .starts_with("550 5.1.1")
    );
    assert!(
        rcpt_reply(port, "quic-request@ietf.test")
            .await
            .starts_with("250")
    );
    assert!(
        rcpt_reply(port, "quic-bounces+x=y.z@ietf.test")
            .await
            .starts_with("250")
    );
    assert!(
        rcpt_reply(port, "someone@elsewhere.test")
            .await
            .starts_with("550 5.1.1"),
        "never an open relay"
    );

    crate::support::daemon::write_list(d.dir.path(), "tls", "ietf.test", "");
    let problems = d.config.reload();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(
        rcpt_reply(port, "tls@ietf.test").await.starts_with("250"),
        "a new list is live after reload"
    );

    // A broken edit of the quic list is refused whole; the list keeps working as before.
    std::fs::write(
        d.dir.path().join("lists/quic.toml"),
        "name = \"quic\"\ndomain = \"ietf.test\"\nowners = []\n",
    )
    .unwrap();
    let problems = d.config.reload();
    assert!(problems.iter().any(|p| p.key == "owners"), "{problems:?}");
    assert!(rcpt_reply(port, "quic@ietf.test").await.starts_with("250"));
    d.send(post(
        "alice@example.org",
        "still here",
        "still@example.org",
        None,
    ))
    .await;
    let got = d.relay.wait_for_rcpts(1, WAIT).await;
    assert_eq!(
        header(&got[0].data, "List-Id").as_deref(),
        Some("The quic working group <quic.ietf.test>")
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verp_gives_each_recipient_its_own_envelope_and_batches_split() {
    let members = ["a@m.test", "b@m.test", "c@m.test"];
    let d = TestDaemon::start_full(&members, "", "verp = true", "").await;
    d.send(post("a@m.test", "verp", "verp@m.test", None)).await;
    let got = d.relay.wait_for_rcpts(3, WAIT).await;
    assert_eq!(got.len(), 3, "one transaction per recipient");
    for c in &got {
        assert_eq!(c.rcpts.len(), 1);
        let want = format!("quic-bounces+{}@ietf.test", c.rcpts[0].replace('@', "="));
        assert_eq!(c.mail_from, want);
    }
    d.stop().await;

    // Without per-member links, copies go out `batch` recipients at a time.
    let d = TestDaemon::start_full(&members, "", "batch = 2\npersonalize = false", "").await;
    d.send(post("a@m.test", "batched", "batch@m.test", None))
        .await;
    let got = d.relay.wait_for_rcpts(3, WAIT).await;
    let mut sizes: Vec<usize> = got.iter().map(|c| c.rcpts.len()).collect();
    sizes.sort();
    assert_eq!(sizes, vec![1, 2]);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lmtp_delivers_into_the_same_pipeline() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let d =
        TestDaemon::start_with(&["alice@example.org"], "lmtp_listen = \"127.0.0.1:0\"", "").await;
    let lmtp = d.running().lmtp_addr.expect("lmtp listener");
    let s = tokio::net::TcpStream::connect(lmtp).await.unwrap();
    let (r, mut w) = s.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"LHLO mta.test\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<quic@ietf.test>\r\nRCPT TO:<quic-owner@ietf.test>\r\nRCPT TO:<nobody@ietf.test>\r\nDATA\r\n").await.unwrap();
    let mut replies = Vec::new();
    let mut line = String::new();
    while replies
        .last()
        .is_none_or(|l: &String| !l.starts_with("354"))
    {
        line.clear();
        assert!(
            r.read_line(&mut line).await.unwrap() > 0,
            "closed early: {replies:?}"
        );
        if line.as_bytes().get(3) == Some(&b' ') {
            replies.push(line.trim_end().to_owned());
        }
    }
    assert!(
        replies[3].starts_with("250") && replies[4].starts_with("250"),
        "{replies:?}"
    );
    assert!(replies[5].starts_with("550 5.1.1"), "{replies:?}");
    w.write_all(b"From: alice@example.org\r\nSubject: via lmtp\r\nMessage-ID: <lmtp@example.org>\r\n\r\nhi\r\n.\r\n").await.unwrap();
    let mut per_rcpt = Vec::new();
    for _ in 0..2 {
        line.clear();
        r.read_line(&mut line).await.unwrap();
        per_rcpt.push(line.trim_end().to_owned());
    }
    assert!(
        per_rcpt.iter().all(|l| l.starts_with("250")),
        "one reply per accepted recipient: {per_rcpt:?}"
    );
    // The post reaches the member, the owner copy reaches the owner.
    let got = d.relay.wait_for_rcpts(2, WAIT).await;
    let rcpts: Vec<&String> = got.iter().flat_map(|c| c.rcpts.iter()).collect();
    assert!(
        rcpts.contains(&&"alice@example.org".to_string())
            && rcpts.contains(&&"owner@ietf.test".to_string()),
        "{rcpts:?}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_the_configured_certificate() {
    use std::sync::Arc;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let extra = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"",
        cert.display(),
        key.display()
    );
    let d = TestDaemon::start_with(&["alice@example.org"], &extra, "").await;

    let stream = tokio::net::TcpStream::connect(("127.0.0.1", d.smtp_port()))
        .await
        .unwrap();
    let mut plain = BufReader::new(stream);
    let mut line = String::new();
    plain.read_line(&mut line).await.unwrap();
    plain
        .get_mut()
        .write_all(b"EHLO client.test\r\n")
        .await
        .unwrap();
    let mut ehlo = Vec::new();
    loop {
        line.clear();
        plain.read_line(&mut line).await.unwrap();
        ehlo.push(line.trim_end().to_owned());
        if line.as_bytes().get(3) == Some(&b' ') {
            break;
        }
    }
    assert!(ehlo.iter().any(|l| l.ends_with("STARTTLS")), "{ehlo:?}");
    plain.get_mut().write_all(b"STARTTLS\r\n").await.unwrap();
    line.clear();
    plain.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("220"), "{line}");

    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(client))
        .connect(name, plain.into_inner())
        .await
        .expect("handshake");
    let mut tls = BufReader::new(tls);
    tls.get_mut()
        .write_all(b"EHLO client.test\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<quic@ietf.test>\r\nDATA\r\n")
        .await
        .unwrap();
    let mut last = String::new();
    while !last.starts_with("354") {
        line.clear();
        assert!(tls.read_line(&mut line).await.unwrap() > 0);
        if line.as_bytes().get(3) == Some(&b' ') {
            last = line.clone();
        }
    }
    tls.get_mut().write_all(b"From: alice@example.org\r\nSubject: over tls\r\nMessage-ID: <tls@example.org>\r\n\r\nsecret\r\n.\r\n").await.unwrap();
    line.clear();
    tls.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("250"), "{line}");
    let got = d.relay.wait_for_rcpts(1, WAIT).await;
    let received = header(&got[0].data, "Received").unwrap_or_default();
    assert!(
        received.contains("ESMTPS"),
        "the trace header records TLS: {received}"
    );
    d.stop().await;
}

#[tokio::test]
async fn a_certificate_that_is_not_pem_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, "not a certificate").unwrap();
    std::fs::write(&key, "not a key").unwrap();
    let extra = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"",
        cert.display(),
        key.display()
    );
    let site = crate::support::daemon::write_site(dir.path(), None, &extra);
    let (config, _) = wgmail::config::Config::load(Some(&site)).expect("config loads");
    let err = match wgmail::server::start(
        wgmail::config::ConfigHandle::new(config),
        wgmail::clock::Clock::System,
    )
    .await
    {
        Ok(_) => panic!("started without a usable certificate"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("key.pem") || err.contains("cert.pem"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reloaded_relay_takes_the_next_delivery() {
    let d = TestDaemon::start(&["alice@example.org"]).await;
    d.send(post(
        "alice@example.org",
        "to the first relay",
        "r1@example.org",
        None,
    ))
    .await;
    d.relay.wait_for_rcpts(1, WAIT).await;
    let second = crate::support::relay::Relay::start().await;
    crate::support::daemon::write_site(d.dir.path(), Some(second.addr), "");
    let problems = d.config.reload();
    assert!(problems.is_empty(), "{problems:?}");
    d.send(post(
        "alice@example.org",
        "to the second relay",
        "r2@example.org",
        None,
    ))
    .await;
    let got = second.wait_for_rcpts(1, WAIT).await;
    assert_eq!(
        header(&got[0].data, "Message-ID").as_deref(),
        Some("<r2@example.org>")
    );
    assert_eq!(
        d.relay.messages().len(),
        1,
        "the first relay got nothing more"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_approve_reject_and_discard_held_posts_from_the_cli() {
    use crate::support::daemon::run_cli;
    let d = TestDaemon::start(&["alice@example.org", "bob@example.net"]).await;
    let site = d.dir.path().join("wgmail.toml");
    d.send(post(
        "guest@example.com",
        "Guest question",
        "guest1@example.com",
        None,
    ))
    .await;
    d.send(post(
        "spammer@example.com",
        "Spam",
        "spam1@example.com",
        None,
    ))
    .await;
    d.send(post("rude@example.com", "Rude", "rude1@example.com", None))
        .await;
    d.relay.wait_for(6, WAIT).await; // three "awaits moderator approval" notices, three to the owner
    let (ok, ls, err) = run_cli(&site, &["hold", "ls", "quic"]);
    assert!(ok, "{err}");
    let ids: Vec<(String, String)> = ls
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), f[1].to_owned())
        })
        .collect();
    assert_eq!(ids.len(), 3, "{ls}");
    let id_of = |who: &str| {
        ids.iter()
            .find(|(_, s)| s == who)
            .map(|(i, _)| i.clone())
            .unwrap()
    };

    let (ok, out, err) = run_cli(&site, &["hold", "approve", &id_of("guest@example.com")]);
    assert!(ok, "{err}");
    assert!(out.contains("approved"), "{out}");
    let (ok, _, err) = run_cli(&site, &["hold", "approve", &id_of("guest@example.com")]);
    assert!(
        !ok && err.contains("no held post"),
        "a second approval does nothing: {err}"
    );
    let (ok, _, err) = run_cli(
        &site,
        &[
            "hold",
            "reject",
            &id_of("rude@example.com"),
            "--reason",
            "Please keep it civil.",
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run_cli(&site, &["hold", "discard", &id_of("spammer@example.com")]);
    assert!(ok, "{err}");
    // The CLI is another process on the system clock: bring the daemon's test clock up to it,
    // which also wakes the outbound runner at once.
    d.clock
        .advance(wgmail::clock::Clock::System.now() - d.clock.now() + 1);

    // 6 notices + the approved post to 2 members + the rejection notice.
    let got = d.relay.wait_for_rcpts(9, WAIT).await;
    let approved: Vec<_> = got
        .iter()
        .filter(|c| header(&c.data, "Message-ID").as_deref() == Some("<guest1@example.com>"))
        .collect();
    assert_eq!(
        approved.iter().map(|c| c.rcpts.len()).sum::<usize>(),
        2,
        "approved post reaches both members"
    );
    assert_eq!(
        header(&approved[0].data, "Subject").as_deref(),
        Some("[quic] Guest question")
    );
    let rejection = got
        .iter()
        .find(|c| {
            c.rcpts == vec!["rude@example.com".to_string()]
                && header(&c.data, "Subject")
                    .unwrap_or_default()
                    .contains("rejected")
        })
        .expect("the poster is told of the rejection");
    assert!(String::from_utf8_lossy(&rejection.data).contains("Please keep it civil."));
    assert!(
        got.iter()
            .all(|c| header(&c.data, "Message-ID").as_deref() != Some("<spam1@example.com>")),
        "discarded post never delivered"
    );
    let (_, ls, _) = run_cli(&site, &["hold", "ls", "quic"]);
    assert!(ls.is_empty(), "no holds left: {ls}");
    let store = d.store();
    let archived = tokio::task::spawn_blocking(move || store.message_count("quic@ietf.test"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(archived, 1, "only the approved post is archived");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_ids_are_never_given_twice() {
    use crate::support::daemon::run_cli;
    let d = TestDaemon::start(&["alice@example.org"]).await;
    let site = d.dir.path().join("wgmail.toml");
    let held = |ls: &str, who: &str| {
        ls.lines()
            .find(|l| l.contains(who))
            .and_then(|l| l.split('\t').next())
            .map(str::to_owned)
    };
    d.send(post("first@example.com", "First", "h1@example.com", None))
        .await;
    d.send(post("second@example.com", "Second", "h2@example.com", None))
        .await;
    d.relay.wait_for(4, WAIT).await; // a notice to each poster and to the owner
    let (ok, stale, err) = run_cli(&site, &["hold", "ls", "quic"]);
    assert!(ok, "{err}");
    // The newest hold's id is released by the approval (SQLite would hand out max(id)+1 again).
    let newest = held(&stale, "second@example.com").unwrap();
    let (ok, _, err) = run_cli(&site, &["hold", "approve", &newest]);
    assert!(ok, "{err}");
    d.send(post("third@example.com", "Third", "h3@example.com", None))
        .await;
    d.relay.wait_for(6, WAIT).await;
    d.wait_queue_drained().await;
    let (_, ls, _) = run_cli(&site, &["hold", "ls", "quic"]);
    let third = held(&ls, "third@example.com").expect("the third post is held");
    assert_ne!(
        third, newest,
        "a stale `hold ls` must not name the new post: {ls}"
    );
    // The moderator working from the stale list approves nothing by mistake.
    let (ok, _, err) = run_cli(&site, &["hold", "approve", &newest]);
    assert!(!ok && err.contains("no held post"), "{err}");
    assert!(held(&ls, "third@example.com").is_some());
    d.stop().await;
}
