//! Bounce parsing: VERP decoding, hand-made DSNs, robustness, and accuracy over the flufl.bounce corpus.

use std::collections::BTreeSet;

use wgmail::bounce::{Failure, Severity, scan, verp_address};

#[test]
fn verp_address_table() {
    let cases: &[(&str, Option<&str>)] = &[
        ("alice=example.org", Some("alice@example.org")),
        ("Alice=Example.ORG", Some("alice@example.org")),
        ("a=b=example.org", Some("a=b@example.org")),
        (
            "first.last+tag=mail.example.co.uk",
            Some("first.last+tag@mail.example.co.uk"),
        ),
        ("alice", None),
        ("=example.org", None),
        ("alice=", None),
        ("alice=localhost", None),
        ("al ice=example.org", None),
        ("alice=exa_mple.org", None),
        ("", None),
    ];
    for (detail, want) in cases {
        assert_eq!(
            verp_address(detail).as_deref(),
            *want,
            "verp_address({detail:?})"
        );
    }
}

fn dsn(action: &str, status: &str) -> Vec<u8> {
    format!(
        "From: MAILER-DAEMON@mx.example.net\r\n\
         To: wg-bounces+bob=example.com@lists.example.org\r\n\
         Subject: Delivery Status Notification\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\r\n\
         \r\n\
         --BB\r\n\
         Content-Type: text/plain\r\n\
         \r\n\
         Your message could not be delivered to carol@example.com.\r\n\
         --BB\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; mx.example.net\r\n\
         \r\n\
         Original-Recipient: rfc822;Bob@Example.com\r\n\
         Final-Recipient: rfc822; bob.forwarded@example.net\r\n\
         Action: {action}\r\n\
         Status: {status}\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 <bob@example.com>: Recipient address\r\n\
         \x20rejected\r\n\
         \r\n\
         Final-Recipient: rfc822; dave@example.com\r\n\
         Action: delivered\r\n\
         Status: 2.0.0\r\n\
         --BB\r\n\
         Content-Type: message/rfc822\r\n\
         \r\n\
         From: wg@lists.example.org\r\n\
         To: innocent@example.com\r\n\
         Subject: hello\r\n\
         \r\n\
         body\r\n\
         --BB--\r\n"
    )
    .into_bytes()
}

#[test]
fn dsn_failed_is_permanent_and_prefers_original_recipient() {
    let got = scan(&dsn("failed", "5.1.1"));
    assert_eq!(
        got,
        vec![Failure {
            address: "bob@example.com".into(),
            severity: Severity::Permanent,
            status: Some("5.1.1".into()),
            diagnostic: Some("550 5.1.1 <bob@example.com>: Recipient address rejected".into()),
        }]
    );
}

#[test]
fn dsn_delayed_4xx_is_temporary() {
    let got = scan(&dsn("delayed", "4.4.7"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].address, "bob@example.com");
    assert_eq!(got[0].severity, Severity::Temporary);
    assert_eq!(got[0].status.as_deref(), Some("4.4.7"));
}

#[test]
fn dsn_without_action_uses_status_class() {
    let raw = String::from_utf8(dsn("failed", "4.2.2"))
        .unwrap()
        .replace("Action: failed\r\n", "");
    let got = scan(raw.as_bytes());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].severity, Severity::Temporary);
}

#[test]
fn garbage_and_empty_input_yield_nothing() {
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\r\n\r\n".to_vec(),
        b"Subject: hi\r\n\r\nnot a bounce, write to someone@example.com\r\n".to_vec(),
        (0u8..=255).cycle().take(10_000).collect(),
        b"Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822;\r\nAction: failed\r\n--x".to_vec(),
        "Content-Type: text/plain\r\n\r\nThe following addresses had permanent fatal errors\r\n<\u{e9}@\u{e9}.\u{e9}>\r\n".as_bytes().to_vec(),
    ];
    for raw in inputs {
        assert!(scan(&raw).is_empty(), "{:?}", String::from_utf8_lossy(&raw));
    }
}

#[test]
fn qmail_report_is_permanent() {
    let raw = b"From: MAILER-DAEMON@mx.example.net\r\nSubject: failure notice\r\n\r\n\
Hi. This is the qmail-send program at mx.example.net.\r\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\
This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n\
<erin@example.net>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n\
--- Below this line is a copy of the message.\r\n\r\nFrom: wg@lists.example.org\r\nTo: innocent@example.org\r\n";
    let got = scan(raw);
    assert_eq!(
        got.iter().map(|f| f.address.as_str()).collect::<Vec<_>>(),
        ["erin@example.net"]
    );
    assert_eq!(got[0].severity, Severity::Permanent);
}

/// Runs `scan` over every row of the flufl.bounce corpus. A row is exactly right when the set of extracted
/// addresses equals the expected set and, for rows the corpus marks temporary, every failure is Temporary
/// (and Permanent otherwise). `groupwise_02.txt` has two rows in the corpus: flufl lists it once for its
/// SimpleMatch detector (finds nothing) and once for its GroupWise detector (finds the address); a single
/// `scan` can satisfy only one, so that row is counted against us.
#[test]
fn flufl_bounce_corpus_accuracy() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let dir = corpus.join("flufl-bounce");
    let tsv = std::fs::read_to_string(dir.join("expected.tsv")).expect("expected.tsv");
    let rows_of: Vec<Vec<&str>> = tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
        .collect();
    let addresses = |cols: &Vec<&str>| -> BTreeSet<String> {
        cols.get(2)
            .unwrap_or(&"")
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let (mut rows, mut right, mut wrong) = (0, 0, 0);
    for cols in &rows_of {
        let (file, temporary) = (cols[0], cols.get(1) == Some(&"yes"));
        let want = addresses(cols);
        // An address is wrong only if no row for this file expects it (see groupwise_02 above).
        let known: BTreeSet<String> = rows_of
            .iter()
            .filter(|c| c[0] == file)
            .flat_map(&addresses)
            .collect();
        let raw = std::fs::read(dir.join("tests/data").join(file)).expect(file);
        let got = scan(&raw);
        let got_set: BTreeSet<String> = got.iter().map(|f| f.address.clone()).collect();
        let want_severity = if temporary {
            Severity::Temporary
        } else {
            Severity::Permanent
        };
        let bad: Vec<&String> = got_set.difference(&known).collect();
        wrong += bad.len();
        rows += 1;
        if got_set == want && got.iter().all(|f| f.severity == want_severity) {
            right += 1;
        } else {
            let sev: Vec<Severity> = got.iter().map(|f| f.severity).collect();
            eprintln!("MISS {file}: want {want:?} ({want_severity:?}), got {got_set:?} {sev:?}");
        }
    }
    eprintln!("flufl-bounce: {right}/{rows} rows exactly right, {wrong} wrong addresses extracted");
    assert_eq!(rows, 116);
    assert_eq!(wrong, 0, "a wrong address scores an innocent member");
    assert!(right >= 113, "accuracy regressed: {right}/{rows}");
}
