//! The simulator's targets (issue 9): 10,000 runs of the demo roll-out forked at 2026-03-01
//! under `perfect-storm`, and the event-driven engine against the day-by-day reference stepper.
//! Figures and the machine in BENCHMARKS.md.

use std::io::BufReader;
use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::app::{parse_as_of, App};
use baton::sim::monte_carlo::{self, Config};
use baton::sim::{scenario, stepper, Plan};
use baton::store::{jsonl, MemoryStore, SystemClock};
use criterion::{criterion_group, criterion_main, Criterion};
use rayon::prelude::*;

fn demo_plan() -> Plan {
    let store = Arc::new(MemoryStore::new());
    let log = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.jsonl")).unwrap();
    jsonl::import(&*store, &mut BufReader::new(&log[..]), false, "bench").unwrap();
    let app = App::new(store, Arc::new(SystemClock));
    let (org, _) = app.organization().unwrap();
    baton::forecast::fork_program(
        &app,
        "ils-rollout",
        parse_as_of("2026-03-01", &org).unwrap(),
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let plan = demo_plan();
    let sc = scenario::builtin("perfect-storm").unwrap();
    let (params, changes) = (sc.params(), sc.changes(&[]));
    let horizon = plan.deadline + 730;
    let mut group = c.benchmark_group("sim");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("engine_10000_runs_perfect_storm", |b| {
        b.iter(|| {
            let config = Config {
                runs: 10_000,
                seed: 1,
                horizon,
                per_run: false,
            };
            let outs = monte_carlo::outcomes(&plan, &params, &changes, &config, &|| {});
            monte_carlo::report(&plan, "perfect-storm", &[], &config, &outs)
        })
    });
    group.bench_function("stepper_100_runs_perfect_storm", |b| {
        b.iter(|| {
            (0..100u64)
                .map(|run| stepper::step(&plan, &params, &changes, 1, run, horizon).completion_day)
                .collect::<Vec<_>>()
        })
    });
    group.finish();

    // One line of figures for BENCHMARKS.md: runs/s, person-weeks/s, the ratio.
    let config = Config {
        runs: 10_000,
        seed: 1,
        horizon,
        per_run: false,
    };
    let t = Instant::now();
    let outs = monte_carlo::outcomes(&plan, &params, &changes, &config, &|| {});
    let engine_s = t.elapsed().as_secs_f64();
    let weeks: f64 = outs.iter().map(|o| o.person_weeks).sum();
    let t = Instant::now();
    // The stepper runs in parallel too, so the ratio compares the algorithms, not the cores.
    let stepped: Vec<_> = (0..400u64)
        .into_par_iter()
        .map(|run| stepper::step(&plan, &params, &changes, 1, run, horizon))
        .collect();
    std::hint::black_box(stepped);
    let stepper_s = t.elapsed().as_secs_f64() / 400.0 * 10_000.0;
    println!(
        "engine: {:.0} runs/s, {:.0} person-weeks/s; stepper: {:.0} runs/s; ratio {:.1}x",
        10_000.0 / engine_s,
        weeks / engine_s,
        10_000.0 / stepper_s,
        stepper_s / engine_s
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
