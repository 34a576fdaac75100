//! Who is asking: a bearer token, the server's local credential, or a session cookie set by
//! `/login`. Roles are checked before a body is read.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};

use super::error::ApiError;
use super::AppState;
use crate::access::{hash_secret, looks_like_secret, secret_from_bytes, Principal, Role};

/// The session cookie's name.
pub const COOKIE: &str = "baton_session";

/// How long a one-time login link is valid.
pub const LOGIN_CODE_TTL: Duration = Duration::from_secs(15 * 60);

/// How long a browser session lasts without use.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);

/// Sessions and one-time login codes, in memory (a restart logs browsers out).
#[derive(Default)]
pub struct Sessions {
    /// Session id hash → who, and when it was last used.
    by_id: HashMap<[u8; 32], (Principal, Instant)>,
    /// The one-time login code's hash and when it expires.
    code: Option<([u8; 32], Instant)>,
}

impl Sessions {
    /// Makes a fresh one-time login code (valid once, for [`LOGIN_CODE_TTL`]).
    pub fn new_code(&mut self) -> Result<String, ApiError> {
        let code = random_secret()?;
        self.code = Some((hash_secret(&code), Instant::now() + LOGIN_CODE_TTL));
        Ok(code)
    }

    /// Uses the one-time code: true once, if it is the code and has not expired.
    pub fn take_code(&mut self, code: &str) -> bool {
        let hash = hash_secret(code);
        match self.code {
            Some((stored, expires))
                if blake3::Hash::from(stored) == blake3::Hash::from(hash)
                    && Instant::now() < expires =>
            {
                self.code = None;
                true
            }
            _ => false,
        }
    }

    /// Opens a session for `who`; the cookie value is returned.
    pub fn open(&mut self, who: Principal) -> Result<String, ApiError> {
        let id = random_secret()?;
        let now = Instant::now();
        self.by_id
            .retain(|_, (_, used)| now.duration_since(*used) < SESSION_TTL);
        self.by_id.insert(hash_secret(&id), (who, now));
        Ok(id)
    }

    /// Who holds session `id`, if it is live.
    fn get(&mut self, id: &str) -> Option<Principal> {
        let now = Instant::now();
        let (who, used) = self.by_id.get_mut(&hash_secret(id))?;
        if now.duration_since(*used) >= SESSION_TTL {
            return None;
        }
        *used = now;
        Some(who.clone())
    }

    /// Ends session `id`.
    pub fn close(&mut self, id: &str) {
        self.by_id.remove(&hash_secret(id));
    }
}

/// 32 bytes of the operating system's randomness as a secret.
pub fn random_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(secret_from_bytes(&bytes))
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Who a request acts as.
#[derive(Clone, Debug)]
pub struct Auth {
    /// The principal.
    pub who: Principal,
    /// Whether the server's own local credential was used (it may name an actor).
    pub local: bool,
}

impl Auth {
    /// 403 unless the principal has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.who.has(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the {role} role; the token {:?} has the {} role",
                self.who.name, self.who.role
            )))
        }
    }

    /// 403 unless the principal may act on `program`.
    pub fn require_program(&self, program: &str) -> Result<(), ApiError> {
        if self.who.may_touch(program) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "the token {:?} is limited to the programs {}",
                self.who.name,
                self.who.programs.join(", ")
            )))
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Auth, ApiError> {
        let auth = Auth::of_request(parts, state)?;
        if auth.who.role == Role::Feed {
            return Err(ApiError::forbidden(
                "a feed token only reads the calendar feeds (/feeds/programs/PROGRAM.ics?token=… and /feeds/people/PERSON.ics?token=…)",
            ));
        }
        Ok(auth)
    }
}

impl Auth {
    fn of_request(parts: &Parts, state: &AppState) -> Result<Auth, ApiError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let text = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(|| {
                    ApiError::unauthorized("the Authorization header must be `Bearer TOKEN`")
                })?;
            return state.bearer(text);
        }
        if let Some(id) = cookie(&parts.headers, COOKIE) {
            let who = state.sessions().get(id).ok_or_else(|| {
                ApiError::unauthorized("the session has ended: log in again at /login")
            })?;
            let who = state.still_valid(who)?;
            // A browser's cookie rides along on any request a page elsewhere makes: writes
            // must come from our own pages.
            if !matches!(parts.method, Method::GET | Method::HEAD) {
                let origin = parts
                    .headers
                    .get(header::ORIGIN)
                    .and_then(|v| v.to_str().ok());
                if origin != Some(state.origin()) {
                    return Err(ApiError::forbidden(format!(
                        "a write with a session cookie must come from {} (Origin was {})",
                        state.origin(),
                        origin.unwrap_or("missing")
                    )));
                }
            }
            return Ok(Auth { who, local: false });
        }
        Err(ApiError::unauthorized(
            "no credentials: send `Authorization: Bearer TOKEN` (see `baton token create`) or log in at /login",
        ))
    }
}

impl AppState {
    /// Recognises a bearer token: the local credential or a live API token.
    pub fn bearer(&self, text: &str) -> Result<Auth, ApiError> {
        if !looks_like_secret(text) {
            return Err(ApiError::unauthorized(
                "the token is malformed: expected 43 characters of A-Z, a-z, 0-9, - and _",
            ));
        }
        let hash = hash_secret(text);
        // blake3::Hash compares in constant time.
        if blake3::Hash::from(hash) == blake3::Hash::from(self.inner.local) {
            return Ok(Auth {
                who: Principal {
                    token: "local".into(),
                    role: Role::Admin,
                    name: "local".into(),
                    programs: Vec::new(),
                },
                local: true,
            });
        }
        let who = self
            .inner
            .live
            .read()
            .access
            .by_hash(&hash)
            .ok_or_else(|| ApiError::unauthorized("unknown or revoked token"))?;
        Ok(Auth { who, local: false })
    }

    /// A session's principal, unless its token was revoked since it logged in.
    fn still_valid(&self, who: Principal) -> Result<Principal, ApiError> {
        if !who.token.starts_with("tok-") {
            return Ok(who);
        }
        let live = self.inner.live.read();
        match live.access.token(&who.token) {
            Some(t) if t.revoked_at.is_none() => Ok(who),
            _ => Err(ApiError::unauthorized(
                "the token of this session was revoked",
            )),
        }
    }
}
