//! Scenario files: the library parses, and a wrong file gets an error naming the file, the line
//! and the key, and saying what is expected.

use baton::sim::scenario::{self, LIBRARY};

#[test]
fn every_library_scenario_parses_and_offers_mitigations() {
    let names: Vec<&str> = LIBRARY.iter().map(|(n, _)| *n).collect();
    for n in [
        "as-planned",
        "reluctant-trainers",
        "reluctant-supervisors",
        "reluctant-students",
        "hidden-knowledge",
        "tight-deadline",
        "long-roll-out",
        "key-person-leaves",
        "organization-change",
        "perfect-storm",
    ] {
        assert!(names.contains(&n), "{n} is in the library");
    }
    for (name, text) in LIBRARY {
        let s = scenario::parse(name, name, text).unwrap();
        assert!(!s.mitigations.is_empty(), "{name} has mitigations");
        assert!(
            s.mitigations.iter().all(|m| !m.set.is_empty()),
            "{name}: every mitigation sets a parameter"
        );
        if name != "as-planned" {
            assert!(!s.cards.is_empty(), "{name} has challenge cards");
        }
        // The embedded copy is the file on disk.
        let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        assert_eq!(std::fs::read_to_string(path).unwrap(), *text);
    }
}

/// One bad file: the line, the key and a part of the message expected.
fn check(text: &str, line: usize, key: &str, message: &str) {
    let e = scenario::parse("bad.toml", "bad", text).unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.line, e.key.as_str()),
        ("bad.toml", line, key),
        "{e}"
    );
    assert!(e.message.contains(message), "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("bad.toml:{line}: `{key}`")),
        "{e}"
    );
}

const HEAD: &str = "title = \"t\"\ndescription = \"d\"\n";

#[test]
fn bad_files_are_named_by_line_and_key() {
    check(
        &format!("{HEAD}[parameters]\n\"attendance.nope\" = 1\n"),
        4,
        "parameters.attendance.nope",
        "unknown parameter",
    );
    check(
        &format!("{HEAD}[parameters]\n\"attendance.released\" = 1.5\n"),
        4,
        "parameters.attendance.released",
        "between 0 and 1",
    );
    check(
        &format!("{HEAD}[parameters]\n\"attendance.released\" = \"high\"\n"),
        4,
        "parameters.attendance.released",
        "invalid type",
    );
    check(
        &format!("{HEAD}\n[[cards]]\nid = \"c\"\nafter_days = -3\ntext = \"x\"\n"),
        6,
        "cards[0].after_days",
        "invalid value",
    );
    check(
        &format!("{HEAD}[[cards]]\nid = \"c\"\nafter_days = 3\ntext = \"x\"\nresponses = [\"nothing\"]\n"),
        7,
        "cards[0].responses",
        "unknown mitigation `nothing`",
    );
    check(
        &format!("{HEAD}colour = \"red\"\n"),
        3,
        "colour",
        "unknown field",
    );
    check("description = \"d\"\n", 1, ".", "missing field `title`");
    check(
        &format!("{HEAD}[mitigations.m]\ntitle = \"m\"\ndescription = \"m\"\nset = {{ \"trainers.backup\" = 2 }}\n"),
        6,
        "mitigations.m.set.trainers.backup",
        "between 0 and 1",
    );
}
