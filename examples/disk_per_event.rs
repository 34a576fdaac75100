//! Bytes on disk per event of the sled store (`BENCHMARKS.md`, store run 6):
//!
//! ```text
//! cargo run --release --example disk_per_event -- DIR [EVENTS] [BATCH]
//! ```
//!
//! Appends `EVENTS` (100,000) events of ~300 bytes of data (the store bench's) in atomic
//! appends of `BATCH` (100) events over 50 streams into a new store in `DIR`, closes it,
//! opens it again (sled compacts on open), and prints the store's size: the apparent size of
//! sled's files and the blocks they take, each per event.

use std::path::Path;

use baton::store::{AppendRequest, EventStore, NewEvent, SledStore};
use serde_json::json;

fn sizes(dir: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let mut apparent = 0;
    let mut blocks = 0;
    for entry in std::fs::read_dir(dir).expect("list") {
        let entry = entry.expect("entry");
        let meta = entry.metadata().expect("metadata");
        if meta.is_dir() {
            let (a, b) = sizes(&entry.path());
            apparent += a;
            blocks += b;
        } else {
            apparent += meta.len();
            blocks += meta.blocks() * 512;
        }
    }
    (apparent, blocks)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).expect("a directory"));
    let events: u64 = args.get(2).map_or(100_000, |a| a.parse().expect("EVENTS"));
    let batch: u64 = args.get(3).map_or(100, |a| a.parse().expect("BATCH"));
    let store = SledStore::open(dir).expect("open");
    let mut n = 0;
    while n < events {
        let size = batch.min(events - n);
        let request = (0..size)
            .map(|i| {
                NewEvent::new(
                    format!("program-p{}", (n + i) % 50),
                    "SessionHeld",
                    1,
                    json!({"n": n + i, "note": "x".repeat(270), "person": "p-0042"}),
                )
            })
            .collect();
        store
            .append(AppendRequest::new("disk", request))
            .expect("append");
        n += size;
    }
    let record: u64 = store.get(1).expect("get").as_bytes().len() as u64;
    drop(store);
    let store = SledStore::open(dir).expect("reopen");
    assert_eq!(store.head().last_seq, events);
    drop(store);
    let (apparent, blocks) = sizes(&dir.join("sled"));
    println!(
        "{events} events in appends of {batch}: record {record} bytes; sled's files {apparent} bytes apparent ({:.0} per event), {blocks} bytes of blocks ({:.0} per event)",
        apparent as f64 / events as f64,
        blocks as f64 / events as f64
    );
}
