//! JSON Lines interchange: `export` (the documented backup), restore into an empty store, and
//! `--append` import that re-sequences and re-chains.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use super::record::{hex, parse_line, Hash, RecordedEvent, FORMAT_1, ZERO_HASH};
use super::{AppendRequest, Appended, EventStore, NewEvent, StoreError, IMPORT_CHUNK_EVENTS};

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
    /// How many atomic appends an `--append` import took (each of at most
    /// [`IMPORT_CHUNK_EVENTS`] events); a restore is always one.
    pub chunks: usize,
    /// Format-1 redactions the file holds, whose kept part cannot be checked (accepted only
    /// with `accept_unverified_redactions`).
    pub unverified_redactions: Vec<u64>,
}

/// The domain's rules for what an event may be, which the log itself does not know: known
/// event types and schema numbers, data that decodes, and which fields are personal.
pub trait EventRules {
    /// Checks a record: an error says what is wrong (an unknown type, data that does not
    /// decode, …).
    fn check(&self, record: &RecordedEvent) -> Result<(), String>;
    /// The top-level data keys of `event_type` that hold personal data.
    fn personal_fields(&self, event_type: &str) -> Vec<String>;
}

/// Rules that accept every well-formed envelope (tests of the log alone).
#[derive(Clone, Copy, Debug, Default)]
pub struct AnyEvent;

impl EventRules for AnyEvent {
    fn check(&self, _: &RecordedEvent) -> Result<(), String> {
        Ok(())
    }
    fn personal_fields(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
}

/// How to import.
pub struct ImportOptions<'a> {
    /// Append to a non-empty store (re-sequence and re-chain) instead of restoring.
    pub append: bool,
    /// Who imports (the request's actor; each event keeps its own).
    pub actor: &'a str,
    /// Accept format-1 redactions, whose kept part cannot be checked.
    pub accept_unverified_redactions: bool,
    /// A restore stores nothing unless the file's last event is this seq with this hash.
    pub expect_head: Option<(u64, Hash)>,
    /// The domain's rules for events.
    pub rules: &'a dyn EventRules,
}

impl<'a> ImportOptions<'a> {
    /// Options with no head expected, unverified redactions refused and any event accepted.
    pub fn new(append: bool, actor: &'a str) -> ImportOptions<'a> {
        ImportOptions {
            append,
            actor,
            accept_unverified_redactions: false,
            expect_head: None,
            rules: &AnyEvent,
        }
    }
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

/// Reads a whole export and checks it as a complete log before anything is stored: every
/// envelope rule of each line ([`parse_line`]), seq from 1 without gaps, every `prev_hash`
/// linking to the line before, versions contiguous per stream, ids unique, the domain's rules,
/// format-1 redactions only when accepted, and the expected head.
pub fn read_full_log(
    input: &mut dyn BufRead,
    options: &ImportOptions<'_>,
) -> Result<(Vec<RecordedEvent>, Vec<u64>), ImportError> {
    let records = read_records(input)?;
    let mut prev: Hash = ZERO_HASH;
    let mut versions: HashMap<String, u64> = HashMap::new();
    let mut ids: HashMap<uuid::Uuid, usize> = HashMap::with_capacity(records.len());
    let mut unverified = Vec::new();
    let mut out = Vec::with_capacity(records.len());
    let mut last_line = 0;
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
        check_line(&ev, line, &mut ids, options)?;
        if ev.is_redacted() && ev.format() == FORMAT_1 {
            if !options.accept_unverified_redactions {
                return Err(err(format!(
                    "seq {}: a format-1 redaction, whose kept data cannot be checked against the chain; import with --accept-unverified-redactions if you trust this file",
                    ev.seq()
                )));
            }
            unverified.push(ev.seq());
        }
        prev = ev.hash();
        last_line = line;
        out.push(ev);
    }
    if let Some((seq, hash)) = options.expect_head {
        let last = out.last().map_or(0, RecordedEvent::seq);
        if last != seq || prev != hash {
            return Err(ImportError::Line {
                line: last_line,
                message: format!(
                    "the file ends at seq {last} with hash {}, not at the expected head {seq}:{}",
                    hex(&prev),
                    hex(&hash)
                ),
            });
        }
    }
    Ok((out, unverified))
}

/// The checks a restore and an append share for one line: its id is not used by an earlier
/// line, and the domain's rules accept it.
fn check_line(
    ev: &RecordedEvent,
    line: usize,
    ids: &mut HashMap<uuid::Uuid, usize>,
    options: &ImportOptions<'_>,
) -> Result<(), ImportError> {
    let err = |message: String| ImportError::Line { line, message };
    if let Some(first) = ids.insert(ev.id(), line) {
        return Err(err(format!(
            "event id {} is already used on line {first}: ids are unique",
            ev.id()
        )));
    }
    options
        .rules
        .check(ev)
        .map_err(|m| err(format!("seq {}: {m}", ev.seq())))
}

/// Imports an export file (see [`import_with`]) with no head expected, format-1 redactions
/// refused and any well-formed event accepted.
pub fn import(
    store: &dyn EventStore,
    input: &mut dyn BufRead,
    append: bool,
    actor: &str,
) -> Result<ImportSummary, ImportError> {
    import_with(store, input, &ImportOptions::new(append, actor))
}

/// Imports an export file. Into an empty store (and without `append`) it is a restore that
/// keeps every position, time and hash, checked whole before anything is stored. With
/// `append` the events are appended as new events (new seq, `recorded_at` and hashes; same
/// ids, `occurred_at`, actors and data) in atomic chunks of at most [`IMPORT_CHUNK_EVENTS`],
/// each stream expected at the version before its first event in the file; every line is
/// checked before the first chunk is stored, and re-running an interrupted import stores only
/// the chunks that are missing.
pub fn import_with(
    store: &dyn EventStore,
    input: &mut dyn BufRead,
    options: &ImportOptions<'_>,
) -> Result<ImportSummary, ImportError> {
    if !options.append {
        let existing = store.head().last_seq;
        if existing != 0 {
            return Err(StoreError::NotEmpty { events: existing }.into());
        }
        let (records, unverified) = read_full_log(input, options)?;
        let events = records.len() as u64;
        if events > 0 {
            store.restore(records)?;
        }
        return Ok(ImportSummary {
            events,
            stored: events,
            restored: true,
            chunks: usize::from(events > 0),
            unverified_redactions: unverified,
        });
    }
    let records = read_records(input)?;
    let mut events = Vec::with_capacity(records.len());
    let mut lines = Vec::with_capacity(records.len());
    let mut first_version: Vec<(String, u64)> = Vec::new();
    let mut ids = HashMap::with_capacity(records.len());
    for (line, ev) in &records {
        let err = |message: String| ImportError::Line {
            line: *line,
            message,
        };
        if ev.is_redacted() {
            return Err(err(format!(
                "seq {}: its data was erased, so it cannot be appended again",
                ev.seq()
            )));
        }
        check_line(ev, *line, &mut ids, options)?;
        let data = ev.data_value().map_err(|e| err(e.0))?;
        if !first_version.iter().any(|(s, _)| s == ev.stream()) {
            first_version.push((ev.stream().to_string(), ev.version().saturating_sub(1)));
        }
        let personal = if ev.format() == FORMAT_1 {
            options.rules.personal_fields(ev.event_type())
        } else {
            ev.personal().into_iter().map(str::to_string).collect()
        };
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
            personal,
            nonce: None,
        });
        lines.push(*line);
    }
    let total = events.len() as u64;
    let mut summary = ImportSummary {
        events: total,
        stored: 0,
        restored: false,
        chunks: 0,
        unverified_redactions: Vec::new(),
    };
    // The version each stream is expected at before the next chunk.
    let mut expected: HashMap<String, u64> = HashMap::new();
    let mut start = 0;
    while start < events.len() {
        let end = (start + IMPORT_CHUNK_EVENTS).min(events.len());
        let chunk: Vec<NewEvent> = events[start..end].to_vec();
        let mut streams: Vec<String> = Vec::new();
        for ev in &chunk {
            if !streams.contains(&ev.stream) {
                streams.push(ev.stream.clone());
            }
        }
        let mut request = AppendRequest::new(options.actor, chunk);
        for stream in streams {
            let version = expected.get(&stream).copied().unwrap_or_else(|| {
                first_version
                    .iter()
                    .find(|(s, _)| *s == stream)
                    .map_or(0, |(_, v)| *v)
            });
            request = request.expect(stream, version);
        }
        let appended: Appended = store
            .append(request)
            .map_err(|e| name_line(e, &lines[start..end]))?;
        for ev in &appended.events {
            let v = expected.entry(ev.stream.clone()).or_default();
            *v = (*v).max(ev.version);
        }
        if !appended.duplicate {
            summary.stored += (end - start) as u64;
        }
        summary.chunks += 1;
        start = end;
    }
    Ok(summary)
}

/// A store error about `events[i]` of a chunk, told by the file's line number.
fn name_line(e: StoreError, lines: &[usize]) -> ImportError {
    let index = |field: &str| -> Option<usize> {
        field
            .strip_prefix("events[")?
            .split(']')
            .next()?
            .parse()
            .ok()
    };
    match &e {
        StoreError::Invalid { field, message } => match index(field).and_then(|i| lines.get(i)) {
            Some(line) => ImportError::Line {
                line: *line,
                message: format!("{field}: {message}"),
            },
            None => e.into(),
        },
        StoreError::IdReused { .. } | StoreError::Conflict { .. } => ImportError::Line {
            line: lines.first().copied().unwrap_or(0),
            message: format!(
                "in the chunk of lines {} to {}: {e}",
                lines.first().copied().unwrap_or(0),
                lines.last().copied().unwrap_or(0)
            ),
        },
        _ => e.into(),
    }
}
