//! Who may do what: API tokens, their roles, and the `access` stream that records them.
//!
//! **Core.** A token is 32 random bytes written in `[A-Za-z0-9_-]` (base64url, 43 characters);
//! only its BLAKE3 hash is stored, as a `TokenGranted` event of the `access` stream, so grants
//! and revocations are audited like every other change and a backup holds no secret. The
//! randomness comes from the shell; this module folds the stream and decides permissions.
//!
//! Roles are ordered, each including the one below it:
//!
//! | role | may |
//! |---|---|
//! | viewer | read every view of the programs it may see; run simulations (they write nothing) |
//! | trainer | record sessions, attendance, practice, evaluations, follow-ups, coaching and assignments, in the programs its token names (all when none) |
//! | coordinator | create and plan programs, organization commands and rosters, commitments, voids and corrections, exports |
//! | admin | tokens, erase, import, verify |

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::domain::{Command, EventMeta, Timestamp};

/// The stream of token grants and revocations.
pub const ACCESS_STREAM: &str = "access";

/// The event types of the access stream, with their schema.
pub const ACCESS_EVENTS: [(&str, u32); 2] = [("TokenGranted", 1), ("TokenRevoked", 1)];

/// A role, ordered: each includes every role below it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads only the calendar feeds of its programs (`/feeds/…?token=`): its secret is meant
    /// for a calendar application's subscription URL, so it opens nothing else.
    Feed,
    /// Reads every view of its programs; runs simulations.
    Viewer,
    /// Records the everyday work of a program (sessions, practice, evaluations, follow-ups,
    /// coaching, assignments).
    Trainer,
    /// Creates and plans programs; organization commands, commitments, voids, exports.
    Coordinator,
    /// Tokens, erasure, import, verify.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 5] = [
        Role::Feed,
        Role::Viewer,
        Role::Trainer,
        Role::Coordinator,
        Role::Admin,
    ];

    /// The role's name (`viewer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Feed => "feed",
            Role::Viewer => "viewer",
            Role::Trainer => "trainer",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
        }
    }

    /// Parses a role name.
    pub fn parse(text: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown role {text:?}: expected feed, viewer, trainer, coordinator or admin"
                )
            })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The least role that may send a command.
pub fn role_for_command(command: &Command) -> Role {
    use Command::*;
    match command {
        ScheduleSession(_)
        | RescheduleSession(_)
        | InviteToSession(_)
        | CancelSession(_)
        | HoldSession(_)
        | LogPractice(_)
        | RecordEvaluation(_)
        | ScheduleFollowUp(_)
        | CompleteFollowUp(_)
        | Congratulate(_)
        | AssessNeeds(_)
        | RecordBaseline(_)
        | SetPriorities(_)
        | ScheduleCoachingSession(_)
        | RescheduleCoachingSession(_)
        | CancelCoachingSession(_)
        | HoldCoachingSession(_)
        | GiveAssignment(_)
        | CompleteAssignment(_) => Role::Trainer,
        ErasePerson(_) => Role::Admin,
        _ => Role::Coordinator,
    }
}

/// `TokenGranted`: a token was made; only the hash of its secret is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenGranted {
    /// The token's public id (`tok-…`), used to list and revoke it.
    pub token: String,
    /// BLAKE3 of the secret, in hex.
    pub hash: String,
    /// Its role.
    pub role: Role,
    /// A name for people (who or what uses it); events written with it carry it as actor.
    pub name: String,
    /// The programs it may act on (empty: all).
    #[serde(default)]
    pub programs: Vec<String>,
}

/// `TokenRevoked`: a token no longer works.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRevoked {
    /// The token's public id.
    pub token: String,
}

/// An event of the access stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessEvent {
    /// See [`TokenGranted`].
    Granted(TokenGranted),
    /// See [`TokenRevoked`].
    Revoked(TokenRevoked),
}

impl AccessEvent {
    /// The event's type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            AccessEvent::Granted(_) => "TokenGranted",
            AccessEvent::Revoked(_) => "TokenRevoked",
        }
    }

    /// Decodes a stored access event; the error names the field.
    pub fn decode(
        event_type: &str,
        schema: u32,
        data: &serde_json::Value,
    ) -> Result<AccessEvent, String> {
        if schema != 1 {
            return Err(format!(
                "{event_type}: unknown schema {schema} (expected 1)"
            ));
        }
        let field = |e: serde_path_to_error::Error<serde_json::Error>| {
            format!("{event_type}.{}: {}", e.path(), e.inner())
        };
        match event_type {
            "TokenGranted" => serde_path_to_error::deserialize(data)
                .map(AccessEvent::Granted)
                .map_err(field),
            "TokenRevoked" => serde_path_to_error::deserialize(data)
                .map(AccessEvent::Revoked)
                .map_err(field),
            other => Err(format!(
                "unknown event type {other:?} in the access stream (expected TokenGranted or TokenRevoked)"
            )),
        }
    }

    /// The event's data as JSON.
    pub fn to_data(&self) -> serde_json::Value {
        match self {
            AccessEvent::Granted(e) => serde_json::to_value(e),
            AccessEvent::Revoked(e) => serde_json::to_value(e),
        }
        .unwrap_or(serde_json::Value::Null)
    }
}

/// A token as listed (never its secret nor its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenInfo {
    /// Public id.
    pub token: String,
    /// Role.
    pub role: Role,
    /// Name (the actor of what it writes).
    pub name: String,
    /// Programs it may act on (empty: all).
    pub programs: Vec<String>,
    /// When it was made.
    #[schema(value_type = String)]
    pub granted_at: Timestamp,
    /// Who made it.
    pub granted_by: String,
    /// When it was revoked, if it was.
    #[schema(value_type = Option<String>)]
    pub revoked_at: Option<Timestamp>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
}

/// Who a request acts as, once its token is recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's id (`local` for the server's own credential, `login` for a one-time link).
    pub token: String,
    /// Its role.
    pub role: Role,
    /// Its name: the actor of the events it writes.
    pub name: String,
    /// The programs it may act on (empty: all).
    pub programs: Vec<String>,
}

impl Principal {
    /// Whether it has at least `role`.
    pub fn has(&self, role: Role) -> bool {
        self.role >= role
    }

    /// Whether it may act on `program` (a token naming programs is limited to them; admins
    /// and coordinators are not limited in reading, only in what their token names).
    pub fn may_touch(&self, program: &str) -> bool {
        self.programs.is_empty() || self.programs.iter().any(|p| p == program)
    }
}

/// The access stream folded: every token by id, and the live ones by hash.
#[derive(Clone, Debug, Default)]
pub struct Access {
    tokens: BTreeMap<String, TokenInfo>,
    by_hash: HashMap<[u8; 32], String>,
}

impl Access {
    /// Folds one access event.
    pub fn apply(&mut self, meta: &EventMeta, event: &AccessEvent) {
        match event {
            AccessEvent::Granted(g) => {
                let Some(hash) = parse_hash(&g.hash) else {
                    return;
                };
                self.by_hash.insert(hash, g.token.clone());
                self.tokens.insert(
                    g.token.clone(),
                    TokenInfo {
                        token: g.token.clone(),
                        role: g.role,
                        name: g.name.clone(),
                        programs: g.programs.clone(),
                        granted_at: meta.recorded_at,
                        granted_by: meta.actor.clone(),
                        revoked_at: None,
                        revoked_by: None,
                    },
                );
            }
            AccessEvent::Revoked(r) => {
                self.by_hash.retain(|_, id| *id != r.token);
                if let Some(t) = self.tokens.get_mut(&r.token) {
                    t.revoked_at = Some(meta.recorded_at);
                    t.revoked_by = Some(meta.actor.clone());
                }
            }
        }
    }

    /// Every token ever made, by id.
    pub fn tokens(&self) -> Vec<TokenInfo> {
        self.tokens.values().cloned().collect()
    }

    /// One token by id.
    pub fn token(&self, id: &str) -> Option<&TokenInfo> {
        self.tokens.get(id)
    }

    /// The live token whose secret hashes to `hash`. The map's key comparison is on the
    /// hash of the secret, so a guess learns nothing about a stored secret.
    pub fn by_hash(&self, hash: &[u8; 32]) -> Option<Principal> {
        let id = self.by_hash.get(hash)?;
        let t = self.tokens.get(id)?;
        Some(Principal {
            token: t.token.clone(),
            role: t.role,
            name: t.name.clone(),
            programs: t.programs.clone(),
        })
    }
}

/// A token's secret hashed as stored.
pub fn hash_secret(secret: &str) -> [u8; 32] {
    *blake3::hash(secret.as_bytes()).as_bytes()
}

/// Writes 32 random bytes as a token secret: base64url without padding (43 characters of
/// `[A-Za-z0-9_-]`).
pub fn secret_from_bytes(bytes: &[u8; 32]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(43);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(ALPHABET[((acc >> bits) & 63) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (6 - bits)) & 63) as usize]));
    }
    out
}

/// Whether text has the shape of a token secret (so a malformed one is told apart from an
/// unknown one only by length and alphabet, never by what is stored).
pub fn looks_like_secret(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn parse_hash(text: &str) -> Option<[u8; 32]> {
    let bytes = crate::store::record::parse_hex(text)?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_43_url_safe_characters() {
        let s = secret_from_bytes(&[0xff; 32]);
        assert_eq!(s.len(), 43);
        assert!(looks_like_secret(&s));
        assert_eq!(secret_from_bytes(&[0; 32]), "A".repeat(43));
        assert!(!looks_like_secret("short"));
        assert!(!looks_like_secret(&"a".repeat(42).replace('a', "+")));
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.max(Role::Viewer) == Role::Admin);
        assert!(Role::Trainer > Role::Viewer && Role::Coordinator > Role::Trainer);
        assert!(Role::Viewer > Role::Feed);
        assert_eq!(Role::parse("feed"), Ok(Role::Feed));
        assert_eq!(Role::parse("coordinator"), Ok(Role::Coordinator));
        assert!(Role::parse("boss").unwrap_err().contains("viewer"));
    }
}
