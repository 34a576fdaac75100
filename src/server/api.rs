//! The routes: each parses, checks the role (before reading any body), calls the one write
//! path or the one read path, and renders JSON.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::auth::{self, Auth, COOKIE};
use super::error::{ApiError, ErrorBody};
use super::{stream, AppState};
use crate::access::{role_for_command, Role, TokenInfo};
use crate::app::{AppError, RunOptions};
use crate::domain::Command;
use crate::query::{with_head, Answer, HistoryAt, Reader};
use crate::store::{jsonl, record, verify, ORGANIZATION_STREAM};

/// The largest command body (one command or a batch).
pub const COMMAND_BODY_LIMIT: usize = 1024 * 1024;
/// The largest import body.
pub const IMPORT_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// The largest page of events.
pub const MAX_PAGE: usize = 1000;
/// The most commands in one batch.
pub const MAX_BATCH: usize = 1000;

#[derive(OpenApi)]
#[openapi(
    info(title = "Baton", description = "Plan, follow, audit and rehearse peer training and peer mentoring programs. Every view carries the head of the log it was computed from."),
    modifiers(&Security),
    components(schemas(ErrorBody, TokenInfo, Role))
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(COOKIE))),
        );
    }
}

/// The router and the OpenAPI document it serves, from one registration.
fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_programs, create_program))
        .routes(routes!(get_program))
        .routes(routes!(program_commands))
        .routes(routes!(organization_commands))
        .routes(routes!(dashboard))
        .routes(routes!(history))
        .routes(routes!(risk))
        .routes(routes!(supervisors))
        .routes(routes!(journey))
        .routes(routes!(erase_person))
        .routes(routes!(events))
        .routes(routes!(stream::events_stream))
        .routes(routes!(export))
        .routes(routes!(import))
        .routes(routes!(verify_log))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(scenarios))
        .routes(routes!(simulate))
        .routes(routes!(session))
        .routes(routes!(openapi_json))
        .routes(routes!(due))
        .routes(routes!(due_feed))
        .routes(routes!(import_roster))
        .routes(routes!(program_feed))
        .routes(routes!(person_feed))
        .routes(routes!(login))
        .routes(routes!(logout))
        .split_for_parts()
}

/// The OpenAPI document of the server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

/// The whole router, with its state.
pub fn router(state: AppState) -> Router {
    let (router, _) = parts();
    router
        .merge(crate::web::routes())
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::map_response(crate::web::security_headers))
        .with_state(state)
}

async fn no_route(uri: axum::http::Uri) -> Response {
    if !uri.path().starts_with("/api/") {
        return crate::web::not_found(&uri);
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        format!("no route {} (see /api/openapi.json)", uri.path()),
    )
    .into_response()
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} does not take {method} (see /api/openapi.json)",
            uri.path()
        ),
    )
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("the server hit a bug handling this request; nothing was written by it")
        .into_response()
}

/// A query string, whose errors are JSON 400s naming the parameter.
pub struct Q<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Q<T>, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(q)) => Ok(Q(q)),
            Err(e) => {
                let text = e.body_text();
                let field = text
                    .split('`')
                    .nth(1)
                    .map(str::to_string)
                    .unwrap_or_else(|| "query".into());
                Err(ApiError::malformed(field, text))
            }
        }
    }
}

/// An answer as JSON, with its title for people in `X-Baton-Title` (the CLI prints tables
/// from it).
fn answered(answer: Answer) -> Response {
    titled(Json(answer.json_ref()).into_response(), &answer.title)
}

/// A response with its title for people in `X-Baton-Title`.
fn titled(mut response: Response, title: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(title) {
        response.headers_mut().insert("x-baton-title", v);
    }
    response
}

/// A rendered view as a response.
/// A rendered view's response: gzipped when the request accepts `gzip` (the bytes were
/// compressed once, when the view was rendered), else as is.
fn rendered_response(r: &crate::query::Rendered, headers: &HeaderMap) -> Response {
    let gzip = accepts_gzip(headers);
    let body = if gzip { r.gzip.clone() } else { r.json.clone() };
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if let Ok(v) = HeaderValue::from_str(&r.title) {
        h.insert("x-baton-title", v);
    }
    response
}

/// Runs a read that is rendered once per head (dashboards, risk) off the async threads.
pub(crate) async fn read_rendered(
    state: &AppState,
    headers: &HeaderMap,
    key: String,
    has_as_of: bool,
    f: impl FnOnce(&mut Reader) -> Result<Answer, crate::query::QueryError> + Send + 'static,
) -> Result<Response, ApiError> {
    let mut reader = state.reader();
    if let Some(hit) = reader.rendered_cached(&key, has_as_of) {
        return Ok(rendered_response(&hit, headers));
    }
    let rendered = tokio::task::spawn_blocking(move || reader.rendered(&key, has_as_of, f))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(ApiError::from)?;
    Ok(rendered_response(&rendered, headers))
}

/// Whether an `Accept-Encoding` header accepts gzip (RFC 9110 §12.5.3: `gzip` or `x-gzip`,
/// or `*`, with a quality above zero).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let wanted = coding.eq_ignore_ascii_case("gzip")
                || coding.eq_ignore_ascii_case("x-gzip")
                || coding == "*";
            let refused = parts.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .or_else(|| p.strip_prefix("Q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            wanted && !refused
        })
}

/// Runs a read off the async threads.
pub(crate) async fn read(
    state: &AppState,
    f: impl FnOnce(&mut Reader) -> Result<Answer, crate::query::QueryError> + Send + 'static,
) -> Result<Answer, ApiError> {
    let mut reader = state.reader();
    tokio::task::spawn_blocking(move || f(&mut reader))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(ApiError::from)
}

/// Reads a body up to `limit` bytes (413 beyond).
async fn body_bytes(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    // A declared length past the limit is refused before a byte of it is read.
    if usize::try_from(http_body::Body::size_hint(&body).lower()).map_or(true, |n| n > limit) {
        return Err(ApiError::too_large(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let mut source: Option<&dyn std::error::Error> = Some(&e);
        let mut too_large = false;
        while let Some(s) = source {
            too_large |= s.to_string().contains("length limit exceeded");
            source = s.source();
        }
        if too_large {
            ApiError::too_large(limit)
        } else {
            ApiError::malformed("body", format!("the body could not be read: {e}"))
        }
    })
}

/// Parses a body of one command or a JSON array of them.
fn parse_commands(bytes: &[u8]) -> Result<Vec<Command>, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::malformed(
            "body",
            format!(
                "not valid JSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let (items, batch) = match value {
        Value::Array(items) => (items, true),
        one => (vec![one], false),
    };
    if items.is_empty() {
        return Err(ApiError::malformed(
            "body",
            "an empty array: expected at least one command",
        ));
    }
    if items.len() > MAX_BATCH {
        return Err(ApiError::malformed(
            "body",
            format!("{} commands: at most {MAX_BATCH} in one batch", items.len()),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Command::from_json(item).map_err(|e| {
                let field = if batch {
                    format!("[{i}].{}", e.field)
                } else {
                    e.field.clone()
                };
                ApiError::malformed(field, e.to_string())
            })
        })
        .collect()
}

/// The command id of an `Idempotency-Key`: the key itself when it is a UUID, else a UUID
/// derived from it (so any client string works).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<Uuid>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .ok()
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or_else(|| {
            ApiError::malformed(
                "Idempotency-Key",
                "expected 1 to 200 printable ASCII characters",
            )
        })?;
    Ok(Some(Uuid::parse_str(text).unwrap_or_else(|_| {
        Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            format!("baton:idempotency:{text}").as_bytes(),
        )
    })))
}

/// The actor of what a request writes: the token's name; the local credential (the CLI on
/// the same machine) may name its user in `X-Baton-Actor`.
pub(crate) fn actor(auth: &Auth, headers: &HeaderMap) -> String {
    if auth.local {
        if let Some(name) = headers.get("x-baton-actor").and_then(|v| v.to_str().ok()) {
            if !name.trim().is_empty() {
                return name.trim().to_string();
            }
        }
    }
    auth.who.name.clone()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CommandQuery {
    /// The version of the stream the client last saw; a different current version is a
    /// 409 conflict carrying the actual versions.
    #[param(minimum = 0, maximum = 9007199254740991_u64)]
    pub(crate) expected_version: Option<u64>,
    /// Decide and report what would be written, but write nothing.
    #[serde(default)]
    pub(crate) dry_run: bool,
    /// Enter something that happened earlier (as `baton do --on`): the rules decide as of this
    /// business time, and events without a day of their own are dated it. Default: the day
    /// the server runs at.
    pub(crate) on: Option<String>,
}

/// Runs commands through the one write path and answers with what was written.
pub(crate) async fn run_commands(
    state: &AppState,
    program: Option<String>,
    commands: Vec<Command>,
    query: CommandQuery,
    command_id: Option<Uuid>,
    actor: String,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let erases = commands
        .iter()
        .any(|c| matches!(c, Command::ErasePerson(_)));
    // An erasure rewrites sled's folder: nothing else is written meanwhile.
    let shared;
    let exclusive;
    if erases {
        exclusive = Some(state.inner.writes.write().await);
        shared = None;
    } else {
        shared = Some(state.inner.writes.read().await);
        exclusive = None;
    }
    let business_time = match &query.on {
        Some(text) => {
            let app = state.inner.app.clone();
            let text = text.clone();
            let parsed = tokio::task::spawn_blocking(move || {
                let org = app.organization()?.0;
                Ok::<_, AppError>(crate::app::parse_as_of(&text, &org))
            })
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??;
            Some(parsed.map_err(|e| ApiError::malformed("on", e.to_string()))?)
        }
        None => state.inner.at,
    };
    let options = RunOptions {
        actor,
        command_id,
        expect_version: query.expected_version,
        business_time,
        dry_run: query.dry_run,
    };
    let app = state.inner.app.clone();
    let result = tokio::task::spawn_blocking(move || {
        if let Some(slug) = &program {
            let creates = commands
                .iter()
                .any(|c| matches!(c, Command::CreateProgram(_)));
            if !creates && !app.program_exists(slug)? {
                return Err(AppError::UnknownProgram(slug.clone()));
            }
        }
        app.run(program.as_deref(), &commands, &options)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    if erases {
        let app = state.inner.app.clone();
        let live = state.inner.live.clone();
        tokio::task::spawn_blocking(move || live.refold(&app))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??;
    }
    drop((shared, exclusive));
    let last = result.seqs.iter().copied().max().unwrap_or(0);
    wait_folded(state, last).await;
    let status = if result.seqs.is_empty() || result.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let head = state.inner.live.read().head;
    let value = serde_json::to_value(&result).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((status, Json(with_head(value, &head, "result"))))
}

/// Waits (briefly) until the live projections hold `seq`, so a read after a write sees it.
async fn wait_folded(state: &AppState, seq: u64) {
    let mut watch = state.inner.live.watch();
    let _ = tokio::time::timeout(Duration::from_secs(5), watch.wait_for(|s| *s >= seq)).await;
}

/// Every program, one line each, sorted by slug (what `baton programs --format json` prints).
#[utoipa::path(get, path = "/api/programs", tag = "programs",
    responses(
        (status = 200, description = "`{\"head\": …, \"programs\": [...]}`", body = Object),
        (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn list_programs(State(state): State<AppState>, auth: Auth) -> Result<Response, ApiError> {
    auth.require(Role::Viewer)?;
    let mut answer = read(&state, |r| r.programs()).await?;
    if !auth.who.programs.is_empty() {
        if let Value::Array(lines) = &mut answer.view {
            lines.retain(|l| {
                l.get("program")
                    .and_then(Value::as_str)
                    .is_some_and(|p| auth.who.may_touch(p))
            });
        }
    }
    Ok(answered(answer))
}

/// Creates a program: the body is a `CreateProgram` command (its `type` may be left out).
#[utoipa::path(post, path = "/api/programs", tag = "programs",
    request_body(content = Object, description = "A CreateProgram command, as `baton do` takes it"),
    params(CommandQuery),
    responses(
        (status = 201, description = "What was written, with the head", body = Object),
        (status = 200, description = "A retry with the same Idempotency-Key: nothing new", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn create_program(
    State(state): State<AppState>,
    auth: Auth,
    Q(query): Q<CommandQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require(Role::Coordinator)?;
    let bytes = body_bytes(body, COMMAND_BODY_LIMIT).await?;
    let mut value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::malformed(
            "body",
            format!(
                "not valid JSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    match &mut value {
        Value::Object(map) => {
            map.entry("type").or_insert_with(|| json!("CreateProgram"));
        }
        _ => {
            return Err(ApiError::malformed(
                "body",
                "expected a CreateProgram command (a JSON object)",
            ))
        }
    }
    let command = Command::from_json(&value)
        .map_err(|e| ApiError::malformed(e.field.clone(), e.to_string()))?;
    let Command::CreateProgram(create) = &command else {
        return Err(ApiError::malformed(
            "type",
            format!("expected CreateProgram, got {}", command.type_name()),
        ));
    };
    auth.require_program(&create.program)?;
    let id = idempotency_key(&headers)?;
    let actor = actor(&auth, &headers);
    let program = create.program.clone();
    run_commands(&state, Some(program), vec![command], query, id, actor).await
}

/// One program: its line of the list and its current plan.
#[utoipa::path(get, path = "/api/programs/{id}", tag = "programs",
    params(("id" = String, Path, description = "The program's slug")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn get_program(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    auth.require(Role::Viewer)?;
    auth.require_program(&id)?;
    Ok(answered(read(&state, move |r| r.program(&id)).await?))
}

/// Sends commands to a program: the body is one command exactly as `baton do` takes it, or
/// a JSON array of them applied atomically. `CreateProgram` on a new id creates it.
#[utoipa::path(post, path = "/api/programs/{id}/commands", tag = "commands",
    params(("id" = String, Path, description = "The program's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Becomes the command id: a retry with the same key is applied once"),
        CommandQuery),
    request_body(content = Object, description = "One command (see `baton commands`) or an array of them"),
    responses(
        (status = 201, description = "What was written, with the head", body = Object),
        (status = 200, description = "A retry, or a dry run: nothing new was written", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn program_commands(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Q(query): Q<CommandQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require(Role::Trainer)?;
    let slug = crate::app::program_stream(&id)
        .map_err(|e| ApiError::malformed("id", e.to_string()))?
        .program_slug()
        .unwrap_or(&id)
        .to_string();
    auth.require_program(&slug)?;
    let bytes = body_bytes(body, COMMAND_BODY_LIMIT).await?;
    let commands = parse_commands(&bytes)?;
    for c in &commands {
        auth.require(role_for_command(c))?;
    }
    let command_id = idempotency_key(&headers)?;
    let actor = actor(&auth, &headers);
    run_commands(&state, Some(slug), commands, query, command_id, actor).await
}

/// Sends organization commands (people, moves, supervisors, skills, assessments).
#[utoipa::path(post, path = "/api/organization/commands", tag = "commands",
    params(("Idempotency-Key" = Option<String>, Header, description = "Becomes the command id"), CommandQuery),
    request_body(content = Object, description = "One organization command or an array of them"),
    responses(
        (status = 201, body = Object), (status = 200, body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn organization_commands(
    State(state): State<AppState>,
    auth: Auth,
    Q(query): Q<CommandQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require(Role::Coordinator)?;
    let bytes = body_bytes(body, COMMAND_BODY_LIMIT).await?;
    let commands = parse_commands(&bytes)?;
    for c in &commands {
        auth.require(role_for_command(c))?;
    }
    let command_id = idempotency_key(&headers)?;
    let actor = actor(&auth, &headers);
    run_commands(&state, None, commands, query, command_id, actor).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AsOfQuery {
    /// Business time: a day (`2026-10-31`, its end in the organization's zone) or a
    /// timestamp; default: the day the server runs at.
    as_of: Option<String>,
}

/// A program's dashboard: every figure of `docs/DASHBOARD.md`.
#[utoipa::path(get, path = "/api/programs/{id}/dashboard", tag = "views",
    params(("id" = String, Path, description = "The program's slug"), AsOfQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn dashboard(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Q(q): Q<AsOfQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth.require(Role::Viewer)?;
    auth.require_program(&id)?;
    let key = format!("dashboard/{id}?as_of={}", q.as_of.as_deref().unwrap_or(""));
    read_rendered(&state, &headers, key, q.as_of.is_some(), move |r| {
        r.dashboard(&id, q.as_of.as_deref())
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct HistoryQuery {
    /// The plan as the log knew it at this recorded time.
    as_of: Option<String>,
    /// The plan at this version of the program's stream.
    #[param(minimum = 0, maximum = 9007199254740991_u64)]
    at_version: Option<u64>,
    /// The changes between two versions, `V1..V2`.
    diff: Option<String>,
    /// Only the last N entries.
    #[param(minimum = 0, maximum = 1000000)]
    last: Option<usize>,
}

/// A program's history (`organization` for the organization's): who changed what, when.
#[utoipa::path(get, path = "/api/programs/{id}/history", tag = "views",
    params(("id" = String, Path, description = "The program's slug, or `organization`"), HistoryQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Q(q): Q<HistoryQuery>,
) -> Result<Response, ApiError> {
    auth.require(Role::Viewer)?;
    if id != "organization" {
        auth.require_program(&id)?;
    }
    let at = HistoryAt {
        as_of: q.as_of,
        version: q.at_version,
        diff: q.diff,
        last: q.last,
    };
    Ok(answered(read(&state, move |r| r.history(&id, &at)).await?))
}

/// Skills and knowledge risk: holders, single-holder skills, the truck factor, coverage.
#[utoipa::path(get, path = "/api/risk", tag = "views", params(AsOfQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn risk(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<AsOfQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth.require(Role::Viewer)?;
    let key = format!("risk?as_of={}", q.as_of.as_deref().unwrap_or(""));
    read_rendered(&state, &headers, key, q.as_of.is_some(), move |r| {
        r.risk(q.as_of.as_deref())
    })
    .await
}

/// Release time per supervisor across programs.
#[utoipa::path(get, path = "/api/supervisors", tag = "views", params(AsOfQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn supervisors(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<AsOfQuery>,
) -> Result<Response, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(answered(
        read(&state, move |r| r.supervisors(q.as_of.as_deref())).await?,
    ))
}

/// One person across programs.
#[utoipa::path(get, path = "/api/people/{id}/journey", tag = "views",
    params(("id" = String, Path, description = "The person's id"), AsOfQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn journey(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Q(q): Q<AsOfQuery>,
) -> Result<Response, ApiError> {
    auth.require(Role::Viewer)?;
    let who = auth.who.clone();
    Ok(answered(
        read(&state, move |r| {
            r.journey(&id, q.as_of.as_deref(), &|p| who.may_touch(p))
        })
        .await?,
    ))
}

/// Erases a person's personal data (as `baton erase`): the events about them are redacted
/// in place of their data, and no copy is left in the store's files. Writes wait meanwhile.
#[utoipa::path(post, path = "/api/people/{id}/erase", tag = "admin",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 201, body = Object), (status = 200, description = "Already erased: the erasure was completed", body = Object),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn erase_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require(Role::Admin)?;
    let actor = actor(&auth, &headers);
    let erased = state.inner.live.read().is_erased(&id);
    if erased {
        let _gate = state.inner.writes.write().await;
        let app = state.inner.app.clone();
        let live = state.inner.live.clone();
        let who = id.clone();
        tokio::task::spawn_blocking(move || {
            app.complete_erasure(&who, &actor)?;
            live.refold(&app)
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
        let head = state.inner.live.read().head;
        return Ok((
            StatusCode::OK,
            Json(with_head(
                json!({"person": id, "already_erased": true}),
                &head,
                "result",
            )),
        ));
    }
    let command = Command::from_json(&json!({"type": "ErasePerson", "person": id}))
        .map_err(|e| ApiError::malformed("id", e.to_string()))?;
    let query = CommandQuery {
        expected_version: None,
        dry_run: false,
        on: None,
    };
    run_commands(&state, None, vec![command], query, None, actor).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// Events after this seq (default 0: from the first).
    #[param(minimum = 0, maximum = 9007199254740991_u64)]
    after: Option<u64>,
    /// Page size (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

/// A page of the log, as `baton export` writes it; `next_after` asks for the next page.
#[utoipa::path(get, path = "/api/events", tag = "events", params(EventsQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn events(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<EventsQuery>,
) -> Result<Json<Value>, ApiError> {
    auth.require(Role::Viewer)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::malformed(
            "limit",
            format!("{limit}: expected 1 to {MAX_PAGE}"),
        ));
    }
    let after = q.after.unwrap_or(0);
    let answer = read(&state, move |r| r.events(after, limit)).await?;
    let mut value = answer.json();
    if let Some(Value::Array(events)) = value.get_mut("events") {
        events.retain(|e| {
            stream::may_see(
                &auth.who,
                e.get("stream").and_then(Value::as_str).unwrap_or(""),
            )
        });
    }
    Ok(Json(value))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// One program's stream (or `organization`); default: the whole log.
    program: Option<String>,
}

/// The log (or one stream) as JSON Lines, byte for byte as stored; the head is in the
/// `X-Baton-Head` header.
#[utoipa::path(get, path = "/api/export", tag = "admin", params(ExportQuery),
    responses((status = 200, description = "JSON Lines", content_type = "application/x-ndjson", body = String),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<ExportQuery>,
) -> Result<Response, ApiError> {
    auth.require(Role::Coordinator)?;
    if !auth.who.programs.is_empty() {
        return Err(ApiError::forbidden(
            "an export needs a token that is not limited to some programs",
        ));
    }
    let app = state.inner.app.clone();
    let (bytes, head) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let stream = match q.program.as_deref() {
            None => None,
            Some(ORGANIZATION_STREAM) => Some(ORGANIZATION_STREAM.to_string()),
            Some(slug) => Some(crate::app::program_stream(slug)?.as_str().to_string()),
        };
        if let Some(s) = &stream {
            if app.store().stream_version(s) == 0 {
                return Err(ApiError::not_found(format!(
                    "no program {:?}",
                    q.program.unwrap_or_default()
                )));
            }
        }
        let head = app.store().head();
        let mut out = Vec::new();
        jsonl::export(app.store().as_ref(), stream.as_deref(), &mut out)?;
        Ok((out, head))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}:{}",
        head.last_seq,
        record::hex(&head.head_hash)
    )) {
        h.insert("x-baton-head", v);
    }
    Ok(response)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// Append to the log (re-sequence and re-chain, in atomic chunks) instead of restoring
    /// into an empty store.
    #[serde(default)]
    append: bool,
    /// Accept format-1 redactions whose kept data cannot be checked.
    #[serde(default)]
    accept_unverified_redactions: bool,
    /// A restore stores nothing unless the file's last event is `SEQ:HASH`.
    expect_head: Option<String>,
}

/// Imports a JSON Lines export (as `baton import`): every check before anything is stored.
#[utoipa::path(post, path = "/api/import", tag = "admin", params(ImportQuery),
    request_body(content = String, content_type = "application/x-ndjson", description = "JSON Lines, as `baton export` writes them"),
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require(Role::Admin)?;
    let expect_head = q
        .expect_head
        .as_deref()
        .map(|t| record::parse_head(t).map_err(|e| ApiError::malformed("expect_head", e)))
        .transpose()?;
    let bytes = body_bytes(body, IMPORT_BODY_LIMIT).await?;
    let actor = actor(&auth, &headers);
    let _gate = state.inner.writes.write().await;
    let app = state.inner.app.clone();
    let live = state.inner.live.clone();
    let summary = tokio::task::spawn_blocking(move || {
        let options = jsonl::ImportOptions {
            append: q.append,
            actor: &actor,
            accept_unverified_redactions: q.accept_unverified_redactions,
            expect_head,
            rules: &crate::app::DomainRules,
        };
        let summary = jsonl::import_with(app.store().as_ref(), &mut bytes.as_ref(), &options);
        let _ = live.catch_up(&app);
        summary
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| {
        let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rule", e.to_string());
        err.body.rule = Some("import".into());
        err
    })?;
    let head = state.inner.live.read().head;
    Ok((
        StatusCode::CREATED,
        Json(with_head(summary.view(), &head, "result")),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct VerifyQuery {
    /// A head noted earlier, `SEQ:HASH`: the report fails unless that event is in the log
    /// with that hash.
    head: Option<String>,
}

/// Checks the whole log: the chain, data hashes, contiguity, the indexes.
#[utoipa::path(get, path = "/api/verify", tag = "admin", params(VerifyQuery),
    responses((status = 400, body = ErrorBody), (status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn verify_log(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<VerifyQuery>,
) -> Result<Json<Value>, ApiError> {
    auth.require(Role::Admin)?;
    let noted = q
        .head
        .as_deref()
        .map(|t| record::parse_head(t).map_err(|e| ApiError::malformed("head", e)))
        .transpose()?;
    let sled = state.inner.sled.clone();
    let (report, head) = tokio::task::spawn_blocking(move || {
        let head = crate::store::EventStore::head(sled.as_ref());
        verify::verify_noted(&sled, noted).map(|r| (r, head))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let value = serde_json::to_value(&report).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(with_head(value, &head, "report")))
}

/// Every token ever made (never a secret).
#[utoipa::path(get, path = "/api/tokens", tag = "admin",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn list_tokens(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>, ApiError> {
    auth.require(Role::Admin)?;
    let live = state.inner.live.read();
    let tokens = serde_json::to_value(live.access.tokens())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(with_head(tokens, &live.head, "tokens")))
}

/// A token to make.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    /// Its role.
    role: Role,
    /// Who or what uses it (the actor of what it writes).
    name: String,
    /// Programs it is limited to (none: all).
    #[serde(default)]
    programs: Vec<String>,
}

/// A token just made: the secret is shown this once.
#[derive(Serialize, ToSchema)]
struct CreatedToken {
    /// Its listing.
    #[serde(flatten)]
    info: TokenInfo,
    /// The secret (`Authorization: Bearer …`).
    secret: String,
}

/// Makes a token; the secret is in the answer only.
#[utoipa::path(post, path = "/api/tokens", tag = "admin", request_body = NewTokenBody,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    auth.require(Role::Admin)?;
    let bytes = body_bytes(body, COMMAND_BODY_LIMIT).await?;
    let req: NewTokenBody =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes))
            .map_err(|e| ApiError::malformed(e.path().to_string(), e.inner().to_string()))?;
    let made = grant(&state, &auth, &headers, req.role, req.name, req.programs).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            info: made.info,
            secret: made.secret,
        }),
    ))
}

/// Makes a token for an admin (the API's and the tokens page's one path).
pub(crate) async fn grant(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    role: Role,
    name: String,
    programs: Vec<String>,
) -> Result<crate::app::NewToken, ApiError> {
    auth.require(Role::Admin)?;
    let actor = actor(auth, headers);
    let _gate = state.inner.writes.read().await;
    let app = state.inner.app.clone();
    let made = tokio::task::spawn_blocking(move || app.grant_token(role, &name, &programs, &actor))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    wait_folded(state, state.inner.app.store().head().last_seq).await;
    Ok(made)
}

/// Revokes a token for an admin (the API's and the tokens page's one path).
pub(crate) async fn revoke(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: String,
) -> Result<TokenInfo, ApiError> {
    auth.require(Role::Admin)?;
    let actor = actor(auth, headers);
    let _gate = state.inner.writes.read().await;
    let app = state.inner.app.clone();
    let info = tokio::task::spawn_blocking(move || app.revoke_token(&id, &actor))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    wait_folded(state, state.inner.app.store().head().last_seq).await;
    Ok(info)
}

/// Revokes a token: it stops working at once (sessions opened with it end too).
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "admin",
    params(("id" = String, Path, description = "The token's id (`tok-…`)")),
    responses((status = 200, body = TokenInfo), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<TokenInfo>, ApiError> {
    auth.require(Role::Admin)?;
    let info = revoke(&state, &auth, &headers, id).await?;
    Ok(Json(info))
}

/// The scenario library: each scenario with its cards and mitigations.
#[utoipa::path(get, path = "/api/scenarios", tag = "simulator",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn scenarios(auth: Auth) -> Result<Json<Value>, ApiError> {
    auth.require(Role::Viewer)?;
    let all: Vec<crate::sim::scenario::Scenario> = crate::sim::scenario::LIBRARY
        .iter()
        .filter_map(|(n, _)| crate::sim::scenario::builtin(n))
        .collect();
    let value = serde_json::to_value(all).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(json!({ "scenarios": value })))
}

/// The most runs one simulation may ask for.
pub const MAX_RUNS: u64 = 100_000;

/// A simulation to run.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SimulateBody {
    /// The program to fork (its slug).
    pub(crate) plan: String,
    /// A scenario of the library (`GET /api/scenarios`).
    #[serde(default)]
    pub(crate) scenario: Option<String>,
    /// Or a scenario file's TOML text.
    #[serde(default)]
    pub(crate) scenario_toml: Option<String>,
    /// Mitigations of the scenario, each compared with the baseline on the same seeds.
    #[serde(default)]
    pub(crate) mitigate: Vec<String>,
    /// Runs (default 1,000).
    #[schema(minimum = 1, maximum = 100000)]
    #[serde(default)]
    pub(crate) runs: Option<u64>,
    /// Seed (default 1).
    #[schema(minimum = 0, maximum = 9007199254740991_u64)]
    #[serde(default)]
    pub(crate) seed: Option<u64>,
    /// Business time of the fork (default: the log's latest business time).
    #[serde(default)]
    pub(crate) as_of: Option<String>,
    /// The last day simulated, `YYYY-MM-DD` (default: two years past the deadline).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub(crate) horizon: Option<chrono::NaiveDate>,
    /// List every run.
    #[serde(default)]
    pub(crate) per_run: bool,
    /// Tell run 0 week by week.
    #[serde(default)]
    pub(crate) narrate: bool,
    /// Give `bands`: the outcome over time (the share of the audience proficient, its P10,
    /// P25, P50, P75, P90 and P95 over the runs), week by week to 13 weeks past the deadline.
    #[serde(default)]
    pub(crate) bands: bool,
}

/// Runs a scenario against a program forked at a business time, as `baton simulate`; with
/// mitigations, compares each with the baseline on common random numbers. Writes nothing.
#[utoipa::path(post, path = "/api/simulate", tag = "simulator", request_body = SimulateBody,
    responses((status = 200, description = "The report (as `baton simulate --format json`)", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn simulate(
    State(state): State<AppState>,
    auth: Auth,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    auth.require(Role::Viewer)?;
    let bytes = body_bytes(body, COMMAND_BODY_LIMIT).await?;
    let req: SimulateBody =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes))
            .map_err(|e| ApiError::malformed(e.path().to_string(), e.inner().to_string()))?;
    Ok(Json(run_simulation(&state, &auth, req).await?))
}

/// Runs a simulation for `auth` (the API's and the simulator page's one path).
pub(crate) async fn run_simulation(
    state: &AppState,
    auth: &Auth,
    req: SimulateBody,
) -> Result<Value, ApiError> {
    auth.require_program(&req.plan)?;
    let runs = req.runs.unwrap_or(1_000);
    if !(1..=MAX_RUNS).contains(&runs) {
        return Err(ApiError::malformed(
            "runs",
            format!("{runs}: expected 1 to {MAX_RUNS}"),
        ));
    }
    let scenario = match (&req.scenario, &req.scenario_toml) {
        (Some(name), None) => crate::sim::scenario::builtin(name).ok_or_else(|| {
            let names: Vec<_> = crate::sim::scenario::LIBRARY
                .iter()
                .map(|(n, _)| *n)
                .collect();
            ApiError::malformed(
                "scenario",
                format!("no scenario {name:?}: expected one of {}", names.join(", ")),
            )
        })?,
        (None, Some(text)) => crate::sim::scenario::parse("scenario_toml", "posted", text)
            .map_err(|e| ApiError::malformed("scenario_toml", e.to_string()))?,
        _ => {
            return Err(ApiError::malformed(
                "scenario",
                "give exactly one of scenario (a name) and scenario_toml",
            ))
        }
    };
    let what = crate::forecast::Simulate {
        scenario,
        mitigations: req.mitigate,
        runs,
        seed: req.seed.unwrap_or(1),
        horizon: req.horizon,
        per_run: req.per_run,
        narrate: req.narrate,
        bands: req.bands,
    };
    for m in &what.mitigations {
        what.scenario
            .mitigation(m)
            .map_err(|e| ApiError::malformed("mitigate", e.to_string()))?;
    }
    let app = state.inner.app.clone();
    let at = state.inner.at;
    let plan_slug = req.plan;
    let as_of = req.as_of;
    let value = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let head = app.store().head();
        let t = match as_of {
            Some(text) => crate::app::parse_as_of(&text, &app.organization()?.0)
                .map_err(|e| ApiError::malformed("as_of", e.to_string()))?,
            None => match at {
                Some(t) => t,
                None => crate::forecast::latest_business_time(&app)?,
            },
        };
        let plan = crate::forecast::fork_program(&app, &plan_slug, t).map_err(|e| match e {
            crate::forecast::ForecastError::NoProgram(_) => ApiError::not_found(e.to_string()),
            crate::forecast::ForecastError::App(a) => a.into(),
            other => {
                let mut err =
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rule", other.to_string());
                err.body.rule = Some("plan".into());
                err
            }
        })?;
        let simulation = crate::forecast::simulate(&plan, &what, &|| {})
            .map_err(|e| ApiError::malformed("mitigate", e.to_string()))?;
        let value = simulation
            .json()
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(with_head(value, &head, "report"))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(value)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DueQuery {
    /// Days after today that count as upcoming (default 14).
    #[param(minimum = 0, maximum = 3650)]
    within: Option<i64>,
    /// Only items about this person.
    person: Option<String>,
    /// Estimated retention below which a refresher is suggested, 0 to 1 (default 0.8).
    #[param(minimum = 0, maximum = 1)]
    threshold: Option<f64>,
    /// Business time (default now).
    as_of: Option<String>,
}

impl DueQuery {
    fn config(&self) -> Result<crate::projections::due::DueConfig, ApiError> {
        let mut config = crate::projections::due::DueConfig::default();
        if let Some(w) = self.within {
            if !(0..=3650).contains(&w) {
                return Err(ApiError::malformed(
                    "within",
                    format!("{w}: expected 0 to 3650 days"),
                ));
            }
            config.within_days = w;
        }
        if let Some(t) = self.threshold {
            if !(0.0..=1.0).contains(&t) {
                return Err(ApiError::malformed(
                    "threshold",
                    format!("{t}: expected a retention from 0 to 1, like 0.8"),
                ));
            }
            config.threshold = t;
        }
        config.person = self.person.clone();
        Ok(config)
    }
}

/// What is due, as `baton due --format json`: overdue and upcoming follow-ups, sessions and
/// coaching without an outcome, commitments never answered, refreshers.
#[utoipa::path(get, path = "/api/due", tag = "views", params(DueQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn due(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<DueQuery>,
) -> Result<Response, ApiError> {
    auth.require(Role::Viewer)?;
    let mut config = q.config()?;
    // A token limited to some programs sees only their items.
    config.programs = auth.who.programs.clone();
    let as_of = q.as_of.clone();
    let answer = read(&state, move |r| r.due(&config, as_of.as_deref(), false)).await?;
    Ok(answered(answer))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DueFeedQuery {
    /// A token's secret (a feed token, or any other).
    token: String,
    /// Only items about this person.
    person: Option<String>,
    /// Days after today that count as upcoming (default 14).
    #[param(minimum = 0, maximum = 3650)]
    within: Option<i64>,
}

/// What is due as an iCalendar feed to subscribe to (as `baton due --format ics`).
#[utoipa::path(get, path = "/feeds/due.ics", tag = "feeds", params(DueFeedQuery),
    responses((status = 200, description = "The feed", content_type = "text/calendar", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn due_feed(
    State(state): State<AppState>,
    Q(q): Q<DueFeedQuery>,
) -> Result<Response, ApiError> {
    let auth = feed_auth(&state, &q.token, None)?;
    let mut config = DueQuery {
        within: q.within,
        person: q.person.clone(),
        threshold: None,
        as_of: None,
    }
    .config()?;
    // A token limited to some programs sees only their items.
    config.programs = auth.who.programs.clone();
    let answer = read(&state, move |r| r.due(&config, None, true)).await?;
    let text = answer.view.as_str().unwrap_or_default().to_string();
    Ok(calendar_response(text, &answer.head))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RosterQuery {
    /// Report the changes the roster would record, but write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// Imports a staff roster (CSV, UTF-8, comma or semicolon, a header row; as `baton roster
/// import`): the changes against the organization are recorded as ordinary organization
/// commands in one atomic append. Every bad row is reported by line and column, and then
/// nothing is recorded.
#[utoipa::path(post, path = "/api/roster", tag = "organization", params(RosterQuery),
    request_body(content = String, content_type = "text/csv", description = "The roster"),
    responses((status = 200, description = "Nothing to change, or a dry run", body = Object), (status = 201, description = "The changes, recorded", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn import_roster(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Q(q): Q<RosterQuery>,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require(Role::Coordinator)?;
    let bytes = body_bytes(body, IMPORT_BODY_LIMIT).await?;
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|e| ApiError::malformed("body", format!("the roster is not UTF-8: {e}")))?;
    let app = state.inner.app.clone();
    let parsed = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let (org, _) = app.organization()?;
        let roster = crate::exports::roster::parse(&text, &org).map_err(|errors| {
            let mut e = ApiError::malformed(
                errors
                    .first()
                    .map_or("body".to_string(), |r| format!("line {}", r.line)),
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            e.body.value = Some(format!("{} problems; nothing was imported", errors.len()));
            e
        })?;
        Ok((
            crate::exports::roster::changes(&org, &roster),
            roster.rows.len(),
        ))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let (changes, rows) = parsed;
    let lines: Vec<Value> = changes
        .iter()
        .map(|(line, c)| json!({"line": line, "command": c}))
        .collect();
    if changes.is_empty() {
        return Ok((
            StatusCode::OK,
            Json(
                json!({"rows": rows, "changes": [], "message": "the organization already matches the roster"}),
            ),
        ));
    }
    let commands: Vec<Command> = changes.iter().map(|(_, c)| c.clone()).collect();
    let query = CommandQuery {
        expected_version: None,
        dry_run: q.dry_run,
        on: None,
    };
    let actor = actor(&auth, &headers);
    let (status, Json(mut result)) = run_commands(&state, None, commands, query, None, actor)
        .await
        .map_err(|mut e| {
            // A broken rule names the roster line the command came from.
            if let Some(i) = e.body.index {
                if let Some((line, _)) = changes.get(i - 1) {
                    e.body.message = format!("line {line}: {}", e.body.message);
                }
            }
            e
        })?;
    result["rows"] = json!(rows);
    result["changes"] = Value::Array(lines);
    Ok((status, Json(result)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FeedQuery {
    /// A token's secret: a feed token (`baton token create --role feed`), made for a
    /// calendar application's subscription URL, or any other token.
    token: String,
}

/// The token of a feed's URL, if it may read `program` (`None`: every program it may).
fn feed_auth(state: &AppState, token: &str, program: Option<&str>) -> Result<Auth, ApiError> {
    let auth = state.bearer(token.trim())?;
    if let Some(p) = program {
        auth.require_program(p)?;
    }
    Ok(auth)
}

/// `NAME.ics` → `NAME`.
fn feed_name(file: &str) -> Result<&str, ApiError> {
    file.strip_suffix(".ics")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::malformed("file", format!("{file:?}: expected NAME.ics")))
}

async fn feed(
    state: &AppState,
    program: Option<String>,
    person: Option<String>,
    only: Vec<String>,
) -> Result<Response, ApiError> {
    let mut reader = state.reader();
    let (text, head) = tokio::task::spawn_blocking(move || {
        reader.calendar(program.as_deref(), person.as_deref(), &only, None)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(calendar_response(text, &head))
}

/// An iCalendar document, with the head it was made from.
fn calendar_response(text: String, head: &crate::store::LogHead) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        text,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}:{}",
        head.last_seq,
        record::hex(&head.head_hash)
    )) {
        response.headers_mut().insert("x-baton-head", v);
    }
    response
}

/// A program's sessions, coaching sessions and follow-ups as an iCalendar (RFC 5545) feed to
/// subscribe to, as `baton export PROGRAM --format ics` writes it. The token is in the URL,
/// as calendar applications need; a feed token opens nothing else.
#[utoipa::path(get, path = "/feeds/programs/{file}", tag = "feeds",
    params(("file" = String, Path, description = "`PROGRAM.ics`"), FeedQuery),
    responses((status = 200, description = "The feed", content_type = "text/calendar", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn program_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Q(q): Q<FeedQuery>,
) -> Result<Response, ApiError> {
    let slug = feed_name(&file)?.to_string();
    feed_auth(&state, &q.token, Some(&slug))?;
    feed(&state, Some(slug), None, Vec::new()).await
}

/// One person's items (sessions they teach or attend, coaching, follow-ups) across the
/// programs the token may read, as an iCalendar feed to subscribe to.
#[utoipa::path(get, path = "/feeds/people/{file}", tag = "feeds",
    params(("file" = String, Path, description = "`PERSON.ics`"), FeedQuery),
    responses((status = 200, description = "The feed", content_type = "text/calendar", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn person_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Q(q): Q<FeedQuery>,
) -> Result<Response, ApiError> {
    let person = feed_name(&file)?.to_string();
    let auth = feed_auth(&state, &q.token, None)?;
    feed(&state, None, Some(person), auth.who.programs.clone()).await
}

/// Who is asking, with which role, and the day the server shows.
#[utoipa::path(get, path = "/api/session", tag = "auth",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn session(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>, ApiError> {
    let live = state.inner.live.read();
    let org = live.organization_name();
    Ok(Json(json!({
        "name": auth.who.name,
        "role": auth.who.role,
        "programs": auth.who.programs,
        "organization": org,
        "as_of": state.inner.at.map(|t| t.to_string()),
    })))
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document of this server", body = Object)))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct LoginQuery {
    /// The one-time code of the link `baton serve` printed.
    code: Option<String>,
    /// Any API token.
    token: Option<String>,
}

/// Logs a browser in (sets an HttpOnly, SameSite=Strict session cookie) with the one-time
/// code `serve` printed or any API token; without either, a page to paste a token into.
#[utoipa::path(get, path = "/login", tag = "auth", params(LoginQuery),
    responses((status = 303, description = "Logged in: to the program list"), (status = 200, description = "The login page", content_type = "text/html", body = String),
        (status = 401, description = "The login page again, saying why the code or token was refused", content_type = "text/html", body = String)))]
async fn login(State(state): State<AppState>, Q(q): Q<LoginQuery>) -> Result<Response, ApiError> {
    let who = match (q.code, q.token) {
        (Some(code), _) => {
            if !state.sessions().take_code(&code) {
                return Ok(login_refused(
                    "This login link was used already or has expired: restart `baton serve` for a new one, or paste a token.",
                ));
            }
            crate::access::Principal {
                token: "login".into(),
                role: Role::Admin,
                name: "admin".into(),
                programs: Vec::new(),
            }
        }
        (None, Some(token)) => {
            match state.bearer(token.trim()) {
                Ok(auth) if auth.who.role == Role::Feed => return Ok(login_refused(
                    "A feed token only reads calendar feeds; log in with a token of another role.",
                )),
                Ok(auth) => auth.who,
                Err(e) => return Ok(login_refused(&e.body.message)),
            }
        }
        (None, None) => return Ok(Html(crate::web::login_page(None).into_string()).into_response()),
    };
    let id = state.sessions().open(who)?;
    let secure = if state.inner.secure { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        auth::SESSION_TTL.as_secs()
    );
    let mut response = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// Ends the browser's session.
#[utoipa::path(post, path = "/logout", tag = "auth",
    responses((status = 303, description = "Logged out: to the login page")))]
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = auth::cookie(&headers, COOKIE) {
        state.sessions().close(id);
    }
    let mut response = Redirect::to("/login").into_response();
    let cookie = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// The login page again, saying why the login failed (401).
fn login_refused(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Html(crate::web::login_page(Some(message)).into_string()),
    )
        .into_response()
}
