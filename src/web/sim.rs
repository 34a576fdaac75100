//! The simulator page (plan, scenario, mitigations, runs, seed → a fan chart of the outcome
//! and the comparison of mitigations) and the classroom rehearsal (the scenario's cards one
//! at a time, the class's choice each time, then the debrief against the no-response branch).

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{html, Markup};
use serde_json::Value;

use super::charts;
use super::layout::{defined, page, raw, Frame};
use super::{enc, failure, float, html, num, percent, text, Viewer};
use crate::server::error::ApiError;
use crate::server::{AppState, SimulateBody};
use crate::sim::scenario::{self, Scenario};

/// Runs the pages offer by default (the API's limit applies).
pub const DEFAULT_RUNS: u64 = 500;

fn param<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn params<'a>(q: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    q.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn number(q: &[(String, String)], key: &str, default: u64) -> Result<u64, Response> {
    match param(q, key) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| {
            failure(ApiError::malformed(
                key.to_string(),
                format!("{v:?}: expected a whole number"),
            ))
        }),
    }
}

fn library() -> Vec<Scenario> {
    scenario::LIBRARY
        .iter()
        .filter_map(|(name, _)| scenario::builtin(name))
        .collect()
}

fn chooser(frame: &Frame, action: &str, plan: &str, scenario: &str) -> Markup {
    html! {
        label { "Plan" select name="plan" {
            @for (slug, title) in &frame.programs { option value=(slug) selected[slug == plan] { (title) " (" (slug) ")" } }
        } }
        label { "Scenario" select name="scenario" {
            @for s in library() { option value=(s.name) selected[s.name == scenario] { (s.title) } }
        } }
        @if action == "/simulate" { button.secondary type="submit" name="choose" value="1" { "Show its mitigations" } }
    }
}

/// The plan, scenario, runs and seed a simulator page was asked for (defaults: the first
/// program, `scenario`, `runs`, seed 1).
fn inputs(
    q: &[(String, String)],
    frame: &Frame,
    scenario: &str,
    runs: u64,
) -> Result<(String, String, Scenario, u64, u64), Response> {
    let plan = param(q, "plan")
        .map(str::to_string)
        .or_else(|| frame.programs.first().map(|p| p.0.clone()))
        .unwrap_or_default();
    let name = param(q, "scenario").unwrap_or(scenario).to_string();
    let Some(sc) = scenario::builtin(&name) else {
        return Err(failure(ApiError::malformed(
            "scenario",
            format!("no scenario {name:?} (see /api/scenarios)"),
        )));
    };
    let runs = number(q, "runs", runs)?;
    if !(1..=crate::server::MAX_RUNS).contains(&runs) {
        return Err(failure(ApiError::malformed(
            "runs",
            format!("{runs}: expected 1 to {}", crate::server::MAX_RUNS),
        )));
    }
    let seed = number(q, "seed", 1)?;
    Ok((plan, name, sc, runs, seed))
}

/// `GET /simulate`.
pub async fn simulate(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let frame = Frame::of(&state, &auth, None);
    let (plan, scenario_name, sc, runs, seed) = match inputs(&q, &frame, "as-planned", DEFAULT_RUNS)
    {
        Ok(i) => i,
        Err(r) => return r,
    };
    let chosen: Vec<String> = params(&q, "mitigate")
        .into_iter()
        .filter(|m| sc.mitigations.iter().any(|x| x.id == *m))
        .map(str::to_string)
        .collect();
    let result = if param(&q, "run").is_some() && !plan.is_empty() {
        let req = SimulateBody {
            plan: plan.clone(),
            scenario: Some(scenario_name.clone()),
            scenario_toml: None,
            mitigate: chosen.clone(),
            runs: Some(runs),
            seed: Some(seed),
            as_of: None,
            horizon: None,
            per_run: false,
            narrate: false,
            bands: true,
        };
        Some(crate::server::run_simulation(&state, &auth, req).await)
    } else {
        None
    };
    let body = html! {
        h1 { "Simulator" }
        p.lead { "Forecast a plan under a challenge scenario, with honest uncertainty, and compare what would help. "
            a href="/docs/model" { "How the model works" } }
        form.filters #simulate-form method="get" action="/simulate" {
            (chooser(&frame, "/simulate", &plan, &scenario_name))
            label { "Runs" input type="number" name="runs" min="1" max=(crate::server::MAX_RUNS) value=(runs); }
            label { "Seed" input type="number" name="seed" min="0" value=(seed); }
            fieldset { legend { "Mitigations of " (sc.title) }
                @if sc.mitigations.is_empty() { "none offered" }
                @for m in &sc.mitigations {
                    label title=(m.description) { input type="checkbox" name="mitigate" value=(m.id) checked[chosen.contains(&m.id)]; " " (m.title) }
                }
            }
            button type="submit" name="run" value="1" { "Simulate" }
        }
        p { (sc.description) }
        @match &result {
            None => {}
            Some(Err(e)) => { p.error #form-error role="alert" { (e.body.field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default()) (e.body.message) } }
            Some(Ok(report)) => { (outcome(report)) }
        }
    };
    html(page(&frame, "Simulator", None, body))
}

fn date_or(v: &Value) -> String {
    v.as_str().unwrap_or("not reached").to_string()
}

fn fan_of(report: &Value) -> String {
    match report["deadline"].as_str().and_then(|d| d.parse().ok()) {
        Some(deadline) => charts::fan(
            "fan-chart",
            "Share of the audience proficient over time",
            &charts::fan_points(&report["bands"]),
            charts::target_share(text(report, "target")),
            deadline,
        ),
        None => String::new(),
    }
}

fn summary(r: &Value) -> Markup {
    let c = &r["completion_date"];
    html! {
        table.kv #report { tbody {
            tr { th scope="row" { "Target" } td { (text(r, "target")) " by " (text(r, "deadline")) } }
            tr { th scope="row" { "Target met (P10 · P50 · P85 · P95)" } td #completion-dates { (date_or(&c["p10"])) " · " strong { (date_or(&c["p50"])) } " · " (date_or(&c["p85"])) " · " (date_or(&c["p95"])) } }
            tr { th scope="row" { "P(done by the deadline)" } td #p-done { (percent(float(r, "p_done_by_deadline"))) } }
            tr { th scope="row" { "Proficient at the deadline · at go-live" } td { (percent(float(r, "proficient_share_at_deadline"))) " · " (percent(float(r, "proficient_share_at_golive"))) } }
            tr { th scope="row" { "Truck factor (median)" } td { (num(r, "truck_factor_p50")) } }
            tr { th scope="row" { "Runs · seed · forked on" } td { (num(r, "runs")) " · " (num(r, "seed")) " · " (text(r, "as_of")) } }
        } }
    }
}

fn outcome(r: &Value) -> Markup {
    let diff = |d: &Value, scale: f64, unit: &str| {
        format!(
            "{:+.1}{unit} ± {:.1}",
            float(d, "difference") * scale,
            float(d, "standard_error") * scale
        )
    };
    html! {
        section aria-labelledby="outcome-h" {
            h2 #outcome-h { (text(r, "program")) " under " (text(r, "scenario")) (defined("deadline-and-forecast")) }
            (raw(fan_of(r)))
            (summary(r))
        }
        @if let Some(cs) = r["comparisons"].as_array() {
            section aria-labelledby="compare-h" {
                h2 #compare-h { "Mitigations compared with no mitigation (same seeds)" }
                table #comparison {
                    thead { tr { th scope="col" { "Mitigation" } th.n scope="col" { "P(done by the deadline)" } th.n scope="col" { "Difference" } th.n scope="col" { "Target met (P50)" } th.n scope="col" { "Proficient at the deadline" } th.n scope="col" { "Completion, days" } } }
                    tbody {
                        tr { th scope="row" { "none" } td.n { (percent(float(r, "p_done_by_deadline"))) } td.n { "-" } td.n { (date_or(&r["completion_date"]["p50"])) } td.n { (percent(float(r, "proficient_share_at_deadline"))) } td.n { "-" } }
                        @for c in cs { tr {
                            th scope="row" { (text(c, "mitigation")) }
                            td.n { (percent(float(&c["report"], "p_done_by_deadline"))) }
                            td.n { (diff(&c["p_done_by_deadline"], 100.0, " pt")) }
                            td.n { (date_or(&c["report"]["completion_date"]["p50"])) }
                            td.n { (diff(&c["proficient_share_at_deadline"], 100.0, " pt")) }
                            td.n { (diff(&c["completion_days"], 1.0, " d")) }
                        } }
                    }
                }
            }
        }
    }
}

/// `GET /rehearse`: pick a plan and a scenario; then each card in turn (`c` holds the
/// choices so far, in card order); then the debrief.
pub async fn rehearse(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let frame = Frame::of(&state, &auth, None);
    let (plan, scenario_name, sc, runs, seed) = match inputs(&q, &frame, "perfect-storm", 200) {
        Ok(i) => i,
        Err(r) => return r,
    };
    // As `/simulate` (through `run_simulation`): a token limited to some programs may not
    // rehearse against the others' plans, which would show their people and figures.
    if !plan.is_empty() {
        if let Err(e) = auth.require_program(&plan) {
            return failure(e);
        }
    }
    let choices: Vec<String> = params(&q, "c").into_iter().map(str::to_string).collect();
    for (card, choice) in sc.cards.iter().zip(&choices) {
        if choice != "none" && !card.responses.contains(choice) {
            return failure(ApiError::malformed(
                "c",
                format!(
                    "card {:?} does not offer {choice:?}: it offers {}",
                    card.id,
                    card.responses.join(", ")
                ),
            ));
        }
    }
    let started = param(&q, "start").is_some() || !choices.is_empty();
    let hidden = |extra: Option<&str>| {
        html! {
            input type="hidden" name="plan" value=(plan);
            input type="hidden" name="scenario" value=(scenario_name);
            input type="hidden" name="runs" value=(runs);
            input type="hidden" name="seed" value=(seed);
            @for c in &choices { input type="hidden" name="c" value=(c); }
            @if let Some(e) = extra { input type="hidden" name="start" value=(e); }
        }
    };
    let body = if !started || plan.is_empty() {
        html! {
            h1 { "Rehearsal" }
            p.lead { "Play a scenario's challenge cards one at a time against a real plan: the class chooses a response to each, then the debrief shows each decision against letting it play out." }
            form.filters #rehearse-start method="get" action="/rehearse" {
                (chooser(&frame, "/rehearse", &plan, &scenario_name))
                label { "Runs per branch" input type="number" name="runs" min="1" max=(crate::server::MAX_RUNS) value=(runs); }
                label { "Seed" input type="number" name="seed" min="0" value=(seed); }
                button type="submit" name="start" value="1" { "Start" }
            }
        }
    } else if let Some(card) = sc.cards.get(choices.len()) {
        let day = match fork(&state, &plan).await {
            Ok(p) => p.date(card.after_days).to_string(),
            Err(r) => return r,
        };
        html! {
            div.projector {
                h1 { (sc.title) }
                p.lead #card-number data-index=(choices.len() + 1) { "Card " (choices.len() + 1) " of " (sc.cards.len()) " · " (plan) " · " time datetime=(day) { (day) } }
                p.card-text #card-text data-card=(card.id) { (card.text) }
                form #responses method="get" action="/rehearse" {
                    (hidden(None))
                    div.responses {
                        @for r in &card.responses {
                            @let m = sc.mitigation(r).ok();
                            button type="submit" name="c" value=(r) title=[m.map(|m| m.description.clone())] { (m.map(|m| m.title.clone()).unwrap_or_else(|| r.clone())) }
                        }
                        button.secondary type="submit" name="c" value="none" { "Let it play out" }
                    }
                }
            }
        }
    } else {
        match debrief(&state, &plan, &sc, &choices, runs, seed).await {
            Ok(d) => debrief_view(&sc, &d, &choices),
            Err(r) => return r,
        }
    };
    html(page(&frame, "Rehearsal", None, body))
}

async fn fork(state: &AppState, slug: &str) -> Result<crate::sim::plan::Plan, Response> {
    let app = state.inner.app.clone();
    let at = state.inner.at;
    let slug = slug.to_string();
    tokio::task::spawn_blocking(move || {
        let t = match at {
            Some(t) => t,
            None => crate::forecast::latest_business_time(&app)?,
        };
        crate::forecast::fork_program(&app, &slug, t).map_err(|e| match e {
            crate::forecast::ForecastError::NoProgram(_) => ApiError::not_found(e.to_string()),
            crate::forecast::ForecastError::App(a) => a.into(),
            other => ApiError::malformed("plan", other.to_string()),
        })
    })
    .await
    .map_err(|e| failure(ApiError::internal(e.to_string())))?
    .map_err(failure)
}

async fn debrief(
    state: &AppState,
    slug: &str,
    sc: &Scenario,
    choices: &[String],
    runs: u64,
    seed: u64,
) -> Result<Value, Response> {
    let plan = fork(state, slug).await?;
    let sc = sc.clone();
    let choices = choices.to_vec();
    tokio::task::spawn_blocking(move || {
        let picked: Vec<Option<&scenario::Mitigation>> = choices
            .iter()
            .map(|c| (c != "none").then(|| sc.mitigation(c).ok()).flatten())
            .collect();
        let config = crate::sim::monte_carlo::Config {
            runs,
            seed,
            horizon: plan.deadline + crate::sim::DEFAULT_HORIZON_DAYS,
            per_run: false,
        };
        let d = crate::sim::rehearsal::debrief(&plan, &sc, &picked, &config);
        serde_json::to_value(&d).map_err(|e| ApiError::internal(e.to_string()))
    })
    .await
    .map_err(|e| failure(ApiError::internal(e.to_string())))?
    .map_err(failure)
}

fn debrief_view(sc: &Scenario, d: &Value, choices: &[String]) -> Markup {
    html! {
        div.projector {
            h1 { "Debrief: " (sc.title) }
            p.lead { (text(d, "program")) " · " (num(d, "runs")) " runs a branch · seed " (num(d, "seed")) }
            table #debrief {
                thead { tr { th scope="col" { "Day" } th scope="col" { "Card" } th scope="col" { "Your response" } th.n scope="col" { "P(done by the deadline)" } th.n scope="col" { "Without a response" } th.n scope="col" { "Difference" } th.n scope="col" { "Target met (P50)" } th.n scope="col" { "Without" } } }
                tbody { @for (i, x) in d["decisions"].as_array().into_iter().flatten().enumerate() { tr {
                    td { (text(x, "date")) } td { (text(x, "card")) }
                    td { (x["response"].as_str().map(str::to_string).unwrap_or_else(|| "let it play out".into())) }
                    td.n { (percent(float(x, "p_done_by_deadline"))) } td.n { (percent(float(x, "p_done_without"))) }
                    td.n { (format!("{:+.1} pt ± {:.1}", float(&x["difference"], "difference") * 100.0, float(&x["difference"], "standard_error") * 100.0)) }
                    td.n { (date_or(&x["completion_p50"])) } td.n { (date_or(&x["completion_p50_without"])) }
                    @if i >= choices.len() { td { } }
                } } }
            }
        }
        section aria-labelledby="outcome-h" {
            h2 #outcome-h { "The outcome with every decision taken" }
            (summary(&d["outcome"]))
        }
        p { a.button href={ "/rehearse?plan=" (enc(text(d, "program"))) "&scenario=" (enc(&sc.name)) } { "Play again" } }
    }
}
