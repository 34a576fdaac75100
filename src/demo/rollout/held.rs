//! What happens when a session is held: attendance (absences depend on release time),
//! evaluations, practice in the weeks after, and follow-ups after the loans module.

use chrono::NaiveDate;
use serde_json::json;

use super::{step, Module, Record, Rollout, Session, MODULES, P};
use crate::demo::plan::{at, at_local, plus, workday, ymd, Plan};

impl Rollout<'_> {
    /// Holds a session: attendance, evaluations, practice and follow-ups that come of it.
    pub(super) fn hold(&mut self, plan: &mut Plan, s: &Session) {
        let m = &MODULES[s.module];
        let d = s.start.date();
        let end = s.start + chrono::Duration::minutes(i64::from(m.minutes));
        let held_at = at_local(end + chrono::Duration::minutes(15));
        let mut attendance = Vec::new();
        let mut present = Vec::new();
        for l in &s.invitees {
            let released = self.released(l, d);
            let absent = plan.chance(if released { 0.10 } else { 0.45 });
            if !absent {
                attendance.push(json!({"person": l, "present": true}));
                present.push(l.clone());
                continue;
            }
            let reason = if released {
                plan.weighted(&[
                    ("illness", 35),
                    ("leave", 20),
                    ("workload", 20),
                    ("scheduling_conflict", 15),
                    ("no_release_time", 10),
                ])
            } else {
                plan.weighted(&[("no_release_time", 8), ("workload", 1), ("illness", 1)])
            };
            attendance.push(json!({"person": l, "present": false, "absence_reason": reason}));
        }
        step(
            plan,
            held_at,
            &s.trainer,
            json!({"type": "HoldSession", "session": s.id, "attendance": attendance}),
        );
        self.records.push(Record {
            module: s.module,
            invitees: s.invitees.clone(),
            held_at,
            cancelled: false,
            present: present.clone(),
        });
        let eval_at = held_at.plus_seconds(15 * 60);
        for l in &present {
            if plan.chance(0.4) {
                let rating = plan.weighted(&[(2, 1), (3, 3), (4, 9), (5, 7)]);
                step(
                    plan,
                    eval_at,
                    &s.trainer,
                    json!({"type": "RecordEvaluation", "person": l, "module": m.id, "result": {"level": "reaction", "rating": rating}, "on": ymd(d)}),
                );
            }
            for (skill, target) in m.skills {
                let mut level = if *target >= 3 {
                    plan.weighted(&[(2, 6), (3, 14)])
                } else {
                    plan.weighted(&[(1, 1), (2, 6), (3, 3)])
                };
                if self.w.is_leaver(l) {
                    level = level.min(2);
                }
                step(
                    plan,
                    eval_at,
                    &s.trainer,
                    json!({"type": "RecordEvaluation", "person": l, "module": m.id, "result": {"level": "learning", "skill": skill, "skill_level": level}, "on": ymd(d)}),
                );
            }
        }
        for l in &present {
            self.practice(plan, l, m, d);
        }
        if m.id == "m2" {
            for l in &present {
                self.follow_up(plan, l, d);
            }
        }
    }

    fn practice(&mut self, plan: &mut Plan, learner: &str, m: &Module, d: NaiveDate) {
        let skill = m.skills[0].0;
        let until = self.w.leaves_program_on(learner);
        let ok = |on: NaiveDate| until.is_none_or(|u| on < u);
        if plan.chance(0.5) {
            let on = plus(d, plan.between(1, 6));
            let minutes = 5 * plan.between(3, 12);
            if ok(on) {
                if m.id == "m2" && !self.practice_mistake {
                    // The mistake: 600 minutes typed for 60, corrected two days later.
                    self.practice_mistake = true;
                    plan.tagged(
                        "mistyped-practice",
                        at(on, 18, 0),
                        learner,
                        Some(P),
                        json!({"type": "LogPractice", "person": learner, "skill": skill, "kind": "sandbox", "minutes": 600, "on": ymd(on)}),
                    );
                    plan.fix(
                        at(plus(on, 2), 9, 0),
                        &self.coord.clone(),
                        Some(P),
                        "mistyped-practice",
                        "600 minutes typed for 60",
                        Some(json!({"type": "LogPractice", "person": learner, "skill": skill, "kind": "sandbox", "minutes": 60, "on": ymd(on)})),
                    );
                } else {
                    step(
                        plan,
                        at(on, 18, 0),
                        learner,
                        json!({"type": "LogPractice", "person": learner, "skill": skill, "kind": "sandbox", "minutes": minutes, "on": ymd(on)}),
                    );
                }
            }
        }
        if plan.chance(0.3) {
            let on = plus(d, plan.between(10, 40));
            let minutes = 15 * plan.between(2, 8);
            if ok(on) {
                step(
                    plan,
                    at(on, 17, 0),
                    learner,
                    json!({"type": "LogPractice", "person": learner, "skill": skill, "kind": "real_use", "minutes": minutes, "on": ymd(on)}),
                );
            }
        }
        if m.required && plan.chance(0.06) {
            let on = workday(plus(d, plan.between(60, 120)));
            if ok(on) {
                step(
                    plan,
                    at(on, 17, 30),
                    learner,
                    json!({"type": "LogPractice", "person": learner, "skill": skill, "kind": "refresher", "minutes": 30, "on": ymd(on)}),
                );
            }
        }
    }

    /// A follow-up six weeks after the loans module; most are done, some late, some never.
    fn follow_up(&mut self, plan: &mut Plan, learner: &str, d: NaiveDate) {
        let due = plus(d, 42);
        // Nobody is followed up who leaves the program before it could be done.
        if self
            .w
            .leaves_program_on(learner)
            .is_some_and(|u| u <= plus(due, 30))
        {
            return;
        }
        self.follow_ups += 1;
        let id = format!("f-{:03}", self.follow_ups);
        let c = self.coord.clone();
        step(
            plan,
            at(plus(d, 1), 10, 0),
            &c,
            json!({"type": "ScheduleFollowUp", "follow_up": id, "person": learner, "due": ymd(due), "purpose": "check loans and returns at the desk, six weeks on"}),
        );
        if !plan.chance(0.85) {
            return;
        }
        let done = workday(plus(due, plan.between(-3, 20)));
        let applied = plan.chance(0.85);
        let notes = if applied {
            *plan.pick(&[
                "uses the new system for every loan",
                "confident at the desk; helps colleagues",
                "fine with loans; renewals still slow",
            ])
        } else {
            *plan.pick(&[
                "still falls back on the paper slips when busy",
                "rarely at the desk since the move to events",
            ])
        };
        step(
            plan,
            at(done, 16, 0),
            &c,
            json!({"type": "CompleteFollowUp", "follow_up": id, "notes": notes, "on": ymd(done)}),
        );
        step(
            plan,
            at(done, 16, 5),
            &c,
            json!({"type": "RecordEvaluation", "person": learner, "module": "m2", "result": {"level": "behaviour", "applied": applied}, "on": ymd(done)}),
        );
    }
}
