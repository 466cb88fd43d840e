//! The admin commands, run as the real binary against a temp config.

use crate::support::daemon::{run_cli as wgmail, write_list, write_site};

#[test]
fn lists_and_members() {
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    write_list(
        dir.path(),
        "quic",
        "ietf.test",
        "chairs = [\"chair@ietf.test\"]",
    );

    let (ok, out, err) = wgmail(&site, &["list", "ls"]);
    assert!(ok, "{err}");
    assert_eq!(out, "quic@ietf.test\t0 members\tThe quic working group\n");
    let (ok, out, _) = wgmail(&site, &["list", "show", "quic"]);
    assert!(ok);
    assert!(
        out.contains("list-id: quic.ietf.test\n") && out.contains("chairs: chair@ietf.test\n"),
        "{out}"
    );

    let (ok, out, err) = wgmail(
        &site,
        &[
            "member",
            "add",
            "quic",
            "Alice@Example.org",
            "--name",
            "Alice A.",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out, "1 added, 0 already members\n");
    let (ok, out, _) = wgmail(
        &site,
        &[
            "member",
            "add",
            "quic@ietf.test",
            "alice@example.org",
            "bob@example.net",
        ],
    );
    assert!(ok);
    assert_eq!(out, "1 added, 1 already members\n");

    let (ok, out, _) = wgmail(&site, &["member", "ls", "quic", "--json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["address"], "alice@example.org");
    assert_eq!(arr[0]["name"], "Alice A.");
    assert_eq!(arr[0]["delivery"], "enabled");
    assert_eq!(arr[0]["bounce_score"], 0);
    assert_eq!(arr[1]["address"], "bob@example.net");

    let (ok, out, _) = wgmail(&site, &["member", "rm", "quic", "BOB@example.net"]);
    assert!(ok);
    assert_eq!(out, "removed BOB@example.net\n");
    let (ok, _, err) = wgmail(&site, &["member", "rm", "quic", "bob@example.net"]);
    assert!(!ok);
    assert!(err.contains("not a member"), "{err}");
    let (ok, out, _) = wgmail(&site, &["member", "ls", "quic"]);
    assert!(ok);
    assert_eq!(out, "alice@example.org\tAlice A.\tenabled\t0\n");
}

#[test]
fn bad_input_gets_a_clear_answer() {
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    write_list(dir.path(), "quic", "ietf.test", "");
    let (ok, _, err) = wgmail(&site, &["member", "add", "nosuch", "a@b.c"]);
    assert!(!ok);
    assert!(err.contains("no list named nosuch"), "{err}");
    let (ok, _, err) = wgmail(&site, &["member", "add", "quic", "not-an-address"]);
    assert!(!ok);
    assert!(err.contains("not an email address"), "{err}");
    let (ok, _, err) = wgmail(
        &site,
        &["member", "add", "quic", "a@b.c", "d@e.f", "--name", "X"],
    );
    assert!(!ok);
    assert!(err.contains("--name goes with a single address"), "{err}");
    let (ok, _, err) = wgmail(&site, &["archive", "import", "quic", "/nonexistent.mbox"]);
    assert!(!ok);
    assert!(err.contains("/nonexistent.mbox"), "{err}");

    // A broken site file is refused with the key and the reason; nothing starts.
    std::fs::write(&site, "[smtp]\nlisten = \"nowhere\"\nbogus = 1\n").unwrap();
    let (ok, _, err) = wgmail(&site, &["list", "ls"]);
    assert!(!ok);
    assert!(
        err.contains("smtp.listen") && err.contains("bogus"),
        "{err}"
    );
}

#[test]
fn a_refused_list_file_is_reported_and_the_others_served() {
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    write_list(dir.path(), "quic", "ietf.test", "");
    std::fs::write(
        dir.path().join("lists/tls.toml"),
        "name = \"tls\"\ndomain = \"ietf.test\"\nowners = [\"x@ietf.test\"]\nsurprise = true\n",
    )
    .unwrap();
    let (ok, out, err) = wgmail(&site, &["list", "ls"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        err.contains("tls.toml") && err.contains("surprise"),
        "{err}"
    );
}

#[test]
fn tally_recounts_a_real_vote_thread() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    let thread = corpus.join(
        "votes/apache-maven-dev-2017/00_VOTE_Release_Apache_Maven_Doxia_Sitetools_version_1.8.mbox",
    );
    let (ok, out, err) = wgmail(&site, &["tally", thread.to_str().unwrap(), "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "replies",
        "classified",
        "support",
        "support_if",
        "object",
        "no_objection",
        "neutral",
    ] {
        assert!(v.get(key).is_some(), "tally JSON has {key}: {out}");
    }
    assert_eq!(v["support"].as_array().unwrap().len(), 4, "{out}");
    assert!(v["object"].as_array().unwrap().is_empty());
    let (ok, text, _) = wgmail(&site, &["tally", thread.to_str().unwrap()]);
    assert!(ok);
    assert!(text.contains("Support (4)"), "{text}");
}

#[test]
fn owners_turn_delivery_off_and_back_on() {
    let dir = tempfile::tempdir().unwrap();
    let site = write_site(dir.path(), None, "");
    write_list(dir.path(), "quic", "ietf.test", "");
    assert!(wgmail(&site, &["member", "add", "quic", "bob@example.net"]).0);
    let (ok, out, err) = wgmail(&site, &["member", "disable", "quic", "bob@example.net"]);
    assert!(ok, "{err}");
    assert_eq!(out, "delivery to bob@example.net is disabled:user\n");
    let (_, ls, _) = wgmail(&site, &["member", "ls", "quic"]);
    assert_eq!(ls, "bob@example.net\t\tdisabled:user\t0\n");
    let (ok, out, _) = wgmail(&site, &["member", "enable", "quic", "bob@example.net"]);
    assert!(ok);
    assert_eq!(out, "delivery to bob@example.net is enabled\n");
    let (ok, _, err) = wgmail(&site, &["member", "enable", "quic", "nobody@example.net"]);
    assert!(!ok && err.contains("not a member"), "{err}");
}
