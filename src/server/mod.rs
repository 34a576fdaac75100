//! `baton serve`: the HTTP API (`DESIGN.md` §7) over one open store, with the projections
//! kept live in memory ([`crate::query::Live`]).
//!
//! Every interface goes through the same two paths: writes through [`App::run`], reads
//! through [`Reader`]; a handler parses, checks the role, calls one of them and renders JSON.
//! The router and the OpenAPI document are built from one registration (utoipa-axum), so
//! they cannot drift.

mod api;
pub mod auth;
pub mod error;
mod stream;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::access::hash_secret;
use crate::app::App;
use crate::domain::Timestamp;
use crate::query::{Live, Reader};
use crate::store::SledStore;

pub use api::MAX_RUNS;
pub(crate) use api::{
    actor, grant, read, revoke, run_commands, run_simulation, CommandQuery, SimulateBody,
};
pub use api::{openapi, router};

/// How long shutdown waits for in-flight requests before the process exits anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(4_000);

/// The file in the data directory that tells a CLI how to reach the running server.
pub const SERVER_FILE: &str = "server.json";

/// What a running server needs.
pub struct Inner {
    /// The one write path.
    pub app: App,
    /// The sled store itself (verify reads its indexes).
    pub sled: Arc<SledStore>,
    /// The live projections.
    pub live: Arc<Live>,
    /// Business time the server runs at (`--as-of`); `None`: the clock's now.
    pub at: Option<Timestamp>,
    /// BLAKE3 of the local credential kept in the data directory.
    pub local: [u8; 32],
    /// Browser sessions and the one-time login code.
    pub sessions: Mutex<auth::Sessions>,
    /// Commands hold it shared; an erasure or an import holds it alone, so nothing is written
    /// while sled's folder is rewritten.
    pub writes: tokio::sync::RwLock<()>,
    /// Cancelled when the server shuts down: open event streams end.
    pub shutdown: CancellationToken,
    /// The origin our pages are served from (`http://127.0.0.1:7878` or the public URL).
    pub origin: String,
    /// Whether cookies are `Secure` (served behind HTTPS).
    pub secure: bool,
}

/// The state every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Everything.
    pub inner: Arc<Inner>,
}

impl AppState {
    /// A reader of the live projections.
    pub fn reader(&self) -> Reader {
        Reader::live(
            self.inner.app.clone(),
            self.inner.live.clone(),
            self.inner.at,
        )
    }

    /// The sessions (a std lock, never held across an `.await`).
    pub fn sessions(&self) -> std::sync::MutexGuard<'_, auth::Sessions> {
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The expected `Origin` of cookie-authenticated writes.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }
}

/// How to run a server.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The data directory.
    pub data: PathBuf,
    /// Where to listen.
    pub addr: SocketAddr,
    /// The URL users reach it at, when not on loopback (behind a reverse proxy with HTTPS).
    pub public_url: Option<String>,
    /// Business time to run at.
    pub at: Option<Timestamp>,
}

/// The local credential file's content.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ServerFile {
    /// The base URL of the running server.
    pub url: String,
    /// Its process id.
    pub pid: u32,
    /// The local admin credential (a bearer token valid while this server runs).
    pub credential: String,
}

/// Builds the state of a server over an opened store.
pub fn state(
    app: App,
    sled: Arc<SledStore>,
    at: Option<Timestamp>,
    origin: String,
    secure: bool,
    local_credential: &str,
) -> Result<AppState, crate::app::AppError> {
    let live = Live::load(&app)?;
    Ok(AppState {
        inner: Arc::new(Inner {
            app,
            sled,
            live,
            at,
            local: hash_secret(local_credential),
            sessions: Mutex::new(auth::Sessions::default()),
            writes: tokio::sync::RwLock::new(()),
            shutdown: CancellationToken::new(),
            origin,
            secure,
        }),
    })
}

/// Folds each committed event into the live projections until shutdown.
pub fn spawn_follower(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let inner = &state.inner;
        loop {
            let mut told = inner.app.store().notifier();
            let app = inner.app.clone();
            let live = inner.live.clone();
            let caught = tokio::task::spawn_blocking(move || live.catch_up(&app)).await;
            if let Ok(Err(e)) = caught {
                eprintln!("error: the live projections could not fold the log: {e}");
            }
            tokio::select! {
                _ = told.recv() => {}
                () = inner.shutdown.cancelled() => break,
            }
        }
    })
}

/// Writes the local credential file, readable only by its owner.
pub fn write_server_file(data: &Path, file: &ServerFile) -> std::io::Result<()> {
    use std::io::Write;
    let path = data.join(SERVER_FILE);
    let tmp = data.join(format!("{SERVER_FILE}.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp)?;
    f.write_all(&serde_json::to_vec_pretty(file).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)
}

/// Reads the local credential file of a running server, if there is one.
pub fn read_server_file(data: &Path) -> Option<ServerFile> {
    let bytes = std::fs::read(data.join(SERVER_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Serves `router` on `listener` until `shutdown` is cancelled; then open streams end,
/// in-flight requests get [`SHUTDOWN_GRACE`] to finish, and it returns.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let signal = shutdown.clone();
    // Responses go out as soon as they are written: without TCP_NODELAY the last part of a
    // response can wait for the client's acknowledgement of the part before.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        signal.cancelled().await;
    });
    let server = std::pin::pin!(std::future::IntoFuture::into_future(server));
    tokio::select! {
        r = server => r,
        () = async {
            shutdown.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {
            eprintln!("shutdown: requests still open after {} s were dropped", SHUTDOWN_GRACE.as_secs());
            Ok(())
        }
    }
}

/// Resolves when the process gets SIGINT or SIGTERM.
pub async fn termination() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
