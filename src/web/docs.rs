//! The reference documents (`docs/*.md`), built into the binary and served as pages, so that
//! every figure's definition is one click away, offline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::layout::{self, raw, Frame};
use super::{error_page, html, Viewer};
use crate::server::AppState;

/// The documents: the name in `/docs/{name}`, the title and the text.
const DOCS: [(&str, &str, &str); 4] = [
    (
        "dashboard",
        "Reading the dashboard",
        include_str!("../../docs/DASHBOARD.md"),
    ),
    (
        "model",
        "The simulator's model",
        include_str!("../../docs/MODEL.md"),
    ),
    (
        "commands",
        "Commands",
        include_str!("../../docs/COMMANDS.md"),
    ),
    (
        "integrity",
        "Integrity",
        include_str!("../../docs/INTEGRITY.md"),
    ),
];

/// `GET /docs/{name}`.
pub async fn page_of(state: &AppState, viewer: &Viewer, name: &str) -> Response {
    let Some((_, title, text)) = DOCS.iter().find(|(n, _, _)| *n == name) else {
        let known: Vec<&str> = DOCS.iter().map(|d| d.0).collect();
        return error_page(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("No document {name:?}: there are {}.", known.join(", ")),
        );
    };
    let frame = Frame::of(state, &viewer.0, None);
    html(layout::page(
        &frame,
        title,
        None,
        html! { article.doc { (raw(super::markdown::to_html(text))) } },
    ))
}

/// `GET /docs/{name}`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> Response {
    page_of(&state, &viewer, &name).await
}
