//! A program command reads the organization (people, skills, time zone), so its append guards
//! the organization's version too (DESIGN §4.2): if the organization changes between the read
//! and the append, the command fails with a conflict instead of deciding on stale facts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use baton::app::{App, AppError, RunOptions};
use baton::domain::Command;
use baton::store::{
    AppendRequest, Appended, Eraser, EventIter, EventStore, LogHead, MemoryStore, NewEvent,
    RecordedEvent, StoreError, SystemClock,
};
use serde_json::{json, Value};
use uuid::Uuid;

/// A store that, once armed, lets another writer change the organization just before the next
/// append goes through: the race the guard exists for.
struct Interloper {
    inner: MemoryStore,
    armed: AtomicBool,
}

impl EventStore for Interloper {
    fn append(&self, request: AppendRequest) -> Result<Appended, StoreError> {
        if self.armed.swap(false, Ordering::SeqCst) {
            let other = NewEvent::new(
                "organization",
                "PersonLeft",
                1,
                json!({"person": "ann", "on": "2026-03-01"}),
            );
            self.inner
                .append(AppendRequest::new("someone-else", vec![other]))
                .unwrap();
        }
        self.inner.append(request)
    }
    fn iter_from(&self, from_seq: u64) -> EventIter<'_> {
        self.inner.iter_from(from_seq)
    }
    fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_stream(stream, from_version)
    }
    fn get(&self, seq: u64) -> Result<RecordedEvent, StoreError> {
        self.inner.get(seq)
    }
    fn stream_version(&self, stream: &str) -> u64 {
        self.inner.stream_version(stream)
    }
    fn streams(&self) -> Vec<(String, u64)> {
        self.inner.streams()
    }
    fn head(&self) -> LogHead {
        self.inner.head()
    }
    fn erase(
        &self,
        request: Option<AppendRequest>,
        eraser: Box<dyn Eraser>,
    ) -> Result<Option<Appended>, StoreError> {
        self.inner.erase(request, eraser)
    }
    fn restore(&self, records: Vec<RecordedEvent>) -> Result<(), StoreError> {
        self.inner.restore(records)
    }
    fn find_id(&self, id: &Uuid) -> Result<Option<u64>, StoreError> {
        self.inner.find_id(id)
    }
    fn load_checkpoint(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.load_checkpoint(name)
    }
    fn checkpoint_epoch(&self) -> u64 {
        self.inner.checkpoint_epoch()
    }
    fn save_checkpoint(&self, name: &str, bytes: &[u8], epoch: u64) -> Result<bool, StoreError> {
        self.inner.save_checkpoint(name, bytes, epoch)
    }
    fn notifier(&self) -> tokio::sync::broadcast::Receiver<u64> {
        self.inner.notifier()
    }
}

fn cmd(v: Value) -> Command {
    Command::from_json(&v).unwrap()
}

#[test]
fn a_program_command_conflicts_when_the_organization_changed_under_it() {
    let store = Arc::new(Interloper {
        inner: MemoryStore::new(),
        armed: AtomicBool::new(false),
    });
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let opts = RunOptions {
        actor: "coordinator".into(),
        ..RunOptions::default()
    };
    for c in [
        json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "Europe/Paris"}),
        json!({"type": "AddPerson", "person": "ann", "name": "Ann", "department": "d", "branch": "b", "on": "2026-01-05"}),
    ] {
        app.run(None, &[cmd(c)], &opts).unwrap();
    }
    app.run(
        None,
        &[cmd(
            json!({"type": "CreateProgram", "program": "p", "kind": "training", "title": "P"}),
        )],
        &opts,
    )
    .unwrap();
    let before = store.head().last_seq;

    // Ann leaves between the read and the append of her enrolment. The client named the
    // version it saw, so the conflict is returned to it (without a version, `run` decides
    // again on the fresh state: see below).
    store.armed.store(true, Ordering::SeqCst);
    let seen = RunOptions {
        expect_version: Some(1),
        ..opts.clone()
    };
    let err = app
        .run(
            Some("p"),
            &[cmd(json!({"type": "EnrolLearner", "person": "ann"}))],
            &seen,
        )
        .unwrap_err();
    match err {
        AppError::Store(StoreError::Conflict { expected, actual }) => {
            assert!(
                expected.contains(&("organization".to_string(), 2)),
                "{expected:?}"
            );
            assert!(
                actual.contains(&("organization".to_string(), 3)),
                "{actual:?}"
            );
        }
        other => panic!("expected a conflict on the organization stream, got {other}"),
    }
    assert_eq!(
        store.head().last_seq,
        before + 1,
        "only the other writer's event was stored"
    );

    // Retried on fresh state, the rule now sees that Ann has left.
    let err = app
        .run(
            Some("p"),
            &[cmd(json!({"type": "EnrolLearner", "person": "ann"}))],
            &opts,
        )
        .unwrap_err();
    assert!(matches!(err, AppError::Rule(_)), "{err}");
}

#[test]
fn folded_states_follow_other_writers_and_erasures() {
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let other = App::new(store.clone(), Arc::new(SystemClock));
    let opts = RunOptions {
        actor: "coordinator".into(),
        ..RunOptions::default()
    };
    app.run(
        None,
        &[cmd(
            json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "Europe/Paris"}),
        )],
        &opts,
    )
    .unwrap();
    app.run(None, &[cmd(json!({"type": "AddPerson", "person": "ann", "name": "Ann Lee", "department": "d", "branch": "b"}))], &opts).unwrap();
    assert_eq!(app.organization().unwrap().0.name_of("ann"), "Ann Lee");
    // Another writer (another process, another cache) adds a person: this app sees it.
    other.run(None, &[cmd(json!({"type": "AddPerson", "person": "bob", "name": "Bob", "department": "d", "branch": "b"}))], &opts).unwrap();
    let (org, version) = app.organization().unwrap();
    assert_eq!((org.name_of("bob").as_str(), version), ("Bob", 3));
    // An erasure rewrites stored data without a new version of PersonJoined: no stale name.
    app.run(
        None,
        &[cmd(json!({"type": "ErasePerson", "person": "ann"}))],
        &opts,
    )
    .unwrap();
    assert_ne!(app.organization().unwrap().0.name_of("ann"), "Ann Lee");
    assert_ne!(
        other.organization().unwrap().0.name_of("ann"),
        "Ann Lee",
        "a cache folded before the erasure"
    );
}
