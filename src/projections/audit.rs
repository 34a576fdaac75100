//! Audit history of one program: who changed what and when, field-level diffs between versions,
//! and the program's state as of a version or a recorded time.
//!
//! Mistakes are never edited away: a voided event stays in the history, marked with the void
//! that cancelled it, and the void (and, for a correction, its replacement events) appear as
//! changes of their own.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::events::EvaluationResult;
use crate::domain::{Event, EventMeta, Program, StreamId, Timestamp};

use super::Projection;

/// The audit fold for one program: that program's events with their envelopes.
#[derive(Clone, Debug)]
pub struct AuditHistory {
    stream: String,
    events: Vec<(EventMeta, Event)>,
}

/// One change in the history.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    /// Stream version.
    pub version: u64,
    /// Global position.
    pub seq: u64,
    /// Event id.
    pub id: Uuid,
    /// Who.
    pub actor: String,
    /// When the log recorded it.
    pub recorded_at: Timestamp,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Event type.
    pub event_type: &'static str,
    /// What, in words.
    pub summary: String,
    /// Set when a later event voided this one.
    pub voided_by: Option<VoidMark>,
    /// Set on a void: the version it voids.
    pub voids: Option<u64>,
    /// Set on the replacement events of a correction: the version they replace.
    pub replaces: Option<u64>,
}

/// Which event voided an entry, and why.
#[derive(Clone, Debug, Serialize)]
pub struct VoidMark {
    /// The void's version.
    pub version: u64,
    /// Why.
    pub reason: String,
    /// Whether replacement events followed.
    pub corrected: bool,
}

/// One changed field between two states.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// Dotted path, e.g. `sessions.s-3.time.start_local`; array items as `[i]`.
    pub path: String,
    /// Value before (none when added).
    pub before: Option<Value>,
    /// Value after (none when removed).
    pub after: Option<Value>,
}

/// Why an audit question cannot be answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The program has no such version.
    #[error("version {requested} does not exist: the program is at version {latest}")]
    UnknownVersion {
        /// Asked for.
        requested: u64,
        /// The latest.
        latest: u64,
    },
    /// The program did not exist yet at that point.
    #[error("the program did not exist yet")]
    NotYetCreated,
}

impl Projection for AuditHistory {
    fn update(&mut self, meta: &EventMeta, ev: &Event) {
        if meta.stream == self.stream {
            self.events.push((meta.clone(), ev.clone()));
        }
    }
}

impl AuditHistory {
    /// The audit of the program with this slug.
    pub fn new(slug: &str) -> AuditHistory {
        AuditHistory {
            stream: StreamId::program(slug)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            events: Vec::new(),
        }
    }

    /// The audit of the organization's own stream (people, moves, supervisors, skills,
    /// assessments).
    pub fn organization() -> AuditHistory {
        AuditHistory {
            stream: StreamId::ORGANIZATION.to_string(),
            events: Vec::new(),
        }
    }

    /// The latest version.
    pub fn latest_version(&self) -> u64 {
        self.events.last().map(|(m, _)| m.version).unwrap_or(0)
    }

    /// Every change, oldest first.
    pub fn entries(&self) -> Vec<AuditEntry> {
        let version_of = |id: Uuid| {
            self.events
                .iter()
                .find(|(m, _)| m.id == id)
                .map(|(m, _)| m.version)
        };
        let mut entries: Vec<AuditEntry> = self
            .events
            .iter()
            .map(|(m, e)| AuditEntry {
                version: m.version,
                seq: m.seq,
                id: m.id,
                actor: m.actor.clone(),
                recorded_at: m.recorded_at,
                occurred_at: m.occurred_at,
                event_type: e.type_name(),
                summary: summary(e),
                voided_by: None,
                voids: None,
                replaces: None,
            })
            .collect();
        for (i, (m, e)) in self.events.iter().enumerate() {
            let Event::EventVoided(v) = e else { continue };
            let target = version_of(v.event_id);
            entries[i].voids = target;
            if let Some(t) = target {
                if let Some(orig) = entries.iter_mut().find(|x| x.version == t) {
                    orig.voided_by = Some(VoidMark {
                        version: m.version,
                        reason: v.reason.clone(),
                        corrected: v.corrected,
                    });
                }
            }
            if v.corrected {
                // The replacement events are the ones appended with the void, right after it.
                for (j, (m2, e2)) in self.events.iter().enumerate().skip(i + 1) {
                    if m2.recorded_at != m.recorded_at
                        || m2.seq != m.seq + (j - i) as u64
                        || matches!(e2, Event::EventVoided(_))
                    {
                        break;
                    }
                    entries[j].replaces = target;
                }
            }
        }
        entries
    }

    /// The changes recorded at or before `t`.
    pub fn entries_as_of(&self, t: Timestamp) -> Vec<AuditEntry> {
        self.entries()
            .into_iter()
            .filter(|e| e.recorded_at <= t)
            .collect()
    }

    /// The program's state after `version`.
    pub fn state_at_version(&self, version: u64) -> Result<Program, AuditError> {
        let latest = self.latest_version();
        if version > latest {
            return Err(AuditError::UnknownVersion {
                requested: version,
                latest,
            });
        }
        Program::fold(
            self.events
                .iter()
                .filter(|(m, _)| m.version <= version)
                .map(|(m, e)| (m, e)),
        )
        .ok_or(AuditError::NotYetCreated)
    }

    /// The program as the log knew it at recorded time `t` (events recorded at or before `t`).
    pub fn state_as_of(&self, t: Timestamp) -> Result<Program, AuditError> {
        Program::fold(
            self.events
                .iter()
                .filter(|(m, _)| m.recorded_at <= t)
                .map(|(m, e)| (m, e)),
        )
        .ok_or(AuditError::NotYetCreated)
    }

    /// The field-level changes between the state after `v1` and the state after `v2`.
    pub fn diff(&self, v1: u64, v2: u64) -> Result<Vec<FieldChange>, AuditError> {
        let a = self.state_at_version(v1)?;
        let b = self.state_at_version(v2)?;
        Ok(diff_states(&a, &b))
    }
}

/// A program's state as people read it: the JSON of [`Program`] without the version counter
/// and without `log.entries` and `log.entered_at` (the raw events and when some were entered,
/// kept in the state for voids, rules and checkpoints).
pub fn state_json(p: &Program) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("version");
        if let Some(log) = o.get_mut("log").and_then(Value::as_object_mut) {
            log.remove("entries");
            log.remove("entered_at");
        }
    }
    v
}

/// The field-level changes between two program states (see [`state_json`]).
pub fn diff_states(a: &Program, b: &Program) -> Vec<FieldChange> {
    diff_json(&state_json(a), &state_json(b))
}

/// The differences between two JSON trees, by path, in path order.
pub fn diff_json(a: &Value, b: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk("", a, b, &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// One field present on either side: recurse when on both, else it was added or removed.
fn compare(path: String, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Some(a), Some(b)) => walk(&path, a, b, out),
        (None, None) => {}
        (a, b) => out.push(FieldChange {
            path,
            before: a.cloned(),
            after: b.cloned(),
        }),
    }
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                compare(join(path, k), x.get(k), y.get(k), out);
            }
        }
        (Value::Array(x), Value::Array(y)) => walk_list(path, x, y, out),
        _ if a != b => out.push(FieldChange {
            path: path.to_string(),
            before: Some(a.clone()),
            after: Some(b.clone()),
        }),
        _ => {}
    }
}

/// The changes between two lists. Items equal on both sides are not changes, wherever they
/// sit (a correction replaces an item by appending its replacement, which would otherwise
/// shift every later item); the items left on each side are paired in order, so a corrected
/// item shows the fields that changed, under its index before.
fn walk_list(path: &str, x: &[Value], y: &[Value], out: &mut Vec<FieldChange>) {
    let mut used = vec![false; y.len()];
    let mut left = Vec::new();
    for (i, a) in x.iter().enumerate() {
        match (0..y.len()).find(|&j| !used[j] && y[j] == *a) {
            Some(j) => used[j] = true,
            None => left.push(i),
        }
    }
    let right: Vec<usize> = (0..y.len()).filter(|&j| !used[j]).collect();
    for k in 0..left.len().max(right.len()) {
        match (left.get(k), right.get(k)) {
            (Some(&i), Some(&j)) => walk(&format!("{path}[{i}]"), &x[i], &y[j], out),
            (Some(&i), None) => compare(format!("{path}[{i}]"), Some(&x[i]), None, out),
            (None, Some(&j)) => compare(format!("{path}[{j}]"), None, Some(&y[j]), out),
            (None, None) => {}
        }
    }
}

/// A one-line description of an event, for the history.
pub fn summary(ev: &Event) -> String {
    let list = |v: &[String]| v.join(", ");
    match ev {
        Event::OrganizationConfigured(e) => format!("organization {} in {}", e.name, e.time_zone),
        Event::PersonJoined(e) => format!("{} joined {} / {}", e.person, e.department, e.branch),
        Event::PersonMoved(e) => format!("{} moved to {} / {}", e.person, e.department, e.branch),
        Event::SupervisorChanged(e) => format!(
            "{}'s supervisor is now {}",
            e.person,
            e.supervisor.as_deref().unwrap_or("nobody")
        ),
        Event::PersonLeft(e) => format!("{} left on {}", e.person, e.on),
        Event::SkillAdded(e) => format!("skill {} added", e.skill),
        Event::SkillAssessed(e) => format!(
            "{} assessed at level {} in {} ({:?})",
            e.person, e.level, e.skill, e.source
        )
        .to_lowercase(),
        Event::PersonErased(e) => format!("{}'s personal data erased", e.person),
        Event::ProgramCreated(e) => {
            format!("{:?} program {} created: {}", e.kind, e.program, e.title).to_lowercase()
        }
        Event::GoalSet(e) => format!("goal: {}", e.goal),
        Event::DesiredOutcomeSet(e) => format!(
            "desired outcome: {}‰ at level {} in {} by {}",
            e.outcome.share_per_mille, e.outcome.level, e.outcome.skill, e.outcome.by
        ),
        Event::DeadlineSet(e) => match (&e.previous, &e.reason) {
            (Some(p), Some(r)) => format!("deadline moved from {p} to {} ({r})", e.deadline),
            (Some(p), None) => format!("deadline moved from {p} to {}", e.deadline),
            _ => format!("deadline set to {}", e.deadline),
        },
        Event::PhaseStepMarked(e) => format!(
            "step {} {}",
            e.step.as_str(),
            if e.done { "done" } else { "undone" }
        ),
        Event::ProgramArchived(e) => format!("archived: {}", e.reason),
        Event::ProgramReopened(e) => format!("reopened: {}", e.reason),
        Event::TrainerInvited(e) => format!("{} invited as trainer", e.person),
        Event::TrainerAccepted(e) => format!("{} accepted", e.person),
        Event::TrainerDeclined(e) => format!("{} declined", e.person),
        Event::TrainerWithdrew(e) => format!("{} withdrew", e.person),
        Event::PlanPrepared(e) => format!("plan prepared by {}", list(&e.team)),
        Event::PlanTestRun(e) => format!("plan test-run by {}: {}", list(&e.team), e.findings),
        Event::ModuleDefined(e) => format!(
            "module {} defined ({})",
            e.module,
            if e.required { "required" } else { "optional" }
        ),
        Event::SessionScheduled(e) => format!(
            "session {} of {} scheduled at {} {}",
            e.session, e.module, e.time.start_local, e.time.time_zone
        ),
        Event::SessionRescheduled(e) => {
            format!("session {} moved to {}", e.session, e.time.start_local)
        }
        Event::InviteesAdded(e) => format!("{} invited to session {}", list(&e.people), e.session),
        Event::SessionCancelled(e) => format!("session {} cancelled: {}", e.session, e.reason),
        Event::CoachingSessionRescheduled(e) => format!(
            "coaching session {} of pair {} moved to {}",
            e.session, e.pair, e.time.start_local
        ),
        Event::CoachingSessionCancelled(e) => format!(
            "coaching session {} of pair {} cancelled: {}",
            e.session, e.pair, e.reason
        ),
        Event::SessionHeld(e) => format!(
            "session {} held: {} of {} present",
            e.session,
            e.attendance.iter().filter(|a| a.present).count(),
            e.attendance.len()
        ),
        Event::LearnerEnrolled(e) => format!("{} enrolled", e.person),
        Event::LearnerWithdrew(e) => format!("{} withdrew from the program", e.person),
        Event::PracticeLogged(e) => format!(
            "{} practised {} for {} min ({:?})",
            e.person, e.skill, e.minutes, e.kind
        )
        .to_lowercase(),
        Event::EvaluationRecorded(e) => {
            let who = e.person.as_deref().unwrap_or("program");
            match &e.result {
                EvaluationResult::Reaction { rating } => format!("{who}: reaction {rating}/5"),
                EvaluationResult::Learning { skill, skill_level } => {
                    format!("{who}: learning, level {skill_level} in {skill}")
                }
                EvaluationResult::Behaviour { applied } => {
                    format!(
                        "{who}: behaviour, {}",
                        if *applied {
                            "applies it on the job"
                        } else {
                            "does not apply it yet"
                        }
                    )
                }
                EvaluationResult::Results { metric, value } => {
                    format!("{who}: result {metric} = {value}")
                }
            }
        }
        Event::FollowUpScheduled(e) => {
            format!("follow-up {} with {} due {}", e.follow_up, e.person, e.due)
        }
        Event::FollowUpCompleted(e) => format!("follow-up {} completed", e.follow_up),
        Event::Congratulated(e) => format!("{} congratulated: {}", list(&e.people), e.milestone),
        Event::MitigationChosen(e) => format!(
            "mitigation chosen: {} for the scenario {}{}",
            e.mitigation,
            e.scenario,
            e.reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        Event::CommitmentAsked(e) => format!(
            "{} asked for {} min release time for {}",
            e.supervisor, e.minutes, e.learner
        ),
        Event::CommitmentMade(e) => format!(
            "{} committed {} min for {}",
            e.supervisor, e.minutes, e.learner
        ),
        Event::CommitmentDeclined(e) => {
            format!("{} declined release time for {}", e.supervisor, e.learner)
        }
        Event::CommitmentWithdrawn(e) => {
            format!("{} withdrew release time for {}", e.supervisor, e.learner)
        }
        Event::MentoringPaired(e) => format!("pair {}: {} mentors {}", e.pair, e.mentor, e.mentee),
        Event::NeedsAssessed(e) => {
            format!("pair {}: needs assessed ({} goals)", e.pair, e.goals.len())
        }
        Event::BaselineRecorded(e) => format!("pair {}: baseline recorded", e.pair),
        Event::PrioritiesSet(e) => format!("pair {}: priorities {}", e.pair, list(&e.priorities)),
        Event::CoachingSessionScheduled(e) => format!(
            "pair {}: coaching session {} scheduled at {}",
            e.pair, e.session, e.time.start_local
        ),
        Event::CoachingSessionHeld(e) => format!(
            "pair {}: coaching session {} at {}",
            e.pair, e.session, e.time.start_local
        ),
        Event::AssignmentGiven(e) => {
            format!("pair {}: assignment {} due {}", e.pair, e.assignment, e.due)
        }
        Event::AssignmentDone(e) => format!("pair {}: assignment {} done", e.pair, e.assignment),
        Event::EventVoided(e) => format!(
            "{} {} {}: {}",
            if e.corrected { "corrected" } else { "voided" },
            e.voided_type,
            e.event_id,
            e.reason
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::projections::testlog::TestLog;

    fn log() -> TestLog {
        let mut log = TestLog::new();
        log.at("2026-01-05T09:00:00Z")
            .org(json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "Europe/Paris"}))
            .org(json!({"type": "AddPerson", "person": "bob", "name": "Bob", "department": "d", "branch": "b"}))
            .org(json!({"type": "AddPerson", "person": "ann", "name": "Ann", "department": "d", "branch": "b"}))
            .org(json!({"type": "AddSkill", "skill": "search", "name": "Search"}))
            .actor("carol")
            .prog("cat", json!({"type": "CreateProgram", "program": "cat", "kind": "training", "title": "Catalogue"})) // v1
            .prog("cat", json!({"type": "InviteTrainer", "person": "bob"})) // v2
            .prog("cat", json!({"type": "AcceptInvitation", "person": "bob"})) // v3
            .prog("cat", json!({"type": "DefineModule", "module": "m-1", "title": "Search", "skills": [{"skill": "search", "level": 2}]})) // v4
            .prog("cat", json!({"type": "EnrolLearner", "person": "ann"})) // v5
            .prog("cat", json!({"type": "ScheduleSession", "session": "s-3", "module": "m-1", "trainers": ["bob"], "start": "2026-03-10T09:30",
                "duration_minutes": 60, "location": "Room 1", "capacity": 5, "invitees": ["ann"]})); // v6
        log.at("2026-02-01T09:00:00Z")
            .actor("dave")
            .prog("cat", json!({"type": "RescheduleSession", "session": "s-3", "start": "2026-03-17T14:00", "reason": "room"})) // v7
            .prog("cat", json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 30, "on": "2026-01-20"})); // v8
        let practice = log.last_id();
        log.at("2026-02-02T09:00:00Z").prog(
            "cat",
            json!({"type": "CorrectEvent", "event_id": practice, "reason": "it was 45 minutes",
                   "replacement": {"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 45, "on": "2026-01-20"}}),
        ); // v9 void, v10 replacement
        log
    }

    #[test]
    fn history_shows_who_when_what_and_both_sides_of_a_correction() {
        let a = log().replay(AuditHistory::new("cat"));
        let e = a.entries();
        assert_eq!(e.len(), 10);
        assert_eq!(
            (e[0].actor.as_str(), e[0].event_type, e[0].summary.as_str()),
            (
                "carol",
                "ProgramCreated",
                "training program cat created: catalogue"
            )
        );
        assert_eq!(e[6].summary, "session s-3 moved to 2026-03-17T14:00");
        assert_eq!(
            (e[6].actor.as_str(), e[6].recorded_at.to_string().as_str()),
            ("dave", "2026-02-01T09:00:00.000000Z")
        );
        // The original practice (v8) is shown, marked as corrected by v9; v10 replaces it.
        let v8 = &e[7];
        assert_eq!(v8.summary, "ann practised search for 30 min (sandbox)");
        let mark = v8.voided_by.as_ref().unwrap();
        assert_eq!(
            (mark.version, mark.corrected, mark.reason.as_str()),
            (9, true, "it was 45 minutes")
        );
        assert_eq!((e[8].event_type, e[8].voids), ("EventVoided", Some(8)));
        assert_eq!(
            (e[9].summary.as_str(), e[9].replaces),
            ("ann practised search for 45 min (sandbox)", Some(8))
        );
        assert_eq!(
            a.entries_as_of(Timestamp::parse_lenient("2026-01-31T00:00:00Z").unwrap())
                .len(),
            6
        );
    }

    #[test]
    fn the_diff_of_a_one_field_correction_shows_that_field() {
        let mut log = log();
        log.at("2026-02-03T09:00:00Z")
            .prog("cat", json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 60, "on": "2026-01-21"})); // v11
                                                                                                                                                    // Correct the first practice (now v10, 45 minutes): its replacement is appended last.
        let v10 = log.replay(AuditHistory::new("cat")).entries()[9].id;
        log.at("2026-02-04T09:00:00Z").prog(
            "cat",
            json!({"type": "CorrectEvent", "event_id": v10, "reason": "50 minutes",
                   "replacement": {"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 50, "on": "2026-01-20"}}),
        ); // v12 void, v13 replacement
        let a = log.replay(AuditHistory::new("cat"));
        let changes: Vec<_> = a
            .diff(11, 13)
            .unwrap()
            .into_iter()
            .filter(|c| !c.path.starts_with("log.voided"))
            .map(|c| (c.path, c.before, c.after))
            .collect();
        assert_eq!(
            changes,
            [(
                "practice[0].minutes".to_string(),
                Some(json!(45)),
                Some(json!(50))
            )]
        );
    }

    #[test]
    fn field_level_diff_between_versions() {
        let a = log().replay(AuditHistory::new("cat"));
        let d = a.diff(6, 7).unwrap();
        let paths: Vec<_> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "sessions.s-3.reschedules",
                "sessions.s-3.time.start",
                "sessions.s-3.time.start_local"
            ]
        );
        assert_eq!(d[2].before, Some(json!("2026-03-10T09:30")));
        assert_eq!(d[2].after, Some(json!("2026-03-17T14:00")));
        // 9 March → 17 March crosses the change to summer time: 08:30 UTC → 12:00 UTC.
        assert_eq!(
            (d[1].before.clone(), d[1].after.clone()),
            (
                Some(json!("2026-03-10T08:30:00.000000Z")),
                Some(json!("2026-03-17T13:00:00.000000Z"))
            )
        );
        // The correction changes the practice minutes and records the void.
        let d = a.diff(8, 10).unwrap();
        let changes: Vec<_> = d
            .iter()
            .map(|c| (c.path.as_str(), c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(
            changes,
            [
                // The practice event is seq 12 (four organization events, then v1–v8): id 0x0c.
                (
                    "log.voided.00000000-0000-0000-0000-00000000000c",
                    None,
                    Some(json!("it was 45 minutes"))
                ),
                ("practice[0].minutes", Some(json!(30)), Some(json!(45))),
            ]
        );
        assert_eq!(
            a.diff(1, 11),
            Err(AuditError::UnknownVersion {
                requested: 11,
                latest: 10
            })
        );
        assert_eq!(a.diff(0, 1).unwrap_err(), AuditError::NotYetCreated);
    }

    #[test]
    fn a_state_survives_a_checkpoint_and_voids_still_work_after_it() {
        let log = log();
        let a = log.replay(AuditHistory::new("cat"));
        let before = a.state_at_version(8).unwrap();
        let text = serde_json::to_string(&before).unwrap();
        let mut restored: Program = serde_json::from_str(&text).unwrap();
        assert_eq!(
            serde_json::to_value(&restored).unwrap(),
            serde_json::to_value(&before).unwrap()
        );
        // Continue the fold from the restored state with v9 and v10 (the correction).
        for (m, e) in log
            .events
            .iter()
            .filter(|(m, _)| m.stream == "program-cat" && m.version > 8)
        {
            restored.apply(m, e);
        }
        assert_eq!(
            state_json(&restored),
            state_json(&a.state_at_version(10).unwrap())
        );
        assert_eq!(restored.practice[0].minutes, 45);
        assert!(state_json(&restored)["log"].get("entries").is_none());
        let mut org = log.world.org.clone();
        org = serde_json::from_str(&serde_json::to_string(&org).unwrap()).unwrap();
        assert_eq!(org.people.len(), 2);
    }

    #[test]
    fn state_as_of_version_and_recorded_time() {
        let a = log().replay(AuditHistory::new("cat"));
        assert_eq!(
            a.state_at_version(6).unwrap().sessions["s-3"]
                .time
                .start_local,
            "2026-03-10T09:30"
        );
        let t = Timestamp::parse_lenient("2026-01-31T00:00:00Z").unwrap();
        let p = a.state_as_of(t).unwrap();
        assert_eq!((p.version, p.sessions["s-3"].reschedules), (6, 0));
        assert_eq!(a.state_at_version(10).unwrap().practice[0].minutes, 45);
    }
}
