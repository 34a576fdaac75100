//! `baton verify`: the chain, data hashes, seq and version contiguity, and the indexes.

use std::collections::HashMap;

use serde::Serialize;

use super::record::{blake3_of, hex, Hash, ZERO_HASH};
use super::{is_valid_stream, EventStore, SledStore, StoreError};

/// The first problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The first bad seq (0 when the problem is not tied to one event).
    pub seq: u64,
    /// What is wrong.
    pub detail: String,
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Events checked.
    pub events: u64,
    /// Distinct streams.
    pub streams: usize,
    /// Last seq.
    pub last_seq: u64,
    /// Head hash (hex).
    pub head_hash: String,
    /// Seqs whose data was erased.
    pub redactions: Vec<u64>,
    /// The first problem, if any.
    pub problem: Option<Problem>,
}

impl VerifyReport {
    /// Whether the log is intact.
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Checks every event of the log in seq order and stops at the first problem.
pub fn verify(store: &dyn EventStore) -> Result<VerifyReport, StoreError> {
    let mut expected_seq = 1;
    let mut prev: Hash = ZERO_HASH;
    let mut versions: HashMap<String, u64> = HashMap::new();
    let mut redactions = Vec::new();
    let mut problem = None;
    for item in store.iter_from(1) {
        let ev = match item {
            Ok(ev) => ev,
            Err(e) => {
                problem = Some(Problem {
                    seq: expected_seq,
                    detail: format!("unreadable: {e}"),
                });
                break;
            }
        };
        let seq = ev.seq();
        let fail = |detail: String| Some(Problem { seq, detail });
        if seq != expected_seq {
            problem = Some(Problem {
                seq: expected_seq,
                detail: format!("seq {expected_seq} is missing (found seq {seq} next)"),
            });
            break;
        }
        if !is_valid_stream(ev.stream()) {
            problem = fail(format!("invalid stream name {:?}", ev.stream()));
            break;
        }
        let version = versions.entry(ev.stream().to_string()).or_default();
        if ev.version() != *version + 1 {
            problem = fail(format!(
                "stream {} jumps from version {} to {}",
                ev.stream(),
                version,
                ev.version()
            ));
            break;
        }
        *version = ev.version();
        if ev.prev_hash() != prev {
            problem = fail(
                "prev_hash does not match the previous event's hash (the chain is broken)".into(),
            );
            break;
        }
        if ev.envelope().compute_hash() != ev.hash() {
            problem = fail("hash does not match the envelope (the envelope was altered)".into());
            break;
        }
        if ev.is_redacted() {
            redactions.push(seq);
        } else if blake3_of(ev.data_bytes()) != ev.data_hash() {
            problem = fail("data does not match data_hash (the data was altered)".into());
            break;
        }
        prev = ev.hash();
        expected_seq += 1;
    }
    let last_seq = expected_seq - 1;
    if problem.is_none() {
        let head = store.head();
        if head.last_seq != last_seq || head.head_hash != prev {
            problem = Some(Problem {
                seq: last_seq + 1,
                detail: format!(
                    "the store's head says seq {} but the log ends at seq {last_seq}",
                    head.last_seq
                ),
            });
        }
    }
    Ok(VerifyReport {
        events: last_seq,
        streams: versions.len(),
        last_seq,
        head_hash: hex(&prev),
        redactions,
        problem,
    })
}

/// [`verify`] plus the sled store's indexes (stream index, id index, stream heads).
pub fn verify_sled(store: &SledStore) -> Result<VerifyReport, StoreError> {
    let mut report = verify(store)?;
    if report.problem.is_none() {
        if let Some(first) = super::sled_store::check_indexes(store)?.into_iter().next() {
            let seq = first
                .strip_prefix("seq ")
                .and_then(|s| s.split(':').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            report.problem = Some(Problem {
                seq,
                detail: format!("index: {first}"),
            });
        }
    }
    Ok(report)
}
