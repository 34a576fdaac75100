//! The sled store under concurrency (`DESIGN.md` §4, guarantees 1, 2 and 5):
//! acknowledged = durable, group commit, racing writers, subscriptions with concurrent writers
//! across a reopen, slow subscribers, and no blob files.
//!
//! No test asserts on wall-clock time: only counts and order. Timeouts are failure guards.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Barrier, Mutex, OnceLock, Weak};
use std::thread;
use std::time::Duration;

use baton::store::{
    subscribe, AppendRequest, Appended, Durability, EventStore, FsyncDurability, NewEvent,
    SledStore, StoreConfig, StoreError, Subscription,
};
use serde_json::json;
use uuid::Uuid;

/// How long a step may take before the test is declared stuck (a guard, not a measurement).
const GUARD: Duration = Duration::from_secs(120);

/// A durability step that delegates to the real one (or to nothing) and records what it did.
struct Recording {
    real: bool,
    /// Sleeps this long before syncing, so that requests queue up behind a commit, and so
    /// that an acknowledgement sent before the sync would be caught.
    delay: Duration,
    calls: AtomicU64,
    /// The highest `last_seq` made durable.
    synced: AtomicU64,
    /// When set, checks at each sync that readers cannot yet see the batch being synced.
    store: OnceLock<Weak<SledStore>>,
    violations: Mutex<Vec<String>>,
}

impl Recording {
    fn new(real: bool, delay: Duration) -> Arc<Recording> {
        Arc::new(Recording {
            real,
            delay,
            calls: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            store: OnceLock::new(),
            violations: Mutex::new(Vec::new()),
        })
    }
}

impl Durability for Recording {
    fn make_durable(&self, db: &sled::Db, sled_dir: &Path, last_seq: u64) -> std::io::Result<()> {
        if let Some(store) = self.store.get().and_then(Weak::upgrade) {
            // Not yet durable, so no reader may see it.
            let head = store.head().last_seq;
            let visible = store.get(last_seq).is_ok();
            if head >= last_seq || visible {
                self.violations.lock().unwrap().push(format!(
                    "seq {last_seq} visible to readers before it was synced (head {head})"
                ));
            }
        }
        if !self.delay.is_zero() {
            thread::sleep(self.delay);
        }
        if self.real {
            FsyncDurability::default().make_durable(db, sled_dir, last_seq)?;
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.synced.fetch_max(last_seq, Ordering::SeqCst);
        Ok(())
    }
}

fn open(path: &Path, durability: Arc<Recording>) -> SledStore {
    SledStore::open_with(
        path,
        StoreConfig {
            durability,
            ..StoreConfig::default()
        },
    )
    .unwrap()
}

fn store_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    (dir, path)
}

/// One event; data that is not an object (event data always is) is wrapped as `{"v": data}`.
fn one(stream: &str, data: serde_json::Value) -> AppendRequest {
    let data = if data.is_object() {
        data
    } else {
        json!({ "v": data })
    };
    AppendRequest::new("tester", vec![NewEvent::new(stream, "Noted", 1, data)])
}

/// Runs `f` on a thread and waits for it, failing the test if it takes longer than the guard.
fn guarded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(GUARD) {
        Ok(value) => {
            handle.join().unwrap();
            value
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The thread panicked: surface its panic.
            match handle.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => unreachable!(),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: stuck for {GUARD:?}"),
    }
}

/// Reads `count` events from a subscription, checking each seq is the previous one plus one.
/// Returns the ids seen, in order.
fn follow(sub: &mut Subscription, mut expected_seq: u64, count: usize) -> Vec<Uuid> {
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        let ev = sub.blocking_next().expect("the store is open").unwrap();
        assert_eq!(ev.seq(), expected_seq, "no gap, no duplicate");
        expected_seq += 1;
        ids.push(ev.id());
    }
    ids
}

/// Guarantee 1: every acknowledgement comes after the sync step covered its seq, and readers
/// never see an event before it was synced. Would fail if the writer answered (or published
/// to readers) before `make_durable` returned.
#[test]
fn acknowledged_means_durable() {
    let (_dir, path) = store_dir();
    let rec = Recording::new(true, Duration::from_millis(1));
    let store = Arc::new(open(&path, rec.clone()));
    rec.store.set(Arc::downgrade(&store)).ok().unwrap();

    let acked = guarded("appending", {
        let store = store.clone();
        let rec = rec.clone();
        move || {
            let handles: Vec<_> = (0..4)
                .map(|w| {
                    let store = store.clone();
                    let rec = rec.clone();
                    thread::spawn(move || {
                        let mut seqs = Vec::new();
                        for i in 0..25 {
                            let stream = format!("program-w{w}");
                            let events = (0..=(i % 3))
                                .map(|k| {
                                    NewEvent::new(
                                        &stream,
                                        "Noted",
                                        1,
                                        json!({"w": w, "i": i, "k": k}),
                                    )
                                })
                                .collect();
                            let a = store.append(AppendRequest::new("tester", events)).unwrap();
                            let synced = rec.synced.load(Ordering::SeqCst);
                            assert!(
                                synced >= a.last_seq(),
                                "seq {} acknowledged but only {synced} synced",
                                a.last_seq()
                            );
                            seqs.extend(a.events.iter().map(|e| e.seq));
                            // An idempotent retry is answered from durable data too.
                            let retry = store.append(AppendRequest::new(
                                "tester",
                                vec![NewEvent::new(
                                    &stream,
                                    "Noted",
                                    1,
                                    json!({"w": w, "i": i, "k": 0}),
                                )
                                .with_id(a.events[0].id)],
                            ));
                            assert!(retry.unwrap().duplicate);
                        }
                        seqs
                    })
                })
                .collect();
            let mut all: Vec<u64> = handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect();
            all.sort_unstable();
            all
        }
    });
    assert_eq!(acked, (1..=acked.len() as u64).collect::<Vec<_>>());
    // The async path too.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let a = rt
        .block_on(store.append_async(one("organization", json!("async"))))
        .unwrap();
    assert!(rec.synced.load(Ordering::SeqCst) >= a.last_seq());

    assert!(
        rec.violations.lock().unwrap().is_empty(),
        "{:?}",
        rec.violations
    );
    assert!(rec.calls.load(Ordering::SeqCst) >= 1);
    // What was acknowledged is there after a reopen.
    let total = a.last_seq();
    drop(rt);
    let store = Arc::into_inner(store).expect("no other handle");
    store.close();
    drop(store);
    let store = open(&path, Recording::new(true, Duration::ZERO));
    assert_eq!(store.head().last_seq, total);
    assert!(baton::store::verify::verify_sled(&store).unwrap().is_ok());
}

/// Group commit: 64 concurrent appenders share far fewer than 64 syncs.
#[test]
fn group_commit_shares_syncs() {
    const N: usize = 64;
    let (_dir, path) = store_dir();
    let rec = Recording::new(true, Duration::from_millis(5));
    let store = Arc::new(open(&path, rec.clone()));
    let calls_before = rec.calls.load(Ordering::SeqCst);

    let results: Vec<Appended> = guarded("64 appenders", {
        let store = store.clone();
        move || {
            let barrier = Arc::new(Barrier::new(N));
            let handles: Vec<_> = (0..N)
                .map(|i| {
                    let store = store.clone();
                    let barrier = barrier.clone();
                    thread::spawn(move || {
                        barrier.wait();
                        store
                            .append(one(&format!("program-p{i}"), json!({"i": i})))
                            .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        }
    });
    let calls = rec.calls.load(Ordering::SeqCst) - calls_before;
    let mut seqs: Vec<u64> = results.iter().map(Appended::last_seq).collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=N as u64).collect::<Vec<_>>(),
        "all 64 acknowledged"
    );
    assert!(results.iter().all(|a| !a.duplicate));
    assert!(calls >= 1);
    assert!(
        calls < (N / 2) as u64,
        "{N} concurrent appends cost {calls} syncs: they should share them"
    );
    assert_eq!(rec.synced.load(Ordering::SeqCst), N as u64);
    assert_eq!(store.head().last_seq, N as u64);
}

/// Guarantee 2: N tasks race at the same expected version, round after round: exactly one
/// wins each version, every loser gets a `Conflict` with the actual version, and no version is
/// skipped. Half the rounds guard two streams at once.
#[test]
fn racing_writers_one_winner_per_version() {
    const N: usize = 8;
    const ROUNDS: u64 = 12;
    let (_dir, path) = store_dir();
    let store = Arc::new(open(&path, Recording::new(true, Duration::ZERO)));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let winners: Vec<(u64, usize)> = rt.block_on(async {
        let mut winners = Vec::new();
        for round in 0..ROUNDS {
            let guard_org = round % 2 == 1;
            let barrier = Arc::new(tokio::sync::Barrier::new(N));
            let tasks: Vec<_> = (0..N)
                .map(|task| {
                    let store = store.clone();
                    let barrier = barrier.clone();
                    tokio::spawn(async move {
                        let mut events = vec![NewEvent::new(
                            "program-race",
                            "Claimed",
                            1,
                            json!({"round": round, "task": task}),
                        )];
                        let mut req =
                            AppendRequest::new("racer", vec![]).expect("program-race", round);
                        if guard_org {
                            // The organization moves with every odd round.
                            req = req.expect("organization", round / 2);
                            events.push(NewEvent::new(
                                "organization",
                                "Claimed",
                                1,
                                json!({"round": round, "task": task}),
                            ));
                        }
                        req.events = events;
                        barrier.wait().await;
                        (task, store.append_async(req).await)
                    })
                })
                .collect();
            let mut won = Vec::new();
            for t in tasks {
                let (task, result) = tokio::time::timeout(GUARD, t).await.unwrap().unwrap();
                match result {
                    Ok(a) => {
                        assert_eq!(a.events[0].version, round + 1);
                        won.push(task);
                    }
                    Err(StoreError::Conflict { expected, actual }) => {
                        assert_eq!(expected[0], ("program-race".to_string(), round));
                        assert_eq!(actual[0], ("program-race".to_string(), round + 1));
                        if guard_org {
                            assert_eq!(expected[1], ("organization".to_string(), round / 2));
                            assert_eq!(actual[1], ("organization".to_string(), round / 2 + 1));
                        }
                    }
                    Err(other) => panic!("round {round}: unexpected {other}"),
                }
            }
            assert_eq!(
                won.len(),
                1,
                "round {round}: exactly one winner, got {won:?}"
            );
            winners.push((round, won[0]));
        }
        winners
    });

    // The stream holds one event per round, versions 1..=ROUNDS, each the round's winner.
    let stream = store.read_stream("program-race", 1).unwrap();
    assert_eq!(stream.len() as u64, ROUNDS);
    for (ev, (round, task)) in stream.iter().zip(&winners) {
        assert_eq!(ev.version(), round + 1, "no skipped version");
        assert_eq!(
            ev.data_value().unwrap(),
            json!({"round": round, "task": task})
        );
    }
    assert_eq!(store.stream_version("organization"), ROUNDS / 2);
    assert_eq!(store.head().last_seq, ROUNDS + ROUNDS / 2);
    assert!(baton::store::verify::verify_sled(&store).unwrap().is_ok());
}

/// Appends `per_writer` batches (of 1 to 3 events) from each of `writers` threads; returns the
/// ids acknowledged.
fn write_concurrently(
    store: &Arc<SledStore>,
    writers: usize,
    per_writer: usize,
    tag: &str,
) -> Vec<Uuid> {
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            let tag = tag.to_string();
            thread::spawn(move || {
                let mut ids = Vec::new();
                for i in 0..per_writer {
                    let events = (0..=(i % 3))
                        .map(|k| {
                            let stream = if k == 1 {
                                "organization".to_string()
                            } else {
                                format!("program-{tag}-{w}")
                            };
                            NewEvent::new(stream, "Noted", 1, json!({"w": w, "i": i, "k": k}))
                        })
                        .collect();
                    let a = store.append(AppendRequest::new("w", events)).unwrap();
                    ids.extend(a.events.iter().map(|e| e.id));
                }
                ids
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect()
}

fn events_for(per_writer: usize) -> usize {
    (0..per_writer).map(|i| i % 3 + 1).sum()
}

/// Guarantee 5: while writers run on several threads, subscribers (blocking and async) see
/// every event exactly once, in seq order; after a reopen, a subscription from the middle
/// catches up and then goes live again.
#[test]
fn subscribers_see_every_event_once_across_reopen() {
    const WRITERS: usize = 4;
    const PER_WRITER: usize = 30;
    let total = WRITERS * events_for(PER_WRITER);
    let (_dir, path) = store_dir();
    let store = Arc::new(open(&path, Recording::new(true, Duration::ZERO)));
    // Something before the subscribers start, so they catch up first.
    store.append(one("organization", json!("first"))).unwrap();
    let total = total + 1;

    let dyn_store: Arc<dyn EventStore> = store.clone();
    let mut blocking = subscribe(dyn_store.clone(), 0);
    let mut from_first = subscribe(dyn_store.clone(), 1);
    let mut asynchronous = subscribe(dyn_store, 0);
    assert!(from_first.try_next().is_none(), "nothing after seq 1 yet");
    let blocking_reader = thread::spawn(move || follow(&mut blocking, 1, total));
    let async_reader = thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut ids = Vec::new();
            let mut expected = 1;
            while ids.len() < total {
                let ev = asynchronous.next().await.unwrap().unwrap();
                assert_eq!(ev.seq(), expected, "no gap, no duplicate");
                expected += 1;
                ids.push(ev.id());
            }
            ids
        })
    });

    let written = guarded("writers", {
        let store = store.clone();
        move || write_concurrently(&store, WRITERS, PER_WRITER, "a")
    });
    assert_eq!(written.len(), total - 1);
    let seen = guarded("blocking subscriber", move || {
        blocking_reader.join().unwrap()
    });
    let seen_async = guarded("async subscriber", move || async_reader.join().unwrap());
    assert_eq!(seen, seen_async);
    let seen_set: HashSet<Uuid> = seen.iter().copied().collect();
    assert_eq!(seen_set.len(), total, "no duplicate");
    assert!(
        written.iter().all(|id| seen_set.contains(id)),
        "every acknowledged event seen"
    );
    let from_first_ids = guarded("second subscriber", move || {
        let ids = follow(&mut from_first, 2, total - 1);
        assert!(from_first.try_next().is_none(), "nothing beyond the log");
        ids
    });
    assert_eq!(from_first_ids, seen[1..]);

    // Close, reopen, subscribe from the middle.
    let store = Arc::into_inner(store).expect("subscriptions dropped");
    store.close();
    drop(store);
    let store = Arc::new(open(&path, Recording::new(true, Duration::ZERO)));
    assert_eq!(store.head().last_seq, total as u64);
    let middle = total as u64 / 2;
    let dyn_store: Arc<dyn EventStore> = store.clone();
    let mut sub = subscribe(dyn_store, middle);
    assert_eq!(sub.position(), middle + 1);
    let more = 2 * events_for(20);
    let reader = thread::spawn(move || {
        let caught_up = follow(&mut sub, middle + 1, total - middle as usize);
        let live = follow(&mut sub, total as u64 + 1, more);
        (caught_up, live)
    });
    let written_after = guarded("writers after reopen", {
        let store = store.clone();
        move || write_concurrently(&store, 2, 20, "b")
    });
    let (caught_up, live) = guarded("subscriber after reopen", move || reader.join().unwrap());
    assert_eq!(caught_up, seen[middle as usize..]);
    let live_set: HashSet<Uuid> = live.iter().copied().collect();
    assert_eq!(live_set.len(), more);
    assert_eq!(live_set, written_after.into_iter().collect::<HashSet<_>>());
}

/// Guarantee 5: a subscriber that never reads does not hold writers back; its notifications
/// overflow (the lag path) and it later catches up without a gap, then follows live.
/// The durability step is a no-op here: this test is about readers, and 5,000 separate
/// commits (each one notification) are needed to overflow the notification queue.
#[test]
fn slow_subscriber_never_blocks_writers() {
    const APPENDS: usize = 5_000;
    let (_dir, path) = store_dir();
    let rec = Recording::new(false, Duration::ZERO);
    let store = Arc::new(open(&path, rec.clone()));
    let dyn_store: Arc<dyn EventStore> = store.clone();
    let mut idle = subscribe(dyn_store.clone(), 0);
    let mut raw = store.notifier();
    // A reader that takes a few events, then sleeps through the writes.
    let mut sleepy = subscribe(dyn_store, 0);
    let (took, wake) = mpsc::channel::<()>();
    let sleeper = thread::spawn(move || {
        let first = follow(&mut sleepy, 1, 3);
        took.send(()).unwrap();
        thread::sleep(Duration::from_millis(200));
        let rest = follow(&mut sleepy, 4, APPENDS - 3);
        (first, rest)
    });

    guarded("5,000 appends with idle subscribers", {
        let store = store.clone();
        move || {
            for i in 0..APPENDS {
                store.append(one("program-busy", json!(i))).unwrap();
            }
        }
    });
    assert_eq!(
        rec.calls.load(Ordering::SeqCst),
        APPENDS as u64,
        "one commit each"
    );
    wake.recv_timeout(GUARD).unwrap();
    // The idle receiver overflowed: the lag path is what the subscription goes through.
    assert!(matches!(
        raw.try_recv(),
        Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_))
    ));
    let ids = guarded("idle subscriber catching up", move || {
        let ids = follow(&mut idle, 1, APPENDS);
        (ids, idle)
    });
    let (ids, mut idle) = ids;
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), APPENDS);
    let (first, rest) = guarded("sleepy subscriber", move || sleeper.join().unwrap());
    assert_eq!([first, rest].concat(), ids);
    // Then live again.
    let reader = thread::spawn(move || follow(&mut idle, APPENDS as u64 + 1, 1));
    let a = store.append(one("program-busy", json!("late"))).unwrap();
    let live = guarded("live after lag", move || reader.join().unwrap());
    assert_eq!(live, vec![a.events[0].id]);
}

fn dir_is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

/// Events are size-limited so that sled keeps them inline: 40 events of ~60 KiB appended and
/// flushed leave sled's `blobs/` directory empty. (The control: plain sled with its default
/// configuration does move such values to blob files, so the check is not vacuous.)
#[test]
fn large_events_stay_out_of_blob_files() {
    let (_dir, path) = store_dir();
    let store = open(&path, Recording::new(true, Duration::ZERO));
    let payload = "x".repeat(60 * 1024);
    for i in 0..40 {
        store
            .append(one(
                &format!("program-p{}", i % 3),
                json!({"i": i, "payload": payload}),
            ))
            .unwrap();
    }
    store.close();
    drop(store);
    let blobs = path.join("sled").join("blobs");
    assert!(blobs.is_dir(), "sled keeps its blob directory at {blobs:?}");
    assert!(
        dir_is_empty(&blobs),
        "sled wrote blob files: {:?}",
        std::fs::read_dir(&blobs).unwrap().collect::<Vec<_>>()
    );
    // Reopen: all there, intact.
    let store = open(&path, Recording::new(true, Duration::ZERO));
    assert_eq!(store.head().last_seq, 40);
    assert!(baton::store::verify::verify_sled(&store).unwrap().is_ok());
    store.close();
    assert!(dir_is_empty(&blobs));

    // Control.
    let control = tempfile::tempdir().unwrap();
    let db = sled::Config::new().path(control.path()).open().unwrap();
    for i in 0u64..40 {
        db.insert(i.to_be_bytes(), payload.as_bytes()).unwrap();
    }
    db.flush().unwrap();
    drop(db);
    assert!(
        !dir_is_empty(&control.path().join("blobs")),
        "control: default sled no longer uses blob files for 60 KiB values; this test proves nothing"
    );
}

/// A durability step that holds its first sync until released, then fails every later one.
struct GateThenFail {
    calls: AtomicU64,
    gate: Mutex<Option<mpsc::Receiver<()>>>,
}

impl Durability for GateThenFail {
    fn make_durable(&self, db: &sled::Db, sled_dir: &Path, last_seq: u64) -> std::io::Result<()> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            if let Some(gate) = self.gate.lock().unwrap().take() {
                let _ = gate.recv_timeout(GUARD);
            }
            FsyncDurability::default().make_durable(db, sled_dir, last_seq)
        } else {
            Err(std::io::Error::other("injected sync failure"))
        }
    }
}

/// Guarantee 1 on the failure path: when a commit cannot be made durable, nothing of its group
/// is acknowledged — not even an idempotent retry of an event written by that same group.
/// (A first append holds the writer in its sync while an append and its retry queue behind
/// it, so both land in the next group, whose sync fails.)
#[test]
fn failed_sync_acknowledges_nothing_of_its_group() {
    let (_dir, path) = store_dir();
    let (release, gate) = mpsc::channel();
    let durability = Arc::new(GateThenFail {
        calls: AtomicU64::new(0),
        gate: Mutex::new(Some(gate)),
    });
    let store = Arc::new(
        SledStore::open_with(
            &path,
            StoreConfig {
                durability: durability.clone(),
                ..StoreConfig::default()
            },
        )
        .unwrap(),
    );
    let first = {
        let store = store.clone();
        thread::spawn(move || store.append(one("organization", json!("first"))))
    };
    // Wait until the writer sits in the first sync.
    while durability.calls.load(Ordering::SeqCst) == 0 {
        thread::sleep(Duration::from_millis(1));
    }
    let event = NewEvent::new("program-a", "Noted", 1, json!({"once": true}));
    let attempts: Vec<_> = (0..2)
        .map(|_| {
            let store = store.clone();
            let event = event.clone();
            let handle =
                thread::spawn(move || store.append(AppendRequest::new("tester", vec![event])));
            // Let the request reach the queue before the next one (and before the release).
            thread::sleep(Duration::from_millis(200));
            handle
        })
        .collect();
    release.send(()).unwrap();
    let first = guarded("first append", move || first.join().unwrap());
    assert_eq!(first.unwrap().last_seq(), 1);
    for attempt in attempts {
        let result = guarded("queued append", move || attempt.join().unwrap());
        assert!(
            result.is_err(),
            "acknowledged although its commit was never made durable: {result:?}"
        );
    }
    assert_eq!(store.head().last_seq, 1);
    assert!(store.get(2).is_err());
    // The store refuses writes until reopened; reopened, it is consistent and a retry of the
    // unacknowledged event lands exactly once.
    assert!(store.append(one("organization", json!("later"))).is_err());
    let store = Arc::into_inner(store).expect("no other handle");
    store.close();
    drop(store);
    let store = SledStore::open(&path).unwrap();
    assert!(baton::store::verify::verify_sled(&store).unwrap().is_ok());
    let retry = store
        .append(AppendRequest::new("tester", vec![event.clone()]))
        .unwrap();
    assert_eq!(retry.events[0].seq, 2);
    let copies = store
        .iter_from(1)
        .filter(|e| e.as_ref().unwrap().id() == event.id)
        .count();
    assert_eq!(copies, 1);
}
