//! The queue runner: takes accepted messages from the inbound queue, routes each recipient, runs
//! the pipeline and hands the results to the store, a batch at a time so one commit (one fsync)
//! covers many messages. Items left unfinished by a crash are simply still in the queue at start.
//! An item that cannot be processed is parked with the reason, never retried in a tight loop and
//! never dropped.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::address::{self, Route};
use crate::clock::Clock;
use crate::config::{Config, ConfigHandle};
use crate::message;
use crate::store::{Action, Member, QueueItem, Store, StoreError};

/// Messages taken from the queue per round.
const BATCH: usize = 32;

/// Wakes the runners when new work is committed.
#[derive(Clone, Default)]
pub struct Wakers {
    pub inbound: Arc<Notify>,
    pub outbound: Arc<Notify>,
}

pub async fn run(
    store: Store,
    config: ConfigHandle,
    clock: Clock,
    wakers: Wakers,
    shutdown: CancellationToken,
) {
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let pending = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || store.queue_pending(0, BATCH)).await
        };
        let mut items = match pending {
            Ok(Ok(items)) => items,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "queue runner: cannot read the queue");
                Vec::new()
            }
            Err(e) => {
                tracing::error!(error = %e, "queue runner: reader task failed");
                Vec::new()
            }
        };
        if items.is_empty() {
            tokio::select! {
                _ = wakers.inbound.notified() => continue,
                _ = shutdown.cancelled() => return,
            }
        }
        // Commands and confirmations read the drafts and calls and decide from what they read: they
        // must see everything before them committed, and their own result before anything after
        // them is processed. So each one is a batch of its own.
        if let Some(i) = items.iter().position(is_command) {
            items.truncate(i.max(1));
        }
        let cfg = config.current();
        let now = clock.now();
        let processed = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || {
                let mut members = HashMap::new();
                items
                    .into_iter()
                    .map(|item| {
                        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            process_item(&cfg, &store, &mut members, &item, now)
                        }));
                        let outcome = match outcome {
                            Ok(r) => r,
                            Err(_) => Err("the pipeline panicked on this message".to_owned()),
                        };
                        (item.id, outcome)
                    })
                    .collect::<Vec<_>>()
            })
            .await
        };
        let processed = match processed {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "queue runner: processing task failed");
                continue;
            }
        };
        let mut commits = Vec::new();
        for (id, outcome) in processed {
            match outcome {
                Ok(actions) => commits.push((id, store.apply_processed_later(id, actions, now))),
                Err(reason) => park(&store, id, reason).await,
            }
        }
        for (id, commit) in commits {
            match commit.await {
                Ok(applied) => {
                    if applied.duplicates > 0 {
                        tracing::info!(
                            queue_id = id,
                            duplicates = applied.duplicates,
                            "already archived or held; not delivered again"
                        );
                    }
                    tracing::debug!(queue_id = id, ?applied, "queue item done");
                }
                Err(StoreError::Closed) => return,
                Err(e) => park(&store, id, e.to_string()).await,
            }
        }
        wakers.outbound.notify_one();
    }
}

/// Mail to a `-chairs@` or `-confirm+…@` address.
fn is_command(item: &QueueItem) -> bool {
    item.rcpt_to.iter().any(|r| {
        let local = r.rsplit_once('@').map_or(r.as_str(), |(l, _)| l);
        let local = local.to_ascii_lowercase();
        local.ends_with("-chairs") || local.contains("-confirm+") || local.ends_with("-confirm")
    })
}

async fn park(store: &Store, id: i64, reason: String) {
    tracing::error!(queue_id = id, reason = %reason, "parking queue item");
    if let Err(e) = store.queue_park(id, reason).await {
        tracing::error!(queue_id = id, error = %e, "cannot park queue item");
    }
}

/// Routes every recipient of one item and runs the pipeline for each distinct list address.
pub fn process_item(
    cfg: &Config,
    store: &Store,
    members: &mut HashMap<String, Vec<Member>>,
    item: &QueueItem,
    now: i64,
) -> Result<Vec<Action>, String> {
    let parsed = message::parse(&item.raw);
    let mut routes: Vec<Route> = Vec::new();
    let mut actions = Vec::new();
    for rcpt in &item.rcpt_to {
        match address::route(rcpt, |n, d| cfg.lists.get(n, d).is_some()) {
            Some(r) if !routes.contains(&r) => routes.push(r),
            Some(_) => {}
            None => {
                // The list went away between acceptance and processing: keep the mail.
                actions.push(Action::Inbox {
                    list: rcpt.to_lowercase(),
                    kind: "unroutable".into(),
                    detail: String::new(),
                    mail_from: item.mail_from.clone(),
                    message_id: parsed.message_id.clone().unwrap_or_else(|| {
                        super::assigned_message_id(item, &cfg.site.smtp.hostname)
                    }),
                    raw: item.raw.clone(),
                });
            }
        }
    }
    for route in routes {
        let Some(list) = cfg.lists.get(&route.list, &route.domain) else {
            continue;
        };
        let key = route.list_address();
        if !members.contains_key(&key) {
            let m = store.members(&key).map_err(|e| e.to_string())?;
            members.insert(key.clone(), m);
        }
        let m = members.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        actions.extend(super::process(
            &cfg.site, &route, &list, item, &parsed, m, store, now,
        )?);
    }
    Ok(actions)
}

impl super::chairs::Lookup for Store {
    fn draft(&self, list: &str, name: &str) -> Result<Option<crate::store::DraftRow>, String> {
        Store::draft(self, list, name).map_err(|e| e.to_string())
    }
    fn events(&self, list: &str, name: &str) -> Result<Vec<crate::store::EventRow>, String> {
        Store::events(self, list, name).map_err(|e| e.to_string())
    }
    fn pending(&self, token: &str) -> Result<Option<(String, String, String)>, String> {
        self.pending_command(token).map_err(|e| e.to_string())
    }
    fn open_calls(&self, list: &str) -> Result<Vec<crate::store::CallRow>, String> {
        Store::open_calls(self, list).map_err(|e| e.to_string())
    }
    fn latest_call(
        &self,
        list: &str,
        draft: &str,
    ) -> Result<Option<crate::store::CallRow>, String> {
        Store::latest_call(self, list, draft).map_err(|e| e.to_string())
    }
    fn call_replies(&self, call_id: i64) -> Result<Vec<crate::store::CallReply>, String> {
        Store::call_replies(self, call_id).map_err(|e| e.to_string())
    }
    fn answerable_calls(&self, list: &str, now: i64) -> Result<Vec<crate::store::CallRow>, String> {
        Store::answerable_calls(self, list, now).map_err(|e| e.to_string())
    }
    fn reply_position(&self, call_id: i64, message_id: &str) -> Result<Option<String>, String> {
        Store::reply_position(self, call_id, message_id).map_err(|e| e.to_string())
    }
    fn last_assigned(&self, list: &str) -> Result<Vec<(String, i64)>, String> {
        Store::last_assigned(self, list).map_err(|e| e.to_string())
    }
    fn proposal_count(&self, list: &str) -> Result<i64, String> {
        Store::proposal_count(self, list).map_err(|e| e.to_string())
    }
    fn drafts(&self, list: &str) -> Result<Vec<crate::store::DraftRow>, String> {
        Store::drafts(self, list).map_err(|e| e.to_string())
    }
    fn open_reviews(&self, list: &str) -> Result<Vec<crate::store::ReviewRow>, String> {
        Store::open_reviews(self, list).map_err(|e| e.to_string())
    }
}

impl super::membership::Lookup for Store {
    fn token(&self, token: &str) -> Result<Option<crate::store::TokenRow>, String> {
        Store::token(self, token).map_err(|e| e.to_string())
    }

    fn hold(
        &self,
        list: &str,
        message_id: &str,
    ) -> Result<Option<(crate::store::HoldRecord, Vec<u8>)>, String> {
        self.hold_by_message_id(list, message_id)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(rcpts: &[&str]) -> QueueItem {
        QueueItem {
            id: 1,
            received_at: 0,
            mail_from: "a@example.org".into(),
            rcpt_to: rcpts.iter().map(|r| r.to_string()).collect(),
            peer: "test".into(),
            raw: Vec::new(),
        }
    }

    #[test]
    fn commands_and_confirmations_run_in_batches_of_their_own() {
        assert!(is_command(&item(&["quic-chairs@ietf.test"])));
        assert!(is_command(&item(&["QUIC-Confirm+abc@ietf.test"])));
        assert!(is_command(&item(&[
            "quic@ietf.test",
            "quic-chairs@ietf.test"
        ])));
        assert!(!is_command(&item(&["quic@ietf.test"])));
        assert!(!is_command(&item(&["quic-request@ietf.test"])));
        assert!(!is_command(&item(&["chairs@ietf.test"])));
    }
}
