//! The store directory outside sled: the marker that says "this is a baton store", the lock
//! that keeps a second process out, and the fsynced high-water mark that detects a store that
//! came back shorter than what was acknowledged.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use super::record::Hash;
use super::sled_store::SyncFiles;
use super::StoreError;

/// The marker file's name and first line.
pub(crate) const MARKER_FILE: &str = "BATON_STORE";
/// Where the marker is written before it is renamed into place.
const MARKER_TEMP: &str = "BATON_STORE.tmp";
const MARKER_TEXT: &str = "baton event store\nformat 1\n";
const LOCK_FILE: &str = "baton.lock";
const HWM_FILE: &str = "baton.hwm";
/// sled's own directory inside the store.
pub(crate) const SLED_DIR: &str = "sled";

const HWM_MAGIC: &[u8; 8] = b"BATONHWM";
const SLOT: usize = 64;

/// An opened, locked store directory.
pub(crate) struct StoreDir {
    pub path: PathBuf,
    /// Why: holding the open file holds the advisory lock for the store's lifetime.
    _lock: File,
    hwm: File,
    hwm_counter: u64,
    /// Why: every fsync of the store goes through one injectable layer, so a test can see
    /// that each changed directory entry was made durable.
    pub files: Arc<dyn SyncFiles>,
}

/// The high-water mark: the last acknowledged seq and its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct HighWater {
    pub seq: u64,
    pub hash: Hash,
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

pub(crate) fn sync_dir(files: &dyn SyncFiles, path: &Path) -> Result<(), StoreError> {
    File::open(path)
        .and_then(|d| files.sync_all(&d, path))
        .map_err(|e| StoreError::io(format!("syncing directory {}", display(path)), e))
}

/// Fsyncs the directory that holds `path` (the current directory for a relative path with
/// no parent), so that a new entry `path` survives a crash.
fn sync_parent(files: &dyn SyncFiles, path: &Path) -> Result<(), StoreError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    sync_dir(files, &parent)
}

/// Where an erasure writes the rewritten sled database before swapping it in.
pub(crate) const SLED_ERASING: &str = "sled.erasing";
/// Where a restore writes the restored sled database before swapping it in.
pub(crate) const SLED_RESTORING: &str = "sled.restoring";
/// Where opening a store rewrites a database of an older layout before swapping it in.
pub(crate) const SLED_UPGRADING: &str = "sled.upgrading";
/// The databases a swap may bring in: an erasure's, a restore's and an upgrade's (one at a
/// time: the writer runs one swap at a time, a store holds one restore at a time, and an
/// upgrade runs while the store is opened, before the writer starts).
const SLED_FRESH: [&str; 3] = [SLED_ERASING, SLED_RESTORING, SLED_UPGRADING];
/// Where a restore keeps the ids it has seen (a database of its own, never swapped in:
/// removed when the restore ends, and by the next open after a crash).
pub(crate) const SLED_RESTORE_IDS: &str = "sled.restore-ids";
/// Where the old sled database goes during the swap.
const SLED_OLD: &str = "sled.old";

/// Swaps a complete, fsynced `fresh` database (`sled.erasing`, `sled.restoring` or
/// `sled.upgrading`) in for
/// `sled`: `sled` → `sled.old`, then `fresh` → `sled`, then the directory is fsynced.
pub(crate) fn swap_in(files: &dyn SyncFiles, store: &Path, fresh: &str) -> std::io::Result<()> {
    debug_assert!(SLED_FRESH.contains(&fresh));
    fs::rename(store.join(SLED_DIR), store.join(SLED_OLD))?;
    fs::rename(store.join(fresh), store.join(SLED_DIR))?;
    files.sync_all(&File::open(store)?, store)
}

/// Removes the old sled database after a swap, and fsyncs the directory.
pub(crate) fn remove_old(files: &dyn SyncFiles, store: &Path) -> std::io::Result<()> {
    match fs::remove_dir_all(store.join(SLED_OLD)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    files.sync_all(&File::open(store)?, store)
}

/// Brings an erasure or a restore that a crash interrupted to one end, before sled is
/// opened: a database not yet swapped in is discarded (the erasure or the restore never
/// happened); a swap half done is completed, and the old database (which holds the erased
/// data, or nothing) removed.
pub(crate) fn recover_swap(files: &dyn SyncFiles, store: &Path) -> std::io::Result<()> {
    let live = store.join(SLED_DIR);
    let old = store.join(SLED_OLD);
    let mut changed = false;
    for fresh in SLED_FRESH {
        let fresh = store.join(fresh);
        if fresh.exists() {
            if !live.exists() && old.exists() {
                fs::rename(&fresh, &live)?;
            } else {
                fs::remove_dir_all(&fresh)?;
            }
            changed = true;
        }
    }
    if old.exists() && live.exists() {
        fs::remove_dir_all(&old)?;
        changed = true;
    }
    let ids = store.join(SLED_RESTORE_IDS);
    if ids.exists() {
        fs::remove_dir_all(&ids)?;
        changed = true;
    }
    if changed {
        files.sync_all(&File::open(store)?, store)?;
    }
    Ok(())
}

impl StoreDir {
    /// Opens (creating when `create` and the directory is missing or empty) and locks a store
    /// directory. Never writes into a directory that is neither empty nor marked. The lock is
    /// taken before anything is created, so two processes creating one store at once see
    /// "in use", and a creation that was interrupted (a lock file, a high-water mark, a
    /// temporary marker, nothing else) is taken up again.
    pub fn open(
        path: &Path,
        create: bool,
        files: Arc<dyn SyncFiles>,
    ) -> Result<StoreDir, StoreError> {
        let shown = display(path);
        if !path.exists() {
            if !create {
                return Err(StoreError::Damaged {
                    path: shown,
                    detail: "the directory does not exist".into(),
                });
            }
            match fs::create_dir_all(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(StoreError::io(format!("creating {shown}"), e)),
            }
            sync_parent(&*files, path)?;
        } else if !path.is_dir() {
            return Err(StoreError::NotAStore { path: shown });
        }
        // Before the lock, another opener may be creating the store: it writes the marker
        // before anything that is not a leftover, so a directory with more than leftovers and
        // no marker is read again for the marker that may have appeared meanwhile.
        let may_open = Self::check_marker(path)?
            || (create && (Self::only_leftovers(path)? || Self::check_marker(path)?));
        if !may_open {
            return Err(StoreError::NotAStore { path: shown });
        }

        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path.join(LOCK_FILE))
            .map_err(|e| StoreError::io(format!("opening the lock file in {shown}"), e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = (&lock).read_to_string(&mut text);
                return Err(StoreError::InUse {
                    path: shown,
                    pid: text.trim().parse().ok(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::io(format!("locking {shown}"), e))
            }
        }
        lock.set_len(0)
            .and_then(|_| lock.write_all_at(std::process::id().to_string().as_bytes(), 0))
            .map_err(|e| StoreError::io(format!("writing the lock file in {shown}"), e))?;

        let hwm_path = path.join(HWM_FILE);
        // Under the lock: another process may have finished creating the store meanwhile.
        let marked = Self::check_marker(path)?;
        // Whether the store holds nothing yet: its mark is (re)written as empty.
        let fresh = if !marked {
            if !Self::only_leftovers(path)? {
                return Err(StoreError::NotAStore { path: shown });
            }
            true
        } else {
            recover_swap(&*files, path).map_err(|e| {
                StoreError::io(format!("completing an interrupted erasure in {shown}"), e)
            })?;
            let hwm_len = fs::metadata(&hwm_path).map(|m| m.len()).ok();
            let sled_exists = path.join(SLED_DIR).exists();
            if hwm_len.is_none() {
                return Err(StoreError::Damaged {
                    path: shown,
                    detail: if sled_exists {
                        format!("the high-water mark file {HWM_FILE} is missing, so a truncated log could not be detected")
                    } else {
                        format!("it has its {MARKER_FILE} marker but neither sled's folder nor the high-water mark {HWM_FILE}")
                    },
                });
            }
            // A crash while the mark was first written: the store never held anything.
            !sled_exists && hwm_len == Some(0)
        };
        let mut dir = StoreDir {
            path: path.to_path_buf(),
            _lock: lock,
            hwm: Self::open_hwm(&hwm_path)?,
            hwm_counter: 0,
            files,
        };
        if fresh {
            dir.write_high_water(HighWater::default())?;
            sync_dir(&*dir.files, path)?;
        }
        if !marked {
            // The mark first, then the marker: a marked store always has its mark.
            Self::init(&*dir.files, path)?;
        }
        Ok(dir)
    }

    fn open_hwm(hwm_path: &Path) -> Result<File, StoreError> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(hwm_path)
            .map_err(|e| StoreError::io(format!("opening {}", display(hwm_path)), e))
    }

    /// Whether the directory holds a baton marker of the supported format (an error for a
    /// marker of another format).
    fn check_marker(path: &Path) -> Result<bool, StoreError> {
        let marker = path.join(MARKER_FILE);
        if !marker.exists() {
            return Ok(false);
        }
        let mut text = String::new();
        File::open(&marker)
            .and_then(|mut f| f.read_to_string(&mut text))
            .map_err(|e| StoreError::io(format!("reading {}", display(&marker)), e))?;
        if !text.starts_with("baton event store\n") {
            return Err(StoreError::NotAStore {
                path: display(path),
            });
        }
        if text != MARKER_TEXT {
            return Err(StoreError::Damaged {
                path: display(path),
                detail: format!(
                    "unsupported store format in {MARKER_FILE}: {:?}",
                    text.lines().nth(1).unwrap_or("")
                ),
            });
        }
        Ok(true)
    }

    /// Whether an unmarked directory is empty, or holds only what an interrupted creation
    /// leaves (the lock file, an empty high-water mark, the temporary marker).
    fn only_leftovers(path: &Path) -> Result<bool, StoreError> {
        let entries = fs::read_dir(path)
            .map_err(|e| StoreError::io(format!("listing {}", display(path)), e))?;
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let leftover = name == MARKER_TEMP
                || name == LOCK_FILE
                || (name == HWM_FILE
                    && entry.metadata().is_ok_and(|m| m.len() <= (SLOT * 2) as u64));
            if !leftover {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Writes the marker atomically (temporary file, fsync, rename), so a crash leaves either
    /// no marker (the directory still counts as empty) or a complete one.
    fn init(files: &dyn SyncFiles, path: &Path) -> Result<(), StoreError> {
        let marker = path.join(MARKER_FILE);
        let temp = path.join(MARKER_TEMP);
        let mut f = File::create(&temp)
            .map_err(|e| StoreError::io(format!("creating {}", display(&temp)), e))?;
        f.write_all(MARKER_TEXT.as_bytes())
            .and_then(|_| files.sync_all(&f, &temp))
            .map_err(|e| StoreError::io(format!("writing {}", display(&temp)), e))?;
        fs::rename(&temp, &marker)
            .map_err(|e| StoreError::io(format!("creating {}", display(&marker)), e))?;
        sync_dir(files, path)?;
        sync_parent(files, path)
    }

    /// The sled directory.
    pub fn sled_path(&self) -> PathBuf {
        self.path.join(SLED_DIR)
    }

    /// Reads the high-water mark. Two slots are written alternately, each with a checksum,
    /// so a torn write of one slot leaves the other readable.
    pub fn read_high_water(&mut self) -> Result<HighWater, StoreError> {
        let mut buf = [0u8; SLOT * 2];
        let len = self
            .hwm
            .read_at(&mut buf, 0)
            .map_err(|e| StoreError::io("reading the high-water mark", e))?;
        let mut best: Option<(u64, HighWater)> = None;
        for slot in 0..2 {
            let bytes = &buf[slot * SLOT..(slot + 1) * SLOT];
            if len < (slot + 1) * SLOT || &bytes[..8] != HWM_MAGIC {
                continue;
            }
            let check = blake3::hash(&bytes[..56]);
            if check.as_bytes()[..8] != bytes[56..64] {
                continue;
            }
            let seq = u64::from_be_bytes(bytes[8..16].try_into().unwrap_or_default());
            let mut hash = [0u8; 32];
            hash.copy_from_slice(&bytes[16..48]);
            let counter = u64::from_be_bytes(bytes[48..56].try_into().unwrap_or_default());
            if best.is_none_or(|(c, _)| counter > c) {
                best = Some((counter, HighWater { seq, hash }));
            }
        }
        match best {
            Some((counter, hw)) => {
                self.hwm_counter = counter;
                Ok(hw)
            }
            None => Err(StoreError::Damaged {
                path: display(&self.path),
                detail: format!("the high-water mark file {HWM_FILE} is unreadable"),
            }),
        }
    }

    /// Writes and fsyncs the high-water mark.
    pub fn write_high_water(&mut self, hw: HighWater) -> Result<(), StoreError> {
        self.hwm_counter += 1;
        let mut slot = [0u8; SLOT];
        slot[..8].copy_from_slice(HWM_MAGIC);
        slot[8..16].copy_from_slice(&hw.seq.to_be_bytes());
        slot[16..48].copy_from_slice(&hw.hash);
        slot[48..56].copy_from_slice(&self.hwm_counter.to_be_bytes());
        let check = *blake3::hash(&slot[..56]).as_bytes();
        slot[56..64].copy_from_slice(&check[..8]);
        let offset = (self.hwm_counter % 2) * SLOT as u64;
        self.hwm
            .write_all_at(&slot, offset)
            .and_then(|_| self.files.sync_data(&self.hwm, Path::new(HWM_FILE)))
            .map_err(|e| StoreError::io("writing the high-water mark", e))
    }
}
