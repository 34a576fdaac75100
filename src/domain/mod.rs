//! The domain: programs, people, skills; commands, events and rules. Pure: no IO, no clock.
//!
//! - [`events`]: every fact, in the past tense; [`codec`]: their wire form and upcasting.
//! - [`commands`]: what users ask for, in the imperative, with examples.
//! - [`organization`] and [`program`]: state folded from events (`apply` only folds).
//! - [`decide()`]: the rules: command + state + now → events or a [`DomainError`].
//! - [`retention`]: the forgetting-curve sub-model (MODEL.md §1).

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

pub use codec::{decode, encode, DecodeError, EncodedEvent};
pub use commands::{command_examples, Command, CommandParseError};
pub use decide::{decide, end_of_day, resolve_local_time, today, Decided, Decision};
pub use error::{DomainError, Rule};
pub use events::Event;
pub use fold::StreamLog;
pub use ids::{is_slug, StreamId, StreamKind};
pub use meta::EventMeta;
pub use organization::Organization;
pub use program::Program;
pub use time::{Timestamp, TimestampError};
