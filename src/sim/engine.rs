//! The event-driven engine: one run of a plan under a scenario, in compact form.
//!
//! Only dated things are processed — sessions, evaluations, departures, withdrawals, card
//! effects, the survey — in day order; forgetting between them is computed in closed form.
//! Every random number comes from the run's ChaCha streams ([`Draws`]), one stream per person
//! with a fixed layout, so that a change that does not touch a person leaves their draws alone
//! (common random numbers).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::model;
use super::params::Params;
use super::plan::{Plan, Release, TrainerAnswer};
use super::truck;
use crate::domain::events::AbsenceReason;
use crate::domain::retention::{self, SpacedTrace};

/// A parameter change on a day (a card's effect, a response chosen, a mitigation from day 0).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamChange {
    /// The day (from the fork) it takes effect.
    pub day: i32,
    /// The parameter.
    pub name: String,
    /// Its new value.
    pub value: f64,
    /// The card that fired it, if any (for the story).
    pub card: Option<usize>,
}

/// What one run gives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunOutcome {
    /// The first day (from the fork) at whose end progress ≥ target; `None` within the horizon.
    pub completion_day: Option<i32>,
    /// The deadline at the end of the run (it may have moved).
    pub deadline: i32,
    /// Proficient ÷ audience at the deadline (the dashboard's definition).
    pub proficient_share: f64,
    /// Share of the audience at go-live still proficient after forgetting.
    pub proficient_at_golive: f64,
    /// Mean retention of the outcome skill 6 months after the last session held.
    pub retention_6m: Option<f64>,
    /// The day of the last session held.
    pub end_day: i32,
    /// The truck factor at the end.
    pub truck_factor: u32,
    /// Skills (indices) with one holder at the end.
    pub single_holder: Vec<usize>,
    /// Supervisors in the ledger whose commitment was kept, and those with a verdict.
    pub commitments_kept: (u32, u32),
    /// Simulated person-weeks (audience × weeks from fork to the end of the run).
    pub person_weeks: f64,
    /// Proficient ÷ audience, per mille, at the end of every [`WEEK`]-th day from the fork
    /// (day 0, 7, 14, … up to the horizon): the outcome over time, for the fan chart.
    pub weekly: Vec<u16>,
}

/// The spacing of [`RunOutcome::weekly`], in days.
pub const WEEK: i32 = 7;

/// The timeline `(day, proficient, audience)` (sorted by day, each entry holding until the
/// next) read at day 0, [`WEEK`], 2 × [`WEEK`], … up to `horizon`, per mille.
fn weekly_shares(timeline: &[(i32, u32, u32)], horizon: i32) -> Vec<u16> {
    let mut out = Vec::with_capacity((horizon.max(0) / WEEK + 1) as usize);
    let mut i = 0;
    let mut day = 0;
    while day <= horizon {
        while i + 1 < timeline.len() && timeline[i + 1].0 <= day {
            i += 1;
        }
        let share = match timeline.get(i) {
            Some(&(_, p, a)) if a > 0 => (u64::from(p) * 1000 / u64::from(a)) as u16,
            _ => 0,
        };
        out.push(share);
        day += WEEK;
    }
    out
}

/// One thing that happened in a run (recorded only when asked, for the story and the events).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Happening {
    /// A card fired.
    Card {
        /// Day.
        day: i32,
        /// Card index.
        card: usize,
    },
    /// A parameter changed.
    Changed {
        /// Day.
        day: i32,
        /// Name.
        name: String,
        /// Value.
        value: f64,
    },
    /// A session was planned (a round of an unscheduled module, or a catch-up).
    Scheduled {
        /// Day it is held.
        day: i32,
        /// Index in [`Sessions`].
        session: usize,
    },
    /// A session was held.
    Held {
        /// Day.
        day: i32,
        /// Index in [`Sessions`].
        session: usize,
        /// The trainer who taught it (a backup when the planned ones were gone).
        trainer: usize,
        /// Whether a backup trainer took over.
        backup: bool,
        /// Attendance: learner, present, reason when absent.
        attendance: Vec<(usize, bool, Option<AbsenceReason>)>,
    },
    /// A session was cancelled (no trainer left).
    Cancelled {
        /// Day.
        day: i32,
        /// Index in [`Sessions`].
        session: usize,
    },
    /// A learner was evaluated in the outcome skill.
    Evaluated {
        /// Day.
        day: i32,
        /// Learner.
        learner: usize,
        /// Level shown.
        level: u8,
    },
    /// A person left the organization (their last day).
    Left {
        /// Last day.
        day: i32,
        /// Person.
        person: usize,
        /// Whether it was the key person.
        key: bool,
    },
    /// A trainer withdrew.
    TrainerWithdrew {
        /// Day.
        day: i32,
        /// Trainer.
        trainer: usize,
    },
    /// A supervisor withdrew their commitments.
    CommitmentsWithdrawn {
        /// Day.
        day: i32,
        /// Supervisor.
        supervisor: usize,
    },
    /// The deadline moved.
    DeadlineMoved {
        /// Day.
        day: i32,
        /// New deadline (day).
        deadline: i32,
    },
    /// A skills survey found hidden experts.
    Surveyed {
        /// Day.
        day: i32,
        /// People assessed (at level 3 in the scarce skill).
        people: Vec<usize>,
    },
    /// The target was met for the first time.
    TargetMet {
        /// Day.
        day: i32,
    },
}

/// A session of the run (planned, generated or a catch-up).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSession {
    /// Id (planned ones keep theirs).
    pub id: String,
    /// Day.
    pub day: i32,
    /// Module.
    pub module: usize,
    /// Trainers.
    pub trainers: Vec<usize>,
    /// Seats.
    pub capacity: u32,
    /// Invited learners.
    pub invitees: Vec<usize>,
    /// Whether it existed in the plan.
    pub planned: bool,
    /// Local time.
    pub time: String,
    /// Length.
    pub duration_minutes: u32,
    /// Where.
    pub location: String,
}

/// The sessions of one run.
pub type Sessions = Vec<RunSession>;

/// A recorded run: what happened and its sessions.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Trace {
    /// Happenings in order.
    pub happenings: Vec<Happening>,
    /// Every session of the run, by index.
    pub sessions: Sessions,
}

/// The run's random numbers: a ChaCha8 key from (seed, run), one stream per person.
pub struct Draws {
    key: [u8; 32],
}

/// Words of a person's first block, by purpose.
mod slot {
    pub const LEAVE: usize = 0;
    pub const ADOPT: usize = 1;
    pub const TRANSFER: usize = 2; // and 3 (a normal pair)
    pub const TRAINER_ACCEPT: usize = 4;
    pub const TRAINER_WITHDRAW: usize = 5;
    pub const TRAINER_DAY: usize = 6;
    pub const SUP_RELEASE: usize = 7;
    pub const SUP_WITHDRAW: usize = 8;
    pub const SUP_DAY: usize = 9;
    pub const SUP_SUPPORT: usize = 10; // and 11
    pub const EVAL: usize = 12; // 12..16
    pub const ATTEND: usize = 16; // 16..32
    pub const SIZE: usize = 32;
}

impl Draws {
    /// The draws of run `run` under `seed`.
    pub fn new(seed: u64, run: u64) -> Draws {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..].copy_from_slice(&run.to_le_bytes());
        Draws {
            key: *blake3::hash(&bytes).as_bytes(),
        }
    }

    /// A person's stream `purpose` (0: the fixed block, 1: practice, 2: overflow).
    fn stream(&self, person: usize, purpose: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::from_seed(self.key);
        rng.set_stream(((person as u64) << 8) | purpose);
        rng
    }

    fn block(&self, person: usize) -> [f64; slot::SIZE] {
        let mut rng = self.stream(person, 0);
        let mut out = [0.0; slot::SIZE];
        for x in &mut out {
            *x = unit(rng.next_u64());
        }
        out
    }
}

/// A uniform number in [0, 1) from 53 random bits.
fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal from two uniforms (Box–Muller).
fn normal(u1: f64, u2: f64) -> f64 {
    (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The first day (≥ 1) of a constant daily hazard, from a uniform draw: the same law as one
/// Bernoulli trial a day (`1 − (1 − p)^d`), so the day-by-day stepper agrees.
pub fn first_day(hazard: f64, u: f64) -> Option<i32> {
    if hazard <= 0.0 {
        return None;
    }
    let p = 1.0 - (-hazard).exp();
    let d = ((1.0 - u).ln() / (1.0 - p).ln()).floor() + 1.0;
    (d < 1e7).then_some(d as i32)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Change(usize),
    Gone(usize),
    TrainerWithdraw(usize),
    SupervisorWithdraw(usize),
    KeyPerson,
    DeadlineMove,
    Survey,
    Session(usize),
    CatchUp(usize),
    Evaluate(usize),
}

struct Learner {
    gone: i32,
    adopt: i32,
    attended: u64,
    failed: bool,
    level: Option<u8>,
    evaluated: Option<i32>,
    /// The day from which they are proficient (assessed at or above the outcome's level).
    proficient_since: Option<i32>,
    pending_eval: bool,
    invitations: usize,
    evals: usize,
    trace: Option<SpacedTrace>,
    transfer: f64,
}

/// Runs the plan once. `horizon` is the last day simulated; `trace` records what happened.
pub fn run(
    plan: &Plan,
    base: &Params,
    changes: &[ParamChange],
    draws: &Draws,
    horizon: i32,
    mut trace: Option<&mut Trace>,
) -> RunOutcome {
    let mut params = base.clone();
    // Day-0 changes (mitigations) apply before anything is decided.
    let mut next_change = 0;
    while next_change < changes.len() && changes[next_change].day <= 0 {
        let c = &changes[next_change];
        let _ = params.set(&c.name, c.value);
        next_change += 1;
    }
    let n_people = plan.people.len();
    let blocks: Vec<[f64; slot::SIZE]> = (0..n_people).map(|p| draws.block(p)).collect();
    let mut overflow: Vec<Option<ChaCha8Rng>> = (0..n_people).map(|_| None).collect();
    let mut uniform_overflow = |p: usize| -> f64 {
        let rng = overflow[p].get_or_insert_with(|| draws.stream(p, 2));
        unit(rng.next_u64())
    };
    let mut heap: BinaryHeap<Reverse<(i32, Kind)>> = BinaryHeap::new();
    let record = |t: &mut Option<&mut Trace>, h: Happening| {
        if let Some(t) = t.as_deref_mut() {
            t.happenings.push(h);
        }
    };

    // People: when they are gone (the day after their last day).
    let hazard = params.daily_turnover_hazard();
    let mut gone: Vec<i32> = (0..n_people)
        .map(|p| {
            let last = plan.people[p]
                .last_day
                .or_else(|| first_day(hazard, blocks[p][slot::LEAVE]));
            match last {
                Some(l) if l < horizon => l + 1,
                _ => i32::MAX,
            }
        })
        .collect();
    for (p, &g) in gone.iter().enumerate() {
        if g != i32::MAX {
            heap.push(Reverse((g, Kind::Gone(p))));
        }
    }

    // Trainers.
    let mut trainer_gone: Vec<i32> = plan
        .trainers
        .iter()
        .map(|t| match t.answer {
            TrainerAnswer::Accepted => gone[t.person],
            TrainerAnswer::Invited
                if blocks[t.person][slot::TRAINER_ACCEPT] < params.trainers_acceptance =>
            {
                gone[t.person]
            }
            _ => i32::MIN,
        })
        .collect();
    let window = plan.deadline.max(1) as f64;
    for (i, t) in plan.trainers.iter().enumerate() {
        if trainer_gone[i] > 0 {
            let d = 1 + (blocks[t.person][slot::TRAINER_DAY] * window) as i32;
            heap.push(Reverse((d, Kind::TrainerWithdraw(i))));
        }
    }

    // Supervisors.
    let mut sup_withdrawn: Vec<bool> = vec![false; plan.supervisors.len()];
    let mut sup_breached: Vec<bool> = plan.supervisors.iter().map(|s| s.breached).collect();
    for (i, s) in plan.supervisors.iter().enumerate() {
        if s.committed > 0 {
            let d = 1 + (blocks[s.person][slot::SUP_DAY] * window) as i32;
            heap.push(Reverse((d, Kind::SupervisorWithdraw(i))));
        }
    }
    let support: Vec<f64> = plan
        .supervisors
        .iter()
        .map(|s| {
            normal(
                blocks[s.person][slot::SUP_SUPPORT],
                blocks[s.person][slot::SUP_SUPPORT + 1],
            )
        })
        .collect();

    // Learners.
    let period = params.adoption_period;
    let mut learners: Vec<Learner> = plan
        .learners
        .iter()
        .map(|l| {
            let b = &blocks[l.person];
            let adopt = if params.adoption_voluntary >= 0.5 && l.attended == 0 {
                let t =
                    model::bass_adoption_time(params.adoption_p, params.adoption_q, b[slot::ADOPT]);
                (t * period).ceil().min(1e7) as i32
            } else {
                0
            };
            let trace = l.exposures.split_first().map(|(&(first, _), rest)| {
                let mut t = SpacedTrace::trained(
                    retention::program_skill(),
                    first as f64,
                    params.retention_interval,
                );
                for &(d, minutes) in rest {
                    t.expose(d as f64, minutes);
                }
                t
            });
            Learner {
                gone: gone[l.person],
                adopt,
                attended: l.attended,
                failed: l.failed,
                level: plan.people[l.person].levels[plan.outcome.skill_index],
                evaluated: l.evaluated.then_some(0),
                proficient_since: plan.people[l.person].levels[plan.outcome.skill_index]
                    .is_some_and(|x| x >= plan.outcome.level)
                    .then_some(0),
                pending_eval: false,
                invitations: 0,
                evals: 0,
                trace,
                transfer: normal(b[slot::TRANSFER], b[slot::TRANSFER + 1]),
            }
        })
        .collect();

    // Sessions: the plan's, then a round for each required module without any.
    let mut sessions: Sessions = plan
        .sessions
        .iter()
        .map(|s| RunSession {
            id: s.id.clone(),
            day: s.day,
            module: s.module,
            trainers: s.trainers.clone(),
            capacity: s.capacity,
            invitees: s.invitees.clone(),
            planned: true,
            time: s.time.clone(),
            duration_minutes: s.duration_minutes,
            location: s.location.clone(),
        })
        .collect();
    let mut round = 0;
    for (m, module) in plan.modules.iter().enumerate() {
        if module.has_sessions {
            continue;
        }
        round += 1;
        let start = (plan.template_start + round * params.round_gap as i32).max(1);
        for (k, t) in plan.template.iter().enumerate() {
            let invitees: Vec<usize> = t
                .invitees
                .iter()
                .copied()
                .filter(|&l| learners[l].attended & (1 << m) == 0)
                .collect();
            if invitees.is_empty() {
                continue;
            }
            sessions.push(RunSession {
                id: format!("sim-{}-{}", module.id, k + 1),
                day: start + t.offset,
                module: m,
                trainers: t.trainers.clone(),
                capacity: t.capacity.max(invitees.len() as u32),
                invitees,
                planned: false,
                time: t.time.clone(),
                duration_minutes: t.duration_minutes,
                location: t.location.clone(),
            });
        }
    }
    for (i, s) in sessions.iter().enumerate() {
        if s.day <= horizon {
            heap.push(Reverse((s.day, Kind::Session(i))));
        }
        if !s.planned {
            record(
                &mut trace,
                Happening::Scheduled {
                    day: s.day,
                    session: i,
                },
            );
        }
    }
    // The last day of each module's sessions; its catch-ups follow.
    let n_modules = plan.modules.len();
    let mut last_of_module = vec![0i32; n_modules];
    for s in &sessions {
        last_of_module[s.module] = last_of_module[s.module].max(s.day);
    }
    let mut catchup_pending = vec![false; n_modules];
    for (m, &last) in last_of_module.iter().enumerate() {
        let d = last.max(0) + params.catchup_interval as i32;
        if d <= horizon {
            heap.push(Reverse((d, Kind::CatchUp(m))));
            catchup_pending[m] = true;
        }
    }
    let mut catchups = vec![0u32; n_modules];
    // Learners who attended every outcome module but were not evaluated yet.
    let outcome_mask = plan.outcome_mask();
    let eval_level = plan.evaluation_level();
    let top_module = plan
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| m.outcome_target == Some(eval_level))
        .map(|(i, _)| i)
        .next()
        .unwrap_or(0);
    let delay = params.evaluation_delay as i32;
    for (i, l) in learners.iter_mut().enumerate() {
        if l.attended & outcome_mask == outcome_mask && l.evaluated.is_none() && !l.failed {
            l.pending_eval = true;
            heap.push(Reverse((1 + delay.max(0), Kind::Evaluate(i))));
        }
    }
    let timed = |params: &Params, heap: &mut BinaryHeap<Reverse<(i32, Kind)>>, from: i32| {
        for (value, kind) in [
            (params.key_person_leaves, Kind::KeyPerson),
            (params.deadline_moves_after, Kind::DeadlineMove),
            (params.survey_after, Kind::Survey),
        ] {
            if value >= 0.0 {
                heap.push(Reverse(((value as i32).max(from), kind)));
            }
        }
    };
    timed(&params, &mut heap, 1);
    for (i, c) in changes.iter().enumerate().skip(next_change) {
        heap.push(Reverse((c.day, Kind::Change(i))));
    }

    let mut deadline = plan.deadline;
    let mut change_start: Option<i32> =
        (params.change_after >= 0.0).then_some(params.change_after as i32);
    let mut surveyed: Vec<usize> = Vec::new();
    let mut survey_day = i32::MAX;
    let mut key_done = false;
    let mut deadline_moved = false;
    let mut end_day = 0;
    let target_num = plan.outcome.share_per_mille as u64;
    let level = plan.outcome.level;
    let mut completion: Option<i32> = None;
    // (day, proficient, audience) whenever they change.
    let mut timeline: Vec<(i32, u32, u32)> = Vec::new();
    let count = |learners: &[Learner], day: i32| {
        let mut aud = 0;
        let mut prof = 0;
        for l in learners {
            if l.gone > day {
                aud += 1;
                if l.level.is_some_and(|x| x >= level) {
                    prof += 1;
                }
            }
        }
        (prof, aud)
    };
    let met =
        |prof: u32, aud: u32| aud > 0 && prof as u64 >= (target_num * aud as u64).div_ceil(1000);
    let (p0, a0) = count(&learners, 0);
    timeline.push((0, p0, a0));
    if met(p0, a0) {
        completion = Some(0);
        record(&mut trace, Happening::TargetMet { day: 0 });
    }

    let mut current_day = 0;
    let mut dirty = false;
    loop {
        let next = heap.peek().map(|Reverse((d, _))| *d);
        // Close the previous day: check the target at its end.
        if next != Some(current_day) && dirty {
            let (p, a) = count(&learners, current_day);
            if timeline
                .last()
                .is_none_or(|&(_, lp, la)| (lp, la) != (p, a))
            {
                timeline.push((current_day, p, a));
            }
            if completion.is_none() && met(p, a) {
                completion = Some(current_day);
                record(&mut trace, Happening::TargetMet { day: current_day });
            }
            dirty = false;
        }
        let Some(Reverse((day, kind))) = heap.pop() else {
            break;
        };
        if day > horizon {
            break;
        }
        current_day = day;
        dirty = true;
        let in_change = change_start
            .is_some_and(|s| day >= s && (day - s) < (params.change_weeks * 7.0) as i32);
        match kind {
            Kind::Change(i) => {
                let c = &changes[i];
                let _ = params.set(&c.name, c.value);
                if let Some(card) = c.card {
                    if !changes[..i]
                        .iter()
                        .any(|x| x.card == Some(card) && x.day == c.day)
                    {
                        record(&mut trace, Happening::Card { day, card });
                    }
                }
                if !c.name.is_empty() {
                    record(
                        &mut trace,
                        Happening::Changed {
                            day,
                            name: c.name.clone(),
                            value: c.value,
                        },
                    );
                }
                match c.name.as_str() {
                    "key_person.leaves_after_days" if !key_done => {
                        timed_one(&mut heap, c.value, day, Kind::KeyPerson)
                    }
                    "deadline.moves_after_days" if !deadline_moved => {
                        timed_one(&mut heap, c.value, day, Kind::DeadlineMove)
                    }
                    "survey.after_days" if survey_day == i32::MAX => {
                        timed_one(&mut heap, c.value, day, Kind::Survey)
                    }
                    "change.after_days" if c.value >= 0.0 => {
                        change_start = Some((c.value as i32).max(day))
                    }
                    _ => {}
                }
            }
            Kind::Gone(p) => {
                if gone[p] == day {
                    record(
                        &mut trace,
                        Happening::Left {
                            day: day - 1,
                            person: p,
                            key: false,
                        },
                    );
                }
            }
            Kind::KeyPerson => {
                if key_done {
                    continue;
                }
                key_done = true;
                // The trainer with the most sessions still to teach (ties: id order).
                let mut best: Option<(usize, usize)> = None;
                for (t, &t_gone) in trainer_gone.iter().enumerate() {
                    if t_gone <= day {
                        continue;
                    }
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
                    if gone[p] > day {
                        gone[p] = day + 1;
                        for (i, l) in plan.learners.iter().enumerate() {
                            if l.person == p {
                                learners[i].gone = day + 1;
                            }
                        }
                        trainer_gone[t] = trainer_gone[t].min(day + 1);
                        record(
                            &mut trace,
                            Happening::Left {
                                day,
                                person: p,
                                key: true,
                            },
                        );
                    }
                }
            }
            Kind::TrainerWithdraw(t) => {
                let p = plan.trainers[t].person;
                if trainer_gone[t] > day
                    && gone[p] > day
                    && blocks[p][slot::TRAINER_WITHDRAW] < params.trainers_withdraw_share
                {
                    trainer_gone[t] = day;
                    record(&mut trace, Happening::TrainerWithdrew { day, trainer: t });
                }
            }
            Kind::SupervisorWithdraw(s) => {
                let p = plan.supervisors[s].person;
                if !sup_withdrawn[s]
                    && gone[p] > day
                    && blocks[p][slot::SUP_WITHDRAW] < params.supervisors_withdraw_share
                {
                    sup_withdrawn[s] = true;
                    sup_breached[s] = true;
                    record(
                        &mut trace,
                        Happening::CommitmentsWithdrawn { day, supervisor: s },
                    );
                }
            }
            Kind::DeadlineMove => {
                if !deadline_moved {
                    deadline_moved = true;
                    deadline = (deadline + params.deadline_shift as i32).max(day);
                    record(&mut trace, Happening::DeadlineMoved { day, deadline });
                }
            }
            Kind::Survey => {
                if survey_day != i32::MAX {
                    continue;
                }
                survey_day = day;
                surveyed = plan
                    .outsiders
                    .iter()
                    .copied()
                    .filter(|&p| gone[p] > day)
                    .take(params.experts_hidden as usize)
                    .collect();
                record(
                    &mut trace,
                    Happening::Surveyed {
                        day,
                        people: surveyed.clone(),
                    },
                );
            }
            Kind::CatchUp(m) => {
                catchup_pending[m] = false;
                let retake = m == top_module;
                let needs = |l: &Learner| {
                    l.gone > day
                        && l.adopt <= day
                        && (l.attended & (1 << m) == 0 || (retake && l.failed && !l.pending_eval))
                };
                let invitees: Vec<usize> = (0..learners.len())
                    .filter(|&i| needs(&learners[i]))
                    .take(params.catchup_capacity as usize)
                    .collect();
                let anyone_left = learners
                    .iter()
                    .any(|l| l.gone > day && (l.attended & (1 << m) == 0 || (retake && l.failed)));
                if !invitees.is_empty() {
                    let c = catchups[m] as usize;
                    let available: Vec<usize> = (0..plan.trainers.len())
                        .filter(|&t| trainer_gone[t] > day && trainer_gone[t] != i32::MIN)
                        .collect();
                    if !available.is_empty() {
                        catchups[m] += 1;
                        let t = available[c % available.len()];
                        let tpl = plan.template.first();
                        sessions.push(RunSession {
                            id: format!("sim-{}-catch-up-{}", plan.modules[m].id, catchups[m]),
                            day,
                            module: m,
                            trainers: vec![t],
                            capacity: params.catchup_capacity as u32,
                            invitees,
                            planned: false,
                            time: "09:00".into(),
                            duration_minutes: tpl.map(|t| t.duration_minutes).unwrap_or(120),
                            location: tpl
                                .map(|t| t.location.clone())
                                .unwrap_or_else(|| "catch-up".into()),
                        });
                        let ix = sessions.len() - 1;
                        record(&mut trace, Happening::Scheduled { day, session: ix });
                        hold(
                            ix,
                            day,
                            &mut Ctx {
                                plan,
                                params: &params,
                                blocks: &blocks,
                                learners: &mut learners,
                                trainer_gone: &trainer_gone,
                                sessions: &sessions,
                                sup_withdrawn: &sup_withdrawn,
                                sup_breached: &mut sup_breached,
                                in_change,
                                heap: &mut heap,
                                outcome_mask,
                                end_day: &mut end_day,
                                overflow: &mut uniform_overflow,
                                trace: &mut trace,
                            },
                        );
                    }
                }
                if anyone_left {
                    let d = day + params.catchup_interval as i32;
                    if d <= horizon {
                        heap.push(Reverse((d, Kind::CatchUp(m))));
                        catchup_pending[m] = true;
                    }
                }
            }
            Kind::Session(i) => {
                hold(
                    i,
                    day,
                    &mut Ctx {
                        plan,
                        params: &params,
                        blocks: &blocks,
                        learners: &mut learners,
                        trainer_gone: &trainer_gone,
                        sessions: &sessions,
                        sup_withdrawn: &sup_withdrawn,
                        sup_breached: &mut sup_breached,
                        in_change,
                        heap: &mut heap,
                        outcome_mask,
                        end_day: &mut end_day,
                        overflow: &mut uniform_overflow,
                        trace: &mut trace,
                    },
                );
            }
            Kind::Evaluate(i) => {
                let l = &mut learners[i];
                l.pending_eval = false;
                if l.gone <= day {
                    continue;
                }
                let p = plan.learners[i].person;
                let u = if l.evals < 4 {
                    blocks[p][slot::EVAL + l.evals]
                } else {
                    uniform_overflow(p)
                };
                l.evals += 1;
                let pass = u < params.learning_pass;
                let shown = if pass {
                    eval_level
                } else {
                    eval_level.saturating_sub(1)
                };
                l.level = Some(shown);
                l.evaluated = Some(day);
                l.proficient_since = (shown >= level).then_some(day);
                l.failed = !pass;
                record(
                    &mut trace,
                    Happening::Evaluated {
                        day,
                        learner: i,
                        level: shown,
                    },
                );
                if !pass && !catchup_pending[top_module] {
                    let d = day.max(last_of_module[top_module]) + params.catchup_interval as i32;
                    if d <= horizon {
                        heap.push(Reverse((d, Kind::CatchUp(top_module))));
                        catchup_pending[top_module] = true;
                    }
                }
            }
        }
    }
    if dirty {
        let (p, a) = count(&learners, current_day);
        if timeline
            .last()
            .is_none_or(|&(_, lp, la)| (lp, la) != (p, a))
        {
            timeline.push((current_day, p, a));
        }
        if completion.is_none() && met(p, a) {
            completion = Some(current_day);
            record(&mut trace, Happening::TargetMet { day: current_day });
        }
    }

    if let Some(t) = trace {
        t.sessions = sessions.clone();
    }

    // The deadline's figures, from the timeline.
    let at = |d: i32| {
        timeline
            .iter()
            .take_while(|(day, _, _)| *day <= d)
            .last()
            .map(|&(_, p, a)| (p, a))
            .unwrap_or((0, 0))
    };
    let (prof_d, aud_d) = at(deadline);
    let proficient_share = if aud_d > 0 {
        prof_d as f64 / aud_d as f64
    } else {
        0.0
    };

    // Forgetting and practice after the last evaluation, read at go-live and 6 months after
    // the end of training.
    let golive = deadline + params.golive_after_deadline as i32;
    let read_6m = end_day + 182;
    let mut kept_golive = 0u32;
    let mut aud_golive = 0u32;
    let mut ret_sum = 0.0;
    let mut ret_n = 0u32;
    for (i, l) in learners.iter().enumerate() {
        let lp = &plan.learners[i];
        let proficient_now = |d: i32| l.gone > d && l.proficient_since.is_some_and(|s| s <= d);
        let mut trace_opt = l.trace;
        let reads = {
            let (a, b) = if golive <= read_6m {
                (golive, read_6m)
            } else {
                (read_6m, golive)
            };
            [a, b]
        };
        let mut values = [None, None];
        if let (Some(mut t), Some(ev)) = (trace_opt.take(), l.evaluated) {
            let sup =
                lp.supervisor.map(|s| support[s]).unwrap_or(0.0) + params.supervisors_support_shift;
            let score = model::transfer_score(params.transfer_rho, sup, l.transfer);
            let applying_until = model::months_applying(score)
                .map(|m| ev as f64 + m * retention::DAYS_PER_MONTH)
                .unwrap_or(f64::NEG_INFINITY);
            let mut rng = draws.stream(lp.person, 1);
            let mut practice = Practice::new(&params, ev as f64, applying_until, &mut rng);
            for (k, &r) in reads.iter().enumerate() {
                while let Some((d, minutes)) = practice.next_before(r as f64, &mut rng) {
                    t.expose(d, minutes);
                }
                values[k] = Some(t.retention(r as f64));
            }
        } else if let Some(t) = trace_opt {
            values = [
                Some(t.retention(reads[0] as f64)),
                Some(t.retention(reads[1] as f64)),
            ];
        }
        let (v_golive, v_6m) = if golive <= read_6m {
            (values[0], values[1])
        } else {
            (values[1], values[0])
        };
        if l.gone > golive {
            aud_golive += 1;
            if proficient_now(golive) {
                let trained = l.level.unwrap_or(0) as f64;
                let kept = match (l.evaluated, v_golive) {
                    (Some(_), Some(r)) => retention::retained_level(lp.before as f64, trained, r),
                    _ => trained,
                };
                if kept >= level as f64 - 0.5 {
                    kept_golive += 1;
                }
            }
        }
        if l.gone > read_6m {
            if let Some(r) = v_6m {
                ret_sum += r;
                ret_n += 1;
            }
        }
    }

    // Truck factor at the end of training.
    let end = end_day;
    let mut levels: Vec<Vec<Option<u8>>> = Vec::with_capacity(n_people);
    let mut rank_src: Vec<usize> = Vec::with_capacity(n_people);
    let mut learner_of = vec![usize::MAX; n_people];
    for (i, l) in plan.learners.iter().enumerate() {
        learner_of[l.person] = i;
    }
    for p in 0..n_people {
        if gone[p] <= end {
            continue;
        }
        let mut row = plan.people[p].levels.clone();
        if learner_of[p] != usize::MAX {
            let l = &learners[learner_of[p]];
            if l.evaluated.is_some_and(|d| d > 0 && d <= end) {
                row[plan.outcome.skill_index] = l.level;
            }
        }
        if survey_day <= end && surveyed.contains(&p) {
            row[plan.scarce_skill] = Some(3);
        }
        levels.push(row);
        rank_src.push(p);
    }
    let mut order: Vec<usize> = (0..rank_src.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&plan.people[rank_src[a]], &plan.people[rank_src[b]]);
        (pa.name.as_str(), pa.id.as_str()).cmp(&(pb.name.as_str(), pb.id.as_str()))
    });
    let mut rank = vec![0; rank_src.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let holds = truck::holders(&levels, plan.skills.len());
    let (tf, _) = truck::truck_factor(&holds, plan.skills.len(), &rank);
    let single = truck::single_holder(&holds, plan.skills.len());

    let mut kept = (0, 0);
    for (s, sp) in plan.supervisors.iter().enumerate() {
        if sup_breached[s] {
            kept.1 += 1;
        } else if sp.committed > 0 && !sup_withdrawn[s] {
            kept.0 += 1;
            kept.1 += 1;
        }
    }
    let weeks = (end_day.max(deadline).min(horizon)) as f64 / 7.0;
    RunOutcome {
        completion_day: completion,
        deadline,
        proficient_share,
        proficient_at_golive: if aud_golive > 0 {
            kept_golive as f64 / aud_golive as f64
        } else {
            0.0
        },
        retention_6m: (ret_n > 0).then(|| ret_sum / ret_n as f64),
        end_day,
        truck_factor: tf,
        single_holder: single,
        commitments_kept: kept,
        person_weeks: weeks * plan.learners.len() as f64,
        weekly: weekly_shares(&timeline, horizon),
    }
}

fn timed_one(heap: &mut BinaryHeap<Reverse<(i32, Kind)>>, value: f64, day: i32, kind: Kind) {
    if value >= 0.0 {
        heap.push(Reverse(((value as i32).max(day), kind)));
    }
}

struct Ctx<'a, 'b, F: FnMut(usize) -> f64> {
    plan: &'a Plan,
    params: &'a Params,
    blocks: &'a [[f64; slot::SIZE]],
    learners: &'a mut [Learner],
    trainer_gone: &'a [i32],
    sessions: &'a Sessions,
    sup_withdrawn: &'a [bool],
    sup_breached: &'a mut [bool],
    in_change: bool,
    heap: &'a mut BinaryHeap<Reverse<(i32, Kind)>>,
    outcome_mask: u64,
    end_day: &'a mut i32,
    overflow: &'a mut F,
    trace: &'a mut Option<&'b mut Trace>,
}

/// Holds session `i` on `day`: a trainer, attendance, and the evaluations it triggers.
fn hold<F: FnMut(usize) -> f64>(i: usize, day: i32, cx: &mut Ctx<'_, '_, F>) {
    let s = &cx.sessions[i];
    let planned_trainer = s
        .trainers
        .iter()
        .copied()
        .find(|&t| cx.trainer_gone[t] > day);
    let (trainer, backup) = match planned_trainer {
        Some(t) => (t, false),
        None => {
            let backup = (cx.params.trainers_backup >= 0.5)
                .then(|| (0..cx.plan.trainers.len()).find(|&t| cx.trainer_gone[t] > day))
                .flatten();
            match backup {
                Some(t) => (t, true),
                None => {
                    if let Some(t) = cx.trace.as_deref_mut() {
                        t.happenings.push(Happening::Cancelled { day, session: i });
                    }
                    return;
                }
            }
        }
    };
    *cx.end_day = (*cx.end_day).max(day);
    let factor = if cx.in_change {
        cx.params.change_attendance
    } else {
        1.0
    };
    let mut attendance = Vec::new();
    let recording = cx.trace.is_some();
    for &li in &s.invitees {
        let lp = &cx.plan.learners[li];
        let l = &mut cx.learners[li];
        if l.gone <= day {
            if recording {
                attendance.push((li, false, Some(AbsenceReason::Leave)));
            }
            continue;
        }
        let k = l.invitations;
        l.invitations += 1;
        let u = if k < 16 {
            cx.blocks[lp.person][slot::ATTEND + k]
        } else {
            (cx.overflow)(lp.person)
        };
        if l.adopt > day {
            if recording {
                attendance.push((li, false, Some(AbsenceReason::Other)));
            }
            continue;
        }
        let released = released(cx.plan, cx.params, cx.blocks, cx.sup_withdrawn, li);
        let p = if released {
            cx.params.attendance_released
        } else {
            cx.params.attendance_not_released
        } * factor;
        let present = u < p;
        if present {
            l.attended |= 1 << s.module;
            if s.module < 64 && cx.outcome_mask & (1 << s.module) != 0 {
                match &mut l.trace {
                    // The session's minutes shared among its module's skills, as on the dashboard.
                    Some(t) => t.expose(
                        day as f64,
                        s.duration_minutes as f64
                            / cx.plan.modules[s.module].skill_count.max(1) as f64,
                    ),
                    None => {
                        l.trace = Some(SpacedTrace::trained(
                            retention::program_skill(),
                            day as f64,
                            cx.params.retention_interval,
                        ))
                    }
                }
            }
            let retake = l.failed;
            if l.attended & cx.outcome_mask == cx.outcome_mask
                && !l.pending_eval
                && (l.evaluated.is_none() || retake)
                && cx.outcome_mask & (1 << s.module) != 0
            {
                l.pending_eval = true;
                // The delay is uniform on 1 ..= 2 × the mean, from the part of the next
                // evaluation's draw that does not decide the pass (so both stay uniform).
                let u = if l.evals < 4 {
                    cx.blocks[lp.person][slot::EVAL + l.evals]
                } else {
                    0.5
                };
                let p = cx.params.learning_pass;
                let v = if u < p {
                    u / p
                } else {
                    (u - p) / (1.0 - p).max(1e-12)
                };
                let delay = 1 + (v * 2.0 * cx.params.evaluation_delay).floor() as i32;
                cx.heap.push(Reverse((day + delay, Kind::Evaluate(li))));
            }
        } else if !released {
            if let Some(sup) = lp.supervisor {
                cx.sup_breached[sup] = true;
            }
        }
        if recording {
            let reason = (!present).then_some(if released {
                AbsenceReason::Workload
            } else {
                AbsenceReason::NoReleaseTime
            });
            attendance.push((li, present, reason));
        }
    }
    if let Some(t) = cx.trace.as_deref_mut() {
        t.happenings.push(Happening::Held {
            day,
            session: i,
            trainer,
            backup,
            attendance,
        });
        if t.sessions.len() < cx.sessions.len() {
            t.sessions = cx.sessions.clone();
        }
    }
}

/// Whether learner `li`'s supervisor releases them now.
fn released(
    plan: &Plan,
    params: &Params,
    blocks: &[[f64; slot::SIZE]],
    withdrawn: &[bool],
    li: usize,
) -> bool {
    let l = &plan.learners[li];
    let (u, sup_withdrawn) = match l.supervisor {
        Some(s) => (
            blocks[plan.supervisors[s].person][slot::SUP_RELEASE],
            withdrawn[s],
        ),
        None => (blocks[l.person][slot::SUP_RELEASE], false),
    };
    match l.release {
        Release::Committed if !sup_withdrawn => true,
        Release::Committed | Release::Withdrawn => false,
        Release::Declined => u < params.supervisors_declined_release,
        Release::Unanswered => u < params.supervisors_asked_release,
    }
}

/// The practice a trained learner gets after evaluation: use on the job while they apply the
/// skill, sandbox practice, refreshers — merged in day order.
struct Practice {
    next_use: f64,
    use_until: f64,
    use_rate: f64,
    use_minutes: f64,
    next_sandbox: f64,
    sandbox_rate: f64,
    sandbox_minutes: f64,
    next_refresher: f64,
    refresher_every: f64,
    refresher_minutes: f64,
}

fn exp_gap(rate: f64, rng: &mut ChaCha8Rng) -> f64 {
    if rate <= 0.0 {
        return f64::INFINITY;
    }
    -(1.0 - unit(rng.next_u64())).ln() / rate
}

impl Practice {
    fn new(params: &Params, from: f64, use_until: f64, rng: &mut ChaCha8Rng) -> Practice {
        let per_day = |per_month: f64| per_month / retention::DAYS_PER_MONTH;
        let use_rate = per_day(params.practice_per_month);
        let sandbox_rate = per_day(params.sandbox_per_month);
        let next_use = from + exp_gap(use_rate, rng);
        let next_sandbox = from + exp_gap(sandbox_rate, rng);
        Practice {
            next_use,
            use_until,
            use_rate,
            use_minutes: params.practice_minutes,
            next_sandbox,
            sandbox_rate,
            sandbox_minutes: params.sandbox_minutes,
            next_refresher: if params.refresher_every > 0.0 {
                from + params.refresher_every
            } else {
                f64::INFINITY
            },
            refresher_every: params.refresher_every,
            refresher_minutes: params.refresher_minutes,
        }
    }

    /// The next exposure on or before `limit` (day, minutes).
    fn next_before(&mut self, limit: f64, rng: &mut ChaCha8Rng) -> Option<(f64, f64)> {
        let use_at = if self.next_use <= self.use_until {
            self.next_use
        } else {
            f64::INFINITY
        };
        let first = use_at.min(self.next_sandbox).min(self.next_refresher);
        if first > limit {
            return None;
        }
        let day = first.floor();
        if first == use_at {
            self.next_use += exp_gap(self.use_rate, rng);
            Some((day, self.use_minutes))
        } else if first == self.next_sandbox {
            self.next_sandbox += exp_gap(self.sandbox_rate, rng);
            Some((day, self.sandbox_minutes))
        } else {
            self.next_refresher += self.refresher_every;
            Some((day, self.refresher_minutes))
        }
    }
}
