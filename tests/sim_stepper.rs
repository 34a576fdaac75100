//! The event-driven engine against the plain day-by-day reference stepper of the same model:
//! on a few scenarios, the completion-date distributions agree (two-sample Kolmogorov–Smirnov
//! at the 1 % level) and P(done by deadline) agrees within sampling error.

use std::io::BufReader;
use std::sync::Arc;

use baton::app::{parse_as_of, App};
use baton::sim::{engine, scenario, stepper, Draws, Plan};
use baton::store::{jsonl, MemoryStore, SystemClock};

fn demo_plan() -> Plan {
    let store = Arc::new(MemoryStore::new());
    let log = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.jsonl")).unwrap();
    jsonl::import(&*store, &mut BufReader::new(&log[..]), false, "test").unwrap();
    let app = App::new(store, Arc::new(SystemClock));
    let (org, _) = app.organization().unwrap();
    baton::forecast::fork_program(
        &app,
        "ils-rollout",
        parse_as_of("2026-03-01", &org).unwrap(),
    )
    .unwrap()
}

fn agree(plan: &Plan, name: &str, runs: u64) {
    let sc = scenario::builtin(name).unwrap();
    let (params, changes) = (sc.params(), sc.changes(&[]));
    let horizon = plan.deadline + 730;
    let mut a: Vec<(i32, bool)> = Vec::new();
    let mut b: Vec<(i32, bool)> = Vec::new();
    for run in 0..runs {
        let o = engine::run(
            plan,
            &params,
            &changes,
            &Draws::new(100, run),
            horizon,
            None,
        );
        a.push((
            o.completion_day.unwrap_or(i32::MAX),
            o.completion_day.is_some_and(|d| d <= o.deadline),
        ));
        let s = stepper::step(plan, &params, &changes, 200, run, horizon);
        b.push((
            s.completion_day.unwrap_or(i32::MAX),
            s.completion_day.is_some_and(|d| d <= s.deadline),
        ));
    }
    let n = runs as f64;
    // Kolmogorov–Smirnov distance of the completion days.
    let mut days: Vec<i32> = a.iter().chain(&b).map(|x| x.0).collect();
    days.sort_unstable();
    days.dedup();
    let cdf = |v: &[(i32, bool)], d: i32| v.iter().filter(|x| x.0 <= d).count() as f64 / n;
    let ks = days
        .iter()
        .map(|&d| (cdf(&a, d) - cdf(&b, d)).abs())
        .fold(0.0, f64::max);
    let critical = 1.63 * (2.0 / n).sqrt();
    assert!(ks < critical, "{name}: KS distance {ks:.3} ≥ {critical:.3}");
    // P(done by deadline), within 3.5 standard errors of the difference.
    let pa = a.iter().filter(|x| x.1).count() as f64 / n;
    let pb = b.iter().filter(|x| x.1).count() as f64 / n;
    let se = ((pa * (1.0 - pa) + pb * (1.0 - pb)) / n)
        .sqrt()
        .max(1.0 / n);
    assert!(
        (pa - pb).abs() <= 3.5 * se,
        "{name}: P(done) {pa:.3} against {pb:.3}"
    );
    // The median dates are close (within the KS band of the distributions).
    let median = |v: &[(i32, bool)]| {
        let mut d: Vec<i32> = v.iter().map(|x| x.0).collect();
        d.sort_unstable();
        d[d.len() / 2]
    };
    let (ma, mb) = (median(&a), median(&b));
    assert!(
        cdf(&b, ma) >= 0.5 - critical && cdf(&a, mb) >= 0.5 - critical,
        "{name}: medians {ma} {mb}"
    );
}

#[test]
fn engine_and_stepper_agree_as_planned() {
    agree(&demo_plan(), "as-planned", 300);
}

#[test]
fn engine_and_stepper_agree_under_challenges() {
    let plan = demo_plan();
    for name in [
        "reluctant-supervisors",
        "key-person-leaves",
        "reluctant-students",
        "perfect-storm",
    ] {
        agree(&plan, name, 200);
    }
}
