//! The domain: programs, people, skills; commands, events and rules. Pure: no IO, no clock.
//!
//! - [`events`]: every fact, in the past tense; [`codec`]: their wire form and upcasting.
//! - [`commands`]: what users ask for, in the imperative, with examples.
//! - [`organization`] and [`program`]: state folded from events (`apply` only folds).
//! - [`decide()`]: the rules: command + state + now → events or a [`DomainError`].
//! - [`retention`]: the forgetting-curve sub-model (MODEL.md §1).
//!
//! # Example: one write, as the application does it
//!
//! Load the states, decide, append the events to the streams they name (guarding the versions
//! read), then fold them back.
//!
//! ```
//! use baton::domain::{decide, encode, Command, EventMeta, Organization, Timestamp};
//! use serde_json::json;
//!
//! let mut org = Organization::default();
//! let now = Timestamp::parse_strict("2026-03-01T09:00:00.000000Z").unwrap();
//! let cmd = Command::from_json(&json!({
//!     "type": "ConfigureOrganization", "name": "Riverside Library", "time_zone": "Europe/Paris"
//! }))
//! .unwrap();
//! let decision = decide(&org, None, &cmd, now).unwrap();
//! let decided = &decision.events[0];
//! assert_eq!(decided.stream.as_str(), "organization");
//! let wire = encode(&decided.event); // what the store writes: type, schema, data
//! assert_eq!((wire.event_type, wire.schema), ("OrganizationConfigured", 1));
//! let meta = EventMeta {
//!     seq: 1,
//!     stream: decided.stream.to_string(),
//!     version: 1,
//!     id: uuid::Uuid::nil(),
//!     recorded_at: now,
//!     occurred_at: now,
//!     actor: "coordinator".into(),
//! };
//! org.apply(&meta, &decided.event);
//! assert_eq!(org.time_zone.as_deref(), Some("Europe/Paris"));
//! ```

pub mod codec;
pub mod commands;
pub mod decide;
pub mod error;
pub mod events;
mod fold;
pub mod ids;
pub mod meta;
pub mod organization;
pub mod program;
pub mod retention;
pub mod time;

#[cfg(test)]
mod rules_tests;

pub use codec::{decode, encode, redact, DecodeError, EncodedEvent};
pub use commands::{command_examples, command_fields, Command, CommandParseError, FieldInfo};
pub use decide::{decide, end_of_day, resolve_local_time, today, Decided, Decision};
pub use error::{DomainError, Rule};
pub use events::Event;
pub use fold::StreamLog;
pub use ids::{is_slug, StreamId, StreamKind};
pub use meta::EventMeta;
pub use organization::Organization;
pub use program::Program;
pub use time::{Timestamp, TimestampError};
