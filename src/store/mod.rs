//! The event store: an append-only, hash-chained log of events, on sled or in memory.
//!
//! Everything Baton knows is an event in this log (see `DESIGN.md` §4 for the contract). Both
//! implementations, [`SledStore`] (durable, on disk) and [`MemoryStore`] (tests and the
//! simulator), implement [`EventStore`] and pass one shared contract test suite.
//!
//! Writes go through [`EventStore::append`], which checks, in this order: the request's own
//! form, event ids (idempotency), expected versions (optimistic concurrency); then assigns
//! `seq`, versions, `recorded_at` and hashes, and stores the whole batch atomically. Readers
//! only ever see acknowledged events.

pub mod canonical;
mod dir;
pub mod jsonl;
mod log;
mod memory;
pub mod record;
mod sled_store;
pub mod subscribe;
pub mod verify;

use std::sync::Arc;

use serde_json::Value;
use uuid::Uuid;

use crate::domain::Timestamp;

pub use memory::MemoryStore;
pub use record::{Hash, RecordedEvent, ZERO_HASH};
pub use sled_store::{
    Durability, FsyncDurability, LockedStore, RealFiles, SledStore, StoreConfig, SyncFiles,
    CACHE_BYTES, RESTORE_REOPEN_BYTES,
};
pub use subscribe::Subscription;

/// The name of the organization's stream.
pub const ORGANIZATION_STREAM: &str = "organization";

/// The largest event accepted, in bytes of its stored record (envelope and data).
///
/// Keeping events small keeps sled from moving them into its separate blob files.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// The most events one append may carry.
pub const MAX_BATCH_EVENTS: usize = 100_000;

/// The most bytes of stored records one append may hold.
pub const MAX_BATCH_BYTES: usize = 64 << 20;

/// The events an import appends in one atomic chunk.
pub const IMPORT_CHUNK_EVENTS: usize = 10_000;

/// A source of "now" for the store. Injected so tests control `recorded_at`.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(chrono::Utc::now())
    }
}

/// An event to append.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// Idempotency key. Derive it from the client's command id to make retries safe.
    pub id: Uuid,
    /// `organization` or `program-<slug>`.
    pub stream: String,
    /// Event type name, e.g. `SessionHeld`.
    pub event_type: String,
    /// Schema version of `data`.
    pub schema: u32,
    /// The event data: a JSON value without floats.
    pub data: Value,
    /// Business time; defaults to the store's `recorded_at`.
    pub occurred_at: Option<Timestamp>,
    /// Correlation id.
    pub correlation_id: Option<Uuid>,
    /// Causation id.
    pub causation_id: Option<Uuid>,
    /// Overrides the request's actor for this event (used when re-appending exported events,
    /// so the audit keeps who originally wrote them).
    pub actor: Option<String>,
    /// The top-level keys of `data` that hold personal data (names, free text about a
    /// person): an erasure removes them and keeps the rest checkable. Keys absent from `data`
    /// or null are ignored.
    pub personal: Vec<String>,
    /// The salt of the personal part's hash; random when `None` (set it only to make a
    /// seeded log reproducible).
    pub nonce: Option<record::Nonce>,
}

impl NewEvent {
    /// An event with a random id and no optional fields.
    pub fn new(
        stream: impl Into<String>,
        event_type: impl Into<String>,
        schema: u32,
        data: Value,
    ) -> NewEvent {
        NewEvent {
            id: Uuid::new_v4(),
            stream: stream.into(),
            event_type: event_type.into(),
            schema,
            data,
            occurred_at: None,
            correlation_id: None,
            causation_id: None,
            actor: None,
            personal: Vec::new(),
            nonce: None,
        }
    }

    /// Sets the id.
    pub fn with_id(mut self, id: Uuid) -> NewEvent {
        self.id = id;
        self
    }

    /// Sets the business time.
    pub fn occurred_at(mut self, at: Timestamp) -> NewEvent {
        self.occurred_at = Some(at);
        self
    }
}

/// A stream and the version the writer expects it to be at (0: the stream has no events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedVersion {
    /// Stream name.
    pub stream: String,
    /// Expected current version.
    pub version: u64,
}

/// One atomic append: any number of events on any number of streams.
#[derive(Clone, Debug, PartialEq)]
pub struct AppendRequest {
    /// Who writes.
    pub actor: String,
    /// Version checks; an empty list means no check.
    pub expected: Vec<ExpectedVersion>,
    /// The events, in order.
    pub events: Vec<NewEvent>,
}

impl AppendRequest {
    /// A request without version checks.
    pub fn new(actor: impl Into<String>, events: Vec<NewEvent>) -> AppendRequest {
        AppendRequest {
            actor: actor.into(),
            expected: Vec::new(),
            events,
        }
    }

    /// Adds a version check.
    pub fn expect(mut self, stream: impl Into<String>, version: u64) -> AppendRequest {
        self.expected.push(ExpectedVersion {
            stream: stream.into(),
            version,
        });
        self
    }
}

/// Where one appended event landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendedEvent {
    /// Global position.
    pub seq: u64,
    /// Stream.
    pub stream: String,
    /// Position in the stream.
    pub version: u64,
    /// Event id.
    pub id: Uuid,
}

/// The result of an append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Each event's position, in request order.
    pub events: Vec<AppendedEvent>,
    /// True when every event was already stored (an idempotent retry): nothing was written.
    pub duplicate: bool,
}

impl Appended {
    /// The highest seq of the batch.
    pub fn last_seq(&self) -> u64 {
        self.events.iter().map(|e| e.seq).max().unwrap_or(0)
    }
}

/// The log's tip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogHead {
    /// Last acknowledged seq (0 when empty).
    pub last_seq: u64,
    /// Hash of that event (zeros when empty).
    pub head_hash: Hash,
}

/// Everything that can go wrong in the store.
/// Picks the events an erasure redacts; see [`EventStore::erase`].
pub trait Eraser: Send {
    /// Who erases (the redaction marker's `by`).
    fn by(&self) -> &str;
    /// Why (the marker's `reason`).
    fn reason(&self) -> &str;
    /// Called for every event in seq order (already redacted ones included, so that the
    /// eraser can follow what it learns from earlier events): `Ok(None)` keeps the event as
    /// it is, `Ok(Some(kept))` redacts it, where `kept` is what a format-1 marker keeps (a
    /// format-2 marker keeps the non-personal part by itself). An error stops the erasure
    /// before anything changed.
    fn pick(&mut self, event: &RecordedEvent) -> Result<Option<Option<Value>>, String>;
}

/// Erases the one event at `seq`.
struct BySeq {
    seq: u64,
    by: String,
    reason: String,
}

impl Eraser for BySeq {
    fn by(&self) -> &str {
        &self.by
    }
    fn reason(&self) -> &str {
        &self.reason
    }
    fn pick(&mut self, event: &RecordedEvent) -> Result<Option<Option<Value>>, String> {
        Ok((event.seq() == self.seq).then_some(None))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An expected version did not match. Carries every checked stream's actual version.
    #[error("version conflict: expected {}, but the log has {}", fmt_versions(.expected), fmt_versions(.actual))]
    Conflict {
        /// What the writer expected.
        expected: Vec<(String, u64)>,
        /// What the log holds.
        actual: Vec<(String, u64)>,
    },
    /// An event id is already stored with other content, or a batch is only partly stored.
    #[error("event id {id} reused: {reason}")]
    IdReused {
        /// The id.
        id: Uuid,
        /// Why it is not an identical retry.
        reason: String,
    },
    /// The request is malformed.
    #[error("invalid append: {field}: {message}")]
    Invalid {
        /// The offending field, like `events[2].stream`.
        field: String,
        /// What was expected.
        message: String,
    },
    /// A directory that is not a baton store.
    #[error("{path} is not a baton store (it is not empty and has no BATON_STORE marker); refusing to touch it")]
    NotAStore {
        /// The directory.
        path: String,
    },
    /// Another process holds the store.
    #[error("store {path} is in use by {}", .pid.map(|p| format!("pid {p}")).unwrap_or_else(|| "another process".into()))]
    InUse {
        /// The directory.
        path: String,
        /// The holder, when known.
        pid: Option<u32>,
    },
    /// The store is damaged: truncated, corrupt, or unreadable.
    #[error("store {path} is damaged: {detail}. Restore it from a backup (`baton export` output) with `baton import`")]
    Damaged {
        /// The directory.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A restore was attempted into a store that already has events.
    #[error("the store already holds {events} events: a restore needs an empty store (use --append to add events)")]
    NotEmpty {
        /// How many events it holds.
        events: u64,
    },
    /// No such event.
    #[error("no event with seq {0}")]
    NoSuchEvent(u64),
    /// An IO error.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The store was closed, or its writer stopped after an earlier failure.
    #[error("the store is closed: {0}")]
    Closed(String),
}

/// The redacted copy of `ev` when the eraser picks it (`None` when it keeps it as it is). An
/// eraser's refusal, or a record that cannot be redacted, stops the erasure, naming the event.
pub(crate) fn erased(
    ev: &RecordedEvent,
    now: Timestamp,
    eraser: &mut dyn Eraser,
) -> Result<Option<RecordedEvent>, StoreError> {
    let refused = |message: String| StoreError::Invalid {
        field: format!("seq {}", ev.seq()),
        message: format!("the erasure was refused, nothing changed: {message}"),
    };
    let Some(kept) = eraser.pick(ev).map_err(refused)? else {
        return Ok(None);
    };
    ev.redacted(now, eraser.by(), eraser.reason(), kept.as_ref())
        .map(Some)
        .map_err(|e| refused(e.0))
}

fn fmt_versions(v: &[(String, u64)]) -> String {
    v.iter()
        .map(|(s, n)| format!("{s}@{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl StoreError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> StoreError {
        StoreError::Io {
            context: context.into(),
            source,
        }
    }
}

/// A boxed iterator over stored events.
pub type EventIter<'a> = Box<dyn Iterator<Item = Result<RecordedEvent, StoreError>> + 'a>;

/// The event log. Implemented on sled ([`SledStore`]) and in memory ([`MemoryStore`]).
pub trait EventStore: Send + Sync {
    /// Appends a batch atomically; returns only once it is durable (for durable stores).
    fn append(&self, request: AppendRequest) -> Result<Appended, StoreError>;

    /// Iterates acknowledged events with `seq >= from_seq`, in order.
    fn iter_from(&self, from_seq: u64) -> EventIter<'_>;

    /// Reads one stream's events with `version >= from_version`, in order.
    fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Reads one event.
    fn get(&self, seq: u64) -> Result<RecordedEvent, StoreError>;

    /// The current version of a stream (0 when it has no events).
    fn stream_version(&self, stream: &str) -> u64;

    /// Every stream with its current version, sorted by name.
    fn streams(&self) -> Vec<(String, u64)>;

    /// The last acknowledged seq and its hash.
    fn head(&self) -> LogHead;

    /// Replaces one event's data with a redaction marker (see [`EventStore::erase`]).
    fn redact(&self, seq: u64, by: &str, reason: &str) -> Result<(), StoreError> {
        self.get(seq)?;
        let eraser = BySeq {
            seq,
            by: by.to_string(),
            reason: reason.to_string(),
        };
        self.erase(None, Box::new(eraser)).map(|_| ())
    }

    /// An erasure, all or nothing: appends `request` (the event that records the erasure, if
    /// any) and replaces the data of every event the `eraser` picks, visiting every stored
    /// event and then the appended ones in seq order, with a redaction marker. The chain stays
    /// valid because it covers `data_hash`, not `data`. No copy of the erased data is left in
    /// the store's files (the sled store rewrites its database afresh and swaps it in), and
    /// every saved checkpoint is dropped before it returns (a checkpoint may hold the erased
    /// data). A crash leaves either no trace of the erasure or all of it.
    fn erase(
        &self,
        request: Option<AppendRequest>,
        eraser: Box<dyn Eraser>,
    ) -> Result<Option<Appended>, StoreError>;

    /// Stores verified records as they are (seq, times, hashes), into an empty store.
    fn restore(&self, records: Vec<RecordedEvent>) -> Result<(), StoreError>;

    /// Begins a restore into an empty store that takes its records one at a time (see
    /// [`Restore`]): nothing is visible, and nothing stays, unless it is committed. The sled
    /// store writes them into a staging database as they come, so a restore's memory does
    /// not grow with the log; this default collects them and calls [`EventStore::restore`].
    fn begin_restore(&self) -> Result<Box<dyn Restore + '_>, StoreError> {
        let events = self.head().last_seq;
        if events != 0 {
            return Err(StoreError::NotEmpty { events });
        }
        Ok(Box::new(Collected {
            store: self,
            records: Vec::new(),
            ids: std::collections::HashMap::new(),
        }))
    }

    /// Iterates one stream's events with `version >= from_version`, in order; the sled store
    /// reads them one at a time, this default through [`EventStore::read_stream`].
    fn iter_stream(&self, stream: &str, from_version: u64) -> EventIter<'_> {
        match self.read_stream(stream, from_version) {
            Ok(events) => Box::new(events.into_iter().map(Ok)),
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    }

    /// The seq of the acknowledged event with this id, if any.
    fn find_id(&self, id: &Uuid) -> Result<Option<u64>, StoreError>;

    /// Reads a saved projection checkpoint. Checkpoints are a cache kept beside the log, never
    /// part of it: a missing or stale one only costs a replay.
    fn load_checkpoint(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Which generation of checkpoints a fold starting now belongs to: it changes whenever a
    /// redaction drops every checkpoint. Read it before reading the events a checkpoint is
    /// folded from, and pass it to [`EventStore::save_checkpoint`].
    fn checkpoint_epoch(&self) -> u64;

    /// Saves a projection checkpoint under `name`, replacing the previous one, unless a
    /// redaction happened since `epoch` was read: then nothing is saved and the answer is
    /// `false`, because a state folded before an erasure may hold the erased data.
    fn save_checkpoint(&self, name: &str, bytes: &[u8], epoch: u64) -> Result<bool, StoreError>;

    /// A receiver that is told the last acknowledged seq after every commit.
    fn notifier(&self) -> tokio::sync::broadcast::Receiver<u64>;

    /// Reads a range of events into a vector.
    fn read_all(&self, from_seq: u64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.iter_from(from_seq).take(limit).collect()
    }
}

/// A restore in progress (see [`EventStore::begin_restore`]): the caller checks each record
/// (the chain, the envelope rules, the domain's rules; `seq_of` finds an id used earlier) and
/// pushes it; [`Restore::commit`] makes every pushed record the store's log at once. Dropping
/// it without a commit stores nothing, and so does a crash before the commit returns (or the
/// whole restore is there when the store is next opened, if the crash came during the
/// commit's final swap).
pub trait Restore {
    /// The seq of a record already pushed with this id, if any.
    fn seq_of(&mut self, id: &Uuid) -> Result<Option<u64>, StoreError>;
    /// Adds a record, as it is (no check: the caller has checked it).
    fn push(&mut self, record: RecordedEvent) -> Result<(), StoreError>;
    /// Makes every pushed record the store's log, all or nothing; refused with
    /// [`StoreError::NotEmpty`] when the store is no longer empty.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// The default [`Restore`]: the records in memory, restored at the commit.
struct Collected<'a, S: EventStore + ?Sized> {
    store: &'a S,
    records: Vec<RecordedEvent>,
    ids: std::collections::HashMap<Uuid, u64>,
}

impl<S: EventStore + ?Sized> Restore for Collected<'_, S> {
    fn seq_of(&mut self, id: &Uuid) -> Result<Option<u64>, StoreError> {
        Ok(self.ids.get(id).copied())
    }
    fn push(&mut self, record: RecordedEvent) -> Result<(), StoreError> {
        self.ids.insert(record.id(), record.seq());
        self.records.push(record);
        Ok(())
    }
    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        if self.records.is_empty() {
            return Ok(());
        }
        self.store.restore(self.records)
    }
}

/// Subscribes to the log from `after_seq`: catch-up, then live. See [`Subscription`].
pub fn subscribe(store: Arc<dyn EventStore>, after_seq: u64) -> Subscription {
    Subscription::new(store, after_seq)
}

/// Every stream of a version map, with its version, sorted by name.
pub(crate) fn sorted_streams(
    streams: &std::collections::HashMap<String, u64>,
) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = streams.iter().map(|(s, v)| (s.clone(), *v)).collect();
    out.sort();
    out
}

/// A checkpoint name is 1 or more of `a-z`, `0-9` and `-` (it names a file).
pub(crate) fn check_checkpoint_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(StoreError::Invalid {
            field: "checkpoint".into(),
            message: format!("{name:?} is not a name of a-z, 0-9 and -"),
        });
    }
    Ok(())
}

/// Whether a stream name is valid: `organization`, `access` (token grants and revocations) or
/// `program-<slug>` with slug `[a-z0-9-]{1,64}`.
pub fn is_valid_stream(name: &str) -> bool {
    if name == ORGANIZATION_STREAM || name == crate::access::ACCESS_STREAM {
        return true;
    }
    match name.strip_prefix("program-") {
        Some(slug) => {
            (1..=64).contains(&slug.len())
                && slug
                    .bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        }
        None => false,
    }
}
