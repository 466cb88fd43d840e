//! The queue runner: takes accepted messages from the inbound queue, routes each recipient, runs
//! the pipeline and hands the results to the store, a batch at a time so one commit (one fsync)
//! covers many messages. Items left unfinished by a crash are simply still in the queue at start.
//! An item that cannot be processed is parked with the reason, never retried in a tight loop and
//! never dropped.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::address::{self, Route};
use crate::clock::Clock;
use crate::config::site::DkimSection;
use crate::config::{Config, ConfigHandle};
use crate::dkim::Verifier;
use crate::message::{self, DkimSignature};
use crate::store::{Action, Member, QueueItem, Store, StoreError};
use crate::wakers::Wakers;

/// Messages taken from the queue per round.
const BATCH: usize = 32;

pub async fn run(
    store: Store,
    config: ConfigHandle,
    clock: Clock,
    wakers: Wakers,
    shutdown: CancellationToken,
) {
    let mut dkim: Option<(DkimSection, Arc<Verifier>)> = None;
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
        // Built again only when `[dkim]` changed, so the resolver's cache lives across batches.
        let verifier = match &dkim {
            Some((section, v)) if *section == cfg.site.dkim => v.clone(),
            _ => {
                let v = Arc::new(Verifier::new(&cfg.site.dkim));
                dkim = Some((cfg.site.dkim.clone(), v.clone()));
                v
            }
        };
        let handle = tokio::runtime::Handle::current();
        let processed = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || {
                let mut members = HashMap::new();
                // On the blocking pool, so waiting here holds no runtime thread; bounded by
                // `[dkim] timeout`.
                let check = |raw: &[u8]| handle.block_on(verifier.check(raw));
                items
                    .into_iter()
                    .map(|item| {
                        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            process_item(&cfg, &store, &mut members, &item, now, &check)
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
/// An I-D announcement's DKIM signatures are checked first with `dkim`, so the workflow reads
/// whether it is genuine as a fact of the parse.
pub fn process_item(
    cfg: &Config,
    store: &Store,
    members: &mut HashMap<String, Vec<Member>>,
    item: &QueueItem,
    now: i64,
    dkim: &dyn Fn(&[u8]) -> Vec<DkimSignature>,
) -> Result<Vec<Action>, String> {
    let mut parsed = message::parse(&item.raw);
    if crate::workflow::revisions::announced(&parsed.subject).is_some() {
        let signatures = dkim(&item.raw);
        tracing::info!(queue_id = item.id, subject = %parsed.subject, from = %parsed.from_addr,
            dkim = ?signatures, "announcement: DKIM checked");
        parsed.dkim = Some(signatures);
    }
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

impl super::membership::Lookup for Store {
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
