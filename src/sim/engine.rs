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
use super::plan::{LearnerPlan, Plan, Release, TrainerAnswer};
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
    /// Whether progress reached the target by the deadline: the completion day is not after
    /// it, or, for a deadline before the fork that no change moved past it, what the log
    /// showed then ([`Plan::at_deadline`]).
    pub done_by_deadline: bool,
    /// Proficient ÷ audience at the deadline (the dashboard's definition; for a deadline
    /// before the fork, what the log showed then).
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
    DailyHazard::new(hazard).first_day(u)
}

/// A constant daily hazard with the logarithm of its daily survival computed once, for
/// [`first_day`] over many draws.
#[derive(Clone, Copy)]
struct DailyHazard {
    /// `ln(1 − p)`, `None` without any hazard.
    ln_survival: Option<f64>,
}

impl DailyHazard {
    fn new(hazard: f64) -> DailyHazard {
        DailyHazard {
            ln_survival: (hazard > 0.0).then(|| (1.0 - (1.0 - (-hazard).exp())).ln()),
        }
    }

    fn first_day(self, u: f64) -> Option<i32> {
        let d = ((1.0 - u).ln() / self.ln_survival?).floor() + 1.0;
        (d < 1e7).then_some(d as i32)
    }
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

/// Bits of an event's payload in its heap key (indices of changes, people, sessions, …).
const PAYLOAD_BITS: u32 = 28;

impl Kind {
    /// The kind as 32 bits that sort as the derived order does: the variant, then its payload.
    fn code(self) -> u32 {
        let (variant, payload) = match self {
            Kind::Change(i) => (0, i),
            Kind::Gone(i) => (1, i),
            Kind::TrainerWithdraw(i) => (2, i),
            Kind::SupervisorWithdraw(i) => (3, i),
            Kind::KeyPerson => (4, 0),
            Kind::DeadlineMove => (5, 0),
            Kind::Survey => (6, 0),
            Kind::Session(i) => (7, i),
            Kind::CatchUp(i) => (8, i),
            Kind::Evaluate(i) => (9, i),
        };
        assert!(payload < 1 << PAYLOAD_BITS, "too many events of one kind");
        (variant << PAYLOAD_BITS) | payload as u32
    }

    fn from_code(code: u32) -> Kind {
        let payload = (code & ((1 << PAYLOAD_BITS) - 1)) as usize;
        match code >> PAYLOAD_BITS {
            0 => Kind::Change(payload),
            1 => Kind::Gone(payload),
            2 => Kind::TrainerWithdraw(payload),
            3 => Kind::SupervisorWithdraw(payload),
            4 => Kind::KeyPerson,
            5 => Kind::DeadlineMove,
            6 => Kind::Survey,
            7 => Kind::Session(payload),
            8 => Kind::CatchUp(payload),
            _ => Kind::Evaluate(payload),
        }
    }
}

/// The pending events, earliest first: `(day, kind)` packed into one `u64` whose order is the
/// order of the pair, so that events pop exactly as a heap of `(day, Kind)` pairs would.
/// The events known before the run starts are sorted once (latest first, popped from the end);
/// those pushed while it runs go to a heap; the next event is the earlier of the two heads.
#[derive(Default)]
struct Events {
    sorted: Vec<u64>,
    sealed: bool,
    heap: BinaryHeap<Reverse<u64>>,
}

impl Events {
    fn push(&mut self, day: i32, kind: Kind) {
        let d = (i64::from(day) - i64::from(i32::MIN)) as u64;
        let key = (d << 32) | u64::from(kind.code());
        if self.sealed {
            self.heap.push(Reverse(key));
        } else {
            self.sorted.push(key);
        }
    }

    /// The run starts: later pushes go to the heap.
    fn seal(&mut self) {
        self.sorted.sort_unstable_by(|a, b| b.cmp(a));
        self.sealed = true;
    }

    fn peek_key(&self) -> Option<u64> {
        match (self.sorted.last(), self.heap.peek()) {
            (Some(&a), Some(&Reverse(b))) => Some(a.min(b)),
            (Some(&a), None) => Some(a),
            (None, Some(&Reverse(b))) => Some(b),
            (None, None) => None,
        }
    }

    fn peek_day(&self) -> Option<i32> {
        debug_assert!(self.sealed);
        self.peek_key().map(Self::day)
    }

    fn pop(&mut self) -> Option<(i32, Kind)> {
        let key = self.peek_key()?;
        if self.sorted.last() == Some(&key) {
            self.sorted.pop();
        } else {
            self.heap.pop();
        }
        Some((Self::day(key), Kind::from_code(key as u32)))
    }

    fn day(key: u64) -> i32 {
        ((key >> 32) as i64 + i64::from(i32::MIN)) as i32
    }

    fn clear(&mut self) {
        self.sorted.clear();
        self.heap.clear();
        self.sealed = false;
    }
}

#[derive(Clone, Copy)]
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
    transfer: f64,
}

/// Where a session of the run comes from (its id, time and place are read from there, and only
/// when a run is recorded).
#[derive(Clone, Copy, Debug)]
enum Origin {
    /// `plan.sessions[i]`.
    Planned(usize),
    /// A round of an unscheduled module copying `plan.template[k]`.
    Round { template: usize },
    /// The `n`-th catch-up of its module.
    CatchUp { n: u32 },
}

/// A session of the run in compact form: no strings, invitees in the run's arena.
#[derive(Clone, Copy, Debug)]
struct Sess {
    day: i32,
    module: usize,
    origin: Origin,
    /// The trainer of a catch-up.
    trainer: usize,
    capacity: u32,
    duration_minutes: u32,
    /// The invitees: `arena[from..to]`.
    from: u32,
    to: u32,
}

impl Sess {
    fn trainers<'a>(&'a self, plan: &'a Plan) -> &'a [usize] {
        match self.origin {
            Origin::Planned(i) => &plan.sessions[i].trainers,
            Origin::Round { template } => &plan.template[template].trainers,
            Origin::CatchUp { .. } => std::slice::from_ref(&self.trainer),
        }
    }

    fn invitees<'a>(&self, arena: &'a [usize]) -> &'a [usize] {
        &arena[self.from as usize..self.to as usize]
    }

    fn planned(&self) -> bool {
        matches!(self.origin, Origin::Planned(_))
    }

    /// The session as a recorded run shows it.
    fn to_run(self, plan: &Plan, arena: &[usize]) -> RunSession {
        let invitees = self.invitees(arena).to_vec();
        match self.origin {
            Origin::Planned(i) => {
                let s = &plan.sessions[i];
                RunSession {
                    id: s.id.clone(),
                    day: self.day,
                    module: self.module,
                    trainers: s.trainers.clone(),
                    capacity: self.capacity,
                    invitees,
                    planned: true,
                    time: s.time.clone(),
                    duration_minutes: self.duration_minutes,
                    location: s.location.clone(),
                }
            }
            Origin::Round { template } => {
                let t = &plan.template[template];
                RunSession {
                    id: format!("sim-{}-{}", plan.modules[self.module].id, template + 1),
                    day: self.day,
                    module: self.module,
                    trainers: t.trainers.clone(),
                    capacity: self.capacity,
                    invitees,
                    planned: false,
                    time: t.time.clone(),
                    duration_minutes: self.duration_minutes,
                    location: t.location.clone(),
                }
            }
            Origin::CatchUp { n } => {
                let tpl = plan.template.first();
                RunSession {
                    id: format!("sim-{}-catch-up-{}", plan.modules[self.module].id, n),
                    day: self.day,
                    module: self.module,
                    trainers: vec![self.trainer],
                    capacity: self.capacity,
                    invitees,
                    planned: false,
                    time: "09:00".into(),
                    duration_minutes: self.duration_minutes,
                    location: tpl
                        .map(|t| t.location.clone())
                        .unwrap_or_else(|| "catch-up".into()),
                }
            }
        }
    }
}

/// What a parameter change does besides setting its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    None,
    KeyPerson,
    DeadlineMove,
    Survey,
    ChangeAfter,
}

/// A [`ParamChange`] resolved once: the parameter's index when its value is accepted.
#[derive(Clone, Copy, Debug)]
struct Resolved {
    field: Option<usize>,
    special: Special,
}

/// What many runs of one plan under one list of changes share, computed once: the changes
/// resolved to parameter indices, and everyone's rank in (name, id) order for the truck
/// factor's ties.
pub struct Prepared {
    changes: Vec<Resolved>,
    /// Rank of each person in (name, id) order.
    rank: Vec<u32>,
    /// The learner index of each person, `usize::MAX` for none.
    learner_of: Vec<usize>,
    /// Whether no person is two learners.
    unique_learners: bool,
}

impl Prepared {
    /// Prepares `plan` under `changes`.
    pub fn new(plan: &Plan, changes: &[ParamChange]) -> Prepared {
        let changes = changes
            .iter()
            .map(|c| {
                let mut probe = Params::default();
                let field = probe.set(&c.name, c.value).ok().and_then(|()| {
                    super::params::PARAMETERS
                        .iter()
                        .position(|p| p.name == c.name)
                });
                let special = match c.name.as_str() {
                    "key_person.leaves_after_days" => Special::KeyPerson,
                    "deadline.moves_after_days" => Special::DeadlineMove,
                    "survey.after_days" => Special::Survey,
                    "change.after_days" => Special::ChangeAfter,
                    _ => Special::None,
                };
                Resolved { field, special }
            })
            .collect();
        let mut order: Vec<usize> = (0..plan.people.len()).collect();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (&plan.people[a], &plan.people[b]);
            (pa.name.as_str(), pa.id.as_str()).cmp(&(pb.name.as_str(), pb.id.as_str()))
        });
        let mut rank = vec![0u32; plan.people.len()];
        for (r, &p) in order.iter().enumerate() {
            rank[p] = r as u32;
        }
        let mut learner_of = vec![usize::MAX; plan.people.len()];
        let mut unique_learners = true;
        for (i, l) in plan.learners.iter().enumerate() {
            unique_learners &= learner_of[l.person] == usize::MAX;
            learner_of[l.person] = i;
        }
        Prepared {
            changes,
            rank,
            learner_of,
            unique_learners,
        }
    }

    fn apply(&self, params: &mut Params, i: usize, value: f64) {
        if let Some(f) = self.changes[i].field {
            params.set_nth(f, value);
        }
    }
}

/// Buffers one thread reuses from run to run (their contents never carry over).
#[derive(Default)]
pub struct Scratch {
    blocks: Vec<[f64; slot::SIZE]>,
    overflow_ix: Vec<u32>,
    overflow: Vec<ChaCha8Rng>,
    heap: Events,
    gone: Vec<i32>,
    trainer_gone: Vec<i32>,
    sup_withdrawn: Vec<bool>,
    sup_breached: Vec<bool>,
    support: Vec<f64>,
    learners: Vec<Learner>,
    traces: Vec<Option<SpacedTrace>>,
    sessions: Vec<Sess>,
    arena: Vec<usize>,
    last_of_module: Vec<i32>,
    catchup_pending: Vec<bool>,
    catchups: Vec<u32>,
    timeline: Vec<(i32, u32, u32)>,
    surveyed: Vec<usize>,
    rows: Vec<usize>,
    holds: Vec<u64>,
    best: Vec<u8>,
    expired: Vec<bool>,
    late: Vec<(i32, usize)>,
    cands: Vec<Vec<usize>>,
    in_top: Vec<bool>,
}

/// The audience and the proficient among it, as of the end of the latest day closed.
struct Counts {
    aud: u32,
    prof: u32,
    level: u8,
}

impl Counts {
    fn proficient(&self, level: Option<u8>) -> bool {
        level.is_some_and(|x| x >= self.level)
    }

    /// Learner `i` is no longer in the audience.
    fn expire(&mut self, i: usize, learners: &[Learner], expired: &mut [bool]) {
        if !expired[i] {
            expired[i] = true;
            self.aud -= 1;
            if self.proficient(learners[i].level) {
                self.prof -= 1;
            }
        }
    }

    /// A learner still in the audience changes level.
    fn relevel(&mut self, old: Option<u8>, new: Option<u8>) {
        self.prof = self.prof + u32::from(self.proficient(new)) - u32::from(self.proficient(old));
    }

    /// The counts at the end of `day` (the key person's learners leave once their day passed).
    fn close(
        &mut self,
        day: i32,
        learners: &[Learner],
        expired: &mut [bool],
        late: &mut Vec<(i32, usize)>,
    ) -> (u32, u32) {
        if !late.is_empty() {
            let mut k = 0;
            while k < late.len() {
                let (from, i) = late[k];
                if from <= day {
                    if learners[i].gone <= day {
                        self.expire(i, learners, expired);
                    }
                    late.swap_remove(k);
                } else {
                    k += 1;
                }
            }
        }
        (self.prof, self.aud)
    }
}

/// The run's uniform draws beyond the fixed blocks: a person's overflow stream, made on first use.
struct Overflow<'a> {
    draws: &'a Draws,
    ix: &'a mut [u32],
    rngs: &'a mut Vec<ChaCha8Rng>,
}

impl Overflow<'_> {
    fn uniform(&mut self, p: usize) -> f64 {
        if self.ix[p] == u32::MAX {
            self.ix[p] = self.rngs.len() as u32;
            self.rngs.push(self.draws.stream(p, 2));
        }
        unit(self.rngs[self.ix[p] as usize].next_u64())
    }
}

/// Runs the plan once. `horizon` is the last day simulated; `trace` records what happened.
pub fn run(
    plan: &Plan,
    base: &Params,
    changes: &[ParamChange],
    draws: &Draws,
    horizon: i32,
    trace: Option<&mut Trace>,
) -> RunOutcome {
    run_with(
        &Prepared::new(plan, changes),
        &mut Scratch::default(),
        plan,
        base,
        changes,
        draws,
        horizon,
        trace,
    )
}

/// [`run`] with the plan's [`Prepared`] work (made by `Prepared::new(plan, changes)`) and a
/// thread's [`Scratch`] buffers: the same outcome, for many runs.
#[allow(clippy::too_many_arguments)]
pub fn run_with(
    prep: &Prepared,
    scratch: &mut Scratch,
    plan: &Plan,
    base: &Params,
    changes: &[ParamChange],
    draws: &Draws,
    horizon: i32,
    mut trace: Option<&mut Trace>,
) -> RunOutcome {
    let Scratch {
        blocks,
        overflow_ix,
        overflow,
        heap,
        gone,
        trainer_gone,
        sup_withdrawn,
        sup_breached,
        support,
        learners,
        traces,
        sessions,
        arena,
        last_of_module,
        catchup_pending,
        catchups,
        timeline,
        surveyed,
        rows,
        holds,
        best,
        expired,
        late,
        cands,
        in_top,
    } = scratch;
    let mut params = base.clone();
    // Day-0 changes (mitigations) apply before anything is decided.
    let mut next_change = 0;
    while next_change < changes.len() && changes[next_change].day <= 0 {
        prep.apply(&mut params, next_change, changes[next_change].value);
        next_change += 1;
    }
    let n_people = plan.people.len();
    blocks.clear();
    blocks.extend((0..n_people).map(|p| draws.block(p)));
    let blocks = &blocks[..];
    overflow_ix.clear();
    overflow_ix.resize(n_people, u32::MAX);
    overflow.clear();
    let mut uniform_overflow = Overflow {
        draws,
        ix: overflow_ix,
        rngs: overflow,
    };
    heap.clear();
    let record = |t: &mut Option<&mut Trace>, h: Happening| {
        if let Some(t) = t.as_deref_mut() {
            t.happenings.push(h);
        }
    };

    // People: when they are gone (the day after their last day).
    let hazard = DailyHazard::new(params.daily_turnover_hazard());
    gone.clear();
    gone.extend((0..n_people).map(|p| {
        let last = plan.people[p]
            .last_day
            .or_else(|| hazard.first_day(blocks[p][slot::LEAVE]));
        match last {
            Some(l) if l < horizon => l + 1,
            _ => i32::MAX,
        }
    }));
    for (p, &g) in gone.iter().enumerate() {
        if g != i32::MAX {
            heap.push(g, Kind::Gone(p));
        }
    }

    // Trainers.
    trainer_gone.clear();
    trainer_gone.extend(plan.trainers.iter().map(|t| match t.answer {
        TrainerAnswer::Accepted => gone[t.person],
        TrainerAnswer::Invited
            if blocks[t.person][slot::TRAINER_ACCEPT] < params.trainers_acceptance =>
        {
            gone[t.person]
        }
        _ => i32::MIN,
    }));
    let window = plan.deadline.max(1) as f64;
    for (i, t) in plan.trainers.iter().enumerate() {
        if trainer_gone[i] > 0 {
            let d = 1 + (blocks[t.person][slot::TRAINER_DAY] * window) as i32;
            heap.push(d, Kind::TrainerWithdraw(i));
        }
    }

    // Supervisors.
    sup_withdrawn.clear();
    sup_withdrawn.resize(plan.supervisors.len(), false);
    sup_breached.clear();
    sup_breached.extend(plan.supervisors.iter().map(|s| s.breached));
    for (i, s) in plan.supervisors.iter().enumerate() {
        if s.committed > 0 {
            let d = 1 + (blocks[s.person][slot::SUP_DAY] * window) as i32;
            heap.push(d, Kind::SupervisorWithdraw(i));
        }
    }
    support.clear();
    support.extend(plan.supervisors.iter().map(|s| {
        normal(
            blocks[s.person][slot::SUP_SUPPORT],
            blocks[s.person][slot::SUP_SUPPORT + 1],
        )
    }));

    // Learners.
    let period = params.adoption_period;
    learners.clear();
    traces.clear();
    for l in &plan.learners {
        let b = &blocks[l.person];
        let adopt = if params.adoption_voluntary >= 0.5 && l.attended == 0 {
            let t = model::bass_adoption_time(params.adoption_p, params.adoption_q, b[slot::ADOPT]);
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
        traces.push(trace);
        learners.push(Learner {
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
            transfer: normal(b[slot::TRANSFER], b[slot::TRANSFER + 1]),
        });
    }

    // Sessions: the plan's, then a round for each required module without any.
    sessions.clear();
    arena.clear();
    for (i, s) in plan.sessions.iter().enumerate() {
        let from = arena.len() as u32;
        arena.extend_from_slice(&s.invitees);
        sessions.push(Sess {
            day: s.day,
            module: s.module,
            origin: Origin::Planned(i),
            trainer: 0,
            capacity: s.capacity,
            duration_minutes: s.duration_minutes,
            from,
            to: arena.len() as u32,
        });
    }
    let mut round = 0;
    for (m, module) in plan.modules.iter().enumerate() {
        if module.has_sessions {
            continue;
        }
        round += 1;
        let start = (plan.template_start + round * params.round_gap as i32).max(1);
        for (k, t) in plan.template.iter().enumerate() {
            let from = arena.len();
            arena.extend(
                t.invitees
                    .iter()
                    .copied()
                    .filter(|&l| learners[l].attended & (1 << m) == 0),
            );
            let n = arena.len() - from;
            if n == 0 {
                continue;
            }
            sessions.push(Sess {
                day: start + t.offset,
                module: m,
                origin: Origin::Round { template: k },
                trainer: 0,
                capacity: t.capacity.max(n as u32),
                duration_minutes: t.duration_minutes,
                from: from as u32,
                to: arena.len() as u32,
            });
        }
    }
    for (i, s) in sessions.iter().enumerate() {
        if s.day <= horizon {
            heap.push(s.day, Kind::Session(i));
        }
        if !s.planned() {
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
    last_of_module.clear();
    last_of_module.resize(n_modules, 0);
    for s in sessions.iter() {
        last_of_module[s.module] = last_of_module[s.module].max(s.day);
    }
    catchup_pending.clear();
    catchup_pending.resize(n_modules, false);
    for (m, &last) in last_of_module.iter().enumerate() {
        let d = last.max(0) + params.catchup_interval as i32;
        if d <= horizon {
            heap.push(d, Kind::CatchUp(m));
            catchup_pending[m] = true;
        }
    }
    catchups.clear();
    catchups.resize(n_modules, 0);
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
    // Per module, in learner order, everyone a catch-up of it may still be for: who lacks it,
    // or (the module that ends in the evaluation) failed it. A learner who no longer is leaves
    // the list at the module's next catch-up (attendance is never lost, leavers never come
    // back); one who fails an evaluation joins the last module's list again.
    cands.truncate(n_modules);
    cands.resize_with(n_modules, Vec::new);
    for (m, c) in cands.iter_mut().enumerate() {
        c.clear();
        let bit = 1u64 << m;
        let retake = m == top_module;
        c.extend(
            learners
                .iter()
                .enumerate()
                .filter(|(_, l)| l.attended & bit == 0 || (retake && l.failed))
                .map(|(i, _)| i),
        );
    }
    in_top.clear();
    in_top.resize(learners.len(), false);
    for &i in &cands[top_module] {
        in_top[i] = true;
    }
    let delay = params.evaluation_delay as i32;
    for (i, l) in learners.iter_mut().enumerate() {
        if l.attended & outcome_mask == outcome_mask && l.evaluated.is_none() && !l.failed {
            l.pending_eval = true;
            heap.push(1 + delay.max(0), Kind::Evaluate(i));
        }
    }
    for (value, kind) in [
        (params.key_person_leaves, Kind::KeyPerson),
        (params.deadline_moves_after, Kind::DeadlineMove),
        (params.survey_after, Kind::Survey),
    ] {
        timed_one(heap, value, 1, kind);
    }
    for (i, c) in changes.iter().enumerate().skip(next_change) {
        heap.push(c.day, Kind::Change(i));
    }

    let mut deadline = plan.deadline;
    let mut change_start: Option<i32> =
        (params.change_after >= 0.0).then_some(params.change_after as i32);
    surveyed.clear();
    let mut survey_day = i32::MAX;
    let mut key_done = false;
    let mut deadline_moved = false;
    let mut end_day = 0;
    let target_num = plan.outcome.share_per_mille as u64;
    let level = plan.outcome.level;
    let mut completion: Option<i32> = None;
    // (day, proficient, audience) whenever they change.
    timeline.clear();
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
    let (p0, a0) = count(learners, 0);
    // The same counts kept as learners leave (on their `Gone` day, or at the end of a day from
    // which the key person is gone) and are evaluated, instead of counted at every day's end.
    let mut counts = Counts {
        aud: a0,
        prof: p0,
        level,
    };
    expired.clear();
    expired.extend(learners.iter().map(|l| l.gone <= 0));
    late.clear();
    timeline.push((0, p0, a0));
    if met(p0, a0) {
        // Met before the fork: the day it was first met is history.
        let day = plan.met_at_fork_on();
        completion = Some(day);
        record(&mut trace, Happening::TargetMet { day });
    }

    heap.seal();
    let mut current_day = 0;
    let mut dirty = false;
    loop {
        let next = heap.peek_day();
        // Close the previous day: check the target at its end.
        if next != Some(current_day) && dirty {
            let (p, a) = counts.close(current_day, learners, expired, late);
            debug_assert_eq!((p, a), count(learners, current_day));
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
        let Some((day, kind)) = heap.pop() else {
            break;
        };
        if day > horizon {
            break;
        }
        current_day = day;
        dirty = true;
        let in_change = change_start
            .is_some_and(|s| day >= s && (day - s) < (params.change_weeks * 7.0) as i32);
        // What holding a session reads and writes, borrowed afresh where a session is held.
        macro_rules! ctx {
            () => {
                Ctx {
                    plan,
                    params: &params,
                    blocks,
                    learners: &mut learners[..],
                    traces: &mut traces[..],
                    trainer_gone: &trainer_gone[..],
                    sessions: &sessions[..],
                    arena: &arena[..],
                    sup_withdrawn: &sup_withdrawn[..],
                    sup_breached: &mut sup_breached[..],
                    in_change,
                    heap: &mut *heap,
                    outcome_mask,
                    end_day: &mut end_day,
                    overflow: &mut uniform_overflow,
                    trace: &mut trace,
                }
            };
        }
        match kind {
            Kind::Change(i) => {
                let c = &changes[i];
                prep.apply(&mut params, i, c.value);
                if trace.is_some() {
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
                }
                match prep.changes[i].special {
                    Special::KeyPerson if !key_done => {
                        timed_one(heap, c.value, day, Kind::KeyPerson)
                    }
                    Special::DeadlineMove if !deadline_moved => {
                        timed_one(heap, c.value, day, Kind::DeadlineMove)
                    }
                    Special::Survey if survey_day == i32::MAX => {
                        timed_one(heap, c.value, day, Kind::Survey)
                    }
                    Special::ChangeAfter if c.value >= 0.0 => {
                        change_start = Some((c.value as i32).max(day))
                    }
                    _ => {}
                }
            }
            Kind::Gone(p) => {
                if gone[p] == day {
                    if prep.unique_learners {
                        if let Some(&i) = prep.learner_of.get(p).filter(|&&i| i != usize::MAX) {
                            counts.expire(i, learners, expired);
                        }
                    } else {
                        for (i, l) in plan.learners.iter().enumerate() {
                            if l.person == p {
                                counts.expire(i, learners, expired);
                            }
                        }
                    }
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
                        .filter(|s| s.day >= day && s.trainers(plan).contains(&t))
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
                                late.push((day + 1, i));
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
                surveyed.clear();
                surveyed.extend(
                    plan.outsiders
                        .iter()
                        .copied()
                        .filter(|&p| gone[p] > day)
                        .take(params.experts_hidden as usize),
                );
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
                let bit = 1u64 << m;
                let needs = |l: &Learner| {
                    l.gone > day
                        && l.adopt <= day
                        && (l.attended & bit == 0 || (retake && l.failed && !l.pending_eval))
                };
                let available = |t: &usize| trainer_gone[*t] > day && trainer_gone[*t] != i32::MIN;
                let n_available = (0..plan.trainers.len()).filter(available).count();
                let left =
                    |l: &Learner| l.gone > day && (l.attended & bit == 0 || (retake && l.failed));
                let list = &mut cands[m];
                list.retain(|&i| {
                    let keep = left(&learners[i]);
                    if !keep && retake {
                        in_top[i] = false;
                    }
                    keep
                });
                let anyone_left = !list.is_empty();
                debug_assert_eq!(anyone_left, learners.iter().any(left));
                let from = arena.len();
                let capacity = params.catchup_capacity as usize;
                // Without a trainer nobody is invited (the invitees would not be used).
                if capacity > 0 && n_available > 0 {
                    for &i in list.iter() {
                        if needs(&learners[i]) {
                            arena.push(i);
                            if arena.len() - from == capacity {
                                break;
                            }
                        }
                    }
                    debug_assert!(learners
                        .iter()
                        .enumerate()
                        .filter(|(_, l)| needs(l))
                        .map(|(i, _)| i)
                        .take(capacity)
                        .eq(arena[from..].iter().copied()));
                }
                let mut held = false;
                if arena.len() > from {
                    let c = catchups[m] as usize;
                    {
                        catchups[m] += 1;
                        let t = (0..plan.trainers.len())
                            .filter(available)
                            .nth(c % n_available)
                            .expect("counted");
                        sessions.push(Sess {
                            day,
                            module: m,
                            origin: Origin::CatchUp { n: catchups[m] },
                            trainer: t,
                            capacity: params.catchup_capacity as u32,
                            duration_minutes: plan
                                .template
                                .first()
                                .map(|t| t.duration_minutes)
                                .unwrap_or(120),
                            from: from as u32,
                            to: arena.len() as u32,
                        });
                        held = true;
                        let ix = sessions.len() - 1;
                        record(&mut trace, Happening::Scheduled { day, session: ix });
                        hold(ix, day, &mut ctx!());
                    }
                }
                if !held {
                    arena.truncate(from);
                }
                if anyone_left {
                    let d = day + params.catchup_interval as i32;
                    if d <= horizon {
                        heap.push(d, Kind::CatchUp(m));
                        catchup_pending[m] = true;
                    }
                }
            }
            Kind::Session(i) => {
                hold(i, day, &mut ctx!());
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
                    uniform_overflow.uniform(p)
                };
                l.evals += 1;
                let pass = u < params.learning_pass;
                let shown = if pass {
                    eval_level
                } else {
                    eval_level.saturating_sub(1)
                };
                if !expired[i] {
                    counts.relevel(l.level, Some(shown));
                }
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
                if !pass && !in_top[i] {
                    let list = &mut cands[top_module];
                    list.insert(list.partition_point(|&j| j < i), i);
                    in_top[i] = true;
                }
                if !pass && !catchup_pending[top_module] {
                    let d = day.max(last_of_module[top_module]) + params.catchup_interval as i32;
                    if d <= horizon {
                        heap.push(d, Kind::CatchUp(top_module));
                        catchup_pending[top_module] = true;
                    }
                }
            }
        }
    }
    if dirty {
        let (p, a) = counts.close(current_day, learners, expired, late);
        debug_assert_eq!((p, a), count(learners, current_day));
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
        t.sessions = sessions.iter().map(|s| s.to_run(plan, arena)).collect();
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
    // A deadline before the fork is history: the log says what was reached by then.
    let past = plan.at_deadline.filter(|_| deadline < 0);
    let proficient_share = match past {
        Some(fact) => fact.proficient_share,
        None if aud_d > 0 => prof_d as f64 / aud_d as f64,
        None => 0.0,
    };
    let done_by_deadline = match past {
        Some(fact) => fact.met,
        None => completion.is_some_and(|d| d <= deadline),
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
        let mut trace_opt = traces[i];
        let reads = {
            let (a, b) = if golive <= read_6m {
                (golive, read_6m)
            } else {
                (read_6m, golive)
            };
            [a, b]
        };
        let mut values = [None, None];
        // Which reads the figures below use: practice after the last of them changes nothing.
        let need_golive = l.gone > golive && proficient_now(golive) && l.evaluated.is_some();
        let need_6m = l.gone > read_6m;
        let needed = if golive <= read_6m {
            [need_golive, need_6m]
        } else {
            [need_6m, need_golive]
        };
        let reads_needed = if needed[1] { 2 } else { usize::from(needed[0]) };
        if l.evaluated.is_some() && trace_opt.is_some() && reads_needed == 0 {
            // Neither figure reads this learner's retention.
        } else if let (Some(mut t), Some(ev)) = (trace_opt.take(), l.evaluated) {
            let sup =
                lp.supervisor.map(|s| support[s]).unwrap_or(0.0) + params.supervisors_support_shift;
            let score = model::transfer_score(params.transfer_rho, sup, l.transfer);
            let applying_until = model::months_applying(score)
                .map(|m| ev as f64 + m * retention::DAYS_PER_MONTH)
                .unwrap_or(f64::NEG_INFINITY);
            let mut rng = draws.stream(lp.person, 1);
            let mut practice = Practice::new(&params, ev as f64, applying_until, &mut rng);
            for (k, &r) in reads.iter().enumerate().take(reads_needed) {
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
        if golive < 0 {
            // A go-live before the fork is history: read from what the fork knows of it.
            if l.gone > golive {
                aud_golive += 1;
                if kept_at_past_golive(lp, golive, level, params.retention_interval) {
                    kept_golive += 1;
                }
            }
        } else if l.gone > golive {
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

    // Truck factor at the end of training: who is still there, with their levels then.
    let end = end_day;
    let n_skills = plan.skills.len();
    let survey_done = survey_day <= end;
    rows.clear();
    rows.extend((0..n_people).filter(|&p| gone[p] > end));
    let level_at = |p: usize, s: usize| -> Option<u8> {
        if survey_done && s == plan.scarce_skill && surveyed.contains(&p) {
            return Some(3);
        }
        if s == plan.outcome.skill_index && prep.learner_of[p] != usize::MAX {
            let l = &learners[prep.learner_of[p]];
            if l.evaluated.is_some_and(|d| d > 0 && d <= end) {
                return l.level;
            }
        }
        plan.people[p].levels[s]
    };
    let (tf, single) = if n_skills <= 64 {
        best.clear();
        best.resize(n_skills, 0);
        for &p in rows.iter() {
            for (s, b) in best.iter_mut().enumerate() {
                if let Some(l) = level_at(p, s) {
                    *b = (*b).max(l);
                }
            }
        }
        holds.clear();
        holds.extend(rows.iter().map(|&p| {
            let mut bits = 0u64;
            for (s, &b) in best.iter().enumerate() {
                if level_at(p, s).is_some_and(|l| l >= 2 && 4 * l as u32 >= 3 * b as u32) {
                    bits |= 1 << s;
                }
            }
            bits
        }));
        let tf = truck::truck_factor_bits(holds, n_skills, |i| prep.rank[rows[i]]);
        (tf, truck::single_holder_bits(holds, n_skills))
    } else {
        let levels: Vec<Vec<Option<u8>>> = rows
            .iter()
            .map(|&p| (0..n_skills).map(|s| level_at(p, s)).collect())
            .collect();
        let rank: Vec<usize> = rows.iter().map(|&p| prep.rank[p] as usize).collect();
        let holds = truck::holders(&levels, n_skills);
        let (tf, _) = truck::truck_factor(&holds, n_skills, &rank);
        (tf, truck::single_holder(&holds, n_skills))
    };

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
        done_by_deadline,
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
        weekly: weekly_shares(timeline, horizon),
    }
}

fn timed_one(heap: &mut Events, value: f64, day: i32, kind: Kind) {
    if value >= 0.0 {
        heap.push((value as i32).max(day), kind);
    }
}

struct Ctx<'a, 'b, 'c> {
    plan: &'a Plan,
    params: &'a Params,
    blocks: &'a [[f64; slot::SIZE]],
    learners: &'a mut [Learner],
    traces: &'a mut [Option<SpacedTrace>],
    trainer_gone: &'a [i32],
    sessions: &'a [Sess],
    arena: &'a [usize],
    sup_withdrawn: &'a [bool],
    sup_breached: &'a mut [bool],
    in_change: bool,
    heap: &'a mut Events,
    outcome_mask: u64,
    end_day: &'a mut i32,
    overflow: &'a mut Overflow<'c>,
    trace: &'a mut Option<&'b mut Trace>,
}

/// Holds session `i` on `day`: a trainer, attendance, and the evaluations it triggers.
fn hold(i: usize, day: i32, cx: &mut Ctx<'_, '_, '_>) {
    let s = &cx.sessions[i];
    let planned_trainer = s
        .trainers(cx.plan)
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
    let minutes_per_skill =
        s.duration_minutes as f64 / cx.plan.modules[s.module].skill_count.max(1) as f64;
    for &li in s.invitees(cx.arena) {
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
            cx.overflow.uniform(lp.person)
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
                match &mut cx.traces[li] {
                    // The session's minutes shared among its module's skills, as on the dashboard.
                    Some(t) => t.expose(day as f64, minutes_per_skill),
                    None => {
                        cx.traces[li] = Some(SpacedTrace::trained(
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
                cx.heap.push(day + delay, Kind::Evaluate(li));
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

/// Whether learner `lp`, by what the fork knows of the days before it, was proficient on a
/// go-live day `golive` before the fork with a retained level that rounds to `level` or
/// above: their latest assessment by then, decayed toward their level before training (when
/// they were evaluated in the program and an evaluation was among those assessments) by the
/// trace of their exposures by then, read on that day; the rule of the days after the fork,
/// on the log's facts.
fn kept_at_past_golive(lp: &LearnerPlan, golive: i32, level: u8, interval: f64) -> bool {
    let by_then = || lp.assessed.iter().filter(|a| a.0 <= golive);
    let Some(&(_, trained, _)) = by_then().next_back() else {
        return false;
    };
    if trained < level {
        return false;
    }
    let mut exposures = lp.exposures.iter().filter(|e| e.0 <= golive);
    let evaluated = lp.evaluated && by_then().any(|a| a.2);
    let kept = match (evaluated, exposures.next()) {
        (true, Some(&(first, _))) => {
            let mut t = SpacedTrace::trained(retention::program_skill(), first as f64, interval);
            for &(d, minutes) in exposures {
                t.expose(d as f64, minutes);
            }
            retention::retained_level(lp.before as f64, trained as f64, t.retention(golive as f64))
        }
        _ => trained as f64,
    };
    kept >= level as f64 - 0.5
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
