//! The method as a template: its steps in order with what each asks for, which is open, and
//! what the log shows is missing.
//!
//! # Definitions
//!
//! - The **open step** is the first step of the method (for the program's kind) not ticked on
//!   the checklist.
//! - **Missing** (each only when it applies): no goal; no desired outcome (training); trainers
//!   invited but none accepted; no module (training); sessions scheduled without invitees;
//!   held sessions whose present learners have no learning (level 2) evaluation in this
//!   program for the session's module; learners who attended a held session (or, mentoring,
//!   mentees in a pair) with no follow-up ever scheduled; pairs without needs, baseline or
//!   priorities (mentoring); unpaired mentees (mentoring).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::domain::events::{EvaluationResult, PhaseStep, ProgramKind};
use crate::domain::program::{SessionStatus, TrainerStatus};
use crate::domain::{today, Organization, Program, Timestamp};

use super::dashboard::audience;

/// One step of the method.
#[derive(Clone, Debug, Serialize)]
pub struct StepRow {
    /// The step.
    pub step: PhaseStep,
    /// Ticked.
    pub done: bool,
    /// What the step asks for, and the commands that record it.
    pub asks: &'static str,
}

/// Where a program stands in its method.
#[derive(Clone, Debug, Serialize)]
pub struct NextView {
    /// The program.
    pub program: String,
    /// The first step not ticked.
    pub open_step: Option<PhaseStep>,
    /// Every step in order.
    pub steps: Vec<StepRow>,
    /// What is missing, in words.
    pub missing: Vec<String>,
}

/// What a step asks for.
pub fn asks(step: PhaseStep) -> &'static str {
    use PhaseStep::*;
    match step {
        IdentifyGoal => "the training goal (set-goal)",
        DetermineOutcome => "a measurable outcome: skill, level, share of the audience, date (set-desired-outcome, set-deadline)",
        IdentifyTrainers => "peers who hold the skills, invited and accepted (suggest-pairs, invite-trainer, accept-invitation)",
        PrepareAndTestPlan => "modules and a plan prepared and test-run with the training team (define-module, prepare-plan, test-run-plan), its challenges rehearsed and mitigations chosen (simulate, rehearse, choose-mitigation)",
        Schedule => "sessions with trainers and invitees, release time asked of supervisors (schedule-session, enrol, ask-commitment)",
        Practice => "practice between sessions (log-practice)",
        Go => "the sessions held, with attendance (hold-session)",
        Evaluate => "evaluations: reaction and learning after sessions, the new skills for mentees (record-evaluation)",
        FollowUp => "follow-ups on the job (schedule-follow-up, complete-follow-up)",
        Congratulate => "recognition of people and teams (congratulate)",
        AssessNeeds => "each mentee's needs, goals and desired outcomes (pair-mentee, assess-needs)",
        Baseline => "what they already know and what already works (record-baseline)",
        Prioritize => "the priorities, most important first (set-priorities)",
        Personalize => "coaching sessions and assignments (schedule-coaching-session, give-assignment)",
    }
}

/// Where `p` stands as of `now`.
pub fn next(org: &Organization, p: &Program, now: Timestamp) -> NextView {
    let steps: Vec<StepRow> = PhaseStep::for_kind(p.kind)
        .iter()
        .map(|s| StepRow {
            step: *s,
            done: p.phases.get(s).is_some_and(|x| x.done),
            asks: asks(*s),
        })
        .collect();
    let open_step = steps.iter().find(|s| !s.done).map(|s| s.step);
    let mut missing = Vec::new();
    if p.goal.is_none() {
        missing.push("no goal yet (set-goal)".to_string());
    }
    if p.kind == ProgramKind::Training && p.desired_outcome.is_none() {
        missing.push("no desired outcome yet (set-desired-outcome)".to_string());
    }
    let invited = p
        .trainers
        .values()
        .filter(|t| t.status == TrainerStatus::Invited)
        .count();
    let accepted = p
        .trainers
        .values()
        .filter(|t| t.status == TrainerStatus::Accepted)
        .count();
    if invited > 0 && accepted == 0 {
        missing.push(format!("{invited} trainers invited but none accepted yet"));
    }
    if p.kind == ProgramKind::Training && p.modules.is_empty() {
        missing.push("no module defined (define-module)".to_string());
    }
    for (id, s) in &p.sessions {
        if s.status == SessionStatus::Scheduled && s.invitees.is_empty() {
            missing.push(format!("session {id} has no invitees (invite-to-session)"));
        }
    }
    // Held sessions whose present learners were not evaluated for the module.
    for (id, s) in p
        .sessions
        .iter()
        .filter(|(_, s)| s.status == SessionStatus::Held)
    {
        let present: Vec<&String> = s
            .attendance
            .values()
            .filter(|a| a.present)
            .map(|a| &a.person)
            .collect();
        let unevaluated = present
            .iter()
            .filter(|person| {
                !p.evaluations.iter().any(|e| {
                    e.person.as_deref() == Some(person.as_str())
                        && e.module.as_deref() == Some(s.module.as_str())
                        && matches!(e.result, EvaluationResult::Learning { .. })
                })
            })
            .count();
        if unevaluated > 0 {
            missing.push(format!(
                "session {id}: {unevaluated} of {} present without a learning evaluation (record-evaluation)",
                present.len()
            ));
        }
    }
    let with_follow_up: BTreeSet<&str> = p.follow_ups.values().map(|f| f.person.as_str()).collect();
    let today = today(org, now);
    let aud = audience(org, p, today);
    let reached: Vec<&String> = match p.kind {
        ProgramKind::Training => aud
            .iter()
            .filter(|id| {
                p.sessions.values().any(|s| {
                    s.status == SessionStatus::Held
                        && s.attendance.get(*id).is_some_and(|a| a.present)
                })
            })
            .collect(),
        ProgramKind::Mentoring => aud
            .iter()
            .filter(|id| p.pairs.values().any(|x| &x.mentee == *id))
            .collect(),
    };
    let never = reached
        .iter()
        .filter(|id| !with_follow_up.contains(id.as_str()))
        .count();
    if never > 0 {
        missing.push(format!(
            "{never} learners trained with no follow-up ever scheduled (schedule-follow-up)"
        ));
    }
    if p.kind == ProgramKind::Mentoring {
        for (id, pair) in &p.pairs {
            let mut lacks = Vec::new();
            if pair.goals.is_empty() {
                lacks.push("needs (assess-needs)");
            }
            if pair.already_knows.is_empty() && pair.already_works.is_empty() {
                lacks.push("baseline (record-baseline)");
            }
            if pair.priorities.is_empty() {
                lacks.push("priorities (set-priorities)");
            }
            if !lacks.is_empty() {
                missing.push(format!("pair {id} has no {}", lacks.join(", no ")));
            }
        }
        let unpaired = aud
            .iter()
            .filter(|id| !p.pairs.values().any(|x| &x.mentee == *id))
            .count();
        if unpaired > 0 {
            missing.push(format!(
                "{unpaired} mentees without a mentor (suggest-pairs, pair-mentee)"
            ));
        }
    }
    NextView {
        program: p.slug.clone(),
        open_step,
        steps,
        missing,
    }
}
