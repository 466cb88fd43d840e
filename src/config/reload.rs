//! Live reload: [`ConfigHandle`] holds the configuration in force and publishes each new version on a
//! `watch` channel; [`watch()`] reloads on SIGHUP and when the site file or a list file changes.
//!
//! Reloading never makes things worse: a site file that does not load keeps the running site, a list
//! file that does not load keeps its previous version, and keys that only take effect at startup
//! (listen addresses, the data directory, …) keep their running values with a warning.
//!
//! Changes are found by polling file metadata every [`POLL_INTERVAL`] rather than with inotify (the
//! `notify` crate): a handful of small files costs nothing to stat, polling works the same on every
//! filesystem (NFS, bind mounts, Kubernetes ConfigMaps swapped by symlink, editors that write a new file
//! and rename it), and it needs no extra dependency or event debouncing. Two seconds of delay is fine
//! for files people edit by hand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior, interval_at};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::list::list_files;
use super::{Config, Problem, Site, load_lists, load_site};

/// How often [`watch()`] looks at file metadata.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// The configuration in force, shared. Cloning is cheap; all clones see the same configuration.
#[derive(Clone)]
pub struct ConfigHandle {
    inner: Arc<Inner>,
}

struct Inner {
    tx: watch::Sender<Arc<Config>>,
    /// Metadata of the files as they were when the configuration in force was read. The mutex also
    /// serialises reloads, so two reloads never interleave their reads and publications.
    stamp: Mutex<Stamp>,
}

impl ConfigHandle {
    pub fn new(config: Config) -> Self {
        let stamp = Stamp::take(config.site_path.as_deref(), &config.site.lists.dir);
        ConfigHandle {
            inner: Arc::new(Inner {
                tx: watch::Sender::new(Arc::new(config)),
                stamp: Mutex::new(stamp),
            }),
        }
    }

    /// The configuration in force now.
    pub fn current(&self) -> Arc<Config> {
        self.inner.tx.borrow().clone()
    }

    /// A receiver that wakes whenever a reload changes the configuration.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Config>> {
        self.inner.tx.subscribe()
    }

    /// Re-reads the site file and the list directory and publishes the result if it differs. Each
    /// problem is logged here (fields `file`, `key`, `reason`) and also returned, e.g. for mailing
    /// list owners. Blocking: call it from `spawn_blocking` in async code.
    pub fn reload(&self) -> Vec<Problem> {
        let mut stamp = self
            .inner
            .stamp
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let old = self.current();
        let site_path = old.site_path.as_deref();
        let site_stamp = file_stamp(site_path);

        let mut problems = Vec::new();
        let site = match load_site(site_path) {
            Ok(mut loaded) => {
                for key in keep_running_values(&old.site, &mut loaded) {
                    warn!(
                        key,
                        "changed in the site configuration but takes effect only after a restart"
                    );
                }
                if loaded == *old.site {
                    old.site.clone()
                } else {
                    Arc::new(loaded)
                }
            }
            Err(e) => {
                problems.extend(e.into_problems());
                old.site.clone()
            }
        };
        let lists_stamp = dir_stamp(&site.lists.dir);
        let (lists, list_problems) = load_lists(&site.lists.dir, Some(&old.lists));
        problems.extend(list_problems);
        *stamp = Stamp {
            site: site_stamp,
            lists_dir: site.lists.dir.clone(),
            lists: lists_stamp,
        };

        for p in &problems {
            warn!(
                file = %p.file.display(),
                key = %p.key,
                reason = %p.reason,
                "configuration refused; the file's previous version, if any, stays in force"
            );
        }
        let lists = if lists == *old.lists {
            old.lists.clone()
        } else {
            Arc::new(lists)
        };
        let new = Config {
            site,
            lists,
            site_path: old.site_path.clone(),
        };
        let changed = self.inner.tx.send_if_modified(|current| {
            if **current == new {
                return false;
            }
            *current = Arc::new(new);
            true
        });
        if changed {
            info!(lists = self.current().lists.len(), "configuration reloaded");
        }
        problems
    }

    /// True when the site file or a list file was added, removed or modified since the
    /// configuration in force was read. Blocking.
    pub fn files_changed(&self) -> bool {
        let stamp = self
            .inner
            .stamp
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let current = self.current();
        Stamp::take(current.site_path.as_deref(), &current.site.lists.dir) != *stamp
    }
}

/// Keeps the running value of every key that is only read at startup, returning the keys whose
/// value had changed. Publishing the new value would make the configuration in force lie about
/// what the daemon is doing.
fn keep_running_values(running: &Site, loaded: &mut Site) -> Vec<&'static str> {
    let mut changed = Vec::new();
    macro_rules! restart_only {
        ($($key:literal => $($field:ident).+;)*) => {$(
            if loaded.$($field).+ != running.$($field).+ {
                changed.push($key);
                loaded.$($field).+ = running.$($field).+.clone();
            }
        )*};
    }
    restart_only! {
        "smtp.listen" => smtp.listen;
        "smtp.lmtp_listen" => smtp.lmtp_listen;
        "smtp.tls_cert" => smtp.tls_cert;
        "smtp.tls_key" => smtp.tls_key;
        "smtp.max_connections" => smtp.max_connections;
        "web.listen" => web.listen;
        "storage.data_dir" => storage.data_dir;
        "outbound.mode" => outbound.mode;
        "outbound.maildir" => outbound.maildir;
        "outbound.concurrency" => outbound.concurrency;
    }
    changed
}

/// Size and modification time of a file; `None` when it does not exist.
type FileStamp = Option<(Option<SystemTime>, u64)>;

fn file_stamp(path: Option<&Path>) -> FileStamp {
    let meta = std::fs::metadata(path?).ok()?;
    Some((meta.modified().ok(), meta.len()))
}

/// The list files of a directory with their stamps; `None` when the directory cannot be read.
fn dir_stamp(dir: &Path) -> Option<BTreeMap<PathBuf, FileStamp>> {
    let files = list_files(dir).ok()?;
    Some(
        files
            .into_iter()
            .map(|f| {
                let s = file_stamp(Some(&f));
                (f, s)
            })
            .collect(),
    )
}

/// What the configuration files looked like at one moment.
#[derive(Debug, PartialEq, Eq)]
struct Stamp {
    site: FileStamp,
    lists_dir: PathBuf,
    lists: Option<BTreeMap<PathBuf, FileStamp>>,
}

impl Stamp {
    fn take(site_path: Option<&Path>, lists_dir: &Path) -> Stamp {
        Stamp {
            site: file_stamp(site_path),
            lists_dir: lists_dir.to_path_buf(),
            lists: dir_stamp(lists_dir),
        }
    }
}

/// Reloads on SIGHUP and whenever the configuration files change, checking every
/// [`POLL_INTERVAL`]; returns when `shutdown` is cancelled.
pub async fn watch(handle: ConfigHandle, shutdown: CancellationToken) {
    watch_every(handle, shutdown, POLL_INTERVAL).await
}

/// [`watch()`] with the polling period given, so tests need not wait two seconds.
pub async fn watch_every(handle: ConfigHandle, shutdown: CancellationToken, period: Duration) {
    let mut hangup = match signal(SignalKind::hangup()) {
        Ok(s) => Some(s),
        Err(e) => {
            warn!(error = %e, "cannot listen for SIGHUP; reloading on file changes only");
            None
        }
    };
    let mut ticks = interval_at(Instant::now() + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let reload = tokio::select! {
            _ = shutdown.cancelled() => return,
            () = next_hangup(&mut hangup) => {
                info!("SIGHUP received; reloading configuration");
                true
            }
            _ = ticks.tick() => {
                let h = handle.clone();
                // A failed check (the blocking task panicked) is treated as "changed": a needless
                // reload is harmless, a missed one is not.
                tokio::task::spawn_blocking(move || h.files_changed()).await.unwrap_or(true)
            }
        };
        if reload {
            let h = handle.clone();
            // Problems were logged by `reload`; nothing more to do with them here.
            if let Err(e) = tokio::task::spawn_blocking(move || h.reload()).await {
                warn!(error = %e, "configuration reload failed");
            }
        }
    }
}

/// Waits for the next SIGHUP, or forever if there is no signal stream.
async fn next_hangup(hangup: &mut Option<Signal>) {
    let received = match hangup {
        Some(s) => s.recv().await.is_some(),
        None => false,
    };
    if !received {
        std::future::pending::<()>().await;
    }
}
