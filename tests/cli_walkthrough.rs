//! Issue 3's "Done when", end to end through the real `baton` binary: from the command line
//! alone a coordinator sets up the organization, takes a training program through every step
//! of the method, corrects a mistake, runs a mentoring program, and reads dashboards, risk,
//! journey and history whose figures are checked against values computed by hand below.
//!
//! Every batch is entered after the fact with `baton do … --on DAY` (business time: the rules
//! decide as of the end of DAY in the organization's zone, an omitted `on` is DAY, and events
//! without a day of their own occur then), and every read passes `--as-of`, so nothing depends
//! on the day the test runs.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{json, Value};

struct Baton {
    data: PathBuf,
    dir: PathBuf,
    files: std::cell::Cell<u32>,
}

impl Baton {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_baton"))
            .env_remove("COLUMNS")
            .arg("--data")
            .arg(&self.data)
            .args(args)
            .env("BATON_ACTOR", "coordinator")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "baton {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "baton {args:?} should have failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Writes the commands as one JSON Lines file and returns its path.
    fn file(&self, commands: &[Value]) -> String {
        let n = self.files.get() + 1;
        self.files.set(n);
        let path = self.dir.join(format!("batch-{n}.jsonl"));
        let text: Vec<String> = commands.iter().map(Value::to_string).collect();
        std::fs::write(&path, text.join("\n")).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// Applies a batch atomically, entered on business day `on`; returns `baton do`'s JSON.
    fn batch(&self, program: &str, on: &str, commands: &[Value]) -> Value {
        let file = self.file(commands);
        self.json(&["do", program, &file, "--on", on])
    }

    /// A batch that must be refused; returns the error text.
    fn refused(&self, program: &str, on: &str, commands: &[Value], extra: &[&str]) -> String {
        let file = self.file(commands);
        let mut args = vec!["do", program, file.as_str(), "--on", on];
        args.extend(extra);
        self.fails(&args)
    }
}

fn row<'a>(rows: &'a Value, key: &str, id: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == id)
        .unwrap_or_else(|| panic!("no row with {key} = {id} in {rows}"))
}

fn version(result: &Value) -> u64 {
    result["program_version"].as_u64().unwrap()
}

/// h₀ of the skill curve with mixed measures (half-life 11 months of 30.44 days, exponent ½):
/// R(h₀, 334.84) = ½ ⇔ h₀ = (2² − 1) / 334.84.
fn h0() -> f64 {
    3.0 / (11.0 * 30.44)
}

/// Retention `t` days after a full restoration with `h = factor · h₀`: (1 + factor·h₀·t)^(−½),
/// rounded to three decimals like the dashboard.
fn retention(factor: f64, t: f64) -> f64 {
    let r = (1.0 + factor * h0() * t).powf(-0.5);
    (r * 1000.0).round() / 1000.0
}

fn setup_organization(b: &Baton) {
    let person = |id: &str, name: &str, dept: &str, branch: &str, sup: Option<&str>| {
        json!({"type": "AddPerson", "person": id, "name": name, "department": dept,
               "branch": branch, "supervisor": sup, "on": "2026-01-05"})
    };
    let assess = |p: &str, s: &str, l: u8, src: &str| json!({"type": "AssessSkill", "person": p, "skill": s, "level": l, "source": src, "on": "2026-01-10"});
    let skill = |id: &str, name: &str| json!({"type": "AddSkill", "skill": id, "name": name});
    b.batch(
        "organization",
        "2026-01-10",
        &[
            json!({"type": "ConfigureOrganization", "name": "Riverside Public Library", "time_zone": "Europe/Paris"}),
            person("dora", "Dora Ruiz", "management", "central", None),
            person("sam", "Sam Ortiz", "management", "north", None),
            person("tia", "Tia Kahn", "cataloguing", "central", Some("dora")),
            person("uma", "Uma Vogel", "reference", "north", Some("sam")),
            person("vic", "Vic Hale", "lending", "north", Some("sam")),
            // Id "al" sorts before "tia" but the name "Zed Alder" after "Tia Kahn": the truck
            // factor's tie-break is by name.
            person("al", "Zed Alder", "systems", "central", Some("dora")),
            person("ann", "Ann Lee", "cataloguing", "central", Some("dora")),
            person("ben", "Ben Cole", "cataloguing", "central", Some("dora")),
            person("cat", "Cat Diaz", "lending", "north", Some("sam")),
            person("dan", "Dan Roy", "lending", "north", Some("sam")),
            skill("search", "Searching the new catalogue"),
            skill("loans", "Loans and returns"),
            skill("copycat", "Copy cataloguing"),
            skill("reports", "Circulation reports"),
            skill("marc", "MARC record editing"),
            assess("tia", "search", 4, "supervisor"),
            assess("tia", "loans", 3, "supervisor"),
            assess("tia", "copycat", 4, "supervisor"),
            assess("vic", "loans", 4, "supervisor"),
            assess("vic", "reports", 3, "self"),
            assess("uma", "reports", 2, "self"),
            assess("al", "copycat", 3, "supervisor"),
            assess("al", "reports", 3, "supervisor"),
            assess("al", "marc", 2, "self"),
            assess("ann", "search", 1, "self"),
            assess("ann", "loans", 1, "self"),
            assess("ben", "search", 1, "self"),
            assess("cat", "search", 0, "self"),
            assess("dan", "loans", 1, "self"),
        ],
    );
    b.batch(
        "organization",
        "2026-01-20",
        &[
            json!({"type": "ChangeSupervisor", "person": "ben", "supervisor": "sam", "on": "2026-01-20"}),
            json!({"type": "MovePerson", "person": "cat", "department": "circulation", "branch": "north", "on": "2026-01-20"}),
        ],
    );
}

fn step(name: &str, on: &str) -> Value {
    json!({"type": "MarkStep", "step": name, "done": true, "on": on})
}

/// The training program, first months: every step of the method up to the first evaluations.
fn run_training(b: &Baton) {
    const P: &str = "pilot";
    // 1. Goal, desired outcome (90 % of the audience at level ≥ 2 in search), deadline.
    let r = b.batch(
        P,
        "2026-01-12",
        &[
            json!({"type": "CreateProgram", "program": P, "kind": "training", "title": "New catalogue pilot",
                   "goal": "Central and north search and lend in the new system"}),
            json!({"type": "SetDesiredOutcome", "skill": "search", "level": 2, "share_per_mille": 900, "by": "2026-06-30"}),
            json!({"type": "SetDeadline", "deadline": "2026-06-30"}),
            step("identify_goal", "2026-01-12"),
            step("determine_outcome", "2026-01-12"),
        ],
    );
    // ProgramCreated and GoalSet, then one event per command.
    assert_eq!(version(&r), 6);

    // 2. Potential trainers: tia accepts, uma declines, vic accepts (and withdraws later).
    b.batch(
        P,
        "2026-01-15",
        &[
            json!({"type": "InviteTrainer", "person": "tia", "on": "2026-01-13"}),
            json!({"type": "InviteTrainer", "person": "uma", "on": "2026-01-13"}),
            json!({"type": "InviteTrainer", "person": "vic", "on": "2026-01-13"}),
            json!({"type": "AcceptInvitation", "person": "tia", "on": "2026-01-14"}),
            json!({"type": "DeclineInvitation", "person": "uma", "reason": "no time before summer"}),
            json!({"type": "AcceptInvitation", "person": "vic"}),
            step("identify_trainers", "2026-01-15"),
        ],
    );

    // 3. The training team prepares and test-runs the plan; two required modules.
    b.batch(
        P,
        "2026-01-25",
        &[
            json!({"type": "PreparePlan", "team": ["tia", "vic"], "notes": "two modules, small groups", "on": "2026-01-20"}),
            json!({"type": "TestRunPlan", "team": ["tia", "vic"], "findings": "loans module needs two hours"}),
            json!({"type": "DefineModule", "module": "m-search", "title": "Searching", "skills": [{"skill": "search", "level": 2}], "required": true}),
            json!({"type": "DefineModule", "module": "m-loans", "title": "Loans and returns", "skills": [{"skill": "loans", "level": 2}], "required": true}),
            step("prepare_and_test_plan", "2026-01-25"),
        ],
    );

    // 4. Learners, supervisor commitments, the schedule.
    let session = |id: &str,
                   module: &str,
                   trainer: &str,
                   start: &str,
                   minutes: u32,
                   invitees: &[&str]| {
        json!({"type": "ScheduleSession", "session": id, "module": module, "trainers": [trainer],
               "start": start, "duration_minutes": minutes, "location": "Central, room 2",
               "capacity": 8, "invitees": invitees})
    };
    let all = ["ann", "ben", "cat", "dan"];
    b.batch(
        P,
        "2026-02-01",
        &[
            json!({"type": "EnrolLearner", "person": "ann"}),
            json!({"type": "EnrolLearner", "person": "ben"}),
            json!({"type": "EnrolLearner", "person": "cat"}),
            json!({"type": "EnrolLearner", "person": "dan"}),
            json!({"type": "AskCommitment", "learner": "ann", "minutes": 180}),
            json!({"type": "AskCommitment", "learner": "ben", "minutes": 180}),
            json!({"type": "AskCommitment", "learner": "cat", "minutes": 180}),
            json!({"type": "AskCommitment", "learner": "dan", "minutes": 180}),
            session("s1", "m-search", "tia", "2026-03-03T09:30", 90, &all),
            session("s2", "m-loans", "vic", "2026-03-10T09:30", 120, &all),
            session("s3", "m-search", "tia", "2026-03-24T14:00", 90, &["cat"]),
            step("schedule", "2026-02-01"),
        ],
    );
    b.batch(
        P,
        "2026-02-10",
        &[
            json!({"type": "CommitReleaseTime", "learner": "ann", "minutes": 180}),
            json!({"type": "CommitReleaseTime", "learner": "ben", "minutes": 120}),
            json!({"type": "DeclineCommitment", "learner": "cat", "reason": "short-staffed"}),
            json!({"type": "CommitReleaseTime", "learner": "dan", "minutes": 180}),
        ],
    );

    // 5. Go: s1 held (cat absent: no release time), s2 rescheduled then held, s3 cancelled.
    let present = |p: &str| json!({"person": p, "present": true});
    let absent = |p: &str, why: &str| json!({"person": p, "present": false, "absence_reason": why});
    b.batch(
        P,
        "2026-03-03",
        &[
            json!({"type": "HoldSession", "session": "s1", "attendance": [
                present("ann"), present("ben"), absent("cat", "no_release_time"), present("dan")]}),
            json!({"type": "RecordEvaluation", "person": "ann", "module": "m-search", "result": {"level": "reaction", "rating": 5}}),
            json!({"type": "RecordEvaluation", "person": "ben", "module": "m-search", "result": {"level": "reaction", "rating": 4}}),
            json!({"type": "RecordEvaluation", "person": "dan", "module": "m-search", "result": {"level": "reaction", "rating": 3}}),
            step("go", "2026-03-03"),
        ],
    );
    b.batch(
        P,
        "2026-03-05",
        &[
            json!({"type": "RescheduleSession", "session": "s2", "start": "2026-03-12T09:30", "reason": "trainer ill"}),
            json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 30}),
            step("practice", "2026-03-05"),
        ],
    );
    b.batch(
        P,
        "2026-03-12",
        &[
            json!({"type": "HoldSession", "session": "s2", "attendance": [
            present("ann"), absent("ben", "illness"), present("cat"), present("dan")]}),
        ],
    );
    let learning = |p: &str, m: &str, s: &str, l: u8| {
        json!({"type": "RecordEvaluation", "person": p, "module": m,
               "result": {"level": "learning", "skill": s, "skill_level": l}})
    };
    b.batch(
        P,
        "2026-03-20",
        &[
            json!({"type": "LogPractice", "person": "dan", "skill": "loans", "kind": "sandbox", "minutes": 15, "on": "2026-03-14"}),
            learning("ann", "m-search", "search", 3),
            learning("ann", "m-loans", "loans", 2),
            learning("ben", "m-search", "search", 2),
            learning("dan", "m-search", "search", 2),
            learning("dan", "m-loans", "loans", 2),
            json!({"type": "WithdrawTrainer", "person": "vic", "reason": "moved to the systems project"}),
            json!({"type": "CancelSession", "session": "s3", "reason": "branch closed"}),
            session("s4", "m-search", "tia", "2026-04-02T14:00", 90, &["cat"]),
            session("s5", "m-loans", "tia", "2026-04-09T09:30", 120, &["ben"]),
            step("evaluate", "2026-03-20"),
        ],
    );
}

/// The rest of the training program: the second round, practice, evaluations, follow-ups,
/// congratulations, a deadline change (with a version conflict and a rule violation first).
fn continue_training(b: &Baton) -> Deadline {
    const P: &str = "pilot";
    let present = |p: &str| json!({"person": p, "present": true});
    let learning = |p: &str, m: &str, s: &str, l: u8| {
        json!({"type": "RecordEvaluation", "person": p, "module": m,
               "result": {"level": "learning", "skill": s, "skill_level": l}})
    };
    b.batch(
        P,
        "2026-04-02",
        &[json!({"type": "HoldSession", "session": "s4", "attendance": [present("cat")]})],
    );
    b.batch(
        P,
        "2026-04-05",
        &[json!({"type": "LogPractice", "person": "cat", "skill": "search", "kind": "sandbox", "minutes": 20})],
    );
    b.batch(
        P,
        "2026-04-09",
        &[json!({"type": "HoldSession", "session": "s5", "attendance": [present("ben")]})],
    );
    b.batch(
        P,
        "2026-04-10",
        &[
            learning("cat", "m-search", "search", 2),
            learning("cat", "m-loans", "loans", 1),
        ],
    );
    b.batch(
        P,
        "2026-04-20",
        &[
            json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "real_use", "minutes": 45, "on": "2026-04-15"}),
            learning("ben", "m-loans", "loans", 2),
        ],
    );
    let follow_up = |id: &str, p: &str, due: &str| json!({"type": "ScheduleFollowUp", "follow_up": id, "person": p, "due": due, "purpose": "check use on the job"});
    b.batch(
        P,
        "2026-05-01",
        &[
            follow_up("f-ann", "ann", "2026-06-15"),
            follow_up("f-ben", "ben", "2026-06-15"),
            follow_up("f-cat", "cat", "2026-10-15"),
            follow_up("f-cat2", "cat", "2026-11-05"),
            follow_up("f-dan", "dan", "2026-10-20"),
        ],
    );
    // The mistake: 300 minutes typed for 30.
    let mistake = b.batch(
        P,
        "2026-05-05",
        &[json!({"type": "LogPractice", "person": "ben", "skill": "loans", "kind": "refresher", "minutes": 300})],
    );
    // The deadline moves. A change without a reason is refused, naming the rule and value;
    // a client that read an older version gets a conflict; nothing is stored by either.
    let before = version(&b.json(&[
        "do",
        P,
        &b.file(&[
            json!({"type": "Congratulate", "people": ["tia"], "milestone": "first round done"}),
        ]),
        "--on",
        "2026-05-15",
    ]));
    let err = b.refused(
        P,
        "2026-05-15",
        &[json!({"type": "SetDeadline", "deadline": "2026-09-30"})],
        &[],
    );
    assert!(
        err.contains("deadline_reason_required") && err.contains("2026-09-30"),
        "{err}"
    );
    let change = [
        json!({"type": "SetDeadline", "deadline": "2026-09-30", "reason": "vendor delayed go-live"}),
        json!({"type": "WithdrawCommitment", "learner": "dan", "reason": "summer rush"}),
    ];
    let stale = (before - 1).to_string();
    let err = b.refused(P, "2026-05-15", &change, &["--expect-version", &stale]);
    assert!(
        err.contains("onflict") && err.contains(&before.to_string()),
        "{err}"
    );
    let file = b.file(&change);
    let expect = before.to_string();
    let after = version(&b.json(&[
        "do",
        P,
        &file,
        "--on",
        "2026-05-15",
        "--expect-version",
        &expect,
    ]));
    assert_eq!(
        after,
        before + 2,
        "nothing was stored by the refused batches"
    );
    b.batch(
        P,
        "2026-06-15",
        &[
            json!({"type": "RecordEvaluation", "person": "ann", "result": {"level": "behaviour", "applied": true}}),
            json!({"type": "RecordEvaluation", "person": "ben", "result": {"level": "behaviour", "applied": false}}),
            json!({"type": "CompleteFollowUp", "follow_up": "f-ann", "notes": "searches daily"}),
            step("follow_up", "2026-06-15"),
        ],
    );
    b.batch(
        P,
        "2026-06-20",
        &[json!({"type": "CompleteFollowUp", "follow_up": "f-ben", "notes": "still asks for help with holds"})],
    );
    let metric = |v: &str, on: &str| json!({"type": "RecordEvaluation", "result": {"level": "results", "metric": "loans_per_week_in_new_system", "value": v}, "on": on});
    b.batch(
        P,
        "2026-06-30",
        &[
            metric("1200", "2026-05-31"),
            metric("1850", "2026-06-30"),
            json!({"type": "Congratulate", "people": ["ann", "ben"], "milestone": "central searches and lends in the new system"}),
            step("congratulate", "2026-06-30"),
        ],
    );
    b.batch(
        P,
        "2026-10-01",
        &[json!({"type": "ScheduleSession", "session": "s6", "module": "m-loans", "trainers": ["tia"],
                 "start": "2026-11-12T09:30", "duration_minutes": 60, "location": "North",
                 "capacity": 8, "invitees": ["cat"]})],
    );
    b.batch(
        "organization",
        "2026-09-30",
        &[json!({"type": "RecordDeparture", "person": "dan"})],
    );
    Deadline {
        mistake: mistake["seqs"][0].as_u64().unwrap(),
        before,
        after: before + 1,
    }
}

/// What the audit checks need from the training run.
struct Deadline {
    /// Seq of the mistaken practice entry (300 minutes for 30).
    mistake: u64,
    /// The program version before the deadline change.
    before: u64,
    /// The version right after it.
    after: u64,
}

/// The mentoring program: pair, needs, baseline, priorities, coaching, assignments,
/// evaluation, follow-up.
fn run_mentoring(b: &Baton) {
    const M: &str = "mentor-reports";
    b.batch(
        M,
        "2026-05-06",
        &[
            json!({"type": "CreateProgram", "program": M, "kind": "mentoring", "title": "Reports mentoring"}),
            json!({"type": "SetDesiredOutcome", "skill": "reports", "level": 2, "share_per_mille": 1000, "by": "2026-09-30"}),
            json!({"type": "InviteTrainer", "person": "al", "on": "2026-05-04"}),
            json!({"type": "AcceptInvitation", "person": "al", "on": "2026-05-05"}),
            json!({"type": "PairMentee", "pair": "p-1", "mentor": "al", "mentee": "ann"}),
            json!({"type": "AssessNeeds", "pair": "p-1", "goals": ["run the monthly reports alone"],
                   "desired_outcomes": ["monthly circulation report without help"]}),
            step("assess_needs", "2026-05-06"),
            json!({"type": "RecordBaseline", "pair": "p-1", "already_knows": ["basic search"], "already_works": ["patron queries"]}),
            step("baseline", "2026-05-06"),
        ],
    );
    b.batch(
        M,
        "2026-05-12",
        &[
            json!({"type": "SetPriorities", "pair": "p-1", "priorities": ["reports", "batch edits"], "on": "2026-05-07"}),
            step("prioritize", "2026-05-07"),
            json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-1", "start": "2026-05-12T14:00", "duration_minutes": 60, "topics": ["reports"]}),
            json!({"type": "GiveAssignment", "pair": "p-1", "assignment": "a-1", "description": "build the monthly report", "due": "2026-05-26"}),
            step("personalize", "2026-05-12"),
        ],
    );
    b.batch(
        M,
        "2026-06-09",
        &[
            json!({"type": "CompleteAssignment", "pair": "p-1", "assignment": "a-1", "on": "2026-05-25"}),
            json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-2", "start": "2026-06-09T14:00", "duration_minutes": 60, "topics": ["batch edits"]}),
            json!({"type": "GiveAssignment", "pair": "p-1", "assignment": "a-2", "description": "batch-edit 20 records", "due": "2026-06-23"}),
        ],
    );
    b.batch(
        M,
        "2026-06-30",
        &[
            json!({"type": "CompleteAssignment", "pair": "p-1", "assignment": "a-2", "on": "2026-06-22"}),
            json!({"type": "RecordEvaluation", "person": "ann", "result": {"level": "learning", "skill": "reports", "skill_level": 2}}),
            step("evaluate", "2026-06-30"),
            json!({"type": "ScheduleFollowUp", "follow_up": "f-m1", "person": "ann", "due": "2026-09-15", "purpose": "report run alone?"}),
        ],
    );
    b.batch(
        M,
        "2026-09-14",
        &[
            json!({"type": "CompleteFollowUp", "follow_up": "f-m1", "notes": "ran August's report alone"}),
            step("follow_up", "2026-09-14"),
        ],
    );
}

#[test]
fn a_coordinator_runs_both_programs_from_the_cli_alone() {
    let dir = tempfile::tempdir().unwrap();
    let b = Baton {
        data: dir.path().join("store"),
        dir: dir.path().to_path_buf(),
        files: std::cell::Cell::new(0),
    };
    setup_organization(&b);
    run_training(&b);
    let deadline = continue_training(&b);
    run_mentoring(&b);
    correct_the_mistake(&b, deadline.mistake);
    rules_name_the_rule_and_the_value(&b);

    training_dashboard_in_march(&b);
    training_dashboard_at_the_end(&b);
    mentoring_dashboard(&b);
    risk(&b);
    journey(&b);
    audit(&b, &deadline);

    // The last steps: the upcoming session is held, the program archived; then it is closed.
    b.batch(
        "pilot",
        "2026-11-12",
        &[json!({"type": "HoldSession", "session": "s6", "attendance": [{"person": "cat", "present": true}]})],
    );
    // f-cat is still open: archiving needs "force": true.
    let err = b.refused(
        "pilot",
        "2026-11-20",
        &[json!({"type": "ArchiveProgram", "reason": "pilot complete; roll-out follows"})],
        &[],
    );
    assert!(
        err.contains("archive_with_pending_work") && err.contains("\"force\": true"),
        "{err}"
    );
    b.batch(
        "pilot",
        "2026-11-20",
        &[json!({"type": "ArchiveProgram", "reason": "pilot complete; roll-out follows", "force": true})],
    );
    let err = b.refused(
        "pilot",
        "2026-11-21",
        &[json!({"type": "CompleteFollowUp", "follow_up": "f-cat", "notes": "late"})],
        &[],
    );
    assert!(err.contains("program_archived"), "{err}");
    let d = b.json(&["dashboard", "pilot", "--as-of", "2026-11-30"]);
    assert_eq!(d["archived"], true);
    assert_eq!(d["attendance"]["held"], 5);
    // The October dashboard is unchanged by what happened later.
    let d = b.json(&["dashboard", "pilot", "--as-of", "2026-10-31"]);
    assert_eq!(d["archived"], false);
    assert_eq!(d["attendance"]["held"], 4);

    let programs = b.json(&["programs"])["programs"].clone();
    assert_eq!(programs.as_array().unwrap().len(), 2);
    assert_eq!(row(&programs, "program", "pilot")["archived"], true);

    // Erasure keeps the chain: verify is ok, and reports the redactions.
    b.ok(&["erase", "dan"]);
    let v = b.json(&["verify"]);
    assert!(v["problem"].is_null(), "{v}");
    assert!(!v["redactions"].as_array().unwrap().is_empty(), "{v}");
    assert!(b.ok(&["verify"]).contains("status      ok"));
    let journey = b.json(&["journey", "dan", "--as-of", "2026-10-31"]);
    assert_ne!(journey["name"], "Dan Roy", "{journey}");
}

/// Finds the mistaken entry in `history --format json`, corrects it, and checks the history
/// shows both the original (voided) and the correction.
fn correct_the_mistake(b: &Baton, seq: u64) {
    let history = b.json(&["history", "pilot"]);
    let entries = history["entries"].as_array().unwrap();
    let original = entries.iter().find(|e| e["seq"] == seq).unwrap();
    assert_eq!(original["event_type"], "PracticeLogged");
    assert!(original["voided_by"].is_null());
    let id = original["id"].as_str().unwrap().to_string();
    let v = original["version"].as_u64().unwrap();
    b.batch(
        "pilot",
        "2026-07-01",
        &[
            json!({"type": "CorrectEvent", "event_id": id, "reason": "300 typed for 30",
                 "replacement": {"type": "LogPractice", "person": "ben", "skill": "loans",
                                 "kind": "refresher", "minutes": 30, "on": "2026-05-05"}}),
        ],
    );
    let history = b.json(&["history", "pilot"]);
    let entries = history["entries"].as_array().unwrap();
    let n = entries.len();
    // The original stays, marked voided by the correction.
    let original = entries.iter().find(|e| e["seq"] == seq).unwrap();
    assert!(original["summary"].as_str().unwrap().contains("300"));
    let mark = &original["voided_by"];
    assert_eq!(mark["reason"], "300 typed for 30");
    assert_eq!(mark["corrected"], true);
    // The void, then the replacement that takes the original's place.
    let void = &entries[n - 2];
    assert_eq!(void["event_type"], "EventVoided");
    assert_eq!(void["voids"], v);
    assert_eq!(mark["version"], void["version"]);
    let replacement = &entries[n - 1];
    assert_eq!(replacement["event_type"], "PracticeLogged");
    assert_eq!(replacement["replaces"], v);
    assert!(replacement["summary"].as_str().unwrap().contains("30 min"));
    // The table shows both as well.
    let table = b.ok(&["history", "pilot"]);
    assert!(table.contains("300 typed for 30"), "{table}");
}

/// Rules refuse what makes no sense, naming the rule and the offending value, and store nothing.
fn rules_name_the_rule_and_the_value(b: &Baton) {
    let before = b.json(&["programs"]);
    let cases: [(&str, Value, &str, &str); 5] = [
        (
            "pilot",
            json!({"type": "CompleteFollowUp", "follow_up": "f-ann", "notes": "again"}),
            "follow_up_already_completed",
            "f-ann",
        ),
        (
            "pilot",
            json!({"type": "HoldSession", "session": "s6", "attendance": [
                {"person": "cat", "present": true}, {"person": "ann", "present": true}]}),
            "not_invited_to_session",
            "ann",
        ),
        (
            "organization",
            json!({"type": "AssessSkill", "person": "ann", "skill": "search", "level": 5, "source": "self"}),
            "invalid_level",
            "5",
        ),
        (
            "mentor-reports",
            json!({"type": "PairMentee", "pair": "p-2", "mentor": "al", "mentee": "ann"}),
            "mentee_already_paired",
            "ann",
        ),
        (
            "pilot",
            json!({"type": "EnrolLearner", "person": "dan"}),
            "person_has_left",
            "dan",
        ),
    ];
    for (program, command, rule, value) in cases {
        let err = b.refused(program, "2026-11-13", &[command], &[]);
        assert!(
            err.contains(rule) && err.contains(&format!("{value:?}")),
            "{rule}: {err}"
        );
    }
    assert_eq!(
        b.json(&["programs"]),
        before,
        "refused commands store nothing"
    );
}

/// The training dashboard on 2026-03-31, mid-course (every figure by hand).
fn training_dashboard_in_march(b: &Baton) {
    let d = b.json(&["dashboard", "pilot", "--as-of", "2026-03-31"]);
    assert_eq!(d["today"], "2026-03-31");
    // Audience: ann, ben, cat, dan (dan leaves only on 2026-09-30).
    assert_eq!(
        d["enrolment"],
        json!({"enrolled": 4, "withdrawn": 0, "leavers": 0, "audience": 4})
    );
    // Sessions known by then: s1, s2 (held), s3 (cancelled 03-20), s4 and s5 (scheduled 03-20
    // for April: upcoming). s2 was rescheduled once.
    // Expected = one per audience member invited to a held session: s1 4 + s2 4 = 8;
    // present: s1 ann, ben, dan + s2 ann, cat, dan = 6; rate 6 / 8 = 0.75.
    assert_eq!(
        d["attendance"],
        json!({"sessions": 5, "held": 2, "cancelled": 1, "upcoming": 2, "unrecorded": 0,
               "reschedules": 1, "expected": 8, "present": 6, "rate": 0.75,
               "absences": {"no_release_time": 1, "illness": 1}})
    );
    // Completed = attended both required modules and latest level-2 evaluation ≥ 2 in both
    // skills: ann (s1, s2; 3 and 2) and dan (s1, s2; 2 and 2). ben missed s2 (loans), cat
    // missed s1 (search) and has no evaluation yet. 2 / 4 = 0.5.
    assert_eq!(
        d["completion"],
        json!({"completed": 2, "audience": 4, "rate": 0.5})
    );
    // Proficient in search (latest assessment ≥ 2): ann 3, ben 2, dan 2 (evaluations of
    // 03-20); cat 0. 3 / 4 = 0.75 < target 900 ‰.
    assert_eq!(d["proficiency"]["proficient"], 3);
    assert_eq!(d["proficiency"]["share"], 0.75);
    assert_eq!(d["proficiency"]["met"], false);
    // Deadline still 2026-06-30. Target = ceil(900 × 4 / 1000) = 4; progress 3; pace = 3
    // proficient in 58 days since the first enrolment (02-01 → 03-31) = 0.362 a week;
    // forecast = 03-31 + ceil(1 ÷ (3/58)) = 03-31 + ceil(19.33) = 03-31 + 20 days = 04-20,
    // before the deadline: on track.
    assert_eq!(
        d["deadline"],
        json!({"deadline": "2026-06-30", "changes": 0, "measure": "proficient", "progress": 3,
               "target": 4, "start": "2026-02-01", "pace_per_week": 0.362,
               "forecast": "2026-04-20", "status": "on_track"})
    );
}

/// The training dashboard on 2026-10-31 (every figure by hand).
fn training_dashboard_at_the_end(b: &Baton) {
    let d = b.json(&["dashboard", "pilot", "--as-of", "2026-10-31"]);
    let phases = d["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 10);
    assert!(phases.iter().all(|p| p["done"] == true), "{phases:?}");
    assert_eq!(row(&d["phases"], "step", "practice")["on"], "2026-03-05");
    // dan left on 2026-09-30: a leaver, out of every rate (and of the audience).
    assert_eq!(
        d["enrolment"],
        json!({"enrolled": 4, "withdrawn": 0, "leavers": 1, "audience": 3})
    );
    // Held: s1, s2, s4, s5; s3 cancelled; s6 (2026-11-12) upcoming.
    // Expected (audience ann, ben, cat only): s1 3 + s2 3 + s4 1 (cat) + s5 1 (ben) = 8;
    // present: s1 2 (ann, ben) + s2 2 (ann, cat) + s4 1 + s5 1 = 6; rate 0.75. dan's two
    // presences do not count.
    assert_eq!(
        d["attendance"],
        json!({"sessions": 6, "held": 4, "cancelled": 1, "upcoming": 1, "unrecorded": 0,
               "reschedules": 1, "expected": 8, "present": 6, "rate": 0.75,
               "absences": {"no_release_time": 1, "illness": 1}})
    );
    // ann: search 3, loans 2, both modules → completed. ben: s1 + s5, search 2, loans 2 →
    // completed. cat: s4 + s2 attended but loans evaluated at 1 < 2 → not. dan completed but is
    // a leaver. 2 / 3 = 0.667.
    assert_eq!(
        d["completion"],
        json!({"completed": 2, "audience": 3, "rate": 0.667})
    );
    assert_eq!(
        row(&d["learners"], "person", "cat")["evaluation_passed"],
        false
    );
    assert_eq!(row(&d["learners"], "person", "cat")["required_attended"], 2);
    assert_eq!(row(&d["learners"], "person", "dan")["in_audience"], false);
    // Search ≥ 2: ann 3, ben 2, cat 2 → 3 / 3; target ceil(900 × 3 / 1000) = 3 → met.
    assert_eq!(
        d["proficiency"],
        json!({"skill": "search", "level": 2, "target_share_per_mille": 900, "by": "2026-06-30",
               "proficient": 3, "audience": 3, "share": 1.0, "met": true})
    );
    // The deadline moved once (06-30 → 09-30). Progress 3 ≥ target 3: achieved. Pace: 3 in
    // 272 days (02-01 → 10-31) = 0.077 a week; nothing remains, so the forecast is today.
    assert_eq!(
        d["deadline"],
        json!({"deadline": "2026-09-30", "changes": 1, "measure": "proficient", "progress": 3,
               "target": 3, "start": "2026-02-01", "pace_per_week": 0.077,
               "forecast": "2026-10-31", "status": "achieved"})
    );
    // f-ann and f-ben completed; f-cat due 10-15 is 16 days overdue; f-cat2 due 11-05 is due
    // within 14 days; f-dan (a leaver's) is left out.
    let fu = &d["follow_ups"];
    assert_eq!(
        (fu["open"].as_u64(), fu["completed"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(fu["overdue"].as_array().unwrap().len(), 1);
    assert_eq!(fu["overdue"][0]["follow_up"], "f-cat");
    assert_eq!(fu["overdue"][0]["days_overdue"], 16);
    assert_eq!(fu["due_soon"][0]["follow_up"], "f-cat2");
    // Practice minutes of the audience: ann 30 + 45, ben 30 (the corrected entry, not 300),
    // cat 20 = 125. Retention: one trace per learner and skill (docs/MODEL.md §1), mixed
    // measures, h₀ = 3 / 334.84; the optimal gap for a 182-day interval is G = 20.857 days. An
    // exposure of m minutes after a gap g (dose d = min(1, m/60), spacing s = min(1, g/G))
    // multiplies h by 1 − 0.2·s·d and raises retention r to r' = r + (1 − r)·d, forgetting
    // going on from the age a = (r'^(−2) − 1) / h of the new curve. Today is 31 October.
    //   ann, search: s1 on 03-03 (trained); 30 min on 03-05: g = 2, s = 0.09589, d = ½ →
    //     h = 0.99041·h₀, r = 0.99116 → 0.99558 (a = 1.003); 45 min on 04-15: g = 41, s = 1,
    //     d = ¾ → h = 0.85 × 0.99041·h₀ = 0.84185·h₀, r = (1 + 0.99041·h₀·42.003)^(−½) =
    //     0.85351 → 0.96338 (a = 10.272); 199 days on: (1 + 0.84185·h₀·209.272)^(−½) =
    //     2.57844^(−½) = 0.623.
    //   ann, loans: s2 on 03-12 only, 233 days: (1 + 233·h₀)^(−½) = 3.08756^(−½) = 0.569, her
    //     weakest.
    //   ben, search: s1 on 03-03 only, 242 days: 3.16820^(−½) = 0.562, his weakest; loans: s5
    //     on 04-09, 30 min on 05-05 (g = 26, s = 1, d = ½ → h = 0.9·h₀, r = 0.90059 → 0.95030,
    //     a = 13.312), 179 days on: (1 + 0.9·h₀·192.312)^(−½) = 2.55072^(−½) = 0.626.
    //   cat, loans: s2 on 03-12 only: 0.569, her weakest; search: s4 on 04-02, 20 min on 04-05
    //     (g = 3, s = 0.14384, d = ⅓ → h = 0.99041·h₀, r = 0.98683 → 0.99122, a = 2.006),
    //     209 days on: (1 + 0.99041·h₀·211.006)^(−½) = 2.87238^(−½) = 0.590.
    // The old model pooled each learner's days into one trace and gained 0.8 per later day,
    // whatever the gap and the minutes: ann 0.723, ben 0.702, cat 0.674, mean 0.700.
    let p = &d["practice"];
    assert_eq!(p["minutes"], 125);
    let expect = [
        ("ann", 199, 75, 0.569, "loans"),
        ("ben", 179, 30, 0.562, "search"),
        ("cat", 209, 20, 0.569, "loans"),
    ];
    for (who, days, minutes, retention, weakest) in expect {
        let r = row(&p["learners"], "person", who);
        assert_eq!(r["days_since"], days, "{who}");
        assert_eq!(r["minutes"], minutes, "{who}");
        assert_eq!(r["retention"], retention, "{who}");
        assert_eq!(r["weakest_skill"], weakest, "{who}");
    }
    let traces: Vec<(&str, &str, i64, f64)> = p["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["person"].as_str().unwrap(),
                t["skill"].as_str().unwrap(),
                t["days_since"].as_i64().unwrap(),
                t["retention"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        traces,
        [
            ("ann", "loans", 233, 0.569),
            ("ann", "search", 199, 0.623),
            ("ben", "loans", 179, 0.626),
            ("ben", "search", 242, 0.562),
            ("cat", "loans", 233, 0.569),
            ("cat", "search", 209, 0.59)
        ]
    );
    // Mean of the weakest: (0.56910 + 0.56182 + 0.56910) / 3 = 0.567. By skill: search
    // (0.62276 + 0.56182 + 0.59004) / 3 = 0.592, loans (0.56910 + 0.62614 + 0.56910) / 3 =
    // 0.588.
    assert_eq!(p["mean_retention"], 0.567);
    assert_eq!(
        p["by_skill"],
        json!([
            {"skill": "loans", "name": "Loans and returns", "learners": 3, "mean_retention": 0.588},
            {"skill": "search", "name": "Searching the new catalogue", "learners": 3, "mean_retention": 0.592}
        ])
    );
    // Trainer load: tia taught s1 (90) + s4 (90) + s5 (120) = 3 sessions, 300 minutes, with s6
    // still to come; vic taught s2 (120) before withdrawing; uma declined.
    let t = &d["trainers"];
    let load = |id: &str| {
        let r = row(t, "person", id);
        (
            r["status"].as_str().unwrap().to_string(),
            r["sessions_held"].as_u64().unwrap(),
            r["minutes_taught"].as_u64().unwrap(),
            r["sessions_upcoming"].as_u64().unwrap(),
        )
    };
    assert_eq!(load("tia"), ("accepted".into(), 3, 300, 1));
    assert_eq!(load("vic"), ("withdrew".into(), 1, 120, 0));
    assert_eq!(load("uma"), ("declined".into(), 0, 0, 0));
    // Commitment ledger. dora (ann): asked 180, committed 180, delivered s1 90 + s2 120 = 210,
    // kept. sam (ben, cat, dan — ben moved to sam before the ask; the ledger keeps leavers):
    // asked 3 × 180 = 540; committed only ben's standing 120 (cat declined, dan's 180
    // withdrawn); delivered ben s1 90 + s5 120, cat s2 120 + s4 90, dan s1 90 + s2 120 = 630;
    // one no-release-time absence (cat, s1) → not kept.
    assert_eq!(
        d["commitments"],
        json!([
            {"supervisor": "dora", "name": "Dora Ruiz", "learners": 1, "minutes_asked": 180,
             "minutes_committed": 180, "minutes_delivered": 210, "no_release_time_absences": 0,
             "declined": 0, "withdrawn": 0, "kept": true},
            {"supervisor": "sam", "name": "Sam Ortiz", "learners": 3, "minutes_asked": 540,
             "minutes_committed": 120, "minutes_delivered": 630, "no_release_time_absences": 1,
             "declined": 1, "withdrawn": 1, "kept": false}
        ])
    );
    // The supervisors' view sums the ledgers of every program (only the pilot asks).
    let s = b.json(&["supervisors", "--as-of", "2026-10-31"]);
    assert_eq!(s["today"], "2026-10-31");
    let sam = row(&s["supervisors"], "supervisor", "sam");
    assert_eq!(
        (
            sam["programs"].clone(),
            sam["minutes_asked"].clone(),
            sam["minutes_committed"].clone(),
            sam["minutes_delivered"].clone(),
            sam["kept"].clone()
        ),
        (
            json!(["pilot"]),
            json!(540),
            json!(120),
            json!(630),
            json!(false)
        )
    );
    // Kirkpatrick. L1: ratings 5, 4, 3 → mean 4.0. L2: ann 3, 2; ben 2, 2; cat 2, 1; dan 2, 2
    // → 8, of which 7 at or above the module target 2, mean 16 / 8 = 2.0. L3: ann applies,
    // ben not. L4: the latest value of the metric (06-30).
    assert_eq!(
        d["kirkpatrick"],
        json!({"reaction_count": 3, "reaction_mean": 4.0, "learning_count": 8,
               "learning_passed": 7, "learning_mean_level": 2.0, "behaviour_count": 2,
               "behaviour_applied": 1, "results": {"loans_per_week_in_new_system": "1850"}})
    );
    let table = b.ok(&["dashboard", "pilot", "--as-of", "2026-10-31"]);
    assert!(
        table.contains("Sam Ortiz") && table.contains("0.75"),
        "{table}"
    );
}

/// The mentoring dashboard on 2026-10-31.
fn mentoring_dashboard(b: &Baton) {
    let d = b.json(&["dashboard", "mentor-reports", "--as-of", "2026-10-31"]);
    assert_eq!(d["kind"], "mentoring");
    let phases = d["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 6);
    assert!(phases.iter().all(|p| p["done"] == true), "{phases:?}");
    // Two coaching sessions of 60 minutes; both assignments done (05-25, 06-22).
    assert_eq!(
        d["mentoring"],
        json!({"pairs": 1, "coaching_sessions": 2, "coaching_minutes": 120, "assignments": 2,
               "assignments_done": 2, "assignments_overdue": 0})
    );
    // ann is paired, every assignment is done, her latest level-2 evaluation (reports 2) is at
    // the outcome's level 2 → completed, 1 / 1; proficient 1 / 1.
    assert_eq!(
        d["completion"],
        json!({"completed": 1, "audience": 1, "rate": 1.0})
    );
    assert_eq!(d["proficiency"]["met"], true);
    assert_eq!(d["deadline"]["status"], "achieved");
    assert_eq!(
        (
            d["follow_ups"]["completed"].as_u64(),
            d["follow_ups"]["open"].as_u64()
        ),
        (Some(1), Some(0))
    );
    // Exposures of ann's one skill in the program, the outcome's (reports): coaching on 05-12
    // (trained) and 06-09 (60 minutes: d = 1; a 28-day gap is past G = 20.857: s = 1, so h =
    // 0.8·h₀, fully restored), 144 days before 10-31: (1 + 0.8·h₀·144)^(−½) = 0.701, as in
    // the old model (whose gain was 0.8 whatever the gap).
    assert_eq!(d["practice"]["learners"][0]["days_since"], 144);
    assert_eq!(d["practice"]["learners"][0]["weakest_skill"], "reports");
    assert_eq!(d["practice"]["mean_retention"], retention(0.8, 144.0));
    let al = row(&d["trainers"], "person", "al");
    assert_eq!(
        (al["pairs"].as_u64(), al["coaching_sessions"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(d["kirkpatrick"]["learning_passed"], 1);
}

/// Skills risk on 2026-10-31.
fn risk(b: &Baton) {
    let r = b.json(&["risk", "--as-of", "2026-10-31"]);
    // Latest levels (dan has left and is out). A person holds a skill when level ≥ 2 and
    // 4·level ≥ 3·max:
    //   search  max 4 (tia): tia 4, ann 3 hold; ben 2, cat 2 do not (8 < 12).
    //   loans   max 4 (vic): vic 4, tia 3 hold; ann 2, ben 2 do not.
    //   copycat max 4 (tia): tia 4, al 3 hold.
    //   reports max 3: vic 3, al 3 hold; uma 2 and ann 2 (mentoring) do not (8 < 9).
    //   marc    max 2: al 2 holds — the only holder.
    let holders = |s: &str| row(&r["skills"], "skill", s)["holders"].clone();
    assert_eq!(holders("search"), json!(["ann", "tia"]));
    assert_eq!(holders("loans"), json!(["tia", "vic"]));
    assert_eq!(holders("copycat"), json!(["al", "tia"]));
    assert_eq!(holders("reports"), json!(["al", "vic"]));
    assert_eq!(holders("marc"), json!(["al"]));
    assert_eq!(
        r["single_holder"],
        json!([{"skill": "marc", "skill_name": "MARC record editing", "person": "al",
                "person_name": "Zed Alder"}])
    );
    // Truck factor: skills held — tia 3, al 3, vic 2, ann 1; stop when fewer than 50 % of 5
    // (< 2.5) keep a holder. Tie tia / al at 3: by name, "Tia Kahn" < "Zed Alder" (by id "al"
    // would go first) → tia; coverage stays 5. Then al (3) → copycat and marc lose their
    // holders: 3 ≥ 2.5, go on. Then vic (2) → loans, reports lost: 1 < 2.5. Truck factor 3.
    let tf = &r["truck_factor"];
    assert_eq!(tf["value"], 3);
    assert_eq!(
        (tf["catalogue"].as_u64(), tf["covered_before"].as_u64()),
        (Some(5), Some(5))
    );
    let removed: Vec<(String, u64, u64)> = tf["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["person"].as_str().unwrap().to_string(),
                x["skills_held"].as_u64().unwrap(),
                x["covered_after"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        removed,
        vec![
            ("tia".into(), 3, 5),
            ("al".into(), 3, 3),
            ("vic".into(), 2, 1)
        ]
    );
    // Coverage: nothing assessed on 2026-01-01; every skill held from February on.
    let cov = r["coverage"].as_array().unwrap();
    assert_eq!(cov[0]["date"], "2026-01-01");
    assert_eq!(cov[0]["covered"], 0);
    assert_eq!(cov.last().unwrap()["date"], "2026-10-31");
    assert_eq!(cov.last().unwrap()["share"], 1.0);
    // The matrix decays the gains of training, toward the level before it. ann's search:
    // self-assessed 1 on 01-10, evaluated 3 on 03-20 (the trace is trained then), 45 minutes
    // of practice on 04-15 (g = 26 ≥ G = 20.857: s = 1, d = ¾ → h = 0.85·h₀; r = (1 +
    // 26·h₀)^(−½) = 0.90059 rises to 0.90059 + 0.09941 × ¾ = 0.97515, the curve's age 6.778
    // days), 199 days on: (1 + 0.85·h₀·205.778)^(−½) = 2.56712^(−½) = 0.62413, so
    // 1 + (3 − 1) × 0.62413 = 2.248 (the old model: 3 × (1 + 0.8·h₀·199)^(−½) = 1.926).
    let ann = row(&r["matrix"], "person", "ann");
    assert_eq!(ann["skills"]["search"]["before"], 1);
    assert_eq!(ann["skills"]["search"]["estimated"], 2.248);
    // al's copycat 3, assessed once by his supervisor on 01-10: a level seen on the job, not a
    // gain of training the log knows of, does not decay (the old model: 3 × (1 + h₀·294)^(−½)
    // = 1.574).
    let al = row(&r["matrix"], "person", "al");
    assert_eq!(
        (
            &al["skills"]["copycat"]["before"],
            &al["skills"]["copycat"]["estimated"]
        ),
        (&json!(3), &json!(3.0))
    );
    assert!(r["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["person"] != "dan"));
    assert!(b
        .ok(&["risk", "--as-of", "2026-10-31"])
        .contains("MARC record editing"));
}

/// ann across both programs.
fn journey(b: &Baton) {
    let j = b.json(&["journey", "ann", "--as-of", "2026-10-31"]);
    assert_eq!(j["name"], "Ann Lee");
    let programs = j["programs"].as_array().unwrap();
    assert_eq!(programs.len(), 2);
    let pilot = row(&j["programs"], "program", "pilot");
    assert_eq!(pilot["roles"], json!(["learner"]));
    assert_eq!(pilot["completed"], true);
    assert_eq!(pilot["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(pilot["practice_minutes"], 75);
    assert_eq!(pilot["commitment"]["supervisor"], "dora");
    let mentoring = row(&j["programs"], "program", "mentor-reports");
    assert_eq!(mentoring["roles"], json!(["mentee"]));
    assert_eq!(mentoring["completed"], true);
    // Baselines (2), then evaluations that assess: search 3, loans 2, reports 2.
    assert_eq!(j["assessments"].as_array().unwrap().len(), 5);
    assert!(b
        .ok(&["journey", "ann", "--as-of", "2026-10-31"])
        .contains("mentor-reports"));
}

/// The audit: a field-level diff between two versions and the plan as of a recorded time.
fn audit(b: &Baton, d: &Deadline) {
    let range = format!("{}..{}", d.before, d.after);
    let diff = b.json(&["history", "pilot", "--diff", &range]);
    let changes = diff["changes"].as_array().unwrap();
    let deadline = changes.iter().find(|c| c["path"] == "deadline").unwrap();
    assert_eq!(
        (&deadline["before"], &deadline["after"]),
        (&json!("2026-06-30"), &json!("2026-09-30"))
    );
    assert!(
        changes
            .iter()
            .all(|c| c["path"].as_str().unwrap().starts_with("deadline")),
        "{changes:?}"
    );
    // The plan as the log knew it when version `before` was recorded (recorded time, not
    // business time): the old deadline, and only the entries recorded by then.
    let history = b.json(&["history", "pilot"]);
    let entries = history["entries"].as_array().unwrap();
    let at = entries.iter().find(|e| e["version"] == d.before).unwrap()["recorded_at"]
        .as_str()
        .unwrap()
        .to_string();
    let then = b.json(&["history", "pilot", "--as-of", &at]);
    assert_eq!(then["plan"]["deadline"], "2026-06-30");
    assert_eq!(then["entries"].as_array().unwrap().len() as u64, d.before);
    // Both times are kept: the change was recorded after `at`, but occurred on 2026-05-15.
    let change = entries.iter().find(|e| e["version"] == d.after).unwrap();
    assert!(change["recorded_at"].as_str().unwrap() > at.as_str());
    assert!(change["occurred_at"]
        .as_str()
        .unwrap()
        .starts_with("2026-05-15"));
    assert!(change["summary"].as_str().unwrap().contains("2026-09-30"));
    assert_eq!(change["actor"], "coordinator");

    // A plain void: the congratulation recorded at version `before` was a mistake.
    let congratulation = entries.iter().find(|e| e["version"] == d.before).unwrap();
    assert_eq!(congratulation["event_type"], "Congratulated");
    let id = congratulation["id"].as_str().unwrap();
    b.batch(
        "pilot",
        "2026-07-02",
        &[json!({"type": "VoidEvent", "event_id": id, "reason": "tia congratulated too early"})],
    );
    let history = b.json(&["history", "pilot"]);
    let entries = history["entries"].as_array().unwrap();
    let voided = entries.iter().find(|e| e["version"] == d.before).unwrap();
    assert_eq!(voided["voided_by"]["reason"], "tia congratulated too early");
    assert_eq!(voided["voided_by"]["corrected"], false);
    assert_eq!(entries.last().unwrap()["voids"], d.before);
    // Voiding it twice is refused, naming the rule.
    let err = b.refused(
        "pilot",
        "2026-07-02",
        &[json!({"type": "VoidEvent", "event_id": id, "reason": "again"})],
        &[],
    );
    assert!(err.contains(id), "{err}");
}

/// Issue 8: an organization set up after the fact, in a zone west of UTC. On 1 December the
/// coordinator configures the organization (America/Chicago, UTC−5 in late October) and adds
/// a skill without a date, then enters October with `--on`. Every `--as-of` day is read in
/// Chicago, although the configuration was recorded after those days: the end of 22 October
/// in Chicago is 05:00 UTC on the 23rd, which UTC would already call the 23rd.
#[test]
fn an_organization_set_up_after_the_fact_west_of_utc_reads_its_own_days() {
    let dir = tempfile::tempdir().unwrap();
    let b = Baton {
        data: dir.path().join("store"),
        dir: dir.path().to_path_buf(),
        files: std::cell::Cell::new(0),
    };
    // Recorded now, with no business day: the configuration and the skill.
    let file = b.file(&[
        json!({"type": "ConfigureOrganization", "name": "Prairie Library", "time_zone": "America/Chicago"}),
        json!({"type": "AddSkill", "skill": "search", "name": "Catalogue search"}),
    ]);
    let result = b.json(&["do", "organization", &file]);
    assert_eq!(result["organization_version"], 2);
    let person = |id: &str| json!({"type": "AddPerson", "person": id, "name": id.to_uppercase(), "department": "d", "branch": "b", "on": "2026-10-01"});
    b.batch(
        "organization",
        "2026-10-01",
        &[
            person("ann"),
            person("leo"),
            person("bob"),
            json!({"type": "AssessSkill", "person": "bob", "skill": "search", "level": 3, "source": "supervisor"}),
        ],
    );
    b.batch(
        "pilot",
        "2026-10-05",
        &[
            json!({"type": "CreateProgram", "program": "pilot", "kind": "training", "title": "Pilot"}),
            json!({"type": "InviteTrainer", "person": "bob"}),
            json!({"type": "AcceptInvitation", "person": "bob"}),
            json!({"type": "EnrolLearner", "person": "ann"}),
            json!({"type": "EnrolLearner", "person": "leo"}),
            json!({"type": "ScheduleFollowUp", "follow_up": "f-1", "person": "ann", "due": "2026-10-22", "purpose": "check"}),
        ],
    );

    b.batch(
        "organization",
        "2026-10-06",
        &[json!({"type": "RecordDeparture", "person": "leo", "on": "2026-10-22"})],
    );

    // On 22 October (Chicago): leo's last day, f-1 due today, not overdue.
    let d = b.json(&["dashboard", "pilot", "--as-of", "2026-10-22"]);
    assert_eq!(d["today"], "2026-10-22", "{d}");
    assert_eq!(d["enrolment"]["leavers"], 0);
    assert_eq!(d["enrolment"]["audience"], 2);
    assert_eq!(d["follow_ups"]["open"], 1);
    assert_eq!(d["follow_ups"]["overdue"], json!([]));
    // The next day leo has left and f-1 is one day overdue.
    let d = b.json(&["dashboard", "pilot", "--as-of", "2026-10-23"]);
    assert_eq!(d["today"], "2026-10-23");
    assert_eq!(d["enrolment"]["leavers"], 1);
    assert_eq!(d["follow_ups"]["overdue"][0]["days_overdue"], 1);

    // The skill entered today without a date is in the catalogue of earlier days, where
    // bob's dated assessment already holds it.
    let r = b.json(&["risk", "--as-of", "2026-10-22"]);
    assert_eq!(r["today"], "2026-10-22");
    let search = row(&r["skills"], "skill", "search");
    assert_eq!(search["holders"], json!(["bob"]), "{r}");
    assert_eq!(r["matrix"][0]["skills"]["search"]["holds"], true);

    // The organization's own history lists what was entered, with seqs and ids.
    let h = b.json(&["history", "organization", "--last", "2"]);
    let types: Vec<_> = h["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["SkillAssessed", "PersonLeft"]);
}
