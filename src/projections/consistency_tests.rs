//! Cross-cutting checks on real logs built from commands: every event survives the codec, and
//! folding a log in two halves (a checkpoint written as JSON and read back, then the rest) gives
//! the same results as folding it at once.

use proptest::prelude::*;
use serde_json::json;

use crate::domain::{codec, Timestamp};

use super::audit::AuditHistory;
use super::dashboard::{tests::rollout, Dashboard};
use super::journey::LearnerJourney;
use super::risk::SkillsRisk;
use super::testlog::TestLog;
use super::Projection;

fn full_log() -> TestLog {
    let mut log = rollout();
    let practice = log.last_id();
    log.at("2026-03-30T09:00:00Z")
        .prog("cat", json!({"type": "VoidEvent", "event_id": practice, "reason": "duplicate"}))
        .prog("cat", json!({"type": "PreparePlan", "team": ["bob"], "notes": "v2"}))
        .prog("cat", json!({"type": "TestRunPlan", "team": ["bob"], "findings": "ok"}))
        .prog("cat", json!({"type": "Congratulate", "people": ["ann"], "milestone": "first search"}))
        .prog("cat", json!({"type": "WithdrawCommitment", "learner": "fay", "reason": "rush"}))
        .prog("cat", json!({"type": "InviteToSession", "session": "s-4", "people": ["carl"]}))
        .prog("cat", json!({"type": "RescheduleSession", "session": "s-4", "start": "2026-05-05T14:00"}))
        .org(json!({"type": "MovePerson", "person": "ann", "department": "cataloguing", "branch": "north"}))
        .org(json!({"type": "ChangeSupervisor", "person": "ann", "supervisor": "gus"}))
        .org(json!({"type": "ErasePerson", "person": "eve"}))
        .prog("cat", json!({"type": "WithdrawLearner", "person": "hal", "reason": "moved"}))
        .prog("m", json!({"type": "CreateProgram", "program": "m", "kind": "mentoring", "title": "M"}))
        .prog("m", json!({"type": "InviteTrainer", "person": "bob"}))
        .prog("m", json!({"type": "DeclineInvitation", "person": "bob"}))
        .prog("m", json!({"type": "InviteTrainer", "person": "dora"}))
        .prog("m", json!({"type": "AcceptInvitation", "person": "dora"}))
        .prog("m", json!({"type": "WithdrawTrainer", "person": "dora"}))
        .prog("m", json!({"type": "ArchiveProgram", "reason": "no mentors"}));
    log
}

#[test]
fn every_event_of_a_real_log_round_trips_through_the_codec() {
    let log = full_log();
    let mut types = std::collections::BTreeSet::new();
    for (meta, ev) in &log.events {
        let enc = codec::encode(ev);
        types.insert(enc.event_type);
        let text = serde_json::to_string(&enc.data).unwrap();
        assert!(!has_float(&enc.data), "no floats in event data: {text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            &codec::decode(enc.event_type, enc.schema, &back).unwrap(),
            ev,
            "seq {}",
            meta.seq
        );
    }
    assert!(types.len() >= 35, "{types:?}");
}

fn has_float(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.is_f64(),
        serde_json::Value::Array(a) => a.iter().any(has_float),
        serde_json::Value::Object(o) => o.values().any(has_float),
        _ => false,
    }
}

fn now() -> Timestamp {
    Timestamp::parse_lenient("2026-04-01T10:00:00Z").unwrap()
}

type Log = [(crate::domain::EventMeta, crate::domain::Event)];

/// Folds `events[..split]`, takes a checkpoint with `checkpoint`, folds the rest from it.
fn fold<P: Projection>(p: P, events: &Log, split: usize, checkpoint: impl Fn(&P) -> P) -> P {
    let mut first = p;
    for (m, e) in &events[..split] {
        first.update(m, e);
    }
    let mut resumed = checkpoint(&first);
    for (m, e) in &events[split..] {
        resumed.update(m, e);
    }
    resumed
}

/// A checkpoint written as JSON and read back, as a checkpoint store would.
fn via_json<P: serde::Serialize + serde::de::DeserializeOwned>(p: &P) -> P {
    serde_json::from_str(&serde_json::to_string(p).unwrap()).unwrap()
}

fn results(events: &Log, split: usize) -> [String; 4] {
    [
        serde_json::to_string(&fold(Dashboard::new("cat"), events, split, via_json).result(now()))
            .unwrap(),
        serde_json::to_string(&fold(SkillsRisk::default(), events, split, via_json).result(now()))
            .unwrap(),
        serde_json::to_string(
            &fold(AuditHistory::new("cat"), events, split, Clone::clone).entries(),
        )
        .unwrap(),
        serde_json::to_string(
            &fold(LearnerJourney::default(), events, split, via_json).result("ann", now()),
        )
        .unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn incremental_equals_from_scratch(split_per_mille in 0usize..=1000) {
        let log = full_log();
        let split = log.events.len() * split_per_mille / 1000;
        prop_assert_eq!(results(&log.events, split), results(&log.events, log.events.len()));
    }
}
