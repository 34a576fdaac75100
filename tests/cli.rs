//! The `baton` binary end to end, on a real store in a temporary directory.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn baton(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .env_remove("COLUMNS")
        .arg("--data")
        .arg(data)
        .args(args)
        .env("BATON_ACTOR", "tester")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
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

fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected a failure, got: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Runs `f` while sled's log file is replaced by zeros of the same length (a read that opened
/// the log would find the store truncated; one that trusts a checkpoint at the head cannot
/// tell, since the file is no shorter), then puts it back.
fn with_zeroed_sled_log(data: &Path, scratch: &Path, f: impl FnOnce() -> Output) -> Output {
    let db = data.join("sled").join("db");
    let away = scratch.join("db-away");
    std::fs::rename(&db, &away).unwrap();
    let len = std::fs::metadata(&away).unwrap().len();
    std::fs::write(&db, vec![0u8; len as usize]).unwrap();
    let out = f();
    std::fs::rename(&away, &db).unwrap();
    out
}

/// Runs `f` while sled's log file is cut shorter than when the checkpoints were saved.
fn with_short_sled_log(data: &Path, scratch: &Path, f: impl FnOnce() -> Output) -> Output {
    let db = data.join("sled").join("db");
    let away = scratch.join("db-away");
    std::fs::copy(&db, &away).unwrap();
    let len = std::fs::metadata(&db).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .unwrap()
        .set_len((len / 2).min(64))
        .unwrap();
    let out = f();
    std::fs::rename(&away, &db).unwrap();
    out
}

fn setup(data: &Path) {
    ok(&baton(
        data,
        &["do", "organization", "-"],
        Some(r#"{"type":"ConfigureOrganization","name":"Riverside","time_zone":"Europe/Paris"}"#),
    ));
    let people = [
        r#"{"type":"AddPerson","person":"ann","name":"Ann Lee","department":"cataloguing","branch":"central","on":"2026-01-05"}"#,
        r#"{"type":"AddPerson","person":"bob","name":"Bob Stone","department":"cataloguing","branch":"north","on":"2026-01-05"}"#,
        r#"{"type":"AddSkill","skill":"copy-cataloguing","name":"Copy cataloguing"}"#,
    ]
    .join("\n");
    ok(&baton(data, &["do", "organization", "-"], Some(&people)));
    ok(&baton(
        data,
        &["do", "pilot", "-"],
        Some(
            r#"{"type":"CreateProgram","program":"pilot","kind":"training","title":"Catalogue pilot"}"#,
        ),
    ));
}

#[test]
fn do_applies_commands_and_programs_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let out = ok(&baton(
        &data,
        &["do", "pilot", "-", "--format", "json"],
        Some(r#"{"type":"EnrolLearner","person":"ann","on":"2026-02-01"}"#),
    ));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["event_types"], serde_json::json!(["LearnerEnrolled"]));
    assert_eq!(json["program_version"], 2);
    let list = ok(&baton(&data, &["programs"], None));
    assert!(
        list.contains("pilot") && list.contains("Catalogue pilot"),
        "{list}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&baton(&data, &["programs", "--format", "json"], None))).unwrap();
    assert_eq!(json["programs"][0]["learners"], 1);
    // The list names the head it was read from.
    assert!(json["head"]["seq"].as_u64().unwrap() > 0);
    assert_eq!(json["head"]["hash"].as_str().unwrap().len(), 64);
}

#[test]
fn bad_commands_name_the_field_or_rule_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let before = ok(&baton(&data, &["export"], None));
    let err = fails(&baton(
        &data,
        &["do", "pilot", "-"],
        Some(r#"{"type":"EnrolLearner","persn":"ann"}"#),
    ));
    assert!(err.contains("persn"), "{err}");
    let err = fails(&baton(
        &data,
        &["do", "pilot", "-"],
        Some(r#"{"type":"EnrolLearner","person":"zed"}"#),
    ));
    assert!(err.contains("zed"), "{err}");
    let err = fails(&baton(
        &data,
        &["do", "pilot", "-"],
        Some(r#"{"type":"NoSuchThing"}"#),
    ));
    assert!(err.contains("NoSuchThing"), "{err}");
    let err = fails(&baton(
        &data,
        &["do", "pilot", "-"],
        Some("{\"type\":\"EnrolLearner\",\"person\":\"ann\"}\nnot json\n"),
    ));
    assert!(err.contains("line 2"), "{err}");
    let err = fails(&baton(
        &data,
        &["do", "pilot", "-", "--expect-version", "9"],
        Some(r#"{"type":"EnrolLearner","person":"ann"}"#),
    ));
    assert!(
        err.contains("conflict") && err.contains("program-pilot@1"),
        "{err}"
    );
    // A batch is atomic: the second command fails, so the first is not stored either.
    let batch = "{\"type\":\"EnrolLearner\",\"person\":\"ann\"}\n{\"type\":\"EnrolLearner\",\"person\":\"zed\"}\n";
    fails(&baton(&data, &["do", "pilot", "-"], Some(batch)));
    assert_eq!(ok(&baton(&data, &["export"], None)), before);
}

#[test]
fn a_command_id_makes_a_retry_safe() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let id = "0b7f7a1e-6d1c-4a8e-9a51-2f0c2d7e9b10";
    let cmd = r#"{"type":"EnrolLearner","person":"ann"}"#;
    ok(&baton(
        &data,
        &["do", "pilot", "-", "--command-id", id],
        Some(cmd),
    ));
    let again = ok(&baton(
        &data,
        &["do", "pilot", "-", "--command-id", id],
        Some(cmd),
    ));
    assert!(again.contains("already applied"), "{again}");
    let log = ok(&baton(&data, &["export", "pilot"], None));
    assert_eq!(
        log.lines()
            .filter(|l| l.contains("LearnerEnrolled"))
            .count(),
        1
    );
}

#[test]
fn a_reused_command_id_with_other_content_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let id = "5d0c1f3a-7a44-4c61-9b0e-3a1f2e4d5c6b";
    let ann = r#"{"type":"EnrolLearner","person":"ann"}"#;
    let bob = r#"{"type":"EnrolLearner","person":"bob"}"#;
    ok(&baton(
        &data,
        &["do", "pilot", "-", "--command-id", id],
        Some(ann),
    ));
    let before = ok(&baton(&data, &["export"], None));
    // Another command under the same id.
    let err = fails(&baton(
        &data,
        &["do", "pilot", "-", "--command-id", id],
        Some(bob),
    ));
    assert!(err.contains("reused") && err.contains(id), "{err}");
    // The original plus one more command.
    let both = format!("{ann}\n{bob}\n");
    let err = fails(&baton(
        &data,
        &["do", "pilot", "-", "--command-id", id],
        Some(&both),
    ));
    assert!(err.contains("reused"), "{err}");
    // The same command for another program.
    ok(&baton(
        &data,
        &["do", "other", "-"],
        Some(r#"{"type":"CreateProgram","program":"other","kind":"training","title":"Other"}"#),
    ));
    let err = fails(&baton(
        &data,
        &["do", "other", "-", "--command-id", id],
        Some(ann),
    ));
    assert!(err.contains("reused"), "{err}");
    let after: Vec<String> = ok(&baton(&data, &["export"], None))
        .lines()
        .filter(|l| !l.contains("program-other"))
        .map(str::to_string)
        .collect();
    assert_eq!(
        after,
        before.lines().map(str::to_string).collect::<Vec<_>>()
    );
    // The identical retry is still recognised.
    let again = ok(&baton(
        &data,
        &["do", "pilot", "-", "--command-id", id],
        Some(ann),
    ));
    assert!(again.contains("already applied"), "{again}");
}

#[test]
fn verify_export_import_round_trip_and_erase() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let report = ok(&baton(&data, &["verify"], None));
    assert!(
        report.contains("events      5") && report.contains("status      ok"),
        "{report}"
    );
    let backup = dir.path().join("backup.jsonl");
    ok(&baton(
        &data,
        &["export", "-o", backup.to_str().unwrap()],
        None,
    ));
    let restored = dir.path().join("restored");
    ok(&baton(
        &restored,
        &["import", backup.to_str().unwrap()],
        None,
    ));
    assert_eq!(
        ok(&baton(&restored, &["export"], None)),
        std::fs::read_to_string(&backup).unwrap()
    );
    // Restoring into a non-empty store is refused.
    let err = fails(&baton(
        &restored,
        &["import", backup.to_str().unwrap()],
        None,
    ));
    assert!(err.contains("--append"), "{err}");

    ok(&baton(&data, &["erase", "ann"], None));
    let log = ok(&baton(&data, &["export"], None));
    assert!(!log.contains("Ann Lee"), "the name must be gone");
    let report = ok(&baton(&data, &["verify", "--format", "json"], None));
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(json["redactions"], serde_json::json!([2]));
    assert!(json["problem"].is_null());
}

#[test]
fn verify_names_the_first_bad_seq_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let backup = dir.path().join("backup.jsonl");
    ok(&baton(
        &data,
        &["export", "-o", backup.to_str().unwrap()],
        None,
    ));
    let text = std::fs::read_to_string(&backup).unwrap();
    let tampered = text.replacen("Bob Stone", "Rob Stone", 1);
    std::fs::write(&backup, tampered).unwrap();
    let err = fails(&baton(
        &dir.path().join("other"),
        &["import", backup.to_str().unwrap()],
        None,
    ));
    assert!(err.contains("line 3") && err.contains("data_hash"), "{err}");
    let err = fails(&baton(&dir.path().join("missing"), &["verify"], None));
    assert!(err.contains("no baton store"), "{err}");
}

#[test]
fn commands_lists_every_command_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&baton(dir.path(), &["commands", "--format", "json"], None));
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(list.len(), baton::domain::command_examples().len());
    for item in list {
        baton::domain::Command::from_json(&item["example"]).unwrap();
    }
}

#[test]
fn verify_on_a_damaged_store_exits_one_naming_the_seq() {
    use baton::store::record::{Envelope, RecordedEvent};
    use baton::store::{AppendRequest, EventStore, MemoryStore, NewEvent, SledStore};

    // Build a log, then store a copy whose third event's data was altered after hashing.
    let memory = MemoryStore::new();
    for i in 0..4 {
        let ev = NewEvent::new(
            "program-pilot",
            "NoteTaken",
            1,
            serde_json::json!({ "n": i }),
        );
        memory
            .append(AppendRequest::new("tester", vec![ev]))
            .unwrap();
    }
    let mut records: Vec<RecordedEvent> = memory.read_all(1, 10).unwrap();
    let third = records[2].clone();
    let mut env: Envelope<'_> = third.envelope();
    let altered = br#"{"n":99}"#.to_vec();
    env.data = &altered;
    records[2] = RecordedEvent::from_bytes(env.encode(&third.hash())).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    {
        let store = SledStore::open(&data).unwrap();
        store.restore(records).unwrap();
    }
    let out = baton(&data, &["verify"], None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAILED at seq 3") && text.contains("data_hash"),
        "{text}"
    );
}

#[test]
fn demo_loads_once_and_running_it_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let first = ok(&baton(&data, &["demo"], None));
    assert!(first.contains("Loaded the demo"), "{first}");
    let log = ok(&baton(&data, &["export"], None));
    assert_eq!(
        log.as_bytes(),
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.jsonl")).unwrap()
    );
    let again = ok(&baton(&data, &["demo"], None));
    assert!(again.contains("already loaded"), "{again}");
    assert_eq!(ok(&baton(&data, &["export"], None)), log);
    assert!(ok(&baton(&data, &["verify"], None)).contains("status      ok"));

    let other = dir.path().join("other");
    setup(&other);
    let err = fails(&baton(&other, &["demo"], None));
    assert!(err.contains("already holds other events"), "{err}");
}

#[test]
fn a_dashboard_checkpoint_follows_the_log_and_an_erasure_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let enrol = r#"{"type":"EnrolLearner","person":"ann","on":"2026-02-01"}"#;
    ok(&baton(&data, &["do", "pilot", "-"], Some(enrol)));
    // As of now: the program was created today.
    let args = ["dashboard", "pilot", "--format", "json"];
    let first = ok(&baton(&data, &args, None));
    assert!(first.contains("Ann Lee"), "{first}");
    let saved = data.join("checkpoints/dashboard-pilot.json");
    assert!(saved.exists(), "the fold is saved at the log's head");

    // The same head: answered from the checkpoint without opening the log (shown by
    // swapping sled's log file for an empty one for the duration of the read).
    let again = with_zeroed_sled_log(&data, dir.path(), || baton(&data, &args, None));
    assert_eq!(ok(&again), first);
    let opened = with_zeroed_sled_log(&data, dir.path(), || {
        baton(&data, &["history", "pilot"], None)
    });
    let noticed = fails(&opened);
    assert!(
        noticed.contains("is damaged"),
        "a read of the log notices: {noticed}"
    );
    // A log file emptied or cut shorter than at the head is noticed by the read at the head
    // too: it opens the log, which refuses.
    let emptied = {
        let db = data.join("sled").join("db");
        let away = dir.path().join("db-emptied");
        std::fs::rename(&db, &away).unwrap();
        std::fs::write(&db, b"").unwrap();
        let out = baton(&data, &args, None);
        std::fs::rename(&away, &db).unwrap();
        out
    };
    assert!(fails(&emptied).contains("is damaged"));
    let shorter = with_short_sled_log(&data, dir.path(), || baton(&data, &args, None));
    assert!(fails(&shorter).contains("is damaged"));
    // Before the events it holds occurred: the log is read.
    let early = fails(&baton(
        &data,
        &["dashboard", "pilot", "--as-of", "2026-01-10"],
        None,
    ));
    assert!(early.contains("did not exist yet"), "{early}");

    // Any append moves the head: the next read folds the log again.
    let enrol_bob = r#"{"type":"EnrolLearner","person":"bob","on":"2026-02-02"}"#;
    ok(&baton(&data, &["do", "pilot", "-"], Some(enrol_bob)));
    let after = ok(&baton(&data, &args, None));
    assert!(
        after.contains("Bob Stone") && after.contains("Ann Lee"),
        "{after}"
    );

    // Erasure removes every checkpoint (they hold names) before it returns.
    ok(&baton(&data, &["erase", "ann"], None));
    assert!(!data.join("checkpoints").exists());
    let erased = ok(&baton(&data, &args, None));
    assert!(
        !erased.contains("Ann Lee") && erased.contains("Bob Stone"),
        "{erased}"
    );
    let text = String::from_utf8_lossy(&std::fs::read(&saved).unwrap()).to_string();
    assert!(
        !text.contains("Ann Lee"),
        "the new checkpoint holds no erased name"
    );
}

#[test]
fn risk_and_programs_are_answered_at_the_head_and_an_erasure_drops_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let assess = r#"{"type":"AssessSkill","person":"ann","skill":"copy-cataloguing","level":3,"source":"supervisor","on":"2026-02-01"}"#;
    ok(&baton(&data, &["do", "organization", "-"], Some(assess)));
    let args = ["risk", "--format", "json"];
    let first = ok(&baton(&data, &args, None));
    assert!(first.contains("Ann Lee"), "{first}");
    assert!(data.join("checkpoints/risk.json").exists());
    // Same head: no need for the log (sled's log file is swapped for an empty one).
    let again = with_zeroed_sled_log(&data, dir.path(), || baton(&data, &args, None));
    assert_eq!(ok(&again), first);
    // The programs list likewise.
    let list = ok(&baton(&data, &["programs", "--format", "json"], None));
    let listed = with_zeroed_sled_log(&data, dir.path(), || {
        baton(&data, &["programs", "--format", "json"], None)
    });
    assert_eq!(ok(&listed), list);
    // An erasure drops it; the next view is folded again, without the name.
    ok(&baton(&data, &["erase", "ann"], None));
    let erased = ok(&baton(&data, &args, None));
    assert!(!erased.contains("Ann Lee"), "{erased}");
    let json: serde_json::Value = serde_json::from_str(&erased).unwrap();
    assert_eq!(json["single_holder"][0]["skill"], "copy-cataloguing");
}

/// The demo's dashboard as `baton` prints it with `env` set, under a pseudo-terminal
/// (util-linux `script`) when `tty`.
fn dashboard_printed(data: &Path, env: &[(&str, &str)], tty: bool) -> String {
    let args = [
        "--data",
        data.to_str().unwrap(),
        "dashboard",
        "ils-rollout",
        "--as-of",
        "2026-10-31",
    ];
    let mut command = if tty {
        let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_baton"))
            .chain(args)
            .map(|a| format!("'{a}'"))
            .collect();
        let mut c = Command::new("script");
        c.args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"]);
        c
    } else {
        let mut c = Command::new(env!("CARGO_BIN_EXE_baton"));
        c.args(args);
        c
    };
    command
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.stdin(Stdio::null()).output().unwrap();
    ok(&out).replace("\r\n", "\n")
}

/// What `baton ARGS` prints with `COLUMNS` set.
fn printed_at(data: &Path, args: &[&str], columns: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .env("COLUMNS", columns)
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    ok(&out)
}

#[test]
fn tables_fit_the_width_and_colour_shows_only_on_a_terminal_without_no_color() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&baton(&data, &["demo"], None));

    let wide = dashboard_printed(&data, &[], false);
    let json: serde_json::Value = serde_json::from_str(&ok(&baton(
        &data,
        &[
            "dashboard",
            "ils-rollout",
            "--as-of",
            "2026-10-31",
            "--format",
            "json",
        ],
        None,
    )))
    .unwrap();
    fn leaves(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => m.values().for_each(|v| leaves(v, out)),
            serde_json::Value::Array(a) => a.iter().for_each(|v| leaves(v, out)),
            serde_json::Value::String(s) => out.extend(
                s.split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|w| !w.is_empty())
                    .map(str::to_string),
            ),
            serde_json::Value::Number(n) => out.push(n.to_string()),
            serde_json::Value::Bool(b) => out.push(if *b { "yes" } else { "no" }.into()),
            serde_json::Value::Null => out.push("-".into()),
        }
    }
    let mut values = Vec::new();
    let mut view = json;
    view.as_object_mut().unwrap().remove("head");
    leaves(&view, &mut values);
    assert!(values.len() > 1000, "{}", values.len());
    assert!(wide.lines().any(|l| l.chars().count() > 100), "{wide}");
    for columns in [80usize, 60] {
        let text = dashboard_printed(&data, &[("COLUMNS", &columns.to_string())], false);
        let too_wide: Vec<&str> = text
            .lines()
            .filter(|l| l.chars().count() > columns)
            .collect();
        assert!(too_wide.is_empty(), "{columns} columns: {too_wide:#?}");
        // The same facts, laid out for the width: every value of the JSON view is printed.
        let printed: std::collections::BTreeSet<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        let missing: Vec<&String> = values
            .iter()
            .filter(|v| !printed.contains(v.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "{columns} columns: {missing:?} not printed"
        );
    }
    // The hand-laid reports fit too (wrapped at spaces under a hanging indent).
    for args in [
        &["due", "--as-of", "2026-10-31"][..],
        &["programs"],
        &["verify"],
        &["next", "ils-rollout"],
        &[
            "simulate",
            "--plan",
            "ils-rollout",
            "--as-of",
            "2026-03-01",
            "--scenario",
            "perfect-storm",
            "--runs",
            "20",
        ],
    ] {
        let text = printed_at(&data, args, "80");
        let piped = ok(&baton(&data, args, None));
        let too_wide: Vec<&str> = text.lines().filter(|l| l.chars().count() > 80).collect();
        assert!(too_wide.is_empty(), "{args:?}: {too_wide:#?}");
        assert!(
            piped.lines().any(|l| l.chars().count() > 80),
            "{args:?} is narrow anyway"
        );
        let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            words(&text),
            words(&piped),
            "{args:?}: the same words, wrapped"
        );
    }
    let risk = printed_at(&data, &["risk", "--as-of", "2026-10-31"], "80");
    assert!(risk.lines().all(|l| l.chars().count() <= 80), "{risk}");

    // Piped: no colour, whatever the terminal type says.
    assert!(!wide.contains('\x1b'));
    let tty = dashboard_printed(&data, &[("COLUMNS", "100")], true);
    assert!(tty.contains("\x1b[1mDashboard: ils-rollout"), "{tty}");
    assert!(tty.contains("\x1b[32machieved\x1b[0m"), "{tty}");
    let no_color = dashboard_printed(&data, &[("COLUMNS", "100"), ("NO_COLOR", "1")], true);
    assert!(!no_color.contains('\x1b'), "{no_color}");
    assert_eq!(
        no_color,
        dashboard_printed(&data, &[("COLUMNS", "100")], false)
    );
}

/// Standard output parsed as JSON.
fn json_of(out: &Output) -> serde_json::Value {
    let text = ok(out);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn every_command_that_reports_says_it_in_json_too_and_bars_stay_off_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let demo = json_of(&baton(&data, &["demo", "--format", "json"], None));
    assert_eq!(demo["loaded"], true);
    assert!(demo["events"].as_u64().unwrap() > 2000);
    let again = json_of(&baton(&data, &["demo", "--format", "json"], None));
    assert_eq!(
        (again["loaded"].clone(), again["events"].clone()),
        (false.into(), 0.into())
    );
    assert_eq!(again["head"], demo["head"]);

    let made = json_of(&baton(
        &data,
        &[
            "new", "training", "pilot", "--title", "Pilot", "--format", "json",
        ],
        None,
    ));
    assert_eq!(made["program"], "pilot");
    assert_eq!(made["open_step"], "identify_goal");
    let next = json_of(&baton(&data, &["next", "pilot", "--format", "json"], None));
    assert_eq!(made, next);

    let enrol = json_of(&baton(
        &data,
        &[
            "enrol",
            "pilot",
            "--branch",
            "central",
            "--dry-run",
            "--format",
            "json",
        ],
        None,
    ));
    assert_eq!(enrol["dry_run"], true);
    let enrolled = enrol["enrolled"].as_array().unwrap();
    assert!(!enrolled.is_empty());
    assert_eq!(
        enrol["event_types"].as_array().unwrap().len(),
        enrolled.len()
    );

    let roster = dir.path().join("roster.csv");
    ok(&baton(
        &data,
        &["roster", "export", "-o", roster.to_str().unwrap()],
        None,
    ));
    let same = json_of(&baton(
        &data,
        &[
            "roster",
            "import",
            roster.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    ));
    assert_eq!(same["changes"], serde_json::json!([]));
    assert!(same["rows"].as_u64().unwrap() > 100);

    let made = json_of(&baton(
        &data,
        &[
            "token", "create", "--role", "viewer", "--name", "wall", "--format", "json",
        ],
        None,
    ));
    assert_eq!(made["secret"].as_str().map(str::len), Some(43), "{made}");
    let id = made["token"].as_str().unwrap().to_string();
    let revoked = json_of(&baton(
        &data,
        &["token", "revoke", &id, "--format", "json"],
        None,
    ));
    assert_eq!(
        (revoked["token"].as_str(), revoked["name"].as_str()),
        (Some(id.as_str()), Some("wall"))
    );

    let backup = dir.path().join("backup.jsonl");
    ok(&baton(
        &data,
        &["export", "-o", backup.to_str().unwrap()],
        None,
    ));
    let other = dir.path().join("other");
    let out = baton(
        &other,
        &["import", backup.to_str().unwrap(), "--format", "json"],
        None,
    );
    let restored = json_of(&out);
    assert_eq!(restored["restored"], true);
    assert_eq!(restored["events"], restored["head"]["seq"]);
    // No progress bar on a pipe: standard error holds only the head line.
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        !stderr.contains('\r') && !stderr.contains("restoring"),
        "{stderr:?}"
    );

    let erased = json_of(&baton(
        &other,
        &["erase", "adam-boyer", "--format", "json"],
        None,
    ));
    assert_eq!(
        (erased["erased"].clone(), erased["already_erased"].clone()),
        (true.into(), false.into())
    );
    let twice = json_of(&baton(
        &other,
        &["erase", "adam-boyer", "--format", "json"],
        None,
    ));
    assert_eq!(twice["already_erased"], true);
    let verify = baton(&other, &["verify", "--format", "json"], None);
    let report = json_of(&verify);
    assert!(
        !report["redactions"].as_array().unwrap().is_empty(),
        "{report}"
    );
    // No progress bar on a pipe.
    assert!(String::from_utf8(verify.stderr).unwrap().is_empty());
}
