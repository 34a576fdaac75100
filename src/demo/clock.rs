//! A clock the demo sets before each step.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::domain::Timestamp;
use crate::store::Clock;

/// A clock that reads whatever it was last set to.
#[derive(Debug)]
pub struct StepClock {
    /// Why: the store and the application read it from other threads' handles; an atomic
    /// needs no lock.
    micros: AtomicI64,
}

impl StepClock {
    /// A clock reading `now`.
    pub fn new(now: Timestamp) -> StepClock {
        StepClock {
            micros: AtomicI64::new(now.as_micros()),
        }
    }

    /// Sets the reading.
    pub fn set(&self, now: Timestamp) {
        self.micros.store(now.as_micros(), Ordering::SeqCst);
    }
}

impl Clock for StepClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.micros.load(Ordering::SeqCst))
    }
}
