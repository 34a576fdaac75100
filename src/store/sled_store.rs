//! The durable event store on sled.
//!
//! # Layout in sled (layout 2)
//!
//! One tree (sled's default), so that one `Batch` makes a whole commit atomic:
//!
//! | key | value |
//! |---|---|
//! | `E` seq (u64 BE) | the event's binary record ([`RecordedEvent`]: it holds its stream, version and id) |
//! | `C` first seq of a commit (u64 BE) | the commit's index entries, one per event in seq order: id (16 bytes), length of the stream name (1 byte), the name |
//! | `Vlayout` | `2` |
//!
//! So an append of N events writes N + 1 keys (layout 1, before: 3N plus one stream head
//! per touched stream). The stream index (each stream's seqs by version) and the id index
//! (id → seq) live in memory, built from the `C` keys when first needed — the id index only
//! when an id is first looked up (an append or `find_id`; a read never does), and neither by
//! an export or a verify — and kept up to date by the writer; about 60 bytes per event
//! (a million events: ~60 MiB). Stream versions are counted from the `C` keys when the store
//! is opened, which also checks that they cover the log gaplessly. The fingerprint that
//! tells an identical retry from a reused id is not stored: it is computed from the stored
//! record when an id is found (only a retry pays for it), so an erasure's redaction changes it
//! as it did before. Restores, erasures and upgrades write one `C` key per 4,096 events.
//!
//! A store written before (layout 1: `E`, `S` stream+version → seq, `I` id → seq and
//! fingerprint, `H` stream → version, no `Vlayout`) is upgraded when it is opened: the
//! records are copied into a fresh database in `sled.upgrading`, fsynced and swapped in by the
//! erasure's two renames, so a crash leaves layout 1 (upgraded again at the next open) or
//! layout 2 ([`super::dir::recover_swap`] completes a swap half done).
//!
//! # Writing
//!
//! A single writer thread owns the log's head (last seq, head hash, stream versions). Callers
//! check and canonicalize their request, send it, and wait. The writer takes every request
//! waiting in its queue (group commit), plans each in order (ids, then versions, then
//! positions), writes one atomic batch (the records and one `C` key), makes it durable once
//! ([`Durability`]: sled `flush` plus fsync of sled's files and directory), writes the
//! fsynced high-water mark, and only then adds the commit to the in-memory indexes, answers
//! every request of the group and notifies subscribers. Readers never see events past the
//! last durable seq.
//!
//! The syncs per commit stay three (sled's flush with its `sync_file_range`, the
//! `fdatasync` of sled's `db`, the `fdatasync` of the high-water mark): the mark is the
//! witness outside sled that an acknowledged event was lost (DESIGN §4, guarantee 7), so it
//! must be durable before the acknowledgement, and it cannot be written before sled's data is
//! durable, or a crash in between would leave a mark above what sled holds and the store
//! would be refused as truncated although nothing acknowledged was lost. Layout 2 takes
//! nothing from this argument: the mark still names the last acknowledged seq and hash, and
//! opening still checks them against the `E` record before anything else.
//!
//! # Restoring
//!
//! A restore ([`EventStore::begin_restore`]) writes the records, in batches, into a database
//! of its own in `sled.restoring` while the caller checks the file line by line; at the
//! commit that database is flushed and fsynced, and the writer swaps it in for the empty
//! one (the erasure's two renames) and writes the high-water mark. A rejected file's staging
//! folder is removed; a crash leaves either the empty store or the whole restore. The ids
//! seen so far go to a tree of the staging database of their own, dropped before the swap.

use std::collections::HashMap;
use std::fs::File;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use tokio::sync::{broadcast, oneshot};
use uuid::Uuid;

use super::dir::{HighWater, StoreDir};
use super::log::{self, Head, IdEntry, LogView, Plan, Prepared};
use super::record::RecordedEvent;
use super::{
    AppendRequest, Appended, Clock, Eraser, EventIter, EventStore, LogHead, Restore, StoreError,
    SystemClock,
};

/// The step that makes a written batch durable before it is acknowledged.
///
/// Injectable so that a test can prove it ran before each acknowledgement. `last_seq` is the
/// highest seq the batch holds.
pub trait Durability: Send + Sync + 'static {
    /// Makes everything written to `db` so far durable.
    fn make_durable(&self, db: &sled::Db, sled_dir: &Path, last_seq: u64) -> std::io::Result<()>;
}

/// The real thing: sled `flush` (which uses `sync_file_range` on Linux, not enough on its own)
/// followed by `fsync` of sled's files and directories.
///
/// The first commit, and any commit after sled's set of files changed (a new snapshot, a new
/// blob), fsyncs every file and directory. Otherwise only sled's log file (`db`) can hold new
/// data, so only it is synced, through a handle kept open.
#[derive(Debug)]
pub struct FsyncDurability {
    /// What the last full sync saw: the sorted file listing and an open handle on `db`.
    /// A std lock: held only by the writer thread, never across an `.await`.
    known: Mutex<Option<Synced>>,
    /// Why: the file layer that issues the syncs is injectable, so a test can count them.
    files: Arc<dyn SyncFiles>,
}

impl Default for FsyncDurability {
    fn default() -> Self {
        FsyncDurability::with_files(Arc::new(RealFiles))
    }
}

impl FsyncDurability {
    /// The durability step over a file layer of the caller's (a test's counting one).
    pub fn with_files(files: Arc<dyn SyncFiles>) -> FsyncDurability {
        FsyncDurability {
            known: Mutex::new(None),
            files,
        }
    }
}

/// The file layer under [`FsyncDurability`]: the calls that make data durable.
pub trait SyncFiles: Send + Sync + std::fmt::Debug + 'static {
    /// `fsync` of a file or directory (`File::sync_all`).
    fn sync_all(&self, file: &File, path: &Path) -> std::io::Result<()>;
    /// `fdatasync` of a file (`File::sync_data`).
    fn sync_data(&self, file: &File, path: &Path) -> std::io::Result<()>;
}

/// The operating system's syncs.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFiles;

impl SyncFiles for RealFiles {
    fn sync_all(&self, file: &File, _: &Path) -> std::io::Result<()> {
        file.sync_all()
    }
    fn sync_data(&self, file: &File, _: &Path) -> std::io::Result<()> {
        file.sync_data()
    }
}

#[derive(Debug)]
struct Synced {
    dir: PathBuf,
    listing: Vec<PathBuf>,
    /// The inode of `db` when it was opened: an erasure swaps in a new file of the same name.
    inode: u64,
    db: File,
}

fn inode(path: &Path) -> std::io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).map(|m| m.ino())
}

impl Durability for FsyncDurability {
    fn make_durable(&self, db: &sled::Db, sled_dir: &Path, _last_seq: u64) -> std::io::Result<()> {
        db.flush().map_err(std::io::Error::other)?;
        let listing = list_tree(sled_dir)?;
        let db_path = sled_dir.join("db");
        let current = inode(&db_path)?;
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(synced) = known
            .as_ref()
            .filter(|k| k.dir == sled_dir && k.listing == listing && k.inode == current)
        {
            return self.files.sync_data(&synced.db, &db_path);
        }
        *known = None;
        sync_tree(&*self.files, sled_dir)?;
        let db_file = File::open(&db_path)?;
        *known = Some(Synced {
            dir: sled_dir.to_path_buf(),
            listing,
            inode: inode(&db_path)?,
            db: db_file,
        });
        Ok(())
    }
}

/// Every path under `dir`, sorted.
fn list_tree(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path.clone());
            }
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Fsyncs every file under `dir`, then `dir` itself. A file that sled removes while this runs
/// (an old snapshot or blob) has nothing left to make durable and is skipped.
fn sync_tree(files: &dyn SyncFiles, dir: &Path) -> std::io::Result<()> {
    fn vanished(result: std::io::Result<()>) -> std::io::Result<()> {
        match result {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if kind.is_dir() {
            vanished(sync_tree(files, &path))?;
        } else if kind.is_file() {
            vanished(File::open(&path).and_then(|f| files.sync_all(&f, &path)))?;
        }
    }
    files.sync_all(&File::open(dir)?, dir)
}

/// How to open a [`SledStore`].
#[derive(Clone)]
pub struct StoreConfig {
    /// The store clock (`recorded_at`).
    pub clock: Arc<dyn Clock>,
    /// The durability step.
    pub durability: Arc<dyn Durability>,
    /// Create the store when the directory is missing or empty.
    pub create: bool,
    /// The file layer every fsync of the store directory goes through (the marker, the
    /// high-water mark, sled's folder as an entry, checkpoint removals, an erasure's swap).
    pub files: Arc<dyn SyncFiles>,
    /// The most bytes of pages sled keeps cached in memory ([`CACHE_BYTES`] by default).
    /// sled's own default (1 GiB) would let a scan of a large log (export, verify, a
    /// restore) grow the process by the size of the log, up to that gigabyte.
    pub cache_bytes: u64,
    /// How many bytes a restore (into its staging database) or an erasure (into its rewrite)
    /// writes before it closes and reopens that database ([`RESTORE_REOPEN_BYTES`] by
    /// default). sled 0.34 keeps in memory, beyond its cache, what its batches wrote until the
    /// database is closed: a restore of a million events that kept its staging database open
    /// held 5.3 GiB.
    pub restore_reopen_bytes: usize,
}

/// The default of [`StoreConfig::restore_reopen_bytes`]: 32 MiB.
pub const RESTORE_REOPEN_BYTES: usize = 32 << 20;

/// The default of [`StoreConfig::cache_bytes`]: 64 MiB of sled pages.
pub const CACHE_BYTES: u64 = 64 << 20;

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            clock: Arc::new(SystemClock),
            durability: Arc::new(FsyncDurability::default()),
            create: true,
            files: Arc::new(RealFiles),
            cache_bytes: CACHE_BYTES,
            restore_reopen_bytes: RESTORE_REOPEN_BYTES,
        }
    }
}

/// The folder of projection checkpoints inside the store directory.
const CHECKPOINT_DIR: &str = "checkpoints";

/// sled's segment size. Events are at most 64 KiB and sled splits a leaf above 16 entries, so
/// a leaf is at most ~1.1 MiB; sled moves an item to its separate blob files when it exceeds a
/// quarter of a segment, hence 8 MiB segments keep every event inline (a test checks it).
const SEGMENT_SIZE: usize = 8 << 20;

/// How sled is opened for a store: its folder, 8 MiB segments, a cache of `cache_bytes`, no
/// background flush (the writer flushes each commit).
fn sled_config(path: &Path, cache_bytes: u64) -> sled::Config {
    sled::Config::new()
        .path(path)
        .cache_capacity(cache_bytes)
        .segment_size(SEGMENT_SIZE)
        .flush_every_ms(None)
        .mode(sled::Mode::HighThroughput)
}

/// Opens sled in `path`. sled can panic on a damaged file: the panic is contained and told.
///
/// sled also holds its own lock on its log file, released when the last of its threads lets
/// go of it. This process holds the store's lock, so no other process uses the store: a busy
/// sled lock can only be a database this process closed a moment ago whose background work
/// (sled truncates free segments on a thread of its own) has not finished yet. So a busy lock
/// is waited for, a few seconds at most, before the store is reported as unopenable.
fn open_sled(path: &Path, cache_bytes: u64) -> Result<sled::Db, String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match catch_unwind(AssertUnwindSafe(|| sled_config(path, cache_bytes).open())) {
            Ok(Ok(db)) => return Ok(db),
            Ok(Err(e)) => {
                let text = e.to_string();
                if text.contains("could not acquire lock") && std::time::Instant::now() < deadline {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    continue;
                }
                return Err(format!("sled cannot open it: {text}"));
            }
            Err(panic) => {
                return Err(format!(
                    "sled panicked while opening it: {}",
                    panic_text(&panic)
                ))
            }
        }
    }
}

/// The durable event store.
pub struct SledStore {
    shared: Arc<Shared>,
    /// Why: dropping the sender stops the writer; the handle lets `Drop` wait for it.
    tx: Mutex<Option<mpsc::Sender<Request>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// State readers share with the writer.
struct Shared {
    /// The database; replaced when an erasure swaps in a rewritten one. A std lock, held
    /// only to clone or replace the handle.
    db: RwLock<sled::Db>,
    path: PathBuf,
    /// Why: readers never see events that are not yet durable.
    durable_seq: AtomicU64,
    /// Committed tip and stream versions, updated by the writer after each durable commit.
    /// A std lock: never held across an `.await`.
    committed: RwLock<Committed>,
    notify: broadcast::Sender<u64>,
    /// The checkpoint epoch; held while a checkpoint is saved or the checkpoints are dropped.
    checkpoint_epoch: Mutex<u64>,
    /// The store's file layer (see [`StoreConfig::files`]).
    files: Arc<dyn SyncFiles>,
    /// See [`StoreConfig::cache_bytes`]; a restore's staging database gets the same.
    cache_bytes: u64,
    /// See [`StoreConfig::restore_reopen_bytes`].
    restore_reopen_bytes: usize,
    /// Why: a restore stages its database in one folder (`sled.restoring`), so two restores
    /// at once are refused rather than written over each other.
    restoring: AtomicBool,
    /// The stream and id indexes, `None` until first needed (an export or a verify never
    /// needs them, so they cost those nothing). The writer adds each durable commit while it
    /// holds this lock and moves `durable_seq`, so a build sees every commit up to the
    /// durable seq it reads and no later one. A std lock: never held across an `.await`.
    index: RwLock<Option<Index>>,
}

impl Shared {
    fn db(&self) -> sled::Db {
        self.db.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs `f` on the in-memory stream index, building it from the per-commit keys when
    /// needed (without the id index: a read never looks an id up).
    fn with_index<T>(&self, f: impl FnOnce(&Index) -> T) -> Result<T, StoreError> {
        {
            let guard = self.index.read().unwrap_or_else(|p| p.into_inner());
            if let Some(index) = guard.as_ref() {
                return Ok(f(index));
            }
        }
        self.build_index(false, |index| f(index))
    }

    /// The seq of an event id, building the id index (and the stream index) when needed.
    fn seq_of_id(&self, id: &Uuid) -> Result<Option<u64>, StoreError> {
        {
            let guard = self.index.read().unwrap_or_else(|p| p.into_inner());
            if let Some(ids) = guard.as_ref().and_then(|index| index.ids.as_ref()) {
                return Ok(ids.get(id).copied());
            }
        }
        self.build_index(true, |index| {
            index.ids.as_ref().and_then(|ids| ids.get(id).copied())
        })
    }

    /// Builds what is missing of the index (the id index too when `ids`) under the write lock,
    /// which the writer holds while it adds a durable commit and moves `durable_seq`, so a
    /// build sees every commit up to the durable seq it reads and no later one.
    fn build_index<T>(&self, ids: bool, f: impl FnOnce(&Index) -> T) -> Result<T, StoreError> {
        let mut guard = self.index.write().unwrap_or_else(|p| p.into_inner());
        let missing_ids = ids && guard.as_ref().is_none_or(|index| index.ids.is_none());
        if guard.is_none() || missing_ids {
            let durable = self.durable_seq.load(Ordering::Acquire);
            let db = self.db();
            let have = guard.take();
            let built = match catch_unwind(AssertUnwindSafe(|| match have {
                Some(mut index) => index.build_ids(&db, durable).map(|()| index),
                None => Index::build(&db, durable, ids),
            })) {
                Ok(built) => built,
                Err(panic) => Err(format!("sled panicked: {}", panic_text(&panic))),
            };
            let built = built.map_err(|detail| StoreError::Damaged {
                path: self.path.display().to_string(),
                detail: format!("the stream and id index: {detail}"),
            })?;
            *guard = Some(built);
        }
        match guard.as_ref() {
            Some(index) => Ok(f(index)),
            None => Err(StoreError::Closed("the index could not be built".into())),
        }
    }
}

struct Committed {
    head: LogHead,
    streams: HashMap<String, u64>,
}

enum Request {
    Append(Prepared, oneshot::Sender<Result<Appended, StoreError>>),
    Erase(
        Option<Prepared>,
        Box<dyn Eraser>,
        oneshot::Sender<Result<Option<Appended>, StoreError>>,
    ),
    /// A restore staged (written, flushed and fsynced) in `sled.restoring`, whose head is
    /// this, to swap in for the empty database.
    SwapRestore(Head, oneshot::Sender<Result<(), StoreError>>),
}

fn e_key(seq: u64) -> [u8; 9] {
    let mut k = [b'E'; 9];
    k[1..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn c_key(first_seq: u64) -> [u8; 9] {
    let mut k = [b'C'; 9];
    k[1..].copy_from_slice(&first_seq.to_be_bytes());
    k
}

/// The key that names the layout of the keys (absent in a store written before layout 2).
const LAYOUT_KEY: &[u8] = b"Vlayout";
/// The layout this code writes and reads: see the module documentation.
const LAYOUT: &[u8] = b"2";

/// Adds the index entry of `record` to a commit's packed index value: the id (16 bytes), the
/// length of the stream name (1 byte) and the name. Stream names are at most 72 bytes.
fn pack_entry(packed: &mut Vec<u8>, record: &RecordedEvent) {
    let stream = record.stream().as_bytes();
    packed.extend_from_slice(record.id().as_bytes());
    packed.push(u8::try_from(stream.len()).unwrap_or(u8::MAX));
    packed.extend_from_slice(stream);
}

/// Calls `f` with each (id, stream) of a packed commit index value, in seq order; the number
/// of entries, or what is wrong with the value.
fn unpack_entries(
    bytes: &[u8],
    mut f: impl FnMut(Uuid, &str) -> Result<(), String>,
) -> Result<u64, String> {
    let mut at = 0;
    let mut n = 0;
    while at < bytes.len() {
        let header = bytes
            .get(at..at + 17)
            .ok_or_else(|| "an index entry is cut short".to_string())?;
        let id = Uuid::from_slice(&header[..16]).map_err(|e| e.to_string())?;
        let len = usize::from(header[16]);
        let stream = bytes
            .get(at + 17..at + 17 + len)
            .ok_or_else(|| "an index entry is cut short".to_string())?;
        let stream = std::str::from_utf8(stream)
            .map_err(|_| "a stream name in the index is not UTF-8".to_string())?;
        f(id, stream)?;
        at += 17 + len;
        n += 1;
    }
    Ok(n)
}

/// Walks the per-commit index keys of `db` in seq order, up to the commit that ends at
/// `last_seq`, calling `f` with each event's seq, id and stream. Fails when the commits do not
/// cover exactly 1..=`last_seq`, gaplessly.
fn scan_commits(
    db: &sled::Db,
    last_seq: u64,
    mut f: impl FnMut(u64, Uuid, &str) -> Result<(), String>,
) -> Result<(), String> {
    if last_seq == 0 {
        return Ok(());
    }
    let mut next = 1;
    for item in db.range(c_key(1)..=c_key(last_seq)) {
        let (key, value) = item.map_err(|e| format!("reading the index: {e}"))?;
        let first = be_u64(&key[1..]).ok_or("bad index key")?;
        if first != next {
            return Err(format!(
                "the index has no entry for seq {next} (its next commit starts at seq {first})"
            ));
        }
        let mut seq = first;
        let n = unpack_entries(&value, |id, stream| {
            f(seq, id, stream)?;
            seq += 1;
            Ok(())
        })
        .map_err(|e| format!("the index of the commit at seq {first}: {e}"))?;
        if n == 0 {
            return Err(format!("the index of the commit at seq {first} is empty"));
        }
        next = first + n;
    }
    if next != last_seq + 1 {
        return Err(format!(
            "the index covers seqs 1 to {} but the log ends at seq {last_seq}",
            next - 1
        ));
    }
    Ok(())
}

/// A hash map with foldhash, seeded per process.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The in-memory indexes, built from the per-commit index keys when the store opens (and
/// again when first needed after the database was replaced) and kept up to date by the
/// writer after each durable commit. Hashed with foldhash, seeded per process: a build hashes
/// every event's stream name, which SipHash made a fifth of a read's time at a million events.
#[derive(Default)]
struct Index {
    /// Each stream's seqs, by version (version `v` at `v - 1`).
    streams: FastMap<String, Vec<u64>>,
    /// Each event id's seq; `None` until an id is first looked up (a read never does, and
    /// inserting every id of a long log is most of a build).
    ids: Option<FastMap<Uuid, u64>>,
}

impl Index {
    fn build(db: &sled::Db, last_seq: u64, ids: bool) -> Result<Index, String> {
        let mut index = Index {
            streams: HashMap::default(),
            ids: ids.then(HashMap::default),
        };
        scan_commits(db, last_seq, |seq, id, stream| index.add(seq, id, stream))?;
        Ok(index)
    }

    /// Adds the id index to a stream index built up to `last_seq`.
    fn build_ids(&mut self, db: &sled::Db, last_seq: u64) -> Result<(), String> {
        let mut ids = HashMap::default();
        scan_commits(db, last_seq, |seq, id, _| add_id(&mut ids, seq, id))?;
        self.ids = Some(ids);
        Ok(())
    }

    fn add(&mut self, seq: u64, id: Uuid, stream: &str) -> Result<(), String> {
        if let Some(ids) = &mut self.ids {
            add_id(ids, seq, id)?;
        }
        match self.streams.get_mut(stream) {
            Some(seqs) => seqs.push(seq),
            None => {
                self.streams.insert(stream.to_string(), vec![seq]);
            }
        }
        Ok(())
    }

    /// Every stream's version: how many events it holds.
    fn versions(&self) -> HashMap<String, u64> {
        self.streams
            .iter()
            .map(|(stream, seqs)| (stream.clone(), seqs.len() as u64))
            .collect()
    }

    /// The seqs of `stream` from `from_version` (1-based) on.
    fn seqs(&self, stream: &str, from_version: u64) -> Vec<u64> {
        let from = usize::try_from(from_version.max(1) - 1).unwrap_or(usize::MAX);
        self.streams
            .get(stream)
            .and_then(|seqs| seqs.get(from..))
            .map(<[u64]>::to_vec)
            .unwrap_or_default()
    }
}

fn add_id(ids: &mut FastMap<Uuid, u64>, seq: u64, id: Uuid) -> Result<(), String> {
    match ids.insert(id, seq) {
        Some(other) => Err(format!(
            "id {id} is indexed at seq {other} and at seq {seq}"
        )),
        None => Ok(()),
    }
}

fn be_u64(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

/// A store directory opened and locked, its acknowledged head read from the fsynced
/// high-water mark, but its sled database not opened yet.
///
/// Opening sled costs time that grows with the log (a few tenths of a second at a million
/// events: sled reads its page table and zeroes its free segments). A reader whose checkpoint
/// was saved at exactly this head needs nothing from sled: the high-water mark names the last
/// acknowledged event and its hash, and the hash chain makes that one log. Anything else
/// calls [`LockedStore::open_log`].
pub struct LockedStore {
    dir: StoreDir,
    high_water: HighWater,
    config: StoreConfig,
}

impl LockedStore {
    /// Opens (creating it when `config.create`) and locks the store directory and reads its
    /// high-water mark; the same checks and errors as [`SledStore::open_with`] up to sled.
    pub fn open(path: impl AsRef<Path>, config: StoreConfig) -> Result<LockedStore, StoreError> {
        let path = path.as_ref();
        let mut dir = StoreDir::open(path, config.create, config.files.clone())?;
        let high_water = dir.read_high_water()?;
        // Checked here, before sled would create an empty log in its place, and before a
        // reader at the head could answer without opening it.
        if high_water.seq > 0 && !dir.sled_path().join("db").is_file() {
            return Err(StoreError::Damaged {
                path: path.display().to_string(),
                detail: format!(
                    "sled's log file is missing, but seq {} was acknowledged (high-water mark): the store is truncated",
                    high_water.seq
                ),
            });
        }
        Ok(LockedStore {
            dir,
            high_water,
            config,
        })
    }

    /// The last acknowledged seq and its hash.
    pub fn head(&self) -> LogHead {
        LogHead {
            last_seq: self.high_water.seq,
            head_hash: self.high_water.hash,
        }
    }

    /// Reads a saved checkpoint, as [`EventStore::load_checkpoint`] does, unless sled's log
    /// file is now shorter than when it was saved (emptied or cut: the log may have lost what
    /// the checkpoint shows, so the reader must open the log, which tells).
    pub fn load_checkpoint(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some((saved_len, bytes)) = read_checkpoint_file(&self.dir.path, name)? else {
            return Ok(None);
        };
        if log_file_len(&self.dir.path) < saved_len {
            return Ok(None);
        }
        Ok(Some(bytes))
    }

    /// Opens the log.
    pub fn open_log(self) -> Result<SledStore, StoreError> {
        SledStore::open_locked(self)
    }
}

/// Where the checkpoint `name` lives: in a file beside sled, not in it, since checkpoints can
/// be large and sled reads its whole contents on every open.
fn checkpoint_path(store: &Path, name: &str) -> Result<PathBuf, StoreError> {
    super::check_checkpoint_name(name)?;
    Ok(store.join(CHECKPOINT_DIR).join(format!("{name}.json")))
}

/// The first bytes of a checkpoint file, before the length of sled's log file when it was
/// saved (u64 BE) and the checkpoint itself.
const CHECKPOINT_MAGIC: &[u8; 8] = b"BATONCP1";

/// A saved checkpoint and the length of sled's log file when it was saved; `None` when there
/// is none (or one in an older file format: checkpoints are caches).
fn read_checkpoint_file(store: &Path, name: &str) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
    let path = checkpoint_path(store, name)?;
    match std::fs::read(&path) {
        Ok(mut bytes) => {
            if bytes.len() < 16 || &bytes[..8] != CHECKPOINT_MAGIC {
                return Ok(None);
            }
            let len = u64::from_be_bytes(bytes[8..16].try_into().unwrap_or_default());
            // In place: a checkpoint can be a hundred megabytes.
            bytes.drain(..16);
            Ok(Some((len, bytes)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(format!("reading {}", path.display()), e)),
    }
}

fn read_checkpoint(store: &Path, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(read_checkpoint_file(store, name)?.map(|(_, bytes)| bytes))
}

/// The length of sled's log file (0 when it is missing).
fn log_file_len(store: &Path) -> u64 {
    std::fs::metadata(store.join(super::dir::SLED_DIR).join("db")).map_or(0, |m| m.len())
}

impl SledStore {
    /// Opens (or creates) the store in `path` with the system clock and real fsync.
    pub fn open(path: impl AsRef<Path>) -> Result<SledStore, StoreError> {
        SledStore::open_with(path, StoreConfig::default())
    }

    /// Opens the store with an explicit configuration.
    pub fn open_with(path: impl AsRef<Path>, config: StoreConfig) -> Result<SledStore, StoreError> {
        LockedStore::open(path, config)?.open_log()
    }

    fn open_locked(locked: LockedStore) -> Result<SledStore, StoreError> {
        let LockedStore {
            mut dir,
            high_water: hw,
            config,
        } = locked;
        let path = dir.path.clone();
        let path = path.as_path();
        let shown = path.display().to_string();
        let sled_path = dir.sled_path();
        let damaged = |detail: String| StoreError::Damaged {
            path: shown.clone(),
            detail,
        };

        let created = !sled_path.exists();
        let mut db = open_sled(&sled_path, config.cache_bytes).map_err(damaged)?;
        if created {
            // sled's new folder is an entry of the store directory: make it durable.
            super::dir::sync_dir(&*dir.files, path)?;
        }
        let loaded = catch_unwind(AssertUnwindSafe(|| load_tip(&db)));
        let mut head = match loaded {
            Ok(Ok(head)) => head,
            Ok(Err(detail)) => return Err(damaged(detail)),
            Err(panic) => {
                return Err(damaged(format!(
                    "sled panicked while reading it: {}",
                    panic_text(&panic)
                )))
            }
        };
        if head.last_seq < hw.seq {
            return Err(damaged(format!(
                "it holds events up to seq {} but seq {} was acknowledged (high-water mark): the store is truncated",
                head.last_seq, hw.seq
            )));
        }
        if hw.seq > 0 {
            let at_mark = db
                .get(e_key(hw.seq))
                .map_err(|e| damaged(format!("reading seq {}: {e}", hw.seq)))?
                .ok_or_else(|| {
                    damaged(format!("seq {} (the high-water mark) is missing", hw.seq))
                })?;
            let record = RecordedEvent::from_bytes(at_mark)
                .map_err(|e| damaged(format!("seq {}: {e}", hw.seq)))?;
            if record.hash() != hw.hash {
                return Err(damaged(format!(
                    "the event at seq {} does not have the acknowledged hash",
                    hw.seq
                )));
            }
        }
        match db.get(LAYOUT_KEY) {
            Ok(Some(layout)) if layout == LAYOUT => {}
            Ok(Some(layout)) => {
                return Err(damaged(format!(
                    "sled's keys are in layout {:?}, which this version does not read",
                    String::from_utf8_lossy(&layout)
                )))
            }
            Ok(None) if db.is_empty() => {
                // A new database: it says its layout before it holds anything.
                db.insert(LAYOUT_KEY, LAYOUT)
                    .and_then(|_| db.flush())
                    .map_err(|e| damaged(format!("writing its layout: {e}")))?;
            }
            Ok(None) => {
                db = upgrade(db, &dir, &config, &sled_path)?;
            }
            Err(e) => return Err(damaged(format!("reading its layout: {e}"))),
        }
        let last_seq = head.last_seq;
        // One walk of the index keys gives both the stream index (reads need it) and every
        // stream's version (appends need them).
        let built = catch_unwind(AssertUnwindSafe(|| Index::build(&db, last_seq, false)));
        let index = match built {
            Ok(Ok(index)) => index,
            Ok(Err(detail)) => return Err(damaged(format!("its index: {detail}"))),
            Err(panic) => {
                return Err(damaged(format!(
                    "sled panicked while reading its index: {}",
                    panic_text(&panic)
                )))
            }
        };
        head.streams = index.versions();
        if head.last_seq > hw.seq {
            // Written and flushed, but the crash came before the acknowledgement: keep them.
            config
                .durability
                .make_durable(&db, &sled_path, head.last_seq)
                .map_err(|e| StoreError::io("syncing the store", e))?;
            dir.write_high_water(HighWater {
                seq: head.last_seq,
                hash: head.head_hash,
            })?;
        }

        let shared = Arc::new(Shared {
            db: RwLock::new(db.clone()),
            path: path.to_path_buf(),
            durable_seq: AtomicU64::new(head.last_seq),
            committed: RwLock::new(Committed {
                head: LogHead {
                    last_seq: head.last_seq,
                    head_hash: head.head_hash,
                },
                streams: head.streams.clone(),
            }),
            notify: broadcast::channel(1024).0,
            checkpoint_epoch: Mutex::new(0),
            files: dir.files.clone(),
            cache_bytes: config.cache_bytes,
            restore_reopen_bytes: config.restore_reopen_bytes,
            restoring: AtomicBool::new(false),
            index: RwLock::new(Some(index)),
        });
        let (tx, rx) = mpsc::channel();
        let writer = Writer {
            shared: shared.clone(),
            db,
            dir,
            head,
            clock: config.clock,
            durability: config.durability,
            sled_path,
            failed: None,
        };
        let handle = std::thread::Builder::new()
            .name("baton-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| StoreError::io("starting the writer thread", e))?;
        Ok(SledStore {
            shared,
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(handle)),
        })
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    fn checkpoint_epoch_lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.shared
            .checkpoint_epoch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// After a redaction: a new epoch (so a fold that read the data before cannot save), and
    /// every checkpoint file removed (they may hold the erased data).
    fn drop_checkpoints(&self) -> Result<(), StoreError> {
        let mut epoch = self.checkpoint_epoch_lock();
        *epoch += 1;
        let dir = self.shared.path.join(CHECKPOINT_DIR);
        let io = |e| {
            StoreError::io(
                format!(
                    "the event was redacted, but the checkpoints in {} (which may hold the erased data) could not be removed",
                    dir.display()
                ),
                e,
            )
        };
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(e)),
        }
        // The removal itself must survive a crash, or the erased data could come back.
        super::dir::sync_dir(&*self.shared.files, &self.shared.path)
    }

    /// The sled database, for integrity checks of its indexes.
    pub(crate) fn db(&self) -> sled::Db {
        self.shared.db()
    }

    fn send(&self, request: Request) -> Result<(), StoreError> {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        match tx.as_ref() {
            Some(tx) => tx
                .send(request)
                .map_err(|_| StoreError::Closed("the writer has stopped".into())),
            None => Err(StoreError::Closed("the store was closed".into())),
        }
    }

    fn committed(&self) -> std::sync::RwLockReadGuard<'_, Committed> {
        self.shared
            .committed
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Appends without blocking the async runtime's thread: waits on the reply asynchronously.
    pub async fn append_async(&self, request: AppendRequest) -> Result<Appended, StoreError> {
        let prepared = log::prepare(request)?;
        let (reply, rx) = oneshot::channel();
        self.send(Request::Append(prepared, reply))?;
        rx.await
            .map_err(|_| StoreError::Closed("the writer stopped before answering".into()))?
    }

    /// Stops the writer after it has answered everything queued, and closes the store.
    pub fn close(&self) {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(handle) = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = handle.join();
        }
    }
}

impl Drop for SledStore {
    fn drop(&mut self) {
        self.close();
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Reads the tip of the log from sled: the last event (stream versions are counted from the
/// index, [`Index::versions`]).
fn load_tip(db: &sled::Db) -> Result<Head, String> {
    let mut head = Head::default();
    if let Some(last) = db.scan_prefix(b"E").next_back() {
        let (key, value) = last.map_err(|e| format!("reading the last event: {e}"))?;
        let seq = be_u64(&key[1..]).ok_or("bad event key")?;
        let record = RecordedEvent::from_bytes(value).map_err(|e| format!("seq {seq}: {e}"))?;
        if record.seq() != seq {
            return Err(format!(
                "the event stored under seq {seq} says it is seq {}",
                record.seq()
            ));
        }
        head.last_seq = seq;
        head.head_hash = record.hash();
        head.last_recorded = Some(record.recorded_at());
    }
    Ok(head)
}

/// Upgrades a database written in layout 1 (before this version: per event a record `E`, a
/// stream index key `S` and an id index key `I`, per stream a head `H`) to layout 2, the
/// erasure's way: every record is copied into a fresh database in `sled.upgrading` with one
/// index key per 4,096 events and the layout key, which is flushed, fsynced and swapped in
/// by the two renames. A crash before the first rename leaves the store in layout 1 (the
/// next open removes the folder and upgrades again); after it, the next open completes the
/// swap ([`super::dir::recover_swap`]). A log with a gap is refused and left as it is.
fn upgrade(
    db: sled::Db,
    dir: &StoreDir,
    config: &StoreConfig,
    sled_path: &Path,
) -> Result<sled::Db, StoreError> {
    let fresh_path = dir.path.join(super::dir::SLED_UPGRADING);
    let io = |e: std::io::Error| StoreError::io("upgrading the store's layout", e);
    let other = |e: String| io(std::io::Error::other(e));
    match std::fs::remove_dir_all(&fresh_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        _ => {}
    }
    let written = (|| -> Result<(), StoreError> {
        let mut fresh =
            FreshDb::create(&fresh_path, config.cache_bytes, config.restore_reopen_bytes)
                .map_err(other)?;
        let mut packer = Packer::default();
        for item in db.scan_prefix(b"E") {
            let (_, value) = item.map_err(|e| other(e.to_string()))?;
            let record = RecordedEvent::from_bytes(value).map_err(|e| StoreError::Damaged {
                path: dir.path.display().to_string(),
                detail: format!("upgrading its layout: {e}"),
            })?;
            packer.push(&record).map_err(|detail| StoreError::Damaged {
                path: dir.path.display().to_string(),
                detail: format!("upgrading its layout: {detail}"),
            })?;
            if packer.full() {
                let (batch, bytes) = packer.take();
                fresh.apply(batch, bytes).map_err(other)?;
            }
        }
        let (mut batch, bytes) = packer.take();
        batch.insert(LAYOUT_KEY, LAYOUT);
        fresh.apply(batch, bytes).map_err(other)?;
        fresh.finish().map_err(other)?;
        sync_tree(&*dir.files, &fresh_path).map_err(io)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&fresh_path);
        return Err(e);
    }
    drop(db);
    super::dir::swap_in(&*dir.files, &dir.path, super::dir::SLED_UPGRADING).map_err(io)?;
    super::dir::remove_old(&*dir.files, &dir.path).map_err(io)?;
    open_sled(sled_path, config.cache_bytes).map_err(|e| StoreError::Damaged {
        path: dir.path.display().to_string(),
        detail: format!("the upgraded database does not open: {e}"),
    })
}

struct Writer {
    shared: Arc<Shared>,
    /// The writer's handle on the database (the same as `shared.db`).
    db: sled::Db,
    dir: StoreDir,
    head: Head,
    clock: Arc<dyn Clock>,
    durability: Arc<dyn Durability>,
    sled_path: PathBuf,
    /// Set when a commit could not be made durable: the store refuses further writes, since
    /// sled may hold a batch that was never acknowledged. Reopening recovers.
    failed: Option<String>,
}

/// The writer's view for planning: this group's pending writes over what sled holds.
struct GroupView<'a> {
    db: &'a sled::Db,
    shared: &'a Shared,
    ids: &'a HashMap<Uuid, IdEntry>,
    events: &'a HashMap<u64, RecordedEvent>,
}

impl LogView for GroupView<'_> {
    fn lookup_id(&self, id: &Uuid) -> Result<Option<IdEntry>, StoreError> {
        if let Some(entry) = self.ids.get(id) {
            return Ok(Some(*entry));
        }
        let Some(seq) = self.shared.seq_of_id(id)? else {
            return Ok(None);
        };
        // The fingerprint is the stored record's (redacted, once erased): read only for an
        // id that is stored, that is, for a retry.
        let stored = self.event(seq)?;
        Ok(Some(IdEntry {
            seq,
            fingerprint: log::fingerprint_of(&stored),
        }))
    }

    fn event(&self, seq: u64) -> Result<RecordedEvent, StoreError> {
        if let Some(ev) = self.events.get(&seq) {
            return Ok(ev.clone());
        }
        read_event(self.db, seq)
    }
}

fn read_event(db: &sled::Db, seq: u64) -> Result<RecordedEvent, StoreError> {
    match db.get(e_key(seq)) {
        Ok(Some(v)) => RecordedEvent::from_bytes(v).map_err(|e| StoreError::Damaged {
            path: String::new(),
            detail: format!("seq {seq}: {e}"),
        }),
        Ok(None) => Err(StoreError::NoSuchEvent(seq)),
        Err(e) => Err(StoreError::io(
            format!("reading seq {seq}"),
            std::io::Error::other(e),
        )),
    }
}

enum Reply {
    Append(
        oneshot::Sender<Result<Appended, StoreError>>,
        Result<Appended, StoreError>,
        bool,
    ),
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Request>) {
        while let Ok(first) = rx.recv() {
            let mut group = vec![first];
            while group.len() < 1024 {
                match rx.try_recv() {
                    Ok(request) => group.push(request),
                    Err(_) => break,
                }
            }
            // An erasure runs alone, after what was queued before it.
            let mut pending = Vec::new();
            for request in group {
                match request {
                    Request::Erase(prepared, eraser, reply) => {
                        if !pending.is_empty() {
                            self.commit(std::mem::take(&mut pending));
                        }
                        let result = match &self.failed {
                            Some(reason) => Err(StoreError::Closed(format!(
                                "an earlier commit failed ({reason}); reopen the store"
                            ))),
                            None => self.erase(prepared, eraser),
                        };
                        let _ = reply.send(result);
                    }
                    Request::SwapRestore(head, reply) => {
                        if !pending.is_empty() {
                            self.commit(std::mem::take(&mut pending));
                        }
                        let result = match &self.failed {
                            Some(reason) => Err(StoreError::Closed(format!(
                                "an earlier commit failed ({reason}); reopen the store"
                            ))),
                            None => self.swap_restore(head),
                        };
                        let _ = reply.send(result);
                    }
                    other => pending.push(other),
                }
            }
            if !pending.is_empty() {
                self.commit(pending);
            }
        }
    }

    fn commit(&mut self, group: Vec<Request>) {
        let now = self.clock.now();
        let mut batch = sled::Batch::default();
        let mut wrote = false;
        let mut ids = HashMap::new();
        let mut events = HashMap::new();
        let mut undos = Vec::new();
        let mut touched: Vec<String> = Vec::new();
        // This group's records, in seq order, and their index entries packed into one key.
        let mut written: Vec<u64> = Vec::new();
        let mut packed = Vec::new();
        let mut first_seq = 0;
        let mut replies = Vec::with_capacity(group.len());
        for request in group {
            if let Some(reason) = &self.failed {
                let err = || {
                    StoreError::Closed(format!(
                        "an earlier commit failed ({reason}); reopen the store"
                    ))
                };
                match request {
                    Request::Append(_, reply) => {
                        replies.push(Reply::Append(reply, Err(err()), false))
                    }
                    Request::SwapRestore(_, reply) => {
                        let _ = reply.send(Err(err()));
                    }
                    Request::Erase(_, _, reply) => {
                        let _ = reply.send(Err(err()));
                    }
                }
                continue;
            }
            match request {
                Request::Append(prepared, reply) => {
                    let view = GroupView {
                        db: &self.db,
                        shared: &self.shared,
                        ids: &ids,
                        events: &events,
                    };
                    match log::plan(&mut self.head, &prepared, now, &view) {
                        Ok(Plan::Write {
                            records,
                            appended,
                            undo,
                        }) => {
                            for (record, entry) in records {
                                if packed.is_empty() {
                                    first_seq = record.seq();
                                }
                                batch.insert(&e_key(record.seq()), record.as_bytes());
                                pack_entry(&mut packed, &record);
                                touched.push(record.stream().to_string());
                                ids.insert(record.id(), entry);
                                written.push(record.seq());
                                events.insert(record.seq(), record);
                            }
                            undos.push(undo);
                            wrote = true;
                            replies.push(Reply::Append(reply, Ok(appended), true));
                        }
                        // Once this group holds a pending write, an answer may rest on it
                        // (a retry of an event written just above, a conflict with it), so
                        // it stands only if the commit does.
                        Ok(Plan::Duplicate(appended)) => {
                            replies.push(Reply::Append(reply, Ok(appended), wrote))
                        }
                        Err(e) => replies.push(Reply::Append(reply, Err(e), wrote)),
                    }
                }
                Request::Erase(_, _, reply) => {
                    // `run` never groups an erasure with other requests.
                    let _ = reply.send(Err(StoreError::Closed(
                        "an erasure was grouped with other writes".into(),
                    )));
                }
                Request::SwapRestore(_, reply) => {
                    // `run` never groups a restore's swap with other requests.
                    let _ = reply.send(Err(StoreError::Closed(
                        "a restore was grouped with other writes".into(),
                    )));
                }
            }
        }
        if wrote {
            batch.insert(&c_key(first_seq), packed);
            if let Err(reason) = self.write_durably(batch) {
                // Nothing of this group is acknowledged.
                for undo in undos.into_iter().rev() {
                    self.head.undo(undo);
                }
                self.failed = Some(reason.clone());
                for Reply::Append(_, result, rests_on_commit) in &mut replies {
                    if *rests_on_commit {
                        *result = Err(StoreError::Closed(format!("commit failed: {reason}")));
                    }
                }
            } else {
                let added: Vec<&RecordedEvent> =
                    written.iter().filter_map(|seq| events.get(seq)).collect();
                self.publish(&touched, Some(&added), true);
            }
        }
        for Reply::Append(tx, result, _) in replies {
            let _ = tx.send(result);
        }
    }

    /// An erasure: the database is rewritten afresh into `sled.erasing` (every key copied,
    /// the picked events redacted, the erasure's own events added), made durable, and swapped
    /// in by two renames; the old folder, which still holds the erased data in its files, is
    /// then removed. A crash before the first rename leaves the old database (the erasure
    /// never happened); after it, opening the store completes the swap
    /// ([`super::dir::recover_swap`]).
    fn erase(
        &mut self,
        prepared: Option<Prepared>,
        mut eraser: Box<dyn Eraser>,
    ) -> Result<Option<Appended>, StoreError> {
        let now = self.clock.now();
        let mut head = self.head.clone();
        let view = GroupView {
            db: &self.db,
            shared: &self.shared,
            ids: &HashMap::new(),
            events: &HashMap::new(),
        };
        let (records, appended) = match &prepared {
            None => (Vec::new(), None),
            Some(prepared) => match log::plan(&mut head, prepared, now, &view)? {
                Plan::Duplicate(appended) => (Vec::new(), Some(appended)),
                Plan::Write {
                    records, appended, ..
                } => (records, Some(appended)),
            },
        };
        let added: Vec<RecordedEvent> = records.iter().map(|(r, _)| r.clone()).collect();
        let fresh = self.dir.path.join(super::dir::SLED_ERASING);
        let result = self.rewrite(&fresh, records, &mut *eraser, now);
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&fresh);
            return Err(e);
        }
        let io = |what: &str, e: std::io::Error| StoreError::io(format!("erasure: {what}"), e);
        super::dir::swap_in(&*self.dir.files, &self.dir.path, super::dir::SLED_ERASING)
            .map_err(|e| io("swapping in the rewritten database", e))?;
        let db = open_sled(&self.sled_path, self.shared.cache_bytes).map_err(|e| {
            StoreError::Damaged {
                path: self.dir.path.display().to_string(),
                detail: format!("the rewritten database does not open: {e}"),
            }
        })?;
        *self.shared.db.write().unwrap_or_else(|p| p.into_inner()) = db.clone();
        self.db = db;
        super::dir::remove_old(&*self.dir.files, &self.dir.path)
            .map_err(|e| io("removing the old database", e))?;
        self.head = head;
        self.dir.write_high_water(HighWater {
            seq: self.head.last_seq,
            hash: self.head.head_hash,
        })?;
        let streams: Vec<String> = self.head.streams.keys().cloned().collect();
        let added: Vec<&RecordedEvent> = added.iter().collect();
        self.publish(
            &streams,
            Some(&added),
            appended.as_ref().is_some_and(|a| !a.duplicate),
        );
        Ok(appended)
    }

    /// A restore's swap: the staged database in `sled.restoring` (complete, flushed and
    /// fsynced by [`StagedRestore::commit`]) replaces the empty one by the same two renames
    /// as an erasure's, then the high-water mark is written. The log must still be empty
    /// (an append may have come in while the file streamed): otherwise the staged database is
    /// removed and nothing changes. A crash before the first rename leaves the empty store
    /// (opening it removes the staged folder); after it, opening the store completes the swap.
    fn swap_restore(&mut self, head: Head) -> Result<(), StoreError> {
        let staged = self.dir.path.join(super::dir::SLED_RESTORING);
        if self.head.last_seq != 0 {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(StoreError::NotEmpty {
                events: self.head.last_seq,
            });
        }
        let io = |what: &str, e: std::io::Error| StoreError::io(format!("restore: {what}"), e);
        super::dir::swap_in(&*self.dir.files, &self.dir.path, super::dir::SLED_RESTORING)
            .map_err(|e| io("swapping in the restored database", e))?;
        let db = open_sled(&self.sled_path, self.shared.cache_bytes).map_err(|e| {
            StoreError::Damaged {
                path: self.dir.path.display().to_string(),
                detail: format!("the restored database does not open: {e}"),
            }
        })?;
        *self.shared.db.write().unwrap_or_else(|p| p.into_inner()) = db.clone();
        self.db = db;
        super::dir::remove_old(&*self.dir.files, &self.dir.path)
            .map_err(|e| io("removing the empty database it replaced", e))?;
        self.head = head;
        self.dir.write_high_water(HighWater {
            seq: self.head.last_seq,
            hash: self.head.head_hash,
        })?;
        let streams: Vec<String> = self.head.streams.keys().cloned().collect();
        self.publish(&streams, None, true);
        Ok(())
    }

    /// Shows readers what is now durable: the head, the versions of `streams`, the index
    /// entries of `added` (`None`: the database was replaced, the index is rebuilt when next
    /// needed), the durable seq; and tells subscribers when `notify`.
    fn publish(&self, streams: &[String], added: Option<&[&RecordedEvent]>, notify: bool) {
        let mut committed = self
            .shared
            .committed
            .write()
            .unwrap_or_else(|p| p.into_inner());
        committed.head = LogHead {
            last_seq: self.head.last_seq,
            head_hash: self.head.head_hash,
        };
        for stream in streams {
            if let Some(v) = self.head.streams.get(stream) {
                committed.streams.insert(stream.clone(), *v);
            }
        }
        drop(committed);
        let mut index = self.shared.index.write().unwrap_or_else(|p| p.into_inner());
        match (index.as_mut(), added) {
            (Some(built), Some(added)) => {
                for record in added {
                    if built
                        .add(record.seq(), record.id(), record.stream())
                        .is_err()
                    {
                        // Cannot happen (the plan checked the ids): rebuilt, and told, if so.
                        *index = None;
                        break;
                    }
                }
            }
            (_, None) => *index = None,
            (None, Some(_)) => {}
        }
        self.shared
            .durable_seq
            .store(self.head.last_seq, Ordering::Release);
        drop(index);
        if notify {
            let _ = self.shared.notify.send(self.head.last_seq);
        }
    }

    /// Writes the whole database afresh into `path`: every record of the current one, the
    /// events the eraser picks redacted, then `records`, with their index keys and the layout
    /// key; flushed and fsynced.
    fn rewrite(
        &self,
        path: &Path,
        mut records: Vec<(RecordedEvent, IdEntry)>,
        eraser: &mut dyn Eraser,
        now: crate::domain::Timestamp,
    ) -> Result<(), StoreError> {
        let io = |e: std::io::Error| StoreError::io("erasure: writing the new database", e);
        let sled_err = |e: sled::Error| io(std::io::Error::other(e));
        match std::fs::remove_dir_all(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let fresh_err = |e: String| io(std::io::Error::other(e));
        let mut fresh = FreshDb::create(
            path,
            self.shared.cache_bytes,
            self.shared.restore_reopen_bytes,
        )
        .map_err(fresh_err)?;
        let mut packer = Packer::default();
        let damaged = |detail: String| StoreError::Damaged {
            path: String::new(),
            detail,
        };
        for item in self.db.scan_prefix(b"E") {
            let (_, value) = item.map_err(sled_err)?;
            let ev = RecordedEvent::from_bytes(value).map_err(|e| damaged(e.0))?;
            let ev = super::erased(&ev, now, eraser)?.unwrap_or(ev);
            packer.push(&ev).map_err(damaged)?;
            if packer.full() {
                let (batch, bytes) = packer.take();
                fresh.apply(batch, bytes).map_err(fresh_err)?;
            }
        }
        for (record, _) in &mut records {
            if let Some(redacted) = super::erased(record, now, eraser)? {
                *record = redacted;
            }
            packer.push(record).map_err(damaged)?;
        }
        let (mut batch, bytes) = packer.take();
        batch.insert(LAYOUT_KEY, LAYOUT);
        fresh.apply(batch, bytes).map_err(fresh_err)?;
        fresh.finish().map_err(fresh_err)?;
        sync_tree(&*self.dir.files, path).map_err(io)
    }

    fn write_durably(&mut self, batch: sled::Batch) -> Result<(), String> {
        let db = &self.db;
        match catch_unwind(AssertUnwindSafe(|| db.apply_batch(batch))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(format!("writing to sled: {e}")),
            Err(panic) => {
                return Err(format!(
                    "sled panicked while writing: {}",
                    panic_text(&panic)
                ))
            }
        }
        self.durability
            .make_durable(db, &self.sled_path, self.head.last_seq)
            .map_err(|e| format!("syncing to disk: {e}"))?;
        self.dir
            .write_high_water(HighWater {
                seq: self.head.last_seq,
                hash: self.head.head_hash,
            })
            .map_err(|e| e.to_string())
    }
}

/// Records on their way into a fresh database (a restore's, an erasure's rewrite, an
/// upgrade), in seq order, a batch at a time, each batch with one index key for its records.
#[derive(Default)]
struct Packer {
    batch: sled::Batch,
    packed: Vec<u8>,
    first: u64,
    count: u64,
    bytes: usize,
    /// The seq the next record must have (1 at first).
    next: Option<u64>,
    /// Whether a record may skip seqs (a restore's: see [`Packer::push`]).
    allow_gaps: bool,
}

impl Packer {
    /// Adds a record; refused when it does not follow the previous one (a gap in the log).
    fn push(&mut self, record: &RecordedEvent) -> Result<(), String> {
        let next = self.next.unwrap_or(1);
        if record.seq() != next {
            if !self.allow_gaps {
                return Err(format!(
                    "seq {} comes where seq {next} should",
                    record.seq()
                ));
            }
            // Stored as given (a restore's records were checked by its caller; a tampered
            // log handed to `restore` must stay there for `verify` to name).
            self.close_run();
        }
        self.next = Some(record.seq() + 1);
        if self.count == 0 {
            self.first = record.seq();
        }
        self.batch.insert(&e_key(record.seq()), record.as_bytes());
        pack_entry(&mut self.packed, record);
        self.count += 1;
        self.bytes += record.as_bytes().len() + 9;
        Ok(())
    }

    fn full(&self) -> bool {
        self.count >= STAGE_BATCH_EVENTS as u64 || self.bytes >= STAGE_BATCH_BYTES
    }

    /// The batch so far with its index key, and its bytes; the packer starts a new batch
    /// after the last record.
    fn take(&mut self) -> (sled::Batch, usize) {
        self.close_run();
        let batch = std::mem::take(&mut self.batch);
        let bytes = std::mem::take(&mut self.bytes);
        (batch, bytes)
    }

    /// Adds the index key of the records pushed since the last one.
    fn close_run(&mut self) {
        if self.count > 0 {
            let packed = std::mem::take(&mut self.packed);
            self.bytes += packed.len() + 9;
            self.batch.insert(&c_key(self.first), packed);
            self.count = 0;
        }
    }
}

/// A sled database written afresh, nobody reading it, then swapped in whole or removed: a
/// restore's staging database, an erasure's rewrite.
///
/// sled 0.34 keeps in memory, beyond its cache, what its batches wrote until the database is
/// closed, so it is closed and reopened every [`StoreConfig::restore_reopen_bytes`] written.
struct FreshDb {
    path: PathBuf,
    cache_bytes: u64,
    reopen_bytes: usize,
    /// `None` only after a failed reopen.
    db: Option<sled::Db>,
    /// Bytes written since it was (re)opened.
    since_open: usize,
}

impl FreshDb {
    /// Creates the database in `path` (an empty or missing folder) with the store's settings.
    fn create(path: &Path, cache_bytes: u64, reopen_bytes: usize) -> Result<FreshDb, String> {
        Ok(FreshDb {
            path: path.to_path_buf(),
            cache_bytes,
            reopen_bytes,
            db: Some(open_sled(path, cache_bytes)?),
            since_open: 0,
        })
    }

    fn db(&self) -> Result<&sled::Db, String> {
        self.db
            .as_ref()
            .ok_or_else(|| "it could not be reopened".to_string())
    }

    /// Writes `batch`, which holds `bytes` bytes of keys and values.
    fn apply(&mut self, batch: sled::Batch, bytes: usize) -> Result<(), String> {
        let db = self.db()?;
        db.apply_batch(batch).map_err(|e| format!("writing: {e}"))?;
        if self.since_open + bytes >= self.reopen_bytes {
            db.flush().map_err(|e| format!("flushing: {e}"))?;
            // Closed before it is opened again: sled locks its files.
            drop(self.db.take());
            self.since_open = 0;
            let reopened = open_sled(&self.path, self.cache_bytes);
            self.db = Some(reopened.map_err(|e| format!("reopening: {e}"))?);
        } else {
            self.since_open += bytes;
        }
        Ok(())
    }

    /// Flushes it and closes it (sled's files, not yet fsynced).
    fn finish(self) -> Result<(), String> {
        self.db()?.flush().map_err(|e| format!("flushing: {e}"))?;
        Ok(())
    }
}

/// A restore in progress on the sled store: the records go, in batches, into a database of
/// their own in `sled.restoring`, which nobody reads; [`Restore::commit`] makes it durable and
/// has the writer swap it in for the empty database. Dropped without a commit, the staged
/// folder is removed and the store is as it was; after a crash, opening the store removes it.
///
/// Each batch is written with its index key (layout 2), and its ids also go to a database of
/// their own beside it (`sled.restore-ids`), so that a later line can be checked against every
/// earlier id without holding them in memory; that database is removed, not swapped in (a
/// tree of the staging database cost a `drop_tree` that read it all back, and its pages).
///
/// Memory stays bounded whatever the log's size: one batch (at most [`STAGE_BATCH_EVENTS`]
/// events or [`STAGE_BATCH_BYTES`]), the ids of that batch, the stream versions, and sled's
/// cache.
struct StagedRestore<'a> {
    store: &'a SledStore,
    path: PathBuf,
    /// `None` once committed.
    db: Option<FreshDb>,
    /// The ids seen so far (id → seq), in `ids_path`; `None` once committed.
    ids: Option<FreshDb>,
    ids_path: PathBuf,
    packer: Packer,
    /// The ids of the records in `packer` (earlier ones are in `ids`), with their seq.
    batch_ids: HashMap<Uuid, u64>,
    head: Head,
    /// Set once the staged folder is the writer's to swap in (or to remove).
    handed_over: bool,
}

/// sled's cache for a restore's ids (16-byte keys, 8-byte values).
const RESTORE_IDS_CACHE_BYTES: u64 = 16 << 20;

/// The most records a restore writes to its staging database at once.
const STAGE_BATCH_EVENTS: usize = 4096;
/// The most bytes of records a restore writes to its staging database at once.
const STAGE_BATCH_BYTES: usize = 8 << 20;

impl<'a> StagedRestore<'a> {
    fn begin(store: &'a SledStore) -> Result<StagedRestore<'a>, StoreError> {
        let events = store.head().last_seq;
        if events != 0 {
            return Err(StoreError::NotEmpty { events });
        }
        if store.shared.restoring.swap(true, Ordering::AcqRel) {
            return Err(StoreError::Invalid {
                field: "restore".into(),
                message: "another restore into this store is in progress".into(),
            });
        }
        let path = store.shared.path.join(super::dir::SLED_RESTORING);
        let ids_path = store.shared.path.join(super::dir::SLED_RESTORE_IDS);
        let io = |e: std::io::Error| StoreError::io("restore: creating the staging database", e);
        let fresh = |path: &Path, cache_bytes: u64| match std::fs::remove_dir_all(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => FreshDb::create(path, cache_bytes, store.shared.restore_reopen_bytes)
                .map_err(|e| io(std::io::Error::other(e))),
        };
        let opened = fresh(&path, store.shared.cache_bytes)
            .and_then(|db| Ok((db, fresh(&ids_path, RESTORE_IDS_CACHE_BYTES)?)));
        let (db, ids) = match opened {
            Ok(both) => both,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&path);
                let _ = std::fs::remove_dir_all(&ids_path);
                store.shared.restoring.store(false, Ordering::Release);
                return Err(e);
            }
        };
        Ok(StagedRestore {
            store,
            path,
            db: Some(db),
            ids: Some(ids),
            ids_path,
            packer: Packer {
                allow_gaps: true,
                ..Packer::default()
            },
            batch_ids: HashMap::new(),
            head: Head::default(),
            handed_over: false,
        })
    }

    fn write_batch(&mut self) -> Result<(), StoreError> {
        let (batch, bytes) = self.packer.take();
        // A key of 16 bytes and a value of 8 each.
        let id_bytes = self.batch_ids.len() * 24;
        let mut ids = sled::Batch::default();
        for (id, seq) in self.batch_ids.drain() {
            ids.insert(id.as_bytes(), &seq.to_be_bytes());
        }
        let err =
            |e: String| StoreError::io("restore: the staging database", std::io::Error::other(e));
        uncommitted(&mut self.ids)?
            .apply(ids, id_bytes)
            .map_err(err)?;
        uncommitted(&mut self.db)?.apply(batch, bytes).map_err(err)
    }
}

/// One of a restore's databases, until the restore is committed.
fn uncommitted(db: &mut Option<FreshDb>) -> Result<&mut FreshDb, StoreError> {
    db.as_mut()
        .ok_or_else(|| StoreError::Closed("the restore was already committed".into()))
}

impl Restore for StagedRestore<'_> {
    fn seq_of(&mut self, id: &Uuid) -> Result<Option<u64>, StoreError> {
        if let Some(seq) = self.batch_ids.get(id) {
            return Ok(Some(*seq));
        }
        let read = |e: String| {
            StoreError::io(
                "restore: reading the staging database",
                std::io::Error::other(e),
            )
        };
        let found = uncommitted(&mut self.ids)?
            .db()
            .and_then(|db| db.get(id.as_bytes()).map_err(|e| e.to_string()))
            .map_err(read)?;
        Ok(found.and_then(|v| be_u64(&v)))
    }

    fn push(&mut self, record: RecordedEvent) -> Result<(), StoreError> {
        self.packer
            .push(&record)
            .map_err(|message| StoreError::Invalid {
                field: "seq".into(),
                message,
            })?;
        self.batch_ids.insert(record.id(), record.seq());
        self.head.advance(&record);
        if self.packer.full() {
            self.write_batch()?;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.write_batch()?;
        let io = |e: std::io::Error| StoreError::io("restore: syncing the staging database", e);
        let other = |e: String| io(std::io::Error::other(e));
        let db = self
            .db
            .take()
            .ok_or_else(|| StoreError::Closed("the restore was already committed".into()))?;
        // The ids are no longer needed: their database is closed and removed.
        drop(self.ids.take());
        std::fs::remove_dir_all(&self.ids_path).map_err(io)?;
        let staged = db.db().map_err(other)?;
        staged
            .insert(LAYOUT_KEY, LAYOUT)
            .map_err(|e| other(e.to_string()))?;
        db.finish().map_err(other)?;
        sync_tree(&*self.store.shared.files, &self.path).map_err(io)?;
        let (reply, rx) = oneshot::channel();
        let head = std::mem::take(&mut self.head);
        self.store.send(Request::SwapRestore(head, reply))?;
        self.handed_over = true;
        rx.blocking_recv()
            .map_err(|_| StoreError::Closed("the writer stopped before answering".into()))?
    }
}

impl Drop for StagedRestore<'_> {
    fn drop(&mut self) {
        // Closed before its folder is removed (sled holds its files open).
        drop(self.db.take());
        if self.ids.take().is_some() {
            let _ = std::fs::remove_dir_all(&self.ids_path);
        }
        if !self.handed_over {
            // Not committed: nothing of it may stay.
            let _ = std::fs::remove_dir_all(&self.path);
        }
        self.store.shared.restoring.store(false, Ordering::Release);
    }
}

impl EventStore for SledStore {
    fn append(&self, request: AppendRequest) -> Result<Appended, StoreError> {
        let prepared = log::prepare(request)?;
        let (reply, rx) = oneshot::channel();
        self.send(Request::Append(prepared, reply))?;
        rx.blocking_recv()
            .map_err(|_| StoreError::Closed("the writer stopped before answering".into()))?
    }

    fn iter_from(&self, from_seq: u64) -> EventIter<'_> {
        let durable = self.shared.durable_seq.load(Ordering::Acquire);
        let from = from_seq.max(1);
        if from > durable {
            return Box::new(std::iter::empty());
        }
        let range = self.shared.db().range(e_key(from)..=e_key(durable));
        Box::new(range.map(|item| match item {
            Ok((_, value)) => RecordedEvent::from_bytes(value).map_err(|e| StoreError::Damaged {
                path: String::new(),
                detail: e.0,
            }),
            Err(e) => Err(StoreError::io("reading the log", std::io::Error::other(e))),
        }))
    }

    fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let durable = self.shared.durable_seq.load(Ordering::Acquire);
        let seqs = self
            .shared
            .with_index(|index| index.seqs(stream, from_version))?;
        let db = self.shared.db();
        seqs.into_iter()
            .take_while(|&seq| seq <= durable)
            .map(|seq| read_event(&db, seq))
            .collect()
    }

    fn get(&self, seq: u64) -> Result<RecordedEvent, StoreError> {
        if seq == 0 || seq > self.shared.durable_seq.load(Ordering::Acquire) {
            return Err(StoreError::NoSuchEvent(seq));
        }
        read_event(&self.shared.db(), seq)
    }

    fn stream_version(&self, stream: &str) -> u64 {
        self.committed().streams.get(stream).copied().unwrap_or(0)
    }

    fn streams(&self) -> Vec<(String, u64)> {
        super::sorted_streams(&self.committed().streams)
    }

    fn head(&self) -> LogHead {
        self.committed().head
    }

    fn erase(
        &self,
        request: Option<AppendRequest>,
        eraser: Box<dyn Eraser>,
    ) -> Result<Option<Appended>, StoreError> {
        let prepared = request.map(log::prepare).transpose()?;
        let (reply, rx) = oneshot::channel();
        self.send(Request::Erase(prepared, eraser, reply))?;
        let appended = rx
            .blocking_recv()
            .map_err(|_| StoreError::Closed("the writer stopped before answering".into()))??;
        self.drop_checkpoints()?;
        Ok(appended)
    }

    fn restore(&self, records: Vec<RecordedEvent>) -> Result<(), StoreError> {
        let mut restore = self.begin_restore()?;
        for record in records {
            restore.push(record)?;
        }
        restore.commit()
    }

    fn begin_restore(&self) -> Result<Box<dyn Restore + '_>, StoreError> {
        Ok(Box::new(StagedRestore::begin(self)?))
    }

    fn iter_stream(&self, stream: &str, from_version: u64) -> EventIter<'_> {
        let durable = self.shared.durable_seq.load(Ordering::Acquire);
        let seqs = match self
            .shared
            .with_index(|index| index.seqs(stream, from_version))
        {
            Ok(seqs) => seqs,
            Err(e) => return Box::new(std::iter::once(Err(e))),
        };
        let db = self.shared.db();
        Box::new(
            seqs.into_iter()
                .take_while(move |&seq| seq <= durable)
                .map(move |seq| read_event(&db, seq)),
        )
    }

    fn find_id(&self, id: &Uuid) -> Result<Option<u64>, StoreError> {
        let durable = self.shared.durable_seq.load(Ordering::Acquire);
        let seq = self.shared.seq_of_id(id)?;
        Ok(seq.filter(|&seq| seq <= durable))
    }

    fn load_checkpoint(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        read_checkpoint(&self.shared.path, name)
    }

    fn checkpoint_epoch(&self) -> u64 {
        *self.checkpoint_epoch_lock()
    }

    fn save_checkpoint(&self, name: &str, bytes: &[u8], epoch: u64) -> Result<bool, StoreError> {
        let path = checkpoint_path(&self.shared.path, name)?;
        let current = self.checkpoint_epoch_lock();
        if *current != epoch {
            return Ok(false);
        }
        let temp = path.with_extension("tmp");
        let io = |e| StoreError::io(format!("saving {}", path.display()), e);
        std::fs::create_dir_all(self.shared.path.join(CHECKPOINT_DIR)).map_err(io)?;
        // Written beside, then renamed over: a reader sees the old checkpoint or the new one.
        let mut file = Vec::with_capacity(bytes.len() + 16);
        file.extend_from_slice(CHECKPOINT_MAGIC);
        file.extend_from_slice(&log_file_len(&self.shared.path).to_be_bytes());
        file.extend_from_slice(bytes);
        std::fs::write(&temp, file).map_err(io)?;
        std::fs::rename(&temp, &path).map_err(io)?;
        Ok(true)
    }

    fn notifier(&self) -> broadcast::Receiver<u64> {
        self.shared.notify.subscribe()
    }
}

/// Integrity checks of the sled indexes against the events; used by `verify`.
///
/// Streams the per-commit index keys beside the records, in seq order: each index entry must
/// name its record's id and stream, the versions it implies (one more per entry of the same
/// stream) must be the records', the keys must cover the log with neither gap nor overlap, and
/// the stream versions the store serves must be the ones counted. Holds one entry per stream.
pub(crate) fn check_indexes(store: &SledStore) -> Result<Vec<String>, StoreError> {
    let db = store.db();
    let read = |e: sled::Error| StoreError::io("reading the log", std::io::Error::other(e));
    let mut problems = Vec::new();
    let mut streams: HashMap<String, u64> = HashMap::new();
    let mut records = db.scan_prefix(b"E");
    let mut next = 1u64;
    match db.get(LAYOUT_KEY).map_err(read)? {
        Some(layout) if layout == LAYOUT => {}
        _ => problems.push("the layout key is missing or wrong".to_string()),
    }
    'commits: for item in db.scan_prefix(b"C") {
        let (key, value) = item.map_err(read)?;
        let first = be_u64(&key[1..]).unwrap_or(0);
        if first != next {
            problems.push(format!(
                "seq {next}: the index's next commit starts at seq {first}"
            ));
            break;
        }
        let mut entries = Vec::new();
        if let Err(e) = unpack_entries(&value, |id, stream| {
            entries.push((id, stream.to_string()));
            Ok(())
        }) {
            problems.push(format!("seq {first}: the index of its commit: {e}"));
            break;
        }
        for (id, stream) in entries {
            let seq = next;
            next += 1;
            let version = streams.entry(stream.clone()).or_default();
            *version += 1;
            let record = match records.next() {
                Some(item) => {
                    let (_, value) = item.map_err(read)?;
                    match RecordedEvent::from_bytes(value) {
                        Ok(ev) => ev,
                        Err(e) => {
                            problems.push(format!("seq {seq}: {e}"));
                            break 'commits;
                        }
                    }
                }
                None => {
                    problems.push(format!(
                        "seq {seq}: the index names an event the log does not hold"
                    ));
                    break 'commits;
                }
            };
            if record.seq() != seq {
                problems.push(format!(
                    "seq {seq}: the index is at seq {seq} but the log at seq {}",
                    record.seq()
                ));
                break 'commits;
            }
            if record.id() != id || record.stream() != stream || record.version() != *version {
                problems.push(format!(
                    "seq {seq}: the index says {id} in {stream}@{version}, the event is {} in {}@{}",
                    record.id(),
                    record.stream(),
                    record.version()
                ));
            }
        }
    }
    if problems.is_empty() {
        if let Some(item) = records.next() {
            let (key, _) = item.map_err(read)?;
            let seq = be_u64(&key[1..]).unwrap_or(0);
            problems.push(format!("seq {seq}: the index has no entry for this event"));
        }
        let served: HashMap<String, u64> = store.streams().into_iter().collect();
        for (stream, version) in &streams {
            if served.get(stream) != Some(version) {
                problems.push(format!(
                    "the head of stream {stream} does not say version {version}"
                ));
            }
        }
        if served.len() != streams.len() {
            problems.push(format!(
                "the store serves {} streams, the index holds {}",
                served.len(),
                streams.len()
            ));
        }
    }
    Ok(problems)
}
