//! Scale benchmarks (issue 3, "Targets"; figures in `BENCHMARKS.md`): the demo log scaled to
//! about one million events (see `baton::demo::scale` for how), in a real [`SledStore`].
//!
//! ```text
//! cargo bench --bench scale
//! BATON_SCALE_COPIES=20 cargo bench --bench scale     # a quick run on a smaller log
//! BATON_SCALE_DIR=/some/dir cargo bench --bench scale # keep (and reuse) the built store
//! ```
//!
//! Once, outside any timing: the scaled events are appended to a fresh store in batches of
//! 5,000 events (one atomic, durable append each: sled flush + fsync), and the store is closed.
//! Then:
//! - `scale/rebuild_all`: reopen the store, read every event (`iter_from(1)`), decode it
//!   (`app::decode`) and fold it into every projection: the dashboard of `ils-rollout-0001`, the
//!   skills risk, the learner journeys and the audit history of `ils-rollout-0001`.
//!   A breakdown (open, read only, read + decode, the views) is measured once and printed.
//! - `scale/cli_dashboard`: cold start of the CLI, from spawning
//!   `baton --data DIR dashboard ils-rollout-0001 --as-of 2026-10-31 --format json` to its
//!   exit, output discarded, with the program's dashboard checkpoint saved at the log's head
//!   (so sled is not opened); the store is not open in this process. Each sample is one process.
//! - Outside criterion (a few samples each, to keep the run under five minutes):
//!   `dashboard no-such-program` (5 processes, each failing): the floor of any command that
//!   opens the log, process start plus opening the store; the same dashboard with its
//!   checkpoint removed before each of 5 processes (`cli_dashboard_no_checkpoint`: opens the
//!   log, reads the two streams, saves the checkpoint); `risk --as-of 2026-10-31 --format json` once
//!   (`cli_risk_first`: from scratch, and it may save a checkpoint) and 3 more times
//!   (`cli_risk`); then the floor and the dashboard again, 5 processes each
//!   (`*_after_risk`), to show what a saved checkpoint costs commands that do not use it;
//!   `programs` once without its checkpoint (`cli_programs_first`) and 3 times at the head.
//!
//! - Issue 13's side-by-side run (`at_scale`, after criterion; skip it with
//!   `BATON_SCALE_SKIP_IO=1`): every command a separate process under GNU time (`/usr/bin/time`,
//!   Debian's `time` package) for its wall time and peak RSS: `export -o` of the whole log,
//!   `verify`, `import` (a restore into a fresh directory) of that export, and the reference: the
//!   same JSONL bulk-loaded into SQLite in one transaction and dumped back in seq order, each
//!   in a child process of this bench (rusqlite, WAL, `synchronous=FULL`). Then bytes on disk per
//!   event against the JSONL, and every view once after one appended command (the first read
//!   after an append, when no checkpoint is at the head).
//!
//! Criterion's benchmarks use flat sampling with its minimum of 10 samples, so each sample
//! is one rebuild or one process; a summary with min / median / max of every sample (the
//! warm-up's included) follows criterion's report.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baton::app::{self, parse_as_of, App};
use baton::checkpoint;
use baton::demo::scale::{copy_slug, scaled_events, MILLION_COPIES};
use baton::demo::{DEMO_END, ROLLOUT};
use baton::domain::{Event, Timestamp};
use baton::projections::audit::AuditHistory;
use baton::projections::dashboard::Dashboard;
use baton::projections::journey::LearnerJourney;
use baton::projections::risk::SkillsRisk;
use baton::projections::Projection;
use baton::store::{AppendRequest, EventStore, SledStore, SystemClock};
use criterion::{Criterion, SamplingMode, Throughput};

const DEMO: &[u8] = include_bytes!("../fixtures/demo.jsonl");
const BATCH: usize = 5_000;

/// Sample times per benchmark, for the summary.
static SAMPLES: Mutex<BTreeMap<&'static str, Vec<Duration>>> = Mutex::new(BTreeMap::new());

fn record(name: &'static str, d: Duration) {
    SAMPLES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(name)
        .or_default()
        .push(d);
}

fn copies() -> usize {
    std::env::var("BATON_SCALE_COPIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(MILLION_COPIES)
}

/// The store directory: `BATON_SCALE_DIR` (kept, reused when complete) or a temp dir.
enum StoreDir {
    Kept(PathBuf),
    Temp(tempfile::TempDir),
}

impl StoreDir {
    fn path(&self) -> &Path {
        match self {
            StoreDir::Kept(p) => p,
            StoreDir::Temp(t) => t.path(),
        }
    }
}

/// Builds the scaled store (unless a kept one is complete) and closes it.
fn build(copies: usize) -> (StoreDir, u64) {
    let dir = match std::env::var_os("BATON_SCALE_DIR") {
        Some(p) => StoreDir::Kept(PathBuf::from(p)),
        None => StoreDir::Temp(
            tempfile::Builder::new()
                .prefix("scale")
                .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                .expect("a temp dir"),
        ),
    };
    let events = scaled_events(DEMO, copies).expect("the demo log");
    let total = events.len() as u64;
    let marker = dir.path().with_extension(format!("complete-{copies}"));
    if matches!(dir, StoreDir::Kept(_)) && marker.exists() {
        println!("scale: reusing {} ({total} events)", dir.path().display());
        return (dir, total);
    }
    let started = Instant::now();
    let store = SledStore::open(dir.path()).expect("open the store");
    assert_eq!(
        store.head().last_seq,
        0,
        "the store directory must be empty"
    );
    let mut batch = Vec::with_capacity(BATCH);
    for event in events {
        batch.push(event);
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            store
                .append(AppendRequest::new("scale-bench", full))
                .expect("append");
        }
    }
    if !batch.is_empty() {
        store
            .append(AppendRequest::new("scale-bench", batch))
            .expect("append");
    }
    assert_eq!(store.head().last_seq, total);
    drop(store);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "scale: built {total} events ({copies} copies of each program) in {secs:.1} s \
         ({:.0} events/s, durable batches of {BATCH}); store on disk: {:.0} MiB",
        total as f64 / secs,
        dir_size(dir.path()) as f64 / (1 << 20) as f64
    );
    if matches!(dir, StoreDir::Kept(_)) {
        std::fs::write(&marker, b"").expect("marker");
    }
    (dir, total)
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

/// Every projection, folded together.
struct All {
    dashboard: Dashboard,
    risk: SkillsRisk,
    journey: LearnerJourney,
    audit: AuditHistory,
}

impl All {
    fn new(slug: &str) -> All {
        All {
            dashboard: Dashboard::new(slug),
            risk: SkillsRisk::default(),
            journey: LearnerJourney::default(),
            audit: AuditHistory::new(slug),
        }
    }
}

/// Reads, decodes and folds the whole log; returns the projections and the event count.
fn rebuild(store: &dyn EventStore, slug: &str) -> (All, u64) {
    let mut all = All::new(slug);
    let mut n = 0;
    for ev in store.iter_from(1) {
        let ev = ev.expect("read");
        if let Some(fact) = app::decode(&ev).expect("decode") {
            all.dashboard.update(&fact.meta, &fact.event);
            all.risk.update(&fact.meta, &fact.event);
            all.journey.update(&fact.meta, &fact.event);
            all.audit.update(&fact.meta, &fact.event);
        }
        n += 1;
    }
    (all, n)
}

/// "Now" for the views: the end of the fixture's last day, and a learner of the roll-out.
fn now_and_learner(store: Arc<SledStore>, slug: &str) -> (Timestamp, String) {
    let app = App::new(store, Arc::new(SystemClock));
    let (org, _) = app.organization().expect("organization");
    let t = parse_as_of(DEMO_END, &org).expect("as of");
    let learner = app
        .stream_facts(&format!("program-{slug}"))
        .expect("program")
        .into_iter()
        .find_map(|f| match f.event {
            Event::LearnerEnrolled(e) => Some(e.person),
            _ => None,
        })
        .expect("a learner");
    (t, learner)
}

/// One timed pass of each stage, printed (not part of criterion's report).
fn breakdown(dir: &Path, slug: &str, total: u64) {
    let started = Instant::now();
    let store = SledStore::open(dir).expect("open");
    let first_open = started.elapsed();
    drop(store);
    let started = Instant::now();
    let store = Arc::new(SledStore::open(dir).expect("reopen"));
    let reopen = started.elapsed();

    let started = Instant::now();
    let mut n = 0u64;
    let mut acc = 0usize;
    for ev in store.iter_from(1) {
        let ev = ev.expect("read");
        acc = acc.wrapping_add(ev.stream().len() + ev.data_bytes().len());
        n += 1;
    }
    black_box(acc);
    assert_eq!(n, total);
    let read = started.elapsed();

    let started = Instant::now();
    let mut decoded = 0u64;
    for ev in store.iter_from(1) {
        if app::decode(&ev.expect("read")).expect("decode").is_some() {
            decoded += 1;
        }
    }
    let decode = started.elapsed();
    assert_eq!(decoded, total);

    let (all, _) = rebuild(&*store, slug);

    let (t, learner) = now_and_learner(store.clone(), slug);
    let mut views = Vec::new();
    let timed = |f: &mut dyn FnMut() -> usize| {
        let started = Instant::now();
        let size = f();
        (started.elapsed(), size)
    };
    let json_len = |v: serde_json::Value| v.to_string().len();
    views.push((
        "dashboard view",
        timed(&mut || json_len(serde_json::to_value(all.dashboard.result(t)).expect("json"))),
    ));
    views.push((
        "risk view",
        timed(&mut || json_len(serde_json::to_value(all.risk.result(t)).expect("json"))),
    ));
    views.push((
        "journey view",
        timed(&mut || {
            json_len(serde_json::to_value(all.journey.result(&learner, t)).expect("json"))
        }),
    ));
    views.push((
        "audit entries",
        timed(&mut || json_len(serde_json::to_value(all.audit.entries()).expect("json"))),
    ));
    drop(all);
    drop(store);

    let rate = |d: Duration| total as f64 / d.as_secs_f64();
    println!("\nscale: one pass of each stage over {total} events:");
    println!(
        "  open the store (first)            {:>8.3} s",
        first_open.as_secs_f64()
    );
    println!(
        "  open the store again              {:>8.3} s",
        reopen.as_secs_f64()
    );
    println!(
        "  read only (iter_from)             {:>8.3} s  {:>10.0} events/s",
        read.as_secs_f64(),
        rate(read)
    );
    println!(
        "  read + decode                     {:>8.3} s  {:>10.0} events/s",
        decode.as_secs_f64(),
        rate(decode)
    );
    println!("  (read + decode + fold: `scale/rebuild_all` below)");
    for (name, (d, size)) in views {
        println!(
            "  {name:<33} {:>8.3} s  ({size} bytes of JSON)",
            d.as_secs_f64()
        );
    }
}

fn cli(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.arg("--data").arg(dir).args(args);
    cmd
}

/// Runs the CLI once, checks it succeeded and returns its JSON output.
fn cli_output(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = cli(dir, args).output().expect("run baton");
    assert!(
        out.status.success(),
        "baton {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn cli_bench(c: &mut Criterion, dir: &Path, name: &'static str, args: &[&str]) {
    let mut group = c.benchmark_group("scale");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += timed_cli(dir, name, args, true);
            }
            total
        })
    });
    group.finish();
}

/// Runs the CLI `n` times outside criterion (for the slow or auxiliary commands); `succeeds`
/// is the exit status expected.
fn cli_samples(dir: &Path, name: &'static str, args: &[&str], n: usize, succeeds: bool) {
    for _ in 0..n {
        timed_cli(dir, name, args, succeeds);
    }
}

/// Runs the CLI once (output discarded), checks its exit status, records and returns the time.
fn timed_cli(dir: &Path, name: &'static str, args: &[&str], succeeds: bool) -> Duration {
    let started = Instant::now();
    let status = cli(dir, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run baton");
    let d = started.elapsed();
    assert_eq!(status.success(), succeeds, "baton {args:?}: {status}");
    record(name, d);
    d
}

fn summary(total: u64) {
    println!("\nscale summary ({total} events; each sample is one rebuild or one process):");
    let samples = SAMPLES.lock().unwrap_or_else(|p| p.into_inner());
    for (name, times) in samples.iter() {
        let mut secs: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
        secs.sort_by(f64::total_cmp);
        let median = secs[secs.len() / 2];
        print!(
            "  {name:<16} n={:<3} min {:.3} s  median {:.3} s  max {:.3} s",
            secs.len(),
            secs[0],
            median,
            secs[secs.len() - 1]
        );
        if *name == "rebuild_all" {
            print!("  ({:.0} events/s at the median)", total as f64 / median);
        } else if name.starts_with("cli_dashboard") {
            let verdict = if median < 0.3 { "met" } else { "missed" };
            print!(
                "  (target < 0.3 s: {verdict}, {:.1}x the target)",
                median / 0.3
            );
        }
        println!();
    }
}

fn main() {
    // A child of `at_scale`: the SQLite reference, measured in a process of its own.
    if let Some(job) = std::env::var_os(SQLITE_JOB) {
        sqlite_job(&job.to_string_lossy());
        return;
    }
    let copies = copies();
    let slug = copy_slug(ROLLOUT, 1);
    let (dir, total) = build(copies);
    let dir_path = dir.path().to_path_buf();

    breakdown(&dir_path, &slug, total);

    let mut c = Criterion::default().configure_from_args();

    // (a) Rebuild every projection from the store.
    {
        let store = SledStore::open(&dir_path).expect("open");
        let mut group = c.benchmark_group("scale");
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(1))
            .measurement_time(Duration::from_secs(1))
            .throughput(Throughput::Elements(total));
        group.bench_function("rebuild_all", |b| {
            b.iter_custom(|iters| {
                let mut sum = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    let (all, n) = rebuild(&store, &slug);
                    let d = started.elapsed();
                    assert_eq!(n, total);
                    black_box(&all.audit);
                    drop(all);
                    record("rebuild_all", d);
                    sum += d;
                }
                sum
            })
        });
        group.finish();
    } // The store is closed here, so the CLI can lock it.

    // (b) Cold start of the CLI.
    let as_of = ["--as-of", DEMO_END, "--format", "json"];
    let dashboard_args: Vec<&str> = ["dashboard", slug.as_str()]
        .into_iter()
        .chain(as_of)
        .collect();
    let risk_args: Vec<&str> = ["risk"].into_iter().chain(as_of).collect();
    // The floor of any command: process start, opening the store, reading one (empty) stream
    // and failing: the dashboard of a program that does not exist.
    let floor = ["dashboard", "no-such-program", "--as-of", DEMO_END];
    cli_samples(&dir_path, "cli_floor", &floor, 5, false);
    // Without its checkpoint (removed before each run): opens the log and reads the two
    // streams, then saves the checkpoint.
    let saved = dir_path
        .join("checkpoints")
        .join(format!("{}.json", checkpoint::dashboard_name(&slug)));
    for _ in 0..5 {
        let _ = std::fs::remove_file(&saved);
        cli_samples(
            &dir_path,
            "cli_dashboard_no_checkpoint",
            &dashboard_args,
            1,
            true,
        );
    }
    let _ = std::fs::remove_file(&saved);
    let view = cli_output(&dir_path, &dashboard_args);
    assert_eq!(view["program"], slug.as_str());
    assert!(saved.exists(), "the dashboard saved its checkpoint");
    println!(
        "scale: `baton dashboard {slug}`: attendance {}, completion {}",
        view["attendance"]["rate"], view["completion"]["rate"]
    );
    // With the checkpoint saved at the log's head: the target.
    cli_bench(&mut c, &dir_path, "cli_dashboard", &dashboard_args);
    // `risk` folds the whole log (seconds per run), outside criterion. The first run folds
    // from scratch and may save a checkpoint that the next runs start from.
    let started = Instant::now();
    let view = cli_output(&dir_path, &risk_args);
    record("cli_risk_first", started.elapsed());
    println!(
        "scale: `baton risk`: truck factor {}",
        view["truck_factor"]["value"]
    );
    cli_samples(&dir_path, "cli_risk", &risk_args, 3, true);
    // Again, now that `risk` has run (and may have saved a checkpoint in the store).
    cli_samples(&dir_path, "cli_floor_after_risk", &floor, 5, false);
    cli_samples(
        &dir_path,
        "cli_dashboard_after_risk",
        &dashboard_args,
        5,
        true,
    );

    // The programs list: once with its checkpoint removed (folds all 968 programs), then at
    // the head.
    let _ = std::fs::remove_file(dir_path.join("checkpoints").join("programs.json"));
    let programs = ["programs", "--format", "json"];
    cli_samples(&dir_path, "cli_programs_first", &programs, 1, true);
    cli_samples(&dir_path, "cli_programs", &programs, 3, true);

    c.final_summary();
    summary(total);
    if std::env::var_os("BATON_SCALE_SKIP_IO").is_none() {
        at_scale(&dir_path, &slug, total);
    }
    drop(dir);
}

/// The environment variable that makes this bench a child running one SQLite job:
/// `load:JSONL:DB` or `dump:DB:JSONL`.
const SQLITE_JOB: &str = "BATON_SCALE_SQLITE_JOB";

/// What `/usr/bin/time` saw of one process.
struct Measured {
    secs: f64,
    peak_rss_mib: f64,
}

/// Runs `cmd` under GNU time; panics (naming the command) if it fails.
fn measured(what: &str, cmd: &mut Command) -> Measured {
    let report = tempfile::NamedTempFile::new().expect("a temp file");
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%e %M")
        .arg("-o")
        .arg(report.path())
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .envs(
            cmd.get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let out = timed
        .output()
        .expect("/usr/bin/time (Debian's `time` package)");
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(report.path()).expect("time's report");
    let mut fields = text.split_whitespace();
    let secs: f64 = fields.next().and_then(|f| f.parse().ok()).expect("seconds");
    let kib: f64 = fields.next().and_then(|f| f.parse().ok()).expect("max RSS");
    Measured {
        secs,
        peak_rss_mib: kib / 1024.0,
    }
}

/// Issue 13's side-by-side figures (see the module's documentation).
fn at_scale(dir: &Path, slug: &str, total: u64) {
    let work = tempfile::Builder::new()
        .prefix("scale-io")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("a temp dir");
    let jsonl = work.path().join("log.jsonl");
    let restored = work.path().join("restored");
    let sqlite = work.path().join("events.sqlite");
    let dumped = work.path().join("dump.jsonl");
    let me = std::env::current_exe().expect("this bench's path");

    let mut rows: Vec<(&str, Measured)> = Vec::new();
    let mut export = cli(dir, &["export", "-o"]);
    export.arg(&jsonl);
    rows.push(("baton export -o (JSONL)", measured("export", &mut export)));
    rows.push((
        "baton verify",
        measured("verify", &mut cli(dir, &["verify"])),
    ));
    let mut import = cli(&restored, &["import"]);
    import.arg(&jsonl);
    rows.push(("baton import (restore)", measured("import", &mut import)));
    // This bench again, as a child running one SQLite job.
    let sqlite_child = |job: &str, from: &Path, to: &Path| {
        let mut child = Command::new(&me);
        child.env(
            SQLITE_JOB,
            format!("{job}:{}:{}", from.display(), to.display()),
        );
        measured(&format!("sqlite {job}"), &mut child)
    };
    rows.push((
        "SQLite bulk load, 1 transaction",
        sqlite_child("load", &jsonl, &sqlite),
    ));
    rows.push((
        "SQLite dump in seq order",
        sqlite_child("dump", &sqlite, &dumped),
    ));
    let mut export_again = cli(&restored, &["export", "-o"]);
    export_again.arg(work.path().join("again.jsonl"));
    rows.push((
        "baton export of the restored store",
        measured("export again", &mut export_again),
    ));
    let same = std::fs::read(&jsonl).expect("export")
        == std::fs::read(work.path().join("again.jsonl")).expect("export again");

    let jsonl_bytes = std::fs::metadata(&jsonl).expect("export").len();
    println!("\nscale: issue 13 side by side ({total} events; each row one process, GNU time):");
    for (name, m) in &rows {
        println!(
            "  {name:<36} {:>8.2} s  {:>10.0} events/s  peak RSS {:>8.1} MiB",
            m.secs,
            total as f64 / m.secs.max(0.01),
            m.peak_rss_mib
        );
    }
    println!("  the restored store exports byte-identical to the original: {same}");
    let per_event = |bytes: u64| bytes as f64 / total as f64;
    println!(
        "  bytes per event: JSONL {:.0}, store (as built) {:.0} = {:.2}x, store (restored) {:.0} = {:.2}x, SQLite {:.0} = {:.2}x",
        per_event(jsonl_bytes),
        per_event(dir_size(dir)),
        dir_size(dir) as f64 / jsonl_bytes as f64,
        per_event(dir_size(&restored)),
        dir_size(&restored) as f64 / jsonl_bytes as f64,
        per_event(sqlite_size(&sqlite)),
        sqlite_size(&sqlite) as f64 / jsonl_bytes as f64,
    );
    after_one_append(&restored, slug);
}

/// SQLite's files: the database and its WAL.
fn sqlite_size(db: &Path) -> u64 {
    let wal = db.with_extension("sqlite-wal");
    std::fs::metadata(db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

/// Every view, once each, the first read after one appended command.
fn after_one_append(dir: &Path, slug: &str) {
    let practice = {
        let store = Arc::new(SledStore::open(dir).expect("open"));
        let app = App::new(store, Arc::new(SystemClock));
        app.stream_facts(&format!("program-{slug}"))
            .expect("program")
            .into_iter()
            .find_map(|f| match f.event {
                Event::PracticeLogged(p) => Some(p),
                _ => None,
            })
            .expect("a practice logged")
    };
    // Each view is run once at the head first (so that its checkpoint is there), then once
    // after one more appended command.
    let person = practice.person.clone();
    let views: [(&str, Vec<&str>); 6] = [
        ("dashboard", vec!["dashboard", slug, "--format", "json"]),
        ("history", vec!["history", slug, "--format", "json"]),
        ("programs", vec!["programs", "--format", "json"]),
        ("risk", vec!["risk", "--format", "json"]),
        ("journey", vec!["journey", &person, "--format", "json"]),
        ("due", vec!["due", "--format", "json"]),
    ];
    for (_, args) in &views {
        measured(args[0], &mut cli(dir, args));
    }
    println!("  each view, the first read after one appended command (a process each):");
    for (i, (name, args)) in views.iter().enumerate() {
        let command = serde_json::json!({
            "type": "LogPractice",
            "person": practice.person,
            "skill": practice.skill,
            "kind": "sandbox",
            "minutes": 20,
            "on": format!("2026-10-{:02}", 10 + i),
        });
        let file = dir.with_extension(format!("cmd-{i}.json"));
        std::fs::write(&file, command.to_string()).expect("command file");
        let mut append = cli(dir, &["do", slug]);
        append.arg(&file);
        let appended = measured("do", &mut append);
        let view = measured(name, &mut cli(dir, args));
        let verdict = if view.secs < 0.5 { "met" } else { "missed" };
        println!(
            "    {name:<10} {:>7.3} s  peak RSS {:>7.1} MiB  (target < 0.5 s: {verdict}; the append took {:.3} s)",
            view.secs, view.peak_rss_mib, appended.secs
        );
        let _ = std::fs::remove_file(file);
    }
}

/// The SQLite reference, in this (child) process.
fn sqlite_job(job: &str) {
    use std::io::{BufRead, BufWriter, Write};
    let mut parts = job.splitn(3, ':');
    let (kind, from, to) = (
        parts.next().unwrap_or_default(),
        parts.next().expect("a source"),
        parts.next().expect("a target"),
    );
    match kind {
        "load" => {
            let mut conn = rusqlite::Connection::open(to).expect("sqlite open");
            conn.execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
                 CREATE TABLE events (
                     seq INTEGER PRIMARY KEY,
                     stream TEXT NOT NULL,
                     version INTEGER NOT NULL,
                     type TEXT NOT NULL,
                     id TEXT NOT NULL UNIQUE,
                     line TEXT NOT NULL,
                     UNIQUE (stream, version)
                 );",
            )
            .expect("create table");
            let tx = conn.transaction().expect("transaction");
            {
                let mut insert = tx
                    .prepare("INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                    .expect("prepare");
                let file = std::fs::File::open(from).expect("the JSONL");
                for line in std::io::BufReader::new(file).lines() {
                    let line = line.expect("a line");
                    let v: serde_json::Value = serde_json::from_str(&line).expect("JSON");
                    insert
                        .execute(rusqlite::params![
                            v["seq"].as_u64().expect("seq") as i64,
                            v["stream"].as_str().expect("stream"),
                            v["version"].as_u64().expect("version") as i64,
                            v["type"].as_str().expect("type"),
                            v["id"].as_str().expect("id"),
                            line,
                        ])
                        .expect("insert");
                }
            }
            tx.commit().expect("commit");
        }
        "dump" => {
            let conn = rusqlite::Connection::open(from).expect("sqlite open");
            let mut out = BufWriter::new(std::fs::File::create(to).expect("the dump"));
            let mut select = conn
                .prepare("SELECT line FROM events ORDER BY seq")
                .expect("prepare");
            let mut rows = select.query([]).expect("query");
            while let Some(row) = rows.next().expect("a row") {
                let line: String = row.get(0).expect("line");
                out.write_all(line.as_bytes()).expect("write");
                out.write_all(b"\n").expect("write");
            }
            out.flush().expect("flush");
            out.get_ref().sync_all().expect("sync");
        }
        other => panic!("{SQLITE_JOB}: unknown job {other:?}"),
    }
}
