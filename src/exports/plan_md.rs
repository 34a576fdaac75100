//! The action plan as Markdown, in the workshop's shape: for training the goal, the desired
//! outcome, the trainers, the schedule, practice, evaluation, follow-up and congratulations;
//! for mentoring the needs, the baseline, the priorities, the sessions and assignments,
//! evaluation and follow-up. Then the challenges anticipated (those the log already shows and
//! those whose mitigations were chosen) and the mitigations chosen (`ChooseMitigation`, after
//! `baton simulate` or `baton rehearse`, which write nothing themselves). The last line names
//! the log head the plan was computed from.

use std::fmt::Write;

use crate::domain::events::ProgramKind;
use crate::domain::program::{CommitmentStatus, SessionStatus, TrainerStatus};
use crate::domain::{Organization, Program};
use crate::projections::dashboard::{DashboardView, DeadlineStatus};
use crate::store::LogHead;

/// What the plan is computed from.
pub struct Input<'a> {
    /// The organization.
    pub org: &'a Organization,
    /// The program.
    pub program: &'a Program,
    /// Its dashboard on the plan's day.
    pub view: &'a DashboardView,
    /// The log head.
    pub head: &'a LogHead,
}

/// Escapes the characters that would change a Markdown table cell or line.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('*', "\\*")
        .replace('_', "\\_")
}

fn or_dash(s: Option<&str>) -> String {
    s.map(md).unwrap_or_else(|| "-".into())
}

/// The plan as Markdown.
pub fn plan(input: &Input<'_>) -> String {
    let (org, p, v) = (input.org, input.program, input.view);
    let mut out = String::new();
    let _ = writeln!(out, "# Action plan: {}\n", md(&p.title));
    let _ = writeln!(
        out,
        "Program `{}` ({}), as of {}{}.\n",
        p.slug,
        p.kind.as_str(),
        v.today,
        if v.archived { ", archived" } else { "" }
    );
    let _ = writeln!(out, "## Checklist\n");
    for row in &v.phases {
        let _ = writeln!(
            out,
            "- [{}] {}{}",
            if row.done { "x" } else { " " },
            row.step.as_str().replace('_', " "),
            row.on.map(|d| format!(" ({d})")).unwrap_or_default()
        );
    }
    out.push('\n');
    match p.kind {
        ProgramKind::Training => training(&mut out, org, p, v),
        ProgramKind::Mentoring => mentoring(&mut out, org, p, v),
    }
    evaluation(&mut out, v);
    follow_up(&mut out, v);
    if p.kind == ProgramKind::Training {
        let _ = writeln!(out, "## Congratulate\n");
        if p.congratulations.is_empty() {
            let _ = writeln!(out, "No congratulations recorded yet.\n");
        }
        for c in &p.congratulations {
            let people: Vec<String> = c.people.iter().map(|x| md(&org.name_of(x))).collect();
            let _ = writeln!(
                out,
                "- {}: {} — {}",
                c.on,
                md(&c.milestone),
                people.join(", ")
            );
        }
        if !p.congratulations.is_empty() {
            out.push('\n');
        }
    }
    challenges(&mut out, p, v);
    let _ = writeln!(
        out,
        "---\n\nComputed from the log at head {} (check it with `baton verify --head {}`).",
        super::head_text(input.head),
        super::head_text(input.head)
    );
    out
}

fn training(out: &mut String, org: &Organization, p: &Program, v: &DashboardView) {
    let _ = writeln!(out, "## Training goal\n\n{}\n", or_dash(p.goal.as_deref()));
    let _ = writeln!(out, "## Desired outcome\n");
    match &p.desired_outcome {
        Some(o) => {
            let _ = writeln!(
                out,
                "{} % of the audience at level {} or above in {} by {}.",
                f64::from(o.share_per_mille) / 10.0,
                o.level,
                md(&org
                    .skills
                    .get(&o.skill)
                    .map_or(o.skill.clone(), |s| s.name.clone())),
                o.by
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Not set yet (`baton do {} set-desired-outcome --help`).",
                p.slug
            );
        }
    }
    let status = match v.deadline.status {
        DeadlineStatus::Achieved => "achieved",
        DeadlineStatus::OnTrack => "on track",
        DeadlineStatus::AtRisk => "at risk",
        DeadlineStatus::Late => "late",
        DeadlineStatus::NoDeadline => "no deadline",
    };
    let _ = writeln!(
        out,
        "Deadline: {}; {} of {} {} so far, {status}{}.\n",
        v.deadline
            .deadline
            .map_or("-".to_string(), |d| d.to_string()),
        v.deadline.progress,
        v.deadline.target,
        v.deadline.measure,
        v.deadline
            .forecast
            .map(|f| format!(" (forecast {f})"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "## Trainers\n");
    trainers(out, org, p);
    let _ = writeln!(out, "## Schedule\n");
    if p.sessions.is_empty() {
        let _ = writeln!(out, "No sessions scheduled yet.\n");
    } else {
        let _ = writeln!(
            out,
            "| start (local) | module | trainers | location | invited | status |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        let mut sessions: Vec<_> = p.sessions.iter().collect();
        sessions.sort_by(|a, b| (&a.1.time.start, a.0).cmp(&(&b.1.time.start, b.0)));
        for (_, s) in sessions {
            let module = p
                .modules
                .get(&s.module)
                .map_or(s.module.as_str(), |m| m.title.as_str());
            let trainers: Vec<String> = s.trainers.iter().map(|t| md(&org.name_of(t))).collect();
            let status = match s.status {
                SessionStatus::Held => "held".to_string(),
                SessionStatus::Cancelled => "cancelled".to_string(),
                SessionStatus::Scheduled if s.reschedules > 0 => {
                    format!("scheduled (moved {}×)", s.reschedules)
                }
                SessionStatus::Scheduled => "scheduled".to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {status} |",
                s.time.start_local.replacen('T', " ", 1),
                md(module),
                trainers.join(", "),
                md(&s.location),
                s.invitees.len()
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Practice\n");
    let _ = writeln!(
        out,
        "{} minutes of practice logged by the audience; mean estimated retention {}.\n",
        v.practice.minutes,
        v.practice
            .mean_retention
            .map_or("-".to_string(), |r| format!("{:.0} %", r * 100.0))
    );
}

fn trainers(out: &mut String, org: &Organization, p: &Program) {
    if p.trainers.is_empty() {
        let _ = writeln!(out, "None invited yet.\n");
        return;
    }
    for (id, t) in &p.trainers {
        let status = match t.status {
            TrainerStatus::Invited => "invited, no answer yet",
            TrainerStatus::Accepted => "accepted",
            TrainerStatus::Declined => "declined",
            TrainerStatus::Withdrew => "withdrew",
        };
        let _ = writeln!(
            out,
            "- {} — {status} (since {})",
            md(&org.name_of(id)),
            t.since
        );
    }
    out.push('\n');
}

fn mentoring(out: &mut String, org: &Organization, p: &Program, v: &DashboardView) {
    let _ = writeln!(out, "## Goal\n\n{}\n", or_dash(p.goal.as_deref()));
    let _ = writeln!(out, "## Mentors\n");
    trainers(out, org, p);
    let list = |items: &[String]| {
        if items.is_empty() {
            "-".to_string()
        } else {
            items.iter().map(|s| md(s)).collect::<Vec<_>>().join("; ")
        }
    };
    for (section, pick) in [
        ("Needs", 0usize),
        ("Baseline", 1),
        ("Priorities", 2),
        ("Sessions and assignments", 3),
    ] {
        let _ = writeln!(out, "## {section}\n");
        if p.pairs.is_empty() {
            let _ = writeln!(out, "No pairs yet.\n");
            continue;
        }
        for (id, pair) in &p.pairs {
            let who = format!(
                "{} with {} (`{id}`)",
                md(&org.name_of(&pair.mentee)),
                md(&org.name_of(&pair.mentor))
            );
            let text = match pick {
                0 => format!(
                    "goals: {}; desired outcomes: {}",
                    list(&pair.goals),
                    list(&pair.desired_outcomes)
                ),
                1 => format!(
                    "already knows: {}; already works: {}",
                    list(&pair.already_knows),
                    list(&pair.already_works)
                ),
                2 => list(&pair.priorities),
                _ => {
                    let done = pair
                        .assignments
                        .values()
                        .filter(|a| a.done_on.is_some())
                        .count();
                    format!(
                        "{} coaching sessions held, {} scheduled; assignments {done} of {} done",
                        pair.coaching.len(),
                        pair.scheduled.len(),
                        pair.assignments.len()
                    )
                }
            };
            let _ = writeln!(out, "- {who}: {text}");
        }
        out.push('\n');
    }
    if let Some(m) = &v.mentoring {
        let _ = writeln!(
            out,
            "In all: {} pairs, {} coaching sessions ({} minutes), {} of {} assignments done, {} overdue.\n",
            m.pairs, m.coaching_sessions, m.coaching_minutes, m.assignments_done, m.assignments, m.assignments_overdue
        );
    }
}

fn evaluation(out: &mut String, v: &DashboardView) {
    let k = &v.kirkpatrick;
    let _ = writeln!(out, "## Evaluation\n");
    let _ = writeln!(
        out,
        "- Reaction: {} ratings, mean {}",
        k.reaction_count,
        k.reaction_mean.map_or("-".into(), |m| m.to_string())
    );
    let _ = writeln!(
        out,
        "- Learning: {} evaluations, {} passed, mean level {}",
        k.learning_count,
        k.learning_passed,
        k.learning_mean_level.map_or("-".into(), |m| m.to_string())
    );
    let _ = writeln!(
        out,
        "- Behaviour: {} follow-up observations, {} applying on the job",
        k.behaviour_count, k.behaviour_applied
    );
    for (metric, value) in &k.results {
        let _ = writeln!(out, "- Results: {} = {}", md(metric), md(value));
    }
    let _ = writeln!(
        out,
        "- Completed: {} of {} in the audience\n",
        v.completion.completed, v.completion.audience
    );
}

fn follow_up(out: &mut String, v: &DashboardView) {
    let f = &v.follow_ups;
    let _ = writeln!(out, "## Follow-up\n");
    let _ = writeln!(
        out,
        "{} open ({} overdue, {} due within two weeks), {} done.",
        f.open,
        f.overdue.len(),
        f.due_soon.len(),
        f.completed
    );
    for row in f.overdue.iter().chain(&f.due_soon) {
        let _ = writeln!(
            out,
            "- {} {} — {} ({})",
            row.due,
            md(&row.name),
            md(&row.purpose),
            if row.days_overdue > 0 {
                format!("{} days overdue", row.days_overdue)
            } else {
                "due soon".to_string()
            }
        );
    }
    out.push('\n');
}

/// The workshop's challenges the log already shows, with where to try mitigations.
fn challenges(out: &mut String, p: &Program, v: &DashboardView) {
    let _ = writeln!(out, "## Challenges anticipated\n");
    let mut seen = Vec::new();
    let declined = p
        .trainers
        .values()
        .filter(|t| matches!(t.status, TrainerStatus::Declined | TrainerStatus::Withdrew))
        .count();
    if declined > 0 {
        seen.push(format!(
            "Reluctant trainers or mentors: {declined} declined or withdrew (scenario `reluctant-trainers`)."
        ));
    }
    let refused = p
        .commitments
        .values()
        .filter(|c| {
            matches!(
                c.status,
                CommitmentStatus::Declined | CommitmentStatus::Withdrawn
            )
        })
        .count();
    let no_release = v
        .attendance
        .absences
        .get(&crate::domain::events::AbsenceReason::NoReleaseTime)
        .copied()
        .unwrap_or(0);
    if refused > 0 || no_release > 0 {
        seen.push(format!(
            "Reluctant supervisors: {refused} commitments declined or withdrawn, {no_release} absences for no release time (scenario `reluctant-supervisors`)."
        ));
    }
    if v.enrolment.withdrawn > 0 {
        seen.push(format!(
            "Reluctant students: {} learners withdrew (scenario `reluctant-students`).",
            v.enrolment.withdrawn
        ));
    }
    if matches!(
        v.deadline.status,
        DeadlineStatus::AtRisk | DeadlineStatus::Late
    ) {
        seen.push(
            "A tight deadline: the pace forecast misses it (scenario `tight-deadline`).".into(),
        );
    }
    if v.enrolment.leavers > 0 {
        seen.push(format!(
            "Key people leaving: {} learners left the organization (scenario `key-person-leaves`; `baton risk` lists single-holder skills).",
            v.enrolment.leavers
        ));
    }
    if !v.follow_ups.overdue.is_empty() {
        seen.push(format!(
            "Keeping practice going after training: {} follow-ups overdue (scenario `long-roll-out`).",
            v.follow_ups.overdue.len()
        ));
    }
    // The scenarios whose mitigations were chosen are challenges the coordinator anticipates.
    let mut chosen_scenarios: Vec<&str> = Vec::new();
    for m in &p.mitigations {
        if !chosen_scenarios.contains(&m.scenario.as_str()) {
            chosen_scenarios.push(&m.scenario);
        }
    }
    for name in &chosen_scenarios {
        if seen
            .iter()
            .any(|s| s.contains(&format!("scenario `{name}`")))
        {
            continue;
        }
        let title = crate::sim::scenario::builtin(name).map(|sc| sc.title);
        seen.push(format!(
            "{} (scenario `{name}`, rehearsed: see the mitigations chosen).",
            title.as_deref().unwrap_or(name)
        ));
    }
    if seen.is_empty() {
        let _ = writeln!(out, "None shows in the log so far.");
    }
    for s in &seen {
        let _ = writeln!(out, "- {s}");
    }
    let _ = writeln!(out, "\n## Mitigations chosen\n");
    if p.mitigations.is_empty() {
        let _ = writeln!(out, "None chosen yet.");
    }
    for m in &p.mitigations {
        let scenario = crate::sim::scenario::builtin(&m.scenario);
        let mitigation = scenario
            .as_ref()
            .and_then(|sc| sc.mitigation(&m.mitigation).ok());
        let _ = write!(
            out,
            "- {} (scenario `{}`, mitigation `{}`), chosen {}",
            mitigation.map_or(m.mitigation.as_str(), |x| x.title.as_str()),
            m.scenario,
            m.mitigation,
            m.on
        );
        if let Some(reason) = &m.reason {
            let _ = write!(out, ": {reason}");
        }
        if let Some(x) = mitigation {
            // One line per mitigation: the description's own line breaks are for the TOML.
            let description: Vec<&str> = x.description.split_whitespace().collect();
            let _ = write!(out, ". {}", description.join(" "));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\nTo choose: compare a scenario's mitigations on the same seeds with `baton simulate --plan {slug} --scenario NAME --mitigate M` (`baton scenarios` lists them) or rehearse it card by card with `baton rehearse`, then record the choice with `baton do {slug} choose-mitigation --scenario NAME --mitigation M --reason WHY`.\n",
        slug = p.slug
    );
}
