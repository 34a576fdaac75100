//! What users see, pinned: every projection on both demo programs, in both formats, at the
//! demo's end date, through the real binary on a real store. Review changes with
//! `cargo insta review`; CI never writes snapshots (`INSTA_UPDATE=no`).

use std::path::Path;

use baton::demo::{DEMO_END, MENTORING, ROLLOUT};

#[path = "common/cli.rs"]
mod cli;

use cli::ok as baton;

fn with_demo(check: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    baton(&data, &["demo"]);
    check(&data);
}

fn both_formats(name: &str, data: &Path, args: &[&str]) {
    let table = baton(data, args);
    insta::assert_snapshot!(format!("{name}_table"), table);
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json = baton(data, &json_args);
    let value: serde_json::Value = serde_json::from_str(&json).expect("--format json prints JSON");
    insta::assert_json_snapshot!(format!("{name}_json"), value);
}

#[test]
fn dashboards_of_both_programs() {
    with_demo(|data| {
        both_formats(
            "dashboard_rollout",
            data,
            &["dashboard", ROLLOUT, "--as-of", DEMO_END],
        );
        both_formats(
            "dashboard_mentoring",
            data,
            &["dashboard", MENTORING, "--as-of", DEMO_END],
        );
    });
}

#[test]
fn risk_view() {
    with_demo(|data| both_formats("risk", data, &["risk", "--as-of", DEMO_END]));
}

#[test]
fn audit_histories_of_both_programs() {
    with_demo(|data| {
        both_formats("history_rollout", data, &["history", ROLLOUT]);
        both_formats("history_mentoring", data, &["history", MENTORING]);
        both_formats(
            "history_rollout_diff",
            data,
            &["history", ROLLOUT, "--diff", "3..12"],
        );
        both_formats(
            "history_mentoring_as_of",
            data,
            &["history", MENTORING, "--as-of", "2026-05-15"],
        );
        both_formats(
            "history_mentoring_at_version",
            data,
            &["history", MENTORING, "--at-version", "12"],
        );
    });
}

#[test]
fn learner_journeys() {
    with_demo(|data| {
        let log = baton(data, &["export", ROLLOUT]);
        // The first learner enrolled in the roll-out, and the first mentee paired.
        let learner = first_person(&log, "LearnerEnrolled");
        both_formats(
            "journey_learner",
            data,
            &["journey", &learner, "--as-of", DEMO_END],
        );
        let mentoring = baton(data, &["export", MENTORING]);
        let mentee = first_person(&mentoring, "MenteePaired").replace("mentee", "");
        let mentee = if mentee.is_empty() {
            first_person(&mentoring, "LearnerEnrolled")
        } else {
            mentee
        };
        both_formats(
            "journey_mentee",
            data,
            &["journey", &mentee, "--as-of", DEMO_END],
        );
    });
}

#[test]
fn programs_list() {
    with_demo(|data| both_formats("programs", data, &["programs"]));
}

fn first_person(log: &str, event_type: &str) -> String {
    let line = log
        .lines()
        .find(|l| l.contains(&format!("\"type\":\"{event_type}\"")))
        .unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
    let data = &value["data"];
    ["person", "mentee"]
        .iter()
        .find_map(|k| data[*k].as_str())
        .unwrap_or_default()
        .to_string()
}
