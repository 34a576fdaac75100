//! The application service: load → decide → append → notify. The one path for writes.
//!
//! It reads the organization and program streams from the store, decodes (and upcasts) their
//! events into the domain, asks [`domain::decide()`] for events, and appends them with the
//! versions it read as expected versions, so a concurrent change to either stream is a
//! conflict rather than a lost update (`DESIGN.md` §4.2). It is part of the shell: it knows the
//! store and JSON; the domain does not.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, NaiveTime, TimeZone};
use uuid::Uuid;

mod tokens;

pub use tokens::{access_event, NewToken, MAX_TOKEN_NAME};

use crate::domain::{
    self, Command, DomainError, Event, EventMeta, Organization, Program, StreamId, Timestamp,
};
use crate::store::record::{is_redaction_marker, redaction_kept, FORMAT_1};
use crate::store::{
    AppendRequest, Appended, AppendedEvent, Clock, EventStore, NewEvent, RecordedEvent, StoreError,
    ORGANIZATION_STREAM,
};

/// What can go wrong running a command.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A business rule refused the command.
    #[error(transparent)]
    Rule(#[from] DomainError),
    /// The store refused or failed (conflicts included).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored event could not be read into the domain.
    #[error("seq {seq}: {message}")]
    Decode {
        /// The event.
        seq: u64,
        /// What is wrong.
        message: String,
    },
    /// No such program.
    #[error("no program {0:?}")]
    UnknownProgram(String),
    /// No such token.
    #[error("no token {0:?} (see `baton token list`)")]
    UnknownToken(String),
    /// The request itself is malformed (bad slug, empty batch, wrong stream).
    #[error("{0}")]
    Invalid(String),
    /// A business rule refused one command of a batch of several: which one (1-based).
    #[error("command {index}: {error}")]
    RuleInBatch {
        /// The command's position in the batch, from 1.
        index: usize,
        /// The rule broken.
        error: DomainError,
    },
}

/// A decoded event with its envelope facts.
#[derive(Clone, Debug)]
pub struct Fact {
    /// Envelope facts.
    pub meta: EventMeta,
    /// The domain event (upcast to the current schema).
    pub event: Event,
}

/// Options of one command run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Who acts.
    pub actor: String,
    /// The client's command id: event ids derive from it, so a retry is recognised and
    /// returns the original result instead of applying the command twice.
    pub command_id: Option<Uuid>,
    /// The version the client saw of the stream the commands are sent to (the program, or the
    /// organization when no program is named); a different current version is a conflict.
    pub expect_version: Option<u64>,
    /// Business time of the commands when they are entered after the fact (back-dating,
    /// `DESIGN.md` §4): the rules decide as of this time (an omitted `on` is its day), and
    /// events that carry no day of their own occur at it. `None`: the clock's now.
    pub business_time: Option<Timestamp>,
    /// Decide and report, but write nothing.
    pub dry_run: bool,
}

/// What a command run wrote.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunResult {
    /// Seqs written (or found, for a retry).
    pub seqs: Vec<u64>,
    /// Event types written.
    pub event_types: Vec<String>,
    /// The program's version afterwards (0 for organization commands).
    pub program_version: u64,
    /// The organization stream's version afterwards.
    pub organization_version: u64,
    /// True when this was a retry of an already applied command: nothing new was written.
    pub duplicate: bool,
    /// True when nothing was written because the run was a dry run (`events` says what would
    /// have been).
    pub dry_run: bool,
    /// What the voids and corrections of the run replaced, one entry per voided event.
    pub replaced: Vec<Replaced>,
    /// The events a dry run would write (empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<WouldWrite>,
}

/// An event a void or a correction replaced.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Replaced {
    /// The voided event's id.
    pub event_id: Uuid,
    /// Its position in the log.
    pub seq: u64,
    /// Its type.
    pub event_type: String,
    /// The person it was about, if any.
    pub person: Option<String>,
    /// Its business day, if it has one.
    pub on: Option<NaiveDate>,
}

/// An event a dry run would have written.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WouldWrite {
    /// The stream.
    pub stream: String,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's data.
    pub data: serde_json::Value,
}

/// How often a command without an expected version is decided again after losing a race.
pub const MAX_CONFLICT_RETRIES: u32 = 100;

/// The application service. Cheap to clone.
#[derive(Clone)]
pub struct App {
    /// Why: every read and write goes through the one log.
    store: Arc<dyn EventStore>,
    /// Why: "now" for decisions comes from the shell, never from the core.
    clock: Arc<dyn Clock>,
    /// Why: folding a stream from its first event for every command makes a long session
    /// quadratic; states are kept with the version they were folded to and only the newer
    /// events are folded on top. A std lock, never held across an `.await`.
    cache: Arc<Mutex<StateCache>>,
    /// Why: a seeded log (the demo) must be reproducible byte for byte, so its events' nonces
    /// come from a seeded generator instead of the store's random ones. `None`: random.
    nonces: Option<Arc<Mutex<rand_chacha::ChaCha8Rng>>>,
}

/// Folded states by stream, each with the stream version it reflects.
#[derive(Default)]
struct StateCache {
    org: Slot<Organization>,
    programs: HashMap<String, Slot<Option<Program>>>,
}

/// A state folded from one stream as the cache keeps it: its stream version and the state
/// (`None` while a reader folds it forward).
type Slot<S> = Option<(u64, Arc<S>)>;

/// Decodes a stored event into the domain; a redacted event decodes from the scrubbed copy it
/// kept, and is skipped (`None`) when it kept none.
pub fn decode(ev: &RecordedEvent) -> Result<Option<Fact>, AppError> {
    // Token grants are not domain facts: no fold of the organization or a program reads them.
    if ev.stream() == crate::access::ACCESS_STREAM {
        return Ok(None);
    }
    let seq = ev.seq();
    let data = ev
        .data_value()
        .map_err(|e| AppError::Decode { seq, message: e.0 })?;
    let data = if is_redaction_marker(&data) {
        match redaction_kept(&data) {
            Some(kept) => {
                let mut kept = kept.clone();
                if ev.format() != FORMAT_1 {
                    domain::codec::fill_erased(ev.event_type(), &mut kept, &ev.personal());
                }
                kept
            }
            None => return Ok(None),
        }
    } else {
        data
    };
    let event =
        domain::decode(ev.event_type(), ev.schema(), &data).map_err(|e| AppError::Decode {
            seq,
            message: e.to_string(),
        })?;
    Ok(Some(Fact {
        meta: meta_of(ev),
        event,
    }))
}

/// The domain's rules for imported events: a known type and schema whose data decodes (a
/// redaction's kept part included), and the personal fields of each type.
#[derive(Clone, Copy, Debug, Default)]
pub struct DomainRules;

impl crate::store::jsonl::EventRules for DomainRules {
    fn check(&self, record: &RecordedEvent) -> Result<(), String> {
        if record.stream() == crate::access::ACCESS_STREAM {
            let data = record.data_value().map_err(|e| e.0)?;
            return crate::access::AccessEvent::decode(record.event_type(), record.schema(), &data)
                .map(|_| ());
        }
        decode(record).map(|_| ()).map_err(|e| match e {
            AppError::Decode { message, .. } => message,
            other => other.to_string(),
        })
    }
    fn personal_fields(&self, event_type: &str) -> Vec<String> {
        domain::codec::personal_fields(event_type)
            .iter()
            .map(|f| f.to_string())
            .collect()
    }
}

/// The envelope facts of a stored event.
pub fn meta_of(ev: &RecordedEvent) -> EventMeta {
    EventMeta {
        seq: ev.seq(),
        stream: ev.stream().to_string(),
        version: ev.version(),
        id: ev.id(),
        recorded_at: ev.recorded_at(),
        occurred_at: ev.occurred_at(),
        actor: ev.actor().to_string(),
    }
}

impl App {
    /// A service over a store and a clock.
    pub fn new(store: Arc<dyn EventStore>, clock: Arc<dyn Clock>) -> App {
        App {
            store,
            clock,
            cache: Arc::default(),
            nonces: None,
        }
    }

    /// The same service, giving every event it appends a nonce from a generator seeded with
    /// `seed` (reproducible logs, such as the demo; never for real data).
    pub fn with_seeded_nonces(mut self, seed: u64) -> App {
        use rand::SeedableRng;
        self.nonces = Some(Arc::new(Mutex::new(
            rand_chacha::ChaCha8Rng::seed_from_u64(seed),
        )));
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The clock's "now".
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Every decoded event of one stream, in order.
    pub fn stream_facts(&self, stream: &str) -> Result<Vec<Fact>, AppError> {
        let mut out = Vec::new();
        for ev in self.store.read_stream(stream, 1)? {
            if let Some(fact) = decode(&ev)? {
                out.push(fact);
            }
        }
        Ok(out)
    }

    /// The decoded events of several streams, merged in seq order: what a fold over those
    /// streams alone needs, without reading the rest of the log.
    pub fn facts_of(&self, streams: &[&str]) -> Result<Vec<Fact>, AppError> {
        let mut out = Vec::new();
        for stream in streams {
            out.extend(self.stream_facts(stream)?);
        }
        out.sort_by_key(|f| f.meta.seq);
        Ok(out)
    }

    /// Every decoded event of the log, in seq order.
    pub fn all_facts(&self) -> Result<Vec<Fact>, AppError> {
        let mut out = Vec::new();
        for ev in self.store.iter_from(1) {
            if let Some(fact) = decode(&ev?)? {
                out.push(fact);
            }
        }
        Ok(out)
    }

    /// The organization's current state and its stream version.
    pub fn organization(&self) -> Result<(Organization, u64), AppError> {
        let (org, version) = self.organization_shared()?;
        Ok((Organization::clone(&org), version))
    }

    /// The organization's current state, shared with the cache (no copy when nothing was
    /// recorded since the last read).
    fn organization_shared(&self) -> Result<(Arc<Organization>, u64), AppError> {
        self.cached_fold(
            ORGANIZATION_STREAM,
            |c| &mut c.org,
            |org, f| org.apply(&f.meta, &f.event),
        )
    }

    /// The state of `stream` kept in the cache's `slot`, folded up to the stream's version.
    /// Shared with the cache when nothing was recorded since; otherwise taken out of the cache
    /// while what was recorded since is folded into it, so that nothing is copied (unless a
    /// reader still holds it), and put back unless a newer one was meanwhile.
    fn cached_fold<S: Clone + Default>(
        &self,
        stream: &str,
        slot: impl Fn(&mut StateCache) -> &mut Slot<S>,
        mut fold: impl FnMut(&mut S, &Fact),
    ) -> Result<(Arc<S>, u64), AppError> {
        let now = self.store.stream_version(stream);
        let cached = {
            let mut cache = self.cache();
            let kept = slot(&mut cache);
            match kept {
                Some((v, state)) if *v == now => return Ok((state.clone(), *v)),
                _ => kept.take(),
            }
        };
        let (mut version, mut state) = cached.unwrap_or_default();
        for ev in self.store.read_stream(stream, version + 1)? {
            version = ev.version();
            if let Some(f) = decode(&ev)? {
                fold(Arc::make_mut(&mut state), &f);
            }
        }
        let mut cache = self.cache();
        let kept = slot(&mut cache);
        if kept.as_ref().is_none_or(|(v, _)| *v <= version) {
            *kept = Some((version, state.clone()));
        }
        Ok((state, version))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, StateCache> {
        // The cache only ever holds complete folds, so a poisoned lock is still consistent.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets every folded state (after an erasure rewrote stored data in place).
    fn forget_states(&self) {
        *self.cache() = StateCache::default();
    }

    /// A program's current state and its stream version (`None` when it does not exist).
    pub fn program(&self, slug: &str) -> Result<Option<(Program, u64)>, AppError> {
        let (program, version) = self.program_shared(slug)?;
        Ok(Option::clone(&program).map(|p| (p, version)))
    }

    /// Whether a program exists (without copying its state).
    pub fn program_exists(&self, slug: &str) -> Result<bool, AppError> {
        Ok(self.program_shared(slug)?.0.is_some())
    }

    /// A program's current state (`None` inside when it does not exist), shared with the
    /// cache, and its stream version.
    fn program_shared(&self, slug: &str) -> Result<(Arc<Option<Program>>, u64), AppError> {
        let stream = program_stream(slug)?;
        self.cached_fold(
            stream.as_str(),
            |c| c.programs.entry(stream.as_str().to_string()).or_default(),
            |p, f| {
                Program::fold_one(p, &f.meta, &f.event);
            },
        )
    }

    /// Folds a batch just appended into the program's cached state from the events the
    /// domain decided (not decoded back from the store), when the cache holds the state the
    /// batch was decided against; otherwise the next read catches up from the store.
    fn advance_program(
        &self,
        slug: &str,
        read_version: u64,
        appended: &Appended,
        decided: Vec<Event>,
    ) -> Result<(), AppError> {
        let stream = program_stream(slug)?;
        let stream = stream.as_str();
        let written: Vec<&AppendedEvent> = appended
            .events
            .iter()
            .filter(|e| e.stream == stream)
            .collect();
        if written.len() != decided.len() || written.is_empty() {
            return Ok(());
        }
        let taken = {
            let mut cache = self.cache();
            match cache.programs.get_mut(stream) {
                Some(kept @ Some(_)) if kept.as_ref().is_some_and(|(v, _)| *v == read_version) => {
                    kept.take()
                }
                _ => None,
            }
        };
        let Some((mut version, mut state)) = taken else {
            return Ok(());
        };
        for (event, at) in decided.iter().zip(&written) {
            if at.version != version + 1 {
                // Not the stream's next event: leave the state for the next read to refold.
                return Ok(());
            }
            // The envelope as stored (the store's clock set `recorded_at`).
            let stored = self.store.get(at.seq)?;
            debug_assert_eq!(
                decode(&stored)?.map(|f| f.event).as_ref(),
                Some(event),
                "a decided event reads back as itself"
            );
            let meta = meta_of(&stored);
            Program::fold_one(Arc::make_mut(&mut state), &meta, event);
            version = at.version;
        }
        let mut cache = self.cache();
        let kept = cache.programs.entry(stream.to_string()).or_default();
        if kept.as_ref().is_none_or(|(v, _)| *v <= version) {
            *kept = Some((version, state));
        }
        Ok(())
    }

    /// Every program's slug with its stream's version, sorted by slug.
    pub fn program_versions(&self) -> Vec<(String, u64)> {
        self.store
            .streams()
            .into_iter()
            .filter_map(|(s, v)| s.strip_prefix("program-").map(|slug| (slug.to_string(), v)))
            .collect()
    }

    /// Runs commands atomically: each is decided against the state the previous ones left, and
    /// all resulting events are appended in one append guarded by the versions read.
    /// `program` names the program for program commands (and `CreateProgram` carries its own).
    ///
    /// When the client named no version it saw (`expect_version`), a conflict only means that
    /// someone else wrote in between: the commands are decided again against the new state
    /// (every rule checked afresh), up to [`MAX_CONFLICT_RETRIES`] times. With a version, a
    /// conflict is the client's to resolve and is returned.
    pub fn run(
        &self,
        program: Option<&str>,
        commands: &[Command],
        options: &RunOptions,
    ) -> Result<RunResult, AppError> {
        let mut attempts = 0;
        loop {
            match self.run_once(program, commands, options) {
                Err(AppError::Store(StoreError::Conflict { .. }))
                    if options.expect_version.is_none() && attempts < MAX_CONFLICT_RETRIES =>
                {
                    attempts += 1;
                }
                other => return other,
            }
        }
    }

    fn run_once(
        &self,
        program: Option<&str>,
        commands: &[Command],
        options: &RunOptions,
    ) -> Result<RunResult, AppError> {
        if commands.is_empty() {
            return Err(AppError::Invalid("no command given".into()));
        }
        if program.is_none() {
            if let Some((i, c)) = commands.iter().enumerate().find(|(_, c)| {
                c.stream_kind() == Some(domain::StreamKind::Program)
                    && !matches!(c, Command::CreateProgram(_))
            }) {
                return Err(AppError::Invalid(format!(
                    "{}{} is a program command: send it to its program (`baton do PROGRAM …`), not to the organization",
                    if commands.len() > 1 { format!("command {}: ", i + 1) } else { String::new() },
                    c.type_name()
                )));
            }
        }
        let commands = &self.resolve_seqs(commands)?;
        check_library(commands)?;
        let slug = program.map(str::to_string).or_else(|| {
            commands.iter().find_map(|c| match c {
                Command::CreateProgram(c) => Some(c.program.clone()),
                _ => None,
            })
        });
        if let Some(command_id) = options.command_id {
            if let Some(result) = self.retry(command_id, slug.as_deref(), commands, options)? {
                return Ok(result);
            }
        }
        let now = options.business_time.unwrap_or_else(|| self.clock.now());
        let read = self.read_states(slug.as_deref(), options.expect_version)?;
        let mut batch = decide_batch(&read, slug.as_deref(), commands, now, options)?;
        let replaced = self.replaced(&batch.voided)?;
        if let Some(nonces) = &self.nonces {
            use rand::RngCore;
            let mut rng = nonces.lock().unwrap_or_else(|p| p.into_inner());
            for ev in &mut batch.events {
                let mut nonce = [0u8; 16];
                rng.fill_bytes(&mut nonce);
                ev.nonce = Some(nonce);
            }
        }
        if batch.events.is_empty() || options.dry_run {
            return Ok(RunResult {
                seqs: vec![],
                event_types: batch.events.iter().map(|e| e.event_type.clone()).collect(),
                program_version: read.program_version,
                organization_version: read.org_version,
                duplicate: false,
                dry_run: options.dry_run,
                replaced,
                events: if options.dry_run {
                    batch
                        .events
                        .iter()
                        .map(|e| WouldWrite {
                            stream: e.stream.clone(),
                            event_type: e.event_type.clone(),
                            data: e.data.clone(),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            });
        }
        let event_types = batch.events.iter().map(|e| e.event_type.clone()).collect();
        let erased = batch.erased.clone();
        let program_events = std::mem::take(&mut batch.program_events);
        let request = guarded_request(&read, slug.as_deref(), batch, &options.actor)?;
        let read_version = read.program_version;
        // The cache's copy is the only one left, so folding it forward copies nothing.
        drop(read);
        let appended = if erased.is_empty() {
            let appended = self.store.append(request)?;
            if let (Some(slug), false) = (slug.as_deref(), appended.duplicate) {
                self.advance_program(slug, read_version, &appended, program_events)?;
            }
            appended
        } else {
            // One erasure, all or nothing: the events that record it and every redaction.
            let eraser = PersonEraser::new(erased, &options.actor);
            let appended = self.store.erase(Some(request), Box::new(eraser));
            self.forget_states();
            appended?.ok_or_else(|| {
                AppError::Invalid("the erasure appended nothing; please report this".into())
            })?
        };
        let program_version = slug
            .as_deref()
            .map_or(0, |s| self.store.stream_version(&format!("program-{s}")));
        Ok(RunResult {
            seqs: appended.events.iter().map(|e| e.seq).collect(),
            event_types,
            program_version,
            organization_version: self.store.stream_version(ORGANIZATION_STREAM),
            duplicate: appended.duplicate,
            dry_run: false,
            replaced,
            events: Vec::new(),
        })
    }

    /// Replaces the `seq` of voids and corrections that name their event by position with the
    /// event's id (the rules know ids, not positions).
    fn resolve_seqs(&self, commands: &[Command]) -> Result<Vec<Command>, AppError> {
        let resolve = |event_id: &mut Option<Uuid>, seq: Option<u64>| -> Result<(), AppError> {
            match (*event_id, seq) {
                (Some(_), Some(_)) => Err(AppError::Invalid(
                    "give the voided event's event_id or its seq, not both".into(),
                )),
                (None, None) => Err(AppError::Invalid(
                    "field event_id or seq: name the event to void or correct by its id (a UUID) or its seq (see `baton history PROGRAM --last 20`)".into(),
                )),
                (Some(_), None) => Ok(()),
                (None, Some(seq)) => {
                    let head = self.store.head().last_seq;
                    if seq == 0 || seq > head {
                        return Err(DomainError::new(domain::Rule::UnknownEvent, format!("seq {seq}")).into());
                    }
                    *event_id = Some(self.store.get(seq)?.id());
                    Ok(())
                }
            }
        };
        let mut out = commands.to_vec();
        for cmd in &mut out {
            match cmd {
                Command::VoidEvent(c) => resolve(&mut c.event_id, c.seq.take())?,
                Command::CorrectEvent(c) => resolve(&mut c.event_id, c.seq.take())?,
                _ => {}
            }
        }
        Ok(out)
    }

    /// What each voided event was: its seq, type, person and day.
    fn replaced(&self, voided: &[Uuid]) -> Result<Vec<Replaced>, AppError> {
        let mut out = Vec::new();
        for id in voided {
            let Some(seq) = self.store.find_id(id)? else {
                continue;
            };
            let ev = self.store.get(seq)?;
            let fact = decode(&ev)?;
            let data = fact.as_ref().map(|f| domain::encode(&f.event).data);
            let person = data.as_ref().and_then(|d| {
                [
                    "person",
                    "learner",
                    "mentee",
                    "follow_up",
                    "session",
                    "pair",
                    "skill",
                ]
                .iter()
                .find_map(|k| {
                    d.get(*k).and_then(|v| v.as_str()).map(|v| {
                        if matches!(*k, "person" | "learner" | "mentee") {
                            v.to_string()
                        } else {
                            format!("{k} {v}")
                        }
                    })
                })
            });
            out.push(Replaced {
                event_id: *id,
                seq,
                event_type: ev.event_type().to_string(),
                person,
                on: fact.as_ref().and_then(|f| f.event.business_date()),
            });
        }
        Ok(out)
    }

    /// The organization and the program (if any) a batch is decided against, with their
    /// versions; a `Conflict` when `expect_version` is not the program's version.
    fn read_states(
        &self,
        slug: Option<&str>,
        expect_version: Option<u64>,
    ) -> Result<ReadStates, AppError> {
        let (org, org_version) = self.organization_shared()?;
        let (program, program_version) = match slug {
            Some(slug) => match self.program_shared(slug)? {
                (p, v) if p.is_some() => (p, v),
                _ => (
                    Arc::new(None),
                    self.store.stream_version(program_stream(slug)?.as_str()),
                ),
            },
            None => (Arc::new(None), 0),
        };
        if let Some(expected) = expect_version {
            // Organization commands (no program named) are guarded by the organization's
            // version, program commands by the program's.
            let (stream, actual) = match slug {
                Some(s) => (format!("program-{s}"), program_version),
                None => (ORGANIZATION_STREAM.to_string(), org_version),
            };
            if expected != actual {
                return Err(StoreError::Conflict {
                    expected: vec![(stream.clone(), expected)],
                    actual: vec![(stream, actual)],
                }
                .into());
            }
        }
        Ok(ReadStates {
            org,
            org_version,
            program,
            program_version,
        })
    }

    /// A command id that is already stored: the batch is decided again against the states
    /// as they stood just before the original was stored, at its time, and appended with the
    /// same event ids, so the store's id check tells an identical retry (the original result,
    /// nothing written) from a reused id with other content (`IdReused`), also when the batch
    /// is the original plus more. `None` when the command id is new.
    fn retry(
        &self,
        command_id: Uuid,
        slug: Option<&str>,
        commands: &[Command],
        options: &RunOptions,
    ) -> Result<Option<RunResult>, AppError> {
        let first = Uuid::new_v5(&command_id, &0u64.to_be_bytes());
        let Some(first_seq) = self.store.find_id(&first)? else {
            return Ok(None);
        };
        let original = self.store.get(first_seq)?;
        let reused = |reason: String| {
            AppError::Store(StoreError::IdReused {
                id: first,
                reason: format!(
                    "command id {command_id} was already used at seq {first_seq} for a different command ({reason}); use a new command id"
                ),
            })
        };
        let now = options
            .business_time
            .unwrap_or_else(|| original.recorded_at());
        let read = self.states_before(slug, first_seq)?;
        let batch = match decide_batch(&read, slug, commands, now, options) {
            Ok(batch) => batch,
            Err(e) => return Err(reused(format!("this one is refused there: {e}"))),
        };
        if batch.events.is_empty() {
            return Err(reused("this one writes nothing".into()));
        }
        let event_types: Vec<String> = batch.events.iter().map(|e| e.event_type.clone()).collect();
        let request = guarded_request(&read, slug, batch, &options.actor)?;
        let appended = match self.store.append(request) {
            Ok(appended) if appended.duplicate => appended,
            Ok(_) => {
                return Err(AppError::Invalid(format!(
                    "command id {command_id}: a retry wrote new events; please report this"
                )))
            }
            Err(StoreError::IdReused { reason, .. }) => return Err(reused(reason)),
            Err(e) => return Err(e.into()),
        };
        let program_version = appended
            .events
            .iter()
            .find(|e| e.stream != ORGANIZATION_STREAM)
            .map_or(0, |e| self.store.stream_version(&e.stream));
        Ok(Some(RunResult {
            seqs: appended.events.iter().map(|e| e.seq).collect(),
            event_types,
            program_version,
            organization_version: self.store.stream_version(ORGANIZATION_STREAM),
            duplicate: true,
            dry_run: false,
            replaced: Vec::new(),
            events: Vec::new(),
        }))
    }

    /// The organization and the program as they stood before the event at `seq` was stored.
    fn states_before(&self, slug: Option<&str>, seq: u64) -> Result<ReadStates, AppError> {
        let mut org = Organization::default();
        let mut org_version = 0;
        for ev in self.store.read_stream(ORGANIZATION_STREAM, 1)? {
            if ev.seq() >= seq {
                break;
            }
            org_version = ev.version();
            if let Some(f) = decode(&ev)? {
                org.apply(&f.meta, &f.event);
            }
        }
        let mut program = None;
        let mut program_version = 0;
        if let Some(slug) = slug {
            for ev in self.store.read_stream(program_stream(slug)?.as_str(), 1)? {
                if ev.seq() >= seq {
                    break;
                }
                program_version = ev.version();
                if let Some(f) = decode(&ev)? {
                    Program::fold_one(&mut program, &f.meta, &f.event);
                }
            }
        }
        Ok(ReadStates {
            org: Arc::new(org),
            org_version,
            program: Arc::new(program),
            program_version,
        })
    }

    /// Completes the erasure of a person who is already recorded as erased (a store whose
    /// erasure was interrupted before erasures were all or nothing): every event about them
    /// that still holds personal data is redacted, and nothing is appended.
    pub fn complete_erasure(&self, person: &str, actor: &str) -> Result<(), AppError> {
        let eraser = PersonEraser::new(vec![person.to_string()], actor);
        let result = self.store.erase(None, Box::new(eraser));
        self.forget_states();
        result.map(|_| ()).map_err(AppError::from)
    }
}

/// Picks the events an erasure of some people redacts: every event with personal fields
/// that is about one of them — naming them anywhere in its data, or naming a mentoring pair
/// they belong to, a follow-up with them, or an event already picked (the void of an event
/// about them) — and keeps, for format-1 events, a scrubbed copy that still decodes.
struct PersonEraser {
    people: Vec<String>,
    by: String,
    reason: String,
    /// Ids (pairs, follow-ups) that stand for one of the people, learnt in seq order.
    about: std::collections::HashSet<String>,
    /// Events picked so far, by id.
    picked: std::collections::HashSet<Uuid>,
}

impl PersonEraser {
    fn new(people: Vec<String>, actor: &str) -> PersonEraser {
        PersonEraser {
            reason: format!("erasure of person {}", people.join(", ")),
            people,
            by: actor.to_string(),
            about: Default::default(),
            picked: Default::default(),
        }
    }

    /// Whether the event's data is about one of the people: it names them anywhere, except
    /// that a person's joining is about that person only (not about their supervisor).
    fn mentions(&self, event_type: &str, data: &serde_json::Value) -> bool {
        if event_type == "PersonJoined" {
            return data
                .get("person")
                .and_then(|p| p.as_str())
                .is_some_and(|p| self.people.iter().any(|q| q == p));
        }
        self.people.iter().any(|p| domain::codec::mentions(data, p))
    }

    /// Whether the data names a pair or follow-up of the people, or voids a picked event.
    fn linked(&self, data: &serde_json::Value) -> bool {
        let names = |key: &str| {
            data.get(key)
                .and_then(|v| v.as_str())
                .is_some_and(|id| self.about.contains(id))
        };
        let voids_picked = data
            .get("event_id")
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .is_some_and(|id| self.picked.contains(&id));
        names("pair") || names("follow_up") || voids_picked
    }
}

impl crate::store::Eraser for PersonEraser {
    fn by(&self) -> &str {
        &self.by
    }
    fn reason(&self) -> &str {
        &self.reason
    }
    fn pick(&mut self, ev: &RecordedEvent) -> Result<Option<Option<serde_json::Value>>, String> {
        let data = ev.data_value().map_err(|e| e.0)?;
        let data = if ev.is_redacted() {
            match redaction_kept(&data) {
                Some(kept) => kept.clone(),
                None => return Ok(None),
            }
        } else {
            data
        };
        let text = |key: &str| data.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let direct = self.mentions(ev.event_type(), &data);
        // What this event teaches about which ids stand for the people.
        if direct && matches!(ev.event_type(), "MentoringPaired" | "FollowUpScheduled") {
            if let Some(id) = text("pair").or_else(|| text("follow_up")) {
                self.about.insert(id);
            }
        }
        if !(direct || self.linked(&data)) {
            return Ok(None);
        }
        self.picked.insert(ev.id());
        // Redacted already, or nothing personal in it: kept as it is.
        if ev.is_redacted() || domain::codec::personal_fields(ev.event_type()).is_empty() {
            return Ok(None);
        }
        Ok(Some(Some(domain::codec::redact(ev.event_type(), &data))))
    }
}

/// What a batch of commands is decided against: the states read, and their versions (which
/// the append then guards).
struct ReadStates {
    org: Arc<Organization>,
    org_version: u64,
    program: Arc<Option<Program>>,
    program_version: u64,
}

/// The events a batch decided, ready to append.
struct DecidedBatch {
    events: Vec<NewEvent>,
    /// Whether a rule read the organization (so the append guards its version).
    reads_org: bool,
    /// People whose personal data the batch erases.
    erased: Vec<String>,
    /// Ids of the events the batch voids (plain voids and corrections).
    voided: Vec<Uuid>,
    /// The program's events as the domain decided them, in order, so that the cached state
    /// can be folded forward after the append without decoding them back from the store.
    program_events: Vec<Event>,
}

/// Decides every command in order against working copies of the states, each seeing what the
/// ones before it decided; nothing is stored.
fn decide_batch(
    read: &ReadStates,
    slug: Option<&str>,
    commands: &[Command],
    now: Timestamp,
    options: &RunOptions,
) -> Result<DecidedBatch, AppError> {
    // The states are copied only when the batch changes them for a later decision: the
    // last event of a batch is folded by nobody, so a batch of one program event (the
    // commonest) copies nothing.
    let mut org = read.org.clone();
    let mut program = read.program.clone();
    let mut batch = DecidedBatch {
        events: Vec::new(),
        reads_org: false,
        erased: Vec::new(),
        voided: Vec::new(),
        program_events: Vec::new(),
    };
    for (i, cmd) in commands.iter().enumerate() {
        if let (Command::CreateProgram(c), Some(slug)) = (cmd, slug) {
            if c.program != slug {
                return Err(AppError::Invalid(format!(
                    "command {}: CreateProgram names program {:?} but the batch is for {slug:?}",
                    i + 1,
                    c.program
                )));
            }
        }
        let decision = domain::decide(&org, (*program).as_ref(), cmd, now).map_err(|error| {
            if commands.len() > 1 {
                AppError::RuleInBatch {
                    index: i + 1,
                    error,
                }
            } else {
                AppError::Rule(error)
            }
        })?;
        for decided in &decision.events {
            if let Event::EventVoided(v) = &decided.event {
                batch.voided.push(v.event_id);
            }
        }
        batch.reads_org |= decision.reads_organization;
        if let Command::ErasePerson(c) = cmd {
            batch.erased.push(c.person.clone());
        }
        let count = decision.events.len();
        for (j, decided) in decision.events.into_iter().enumerate() {
            let index = batch.events.len() as u64;
            let id = match options.command_id {
                Some(cid) => Uuid::new_v5(&cid, &index.to_be_bytes()),
                None => Uuid::new_v4(),
            };
            let last = i + 1 == commands.len() && j + 1 == count;
            let (event, decided) = stage(&mut org, &mut program, decided, id, now, options, last)?;
            if event.stream != ORGANIZATION_STREAM {
                batch.program_events.push(decided);
            }
            batch.events.push(event);
        }
    }
    Ok(batch)
}

/// Folds one decided event into the working states (so later commands of the batch see it)
/// and makes it a new event for the log, with its business time; gives the event back.
///
/// The `last` event of a batch is a program's folded by nobody here (nothing is decided after
/// it), so the program is not copied for it: its version is the next one, and its business
/// time reads the program as it stands (folding the event changes neither a session's time
/// nor the organization's zone).
fn stage(
    org: &mut Arc<Organization>,
    program: &mut Arc<Option<Program>>,
    decided: domain::Decided,
    id: Uuid,
    now: Timestamp,
    options: &RunOptions,
    last: bool,
) -> Result<(NewEvent, Event), AppError> {
    let stream = decided.stream.as_str().to_string();
    let version = if stream == ORGANIZATION_STREAM {
        org.version + 1
    } else {
        Option::as_ref(&**program).map_or(1, |p| p.version + 1)
    };
    let meta = EventMeta {
        seq: 0,
        stream: stream.clone(),
        version,
        id,
        recorded_at: now,
        occurred_at: now,
        actor: options.actor.clone(),
    };
    let exists =
        || AppError::Invalid("a program event was decided before the program exists".into());
    if stream == ORGANIZATION_STREAM {
        Arc::make_mut(org).apply(&meta, &decided.event);
    } else if last {
        if program.is_none() && !matches!(decided.event, Event::ProgramCreated(_)) {
            return Err(exists());
        }
    } else if !Program::fold_one(Arc::make_mut(program), &meta, &decided.event) {
        return Err(exists());
    }
    let encoded = domain::encode(&decided.event);
    let occurred_at = session_end(&decided.event, Option::as_ref(program))
        .filter(|end| *end <= now)
        .or_else(|| occurred_at(decided.event.business_date(), org, now))
        .or(options.business_time);
    let personal = domain::codec::personal_fields(encoded.event_type)
        .iter()
        .map(|f| f.to_string())
        .collect();
    let mut ev =
        NewEvent::new(stream, encoded.event_type, encoded.schema, encoded.data).with_id(id);
    ev.personal = personal;
    ev.occurred_at = occurred_at;
    ev.correlation_id = options.command_id;
    Ok((ev, decided.event))
}

/// The append of a decided batch, guarded by the versions the decisions rested on: the
/// program's when it writes to the program, the organization's when it writes there or a
/// rule read it.
fn guarded_request(
    read: &ReadStates,
    slug: Option<&str>,
    batch: DecidedBatch,
    actor: &str,
) -> Result<AppendRequest, AppError> {
    let writes_program = batch.events.iter().any(|e| e.stream != ORGANIZATION_STREAM);
    let writes_org = batch.events.iter().any(|e| e.stream == ORGANIZATION_STREAM);
    let mut request = AppendRequest::new(actor, batch.events);
    if let (Some(slug), true) = (slug, writes_program) {
        request = request.expect(program_stream(slug)?.as_str(), read.program_version);
    }
    if batch.reads_org || writes_org {
        request = request.expect(ORGANIZATION_STREAM, read.org_version);
    }
    Ok(request)
}

/// The stream of a program slug, or a clear error.
pub fn program_stream(slug: &str) -> Result<StreamId, AppError> {
    let slug = slug.strip_prefix("program-").unwrap_or(slug);
    StreamId::program(slug).ok_or_else(|| {
        AppError::Invalid(format!(
            "{slug:?} is not a program slug: expected 1 to 64 of a-z, 0-9 and -"
        ))
    })
}

/// When a held session ended: a session (or coaching session) happened at its own time, not
/// when someone got round to recording it.
fn session_end(event: &Event, program: Option<&Program>) -> Option<Timestamp> {
    let time = match event {
        Event::SessionHeld(e) => &program?.sessions.get(&e.session)?.time,
        Event::CoachingSessionHeld(e) => &e.time,
        _ => return None,
    };
    Some(
        time.start
            .plus_seconds(i64::from(time.duration_minutes) * 60),
    )
}

/// Business time of an event: its business day (noon in the organization's zone) when that
/// day is not today; otherwise none (the store's `recorded_at`).
fn occurred_at(day: Option<NaiveDate>, org: &Organization, now: Timestamp) -> Option<Timestamp> {
    let day = day?;
    if day == domain::today(org, now) {
        return None;
    }
    let noon = day.and_time(NaiveTime::from_hms_opt(12, 0, 0)?);
    let tz: chrono_tz::Tz = org
        .time_zone
        .as_deref()
        .and_then(|z| z.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let local = tz.from_local_datetime(&noon).earliest()?;
    Some(Timestamp::from_datetime(local.with_timezone(&chrono::Utc)))
}

/// Reads an as-of time: RFC 3339 (any offset), or `YYYY-MM-DD` meaning the end of that day
/// (its last microsecond) in the organization's time zone (UTC when none is set).
pub fn parse_as_of(text: &str, org: &Organization) -> Result<Timestamp, AppError> {
    if let Ok(ts) = Timestamp::parse_lenient(text) {
        return Ok(ts);
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| AppError::Invalid(format!("as-of {text:?}: expected an RFC 3339 time (2026-03-01T09:30:00Z) or a day (2026-03-01)")))?;
    Ok(domain::end_of_day(org, day))
}

/// A chosen mitigation names a scenario of the simulator's library and one of its mitigations:
/// checked here, in the shell, because the library belongs to the simulator, not to the
/// domain's rules. In a batch, the error names the command.
fn check_library(commands: &[Command]) -> Result<(), AppError> {
    for (i, command) in commands.iter().enumerate() {
        let Command::ChooseMitigation(c) = command else {
            continue;
        };
        let error = match crate::sim::scenario::builtin(&c.scenario) {
            None => Some(DomainError::new(domain::Rule::UnknownScenario, &c.scenario)),
            Some(sc) if sc.mitigation(&c.mitigation).is_err() => Some(DomainError::new(
                domain::Rule::UnknownMitigation,
                &c.mitigation,
            )),
            Some(_) => None,
        };
        if let Some(error) = error {
            return Err(if commands.len() > 1 {
                AppError::RuleInBatch {
                    index: i + 1,
                    error,
                }
            } else {
                AppError::Rule(error)
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cached state folded forward from the decided events after each append (not read
    /// back from the store) is the state a fresh fold of the store gives, for every program of
    /// the demo and for batches of several commands.
    #[test]
    fn a_program_folded_forward_after_its_appends_equals_a_fold_of_the_store() {
        let steps = crate::demo::script(crate::demo::DEMO_SEED);
        let clock = Arc::new(crate::demo::StepClock::new(steps[0].now));
        let store = Arc::new(crate::store::MemoryStore::with_clock(clock.clone()));
        let app = App::new(store.clone(), clock.clone());
        for step in &steps {
            clock.set(step.now);
            let command = Command::from_json(&step.command).expect("demo command");
            let options = RunOptions {
                actor: step.actor.clone(),
                command_id: Some(step.command_id),
                ..RunOptions::default()
            };
            app.run(step.program.as_deref(), &[command], &options)
                .expect("demo step");
        }
        let practice = |minutes: u32| {
            Command::from_json(&serde_json::json!({"type": "LogPractice", "person": "elise-joly",
                "skill": "catalogue-search", "kind": "sandbox", "minutes": minutes, "on": "2026-10-30"}))
            .expect("command")
        };
        let batch = [practice(10), practice(20), practice(30)];
        let ran = app
            .run(
                Some(crate::demo::ROLLOUT),
                &batch,
                &RunOptions {
                    actor: "coordinator".into(),
                    ..RunOptions::default()
                },
            )
            .expect("a batch of three");
        assert_eq!(ran.seqs.len(), 3);
        let fresh = App::new(store.clone(), clock);
        let versions = app.program_versions();
        assert!(versions.len() >= 2);
        for (slug, version) in versions {
            let kept = app.program(&slug).expect("kept").expect("exists");
            let folded = fresh.program(&slug).expect("folded").expect("exists");
            assert_eq!(kept.1, version);
            assert_eq!(
                serde_json::to_value(&kept.0).expect("json"),
                serde_json::to_value(&folded.0).expect("json"),
                "program {slug}"
            );
        }
    }

    fn org_in(zone: Option<&str>) -> Organization {
        Organization {
            time_zone: zone.map(str::to_string),
            ..Organization::default()
        }
    }

    #[test]
    fn as_of_day_is_the_end_of_that_day_in_the_organization_zone() {
        let paris = org_in(Some("Europe/Paris"));
        assert_eq!(
            parse_as_of("2026-03-01", &paris).unwrap().to_string(),
            "2026-03-01T22:59:59.999999Z"
        );
        // Summer time: Paris is UTC+2.
        assert_eq!(
            parse_as_of("2026-07-01", &paris).unwrap().to_string(),
            "2026-07-01T21:59:59.999999Z"
        );
        assert_eq!(
            parse_as_of("2026-07-01", &org_in(None))
                .unwrap()
                .to_string(),
            "2026-07-01T23:59:59.999999Z"
        );
    }

    #[test]
    fn as_of_accepts_rfc3339_and_names_what_it_expects() {
        let org = org_in(None);
        assert_eq!(
            parse_as_of("2026-03-01T10:30:00+01:00", &org)
                .unwrap()
                .to_string(),
            "2026-03-01T09:30:00.000000Z"
        );
        let err = parse_as_of("yesterday", &org).unwrap_err().to_string();
        assert!(
            err.contains("RFC 3339") && err.contains("yesterday"),
            "{err}"
        );
    }

    #[test]
    fn occurred_at_is_noon_of_a_past_day_in_the_zone() {
        let paris = org_in(Some("Europe/Paris"));
        let now = Timestamp::parse_strict("2026-03-10T08:00:00.000000Z").unwrap();
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(
            occurred_at(day("2026-03-02"), &paris, now)
                .unwrap()
                .to_string(),
            "2026-03-02T11:00:00.000000Z"
        );
        assert_eq!(occurred_at(day("2026-03-10"), &paris, now), None);
        assert_eq!(occurred_at(None, &paris, now), None);
    }

    #[test]
    fn a_session_recorded_late_occurred_when_it_ended() {
        use crate::store::{EventStore, MemoryStore};
        use std::sync::atomic::{AtomicI64, Ordering};

        struct SetClock(AtomicI64);
        impl Clock for SetClock {
            fn now(&self) -> Timestamp {
                Timestamp::from_micros(self.0.load(Ordering::SeqCst))
            }
        }
        let at = |s: &str| Timestamp::parse_strict(s).unwrap().as_micros();
        let clock = Arc::new(SetClock(AtomicI64::new(at("2026-03-01T08:00:00.000000Z"))));
        let store: Arc<dyn EventStore> = Arc::new(MemoryStore::with_clock(clock.clone()));
        let app = App::new(store.clone(), clock.clone());
        let opts = RunOptions {
            actor: "t".into(),
            ..RunOptions::default()
        };
        let cmd = |v: serde_json::Value| Command::from_json(&v).unwrap();
        let org = [
            serde_json::json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "Europe/Paris"}),
            serde_json::json!({"type": "AddPerson", "person": "ann", "name": "Ann", "department": "d", "branch": "b"}),
            serde_json::json!({"type": "AddPerson", "person": "bob", "name": "Bob", "department": "d", "branch": "b"}),
            serde_json::json!({"type": "AddSkill", "skill": "s", "name": "S"}),
        ];
        for c in org {
            app.run(None, &[cmd(c)], &opts).unwrap();
        }
        let program = [
            serde_json::json!({"type": "CreateProgram", "program": "p", "kind": "training", "title": "P"}),
            serde_json::json!({"type": "InviteTrainer", "person": "bob"}),
            serde_json::json!({"type": "AcceptInvitation", "person": "bob"}),
            serde_json::json!({"type": "EnrolLearner", "person": "ann"}),
            serde_json::json!({"type": "DefineModule", "module": "m", "title": "M", "skills": [{"skill": "s", "level": 2}], "required": true}),
            serde_json::json!({"type": "ScheduleSession", "session": "s1", "module": "m", "trainers": ["bob"], "start": "2026-03-10T09:30", "duration_minutes": 90, "location": "x", "capacity": 5, "invitees": ["ann"]}),
        ];
        for c in program {
            app.run(Some("p"), &[cmd(c)], &opts).unwrap();
        }
        // Recorded three days after the session.
        clock
            .0
            .store(at("2026-03-13T16:00:00.000000Z"), Ordering::SeqCst);
        let held = serde_json::json!({"type": "HoldSession", "session": "s1", "attendance": [{"person": "ann", "present": true}]});
        let result = app.run(Some("p"), &[cmd(held)], &opts).unwrap();
        let ev = store.get(result.seqs[0]).unwrap();
        // 09:30 Paris (UTC+1 in March) + 90 minutes = 10:00 UTC.
        assert_eq!(ev.occurred_at().to_string(), "2026-03-10T10:00:00.000000Z");
        assert_eq!(ev.recorded_at().to_string(), "2026-03-13T16:00:00.000000Z");
    }
}
