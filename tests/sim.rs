//! The simulator on the demo roll-out forked at 2026-03-01: determinism at any thread count,
//! calibration of the sub-models, invariants, and the P85 check against an independent seed.

use std::io::BufReader;
use std::sync::Arc;

use baton::app::{parse_as_of, App};
use baton::domain::retention::{self, SkillMeasure, EBBINGHAUS, NONSENSE};
use baton::sim::monte_carlo::{self, Config};
use baton::sim::{model, scenario, Draws, Plan};
use baton::store::{jsonl, MemoryStore, SystemClock};

pub fn demo_app() -> App {
    let store = Arc::new(MemoryStore::new());
    let log = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.jsonl")).unwrap();
    jsonl::import(&*store, &mut BufReader::new(&log[..]), false, "test").unwrap();
    App::new(store, Arc::new(SystemClock))
}

fn demo_plan() -> Plan {
    let app = demo_app();
    let (org, _) = app.organization().unwrap();
    let t = parse_as_of("2026-03-01", &org).unwrap();
    baton::forecast::fork_program(&app, "ils-rollout", t).unwrap()
}

fn simulate(plan: &Plan, name: &str, runs: u64, seed: u64, threads: usize) -> monte_carlo::Report {
    let sc = scenario::builtin(name).unwrap();
    let changes = sc.changes(&[]);
    let config = Config {
        runs,
        seed,
        horizon: plan.deadline + 730,
        per_run: true,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let outs =
        pool.install(|| monte_carlo::outcomes(plan, &sc.params(), &changes, &config, &|| {}));
    monte_carlo::report(plan, name, &[], &config, &outs)
}

#[test]
fn the_demo_fork_is_a_plan() {
    let plan = demo_plan();
    assert_eq!(plan.fork.to_string(), "2026-03-01");
    assert_eq!(plan.date(plan.deadline).to_string(), "2026-09-30");
    assert_eq!(plan.outcome.skill, "circulation");
    assert_eq!(plan.modules.len(), 4, "m1–m4 are required");
    // m3 and m4 have no session yet at the fork: the engine plans their rounds.
    let unscheduled: Vec<_> = plan
        .modules
        .iter()
        .filter(|m| !m.has_sessions)
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(unscheduled, ["m3", "m4"]);
    assert!(plan.learners.len() > 100);
}

#[test]
fn output_is_byte_identical_at_any_thread_count() {
    let plan = demo_plan();
    let one = serde_json::to_string(&simulate(&plan, "perfect-storm", 40, 7, 1)).unwrap();
    let two = serde_json::to_string(&simulate(&plan, "perfect-storm", 40, 7, 2)).unwrap();
    let four = serde_json::to_string(&simulate(&plan, "perfect-storm", 40, 7, 4)).unwrap();
    assert_eq!(one, two);
    assert_eq!(one, four);
    let other = serde_json::to_string(&simulate(&plan, "perfect-storm", 40, 8, 2)).unwrap();
    assert_ne!(one, other, "the seed matters");
}

#[test]
fn a_reported_p85_is_met_by_80_to_90_percent_of_an_independent_seed() {
    let plan = demo_plan();
    let a = simulate(&plan, "as-planned", 200, 1, 2);
    let b = simulate(&plan, "as-planned", 200, 2, 2);
    let p85 = a
        .completion_date
        .p85
        .expect("as planned, the demo finishes");
    let met = b
        .per_run
        .unwrap()
        .iter()
        .filter(|r| r.completion_date.is_some_and(|d| d <= p85))
        .count() as f64
        / 200.0;
    assert!(
        (0.78..=0.92).contains(&met),
        "{met} of the runs met P85 {p85}"
    );
}

#[test]
fn ebbinghaus_table_within_four_points_and_skill_half_lives() {
    for (t, observed) in EBBINGHAUS {
        assert!(
            (100.0 * NONSENSE.retention(t) - observed).abs() <= 4.0,
            "{t} min"
        );
    }
    for (m, months) in [
        (SkillMeasure::Accuracy, 6.5),
        (SkillMeasure::Mixed, 11.0),
        (SkillMeasure::Speed, 13.0),
    ] {
        let r = retention::skill(m).retention(months * retention::DAYS_PER_MONTH);
        assert!((r - 0.5).abs() < 1e-9, "{m:?}");
    }
}

#[test]
fn transfer_reproduces_the_62_44_34_shape_on_average() {
    // With average support (shift 0), T = rho·S + sqrt(1 − rho²)·e is standard normal, and the
    // share still applying at 0, 6 and 12 months is 62, 44 and 34 % — closed form and sampled.
    let rho = 0.31;
    let n = 20_000;
    let mut applying = [0u32; 3];
    let mut rng_state = 0x9e37_79b9_7f4a_7c15u64;
    let mut uniform = || {
        rng_state = rng_state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((rng_state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for _ in 0..n {
        let s = model::normal_quantile(uniform());
        let e = model::normal_quantile(uniform());
        let t = model::transfer_score(rho, s, e);
        for (k, month) in [0.0, 6.0, 12.0].iter().enumerate() {
            if model::months_applying(t).is_some_and(|m| m >= *month) {
                applying[k] += 1;
            }
        }
    }
    for (k, target) in [0.62, 0.44, 0.34].iter().enumerate() {
        let share = applying[k] as f64 / n as f64;
        assert!((share - target).abs() < 0.015, "month {}: {share}", k * 6);
    }
}

#[test]
fn bass_matches_its_closed_form() {
    // The closed form against a fine Euler integration of dF/dt = (p + qF)(1 − F).
    let (p, q) = (0.03, 0.38);
    let mut f = 0.0;
    let dt = 1e-4;
    for step in 1..=100_000 {
        f += (p + q * f) * (1.0 - f) * dt;
        if step % 20_000 == 0 {
            let t = step as f64 * dt;
            assert!((f - model::bass_share(p, q, t)).abs() < 1e-4, "t = {t}");
        }
    }
}

#[test]
fn more_release_time_never_lowers_expected_attendance() {
    let plan = demo_plan();
    let sc = scenario::builtin("reluctant-supervisors").unwrap();
    let config = Config {
        runs: 30,
        seed: 3,
        horizon: plan.deadline + 730,
        per_run: false,
    };
    let mut last = -1.0;
    for release in [0.0, 0.3, 0.6, 0.9] {
        let mut params = sc.params();
        params.set("attendance.not_released", release).unwrap();
        let outs = monte_carlo::outcomes(&plan, &params, &sc.changes(&[]), &config, &|| {});
        let share = outs.iter().map(|o| o.proficient_share).sum::<f64>() / 30.0;
        assert!(share >= last, "release {release}: {share} < {last}");
        last = share;
    }
}

#[test]
fn a_mitigation_that_touches_nothing_a_run_uses_leaves_it_unchanged() {
    // Hidden experts matter only with a survey; without one, more of them changes nothing.
    let plan = demo_plan();
    let sc = scenario::builtin("as-planned").unwrap();
    let base = sc.params();
    let mut other = base.clone();
    other.set("experts.hidden", 5.0).unwrap();
    for run in 0..10 {
        let a = baton::sim::run(
            &plan,
            &base,
            &[],
            &Draws::new(11, run),
            plan.deadline + 730,
            None,
        );
        let b = baton::sim::run(
            &plan,
            &other,
            &[],
            &Draws::new(11, run),
            plan.deadline + 730,
            None,
        );
        assert_eq!(a, b, "run {run}");
    }
}

#[test]
fn a_target_met_before_the_fork_is_completed_on_the_day_the_log_first_showed_it() {
    let app = demo_app();
    let (org, _) = app.organization().unwrap();
    let dashboard = |day: &str| {
        baton::checkpoint::dashboard_series(&app, "ils-rollout", &[parse_as_of(day, &org).unwrap()])
            .unwrap()
            .remove(0)
            .unwrap()
            .deadline
    };
    // The demo reached its target on 1 October (not on 30 September).
    let (met, before) = (dashboard("2026-10-01"), dashboard("2026-09-30"));
    assert!(met.progress >= met.target);
    assert!(before.progress < before.target);
    let plan = baton::forecast::fork_program(
        &app,
        "ils-rollout",
        parse_as_of("2026-10-30", &org).unwrap(),
    )
    .unwrap();
    let met_on = plan.met_on.expect("met at the fork");
    assert_eq!(plan.date(met_on).to_string(), "2026-10-01");
    let report = simulate(&plan, "perfect-storm", 20, 3, 1);
    let json = serde_json::to_value(&report).unwrap();
    for p in ["p10", "p50", "p85", "p95"] {
        assert_eq!(
            json["completion_date"][p],
            serde_json::json!("2026-10-01"),
            "{p}"
        );
    }
    assert_eq!(report.p_done_by_deadline, 1.0);
    // Not met at the fork: nothing is read, the runs decide.
    let before = baton::forecast::fork_program(
        &app,
        "ils-rollout",
        parse_as_of("2026-09-30", &org).unwrap(),
    )
    .unwrap();
    assert!(before.met_on.is_none());
}

#[test]
fn a_fork_after_the_deadline_reads_what_was_reached_by_it_from_the_log() {
    let app = demo_app();
    let (org, _) = app.organization().unwrap();
    let plan = baton::forecast::fork_program(
        &app,
        "ils-rollout",
        parse_as_of("2026-12-05", &org).unwrap(),
    )
    .unwrap();
    let deadline = plan.date(plan.deadline);
    assert_eq!(
        deadline.to_string(),
        "2026-11-30",
        "the demo's moved deadline"
    );
    // The dashboard at the end of the deadline's day.
    let end = parse_as_of("2026-11-30", &org).unwrap();
    let view = baton::checkpoint::dashboard_series(&app, "ils-rollout", &[end])
        .unwrap()
        .remove(0)
        .unwrap();
    let met = view.deadline.target > 0 && view.deadline.progress >= view.deadline.target;
    let share = view.proficiency.and_then(|p| p.share).unwrap();
    assert!(met, "the demo reached its target by its deadline");
    let fact = plan
        .at_deadline
        .expect("a fork after the deadline carries it");
    assert_eq!((fact.met, fact.proficient_share), (met, share));
    // Every run agrees with the log: no run can undo what happened by the deadline.
    let report = simulate(&plan, "as-planned", 20, 3, 1);
    assert_eq!(report.p_done_by_deadline, 1.0);
    assert!((report.proficient_share_at_deadline - share).abs() < 0.0005);
    // Go-live (the deadline's day, by default) was before the fork too: history, the same
    // whatever the seed, and no more than the share proficient on that day (forgetting can
    // only take some away).
    let golive = report.proficient_share_at_golive;
    assert!(
        golive > 0.0 && golive <= share + 1e-9,
        "{golive} against {share}"
    );
    let other_seed = simulate(&plan, "as-planned", 20, 99, 1);
    assert_eq!(other_seed.proficient_share_at_golive, golive);
    // A fork before the deadline carries no fact: the runs decide.
    assert!(demo_plan().at_deadline.is_none());
}
