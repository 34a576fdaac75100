//! Monte Carlo: many runs in parallel (rayon), aggregated in run order so that the report is
//! byte-identical at any thread count.

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use super::engine::{self, Draws, ParamChange, RunOutcome};
use super::params::Params;
use super::plan::Plan;
use crate::projections::round3;

/// How to run a simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Number of runs.
    pub runs: u64,
    /// The seed.
    pub seed: u64,
    /// The last day simulated (from the fork).
    pub horizon: i32,
    /// Whether to list every run.
    pub per_run: bool,
}

/// Percentile dates; `None` when not reached within the horizon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    /// 10 %.
    pub p10: Option<NaiveDate>,
    /// 50 %.
    pub p50: Option<NaiveDate>,
    /// 85 %.
    pub p85: Option<NaiveDate>,
    /// 95 %.
    pub p95: Option<NaiveDate>,
}

/// One run's line (with `--per-run`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunLine {
    /// Run index.
    pub run: u64,
    /// Completion date.
    pub completion_date: Option<NaiveDate>,
    /// Proficient share at the deadline.
    pub proficient_share: f64,
}

/// How often a skill had a single holder at the end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SingleHolderShare {
    /// Skill id.
    pub skill: String,
    /// Share of runs.
    pub share_of_runs: f64,
}

/// The report of a simulation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Program slug.
    pub program: String,
    /// Scenario name.
    pub scenario: String,
    /// Mitigations applied from the start.
    pub mitigations: Vec<String>,
    /// Seed.
    pub seed: u64,
    /// Runs.
    pub runs: u64,
    /// The fork day: what happened by then is fact.
    pub as_of: NaiveDate,
    /// The last day simulated.
    pub horizon: NaiveDate,
    /// The planned deadline.
    pub deadline: NaiveDate,
    /// The outcome's target, in words.
    pub target: String,
    /// Completion date percentiles (the day progress ≥ target is first met).
    pub completion_date: Percentiles,
    /// Share of runs done by their deadline (as it stood at the end of the run).
    pub p_done_by_deadline: f64,
    /// Mean share of the audience proficient at the deadline.
    pub proficient_share_at_deadline: f64,
    /// Mean share of the audience still proficient at go-live, after forgetting.
    pub proficient_share_at_golive: f64,
    /// Mean retention of the outcome skill 6 months after the last session (runs with any).
    pub retention_6_months_after_end: Option<f64>,
    /// Median truck factor at the end.
    pub truck_factor_p50: u32,
    /// Mean truck factor at the end.
    pub truck_factor_mean: f64,
    /// Skills with a single holder at the end in some runs, with how often.
    pub single_holder_skills: Vec<SingleHolderShare>,
    /// Supervisors' commitments kept ÷ supervisors with a verdict, over all runs.
    pub commitments_kept: Option<f64>,
    /// Simulated person-weeks in total.
    pub person_weeks: f64,
    /// Every run, with `--per-run`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_run: Option<Vec<RunLine>>,
}

/// Runs `config.runs` runs; `progress` is called with each finished run count (any order).
pub fn outcomes(
    plan: &Plan,
    params: &Params,
    changes: &[ParamChange],
    config: &Config,
    progress: &(dyn Fn() + Sync),
) -> Vec<RunOutcome> {
    let prep = engine::Prepared::new(plan, changes);
    (0..config.runs)
        .into_par_iter()
        .map_init(engine::Scratch::default, |scratch, i| {
            let o = engine::run_with(
                &prep,
                scratch,
                plan,
                params,
                changes,
                &Draws::new(config.seed, i),
                config.horizon,
                None,
            );
            progress();
            o
        })
        .collect()
}

/// The outcome's spread on one day: percentiles over the runs of the share of the audience
/// proficient (0 to 1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Band {
    /// The day.
    pub date: NaiveDate,
    /// 10 %.
    pub p10: f64,
    /// 25 %.
    pub p25: f64,
    /// 50 %.
    pub p50: f64,
    /// 75 %.
    pub p75: f64,
    /// 90 %.
    pub p90: f64,
    /// 95 %.
    pub p95: f64,
}

/// The outcome over time: for every week from the fork to `until` (a day from the fork,
/// clamped to what the runs hold), the nearest-rank percentiles of the proficient share.
/// Computed in run order, so the same runs give the same bands at any thread count.
pub fn bands(plan: &Plan, outs: &[RunOutcome], until: i32) -> Vec<Band> {
    let weeks = outs.iter().map(|o| o.weekly.len()).min().unwrap_or(0);
    let last = (until.max(0) / engine::WEEK) as usize;
    let mut column: Vec<u16> = Vec::with_capacity(outs.len());
    let mut out = Vec::new();
    for w in 0..weeks.min(last + 1) {
        column.clear();
        column.extend(outs.iter().map(|o| o.weekly[w]));
        column.sort_unstable();
        let at = |p: f64| {
            let rank = ((p * column.len() as f64).ceil() as usize).clamp(1, column.len());
            f64::from(column[rank - 1]) / 1000.0
        };
        out.push(Band {
            date: plan.date(w as i32 * engine::WEEK),
            p10: at(0.10),
            p25: at(0.25),
            p50: at(0.50),
            p75: at(0.75),
            p90: at(0.90),
            p95: at(0.95),
        });
    }
    out
}

/// The nearest-rank percentile of completion days (`None` beyond the horizon counts as last).
pub fn percentile(sorted: &[Option<i32>], p: f64) -> Option<i32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn sort_days(outs: &[RunOutcome]) -> Vec<Option<i32>> {
    let mut days: Vec<Option<i32>> = outs.iter().map(|o| o.completion_day).collect();
    days.sort_by_key(|d| d.unwrap_or(i32::MAX));
    days
}

/// Aggregates run outcomes into the report.
pub fn report(
    plan: &Plan,
    scenario: &str,
    mitigations: &[String],
    config: &Config,
    outs: &[RunOutcome],
) -> Report {
    let n = outs.len().max(1) as f64;
    let days = sort_days(outs);
    let date = |d: Option<i32>| d.map(|d| plan.date(d));
    let mean = |f: &dyn Fn(&RunOutcome) -> f64| round3(outs.iter().map(f).sum::<f64>() / n);
    let retained: Vec<f64> = outs.iter().filter_map(|o| o.retention_6m).collect();
    let mut tfs: Vec<u32> = outs.iter().map(|o| o.truck_factor).collect();
    tfs.sort_unstable();
    let mut single = vec![0u64; plan.skills.len()];
    for o in outs {
        for &s in &o.single_holder {
            single[s] += 1;
        }
    }
    let (kept, verdicts) = outs.iter().fold((0u64, 0u64), |(k, v), o| {
        (
            k + o.commitments_kept.0 as u64,
            v + o.commitments_kept.1 as u64,
        )
    });
    Report {
        program: plan.program.clone(),
        scenario: scenario.to_string(),
        mitigations: mitigations.to_vec(),
        seed: config.seed,
        runs: config.runs,
        as_of: plan.fork,
        horizon: plan.date(config.horizon),
        deadline: plan.date(plan.deadline),
        target: format!(
            "{} at level {} or above for {} ‰ of the audience",
            plan.outcome.skill, plan.outcome.level, plan.outcome.share_per_mille
        ),
        completion_date: Percentiles {
            p10: date(percentile(&days, 0.10)),
            p50: date(percentile(&days, 0.50)),
            p85: date(percentile(&days, 0.85)),
            p95: date(percentile(&days, 0.95)),
        },
        p_done_by_deadline: round3(outs.iter().filter(|o| o.done_by_deadline).count() as f64 / n),
        proficient_share_at_deadline: mean(&|o| o.proficient_share),
        proficient_share_at_golive: mean(&|o| o.proficient_at_golive),
        retention_6_months_after_end: (!retained.is_empty())
            .then(|| round3(retained.iter().sum::<f64>() / retained.len() as f64)),
        truck_factor_p50: tfs
            .get(tfs.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(0),
        truck_factor_mean: mean(&|o| o.truck_factor as f64),
        single_holder_skills: single
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(s, c)| SingleHolderShare {
                skill: plan.skills[s].clone(),
                share_of_runs: round3(*c as f64 / n),
            })
            .collect(),
        commitments_kept: (verdicts > 0).then(|| round3(kept as f64 / verdicts as f64)),
        person_weeks: round3(outs.iter().map(|o| o.person_weeks).sum()),
        per_run: config.per_run.then(|| {
            outs.iter()
                .enumerate()
                .map(|(i, o)| RunLine {
                    run: i as u64,
                    completion_date: date(o.completion_day),
                    proficient_share: round3(o.proficient_share),
                })
                .collect()
        }),
    }
}

/// One side of a comparison: a difference with its standard error (common random numbers:
/// the runs are paired by index).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// Mitigated minus baseline.
    pub difference: f64,
    /// Standard error of the paired difference.
    pub standard_error: f64,
}

/// A mitigation against the baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The mitigation.
    pub mitigation: String,
    /// Its report.
    pub report: Report,
    /// P(done by deadline), difference.
    pub p_done_by_deadline: Difference,
    /// Proficient share at the deadline, difference.
    pub proficient_share_at_deadline: Difference,
    /// Completion day (runs not done count as the horizon), difference in days.
    pub completion_days: Difference,
}

/// The paired difference of a per-run figure.
pub fn paired(
    base: &[RunOutcome],
    other: &[RunOutcome],
    f: impl Fn(&RunOutcome) -> f64,
) -> Difference {
    let n = base.len().min(other.len());
    if n == 0 {
        return Difference {
            difference: 0.0,
            standard_error: 0.0,
        };
    }
    let d: Vec<f64> = base.iter().zip(other).map(|(a, b)| f(b) - f(a)).collect();
    let mean = d.iter().sum::<f64>() / n as f64;
    let var = if n > 1 {
        d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    Difference {
        difference: round3(mean),
        standard_error: round3((var / n as f64).sqrt()),
    }
}

/// The per-run figures compared.
pub fn compare(
    mitigation: &str,
    report: Report,
    base: &[RunOutcome],
    other: &[RunOutcome],
    horizon: i32,
) -> Comparison {
    let done = |o: &RunOutcome| f64::from(u8::from(o.done_by_deadline));
    Comparison {
        mitigation: mitigation.to_string(),
        report,
        p_done_by_deadline: paired(base, other, done),
        proficient_share_at_deadline: paired(base, other, |o| o.proficient_share),
        completion_days: paired(base, other, |o| o.completion_day.unwrap_or(horizon) as f64),
    }
}
