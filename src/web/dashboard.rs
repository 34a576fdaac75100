//! `/programs/{id}`: a program's dashboard, every figure of `docs/DASHBOARD.md`, live.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::charts::{self, Series};
use super::layout::{self, defined, raw, Frame};
use super::{count, enc, html, num, percent, share, text, Viewer};
use crate::access::Role;
use crate::query::{Answer, QueryError, Reader};
use crate::server::AppState;

/// Runs of the simulator behind the dashboard's forecast band.
pub const FORECAST_RUNS: u64 = 200;

/// `?as_of=`.
#[derive(Deserialize)]
pub struct AsOf {
    /// A day or a time; empty means now.
    pub as_of: Option<String>,
}

impl AsOf {
    /// The as-of, when one was given.
    pub fn given(&self) -> Option<String> {
        self.as_of
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }
}

/// A rendered read (once per head while live), as JSON.
async fn rendered(
    state: &AppState,
    key: String,
    as_of: Option<String>,
    f: impl FnOnce(&mut Reader, Option<&str>) -> Result<Answer, QueryError> + Send + 'static,
) -> Result<Value, Response> {
    let has = as_of.is_some();
    let key = match &as_of {
        Some(t) => format!("{key}@{t}"),
        None => key,
    };
    let mut reader = state.reader();
    let r = match reader.rendered_cached(&key, has) {
        Some(hit) => hit,
        None => tokio::task::spawn_blocking(move || {
            reader.rendered(&key, has, move |r| f(r, as_of.as_deref()))
        })
        .await
        .map_err(|e| super::failure(crate::server::error::ApiError::internal(e.to_string())))?
        .map_err(|e| super::failure(e.into()))?,
    };
    serde_json::from_slice(&r.json)
        .map_err(|e| super::failure(crate::server::error::ApiError::internal(e.to_string())))
}

/// The simulator's forecast for the dashboard: the as-planned scenario from the day shown.
fn forecast(reader: &mut Reader, slug: &str, as_of: Option<&str>) -> Result<Answer, QueryError> {
    let t = reader.time(as_of)?;
    let app = reader.app()?.clone();
    let head = app.store().head();
    let view = match crate::forecast::fork_program(&app, slug, t) {
        Ok(plan) => {
            let scenario = crate::sim::scenario::builtin("as-planned")
                .ok_or_else(|| QueryError::Internal("no as-planned scenario".into()))?;
            let what = crate::forecast::Simulate {
                scenario,
                mitigations: Vec::new(),
                runs: FORECAST_RUNS,
                seed: 1,
                horizon: None,
                per_run: false,
                narrate: false,
                bands: true,
            };
            match crate::forecast::simulate(&plan, &what, &|| {}) {
                Ok(sim) => sim
                    .json()
                    .map_err(|e| QueryError::Internal(e.to_string()))?,
                Err(e) => serde_json::json!({ "unavailable": e.to_string() }),
            }
        }
        Err(crate::forecast::ForecastError::App(e)) => return Err(e.into()),
        Err(e) => serde_json::json!({ "unavailable": e.to_string() }),
    };
    Ok(Answer {
        title: format!("Forecast: {slug}"),
        view,
        head,
        list_key: "items",
    })
}

/// `GET /programs/{id}`.
pub async fn page(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> Response {
    if let Err(e) = auth.require_program(&id) {
        return super::failure(e);
    }
    let as_of = q.given();
    let slug = id.clone();
    let dash = match rendered(&state, format!("web-dashboard:{id}"), as_of.clone(), {
        let slug = slug.clone();
        move |r, t| r.dashboard(&slug, t)
    })
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let progress = rendered(&state, format!("web-progress:{id}"), as_of.clone(), {
        let slug = slug.clone();
        move |r, t| r.progress(&slug, t)
    })
    .await
    .ok();
    let is_training = text(&dash, "kind") == "training";
    let forecast = if is_training && !dash["deadline"]["deadline"].is_null() {
        rendered(&state, format!("web-forecast:{id}"), as_of.clone(), {
            let slug = slug.clone();
            move |r, t| forecast(r, &slug, t)
        })
        .await
        .ok()
    } else {
        None
    };
    let frame = Frame::of(&state, &auth, Some(text(&dash, "today").to_string()));
    let live = match &as_of {
        None => Some(format!("/programs/{}", enc(&id))),
        Some(_) => None,
    };
    let body = view(
        &frame,
        &id,
        &dash,
        progress.as_ref(),
        forecast.as_ref(),
        as_of.as_deref(),
    );
    html(layout::page(
        &frame,
        &format!("Dashboard: {}", text(&dash, "title")),
        live.as_deref(),
        body,
    ))
}

fn section(id: &str, title: &str, anchor: &str, body: Markup) -> Markup {
    html! {
        section aria-labelledby={ (id) "-h" } {
            h2 #{ (id) "-h" } { (title) (defined(anchor)) }
            (body)
        }
    }
}

fn person_link(v: &Value) -> Markup {
    let id = text(v, "person");
    let name = match text(v, "name") {
        "" => id,
        n => n,
    };
    html! { a href={ "/people/" (enc(id)) } { (name) } }
}

fn label(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn yes_no(b: bool) -> Markup {
    html! { @if b { span.yes { "yes" } } @else { span.no { "no" } } }
}

fn view(
    frame: &Frame,
    id: &str,
    d: &Value,
    progress: Option<&Value>,
    forecast: Option<&Value>,
    as_of: Option<&str>,
) -> Markup {
    let base = format!("/programs/{}", enc(id));
    html! {
        h1 { (text(d, "title")) }
        p.lead {
            (label(text(d, "kind"))) " program " code { (id) }
            @if d["archived"].as_bool() == Some(true) { " · archived" }
            " · figures for " strong #today { (text(d, "today")) }
            @if let Some(goal) = d["goal"].as_str() { br; "Goal: " (goal) }
        }
        form.filters.no-print method="get" action=(base) {
            label { "As of" input type="date" name="as_of" value=[as_of.map(|t| t.get(..10).unwrap_or(t))]; }
            button type="submit" { "Show" }
            @if as_of.is_some() { a href=(base) { "Back to now (live)" } }
            @else { span #live-state .live-state aria-live="polite" { "Live" } }
        }
        p.no-print {
            a href={ (base) "/history" } { "Audit history" } " · "
            a href={ (base) "/plan" } { "Printable action plan" } " · "
            @if frame.has(Role::Trainer) && frame.who.may_touch(id) { a href={ (base) "/record" } { "Record sessions, practice and evaluations" } " · " }
            a href={ "/simulate?plan=" (enc(id)) } { "Simulate" }
        }
        (headline(d))
        @if let Some(p) = progress { (progress_chart(d, p)) }
        (deadline(d, forecast))
        (phases(d))
        (enrolment(d))
        (attendance(d))
        (learners(d))
        (follow_ups(d))
        (practice(d))
        (trainers(d))
        (commitments(d))
        (kirkpatrick(d))
        @if !d["mentoring"].is_null() { (mentoring(&d["mentoring"])) }
    }
}

fn headline(d: &Value) -> Markup {
    let c = &d["completion"];
    let dl = &d["deadline"];
    html! {
        div.grid #headline {
            div.card #card-completion {
                h2 { "Completed" }
                div.big { (num(c, "completed")) " / " (num(c, "audience")) }
                (share(c, "rate")) " of the audience " (defined("learners-and-completion"))
            }
            @if let Some(p) = d["proficiency"].as_object().map(|_| &d["proficiency"]) {
                div.card #card-proficiency {
                    h2 { "Proficient" }
                    div.big { (num(p, "proficient")) " / " (num(p, "audience")) }
                    "at " (text(p, "skill")) " level " (num(p, "level")) "+ · target " (percent(num(p, "target_share_per_mille") as f64 / 1000.0)) " by " (text(p, "by")) " " (defined("proficiency-vs-target"))
                }
            }
            div.card #card-deadline {
                h2 { "Deadline" }
                div.big { (dl["deadline"].as_str().unwrap_or("none")) }
                span class={ "status-" (text(dl, "status")) } { (label(text(dl, "status"))) } " " (defined("deadline-and-forecast"))
            }
            div.card #card-attendance {
                h2 { "Attendance" }
                div.big { (share(&d["attendance"], "rate")) }
                (num(&d["attendance"], "present")) " present of " (num(&d["attendance"], "expected")) " expected " (defined("attendance"))
            }
        }
    }
}

fn progress_chart(d: &Value, p: &Value) -> Markup {
    let points = p["points"].as_array().cloned().unwrap_or_default();
    let day = |v: &Value| v["date"].as_str().and_then(|s| s.parse().ok());
    let mut series = Vec::new();
    let proficient: Vec<_> = points
        .iter()
        .filter_map(|v| Some((day(v)?, v["proficient"].as_u64()? as f64)))
        .collect();
    if !proficient.is_empty() {
        series.push(Series {
            name: "proficient".into(),
            class: "progress",
            points: proficient,
        });
    }
    series.push(Series {
        name: "completed".into(),
        class: "completed",
        points: points
            .iter()
            .filter_map(|v| Some((day(v)?, v["completed"].as_u64()? as f64)))
            .collect(),
    });
    let target = p["target"]
        .as_u64()
        .filter(|t| *t > 0)
        .map(|t| (t as f64, format!("target {t}")));
    let deadline = p["deadline"].as_str().and_then(|s| s.parse().ok());
    let audience = points
        .iter()
        .map(|v| v["audience"].as_u64().unwrap_or(0))
        .max()
        .unwrap_or(0) as f64;
    let svg = charts::progress(
        "progress-chart",
        &format!("Progress of {} toward its target", text(d, "title")),
        &series,
        target,
        deadline,
        audience,
    );
    section(
        "progress",
        "Progress toward the target over time",
        "deadline-and-forecast",
        html! {
            (raw(svg))
            details {
                summary { "The figures behind the chart" }
                div.scroll { table {
                    caption { "Learners completed and proficient at the end of each day" }
                    thead { tr { th scope="col" { "Day" } th.n scope="col" { "Audience" } th.n scope="col" { "Completed" } th.n scope="col" { "Proficient" } } }
                    tbody { @for v in &points { tr {
                        td { (text(v, "date")) } td.n { (num(v, "audience")) } td.n { (num(v, "completed")) }
                        td.n { @if let Some(n) = v["proficient"].as_u64() { (n) } @else { "-" } }
                    } } }
                } }
            }
        },
    )
}

fn deadline(d: &Value, forecast: Option<&Value>) -> Markup {
    let dl = &d["deadline"];
    let pr = &d["proficiency"];
    html! {
        (section("deadline", "Deadline and forecast", "deadline-and-forecast", html! {
            table.kv { tbody {
                tr { th scope="row" { "Deadline" } td #deadline-date { (dl["deadline"].as_str().unwrap_or("none set")) @if num(dl, "changes") > 0 { " (moved " (num(dl, "changes")) " times)" } } }
                tr { th scope="row" { "Status" } td #deadline-status { span class={ "status-" (text(dl, "status")) } { (label(text(dl, "status"))) } } }
                tr { th scope="row" { "Progress" } td #deadline-progress { (num(dl, "progress")) " of " (num(dl, "target")) " " (text(dl, "measure")) } }
                tr { th scope="row" { "Pace" } td { @if let Some(p) = dl["pace_per_week"].as_f64() { (format!("{p:.2}")) " a week since " (text(dl, "start")) } @else { "-" } } }
                tr { th scope="row" { "Forecast at this pace" } td #deadline-forecast { (dl["forecast"].as_str().unwrap_or("-")) } }
                @if pr.is_object() {
                    tr { th scope="row" { "Proficiency vs target" } td #proficiency { (num(pr, "proficient")) " of " (num(pr, "audience")) " (" (share(pr, "share")) ") against " (percent(num(pr, "target_share_per_mille") as f64 / 1000.0)) " by " (text(pr, "by")) ": " (yes_no(pr["met"].as_bool() == Some(true))) " " (defined("proficiency-vs-target")) } }
                }
            } }
            @if let Some(f) = forecast { (band(f)) }
        }))
    }
}

fn band(f: &Value) -> Markup {
    if let Some(why) = f["unavailable"].as_str() {
        return html! { p #forecast-band { "The simulator cannot forecast this program: " (why) } };
    }
    let c = &f["completion_date"];
    let points = charts::fan_points(&f["bands"]);
    let deadline = f["deadline"].as_str().and_then(|s| s.parse().ok());
    html! {
        div #forecast-band {
            h3 { "The simulator's forecast (" (num(f, "runs")) " runs of the plan as it stands, seed " (num(f, "seed")) ")" }
            p {
                "Target met: P50 " strong #band-p50 { (c["p50"].as_str().unwrap_or("not reached")) }
                ", P85 " strong #band-p85 { (c["p85"].as_str().unwrap_or("not reached")) }
                " · P(done by the deadline) " strong { (share(f, "p_done_by_deadline")) }
                " · " a href="/docs/model" { "the model" }
            }
            @if let Some(dl) = deadline {
                (raw(charts::fan("forecast-chart", "Forecast share of the audience proficient", &points, charts::target_share(text(f, "target")), dl)))
            }
        }
    }
}

fn phases(d: &Value) -> Markup {
    section(
        "phases",
        "Phase checklist",
        "phases",
        html! {
            ul.checklist #phase-list {
                @for p in d["phases"].as_array().into_iter().flatten() {
                    li {
                        @if p["done"].as_bool() == Some(true) { span.done-mark aria-hidden="true" { "✓ " } span.sr { "done: " } }
                        @else { span.todo-mark aria-hidden="true" { "○ " } span.sr { "open: " } }
                        (label(text(p, "step")))
                        @if let Some(on) = p["on"].as_str() { " · " (on) }
                    }
                }
            }
        },
    )
}

fn enrolment(d: &Value) -> Markup {
    let e = &d["enrolment"];
    section(
        "enrolment",
        "Enrolment",
        "audience--who-the-rates-are-about",
        html! {
            table #enrolment-table { tbody {
                tr { th scope="row" { "Enrolled" } td.n { (num(e, "enrolled")) } }
                tr { th scope="row" { "Withdrawn" } td.n { (num(e, "withdrawn")) } }
                tr { th scope="row" { "Leavers" } td.n { (num(e, "leavers")) } }
                tr { th scope="row" { "Audience" } td.n #audience { (num(e, "audience")) } }
            } }
        },
    )
}

fn attendance(d: &Value) -> Markup {
    let a = &d["attendance"];
    section(
        "attendance",
        "Attendance",
        "attendance",
        html! {
            table #attendance-table { tbody {
                tr { th scope="row" { "Sessions" } td.n { (num(a, "sessions")) } }
                tr { th scope="row" { "Held" } td.n #sessions-held { (num(a, "held")) } }
                tr { th scope="row" { "Cancelled" } td.n { (num(a, "cancelled")) } }
                tr { th scope="row" { "Upcoming" } td.n { (num(a, "upcoming")) } }
                tr { th scope="row" { "Past, attendance not recorded" } td.n { (num(a, "unrecorded")) } }
                tr { th scope="row" { "Reschedules" } td.n { (num(a, "reschedules")) } }
                tr { th scope="row" { "Present of expected" } td.n #attendance-rate { (num(a, "present")) " / " (num(a, "expected")) " (" (share(a, "rate")) ")" } }
            } }
            table #absences { caption { "Absences by reason" }
                thead { tr { th scope="col" { "Reason" } th.n scope="col" { "Absences" } } }
                tbody { @for (k, v) in a["absences"].as_object().into_iter().flatten() {
                    tr { td { (label(k)) } td.n { (v.as_u64().unwrap_or(0)) } }
                } }
            }
        },
    )
}

fn learners(d: &Value) -> Markup {
    let rows = d["learners"].as_array().cloned().unwrap_or_default();
    let c = &d["completion"];
    section(
        "learners",
        "Learners and completion",
        "learners-and-completion",
        html! {
            p #completion { (num(c, "completed")) " of " (num(c, "audience")) " in the audience completed (" (share(c, "rate")) ")." }
            details {
                summary { "Every learner (" (rows.len()) ")" }
                div.scroll { table #learner-table {
                    thead { tr { th scope="col" { "Learner" } th scope="col" { "In the audience" } th.n scope="col" { "Required modules attended" } th scope="col" { "Evaluation passed" } th scope="col" { "Completed" } } }
                    tbody { @for r in &rows { tr {
                        td { (person_link(r)) } td { (yes_no(r["in_audience"].as_bool() == Some(true))) }
                        td.n { (num(r, "required_attended")) " / " (num(r, "required")) }
                        td { (yes_no(r["evaluation_passed"].as_bool() == Some(true))) } td { (yes_no(r["completed"].as_bool() == Some(true))) }
                    } } }
                } }
            }
        },
    )
}

fn follow_ups(d: &Value) -> Markup {
    let f = &d["follow_ups"];
    let table = |rows: &Value, id: &str, caption: &str| {
        html! {
            table id=(id) { caption { (caption) }
                thead { tr { th scope="col" { "Follow-up" } th scope="col" { "Person" } th scope="col" { "Due" } th scope="col" { "Purpose" } } }
                tbody { @for r in rows.as_array().into_iter().flatten() { tr {
                    td { (text(r, "follow_up")) } td { (person_link(r)) }
                    td { (text(r, "due")) @if let Some(n) = r["days_overdue"].as_u64() { " (" (n) " days overdue)" } }
                    td { (text(r, "purpose")) }
                } } }
            }
        }
    };
    section(
        "follow-ups",
        "Follow-ups",
        "follow-ups",
        html! {
            p { (num(f, "open")) " open, " (num(f, "completed")) " completed; "
                strong #overdue-count { (f["overdue"].as_array().map_or(0, Vec::len)) } " overdue, "
                (f["due_soon"].as_array().map_or(0, Vec::len)) " due soon." }
            @if f["due_soon"].as_array().is_some_and(|a| !a.is_empty()) { (table(&f["due_soon"], "due-soon", "Due soon")) }
            @if f["overdue"].as_array().is_some_and(|a| !a.is_empty()) {
                details { summary { "Overdue follow-ups" } div.scroll { (table(&f["overdue"], "overdue", "Overdue")) } }
            }
        },
    )
}

fn practice(d: &Value) -> Markup {
    let p = &d["practice"];
    section(
        "practice",
        "Practice recency and estimated retention",
        "practice-and-estimated-retention",
        html! {
            p { "Mean estimated retention " strong #mean-retention { (share(p, "mean_retention")) } " · " (num(p, "minutes")) " minutes of practice logged." }
            table #retention-by-skill { caption { "By skill" }
                thead { tr { th scope="col" { "Skill" } th.n scope="col" { "Learners" } th.n scope="col" { "Mean retention" } } }
                tbody { @for r in p["by_skill"].as_array().into_iter().flatten() { tr {
                    td { (text(r, "name")) } td.n { (num(r, "learners")) } td.n { (share(r, "mean_retention")) }
                } } }
            }
            details { summary { "Every learner's last exposure" }
                div.scroll { table #practice-table {
                    thead { tr { th scope="col" { "Learner" } th scope="col" { "Last exposure" } th.n scope="col" { "Days since" } th.n scope="col" { "Minutes" } th.n scope="col" { "Retention" } th scope="col" { "Weakest skill" } } }
                    tbody { @for r in p["learners"].as_array().into_iter().flatten() { tr {
                        td { (person_link(r)) } td { (text(r, "last_exposure")) } td.n { (count(r, "days_since")) } td.n { (num(r, "minutes")) }
                        td.n { (share(r, "retention")) } td { (text(r, "weakest_skill")) }
                    } } }
                } }
            }
            // The figures above are folded from these traces; showing them lets a reader check
            // any learner's retention skill by skill.
            details { summary { "Every trace (learner × skill)" }
                div.scroll { table #traces-table {
                    caption { "Estimated retention of each skill of each learner" }
                    thead { tr { th scope="col" { "Learner" } th scope="col" { "Skill" } th scope="col" { "Last exposure" } th.n scope="col" { "Days since" } th.n scope="col" { "Retention" } } }
                    tbody { @for r in p["traces"].as_array().into_iter().flatten() { tr {
                        td { a href={ "/people/" (enc(text(r, "person"))) } { (text(r, "person")) } } td { (text(r, "skill")) } td { (text(r, "last_exposure")) }
                        td.n { @if let Some(n) = r["days_since"].as_i64() { (n) } @else { "–" } } td.n { (share(r, "retention")) }
                    } } }
                } }
            }
        },
    )
}

fn trainers(d: &Value) -> Markup {
    section(
        "trainers",
        "Trainer load",
        "trainer-load",
        html! {
            div.scroll { table #trainer-table {
                thead { tr { th scope="col" { "Trainer" } th scope="col" { "Status" } th.n scope="col" { "Sessions held" } th.n scope="col" { "Minutes taught" } th.n scope="col" { "Upcoming" } th.n scope="col" { "Pairs" } th.n scope="col" { "Coaching sessions" } } }
                tbody { @for r in d["trainers"].as_array().into_iter().flatten() { tr {
                    td { (person_link(r)) } td { (label(text(r, "status"))) } td.n { (num(r, "sessions_held")) } td.n { (num(r, "minutes_taught")) }
                    td.n { (num(r, "sessions_upcoming")) } td.n { (num(r, "pairs")) } td.n { (num(r, "coaching_sessions")) }
                } } }
            } }
        },
    )
}

fn commitments(d: &Value) -> Markup {
    section(
        "commitments",
        "Commitment ledger",
        "commitment-ledger",
        html! {
            div.scroll { table #ledger-table {
                thead { tr { th scope="col" { "Supervisor" } th.n scope="col" { "Learners" } th.n scope="col" { "Minutes asked" } th.n scope="col" { "Committed" } th.n scope="col" { "Delivered" } th.n scope="col" { "Absences for no release time" } th.n scope="col" { "Declined" } th.n scope="col" { "Withdrawn" } th scope="col" { "Kept" } } }
                tbody { @for r in d["commitments"].as_array().into_iter().flatten() { tr {
                    td { a href={ "/people/" (enc(text(r, "supervisor"))) } { (text(r, "name")) } } td.n { (num(r, "learners")) }
                    td.n { (num(r, "minutes_asked")) } td.n { (num(r, "minutes_committed")) } td.n { (num(r, "minutes_delivered")) }
                    td.n { (num(r, "no_release_time_absences")) } td.n { (num(r, "declined")) } td.n { (num(r, "withdrawn")) }
                    td { @if let Some(k) = r["kept"].as_bool() { (yes_no(k)) } }
                } } }
            } }
        },
    )
}

fn kirkpatrick(d: &Value) -> Markup {
    let k = &d["kirkpatrick"];
    section(
        "kirkpatrick",
        "Kirkpatrick summary",
        "kirkpatrick-summary",
        html! {
            table #kirkpatrick-table { tbody {
                tr { th scope="row" { "1. Reaction" } td { (num(k, "reaction_count")) " ratings" @if let Some(m) = k["reaction_mean"].as_f64() { ", mean " (format!("{m:.2}")) " of 5" } } }
                tr { th scope="row" { "2. Learning" } td { (num(k, "learning_passed")) " passed of " (num(k, "learning_count")) @if let Some(m) = k["learning_mean_level"].as_f64() { ", mean level " (format!("{m:.2}")) } } }
                tr { th scope="row" { "3. Behaviour" } td { (num(k, "behaviour_applied")) " applying on the job of " (num(k, "behaviour_count")) " observed" } }
                tr { th scope="row" { "4. Results" } td {
                    @for (name, value) in k["results"].as_object().into_iter().flatten() {
                        (name) ": " (value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string())) br;
                    }
                } }
            } }
        },
    )
}

fn mentoring(m: &Value) -> Markup {
    section(
        "mentoring",
        "Mentoring",
        "mentoring",
        html! {
            (json_table(m))
        },
    )
}

/// Any JSON object as a readable table (nested lists of objects as their own tables).
pub fn json_table(v: &Value) -> Markup {
    match v {
        Value::Object(map) => html! {
            table { tbody { @for (k, x) in map { tr { th scope="row" { (label(k)) } td { (json_table(x)) } } } } }
        },
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            let keys: Vec<String> = items[0]
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            html! {
                div.scroll { table {
                    thead { tr { @for k in &keys { th scope="col" { (label(k)) } } } }
                    tbody { @for it in items { tr { @for k in &keys { td { (json_table(&it[k.as_str()])) } } } } }
                } }
            }
        }
        Value::Array(items) => html! {
            @for (i, x) in items.iter().enumerate() { @if i > 0 { ", " } (json_table(x)) }
        },
        Value::String(s) => html! { (s) },
        Value::Null => html! { "-" },
        other => html! { (other.to_string()) },
    }
}
