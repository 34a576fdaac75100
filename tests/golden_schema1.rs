//! A golden log written with schema 1 of `ProgramCreated` (before programs had a `kind`). It is
//! checked in and must load forever: restore, verify, export byte for byte, and decode into the
//! current domain through the upcaster.
//!
//! The file was generated once by `BATON_WRITE_GOLDEN=1 cargo test --test golden_schema1 --
//! --ignored`; never regenerate it to make a test pass: a failure here means old stores no
//! longer load.

use std::io::BufReader;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use baton::app::{self, App, RunOptions};
use baton::domain::events::ProgramKind;
use baton::domain::{Command, Event, Timestamp};
use baton::store::{
    jsonl, verify, AppendRequest, Clock, EventStore, MemoryStore, NewEvent, SledStore,
};
use serde_json::json;

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden/schema1-log.jsonl")
}

/// A clock that moves one minute per reading, from a fixed start.
struct StepClock(AtomicI64);

impl Clock for StepClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.0.fetch_add(60_000_000, Ordering::SeqCst))
    }
}

fn cmd(v: serde_json::Value) -> Command {
    Command::from_json(&v).unwrap()
}

#[test]
#[ignore = "writes the golden fixture; run only to create it"]
fn write_golden_log() {
    if std::env::var("BATON_WRITE_GOLDEN").as_deref() != Ok("1") {
        return;
    }
    let start = Timestamp::from_ymd_hms(2025, 9, 1, 8, 0, 0)
        .unwrap()
        .as_micros();
    let clock: Arc<dyn Clock> = Arc::new(StepClock(AtomicI64::new(start)));
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::with_clock(clock.clone()));
    let app = App::new(store.clone(), clock);
    let opts = RunOptions {
        actor: "coordinator".into(),
        ..RunOptions::default()
    };
    let org = [
        json!({"type": "ConfigureOrganization", "name": "Riverside Public Library", "time_zone": "Europe/Paris"}),
        json!({"type": "AddPerson", "person": "dora", "name": "Dora Ruiz", "department": "management", "branch": "central", "on": "2025-09-01"}),
        json!({"type": "AddPerson", "person": "ann", "name": "Ann Lee", "department": "cataloguing", "branch": "central", "supervisor": "dora", "on": "2025-09-01"}),
        json!({"type": "AddPerson", "person": "bob", "name": "Bob Stone", "department": "cataloguing", "branch": "north", "supervisor": "dora", "on": "2025-09-01"}),
        json!({"type": "AddSkill", "skill": "copy-cataloguing", "name": "Copy cataloguing"}),
    ];
    for c in org {
        app.run(None, &[cmd(c)], &opts).unwrap();
    }
    // ProgramCreated as schema 1 wrote it: no `kind`.
    let created = NewEvent::new(
        "program-pilot",
        "ProgramCreated",
        1,
        json!({"program": "pilot", "title": "Catalogue pilot", "goal": "Central branch catalogues in the new system"}),
    );
    store
        .append(AppendRequest::new("coordinator", vec![created]).expect("program-pilot", 0))
        .unwrap();
    let program = [
        json!({"type": "SetDeadline", "deadline": "2025-12-19"}),
        json!({"type": "InviteTrainer", "person": "bob", "on": "2025-09-02"}),
        json!({"type": "AcceptInvitation", "person": "bob"}),
        json!({"type": "EnrolLearner", "person": "ann", "on": "2025-09-03"}),
        json!({"type": "DefineModule", "module": "m-1", "title": "Searching the new catalogue", "skills": [{"skill": "copy-cataloguing", "level": 2}], "required": true}),
    ];
    for c in program {
        app.run(Some("pilot"), &[cmd(c)], &opts).unwrap();
    }
    let mut out = Vec::new();
    jsonl::export(&*store, None, &mut out).unwrap();
    std::fs::write(golden_path(), out).unwrap();
}

fn golden_bytes() -> Vec<u8> {
    std::fs::read(golden_path()).expect("fixtures/golden/schema1-log.jsonl is checked in")
}

fn check_store(store: &dyn EventStore, golden: &[u8]) {
    let report = verify::verify(store).unwrap();
    assert!(report.is_ok(), "{report:?}");
    let mut out = Vec::new();
    jsonl::export(store, None, &mut out).unwrap();
    assert_eq!(
        out, golden,
        "export after restore must be byte-identical to the golden file"
    );
}

#[test]
fn golden_log_restores_verifies_and_exports_byte_identical() {
    let golden = golden_bytes();
    let memory = MemoryStore::new();
    jsonl::import(&memory, &mut BufReader::new(&golden[..]), false, "test").unwrap();
    check_store(&memory, &golden);

    let dir = tempfile::tempdir().unwrap();
    let sled = SledStore::open(dir.path().join("store")).unwrap();
    jsonl::import(&sled, &mut BufReader::new(&golden[..]), false, "test").unwrap();
    check_store(&sled, &golden);
    assert!(verify::verify_sled(&sled).unwrap().is_ok());
}

#[test]
fn golden_log_holds_a_schema_1_program_created() {
    let golden = String::from_utf8(golden_bytes()).unwrap();
    let line = golden
        .lines()
        .find(|l| l.contains(r#""type":"ProgramCreated""#))
        .expect("a ProgramCreated line");
    assert!(
        line.contains(r#""schema":1"#),
        "the golden event must stay at schema 1: {line}"
    );
    assert!(!line.contains(r#""kind""#), "schema 1 had no kind: {line}");
}

#[test]
fn golden_log_decodes_into_the_current_domain_through_the_upcaster() {
    let golden = golden_bytes();
    let store = Arc::new(MemoryStore::new());
    jsonl::import(&*store, &mut BufReader::new(&golden[..]), false, "test").unwrap();
    let mut created = 0;
    for ev in store.iter_from(1) {
        let fact = app::decode(&ev.unwrap())
            .unwrap()
            .expect("no event of the golden log is redacted");
        if let Event::ProgramCreated(p) = &fact.event {
            assert_eq!(
                p.kind,
                ProgramKind::Training,
                "the upcaster fills kind = training"
            );
            created += 1;
        }
    }
    assert_eq!(created, 1);
    let app = App::new(store, Arc::new(baton::store::SystemClock));
    let (program, version) = app
        .program("pilot")
        .unwrap()
        .expect("the pilot program folds");
    assert_eq!(program.title, "Catalogue pilot");
    assert_eq!(program.kind, ProgramKind::Training);
    assert_eq!(version, 6);
    assert!(program.is_trainer("bob"));
    assert!(program.is_active_learner("ann"));
}
