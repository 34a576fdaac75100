//! The method as a template: its steps in order with what each asks for, which is open, and
//! what the log shows is missing.
//!
//! # Definitions
//!
//! - The **open step** is the first step of the method (for the program's kind) not ticked on
//!   the checklist.
//! - **Missing** (each only when it applies): no goal; no desired outcome (training: the
//!   program's; mentoring: a pair's needs without desired outcomes); trainers (mentors)
//!   invited but none accepted; no module (training); sessions scheduled without invitees;
//!   held sessions whose present learners have no learning (level 2) evaluation in this
//!   program for the session's module; pairs with coaching sessions held whose mentee has no
//!   learning evaluation in this program dated on or after the first of them (mentoring);
//!   learners who attended a held session (or, mentoring, mentees in a pair) with no follow-up
//!   ever scheduled; pairs without needs, baseline, priorities or any coaching session
//!   scheduled or held (mentoring: a pair's counterpart of a session without invitees);
//!   unpaired mentees (mentoring).

use std::collections::BTreeSet;

use chrono::NaiveDate;
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
    let (trainers, learners) = match p.kind {
        ProgramKind::Training => ("trainers", "learners trained"),
        ProgramKind::Mentoring => ("mentors", "mentees paired"),
    };
    if invited > 0 && accepted == 0 {
        missing.push(format!(
            "{invited} {trainers} invited but none accepted yet"
        ));
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
            "{never} {learners} with no follow-up ever scheduled (schedule-follow-up)"
        ));
    }
    if p.kind == ProgramKind::Mentoring {
        for (id, pair) in &p.pairs {
            let mut lacks = Vec::new();
            if pair.goals.is_empty() {
                lacks.push("needs (assess-needs)");
            } else if pair.desired_outcomes.is_empty() {
                lacks.push("desired outcome (assess-needs)");
            }
            if pair.already_knows.is_empty() && pair.already_works.is_empty() {
                lacks.push("baseline (record-baseline)");
            }
            if pair.priorities.is_empty() {
                lacks.push("priorities (set-priorities)");
            }
            if pair.coaching.is_empty() && pair.scheduled.is_empty() {
                lacks.push("coaching session (schedule-coaching-session)");
            }
            if !lacks.is_empty() {
                missing.push(format!("pair {id} has no {}", lacks.join(", no ")));
            }
        }
        // Coaching sessions held, and no evaluation of the new skills since the first one.
        for (id, pair) in &p.pairs {
            let Some(first) = pair
                .coaching
                .values()
                .filter_map(|c| c.time.start_local.get(..10)?.parse::<NaiveDate>().ok())
                .min()
            else {
                continue;
            };
            let evaluated = p.evaluations.iter().any(|e| {
                e.person.as_deref() == Some(pair.mentee.as_str())
                    && e.on >= first
                    && matches!(e.result, EvaluationResult::Learning { .. })
            });
            if !evaluated {
                missing.push(format!(
                    "pair {id}: {} coaching sessions held, the mentee's new skills not evaluated (record-evaluation)",
                    pair.coaching.len()
                ));
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::projections::testlog::TestLog;

    /// What `next` says is missing in program `slug` of `log` at its last time.
    fn missing(log: &TestLog, slug: &str) -> Vec<String> {
        let p = &log.world.programs[slug];
        let now = Timestamp::parse_lenient("2026-06-01T12:00:00Z").unwrap();
        next(&log.world.org, p, now).missing
    }

    /// Checks that `expected` is missing (by a part of its message) and `gone` is not.
    fn check(log: &TestLog, slug: &str, expected: &[&str], gone: &[&str]) {
        let missing = missing(log, slug);
        for e in expected {
            assert!(
                missing.iter().any(|m| m.contains(e)),
                "{e:?} in {missing:#?}"
            );
        }
        for g in gone {
            assert!(
                !missing.iter().any(|m| m.contains(g)),
                "{g:?} not in {missing:#?}"
            );
        }
    }

    fn people() -> TestLog {
        let mut log = TestLog::new();
        log.at("2026-01-05T09:00:00Z")
            .org(json!({"type": "ConfigureOrganization", "name": "Library", "time_zone": "Europe/Paris"}))
            .org(json!({"type": "AddSkill", "skill": "search", "name": "Search"}));
        for p in ["ann", "bob", "carl", "dora"] {
            log.org(json!({"type": "AddPerson", "person": p, "name": p.to_uppercase(), "department": "lending", "branch": "central"}));
        }
        log
    }

    #[test]
    fn a_training_program_is_told_each_missing_item_until_it_is_recorded() {
        let mut log = people();
        log.prog("cat", json!({"type": "CreateProgram", "program": "cat", "kind": "training", "title": "Catalogue"}))
            .prog("cat", json!({"type": "InviteTrainer", "person": "bob"}));
        check(
            &log,
            "cat",
            &[
                "no goal yet",
                "no desired outcome yet",
                "1 trainers invited but none accepted",
                "no module defined",
            ],
            &["mentors"],
        );
        log.prog("cat", json!({"type": "SetGoal", "goal": "Everyone searches"}))
            .prog("cat", json!({"type": "SetDesiredOutcome", "skill": "search", "level": 2, "share_per_mille": 750, "by": "2026-06-30"}))
            .prog("cat", json!({"type": "AcceptInvitation", "person": "bob"}))
            .prog("cat", json!({"type": "DefineModule", "module": "m-1", "title": "Search", "skills": [{"skill": "search", "level": 2}]}))
            .prog("cat", json!({"type": "EnrolLearner", "person": "ann"}))
            .prog("cat", json!({"type": "ScheduleSession", "session": "s-1", "module": "m-1", "trainers": ["bob"], "start": "2026-03-02T09:30",
                                "duration_minutes": 120, "location": "Room 1", "capacity": 10, "invitees": []}));
        check(
            &log,
            "cat",
            &["session s-1 has no invitees"],
            &[
                "no goal",
                "no desired outcome",
                "none accepted",
                "no module",
                "evaluation",
                "follow-up",
            ],
        );
        log.prog(
            "cat",
            json!({"type": "InviteToSession", "session": "s-1", "people": ["ann"]}),
        );
        check(&log, "cat", &[], &["no invitees"]);
        log.at("2026-03-03T09:00:00Z").prog(
            "cat",
            json!({"type": "HoldSession", "session": "s-1", "attendance": [{"person": "ann", "present": true}]}),
        );
        check(
            &log,
            "cat",
            &[
                "session s-1: 1 of 1 present without a learning evaluation",
                "1 learners trained with no follow-up ever scheduled",
            ],
            &[],
        );
        log.prog("cat", json!({"type": "RecordEvaluation", "person": "ann", "module": "m-1", "result": {"level": "learning", "skill": "search", "skill_level": 2}}))
            .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-1", "person": "ann", "due": "2026-04-20", "purpose": "use on the job"}));
        assert_eq!(missing(&log, "cat"), Vec::<String>::new());
    }

    #[test]
    fn a_mentoring_program_is_told_each_missing_item_until_it_is_recorded() {
        let mut log = people();
        log.prog("men", json!({"type": "CreateProgram", "program": "men", "kind": "mentoring", "title": "Mentoring"}))
            .prog("men", json!({"type": "InviteTrainer", "person": "bob"}))
            .prog("men", json!({"type": "EnrolLearner", "person": "ann"}));
        check(
            &log,
            "men",
            &[
                "no goal yet",
                "1 mentors invited but none accepted",
                "1 mentees without a mentor",
            ],
            &["trainers", "no desired outcome yet", "no module"],
        );
        log.prog(
            "men",
            json!({"type": "SetGoal", "goal": "Monthly reports alone"}),
        )
        .prog("men", json!({"type": "AcceptInvitation", "person": "bob"}))
        .prog(
            "men",
            json!({"type": "PairMentee", "pair": "p-1", "mentor": "bob", "mentee": "ann"}),
        );
        check(
            &log,
            "men",
            &[
                "pair p-1 has no needs (assess-needs), no baseline (record-baseline), no priorities (set-priorities), no coaching session",
                "1 mentees paired with no follow-up ever scheduled",
            ],
            &["no goal", "none accepted", "without a mentor"],
        );
        log.prog("men", json!({"type": "AssessNeeds", "pair": "p-1", "goals": ["monthly report"], "desired_outcomes": []}));
        check(
            &log,
            "men",
            &["pair p-1 has no desired outcome (assess-needs)"],
            &["no needs"],
        );
        log.prog("men", json!({"type": "AssessNeeds", "pair": "p-1", "goals": ["monthly report"], "desired_outcomes": ["alone by May"]}))
            .prog("men", json!({"type": "RecordBaseline", "pair": "p-1", "already_knows": ["search"], "already_works": []}))
            .prog("men", json!({"type": "SetPriorities", "pair": "p-1", "priorities": ["report"]}))
            .prog("men", json!({"type": "ScheduleCoachingSession", "pair": "p-1", "session": "c-1", "start": "2026-02-10T10:00", "duration_minutes": 60}));
        check(
            &log,
            "men",
            &[],
            &["pair p-1 has no", "coaching sessions held"],
        );
        // An evaluation from before the coaching does not count for it.
        log.prog("men", json!({"type": "RecordEvaluation", "person": "ann", "result": {"level": "learning", "skill": "search", "skill_level": 1}, "on": "2026-02-01"}))
            .at("2026-02-11T09:00:00Z")
            .prog("men", json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-1", "start": "2026-02-10T10:00", "duration_minutes": 60}));
        check(
            &log,
            "men",
            &["pair p-1: 1 coaching sessions held, the mentee's new skills not evaluated (record-evaluation)"],
            &[],
        );
        log.prog("men", json!({"type": "RecordEvaluation", "person": "ann", "result": {"level": "learning", "skill": "search", "skill_level": 3}}))
            .prog("men", json!({"type": "ScheduleFollowUp", "follow_up": "f-1", "person": "ann", "due": "2026-04-20", "purpose": "six-month review"}));
        assert_eq!(missing(&log, "men"), Vec::<String>::new());
    }
}
