//! The "same events" rule (DESIGN.md §6): on sampled runs of the demo roll-out forked at
//! 2026-03-01, the run's materialized commands, applied through the application to the log as
//! it stood at the fork, give domain events whose real projections (dashboard, risk) show
//! exactly the outcome the compact engine reported.

use std::io::BufReader;
use std::sync::Arc;

use baton::app::{parse_as_of, App, RunOptions};
use baton::projections::dashboard::Dashboard;
use baton::projections::risk::SkillsRisk;
use baton::projections::Projection;
use baton::sim::{engine, events, scenario, Draws, Plan};
use baton::store::{jsonl, MemoryStore, SystemClock};

const FORK: &str = "2026-03-01";

/// The demo log as it stood at the end of the fork day (business time).
fn forked_app() -> App {
    let store = Arc::new(MemoryStore::new());
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let log = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.jsonl"))
        .unwrap();
    // The organization's zone is Europe/Paris: the end of 1 March is 22:59:59.999999Z.
    let cut = "2026-03-01T22:59:59.999999Z";
    let kept: String = log
        .lines()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["occurred_at"].as_str().unwrap() <= cut
        })
        .map(|l| format!("{l}\n"))
        .collect();
    jsonl::import(&*store, &mut BufReader::new(kept.as_bytes()), false, "test").unwrap();
    let (org, _) = app.organization().unwrap();
    assert_eq!(parse_as_of(FORK, &org).unwrap().to_string(), cut);
    app
}

fn dashboard(app: &App, plan: &Plan, day: i32) -> baton::projections::dashboard::DashboardView {
    let (org, _) = app.organization().unwrap();
    let now = parse_as_of(&plan.date(day).to_string(), &org).unwrap();
    let mut d = Dashboard::new(&plan.program);
    for f in app
        .all_facts()
        .unwrap()
        .iter()
        .filter(|f| f.meta.occurred_at <= now)
    {
        d.update(&f.meta, &f.event);
    }
    d.result(now).unwrap()
}

fn risk(app: &App, plan: &Plan, day: i32) -> baton::projections::risk::RiskView {
    let (org, _) = app.organization().unwrap();
    let now = parse_as_of(&plan.date(day).to_string(), &org).unwrap();
    let mut r = SkillsRisk::default();
    for f in app
        .all_facts()
        .unwrap()
        .iter()
        .filter(|f| f.meta.occurred_at <= now)
    {
        r.update(&f.meta, &f.event);
    }
    r.result(now)
}

fn check(scenario_name: &str, mitigations: &[&str], run: u64) -> engine::RunOutcome {
    let app = forked_app();
    let (org, _) = app.organization().unwrap();
    let plan = baton::forecast::fork_program(&app, "ils-rollout", parse_as_of(FORK, &org).unwrap())
        .unwrap();
    let sc = scenario::builtin(scenario_name).unwrap();
    let horizon = plan.deadline + 730;
    let mut trace = engine::Trace::default();
    let chosen: Vec<_> = mitigations
        .iter()
        .map(|m| (None, sc.mitigation(m).unwrap()))
        .collect();
    let outcome = engine::run(
        &plan,
        &sc.params(),
        &sc.changes(&chosen),
        &Draws::new(5, run),
        horizon,
        Some(&mut trace),
    );
    for step in events::commands(&plan, &trace) {
        let now = parse_as_of(&plan.date(step.day).to_string(), &org).unwrap();
        let options = RunOptions {
            actor: "sim".into(),
            business_time: Some(now),
            ..RunOptions::default()
        };
        let program = step.program.then_some(plan.program.as_str());
        app.run(program, std::slice::from_ref(&step.command), &options)
            .unwrap_or_else(|e| {
                panic!(
                    "{scenario_name} run {run}, day {}: {:?}: {e}",
                    step.day, step.command
                )
            });
    }
    let ctx = format!("{scenario_name} run {run}");
    // Completion: the first day at whose end the dashboard shows progress ≥ target.
    let done = |day: i32| {
        let d = dashboard(&app, &plan, day).deadline;
        d.target > 0 && d.progress >= d.target
    };
    match outcome.completion_day {
        Some(c) => {
            assert!(done(c), "{ctx}: not done on {}", plan.date(c));
            if c > 0 {
                assert!(!done(c - 1), "{ctx}: already done on {}", plan.date(c - 1));
            }
        }
        None => assert!(!done(horizon), "{ctx}: done by the horizon"),
    }
    // Proficient share at the deadline (as it stands at the end of the run).
    let at_deadline = dashboard(&app, &plan, outcome.deadline);
    assert_eq!(
        at_deadline.deadline.deadline,
        Some(plan.date(outcome.deadline)),
        "{ctx}"
    );
    let p = at_deadline.proficiency.unwrap();
    assert_eq!(
        p.proficient as f64 / p.audience as f64,
        outcome.proficient_share,
        "{ctx}"
    );
    // Truck factor and single-holder skills at the end of training.
    let r = risk(&app, &plan, outcome.end_day);
    assert_eq!(r.truck_factor.value, outcome.truck_factor, "{ctx}");
    let singles: Vec<String> = r.single_holder.iter().map(|s| s.skill.clone()).collect();
    let expected: Vec<String> = outcome
        .single_holder
        .iter()
        .map(|&s| plan.skills[s].clone())
        .collect();
    assert_eq!(singles, expected, "{ctx}");
    // Commitments kept, from the ledger at the horizon.
    let ledger = dashboard(&app, &plan, horizon).commitments;
    let kept = ledger.iter().filter(|r| r.kept == Some(true)).count() as u32;
    let verdicts = ledger.iter().filter(|r| r.kept.is_some()).count() as u32;
    assert_eq!((kept, verdicts), outcome.commitments_kept, "{ctx}");
    outcome
}

#[test]
fn as_planned_runs_fold_to_the_same_outcome() {
    for run in [0, 1] {
        assert!(check("as-planned", &[], run).completion_day.is_some());
    }
}

#[test]
fn perfect_storm_runs_fold_to_the_same_outcome() {
    for run in [0, 3] {
        check("perfect-storm", &[], run);
    }
    // With a backup trainer and a survey that records hidden experts.
    check("perfect-storm", &["backup-trainers", "skills-survey"], 1);
}

#[test]
fn hidden_knowledge_runs_fold_to_the_same_outcome() {
    check("hidden-knowledge", &["skills-survey"], 2);
}
