//! Erasure end to end, on the demo in a real store: it leaves no copy of the erased data in
//! any file of the data directory, covers every event about the person (directly, through a
//! mentoring pair, a follow-up, a commitment), is all or nothing across a crash, and what it
//! keeps is checked by the chain.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn baton(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .env_remove("COLUMNS")
        .arg("--data")
        .arg(data)
        .args(args)
        .env("BATON_ACTOR", "dpo")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn fixture() -> Vec<Value> {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn mentions(v: &Value, person: &str) -> bool {
    match v {
        Value::String(s) => s == person,
        Value::Array(a) => a.iter().any(|x| mentions(x, person)),
        Value::Object(o) => o.values().any(|x| mentions(x, person)),
        _ => false,
    }
}

/// The lines of the log about `person`, found independently of baton's own eraser: naming
/// them, or a pair or follow-up of theirs, or voiding a line about them.
fn about(log: &[Value], person: &str) -> Vec<bool> {
    let mut ids: HashSet<String> = HashSet::new();
    let mut events: HashSet<String> = HashSet::new();
    log.iter()
        .map(|line| {
            let data = &line["data"];
            let link = |key: &str| data[key].as_str().is_some_and(|id| ids.contains(id));
            let voids = data["event_id"]
                .as_str()
                .is_some_and(|id| events.contains(id));
            // A person's joining is about them, not about their supervisor.
            let named = if line["type"] == "PersonJoined" {
                data["person"] == person
            } else {
                mentions(data, person)
            };
            let yes = named || link("pair") || link("follow_up") || voids;
            if yes {
                for key in ["pair", "follow_up"] {
                    if let Some(id) = data[key].as_str() {
                        ids.insert(id.to_string());
                    }
                }
                events.insert(line["id"].as_str().unwrap().to_string());
            }
            yes
        })
        .collect()
}

/// The person's name and the free texts (values of personal fields) found only in lines
/// about them, as they appear in JSON.
fn secrets(log: &[Value], person: &str) -> Vec<String> {
    let flags = about(log, person);
    let texts = |line: &Value| -> Vec<String> {
        let mut out = Vec::new();
        for key in line["personal"].as_array().into_iter().flatten() {
            let value = &line["data"][key.as_str().unwrap()];
            let items: Vec<&Value> = match value {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for item in items {
                if let Some(s) = item.as_str() {
                    let json = serde_json::to_string(s).unwrap();
                    out.push(json[1..json.len() - 1].to_string());
                }
            }
        }
        out
    };
    let elsewhere: HashSet<String> = log
        .iter()
        .zip(&flags)
        .filter(|(_, about)| !**about)
        .flat_map(|(line, _)| texts(line))
        .collect();
    let mut out: Vec<String> = log
        .iter()
        .zip(&flags)
        .filter(|(_, about)| **about)
        .flat_map(|(line, _)| texts(line))
        .filter(|t| t.len() >= 6 && !elsewhere.contains(t))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Every (file, text) where a text is still found in a file of the data directory.
fn leaks(data: &Path, texts: &[String]) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for file in files_under(data) {
        let bytes = std::fs::read(&file).unwrap();
        for text in texts {
            let needle = text.as_bytes();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                out.push((file.clone(), text.clone()));
            }
        }
    }
    out
}

fn first(log: &[Value], event_type: &str, key: &str) -> String {
    nth(log, event_type, key, 0)
}

/// A mentee of another pair than the first one whose pair's free texts are theirs alone.
fn mentee_with_texts(log: &[Value]) -> String {
    (1..)
        .map(|n| nth(log, "MentoringPaired", "mentee", n))
        .find(|p| secrets(log, p).len() >= 2)
        .unwrap()
}

fn nth(log: &[Value], event_type: &str, key: &str, n: usize) -> String {
    log.iter()
        .filter(|l| l["type"] == event_type)
        .nth(n)
        .and_then(|l| l["data"][key].as_str())
        .unwrap()
        .to_string()
}

#[test]
fn erasing_each_kind_of_person_leaves_no_copy_in_any_file() {
    let log = fixture();
    let people = [
        ("learner", first(&log, "LearnerWithdrew", "person")),
        ("trainer", first(&log, "TrainerWithdrew", "person")),
        ("mentor", first(&log, "MentoringPaired", "mentor")),
        // Of another pair than the mentor's, so that each erasure has its own texts.
        ("mentee", mentee_with_texts(&log)),
        (
            "supervisor",
            first(&log, "CommitmentDeclined", "supervisor"),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    ok(&baton(&data, &["demo"]));
    // Checkpoints that hold names and free text: the erasure must drop them too.
    ok(&baton(&data, &["risk"]));
    ok(&baton(&data, &["journey", &people[3].1]));
    ok(&baton(&data, &["programs"]));
    for (kind, person) in &people {
        let texts = secrets(&log, person);
        assert!(
            texts.len() >= 2,
            "{kind} {person}: the test needs a name and free text, found {texts:?}"
        );
        assert!(
            !leaks(&data, &texts).is_empty(),
            "{kind} {person}: the data is on disk before the erasure"
        );
        ok(&baton(&data, &["erase", person]));
        // More reads (new checkpoints) and a reopen, as users would.
        ok(&baton(&data, &["journey", person]));
        ok(&baton(&data, &["risk"]));
        ok(&baton(
            &data,
            &["dashboard", "mentoring-2026", "--as-of", "2026-10-31"],
        ));
        let found = leaks(&data, &texts);
        assert!(
            found.is_empty(),
            "{kind} {person}: still on disk: {found:?}"
        );
    }
    let report = ok(&baton(&data, &["verify"]));
    assert!(report.contains("status      ok"), "{report}");
    assert!(!report.contains("unverified"), "{report}");
    // Nothing else was lost: every event is still there, and the dashboards still fold.
    let exported = ok(&baton(&data, &["export"]));
    assert_eq!(exported.lines().count(), log.len() + people.len());
}

#[test]
fn an_erasure_interrupted_at_any_step_has_happened_wholly_or_not_at_all() {
    let log = fixture();
    let person = first(&log, "MentoringPaired", "mentee");
    let texts = secrets(&log, &person);
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before");
    ok(&baton(&before, &["demo"]));
    let erased = dir.path().join("erased");
    copy_dir(&before, &erased);
    ok(&baton(&erased, &["erase", &person]));
    let export_before = ok(&baton(&before, &["export"]));
    let export_after = ok(&baton(&erased, &["export"]));
    assert_ne!(export_before, export_after);

    // Each state a crash can leave, rebuilt from the two real stores.
    // 1. The rewritten database was being written (or was complete) but not swapped in.
    let state = dir.path().join("not-swapped");
    copy_dir(&before, &state);
    copy_dir(&erased.join("sled"), &state.join("sled.erasing"));
    assert_eq!(ok(&baton(&state, &["export"])), export_before);
    assert!(!state.join("sled.erasing").exists());
    // 2. Between the two renames: no `sled`, the old one moved aside.
    let state = dir.path().join("between-renames");
    copy_dir(&before, &state);
    std::fs::rename(state.join("sled"), state.join("sled.old")).unwrap();
    copy_dir(&erased.join("sled"), &state.join("sled.erasing"));
    assert_eq!(ok(&baton(&state, &["export"])), export_after);
    assert!(!state.join("sled.old").exists() && !state.join("sled.erasing").exists());
    assert!(leaks(&state, &texts).is_empty());
    // 3. Swapped in, the old one not yet removed (and the high-water mark not yet moved).
    let state = dir.path().join("old-left");
    copy_dir(&before, &state);
    std::fs::rename(state.join("sled"), state.join("sled.old")).unwrap();
    copy_dir(&erased.join("sled"), &state.join("sled"));
    assert_eq!(ok(&baton(&state, &["export"])), export_after);
    assert!(!state.join("sled.old").exists());
    assert!(leaks(&state, &texts).is_empty());
    let report = ok(&baton(&state, &["verify"]));
    assert!(report.contains("status      ok"), "{report}");
    // Re-running the erasure of a person already erased completes nothing more and succeeds.
    let again = ok(&baton(&state, &["erase", &person]));
    assert!(again.contains("already erased"), "{again}");
    assert_eq!(ok(&baton(&state, &["export"])), export_after);
}

#[test]
fn a_forged_redaction_is_refused_by_import_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    ok(&baton(&data, &["demo"]));
    let log = fixture();
    let person = first(&log, "MentoringPaired", "mentee");
    ok(&baton(&data, &["erase", &person]));
    let exported = ok(&baton(&data, &["export"]));
    // A real redaction restores and verifies.
    let restored = dir.path().join("restored");
    let file = dir.path().join("backup.jsonl");
    std::fs::write(&file, &exported).unwrap();
    ok(&baton(&restored, &["import", file.to_str().unwrap()]));

    // Change what a redaction kept: the mentee's pair becomes another pair.
    let lines: Vec<&str> = exported.lines().collect();
    let (n, line) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.contains("\"$redacted\"") && l.contains("\"NeedsAssessed\""))
        .unwrap();
    let mut value: Value = serde_json::from_str(line).unwrap();
    let kept = &mut value["data"]["$redacted"]["kept"];
    let pair = kept["pair"].as_str().unwrap().to_string();
    kept["pair"] = Value::String(format!("{pair}-forged"));
    let forged_line = canonical_line(&value);
    let mut forged = lines.clone();
    forged[n] = &forged_line;
    let forged_file = dir.path().join("forged.jsonl");
    std::fs::write(&forged_file, forged.join("\n") + "\n").unwrap();
    let target = dir.path().join("target");
    let out = baton(&target, &["import", forged_file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("line {}", n + 1)) && err.contains("forged redaction"),
        "{err}"
    );
    // Nothing was stored.
    assert_eq!(ok(&baton(&target, &["export"])), "");

    // A hand-made marker on an event that was never erased (a skill level 0 → 4).
    let (n, line) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.contains("\"SkillAssessed\"") && l.contains("\"level\":0"))
        .unwrap();
    let mut value: Value = serde_json::from_str(line).unwrap();
    let mut kept = value["data"].clone();
    kept["level"] = Value::from(4);
    value["data"] = serde_json::json!({"$redacted": {"at": value["recorded_at"], "by": "x", "reason": "x", "kept": kept, "personal_hash": "0".repeat(64)}});
    value["nonce"] = Value::Null;
    let forged_line = canonical_line(&value);
    let mut forged = lines.clone();
    forged[n] = &forged_line;
    std::fs::write(&forged_file, forged.join("\n") + "\n").unwrap();
    let out = baton(&target, &["import", forged_file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("line {}", n + 1)), "{err}");
    assert_eq!(ok(&baton(&target, &["export"])), "");
}

/// A line in baton's field order (the envelope's fixed order, data in canonical form).
fn canonical_line(value: &Value) -> String {
    let order = [
        "format",
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
    let mut out = String::from("{");
    for key in order {
        if let Some(v) = value.get(key) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(key).unwrap());
            out.push(':');
            let bytes = baton::store::canonical::to_vec(v).unwrap();
            out.push_str(std::str::from_utf8(&bytes).unwrap());
        }
    }
    out.push('}');
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn an_erasure_killed_at_a_random_moment_happened_wholly_or_not_at_all() {
    let log = fixture();
    let person = mentee_with_texts(&log);
    let texts = secrets(&log, &person);
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template");
    ok(&baton(&template, &["demo"]));
    let before = ok(&baton(&template, &["export"]));
    let mut outcomes = (0, 0);
    for round in 0..8u64 {
        let data = dir.path().join(format!("round-{round}"));
        copy_dir(&template, &data);
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .env_remove("COLUMNS")
            .arg("--data")
            .arg(&data)
            .args(["erase", &person])
            .env("BATON_ACTOR", "dpo")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread over the erasure's run: from before it starts to after it ends.
        std::thread::sleep(std::time::Duration::from_millis(round * 40));
        let _ = child.kill();
        let _ = child.wait();
        let after = ok(&baton(&data, &["export"]));
        if after == before {
            outcomes.0 += 1;
        } else {
            outcomes.1 += 1;
            let found = leaks(&data, &texts);
            assert!(found.is_empty(), "round {round}: partly erased: {found:?}");
        }
        let report = ok(&baton(&data, &["verify"]));
        assert!(report.contains("status      ok"), "round {round}: {report}");
        // Whatever the kill left, the erasure can be run (again) to its end.
        ok(&baton(&data, &["erase", &person]));
        assert!(leaks(&data, &texts).is_empty(), "round {round}");
    }
    println!(
        "killed erasures: {} not happened, {} complete",
        outcomes.0, outcomes.1
    );
}

#[test]
fn an_erasure_that_reopens_its_fresh_database_leaves_no_copy_and_loses_nothing() {
    use std::sync::Arc;

    use baton::app::{App, RunOptions};
    use baton::domain::Command as DomainCommand;
    use baton::store::verify::verify_sled;
    use baton::store::{jsonl, EventStore, SledStore, StoreConfig, SystemClock};
    // The erasure's rewrite closes and reopens its fresh database every 16 KiB of records:
    // dozens of times over the demo's log.
    let config = || StoreConfig {
        restore_reopen_bytes: 16 << 10,
        ..StoreConfig::default()
    };
    let log = fixture();
    let person = mentee_with_texts(&log);
    let texts = secrets(&log, &person);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let fixture_path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.jsonl");
    {
        let store = SledStore::open_with(&data, config()).unwrap();
        let file = std::fs::File::open(fixture_path).unwrap();
        let options = jsonl::ImportOptions::new(false, "tester");
        jsonl::import_with(&store, &mut std::io::BufReader::new(file), &options).unwrap();
    }
    assert!(
        !leaks(&data, &texts).is_empty(),
        "on disk before the erasure"
    );
    let before = {
        let store = SledStore::open(&data).unwrap();
        let mut out = Vec::new();
        jsonl::export(&store, None, &mut out).unwrap();
        out
    };
    {
        let store: Arc<dyn EventStore> = Arc::new(SledStore::open_with(&data, config()).unwrap());
        let app = App::new(store, Arc::new(SystemClock));
        let erase =
            DomainCommand::from_json(&serde_json::json!({"type": "ErasePerson", "person": person}))
                .unwrap();
        let options = RunOptions {
            actor: "dpo".to_string(),
            ..RunOptions::default()
        };
        app.run(None, &[erase], &options).unwrap();
    }
    let found = leaks(&data, &texts);
    assert!(found.is_empty(), "still on disk: {found:?}");
    let store = SledStore::open(&data).unwrap();
    let report = verify_sled(&store).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events as usize, log.len() + 1);
    // Every line not about the person is exactly as before; theirs keep their envelope and
    // hashes, and those with personal fields are redacted.
    let mut after = Vec::new();
    jsonl::export(&store, None, &mut after).unwrap();
    let (before, after) = (
        String::from_utf8(before).unwrap(),
        String::from_utf8(after).unwrap(),
    );
    let after: Vec<&str> = after.lines().collect();
    assert_eq!(after.len(), log.len() + 1);
    let flags = about(&log, &person);
    for ((old, new), about) in before.lines().zip(&after).zip(&flags) {
        if *about {
            let (old, new): (Value, Value) = (
                serde_json::from_str(old).unwrap(),
                serde_json::from_str(new).unwrap(),
            );
            for key in [
                "seq",
                "stream",
                "version",
                "id",
                "type",
                "data_hash",
                "prev_hash",
                "hash",
            ] {
                assert_eq!(old[key], new[key], "{key} of seq {}", old["seq"]);
            }
            let personal = old["personal"].as_array().is_some_and(|p| !p.is_empty());
            if personal {
                assert_ne!(old["data"], new["data"], "seq {} not redacted", old["seq"]);
            }
        } else {
            assert_eq!(old, *new);
        }
    }
}
