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
use crate::store::{AttemptResult, OutboundItem, Store, StoreError};
use crate::tokens::Secret;
use crate::wakers::Wakers;

/// Longest sleep of an idle runner, in seconds.
const IDLE_POLL: i64 = 5;

/// Rows fetched per round.
const FETCH: usize = 512;

pub async fn run(
    store: Store,
    config: ConfigHandle,
    clock: Clock,
    wakers: Wakers,
    // The site secret, which signs each member's one-click unsubscribe link; `serve` loads it
    // once for this runner and the web listener that verifies the links.
    secret: Arc<Secret>,
    shutdown: CancellationToken,
) {
    let mut site = config.current().site.clone();
    let mut pool = Arc::new(make_pool(&site));
    let secret = Some(secret);
    let slots = Arc::new(Semaphore::new(site.outbound.concurrency.max(1) * 2));
    let busy: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let bodies: Arc<Mutex<HashMap<i64, Arc<Vec<u8>>>>> = Arc::default();
    let tasks = TaskTracker::new();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<()>();
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        // Reloaded settings apply to the next attempt; a new relay gets a new pool (connections to
        // the old one finish what they carry and are dropped).
        let current = config.current().site.clone();
        if current.outbound.relay != site.outbound.relay
            || current.smtp.hostname != site.smtp.hostname
        {
            pool = Arc::new(make_pool(&current));
        }
        site = current;
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
            let (site, secret) = (site.clone(), secret.clone());
            tasks.spawn(async move {
                let id = item.id;
                deliver_one(
                    &store,
                    &pool,
                    &bodies,
                    &site,
                    secret.as_deref(),
                    &clock,
                    item,
                )
                .await;
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
        // Rows committed by another process (the CLI approving a held post) wake nobody, so an
        // idle runner still looks every few seconds.
        let wait = match next {
            Some(t) if !in_flight || t > now => {
                Duration::from_secs((t - now).clamp(1, IDLE_POLL) as u64)
            }
            _ => Duration::from_secs(IDLE_POLL as u64),
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

fn make_pool(site: &crate::config::Site) -> Pool {
    let relay = &site.outbound.relay;
    Pool::new(
        ClientConfig {
            relay: relay.clone(),
            helo_name: site.smtp.hostname.clone(),
            // Plain SMTP on loopback; elsewhere STARTTLS whenever the relay offers it.
            tls: if is_loopback(relay) {
                TlsPolicy::Never
            } else {
                TlsPolicy::Opportunistic
            },
            connect_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(300),
        },
        site.outbound.concurrency.max(1),
    )
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
) -> Result<Arc<Vec<u8>>, BodyError> {
    if let Some(b) = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&body_id)
    {
        return Ok(b.clone());
    }
    match store.outbound_body(body_id).await {
        Ok(b) => {
            let b = Arc::new(b);
            let mut c = cache.lock().unwrap_or_else(|p| p.into_inner());
            if c.len() > 256 {
                c.clear();
            }
            c.insert(body_id, b.clone());
            Ok(b)
        }
        Err(StoreError::Sql(rusqlite::Error::QueryReturnedNoRows)) => Err(BodyError::Missing),
        Err(e) => {
            tracing::error!(body_id, error = %e, "outbound: cannot read a body");
            Err(BodyError::Unreadable(e.to_string()))
        }
    }
}

enum BodyError {
    Missing,
    Unreadable(String),
}

/// One recipient's copy of a list post: the RFC 8058 headers with that member's signed link on
/// top of the shared body.
fn personalized(
    base: &[u8],
    site: &crate::config::Site,
    secret: Option<&Secret>,
    list: &str,
    rcpt: &str,
) -> Vec<u8> {
    let eol = crate::message::line_ending(base);
    let leave = match list.split_once('@') {
        Some((name, domain)) => format!("<mailto:{name}-leave@{domain}>"),
        None => String::new(),
    };
    let mut out = Vec::with_capacity(base.len() + 256);
    match secret {
        Some(secret) => {
            let url = secret.unsubscribe_url(&site.web.base_url, list, rcpt);
            out.extend_from_slice(format!("List-Unsubscribe: <{url}>, {leave}{eol}").as_bytes());
            out.extend_from_slice(
                format!("List-Unsubscribe-Post: List-Unsubscribe=One-Click{eol}").as_bytes(),
            );
        }
        None => out.extend_from_slice(format!("List-Unsubscribe: {leave}{eol}").as_bytes()),
    }
    out.extend_from_slice(base);
    out
}

/// One delivery attempt of `body` to `rcpts` with the row's envelope sender.
async fn attempt(
    pool: &Pool,
    site: &crate::config::Site,
    item: &OutboundItem,
    rcpts: &[String],
    body: Arc<Vec<u8>>,
) -> AttemptResult {
    let mut result = AttemptResult::default();
    let all_temp = |reply: String, result: &mut AttemptResult| {
        result.retry = rcpts.to_vec();
        result.error = Some(reply);
    };
    match site.outbound.mode {
        OutboundMode::Maildir => {
            let dir = site.maildir_path();
            let (id, created, from, list) = (
                item.id,
                item.created_at,
                item.mail_from.clone(),
                rcpts.to_vec(),
            );
            let r = tokio::task::spawn_blocking(move || {
                super::maildir::deliver(&dir, id, created, &from, &list, &body)
            })
            .await;
            match r {
                Ok(Ok(())) => result.delivered = rcpts.len(),
                Ok(Err(e)) => all_temp(format!("maildir: {e}"), &mut result),
                Err(e) => all_temp(format!("maildir task: {e}"), &mut result),
            }
        }
        OutboundMode::Smtp => match pool.send(&item.mail_from, rcpts, &body).await {
            Ok(outcomes) => {
                for (rcpt, outcome) in rcpts.iter().zip(outcomes) {
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
                result.failed = rcpts.iter().map(|r| (r.clone(), reply.clone())).collect();
            }
            Err(e) => all_temp(e.to_string(), &mut result),
        },
    }
    result
}

async fn deliver_one(
    store: &Store,
    pool: &Pool,
    bodies: &Mutex<HashMap<i64, Arc<Vec<u8>>>>,
    site: &crate::config::Site,
    secret: Option<&Secret>,
    clock: &Clock,
    item: OutboundItem,
) {
    let body = match body_for(store, bodies, item.body_id).await {
        Ok(body) => body,
        Err(e) => {
            // Without its body the row can never be delivered: fail it visibly. A read error is
            // retried later like a relay's temporary failure. Neither may loop hot.
            let now = clock.now();
            let result = match e {
                BodyError::Missing => {
                    let reply = "message body missing from the outbound queue".to_owned();
                    let failed = item
                        .rcpts
                        .iter()
                        .map(|r| (r.clone(), reply.clone()))
                        .collect();
                    AttemptResult {
                        failed,
                        ..Default::default()
                    }
                }
                BodyError::Unreadable(error) => AttemptResult {
                    retry: item.rcpts.clone(),
                    next_attempt: now + backoff(item.attempts),
                    error: Some(error),
                    ..Default::default()
                },
            };
            if let Err(e) = store.outbound_record(item, result, now).await {
                tracing::error!(error = %e, "outbound: cannot record a delivery outcome");
            }
            return;
        }
    };
    let mut result = if item.personalize {
        // One transaction per recipient, each copy with that member's own one-click link; the
        // generic mailto-only header the archive keeps is replaced.
        let base = crate::message::rewrite(
            &body,
            &crate::message::HeaderEdit {
                remove: vec!["List-Unsubscribe".into(), "List-Unsubscribe-Post".into()],
                ..Default::default()
            },
        );
        let mut total = AttemptResult::default();
        for rcpt in &item.rcpts {
            let data = personalized(&base, site, secret, &item.list, rcpt);
            let r = attempt(
                pool,
                site,
                &item,
                std::slice::from_ref(rcpt),
                Arc::new(data),
            )
            .await;
            total.delivered += r.delivered;
            total.retry.extend(r.retry);
            total.failed.extend(r.failed);
            if r.error.is_some() {
                total.error = r.error;
            }
        }
        total
    } else {
        attempt(pool, site, &item, &item.rcpts, body).await
    };
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
