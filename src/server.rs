//! `wgmail serve`: wires the subsystems together — the store, the SMTP and LMTP listeners, the
//! queue runner, the outbound runner, the web listener and the config watcher — and shuts them down in order.
//! [`start`] returns once every listener is bound, so tests run the whole daemon on
//! `127.0.0.1:0` and learn the ports from [`Running`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::address;
use crate::clock::Clock;
use crate::config::ConfigHandle;
use crate::pipeline::runner;
use crate::smtp::{self, Envelope, Protocol, RcptCheck, SmtpSettings};
use crate::store::Store;
use crate::tokens::Secret;
use crate::wakers::Wakers;
use crate::web::{self, WebState};

/// The SMTP side's view of the daemon: which recipients exist, and durable storage.
#[derive(Clone)]
pub struct Backend {
    config: ConfigHandle,
    store: Store,
    clock: Clock,
    wakers: Wakers,
}

impl smtp::Backend for Backend {
    fn check_recipient(&self, rcpt: &str) -> RcptCheck {
        let cfg = self.config.current();
        match address::route(rcpt, |n, d| cfg.lists.get(n, d).is_some()) {
            Some(_) => RcptCheck::Accept,
            None => RcptCheck::Unknown,
        }
    }

    fn store(
        &self,
        envelope: Envelope,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<String, smtp::StoreError>> + Send {
        let this = self.clone();
        async move {
            let now = this.clock.now();
            let id = this
                .store
                .enqueue(now, envelope.mail_from, envelope.rcpt_to, envelope.peer.to_string(), data)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, session = envelope.session, "cannot store an accepted message");
                    smtp::StoreError::Temporary(e.to_string())
                })?;
            this.wakers.inbound.notify_one();
            Ok(id.to_string())
        }
    }
}

/// How long shutdown waits for sessions and runners to finish.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// A running daemon.
pub struct Running {
    pub smtp_addr: SocketAddr,
    pub lmtp_addr: Option<SocketAddr>,
    /// Where the web listener bound (`web.listen`; tests use port 0).
    pub web_addr: SocketAddr,
    pub store: Store,
    pub shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl Running {
    /// Stops accepting, lets sessions finish the message in hand, drains the runners and closes
    /// the store.
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.wait().await;
    }

    /// Waits until the daemon has stopped (after its shutdown token is cancelled). Subsystems get
    /// [`SHUTDOWN_GRACE`] to finish the message in hand; whatever is still unfinished then is in the
    /// queue and is picked up at the next start, so giving up loses nothing.
    pub async fn wait(self) {
        self.shutdown.cancelled().await;
        self.tracker.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(grace = ?SHUTDOWN_GRACE, "shutdown grace period over; stopping with work in the queue");
        }
        let store = self.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }
}

/// Loads the STARTTLS certificate and key.
fn tls_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing {}", cert.display()))?;
    let key =
        PrivateKeyDer::from_pem_file(key).with_context(|| format!("reading {}", key.display()))?;
    // The provider is named rather than taken from a process default, so nothing else linked in can
    // change which crypto backend serves STARTTLS.
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("TLS protocol versions")?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .context("building the TLS configuration")?;
    Ok(Arc::new(cfg))
}

/// Opens the store, binds the listeners and starts every subsystem.
pub async fn start(config: ConfigHandle, clock: Clock) -> anyhow::Result<Running> {
    let cfg = config.current();
    let site = cfg.site.clone();
    let store = {
        let dir = site.storage.data_dir.clone();
        tokio::task::spawn_blocking(move || Store::open(&dir))
            .await?
            .with_context(|| format!("opening the store in {}", site.storage.data_dir.display()))?
    };
    let tls = match (&site.smtp.tls_cert, &site.smtp.tls_key) {
        (Some(c), Some(k)) => Some(tls_config(c, k)?),
        _ => None,
    };
    let settings = Arc::new(SmtpSettings {
        hostname: site.smtp.hostname.clone(),
        max_message_size: usize::try_from(site.smtp.max_message_size).unwrap_or(usize::MAX),
        max_recipients: site.smtp.max_recipients,
        idle_timeout: site.smtp.idle_timeout_duration(),
        max_connections: site.smtp.max_connections,
        tls,
    });
    let smtp_listener = TcpListener::bind(site.smtp.listen)
        .await
        .with_context(|| format!("binding smtp.listen {}", site.smtp.listen))?;
    let smtp_addr = smtp_listener.local_addr()?;
    let lmtp_listener = match site.smtp.lmtp_listen {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding smtp.lmtp_listen {addr}"))?,
        ),
        None => None,
    };
    let lmtp_addr = match &lmtp_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    // Loaded before anything serves, so the first post already carries a link that verifies. The
    // store has created the data directory by now.
    let secret = Arc::new(Secret::load_site(&site.storage.data_dir).await?);
    let web_listener = TcpListener::bind(site.web.listen)
        .await
        .with_context(|| format!("binding web.listen {}", site.web.listen))?;
    let web_addr = web_listener.local_addr()?;

    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let wakers = Wakers::default();
    let backend = Backend {
        config: config.clone(),
        store: store.clone(),
        clock: clock.clone(),
        wakers: wakers.clone(),
    };
    tracker.spawn(smtp::serve(
        smtp_listener,
        Protocol::Smtp,
        settings.clone(),
        backend.clone(),
        shutdown.clone(),
        tracker.clone(),
    ));
    if let Some(l) = lmtp_listener {
        tracker.spawn(smtp::serve(
            l,
            Protocol::Lmtp,
            settings,
            backend,
            shutdown.clone(),
            tracker.clone(),
        ));
    }
    tracker.spawn(web::serve(
        web_listener,
        WebState {
            store: store.clone(),
            config: config.clone(),
            secret: Arc::clone(&secret),
        },
        shutdown.clone(),
    ));
    tracker.spawn(runner::run(
        store.clone(),
        config.clone(),
        clock.clone(),
        wakers.clone(),
        shutdown.clone(),
    ));
    tracker.spawn(crate::outbound::runner::run(
        store.clone(),
        config.clone(),
        clock.clone(),
        wakers.clone(),
        secret,
        shutdown.clone(),
    ));
    tracker.spawn(crate::housekeeping::run(
        store.clone(),
        config.clone(),
        clock.clone(),
        wakers.clone(),
        shutdown.clone(),
    ));
    tracker.spawn(crate::config::reload::watch(
        config.clone(),
        shutdown.clone(),
    ));
    tracing::info!(smtp = %smtp_addr, lmtp = ?lmtp_addr, web = %web_addr, lists = cfg.lists.len(), data_dir = %site.storage.data_dir.display(), "wgmail serving");
    Ok(Running {
        smtp_addr,
        lmtp_addr,
        web_addr,
        store,
        shutdown,
        tracker,
    })
}

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn serve(config: ConfigHandle) -> anyhow::Result<()> {
    let running = start(config, Clock::System).await?;
    let shutdown = running.shutdown.clone();
    tokio::spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutting down");
        shutdown.cancel();
    });
    running.wait().await;
    tracing::info!("stopped");
    Ok(())
}
