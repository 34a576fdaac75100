//! `baton verify`: the chain, data hashes, seq and version contiguity, and the indexes.

use std::collections::HashMap;

use serde::Serialize;

use super::record::{hex, DataCheck, Hash, ZERO_HASH};
use super::{is_valid_stream, EventStore, SledStore, StoreError};

/// The first problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    /// The first bad seq (0 when the problem is not tied to one event).
    pub seq: u64,
    /// What is wrong.
    pub detail: String,
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// Of those, the format-1 redactions: what they kept cannot be checked against the chain.
    pub unverified_redactions: Vec<u64>,
    /// The first problem, if any.
    pub problem: Option<Problem>,
}

impl VerifyReport {
    /// Whether the log is intact.
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Checks every event of the log in seq order and stops at the first problem. It reads one
/// event at a time ([`EventStore::iter_from`]) and keeps only the version of each stream and
/// the seqs of redactions.
pub fn verify(store: &dyn EventStore) -> Result<VerifyReport, StoreError> {
    verify_with(store, &|_| {})
}

/// [`verify`], telling `progress` the seq of each event read (for a progress bar).
pub fn verify_with(
    store: &dyn EventStore,
    progress: &dyn Fn(u64),
) -> Result<VerifyReport, StoreError> {
    let mut expected_seq = 1;
    let mut prev: Hash = ZERO_HASH;
    let mut versions: HashMap<String, u64> = HashMap::new();
    let mut redactions = Vec::new();
    let mut unverified_redactions = Vec::new();
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
        progress(seq);
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
        // One entry per stream; no allocation for a stream already seen.
        let version = match versions.get_mut(ev.stream()) {
            Some(version) => version,
            None => versions.entry(ev.stream().to_string()).or_default(),
        };
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
        match ev.envelope().check_data() {
            Ok(DataCheck::Intact) => {}
            Ok(DataCheck::RedactionVerified) => redactions.push(seq),
            Ok(DataCheck::RedactionUnverified) => {
                redactions.push(seq);
                unverified_redactions.push(seq);
            }
            Err(detail) => {
                problem = fail(detail);
                break;
            }
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
        unverified_redactions,
        problem,
    })
}

/// Checks that the log still holds exactly the head `seq`:`hash` noted earlier (its event
/// at `seq` has that hash); an error says what it holds instead.
pub fn check_head(store: &dyn EventStore, seq: u64, hash: &Hash) -> Result<(), String> {
    let head = store.head();
    if seq == 0 || seq > head.last_seq {
        return Err(format!(
            "the log ends at seq {}, so it does not hold seq {seq}",
            head.last_seq
        ));
    }
    let ev = store.get(seq).map_err(|e| e.to_string())?;
    if ev.hash() != *hash {
        return Err(format!(
            "the event at seq {seq} has hash {}, not {}: the log was rewritten",
            hex(&ev.hash()),
            hex(hash)
        ));
    }
    Ok(())
}

/// [`verify_sled`], and, when a head was noted (`SEQ:HASH`), whether that event is in the log
/// with that hash (a missing or different one is the report's problem).
pub fn verify_noted(
    store: &SledStore,
    noted: Option<(u64, Hash)>,
) -> Result<VerifyReport, StoreError> {
    verify_noted_with(store, noted, &|_| {})
}

/// [`verify_noted`], telling `progress` the seq of each event read.
pub fn verify_noted_with(
    store: &SledStore,
    noted: Option<(u64, Hash)>,
    progress: &dyn Fn(u64),
) -> Result<VerifyReport, StoreError> {
    let mut report = verify_sled_with(store, progress)?;
    if let (Some((seq, hash)), None) = (noted, &report.problem) {
        if let Err(detail) = check_head(store, seq, &hash) {
            report.problem = Some(Problem {
                seq,
                detail: format!("the noted head is not in the log: {detail}"),
            });
        }
    }
    Ok(report)
}

/// [`verify`] plus the sled store's indexes (stream index, id index, stream heads).
pub fn verify_sled(store: &SledStore) -> Result<VerifyReport, StoreError> {
    verify_sled_with(store, &|_| {})
}

fn verify_sled_with(store: &SledStore, progress: &dyn Fn(u64)) -> Result<VerifyReport, StoreError> {
    let mut report = verify_with(store, progress)?;
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
