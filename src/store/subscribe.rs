//! Subscriptions: catch up from any seq, then follow the log live, with no gap and no duplicate.
//!
//! A subscription registers for commit notifications *before* it reads, then reads the log from
//! its position. Every commit notifies after it is durable, so a commit that lands after a read
//! always wakes the subscriber, which reads again from where it stopped. Notifications carry no
//! events: a subscriber that falls behind (its notification queue overflows) simply reads more
//! on its next catch-up, and writers never wait for it.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

use super::{EventStore, RecordedEvent, StoreError};

const PAGE: usize = 512;

/// A position in the log that yields every later event exactly once, in order.
pub struct Subscription {
    store: Arc<dyn EventStore>,
    rx: broadcast::Receiver<u64>,
    next_seq: u64,
    buffer: VecDeque<RecordedEvent>,
}

impl Subscription {
    /// Subscribes to events after `after_seq` (0: from the beginning).
    pub fn new(store: Arc<dyn EventStore>, after_seq: u64) -> Subscription {
        let rx = store.notifier();
        Subscription {
            store,
            rx,
            next_seq: after_seq + 1,
            buffer: VecDeque::new(),
        }
    }

    /// The seq the next event will have.
    pub fn position(&self) -> u64 {
        self.next_seq
    }

    fn fill(&mut self) -> Result<bool, StoreError> {
        let events = self.store.read_all(self.next_seq, PAGE)?;
        if let Some(last) = events.last() {
            self.next_seq = last.seq() + 1;
        }
        let any = !events.is_empty();
        self.buffer.extend(events);
        Ok(any)
    }

    /// The next event, if one is already stored; never waits.
    pub fn try_next(&mut self) -> Option<Result<RecordedEvent, StoreError>> {
        if let Some(ev) = self.buffer.pop_front() {
            return Some(Ok(ev));
        }
        // Drain stale notifications: the read below covers them.
        while !matches!(
            self.rx.try_recv(),
            Err(TryRecvError::Empty) | Err(TryRecvError::Closed)
        ) {}
        match self.fill() {
            Err(e) => Some(Err(e)),
            Ok(_) => self.buffer.pop_front().map(Ok),
        }
    }

    /// The next event, waiting for it. `None` when the store is closed.
    pub async fn next(&mut self) -> Option<Result<RecordedEvent, StoreError>> {
        loop {
            if let Some(ev) = self.try_next() {
                return Some(ev);
            }
            match self.rx.recv().await {
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return self.try_next(),
            }
        }
    }

    /// The next event, blocking the thread (not for use inside an async runtime).
    pub fn blocking_next(&mut self) -> Option<Result<RecordedEvent, StoreError>> {
        loop {
            if let Some(ev) = self.try_next() {
                return Some(ev);
            }
            match self.rx.blocking_recv() {
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return self.try_next(),
            }
        }
    }
}
