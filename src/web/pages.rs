//! The program list, the audit timeline, the printable action plan, the skills-risk heat map,
//! a learner's journey and the tokens page.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::charts::{self, HeatRow, Series};
use super::dashboard::{json_table, AsOf};
use super::layout::{defined, notice, page, raw, Frame};
use super::{enc, failure, float, html, num, percent, read, require, text, Viewer};
use crate::access::Role;
use crate::query::HistoryAt;
use crate::server::error::ApiError;
use crate::server::AppState;

/// `GET /`: every program the viewer may see.
pub async fn programs(State(state): State<AppState>, Viewer(auth): Viewer) -> Response {
    let answer = match read(&state, |r| r.programs()).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let frame = Frame::of(&state, &auth, None);
    let rows: Vec<&Value> = answer
        .view
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| auth.who.may_touch(text(p, "program")))
        .collect();
    let body = html! {
        h1 { "Programs" }
        @if rows.is_empty() {
            p { "No programs yet. Start one with " code { "baton new training SLUG --title …" } " or load the demo with " code { "baton serve --demo" } "." }
        } @else {
            table #program-table {
                thead { tr { th scope="col" { "Program" } th scope="col" { "Kind" } th scope="col" { "Deadline" } th.n scope="col" { "Learners" } th.n scope="col" { "Sessions" } th.n scope="col" { "Version" } } }
                tbody { @for p in &rows { tr {
                    td { a href={ "/programs/" (enc(text(p, "program"))) } { (text(p, "title")) } " " code { (text(p, "program")) } @if p["archived"].as_bool() == Some(true) { " (archived)" } }
                    td { (text(p, "kind")) } td { (p["deadline"].as_str().unwrap_or("-")) }
                    td.n { (num(p, "learners")) } td.n { (num(p, "sessions")) } td.n { (num(p, "version")) }
                } } }
            }
        }
        p { a href="/programs/organization/history" { "The organization's history" } " (people, moves, supervisors, skills)"
            @if frame.has(Role::Coordinator) { " · " a href="/programs/organization/record" { "record for the organization" } } }
    };
    html(page(&frame, "Programs", Some("/"), body))
}

/// `?as_of=&at_version=&diff=&from=&to=` of the history page.
#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    as_of: Option<String>,
    at_version: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn given(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `GET /programs/{id}/history`: every change with who, when recorded, when it occurred and
/// what; the plan as of a date or a version; the diff between two versions.
pub async fn history(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Response {
    if id != "organization" {
        if let Err(e) = auth.require_program(&id) {
            return failure(e);
        }
    }
    let version = match given(&q.at_version).map(|v| v.parse::<u64>()) {
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            return failure(ApiError::malformed(
                "at_version",
                "expected a whole number (a version of the program)",
            ))
        }
        None => None,
    };
    let diff = match (given(&q.from), given(&q.to)) {
        (Some(a), Some(b)) => Some(format!("{a}..{b}")),
        (None, None) => None,
        _ => {
            return failure(ApiError::malformed(
                "diff",
                "give both versions, from and to",
            ))
        }
    };
    let at = HistoryAt {
        as_of: given(&q.as_of),
        version,
        diff: diff.clone(),
        last: None,
    };
    let slug = id.clone();
    let answer = match read(&state, move |r| r.history(&slug, &at)).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let frame = Frame::as_of(&state, &auth, given(&q.as_of).as_deref());
    let base = format!("/programs/{}/history", enc(&id));
    let v = &answer.view;
    let may_void = frame.has(Role::Coordinator) && auth.who.may_touch(&id);
    let body = html! {
        h1 { (answer.title) }
        p.lead { "Nothing is edited away: a voided event stays, marked with the void that cancelled it; a correction shows what it replaces. " a href={ "/programs/" (enc(&id)) } { "Back to the dashboard" } }
        form.filters method="get" action=(base) {
            label { "Plan as recorded by" input type="date" name="as_of" value=[given(&q.as_of)]; }
            label { "Plan at version" input type="number" min="1" name="at_version" value=[given(&q.at_version)]; }
            button type="submit" { "Show" }
        }
        form.filters method="get" action=(base) {
            label { "Changes from version" input type="number" min="0" name="from" value=[given(&q.from)] required; }
            label { "to version" input type="number" min="0" name="to" value=[given(&q.to)] required; }
            button type="submit" { "Compare" }
            a href=(base) { "Whole history" }
        }
        @if let Some(changes) = v["changes"].as_array() {
            section aria-labelledby="diff-h" {
                h2 #diff-h { "Changes from version " (num(v, "from")) " to " (num(v, "to")) }
                @if changes.is_empty() { p { "No change." } }
                @else {
                    div.scroll { table #diff-table {
                        thead { tr { th scope="col" { "Field" } th scope="col" { "Before" } th scope="col" { "After" } } }
                        tbody { @for c in changes { tr {
                            td { code { (text(c, "path")) } } td { (json_table(&c["before"])) } td { (json_table(&c["after"])) }
                        } } }
                    } }
                }
            }
        }
        @if let Some(plan) = v.get("plan").filter(|p| !p.is_null()) {
            details open[version.is_some() || q.as_of.is_some()] {
                summary { "The plan as it stood" }
                div #plan-state { (json_table(plan)) }
            }
        }
        @if let Some(entries) = v["entries"].as_array() {
            section aria-labelledby="timeline-h" {
                h2 #timeline-h { "Timeline (" (entries.len()) " changes)" }
                div.scroll { table #timeline {
                    thead { tr { th.n scope="col" { "Version" } th scope="col" { "Who" } th scope="col" { "Recorded" } th scope="col" { "Occurred" } th scope="col" { "What" } th scope="col" { "Change" } @if may_void { th scope="col" { "Actions" } } } }
                    tbody { @for e in entries.iter().rev() {
                        @let voided = !e["voided_by"].is_null();
                        tr.voided[voided] data-seq=(num(e, "seq")) {
                            td.n { (e["version"].as_u64().map(|v| v.to_string()).unwrap_or_else(|| num(e, "seq").to_string())) }
                            td { (text(e, "actor")) }
                            td { (text(e, "recorded_at").get(..16).unwrap_or("")) }
                            td { (text(e, "occurred_at").get(..16).unwrap_or("")) }
                            td { (text(e, "event_type"))
                                // `voids`, `replaces` and `voided_by.version` are stream versions
                                // (the first column), not log seqs: say so, and say who voided a
                                // row and why, so that a reader need not hunt for the void.
                                @if let Some(m) = e["voided_by"].as_object() {
                                    " " span.tag.void { (if m.get("corrected").and_then(Value::as_bool) == Some(true) { "corrected" } else { "voided" })
                                        " by version " (m.get("version").and_then(Value::as_u64).unwrap_or(0)) }
                                    @if let Some(r) = m.get("reason").and_then(Value::as_str).filter(|r| !r.is_empty()) { " " small.reason { "(" (r) ")" } }
                                }
                                @if let Some(v) = e["voids"].as_u64() { " " span.tag.void { "a void of version " (v) } }
                                @if let Some(v) = e["replaces"].as_u64() { " " span.tag.correction { "correction of version " (v) } }
                            }
                            td { (text(e, "summary")) }
                            @if may_void { td { @if !voided && e["voids"].is_null() {
                                a href={ "/programs/" (enc(&id)) "/record/void-event?seq=" (num(e, "seq")) } { "void" }
                            } } }
                        }
                    } }
                } }
            }
        }
    };
    html(page(&frame, &answer.title, None, body))
}

/// `GET /programs/{id}/plan`: the action plan in the workshop's shape, for print.
pub async fn action_plan(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> Response {
    if let Err(e) = auth.require_program(&id) {
        return failure(e);
    }
    let slug = id.clone();
    let as_of = q.given();
    let at = as_of.clone();
    let mut reader = state.reader();
    let plan = tokio::task::spawn_blocking(move || reader.action_plan(&slug, at.as_deref())).await;
    let (markdown, head) = match plan {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return failure(e.into()),
        Err(e) => return failure(ApiError::internal(e.to_string())),
    };
    let frame = Frame::as_of(&state, &auth, as_of.as_deref());
    let body = html! {
        p.no-print { "This page prints as the action plan (use the browser's print). " a href={ "/programs/" (enc(&id)) } { "Back to the dashboard" } }
        article.doc.plan #action-plan { (raw(super::markdown::to_html(&markdown))) }
        p.lead { "From the log at seq " (head.last_seq) "." }
    };
    html(page(&frame, "Action plan", None, body))
}

/// `GET /risk`: people × skills as a heat map, single-holder skills, the truck factor and
/// who it removes, coverage over time.
pub async fn risk(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Query(q): Query<AsOf>,
) -> Response {
    let as_of = q.given();
    let at = as_of.clone();
    let answer = match read(&state, move |r| r.risk(at.as_deref())).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let v = &answer.view;
    let frame = Frame::of(&state, &auth, Some(text(v, "today").to_string()));
    let skills: Vec<&Value> = v["skills"].as_array().into_iter().flatten().collect();
    let skill_ids: Vec<String> = skills
        .iter()
        .map(|s| text(s, "skill").to_string())
        .collect();
    let rows: Vec<HeatRow> = v["matrix"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| HeatRow {
            name: text(p, "name").to_string(),
            href: format!("/people/{}", enc(text(p, "person"))),
            cells: skill_ids
                .iter()
                .map(|s| {
                    let c = &p["skills"][s.as_str()];
                    c.is_object()
                        .then(|| (c["estimated"].as_f64().unwrap_or(0.0), num(c, "level")))
                })
                .collect(),
        })
        .collect();
    let tf = &v["truck_factor"];
    let coverage: Vec<(chrono::NaiveDate, f64)> = v["coverage"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["date"].as_str()?.parse().ok()?, float(c, "covered"))))
        .collect();
    let catalogue = num(tf, "catalogue") as f64;
    let person_names: std::collections::BTreeMap<&str, &str> = v["matrix"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (text(p, "person"), text(p, "name")))
        .collect();
    let body = html! {
        h1 { "Skills and knowledge risk" }
        form.filters method="get" action="/risk" {
            label { "As of" input type="date" name="as_of" value=[as_of.as_deref()]; }
            button type="submit" { "Show" }
        }
        div.grid {
            div.card #truck-card { h2 { "Truck factor" (defined("skills-and-knowledge-risk-baton-risk")) } div.big #truck-factor { (num(tf, "value")) }
                "people to lose before a skill of the catalogue has nobody left: covered " (num(tf, "covered_before")) " of " (num(tf, "catalogue")) " now, " (num(tf, "covered_after")) " after." }
            div.card #single-card { h2 { "Single-holder skills" } div.big { (v["single_holder"].as_array().map_or(0, Vec::len)) }
                "skills only one person holds" }
        }
        section aria-labelledby="single-h" {
            h2 #single-h { "Skills with one holder" (defined("reading-it")) }
            @if v["single_holder"].as_array().is_none_or(|a| a.is_empty()) { p { "None." } }
            ul #single-holders { @for s in v["single_holder"].as_array().into_iter().flatten() {
                li { strong { (text(s, "skill_name")) } " — only " a href={ "/people/" (enc(text(s, "person"))) } { (text(s, "person_name")) } }
            } }
            @if let Some(u) = v["uncovered"].as_array().filter(|a| !a.is_empty()) {
                p.error { "Nobody holds: " @for (i, s) in u.iter().enumerate() { @if i > 0 { ", " } (s.as_str().map(str::to_string).unwrap_or_else(|| text(s, "skill").to_string())) } }
            }
        }
        section aria-labelledby="holders-h" {
            h2 #holders-h { "Holders per skill" (defined("reading-it")) }
            div.scroll { table #holders {
                thead { tr { th scope="col" { "Skill" } th.n scope="col" { "Holders" } th scope="col" { "Who" } } }
                tbody { @for s in v["skills"].as_array().into_iter().flatten() {
                    @let holders: Vec<&str> = s["holders"].as_array().into_iter().flatten().filter_map(|h| h.as_str()).collect();
                    tr data-skill=(text(s, "skill")) {
                        th scope="row" { (text(s, "name")) }
                        td.n { (holders.len()) }
                        td { @for (i, h) in holders.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href={ "/people/" (enc(h)) } { (person_names.get(*h).copied().unwrap_or(*h)) }
                        } }
                    }
                } }
            } }
        }
        section aria-labelledby="removed-h" {
            h2 #removed-h { "Who the truck factor removes, in order" }
            details { summary { "The " (tf["removed"].as_array().map_or(0, Vec::len)) " people, most knowledge first" }
            table #removed { thead { tr { th.n scope="col" { "#" } th scope="col" { "Person" } th.n scope="col" { "Skills held" } th.n scope="col" { "Skills still covered after" } } }
                tbody { @for (i, r) in tf["removed"].as_array().into_iter().flatten().enumerate() { tr {
                    td.n { (i + 1) } td { a href={ "/people/" (enc(text(r, "person"))) } { (text(r, "name")) } } td.n { (num(r, "skills_held")) } td.n { (num(r, "covered_after")) }
                } } } } }
        }
        section aria-labelledby="heat-h" {
            h2 #heat-h { "People × skills (level estimated now)" }
            p #heat-legend { "Shade: the level estimated now, " @for l in 0..=4 { span class={ "swatch l" (l) } {} " " (l) " " } "· blank: never assessed (no level recorded). A shaded cell is not always held: a person holds a skill at an assessed level of at least 2 and at least three quarters of the best level anyone has in it. Hover a cell for the assessed level." }
            div.scroll { (raw(charts::heat_map("heat-map", "Skill levels by person, estimated now", &skill_ids, &rows))) }
            details { summary { "The same as a table" }
                div.scroll { table #matrix {
                    thead { tr { th scope="col" { "Person" } @for s in &skills { th scope="col" { (text(s, "name")) } } } }
                    tbody { @for p in v["matrix"].as_array().into_iter().flatten() { tr {
                        th scope="row" { (text(p, "name")) }
                        @for s in &skill_ids { td { @let c = &p["skills"][s.as_str()]; @if c.is_object() { (num(c, "level")) " (now " (format!("{:.1}", float(c, "estimated"))) ")" } } }
                    } } }
                } }
            }
        }
        section aria-labelledby="coverage-h" {
            h2 #coverage-h { "Coverage over time" }
            (raw(charts::progress("coverage-chart", "Skills of the catalogue with at least one holder", &[Series { name: "skills covered".into(), class: "covered", points: coverage.clone() }], Some((catalogue, format!("catalogue: {catalogue}"))), None, catalogue)))
            details { summary { "The figures" } table { thead { tr { th scope="col" { "Day" } th.n scope="col" { "Covered" } th.n scope="col" { "Share" } } }
                tbody { @for c in v["coverage"].as_array().into_iter().flatten() { tr { td { (text(c, "date")) } td.n { (num(c, "covered")) " / " (num(c, "catalogue")) } td.n { (percent(float(c, "share"))) } } } } } }
        }
    };
    html(page(
        &frame,
        "Skills risk",
        as_of.is_none().then_some("/risk"),
        body,
    ))
}

/// `GET /people/{id}`: one person across programs.
pub async fn journey(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> Response {
    let person = id.clone();
    let at = q.given();
    let who = auth.who.clone();
    let answer = match read(&state, move |r| {
        r.journey(&person, at.as_deref(), &|p| who.may_touch(p))
    })
    .await
    {
        Ok(a) => a,
        Err(r) => return r,
    };
    let v = &answer.view;
    let frame = Frame::as_of(&state, &auth, q.given().as_deref());
    let body = html! {
        h1 { (text(v, "name")) }
        p.lead { code { (text(v, "person")) } " · " (text(v, "department")) " · " (text(v, "branch"))
            @if let Some(s) = v["supervisor"].as_str() { " · supervisor " a href={ "/people/" (enc(s)) } { (s) } }
            " · joined " (text(v, "joined_on")) @if let Some(l) = v["left_on"].as_str() { " · left " (l) } }
        form.filters.no-print #journey-as-of method="get" action={ "/people/" (enc(&id)) } {
            @let given = q.given();
            label { "As of" input type="date" name="as_of" value=[given.as_deref().map(|t| t.get(..10).unwrap_or(t))]; }
            button type="submit" { "Show" }
            @if given.is_some() { a href={ "/people/" (enc(&id)) } { "Back to now" } }
        }
        section aria-labelledby="programs-h" {
            h2 #programs-h { "Programs" }
            @for p in v["programs"].as_array().into_iter().flatten() {
                article.card.program {
                    h3 { a href={ "/programs/" (enc(text(p, "program"))) } { (text(p, "title")) } }
                    p { "Roles: " (p["roles"].as_array().into_iter().flatten().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                        @if let Some(e) = p["enrolled_on"].as_str() { " · enrolled " (e) }
                        @if let Some(w) = p["withdrew_on"].as_str() { " · withdrew " (w) }
                        @if let Some(c) = p["completed"].as_bool() { " · completed: " (if c { "yes" } else { "no" }) } }
                    @if let Some(s) = p["sessions"].as_array().filter(|s| !s.is_empty()) {
                        table { caption { "Sessions" } thead { tr { th scope="col" { "Session" } th scope="col" { "Module" } th scope="col" { "Starts" } th scope="col" { "Outcome" } } }
                            tbody { @for x in s { tr { td { (text(x, "session")) } td { (text(x, "module")) } td { (text(x, "start_local")) }
                                td { (text(x, "outcome")) @if let Some(r) = x["absence_reason"].as_str() { " (" (r) ")" } } } } } }
                    }
                    @for (k, x) in p.as_object().into_iter().flatten().filter(|(k, x)| !matches!(k.as_str(), "program" | "title" | "kind" | "roles" | "enrolled_on" | "withdrew_on" | "completed" | "sessions" | "trainer_status") && !x.is_null() && x.as_array().is_none_or(|a| !a.is_empty())) {
                        details { summary { (k.replace('_', " ")) } (json_table(x)) }
                    }
                }
            }
        }
        section aria-labelledby="assess-h" {
            h2 #assess-h { "Skill assessments" }
            table #assessments { thead { tr { th scope="col" { "Day" } th scope="col" { "Skill" } th.n scope="col" { "Level" } th scope="col" { "Source" } } }
                tbody { @for a in v["assessments"].as_array().into_iter().flatten() { tr { td { (text(a, "on")) } td { (text(a, "skill")) } td.n { (num(a, "level")) } td { (text(a, "source")) } } } } }
        }
    };
    html(page(&frame, text(v, "name"), None, body))
}

fn token_table(tokens: &Value, frame: &Frame) -> Markup {
    html! {
        table #token-table {
            thead { tr { th scope="col" { "Token" } th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Programs" } th scope="col" { "Made" } th scope="col" { "State" } th scope="col" { "Action" } } }
            tbody { @for t in tokens.as_array().into_iter().flatten() { tr {
                td { code { (text(t, "token")) } } td { (text(t, "name")) } td { (text(t, "role")) }
                td { @let ps: Vec<&str> = t["programs"].as_array().into_iter().flatten().filter_map(Value::as_str).collect(); @if ps.is_empty() { "all" } @else { (ps.join(", ")) } }
                td { (text(t, "granted_at").get(..10).unwrap_or("")) " by " (text(t, "granted_by")) }
                td { @if let Some(r) = t["revoked_at"].as_str() { "revoked " (r.get(..10).unwrap_or(r)) } @else { "live" } }
                td { @if t["revoked_at"].is_null() && frame.has(Role::Admin) {
                    form.inline method="post" action={ "/tokens/" (enc(text(t, "token"))) "/revoke" } {
                        button.secondary type="submit" aria-label={ "Revoke " (text(t, "token")) } { "Revoke" }
                    }
                } }
            } } }
        }
    }
}

fn tokens_page(
    state: &AppState,
    frame: &Frame,
    made: Option<(&str, &str)>,
    error: Option<&str>,
) -> Markup {
    let tokens = {
        let live = state.inner.live.read();
        serde_json::to_value(live.access.tokens()).unwrap_or(Value::Null)
    };
    let body = html! {
        h1 { "Tokens" }
        @if let Some((id, secret)) = made {
            (notice(&format!("Token {id} made. Copy its secret now: it is shown this once.")))
            p { "Secret: " code.secret #new-secret { (secret) } }
            p { "Log in with it at " code { "/login?token=…" } ", or send it as " code { "Authorization: Bearer …" } "." }
        }
        @if let Some(e) = error { p.error #form-error role="alert" { (e) } }
        section aria-labelledby="new-h" {
            h2 #new-h { "Make a token" }
            form.stack #token-form method="post" action="/tokens" {
                label for="t-name" { "Name" span.help { "Who or what uses it; what it writes carries this name." } }
                input #t-name type="text" name="name" required maxlength="80";
                label for="t-role" { "Role" }
                select #t-role name="role" {
                    @for r in ["viewer", "trainer", "coordinator", "admin"] { option value=(r) { (r) } }
                }
                fieldset { legend { "Programs (none ticked: all)" }
                    @for (slug, title) in &frame.programs {
                        label { input type="checkbox" name="programs" value=(slug); " " (title) " " code { (slug) } }
                    }
                }
                button type="submit" { "Make the token" }
            }
        }
        section aria-labelledby="list-h" {
            h2 #list-h { "Every token" }
            (token_table(&tokens, frame))
        }
    };
    page(frame, "Tokens", None, body)
}

/// `GET /tokens`: admins list, make and revoke tokens.
pub async fn tokens(State(state): State<AppState>, Viewer(auth): Viewer) -> Response {
    if let Err(r) = require(&auth, Role::Admin) {
        return r;
    }
    let frame = Frame::of(&state, &auth, None);
    html(tokens_page(&state, &frame, None, None))
}

/// `POST /tokens`.
pub async fn create_token(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = require(&auth, Role::Admin) {
        return r;
    }
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let role = match serde_json::from_value::<Role>(Value::String(field("role"))) {
        Ok(r) => r,
        Err(_) => {
            let frame = Frame::of(&state, &auth, None);
            return (
                StatusCode::BAD_REQUEST,
                html(tokens_page(
                    &state,
                    &frame,
                    None,
                    Some("role: expected viewer, trainer, coordinator or admin"),
                )),
            )
                .into_response();
        }
    };
    let programs: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "programs")
        .map(|(_, v)| v.clone())
        .collect();
    match crate::server::grant(&state, &auth, &headers, role, field("name"), programs).await {
        Ok(made) => {
            let frame = Frame::of(&state, &auth, None);
            html(tokens_page(
                &state,
                &frame,
                Some((&made.info.token, &made.secret)),
                None,
            ))
        }
        Err(e) => {
            let frame = Frame::of(&state, &auth, None);
            (
                e.status,
                html(tokens_page(&state, &frame, None, Some(&e.body.message))),
            )
                .into_response()
        }
    }
}

/// `POST /tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    match crate::server::revoke(&state, &auth, &headers, id).await {
        Ok(_) => Redirect::to("/tokens").into_response(),
        Err(e) => failure(e),
    }
}
