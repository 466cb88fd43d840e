//! Housekeeping that runs on time rather than on mail: the weekly report to the IESG and IAB, the
//! weekly bounce reminders and removals, call reminders and deadlines, and held posts that expired
//! without a moderator's decision.
//! It wakes every hour, and whenever a test moves its clock.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock::{Clock, Timestamp};
use crate::config::{Config, ConfigHandle};
use crate::report::{self, Weekly};
use crate::store::{Action, Store};

use crate::wakers::Wakers;

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
            let actions = crate::pipeline::bounces::weekly(&cfg.site, list, &members, now);
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
        // Reminders and calls past their deadline, before the report lists what is open.
        if crate::workflow::deadlines::run(&store, &cfg, crate::pipeline::deliver, now).await > 0 {
            wakers.outbound.notify_one();
        }
        match store.expired_holds(now - cfg.site.holds.ttl as i64).await {
            Ok(expired) => {
                let mut actions = Vec::new();
                for (hold, raw) in expired {
                    let list = cfg.lists.by_address(&hold.list);
                    match list {
                        Some(list) => actions.push(crate::pipeline::moderation::expire(
                            &cfg.site, &list, &hold, &raw, now,
                        )),
                        None => {
                            tracing::warn!(list = %hold.list, hold = hold.id, "held post of a list no longer configured; kept")
                        }
                    }
                }
                if !actions.is_empty() {
                    tracing::info!(expired = actions.len(), "held posts expired");
                    match store.apply_now(actions, now).await {
                        Ok(_) => wakers.outbound.notify_one(),
                        Err(e) => tracing::error!(error = %e, "housekeeping: cannot expire holds"),
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "housekeeping: cannot read holds"),
        }
        // Last, so calls past their deadline are closed before the report lists what is open.
        weekly_report(&store, &cfg, now, &wakers).await;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = advanced => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

/// The weekly report (see [`crate::report`]). The [`report::SENT_AT`] counter says when the last
/// one went out; the report and the counter's move are one compare-and-set commit, so the report
/// goes out once a week however often this pass runs, and a restart neither repeats nor delays it.
/// It covers the events recorded since the last report — by event id, not by time, so an event
/// stamped before the pass but committed after it lands in the next report rather than in none —
/// and a daemon that was down for a while reports the whole gap.
async fn weekly_report(store: &Store, cfg: &Config, now: Timestamp, wakers: &Wakers) {
    let last = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.counter_value(report::SENT_AT)).await
    };
    let last = match last {
        Ok(Ok(last)) => last,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "housekeeping: cannot read when the last report went out");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "housekeeping: the report task failed");
            return;
        }
    };
    let ids = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            Ok::<_, crate::store::StoreError>((
                store.counter_value(report::LAST_EVENT)?,
                store.max_event_id()?,
            ))
        })
        .await
    };
    let Ok(Ok((last_id, upto_id))) = ids else {
        tracing::error!("housekeeping: cannot read the report's event ids");
        return;
    };
    let recipients = report::recipients(&cfg.site);
    let then = match report::weekly(last, now, cfg.site.reports.weekly, recipients.len()) {
        Weekly::Wait => return,
        Weekly::Start | Weekly::Skip => Vec::new(),
        Weekly::Send => {
            let built = {
                let (store, lists) = (store.clone(), cfg.lists.clone());
                tokio::task::spawn_blocking(move || {
                    report::gather(&store, &lists, last, now, Some((last_id, upto_id)))
                })
                .await
            };
            let report = match built {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "housekeeping: cannot read the weekly report's data");
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "housekeeping: the report task failed");
                    return;
                }
            };
            let (subject, body) = (report::subject(&report), report::render_text(&report));
            recipients
                .iter()
                .filter_map(|to| {
                    let job = report::mail(&cfg.site, to, &subject, &body, now);
                    if job.is_none() {
                        tracing::warn!(rcpt = %to, "weekly report: unusable address; skipped");
                    }
                    job.map(Action::Send)
                })
                .collect()
        }
    };
    let sending = then.len();
    let action = Action::CounterSet {
        name: report::SENT_AT.to_owned(),
        expect: last,
        set: now,
        then: vec![Action::CounterSet {
            name: report::LAST_EVENT.to_owned(),
            expect: last_id,
            set: upto_id,
            then,
        }],
    };
    match store.apply_now(vec![action], now).await {
        Ok(_) if sending > 0 => {
            tracing::info!(recipients = sending, since = last, "weekly report queued");
            wakers.outbound.notify_one();
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "housekeeping: cannot record the weekly report"),
    }
}
