//! Calendars and spreadsheets through the real binary: `.ics` read back by a small RFC 5545
//! reader written here (not the exporter's code), CSV read back by the `csv` reader, and
//! snapshots of every export of both demo programs.

use std::collections::BTreeMap;
use std::path::Path;

use baton::demo::{DEMO_END, MENTORING, ROLLOUT};

#[path = "common/cli.rs"]
mod cli;

use cli::{ok_with_stderr as ok, run};

/// The head `baton verify` reports, `SEQ:HASH`.
fn head(data: &Path) -> String {
    let (json, _) = ok(data, &["verify", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    format!(
        "{}:{}",
        v["head"]["seq"].as_u64().unwrap(),
        v["head"]["hash"].as_str().unwrap()
    )
}

// ---------------------------------------------------------------------------------------------
// An independent reader of RFC 5545: physical lines → unfolded content lines → components.
// ---------------------------------------------------------------------------------------------

/// A component: its name, its properties (name → values, in order) and its children.
#[derive(Debug, Default)]
struct Component {
    name: String,
    props: Vec<(String, String, String)>,
    children: Vec<Component>,
}

impl Component {
    /// The value of the first property `name` (parameters ignored).
    fn get(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, v)| v.as_str())
    }

    fn params(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, p, _)| p.as_str())
    }

    fn events(&self) -> Vec<&Component> {
        self.children
            .iter()
            .filter(|c| c.name == "VEVENT")
            .collect()
    }
}

/// Parses a calendar, checking the line rules on the way: CRLF everywhere, at most 75 octets
/// per physical line, continuation lines start with a space, BEGIN/END nest.
fn parse_ics(text: &str) -> Component {
    assert!(text.ends_with("\r\n"), "the last line ends in CRLF");
    let physical: Vec<&str> = text.strip_suffix("\r\n").unwrap().split("\r\n").collect();
    let mut logical: Vec<String> = Vec::new();
    for line in physical {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare LF or CR in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        if let Some(rest) = line.strip_prefix(' ') {
            logical
                .last_mut()
                .expect("a continuation follows a line")
                .push_str(rest);
        } else {
            logical.push(line.to_string());
        }
    }
    let mut stack: Vec<Component> = vec![Component::default()];
    for line in logical {
        let (head, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("no colon: {line:?}"));
        let (name, params) = head.split_once(';').unwrap_or((head, ""));
        match name {
            "BEGIN" => stack.push(Component {
                name: value.to_string(),
                ..Component::default()
            }),
            "END" => {
                let done = stack.pop().unwrap();
                assert_eq!(done.name, value, "END matches BEGIN");
                stack.last_mut().unwrap().children.push(done);
            }
            _ => stack.last_mut().unwrap().props.push((
                name.to_string(),
                params.to_string(),
                value.to_string(),
            )),
        }
    }
    assert_eq!(stack.len(), 1, "every BEGIN has its END");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one VCALENDAR");
    root.children.pop().unwrap()
}

/// Unescapes a TEXT value.
fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn check_calendar(cal: &Component, head: &str) {
    assert_eq!(cal.name, "VCALENDAR");
    assert_eq!(cal.get("VERSION"), Some("2.0"));
    assert!(cal.get("PRODID").is_some());
    assert_eq!(cal.get("X-BATON-HEAD"), Some(head));
    let mut uids = std::collections::BTreeSet::new();
    for ev in cal.events() {
        let uid = ev.get("UID").expect("every event has a UID");
        assert!(uids.insert(uid.to_string()), "UID {uid} appears once");
        assert!(ev.get("DTSTAMP").is_some_and(|s| s.ends_with('Z')));
        assert!(ev.get("DTSTART").is_some());
        assert!(ev.get("SEQUENCE").unwrap().parse::<u32>().is_ok());
        assert!(matches!(ev.get("STATUS"), Some("CONFIRMED" | "CANCELLED")));
        let alarm = ev.children.iter().find(|c| c.name == "VALARM");
        if ev.get("STATUS") == Some("CANCELLED") {
            assert!(alarm.is_none(), "a cancelled item reminds nobody");
        }
        if ev.get("CATEGORIES") == Some("session") {
            if ev.get("STATUS") != Some("CANCELLED") {
                let alarm = alarm.expect("a reminder");
                assert_eq!(alarm.get("ACTION"), Some("DISPLAY"));
                assert!(alarm.get("TRIGGER").unwrap().starts_with("-PT"));
            }
            assert!(
                ev.get("DTSTART").unwrap().ends_with('Z'),
                "session times are UTC"
            );
        } else {
            assert_eq!(ev.params("DTSTART"), Some("VALUE=DATE"));
        }
    }
}

fn with_demo(check: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    ok(&data, &["demo"]);
    check(&data);
}

#[test]
fn demo_calendars_parse_with_stable_uids_and_the_head() {
    with_demo(|data| {
        let head = head(data);
        for program in [ROLLOUT, MENTORING] {
            let args = ["export", program, "--format", "ics", "--as-of", DEMO_END];
            let (first, stderr) = ok(data, &args);
            assert!(stderr.contains(&format!("head {head}")), "{stderr}");
            let cal = parse_ics(&first);
            check_calendar(&cal, &head);
            assert!(!cal.events().is_empty());
            let (second, _) = ok(data, &args);
            assert_eq!(first, second, "the same log gives the same bytes");
        }
        // The roll-out's cancelled sessions are published as cancelled, its rescheduled ones
        // with a raised SEQUENCE.
        let (text, _) = ok(data, &["export", ROLLOUT, "--format", "ics"]);
        let cal = parse_ics(&text);
        let sessions: Vec<_> = cal
            .events()
            .into_iter()
            .filter(|e| e.get("UID").unwrap().starts_with("session."))
            .collect();
        assert_eq!(
            sessions
                .iter()
                .filter(|e| e.get("STATUS") == Some("CANCELLED"))
                .count(),
            2
        );
        assert!(sessions.iter().any(|e| e.get("SEQUENCE") != Some("0")));
    });
}

#[test]
fn a_person_feed_lists_only_their_items() {
    with_demo(|data| {
        let (json, _) = ok(
            data,
            &[
                "dashboard",
                MENTORING,
                "--format",
                "json",
                "--as-of",
                DEMO_END,
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mentee = v["learners"][0]["person"].as_str().unwrap().to_string();
        let name = v["learners"][0]["name"].as_str().unwrap().to_string();
        let (text, _) = ok(
            data,
            &["export", MENTORING, "--format", "ics", "--person", &mentee],
        );
        let cal = parse_ics(&text);
        check_calendar(&cal, &head(data));
        assert_eq!(
            unescape(cal.get("X-WR-CALNAME").unwrap()),
            format!("Baton: {name}")
        );
        assert!(!cal.events().is_empty());
        for ev in cal.events() {
            let summary = unescape(ev.get("SUMMARY").unwrap());
            assert!(summary.contains(&name), "{summary}");
        }
        // Every program at once, for one person.
        let (all, _) = ok(data, &["export", "--format", "ics", "--person", &mentee]);
        assert!(parse_ics(&all).events().len() >= cal.events().len());
        let out = run(
            data,
            &["export", MENTORING, "--format", "ics", "--person", "nobody"],
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("no person \"nobody\""));
    });
}

/// A fresh store with one trainer, one learner and one session in 2027.
fn small_program(data: &Path, dir: &Path) {
    let org = dir.join("org.jsonl");
    std::fs::write(
        &org,
        [
            r#"{"type":"ConfigureOrganization","name":"Test Library","time_zone":"Europe/Paris"}"#,
            r#"{"type":"AddPerson","person":"ann","name":"Ann Lee","department":"lending","branch":"central","on":"2026-01-05"}"#,
            r#"{"type":"AddPerson","person":"bob","name":"Bob, the trainer; \"B\"","department":"lending","branch":"central","on":"2026-01-05"}"#,
            r#"{"type":"AddSkill","skill":"search","name":"Searching"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    ok(data, &["do", "organization", org.to_str().unwrap()]);
    let program = dir.join("program.jsonl");
    std::fs::write(
        &program,
        [
            r#"{"type":"CreateProgram","program":"pilot","kind":"training","title":"Pilot"}"#,
            r#"{"type":"DefineModule","module":"m-1","title":"Searching the catalogue","skills":[{"skill":"search","level":2}]}"#,
            r#"{"type":"InviteTrainer","person":"bob"}"#,
            r#"{"type":"AcceptInvitation","person":"bob"}"#,
            r#"{"type":"EnrolLearner","person":"ann"}"#,
            r#"{"type":"ScheduleSession","session":"s-1","module":"m-1","trainers":["bob"],"start":"2027-03-10T09:30","duration_minutes":90,"location":"Central, room 2","capacity":12,"invitees":["ann"]}"#,
            r#"{"type":"ScheduleFollowUp","follow_up":"f-1","person":"ann","due":"2027-04-20","purpose":"=HYPERLINK(\"x\")"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    ok(data, &["do", "pilot", program.to_str().unwrap()]);
}

fn session_event(data: &Path) -> (String, String, String, String) {
    let (text, _) = ok(data, &["export", "pilot", "--format", "ics"]);
    let cal = parse_ics(&text);
    check_calendar(&cal, &head(data));
    let ev = cal
        .events()
        .into_iter()
        .find(|e| e.get("UID").unwrap().starts_with("session."))
        .unwrap();
    (
        ev.get("UID").unwrap().to_string(),
        ev.get("SEQUENCE").unwrap().to_string(),
        ev.get("DTSTART").unwrap().to_string(),
        ev.get("STATUS").unwrap().to_string(),
    )
}

#[test]
fn a_reschedule_raises_the_sequence_and_keeps_the_uid() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    small_program(&data, dir.path());
    let (uid, seq, start, status) = session_event(&data);
    // 09:30 in Paris in March 2027 is 08:30 UTC.
    assert_eq!(
        (seq.as_str(), start.as_str(), status.as_str()),
        ("0", "20270310T083000Z", "CONFIRMED")
    );
    let (text, _) = ok(&data, &["export", "pilot", "--format", "ics"]);
    let cal = parse_ics(&text);
    let session = cal
        .events()
        .into_iter()
        .find(|e| e.get("UID") == Some(uid.as_str()))
        .unwrap();
    assert_eq!(
        unescape(session.get("LOCATION").unwrap()),
        "Central, room 2"
    );
    assert!(unescape(session.get("DESCRIPTION").unwrap()).contains("Bob, the trainer; \"B\""));
    assert_eq!(session.get("DTEND"), Some("20270310T100000Z"));

    let file = dir.path().join("move.json");
    std::fs::write(&file, r#"{"type":"RescheduleSession","session":"s-1","start":"2027-03-17T14:00","reason":"trainer ill"}"#).unwrap();
    ok(&data, &["do", "pilot", file.to_str().unwrap()]);
    let (uid2, seq, start, _) = session_event(&data);
    assert_eq!(uid2, uid, "the UID is stable across a reschedule");
    assert_eq!((seq.as_str(), start.as_str()), ("1", "20270317T130000Z"));

    std::fs::write(
        &file,
        r#"{"type":"CancelSession","session":"s-1","reason":"branch closed"}"#,
    )
    .unwrap();
    ok(&data, &["do", "pilot", file.to_str().unwrap()]);
    let (uid3, seq, _, status) = session_event(&data);
    assert_eq!(uid3, uid);
    assert_eq!((seq.as_str(), status.as_str()), ("2", "CANCELLED"));
}

/// Reads CSV bytes back with the `csv` reader: the header and the rows, all the same width.
fn read_csv(text: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    assert!(text.is_empty() || text.ends_with("\r\n"), "CRLF line ends");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("every row reads back with the header's width");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}

const TABLES: [&str; 5] = [
    "progress",
    "attendance",
    "skills",
    "commitments",
    "follow-ups",
];

#[test]
fn demo_spreadsheets_read_back() {
    with_demo(|data| {
        let head = head(data);
        for program in [ROLLOUT, MENTORING] {
            let (json, _) = ok(
                data,
                &[
                    "dashboard",
                    program,
                    "--format",
                    "json",
                    "--as-of",
                    DEMO_END,
                ],
            );
            let view: serde_json::Value = serde_json::from_str(&json).unwrap();
            for table in TABLES {
                let (text, stderr) = ok(
                    data,
                    &[
                        "export", program, "--format", "csv", "--table", table, "--as-of", DEMO_END,
                    ],
                );
                assert!(stderr.contains(&format!("head {head}")), "{stderr}");
                let (header, rows) = read_csv(&text);
                assert!(!header.is_empty());
                for row in &rows {
                    for (column, value) in row {
                        assert!(
                            !value.starts_with(['=', '+', '@']),
                            "{program} {table} {column}: {value:?}"
                        );
                    }
                }
                // Every table of both demo programs has real rows.
                assert!(!rows.is_empty(), "{program} {table} has rows");
                if table == "commitments" {
                    // Each supervisor's rows add up to their row of the dashboard's ledger; a
                    // learner whose supervisor was never asked is listed, not in the ledger.
                    let mut sums: BTreeMap<String, [u64; 4]> = BTreeMap::new();
                    for row in rows.iter().filter(|r| r["Status"] != "not asked") {
                        let sum = sums.entry(row["Supervisor"].clone()).or_default();
                        for (i, column) in [
                            "Minutes asked",
                            "Minutes promised",
                            "Minutes delivered",
                            "Absences for no release time",
                        ]
                        .iter()
                        .enumerate()
                        {
                            sum[i] += row[*column].parse::<u64>().unwrap();
                        }
                    }
                    let ledger: BTreeMap<String, [u64; 4]> = view["commitments"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| {
                            let n = |k: &str| r[k].as_u64().unwrap();
                            (
                                r["supervisor"].as_str().unwrap().to_string(),
                                [
                                    n("minutes_asked"),
                                    n("minutes_committed"),
                                    n("minutes_delivered"),
                                    n("no_release_time_absences"),
                                ],
                            )
                        })
                        .collect();
                    assert_eq!(sums, ledger, "{program}");
                }
                if table == "attendance" && program == MENTORING {
                    // The register of a mentoring program is its coaching sessions: the
                    // mentor's row and the mentee's, present, for each one held.
                    let held = view["mentoring"]["coaching_sessions"].as_u64().unwrap();
                    assert!(held > 0);
                    assert_eq!(rows.len() as u64, 2 * held);
                    assert!(rows.iter().all(|r| r["Status"] == "held"
                        && r["Present"] == "yes"
                        && r["Module"].starts_with("coaching")
                        && r["Session"].contains('/')));
                }
                if table == "commitments" && program == MENTORING {
                    assert!(rows.iter().all(|r| r["Status"] == "not asked"
                        && !r["Supervisor"].is_empty()
                        && r["Minutes asked"] == "0"));
                }
                if table == "progress" {
                    assert_eq!(rows.len(), view["learners"].as_array().unwrap().len());
                    let completed = rows.iter().filter(|r| r["Completed"] == "yes").count();
                    let expected = view["learners"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|l| l["completed"] == true)
                        .count();
                    assert_eq!(completed, expected);
                }
            }
        }
        // The default table is progress.
        let (default, _) = ok(
            data,
            &["export", ROLLOUT, "--format", "csv", "--as-of", DEMO_END],
        );
        let (progress, _) = ok(
            data,
            &[
                "export", ROLLOUT, "--format", "csv", "--table", "progress", "--as-of", DEMO_END,
            ],
        );
        assert_eq!(default, progress);
    });
}

#[test]
fn a_flag_the_format_does_not_use_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    for (args, expected) in [
        (
            &["export", "--format", "jsonl", "--table", "skills"][..],
            "--table is not used by --format jsonl: only --format csv takes it",
        ),
        (
            &["export", "--person", "ann"][..],
            "--person is not used by --format jsonl: only --format ics takes it",
        ),
        (
            &["export", "--format", "jsonl", "--as-of", "2026-10-31"][..],
            "--as-of is not used by --format jsonl: only --format ics, csv or plan-md takes it",
        ),
        (
            &["export", ROLLOUT, "--format", "ics", "--table", "skills"][..],
            "--table is not used by --format ics: only --format csv takes it",
        ),
        (
            &[
                "export", ROLLOUT, "--format", "plan-md", "--table", "progress",
            ][..],
            "--table is not used by --format plan-md: only --format csv takes it",
        ),
        (
            &["export", ROLLOUT, "--format", "csv", "--person", "ann"][..],
            "--person is not used by --format csv: only --format ics takes it",
        ),
    ] {
        let out = run(&data, args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn formula_like_text_is_defused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    small_program(&data, dir.path());
    let (text, _) = ok(
        &data,
        &[
            "export",
            "pilot",
            "--format",
            "csv",
            "--table",
            "follow-ups",
        ],
    );
    let (_, rows) = read_csv(&text);
    assert_eq!(rows[0]["Purpose"], "'=HYPERLINK(\"x\")");
    assert_eq!(rows[0]["Due"], "2027-04-20");
    let (text, _) = ok(
        &data,
        &[
            "export",
            "pilot",
            "--format",
            "csv",
            "--table",
            "attendance",
        ],
    );
    let (_, rows) = read_csv(&text);
    assert_eq!(rows[0]["Start (local)"], "2027-03-10 09:30");
    assert_eq!(rows[0]["Location"], "Central, room 2");
}

#[test]
fn snapshots_of_every_export_of_both_demo_programs() {
    with_demo(|data| {
        for (name, program) in [("rollout", ROLLOUT), ("mentoring", MENTORING)] {
            let (ics, _) = ok(
                data,
                &["export", program, "--format", "ics", "--as-of", DEMO_END],
            );
            insta::assert_snapshot!(format!("export_{name}_ics"), ics.replace("\r\n", "\n"));
            let (plan, stderr) = ok(
                data,
                &[
                    "export", program, "--format", "plan-md", "--as-of", DEMO_END,
                ],
            );
            let head = head(data);
            assert!(stderr.contains(&format!("head {head}")), "{stderr}");
            assert!(
                plan.trim_end()
                    .ends_with(&format!("`baton verify --head {head}`).")),
                "the plan's last line names the head"
            );
            insta::assert_snapshot!(format!("export_{name}_plan_md"), plan);
            for table in TABLES {
                let (text, _) = ok(
                    data,
                    &[
                        "export", program, "--format", "csv", "--table", table, "--as-of", DEMO_END,
                    ],
                );
                insta::assert_snapshot!(
                    format!("export_{name}_csv_{table}"),
                    text.replace("\r\n", "\n")
                );
            }
        }
    });
}

/// The checks of a what-is-due calendar: its items are all-day, with a stable UID, and
/// (being reminders, not meetings) carry neither SEQUENCE nor VALARM.
fn check_due_calendar(cal: &Component, head: &str) {
    assert_eq!(cal.name, "VCALENDAR");
    assert_eq!(cal.get("X-BATON-HEAD"), Some(head));
    let mut uids = std::collections::BTreeSet::new();
    for ev in cal.events() {
        let uid = ev.get("UID").expect("every item has a UID");
        assert!(uid.starts_with("due.") && uid.ends_with("@baton"), "{uid}");
        assert!(uids.insert(uid.to_string()), "UID {uid} appears once");
        assert!(ev.get("DTSTAMP").is_some_and(|s| s.ends_with('Z')));
        assert_eq!(ev.params("DTSTART"), Some("VALUE=DATE"));
        assert_eq!(ev.get("CATEGORIES"), Some("due"));
    }
}

/// The first learner (mentee) of `program`'s dashboard at the demo's end.
fn first_learner(data: &Path, program: &str) -> String {
    let (json, _) = ok(
        data,
        &[
            "dashboard",
            program,
            "--format",
            "json",
            "--as-of",
            DEMO_END,
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["learners"][0]["person"].as_str().unwrap().to_string()
}

#[test]
fn snapshots_of_the_person_and_due_calendars_and_the_roster() {
    with_demo(|data| {
        let head = head(data);
        // Noah Dumont was invited to a roll-out session that was moved, then cancelled.
        for (name, program, person) in [
            ("rollout", ROLLOUT, "noah-dumont".to_string()),
            ("mentoring", MENTORING, first_learner(data, MENTORING)),
        ] {
            let args = [
                "export", program, "--format", "ics", "--person", &person, "--as-of", DEMO_END,
            ];
            let (ics, _) = ok(data, &args);
            assert_eq!(ok(data, &args).0, ics, "the same bytes twice");
            let cal = parse_ics(&ics);
            check_calendar(&cal, &head);
            assert!(!cal.events().is_empty(), "{name}: {person} has items");
            if program == ROLLOUT {
                assert!(cal.events().iter().any(
                    |e| e.get("STATUS") == Some("CANCELLED") && e.get("SEQUENCE") != Some("0")
                ));
            }
            insta::assert_snapshot!(
                format!("export_{name}_ics_person"),
                ics.replace("\r\n", "\n")
            );
            // What is due for that person, as a calendar.
            let args = [
                "due", "--person", &person, "--as-of", DEMO_END, "--format", "ics",
            ];
            let (due, _) = ok(data, &args);
            assert_eq!(ok(data, &args).0, due);
            check_due_calendar(&parse_ics(&due), &head);
            insta::assert_snapshot!(format!("due_{name}_person_ics"), due.replace("\r\n", "\n"));
        }
        // What is due across both programs, as a calendar.
        let args = ["due", "--as-of", DEMO_END, "--format", "ics"];
        let (due, _) = ok(data, &args);
        assert_eq!(ok(data, &args).0, due);
        let cal = parse_ics(&due);
        check_due_calendar(&cal, &head);
        for program in [ROLLOUT, MENTORING] {
            assert!(
                cal.events()
                    .iter()
                    .any(|e| e.get("UID").unwrap().contains(&format!(".{program}@baton"))),
                "{program} has something due"
            );
        }
        insta::assert_snapshot!("due_demo_ics", due.replace("\r\n", "\n"));
        // The organization's roster (it has no program: one snapshot).
        let (roster, _) = ok(data, &["roster", "export"]);
        assert_eq!(ok(data, &["roster", "export"]).0, roster);
        let (_, rows) = read_csv(&roster);
        assert!(rows.len() > 100);
        insta::assert_snapshot!("roster_demo_csv", roster.replace("\r\n", "\n"));
    });
}

#[test]
fn due_lists_follow_ups_sessions_without_outcome_and_unanswered_commitments() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    small_program(&data, dir.path());
    ok(
        &data,
        &[
            "do",
            "organization",
            "change-supervisor",
            "--person",
            "ann",
            "--supervisor",
            "bob",
        ],
    );
    ok(
        &data,
        &[
            "do",
            "pilot",
            "ask-commitment",
            "--learner",
            "ann",
            "--supervisor",
            "bob",
            "--minutes",
            "90",
        ],
    );
    let (json, _) = ok(
        &data,
        &[
            "due",
            "--as-of",
            "2027-04-15",
            "--within",
            "1w",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kinds: Vec<(&str, &str)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["key"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("commitment_unanswered", "commitment.ann"),
            ("session_without_outcome", "session.s-1"),
            ("follow_up_due", "follow-up.f-1")
        ],
        "{json}"
    );
    // Outside the window the follow-up is not listed; for bob only what concerns him.
    let (json, _) = ok(
        &data,
        &[
            "due",
            "--as-of",
            "2027-04-15",
            "--within",
            "2d",
            "--person",
            "bob",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "{json}");
    // As a calendar: one all-day item each, with stable UIDs.
    let (text, _) = ok(
        &data,
        &[
            "due",
            "--as-of",
            "2027-04-15",
            "--within",
            "1w",
            "--format",
            "ics",
        ],
    );
    let cal = parse_ics(&text);
    assert_eq!(cal.get("X-BATON-HEAD"), Some(head(&data).as_str()));
    let uids: Vec<&str> = cal.events().iter().map(|e| e.get("UID").unwrap()).collect();
    assert!(uids.contains(&"due.follow-up.f-1.pilot@baton"), "{uids:?}");
    let err = run(&data, &["due", "--within", "soon"]);
    assert!(String::from_utf8_lossy(&err.stderr)
        .contains("--within \"soon\": expected a number of days"));
}

#[test]
fn due_on_the_demo() {
    with_demo(|data| {
        let (json, _) = ok(data, &["due", "--as-of", DEMO_END, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "refresher"));
        insta::assert_json_snapshot!("due_demo_json", v);
        let (table, _) = ok(data, &["due", "--as-of", DEMO_END]);
        insta::assert_snapshot!("due_demo_table", table);
    });
}

#[test]
fn a_chosen_mitigation_is_in_the_action_plan_and_an_unknown_one_is_refused() {
    with_demo(|data| {
        let before = head(data);
        // Neither an unknown scenario nor a mitigation the scenario does not offer is stored.
        for (scenario, mitigation, rule) in [
            (
                "no-such-scenario",
                "supervisor-briefing",
                "unknown_scenario",
            ),
            (
                "reluctant-supervisors",
                "no-such-mitigation",
                "unknown_mitigation",
            ),
        ] {
            let out = run(
                data,
                &[
                    "do",
                    "ils-rollout",
                    "choose-mitigation",
                    "--scenario",
                    scenario,
                    "--mitigation",
                    mitigation,
                ],
            );
            assert!(!out.status.success());
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(rule), "{err}");
        }
        assert_eq!(head(data), before);
        let (plan, _) = ok(data, &["export", "ils-rollout", "--format", "plan-md"]);
        assert!(
            plan.contains("## Mitigations chosen\n\nNone chosen yet."),
            "{plan}"
        );
        ok(
            data,
            &[
                "do",
                "ils-rollout",
                "choose-mitigation",
                "--scenario",
                "key-person-leaves",
                "--mitigation",
                "backup-trainers",
                "--reason",
                "our only serials cataloguer retires in spring",
                "--on",
                "2026-10-30",
            ],
        );
        let (plan, _) = ok(data, &["export", "ils-rollout", "--format", "plan-md"]);
        let chosen = plan
            .split("## Mitigations chosen\n\n")
            .nth(1)
            .and_then(|rest| rest.lines().next())
            .unwrap();
        assert!(
            chosen.starts_with("- Backup trainers")
                && chosen.contains("(scenario `key-person-leaves`, mitigation `backup-trainers`), chosen 2026-10-30: our only serials cataloguer retires in spring."),
            "{chosen}"
        );
        // Its scenario is a challenge anticipated, named once.
        let anticipated = plan
            .split("## Challenges anticipated\n\n")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .unwrap();
        assert_eq!(
            anticipated.matches("scenario `key-person-leaves`").count(),
            1,
            "{anticipated}"
        );
        // The audit names it.
        let (history, _) = ok(data, &["history", "ils-rollout", "--format", "json"]);
        assert!(
            history
                .contains("mitigation chosen: backup-trainers for the scenario key-person-leaves"),
            "{}",
            &history[history.len().saturating_sub(2000)..]
        );
    });
}

#[test]
fn a_coaching_session_moved_then_cancelled_raises_its_sequence_and_is_published_cancelled() {
    with_demo(|data| {
        let coaching = |data: &Path| {
            let (text, _) = ok(data, &["export", "mentoring-2026", "--format", "ics"]);
            let cal = parse_ics(&text);
            check_calendar(&cal, &head(data));
            let ev = cal
                .events()
                .into_iter()
                .find(|e| e.get("UID") == Some("coaching.p-1.c-late.mentoring-2026@baton"))
                .expect("the scheduled coaching session is in the feed");
            (
                ev.get("SEQUENCE").unwrap().to_string(),
                ev.get("DTSTART").unwrap().to_string(),
                ev.get("STATUS").unwrap().to_string(),
            )
        };
        let do_ = |args: &[&str]| {
            let mut all = vec!["do", "mentoring-2026"];
            all.extend_from_slice(args);
            ok(data, &all);
        };
        do_(&[
            "schedule-coaching-session",
            "--pair",
            "p-1",
            "--session",
            "c-late",
            "--start",
            "2026-12-03T14:00",
            "--duration-minutes",
            "45",
        ]);
        // 14:00 in Paris in December is 13:00 UTC.
        assert_eq!(
            coaching(data),
            ("0".into(), "20261203T130000Z".into(), "CONFIRMED".into())
        );
        do_(&[
            "reschedule-coaching-session",
            "--pair",
            "p-1",
            "--session",
            "c-late",
            "--start",
            "2026-12-04T09:30",
            "--reason",
            "mentor on leave",
        ]);
        assert_eq!(
            coaching(data),
            ("1".into(), "20261204T083000Z".into(), "CONFIRMED".into())
        );
        do_(&[
            "cancel-coaching-session",
            "--pair",
            "p-1",
            "--session",
            "c-late",
            "--reason",
            "the mentee changed branch",
        ]);
        assert_eq!(
            coaching(data),
            ("2".into(), "20261204T083000Z".into(), "CANCELLED".into())
        );
        // Cancelled, it is no longer due.
        let (due, _) = ok(data, &["due", "--format", "json", "--within", "30d"]);
        assert!(!due.contains("c-late"), "{due}");
        // The attendance register lists it, cancelled, for the mentor and the mentee, with
        // nobody marked present.
        let (text, _) = ok(
            data,
            &[
                "export",
                "mentoring-2026",
                "--format",
                "csv",
                "--table",
                "attendance",
            ],
        );
        let (_, rows) = read_csv(&text);
        let late: Vec<_> = rows
            .iter()
            .filter(|r| r["Session"] == "p-1/c-late")
            .collect();
        assert_eq!(late.len(), 2, "{text}");
        for r in &late {
            assert_eq!(
                (
                    r["Status"].as_str(),
                    r["Present"].as_str(),
                    r["Start (local)"].as_str()
                ),
                ("cancelled", "", "2026-12-04 09:30")
            );
        }
        assert_eq!(late[0]["Name"], "Noah Moreau", "the mentor first");
        assert_eq!(late[1]["Name"], "Clara Diallo");
    });
}
