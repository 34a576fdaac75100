//! The part of folding shared by both aggregates: remembering the stream's events so that a
//! void can be applied by replaying everything except the voided event.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use super::events::Event;

/// The events of one stream, in order, and which of them were voided.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StreamLog {
    /// Voided event ids (as text) and the reasons.
    pub voided: BTreeMap<String, String>,
    /// Every event applied, with its id, in stream order (not serialized: it is the log itself).
    #[serde(skip)]
    entries: Vec<(Uuid, Event)>,
}

impl StreamLog {
    /// The type name of the event with this id, if it is in the stream.
    pub fn type_of(&self, id: Uuid) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, e)| e.type_name())
    }

    /// Whether the event with this id was voided.
    pub fn is_voided(&self, id: Uuid) -> bool {
        self.voided.contains_key(&id.to_string())
    }

    /// Records an event; returns `true` when the caller must rebuild (the event is a void).
    pub(crate) fn push(&mut self, id: Uuid, ev: &Event) -> bool {
        self.entries.push((id, ev.clone()));
        if let Event::EventVoided(v) = ev {
            self.voided.insert(v.event_id.to_string(), v.reason.clone());
            true
        } else {
            false
        }
    }

    /// Marks an id voided without an event (to preview a correction).
    pub(crate) fn mark_voided(&mut self, id: Uuid, reason: &str) {
        self.voided.insert(id.to_string(), reason.to_string());
    }

    /// The events that still count: neither voided nor voids.
    pub(crate) fn live(&self) -> impl Iterator<Item = &Event> {
        self.entries
            .iter()
            .filter(|(id, e)| {
                !matches!(e, Event::EventVoided(_)) && !self.voided.contains_key(&id.to_string())
            })
            .map(|(_, e)| e)
    }
}
