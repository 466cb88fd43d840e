//! The command line: argument definitions (clap) and the admin commands, which open the store
//! directly and work while the daemon runs (SQLite arbitrates between the two processes).

use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::config::{Config, ListConfig};
use crate::mbox::MboxReader;
use crate::message;
use crate::pipeline::moderation::{self, Decision};
use crate::store::{ArchiveRecord, Store};

#[derive(Parser, Debug)]
#[command(
    name = "wgmail",
    version,
    about = "Mailing lists for working groups that run the IETF way"
)]
pub struct Cli {
    /// Site configuration file (TOML). Without it, built-in defaults apply; `WGMAIL_SECTION__KEY`
    /// environment variables override either.
    #[arg(long, global = true, env = "WGMAIL_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the daemon: SMTP (and LMTP) in, list delivery out.
    Serve,
    /// Lists defined in the list directory.
    #[command(subcommand)]
    List(ListCmd),
    /// List members.
    #[command(subcommand)]
    Member(MemberCmd),
    /// The archive.
    #[command(subcommand)]
    Archive(ArchiveCmd),
    /// Queue counters.
    #[command(subcommand)]
    Queue(QueueCmd),
    /// Posts held for a moderator.
    #[command(subcommand)]
    Hold(HoldCmd),
    /// Drafts in the standards workflow.
    #[command(subcommand)]
    Draft(DraftCmd),
    /// Recount the positions in an archived thread whose first message is the call.
    Tally {
        file: PathBuf,
        /// JSON with replies, classified, support, support_if, object, no_objection, neutral (an
        /// array of {subject, ends, tally} when the archive holds several calls).
        #[arg(long)]
        json: bool,
        /// The call's last day (YYYY-MM-DD), for a call whose Subject has no "(Ends YYYY-MM-DD)":
        /// replies after the end of that day (in the list's time zone with --list, else UTC) are
        /// listed as late, not counted.
        #[arg(long, value_parser = parse_day)]
        ends: Option<jiff::civil::Date>,
        /// The list the call ran on: repliers who are not its members are flagged and, in a call
        /// for adoption or a WG last call, not counted, as the live tally does. Reads the site's
        /// config and data directory; without it none is needed.
        #[arg(long)]
        list: Option<String>,
    },
    /// What each working group did: state changes since a date, open calls with their tally, and
    /// drafts waiting on the IESG (the text of the weekly mail to the IESG and IAB).
    Report {
        /// Start of the period (YYYY-MM-DD, UTC); 7 days ago by default.
        #[arg(long, value_parser = crate::report::parse_date)]
        since: Option<i64>,
        /// JSON with since, until and per list its changes, calls and waiting drafts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DraftCmd {
    /// One line per draft of a list: name, state, stage.
    Ls { list: String },
    /// A draft's state (JSON: name, rev, list, state, stage, call, tally).
    Show {
        draft: String,
        #[arg(long)]
        json: bool,
    },
    /// A draft's event log.
    History { draft: String },
}

#[derive(Subcommand, Debug)]
pub enum HoldCmd {
    /// One line per held post: id, sender, subject, reason.
    Ls { list: String },
    /// Deliver a held post to the list.
    Approve { id: i64 },
    /// Refuse a held post; the poster is told the reason.
    Reject {
        id: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Drop a held post silently.
    Discard { id: i64 },
}

#[derive(Subcommand, Debug)]
pub enum ListCmd {
    /// One line per list: address, members, description.
    Ls,
    /// A list's settings.
    Show { name: String },
}

#[derive(Subcommand, Debug)]
pub enum MemberCmd {
    /// Add one or more members.
    Add {
        list: String,
        #[arg(required = true)]
        addresses: Vec<String>,
        /// Display name (only with a single address).
        #[arg(long)]
        name: Option<String>,
    },
    /// Remove a member.
    Rm { list: String, address: String },
    /// Turn delivery back on (also after bounces: the score and warnings are cleared).
    Enable { list: String, address: String },
    /// Stop delivery to a member who stays a member (`disabled:user`).
    Disable { list: String, address: String },
    /// Show members.
    Ls {
        list: String,
        /// JSON array of objects with address, name, delivery, bounce_score.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ArchiveCmd {
    /// One line per thread: id, messages, subject.
    Ls { list: String },
    /// One thread as a tree (JWZ), with missing messages shown as ghosts.
    Thread { list: String, id: i64 },
    /// Write the archive (or one thread) as mboxrd to stdout.
    Export {
        list: String,
        #[arg(long)]
        thread: Option<i64>,
    },
    /// Import an mbox into the archive (idempotent by Message-ID; delivers nothing).
    Import { list: String, file: PathBuf },
}

#[derive(Subcommand, Debug)]
pub enum QueueCmd {
    /// Pending inbound and outbound work and delivery counters.
    Status {
        #[arg(long)]
        json: bool,
    },
}

/// Finds a list by `name` or `name@domain`.
pub fn find_list(cfg: &Config, spec: &str) -> anyhow::Result<Arc<ListConfig>> {
    let spec = spec.trim().to_lowercase();
    if let Some((n, d)) = spec.split_once('@') {
        return cfg
            .lists
            .get(n, d)
            .with_context(|| format!("no list {spec} in {}", cfg.site.lists.dir.display()));
    }
    let found = cfg.lists.by_name(&spec);
    match found.len() {
        0 => bail!("no list named {spec} in {}", cfg.site.lists.dir.display()),
        1 => Ok(found[0].clone()),
        _ => bail!("several lists are named {spec}; give name@domain"),
    }
}

/// The one draft of that name (`draft-x-y` or `draft-x-y-03`) on any list.
fn one_draft(cfg: &Config, draft: &str) -> anyhow::Result<crate::store::DraftRow> {
    let name =
        crate::workflow::states::parse_entry(draft).map_err(|e| anyhow::anyhow!("{draft}: {e}"))?;
    let mut found = open_store(cfg)?.drafts_named(&name)?;
    match found.len() {
        0 => bail!("no draft {name}"),
        1 => Ok(found.remove(0)),
        _ => bail!("{name} is a draft of several lists"),
    }
}

/// A day as the list sees it (its `[workflow] time_zone`; UTC for a list no longer configured).
fn list_day(cfg: &Config, list: &str, ts: crate::clock::Timestamp) -> String {
    match cfg.lists.by_address(list) {
        Some(l) => crate::workflow::calls::ends_ymd(&l, ts),
        None => crate::clock::ymd(ts),
    }
}

fn open_store(cfg: &Config) -> anyhow::Result<Store> {
    Store::open(&cfg.site.storage.data_dir).with_context(|| {
        format!(
            "opening the store in {}",
            cfg.site.storage.data_dir.display()
        )
    })
}

/// Runs an admin command (everything but `serve`), writing its output to `out`.
pub fn run(cfg: &Config, command: Command, out: &mut dyn Write) -> anyhow::Result<()> {
    let clock = Clock::System;
    match command {
        Command::Serve => bail!("serve is not an admin command"),
        Command::List(ListCmd::Ls) => {
            let store = open_store(cfg)?;
            let mut lists: Vec<_> = cfg.lists.iter().cloned().collect();
            lists.sort_by_key(|l| l.address());
            for l in lists {
                let n = store.members(&l.address())?.len();
                writeln!(out, "{}\t{} members\t{}", l.address(), n, l.description)?;
            }
        }
        Command::List(ListCmd::Show { name }) => {
            let l = find_list(cfg, &name)?;
            writeln!(out, "name: {}", l.name)?;
            writeln!(out, "domain: {}", l.domain)?;
            writeln!(out, "address: {}", l.address())?;
            writeln!(out, "list-id: {}", l.list_id())?;
            writeln!(out, "description: {}", l.description)?;
            writeln!(out, "subject_prefix: {}", l.subject_prefix)?;
            writeln!(out, "owners: {}", l.owners.join(", "))?;
            writeln!(out, "moderators: {}", l.moderators.join(", "))?;
            writeln!(out, "chairs: {}", l.chairs.join(", "))?;
            writeln!(out, "posting.members_only: {}", l.posting.members_only)?;
        }
        Command::Member(MemberCmd::Add {
            list,
            addresses,
            name,
        }) => {
            let l = find_list(cfg, &list)?;
            if name.is_some() && addresses.len() > 1 {
                bail!("--name goes with a single address");
            }
            let mut members = Vec::new();
            for a in &addresses {
                if !crate::config::plausible_address(&a.to_lowercase()) {
                    bail!("not an email address: {a}");
                }
                members.push((a.to_lowercase(), name.clone().unwrap_or_default()));
            }
            let store = open_store(cfg)?;
            let added = store.add_members(&l.address(), members, clock.now())?;
            writeln!(
                out,
                "{added} added, {} already members",
                addresses.len() - added
            )?;
        }
        Command::Member(MemberCmd::Rm { list, address }) => {
            let l = find_list(cfg, &list)?;
            let store = open_store(cfg)?;
            if !store.remove_member(&l.address(), &address)? {
                bail!("{address} is not a member of {}", l.address());
            }
            writeln!(out, "removed {address}")?;
        }
        Command::Member(cmd @ (MemberCmd::Enable { .. } | MemberCmd::Disable { .. })) => {
            let (list, address, enable) = match cmd {
                MemberCmd::Enable { list, address } => (list, address, true),
                MemberCmd::Disable { list, address } => (list, address, false),
                _ => unreachable!("matched above"),
            };
            let l = find_list(cfg, &list)?;
            if !open_store(cfg)?.set_delivery(&l.address(), &address, enable)? {
                bail!("{address} is not a member of {}", l.address());
            }
            let now = if enable {
                crate::values::Delivery::Enabled
            } else {
                crate::values::Delivery::DisabledUser
            };
            writeln!(out, "delivery to {address} is {now}")?;
        }
        Command::Member(MemberCmd::Ls { list, json }) => {
            let l = find_list(cfg, &list)?;
            let members = open_store(cfg)?.members(&l.address())?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &members)?;
                writeln!(out)?;
            } else {
                for m in members {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}",
                        m.address, m.name, m.delivery, m.bounce_score
                    )?;
                }
            }
        }
        Command::Archive(ArchiveCmd::Ls { list }) => {
            let l = find_list(cfg, &list)?;
            for t in open_store(cfg)?.threads(&l.address())? {
                writeln!(out, "{}\t{}\t{}", t.id, t.messages, t.subject)?;
            }
        }
        Command::Archive(ArchiveCmd::Thread { list, id }) => {
            let l = find_list(cfg, &list)?;
            let mut messages = Vec::new();
            open_store(cfg)?.for_each_message(&l.address(), Some(id), |m| {
                messages.push(m);
                Ok(())
            })??;
            if messages.is_empty() {
                bail!("no thread {id} in {}", l.address());
            }
            print_tree(out, &messages)?;
        }
        Command::Archive(ArchiveCmd::Export { list, thread }) => {
            let l = find_list(cfg, &list)?;
            let mut w = std::io::BufWriter::new(out);
            open_store(cfg)?.for_each_message(&l.address(), thread, |m| {
                crate::mbox::write_archived(&mut w, &m)
            })??;
            w.flush()?;
        }
        Command::Archive(ArchiveCmd::Import { list, file }) => {
            let l = find_list(cfg, &list)?;
            let store = open_store(cfg)?;
            let (seen, added) = import(&store, &l, &cfg.site.smtp.hostname, &file, clock.now())?;
            writeln!(
                out,
                "{seen} messages read, {added} added, {} already archived",
                seen - added
            )?;
        }
        Command::Hold(HoldCmd::Ls { list }) => {
            let l = find_list(cfg, &list)?;
            for h in open_store(cfg)?.holds(&l.address())? {
                writeln!(out, "{}\t{}\t{}\t{}", h.id, h.sender, h.subject, h.reason)?;
            }
        }
        Command::Hold(cmd) => {
            let (id, decision) = match cmd {
                HoldCmd::Approve { id } => (id, Decision::Approve),
                HoldCmd::Reject { id, reason } => (id, Decision::Reject(reason)),
                HoldCmd::Discard { id } => (id, Decision::Discard),
                HoldCmd::Ls { .. } => unreachable!("handled above"),
            };
            let store = open_store(cfg)?;
            let Some((hold, raw)) = store.hold(id)? else {
                bail!("no held post {id}")
            };
            let l = find_list(cfg, &hold.list)?;
            let members = store.members(&l.address())?;
            let actions = moderation::decide(
                &cfg.site,
                &l,
                &hold,
                &raw,
                &members,
                &decision,
                &store,
                clock.now(),
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            if !store.resolve_hold(id, actions, clock.now())? {
                bail!("held post {id} was already dealt with");
            }
            let done = match decision {
                Decision::Approve => "approved; it goes out to the list",
                Decision::Reject(_) => "rejected; the poster is told",
                Decision::Discard => "discarded",
            };
            writeln!(out, "held post {id} {done}")?;
        }
        Command::Draft(DraftCmd::Ls { list }) => {
            let l = find_list(cfg, &list)?;
            for d in open_store(cfg)?.drafts(&l.address())? {
                let stage = d.state.stage();
                let tags = if d.tags.is_empty() {
                    String::new()
                } else {
                    format!("\t{}", crate::workflow::show::tag_slugs(&d.tags).join(","))
                };
                writeln!(out, "{}\t{}\tstage {stage}{tags}", d.name, d.state)?;
            }
        }
        Command::Draft(DraftCmd::Show { draft, json }) => {
            let d = one_draft(cfg, &draft)?;
            let state = d.state;
            if json {
                let store = open_store(cfg)?;
                let list = cfg.lists.by_address(&d.list);
                let shown = crate::workflow::show::gather(
                    &store,
                    list.as_deref(),
                    &cfg.site.iesg.members,
                    d,
                )?;
                let v = crate::workflow::show::json(&shown)?;
                serde_json::to_writer_pretty(&mut *out, &v)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{} ({}): {}, stage {}",
                    d.name,
                    d.list,
                    state.datatracker_name(),
                    state.stage()
                )?;
                for (what, value) in [
                    ("title", (!d.title.is_empty()).then(|| d.title.clone())),
                    ("revision", d.rev.map(|r| format!("{r:02}"))),
                    (
                        "tags",
                        (!d.tags.is_empty())
                            .then(|| crate::workflow::show::tag_slugs(&d.tags).join(", ")),
                    ),
                    ("intended status", d.intended_status.clone()),
                    ("RFC", d.rfc.map(|r| r.to_string())),
                    ("replaced by", d.replaced_by.clone()),
                    ("replaces", d.replaces.clone()),
                ] {
                    if let Some(v) = value {
                        writeln!(out, "  {what}: {v}")?;
                    }
                }
                // The open or last call, with the tally as the result mail shows it.
                let store = open_store(cfg)?;
                if let (Some(c), Some(list)) = (
                    store.latest_call(&d.list, &d.name)?,
                    cfg.lists.by_address(&d.list),
                ) {
                    let t = crate::workflow::calls::tally_of(&list, &c, &store.call_replies(c.id)?);
                    let open = c.state == crate::values::CallState::Open;
                    writeln!(
                        out,
                        "  call: {}, {} {}",
                        c.kind.title(),
                        if open { "ends" } else { "ended" },
                        list_day(cfg, &d.list, c.ends_at)
                    )?;
                    for line in crate::workflow::tally::render_text(&t).lines() {
                        writeln!(out, "    {line}")?;
                    }
                }
            }
        }
        Command::Draft(DraftCmd::History { draft }) => {
            let d = one_draft(cfg, &draft)?;
            for e in open_store(cfg)?.events(&d.list, &d.name)? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    crate::clock::rfc5322_date(e.at),
                    e.actor,
                    crate::workflow::show::event_what(&e),
                    e.why
                )?;
            }
        }
        Command::Tally {
            file,
            json,
            ends,
            list,
        } => {
            let roster = match list {
                Some(spec) => {
                    let l = find_list(cfg, &spec)?;
                    let members = open_store(cfg)?.members(&l.address())?;
                    Some((l, members))
                }
                None => None,
            };
            tally_archive(
                &file,
                json,
                ends,
                roster.as_ref().map(|(l, m)| (&**l, &m[..])),
                out,
            )?;
        }
        Command::Report { since, json } => {
            let now = clock.now();
            let since = since.unwrap_or(now - crate::report::WEEK);
            let report = crate::report::gather(&open_store(cfg)?, &cfg.lists, since, now, None)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &report)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", crate::report::render_text(&report))?;
            }
        }
        Command::Queue(QueueCmd::Status { json }) => {
            let s = open_store(cfg)?.queue_status()?;
            if json {
                serde_json::to_writer(&mut *out, &s)?;
                writeln!(out)?;
            } else {
                writeln!(out, "inbound pending:      {}", s.inbound_pending)?;
                writeln!(out, "inbound parked:       {}", s.inbound_parked)?;
                writeln!(
                    out,
                    "outbound pending:     {} transactions, {} recipients",
                    s.outbound_pending, s.outbound_recipients_pending
                )?;
                writeln!(out, "delivered recipients: {}", s.delivered_recipients)?;
                writeln!(out, "failed recipients:    {}", s.failed_recipients)?;
                writeln!(out, "held posts:           {}", s.holds)?;
                writeln!(out, "archived messages:    {}", s.archived_messages)?;
            }
        }
    }
    Ok(())
}

/// Prints a thread as an indented tree: date, sender, subject; a ghost (a message referred to but
/// never received) shows its Message-ID.
fn print_tree(
    out: &mut dyn Write,
    messages: &[crate::store::ArchivedMessage],
) -> std::io::Result<()> {
    use crate::thread::{MessageRef, Options, jwz};
    let refs: Vec<MessageRef> = messages
        .iter()
        .map(|m| MessageRef {
            id: m.message_id.clone(),
            references: m.references.clone(),
            in_reply_to: m.in_reply_to.clone(),
            subject: m.subject.clone(),
            date: m.date,
        })
        .collect();
    for root in jwz(&refs, &Options::default()) {
        for (depth, node) in root.walk() {
            let indent = "  ".repeat(depth);
            match node.message.and_then(|i| messages.get(i)) {
                Some(m) => writeln!(
                    out,
                    "{indent}{} {} {}",
                    crate::clock::ymd(m.date),
                    m.from_addr,
                    m.subject
                )?,
                None => writeln!(out, "{indent}(missing <{}>)", node.id)?,
            }
        }
    }
    Ok(())
}

/// Counts bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    bar: indicatif::ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// Messages per import commit. Large, because each commit makes FTS5 flush its in-memory index
/// to a new segment (and merge segments): 2,000 messages per commit imports about twice as fast
/// as 500, and a commit stays well under a second so the daemon's writes are not held up long.
const IMPORT_BATCH: usize = 2_000;

/// Imports an mbox into a list's archive; returns (messages read, messages added).
///
/// Reading and parsing run on their own thread, a batch ahead of the store's writer, so the two
/// halves of the work (mail-parser; SQLite and FTS5) overlap on two cores instead of taking
/// turns. Progress (bytes, messages, messages/s) goes to stderr when it is a terminal.
/// How often an import without a terminal prints a progress line.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

pub fn import(
    store: &Store,
    list: &ListConfig,
    hostname: &str,
    file: &std::path::Path,
    now: i64,
) -> anyhow::Result<(usize, usize)> {
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(len);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {msg} [{elapsed_precise}, {eta} left]",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let reader = MboxReader::new(BufReader::new(Counting {
        inner: f,
        bar: bar.clone(),
    }));
    // Two batches in flight at most: one being parsed, one waiting for the writer.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<ArchiveRecord>>(1);
    let list_owned = list.clone();
    let hostname = hostname.to_owned();
    let path = file.to_path_buf();
    let parser = std::thread::Builder::new()
        .name("import-parse".into())
        .spawn(move || -> anyhow::Result<()> {
            let mut batch = Vec::with_capacity(IMPORT_BATCH);
            for msg in reader {
                let msg = msg.with_context(|| format!("reading {}", path.display()))?;
                batch.push(record_for_import(&list_owned, &hostname, msg.raw, now));
                if batch.len() == IMPORT_BATCH
                    && tx
                        .send(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(IMPORT_BATCH),
                        ))
                        .is_err()
                {
                    // The importer stopped (a store error); it reports why.
                    return Ok(());
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
            Ok(())
        })
        .context("starting the import's parser thread")?;
    let started = std::time::Instant::now();
    // Without a terminal (a log, a benchmark script) the bar is hidden; a plain line every
    // PROGRESS_EVERY still shows the import moving.
    let plain_progress = !std::io::stderr().is_terminal();
    let mut last_line = started;
    let (mut seen, mut added) = (0usize, 0usize);
    let mut stored = Ok(());
    for batch in rx.iter() {
        seen += batch.len();
        match store.archive_many(batch) {
            Ok(n) => added += n,
            Err(e) => {
                stored = Err(e);
                break;
            }
        }
        let rate = seen as f64 / started.elapsed().as_secs_f64().max(1e-3);
        bar.set_message(format!("{seen} messages, {rate:.0}/s"));
        if plain_progress && last_line.elapsed() >= PROGRESS_EVERY {
            last_line = std::time::Instant::now();
            eprintln!("import: {seen} messages read, {added} added, {rate:.0}/s");
        }
    }
    drop(rx);
    let parsed = parser
        .join()
        .map_err(|_| anyhow::anyhow!("the import's parser thread panicked"))?;
    bar.finish_and_clear();
    stored?;
    parsed?;
    Ok((seen, added))
}

fn record_for_import(list: &ListConfig, hostname: &str, raw: Vec<u8>, now: i64) -> ArchiveRecord {
    let p = message::parse(&raw);
    let message_id = p
        .message_id
        .clone()
        .unwrap_or_else(|| message::derived_message_id(&raw, hostname));
    // A message without a usable Date: is filed under the time its last server received it, not
    // under the day of the import (which would put years-old mail at the top of the archive).
    let date = p
        .date
        .filter(|&d| d > 0)
        .or(p.received_date.filter(|&d| d > 0))
        .unwrap_or(now);
    ArchiveRecord::from_parsed(list.address(), message_id, p, date, date, raw)
}

fn parse_day(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|_| format!("'{s}' is not a date; write YYYY-MM-DD"))
}

/// `wgmail tally FILE` without `--list`: reads no config and needs no site (the binary calls this
/// before loading anything).
pub fn tally_offline(command: Command, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        Command::Tally {
            file,
            json,
            ends,
            list: None,
        } => tally_archive(&file, json, ends, None, out),
        _ => bail!("only `tally` without --list runs without a site"),
    }
}

/// Whether a command can run without the site's configuration.
pub fn needs_site(command: &Command) -> bool {
    !matches!(command, Command::Tally { list: None, .. })
}

/// Tallies each call of an archive as the live tally does: the deadline from the Subject's
/// `(Ends YYYY-MM-DD)` (or `ends`), late replies apart, and with a roster, non-members flagged
/// and (in a WG call) not counted.
fn tally_archive(
    file: &std::path::Path,
    json: bool,
    ends: Option<jiff::civil::Date>,
    roster: Option<(&ListConfig, &[crate::store::Member])>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    use crate::workflow::tally;
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let messages = MboxReader::new(BufReader::new(f))
        .map(|m| m.map(|m| m.raw))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading {}", file.display()))?;
    if messages.is_empty() {
        bail!("{} holds no messages", file.display());
    }
    let calls = tally::call_threads(&messages);
    let tz = roster.map_or(jiff::tz::TimeZone::UTC, |(l, _)| l.workflow.tz());
    let mut results = Vec::new();
    for call in &calls {
        let last_day = ends.or(call.ends);
        let deadline = last_day.and_then(|d| crate::clock::end_of_day(&tz, d));
        let mut t = tally::tally(&call.replies, deadline);
        if let Some((list, members)) = roster {
            let people = call
                .replies
                .iter()
                .map(|r| tally::identity(&r.from))
                .collect();
            let is_member = |who: &str| members.iter().any(|m| tally::identity(&m.address) == who);
            let kind = tally::call_kind(&call.subject);
            t.flag_non_members(
                people,
                is_member,
                crate::workflow::calls::counts_non_members(list, kind),
            );
        }
        results.push((call, last_day, t));
    }
    if json {
        if let [(_, _, t)] = &results[..] {
            serde_json::to_writer_pretty(&mut *out, t)?;
        } else {
            let all: Vec<_> = results
                .iter()
                .map(|(c, d, t)| {
                    serde_json::json!({"subject": c.subject, "ends": d.map(|d| d.to_string()), "tally": t})
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &all)?;
        }
        writeln!(out)?;
        return Ok(());
    }
    for (i, (call, last_day, t)) in results.iter().enumerate() {
        if results.len() > 1 {
            if i > 0 {
                writeln!(out)?;
            }
            writeln!(out, "== {}", call.subject)?;
        }
        if last_day.is_none() {
            writeln!(
                out,
                "(no deadline: the Subject has no \"(Ends YYYY-MM-DD)\" and no --ends was given; every reply counts)"
            )?;
        }
        write!(out, "{}", tally::render_text(t))?;
    }
    Ok(())
}
