//! Domain events: every fact Baton records, in the past tense.
//!
//! Each event is a small struct; [`Event`] is the sum of them. An event knows its type name
//! (`SessionHeld`), its current schema number and the kind of stream it belongs to. How events are
//! written to and read from JSON (and how old schemas are upcast) lives in
//! [`codec`](super::codec). No event carries a float: levels are integers 0–4, shares are
//! per-mille, durations are whole minutes, dates are `YYYY-MM-DD`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ids::StreamKind;
use super::time::Timestamp;

// ---------------------------------------------------------------------------------------------
// Value types shared by events and commands.
// ---------------------------------------------------------------------------------------------

/// The two kinds of program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    /// Peer training: trainers teach modules to a group of learners.
    Training,
    /// Peer mentoring: mentors coach mentees one to one.
    Mentoring,
}

impl ProgramKind {
    /// The kind's wire name (`training`, `mentoring`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProgramKind::Training => "training",
            ProgramKind::Mentoring => "mentoring",
        }
    }
}

/// A step of the method, ticked on the program's phase checklist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseStep {
    /// Training: identify the training goal.
    IdentifyGoal,
    /// Training: determine the desired outcome.
    DetermineOutcome,
    /// Training: identify potential trainers.
    IdentifyTrainers,
    /// Training: prepare and test the training plan with the training team.
    PrepareAndTestPlan,
    /// Training: schedule.
    Schedule,
    /// Training: practice.
    Practice,
    /// Training: go (hold the sessions).
    Go,
    /// Both: evaluate (training) or evaluate the new skills (mentoring).
    Evaluate,
    /// Both: follow up.
    FollowUp,
    /// Training: congratulate.
    Congratulate,
    /// Mentoring: assess the individual's needs, goals and desired outcomes.
    AssessNeeds,
    /// Mentoring: find out what they already know and what already works.
    Baseline,
    /// Mentoring: determine priorities.
    Prioritize,
    /// Mentoring: personalize coaching sessions and assignments.
    Personalize,
}

impl PhaseStep {
    /// The method's steps for a kind of program, in order.
    pub fn for_kind(kind: ProgramKind) -> &'static [PhaseStep] {
        use PhaseStep::*;
        match kind {
            ProgramKind::Training => &[
                IdentifyGoal,
                DetermineOutcome,
                IdentifyTrainers,
                PrepareAndTestPlan,
                Schedule,
                Practice,
                Go,
                Evaluate,
                FollowUp,
                Congratulate,
            ],
            ProgramKind::Mentoring => &[
                AssessNeeds,
                Baseline,
                Prioritize,
                Personalize,
                Evaluate,
                FollowUp,
            ],
        }
    }

    /// The step's wire name (`identify_goal`).
    pub fn as_str(self) -> &'static str {
        use PhaseStep::*;
        match self {
            IdentifyGoal => "identify_goal",
            DetermineOutcome => "determine_outcome",
            IdentifyTrainers => "identify_trainers",
            PrepareAndTestPlan => "prepare_and_test_plan",
            Schedule => "schedule",
            Practice => "practice",
            Go => "go",
            Evaluate => "evaluate",
            FollowUp => "follow_up",
            Congratulate => "congratulate",
            AssessNeeds => "assess_needs",
            Baseline => "baseline",
            Prioritize => "prioritize",
            Personalize => "personalize",
        }
    }
}

/// A measurable target: `share_per_mille` of the audience at `level` or above in `skill` by `by`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredOutcome {
    /// The skill measured.
    pub skill: String,
    /// The level (0–4) a learner must reach.
    pub level: u8,
    /// The share of the audience that must reach it, in per-mille (800 = 80 %).
    pub share_per_mille: u16,
    /// The date by which the share must be reached.
    pub by: NaiveDate,
}

/// A skill a module teaches and the level it aims for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillTarget {
    /// The skill id.
    pub skill: String,
    /// The target level, 0–4.
    pub level: u8,
}

/// Why someone invited to a session did not attend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbsenceReason {
    /// Their supervisor did not release them from their usual duties.
    NoReleaseTime,
    /// Ill.
    Illness,
    /// On leave.
    Leave,
    /// Too much work on the day.
    Workload,
    /// Another appointment clashed.
    SchedulingConflict,
    /// Anything else.
    Other,
    /// No reason given.
    Unknown,
}

/// One invitee's attendance at a held session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceRecord {
    /// The person.
    pub person: String,
    /// Whether they attended.
    pub present: bool,
    /// Why not, when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absence_reason: Option<AbsenceReason>,
}

/// The kind of practice logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PracticeKind {
    /// Practice in a sandbox or training environment.
    Sandbox,
    /// Using the skill in real work.
    RealUse,
    /// A refresher session.
    Refresher,
}

/// Who assessed a skill level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentSource {
    /// The person themself.
    #[serde(rename = "self")]
    SelfAssessed,
    /// Their supervisor.
    Supervisor,
    /// A trainer or mentor.
    Trainer,
    /// A program evaluation (Kirkpatrick level 2).
    Evaluation,
}

/// The result of an evaluation, by Kirkpatrick level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum EvaluationResult {
    /// Level 1, reaction: a rating from 1 (poor) to 5 (excellent).
    Reaction {
        /// The rating, 1–5.
        rating: u8,
    },
    /// Level 2, learning: the skill level shown, 0–4.
    Learning {
        /// The skill evaluated.
        skill: String,
        /// The level shown, 0–4.
        skill_level: u8,
    },
    /// Level 3, behaviour: whether the person applies the skill on the job.
    Behaviour {
        /// Whether the skill is applied on the job.
        applied: bool,
    },
    /// Level 4, results: a program metric as a decimal string.
    Results {
        /// The metric's name.
        metric: String,
        /// Its value, as a decimal string (no floats in events).
        value: String,
    },
}

/// A session time as given (local, in the organization's zone) and as resolved (UTC).
///
/// Both are stored so that a session at 09:30 local stays at 09:30 local even when the zone's
/// rules change, and so that projections can compare instants without a time-zone database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTime {
    /// Local wall-clock start, `YYYY-MM-DDTHH:MM`.
    pub start_local: String,
    /// The IANA zone the local time is in.
    pub time_zone: String,
    /// The start as a UTC instant.
    pub start: Timestamp,
    /// Length in minutes.
    pub duration_minutes: u32,
}

// ---------------------------------------------------------------------------------------------
// Organization events.
// ---------------------------------------------------------------------------------------------

/// The organization was named and given its IANA time zone (may be repeated to change them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationConfigured {
    /// Display name.
    pub name: String,
    /// IANA zone, e.g. `Europe/Paris`.
    pub time_zone: String,
}

/// A person joined the organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonJoined {
    /// The person's id.
    pub person: String,
    /// Display name (personal data).
    pub name: String,
    /// Department.
    pub department: String,
    /// Branch.
    pub branch: String,
    /// Their supervisor's id, if any.
    #[serde(default)]
    pub supervisor: Option<String>,
    /// The day they joined.
    pub on: NaiveDate,
}

/// A person moved to another department or branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonMoved {
    /// The person.
    pub person: String,
    /// New department.
    pub department: String,
    /// New branch.
    pub branch: String,
    /// Effective day.
    pub on: NaiveDate,
}

/// A person's supervisor changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisorChanged {
    /// The person.
    pub person: String,
    /// The new supervisor, or none.
    #[serde(default)]
    pub supervisor: Option<String>,
    /// Effective day.
    pub on: NaiveDate,
}

/// A person left the organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonLeft {
    /// The person.
    pub person: String,
    /// Their last day.
    pub on: NaiveDate,
}

/// A skill was added to the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillAdded {
    /// The skill id.
    pub skill: String,
    /// Display name.
    pub name: String,
}

/// A person's level in a skill was assessed. The latest assessment (by date, then log order)
/// counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillAssessed {
    /// The person.
    pub person: String,
    /// The skill.
    pub skill: String,
    /// Level 0–4.
    pub level: u8,
    /// Who assessed it.
    pub source: AssessmentSource,
    /// The day of the assessment.
    pub on: NaiveDate,
}

/// A person asked to be erased. The store redacts their personal data in every event; the
/// domain forgets their name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonErased {
    /// The person's id (kept: it is a pseudonym).
    pub person: String,
}

// ---------------------------------------------------------------------------------------------
// Program events.
// ---------------------------------------------------------------------------------------------

/// A program was created. Schema 1 had no `kind` (every program was training); schema 2 adds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramCreated {
    /// The program's slug (its stream is `program-<slug>`).
    pub program: String,
    /// Training or mentoring (schema 2).
    pub kind: ProgramKind,
    /// Title.
    pub title: String,
}

/// The program's goal was set or changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalSet {
    /// The goal, in words.
    pub goal: String,
}

/// The desired outcome (a measurable target) was set or changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredOutcomeSet {
    /// The target.
    pub outcome: DesiredOutcome,
}

/// The deadline was set, or changed (then with a reason).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineSet {
    /// The new deadline.
    pub deadline: NaiveDate,
    /// The deadline it replaces, if any.
    #[serde(default)]
    pub previous: Option<NaiveDate>,
    /// Why it changed (required when there was a previous deadline).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A step of the phase checklist was ticked or unticked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseStepMarked {
    /// The step.
    pub step: PhaseStep,
    /// Done (`true`) or undone.
    pub done: bool,
    /// The day.
    pub on: NaiveDate,
}

/// The program was archived: no further commands are accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramArchived {
    /// Why.
    pub reason: String,
}

/// An archived program was reopened: it accepts commands again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramReopened {
    /// Why.
    pub reason: String,
}

/// A potential trainer (or mentor) was invited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerInvited {
    /// The person.
    pub person: String,
    /// The day.
    pub on: NaiveDate,
}

/// An invited trainer accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerAccepted {
    /// The person.
    pub person: String,
    /// The day.
    pub on: NaiveDate,
}

/// An invited trainer declined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerDeclined {
    /// The person.
    pub person: String,
    /// Why, if they said.
    #[serde(default)]
    pub reason: Option<String>,
    /// The day.
    pub on: NaiveDate,
}

/// A trainer who had accepted withdrew.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainerWithdrew {
    /// The person.
    pub person: String,
    /// Why, if they said.
    #[serde(default)]
    pub reason: Option<String>,
    /// The day.
    pub on: NaiveDate,
}

/// The training team prepared (a version of) the training plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPrepared {
    /// The people of the training team who prepared it.
    pub team: Vec<String>,
    /// What was prepared.
    pub notes: String,
    /// The day.
    pub on: NaiveDate,
}

/// The training team test-ran the plan (a dry run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTestRun {
    /// The people who took part.
    pub team: Vec<String>,
    /// What was learned.
    pub findings: String,
    /// The day.
    pub on: NaiveDate,
}

/// A module was added (or redefined, when the id exists).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleDefined {
    /// The module id.
    pub module: String,
    /// Title.
    pub title: String,
    /// The skills it teaches and their target levels.
    pub skills: Vec<SkillTarget>,
    /// Whether completing the program requires attending it.
    pub required: bool,
}

/// A session was scheduled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionScheduled {
    /// The session id.
    pub session: String,
    /// The module it teaches.
    pub module: String,
    /// Its trainers.
    pub trainers: Vec<String>,
    /// When.
    pub time: SessionTime,
    /// Where.
    pub location: String,
    /// How many seats.
    pub capacity: u32,
    /// Who is invited.
    pub invitees: Vec<String>,
}

/// A scheduled session was moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRescheduled {
    /// The session.
    pub session: String,
    /// The new time.
    pub time: SessionTime,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// People were added to a scheduled session's invitees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteesAdded {
    /// The session.
    pub session: String,
    /// The people added.
    pub people: Vec<String>,
}

/// A scheduled session was cancelled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCancelled {
    /// The session.
    pub session: String,
    /// Why.
    pub reason: String,
}

/// A session was held, with attendance for every invitee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionHeld {
    /// The session.
    pub session: String,
    /// Attendance per person.
    pub attendance: Vec<AttendanceRecord>,
}

/// A learner (or mentee) was enrolled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerEnrolled {
    /// The person.
    pub person: String,
    /// The day.
    pub on: NaiveDate,
}

/// A learner left the program before completing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerWithdrew {
    /// The person.
    pub person: String,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
    /// The day.
    pub on: NaiveDate,
}

/// Practice was logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeLogged {
    /// Who practised.
    pub person: String,
    /// Which skill.
    pub skill: String,
    /// Sandbox, real use or refresher.
    pub kind: PracticeKind,
    /// How long.
    pub minutes: u32,
    /// The day.
    pub on: NaiveDate,
}

/// An evaluation at one of Kirkpatrick's four levels was recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationRecorded {
    /// The person evaluated; none for a level-4 program result.
    #[serde(default)]
    pub person: Option<String>,
    /// The module evaluated, if any.
    #[serde(default)]
    pub module: Option<String>,
    /// The result.
    pub result: EvaluationResult,
    /// The day.
    pub on: NaiveDate,
}

/// A follow-up was scheduled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpScheduled {
    /// The follow-up id.
    pub follow_up: String,
    /// With whom.
    pub person: String,
    /// Due date.
    pub due: NaiveDate,
    /// What for.
    pub purpose: String,
}

/// A follow-up was completed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpCompleted {
    /// The follow-up.
    pub follow_up: String,
    /// Notes.
    pub notes: String,
    /// The day.
    pub on: NaiveDate,
}

/// A person or a team was congratulated for a milestone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Congratulated {
    /// The people congratulated.
    pub people: Vec<String>,
    /// The milestone.
    pub milestone: String,
    /// The day.
    pub on: NaiveDate,
}

/// A mitigation of a scenario was chosen for the plan (after simulating or rehearsing it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MitigationChosen {
    /// The scenario (a name of the library).
    pub scenario: String,
    /// The mitigation (an id of the scenario).
    pub mitigation: String,
    /// Why it was chosen.
    #[serde(default)]
    pub reason: Option<String>,
    /// The day.
    pub on: NaiveDate,
}

/// A supervisor was asked to release a learner for `minutes` of training time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentAsked {
    /// The supervisor.
    pub supervisor: String,
    /// The learner.
    pub learner: String,
    /// Release time asked, in minutes.
    pub minutes: u32,
    /// The day.
    pub on: NaiveDate,
}

/// A supervisor committed release time for a learner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentMade {
    /// The supervisor.
    pub supervisor: String,
    /// The learner.
    pub learner: String,
    /// Release time promised, in minutes.
    pub minutes: u32,
    /// The day.
    pub on: NaiveDate,
}

/// A supervisor declined to release a learner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentDeclined {
    /// The supervisor.
    pub supervisor: String,
    /// The learner.
    pub learner: String,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
    /// The day.
    pub on: NaiveDate,
}

/// A supervisor withdrew a commitment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentWithdrawn {
    /// The supervisor.
    pub supervisor: String,
    /// The learner.
    pub learner: String,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
    /// The day.
    pub on: NaiveDate,
}

/// A mentor and a mentee were paired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentoringPaired {
    /// The pair id.
    pub pair: String,
    /// The mentor.
    pub mentor: String,
    /// The mentee.
    pub mentee: String,
    /// The day.
    pub on: NaiveDate,
}

/// A mentee's needs were assessed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedsAssessed {
    /// The pair.
    pub pair: String,
    /// The mentee's goals.
    pub goals: Vec<String>,
    /// The desired outcomes.
    pub desired_outcomes: Vec<String>,
    /// The day.
    pub on: NaiveDate,
}

/// What the mentee already knows and what already works was recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineRecorded {
    /// The pair.
    pub pair: String,
    /// What the mentee already knows.
    pub already_knows: Vec<String>,
    /// What already works.
    pub already_works: Vec<String>,
    /// The day.
    pub on: NaiveDate,
}

/// The pair's priorities were set, most important first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrioritiesSet {
    /// The pair.
    pub pair: String,
    /// Priorities in order.
    pub priorities: Vec<String>,
    /// The day.
    pub on: NaiveDate,
}

/// A personalized coaching session was scheduled ahead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoachingSessionScheduled {
    /// The pair.
    pub pair: String,
    /// The coaching session id.
    pub session: String,
    /// When.
    pub time: SessionTime,
    /// What is planned.
    pub topics: Vec<String>,
}

/// A scheduled coaching session was moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoachingSessionRescheduled {
    /// The pair.
    pub pair: String,
    /// The coaching session id.
    pub session: String,
    /// The new time.
    pub time: SessionTime,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A scheduled coaching session was cancelled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoachingSessionCancelled {
    /// The pair.
    pub pair: String,
    /// The coaching session id.
    pub session: String,
    /// Why.
    pub reason: String,
}

/// A personalized coaching session was held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoachingSessionHeld {
    /// The pair.
    pub pair: String,
    /// The coaching session id.
    pub session: String,
    /// When.
    pub time: SessionTime,
    /// What was covered.
    pub topics: Vec<String>,
}

/// A personalized assignment was given to a mentee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentGiven {
    /// The pair.
    pub pair: String,
    /// The assignment id.
    pub assignment: String,
    /// What to do.
    pub description: String,
    /// Due date.
    pub due: NaiveDate,
}

/// A mentee completed an assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentDone {
    /// The pair.
    pub pair: String,
    /// The assignment.
    pub assignment: String,
    /// The day.
    pub on: NaiveDate,
}

// ---------------------------------------------------------------------------------------------
// Corrections (either stream).
// ---------------------------------------------------------------------------------------------

/// An earlier event of the same stream was voided: folds behave as if it had never happened.
/// A correction is a void followed, in the same append, by the replacement events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventVoided {
    /// The stream kind the voided event (and so this event) belongs to.
    pub stream: StreamKind,
    /// The id of the voided event.
    pub event_id: Uuid,
    /// The voided event's type name, for readers of the audit trail.
    pub voided_type: String,
    /// Why.
    pub reason: String,
    /// Whether replacement events follow (a correction) or not (a plain void).
    #[serde(default)]
    pub corrected: bool,
}

/// Whether events of this type state a standing fact rather than something that happened on a
/// day: the organization's name and time zone, a skill of the catalogue. Business-time reads
/// ("what had happened by T") count them whatever T, so that days before the organization's
/// configuration was recorded are still read in its zone, and a skill entered today without a
/// date is in the catalogue of earlier days (where its dated assessments already count).
pub fn is_standing(event_type: &str) -> bool {
    matches!(event_type, "OrganizationConfigured" | "SkillAdded")
}

/// Whether a business-time read as of `t` counts an event of `event_type` that occurred at
/// `occurred_at`: a standing fact always, anything else when it occurred by `t`.
pub fn happened_by(event_type: &str, occurred_at: Timestamp, t: Timestamp) -> bool {
    is_standing(event_type) || occurred_at <= t
}

impl Event {
    /// The business day the event states (its `on` field; a coaching session's local date), if
    /// any. The application may use it to back-date `occurred_at` (start of that day in the
    /// organization's zone) so that "what had happened by T" reads see it at the right time.
    pub fn business_date(&self) -> Option<NaiveDate> {
        use Event::*;
        match self {
            PersonJoined(e) => Some(e.on),
            PersonMoved(e) => Some(e.on),
            SupervisorChanged(e) => Some(e.on),
            PersonLeft(e) => Some(e.on),
            SkillAssessed(e) => Some(e.on),
            PhaseStepMarked(e) => Some(e.on),
            TrainerInvited(e) => Some(e.on),
            TrainerAccepted(e) => Some(e.on),
            TrainerDeclined(e) => Some(e.on),
            TrainerWithdrew(e) => Some(e.on),
            PlanPrepared(e) => Some(e.on),
            PlanTestRun(e) => Some(e.on),
            LearnerEnrolled(e) => Some(e.on),
            LearnerWithdrew(e) => Some(e.on),
            PracticeLogged(e) => Some(e.on),
            EvaluationRecorded(e) => Some(e.on),
            FollowUpCompleted(e) => Some(e.on),
            Congratulated(e) => Some(e.on),
            MitigationChosen(e) => Some(e.on),
            CommitmentAsked(e) => Some(e.on),
            CommitmentMade(e) => Some(e.on),
            CommitmentDeclined(e) => Some(e.on),
            CommitmentWithdrawn(e) => Some(e.on),
            MentoringPaired(e) => Some(e.on),
            NeedsAssessed(e) => Some(e.on),
            BaselineRecorded(e) => Some(e.on),
            PrioritiesSet(e) => Some(e.on),
            AssignmentDone(e) => Some(e.on),
            CoachingSessionHeld(e) => e.time.start_local.get(..10).and_then(|d| d.parse().ok()),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The sum type.
// ---------------------------------------------------------------------------------------------

macro_rules! define_events {
    ($( $name:ident => $kind:ident, schema $schema:literal; )*) => {
        /// Every domain event. Variants wrap one struct each, named like the variant.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Event {
            $(
                #[doc = concat!("See [`", stringify!($name), "`].")]
                $name($name),
            )*
            /// See [`EventVoided`]; it belongs to the stream of the event it voids.
            EventVoided(EventVoided),
        }

        impl Event {
            /// The event's type name (`SessionHeld`).
            pub fn type_name(&self) -> &'static str {
                match self {
                    $( Event::$name(_) => stringify!($name), )*
                    Event::EventVoided(_) => "EventVoided",
                }
            }

            /// The current schema number of the event's type.
            pub fn schema(&self) -> u32 {
                match self {
                    $( Event::$name(_) => $schema, )*
                    Event::EventVoided(_) => 1,
                }
            }

            /// The kind of stream this event belongs to.
            pub fn stream_kind(&self) -> StreamKind {
                match self {
                    $( Event::$name(_) => StreamKind::$kind, )*
                    Event::EventVoided(e) => e.stream,
                }
            }

            /// Every event type name with its current schema and stream kind. `EventVoided`
            /// appears once per stream kind.
            pub fn catalogue() -> Vec<(&'static str, u32, StreamKind)> {
                vec![
                    $( (stringify!($name), $schema, StreamKind::$kind), )*
                    ("EventVoided", 1, StreamKind::Organization),
                    ("EventVoided", 1, StreamKind::Program),
                ]
            }
        }

        impl From<EventVoided> for Event {
            fn from(e: EventVoided) -> Event {
                Event::EventVoided(e)
            }
        }

        $(
            impl From<$name> for Event {
                fn from(e: $name) -> Event {
                    Event::$name(e)
                }
            }
        )*

        pub(crate) fn encode_data(ev: &Event) -> Result<serde_json::Value, serde_json::Error> {
            match ev {
                $( Event::$name(e) => serde_json::to_value(e), )*
                Event::EventVoided(e) => serde_json::to_value(e),
            }
        }

        /// Decodes the data of a current-schema event. `Ok(None)` means the type is unknown.
        pub(crate) fn decode_data(
            event_type: &str,
            data: &serde_json::Value,
        ) -> Option<Result<Event, serde_path_to_error::Error<serde_json::Error>>> {
            Some(match event_type {
                $( stringify!($name) => serde_path_to_error::deserialize(data).map(Event::$name), )*
                "EventVoided" => serde_path_to_error::deserialize(data).map(Event::EventVoided),
                _ => return None,
            })
        }
    };
}

define_events! {
    OrganizationConfigured => Organization, schema 1;
    PersonJoined => Organization, schema 1;
    PersonMoved => Organization, schema 1;
    SupervisorChanged => Organization, schema 1;
    PersonLeft => Organization, schema 1;
    SkillAdded => Organization, schema 1;
    SkillAssessed => Organization, schema 1;
    PersonErased => Organization, schema 1;
    ProgramCreated => Program, schema 2;
    GoalSet => Program, schema 1;
    DesiredOutcomeSet => Program, schema 1;
    DeadlineSet => Program, schema 1;
    PhaseStepMarked => Program, schema 1;
    ProgramArchived => Program, schema 1;
    ProgramReopened => Program, schema 1;
    TrainerInvited => Program, schema 1;
    TrainerAccepted => Program, schema 1;
    TrainerDeclined => Program, schema 1;
    TrainerWithdrew => Program, schema 1;
    PlanPrepared => Program, schema 1;
    PlanTestRun => Program, schema 1;
    ModuleDefined => Program, schema 1;
    SessionScheduled => Program, schema 1;
    SessionRescheduled => Program, schema 1;
    InviteesAdded => Program, schema 1;
    SessionCancelled => Program, schema 1;
    SessionHeld => Program, schema 1;
    LearnerEnrolled => Program, schema 1;
    LearnerWithdrew => Program, schema 1;
    PracticeLogged => Program, schema 1;
    EvaluationRecorded => Program, schema 1;
    FollowUpScheduled => Program, schema 1;
    FollowUpCompleted => Program, schema 1;
    Congratulated => Program, schema 1;
    MitigationChosen => Program, schema 1;
    CommitmentAsked => Program, schema 1;
    CommitmentMade => Program, schema 1;
    CommitmentDeclined => Program, schema 1;
    CommitmentWithdrawn => Program, schema 1;
    MentoringPaired => Program, schema 1;
    NeedsAssessed => Program, schema 1;
    BaselineRecorded => Program, schema 1;
    PrioritiesSet => Program, schema 1;
    CoachingSessionScheduled => Program, schema 1;
    CoachingSessionHeld => Program, schema 1;
    CoachingSessionRescheduled => Program, schema 1;
    CoachingSessionCancelled => Program, schema 1;
    AssignmentGiven => Program, schema 1;
    AssignmentDone => Program, schema 1;
}

#[cfg(test)]
mod tests {
    use super::{PhaseStep, ProgramKind};

    #[test]
    fn wire_names_match_the_serialized_form() {
        for kind in [ProgramKind::Training, ProgramKind::Mentoring] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for step in PhaseStep::for_kind(ProgramKind::Training)
            .iter()
            .chain(PhaseStep::for_kind(ProgramKind::Mentoring))
        {
            assert_eq!(serde_json::to_value(step).unwrap(), step.as_str());
        }
    }
}
