//! Model-based property test of the sled store (`DESIGN.md` §4, guarantees 2–5).
//!
//! Random sequences of operations — appends of 1 to 3 events over 1 to 3 streams with right,
//! wrong or absent expected versions, ids reused identically or with changed content, and
//! restarts (drop and reopen) — are applied both to a real `SledStore` in a temporary
//! directory and to a plain model (a vector of events, a map of versions, a map of ids).
//! After every step the results (positions, duplicate, conflict with actual versions, reused
//! id) and the whole log (seq, stream, version, id, type, data) must agree.

use std::collections::HashMap;
use std::path::Path;

use baton::store::{AppendRequest, EventStore, NewEvent, SledStore, StoreError};
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

const STREAMS: [&str; 3] = ["organization", "program-a", "program-b"];

#[derive(Clone, Debug)]
enum IdChoice {
    Fresh,
    /// The id of a stored event (index modulo the log's length), with identical content.
    Same(usize),
    /// The id of a stored event with changed content: its data, or its stream.
    Changed(usize, bool),
}

#[derive(Clone, Debug)]
enum Expect {
    Right,
    Wrong(u64),
}

#[derive(Clone, Debug)]
enum Op {
    Append {
        /// (stream index, id choice, data)
        events: Vec<(usize, IdChoice, u8)>,
        /// (stream index, expectation); a stream listed twice keeps its first entry.
        expected: Vec<(usize, Expect)>,
    },
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    let id = prop_oneof![
        6 => Just(IdChoice::Fresh),
        2 => any::<usize>().prop_map(IdChoice::Same),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, s)| IdChoice::Changed(i, s)),
    ];
    let expect = prop_oneof![
        3 => Just(Expect::Right),
        1 => (1u64..3).prop_map(Expect::Wrong),
    ];
    let append = (
        prop::collection::vec((0..3usize, id, any::<u8>()), 1..=3),
        prop::collection::vec((0..3usize, expect), 0..=2),
    )
        .prop_map(|(events, expected)| Op::Append { events, expected });
    prop_oneof![10 => append, 1 => Just(Op::Restart)]
}

#[derive(Clone, Debug, PartialEq)]
struct Event {
    seq: u64,
    stream: String,
    version: u64,
    id: Uuid,
    event_type: String,
    data: Value,
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Appended(Vec<(u64, String, u64)>),
    Duplicate(Vec<(u64, String, u64)>),
    Conflict(Vec<(String, u64)>),
    IdReused(Uuid),
}

#[derive(Default)]
struct Model {
    events: Vec<Event>,
    versions: HashMap<String, u64>,
    ids: HashMap<Uuid, usize>,
}

impl Model {
    fn version(&self, stream: &str) -> u64 {
        self.versions.get(stream).copied().unwrap_or(0)
    }

    /// The contract, written as plainly as possible: ids first, then versions, then append.
    fn append(&mut self, events: &[NewEvent], expected: &[(String, u64)]) -> Outcome {
        let found: Vec<(usize, &NewEvent)> = events
            .iter()
            .filter_map(|e| self.ids.get(&e.id).map(|&i| (i, e)))
            .collect();
        if let Some(&(_, first)) = found.first() {
            if found.len() < events.len() {
                return Outcome::IdReused(first.id);
            }
            for &(i, e) in &found {
                let stored = &self.events[i];
                if stored.stream != e.stream
                    || stored.event_type != e.event_type
                    || stored.data != e.data
                {
                    return Outcome::IdReused(e.id);
                }
            }
            return Outcome::Duplicate(
                found
                    .iter()
                    .map(|&(i, _)| {
                        let s = &self.events[i];
                        (s.seq, s.stream.clone(), s.version)
                    })
                    .collect(),
            );
        }
        let actual: Vec<(String, u64)> = expected
            .iter()
            .map(|(s, _)| (s.clone(), self.version(s)))
            .collect();
        if actual != expected {
            return Outcome::Conflict(actual);
        }
        let mut positions = Vec::new();
        for e in events {
            let version = self.version(&e.stream) + 1;
            let seq = self.events.len() as u64 + 1;
            self.versions.insert(e.stream.clone(), version);
            self.ids.insert(e.id, self.events.len());
            self.events.push(Event {
                seq,
                stream: e.stream.clone(),
                version,
                id: e.id,
                event_type: e.event_type.clone(),
                data: e.data.clone(),
            });
            positions.push((seq, e.stream.clone(), version));
        }
        Outcome::Appended(positions)
    }
}

fn outcome(result: Result<baton::store::Appended, StoreError>) -> Outcome {
    match result {
        Ok(a) => {
            let positions = a
                .events
                .iter()
                .map(|e| (e.seq, e.stream.clone(), e.version))
                .collect();
            if a.duplicate {
                Outcome::Duplicate(positions)
            } else {
                Outcome::Appended(positions)
            }
        }
        Err(StoreError::Conflict { actual, .. }) => Outcome::Conflict(actual),
        Err(StoreError::IdReused { id, .. }) => Outcome::IdReused(id),
        Err(other) => panic!("unexpected store error: {other}"),
    }
}

fn open(path: &Path) -> SledStore {
    SledStore::open(path).expect("the store opens")
}

fn log_of(store: &SledStore) -> Vec<Event> {
    store
        .iter_from(1)
        .map(|e| {
            let e = e.unwrap();
            Event {
                seq: e.seq(),
                stream: e.stream().to_string(),
                version: e.version(),
                id: e.id(),
                event_type: e.event_type().to_string(),
                data: e.data_value().unwrap(),
            }
        })
        .collect()
}

/// Turns an abstract operation into a concrete request, resolving reused ids against the
/// model (which the store has agreed with so far).
fn concrete(
    model: &Model,
    next_id: &mut u128,
    events: &[(usize, IdChoice, u8)],
    expected: &[(usize, Expect)],
) -> (Vec<NewEvent>, Vec<(String, u64)>) {
    let mut out: Vec<NewEvent> = Vec::new();
    for (stream, choice, data) in events {
        let mut fresh = || {
            *next_id += 1;
            NewEvent::new(STREAMS[*stream], "Noted", 1, json!({"d": data}))
                .with_id(Uuid::from_u128(*next_id))
        };
        let event = match choice {
            _ if model.events.is_empty() => fresh(),
            IdChoice::Fresh => fresh(),
            IdChoice::Same(i) => {
                let s = &model.events[i % model.events.len()];
                NewEvent::new(&s.stream, &s.event_type, 1, s.data.clone()).with_id(s.id)
            }
            IdChoice::Changed(i, change_stream) => {
                let s = &model.events[i % model.events.len()];
                let mut e =
                    NewEvent::new(&s.stream, &s.event_type, 1, s.data.clone()).with_id(s.id);
                if *change_stream {
                    let at = STREAMS.iter().position(|x| *x == s.stream).unwrap();
                    e.stream = STREAMS[(at + 1) % 3].to_string();
                } else {
                    e.data = json!({"d": s.data["d"].as_u64().unwrap() + 1000});
                }
                e
            }
        };
        // An id appears once per batch (repeating it is a malformed request, not tested here).
        let event = if out.iter().any(|e| e.id == event.id) {
            fresh()
        } else {
            event
        };
        out.push(event);
    }
    let mut exp: Vec<(String, u64)> = Vec::new();
    for (stream, e) in expected {
        let name = STREAMS[*stream].to_string();
        if exp.iter().any(|(s, _)| *s == name) {
            continue;
        }
        let actual = model.version(&name);
        let version = match e {
            Expect::Right => actual,
            Expect::Wrong(d) if actual >= *d && d % 2 == 0 => actual - d,
            Expect::Wrong(d) => actual + d,
        };
        exp.push((name, version));
    }
    (out, exp)
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let mut store = Some(open(&path));
    let mut model = Model::default();
    let mut next_id = 0u128;
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Restart => {
                let s = store.take().unwrap();
                s.close();
                drop(s);
                store = Some(open(&path));
            }
            Op::Append { events, expected } => {
                let (events, expected) = concrete(&model, &mut next_id, events, expected);
                let mut request = AppendRequest::new("model", events.clone());
                for (s, v) in &expected {
                    request = request.expect(s.clone(), *v);
                }
                let got = outcome(store.as_ref().unwrap().append(request));
                let want = model.append(&events, &expected);
                prop_assert_eq!(got, want, "step {}: {:?}", step, op);
            }
        }
        let s = store.as_ref().unwrap();
        prop_assert_eq!(&log_of(s), &model.events, "step {}: the log", step);
        prop_assert_eq!(s.head().last_seq, model.events.len() as u64);
        for name in STREAMS {
            prop_assert_eq!(s.stream_version(name), model.version(name), "{}", name);
        }
    }
    let report = baton::store::verify::verify_sled(store.as_ref().unwrap()).unwrap();
    prop_assert!(report.is_ok(), "{:?}", report);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        max_shrink_iters: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn sled_store_matches_the_model(ops in prop::collection::vec(op(), 1..=40)) {
        run(ops)?;
    }
}
