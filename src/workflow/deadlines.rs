//! What the workflow does on time rather than on mail: two days before a call ends its list is
//! reminded once, and a call past its deadline closes by itself (after a restart too). The
//! housekeeping pass calls [`run`] each time it wakes.

use crate::clock::Timestamp;
use crate::config::Config;
use crate::store::{Store, StoreError};

use super::{Deliver, calls};

/// Sends the reminders that are due and closes the calls past their deadline. Returns how many
/// actions were committed, so the caller knows whether to wake the outbound runner.
/// `deliver` posts the reminders and results to their lists (the pipeline's handlers).
pub async fn run(store: &Store, cfg: &Config, deliver: Deliver, now: Timestamp) -> usize {
    remind(store, cfg, deliver, now).await + close_due(store, cfg, deliver, now).await
}

async fn remind(store: &Store, cfg: &Config, deliver: Deliver, now: Timestamp) -> usize {
    let to_remind = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.calls_to_remind(now, calls::REMIND_BEFORE)).await
    };
    let Ok(Ok(due)) = to_remind else {
        tracing::error!("housekeeping: cannot read the calls to remind");
        return 0;
    };
    let mut done = 0;
    for call in due {
        let Some(list) = cfg.lists.by_address(&call.list) else {
            continue;
        };
        let Ok(members) = store.members_async(&call.list).await else {
            continue;
        };
        let action = calls::remind(&cfg.site, &list, &members, deliver, &call, now);
        match store.apply_now(vec![action], now).await {
            Ok(_) => done += 1,
            Err(e) => tracing::error!(error = %e, "housekeeping: cannot send a call reminder"),
        }
    }
    done
}

async fn close_due(store: &Store, cfg: &Config, deliver: Deliver, now: Timestamp) -> usize {
    let due = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.due_calls(now)).await
    };
    let Ok(Ok(due)) = due else {
        tracing::error!("housekeeping: cannot read the calls past their deadline");
        return 0;
    };
    let mut done = 0;
    for call in due {
        let Some(list) = cfg.lists.by_address(&call.list) else {
            continue;
        };
        let (s, c) = (store.clone(), call.clone());
        let read = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            Ok((
                s.members(&c.list)?,
                s.call_replies(c.id)?,
                s.draft(&c.list, &c.draft)?.map(|d| d.state),
            ))
        })
        .await;
        let Ok(Ok((members, replies, state))) = read else {
            continue;
        };
        let action = calls::close(
            &cfg.site, &list, &members, deliver, &call, &replies, state, "deadline", None, now,
        );
        tracing::info!(list = %call.list, draft = %call.draft, kind = %call.kind, "call closed at its deadline");
        match store.apply_now(vec![action], now).await {
            Ok(_) => done += 1,
            Err(e) => tracing::error!(error = %e, "housekeeping: cannot close a call"),
        }
    }
    done
}
