//! Housekeeping that runs on time rather than on mail: the weekly bounce reminders and removals.
//! It wakes every hour, and whenever a test moves its clock.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::ConfigHandle;
use crate::store::Store;

use super::runner::Wakers;

pub async fn run(
    store: Store,
    config: ConfigHandle,
    clock: Clock,
    wakers: Wakers,
    shutdown: CancellationToken,
) {
    loop {
        let advanced = clock.advanced();
        let cfg = config.current();
        let now = clock.now();
        for list in cfg.lists.iter() {
            let members = match store.members_async(&list.address()).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::error!(list = %list.address(), error = %e, "housekeeping: cannot read members");
                    continue;
                }
            };
            let actions = super::bounces::weekly(&cfg.site, list, &members, now);
            tracing::debug!(list = %list.address(), now, actions = actions.len(), "housekeeping pass");
            if actions.is_empty() {
                continue;
            }
            match store.apply_now(actions, now).await {
                Ok(_) => wakers.outbound.notify_one(),
                Err(e) => {
                    tracing::error!(list = %list.address(), error = %e, "housekeeping: cannot apply")
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = advanced => {}
            _ = shutdown.cancelled() => return,
        }
    }
}
