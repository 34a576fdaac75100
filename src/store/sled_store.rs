//! The durable event store on sled.
//!
//! # Layout in sled
//!
//! One tree (sled's default), so that one `Batch` makes a whole commit atomic:
//!
//! | key | value |
//! |---|---|
//! | `E` seq (u64 BE) | the event's binary record ([`RecordedEvent`]) |
//! | `S` stream `0x00` version (u64 BE) | seq (u64 BE) |
//! | `H` stream | the stream's version (u64 BE) |
//! | `I` event id (16 bytes) | seq (u64 BE) and the content fingerprint (32 bytes) |
//!
//! # Writing
//!
//! A single writer thread owns the log's head (last seq, head hash, stream versions). Callers
//! check and canonicalize their request, send it, and wait. The writer takes every request
//! waiting in its queue (group commit), plans each in order (ids, then versions, then
//! positions), writes one atomic batch, makes it durable once ([`Durability`]: sled `flush`
//! plus fsync of sled's files and directory), writes the fsynced high-water mark, and only then
//! answers every request of the group and notifies subscribers. Readers never see events past
//! the last durable seq.
//!
//! # Restoring
//!
//! A restore ([`EventStore::begin_restore`]) writes the records, in batches, into a database
//! of its own in `sled.restoring` while the caller checks the file line by line; at the
//! commit that database is flushed and fsynced, and the writer swaps it in for the empty
//! one (the erasure's two renames) and writes the high-water mark. A rejected file's staging
//! folder is removed; a crash leaves either the empty store or the whole restore.

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
}

impl Shared {
    fn db(&self) -> sled::Db {
        self.db.read().unwrap_or_else(|p| p.into_inner()).clone()
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

fn s_key(stream: &str, version: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(stream.len() + 10);
    k.push(b'S');
    k.extend_from_slice(stream.as_bytes());
    k.push(0);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

fn h_key(stream: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(stream.len() + 1);
    k.push(b'H');
    k.extend_from_slice(stream.as_bytes());
    k
}

fn i_key(id: &Uuid) -> [u8; 17] {
    let mut k = [b'I'; 17];
    k[1..].copy_from_slice(id.as_bytes());
    k
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
        Ok(bytes) => {
            if bytes.len() < 16 || &bytes[..8] != CHECKPOINT_MAGIC {
                return Ok(None);
            }
            let len = u64::from_be_bytes(bytes[8..16].try_into().unwrap_or_default());
            Ok(Some((len, bytes[16..].to_vec())))
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
        let db = open_sled(&sled_path, config.cache_bytes).map_err(damaged)?;
        if created {
            // sled's new folder is an entry of the store directory: make it durable.
            super::dir::sync_dir(&*dir.files, path)?;
        }
        let loaded = catch_unwind(AssertUnwindSafe(|| load_head(&db)));
        let head = match loaded {
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

/// Rebuilds the head from sled: the last event and every stream's version.
fn load_head(db: &sled::Db) -> Result<Head, String> {
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
    for item in db.scan_prefix(b"H") {
        let (key, value) = item.map_err(|e| format!("reading stream heads: {e}"))?;
        let stream = String::from_utf8(key[1..].to_vec())
            .map_err(|_| "a stream name is not UTF-8".to_string())?;
        let version =
            be_u64(&value).ok_or_else(|| format!("the version of stream {stream} is corrupt"))?;
        head.streams.insert(stream, version);
    }
    Ok(head)
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
    ids: &'a HashMap<Uuid, IdEntry>,
    events: &'a HashMap<u64, RecordedEvent>,
}

impl LogView for GroupView<'_> {
    fn lookup_id(&self, id: &Uuid) -> Result<Option<IdEntry>, StoreError> {
        if let Some(entry) = self.ids.get(id) {
            return Ok(Some(*entry));
        }
        match self.db.get(i_key(id)) {
            Ok(Some(v)) => IdEntry::decode(&v)
                .map(Some)
                .ok_or_else(|| StoreError::Damaged {
                    path: String::new(),
                    detail: format!("the index entry of id {id} is corrupt"),
                }),
            Ok(None) => Ok(None),
            Err(e) => Err(StoreError::io(
                "reading the id index",
                std::io::Error::other(e),
            )),
        }
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
                                add_record(&mut batch, &record, &entry);
                                touched.push(record.stream().to_string());
                                ids.insert(record.id(), entry);
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
            for stream in &touched {
                if let Some(v) = self.head.streams.get(stream) {
                    batch.insert(h_key(stream), &v.to_be_bytes());
                }
            }
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
                self.publish(&touched, true);
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
        let fresh = self.dir.path.join(super::dir::SLED_ERASING);
        let result = self.rewrite(&fresh, &head, records, &mut *eraser, now);
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
        self.publish(&streams, appended.as_ref().is_some_and(|a| !a.duplicate));
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
        self.publish(&streams, true);
        Ok(())
    }

    /// Shows readers what is now durable: the head, the versions of `streams`, the durable
    /// seq; and tells subscribers when `notify`.
    fn publish(&self, streams: &[String], notify: bool) {
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
        self.shared
            .durable_seq
            .store(self.head.last_seq, Ordering::Release);
        if notify {
            let _ = self.shared.notify.send(self.head.last_seq);
        }
    }

    /// Writes the whole database afresh into `path`: every key of the current one, the events
    /// the eraser picks redacted, then `records`; flushed and fsynced.
    fn rewrite(
        &self,
        path: &Path,
        head: &Head,
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
        let mut fresh = FreshDb::create(path, &self.shared).map_err(fresh_err)?;
        let mut batch = sled::Batch::default();
        let mut in_batch = 0;
        let mut batch_bytes = 0;
        let mut erased_ids: HashMap<Uuid, IdEntry> = HashMap::new();
        for item in self.db.iter() {
            let (key, value) = item.map_err(sled_err)?;
            let mut value = value;
            if key.first() == Some(&b'E') {
                let ev =
                    RecordedEvent::from_bytes(value.clone()).map_err(|e| StoreError::Damaged {
                        path: String::new(),
                        detail: e.0,
                    })?;
                if let Some(redacted) = super::erased(&ev, now, eraser)? {
                    // The id index keeps no hash of the erased content either (an `I` key
                    // sorts after every `E` key, so this entry wins).
                    let entry = IdEntry {
                        seq: ev.seq(),
                        fingerprint: log::fingerprint_of(&redacted),
                    };
                    erased_ids.insert(redacted.id(), entry);
                    value = redacted.as_bytes().into();
                }
            }
            if key.first() == Some(&b'I') && key.len() == 17 {
                let id = Uuid::from_slice(&key[1..]).unwrap_or_default();
                if let Some(entry) = erased_ids.remove(&id) {
                    value = entry.encode()[..].into();
                }
            }
            batch_bytes += key.len() + value.len();
            batch.insert(key, value);
            in_batch += 1;
            if in_batch == 4096 {
                let bytes = std::mem::take(&mut batch_bytes);
                fresh
                    .apply(std::mem::take(&mut batch), bytes)
                    .map_err(fresh_err)?;
                in_batch = 0;
            }
        }
        for (record, _) in &mut records {
            if let Some(redacted) = super::erased(record, now, eraser)? {
                *record = redacted;
            }
        }
        for (record, entry) in &records {
            add_record(&mut batch, record, entry);
            if let Some(v) = head.streams.get(record.stream()) {
                batch.insert(h_key(record.stream()), &v.to_be_bytes());
            }
        }
        fresh.apply(batch, batch_bytes).map_err(fresh_err)?;
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

fn add_record(batch: &mut sled::Batch, record: &RecordedEvent, entry: &IdEntry) {
    batch.insert(&e_key(record.seq()), record.as_bytes());
    batch.insert(
        s_key(record.stream(), record.version()),
        &record.seq().to_be_bytes(),
    );
    batch.insert(&i_key(&record.id()), &entry.encode()[..]);
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
    fn create(path: &Path, shared: &Shared) -> Result<FreshDb, String> {
        Ok(FreshDb {
            path: path.to_path_buf(),
            cache_bytes: shared.cache_bytes,
            reopen_bytes: shared.restore_reopen_bytes,
            db: Some(open_sled(path, shared.cache_bytes)?),
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
/// Memory stays bounded whatever the log's size: one batch (at most [`STAGE_BATCH_EVENTS`]
/// events or [`STAGE_BATCH_BYTES`]), the ids of that batch, the stream versions, and sled's
/// cache.
struct StagedRestore<'a> {
    store: &'a SledStore,
    path: PathBuf,
    /// `None` once committed.
    db: Option<FreshDb>,
    batch: sled::Batch,
    /// The ids of the records in `batch` (earlier ones are in `db`), with their seq.
    batch_ids: HashMap<Uuid, u64>,
    batch_bytes: usize,
    head: Head,
    /// Set once the staged folder is the writer's to swap in (or to remove).
    handed_over: bool,
}

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
        let io = |e: std::io::Error| StoreError::io("restore: creating the staging database", e);
        let opened = match std::fs::remove_dir_all(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => FreshDb::create(&path, &store.shared).map_err(|e| io(std::io::Error::other(e))),
        };
        let db = match opened {
            Ok(db) => db,
            Err(e) => {
                store.shared.restoring.store(false, Ordering::Release);
                return Err(e);
            }
        };
        Ok(StagedRestore {
            store,
            path,
            db: Some(db),
            batch: sled::Batch::default(),
            batch_ids: HashMap::new(),
            batch_bytes: 0,
            head: Head::default(),
            handed_over: false,
        })
    }

    fn db(&mut self) -> Result<&mut FreshDb, StoreError> {
        self.db
            .as_mut()
            .ok_or_else(|| StoreError::Closed("the restore was already committed".into()))
    }

    fn write_batch(&mut self) -> Result<(), StoreError> {
        let batch = std::mem::take(&mut self.batch);
        self.batch_ids.clear();
        let bytes = std::mem::take(&mut self.batch_bytes);
        self.db()?
            .apply(batch, bytes)
            .map_err(|e| StoreError::io("restore: the staging database", std::io::Error::other(e)))
    }
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
        match self.db()?.db().map_err(read)?.get(i_key(id)) {
            Ok(Some(v)) => Ok(IdEntry::decode(&v).map(|e| e.seq)),
            Ok(None) => Ok(None),
            Err(e) => Err(StoreError::io(
                "restore: reading the staging database",
                std::io::Error::other(e),
            )),
        }
    }

    fn push(&mut self, record: RecordedEvent) -> Result<(), StoreError> {
        let entry = IdEntry {
            seq: record.seq(),
            fingerprint: log::fingerprint_of(&record),
        };
        add_record(&mut self.batch, &record, &entry);
        self.batch_ids.insert(record.id(), record.seq());
        self.batch_bytes += record.as_bytes().len();
        self.head.advance(&record);
        if self.batch_ids.len() >= STAGE_BATCH_EVENTS || self.batch_bytes >= STAGE_BATCH_BYTES {
            self.write_batch()?;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        for (stream, version) in &self.head.streams {
            self.batch.insert(h_key(stream), &version.to_be_bytes());
        }
        self.write_batch()?;
        let io = |e: std::io::Error| StoreError::io("restore: syncing the staging database", e);
        let db = self
            .db
            .take()
            .ok_or_else(|| StoreError::Closed("the restore was already committed".into()))?;
        db.finish().map_err(|e| io(std::io::Error::other(e)))?;
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
        let start = s_key(stream, from_version.max(1));
        let end = s_key(stream, u64::MAX);
        let mut out = Vec::new();
        let db = self.shared.db();
        for item in db.range(start..=end) {
            let (_, value) =
                item.map_err(|e| StoreError::io("reading a stream", std::io::Error::other(e)))?;
            let seq = be_u64(&value).ok_or_else(|| StoreError::Damaged {
                path: String::new(),
                detail: format!("the stream index of {stream} is corrupt"),
            })?;
            if seq > durable {
                break;
            }
            out.push(read_event(&db, seq)?);
        }
        Ok(out)
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
        let db = self.shared.db();
        let start = s_key(stream, from_version.max(1));
        let end = s_key(stream, u64::MAX);
        let stream = stream.to_string();
        let range = db.range(start..=end);
        Box::new(
            range
                .map(move |item| {
                    let (_, value) = item.map_err(|e| {
                        StoreError::io("reading a stream", std::io::Error::other(e))
                    })?;
                    be_u64(&value).ok_or_else(|| StoreError::Damaged {
                        path: String::new(),
                        detail: format!("the stream index of {stream} is corrupt"),
                    })
                })
                .take_while(move |seq| !matches!(seq, Ok(seq) if *seq > durable))
                .map(move |seq| read_event(&db, seq?)),
        )
    }

    fn find_id(&self, id: &Uuid) -> Result<Option<u64>, StoreError> {
        let durable = self.shared.durable_seq.load(Ordering::Acquire);
        match self.shared.db().get(i_key(id)) {
            Ok(Some(v)) => Ok(IdEntry::decode(&v)
                .map(|e| e.seq)
                .filter(|&seq| seq <= durable)),
            Ok(None) => Ok(None),
            Err(e) => Err(StoreError::io(
                "reading the id index",
                std::io::Error::other(e),
            )),
        }
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
pub(crate) fn check_indexes(store: &SledStore) -> Result<Vec<String>, StoreError> {
    let db = store.db();
    let mut problems = Vec::new();
    let mut streams: HashMap<String, u64> = HashMap::new();
    for item in db.scan_prefix(b"E") {
        let (_, value) =
            item.map_err(|e| StoreError::io("reading the log", std::io::Error::other(e)))?;
        let Ok(ev) = RecordedEvent::from_bytes(value) else {
            continue;
        };
        let seq = ev.seq();
        match db.get(s_key(ev.stream(), ev.version())) {
            Ok(Some(v)) if be_u64(&v) == Some(seq) => {}
            _ => problems.push(format!(
                "seq {seq}: the stream index has no entry for {}@{}",
                ev.stream(),
                ev.version()
            )),
        }
        match db.get(i_key(&ev.id())) {
            Ok(Some(v)) if IdEntry::decode(&v).map(|e| e.seq) == Some(seq) => {}
            _ => problems.push(format!(
                "seq {seq}: the id index has no entry for {}",
                ev.id()
            )),
        }
        let v = streams.entry(ev.stream().to_string()).or_default();
        *v = (*v).max(ev.version());
    }
    for (stream, version) in &streams {
        match db.get(h_key(stream)) {
            Ok(Some(v)) if be_u64(&v) == Some(*version) => {}
            _ => problems.push(format!(
                "the head of stream {stream} does not say version {version}"
            )),
        }
    }
    let index_entries = db.scan_prefix(b"S").count();
    let total: u64 = streams.values().sum();
    if index_entries as u64 != total {
        problems.push(format!(
            "the stream index has {index_entries} entries for {total} events"
        ));
    }
    Ok(problems)
}
