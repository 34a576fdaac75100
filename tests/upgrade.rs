//! Opening a store written by the previous version (sled layout 1: per event a record, a
//! stream index key and an id index key, per stream a head key) upgrades it in place to
//! layout 2 (records keyed by seq, one index key per commit), crash-safely.
//!
//! The fixture `fixtures/layout1/store` was written by the release build of commit 5aebb99
//! (the last commit with layout 1): `baton import fixtures/golden/schema1-log.jsonl` (a
//! restore, 11 events) then `baton import --append` of 12 program events of the demo (an
//! append, 12 more), so both writing paths of layout 1 are in it. sled's log file is kept
//! gzipped (`db.gz`: it is 8 MiB, mostly zeros); `fixtures/layout1/export.jsonl` is what the
//! same build exported from it.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;

use baton::store::verify::verify_sled;
use baton::store::{jsonl, AppendRequest, EventStore, NewEvent, SledStore, StoreError};
use serde_json::json;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/layout1");

/// The layout-1 store of the fixture, unpacked into `to`.
fn unpack(to: &Path) {
    let from = Path::new(FIXTURE).join("store");
    fs::create_dir_all(to.join("sled")).unwrap();
    for name in ["BATON_STORE", "baton.hwm"] {
        fs::copy(from.join(name), to.join(name)).unwrap();
    }
    for entry in fs::read_dir(from.join("sled")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name == "db.gz" {
            let mut db = Vec::new();
            flate2::read::GzDecoder::new(fs::File::open(&path).unwrap())
                .read_to_end(&mut db)
                .unwrap();
            fs::write(to.join("sled").join("db"), db).unwrap();
        } else {
            fs::copy(&path, to.join("sled").join(name)).unwrap();
        }
    }
    fs::create_dir_all(to.join("sled").join("blobs")).unwrap();
}

/// The first bytes of the keys of the sled database in `store` (opened directly, closed
/// again): which kinds of key it holds.
fn key_kinds(store: &Path) -> BTreeSet<u8> {
    let db = sled::Config::new()
        .path(store.join("sled"))
        .segment_size(8 << 20)
        .open()
        .unwrap();
    let kinds = db.iter().keys().map(|k| k.unwrap()[0]).collect();
    drop(db);
    kinds
}

fn exported(store: &dyn EventStore) -> Vec<u8> {
    let mut out = Vec::new();
    jsonl::export(store, None, &mut out).unwrap();
    out
}

fn expected_export() -> Vec<u8> {
    fs::read(Path::new(FIXTURE).join("export.jsonl")).unwrap()
}

/// Every event, stream and id of the fixture is in `store`, as layout 1 held it.
fn check_everything_survived(store: &SledStore) {
    let expected = expected_export();
    assert_eq!(exported(store), expected, "the log is byte-identical");
    let report = verify_sled(store).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, 23);

    let mut versions: HashMap<String, u64> = HashMap::new();
    for line in expected.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let line: serde_json::Value = serde_json::from_slice(line).unwrap();
        let seq = line["seq"].as_u64().unwrap();
        let stream = line["stream"].as_str().unwrap();
        let version = line["version"].as_u64().unwrap();
        let id: uuid::Uuid = line["id"].as_str().unwrap().parse().unwrap();
        let ev = store.get(seq).unwrap();
        assert_eq!((ev.stream(), ev.version(), ev.id()), (stream, version, id));
        assert_eq!(store.find_id(&id).unwrap(), Some(seq), "id {id}");
        let by_stream = store.read_stream(stream, version).unwrap();
        assert_eq!(
            by_stream.first().map(|e| e.seq()),
            Some(seq),
            "{stream}@{version}"
        );
        versions.insert(stream.to_string(), version);
    }
    let mut served: Vec<(String, u64)> = store.streams();
    served.sort();
    let mut counted: Vec<(String, u64)> = versions.into_iter().collect();
    counted.sort();
    assert_eq!(served, counted);
    assert!(
        counted.len() >= 2,
        "the fixture has several streams: {counted:?}"
    );
}

/// The store keeps working: appends, an identical retry, a reused id, a version conflict.
fn check_it_keeps_working(store: &SledStore) {
    let head = store.head();
    let org = store.stream_version("organization");
    let event = NewEvent::new("organization", "Noted", 1, json!({ "n": 1 }));
    let request = AppendRequest::new("test", vec![event.clone()]).expect("organization", org);
    let appended = store.append(request.clone()).unwrap();
    assert_eq!(appended.events[0].seq, head.last_seq + 1);
    assert_eq!(appended.events[0].version, org + 1);
    let retry = store.append(request).unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.events[0].seq, head.last_seq + 1);
    // An id layout 1 stored, with other content.
    let first = store.get(1).unwrap();
    let mut reused = NewEvent::new(first.stream(), "Noted", 1, json!({ "other": true }));
    reused.id = first.id();
    assert!(matches!(
        store.append(AppendRequest::new("test", vec![reused])),
        Err(StoreError::IdReused { .. })
    ));
    let stale = AppendRequest::new(
        "test",
        vec![NewEvent::new("organization", "Noted", 1, json!({ "n": 2 }))],
    )
    .expect("organization", org);
    assert!(matches!(
        store.append(stale),
        Err(StoreError::Conflict { .. })
    ));
}

#[test]
fn a_store_in_layout_1_is_upgraded_when_opened_and_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    unpack(&path);
    // Layout 1: records, stream index, stream heads, id index; no layout key.
    assert_eq!(key_kinds(&path), BTreeSet::from(*b"EHIS"));
    let store = SledStore::open(&path).unwrap();
    for leftover in ["sled.upgrading", "sled.old"] {
        assert!(!path.join(leftover).exists(), "{leftover} is left");
    }
    check_everything_survived(&store);
    check_it_keeps_working(&store);
    let head = store.head();
    drop(store);
    // Layout 2: records, one index key per commit, the layout key.
    assert_eq!(key_kinds(&path), BTreeSet::from(*b"CEV"));

    // Opened again: already in layout 2, nothing rewritten, everything there.
    let db = path.join("sled").join("db");
    let before = fs::metadata(&db).unwrap();
    let store = SledStore::open(&path).unwrap();
    assert_eq!(store.head(), head);
    let report = verify_sled(&store).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, 24);
    let export = exported(&store);
    assert!(export.starts_with(&expected_export()));
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        fs::metadata(&db).unwrap().ino(),
        before.ino(),
        "not rewritten"
    );
}

#[test]
fn an_upgrade_interrupted_by_a_crash_ends_one_way_or_the_other() {
    // What a finished upgrade writes, to stage the crash states with.
    let root = tempfile::tempdir().unwrap();
    let upgraded = root.path().join("upgraded");
    unpack(&upgraded);
    drop(SledStore::open(&upgraded).unwrap());

    // 1. Before the first rename: a partial `sled.upgrading` beside the layout-1 database.
    let state = root.path().join("before-rename");
    unpack(&state);
    fs::create_dir_all(state.join("sled.upgrading")).unwrap();
    fs::write(state.join("sled.upgrading").join("db"), b"half written").unwrap();
    let store = SledStore::open(&state).unwrap();
    assert!(!state.join("sled.upgrading").exists());
    check_everything_survived(&store);
    drop(store);

    // 2. Between the two renames: no `sled`, the layout-1 database moved aside.
    let state = root.path().join("between-renames");
    unpack(&state);
    fs::rename(state.join("sled"), state.join("sled.old")).unwrap();
    copy_dir(&upgraded.join("sled"), &state.join("sled.upgrading"));
    let store = SledStore::open(&state).unwrap();
    assert!(!state.join("sled.upgrading").exists());
    assert!(!state.join("sled.old").exists());
    check_everything_survived(&store);
    drop(store);

    // 3. After the second rename, before the old folder was removed.
    let state = root.path().join("after-renames");
    unpack(&state);
    fs::rename(state.join("sled"), state.join("sled.old")).unwrap();
    copy_dir(&upgraded.join("sled"), &state.join("sled"));
    let store = SledStore::open(&state).unwrap();
    assert!(!state.join("sled.old").exists());
    check_everything_survived(&store);
    check_it_keeps_working(&store);
}

#[test]
fn a_restore_and_an_erasure_write_layout_2() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path().join("store")).unwrap();
    jsonl::import(&store, &mut Cursor::new(expected_export()), false, "x").unwrap();
    check_everything_survived(&store);
    store.redact(2, "dpo", "test").unwrap();
    let report = verify_sled(&store).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.redactions, vec![2]);
    check_it_keeps_working(&store);
    drop(store);
    let store = SledStore::open(dir.path().join("store")).unwrap();
    let report = verify_sled(&store).unwrap();
    assert!(report.is_ok(), "{report:?}");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}
