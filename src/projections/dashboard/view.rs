//! What the dashboard shows: the result types. Definitions are in the parent module's docs.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::events::{AbsenceReason, PhaseStep, ProgramKind};
use crate::domain::program::TrainerStatus;

/// Everything the dashboard shows.
#[derive(Clone, Debug, Serialize)]
pub struct DashboardView {
    /// Slug.
    pub program: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: ProgramKind,
    /// Goal.
    pub goal: Option<String>,
    /// Whether archived.
    pub archived: bool,
    /// The day the figures are for.
    pub today: NaiveDate,
    /// The phase checklist, in method order.
    pub phases: Vec<PhaseRow>,
    /// Enrolment counts.
    pub enrolment: Enrolment,
    /// Sessions and attendance.
    pub attendance: Attendance,
    /// Per-learner completion, audience and others, by person id.
    pub learners: Vec<LearnerRow>,
    /// Completion over the audience.
    pub completion: Completion,
    /// Proficiency against the desired outcome, when one is set.
    pub proficiency: Option<Proficiency>,
    /// Deadline status and forecast.
    pub deadline: DeadlineView,
    /// Follow-ups.
    pub follow_ups: FollowUps,
    /// Practice recency and estimated retention.
    pub practice: PracticeView,
    /// Trainer load.
    pub trainers: Vec<TrainerRow>,
    /// Commitment ledger per supervisor.
    pub commitments: Vec<LedgerRow>,
    /// Kirkpatrick summary.
    pub kirkpatrick: Kirkpatrick,
    /// Mentoring figures, for a mentoring program.
    pub mentoring: Option<MentoringView>,
}

/// One step of the checklist.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseRow {
    /// The step.
    pub step: PhaseStep,
    /// Done.
    pub done: bool,
    /// When last marked.
    pub on: Option<NaiveDate>,
}

/// Enrolment counts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Enrolment {
    /// Ever enrolled.
    pub enrolled: u32,
    /// Withdrawn from the program.
    pub withdrawn: u32,
    /// Enrolled, not withdrawn, but leavers.
    pub leavers: u32,
    /// The audience (the denominator of every rate).
    pub audience: u32,
}

/// Sessions and attendance.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Attendance {
    /// Sessions ever scheduled.
    pub sessions: u32,
    /// Held.
    pub held: u32,
    /// Cancelled.
    pub cancelled: u32,
    /// Scheduled, not held, start after now.
    pub upcoming: u32,
    /// Scheduled, not held, start already past (to be recorded).
    pub unrecorded: u32,
    /// Total reschedules.
    pub reschedules: u32,
    /// Audience invitations to held sessions.
    pub expected: u32,
    /// Of which present.
    pub present: u32,
    /// present ÷ expected.
    pub rate: Option<f64>,
    /// Absences by reason.
    pub absences: BTreeMap<AbsenceReason, u32>,
}

/// One learner's completion.
#[derive(Clone, Debug, Serialize)]
pub struct LearnerRow {
    /// Id.
    pub person: String,
    /// Name.
    pub name: String,
    /// In the audience.
    pub in_audience: bool,
    /// Required modules attended.
    pub required_attended: u32,
    /// Required modules.
    pub required: u32,
    /// Evaluation passed.
    pub evaluation_passed: bool,
    /// Completed.
    pub completed: bool,
}

/// Completion over the audience.
#[derive(Clone, Debug, Serialize)]
pub struct Completion {
    /// Audience members completed.
    pub completed: u32,
    /// Audience.
    pub audience: u32,
    /// completed ÷ audience.
    pub rate: Option<f64>,
}

/// Proficiency against the desired outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Proficiency {
    /// Skill.
    pub skill: String,
    /// Level.
    pub level: u8,
    /// Target share, per-mille.
    pub target_share_per_mille: u16,
    /// By.
    pub by: NaiveDate,
    /// Proficient audience members.
    pub proficient: u32,
    /// Audience.
    pub audience: u32,
    /// proficient ÷ audience.
    pub share: Option<f64>,
    /// Whether the target share is reached.
    pub met: bool,
}

/// Where the deadline stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Target reached.
    Achieved,
    /// Forecast on or before the deadline.
    OnTrack,
    /// Forecast up to the grace after the deadline, or no progress yet.
    AtRisk,
    /// Deadline passed, or forecast later than the grace.
    Late,
    /// No deadline known.
    NoDeadline,
}

/// Deadline and forecast.
#[derive(Clone, Debug, Serialize)]
pub struct DeadlineView {
    /// The deadline used.
    pub deadline: Option<NaiveDate>,
    /// How many times the deadline changed.
    pub changes: u32,
    /// `proficient` or `completed`.
    pub measure: &'static str,
    /// Progress.
    pub progress: u32,
    /// Target.
    pub target: u32,
    /// First enrolment of the audience.
    pub start: Option<NaiveDate>,
    /// Progress per week.
    pub pace_per_week: Option<f64>,
    /// Forecast date.
    pub forecast: Option<NaiveDate>,
    /// Status.
    pub status: DeadlineStatus,
}

/// Follow-ups.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FollowUps {
    /// Open (not leavers').
    pub open: u32,
    /// Completed.
    pub completed: u32,
    /// Overdue, oldest first.
    pub overdue: Vec<FollowUpRow>,
    /// Due soon, soonest first.
    pub due_soon: Vec<FollowUpRow>,
}

/// An open follow-up.
#[derive(Clone, Debug, Serialize)]
pub struct FollowUpRow {
    /// Id.
    pub follow_up: String,
    /// Person.
    pub person: String,
    /// Name.
    pub name: String,
    /// Due.
    pub due: NaiveDate,
    /// Days after due (negative: before).
    pub days_overdue: i64,
    /// Purpose.
    pub purpose: String,
}

/// Practice recency and retention.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PracticeView {
    /// Audience members, by id.
    pub learners: Vec<PracticeRow>,
    /// Per skill with a trace, by id.
    pub by_skill: Vec<SkillRetention>,
    /// Every trace: per audience member (by id) and skill (by id).
    pub traces: Vec<TraceRow>,
    /// Mean of the learners' retention (their weakest skill's) over those with exposures.
    pub mean_retention: Option<f64>,
    /// Total practice minutes logged by the audience.
    pub minutes: u32,
}

/// One audience member's practice.
#[derive(Clone, Debug, Serialize)]
pub struct PracticeRow {
    /// Id.
    pub person: String,
    /// Name.
    pub name: String,
    /// Last exposure.
    pub last_exposure: Option<NaiveDate>,
    /// Days since.
    pub days_since: Option<i64>,
    /// Practice minutes.
    pub minutes: u32,
    /// Estimated retention today of their weakest skill.
    pub retention: Option<f64>,
    /// That skill.
    pub weakest_skill: Option<String>,
}

/// One audience member's trace of one skill.
#[derive(Clone, Debug, Serialize)]
pub struct TraceRow {
    /// Person id.
    pub person: String,
    /// Skill id.
    pub skill: String,
    /// Last exposure to that skill.
    pub last_exposure: NaiveDate,
    /// Days since.
    pub days_since: i64,
    /// Estimated retention today.
    pub retention: f64,
}

/// Estimated retention of one skill over the audience.
#[derive(Clone, Debug, Serialize)]
pub struct SkillRetention {
    /// Skill id.
    pub skill: String,
    /// Skill name (none when not in the catalogue).
    pub name: Option<String>,
    /// Audience members with a trace in it.
    pub learners: u32,
    /// Their mean estimated retention.
    pub mean_retention: f64,
}

/// One trainer's load.
#[derive(Clone, Debug, Serialize)]
pub struct TrainerRow {
    /// Id.
    pub person: String,
    /// Name.
    pub name: String,
    /// Invitation status.
    pub status: TrainerStatus,
    /// Held sessions taught.
    pub sessions_held: u32,
    /// Minutes taught.
    pub minutes_taught: u32,
    /// Sessions still to come.
    pub sessions_upcoming: u32,
    /// Mentoring pairs.
    pub pairs: u32,
    /// Coaching sessions held.
    pub coaching_sessions: u32,
}

/// One supervisor's commitment ledger.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LedgerRow {
    /// Supervisor id.
    pub supervisor: String,
    /// Name.
    pub name: String,
    /// Learners with a commitment record.
    pub learners: u32,
    /// Minutes asked.
    pub minutes_asked: u32,
    /// Minutes committed.
    pub minutes_committed: u32,
    /// Minutes delivered.
    pub minutes_delivered: u32,
    /// `no_release_time` absences.
    pub no_release_time_absences: u32,
    /// Declined.
    pub declined: u32,
    /// Withdrawn.
    pub withdrawn: u32,
    /// Kept.
    pub kept: Option<bool>,
}

/// The Kirkpatrick summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Kirkpatrick {
    /// Level 1 count.
    pub reaction_count: u32,
    /// Level 1 mean rating.
    pub reaction_mean: Option<f64>,
    /// Level 2 count.
    pub learning_count: u32,
    /// Level 2 passed.
    pub learning_passed: u32,
    /// Level 2 mean level.
    pub learning_mean_level: Option<f64>,
    /// Level 3 count.
    pub behaviour_count: u32,
    /// Level 3 applying on the job.
    pub behaviour_applied: u32,
    /// Level 4: latest value per metric.
    pub results: BTreeMap<String, String>,
}

/// Mentoring figures.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MentoringView {
    /// Pairs.
    pub pairs: u32,
    /// Coaching sessions held.
    pub coaching_sessions: u32,
    /// Coaching minutes.
    pub coaching_minutes: u32,
    /// Assignments given.
    pub assignments: u32,
    /// Done.
    pub assignments_done: u32,
    /// Open and past due.
    pub assignments_overdue: u32,
}
