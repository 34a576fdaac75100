//! Recording in the browser: a form for every command a role may give, built from the same
//! catalogue as `baton do … --flags` ([`crate::flags`]), and an attendance checklist for
//! holding a session. A form posts its fields as flags; they become the command exactly as
//! the CLI's flags do, and run through the API's command runner. A refusal comes back on the
//! form, next to its field, with nothing stored; a form opened before someone else changed
//! the program reports the conflict instead of overwriting.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::fields::{input_for, problem_note, to_flags, Choices, Filled, Problem};
use super::layout::{notice, page, Frame};
use super::{enc, failure, html, read, require, text, Viewer};
use crate::access::{role_for_command, Role};
use crate::domain::events::ProgramKind;
use crate::domain::{command_examples, Command, Rule, StreamKind};
use crate::flags::{self, kebab};
use crate::server::auth::Auth;
use crate::server::error::ApiError;
use crate::server::AppState;

/// The reasons an absent invitee may have (`AbsenceReason`).
const ABSENCE_REASONS: [&str; 6] = [
    "no_release_time",
    "illness",
    "leave",
    "workload",
    "scheduling_conflict",
    "other",
];

/// The commands of a program's page (or the organization's, for `organization`) that `auth`
/// may give, with their descriptions: (type, description). A program of `kind` is offered only
/// the commands that apply to its kind (the rules refuse the others).
fn offered(
    auth: &Auth,
    organization: bool,
    kind: Option<ProgramKind>,
) -> Vec<(&'static str, &'static str)> {
    command_examples()
        .into_iter()
        .filter_map(|(t, description, example)| {
            let command = Command::from_json(&example).ok()?;
            let fits = match command.stream_kind() {
                Some(StreamKind::Organization) => organization,
                Some(StreamKind::Program) => !organization,
                None => false,
            } || t == "VoidEvent";
            let allowed = auth.who.has(role_for_command(&command))
                && !matches!(command, Command::ErasePerson(_) | Command::CreateProgram(_));
            let applies = kind.is_none_or(|k| command.applies_to(k));
            (fits && allowed && applies).then_some((t, description))
        })
        .collect()
}

/// Whether `auth` may give command `type_name`.
fn may_give(auth: &Auth, type_name: &str) -> bool {
    command_examples()
        .into_iter()
        .find(|(t, _, _)| *t == type_name)
        .and_then(|(_, _, example)| Command::from_json(&example).ok())
        .is_some_and(|c| auth.who.has(role_for_command(&c)))
}

fn is_org(id: &str) -> bool {
    id == "organization"
}

/// The kind of the program whose plan is `plan` (`None` for the organization).
fn kind_of(plan: &Value) -> Option<ProgramKind> {
    serde_json::from_value(plan["kind"].clone()).ok()
}

/// Whether command `type_name` applies to a program of `kind`.
fn applies(type_name: &str, kind: Option<ProgramKind>) -> bool {
    let Some(kind) = kind else { return true };
    command_examples()
        .into_iter()
        .find(|(t, _, _)| *t == type_name)
        .and_then(|(_, _, example)| Command::from_json(&example).ok())
        .is_none_or(|c| c.applies_to(kind))
}

/// How many of the latest history entries a void or a correction form suggests.
const EVENTS_SUGGESTED: usize = 60;

/// The choices of form `type_name` on program (or organization) `id`, whose plan is `plan`;
/// a void or a correction also suggests the latest entries of its history.
async fn choices(state: &AppState, id: &str, type_name: &str, plan: &Value) -> Choices {
    let choices = Choices::of(plan, state.inner.live.read().organization());
    if !matches!(type_name, "VoidEvent" | "CorrectEvent") {
        return choices;
    }
    let slug = id.to_string();
    let at = crate::query::HistoryAt {
        as_of: None,
        version: None,
        diff: None,
        last: Some(EVENTS_SUGGESTED),
    };
    match read(state, move |r| r.history(&slug, &at)).await {
        Ok(answer) => choices.with_events(&answer.view),
        // Without the suggestions the form still takes a typed seq or id.
        Err(_) => choices,
    }
}

/// The program's plan and version (or, for the organization, its version).
async fn plan_of(state: &AppState, id: &str) -> Result<(Value, u64), Response> {
    if is_org(id) {
        let version = state
            .inner
            .app
            .store()
            .stream_version(crate::store::ORGANIZATION_STREAM);
        return Ok((Value::Null, version));
    }
    let slug = id.to_string();
    let answer = read(state, move |r| r.program(&slug)).await?;
    let version = answer.view["version"].as_u64().unwrap_or(0);
    Ok((answer.view["plan"].clone(), version))
}

/// `?recorded=…&seq=…` after a write.
#[derive(Deserialize)]
pub struct Recorded {
    recorded: Option<String>,
    seq: Option<u64>,
}

/// `GET /programs/{id}/record`: the sessions with their actions, and every form the role may
/// use.
pub async fn index(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Path(id): Path<String>,
    Query(q): Query<Recorded>,
) -> Response {
    if let Err(r) = require(&auth, Role::Trainer) {
        return r;
    }
    if let Err(e) = auth.require_program(&id) {
        return failure(e);
    }
    let (plan, version) = match plan_of(&state, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let frame = Frame::of(&state, &auth, None);
    let base = format!("/programs/{}", enc(&id));
    let names = |p: &str| state.inner.live.read().organization().name_of(p);
    let mut sessions: Vec<(&String, &Value)> = plan["sessions"]
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    sessions
        .sort_by(|a, b| text(&a.1["time"], "start_local").cmp(text(&b.1["time"], "start_local")));
    let body = html! {
        h1 { "Record: " (if is_org(&id) { "the organization".to_string() } else { text(&plan, "title").to_string() }) }
        @if let (Some(what), Some(seq)) = (&q.recorded, q.seq) {
            (notice(&format!("Recorded: {what} (event {seq}).")))
        }
        p.lead { "Program version " (version) ". Every form gives the same command as " code { "baton do" } "; a refusal names what is wrong and stores nothing." }
        @if kind_of(&plan) == Some(ProgramKind::Mentoring) {
            (pairs_section(&base, &plan, &names))
        }
        @if kind_of(&plan) == Some(ProgramKind::Training) {
            section aria-labelledby="sessions-h" {
                h2 #sessions-h { "Sessions" }
                div.scroll { table #session-table {
                    thead { tr { th scope="col" { "Session" } th scope="col" { "Module" } th scope="col" { "Starts (local)" } th scope="col" { "Where" } th scope="col" { "Trainers" } th.n scope="col" { "Invitees" } th scope="col" { "Status" } th scope="col" { "Actions" } } }
                    tbody { @for (sid, s) in &sessions { tr data-session=(sid) {
                        td { (sid) } td { (text(s, "module")) } td { (text(&s["time"], "start_local")) } td { (text(s, "location")) }
                        td { @for (i, t) in s["trainers"].as_array().into_iter().flatten().enumerate() { @if i > 0 { ", " } (names(t.as_str().unwrap_or(""))) } }
                        td.n { (s["invitees"].as_array().map_or(0, Vec::len)) }
                        td { (text(s, "status")) @if let Some(r) = s["cancel_reason"].as_str() { ": " (r) } }
                        td { @if text(s, "status") == "scheduled" {
                            a.button href={ (base) "/sessions/" (enc(sid)) "/hold" } { "Hold" } " "
                            @if frame.has(Role::Trainer) {
                                a href={ (base) "/record/invite-to-session?session=" (enc(sid)) } { "invite" } " · "
                                a href={ (base) "/record/reschedule-session?session=" (enc(sid)) } { "reschedule" } " · "
                                a href={ (base) "/record/cancel-session?session=" (enc(sid)) } { "cancel" }
                            }
                        } }
                    } } }
                } }
            }
        }
        section aria-labelledby="forms-h" {
            h2 #forms-h { "Forms" }
            ul #form-list { @for (t, description) in offered(&auth, is_org(&id), kind_of(&plan)) {
                li { a href={ (base) "/record/" (kebab(t)) } { (kebab(t)) } " — " (description) }
            } }
            @if !is_org(&id) && frame.has(Role::Coordinator) {
                p { a href="/programs/organization/record" { "Organization forms" } " (people, moves, supervisors, skills)" }
            }
        }
    };
    html(page(&frame, "Record", None, body))
}

/// A mentoring program's pairs, each with the forms of what is done with a pair: needs,
/// baseline, priorities, coaching sessions (schedule; hold, reschedule or cancel one to come)
/// and assignments (give; complete an open one).
fn pairs_section(base: &str, plan: &Value, names: &dyn Fn(&str) -> String) -> Markup {
    let pairs: Vec<(&String, &Value)> = plan["pairs"]
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    let form = |command: &str, query: &str| format!("{base}/record/{command}?{query}");
    html! {
        section aria-labelledby="pairs-h" {
            h2 #pairs-h { "Pairs" }
            p { a.button href=(form("pair-mentee", "")) { "Pair a mentor with a mentee" } }
            div.scroll { table #pair-table {
                thead { tr { th scope="col" { "Pair" } th scope="col" { "Mentor" } th scope="col" { "Mentee" } th.n scope="col" { "Coaching held" } th scope="col" { "Coaching to come" } th scope="col" { "Open assignments" } th scope="col" { "Actions" } } }
                tbody { @for (pid, p) in &pairs {
                    @let q = format!("pair={}", enc(pid));
                    tr data-pair=(pid) {
                        td { (pid) }
                        td { (names(text(p, "mentor"))) }
                        td { (names(text(p, "mentee"))) }
                        td.n { (p["coaching"].as_object().map_or(0, |m| m.len())) }
                        td { @for (sid, c) in p["scheduled"].as_object().into_iter().flatten() {
                            @let sq = format!("{q}&session={}", enc(sid));
                            div data-coaching=(sid) {
                                (sid) " " (text(&c["time"], "start_local").replace('T', " ")) " "
                                a href=(form("hold-coaching-session", &sq)) { "hold" } " · "
                                a href=(form("reschedule-coaching-session", &sq)) { "reschedule" } " · "
                                a href=(form("cancel-coaching-session", &sq)) { "cancel" }
                            }
                        } }
                        td { @for (aid, a) in p["assignments"].as_object().into_iter().flatten().filter(|(_, a)| a["done_on"].is_null()) {
                            div data-assignment=(aid) {
                                (aid) ": " (text(a, "description")) ", due " (text(a, "due")) " "
                                a href=(form("complete-assignment", &format!("{q}&assignment={}", enc(aid)))) { "done" }
                            }
                        } }
                        td {
                            a href=(form("assess-needs", &q)) { "needs" } " · "
                            a href=(form("record-baseline", &q)) { "baseline" } " · "
                            a href=(form("set-priorities", &q)) { "priorities" } " · "
                            a href=(form("schedule-coaching-session", &q)) { "schedule coaching" } " · "
                            a href=(form("hold-coaching-session", &q)) { "hold coaching" } " · "
                            a href=(form("give-assignment", &q)) { "give assignment" }
                        }
                    }
                } }
            } }
        }
    }
}

/// The common end of every form: the day it happened, the version it was opened at, submit.
fn form_tail(version: u64, filled: &Filled) -> Markup {
    html! {
        div.field {
            label for="f-on" { "on" }
            span.help id="f-on-help" { "When it happened (default: today). The rules decide as of then." }
            input #f-on name="on" type="date" value=[filled.value("on")] aria-describedby="f-on-help";
            @if let Some(p) = filled.problem("on") { (problem_note("f-on-error", p)) }
        }
        input type="hidden" name="expected_version" value=(filled.value("expected_version").map(str::to_string).unwrap_or_else(|| version.to_string()));
        button type="submit" { "Record" }
    }
}

fn form_errors(filled: &Filled) -> Markup {
    html! {
        @if let Some(p) = filled.problem("") {
            p.error #form-error role="alert" {
                (p.message)
                @if let Some(code) = &p.rule { " " small.rule-code { "(rule " code { (code) } ")" } }
            }
        }
    }
}

fn command_page(
    frame: &Frame,
    id: &str,
    type_name: &str,
    version: u64,
    filled: &Filled,
    choices: &Choices,
) -> Markup {
    let name = kebab(type_name);
    let description = command_examples()
        .into_iter()
        .find(|(t, _, _)| *t == type_name)
        .map(|(_, d, _)| d)
        .unwrap_or("");
    let action = format!("/programs/{}/record/{}", enc(id), name);
    let body = html! {
        h1 { (name) }
        p.lead { (description) " · " a href={ "/programs/" (enc(id)) "/record" } { "all forms" } }
        (form_errors(filled))
        form.stack #command-form method="post" action=(action) novalidate {
            @for f in flags::flags_of(type_name) { (input_for(type_name, &f, filled, choices)) }
            (form_tail(version, filled))
        }
    };
    page(frame, &name, None, body)
}

fn type_of(command: &str) -> Result<&'static str, Response> {
    flags::command_type(command).ok_or_else(|| {
        failure(ApiError::not_found(format!(
            "no command {command:?} (see `baton commands`)"
        )))
    })
}

/// `GET /programs/{id}/record/{command}`: the form, with any field given in the query.
pub async fn form(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Path((id, command)): Path<(String, String)>,
    Query(prefill): Query<Vec<(String, String)>>,
) -> Response {
    let type_name = match type_of(&command) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if !may_give(&auth, type_name) {
        return failure(ApiError::forbidden(format!(
            "{command} needs a role above {}",
            auth.who.role
        )));
    }
    if let Err(e) = auth.require_program(&id) {
        return failure(e);
    }
    let (plan, version) = match plan_of(&state, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Some(kind) = kind_of(&plan).filter(|k| !applies(type_name, Some(*k))) {
        return failure(ApiError::not_found(format!(
            "{command} does not apply to a {} program",
            kind.as_str()
        )));
    }
    let frame = Frame::of(&state, &auth, None);
    let filled = Filled {
        values: prefill,
        problems: Vec::new(),
    };
    let choices = choices(&state, &id, type_name, &plan).await;
    html(command_page(
        &frame, &id, type_name, version, &filled, &choices,
    ))
}

/// The field a refusal is about: a flag it names, else the field holding the value a rule
/// refused, else the whole form (`""`).
fn field_of(message: &str, value: Option<&str>, fields: &[(String, String)]) -> String {
    if let Some(i) = message.find("--") {
        let flag: String = message[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let flag = match flag.as_str() {
            "present/--absent" => "present".to_string(),
            f => f.split('/').next().unwrap_or(f).to_string(),
        };
        if has_field(fields, &flag) {
            return flag;
        }
    }
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        if let Some((k, _)) = fields.iter().find(|(k, v)| {
            !k.starts_with('_')
                && k != "expected_version"
                && (v.trim() == value || flags::list(v).iter().any(|p| p == value))
        }) {
            return match k.strip_prefix("result.") {
                Some(_) => "result".to_string(),
                None => k.clone(),
            };
        }
    }
    String::new()
}

/// Whether the form has field `name` (`result` stands for the evaluation's `result.*`).
fn has_field(fields: &[(String, String)], name: &str) -> bool {
    fields
        .iter()
        .any(|(k, _)| k == name || (name == "result" && k.starts_with("result.")))
}

/// An API refusal in plain words, with the field it belongs to.
fn refusal(e: &ApiError, fields: &[(String, String)]) -> Problem {
    let b = &e.body;
    if e.status == StatusCode::CONFLICT {
        let actual = b
            .actual
            .as_ref()
            .and_then(|a| a.as_object())
            .and_then(|o| o.values().next())
            .and_then(Value::as_u64);
        let seen = b
            .expected
            .as_ref()
            .and_then(|a| a.as_object())
            .and_then(|o| o.values().next())
            .and_then(Value::as_u64);
        let message = match (seen, actual) {
            (Some(s), Some(a)) => format!(
                "Someone changed this program since you opened the form (you saw version {s}, it is now at {a}). Nothing was stored: reload the form to see the changes, then record again."
            ),
            _ => format!("{} Nothing was stored.", b.message),
        };
        return Problem {
            field: String::new(),
            message,
            rule: None,
        };
    }
    let field = match (&b.field, &b.rule) {
        (Some(f), _) => {
            let head = f.split(['.', '[']).next().unwrap_or(f);
            let name = kebab(head);
            if has_field(fields, &name) {
                name
            } else {
                field_of(&b.message, None, fields)
            }
        }
        (None, Some(_)) => field_of(&b.message, b.value.as_deref(), fields),
        _ => String::new(),
    };
    let rule = b
        .rule
        .as_deref()
        .and_then(|code| Rule::all().iter().find(|r| r.code() == code));
    let message = match rule {
        Some(rule) => format!(
            "{} Nothing was stored.",
            plain_words(rule.describe(), b.value.as_deref())
        ),
        None if b.rule.is_some() => format!("{} Nothing was stored.", b.message),
        None => flag_message(&b.message, &field),
    };
    Problem {
        field,
        message,
        rule: b.rule.clone(),
    }
}

/// A rule's sentence as a user reads it: capitalized, with the value it refused.
fn plain_words(sentence: &str, value: Option<&str>) -> String {
    let mut chars = sentence.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    let sentence = format!("{first}{}", chars.as_str());
    match value.filter(|v| !v.is_empty()) {
        Some(v) => format!("{sentence} (you gave “{v}”)."),
        None => format!("{sentence}."),
    }
}

/// A parse error of the flags, without the command and flag it starts with when it sits
/// next to that field (`log-practice --minutes: missing…` → `Missing…`).
fn flag_message(message: &str, field: &str) -> String {
    if field.is_empty() {
        return message.to_string();
    }
    let marker = format!("--{field}");
    let Some(i) = message.find(&marker) else {
        return message.to_string();
    };
    let rest = message[i + marker.len()..].trim_start_matches([':', ' ']);
    let mut chars = rest.chars();
    match chars.next() {
        Some(c) => format!("{}{}", c.to_uppercase(), chars.as_str()),
        None => message.to_string(),
    }
}

/// What a posted form asks for.
struct Posted<'a> {
    /// The program (or `organization`).
    id: &'a str,
    /// The command type.
    type_name: &'static str,
    /// Its flags.
    args: Vec<String>,
    /// The version the form was opened at.
    expected: Option<u64>,
    /// The day it happened.
    on: Option<String>,
}

/// Runs the command a form made; on success, back to the record page. A refusal is given
/// back as (field, message) for the form to be shown again with it: that page answers 200 (a
/// 4xx page load is logged by the browser as a failed load) and says nothing was stored.
async fn run_form(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    posted: Posted<'_>,
    fields: &[(String, String)],
) -> Result<Response, Problem> {
    let Posted {
        id,
        type_name,
        args,
        expected,
        on,
    } = posted;
    let args = &args[..];
    let flag_problem = |e: flags::FlagError| {
        let m = e.to_string();
        let mut field = field_of(&m, None, fields);
        if field.is_empty() {
            // A field left out of the post (an empty number) is still the form's field.
            field = flags::flags_of(type_name)
                .into_iter()
                .map(|f| f.name)
                .find(|name| m.contains(&format!("--{name}:")))
                .unwrap_or_default();
        }
        Problem {
            message: flag_message(&m, &field),
            field,
            rule: None,
        }
    };
    let (value, _) = flags::parse(type_name, args).map_err(flag_problem)?;
    let command = flags::command(type_name, &value).map_err(flag_problem)?;
    let role = role_for_command(&command);
    if !auth.who.has(role) {
        return Err(Problem {
            field: String::new(),
            message: format!(
                "This needs the {role} role; you have the {} role.",
                auth.who.role
            ),
            rule: None,
        });
    }
    let program = (!is_org(id)).then(|| id.to_string());
    let query = crate::server::CommandQuery {
        expected_version: expected,
        dry_run: false,
        on,
    };
    let actor = crate::server::actor(auth, headers);
    let (_, json) = crate::server::run_commands(state, program, vec![command], query, None, actor)
        .await
        .map_err(|e| refusal(&e, fields))?;
    let seq = json.0["seqs"]
        .as_array()
        .and_then(|s| s.iter().filter_map(Value::as_u64).max())
        .unwrap_or(0);
    Ok(Redirect::to(&format!(
        "/programs/{}/record?recorded={}&seq={seq}",
        enc(id),
        kebab(type_name)
    ))
    .into_response())
}

/// `POST /programs/{id}/record/{command}`.
pub async fn submit(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    headers: HeaderMap,
    Path((id, command)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let type_name = match type_of(&command) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if let Err(e) = auth.require_program(&id) {
        return failure(e);
    }
    let ran = match to_flags(&fields) {
        Ok((args, expected, on)) => {
            let posted = Posted {
                id: &id,
                type_name,
                args,
                expected,
                on,
            };
            run_form(&state, &auth, &headers, posted, &fields).await
        }
        Err(problem) => Err(problem),
    };
    match ran {
        Ok(r) => r,
        Err(problem) => {
            let (plan, version) = plan_of(&state, &id).await.unwrap_or((Value::Null, 0));
            let frame = Frame::of(&state, &auth, None);
            let filled = Filled {
                values: fields,
                problems: vec![problem],
            };
            let choices = choices(&state, &id, type_name, &plan).await;
            html(command_page(
                &frame, &id, type_name, version, &filled, &choices,
            ))
        }
    }
}

fn hold_page(
    frame: &Frame,
    id: &str,
    sid: &str,
    session: &Value,
    names: &dyn Fn(&str) -> String,
    version: u64,
    filled: &Filled,
) -> Markup {
    let action = format!("/programs/{}/sessions/{}/hold", enc(id), enc(sid));
    let present = |p: &str| {
        filled.values.is_empty() || filled.values.iter().any(|(k, v)| k == "present" && v == p)
    };
    let reason = |p: &str| filled.value(&format!("reason.{p}")).map(str::to_string);
    let on_problem = filled.problem("present");
    let day = text(&session["time"], "start_local")
        .get(..10)
        .unwrap_or("")
        .to_string();
    let mut defaults = Filled {
        values: filled.values.clone(),
        problems: filled.problems.clone(),
    };
    if defaults.value("on").is_none() && !day.is_empty() {
        defaults.values.push(("on".into(), day));
    }
    let body = html! {
        h1 { "Hold session " (sid) }
        p.lead { "Module " (text(session, "module")) " · " (text(&session["time"], "start_local")) " · " (text(session, "location")) " · " a href={ "/programs/" (enc(id)) "/record" } { "all sessions" } }
        (form_errors(filled))
        form.stack #hold-form method="post" action=(action) {
            input type="hidden" name="session" value=(sid);
            fieldset {
                legend { "Attendance: tick who came; give a reason for each absence" }
                @if let Some(p) = on_problem { p { (problem_note("f-present-error", p)) } }
                table.attendance #attendance {
                    thead { tr { th scope="col" { "Invitee" } th scope="col" { "Present" } th scope="col" { "If absent: why" } } }
                    tbody { @for p in session["invitees"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                        @let pid = format!("present-{p}");
                        @let rid = format!("reason-{p}");
                        tr data-person=(p) {
                            th scope="row" { label for=(pid) { (names(p)) } }
                            td { input id=(pid) type="checkbox" name="present" value=(p) checked[present(p)]; }
                            td {
                                label.sr for=(rid) { "Why " (names(p)) " was absent" }
                                select id=(rid) name={ "reason." (p) } {
                                    option value="" { "(no reason given)" }
                                    @for r in ABSENCE_REASONS { option value=(r) selected[reason(p).as_deref() == Some(r)] { (r.replace('_', " ")) } }
                                }
                            }
                            input type="hidden" name="_invitee" value=(p);
                        }
                    } }
                }
            }
            (form_tail(version, &defaults))
        }
    };
    page(frame, &format!("Hold {sid}"), None, body)
}

async fn session_of(state: &AppState, id: &str, sid: &str) -> Result<(Value, u64), Response> {
    let (plan, version) = plan_of(state, id).await?;
    let session = plan["sessions"][sid].clone();
    if session.is_null() {
        return Err(failure(ApiError::not_found(format!(
            "program {id:?} has no session {sid:?}"
        ))));
    }
    Ok((session, version))
}

/// `GET /programs/{id}/sessions/{session}/hold`: the attendance checklist of its invitees.
pub async fn hold_form(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    Path((id, sid)): Path<(String, String)>,
) -> Response {
    if let Err(r) = require(&auth, Role::Trainer) {
        return r;
    }
    if let Err(e) = auth.require_program(&id) {
        return failure(e);
    }
    let (session, version) = match session_of(&state, &id, &sid).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let frame = Frame::of(&state, &auth, None);
    let names = |p: &str| state.inner.live.read().organization().name_of(p);
    html(hold_page(
        &frame,
        &id,
        &sid,
        &session,
        &names,
        version,
        &Filled::default(),
    ))
}

/// `POST /programs/{id}/sessions/{session}/hold`.
pub async fn hold_submit(
    State(state): State<AppState>,
    Viewer(auth): Viewer,
    headers: HeaderMap,
    Path((id, sid)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(e) = auth.require_program(&id) {
        return failure(e);
    }
    let present: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "present")
        .map(|(_, v)| v.as_str())
        .collect();
    let mut absent = Vec::new();
    for (_, p) in fields.iter().filter(|(k, _)| k == "_invitee") {
        if present.contains(&p.as_str()) {
            continue;
        }
        let reason = fields
            .iter()
            .find(|(k, _)| *k == format!("reason.{p}"))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty());
        absent.push(match reason {
            Some(r) => format!("{p}={r}"),
            None => p.clone(),
        });
    }
    let mut args = vec!["--session".to_string(), sid.clone()];
    if !present.is_empty() {
        args.push("--present".into());
        args.push(present.join(","));
    }
    if !absent.is_empty() {
        args.push("--absent".into());
        args.push(absent.join(","));
    }
    let expected = fields
        .iter()
        .find(|(k, _)| k == "expected_version")
        .and_then(|(_, v)| v.trim().parse().ok());
    let on = fields
        .iter()
        .find(|(k, _)| k == "on")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let posted = Posted {
        id: &id,
        type_name: "HoldSession",
        args,
        expected,
        on,
    };
    match run_form(&state, &auth, &headers, posted, &fields).await {
        Ok(r) => r,
        Err(mut problem) => {
            let (session, version) = match session_of(&state, &id, &sid).await {
                Ok(s) => s,
                Err(r) => return r,
            };
            let frame = Frame::of(&state, &auth, None);
            let names = |p: &str| state.inner.live.read().organization().name_of(p);
            if problem.field == "session" {
                problem.field = String::new();
            }
            let filled = Filled {
                values: fields,
                problems: vec![problem],
            };
            html(hold_page(
                &frame, &id, &sid, &session, &names, version, &filled,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_in_plain_words() {
        assert_eq!(
            plain_words("no person with this id in the organization", Some("bob")),
            "No person with this id in the organization (you gave “bob”)."
        );
        assert_eq!(
            plain_words("this text must not be empty", Some("")),
            "This text must not be empty."
        );
        assert_eq!(
            flag_message(
                "log-practice --minutes: missing: this flag is required",
                "minutes"
            ),
            "Missing: this flag is required"
        );
        assert_eq!(
            flag_message("--minutes \"lots\": expected a whole number", "minutes"),
            "\"lots\": expected a whole number"
        );
        assert_eq!(flag_message("something else", ""), "something else");
        let fields = vec![
            ("person".to_string(), "nobody".to_string()),
            ("result.level".to_string(), "reaction".to_string()),
            ("result.rating".to_string(), "9".to_string()),
        ];
        assert_eq!(
            field_of("unknown_person", Some("nobody"), &fields),
            "person"
        );
        assert_eq!(field_of("invalid_rating", Some("9"), &fields), "result");
        assert_eq!(
            field_of("record-evaluation --result: missing", None, &fields),
            "result"
        );
    }

    #[test]
    fn a_program_is_offered_only_the_commands_of_its_kind() {
        assert!(applies("ScheduleSession", Some(ProgramKind::Training)));
        assert!(!applies("ScheduleSession", Some(ProgramKind::Mentoring)));
        assert!(applies("GiveAssignment", Some(ProgramKind::Mentoring)));
        assert!(!applies("GiveAssignment", Some(ProgramKind::Training)));
        assert!(applies("LogPractice", Some(ProgramKind::Mentoring)));
        assert!(applies("VoidEvent", None));
    }
}
