//! **Shell.** Where the simulator's plans come from: a program of the live log forked at a
//! business time, or a file of commands applied to an empty in-memory store. A simulation writes
//! nothing to the log.

use std::sync::Arc;

use crate::app::{App, AppError, RunOptions};
use crate::domain::commands::Command;
use crate::domain::{today, StreamKind, Timestamp};
use crate::projections::dashboard::DeadlineStatus;
use crate::projections::world::World;
use crate::projections::Projection;
use crate::sim::{self, Plan, PlanError};
use crate::store::{Clock, MemoryStore};

/// Why a plan could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    /// Reading the log failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// The plan cannot be simulated.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A line of a plan file is wrong.
    #[error("{file}:{line}: {message}")]
    Line {
        /// The file.
        file: String,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The program does not exist (as of the fork).
    #[error("no program {0:?} as of the fork")]
    NoProgram(String),
}

/// Forks program `slug` of `app`'s log: what had happened by business time `as_of` is fact.
pub fn fork_program(app: &App, slug: &str, as_of: Timestamp) -> Result<Plan, ForecastError> {
    let stream = crate::app::program_stream(slug)?;
    let mut world = World::default();
    for f in app.facts_of(&["organization", stream.as_str()])? {
        if f.meta.occurred_at <= as_of {
            world.update(&f.meta, &f.event);
        }
    }
    let Some(p) = world.programs.values().next() else {
        return Err(ForecastError::NoProgram(slug.to_string()));
    };
    let mut plan = sim::fork(&world.org, p, today(&world.org, as_of))?;
    if plan.deadline < 0 {
        // The deadline passed before the fork: what was reached by then is read, not simulated.
        let end = crate::domain::end_of_day(&world.org, plan.date(plan.deadline));
        let then = crate::checkpoint::dashboard_series(app, slug, &[end])?;
        plan.at_deadline = then
            .into_iter()
            .flatten()
            .next()
            .map(|view| sim::AtDeadline {
                met: view.deadline.status == DeadlineStatus::Achieved,
                proficient_share: view.proficiency.and_then(|p| p.share).unwrap_or(0.0),
            });
    }
    // A target met at the fork was met first on a day the log tells: each day's end from the
    // first enrolment on (no audience before it), then the fork, in one fold of the streams.
    let first = p.learners.values().map(|l| l.enrolled_on).min();
    let from = first.map_or(0, |d| {
        (d - plan.date(0)).num_days().clamp(i32::MIN as i64, 0) as i32
    });
    let days: Vec<i32> = (from..0).collect();
    let at: Vec<Timestamp> = days
        .iter()
        .map(|&d| crate::domain::end_of_day(&world.org, plan.date(d)))
        .chain([as_of])
        .collect();
    let met = crate::checkpoint::dashboard_fold_series(app, slug, &at, |d, t| {
        d.outcome_met(t) == Some(true)
    })?;
    if met.last() == Some(&true) {
        let first_met = days.iter().zip(&met).find(|(_, &met)| met);
        plan.met_on = Some(first_met.map_or(0, |(&d, _)| d));
    }
    Ok(plan)
}

struct Fixed(Timestamp);

impl Clock for Fixed {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// Applies a plan file (JSON Lines of `baton do` commands) to an empty in-memory store at
/// business time `as_of` (default: the end of the day before the first session), and returns
/// the app, the program's slug and the fork time.
pub fn plan_file(
    file: &str,
    text: &str,
    as_of: Option<Timestamp>,
) -> Result<(App, String, Timestamp), ForecastError> {
    let mut commands = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_err = |message: String| ForecastError::Line {
            file: file.to_string(),
            line: i + 1,
            message,
        };
        if line.trim().is_empty() || line.trim_start().starts_with("//") {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| line_err(format!("not JSON: {e}")))?;
        let c = Command::from_json(&value).map_err(|e| line_err(e.to_string()))?;
        commands.push((i + 1, c));
    }
    let slug = commands
        .iter()
        .find_map(|(_, c)| match c {
            Command::CreateProgram(c) => Some(c.program.clone()),
            _ => None,
        })
        .ok_or(PlanError::NoProgram)?;
    let first_session = commands
        .iter()
        .filter_map(|(_, c)| match c {
            Command::ScheduleSession(s) => s
                .start
                .get(..10)
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok()),
            _ => None,
        })
        .min();
    let t = match (as_of, first_session) {
        (Some(t), _) => t,
        (None, Some(d)) => {
            let day = d.pred_opt().unwrap_or(d);
            Timestamp::from_ymd_hms(
                chrono::Datelike::year(&day),
                chrono::Datelike::month(&day),
                chrono::Datelike::day(&day),
                12,
                0,
                0,
            )
            .unwrap_or(Timestamp::from_micros(0))
        }
        (None, None) => return Err(PlanError::NoModules.into()),
    };
    let clock: Arc<dyn Clock> = Arc::new(Fixed(t));
    let app = App::new(Arc::new(MemoryStore::with_clock(clock.clone())), clock);
    for (line, c) in commands {
        let program = match c.stream_kind() {
            Some(StreamKind::Organization) => None,
            _ => Some(slug.as_str()),
        };
        let options = RunOptions {
            actor: "plan".into(),
            business_time: Some(t),
            ..RunOptions::default()
        };
        app.run(program, &[c], &options)
            .map_err(|e| ForecastError::Line {
                file: file.to_string(),
                line,
                message: e.to_string(),
            })?;
    }
    Ok((app, slug, t))
}

/// How far past the deadline the outcome over time is given, in days (13 weeks).
pub const BANDS_PAST_DEADLINE: i32 = 91;

/// What to simulate (the plan aside).
#[derive(Clone, Debug)]
pub struct Simulate {
    /// The scenario.
    pub scenario: sim::scenario::Scenario,
    /// Mitigations of the scenario, each compared with the baseline on the same seeds.
    pub mitigations: Vec<String>,
    /// Runs.
    pub runs: u64,
    /// Seed.
    pub seed: u64,
    /// The last day simulated (default: two years past the deadline).
    pub horizon: Option<chrono::NaiveDate>,
    /// List every run.
    pub per_run: bool,
    /// Tell run 0 week by week.
    pub narrate: bool,
    /// Give the outcome over time (the fan chart's bands), week by week to 13 weeks past
    /// the deadline.
    pub bands: bool,
}

/// A simulation's outcome: the report, the comparisons and the story.
pub struct Simulation {
    /// The baseline's report.
    pub report: sim::monte_carlo::Report,
    /// One per mitigation.
    pub comparisons: Vec<sim::monte_carlo::Comparison>,
    /// Run 0 told week by week, if asked.
    pub story: Option<String>,
    /// The baseline's outcome over time, if asked.
    pub bands: Vec<sim::monte_carlo::Band>,
}

impl Simulation {
    /// The JSON report: the report's fields, `runs` the list of runs with `per_run`,
    /// `comparisons` with mitigations, `narrative` when told.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        let mut value = serde_json::to_value(&self.report)?;
        // With per-run, `runs` is the list of runs (its length is the run count).
        if let Some(list) = value
            .as_object_mut()
            .and_then(|o| o.shift_remove("per_run"))
        {
            value["runs"] = list;
        }
        if !self.comparisons.is_empty() {
            value["comparisons"] = serde_json::to_value(&self.comparisons)?;
        }
        if let Some(s) = &self.story {
            value["narrative"] = serde_json::Value::String(s.clone());
        }
        if !self.bands.is_empty() {
            value["bands"] = serde_json::to_value(&self.bands)?;
        }
        Ok(value)
    }
}

/// Why a simulation cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// A mitigation the scenario does not offer.
    #[error("{0}")]
    Mitigation(String),
}

/// Runs the Monte Carlo of `what` over `plan` (on the current rayon pool), calling `tick`
/// after each run.
pub fn simulate(
    plan: &Plan,
    what: &Simulate,
    tick: &(dyn Fn() + Sync),
) -> Result<Simulation, SimulateError> {
    use sim::monte_carlo::{self, Config};
    let sc = &what.scenario;
    let mitigations = what
        .mitigations
        .iter()
        .map(|m| sc.mitigation(m).cloned())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SimulateError::Mitigation(e.to_string()))?;
    let horizon = what
        .horizon
        .map(|d| plan.day(d))
        .unwrap_or(plan.deadline + sim::DEFAULT_HORIZON_DAYS);
    let config = Config {
        runs: what.runs,
        seed: what.seed,
        horizon,
        per_run: what.per_run,
    };
    let params = sc.params();
    let base_changes = sc.changes(&[]);
    let base = monte_carlo::outcomes(plan, &params, &base_changes, &config, tick);
    let report = monte_carlo::report(plan, &sc.name, &[], &config, &base);
    let bands = if what.bands {
        monte_carlo::bands(
            plan,
            &base,
            (plan.deadline + BANDS_PAST_DEADLINE).min(horizon),
        )
    } else {
        Vec::new()
    };
    let mut comparisons = Vec::new();
    for m in &mitigations {
        let changes = sc.changes(&[(None, m)]);
        let outs = monte_carlo::outcomes(plan, &params, &changes, &config, tick);
        let r = monte_carlo::report(plan, &sc.name, std::slice::from_ref(&m.id), &config, &outs);
        comparisons.push(monte_carlo::compare(&m.id, r, &base, &outs, horizon));
    }
    let story = what.narrate.then(|| {
        let mut trace = sim::engine::Trace::default();
        let o = sim::engine::run(
            plan,
            &params,
            &base_changes,
            &sim::Draws::new(what.seed, 0),
            horizon,
            Some(&mut trace),
        );
        sim::narrate::narrate(plan, sc, &trace, &o)
    });
    Ok(Simulation {
        report,
        comparisons,
        story,
        bands,
    })
}

/// The log's latest business time (when no as-of is given, a fork is taken there): read from
/// the envelopes, without decoding any event.
pub fn latest_business_time(app: &App) -> Result<Timestamp, AppError> {
    let mut latest = None;
    for e in app.store().iter_from(1) {
        let t = e?.occurred_at();
        latest = Some(latest.map_or(t, |l: Timestamp| l.max(t)));
    }
    Ok(latest.unwrap_or_else(|| app.now()))
}
