//! Schema migrations, embedded and applied in order at start. `PRAGMA user_version` records how many
//! have run; each runs in its own transaction so a crash mid-migration leaves the previous version.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the spine — inbound queue, archive with threads and full-text search, members, holds,
    // the durable outbound queue, and counters.
    r#"
    -- AUTOINCREMENT: ids of removed rows are never reused, so a queue id in a log, a body id in
    -- the runner's cache or a maildir file name always means one message.
    CREATE TABLE queue (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at INTEGER NOT NULL,
        mail_from   TEXT NOT NULL,
        rcpt_to     TEXT NOT NULL,           -- recipients, one per line
        peer        TEXT NOT NULL,
        raw         BLOB NOT NULL,
        state       TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'parked')),
        error       TEXT
    );
    CREATE INDEX queue_new ON queue(id) WHERE state = 'new';

    CREATE TABLE threads (
        id            INTEGER PRIMARY KEY,
        list          TEXT NOT NULL,
        subject       TEXT NOT NULL,
        first_date    INTEGER NOT NULL,
        last_date     INTEGER NOT NULL,
        message_count INTEGER NOT NULL
    );
    CREATE INDEX threads_list ON threads(list, last_date);

    CREATE TABLE messages (
        id          INTEGER PRIMARY KEY,
        list        TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        thread_id   INTEGER NOT NULL,
        from_addr   TEXT NOT NULL,
        from_name   TEXT NOT NULL,
        subject     TEXT NOT NULL,
        date        INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        in_reply_to TEXT NOT NULL,           -- Message-IDs, space separated
        refs        TEXT NOT NULL,           -- Message-IDs, space separated
        body_text   TEXT NOT NULL,
        raw         BLOB NOT NULL,
        UNIQUE (list, message_id)
    );
    CREATE INDEX messages_thread ON messages(thread_id, date);

    -- Every Message-ID seen in a list, including ghosts (referenced but never received), mapped to
    -- its thread. Threads are the connected components of the reference graph, so the grouping does
    -- not depend on arrival order.
    CREATE TABLE thread_ids (
        list       TEXT NOT NULL,
        message_id TEXT NOT NULL,
        thread_id  INTEGER NOT NULL,
        PRIMARY KEY (list, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX thread_ids_thread ON thread_ids(thread_id);

    CREATE VIRTUAL TABLE fts USING fts5(
        subject, from_addr, body_text, content = 'messages', content_rowid = 'id'
    );

    CREATE TABLE members (
        list         TEXT NOT NULL,
        address      TEXT NOT NULL,
        name         TEXT NOT NULL DEFAULT '',
        delivery     TEXT NOT NULL DEFAULT 'enabled',
        bounce_score INTEGER NOT NULL DEFAULT 0,
        joined_at    INTEGER NOT NULL,
        PRIMARY KEY (list, address)
    ) WITHOUT ROWID;

    CREATE TABLE holds (
        id         INTEGER PRIMARY KEY,
        list       TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sender     TEXT NOT NULL,
        subject    TEXT NOT NULL,
        reason     TEXT NOT NULL,
        raw        BLOB NOT NULL,
        held_at    INTEGER NOT NULL,
        UNIQUE (list, message_id)
    );

    -- Mail for addresses whose handling arrives in later work (-request, -confirm, -chairs, -bounces):
    -- kept, never dropped.
    CREATE TABLE inbox (
        id          INTEGER PRIMARY KEY,
        list        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        detail      TEXT NOT NULL,
        mail_from   TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        raw         BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        UNIQUE (list, kind, message_id)
    );

    -- Message bodies waiting for delivery, shared by every chunk of recipients.
    CREATE TABLE outbound_bodies (
        id   INTEGER PRIMARY KEY AUTOINCREMENT,
        data BLOB NOT NULL
    );
    -- One row per SMTP transaction still to do: a body, an envelope sender and up to `batch` recipients.
    CREATE TABLE outbound (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        body_id       INTEGER NOT NULL REFERENCES outbound_bodies(id),
        list          TEXT NOT NULL,
        mail_from     TEXT NOT NULL,
        rcpts         TEXT NOT NULL,         -- one per line
        created_at    INTEGER NOT NULL,
        next_attempt  INTEGER NOT NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT
    );
    CREATE INDEX outbound_due ON outbound(next_attempt);
    CREATE INDEX outbound_body ON outbound(body_id);

    CREATE TABLE delivery_failures (
        id        INTEGER PRIMARY KEY,
        list      TEXT NOT NULL,
        address   TEXT NOT NULL,
        reply     TEXT NOT NULL,
        failed_at INTEGER NOT NULL
    );
    CREATE INDEX delivery_failures_member ON delivery_failures(list, address);

    CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 2: membership by mail — confirmation tokens, and the per-address count of replies sent each
    // day (the command robot's rate limit).
    r#"
    CREATE TABLE tokens (
        token      TEXT PRIMARY KEY,
        list       TEXT NOT NULL,
        address    TEXT NOT NULL,
        action     TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at    INTEGER
    ) WITHOUT ROWID;

    CREATE TABLE reply_log (
        address TEXT NOT NULL,
        day     INTEGER NOT NULL,
        count   INTEGER NOT NULL,
        PRIMARY KEY (address, day)
    ) WITHOUT ROWID;
    "#,
    // 3: bounce bookkeeping per member.
    r#"
    ALTER TABLE members ADD COLUMN last_bounce_day INTEGER;
    ALTER TABLE members ADD COLUMN disabled_at INTEGER;
    ALTER TABLE members ADD COLUMN warnings INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE members ADD COLUMN last_warning_at INTEGER;
    "#,
    // 4: list posts get a per-recipient one-click unsubscribe link at delivery time.
    r#"
    ALTER TABLE outbound ADD COLUMN personalize INTEGER NOT NULL DEFAULT 0;
    "#,
    // 5: the draft registry, its append-only event log, and chair commands awaiting confirmation.
    r#"
    CREATE TABLE drafts (
        list       TEXT NOT NULL,
        name       TEXT NOT NULL,
        rev        INTEGER,
        state      TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (list, name)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        list       TEXT NOT NULL,
        draft      TEXT NOT NULL,
        at         INTEGER NOT NULL,
        actor      TEXT NOT NULL,
        from_state TEXT,
        to_state   TEXT NOT NULL,
        why        TEXT NOT NULL,
        message_id TEXT NOT NULL,
        forced     INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX events_draft ON events(list, draft, id);
    CREATE TABLE calls (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        list      TEXT NOT NULL,
        draft     TEXT NOT NULL,
        kind      TEXT NOT NULL,
        rev       INTEGER,
        anchor    TEXT NOT NULL,
        subject   TEXT NOT NULL,
        opened_at INTEGER NOT NULL,
        ends_at   INTEGER NOT NULL,
        state     TEXT NOT NULL DEFAULT 'open'
    );
    CREATE INDEX calls_open ON calls(list, state);
    CREATE TABLE call_replies (
        call_id    INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        person     TEXT NOT NULL,
        name       TEXT NOT NULL,
        date       INTEGER NOT NULL,
        position   TEXT NOT NULL,
        evidence   TEXT,
        reason     TEXT,
        PRIMARY KEY (call_id, message_id)
    ) WITHOUT ROWID;
    CREATE TABLE pending_commands (
        token      TEXT PRIMARY KEY,
        subject    TEXT NOT NULL,
        body       TEXT NOT NULL,
        message_id TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 6: the reminder two days before a call ends is sent once.
    r#"
    ALTER TABLE calls ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0;
    "#,
    // 7: the rest of the workflow — tags beside the state (`no-adopt`, `rev-wglc`), a proposal's
    // title, the intended status of a publication request, the RFC number; when a call closed (late
    // replies are still recorded for a while, and listed apart); whether a reply came from a
    // member; and the reviewer rotation, with each review as it comes in.
    r#"
    ALTER TABLE drafts ADD COLUMN tags TEXT NOT NULL DEFAULT '';
    ALTER TABLE drafts ADD COLUMN title TEXT NOT NULL DEFAULT '';
    ALTER TABLE drafts ADD COLUMN intended_status TEXT;
    ALTER TABLE drafts ADD COLUMN rfc INTEGER;
    ALTER TABLE calls ADD COLUMN closed_at INTEGER;
    ALTER TABLE call_replies ADD COLUMN member INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE review_assignments (
        list        TEXT NOT NULL,
        draft       TEXT NOT NULL,
        reviewer    TEXT NOT NULL,
        assigned_at INTEGER NOT NULL,
        -- The review round's announcement: a reviewer's post under it is their review.
        anchor      TEXT NOT NULL,
        done_at     INTEGER
    );
    CREATE INDEX review_assignments_list ON review_assignments(list, reviewer, assigned_at);
    "#,
    // 8: names — a replaced draft links to the name that replaced it and back (`replaces NEW OLD`,
    // a WG's `-00`, `proposal-N is DRAFT-NN`); an RFC number belongs to one draft on the whole site.
    // (A database holding the same number twice stops here: say which draft is wrong and clear it.)
    r#"
    ALTER TABLE drafts ADD COLUMN replaced_by TEXT;
    ALTER TABLE drafts ADD COLUMN replaces TEXT;
    CREATE UNIQUE INDEX drafts_rfc ON drafts(rfc) WHERE rfc IS NOT NULL;
    "#,
    // 9: the IESG ballot (issue 10): every position an AD sends, kept as history (the latest per
    // AD stands), and the shepherd write-up a publication request carried.
    r#"
    CREATE TABLE ballots (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        list       TEXT NOT NULL,
        draft      TEXT NOT NULL,
        ad         TEXT NOT NULL,
        position   TEXT NOT NULL,
        reason     TEXT,
        at         INTEGER NOT NULL,
        message_id TEXT NOT NULL
    );
    CREATE INDEX ballots_draft ON ballots(list, draft, id);
    CREATE TABLE writeups (
        list       TEXT NOT NULL,
        draft      TEXT NOT NULL,
        text       TEXT NOT NULL,
        actor      TEXT NOT NULL,
        at         INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        PRIMARY KEY (list, draft)
    ) WITHOUT ROWID;
    "#,
    // 10: hold ids are never reused (AUTOINCREMENT): a moderator working from a stale `hold ls`
    // must not approve a newer post that took a released id.
    r#"
    CREATE TABLE holds_new (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        list       TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sender     TEXT NOT NULL,
        subject    TEXT NOT NULL,
        reason     TEXT NOT NULL,
        raw        BLOB NOT NULL,
        held_at    INTEGER NOT NULL,
        UNIQUE (list, message_id)
    );
    INSERT INTO holds_new (id, list, message_id, sender, subject, reason, raw, held_at)
        SELECT id, list, message_id, sender, subject, reason, raw, held_at FROM holds;
    DROP TABLE holds;
    ALTER TABLE holds_new RENAME TO holds;
    "#,
    // 11: the web archive. Every page reads through an index whose cost does not grow with the
    // archive: threads carry their starter and participant count (kept by the insert), a list's
    // message count and last date live in `archive_lists` instead of a count(*) over the list,
    // and messages are indexed by (list, date) for the date-order pages (atom, month mbox,
    // previous/next by date).
    r#"
    ALTER TABLE threads ADD COLUMN starter_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE threads ADD COLUMN starter_addr TEXT NOT NULL DEFAULT '';
    ALTER TABLE threads ADD COLUMN participants INTEGER NOT NULL DEFAULT 0;
    UPDATE threads SET
        starter_name = coalesce((SELECT from_name FROM messages WHERE thread_id = threads.id
                                 ORDER BY date, id LIMIT 1), ''),
        starter_addr = coalesce((SELECT from_addr FROM messages WHERE thread_id = threads.id
                                 ORDER BY date, id LIMIT 1), ''),
        participants = (SELECT count(DISTINCT from_addr) FROM messages
                        WHERE thread_id = threads.id);
    DROP INDEX threads_list;
    CREATE INDEX threads_list ON threads(list, last_date, id) WHERE message_count > 0;
    CREATE INDEX messages_list_date ON messages(list, date, id);
    CREATE TABLE archive_lists (
        list      TEXT PRIMARY KEY,
        messages  INTEGER NOT NULL,
        last_date INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO archive_lists (list, messages, last_date)
        SELECT list, count(*), max(date) FROM messages GROUP BY list;
    "#,
    // 12: search. `f:` looks in the From name as well as the address, so the index gains a
    // `from_name` column; the table keeps its external content on `messages` (the text is stored
    // once) and is rebuilt from it. FTS5 flushes its in-memory index to a new segment whenever
    // it passes `hashsize` (1 MiB by default), and merging those small segments was a third of an
    // import's index work; 16 MiB lets one import batch flush once.
    r#"
    DROP TABLE fts;
    CREATE VIRTUAL TABLE fts USING fts5(
        subject, from_addr, from_name, body_text, content = 'messages', content_rowid = 'id'
    );
    INSERT INTO fts(fts, rank) VALUES ('hashsize', 16777216);
    INSERT INTO fts(fts) VALUES ('rebuild');
    "#,
    // 13: the draft pages look a draft up by name alone (`/doc/DRAFT/`, as `draft show` does) and
    // a draft's latest call by (list, draft); both were scans of their tables.
    r#"
    CREATE INDEX drafts_name ON drafts(name);
    CREATE INDEX calls_draft ON calls(list, draft, id);
    "#,
];

pub fn apply(conn: &mut Connection) -> rusqlite::Result<()> {
    let done: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
