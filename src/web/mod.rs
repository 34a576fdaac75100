//! The web pages (`DESIGN.md` §7): server-rendered HTML on the same two paths as the API.
//!
//! A page handler checks who is asking (a session cookie from `/login`, or a bearer token),
//! reads through [`crate::query::Reader`] or writes through the API's own command runner, and
//! renders HTML with maud (escaped by default). Charts are SVG drawn by the pure functions of
//! [`charts`]. The only script, `/assets/baton.js`, keeps a dashboard live over the event
//! stream and adds nothing a page needs to work; styles and script are served by Baton
//! itself under a content security policy that allows nothing else.

// A page's error is the error page itself (a `Response`), returned once per request: boxing it
// would buy nothing.
#![allow(clippy::result_large_err)]

pub mod charts;
mod dashboard;
mod docs;
mod fields;
mod layout;
pub mod markdown;
mod pages;
mod record;
mod sim;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::Markup;

use crate::access::Role;
use crate::query::{Answer, QueryError, Reader};
use crate::server::auth::Auth;
use crate::server::error::ApiError;
use crate::server::AppState;

pub use layout::login_page;

/// The stylesheet, served at `/assets/baton.css`.
const CSS: &str = include_str!("assets/baton.css");
/// The script, served at `/assets/baton.js`.
const JS: &str = include_str!("assets/baton.js");
/// The icon, served at `/favicon.svg` (a browser asks for one on every site).
const ICON: &str = include_str!("assets/favicon.svg");

/// What a page may load: only Baton's own styles, script and images.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The page routes, merged with the API's.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::programs))
        .route("/programs/{id}", get(dashboard::page))
        .route("/programs/{id}/history", get(pages::history))
        .route("/programs/{id}/plan", get(pages::action_plan))
        .route("/programs/{id}/record", get(record::index))
        .route(
            "/programs/{id}/record/{command}",
            get(record::form).post(record::submit),
        )
        .route(
            "/programs/{id}/sessions/{session}/hold",
            get(record::hold_form).post(record::hold_submit),
        )
        .route("/risk", get(pages::risk))
        .route("/people/{id}", get(pages::journey))
        .route("/simulate", get(sim::simulate))
        .route("/rehearse", get(sim::rehearse))
        .route("/tokens", get(pages::tokens).post(pages::create_token))
        .route("/tokens/{id}/revoke", post(pages::revoke_token))
        .route("/docs/{name}", get(docs::page))
        .route("/assets/baton.css", get(css))
        .route("/assets/baton.js", get(js))
        .route("/favicon.svg", get(icon))
        .route("/favicon.ico", get(icon))
}

/// Adds the security headers to every response (pages and API alike).
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

async fn icon() -> Response {
    asset("image/svg+xml", ICON)
}

/// A page for a path nobody serves.
pub fn not_found(uri: &Uri) -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Not found",
        &format!("There is no page at {}.", uri.path()),
    )
}

/// A page that says what went wrong, with the status it deserves.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    (status, Html(layout::bare(title, message).into_string())).into_response()
}

/// Who is looking at a page. Without a live session the browser is sent to the login page.
pub struct Viewer(pub Auth);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        match Auth::from_request_parts(parts, state).await {
            Ok(auth) => Ok(Viewer(auth)),
            Err(e) if e.status == StatusCode::UNAUTHORIZED => {
                Err(Redirect::to("/login").into_response())
            }
            Err(e) => Err(failure(e)),
        }
    }
}

/// An API error as a page.
pub fn failure(e: ApiError) -> Response {
    let title = match e.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::BAD_REQUEST => "Not understood",
        StatusCode::CONFLICT => "Changed meanwhile",
        StatusCode::UNPROCESSABLE_ENTITY => "Refused",
        _ => "Something went wrong",
    };
    let message = match &e.body.field {
        Some(field) => format!("{field}: {}", e.body.message),
        None => e.body.message.clone(),
    };
    error_page(e.status, title, &message)
}

/// Reads through the one read path, off the async threads.
async fn read(
    state: &AppState,
    f: impl FnOnce(&mut Reader) -> Result<Answer, QueryError> + Send + 'static,
) -> Result<Answer, Response> {
    crate::server::read(state, f).await.map_err(failure)
}

/// A page's response.
fn html(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}

/// 403 as a page unless the viewer has `role`.
fn require(auth: &Auth, role: Role) -> Result<(), Response> {
    auth.require(role).map_err(failure)
}

/// The JSON text of `v[key]` when it is a string, else "".
fn text<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// `v[key]` as a whole number (0 when missing).
fn num(v: &serde_json::Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or(0)
}

/// `v[key]` as a number (0 when missing).
fn float(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(0.0)
}

/// `v[key]` as a percentage, or a dash when it is null: a figure that cannot be computed
/// yet (no session held, nobody practised) is not zero, and must not read as zero.
fn share(v: &serde_json::Value, key: &str) -> String {
    v[key].as_f64().map_or_else(|| "–".to_string(), percent)
}

/// `v[key]` as a whole number, or a dash when it is null (as [`share`]).
fn count(v: &serde_json::Value, key: &str) -> String {
    v[key]
        .as_u64()
        .map_or_else(|| "–".to_string(), |n| n.to_string())
}

/// A share as a percentage with one decimal.
fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// A path segment or query value, percent-encoded.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
