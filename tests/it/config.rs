//! Configuration: site defaults and layering, list file validation, refusal of bad edits, reload and
//! the file watcher.

use std::path::{Path, PathBuf};
use std::time::Duration;

use wgmail::config::site::DEFAULTS;
use wgmail::config::{
    Config, ConfigError, ConfigHandle, ListConfig, OutboundMode, Problem, RESERVED_SUFFIXES, Site,
    load_lists, load_site_from, parse_list, watch_every,
};

const SHIPPED_SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/wgmail.toml");
const SHIPPED_LISTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/lists");

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

fn keys(problems: &[Problem]) -> Vec<&str> {
    let mut keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    keys.sort();
    keys
}

fn site_problems(result: Result<Site, ConfigError>) -> Vec<Problem> {
    match result {
        Err(ConfigError::Invalid(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

fn list_problems(file: &str, text: &str) -> Vec<Problem> {
    match parse_list(Path::new(file), text) {
        Err(problems) => problems,
        Ok(list) => panic!("expected {file} to be refused, got {list:?}"),
    }
}

/// A valid list file for list `name` on example.org.
fn list_text(name: &str, description: &str) -> String {
    format!(
        "name = \"{name}\"\ndomain = \"example.org\"\ndescription = \"{description}\"\nowners = [\"owner@example.org\"]\n"
    )
}

/// A temp dir with `lists/` and a site file pointing at it.
fn site_with_lists(extra: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lists = tmp.path().join("lists");
    std::fs::create_dir(&lists).expect("mkdir lists");
    let site = write(
        tmp.path(),
        "wgmail.toml",
        &format!("{extra}\n[lists]\ndir = '{}'\n", lists.display()),
    );
    (tmp, site, lists)
}

#[test]
fn site_defaults_without_a_file() {
    let site = load_site_from(None, env(&[])).expect("defaults load");
    assert_eq!(site.smtp.listen, "127.0.0.1:2525".parse().unwrap());
    assert_eq!(site.smtp.lmtp_listen, None);
    assert_eq!(site.smtp.hostname, "localhost");
    assert_eq!(site.smtp.max_message_size, 26_214_400);
    assert_eq!(site.smtp.max_recipients, 100);
    assert_eq!(site.smtp.idle_timeout_duration(), Duration::from_secs(300));
    assert_eq!(site.smtp.max_connections, 256);
    assert_eq!(
        (site.smtp.tls_cert.as_ref(), site.smtp.tls_key.as_ref()),
        (None, None)
    );
    assert_eq!(site.web.listen, "127.0.0.1:8080".parse().unwrap());
    assert_eq!(site.web.base_url, "http://127.0.0.1:8080");
    assert_eq!(site.storage.data_dir, PathBuf::from("./data"));
    assert_eq!(site.outbound.mode, OutboundMode::Maildir);
    assert_eq!(site.outbound.relay, "127.0.0.1:25");
    assert_eq!(site.outbound.maildir, None);
    assert_eq!(site.maildir_path(), PathBuf::from("./data/outbox"));
    assert_eq!(site.outbound.batch, 100);
    assert!(!site.outbound.verp);
    assert_eq!(site.outbound.concurrency, 8);
    assert_eq!(
        site.outbound.retry_for_duration(),
        Duration::from_secs(5 * 24 * 3600)
    );
    assert_eq!(site.lists.dir, PathBuf::from("config/lists"));
    assert_eq!(site, Site::default());
}

#[test]
fn shipped_site_file_equals_the_defaults() {
    let site = load_site_from(Some(Path::new(SHIPPED_SITE)), env(&[])).expect("shipped file loads");
    assert_eq!(site, Site::default());
}

#[test]
fn shipped_site_file_documents_every_key_with_its_default() {
    let text = std::fs::read_to_string(SHIPPED_SITE).expect("read shipped site file");
    // Settings are written `#key = value`; prose is `# …`. Uncommenting every setting must change
    // nothing, and must set exactly the keys that have a default.
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase()) => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "wgmail.toml", &uncommented);
    assert_eq!(
        load_site_from(Some(&file), env(&[])).expect("uncommented file loads"),
        Site::default()
    );
    let documented: toml::Table = uncommented.parse().unwrap();
    let defaults: toml::Table = DEFAULTS.parse().unwrap();
    assert_eq!(documented, defaults);
    for key in [
        "lmtp_listen",
        "tls_cert",
        "tls_key",
        "maildir",
        "announce_list",
    ] {
        assert!(
            text.contains(&format!("# Example: {key} = ")),
            "{key} is not documented"
        );
    }
}

#[test]
fn unknown_site_key_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "wgmail.toml",
        "[smtp]\nlisen = \"127.0.0.1:25\"\n\n[smpt]\nlisten = \"x\"\n",
    );
    let problems = site_problems(load_site_from(Some(&file), env(&[])));
    assert_eq!(keys(&problems), ["smpt", "smtp.lisen"]);
    for p in &problems {
        assert_eq!(p.file, file);
        assert!(p.reason.contains("unknown key"), "{p}");
    }
    assert!(
        problems
            .iter()
            .any(|p| p.to_string() == format!("{}: smtp.lisen: {}", file.display(), p.reason))
    );
}

#[test]
fn site_reports_every_problem_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let cert = write(tmp.path(), "cert.pem", "");
    let text = format!(
        r#"
[smtp]
listen = "localhost:25"
max_recipients = "many"
max_message_size = 0
tls_cert = '{}'
colour = "blue"

[web]
listen = "127.0.0.1:2525"
base_url = "ftp://archive.example.org"

[outbound]
mode = "carrier-pigeon"
relay = "mail.example.org"
batch = 0
"#,
        cert.display()
    );
    let file = write(tmp.path(), "wgmail.toml", &text);
    let problems = site_problems(load_site_from(Some(&file), env(&[])));
    assert_eq!(
        keys(&problems),
        [
            "outbound.batch",
            "outbound.mode",
            "outbound.relay",
            "smtp.colour",
            "smtp.listen",
            "smtp.max_message_size",
            "smtp.max_recipients",
            "smtp.tls_key",
            "web.base_url",
            "web.listen",
        ]
    );
    assert!(problems.iter().all(|p| p.file == file));
}

#[test]
fn environment_overrides_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "wgmail.toml",
        "[smtp]\nlisten = \"127.0.0.1:2600\"\n[outbound]\nbatch = 5\n",
    );
    let site = load_site_from(
        Some(&file),
        env(&[
            ("WGMAIL_SMTP__LISTEN", "127.0.0.1:2700"),
            ("WGMAIL_OUTBOUND__BATCH", "7"),
            ("WGMAIL_OUTBOUND__VERP", "true"),
            ("WGMAIL_OUTBOUND__MODE", "smtp"),
            ("WGMAIL_STORAGE__DATA_DIR", "/srv/wg"),
            ("WGMAIL_SMTP__LMTP_LISTEN", ""),
            ("WGMAIL_CORPUS", "/not/configuration"),
            ("HOME", "/root"),
        ]),
    )
    .expect("loads");
    assert_eq!(site.smtp.listen, "127.0.0.1:2700".parse().unwrap());
    assert_eq!(site.outbound.batch, 7);
    assert!(site.outbound.verp);
    assert_eq!(site.outbound.mode, OutboundMode::Smtp);
    assert_eq!(site.smtp.lmtp_listen, None);
    assert_eq!(site.maildir_path(), PathBuf::from("/srv/wg/outbox"));
}

#[test]
fn bad_environment_value_names_the_variable() {
    let problems = site_problems(load_site_from(
        None,
        env(&[
            ("WGMAIL_SMTP__MAX_CONNECTIONS", "lots"),
            ("WGMAIL_WEB__LISTN", "127.0.0.1:1"),
        ]),
    ));
    assert_eq!(keys(&problems), ["smtp.max_connections", "web.listn"]);
    let p = problems
        .iter()
        .find(|p| p.key == "smtp.max_connections")
        .unwrap();
    assert_eq!(
        p.file,
        PathBuf::from("environment variable WGMAIL_SMTP__MAX_CONNECTIONS")
    );
}

#[test]
fn missing_site_file_is_an_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.toml");
    match load_site_from(Some(&missing), env(&[])) {
        Err(ConfigError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected Io, got {other:?}"),
    }
}

#[test]
fn site_syntax_error_reports_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "wgmail.toml",
        "[smtp]\nlisten = \"127.0.0.1:25\n",
    );
    let problems = site_problems(load_site_from(Some(&file), env(&[])));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].reason.starts_with("line 2,"), "{}", problems[0]);
}

#[test]
fn the_example_list_validates() {
    let (lists, problems) = load_lists(Path::new(SHIPPED_LISTS), None);
    assert_eq!(problems, []);
    let list = lists.get("example", "example.org").expect("example list");
    assert_eq!(list.address(), "example@example.org");
    assert_eq!(list.list_id(), "example.example.org");
    assert_eq!(list.subject_prefix, "[example]");
    assert_eq!(list.owners, ["owner@example.org"]);
    assert!(list.posting.members_only);
}

#[test]
fn list_defaults_and_lowercase_addresses() {
    let text = "name = \"wg\"\ndomain = \"example.org\"\nowners = [\"Alice@Example.ORG\", \"alice@example.org\"]\n";
    let list = parse_list(Path::new("lists/wg.toml"), text).expect("valid");
    assert_eq!(
        list,
        ListConfig {
            name: "wg".into(),
            domain: "example.org".into(),
            description: String::new(),
            subject_prefix: "[wg]".into(),
            owners: vec!["alice@example.org".into()],
            moderators: vec![],
            chairs: vec![],
            reviewers: vec![],
            posting: wgmail::config::Posting::default(),
            subscription: wgmail::config::Subscription::Confirm,
            roster: wgmail::config::Roster::Owners,
            archive: wgmail::config::ArchiveVisibility::Public,
            workflow: wgmail::config::Workflow::default(),
        }
    );
    assert!(list.is_owner("ALICE@example.org"));
    assert!(
        list.is_moderator("alice@example.org"),
        "owners moderate when no moderator is named"
    );
    assert!(!list.is_chair("alice@example.org"));
    let lists = wgmail::config::Lists::from_lists([list]);
    assert!(lists.get("WG", "Example.Org").is_some());
    assert_eq!(lists.by_name("wg").len(), 1);
}

#[test]
fn list_with_bad_name_is_refused() {
    for name in ["-wg", "Wg", "w g", "wg+x", &"w".repeat(65)] {
        let problems = list_problems(&format!("{name}.toml"), &list_text(name, ""));
        assert_eq!(keys(&problems), ["name"], "{name}");
        assert!(
            problems[0].reason.contains("not a list name"),
            "{}",
            problems[0]
        );
    }
}

#[test]
fn list_named_with_a_reserved_suffix_is_refused() {
    for suffix in RESERVED_SUFFIXES {
        let name = format!("quic{suffix}");
        let problems = list_problems(&format!("{name}.toml"), &list_text(&name, ""));
        assert_eq!(keys(&problems), ["name"]);
        assert!(problems[0].reason.contains("reserved"), "{}", problems[0]);
    }
}

#[test]
fn list_with_bad_address_is_refused() {
    let text = r#"
name = "wg"
domain = "example.org"
owners = ["Alice <alice@example.org>"]
moderators = ["carol@exa mple.org"]
chairs = ["bob at example.org", "dan@example.org"]
"#;
    let problems = list_problems("wg.toml", text);
    assert_eq!(keys(&problems), ["chairs", "moderators", "owners"]);
    assert!(problems.iter().all(|p| p.file == Path::new("wg.toml")));
    assert!(
        problems
            .iter()
            .any(|p| p.reason.contains("bob at example.org"))
    );
}

#[test]
fn list_whose_name_differs_from_its_file_is_refused() {
    let problems = list_problems("lists/quic.toml", &list_text("tls", ""));
    assert_eq!(keys(&problems), ["name"]);
    assert!(problems[0].reason.contains("tls.toml"), "{}", problems[0]);
}

#[test]
fn list_with_unknown_key_is_refused_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{}colour = \"blue\"\n[posting]\nopen = true\n",
        list_text("wg", "")
    );
    let file = write(tmp.path(), "wg.toml", &text);
    let (lists, problems) = load_lists(tmp.path(), None);
    assert!(lists.is_empty());
    assert_eq!(keys(&problems), ["colour", "posting.open"]);
    assert!(
        problems
            .iter()
            .all(|p| p.file == file && p.reason.contains("unknown key"))
    );
}

#[test]
fn list_reports_every_problem_at_once() {
    let text = r#"
domain = "Example.ORG"
subject_prefix = "[wg]\nBcc: everyone@example.org"
moderators = "mod@example.org"
colour = "blue"
[posting]
members_only = "yes"
"#;
    let problems = list_problems("wg.toml", text);
    assert_eq!(
        keys(&problems),
        [
            "colour",
            "domain",
            "moderators",
            "name",
            "owners",
            "posting.members_only",
            "subject_prefix"
        ]
    );
    assert!(
        problems
            .iter()
            .any(|p| p.key == "name" && p.reason.contains("missing"))
    );
}

#[test]
fn list_syntax_error_reports_the_line() {
    let problems = list_problems("wg.toml", "name = \"wg\"\ndomain = example.org\n");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].reason.starts_with("line 2,"), "{}", problems[0]);
}

#[test]
fn broken_edit_keeps_the_previous_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "wg.toml", &list_text("wg", "v1"));
    write(dir, "other.toml", &list_text("other", "v1"));
    write(dir, "gone.toml", &list_text("gone", "v1"));
    write(dir, "notes.txt", "not a list file");
    let (first, problems) = load_lists(dir, None);
    assert_eq!((first.len(), problems.len()), (3, 0));

    let broken = write(
        dir,
        "wg.toml",
        &format!("{}owners = []\n", list_text("wg", "v2")),
    );
    write(dir, "other.toml", &list_text("other", "v2"));
    write(dir, "new.toml", "name = \"new\"\n");
    std::fs::remove_file(dir.join("gone.toml")).unwrap();
    let (second, problems) = load_lists(dir, Some(&first));

    assert_eq!(
        second.get("wg", "example.org").unwrap().description,
        "v1",
        "previous version kept"
    );
    assert_eq!(second.by_file(&broken).unwrap().name, "wg");
    assert_eq!(
        second.get("other", "example.org").unwrap().description,
        "v2"
    );
    assert!(
        second.get("new", "example.org").is_none(),
        "a new broken file has nothing to keep"
    );
    assert!(
        second.get("gone", "example.org").is_none(),
        "a removed file removes its list"
    );
    assert!(problems.iter().any(|p| p.file == broken));
    assert!(problems.iter().any(|p| p.file == dir.join("new.toml")));

    let (third, problems) = load_lists(&dir.join("missing"), Some(&second));
    assert_eq!(third, second, "an unreadable directory keeps everything");
    assert_eq!(problems.len(), 1);
}

#[test]
fn reload_picks_up_a_new_list_and_refuses_a_broken_one() {
    let (_tmp, site, lists) = site_with_lists("");
    let (config, problems) = Config::load(Some(&site)).expect("loads");
    assert_eq!((config.lists.len(), problems.len()), (0, 0));
    let handle = ConfigHandle::new(config);
    let rx = handle.subscribe();

    write(&lists, "wg.toml", &list_text("wg", "v1"));
    assert_eq!(handle.reload(), []);
    assert!(rx.has_changed().unwrap());
    assert!(handle.current().lists.get("wg", "example.org").is_some());

    let broken = write(&lists, "tls.toml", &list_text("tls-request", ""));
    let problems = handle.reload();
    assert!(!problems.is_empty() && problems.iter().all(|p| p.file == broken && p.key == "name"));
    assert_eq!(handle.current().lists.len(), 1);
}

#[test]
fn reload_keeps_the_running_site_when_the_file_is_bad() {
    let (_tmp, site, _lists) =
        site_with_lists("[smtp]\nhostname = \"one.example\"\nlisten = \"127.0.0.1:2525\"");
    let (config, _) = Config::load(Some(&site)).expect("loads");
    let handle = ConfigHandle::new(config);

    let text = std::fs::read_to_string(&site).unwrap();
    std::fs::write(
        &site,
        text.replace("one.example", "two.example")
            .replace("2525", "2626"),
    )
    .unwrap();
    assert_eq!(handle.reload(), []);
    let current = handle.current();
    assert_eq!(current.site.smtp.hostname, "two.example");
    assert_eq!(
        current.site.smtp.listen.port(),
        2525,
        "listen only changes on restart"
    );

    std::fs::write(
        &site,
        "[smtp]\nhostname = \"three.example\"\nmax_recipients = -1\n",
    )
    .unwrap();
    let problems = handle.reload();
    assert_eq!(keys(&problems), ["smtp.max_recipients"]);
    assert_eq!(handle.current().site.smtp.hostname, "two.example");
}

#[tokio::test]
async fn watch_notices_a_new_list_file() {
    let (_tmp, site, lists) = site_with_lists("");
    let (config, _) = Config::load(Some(&site)).expect("loads");
    let handle = ConfigHandle::new(config);
    let mut rx = handle.subscribe();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn(watch_every(
        handle.clone(),
        shutdown.clone(),
        Duration::from_millis(20),
    ));

    write(&lists, "wg.toml", &list_text("wg", ""));
    tokio::time::timeout(Duration::from_secs(10), rx.changed())
        .await
        .expect("watch reloaded within 10 s")
        .expect("sender alive");
    assert!(rx.borrow().lists.get("wg", "example.org").is_some());

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("watch returns on shutdown")
        .unwrap();
}

#[tokio::test]
async fn watch_reloads_on_sighup() {
    use tokio::signal::unix::{SignalKind, signal};
    // Installing a handler first makes SIGHUP harmless to this process even before the watcher
    // registers its own.
    let _installed = signal(SignalKind::hangup()).expect("SIGHUP handler");
    let (_tmp, site, lists) = site_with_lists("");
    let (config, _) = Config::load(Some(&site)).expect("loads");
    let handle = ConfigHandle::new(config);
    let mut rx = handle.subscribe();
    let shutdown = tokio_util::sync::CancellationToken::new();
    // Polling an hour apart: only the signal can cause the reload.
    let task = tokio::spawn(watch_every(
        handle.clone(),
        shutdown.clone(),
        Duration::from_secs(3600),
    ));

    write(&lists, "wg.toml", &list_text("wg", ""));
    let pid = std::process::id().to_string();
    // The watcher may not have registered for SIGHUP yet when the first signal arrives, so the
    // signal is repeated until the reload is seen, within a bound.
    let mut reloaded = false;
    for _ in 0..100 {
        std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .expect("run kill");
        if tokio::time::timeout(Duration::from_millis(100), rx.changed())
            .await
            .is_ok()
        {
            reloaded = true;
            break;
        }
    }
    assert!(reloaded, "no reload after SIGHUP");
    assert!(handle.current().lists.get("wg", "example.org").is_some());
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("watch returns on shutdown")
        .unwrap();
}

#[test]
fn list_time_zone_and_reviewers_are_validated() {
    let text = format!(
        "{}reviewers = [\"Rev@Example.org\", \"not an address\"]\n[workflow]\ntime_zone = \"Mars/Olympus\"\n",
        list_text("wg", "")
    );
    let problems = list_problems("wg.toml", &text);
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["workflow.time_zone", "reviewers"], "{problems:?}");
    assert!(problems[0].reason.contains("Mars/Olympus"), "{problems:?}");

    let text = format!(
        "{}reviewers = [\"Rev@Example.org\"]\n[workflow]\ntime_zone = \"America/Los_Angeles\"\n",
        list_text("wg", "")
    );
    let list = parse_list(Path::new("wg.toml"), &text).expect("valid");
    assert_eq!(list.reviewers, ["rev@example.org"]);
    assert_eq!(list.workflow.tz().iana_name(), Some("America/Los_Angeles"));
}

#[test]
fn iesg_and_iab_addresses_are_validated() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "wgmail.toml",
        "[iesg]\nmembers = [\"ad@example.org\", \"nobody\"]\nannounce_list = \"x\"\nlast_call_list = \"comments\"\n[iab]\nmembers = [\"@\"]\n",
    );
    let problems = site_problems(load_site_from(Some(&file), env(&[])));
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "iab.members",
            "iesg.announce_list",
            "iesg.last_call_list",
            "iesg.members"
        ],
        "{problems:?}"
    );
}

#[test]
fn dkim_keys_and_the_announcements_domain_are_validated() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "wgmail.toml",
        "[dkim]\ntimeout = 0\nkeys = [{ name = \"ietf.org\", record = \"v=DKIM1; k=dsa; p=AAAA\" }]\n",
    );
    let problems = site_problems(load_site_from(Some(&file), env(&[])));
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        ["dkim.keys", "dkim.keys", "dkim.timeout"],
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.reason.contains("not a DKIM key")),
        "{problems:?}"
    );

    let text = format!(
        "{}[workflow]\nannouncements_dkim_domain = \"not a domain\"\n",
        list_text("wg", "")
    );
    let problems = list_problems("wg.toml", &text);
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["workflow.announcements_dkim_domain"], "{problems:?}");
    let list = parse_list(Path::new("wg.toml"), &list_text("wg", "")).expect("valid");
    assert_eq!(list.workflow.announcements_dkim_domain, "ietf.org");
}
