//! The append logic both stores share: validation, idempotency, version checks, and assigning
//! seq, versions, times and hashes. The stores differ only in where the records go.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::record::{
    blake3_of, check_fields, data_hash_of, Envelope, Hash, Nonce, RecordedEvent, FORMAT_2,
    ZERO_HASH,
};
use super::{
    canonical, is_valid_stream, AppendRequest, Appended, AppendedEvent, StoreError,
    MAX_BATCH_BYTES, MAX_BATCH_EVENTS,
};
use crate::domain::Timestamp;

/// An append request, checked and canonicalized (done on the caller's thread, so that hashing
/// data runs in parallel and the single writer only chains headers).
#[derive(Debug)]
pub(crate) struct Prepared {
    pub actor: String,
    pub expected: Vec<(String, u64)>,
    pub events: Vec<PreparedEvent>,
}

#[derive(Debug)]
pub(crate) struct PreparedEvent {
    pub id: Uuid,
    pub stream: String,
    pub event_type: String,
    pub schema: u32,
    pub data: Vec<u8>,
    pub personal: Vec<String>,
    pub nonce: Nonce,
    pub data_hash: Hash,
    pub occurred_at: Option<Timestamp>,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
    pub actor: Option<String>,
    /// What makes a retry "identical": see [`fingerprint`]. Not the actor, not the store's times.
    pub fingerprint: Hash,
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Checks a request's form and computes canonical data, data hashes and fingerprints.
pub(crate) fn prepare(request: AppendRequest) -> Result<Prepared, StoreError> {
    if request.events.is_empty() {
        return Err(invalid("events", "expected at least one event"));
    }
    if request.events.len() > MAX_BATCH_EVENTS {
        return Err(invalid(
            "events",
            format!(
                "expected at most {MAX_BATCH_EVENTS} events in one append, got {}",
                request.events.len()
            ),
        ));
    }
    if request.actor.is_empty() || request.actor.len() > super::record::MAX_ACTOR_BYTES {
        return Err(invalid(
            "actor",
            format!(
                "expected a name of 1 to {} bytes",
                super::record::MAX_ACTOR_BYTES
            ),
        ));
    }
    let mut expected = Vec::with_capacity(request.expected.len());
    let mut seen_streams = HashSet::new();
    for (i, e) in request.expected.iter().enumerate() {
        if !is_valid_stream(&e.stream) {
            return Err(invalid(
                format!("expected[{i}].stream"),
                format!(
                    "{:?} is not `organization` or `program-<slug>` with slug [a-z0-9-]{{1,64}}",
                    e.stream
                ),
            ));
        }
        if !seen_streams.insert(e.stream.as_str()) {
            return Err(invalid(
                format!("expected[{i}].stream"),
                format!("{:?} is listed twice", e.stream),
            ));
        }
        expected.push((e.stream.clone(), e.version));
    }
    let mut ids = HashSet::new();
    let mut total_bytes = 0usize;
    let mut events = Vec::with_capacity(request.events.len());
    for (i, ev) in request.events.into_iter().enumerate() {
        let at = |f: &str| format!("events[{i}].{f}");
        if ev.id.is_nil() || !ids.insert(ev.id) {
            return Err(invalid(
                at("id"),
                format!("{} is nil or repeated within the batch", ev.id),
            ));
        }
        if super::record::is_redaction_marker(&ev.data) {
            return Err(invalid(
                at("data"),
                "the `$redacted` marker is reserved for erasure",
            ));
        }
        let data = canonical::to_vec(&ev.data).map_err(|e| invalid(at("data"), e.to_string()))?;
        let mut personal: Vec<String> = ev
            .personal
            .iter()
            .filter(|k| ev.data.get(k.as_str()).is_some_and(|v| !v.is_null()))
            .cloned()
            .collect();
        personal.sort();
        personal.dedup();
        let actor = ev.actor.as_deref().unwrap_or(&request.actor);
        let probe = Envelope {
            format: FORMAT_2,
            seq: 1,
            stream: &ev.stream,
            version: 1,
            id: ev.id,
            event_type: &ev.event_type,
            schema: ev.schema,
            recorded_at: Timestamp::from_micros(0),
            occurred_at: Timestamp::from_micros(0),
            actor,
            correlation_id: ev.correlation_id,
            causation_id: ev.causation_id,
            personal: personal.iter().map(String::as_str).collect(),
            data: &data,
            nonce: None,
            redacted: false,
            data_hash: ZERO_HASH,
            prev_hash: ZERO_HASH,
        };
        if let Err(e) = check_fields(&probe) {
            return Err(invalid(at(e.field), e.message));
        }
        let Some(map) = ev.data.as_object() else {
            return Err(invalid(at("data"), "expected a JSON object"));
        };
        total_bytes += probe.encoded_len();
        if total_bytes > MAX_BATCH_BYTES {
            return Err(invalid(
                "events",
                format!("the batch exceeds {MAX_BATCH_BYTES} bytes: split it"),
            ));
        }
        let nonce = ev.nonce.unwrap_or_else(|| *Uuid::new_v4().as_bytes());
        let data_hash =
            data_hash_of(map, &probe.personal, &nonce).map_err(|e| invalid(at("data"), e))?;
        let content_hash = blake3_of(&data);
        let fingerprint = fingerprint(
            &ev.stream,
            &ev.event_type,
            ev.schema,
            &content_hash,
            ev.correlation_id,
            ev.causation_id,
        );
        events.push(PreparedEvent {
            id: ev.id,
            stream: ev.stream,
            event_type: ev.event_type,
            schema: ev.schema,
            data,
            personal,
            nonce,
            data_hash,
            occurred_at: ev.occurred_at,
            correlation_id: ev.correlation_id,
            causation_id: ev.causation_id,
            actor: ev.actor,
            fingerprint,
        });
    }
    Ok(Prepared {
        actor: request.actor,
        expected,
        events,
    })
}

/// The content of an event that an identical retry must repeat: stream, type, schema, data,
/// correlation and causation ids. (A retry that gives `occurred_at` must also repeat the stored
/// one; that is checked against the stored event, since the first write may have defaulted it.)
pub(crate) fn fingerprint(
    stream: &str,
    event_type: &str,
    schema: u32,
    data_hash: &Hash,
    correlation_id: Option<Uuid>,
    causation_id: Option<Uuid>,
) -> Hash {
    let mut fp = blake3::Hasher::new();
    fp.update(stream.as_bytes())
        .update(&[0])
        .update(event_type.as_bytes())
        .update(&[0]);
    fp.update(&schema.to_be_bytes()).update(data_hash);
    for id in [correlation_id, causation_id] {
        match id {
            Some(id) => fp.update(&[1]).update(id.as_bytes()),
            None => fp.update(&[0]),
        };
    }
    *fp.finalize().as_bytes()
}

/// The fingerprint of a stored event.
pub(crate) fn fingerprint_of(ev: &RecordedEvent) -> Hash {
    fingerprint(
        ev.stream(),
        ev.event_type(),
        ev.schema(),
        &ev.content_hash(),
        ev.correlation_id(),
        ev.causation_id(),
    )
}

/// What the planner knows of a stored id: its seq and the fingerprint of its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IdEntry {
    pub seq: u64,
    pub fingerprint: Hash,
}

/// What the writer keeps in memory about the log's tip.
#[derive(Clone, Debug, Default)]
pub(crate) struct Head {
    pub last_seq: u64,
    pub head_hash: Hash,
    pub last_recorded: Option<Timestamp>,
    pub streams: HashMap<String, u64>,
}

/// How to put a [`Head`] back if a planned write fails to commit.
#[derive(Debug)]
pub(crate) struct Undo {
    last_seq: u64,
    head_hash: Hash,
    last_recorded: Option<Timestamp>,
    streams: Vec<(String, Option<u64>)>,
}

impl Head {
    pub fn undo(&mut self, undo: Undo) {
        self.last_seq = undo.last_seq;
        self.head_hash = undo.head_hash;
        self.last_recorded = undo.last_recorded;
        for (stream, version) in undo.streams.into_iter().rev() {
            match version {
                Some(v) => self.streams.insert(stream, v),
                None => self.streams.remove(&stream),
            };
        }
    }

    /// Moves the head over an already-built record (restore, reopen).
    pub fn advance(&mut self, ev: &RecordedEvent) {
        self.last_seq = ev.seq();
        self.head_hash = ev.hash();
        self.last_recorded = Some(ev.recorded_at());
        self.streams.insert(ev.stream().to_string(), ev.version());
    }
}

/// Read access the planner needs: ids (including those of the same commit group) and events.
pub(crate) trait LogView {
    fn lookup_id(&self, id: &Uuid) -> Result<Option<IdEntry>, StoreError>;
    fn event(&self, seq: u64) -> Result<RecordedEvent, StoreError>;
}

/// What to do with one request.
pub(crate) enum Plan {
    /// Every event is already stored identically: answer with the original result.
    Duplicate(Appended),
    /// New records to store.
    Write {
        records: Vec<(RecordedEvent, IdEntry)>,
        appended: Appended,
        undo: Undo,
    },
}

/// Decides one request against the head: ids first, then versions, then assigns positions.
/// On `Write`, the head has already moved; call [`Head::undo`] if the commit fails.
pub(crate) fn plan(
    head: &mut Head,
    req: &Prepared,
    now: Timestamp,
    view: &dyn LogView,
) -> Result<Plan, StoreError> {
    // 1. Idempotency: ids are checked before versions.
    let mut found = Vec::new();
    let mut missing = None;
    for ev in &req.events {
        match view.lookup_id(&ev.id)? {
            Some(entry) => found.push((ev, entry)),
            None => missing = missing.or(Some(ev.id)),
        }
    }
    if let Some((ev, entry)) = found.first() {
        if let Some(missing) = missing {
            return Err(StoreError::IdReused {
                id: ev.id,
                reason: format!("it is stored at seq {}, but id {missing} of the same batch is not: the batch is only partly stored", entry.seq),
            });
        }
        let mut events = Vec::with_capacity(found.len());
        for (ev, entry) in &found {
            if entry.fingerprint != ev.fingerprint {
                let erased = view.event(entry.seq).is_ok_and(|s| s.is_redacted());
                return Err(StoreError::IdReused {
                    id: ev.id,
                    reason: if erased {
                        format!("it is stored at seq {}, whose data was erased since, so a retry cannot be told from other content", entry.seq)
                    } else {
                        format!("it is stored at seq {} with different content", entry.seq)
                    },
                });
            }
            let stored = view.event(entry.seq)?;
            if ev.occurred_at.is_some_and(|t| t != stored.occurred_at()) {
                return Err(StoreError::IdReused {
                    id: ev.id,
                    reason: format!(
                        "it is stored at seq {} with a different occurred_at",
                        entry.seq
                    ),
                });
            }
            events.push(AppendedEvent {
                seq: stored.seq(),
                stream: stored.stream().to_string(),
                version: stored.version(),
                id: ev.id,
            });
        }
        return Ok(Plan::Duplicate(Appended {
            events,
            duplicate: true,
        }));
    }

    // 2. Optimistic concurrency.
    let actual: Vec<(String, u64)> = req
        .expected
        .iter()
        .map(|(s, _)| (s.clone(), head.streams.get(s).copied().unwrap_or(0)))
        .collect();
    if actual.iter().zip(&req.expected).any(|(a, e)| a.1 != e.1) {
        return Err(StoreError::Conflict {
            expected: req.expected.clone(),
            actual,
        });
    }

    // 3. Assign positions, times and hashes.
    let mut undo = Undo {
        last_seq: head.last_seq,
        head_hash: head.head_hash,
        last_recorded: head.last_recorded,
        streams: Vec::new(),
    };
    let recorded_at = match head.last_recorded {
        Some(last) if last > now => last,
        _ => now,
    };
    let mut records = Vec::with_capacity(req.events.len());
    let mut appended = Vec::with_capacity(req.events.len());
    for ev in &req.events {
        let previous = head.streams.get(&ev.stream).copied();
        undo.streams.push((ev.stream.clone(), previous));
        let version = previous.unwrap_or(0) + 1;
        let seq = head.last_seq + 1;
        let env = Envelope {
            format: FORMAT_2,
            seq,
            stream: &ev.stream,
            version,
            id: ev.id,
            event_type: &ev.event_type,
            schema: ev.schema,
            recorded_at,
            occurred_at: ev.occurred_at.unwrap_or(recorded_at),
            actor: ev.actor.as_deref().unwrap_or(&req.actor),
            correlation_id: ev.correlation_id,
            causation_id: ev.causation_id,
            personal: ev.personal.iter().map(String::as_str).collect(),
            data: &ev.data,
            nonce: Some(ev.nonce),
            redacted: false,
            data_hash: ev.data_hash,
            prev_hash: if seq == 1 { ZERO_HASH } else { head.head_hash },
        };
        let hash = env.compute_hash();
        let record =
            RecordedEvent::from_bytes(env.encode(&hash)).map_err(|e| StoreError::Damaged {
                path: String::new(),
                detail: e.0,
            })?;
        head.last_seq = seq;
        head.head_hash = hash;
        head.streams.insert(ev.stream.clone(), version);
        records.push((
            record,
            IdEntry {
                seq,
                fingerprint: ev.fingerprint,
            },
        ));
        appended.push(AppendedEvent {
            seq,
            stream: ev.stream.clone(),
            version,
            id: ev.id,
        });
    }
    head.last_recorded = Some(recorded_at);
    Ok(Plan::Write {
        records,
        appended: Appended {
            events: appended,
            duplicate: false,
        },
        undo,
    })
}
