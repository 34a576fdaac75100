//! Checkpoints change how long a cold start takes, never what it shows: every view folded from
//! a checkpoint equals the same view folded from scratch, and a checkpoint that no longer fits
//! (other code, other schema, another log, an earlier as-of, unreadable bytes) is discarded.

use std::io::BufReader;
use std::sync::Arc;

use baton::app::{parse_as_of, App};
use baton::checkpoint::{self, world_as_of, AtHead, Checkpointed, WORLD};
use baton::demo::DEMO_END;
use baton::domain::events::happened_by;
use baton::domain::Timestamp;
use baton::projections::dashboard::Dashboard;
use baton::projections::programs::ProgramSummary;
use baton::projections::risk::SkillsRisk;
use baton::projections::world::World;
use baton::projections::Projection;
use baton::store::{
    jsonl, AppendRequest, EventStore, LockedStore, LogHead, MemoryStore, NewEvent, SledStore,
    StoreConfig, SystemClock,
};

const DEMO: &[u8] = include_bytes!("../fixtures/demo.jsonl");

fn demo_store(dir: &std::path::Path) -> Arc<dyn EventStore> {
    let store = SledStore::open(dir.join("store")).unwrap();
    jsonl::import(&store, &mut BufReader::new(DEMO), false, "test").unwrap();
    Arc::new(store)
}

fn from_scratch(app: &App, t: Timestamp) -> World {
    let mut world = World::default();
    for f in app
        .all_facts()
        .unwrap()
        .iter()
        .filter(|f| happened_by(f.event.type_name(), f.meta.occurred_at, t))
    {
        world.update(&f.meta, &f.event);
    }
    world
}

/// The whole folded world, as JSON: every program, without its event log (which the world's
/// checkpoint leaves out, since no read needs it; the organization's log stays).
fn world_json(world: World) -> serde_json::Value {
    let mut value = serde_json::to_value(world).unwrap();
    for program in value["programs"].as_object_mut().unwrap().values_mut() {
        let log = program["log"].as_object_mut().unwrap();
        log.remove("entries");
        log.remove("trimmed");
    }
    value
}

fn end(app: &App) -> Timestamp {
    parse_as_of(DEMO_END, &app.organization().unwrap().0).unwrap()
}

/// The demo in a sled store under `dir`, its app and the demo's end, with the world's
/// checkpoint saved at the head.
fn demo_with_world_checkpoint(dir: &std::path::Path) -> (Arc<dyn EventStore>, App, Timestamp) {
    let store = demo_store(dir);
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let t = end(&app);
    world_as_of(&app, t).unwrap();
    (store, app, t)
}

/// The log's first practice.
fn first_practice(app: &App) -> baton::app::Fact {
    app.all_facts()
        .unwrap()
        .into_iter()
        .find(|f| f.event.type_name() == "PracticeLogged")
        .unwrap()
}

/// Appends a five-minute copy of the log's first practice (in its program, at its time); gives
/// that first practice.
fn append_practice(app: &App, store: &dyn EventStore) -> baton::app::Fact {
    let practice = first_practice(app);
    let baton::domain::Event::PracticeLogged(logged) = &practice.event else {
        unreachable!()
    };
    let mut data = serde_json::to_value(logged).unwrap();
    data["minutes"] = serde_json::json!(5);
    let ev = NewEvent::new(&practice.meta.stream, "PracticeLogged", 1, data)
        .occurred_at(practice.meta.occurred_at);
    store.append(AppendRequest::new("test", vec![ev])).unwrap();
    practice
}

/// A void of `practice` (a `PracticeLogged`), in its program, at its time.
fn void_of(practice: &baton::app::Fact) -> NewEvent {
    NewEvent::new(
        &practice.meta.stream,
        "EventVoided",
        1,
        serde_json::json!({
            "event_id": practice.meta.id,
            "stream": "program",
            "voided_type": "PracticeLogged",
            "reason": "logged twice",
            "corrected": false,
        }),
    )
    .occurred_at(practice.meta.occurred_at)
}

#[test]
fn a_checkpoint_is_saved_then_used_and_gives_the_same_view() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(demo_store(dir.path()), Arc::new(SystemClock));
    let t = end(&app);
    let (first, p1) = world_as_of(&app, t).unwrap();
    assert_eq!(
        (p1.from_seq, p1.saved),
        (0, true),
        "the first read folds everything and saves"
    );
    let (second, p2) = world_as_of(&app, t).unwrap();
    assert_eq!(
        p2.from_seq,
        app.store().head().last_seq,
        "the second read starts from the checkpoint"
    );
    assert_eq!(p2.replayed, 0);
    let expected = world_json(from_scratch(&app, t));
    assert_eq!(world_json(first), expected);
    assert_eq!(world_json(second), expected);
}

#[test]
fn events_after_the_checkpoint_are_folded_on_top() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let t = end(&app);
    checkpoint::fold_as_of::<SkillsRisk>(&app, t).unwrap();
    let before = store.head().last_seq;
    // A new assessment that makes a second holder of a single-holder skill, dated inside the
    // demo's window so the as-of still covers it.
    let data = serde_json::json!({"person": "zoe-legrand", "skill": "kiosk-admin", "level": 3, "source": "trainer", "on": "2026-10-30"});
    let ev = NewEvent::new("organization", "SkillAssessed", 1, data)
        .occurred_at(Timestamp::parse_strict("2026-10-30T11:00:00.000000Z").unwrap());
    store.append(AppendRequest::new("test", vec![ev])).unwrap();
    let (risk, p) = checkpoint::fold_as_of::<SkillsRisk>(&app, t).unwrap();
    assert_eq!((p.from_seq, p.replayed), (before, 1));
    let view = serde_json::to_value(risk.result(t)).unwrap();
    assert_eq!(
        view,
        serde_json::to_value(risk_from_scratch(&app, t).result(t)).unwrap()
    );
    let singles: Vec<&str> = view["single_holder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skill"].as_str().unwrap())
        .collect();
    assert_eq!(
        singles,
        vec!["original-cataloguing"],
        "kiosk-admin has two holders now"
    );
}

#[test]
fn an_earlier_as_of_ignores_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(demo_store(dir.path()), Arc::new(SystemClock));
    world_as_of(&app, end(&app)).unwrap();
    let march = parse_as_of("2026-03-31", &app.organization().unwrap().0).unwrap();
    let (world, p) = world_as_of(&app, march).unwrap();
    assert_eq!(
        p.from_seq, 0,
        "events after March are in the checkpoint, so it cannot serve March"
    );
    assert!(!p.saved, "a partial fold is never saved");
    assert_eq!(world_json(world), world_json(from_scratch(&app, march)));
}

#[test]
fn unfit_checkpoints_are_discarded_safely() {
    let dir = tempfile::tempdir().unwrap();
    let (store, app, t) = demo_with_world_checkpoint(dir.path());
    let good = store.load_checkpoint(WORLD).unwrap().unwrap();
    let expected = world_json(from_scratch(&app, t));
    // Each variant changes one thing of the good checkpoint.
    let edit = |key: &str, new: serde_json::Value| -> Vec<u8> {
        let mut value: serde_json::Value = serde_json::from_slice(&good).unwrap();
        value[key] = new;
        serde_json::to_vec(&value).unwrap()
    };
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"not json".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        (
            "other format",
            edit("format", serde_json::json!(World::FORMAT + 1)),
        ),
        ("other code", edit("code", serde_json::json!("0.0.0-other"))),
        (
            "other schema",
            edit("catalogue", serde_json::json!("0".repeat(64))),
        ),
        ("other log", edit("hash", serde_json::json!("1".repeat(64)))),
        ("past the end", edit("seq", serde_json::json!(u64::MAX))),
    ];
    for (what, bytes) in variants {
        store
            .save_checkpoint(WORLD, &bytes, store.checkpoint_epoch())
            .unwrap();
        let (world, p) = world_as_of(&app, t).unwrap();
        assert_eq!(p.from_seq, 0, "{what}: must be discarded");
        assert_eq!(
            world_json(world),
            expected,
            "{what}: same view from scratch"
        );
        assert!(p.saved, "{what}: replaced by a good checkpoint");
    }
}

#[test]
fn a_checkpoint_from_another_log_is_not_used() {
    // Same events restored into one store; the other store holds a different log.
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(demo_store(dir.path()), Arc::new(SystemClock));
    let t = end(&app);
    world_as_of(&app, t).unwrap();
    let saved = app.store().load_checkpoint(WORLD).unwrap().unwrap();

    let other: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    for i in 0..3000 {
        let ev = NewEvent::new(
            "organization",
            "SkillAdded",
            1,
            serde_json::json!({"skill": format!("s{i}"), "name": "x"}),
        );
        other.append(AppendRequest::new("test", vec![ev])).unwrap();
    }
    other
        .save_checkpoint(WORLD, &saved, other.checkpoint_epoch())
        .unwrap();
    let other_app = App::new(other, Arc::new(SystemClock));
    let (world, p) = world_as_of(&other_app, Timestamp::from_micros(i64::MAX / 2)).unwrap();
    assert_eq!(p.from_seq, 0);
    assert_eq!(world.org.skills.len(), 3000);
}

fn dashboard_json(d: &Dashboard, t: Timestamp) -> serde_json::Value {
    serde_json::to_value(d.result(t).unwrap()).unwrap()
}

fn dashboard_from_scratch(app: &App, slug: &str, t: Timestamp) -> Dashboard {
    let mut d = Dashboard::new(slug);
    for f in app.all_facts().unwrap().iter() {
        if happened_by(f.event.type_name(), f.meta.occurred_at, t) {
            d.update(&f.meta, &f.event);
        }
    }
    d
}

#[test]
fn a_dashboard_checkpoint_is_used_at_the_same_head_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let store = demo_store(dir.path());
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let t = end(&app);
    let expected = dashboard_json(&dashboard_from_scratch(&app, "ils-rollout", t), t);
    let (folded, saved) = checkpoint::dashboard_as_of(&app, "ils-rollout", t).unwrap();
    assert!(saved);
    assert_eq!(dashboard_json(&folded, t), expected);
    let head = store.head();
    drop(app);
    drop(store);

    let locked = LockedStore::open(&path, StoreConfig::default()).unwrap();
    assert_eq!(locked.head(), head, "the high-water mark names the head");
    let bytes = locked
        .load_checkpoint(&checkpoint::dashboard_name("ils-rollout"))
        .unwrap()
        .unwrap();
    let at_head = checkpoint::dashboard_at_head(&bytes, "ils-rollout", head).unwrap();
    assert_eq!(dashboard_json(&at_head.as_of(t).unwrap(), t), expected);
    // Not for another program, not before its events occurred, not at another head.
    assert!(checkpoint::dashboard_at_head(&bytes, "mentoring-2026", head).is_none());
    let march = parse_as_of(
        "2026-03-31",
        checkpoint::dashboard_at_head(&bytes, "ils-rollout", head)
            .unwrap()
            .state()
            .organization(),
    )
    .unwrap();
    assert!(checkpoint::dashboard_at_head(&bytes, "ils-rollout", head)
        .unwrap()
        .as_of(march)
        .is_none());
    let moved = LogHead {
        last_seq: head.last_seq + 1,
        ..head
    };
    assert!(checkpoint::dashboard_at_head(&bytes, "ils-rollout", moved).is_none());
    let other_hash = LogHead {
        head_hash: [7; 32],
        ..head
    };
    assert!(checkpoint::dashboard_at_head(&bytes, "ils-rollout", other_hash).is_none());
    // Each one thing changed: discarded.
    let edit = |key: &str, new: serde_json::Value| -> Vec<u8> {
        let mut value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        value[key] = new;
        serde_json::to_vec(&value).unwrap()
    };
    for (what, bad) in [
        ("garbage", b"{".to_vec()),
        (
            "format",
            edit(
                "format",
                serde_json::json!(checkpoint::DASHBOARD_FORMAT + 1),
            ),
        ),
        ("code", edit("code", serde_json::json!("0.0.0-other"))),
        (
            "catalogue",
            edit("catalogue", serde_json::json!("0".repeat(64))),
        ),
        (
            "name",
            edit("projection", serde_json::json!("dashboard-other")),
        ),
    ] {
        assert!(
            checkpoint::dashboard_at_head(&bad, "ils-rollout", head).is_none(),
            "{what}: must be discarded"
        );
    }

    // After an append the log is read again, and a new checkpoint saved at the new head.
    let store: Arc<dyn EventStore> = Arc::new(locked.open_log().unwrap());
    // (A person, not a skill: a skill is a standing fact, counted whatever the as-of.)
    let ev = NewEvent::new(
        "organization",
        "PersonJoined",
        1,
        serde_json::json!({"person": "p-new", "name": "New", "department": "d", "branch": "b", "supervisor": null, "on": "2026-12-01"}),
    );
    store.append(AppendRequest::new("test", vec![ev])).unwrap();
    assert_ne!(store.head(), head);
    let app = App::new(store.clone(), Arc::new(SystemClock));
    // The new event occurred now, after `t`: a fold as of `t` leaves it out and saves nothing.
    let (_, saved) = checkpoint::dashboard_as_of(&app, "ils-rollout", t).unwrap();
    assert!(!saved);
    let (_, saved) = checkpoint::dashboard_as_of(&app, "ils-rollout", app.now()).unwrap();
    assert!(saved);
    let bytes = store
        .load_checkpoint(&checkpoint::dashboard_name("ils-rollout"))
        .unwrap()
        .unwrap();
    assert!(checkpoint::dashboard_at_head(&bytes, "ils-rollout", store.head()).is_some());
}

#[test]
fn a_dashboard_series_equals_each_day_folded_from_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let org = app.organization().unwrap().0;
    // Out of order, twice the same, before the program, every week of the roll-out, and
    // times within a day (the demo records some events days after they happened).
    let mut at: Vec<Timestamp> = ["2026-06-15", "2025-12-01", "2026-06-15", "2026-02-03"]
        .iter()
        .map(|d| parse_as_of(d, &org).unwrap())
        .collect();
    let start = parse_as_of("2026-01-05", &org).unwrap();
    for week in 0..45 {
        at.push(Timestamp::from_micros(
            start.as_micros() + week * 7 * 86_400_000_000,
        ));
    }
    at.push(Timestamp::from_micros(
        start.as_micros() + 40 * 86_400_000_000 + 3_600_000_000,
    ));
    let series = checkpoint::dashboard_series(&app, "ils-rollout", &at).unwrap();
    assert_eq!(series.len(), at.len());
    for (t, view) in at.iter().zip(series) {
        let expected = dashboard_from_scratch(&app, "ils-rollout", *t).result(*t);
        assert_eq!(
            view.map(|v| serde_json::to_value(v).unwrap()),
            expected.map(|v| serde_json::to_value(v).unwrap()),
            "as of {t:?}"
        );
    }
}

/// Makes copies of the mentoring cohort's first coaching session (another program's event).
fn other_program_copy(store: &dyn EventStore) -> impl Fn() -> NewEvent {
    let first = store
        .iter_from(1)
        .map(Result::unwrap)
        .find(|ev| {
            ev.stream() == "program-mentoring-2026" && ev.event_type() == "CoachingSessionHeld"
        })
        .unwrap();
    move || {
        NewEvent::new(
            first.stream(),
            first.event_type(),
            first.schema(),
            first.data_value().unwrap(),
        )
        .occurred_at(first.occurred_at())
    }
}

/// Rewrites the saved dashboard of `slug` with `edit` applied to its state.
fn edit_saved_dashboard(
    store: &dyn EventStore,
    slug: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) {
    let name = checkpoint::dashboard_name(slug);
    let mut saved: serde_json::Value =
        serde_json::from_slice(&store.load_checkpoint(&name).unwrap().unwrap()).unwrap();
    edit(&mut saved["state"]);
    let bytes = serde_json::to_vec(&saved).unwrap();
    assert!(store
        .save_checkpoint(&name, &bytes, store.checkpoint_epoch())
        .unwrap());
}

#[test]
fn a_dashboard_behind_the_head_folds_the_events_after_its_checkpoint_on_top() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let t = end(&app);
    let slug = "ils-rollout";
    let view = |app: &App, t: Timestamp| {
        let (folded, saved) = checkpoint::dashboard_as_of(app, slug, t).unwrap();
        (dashboard_json(&folded, t), saved)
    };
    assert!(view(&app, t).1);

    // An event of the program, one of the organization, one of another program, then a void
    // (which needs the program's log, saved with the dashboard): each folded on top equals
    // the fold from scratch, and is saved at the new head.
    let practice = append_practice(&app, &*store);
    let joined = NewEvent::new(
        "organization",
        "PersonJoined",
        1,
        serde_json::json!({"person": "p-new", "name": "New", "department": "d", "branch": "b", "supervisor": null, "on": "2026-01-05"}),
    )
    .occurred_at(practice.meta.occurred_at);
    let other = other_program_copy(&*store);
    let void = void_of(&practice);
    let appends = vec![joined, other(), void];
    let (folded, saved) = view(&app, t);
    assert_eq!(
        folded,
        dashboard_json(&dashboard_from_scratch(&app, slug, t), t)
    );
    assert!(saved);
    for ev in appends {
        store.append(AppendRequest::new("test", vec![ev])).unwrap();
        let (folded, saved) = view(&app, t);
        assert_eq!(
            folded,
            dashboard_json(&dashboard_from_scratch(&app, slug, t), t)
        );
        assert!(saved, "saved at the new head");
    }
    let saved: serde_json::Value = serde_json::from_slice(
        &store
            .load_checkpoint(&checkpoint::dashboard_name(slug))
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(saved["seq"], serde_json::json!(store.head().last_seq));

    // That the saved fold is what was folded on: a title altered on disk shows through after
    // the next append, but not for an as-of before what it holds occurred (folded from the
    // streams then), nor once more events came after it than the two streams hold.
    edit_saved_dashboard(&*store, slug, |state| {
        state["world"]["programs"][slug]["title"] = serde_json::json!("Altered on disk");
    });
    append_practice(&app, &*store);
    let (folded, _) = view(&app, t);
    assert_eq!(folded["title"], serde_json::json!("Altered on disk"));
    let mut expected = dashboard_json(&dashboard_from_scratch(&app, slug, t), t);
    expected["title"] = serde_json::json!("Altered on disk");
    assert_eq!(folded, expected);
    let org = app.organization().unwrap().0;
    let march = parse_as_of("2026-03-31", &org).unwrap();
    edit_saved_dashboard(&*store, slug, |state| {
        state["world"]["programs"][slug]["title"] = serde_json::json!("Altered again");
    });
    append_practice(&app, &*store);
    let (early, saved) = view(&app, march);
    assert_eq!(
        early,
        dashboard_json(&dashboard_from_scratch(&app, slug, march), march)
    );
    assert!(!saved, "a fold as of March leaves later events out");
    edit_saved_dashboard(&*store, slug, |state| {
        state["world"]["programs"][slug]["title"] = serde_json::json!("Altered once more");
    });
    let streams =
        store.stream_version("organization") + store.stream_version("program-ils-rollout");
    let many: Vec<NewEvent> = (0..=streams).map(|_| other()).collect();
    store.append(AppendRequest::new("test", many)).unwrap();
    let (folded, _) = view(&app, t);
    assert_eq!(
        folded,
        dashboard_json(&dashboard_from_scratch(&app, slug, t), t)
    );
}

fn risk_from_scratch(app: &App, t: Timestamp) -> SkillsRisk {
    let mut risk = SkillsRisk::default();
    for f in app.all_facts().unwrap().iter() {
        if happened_by(f.event.type_name(), f.meta.occurred_at, t) {
            risk.update(&f.meta, &f.event);
        }
    }
    risk
}

#[test]
fn the_risk_checkpoint_is_compact_follows_the_log_and_answers_at_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let store = demo_store(dir.path());
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let t = end(&app);
    let expected = serde_json::to_value(risk_from_scratch(&app, t).result(t)).unwrap();
    let (risk, p) = checkpoint::fold_as_of::<SkillsRisk>(&app, t).unwrap();
    assert_eq!((p.from_seq, p.saved), (0, true));
    assert_eq!(serde_json::to_value(risk.result(t)).unwrap(), expected);
    let saved = store.load_checkpoint(SkillsRisk::NAME).unwrap().unwrap();
    let world = store.load_checkpoint(WORLD).unwrap();
    assert!(world.is_none(), "risk no longer needs the whole world");
    // From the checkpoint: nothing replayed, same view.
    let (risk, p) = checkpoint::fold_as_of::<SkillsRisk>(&app, t).unwrap();
    assert_eq!((p.from_seq, p.replayed), (store.head().last_seq, 0));
    assert_eq!(serde_json::to_value(risk.result(t)).unwrap(), expected);

    // A voided practice entry leaves the risk fold as it leaves the program.
    let practice = first_practice(&app);
    let slug = practice
        .meta
        .stream
        .strip_prefix("program-")
        .unwrap()
        .to_string();
    let void = baton::domain::Command::from_json(&serde_json::json!({
        "type": "VoidEvent", "event_id": practice.meta.id, "reason": "logged twice"
    }))
    .unwrap();
    app.run(
        Some(&slug),
        &[void],
        &baton::app::RunOptions {
            actor: "test".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let later = app.now();
    let (resumed, p) = checkpoint::fold_as_of::<SkillsRisk>(&app, later).unwrap();
    assert!(p.from_seq > 0 && p.replayed == 1, "{p:?}");
    assert_eq!(
        serde_json::to_value(resumed.result(later)).unwrap(),
        serde_json::to_value(risk_from_scratch(&app, later).result(later)).unwrap()
    );
    let head = store.head();
    drop(app);
    drop(store);

    // At the head, read without the log; a moved head or another name is not used.
    let locked = LockedStore::open(&path, StoreConfig::default()).unwrap();
    let bytes = locked.load_checkpoint(SkillsRisk::NAME).unwrap().unwrap();
    assert!(bytes.len() < saved.len() * 2);
    let at_head =
        AtHead::<SkillsRisk>::load(&bytes, SkillsRisk::NAME, SkillsRisk::FORMAT, head).unwrap();
    assert_eq!(
        serde_json::to_value(at_head.as_of(later).unwrap().result(later)).unwrap(),
        serde_json::to_value(resumed.result(later)).unwrap()
    );
    let moved = LogHead {
        last_seq: head.last_seq - 1,
        ..head
    };
    assert!(
        AtHead::<SkillsRisk>::load(&bytes, SkillsRisk::NAME, SkillsRisk::FORMAT, moved).is_none()
    );
    assert!(AtHead::<SkillsRisk>::load(&bytes, WORLD, SkillsRisk::FORMAT, head).is_none());
}

#[test]
fn program_lines_are_reused_while_their_stream_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let fresh = |app: &App| -> Vec<ProgramSummary> {
        app.program_versions()
            .iter()
            .filter_map(|(slug, _)| app.program(slug).unwrap())
            .map(|(p, v)| ProgramSummary::of(&p, v))
            .collect()
    };
    let lines = checkpoint::programs(&app).unwrap();
    assert_eq!(lines, fresh(&app));
    assert_eq!(lines.len(), 2);

    // Mark the saved lines so that reuse shows.
    let bytes = store
        .load_checkpoint(checkpoint::PROGRAMS)
        .unwrap()
        .unwrap();
    let mut saved: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    for line in saved["state"].as_array_mut().unwrap() {
        line["title"] = serde_json::json!("(saved)");
    }
    let marked = serde_json::to_vec(&saved).unwrap();
    store
        .save_checkpoint(checkpoint::PROGRAMS, &marked, store.checkpoint_epoch())
        .unwrap();
    let reused = checkpoint::programs(&app).unwrap();
    assert!(reused.iter().all(|l| l.title == "(saved)"), "{reused:?}");

    // One program changes: only its line is made again.
    let goal = baton::domain::Command::from_json(&serde_json::json!({
        "type": "SetGoal", "goal": "A new goal"
    }))
    .unwrap();
    app.run(
        Some("mentoring-2026"),
        &[goal],
        &baton::app::RunOptions {
            actor: "test".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let after = checkpoint::programs(&app).unwrap();
    let titles: Vec<(&str, &str)> = after
        .iter()
        .map(|l| (l.program.as_str(), l.title.as_str()))
        .collect();
    assert_eq!(
        titles,
        [
            ("ils-rollout", "(saved)"),
            ("mentoring-2026", "Mentoring cohort 2026")
        ]
    );
    assert_eq!(after[1], fresh(&app)[1]);
    // Another code's or format's list is not used at all.
    let mut other = saved.clone();
    other["format"] = serde_json::json!(checkpoint::PROGRAMS_FORMAT + 1);
    store
        .save_checkpoint(
            checkpoint::PROGRAMS,
            &serde_json::to_vec(&other).unwrap(),
            store.checkpoint_epoch(),
        )
        .unwrap();
    assert_eq!(checkpoint::programs(&app).unwrap(), fresh(&app));
}

#[test]
fn the_world_checkpoint_leaves_the_program_logs_out_and_a_later_void_folds_from_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let (store, app, t) = demo_with_world_checkpoint(dir.path());
    let saved: serde_json::Value =
        serde_json::from_slice(&store.load_checkpoint(WORLD).unwrap().unwrap()).unwrap();
    for (slug, program) in saved["state"]["programs"].as_object().unwrap() {
        assert!(
            program["log"]
                .get("entries")
                .is_none_or(|e| e == &serde_json::json!([])),
            "{slug}: its events are in the checkpoint"
        );
    }
    assert!(!saved["state"]["org"]["log"]["entries"]
        .as_array()
        .unwrap()
        .is_empty());
    // One more ordinary event is folded on top of the checkpoint.
    let practice = first_practice(&app);
    let before = store.head().last_seq;
    let ev = void_of(&practice);
    store.append(AppendRequest::new("test", vec![ev])).unwrap();
    // The void needs the stream's events, which the checkpoint does not have: the world is
    // folded from the start, and equals the fold from scratch.
    let (world, p) = world_as_of(&app, t).unwrap();
    assert_eq!((p.from_seq, p.replayed), (0, before + 1));
    let slug = practice.meta.stream.trim_start_matches("program-");
    assert!(world.programs[slug].log.is_voided(practice.meta.id));
    assert_eq!(world_json(world), world_json(from_scratch(&app, t)));
}

#[test]
fn a_world_read_for_one_person_decodes_only_what_names_them_and_gives_the_same_views() {
    use baton::checkpoint::{world_for, WorldNeeds};
    use baton::projections::{due, journey};
    let dir = tempfile::tempdir().unwrap();
    let (store, app, t) = demo_with_world_checkpoint(dir.path());
    // One more practice in one program, after the checkpoint.
    let practice = append_practice(&app, &*store);
    let touched = practice
        .meta
        .stream
        .trim_start_matches("program-")
        .to_string();

    let (full, _) = world_as_of(&app, t).unwrap();
    let checkpoint_at = store.head().last_seq - 1;
    let mut partial_somewhere = false;
    for person in full.org.people.keys() {
        let needs = WorldNeeds::new(Some(person), &[]);
        let (world, p) = world_for(&app, t, needs).unwrap();
        assert_eq!((p.from_seq, p.saved), (checkpoint_at, false), "{person}");
        assert!(world.programs.contains_key(&touched), "{person}");
        partial_somewhere |= world.programs.len() < full.programs.len();
        assert_eq!(
            serde_json::to_value(journey::journey_of(&world, person, t)).unwrap(),
            serde_json::to_value(journey::journey_of(&full, person, t)).unwrap(),
            "{person}'s journey"
        );
        let config = due::DueConfig {
            person: Some(person.clone()),
            ..due::DueConfig::default()
        };
        assert_eq!(
            serde_json::to_value(due::due(&world, t, &config)).unwrap(),
            serde_json::to_value(due::due(&full, t, &config)).unwrap(),
            "{person}'s due items"
        );
    }
    assert!(partial_somewhere, "some person is not in every program");
    // One program asked for, by name.
    let other: Vec<String> = full
        .programs
        .keys()
        .filter(|s| **s != touched)
        .cloned()
        .collect();
    let needs = WorldNeeds::new(None, &other);
    let (world, _) = world_for(&app, t, needs).unwrap();
    assert_eq!(world.programs.len(), full.programs.len());
    // A partial read never replaced the checkpoint: the whole world still starts from it.
    let (_, p) = world_as_of(&app, t).unwrap();
    assert_eq!(p.from_seq, checkpoint_at);
}

#[test]
fn a_journey_from_its_saved_parts_equals_the_journey_of_the_whole_world() {
    use baton::domain::program::SessionStatus;
    use baton::projections::journey;
    let dir = tempfile::tempdir().unwrap();
    let (store, app, t) = demo_with_world_checkpoint(dir.path());
    let people: Vec<String> = from_scratch(&app, t).org.people.keys().cloned().collect();
    let check = |at: Timestamp, what: &str| {
        let full = from_scratch(&app, at);
        for person in &people {
            assert_eq!(
                serde_json::to_value(checkpoint::journey(&app, person, at).unwrap()).unwrap(),
                serde_json::to_value(journey::journey_of(&full, person, at)).unwrap(),
                "{person}'s journey {what}"
            );
        }
    };
    check(t, "when first made");
    check(t, "from its saved parts");
    assert!(checkpoint::journey(&app, "nobody", t).unwrap().is_none());

    // The saved parts are what is shown while they hold: a part altered on disk shows through.
    let person = &people[0];
    let name = checkpoint::journey_name(person);
    let saved = store.load_checkpoint(&name).unwrap().unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(&saved).unwrap();
    let (index, slug) = value["state"]["programs"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .find(|(_, p)| !p["part"].is_null())
        .map(|(i, p)| (i, p["program"].as_str().unwrap().to_string()))
        .expect("a program the person is in");
    value["state"]["programs"][index]["part"]["title"] = "altered".into();
    let epoch = store.checkpoint_epoch();
    let altered = serde_json::to_vec(&value).unwrap();
    assert!(store.save_checkpoint(&name, &altered, epoch).unwrap());
    let shown = |at: Timestamp| {
        let view = checkpoint::journey(&app, person, at).unwrap().unwrap();
        let part = view.programs.into_iter().find(|p| p.program == slug);
        part.unwrap().title
    };
    assert_eq!(shown(t), "altered", "a part that holds is reused");
    assert!(store.save_checkpoint(&name, &altered, epoch).unwrap());
    let earlier = t.plus_micros(-86_400_000_000);
    assert_ne!(shown(earlier), "altered", "not for an earlier as-of");
    assert!(store.save_checkpoint(&name, &altered, epoch).unwrap());
    let program = format!("program-{slug}");
    let ev = NewEvent::new(
        &program,
        "GoalSet",
        1,
        serde_json::json!({"goal": "A goal set after the journey was saved"}),
    )
    .occurred_at(t);
    store.append(AppendRequest::new("test", vec![ev])).unwrap();
    assert_ne!(shown(t), "altered", "not once the program changed");
    check(t, "after the program changed");

    // One more practice in one program.
    append_practice(&app, &*store);
    check(t, "after a practice");

    // Time passes a session to come (upcoming until it starts), then the day ends.
    let full = from_scratch(&app, t);
    let start = full
        .programs
        .values()
        .flat_map(|p| p.sessions.values())
        .filter(|s| s.status == SessionStatus::Scheduled && s.time.start > t)
        .map(|s| s.time.start)
        .min()
        .expect("the demo has a session to come");
    check(start.plus_micros(-1), "just before a session starts");
    check(start, "as a session starts");
    check(start.plus_micros(86_400_000_000), "the day after");

    // The organization changes: an assessment.
    let assessed = app
        .all_facts()
        .unwrap()
        .into_iter()
        .find(|f| f.event.type_name() == "SkillAssessed")
        .unwrap();
    let baton::domain::Event::SkillAssessed(a) = &assessed.event else {
        unreachable!()
    };
    let mut data = serde_json::to_value(a).unwrap();
    data["level"] = serde_json::json!(4);
    let ev = NewEvent::new("organization", "SkillAssessed", 1, data)
        .occurred_at(assessed.meta.occurred_at);
    store.append(AppendRequest::new("test", vec![ev])).unwrap();
    check(start.plus_micros(86_400_000_000), "after an assessment");
}
