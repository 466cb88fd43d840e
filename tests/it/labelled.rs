//! The labelled set of call replies (`tests/data/positions`, issue 9): 366 messages in the shapes
//! IETF WG lists use, each labelled with what a careful chair would record (see its README for
//! how it was made). Every message goes through `message::parse`, the classifier and, in threads,
//! `tally::resolve` against the replies before it, as the daemon does. The test prints precision
//! and recall per position and fails under the targets: support, conditional support and
//! objection at precision >= 98% and recall >= 95%, no inversion (support read as objection or the
//! reverse), objection reasons that hold the labelled sentences.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use wgmail::workflow::positions::{Position, classify};
use wgmail::workflow::tally::{Reply, Said, identity, resolve, tally};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/positions")
}

fn holdout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/positions-holdout")
}

struct Case {
    file: String,
    thread: String,
    expected: String,
    text: String,
    note: String,
}

fn cases() -> Vec<Case> {
    cases_in(&data())
}

fn cases_in(dir: &Path) -> Vec<Case> {
    let tsv = std::fs::read_to_string(dir.join("labels.tsv")).expect("labels.tsv");
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 6, "labels.tsv row: {l}");
            Case {
                file: f[0].to_owned(),
                thread: f[1].to_owned(),
                expected: f[3].to_owned(),
                text: f[4].to_owned(),
                note: f[5].to_owned(),
            }
        })
        .collect()
}

/// What the classifier (and, in threads, the resolver) made of one message.
struct Got {
    position: Position,
    reason: Option<String>,
    from: String,
    name: String,
    date: i64,
    message_id: String,
}

/// Classifies every case: singles alone, each thread in date order with what came before.
fn run(cases: &[Case]) -> BTreeMap<String, Got> {
    run_in(&data(), cases)
}

fn run_in(dir: &Path, cases: &[Case]) -> BTreeMap<String, Got> {
    let mut out = BTreeMap::new();
    let mut threads: BTreeMap<&str, Vec<(&Case, wgmail::message::ParsedMessage)>> = BTreeMap::new();
    for c in cases {
        let raw = std::fs::read(dir.join("cases").join(&c.file)).expect("case file");
        let p = wgmail::message::parse(&raw);
        threads.entry(c.thread.as_str()).or_default().push((c, p));
    }
    for (thread, mut msgs) in threads {
        if !thread.is_empty() {
            msgs.sort_by_key(|(_, p)| p.date.unwrap_or(0));
        }
        let mut said: Vec<Said> = Vec::new();
        for (c, p) in msgs {
            let mut classified = classify(&p.body_text, p.auto_submitted.as_deref());
            let parent = p.in_reply_to.first().or(p.references.last());
            classified.position = resolve(&classified, parent.map(String::as_str), &said);
            let got = Got {
                position: classified.position,
                reason: classified.reason.clone(),
                from: p.from_addr.clone(),
                name: p.from_name.clone(),
                date: p.date.unwrap_or(0),
                message_id: p.message_id.clone().unwrap_or_default(),
            };
            if !thread.is_empty() {
                said.push(Said {
                    message_id: got.message_id.clone(),
                    person: identity(&got.from),
                    name: got.name.clone(),
                    position: got.position,
                });
            }
            out.insert(c.file.clone(), got);
        }
    }
    out
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_labelled_set_meets_the_targets() {
    let cases = cases();
    assert!(cases.len() >= 200, "the set has {} cases", cases.len());
    meets_the_targets(&data(), &cases);
}

/// The second set, written later by another hand without seeing the classifier or the first set
/// (see its README). Measured first as it came (numbers in the README), then kept as a
/// regression set with the same targets.
#[test]
fn the_held_out_set_meets_the_targets() {
    let cases = cases_in(&holdout());
    assert!(cases.len() >= 150, "the set has {} cases", cases.len());
    meets_the_targets(&holdout(), &cases);
}

fn meets_the_targets(dir: &Path, cases: &[Case]) {
    let got = run_in(dir, cases);
    // label -> (true positives, predicted, labelled)
    let mut counts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut inversions = Vec::new();
    let mut reasons_missed = Vec::new();
    for c in cases {
        let g = &got[&c.file];
        let said = g.position.as_str();
        counts.entry(c.expected.as_str()).or_default().2 += 1;
        counts.entry(said).or_default().1 += 1;
        if said == c.expected {
            counts.entry(said).or_default().0 += 1;
        } else {
            misses.push(format!(
                "{} ({}): expected {}, got {} — {}",
                c.file, c.thread, c.expected, said, c.note
            ));
        }
        let pro = |p: &str| p == "support" || p == "support_if";
        if pro(&c.expected) && said == "object" || c.expected == "object" && pro(said) {
            inversions.push(format!("{}: expected {}, got {}", c.file, c.expected, said));
        }
        if c.expected == "object" && said == "object" && !c.text.is_empty() {
            let reason = squash(g.reason.as_deref().unwrap_or_default());
            if !reason.contains(&squash(&c.text)) {
                reasons_missed.push(format!(
                    "{}: reason {:?}\n      wanted {:?}",
                    c.file, reason, c.text
                ));
            }
        }
    }
    println!("{}: {} messages", dir.display(), cases.len());
    println!(
        "{:<13} {:>9} {:>9} {:>9}",
        "position", "labelled", "precision", "recall"
    );
    let mut failing = Vec::new();
    for (label, (tp, predicted, labelled)) in &counts {
        let precision = if *predicted == 0 {
            1.0
        } else {
            *tp as f64 / *predicted as f64
        };
        let recall = if *labelled == 0 {
            1.0
        } else {
            *tp as f64 / *labelled as f64
        };
        println!(
            "{label:<13} {labelled:>9} {:>8.1}% {:>8.1}%",
            precision * 100.0,
            recall * 100.0
        );
        if ["support", "support_if", "object"].contains(label)
            && (precision < 0.98 || recall < 0.95)
        {
            failing.push(format!(
                "{label}: precision {precision:.3}, recall {recall:.3}"
            ));
        }
    }
    println!("inversions: {}", inversions.len());
    println!(
        "objection reasons holding the labelled sentences: {} missed",
        reasons_missed.len()
    );
    for m in &misses {
        println!("  miss {m}");
    }
    for r in &reasons_missed {
        println!("  reason {r}");
    }
    assert!(inversions.is_empty(), "inversions: {inversions:#?}");
    assert!(failing.is_empty(), "under the targets: {failing:#?}");
    assert!(
        reasons_missed.is_empty(),
        "objection reasons cut: {reasons_missed:#?}"
    );
}

/// Each person's position at the close of each thread, through the tally, as a chair records it.
#[test]
fn thread_finals_are_what_a_chair_records() {
    let cases = cases();
    let got = run(&cases);
    let tsv = std::fs::read_to_string(data().join("threads.tsv")).expect("threads.tsv");
    let mut wrong = Vec::new();
    let mut by_thread: BTreeMap<&str, Vec<&Got>> = BTreeMap::new();
    for c in &cases {
        if !c.thread.is_empty() {
            by_thread
                .entry(c.thread.as_str())
                .or_default()
                .push(&got[&c.file]);
        }
    }
    let finals: BTreeMap<&str, wgmail::workflow::tally::Tally> = by_thread
        .iter()
        .map(|(t, gs)| {
            let replies: Vec<Reply> = gs
                .iter()
                .map(|g| Reply {
                    from: g.from.to_lowercase(),
                    name: g.name.clone(),
                    date: g.date,
                    message_id: g.message_id.clone(),
                    classified: wgmail::workflow::positions::Classified {
                        position: g.position,
                        evidence: None,
                        reason: g.reason.clone(),
                        follows: None,
                    },
                })
                .collect();
            (*t, tally(&replies, None))
        })
        .collect();
    let mut rows = 0;
    for l in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = l.split('\t').collect();
        let (thread, person, want) = (f[0], f[1], f[2]);
        rows += 1;
        let t = &finals[thread];
        let lists = [
            ("support", &t.support),
            ("support_if", &t.support_if),
            ("object", &t.object),
            ("no_objection", &t.no_objection),
            ("neutral", &t.neutral),
        ];
        let have: BTreeSet<&str> = lists
            .iter()
            .filter(|(_, l)| l.iter().any(|p| p == person))
            .map(|(n, _)| *n)
            .collect();
        let have = have.into_iter().next().unwrap_or("none");
        if have != want {
            wrong.push(format!("{thread} {person}: expected {want}, got {have}"));
        }
    }
    println!("thread finals: {rows} people, {} wrong", wrong.len());
    for w in &wrong {
        println!("  {w}");
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
