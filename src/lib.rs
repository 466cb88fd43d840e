//! wgmail: a mailing-list server for working groups that run the IETF way.
//!
//! Code map (DESIGN.md §4 shows how a message flows through these):
//! - [`smtp`]: the SMTP/LMTP listener; a session state machine that replies `250` only once the
//!   store has committed the message. [`reply`] holds every SMTP reply it sends.
//! - [`store`]: the only module that runs SQL; a group-committing writer thread and a read pool.
//! - [`pipeline`]: the posting path — the queue runner, the posting rules and the delivery
//!   handlers, membership (`-request`), moderation, bounces — and one call into the workflow for
//!   each accepted post and each `-chairs` message.
//! - [`workflow`]: the standards process. Its pure core: draft states and the transition table,
//!   the chair-command grammar, the position classifier and the tally. Its mail-facing shell: the
//!   chair/IESG command table (`workflow::commands`, one file per command family), calls and
//!   their positions (`workflow::calls`), revisions and reviews (`workflow::revisions`), and what
//!   happens on time (`workflow::deadlines`).
//! - [`housekeeping`]: the hourly pass — bounce reminders, call deadlines, held posts that expire,
//!   the weekly report.
//! - [`context`]: the one message to one list that the pipeline and the workflow both read.
//! - [`outbound`]: the durable outbound queue's runner, the pipelined relay client, the maildir sink.
//! - [`address`]: which list address a recipient is (post, -request, -owner, …).
//! - [`message`]: parsing for the archive and byte-preserving header rewriting.
//! - [`dkim`]: DKIM checks of I-D announcements, run by the queue runner before the pipeline.
//! - [`thread`]: JWZ threading (pure). [`mbox`]: mboxrd reading and writing.
//! - [`bounce`]: which addresses a delivery report is about, and whether for good (pure).
//! - [`commands`]: the grammar of `-request` commands and moderators' replies (pure).
//! - [`tokens`]: confirmation tokens and signed one-click unsubscribe links.
//! - [`notice`]: mail the server writes itself. [`config`]: site and list files, validation, reload.
//! - [`server`]: `wgmail serve`, wiring the above. [`cli`]: the admin commands.
//! - [`search`]: the archive search language, compiled to an FTS5 expression (pure).
//! - [`web`]: the HTTP listener (axum): one-click unsubscribe now, the archive later.
//! - [`report`]: the report up the structure for the IESG and IAB, weekly by mail and on demand.
//! - [`values`]: the typed values the store keeps as text (call kinds, …).
//! - [`clock`]: injected time. [`wakers`]: how committed work wakes the runners.
//!
//! Invariants: nothing but `store` runs SQL; `250` means committed; a queue item's effects and its
//! removal are one commit, so a replay after a crash delivers nothing twice.
pub mod address;
pub mod bounce;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod context;
pub mod dkim;
pub mod housekeeping;
pub mod mbox;
pub mod message;
pub mod notice;
pub mod outbound;
pub mod pipeline;
pub mod reply;
pub mod report;
pub mod search;
pub mod server;
pub mod smtp;
pub mod store;
pub mod thread;
pub mod tokens;
pub mod values;
pub mod wakers;
pub mod web;
pub mod workflow;
