//! **Shell.** Where the simulator's plans come from: a program of the live log forked at a
//! business time, or a file of commands applied to an empty in-memory store. A simulation writes
//! nothing to the log.

use std::sync::Arc;

use crate::app::{App, AppError, RunOptions};
use crate::domain::commands::Command;
use crate::domain::{today, StreamKind, Timestamp};
use crate::projections::world::World;
use crate::projections::Projection;
use crate::sim::{self, Plan, PlanError};
use crate::store::{Clock, MemoryStore};

/// Why a plan could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    /// Reading the log failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// The plan cannot be simulated.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A line of a plan file is wrong.
    #[error("{file}:{line}: {message}")]
    Line {
        /// The file.
        file: String,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The program does not exist (as of the fork).
    #[error("no program {0:?} as of the fork")]
    NoProgram(String),
}

/// Forks program `slug` of `app`'s log: what had happened by business time `as_of` is fact.
pub fn fork_program(app: &App, slug: &str, as_of: Timestamp) -> Result<Plan, ForecastError> {
    let stream = crate::app::program_stream(slug)?;
    let mut world = World::default();
    for f in app.facts_of(&["organization", stream.as_str()])? {
        if f.meta.occurred_at <= as_of {
            world.update(&f.meta, &f.event);
        }
    }
    let Some(p) = world.programs.values().next() else {
        return Err(ForecastError::NoProgram(slug.to_string()));
    };
    Ok(sim::fork(&world.org, p, today(&world.org, as_of))?)
}

struct Fixed(Timestamp);

impl Clock for Fixed {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// Applies a plan file (JSON Lines of `baton do` commands) to an empty in-memory store at
/// business time `as_of` (default: the end of the day before the first session), and returns
/// the app, the program's slug and the fork time.
pub fn plan_file(
    file: &str,
    text: &str,
    as_of: Option<Timestamp>,
) -> Result<(App, String, Timestamp), ForecastError> {
    let mut commands = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_err = |message: String| ForecastError::Line {
            file: file.to_string(),
            line: i + 1,
            message,
        };
        if line.trim().is_empty() || line.trim_start().starts_with("//") {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| line_err(format!("not JSON: {e}")))?;
        let c = Command::from_json(&value).map_err(|e| line_err(e.to_string()))?;
        commands.push((i + 1, c));
    }
    let slug = commands
        .iter()
        .find_map(|(_, c)| match c {
            Command::CreateProgram(c) => Some(c.program.clone()),
            _ => None,
        })
        .ok_or(PlanError::NoProgram)?;
    let first_session = commands
        .iter()
        .filter_map(|(_, c)| match c {
            Command::ScheduleSession(s) => s
                .start
                .get(..10)
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok()),
            _ => None,
        })
        .min();
    let t = match (as_of, first_session) {
        (Some(t), _) => t,
        (None, Some(d)) => {
            let day = d.pred_opt().unwrap_or(d);
            Timestamp::from_ymd_hms(
                chrono::Datelike::year(&day),
                chrono::Datelike::month(&day),
                chrono::Datelike::day(&day),
                12,
                0,
                0,
            )
            .unwrap_or(Timestamp::from_micros(0))
        }
        (None, None) => return Err(PlanError::NoModules.into()),
    };
    let clock: Arc<dyn Clock> = Arc::new(Fixed(t));
    let app = App::new(Arc::new(MemoryStore::with_clock(clock.clone())), clock);
    for (line, c) in commands {
        let program = match c.stream_kind() {
            Some(StreamKind::Organization) => None,
            _ => Some(slug.as_str()),
        };
        let options = RunOptions {
            actor: "plan".into(),
            business_time: Some(t),
            ..RunOptions::default()
        };
        app.run(program, &[c], &options)
            .map_err(|e| ForecastError::Line {
                file: file.to_string(),
                line,
                message: e.to_string(),
            })?;
    }
    Ok((app, slug, t))
}
