//! `GET /api/events/stream`: server-sent events of the log, resumable from a seq.
//!
//! Each stream reads the log itself from its own position (catch-up), then waits for the
//! store's commit notices: a slow client only falls behind in its own task, writers never
//! wait for it, and a notice missed while lagging costs a read, never an event. An event's
//! SSE id is its seq, so a reconnect with `Last-Event-ID` (or `?after=`) resumes with the next
//! one: no gap, no duplicate.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use serde::Deserialize;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::IntoParams;

use super::api::Q;
use super::auth::Auth;
use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::access::{Principal, Role, ACCESS_STREAM};
use crate::store::ORGANIZATION_STREAM;

/// Events read from the log per step of a stream's catch-up.
const BATCH: usize = 256;

/// Whether a principal may see events of `stream`: the access stream is for admins; a token
/// limited to some programs sees the organization and those programs.
pub fn may_see(who: &Principal, stream: &str) -> bool {
    if stream == ACCESS_STREAM {
        return who.has(Role::Admin);
    }
    if stream == ORGANIZATION_STREAM {
        return true;
    }
    stream
        .strip_prefix("program-")
        .is_some_and(|slug| who.may_touch(slug))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct StreamQuery {
    /// Start after this seq (default: the head, only new events). `Last-Event-ID` wins.
    #[param(minimum = 0, maximum = 9007199254740991_u64)]
    after: Option<u64>,
}

/// New events as they are committed (`text/event-stream`): each SSE event has the seq as its
/// id, the event type as its name, and the export line as its data.
#[utoipa::path(get, path = "/api/events/stream", tag = "events",
    params(StreamQuery, ("Last-Event-ID" = Option<u64>, Header, minimum = 0, maximum = 9007199254740991_u64, description = "Resume after this seq (a reconnecting EventSource sends it)")),
    responses((status = 200, description = "Server-sent events", content_type = "text/event-stream", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(super) async fn events_stream(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<StreamQuery>,
    headers: HeaderMap,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    auth.require(Role::Viewer)?;
    let resume = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::malformed("Last-Event-ID", "expected a seq (a whole number)")
                })?,
        ),
        None => None,
    };
    let mut position = resume
        .or(q.after)
        .unwrap_or_else(|| state.inner.app.store().head().last_seq);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(BATCH);
    let who = auth.who.clone();
    tokio::spawn(async move {
        let inner = &state.inner;
        loop {
            // Subscribed before reading, so a commit between the read and the wait is noticed.
            let mut told = inner.app.store().notifier();
            let store = inner.app.store().clone();
            let from = position + 1;
            let batch = tokio::task::spawn_blocking(move || store.read_all(from, BATCH)).await;
            let Ok(Ok(batch)) = batch else {
                break;
            };
            let full = batch.len() == BATCH;
            for record in batch {
                position = record.seq();
                if !may_see(&who, record.stream()) {
                    continue;
                }
                let data = String::from_utf8_lossy(&record.to_line()).into_owned();
                let event = Event::default()
                    .id(record.seq().to_string())
                    .event(record.event_type())
                    .data(data);
                tokio::select! {
                    sent = tx.send(Ok(event)) => if sent.is_err() { return },
                    () = inner.shutdown.cancelled() => return,
                }
            }
            if full {
                continue;
            }
            tokio::select! {
                _ = told.recv() => {}
                () = tx.closed() => return,
                () = inner.shutdown.cancelled() => return,
            }
        }
    });
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
