//! Sessions of the roll-out: who is invited, the regular waves, moves, cancellations,
//! catch-ups and the optional modules.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;

use super::{location, step, Record, Rollout, Session, MODULES};
use crate::demo::plan::{at, at_local, day, local_start, plus, workdays_after, ymd, Plan};
use crate::demo::world::BRANCHES;
use crate::domain::Timestamp;

impl Rollout<'_> {
    /// Learners still in the program on `d` who were enrolled before `scheduled`.
    fn active_learners(&self, scheduled: NaiveDate, d: NaiveDate) -> Vec<String> {
        self.learners
            .iter()
            .filter(|(l, on)| {
                *on < scheduled && self.w.leaves_program_on(l).is_none_or(|left| left > d)
            })
            .map(|(l, _)| l.clone())
            .collect()
    }

    /// Whether the learner attended the module before `at`, or is invited to a session of it
    /// that is still to come.
    fn covered(&self, learner: &str, module: usize, at: Timestamp) -> bool {
        self.records.iter().any(|r| {
            r.module == module
                && !r.cancelled
                && r.invitees.iter().any(|i| i == learner)
                && (r.held_at > at || r.present.iter().any(|p| p == learner))
        })
    }

    fn next_central_trainer(&mut self) -> String {
        let t = self.central_trainers[self.round_robin % self.central_trainers.len()].clone();
        self.round_robin += 1;
        t
    }

    pub(super) fn waves(&mut self, plan: &mut Plan) {
        // Regular waves: one session per branch (two at Central) for each required module.
        let waves = [
            (0, day(2026, 1, 30), day(2026, 2, 3), 2),
            (1, day(2026, 2, 24), day(2026, 3, 3), 2),
            (2, day(2026, 4, 1), day(2026, 4, 14), 3),
            (3, day(2026, 5, 26), day(2026, 6, 2), 3),
        ];
        let mut all = Vec::new();
        for (module, scheduled, first, spacing) in waves {
            let mut k = 0;
            for branch in BRANCHES {
                let on = workdays_after(first, k * spacing);
                let learners: Vec<String> = self
                    .active_learners(scheduled, on)
                    .into_iter()
                    .filter(|l| self.w.branch_on(l, on) == branch)
                    .collect();
                let groups: Vec<(String, Vec<String>)> = if branch == "central" {
                    let half = learners.len().div_ceil(2);
                    vec![
                        ("central-a".into(), learners[..half].to_vec()),
                        ("central-b".into(), learners[half..].to_vec()),
                    ]
                } else {
                    vec![(branch.to_string(), learners)]
                };
                for (g, invitees) in groups {
                    let on = workdays_after(first, k * spacing);
                    k += 1;
                    let trainer = match self.branch_trainer.get(branch) {
                        Some(t) => t.clone(),
                        None => self.next_central_trainer(),
                    };
                    let hour = if k % 2 == 0 { 14 } else { 9 };
                    let start = on.and_hms_opt(hour, 30, 0).expect("time");
                    all.push(Session {
                        id: format!("{}-{g}", MODULES[module].id),
                        module,
                        trainer,
                        start,
                        location: location(branch),
                        capacity: 16,
                        invitees,
                        scheduled_at: at(scheduled, 16, 0),
                    });
                }
            }
        }
        // Five sessions are moved a week later, a few days ahead.
        let reasons = [
            "trainer ill",
            "room needed for a school visit",
            "vendor maintenance window on the training database",
            "branch short-staffed that day",
            "clashes with the staff meeting",
        ];
        let mut movable: Vec<usize> = (0..all.len())
            .filter(|&i| {
                let s = &all[i];
                s.id != "m3-riverside" && s.id != "m4-old-town" && s.id != "m1-central-a"
            })
            .collect();
        let mut moved = Vec::new();
        for reason in reasons {
            // A session whose invitee leaves the program within the week it is moved by is
            // drawn again: nobody attends after leaving.
            loop {
                let k = plan.between(0, movable.len() as i64 - 1) as usize;
                let i = movable.remove(k);
                let d = all[i].start.date();
                let leaving = all[i]
                    .invitees
                    .iter()
                    .any(|l| self.w.leaves_program_on(l).is_some_and(|u| u <= plus(d, 8)));
                if !leaving {
                    moved.push((i, reason));
                    break;
                }
            }
        }
        moved.sort();
        let coord = self.coord.clone();
        let withdrawing = self.w.trainer_candidates[self.w.withdrawing].clone();
        let withdraw_day = day(2026, 6, 12);
        for (i, mut s) in all.into_iter().enumerate() {
            self.schedule(plan, &s);
            if let Some((_, reason)) = moved.iter().find(|(j, _)| *j == i) {
                let original = s.start;
                s.start = original + chrono::Duration::days(7);
                let when = at_local(original - chrono::Duration::days(4))
                    .max(s.scheduled_at.plus_seconds(3600));
                step(
                    plan,
                    when,
                    &coord,
                    json!({"type": "RescheduleSession", "session": s.id, "start": local_start(s.start), "reason": reason}),
                );
            }
            if s.id == "m3-riverside" {
                // Water damage the day before: cancelled, and held a week later instead.
                let eve = plus(s.start.date(), -1);
                self.cancel(
                    plan,
                    &s,
                    at(eve, 8, 0),
                    "branch closed: water damage in the staff room",
                );
                let mut again = s.clone();
                again.id = "m3-riverside-2".into();
                again.start = s.start + chrono::Duration::days(7);
                again.scheduled_at = at(eve, 14, 0);
                self.schedule(plan, &again);
                self.hold(plan, &again);
                continue;
            }
            if s.trainer == withdrawing && s.start.date() > withdraw_day {
                self.cancel(
                    plan,
                    &s,
                    at(withdraw_day, 11, 30),
                    "trainer withdrew from the program",
                );
                let mut again = s.clone();
                again.id = format!("{}-2", s.id);
                again.trainer = self.next_central_trainer();
                again.start = s.start + chrono::Duration::days(7);
                again.scheduled_at = at(day(2026, 6, 15), 10, 0);
                self.schedule(plan, &again);
                self.hold(plan, &again);
                continue;
            }
            self.hold(plan, &s);
        }
        step(
            plan,
            at(withdraw_day, 11, 0),
            &coord,
            json!({"type": "WithdrawTrainer", "person": withdrawing, "reason": "takes over the branch's events programme; no time left for training", "on": ymd(withdraw_day)}),
        );

        // Catch-up sessions at Central for whoever missed a required module.
        let catch_ups = [
            (0, day(2026, 3, 2), day(2026, 3, 17)),
            (1, day(2026, 4, 13), day(2026, 4, 28)),
            (2, day(2026, 6, 1), day(2026, 6, 16)),
            (0, day(2026, 9, 1), day(2026, 9, 10)),
            (1, day(2026, 9, 1), day(2026, 9, 17)),
            (2, day(2026, 9, 1), day(2026, 9, 24)),
            (3, day(2026, 9, 1), day(2026, 10, 1)),
            (0, day(2026, 10, 12), day(2026, 10, 22)),
            (1, day(2026, 10, 12), day(2026, 10, 27)),
            (2, day(2026, 10, 12), day(2026, 11, 10)),
            (3, day(2026, 10, 12), day(2026, 11, 12)),
        ];
        let mut n = BTreeMap::new();
        for (module, scheduled, on) in catch_ups {
            let scheduled_at = at(scheduled, 16, 0);
            let invitees: Vec<String> = self
                .active_learners(scheduled, on)
                .into_iter()
                .filter(|l| !self.covered(l, module, scheduled_at))
                .take(16)
                .collect();
            if invitees.is_empty() {
                continue;
            }
            let k = n.entry(module).or_insert(0);
            *k += 1;
            let s = Session {
                id: format!("{}-catch-up-{k}", MODULES[module].id),
                module,
                trainer: self.next_central_trainer(),
                start: on.and_hms_opt(14, 0, 0).expect("time"),
                location: location("central"),
                capacity: 16,
                invitees,
                scheduled_at,
            };
            self.schedule(plan, &s);
            self.hold(plan, &s);
        }

        // Optional modules in the autumn: copy cataloguing, and reports for managers.
        let scheduled = day(2026, 8, 31);
        let cataloguers: Vec<String> = self
            .active_learners(scheduled, day(2026, 9, 22))
            .into_iter()
            .filter(|l| {
                let p = self.w.person(l);
                p.department == "cataloguing"
                    && *l != self.w.head_cataloguer
                    && *l != self.w.acquisitions
            })
            .collect();
        let mut others: Vec<String> = self
            .active_learners(scheduled, day(2026, 9, 22))
            .into_iter()
            .filter(|l| {
                self.w.person(l).department != "cataloguing"
                    && !self.w.managers.iter().any(|m| &m.1 == l)
            })
            .collect();
        let mut extra = Vec::new();
        for _ in 0..12 {
            let k = plan.between(0, others.len() as i64 - 1) as usize;
            extra.push(others.remove(k));
        }
        let m5a: Vec<String> = cataloguers
            .iter()
            .cloned()
            .chain(extra[..6].iter().cloned())
            .collect();
        let m5b: Vec<String> = extra[6..].to_vec();
        let cat_trainer = self.w.trainer_candidates[3].clone();
        self.optional_module(
            plan,
            (4, &cat_trainer, 12, scheduled),
            [
                ("m5-a", m5a, day(2026, 9, 8)),
                ("m5-b", m5b, day(2026, 9, 22)),
            ],
        );
        let scheduled = day(2026, 9, 14);
        let mut leads: Vec<String> = self
            .w
            .managers
            .iter()
            .skip(1)
            .map(|m| m.1.clone())
            .collect();
        leads.push(self.w.youth_lead.clone());
        leads.push(self.w.head_cataloguer.clone());
        leads.push(self.w.joiners[3].id.clone());
        let reports_trainer = self.central_trainers[0].clone();
        self.optional_module(
            plan,
            (5, &reports_trainer, 8, scheduled),
            [
                ("m6-a", leads[..5].to_vec(), day(2026, 10, 6)),
                ("m6-b", leads[5..].to_vec(), day(2026, 11, 5)),
            ],
        );
    }

    /// Two sessions of an optional module at Central, 9:30, scheduled together at 16:00 on
    /// `scheduled`, then held: `(module, trainer, capacity, scheduled)` and each session's
    /// id, invitees and day.
    fn optional_module(
        &mut self,
        plan: &mut Plan,
        (module, trainer, capacity, scheduled): (usize, &str, u32, NaiveDate),
        sessions: [(&str, Vec<String>, NaiveDate); 2],
    ) {
        for (id, invitees, on) in sessions {
            let s = Session {
                id: id.into(),
                module,
                trainer: trainer.to_string(),
                start: on.and_hms_opt(9, 30, 0).expect("time"),
                location: location("central"),
                capacity,
                invitees,
                scheduled_at: at(scheduled, 16, 0),
            };
            self.schedule(plan, &s);
            self.hold(plan, &s);
        }
    }

    fn schedule(&mut self, plan: &mut Plan, s: &Session) {
        step(
            plan,
            s.scheduled_at,
            &self.coord.clone(),
            json!({"type": "ScheduleSession", "session": s.id, "module": MODULES[s.module].id, "trainers": [s.trainer],
                   "start": local_start(s.start), "duration_minutes": MODULES[s.module].minutes, "location": s.location,
                   "capacity": s.capacity, "invitees": s.invitees}),
        );
    }

    fn cancel(&mut self, plan: &mut Plan, s: &Session, when: Timestamp, reason: &str) {
        step(
            plan,
            when,
            &self.coord.clone(),
            json!({"type": "CancelSession", "session": s.id, "reason": reason}),
        );
        self.records.push(Record {
            module: s.module,
            invitees: s.invitees.clone(),
            held_at: when,
            cancelled: true,
            present: Vec::new(),
        });
    }
}
