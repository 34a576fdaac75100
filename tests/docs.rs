//! `docs/COMMANDS.md` is the command reference. It is generated from the domain's own list of
//! commands and examples, and this test fails when it drifts from the code.
//! Regenerate with `BATON_WRITE_DOCS=1 cargo test --test docs`.

use std::path::PathBuf;

fn reference() -> String {
    let mut out = String::new();
    out.push_str("# Command reference\n\n");
    out.push_str("<!-- Generated from `baton::cli::command_reference()` by `tests/docs.rs`; do not edit by hand. -->\n\n");
    out.push_str(
        "Apply a command with `baton do PROGRAM COMMAND --field value…` (COMMAND in kebab case,\n\
         flags the command's fields in kebab case, lists comma-separated; `baton do PROGRAM COMMAND\n\
         --help` lists them) or `baton do PROGRAM FILE` (one JSON object, or JSON Lines applied\n",
    );
    out.push_str("atomically; `-` reads standard input). Organization commands use `organization` as PROGRAM.\n");
    out.push_str(
        "Nested fields have a flat form: `hold-session --present ann,bob --absent cleo=no_release_time`\n\
         for its attendance, `define-module --skills copy-cataloguing=2` for its skills and levels,\n\
         `record-evaluation --result level=learning,skill=copy-cataloguing,skill_level=2`; any nested\n\
         field also takes its JSON. A command's `on` day is given as `do --on`.\n",
    );
    out.push_str(
        "Options: `--expect-version N` (conflict unless the program — for `organization`, the\n",
    );
    out.push_str("organization — is at version N), `--command-id UUID` (a retry with the same id is applied\n");
    out.push_str(
        "once), `--on T` (enter something that happened earlier: the rules decide as of T, and\n\
         events without a day of their own are dated T; a day means its end in the organization's\n\
         zone), `--dry-run` (decide and show the events, write nothing). `baton commands` prints\n\
         this list.\n\n",
    );
    out.push_str("Dates are `YYYY-MM-DD`; an omitted `on` means today in the organization's time zone. Session\n");
    out.push_str(
        "starts are local wall-clock times (`2026-03-10T09:30`) in the organization's IANA zone.\n",
    );
    out.push_str("The day something *happened* (`on` of practice, an evaluation, an assessment, a completion,\n");
    out.push_str(
        "a congratulation, a ticked step) is at most one day after today; days of things planned\n",
    );
    out.push_str("(`due`, `start`, `by`, deadlines, a departure) may be any day.\n\n");
    out.push_str(&results());
    out.push_str(&ranges());
    out.push_str(&steps());
    out.push_str(&evaluations());
    out.push_str("## Commands\n\n");
    for (name, description, example) in baton::cli::command_reference() {
        let flags = baton::cli::flags_line(name, &example)
            .map(|line| format!("```sh\n{line}\n```\n\n"))
            .unwrap_or_default();
        let example = serde_json::to_string(&example).unwrap();
        out.push_str(&format!(
            "### {name}\n\n{description}\n\n```json\n{example}\n```\n\n{flags}"
        ));
    }
    out
}

/// What `baton do … --format json` prints, for a command, a correction and a dry run.
fn results() -> String {
    use baton::app::{Replaced, RunResult, WouldWrite};
    let applied = RunResult {
        seqs: vec![41, 42],
        event_types: vec!["EventVoided".into(), "PracticeLogged".into()],
        program_version: 17,
        organization_version: 9,
        duplicate: false,
        dry_run: false,
        replaced: vec![Replaced {
            event_id: uuid::Uuid::from_u128(0x8c1f0a5251c14b8e9f5e0d2b7a1c3e44),
            seq: 33,
            event_type: "PracticeLogged".into(),
            person: Some("ann".into()),
            on: "2026-03-12".parse().ok(),
        }],
        events: vec![],
    };
    let dry = RunResult {
        seqs: vec![],
        event_types: vec!["LearnerEnrolled".into()],
        program_version: 17,
        organization_version: 9,
        duplicate: false,
        dry_run: true,
        replaced: vec![],
        events: vec![WouldWrite {
            stream: "program-catalogue-2026".into(),
            event_type: "LearnerEnrolled".into(),
            data: serde_json::json!({"person": "ann", "on": "2026-02-01"}),
        }],
    };
    let pretty = |r: &RunResult| serde_json::to_string_pretty(r).unwrap();
    format!(
        "## Results\n\n\
         `baton do … --format json` prints what was written: the new `seqs` and `event_types`, the\n\
         program's and the organization's versions afterwards, `duplicate` (a retry of an applied\n\
         `--command-id`: nothing new written), `dry_run`, and `replaced`: for each event a void or\n\
         correction replaced, its id, seq, type, person (or the session, pair, follow-up or skill\n\
         it was about) and day. A correction of practice:\n\n\
         ```json\n{}\n```\n\n\
         A dry run writes nothing and lists the events it would write:\n\n```json\n{}\n```\n\n\
         A refused command prints `error: RULE: what the rule says (value: …)`; in a JSON Lines\n\
         batch it starts with the file and line (`batch.jsonl line 3: unknown_person: …`).\n\n",
        pretty(&applied),
        pretty(&dry)
    )
}

/// Every count and duration with its plausible range.
fn ranges() -> String {
    let mut out = String::from(
        "## Plausible ranges\n\nA value outside its range is refused (`out_of_range`, naming the field and the range), so\nno total can wrap:\n\n| value | range |\n|---|---|\n",
    );
    for (what, range) in baton::domain::decide::plausible_ranges() {
        out.push_str(&format!("| {what} | {range} |\n"));
    }
    out.push('\n');
    out
}

/// The checklist's step ids, per kind of program.
fn steps() -> String {
    use baton::domain::events::{PhaseStep, ProgramKind};
    let mut out =
        String::from("## Checklist steps\n\n`MarkStep` takes one of these `step` ids:\n\n");
    for kind in [ProgramKind::Training, ProgramKind::Mentoring] {
        let ids: Vec<String> = PhaseStep::for_kind(kind)
            .iter()
            .map(|s| format!("`{}`", s.as_str()))
            .collect();
        out.push_str(&format!("- {}: {}\n", kind.as_str(), ids.join(", ")));
    }
    out.push('\n');
    out
}

/// The four Kirkpatrick levels of `RecordEvaluation`'s `result`, each checked to parse.
fn evaluations() -> String {
    let levels = [
        (
            "reaction",
            "a rating from 1 to 5",
            serde_json::json!({"level": "reaction", "rating": 4}),
        ),
        (
            "learning",
            "a skill the module teaches, at a level 0–4 (also recorded as an assessment)",
            serde_json::json!({"level": "learning", "skill": "copy-cataloguing", "skill_level": 2}),
        ),
        (
            "behaviour",
            "whether the person applies it on the job",
            serde_json::json!({"level": "behaviour", "applied": true}),
        ),
        (
            "results",
            "a program metric and its value as a decimal string",
            serde_json::json!({"level": "results", "metric": "records-per-hour", "value": "12.5"}),
        ),
    ];
    let mut out =
        String::from("## Evaluation results\n\n`RecordEvaluation`'s `result` is one of:\n\n");
    for (level, what, result) in levels {
        let cmd = serde_json::json!({"type": "RecordEvaluation", "person": "ann", "module": "m-1", "result": result});
        baton::domain::Command::from_json(&cmd).unwrap_or_else(|e| panic!("{level}: {e}"));
        out.push_str(&format!(
            "- {level}: {what} — `{}`\n",
            serde_json::to_string(&result).unwrap()
        ));
    }
    out.push('\n');
    out
}

#[test]
fn command_reference_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/COMMANDS.md");
    let expected = reference();
    if std::env::var("BATON_WRITE_DOCS").as_deref() == Ok("1") {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(actual == expected, "docs/COMMANDS.md is out of date: run `BATON_WRITE_DOCS=1 cargo test --test docs` and review the diff");
}
