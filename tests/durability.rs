//! The real durability step, [`FsyncDurability`], issues its syncs before each acknowledgement:
//! counted through its injectable file layer, on one instance kept for the store's life (so
//! the cached-handle path runs, as in production).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use baton::store::{
    AppendRequest, EventStore, FsyncDurability, NewEvent, RealFiles, SledStore, StoreConfig,
    SyncFiles,
};
use serde_json::json;

/// Calls through to the real syncs and records each one.
#[derive(Debug, Default)]
struct Counting {
    calls: Mutex<Vec<(&'static str, PathBuf)>>,
}

impl SyncFiles for Counting {
    fn sync_all(&self, file: &File, path: &Path) -> std::io::Result<()> {
        self.calls
            .lock()
            .unwrap()
            .push(("sync_all", path.to_path_buf()));
        RealFiles.sync_all(file, path)
    }
    fn sync_data(&self, file: &File, path: &Path) -> std::io::Result<()> {
        self.calls
            .lock()
            .unwrap()
            .push(("sync_data", path.to_path_buf()));
        RealFiles.sync_data(file, path)
    }
}

impl Counting {
    fn take(&self) -> Vec<(&'static str, PathBuf)> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

fn append(store: &SledStore, n: u64) {
    store
        .append(AppendRequest::new(
            "t",
            vec![NewEvent::new("organization", "Noted", 1, json!({ "n": n }))],
        ))
        .unwrap();
}

#[test]
fn every_acknowledged_commit_was_synced_by_the_real_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let files = Arc::new(Counting::default());
    let config = StoreConfig {
        durability: Arc::new(FsyncDurability::with_files(files.clone())),
        ..StoreConfig::default()
    };
    let store = SledStore::open_with(&path, config).unwrap();
    let db = path.join("sled").join("db");

    // The first commit syncs every file of sled's folder and the folder itself.
    append(&store, 0);
    let first = files.take();
    assert!(first.contains(&("sync_all", db.clone())), "{first:?}");
    assert!(
        first.contains(&("sync_all", path.join("sled"))),
        "{first:?}"
    );
    // Each later commit, acknowledged only after its sync: the kept handle on `db`.
    for n in 1..6 {
        append(&store, n);
        let calls = files.take();
        assert!(
            calls.contains(&("sync_data", db.clone())) || calls.contains(&("sync_all", db.clone())),
            "commit {n} returned without syncing sled's log: {calls:?}"
        );
    }

    // An erasure swaps in a new `db` file of the same name: the next commit syncs the new
    // file in full instead of the old handle.
    store.redact(1, "dpo", "test").unwrap();
    files.take();
    append(&store, 99);
    let after = files.take();
    assert!(after.contains(&("sync_all", db.clone())), "{after:?}");
    drop(store);
    let store = SledStore::open(&path).unwrap();
    assert_eq!(store.head().last_seq, 7);
}

/// Whether `calls` synced `path` with `sync_all`.
fn synced(calls: &[(&'static str, PathBuf)], path: &Path) -> bool {
    calls
        .iter()
        .any(|(kind, p)| *kind == "sync_all" && p == path)
}

#[test]
fn every_changed_directory_entry_is_made_durable() {
    let dir = tempfile::tempdir().unwrap();
    let files = Arc::new(Counting::default());
    let config = || StoreConfig {
        files: files.clone(),
        ..StoreConfig::default()
    };
    // Created with a relative path: the current directory holds the new entry.
    let cwd = std::env::current_dir().unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    let opened = SledStore::open_with("store", config());
    std::env::set_current_dir(&cwd).unwrap();
    let store = opened.unwrap();
    let calls = files.take();
    let root = Path::new("store");
    assert!(synced(&calls, Path::new(".")), "the parent: {calls:?}");
    assert!(synced(&calls, root), "the store root: {calls:?}");
    // After sled created its folder inside the root: the root again, after the marker.
    let marker = calls
        .iter()
        .position(|(_, p)| p.ends_with("BATON_STORE.tmp"))
        .expect("the marker is synced");
    assert!(
        calls[marker..].iter().filter(|(_, p)| p == root).count() >= 2,
        "the root after sled's folder appeared: {calls:?}"
    );
    drop(store);

    // Checkpoints removed by an erasure: the store root is synced after the removal, and the
    // swap of sled's folder too.
    let path = dir.path().join("store");
    let store = SledStore::open_with(&path, config()).unwrap();
    append(&store, 1);
    store
        .save_checkpoint("risk", b"{}", store.checkpoint_epoch())
        .unwrap();
    files.take();
    store.redact(1, "dpo", "test").unwrap();
    let calls = files.take();
    assert!(!path.join("checkpoints").exists());
    assert!(
        calls.iter().filter(|(_, p)| p == &path).count() >= 3,
        "swap, removal of the old folder, removal of the checkpoints: {calls:?}"
    );
}
