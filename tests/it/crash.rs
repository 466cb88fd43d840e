//! Crash safety: the daemon runs as a child process and is killed with SIGKILL while clients send.
//! After a restart, every message that got `250` is archived once and delivered exactly once to
//! every member, and nothing is delivered twice.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::support::daemon::{post, write_list, write_site};

/// Starts `wgmail serve` and returns it with the SMTP port it logged.
fn spawn_daemon(config: &Path) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wgmail"))
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wgmail");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("daemon exited before serving")
            .expect("read stderr");
        if let Some(rest) = line.split("smtp=127.0.0.1:").nth(1) {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            break digits.parse::<u16>().expect("port");
        }
    };
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, port)
}

fn maildir_copies(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir.join("new")) else {
        return out;
    };
    for e in entries.flatten() {
        let raw = std::fs::read(e.path()).expect("read copy");
        let to = wgmail::message::header_text(&raw, "Delivered-To").unwrap_or_default();
        let id = wgmail::message::header_text(&raw, "Message-ID").unwrap_or_default();
        out.push((id, to));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_sending_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = write_site(dir.path(), None, "");
    write_list(dir.path(), "quic", "ietf.test", "");
    let members = ["a@m.test", "b@m.test", "c@m.test"];
    let out = Command::new(env!("CARGO_BIN_EXE_wgmail"))
        .args([
            "--config",
            site.to_str().expect("utf8"),
            "member",
            "add",
            "quic",
        ])
        .args(members)
        .output()
        .expect("member add");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (mut child, port) = spawn_daemon(&site);
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    // Counts acknowledgements, so the test wakes on each one instead of polling.
    let count = Arc::new(tokio::sync::watch::Sender::new(0usize));
    let mut clients = Vec::new();
    for c in 0..4 {
        let acked = acked.clone();
        let count = count.clone();
        clients.push(tokio::spawn(async move {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
                .port(port)
                .timeout(Some(Duration::from_secs(10)))
                .build();
            for i in 0..200 {
                let id = format!("c{c}m{i}@crash.test");
                match transport
                    .send(post("a@m.test", &format!("msg {c}/{i}"), &id, None))
                    .await
                {
                    Ok(_) => {
                        acked.lock().unwrap().push(id);
                        count.send_modify(|n| *n += 1);
                    }
                    Err(_) => return,
                }
            }
        }));
    }
    // Kill once a fair number of messages have been acknowledged, while clients are mid-stream.
    let mut acks = count.subscribe();
    tokio::time::timeout(Duration::from_secs(60), acks.wait_for(|n| *n >= 60))
        .await
        .expect("daemon too slow to accept")
        .expect("the clients hold the sender");
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    for c in clients {
        let _ = c.await;
    }
    let acked: Vec<String> = acked.lock().unwrap().clone();
    assert!(acked.len() >= 60);

    // Restart and wait until the queue is drained.
    let (mut child, _) = spawn_daemon(&site);
    let data = dir.path().join("data");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = Command::new(env!("CARGO_BIN_EXE_wgmail"))
            .args([
                "--config",
                site.to_str().expect("utf8"),
                "queue",
                "status",
                "--json",
            ])
            .output()
            .expect("queue status");
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        if status["inbound_pending"] == 0 && status["outbound_pending"] == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "queue never drained: {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().expect("kill");
    child.wait().expect("reap");

    let copies = maildir_copies(&data.join("outbox"));
    let mut per: HashMap<(String, String), usize> = HashMap::new();
    for c in &copies {
        *per.entry(c.clone()).or_default() += 1;
    }
    let dups: Vec<_> = per.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dups.is_empty(), "duplicated deliveries: {dups:?}");
    let delivered_ids: HashSet<String> = copies.iter().map(|(id, _)| id.clone()).collect();
    for id in &acked {
        let bracketed = format!("<{id}>");
        assert!(
            delivered_ids.contains(&bracketed),
            "acknowledged {id} was never delivered"
        );
        for m in members {
            assert_eq!(
                per.get(&(bracketed.clone(), m.to_string())),
                Some(&1),
                "{id} to {m}"
            );
        }
    }
    let store = wgmail::store::Store::open(&data).expect("store");
    let archived = store.message_count("quic@ietf.test").expect("count");
    assert!(
        archived as usize >= acked.len(),
        "archived {archived} < acknowledged {}",
        acked.len()
    );
    let mut in_archive = 0;
    for id in &acked {
        if store
            .message_by_id("quic@ietf.test", id)
            .expect("lookup")
            .is_some()
        {
            in_archive += 1;
        }
    }
    assert_eq!(
        in_archive,
        acked.len(),
        "every acknowledged message is archived"
    );
    println!(
        "crash test: {} acknowledged before SIGKILL, {} copies delivered after restart",
        acked.len(),
        copies.len()
    );
}
