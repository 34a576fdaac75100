//! Tokens through the one write path: grants and revocations are events of the `access`
//! stream, appended with the stream's version as the expected version (two admins revoking
//! at once cannot both succeed on a stale view).

use super::{App, AppError};
use crate::access::{
    hash_secret, secret_from_bytes, Access, AccessEvent, Role, TokenGranted, TokenInfo,
    TokenRevoked, ACCESS_STREAM,
};
use crate::store::{AppendRequest, NewEvent};

/// A token just made: its listing and its secret, shown this once.
#[derive(Clone, Debug)]
pub struct NewToken {
    /// What `token list` shows of it.
    pub info: TokenInfo,
    /// The secret, `[A-Za-z0-9_-]{43}`; only its hash is stored.
    pub secret: String,
}

/// A stored event of the access stream, decoded.
pub fn access_event(ev: &crate::store::RecordedEvent) -> Result<AccessEvent, AppError> {
    let data = ev.data_value().map_err(|e| AppError::Decode {
        seq: ev.seq(),
        message: e.0,
    })?;
    AccessEvent::decode(ev.event_type(), ev.schema(), &data).map_err(|message| AppError::Decode {
        seq: ev.seq(),
        message,
    })
}

/// The longest token name (it becomes the actor of what the token writes).
pub const MAX_TOKEN_NAME: usize = 100;

impl App {
    /// The access stream folded, with its version.
    pub fn access(&self) -> Result<(Access, u64), AppError> {
        let mut access = Access::default();
        let mut version = 0;
        for ev in self.store.read_stream(ACCESS_STREAM, 1)? {
            version = ev.version();
            access.apply(&super::meta_of(&ev), &access_event(&ev)?);
        }
        Ok((access, version))
    }

    /// Makes a token with `role` for `name`, limited to `programs` (none: all), from 32 bytes
    /// of the operating system's randomness, and records its hash.
    pub fn grant_token(
        &self,
        role: Role,
        name: &str,
        programs: &[String],
        actor: &str,
    ) -> Result<NewToken, AppError> {
        let mut secret = [0u8; 32];
        let mut id = [0u8; 6];
        getrandom::getrandom(&mut secret)
            .and_then(|()| getrandom::getrandom(&mut id))
            .map_err(|e| AppError::Invalid(format!("no randomness for a token: {e}")))?;
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_TOKEN_NAME
            || name.chars().any(char::is_control)
        {
            return Err(AppError::Invalid(format!(
                "name: expected 1 to {MAX_TOKEN_NAME} printable characters, got {name:?}"
            )));
        }
        for p in programs {
            if !self.program_exists(p)? {
                return Err(AppError::UnknownProgram(p.clone()));
            }
        }
        let (_, version) = self.access()?;
        let token = format!(
            "tok-{}",
            id.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let secret = secret_from_bytes(&secret);
        let granted = TokenGranted {
            token: token.clone(),
            hash: crate::store::record::hex(&hash_secret(&secret)),
            role,
            name: name.to_string(),
            programs: programs.to_vec(),
        };
        self.append_access(AccessEvent::Granted(granted), version, actor)?;
        let (access, _) = self.access()?;
        let info = access
            .token(&token)
            .cloned()
            .ok_or_else(|| AppError::UnknownToken(token.clone()))?;
        Ok(NewToken { info, secret })
    }

    /// Revokes a live token.
    pub fn revoke_token(&self, token: &str, actor: &str) -> Result<TokenInfo, AppError> {
        let (access, version) = self.access()?;
        let info = access
            .token(token)
            .ok_or_else(|| AppError::UnknownToken(token.to_string()))?;
        if info.revoked_at.is_some() {
            return Err(AppError::Invalid(format!(
                "token {token} is already revoked"
            )));
        }
        let revoked = TokenRevoked {
            token: token.to_string(),
        };
        self.append_access(AccessEvent::Revoked(revoked), version, actor)?;
        let (access, _) = self.access()?;
        access
            .token(token)
            .cloned()
            .ok_or_else(|| AppError::UnknownToken(token.to_string()))
    }

    fn append_access(&self, event: AccessEvent, version: u64, actor: &str) -> Result<(), AppError> {
        let new = NewEvent::new(ACCESS_STREAM, event.type_name(), 1, event.to_data());
        let request = AppendRequest::new(actor, vec![new]).expect(ACCESS_STREAM, version);
        self.store.append(request)?;
        Ok(())
    }
}
