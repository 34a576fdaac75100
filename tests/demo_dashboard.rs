//! The dashboards of the demo log at its end date, checked against figures counted by hand from
//! `fixtures/demo.jsonl` (see `fixtures/README.md` for the `jq` recipes), with the dashboard's
//! written definitions applied (`src/projections/dashboard/mod.rs`): rates and follow-ups count
//! the audience only (enrolled, not withdrawn, not a leaver).

use std::io::BufReader;
use std::sync::Arc;

use baton::app::{parse_as_of, App};
use baton::demo::{DEMO_END, MENTORING, ROLLOUT};
use baton::domain::events::happened_by;
use baton::projections::dashboard::Dashboard;
use baton::projections::risk::SkillsRisk;
use baton::projections::Projection;
use baton::store::{jsonl, MemoryStore, SystemClock};
use serde_json::{json, Value};

fn views() -> (Value, Value, Value) {
    let store = Arc::new(MemoryStore::new());
    let log = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.jsonl")).unwrap();
    jsonl::import(&*store, &mut BufReader::new(&log[..]), false, "test").unwrap();
    let app = App::new(store, Arc::new(SystemClock));
    let (org, _) = app.organization().unwrap();
    let now = parse_as_of(DEMO_END, &org).unwrap();
    let facts = app.all_facts().unwrap();
    let mut rollout = Dashboard::new(ROLLOUT);
    let mut mentoring = Dashboard::new(MENTORING);
    let mut risk = SkillsRisk::default();
    for f in facts
        .iter()
        .filter(|f| happened_by(f.event.type_name(), f.meta.occurred_at, now))
    {
        rollout.update(&f.meta, &f.event);
        mentoring.update(&f.meta, &f.event);
        risk.update(&f.meta, &f.event);
    }
    (
        serde_json::to_value(rollout.result(now).unwrap()).unwrap(),
        serde_json::to_value(mentoring.result(now).unwrap()).unwrap(),
        serde_json::to_value(risk.result(now)).unwrap(),
    )
}

#[test]
fn rollout_dashboard_matches_hand_counts() {
    let (d, _, _) = views();
    // 110 `LearnerEnrolled`, 4 `LearnerWithdrew`; no enrolled learner had left by the end date
    // without withdrawing first, so the audience is 110 - 4 = 106.
    assert_eq!(d["enrolment"]["enrolled"], 110);
    assert_eq!(d["enrolment"]["withdrawn"], 4);
    assert_eq!(d["enrolment"]["audience"], 106);
    // Sessions: 53 `SessionScheduled`; 48 `SessionHeld`; 2 `SessionCancelled`; 5
    // `SessionRescheduled`; 53 - 48 - 2 = 3 still to come in November.
    let a = &d["attendance"];
    assert_eq!(
        (
            a["sessions"].as_u64(),
            a["held"].as_u64(),
            a["cancelled"].as_u64(),
            a["upcoming"].as_u64()
        ),
        (Some(53), Some(48), Some(2), Some(3))
    );
    assert_eq!(a["reschedules"], 5);
    // 503 attendance records in held sessions, 15 of them for the 4 withdrawn learners, leave
    // 488 expected, 440 present: rate 440 / 488 = 0.9016 → 0.902.
    assert_eq!(a["expected"], 488);
    assert_eq!(a["present"], 440);
    assert_eq!(a["rate"], 0.902);
    // Every `no_release_time` absence is an audience member's: 14.
    assert_eq!(a["absences"]["no_release_time"], 14);
    // Follow-ups: 108 scheduled, 90 completed (not voided), 18 open; 17 were due before the end
    // date, but f-034 belongs to juliette-simon, who left on 2026-10-09: leavers' follow-ups
    // are left out, so 17 open and 16 overdue.
    assert_eq!(d["follow_ups"]["completed"], 90);
    assert_eq!(d["follow_ups"]["open"], 17);
    assert_eq!(d["follow_ups"]["overdue"].as_array().unwrap().len(), 16);
    // Proficiency: latest circulation assessment ≥ 3 for 83 of the 106 (783 ‰ ≥ 750 ‰ target).
    let p = &d["proficiency"];
    assert_eq!(
        (
            p["proficient"].as_u64(),
            p["audience"].as_u64(),
            p["met"].as_bool()
        ),
        (Some(83), Some(106), Some(true))
    );
    // The deadline moved once (2026-09-30 → 2026-11-30); target ceil(750 × 106 / 1000) = 80,
    // reached (83), so the status is achieved.
    assert_eq!(d["deadline"]["deadline"], "2026-11-30");
    assert_eq!(d["deadline"]["changes"], 1);
    assert_eq!(d["deadline"]["target"], 80);
    assert_eq!(d["deadline"]["status"], "achieved");
}

/// The row of `person` in a list of rows with a `person` field.
fn row<'a>(rows: &'a Value, person: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["person"] == person)
        .unwrap()
}

#[test]
fn rollout_retention_matches_the_formula_by_hand() {
    let (d, _, r) = views();
    // One trace per learner and skill (docs/MODEL.md §1): h₀ = 3 / 334.84, the optimal gap
    // for a 182-day interval G = 20.857 days. adam-boyer in catalogue-search: the m1 session
    // on 2026-02-11 (120 minutes) trains; 15 minutes of practice on 02-13 (gap 2: s = 2 / G =
    // 0.09589, d = 15/60 = ¼) multiplies h by 1 − 0.2 × 0.09589 × ¼ = 0.99521 and raises
    // r = (1 + 2·h₀)^(−½) = 0.99116 to 0.99116 + 0.00884 × ¼ = 0.99337 (the curve's age
    // (0.99337^(−2) − 1) / (0.99521·h₀) = 1.502 days); on 10-31, 260 days on:
    // (1 + 0.99521·h₀·261.502)^(−½) = 3.33170^(−½) = 0.548, his weakest skill (circulation,
    // refreshed on 06-15, keeps 0.709). The old model pooled his days of every skill into one
    // trace and read 0.844.
    let p = &d["practice"];
    let adam = row(&p["learners"], "adam-boyer");
    assert_eq!(
        (
            &adam["retention"],
            &adam["weakest_skill"],
            &adam["days_since"]
        ),
        (&json!(0.548), &json!("catalogue-search"), &json!(138))
    );
    // Most learners logged practice in circulation, hardly in catalogue-search, trained first:
    // by skill, catalogue-search 0.593 over the 106, circulation 0.761; the mean of the
    // learners' weakest skills is 0.579 (the pooled trace hid this: 0.909). The figures of all
    // 336 traces were recomputed outside Rust from the fixture and agree.
    assert_eq!(p["mean_retention"], 0.579);
    let by_skill: Vec<(&str, u64, f64)> = p["by_skill"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["skill"].as_str().unwrap(),
                s["learners"].as_u64().unwrap(),
                s["mean_retention"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_skill,
        [
            ("catalogue-search", 106, 0.593),
            ("circulation", 106, 0.761),
            ("copy-cataloguing", 14, 0.866),
            ("patron-accounts", 105, 0.644),
            ("reports", 5, 0.922)
        ]
    );
    // The risk view decays the gains of training toward the level before it.
    let cell = |person: &str, skill: &str| {
        let c = &row(&r["matrix"], person)["skills"][skill];
        (
            c["level"].as_u64().unwrap(),
            c["before"].as_u64().unwrap(),
            c["estimated"].as_f64().unwrap(),
        )
    };
    // adam-morel, assessed 4 in circulation once, by his supervisor on 01-07: a level seen on
    // the job does not decay (the old model: 4 × (1 + 297·h₀)^(−½) = 2.091).
    assert_eq!(cell("adam-morel", "circulation"), (4, 4, 4.0));
    // adam-boyer's catalogue-search 2, his only assessment, a program evaluation on 02-11: the
    // level before was not recorded, 0; the same trace as above, 0.54786: 2 × 0.54786 = 1.096
    // (the old model: 2 × (1 + 0.8·h₀·260)^(−½) = 1.182).
    assert_eq!(cell("adam-boyer", "catalogue-search"), (2, 0, 1.096));
    // alice-haddad's circulation: self-assessed 1 on 01-07, evaluated 2 on 03-05 and 3 on
    // 06-05 (the trace starts then); 45 minutes of practice on 06-11 (gap 6: s = 0.28767,
    // d = ¾ → h = (1 − 0.2 × 0.28767 × ¾)·h₀ = 0.95685·h₀, r = 0.97416 → 0.99354, age 1.522);
    // 142 days on: (1 + 0.95685·h₀·143.522)^(−½) = 2.23040^(−½) = 0.66959, so
    // 1 + (3 − 1) × 0.66959 = 2.339 (the old model: 3 × (1 + 0.8·h₀·142)^(−½) = 2.112).
    assert_eq!(cell("alice-haddad", "circulation"), (3, 1, 2.339));
}

#[test]
fn mentoring_dashboard_matches_hand_counts() {
    let (_, d, _) = views();
    // 8 pairs, hence 8 mentees enrolled; 16 follow-ups, 14 completed, the one overdue is pair 2's
    // final review due 2026-10-23 (pair 4's is due in November).
    assert_eq!(d["enrolment"]["audience"], 8);
    assert_eq!(d["follow_ups"]["completed"], 14);
    assert_eq!(d["follow_ups"]["open"], 2);
    let overdue = d["follow_ups"]["overdue"].as_array().unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0]["due"], "2026-10-23");
    // 75 `CoachingSessionHeld`; 36 `AssignmentGiven`, 26 `AssignmentCompleted`.
    assert_eq!(d["mentoring"]["pairs"], 8);
    assert_eq!(d["mentoring"]["coaching_sessions"], 75);
    assert_eq!(d["mentoring"]["assignments"], 36);
    assert_eq!(d["mentoring"]["assignments_done"], 26);
}

#[test]
fn risk_view_names_the_single_holder_skills() {
    let (_, _, r) = views();
    // kiosk-admin: only elise-joly is at level ≥ 2 and ≥ 0.75 × 3; original-cataloguing: only
    // tomasz-mathieu (the assessment that would have given it a second holder was voided).
    let singles: Vec<(&str, &str)> = r["single_holder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["skill"].as_str().unwrap(), s["person"].as_str().unwrap()))
        .collect();
    assert_eq!(
        singles,
        vec![
            ("kiosk-admin", "elise-joly"),
            ("original-cataloguing", "tomasz-mathieu")
        ]
    );
    assert_eq!(r["truck_factor"]["catalogue"], 8);
}
