//! Read models: pure folds over the event log (DESIGN §5). Never the source of truth: each can be
//! rebuilt from the log. None reads the clock: "now" is an argument of every result that
//! depends on time.
//!
//! - [`world`]: the organization and every program, folded (what the dashboard and the
//!   journey compute from).
//! - [`dashboard`]: one program's dashboard, with every definition written down.
//! - [`risk`]: skills matrix, holders, single-holder skills, truck factor, coverage over time
//!   (a compact fold: the organization and practice days).
//! - [`audit`]: a program's history, field-level diffs, state as of a version or time.
//! - [`journey`]: one person across programs.
//! - [`programs`]: the programs list.
//! - [`supervisors`]: each supervisor's release time asked, promised and delivered across
//!   programs.

pub mod audit;
pub mod dashboard;
pub mod due;
pub mod journey;
pub mod next;
pub mod pairing;
pub mod programs;
pub mod risk;
pub mod supervisors;
pub mod world;

use crate::domain::{Event, EventMeta};

/// A fold over the log.
pub trait Projection {
    /// Folds one event (with its envelope facts).
    fn update(&mut self, meta: &EventMeta, ev: &Event);
}

/// Folds events into a projection, e.g. `replay(Dashboard::new("cat"), log.iter())`.
///
/// For a bitemporal read, filter first: "as the log knew it at T" keeps `recorded_at ≤ T`;
/// "what had happened by T" keeps `occurred_at ≤ T` and passes T as "now" to the result.
pub fn replay<'a, P: Projection>(
    mut projection: P,
    events: impl IntoIterator<Item = (&'a EventMeta, &'a Event)>,
) -> P {
    for (meta, ev) in events {
        projection.update(meta, ev);
    }
    projection
}

/// Rounds to three decimals, so that computed figures print and snapshot stably.
pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod consistency_tests;
#[cfg(test)]
pub(crate) mod testlog;
