//! The part of folding shared by both aggregates (the organization and a program): remembering
//! the stream's events so that a void can be applied by replaying everything except the voided
//! event ([`StreamLog`]), and the fold step itself ([`StreamFold`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::events::Event;
use super::meta::EventMeta;
use super::time::Timestamp;
use super::StreamKind;

/// A state folded from the events of one stream, where a void replays the stream without the
/// voided event. Each state says how one live event changes it and how to start over; the
/// fold step (remember the event, then apply it or rebuild) is written once, here.
pub(crate) trait StreamFold: Clone {
    /// The kind of stream this state is folded from; events of other streams are ignored.
    const KIND: StreamKind;

    /// The remembered events.
    fn log_mut(&mut self) -> &mut StreamLog;

    /// Records the stream version the state is at.
    fn set_version(&mut self, version: u64);

    /// Applies one event that counts (neither voided nor a void).
    fn apply_fact(&mut self, ev: &Event);

    /// Recomputes the state from the remembered events that still count.
    fn rebuild(&mut self);

    /// Folds one event of the stream.
    fn fold_event(&mut self, meta: &EventMeta, ev: &Event) {
        if ev.stream_kind() != Self::KIND {
            return;
        }
        self.set_version(meta.version);
        if self.log_mut().push(meta.id, meta.occurred_at, ev) {
            self.rebuild();
        } else {
            self.apply_fact(ev);
        }
    }

    /// The state with one more event voided (to decide a correction before it is stored).
    fn with_voided(&self, id: Uuid, reason: &str) -> Self {
        let mut state = self.clone();
        state.log_mut().mark_voided(id, reason);
        state.rebuild();
        state
    }
}

/// The events of one stream, in order, and which of them were voided.
///
/// It serializes (so that a state can be checkpointed and restored) with the events in their
/// wire form (`type`, `schema`, `data`, through the [codec](super::codec)); views of a state
/// for people leave `log.entries` out (see `projections::audit::state_json`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StreamLog {
    /// Voided event ids (as text) and the reasons.
    pub voided: BTreeMap<String, String>,
    /// Every event applied, with its id, in stream order.
    #[serde(with = "wire_entries", default)]
    entries: Vec<(Uuid, Event)>,
    /// When scheduled follow-ups were entered (business time), by event id: a rule compares a
    /// completion's day with it. Views for people leave it out, like the entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    entered_at: BTreeMap<String, Timestamp>,
    /// Read back from a checkpoint that left the entries out (the world's, see
    /// [`StreamLog::take_entries`]): the entries begin after the checkpoint. Reads do not need
    /// them; a void does (it replays the stream), so a void folded into such a log marks it
    /// [stale](StreamLog::is_stale) instead.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    trimmed: bool,
    /// A void arrived while the log was trimmed: the state no longer reflects the stream, and
    /// whoever folded it must fold the stream from its start.
    #[serde(skip)]
    stale: bool,
}

mod wire_entries {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;
    use uuid::Uuid;

    use crate::domain::codec;
    use crate::domain::events::Event;

    #[derive(Serialize, Deserialize)]
    struct Entry {
        id: Uuid,
        #[serde(rename = "type")]
        event_type: String,
        schema: u32,
        data: Value,
    }

    pub fn serialize<S: Serializer>(entries: &[(Uuid, Event)], s: S) -> Result<S::Ok, S::Error> {
        let wire: Vec<Entry> = entries
            .iter()
            .map(|(id, e)| {
                let enc = codec::encode(e);
                Entry {
                    id: *id,
                    event_type: enc.event_type.to_string(),
                    schema: enc.schema,
                    data: enc.data,
                }
            })
            .collect();
        wire.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(Uuid, Event)>, D::Error> {
        let wire = Vec::<Entry>::deserialize(d)?;
        wire.into_iter()
            .map(|w| {
                codec::decode(&w.event_type, w.schema, &w.data)
                    .map(|e| (w.id, e))
                    .map_err(D::Error::custom)
            })
            .collect()
    }
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

    /// The event with this id, if it is in the stream.
    pub fn get(&self, id: Uuid) -> Option<&Event> {
        self.entries.iter().find(|(i, _)| *i == id).map(|(_, e)| e)
    }

    /// The id of the first event that still counts (neither voided nor a void) and matches.
    pub(crate) fn find_live(&self, mut pred: impl FnMut(&Event) -> bool) -> Option<Uuid> {
        self.entries
            .iter()
            .find(|(id, e)| {
                !matches!(e, Event::EventVoided(_))
                    && !self.voided.contains_key(&id.to_string())
                    && pred(e)
            })
            .map(|(id, _)| *id)
    }

    /// The id of the first voided event (not a void) that matches.
    pub(crate) fn find_voided(&self, mut pred: impl FnMut(&Event) -> bool) -> Option<Uuid> {
        self.entries
            .iter()
            .find(|(id, e)| {
                !matches!(e, Event::EventVoided(_))
                    && self.voided.contains_key(&id.to_string())
                    && pred(e)
            })
            .map(|(id, _)| *id)
    }

    /// The id of the void that voids `target` and still counts (is not itself voided).
    pub(crate) fn void_of(&self, target: Uuid) -> Option<Uuid> {
        self.entries
            .iter()
            .find(|(id, e)| {
                matches!(e, Event::EventVoided(v) if v.event_id == target)
                    && !self.voided.contains_key(&id.to_string())
            })
            .map(|(id, _)| *id)
    }

    /// When the event with this id was entered (business time), for the events whose rules
    /// need it (scheduled follow-ups).
    pub fn entered_at(&self, id: Uuid) -> Option<Timestamp> {
        self.entered_at.get(&id.to_string()).copied()
    }

    /// Records an event that occurred at `occurred_at`; returns `true` when the caller must
    /// rebuild (the event is a void).
    pub(crate) fn push(&mut self, id: Uuid, occurred_at: Timestamp, ev: &Event) -> bool {
        if matches!(ev, Event::FollowUpScheduled(_)) {
            self.entered_at.insert(id.to_string(), occurred_at);
        }
        self.entries.push((id, ev.clone()));
        if matches!(ev, Event::EventVoided(_)) && self.trimmed {
            // The events before the checkpoint are not here to be replayed.
            self.stale = true;
            return false;
        }
        if matches!(ev, Event::EventVoided(_)) {
            self.recompute_voided();
            true
        } else {
            false
        }
    }

    /// Which events are voided: those a void that still counts names. A void can itself be
    /// voided (which restores what it voided); a void only names earlier events, so walking
    /// the stream from its end settles each void before the earlier ones it may name.
    fn recompute_voided(&mut self) {
        let mut voided = BTreeMap::new();
        for (id, e) in self.entries.iter().rev() {
            if let Event::EventVoided(v) = e {
                if !voided.contains_key(&id.to_string()) {
                    voided.insert(v.event_id.to_string(), v.reason.clone());
                }
            }
        }
        self.voided = voided;
    }

    /// Takes the entries out (to save a state without them) and marks the log trimmed while
    /// they are out; [`StreamLog::put_entries`] puts them back.
    pub fn take_entries(&mut self) -> (Vec<(Uuid, Event)>, bool) {
        let was = std::mem::replace(&mut self.trimmed, true);
        (std::mem::take(&mut self.entries), was)
    }

    /// Puts back what [`StreamLog::take_entries`] took.
    pub fn put_entries(&mut self, (entries, trimmed): (Vec<(Uuid, Event)>, bool)) {
        self.entries = entries;
        self.trimmed = trimmed;
    }

    /// Whether a void was folded into this log while it was trimmed (see the field).
    pub fn is_stale(&self) -> bool {
        self.stale
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
