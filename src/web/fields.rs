//! The inputs of a recording form. A field that names something the program or the
//! organization already holds (a person, a session, a module, a skill, a pair, a follow-up, an
//! assignment) offers the current ones, read from the program's plan as [`crate::query::Reader`]
//! gives it and from the organization the server keeps folded; a local start time is a
//! `datetime-local` input and a day a `date` input; an evaluation's result is a Kirkpatrick
//! level with the fields that level takes. This module only renders choices and reads the
//! posted fields back into flags: the rules still decide (a stale or typed value the plan does
//! not hold is refused by them, in plain words, next to its field).

use maud::{html, Markup};
use serde_json::{json, Map, Value};

use crate::domain::events::{PhaseStep, ProgramKind};
use crate::domain::Organization;
use crate::flags::Flag;

/// A problem a form is shown again with: the field it is about (`""` for the whole form), a
/// sentence in plain words, and the rule's code when a rule refused it.
#[derive(Clone, Debug, Default)]
pub struct Problem {
    /// The field's name, or `""`.
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
    /// The code of the rule that refused the command, for the small print.
    pub rule: Option<String>,
}

/// What a form shows: the values typed, and the problems by field.
#[derive(Default)]
pub struct Filled {
    /// The posted (or prefilled) fields, in order; a multiple choice appears once per value.
    pub values: Vec<(String, String)>,
    /// The problems to show.
    pub problems: Vec<Problem>,
}

impl Filled {
    /// The first value of field `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of field `name` (each value read as a list flag reads it: split at commas,
    /// `\,` kept as a comma).
    fn all(&self, name: &str) -> Vec<String> {
        self.values
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| crate::flags::list(v))
            .collect()
    }

    /// The problem with field `name`.
    pub fn problem(&self, name: &str) -> Option<&Problem> {
        self.problems.iter().find(|p| p.field == name)
    }
}

/// One choice: the value posted and what the reader sees.
type Choice = (String, String);

/// What the program and the organization hold now, as choices for the fields of a form.
#[derive(Default)]
pub struct Choices {
    people: Vec<Choice>,
    involved: Vec<Choice>,
    learners: Vec<Choice>,
    trainers: Vec<Choice>,
    invited: Vec<Choice>,
    skills: Vec<Choice>,
    modules: Vec<Choice>,
    open_sessions: Vec<Choice>,
    open_follow_ups: Vec<Choice>,
    pairs: Vec<Choice>,
    coaching_to_come: Vec<Choice>,
    open_assignments: Vec<Choice>,
    steps: Vec<Choice>,
    /// The latest entries of the history, by seq and by id, for a void or a correction.
    event_seqs: Vec<Choice>,
    event_ids: Vec<Choice>,
}

/// Where a field's choices come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    People,
    Learners,
    /// Learners and trainers (who may both practise, and be congratulated).
    Involved,
    Trainers,
    Invited,
    Skills,
    Modules,
    OpenSessions,
    OpenFollowUps,
    Pairs,
    CoachingToCome,
    OpenAssignments,
    Steps,
    EventSeqs,
    EventIds,
    Fixed(&'static [(&'static str, &'static str)]),
}

/// How a field offers its choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Widget {
    /// One of the choices (a `<select>`).
    One,
    /// Typed, with the choices suggested (`<input list>` and a `<datalist>`).
    Suggest,
    /// Several of the choices (`<select multiple>`; posted once per value, joined as a list).
    Several,
}

const PRACTICE_KINDS: &[(&str, &str)] = &[
    ("sandbox", "sandbox"),
    ("real_use", "real use"),
    ("refresher", "refresher"),
];
const SOURCES: &[(&str, &str)] = &[
    ("self", "self"),
    ("supervisor", "supervisor"),
    ("trainer", "trainer"),
    ("evaluation", "evaluation"),
];
const PROGRAM_KINDS: &[(&str, &str)] = &[("training", "training"), ("mentoring", "mentoring")];

/// A field of an evaluation's level: (name in the result, label, help).
type LevelField = (&'static str, &'static str, &'static str);

/// The Kirkpatrick levels of `RecordEvaluation`'s result, with the fields each takes:
/// (level, label, fields).
pub const LEVELS: [(&str, &str, &[LevelField]); 4] = [
    (
        "reaction",
        "1 — reaction",
        &[(
            "rating",
            "rating",
            "How the session was received, 1 (poor) to 5 (excellent).",
        )],
    ),
    (
        "learning",
        "2 — learning",
        &[
            ("skill", "skill", "The skill evaluated."),
            (
                "skill_level",
                "skill level",
                "The level shown, 0 to 4 (it is also recorded as an assessment).",
            ),
        ],
    ),
    (
        "behaviour",
        "3 — behaviour",
        &[(
            "applied",
            "applied on the job",
            "Whether the person applies the skill on the job.",
        )],
    ),
    (
        "results",
        "4 — results",
        &[
            ("metric", "metric", "The program metric's name."),
            ("value", "value", "Its value, a decimal such as 12.5."),
        ],
    ),
];

/// The source and widget of field `field` (kebab case) of command `type_name`, when it names
/// something already held (`None`: a new id, or free text).
fn source_of(type_name: &str, field: &str) -> Option<(Source, Widget)> {
    use Source::*;
    use Widget::*;
    Some(match (type_name, field) {
        ("AddPerson", "person")
        | ("AddSkill", "skill")
        | ("DefineModule", "module")
        | ("ScheduleSession", "session")
        | ("ScheduleFollowUp", "follow-up")
        | ("PairMentee", "pair")
        | ("ScheduleCoachingSession", "session")
        | ("GiveAssignment", "assignment") => return None,
        ("AcceptInvitation" | "DeclineInvitation", "person") => (Invited, Suggest),
        ("WithdrawTrainer", "person") => (Trainers, Suggest),
        ("WithdrawLearner" | "RecordEvaluation", "person") => (Learners, Suggest),
        ("LogPractice", "person") => (Involved, Suggest),
        (_, "person" | "supervisor" | "mentee") => (People, Suggest),
        (_, "learner") => (Learners, Suggest),
        (_, "mentor") => (Trainers, Suggest),
        (_, "trainers") => (Trainers, Several),
        (_, "invitees") => (Learners, Several),
        ("InviteToSession", "people") => (Learners, Several),
        ("Congratulate", "people") => (Involved, Several),
        (_, "team") => (People, Several),
        (_, "skill") => (Skills, One),
        (_, "module") => (Modules, One),
        ("HoldCoachingSession", "session") => (CoachingToCome, Suggest),
        ("RescheduleCoachingSession" | "CancelCoachingSession", "session") => (CoachingToCome, One),
        (_, "session") => (OpenSessions, One),
        (_, "follow-up") => (OpenFollowUps, One),
        (_, "pair") => (Pairs, One),
        (_, "assignment") => (OpenAssignments, One),
        (_, "step") => (Steps, One),
        ("VoidEvent" | "CorrectEvent", "seq") => (EventSeqs, Suggest),
        ("VoidEvent" | "CorrectEvent", "event-id") => (EventIds, Suggest),
        ("LogPractice", "kind") => (Fixed(PRACTICE_KINDS), One),
        ("CreateProgram", "kind") => (Fixed(PROGRAM_KINDS), One),
        (_, "source") => (Fixed(SOURCES), One),
        _ => return None,
    })
}

fn sorted(mut v: Vec<Choice>) -> Vec<Choice> {
    v.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    v
}

impl Choices {
    /// The choices of a program's forms (`plan` as the read path gives it; `Value::Null` for
    /// the organization's forms) and of the organization as it stands.
    pub fn of(plan: &Value, org: &Organization) -> Choices {
        let name = |id: &str| org.name_of(id);
        let labelled = |id: &str| (id.to_string(), format!("{} ({id})", name(id)));
        let entries = |key: &str| -> Vec<(String, Value)> {
            plan[key]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let people = org
            .people
            .iter()
            .filter(|(_, p)| !p.has_left() && !p.erased)
            .map(|(id, _)| labelled(id))
            .collect();
        let learners: Vec<Choice> = entries("learners")
            .iter()
            .filter(|(_, l)| l["withdrew_on"].is_null())
            .map(|(id, _)| labelled(id))
            .collect();
        let trainer_with = |status: &str| -> Vec<Choice> {
            entries("trainers")
                .iter()
                .filter(|(_, t)| t["status"] == status)
                .map(|(id, _)| labelled(id))
                .collect()
        };
        let trainers = trainer_with("accepted");
        let mut involved = learners.clone();
        involved.extend(trainers.iter().cloned());
        let skills = org
            .skills
            .iter()
            .map(|(id, s)| (id.clone(), format!("{} ({id})", s.name)))
            .collect();
        let modules = entries("modules")
            .iter()
            .map(|(id, m)| {
                (
                    id.clone(),
                    format!("{id}: {}", m["title"].as_str().unwrap_or("")),
                )
            })
            .collect();
        let open_sessions = entries("sessions")
            .iter()
            .filter(|(_, s)| s["status"] == "scheduled")
            .map(|(id, s)| {
                let module = s["module"].as_str().unwrap_or("");
                let start = s["time"]["start_local"].as_str().unwrap_or("");
                (
                    id.clone(),
                    format!("{id}: {module}, {}", start.replace('T', " ")),
                )
            })
            .collect();
        let open_follow_ups = entries("follow_ups")
            .iter()
            .filter(|(_, f)| f["completed"].is_null())
            .map(|(id, f)| {
                let who = name(f["person"].as_str().unwrap_or(""));
                let due = f["due"].as_str().unwrap_or("");
                (id.clone(), format!("{id}: {who}, due {due}"))
            })
            .collect();
        let mut pairs = Vec::new();
        let mut coaching_to_come = Vec::new();
        let mut open_assignments = Vec::new();
        for (id, p) in entries("pairs") {
            let mentor = name(p["mentor"].as_str().unwrap_or(""));
            let mentee = name(p["mentee"].as_str().unwrap_or(""));
            pairs.push((id.clone(), format!("{id}: {mentor} → {mentee}")));
            for (sid, s) in p["scheduled"].as_object().into_iter().flatten() {
                let start = s["time"]["start_local"].as_str().unwrap_or("");
                coaching_to_come.push((
                    sid.clone(),
                    format!("{sid}: pair {id}, {}", start.replace('T', " ")),
                ));
            }
            for (aid, a) in p["assignments"].as_object().into_iter().flatten() {
                if a["done_on"].is_null() {
                    let what = a["description"].as_str().unwrap_or("");
                    open_assignments.push((aid.clone(), format!("{aid}: pair {id}, {what}")));
                }
            }
        }
        let kind = match plan["kind"].as_str() {
            Some("mentoring") => Some(ProgramKind::Mentoring),
            Some(_) => Some(ProgramKind::Training),
            None => None,
        };
        let steps = kind
            .map(|k| {
                PhaseStep::for_kind(k)
                    .iter()
                    .map(|s| (s.as_str().to_string(), s.as_str().replace('_', " ")))
                    .collect()
            })
            .unwrap_or_default();
        Choices {
            people: sorted(people),
            involved: sorted(involved),
            learners: sorted(learners),
            trainers: sorted(trainers),
            invited: sorted(trainer_with("invited")),
            skills,
            modules,
            open_sessions,
            open_follow_ups,
            pairs,
            coaching_to_come,
            open_assignments,
            steps,
            event_seqs: Vec::new(),
            event_ids: Vec::new(),
        }
    }

    /// Adds the entries of a history (as the read path gives it, newest last) as the events
    /// a void or a correction may name, newest first; voided entries are left out.
    pub fn with_events(mut self, history: &Value) -> Choices {
        for e in history["entries"].as_array().into_iter().flatten().rev() {
            if !e["voided_by"].is_null() {
                continue;
            }
            let label = format!(
                "version {}: {} ({}, {})",
                e["version"],
                e["summary"].as_str().unwrap_or(""),
                e["event_type"].as_str().unwrap_or(""),
                e["occurred_at"]
                    .as_str()
                    .unwrap_or("")
                    .get(..10)
                    .unwrap_or("")
            );
            if let Some(seq) = e["seq"].as_u64() {
                self.event_seqs.push((seq.to_string(), label.clone()));
            }
            if let Some(id) = e["id"].as_str() {
                self.event_ids.push((id.to_string(), label));
            }
        }
        self
    }

    fn list(&self, source: Source) -> Vec<Choice> {
        let fixed = |f: &[(&str, &str)]| {
            f.iter()
                .map(|(v, l)| (v.to_string(), l.to_string()))
                .collect()
        };
        match source {
            Source::People => self.people.clone(),
            Source::Learners => self.learners.clone(),
            Source::Involved => self.involved.clone(),
            Source::Trainers => self.trainers.clone(),
            Source::Invited => self.invited.clone(),
            Source::Skills => self.skills.clone(),
            Source::Modules => self.modules.clone(),
            Source::OpenSessions => self.open_sessions.clone(),
            Source::OpenFollowUps => self.open_follow_ups.clone(),
            Source::Pairs => self.pairs.clone(),
            Source::CoachingToCome => self.coaching_to_come.clone(),
            Source::OpenAssignments => self.open_assignments.clone(),
            Source::Steps => self.steps.clone(),
            Source::EventSeqs => self.event_seqs.clone(),
            Source::EventIds => self.event_ids.clone(),
            Source::Fixed(f) => fixed(f),
        }
    }
}

/// The label, help and problem of a field around its input.
fn field(f: &Flag, filled: &Filled, input: Markup) -> Markup {
    let id = format!("f-{}", f.name);
    let problem = filled.problem(&f.name);
    html! {
        div.field {
            label for=(id) { (f.name.replace('-', " ")) @if f.required { " (required)" } }
            span.help id={ (id) "-help" } { (f.doc) }
            (input)
            @if let Some(p) = problem { (problem_note(&format!("{id}-error"), p)) }
        }
    }
}

/// A problem in plain words, with the rule's code in small print after it.
pub fn problem_note(id: &str, p: &Problem) -> Markup {
    html! {
        span.field-error id=(id) role="alert" {
            (p.message)
            @if let Some(code) = &p.rule { " " small.rule-code { "(rule " code { (code) } ")" } }
        }
    }
}

/// The input of flag `f` of command `type_name`, with its label, help and any problem.
pub fn input_for(type_name: &str, f: &Flag, filled: &Filled, choices: &Choices) -> Markup {
    if type_name == "RecordEvaluation" && f.name == "result" {
        return result_input(filled, choices);
    }
    let id = format!("f-{}", f.name);
    let value = filled.value(&f.name);
    let help = format!("{id}-help");
    let invalid = filled.problem(&f.name).map(|_| "true");
    let describedby = match invalid {
        Some(_) => format!("{help} {id}-error"),
        None => help.clone(),
    };
    let placeholder = f.example.as_deref().map(|e| format!("e.g. {e}"));
    let input = match source_of(type_name, &f.name) {
        Some((source, widget)) => {
            let mut list = choices.list(source);
            let chosen = filled.all(&f.name);
            // A value the plan no longer holds (a stale link, a typed id) stays visible.
            for v in &chosen {
                if widget != Widget::Suggest && !list.iter().any(|(c, _)| c == v) {
                    list.push((v.clone(), format!("{v} (not in the current plan)")));
                }
            }
            match widget {
                Widget::One => html! {
                    select id=(id) name=(f.name) required[f.required] aria-describedby=(describedby) aria-invalid=[invalid] {
                        option value="" { @if f.required { "(choose)" } @else { "(none)" } }
                        @for (v, label) in &list { option value=(v) selected[chosen.contains(v)] { (label) } }
                    }
                },
                Widget::Several => html! {
                    select id=(id) name=(f.name) multiple size=(list.len().clamp(2, 8)) aria-describedby=(describedby) aria-invalid=[invalid] {
                        @for (v, label) in &list { option value=(v) selected[chosen.contains(v)] { (label) } }
                    }
                },
                Widget::Suggest => {
                    let list_id = format!("{id}-choices");
                    html! {
                        input id=(id) name=(f.name) type="text" list=(list_id) value=[value] placeholder=[placeholder] required[f.required] autocomplete="off" aria-describedby=(describedby) aria-invalid=[invalid];
                        datalist id=(list_id) {
                            @for (v, label) in &list { option value=(v) { (label) } }
                        }
                    }
                }
            }
        }
        None => match (f.value, f.name.as_str()) {
            ("[yes|no]", _) => html! {
                input id=(id) name=(f.name) type="checkbox" value="yes" checked[value == Some("yes")] aria-describedby=(describedby);
            },
            ("N", _) => html! {
                input id=(id) name=(f.name) type="number" min="0" value=[value] required[f.required] aria-describedby=(describedby) aria-invalid=[invalid];
            },
            ("YYYY-MM-DD", _) => html! {
                input id=(id) name=(f.name) type="date" value=[value] required[f.required] aria-describedby=(describedby) aria-invalid=[invalid];
            },
            (_, "start") => html! {
                input id=(id) name=(f.name) type="datetime-local" value=[value] required[f.required] aria-describedby=(describedby) aria-invalid=[invalid];
            },
            _ => html! {
                input id=(id) name=(f.name) type="text" value=[value] placeholder=[placeholder] required[f.required] aria-describedby=(describedby) aria-invalid=[invalid];
            },
        },
    };
    field(f, filled, input)
}

/// `RecordEvaluation`'s result: the Kirkpatrick level, then the fields of each level (only
/// the chosen level's are read).
fn result_input(filled: &Filled, choices: &Choices) -> Markup {
    let level = filled.value("result.level");
    let problem = filled.problem("result");
    html! {
        fieldset.result #f-result aria-describedby=[problem.map(|_| "f-result-error")] {
            legend { "Result (required): the Kirkpatrick level and what it measured" }
            div.field {
                label for="f-result-level" { "level" }
                span.help id="f-result-level-help" { "1 reaction, 2 learning (also assesses the skill), 3 behaviour on the job, 4 results (a program metric)." }
                select #f-result-level name="result.level" aria-describedby="f-result-level-help" {
                    option value="" { "(choose)" }
                    @for (v, label, _) in LEVELS { option value=(v) selected[level == Some(v)] { (label) } }
                }
            }
            @for (v, label, fields) in LEVELS {
                fieldset.level data-level=(v) {
                    legend { "Level " (label) }
                    @for (name, flabel, help) in fields.iter() {
                        @let id = format!("f-result-{}", name.replace('_', "-"));
                        @let key = format!("result.{name}");
                        @let value = filled.value(&key);
                        div.field {
                            label for=(id) { (flabel) }
                            span.help id={ (id) "-help" } { (help) }
                            @match *name {
                                "rating" => { input id=(id) name=(key) type="number" min="1" max="5" value=[value] aria-describedby={ (id) "-help" }; }
                                "skill_level" => { input id=(id) name=(key) type="number" min="0" max="4" value=[value] aria-describedby={ (id) "-help" }; }
                                "applied" => {
                                    select id=(id) name=(key) aria-describedby={ (id) "-help" } {
                                        option value="" { "(choose)" }
                                        option value="yes" selected[value == Some("yes")] { "yes" }
                                        option value="no" selected[value == Some("no")] { "no" }
                                    }
                                }
                                "skill" => {
                                    select id=(id) name=(key) aria-describedby={ (id) "-help" } {
                                        option value="" { "(choose)" }
                                        @for (s, l) in &choices.skills { option value=(s) selected[value == Some(s.as_str())] { (l) } }
                                    }
                                }
                                _ => { input id=(id) name=(key) type="text" value=[value] aria-describedby={ (id) "-help" }; }
                            }
                        }
                    }
                }
            }
            @if let Some(p) = problem { (problem_note("f-result-error", p)) }
        }
    }
}

/// A posted form read: its flags, the version it was opened at, the day it happened.
pub type Posted = (Vec<String>, Option<u64>, Option<String>);

/// The posted fields as flags (a multiple choice joined into one list, a local time cut to
/// minutes, an evaluation's level and fields into its `result`), with `do`'s options read
/// apart: (flags, expected version, day). A result missing what its level takes is a
/// problem with the field `result`.
pub fn to_flags(fields: &[(String, String)]) -> Result<Posted, Problem> {
    let mut merged: Vec<(String, Vec<String>)> = Vec::new();
    let mut expected = None;
    let mut on = None;
    let mut result = Map::new();
    for (k, v) in fields {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "expected_version" => expected = v.parse().ok(),
            "on" => on = Some(v.to_string()),
            k if k.starts_with('_') => {}
            k if k.starts_with("result.") => {
                result.insert(k["result.".len()..].to_string(), Value::String(v.into()));
            }
            k => {
                let v = if k == "start" {
                    local_minutes(v)
                } else {
                    v.to_string()
                };
                match merged.iter_mut().find(|(name, _)| name == k) {
                    Some((_, values)) => values.push(v),
                    None => merged.push((k.to_string(), vec![v])),
                }
            }
        }
    }
    let mut args = Vec::new();
    for (k, values) in merged {
        args.push(format!("--{k}"));
        args.push(values.join(","));
    }
    if !result.is_empty() {
        args.push("--result".into());
        args.push(result_json(&result)?.to_string());
    }
    Ok((args, expected, on))
}

/// A `datetime-local` value (`2026-03-10T09:30`, or with seconds) as the command's local
/// start, to the minute.
fn local_minutes(v: &str) -> String {
    let b = v.as_bytes();
    if v.len() > 16 && b.get(10) == Some(&b'T') && b.get(16) == Some(&b':') {
        v[..16].to_string()
    } else {
        v.to_string()
    }
}

/// The result of an evaluation from its level and the fields of that level.
fn result_json(posted: &Map<String, Value>) -> Result<Value, Problem> {
    let problem = |message: String| Problem {
        field: "result".into(),
        message,
        rule: None,
    };
    let Some(level) = posted.get("level").and_then(Value::as_str) else {
        return Err(problem(
            "Choose the evaluation's level (1 reaction, 2 learning, 3 behaviour, 4 results)."
                .into(),
        ));
    };
    let Some((_, label, needs)) = LEVELS.iter().find(|(v, _, _)| *v == level) else {
        return Err(problem(format!(
            "{level:?} is not a level: choose 1 reaction, 2 learning, 3 behaviour or 4 results."
        )));
    };
    let mut out = Map::new();
    out.insert("level".into(), json!(level));
    for (name, flabel, _) in needs.iter() {
        let Some(text) = posted.get(*name).and_then(Value::as_str) else {
            return Err(problem(format!("Level {label} needs its {flabel}.")));
        };
        let value = match *name {
            "rating" | "skill_level" => match text.parse::<u64>() {
                Ok(n) => json!(n),
                Err(_) => {
                    return Err(problem(format!(
                        "The {flabel} is a whole number; {text:?} is not."
                    )))
                }
            },
            "applied" => json!(text == "yes"),
            _ => json!(text),
        };
        out.insert((*name).into(), value);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn posted_fields_become_the_flags_of_the_command() {
        let (args, expected, on) = to_flags(&posted(&[
            ("session", "s-1"),
            ("trainers", "bob"),
            ("trainers", "carl"),
            ("start", "2026-03-10T09:30:00"),
            ("expected_version", "7"),
            ("on", "2026-03-01"),
            ("_invitee", "x"),
            ("reason", " "),
        ]))
        .unwrap();
        assert_eq!(
            args,
            [
                "--session",
                "s-1",
                "--trainers",
                "bob,carl",
                "--start",
                "2026-03-10T09:30"
            ]
        );
        assert_eq!((expected, on.as_deref()), (Some(7), Some("2026-03-01")));
    }

    #[test]
    fn an_evaluation_takes_the_fields_of_its_level() {
        let (args, _, _) = to_flags(&posted(&[
            ("result.level", "learning"),
            ("result.skill", "search"),
            ("result.skill_level", "2"),
            ("result.rating", "4"),
        ]))
        .unwrap();
        assert_eq!(args[0], "--result");
        let v: Value = serde_json::from_str(&args[1]).unwrap();
        assert_eq!(
            v,
            json!({"level": "learning", "skill": "search", "skill_level": 2})
        );
        let (args, _, _) = to_flags(&posted(&[
            ("result.level", "results"),
            ("result.metric", "loans per hour"),
            ("result.value", "12"),
        ]))
        .unwrap();
        let v: Value = serde_json::from_str(&args[1]).unwrap();
        assert_eq!(
            v,
            json!({"level": "results", "metric": "loans per hour", "value": "12"})
        );
        let e = to_flags(&posted(&[("result.level", "reaction")])).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("result", "Level 1 — reaction needs its rating.")
        );
        let e = to_flags(&posted(&[("result.skill", "search")])).unwrap_err();
        assert!(
            e.message.starts_with("Choose the evaluation's level"),
            "{e:?}"
        );
    }

    #[test]
    fn every_fixed_choice_is_a_value_the_command_takes() {
        use crate::domain::Command;
        for (v, _) in PRACTICE_KINDS {
            let c = json!({"type": "LogPractice", "person": "a", "skill": "s", "kind": v, "minutes": 1});
            Command::from_json(&c).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
        for (v, _) in SOURCES {
            let c = json!({"type": "AssessSkill", "person": "a", "skill": "s", "level": 1, "source": v});
            Command::from_json(&c).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
        for (v, _) in PROGRAM_KINDS {
            let c = json!({"type": "CreateProgram", "program": "p", "kind": v, "title": "t"});
            Command::from_json(&c).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
        for (level, _, fields) in LEVELS {
            let mut r = json!({"level": level});
            for (name, _, _) in fields {
                r[*name] = match *name {
                    "rating" | "skill_level" => json!(2),
                    "applied" => json!(true),
                    _ => json!("x"),
                };
            }
            let c = json!({"type": "RecordEvaluation", "person": "a", "result": r});
            Command::from_json(&c).unwrap_or_else(|e| panic!("{level}: {e}"));
        }
    }
}
