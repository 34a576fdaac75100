//! The simulator's commands end to end: the sample plans simulate, a plan that lacks something
//! says what, `baton model` prints exactly the documented JSON shapes, and `simulate` writes
//! nothing to the log.

use std::process::Command;

use serde_json::{json, Value};

fn baton(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .env_remove("COLUMNS")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("BATON_DATA")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_of(args: &[&str]) -> Value {
    let (ok, out, err) = baton(args);
    assert!(ok, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn every_sample_plan_simulates() {
    for plan in ["rural-branch", "academic-library", "city-system"] {
        let path = format!("fixtures/plans/{plan}.jsonl");
        let r = json_of(&[
            "simulate",
            "--plan",
            &path,
            "--scenario",
            "as-planned",
            "--runs",
            "40",
            "--format",
            "json",
            "--per-run",
        ]);
        let c = &r["completion_date"];
        for k in ["p10", "p50", "p85", "p95"] {
            assert!(
                c[k].is_null() || c[k].as_str().is_some_and(|d| d.len() == 10),
                "{plan}: {k} = {}",
                c[k]
            );
        }
        assert!(
            c["p50"].is_string(),
            "{plan}: as planned, the median run finishes"
        );
        let runs = r["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 40);
        assert_eq!(runs[3]["run"], 3);
        assert!(runs[3]["proficient_share"].is_number());
        assert_eq!(
            (r["seed"].clone(), r["runs"].as_array().map(|x| x.len())),
            (json!(1), Some(40))
        );
        assert!(r["horizon"].is_string());
    }
}

#[test]
fn a_plan_without_learners_says_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.jsonl");
    let text: String = std::fs::read_to_string("fixtures/plans/rural-branch.jsonl")
        .unwrap()
        .lines()
        .filter(|l| {
            !l.contains("EnrolLearner")
                && !l.contains("Commitment")
                && !l.contains("ReleaseTime")
                && !l.contains("ScheduleSession")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, text).unwrap();
    let (ok, _, err) = baton(&[
        "simulate",
        "--plan",
        path.to_str().unwrap(),
        "--scenario",
        "as-planned",
        "--as-of",
        "2027-02-01T12:00:00Z",
        "--runs",
        "5",
    ]);
    assert!(!ok);
    assert!(err.contains("it has no learners"), "{err}");
}

#[test]
fn model_commands_print_the_documented_shapes() {
    let r = json_of(&[
        "model",
        "retention",
        "--params",
        "ebbinghaus",
        "--at",
        "20m,64m,526m,1d,2d,6d,31d",
        "--format",
        "json",
    ]);
    let rows = r.as_array().unwrap();
    assert_eq!(rows.len(), 7);
    assert_eq!(
        rows[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["delay_minutes", "retained_percent"]
    );
    assert_eq!(rows[3]["delay_minutes"], 1440);
    for (row, observed) in rows.iter().zip([58.2, 44.2, 35.8, 33.7, 27.8, 25.4, 21.1]) {
        assert!(
            (row["retained_percent"].as_f64().unwrap() - observed).abs() <= 4.0,
            "{row}"
        );
    }
    let r = json_of(&[
        "model",
        "retention",
        "--params",
        "mixed",
        "--at",
        "11mo",
        "--format",
        "json",
    ]);
    assert_eq!(r[0]["retained_percent"], 50.0);

    let r = json_of(&[
        "model",
        "adoption",
        "--p",
        "0.03",
        "--q",
        "0.38",
        "--t",
        "2,4,6,8,10",
        "--format",
        "json",
    ]);
    let rows = r.as_array().unwrap();
    assert_eq!(rows[0]["t"], 2.0);
    assert_eq!(
        rows[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["t", "adopted_share"]
    );
    let f = |t: f64| {
        let e = (-(0.41) * t).exp();
        (1.0 - e) / (1.0 + (0.38 / 0.03) * e)
    };
    for row in rows {
        let t = row["t"].as_f64().unwrap();
        assert!((row["adopted_share"].as_f64().unwrap() - f(t)).abs() < 1e-6);
    }

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("m.csv");
    std::fs::write(
        &csv,
        "person,a,b,c,d\nzoe,4,4,0,0\nann,0,0,4,4\nbob,4,0,0,3\n",
    )
    .unwrap();
    let r = json_of(&[
        "model",
        "truck-factor",
        csv.to_str().unwrap(),
        "--format",
        "json",
    ]);
    // Holders (level ≥ 2 and ≥ 0.75 × the best): a zoe, bob; b zoe; c ann; d ann, bob. Each
    // holds two: ties go by the person column in byte order, so ann, then bob (3 of 4 skills
    // still covered, then 2 of 4: not below half), then zoe.
    assert_eq!(
        r,
        json!({"truck_factor": 3, "removed": ["ann", "bob", "zoe"], "single_holder_skills": ["b", "c"]})
    );
}

#[test]
fn scenarios_list_and_check() {
    let r = json_of(&["scenarios", "--format", "json"]);
    assert_eq!(r.as_array().unwrap().len(), 10);
    let (ok, out, _) = baton(&["scenario", "check", "scenarios/perfect-storm.toml"]);
    assert!(ok && out.starts_with("ok: perfect-storm"), "{out}");
    let r = json_of(&[
        "scenario",
        "check",
        "scenarios/perfect-storm.toml",
        "--format",
        "json",
    ]);
    assert_eq!(
        (&r["ok"], &r["name"]),
        (
            &serde_json::json!(true),
            &serde_json::json!("perfect-storm")
        ),
        "{r}"
    );
    assert!(
        r["parameters"].as_u64().is_some() && r["mitigations"].as_u64().is_some(),
        "{r}"
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "title = \"t\"\ndescription = \"d\"\n[parameters]\n\"trainers.acceptance\" = 2\n",
    )
    .unwrap();
    let (ok, _, err) = baton(&["scenario", "check", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("bad.toml:4: `parameters.trainers.acceptance`: parameter `trainers.acceptance` must be between 0 and 1"), "{err}");
}

#[test]
fn rehearse_with_choices_up_front_gives_a_json_debrief() {
    let r = json_of(&[
        "rehearse",
        "--scenario",
        "key-person-leaves",
        "--plan",
        "fixtures/plans/city-system.jsonl",
        "--choose",
        "resignation=backup-trainers",
        "--runs",
        "40",
        "--format",
        "json",
    ]);
    let d = &r["decisions"][0];
    assert_eq!(
        (d["card"].as_str(), d["response"].as_str()),
        (Some("resignation"), Some("backup-trainers"))
    );
    for k in [
        "p_done_by_deadline",
        "p_done_without",
        "completion_p50",
        "completion_p50_without",
        "difference",
    ] {
        assert!(d.get(k).is_some(), "{k}");
    }
    assert_eq!(r["outcome"]["mitigations"], json!(["backup-trainers"]));
    // Letting every card play out: each decision equals its no-response branch.
    let r = json_of(&[
        "rehearse",
        "--scenario",
        "key-person-leaves",
        "--plan",
        "fixtures/plans/city-system.jsonl",
        "--choose",
        "resignation=none",
        "--runs",
        "20",
        "--format",
        "json",
    ]);
    assert_eq!(r["decisions"][0]["difference"]["difference"], 0.0);
    let (ok, _, err) = baton(&[
        "rehearse",
        "--scenario",
        "key-person-leaves",
        "--plan",
        "fixtures/plans/city-system.jsonl",
        "--choose",
        "resignation=nope",
    ]);
    assert!(!ok && err.contains("does not offer `nope`"), "{err}");
}

#[test]
fn dashboard_forecast_adds_the_probabilistic_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let data = data.to_str().unwrap();
    assert!(baton(&["--data", data, "demo"]).0);
    let r = json_of(&[
        "--data",
        data,
        "dashboard",
        "ils-rollout",
        "--as-of",
        "2026-06-01",
        "--forecast",
        "--format",
        "json",
    ]);
    let f = &r["probabilistic_forecast"];
    assert_eq!(
        (
            f["scenario"].as_str(),
            f["runs"].as_u64(),
            f["as_of"].as_str()
        ),
        (Some("as-planned"), Some(1000), Some("2026-06-01"))
    );
    assert!(
        f["completion_p50"].is_string()
            && f["completion_p85"].is_string()
            && f["p_done_by_deadline"].is_number()
    );
    assert!(
        r["deadline"]["forecast"].is_string(),
        "the pace forecast stays beside it"
    );
    // A simulation writes nothing to the log.
    let before = baton(&["--data", data, "verify", "--format", "json"]).1;
    assert!(
        baton(&[
            "--data",
            data,
            "simulate",
            "--plan",
            "ils-rollout",
            "--scenario",
            "as-planned",
            "--runs",
            "10"
        ])
        .0
    );
    assert_eq!(
        baton(&["--data", data, "verify", "--format", "json"]).1,
        before
    );
}
