//! JSON Lines interchange: `export` (the documented backup), restore into an empty store, and
//! `--append` import that re-sequences and re-chains.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use super::record::{hex, parse_line, Hash, RecordedEvent, ZERO_HASH};
use super::{AppendRequest, Appended, EventStore, NewEvent, StoreError};

/// A rejected import, naming the line.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A line is malformed, tampered or out of order. Nothing was stored.
    #[error("line {line}: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The store refused the events.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading the file failed.
    #[error("reading the import file: {0}")]
    Read(#[from] std::io::Error),
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    /// Events in the file.
    pub events: u64,
    /// Events newly stored (0 for an identical re-import with `--append`).
    pub stored: u64,
    /// Whether this was a restore (positions and hashes kept) or an append.
    pub restored: bool,
}

/// Writes events as JSON Lines, one canonical envelope per line, in seq order; only `stream`'s
/// events when given. Returns the number of lines written. Uses the stored bytes, never an
/// upcast form.
pub fn export(
    store: &dyn EventStore,
    stream: Option<&str>,
    out: &mut dyn Write,
) -> Result<u64, StoreError> {
    let mut n = 0;
    let write_err = |e| StoreError::io("writing the export", e);
    let mut emit = |ev: &RecordedEvent, out: &mut dyn Write| -> Result<(), StoreError> {
        out.write_all(&ev.to_line()).map_err(write_err)?;
        out.write_all(b"\n").map_err(write_err)?;
        n += 1;
        Ok(())
    };
    match stream {
        Some(stream) => {
            for ev in store.read_stream(stream, 1)? {
                emit(&ev, out)?;
            }
        }
        None => {
            for ev in store.iter_from(1) {
                emit(&ev?, out)?;
            }
        }
    }
    out.flush().map_err(write_err)?;
    Ok(n)
}

fn read_records(input: &mut dyn BufRead) -> Result<Vec<(usize, RecordedEvent)>, ImportError> {
    let mut records = Vec::new();
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        if buf.last() != Some(&b'\n') {
            return Err(ImportError::Line {
                line: line_no,
                message: "the last line has no newline: the file looks truncated".into(),
            });
        }
        buf.pop();
        if buf.is_empty() {
            return Err(ImportError::Line {
                line: line_no,
                message: "empty line: expected one JSON envelope per line".into(),
            });
        }
        let record = parse_line(&buf).map_err(|e| ImportError::Line {
            line: line_no,
            message: e.0,
        })?;
        records.push((line_no, record));
    }
    Ok(records)
}

/// Reads a whole export and checks it as a complete log: seq from 1 without gaps, every
/// `prev_hash` linking to the line before, versions contiguous per stream.
pub fn read_full_log(input: &mut dyn BufRead) -> Result<Vec<RecordedEvent>, ImportError> {
    let records = read_records(input)?;
    let mut prev: Hash = ZERO_HASH;
    let mut versions: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::with_capacity(records.len());
    for (i, (line, ev)) in records.into_iter().enumerate() {
        let err = |message: String| ImportError::Line { line, message };
        let want = i as u64 + 1;
        if ev.seq() != want {
            return Err(err(format!(
                "expected seq {want}, found seq {} (lines missing or reordered)",
                ev.seq()
            )));
        }
        if ev.prev_hash() != prev {
            return Err(err(format!("prev_hash {} does not link to the previous line's hash {} (lines missing, reordered or altered)", hex(&ev.prev_hash()), hex(&prev))));
        }
        let version = versions.entry(ev.stream().to_string()).or_default();
        if ev.version() != *version + 1 {
            return Err(err(format!(
                "stream {} jumps from version {} to {}",
                ev.stream(),
                version,
                ev.version()
            )));
        }
        *version = ev.version();
        prev = ev.hash();
        out.push(ev);
    }
    Ok(out)
}

/// Imports an export file. Into an empty store (and without `append`) it is a restore that
/// keeps every position, time and hash. With `append` the events are appended atomically as
/// new events (new seq, `recorded_at` and hashes; same ids, `occurred_at`, actors and data),
/// each stream expected at the version before its first event in the file. Nothing is stored
/// from a rejected file.
pub fn import(
    store: &dyn EventStore,
    input: &mut dyn BufRead,
    append: bool,
    actor: &str,
) -> Result<ImportSummary, ImportError> {
    if !append {
        let existing = store.head().last_seq;
        if existing != 0 {
            return Err(StoreError::NotEmpty { events: existing }.into());
        }
        let records = read_full_log(input)?;
        let events = records.len() as u64;
        if events > 0 {
            store.restore(records)?;
        }
        return Ok(ImportSummary {
            events,
            stored: events,
            restored: true,
        });
    }
    let records = read_records(input)?;
    let mut events = Vec::with_capacity(records.len());
    let mut expected: Vec<(String, u64)> = Vec::new();
    for (line, ev) in &records {
        if ev.is_redacted() {
            return Err(ImportError::Line {
                line: *line,
                message: format!(
                    "seq {}: its data was erased, so it cannot be appended again",
                    ev.seq()
                ),
            });
        }
        let data = ev.data_value().map_err(|e| ImportError::Line {
            line: *line,
            message: e.0,
        })?;
        if !expected.iter().any(|(s, _)| s == ev.stream()) {
            expected.push((ev.stream().to_string(), ev.version().saturating_sub(1)));
        }
        events.push(NewEvent {
            id: ev.id(),
            stream: ev.stream().to_string(),
            event_type: ev.event_type().to_string(),
            schema: ev.schema(),
            data,
            occurred_at: Some(ev.occurred_at()),
            correlation_id: ev.correlation_id(),
            causation_id: ev.causation_id(),
            actor: Some(ev.actor().to_string()),
        });
    }
    let total = events.len() as u64;
    if events.is_empty() {
        return Ok(ImportSummary {
            events: 0,
            stored: 0,
            restored: false,
        });
    }
    let mut request = AppendRequest::new(actor, events);
    for (stream, version) in expected {
        request = request.expect(stream, version);
    }
    let appended: Appended = store.append(request)?;
    Ok(ImportSummary {
        events: total,
        stored: if appended.duplicate { 0 } else { total },
        restored: false,
    })
}
