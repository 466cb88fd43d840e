//! The outbound SMTP client against the capturing relay, and against scripted misbehaving
//! servers: pipelined and lock-step transactions, per-recipient refusals, body encoding, the
//! pool, dropped connections, garbage and silence.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use wgmail::outbound::client::{
    ClientConfig, ClientError, Pool, RcptOutcome, SmtpClient, TlsPolicy,
};

use crate::support::relay::{Relay, RelayOptions};

const WAIT: Duration = Duration::from_secs(10);
const MESSAGE: &[u8] = b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n";

fn config(addr: SocketAddr) -> ClientConfig {
    ClientConfig {
        relay: addr.to_string(),
        helo_name: "wgmail.test".into(),
        tls: TlsPolicy::Opportunistic,
        connect_timeout: Duration::from_secs(5),
        command_timeout: Duration::from_secs(5),
    }
}

fn addrs(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("{n}@example.org")).collect()
}

/// Serves exactly one connection with `script`, on a fresh port.
async fn serve_once<F, Fut>(script: F) -> SocketAddr
where
    F: FnOnce(BufReader<TcpStream>) -> Fut + Send + 'static,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let _ = script(BufReader::new(stream)).await;
    });
    addr
}

/// Reads one command line from a scripted server's client.
async fn line(s: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    s.read_line(&mut l).await.unwrap();
    l
}

#[tokio::test]
async fn single_transaction_is_delivered() {
    let relay = Relay::start().await;
    let mut client = SmtpClient::connect(&config(relay.addr)).await.unwrap();
    assert!(client.supports_pipelining());
    let outcomes = client
        .send("list-bounces@example.org", &addrs(&["alice"]), MESSAGE)
        .await
        .unwrap();
    assert_eq!(outcomes, vec![RcptOutcome::Delivered]);
    let got = relay.wait_for(1, WAIT).await;
    assert_eq!(got[0].mail_from, "list-bounces@example.org");
    assert_eq!(got[0].rcpts, addrs(&["alice"]));
    assert_eq!(got[0].data, MESSAGE);
    assert!(client.is_usable());
    client.quit().await;
}

#[tokio::test]
async fn thousand_recipients_in_one_transaction() {
    let relay = Relay::start().await;
    let rcpts: Vec<String> = (0..1000)
        .map(|i| format!("member{i}@example.org"))
        .collect();
    let mut client = SmtpClient::connect(&config(relay.addr)).await.unwrap();
    let outcomes = client.send("l@example.org", &rcpts, MESSAGE).await.unwrap();
    assert!(outcomes.iter().all(|o| *o == RcptOutcome::Delivered));
    assert_eq!(relay.wait_for_rcpts(1000, WAIT).await[0].rcpts, rcpts);
}

/// Regression guard for the pipelining deadlock. This server answers every command at once with a
/// long reply and reads slowly (tiny receive buffer), so its replies (40 MB) outgrow our receive
/// buffer while our envelope (3.5 MB) outgrows our send buffer: a client that wrote the whole
/// envelope before reading would block forever, as would the server.
#[tokio::test]
async fn pipeline_larger_than_socket_buffers_does_not_deadlock() {
    const RCPTS: usize = 100_000;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut s = BufReader::new(stream);
        s.get_mut().write_all(b"220 chatty\r\n").await?;
        let chatter = "x".repeat(400);
        loop {
            let command = line(&mut s).await;
            let reply = match command.get(..4).unwrap_or("") {
                "EHLO" => "250-chatty\r\n250 PIPELINING\r\n".to_string(),
                "DATA" => "354 go\r\n".to_string(),
                "QUIT" | "" => return Ok::<_, std::io::Error>(()),
                _ => format!("250 {chatter}\r\n"),
            };
            s.get_mut().write_all(reply.as_bytes()).await?;
            if reply.starts_with("354") {
                let mut body = Vec::new();
                while !body.ends_with(b"\r\n.\r\n") {
                    s.read_until(b'\n', &mut body).await?;
                }
                s.get_mut().write_all(b"250 queued\r\n").await?;
            }
        }
    });
    let rcpts: Vec<String> = (0..RCPTS)
        .map(|i| format!("member-{i}@example.org"))
        .collect();
    let cfg = ClientConfig {
        command_timeout: Duration::from_secs(30),
        ..config(addr)
    };
    let mut client = SmtpClient::connect(&cfg).await.unwrap();
    let outcomes = client.send("l@example.org", &rcpts, MESSAGE).await.unwrap();
    assert_eq!(outcomes.len(), RCPTS);
    assert!(outcomes.iter().all(|o| *o == RcptOutcome::Delivered));
    client.quit().await;
}

#[tokio::test]
async fn per_recipient_refusals_are_reported_in_order() {
    let relay = Relay::start().await;
    relay.fail_rcpt("bob@example.org", "450 4.2.0 mailbox busy");
    relay.fail_rcpt("carol@example.org", "550 5.1.1 no such user");
    let mut client = SmtpClient::connect(&config(relay.addr)).await.unwrap();
    let outcomes = client
        .send(
            "l@example.org",
            &addrs(&["alice", "bob", "carol", "dave"]),
            MESSAGE,
        )
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        vec![
            RcptOutcome::Delivered,
            RcptOutcome::Temporary("450 4.2.0 mailbox busy".into()),
            RcptOutcome::Permanent("550 5.1.1 no such user".into()),
            RcptOutcome::Delivered,
        ]
    );
    assert_eq!(
        relay.wait_for(1, WAIT).await[0].rcpts,
        addrs(&["alice", "dave"])
    );
}

#[tokio::test]
async fn all_recipients_refused_sends_no_body_and_keeps_the_connection() {
    for pipelining in [true, false] {
        let relay = Relay::start_with(RelayOptions { pipelining }).await;
        relay.fail_rcpt("bob@example.org", "450 4.2.0 mailbox busy");
        relay.fail_rcpt("carol@example.org", "550 5.1.1 no such user");
        let mut client = SmtpClient::connect(&config(relay.addr)).await.unwrap();
        assert_eq!(client.supports_pipelining(), pipelining);

        let outcomes = client
            .send("l@example.org", &addrs(&["bob", "carol"]), MESSAGE)
            .await
            .unwrap();
        assert!(
            matches!(
                outcomes[..],
                [RcptOutcome::Temporary(_), RcptOutcome::Permanent(_)]
            ),
            "{outcomes:?}"
        );
        assert!(client.is_usable());

        let outcomes = client
            .send("l@example.org", &addrs(&["alice"]), b"second\r\n")
            .await
            .unwrap();
        assert_eq!(outcomes, vec![RcptOutcome::Delivered]);
        let got = relay.wait_for(1, WAIT).await;
        assert_eq!(
            got.len(),
            1,
            "the refused transaction must not deliver a body"
        );
        assert_eq!(got[0].data, b"second\r\n");
        assert_eq!(relay.connections(), 1);
    }
}

#[tokio::test]
async fn lockstep_without_pipelining_delivers_with_mixed_outcomes() {
    let relay = Relay::start_with(RelayOptions { pipelining: false }).await;
    relay.fail_rcpt("bob@example.org", "550 5.1.1 no such user");
    let mut client = SmtpClient::connect(&config(relay.addr)).await.unwrap();
    let outcomes = client
        .send("l@example.org", &addrs(&["alice", "bob"]), MESSAGE)
        .await
        .unwrap();
    assert_eq!(outcomes[0], RcptOutcome::Delivered);
    assert_eq!(
        outcomes[1],
        RcptOutcome::Permanent("550 5.1.1 no such user".into())
    );
    assert_eq!(relay.wait_for(1, WAIT).await[0].data, MESSAGE);
}

#[tokio::test]
async fn dot_stuffing_and_bare_lf_bodies_arrive_intact() {
    let relay = Relay::start().await;
    let mut client = SmtpClient::connect(&config(relay.addr)).await.unwrap();
    let cases: &[(&[u8], &[u8])] = &[
        (
            b"Subject: dots\n\n.leading\n..two\n.\nend",
            b"Subject: dots\r\n\r\n.leading\r\n..two\r\n.\r\nend\r\n",
        ),
        (
            b"crlf\r\n.\r\nstill body\r\n",
            b"crlf\r\n.\r\nstill body\r\n",
        ),
        // An attempt to smuggle a second message past a lenient server stays one message.
        (
            b"a\n.\r\nMAIL FROM:<evil@x>\r\n",
            b"a\r\n.\r\nMAIL FROM:<evil@x>\r\n",
        ),
        (b"8bit: caf\xc3\xa9\n", b"8bit: caf\xc3\xa9\r\n"),
        (b"", b""),
    ];
    for (i, (body, _)) in cases.iter().enumerate() {
        let outcomes = client
            .send("l@example.org", &addrs(&["alice"]), body)
            .await
            .unwrap();
        assert_eq!(outcomes, vec![RcptOutcome::Delivered], "case {i}");
    }
    let got = relay.wait_for(cases.len(), WAIT).await;
    assert_eq!(got.len(), cases.len());
    for (captured, (_, expected)) in got.iter().zip(cases) {
        assert_eq!(
            String::from_utf8_lossy(&captured.data),
            String::from_utf8_lossy(expected)
        );
    }
}

#[tokio::test]
async fn unsendable_addresses_are_refused_locally() {
    let relay = Relay::start().await;
    let mut client = SmtpClient::connect(&config(relay.addr)).await.unwrap();
    let rcpts = vec![
        "alice@example.org".to_string(),
        "x@y>\r\nRCPT TO:<evil@example.org".to_string(),
    ];
    let outcomes = client.send("l@example.org", &rcpts, MESSAGE).await.unwrap();
    assert_eq!(outcomes[0], RcptOutcome::Delivered);
    assert!(
        matches!(&outcomes[1], RcptOutcome::Permanent(t) if t.starts_with("553")),
        "{outcomes:?}"
    );
    assert_eq!(relay.wait_for(1, WAIT).await[0].rcpts, addrs(&["alice"]));
}

#[tokio::test]
async fn pool_reuses_an_idle_connection() {
    let relay = Relay::start().await;
    let pool = Pool::new(config(relay.addr), 4);
    for _ in 0..3 {
        pool.send("l@example.org", &addrs(&["alice"]), MESSAGE)
            .await
            .unwrap();
    }
    relay.wait_for(3, WAIT).await;
    assert_eq!(relay.connections(), 1);
}

#[tokio::test]
async fn pool_replaces_an_idle_connection_the_relay_closed() {
    let relay = Relay::start().await;
    let pool = Pool::new(config(relay.addr), 1);
    pool.send("l@example.org", &addrs(&["alice"]), MESSAGE)
        .await
        .unwrap();
    relay.disconnect_all().await;
    let outcomes = pool
        .send("l@example.org", &addrs(&["bob"]), MESSAGE)
        .await
        .unwrap();
    assert_eq!(outcomes, vec![RcptOutcome::Delivered]);
    assert_eq!(relay.wait_for(2, WAIT).await.len(), 2);
    assert_eq!(relay.connections(), 2);
}

#[tokio::test]
async fn relay_closing_mid_transaction_fails_it_and_the_pool_recovers() {
    let relay = Relay::start().await;
    let pool = Pool::new(config(relay.addr), 1);

    relay.drop_at_rcpt("bob@example.org");
    let err = pool
        .send("l@example.org", &addrs(&["alice", "bob"]), MESSAGE)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Io(_)), "{err:?}");
    relay.clear_failures();
    assert_eq!(
        pool.send("l@example.org", &addrs(&["alice"]), MESSAGE)
            .await
            .unwrap(),
        vec![RcptOutcome::Delivered]
    );

    relay.fail_rcpt("bob@example.org", "421 4.3.2 shutting down");
    let err = pool
        .send("l@example.org", &addrs(&["alice", "bob"]), MESSAGE)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Temporary(t) if t.starts_with("421")),
        "{err:?}"
    );
    relay.clear_failures();
    assert_eq!(
        pool.send("l@example.org", &addrs(&["carol"]), MESSAGE)
            .await
            .unwrap(),
        vec![RcptOutcome::Delivered]
    );

    let got = relay.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2, "the failed transactions delivered nothing");
    assert_eq!(relay.connections(), 3);
}

#[tokio::test]
async fn garbage_from_the_server_is_a_protocol_error() {
    let scripts: Vec<(&str, &'static [u8])> = vec![
        ("http greeting", b"HTTP/1.1 400 Bad Request\r\n\r\n"),
        ("binary greeting", b"\x00\xff\xfe\xfd\r\n"),
        ("endless line", &[b'2'; 10_000]),
        (
            "ehlo code changes",
            b"220 hi\r\n250-relay\r\n550 PIPELINING\r\n",
        ),
        (
            "garbage mid-transaction",
            b"220 hi\r\n250-relay\r\n250 PIPELINING\r\n250 ok\r\nwhat?\r\n",
        ),
        (
            "354 with no recipient",
            b"220 hi\r\n250-relay\r\n250 PIPELINING\r\n250 ok\r\n550 no\r\n354 go\r\n",
        ),
    ];
    for (name, script) in scripts {
        let addr = serve_once(move |mut s| async move {
            s.get_mut().write_all(script).await?;
            // Keep the connection open so the error comes from the bytes, not from a close.
            let mut sink = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut s, &mut sink).await?;
            Ok(())
        })
        .await;
        let result = match SmtpClient::connect(&config(addr)).await {
            Err(e) => Err(e),
            Ok(mut client) => {
                let r = client
                    .send("l@example.org", &addrs(&["alice"]), MESSAGE)
                    .await;
                assert!(!client.is_usable(), "{name}: connection must be unusable");
                r
            }
        };
        assert!(
            matches!(result, Err(ClientError::Protocol(_))),
            "{name}: {result:?}"
        );
    }
}

#[tokio::test]
async fn ehlo_refused_falls_back_to_helo_and_lockstep() {
    let addr = serve_once(|mut s| async move {
        s.get_mut().write_all(b"220 old.example ready\r\n").await?;
        assert!(line(&mut s).await.starts_with("EHLO wgmail.test"));
        s.get_mut().write_all(b"502 5.5.1 what\r\n").await?;
        assert!(line(&mut s).await.starts_with("HELO wgmail.test"));
        s.get_mut().write_all(b"250 old.example\r\n").await?;
        for (expect, reply) in [
            ("MAIL FROM:<l@example.org>", "250 ok"),
            ("RCPT TO:<alice@example.org>", "250 ok"),
            ("DATA", "354 go"),
        ] {
            assert_eq!(line(&mut s).await.trim_end(), expect);
            s.get_mut()
                .write_all(format!("{reply}\r\n").as_bytes())
                .await?;
        }
        let mut body = Vec::new();
        while !body.ends_with(b"\r\n.\r\n") {
            s.read_until(b'\n', &mut body).await?;
        }
        s.get_mut()
            .write_all(b"250-queued\r\n250 as 1234\r\n")
            .await?;
        assert_eq!(line(&mut s).await.trim_end(), "QUIT");
        s.get_mut().write_all(b"221 bye\r\n").await?;
        Ok(())
    })
    .await;
    let mut client = SmtpClient::connect(&config(addr)).await.unwrap();
    assert!(!client.supports_pipelining());
    assert_eq!(
        client
            .send("l@example.org", &addrs(&["alice"]), MESSAGE)
            .await
            .unwrap(),
        vec![RcptOutcome::Delivered]
    );
    client.quit().await;
}

#[tokio::test]
async fn starttls_refused_continues_in_plaintext() {
    let addr = serve_once(|mut s| async move {
        s.get_mut().write_all(b"220 hi\r\n").await?;
        line(&mut s).await;
        s.get_mut()
            .write_all(b"250-relay\r\n250 STARTTLS\r\n")
            .await?;
        assert_eq!(line(&mut s).await.trim_end(), "STARTTLS");
        s.get_mut()
            .write_all(b"454 4.7.0 TLS not available\r\n")
            .await?;
        assert_eq!(line(&mut s).await.trim_end(), "QUIT");
        s.get_mut().write_all(b"221 bye\r\n").await?;
        Ok(())
    })
    .await;
    let client = SmtpClient::connect(&config(addr)).await.unwrap();
    assert!(client.is_usable());
    client.quit().await;
}

#[tokio::test]
async fn refusals_of_the_whole_transaction_are_errors() {
    let addr = serve_once(|mut s| async move {
        s.get_mut().write_all(b"220 hi\r\n").await?;
        line(&mut s).await;
        s.get_mut()
            .write_all(b"250-relay\r\n250 PIPELINING\r\n")
            .await?;
        // MAIL refused: the server answers the pipelined RCPT and DATA with 503.
        for _ in 0..3 {
            line(&mut s).await;
        }
        s.get_mut()
            .write_all(b"451 4.3.0 try later\r\n503 need MAIL\r\n503 need MAIL\r\n")
            .await?;
        // Recipient accepted but DATA refused: the client must RSET.
        for _ in 0..3 {
            line(&mut s).await;
        }
        s.get_mut()
            .write_all(b"250 ok\r\n250 ok\r\n554 5.7.1 no thanks\r\n")
            .await?;
        assert_eq!(line(&mut s).await.trim_end(), "RSET");
        s.get_mut().write_all(b"250 ok\r\n").await?;
        // Body refused after the dot.
        for _ in 0..3 {
            line(&mut s).await;
        }
        s.get_mut()
            .write_all(b"250 ok\r\n250 ok\r\n354 go\r\n")
            .await?;
        let mut body = Vec::new();
        while !body.ends_with(b"\r\n.\r\n") {
            s.read_until(b'\n', &mut body).await?;
        }
        s.get_mut().write_all(b"552 5.3.4 too big\r\n").await?;
        let mut sink = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut s, &mut sink).await?;
        Ok(())
    })
    .await;
    let mut client = SmtpClient::connect(&config(addr)).await.unwrap();
    let rcpts = addrs(&["alice"]);
    let err = client
        .send("l@example.org", &rcpts, MESSAGE)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Temporary(t) if t == "451 4.3.0 try later"),
        "{err:?}"
    );
    assert!(client.is_usable());
    let err = client
        .send("l@example.org", &rcpts, MESSAGE)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Permanent(t) if t.starts_with("554")),
        "{err:?}"
    );
    assert!(client.is_usable());
    let err = client
        .send("l@example.org", &rcpts, MESSAGE)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Permanent(t) if t.starts_with("552")),
        "{err:?}"
    );
    assert!(client.is_usable());
}

#[tokio::test]
async fn silent_server_times_out() {
    let short = |addr| ClientConfig {
        command_timeout: Duration::from_millis(200),
        ..config(addr)
    };

    // Never greets.
    let addr = serve_once(|s| async move {
        let _keep = s;
        std::future::pending::<std::io::Result<()>>().await
    })
    .await;
    let started = Instant::now();
    let err = SmtpClient::connect(&short(addr))
        .await
        .err()
        .expect("connect must fail");
    assert!(matches!(err, ClientError::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // Greets, then never answers the transaction.
    let addr = serve_once(|mut s| async move {
        s.get_mut().write_all(b"220 hi\r\n").await?;
        line(&mut s).await;
        s.get_mut()
            .write_all(b"250-relay\r\n250 PIPELINING\r\n")
            .await?;
        std::future::pending::<std::io::Result<()>>().await
    })
    .await;
    let mut client = SmtpClient::connect(&short(addr)).await.unwrap();
    let err = client
        .send("l@example.org", &addrs(&["alice"]), MESSAGE)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Timeout), "{err:?}");
    assert!(!client.is_usable());
}

/// Not an assertion: prints what the pool achieves against the in-process relay.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn throughput_print() {
    const TRANSACTIONS: usize = 2_000;
    const RCPTS: usize = 100;
    let relay = Relay::start().await;
    let pool = std::sync::Arc::new(Pool::new(
        ClientConfig {
            tls: TlsPolicy::Never,
            ..config(relay.addr)
        },
        8,
    ));
    let rcpts: std::sync::Arc<Vec<String>> =
        std::sync::Arc::new((0..RCPTS).map(|i| format!("m{i}@example.org")).collect());
    let mut body = b"From: l@example.org\r\nSubject: load\r\n\r\n".to_vec();
    body.extend(b"a line of a typical list message, about sixty bytes long.\r\n".repeat(40));
    let body = std::sync::Arc::new(body);

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let (pool, rcpts, body) = (pool.clone(), rcpts.clone(), body.clone());
        tasks.spawn(async move {
            for _ in (worker..TRANSACTIONS).step_by(8) {
                let outcomes = pool.send("l@example.org", &rcpts, &body).await.unwrap();
                assert_eq!(outcomes.len(), RCPTS);
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let elapsed = started.elapsed();
    relay.wait_for(TRANSACTIONS, WAIT).await;
    println!(
        "client throughput: {TRANSACTIONS} transactions x {RCPTS} rcpts in {elapsed:.2?} = {:.0} recipients/s over {} connections",
        (TRANSACTIONS * RCPTS) as f64 / elapsed.as_secs_f64(),
        relay.connections()
    );
}
