//! Running the whole daemon inside a test: a temp dir with a site file and list files, the daemon
//! on 127.0.0.1:0, and a capturing relay as its outbound SMTP server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use wgmail::clock::Clock;
use wgmail::config::{Config, ConfigHandle};
use wgmail::server::{self, Running};
use wgmail::store::Store;

use super::relay::Relay;

pub struct TestDaemon {
    pub dir: tempfile::TempDir,
    pub relay: Relay,
    pub running: Option<Running>,
    pub config: ConfigHandle,
    pub clock: Clock,
}

/// Writes `dir/wgmail.toml` for a daemon on 127.0.0.1:0 (SMTP and web, so tests can run in
/// parallel) delivering to `relay` (or to a maildir when `relay` is None) and returns its path. `extra` holds more `[smtp]` keys and may open
/// further sections after them.
pub fn write_site(dir: &Path, relay: Option<std::net::SocketAddr>, extra: &str) -> PathBuf {
    write_site_full(dir, relay, extra, "")
}

/// [`write_site`] with more `[outbound]` keys too.
pub fn write_site_full(
    dir: &Path,
    relay: Option<std::net::SocketAddr>,
    extra: &str,
    outbound_extra: &str,
) -> PathBuf {
    let outbound = match relay {
        Some(addr) => format!("mode = \"smtp\"\nrelay = \"{addr}\""),
        None => "mode = \"maildir\"".to_owned(),
    };
    let site = format!(
        "[storage]\ndata_dir = \"{data}\"\n\n[lists]\ndir = \"{lists}\"\n\n[outbound]\n{outbound}\n{outbound_extra}\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n[smtp]\nlisten = \"127.0.0.1:0\"\nhostname = \"lists.test\"\n{extra}\n",
        data = dir.join("data").display(),
        lists = dir.join("lists").display(),
    );
    std::fs::create_dir_all(dir.join("lists")).expect("lists dir");
    let path = dir.join("wgmail.toml");
    std::fs::write(&path, site).expect("site file");
    path
}

/// Writes a list file `lists/<name>.toml`.
pub fn write_list(dir: &Path, name: &str, domain: &str, extra: &str) {
    let text = format!(
        "name = \"{name}\"\ndomain = \"{domain}\"\ndescription = \"The {name} working group\"\nowners = [\"owner@{domain}\"]\n{extra}\n"
    );
    std::fs::write(dir.join("lists").join(format!("{name}.toml")), text).expect("list file");
}

impl TestDaemon {
    /// A daemon with one list `quic@ietf.test` whose members are `members`.
    pub async fn start(members: &[&str]) -> TestDaemon {
        Self::start_with(members, "", "").await
    }

    pub async fn start_with(members: &[&str], site_extra: &str, list_extra: &str) -> TestDaemon {
        Self::start_full(members, site_extra, "", list_extra).await
    }

    pub async fn start_full(
        members: &[&str],
        site_extra: &str,
        outbound_extra: &str,
        list_extra: &str,
    ) -> TestDaemon {
        init_logs();
        let dir = tempfile::tempdir().expect("tempdir");
        let relay = Relay::start().await;
        let site = write_site_full(dir.path(), Some(relay.addr), site_extra, outbound_extra);
        write_list(dir.path(), "quic", "ietf.test", list_extra);
        let (config, problems) = Config::load(Some(&site)).expect("config loads");
        assert!(problems.is_empty(), "{problems:?}");
        let config = ConfigHandle::new(config);
        let clock = Clock::manual(1_795_880_295);
        let running = server::start(config.clone(), clock.clone())
            .await
            .expect("daemon starts");
        let store = running.store.clone();
        let members: Vec<(String, String)> = members
            .iter()
            .map(|m| (m.to_string(), String::new()))
            .collect();
        tokio::task::spawn_blocking(move || store.add_members("quic@ietf.test", members, 0))
            .await
            .expect("join")
            .expect("members added");
        TestDaemon {
            dir,
            relay,
            running: Some(running),
            config,
            clock,
        }
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("running")
    }

    pub fn store(&self) -> Store {
        self.running().store.clone()
    }

    pub fn smtp_port(&self) -> u16 {
        self.running().smtp_addr.port()
    }

    /// A lettre SMTP client pointed at the daemon.
    pub fn client(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(self.smtp_port())
            .timeout(Some(Duration::from_secs(20)))
            .build()
    }

    /// Sends a message with lettre and panics unless the daemon answers 250.
    pub async fn send(&self, msg: Message) {
        self.client()
            .send(msg)
            .await
            .expect("daemon accepts the message");
    }

    /// Sends raw message text with the given envelope (`None` = the null sender `<>`).
    pub async fn send_raw(&self, from: Option<&str>, to: &str, raw: &str) {
        let envelope = lettre::address::Envelope::new(
            from.map(|f| f.parse().expect("from")),
            vec![to.parse().expect("to")],
        )
        .expect("envelope");
        self.client()
            .send_raw(&envelope, raw.replace('\n', "\r\n").as_bytes())
            .await
            .expect("daemon accepts the message");
    }

    /// Waits until the inbound queue is empty (every accepted message processed), polling the
    /// store: the daemon runs in this process but its runner has no completion signal to await.
    pub async fn wait_queue_drained(&self) {
        let store = self.store();
        until_committed(
            &store,
            "the inbound queue drains",
            Duration::from_secs(20),
            |s| {
                let status = s.queue_status().expect("status");
                (status.inbound_pending == 0).then_some(())
            },
        )
        .await
    }

    /// Stops the daemon and starts it again on the same data directory and config, with the clock
    /// where it was (a new manual clock at the same instant, as a restarted process would read).
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        self.clock = Clock::manual(self.clock.now());
        self.running = Some(
            server::start(self.config.clone(), self.clock.clone())
                .await
                .expect("daemon restarts"),
        );
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// A plain post from `from` to the quic list.
pub fn post(from: &str, subject: &str, message_id: &str, in_reply_to: Option<&str>) -> Message {
    let mut b = Message::builder()
        .from(from.parse().expect("from"))
        .to("quic@ietf.test".parse().expect("to"))
        .subject(subject)
        .message_id(Some(format!("<{message_id}>")));
    if let Some(parent) = in_reply_to {
        b = b
            .in_reply_to(format!("<{parent}>"))
            .references(format!("<{parent}>"));
    }
    b.body(format!("Body of {message_id}\n")).expect("message")
}

/// The value of the first header `name` in a raw message (unfolded, trimmed).
pub fn header(raw: &[u8], name: &str) -> Option<String> {
    wgmail::message::header_text(raw, name)
}

/// How many times header `name` occurs.
pub fn header_count(raw: &[u8], name: &str) -> usize {
    let (fields, _) = wgmail::message::header_fields(raw);
    fields
        .iter()
        .filter(|f| {
            String::from_utf8_lossy(&raw[f.name.0..f.name.1])
                .trim()
                .eq_ignore_ascii_case(name)
        })
        .count()
}

/// Sends the daemon's logs to the test's captured output (shown when a test fails); `RUST_LOG`
/// picks the level.
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_test_writer()
        .try_init();
}

/// Runs the real `wgmail` binary with `--config site` and returns (success, stdout, stderr).
pub fn run_cli(site: &Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wgmail"))
        .arg("--config")
        .arg(site)
        .args(args)
        .output()
        .expect("run wgmail");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Waits until `check` gives a value, checking again after each commit of the store's writer
/// (an event, not a timer). Panics after `timeout` with `what`.
pub async fn until_committed<T>(
    store: &Store,
    what: &str,
    timeout: Duration,
    mut check: impl FnMut(&Store) -> Option<T>,
) -> T {
    let mut commits = store.commits();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        // Marked seen before the check, so a commit during it wakes the wait below at once.
        commits.borrow_and_update();
        if let Some(v) = check(store) {
            return v;
        }
        match tokio::time::timeout_at(deadline, commits.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => panic!("the store closed while waiting until {what}"),
            Err(_) => panic!("never happened: {what}"),
        }
    }
}
