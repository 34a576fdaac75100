//! The organization and every program, folded: the state most projections compute from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Event, EventMeta, Organization, Program, StreamId, StreamKind};

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
