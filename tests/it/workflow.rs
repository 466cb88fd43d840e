//! The pure workflow core: the transition table, Datatracker wording, draft names and the chair
//! command grammar (`shared/spec/workflow.md`). Table tests: input → expected output.

use wgmail::values::BallotPosition;
use wgmail::workflow::commands::table::parse;
use wgmail::workflow::commands::{Who, table};
use wgmail::workflow::grammar::{ChairCommand as Cmd, Date, End, IntendedStatus};
use wgmail::workflow::states::{
    Actor, DraftName, State, TRANSITIONS, Tag, TransitionError, allowed, check, describe,
    describe_tag, parse_draft,
};

fn st(slug: &str) -> State {
    State::from_slug(slug).unwrap_or_else(|| panic!("no state {slug}"))
}

#[test]
fn slugs_round_trip_and_stages() {
    let expect = [
        ("proposal", 1),
        ("candidate", 1),
        ("cfa", 2),
        ("adopted", 2),
        ("wg-doc", 2),
        ("parked", 2),
        ("dead", 2),
        ("held", 2),
        ("wg-review", 3),
        ("wglc", 4),
        ("chair-goahead", 4),
        ("writeup", 4),
        ("submitted", 5),
        ("ietf-lc", 5),
        ("iesg-eval", 6),
        ("approved", 6),
        ("rfc-ed-queue", 6),
        ("published", 6),
        ("replaced", 0),
    ];
    assert_eq!(State::ALL.len(), expect.len());
    for (slug, stage) in expect {
        let s = st(slug);
        assert_eq!(s.slug(), slug);
        assert_eq!(s.stage(), stage, "{slug}");
        assert_eq!(s.is_wg_side(), (1..=4).contains(&stage), "{slug}");
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{slug}\""));
    }
    assert_eq!(State::from_slug("WG-Doc"), Some(State::WgDoc));
    assert_eq!(State::from_slug("wgdoc"), None);
    for (tag, slug) in [
        (Tag::NoAdopt, "no-adopt"),
        (Tag::RevWglc, "rev-wglc"),
        (Tag::WExpert, "w-expert"),
    ] {
        assert_eq!(tag.slug(), slug);
        assert_eq!(Tag::from_slug(slug), Some(tag));
        assert_eq!(serde_json::to_string(&tag).unwrap(), format!("\"{slug}\""));
    }
}

#[test]
fn datatracker_names() {
    assert_eq!(State::Wglc.datatracker_name(), "In WG Last Call");
    assert_eq!(State::WgDoc.datatracker_name(), "WG Document");
    assert_eq!(
        State::Cfa.datatracker_name(),
        "Call For Adoption By WG Issued"
    );
    assert_eq!(
        State::Submitted.datatracker_name(),
        "Submitted to IESG for Publication"
    );
    assert_eq!(
        State::Writeup.datatracker_name(),
        "WG Consensus: Waiting for Write-Up"
    );
}

/// Every row of `spec/workflow.md`'s table, transcribed independently of `TRANSITIONS`.
const SPEC_ROWS: &[(&str, &str, &[Actor], Option<Tag>)] = {
    use Actor::*;
    &[
        ("", "proposal", &[Member, Chair], None),
        ("", "candidate", &[Chair], None),
        ("", "cfa", &[Chair], None),
        ("proposal", "candidate", &[Chair], None),
        ("candidate", "cfa", &[Chair], None),
        ("cfa", "adopted", &[Chair, Deadline], None),
        ("cfa", "candidate", &[Chair, Deadline], Some(Tag::NoAdopt)),
        ("adopted", "wg-doc", &[Chair, Revision], None),
        ("wg-doc", "wg-review", &[Chair], None),
        ("wg-doc", "wglc", &[Chair], None),
        ("wg-doc", "writeup", &[Chair], None),
        ("wg-doc", "parked", &[Chair], None),
        ("wg-doc", "dead", &[Chair], None),
        ("wg-doc", "held", &[Chair], None),
        ("wg-review", "wg-doc", &[Chair, Deadline], None),
        ("wg-review", "wglc", &[Chair, Deadline], None),
        ("parked", "wg-doc", &[Chair], None),
        ("dead", "wg-doc", &[Chair], None),
        ("held", "wg-doc", &[Chair], None),
        ("wglc", "writeup", &[Chair, Deadline], None),
        ("wglc", "wg-doc", &[Chair, Deadline], Some(Tag::RevWglc)),
        ("wglc", "chair-goahead", &[Chair, Deadline], None),
        ("chair-goahead", "writeup", &[Chair], None),
        ("chair-goahead", "wg-doc", &[Chair], None),
        ("chair-goahead", "wglc", &[Chair], None),
        ("writeup", "submitted", &[Chair], None),
        ("submitted", "ietf-lc", &[Iesg], None),
        ("submitted", "wg-doc", &[Iesg], None),
        ("ietf-lc", "iesg-eval", &[Iesg, Deadline], None),
        ("iesg-eval", "approved", &[Iesg], None),
        ("iesg-eval", "wg-doc", &[Iesg], None),
        ("approved", "rfc-ed-queue", &[Iesg], None),
        ("rfc-ed-queue", "published", &[Iesg], None),
    ]
};

const ACTORS: [Actor; 5] = [
    Actor::Chair,
    Actor::Iesg,
    Actor::Member,
    Actor::Deadline,
    Actor::Revision,
];

fn from_of(slug: &str) -> Option<State> {
    (!slug.is_empty()).then(|| st(slug))
}

#[test]
fn every_table_row_is_allowed_for_its_actors_only() {
    assert_eq!(TRANSITIONS.len(), SPEC_ROWS.len());
    for &(from, to, by, tag) in SPEC_ROWS {
        let (from, to) = (from_of(from), st(to));
        for actor in ACTORS {
            let got = check(from, to, actor, false);
            if by.contains(&actor) {
                let m = got.unwrap_or_else(|e| panic!("{from:?} -> {to} by {actor:?}: {e}"));
                assert_eq!((m.from, m.to, m.tag, m.forced), (from, to, tag, false));
                assert!(allowed(from, actor).contains(&to));
            } else {
                assert!(
                    got.is_err(),
                    "{from:?} -> {to} must be refused for {actor:?}"
                );
            }
        }
    }
}

#[test]
fn refused_moves_list_the_allowed_next_states() {
    let cases: &[(Option<State>, State, Actor, &str)] = &[
        (
            Some(State::WgDoc),
            State::Submitted,
            Actor::Chair,
            "cannot move from wg-doc to submitted; allowed next states: wg-review, wglc, writeup, parked, dead, held",
        ),
        (
            Some(State::Proposal),
            State::Cfa,
            Actor::Chair,
            "cannot move from proposal to cfa; allowed next states: candidate",
        ),
        (
            Some(State::Wglc),
            State::Published,
            Actor::Chair,
            "cannot move from wglc to published; allowed next states: writeup, wg-doc, chair-goahead",
        ),
        (
            Some(State::Submitted),
            State::IetfLc,
            Actor::Chair,
            "cannot move from submitted to ietf-lc; allowed next states: none",
        ),
        (
            None,
            State::Wglc,
            Actor::Member,
            "cannot move from (new draft) to wglc; allowed next states: proposal",
        ),
        (
            Some(State::Published),
            State::WgDoc,
            Actor::Iesg,
            "cannot move from published to wg-doc; allowed next states: none",
        ),
    ];
    for &(from, to, actor, text) in cases {
        let err = check(from, to, actor, false).unwrap_err();
        assert_eq!(err.to_string(), text);
        assert_eq!(err.allowed(), allowed(from, actor).as_slice());
    }
}

#[test]
fn a_member_cannot_make_chair_moves() {
    for &(from, to, by, _) in SPEC_ROWS {
        if by.contains(&Actor::Chair) && !by.contains(&Actor::Member) {
            assert!(
                check(from_of(from), st(to), Actor::Member, false).is_err(),
                "{from} -> {to}"
            );
            assert!(
                check(from_of(from), st(to), Actor::Member, true).is_err(),
                "forced {from} -> {to}"
            );
        }
    }
    assert_eq!(allowed(Some(State::WgDoc), Actor::Member), vec![]);
}

#[test]
fn force_lets_a_chair_make_any_wg_side_move() {
    let wg: Vec<State> = State::ALL.into_iter().filter(|s| s.is_wg_side()).collect();
    for &from in &wg {
        for &to in &wg {
            let got = check(Some(from), to, Actor::Chair, true);
            if from == to {
                assert!(got.is_err(), "staying in {from} is not a move");
                continue;
            }
            let m = got.unwrap_or_else(|e| panic!("forced {from} -> {to}: {e}"));
            let in_table = allowed(Some(from), Actor::Chair).contains(&to);
            assert_eq!(m.forced, !in_table, "{from} -> {to}");
        }
    }
    let m = check(Some(State::Dead), State::Wglc, Actor::Chair, true).unwrap();
    assert!(m.forced);
    assert_eq!(m.tag, None);
    assert!(
        check(None, State::WgDoc, Actor::Chair, true)
            .unwrap()
            .forced
    );
}

#[test]
fn force_into_or_out_of_iesg_states_is_refused() {
    let cases = [
        (Some(State::Writeup), State::IetfLc),
        (Some(State::WgDoc), State::Submitted),
        (Some(State::Wglc), State::Published),
        (Some(State::IesgEval), State::Wglc),
        (Some(State::Submitted), State::Writeup),
        (None, State::Approved),
    ];
    for (from, to) in cases {
        let err = check(from, to, Actor::Chair, true).unwrap_err();
        assert!(err.to_string().contains("allowed next states:"), "{err}");
        assert!(matches!(err, TransitionError::Refused { .. }));
    }
    // Force is a chair's power only.
    assert!(check(Some(State::Dead), State::Wglc, Actor::Iesg, true).is_err());
}

#[test]
fn any_registered_name_can_be_replaced_by_a_chair_or_a_new_revision_only() {
    for from in State::ALL {
        for actor in ACTORS {
            let got = check(Some(from), State::Replaced, actor, false);
            let may = from != State::Replaced && matches!(actor, Actor::Chair | Actor::Revision);
            assert_eq!(got.is_ok(), may, "{from} -> replaced by {actor:?}");
            if let Ok(m) = got {
                assert_eq!((m.from, m.tag, m.forced), (Some(from), None, false));
            }
        }
        // Never listed as a next state: it is entered by its own commands.
        assert!(!allowed(Some(from), Actor::Chair).contains(&State::Replaced));
    }
    // Nothing unregistered is replaced, and nothing leaves `replaced`, even forced.
    assert!(check(None, State::Replaced, Actor::Chair, true).is_err());
    for to in State::ALL {
        assert!(
            check(Some(State::Replaced), to, Actor::Chair, true).is_err(),
            "{to}"
        );
    }
    assert_eq!(
        describe(Some(State::WgDoc), State::Replaced),
        "IETF WG state changed to Replaced from WG Document"
    );
}

#[test]
fn describe_uses_datatracker_wording() {
    let cases = [
        (
            Some(State::WgDoc),
            State::Wglc,
            "IETF WG state changed to In WG Last Call from WG Document",
        ),
        (
            Some(State::Submitted),
            State::IetfLc,
            "IESG state changed to In Last Call from Submitted to IESG for Publication",
        ),
        (
            Some(State::Writeup),
            State::Submitted,
            "IETF WG state changed to Submitted to IESG for Publication from WG Consensus: Waiting for Write-Up",
        ),
        (
            Some(State::Cfa),
            State::Adopted,
            "IETF WG state changed to Adopted by a WG from Call For Adoption By WG Issued",
        ),
        (
            Some(State::IetfLc),
            State::IesgEval,
            "IESG state changed to IESG Evaluation from In Last Call",
        ),
        (
            Some(State::RfcEdQueue),
            State::Published,
            "IESG state changed to RFC Published from RFC Ed Queue",
        ),
        (
            Some(State::IesgEval),
            State::WgDoc,
            "IETF WG state changed to WG Document from IESG Evaluation",
        ),
        (
            None,
            State::Candidate,
            "IETF WG state changed to Candidate for WG Adoption",
        ),
    ];
    for (from, to, text) in cases {
        assert_eq!(describe(from, to), text);
    }
    assert_eq!(
        describe_tag(Tag::RevWglc),
        "Tag Revised I-D Needed - Issue raised by WGLC set."
    );
    let m = check(Some(State::Wglc), State::WgDoc, Actor::Deadline, false).unwrap();
    assert_eq!(
        m.describe(),
        "IETF WG state changed to WG Document from In WG Last Call\nTag Revised I-D Needed - Issue raised by WGLC set."
    );
}

#[test]
fn draft_names() {
    let ok: &[(&str, &str, Option<u8>)] = &[
        ("draft-smith-quic-foo", "draft-smith-quic-foo", None),
        ("draft-smith-quic-foo-03", "draft-smith-quic-foo", Some(3)),
        (
            "draft-ietf-quic-http3-34",
            "draft-ietf-quic-http3",
            Some(34),
        ),
        (
            "  Draft-Smith-QUIC-Foo-00 ",
            "draft-smith-quic-foo",
            Some(0),
        ),
        ("draft-a", "draft-a", None),
        ("draft-a-99", "draft-a", Some(99)),
        ("draft-foo-2024", "draft-foo-2024", None),
        ("draft-foo-3", "draft-foo-3", None),
        ("draft-foo-123", "draft-foo-123", None),
        // 44 characters after "draft-", then a revision.
        (
            "draft-abcdefghijabcdefghijabcdefghijabcdefghijabcd-01",
            "draft-abcdefghijabcdefghijabcdefghijabcdefghijabcd",
            Some(1),
        ),
    ];
    for &(input, name, rev) in ok {
        let d = parse_draft(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(
            d,
            DraftName {
                name: name.to_owned(),
                rev
            },
            "{input}"
        );
    }
    assert_eq!(
        parse_draft("draft-x-y-03").unwrap().to_string(),
        "draft-x-y-03"
    );
    assert_eq!(parse_draft("draft-x-y").unwrap().to_string(), "draft-x-y");

    let bad: &[(&str, &str)] = &[
        ("", "empty"),
        ("rfc9000", "must start with 'draft-'"),
        ("draft-", "must start with a letter"),
        ("draft-03", "must start with a letter"),
        ("draft-1foo", "must start with a letter"),
        ("draft-smith_quic", "'_' is not allowed"),
        ("draft-smith-quic-foo-03.txt", "'.' is not allowed"),
        ("<draft-smith-foo>", "must start with 'draft-'"),
        (
            "draft-abcdefghijabcdefghijabcdefghijabcdefghijabcde",
            "at most 44",
        ),
        ("draft-smith-", "must not end with '-'"),
        ("draft-smith--foo", "must not end with '-'"),
        ("draft-smith-foo-03-04", "only one trailing '-NN' revision"),
    ];
    for &(input, reason) in bad {
        let err = parse_draft(input).expect_err(input).to_string();
        assert!(err.contains(reason), "{input}: {err}");
    }
}

#[test]
fn dates_are_real_calendar_dates() {
    assert_eq!(
        Date::parse("2026-12-12"),
        Ok(Date {
            y: 2026,
            m: 12,
            d: 12
        })
    );
    assert_eq!(
        Date::parse("2028-02-29").map(|d| d.to_string()),
        Ok("2028-02-29".to_owned())
    );
    for bad in [
        "2026-02-30",
        "2026-02-29",
        "2100-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-04-31",
        "0000-01-01",
    ] {
        assert!(
            Date::parse(bad)
                .unwrap_err()
                .to_string()
                .contains("not a calendar date"),
            "{bad}"
        );
    }
    for bad in [
        "2026-2-3",
        "26-12-12",
        "2026/12/12",
        "2026-12-12x",
        "next week",
    ] {
        assert!(
            Date::parse(bad)
                .unwrap_err()
                .to_string()
                .contains("YYYY-MM-DD"),
            "{bad}"
        );
    }
    assert!(
        Date {
            y: 2026,
            m: 1,
            d: 31
        } < Date {
            y: 2026,
            m: 2,
            d: 1
        }
    );
}

/// Parses one body line and returns its result.
fn one(line: &str) -> Result<Cmd, String> {
    let mut got = parse("", line);
    assert_eq!(got.len(), 1, "{line}: {got:?}");
    got.remove(0).result.map_err(|e| e.to_string())
}

fn date(y: u16, m: u8, d: u8) -> Date {
    Date { y, m, d }
}

fn s(x: &str) -> String {
    x.to_owned()
}

#[test]
fn grammar_valid_lines() {
    let f = s("draft-smith-quic-foo");
    let cases: Vec<(&str, Cmd)> = vec![
        (
            r#"propose "QUIC over carrier pigeons""#,
            Cmd::Propose {
                title: s("QUIC over carrier pigeons"),
            },
        ),
        (
            "propose “Curly quotes”",
            Cmd::Propose {
                title: s("Curly quotes"),
            },
        ),
        (
            "candidate draft-smith-quic-foo",
            Cmd::Candidate { draft: f.clone() },
        ),
        (
            "adoption start draft-smith-quic-foo-03",
            Cmd::AdoptionStart {
                draft: f.clone(),
                rev: Some(3),
                end: None,
            },
        ),
        (
            "Adoption START draft-smith-quic-foo-03 ends 2026-12-12",
            Cmd::AdoptionStart {
                draft: f.clone(),
                rev: Some(3),
                end: Some(End::On(date(2026, 12, 12))),
            },
        ),
        (
            "adoption start draft-smith-quic-foo-03 for 2 weeks",
            Cmd::AdoptionStart {
                draft: f.clone(),
                rev: Some(3),
                end: Some(End::For { days: 14 }),
            },
        ),
        (
            "adoption start draft-smith-quic-foo-03 for 1 week",
            Cmd::AdoptionStart {
                draft: f.clone(),
                rev: Some(3),
                end: Some(End::For { days: 7 }),
            },
        ),
        (
            "adoption start draft-smith-quic-foo-03 for 10 days",
            Cmd::AdoptionStart {
                draft: f.clone(),
                rev: Some(3),
                end: Some(End::For { days: 10 }),
            },
        ),
        (
            "adoption start proposal-3",
            Cmd::AdoptionStart {
                draft: s("proposal-3"),
                rev: None,
                end: None,
            },
        ),
        (
            "replaces draft-ietf-quic-foo-00 draft-smith-quic-foo",
            Cmd::Replaces {
                new: s("draft-ietf-quic-foo"),
                rev: Some(0),
                old: f.clone(),
            },
        ),
        (
            "Replaces draft-ietf-quic-foo draft-smith-quic-foo-04",
            Cmd::Replaces {
                new: s("draft-ietf-quic-foo"),
                rev: None,
                old: f.clone(),
            },
        ),
        (
            "Proposal-3 IS draft-smith-quic-foo-00",
            Cmd::Link {
                proposal: s("proposal-3"),
                draft: f.clone(),
                rev: 0,
            },
        ),
        (
            "adoption close draft-smith-quic-foo",
            Cmd::AdoptionClose {
                draft: f.clone(),
                reason: None,
            },
        ),
        (
            "adoption close draft-smith-quic-foo reason \"the authors asked\"",
            Cmd::AdoptionClose {
                draft: f.clone(),
                reason: Some(s("the authors asked")),
            },
        ),
        (
            "adoption close draft-smith-quic-foo the authors asked",
            Cmd::AdoptionClose {
                draft: f.clone(),
                reason: Some(s("the authors asked")),
            },
        ),
        (
            "adoption cancel draft-smith-quic-foo reason \"wrong revision\"",
            Cmd::AdoptionCancel {
                draft: f.clone(),
                reason: s("wrong revision"),
            },
        ),
        (
            "wglc cancel draft-smith-quic-foo wrong revision",
            Cmd::WglcCancel {
                draft: f.clone(),
                reason: s("wrong revision"),
            },
        ),
        // A revision where only the draft is needed is accepted and dropped.
        (
            "adoption close draft-smith-quic-foo-03",
            Cmd::AdoptionClose {
                draft: f.clone(),
                reason: None,
            },
        ),
        (
            "adoption extend draft-smith-quic-foo to 2027-01-05",
            Cmd::AdoptionExtend {
                draft: f.clone(),
                to: date(2027, 1, 5),
            },
        ),
        (
            "review start draft-smith-quic-foo reviewers 3",
            Cmd::ReviewStart {
                draft: f.clone(),
                reviewers: 3,
            },
        ),
        (
            "wglc start draft-smith-quic-foo-05",
            Cmd::WglcStart {
                draft: f.clone(),
                rev: 5,
                end: None,
            },
        ),
        (
            "WGLC start draft-smith-quic-foo-05 for 3 days",
            Cmd::WglcStart {
                draft: f.clone(),
                rev: 5,
                end: Some(End::For { days: 3 }),
            },
        ),
        (
            "wglc close draft-smith-quic-foo",
            Cmd::WglcClose {
                draft: f.clone(),
                reason: None,
            },
        ),
        (
            "wglc extend draft-smith-quic-foo to 2026-12-31",
            Cmd::WglcExtend {
                draft: f.clone(),
                to: date(2026, 12, 31),
            },
        ),
        (
            "state draft-smith-quic-foo parked",
            Cmd::State {
                draft: f.clone(),
                to: State::Parked,
                force: false,
                reason: None,
            },
        ),
        (
            r#"state draft-smith-quic-foo wglc force reason "agreed at IETF 125""#,
            Cmd::State {
                draft: f.clone(),
                to: State::Wglc,
                force: true,
                reason: Some(s("agreed at IETF 125")),
            },
        ),
        (
            r#"STATE draft-smith-quic-foo WG-DOC reason "authors asked""#,
            Cmd::State {
                draft: f.clone(),
                to: State::WgDoc,
                force: false,
                reason: Some(s("authors asked")),
            },
        ),
        (
            "pubreq draft-smith-quic-foo status ps",
            Cmd::Pubreq {
                draft: f.clone(),
                status: IntendedStatus::ProposedStandard,
                writeup: String::new(),
            },
        ),
        (
            "pubreq draft-smith-quic-foo status BCP",
            Cmd::Pubreq {
                draft: f.clone(),
                status: IntendedStatus::BestCurrentPractice,
                writeup: String::new(),
            },
        ),
        (
            "pubreq draft-smith-quic-foo status info",
            Cmd::Pubreq {
                draft: f.clone(),
                status: IntendedStatus::Informational,
                writeup: String::new(),
            },
        ),
        (
            "pubreq draft-smith-quic-foo status exp",
            Cmd::Pubreq {
                draft: f.clone(),
                status: IntendedStatus::Experimental,
                writeup: String::new(),
            },
        ),
        (
            "ballot draft-smith-quic-foo yes",
            Cmd::Ballot {
                draft: f.clone(),
                position: BallotPosition::Yes,
                reason: None,
            },
        ),
        (
            "BALLOT draft-smith-quic-foo-05 No-Objection",
            Cmd::Ballot {
                draft: f.clone(),
                position: BallotPosition::NoObjection,
                reason: None,
            },
        ),
        (
            r#"ballot draft-smith-quic-foo discuss reason "section 4 breaks 0-RTT""#,
            Cmd::Ballot {
                draft: f.clone(),
                position: BallotPosition::Discuss,
                reason: Some(s("section 4 breaks 0-RTT")),
            },
        ),
        (
            "ballot draft-smith-quic-foo discuss the \"must\" in 4.2 is untestable",
            Cmd::Ballot {
                draft: f.clone(),
                position: BallotPosition::Discuss,
                reason: Some(s("the \"must\" in 4.2 is untestable")),
            },
        ),
        (
            "ballot draft-smith-quic-foo recuse reason I am an author",
            Cmd::Ballot {
                draft: f.clone(),
                position: BallotPosition::Recuse,
                reason: Some(s("I am an author")),
            },
        ),
        (
            "ballot draft-smith-quic-foo abstain",
            Cmd::Ballot {
                draft: f.clone(),
                position: BallotPosition::Abstain,
                reason: None,
            },
        ),
        (
            "ietf-lc start draft-smith-quic-foo",
            Cmd::IetfLcStart {
                draft: f.clone(),
                end: None,
            },
        ),
        (
            "ietf-lc start draft-smith-quic-foo ends 2027-02-01",
            Cmd::IetfLcStart {
                draft: f.clone(),
                end: Some(End::On(date(2027, 2, 1))),
            },
        ),
        (
            "ietf-lc close draft-smith-quic-foo",
            Cmd::IetfLcClose {
                draft: f.clone(),
                reason: None,
            },
        ),
        (
            "ietf-lc extend draft-smith-quic-foo to 2027-03-01",
            Cmd::IetfLcExtend {
                draft: f.clone(),
                to: date(2027, 3, 1),
            },
        ),
        (
            "approve draft-smith-quic-foo",
            Cmd::Approve { draft: f.clone() },
        ),
        (
            "published draft-smith-quic-foo rfc 9999",
            Cmd::Published {
                draft: f.clone(),
                rfc: 9999,
            },
        ),
        (
            "published draft-smith-quic-foo RFC 12345",
            Cmd::Published {
                draft: f.clone(),
                rfc: 12345,
            },
        ),
        (
            "status draft-smith-quic-foo",
            Cmd::Status { draft: f.clone() },
        ),
        (
            "tally Draft-Smith-Quic-Foo",
            Cmd::Tally { draft: f.clone() },
        ),
        (
            "history draft-smith-quic-foo",
            Cmd::History { draft: f.clone() },
        ),
        ("help", Cmd::Help),
        ("HELP", Cmd::Help),
        (
            "confirm 3f2a9c0b7d6e4f1a8b2c3d4e5f607182",
            Cmd::Confirm {
                token: s("3f2a9c0b7d6e4f1a8b2c3d4e5f607182"),
            },
        ),
        (
            "   status    draft-smith-quic-foo   ",
            Cmd::Status { draft: f.clone() },
        ),
    ];
    for (line, want) in cases {
        assert_eq!(one(line), Ok(want), "{line}");
    }
}

#[test]
fn grammar_invalid_lines() {
    let cases: &[(&str, &str)] = &[
        ("foo draft-x", "unknown command 'foo'"),
        (
            "ballot draft-smith-quic-foo discuss",
            "ballot needs a reason for a DISCUSS, like: discuss reason \"section 4 …\"",
        ),
        (
            "ballot draft-smith-quic-foo maybe",
            "ballot expects 'yes', 'no-objection', 'discuss', 'abstain' or 'recuse', not 'maybe'",
        ),
        ("ballot", "ballot needs a draft name"),
        ("Hello chairs,", "unknown command 'hello'"),
        (
            "propose QUIC over pigeons",
            "propose needs a title in double quotes",
        ),
        (r#"propose """#, "a title that is not empty"),
        (r#"propose "unclosed"#, "not closed"),
        ("candidate", "candidate needs a draft name"),
        ("candidate rfc9000", "must start with 'draft-'"),
        (
            "adoption start draft-smith-quic-foo",
            "adoption start needs a draft with its revision, like draft-smith-quic-foo-03",
        ),
        (
            "adoption start draft-smith-quic-foo-03 ends 2026-02-30",
            "2026-02-30 is not a calendar date",
        ),
        (
            "adoption start draft-smith-quic-foo-03 for 2 months",
            "expects 'weeks' or 'days'",
        ),
        (
            "adoption start draft-smith-quic-foo-03 for 100 days",
            "expects a number of weeks or days",
        ),
        (
            "adoption start draft-smith-quic-foo-03 for 0 days",
            "at least one day",
        ),
        (
            "adoption start draft-smith-quic-foo-03 soon",
            "expects 'ends YYYY-MM-DD' or 'for N weeks'",
        ),
        (
            "adoption begin draft-smith-quic-foo-03",
            "adoption expects 'start', 'close', 'cancel' or 'extend', not 'begin'",
        ),
        (
            "adoption",
            "adoption needs 'start', 'close', 'cancel' or 'extend'",
        ),
        (
            "adoption cancel draft-smith-quic-foo",
            "adoption cancel needs a reason, like: reason",
        ),
        (
            "adoption extend draft-smith-quic-foo 2026-12-12",
            "expects 'to', not '2026-12-12'",
        ),
        (
            "adoption extend draft-smith-quic-foo to 12/12/2026",
            "YYYY-MM-DD",
        ),
        ("review start draft-smith-quic-foo", "needs 'reviewers'"),
        (
            "review start draft-smith-quic-foo reviewers 0",
            "at least one reviewer",
        ),
        (
            "review start draft-smith-quic-foo reviewers 100",
            "expects a number of reviewers",
        ),
        ("review draft-smith-quic-foo", "expects 'start'"),
        (
            "wglc start draft-smith-quic-foo",
            "wglc start needs a draft with its revision",
        ),
        (
            "wglc extend draft-smith-quic-foo to 2026-02-30",
            "not a calendar date",
        ),
        (
            "consensus draft-smith-quic-foo maybe",
            "expects 'reached' or 'not-reached', not 'maybe'",
        ),
        (
            "consensus draft-smith-quic-foo reached",
            "consensus needs a reason",
        ),
        ("state draft-smith-quic-foo limbo", "unknown state 'limbo'"),
        (
            "state draft-smith-quic-foo wglc force",
            "force needs a reason",
        ),
        (
            "state draft-smith-quic-foo wglc reason unquoted",
            "reason in double quotes",
        ),
        (
            "state draft-smith-quic-foo wglc please",
            "unexpected 'please'",
        ),
        (
            "pubreq draft-smith-quic-foo status standard",
            "status ps, bcp, info or exp, not 'standard'",
        ),
        ("pubreq draft-smith-quic-foo ps", "expects 'status'"),
        (
            "ietf-lc start draft-smith-quic-foo for two weeks",
            "expects a number of weeks or days, not 'two'",
        ),
        (
            "ietf-lc open draft-smith-quic-foo",
            "ietf-lc expects 'start', 'close' or 'extend'",
        ),
        (
            "published draft-smith-quic-foo rfc 123456",
            "expects an RFC number",
        ),
        ("published draft-smith-quic-foo rfc 0", "above 0"),
        ("published draft-smith-quic-foo 9000", "expects 'rfc'"),
        ("approve", "approve needs a draft name"),
        ("status draft-a draft-b", "unexpected 'draft-b'"),
        ("help me", "unexpected 'me' after help"),
        ("confirm", "confirm needs a token"),
        ("confirm abc!def", "not a confirmation token"),
    ];
    for &(line, want) in cases {
        let err = one(line).expect_err(line);
        assert!(err.contains(want), "{line}: got {err:?}, want {want:?}");
    }
}

#[test]
fn every_line_is_kept_with_its_text() {
    let got = parse("", "status draft-a\n\n  state draft-a bogus  \nhelp\n");
    let texts: Vec<&str> = got.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["status draft-a", "state draft-a bogus", "help"]);
    assert!(got[0].result.is_ok() && got[1].result.is_err() && got[2].result.is_ok());
}

#[test]
fn prose_after_the_commands_ends_them_and_an_unknown_first_line_is_reported() {
    // A sign-off ends the commands quietly.
    let got = parse("", "status draft-a\n\nThanks,\nChair One\nhelp\n");
    assert_eq!(got.len(), 1, "{got:?}");
    // An unknown first line is reported, once; the commands after it are read.
    let got = parse(
        "",
        "Hi chairs,\nplease see below\nstatus draft-a\nThanks,\n",
    );
    let texts: Vec<&str> = got.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["Hi chairs,", "status draft-a"], "{got:?}");
    assert!(
        got[0]
            .result
            .as_ref()
            .is_err_and(|e| e.to_string().contains("unknown command"))
    );
    // A mistyped command is still a command: reported, and reading goes on.
    let got = parse("", "status draft-a\nstatus\nhelp\n");
    assert_eq!(got.len(), 3, "{got:?}");
}

#[test]
fn the_subject_counts_only_when_the_body_has_no_command() {
    let got = parse(
        "wglc close draft-smith-quic-foo",
        "status draft-smith-quic-foo\n",
    );
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].result,
        Ok(Cmd::Status {
            draft: s("draft-smith-quic-foo")
        })
    );
    let got = parse("wglc close draft-smith-quic-foo", "Thanks,\nChair\n");
    assert_eq!(
        got.iter().map(|l| l.result.clone()).collect::<Vec<_>>(),
        [Ok(Cmd::WglcClose {
            draft: s("draft-smith-quic-foo"),
            reason: None,
        })]
    );

    // A free-text Subject is not a command, and is not reported as a bad one either.
    for subject in [
        "Re: Call for adoption: draft-x-y-03",
        "Help with the WGLC",
        "",
        "status please",
    ] {
        let got = parse(subject, "help\n");
        assert_eq!(got.len(), 1, "{subject}");
        assert_eq!(got[0].result, Ok(Cmd::Help));
    }

    // A `consensus` Subject takes its reason from its own line, never from the body.
    let got = parse(
        "Consensus draft-smith-quic-foo reached reason \"two objections resolved\"",
        "Strong support, two objections resolved.\n",
    );
    assert_eq!(
        got[0].result,
        Ok(Cmd::Consensus {
            draft: s("draft-smith-quic-foo"),
            reached: true,
            reason: s("two objections resolved")
        })
    );
    assert_eq!(got.len(), 1);
}

#[test]
fn processing_stops_at_end_signature_or_quote() {
    let bodies = [
        "status draft-a\nend\nhelp\n",
        "status draft-a\nEND\nhelp\n",
        "status draft-a\n-- \nAlice, chair\nhelp\n",
        "status draft-a\n--\nhelp\n",
        "status draft-a\r\n-- \r\nhelp\r\n",
        "status draft-a\n> help\nhelp\n",
        "status draft-a\n\n  > On Monday Bob wrote:\nhelp\n",
    ];
    for body in bodies {
        let got = parse("", body);
        assert_eq!(got.len(), 1, "{body:?}: {got:?}");
        assert_eq!(
            got[0].result,
            Ok(Cmd::Status {
                draft: s("draft-a")
            })
        );
    }
    assert!(parse("", "> wglc close draft-a\n").is_empty());
}

#[test]
fn a_consensus_reason_is_quoted_or_the_rest_of_its_line() {
    let body = "consensus draft-smith-quic-foo not-reached The objections on section 4 stand.\n\
                status draft-smith-quic-foo\n\
                wglc start draft-smith-quic-foo-06\n\
                state draft-smith-quic-foo parked\n";
    let got = parse("", body);
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(
        got[0].result,
        Ok(Cmd::Consensus {
            draft: s("draft-smith-quic-foo"),
            reached: false,
            reason: s("The objections on section 4 stand."),
        })
    );
    assert!(got[1..].iter().all(|l| l.result.is_ok()), "{got:?}");

    let got = parse(
        "",
        "consensus draft-a reached reason \"Clear support.\"\nhelp\n",
    );
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].result,
        Ok(Cmd::Consensus {
            draft: s("draft-a"),
            reached: true,
            reason: s("Clear support.")
        })
    );

    // No reason on the line: refused, and the following lines are not taken for one.
    let got = parse("", "consensus draft-a reached\nClear support.\n");
    assert!(
        got[0]
            .result
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("needs a reason"),
        "{got:?}"
    );
}

#[test]
fn pubreq_takes_the_rest_of_the_body_as_the_shepherd_write_up() {
    let body = "pubreq draft-smith-quic-foo status ps\n\n\
                1. Summary\n\
                The document shepherd is Alice.\n\
                \n\
                2. Review and consensus\n\
                status draft-smith-quic-foo\n\
                -- \n\
                Chair One\n";
    let got = parse("", body);
    assert_eq!(
        got.len(),
        1,
        "the write-up's lines are not commands: {got:?}"
    );
    assert_eq!(got[0].text, "pubreq draft-smith-quic-foo status ps");
    assert_eq!(
        got[0].result,
        Ok(Cmd::Pubreq {
            draft: s("draft-smith-quic-foo"),
            status: IntendedStatus::ProposedStandard,
            writeup: s("1. Summary\nThe document shepherd is Alice.\n\n\
                        2. Review and consensus\nstatus draft-smith-quic-foo"),
        })
    );
    // `end` closes it; with nothing after the command there is no write-up.
    let got = parse("", "pubreq draft-a status info\nShort.\nend\nhelp\n");
    assert_eq!(got.len(), 1);
    assert!(matches!(&got[0].result, Ok(Cmd::Pubreq { writeup, .. }) if writeup == "Short."));
    let got = parse("", "pubreq draft-a status info\n-- \nChair\n");
    assert!(matches!(&got[0].result, Ok(Cmd::Pubreq { writeup, .. }) if writeup.is_empty()));
    // Bounded: a write-up over 64 KiB is refused, not cut.
    let long = format!("pubreq draft-a status info\n{}\n", "x".repeat(70 * 1024));
    let got = parse("", &long);
    assert_eq!(
        got[0].result.as_ref().map_err(|e| e.to_string()),
        Err(s("pubreq expects a write-up of at most 64 KiB, not 70 KiB"))
    );
}

#[test]
fn read_only_and_iesg_commands() {
    // Each line parses to its command, and the table row it names says who and whether it changes.
    let row_of = |line: &str| {
        let parsed = parse("", line);
        assert!(parsed[0].result.is_ok(), "{line}: {parsed:?}");
        table::row(parsed[0].name).expect("a row")
    };
    for c in ["status draft-a", "tally draft-a", "history draft-a", "help"] {
        let row = row_of(c);
        assert!(!row.changes(), "{c:?}");
        assert_eq!(row.who, Who::Anyone, "{c:?}");
    }
    for c in [
        "ietf-lc start draft-a",
        "ietf-lc close draft-a",
        "ietf-lc extend draft-a to 2027-01-01",
        "approve draft-a",
        "published draft-a rfc 9000",
    ] {
        let row = row_of(c);
        assert_eq!(row.who, Who::Iesg, "{c:?}");
        assert!(row.changes(), "{c:?}");
    }
    for c in ["wglc close draft-a", "pubreq draft-a status info"] {
        let row = row_of(c);
        assert!(row.who != Who::Iesg && row.changes(), "{c:?}");
    }
    assert_eq!(IntendedStatus::ProposedStandard.name(), "Proposed Standard");
}

#[test]
fn a_message_is_read_for_at_most_fifty_commands_and_short_reasons() {
    let body = "status draft-x-y\n".repeat(1_000);
    let lines = parse("", &body);
    assert_eq!(lines.len(), wgmail::workflow::grammar::MAX_COMMANDS + 1);
    assert!(lines[..50].iter().all(|l| l.result.is_ok()));
    assert!(
        lines[50]
            .result
            .as_ref()
            .is_err_and(|e| e.to_string().contains("only the first 50 commands"))
    );
    for line in [
        "x".repeat(100_000),
        format!("candidate {}", "x".repeat(100_000)),
        format!("status draft-{}", "x".repeat(100_000)),
        format!("confirm {}", "x".repeat(100_000)),
        format!("state draft-x-y {}", "é".repeat(50_000)),
    ] {
        let got = parse("", &line);
        let e = got[0].result.as_ref().unwrap_err().to_string();
        assert!(e.len() < 1_000 && got[0].text.len() <= 200, "{}", e.len());
    }
    let title = format!("propose \"{}\"", "x".repeat(301));
    assert!(
        parse("", &title)[0]
            .result
            .as_ref()
            .is_err_and(|e| e.to_string().contains("at most 300"))
    );
    assert!(
        parse("", &format!("propose \"{}\"", "x".repeat(300)))[0]
            .result
            .is_ok()
    );
    // A reason is one line, and a bounded one.
    let long = format!("consensus draft-x-y reached {}", "é".repeat(400));
    let lines = parse("", &long);
    match &lines[0].result {
        Ok(Cmd::Consensus { reason, .. }) => assert_eq!(reason.len(), 800),
        other => panic!("{other:?}"),
    }
    let long = format!("consensus draft-x-y reached {}", "é".repeat(600));
    let e = parse("", &long)[0].result.clone().unwrap_err().to_string();
    assert!(e.contains("a reason of at most 1000 bytes"), "{e}");
}
