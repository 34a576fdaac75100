//! The scenario simulator (core): forecast a plan and rehearse the workshop's challenges.
//!
//! - [`plan`]: a training program forked at a day, in compact form (indices, day numbers).
//! - [`params`]: every number of the model by name, with its default and source.
//! - [`model`]: transfer (62/44/34 %), Bass adoption, the normal distribution.
//! - [`engine`]: one run, event-driven, with per-person ChaCha streams.
//! - [`stepper`]: the same model stepped day by day (the reference the engine is checked against).
//! - [`monte_carlo`]: many runs in parallel, the report, comparisons on common random numbers.
//! - [`scenario`]: scenario files (TOML) with challenge cards and mitigations.
//! - [`events`]: a recorded run as the commands real use would have entered.
//! - [`narrate`]: a recorded run told week by week.
//! - [`rehearsal`]: cards played one by one, each decision against its no-response branch.
//!
//! Like the rest of the core it does no IO and reads no clock: the fork day, the seed and the
//! horizon are arguments. `docs/MODEL.md` documents the model.

pub mod engine;
pub mod events;
pub mod model;
pub mod monte_carlo;
pub mod narrate;
pub mod params;
pub mod plan;
pub mod rehearsal;
pub mod scenario;
pub mod stepper;
pub mod truck;

pub use engine::{run, Draws, ParamChange, RunOutcome, Trace};
pub use monte_carlo::{Config, Report};
pub use params::{Params, PARAMETERS};
pub use plan::{fork, AtDeadline, Plan, PlanError};
pub use scenario::{Scenario, ScenarioError};

/// The default horizon: two years past the deadline.
pub const DEFAULT_HORIZON_DAYS: i32 = 730;
