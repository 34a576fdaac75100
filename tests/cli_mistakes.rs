//! Issue 8 through the real `baton` binary: the mistakes a coordinator makes get a truthful
//! answer — versions of the organization, out-of-range totals, corrections that say what they
//! replaced, dry runs, errors that name the line, the field and the stream.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

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
    let mut stdin_pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        stdin_pipe.write_all(input.as_bytes()).unwrap();
    }
    drop(stdin_pipe);
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

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap()
}

/// Organization at version 4 (configured, ann, bob, one skill); program `pilot` with ann
/// enrolled and bob a trainer.
fn setup(data: &Path) {
    ok(&baton(
        data,
        &["do", "organization", "-"],
        Some(r#"{"type":"ConfigureOrganization","name":"Riverside","time_zone":"Europe/Paris"}"#),
    ));
    let org = [
        json!({"type":"AddPerson","person":"ann","name":"Ann Lee","department":"cataloguing","branch":"central","on":"2026-01-05"}),
        json!({"type":"AddPerson","person":"bob","name":"Bob Stone","department":"cataloguing","branch":"north","on":"2026-01-05"}),
        json!({"type":"AddSkill","skill":"copy-cataloguing","name":"Copy cataloguing"}),
    ];
    ok(&baton(
        data,
        &["do", "organization", "-"],
        Some(&lines(&org)),
    ));
    let program = [
        json!({"type":"CreateProgram","program":"pilot","kind":"training","title":"Catalogue pilot"}),
        json!({"type":"EnrolLearner","person":"ann","on":"2026-02-01"}),
        json!({"type":"InviteTrainer","person":"bob","on":"2026-01-12"}),
        json!({"type":"AcceptInvitation","person":"bob","on":"2026-01-13"}),
    ];
    ok(&baton(data, &["do", "pilot", "-"], Some(&lines(&program))));
}

fn lines(commands: &[Value]) -> String {
    commands
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn expect_version_guards_organization_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let add = r#"{"type":"AddPerson","person":"cleo","name":"Cleo","department":"d","branch":"b","on":"2026-01-05"}"#;
    let err = fails(&baton(
        &data,
        &["do", "organization", "-", "--expect-version", "0"],
        Some(add),
    ));
    assert!(err.contains("organization") && err.contains('4'), "{err}");
    let result = json_of(&baton(
        &data,
        &[
            "do",
            "organization",
            "-",
            "--expect-version",
            "4",
            "--format",
            "json",
        ],
        Some(add),
    ));
    assert_eq!(result["organization_version"], 5);
    let table = ok(&baton(
        &data,
        &["do", "organization", "-"],
        Some(r#"{"type":"AddSkill","skill":"reports","name":"Reports"}"#),
    ));
    assert!(table.contains("organization version 6"), "{table}");
}

#[test]
fn a_total_cannot_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let err = fails(&baton(
        &data,
        &["do", "pilot", "-"],
        Some(
            r#"{"type":"LogPractice","person":"ann","skill":"copy-cataloguing","kind":"sandbox","minutes":4294967295,"on":"2026-03-01"}"#,
        ),
    ));
    assert!(
        err.contains("out_of_range") && err.contains("minutes 4294967295: expected 1 to 1440"),
        "{err}"
    );
}

#[test]
fn a_void_by_seq_says_what_it_replaced_and_a_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    ok(&baton(
        &data,
        &["do", "pilot", "-"],
        Some(
            r#"{"type":"LogPractice","person":"ann","skill":"copy-cataloguing","kind":"sandbox","minutes":30,"on":"2026-03-01"}"#,
        ),
    ));
    // The last entry of the history names the event's seq and id.
    let history = json_of(&baton(
        &data,
        &["history", "pilot", "--last", "1", "--format", "json"],
        None,
    ));
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["event_type"], "PracticeLogged");
    let seq = entries[0]["seq"].as_u64().unwrap();
    let void = json!({"type": "VoidEvent", "seq": seq, "reason": "logged twice"}).to_string();
    // A dry run decides and shows the events, and writes nothing.
    let dry = json_of(&baton(
        &data,
        &["do", "pilot", "-", "--dry-run", "--format", "json"],
        Some(&void),
    ));
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["seqs"], json!([]));
    assert_eq!(dry["events"][0]["type"], "EventVoided");
    assert_eq!(dry["replaced"][0]["seq"], seq);
    let again = json_of(&baton(
        &data,
        &["history", "pilot", "--last", "1", "--format", "json"],
        None,
    ));
    assert_eq!(again["entries"][0]["seq"], seq, "the dry run wrote nothing");
    // The void itself says what it replaced: type, seq, person and day.
    let done = json_of(&baton(
        &data,
        &["do", "pilot", "-", "--format", "json"],
        Some(&void),
    ));
    assert_eq!(
        done["replaced"],
        json!([{"event_id": entries[0]["id"], "seq": seq, "event_type": "PracticeLogged", "person": "ann", "on": "2026-03-01"}])
    );
    // And the void can be voided, by its own seq; the table says what that replaced.
    let void_seq = done["seqs"][0].as_u64().unwrap();
    let table = ok(&baton(
        &data,
        &["do", "pilot", "-"],
        Some(&json!({"type": "VoidEvent", "seq": void_seq, "reason": "it was right"}).to_string()),
    ));
    assert!(
        table.contains(&format!("voided seq {void_seq} EventVoided")),
        "{table}"
    );
}

#[test]
fn a_program_command_cannot_void_an_organization_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    let org = json_of(&baton(
        &data,
        &["history", "organization", "--format", "json"],
        None,
    ));
    let entries = org["entries"].as_array().unwrap();
    let types: Vec<_> = entries.iter().map(|e| e["event_type"].clone()).collect();
    assert_eq!(
        types,
        [
            "OrganizationConfigured",
            "PersonJoined",
            "PersonJoined",
            "SkillAdded"
        ]
    );
    let void =
        json!({"type": "VoidEvent", "event_id": entries[1]["id"], "reason": "x"}).to_string();
    let err = fails(&baton(&data, &["do", "pilot", "-"], Some(&void)));
    assert!(
        err.contains("event_in_organization") && err.contains("baton do organization"),
        "{err}"
    );
    ok(&baton(&data, &["do", "organization", "-"], Some(&void)));
}

#[test]
fn errors_name_the_line_the_field_and_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    setup(&data);
    // A rule broken on the third line of a JSON Lines batch (after a blank line).
    let batch = [
        r#"{"type":"SetGoal","goal":"all branches"}"#,
        "",
        r#"{"type":"EnrolLearner","person":"zed"}"#,
    ]
    .join("\n");
    let file = dir.path().join("batch.jsonl");
    std::fs::write(&file, batch).unwrap();
    let err = fails(&baton(
        &data,
        &["do", "pilot", file.to_str().unwrap()],
        None,
    ));
    assert!(err.contains("batch.jsonl line 3: unknown_person"), "{err}");
    // A bad day inside the JSON names the field and the format.
    let err = fails(&baton(
        &data,
        &["do", "pilot", "-"],
        Some(r#"{"type":"EnrolLearner","person":"ann","on":"2026-02-30"}"#),
    ));
    assert!(
        err.contains("field on: expected a day like 2026-03-01"),
        "{err}"
    );
    // A program command sent to the organization says so.
    let err = fails(&baton(
        &data,
        &["do", "organization", "-"],
        Some(r#"{"type":"SetGoal","goal":"x"}"#),
    ));
    assert!(
        err.contains("SetGoal is a program command") && err.contains("baton do PROGRAM"),
        "{err}"
    );
}
