//! A learner's journey: one person across every program, with their skill assessments.
//!
//! Completion and leaver status use the dashboard's definitions
//! (see the [`dashboard`] module).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::events::{AbsenceReason, AssessmentSource, ProgramKind};
use crate::domain::program::{CommitmentStatus, SessionStatus, TrainerStatus};
use crate::domain::{end_of_day, today, Event, EventMeta, Organization, Program, Timestamp};

use super::audit::summary;
use super::dashboard;
use super::world::World;
use super::Projection;

/// The journey fold: everything, filtered at read time.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LearnerJourney {
    world: World,
}

impl From<World> for LearnerJourney {
    /// The journey fold continuing from an already folded world (e.g. a checkpoint).
    fn from(world: World) -> LearnerJourney {
        LearnerJourney { world }
    }
}

impl Projection for LearnerJourney {
    fn update(&mut self, meta: &EventMeta, ev: &Event) {
        self.world.update(meta, ev);
    }
}

/// One person's journey.
#[derive(Clone, Debug, Serialize)]
pub struct JourneyView {
    /// Id.
    pub person: String,
    /// Name.
    pub name: String,
    /// Department.
    pub department: String,
    /// Branch.
    pub branch: String,
    /// Supervisor.
    pub supervisor: Option<String>,
    /// Joined.
    pub joined_on: NaiveDate,
    /// Last day.
    pub left_on: Option<NaiveDate>,
    /// Every assessment, oldest first.
    pub assessments: Vec<AssessmentRow>,
    /// Every program the person has a part in, by slug.
    pub programs: Vec<ProgramPart>,
}

/// One assessment.
#[derive(Clone, Debug, Serialize)]
pub struct AssessmentRow {
    /// Skill.
    pub skill: String,
    /// Level.
    pub level: u8,
    /// Source.
    pub source: AssessmentSource,
    /// Day.
    pub on: NaiveDate,
}

/// The person's part in one program.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProgramPart {
    /// Slug.
    pub program: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: ProgramKind,
    /// Roles: `learner`, `mentee`, `trainer`, `mentor`.
    #[serde(deserialize_with = "labels")]
    pub roles: Vec<Label>,
    /// Trainer invitation status, if invited.
    pub trainer_status: Option<TrainerStatus>,
    /// Enrolled on.
    pub enrolled_on: Option<NaiveDate>,
    /// Withdrew on.
    pub withdrew_on: Option<NaiveDate>,
    /// Completed, by the dashboard's definition.
    pub completed: bool,
    /// Sessions invited to.
    pub sessions: Vec<SessionPart>,
    /// Sessions taught (held).
    pub sessions_taught: u32,
    /// Practice minutes.
    pub practice_minutes: u32,
    /// Last practice.
    pub last_practice: Option<NaiveDate>,
    /// Evaluations, in words.
    pub evaluations: Vec<String>,
    /// Follow-ups.
    pub follow_ups: Vec<FollowUpPart>,
    /// Milestones congratulated.
    pub congratulations: Vec<String>,
    /// Release-time commitment for the person.
    pub commitment: Option<CommitmentPart>,
    /// Mentoring pairs the person is in (as mentor or mentee), with their coaching sessions
    /// and assignments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<PairPart>,
}

/// A mentoring pair the person is in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PairPart {
    /// Pair id.
    pub pair: String,
    /// `mentor` or `mentee`.
    #[serde(deserialize_with = "label")]
    pub role: Label,
    /// The other person of the pair.
    pub with: String,
    /// Paired on.
    pub paired_on: NaiveDate,
    /// Coaching sessions, held and scheduled, by local start.
    pub coaching: Vec<CoachingPart>,
    /// Assignments, by id.
    pub assignments: Vec<AssignmentPart>,
}

/// A coaching session of a pair.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CoachingPart {
    /// Id.
    pub session: String,
    /// Local start.
    pub start_local: String,
    /// Length.
    pub duration_minutes: u32,
    /// `held` or `scheduled`.
    #[serde(deserialize_with = "label")]
    pub status: Label,
}

/// An assignment of a pair.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AssignmentPart {
    /// Id.
    pub assignment: String,
    /// Due.
    pub due: NaiveDate,
    /// Done on.
    pub done_on: Option<NaiveDate>,
    /// Not done and past due.
    pub overdue: bool,
}

/// A session the person was invited to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionPart {
    /// Session.
    pub session: String,
    /// Module.
    pub module: String,
    /// Local start.
    pub start_local: String,
    /// `upcoming`, `unrecorded`, `present`, `absent` or `cancelled`.
    #[serde(deserialize_with = "label")]
    pub outcome: Label,
    /// Absence reason.
    pub absence_reason: Option<AbsenceReason>,
}

/// A follow-up with the person.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FollowUpPart {
    /// Id.
    pub follow_up: String,
    /// Due.
    pub due: NaiveDate,
    /// Completed on.
    pub completed_on: Option<NaiveDate>,
    /// Open and past due.
    pub overdue: bool,
}

/// The person's release-time commitment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommitmentPart {
    /// Supervisor.
    pub supervisor: String,
    /// Status.
    pub status: CommitmentStatus,
    /// Minutes asked.
    pub minutes_asked: u32,
    /// Minutes committed.
    pub minutes_committed: u32,
}

/// The journey of `person` through `world` as of `now`; `None` for an unknown person.
pub fn journey_of(world: &World, person: &str, now: Timestamp) -> Option<JourneyView> {
    LearnerJourney::view(world, person, now)
}

/// A word a part shows (a role, a session's outcome, a coaching status). An alias, so that
/// serde reads it through a function of its own instead of borrowing from the input.
pub type Label = &'static str;

/// Every word a part's label may be (the roles, session outcomes, coaching statuses), so that
/// a saved part reads back into the same `&'static str`.
const LABELS: [&str; 11] = [
    "learner",
    "trainer",
    "mentee",
    "mentor",
    "cancelled",
    "upcoming",
    "unrecorded",
    "present",
    "absent",
    "held",
    "scheduled",
];

fn known<E: serde::de::Error>(text: &str) -> Result<Label, E> {
    LABELS
        .iter()
        .copied()
        .find(|l| *l == text)
        .ok_or_else(|| E::unknown_variant(text, &LABELS))
}

fn label<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Label, D::Error> {
    known(&String::deserialize(d)?)
}

fn labels<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Label>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|l| known(l))
        .collect()
}

impl LearnerJourney {
    /// The world it folds.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The journey of `person` as of `now`; `None` for an unknown person.
    pub fn result(&self, person: &str, now: Timestamp) -> Option<JourneyView> {
        LearnerJourney::view(&self.world, person, now)
    }

    fn view(world: &World, person: &str, now: Timestamp) -> Option<JourneyView> {
        world.org.person(person)?;
        let day = today(&world.org, now);
        let parts = world
            .programs
            .values()
            .filter_map(|prog| program_part(prog, person, now, day));
        view_of(&world.org, person, parts)
    }
}

/// The journey of `person` from their part in each program (in slug order, see
/// [`program_part`]); `None` for an unknown person.
pub fn view_of(
    org: &Organization,
    person: &str,
    programs: impl IntoIterator<Item = ProgramPart>,
) -> Option<JourneyView> {
    let p = org.person(person)?;
    let assessments = org
        .log
        .live()
        .filter_map(|e| match e {
            Event::SkillAssessed(a) if a.person == person => Some(AssessmentRow {
                skill: a.skill.clone(),
                level: a.level,
                source: a.source,
                on: a.on,
            }),
            _ => None,
        })
        .collect();
    let programs = programs.into_iter().collect();
    Some(JourneyView {
        person: person.to_string(),
        name: p.name.clone(),
        department: p.department.clone(),
        branch: p.branch.clone(),
        supervisor: p.supervisor.clone(),
        joined_on: p.joined_on,
        left_on: p.left_on,
        assessments,
        programs,
    })
}

/// `person`'s part in `prog` as of `now` (`day`, the organization's day then); `None` when
/// the program neither has them in a role nor names them in a follow-up or congratulation.
pub fn program_part(
    prog: &Program,
    person: &str,
    now: Timestamp,
    day: NaiveDate,
) -> Option<ProgramPart> {
    let learner = prog.learners.get(person);
    let trainer = prog.trainers.get(person);
    let mentor = prog.pairs.values().any(|x| x.mentor == person);
    let mentee = prog.pairs.values().any(|x| x.mentee == person);
    let congratulations: Vec<String> = prog
        .congratulations
        .iter()
        .filter(|c| c.people.iter().any(|x| x == person))
        .map(|c| c.milestone.clone())
        .collect();
    let follow_ups: Vec<FollowUpPart> = prog
        .follow_ups
        .iter()
        .filter(|(_, f)| f.person == person)
        .map(|(id, f)| FollowUpPart {
            follow_up: id.clone(),
            due: f.due,
            completed_on: f.completed.as_ref().map(|(d, _)| *d),
            overdue: f.completed.is_none() && f.due < day,
        })
        .collect();
    if learner.is_none()
        && trainer.is_none()
        && !mentor
        && follow_ups.is_empty()
        && congratulations.is_empty()
    {
        return None;
    }
    let mut roles = Vec::new();
    match prog.kind {
        ProgramKind::Training => {
            if learner.is_some() {
                roles.push("learner");
            }
            if trainer.is_some() {
                roles.push("trainer");
            }
        }
        ProgramKind::Mentoring => {
            if learner.is_some() || mentee {
                roles.push("mentee");
            }
            if trainer.is_some() || mentor {
                roles.push("mentor");
            }
        }
    }
    let sessions = prog
        .sessions
        .iter()
        .filter(|(_, s)| s.invitees.iter().any(|i| i == person))
        .map(|(id, s)| {
            let att = s.attendance.get(person);
            let outcome = match s.status {
                SessionStatus::Cancelled => "cancelled",
                SessionStatus::Scheduled if s.time.start > now => "upcoming",
                SessionStatus::Scheduled => "unrecorded",
                SessionStatus::Held if att.is_some_and(|a| a.present) => "present",
                SessionStatus::Held => "absent",
            };
            SessionPart {
                session: id.clone(),
                module: s.module.clone(),
                start_local: s.time.start_local.clone(),
                outcome,
                absence_reason: att.and_then(|a| a.absence_reason),
            }
        })
        .collect();
    let practice: Vec<_> = prog
        .practice
        .iter()
        .filter(|x| x.person == person)
        .collect();
    let completed = dashboard::learner_completed(prog, person);
    Some(ProgramPart {
        program: prog.slug.clone(),
        title: prog.title.clone(),
        kind: prog.kind,
        roles,
        trainer_status: trainer.map(|t| t.status),
        enrolled_on: learner.map(|l| l.enrolled_on),
        withdrew_on: learner.and_then(|l| l.withdrew_on),
        completed,
        sessions,
        sessions_taught: prog
            .sessions
            .values()
            .filter(|s| s.status == SessionStatus::Held && s.trainers.iter().any(|t| t == person))
            .count() as u32,
        practice_minutes: practice
            .iter()
            .fold(0u32, |t, x| t.saturating_add(x.minutes)),
        last_practice: practice.iter().map(|x| x.on).max(),
        evaluations: prog
            .evaluations
            .iter()
            .filter(|e| e.person.as_deref() == Some(person))
            .map(|e| {
                format!(
                    "{}: {}",
                    e.on,
                    summary(&Event::EvaluationRecorded(e.clone()))
                )
            })
            .collect(),
        follow_ups,
        congratulations,
        commitment: prog.commitments.get(person).map(|c| CommitmentPart {
            supervisor: c.supervisor.clone(),
            status: c.status,
            minutes_asked: c.minutes_asked,
            minutes_committed: c.minutes_committed,
        }),
        pairs: pairs_of(prog, person, day),
    })
}

/// Until when [`program_part`] of `prog` gives the same part as at `now` while no event is
/// added to the program or the organization: `next_day` (the first instant of the
/// organization's next day, see [`next_day`]: the overdue follow-ups and assignments), or
/// earlier when a session `person` is invited to starts (it is then no longer upcoming).
pub fn part_valid_until(
    prog: &Program,
    person: &str,
    now: Timestamp,
    next_day: Timestamp,
) -> Timestamp {
    prog.sessions
        .values()
        .filter(|s| {
            s.status == SessionStatus::Scheduled
                && s.time.start > now
                && s.invitees.iter().any(|i| i == person)
        })
        .map(|s| s.time.start)
        .fold(next_day, Timestamp::min)
}

/// The first instant of the organization's day after the one `now` falls on.
pub fn next_day(org: &Organization, now: Timestamp) -> Timestamp {
    end_of_day(org, today(org, now)).plus_micros(1)
}
/// The pairs `person` is in, with their coaching sessions and assignments.
fn pairs_of(prog: &crate::domain::Program, person: &str, day: NaiveDate) -> Vec<PairPart> {
    prog.pairs
        .iter()
        .filter(|(_, x)| x.mentor == person || x.mentee == person)
        .map(|(id, x)| {
            let (role, with) = if x.mentor == person {
                ("mentor", x.mentee.clone())
            } else {
                ("mentee", x.mentor.clone())
            };
            let mut coaching: Vec<CoachingPart> = x
                .coaching
                .iter()
                .map(|(sid, c)| (sid, &c.time, "held"))
                .chain(
                    x.scheduled
                        .iter()
                        .map(|(sid, c)| (sid, &c.time, "scheduled")),
                )
                .map(|(sid, time, status)| CoachingPart {
                    session: sid.clone(),
                    start_local: time.start_local.clone(),
                    duration_minutes: time.duration_minutes,
                    status,
                })
                .collect();
            coaching.sort_by(|a, b| a.start_local.cmp(&b.start_local));
            PairPart {
                pair: id.clone(),
                role,
                with,
                paired_on: x.paired_on,
                coaching,
                assignments: x
                    .assignments
                    .iter()
                    .map(|(aid, a)| AssignmentPart {
                        assignment: aid.clone(),
                        due: a.due,
                        done_on: a.done_on,
                        overdue: a.done_on.is_none() && a.due < day,
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn one_person_across_programs() {
        let mut log = crate::projections::dashboard::tests::rollout();
        log.at("2026-03-20T09:00:00Z")
            .prog("men", json!({"type": "CreateProgram", "program": "men", "kind": "mentoring", "title": "Mentoring"}))
            .prog("men", json!({"type": "InviteTrainer", "person": "ann"}))
            .prog("men", json!({"type": "AcceptInvitation", "person": "ann"}))
            .prog("men", json!({"type": "PairMentee", "pair": "p-1", "mentor": "ann", "mentee": "carl"}))
            .prog("men", json!({"type": "Congratulate", "people": ["ann"], "milestone": "first mentor"}));
        let j = log.replay(LearnerJourney::default());
        let now = Timestamp::parse_lenient("2026-04-01T10:00:00Z").unwrap();
        let ann = j.result("ann", now).unwrap();
        assert_eq!(ann.name, "ANN");
        assert_eq!(ann.assessments.len(), 1);
        assert_eq!(
            ann.programs
                .iter()
                .map(|p| (p.program.as_str(), p.roles.clone()))
                .collect::<Vec<_>>(),
            [("cat", vec!["learner"]), ("men", vec!["mentor"])]
        );
        let cat = &ann.programs[0];
        assert!(cat.completed);
        // s-1 present; s-3 cancelled.
        let s: Vec<_> = cat
            .sessions
            .iter()
            .map(|s| (s.session.as_str(), s.outcome))
            .collect();
        assert_eq!(s, [("s-1", "present"), ("s-3", "cancelled")]);
        assert_eq!((cat.practice_minutes, cat.follow_ups.len()), (30, 2));
        assert!(cat
            .follow_ups
            .iter()
            .any(|f| f.follow_up == "f-1" && f.overdue));
        assert_eq!(
            cat.commitment
                .as_ref()
                .map(|c| (c.status, c.minutes_committed)),
            Some((CommitmentStatus::Committed, 240))
        );
        assert_eq!(
            cat.evaluations[0],
            "2026-03-05: ann: learning, level 2 in search"
        );
        assert_eq!(ann.programs[1].congratulations, ["first mentor"]);
        // carl is a learner in cat (not completed: level 1) and a mentee in men.
        let carl = j.result("carl", now).unwrap();
        assert_eq!(
            carl.programs
                .iter()
                .map(|p| (p.roles.clone(), p.completed))
                .collect::<Vec<_>>(),
            [(vec!["learner"], false), (vec!["mentee"], false)]
        );
        assert!(j.result("nobody", now).is_none());
    }

    #[test]
    fn a_mentor_and_a_mentee_see_their_pair_coaching_and_assignments() {
        let mut log = crate::projections::dashboard::tests::rollout();
        log.at("2026-03-20T09:00:00Z")
            .prog("men", json!({"type": "CreateProgram", "program": "men", "kind": "mentoring", "title": "Mentoring"}))
            .prog("men", json!({"type": "InviteTrainer", "person": "ann"}))
            .prog("men", json!({"type": "AcceptInvitation", "person": "ann"}))
            .prog("men", json!({"type": "PairMentee", "pair": "p-1", "mentor": "ann", "mentee": "carl"}))
            .prog("men", json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-1", "start": "2026-03-19T14:00", "duration_minutes": 60}))
            .prog("men", json!({"type": "ScheduleCoachingSession", "pair": "p-1", "session": "c-2", "start": "2026-04-09T14:00", "duration_minutes": 45}))
            .prog("men", json!({"type": "GiveAssignment", "pair": "p-1", "assignment": "a-1", "description": "a report", "due": "2026-03-30"}));
        let j = log.replay(LearnerJourney::default());
        let now = Timestamp::parse_lenient("2026-04-01T10:00:00Z").unwrap();
        for (person, role, with) in [("ann", "mentor", "carl"), ("carl", "mentee", "ann")] {
            let view = j.result(person, now).unwrap();
            let men = view.programs.iter().find(|p| p.program == "men").unwrap();
            let pair = &men.pairs[0];
            assert_eq!(
                (pair.pair.as_str(), pair.role, pair.with.as_str()),
                ("p-1", role, with)
            );
            let coaching: Vec<_> = pair
                .coaching
                .iter()
                .map(|c| (c.session.as_str(), c.status, c.duration_minutes))
                .collect();
            assert_eq!(coaching, [("c-1", "held", 60), ("c-2", "scheduled", 45)]);
            let a = &pair.assignments[0];
            assert_eq!(
                (a.assignment.as_str(), a.done_on, a.overdue),
                ("a-1", None, true)
            );
        }
    }
}
