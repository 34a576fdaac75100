//! Projection checkpoints: a cold start does not replay the whole log every time.
//!
//! The folded [`World`] (the organization and every program) that the whole-log views (`risk`,
//! `journey`) start from is saved beside the log, with what it was folded from. On the next
//! read it is used only if everything still matches:
//!
//! - the checkpoint's **format** (bumped whenever the fold or the state's serialized form
//!   changes) and the **crate version** — a checkpoint from other code is discarded;
//! - the **event catalogue** (every event type and its schema) — a checkpoint from another
//!   schema is discarded;
//! - the **log**: the event at the checkpoint's seq still has the recorded hash (a restored or
//!   different log discards it), and the seq is not past the log's end;
//! - **business time**: every event folded into it occurred by the requested as-of time.
//!
//! Anything else — unreadable bytes included — means a fold from scratch; a checkpoint never
//! changes a result, only how long it takes (tests compare both). After a fold that covered the
//! whole log and at least [`SAVE_AFTER`] events past the old checkpoint, a new one is saved.

use serde::{Deserialize, Serialize};

use crate::app::{decode, App, AppError};
use crate::domain::{Event, Timestamp};
use crate::projections::world::World;
use crate::projections::Projection;
use crate::store::record::{hex, parse_hex};

/// The checkpoint's name in the store.
pub const WORLD: &str = "world";

/// Bump when `World`'s fold or its serialized form changes.
pub const FORMAT: u32 = 1;

/// How many events past the last checkpoint make a new one worth saving.
pub const SAVE_AFTER: u64 = 1_000;

#[derive(Serialize, Deserialize)]
struct Saved {
    projection: String,
    format: u32,
    code: String,
    catalogue: String,
    seq: u64,
    hash: String,
    max_occurred: Timestamp,
    state: World,
}

/// How a world was obtained (for tests and diagnostics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The checkpoint's seq it started from (0: from scratch).
    pub from_seq: u64,
    /// Events read past that point.
    pub replayed: u64,
    /// Whether a new checkpoint was saved.
    pub saved: bool,
}

/// A fingerprint of every event type and schema the code knows.
pub fn catalogue_fingerprint() -> String {
    let mut hasher = blake3::Hasher::new();
    for (name, schema, _) in Event::catalogue() {
        hasher
            .update(name.as_bytes())
            .update(&schema.to_be_bytes())
            .update(&[0]);
    }
    hasher.finalize().to_hex().to_string()
}

/// Loads the saved world if it is valid for this code, this log and `as_of`.
fn load(app: &App, as_of: Timestamp) -> Option<Saved> {
    let bytes = app.store().load_checkpoint(WORLD).ok()??;
    let saved: Saved = serde_json::from_slice(&bytes).ok()?;
    let valid = saved.projection == WORLD
        && saved.format == FORMAT
        && saved.code == env!("CARGO_PKG_VERSION")
        && saved.catalogue == catalogue_fingerprint()
        && saved.max_occurred <= as_of
        && saved.seq <= app.store().head().last_seq
        && saved.seq > 0
        && parse_hex(&saved.hash)
            .is_some_and(|h| app.store().get(saved.seq).is_ok_and(|ev| ev.hash() == h));
    valid.then_some(saved)
}

/// The world folded from every event that occurred by `as_of`, starting from a valid
/// checkpoint when there is one, and saving a new one when worthwhile.
pub fn world_as_of(app: &App, as_of: Timestamp) -> Result<(World, Provenance), AppError> {
    let (mut world, from_seq, mut max_occurred) = match load(app, as_of) {
        Some(saved) => (saved.state, saved.seq, saved.max_occurred),
        None => (World::default(), 0, Timestamp::EPOCH),
    };
    let mut replayed = 0;
    let mut complete = true;
    let mut last = None;
    for ev in app.store().iter_from(from_seq + 1) {
        let ev = ev?;
        replayed += 1;
        last = Some((ev.seq(), ev.hash()));
        if ev.occurred_at() > as_of {
            complete = false;
            continue;
        }
        max_occurred = max_occurred.max(ev.occurred_at());
        if let Some(fact) = decode(&ev)? {
            world.update(&fact.meta, &fact.event);
        }
    }
    let mut saved = false;
    if let (true, true, Some((seq, hash))) = (complete, replayed >= SAVE_AFTER, last) {
        let checkpoint = Saved {
            projection: WORLD.to_string(),
            format: FORMAT,
            code: env!("CARGO_PKG_VERSION").to_string(),
            catalogue: catalogue_fingerprint(),
            seq,
            hash: hex(&hash),
            max_occurred,
            state: world,
        };
        // A checkpoint that cannot be written only costs the next reader a replay.
        if let Ok(bytes) = serde_json::to_vec(&checkpoint) {
            saved = app.store().save_checkpoint(WORLD, &bytes).is_ok();
        }
        world = checkpoint.state;
    }
    Ok((
        world,
        Provenance {
            from_seq,
            replayed,
            saved,
        },
    ))
}
