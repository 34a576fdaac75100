//! The organization and every program, folded: the state most projections compute from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Event, EventMeta, Organization, Program, StreamId, StreamKind};
use uuid::Uuid;

use super::Projection;

/// The organization and all programs, by slug. It serializes, so folds built on it can be
/// checkpointed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct World {
    /// The organization.
    pub org: Organization,
    /// Programs by slug.
    pub programs: BTreeMap<String, Program>,
}

impl Projection for World {
    fn update(&mut self, meta: &EventMeta, ev: &Event) {
        match ev.stream_kind() {
            StreamKind::Organization => self.org.apply(meta, ev),
            StreamKind::Program => {
                let Some(slug) = StreamId::parse(&meta.stream)
                    .ok()
                    .and_then(|s| s.program_slug().map(str::to_string))
                else {
                    return;
                };
                match (self.programs.get_mut(&slug), ev) {
                    (Some(p), _) => p.apply(meta, ev),
                    (None, Event::ProgramCreated(c)) => {
                        self.programs.insert(slug, Program::from_created(meta, c));
                    }
                    (None, _) => {}
                }
            }
        }
    }
}

impl World {
    /// Calls `f` with every program's event log left out (the organization's stays: the
    /// journey and the risk view read its assessments), then puts them back. The world's
    /// checkpoint is saved this way: the programs' logs are most of its bytes (two thirds at a
    /// million events) and no read needs them, only a void does (see
    /// [`World::is_stale`]).
    pub fn without_program_logs<R>(&mut self, f: impl FnOnce(&World) -> R) -> R {
        let taken: Vec<(Vec<(Uuid, Event)>, bool)> = self
            .programs
            .values_mut()
            .map(|p| p.log.take_entries())
            .collect();
        let out = f(self);
        for (p, entries) in self.programs.values_mut().zip(taken) {
            p.log.put_entries(entries);
        }
        out
    }

    /// Whether a void reached a program read back without its log: the world must then be
    /// folded from the start of the log.
    pub fn is_stale(&self) -> bool {
        self.org.log.is_stale() || self.programs.values().any(|p| p.log.is_stale())
    }
}
