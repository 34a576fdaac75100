//! A plan in compact form: a training program forked at a day, with indices instead of ids.
//!
//! What happened by the fork day is fact (attendance so far, assessments, answers); what is
//! scheduled after it is simulated. Days are counted from the fork day (day 0).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::events::{AbsenceReason, AssessmentSource, ProgramKind};
use crate::domain::program::{CommitmentStatus, SessionStatus, TrainerStatus};
use crate::domain::{Event, Organization, Program};
use crate::projections::{dashboard, risk};

/// Why a plan cannot be simulated: what it lacks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The program does not exist.
    #[error("the plan has no program")]
    NoProgram,
    /// Only training programs can be simulated.
    #[error("program {0} is a mentoring program; the simulator handles training programs only")]
    Mentoring(String),
    /// No learners in the audience.
    #[error("the plan cannot be simulated: it has no learners (enrol some with EnrolLearner)")]
    NoLearners,
    /// No modules.
    #[error("the plan cannot be simulated: it has no modules (define some with DefineModule)")]
    NoModules,
    /// No desired outcome.
    #[error(
        "the plan cannot be simulated: it has no desired outcome (set one with SetDesiredOutcome)"
    )]
    NoOutcome,
    /// No required module teaches the outcome's skill.
    #[error("the plan cannot be simulated: no required module teaches the outcome's skill `{0}`")]
    NoModuleForOutcome(String),
    /// No trainer.
    #[error("the plan cannot be simulated: it has no trainers (invite some with InviteTrainer)")]
    NoTrainers,
}

/// Whether a learner's supervisor promised release time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Release {
    /// Committed (and not withdrawn).
    Committed,
    /// Declined.
    Declined,
    /// Withdrawn before the fork.
    Withdrawn,
    /// Asked and not answered, or never asked.
    Unanswered,
}

/// Where a trainer stood at the fork.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainerAnswer {
    /// Accepted.
    Accepted,
    /// Invited, no answer yet.
    Invited,
    /// Declined or withdrew.
    Gone,
}

/// The desired outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The skill.
    pub skill: String,
    /// Its index in [`Plan::skills`].
    pub skill_index: usize,
    /// The level to reach.
    pub level: u8,
    /// The share of the audience, per mille.
    pub share_per_mille: u16,
}

/// A person of the organization (not a leaver at the fork).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonPlan {
    /// Id.
    pub id: String,
    /// Display name (ties in the truck factor).
    pub name: String,
    /// A recorded last day after the fork.
    pub last_day: Option<i32>,
    /// Latest assessed level per skill (index in [`Plan::skills`]).
    pub levels: Vec<Option<u8>>,
}

/// A learner of the audience.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LearnerPlan {
    /// Index in [`Plan::people`].
    pub person: usize,
    /// Index of their supervisor in [`Plan::supervisors`].
    pub supervisor: Option<usize>,
    /// Release time.
    pub release: Release,
    /// Required modules attended by the fork (bit i = module i).
    pub attended: u64,
    /// The level before training in the outcome's skill, which a level decays toward
    /// ([`crate::projections::risk::level_before_training`], the run's evaluation counted).
    pub before: u8,
    /// Evaluated in the outcome skill below the evaluation level by the fork (needs a retake).
    pub failed: bool,
    /// Evaluated (at or above the evaluation level) by the fork.
    pub evaluated: bool,
    /// The dashboard's exposures to the outcome's skill by the fork (days ≤ 0, minutes), for
    /// the retention trace ([`dashboard::exposures`]).
    pub exposures: Vec<(i32, f64)>,
    /// Their assessments in the outcome's skill by the fork, by date then log order: (day,
    /// level, whether a program's evaluation recorded it); what a go-live before the fork reads.
    pub assessed: Vec<(i32, u8, bool)>,
}

/// A supervisor with commitments in the program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SupervisorPlan {
    /// Index in [`Plan::people`].
    pub person: usize,
    /// Minutes committed standing at the fork.
    pub committed: u32,
    /// A withdrawal or a `no_release_time` absence before the fork (the ledger is not kept).
    pub breached: bool,
    /// Whether the ledger lists them (a commitment was asked).
    pub in_ledger: bool,
}

/// A trainer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrainerPlan {
    /// Index in [`Plan::people`].
    pub person: usize,
    /// Their answer at the fork.
    pub answer: TrainerAnswer,
}

/// A required module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModulePlan {
    /// Id.
    pub id: String,
    /// The target level it teaches in the outcome's skill, if it teaches it.
    pub outcome_target: Option<u8>,
    /// Whether any session of it was scheduled or held by the fork.
    pub has_sessions: bool,
    /// How many skills it teaches (a session's minutes are shared evenly among them, as the
    /// dashboard's exposures are).
    pub skill_count: u32,
}

/// A session still to hold (scheduled at the fork).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionPlan {
    /// Id.
    pub id: String,
    /// Day (from the fork; a start already passed without attendance counts as day 1).
    pub day: i32,
    /// Module index.
    pub module: usize,
    /// Trainer indices (in [`Plan::trainers`]).
    pub trainers: Vec<usize>,
    /// Seats.
    pub capacity: u32,
    /// Invited learners (indices in [`Plan::learners`]) and others (not simulated).
    pub invitees: Vec<usize>,
    /// Invitees that are not in the audience (they are recorded absent).
    pub others: Vec<String>,
    /// Local start time `HH:MM`.
    pub time: String,
    /// Length.
    pub duration_minutes: u32,
    /// Where.
    pub location: String,
}

/// A past session's shape, reused to plan the rounds of unscheduled modules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TemplateSession {
    /// Offset from the template round's first day.
    pub offset: i32,
    /// Trainer indices.
    pub trainers: Vec<usize>,
    /// Seats.
    pub capacity: u32,
    /// Invited learners.
    pub invitees: Vec<usize>,
    /// Local start time.
    pub time: String,
    /// Length.
    pub duration_minutes: u32,
    /// Where.
    pub location: String,
}

/// A training program forked at a day, in compact form.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The program's slug.
    pub program: String,
    /// Its title.
    pub title: String,
    /// Day 0.
    pub fork: NaiveDate,
    /// The deadline (days from the fork).
    pub deadline: i32,
    /// The desired outcome.
    pub outcome: Outcome,
    /// The skill catalogue.
    pub skills: Vec<String>,
    /// Everyone in the organization who had not left by the fork.
    pub people: Vec<PersonPlan>,
    /// The audience at the fork.
    pub learners: Vec<LearnerPlan>,
    /// Supervisors with commitments.
    pub supervisors: Vec<SupervisorPlan>,
    /// Trainers.
    pub trainers: Vec<TrainerPlan>,
    /// Required modules.
    pub modules: Vec<ModulePlan>,
    /// Sessions still to hold, by day then id.
    pub sessions: Vec<SessionPlan>,
    /// The round that unscheduled modules copy, and the day its first session started.
    pub template: Vec<TemplateSession>,
    /// The first day of the latest round of sessions.
    pub template_start: i32,
    /// Staff outside the program (neither learner nor trainer), by id: where hidden experts are.
    pub outsiders: Vec<usize>,
    /// The skill with the fewest holders at the fork (the one hidden experts know).
    pub scarce_skill: usize,
    /// For a fork after the deadline, what the log showed at the end of the deadline's day:
    /// a fact no run changes (set by the shell that forked the plan; `None` otherwise).
    pub at_deadline: Option<AtDeadline>,
    /// For a fork at which the target is already met, the day (≤ 0) at whose end the log first
    /// showed it met: the completion date is history, which no run changes (set by the shell
    /// that forked the plan; `None` otherwise, and then a target met at the fork counts from
    /// the fork's day).
    pub met_on: Option<i32>,
}

/// What the dashboard showed at the end of a deadline's day.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AtDeadline {
    /// Whether progress had reached the target.
    pub met: bool,
    /// Proficient ÷ audience (0 without an audience).
    pub proficient_share: f64,
}

impl Plan {
    /// The completion day of a target met at the fork: the day the log first showed it met
    /// ([`Plan::met_on`]), else the fork's.
    pub fn met_at_fork_on(&self) -> i32 {
        self.met_on.filter(|&d| d <= 0).unwrap_or(0)
    }

    /// The date of a day number.
    pub fn date(&self, day: i32) -> NaiveDate {
        self.fork + chrono::Duration::days(day as i64)
    }

    /// The day number of a date.
    pub fn day(&self, date: NaiveDate) -> i32 {
        (date - self.fork).num_days() as i32
    }

    /// The evaluation level reached by training: the highest target of the required modules
    /// teaching the outcome's skill.
    pub fn evaluation_level(&self) -> u8 {
        self.modules
            .iter()
            .filter_map(|m| m.outcome_target)
            .max()
            .unwrap_or(0)
    }

    /// The bit mask of the modules teaching the outcome's skill.
    pub fn outcome_mask(&self) -> u64 {
        self.modules
            .iter()
            .enumerate()
            .filter(|(_, m)| m.outcome_target.is_some())
            .fold(0, |acc, (i, _)| acc | (1 << i))
    }

    /// All required modules as a bit mask.
    pub fn required_mask(&self) -> u64 {
        (1u64 << self.modules.len()) - 1
    }
}

fn session_date(s: &crate::domain::program::Session) -> Option<NaiveDate> {
    s.time.start_local.get(..10).and_then(|d| d.parse().ok())
}

/// Forks `program` as of the end of `fork` (the organization and program folded up to then).
pub fn fork(org: &Organization, p: &Program, fork: NaiveDate) -> Result<Plan, PlanError> {
    if p.kind == ProgramKind::Mentoring {
        return Err(PlanError::Mentoring(p.slug.clone()));
    }
    let Some(o) = p.desired_outcome.clone() else {
        return Err(PlanError::NoOutcome);
    };
    if p.modules.is_empty() {
        return Err(PlanError::NoModules);
    }
    let aud = dashboard::audience(org, p, fork);
    if aud.is_empty() {
        return Err(PlanError::NoLearners);
    }
    if p.trainers.is_empty() {
        return Err(PlanError::NoTrainers);
    }
    let day = |d: NaiveDate| (d - fork).num_days() as i32;

    let skills: Vec<String> = org.skills.keys().cloned().collect();
    let skill_ix: BTreeMap<&str, usize> = skills
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let Some(&outcome_ix) = skill_ix.get(o.skill.as_str()) else {
        return Err(PlanError::NoModuleForOutcome(o.skill.clone()));
    };

    // People who had not left by the fork, with their latest levels.
    let mut people = Vec::new();
    let mut person_ix: BTreeMap<String, usize> = BTreeMap::new();
    for (id, person) in &org.people {
        if person.left_before(fork) {
            continue;
        }
        let levels = skills
            .iter()
            .map(|s| {
                org.assessments
                    .get(id)
                    .and_then(|m| m.get(s))
                    .map(|a| a.level)
            })
            .collect();
        person_ix.insert(id.clone(), people.len());
        people.push(PersonPlan {
            id: id.clone(),
            name: org.name_of(id),
            last_day: person.left_on.map(day),
            levels,
        });
    }

    // Required modules, in id order.
    let required: Vec<_> = {
        let req: Vec<_> = p.modules.values().filter(|m| m.required).collect();
        if req.is_empty() {
            p.modules.values().collect()
        } else {
            req
        }
    };
    let module_ix: BTreeMap<&str, usize> = required
        .iter()
        .enumerate()
        .map(|(i, m)| (m.module.as_str(), i))
        .collect();
    let modules: Vec<ModulePlan> = required
        .iter()
        .map(|m| ModulePlan {
            id: m.module.clone(),
            outcome_target: m
                .skills
                .iter()
                .filter(|t| t.skill == o.skill)
                .map(|t| t.level)
                .max(),
            has_sessions: p
                .sessions
                .values()
                .any(|s| s.module == m.module && s.status != SessionStatus::Cancelled),
            skill_count: m.skills.len() as u32,
        })
        .collect();
    if modules.iter().all(|m| m.outcome_target.is_none()) {
        return Err(PlanError::NoModuleForOutcome(o.skill.clone()));
    }
    let eval_level = modules
        .iter()
        .filter_map(|m| m.outcome_target)
        .max()
        .unwrap_or(0);

    // Trainers.
    let mut trainers = Vec::new();
    let mut trainer_ix: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, t) in &p.trainers {
        let Some(&person) = person_ix.get(id) else {
            continue;
        };
        trainer_ix.insert(id, trainers.len());
        trainers.push(TrainerPlan {
            person,
            answer: match t.status {
                TrainerStatus::Accepted => TrainerAnswer::Accepted,
                TrainerStatus::Invited => TrainerAnswer::Invited,
                TrainerStatus::Declined | TrainerStatus::Withdrew => TrainerAnswer::Gone,
            },
        });
    }
    if trainers.is_empty() {
        return Err(PlanError::NoTrainers);
    }

    // Supervisors: from the commitments (the ledger's rows).
    let mut supervisors: Vec<SupervisorPlan> = Vec::new();
    let mut sup_ix: BTreeMap<&str, usize> = BTreeMap::new();
    for (learner, c) in &p.commitments {
        let Some(&person) = person_ix.get(&c.supervisor) else {
            continue;
        };
        let ix = *sup_ix.entry(c.supervisor.as_str()).or_insert_with(|| {
            supervisors.push(SupervisorPlan {
                person,
                committed: 0,
                breached: false,
                in_ledger: true,
            });
            supervisors.len() - 1
        });
        let sup = &mut supervisors[ix];
        match c.status {
            CommitmentStatus::Committed => sup.committed += c.minutes_committed,
            CommitmentStatus::Withdrawn => sup.breached = true,
            _ => {}
        }
        let no_release = p.sessions.values().any(|s| {
            s.status == SessionStatus::Held
                && s.attendance.get(learner).is_some_and(|a| {
                    !a.present && a.absence_reason == Some(AbsenceReason::NoReleaseTime)
                })
        });
        sup.breached |= no_release;
    }

    // Learners.
    let mut learner_ix: BTreeMap<&str, usize> = BTreeMap::new();
    let mut learners = Vec::new();
    for id in &aud {
        let Some(&person) = person_ix.get(id) else {
            continue;
        };
        let mut attended = 0u64;
        for s in p.sessions.values() {
            if s.status == SessionStatus::Held && s.attendance.get(id).is_some_and(|a| a.present) {
                if let Some(&m) = module_ix.get(s.module.as_str()) {
                    attended |= 1 << m;
                }
            }
        }
        let exposures: Vec<(i32, f64)> = dashboard::exposures(p, id, fork)
            .remove(&o.skill)
            .unwrap_or_default()
            .into_iter()
            .map(|(d, minutes)| (day(d), minutes))
            .collect();
        let latest = org.assessments.get(id).and_then(|m| m.get(&o.skill));
        let first_outcome_eval = p
            .evaluations
            .iter()
            .filter(|e| e.person.as_deref() == Some(id))
            .any(|e| {
                matches!(&e.result, crate::domain::events::EvaluationResult::Learning { skill, .. } if *skill == o.skill)
            });
        let level_now = latest.map(|a| a.level).unwrap_or(0);
        let evaluated = first_outcome_eval && level_now >= eval_level;
        // The level before training, by the risk view's rule, with the run's evaluation counted
        // when the learner is not evaluated yet (its level is unknown: the latest caps it later).
        let mut history: Vec<(u8, NaiveDate, AssessmentSource)> = org
            .log
            .live()
            .filter_map(|e| match e {
                Event::SkillAssessed(a)
                    if a.person == *id && a.skill == o.skill && a.on <= fork =>
                {
                    Some((a.level, a.on, a.source))
                }
                _ => None,
            })
            .collect();
        history.sort_by_key(|&(_, on, _)| on);
        let mut sources: Vec<(u8, AssessmentSource)> =
            history.iter().map(|&(l, _, s)| (l, s)).collect();
        if !evaluated {
            sources.push((u8::MAX, AssessmentSource::Evaluation));
        }
        let before = risk::level_before_training(&sources);
        let commitment = p.commitments.get(id);
        learner_ix.insert(id, learners.len());
        learners.push(LearnerPlan {
            person,
            supervisor: commitment.and_then(|c| sup_ix.get(c.supervisor.as_str()).copied()),
            release: match commitment.map(|c| c.status) {
                Some(CommitmentStatus::Committed) => Release::Committed,
                Some(CommitmentStatus::Declined) => Release::Declined,
                Some(CommitmentStatus::Withdrawn) => Release::Withdrawn,
                _ => Release::Unanswered,
            },
            attended,
            before,
            failed: first_outcome_eval && level_now < eval_level,
            evaluated,
            exposures,
            assessed: history
                .iter()
                .map(|&(level, on, source)| {
                    (day(on), level, source == AssessmentSource::Evaluation)
                })
                .collect(),
        });
    }

    // Sessions still to hold.
    let mut sessions = Vec::new();
    for (id, s) in &p.sessions {
        let Some(&module) = module_ix.get(s.module.as_str()) else {
            continue;
        };
        if s.status != SessionStatus::Scheduled {
            continue;
        }
        let Some(date) = session_date(s) else {
            continue;
        };
        let (mut invitees, mut others) = (Vec::new(), Vec::new());
        for person in &s.invitees {
            match learner_ix.get(person.as_str()) {
                Some(&l) => invitees.push(l),
                None => others.push(person.clone()),
            }
        }
        sessions.push(SessionPlan {
            id: id.clone(),
            day: day(date).max(1),
            module,
            trainers: s
                .trainers
                .iter()
                .filter_map(|t| trainer_ix.get(t.as_str()).copied())
                .collect(),
            capacity: s.capacity,
            invitees,
            others,
            time: s
                .time
                .start_local
                .get(11..16)
                .unwrap_or("09:00")
                .to_string(),
            duration_minutes: s.time.duration_minutes,
            location: s.location.clone(),
        });
    }
    sessions.sort_by(|a, b| (a.day, &a.id).cmp(&(b.day, &b.id)));

    // The template round: the required module with the most sessions (ties: the latest start).
    let mut by_module: BTreeMap<&str, Vec<&crate::domain::program::Session>> = BTreeMap::new();
    for s in p.sessions.values() {
        if s.status != SessionStatus::Cancelled && module_ix.contains_key(s.module.as_str()) {
            by_module.entry(s.module.as_str()).or_default().push(s);
        }
    }
    let best = by_module
        .values()
        .max_by_key(|v| (v.len(), v.iter().filter_map(|s| session_date(s)).min()));
    let mut template = Vec::new();
    let mut template_start = 0;
    if let Some(v) = best {
        let start = v
            .iter()
            .filter_map(|s| session_date(s))
            .min()
            .map(day)
            .unwrap_or(0);
        template_start = start;
        for s in v {
            let Some(d) = session_date(s) else { continue };
            template.push(TemplateSession {
                offset: day(d) - start,
                trainers: s
                    .trainers
                    .iter()
                    .filter_map(|t| trainer_ix.get(t.as_str()).copied())
                    .collect(),
                capacity: s.capacity,
                invitees: s
                    .invitees
                    .iter()
                    .filter_map(|x| learner_ix.get(x.as_str()).copied())
                    .collect(),
                time: s
                    .time
                    .start_local
                    .get(11..16)
                    .unwrap_or("09:00")
                    .to_string(),
                duration_minutes: s.time.duration_minutes,
                location: s.location.clone(),
            });
        }
        template.sort_by(|a, b| (a.offset, &a.location).cmp(&(b.offset, &b.location)));
    }

    let insiders: BTreeSet<usize> = learners
        .iter()
        .map(|l| l.person)
        .chain(trainers.iter().map(|t| t.person))
        .collect();
    let outsiders = (0..people.len())
        .filter(|i| !insiders.contains(i))
        .collect();
    let scarce_skill = scarce(&people, skills.len());

    let deadline = p.deadline.unwrap_or(o.by);
    Ok(Plan {
        program: p.slug.clone(),
        title: p.title.clone(),
        fork,
        deadline: day(deadline),
        outcome: Outcome {
            skill: o.skill.clone(),
            skill_index: outcome_ix,
            level: o.level,
            share_per_mille: o.share_per_mille,
        },
        skills,
        people,
        learners,
        supervisors,
        trainers,
        modules,
        sessions,
        template,
        template_start,
        outsiders,
        scarce_skill,
        at_deadline: None,
        met_on: None,
    })
}

/// The skill with the fewest holders (first in catalogue order on ties).
fn scarce(people: &[PersonPlan], skills: usize) -> usize {
    let levels: Vec<Vec<Option<u8>>> = people.iter().map(|p| p.levels.clone()).collect();
    let holders = super::truck::holders(&levels, skills);
    (0..skills)
        .min_by_key(|&s| holders.iter().filter(|h| h[s]).count())
        .unwrap_or(0)
}
