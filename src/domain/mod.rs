//! The domain: programs, people, skills; commands, events and rules. Pure: no IO, no clock.

pub mod meta;
pub mod time;

pub use meta::EventMeta;
pub use time::{Timestamp, TimestampError};
