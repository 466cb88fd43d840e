//! The position classifier and the tally: one test per row of `shared/spec/positions.md`, MIME
//! variants through `message::parse`, the nine real Maven `[VOTE]` threads, the vote-like lines,
//! the never-count cases and a printed benchmark.

use std::path::Path;
use std::time::Instant;

use wgmail::workflow::positions::{Position, authored_text, classify};
use wgmail::workflow::tally::{Reply, identity, recount, render_text, tally};

use Position::*;

fn pos(body: &str) -> Position {
    classify(body, None).position
}

/// Rows of positions.md whose outcome is a single message's position. Rows 19, 20, 22 (tally)
/// and 34 (Auto-Submitted) have their own tests below. Agree/Disagree rows carry the quote they
/// answer, since the classifier only sees the message. Row 16 (one line about two drafts) is an
/// objection: the classifier has no per-draft split yet, and the last stance of a message wins.
const ROWS: &[(u32, &str, Position)] = &[
    (1, "+1", Support),
    (2, "+1 to adopt.", Support),
    (
        3,
        "I support adoption of this draft and am willing to review.",
        Support,
    ),
    (
        4,
        "Support. The problem is real for operators running large EVPN fabrics; we hit it monthly.",
        Support,
    ),
    (5, "-1", Object),
    (
        6,
        "I object to adoption. RFC 8446 session tickets already solve this, and a second mechanism with different security properties will confuse implementers.",
        Object,
    ),
    (
        7,
        "I oppose publishing this as Proposed Standard; it should be Experimental until we have two interoperable implementations.",
        Object,
    ),
    (8, "No objection.", NoObjection),
    (9, "0", Neutral),
    (
        10,
        "No strong opinion either way, but I won't be implementing it.",
        Neutral,
    ),
    (
        11,
        "> +1\n>\nI disagree with the above: section 4 breaks existing deployments.",
        Object,
    ),
    (
        12,
        "Support, with a few nits below.\nOn Mon, 1 Dec 2026 at 09:00, Chair wrote:\n> This message starts a 2-week WG Last Call. Please review and indicate your support or objection.\n",
        Support,
    ),
    (
        13,
        "> Please review and indicate your support or objection to proceed.\nI have reviewed -05; it is ready for publication.\n> Objections should be motivated.\n(none from me)\n",
        Support,
    ),
    (
        14,
        "Looks good to me.\n-- \nJane Doe, Example Corp\nTel: +1 555 0100\n",
        Support,
    ),
    (
        15,
        "+1\nOn Tue, 1 Dec 2026 at 09:00, Chair wrote:\nPlease reply saying if you support or not the adoption of this draft.\n",
        Support,
    ),
    (
        16,
        "+1 for draft-ietf-foo-bar; -1 for draft-ietf-foo-baz until the IANA section is fixed.",
        Object,
    ),
    (
        17,
        "+1 if the security considerations cover downgrade attacks.",
        SupportIf,
    ),
    (
        18,
        "I support, provided that the YANG module moves to a separate draft.",
        SupportIf,
    ),
    (
        21,
        "I implemented this draft in our stack and it interoperates with two others; support.",
        Support,
    ),
    (23, "I support as a co-author.", Support),
    (
        24,
        "I have read the document, I support publication on the standards track.",
        Support,
    ),
    (
        25,
        "Quick question: does section 3 apply to multicast sources?",
        Comment,
    ),
    (
        26,
        "Reminder: the WGLC ends Friday. So far we have seen support from 5 people and one objection.",
        Comment,
    ),
    (27, "Speaking as an individual: +1, I'd use this.", Support),
    (
        28,
        "I don't support adoption in its current form; the scope overlaps with the foo WG's charter.",
        Object,
    ),
    (29, "I'm not opposed.", NoObjection),
    (
        30,
        "+1 to Carol's point.\n\nOn Mon, Carol wrote:\n> I object to adoption. RFC 8446 session tickets already solve this.\n",
        Object,
    ),
    (
        31,
        "Strong -1. This breaks every deployed middlebox that rewrites the port.",
        Object,
    ),
    (32, "+100, long overdue.", Support),
    (
        33,
        "Okay, here are mine.\n1. \"* server authentication -- normally done in conjunction with user authentication;\". I object to the clause after \"--\" since it is not always so.\nAnonymous FTP, anyone?",
        Comment,
    ),
    (
        35,
        "The hello mechanism in OSPF already gives us discovery; a new protocol duplicates it.\nWhy not extend the existing TLVs instead of defining a separate exchange?\nThat seems simpler to deploy.",
        Comment,
    ),
    (36, "Yes.", Support),
    (37, "Me too.", Support),
    (38, "Supported. Happy to help edit.", Support),
    (
        39,
        "Not ready. The IANA considerations don't define a registration policy.",
        Object,
    ),
    (
        40,
        "I prefer draft-a over draft-b because it reuses the existing TLV space.",
        Comment,
    ),
    (
        41,
        "My colleague Erin asked me to say she supports this too. +1 from me as well.",
        Support,
    ),
    (42, "Is the TLV length in octets or bits?", Comment),
    (
        43,
        "+1\n\nOn Mon, Carol wrote:\n> I object to adoption. RFC 8446 session tickets already solve this.\n",
        Comment,
    ),
    (
        44,
        "-1 to what Dave said; the overlap with foo WG is small and manageable. I support adoption.\n\nOn Mon, Dave wrote:\n> -1, the scope overlaps with the foo WG.\n",
        Support,
    ),
];

#[test]
fn positions_md_rows() {
    let mut failures = Vec::new();
    for (row, body, want) in ROWS {
        let got = classify(body, None);
        if got.position != *want {
            failures.push(format!("row {row}: want {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn objection_reasons_are_kept() {
    let c = classify(ROWS[5].1, None);
    assert_eq!(
        c.reason.as_deref().map(|r| r.contains("RFC 8446")),
        Some(true),
        "row 6: {c:?}"
    );
    assert_eq!(classify("-1", None).reason, None, "row 5: no reasons");
    let c = classify(
        "Strong -1. This breaks every deployed middlebox that rewrites the port.",
        None,
    );
    assert_eq!(
        c.reason.as_deref(),
        Some("This breaks every deployed middlebox that rewrites the port."),
        "row 31"
    );
    let c = classify(
        "-1 (non-binding)\n\nThe staged version still fails with a basic module setup.\n",
        None,
    );
    assert_eq!(
        c.reason.as_deref(),
        Some("The staged version still fails with a basic module setup.")
    );
    let c = classify(ROWS[16].1, None);
    assert_eq!(
        c.reason.as_deref(),
        Some("the security considerations cover downgrade attacks"),
        "row 17: {c:?}"
    );
}

#[test]
fn row_30_without_a_quote_is_plain_agreement() {
    // Agreeing with someone whose position we cannot see counts as support (documented choice).
    assert_eq!(pos("+1 to Carol's point."), Support);
}

#[test]
fn row_34_auto_reply_is_ignored() {
    let c = classify(
        "I am out of the office until Monday. +1",
        Some("auto-replied"),
    );
    assert_eq!(c.position, Ignore, "row 34");
    assert_eq!(classify("+1", Some("no")).position, Support);
}

fn reply(from: &str, date: i64, id: &str, body: &str) -> Reply {
    Reply {
        from: from.into(),
        name: String::new(),
        date,
        message_id: id.into(),
        classified: classify(body, None),
    }
}

#[test]
fn row_19_latest_wins_and_comment_does_not_erase() {
    let rs = [
        reply(
            "joe@example.org",
            1,
            "a",
            "-1: section 5 allows replay of the token.",
        ),
        reply(
            "joe@example.org",
            2,
            "b",
            "Thanks Joe, that helps, but see my other mail.",
        ),
    ];
    let t = tally(&rs, None);
    assert_eq!(
        t.object,
        ["joe@example.org"],
        "row 19 (b) must not erase (a)"
    );
    assert_eq!(
        t.objections[0].reason.as_deref(),
        Some("-1: section 5 allows replay of the token.")
    );
    let mut rs = rs.to_vec();
    rs.push(reply(
        "joe@example.org",
        3,
        "c",
        "-06 fixes my concern; I now support.",
    ));
    let t = tally(&rs, None);
    assert_eq!(t.support, ["joe@example.org"], "row 19 final");
    assert!(
        t.object.is_empty() && t.objections.is_empty(),
        "row 19: the objection is withdrawn"
    );
    assert_eq!((t.replies, t.classified), (3, 2));
}

#[test]
fn row_20_same_message_id_counts_once() {
    let rs = [
        reply("a@example.org", 1, "x@y", "+1"),
        reply("a@example.org", 1, "x@y", "+1"),
    ];
    let t = tally(&rs, None);
    assert_eq!((t.replies, t.support.len()), (1, 1), "row 20");
}

#[test]
fn row_22_late_is_listed_not_counted() {
    let rs = [
        reply("a@example.org", 100, "1", "+1"),
        reply("b@example.org", 300, "2", "+1"),
    ];
    let t = tally(&rs, Some(200));
    assert_eq!(t.support, ["a@example.org"], "row 22");
    assert_eq!(t.late.len(), 1);
    assert_eq!(t.late[0].from, "b@example.org");
}

#[test]
fn dmarc_rewriting_is_undone() {
    assert_eq!(
        identity("Alice=40Example.org@dmarc.ietf.org"),
        "alice@example.org"
    );
    assert_eq!(
        identity("bob=40x.org@example.com"),
        "bob=40x.org@example.com"
    );
    let rs = [
        reply("alice=40example.org@dmarc.ietf.org", 1, "1", "-1"),
        reply("alice@example.org", 2, "2", "+1"),
    ];
    assert_eq!(tally(&rs, None).support, ["alice@example.org"]);
}

#[test]
fn tally_json_and_text() {
    let rs = [
        reply(
            "dave@example.org",
            1,
            "1",
            "I object: the scope overlaps with the foo WG charter.",
        ),
        reply("alice@example.org", 2, "2", "+1"),
        reply("bob@example.net", 3, "3", "What about section 3?"),
    ];
    let t = tally(&rs, None);
    let j = serde_json::to_value(&t).unwrap();
    for k in [
        "replies",
        "classified",
        "support",
        "support_if",
        "object",
        "no_objection",
        "neutral",
        "late",
        "objections",
    ] {
        assert!(j.get(k).is_some(), "missing key {k}");
    }
    assert_eq!(j["replies"], 3);
    assert_eq!(j["classified"], 2);
    let text = render_text(&t);
    assert!(
        text.starts_with("Objections (1):\n  dave@example.org: \""),
        "{text}"
    );
    assert!(text.contains("Support (1): alice@example.org"), "{text}");
    assert!(text.contains("coverage 67%"), "{text}");
}

// ---- never counts ----

#[test]
fn never_counts_a_ballot_template() {
    let body = "Vote open for at least 72 hours.\n\n[ ] +1\n[ ] +0\n[ ] -1\n";
    assert_eq!(pos(body), Comment);
    assert_eq!(pos("[X] +1 Release\n[ ] -1 Do not release\n"), Comment);
}

#[test]
fn never_counts_a_result_summary() {
    assert_eq!(
        pos("Vote passed with +1's from: Olivier, Herve, Robert"),
        Comment
    );
    assert_eq!(pos("+1: 5 binding, 2 non-binding\n-1: none"), Comment);
    assert_eq!(pos("The vote passes with 3 binding +1 votes."), Comment);
}

#[test]
fn never_counts_a_quoted_plus_one() {
    assert_eq!(pos("> +1\n\nWhat about the IANA section?"), Comment);
    assert_eq!(
        pos("On Mon, Bob wrote:\n> +1\n> I support adoption.\n"),
        Comment
    );
}

#[test]
fn never_counts_a_phone_number() {
    assert_eq!(pos("Call me.\nTel: +1 555 0100"), Comment);
    assert_eq!(
        pos("Reach me at +1 555 0100 or +1-555-0101 or +1 (555) 0102."),
        Comment
    );
}

#[test]
fn authored_text_drops_quotes_signature_footer_forward() {
    let body = "+1\n\nOn Mon, 1 Dec 2026, Bob <b@x> wrote:\n> quoted\n-- \nsig +1\n";
    assert_eq!(authored_text(body).trim(), "+1");
    let body = "Fine.\n_______________________________________________\nfoo mailing list\n+1\n";
    assert_eq!(authored_text(body).trim(), "Fine.");
    let body = "FYI\n-------- Forwarded Message --------\n+1\n";
    assert_eq!(authored_text(body).trim(), "FYI");
    let body = "Looks good to me\n-----Original Message-----\nFrom: x\n-1\n";
    assert_eq!(authored_text(body).trim(), "Looks good to me");
    let body = "Ok\nBegin forwarded message:\n\n-1\n";
    assert_eq!(authored_text(body).trim(), "Ok");
    let body = "Le lundi 1 décembre 2026, Bob a écrit :\n> -1\nAm 1.12.2026 um 09:00 schrieb Bob:\n> -1\nSupport.\n";
    assert_eq!(authored_text(body).trim(), "Support.");
}

// ---- MIME variants through message::parse ----

fn raw(headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\nTo: wg@example.org\r\nSubject: Re: Call for adoption: draft-smith-foo-bar-03\r\nMessage-ID: <m1@example.org>\r\nIn-Reply-To: <call@example.org>\r\nDate: Mon, 1 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n{headers}\r\n{body}"
    )
    .into_bytes()
}

fn parsed_pos(m: &[u8]) -> Position {
    let p = wgmail::message::parse(m);
    classify(&p.body_text, p.auto_submitted.as_deref()).position
}

#[test]
fn mime_html_only_row_15() {
    let m = raw(
        "Content-Type: text/html; charset=utf-8\r\n",
        "<div dir=\"ltr\">+1</div><div class=\"gmail_quote\"><div class=\"gmail_attr\">On Tue, 1 Dec 2026 at 09:00, Chair wrote:</div><blockquote class=\"gmail_quote\">Please reply saying whether you support or not the adoption. -1 means no.</blockquote></div>\r\n",
    );
    assert_eq!(parsed_pos(&m), Support, "row 15 html");
}

#[test]
fn mime_quoted_printable() {
    let m = raw(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
        "I object to adoption=3B the scope overlaps with the foo WG=E2=80=99s charter an=\r\nd nobody asked for it.\r\n",
    );
    let p = wgmail::message::parse(&m);
    let c = classify(&p.body_text, None);
    assert_eq!(c.position, Object);
    assert!(
        c.reason.unwrap().contains("nobody asked"),
        "soft line break decoded"
    );
}

#[test]
fn mime_format_flowed() {
    let m = raw(
        "Content-Type: text/plain; charset=utf-8; format=flowed\r\n",
        "I support adoption of this draft and am \r\nwilling to review.\r\n\r\nOn Mon, 1 Dec 2026, Chair wrote:\r\n> Please reply saying whether you object \r\n> to adoption.\r\n",
    );
    assert_eq!(parsed_pos(&m), Support);
}

#[test]
fn mime_top_posted_with_original_below() {
    let m = raw(
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Not ready. The IANA considerations don't define a registration policy.\r\n\r\n-----Original Message-----\r\nFrom: Chair <chair@example.org>\r\nSent: Monday\r\n\r\n[ ] +1 adopt\r\n[ ] -1 do not adopt\r\nPlease say +1 if you support.\r\n",
    );
    assert_eq!(parsed_pos(&m), Object);
}

#[test]
fn mime_interleaved() {
    let m = raw(
        "Content-Type: text/plain; charset=utf-8\r\n",
        "On Mon, 1 Dec 2026, Chair wrote:\r\n> Please review and indicate your support or objection to proceed.\r\nI have reviewed -05; it is ready for publication.\r\n> Objections should be motivated.\r\n(none from me)\r\n",
    );
    assert_eq!(parsed_pos(&m), Support, "row 13 as a message");
}

// ---- real threads ----

/// Splits an mbox on `From ` separator lines (mboxrd quoting is left as is: it only affects
/// `>From` lines in bodies).
fn split_mbox(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < data.len() {
        let line_start = i == 0 || data[i - 1] == b'\n';
        if line_start && data[i..].starts_with(b"From ") {
            if let Some(s) = start {
                out.push(data[s..i].to_vec());
            }
            // The message starts after the separator line.
            let nl = data[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(data.len(), |p| i + p + 1);
            start = Some(nl);
            i = nl;
            continue;
        }
        i += 1;
    }
    if let Some(s) = start {
        out.push(data[s..].to_vec());
    }
    out
}

/// Expected tallies, read as a chair would (people, not binding votes):
/// - 00: four +1s ("here is my +1" from the RM, "So +1 from me." after a test log).
/// - 01: four +1s; Hervé's "one vote still missing..." is a comment, "Re: Re:" still associates.
/// - 03: Martijn's "Non binding but it works well for me" is a vote without a number (the RM
///   read it as +1); Robert's "I assume I can translate this to a +1..." and "Still waiting"
///   are comments.
/// - 04: Mark's "-1 (non-binding)" with reasons; his later messages are comments and do not
///   erase it; the RM cancelled.
/// - 05: nobody votes ("I'd like to vote … but", "I'd vote to release" are conditionals that
///   never happen); the RM cancelled.
/// - 06: four +1s, Mark's under a two-line attribution.
/// - 07: Bernd's Outlook reply quotes the ballot template unquoted below `____`: not a vote.
/// - 08: five +1s including "Awesome Hervé, +1!".
/// - 09: six +1s ("RE:" prefix, "Awesome! +1"); Tamás's "Vote passed with +1's from …" is a
///   result summary. Andreas ("Tested … I experienced no trouble.") states no position: a
///   careful chair asks him (the RM counted him; we do not, precision over recall).
const THREADS: &[(&str, &[&str], &[&str])] = &[
    (
        "00_",
        &[
            "herve.boutemy@free.fr",
            "khmarbaise@gmx.de",
            "michaelo@apache.org",
            "rfscholte@apache.org",
        ],
        &[],
    ),
    (
        "01_",
        &[
            "1983-01-06@gmx.net",
            "herve.boutemy@free.fr",
            "paranoiabla@gmail.com",
            "rfscholte@apache.org",
        ],
        &[],
    ),
    (
        "03_",
        &[
            "aheritier@gmail.com",
            "herve.boutemy@free.fr",
            "martijnverburg@gmail.com",
            "olamy@apache.org",
            "rfscholte@apache.org",
        ],
        &[],
    ),
    ("04_", &[], &["org.apache.maven.user@io7m.com"]),
    ("05_", &[], &[]),
    (
        "06_",
        &[
            "herve.boutemy@free.fr",
            "olamy@apache.org",
            "org.apache.maven.user@io7m.com",
            "rfscholte@apache.org",
        ],
        &[],
    ),
    (
        "07_",
        &[
            "herve.boutemy@free.fr",
            "khmarbaise@gmx.de",
            "rfscholte@apache.org",
        ],
        &[],
    ),
    (
        "08_",
        &[
            "herve.boutemy@free.fr",
            "khmarbaise@gmx.de",
            "michaelo@apache.org",
            "olamy@apache.org",
            "rfscholte@apache.org",
        ],
        &[],
    ),
    (
        "09_",
        &[
            "herve.boutemy@free.fr",
            "manfred@simpligility.com",
            "olamy@apache.org",
            "rfscholte@apache.org",
            "skygo@apache.org",
        ],
        &[],
    ),
];

#[test]
fn maven_vote_threads() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let dir = corpus.join("votes/apache-maven-dev-2017");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 9);
    let mut failures = Vec::new();
    for (prefix, support, object) in THREADS {
        let f = files
            .iter()
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
            .unwrap();
        let msgs = split_mbox(&std::fs::read(f).unwrap());
        let t = recount(&msgs);
        if t.support != *support || t.object != *object || !t.support_if.is_empty() {
            failures.push(format!(
                "{prefix}: support {:?} object {:?} support_if {:?}",
                t.support, t.object, t.support_if
            ));
        }
        if *prefix == "04_" {
            let r = t.objections[0].reason.as_deref().unwrap_or("");
            assert!(r.contains("still fails"), "04 reason: {r}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Lines of vote-like-replies.jsonl that are not support (everything else is):
/// 0 — "-1" answers point 3 of an interleaved reply about Maven 4 ideas, not the thread: comment;
/// 7 — "-1 (non-binding)" with reasons: a real objection;
/// 37 — "+1;" is a line of a Perl patch: comment.
/// Line 20's bare "+1" answers the quoted paragraph just above it ("I'd like it in both
/// places"), not the older "So -1 for me." deeper in the quote: support.
const NOT_SUPPORT: &[(usize, Position)] = &[(0, Comment), (7, Object), (37, Comment)];

#[test]
fn vote_like_replies() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let data = std::fs::read_to_string(corpus.join("votes/vote-like-replies.jsonl")).unwrap();
    let mut misses = Vec::new();
    let mut n = 0;
    for (i, line) in data.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let body = v["body"].as_str().unwrap();
        let want = NOT_SUPPORT
            .iter()
            .find(|(n, _)| *n == i)
            .map_or(Support, |(_, p)| *p);
        let got = classify(body, None);
        n += 1;
        if got.position != want {
            misses.push(format!(
                "line {i}: want {want:?}, got {:?} ({:?})",
                got.position, got.evidence
            ));
        }
    }
    assert_eq!(n, 39);
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

// ---- benchmark (printed, not asserted) ----

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn classification_rate_over_corpus() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let mut files = Vec::new();
    walk(&corpus, &mut files);
    // Every mbox-looking file is split into messages; every other file is one message.
    let mut bodies = Vec::new();
    for f in &files {
        let Ok(data) = std::fs::read(f) else { continue };
        if data.len() > 64 << 20
            || f.extension()
                .is_some_and(|e| e == "gz" || e == "jsonl" || e == "json")
        {
            continue;
        }
        let msgs = if data.starts_with(b"From ") {
            split_mbox(&data)
        } else {
            vec![data]
        };
        for m in msgs {
            bodies.push(wgmail::message::parse(&m));
        }
    }
    let start = Instant::now();
    let mut with_position = 0usize;
    for p in &bodies {
        let c = classify(&p.body_text, p.auto_submitted.as_deref());
        if !matches!(c.position, Comment | Ignore) {
            with_position += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    let rate = bodies.len() as f64 / secs;

    // A synthetic 1,000-reply thread.
    let mut thread = vec![raw_call()];
    for i in 0..1000 {
        let body = match i % 4 {
            0 => "+1\n\nOn Mon, Chair wrote:\n> Please reply.\n",
            1 => "I object: section 4 is broken.\n",
            2 => "Quick question about section 3?\n",
            _ => "No objection.\n",
        };
        thread.push(
            format!("From: p{i} <p{i}@example.org>\r\nSubject: Re: Call for adoption: draft-x-y-03 (Ends 2026-12-12)\r\nMessage-ID: <r{i}@example.org>\r\nIn-Reply-To: <call@example.org>\r\nDate: Mon, 1 Dec 2026 10:00:00 +0000\r\n\r\n{body}")
                .into_bytes(),
        );
    }
    let start = Instant::now();
    let t = recount(&thread);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(t.support.len() + t.object.len() + t.no_objection.len(), 750);
    println!(
        "positions: {} messages classified at {:.0} msg/s ({} with a position); recount of 1000 replies: {:.1} ms",
        bodies.len(),
        rate,
        with_position,
        ms
    );
}

fn raw_call() -> Vec<u8> {
    b"From: Chair <chair@example.org>\r\nSubject: Call for adoption: draft-x-y-03 (Ends 2026-12-12)\r\nMessage-ID: <call@example.org>\r\nDate: Mon, 1 Dec 2026 09:00:00 +0000\r\n\r\nThis message starts a call. [ ] +1 [ ] -1\r\n".to_vec()
}

/// Multi-byte characters right where a stance's prefix ends must not panic (a reply to a call is
/// classified before delivery; a panic would park the post).
#[test]
fn multibyte_text_at_every_prefix_boundary_never_panics() {
    let stems = [
        "+1 if ",
        "+1 provided that ",
        "+1 on the condition that ",
        "I support, as long as ",
        "-1 (non-binding)",
        "+1 (binding)",
        "+1 to Carol's point",
        "-1 to what Dave said",
        "Me too",
        "I object: ",
    ];
    for stem in stems {
        for cut in 0..=stem.len() {
            for odd in ["€", "é", "😀", "\u{2019}", "ß"] {
                let line = format!("{}{odd}{odd} more {}", &stem[..cut], &stem[cut..]);
                let _ = classify(&line, None);
                let _ = classify(&format!("{line}\n\n> -1 quoted\n"), None);
            }
        }
    }
    assert_eq!(
        classify("+1 if abcdefghijklm€ more", None).position,
        SupportIf
    );
}

#[test]
fn non_ascii_subjects_and_draft_names_never_panic() {
    for s in [
        "José's comments",
        "Re: Erdős",
        "日本語",
        "😀 Re: [quic] Call",
        "Fwé",
    ] {
        let _ = wgmail::workflow::tally::base_subject(s);
    }
    assert_eq!(
        wgmail::workflow::tally::base_subject("Re: José's comments"),
        "josé's comments"
    );
    for name in [
        "draft-éaa",
        "draft-€aa",
        "draft-a€",
        "draft-ab-é1",
        "draft-😀",
    ] {
        assert!(
            wgmail::workflow::states::parse_draft(name).is_err(),
            "{name}"
        );
    }
}

/// Hostile bodies stay cheap: a top-posted `+1` above a huge quoted line, and a bare `-1` above a
/// huge paragraph, are classified in bounded time with a bounded reason. (Generous bound: this
/// took minutes before the quoted text was bounded like the authored text.)
#[test]
fn hostile_bodies_are_classified_in_bounded_time_with_bounded_reasons() {
    let body = format!("+1\n\n> {}\n", "+1 to ,".repeat(40_000));
    let started = std::time::Instant::now();
    let _ = classify(&body, None);
    let many = format!(
        "+1\n\n{}",
        "> +1 to Carol's point, I object\n".repeat(50_000)
    );
    let _ = classify(&many, None);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let c = classify(
        &format!("-1\n{}\nmore\n", "too much scope ".repeat(10_000)),
        None,
    );
    assert_eq!(c.position, Object);
    assert!(
        c.reason.as_ref().is_none_or(|r| r.len() <= 500),
        "{:?}",
        c.reason.map(|r| r.len())
    );
    let c = classify(&format!("-1\n{}\n", "é".repeat(290)), None);
    assert!(c.reason.is_some_and(|r| r.len() <= 500));
}
