//! The wire contract between the domain and the store: event type names, schema numbers, JSON
//! data, and upcasting of old schemas.
//!
//! [`encode`] turns an [`Event`] into its type name, current schema and a JSON object (without
//! the type name). [`decode`] reads any schema ever written, upcasting old ones first, and
//! fails with a [`DecodeError`] naming the type, the schema and the offending field.
//!
//! # Schema history
//!
//! | type | schema | change | upcast |
//! |---|---|---|---|
//! | `ProgramCreated` | 1 | no `kind`: every program was a training program | fill `"kind": "training"` |
//! | `ProgramCreated` | 2 | adds `kind` (`training` \| `mentoring`) | current |
//!
//! Every other type is at schema 1. Event data never holds floats: [`encode`] output is safe to
//! hash canonically.

use std::collections::HashMap;

use serde_json::Value;

use super::events::{decode_data, encode_data, Event};

/// An event as the store writes it.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedEvent {
    /// The type name, e.g. `SessionHeld`.
    pub event_type: &'static str,
    /// The current schema number of that type.
    pub schema: u32,
    /// The data: a JSON object without the type name.
    pub data: Value,
}

/// Why stored data could not be read as a domain event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode {event_type} schema {schema}: field `{field}`: {message}")]
pub struct DecodeError {
    /// The event type as stored.
    pub event_type: String,
    /// The schema as stored.
    pub schema: u32,
    /// The path of the offending field (`attendance[2].present`), `.` for the whole object,
    /// `type` for an unknown type name, `schema` for an unknown schema number.
    pub field: String,
    /// What was wrong.
    pub message: String,
}

/// Encodes an event for storage.
pub fn encode(ev: &Event) -> EncodedEvent {
    // Event structs only hold strings, integers, booleans, dates, uuids and enums, all of which
    // serialize infallibly; an error here is a bug in an event definition.
    let data = encode_data(ev).expect("domain events always serialize to JSON");
    EncodedEvent {
        event_type: ev.type_name(),
        schema: ev.schema(),
        data,
    }
}

/// The current schema number of an event type, if the type exists.
pub fn current_schema(event_type: &str) -> Option<u32> {
    // Asked once per event decoded: the catalogue is built once.
    static SCHEMAS: std::sync::OnceLock<HashMap<&'static str, u32>> = std::sync::OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let mut schemas = HashMap::new();
            for (name, schema, _) in Event::catalogue() {
                schemas.entry(name).or_insert(schema);
            }
            schemas
        })
        .get(event_type)
        .copied()
}

/// Decodes stored data, upcasting old schemas to the current one.
pub fn decode(event_type: &str, schema: u32, data: &Value) -> Result<Event, DecodeError> {
    let err = |field: &str, message: String| DecodeError {
        event_type: event_type.to_string(),
        schema,
        field: field.to_string(),
        message,
    };
    let current = current_schema(event_type)
        .ok_or_else(|| err("type", format!("unknown event type {event_type:?}")))?;
    if schema == 0 || schema > current {
        return Err(err(
            "schema",
            format!("unknown schema {schema}; known schemas are 1 to {current}"),
        ));
    }
    if !data.is_object() {
        return Err(err(".", "expected a JSON object".to_string()));
    }
    let upcast =
        upcast(event_type, schema, data.clone()).map_err(|(field, message)| err(field, message))?;
    match decode_data(event_type, &upcast) {
        Some(Ok(ev)) => Ok(ev),
        Some(Err(e)) => {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            // A missing field is reported by serde at the parent's path; name the field itself.
            let field = match missing_field(&inner) {
                Some(name) if path == "." => name.to_string(),
                Some(name) => format!("{path}.{name}"),
                None => path,
            };
            Err(err(&field, inner))
        }
        None => Err(err("type", format!("unknown event type {event_type:?}"))),
    }
}

/// The marker that replaces erased text.
pub const REDACTED: &str = "[erased]";

/// The fields of an event type that may hold personal data: names and free text about a
/// person. Ids are pseudonyms and are kept, so that the log still folds after an erasure.
pub fn personal_fields(event_type: &str) -> &'static [&'static str] {
    match event_type {
        "PersonJoined" => &["name"],
        "TrainerDeclined"
        | "TrainerWithdrew"
        | "LearnerWithdrew"
        | "CommitmentDeclined"
        | "CommitmentWithdrawn" => &["reason"],
        "EventVoided" => &["reason"],
        "PlanPrepared" => &["notes"],
        "PlanTestRun" => &["findings"],
        "FollowUpScheduled" => &["purpose"],
        "FollowUpCompleted" => &["notes"],
        "Congratulated" => &["milestone"],
        "MitigationChosen" => &["reason"],
        "NeedsAssessed" => &["goals", "desired_outcomes"],
        "BaselineRecorded" => &["already_knows", "already_works"],
        "PrioritiesSet" => &["priorities"],
        "CoachingSessionHeld" | "CoachingSessionScheduled" => &["topics"],
        "CoachingSessionRescheduled" | "CoachingSessionCancelled" => &["reason"],
        "AssignmentGiven" => &["description"],
        _ => &[],
    }
}

/// Whether stored data mentions `person` (any string value equal to the id, at any depth).
pub fn mentions(data: &Value, person: &str) -> bool {
    match data {
        Value::String(s) => s == person,
        Value::Array(a) => a.iter().any(|v| mentions(v, person)),
        Value::Object(o) => o.values().any(|v| mentions(v, person)),
        _ => false,
    }
}

/// The data with its personal fields replaced by [`REDACTED`], keeping the JSON shape so that
/// [`decode`] still reads it (strings become the marker; lists of strings keep their length).
/// The store decides which events to redact (e.g. those that [`mentions`] the erased person)
/// and keeps the original `data_hash`.
pub fn redact(event_type: &str, data: &Value) -> Value {
    let mut out = data.clone();
    if let Some(map) = out.as_object_mut() {
        for field in personal_fields(event_type) {
            match map.get_mut(*field) {
                Some(Value::String(s)) => *s = REDACTED.to_string(),
                Some(Value::Array(items)) => {
                    for item in items.iter_mut().filter(|i| i.is_string()) {
                        *item = Value::String(REDACTED.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Puts the erased marker back in place of the personal fields an erasure removed (a
/// checkable redaction keeps only the non-personal fields), so that [`decode`] still reads
/// the event: text becomes [`REDACTED`], a list of texts a one-item list of it.
pub fn fill_erased(event_type: &str, data: &mut Value, removed: &[&str]) {
    const LISTS: [&str; 6] = [
        "goals",
        "desired_outcomes",
        "already_knows",
        "already_works",
        "priorities",
        "topics",
    ];
    let Some(map) = data.as_object_mut() else {
        return;
    };
    for field in personal_fields(event_type) {
        if !removed.contains(field) || map.contains_key(*field) {
            continue;
        }
        let marker = Value::String(REDACTED.to_string());
        let value = if LISTS.contains(field) {
            Value::Array(vec![marker])
        } else {
            marker
        };
        map.insert((*field).to_string(), value);
    }
}

/// Applies every upcaster from `schema` to the current schema, one step at a time.
fn upcast(
    event_type: &str,
    mut schema: u32,
    mut data: Value,
) -> Result<Value, (&'static str, String)> {
    loop {
        match (event_type, schema) {
            ("ProgramCreated", 1) => {
                let map = data
                    .as_object_mut()
                    .ok_or((".", "expected a JSON object".to_string()))?;
                if map.contains_key("kind") {
                    return Err((
                        "kind",
                        "schema 1 has no `kind`; a stored `kind` means a mislabelled schema".into(),
                    ));
                }
                map.insert("kind".into(), Value::String("training".into()));
                schema = 2;
            }
            _ => return Ok(data),
        }
    }
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;

    use super::*;
    use crate::domain::events::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn program_created_schema_1_upcasts_to_training() {
        let ev = decode(
            "ProgramCreated",
            1,
            &json!({"program": "cat", "title": "Catalogue"}),
        )
        .unwrap();
        assert_eq!(
            ev,
            Event::ProgramCreated(ProgramCreated {
                program: "cat".into(),
                kind: ProgramKind::Training,
                title: "Catalogue".into()
            })
        );
    }

    #[test]
    fn program_created_schema_2_keeps_kind() {
        let ev = Event::ProgramCreated(ProgramCreated {
            program: "m".into(),
            kind: ProgramKind::Mentoring,
            title: "Mentoring".into(),
        });
        let enc = encode(&ev);
        assert_eq!(enc.event_type, "ProgramCreated");
        assert_eq!(enc.schema, 2);
        assert_eq!(
            enc.data,
            json!({"program": "m", "kind": "mentoring", "title": "Mentoring"})
        );
        assert_eq!(decode(enc.event_type, enc.schema, &enc.data).unwrap(), ev);
        // Schema 2 without kind is an error naming the field.
        let e = decode("ProgramCreated", 2, &json!({"program": "m", "title": "x"})).unwrap_err();
        assert_eq!(
            (e.event_type.as_str(), e.schema, e.field.as_str()),
            ("ProgramCreated", 2, "kind")
        );
    }

    #[test]
    fn errors_name_type_schema_and_field() {
        let e = decode(
            "SessionHeld",
            1,
            &json!({"session": "s", "attendance": [{"person": "a", "present": "yes"}]}),
        )
        .unwrap_err();
        assert_eq!(e.field, "attendance[0].present");
        assert!(e.to_string().contains("SessionHeld schema 1"), "{e}");
        let e = decode("NoSuchThing", 1, &json!({})).unwrap_err();
        assert_eq!(e.field, "type");
        let e = decode("GoalSet", 3, &json!({"goal": "g"})).unwrap_err();
        assert_eq!(e.field, "schema");
        let e = decode("GoalSet", 1, &json!(["goal"])).unwrap_err();
        assert_eq!(e.field, ".");
        let e = decode(
            "ProgramCreated",
            1,
            &json!({"program": "p", "title": "t", "kind": "training"}),
        )
        .unwrap_err();
        assert_eq!(e.field, "kind");
    }

    #[test]
    fn every_type_round_trips_and_voids_keep_their_stream() {
        let samples: Vec<Event> = vec![
            PersonLeft {
                person: "ann".into(),
                on: day("2026-05-01"),
            }
            .into(),
            SkillAssessed {
                person: "ann".into(),
                skill: "cataloguing".into(),
                level: 3,
                source: AssessmentSource::SelfAssessed,
                on: day("2026-01-02"),
            }
            .into(),
            EvaluationRecorded {
                person: Some("ann".into()),
                module: None,
                result: EvaluationResult::Learning {
                    skill: "cataloguing".into(),
                    skill_level: 2,
                },
                on: day("2026-01-02"),
            }
            .into(),
            EventVoided {
                stream: crate::domain::StreamKind::Organization,
                event_id: uuid::Uuid::nil(),
                voided_type: "PersonLeft".into(),
                reason: "typo".into(),
                corrected: true,
            }
            .into(),
        ];
        for ev in samples {
            let enc = encode(&ev);
            assert!(enc.data.get("type").is_none());
            assert_eq!(decode(enc.event_type, enc.schema, &enc.data).unwrap(), ev);
        }
        let enc = encode(&samples_self());
        assert_eq!(enc.data["source"], json!("self"));
        assert_eq!(samples_self().business_date(), Some(day("2026-01-01")));
        assert_eq!(
            Event::GoalSet(GoalSet { goal: "g".into() }).business_date(),
            None
        );
    }

    fn samples_self() -> Event {
        SkillAssessed {
            person: "a".into(),
            skill: "s".into(),
            level: 1,
            source: AssessmentSource::SelfAssessed,
            on: day("2026-01-01"),
        }
        .into()
    }

    #[test]
    fn redaction_keeps_events_decodable() {
        let data = json!({"person": "ann", "name": "Ann Lee", "department": "d", "branch": "b", "supervisor": null, "on": "2026-01-01"});
        assert!(mentions(&data, "ann") && !mentions(&data, "bob"));
        let red = redact("PersonJoined", &data);
        assert_eq!(red["name"], json!(REDACTED));
        assert_eq!(red["person"], json!("ann"));
        assert!(decode("PersonJoined", 1, &red).is_ok());
        let needs = json!({"pair": "p", "goals": ["ann's burnout"], "desired_outcomes": [], "on": "2026-01-01"});
        let red = redact("NeedsAssessed", &needs);
        assert_eq!(red["goals"], json!([REDACTED]));
        assert!(decode("NeedsAssessed", 1, &red).is_ok());
        for (name, _, _) in Event::catalogue() {
            for f in personal_fields(name) {
                assert!(!f.is_empty());
            }
        }
    }

    #[test]
    fn catalogue_names_are_unique_per_stream_kind() {
        let cat = Event::catalogue();
        let mut seen = std::collections::BTreeSet::new();
        for (name, schema, kind) in &cat {
            assert!(seen.insert((*name, format!("{kind:?}"))), "{name}");
            assert!(*schema >= 1);
        }
    }
}
