//! JSON Lines interchange: `export` (the documented backup), restore into an empty store, and
//! `--append` import that re-sequences and re-chains.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};

use super::record::{hex, parse_line, Hash, RecordedEvent, FORMAT_1, ZERO_HASH};
use super::{
    AppendRequest, Appended, EventStore, NewEvent, Restore, StoreError, IMPORT_CHUNK_EVENTS,
};

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

impl ImportSummary {
    /// What `baton import --format json` prints and `POST /api/import` answers (with the head).
    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "restored": self.restored,
            "events": self.events,
            "stored": self.stored,
            "chunks": self.chunks,
            "unverified_redactions": self.unverified_redactions,
        })
    }
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
            for ev in store.iter_stream(stream, 1) {
                emit(&ev?, out)?;
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

/// The longest line an import reads: an event is at most [`super::MAX_EVENT_BYTES`] stored,
/// and its JSON line (hex hashes, escaped text) a few times that at most. A longer line is
/// refused without being read whole, so a file without newlines cannot fill the memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Reads an export one line at a time, keeping one line in memory.
struct LineReader<'a> {
    input: &'a mut dyn BufRead,
    buf: Vec<u8>,
    line: usize,
}

impl<'a> LineReader<'a> {
    fn new(input: &'a mut dyn BufRead) -> LineReader<'a> {
        LineReader {
            input,
            buf: Vec::new(),
            line: 0,
        }
    }

    /// The next line's number and bytes (without its newline), checked for form.
    fn next_bytes(&mut self) -> Result<Option<(usize, &[u8])>, ImportError> {
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        if (&mut *self.input)
            .take(limit)
            .read_until(b'\n', &mut self.buf)?
            == 0
        {
            return Ok(None);
        }
        self.line += 1;
        let line = self.line;
        let err = |message: String| Err(ImportError::Line { line, message });
        if self.buf.last() != Some(&b'\n') {
            if self.buf.len() > MAX_LINE_BYTES {
                return err(format!(
                    "the line is longer than {MAX_LINE_BYTES} bytes, which exceeds the limit of a line (an event is at most {} bytes stored)",
                    super::MAX_EVENT_BYTES
                ));
            }
            return err("the last line has no newline: the file looks truncated".into());
        }
        self.buf.pop();
        if self.buf.is_empty() {
            return err("empty line: expected one JSON envelope per line".into());
        }
        Ok(Some((line, &self.buf)))
    }

    /// The next line's number and record.
    fn next_record(&mut self) -> Result<Option<(usize, RecordedEvent)>, ImportError> {
        let Some((line, bytes)) = self.next_bytes()? else {
            return Ok(None);
        };
        let record = parse_line(bytes).map_err(|e| ImportError::Line { line, message: e.0 })?;
        Ok(Some((line, record)))
    }
}

/// Where a restore's checked records go, and how it finds an id used by an earlier line.
trait Target {
    /// The line that already used `id`, if any.
    fn first_use(&mut self, id: &uuid::Uuid) -> Result<Option<usize>, ImportError>;
    /// Takes a checked record.
    fn take(&mut self, line: usize, record: RecordedEvent) -> Result<(), ImportError>;
}

/// A restore into a store: ids are looked up in what was already pushed. In a restore a
/// line's number is its seq (seq runs from 1 without gaps, one line each).
impl Target for Box<dyn Restore + '_> {
    fn first_use(&mut self, id: &uuid::Uuid) -> Result<Option<usize>, ImportError> {
        Ok(self.seq_of(id)?.map(|seq| seq as usize))
    }
    fn take(&mut self, _: usize, record: RecordedEvent) -> Result<(), ImportError> {
        Ok(self.push(record)?)
    }
}

/// The whole log in memory ([`read_full_log`]).
#[derive(Default)]
struct InMemory {
    records: Vec<RecordedEvent>,
    ids: HashMap<uuid::Uuid, usize>,
}

impl Target for InMemory {
    fn first_use(&mut self, id: &uuid::Uuid) -> Result<Option<usize>, ImportError> {
        Ok(self.ids.get(id).copied())
    }
    fn take(&mut self, line: usize, record: RecordedEvent) -> Result<(), ImportError> {
        self.ids.insert(record.id(), line);
        self.records.push(record);
        Ok(())
    }
}

/// Reads an export and checks it as a complete log, line by line, handing each checked
/// record to `target`: every envelope rule of each line ([`parse_line`]), seq from 1 without
/// gaps, every `prev_hash` linking to the line before, versions contiguous per stream, ids
/// unique, the domain's rules, format-1 redactions only when accepted, and the expected head.
/// Returns the number of events and the format-1 redactions. It keeps one line, the versions
/// of the streams and the seqs of format-1 redactions in memory.
fn check_log(
    input: &mut dyn BufRead,
    options: &ImportOptions<'_>,
    target: &mut dyn Target,
) -> Result<(u64, Vec<u64>), ImportError> {
    let mut reader = LineReader::new(input);
    let mut prev: Hash = ZERO_HASH;
    let mut versions: HashMap<String, u64> = HashMap::new();
    let mut unverified = Vec::new();
    let mut events = 0;
    let mut last_line = 0;
    while let Some((line, ev)) = reader.next_record()? {
        let err = |message: String| ImportError::Line { line, message };
        let want = events + 1;
        if ev.seq() != want {
            return Err(err(format!(
                "expected seq {want}, found seq {} (lines missing or reordered)",
                ev.seq()
            )));
        }
        if ev.prev_hash() != prev {
            return Err(err(format!("prev_hash {} does not link to the previous line's hash {} (lines missing, reordered or altered)", hex(&ev.prev_hash()), hex(&prev))));
        }
        let version = match versions.get_mut(ev.stream()) {
            Some(version) => version,
            None => versions.entry(ev.stream().to_string()).or_default(),
        };
        if ev.version() != *version + 1 {
            return Err(err(format!(
                "stream {} jumps from version {} to {}",
                ev.stream(),
                version,
                ev.version()
            )));
        }
        *version = ev.version();
        if let Some(first) = target.first_use(&ev.id())? {
            return Err(reused(&ev, line, first));
        }
        check_rules(&ev, line, options)?;
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
        events = want;
        target.take(line, ev)?;
    }
    if let Some((seq, hash)) = options.expect_head {
        if events != seq || prev != hash {
            return Err(ImportError::Line {
                line: last_line,
                message: format!(
                    "the file ends at seq {events} with hash {}, not at the expected head {seq}:{}",
                    hex(&prev),
                    hex(&hash)
                ),
            });
        }
    }
    Ok((events, unverified))
}

/// Reads a whole export into memory and checks it as a complete log before anything is
/// stored (see [`import_with`] for the checks). For small logs (the demo); a restore streams
/// instead.
pub fn read_full_log(
    input: &mut dyn BufRead,
    options: &ImportOptions<'_>,
) -> Result<(Vec<RecordedEvent>, Vec<u64>), ImportError> {
    let mut log = InMemory::default();
    let (_, unverified) = check_log(input, options, &mut log)?;
    Ok((log.records, unverified))
}

/// The error of a line whose id an earlier line used.
fn reused(ev: &RecordedEvent, line: usize, first: usize) -> ImportError {
    ImportError::Line {
        line,
        message: format!(
            "event id {} is already used on line {first}: ids are unique",
            ev.id()
        ),
    }
}

/// The domain's rules for one line.
fn check_rules(
    ev: &RecordedEvent,
    line: usize,
    options: &ImportOptions<'_>,
) -> Result<(), ImportError> {
    options
        .rules
        .check(ev)
        .map_err(|message| ImportError::Line {
            line,
            message: format!("seq {}: {message}", ev.seq()),
        })
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
/// keeps every position, time and hash. The file streams through once: each line is checked
/// (see [`read_full_log`]) and handed to the store's [`Restore`], which the sled store writes
/// into a staging database; only when the whole file has passed is it committed, at once, so
/// nothing of a rejected file is stored, and memory does not grow with the file.
///
/// With `append` the events are appended as new events (new seq, `recorded_at` and hashes;
/// same ids, `occurred_at`, actors and data) in atomic chunks of at most
/// [`IMPORT_CHUNK_EVENTS`], each stream expected at the version before its first event in the
/// file; every line is checked before the first chunk is stored (a first pass checks each
/// line and spools it, with its id, into a temporary database in the system's temporary
/// directory; the second appends from the spool), and re-running an interrupted import stores
/// only the chunks that are missing.
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
        let mut restore = store.begin_restore()?;
        let (events, unverified) = check_log(input, options, &mut restore)?;
        if events > 0 {
            restore.commit()?;
        }
        return Ok(ImportSummary {
            events,
            stored: events,
            restored: true,
            chunks: usize::from(events > 0),
            unverified_redactions: unverified,
        });
    }
    let spool = Spool::new()?;
    let mut reader = LineReader::new(input);
    // The version each stream is at before its first event in the file.
    let mut first_version: HashMap<String, u64> = HashMap::new();
    let mut total = 0u64;
    while let Some((line, ev)) = reader.next_record()? {
        let err = |message: String| ImportError::Line { line, message };
        if ev.is_redacted() {
            return Err(err(format!(
                "seq {}: its data was erased, so it cannot be appended again",
                ev.seq()
            )));
        }
        if let Some(first) = spool.first_use(&ev.id())? {
            return Err(reused(&ev, line, first));
        }
        check_rules(&ev, line, options)?;
        ev.data_value().map_err(|e| err(e.0))?;
        if !first_version.contains_key(ev.stream()) {
            first_version.insert(ev.stream().to_string(), ev.version().saturating_sub(1));
        }
        spool.put(line, &ev)?;
        total += 1;
    }
    let mut summary = ImportSummary {
        events: total,
        stored: 0,
        restored: false,
        chunks: 0,
        unverified_redactions: Vec::new(),
    };
    // The version each stream is expected at before the next chunk.
    let mut expected: HashMap<String, u64> = HashMap::new();
    let mut spooled = spool.records();
    loop {
        let mut chunk = Vec::with_capacity(IMPORT_CHUNK_EVENTS.min(total as usize));
        let mut lines = Vec::with_capacity(chunk.capacity());
        for item in spooled.by_ref().take(IMPORT_CHUNK_EVENTS) {
            let (line, ev) = item?;
            chunk.push(new_event(&ev, line, options)?);
            lines.push(line);
        }
        if chunk.is_empty() {
            break;
        }
        let mut streams: Vec<String> = Vec::new();
        for ev in &chunk {
            if !streams.contains(&ev.stream) {
                streams.push(ev.stream.clone());
            }
        }
        let n = chunk.len() as u64;
        let mut request = AppendRequest::new(options.actor, chunk);
        for stream in streams {
            let version = expected
                .get(&stream)
                .or_else(|| first_version.get(&stream))
                .copied()
                .unwrap_or(0);
            request = request.expect(stream, version);
        }
        let appended: Appended = store.append(request).map_err(|e| name_line(e, &lines))?;
        for ev in &appended.events {
            let v = expected.entry(ev.stream.clone()).or_default();
            *v = (*v).max(ev.version);
        }
        if !appended.duplicate {
            summary.stored += n;
        }
        summary.chunks += 1;
    }
    Ok(summary)
}

/// The event to append again for a checked line.
fn new_event(
    ev: &RecordedEvent,
    line: usize,
    options: &ImportOptions<'_>,
) -> Result<NewEvent, ImportError> {
    let data = ev
        .data_value()
        .map_err(|e| ImportError::Line { line, message: e.0 })?;
    let personal = if ev.format() == FORMAT_1 {
        options.rules.personal_fields(ev.event_type())
    } else {
        ev.personal().into_iter().map(str::to_string).collect()
    };
    Ok(NewEvent {
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
    })
}

/// An `--append` import's checked lines between its two passes, and the ids seen so far: a
/// temporary sled database in a folder of its own under the system's temporary directory,
/// removed when the spool is dropped (and, after a crash, left for the system to clean).
struct Spool {
    db: sled::Db,
    /// Declared after `db`, so dropped after it: the folder is removed once sled closed it.
    _dir: SpoolDir,
}

/// A spool's folder, removed when dropped.
struct SpoolDir(std::path::PathBuf);

impl Drop for SpoolDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A spool's key of the record of `line`.
fn spool_line_key(line: usize) -> [u8; 9] {
    let mut k = [b'L'; 9];
    k[1..].copy_from_slice(&(line as u64).to_be_bytes());
    k
}

/// A spool's key of an id.
fn spool_id_key(id: &uuid::Uuid) -> [u8; 17] {
    let mut k = [b'I'; 17];
    k[1..].copy_from_slice(id.as_bytes());
    k
}

/// sled's cache for a spool.
const SPOOL_CACHE_BYTES: u64 = 16 << 20;

impl Spool {
    fn new() -> Result<Spool, ImportError> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let io = |e: std::io::Error| {
            ImportError::Read(std::io::Error::new(
                e.kind(),
                format!("creating the import's spool in the temporary directory: {e}"),
            ))
        };
        let base = std::env::temp_dir();
        let dir = loop {
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = base.join(format!("baton-import-{}-{n}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io(e)),
            }
        };
        let dir = SpoolDir(dir);
        let db = sled::Config::new()
            .path(dir.0.join("db"))
            .cache_capacity(SPOOL_CACHE_BYTES)
            .flush_every_ms(None)
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(|e| io(std::io::Error::other(e)))?;
        Ok(Spool { db, _dir: dir })
    }

    fn error(e: sled::Error) -> ImportError {
        ImportError::Read(std::io::Error::other(format!("the import's spool: {e}")))
    }

    /// The line that already used `id`.
    fn first_use(&self, id: &uuid::Uuid) -> Result<Option<usize>, ImportError> {
        let found = self.db.get(spool_id_key(id)).map_err(Spool::error)?;
        Ok(found
            .and_then(|v| <[u8; 8]>::try_from(&v[..]).ok())
            .map(|b| u64::from_be_bytes(b) as usize))
    }

    fn put(&self, line: usize, ev: &RecordedEvent) -> Result<(), ImportError> {
        let mut batch = sled::Batch::default();
        batch.insert(&spool_line_key(line), ev.as_bytes());
        batch.insert(&spool_id_key(&ev.id()), &(line as u64).to_be_bytes());
        self.db.apply_batch(batch).map_err(Spool::error)
    }

    /// The spooled records in line order.
    fn records(&self) -> impl Iterator<Item = Result<(usize, RecordedEvent), ImportError>> {
        self.db.scan_prefix(b"L").map(|item| {
            let (key, value) = item.map_err(Spool::error)?;
            let line = <[u8; 8]>::try_from(&key[1..])
                .map(|b| u64::from_be_bytes(b) as usize)
                .unwrap_or(0);
            let ev = RecordedEvent::from_bytes(value).map_err(|e| ImportError::Line {
                line,
                message: format!("reading it back from the spool: {}", e.0),
            })?;
            Ok((line, ev))
        })
    }
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
