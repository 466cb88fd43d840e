//! The outbound runner: picks due rows, delivers each on its own task (at most
//! `outbound.concurrency` at once), and records the outcome. It sleeps until the next retry is due
//! or new work is committed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::backoff;
use super::client::{ClientConfig, ClientError, Pool, RcptOutcome, TlsPolicy};
use crate::clock::Clock;
use crate::config::{ConfigHandle, OutboundMode};
use crate::pipeline::runner::Wakers;
use crate::store::{AttemptResult, OutboundItem, Store};

/// Rows fetched per round.
const FETCH: usize = 512;

pub async fn run(
    store: Store,
    config: ConfigHandle,
    clock: Clock,
    wakers: Wakers,
    shutdown: CancellationToken,
) {
    let site = config.current().site.clone();
    let pool = Arc::new(Pool::new(
        ClientConfig {
            relay: site.outbound.relay.clone(),
            helo_name: site.smtp.hostname.clone(),
            tls: if is_loopback(&site.outbound.relay) {
                TlsPolicy::Never
            } else {
                TlsPolicy::Opportunistic
            },
            connect_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(300),
        },
        site.outbound.concurrency.max(1),
    ));
    let slots = Arc::new(Semaphore::new(site.outbound.concurrency.max(1) * 2));
    let busy: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let bodies: Arc<Mutex<HashMap<i64, Arc<Vec<u8>>>>> = Arc::default();
    let tasks = TaskTracker::new();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<()>();
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        // Subscribed before `now` is read, so a test clock moved at any later point wakes the sleep below.
        let advanced = clock.advanced();
        let now = clock.now();
        let busy_ids: Vec<i64> = busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        let due = store
            .outbound_due(now, FETCH, busy_ids)
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "outbound: cannot read the queue");
                Vec::new()
            });
        let fetched = due.len();
        for item in due {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break;
            };
            busy.lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(item.id);
            let (store, pool, busy, bodies, clock, done) = (
                store.clone(),
                pool.clone(),
                busy.clone(),
                bodies.clone(),
                clock.clone(),
                done_tx.clone(),
            );
            let site = site.clone();
            tasks.spawn(async move {
                let id = item.id;
                deliver_one(&store, &pool, &bodies, &site, &clock, item).await;
                busy.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                drop(permit);
                let _ = done.send(());
            });
        }
        if fetched == FETCH {
            continue;
        }
        // Sleep until new work is committed, a delivery finishes, or the next retry is due.
        let next = store.outbound_next_due().await.ok().flatten();
        let in_flight = !busy.lock().unwrap_or_else(|p| p.into_inner()).is_empty();
        let wait = match next {
            Some(t) if !in_flight || t > now => Duration::from_secs((t - now).clamp(1, 60) as u64),
            _ => Duration::from_secs(60),
        };
        tokio::select! {
            _ = wakers.outbound.notified() => {}
            Some(()) = done_rx.recv(), if in_flight => { while done_rx.try_recv().is_ok() {} }
            _ = tokio::time::sleep(wait) => {}
            _ = advanced => {}
            _ = shutdown.cancelled() => break,
        }
    }
    tasks.close();
    tasks.wait().await;
    pool.close().await;
}

fn is_loopback(relay: &str) -> bool {
    let host = relay
        .rsplit_once(':')
        .map_or(relay, |(h, _)| h)
        .trim_matches(|c| c == '[' || c == ']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn body_for(
    store: &Store,
    cache: &Mutex<HashMap<i64, Arc<Vec<u8>>>>,
    body_id: i64,
) -> Option<Arc<Vec<u8>>> {
    if let Some(b) = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&body_id)
    {
        return Some(b.clone());
    }
    match store.outbound_body(body_id).await {
        Ok(b) => {
            let b = Arc::new(b);
            let mut c = cache.lock().unwrap_or_else(|p| p.into_inner());
            if c.len() > 256 {
                c.clear();
            }
            c.insert(body_id, b.clone());
            Some(b)
        }
        Err(e) => {
            tracing::error!(body_id, error = %e, "outbound: cannot read a body");
            None
        }
    }
}

async fn deliver_one(
    store: &Store,
    pool: &Pool,
    bodies: &Mutex<HashMap<i64, Arc<Vec<u8>>>>,
    site: &crate::config::Site,
    clock: &Clock,
    item: OutboundItem,
) {
    let Some(body) = body_for(store, bodies, item.body_id).await else {
        return;
    };
    let mut result = AttemptResult::default();
    let all_temp = |reply: String, result: &mut AttemptResult| {
        result.retry = item.rcpts.clone();
        result.error = Some(reply);
    };
    match site.outbound.mode {
        OutboundMode::Maildir => {
            let dir = site.maildir_path();
            let (id, created, from, rcpts) = (
                item.id,
                item.created_at,
                item.mail_from.clone(),
                item.rcpts.clone(),
            );
            let r = tokio::task::spawn_blocking(move || {
                super::maildir::deliver(&dir, id, created, &from, &rcpts, &body)
            })
            .await;
            match r {
                Ok(Ok(())) => result.delivered = item.rcpts.len(),
                Ok(Err(e)) => all_temp(format!("maildir: {e}"), &mut result),
                Err(e) => all_temp(format!("maildir task: {e}"), &mut result),
            }
        }
        OutboundMode::Smtp => match pool.send(&item.mail_from, &item.rcpts, &body).await {
            Ok(outcomes) => {
                for (rcpt, outcome) in item.rcpts.iter().zip(outcomes) {
                    match outcome {
                        RcptOutcome::Delivered => result.delivered += 1,
                        RcptOutcome::Temporary(reply) => {
                            result.retry.push(rcpt.clone());
                            result.error = Some(reply);
                        }
                        RcptOutcome::Permanent(reply) => result.failed.push((rcpt.clone(), reply)),
                    }
                }
            }
            Err(ClientError::Permanent(reply)) => {
                result.failed = item
                    .rcpts
                    .iter()
                    .map(|r| (r.clone(), reply.clone()))
                    .collect();
            }
            Err(e) => all_temp(e.to_string(), &mut result),
        },
    }
    let now = clock.now();
    if !result.retry.is_empty() {
        let error = result.error.clone().unwrap_or_default();
        if now - item.created_at >= site.outbound.retry_for as i64 {
            let reply = format!("gave up after {} attempts: {error}", item.attempts + 1);
            result
                .failed
                .extend(result.retry.drain(..).map(|r| (r, reply.clone())));
        } else {
            result.next_attempt = now + backoff(item.attempts);
            tracing::warn!(list = %item.list, outbound_id = item.id, retry = result.retry.len(), error = %error, "delivery deferred");
        }
    }
    for (rcpt, reply) in &result.failed {
        tracing::warn!(list = %item.list, rcpt = %rcpt, reply = %reply, "delivery failed permanently");
    }
    if let Err(e) = store.outbound_record(item, result, now).await {
        tracing::error!(error = %e, "outbound: cannot record a delivery outcome");
    }
}
