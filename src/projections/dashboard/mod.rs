//! The program dashboard.
//!
//! "Now" is an argument. It decides what is *due*, *overdue*, *upcoming*, *late*, and the day
//! retention is read on; it does not filter events: every event folded counts. For
//! `dashboard --as-of T` (what had happened by business time T), fold the events with
//! `occurred_at ≤ T` and pass T as now. Rates, shares, means and retentions are rounded to three
//! decimals.
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
//! - **Practice recency**: an audience member's *exposures* are, up to today and per skill,
//!   the held sessions of this program they attended (on the session's local date; each skill
//!   its module teaches, the session's minutes shared evenly among them), the practice they
//!   logged in it (its skill, its minutes) and, in a mentoring program, their pair's coaching
//!   sessions (each of the mentee's skills in the program — the desired outcome's, those of
//!   their level-2 evaluations and of their logged practice in it — the minutes shared evenly).
//!   Exposures on one day add up.
//! - **Estimated retention**: one retention trace per audience member and skill
//!   ([`retention::program_trace`]: mixed measures, half-life 11 months, trained on the first
//!   exposure; each later day restores `dose = min(1, minutes / 60)` of what was lost and slows
//!   later decay by up to 20 %, in proportion to the dose and to the gap against the optimal
//!   gap for a six-month retention interval), read today. Practising one skill refreshes no
//!   other. A learner's **retention** is that of their weakest skill (the lowest; ties by
//!   skill id); the **mean** is over the learners with a trace; **by skill**, the learners with
//!   a trace in that skill and their mean retention in it; **traces** lists every learner's
//!   every skill.
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

use crate::domain::events::DesiredOutcome;
use crate::domain::events::{AbsenceReason, EvaluationResult, PhaseStep, ProgramKind};
use crate::domain::program::{CommitmentStatus, SessionStatus};
use crate::domain::retention;
use crate::domain::{today, Event, EventMeta, Organization, Program, StreamId, Timestamp};

use super::world::World;
use super::{round3, Projection};

mod view;
pub use view::*;

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

    /// Whether this is the dashboard of the program `slug`.
    pub fn is_for(&self, slug: &str) -> bool {
        StreamId::program(slug).is_some_and(|s| s.as_str() == self.stream)
    }

    /// Whether the program exists (its `ProgramCreated` was folded).
    pub fn program_exists(&self) -> bool {
        !self.world.programs.is_empty()
    }

    /// Whether an event folded on top of a saved fold needed what that fold left out (see
    /// [`World::is_stale`]).
    pub fn is_stale(&self) -> bool {
        self.world.is_stale()
    }

    /// The organization as folded so far.
    pub fn organization(&self) -> &Organization {
        &self.world.org
    }

    /// The program as folded so far; `None` while it does not exist.
    pub fn program(&self) -> Option<&Program> {
        self.world.programs.values().next()
    }

    /// The dashboard as of `now`; `None` while the program does not exist.
    pub fn result(&self, now: Timestamp) -> Option<DashboardView> {
        let p = self.world.programs.values().next()?;
        Some(compute(&self.world.org, p, now))
    }

    /// Whether the desired outcome's target is met as of `now` (the view's deadline status
    /// `achieved`, without computing the view); `None` without a program or an outcome.
    pub fn outcome_met(&self, now: Timestamp) -> Option<bool> {
        let p = self.world.programs.values().next()?;
        let o = p.desired_outcome.as_ref()?;
        let org = &self.world.org;
        let aud = audience(org, p, today(org, now));
        let target = outcome_target(o, aud.len() as u32);
        Some(target > 0 && proficient_count(org, &aud, o) >= target)
    }
}

/// How many of the audience `aud` are proficient in the outcome `o`'s skill.
fn proficient_count(org: &Organization, aud: &BTreeSet<String>, o: &DesiredOutcome) -> u32 {
    aud.iter()
        .filter(|id| {
            org.assessments
                .get(*id)
                .and_then(|m| m.get(&o.skill))
                .is_some_and(|a| a.level >= o.level)
        })
        .count() as u32
}

/// The outcome `o`'s target for an audience of `n`: `ceil(share_per_mille × n ÷ 1000)`.
fn outcome_target(o: &DesiredOutcome, n: u32) -> u32 {
    (o.share_per_mille as u64 * n as u64).div_ceil(1000) as u32
}

impl Projection for Dashboard {
    fn update(&mut self, meta: &EventMeta, ev: &Event) {
        if meta.stream == StreamId::ORGANIZATION || meta.stream == self.stream {
            self.world.update(meta, ev);
        }
    }
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

/// The day as the retention model counts days.
pub fn day_number(d: NaiveDate) -> f64 {
    (d - NaiveDate::MIN).num_days() as f64
}

/// The estimated-retention trace of one skill's exposures (minutes per day, as
/// [`exposures`] gives them); `None` without exposures.
pub fn trace(days: &BTreeMap<NaiveDate, f64>) -> Option<retention::SpacedTrace> {
    retention::program_trace(days.iter().map(|(d, m)| (day_number(*d), *m)))
}

/// The commitment ledger of `p`: per supervisor, the release time asked, promised and
/// delivered (minutes of held sessions the learner attended), and whether it was kept.
pub fn ledger(org: &Organization, p: &Program) -> Vec<LedgerRow> {
    let mut ledger: BTreeMap<String, LedgerRow> = BTreeMap::new();
    for (learner, c) in &p.commitments {
        let row = ledger
            .entry(c.supervisor.clone())
            .or_insert_with(|| LedgerRow {
                supervisor: c.supervisor.clone(),
                name: org.name_of(&c.supervisor),
                ..LedgerRow::default()
            });
        let figures = learner_ledger(p, learner, c);
        row.learners += 1;
        row.minutes_asked = row.minutes_asked.saturating_add(figures.minutes_asked);
        row.minutes_committed = row
            .minutes_committed
            .saturating_add(figures.minutes_committed);
        row.minutes_delivered = row
            .minutes_delivered
            .saturating_add(figures.minutes_delivered);
        row.no_release_time_absences = row
            .no_release_time_absences
            .saturating_add(figures.no_release_time_absences);
        match c.status {
            CommitmentStatus::Declined => row.declined += 1,
            CommitmentStatus::Withdrawn => row.withdrawn += 1,
            CommitmentStatus::Committed | CommitmentStatus::Asked => {}
        }
    }
    ledger
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
        .collect()
}

/// One learner's share of their supervisor's ledger row. The ledger sums these, and the
/// commitments CSV prints them, so the two always agree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LearnerLedger {
    /// Minutes asked.
    pub minutes_asked: u32,
    /// Minutes promised and still standing: zero unless the commitment is `Committed` (a
    /// withdrawn or declined promise no longer counts).
    pub minutes_committed: u32,
    /// Minutes of held sessions the learner attended.
    pub minutes_delivered: u32,
    /// Held sessions they missed for want of release time.
    pub no_release_time_absences: u32,
}

/// The ledger figures of `learner`, whose commitment record is `c`.
pub fn learner_ledger(
    p: &Program,
    learner: &str,
    c: &crate::domain::program::Commitment,
) -> LearnerLedger {
    let mut figures = LearnerLedger {
        minutes_asked: c.minutes_asked,
        minutes_committed: match c.status {
            CommitmentStatus::Committed => c.minutes_committed,
            _ => 0,
        },
        ..LearnerLedger::default()
    };
    for s in p
        .sessions
        .values()
        .filter(|s| s.status == SessionStatus::Held)
    {
        match s.attendance.get(learner) {
            Some(a) if a.present => {
                figures.minutes_delivered = figures
                    .minutes_delivered
                    .saturating_add(s.time.duration_minutes)
            }
            Some(a) if a.absence_reason == Some(AbsenceReason::NoReleaseTime) => {
                figures.no_release_time_absences += 1
            }
            _ => {}
        }
    }
    figures
}

/// The exposures of `person` in `p` up to `today`, per skill: the minutes on each day (see the
/// definitions at the top). A held session the person attended exposes each skill its module
/// teaches, its minutes shared evenly among them; a logged practice exposes its skill; a coaching
/// session of the person's pair exposes each of the mentee's skills in the program (the desired
/// outcome's, and those of their level-2 evaluations and logged practice in it), shared evenly.
pub fn exposures(
    p: &Program,
    person: &str,
    today: NaiveDate,
) -> BTreeMap<String, BTreeMap<NaiveDate, f64>> {
    let mut out: BTreeMap<String, BTreeMap<NaiveDate, f64>> = BTreeMap::new();
    let mut add = |skills: &[&str], day: Option<NaiveDate>, minutes: f64| {
        let Some(day) = day.filter(|d| *d <= today) else {
            return;
        };
        for s in skills {
            let share = minutes / skills.len() as f64;
            *out.entry(s.to_string())
                .or_default()
                .entry(day)
                .or_insert(0.0) += share;
        }
    };
    for s in p.sessions.values().filter(|s| {
        s.status == SessionStatus::Held && s.attendance.get(person).is_some_and(|a| a.present)
    }) {
        let skills: Vec<&str> = p
            .modules
            .get(&s.module)
            .map(|m| m.skills.iter().map(|t| t.skill.as_str()).collect())
            .unwrap_or_default();
        add(&skills, session_day(s), s.time.duration_minutes as f64);
    }
    let practised = p.practice.iter().filter(|x| x.person == person);
    for x in practised.clone() {
        add(&[x.skill.as_str()], Some(x.on), x.minutes as f64);
    }
    let pairs: Vec<_> = p.pairs.values().filter(|x| x.mentee == person).collect();
    if !pairs.is_empty() {
        let mut skills: BTreeSet<&str> = practised.map(|x| x.skill.as_str()).collect();
        skills.extend(p.desired_outcome.as_ref().map(|o| o.skill.as_str()));
        for e in &p.evaluations {
            if let (Some(who), EvaluationResult::Learning { skill, .. }) = (&e.person, &e.result) {
                if who == person {
                    skills.insert(skill);
                }
            }
        }
        let skills: Vec<&str> = skills.into_iter().collect();
        for c in pairs.iter().flat_map(|x| x.coaching.values()) {
            let day = c.time.start_local.get(..10).and_then(|d| d.parse().ok());
            add(&skills, day, c.time.duration_minutes as f64);
        }
    }
    out
}

/// One learner's progress toward completion: required modules attended, whether the
/// evaluation passed, and whether the learner completed (the definitions at the top).
fn learner_completion(
    p: &Program,
    id: &str,
    required: &[&crate::domain::events::ModuleDefined],
    outcome_level: u8,
) -> (u32, bool, bool) {
    match p.kind {
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
            let pair = p.pairs.values().find(|x| x.mentee == id);
            let passed = latest_learning_any(p, id).is_some_and(|l| l >= outcome_level);
            let done = pair.is_some_and(|x| x.assignments.values().all(|a| a.done_on.is_some()));
            (0, passed, pair.is_some() && done && passed)
        }
    }
}

/// Whether the learner `id` of `p` completed it, as the dashboard counts it (without
/// computing the whole dashboard).
pub fn learner_completed(p: &Program, id: &str) -> bool {
    let outcome_level = p.desired_outcome.as_ref().map(|o| o.level).unwrap_or(2);
    p.learners.contains_key(id) && learner_completion(p, id, &required_modules(p), outcome_level).2
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
        let (req_att, passed, completed) = learner_completion(p, id, &required, outcome_level);
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
        let proficient = proficient_count(org, &aud, o);
        let share = rate(proficient, n);
        let target = outcome_target(o, n);
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
        (Some(pr), Some(o)) => ("proficient", pr.proficient, outcome_target(o, n)),
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
    let mut by_skill: BTreeMap<String, (u32, f64)> = BTreeMap::new();
    for id in &aud {
        let minutes = p
            .practice
            .iter()
            .filter(|x| &x.person == id)
            .fold(0u32, |t, x| t.saturating_add(x.minutes));
        practice.minutes = practice.minutes.saturating_add(minutes);
        let mut skills = BTreeMap::new();
        let mut last = None;
        for (skill, days) in exposures(p, id, today) {
            last = last.max(days.keys().next_back().copied());
            if let (Some(r), Some(&d)) = (
                trace(&days).map(|t| t.retention(day_number(today))),
                days.keys().next_back(),
            ) {
                let e = by_skill.entry(skill.clone()).or_insert((0, 0.0));
                e.0 += 1;
                e.1 += r;
                practice.traces.push(TraceRow {
                    person: id.clone(),
                    skill: skill.clone(),
                    last_exposure: d,
                    days_since: (today - d).num_days(),
                    retention: round3(r),
                });
                skills.insert(skill, r);
            }
        }
        // The weakest skill: the lowest retention, ties by skill id.
        let weakest = skills
            .iter()
            .fold(None, |w: Option<(&String, f64)>, (s, &r)| match w {
                Some((_, wr)) if wr <= r => w,
                _ => Some((s, r)),
            });
        if let Some((_, r)) = weakest {
            sum += r;
            with_trace += 1;
        }
        practice.learners.push(PracticeRow {
            person: id.clone(),
            name: name(id),
            last_exposure: last,
            days_since: last.map(|d| (today - d).num_days()),
            minutes,
            retention: weakest.map(|(_, r)| round3(r)),
            weakest_skill: weakest.map(|(s, _)| s.clone()),
        });
    }
    practice.mean_retention = (with_trace > 0).then(|| round3(sum / with_trace as f64));
    practice.by_skill = by_skill
        .into_iter()
        .map(|(skill, (learners, total))| SkillRetention {
            name: org.skills.get(&skill).map(|s| s.name.clone()),
            skill,
            learners,
            mean_retention: round3(total / learners as f64),
        })
        .collect();

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
                        row.minutes_taught =
                            row.minutes_taught.saturating_add(s.time.duration_minutes);
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
    let commitments = ledger(org, p);

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
            m.coaching_minutes = pair.coaching.values().fold(m.coaching_minutes, |t, c| {
                t.saturating_add(c.time.duration_minutes)
            });
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
pub(crate) mod tests;
