//! The event-log contract (`DESIGN.md` §4), one suite run against both stores.
//!
//! Every test is a generic function over a [`Harness`]; the `contract!` macro instantiates the
//! whole list once for [`MemoryStore`] and once for [`SledStore`] (a real sled directory in a
//! temporary directory, with real fsync). A "restart" closes and reopens the sled directory; for
//! the memory store, whose log cannot outlive the process, it is the only way the log survives:
//! export, then restore into a fresh store.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use baton::domain::Timestamp;
use baton::store::jsonl::{self, ImportError};
use baton::store::record::{self, blake3_of, hex, parse_line, Envelope};
use baton::store::verify::{self, VerifyReport};
use baton::store::{
    subscribe, AppendRequest, Appended, AppendedEvent, Clock, EventStore, FsyncDurability,
    MemoryStore, NewEvent, RecordedEvent, SledStore, StoreConfig, StoreError, MAX_EVENT_BYTES,
    ZERO_HASH,
};
use serde_json::{json, Value};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Test clock and harnesses
// ---------------------------------------------------------------------------------------------

/// A clock the test sets by hand.
struct TestClock(AtomicI64);

impl TestClock {
    fn at(t: Timestamp) -> Arc<TestClock> {
        Arc::new(TestClock(AtomicI64::new(t.as_micros())))
    }
    fn set(&self, t: Timestamp) {
        self.0.store(t.as_micros(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.0.load(Ordering::SeqCst))
    }
}

/// 2026-03-01T09:30:00.123456Z
fn t0() -> Timestamp {
    Timestamp::from_micros(
        Timestamp::from_ymd_hms(2026, 3, 1, 9, 30, 0)
            .unwrap()
            .as_micros()
            + 123_456,
    )
}

trait Harness: Sized {
    fn with_clock(clock: Arc<TestClock>) -> Self;
    fn store(&self) -> &dyn EventStore;
    /// The store as subscriptions take it. Drop every clone before `restart`.
    fn shared(&self) -> Arc<dyn EventStore>;
    /// Closes the store and opens it again (see the module docs for the memory store).
    fn restart(&mut self);
    /// `verify`, plus the indexes where the store has any.
    fn verify(&self) -> VerifyReport;

    fn new() -> Self {
        Self::with_clock(TestClock::at(t0()))
    }
}

struct Memory {
    clock: Arc<TestClock>,
    store: Arc<MemoryStore>,
}

impl Harness for Memory {
    fn with_clock(clock: Arc<TestClock>) -> Self {
        Memory {
            store: Arc::new(MemoryStore::with_clock(clock.clone())),
            clock,
        }
    }
    fn store(&self) -> &dyn EventStore {
        &*self.store
    }
    fn shared(&self) -> Arc<dyn EventStore> {
        self.store.clone()
    }
    fn restart(&mut self) {
        let backup = export_all(&*self.store);
        let fresh = MemoryStore::with_clock(self.clock.clone());
        jsonl::import(&fresh, &mut Cursor::new(backup), false, "restorer").unwrap();
        self.store = Arc::new(fresh);
    }
    fn verify(&self) -> VerifyReport {
        verify::verify(&*self.store).unwrap()
    }
}

struct Sled {
    _dir: tempfile::TempDir,
    path: PathBuf,
    clock: Arc<TestClock>,
    store: Option<Arc<SledStore>>,
}

impl Sled {
    fn open(path: &std::path::Path, clock: &Arc<TestClock>) -> SledStore {
        SledStore::open_with(
            path,
            StoreConfig {
                clock: clock.clone(),
                durability: Arc::new(FsyncDurability::default()),
                create: true,
                ..StoreConfig::default()
            },
        )
        .unwrap()
    }
}

impl Harness for Sled {
    fn with_clock(clock: Arc<TestClock>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let store = Sled::open(&path, &clock);
        Sled {
            _dir: dir,
            path,
            clock,
            store: Some(Arc::new(store)),
        }
    }
    fn store(&self) -> &dyn EventStore {
        &**self.store.as_ref().unwrap()
    }
    fn shared(&self) -> Arc<dyn EventStore> {
        self.store.clone().unwrap()
    }
    fn restart(&mut self) {
        let store = Arc::into_inner(self.store.take().unwrap()).expect("no subscription left");
        store.close();
        drop(store);
        self.store = Some(Arc::new(Sled::open(&self.path, &self.clock)));
    }
    fn verify(&self) -> VerifyReport {
        verify::verify_sled(self.store.as_ref().unwrap()).unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// An event; data that is not an object (event data always is) is wrapped as `{"v": data}`.
fn ev(stream: &str, data: Value) -> NewEvent {
    NewEvent::new(stream, "Noted", 1, object(data))
}

fn object(data: Value) -> Value {
    if data.is_object() {
        data
    } else {
        json!({ "v": data })
    }
}

fn req(events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest::new("tester", events)
}

fn all(store: &dyn EventStore) -> Vec<RecordedEvent> {
    store.iter_from(1).collect::<Result<_, _>>().unwrap()
}

fn export_all(store: &dyn EventStore) -> Vec<u8> {
    let mut out = Vec::new();
    jsonl::export(store, None, &mut out).unwrap();
    out
}

fn positions(a: &Appended) -> Vec<(u64, &str, u64)> {
    a.events
        .iter()
        .map(|e| (e.seq, e.stream.as_str(), e.version))
        .collect()
}

fn line_json(ev: &RecordedEvent) -> Value {
    serde_json::from_slice(&ev.to_line()).unwrap()
}

fn is_log_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 27
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && b[20..26].iter().all(u8::is_ascii_digit)
        && b[26] == b'Z'
}

fn is_lower_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks the whole chain independently of `verify`: seq gapless from 1, versions gapless per
/// stream, first `prev_hash` zeros, each `prev_hash` the previous `hash`, and `hash` recomputed
/// both through `Envelope::compute_hash` and from the documented formula on the exported line.
fn check_chain(store: &dyn EventStore) -> usize {
    let events = all(store);
    let mut prev = ZERO_HASH;
    let mut versions = std::collections::HashMap::<String, u64>::new();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq(), i as u64 + 1, "seq is gapless from 1");
        let v = versions.entry(e.stream().to_string()).or_default();
        *v += 1;
        assert_eq!(e.version(), *v, "version of seq {} is gapless", e.seq());
        assert_eq!(e.prev_hash(), prev, "prev_hash of seq {}", e.seq());
        assert_eq!(
            e.envelope().compute_hash(),
            e.hash(),
            "hash of seq {}",
            e.seq()
        );
        // The documented formula: BLAKE3(prev_hash raw ‖ the line without `data` and `hash`).
        let line = String::from_utf8(e.to_line()).unwrap();
        let data_at = line.find(",\"data\":").unwrap();
        let data_hash_at = line.find(",\"data_hash\":").unwrap();
        let hash_at = line.rfind(",\"hash\":").unwrap();
        let hashed = format!("{}{}}}", &line[..data_at], &line[data_hash_at..hash_at]);
        let mut h = blake3::Hasher::new();
        h.update(&prev).update(hashed.as_bytes());
        assert_eq!(
            *h.finalize().as_bytes(),
            e.hash(),
            "formula hash of seq {}",
            e.seq()
        );
        prev = e.hash();
    }
    let head = store.head();
    assert_eq!(head.last_seq, events.len() as u64);
    assert_eq!(head.head_hash, prev);
    events.len()
}

fn assert_unchanged(store: &dyn EventStore, before: &[u8]) {
    assert_eq!(
        String::from_utf8_lossy(&export_all(store)),
        String::from_utf8_lossy(before),
        "the log must not change"
    );
}

/// Stream versions, as a `Conflict` carries them.
type Versions = Vec<(String, u64)>;

fn conflict(err: StoreError) -> (Versions, Versions) {
    match err {
        StoreError::Conflict { expected, actual } => (expected, actual),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn invalid(err: StoreError) -> (String, String) {
    match err {
        StoreError::Invalid { field, message } => (field, message),
        other => panic!("expected an invalid-append error, got {other:?}"),
    }
}

fn id_reused(err: StoreError) -> (Uuid, String) {
    match err {
        StoreError::IdReused { id, reason } => (id, reason),
        other => panic!("expected IdReused, got {other:?}"),
    }
}

fn sv(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(s, n)| (s.to_string(), *n)).collect()
}

/// Builds a valid chain of records by hand with `record::Envelope`.
/// Each spec is (stream, data); versions follow per stream.
fn build_chain(specs: &[(&str, Value)]) -> Vec<RecordedEvent> {
    let mut prev = ZERO_HASH;
    let mut versions = std::collections::HashMap::<&str, u64>::new();
    let mut out = Vec::new();
    for (i, (stream, data)) in specs.iter().enumerate() {
        let v = versions.entry(stream).or_default();
        *v += 1;
        let bytes = baton::store::canonical::to_vec(data).unwrap();
        let at = t0().plus_seconds(i as i64);
        let env = Envelope {
            format: record::FORMAT_1,
            seq: i as u64 + 1,
            stream,
            version: *v,
            id: Uuid::from_u128(1000 + i as u128),
            event_type: "Noted",
            schema: 1,
            recorded_at: at,
            occurred_at: at,
            actor: "builder",
            correlation_id: None,
            causation_id: None,
            personal: vec![],
            data: &bytes,
            nonce: None,
            redacted: false,
            data_hash: blake3_of(&bytes),
            prev_hash: prev,
        };
        let hash = env.compute_hash();
        prev = hash;
        out.push(RecordedEvent::from_bytes(env.encode(&hash)).unwrap());
    }
    out
}

fn chain_specs() -> Vec<(&'static str, Value)> {
    vec![
        ("organization", json!({"n": 1})),
        ("program-a", json!({"n": 2})),
        ("program-a", json!({"n": 3})),
        ("organization", json!({"n": 4})),
        ("program-b", json!({"n": 5})),
        ("program-a", json!({"n": 6})),
    ]
}

/// Re-encodes a record after `edit` changed its envelope; `rehash` recomputes its own hash
/// (an envelope consistent with itself), otherwise the old hash is kept.
fn doctor<'a>(
    record: &'a RecordedEvent,
    rehash: bool,
    edit: impl FnOnce(&mut Envelope<'a>),
) -> RecordedEvent {
    let mut env = record.envelope();
    edit(&mut env);
    let hash = if rehash {
        env.compute_hash()
    } else {
        record.hash()
    };
    RecordedEvent::from_bytes(env.encode(&hash)).unwrap()
}

/// A log with varied content: several streams, batches, unicode and escapes, ids, back-dating,
/// an actor override.
fn varied_log<H: Harness>(h: &H) {
    let s = h.store();
    s.append(req(vec![ev(
        "organization",
        json!({"name": "Org", "z": 1, "a": [1, 2, {"y": null, "b": true}]}),
    )]))
    .unwrap();
    s.append(
        req(vec![
            ev(
                "program-alpha",
                json!({"text": "ünïcødé \"quoted\" \\ back\nslash\t\u{1}"}),
            ),
            NewEvent {
                correlation_id: Some(Uuid::from_u128(7)),
                causation_id: Some(Uuid::from_u128(8)),
                actor: Some("original-actor".into()),
                ..ev("program-alpha", json!({"big": u64::MAX, "neg": -42}))
            }
            .occurred_at(Timestamp::from_ymd_hms(2025, 12, 24, 18, 0, 0).unwrap()),
        ])
        .expect("organization", 1),
    )
    .unwrap();
    s.append(req(vec![ev("program-b-2", json!("just a string"))]))
        .unwrap();
    s.append(req(vec![ev("organization", json!([]))])).unwrap();
}

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

/// Guarantee 5: `seq` is global and gapless from 1; versions are per stream and gapless from 1;
/// readers agree with what `append` answered.
fn gapless_seq_and_versions<H: Harness>() {
    let mut h = H::new();
    let s = h.store();
    assert_eq!(s.head().last_seq, 0);
    assert_eq!(s.head().head_hash, ZERO_HASH);
    assert!(all(s).is_empty());
    assert!(s.streams().is_empty());
    assert_eq!(s.stream_version("organization"), 0);

    let a = s.append(req(vec![ev("organization", json!(1))])).unwrap();
    assert_eq!(positions(&a), vec![(1, "organization", 1)]);
    assert!(!a.duplicate);
    let b = s
        .append(req(vec![
            ev("program-a", json!(2)),
            ev("organization", json!(3)),
            ev("program-a", json!(4)),
        ]))
        .unwrap();
    assert_eq!(
        positions(&b),
        vec![
            (2, "program-a", 1),
            (3, "organization", 2),
            (4, "program-a", 2)
        ]
    );
    assert_eq!(b.last_seq(), 4);
    let c = s.append(req(vec![ev("program-b", json!(5))])).unwrap();
    assert_eq!(positions(&c), vec![(5, "program-b", 1)]);

    assert_eq!(check_chain(s), 5);
    assert_eq!(s.head().last_seq, 5);
    assert_eq!(
        s.streams(),
        sv(&[("organization", 2), ("program-a", 2), ("program-b", 1)])
    );
    assert_eq!(s.stream_version("program-a"), 2);
    assert_eq!(s.stream_version("program-zzz"), 0);

    let stream: Vec<(u64, u64)> = s
        .read_stream("program-a", 1)
        .unwrap()
        .iter()
        .map(|e| (e.seq(), e.version()))
        .collect();
    assert_eq!(stream, vec![(2, 1), (4, 2)]);
    let tail: Vec<u64> = s
        .read_stream("program-a", 2)
        .unwrap()
        .iter()
        .map(|e| e.seq())
        .collect();
    assert_eq!(tail, vec![4]);
    assert!(s.read_stream("program-a", 3).unwrap().is_empty());
    assert!(s.read_stream("program-none", 1).unwrap().is_empty());

    let from3: Vec<u64> = s.iter_from(3).map(|e| e.unwrap().seq()).collect();
    assert_eq!(from3, vec![3, 4, 5]);
    assert!(s.iter_from(6).next().is_none());
    assert_eq!(s.read_all(2, 2).unwrap().len(), 2);
    assert_eq!(s.get(4).unwrap().data_value().unwrap(), json!({"v": 4}));
    assert!(matches!(s.get(0), Err(StoreError::NoSuchEvent(0))));
    assert!(matches!(s.get(6), Err(StoreError::NoSuchEvent(6))));

    // After a restart, numbering continues where it stopped.
    h.restart();
    let s = h.store();
    assert_eq!(s.streams().len(), 3);
    let d = s
        .append(req(vec![
            ev("program-a", json!(6)),
            ev("program-c", json!(7)),
        ]))
        .unwrap();
    assert_eq!(
        positions(&d),
        vec![(6, "program-a", 3), (7, "program-c", 1)]
    );
    assert_eq!(check_chain(s), 7);
    assert!(h.verify().is_ok());
}

/// Every envelope field, the fixed time and hash formats, and the chain.
fn envelope_fields_and_formats<H: Harness>() {
    let h = H::new();
    let s = h.store();
    let id = Uuid::from_u128(0xabc);
    let corr = Uuid::from_u128(0xc0);
    let cause = Uuid::from_u128(0xca);
    let back = Timestamp::from_ymd_hms(2025, 1, 2, 3, 4, 5).unwrap();
    s.append(req(vec![ev("organization", json!({"first": true}))]))
        .unwrap();
    let appended = s
        .append(AppendRequest::new(
            "ana",
            vec![
                NewEvent {
                    id,
                    stream: "program-x".into(),
                    event_type: "SessionHeld".into(),
                    schema: 2,
                    data: json!({"b": 2, "a": {"d": [3, 1], "c": "é"}}),
                    occurred_at: Some(back),
                    correlation_id: Some(corr),
                    causation_id: Some(cause),
                    actor: None,
                    personal: vec![],
                    nonce: None,
                },
                NewEvent {
                    actor: Some("bob".into()),
                    ..ev("program-x", json!({}))
                },
            ],
        ))
        .unwrap();
    assert_eq!(
        appended.events[0],
        AppendedEvent {
            seq: 2,
            stream: "program-x".into(),
            version: 1,
            id
        }
    );

    let e = s.get(2).unwrap();
    assert_eq!(e.seq(), 2);
    assert_eq!(e.stream(), "program-x");
    assert_eq!(e.version(), 1);
    assert_eq!(e.id(), id);
    assert_eq!(e.event_type(), "SessionHeld");
    assert_eq!(e.schema(), 2);
    assert_eq!(e.recorded_at(), t0());
    assert_eq!(e.occurred_at(), back);
    assert_eq!(e.actor(), "ana");
    assert_eq!(e.correlation_id(), Some(corr));
    assert_eq!(e.causation_id(), Some(cause));
    assert!(!e.is_redacted());
    // Canonical data: compact, keys sorted, whatever the input order.
    let canonical = r#"{"a":{"c":"é","d":[3,1]},"b":2}"#;
    assert_eq!(e.data_bytes(), canonical.as_bytes());
    // Format 2: the data hash commits to the non-personal and the (salted) personal part.
    assert_eq!(e.format(), record::FORMAT_2);
    assert_eq!(
        e.data_hash(),
        record::data_hash_v2(canonical.as_bytes(), &[], &e.nonce().unwrap()).unwrap()
    );
    assert_eq!(
        e.content_hash(),
        *blake3::hash(canonical.as_bytes()).as_bytes()
    );
    assert_eq!(
        e.data_value().unwrap(),
        json!({"a": {"c": "é", "d": [3, 1]}, "b": 2})
    );

    // The per-event actor overrides the request's.
    let e3 = s.get(3).unwrap();
    assert_eq!(e3.actor(), "bob");
    assert_eq!(e3.correlation_id(), None);
    // occurred_at defaults to recorded_at.
    assert_eq!(e3.occurred_at(), e3.recorded_at());

    // The exported line: fixed field order, fixed formats.
    let line = String::from_utf8(e.to_line()).unwrap();
    assert!(
        line.starts_with(&format!(
            r#"{{"format":2,"seq":2,"stream":"program-x","version":1,"id":"{id}","type":"SessionHeld","schema":2,"recorded_at":"2026-03-01T09:30:00.123456Z","occurred_at":"2025-01-02T03:04:05.000000Z","actor":"ana","correlation_id":"{corr}","causation_id":"{cause}","personal":[],"data":{canonical},"nonce":""#
        )),
        "{line}"
    );
    let v = line_json(&e);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected_keys = vec![
        "seq",
        "stream",
        "version",
        "id",
        "type",
        "schema",
        "recorded_at",
        "occurred_at",
        "actor",
        "correlation_id",
        "causation_id",
        "personal",
        "data",
        "nonce",
        "data_hash",
        "prev_hash",
        "hash",
    ];
    expected_keys.insert(0, "format");
    expected_keys.sort();
    let mut got_keys = keys.clone();
    got_keys.sort();
    assert_eq!(got_keys, expected_keys);
    for e in all(s) {
        let v = line_json(&e);
        for f in ["recorded_at", "occurred_at"] {
            assert!(is_log_time(v[f].as_str().unwrap()), "{f}: {}", v[f]);
        }
        for f in ["data_hash", "prev_hash", "hash"] {
            assert!(is_lower_hex64(v[f].as_str().unwrap()), "{f}: {}", v[f]);
        }
        assert_eq!(v["hash"].as_str().unwrap(), hex(&e.hash()));
        // The line parses back to the same record.
        assert_eq!(parse_line(&e.to_line()).unwrap(), e);
    }
    let first = s.get(1).unwrap();
    assert_eq!(first.prev_hash(), ZERO_HASH);
    assert_eq!(line_json(&first)["prev_hash"], json!("0".repeat(64)));
    assert_eq!(check_chain(s), 3);
    let report = h.verify();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, 3);
    assert_eq!(report.streams, 2);
    assert_eq!(report.last_seq, 3);
    assert_eq!(report.head_hash, hex(&s.head().head_hash));
    assert!(report.redactions.is_empty());
}

/// `recorded_at` comes from the injected clock, truncated to microseconds, and never goes
/// backwards, not even across a restart; `occurred_at` defaults to it.
fn recorded_at_is_monotonic<H: Harness>() {
    let clock = TestClock::at(Timestamp::from_ymd_hms(2026, 5, 1, 12, 0, 0).unwrap());
    let mut h = H::with_clock(clock.clone());
    let t = clock.now();
    h.store()
        .append(req(vec![ev("organization", json!(1))]))
        .unwrap();
    clock.set(t.plus_seconds(-3600));
    h.store()
        .append(req(vec![ev("organization", json!(2))]))
        .unwrap();
    clock.set(t.plus_seconds(1));
    h.store()
        .append(req(vec![ev("organization", json!(3))]))
        .unwrap();
    h.restart();
    clock.set(t.plus_seconds(-86_400));
    h.store()
        .append(req(vec![
            ev("organization", json!(4)),
            ev("program-p", json!(5)).occurred_at(t.plus_seconds(-86_400 * 30)),
        ]))
        .unwrap();
    let got: Vec<(Timestamp, Timestamp)> = all(h.store())
        .iter()
        .map(|e| (e.recorded_at(), e.occurred_at()))
        .collect();
    let later = t.plus_seconds(1);
    assert_eq!(
        got,
        vec![
            (t, t),
            (t, t),
            (later, later),
            (later, later),
            (later, t.plus_seconds(-86_400 * 30)),
        ]
    );
    let lines: Vec<String> = all(h.store())
        .iter()
        .map(|e| line_json(e)["recorded_at"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(lines[0], "2026-05-01T12:00:00.000000Z");
    assert_eq!(lines[4], "2026-05-01T12:00:01.000000Z");
    assert!(h.verify().is_ok());
}

/// Guarantee 2 on one stream: a mismatch is a `Conflict` carrying the actual version; the
/// right version (0 for a new stream) succeeds; no expected version means no check.
fn conflict_on_one_stream<H: Harness>() {
    let h = H::new();
    let s = h.store();
    s.append(req(vec![ev("program-a", json!(1))]).expect("program-a", 0))
        .unwrap();
    s.append(req(vec![ev("program-a", json!(2))]).expect("program-a", 1))
        .unwrap();
    let before = export_all(s);

    let err = s
        .append(req(vec![ev("program-a", json!(3))]).expect("program-a", 1))
        .unwrap_err();
    assert!(err.to_string().contains("program-a@2"), "{err}");
    assert_eq!(
        conflict(err),
        (sv(&[("program-a", 1)]), sv(&[("program-a", 2)]))
    );
    let err = s
        .append(req(vec![ev("program-a", json!(3))]).expect("program-a", 3))
        .unwrap_err();
    assert_eq!(conflict(err).1, sv(&[("program-a", 2)]));
    // A new stream is at version 0.
    let err = s
        .append(req(vec![ev("program-new", json!(3))]).expect("program-new", 1))
        .unwrap_err();
    assert_eq!(conflict(err).1, sv(&[("program-new", 0)]));
    assert_unchanged(s, &before);

    let ok = s
        .append(req(vec![ev("program-a", json!(3))]).expect("program-a", 2))
        .unwrap();
    assert_eq!(positions(&ok), vec![(3, "program-a", 3)]);
    let ok = s
        .append(req(vec![ev("program-new", json!(4))]).expect("program-new", 0))
        .unwrap();
    assert_eq!(positions(&ok), vec![(4, "program-new", 1)]);
    // No expectation: no check.
    let ok = s.append(req(vec![ev("program-a", json!(5))])).unwrap();
    assert_eq!(positions(&ok), vec![(5, "program-a", 4)]);
    assert_eq!(check_chain(s), 5);
}

/// Guarantee 2 on several streams: a rule that read the organization stream guards it while
/// writing to a program stream; any mismatch rejects and reports every checked stream.
fn conflict_on_several_streams<H: Harness>() {
    let h = H::new();
    let s = h.store();
    s.append(req(vec![
        ev("organization", json!(1)),
        ev("organization", json!(2)),
        ev("program-a", json!(3)),
    ]))
    .unwrap();

    // Guarding a stream the batch does not write to.
    let ok = s
        .append(
            req(vec![ev("program-a", json!(4))])
                .expect("organization", 2)
                .expect("program-a", 1),
        )
        .unwrap();
    assert_eq!(positions(&ok), vec![(4, "program-a", 2)]);
    assert_eq!(s.stream_version("organization"), 2);

    // Someone changes the organization: the guarded write must fail.
    s.append(req(vec![ev("organization", json!(5))])).unwrap();
    let before = export_all(s);
    let err = s
        .append(
            req(vec![ev("program-a", json!(6))])
                .expect("organization", 2)
                .expect("program-a", 2),
        )
        .unwrap_err();
    assert_eq!(
        conflict(err),
        (
            sv(&[("organization", 2), ("program-a", 2)]),
            sv(&[("organization", 3), ("program-a", 2)])
        )
    );
    // Order of the report follows the request; a stream never written counts as 0.
    let err = s
        .append(
            req(vec![ev("program-a", json!(6))])
                .expect("program-b", 0)
                .expect("program-a", 1)
                .expect("organization", 3),
        )
        .unwrap_err();
    assert_eq!(
        conflict(err).1,
        sv(&[("program-b", 0), ("program-a", 2), ("organization", 3)])
    );
    assert_unchanged(s, &before);
    let ok = s
        .append(
            req(vec![ev("program-a", json!(6))])
                .expect("program-b", 0)
                .expect("program-a", 2)
                .expect("organization", 3),
        )
        .unwrap();
    assert_eq!(positions(&ok), vec![(6, "program-a", 3)]);
}

/// Guarantee 3: a batch over many streams with one wrong expected version stores nothing: no
/// event, no version, no id (the same ids are accepted afterwards), also after a restart.
fn atomic_batch_conflict_stores_nothing<H: Harness>() {
    let mut h = H::new();
    h.store()
        .append(req(vec![
            ev("organization", json!(0)),
            ev("program-a", json!(0)),
            ev("program-b", json!(0)),
        ]))
        .unwrap();
    let before = export_all(h.store());
    let batch = vec![
        ev("organization", json!(1)),
        ev("program-a", json!(2)),
        ev("program-b", json!(3)),
        ev("program-c", json!(4)),
        ev("program-a", json!(5)),
        ev("organization", json!(6)),
    ];
    let wrong = req(batch.clone())
        .expect("organization", 1)
        .expect("program-a", 1)
        .expect("program-b", 7)
        .expect("program-c", 0);
    let err = h.store().append(wrong).unwrap_err();
    assert_eq!(conflict(err).1[2], ("program-b".to_string(), 1));
    assert_unchanged(h.store(), &before);
    assert_eq!(h.store().stream_version("program-c"), 0);
    assert_eq!(h.store().stream_version("program-a"), 1);
    h.restart();
    assert_unchanged(h.store(), &before);

    // Nothing of the rejected batch was kept, not even its ids.
    let ok = h
        .store()
        .append(
            req(batch)
                .expect("organization", 1)
                .expect("program-a", 1)
                .expect("program-b", 1)
                .expect("program-c", 0),
        )
        .unwrap();
    assert!(!ok.duplicate);
    assert_eq!(
        positions(&ok),
        vec![
            (4, "organization", 2),
            (5, "program-a", 2),
            (6, "program-b", 2),
            (7, "program-c", 1),
            (8, "program-a", 3),
            (9, "organization", 3),
        ]
    );
    assert_eq!(check_chain(h.store()), 9);
}

/// Guarantee 3: an invalid event anywhere rejects the whole batch, naming the field.
fn invalid_event_rejects_whole_batch<H: Harness>() {
    let h = H::new();
    let s = h.store();
    s.append(req(vec![ev("organization", json!(0))])).unwrap();
    let before = export_all(s);
    let good = || ev("program-a", json!({"ok": 1}));

    // A float in the data.
    let err = s
        .append(req(vec![
            good(),
            good(),
            ev("program-a", json!({"x": {"rate": 0.5}})),
        ]))
        .unwrap_err();
    let (field, message) = invalid(err);
    assert_eq!(field, "events[2].data");
    assert!(message.contains("$.x.rate"), "{message}");

    // A bad stream name.
    for bad in [
        "Program-A",
        "program-",
        "program-a_b",
        "prog",
        "organizations",
        "",
    ] {
        let err = s
            .append(req(vec![good(), ev(bad, json!(1)), good()]))
            .unwrap_err();
        assert_eq!(invalid(err).0, "events[1].stream", "{bad:?}");
    }
    let long_slug = format!("program-{}", "a".repeat(65));
    let err = s
        .append(req(vec![good(), ev(&long_slug, json!(1))]))
        .unwrap_err();
    assert_eq!(invalid(err).0, "events[1].stream");
    let err = s
        .append(req(vec![good()]).expect("Organization", 1))
        .unwrap_err();
    assert_eq!(invalid(err).0, "expected[0].stream");

    // Oversize: the limit is on the stored record (envelope and data), exactly 64 KiB.
    let stream = "program-a";
    let actor = "tester";
    let ty = "Noted";
    // Format 2: header with its nonce (182 + 16), the personal keys' count (2), the string
    // lengths (6), the strings, the data's quotes (2) and the `{"v":…}` wrapper (6).
    let fixed = 198 + 2 + 6 + stream.len() + ty.len() + actor.len() + 2 + 6;
    let exactly = |extra: usize| ev(stream, json!("x".repeat(MAX_EVENT_BYTES - fixed + extra)));
    let err = s.append(req(vec![good(), exactly(1)])).unwrap_err();
    let (field, message) = invalid(err);
    assert_eq!(field, "events[1].data");
    assert!(message.contains("65536"), "{message}");
    let err = s
        .append(req(vec![ev(
            stream,
            json!({"blob": "y".repeat(70 * 1024)}),
        )]))
        .unwrap_err();
    assert_eq!(invalid(err).0, "events[0].data");

    // Other malformed requests.
    let err = s.append(req(vec![])).unwrap_err();
    assert_eq!(invalid(err).0, "events");
    let dup = good();
    let err = s.append(req(vec![dup.clone(), dup])).unwrap_err();
    assert_eq!(invalid(err).0, "events[1].id");
    let err = s
        .append(req(vec![good(), good().with_id(Uuid::nil())]))
        .unwrap_err();
    assert_eq!(invalid(err).0, "events[1].id");
    let err = s
        .append(req(vec![NewEvent::new(
            "program-a",
            "bad type!",
            1,
            json!(1),
        )]))
        .unwrap_err();
    assert_eq!(invalid(err).0, "events[0].type");
    let err = s
        .append(req(vec![NewEvent::new("program-a", "T", 0, json!(1))]))
        .unwrap_err();
    assert_eq!(invalid(err).0, "events[0].schema");
    let err = s.append(AppendRequest::new("", vec![good()])).unwrap_err();
    assert_eq!(invalid(err).0, "actor");
    let err = s
        .append(req(vec![ev(
            "program-a",
            json!({"$redacted": {"at": "x", "by": "y", "reason": "z"}}),
        )]))
        .unwrap_err();
    assert_eq!(invalid(err).0, "events[0].data");
    let err = s
        .append(
            req(vec![good(), ev("program-a", json!(1)).with_id(Uuid::nil())])
                .expect("program-a", 0),
        )
        .unwrap_err();
    assert_eq!(invalid(err).0, "events[1].id");
    assert_unchanged(s, &before);

    // The largest allowed event is accepted and stored whole.
    let ok = s.append(req(vec![exactly(0)])).unwrap();
    assert_eq!(positions(&ok), vec![(2, "program-a", 1)]);
    assert_eq!(s.get(2).unwrap().as_bytes().len(), MAX_EVENT_BYTES);
    assert_eq!(check_chain(s), 2);
    assert!(h.verify().is_ok());
}

/// Guarantee 4, checked now and after a restart: ids before versions; an identical re-append
/// returns the original result and stores nothing; changed content or a partly stored batch
/// is `IdReused` and stores nothing.
fn idempotent_appends<H: Harness>() {
    let mut h = H::new();
    let back = Timestamp::from_ymd_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let original = req(vec![
        ev("organization", json!({"k": 1})),
        NewEvent {
            correlation_id: Some(Uuid::from_u128(77)),
            ..ev("program-a", json!({"k": 2})).occurred_at(back)
        },
        ev("program-a", json!({"k": 3})),
    ])
    .expect("organization", 0)
    .expect("program-a", 0);
    let first = h.store().append(original.clone()).unwrap();
    assert!(!first.duplicate);
    // Versions move on: the retry's expectations are now stale, yet ids come first.
    h.store()
        .append(req(vec![
            ev("organization", json!(9)),
            ev("program-a", json!(9)),
        ]))
        .unwrap();

    for round in 0..2 {
        let s = h.store();
        let before = export_all(s);
        let retry = s.append(original.clone()).unwrap();
        assert_eq!(
            retry,
            Appended {
                events: first.events.clone(),
                duplicate: true
            },
            "round {round}"
        );
        // A retry of a part of the batch (every id stored, identically) is a duplicate too.
        let part = req(vec![original.events[2].clone()]);
        assert_eq!(
            s.append(part).unwrap(),
            Appended {
                events: vec![first.events[2].clone()],
                duplicate: true
            }
        );

        // The same id with different content.
        let changes: Vec<fn(&mut NewEvent)> = vec![
            |e| e.data = json!({"k": 2, "changed": true}),
            |e| e.stream = "program-b".into(),
            |e| e.event_type = "Other".into(),
            |e| e.schema = 2,
            |e| e.occurred_at = Timestamp::from_ymd_hms(2026, 1, 1, 0, 0, 1),
            |e| e.correlation_id = None,
            |e| e.causation_id = Some(Uuid::from_u128(5)),
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut changed = original.clone();
            change(&mut changed.events[1]);
            let (id, reason) = id_reused(s.append(changed).unwrap_err());
            assert_eq!(id, original.events[1].id, "change {i}");
            assert!(reason.contains("different"), "change {i}: {reason}");
        }
        // Leaving out the business time the original gave is not a change: the writer did
        // not restate it, and the stored one stands.
        let mut unstated = original.clone();
        unstated.events[1].occurred_at = None;
        assert_eq!(s.append(unstated).unwrap(), retry);
        // A partly stored batch: one new id next to stored ones.
        let fresh = ev("program-a", json!({"k": 4}));
        let mut partly = original.clone();
        partly.events.push(fresh.clone());
        let (_, reason) = id_reused(s.append(partly).unwrap_err());
        assert!(reason.contains("partly"), "{reason}");
        let partly = req(vec![fresh.clone(), original.events[0].clone()]);
        let (id, reason) = id_reused(s.append(partly).unwrap_err());
        assert_eq!(id, original.events[0].id);
        assert!(reason.contains("partly"), "{reason}");
        // A stored id with changed content wins over a wrong version: ids are checked first.
        let mut changed = req(vec![
            ev("program-a", json!(0)).with_id(original.events[0].id)
        ]);
        changed = changed.expect("program-a", 99);
        id_reused(s.append(changed).unwrap_err());
        assert_unchanged(s, &before);
        // The fresh id was not consumed; stored ids are found where they landed.
        assert_eq!(s.find_id(&fresh.id).unwrap(), None);
        for e in &first.events {
            assert_eq!(s.find_id(&e.id).unwrap(), Some(e.seq));
        }
        if round == 1 {
            let ok = s.append(req(vec![fresh])).unwrap();
            assert!(!ok.duplicate);
        }
        h.restart();
    }
    assert!(h.verify().is_ok());
}

/// Redaction keeps the chain valid, `verify` lists it, the data is the marker, export still
/// parses and restores identically; an identical retry of the erased event stays a duplicate.
fn redaction<H: Harness>() {
    let mut h = H::new();
    let mut secret = ev(
        "program-a",
        json!({"name": "Ana Pérez", "email": "ana@example.org", "level": 3}),
    );
    secret.personal = vec!["name".into(), "email".into()];
    let s = h.store();
    s.append(req(vec![ev("organization", json!(1))])).unwrap();
    let appended = s.append(req(vec![secret.clone()])).unwrap();
    s.append(req(vec![ev("program-a", json!(3))])).unwrap();
    let before = s.get(2).unwrap();
    let head = s.head();

    s.redact(2, "admin", "erasure request").unwrap();
    let after = s.get(2).unwrap();
    assert!(after.is_redacted());
    let marker = after.data_value().unwrap();
    assert_eq!(marker["$redacted"]["by"], json!("admin"));
    assert_eq!(marker["$redacted"]["reason"], json!("erasure request"));
    assert!(is_log_time(marker["$redacted"]["at"].as_str().unwrap()));
    assert!(record::is_redaction_marker(&marker));
    assert_eq!(marker.as_object().unwrap().len(), 1);
    assert!(!String::from_utf8_lossy(&after.to_line()).contains("Ana"));
    assert_eq!(after.hash(), before.hash());
    assert_eq!(after.data_hash(), before.data_hash());
    assert_eq!(after.prev_hash(), before.prev_hash());
    assert_eq!(after.seq(), 2);
    assert_eq!(s.read_stream("program-a", 1).unwrap()[0], after);
    assert_eq!(s.head(), head);
    // Idempotent: redacting again changes nothing.
    s.redact(2, "someone-else", "again").unwrap();
    assert_eq!(s.get(2).unwrap(), after);
    assert!(matches!(
        s.redact(9, "admin", "x"),
        Err(StoreError::NoSuchEvent(9))
    ));

    let report = h.verify();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.redactions, vec![2]);
    assert!(report.unverified_redactions.is_empty());
    assert_eq!(check_chain(h.store()), 3);
    // What the redaction kept is checked: the non-personal part, and nothing of the rest.
    assert_eq!(marker["$redacted"]["kept"], json!({"level": 3}));
    assert!(!String::from_utf8_lossy(&after.to_line()).contains("example.org"));
    assert_eq!(after.nonce(), None);

    // Export still parses, line by line, and restores byte-identically.
    let exported = export_all(h.store());
    for line in exported.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        parse_line(line).unwrap();
    }
    let copy = H::new();
    jsonl::import(copy.store(), &mut Cursor::new(&exported), false, "x").unwrap();
    assert_eq!(export_all(copy.store()), exported);
    assert_eq!(copy.verify().redactions, vec![2]);

    // The original writer retrying: the content it would be compared with is gone (the
    // erasure left no unsalted hash of it either), so it is refused, never stored twice.
    let _ = appended;
    let retry = h.store().append(req(vec![secret.clone()])).unwrap_err();
    assert!(
        matches!(&retry, StoreError::IdReused { reason, .. } if reason.contains("erased")),
        "{retry:?}"
    );
    h.restart();
    assert!(h.store().get(2).unwrap().is_redacted());
    assert_eq!(h.verify().redactions, vec![2]);
    assert!(h.store().append(req(vec![secret])).is_err());
    assert_eq!(h.store().head(), head);
    // Appending after a redaction keeps chaining.
    h.store()
        .append(req(vec![ev("program-a", json!(4))]))
        .unwrap();
    assert_eq!(check_chain(h.store()), 4);
    assert!(h.verify().is_ok());
}

/// Guarantee 7: `verify` names the first bad seq for each kind of damage.
fn verify_detects_tampering<H: Harness>() {
    let good = build_chain(&chain_specs());
    let h = H::new();
    h.store().restore(good.clone()).unwrap();
    let report = h.verify();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, 6);
    assert_eq!(report.streams, 3);
    assert_eq!(report.head_hash, hex(&good[5].hash()));
    check_chain(h.store());

    let cases: Vec<(&str, Vec<RecordedEvent>, u64, &str)> = vec![
        {
            // Data altered, data_hash kept: the chain is intact but the data is not.
            let mut log = good.clone();
            let data = br#"{"n":33}"#.to_vec();
            log[2] = doctor(&log[2], false, |e| e.data = &data);
            ("data", log, 3, "data_hash")
        },
        {
            // Envelope altered (actor), hash kept.
            let mut log = good.clone();
            log[3] = doctor(&log[3], false, |e| e.actor = "mallory");
            ("envelope", log, 4, "envelope")
        },
        {
            // Occurred_at back-dated after the fact, hash kept.
            let mut log = good.clone();
            log[4] = doctor(&log[4], false, |e| e.occurred_at = Timestamp::EPOCH);
            ("time", log, 5, "envelope")
        },
        {
            // An event rewritten consistently with itself: the next link breaks.
            let mut log = good.clone();
            let data = br#"{"n":99}"#.to_vec();
            log[1] = doctor(&log[1], true, |e| {
                e.data = &data;
                e.data_hash = blake3_of(&data);
            });
            ("rewritten", log, 3, "chain")
        },
        {
            // A wrong prev_hash.
            let mut log = good.clone();
            log[1] = doctor(&log[1], true, |e| e.prev_hash = [7; 32]);
            ("prev", log, 2, "chain")
        },
        {
            // First prev_hash not zeros.
            let mut log = good.clone();
            log[0] = doctor(&log[0], true, |e| e.prev_hash = [1; 32]);
            ("first", log, 1, "chain")
        },
        {
            // A missing event.
            let mut log = good.clone();
            log.remove(3);
            ("gap", log, 4, "missing")
        },
        {
            // A version jump within a stream (re-chained so only the version is wrong).
            let mut log = good.clone();
            log[5] = doctor(&log[5], true, |e| e.version = 4);
            ("version", log, 6, "version")
        },
    ];
    for (name, log, bad_seq, words) in cases {
        let h = H::new();
        h.store().restore(log).unwrap();
        let report = h.verify();
        let problem = report
            .problem
            .unwrap_or_else(|| panic!("{name}: verify missed it"));
        assert_eq!(problem.seq, bad_seq, "{name}: {}", problem.detail);
        assert!(
            problem.detail.contains(words),
            "{name}: {:?} should mention {words:?}",
            problem.detail
        );
    }
}

/// Guarantee 8: export → restore into an empty store → export is byte-identical; the restored
/// store keeps every position and hash, continues the chain and recognises retries.
fn export_restore_is_lossless<H: Harness>() {
    let h = H::new();
    varied_log(&h);
    h.store().redact(3, "admin", "test").unwrap();
    let exported = export_all(h.store());
    assert_eq!(exported.iter().filter(|b| **b == b'\n').count(), 5);
    assert!(exported.ends_with(b"\n"));

    let clock = TestClock::at(t0().plus_seconds(3600));
    let copy = H::with_clock(clock);
    let summary = jsonl::import(copy.store(), &mut Cursor::new(&exported), false, "x").unwrap();
    assert_eq!(
        summary,
        jsonl::ImportSummary {
            events: 5,
            stored: 5,
            restored: true,
            chunks: 1,
            unverified_redactions: vec![],
        }
    );
    assert_eq!(export_all(copy.store()), exported);
    assert_eq!(copy.store().head(), h.store().head());
    assert_eq!(copy.store().streams(), h.store().streams());
    assert_eq!(all(copy.store()), all(h.store()));
    assert!(copy.verify().is_ok());

    // A program export holds just that stream, in order.
    let mut program = Vec::new();
    let n = jsonl::export(copy.store(), Some("program-alpha"), &mut program).unwrap();
    assert_eq!(n, 2);
    let lines: Vec<RecordedEvent> = program
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| parse_line(l).unwrap())
        .collect();
    assert_eq!(lines, copy.store().read_stream("program-alpha", 1).unwrap());

    // The restored store continues the chain and knows the old ids.
    let next = copy
        .store()
        .append(req(vec![ev("program-alpha", json!("next"))]))
        .unwrap();
    assert_eq!(positions(&next), vec![(6, "program-alpha", 3)]);
    assert_eq!(
        copy.store().get(6).unwrap().prev_hash(),
        h.store().head().head_hash
    );
    assert_eq!(
        copy.store().get(6).unwrap().recorded_at(),
        t0().plus_seconds(3600)
    );
    let original = all(h.store());
    let retry_of_first = NewEvent {
        id: original[0].id(),
        ..ev(
            "organization",
            json!({"name": "Org", "z": 1, "a": [1, 2, {"y": null, "b": true}]}),
        )
    };
    let dup = copy.store().append(req(vec![retry_of_first])).unwrap();
    assert!(dup.duplicate);
    assert_eq!(positions(&dup), vec![(1, "organization", 1)]);
    assert_eq!(check_chain(copy.store()), 6);

    // Restoring into a non-empty store is refused.
    let err = jsonl::import(copy.store(), &mut Cursor::new(&exported), false, "x").unwrap_err();
    assert!(
        matches!(err, ImportError::Store(StoreError::NotEmpty { events: 6 })),
        "{err:?}"
    );
    // An empty file restores nothing.
    let empty = H::new();
    let summary = jsonl::import(empty.store(), &mut Cursor::new(b""), false, "x").unwrap();
    assert_eq!(summary.events, 0);
    assert_eq!(empty.store().head().last_seq, 0);
}

/// Guarantee 8: a tampered, reordered or malformed line is rejected by its line number and
/// nothing of the file is stored.
fn restore_rejects_bad_lines<H: Harness>() {
    let source = H::new();
    varied_log(&source);
    source
        .store()
        .append(req(vec![ev("program-b-2", json!({"tail": 1}))]))
        .unwrap();
    let exported = String::from_utf8(export_all(source.store())).unwrap();
    let lines: Vec<String> = exported.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 6);
    let join = |ls: &[String]| ls.iter().map(|l| format!("{l}\n")).collect::<String>();

    let mut cases: Vec<(&str, String, usize, &str)> = Vec::new();
    {
        let mut ls = lines.clone();
        ls[3] = ls[3].replace("just a string", "just a strinG");
        cases.push(("tampered data", join(&ls), 4, "data_hash"));
    }
    {
        let mut ls = lines.clone();
        ls[1] = ls[1].replace("\"actor\":\"tester\"", "\"actor\":\"mallory\"");
        assert_ne!(ls[1], lines[1]);
        cases.push(("tampered envelope", join(&ls), 2, "hash"));
    }
    {
        let mut ls = lines.clone();
        ls[4] = ls[4].replace("\"schema\":1", "\"schema\":2");
        cases.push(("tampered schema", join(&ls), 5, "hash"));
    }
    {
        let mut ls = lines.clone();
        ls.swap(3, 4);
        cases.push(("reordered", join(&ls), 4, "seq"));
    }
    {
        let mut ls = lines.clone();
        ls.remove(2);
        cases.push(("missing line", join(&ls), 3, "seq"));
    }
    {
        let mut ls = lines.clone();
        ls.push(lines[5].clone());
        cases.push(("repeated line", join(&ls), 7, "seq"));
    }
    {
        // A line rewritten consistently with itself (re-hashed): caught by the link.
        let original = parse_line(lines[3].as_bytes()).unwrap();
        let data = br#"{"v":[1]}"#.to_vec();
        let doctored = doctor(&original, true, |e| {
            e.data = &data;
            e.data_hash = record::data_hash_v2(&data, &[], &e.nonce.unwrap()).unwrap();
        });
        let mut ls = lines.clone();
        ls[3] = String::from_utf8(doctored.to_line()).unwrap();
        parse_line(ls[3].as_bytes()).unwrap();
        cases.push(("re-hashed line", join(&ls), 5, "prev_hash"));
    }
    {
        let mut ls = lines.clone();
        ls[3] = "{not json".into();
        cases.push(("malformed", join(&ls), 4, "JSON"));
    }
    {
        let mut ls = lines.clone();
        ls[1] = ls[1].replacen(',', ", ", 1);
        cases.push(("not canonical", join(&ls), 2, "canonical"));
    }
    {
        let mut ls = lines.clone();
        ls[5] = ls[5].replacen("\"seq\":6,", "", 1);
        cases.push(("missing field", join(&ls), 6, "seq"));
    }
    {
        let mut ls = lines.clone();
        ls.insert(2, String::new());
        cases.push(("empty line", join(&ls), 3, "empty"));
    }
    {
        let mut text = join(&lines);
        text.pop();
        cases.push(("no final newline", text, 6, "newline"));
    }
    {
        let mut text = join(&lines);
        text.truncate(text.len() - 40);
        cases.push(("truncated", text, 6, ""));
    }

    let target = H::new();
    for (name, text, line, words) in cases {
        assert_ne!(text, exported, "{name}: the case must change the file");
        let err = jsonl::import(
            target.store(),
            &mut Cursor::new(text.as_bytes()),
            false,
            "x",
        )
        .err()
        .unwrap_or_else(|| panic!("{name}: the file was accepted"));
        match err {
            ImportError::Line { line: got, message } => {
                assert_eq!(got, line, "{name}: {message}");
                assert!(
                    message.contains(words),
                    "{name}: {message:?} should mention {words:?}"
                );
            }
            other => panic!("{name}: expected a line error, got {other:?}"),
        }
        let s = target.store();
        assert_eq!(s.head().last_seq, 0, "{name}: nothing stored");
        assert!(s.iter_from(1).next().is_none(), "{name}");
        assert!(s.streams().is_empty(), "{name}");
    }
    // Nothing leaked (ids included): the intact file restores into the same store afterwards.
    jsonl::import(
        target.store(),
        &mut Cursor::new(exported.as_bytes()),
        false,
        "x",
    )
    .unwrap();
    assert_eq!(export_all(target.store()), exported.as_bytes());
    assert!(target.verify().is_ok());
}

/// Guarantee 8: `import --append` re-sequences and re-chains into a non-empty store (new seq,
/// `recorded_at` and hashes; same ids, `occurred_at`, data, actor, type, schema) and importing
/// the same file again is a no-op.
fn import_append_rechains<H: Harness>() {
    let source = H::new();
    varied_log(&source);
    let exported = export_all(source.store());
    let original = all(source.store());

    let later = t0().plus_seconds(86_400);
    let target = H::with_clock(TestClock::at(later));
    target
        .store()
        .append(req(vec![
            ev("program-local", json!(1)),
            ev("program-local", json!(2)),
        ]))
        .unwrap();
    let head_before = target.store().head();

    let summary = jsonl::import(
        target.store(),
        &mut Cursor::new(&exported),
        true,
        "importer",
    )
    .unwrap();
    assert_eq!(
        summary,
        jsonl::ImportSummary {
            events: 5,
            stored: 5,
            restored: false,
            chunks: 1,
            unverified_redactions: vec![],
        }
    );
    let imported = target.store().read_all(3, 100).unwrap();
    assert_eq!(imported.len(), 5);
    assert_eq!(imported[0].prev_hash(), head_before.head_hash);
    for (new, old) in imported.iter().zip(&original) {
        assert_eq!(new.seq(), old.seq() + 2);
        assert_ne!(new.hash(), old.hash());
        assert_eq!(new.recorded_at(), later);
        assert_eq!(new.id(), old.id());
        assert_eq!(new.occurred_at(), old.occurred_at());
        assert_eq!(new.data_bytes(), old.data_bytes());
        // A new nonce, so a new data hash, over the same content.
        assert_eq!(new.content_hash(), old.content_hash());
        assert_eq!(new.personal(), old.personal());
        assert_eq!(new.actor(), old.actor());
        assert_eq!(new.stream(), old.stream());
        assert_eq!(new.version(), old.version());
        assert_eq!(new.event_type(), old.event_type());
        assert_eq!(new.schema(), old.schema());
        assert_eq!(new.correlation_id(), old.correlation_id());
        assert_eq!(new.causation_id(), old.causation_id());
    }
    assert_eq!(imported[2].actor(), "original-actor");
    assert_eq!(check_chain(target.store()), 7);
    assert!(target.verify().is_ok());

    // Importing the same file again stores nothing.
    let export_before = export_all(target.store());
    let again = jsonl::import(
        target.store(),
        &mut Cursor::new(&exported),
        true,
        "importer",
    )
    .unwrap();
    assert_eq!(again.stored, 0);
    assert_unchanged(target.store(), &export_before);

    // An erased event cannot be appended again; nothing of that file is stored.
    let redacted = H::new();
    varied_log(&redacted);
    redacted.store().redact(2, "admin", "gdpr").unwrap();
    let file = export_all(redacted.store());
    let fresh = H::new();
    fresh
        .store()
        .append(req(vec![ev("organization", json!(0))]))
        .unwrap();
    let err = jsonl::import(fresh.store(), &mut Cursor::new(&file), true, "x").unwrap_err();
    assert!(matches!(err, ImportError::Line { line: 2, .. }), "{err:?}");
    assert_eq!(fresh.store().head().last_seq, 1);
}

/// Guarantee 5: a subscription catches up from any seq, then follows live, with no gap and no
/// duplicate; a new subscription after a restart resumes from where a reader stopped.
fn subscription_catch_up_then_live<H: Harness>() {
    let mut h = H::new();
    for i in 1..=5 {
        h.store()
            .append(req(vec![ev("program-a", json!(i))]))
            .unwrap();
    }
    let mut from_two = subscribe(h.shared(), 2);
    assert_eq!(from_two.position(), 3);
    let mut from_zero = subscribe(h.shared(), 0);
    let mut from_end = subscribe(h.shared(), 5);
    let next_seq = |sub: &mut baton::store::Subscription| sub.try_next().map(|e| e.unwrap().seq());
    assert_eq!(next_seq(&mut from_two), Some(3));
    assert_eq!(next_seq(&mut from_two), Some(4));
    assert_eq!(next_seq(&mut from_two), Some(5));
    assert_eq!(next_seq(&mut from_two), None);
    assert_eq!(next_seq(&mut from_end), None);
    // Live: a batch of three, then one more.
    h.store()
        .append(req(vec![
            ev("program-a", json!(6)),
            ev("organization", json!(7)),
            ev("program-b", json!(8)),
        ]))
        .unwrap();
    h.store()
        .append(req(vec![ev("program-a", json!(9))]))
        .unwrap();
    for want in 6..=9 {
        let got = from_two.blocking_next().unwrap().unwrap();
        assert_eq!(got.seq(), want);
        assert_eq!(got.data_value().unwrap(), json!({ "v": want }));
        assert_eq!(from_end.blocking_next().unwrap().unwrap().seq(), want);
    }
    assert_eq!(next_seq(&mut from_two), None);
    let everything: Vec<u64> = (0..9)
        .map(|_| from_zero.blocking_next().unwrap().unwrap().seq())
        .collect();
    assert_eq!(everything, (1..=9).collect::<Vec<_>>());
    // Failed appends wake nobody and yield nothing.
    let _ = h
        .store()
        .append(req(vec![ev("program-a", json!(0))]).expect("program-a", 0));
    assert_eq!(next_seq(&mut from_zero), None);
    // Async, after a restart, from the middle.
    let stopped_at = 7;
    drop((from_two, from_zero, from_end));
    h.restart();
    let mut sub = subscribe(h.shared(), stopped_at);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let caught_up: Vec<u64> = rt.block_on(async {
        let mut out = Vec::new();
        for _ in 0..2 {
            out.push(sub.next().await.unwrap().unwrap().seq());
        }
        out
    });
    assert_eq!(caught_up, vec![8, 9]);
    h.store()
        .append(req(vec![ev("program-c", json!(10))]))
        .unwrap();
    let live = rt.block_on(sub.next()).unwrap().unwrap();
    assert_eq!((live.seq(), live.stream()), (10, "program-c"));
}

/// Checkpoints are a cache beside the log: saved and read back by name, kept across a restart
/// (sled), and dropped by a redaction, after which a save from a fold that began before it
/// is refused (it may hold the erased data).
fn checkpoints_and_redaction<H: Harness>() {
    let mut h = H::new();
    let s = h.store();
    s.append(req(vec![ev("program-a", json!({"name": "Ana"}))]))
        .unwrap();
    assert_eq!(s.load_checkpoint("view").unwrap(), None);
    assert!(matches!(
        s.load_checkpoint("../x"),
        Err(StoreError::Invalid { .. })
    ));
    let epoch = s.checkpoint_epoch();
    assert!(s.save_checkpoint("view", b"Ana", epoch).unwrap());
    assert!(s.save_checkpoint("other", b"two", epoch).unwrap());
    assert_eq!(
        s.load_checkpoint("view").unwrap().as_deref(),
        Some(&b"Ana"[..])
    );

    // A fold begins (reads the epoch), a redaction comes, the fold tries to save.
    let before_redaction = s.checkpoint_epoch();
    s.redact(1, "admin", "erasure").unwrap();
    assert_eq!(s.load_checkpoint("view").unwrap(), None, "dropped");
    assert_eq!(s.load_checkpoint("other").unwrap(), None, "every one");
    assert!(!s.save_checkpoint("view", b"Ana", before_redaction).unwrap());
    assert_eq!(s.load_checkpoint("view").unwrap(), None, "not brought back");
    let after = s.checkpoint_epoch();
    assert_ne!(after, before_redaction);
    assert!(s.save_checkpoint("view", b"redacted", after).unwrap());
    h.restart();
    let kept = h.store().load_checkpoint("view").unwrap();
    // Memory stores lose everything on restart; sled keeps its checkpoint files.
    assert!(kept.is_none() || kept.as_deref() == Some(&b"redacted"[..]));
}

macro_rules! contract {
    ($name:ident, $harness:ty: $($test:ident),* $(,)?) => {
        mod $name {
            $(
                #[test]
                fn $test() {
                    super::$test::<$harness>();
                }
            )*
        }
    };
}

macro_rules! both {
    ($($test:ident),* $(,)?) => {
        contract!(memory, super::Memory: $($test),*);
        contract!(sled, super::Sled: $($test),*);
    };
}

both!(
    gapless_seq_and_versions,
    envelope_fields_and_formats,
    recorded_at_is_monotonic,
    conflict_on_one_stream,
    conflict_on_several_streams,
    atomic_batch_conflict_stores_nothing,
    invalid_event_rejects_whole_batch,
    idempotent_appends,
    redaction,
    verify_detects_tampering,
    export_restore_is_lossless,
    restore_rejects_bad_lines,
    import_append_rechains,
    subscription_catch_up_then_live,
    checkpoints_and_redaction,
);
