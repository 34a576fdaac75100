//! The demo: a seeded, reproducible story of a library network that rolls out a new library
//! system with peer trainers, and runs a peer-mentoring cohort alongside.
//!
//! [`script`] is pure: a seed becomes an ordered list of [`Step`]s (when, who, which program,
//! which command), drawn from seeded lists with `ChaCha8Rng`, never from the clock or global
//! randomness. [`generate`] runs the steps through the application service ([`App`]) over a
//! [`MemoryStore`] whose clock reads each step's `now`, so every command passes the domain's
//! rules exactly as a user's would, and returns the JSON Lines export. The checked-in
//! `fixtures/demo.jsonl` is `generate(DEMO_SEED)`; `fixtures/README.md` tells what is in it,
//! how to regenerate it and how to compute its key figures by hand.
//!
//! Every step carries a command id derived from the seed and the step's index
//! ([`command_id`]), so event ids are reproducible and a step can name an earlier step's event
//! (the demo's corrected mistakes do: [`first_event_id`]).
//!
//! # Layout
//!
//! - `plan`: the draft list of steps, sorted by time and cut at [`DEMO_END`], and local times.
//! - `names`: seeded first and last names.
//! - `world`: the organization: staff, branches, skills, baseline assessments and the life
//!   events (joiners, leavers, moves) both programs must respect.
//! - `rollout`: the training program (library-system roll-out): set-up, enrolment and
//!   release time, closing steps; `rollout/sessions` plans the sessions (waves, moves,
//!   cancellations, catch-ups); `rollout/held` holds them (attendance, evaluations, practice,
//!   follow-ups).
//! - `mentoring`: the mentoring cohort.

mod clock;
mod mentoring;
mod names;
mod plan;
mod rollout;
pub mod scale;
mod world;

use std::sync::Arc;

use serde_json::Value;
use uuid::Uuid;

use crate::app::{App, AppError, RunOptions};
use crate::domain::{Command, CommandParseError, Timestamp};
use crate::store::{jsonl, MemoryStore, StoreError};

pub use clock::StepClock;

/// The seed of the checked-in fixture `fixtures/demo.jsonl`.
pub const DEMO_SEED: u64 = 20_260_105;

/// The fixture's last day (in the organization's zone): nothing in the log happens later, and
/// dashboard snapshots use it as "now".
pub const DEMO_END: &str = "2026-10-31";

/// The organization's IANA time zone.
pub const TIME_ZONE: &str = "Europe/Paris";

/// The slug of the training program (the library-system roll-out).
pub const ROLLOUT: &str = "ils-rollout";

/// The slug of the mentoring cohort.
pub const MENTORING: &str = "mentoring-2026";

/// One command of the demo, as a user would send it.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The clock's reading when the command runs (UTC, whole seconds).
    pub now: Timestamp,
    /// Who runs it.
    pub actor: String,
    /// The program it is for (`None` for organization commands).
    pub program: Option<String>,
    /// The command, as JSON tagged by `"type"`.
    pub command: Value,
    /// The command id: [`command_id`] of the seed and the step's index.
    pub command_id: Uuid,
}

/// Why the demo could not be generated: a step was refused, which is a bug in the script (or a
/// change of the domain's rules the script has not followed).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A step's JSON is not a command.
    #[error("demo step {index} ({command_type}): {error}")]
    Parse {
        /// The step's index in the script.
        index: usize,
        /// The command type.
        command_type: String,
        /// The parse error.
        error: CommandParseError,
    },
    /// The application refused a step.
    #[error("demo step {index} ({command_type} at {now} by {actor}): {error}\ncommand: {command}")]
    Rejected {
        /// The step's index in the script.
        index: usize,
        /// The command type.
        command_type: String,
        /// The step's clock.
        now: Timestamp,
        /// The step's actor.
        actor: String,
        /// The command, as JSON.
        command: String,
        /// The domain (or store) error.
        error: Box<AppError>,
    },
    /// Exporting the log failed.
    #[error("exporting the demo log: {0}")]
    Export(#[from] StoreError),
}

/// The command id of step `index` of the script for `seed`: a UUIDv5, so ids are stable.
pub fn command_id(seed: u64, index: usize) -> Uuid {
    let namespace = Uuid::from_u128(0x6261_746f_6e2d_4465_6d6f_2d53_6372_6970);
    Uuid::new_v5(&namespace, format!("{seed}/{index}").as_bytes())
}

/// The id of the first event a command writes: UUIDv5 of the command id and index 0, as
/// [`App::run`] derives it.
pub fn first_event_id(command_id: Uuid) -> Uuid {
    Uuid::new_v5(&command_id, &0u64.to_be_bytes())
}

/// The demo's steps for `seed`, in order. Pure: the same seed always gives the same steps.
pub fn script(seed: u64) -> Vec<Step> {
    let mut plan = plan::Plan::new(seed);
    let world = world::World::build(&mut plan);
    rollout::run(&mut plan, &world);
    mentoring::run(&mut plan, &world);
    plan.finish(seed, plan::end_of(DEMO_END))
}

/// Runs the script for `seed` through [`App`] over a fresh [`MemoryStore`] and returns the JSON
/// Lines export of the log. Fails on the first refused step, naming it and the domain error.
pub fn generate(seed: u64) -> Result<Vec<u8>, DemoError> {
    let steps = script(seed);
    let clock = Arc::new(StepClock::new(
        steps.first().map_or(Timestamp::EPOCH, |s| s.now),
    ));
    let store = Arc::new(MemoryStore::with_clock(clock.clone()));
    let app = App::new(store.clone(), clock.clone()).with_seeded_nonces(seed);
    for (index, step) in steps.iter().enumerate() {
        let command_type = step
            .command
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        let command = Command::from_json(&step.command).map_err(|error| DemoError::Parse {
            index,
            command_type: command_type.clone(),
            error,
        })?;
        clock.set(step.now);
        let options = RunOptions {
            actor: step.actor.clone(),
            command_id: Some(step.command_id),
            expect_version: None,
            business_time: None,
            dry_run: false,
        };
        app.run(step.program.as_deref(), &[command], &options)
            .map_err(|error| DemoError::Rejected {
                index,
                command_type,
                now: step.now,
                actor: step.actor.clone(),
                command: step.command.to_string(),
                error: Box::new(error),
            })?;
    }
    let mut out = Vec::new();
    jsonl::export(&*store, None, &mut out)?;
    Ok(out)
}
