//! The program dashboard.
//!
//! "Now" is an argument. For `dashboard --as-of T` (what had happened by business time T), fold
//! the events with `occurred_at ≤ T` and pass T as now.
//!
//! # Definitions
//!
//! These definitions are the contract of every figure on the dashboard; the docs quote them.
//!
//! - **Today** is the calendar day of "now" in the organization's time zone.
//! - A **leaver** is a person whose recorded last day (`PersonLeft.on`) is before today.
//! - The **audience** is the enrolled learners (mentees in a mentoring program) who have not
//!   withdrawn from the program and are not leavers. Every *rate* and *share* below is over the
//!   audience only: leavers and withdrawn learners are excluded from numerators and denominators.
//! - **Attendance rate** = present ÷ expected, where *expected* counts one per audience member
//!   invited to a **held** session (cancelled and not-yet-held sessions do not count) and
//!   *present* counts those marked present. Absences are counted by reason over the same
//!   invitations (`unknown` when no reason was given). `None` when nothing is expected yet.
//! - **Required modules** are the modules marked required; if none is marked, every module is.
//!   A learner **attended** a module when marked present at one or more held sessions of it.
//! - **Evaluation passed** (training): for every skill taught by a required module, the
//!   learner's latest Kirkpatrick level-2 (learning) evaluation in that skill in this program
//!   (latest by date, then by log order) shows a level at or above the module's target level.
//! - **Completed** (training): the program has at least one module, the learner attended every
//!   required module, and their evaluation passed.
//!   **Completed** (mentoring): the mentee is in a pair, every assignment given to the pair is
//!   done, and their latest level-2 evaluation shows a level at or above the desired outcome's
//!   level (level 2 when no outcome is set).
//! - **Proficient**: an audience member whose latest skill assessment in the organization (any
//!   source; evaluations record one) in the desired outcome's skill is at or above its level.
//!   **Proficiency vs target** compares the proficient share with `share_per_mille`.
//! - **Deadline**: the program's deadline, else the desired outcome's date.
//!   **Progress** is the number proficient when a desired outcome is set, else the number
//!   completed. **Target** is `ceil(share_per_mille × audience ÷ 1000)` when an outcome is set,
//!   else the whole audience. **Pace** = progress ÷ days elapsed since the earliest enrolment of
//!   an audience member (at least one day). **Forecast** = today + ceil((target − progress) ÷
//!   pace) days (none when pace is zero). **Status**: `achieved` when progress ≥ target > 0;
//!   else `late` when today is after the deadline; else `on_track` when the forecast is on or
//!   before the deadline; `at_risk` when it is at most [`AT_RISK_GRACE_DAYS`] days after it or
//!   when there is no progress yet; `late` when it is later still. `no_deadline` when no
//!   deadline is known (the forecast is still given).
//! - **Follow-ups**: open = not completed; **overdue** = open with a due date before today;
//!   **due soon** = open and due today or within [`DUE_SOON_DAYS`] days. Leavers' follow-ups are
//!   left out.
//! - **Practice recency**: an audience member's *exposures* are the days they attended a held
//!   session of this program (the session's local date), the days they logged practice in it
//!   and, in a mentoring program, the days of their pair's coaching sessions. **Estimated retention** is the retention sub-model's [`MemoryTrace`] for a skill with
//!   *mixed* measures (half-life 11 months), trained on the first exposure and practised on each
//!   later exposure day, read today. Learners with no exposure have none and are left out of the
//!   mean.
//! - **Trainer load**: per trainer (any invitation status): held sessions they taught and their
//!   minutes, scheduled sessions still to come (start after now), mentoring pairs and coaching
//!   sessions held.
//! - **Commitment ledger**, per supervisor over their learners' commitments: minutes asked;
//!   minutes committed (only commitments standing as committed); minutes **delivered** = the
//!   durations of held sessions those learners attended; absences for `no_release_time`;
//!   commitments declined and withdrawn. **Kept** is `true` when something is committed and
//!   there is no withdrawal and no `no_release_time` absence, `false` when there is either, and
//!   none when nothing was ever committed. The ledger is not a rate: leavers stay in it.
//! - **Kirkpatrick summary**: level 1, count and mean rating (1–5); level 2, count, number
//!   *passed* (level at or above the target: the evaluated module's target for that skill, else
//!   the highest target of any module for it, else the desired outcome's level, else 2) and mean
//!   level; level 3, count and number applying the skill on the job; level 4, the latest value of
//!   each metric.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::events::{AbsenceReason, EvaluationResult, PhaseStep, ProgramKind};
use crate::domain::program::{CommitmentStatus, SessionStatus, TrainerStatus};
use crate::domain::retention::{self, MemoryTrace, SkillMeasure};
use crate::domain::{today, Event, EventMeta, Organization, Program, StreamId, Timestamp};

use super::world::World;
use super::{round3, Projection};

/// Days after the deadline within which a forecast is "at risk" rather than "late".
pub const AT_RISK_GRACE_DAYS: i64 = 30;

/// How far ahead an open follow-up counts as "due soon".
pub const DUE_SOON_DAYS: i64 = 14;

/// The dashboard fold for one program: the organization and that program's stream.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dashboard {
    stream: String,
    world: World,
}

impl Dashboard {
    /// A dashboard for the program with this slug.
    pub fn new(slug: &str) -> Dashboard {
        let stream = StreamId::program(slug)
            .map(|s| s.to_string())
            .unwrap_or_default();
        Dashboard {
            stream,
            world: World::default(),
        }
    }

    /// The dashboard as of `now`; `None` while the program does not exist.
    pub fn result(&self, now: Timestamp) -> Option<DashboardView> {
        let p = self.world.programs.values().next()?;
        Some(compute(&self.world.org, p, now))
    }
}

impl Projection for Dashboard {
    fn update(&mut self, meta: &EventMeta, ev: &Event) {
        if meta.stream == StreamId::ORGANIZATION || meta.stream == self.stream {
            self.world.update(meta, ev);
        }
    }
}

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
    /// Mean estimated retention over those with exposures.
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
    /// Estimated retention today.
    pub retention: Option<f64>,
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

fn rate(num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| round3(num as f64 / den as f64))
}

/// Whether `person` is a leaver on `today`.
pub fn is_leaver(org: &Organization, person: &str, today: NaiveDate) -> bool {
    org.person(person).is_some_and(|p| p.left_before(today))
}

/// The audience of a program on `today`, by id.
pub fn audience(org: &Organization, p: &Program, today: NaiveDate) -> BTreeSet<String> {
    p.learners
        .iter()
        .filter(|(id, l)| l.withdrew_on.is_none() && !is_leaver(org, id, today))
        .map(|(id, _)| id.clone())
        .collect()
}

/// The required modules (all modules when none is marked required).
fn required_modules(p: &Program) -> Vec<&crate::domain::events::ModuleDefined> {
    let req: Vec<_> = p.modules.values().filter(|m| m.required).collect();
    if req.is_empty() {
        p.modules.values().collect()
    } else {
        req
    }
}

/// The latest level-2 level of `person` in `skill` in this program.
fn latest_learning(p: &Program, person: &str, skill: &str) -> Option<u8> {
    let mut best: Option<(NaiveDate, u8)> = None;
    for e in &p.evaluations {
        if let (
            Some(who),
            EvaluationResult::Learning {
                skill: s,
                skill_level,
            },
        ) = (&e.person, &e.result)
        {
            if who == person && s == skill && best.is_none_or(|(d, _)| e.on >= d) {
                best = Some((e.on, *skill_level));
            }
        }
    }
    best.map(|(_, l)| l)
}

/// The latest level-2 level of `person` in any skill.
fn latest_learning_any(p: &Program, person: &str) -> Option<u8> {
    let mut best: Option<(NaiveDate, u8)> = None;
    for e in &p.evaluations {
        if let (Some(who), EvaluationResult::Learning { skill_level, .. }) = (&e.person, &e.result)
        {
            if who == person && best.is_none_or(|(d, _)| e.on >= d) {
                best = Some((e.on, *skill_level));
            }
        }
    }
    best.map(|(_, l)| l)
}

fn attended_modules(p: &Program, person: &str) -> BTreeSet<String> {
    p.sessions
        .values()
        .filter(|s| {
            s.status == SessionStatus::Held && s.attendance.get(person).is_some_and(|a| a.present)
        })
        .map(|s| s.module.clone())
        .collect()
}

fn session_day(s: &crate::domain::program::Session) -> Option<NaiveDate> {
    s.time.start_local.get(..10).and_then(|d| d.parse().ok())
}

/// Computes the dashboard of `p` as of `now`.
pub fn compute(org: &Organization, p: &Program, now: Timestamp) -> DashboardView {
    let today = today(org, now);
    let aud = audience(org, p, today);
    let n = aud.len() as u32;
    let name = |id: &str| org.name_of(id);

    let phases = PhaseStep::for_kind(p.kind)
        .iter()
        .map(|s| {
            let st = p.phases.get(s).cloned().unwrap_or_default();
            PhaseRow {
                step: *s,
                done: st.done,
                on: st.on,
            }
        })
        .collect();

    let mut enrolment = Enrolment {
        enrolled: p.learners.len() as u32,
        audience: n,
        ..Enrolment::default()
    };
    for (id, l) in &p.learners {
        if l.withdrew_on.is_some() {
            enrolment.withdrawn += 1;
        } else if is_leaver(org, id, today) {
            enrolment.leavers += 1;
        }
    }

    // Attendance.
    let mut att = Attendance {
        sessions: p.sessions.len() as u32,
        ..Attendance::default()
    };
    for s in p.sessions.values() {
        att.reschedules += s.reschedules;
        match s.status {
            SessionStatus::Cancelled => att.cancelled += 1,
            SessionStatus::Scheduled if s.time.start > now => att.upcoming += 1,
            SessionStatus::Scheduled => att.unrecorded += 1,
            SessionStatus::Held => {
                att.held += 1;
                for (person, a) in &s.attendance {
                    if !aud.contains(person) {
                        continue;
                    }
                    att.expected += 1;
                    if a.present {
                        att.present += 1;
                    } else {
                        *att.absences
                            .entry(a.absence_reason.unwrap_or(AbsenceReason::Unknown))
                            .or_insert(0) += 1;
                    }
                }
            }
        }
    }
    att.rate = rate(att.present, att.expected);

    // Completion.
    let required = required_modules(p);
    let outcome_level = p.desired_outcome.as_ref().map(|o| o.level).unwrap_or(2);
    let mut learners = Vec::new();
    let mut completed_n = 0;
    for id in p.learners.keys() {
        let (req_att, passed, completed) = match p.kind {
            ProgramKind::Training => {
                let attended = attended_modules(p, id);
                let req_att = required
                    .iter()
                    .filter(|m| attended.contains(&m.module))
                    .count() as u32;
                let passed = !required.is_empty()
                    && required.iter().all(|m| {
                        m.skills
                            .iter()
                            .all(|t| latest_learning(p, id, &t.skill).is_some_and(|l| l >= t.level))
                    });
                let completed = !required.is_empty() && req_att == required.len() as u32 && passed;
                (req_att, passed, completed)
            }
            ProgramKind::Mentoring => {
                let pair = p.pairs.values().find(|x| &x.mentee == id);
                let passed = latest_learning_any(p, id).is_some_and(|l| l >= outcome_level);
                let done =
                    pair.is_some_and(|x| x.assignments.values().all(|a| a.done_on.is_some()));
                (0, passed, pair.is_some() && done && passed)
            }
        };
        let in_aud = aud.contains(id);
        if in_aud && completed {
            completed_n += 1;
        }
        learners.push(LearnerRow {
            person: id.clone(),
            name: name(id),
            in_audience: in_aud,
            required_attended: req_att,
            required: if p.kind == ProgramKind::Training {
                required.len() as u32
            } else {
                0
            },
            evaluation_passed: passed,
            completed,
        });
    }
    let completion = Completion {
        completed: completed_n,
        audience: n,
        rate: rate(completed_n, n),
    };

    // Proficiency.
    let proficiency = p.desired_outcome.as_ref().map(|o| {
        let proficient = aud
            .iter()
            .filter(|id| {
                org.assessments
                    .get(*id)
                    .and_then(|m| m.get(&o.skill))
                    .is_some_and(|a| a.level >= o.level)
            })
            .count() as u32;
        let share = rate(proficient, n);
        let target = (o.share_per_mille as u64 * n as u64).div_ceil(1000) as u32;
        Proficiency {
            skill: o.skill.clone(),
            level: o.level,
            target_share_per_mille: o.share_per_mille,
            by: o.by,
            proficient,
            audience: n,
            share,
            met: n > 0 && proficient >= target,
        }
    });

    // Deadline and forecast.
    let deadline = p.deadline.or(p.desired_outcome.as_ref().map(|o| o.by));
    let (measure, progress, target) = match (&proficiency, &p.desired_outcome) {
        (Some(pr), Some(o)) => (
            "proficient",
            pr.proficient,
            (o.share_per_mille as u64 * n as u64).div_ceil(1000) as u32,
        ),
        _ => ("completed", completed_n, n),
    };
    let start = aud
        .iter()
        .filter_map(|id| p.learners.get(id).map(|l| l.enrolled_on))
        .min();
    let elapsed = start.map(|s| (today - s).num_days().max(1));
    let pace = elapsed.map(|e| progress as f64 / e as f64);
    let forecast = match pace {
        Some(pace) if pace > 0.0 => {
            let remaining = target.saturating_sub(progress) as f64;
            Some(today + chrono::Duration::days((remaining / pace).ceil() as i64))
        }
        _ => None,
    };
    let status = if target > 0 && progress >= target {
        DeadlineStatus::Achieved
    } else if let Some(d) = deadline {
        if today > d {
            DeadlineStatus::Late
        } else {
            match forecast {
                Some(f) if f <= d => DeadlineStatus::OnTrack,
                Some(f) if (f - d).num_days() <= AT_RISK_GRACE_DAYS => DeadlineStatus::AtRisk,
                Some(_) => DeadlineStatus::Late,
                None => DeadlineStatus::AtRisk,
            }
        }
    } else {
        DeadlineStatus::NoDeadline
    };
    let deadline_view = DeadlineView {
        deadline,
        changes: p
            .deadline_changes
            .iter()
            .filter(|c| c.previous.is_some())
            .count() as u32,
        measure,
        progress,
        target,
        start,
        pace_per_week: pace.map(|x| round3(x * 7.0)),
        forecast,
        status,
    };

    // Follow-ups.
    let mut fu = FollowUps::default();
    for (fid, f) in &p.follow_ups {
        if f.completed.is_some() {
            fu.completed += 1;
            continue;
        }
        if is_leaver(org, &f.person, today) {
            continue;
        }
        fu.open += 1;
        let days_overdue = (today - f.due).num_days();
        let row = FollowUpRow {
            follow_up: fid.clone(),
            person: f.person.clone(),
            name: name(&f.person),
            due: f.due,
            days_overdue,
            purpose: f.purpose.clone(),
        };
        if days_overdue > 0 {
            fu.overdue.push(row);
        } else if -days_overdue <= DUE_SOON_DAYS {
            fu.due_soon.push(row);
        }
    }
    fu.overdue
        .sort_by(|a, b| (a.due, &a.follow_up).cmp(&(b.due, &b.follow_up)));
    fu.due_soon
        .sort_by(|a, b| (a.due, &a.follow_up).cmp(&(b.due, &b.follow_up)));

    // Practice and retention.
    let mut practice = PracticeView::default();
    let mut sum = 0.0;
    let mut with_trace = 0;
    for id in &aud {
        let mut days: BTreeSet<NaiveDate> = p
            .sessions
            .values()
            .filter(|s| {
                s.status == SessionStatus::Held && s.attendance.get(id).is_some_and(|a| a.present)
            })
            .filter_map(session_day)
            .collect();
        let mut minutes = 0;
        for pair in p.pairs.values().filter(|x| &x.mentee == id) {
            days.extend(pair.coaching.values().filter_map(|c| {
                c.time
                    .start_local
                    .get(..10)
                    .and_then(|d| d.parse::<NaiveDate>().ok())
            }));
        }
        for x in p.practice.iter().filter(|x| &x.person == id) {
            days.insert(x.on);
            minutes += x.minutes;
        }
        days.retain(|d| *d <= today);
        practice.minutes += minutes;
        let day_num = |d: NaiveDate| (d - NaiveDate::MIN).num_days() as f64;
        let retention = days.first().map(|first| {
            let mut trace =
                MemoryTrace::trained(retention::skill(SkillMeasure::Mixed), day_num(*first));
            for d in days.iter().skip(1) {
                trace.practise(day_num(*d));
            }
            trace.retention(day_num(today))
        });
        if let Some(r) = retention {
            sum += r;
            with_trace += 1;
        }
        let last = days.last().copied();
        practice.learners.push(PracticeRow {
            person: id.clone(),
            name: name(id),
            last_exposure: last,
            days_since: last.map(|d| (today - d).num_days()),
            minutes,
            retention: retention.map(round3),
        });
    }
    practice.mean_retention = (with_trace > 0).then(|| round3(sum / with_trace as f64));

    // Trainer load.
    let trainers = p
        .trainers
        .iter()
        .map(|(id, t)| {
            let mut row = TrainerRow {
                person: id.clone(),
                name: name(id),
                status: t.status,
                sessions_held: 0,
                minutes_taught: 0,
                sessions_upcoming: 0,
                pairs: 0,
                coaching_sessions: 0,
            };
            for s in p.sessions.values().filter(|s| s.trainers.contains(id)) {
                match s.status {
                    SessionStatus::Held => {
                        row.sessions_held += 1;
                        row.minutes_taught += s.time.duration_minutes;
                    }
                    SessionStatus::Scheduled if s.time.start > now => row.sessions_upcoming += 1,
                    _ => {}
                }
            }
            for pair in p.pairs.values().filter(|x| &x.mentor == id) {
                row.pairs += 1;
                row.coaching_sessions += pair.coaching.len() as u32;
            }
            row
        })
        .collect();

    // Commitment ledger.
    let mut ledger: BTreeMap<String, LedgerRow> = BTreeMap::new();
    for (learner, c) in &p.commitments {
        let row = ledger
            .entry(c.supervisor.clone())
            .or_insert_with(|| LedgerRow {
                supervisor: c.supervisor.clone(),
                name: name(&c.supervisor),
                ..LedgerRow::default()
            });
        row.learners += 1;
        row.minutes_asked += c.minutes_asked;
        match c.status {
            CommitmentStatus::Committed => row.minutes_committed += c.minutes_committed,
            CommitmentStatus::Declined => row.declined += 1,
            CommitmentStatus::Withdrawn => row.withdrawn += 1,
            CommitmentStatus::Asked => {}
        }
        for s in p
            .sessions
            .values()
            .filter(|s| s.status == SessionStatus::Held)
        {
            match s.attendance.get(learner) {
                Some(a) if a.present => row.minutes_delivered += s.time.duration_minutes,
                Some(a) if a.absence_reason == Some(AbsenceReason::NoReleaseTime) => {
                    row.no_release_time_absences += 1
                }
                _ => {}
            }
        }
    }
    let commitments = ledger
        .into_values()
        .map(|mut r| {
            r.kept = if r.withdrawn > 0 || r.no_release_time_absences > 0 {
                Some(false)
            } else if r.minutes_committed > 0 {
                Some(true)
            } else {
                None
            };
            r
        })
        .collect();

    // Kirkpatrick.
    let mut k = Kirkpatrick::default();
    let (mut rating_sum, mut level_sum) = (0u32, 0u32);
    let mut results: BTreeMap<String, (NaiveDate, String)> = BTreeMap::new();
    for e in &p.evaluations {
        match &e.result {
            EvaluationResult::Reaction { rating } => {
                k.reaction_count += 1;
                rating_sum += *rating as u32;
            }
            EvaluationResult::Learning { skill, skill_level } => {
                k.learning_count += 1;
                level_sum += *skill_level as u32;
                let module_target = e
                    .module
                    .as_ref()
                    .and_then(|m| p.modules.get(m))
                    .and_then(|m| m.skills.iter().find(|t| &t.skill == skill).map(|t| t.level));
                let any_target = p
                    .modules
                    .values()
                    .flat_map(|m| m.skills.iter())
                    .filter(|t| &t.skill == skill)
                    .map(|t| t.level)
                    .max();
                let target = module_target.or(any_target).unwrap_or(outcome_level);
                if *skill_level >= target {
                    k.learning_passed += 1;
                }
            }
            EvaluationResult::Behaviour { applied } => {
                k.behaviour_count += 1;
                if *applied {
                    k.behaviour_applied += 1;
                }
            }
            EvaluationResult::Results { metric, value } => {
                if results.get(metric).is_none_or(|(d, _)| e.on >= *d) {
                    results.insert(metric.clone(), (e.on, value.clone()));
                }
            }
        }
    }
    k.reaction_mean =
        (k.reaction_count > 0).then(|| round3(rating_sum as f64 / k.reaction_count as f64));
    k.learning_mean_level =
        (k.learning_count > 0).then(|| round3(level_sum as f64 / k.learning_count as f64));
    k.results = results.into_iter().map(|(m, (_, v))| (m, v)).collect();

    let mentoring = (p.kind == ProgramKind::Mentoring).then(|| {
        let mut m = MentoringView {
            pairs: p.pairs.len() as u32,
            ..MentoringView::default()
        };
        for pair in p.pairs.values() {
            m.coaching_sessions += pair.coaching.len() as u32;
            m.coaching_minutes += pair
                .coaching
                .values()
                .map(|c| c.time.duration_minutes)
                .sum::<u32>();
            for a in pair.assignments.values() {
                m.assignments += 1;
                if a.done_on.is_some() {
                    m.assignments_done += 1;
                } else if a.due < today {
                    m.assignments_overdue += 1;
                }
            }
        }
        m
    });

    DashboardView {
        program: p.slug.clone(),
        title: p.title.clone(),
        kind: p.kind,
        goal: p.goal.clone(),
        archived: p.archived.is_some(),
        today,
        phases,
        enrolment,
        attendance: att,
        learners,
        completion,
        proficiency,
        deadline: deadline_view,
        follow_ups: fu,
        practice,
        trainers,
        commitments,
        kirkpatrick: k,
        mentoring,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;
    use crate::projections::testlog::TestLog;

    /// A small roll-out whose figures are computed by hand in the test below.
    pub(crate) fn rollout() -> TestLog {
        let mut log = TestLog::new();
        log.at("2026-01-05T09:00:00Z")
            .org(json!({"type": "ConfigureOrganization", "name": "Library", "time_zone": "Europe/Paris"}))
            .org(json!({"type": "AddPerson", "person": "dora", "name": "Dora", "department": "lending", "branch": "central"}))
            .org(json!({"type": "AddPerson", "person": "gus", "name": "Gus", "department": "lending", "branch": "north"}))
            .org(json!({"type": "AddPerson", "person": "bob", "name": "Bob", "department": "cataloguing", "branch": "central"}));
        for (p, sup) in [
            ("ann", "dora"),
            ("carl", "dora"),
            ("fay", "dora"),
            ("hal", "gus"),
            ("eve", "gus"),
        ] {
            log.org(json!({"type": "AddPerson", "person": p, "name": p.to_uppercase(), "department": "lending", "branch": "central", "supervisor": sup}));
        }
        log.org(json!({"type": "AddSkill", "skill": "search", "name": "Searching the catalogue"}))
            .prog("cat", json!({"type": "CreateProgram", "program": "cat", "kind": "training", "title": "Catalogue", "goal": "Everyone searches"}))
            .prog("cat", json!({"type": "SetDeadline", "deadline": "2026-05-15"}))
            .prog("cat", json!({"type": "MarkStep", "step": "identify_goal"}))
            .prog("cat", json!({"type": "InviteTrainer", "person": "bob"}))
            .prog("cat", json!({"type": "AcceptInvitation", "person": "bob"}))
            .prog("cat", json!({"type": "DefineModule", "module": "m-1", "title": "Search", "skills": [{"skill": "search", "level": 2}]}))
            .prog("cat", json!({"type": "DefineModule", "module": "m-2", "title": "Advanced", "skills": [{"skill": "search", "level": 3}], "required": false}))
            .prog("cat", json!({"type": "SetDesiredOutcome", "skill": "search", "level": 2, "share_per_mille": 750, "by": "2026-06-30"}));
        log.at("2026-02-01T09:00:00Z");
        for p in ["ann", "carl", "fay", "hal", "eve"] {
            log.prog("cat", json!({"type": "EnrolLearner", "person": p}));
        }
        log.prog(
            "cat",
            json!({"type": "AskCommitment", "learner": "ann", "minutes": 240}),
        )
        .prog(
            "cat",
            json!({"type": "CommitReleaseTime", "learner": "ann", "minutes": 240}),
        )
        .prog(
            "cat",
            json!({"type": "AskCommitment", "learner": "fay", "minutes": 240}),
        )
        .prog(
            "cat",
            json!({"type": "CommitReleaseTime", "learner": "fay", "minutes": 240}),
        )
        .prog(
            "cat",
            json!({"type": "AskCommitment", "learner": "hal", "minutes": 120}),
        )
        .prog(
            "cat",
            json!({"type": "DeclineCommitment", "learner": "hal", "reason": "summer"}),
        )
        .prog(
            "cat",
            json!({"type": "SetDeadline", "deadline": "2026-06-30", "reason": "vendor late"}),
        );
        let session = |id: &str, module: &str, start: &str, invitees: serde_json::Value| {
            json!({"type": "ScheduleSession", "session": id, "module": module, "trainers": ["bob"], "start": start,
                   "duration_minutes": 120, "location": "Room 1", "capacity": 10, "invitees": invitees})
        };
        log.prog(
            "cat",
            session(
                "s-1",
                "m-1",
                "2026-03-02T09:30",
                json!(["ann", "carl", "fay", "hal", "eve"]),
            ),
        )
        .prog(
            "cat",
            session("s-2", "m-1", "2026-03-09T09:30", json!(["fay"])),
        )
        .prog(
            "cat",
            session("s-3", "m-2", "2026-04-20T09:30", json!(["ann"])),
        )
        .prog(
            "cat",
            session("s-4", "m-1", "2026-05-04T09:30", json!(["fay"])),
        );
        log.at("2026-03-02T12:00:00Z").prog(
            "cat",
            json!({"type": "HoldSession", "session": "s-1", "attendance": [
                {"person": "ann", "present": true}, {"person": "carl", "present": true},
                {"person": "fay", "present": false, "absence_reason": "no_release_time"},
                {"person": "hal", "present": true}, {"person": "eve", "present": false, "absence_reason": "illness"}]}),
        );
        log.at("2026-03-05T12:00:00Z");
        for (p, l) in [("ann", 2), ("carl", 1), ("hal", 3)] {
            log.prog("cat", json!({"type": "RecordEvaluation", "person": p, "module": "m-1", "result": {"level": "learning", "skill": "search", "skill_level": l}}));
        }
        log.prog("cat", json!({"type": "RecordEvaluation", "person": "ann", "result": {"level": "reaction", "rating": 4}}))
            .prog("cat", json!({"type": "RecordEvaluation", "person": "carl", "result": {"level": "reaction", "rating": 5}}))
            .prog("cat", json!({"type": "RecordEvaluation", "person": "ann", "result": {"level": "behaviour", "applied": true}}));
        log.at("2026-03-09T12:00:00Z").prog(
            "cat",
            json!({"type": "HoldSession", "session": "s-2", "attendance": [{"person": "fay", "present": false, "absence_reason": "no_release_time"}]}),
        );
        log.at("2026-03-10T12:00:00Z")
            .prog("cat", json!({"type": "CancelSession", "session": "s-3", "reason": "trainer ill"}))
            .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-1", "person": "ann", "due": "2026-03-20", "purpose": "use"}))
            .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-2", "person": "carl", "due": "2026-04-10", "purpose": "use"}))
            .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-3", "person": "hal", "due": "2026-05-30", "purpose": "use"}))
            .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-4", "person": "eve", "due": "2026-03-25", "purpose": "use"}))
            .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-5", "person": "ann", "due": "2026-03-10", "purpose": "first"}))
            .prog("cat", json!({"type": "CompleteFollowUp", "follow_up": "f-5", "notes": "fine"}))
            .org(json!({"type": "RecordDeparture", "person": "eve", "on": "2026-03-15"}))
            .prog("cat", json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 30, "on": "2026-03-16"}))
            .prog("cat", json!({"type": "LogPractice", "person": "carl", "skill": "search", "kind": "real_use", "minutes": 20, "on": "2026-03-20"}))
            .prog("cat", json!({"type": "RecordEvaluation", "result": {"level": "results", "metric": "records-per-hour", "value": "12.5"}, "on": "2026-03-20"}))
            .prog("cat", json!({"type": "RecordEvaluation", "result": {"level": "results", "metric": "records-per-hour", "value": "14"}, "on": "2026-03-28"}));
        log
    }

    fn now() -> Timestamp {
        Timestamp::parse_strict("2026-04-01T10:00:00.000000Z").unwrap()
    }

    #[test]
    fn hand_computed_dashboard() {
        let log = rollout();
        let d = log.replay(Dashboard::new("cat")).result(now()).unwrap();
        assert_eq!(d.today.to_string(), "2026-04-01");
        // Audience: ann, carl, fay, hal (eve's last day, 15 March, is before today).
        assert_eq!(
            (
                d.enrolment.enrolled,
                d.enrolment.withdrawn,
                d.enrolment.leavers,
                d.enrolment.audience
            ),
            (5, 0, 1, 4)
        );
        // s-1: 4 audience invitations, 3 present (eve left out); s-2: fay absent. 3 / 5 = 0.6.
        let a = &d.attendance;
        assert_eq!(
            (a.sessions, a.held, a.cancelled, a.upcoming, a.unrecorded),
            (4, 2, 1, 1, 0)
        );
        assert_eq!((a.expected, a.present, a.rate), (5, 3, Some(0.6)));
        assert_eq!(
            a.absences,
            BTreeMap::from([(AbsenceReason::NoReleaseTime, 2)])
        );
        // m-1 is the only required module (target 2): ann (2) and hal (3) attended and passed;
        // carl attended but scored 1; fay never attended. 2 of 4.
        let done: Vec<_> = d
            .learners
            .iter()
            .filter(|l| l.completed)
            .map(|l| l.person.as_str())
            .collect();
        assert_eq!(done, ["ann", "hal"]);
        assert_eq!(
            (
                d.completion.completed,
                d.completion.audience,
                d.completion.rate
            ),
            (2, 4, Some(0.5))
        );
        // Proficient in search ≥ 2: ann and hal (assessed by their evaluations). Target: ceil(0.75 × 4) = 3.
        let pr = d.proficiency.as_ref().unwrap();
        assert_eq!(
            (pr.proficient, pr.audience, pr.share, pr.met),
            (2, 4, Some(0.5), false)
        );
        // Pace: 2 in 59 days (1 Feb → 1 Apr); 1 to go → ceil(59 / 2) = 30 days → 1 May, before 30 June.
        let dl = &d.deadline;
        assert_eq!(
            (dl.measure, dl.progress, dl.target, dl.changes),
            ("proficient", 2, 3, 1)
        );
        assert_eq!(dl.deadline.unwrap().to_string(), "2026-06-30");
        assert_eq!(dl.start.unwrap().to_string(), "2026-02-01");
        assert_eq!(dl.pace_per_week, Some(0.237)); // 14 / 59
        assert_eq!(dl.forecast.unwrap().to_string(), "2026-05-01");
        assert_eq!(dl.status, DeadlineStatus::OnTrack);
        // Follow-ups: f-1 overdue by 12 days, f-2 due in 9 days, f-3 open later, f-4 is a
        // leaver's (left out), f-5 completed.
        let f = &d.follow_ups;
        assert_eq!((f.open, f.completed), (3, 1));
        assert_eq!(
            f.overdue
                .iter()
                .map(|r| (r.follow_up.as_str(), r.days_overdue))
                .collect::<Vec<_>>(),
            [("f-1", 12)]
        );
        assert_eq!(
            f.due_soon
                .iter()
                .map(|r| (r.follow_up.as_str(), r.days_overdue))
                .collect::<Vec<_>>(),
            [("f-2", -9)]
        );
        // Retention (mixed, h0 = 3 / 334.84 per day, f = 0.5):
        //   ann: trained 2 Mar, practised 16 Mar → (1 + 0.8·h0·16)^(−1/2) = 0.947;
        //   carl: 2 Mar, 20 Mar → (1 + 0.8·h0·12)^(−1/2) = 0.960;
        //   hal: 2 Mar only → (1 + h0·30)^(−1/2) = 0.888; fay: none. Mean 0.932.
        let pr: Vec<_> = d
            .practice
            .learners
            .iter()
            .map(|r| (r.person.as_str(), r.days_since, r.retention))
            .collect();
        assert_eq!(
            pr,
            [
                ("ann", Some(16), Some(0.947)),
                ("carl", Some(12), Some(0.96)),
                ("fay", None, None),
                ("hal", Some(30), Some(0.888))
            ]
        );
        assert_eq!(
            (d.practice.mean_retention, d.practice.minutes),
            (Some(0.932), 50)
        );
        // Bob taught s-1 and s-2 (2 × 120 min); s-4 is still to come; s-3 was cancelled.
        let t = &d.trainers[0];
        assert_eq!(
            (
                t.person.as_str(),
                t.sessions_held,
                t.minutes_taught,
                t.sessions_upcoming
            ),
            ("bob", 2, 240, 1)
        );
        // Dora: ann and fay, 480 asked and committed, 120 delivered (ann at s-1), fay absent
        // twice for no release time → not kept. Gus: hal, 120 asked, declined, 120 delivered.
        let l = &d.commitments;
        assert_eq!(l.len(), 2);
        assert_eq!(
            (
                l[0].supervisor.as_str(),
                l[0].learners,
                l[0].minutes_asked,
                l[0].minutes_committed,
                l[0].minutes_delivered,
                l[0].no_release_time_absences,
                l[0].kept
            ),
            ("dora", 2, 480, 480, 120, 2, Some(false))
        );
        assert_eq!(
            (
                l[1].supervisor.as_str(),
                l[1].minutes_asked,
                l[1].minutes_committed,
                l[1].minutes_delivered,
                l[1].declined,
                l[1].kept
            ),
            ("gus", 120, 0, 120, 1, None)
        );
        // Kirkpatrick: ratings 4 and 5 → 4.5; levels 2, 1, 3 → mean 2, two at or above 2;
        // one behaviour, applied; the latest result is 14.
        let k = &d.kirkpatrick;
        assert_eq!((k.reaction_count, k.reaction_mean), (2, Some(4.5)));
        assert_eq!(
            (k.learning_count, k.learning_passed, k.learning_mean_level),
            (3, 2, Some(2.0))
        );
        assert_eq!((k.behaviour_count, k.behaviour_applied), (1, 1));
        assert_eq!(
            k.results,
            BTreeMap::from([("records-per-hour".to_string(), "14".to_string())])
        );
        assert!(d.phases[0].done && !d.phases[1].done);
    }

    #[test]
    fn forecast_thresholds() {
        let status = |deadline: &str, now: &str| {
            let mut log = rollout();
            log.at(now).prog(
                "cat",
                json!({"type": "SetDeadline", "deadline": deadline, "reason": "test"}),
            );
            let d = log
                .replay(Dashboard::new("cat"))
                .result(Timestamp::parse_lenient(now).unwrap())
                .unwrap();
            (
                d.deadline.forecast.map(|f| f.to_string()),
                d.deadline.status,
            )
        };
        let forecast = Some("2026-05-01".to_string());
        // The forecast (1 May, see above) against various deadlines, on 1 April.
        assert_eq!(
            status("2026-05-01", "2026-04-01T10:00:00Z"),
            (forecast.clone(), DeadlineStatus::OnTrack)
        );
        assert_eq!(
            status("2026-04-30", "2026-04-01T10:00:00Z"),
            (forecast.clone(), DeadlineStatus::AtRisk)
        );
        // 30 days after the deadline is still "at risk" (the grace is inclusive).
        assert_eq!(
            status("2026-04-01", "2026-04-01T10:00:00Z"),
            (forecast, DeadlineStatus::AtRisk)
        );
        // On 1 December: 2 in 303 days; 1 to go → ceil(151.5) = 152 days → 2 May 2027.
        assert_eq!(
            status("2027-06-30", "2026-12-01T10:00:00Z"),
            (Some("2027-05-02".into()), DeadlineStatus::OnTrack)
        );
        // 62 days after a 1 March deadline: late.
        assert_eq!(
            status("2027-03-01", "2026-12-01T10:00:00Z"),
            (Some("2027-05-02".into()), DeadlineStatus::Late)
        );
        // A passed deadline is late whatever the forecast.
        let log = rollout();
        let late = log
            .replay(Dashboard::new("cat"))
            .result(Timestamp::parse_lenient("2026-07-01T10:00:00Z").unwrap())
            .unwrap();
        assert_eq!(late.deadline.status, DeadlineStatus::Late);
        // A third proficient learner reaches the target: achieved.
        let mut log = rollout();
        log.at("2026-03-31T10:00:00Z")
            .org(json!({"type": "AssessSkill", "person": "fay", "skill": "search", "level": 2, "source": "supervisor"}));
        let done = log.replay(Dashboard::new("cat")).result(now()).unwrap();
        assert_eq!(
            (done.deadline.progress, done.deadline.status),
            (3, DeadlineStatus::Achieved)
        );
        assert!(done.proficiency.unwrap().met);
    }

    #[test]
    fn hand_computed_mentoring_dashboard() {
        let mut log = TestLog::new();
        log.at("2026-01-05T09:00:00Z")
            .org(json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "UTC"}));
        for p in ["bob", "mia", "ann", "carl", "dan"] {
            log.org(json!({"type": "AddPerson", "person": p, "name": p, "department": "d", "branch": "b"}));
        }
        log.org(json!({"type": "AddSkill", "skill": "reports", "name": "Reports"}))
            .prog("men", json!({"type": "CreateProgram", "program": "men", "kind": "mentoring", "title": "Reports"}))
            .prog("men", json!({"type": "SetDesiredOutcome", "skill": "reports", "level": 3, "share_per_mille": 500, "by": "2026-06-30"}));
        for m in ["bob", "mia"] {
            log.prog("men", json!({"type": "InviteTrainer", "person": m}))
                .prog("men", json!({"type": "AcceptInvitation", "person": m}));
        }
        log.at("2026-02-01T09:00:00Z")
            .prog("men", json!({"type": "PairMentee", "pair": "p-1", "mentor": "bob", "mentee": "ann"}))
            .prog("men", json!({"type": "PairMentee", "pair": "p-2", "mentor": "mia", "mentee": "carl"}))
            .prog("men", json!({"type": "PairMentee", "pair": "p-3", "mentor": "bob", "mentee": "dan"}))
            .prog("men", json!({"type": "AssessNeeds", "pair": "p-1", "goals": ["monthly report"], "desired_outcomes": ["alone by May"]}))
            .prog("men", json!({"type": "RecordBaseline", "pair": "p-1", "already_knows": ["search"], "already_works": []}))
            .prog("men", json!({"type": "SetPriorities", "pair": "p-1", "priorities": ["report"]}))
            .prog("men", json!({"type": "GiveAssignment", "pair": "p-1", "assignment": "a-1", "description": "draft", "due": "2026-02-20"}))
            .prog("men", json!({"type": "GiveAssignment", "pair": "p-2", "assignment": "a-1", "description": "draft", "due": "2026-03-01"}));
        log.at("2026-03-01T09:00:00Z")
            .prog("men", json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-1", "start": "2026-02-10T10:00", "duration_minutes": 60}))
            .prog("men", json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-2", "start": "2026-02-24T10:00", "duration_minutes": 60}))
            .prog("men", json!({"type": "HoldCoachingSession", "pair": "p-2", "session": "c-1", "start": "2026-02-12T10:00", "duration_minutes": 45}))
            .prog("men", json!({"type": "CompleteAssignment", "pair": "p-1", "assignment": "a-1", "on": "2026-02-19"}));
        for (p, l) in [("ann", 3), ("carl", 3), ("dan", 2)] {
            log.prog("men", json!({"type": "RecordEvaluation", "person": p, "result": {"level": "learning", "skill": "reports", "skill_level": l}}));
        }
        log.org(json!({"type": "RecordDeparture", "person": "dan", "on": "2026-03-15"}));
        let d = log.replay(Dashboard::new("men")).result(now()).unwrap();
        // Audience: ann and carl (dan left). ann: assignment done and level 3 ≥ 3 → completed;
        // carl's assignment is still open → not completed. 1 of 2.
        assert_eq!(
            (
                d.enrolment.enrolled,
                d.enrolment.leavers,
                d.enrolment.audience
            ),
            (3, 1, 2)
        );
        assert_eq!((d.completion.completed, d.completion.rate), (1, Some(0.5)));
        // Both are at level 3; the target is ceil(0.5 × 2) = 1: achieved.
        let pr = d.proficiency.as_ref().unwrap();
        assert_eq!((pr.proficient, pr.share, pr.met), (2, Some(1.0), true));
        assert_eq!(d.deadline.status, DeadlineStatus::Achieved);
        let m = d.mentoring.as_ref().unwrap();
        assert_eq!(
            (
                m.pairs,
                m.coaching_sessions,
                m.coaching_minutes,
                m.assignments,
                m.assignments_done,
                m.assignments_overdue
            ),
            (3, 3, 165, 2, 1, 1)
        );
        let load: Vec<_> = d
            .trainers
            .iter()
            .map(|t| (t.person.as_str(), t.pairs, t.coaching_sessions))
            .collect();
        assert_eq!(load, [("bob", 2, 2), ("mia", 1, 1)]);
        // Coaching days are exposures: ann 10 and 24 Feb → 36 days at 0.8·h0: 0.892; carl
        // 12 Feb → 48 days at h0: 0.836. Mean 0.864.
        let r: Vec<_> = d
            .practice
            .learners
            .iter()
            .map(|x| (x.person.as_str(), x.retention))
            .collect();
        assert_eq!(r, [("ann", Some(0.892)), ("carl", Some(0.836))]);
        assert_eq!(d.practice.mean_retention, Some(0.864));
        assert_eq!(d.phases.len(), 6);
    }

    #[test]
    fn no_progress_is_at_risk() {
        let mut log = TestLog::new();
        log.org(json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "UTC"}))
            .org(json!({"type": "AddPerson", "person": "ann", "name": "Ann", "department": "d", "branch": "b"}))
            .prog("p", json!({"type": "CreateProgram", "program": "p", "kind": "training", "title": "P"}))
            .prog("p", json!({"type": "SetDeadline", "deadline": "2026-06-30"}))
            .prog("p", json!({"type": "EnrolLearner", "person": "ann"}));
        let d = log.replay(Dashboard::new("p")).result(now()).unwrap();
        assert_eq!(
            (d.deadline.measure, d.deadline.progress, d.deadline.target),
            ("completed", 0, 1)
        );
        assert_eq!(
            (d.deadline.forecast, d.deadline.status),
            (None, DeadlineStatus::AtRisk)
        );
        assert_eq!(
            (
                d.attendance.rate,
                d.completion.rate,
                d.practice.mean_retention
            ),
            (None, Some(0.0), None)
        );
    }

    #[test]
    fn other_programs_do_not_leak_in() {
        let mut log = rollout();
        log.prog("other", json!({"type": "CreateProgram", "program": "other", "kind": "mentoring", "title": "Other"}));
        let d = log.replay(Dashboard::new("cat")).result(now()).unwrap();
        assert_eq!(d.program, "cat");
        assert!(log.replay(Dashboard::new("nope")).result(now()).is_none());
    }
}
