//! Identifiers: slugs, streams and the two kinds of stream.
//!
//! Every id in Baton (programs, people, skills, modules, sessions, follow-ups, pairs,
//! assignments) is a client-chosen *slug*: 1 to 64 characters from `[a-z0-9-]`. The core never
//! generates ids, so a command retried by a client decides the same events.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest slug allowed.
pub const MAX_SLUG_LEN: usize = 64;

/// Whether `s` is a valid slug: 1 to 64 characters, each a lowercase ASCII letter, a digit or `-`.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Which kind of stream an event belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    /// The single `organization` stream: people, skills, assessments, the time zone.
    Organization,
    /// One `program-<slug>` stream per program.
    Program,
}

/// The name of a stream: `organization` or `program-<slug>`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StreamId(String);

/// Why a stream name is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid stream {value:?}: expected `organization` or `program-<slug>` with slug [a-z0-9-]{{1,64}}")]
pub struct StreamIdError {
    /// The rejected text.
    pub value: String,
}

impl StreamId {
    /// The name of the organization stream.
    pub const ORGANIZATION: &'static str = "organization";

    /// The organization stream.
    pub fn organization() -> StreamId {
        StreamId(Self::ORGANIZATION.to_string())
    }

    /// The stream of the program with this slug; `None` if the slug is invalid.
    pub fn program(slug: &str) -> Option<StreamId> {
        is_slug(slug).then(|| StreamId(format!("program-{slug}")))
    }

    /// Parses and validates a stream name.
    pub fn parse(s: &str) -> Result<StreamId, StreamIdError> {
        if s == Self::ORGANIZATION {
            return Ok(StreamId::organization());
        }
        s.strip_prefix("program-")
            .and_then(StreamId::program)
            .ok_or_else(|| StreamIdError {
                value: s.to_string(),
            })
    }

    /// The kind of this stream.
    pub fn kind(&self) -> StreamKind {
        if self.0 == Self::ORGANIZATION {
            StreamKind::Organization
        } else {
            StreamKind::Program
        }
    }

    /// The program slug, for a program stream.
    pub fn program_slug(&self) -> Option<&str> {
        self.0.strip_prefix("program-")
    }

    /// The stream name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_slug("a"));
        assert!(is_slug("catalogue-2026"));
        assert!(is_slug(&"a".repeat(64)));
        for bad in ["", "A", "a_b", "a b", "é", &"a".repeat(65)] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }

    #[test]
    fn streams() {
        assert_eq!(
            StreamId::parse("organization").unwrap().kind(),
            StreamKind::Organization
        );
        let p = StreamId::parse("program-cat-2026").unwrap();
        assert_eq!(p.kind(), StreamKind::Program);
        assert_eq!(p.program_slug(), Some("cat-2026"));
        for bad in ["program-", "program-A", "programs-x", "org"] {
            assert!(StreamId::parse(bad).is_err(), "{bad}");
        }
    }
}
