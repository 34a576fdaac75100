//! `scenarios`, `scenario check`, `simulate`: the simulator from the command line. A
//! simulation reads the log (or a plan file) and writes nothing.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::args::Format;
use super::open_app;
use crate::app::parse_as_of;
use crate::forecast;
use crate::sim::monte_carlo::{self, Config};
use crate::sim::scenario::{self, Scenario};
use crate::sim::DEFAULT_HORIZON_DAYS;

/// `baton scenario …`.
#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Validate a scenario file: errors name the file, line and key.
    Check {
        /// The TOML file.
        file: PathBuf,
        /// Output format (an invalid file is an error either way, on stderr).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// `baton simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// A program slug of the log (forked at --as-of), or a JSONL file of commands.
    #[arg(long)]
    pub plan: String,
    /// A scenario name (`baton scenarios`) or a TOML file.
    #[arg(long)]
    pub scenario: String,
    /// A mitigation of the scenario, applied from the start (repeatable): each is compared
    /// with the baseline on the same seeds.
    #[arg(long)]
    pub mitigate: Vec<String>,
    /// Number of runs.
    #[arg(long, default_value_t = 10_000)]
    pub runs: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Business time of the fork (default: the log's latest business time; for a file, the day
    /// before its first session).
    #[arg(long)]
    pub as_of: Option<String>,
    /// The last day simulated (YYYY-MM-DD; default two years past the deadline).
    #[arg(long)]
    pub horizon: Option<chrono::NaiveDate>,
    /// Worker threads (default: all cores; RAYON_NUM_THREADS is honoured).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// List every run's completion date and proficient share.
    #[arg(long)]
    pub per_run: bool,
    /// Tell run 0 week by week.
    #[arg(long)]
    pub narrate: bool,
}

/// Reads a scenario by library name or file path.
pub fn load_scenario(name: &str) -> anyhow::Result<Scenario> {
    if let Some(s) = scenario::builtin(name) {
        return Ok(s);
    }
    let path = Path::new(name);
    if !path.exists() {
        let names: Vec<_> = scenario::LIBRARY.iter().map(|(n, _)| *n).collect();
        anyhow::bail!(
            "no scenario {name:?}: not a file, nor one of {}",
            names.join(", ")
        );
    }
    let text = std::fs::read_to_string(path)?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or(name);
    Ok(scenario::parse(&path.display().to_string(), stem, &text)?)
}

pub(super) fn scenarios(parameters: bool, format: Format) -> anyhow::Result<ExitCode> {
    if parameters {
        match format {
            Format::Json => outln!("{}", serde_json::to_string_pretty(crate::sim::PARAMETERS)?)?,
            Format::Table => {
                for p in crate::sim::PARAMETERS {
                    tableln!("{:<30} {:>8}  {}", p.name, p.default, p.cite)?;
                    tableln!("{:<30} {:>8}  {}", "", "", p.doc)?;
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let all: Vec<Scenario> = scenario::LIBRARY
        .iter()
        .filter_map(|(n, _)| scenario::builtin(n))
        .collect();
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&all)?)?,
        Format::Table => {
            for s in &all {
                let cards: Vec<_> = s.cards.iter().map(|c| c.id.as_str()).collect();
                let mits: Vec<_> = s.mitigations.iter().map(|m| m.id.as_str()).collect();
                tableln!("{:<24} {}", s.name, s.title)?;
                tableln!(
                    "{:<24} cards: {}",
                    "",
                    if cards.is_empty() {
                        "-".into()
                    } else {
                        cards.join(", ")
                    }
                )?;
                tableln!("{:<24} mitigations: {}", "", mits.join(", "))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn scenario(cmd: ScenarioCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ScenarioCommand::Check { file, format } => {
            let text = std::fs::read_to_string(&file)?;
            let stem = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("scenario");
            let s = scenario::parse(&file.display().to_string(), stem, &text)?;
            match format {
                Format::Json => outln!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "ok": true,
                        "file": file.display().to_string(),
                        "name": s.name,
                        "parameters": s.parameters.len(),
                        "cards": s.cards.len(),
                        "mitigations": s.mitigations.len(),
                    }))?
                )?,
                Format::Table => tableln!(
                    "ok: {} ({} parameters, {} cards, {} mitigations)",
                    s.name,
                    s.parameters.len(),
                    s.cards.len(),
                    s.mitigations.len()
                )?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(super) fn simulate(data: &Path, a: SimulateArgs) -> anyhow::Result<ExitCode> {
    let what = forecast::Simulate {
        scenario: load_scenario(&a.scenario)?,
        mitigations: a.mitigate.clone(),
        runs: a.runs,
        seed: a.seed,
        horizon: a.horizon,
        per_run: a.per_run,
        narrate: a.narrate,
        bands: false,
    };
    // A mitigation the scenario lacks is refused before the plan is read.
    for m in &what.mitigations {
        what.scenario.mitigation(m)?;
    }
    let (plan, head) = load_plan(data, &a.plan, a.as_of.as_deref())?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = a.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build()?;
    let bar = super::progress::count(a.runs * (1 + what.mitigations.len() as u64), "simulating");
    let tick = || bar.inc(1);
    let simulation = pool.install(|| forecast::simulate(&plan, &what, &tick))?;
    bar.finish_and_clear();
    let forecast::Simulation {
        report,
        comparisons,
        story,
        ..
    } = &simulation;
    match a.format {
        Format::Json => {
            let mut value = simulation.json()?;
            if let Some(head) = &head {
                value = super::render::with_head(value, head, "report");
            }
            outln!("{}", serde_json::to_string_pretty(&value)?)?;
        }
        Format::Table => {
            tableout!("{}", render_report(report))?;
            for c in comparisons {
                outln!()?;
                tableln!("with {}:", c.mitigation)?;
                tableout!("{}", render_report(&c.report))?;
                tableln!(
                    "difference: P(done by deadline) {:+.3} ± {:.3}; proficient at deadline {:+.3} ± {:.3}; completion {:+.1} ± {:.1} days",
                    c.p_done_by_deadline.difference,
                    c.p_done_by_deadline.standard_error,
                    c.proficient_share_at_deadline.difference,
                    c.proficient_share_at_deadline.standard_error,
                    c.completion_days.difference,
                    c.completion_days.standard_error
                )?;
            }
            if let Some(s) = story {
                outln!()?;
                tableout!("{s}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A plan: a JSONL file of commands, or a program of the log forked at `as_of` (default: the
/// log's latest business time).
///
/// Also the head of the log the plan was forked from (none for a plan file), for the report.
fn load_plan(
    data: &Path,
    plan: &str,
    as_of: Option<&str>,
) -> anyhow::Result<(crate::sim::Plan, Option<crate::store::LogHead>)> {
    if Path::new(plan).is_file() {
        let text = std::fs::read_to_string(plan)?;
        let as_of = match as_of {
            Some(t) => Some(
                crate::domain::Timestamp::parse_lenient(t)
                    .map_err(|e| anyhow::anyhow!("--as-of: {e}"))?,
            ),
            None => None,
        };
        let (app, slug, t) = forecast::plan_file(plan, &text, as_of)?;
        return Ok((forecast::fork_program(&app, &slug, t)?, None));
    }
    let app = open_app(data, false)?;
    let (org, _) = app.organization()?;
    let t = match as_of {
        Some(t) => parse_as_of(t, &org)?,
        // The envelopes say when each event occurred: no need to decode their data.
        None => forecast::latest_business_time(&app)?,
    };
    Ok((
        forecast::fork_program(&app, plan, t)?,
        Some(app.store().head()),
    ))
}

/// `baton rehearse`.
#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// A scenario name or a TOML file.
    #[arg(long)]
    pub scenario: String,
    /// A program slug of the log, or a JSONL plan file.
    #[arg(long, default_value = "ils-rollout")]
    pub plan: String,
    /// Business time of the fork (as for `simulate`).
    #[arg(long)]
    pub as_of: Option<String>,
    /// A decision given up front, `CARD=RESPONSE` (`CARD=none` lets it play out); repeatable.
    /// Cards without one are asked on a terminal, and play out otherwise.
    #[arg(long)]
    pub choose: Vec<String>,
    /// Runs per branch.
    #[arg(long, default_value_t = 1000)]
    pub runs: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format of the debrief.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub(super) fn rehearse(data: &Path, a: RehearseArgs) -> anyhow::Result<ExitCode> {
    use std::io::BufRead;
    let sc = load_scenario(&a.scenario)?;
    let (plan, head) = load_plan(data, &a.plan, a.as_of.as_deref())?;
    let mut given: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for c in &a.choose {
        let Some((card, response)) = c.split_once('=') else {
            anyhow::bail!("--choose {c:?}: expected CARD=RESPONSE");
        };
        let known = sc
            .cards
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let Some(k) = sc.cards.iter().find(|x| x.id == card) else {
            return Err(scenario::ChoiceError::UnknownCard {
                scenario: sc.name.clone(),
                id: card.into(),
                known,
            }
            .into());
        };
        if response != "none" && !k.responses.iter().any(|r| r == response) {
            return Err(scenario::ChoiceError::NotOffered {
                card: card.into(),
                response: response.into(),
                offered: k.responses.join(", "),
            }
            .into());
        }
        given.insert(card.to_string(), response.to_string());
    }
    let interactive = std::io::stdin().is_terminal() && a.format == Format::Table;
    let mut choices = Vec::new();
    for card in &sc.cards {
        let picked = match given.get(&card.id) {
            Some(r) => Some(r.clone()),
            None if interactive => {
                tableln!("\n{} — card \"{}\"", plan.date(card.after_days), card.id)?;
                tableln!("{}", card.text)?;
                for (i, r) in card.responses.iter().enumerate() {
                    tableln!("  {}. {} — {}", i + 1, r, sc.mitigation(r)?.title)?;
                }
                out!("Your response (number or id, empty to let it play out): ")?;
                std::io::Write::flush(&mut std::io::stdout())?;
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                let line = line.trim();
                line.parse::<usize>()
                    .ok()
                    .and_then(|n| card.responses.get(n.wrapping_sub(1)).cloned())
                    .or_else(|| card.responses.iter().find(|r| *r == line).cloned())
            }
            None => None,
        };
        choices.push(picked.filter(|r| r != "none"));
    }
    let mitigations: Vec<Option<&scenario::Mitigation>> = choices
        .iter()
        .map(|c| c.as_deref().map(|id| sc.mitigation(id)).transpose())
        .collect::<Result<_, _>>()?;
    let config = Config {
        runs: a.runs,
        seed: a.seed,
        horizon: plan.deadline + DEFAULT_HORIZON_DAYS,
        per_run: false,
    };
    let debrief = crate::sim::rehearsal::debrief(&plan, &sc, &mitigations, &config);
    match a.format {
        Format::Json => {
            let mut value = serde_json::to_value(&debrief)?;
            if let Some(head) = &head {
                value = super::render::with_head(value, head, "debrief");
            }
            outln!("{}", serde_json::to_string_pretty(&value)?)?
        }
        Format::Table => {
            tableln!(
                "\nDebrief: {} under {} ({} runs a branch, seed {})",
                debrief.program,
                debrief.scenario,
                debrief.runs,
                debrief.seed
            )?;
            let d = |x: Option<chrono::NaiveDate>| {
                x.map(|d| d.to_string())
                    .unwrap_or_else(|| "not reached".into())
            };
            for x in &debrief.decisions {
                tableln!(
                    "{} {}: {} — P(done by deadline) {:.3} against {:.3} without a response ({:+.3} ± {:.3}); P50 {} against {}",
                    x.date,
                    x.card,
                    x.response.as_deref().unwrap_or("let it play out"),
                    x.p_done_by_deadline,
                    x.p_done_without,
                    x.difference.difference,
                    x.difference.standard_error,
                    d(x.completion_p50),
                    d(x.completion_p50_without)
                )?;
            }
            outln!()?;
            tableout!("{}", render_report(&debrief.outcome))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The report as text.
pub fn render_report(r: &monte_carlo::Report) -> String {
    use std::fmt::Write;
    let d = |x: Option<chrono::NaiveDate>| {
        x.map(|d| d.to_string())
            .unwrap_or_else(|| "not reached".into())
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} under {} — {} runs, seed {}, as of {}, horizon {}",
        r.program, r.scenario, r.runs, r.seed, r.as_of, r.horizon
    );
    let _ = writeln!(out, "target: {} by {}", r.target, r.deadline);
    let _ = writeln!(
        out,
        "completion date: P10 {} · P50 {} · P85 {} · P95 {}",
        d(r.completion_date.p10),
        d(r.completion_date.p50),
        d(r.completion_date.p85),
        d(r.completion_date.p95)
    );
    let _ = writeln!(out, "P(done by deadline): {:.3}", r.p_done_by_deadline);
    let _ = writeln!(
        out,
        "proficient at deadline: {:.3} · at go-live: {:.3}",
        r.proficient_share_at_deadline, r.proficient_share_at_golive
    );
    let _ = writeln!(
        out,
        "retention 6 months after the end: {}",
        r.retention_6_months_after_end
            .map(|x| format!("{x:.3}"))
            .unwrap_or_else(|| "-".into())
    );
    let singles: Vec<String> = r
        .single_holder_skills
        .iter()
        .map(|s| format!("{} ({:.0} %)", s.skill, s.share_of_runs * 100.0))
        .collect();
    let _ = writeln!(
        out,
        "truck factor at the end: median {} (mean {:.2}); single-holder skills: {}",
        r.truck_factor_p50,
        r.truck_factor_mean,
        if singles.is_empty() {
            "-".into()
        } else {
            singles.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "supervisor commitments kept: {}",
        r.commitments_kept
            .map(|x| format!("{x:.3}"))
            .unwrap_or_else(|| "-".into())
    );
    out
}

/// `baton model …`: the sub-models, for a class to look at. Reads no log.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Retention after delays: `--params ebbinghaus|accuracy|mixed|speed --at 20m,1d,6mo`.
    Retention {
        /// The parameter set: `ebbinghaus` (nonsense syllables) or a skill set of docs/MODEL.md.
        #[arg(long, default_value = "ebbinghaus")]
        params: String,
        /// Delays, comma-separated, each a number with m, h, d, w or mo (30.44 days).
        #[arg(long, default_value = "20m,64m,526m,1d,2d,6d,31d")]
        at: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The Bass adoption curve F(t), t in years.
    Adoption {
        /// Innovation coefficient per year.
        #[arg(long, default_value_t = 0.03)]
        p: f64,
        /// Imitation coefficient per year.
        #[arg(long, default_value_t = 0.38)]
        q: f64,
        /// Times in years, comma-separated.
        #[arg(long, default_value = "1,2,4,6,8,10")]
        t: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The truck factor of a skills matrix (CSV: `person,<skill>,…`, cells levels 0–4), by
    /// the rule and the code of `baton risk`.
    TruckFactor {
        /// The CSV file.
        matrix: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// A delay like `20m`, `1.5h`, `6d`, `2w`, `3mo`, in minutes.
fn delay_minutes(text: &str) -> anyhow::Result<f64> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => anyhow::bail!("delay {t:?}: expected a number and a unit (m, h, d, w, mo)"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("delay {t:?}: {num:?} is not a number"))?;
    let per = match unit {
        "m" => 1.0,
        "h" => 60.0,
        "d" => 1440.0,
        "w" => 7.0 * 1440.0,
        "mo" => crate::domain::retention::DAYS_PER_MONTH * 1440.0,
        other => anyhow::bail!("delay {t:?}: unknown unit {other:?}; expected m, h, d, w or mo"),
    };
    if !(n >= 0.0 && n.is_finite()) {
        anyhow::bail!("delay {t:?}: expected a non-negative number");
    }
    Ok(n * per)
}

fn numbers(text: &str, what: &str) -> anyhow::Result<Vec<f64>> {
    text.split(',')
        .map(|x| {
            x.trim()
                .parse::<f64>()
                .map_err(|_| anyhow::anyhow!("{what}: {x:?} is not a number"))
        })
        .collect()
}

pub(super) fn model(cmd: ModelCommand) -> anyhow::Result<ExitCode> {
    use crate::domain::retention::{self, SkillMeasure};
    use serde_json::{json, Value};
    let (value, format): (Value, Format) = match cmd {
        ModelCommand::Retention { params, at, format } => {
            let curve = match params.as_str() {
                "ebbinghaus" | "nonsense" => None,
                "accuracy" => Some(SkillMeasure::Accuracy),
                "mixed" => Some(SkillMeasure::Mixed),
                "speed" => Some(SkillMeasure::Speed),
                other => anyhow::bail!(
                    "--params {other:?}: expected ebbinghaus, accuracy, mixed or speed"
                ),
            };
            let mut rows = Vec::new();
            for d in at.split(',') {
                let minutes = delay_minutes(d)?;
                let r = match curve {
                    None => retention::NONSENSE.retention(minutes),
                    Some(m) => retention::skill(m).retention(minutes / 1440.0),
                };
                rows.push(json!({
                    "delay_minutes": if minutes.fract() == 0.0 { json!(minutes as u64) } else { json!(minutes) },
                    "retained_percent": (r * 1000.0).round() / 10.0,
                }));
            }
            (Value::Array(rows), format)
        }
        ModelCommand::Adoption { p, q, t, format } => {
            if !(p > 0.0 && q >= 0.0) {
                anyhow::bail!("--p must be above 0 and --q at least 0");
            }
            let rows = crate::sim::model::adoption_curve(p, q, &numbers(&t, "--t")?)
                .into_iter()
                .map(|x| json!({"t": x.t, "adopted_share": (x.adopted_share * 1e6).round() / 1e6}))
                .collect();
            (Value::Array(rows), format)
        }
        ModelCommand::TruckFactor { matrix, format } => {
            let text = std::fs::read_to_string(&matrix)?;
            (
                truck_factor_csv(&matrix.display().to_string(), &text)?,
                format,
            )
        }
    };
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&value)?)?,
        Format::Table => out!(
            "{}",
            super::render::table_styled("model", &value, &super::render::Style::for_stdout())
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The truck factor of a CSV skills matrix, by `projections::risk`'s own functions.
fn truck_factor_csv(file: &str, text: &str) -> anyhow::Result<serde_json::Value> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        anyhow::bail!("{file}:1: empty file; expected a header `person,<skill>,<skill>…`");
    };
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    if cols.first() != Some(&"person") || cols.len() < 2 {
        anyhow::bail!("{file}:1: expected a header `person,<skill>,<skill>…`");
    }
    let skills: Vec<String> = cols[1..].iter().map(|s| s.to_string()).collect();
    let mut levels: BTreeMap<String, BTreeMap<String, u8>> = BTreeMap::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != cols.len() {
            anyhow::bail!(
                "{file}:{}: {} cells, expected {}",
                i + 1,
                cells.len(),
                cols.len()
            );
        }
        let row = levels.entry(cells[0].to_string()).or_default();
        for (s, cell) in skills.iter().zip(&cells[1..]) {
            if cell.is_empty() {
                continue;
            }
            let l: u8 = cell.parse().ok().filter(|l| *l <= 4).ok_or_else(|| {
                anyhow::anyhow!("{file}:{}: column {s}: {cell:?} is not a level 0–4", i + 1)
            })?;
            row.insert(s.clone(), l);
        }
    }
    let holders = crate::projections::risk::holders(&levels);
    let catalogue: BTreeSet<String> = skills.iter().cloned().collect();
    // Ties by the person column's value, in byte order.
    let tf = crate::projections::risk::truck_factor(&catalogue, &holders, |p| p.to_string());
    let single: Vec<&String> = skills
        .iter()
        .filter(|s| holders.get(*s).is_some_and(|h| h.len() == 1))
        .collect();
    Ok(serde_json::json!({
        "truck_factor": tf.value,
        "removed": tf.removed.iter().map(|r| r.person.clone()).collect::<Vec<_>>(),
        "single_holder_skills": single,
    }))
}

/// Runs and seed of the dashboard's probabilistic forecast.
const FORECAST_RUNS: u64 = 1000;
const FORECAST_SEED: u64 = 1;

/// `baton dashboard PROGRAM --forecast`: the dashboard, and the `as-planned` forecast from the
/// same business time.
pub(super) fn dashboard_forecast(
    data: &Path,
    program: &str,
    as_of: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let stream = crate::app::program_stream(program)?;
    let slug = stream.program_slug().unwrap_or(program).to_string();
    let app = open_app(data, false)?;
    if app.store().stream_version(stream.as_str()) == 0 {
        anyhow::bail!("no program {slug:?} (see `baton programs`)");
    }
    let (org, _) = app.organization()?;
    let t = match as_of {
        Some(t) => parse_as_of(t, &org)?,
        None => app.now(),
    };
    let sc = scenario::builtin("as-planned").expect("the library has as-planned");
    let forecast = match forecast::fork_program(&app, &slug, t) {
        Ok(plan) => {
            let config = Config {
                runs: FORECAST_RUNS,
                seed: FORECAST_SEED,
                horizon: plan.deadline + DEFAULT_HORIZON_DAYS,
                per_run: false,
            };
            let outs =
                monte_carlo::outcomes(&plan, &sc.params(), &sc.changes(&[]), &config, &|| {});
            let r = monte_carlo::report(&plan, &sc.name, &[], &config, &outs);
            serde_json::json!({
                "scenario": r.scenario,
                "runs": r.runs,
                "seed": r.seed,
                "as_of": r.as_of,
                "completion_p50": r.completion_date.p50,
                "completion_p85": r.completion_date.p85,
                "p_done_by_deadline": r.p_done_by_deadline,
            })
        }
        Err(e) => serde_json::json!({ "unavailable": e.to_string() }),
    };
    match format {
        Format::Json => {
            let (dashboard, _) = crate::checkpoint::dashboard_as_of(&app, &slug, t)?;
            let view = dashboard
                .result(t)
                .ok_or_else(|| anyhow::anyhow!("no program {slug:?}"))?;
            let mut value = serde_json::to_value(view)?;
            value["probabilistic_forecast"] = forecast;
            let value = super::render::with_head(value, &app.store().head(), "dashboard");
            outln!("{}", serde_json::to_string_pretty(&value)?)?;
        }
        Format::Table => {
            drop(app);
            super::read_cmds::dashboard(data, &slug, as_of, format)?;
            outln!()?;
            match forecast.get("unavailable") {
                Some(why) => tableln!(
                    "Probabilistic forecast: unavailable ({})",
                    why.as_str().unwrap_or("")
                )?,
                None => {
                    let d = |k: &str| forecast[k].as_str().unwrap_or("not reached").to_string();
                    tableln!(
                        "Probabilistic forecast (as-planned, {} runs, seed {}): P50 {} · P85 {} · P(done by deadline) {:.3}",
                        FORECAST_RUNS,
                        FORECAST_SEED,
                        d("completion_p50"),
                        d("completion_p85"),
                        forecast["p_done_by_deadline"].as_f64().unwrap_or(0.0)
                    )?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
