//! One recorded run told week by week, in plain language, for class.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::engine::{Happening, RunOutcome, Trace};
use super::plan::Plan;
use super::scenario::Scenario;

/// The story of a run: one paragraph per week in which something happened.
pub fn narrate(plan: &Plan, scenario: &Scenario, trace: &Trace, outcome: &RunOutcome) -> String {
    let mut weeks: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let person = |p: usize| plan.people[p].name.clone();
    let learner = |l: usize| person(plan.learners[l].person);
    let trainer = |t: usize| person(plan.trainers[t].person);
    for h in &trace.happenings {
        let (day, line) = match h {
            Happening::Card { day, card } => {
                let c = &scenario.cards[*card];
                (
                    *day,
                    format!("Card \"{}\": {}", c.id, c.text.replace('\n', " ")),
                )
            }
            Happening::Changed { .. } | Happening::Scheduled { .. } => continue,
            Happening::Held {
                day,
                session,
                trainer: t,
                backup,
                attendance,
            } => {
                let s = &trace.sessions[*session];
                let present = attendance.iter().filter(|a| a.1).count();
                let no_release = attendance
                    .iter()
                    .filter(|a| a.2 == Some(crate::domain::events::AbsenceReason::NoReleaseTime))
                    .count();
                let mut line = format!(
                    "{} held session {} of module {}: {} of {} invited came",
                    trainer(*t),
                    s.id,
                    plan.modules[s.module].id,
                    present,
                    attendance.len()
                );
                if no_release > 0 {
                    let _ = write!(line, " ({no_release} not released by their supervisor)");
                }
                if *backup {
                    line.push_str(", a backup trainer standing in");
                }
                (*day, line + ".")
            }
            Happening::Cancelled { day, session } => (
                *day,
                format!(
                    "Session {} was cancelled: no trainer left to teach it.",
                    trace.sessions[*session].id
                ),
            ),
            Happening::Evaluated {
                day,
                learner: l,
                level,
            } => (
                *day,
                if *level >= plan.outcome.level {
                    format!(
                        "{} showed level {} in {} at evaluation.",
                        learner(*l),
                        level,
                        plan.outcome.skill
                    )
                } else {
                    format!(
                        "{} reached only level {} in {} and needs a catch-up.",
                        learner(*l),
                        level,
                        plan.outcome.skill
                    )
                },
            ),
            Happening::Left {
                day,
                person: p,
                key,
            } => (
                *day,
                if *key {
                    format!(
                        "{}, the busiest trainer, left the organization.",
                        person(*p)
                    )
                } else {
                    format!("{} left the organization.", person(*p))
                },
            ),
            Happening::TrainerWithdrew { day, trainer: t } => {
                (*day, format!("{} withdrew as a trainer.", trainer(*t)))
            }
            Happening::CommitmentsWithdrawn { day, supervisor } => (
                *day,
                format!(
                    "{} withdrew the release time promised for their staff.",
                    person(plan.supervisors[*supervisor].person)
                ),
            ),
            Happening::DeadlineMoved { day, deadline } => (
                *day,
                format!("The deadline moved to {}.", plan.date(*deadline)),
            ),
            Happening::Surveyed { day, people } => (
                *day,
                format!(
                    "A skills survey found {} hidden expert(s) in {}.",
                    people.len(),
                    plan.skills[plan.scarce_skill]
                ),
            ),
            Happening::TargetMet { day } if *day < 0 => (
                0,
                format!("The target was met already, on {}.", plan.date(*day)),
            ),
            Happening::TargetMet { day } => (*day, "The target was met.".to_string()),
        };
        weeks.entry(day.div_euclid(7)).or_default().push(line);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} under \"{}\", from {} (deadline {}).",
        plan.title,
        scenario.title,
        plan.fork,
        plan.date(plan.deadline)
    );
    for (week, lines) in &weeks {
        let _ = writeln!(out, "\nWeek of {}:", plan.date(week * 7));
        // Many sessions in a week: say how many, then the notable things.
        let (sessions, other): (Vec<&String>, Vec<&String>) =
            lines.iter().partition(|l| l.contains(" held session "));
        for s in &sessions {
            let _ = writeln!(out, "- {s}");
        }
        for o in other {
            let _ = writeln!(out, "- {o}");
        }
    }
    let _ = writeln!(
        out,
        "\nIn the end: {}; {:.0} % of the audience proficient at the deadline; truck factor {}.",
        match outcome.completion_day {
            Some(d) => format!("the target was met on {}", plan.date(d)),
            None => "the target was not met within the horizon".to_string(),
        },
        outcome.proficient_share * 100.0,
        outcome.truck_factor
    );
    out
}
