//! Crash safety: a child process appends with acknowledgements and is killed with SIGKILL at
//! random moments; after each kill the store must reopen with every acknowledged event, a
//! gapless `seq` and an intact chain (`DESIGN.md` §4, guarantees 1 and 7; issue 2 item 5).
//!
//! The 1,000-cycle run (its result is in `BENCHMARKS.md`):
//!
//! ```text
//! BATON_CRASH_CYCLES=1000 cargo test --release --test crash -- --nocapture
//! ```
//!
//! Environment:
//! - `BATON_CRASH_CYCLES`: kill/reopen cycles (default 25).
//! - `BATON_CRASH_SEED`: replays a run (the seed is printed at the start).
//! - `BATON_CRASH_CYCLES_PER_STORE`: cycles on one store directory before the loop moves on to
//!   a fresh one (default 100), which bounds the cost of a cycle: each reopens the store and
//!   verifies the whole log.
//! - `BATON_CRASH_KEEP_DIR`: where to move a store that sled could not recover, for inspection.
//!
//! The child is this same test binary, re-executed with `--exact crash_child` and
//! `BATON_CRASH_CHILD_DIR` set: no CLI is needed. It appends from 2–4 threads (single events
//! and multi-event, multi-stream batches, so group commit is exercised) and prints
//! `BATON-CRASH ack <last seq> <id of that event>` after each acknowledged append.
//!
//! A SIGKILL leaves the page cache alone, so this loop proves sled's recovery from a process
//! crash at any point (mid-batch, mid-flush, mid-open); that the sync step runs before each
//! acknowledgement is proved by the injectable-durability test of the contract suite.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baton::store::verify::verify_sled;
use baton::store::{AppendRequest, EventStore, Hash, NewEvent, SledStore, StoreError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use uuid::Uuid;

const CHILD_DIR_ENV: &str = "BATON_CRASH_CHILD_DIR";
const CHILD_SEED_ENV: &str = "BATON_CRASH_CHILD_SEED";
/// Prefix of every line the child prints (libtest may print on the same stdout).
const MARK: &str = "BATON-CRASH ";
const SHARED_STREAMS: [&str; 3] = ["organization", "program-alpha", "program-beta"];

fn say(line: &str) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A leading newline keeps the mark at the start of a line even after libtest's own output.
    let _ = write!(out, "\n{MARK}{line}\n");
    let _ = out.flush();
}

/// The child: does nothing in a normal test run; appends forever when re-executed by
/// [`crash_loop`].
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR_ENV) else {
        return;
    };
    let seed: u64 = std::env::var(CHILD_SEED_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let store = match SledStore::open(&dir) {
        Ok(store) => Arc::new(store),
        Err(e) => {
            say(&format!("open-error {e}"));
            std::process::exit(3);
        }
    };
    say(&format!("ready {}", store.head().last_seq));
    let threads = 2 + (seed % 3) as usize;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || child_appender(&store, t, seed))
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    say("append-error an appender thread stopped");
    std::process::exit(4);
}

/// One appender thread of the child. Thread `t` also owns stream `program-t<t>`, which it
/// appends to with an expected version (read back from the store after each restart), so a
/// lost or phantom version after a crash shows up as a conflict.
fn child_appender(store: &SledStore, t: usize, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let own = format!("program-t{t}");
    let mut own_version = store.stream_version(&own);
    loop {
        let n = if rng.gen_bool(0.5) {
            1
        } else {
            rng.gen_range(2..=8)
        };
        let guarded = rng.gen_bool(0.3);
        let mut own_events = 0;
        let events: Vec<NewEvent> = (0..n)
            .map(|i| {
                let stream = if guarded && i == 0 {
                    own_events += 1;
                    own.clone()
                } else {
                    SHARED_STREAMS[rng.gen_range(0..SHARED_STREAMS.len())].to_string()
                };
                let pad = "x".repeat(rng.gen_range(0..400));
                NewEvent::new(
                    stream,
                    "CrashTested",
                    1,
                    json!({"thread": t, "i": i, "n": rng.gen::<u32>(), "pad": pad}),
                )
            })
            .collect();
        let mut request = AppendRequest::new("crash-child", events);
        if guarded {
            request = request.expect(own.clone(), own_version);
        }
        match store.append(request) {
            Ok(appended) => {
                own_version += own_events;
                let last = appended
                    .events
                    .iter()
                    .max_by_key(|e| e.seq)
                    .expect("a batch has events");
                say(&format!("ack {} {}", last.seq, last.id));
            }
            Err(e) => {
                say(&format!("append-error {e}"));
                std::process::exit(4);
            }
        }
    }
}

enum KillAt {
    /// After this many acknowledged appends.
    Acks(usize),
    /// This long after the child was started (possibly while it is still opening the store).
    Delay(Duration),
}

#[derive(Default)]
struct Totals {
    acks: u64,
    events: u64,
    largest: u64,
    damaged: Vec<String>,
    unacked_kept: u64,
    killed_before_ready: u64,
    stalls: u64,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.trim().parse().ok())
}

fn open_store(dir: &Path) -> Result<SledStore, StoreError> {
    SledStore::open(dir)
}

#[test]
fn crash_loop() {
    if std::env::var_os(CHILD_DIR_ENV).is_some() {
        return;
    }
    let cycles = env_u64("BATON_CRASH_CYCLES").unwrap_or(25);
    let seed = env_u64("BATON_CRASH_SEED").unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        nanos ^ u64::from(std::process::id()).rotate_left(32)
    });
    let per_store = env_u64("BATON_CRASH_CYCLES_PER_STORE")
        .unwrap_or(100)
        .max(1);
    println!(
        "crash loop: {cycles} cycles, {per_store} per store directory, seed {seed} \
         (replay with BATON_CRASH_SEED={seed})"
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let root = tempfile::tempdir().expect("temp dir");
    let mut generation = 0;
    let mut store_dir = root.path().join("store-0");
    // Created here, so that a kill during the child's very first open cannot leave a
    // half-written marker (the store is created once, by whoever opens it first).
    drop(open_store(&store_dir).expect("create the store"));

    let exe = std::env::current_exe().expect("the test binary");
    let started = Instant::now();
    let mut totals = Totals::default();
    // The last verified head: (seq, hash). The chain makes it vouch for every earlier event.
    let mut known: Option<(u64, Hash)> = None;
    for cycle in 0..cycles {
        let kill_at = if rng.gen_bool(0.5) {
            KillAt::Acks(rng.gen_range(0..=120))
        } else {
            KillAt::Delay(Duration::from_millis(rng.gen_range(0..=250)))
        };
        let outcome = run_child(&exe, &store_dir, rng.gen(), &kill_at);
        if !outcome.ready {
            totals.killed_before_ready += 1;
        }
        if outcome.stalled {
            totals.stalls += 1;
        }
        totals.acks += outcome.acks.len() as u64;

        let store = match open_store(&store_dir) {
            Ok(store) => store,
            Err(e) => {
                let StoreError::Damaged { detail, .. } = &e else {
                    panic!(
                        "cycle {cycle} (seed {seed}): reopening after SIGKILL failed with {e:?}, \
                         not a clear Damaged error\nchild stderr:\n{}",
                        outcome.stderr
                    );
                };
                assert!(!detail.is_empty(), "the Damaged error names the problem");
                let line = format!("cycle {cycle}: sled could not recover the store: {e}");
                println!("{line}");
                totals.damaged.push(line);
                if let Some(keep) = std::env::var_os("BATON_CRASH_KEEP_DIR") {
                    let to = PathBuf::from(keep).join(format!("seed-{seed}-cycle-{cycle}"));
                    let _ = std::fs::create_dir_all(to.parent().unwrap_or(Path::new(".")));
                    let _ = std::fs::rename(&store_dir, &to);
                    println!("  kept in {}", to.display());
                }
                // Everything acknowledged was lost this way: that is a failure, not a count.
                panic!(
                    "cycle {cycle} (seed {seed}): the store does not reopen after SIGKILL, so \
                     every acknowledged event is lost: {e}\nchild stderr:\n{}",
                    outcome.stderr
                );
            }
        };
        let floor_before = known.map(|(seq, _)| seq).unwrap_or(0);
        check_after_crash(&store, cycle, seed, &outcome, known, &mut totals);
        let head = store.head();
        known = Some((head.last_seq, head.head_hash));
        totals.largest = totals.largest.max(head.last_seq);
        totals.events += head.last_seq - floor_before;
        drop(store);
        if (cycle + 1) % 50 == 0 {
            println!(
                "  after {} cycles: {} events in the current store, {:.0} s",
                cycle + 1,
                head.last_seq,
                started.elapsed().as_secs_f64()
            );
        }
        if (cycle + 1) % per_store == 0 && cycle + 1 < cycles {
            // Bounds the cost of a cycle (reopen and a full verify grow with the log).
            generation += 1;
            store_dir = root.path().join(format!("store-{generation}"));
            drop(open_store(&store_dir).expect("create the next store"));
            known = None;
        }
    }
    println!(
        "crash loop done: {cycles} cycles, {} acknowledged appends checked, {} events written \
         over {} store directories (largest {}), {} unacknowledged-but-kept events, {} kills \
         before the child had opened the store, {} stalls, {} stores sled could not recover, \
         {:.1} s (seed {seed})",
        totals.acks,
        totals.events,
        generation + 1,
        totals.largest,
        totals.unacked_kept,
        totals.killed_before_ready,
        totals.stalls,
        totals.damaged.len(),
        started.elapsed().as_secs_f64()
    );
    for line in &totals.damaged {
        println!("  {line}");
    }
}

/// Every acknowledged event is there (same id at the same seq), earlier cycles' events are
/// untouched, `seq` has no gap, and the chain and indexes verify.
fn check_after_crash(
    store: &SledStore,
    cycle: u64,
    seed: u64,
    outcome: &ChildOutcome,
    known: Option<(u64, Hash)>,
    totals: &mut Totals,
) {
    let ctx = format!("cycle {cycle} (seed {seed})");
    let head = store.head();
    let max_ack = outcome.acks.iter().map(|(s, _)| *s).max().unwrap_or(0);
    assert!(
        head.last_seq >= max_ack,
        "{ctx}: seq {max_ack} was acknowledged but the store ends at seq {}",
        head.last_seq
    );
    for (seq, id) in &outcome.acks {
        let ev = store
            .get(*seq)
            .unwrap_or_else(|e| panic!("{ctx}: acknowledged seq {seq} is unreadable: {e}"));
        assert_eq!(
            ev.id(),
            *id,
            "{ctx}: acknowledged seq {seq} holds another event"
        );
    }
    if let Some((seq, hash)) = known.filter(|(seq, _)| *seq > 0) {
        assert!(
            head.last_seq >= seq,
            "{ctx}: the log shrank below seq {seq}"
        );
        let ev = store
            .get(seq)
            .unwrap_or_else(|e| panic!("{ctx}: previously verified seq {seq} is gone: {e}"));
        assert_eq!(
            ev.hash(),
            hash,
            "{ctx}: previously verified seq {seq} changed"
        );
    }
    let report = verify_sled(store).unwrap_or_else(|e| panic!("{ctx}: verify failed: {e}"));
    assert!(report.is_ok(), "{ctx}: verify found {:?}", report.problem);
    assert_eq!(
        report.events, head.last_seq,
        "{ctx}: seq is not gapless from 1 to the head"
    );
    let floor = max_ack.max(known.map(|(s, _)| s).unwrap_or(0));
    totals.unacked_kept += head.last_seq - floor;
}

struct ChildOutcome {
    acks: Vec<(u64, Uuid)>,
    ready: bool,
    stalled: bool,
    stderr: String,
}

/// Runs the child until the kill point, kills it with SIGKILL, and collects every ack it
/// printed (including the ones still in the pipe when it died).
fn run_child(exe: &Path, dir: &Path, child_seed: u64, kill_at: &KillAt) -> ChildOutcome {
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads",
            "1",
            "-q",
        ])
        .env(CHILD_DIR_ENV, dir)
        .env(CHILD_SEED_ENV, child_seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child");
    let started = Instant::now();
    let stdout = child.stdout.take().expect("child stdout");
    let mut stderr_pipe = child.stderr.take().expect("child stderr");
    let stderr = Arc::new(Mutex::new(String::new()));
    let stderr_reader = {
        let stderr = stderr.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            *stderr.lock().unwrap_or_else(|p| p.into_inner()) = text;
        })
    };
    let (tx, rx) = mpsc::channel::<String>();
    let stdout_reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix(MARK) {
                if tx.send(rest.to_string()).is_err() {
                    break;
                }
            }
        }
    });

    let mut outcome = ChildOutcome {
        acks: Vec::new(),
        ready: false,
        stalled: false,
        stderr: String::new(),
    };
    let mut problem: Option<String> = None;
    // A generous bound that is never asserted on: a child that has not reached its kill point
    // by then is killed anyway, and counted as a stall.
    let patience = Duration::from_secs(120);
    let deadline = match kill_at {
        KillAt::Delay(d) => started + *d,
        KillAt::Acks(_) => started + patience,
    };
    let mut exited = false;
    loop {
        if let KillAt::Acks(n) = kill_at {
            if outcome.ready && outcome.acks.len() >= *n {
                break;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(problem_text) = record_line(&line, &mut outcome) {
                    problem = Some(problem_text);
                    break;
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                outcome.stalled = matches!(kill_at, KillAt::Acks(_));
                break;
            }
            Err(RecvTimeoutError::Disconnected) => {
                exited = true;
                break;
            }
        }
    }
    let _ = child.kill();
    let status = child.wait().expect("wait for the child");
    // The rest of what the child printed before it died: acks too.
    while let Ok(line) = rx.recv() {
        if let Some(problem_text) = record_line(&line, &mut outcome) {
            problem.get_or_insert(problem_text);
        }
    }
    let _ = stdout_reader.join();
    let _ = stderr_reader.join();
    outcome.stderr = stderr.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(problem) = problem {
        panic!(
            "the child failed: {problem}\nchild stderr:\n{}",
            outcome.stderr
        );
    }
    if exited {
        panic!(
            "the child exited on its own ({status}) before it was killed\nchild stderr:\n{}",
            outcome.stderr
        );
    }
    outcome
}

/// Records one line of the child; returns a problem it reported.
fn record_line(line: &str, outcome: &mut ChildOutcome) -> Option<String> {
    let mut words = line.split_whitespace();
    match words.next() {
        Some("ready") => outcome.ready = true,
        Some("ack") => {
            let seq = words.next().and_then(|s| s.parse().ok());
            let id = words.next().and_then(|s| s.parse().ok());
            match (seq, id) {
                (Some(seq), Some(id)) => outcome.acks.push((seq, id)),
                _ => return Some(format!("malformed line {line:?}")),
            }
        }
        _ => return Some(line.to_string()),
    }
    None
}

#[test]
fn ack_lines_parse() {
    let mut outcome = ChildOutcome {
        acks: Vec::new(),
        ready: false,
        stalled: false,
        stderr: String::new(),
    };
    let id = Uuid::new_v4();
    assert_eq!(record_line("ready 0", &mut outcome), None);
    assert_eq!(record_line(&format!("ack 7 {id}"), &mut outcome), None);
    assert!(record_line("open-error boom", &mut outcome).is_some());
    assert!(outcome.ready);
    assert_eq!(outcome.acks, vec![(7, id)]);
}
