//! The demo log scaled up: the organization once, its programs many times, for benchmarks.
//!
//! [`scaled_events`] turns the demo's JSON Lines export (`fixtures/demo.jsonl`: one
//! organization stream, the `ils-rollout` training program and the `mentoring-2026` cohort)
//! into a log of about `786 + copies × 2,067` events. The issue's target ("the roll-out fixture
//! scaled to 1 M events") is met with `copies = 484`: 786 + 484 × 2,067 = 1,001,214 events.
//!
//! # How it is scaled
//!
//! - The **organization stream is kept once**, event for event (same ids, data, actors, times):
//!   one organization with its ~120 staff, skill catalogue and assessments.
//! - Every **program stream is replicated `copies` times** under new slugs: copy `k` (from 1)
//!   of `ils-rollout` is `ils-rollout-0001`, …; of `mentoring-2026`, `mentoring-2026-0001`, ….
//!   So the scaled log is what an organization running 484 roll-outs and 484 mentoring cohorts
//!   over the same nine months, with the same people, would hold.
//! - In a copied event: the **stream** becomes the copy's stream; a top-level **`program`**
//!   field of the data that names the original slug (`ProgramCreated`) names the copy's slug;
//!   the **event id** becomes UUIDv5([`SCALE_NAMESPACE`], copy number as u64 big-endian ‖
//!   original id bytes), so ids are unique and deterministic; the **ids an event refers to**
//!   are mapped the same way within the copy: `event_id` of an `EventVoided` (the only event
//!   that names another event, see `domain::events`), and the correlation and causation ids,
//!   so a void or a correction still points at its own copy's event. `occurred_at`, the actor,
//!   the event type, the schema and every other data field are kept.
//! - **Order**: the original order, with each program event repeated for copies 1..=N in a row
//!   before the next original event. Every copy therefore sees the organization's events in
//!   exactly the same relative order as the original program did, so each copy's folds (the
//!   organization stream plus its own stream) are the original's, seq numbers aside; stream
//!   versions are the original's too. A unit test checks the dashboards of the copies against
//!   the original's.
//!
//! The store assigns new `seq`, `recorded_at` and hashes when the events are appended: the
//! scaled log is appended (like `baton import --append`), not restored. Redacted events (the
//! demo has none) would be copied with their redaction marker as data.

use serde_json::Value;
use uuid::Uuid;

use crate::store::jsonl::{self, ImportError};
use crate::store::{NewEvent, RecordedEvent, ORGANIZATION_STREAM};

/// The namespace of the copies' event ids.
pub const SCALE_NAMESPACE: Uuid = Uuid::from_u128(0x6261_746f_6e2d_7363_616c_652d_636f_7079);

/// The copies that scale the demo to about one million events (1,001,214 with the checked-in
/// fixture).
pub const MILLION_COPIES: usize = 484;

/// The slug of copy `copy` (from 1) of the program `slug`: `ils-rollout-0001`.
pub fn copy_slug(slug: &str, copy: usize) -> String {
    format!("{slug}-{copy:04}")
}

/// The id of copy `copy` of the event (or correlation) id `id`.
pub fn copy_id(copy: usize, id: Uuid) -> Uuid {
    let mut name = [0u8; 24];
    name[..8].copy_from_slice(&(copy as u64).to_be_bytes());
    name[8..].copy_from_slice(id.as_bytes());
    Uuid::new_v5(&SCALE_NAMESPACE, &name)
}

/// One event of the source log.
struct Source {
    /// The program's slug; `None` for the organization stream.
    slug: Option<String>,
    event: NewEvent,
}

/// The scaled log, in append order. See the module documentation.
pub struct ScaledEvents {
    sources: Vec<Source>,
    copies: usize,
    /// The next source event.
    index: usize,
    /// The next copy of it (from 1).
    copy: usize,
    /// Events still to yield.
    remaining: usize,
}

/// Scales a JSON Lines export (a complete log, as `baton export` writes it) to the
/// organization once and every program `copies` times. Fails when the export is not a valid
/// complete log (it is checked like a restore: seq, chain, versions) or an event's data cannot
/// be read.
pub fn scaled_events(demo_jsonl: &[u8], copies: usize) -> Result<ScaledEvents, ImportError> {
    let (records, _) = jsonl::read_full_log(
        &mut &demo_jsonl[..],
        &jsonl::ImportOptions::new(false, "scale"),
    )?;
    let mut sources = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        sources.push(source(record).map_err(|message| ImportError::Line {
            line: i + 1,
            message,
        })?);
    }
    let per_copy = sources.iter().filter(|s| s.slug.is_some()).count();
    let remaining = (sources.len() - per_copy) + per_copy * copies;
    Ok(ScaledEvents {
        sources,
        copies,
        index: 0,
        copy: 1,
        remaining,
    })
}

fn source(record: &RecordedEvent) -> Result<Source, String> {
    let slug = if record.stream() == ORGANIZATION_STREAM {
        None
    } else {
        let slug = record
            .stream()
            .strip_prefix("program-")
            .ok_or_else(|| format!("unknown stream {:?}", record.stream()))?;
        Some(slug.to_string())
    };
    let data = record.data_value().map_err(|e| e.0)?;
    Ok(Source {
        slug,
        event: NewEvent {
            id: record.id(),
            stream: record.stream().to_string(),
            event_type: record.event_type().to_string(),
            schema: record.schema(),
            data,
            occurred_at: Some(record.occurred_at()),
            correlation_id: record.correlation_id(),
            causation_id: record.causation_id(),
            actor: Some(record.actor().to_string()),
            personal: record.personal().into_iter().map(str::to_string).collect(),
            nonce: None,
        },
    })
}

/// Copy `copy` of a program event.
fn copy_of(event: &NewEvent, slug: &str, copy: usize) -> NewEvent {
    let new_slug = copy_slug(slug, copy);
    let mut data = event.data.clone();
    if let Value::Object(map) = &mut data {
        if map.get("program").and_then(Value::as_str) == Some(slug) {
            map.insert("program".into(), Value::String(new_slug.clone()));
        }
        if event.event_type == "EventVoided" {
            let voided = map
                .get("event_id")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok());
            if let Some(voided) = voided {
                map.insert(
                    "event_id".into(),
                    Value::String(copy_id(copy, voided).to_string()),
                );
            }
        }
    }
    NewEvent {
        id: copy_id(copy, event.id),
        stream: format!("program-{new_slug}"),
        event_type: event.event_type.clone(),
        schema: event.schema,
        data,
        occurred_at: event.occurred_at,
        correlation_id: event.correlation_id.map(|id| copy_id(copy, id)),
        causation_id: event.causation_id.map(|id| copy_id(copy, id)),
        actor: event.actor.clone(),
        personal: event.personal.clone(),
        nonce: None,
    }
}

impl Iterator for ScaledEvents {
    type Item = NewEvent;

    fn next(&mut self) -> Option<NewEvent> {
        loop {
            let source = self.sources.get(self.index)?;
            let Some(slug) = &source.slug else {
                self.index += 1;
                self.remaining -= 1;
                return Some(source.event.clone());
            };
            if self.copy > self.copies {
                self.index += 1;
                self.copy = 1;
                continue;
            }
            let event = copy_of(&source.event, slug, self.copy);
            self.copy += 1;
            self.remaining -= 1;
            return Some(event);
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for ScaledEvents {}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::Value;

    use super::*;
    use crate::app::{decode, parse_as_of, Fact};
    use crate::domain::{Event, Organization};
    use crate::projections::dashboard::Dashboard;
    use crate::projections::Projection;
    use crate::store::{AppendRequest, EventStore, MemoryStore};

    const DEMO: &[u8] = include_bytes!("../../fixtures/demo.jsonl");

    fn load(events: impl Iterator<Item = NewEvent>) -> Vec<Fact> {
        let store = MemoryStore::new();
        let events: Vec<NewEvent> = events.collect();
        for batch in events.chunks(5_000) {
            store
                .append(AppendRequest::new("scale-test", batch.to_vec()))
                .expect("append");
        }
        store
            .iter_from(1)
            .map(|ev| {
                let ev = ev.expect("read");
                decode(&ev)
                    .unwrap_or_else(|e| panic!("seq {} does not decode: {e}", ev.seq()))
                    .expect("not redacted")
            })
            .collect()
    }

    /// The dashboard of `slug` at the fixture's end, as JSON without its slug.
    fn dashboard(facts: &[Fact], slug: &str) -> Value {
        let mut org = Organization::default();
        for f in facts
            .iter()
            .filter(|f| f.meta.stream == ORGANIZATION_STREAM)
        {
            org.apply(&f.meta, &f.event);
        }
        let t = parse_as_of(super::super::DEMO_END, &org).expect("as of");
        let mut dashboard = Dashboard::new(slug);
        for f in facts.iter().filter(|f| {
            crate::domain::events::happened_by(f.event.type_name(), f.meta.occurred_at, t)
        }) {
            dashboard.update(&f.meta, &f.event);
        }
        let mut view =
            serde_json::to_value(dashboard.result(t).expect("the program exists")).expect("json");
        assert_eq!(view["program"], Value::String(slug.into()));
        view["program"] = Value::Null;
        view
    }

    #[test]
    fn scaling_twice_is_faithful() {
        let original = {
            let store = MemoryStore::new();
            jsonl::import(&store, &mut &DEMO[..], false, "scale-test").expect("restore");
            let facts: Vec<Fact> = store
                .iter_from(1)
                .map(|ev| decode(&ev.expect("read")).expect("decode").expect("kept"))
                .collect();
            facts
        };
        let demo_lines = DEMO.iter().filter(|b| **b == b'\n').count();
        assert_eq!(original.len(), demo_lines);

        let scaled = scaled_events(DEMO, 2).expect("demo");
        let expected = 786 + 2 * (demo_lines - 786);
        assert_eq!(scaled.len(), expected);
        let facts = load(scaled);
        assert_eq!(facts.len(), expected);
        let ids: HashSet<_> = facts.iter().map(|f| f.meta.id).collect();
        assert_eq!(ids.len(), expected, "every event id is unique");

        // Every void points at an event of its own stream.
        let mut voids = 0;
        for f in &facts {
            if let Event::EventVoided(v) = &f.event {
                voids += 1;
                let target = facts.iter().find(|g| g.meta.id == v.event_id);
                let target = target.expect("the voided event exists");
                assert_eq!(target.meta.stream, f.meta.stream);
            }
        }
        assert_eq!(
            voids,
            1 + 2,
            "the organization's void once, the roll-out's per copy"
        );

        for slug in [super::super::ROLLOUT, super::super::MENTORING] {
            let want = dashboard(&original, slug);
            for copy in 1..=2 {
                let got = dashboard(&facts, &copy_slug(slug, copy));
                assert_eq!(got["attendance"], want["attendance"], "{slug} copy {copy}");
                assert_eq!(got["completion"], want["completion"], "{slug} copy {copy}");
                assert_eq!(got["follow_ups"], want["follow_ups"], "{slug} copy {copy}");
                assert_eq!(got, want, "{slug} copy {copy}: the whole dashboard");
            }
        }
    }

    #[test]
    fn ids_are_deterministic_and_per_copy() {
        let id = Uuid::from_u128(42);
        assert_eq!(copy_id(1, id), copy_id(1, id));
        assert_ne!(copy_id(1, id), copy_id(2, id));
        assert_ne!(copy_id(1, id), id);
        assert_eq!(copy_slug("ils-rollout", 1), "ils-rollout-0001");
        assert_eq!(
            scaled_events(DEMO, MILLION_COPIES).expect("demo").len(),
            1_001_214
        );
    }
}
