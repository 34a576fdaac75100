//! Issue 13, item 4: a restore, an export and a verify take memory bounded by a constant, not
//! by the log. Measured without clocks: a counting global allocator (in this test binary
//! only) records the heap's current and peak bytes, and each operation's peak above the heap
//! it started from must be about the same for a log four times longer: the peak for ~20k
//! events within 1.5× of the peak for ~5k.
//!
//! The logs are the demo scaled by `demo::scale` (the organization once, its two programs
//! copied), appended to a memory store and exported: 786 + copies × 2,067 events.
//!
//! sled caches pages up to its configured capacity (`StoreConfig::cache_bytes`, 64 MiB by
//! default): a constant, but one larger than these logs, so a cache that filled with the log
//! would look like growth here. The stores of this test get a 4 MiB cache, which both logs
//! fill; what is checked is that nothing else grows with the log. (sled's page table does, by
//! about 120 bytes per event: see `BENCHMARKS.md`.)
//!
//! `BATON_MEMORY_COPIES=N` also prints the figures of the demo scaled to `N` copies.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use baton::demo::scale::scaled_events;
use baton::store::jsonl::{self, ImportOptions};
use baton::store::verify::verify_sled;
use baton::store::{AppendRequest, EventStore, MemoryStore, NewEvent, SledStore, StoreConfig};

/// The system allocator, counting the bytes it holds and the most it held.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; only counters are updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most heap `f` held above the heap it started with, in bytes.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

const DEMO: &[u8] = include_bytes!("../fixtures/demo.jsonl");

/// The demo scaled to `copies`, exported to `file`; the number of events.
fn write_log(copies: usize, file: &Path) -> u64 {
    let store = MemoryStore::new();
    let events: Vec<NewEvent> = scaled_events(DEMO, copies)
        .expect("the demo scales")
        .collect();
    for batch in events.chunks(5_000) {
        store
            .append(AppendRequest::new("memory-test", batch.to_vec()))
            .expect("append");
    }
    drop(events);
    let mut out = BufWriter::new(File::create(file).expect("create"));
    jsonl::export(&store, None, &mut out).expect("export")
}

fn small_cache() -> StoreConfig {
    StoreConfig {
        cache_bytes: 4 << 20,
        // Small enough that the restores measured here close and reopen their staging
        // database several times, as a restore of a long log does.
        restore_reopen_bytes: 1 << 20,
        ..StoreConfig::default()
    }
}

/// Peak heap above the start of a restore, an export and a verify of the demo scaled to
/// `copies`.
struct Peaks {
    events: u64,
    restore: usize,
    export: usize,
    verify: usize,
    open: usize,
}

fn measure(copies: usize) -> Peaks {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("log.jsonl");
    let events = write_log(copies, &file);
    let store = SledStore::open_with(dir.path().join("store"), small_cache()).expect("open");
    let input = File::open(&file).expect("open the log");
    let options = ImportOptions {
        rules: &baton::app::DomainRules,
        ..ImportOptions::new(false, "memory-test")
    };
    let (summary, restore) =
        peak_of(|| jsonl::import_with(&store, &mut BufReader::new(input), &options));
    let summary = summary.expect("the log restores");
    assert_eq!(summary.events, events);
    drop(store);
    // An export and a verify as the CLI runs them: the store opened, then read.
    let path = dir.path().join("store");
    let (written, export) = peak_of(|| {
        let store = SledStore::open_with(&path, small_cache()).expect("open");
        let mut out = BufWriter::new(std::io::sink());
        jsonl::export(&store, None, &mut out)
    });
    assert_eq!(written.expect("export"), events);
    // sled's own part: what opening the store takes (its page table grows with the pages).
    let (_, open) = peak_of(|| SledStore::open_with(&path, small_cache()).expect("open"));
    let (report, verify) = peak_of(|| {
        let store = SledStore::open_with(&path, small_cache()).expect("open");
        verify_sled(&store)
    });
    let report = report.expect("verify");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, events);
    Peaks {
        events,
        restore,
        export,
        verify,
        open,
    }
}

/// Each operation's least peak over measurements of one log size.
fn least(runs: [Peaks; 3]) -> Peaks {
    let min = |f: fn(&Peaks) -> usize| runs.iter().map(f).min().unwrap_or(0);
    Peaks {
        events: runs[0].events,
        restore: min(|p| p.restore),
        export: min(|p| p.export),
        verify: min(|p| p.verify),
        open: min(|p| p.open),
    }
}

#[test]
fn restore_export_and_verify_take_memory_bounded_by_a_constant() {
    // Warm-up: what a first use allocates once (sled's and the allocator's lazy statics).
    measure(1);
    // Each size is measured three times, on fresh stores, and each operation's least peak
    // kept: now and then sled's open of a store just written holds an extra buffer of about
    // 8 MiB, whatever the log's length (seen with both store layouts, in about one run of
    // five), while what grows with the log shows in every measurement.
    let small = least(std::array::from_fn::<_, 3, _>(|_| measure(2)));
    let large = least(std::array::from_fn::<_, 3, _>(|_| measure(9)));
    if let Some(copies) = std::env::var("BATON_MEMORY_COPIES")
        .ok()
        .and_then(|c| c.parse().ok())
    {
        let p = measure(copies);
        eprintln!(
            "{} events: restore {} KiB, export {} KiB, verify {} KiB, open alone {} KiB",
            p.events,
            p.restore >> 10,
            p.export >> 10,
            p.verify >> 10,
            p.open >> 10
        );
    }
    assert!(
        large.events >= 4 * small.events - 500,
        "the larger log is ~4×"
    );
    let mib = |b: usize| b as f64 / (1 << 20) as f64;
    eprintln!(
        "opening the store alone: {:.2} MiB for {} events, {:.2} MiB for {} events",
        mib(small.open),
        small.events,
        mib(large.open),
        large.events
    );
    for (what, s, l) in [
        ("restore", small.restore, large.restore),
        ("export", small.export, large.export),
        ("verify", small.verify, large.verify),
    ] {
        eprintln!(
            "{what}: peak {:.2} MiB for {} events, {:.2} MiB for {} events ({:.2}×)",
            mib(s),
            small.events,
            mib(l),
            large.events,
            l as f64 / s as f64
        );
        assert!(
            (l as f64) <= 1.5 * s as f64,
            "{what}: {l} bytes for {} events is more than 1.5 × {s} bytes for {} events",
            large.events,
            small.events
        );
    }
}
