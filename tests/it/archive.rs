//! The archive through the CLI: import of a real month, idempotence, `archive ls`, mboxrd export,
//! search, and every corpus message through parse → archive without a panic.

use wgmail::store::{ArchiveRecord, Store};

use crate::support::daemon::{run_cli as wgmail, write_list, write_site};

#[test]
fn real_month_imports_idempotently_and_threads_sensibly() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let mbox = corpus.join("apache-maven-dev/maven-dev-2017-11.mbox");
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    write_list(dir.path(), "dev", "maven.test", "");
    let mbox_s = mbox.to_str().unwrap();

    let (ok, out, err) = wgmail(&site, &["archive", "import", "dev", mbox_s]);
    assert!(ok, "{err}");
    // The month holds three posts twice (same Message-ID); the archive keeps one of each.
    assert_eq!(
        out.trim(),
        "319 messages read, 316 added, 3 already archived"
    );
    let (ok, out, err) = wgmail(&site, &["archive", "import", "dev", mbox_s]);
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "319 messages read, 0 added, 319 already archived",
        "a second import adds nothing"
    );

    let (ok, ls, err) = wgmail(&site, &["archive", "ls", "dev"]);
    assert!(ok, "{err}");
    let threads: Vec<(i64, i64, String)> = ls
        .lines()
        .map(|l| {
            let mut f = l.splitn(3, '\t');
            (
                f.next().unwrap().parse().unwrap(),
                f.next().unwrap().parse().unwrap(),
                f.next().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let total: i64 = threads.iter().map(|t| t.1).sum();
    assert_eq!(total, 316, "every message is in exactly one thread");
    // A real dev list month: far fewer threads than messages, and the release votes are threads of
    // many messages each.
    assert!(threads.len() < 316 / 2, "{} threads", threads.len());
    let votes: Vec<_> = threads
        .iter()
        .filter(|t| t.2.starts_with("[VOTE]"))
        .collect();
    assert!(!votes.is_empty(), "vote threads found");
    assert!(
        votes.iter().any(|t| t.1 >= 5),
        "a vote thread gathers its replies: {votes:?}"
    );
    println!(
        "maven-dev 2017-11: 316 messages in {} threads; largest {}",
        threads.len(),
        threads.iter().map(|t| t.1).max().unwrap()
    );

    // The thread as a tree: every message once, replies indented under their parents.
    let biggest_id = threads.iter().max_by_key(|t| t.1).unwrap().0.to_string();
    let (ok, tree, err) = wgmail(&site, &["archive", "thread", "dev", &biggest_id]);
    assert!(ok, "{err}");
    let present = tree
        .lines()
        .filter(|l| !l.trim_start().starts_with("(missing"))
        .count() as i64;
    assert_eq!(
        present,
        threads.iter().max_by_key(|t| t.1).unwrap().1,
        "{tree}"
    );
    assert!(
        tree.lines()
            .skip(1)
            .all(|l| l.starts_with("  ") || l.starts_with("20")),
        "{tree}"
    );
    assert!(
        tree.lines().any(|l| l.starts_with("  ")),
        "replies are indented: {tree}"
    );

    // Export one thread and read it back.
    let biggest = threads.iter().max_by_key(|t| t.1).unwrap();
    let (ok, mbox_out, err) = wgmail(
        &site,
        &[
            "archive",
            "export",
            "dev",
            "--thread",
            &biggest.0.to_string(),
        ],
    );
    assert!(ok, "{err}");
    let back: Vec<_> = wgmail::mbox::MboxReader::new(mbox_out.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back.len() as i64, biggest.1);
    let (ok, all, _) = wgmail(&site, &["archive", "export", "dev"]);
    assert!(ok);
    assert_eq!(wgmail::mbox::MboxReader::new(all.as_bytes()).count(), 316);

    let store = Store::open(&dir.path().join("data")).unwrap();
    let hits = store.search("dev@maven.test", "release", 5).unwrap();
    assert!(!hits.is_empty(), "full-text search finds 'release'");
}

#[test]
fn every_corpus_message_parses_and_archives_without_panic() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let messages = crate::support::corpus::all_messages(&corpus);
    assert!(
        messages.len() > 4000,
        "corpus walker found {}",
        messages.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut records = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let p = wgmail::message::parse(&m.raw);
        // Rewriting must keep the body bytes whatever the header block looks like.
        let (_, end) = wgmail::message::header_fields(&m.raw);
        let edited = wgmail::message::rewrite(
            &m.raw,
            &wgmail::message::HeaderEdit {
                append: vec![("List-Id".into(), "<x.test>".into())],
                ..Default::default()
            },
        );
        assert!(
            edited.ends_with(&m.raw[end..]),
            "body changed for {}",
            m.origin
        );
        let id = p
            .message_id
            .clone()
            .unwrap_or_else(|| format!("corpus-{i}@test"));
        let date = p.date.unwrap_or(0);
        records.push(ArchiveRecord::from_parsed(
            "corpus@test".into(),
            id,
            p,
            date,
            0,
            m.raw.clone(),
        ));
    }
    let added = store.archive_many(records).unwrap();
    let threads = store.threads("corpus@test").unwrap();
    println!(
        "corpus: {} messages, {added} archived (rest share a Message-ID), {} threads",
        messages.len(),
        threads.len()
    );
    assert!(added > 3500);
}

/// The archive's threads are the same whatever order the messages arrive in.
#[test]
fn archive_threads_do_not_depend_on_arrival_order() {
    use std::collections::{BTreeSet, HashMap};
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let mbox = std::fs::File::open(corpus.join("apache-maven-dev/maven-dev-2017-12.mbox")).unwrap();
    let raws: Vec<Vec<u8>> = wgmail::mbox::MboxReader::new(std::io::BufReader::new(mbox))
        .map(|m| m.unwrap().raw)
        .collect();
    let records: Vec<ArchiveRecord> = raws
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let p = wgmail::message::parse(raw);
            let id = p
                .message_id
                .clone()
                .unwrap_or_else(|| format!("none-{i}@test"));
            let date = p.date.unwrap_or(0);
            ArchiveRecord::from_parsed("dev@maven.test".into(), id, p, date, 0, raw.clone())
        })
        .collect();
    let groups = |order: Vec<ArchiveRecord>| -> BTreeSet<BTreeSet<String>> {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // One message per commit, as the daemon would archive them.
        for r in order {
            store.archive_many(vec![r]).unwrap();
        }
        let mut by_thread: HashMap<i64, BTreeSet<String>> = HashMap::new();
        store
            .for_each_message("dev@maven.test", None, |m| {
                by_thread
                    .entry(m.thread_id)
                    .or_default()
                    .insert(m.message_id);
                Ok(())
            })
            .unwrap()
            .unwrap();
        by_thread.into_values().collect()
    };
    let forward = groups(records.clone());
    let mut reversed = records.clone();
    reversed.reverse();
    let mut shuffled = records.clone();
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for i in (1..shuffled.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        shuffled.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    assert!(
        forward.len() > 10 && forward.len() < records.len(),
        "{} threads",
        forward.len()
    );
    assert_eq!(
        groups(reversed),
        forward,
        "reversed arrival gives the same threads"
    );
    assert_eq!(
        groups(shuffled),
        forward,
        "shuffled arrival gives the same threads"
    );
}

/// The scratch view the commands of one confirmed mail run through: what it applies is visible to
/// its own reads, never to the store's, and is gone when it returns.
#[test]
fn a_scratch_view_sees_its_own_actions_and_commits_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let token = wgmail::store::TokenRow {
        token: "scratchtoken".into(),
        list: "wg@example.org".into(),
        address: "chair@example.org".into(),
        action: wgmail::values::TokenPurpose::Chair,
        created_at: 1,
        expires_at: 100,
        used_at: None,
    };
    let create = wgmail::store::Action::TokenCreate(token.clone());
    assert!(
        store
            .apply_scratch(std::slice::from_ref(&create), 1)
            .is_err(),
        "only a scratch view takes actions outside the writer"
    );
    let seen = store
        .scratch(|view| {
            assert_eq!(view.token("scratchtoken").unwrap(), None);
            view.apply_scratch(std::slice::from_ref(&create), 1)
                .unwrap();
            view.token("scratchtoken").unwrap()
        })
        .unwrap();
    assert_eq!(seen, Some(token));
    assert_eq!(store.token("scratchtoken").unwrap(), None);
    store.close();
}

/// A message without a `Date:` is filed under its topmost `Received:` date, not under the day of
/// the import; one with neither gets the import time. Real case: the GitHub notifications of the
/// maven-dev months have no Date and would all sort as today's newest mail.
#[test]
fn import_files_a_message_without_date_under_its_received_date() {
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    write_list(dir.path(), "dev", "maven.test", "");
    let mbox = dir.path().join("nodate.mbox");
    std::fs::write(
        &mbox,
        "From x@example.org Wed Nov  1 06:04:53 2017\n\
         Received: by mx.example.org (Postfix) id 1; Wed,  1 Nov 2017 06:04:53 +0000 (UTC)\n\
         Received: from a.example.org by b.example.org; Tue, 31 Oct 2017 23:00:00 +0000\n\
         From: x@example.org\nSubject: no date\nMessage-ID: <nodate@example.org>\n\nbody\n\n\
         From y@example.org Wed Nov  1 06:04:53 2017\n\
         From: y@example.org\nSubject: nothing at all\nMessage-ID: <nothing@example.org>\n\nbody\n",
    )
    .unwrap();
    let (ok, _, err) = wgmail(&site, &["archive", "import", "dev", mbox.to_str().unwrap()]);
    assert!(ok, "{err}");
    let store = Store::open(&dir.path().join("data")).unwrap();
    let m = store
        .message_by_id("dev@maven.test", "nodate@example.org")
        .unwrap()
        .expect("archived");
    assert_eq!(
        m.date, 1_509_516_293,
        "2017-11-01 06:04:53 UTC, the topmost Received"
    );
    let n = store
        .message_by_id("dev@maven.test", "nothing@example.org")
        .unwrap()
        .expect("archived");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (now - n.date).abs() < 3600,
        "no date at all: the import time"
    );
}

/// Thread counters are kept incrementally as messages arrive (out of order, with merges when a
/// message bridges two threads); they must equal a recount from the messages themselves.
#[test]
fn incremental_thread_counters_equal_a_recount() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    write_list(dir.path(), "dev", "maven.test", "");
    for month in ["maven-dev-2017-12.mbox", "maven-dev-2017-11.mbox"] {
        let mbox = corpus.join("apache-maven-dev").join(month);
        let (ok, _, err) = wgmail(&site, &["archive", "import", "dev", mbox.to_str().unwrap()]);
        assert!(ok, "{err}");
    }
    let c = rusqlite::Connection::open(dir.path().join("data/wgmail.sqlite3")).unwrap();
    let kept: Vec<(i64, i64, i64, i64, String, String, String, i64)> = c
        .prepare(
            "SELECT id, message_count, first_date, last_date, subject, starter_name, starter_addr,
                    participants FROM threads WHERE message_count > 0 ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(kept.len() > 100, "{} threads", kept.len());
    for (id, count, first, last, subject, name, addr, participants) in kept {
        let recount: (i64, i64, i64, i64) = c
            .query_row(
                "SELECT count(*), min(date), max(date), count(DISTINCT from_addr) FROM messages
                 WHERE thread_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!((count, first, last, participants), recount, "thread {id}");
        let start: (String, String, String) = c
            .query_row(
                "SELECT subject, from_name, from_addr FROM messages WHERE thread_id = ?1
                 ORDER BY date, id LIMIT 1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((subject, name, addr), start, "thread {id}");
    }
}
