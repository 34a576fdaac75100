//! The training program: the roll-out of the new library system, January to October 2026.
//!
//! The story, in the order of the method: goal and desired outcome; potential trainers invited
//! (two decline); the training team prepares and test-runs the plan; six modules (four
//! required); learners enrolled and their supervisors asked for release time; four waves of
//! sessions in every branch, catch-up sessions at Central, two optional modules in the
//! autumn; absences (many for lack of release time where a supervisor declined or withdrew);
//! practice; evaluations at the four Kirkpatrick levels; follow-ups six weeks after the loans
//! module; congratulations. Along the way: a deadline change, a trainer who withdraws in June
//! (her last session is cancelled and replaced), a session cancelled for water damage,
//! rescheduled sessions, a practice entry corrected, learners who leave.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use super::plan::{at, day, plus, workday, ymd, Plan};
use super::world::World;
use crate::domain::Timestamp;

mod held;
mod sessions;

const P: &str = super::ROLLOUT;

struct Module {
    id: &'static str,
    title: &'static str,
    skills: &'static [(&'static str, u8)],
    required: bool,
    minutes: u32,
}

const MODULES: [Module; 6] = [
    Module {
        id: "m1",
        title: "Finding things in the new catalogue",
        skills: &[("catalogue-search", 2)],
        required: true,
        minutes: 120,
    },
    Module {
        id: "m2",
        title: "Loans, returns and renewals",
        skills: &[("circulation", 2)],
        required: true,
        minutes: 150,
    },
    Module {
        id: "m3",
        title: "Patron accounts, fees and holds",
        skills: &[("patron-accounts", 2)],
        required: true,
        minutes: 150,
    },
    Module {
        id: "m4",
        title: "Daily routines: opening, closing and transfers",
        skills: &[("circulation", 3)],
        required: true,
        minutes: 120,
    },
    Module {
        id: "m5",
        title: "Copy cataloguing in the new system",
        skills: &[("copy-cataloguing", 2)],
        required: false,
        minutes: 180,
    },
    Module {
        id: "m6",
        title: "Statistics and reports",
        skills: &[("reports", 2)],
        required: false,
        minutes: 120,
    },
];

/// A supervisor's answer on release time, as the demo decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Release {
    Committed { withdrawn_on: Option<NaiveDate> },
    Declined,
    Unanswered,
}

/// A session as the demo plans it.
#[derive(Clone, Debug)]
struct Session {
    id: String,
    module: usize,
    trainer: String,
    start: NaiveDateTime,
    location: String,
    capacity: u32,
    invitees: Vec<String>,
    scheduled_at: Timestamp,
}

/// What became of a session, for later decisions (catch-ups, completion).
struct Record {
    module: usize,
    invitees: Vec<String>,
    held_at: Timestamp,
    cancelled: bool,
    present: Vec<String>,
}

/// The roll-out as the script writes it: what it has decided so far, so that later steps
/// follow from earlier ones (who attended, who is released, who trains).
struct Rollout<'w> {
    w: &'w World,
    /// The training coordinator, who records most of the program's steps.
    coord: String,
    /// Accepted trainers at Central, for Central groups, catch-ups and optional modules.
    central_trainers: Vec<String>,
    /// The accepted trainer of each branch other than Central.
    branch_trainer: BTreeMap<&'static str, String>,
    /// Learners and the day they were enrolled.
    learners: Vec<(String, NaiveDate)>,
    /// Each learner's supervisor's answer on release time.
    release: BTreeMap<String, Release>,
    /// Every session planned so far, with its outcome.
    records: Vec<Record>,
    /// Follow-ups numbered so far (`f-001`, …).
    follow_ups: usize,
    /// Whether the mistyped practice entry (and its correction) was written.
    practice_mistake: bool,
    /// The next Central trainer to take a session, in turn.
    round_robin: usize,
}

/// Writes the roll-out's steps.
pub(super) fn run(plan: &mut Plan, w: &World) {
    let coord = w.coordinator.clone();
    let mut r = Rollout {
        w,
        coord: coord.clone(),
        central_trainers: Vec::new(),
        branch_trainer: BTreeMap::new(),
        learners: Vec::new(),
        release: BTreeMap::new(),
        records: Vec::new(),
        follow_ups: 0,
        practice_mistake: false,
        round_robin: 0,
    };
    r.set_up(plan);
    r.enrol(plan);
    r.waves(plan);
    r.closing(plan);
}

fn step(plan: &mut Plan, now: Timestamp, actor: &str, command: Value) {
    plan.prog(now, actor, P, command);
}

fn mark(plan: &mut Plan, d: NaiveDate, h: u32, actor: &str, step_name: &str, done: bool) {
    step(
        plan,
        at(d, h, 0),
        actor,
        json!({"type": "MarkStep", "step": step_name, "done": done, "on": ymd(d)}),
    );
}

fn location(branch: &str) -> String {
    let mut title = String::new();
    for (i, part) in branch.split('-').enumerate() {
        if i > 0 {
            title.push(' ');
        }
        let mut c = part.chars();
        if let Some(f) = c.next() {
            title.extend(f.to_uppercase());
            title.push_str(c.as_str());
        }
    }
    if branch == "central" {
        "Central Library, training room".into()
    } else {
        format!("{title} branch, staff room")
    }
}

impl Rollout<'_> {
    fn set_up(&mut self, plan: &mut Plan) {
        let c = self.coord.clone();
        let w = self.w;
        step(
            plan,
            at(day(2026, 1, 6), 9, 30),
            &c,
            json!({"type": "CreateProgram", "program": P, "kind": "training", "title": "New library system roll-out",
                   "goal": "Every branch runs loans, returns, patron accounts and catalogue searches in the new library system"}),
        );
        mark(plan, day(2026, 1, 6), 10, &c, "identify_goal", true);
        let d = day(2026, 1, 8);
        step(
            plan,
            at(d, 10, 0),
            &c,
            json!({"type": "SetDesiredOutcome", "skill": "circulation", "level": 3, "share_per_mille": 750, "by": "2026-09-30"}),
        );
        step(
            plan,
            at(d, 10, 5),
            &c,
            json!({"type": "SetDeadline", "deadline": "2026-09-30"}),
        );
        mark(plan, d, 11, &c, "determine_outcome", true);

        // Potential trainers: invited on 9 January, answers during the next week.
        let d = day(2026, 1, 9);
        for t in &w.trainer_candidates {
            step(
                plan,
                at(d, 11, 0),
                &c,
                json!({"type": "InviteTrainer", "person": t, "on": ymd(d)}),
            );
        }
        for (i, t) in w.trainer_candidates.iter().enumerate() {
            let answered = day(2026, 1, 12 + plan.between(0, 4) as u32);
            if w.declining.contains(&i) {
                let reason = if i == w.declining[0] {
                    "reference desk short-staffed until spring"
                } else {
                    "prefers to learn alongside the team"
                };
                step(
                    plan,
                    at(answered, 12, 0),
                    &c,
                    json!({"type": "DeclineInvitation", "person": t, "reason": reason, "on": ymd(answered)}),
                );
            } else {
                step(
                    plan,
                    at(answered, 12, 0),
                    &c,
                    json!({"type": "AcceptInvitation", "person": t, "on": ymd(answered)}),
                );
                let branch = w.person(t).branch;
                if branch == "central" {
                    self.central_trainers.push(t.clone());
                } else {
                    self.branch_trainer.insert(branch, t.clone());
                }
            }
        }
        mark(plan, day(2026, 1, 16), 17, &c, "identify_trainers", true);

        // The training team prepares the plan, defines the modules, test-runs it and adjusts.
        let d = day(2026, 1, 20);
        for m in &MODULES {
            step(plan, at(d, 10, 0), &c, module(m, m.title));
        }
        let team: Vec<&String> = std::iter::once(&self.coord)
            .chain(self.central_trainers.iter().take(2))
            .chain(self.branch_trainer.values().take(1))
            .collect();
        step(
            plan,
            at(day(2026, 1, 21), 14, 0),
            &c,
            json!({"type": "PreparePlan", "team": team, "on": "2026-01-21",
                   "notes": "four required modules in every branch from February to July, one trainer per session, catch-up sessions at Central; two optional modules in the autumn"}),
        );
        step(
            plan,
            at(day(2026, 1, 28), 14, 0),
            &c,
            json!({"type": "TestRunPlan", "team": team, "on": "2026-01-28",
                   "findings": "the loans module overran by forty minutes: renewals move to the daily-routines module; searches need the training database refreshed the day before"}),
        );
        step(
            plan,
            at(day(2026, 1, 28), 16, 0),
            &c,
            module(
                &MODULES[3],
                "Daily routines: renewals, opening, closing and transfers",
            ),
        );
        mark(plan, day(2026, 1, 29), 9, &c, "prepare_and_test_plan", true);
    }

    fn enrol(&mut self, plan: &mut Plan) {
        let w = self.w;
        let c = self.coord.clone();
        let d = day(2026, 1, 26);
        let not_learners = [&w.director, &w.coordinator, &w.hr];
        for p in &w.staff {
            if not_learners.contains(&&p.id) || w.trainer_candidates.contains(&p.id) {
                continue;
            }
            step(
                plan,
                at(d, 9, 0),
                &c,
                json!({"type": "EnrolLearner", "person": p.id, "on": ymd(d)}),
            );
            self.learners.push((p.id.clone(), d));
        }
        // Release time: 540 minutes, the four required modules. Asked on 27 January; each
        // supervisor answers for their people between 29 January and 4 February.
        let asked = day(2026, 1, 27);
        let learners: Vec<String> = self.learners.iter().map(|l| l.0.clone()).collect();
        for l in &learners {
            step(
                plan,
                at(asked, 10, 0),
                &c,
                json!({"type": "AskCommitment", "learner": l, "minutes": 540, "on": ymd(asked)}),
            );
        }
        let hillside = w
            .managers
            .iter()
            .find(|m| m.0 == "hillside")
            .expect("m")
            .1
            .clone();
        let east = w
            .managers
            .iter()
            .find(|m| m.0 == "east")
            .expect("m")
            .1
            .clone();
        let mut declined = 0;
        let mut unanswered = 0;
        let mut withdrawn = 0;
        for l in &learners {
            let sup = w
                .person(l)
                .supervisor
                .clone()
                .expect("learners have supervisors");
            let answer = plus(day(2026, 1, 29), plan.between(0, 6));
            let answer = workday(answer);
            if sup == hillside && declined < 4 {
                declined += 1;
                step(
                    plan,
                    at(answer, 15, 0),
                    &sup,
                    json!({"type": "DeclineCommitment", "learner": l, "reason": "short-staffed: two vacancies at the desk", "on": ymd(answer)}),
                );
                self.release.insert(l.clone(), Release::Declined);
                continue;
            }
            if sup == w.youth_lead && unanswered < 2 {
                unanswered += 1;
                self.release.insert(l.clone(), Release::Unanswered);
                continue;
            }
            let minutes = plan.weighted(&[(540, 8), (420, 1), (360, 1)]);
            step(
                plan,
                at(answer, 15, 0),
                &sup,
                json!({"type": "CommitReleaseTime", "learner": l, "minutes": minutes, "on": ymd(answer)}),
            );
            let mut withdrawn_on = None;
            if sup == east && withdrawn < 3 {
                withdrawn += 1;
                let on = day(2026, 6, 5);
                withdrawn_on = Some(on);
                step(
                    plan,
                    at(on, 9, 0),
                    &sup,
                    json!({"type": "WithdrawCommitment", "learner": l, "reason": "summer rush: the branch opens on Sundays from June", "on": ymd(on)}),
                );
            }
            self.release
                .insert(l.clone(), Release::Committed { withdrawn_on });
        }
        // Joiners are enrolled a week after they arrive; their supervisor commits at once.
        for p in &w.joiners {
            let on = plus(p.joined, 7);
            step(
                plan,
                at(on, 9, 30),
                &c,
                json!({"type": "EnrolLearner", "person": p.id, "on": ymd(on)}),
            );
            step(
                plan,
                at(on, 9, 45),
                &c,
                json!({"type": "AskCommitment", "learner": p.id, "minutes": 540, "on": ymd(on)}),
            );
            let sup = p.supervisor.clone().expect("joiners have supervisors");
            let answer = plus(on, 2);
            step(
                plan,
                at(answer, 15, 0),
                &sup,
                json!({"type": "CommitReleaseTime", "learner": p.id, "minutes": 540, "on": ymd(answer)}),
            );
            self.learners.push((p.id.clone(), on));
            self.release
                .insert(p.id.clone(), Release::Committed { withdrawn_on: None });
        }
        // A move to Central in August: release time asked again, of the new supervisor.
        if let Some(m) = w.moves.iter().find(|m| m.supervisor.is_some()) {
            let on = plus(m.on, 1);
            step(
                plan,
                at(on, 10, 0),
                &c,
                json!({"type": "AskCommitment", "learner": m.person, "minutes": 240, "on": ymd(on)}),
            );
            let sup = m.supervisor.clone().expect("supervisor");
            step(
                plan,
                at(plus(on, 1), 15, 0),
                &sup,
                json!({"type": "CommitReleaseTime", "learner": m.person, "minutes": 240, "on": ymd(plus(on, 1))}),
            );
        }
        // Learners leaving the program.
        for d in &w.departures {
            step(
                plan,
                at(d.on, 10, 0),
                &c,
                json!({"type": "WithdrawLearner", "person": d.person, "reason": d.reason, "on": ymd(d.on)}),
            );
        }
    }

    /// Whether the learner's supervisor releases them on `d`.
    fn released(&self, learner: &str, d: NaiveDate) -> bool {
        match self.release.get(learner) {
            Some(Release::Committed { withdrawn_on }) => withdrawn_on.is_none_or(|w| w > d),
            _ => false,
        }
    }

    /// Checklist steps as the method progresses, the deadline change, results, congratulations.
    fn closing(&mut self, plan: &mut Plan) {
        let c = self.coord.clone();
        mark(plan, day(2026, 1, 30), 17, &c, "schedule", true);
        mark(plan, day(2026, 2, 3), 13, &c, "go", true);
        mark(plan, day(2026, 2, 3), 14, &c, "evaluate", true);
        mark(plan, day(2026, 2, 10), 9, &c, "practice", true);
        mark(plan, day(2026, 3, 4), 11, &c, "follow_up", true);
        let d = day(2026, 5, 29);
        step(
            plan,
            at(d, 10, 0),
            &c,
            json!({"type": "SetDeadline", "deadline": "2026-11-30", "reason": "the vendor moved the patron-accounts release to November"}),
        );
        step(
            plan,
            at(d, 10, 5),
            &c,
            json!({"type": "SetDesiredOutcome", "skill": "circulation", "level": 3, "share_per_mille": 750, "by": "2026-11-30"}),
        );
        mark(plan, d, 11, &c, "schedule", false);
        mark(plan, day(2026, 6, 15), 11, &c, "schedule", true);
        for (d, metric, value) in [
            (
                day(2026, 6, 30),
                "share of loans processed in the new system (%)",
                "64.5",
            ),
            (
                day(2026, 9, 30),
                "share of loans processed in the new system (%)",
                "92.0",
            ),
            (
                day(2026, 9, 30),
                "average loan transaction time (s)",
                "38.5",
            ),
        ] {
            step(
                plan,
                at(d, 17, 0),
                &c,
                json!({"type": "RecordEvaluation", "result": {"level": "results", "metric": metric, "value": value}, "on": ymd(d)}),
            );
        }
        let mut m1_trainers: Vec<String> = self.central_trainers.clone();
        m1_trainers.extend(self.branch_trainer.values().cloned());
        step(
            plan,
            at(day(2026, 2, 20), 17, 0),
            &c,
            json!({"type": "Congratulate", "people": m1_trainers, "milestone": "every branch has had its first session on the new catalogue", "on": "2026-02-20"}),
        );
        mark(plan, day(2026, 2, 20), 17, &c, "congratulate", true);
        step(
            plan,
            at(day(2026, 7, 10), 17, 0),
            &c,
            json!({"type": "Congratulate", "people": m1_trainers, "milestone": "the four required modules have been taught in every branch", "on": "2026-07-10"}),
        );
        // North's learners who attended all four required modules by 2 October.
        let cutoff = at(day(2026, 10, 2), 12, 0);
        let north: Vec<String> = self
            .learners
            .iter()
            .map(|l| l.0.clone())
            .filter(|l| self.w.person(l).branch == "north")
            .filter(|l| {
                (0..4).all(|m| {
                    self.records.iter().any(|r| {
                        r.module == m && r.held_at <= cutoff && r.present.iter().any(|p| p == l)
                    })
                })
            })
            .collect();
        step(
            plan,
            at(day(2026, 10, 2), 17, 0),
            &c,
            json!({"type": "Congratulate", "people": north, "milestone": "North branch: the four required modules completed", "on": "2026-10-02"}),
        );
    }
}

fn module(m: &Module, title: &str) -> Value {
    let skills: Vec<Value> = m
        .skills
        .iter()
        .map(|(s, l)| json!({"skill": s, "level": l}))
        .collect();
    json!({"type": "DefineModule", "module": m.id, "title": title, "skills": skills, "required": m.required})
}
