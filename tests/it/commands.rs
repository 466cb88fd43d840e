//! The pure parts of membership and moderation by email: the `-request` command grammar, the
//! moderator-reply grammar, confirmation tokens and signed one-click unsubscribe tokens.

use std::os::unix::fs::PermissionsExt;

use wgmail::commands::moderation::{ModAction, parse_reply};
use wgmail::commands::request::{Command, Line, ListAddresses, MAX_BODY_LINES, help_text, parse};
use wgmail::tokens::{self, SECRET_FILE, Secret};

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn ok(text: &str, command: Command) -> Line {
    Line {
        text: text.to_owned(),
        result: Ok(command),
    }
}

fn commands(subject: &str, body: &str) -> Vec<Result<Command, String>> {
    parse(subject, body)
        .commands
        .into_iter()
        .map(|l| l.result)
        .collect()
}

fn addr(a: &str) -> Option<String> {
    Some(a.to_owned())
}

#[test]
fn subject_commands() {
    use Command::*;
    let confirm = Confirm(TOKEN.to_owned());
    let table: &[(&str, Vec<Command>)] = &[
        ("subscribe", vec![Subscribe(None)]),
        ("SUBSCRIBE", vec![Subscribe(None)]),
        ("join", vec![Subscribe(None)]),
        ("  leave  ", vec![Unsubscribe(None)]),
        (
            "unsubscribe bob@example.org",
            vec![Unsubscribe(addr("bob@example.org"))],
        ),
        ("help", vec![Help]),
        ("who", vec![Who]),
        ("[wg] help", vec![Help]),
        (&format!("Re: confirm {TOKEN}"), vec![confirm.clone()]),
        (
            &format!("RE: [wg] Fwd: confirm {TOKEN}"),
            vec![confirm.clone()],
        ),
        (
            &format!("Re: confirm {}", TOKEN.to_uppercase()),
            vec![confirm.clone()],
        ),
        // Prose subjects are not errors, just not commands.
        ("Help with my subscription", vec![]),
        ("Question about the draft", vec![]),
        ("confirm not-a-token", vec![]),
        ("", vec![]),
        ("Re:", vec![]),
    ];
    for (subject, expected) in table {
        let parsed = parse(subject, "");
        let got: Vec<Command> = parsed
            .commands
            .into_iter()
            .map(|l| l.result.unwrap())
            .collect();
        assert_eq!(&got, expected, "subject {subject:?}");
        assert!(
            parsed.ignored.is_empty(),
            "subject {subject:?} is never listed as ignored"
        );
    }
}

#[test]
fn body_commands() {
    use Command::*;
    let table: &[(&str, &str, Vec<Command>)] = &[
        (
            "plain list",
            "subscribe\nhelp\nwho\n",
            vec![Subscribe(None), Help, Who],
        ),
        (
            "blank lines skipped",
            "\n\n  \nhelp\n\n\nwho\n",
            vec![Help, Who],
        ),
        (
            "aliases",
            "join\nleave\n",
            vec![Subscribe(None), Unsubscribe(None)],
        ),
        ("case", "SubScribe\nHELP\n", vec![Subscribe(None), Help]),
        ("CRLF", "help\r\nwho\r\n", vec![Help, Who]),
        (
            "addresses",
            "subscribe alice@example.org\nsubscribe address=carol@example.org\nunsubscribe <bob@example.org>\n",
            vec![
                Subscribe(addr("alice@example.org")),
                Subscribe(addr("carol@example.org")),
                Unsubscribe(addr("bob@example.org")),
            ],
        ),
        ("end stops", "help\nend\nwho\n", vec![Help]),
        ("END stops", "help\n END \nwho\n", vec![Help]),
        ("stop stops", "help\nstop\nwho\n", vec![Help]),
        ("signature stops", "help\n-- \nAlice\nwho\n", vec![Help]),
        ("bare -- stops", "help\n--\nwho\n", vec![Help]),
        (
            "outlook banner stops",
            "help\n-----Original Message-----\nwho\n",
            vec![Help],
        ),
        ("quoted skipped", "> who\nhelp\n>> subscribe\n", vec![Help]),
        (
            "attribution and quote skipped",
            "help\n\nOn Tue, 3 Mar 2026 at 10:00, wg-request@example.org wrote:\n> who\n",
            vec![Help],
        ),
        (
            "wrapped attribution skipped",
            "On Tue, 3 Mar 2026 at 10:00, Alice Example <\nalice@example.org> wrote:\n> who\nhelp\n",
            vec![Help],
        ),
        (
            "confirm in body of a reply",
            &format!(
                "confirm {TOKEN}\n\nOn Mon, wg-confirm+{TOKEN}@example.org wrote:\n> confirm {TOKEN}\n"
            ),
            vec![Confirm(TOKEN.to_owned())],
        ),
        (
            "the same command twice runs once",
            "help\nhelp\n",
            vec![Help],
        ),
    ];
    for (name, body, expected) in table {
        let got: Vec<Command> = parse("", body)
            .commands
            .into_iter()
            .map(|l| l.result.unwrap())
            .collect();
        assert_eq!(&got, expected, "{name}");
    }
}

#[test]
fn subject_then_body_and_duplicate_confirm() {
    let parsed = parse(
        &format!("Re: confirm {TOKEN}"),
        &format!("confirm {TOKEN}\nwho\n"),
    );
    assert_eq!(
        parsed.commands,
        vec![
            ok(
                &format!("confirm {TOKEN}"),
                Command::Confirm(TOKEN.to_owned())
            ),
            ok("who", Command::Who)
        ]
    );
}

#[test]
fn at_most_ten_body_lines() {
    let body: String = (0..15).map(|i| format!("line{i}\n")).collect::<String>() + "help\n";
    let parsed = parse("", &body);
    assert!(
        parsed.commands.is_empty(),
        "help is line 16, past the limit"
    );
    assert_eq!(
        parsed.ignored.len(),
        16,
        "lines past the limit are reported as ignored"
    );

    // Blank and quoted lines do not count toward the limit.
    let mut body = String::from("> quoted\n\n").repeat(20);
    body += &"who\n".repeat(MAX_BODY_LINES - 1);
    body += "help\n";
    assert_eq!(
        commands("", &body),
        vec![Ok(Command::Who), Ok(Command::Help)]
    );

    let mut body = "x\n".repeat(MAX_BODY_LINES);
    body += "help\n";
    assert!(
        commands("", &body).is_empty(),
        "an 11th authored line is not read"
    );
}

#[test]
fn junk_lines_are_ignored() {
    let parsed = parse(
        "Please add me",
        "Hi,\n\nplease subscribe me.\nsubscribe\nThanks!\nSent from my phone\n",
    );
    assert_eq!(
        parsed.commands,
        vec![ok("subscribe", Command::Subscribe(None))]
    );
    assert_eq!(
        parsed.ignored,
        vec![
            "Hi,",
            "please subscribe me.",
            "Thanks!",
            "Sent from my phone"
        ]
    );

    let letter = "blah\n".repeat(500);
    assert_eq!(
        parse("", &letter).ignored.len(),
        wgmail::commands::request::MAX_IGNORED
    );
}

#[test]
fn malformed_commands_say_why() {
    let table: &[(&str, &str)] = &[
        ("confirm", "needs the token"),
        ("confirm abc", "not a confirmation token"),
        (&format!("confirm {TOKEN} {TOKEN}"), "one token"),
        ("subscribe alice", "not an email address"),
        ("subscribe a@b c@d", "at most one address"),
        ("subscribe digest=yes", "option"),
        ("unsubscribe address=", "not an email address"),
        ("help me please", "no arguments"),
        ("who is here", "no arguments"),
    ];
    for (line, why) in table {
        let parsed = parse("", line);
        assert_eq!(parsed.commands.len(), 1, "{line:?}");
        let Line { text, result } = &parsed.commands[0];
        assert_eq!(text, line);
        let err = result.as_ref().expect_err(line);
        assert!(
            err.contains(why),
            "{line:?}: {err:?} should mention {why:?}"
        );
    }
}

#[test]
fn help_lists_every_command_and_address() {
    let text = help_text(&ListAddresses::new("quic", "ietf.example"));
    for needle in [
        "subscribe",
        "unsubscribe",
        "join",
        "leave",
        "confirm TOKEN",
        "who",
        "help",
        "end",
        "quic@ietf.example",
        "quic-request@ietf.example",
        "quic-join@ietf.example",
        "quic-leave@ietf.example",
        "quic-confirm+TOKEN@ietf.example",
        "quic-owner@ietf.example",
    ] {
        assert!(text.contains(needle), "help text lacks {needle:?}:\n{text}");
    }
}

#[test]
fn moderator_replies() {
    use ModAction::*;
    let quoted_notice = "\n\nOn Tue, 3 Mar 2026, quic-confirm+abc@ietf.example wrote:\n> A message from \
                         mallory@example.org is held.\n> Reply approve, reject or discard.\n";
    let table: &[(&str, String, Option<ModAction>)] = &[
        ("approve", "approve".into(), Some(Approve)),
        (
            "Approve with trailing stop",
            "Approve.\n".into(),
            Some(Approve),
        ),
        (
            "approve top-posted above the quote",
            format!("approve{quoted_notice}"),
            Some(Approve),
        ),
        (
            "approve interleaved below the quote",
            format!("{quoted_notice}\napprove\n"),
            Some(Approve),
        ),
        (
            "approve below a bare quote",
            "> held message from mallory\n> reply approve or reject\napprove\n".into(),
            Some(Approve),
        ),
        (
            "leading blank lines",
            "\n\n   \nDISCARD\n".into(),
            Some(Discard),
        ),
        ("discard", format!("discard{quoted_notice}"), Some(Discard)),
        ("reject alone", "reject\n".into(), Some(Reject(None))),
        (
            "reject with reason",
            "reject off topic\n".into(),
            Some(Reject(Some("off topic".into()))),
        ),
        (
            "reject: reason",
            "Reject: off topic".into(),
            Some(Reject(Some("off topic".into()))),
        ),
        (
            "reject with a multi-line reason",
            format!(
                "reject This list is for the QUIC drafts.\nPlease use quic-issues instead.\n\nthanks\n{quoted_notice}"
            ),
            Some(Reject(Some(
                "This list is for the QUIC drafts.\nPlease use quic-issues instead.".into(),
            ))),
        ),
        (
            "reason on the following lines",
            "reject\nNot a member.\n-- \nChair\n".into(),
            Some(Reject(Some("Not a member.".into()))),
        ),
        ("garbage", "ok, looks fine to me".into(), None),
        ("verb with words after it", "approve this?".into(), None),
        ("verb later in the reply", "Thanks!\napprove\n".into(), None),
        ("only quoted text", "> approve\n".into(), None),
        ("empty", String::new(), None),
        ("signature first", "-- \napprove\n".into(), None),
        ("approved is not approve", "approved".into(), None),
    ];
    for (name, body, expected) in table {
        assert_eq!(&parse_reply(body), expected, "{name}");
    }
}

#[test]
fn confirmation_tokens() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..1000 {
        let token = tokens::new_token().unwrap();
        assert_eq!(token.len(), 32);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{token}"
        );
        assert!(tokens::is_token_syntax(&token));
        assert!(seen.insert(token), "tokens repeat");
    }
    for bad in [
        "",
        "abc",
        &TOKEN[..31],
        &format!("{TOKEN}0"),
        "0123456789abcdef0123456789abcdeg",
        "../../etc/passwd",
    ] {
        assert!(!tokens::is_token_syntax(bad), "{bad:?}");
    }
}

fn test_secret() -> Secret {
    Secret::from_bytes(&[7; 32])
}

#[test]
fn unsubscribe_token_round_trip() {
    let secret = test_secret();
    for (list, address) in [
        ("quic", "alice@example.org"),
        ("quic@ietf.example", "Bob.O'Neil+lists@Example.ORG"),
        ("wg", "\u{e9}l\u{e8}ve@exemple.fr"),
        ("", ""),
    ] {
        let token = secret.sign_unsubscribe(list, address);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "URL-safe: {token}"
        );
        assert_eq!(
            secret.verify_unsubscribe(&token),
            Some((list.to_owned(), address.to_owned()))
        );
    }
}

#[test]
fn unsubscribe_token_tampering_is_refused() {
    let secret = test_secret();
    let token = secret.sign_unsubscribe("quic", "alice@example.org");
    let (payload, tag) = token.split_once('.').unwrap();
    let other_payload = secret.sign_unsubscribe("quic", "bob@example.org");
    let other_payload = other_payload.split_once('.').unwrap().0;
    let other_list = secret.sign_unsubscribe("tls", "alice@example.org");
    let other_list = other_list.split_once('.').unwrap().0;

    let mut cases: Vec<(String, String)> = vec![
        ("other address".into(), format!("{other_payload}.{tag}")),
        ("other list".into(), format!("{other_list}.{tag}")),
        ("truncated tag".into(), token[..token.len() - 1].to_owned()),
        (
            "truncated payload".into(),
            format!("{}.{tag}", &payload[1..]),
        ),
        ("no tag".into(), format!("{payload}.")),
        ("no dot".into(), format!("{payload}{tag}")),
        ("empty".into(), String::new()),
        ("dot".into(), ".".into()),
        ("garbage".into(), "not a token at all".into()),
        ("padding".into(), format!("{token}=")),
        ("extra part".into(), format!("{token}.{tag}")),
        ("huge".into(), "A".repeat(100_000)),
        (
            "other secret".into(),
            Secret::from_bytes(&[8; 32]).sign_unsubscribe("quic", "alice@example.org"),
        ),
    ];
    // Every single-character change anywhere in the token, including ones that only touch the
    // unused low bits of the last base64 character.
    for i in 0..token.len() {
        for replacement in ['A', 'B', 'Q', 'g', 'w', '_', '-', '.', '='] {
            if token.as_bytes()[i] != replacement as u8 {
                let mut t = token.clone().into_bytes();
                t[i] = replacement as u8;
                cases.push((
                    format!("byte {i} -> {replacement}"),
                    String::from_utf8(t).unwrap(),
                ));
            }
        }
    }
    for (name, t) in cases {
        assert_eq!(secret.verify_unsubscribe(&t), None, "{name}: {t:?}");
    }
    assert!(secret.verify_unsubscribe(&token).is_some());
}

#[test]
fn secret_file_is_created_private_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let secret = Secret::load_or_create(dir.path()).unwrap();
    let path = dir.path().join(SECRET_FILE);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), 32);
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );
    assert_eq!(
        format!("{secret:?}"),
        "Secret(..)",
        "Debug never shows the key"
    );

    let token = secret.sign_unsubscribe("quic", "alice@example.org");
    let bytes = std::fs::read(&path).unwrap();
    let again = Secret::load_or_create(dir.path()).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file is reused, not replaced"
    );
    assert!(
        again.verify_unsubscribe(&token).is_some(),
        "tokens survive a restart"
    );

    let other = tempfile::tempdir().unwrap();
    let fresh = Secret::load_or_create(other.path()).unwrap();
    assert_eq!(
        fresh.verify_unsubscribe(&token),
        None,
        "each site has its own secret"
    );
}

#[test]
fn bad_secret_files_are_refused() {
    for len in [0, 16, 31, 33, 64] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRET_FILE);
        std::fs::write(&path, vec![1u8; len]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let err = Secret::load_or_create(dir.path()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{len} bytes");
        assert!(err.to_string().contains("exactly 32 bytes"), "{err}");
        assert_eq!(
            std::fs::read(&path).unwrap().len(),
            len,
            "the file is left alone"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(SECRET_FILE);
    std::fs::write(&path, [1u8; 32]).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = Secret::load_or_create(dir.path()).unwrap_err();
    assert!(err.to_string().contains("readable by other users"), "{err}");

    let missing = tempfile::tempdir().unwrap().path().join("gone");
    assert!(
        Secret::load_or_create(&missing).is_err(),
        "a missing data directory is an error"
    );
}
