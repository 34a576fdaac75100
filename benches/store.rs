//! Event store benchmarks (issue 2 item 8; figures in `BENCHMARKS.md`).
//!
//! ```text
//! cargo bench --bench store
//! ```
//!
//! In one run:
//! - `append/baton_durable/N`: durable appends of one ~300-byte event each through
//!   [`SledStore`] from N concurrent threads (group commit: sled flush + fsync per commit).
//! - `append/sled_raw_unflushed/N`: the raw sled reference: single `insert`s of a value the size
//!   of baton's stored record into a plain sled tree, never flushed.
//! - `append/sqlite_wal_full/N`: what a user would pick instead: an events table in SQLite,
//!   WAL, `synchronous=FULL`, one-row transactions, one connection per thread.
//! - diagnostics of the durable rate: `append/baton_unsynced/64` (the same appends with a
//!   sync step that does nothing: the write path's CPU ceiling) and `append/sled_raw_3_keys/1`
//!   (raw sled, one record and two random 17-byte index keys per event: baton's layout alone).
//! - `replay/*`: a full scan of 100,000 events: baton's `iter_from(1)` touching each event's
//!   seq, stream and type; sled's raw `iter()`; and SQLite's `SELECT` in seq order.
//!
//! After criterion's own report, a summary prints each rate and the ratios the issue targets.
//! All files live under cargo's target tmp directory (the same disk as the build).

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use baton::store::{AppendRequest, Durability, EventStore, NewEvent, SledStore, StoreConfig};
use criterion::{criterion_group, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use rusqlite::{params, Connection, TransactionBehavior};
use serde_json::json;

const THREADS: [usize; 3] = [1, 8, 64];
const REPLAY_EVENTS: u64 = 100_000;
const TYPE: &str = "SessionHeld";

fn tmp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(name)
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("a temp dir")
}

/// An event with ~300 bytes of data.
fn event(stream: &str, n: u64) -> NewEvent {
    NewEvent::new(
        stream,
        TYPE,
        1,
        json!({"n": n, "note": "x".repeat(270), "person": "p-0042"}),
    )
}

fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
}

/// Runs `iters` operations split over `threads` threads, each with its own state from `setup`
/// (made before the clock starts); returns the time from the common start to the last finish.
fn timed_threads<S>(
    threads: usize,
    iters: u64,
    setup: impl Fn(usize) -> S + Sync,
    work: impl Fn(&mut S, usize, u64) + Sync,
) -> Duration {
    let barrier = Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let count = iters / threads as u64 + u64::from((t as u64) < iters % threads as u64);
            let (barrier, setup, work) = (&barrier, &setup, &work);
            scope.spawn(move || {
                let mut state = setup(t);
                barrier.wait();
                work(&mut state, t, count);
            });
        }
        barrier.wait();
        Instant::now()
    })
    .elapsed()
}

/// A sync step that does nothing: the write path's cost without any IO (diagnostic only;
/// never used for a real store).
struct NoSync;

impl Durability for NoSync {
    fn make_durable(&self, _: &sled::Db, _: &Path, _: u64) -> std::io::Result<()> {
        Ok(())
    }
}

/// The stored record size of one benchmark event, so the raw references use the same size.
fn record_len() -> usize {
    let dir = tmp_dir("baton-bench-size");
    let store = SledStore::open(dir.path().join("store")).expect("open");
    store
        .append(AppendRequest::new(
            "bench",
            vec![event("program-bench-t0", 0)],
        ))
        .expect("append");
    store.get(1).expect("get").as_bytes().len()
}

/// `threads` threads appending one event at a time, each to its own stream, through `store`.
fn bench_appends(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    store: &SledStore,
    threads: usize,
) {
    group.bench_function(BenchmarkId::new(name, threads), |b| {
        b.iter_custom(|iters| {
            timed_threads(
                threads,
                iters,
                |t| format!("program-bench-t{t}"),
                |stream, _, n| {
                    for i in 0..n {
                        store
                            .append(AppendRequest::new("bench", vec![event(stream, i)]))
                            .expect("append");
                    }
                },
            )
        })
    });
}

fn append(c: &mut Criterion) {
    let value = vec![b'v'; record_len()];
    let mut group = c.benchmark_group("append");
    configure(&mut group);
    group.throughput(Throughput::Elements(1));
    for threads in THREADS {
        let dir = tmp_dir("baton-bench-append");
        let store = SledStore::open(dir.path().join("store")).expect("open");
        bench_appends(&mut group, "baton_durable", &store, threads);
        drop(store);

        let dir = tmp_dir("baton-bench-sqlite");
        let path = dir.path().join("events.sqlite");
        sqlite_create(&path);
        let next = AtomicU64::new(0);
        group.bench_function(BenchmarkId::new("sqlite_wal_full", threads), |b| {
            b.iter_custom(|iters| {
                timed_threads(
                    threads,
                    iters,
                    |t| (sqlite_open(&path), format!("program-bench-t{t}")),
                    |(conn, stream), _, n| {
                        for _ in 0..n {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let ev = event(stream, i);
                            let tx = conn
                                .transaction_with_behavior(TransactionBehavior::Immediate)
                                .expect("begin");
                            tx.execute(
                                "INSERT INTO events (stream, type, id, data) VALUES (?1, ?2, ?3, ?4)",
                                params![
                                    ev.stream,
                                    ev.event_type,
                                    ev.id.as_bytes().as_slice(),
                                    ev.data.to_string()
                                ],
                            )
                            .expect("insert");
                            tx.commit().expect("commit");
                        }
                    },
                )
            })
        });
    }
    // Diagnostics: what the write path costs with no IO at all (sync step a no-op), and what
    // baton's layout (a record plus two index keys per event) costs in sled alone.
    let dir = tmp_dir("baton-bench-unsynced");
    let store = SledStore::open_with(
        dir.path().join("store"),
        StoreConfig {
            durability: Arc::new(NoSync),
            ..StoreConfig::default()
        },
    )
    .expect("open");
    bench_appends(&mut group, "baton_unsynced", &store, 64);
    drop(store);
    let dir = tmp_dir("baton-bench-sled-3");
    let db = sled::Config::new()
        .path(dir.path().join("sled"))
        .open()
        .expect("sled");
    let next = AtomicU64::new(0);
    group.bench_function(BenchmarkId::new("sled_raw_3_keys", 1), |b| {
        b.iter_custom(|iters| {
            timed_threads(
                1,
                iters,
                |_| (),
                |_, _, n| {
                    for _ in 0..n {
                        let seq = next.fetch_add(1, Ordering::Relaxed).to_be_bytes();
                        db.insert(seq, value.as_slice()).expect("insert");
                        for index in [b'S', b'I'] {
                            let mut key = vec![index];
                            key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
                            db.insert(key, &seq).expect("insert");
                        }
                    }
                },
            )
        })
    });
    for threads in [1, 64] {
        let dir = tmp_dir("baton-bench-sled");
        let db = sled::Config::new()
            .path(dir.path().join("sled"))
            .open()
            .expect("sled");
        let next = AtomicU64::new(0);
        group.bench_function(BenchmarkId::new("sled_raw_unflushed", threads), |b| {
            b.iter_custom(|iters| {
                timed_threads(
                    threads,
                    iters,
                    |_| (),
                    |_, _, n| {
                        for _ in 0..n {
                            let key = next.fetch_add(1, Ordering::Relaxed).to_be_bytes();
                            db.insert(key, value.as_slice()).expect("insert");
                        }
                    },
                )
            })
        });
    }
    group.finish();
}

fn sqlite_create(path: &Path) {
    let conn = Connection::open(path).expect("sqlite open");
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .expect("WAL");
    assert_eq!(mode, "wal");
    conn.execute_batch(
        "CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            stream TEXT NOT NULL,
            type TEXT NOT NULL,
            id BLOB NOT NULL UNIQUE,
            data TEXT NOT NULL
        );",
    )
    .expect("create table");
}

fn sqlite_open(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("sqlite open");
    conn.busy_timeout(Duration::from_secs(600)).expect("busy");
    conn.execute_batch("PRAGMA synchronous=FULL;")
        .expect("synchronous");
    conn
}

fn replay(c: &mut Criterion) {
    let value = vec![b'v'; record_len()];

    let dir = tmp_dir("baton-bench-replay");
    let store = SledStore::open(dir.path().join("store")).expect("open");
    let mut n = 0;
    while n < REPLAY_EVENTS {
        let events = (0..1000)
            .map(|i| event(&format!("program-p{}", (n + i) % 50), n + i))
            .collect();
        store
            .append(AppendRequest::new("bench", events))
            .expect("append");
        n += 1000;
    }
    assert_eq!(store.head().last_seq, REPLAY_EVENTS);

    let raw_dir = tmp_dir("baton-bench-raw-scan");
    let db = sled::Config::new()
        .path(raw_dir.path().join("sled"))
        .open()
        .expect("sled");
    for i in 0..REPLAY_EVENTS {
        db.insert(i.to_be_bytes(), value.as_slice())
            .expect("insert");
    }
    db.flush().expect("flush");

    let sqlite_dir = tmp_dir("baton-bench-sqlite-scan");
    let path = sqlite_dir.path().join("events.sqlite");
    sqlite_create(&path);
    {
        let mut conn = sqlite_open(&path);
        let tx = conn.transaction().expect("begin");
        for ev in store.iter_from(1) {
            let ev = ev.expect("event");
            tx.execute(
                "INSERT INTO events (seq, stream, type, id, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    ev.seq() as i64,
                    ev.stream(),
                    ev.event_type(),
                    ev.id().as_bytes().as_slice(),
                    std::str::from_utf8(ev.data_bytes()).expect("utf-8")
                ],
            )
            .expect("insert");
        }
        tx.commit().expect("commit");
    }
    let conn = sqlite_open(&path);

    let mut group = c.benchmark_group("replay");
    configure(&mut group);
    group.throughput(Throughput::Elements(REPLAY_EVENTS));
    group.bench_function("baton_iter_from", |b| {
        b.iter(|| {
            let mut count = 0u64;
            let mut acc = 0u64;
            for ev in store.iter_from(1) {
                let ev = ev.expect("event");
                acc = acc
                    .wrapping_add(ev.seq())
                    .wrapping_add(ev.stream().len() as u64)
                    .wrapping_add(ev.event_type().len() as u64);
                count += 1;
            }
            assert_eq!(count, REPLAY_EVENTS);
            black_box(acc)
        })
    });
    group.bench_function("sled_raw_iter", |b| {
        b.iter(|| {
            let mut count = 0u64;
            let mut acc = 0u64;
            for item in db.iter() {
                let (key, value) = item.expect("item");
                acc = acc.wrapping_add(key.len() as u64 + value.len() as u64);
                count += 1;
            }
            assert_eq!(count, REPLAY_EVENTS);
            black_box(acc)
        })
    });
    group.bench_function("sqlite_select", |b| {
        b.iter(|| {
            let mut stmt = conn
                .prepare_cached("SELECT seq, stream, type FROM events ORDER BY seq")
                .expect("prepare");
            let mut rows = stmt.query([]).expect("query");
            let mut count = 0u64;
            let mut acc = 0u64;
            while let Some(row) = rows.next().expect("row") {
                let seq: i64 = row.get(0).expect("seq");
                let stream = row.get_ref(1).expect("stream").as_str().expect("text");
                let kind = row.get_ref(2).expect("type").as_str().expect("text");
                acc = acc
                    .wrapping_add(seq as u64)
                    .wrapping_add(stream.len() as u64)
                    .wrapping_add(kind.len() as u64);
                count += 1;
            }
            assert_eq!(count, REPLAY_EVENTS);
            black_box(acc)
        })
    });
    group.finish();
}

/// Elements per second of one benchmark, from criterion's saved estimate (the slope, which is
/// the figure criterion prints, or the mean when there is no slope).
fn rate(id: &str, elements: f64) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = Path::new(&target)
        .join("criterion")
        .join(id)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let ns = json["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| json["mean"]["point_estimate"].as_f64())?;
    Some(elements / (ns / 1e9))
}

fn summary() {
    println!("\nsummary (events/s):");
    let mut rates = std::collections::HashMap::new();
    let mut ids: Vec<(String, f64)> = Vec::new();
    for kind in ["baton_durable", "sqlite_wal_full"] {
        for t in THREADS {
            ids.push((format!("append/{kind}/{t}"), 1.0));
        }
    }
    for t in [1, 64] {
        ids.push((format!("append/sled_raw_unflushed/{t}"), 1.0));
    }
    ids.push(("append/baton_unsynced/64".into(), 1.0));
    ids.push(("append/sled_raw_3_keys/1".into(), 1.0));
    for name in ["baton_iter_from", "sled_raw_iter", "sqlite_select"] {
        ids.push((format!("replay/{name}"), REPLAY_EVENTS as f64));
    }
    for (id, elements) in ids {
        match rate(&id, elements) {
            Some(r) => {
                println!("  {id:<32} {r:>14.0}");
                rates.insert(id, r);
            }
            None => println!("  {id:<32} (not measured in this run)"),
        }
    }
    let ratio = |a: &str, b: &str| Some(rates.get(a)? / rates.get(b)?);
    if let Some(r) = ratio("append/baton_durable/64", "append/sled_raw_unflushed/1") {
        println!(
            "  durable 64 appenders / raw unflushed sled insert (1 thread): {:.1} % (target >= 50 %)",
            r * 100.0
        );
    }
    if let Some(r) = ratio("append/baton_durable/64", "append/sled_raw_unflushed/64") {
        println!(
            "  durable 64 appenders / raw unflushed sled insert (64 threads): {:.1} %",
            r * 100.0
        );
    }
    if let Some(r) = ratio("append/baton_unsynced/64", "append/sled_raw_unflushed/1") {
        println!(
            "  diagnostic: 64 appenders with no sync at all / raw insert (1 thread): {:.1} % (the write path's ceiling)",
            r * 100.0
        );
    }
    if let Some(r) = ratio("append/sled_raw_3_keys/1", "append/sled_raw_unflushed/1") {
        println!(
            "  diagnostic: raw record + 2 index keys / raw insert (1 thread): {:.1} % (the layout's ceiling)",
            r * 100.0
        );
    }
    if let Some(r) = ratio("replay/baton_iter_from", "replay/sled_raw_iter") {
        println!(
            "  replay / raw sled scan: {:.1} % (target >= 50 %, and >= 1,000,000 events/s)",
            r * 100.0
        );
    }
    for t in THREADS {
        if let Some(r) = ratio(
            &format!("append/baton_durable/{t}"),
            &format!("append/sqlite_wal_full/{t}"),
        ) {
            println!("  durable {t} appender(s): baton / SQLite = {r:.2}x");
        }
    }
}

criterion_group!(benches, append, replay);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
