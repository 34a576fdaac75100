//! One snapshot per scenario file (insta `glob!`): a small seeded report of the demo roll-out
//! forked at 2026-03-01, and the narrative of its first run. Review changes with
//! `cargo insta review`; CI never writes snapshots.

use std::io::BufReader;
use std::sync::Arc;

use baton::app::{parse_as_of, App};
use baton::sim::monte_carlo::{self, Config};
use baton::sim::{engine, narrate, scenario, Draws};
use baton::store::{jsonl, MemoryStore, SystemClock};

#[test]
fn every_scenario_file_has_a_small_seeded_report_and_story() {
    let store = Arc::new(MemoryStore::new());
    let log = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.jsonl")).unwrap();
    jsonl::import(&*store, &mut BufReader::new(&log[..]), false, "test").unwrap();
    let app = App::new(store, Arc::new(SystemClock));
    let (org, _) = app.organization().unwrap();
    let plan = baton::forecast::fork_program(
        &app,
        "ils-rollout",
        parse_as_of("2026-03-01", &org).unwrap(),
    )
    .unwrap();
    insta::glob!("../scenarios", "*.toml", |path| {
        let name = path.file_stem().unwrap().to_str().unwrap();
        let sc = scenario::parse(name, name, &std::fs::read_to_string(path).unwrap()).unwrap();
        let config = Config {
            runs: 50,
            seed: 2026,
            horizon: plan.deadline + 730,
            per_run: false,
        };
        let changes = sc.changes(&[]);
        let outs = monte_carlo::outcomes(&plan, &sc.params(), &changes, &config, &|| {});
        let report = monte_carlo::report(&plan, name, &[], &config, &outs);
        insta::assert_json_snapshot!("report", report);
        let mut trace = engine::Trace::default();
        let o = engine::run(
            &plan,
            &sc.params(),
            &changes,
            &Draws::new(2026, 0),
            config.horizon,
            Some(&mut trace),
        );
        insta::assert_snapshot!("story", narrate::narrate(&plan, &sc, &trace, &o));
    });
}
