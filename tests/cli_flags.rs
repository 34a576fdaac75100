//! `baton do PROGRAM COMMAND --field value…`: the coordinator's everyday work without JSON,
//! giving the same events as the JSON form.

#[path = "common/cli.rs"]
mod cli;
use cli::{fails, ok, run};

#[test]
fn a_program_is_run_from_flags_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let d = data.as_path();
    ok(
        d,
        &[
            "do",
            "organization",
            "configure-organization",
            "--name",
            "Test Library",
            "--time-zone",
            "Europe/Paris",
        ],
    );
    for (id, name) in [
        ("ann", "Ann Lee"),
        ("bob", "Bob Stone"),
        ("cleo", "Cleo Park"),
    ] {
        ok(
            d,
            &[
                "do",
                "organization",
                "add-person",
                "--person",
                id,
                "--name",
                name,
                "--department",
                "lending",
                "--branch",
                "central",
                "--on",
                "2026-01-05",
            ],
        );
    }
    ok(
        d,
        &[
            "do",
            "organization",
            "add-skill",
            "--skill",
            "search",
            "--name",
            "Searching",
        ],
    );
    ok(
        d,
        &[
            "do",
            "pilot",
            "create-program",
            "--program",
            "pilot",
            "--kind",
            "training",
            "--title",
            "Pilot",
        ],
    );
    ok(
        d,
        &[
            "do",
            "pilot",
            "define-module",
            "--module",
            "m-1",
            "--title",
            "Search",
            "--skills",
            "search=2",
        ],
    );
    ok(d, &["do", "pilot", "invite-trainer", "--person", "bob"]);
    ok(d, &["do", "pilot", "accept-invitation", "--person", "bob"]);
    ok(d, &["enrol", "pilot", "--branch", "central"]);
    ok(
        d,
        &[
            "do",
            "pilot",
            "schedule-session",
            "--session",
            "s-1",
            "--module",
            "m-1",
            "--trainers",
            "bob",
            "--start",
            "2026-03-10T09:30",
            "--duration-minutes",
            "90",
            "--location",
            "Central, room 2",
            "--capacity",
            "12",
            "--invitees",
            "ann,cleo",
            "--on",
            "2026-03-01",
        ],
    );

    // The flag form and the JSON form decide the same events.
    let flags = ok(
        d,
        &[
            "do",
            "pilot",
            "hold-session",
            "--session",
            "s-1",
            "--present",
            "ann",
            "--absent",
            "cleo=no_release_time",
            "--on",
            "2026-03-10T12:00:00Z",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    let file = dir.path().join("hold.json");
    std::fs::write(&file, r#"{"type":"HoldSession","session":"s-1","attendance":[{"person":"ann","present":true},{"person":"cleo","present":false,"absence_reason":"no_release_time"}]}"#).unwrap();
    let json = ok(
        d,
        &[
            "do",
            "--on",
            "2026-03-10T12:00:00Z",
            "--dry-run",
            "--format",
            "json",
            "pilot",
            file.to_str().unwrap(),
        ],
    );
    let events =
        |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap()["events"].clone();
    assert_eq!(events(&flags), events(&json));
    assert!(events(&flags)[0]["data"]["attendance"][1]["absence_reason"] == "no_release_time");

    let out = ok(
        d,
        &[
            "do",
            "pilot",
            "hold-session",
            "--session",
            "s-1",
            "--present",
            "ann",
            "--absent",
            "cleo=no_release_time",
            "--on",
            "2026-03-10T12:00:00Z",
        ],
    );
    assert!(out.contains("SessionHeld"), "{out}");
    ok(
        d,
        &[
            "do",
            "pilot",
            "record-evaluation",
            "--person",
            "ann",
            "--module",
            "m-1",
            "--result",
            "level=learning,skill=search,skill_level=3",
            "--on",
            "2026-03-11",
        ],
    );
    ok(
        d,
        &[
            "do",
            "pilot",
            "schedule-follow-up",
            "--follow-up",
            "f-1",
            "--person",
            "ann",
            "--due",
            "2026-04-20",
            "--purpose",
            "check use on the job",
        ],
    );
    let dashboard = ok(d, &["dashboard", "pilot", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&dashboard).unwrap();
    assert_eq!(v["attendance"]["present"], 1);
    assert_eq!(v["attendance"]["absences"]["no_release_time"], 1);
    assert_eq!(v["learners"][0]["completed"], true);
}

#[test]
fn each_command_has_its_help_and_bad_flags_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let d = data.as_path();
    let help = ok(d, &["do", "pilot", "hold-session", "--help"]);
    assert!(
        help.starts_with("baton do PROGRAM hold-session [FLAGS]"),
        "{help}"
    );
    assert!(
        help.contains("--present PEOPLE") && help.contains("--absent PEOPLE"),
        "{help}"
    );
    assert!(
        help.contains("--session TEXT      Session. (required)"),
        "{help}"
    );
    let help = ok(d, &["do", "organization", "add-person", "--help"]);
    assert!(
        help.contains("baton do organization add-person --person ann"),
        "{help}"
    );
    // `do`'s own help still lists FILE and the flags.
    let help = ok(d, &["do", "--help"]);
    assert!(help.contains("[FLAGS]"), "{help}");

    ok(
        d,
        &[
            "do",
            "organization",
            "configure-organization",
            "--name",
            "L",
            "--time-zone",
            "Europe/Paris",
        ],
    );
    let err = fails(
        d,
        &[
            "do",
            "organization",
            "add-skill",
            "--skill",
            "s",
            "--colour",
            "red",
        ],
    );
    assert!(
        err.contains("unknown flag --colour: expected one of --skill, --name"),
        "{err}"
    );
    let err = fails(d, &["do", "organization", "add-skill", "--skill", "s"]);
    assert!(err.contains("add-skill --name: missing"), "{err}");
    let err = fails(
        d,
        &[
            "do",
            "organization",
            "assess-skill",
            "--person",
            "x",
            "--skill",
            "s",
            "--level",
            "high",
            "--source",
            "self",
        ],
    );
    assert!(
        err.contains("--level \"high\": expected a whole number"),
        "{err}"
    );
    let err = fails(d, &["do", "pilot", "frobnicate", "--x", "1"]);
    assert!(err.contains("not a command name"), "{err}");
    let err = fails(d, &["do", "pilot", "frobnicate"]);
    assert!(
        err.contains("no such command") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn mentors_are_suggested_from_the_skills_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let d = data.as_path();
    ok(
        d,
        &[
            "do",
            "organization",
            "configure-organization",
            "--name",
            "L",
            "--time-zone",
            "Europe/Paris",
        ],
    );
    ok(
        d,
        &[
            "do",
            "organization",
            "add-skill",
            "--skill",
            "search",
            "--name",
            "Searching",
        ],
    );
    ok(
        d,
        &[
            "do",
            "organization",
            "add-skill",
            "--skill",
            "reports",
            "--name",
            "Reports",
        ],
    );
    let roster = dir.path().join("staff.csv");
    std::fs::write(
        &roster,
        "person,name,branch,search,reports\nann,Ann,central,4,\nbob,Bob,north,3,\ncleo,Cleo,central,0,0\ndan,Dan,north,,4\n",
    )
    .unwrap();
    ok(d, &["roster", "import", roster.to_str().unwrap()]);
    ok(
        d,
        &[
            "do",
            "buddies",
            "create-program",
            "--program",
            "buddies",
            "--kind",
            "mentoring",
            "--title",
            "Buddies",
        ],
    );
    ok(d, &["do", "buddies", "enrol-learner", "--person", "cleo"]);
    let json = ok(d, &["suggest-pairs", "buddies", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let s = &v["suggestions"][0];
    assert_eq!(s["for"], "cleo");
    let order: Vec<&str> = s["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["person"].as_str().unwrap())
        .collect();
    // Same branch first; the only holder of a skill last (their time is scarce).
    assert_eq!(order, ["ann", "bob", "dan"], "{json}");
    assert!(s["candidates"][2]["reason"]
        .as_str()
        .unwrap()
        .contains("only holder"));
    // Ann is not a mentor of the program yet: pairing her alone would fail with
    // not_a_trainer, so the steps before it are printed, in order, and each one works.
    let table = ok(d, &["suggest-pairs", "buddies"]);
    assert!(
        table.contains(
            "  accept, in order:\n    baton do buddies invite-trainer --person ann\n    baton do buddies accept-invitation --person ann   (once they agree)\n    baton do buddies pair-mentee --pair p-new-1 --mentor ann --mentee cleo\n"
        ),
        "{table}"
    );
    ok(d, &["do", "buddies", "invite-trainer", "--person", "ann"]);
    let table = ok(d, &["suggest-pairs", "buddies"]);
    assert!(
        table.contains(
            "  accept, in order:\n    baton do buddies accept-invitation --person ann   (once they agree)\n    baton do buddies pair-mentee"
        ),
        "{table}"
    );
    ok(
        d,
        &["do", "buddies", "accept-invitation", "--person", "ann"],
    );
    let table = ok(d, &["suggest-pairs", "buddies"]);
    assert!(
        table.contains(
            "  accept: baton do buddies pair-mentee --pair p-new-1 --mentor ann --mentee cleo\n"
        ),
        "{table}"
    );
    ok(
        d,
        &[
            "do",
            "buddies",
            "pair-mentee",
            "--pair",
            "p-1",
            "--mentor",
            "ann",
            "--mentee",
            "cleo",
        ],
    );
    let json = ok(d, &["suggest-pairs", "buddies", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["suggestions"],
        serde_json::json!([]),
        "nobody is unpaired: an empty list"
    );

    // Dan alone holds reports, but the truck factor is 2 either way (losing Ann and Bob loses
    // searching): a pair that raises nothing is not suggested, and the table says so.
    let json = ok(d, &["suggest-pairs", "--for-risk", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["pairs"], serde_json::json!([]), "{json}");
    let table = ok(d, &["suggest-pairs", "--for-risk"]);
    assert!(
        table.contains("no pair would raise the truck factor"),
        "{table}"
    );
    // With a third skill only Dan holds, losing Dan alone loses two of three skills (truck
    // factor 1); a pair for either of his skills raises it, and says by how much.
    ok(
        d,
        &[
            "do",
            "organization",
            "add-skill",
            "--skill",
            "binding",
            "--name",
            "Binding",
        ],
    );
    std::fs::write(&roster, "person,name,binding\ndan,Dan,4\n").unwrap();
    ok(d, &["roster", "import", roster.to_str().unwrap()]);
    let json = ok(d, &["suggest-pairs", "--for-risk", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pairs = v["pairs"].as_array().unwrap();
    assert!(!pairs.is_empty(), "{json}");
    assert_eq!(pairs[0]["mentor"], "dan", "{json}");
    let mut gains = Vec::new();
    for pair in pairs {
        let n = |k: &str| pair[k].as_u64().unwrap();
        assert!(n("truck_factor_after") > n("truck_factor_before"), "{json}");
        assert_eq!(
            n("gain"),
            n("truck_factor_after") - n("truck_factor_before")
        );
        gains.push(n("gain"));
    }
    assert!(gains.windows(2).all(|w| w[0] >= w[1]), "by gain: {json}");
    let table = ok(d, &["suggest-pairs", "--for-risk"]);
    assert!(table.contains("(+"), "{table}");
    // A training program whose only holder of a module's skill is already invited: the
    // table says so, instead of "nobody holds the skill yet".
    ok(
        d,
        &[
            "do",
            "course",
            "create-program",
            "--program",
            "course",
            "--kind",
            "training",
            "--title",
            "Course",
        ],
    );
    let module = dir.path().join("module.json");
    std::fs::write(
        &module,
        r#"{"type":"DefineModule","module":"m-1","title":"Binding","skills":[{"skill":"binding","level":2}]}"#,
    )
    .unwrap();
    ok(d, &["do", "course", module.to_str().unwrap()]);
    let table = ok(d, &["suggest-pairs", "course"]);
    assert!(table.contains("  Dan "), "{table}");
    ok(d, &["do", "course", "invite-trainer", "--person", "dan"]);
    let table = ok(d, &["suggest-pairs", "course"]);
    assert!(
        table.contains("every holder of the skill at the module's level (1) is already invited to course or one of its learners"),
        "{table}"
    );
    assert!(!table.contains("nobody holds"), "{table}");
    // A PROGRAM would be ignored by --for-risk: it is refused.
    let out = run(d, &["suggest-pairs", "buddies", "--for-risk"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--for-risk looks at the whole organization"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_program_starts_from_the_template_and_next_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let d = data.as_path();
    ok(
        d,
        &[
            "do",
            "organization",
            "configure-organization",
            "--name",
            "L",
            "--time-zone",
            "Europe/Paris",
        ],
    );
    ok(
        d,
        &[
            "do",
            "organization",
            "add-person",
            "--person",
            "bob",
            "--name",
            "Bob",
            "--department",
            "d",
            "--branch",
            "b",
        ],
    );
    let out = ok(
        d,
        &[
            "new",
            "training",
            "pilot",
            "--title",
            "Pilot",
            "--goal",
            "Everyone searches the new catalogue",
        ],
    );
    assert!(out.contains("[>] identify_goal"), "{out}");
    assert!(out.contains("no desired outcome yet"), "{out}");
    assert!(!out.contains("no goal yet"), "{out}");
    ok(d, &["do", "pilot", "invite-trainer", "--person", "bob"]);
    ok(d, &["do", "pilot", "mark-step", "--step", "identify_goal"]);
    let json = ok(d, &["next", "pilot", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["open_step"], "determine_outcome");
    let missing: Vec<&str> = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        missing.contains(&"1 trainers invited but none accepted yet"),
        "{missing:?}"
    );
    assert!(
        missing.contains(&"no module defined (define-module)"),
        "{missing:?}"
    );
    let err = fails(d, &["new", "training", "pilot", "--title", "Again"]);
    assert!(err.contains("pilot"), "{err}");
}

#[test]
fn a_comma_inside_a_list_item_is_written_as_backslash_comma() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let d = data.as_path();
    ok(
        d,
        &[
            "do",
            "organization",
            "configure-organization",
            "--name",
            "L",
            "--time-zone",
            "Europe/Paris",
        ],
    );
    for p in ["ann", "cleo"] {
        ok(
            d,
            &[
                "do",
                "organization",
                "add-person",
                "--person",
                p,
                "--name",
                p,
                "--department",
                "d",
                "--branch",
                "b",
            ],
        );
    }
    ok(d, &["new", "mentoring", "buddies", "--title", "Buddies"]);
    ok(d, &["do", "buddies", "invite-trainer", "--person", "ann"]);
    ok(
        d,
        &["do", "buddies", "accept-invitation", "--person", "ann"],
    );
    ok(d, &["do", "buddies", "enrol-learner", "--person", "cleo"]);
    ok(
        d,
        &[
            "do",
            "buddies",
            "pair-mentee",
            "--pair",
            "p-1",
            "--mentor",
            "ann",
            "--mentee",
            "cleo",
        ],
    );
    let needs = |extra: &[&str]| {
        let mut args = vec![
            "do",
            "buddies",
            "assess-needs",
            "--pair",
            "p-1",
            "--goals",
            r"loans\, returns and renewals,fees",
            "--desired-outcomes",
            r"alone by May\, without help",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let v: serde_json::Value = serde_json::from_str(&ok(d, &args)).unwrap();
        v["events"][0]["data"].clone()
    };
    let data = needs(&["--dry-run"]);
    assert_eq!(
        data["goals"],
        serde_json::json!(["loans, returns and renewals", "fees"])
    );
    assert_eq!(
        data["desired_outcomes"],
        serde_json::json!(["alone by May, without help"])
    );
    needs(&[]);
    let plan = ok(d, &["export", "buddies", "--format", "plan-md"]);
    assert!(plan.contains("loans, returns and renewals"), "{plan}");
    assert!(plan.contains("alone by May, without help"), "{plan}");
    // The per-command help says how.
    let help = ok(d, &["do", "buddies", "assess-needs", "--help"]);
    assert!(
        help.contains(r"write a comma inside an item as \,"),
        "{help}"
    );
}
