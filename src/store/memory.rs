//! The in-memory event store: the same contract as the sled store, nothing on disk.
//! Used by tests, by the simulator's branches, and as the reference the contract tests share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;
use uuid::Uuid;

use super::log::{self, Head, IdEntry, LogView, Plan};
use super::record::RecordedEvent;
use super::{
    erased, AppendRequest, Appended, Clock, Eraser, EventIter, EventStore, LogHead, StoreError,
    SystemClock,
};

/// An event store held in memory.
///
/// A std `Mutex` guards the state; it is never held across an `.await`.
pub struct MemoryStore {
    state: Mutex<State>,
    /// Why: the clock is injected so tests control `recorded_at`.
    clock: Arc<dyn Clock>,
    /// Why: subscribers learn about commits without polling; sending never blocks.
    notify: broadcast::Sender<u64>,
}

#[derive(Default)]
struct State {
    head: Head,
    events: Vec<RecordedEvent>,
    ids: HashMap<Uuid, IdEntry>,
    by_stream: HashMap<String, Vec<u64>>,
    checkpoints: HashMap<String, Vec<u8>>,
    /// Bumped by every redaction, which drops the checkpoints.
    checkpoint_epoch: u64,
}

impl State {
    fn push(&mut self, record: RecordedEvent, entry: IdEntry) {
        self.head.advance(&record);
        self.ids.insert(record.id(), entry);
        self.by_stream
            .entry(record.stream().to_string())
            .or_default()
            .push(record.seq());
        self.events.push(record);
    }
}

impl LogView for State {
    fn lookup_id(&self, id: &Uuid) -> Result<Option<IdEntry>, StoreError> {
        Ok(self.ids.get(id).copied())
    }
    fn event(&self, seq: u64) -> Result<RecordedEvent, StoreError> {
        seq.checked_sub(1)
            .and_then(|i| self.events.get(i as usize))
            .cloned()
            .ok_or(StoreError::NoSuchEvent(seq))
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// An empty store on the system clock.
    pub fn new() -> MemoryStore {
        MemoryStore::with_clock(Arc::new(SystemClock))
    }

    /// An empty store on the given clock.
    pub fn with_clock(clock: Arc<dyn Clock>) -> MemoryStore {
        MemoryStore {
            state: Mutex::new(State::default()),
            clock,
            notify: broadcast::channel(1024).0,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave half a commit: commits are pushed only
        // after planning succeeded. So a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl EventStore for MemoryStore {
    fn append(&self, request: AppendRequest) -> Result<Appended, StoreError> {
        let prepared = log::prepare(request)?;
        let now = self.clock.now();
        let mut state = self.lock();
        let mut head = std::mem::take(&mut state.head);
        let planned = log::plan(&mut head, &prepared, now, &*state);
        state.head = head;
        match planned? {
            Plan::Duplicate(appended) => Ok(appended),
            Plan::Write {
                records, appended, ..
            } => {
                // `plan` already moved the head; pushing moves it over the same records again.
                for (record, entry) in records {
                    state.push(record, entry);
                }
                let last = state.head.last_seq;
                drop(state);
                let _ = self.notify.send(last);
                Ok(appended)
            }
        }
    }

    fn iter_from(&self, from_seq: u64) -> EventIter<'_> {
        let mut next = from_seq.max(1);
        let mut buffer: std::vec::IntoIter<RecordedEvent> = Vec::new().into_iter();
        Box::new(std::iter::from_fn(move || {
            if let Some(ev) = buffer.next() {
                return Some(Ok(ev));
            }
            let state = self.lock();
            let start = (next - 1) as usize;
            if start >= state.events.len() {
                return None;
            }
            let end = (start + 1024).min(state.events.len());
            let chunk: Vec<RecordedEvent> = state.events[start..end].to_vec();
            drop(state);
            next += chunk.len() as u64;
            buffer = chunk.into_iter();
            buffer.next().map(Ok)
        }))
    }

    fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let state = self.lock();
        let Some(seqs) = state.by_stream.get(stream) else {
            return Ok(Vec::new());
        };
        let skip = from_version.saturating_sub(1) as usize;
        seqs.iter()
            .skip(skip)
            .map(|&seq| state.event(seq))
            .collect()
    }

    fn get(&self, seq: u64) -> Result<RecordedEvent, StoreError> {
        self.lock().event(seq)
    }

    fn stream_version(&self, stream: &str) -> u64 {
        self.lock().head.streams.get(stream).copied().unwrap_or(0)
    }

    fn streams(&self) -> Vec<(String, u64)> {
        super::sorted_streams(&self.lock().head.streams)
    }

    fn head(&self) -> LogHead {
        let state = self.lock();
        LogHead {
            last_seq: state.head.last_seq,
            head_hash: state.head.head_hash,
        }
    }

    fn erase(
        &self,
        request: Option<AppendRequest>,
        mut eraser: Box<dyn Eraser>,
    ) -> Result<Option<Appended>, StoreError> {
        let prepared = request.map(log::prepare).transpose()?;
        let now = self.clock.now();
        let mut state = self.lock();
        // Planned on a copy of the head: nothing changes until every step has succeeded.
        let mut head = state.head.clone();
        let (mut records, appended) = match &prepared {
            None => (Vec::new(), None),
            Some(prepared) => match log::plan(&mut head, prepared, now, &*state)? {
                Plan::Duplicate(appended) => (Vec::new(), Some(appended)),
                Plan::Write {
                    records, appended, ..
                } => (records, Some(appended)),
            },
        };
        let mut replaced: Vec<(usize, RecordedEvent)> = Vec::new();
        for (i, ev) in state.events.iter().enumerate() {
            if let Some(redacted) = erased(ev, now, &mut *eraser)? {
                replaced.push((i, redacted));
            }
        }
        for (record, _) in &mut records {
            if let Some(redacted) = erased(record, now, &mut *eraser)? {
                *record = redacted;
            }
        }
        for (i, record) in replaced {
            // The id index keeps no hash of the erased content.
            if let Some(entry) = state.ids.get_mut(&record.id()) {
                entry.fingerprint = log::fingerprint_of(&record);
            }
            state.events[i] = record;
        }
        let wrote = !records.is_empty();
        for (record, entry) in records {
            state.push(record, entry);
        }
        state.checkpoint_epoch += 1;
        state.checkpoints.clear();
        let last = state.head.last_seq;
        drop(state);
        if wrote {
            let _ = self.notify.send(last);
        }
        Ok(appended)
    }

    fn restore(&self, records: Vec<RecordedEvent>) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.head.last_seq != 0 {
            return Err(StoreError::NotEmpty {
                events: state.head.last_seq,
            });
        }
        for record in records {
            let entry = IdEntry {
                seq: record.seq(),
                fingerprint: log::fingerprint_of(&record),
            };
            state.push(record, entry);
        }
        let last = state.head.last_seq;
        drop(state);
        let _ = self.notify.send(last);
        Ok(())
    }

    fn find_id(&self, id: &Uuid) -> Result<Option<u64>, StoreError> {
        Ok(self.lock().ids.get(id).map(|e| e.seq))
    }

    fn load_checkpoint(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        super::check_checkpoint_name(name)?;
        Ok(self.lock().checkpoints.get(name).cloned())
    }

    fn checkpoint_epoch(&self) -> u64 {
        self.lock().checkpoint_epoch
    }

    fn save_checkpoint(&self, name: &str, bytes: &[u8], epoch: u64) -> Result<bool, StoreError> {
        super::check_checkpoint_name(name)?;
        let mut state = self.lock();
        if state.checkpoint_epoch != epoch {
            return Ok(false);
        }
        state.checkpoints.insert(name.to_string(), bytes.to_vec());
        Ok(true)
    }

    fn notifier(&self) -> broadcast::Receiver<u64> {
        self.notify.subscribe()
    }
}
