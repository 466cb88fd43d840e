//! Every mail message in the shared corpus, for tests that must survive all of it.
//!
//! The corpus is a pile of other projects' test data: single messages (`.eml`, `.msg`,
//! `.txt`, `.raw`, maildir files, extension-less fixtures), mboxes in several dialects
//! (`.mbox`, pipermail `.txt`, a gzipped pipermail month, MMDF), and things that are not
//! mail at all (licences, provenance notes, expected-output JSON, IMAP and SMTP test
//! scripts, HTML, PDF). This walker decides per file, by name and then by content:
//!
//! - provenance and licence files, dotfiles and expectation/source-code extensions are skipped;
//! - `.eml`, `.msg` and maildir files (`name:2,FLAGS`) are one message each, even when they
//!   start with a `From ` line (dropped, as it is envelope, not message) and even when a
//!   body line looks like another separator (notmuch's `insert/mbox-attachment.eml`);
//! - `.gz` files are decompressed with the system `gzip -dc` (the test binary takes no
//!   decompression dependency) and then sniffed like any other file;
//! - anything else that starts, after blank lines, with `From ` or the MMDF `^A^A^A^A` line
//!   is read with [`MboxReader`], one message per separator;
//! - anything else whose first line is a header field, with a well-known mail header
//!   (`From:`, `Date:`, `Received:` ...) in its header block, is one message; this keeps
//!   Dovecot imaptest scripts (`capabilities: ...`) out;
//! - a few fixtures are mail that deliberately does not look like it (no header at all,
//!   or a bare year line first); [`HEADERLESS_MESSAGES`] names them, and each is one message;
//! - the rest is not mail and is skipped.
//!
//! The IETF archive's legacy `mailbox_*` files (messages separated by `Date:`, `To:` or
//! `Return-Path:` lines, which only the IETF importer's own heuristics split) come through
//! as one message each, which is still fine input for a robustness test.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use wgmail::mbox::MboxReader;

/// One message found in the corpus.
#[derive(Debug, Clone)]
pub struct CorpusMessage {
    /// Where it came from: the path relative to the corpus root with `/` separators, plus
    /// `#n` (counted from 1) for the nth message of an mbox.
    pub origin: String,
    /// The message bytes, as [`MboxReader`] returns them for mbox members.
    pub raw: Vec<u8>,
}

/// File names (lower-cased, compared by prefix) that describe the corpus rather than hold mail.
const SKIPPED_NAME_PREFIXES: &[&str] = &[
    "source.txt",
    "readme",
    "license",
    "licence",
    "copying",
    "authors",
    "debian-copyright",
    "expected",
];

/// Extensions of expectations, source code and non-mail documents.
const SKIPPED_EXTENSIONS: &[&str] = &[
    "json", "jsonl", "tsv", "csv", "yaml", "yml", "toml", "py", "sh", "c", "h", "go", "rs", "pl",
    "pm", "t", "html", "htm", "xml", "pdf", "golden", "md", "rst", "png", "jpg", "jpeg", "gif",
];

/// Header fields of which at least one must appear for an unknown file to count as mail.
const MAIL_FIELDS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "content-type",
    "delivered-to",
    "reply-to",
    "sender",
    "in-reply-to",
    "references",
    "x-envelope-from",
    "envelope-to",
];

/// Fixtures (paths relative to the corpus root) that are one message each although they do
/// not start with a header: parsers must survive exactly these.
const HEADERLESS_MESSAGES: &[&str] = &[
    // A Mailman digest body with no header block at all.
    "cpython-email/data/msg_19.txt",
    // "This is a test email. It has no headers."
    "ietf-mailarchive/backend/mlarchive/tests/data/mail_bad.1",
    // A legacy IETF archive whose first line is the bare year "2005".
    "ietf-mailarchive/backend/mlarchive/tests/data/mailbox_year",
];

/// How many bytes of a file are examined to decide what it is.
const SNIFF_LEN: usize = 8 * 1024;

/// Every mail message under `corpus`, in a stable order (paths sorted, mbox order kept).
pub fn all_messages(corpus: &Path) -> Vec<CorpusMessage> {
    let mut files = Vec::new();
    collect_files(corpus, &mut files);
    let mut messages = Vec::new();
    for path in files {
        let origin = relative_origin(corpus, &path);
        read_file(&path, &origin, &mut messages);
    }
    messages
}

/// How many messages each top-level corpus folder contributed.
pub fn count_by_folder(messages: &[CorpusMessage]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for m in messages {
        let folder = m.origin.split('/').next().unwrap_or("").to_owned();
        *counts.entry(folder).or_insert(0) += 1;
    }
    counts
}

/// The files directly in `dir` whose extension is `ext` (without the dot), sorted.
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// All regular files below `dir`, depth first, sorted within each directory.
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_files(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

fn relative_origin(corpus: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(corpus).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// What the file name says about a file.
enum NameKind {
    /// Not mail: provenance, licence, expectations, source code.
    Skip,
    /// Exactly one message, whatever it looks like inside.
    SingleMessage,
    /// Compressed; decompress, then sniff.
    Gzip,
    /// The name says nothing; look at the content.
    Sniff,
}

fn name_kind(path: &Path) -> NameKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.starts_with('.') || SKIPPED_NAME_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return NameKind::Skip;
    }
    // Maildir names carry flags after ":2,", which would otherwise pass for an extension.
    if name.contains(":2,") {
        return NameKind::SingleMessage;
    }
    let ext = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
    match ext {
        "eml" | "msg" => NameKind::SingleMessage,
        "gz" => NameKind::Gzip,
        _ if SKIPPED_EXTENSIONS.contains(&ext) => NameKind::Skip,
        _ => NameKind::Sniff,
    }
}

fn read_file(path: &Path, origin: &str, out: &mut Vec<CorpusMessage>) {
    let open = || File::open(path).unwrap_or_else(|e| panic!("{origin}: {e}"));
    if HEADERLESS_MESSAGES.contains(&origin) {
        let mut raw = Vec::new();
        open()
            .read_to_end(&mut raw)
            .unwrap_or_else(|e| panic!("{origin}: {e}"));
        out.push(CorpusMessage {
            origin: origin.to_owned(),
            raw,
        });
        return;
    }
    match name_kind(path) {
        NameKind::Skip => {}
        NameKind::SingleMessage => {
            let mut raw = Vec::new();
            open()
                .read_to_end(&mut raw)
                .unwrap_or_else(|e| panic!("{origin}: {e}"));
            out.push(CorpusMessage {
                origin: origin.to_owned(),
                raw: drop_envelope_line(raw),
            });
        }
        NameKind::Sniff => read_sniffed(BufReader::with_capacity(SNIFF_LEN, open()), origin, out),
        NameKind::Gzip => read_gzip(path, origin, out),
    }
}

/// Streams a `.gz` file through `gzip -dc` and sniffs the decompressed content.
fn read_gzip(path: &Path, origin: &str, out: &mut Vec<CorpusMessage>) {
    let child = Command::new("gzip")
        .arg("-dc")
        .arg(path)
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("NOTICE: cannot run gzip ({e}); skipping {origin}");
            return;
        }
    };
    let stdout = child.stdout.take().expect("stdout was piped");
    let mut input = BufReader::with_capacity(SNIFF_LEN, stdout);
    read_sniffed(&mut input, origin, out);
    // Drain what sniffing left unread, so gzip ends normally instead of on a broken pipe.
    std::io::copy(&mut input, &mut std::io::sink()).unwrap_or_else(|e| panic!("{origin}: {e}"));
    let status = child
        .wait()
        .unwrap_or_else(|e| panic!("{origin}: gzip: {e}"));
    assert!(status.success(), "{origin}: gzip -dc failed with {status}");
}

/// Decides from the first bytes whether `input` is an mbox, one message, or not mail.
fn read_sniffed(mut input: impl BufRead, origin: &str, out: &mut Vec<CorpusMessage>) {
    let head = fill_head(&mut input, origin);
    let start = skip_blank_lines(&head);
    if head[start..].starts_with(b"From ") || head[start..].starts_with(b"\x01\x01\x01\x01") {
        for (i, msg) in MboxReader::new(input).enumerate() {
            let msg = msg.unwrap_or_else(|e| panic!("{origin}#{}: {e}", i + 1));
            out.push(CorpusMessage {
                origin: format!("{origin}#{}", i + 1),
                raw: msg.raw,
            });
        }
    } else if looks_like_mail(&head[start..]) {
        let mut raw = Vec::new();
        input
            .read_to_end(&mut raw)
            .unwrap_or_else(|e| panic!("{origin}: {e}"));
        raw.drain(..skip_blank_lines(&raw));
        out.push(CorpusMessage {
            origin: origin.to_owned(),
            raw,
        });
    }
}

/// Up to [`SNIFF_LEN`] bytes from the start of `input`, without consuming them. A pipe may
/// deliver less in one read; the head is then shorter, which sniffing tolerates.
fn fill_head(input: &mut impl BufRead, origin: &str) -> Vec<u8> {
    input
        .fill_buf()
        .unwrap_or_else(|e| panic!("{origin}: {e}"))
        .to_vec()
}

/// Length of the run of empty lines (LF or CRLF) at the start of `data`.
fn skip_blank_lines(data: &[u8]) -> usize {
    let mut at = 0;
    loop {
        if data[at..].starts_with(b"\n") {
            at += 1;
        } else if data[at..].starts_with(b"\r\n") {
            at += 2;
        } else {
            return at;
        }
    }
}

/// A header block: the first line is a field, and some field in the block is a mail field.
fn looks_like_mail(head: &[u8]) -> bool {
    let mut known = false;
    for (i, line) in head.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue; // folded continuation of the previous field
        }
        let Some(name) = field_name(line) else {
            if i == 0 {
                return false;
            }
            break;
        };
        known |= MAIL_FIELDS.iter().any(|f| name.eq_ignore_ascii_case(f));
    }
    known
}

/// The field name of a header line (`Name: value`), if it is one.
fn field_name(line: &[u8]) -> Option<&str> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = std::str::from_utf8(&line[..colon]).ok()?.trim_end();
    let valid = !name.is_empty() && name.bytes().all(|b| (b'!'..=b'~').contains(&b));
    valid.then_some(name)
}

/// Drops a leading `From ` envelope line from a single-message file.
fn drop_envelope_line(mut raw: Vec<u8>) -> Vec<u8> {
    if raw.starts_with(b"From ") {
        let end = raw
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |i| i + 1);
        raw.drain(..end);
    }
    raw
}
