//! The durable outbound queue: one row per SMTP transaction still to be made (a body, an envelope
//! sender and a chunk of recipients). A row is removed only after the relay accepted every one of
//! its recipients or they failed for good, so a crash at any point loses no delivery.

use rusqlite::{Connection, params};

use super::{Store, StoreError};
use crate::clock::Timestamp;

/// Deliveries for one message, already split into SMTP transactions.
#[derive(Debug, Clone)]
pub struct OutboundJob {
    pub list: String,
    pub body: Vec<u8>,
    /// (envelope sender, recipients) per transaction.
    pub envelopes: Vec<(String, Vec<String>)>,
    /// A list post: each recipient's copy gets its own RFC 8058 one-click unsubscribe link, so
    /// the runner sends one transaction per recipient.
    pub personalize: bool,
}

#[derive(Debug, Clone)]
pub struct OutboundItem {
    pub id: i64,
    pub body_id: i64,
    pub list: String,
    pub mail_from: String,
    pub rcpts: Vec<String>,
    pub created_at: Timestamp,
    pub attempts: i64,
    pub personalize: bool,
}

/// Counts for `wgmail queue status` and the benchmark.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct QueueStatus {
    pub inbound_pending: i64,
    pub inbound_parked: i64,
    pub outbound_pending: i64,
    pub outbound_recipients_pending: i64,
    pub delivered_recipients: i64,
    pub failed_recipients: i64,
    pub holds: i64,
    pub archived_messages: i64,
}

/// The outcome of one delivery attempt of one row.
#[derive(Debug, Clone, Default)]
pub struct AttemptResult {
    pub delivered: usize,
    /// Recipients to try again at `next_attempt`.
    pub retry: Vec<String>,
    pub next_attempt: Timestamp,
    pub error: Option<String>,
    /// Recipients that failed for good, with the relay's reply.
    pub failed: Vec<(String, String)>,
}

pub(crate) fn insert_job(
    c: &Connection,
    job: &OutboundJob,
    now: Timestamp,
) -> rusqlite::Result<()> {
    if job.envelopes.iter().all(|(_, r)| r.is_empty()) {
        return Ok(());
    }
    c.prepare_cached("INSERT INTO outbound_bodies (data) VALUES (?1)")?
        .execute([&job.body])?;
    let body_id = c.last_insert_rowid();
    let mut stmt = c.prepare_cached(
        "INSERT INTO outbound (body_id, list, mail_from, rcpts, created_at, next_attempt, personalize)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
    )?;
    for (from, rcpts) in &job.envelopes {
        if !rcpts.is_empty() {
            stmt.execute(params![
                body_id,
                job.list,
                from,
                rcpts.join("\n"),
                now,
                job.personalize
            ])?;
        }
    }
    Ok(())
}

fn bump(c: &Connection, name: &str, by: i64) -> rusqlite::Result<()> {
    if by != 0 {
        c.prepare_cached(
            "INSERT INTO counters (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
        )?
        .execute(params![name, by])?;
    }
    Ok(())
}

fn counter(c: &Connection, name: &str) -> rusqlite::Result<i64> {
    c.query_row(
        "SELECT coalesce((SELECT value FROM counters WHERE name = ?1), 0)",
        [name],
        |r| r.get(0),
    )
}

fn count(c: &Connection, sql: &str) -> rusqlite::Result<i64> {
    c.query_row(sql, [], |r| r.get(0))
}

impl Store {
    /// Queues deliveries for mail the server itself sends (notices), outside the pipeline commit.
    pub async fn enqueue_outbound(
        &self,
        job: OutboundJob,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(move |c| insert_job(c, &job, now)).await
    }

    /// Rows due at `now`, oldest first, skipping ids in `busy` (already being delivered).
    pub async fn outbound_due(
        &self,
        now: Timestamp,
        limit: usize,
        busy: Vec<i64>,
    ) -> Result<Vec<OutboundItem>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, body_id, list, mail_from, rcpts, created_at, attempts, personalize FROM outbound
                 WHERE next_attempt <= ?1 ORDER BY next_attempt, id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now, (limit + busy.len()) as i64], |r| {
                let rcpts: String = r.get(4)?;
                Ok(OutboundItem {
                    id: r.get(0)?,
                    body_id: r.get(1)?,
                    list: r.get(2)?,
                    mail_from: r.get(3)?,
                    rcpts: rcpts.lines().map(str::to_owned).collect(),
                    created_at: r.get(5)?,
                    attempts: r.get(6)?,
                    personalize: r.get(7)?,
                })
            })?;
            let mut out = Vec::new();
            for row in rows {
                let row = row?;
                if !busy.contains(&row.id) {
                    out.push(row);
                    if out.len() == limit {
                        break;
                    }
                }
            }
            Ok(out)
        })
        .await
    }

    /// The earliest `next_attempt` of any row, to know how long the runner may sleep.
    pub async fn outbound_next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.read(|c| c.query_row("SELECT min(next_attempt) FROM outbound", [], |r| r.get(0)))
            .await
    }

    pub async fn outbound_body(&self, body_id: i64) -> Result<Vec<u8>, StoreError> {
        self.read(move |c| {
            c.query_row(
                "SELECT data FROM outbound_bodies WHERE id = ?1",
                [body_id],
                |r| r.get(0),
            )
        })
        .await
    }

    /// Records the outcome of one attempt: the row goes when nothing is left to retry, and the body
    /// goes with its last row.
    pub async fn outbound_record(
        &self,
        item: OutboundItem,
        result: AttemptResult,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(move |c| {
            if result.retry.is_empty() {
                c.prepare_cached("DELETE FROM outbound WHERE id = ?1")?
                    .execute([item.id])?;
                c.prepare_cached(
                    "DELETE FROM outbound_bodies WHERE id = ?1
                     AND NOT EXISTS (SELECT 1 FROM outbound WHERE body_id = ?1)",
                )?
                .execute([item.body_id])?;
            } else {
                c.prepare_cached(
                    "UPDATE outbound SET rcpts = ?2, attempts = attempts + 1, next_attempt = ?3,
                         last_error = ?4 WHERE id = ?1",
                )?
                .execute(params![
                    item.id,
                    result.retry.join("\n"),
                    result.next_attempt,
                    result.error
                ])?;
            }
            for (address, reply) in &result.failed {
                c.prepare_cached(
                    "INSERT INTO delivery_failures (list, address, reply, failed_at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![item.list, address, reply, now])?;
            }
            bump(c, "delivered_recipients", result.delivered as i64)?;
            bump(c, "failed_recipients", result.failed.len() as i64)?;
            Ok(())
        })
        .await
    }

    /// Permanent delivery failures recorded for one member, newest first: (reply, when).
    pub fn delivery_failures(
        &self,
        list: &str,
        address: &str,
    ) -> Result<Vec<(String, Timestamp)>, StoreError> {
        self.read_blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT reply, failed_at FROM delivery_failures WHERE list = ?1 AND address = ?2
                 ORDER BY id DESC",
            )?;
            let rows = stmt.query_map(params![list, address], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }

    pub fn queue_status(&self) -> Result<QueueStatus, StoreError> {
        self.read_blocking(|c| {
            let rcpts: i64 = count(
                c,
                "SELECT coalesce(sum(length(rcpts) - length(replace(rcpts, char(10), '')) + 1), 0) FROM outbound",
            )?;
            Ok(QueueStatus {
                inbound_pending: count(c, "SELECT count(*) FROM queue WHERE state = 'new'")?,
                inbound_parked: count(c, "SELECT count(*) FROM queue WHERE state = 'parked'")?,
                outbound_pending: count(c, "SELECT count(*) FROM outbound")?,
                outbound_recipients_pending: rcpts,
                delivered_recipients: counter(c, "delivered_recipients")?,
                failed_recipients: counter(c, "failed_recipients")?,
                holds: count(c, "SELECT count(*) FROM holds")?,
                archived_messages: count(c, "SELECT count(*) FROM messages")?,
            })
        })
    }
}
