//! Rosters end to end: import a staff spreadsheet, re-import it changed (only the changes are
//! recorded), export it back, refuse a bad one by line and column with nothing stored, and
//! enrol in bulk.

use std::path::Path;

#[path = "common/cli.rs"]
mod cli;
use cli::{fails, ok};

fn head(data: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&ok(data, &["verify", "--format", "json"])).unwrap();
    v["head"].to_string()
}

/// A store with the organization configured and two catalogue skills.
fn store(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("store");
    let org = dir.join("org.jsonl");
    std::fs::write(
        &org,
        [
            r#"{"type":"ConfigureOrganization","name":"Test Library","time_zone":"Europe/Paris"}"#,
            r#"{"type":"AddSkill","skill":"search","name":"Searching"}"#,
            r#"{"type":"AddSkill","skill":"reports","name":"Monthly reports"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    ok(&data, &["do", "organization", org.to_str().unwrap()]);
    data
}

const STAFF: &str = "\
name;person;department;branch;supervisor;joined;Searching;reports
Dora Diaz;;management;central;;2025-01-06;4;3
Ann Lee;;lending;central;dora-diaz;2025-02-03;2;
\"Bob; the Builder\";bob;lending;north;dora-diaz;2025-03-03;;1
Zoé Martin;;cataloguing;north;bob;2025-04-07;0;0
";

#[test]
fn a_roster_imports_then_records_only_its_changes_and_exports_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = store(dir.path());
    let file = dir.path().join("staff.csv");
    std::fs::write(&file, STAFF).unwrap();
    let out = ok(&data, &["roster", "import", file.to_str().unwrap()]);
    assert!(out.contains("4 AddPerson"), "{out}");
    assert!(out.contains("6 AssessSkill"), "{out}");
    // The supervisor joins before the people she supervises, whatever the file's order.
    let history = ok(&data, &["history", "organization", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&history).unwrap();
    let joined: Vec<String> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "PersonJoined" || e["type"] == "PersonJoined")
        .map(|e| e.to_string())
        .collect();
    assert_eq!(joined.len(), 4, "{history}");
    assert!(joined[0].contains("dora-diaz"));

    // The same roster again records nothing.
    let before = head(&data);
    let out = ok(&data, &["roster", "import", file.to_str().unwrap()]);
    assert!(out.contains("nothing recorded"), "{out}");
    assert_eq!(head(&data), before);

    // Export → import into the same store: nothing; the export reads back with the csv reader.
    let exported = ok(&data, &["roster", "export"]);
    assert!(exported.ends_with("\r\n"));
    let mut reader = csv::Reader::from_reader(exported.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "person",
            "name",
            "department",
            "branch",
            "supervisor",
            "joined",
            "left",
            "reports",
            "search"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    let bob = rows.iter().find(|r| &r[0] == "bob").unwrap();
    assert_eq!(&bob[1], "Bob; the Builder");
    let zoe = rows.iter().find(|r| &r[0] == "zoe-martin").unwrap();
    assert_eq!((&zoe[4], &zoe[5], &zoe[8]), ("bob", "2025-04-07", "0"));
    let back = dir.path().join("back.csv");
    std::fs::write(&back, &exported).unwrap();
    let out = ok(&data, &["roster", "import", back.to_str().unwrap()]);
    assert!(out.contains("nothing recorded"), "{out}");

    // Into a fresh store: the export of the copy is the same file.
    let fresh = tempfile::tempdir().unwrap();
    let copy = store(fresh.path());
    ok(&copy, &["roster", "import", back.to_str().unwrap()]);
    assert_eq!(ok(&copy, &["roster", "export"]), exported);

    // An updated roster: a move, a new supervisor, a leaver, a new level, a newcomer.
    let updated = "\
person,name,branch,supervisor,left,search
ann-lee,Ann Lee,north,bob,,3
bob,\"Bob; the Builder\",north,dora-diaz,2026-06-30,
eve,Eve Adams,central,,,
";
    std::fs::write(&file, updated).unwrap();
    let out = ok(
        &data,
        &["roster", "import", file.to_str().unwrap(), "--dry-run"],
    );
    assert!(out.contains("dry run"), "{out}");
    assert_eq!(head(&data), before);
    let out = ok(&data, &["roster", "import", file.to_str().unwrap()]);
    assert!(
        out.contains(
            "1 AddPerson, 1 AssessSkill, 1 ChangeSupervisor, 1 MovePerson, 1 RecordDeparture"
        ),
        "{out}"
    );
    let exported = ok(&data, &["roster", "export"]);
    let ann = exported
        .lines()
        .find(|l| l.starts_with("ann-lee,"))
        .unwrap();
    assert_eq!(ann, "ann-lee,Ann Lee,lending,north,bob,2025-02-03,,,3");
    assert!(exported.contains("bob,Bob; the Builder,lending,north,dora-diaz,2025-03-03,2026-06-30"));
}

#[test]
fn a_bad_roster_is_refused_by_line_and_column_with_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let data = store(dir.path());
    let before = head(&data);
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "name,person,joined,search\n\
         Ann Lee,,2025-02-03,2\n\
         ,nameless,,\n\
         Bob,Bob!,2025-13-01,7\n\
         \"Cleo\nSmith\",cleo,,\n\
         Dan,ann-lee,,\n",
    )
    .unwrap();
    let err = fails(&data, &["roster", "import", file.to_str().unwrap()]);
    for expected in [
        "line 3, column name: empty",
        "line 4, column joined: \"2025-13-01\": expected a day like 2026-03-01",
        "line 4, column search: \"7\": expected a level from 0 to 4",
        "line 4, column person: \"Bob!\": expected an id",
        "line 7, column person: \"ann-lee\" is already on line 2",
        "5 problems found; nothing was imported",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(head(&data), before, "nothing was stored");

    // An unknown column is named in the header line.
    std::fs::write(&file, "name,colour\nAnn,red\n").unwrap();
    let err = fails(&data, &["roster", "import", file.to_str().unwrap()]);
    assert!(
        err.contains("line 1, column colour: unknown column"),
        "{err}"
    );
    // A supervisor nobody knows.
    std::fs::write(&file, "name,supervisor\nAnn,ghost\n").unwrap();
    let err = fails(&data, &["roster", "import", file.to_str().unwrap()]);
    assert!(
        err.contains("line 2, column supervisor: \"ghost\""),
        "{err}"
    );
    assert_eq!(head(&data), before);
}

#[test]
fn enrol_in_bulk_by_branch_department_or_roster() {
    let dir = tempfile::tempdir().unwrap();
    let data = store(dir.path());
    let file = dir.path().join("staff.csv");
    std::fs::write(&file, STAFF).unwrap();
    ok(&data, &["roster", "import", file.to_str().unwrap()]);
    let create = dir.path().join("create.json");
    std::fs::write(
        &create,
        r#"{"type":"CreateProgram","program":"pilot","kind":"training","title":"Pilot"}"#,
    )
    .unwrap();
    ok(&data, &["do", "pilot", create.to_str().unwrap()]);

    let out = ok(&data, &["enrol", "pilot", "--branch", "north", "--dry-run"]);
    assert!(out.contains("would enrol 2 people"), "{out}");
    let out = ok(&data, &["enrol", "pilot", "--branch", "north"]);
    assert!(
        out.contains("enrolled 2 people in pilot:\n  bob, zoe-martin"),
        "{out}"
    );
    let out = ok(&data, &["enrol", "pilot", "--branch", "north"]);
    assert!(out.contains("nobody to enrol"), "{out}");
    let out = ok(&data, &["enrol", "pilot", "--department", "lending"]);
    assert!(
        out.contains("enrolled 1 people in pilot:\n  ann-lee"),
        "{out}"
    );

    let list = dir.path().join("list.csv");
    std::fs::write(&list, "name\nDora Diaz\nAnn Lee\n").unwrap();
    let out = ok(
        &data,
        &["enrol", "pilot", "--roster", list.to_str().unwrap()],
    );
    assert!(out.contains("  dora-diaz"), "{out}");
    std::fs::write(&list, "person\nghost\n").unwrap();
    let err = fails(
        &data,
        &["enrol", "pilot", "--roster", list.to_str().unwrap()],
    );
    assert!(
        err.contains("line 2, column person: \"ghost\": no such person"),
        "{err}"
    );
    // A branch or department nobody works in is a mistake, not "everyone is enrolled".
    let before = head(&data);
    let err = fails(&data, &["enrol", "pilot", "--branch", "nowhere"]);
    assert!(
        err.contains("--branch \"nowhere\": nobody in the organization works in that branch (expected one of central, north)"),
        "{err}"
    );
    let err = fails(&data, &["enrol", "pilot", "--department", "nowhere"]);
    assert!(
        err.contains(
            "--department \"nowhere\": nobody in the organization works in that department"
        ),
        "{err}"
    );
    assert_eq!(head(&data), before);
    let err = fails(&data, &["enrol", "pilot"]);
    assert!(
        err.contains("--roster") || err.contains("required"),
        "{err}"
    );
}

#[test]
fn lines_are_the_file_lines_in_crlf_files_and_after_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = store(dir.path());
    let file = dir.path().join("bad.csv");
    let path = file.to_str().unwrap();
    // CRLF: the first data row is line 2, not line 1.
    std::fs::write(
        &file,
        "name,joined\r\nAnn Lee,yesterday\r\nBob,2025-13-01\r\n",
    )
    .unwrap();
    let err = fails(&data, &["roster", "import", path]);
    assert!(
        err.contains("line 2, column joined: \"yesterday\""),
        "{err}"
    );
    assert!(
        err.contains("line 3, column joined: \"2025-13-01\""),
        "{err}"
    );
    // Blank lines count as lines, in LF and in CRLF files.
    for eol in ["\n", "\r\n"] {
        let text = [
            "name,joined",
            "",
            "Ann Lee,2025-02-03",
            "",
            "",
            "Bob,soon",
            "",
        ]
        .join(eol);
        std::fs::write(&file, text).unwrap();
        let err = fails(&data, &["roster", "import", path]);
        assert!(
            err.contains("line 6, column joined: \"soon\""),
            "{eol:?}: {err}"
        );
    }
    // The same for a roster of people to enrol.
    let create = dir.path().join("create.json");
    std::fs::write(
        &create,
        r#"{"type":"CreateProgram","program":"pilot","kind":"training","title":"Pilot"}"#,
    )
    .unwrap();
    ok(&data, &["do", "pilot", create.to_str().unwrap()]);
    std::fs::write(&file, "person\r\n\r\nghost\r\n").unwrap();
    let err = fails(&data, &["enrol", "pilot", "--roster", path]);
    assert!(
        err.contains("line 3, column person: \"ghost\": no such person"),
        "{err}"
    );
}

#[test]
fn a_cell_guarded_against_formulas_reads_back_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data = store(dir.path());
    let file = dir.path().join("staff.csv");
    std::fs::write(
        &file,
        "name,department,branch\nAnn Lee,+extern,-north\nBob,'plain,=sum\n",
    )
    .unwrap();
    ok(&data, &["roster", "import", file.to_str().unwrap()]);
    let exported = ok(&data, &["roster", "export"]);
    assert!(
        exported.contains("ann-lee,Ann Lee,'+extern,'-north"),
        "{exported}"
    );
    // A quote the export did not add (before a letter) is part of the value.
    assert!(exported.contains("bob,Bob,'plain,'=sum"), "{exported}");
    let before = head(&data);
    let back = dir.path().join("back.csv");
    std::fs::write(&back, &exported).unwrap();
    let out = ok(&data, &["roster", "import", back.to_str().unwrap()]);
    assert!(out.contains("nothing recorded"), "{out}");
    assert_eq!(head(&data), before);
}

#[test]
fn a_change_no_command_records_is_refused_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = store(dir.path());
    let file = dir.path().join("staff.csv");
    let path = file.to_str().unwrap();
    std::fs::write(&file, STAFF).unwrap();
    ok(&data, &["roster", "import", path]);
    std::fs::write(
        &file,
        "person,name,left\nbob,\"Bob; the Builder\",2026-06-30\n",
    )
    .unwrap();
    ok(&data, &["roster", "import", path]);
    let before = head(&data);
    std::fs::write(
        &file,
        "person,name,joined,left\n\
         ann-lee,Ann Leigh,2025-02-03,\n\
         dora-diaz,Dora Diaz,2024-01-01,\n\
         bob,\"Bob; the Builder\",,2026-07-31\n\
         zoe-martin,Zoé Martin,,\n",
    )
    .unwrap();
    let err = fails(&data, &["roster", "import", path]);
    for expected in [
        "line 2, column name: \"Ann Leigh\" but ann-lee is recorded as \"Ann Lee\": a roster import cannot rename anyone",
        "line 3, column joined: 2024-01-01 but dora-diaz is recorded as joined on 2025-01-06: a roster import cannot change a join day",
        "line 4, column left: 2026-07-31 but bob is recorded as leaving on 2026-06-30: a roster import cannot change a last day",
        "CorrectEvent",
        "3 problems found; nothing was imported",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    std::fs::write(&file, "person,name,left\nbob,\"Bob; the Builder\",\n").unwrap();
    let err = fails(&data, &["roster", "import", path]);
    assert!(
        err.contains("line 2, column left: empty but bob is recorded as leaving on 2026-06-30: a roster import cannot take back a departure"),
        "{err}"
    );
    assert_eq!(head(&data), before, "nothing was stored");
}

#[test]
fn a_rename_through_a_correction_shows_the_new_name_in_the_read_views() {
    let dir = tempfile::tempdir().unwrap();
    let data = store(dir.path());
    let file = dir.path().join("staff.csv");
    std::fs::write(&file, STAFF).unwrap();
    ok(&data, &["roster", "import", file.to_str().unwrap()]);
    // Ann's PersonJoined, found in the log.
    let log = ok(&data, &["export"]);
    let seq = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["type"] == "PersonJoined" && e["data"]["person"] == "ann-lee")
        .map(|e| e["seq"].as_u64().unwrap())
        .expect("ann-lee joined")
        .to_string();
    // Corrected from flags alone: the replacement's command and its fields as
    // --replacement-FIELD.
    ok(
        &data,
        &[
            "do",
            "organization",
            "correct-event",
            "--seq",
            &seq,
            "--reason",
            "her name is spelt Leigh",
            "--replacement",
            "add-person",
            "--replacement-person",
            "ann-lee",
            "--replacement-name",
            "Ann Leigh",
            "--replacement-department",
            "lending",
            "--replacement-branch",
            "central",
            "--replacement-supervisor",
            "dora-diaz",
            "--replacement-on",
            "2025-02-03",
        ],
    );
    let journey: serde_json::Value =
        serde_json::from_str(&ok(&data, &["journey", "ann-lee", "--format", "json"])).unwrap();
    assert_eq!(journey["name"], "Ann Leigh", "{journey}");
    let roster = ok(&data, &["roster", "export"]);
    assert!(roster.contains("ann-lee,Ann Leigh,"), "{roster}");
    assert!(!roster.contains("Ann Lee"), "{roster}");
    // The re-import of the new roster sees nothing to change.
    std::fs::write(&file, &roster).unwrap();
    let again = ok(
        &data,
        &[
            "roster",
            "import",
            file.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["changes"], serde_json::json!([]), "{again}");
}
