//! Projection checkpoints: a cold start does not replay the whole log every time.
//!
//! Each kind has its own name and format version:
//!
//! - **`world`**: the folded [`World`] (the organization and every program, without the
//!   programs' event logs, which no read needs: a void after it means a fold from scratch)
//!   that `journey`, `due` and the calendars start from (a read decodes only the programs it
//!   needs, see [`world_for`]), and **`risk`**: the compact [`SkillsRisk`] fold (the organization and the
//!   practice logged). Each is valid for any log that still holds the event it was saved at:
//!   when the log grew since, only the rest is folded.
//! - **`dashboard-<slug>`**: one program's [`Dashboard`] fold (the organization and that
//!   program), saved with the log's head.
//! - **`programs`**: the programs list, each line valid for the version of the program's
//!   stream it was made from (a program that changed since is folded again, the others not).
//! - **`journey-<person>`**: a person's part in each program ([`journey()`]), each valid for the
//!   versions of the program's and the organization's streams it was made from and until the
//!   first instant it could read differently without a new event
//!   ([`journey::part_valid_until`]); saved with `max_occurred` set to the as-of it was made
//!   at, so that an earlier as-of never uses it.
//!
//! A checkpoint saved at exactly the log's current head needs nothing from the log: the store
//! directory's fsynced high-water mark names the head without opening sled ([`crate::store::LockedStore`]),
//! so "look at it again" costs a file read ([`AtHead`]).
//!
//! A checkpoint is used only if everything still matches:
//!
//! - its **name** and **format** (bumped whenever that fold or the state's serialized form
//!   changes) and the **crate version**: a checkpoint from other code is discarded;
//! - the **event catalogue** (every event type and its schema): a checkpoint from another
//!   schema is discarded;
//! - the **log**: the event at the checkpoint's seq still has the recorded hash (a restored or
//!   different log discards it), and the seq is not past the log's end;
//! - **business time**: every event folded into it occurred by the requested as-of time.
//!
//! Anything else (unreadable bytes included) means a fold from scratch; a checkpoint never
//! changes a result, only how long it takes (tests compare both). A redaction drops every
//! checkpoint, and a fold that began before it cannot save one (see
//! [`crate::store::EventStore::checkpoint_epoch`]).

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::app::{decode, App, AppError};
use crate::domain::{Event, Program, Timestamp};
use crate::projections::dashboard::Dashboard;
use crate::projections::journey::{self, ProgramPart};
use crate::projections::programs::ProgramSummary;
use crate::projections::risk::SkillsRisk;
use crate::projections::world::World;
use crate::projections::Projection;
use crate::store::record::{hex, parse_hex};
use crate::store::{Hash, LogHead, ORGANIZATION_STREAM};

/// A whole-log projection with a checkpoint of its own.
pub trait Checkpointed: Projection + Default + Serialize + DeserializeOwned {
    /// The checkpoint's name.
    const NAME: &'static str;
    /// Bump when the fold or the state's serialized form changes.
    const FORMAT: u32;
    /// How many events past the last checkpoint make a new one worth saving.
    const SAVE_AFTER: u64;

    /// Calls `f` with the state as its checkpoint holds it (by default, whole).
    fn as_saved<R>(&mut self, f: impl FnOnce(&Self) -> R) -> R {
        f(self)
    }

    /// Whether an event folded on top of a checkpoint needed what the checkpoint left out, so
    /// that the log must be folded from its start instead.
    fn is_stale(&self) -> bool {
        false
    }
}

impl Checkpointed for World {
    const NAME: &'static str = WORLD;
    // 2: without the programs' event logs.
    const FORMAT: u32 = 2;
    // Every program's state: over a hundred megabytes on a long log, so it is saved only
    // after a thousand events past the last one.
    const SAVE_AFTER: u64 = 1_000;

    fn as_saved<R>(&mut self, f: impl FnOnce(&Self) -> R) -> R {
        self.without_program_logs(f)
    }

    fn is_stale(&self) -> bool {
        World::is_stale(self)
    }
}

impl Checkpointed for SkillsRisk {
    const NAME: &'static str = "risk";
    // 2: each practice keeps its minutes (the retention model's dose); 3: a practice is saved
    // as an array; 4: a program's practices are saved as names, ids and numbers.
    const FORMAT: u32 = 4;
    // Small (the organization and practice days): saved whenever it moved, so that the next
    // `risk` finds it at the head.
    const SAVE_AFTER: u64 = 1;
}

/// The world checkpoint's name.
pub const WORLD: &str = "world";

/// Bump when `Dashboard`'s fold or its serialized form changes.
pub const DASHBOARD_FORMAT: u32 = 1;

/// What every checkpoint carries around its state.
#[derive(Serialize, Deserialize)]
struct Saved<T> {
    projection: String,
    format: u32,
    code: String,
    catalogue: String,
    seq: u64,
    hash: String,
    max_occurred: Timestamp,
    state: T,
}

/// Where in the log a checkpoint was taken.
struct Position {
    seq: u64,
    hash: Hash,
    max_occurred: Timestamp,
}

/// Business time's filter over a fold: which events occurred by `as_of`, whether any was
/// left out (a fold with gaps is not saved), and the latest occurrence folded.
struct Window {
    as_of: Timestamp,
    complete: bool,
    max_occurred: Timestamp,
}

impl Window {
    fn new(as_of: Timestamp, max_occurred: Timestamp) -> Window {
        Window {
            as_of,
            complete: true,
            max_occurred,
        }
    }

    /// Whether an event of `event_type` that occurred at `t` is folded: a standing fact
    /// (`domain::events::is_standing`) always, without moving the window's latest occurrence.
    fn admits(&mut self, event_type: &str, t: Timestamp) -> bool {
        if crate::domain::events::is_standing(event_type) {
            return true;
        }
        if t > self.as_of {
            self.complete = false;
            return false;
        }
        self.max_occurred = self.max_occurred.max(t);
        true
    }
}

/// How a fold was obtained (for tests and diagnostics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The checkpoint's seq it started from (0: from scratch).
    pub from_seq: u64,
    /// Events read past that point.
    pub replayed: u64,
    /// Whether a new checkpoint was saved.
    pub saved: bool,
    /// Whether every event read was folded (none occurred after the as-of time): the fold is
    /// the log's up to where it was read.
    pub complete: bool,
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

/// Where the checkpoint `saved` was taken, if this code and this schema made it with the given
/// name and format.
fn position<T>(saved: &Saved<T>, name: &str, format: u32) -> Option<Position> {
    let fits = saved.projection == name
        && saved.format == format
        && saved.code == env!("CARGO_PKG_VERSION")
        && saved.catalogue == catalogue_fingerprint()
        && saved.seq > 0;
    fits.then_some(Position {
        seq: saved.seq,
        hash: parse_hex(&saved.hash)?,
        max_occurred: saved.max_occurred,
    })
}

/// Decodes a checkpoint made by this code and this schema, with the given name and format, if
/// `wanted` accepts where it was taken. The state is built only then: the envelope of a large
/// checkpoint that will not be used costs a scan, not its state.
fn decode_saved<T: DeserializeOwned>(
    bytes: &[u8],
    name: &str,
    format: u32,
    wanted: impl FnOnce(&Position) -> bool,
) -> Option<(T, Position)> {
    // One check of the whole text, instead of one per string as `from_slice` does.
    let text = std::str::from_utf8(bytes).ok()?;
    let saved: Saved<&serde_json::value::RawValue> = serde_json::from_str(text).ok()?;
    let at = position(&saved, name, format).filter(wanted)?;
    Some((serde_json::from_str(saved.state.get()).ok()?, at))
}

/// Whether a checkpoint taken `at` holds only what occurred by `as_of` and the log still holds
/// the event it was taken at.
fn fits_log(app: &App, as_of: Timestamp, at: &Position) -> bool {
    at.max_occurred <= as_of
        && at.seq <= app.store().head().last_seq
        && app.store().get(at.seq).is_ok_and(|ev| ev.hash() == at.hash)
}

/// Saves `state` as the checkpoint `name` at `at` (unless a redaction came after `epoch`).
fn save<T: Serialize>(
    app: &App,
    name: &str,
    format: u32,
    at: &Position,
    state: T,
    epoch: u64,
) -> (T, bool) {
    let saved = save_ref(app, name, format, at, &state, epoch);
    (state, saved)
}

/// [`save`] of a borrowed state; whether it was saved.
fn save_ref<T: Serialize>(
    app: &App,
    name: &str,
    format: u32,
    at: &Position,
    state: &T,
    epoch: u64,
) -> bool {
    let checkpoint = Saved {
        projection: name.to_string(),
        format,
        code: env!("CARGO_PKG_VERSION").to_string(),
        catalogue: catalogue_fingerprint(),
        seq: at.seq,
        hash: hex(&at.hash),
        max_occurred: at.max_occurred,
        state,
    };
    // A checkpoint that cannot be written only costs the next reader a replay.
    serde_json::to_vec(&checkpoint)
        .ok()
        .and_then(|bytes| app.store().save_checkpoint(name, &bytes, epoch).ok())
        .unwrap_or(false)
}

/// Loads the saved fold if it is valid for this code, this log and `as_of`.
fn load<P: Checkpointed>(app: &App, as_of: Timestamp) -> Option<(P, Position)> {
    let bytes = app.store().load_checkpoint(P::NAME).ok()??;
    decode_saved::<P>(&bytes, P::NAME, P::FORMAT, |at| fits_log(app, as_of, at))
}

/// The whole-log fold `P` of every event that occurred by `as_of`, starting from its valid
/// checkpoint when there is one, and saving a new one when worthwhile.
pub fn fold_as_of<P: Checkpointed>(
    app: &App,
    as_of: Timestamp,
) -> Result<(P, Provenance), AppError> {
    fold_loaded(app, as_of, |app| {
        load::<P>(app, as_of).map(|(state, at)| (state, at, true))
    })
}

/// The fold `P` as of `as_of` from what `load` gives (the state, where it was taken, and
/// whether it is whole, so that it may be saved again), or from scratch; from scratch again
/// if an event after the checkpoint needed what it left out.
fn fold_loaded<P: Checkpointed>(
    app: &App,
    as_of: Timestamp,
    load: impl FnOnce(&App) -> Option<(P, Position, bool)>,
) -> Result<(P, Provenance), AppError> {
    // Taken before the checkpoint is read: a redaction after it forbids saving what was read.
    let epoch = app.store().checkpoint_epoch();
    let (loaded, whole) = match load(app) {
        Some((state, at, whole)) => (Some((state, at)), whole),
        None => (None, true),
    };
    let from_checkpoint = loaded.is_some();
    let folded = fold_from(app, as_of, epoch, loaded, whole)?;
    if from_checkpoint && folded.0.is_stale() {
        // The checkpoint lacked what an event after it needed (a void's replay).
        return fold_from(app, as_of, epoch, None, true);
    }
    Ok(folded)
}

/// [`fold_as_of`] from `loaded` (or from scratch); a new checkpoint is saved only if
/// `may_save` (a state loaded in part must not be saved as the whole).
fn fold_from<P: Checkpointed>(
    app: &App,
    as_of: Timestamp,
    epoch: u64,
    loaded: Option<(P, Position)>,
    may_save: bool,
) -> Result<(P, Provenance), AppError> {
    let (mut state, from_seq, mut window) = match loaded {
        Some((state, at)) => (state, at.seq, Window::new(as_of, at.max_occurred)),
        None => (P::default(), 0, Window::new(as_of, Timestamp::EPOCH)),
    };
    let mut replayed = 0;
    let mut last = None;
    for ev in app.store().iter_from(from_seq + 1) {
        let ev = ev?;
        replayed += 1;
        last = Some((ev.seq(), ev.hash()));
        if window.admits(ev.event_type(), ev.occurred_at()) {
            if let Some(fact) = decode(&ev)? {
                state.update(&fact.meta, &fact.event);
            }
        }
    }
    let mut saved = false;
    let worth = may_save && replayed >= P::SAVE_AFTER;
    if let (true, true, Some((seq, hash))) = (window.complete, worth, last) {
        let at = Position {
            seq,
            hash,
            max_occurred: window.max_occurred,
        };
        saved = !state.is_stale()
            && state.as_saved(|s| save_ref(app, P::NAME, P::FORMAT, &at, s, epoch));
    }
    Ok((
        state,
        Provenance {
            from_seq,
            replayed,
            saved,
            complete: window.complete,
        },
    ))
}

/// The world folded from every event that occurred by `as_of` (see [`fold_as_of`]).
pub fn world_as_of(app: &App, as_of: Timestamp) -> Result<(World, Provenance), AppError> {
    world_for(app, as_of, WorldNeeds::ALL)
}

/// Which programs a read of the world needs. A program left out is one the read would find
/// nothing in: it names neither the person (as its checkpoint's JSON holds every id the
/// program refers to, a program whose text lacks the id, quoted, does not refer to them) nor
/// is among the programs asked for.
#[derive(Clone, Copy, Debug)]
pub struct WorldNeeds<'a> {
    /// Only programs that name this person.
    pub person: Option<&'a str>,
    /// Only these programs (`None`: all; `Some` of none: only the organization).
    pub programs: Option<&'a [String]>,
}

impl<'a> WorldNeeds<'a> {
    /// Every program.
    pub const ALL: WorldNeeds<'static> = WorldNeeds {
        person: None,
        programs: None,
    };

    /// The programs that name `person` (any, for `None`) among `programs` (all, when empty).
    pub fn new(person: Option<&'a str>, programs: &'a [String]) -> WorldNeeds<'a> {
        WorldNeeds {
            person,
            programs: (!programs.is_empty()).then_some(programs),
        }
    }

    fn is_all(&self) -> bool {
        self.person.is_none() && self.programs.is_none()
    }
}

/// The world of every event that occurred by `as_of`, with at least the programs `needs`
/// names (and any the events after its checkpoint touch): the organization and those
/// programs are exactly what [`world_as_of`] gives. The world checkpoint is read for the
/// organization, and only the programs needed are decoded (on every core).
pub fn world_for(
    app: &App,
    as_of: Timestamp,
    needs: WorldNeeds<'_>,
) -> Result<(World, Provenance), AppError> {
    fold_loaded(app, as_of, |app| load_world(app, as_of, needs))
}

/// The world checkpoint with its programs left as text, to decode only those needed.
#[derive(Deserialize)]
struct RawWorld<'a> {
    org: crate::domain::Organization,
    #[serde(borrow)]
    programs: std::collections::BTreeMap<String, &'a serde_json::value::RawValue>,
}

/// The world checkpoint, if valid for this code, this log and `as_of`, with the programs
/// `needs` names, those the events after it touch, and all of them when enough events follow
/// it for a new checkpoint to be saved; and whether it holds every program.
fn load_world(
    app: &App,
    as_of: Timestamp,
    needs: WorldNeeds<'_>,
) -> Option<(World, Position, bool)> {
    use rayon::prelude::*;
    let bytes = app.store().load_checkpoint(WORLD).ok()??;
    let text = std::str::from_utf8(&bytes).ok()?;
    // One scan: the programs stay text until chosen.
    let saved: Saved<RawWorld<'_>> = serde_json::from_str(text).ok()?;
    let at = position(&saved, WORLD, World::FORMAT).filter(|at| fits_log(app, as_of, at))?;
    let mut all = needs.is_all();
    let mut touched = std::collections::BTreeSet::new();
    if !all {
        let mut after = 0;
        for ev in app.store().iter_from(at.seq + 1) {
            let ev = ev.ok()?;
            after += 1;
            if after >= World::SAVE_AFTER {
                all = true;
                break;
            }
            if let Some(slug) = crate::domain::StreamId::parse(ev.stream())
                .ok()
                .and_then(|s| s.program_slug().map(str::to_string))
            {
                touched.insert(slug);
            }
        }
    }
    // The id as serde_json writes a string, quotes and escapes included.
    let needle = needs.person.and_then(|p| serde_json::to_string(p).ok());
    let wanted = |slug: &String, raw: &str| {
        all || touched.contains(slug)
            || (needs.programs.is_none_or(|p| p.contains(slug))
                && needle.as_deref().is_none_or(|n| raw.contains(n)))
    };
    let chosen: Vec<(&String, &&serde_json::value::RawValue)> = saved
        .state
        .programs
        .iter()
        .filter(|(slug, raw)| wanted(slug, raw.get()))
        .collect();
    let complete = chosen.len() == saved.state.programs.len();
    let programs = chosen
        .par_iter()
        .map(|(slug, raw)| Ok(((*slug).clone(), serde_json::from_str::<Program>(raw.get())?)))
        .collect::<Result<_, serde_json::Error>>()
        .ok()?;
    let world = World {
        org: saved.state.org,
        programs,
    };
    Some((world, at, complete))
}

/// A fold saved at exactly the log's head, read without opening the log.
pub struct AtHead<T> {
    state: T,
    max_occurred: Timestamp,
}

impl<T: DeserializeOwned> AtHead<T> {
    /// The checkpoint `name` in `bytes`, if this code saved it at exactly `head`.
    pub fn load(bytes: &[u8], name: &str, format: u32, head: LogHead) -> Option<AtHead<T>> {
        let (state, at) = decode_saved::<T>(bytes, name, format, |at| {
            at.seq == head.last_seq && at.hash == head.head_hash
        })?;
        Some(AtHead {
            state,
            max_occurred: at.max_occurred,
        })
    }

    /// The saved state (to read `--as-of` in the organization's time zone, say).
    pub fn state(&self) -> &T {
        &self.state
    }

    /// The state, for folds that do not depend on business time.
    pub fn into_state(self) -> T {
        self.state
    }

    /// The state, if every event in it occurred by `as_of` (otherwise the log must be read).
    pub fn as_of(self, as_of: Timestamp) -> Option<T> {
        (self.max_occurred <= as_of).then_some(self.state)
    }
}

/// The checkpoint `name` of `locked`'s store, if this code saved it at exactly the store's head
/// (read from the high-water mark, without opening the log). Unreadable means absent.
pub fn at_head<T: DeserializeOwned>(
    locked: &crate::store::LockedStore,
    name: &str,
    format: u32,
) -> Option<AtHead<T>> {
    let bytes = locked.load_checkpoint(name).ok()??;
    AtHead::load(&bytes, name, format, locked.head())
}

/// The dashboard checkpoint's name for a program.
pub fn dashboard_name(slug: &str) -> String {
    format!("dashboard-{slug}")
}

/// `slug`'s saved dashboard fold in `bytes`, if it was saved at exactly `head`.
pub fn dashboard_at_head(bytes: &[u8], slug: &str, head: LogHead) -> Option<AtHead<Dashboard>> {
    AtHead::<Dashboard>::load(bytes, &dashboard_name(slug), DASHBOARD_FORMAT, head)
        .filter(|saved| saved.state.is_for(slug))
}

/// The dashboard as of each of `at` (in order), each folded exactly as [`dashboard_as_of`]
/// folds it, from one read of the streams: `None` where the program did not exist yet.
/// Nothing is saved (past days are never the head's).
///
/// The times are taken in increasing order, and the longest run of events from the first
/// that happened by a time is folded once for it and every later time (what happened by a
/// time happened by every later one); only the events after that run that happened by the
/// time are folded on a copy. So each view is the fold of exactly the events that happened
/// by its time, in log order, as from scratch; a series of days costs about one fold, not
/// one per day, when events are recorded in about the order they happened.
pub fn dashboard_series(
    app: &App,
    slug: &str,
    at: &[Timestamp],
) -> Result<Vec<Option<crate::projections::dashboard::DashboardView>>, AppError> {
    dashboard_fold_series(app, slug, at, |dashboard, t| dashboard.result(t))
}

/// [`dashboard_series`] with `read` in place of the whole view: what `read` gives of the
/// dashboard fold as of each of `at`, in the order of `at`.
pub fn dashboard_fold_series<T>(
    app: &App,
    slug: &str,
    at: &[Timestamp],
    read: impl Fn(&Dashboard, Timestamp) -> T,
) -> Result<Vec<T>, AppError> {
    let stream = crate::app::program_stream(slug)?;
    let facts = app.facts_of(&[ORGANIZATION_STREAM, stream.as_str()])?;
    let happened = |f: &crate::app::Fact, t: Timestamp| {
        crate::domain::events::happened_by(f.event.type_name(), f.meta.occurred_at, t)
    };
    let mut order: Vec<usize> = (0..at.len()).collect();
    order.sort_by_key(|&i| at[i]);
    let mut out: Vec<(usize, T)> = Vec::with_capacity(at.len());
    let mut base = Dashboard::new(slug);
    let mut folded = 0;
    for i in order {
        let t = at[i];
        while folded < facts.len() && happened(&facts[folded], t) {
            base.update(&facts[folded].meta, &facts[folded].event);
            folded += 1;
        }
        let rest = &facts[folded..];
        let value = if rest.iter().any(|f| happened(f, t)) {
            let mut dashboard = base.clone();
            for f in rest.iter().filter(|f| happened(f, t)) {
                dashboard.update(&f.meta, &f.event);
            }
            read(&dashboard, t)
        } else {
            read(&base, t)
        };
        out.push((i, value));
    }
    out.sort_by_key(|&(i, _)| i);
    Ok(out.into_iter().map(|(_, value)| value).collect())
}

/// `slug`'s dashboard fold of every event of the organization and the program that occurred
/// by `as_of` (read from the log), and whether it was saved as the program's checkpoint (when
/// it covers both streams up to the log's head).
pub fn dashboard_as_of(
    app: &App,
    slug: &str,
    as_of: Timestamp,
) -> Result<(Dashboard, bool), AppError> {
    let stream = crate::app::program_stream(slug)?;
    let epoch = app.store().checkpoint_epoch();
    let head = app.store().head();
    let (dashboard, window) = match dashboard_resumed(app, slug, stream.as_str(), as_of, head)? {
        Some(resumed) => resumed,
        None => {
            let facts = app.facts_of(&[ORGANIZATION_STREAM, stream.as_str()])?;
            let mut dashboard = Dashboard::new(slug);
            let mut window = Window::new(as_of, Timestamp::EPOCH);
            for f in facts
                .iter()
                .filter(|f| window.admits(f.event.type_name(), f.meta.occurred_at))
            {
                dashboard.update(&f.meta, &f.event);
            }
            (dashboard, window)
        }
    };
    // Saved against the head read before the streams: if anything was appended meanwhile,
    // the head moved on and the checkpoint is simply never used.
    if window.complete && head.last_seq > 0 && dashboard.program_exists() {
        let at = Position {
            seq: head.last_seq,
            hash: head.head_hash,
            max_occurred: window.max_occurred,
        };
        return Ok(save(
            app,
            &dashboard_name(slug),
            DASHBOARD_FORMAT,
            &at,
            dashboard,
            epoch,
        ));
    }
    Ok((dashboard, false))
}

/// `slug`'s saved dashboard fold with the events of its two streams after it folded on top,
/// up to `head`, when the checkpoint fits this log and `as_of` and fewer events came after it
/// in the whole log than the two streams hold (the tail of the log is then cheaper to read
/// than the two streams); `None` otherwise, or when an event after it needed what it left out. The saved
/// fold holds every event of both streams (the program's log included, for a void), so
/// folding on top of it gives the fold from scratch.
fn dashboard_resumed(
    app: &App,
    slug: &str,
    stream: &str,
    as_of: Timestamp,
    head: LogHead,
) -> Result<Option<(Dashboard, Window)>, AppError> {
    let Some(bytes) = app
        .store()
        .load_checkpoint(&dashboard_name(slug))
        .ok()
        .flatten()
    else {
        return Ok(None);
    };
    let streams_len =
        app.store().stream_version(ORGANIZATION_STREAM) + app.store().stream_version(stream);
    let fits = |at: &Position| {
        head.last_seq.saturating_sub(at.seq) <= streams_len && fits_log(app, as_of, at)
    };
    let Some((mut dashboard, at)) =
        decode_saved::<Dashboard>(&bytes, &dashboard_name(slug), DASHBOARD_FORMAT, fits)
    else {
        return Ok(None);
    };
    if !dashboard.is_for(slug) {
        return Ok(None);
    }
    let mut window = Window::new(as_of, at.max_occurred);
    for ev in app.store().iter_from(at.seq + 1) {
        let ev = ev?;
        if ev.seq() > head.last_seq {
            break;
        }
        if ev.stream() != ORGANIZATION_STREAM && ev.stream() != stream {
            continue;
        }
        if window.admits(ev.event_type(), ev.occurred_at()) {
            if let Some(fact) = decode(&ev)? {
                dashboard.update(&fact.meta, &fact.event);
            }
        }
    }
    Ok((!dashboard.is_stale()).then_some((dashboard, window)))
}

/// The programs list's checkpoint name.
pub const PROGRAMS: &str = "programs";

/// Bump when [`ProgramSummary`] or how it is made changes.
pub const PROGRAMS_FORMAT: u32 = 1;

/// Every program's line, sorted by slug: a saved line is reused while its program's stream is
/// still at the version it was made from, the other programs are folded; the list is saved
/// at the log's head (see [`AtHead`]).
pub fn programs(app: &App) -> Result<Vec<ProgramSummary>, AppError> {
    let epoch = app.store().checkpoint_epoch();
    let head = app.store().head();
    let mut saved: std::collections::HashMap<String, ProgramSummary> = app
        .store()
        .load_checkpoint(PROGRAMS)
        .ok()
        .flatten()
        .and_then(|bytes| {
            decode_saved::<Vec<ProgramSummary>>(&bytes, PROGRAMS, PROGRAMS_FORMAT, |_| true)
        })
        .map(|(lines, _)| lines.into_iter().map(|l| (l.program.clone(), l)).collect())
        .unwrap_or_default();
    let mut lines = Vec::new();
    for (slug, version) in app.program_versions() {
        match saved.remove(&slug).filter(|line| line.version == version) {
            Some(line) => lines.push(line),
            None => {
                if let Some((program, version)) = app.program(&slug)? {
                    lines.push(ProgramSummary::of(&program, version));
                }
            }
        }
    }
    if head.last_seq == 0 {
        return Ok(lines);
    }
    let at = Position {
        seq: head.last_seq,
        hash: head.head_hash,
        max_occurred: Timestamp::EPOCH,
    };
    Ok(save(app, PROGRAMS, PROGRAMS_FORMAT, &at, lines, epoch).0)
}

/// The journey checkpoint's name for a person.
pub fn journey_name(person: &str) -> String {
    format!("journey-{person}")
}

/// Bump when [`ProgramPart`] or how it is made changes.
pub const JOURNEY_FORMAT: u32 = 1;

/// A person's journey as saved: their part in each program, with the program's stream version
/// it was made from and until when it holds.
#[derive(Serialize, Deserialize)]
struct SavedJourney {
    organization_version: u64,
    programs: Vec<SavedPart>,
}

/// One program's part of a saved journey.
#[derive(Serialize, Deserialize)]
struct SavedPart {
    program: String,
    version: u64,
    /// The first instant it no longer holds ([`journey::part_valid_until`]); `None`: while the
    /// program stays at `version` (it does not name the person).
    valid_until: Option<Timestamp>,
    part: Option<ProgramPart>,
}

/// `person`'s journey as of `as_of` (`None` for a person the organization does not know), as
/// [`journey::journey_of`] gives it from the world. A program's saved part is reused while
/// its stream and the organization's are at the versions it was made from and `as_of` is
/// within the time it holds; the other programs are decoded from the world checkpoint and
/// made again. The parts are saved at the log's head when every event was read.
pub fn journey(
    app: &App,
    person: &str,
    as_of: Timestamp,
) -> Result<Option<journey::JourneyView>, AppError> {
    let epoch = app.store().checkpoint_epoch();
    // Read before the world: a write in between leaves a part marked older than it is (made
    // again next time), never newer.
    let head = app.store().head();
    let versions = app.program_versions();
    let organization_version = app.store().stream_version(ORGANIZATION_STREAM);
    let name = journey_name(person);
    let current: HashMap<&str, u64> = versions.iter().map(|(s, v)| (s.as_str(), *v)).collect();
    let mut kept: HashMap<String, SavedPart> = app
        .store()
        .load_checkpoint(&name)
        .ok()
        .flatten()
        .and_then(|bytes| {
            decode_saved::<SavedJourney>(&bytes, &name, JOURNEY_FORMAT, |at| {
                fits_log(app, as_of, at)
            })
        })
        .filter(|(saved, _)| saved.organization_version == organization_version)
        .map(|(saved, _)| {
            saved
                .programs
                .into_iter()
                .filter(|p| {
                    current.get(p.program.as_str()) == Some(&p.version)
                        && p.valid_until.is_none_or(|v| as_of < v)
                })
                .map(|p| (p.program.clone(), p))
                .collect()
        })
        .unwrap_or_default();
    let stale: Vec<String> = versions
        .iter()
        .filter(|(slug, _)| !kept.contains_key(slug))
        .map(|(slug, _)| slug.clone())
        .collect();
    let needs = WorldNeeds {
        person: Some(person),
        programs: (!kept.is_empty()).then_some(&stale[..]),
    };
    let (world, provenance) = world_for(app, as_of, needs)?;
    if world.org.person(person).is_none() {
        return Ok(None);
    }
    let day = crate::domain::today(&world.org, as_of);
    let next_day = journey::next_day(&world.org, as_of);
    let made = |slug: &str, version: u64| {
        let program = world.programs.get(slug);
        SavedPart {
            program: slug.to_string(),
            version,
            valid_until: program.map(|p| journey::part_valid_until(p, person, as_of, next_day)),
            part: program.and_then(|p| journey::program_part(p, person, as_of, day)),
        }
    };
    let mut parts: Vec<SavedPart> = versions
        .iter()
        .map(|(slug, version)| kept.remove(slug).unwrap_or_else(|| made(slug, *version)))
        .collect();
    // A program created after the versions were read (its version 0 is never current).
    for slug in world.programs.keys() {
        if !current.contains_key(slug.as_str()) {
            parts.push(made(slug, 0));
        }
    }
    parts.sort_by(|a, b| a.program.cmp(&b.program));
    if provenance.complete && head.last_seq > 0 {
        let at = Position {
            seq: head.last_seq,
            hash: head.head_hash,
            max_occurred: as_of,
        };
        let saved = SavedJourney {
            organization_version,
            programs: parts,
        };
        save_ref(app, &name, JOURNEY_FORMAT, &at, &saved, epoch);
        parts = saved.programs;
    }
    Ok(journey::view_of(
        &world.org,
        person,
        parts.into_iter().filter_map(|p| p.part),
    ))
}
