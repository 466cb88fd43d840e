//! The accept loop: one task per session, at most `max_connections` at once, stopped by the
//! cancellation token. Sessions run in the caller's [`TaskTracker`], so the daemon waits for them
//! (each finishes the message in hand, then says 421) within its grace period.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use super::session::handle;
use super::{Backend, Protocol, SmtpSettings};
use crate::reply;

/// Pause after a failed accept (EMFILE and the like), so a full descriptor table does not turn the
/// loop into a busy spin. This is back-off, not synchronisation.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `listener` until `shutdown` is cancelled, then returns; sessions already running go on in
/// `tracker` until they finish.
pub async fn serve<B: Backend>(
    listener: TcpListener,
    protocol: Protocol,
    settings: Arc<SmtpSettings>,
    backend: B,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    let local = listener.local_addr().ok();
    info!(?local, ?protocol, "listening");
    loop {
        let accepted = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (mut stream, peer) = match accepted {
            Ok(connection) => connection,
            Err(error) => {
                warn!(%error, "accept failed");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Over the cap: answer and close right here, with no task and no queue of waiters. A
            // fresh socket's send buffer is empty, so the non-blocking write takes the whole line.
            let _ = stream.try_write(reply::TOO_MANY_CONNECTIONS.as_bytes());
            warn!(%peer, "connection cap reached, refused");
            continue;
        };
        // Replies are batched by the session, so Nagle would only add latency.
        let _ = stream.set_nodelay(true);
        let settings = settings.clone();
        let backend = backend.clone();
        let shutdown = shutdown.clone();
        tracker.spawn(async move {
            handle(&mut stream, peer, protocol, settings, backend, shutdown).await;
            // Free the slot before the socket closes, so a client that has seen the close can
            // connect again at once.
            drop(slot);
            drop(stream);
        });
    }
    info!(?local, "stopped accepting");
}
