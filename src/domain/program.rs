//! A program's state, folded from its `program-<slug>` stream.
//!
//! The state serializes, so that the audit can diff two versions field by field (maps are keyed
//! by the client's ids, so paths read like `sessions.s-3.time.start_local`) and so that folds can
//! be checkpointed. It carries the stream's events (`log.entries`, in wire form) so that a void
//! can be applied by replaying the others; views for people leave them out
//! (`projections::audit::state_json`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::events::*;
use super::fold::{StreamFold, StreamLog};
use super::meta::EventMeta;
use super::StreamKind;

/// Everything known about one program.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Program {
    /// The slug.
    pub slug: String,
    /// Training or mentoring.
    pub kind: ProgramKind,
    /// Title.
    pub title: String,
    /// The goal.
    pub goal: Option<String>,
    /// The desired outcome.
    pub desired_outcome: Option<DesiredOutcome>,
    /// The current deadline.
    pub deadline: Option<NaiveDate>,
    /// Every deadline change, oldest first.
    pub deadline_changes: Vec<DeadlineSet>,
    /// The phase checklist: every step of the method for the kind, done or not.
    pub phases: BTreeMap<PhaseStep, PhaseState>,
    /// Why it was archived, once archived.
    pub archived: Option<String>,
    /// Trainers (or mentors) by person id.
    pub trainers: BTreeMap<String, TrainerState>,
    /// Plan preparations and test runs, in order.
    pub plan: Vec<PlanActivity>,
    /// Modules by id.
    pub modules: BTreeMap<String, ModuleDefined>,
    /// Sessions by id.
    pub sessions: BTreeMap<String, Session>,
    /// Learners (or mentees) by person id.
    pub learners: BTreeMap<String, Learner>,
    /// Practice logged, in order.
    pub practice: Vec<PracticeLogged>,
    /// Evaluations, in order.
    pub evaluations: Vec<EvaluationRecorded>,
    /// Follow-ups by id.
    pub follow_ups: BTreeMap<String, FollowUp>,
    /// Congratulations, in order.
    pub congratulations: Vec<Congratulated>,
    /// Mitigations chosen for the challenges the plan anticipates, in order.
    #[serde(default)]
    pub mitigations: Vec<MitigationChosen>,
    /// Supervisor commitments by learner id.
    pub commitments: BTreeMap<String, Commitment>,
    /// Mentoring pairs by id.
    pub pairs: BTreeMap<String, Pair>,
    /// Version of the stream folded so far.
    pub version: u64,
    /// The events folded, for voids.
    pub log: StreamLog,
}

/// One checklist step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseState {
    /// Done or not.
    pub done: bool,
    /// The day it was last ticked or unticked.
    pub on: Option<NaiveDate>,
}

/// A trainer's answer to the invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainerStatus {
    /// Invited, no answer yet.
    Invited,
    /// Accepted.
    Accepted,
    /// Declined.
    Declined,
    /// Accepted, then withdrew.
    Withdrew,
}

/// A trainer (or mentor) of the program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerState {
    /// Where the invitation stands.
    pub status: TrainerStatus,
    /// Invited on.
    pub invited_on: NaiveDate,
    /// Last change.
    pub since: NaiveDate,
}

/// A preparation or test run of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "activity", rename_all = "snake_case")]
pub enum PlanActivity {
    /// The plan was prepared.
    Prepared(PlanPrepared),
    /// The plan was test-run.
    TestRun(PlanTestRun),
}

/// Where a session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Scheduled (possibly rescheduled), not held yet.
    Scheduled,
    /// Cancelled.
    Cancelled,
    /// Held.
    Held,
}

/// A session of a module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The module taught.
    pub module: String,
    /// Trainers.
    pub trainers: Vec<String>,
    /// When (latest schedule).
    pub time: SessionTime,
    /// Where.
    pub location: String,
    /// Seats.
    pub capacity: u32,
    /// Who is invited.
    pub invitees: Vec<String>,
    /// Where it stands.
    pub status: SessionStatus,
    /// How many times it was moved.
    pub reschedules: u32,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Attendance by person, once held.
    pub attendance: BTreeMap<String, AttendanceRecord>,
}

/// A learner's place in the program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learner {
    /// Enrolled on.
    pub enrolled_on: NaiveDate,
    /// Withdrawn on, if they left the program.
    pub withdrew_on: Option<NaiveDate>,
}

/// A follow-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// With whom.
    pub person: String,
    /// Due.
    pub due: NaiveDate,
    /// What for.
    pub purpose: String,
    /// Completed on, with notes.
    pub completed: Option<(NaiveDate, String)>,
}

/// Where a release-time commitment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStatus {
    /// Asked, no answer.
    Asked,
    /// Promised.
    Committed,
    /// Refused.
    Declined,
    /// Promised, then withdrawn.
    Withdrawn,
}

/// A supervisor's release-time commitment for one learner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    /// The supervisor.
    pub supervisor: String,
    /// Minutes asked.
    pub minutes_asked: u32,
    /// Minutes promised (0 unless committed).
    pub minutes_committed: u32,
    /// Where it stands.
    pub status: CommitmentStatus,
    /// Last change.
    pub since: NaiveDate,
}

/// A mentoring pair and its personalized plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    /// The mentor.
    pub mentor: String,
    /// The mentee.
    pub mentee: String,
    /// Paired on.
    pub paired_on: NaiveDate,
    /// Goals.
    pub goals: Vec<String>,
    /// Desired outcomes.
    pub desired_outcomes: Vec<String>,
    /// What the mentee already knows.
    pub already_knows: Vec<String>,
    /// What already works.
    pub already_works: Vec<String>,
    /// Priorities in order.
    pub priorities: Vec<String>,
    /// Coaching sessions held, by id.
    pub coaching: BTreeMap<String, CoachingSessionHeld>,
    /// Coaching sessions scheduled and not held yet, by id (at their latest time).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scheduled: BTreeMap<String, CoachingSessionScheduled>,
    /// Coaching sessions cancelled before they were held, by id, with why.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cancelled: BTreeMap<String, (CoachingSessionScheduled, String)>,
    /// How many times each coaching session was moved or cancelled (a calendar's SEQUENCE).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub changes: BTreeMap<String, u32>,
    /// Assignments by id.
    pub assignments: BTreeMap<String, Assignment>,
}

/// A personalized assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// What to do.
    pub description: String,
    /// Due.
    pub due: NaiveDate,
    /// Done on.
    pub done_on: Option<NaiveDate>,
}

impl Program {
    /// Starts a program's state from its creation event.
    pub fn from_created(meta: &EventMeta, e: &ProgramCreated) -> Program {
        let mut p = Program::empty(e);
        p.version = meta.version;
        p.log
            .push(meta.id, meta.occurred_at, &Event::ProgramCreated(e.clone()));
        p
    }

    /// Folds a whole stream; `None` when it does not start with `ProgramCreated`.
    pub fn fold<'a>(
        events: impl IntoIterator<Item = (&'a EventMeta, &'a Event)>,
    ) -> Option<Program> {
        let mut program: Option<Program> = None;
        for (meta, ev) in events {
            Program::fold_one(&mut program, meta, ev);
        }
        program
    }

    /// Folds one event into a program that may not exist yet: `ProgramCreated` starts it,
    /// anything before that is ignored. Returns whether the event was folded.
    pub fn fold_one(program: &mut Option<Program>, meta: &EventMeta, ev: &Event) -> bool {
        match (program.as_mut(), ev) {
            (Some(p), _) => p.apply(meta, ev),
            (None, Event::ProgramCreated(e)) => *program = Some(Program::from_created(meta, e)),
            (None, _) => return false,
        }
        true
    }

    /// Folds one event of this program's stream. Events of other kinds of stream are ignored.
    pub fn apply(&mut self, meta: &EventMeta, ev: &Event) {
        self.fold_event(meta, ev);
    }

    /// The state with one more event voided (used to decide a correction).
    pub(crate) fn without(&self, id: Uuid, reason: &str) -> Program {
        self.with_voided(id, reason)
    }

    /// Whether `person` is an enrolled learner who has not withdrawn.
    pub fn is_active_learner(&self, person: &str) -> bool {
        self.learners
            .get(person)
            .is_some_and(|l| l.withdrew_on.is_none())
    }

    /// Whether `person` is an accepted trainer who has not withdrawn.
    pub fn is_trainer(&self, person: &str) -> bool {
        self.trainers
            .get(person)
            .is_some_and(|t| t.status == TrainerStatus::Accepted)
    }

    fn empty(e: &ProgramCreated) -> Program {
        Program {
            slug: e.program.clone(),
            kind: e.kind,
            title: e.title.clone(),
            goal: None,
            desired_outcome: None,
            deadline: None,
            deadline_changes: Vec::new(),
            phases: PhaseStep::for_kind(e.kind)
                .iter()
                .map(|s| (*s, PhaseState::default()))
                .collect(),
            archived: None,
            trainers: BTreeMap::new(),
            plan: Vec::new(),
            modules: BTreeMap::new(),
            sessions: BTreeMap::new(),
            learners: BTreeMap::new(),
            practice: Vec::new(),
            evaluations: Vec::new(),
            follow_ups: BTreeMap::new(),
            congratulations: Vec::new(),
            mitigations: Vec::new(),
            commitments: BTreeMap::new(),
            pairs: BTreeMap::new(),
            version: 0,
            log: StreamLog::default(),
        }
    }

    fn set_trainer(&mut self, person: &str, status: TrainerStatus, on: NaiveDate) {
        if let Some(t) = self.trainers.get_mut(person) {
            t.status = status;
            t.since = on;
        }
    }

    fn set_commitment(&mut self, learner: &str, status: CommitmentStatus, on: NaiveDate) {
        if let Some(c) = self.commitments.get_mut(learner) {
            c.status = status;
            c.since = on;
        }
    }
}

impl StreamFold for Program {
    const KIND: StreamKind = StreamKind::Program;

    fn log_mut(&mut self) -> &mut StreamLog {
        &mut self.log
    }

    fn set_version(&mut self, version: u64) {
        self.version = version;
    }

    fn rebuild(&mut self) {
        let live: Vec<Event> = self.log.live().cloned().collect();
        let Some(Event::ProgramCreated(created)) = live.first() else {
            return;
        };
        let mut fresh = Program::empty(created);
        fresh.version = self.version;
        fresh.log = std::mem::take(&mut self.log);
        for ev in &live[1..] {
            fresh.apply_fact(ev);
        }
        *self = fresh;
    }

    fn apply_fact(&mut self, ev: &Event) {
        match ev {
            Event::ProgramCreated(e) => {
                self.title = e.title.clone();
                self.kind = e.kind;
            }
            Event::GoalSet(e) => self.goal = Some(e.goal.clone()),
            Event::DesiredOutcomeSet(e) => self.desired_outcome = Some(e.outcome.clone()),
            Event::DeadlineSet(e) => {
                self.deadline = Some(e.deadline);
                self.deadline_changes.push(e.clone());
            }
            Event::PhaseStepMarked(e) => {
                self.phases.insert(
                    e.step,
                    PhaseState {
                        done: e.done,
                        on: Some(e.on),
                    },
                );
            }
            Event::ProgramArchived(e) => self.archived = Some(e.reason.clone()),
            Event::ProgramReopened(_) => self.archived = None,
            Event::TrainerInvited(e) => {
                self.trainers.insert(
                    e.person.clone(),
                    TrainerState {
                        status: TrainerStatus::Invited,
                        invited_on: e.on,
                        since: e.on,
                    },
                );
            }
            Event::TrainerAccepted(e) => self.set_trainer(&e.person, TrainerStatus::Accepted, e.on),
            Event::TrainerDeclined(e) => self.set_trainer(&e.person, TrainerStatus::Declined, e.on),
            Event::TrainerWithdrew(e) => self.set_trainer(&e.person, TrainerStatus::Withdrew, e.on),
            Event::PlanPrepared(e) => self.plan.push(PlanActivity::Prepared(e.clone())),
            Event::PlanTestRun(e) => self.plan.push(PlanActivity::TestRun(e.clone())),
            Event::ModuleDefined(e) => {
                self.modules.insert(e.module.clone(), e.clone());
            }
            Event::SessionScheduled(e) => {
                self.sessions.insert(
                    e.session.clone(),
                    Session {
                        module: e.module.clone(),
                        trainers: e.trainers.clone(),
                        time: e.time.clone(),
                        location: e.location.clone(),
                        capacity: e.capacity,
                        invitees: e.invitees.clone(),
                        status: SessionStatus::Scheduled,
                        reschedules: 0,
                        cancel_reason: None,
                        attendance: BTreeMap::new(),
                    },
                );
            }
            Event::SessionRescheduled(e) => {
                if let Some(s) = self.sessions.get_mut(&e.session) {
                    s.time = e.time.clone();
                    s.reschedules += 1;
                }
            }
            Event::InviteesAdded(e) => {
                if let Some(s) = self.sessions.get_mut(&e.session) {
                    s.invitees.extend(e.people.iter().cloned());
                }
            }
            Event::SessionCancelled(e) => {
                if let Some(s) = self.sessions.get_mut(&e.session) {
                    s.status = SessionStatus::Cancelled;
                    s.cancel_reason = Some(e.reason.clone());
                }
            }
            Event::SessionHeld(e) => {
                if let Some(s) = self.sessions.get_mut(&e.session) {
                    s.status = SessionStatus::Held;
                    s.attendance = e
                        .attendance
                        .iter()
                        .map(|a| (a.person.clone(), a.clone()))
                        .collect();
                }
            }
            Event::LearnerEnrolled(e) => {
                self.learners.insert(
                    e.person.clone(),
                    Learner {
                        enrolled_on: e.on,
                        withdrew_on: None,
                    },
                );
            }
            Event::LearnerWithdrew(e) => {
                if let Some(l) = self.learners.get_mut(&e.person) {
                    l.withdrew_on = Some(e.on);
                }
            }
            Event::PracticeLogged(e) => self.practice.push(e.clone()),
            Event::EvaluationRecorded(e) => self.evaluations.push(e.clone()),
            Event::FollowUpScheduled(e) => {
                self.follow_ups.insert(
                    e.follow_up.clone(),
                    FollowUp {
                        person: e.person.clone(),
                        due: e.due,
                        purpose: e.purpose.clone(),
                        completed: None,
                    },
                );
            }
            Event::FollowUpCompleted(e) => {
                if let Some(f) = self.follow_ups.get_mut(&e.follow_up) {
                    f.completed = Some((e.on, e.notes.clone()));
                }
            }
            Event::Congratulated(e) => self.congratulations.push(e.clone()),
            Event::MitigationChosen(e) => self.mitigations.push(e.clone()),
            Event::CommitmentAsked(e) => {
                self.commitments.insert(
                    e.learner.clone(),
                    Commitment {
                        supervisor: e.supervisor.clone(),
                        minutes_asked: e.minutes,
                        minutes_committed: 0,
                        status: CommitmentStatus::Asked,
                        since: e.on,
                    },
                );
            }
            Event::CommitmentMade(e) => {
                if let Some(c) = self.commitments.get_mut(&e.learner) {
                    c.status = CommitmentStatus::Committed;
                    c.minutes_committed = e.minutes;
                    c.since = e.on;
                }
            }
            Event::CommitmentDeclined(e) => {
                self.set_commitment(&e.learner, CommitmentStatus::Declined, e.on)
            }
            Event::CommitmentWithdrawn(e) => {
                self.set_commitment(&e.learner, CommitmentStatus::Withdrawn, e.on)
            }
            Event::MentoringPaired(e) => {
                self.pairs.insert(
                    e.pair.clone(),
                    Pair {
                        mentor: e.mentor.clone(),
                        mentee: e.mentee.clone(),
                        paired_on: e.on,
                        goals: Vec::new(),
                        desired_outcomes: Vec::new(),
                        already_knows: Vec::new(),
                        already_works: Vec::new(),
                        priorities: Vec::new(),
                        coaching: BTreeMap::new(),
                        scheduled: BTreeMap::new(),
                        cancelled: BTreeMap::new(),
                        changes: BTreeMap::new(),
                        assignments: BTreeMap::new(),
                    },
                );
            }
            Event::NeedsAssessed(e) => {
                if let Some(p) = self.pairs.get_mut(&e.pair) {
                    p.goals = e.goals.clone();
                    p.desired_outcomes = e.desired_outcomes.clone();
                }
            }
            Event::BaselineRecorded(e) => {
                if let Some(p) = self.pairs.get_mut(&e.pair) {
                    p.already_knows = e.already_knows.clone();
                    p.already_works = e.already_works.clone();
                }
            }
            Event::PrioritiesSet(e) => {
                if let Some(p) = self.pairs.get_mut(&e.pair) {
                    p.priorities = e.priorities.clone();
                }
            }
            Event::CoachingSessionScheduled(e) => {
                if let Some(p) = self.pairs.get_mut(&e.pair) {
                    p.scheduled.insert(e.session.clone(), e.clone());
                }
            }
            Event::CoachingSessionRescheduled(e) => {
                if let Some(p) = self.pairs.get_mut(&e.pair) {
                    if let Some(s) = p.scheduled.get_mut(&e.session) {
                        s.time = e.time.clone();
                        *p.changes.entry(e.session.clone()).or_default() += 1;
                    }
                }
            }
            Event::CoachingSessionCancelled(e) => {
                if let Some(p) = self.pairs.get_mut(&e.pair) {
                    if let Some(s) = p.scheduled.remove(&e.session) {
                        p.cancelled.insert(e.session.clone(), (s, e.reason.clone()));
                        *p.changes.entry(e.session.clone()).or_default() += 1;
                    }
                }
            }
            Event::CoachingSessionHeld(e) => {
                if let Some(p) = self.pairs.get_mut(&e.pair) {
                    p.scheduled.remove(&e.session);
                    p.coaching.insert(e.session.clone(), e.clone());
                }
            }
            Event::AssignmentGiven(e) => {
                if let Some(p) = self.pairs.get_mut(&e.pair) {
                    p.assignments.insert(
                        e.assignment.clone(),
                        Assignment {
                            description: e.description.clone(),
                            due: e.due,
                            done_on: None,
                        },
                    );
                }
            }
            Event::AssignmentDone(e) => {
                if let Some(a) = self
                    .pairs
                    .get_mut(&e.pair)
                    .and_then(|p| p.assignments.get_mut(&e.assignment))
                {
                    a.done_on = Some(e.on);
                }
            }
            _ => {}
        }
    }
}
