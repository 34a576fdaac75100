//! The reference stepper: the engine's model stepped one day at a time for every person, with
//! plain Bernoulli draws from one sequential ChaCha stream per run. Simple, slow and obviously
//! right; it covers everything the completion date depends on (sessions, catch-ups, attendance,
//! evaluations, departures, withdrawals, adoption, card effects). `tests/sim_stepper.rs` checks
//! the two agree in distribution, and `benches/sim.rs` races them.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::engine::ParamChange;
use super::model;
use super::params::Params;
use super::plan::{Plan, Release, TrainerAnswer};

/// What a stepped run gives: the completion day (from the fork) and the final deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stepped {
    /// The first day at whose end progress ≥ target.
    pub completion_day: Option<i32>,
    /// The deadline at the end.
    pub deadline: i32,
}

struct Rng(ChaCha8Rng);

impl Rng {
    fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}

struct Session {
    day: i32,
    module: usize,
    trainers: Vec<usize>,
    invitees: Vec<usize>,
}

/// Steps run `run` of `seed` day by day up to `horizon`.
pub fn step(
    plan: &Plan,
    base: &Params,
    changes: &[ParamChange],
    seed: u64,
    run: u64,
    horizon: i32,
) -> Stepped {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&run.to_le_bytes());
    key[16..].copy_from_slice(b"reference-stepr!");
    let mut rng = Rng(ChaCha8Rng::from_seed(key));
    let mut params = base.clone();
    for c in changes.iter().filter(|c| c.day <= 0) {
        let _ = params.set(&c.name, c.value);
    }
    let n_learners = plan.learners.len();
    let n_modules = plan.modules.len();
    let window = plan.deadline.max(1);
    let level = plan.outcome.level;
    let eval_level = plan.evaluation_level();
    let outcome_mask = plan.outcome_mask();
    let top = (0..n_modules)
        .find(|&m| plan.modules[m].outcome_target == Some(eval_level))
        .unwrap_or(0);

    // People: gone from the day after their last day.
    let mut gone: Vec<i32> = plan
        .people
        .iter()
        .map(|p| p.last_day.map(|l| l + 1).unwrap_or(i32::MAX))
        .collect();
    let recorded: Vec<bool> = plan.people.iter().map(|p| p.last_day.is_some()).collect();
    let mut trainer_gone: Vec<i32> = plan
        .trainers
        .iter()
        .map(|t| match t.answer {
            TrainerAnswer::Accepted => 0,
            TrainerAnswer::Invited if rng.chance(params.trainers_acceptance) => 0,
            _ => i32::MIN,
        })
        .collect();
    let mut trainer_withdrew = vec![false; plan.trainers.len()];
    let mut trainer_drawn = vec![false; plan.trainers.len()];
    let mut sup_withdrawn = vec![false; plan.supervisors.len()];
    let mut sup_drawn = vec![false; plan.supervisors.len()];
    let sup_u: Vec<f64> = plan.supervisors.iter().map(|_| rng.uniform()).collect();
    let own_u: Vec<f64> = plan.learners.iter().map(|_| rng.uniform()).collect();

    let mut attended: Vec<u64> = plan.learners.iter().map(|l| l.attended).collect();
    let mut failed: Vec<bool> = plan.learners.iter().map(|l| l.failed).collect();
    let mut evaluated: Vec<bool> = plan.learners.iter().map(|l| l.evaluated).collect();
    let mut lvl: Vec<Option<u8>> = plan
        .learners
        .iter()
        .map(|l| plan.people[l.person].levels[plan.outcome.skill_index])
        .collect();
    let voluntary = params.adoption_voluntary >= 0.5;
    let mut adopted: Vec<bool> = plan
        .learners
        .iter()
        .map(|l| !voluntary || l.attended != 0)
        .collect();
    let mut eval_on: Vec<Option<i32>> = vec![None; n_learners];
    for i in 0..n_learners {
        if attended[i] & outcome_mask == outcome_mask && !evaluated[i] && !failed[i] {
            eval_on[i] = Some(1 + params.evaluation_delay.max(0.0) as i32);
        }
    }

    // Sessions: the plan's, then one round per required module without any.
    let mut sessions: Vec<Session> = plan
        .sessions
        .iter()
        .map(|s| Session {
            day: s.day,
            module: s.module,
            trainers: s.trainers.clone(),
            invitees: s.invitees.clone(),
        })
        .collect();
    let mut round = 0;
    for m in 0..n_modules {
        if plan.modules[m].has_sessions {
            continue;
        }
        round += 1;
        let start = (plan.template_start + round * params.round_gap as i32).max(1);
        for t in &plan.template {
            let invitees: Vec<usize> = t
                .invitees
                .iter()
                .copied()
                .filter(|&l| attended[l] & (1 << m) == 0)
                .collect();
            if !invitees.is_empty() {
                sessions.push(Session {
                    day: start + t.offset,
                    module: m,
                    trainers: t.trainers.clone(),
                    invitees,
                });
            }
        }
    }
    let mut last_of_module = vec![0i32; n_modules];
    for s in &sessions {
        last_of_module[s.module] = last_of_module[s.module].max(s.day);
    }
    let mut next_catchup: Vec<Option<i32>> = (0..n_modules)
        .map(|m| {
            Some(last_of_module[m].max(0) + params.catchup_interval as i32)
                .filter(|&d| d <= horizon)
        })
        .collect();
    let mut catchups = vec![0usize; n_modules];

    let mut deadline = plan.deadline;
    let mut key_day =
        (params.key_person_leaves >= 0.0).then(|| (params.key_person_leaves as i32).max(1));
    let mut move_day =
        (params.deadline_moves_after >= 0.0).then(|| (params.deadline_moves_after as i32).max(1));
    let mut change_start = (params.change_after >= 0.0).then_some(params.change_after as i32);
    let p_leave = 1.0 - (-params.daily_turnover_hazard()).exp();

    let met = |lvl: &[Option<u8>], gone: &[i32], day: i32| {
        let mut aud = 0u64;
        let mut prof = 0u64;
        for (i, l) in plan.learners.iter().enumerate() {
            if gone[l.person] > day {
                aud += 1;
                if lvl[i].is_some_and(|x| x >= level) {
                    prof += 1;
                }
            }
        }
        aud > 0 && prof >= (plan.outcome.share_per_mille as u64 * aud).div_ceil(1000)
    };
    if met(&lvl, &gone, 0) {
        return Stepped {
            completion_day: Some(plan.met_at_fork_on()),
            deadline,
        };
    }

    for day in 1..=horizon {
        // Card effects of the day.
        for c in changes.iter().filter(|c| c.day == day) {
            let _ = params.set(&c.name, c.value);
            match c.name.as_str() {
                "key_person.leaves_after_days" if c.value >= 0.0 => {
                    key_day = key_day.or(Some((c.value as i32).max(day)))
                }
                "deadline.moves_after_days" if c.value >= 0.0 => {
                    move_day = move_day.or(Some((c.value as i32).max(day)))
                }
                "change.after_days" if c.value >= 0.0 => {
                    change_start = Some((c.value as i32).max(day))
                }
                _ => {}
            }
        }
        // Departures: one Bernoulli trial a day for each person still here.
        for p in 0..plan.people.len() {
            if !recorded[p] && gone[p] == i32::MAX && rng.chance(p_leave) {
                gone[p] = day + 1;
            }
        }
        // Withdrawals: on a uniform day within the deadline window (a day's hazard is one over
        // the days left), then withdraw with the share's probability.
        for t in 0..plan.trainers.len() {
            if trainer_gone[t] == 0
                && !trainer_drawn[t]
                && day <= window
                && rng.chance(1.0 / (window - day + 1) as f64)
            {
                trainer_drawn[t] = true;
                let p = plan.trainers[t].person;
                if gone[p] > day && rng.chance(params.trainers_withdraw_share) {
                    trainer_withdrew[t] = true;
                    trainer_gone[t] = day;
                }
            }
        }
        for s in 0..plan.supervisors.len() {
            if plan.supervisors[s].committed > 0
                && !sup_drawn[s]
                && day <= window
                && rng.chance(1.0 / (window - day + 1) as f64)
            {
                sup_drawn[s] = true;
                if gone[plan.supervisors[s].person] > day
                    && rng.chance(params.supervisors_withdraw_share)
                {
                    sup_withdrawn[s] = true;
                }
            }
        }
        if key_day == Some(day) {
            let available = |t: usize| {
                trainer_gone[t] != i32::MIN
                    && !trainer_withdrew[t]
                    && gone[plan.trainers[t].person] > day
            };
            let mut best: Option<(usize, usize)> = None;
            for t in (0..plan.trainers.len()).filter(|&t| available(t)) {
                let n = sessions
                    .iter()
                    .filter(|s| s.day >= day && s.trainers.contains(&t))
                    .count();
                if best.is_none_or(|(_, bn)| n > bn) {
                    best = Some((t, n));
                }
            }
            if let Some((t, _)) = best {
                let p = plan.trainers[t].person;
                gone[p] = gone[p].min(day + 1);
            }
        }
        if move_day == Some(day) {
            deadline = (deadline + params.deadline_shift as i32).max(day);
        }
        // Voluntary adoption: the Bass hazard of the day.
        if voluntary {
            let period = params.adoption_period;
            let f =
                |d: i32| model::bass_share(params.adoption_p, params.adoption_q, d as f64 / period);
            let hazard = (f(day) - f(day - 1)) / (1.0 - f(day - 1)).max(1e-300);
            for a in adopted.iter_mut().filter(|a| !**a) {
                *a = rng.chance(hazard);
            }
        }
        let in_change = change_start
            .is_some_and(|s| day >= s && (day - s) < (params.change_weeks * 7.0) as i32);
        let factor = if in_change {
            params.change_attendance
        } else {
            1.0
        };
        let trainer_here = |t: usize, gone: &[i32]| {
            trainer_gone[t] != i32::MIN
                && !(trainer_withdrew[t] && trainer_gone[t] <= day)
                && gone[plan.trainers[t].person] > day
        };
        let released = |i: usize| {
            let l = &plan.learners[i];
            let (u, withdrawn) = match l.supervisor {
                Some(s) => (sup_u[s], sup_withdrawn[s]),
                None => (own_u[i], false),
            };
            match l.release {
                Release::Committed => !withdrawn,
                Release::Withdrawn => false,
                Release::Declined => u < params.supervisors_declined_release,
                Release::Unanswered => u < params.supervisors_asked_release,
            }
        };
        // Sessions of the day, then catch-ups, then evaluations.
        let mut held: Vec<(usize, Vec<usize>)> = Vec::new();
        for s in sessions.iter().filter(|s| s.day == day) {
            let teacher = s.trainers.iter().any(|&t| trainer_here(t, &gone))
                || (params.trainers_backup >= 0.5
                    && (0..plan.trainers.len()).any(|t| trainer_here(t, &gone)));
            if teacher {
                held.push((s.module, s.invitees.clone()));
            }
        }
        for (module, invitees) in held.drain(..) {
            attend(
                module,
                &invitees,
                day,
                &mut Attend {
                    plan,
                    params: &params,
                    rng: &mut rng,
                    gone: &gone,
                    adopted: &adopted,
                    attended: &mut attended,
                    failed: &failed,
                    evaluated: &evaluated,
                    eval_on: &mut eval_on,
                    factor,
                    released: &released,
                    outcome_mask,
                },
            );
        }
        for m in 0..n_modules {
            if next_catchup[m] != Some(day) {
                continue;
            }
            next_catchup[m] = None;
            let retake = m == top;
            let needs = |i: usize| {
                gone[plan.learners[i].person] > day
                    && adopted[i]
                    && (attended[i] & (1 << m) == 0
                        || (retake && failed[i] && eval_on[i].is_none()))
            };
            let invitees: Vec<usize> = (0..n_learners)
                .filter(|&i| needs(i))
                .take(params.catchup_capacity as usize)
                .collect();
            let anyone = (0..n_learners).any(|i| {
                gone[plan.learners[i].person] > day
                    && (attended[i] & (1 << m) == 0 || (retake && failed[i]))
            });
            if !invitees.is_empty() {
                let available: Vec<usize> = (0..plan.trainers.len())
                    .filter(|&t| trainer_here(t, &gone))
                    .collect();
                if !available.is_empty() {
                    catchups[m] += 1;
                    held.push((m, invitees));
                }
            }
            if anyone && day + (params.catchup_interval as i32) <= horizon {
                next_catchup[m] = Some(day + params.catchup_interval as i32);
            }
            // Catch-ups are held as they are decided, before the next module's.
            for (module, invitees) in held.drain(..) {
                attend(
                    module,
                    &invitees,
                    day,
                    &mut Attend {
                        plan,
                        params: &params,
                        rng: &mut rng,
                        gone: &gone,
                        adopted: &adopted,
                        attended: &mut attended,
                        failed: &failed,
                        evaluated: &evaluated,
                        eval_on: &mut eval_on,
                        factor,
                        released: &released,
                        outcome_mask,
                    },
                );
            }
        }
        for i in 0..n_learners {
            if eval_on[i] != Some(day) {
                continue;
            }
            eval_on[i] = None;
            if gone[plan.learners[i].person] <= day {
                continue;
            }
            let pass = rng.chance(params.learning_pass);
            lvl[i] = Some(if pass {
                eval_level
            } else {
                eval_level.saturating_sub(1)
            });
            evaluated[i] = true;
            failed[i] = !pass;
            if !pass && next_catchup[top].is_none() {
                let d = day.max(last_of_module[top]) + params.catchup_interval as i32;
                if d <= horizon {
                    next_catchup[top] = Some(d);
                }
            }
        }
        if met(&lvl, &gone, day) {
            return Stepped {
                completion_day: Some(day),
                deadline: final_deadline(deadline, move_day, day, &params),
            };
        }
    }
    Stepped {
        completion_day: None,
        deadline,
    }
}

/// The deadline at the end of the run, when the stepper stops early at completion.
fn final_deadline(deadline: i32, move_day: Option<i32>, day: i32, params: &Params) -> i32 {
    match move_day {
        Some(m) if m > day => (deadline + params.deadline_shift as i32).max(m),
        _ => deadline,
    }
}

struct Attend<'a, R: Fn(usize) -> bool> {
    plan: &'a Plan,
    params: &'a Params,
    rng: &'a mut Rng,
    gone: &'a [i32],
    adopted: &'a [bool],
    attended: &'a mut [u64],
    failed: &'a [bool],
    evaluated: &'a [bool],
    eval_on: &'a mut [Option<i32>],
    factor: f64,
    released: &'a R,
    outcome_mask: u64,
}

fn attend<R: Fn(usize) -> bool>(
    module: usize,
    invitees: &[usize],
    day: i32,
    a: &mut Attend<'_, R>,
) {
    for &i in invitees {
        if a.gone[a.plan.learners[i].person] <= day || !a.adopted[i] {
            continue;
        }
        let p = if (a.released)(i) {
            a.params.attendance_released
        } else {
            a.params.attendance_not_released
        } * a.factor;
        if !a.rng.chance(p) {
            continue;
        }
        a.attended[i] |= 1 << module;
        if a.outcome_mask & (1 << module) != 0
            && a.attended[i] & a.outcome_mask == a.outcome_mask
            && a.eval_on[i].is_none()
            && (!a.evaluated[i] || a.failed[i])
        {
            let delay = 1 + (a.rng.uniform() * 2.0 * a.params.evaluation_delay).floor() as i32;
            a.eval_on[i] = Some(day + delay);
        }
    }
}
