//! A recorded run as the commands real use would have entered, day by day: applied through
//! the application to a copy of the log, they give the same domain events as real use, and
//! the real projections compute the run's outcome from them (`tests/sim_events.rs` checks it
//! equals what the compact engine reported). Practice is not materialized: the figures it
//! feeds (retention) are checked against the retention model directly.

use crate::domain::commands::*;
use crate::domain::events::{AssessmentSource, AttendanceRecord, EvaluationResult};

use super::engine::{Happening, Trace};
use super::plan::{Plan, Release};

/// One command of a run, on a day (from the fork).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The day.
    pub day: i32,
    /// Whether it goes to the program (else to the organization).
    pub program: bool,
    /// The command.
    pub command: Command,
}

/// The commands of a recorded run, in day order.
pub fn commands(plan: &Plan, trace: &Trace) -> Vec<Step> {
    let person = |p: usize| plan.people[p].id.clone();
    let learner = |l: usize| person(plan.learners[l].person);
    let trainer = |t: usize| person(plan.trainers[t].person);
    let date = |d: i32| Some(plan.date(d));
    let mut out = Vec::new();
    let mut push = |day: i32, program: bool, command: Command| {
        out.push(Step {
            day,
            program,
            command,
        })
    };
    for h in &trace.happenings {
        match h {
            Happening::Held {
                day,
                session,
                trainer: t,
                backup,
                attendance,
            } => {
                let s = &trace.sessions[*session];
                let planned = plan.sessions.iter().find(|p| p.id == s.id && s.planned);
                let mut id = s.id.clone();
                if *backup && s.planned {
                    push(
                        *day,
                        true,
                        Command::CancelSession(CancelSession {
                            session: s.id.clone(),
                            reason: "no trainer: a backup takes over".into(),
                        }),
                    );
                    id = format!("{}-backup", s.id);
                }
                if *backup || !s.planned {
                    let invitees: Vec<String> = attendance
                        .iter()
                        .filter(|a| a.2 != Some(crate::domain::events::AbsenceReason::Leave))
                        .map(|a| learner(a.0))
                        .collect();
                    push(
                        *day,
                        true,
                        Command::ScheduleSession(ScheduleSession {
                            session: id.clone(),
                            module: plan.modules[s.module].id.clone(),
                            trainers: vec![trainer(*t)],
                            start: format!("{}T{}", plan.date(*day), s.time),
                            duration_minutes: s.duration_minutes,
                            location: s.location.clone(),
                            capacity: s.capacity.max(invitees.len() as u32),
                            invitees,
                        }),
                    );
                }
                let fresh = *backup || !s.planned;
                let mut records: Vec<AttendanceRecord> = attendance
                    .iter()
                    .filter(|a| {
                        !(fresh && a.2 == Some(crate::domain::events::AbsenceReason::Leave))
                    })
                    .map(|a| AttendanceRecord {
                        person: learner(a.0),
                        present: a.1,
                        absence_reason: a.2,
                    })
                    .collect();
                if !fresh {
                    if let Some(p) = planned {
                        records.extend(p.others.iter().map(|o| AttendanceRecord {
                            person: o.clone(),
                            present: false,
                            absence_reason: Some(crate::domain::events::AbsenceReason::Other),
                        }));
                    }
                }
                push(
                    *day,
                    true,
                    Command::HoldSession(HoldSession {
                        session: id,
                        attendance: records,
                    }),
                );
            }
            Happening::Cancelled { day, session } => {
                let s = &trace.sessions[*session];
                if s.planned {
                    push(
                        *day,
                        true,
                        Command::CancelSession(CancelSession {
                            session: s.id.clone(),
                            reason: "no trainer left".into(),
                        }),
                    );
                }
            }
            Happening::Evaluated {
                day,
                learner: l,
                level,
            } => {
                let top = plan
                    .modules
                    .iter()
                    .find(|m| m.outcome_target == Some(plan.evaluation_level()))
                    .map(|m| m.id.clone());
                push(
                    *day,
                    true,
                    Command::RecordEvaluation(RecordEvaluation {
                        person: Some(learner(*l)),
                        module: top,
                        result: EvaluationResult::Learning {
                            skill: plan.outcome.skill.clone(),
                            skill_level: *level,
                        },
                        on: date(*day),
                    }),
                );
            }
            Happening::Left { day, person: p, .. } => {
                push(
                    *day,
                    false,
                    Command::RecordDeparture(RecordDeparture {
                        person: person(*p),
                        on: date(*day),
                    }),
                );
            }
            Happening::TrainerWithdrew { day, trainer: t } => {
                push(
                    *day,
                    true,
                    Command::WithdrawTrainer(WithdrawTrainer {
                        person: trainer(*t),
                        reason: Some("scenario".into()),
                        on: date(*day),
                    }),
                );
            }
            Happening::CommitmentsWithdrawn { day, supervisor } => {
                for l in plan.learners.iter().filter(|l| {
                    l.supervisor == Some(*supervisor) && l.release == Release::Committed
                }) {
                    push(
                        *day,
                        true,
                        Command::WithdrawCommitment(WithdrawCommitment {
                            learner: person(l.person),
                            reason: Some("scenario".into()),
                            on: date(*day),
                        }),
                    );
                }
            }
            Happening::DeadlineMoved { day, deadline } => {
                push(
                    *day,
                    true,
                    Command::SetDeadline(SetDeadline {
                        deadline: plan.date(*deadline),
                        reason: Some("scenario".into()),
                    }),
                );
            }
            Happening::Surveyed { day, people } => {
                for p in people {
                    push(
                        *day,
                        false,
                        Command::AssessSkill(AssessSkill {
                            person: person(*p),
                            skill: plan.skills[plan.scarce_skill].clone(),
                            level: 3,
                            source: AssessmentSource::Supervisor,
                            on: date(*day),
                        }),
                    );
                }
            }
            Happening::Card { .. }
            | Happening::Changed { .. }
            | Happening::Scheduled { .. }
            | Happening::TargetMet { .. } => {}
        }
    }
    out.sort_by_key(|s| s.day);
    out
}
