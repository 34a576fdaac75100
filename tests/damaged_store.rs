//! Damaged and foreign stores (`DESIGN.md` §4 guarantee 7; issue 2 item 6).
//!
//! Every case gives a clear [`StoreError`] naming the problem: never a panic, never a silently
//! shorter log, and never a write into a directory that is not a baton store. Where sled
//! shrugs off a corruption (it hit bytes no live page uses), the store must open with every
//! event and verify.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use baton::store::verify::verify_sled;
use baton::store::{AppendRequest, EventStore, NewEvent, SledStore, StoreConfig, StoreError};
use serde_json::json;

const HOLDER_ENV: &str = "BATON_TEST_HOLD_STORE";

/// Appends `n` events (batches of 1–3, on two streams) and closes the store.
fn write_events(dir: &Path, n: u64) {
    let store = SledStore::open(dir).expect("open the store");
    let start = store.head().last_seq;
    let mut written = 0;
    while written < n {
        let size = ((written % 3) + 1).min(n - written);
        let events = (0..size)
            .map(|i| {
                let seq = start + written + i + 1;
                let stream = if seq.is_multiple_of(2) {
                    "organization"
                } else {
                    "program-damage"
                };
                NewEvent::new(
                    stream,
                    "Tested",
                    1,
                    json!({"seq": seq, "pad": "p".repeat(250)}),
                )
            })
            .collect();
        store
            .append(AppendRequest::new("tester", events))
            .expect("append");
        written += size;
    }
    assert_eq!(store.head().last_seq, start + n);
}

fn store_with(n: u64) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = root.path().join("store");
    write_events(&dir, n);
    (root, dir)
}

/// Opens without creating; turns an escaping panic into a test failure naming the case.
fn open_existing(dir: &Path, case: &str) -> Result<SledStore, StoreError> {
    let config = StoreConfig {
        create: false,
        ..StoreConfig::default()
    };
    catch_unwind(AssertUnwindSafe(|| SledStore::open_with(dir, config)))
        .unwrap_or_else(|_| panic!("{case}: opening the store panicked"))
}

fn damaged_detail(result: Result<SledStore, StoreError>, case: &str) -> String {
    match result {
        Err(e @ StoreError::Damaged { .. }) => {
            let text = e.to_string();
            assert!(text.contains("is damaged"), "{case}: {text}");
            let StoreError::Damaged { detail, .. } = e else {
                unreachable!()
            };
            detail
        }
        Err(e) => panic!("{case}: expected Damaged, got {e:?}"),
        Ok(_) => panic!("{case}: expected Damaged, but the store opened"),
    }
}

/// What a corruption led to, when it is allowed: a clear refusal, or every event intact.
#[derive(Debug)]
enum Outcome {
    Refused(String),
    Intact,
}

/// The store either refuses with `Damaged`, or opens holding all `events` and verifies.
fn refused_or_intact(dir: &Path, events: u64, case: &str) -> Outcome {
    match open_existing(dir, case) {
        Err(StoreError::Damaged { detail, .. }) => {
            assert!(!detail.is_empty(), "{case}: the error names the problem");
            Outcome::Refused(detail)
        }
        Err(e) => panic!("{case}: expected Damaged or an intact store, got {e:?}"),
        Ok(store) => {
            assert_eq!(
                store.head().last_seq,
                events,
                "{case}: the store opened with a different number of events"
            );
            let report = catch_unwind(AssertUnwindSafe(|| verify_sled(&store)))
                .unwrap_or_else(|_| panic!("{case}: verify panicked"))
                .unwrap_or_else(|e| panic!("{case}: verify failed: {e}"));
            assert!(report.is_ok(), "{case}: verify found {:?}", report.problem);
            assert_eq!(report.events, events, "{case}: silently fewer events");
            Outcome::Intact
        }
    }
}

/// Every file under `dir` (relative path → contents; directories map to `None`).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in fs::read_dir(dir).expect("list") {
            let path = entry.expect("entry").path();
            let rel = path.strip_prefix(root).expect("relative").to_path_buf();
            if path.is_dir() {
                out.insert(rel, None);
                walk(root, &path, out);
            } else {
                out.insert(rel, Some(fs::read(&path).expect("read")));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("list") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).expect("copy");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Foreign directories and files

#[test]
fn a_non_empty_directory_that_is_not_a_store_is_refused_and_left_untouched() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("photos");
    fs::create_dir_all(dir.join("2025")).unwrap();
    fs::write(dir.join("notes.txt"), b"do not touch").unwrap();
    fs::write(dir.join("2025/cat.jpg"), [0xff, 0xd8, 0xff, 0xe0]).unwrap();
    let before = snapshot(&dir);
    for create in [true, false] {
        let config = StoreConfig {
            create,
            ..StoreConfig::default()
        };
        let err = SledStore::open_with(&dir, config)
            .err()
            .expect("a foreign directory must not open");
        assert!(
            matches!(&err, StoreError::NotAStore { path } if path == &dir.display().to_string()),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("is not a baton store"), "{text}");
        assert!(text.contains(&dir.display().to_string()), "{text}");
        assert_eq!(snapshot(&dir), before, "nothing was written into it");
    }
}

#[test]
fn a_directory_with_a_foreign_marker_is_not_a_store() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("other");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("BATON_STORE"), b"something else entirely\n").unwrap();
    let before = snapshot(&dir);
    let err = SledStore::open(&dir).err().expect("must not open");
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err:?}");
    assert_eq!(snapshot(&dir), before, "nothing was written into it");
}

#[test]
fn a_regular_file_instead_of_a_directory_is_refused_and_left_untouched() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("data.db");
    fs::write(&file, b"a file, not a directory").unwrap();
    let err = SledStore::open(&file).err().expect("a file must not open");
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err:?}");
    assert!(err.to_string().contains("is not a baton store"), "{err}");
    assert_eq!(fs::read(&file).unwrap(), b"a file, not a directory");
    assert_eq!(
        fs::read_dir(root.path()).unwrap().count(),
        1,
        "nothing created"
    );
}

#[test]
fn a_missing_directory_is_not_created_when_creation_is_off() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("nowhere");
    let detail = damaged_detail(open_existing(&dir, "missing"), "missing");
    assert!(detail.contains("does not exist"), "{detail}");
    assert!(!dir.exists());
}

#[test]
fn an_unsupported_store_format_is_refused() {
    let (_root, dir) = store_with(3);
    fs::write(dir.join("BATON_STORE"), b"baton event store\nformat 2\n").unwrap();
    let detail = damaged_detail(open_existing(&dir, "format 2"), "format 2");
    assert!(detail.contains("unsupported store format"), "{detail}");
    assert!(detail.contains("format 2"), "{detail}");
}

// ---------------------------------------------------------------------------------------------
// A store held by another process

/// The holder: does nothing in a normal run; when re-executed by
/// [`a_store_held_by_another_process_names_its_pid`], opens the store, says so, and holds it
/// until its stdin closes.
#[test]
fn hold_store_child() {
    let Some(dir) = std::env::var_os(HOLDER_ENV) else {
        return;
    };
    let store = SledStore::open(&dir).expect("the holder opens the store");
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = write!(out, "\nHELD {}\n", std::process::id());
    let _ = out.flush();
    drop(out);
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(store);
}

#[test]
fn a_store_held_by_another_process_names_its_pid() {
    let (_root, dir) = store_with(2);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "hold_store_child",
            "--nocapture",
            "--test-threads",
            "1",
            "-q",
        ])
        .env(HOLDER_ENV, &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let pid: u32 = loop {
        let line = lines
            .next()
            .expect("the holder reports that it holds the store")
            .unwrap();
        if let Some(pid) = line.strip_prefix("HELD ") {
            break pid.trim().parse().unwrap();
        }
    };
    assert_eq!(pid, child.id());

    let result = SledStore::open(&dir);
    // Release the holder before asserting, so a failure does not leave it running.
    drop(child.stdin.take());
    let status = child.wait().unwrap();
    let err = result.err().expect("a held store must not open");
    assert!(
        matches!(&err, StoreError::InUse { pid: Some(p), .. } if *p == pid),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&format!("in use by pid {pid}")),
        "{err}"
    );
    assert!(status.success(), "the holder exited cleanly");

    // Released: it opens again, with its events.
    let store = SledStore::open(&dir).expect("open after the holder exited");
    assert_eq!(store.head().last_seq, 2);
}

#[test]
fn a_second_open_in_the_same_process_is_in_use() {
    let (_root, dir) = store_with(1);
    let first = SledStore::open(&dir).unwrap();
    let err = SledStore::open(&dir).err().expect("second open must fail");
    assert!(
        matches!(&err, StoreError::InUse { pid: Some(p), .. } if *p == std::process::id()),
        "{err:?}"
    );
    drop(first);
    assert_eq!(SledStore::open(&dir).unwrap().head().last_seq, 1);
}

// ---------------------------------------------------------------------------------------------
// Truncated stores

#[test]
fn an_older_copy_of_sled_under_a_newer_high_water_mark_is_truncated() {
    let (root, dir) = store_with(10);
    let old = root.path().join("old-copy");
    copy_dir(&dir, &old);
    write_events(&dir, 15);
    fs::remove_dir_all(dir.join("sled")).unwrap();
    copy_dir(&old.join("sled"), &dir.join("sled"));

    let detail = damaged_detail(open_existing(&dir, "old sled"), "old sled");
    assert!(detail.contains("truncated"), "{detail}");
    assert!(detail.contains("seq 10"), "names what it holds: {detail}");
    assert!(
        detail.contains("seq 25"),
        "names what was acknowledged: {detail}"
    );
    // Refusing is stable: a second attempt says the same, and the mark was not lowered.
    let again = damaged_detail(open_existing(&dir, "old sled again"), "old sled again");
    assert_eq!(again, detail);
}

#[test]
fn an_older_store_directory_with_a_newer_high_water_mark_is_truncated() {
    let (root, dir) = store_with(7);
    let old = root.path().join("old-copy");
    copy_dir(&dir, &old);
    write_events(&dir, 5);
    fs::copy(dir.join("baton.hwm"), old.join("baton.hwm")).unwrap();
    let detail = damaged_detail(open_existing(&old, "old dir"), "old dir");
    assert!(detail.contains("truncated"), "{detail}");
    assert!(
        detail.contains("seq 7") && detail.contains("seq 12"),
        "{detail}"
    );
}

#[test]
fn a_deleted_sled_directory_is_truncated_not_empty() {
    let (_root, dir) = store_with(4);
    fs::remove_dir_all(dir.join("sled")).unwrap();
    let detail = damaged_detail(open_existing(&dir, "no sled"), "no sled");
    assert!(detail.contains("truncated"), "{detail}");
    assert!(detail.contains("seq 4"), "{detail}");
    assert!(
        !dir.join("sled").exists(),
        "no empty log is created in its place"
    );
}

#[test]
fn a_same_length_log_from_another_store_is_refused() {
    let (_root_a, a) = store_with(6);
    let (_root_b, b) = store_with(6);
    fs::copy(b.join("baton.hwm"), a.join("baton.hwm")).unwrap();
    let detail = damaged_detail(open_existing(&a, "foreign mark"), "foreign mark");
    assert!(detail.contains("seq 6"), "{detail}");
    assert!(detail.contains("acknowledged hash"), "{detail}");
}

// ---------------------------------------------------------------------------------------------
// The high-water mark file

#[test]
fn a_missing_high_water_mark_is_refused() {
    let (_root, dir) = store_with(5);
    fs::remove_file(dir.join("baton.hwm")).unwrap();
    let detail = damaged_detail(open_existing(&dir, "no hwm"), "no hwm");
    assert!(detail.contains("baton.hwm"), "{detail}");
    assert!(!dir.join("baton.hwm").exists(), "not recreated");
}

#[test]
fn an_unreadable_high_water_mark_is_refused() {
    for (case, bytes) in [
        ("empty", Vec::new()),
        ("garbage", vec![0x5a; 128]),
        ("short", b"BATONHWM".to_vec()),
    ] {
        let (_root, dir) = store_with(5);
        fs::write(dir.join("baton.hwm"), &bytes).unwrap();
        let detail = damaged_detail(open_existing(&dir, case), case);
        assert!(detail.contains("baton.hwm"), "{case}: {detail}");
    }
}

#[test]
fn a_torn_newest_high_water_slot_falls_back_to_the_older_one() {
    let (_root, dir) = store_with(5);
    let path = dir.join("baton.hwm");
    let mut bytes = fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 128);
    // Whichever slot is newer, tearing one slot must not lose events: either the other
    // slot is used (an older, lower mark) or the store is refused.
    for slot in 0..2 {
        let saved = bytes.clone();
        bytes[slot * 64 + 20] ^= 0xff;
        fs::write(&path, &bytes).unwrap();
        let case = format!("torn slot {slot}");
        match refused_or_intact(&dir, 5, &case) {
            Outcome::Intact => {}
            Outcome::Refused(detail) => panic!("{case}: one good slot is enough: {detail}"),
        }
        // Opening rewrote the mark; start again from the intact file.
        bytes = saved;
        fs::write(&path, &bytes).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// sled's own files

/// sled's main file.
fn db_file(dir: &Path) -> PathBuf {
    dir.join("sled").join("db")
}

fn corrupt(case: &str, n: u64, damage: impl Fn(&Path)) -> Outcome {
    let (_root, dir) = store_with(n);
    assert!(db_file(&dir).exists(), "sled keeps its log in sled/db");
    damage(&dir);
    let outcome = refused_or_intact(&dir, n, case);
    println!("{case}: {outcome:?}");
    outcome
}

fn overwrite(path: &Path, at: u64, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let file = fs::OpenOptions::new().write(true).open(path).unwrap();
    file.write_all_at(bytes, at).unwrap();
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).unwrap().len()
}

#[test]
fn a_deleted_sled_file_is_refused() {
    let outcome = corrupt("deleted db", 50, |dir| {
        fs::remove_file(db_file(dir)).unwrap()
    });
    assert!(
        matches!(&outcome, Outcome::Refused(d) if d.contains("truncated")),
        "{outcome:?}"
    );
}

#[test]
fn an_emptied_sled_file_is_refused() {
    let outcome = corrupt("emptied db", 50, |dir| {
        fs::OpenOptions::new()
            .write(true)
            .open(db_file(dir))
            .unwrap()
            .set_len(0)
            .unwrap()
    });
    assert!(matches!(outcome, Outcome::Refused(_)), "{outcome:?}");
}

#[test]
fn a_truncated_sled_file_is_refused_or_intact() {
    for fraction in [2, 4, 8] {
        corrupt(&format!("db cut to 1/{fraction}"), 300, |dir| {
            let path = db_file(dir);
            let len = file_len(&path);
            fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .unwrap()
                .set_len(len / fraction)
                .unwrap()
        });
    }
    corrupt("db minus its last 100 bytes", 300, |dir| {
        let path = db_file(dir);
        let len = file_len(&path);
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len.saturating_sub(100))
            .unwrap()
    });
}

#[test]
fn garbage_in_the_middle_of_the_sled_file_is_refused_or_intact() {
    // (case, offset as a fraction of the file's length, byte)
    for (case, (num, den), byte) in [
        ("zeros at 1/2", (1, 2), 0x00u8),
        ("ones at 1/2", (1, 2), 0xff),
        ("garbage at 1/3", (1, 3), 0xa5),
        ("garbage at 2/3", (2, 3), 0x3c),
    ] {
        corrupt(case, 300, |dir| {
            let path = db_file(dir);
            let offset = file_len(&path) * num / den;
            overwrite(&path, offset, &[byte; 512]);
        });
    }
}

#[test]
fn garbage_at_the_end_of_the_sled_file_is_refused_or_intact() {
    corrupt("garbage over the last 256 bytes", 300, |dir| {
        let path = db_file(dir);
        let len = file_len(&path);
        overwrite(&path, len.saturating_sub(256), &[0x77; 256]);
    });
    corrupt("garbage appended", 300, |dir| {
        let path = db_file(dir);
        let len = file_len(&path);
        overwrite(&path, len, &[0x42; 4096]);
    });
}

#[test]
fn single_flipped_bytes_anywhere_in_the_sled_file_are_refused_or_intact() {
    // A sweep of single-byte flips across the file, each on a fresh store.
    let (root, template) = store_with(200);
    let len = file_len(&db_file(&template));
    let steps = 24;
    let mut refused = 0;
    for i in 0..steps {
        let dir = root.path().join(format!("flip-{i}"));
        copy_dir(&template, &dir);
        let offset = len * i / steps + 7;
        let path = db_file(&dir);
        let mut byte = [0u8; 1];
        {
            use std::os::unix::fs::FileExt;
            let f = fs::File::open(&path).unwrap();
            f.read_exact_at(&mut byte, offset).unwrap();
        }
        overwrite(&path, offset, &[byte[0] ^ 0x5a]);
        if let Outcome::Refused(_) = refused_or_intact(&dir, 200, &format!("flip at {offset}")) {
            refused += 1;
        }
    }
    println!("single-byte flips: {refused} of {steps} refused, the rest intact");
}

#[test]
fn damaged_sled_metadata_files_are_refused_or_intact() {
    corrupt("deleted conf", 40, |dir| {
        let _ = fs::remove_file(dir.join("sled").join("conf"));
    });
    corrupt("garbage conf", 40, |dir| {
        fs::write(dir.join("sled").join("conf"), b"\x00\x01garbage").unwrap();
    });
    corrupt_with_snapshot("deleted snapshots", |dir| {
        for path in snapshots(dir) {
            fs::remove_file(path).unwrap();
        }
    });
    corrupt_with_snapshot("garbage snapshot", |dir| {
        for path in snapshots(dir) {
            let len = file_len(&path);
            overwrite(&path, len / 2, &[0xee; 64]);
        }
    });
}

/// Damages a store that has a snapshot (sled writes one when a store is opened again), and
/// checks that the damage touched something.
fn corrupt_with_snapshot(case: &str, damage: impl Fn(&Path)) -> Outcome {
    let n = 40;
    let (_root, dir) = store_with(n);
    drop(open_existing(&dir, case).expect("reopens"));
    let before = snapshots(&dir);
    assert!(
        !before.is_empty(),
        "{case}: the store has a snapshot to damage"
    );
    let contents: Vec<Vec<u8>> = before.iter().map(|p| fs::read(p).unwrap()).collect();
    damage(&dir);
    let after: Vec<Option<Vec<u8>>> = before.iter().map(|p| fs::read(p).ok()).collect();
    assert!(
        after
            .iter()
            .zip(&contents)
            .any(|(a, b)| a.as_ref() != Some(b)),
        "{case}: the damage changed a snapshot"
    );
    let outcome = refused_or_intact(&dir, n, case);
    println!("{case}: {outcome:?}");
    outcome
}

/// sled's snapshot files (`snap.*`) in the store `dir`.
fn snapshots(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir.join("sled"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("snap."))
        })
        .collect()
}

#[test]
fn an_interrupted_creation_is_resumed_not_refused() {
    // A crash between writing the temporary marker and renaming it leaves only
    // `BATON_STORE.tmp`: the directory is still new, and opening creates the store.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("BATON_STORE.tmp"), "baton ev").unwrap();
    let store = baton::store::SledStore::open(&path).unwrap();
    drop(store);
    assert!(path.join("BATON_STORE").exists());
    assert!(!path.join("BATON_STORE.tmp").exists());
}

#[test]
fn a_marker_without_sled_or_high_water_mark_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    drop(baton::store::SledStore::open(&path).unwrap());
    // Everything but the marker (and the lock) gone: not a valid empty store.
    fs::remove_dir_all(path.join("sled")).unwrap();
    fs::remove_file(path.join("baton.hwm")).unwrap();
    let detail = damaged_detail(open_existing(&path, "marker only"), "marker only");
    assert!(
        detail.contains("neither sled's folder nor the high-water mark"),
        "{detail}"
    );
}

#[test]
fn two_openers_creating_one_store_at_once_see_in_use() {
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    let result = baton::store::SledStore::open(&path);
                    // Hold a winner open until every opener has tried.
                    barrier.wait();
                    result.map(|_| ())
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(winners, 1, "round {round}: {results:?}");
        for r in results.into_iter().filter_map(Result::err) {
            assert!(
                matches!(r, StoreError::InUse { .. }),
                "round {round}: a loser got {r:?}, not \"in use\""
            );
        }
    }
}
