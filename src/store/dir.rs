//! The store directory outside sled: the marker that says "this is a baton store", the lock
//! that keeps a second process out, and the fsynced high-water mark that detects a store that
//! came back shorter than what was acknowledged.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::record::Hash;
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

fn sync_dir(path: &Path) -> Result<(), StoreError> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(format!("syncing directory {}", display(path)), e))
}

impl StoreDir {
    /// Opens (creating when `create` and the directory is missing or empty) and locks a store
    /// directory. Never writes into a directory that is neither empty nor marked.
    pub fn open(path: &Path, create: bool) -> Result<StoreDir, StoreError> {
        let shown = display(path);
        let marker = path.join(MARKER_FILE);
        if !path.exists() {
            if !create {
                return Err(StoreError::Damaged {
                    path: shown,
                    detail: "the directory does not exist".into(),
                });
            }
            fs::create_dir_all(path).map_err(|e| StoreError::io(format!("creating {shown}"), e))?;
            Self::init(path)?;
        } else if !path.is_dir() {
            return Err(StoreError::NotAStore { path: shown });
        } else if marker.exists() {
            let mut text = String::new();
            File::open(&marker)
                .and_then(|mut f| f.read_to_string(&mut text))
                .map_err(|e| StoreError::io(format!("reading {}", display(&marker)), e))?;
            if !text.starts_with("baton event store\n") {
                return Err(StoreError::NotAStore { path: shown });
            }
            if text != MARKER_TEXT {
                return Err(StoreError::Damaged {
                    path: shown,
                    detail: format!(
                        "unsupported store format in {MARKER_FILE}: {:?}",
                        text.lines().nth(1).unwrap_or("")
                    ),
                });
            }
        } else {
            // Empty, or holding only the temporary marker of a creation that was interrupted.
            let empty = fs::read_dir(path)
                .map_err(|e| StoreError::io(format!("listing {shown}"), e))?
                .filter_map(Result::ok)
                .all(|entry| entry.file_name() == MARKER_TEMP);
            if !empty || !create {
                return Err(StoreError::NotAStore { path: shown });
            }
            Self::init(path)?;
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
        // The mark is written before sled's directory is first created, so a store with a
        // sled directory must have one. Only a store that never got that far starts afresh
        // (a crash while creating the mark leaves it empty).
        let hwm_len = fs::metadata(&hwm_path).map(|m| m.len()).ok();
        let sled_exists = path.join(SLED_DIR).exists();
        if sled_exists && hwm_len.is_none() {
            return Err(StoreError::Damaged {
                path: shown,
                detail: format!(
                    "the high-water mark file {HWM_FILE} is missing, so a truncated log could not be detected"
                ),
            });
        }
        let fresh = !sled_exists && hwm_len.unwrap_or(0) == 0;
        let hwm = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&hwm_path)
            .map_err(|e| StoreError::io(format!("opening {}", display(&hwm_path)), e))?;
        let mut dir = StoreDir {
            path: path.to_path_buf(),
            _lock: lock,
            hwm,
            hwm_counter: 0,
        };
        if fresh {
            dir.write_high_water(HighWater::default())?;
            sync_dir(path)?;
        }
        Ok(dir)
    }

    /// Writes the marker atomically (temporary file, fsync, rename), so a crash leaves either
    /// no marker (the directory still counts as empty) or a complete one.
    fn init(path: &Path) -> Result<(), StoreError> {
        let marker = path.join(MARKER_FILE);
        let temp = path.join(MARKER_TEMP);
        let mut f = File::create(&temp)
            .map_err(|e| StoreError::io(format!("creating {}", display(&temp)), e))?;
        f.write_all(MARKER_TEXT.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| StoreError::io(format!("writing {}", display(&temp)), e))?;
        fs::rename(&temp, &marker)
            .map_err(|e| StoreError::io(format!("creating {}", display(&marker)), e))?;
        sync_dir(path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
        Ok(())
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
            .and_then(|_| self.hwm.sync_data())
            .map_err(|e| StoreError::io("writing the high-water mark", e))
    }
}
