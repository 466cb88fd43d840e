//! mbox reading and writing: round trips, dialects seen in real archives, and the corpus.

use std::io::{self, BufReader, Read};

use wgmail::mbox::{MboxMessage, MboxReader, write_mboxrd};

use crate::support::corpus::{self, CorpusMessage};

/// Reads every message of an in-memory mailbox, failing the test on an I/O error.
fn read_all(mailbox: &[u8]) -> Vec<MboxMessage> {
    MboxReader::new(mailbox)
        .collect::<io::Result<Vec<_>>>()
        .expect("reading from memory")
}

fn raws(messages: &[MboxMessage]) -> Vec<String> {
    messages
        .iter()
        .map(|m| String::from_utf8_lossy(&m.raw).into_owned())
        .collect()
}

fn senders(messages: &[MboxMessage]) -> Vec<Option<&str>> {
    messages
        .iter()
        .map(|m| m.envelope_from.as_deref())
        .collect()
}

/// What a message reads back as after `write_mboxrd`: CRLF as LF, and a final newline.
fn lf_normalised(raw: &[u8]) -> Vec<u8> {
    let mut out = String::from_utf8_lossy(raw)
        .replace("\r\n", "\n")
        .into_bytes();
    if out.last() == Some(&b'\r') {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

#[test]
fn round_trip_keeps_from_lines_crlf_and_unterminated_messages() {
    let messages: [(&str, &[u8]); 7] = [
        (
            "alice@example.com",
            b"From: Alice <alice@example.com>\nSubject: quoting\n\nFrom the top.\n\n\
              From bob@example.com Mon Jan  1 00:00:00 2001\n>From once\n>>From twice\n\
              >>>From thrice\nFromage is not quoted\n From with a space\n>From\nFrom\n",
        ),
        (
            "bob@example.com",
            b"From: Bob <bob@example.com>\r\nSubject: crlf\r\n\r\nFrom a CRLF body\r\n\r\n\
              From carol@example.com Tue Feb  2 02:02:02 2002\r\n>From quoted\r\nlast\r\n",
        ),
        (
            "carol@example.com",
            b"Subject: no final newline\n\nlast line without newline",
        ),
        (
            "dave@example.com",
            b"Subject: crlf, no final newline\r\n\r\nbody\r\nend",
        ),
        (
            "erin@example.com",
            b"Subject: trailing empty lines\n\nbody\n\n\n",
        ),
        ("", b""),
        (
            "frank at example.com",
            b"not a header line first\n\x01\x01\x01\x01\nFrom x\n",
        ),
    ];
    let mut mailbox = Vec::new();
    for (i, (sender, raw)) in messages.iter().enumerate() {
        write_mboxrd(&mut mailbox, sender, 1_000_000_000 + i as i64, raw).expect("write to Vec");
    }

    let read = read_all(&mailbox);
    assert_eq!(
        read.len(),
        messages.len(),
        "{}",
        String::from_utf8_lossy(&mailbox)
    );
    for ((sender, raw), got) in messages.iter().zip(&read) {
        assert_eq!(
            String::from_utf8_lossy(&got.raw),
            String::from_utf8_lossy(&lf_normalised(raw)),
            "message from {sender:?}"
        );
    }
    let expected_senders = [
        Some("alice@example.com"),
        Some("bob@example.com"),
        Some("carol@example.com"),
        Some("dave@example.com"),
        Some("erin@example.com"),
        Some("MAILER-DAEMON"),
        Some("frank at example.com"),
    ];
    assert_eq!(senders(&read), expected_senders);
}

#[test]
fn write_mboxrd_quotes_from_lines_and_converts_crlf() {
    let mut out = Vec::new();
    let raw = b"Subject: hi\r\n\r\nFrom here\r\n>From there\r\nFrom: not quoted\r\nend";
    write_mboxrd(&mut out, "alice@example.com", 1_004_613_552, raw).expect("write to Vec");
    let expected = "From alice@example.com Thu Nov  1 11:19:12 2001\n\
                    Subject: hi\n\n>From here\n>>From there\nFrom: not quoted\nend\n\n";
    assert_eq!(String::from_utf8_lossy(&out), expected);
}

#[test]
fn write_mboxrd_keeps_the_envelope_on_one_line() {
    let mut out = Vec::new();
    write_mboxrd(&mut out, "evil\nFrom: forged", 0, b"Subject: x\n\nbody\n").expect("write");
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.starts_with("From evil_From: forged Thu Jan  1 00:00:00 1970\nSubject: x\n"),
        "{text}"
    );
    assert_eq!(senders(&read_all(&out)), [Some("evil_From: forged")]);
}

#[test]
fn reads_pipermail_export() {
    // Mailman 2 obscures addresses in both the separator and From:, and quotes body
    // From lines as >From; the unquoted "From my perspective" is body prose.
    let mailbox = b"From jjl at pobox.com  Thu Nov  1 11:19:12 2001\n\
        From: jjl at pobox.com (John J. Lee)\nSubject: [Numpy-discussion] arrays\n\n\
        Hello.\n\n>From the docs: nothing.\n\nFrom my perspective, fine.\n\n\
        From chrishbarker at home.net  Fri Nov  2 11:40:07 2001\n\
        From: chrishbarker at home.net (Chris Barker)\nSubject: Re: arrays\n\nAgreed.\n\n";
    let read = read_all(mailbox);
    assert_eq!(
        senders(&read),
        [Some("jjl at pobox.com"), Some("chrishbarker at home.net")]
    );
    assert_eq!(
        raws(&read),
        [
            "From: jjl at pobox.com (John J. Lee)\nSubject: [Numpy-discussion] arrays\n\n\
             Hello.\n\nFrom the docs: nothing.\n\nFrom my perspective, fine.\n",
            "From: chrishbarker at home.net (Chris Barker)\nSubject: Re: arrays\n\nAgreed.\n",
        ]
    );
}

#[test]
fn reads_mboxo_with_unquoted_body_from_lines() {
    // mboxo writers quote only some From lines; the unquoted ones below must stay in the
    // body: one follows a text line, one has no date, one has a time but prose after it.
    let mailbox = b"From alice@example.com Mon Jan  1 10:00:00 2001\n\
        Subject: one\n\nbody\nFrom the start of this line\n\n\
        From now on we meet weekly.\n\n\
        From 9:00 to 10:30 in room 2,\nbring coffee.\n\n\
        From bob@example.com Mon Jan  1 11:00:00 2001\nSubject: two\n\nsecond\n";
    let read = read_all(mailbox);
    assert_eq!(
        raws(&read),
        [
            "Subject: one\n\nbody\nFrom the start of this line\n\nFrom now on we meet weekly.\n\n\
             From 9:00 to 10:30 in room 2,\nbring coffee.\n",
            "Subject: two\n\nsecond\n",
        ]
    );
}

#[test]
fn accepts_rfc2822_dated_separator_only_before_a_header() {
    // Without a ctime date, a dated From line separates only when a message follows it.
    let mailbox = b"From alice@example.com Thu, 1 Nov 2001 11:19:12 +0100\nSubject: one\n\n\
        text\n\nFrom bob@example.com Thu, 1 Nov 2001 12:00:00 +0100\nSubject: two\n\nmore\n";
    let read = read_all(mailbox);
    assert_eq!(
        senders(&read),
        [Some("alice@example.com"), Some("bob@example.com")]
    );
    assert_eq!(
        raws(&read),
        ["Subject: one\n\ntext\n", "Subject: two\n\nmore\n"]
    );
}

#[test]
fn ignores_content_length() {
    // mboxcl2: the lengths are wrong (as after re-encoding) and the body From line is
    // unquoted; the separators decide, not the header.
    let mailbox = b"From alice@example.com Mon Jan  1 10:00:00 2001\n\
        Content-Length: 3\nSubject: one\n\nfirst line\nFrom inside, unquoted\nlast\n\n\
        From bob@example.com Mon Jan  1 11:00:00 2001\nContent-Length: 999\n\nsecond\n";
    let read = read_all(mailbox);
    assert_eq!(
        raws(&read),
        [
            "Content-Length: 3\nSubject: one\n\nfirst line\nFrom inside, unquoted\nlast\n",
            "Content-Length: 999\n\nsecond\n",
        ]
    );
}

#[test]
fn reads_mmdf() {
    let mailbox = b"\x01\x01\x01\x01\nSubject: one\n\nFrom the body, verbatim\n>From kept\n\n\
        From x@y Mon Jan  1 00:00:00 2001\n\n\x01\x01\x01\x01\n\
        \x01\x01\x01\x01\r\nSubject: two\r\n\r\nbody\r\n\x01\x01\x01\x01\r\n\
        \x01\x01\x01\x01\nSubject: unterminated\n\nlast\n";
    let read = read_all(mailbox);
    assert_eq!(senders(&read), [None, None, None]);
    assert_eq!(
        raws(&read),
        [
            "Subject: one\n\nFrom the body, verbatim\n>From kept\n\nFrom x@y Mon Jan  1 00:00:00 2001\n",
            "Subject: two\r\n\r\nbody\r\n",
            "Subject: unterminated\n\nlast\n",
        ]
    );
}

#[test]
fn reads_crlf_mbox_keeping_crlf() {
    let mailbox = b"From alice@example.com Mon Jan  1 10:00:00 2001\r\nSubject: one\r\n\r\n\
        body\r\n>From quoted\r\n\r\nFrom bob@example.com Mon Jan  1 11:00:00 2001\r\n\
        Subject: two\r\n\r\nsecond\r\n\r\n";
    let read = read_all(mailbox);
    assert_eq!(
        senders(&read),
        [Some("alice@example.com"), Some("bob@example.com")]
    );
    assert_eq!(
        raws(&read),
        [
            "Subject: one\r\n\r\nbody\r\nFrom quoted\r\n",
            "Subject: two\r\n\r\nsecond\r\n"
        ]
    );
}

#[test]
fn skips_leading_garbage() {
    let mailbox = b"\n\nThis archive was exported on Monday.\n\
        From alice@example.com Mon Jan  1 10:00:00 2001\nSubject: one\n\nbody\n";
    let read = read_all(mailbox);
    assert_eq!(senders(&read), [Some("alice@example.com")]);
    assert_eq!(raws(&read), ["Subject: one\n\nbody\n"]);
}

#[test]
fn empty_and_messageless_inputs_yield_nothing() {
    for input in [
        &b""[..],
        b"\n\n",
        b"\r\n",
        b"just some text\nFrom my perspective\n",
    ] {
        assert_eq!(read_all(input), [], "{:?}", String::from_utf8_lossy(input));
    }
}

#[test]
fn keeps_a_missing_final_newline_and_headerless_messages() {
    // Dovecot's fixtures have messages with no header at all: the From line is followed
    // by the empty line that ends the (empty) header block.
    let mailbox = b"From user@domain  Fri Feb 22 17:06:21 2008\n\n1\n\n\
        From user@domain  Fri Feb 22 17:06:22 2008\nSubject: x\n\nno newline";
    assert_eq!(
        raws(&read_all(mailbox)),
        ["\n1\n", "Subject: x\n\nno newline"]
    );
}

#[test]
fn a_dated_from_line_inside_a_paragraph_is_body() {
    let mailbox = b"From alice@example.com Mon Jan  1 10:00:00 2001\nSubject: one\n\n\
        Forwarded:\nFrom bob@example.com Mon Jan  1 09:00:00 2001\nSubject: old\n";
    let read = read_all(mailbox);
    assert_eq!(read.len(), 1);
    assert!(
        read[0].raw.ends_with(
            b"Forwarded:\nFrom bob@example.com Mon Jan  1 09:00:00 2001\nSubject: old\n"
        )
    );
}

/// A reader that serves some bytes and then fails, as a disk or pipe might.
struct FailingAfter(&'static [u8]);

impl Read for FailingAfter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::other("disk on fire"));
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn an_io_error_is_reported_once_then_iteration_ends() {
    let input = BufReader::new(FailingAfter(
        b"From a@b Mon Jan  1 00:00:00 2001\nSubject: x\n",
    ));
    let mut reader = MboxReader::new(input);
    let err = reader.next().expect("an item").expect_err("the I/O error");
    assert_eq!(err.to_string(), "disk on fire");
    assert!(reader.next().is_none());
}

/// Lower-cased field names of a message's header block.
fn header_names(raw: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue;
        }
        match line.iter().position(|&b| b == b':') {
            Some(colon) => names.push(
                String::from_utf8_lossy(&line[..colon])
                    .trim()
                    .to_lowercase(),
            ),
            None => break,
        }
    }
    names
}

/// Counted independently of this reader: `grep -c '^From '` (every one of them follows an
/// empty line and carries a ctime date), cross-checked with Python's `mailbox.mbox`, and
/// `Message-ID:` in each message's own header block (message #53 of November, sent from a
/// Samsung phone, has none; `grep -ci '^message-id:'` counts a few more because bodies
/// quote headers).
const APACHE_MAVEN_DEV: [(&str, usize, usize); 2] = [
    ("maven-dev-2017-11.mbox", 319, 318),
    ("maven-dev-2017-12.mbox", 216, 216),
];

#[test]
fn corpus_apache_maven_dev_message_counts() {
    let Some(corpus_dir) = crate::support::corpus_dir() else {
        return;
    };
    let files = corpus::files_with_ext(&corpus_dir.join("apache-maven-dev"), "mbox");
    let names: Vec<String> = files
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, APACHE_MAVEN_DEV.map(|(name, _, _)| name));

    for (path, (name, expected_messages, expected_with_id)) in files.iter().zip(APACHE_MAVEN_DEV) {
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let messages: Vec<MboxMessage> = MboxReader::new(BufReader::new(file))
            .collect::<io::Result<_>>()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(messages.len(), expected_messages, "{name}");

        let mut with_id = 0;
        for (i, m) in messages.iter().enumerate() {
            let headers = header_names(&m.raw);
            for required in ["return-path", "from", "subject"] {
                assert!(
                    headers.iter().any(|h| h == required),
                    "{name}#{}: no {required}",
                    i + 1
                );
            }
            with_id += usize::from(headers.iter().any(|h| h == "message-id"));
            let sender = m.envelope_from.as_deref().unwrap_or("");
            assert!(
                sender.contains('@'),
                "{name}#{}: envelope {sender:?}",
                i + 1
            );
            assert!(
                m.raw.ends_with(b"\n") && !m.raw.ends_with(b"\n\n"),
                "{name}#{}: separator kept",
                i + 1
            );
        }
        assert_eq!(
            with_id, expected_with_id,
            "{name}: messages with Message-ID"
        );
        println!(
            "{name}: {} messages, {with_id} with Message-ID",
            messages.len()
        );
    }
}

#[test]
fn corpus_mboxrd_quoting_is_undone() {
    let Some(corpus_dir) = crate::support::corpus_dir() else {
        return;
    };
    // The archive holds ">>From my perspective": a line that was ">From my perspective"
    // in the posted message (quoted by the sender's own mailer), quoted once more by mboxrd.
    let path = corpus_dir.join("apache-maven-dev/maven-dev-2017-11.mbox");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut found = 0;
    for m in MboxReader::new(BufReader::new(file)) {
        let m = m.expect("read corpus mbox");
        found += m
            .raw
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b">From my perspective"))
            .count();
        assert!(
            !m.raw
                .split(|&b| b == b'\n')
                .any(|l| l.starts_with(b">>From my"))
        );
    }
    assert_eq!(found, 2);
}

/// Messages per mbox file, counted independently: `grep -c '^From '` (or, for MMDF, half
/// the `^A^A^A^A` lines) agreeing with Python's `mailbox` module and with `^Message-ID:`
/// counts; the fedora month and the pipermail numbers also match their SOURCE.txt notes.
const KNOWN_MBOXES: [(&str, usize); 8] = [
    ("bigbang/tests/data/2001-November.txt", 164),
    (
        "bigbang/tests/data/3GPP_mbox/3GPP_TSG_RAN_WG4_NR-MIMO-OTA.mbox",
        59,
    ),
    ("bigbang/tests/data/3GPP_mbox/3GPP_TSG_SA_WG4_EVS.mbox", 50),
    (
        "jwzthreading-fedora/jwzthreading/tests/data/fedora-devel-mailman/2010-January.txt.gz",
        292,
    ),
    (
        "ietf-mailarchive/backend/mlarchive/tests/data/mailbox_mmdf",
        5,
    ),
    (
        "ietf-mailarchive/backend/mlarchive/tests/data/export.mbox",
        21,
    ),
    (
        "votes/apache-maven-dev-2017/09_VOTE_Release_Maven_Indexer_6.0.0.mbox",
        12,
    ),
    ("dovecot-imaptest/src/tests/sort-subject.mbox", 15),
];

fn messages_of<'a>(
    all: &'a [CorpusMessage],
    file: &str,
) -> impl Iterator<Item = &'a CorpusMessage> {
    let prefix = format!("{file}#");
    all.iter().filter(move |m| m.origin.starts_with(&prefix))
}

#[test]
fn corpus_all_messages() {
    let Some(corpus_dir) = crate::support::corpus_dir() else {
        return;
    };
    let all = corpus::all_messages(&corpus_dir);

    let by_folder = corpus::count_by_folder(&all);
    println!("corpus: {} messages", all.len());
    for (folder, count) in &by_folder {
        println!("  {folder:<24} {count:>5}");
    }

    for (file, expected) in KNOWN_MBOXES {
        assert_eq!(messages_of(&all, file).count(), expected, "{file}");
    }
    // A single-message file whose body holds a format-patch From line stays one message.
    assert_eq!(
        all.iter()
            .filter(|m| m.origin == "notmuch/test/corpora/insert/mbox-attachment.eml")
            .count(),
        1
    );
    // Descriptions, licences, expectations and IMAP test scripts are not mail.
    for m in &all {
        assert!(!m.raw.is_empty(), "{}: empty message", m.origin);
        let file = m.origin.split('#').next().unwrap_or("");
        let name = file.rsplit('/').next().unwrap_or("");
        let not_mail = name == "SOURCE.txt"
            || name.starts_with("LICENSE")
            || name.starts_with("COPYING")
            || name.ends_with(".json")
            || file == "dovecot-imaptest/src/tests/thread2";
        assert!(!not_mail, "{} is not mail", m.origin);
    }
    assert!(all.len() > 3_000, "only {} messages found", all.len());
}
