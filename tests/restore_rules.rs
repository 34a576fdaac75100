//! A restore checks every envelope rule before it stores anything: each rule broken by a
//! correctly chained file, refused by its line number with nothing stored. And `import
//! --append` and `baton do` take batches of any size the user gives them.

use std::path::Path;
use std::process::Command;

use baton::domain::Timestamp;
use baton::store::record::{self, blake3_of, Envelope};
use baton::store::{jsonl, AppendRequest, EventStore, MemoryStore, NewEvent, ZERO_HASH};
use serde_json::{json, Value};
use uuid::Uuid;

#[path = "common/cli.rs"]
mod cli;

use cli::run as baton;

/// One event of a hand-built log: (stream, type, schema, actor, data, id).
struct Spec {
    stream: String,
    event_type: String,
    schema: u32,
    actor: String,
    data: Value,
    id: Uuid,
}

fn spec(n: u128, stream: &str, event_type: &str, data: Value) -> Spec {
    Spec {
        stream: stream.into(),
        event_type: event_type.into(),
        schema: 1,
        actor: "builder".into(),
        data,
        id: Uuid::from_u128(n),
    }
}

/// The lines of a correctly chained format-1 log of `specs` (hashes computed, whatever the
/// specs break). The data goes in as given (canonical JSON of any value).
fn chained(specs: &[Spec]) -> String {
    let mut prev = ZERO_HASH;
    let mut versions = std::collections::HashMap::<String, u64>::new();
    let mut out = String::new();
    let t0 = Timestamp::parse_strict("2026-01-05T09:00:00.000000Z").unwrap();
    for (i, s) in specs.iter().enumerate() {
        let v = versions.entry(s.stream.clone()).or_default();
        *v += 1;
        let bytes = baton::store::canonical::to_vec(&s.data).unwrap();
        let at = t0.plus_seconds(i as i64);
        let env = Envelope {
            format: record::FORMAT_1,
            seq: i as u64 + 1,
            stream: &s.stream,
            version: *v,
            id: s.id,
            event_type: &s.event_type,
            schema: s.schema,
            recorded_at: at,
            occurred_at: at,
            actor: &s.actor,
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
        out.push_str(std::str::from_utf8(&env.to_line(&hash)).unwrap());
        out.push('\n');
    }
    out
}

fn good() -> Vec<Spec> {
    vec![
        spec(
            1,
            "organization",
            "OrganizationConfigured",
            json!({"name": "Riverside", "time_zone": "Europe/Paris"}),
        ),
        spec(
            2,
            "organization",
            "SkillAdded",
            json!({"skill": "marc", "name": "MARC"}),
        ),
        spec(
            3,
            "organization",
            "PersonJoined",
            json!({"person": "ann", "name": "Ann Lee", "department": "d", "branch": "b", "supervisor": null, "on": "2026-01-05"}),
        ),
    ]
}

/// Restores `file_text` into a fresh store and expects a refusal naming `line` and `words`,
/// with nothing stored.
fn refused(file_text: &str, line: usize, words: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.jsonl");
    std::fs::write(&file, file_text).unwrap();
    let data = dir.path().join("store");
    let out = baton(&data, &["import", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "accepted a file that breaks {words:?}"
    );
    assert!(
        err.contains(&format!("line {line}")) && err.contains(words),
        "expected line {line} and {words:?}, got: {err}"
    );
    let export = baton(&data, &["export"]);
    assert!(export.status.success());
    assert!(export.stdout.is_empty(), "something was stored");
}

#[test]
fn the_good_file_restores() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.jsonl");
    std::fs::write(&file, chained(&good())).unwrap();
    let data = dir.path().join("store");
    let out = baton(&data, &["import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn each_envelope_rule_is_checked_before_anything_is_stored() {
    let with = |edit: &dyn Fn(&mut Spec)| {
        let mut specs = good();
        edit(&mut specs[1]);
        chained(&specs)
    };
    refused(
        &with(&|s| s.stream = "program-Not_A_Slug".into()),
        2,
        "stream",
    );
    refused(&with(&|s| s.stream = "accounts".into()), 2, "stream");
    refused(
        &with(&|s| s.id = Uuid::from_u128(1)),
        2,
        "already used on line 1",
    );
    refused(
        &with(&|s| s.event_type = "NoSuchThing".into()),
        2,
        "unknown event type",
    );
    refused(&with(&|s| s.event_type = "Bad type!".into()), 2, "type");
    refused(&with(&|s| s.schema = 9), 2, "schema");
    refused(&with(&|s| s.data = json!(["marc", "MARC"])), 2, "object");
    refused(&with(&|s| s.data = json!({"skill": "marc"})), 2, "name");
    refused(&with(&|s| s.actor = "a".repeat(70_000)), 2, "actor");
    refused(&with(&|s| s.actor = "a".repeat(300)), 2, "actor");
    refused(
        &with(&|s| s.data = json!({"skill": "marc", "name": "x".repeat(3_000_000)})),
        2,
        "exceeds the limit",
    );
}

#[test]
fn a_format_1_redaction_needs_to_be_accepted_explicitly() {
    // A format-1 log with one redaction, made by the store itself.
    let store = MemoryStore::new();
    let lines = chained(&good());
    jsonl::import(&store, &mut lines.as_bytes(), false, "x").unwrap();
    store.redact(3, "dpo", "erasure").unwrap();
    let mut exported = Vec::new();
    jsonl::export(&store, None, &mut exported).unwrap();
    let exported = String::from_utf8(exported).unwrap();
    assert!(exported.lines().nth(2).unwrap().contains("$redacted"));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.jsonl");
    std::fs::write(&file, &exported).unwrap();
    refused(&exported, 3, "--accept-unverified-redactions");
    let data = dir.path().join("store");
    let out = baton(
        &data,
        &[
            "import",
            file.to_str().unwrap(),
            "--accept-unverified-redactions",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = baton(&data, &["verify"]);
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(report.status.success(), "{text}");
    assert!(
        text.contains("unverified  1") && text.contains("seq 3"),
        "{text}"
    );
}

#[test]
fn a_restore_can_require_the_head_noted_elsewhere() {
    let lines = chained(&good());
    let last: Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    let head = format!("3:{}", last["hash"].as_str().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.jsonl");
    std::fs::write(&file, &lines).unwrap();
    let wrong = format!("3:{}", "0".repeat(64));
    let data = dir.path().join("a");
    let out = baton(
        &data,
        &["import", file.to_str().unwrap(), "--expect-head", &wrong],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected head"));
    let out = baton(
        &data,
        &["import", file.to_str().unwrap(), "--expect-head", &head],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And `verify --head` checks it still stands.
    let out = baton(&data, &["verify", "--head", &head]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("noted head"));
    let out = baton(&data, &["verify", "--head", &wrong]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("the log was rewritten"));
    let out = baton(&data, &["verify", "--head", "4:abc"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SEQ:HASH"));
}

#[test]
fn an_append_import_of_any_size_goes_in_atomic_chunks() {
    // 25,000 organization events, exported from a store of their own.
    let source = MemoryStore::new();
    let mut events = vec![NewEvent::new(
        "organization",
        "OrganizationConfigured",
        1,
        json!({"name": "Riverside", "time_zone": "Europe/Paris"}),
    )];
    for i in 0..24_999 {
        events.push(NewEvent::new(
            "organization",
            "SkillAdded",
            1,
            json!({"skill": format!("s{i}"), "name": format!("Skill {i}")}),
        ));
    }
    source
        .append(AppendRequest::new("builder", events))
        .unwrap();
    let mut exported = Vec::new();
    jsonl::export(&source, None, &mut exported).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.jsonl");
    std::fs::write(&file, &exported).unwrap();
    let data = dir.path().join("store");
    // A store that already holds a program.
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .env_remove("COLUMNS")
        .arg("--data")
        .arg(&data)
        .args(["do", "pilot", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(
                br#"{"type":"CreateProgram","program":"pilot","kind":"training","title":"P"}"#,
            )?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success());
    let out = baton(&data, &["import", "--append", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("appended 25000 events") && text.contains("3 atomic chunks"),
        "{text}"
    );
    // Again: nothing new.
    let out = baton(&data, &["import", "--append", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("already stored"));
    let report = baton(&data, &["verify"]);
    assert!(report.status.success());
    assert!(String::from_utf8_lossy(&report.stdout).contains("events      25001"));
}

#[test]
fn do_takes_a_batch_of_ten_thousand_commands() {
    let mut batch = String::from(
        r#"{"type":"ConfigureOrganization","name":"Riverside","time_zone":"Europe/Paris"}"#,
    );
    batch.push('\n');
    for i in 0..10_000 {
        batch.push_str(&format!(
            r#"{{"type":"AddSkill","skill":"s{i}","name":"Skill {i}"}}"#
        ));
        batch.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("batch.jsonl");
    std::fs::write(&file, batch).unwrap();
    let data = dir.path().join("store");
    let out = baton(&data, &["do", "organization", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = baton(&data, &["verify"]);
    assert!(String::from_utf8_lossy(&report.stdout).contains("events      10001"));
}

/// `n` organization events (a configuration, then skills), exported as a restore file.
fn big_log(n: usize) -> Vec<u8> {
    let source = MemoryStore::new();
    let mut events = vec![NewEvent::new(
        "organization",
        "OrganizationConfigured",
        1,
        json!({"name": "Riverside", "time_zone": "Europe/Paris"}),
    )];
    for i in 1..n {
        events.push(NewEvent::new(
            "organization",
            "SkillAdded",
            1,
            json!({"skill": format!("s{i}"), "name": format!("Skill {i}")}),
        ));
    }
    source
        .append(AppendRequest::new("builder", events))
        .unwrap();
    let mut exported = Vec::new();
    jsonl::export(&source, None, &mut exported).unwrap();
    exported
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

fn events_in(data: &Path) -> u64 {
    let out = baton(data, &["verify", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["events"].as_u64().unwrap()
}

#[test]
fn a_restore_rejected_after_many_batches_leaves_nothing_behind() {
    // A bad last line, after more lines than one staging batch holds.
    let mut file_text = big_log(10_000);
    let cut = file_text.len() - 1;
    file_text[cut - 40] = b'#';
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.jsonl");
    std::fs::write(&file, &file_text).unwrap();
    let data = dir.path().join("store");
    let out = baton(&data, &["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 10000"), "{err}");
    assert!(!data.join("sled.restoring").exists());
    assert!(!data.join("sled.restore-ids").exists());
    assert_eq!(events_in(&data), 0);
    // The store takes the good file afterwards.
    let good = big_log(10_000);
    std::fs::write(&file, &good).unwrap();
    let out = baton(&data, &["import", file.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(events_in(&data), 10_000);
    assert_eq!(baton(&data, &["export"]).stdout, good);
}

#[test]
fn a_restore_interrupted_at_any_step_has_happened_wholly_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.jsonl");
    let log = big_log(5_000);
    std::fs::write(&file, &log).unwrap();
    let nothing = dir.path().join("nothing.jsonl");
    std::fs::write(&nothing, "").unwrap();
    let create = |data: &Path| {
        let out = baton(data, &["import", nothing.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let empty = dir.path().join("empty");
    create(&empty);
    let restored = dir.path().join("restored");
    assert!(baton(&restored, &["import", file.to_str().unwrap()])
        .status
        .success());

    // 1. The staging database written (completely or not), not swapped in; the ids seen so
    // far beside it.
    let state = dir.path().join("not-swapped");
    copy_dir(&empty, &state);
    copy_dir(&restored.join("sled"), &state.join("sled.restoring"));
    copy_dir(&restored.join("sled"), &state.join("sled.restore-ids"));
    assert_eq!(events_in(&state), 0);
    assert!(!state.join("sled.restoring").exists());
    assert!(!state.join("sled.restore-ids").exists());
    // 2. Between the two renames.
    let state = dir.path().join("between-renames");
    copy_dir(&empty, &state);
    std::fs::rename(state.join("sled"), state.join("sled.old")).unwrap();
    copy_dir(&restored.join("sled"), &state.join("sled.restoring"));
    assert_eq!(events_in(&state), 5_000);
    assert!(!state.join("sled.old").exists() && !state.join("sled.restoring").exists());
    // 3. Swapped in, the empty one and the high-water mark not yet updated.
    let state = dir.path().join("old-left");
    copy_dir(&empty, &state);
    std::fs::rename(state.join("sled"), state.join("sled.old")).unwrap();
    copy_dir(&restored.join("sled"), &state.join("sled"));
    assert_eq!(events_in(&state), 5_000);
    assert_eq!(baton(&state, &["export"]).stdout, log);

    // And a real restore killed at a few moments: the store holds nothing or everything.
    for delay_ms in [30, 150, 400, 900] {
        let data = dir.path().join(format!("killed-{delay_ms}"));
        create(&data);
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .env_remove("COLUMNS")
            .arg("--data")
            .arg(&data)
            .args(["import", file.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let n = events_in(&data);
        assert!(
            n == 0 || n == 5_000,
            "killed after {delay_ms} ms: {n} events"
        );
        assert!(!data.join("sled.restoring").exists());
        assert!(!data.join("sled.restore-ids").exists());
    }
}

#[test]
fn a_restore_that_reopens_its_staging_database_keeps_every_guarantee() {
    use baton::store::verify::verify_sled;
    use baton::store::{SledStore, StoreConfig};
    // Reopened every 64 KiB of records: many times over these 10,000 events.
    let config = || StoreConfig {
        restore_reopen_bytes: 64 << 10,
        ..StoreConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let good = big_log(10_000);
    let mut bad = good.clone();
    let cut = bad.len() - 1;
    bad[cut - 40] = b'#';
    let import = |text: &[u8]| {
        let store = SledStore::open_with(&data, config()).unwrap();
        let options = jsonl::ImportOptions::new(false, "tester");
        jsonl::import_with(&store, &mut std::io::BufReader::new(text), &options)
    };
    // Rejected at its last line, after many reopens: nothing stays.
    let err = import(&bad).expect_err("a bad last line").to_string();
    assert!(err.contains("line 10000"), "{err}");
    assert!(!data.join("sled.restoring").exists());
    assert!(!data.join("sled.restore-ids").exists());
    assert_eq!(SledStore::open(&data).unwrap().head().last_seq, 0);
    // The good file: every event, the indexes intact, the export byte-identical.
    assert_eq!(import(&good).expect("the good file").events, 10_000);
    let store = SledStore::open(&data).unwrap();
    let report = verify_sled(&store).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, 10_000);
    let mut exported = Vec::new();
    jsonl::export(&store, None, &mut exported).unwrap();
    assert_eq!(exported, good);
}
