//! Commands: what a user asks Baton to do, in the imperative.
//!
//! A command is JSON tagged by `"type"` (`{"type": "HoldSession", "session": "s-1", …}`).
//! Ids are client-chosen slugs; dates are `YYYY-MM-DD` and, where optional (`on`), default to
//! the day of "now" in the organization's time zone; session starts are local wall-clock times
//! (`2026-03-10T09:30`) in the organization's zone. [`command_examples`] lists every command
//! with a one-line description and an example.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::events::{
    AssessmentSource, AttendanceRecord, EvaluationResult, PhaseStep, PracticeKind, ProgramKind,
    SkillTarget,
};
use super::ids::StreamKind;

/// Why JSON could not be read as a command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid command{}: field {field}: {message}", command_type.as_deref().map(|t| format!(" {t}")).unwrap_or_default())]
pub struct CommandParseError {
    /// The command type, when it was readable.
    pub command_type: Option<String>,
    /// The offending field (`type` when the type is missing or unknown).
    pub field: String,
    /// What was wrong.
    pub message: String,
}

fn yes() -> bool {
    true
}

impl Command {
    /// The kind of program the command applies to, or `None` when it applies to both (and to
    /// organization commands and corrections). Modules, sessions and the training plan belong
    /// to training; pairs and everything done with a pair (needs, baseline, priorities,
    /// coaching sessions, assignments) to mentoring. The rules refuse a command given to the
    /// other kind (`wrong_program_kind`), and the pages offer it only where it applies.
    pub fn program_kind(&self) -> Option<ProgramKind> {
        use Command::*;
        match self {
            PreparePlan(_) | TestRunPlan(_) | DefineModule(_) | ScheduleSession(_)
            | RescheduleSession(_) | InviteToSession(_) | CancelSession(_) | HoldSession(_) => {
                Some(ProgramKind::Training)
            }
            PairMentee(_)
            | AssessNeeds(_)
            | RecordBaseline(_)
            | SetPriorities(_)
            | ScheduleCoachingSession(_)
            | RescheduleCoachingSession(_)
            | CancelCoachingSession(_)
            | HoldCoachingSession(_)
            | GiveAssignment(_)
            | CompleteAssignment(_) => Some(ProgramKind::Mentoring),
            _ => None,
        }
    }

    /// Whether the command may be given to a program of `kind` (see [`Command::program_kind`]).
    pub fn applies_to(&self, kind: ProgramKind) -> bool {
        self.program_kind().is_none_or(|k| k == kind)
    }
}

/// Rewrites a JSON reader's message in the user's words: what was expected, in the terms of
/// the command reference (a day like 2026-03-01, a whole number from 0 to 4294967295), never a
/// Rust type name.
pub(crate) fn humane(msg: &str) -> String {
    // chrono's reasons for a string that is not a `YYYY-MM-DD` day.
    const BAD_DAY: [&str; 8] = [
        "input is out of range",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is not enough",
        "no possible date",
        "bad or unsupported format",
        "date string",
    ];
    if BAD_DAY.iter().any(|b| msg.contains(b)) {
        return "expected a day like 2026-03-01".into();
    }
    if msg.contains("UUID") || msg.contains("urn:uuid") {
        return "expected a UUID like 8c1f0a52-51c1-4b8e-9f5e-0d2b7a1c3e44".into();
    }
    let Some((found, expected)) = msg.split_once(", expected ") else {
        return msg.to_string();
    };
    let expected = match expected {
        "u8" => "a whole number from 0 to 255".to_string(),
        "u16" => "a whole number from 0 to 65535".to_string(),
        "u32" => "a whole number from 0 to 4294967295".to_string(),
        "u64" => "a whole number from 0".to_string(),
        "i32" | "i64" => "a whole number".to_string(),
        "a sequence" => "a list".to_string(),
        "a map" => "an object".to_string(),
        "variant identifier" => "a name (a string) from the command reference".to_string(),
        e if e.starts_with("struct ") => "an object".to_string(),
        e if e.starts_with("internally tagged enum Command") => {
            "a command object with its \"type\"".to_string()
        }
        e if e.starts_with("internally tagged enum") => "an object with its \"level\"".to_string(),
        e if e.starts_with("enum") => "a name (a string) from the command reference".to_string(),
        e => e.to_string(),
    };
    let found = found
        .strip_prefix("invalid type: ")
        .or_else(|| found.strip_prefix("invalid value: "))
        .unwrap_or(found)
        .replace('`', "")
        .replace("unknown variant", "unknown value");
    if found.starts_with("unknown") || found.starts_with("missing") {
        return format!("{found}, expected {expected}");
    }
    format!("expected {expected}, got {found}")
}

/// One field of a command, as the catalogue declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// The JSON name (`duration_minutes`).
    pub name: &'static str,
    /// The type as declared (`Option<u32>`, `Vec<String>`, `NaiveDate`).
    pub ty: &'static str,
    /// The field's one-line description.
    pub doc: String,
    /// Whether it may be left out (it has a default).
    pub optional: bool,
}

impl FieldInfo {
    /// A field from its name, its declared type and its attributes as written (`doc = "…"`,
    /// `serde(default)`), one per line.
    fn new(name: &'static str, ty: &'static str, attrs: &'static str) -> FieldInfo {
        let mut doc = String::new();
        let mut optional = false;
        for attr in attrs.lines() {
            let attr = attr.trim();
            if let Some(text) = attr.strip_prefix("doc =") {
                // A doc comment stringifies as a raw string literal, `r" Id."`.
                let text = text.trim();
                let raw = text.starts_with('r');
                let text = text
                    .trim_start_matches('r')
                    .trim_matches('#')
                    .trim_matches('"')
                    .trim();
                let text = if raw {
                    text.to_string()
                } else {
                    text.replace("\\\"", "\"")
                };
                if !doc.is_empty() {
                    doc.push(' ');
                }
                doc.push_str(&text);
            } else if attr.starts_with("serde") && attr.contains("default") {
                optional = true;
            }
        }
        FieldInfo {
            name,
            ty: ty.trim(),
            doc,
            optional,
        }
    }
}

macro_rules! commands {
    ($( $(#[$doc:meta])* $name:ident => $kind:ident, $desc:literal, $example:tt, { $( $(#[$fattr:meta])* $field:ident : $ty:ty ),* $(,)? } )*) => {
        $(
            $(#[$doc])*
            #[doc = ""]
            #[doc = $desc]
            #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
            #[serde(deny_unknown_fields)]
            pub struct $name {
                $( $(#[$fattr])* pub $field: $ty, )*
            }
        )*

        /// Every command, tagged by `"type"` in JSON.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        pub enum Command {
            $( #[doc = $desc] $name($name), )*
        }

        impl Command {
            /// The command's type name (`HoldSession`).
            pub fn type_name(&self) -> &'static str {
                match self { $( Command::$name(_) => stringify!($name), )* }
            }

            /// The stream kind the command writes to; `None` for [`CorrectEvent`], which writes
            /// where the corrected event lives.
            pub fn stream_kind(&self) -> Option<StreamKind> {
                match self { $( Command::$name(_) => commands!(@kind $kind), )* }
            }

            /// Parses a command from JSON, naming the offending field on error.
            pub fn from_json(value: &Value) -> Result<Command, CommandParseError> {
                let err = |t: Option<&str>, field: String, message: String| CommandParseError {
                    command_type: t.map(str::to_string), field, message,
                };
                let Some(obj) = value.as_object() else {
                    return Err(err(None, ".".into(), "expected a JSON object".into()));
                };
                let Some(t) = obj.get("type").and_then(Value::as_str) else {
                    return Err(err(None, "type".into(), "missing or not a string; expected a command type such as \"HoldSession\"".into()));
                };
                let mut rest = obj.clone();
                rest.remove("type");
                let rest = Value::Object(rest);
                fn de<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, (String, String)> {
                    serde_path_to_error::deserialize(v).map_err(|e| {
                        let path = e.path().to_string();
                        let msg = humane(&e.into_inner().to_string());
                        let field = match msg.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
                            Some(name) if path == "." => name.to_string(),
                            Some(name) => format!("{path}.{name}"),
                            None => path,
                        };
                        (field, msg)
                    })
                }
                match t {
                    $( stringify!($name) => de::<$name>(&rest).map(Command::$name), )*
                    other => return Err(err(None, "type".into(), format!("unknown command type {other:?}"))),
                }
                .map_err(|(field, message)| err(Some(t), field, message))
            }
        }

        /// Every command's fields, in declaration order (for forms and flags built from the
        /// catalogue, such as `baton do PROGRAM hold-session --session s-1`).
        pub fn command_fields() -> Vec<(&'static str, Vec<FieldInfo>)> {
            vec![
                $( (stringify!($name), vec![ $( FieldInfo::new(
                    stringify!($field),
                    stringify!($ty),
                    concat!($( stringify!($fattr), "\n", )*),
                ), )* ]), )*
            ]
        }

        /// Every command: its type, a one-line description and an example.
        pub fn command_examples() -> Vec<(&'static str, &'static str, Value)> {
            vec![
                $( {
                    let mut ex = json!($example);
                    if let Some(map) = ex.as_object_mut() {
                        map.insert("type".into(), Value::String(stringify!($name).into()));
                    }
                    (stringify!($name), $desc, ex)
                }, )*
            ]
        }

        #[cfg(test)]
        pub(crate) fn all_type_names() -> Vec<&'static str> {
            vec![ $( stringify!($name), )* ]
        }
    };
    (@kind Organization) => { Some(StreamKind::Organization) };
    (@kind Program) => { Some(StreamKind::Program) };
    (@kind Either) => { None };
}

commands! {
    ConfigureOrganization => Organization, "Name the organization and set its IANA time zone.",
    {"name": "Riverside Public Library", "time_zone": "Europe/Paris"},
    { /// Display name.
      name: String, /// IANA zone.
      time_zone: String }

    AddPerson => Organization, "Record that a person joined the organization.",
    {"person": "ann", "name": "Ann Lee", "department": "cataloguing", "branch": "central", "supervisor": "dora", "on": "2026-01-05"},
    { /// Id.
      person: String, /// Display name.
      name: String, /// Department.
      department: String, /// Branch.
      branch: String, /// Supervisor id.
      #[serde(default)] supervisor: Option<String>, /// Join day (default today).
      #[serde(default)] on: Option<NaiveDate> }

    MovePerson => Organization, "Move a person to another department or branch.",
    {"person": "ann", "department": "lending", "branch": "north", "on": "2026-04-01"},
    { /// Id.
      person: String, /// New department.
      department: String, /// New branch.
      branch: String, /// Effective day.
      #[serde(default)] on: Option<NaiveDate> }

    ChangeSupervisor => Organization, "Change (or remove) a person's supervisor.",
    {"person": "ann", "supervisor": "eve", "on": "2026-04-01"},
    { /// Id.
      person: String, /// New supervisor, or null.
      #[serde(default)] supervisor: Option<String>, /// Effective day.
      #[serde(default)] on: Option<NaiveDate> }

    RecordDeparture => Organization, "Record that a person left the organization.",
    {"person": "ann", "on": "2026-06-30"},
    { /// Id.
      person: String, /// Last day.
      #[serde(default)] on: Option<NaiveDate> }

    AddSkill => Organization, "Add a skill to the catalogue.",
    {"skill": "copy-cataloguing", "name": "Copy cataloguing in the new system"},
    { /// Id.
      skill: String, /// Display name.
      name: String }

    AssessSkill => Organization, "Record a person's level (0-4) in a skill, by source (self, supervisor, trainer, evaluation).",
    {"person": "ann", "skill": "copy-cataloguing", "level": 2, "source": "supervisor", "on": "2026-02-01"},
    { /// Id.
      person: String, /// Skill.
      skill: String, /// Level 0-4.
      level: u8, /// Who assessed.
      source: AssessmentSource, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    ErasePerson => Organization, "Erase a person's personal data (the store redacts it; the id stays as a pseudonym).",
    {"person": "ann"},
    { /// Id.
      person: String }

    CreateProgram => Program, "Create a training or mentoring program, optionally with its goal.",
    {"program": "catalogue-2026", "kind": "training", "title": "New catalogue system", "goal": "Every branch catalogues in the new system"},
    { /// Slug; the stream is `program-<slug>`.
      program: String, /// training or mentoring.
      kind: ProgramKind, /// Title.
      title: String, /// Goal.
      #[serde(default)] goal: Option<String> }

    SetGoal => Program, "Set or change the training goal.",
    {"goal": "Every branch catalogues in the new system by September"},
    { /// The goal.
      goal: String }

    SetDesiredOutcome => Program, "Set the desired outcome: a share (per-mille) of the audience at a skill level by a date.",
    {"skill": "copy-cataloguing", "level": 2, "share_per_mille": 800, "by": "2026-09-30"},
    { /// Skill.
      skill: String, /// Level 0-4.
      level: u8, /// Share in per-mille.
      share_per_mille: u16, /// Date.
      by: NaiveDate }

    SetDeadline => Program, "Set the deadline, or change it (a change needs a reason).",
    {"deadline": "2026-09-30", "reason": "go-live moved by the vendor"},
    { /// The deadline.
      deadline: NaiveDate, /// Why it changed.
      #[serde(default)] reason: Option<String> }

    MarkStep => Program, "Tick (or untick, with done=false) a step of the method on the phase checklist.",
    {"step": "identify_goal", "done": true, "on": "2026-01-10"},
    { /// The step.
      step: PhaseStep, /// Done or undone.
      #[serde(default = "yes")] done: bool, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    ArchiveProgram => Program, "Archive the program; it then accepts no more commands. With sessions still to come or open follow-ups it needs \"force\": true.",
    {"reason": "roll-out complete"},
    { /// Why.
      reason: String, /// Archive although sessions are still to come or follow-ups open.
      #[serde(default)] force: bool }

    ReopenProgram => Program, "Reopen an archived program, with a reason.",
    {"reason": "archived by mistake"},
    { /// Why.
      reason: String }

    InviteTrainer => Program, "Invite a potential trainer (or mentor).",
    {"person": "bob", "on": "2026-01-12"},
    { /// Person.
      person: String, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    AcceptInvitation => Program, "Record that an invited trainer accepted.",
    {"person": "bob"},
    { /// Person.
      person: String, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    DeclineInvitation => Program, "Record that an invited trainer declined.",
    {"person": "bob", "reason": "no time before summer"},
    { /// Person.
      person: String, /// Why.
      #[serde(default)] reason: Option<String>, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    WithdrawTrainer => Program, "Record that an accepted trainer withdrew.",
    {"person": "bob", "reason": "moved to another project"},
    { /// Person.
      person: String, /// Why.
      #[serde(default)] reason: Option<String>, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    PreparePlan => Program, "Record that the training team prepared the training plan.",
    {"team": ["bob", "carl"], "notes": "six modules, two sessions each per branch"},
    { /// Team members.
      team: Vec<String>, /// What was prepared.
      notes: String, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    TestRunPlan => Program, "Record a test run (dry run) of the plan with the training team.",
    {"team": ["bob", "carl"], "findings": "module 3 too long; split it"},
    { /// Team members.
      team: Vec<String>, /// What was learned.
      findings: String, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    DefineModule => Program, "Add (or redefine) a module: the skills it teaches, target levels, whether required.",
    {"module": "m-1", "title": "Searching the new catalogue", "skills": [{"skill": "copy-cataloguing", "level": 2}], "required": true},
    { /// Id.
      module: String, /// Title.
      title: String, /// Skills and target levels.
      skills: Vec<SkillTarget>, /// Required for completion (default true).
      #[serde(default = "yes")] required: bool }

    ScheduleSession => Program, "Schedule a session of a module at a local time in the organization's zone.",
    {"session": "s-1", "module": "m-1", "trainers": ["bob"], "start": "2026-03-10T09:30", "duration_minutes": 90, "location": "Central, room 2", "capacity": 12, "invitees": ["ann"]},
    { /// Id.
      session: String, /// Module.
      module: String, /// Accepted trainers.
      trainers: Vec<String>, /// Local start, YYYY-MM-DDTHH:MM.
      start: String, /// Length.
      duration_minutes: u32, /// Where.
      location: String, /// Seats.
      capacity: u32, /// Enrolled learners invited.
      #[serde(default)] invitees: Vec<String> }

    RescheduleSession => Program, "Move a scheduled session to another local time (and length).",
    {"session": "s-1", "start": "2026-03-17T09:30", "reason": "trainer ill"},
    { /// Session.
      session: String, /// New local start.
      start: String, /// New length (default unchanged).
      #[serde(default)] duration_minutes: Option<u32>, /// Why.
      #[serde(default)] reason: Option<String> }

    InviteToSession => Program, "Invite more enrolled learners to a scheduled session.",
    {"session": "s-1", "people": ["cleo"]},
    { /// Session.
      session: String, /// People.
      people: Vec<String> }

    CancelSession => Program, "Cancel a scheduled session.",
    {"session": "s-1", "reason": "branch closed"},
    { /// Session.
      session: String, /// Why.
      reason: String }

    HoldSession => Program, "Record that a session was held, with attendance for every invitee.",
    {"session": "s-1", "attendance": [{"person": "ann", "present": true}, {"person": "cleo", "present": false, "absence_reason": "no_release_time"}]},
    { /// Session.
      session: String, /// Attendance per invitee.
      attendance: Vec<AttendanceRecord> }

    EnrolLearner => Program, "Enrol a learner (or mentee).",
    {"person": "ann", "on": "2026-02-01"},
    { /// Person.
      person: String, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    WithdrawLearner => Program, "Record that a learner left the program.",
    {"person": "ann", "reason": "changed role"},
    { /// Person.
      person: String, /// Why.
      #[serde(default)] reason: Option<String>, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    LogPractice => Program, "Log practice: person, skill, kind (sandbox, real_use, refresher), minutes.",
    {"person": "ann", "skill": "copy-cataloguing", "kind": "sandbox", "minutes": 30, "on": "2026-03-12"},
    { /// Person.
      person: String, /// Skill.
      skill: String, /// Kind.
      kind: PracticeKind, /// Minutes.
      minutes: u32, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    RecordEvaluation => Program, "Record an evaluation at a Kirkpatrick level: reaction, learning (also assesses the skill), behaviour, results.",
    {"person": "ann", "module": "m-1", "result": {"level": "learning", "skill": "copy-cataloguing", "skill_level": 2}, "on": "2026-03-20"},
    { /// Person (none for results).
      #[serde(default)] person: Option<String>, /// Module.
      #[serde(default)] module: Option<String>, /// Result.
      result: EvaluationResult, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    ScheduleFollowUp => Program, "Schedule a follow-up with a person.",
    {"follow_up": "f-1", "person": "ann", "due": "2026-04-20", "purpose": "check use on the job"},
    { /// Id.
      follow_up: String, /// Person.
      person: String, /// Due.
      due: NaiveDate, /// What for.
      purpose: String }

    CompleteFollowUp => Program, "Record that a follow-up was done.",
    {"follow_up": "f-1", "notes": "uses it daily"},
    { /// Follow-up.
      follow_up: String, /// Notes.
      notes: String, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    Congratulate => Program, "Congratulate people or a team for a milestone.",
    {"people": ["ann", "bob"], "milestone": "central branch live"},
    { /// People.
      people: Vec<String>, /// Milestone.
      milestone: String, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    ChooseMitigation => Program, "Record a mitigation chosen for a challenge the plan anticipates, after simulating or rehearsing it: a scenario of the library (`baton scenarios`) and one of its mitigations. The action plan lists it.",
    {"scenario": "reluctant-supervisors", "mitigation": "supervisor-briefing", "reason": "the simulation gives it the largest gain"},
    { /// Scenario (a name of the library).
      scenario: String, /// Mitigation (an id of that scenario).
      mitigation: String, /// Why it was chosen.
      #[serde(default)] reason: Option<String>, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    AskCommitment => Program, "Ask a learner's supervisor for release time (minutes).",
    {"learner": "ann", "minutes": 360},
    { /// Learner.
      learner: String, /// Supervisor (default the learner's current supervisor).
      #[serde(default)] supervisor: Option<String>, /// Minutes asked.
      minutes: u32, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    CommitReleaseTime => Program, "Record a supervisor's promise of release time (minutes) for a learner.",
    {"learner": "ann", "minutes": 360},
    { /// Learner.
      learner: String, /// Minutes promised.
      minutes: u32, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    DeclineCommitment => Program, "Record that a supervisor declined to release a learner.",
    {"learner": "ann", "reason": "short-staffed"},
    { /// Learner.
      learner: String, /// Why.
      #[serde(default)] reason: Option<String>, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    WithdrawCommitment => Program, "Record that a supervisor withdrew a commitment.",
    {"learner": "ann", "reason": "summer rush"},
    { /// Learner.
      learner: String, /// Why.
      #[serde(default)] reason: Option<String>, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    PairMentee => Program, "Pair an accepted mentor with a mentee (enrolling the mentee if needed).",
    {"pair": "p-1", "mentor": "bob", "mentee": "ann"},
    { /// Pair id.
      pair: String, /// Mentor.
      mentor: String, /// Mentee.
      mentee: String, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    AssessNeeds => Program, "Record a mentee's needs: goals and desired outcomes.",
    {"pair": "p-1", "goals": ["run reports alone"], "desired_outcomes": ["monthly report without help"]},
    { /// Pair.
      pair: String, /// Goals.
      goals: Vec<String>, /// Desired outcomes.
      desired_outcomes: Vec<String>, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    RecordBaseline => Program, "Record what the mentee already knows and what already works.",
    {"pair": "p-1", "already_knows": ["basic search"], "already_works": ["patron queries"]},
    { /// Pair.
      pair: String, /// Known.
      already_knows: Vec<String>, /// Working.
      already_works: Vec<String>, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    SetPriorities => Program, "Set the pair's priorities, most important first.",
    {"pair": "p-1", "priorities": ["reports", "batch edits"]},
    { /// Pair.
      pair: String, /// In order.
      priorities: Vec<String>, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    ScheduleCoachingSession => Program, "Schedule a personalized coaching session of a pair ahead (local start time); hold it later with HoldCoachingSession.",
    {"pair": "p-1", "session": "c-2", "start": "2026-03-18T14:00", "duration_minutes": 60, "topics": ["batch edits"]},
    { /// Pair.
      pair: String, /// Coaching session id.
      session: String, /// Local start.
      start: String, /// Length.
      duration_minutes: u32, /// Topics planned.
      #[serde(default)] topics: Vec<String> }

    RescheduleCoachingSession => Program, "Move a scheduled coaching session of a pair (local start time; its length stays unless given). Calendars raise its SEQUENCE.",
    {"pair": "p-1", "session": "c-2", "start": "2026-03-19T10:00", "reason": "the mentor is on leave"},
    { /// Pair.
      pair: String, /// Coaching session id.
      session: String, /// New local start.
      start: String, /// New length (default: as scheduled).
      #[serde(default)] duration_minutes: Option<u32>, /// Why.
      #[serde(default)] reason: Option<String> }

    CancelCoachingSession => Program, "Cancel a scheduled coaching session of a pair; calendars publish it as cancelled.",
    {"pair": "p-1", "session": "c-2", "reason": "the mentee changed branch"},
    { /// Pair.
      pair: String, /// Coaching session id.
      session: String, /// Why.
      reason: String }

    HoldCoachingSession => Program, "Record that a coaching session of a pair was held: a scheduled one (its start and length may be left out) or one not scheduled before (local start time).",
    {"pair": "p-1", "session": "c-1", "start": "2026-03-11T14:00", "duration_minutes": 60, "topics": ["reports"]},
    { /// Pair.
      pair: String, /// Coaching session id.
      session: String, /// Local start (default: as scheduled).
      #[serde(default)] start: Option<String>, /// Length (default: as scheduled).
      #[serde(default)] duration_minutes: Option<u32>, /// Topics (default: as scheduled).
      #[serde(default)] topics: Vec<String> }

    GiveAssignment => Program, "Give a mentee a personalized assignment.",
    {"pair": "p-1", "assignment": "a-1", "description": "build the monthly report", "due": "2026-03-25"},
    { /// Pair.
      pair: String, /// Id.
      assignment: String, /// What to do.
      description: String, /// Due.
      due: NaiveDate }

    CompleteAssignment => Program, "Record that a mentee completed an assignment.",
    {"pair": "p-1", "assignment": "a-1"},
    { /// Pair.
      pair: String, /// Assignment.
      assignment: String, /// Day.
      #[serde(default)] on: Option<NaiveDate> }

    VoidEvent => Either, "Void a mistaken event by its id (or its seq), with a reason (the event stays in the log; a void can itself be voided).",
    {"event_id": "8c1f0a52-51c1-4b8e-9f5e-0d2b7a1c3e44", "reason": "recorded for the wrong person"},
    { /// The event's id (or give `seq`).
      #[serde(default)] event_id: Option<Uuid>, /// The event's seq, instead of its id.
      #[serde(default)] seq: Option<u64>, /// Why.
      reason: String }

    CorrectEvent => Either, "Correct a mistaken event (by id or seq): void it and record the same type of event in its place, from a replacement command.",
    {"seq": 42, "reason": "wrong minutes", "replacement": {"type": "LogPractice", "person": "ann", "skill": "copy-cataloguing", "kind": "sandbox", "minutes": 45, "on": "2026-03-12"}},
    { /// The event's id (or give `seq`).
      #[serde(default)] event_id: Option<Uuid>, /// The event's seq, instead of its id.
      #[serde(default)] seq: Option<u64>, /// Why.
      reason: String, /// The command to decide in its place.
      replacement: Box<Command> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_deserializes_both_ways_and_every_command_has_one() {
        let examples = command_examples();
        let names: Vec<_> = examples.iter().map(|(t, _, _)| *t).collect();
        assert_eq!(names, all_type_names());
        for (t, desc, ex) in &examples {
            assert!(!desc.is_empty());
            let a: Command =
                serde_json::from_value(ex.clone()).unwrap_or_else(|e| panic!("{t}: {e}"));
            let b = Command::from_json(ex).unwrap_or_else(|e| panic!("{t}: {e}"));
            assert_eq!(a, b);
            assert_eq!(a.type_name(), *t);
        }
    }

    #[test]
    fn the_field_catalogue_names_every_field_of_every_example() {
        let fields = command_fields();
        assert_eq!(
            fields.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            all_type_names()
        );
        for ((t, fields), (_, _, example)) in fields.iter().zip(command_examples()) {
            for key in example.as_object().unwrap().keys().filter(|k| *k != "type") {
                assert!(fields.iter().any(|f| f.name == key), "{t}.{key}");
            }
            for f in fields {
                assert!(!f.doc.is_empty(), "{t}.{} has a description", f.name);
            }
        }
        let (_, hold) = fields
            .iter()
            .find(|(t, _)| *t == "RescheduleSession")
            .unwrap();
        assert_eq!(
            hold.iter()
                .map(|f| (f.name, f.ty, f.optional))
                .collect::<Vec<_>>(),
            [
                ("session", "String", false),
                ("start", "String", false),
                ("duration_minutes", "Option<u32>", true),
                ("reason", "Option<String>", true)
            ]
        );
        assert_eq!(hold[0].doc, "Session.");
    }

    #[test]
    fn a_bad_day_names_the_field_and_the_format() {
        for bad in ["2026-13-01", "2026-02-30", "01/03/2026", "2026-3-1x", ""] {
            let e = Command::from_json(&json!({"type": "LogPractice", "person": "ann", "skill": "s", "kind": "sandbox", "minutes": 30, "on": bad}))
                .unwrap_err();
            assert_eq!(
                e.to_string(),
                "invalid command LogPractice: field on: expected a day like 2026-03-01",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn no_message_names_a_rust_type() {
        const RUST: [&str; 11] = [
            "u8",
            "u16",
            "u32",
            "u64",
            "i64",
            "variant identifier",
            "struct ",
            "enum ",
            "NaiveDate",
            "Uuid",
            "Box<",
        ];
        let wrong = [
            json!("x"),
            json!(-1),
            json!(4294967296u64),
            json!(true),
            json!({}),
            json!([1]),
            json!(1.5),
        ];
        for (t, _, example) in command_examples() {
            let Value::Object(fields) = &example else {
                continue;
            };
            for field in fields.keys().filter(|k| *k != "type") {
                for w in &wrong {
                    let mut bad = example.clone();
                    bad[field.as_str()] = w.clone();
                    if let Err(e) = Command::from_json(&bad) {
                        let text = e.to_string();
                        assert!(
                            !RUST.iter().any(|r| text.contains(r)),
                            "{t}.{field} = {w}: {text}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn parse_errors_name_the_field() {
        let e = Command::from_json(&json!({"type": "HoldSession", "session": "s", "attendance": [{"person": "a", "present": 1}]}))
            .unwrap_err();
        assert_eq!(e.command_type.as_deref(), Some("HoldSession"));
        assert_eq!(e.field, "attendance[0].present");
        let e = Command::from_json(&json!({"type": "AddSkill", "skill": "s"})).unwrap_err();
        assert_eq!(e.field, "name");
        let e = Command::from_json(
            &json!({"type": "AddSkill", "skill": "s", "name": "n", "colour": 1}),
        )
        .unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
        let e = Command::from_json(&json!({"type": "Frobnicate"})).unwrap_err();
        assert_eq!(e.field, "type");
        let e = Command::from_json(&json!({"skill": "s"})).unwrap_err();
        assert_eq!(e.field, "type");
    }
}
