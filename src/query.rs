//! The one read path (load → fold → view) shared by the CLI and the server, so that the two
//! can never answer differently.
//!
//! A [`Reader`] answers every view as an [`Answer`]: the view's JSON, its title and the head
//! of the log it was computed from. Where the state comes from is the reader's business:
//!
//! - **cold** (the CLI): a fold saved at exactly the log's head answers without opening the
//!   log; otherwise the log is opened and folded as of T from the best checkpoint
//!   ([`crate::checkpoint`]);
//! - **live** (the server): the projections are kept in memory and folded as each event is
//!   committed ([`Live`]), so a view at the head is a lookup; a view as of a time before the
//!   latest event folds from the log as the CLI does.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::access::{Access, ACCESS_STREAM};
use crate::app::{decode, meta_of, parse_as_of, App, AppError};
use crate::checkpoint::{self, Checkpointed};
use crate::domain::events::is_standing;
use crate::domain::{Organization, Timestamp};
use crate::projections::audit::{self, AuditHistory};
use crate::projections::dashboard::Dashboard;
use crate::projections::journey::LearnerJourney;
use crate::projections::programs::ProgramSummary;
use crate::projections::risk::SkillsRisk;
use crate::projections::world::World;
use crate::projections::Projection;
use crate::store::record::hex;
use crate::store::{Clock, LockedStore, LogHead, RecordedEvent, ORGANIZATION_STREAM};

/// A view as JSON with the head it was computed from first: `{"head": {"seq": …, "hash":
/// …}, …}`; a list becomes `{"head": …, list_key: [...]}`.
pub fn with_head(value: Value, head: &LogHead, list_key: &str) -> Value {
    let mut out = Map::new();
    out.insert("head".into(), head_json(head));
    match value {
        Value::Object(map) => out.extend(map),
        other => {
            out.insert(list_key.into(), other);
        }
    }
    Value::Object(out)
}

/// The `head` member of a view's JSON.
fn head_json(head: &LogHead) -> Value {
    json!({"seq": head.last_seq, "hash": hex(&head.head_hash)})
}

/// A table's title line with the head it was computed from, `… · head SEQ:HASH`, so that a
/// printed report can be checked later with `baton verify --head`.
pub fn title_with_head(title: &str, head: &LogHead) -> String {
    format!("{title} · head {}:{}", head.last_seq, hex(&head.head_hash))
}

/// The most points of [`Reader::progress`] (about two years week by week).
pub const PROGRESS_POINTS: usize = 104;

/// A view, ready to print or send.
#[derive(Clone, Debug)]
pub struct Answer {
    /// A title for people (`Dashboard: ils-rollout (as of …)`).
    pub title: String,
    /// The view's JSON, without the head.
    pub view: Value,
    /// The head of the log the view was computed from.
    pub head: LogHead,
    /// The key a list view goes under in the JSON form.
    pub list_key: &'static str,
}

impl Answer {
    fn new(title: String, view: &impl Serialize, head: LogHead) -> Result<Answer, QueryError> {
        Ok(Answer {
            title,
            view: serde_json::to_value(view).map_err(|e| QueryError::Internal(e.to_string()))?,
            head,
            list_key: "items",
        })
    }

    /// The JSON form, head first: exactly what `--format json` prints and the API returns.
    pub fn json(&self) -> Value {
        with_head(self.view.clone(), &self.head, self.list_key)
    }

    /// [`Answer::json`] as something to serialize, without copying the view (a view can be
    /// tens of megabytes on a long log).
    pub fn json_ref(&self) -> impl Serialize + '_ {
        WithHead(self)
    }
}

/// An answer serialized as [`with_head`] builds it.
struct WithHead<'a>(&'a Answer);

impl Serialize for WithHead<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let answer = self.0;
        let ours = head_json(&answer.head);
        let mut map = serializer.serialize_map(None)?;
        match &answer.view {
            Value::Object(view) => {
                // As in `with_head`: a view's own "head" would take the head's place.
                map.serialize_entry("head", view.get("head").unwrap_or(&ours))?;
                for (k, v) in view.iter().filter(|(k, _)| *k != "head") {
                    map.serialize_entry(k, v)?;
                }
            }
            other => {
                map.serialize_entry("head", &ours)?;
                map.serialize_entry(answer.list_key, other)?;
            }
        }
        map.end()
    }
}

/// Why a view cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// Nothing by that name.
    #[error("{0}")]
    NotFound(String),
    /// A parameter is malformed: which one, and what is expected.
    #[error("{field}: {message}")]
    Invalid {
        /// The parameter.
        field: &'static str,
        /// What is wrong and what is expected.
        message: String,
    },
    /// The log could not be read.
    #[error(transparent)]
    App(#[from] AppError),
    /// A view could not be serialized (a bug, never bad input).
    #[error("internal: {0}")]
    Internal(String),
}

/// Which view of a program's history: all of it, as recorded by a time, the plan at a
/// version, or the changes between two versions.
#[derive(Clone, Debug, Default)]
pub struct HistoryAt {
    /// As recorded by this time.
    pub as_of: Option<String>,
    /// The plan at this version.
    pub version: Option<u64>,
    /// `V1..V2`.
    pub diff: Option<String>,
    /// Only the last N entries.
    pub last: Option<usize>,
}

/// `V1..V2`.
pub fn parse_range(text: &str) -> Result<(u64, u64), QueryError> {
    let err = || QueryError::Invalid {
        field: "diff",
        message: format!("{text:?}: expected two versions like 3..7"),
    };
    let (a, b) = text.split_once("..").ok_or_else(err)?;
    Ok((
        a.trim().parse().map_err(|_| err())?,
        b.trim().parse().map_err(|_| err())?,
    ))
}

/// One page of the log.
#[derive(Clone, Debug, Serialize)]
pub struct EventsPage {
    /// The events, as `baton export` writes them.
    pub events: Vec<Value>,
    /// The seq to ask for next (`after`), if there may be more.
    pub next_after: Option<u64>,
}

/// Answers every view. Cheap to make: one per request or per command.
pub struct Reader {
    /// The store, locked but not yet opened (cold reads).
    locked: Option<LockedStore>,
    /// The opened store.
    app: Option<App>,
    /// The live projections (server).
    live: Option<Arc<Live>>,
    /// "Now" when no as-of is given.
    clock: Arc<dyn Clock>,
    /// The business time the reader runs at (`serve --as-of T`): the default as-of.
    at: Option<Timestamp>,
}

impl Reader {
    /// A cold reader over a locked store (the CLI): the log is opened only when no fold
    /// saved at its head answers.
    pub fn cold(locked: LockedStore, clock: Arc<dyn Clock>) -> Reader {
        Reader {
            locked: Some(locked),
            app: None,
            live: None,
            clock,
            at: None,
        }
    }

    /// A reader over an opened store.
    pub fn open(app: App) -> Reader {
        let clock = app.clock();
        Reader {
            locked: None,
            app: Some(app),
            live: None,
            clock,
            at: None,
        }
    }

    /// A reader over the server's live projections.
    pub fn live(app: App, live: Arc<Live>, at: Option<Timestamp>) -> Reader {
        let clock = app.clock();
        Reader {
            locked: None,
            app: Some(app),
            live: Some(live),
            clock,
            at,
        }
    }

    /// The opened store (opened now if it was not).
    pub fn app(&mut self) -> Result<&App, QueryError> {
        if self.app.is_none() {
            let locked = self
                .locked
                .take()
                .ok_or_else(|| QueryError::Internal("reader without a store".into()))?;
            let store = locked.open_log().map_err(AppError::from)?;
            self.app = Some(App::new(Arc::new(store), self.clock.clone()));
        }
        self.app
            .as_ref()
            .ok_or_else(|| QueryError::Internal("reader without a store".into()))
    }

    fn head(&self) -> LogHead {
        match (&self.app, &self.locked) {
            (Some(app), _) => app.store().head(),
            (None, Some(locked)) => locked.head(),
            (None, None) => LogHead {
                last_seq: 0,
                head_hash: [0; 32],
            },
        }
    }

    /// The default "now": the reader's business time, else the clock's. A live reader reads
    /// "now" to the second, so that every request within a second shares one rendered view.
    fn now(&self) -> Timestamp {
        self.at.unwrap_or_else(|| {
            let now = self.clock.now();
            match self.live {
                Some(_) => {
                    Timestamp::from_micros(now.as_micros() - now.as_micros().rem_euclid(1_000_000))
                }
                None => now,
            }
        })
    }

    /// The business time a rendered view is filed under: none for a view read at a given
    /// `as_of` (its key names it), else the reader's now.
    fn rendered_now(&self, has_as_of: bool) -> Option<Timestamp> {
        (!has_as_of).then(|| self.now())
    }

    /// A live reader's view, if one can be served without computing: rendered at the head
    /// and now, or (while another reader renders it for now) at the head and a moment ago.
    /// What [`Reader::rendered`] would serve, minus the computing; for the async threads.
    pub fn rendered_cached(&self, key: &str, has_as_of: bool) -> Option<Arc<Rendered>> {
        let live = self.live.as_ref()?;
        let seq = live.read().head.last_seq;
        match live.lookup(key, seq, self.rendered_now(has_as_of), false) {
            Lookup::Serve(hit) => Some(hit),
            Lookup::Compute => None,
        }
    }

    /// A live reader's view rendered once per head: `key` names the view and its parameters
    /// (an `as_of` included); while the live projections stay at the same head, the same bytes
    /// are served without folding or serializing again. A view at "now" is rendered again when
    /// the second turns, by one reader: the others are served the view of the second before
    /// meanwhile (for up to two seconds). A view is never served for another head.
    pub fn rendered(
        &mut self,
        key: &str,
        has_as_of: bool,
        compute: impl FnOnce(&mut Reader) -> Result<Answer, QueryError>,
    ) -> Result<Arc<Rendered>, QueryError> {
        let Some(live) = self.live.clone() else {
            return Rendered::of(&compute(self)?).map(Arc::new);
        };
        let at = self.rendered_now(has_as_of);
        let seq = live.read().head.last_seq;
        if let Lookup::Serve(hit) = live.lookup(key, seq, at, true) {
            return Ok(hit);
        }
        let made = compute(self)
            .and_then(|answer| Ok((answer.head.last_seq, Arc::new(Rendered::of(&answer)?))));
        match made {
            // Kept only if it reflects the head the entry is filed under.
            Ok((head, rendered)) if head == seq => {
                live.keep_rendered(key, seq, at, rendered.clone());
                Ok(rendered)
            }
            other => {
                live.release(key);
                other.map(|(_, rendered)| rendered)
            }
        }
    }

    /// `as_of` read in the organization's time zone (default: now).
    fn as_of_in(&self, org: &Organization, text: Option<&str>) -> Result<Timestamp, QueryError> {
        match text {
            None => Ok(self.now()),
            Some(text) => parse_as_of(text, org).map_err(|e| QueryError::Invalid {
                field: "as_of",
                message: e.to_string(),
            }),
        }
    }

    /// The business time a view `as_of` (default: the reader's now, which is the server's
    /// `--as-of` when it runs at one) reads at.
    pub fn time(&mut self, as_of: Option<&str>) -> Result<Timestamp, QueryError> {
        self.as_of(as_of)
    }

    /// `as_of` against the stored organization.
    fn as_of(&mut self, text: Option<&str>) -> Result<Timestamp, QueryError> {
        match text {
            None => Ok(self.now()),
            Some(_) => {
                let org = match &self.live {
                    Some(live) => live.read().journey.world().org.clone(),
                    None => self.app()?.organization()?.0,
                };
                self.as_of_in(&org, text)
            }
        }
    }

    /// Every program's line, sorted by slug (what `baton programs --format json` prints).
    pub fn programs(&mut self) -> Result<Answer, QueryError> {
        if let Some(live) = &self.live {
            let state = live.read();
            let mut answer = Answer::new("Programs".into(), &state.programs(), state.head)?;
            answer.list_key = "programs";
            return Ok(answer);
        }
        let saved = self.locked.as_ref().and_then(|locked| {
            checkpoint::at_head::<Vec<ProgramSummary>>(
                locked,
                checkpoint::PROGRAMS,
                checkpoint::PROGRAMS_FORMAT,
            )
        });
        let (lines, head) = match saved {
            Some(saved) => (saved.into_state(), self.head()),
            None => {
                let app = self.app()?;
                (checkpoint::programs(app)?, app.store().head())
            }
        };
        let mut answer = Answer::new("Programs".into(), &lines, head)?;
        answer.list_key = "programs";
        Ok(answer)
    }

    /// One program: its line of the list and its current plan.
    pub fn program(&mut self, slug: &str) -> Result<Answer, QueryError> {
        let app = self.app()?;
        let head = app.store().head();
        let (program, version) = app.program(slug)?.ok_or_else(|| {
            QueryError::NotFound(format!("no program {slug:?} (see `baton programs`)"))
        })?;
        let mut view = serde_json::to_value(ProgramSummary::of(&program, version))
            .map_err(|e| QueryError::Internal(e.to_string()))?;
        view["plan"] = audit::state_json(&program);
        Answer::new(format!("Program: {slug}"), &view, head)
    }

    /// A program's dashboard as of `as_of` (default now).
    pub fn dashboard(&mut self, program: &str, as_of: Option<&str>) -> Result<Answer, QueryError> {
        let stream = crate::app::program_stream(program)?;
        let slug = stream.program_slug().unwrap_or(program).to_string();
        if let Some(live) = self.live.clone() {
            let state = live.read();
            let (dashboard, max) = state
                .dashboards
                .get(&slug)
                .ok_or_else(|| no_program(&slug))?;
            let t = self.as_of_in(dashboard.organization(), as_of)?;
            if *max <= t {
                return dashboard_answer(&slug, dashboard, t, state.head);
            }
        }
        // A fold saved at the log's current head answers without opening the log.
        let saved = self.locked.as_ref().and_then(|locked| {
            checkpoint::at_head::<Dashboard>(
                locked,
                &checkpoint::dashboard_name(&slug),
                checkpoint::DASHBOARD_FORMAT,
            )
        });
        if let Some(saved) = saved.filter(|saved| saved.state().is_for(&slug)) {
            let t = self.as_of_in(saved.state().organization(), as_of)?;
            let head = self.head();
            if let Some(dashboard) = saved.as_of(t) {
                return dashboard_answer(&slug, &dashboard, t, head);
            }
        }
        let t = self.as_of(as_of)?;
        let app = self.app()?;
        if app.store().stream_version(stream.as_str()) == 0 {
            return Err(no_program(&slug));
        }
        let head = app.store().head();
        let (dashboard, _) = checkpoint::dashboard_as_of(app, &slug, t)?;
        dashboard_answer(&slug, &dashboard, t, head)
    }

    /// What is due as of `as_of` (default now): overdue and upcoming follow-ups, sessions
    /// without an outcome, unanswered commitments, refreshers (what `baton due` lists). With
    /// `ics`, the same as an iCalendar feed (the answer's view is then the feed's text).
    pub fn due(
        &mut self,
        config: &crate::projections::due::DueConfig,
        as_of: Option<&str>,
        ics: bool,
    ) -> Result<Answer, QueryError> {
        let t = self.as_of(as_of)?;
        let app = self.app()?;
        let head = app.store().head();
        let (world, view) = due_at(app, t, config)?;
        if ics {
            let stamp = match head.last_seq {
                0 => Timestamp::EPOCH,
                seq => app.store().get(seq).map_err(AppError::from)?.recorded_at(),
            };
            let text = crate::exports::ics::due_calendar(
                &world.org,
                &view,
                &head,
                stamp,
                config.person.as_deref(),
            );
            return Ok(Answer {
                title: "Due".into(),
                view: Value::String(text),
                head,
                list_key: "items",
            });
        }
        Answer::new(
            format!(
                "Due (as of {}, next {} days)",
                view.today, config.within_days
            ),
            &view,
            head,
        )
    }

    /// The iCalendar feed of one program (or of every program), for one person or everyone,
    /// as of `as_of` (default now): what `baton export --format ics` writes and the server's
    /// feeds serve.
    /// `only` limits a feed of every program to those programs (empty: all).
    pub fn calendar(
        &mut self,
        program: Option<&str>,
        person: Option<&str>,
        only: &[String],
        as_of: Option<&str>,
    ) -> Result<(String, LogHead), QueryError> {
        let t = self.as_of(as_of)?;
        let app = self.app()?;
        let head = app.store().head();
        Ok((calendar_at(app, program, person, only, t, &head)?, head))
    }

    /// A program's action plan in the workshop's shape, as Markdown (what `baton export
    /// PROGRAM --format plan-md` writes), as of `as_of` (default now).
    pub fn action_plan(
        &mut self,
        program: &str,
        as_of: Option<&str>,
    ) -> Result<(String, LogHead), QueryError> {
        let stream = crate::app::program_stream(program)?;
        let slug = stream.program_slug().unwrap_or(program).to_string();
        let t = self.as_of(as_of)?;
        let app = self.app()?;
        if app.store().stream_version(stream.as_str()) == 0 {
            return Err(no_program(&slug));
        }
        let head = app.store().head();
        let (dashboard, _) = checkpoint::dashboard_as_of(app, &slug, t)?;
        let (Some(p), Some(view)) = (dashboard.program(), dashboard.result(t)) else {
            return Err(QueryError::NotFound(format!(
                "program {slug:?} did not exist yet on {t}"
            )));
        };
        let text = crate::exports::plan_md::plan(&crate::exports::plan_md::Input {
            org: dashboard.organization(),
            program: p,
            view: &view,
            head: &head,
        });
        Ok((text, head))
    }

    /// A program's progress over time, week by week from its start to the day shown (as of
    /// `as_of`, default now): the learners completed and proficient at the end of each day,
    /// each point what the dashboard showed as of that day.
    pub fn progress(&mut self, program: &str, as_of: Option<&str>) -> Result<Answer, QueryError> {
        let now = self.dashboard(program, as_of)?;
        let day = |v: &Value| v.as_str().and_then(|s| s.parse::<NaiveDate>().ok());
        let today = day(&now.view["today"])
            .ok_or_else(|| QueryError::Internal("a dashboard without its day".into()))?;
        let start = day(&now.view["deadline"]["start"])
            .or_else(|| {
                now.view["phases"]
                    .as_array()
                    .and_then(|p| p.iter().filter_map(|r| day(&r["on"])).min())
            })
            .unwrap_or(today)
            .min(today);
        let span = (today - start).num_days();
        let step = (span / PROGRESS_POINTS as i64 + 1).max(7) as u64;
        let mut days: Vec<NaiveDate> = (0..)
            .map(|i| start + chrono::Days::new(i * step))
            .take_while(|d| *d < today)
            .collect();
        days.push(today);
        let slug = now.view["program"].as_str().unwrap_or(program).to_string();
        let app = self.app()?;
        let org = app.organization()?.0;
        let at: Vec<Timestamp> = days
            .iter()
            .map(|d| crate::domain::end_of_day(&org, *d))
            .collect();
        let views = checkpoint::dashboard_series(app, &slug, &at)?;
        let points: Vec<Value> = days
            .iter()
            .zip(views)
            .filter_map(|(d, v)| {
                let v = v?;
                Some(serde_json::json!({
                    "date": d,
                    "audience": v.completion.audience,
                    "completed": v.completion.completed,
                    "proficient": v.proficiency.as_ref().map(|p| p.proficient),
                }))
            })
            .collect();
        let view = serde_json::json!({
            "program": slug,
            "today": today,
            "deadline": now.view["deadline"]["deadline"],
            "measure": now.view["deadline"]["measure"],
            "target": now.view["deadline"]["target"],
            "points": points,
        });
        Ok(Answer {
            title: format!("Progress: {slug} (as of {today})"),
            view,
            head: now.head,
            list_key: "points",
        })
    }

    /// The skills and knowledge risk as of `as_of` (default now).
    pub fn risk(&mut self, as_of: Option<&str>) -> Result<Answer, QueryError> {
        if let Some(live) = self.live.clone() {
            let state = live.read();
            let t = self.as_of_in(state.risk.organization(), as_of)?;
            if state.max_occurred <= t {
                return risk_answer(&state.risk, t, state.head);
            }
        }
        let saved = self.locked.as_ref().and_then(|locked| {
            checkpoint::at_head::<SkillsRisk>(locked, SkillsRisk::NAME, SkillsRisk::FORMAT)
        });
        if let Some(saved) = saved {
            let t = self.as_of_in(saved.state().organization(), as_of)?;
            let head = self.head();
            if let Some(risk) = saved.as_of(t) {
                return risk_answer(&risk, t, head);
            }
        }
        let t = self.as_of(as_of)?;
        let app = self.app()?;
        let head = app.store().head();
        let (risk, _) = checkpoint::fold_as_of::<SkillsRisk>(app, t)?;
        risk_answer(&risk, t, head)
    }

    /// The world (organization and programs) folded as of `t`, with the head it reflects.
    fn world_as_of(
        &mut self,
        as_of: Option<&str>,
        needs: checkpoint::WorldNeeds<'_>,
    ) -> Result<(WorldRef, Timestamp, LogHead), QueryError> {
        let t = self.as_of(as_of)?;
        if let Some(live) = self.live.clone() {
            let state = live.read();
            if state.max_occurred <= t {
                return Ok((WorldRef::Live(live.clone()), t, state.head));
            }
        }
        let app = self.app()?;
        let head = app.store().head();
        let (world, _) = checkpoint::world_for(app, t, needs)?;
        Ok((WorldRef::Owned(Box::new(world)), t, head))
    }

    /// One person across the programs `may_see` admits (a token limited to some programs
    /// must not learn of the others through a person: the API and the page both filter
    /// here, so neither can forget to; the command line passes `|_| true`).
    pub fn journey(
        &mut self,
        person: &str,
        as_of: Option<&str>,
        may_see: &dyn Fn(&str) -> bool,
    ) -> Result<Answer, QueryError> {
        let t = self.as_of(as_of)?;
        // A live world is borrowed, not copied; otherwise the saved parts of the journey are
        // reused where they still hold.
        let live = self.live.as_ref().and_then(|live| {
            let state = live.read();
            (state.max_occurred <= t).then(|| {
                let world = state.journey.world();
                (
                    crate::projections::journey::journey_of(world, person, t),
                    state.head,
                )
            })
        });
        let (view, head) = match live {
            Some(answer) => answer,
            None => {
                let app = self.app()?;
                let head = app.store().head();
                (checkpoint::journey(app, person, t)?, head)
            }
        };
        let mut view = view.ok_or_else(|| {
            QueryError::NotFound(format!("no person {person:?} in the organization"))
        })?;
        view.programs.retain(|p| may_see(&p.program));
        Answer::new(format!("Journey: {person} (as of {t})"), &view, head)
    }

    /// Release time per supervisor across programs.
    pub fn supervisors(&mut self, as_of: Option<&str>) -> Result<Answer, QueryError> {
        let (world, t, head) = self.world_as_of(as_of, checkpoint::WorldNeeds::ALL)?;
        let view = world.with(|w| crate::projections::supervisors::supervisors(w, t));
        Answer::new(format!("Supervisors (as of {t})"), &view, head)
    }

    /// A program's history (or the organization's, for `organization`).
    pub fn history(&mut self, program: &str, at: &HistoryAt) -> Result<Answer, QueryError> {
        if matches!(program, "organization" | "org") {
            return self.organization_history(at);
        }
        let stream = crate::app::program_stream(program)?;
        let slug = stream.program_slug().unwrap_or(program).to_string();
        let app = self.app()?;
        let head = app.store().head();
        let facts = app.stream_facts(stream.as_str())?;
        if facts.is_empty() {
            return Err(no_program(&slug));
        }
        let mut audit = AuditHistory::new(&slug);
        for f in &facts {
            audit.update(&f.meta, &f.event);
        }
        let invalid = |field: &'static str, e: audit::AuditError| QueryError::Invalid {
            field,
            message: e.to_string(),
        };
        if let Some(range) = &at.diff {
            let (v1, v2) = parse_range(range)?;
            let changes = audit.diff(v1, v2).map_err(|e| invalid("diff", e))?;
            return Answer::new(
                format!("Changes to {slug} from version {v1} to {v2}"),
                &json!({ "from": v1, "to": v2, "changes": changes }),
                head,
            );
        }
        if let Some(version) = at.version {
            let entries: Vec<_> = audit
                .entries()
                .into_iter()
                .filter(|e| e.version <= version)
                .collect();
            let entries = last_entries(entries, at.last);
            let state = audit
                .state_at_version(version)
                .map_err(|e| invalid("at_version", e))?;
            return Answer::new(
                format!("History of {slug} up to version {version}"),
                &json!({ "entries": entries, "plan": audit::state_json(&state) }),
                head,
            );
        }
        match &at.as_of {
            Some(text) => {
                let t = self.as_of(Some(text))?;
                let entries = last_entries(audit.entries_as_of(t), at.last);
                let state = audit.state_as_of(t).map_err(|e| invalid("as_of", e))?;
                Answer::new(
                    format!("History of {slug} as recorded by {t}"),
                    &json!({ "entries": entries, "plan": audit::state_json(&state) }),
                    head,
                )
            }
            None => Answer::new(
                format!("History of {slug}"),
                &json!({ "entries": last_entries(audit.entries(), at.last) }),
                head,
            ),
        }
    }

    /// `history organization`: the organization's own stream, all of it or as recorded by a
    /// time.
    fn organization_history(&mut self, at: &HistoryAt) -> Result<Answer, QueryError> {
        if at.diff.is_some() || at.version.is_some() {
            return Err(QueryError::Invalid {
                field: if at.diff.is_some() { "diff" } else { "at_version" },
                message: "--diff and --at-version apply to a program's plan; the organization's history lists its events (use --as-of or --last)".into(),
            });
        }
        let app = self.app()?;
        let head = app.store().head();
        let mut audit = AuditHistory::organization();
        for f in app.stream_facts(ORGANIZATION_STREAM)? {
            audit.update(&f.meta, &f.event);
        }
        let (title, entries) = match &at.as_of {
            Some(text) => {
                let t = self.as_of(Some(text))?;
                (
                    format!("History of the organization as recorded by {t}"),
                    audit.entries_as_of(t),
                )
            }
            None => ("History of the organization".to_string(), audit.entries()),
        };
        let entries = last_entries(entries, at.last);
        Answer::new(title, &json!({ "entries": entries }), head)
    }

    /// Up to `limit` events after seq `after`, as `baton export` writes them.
    pub fn events(&mut self, after: u64, limit: usize) -> Result<Answer, QueryError> {
        let app = self.app()?;
        let head = app.store().head();
        let records = app
            .store()
            .read_all(after.saturating_add(1), limit)
            .map_err(AppError::from)?;
        let full = records.len() == limit;
        let next_after = records.last().map(|r| r.seq()).filter(|_| full);
        let events = records
            .iter()
            .map(event_json)
            .collect::<Result<Vec<_>, _>>()?;
        Answer::new(
            format!("Events after seq {after}"),
            &EventsPage { events, next_after },
            head,
        )
    }
}

/// A stored event as its canonical export line, parsed.
pub fn event_json(record: &RecordedEvent) -> Result<Value, QueryError> {
    serde_json::from_slice(&record.to_line()).map_err(|e| QueryError::Internal(e.to_string()))
}

/// The world as of `t` and what is due in it (`config.person` must be a person of it).
pub fn due_at(
    app: &App,
    t: Timestamp,
    config: &crate::projections::due::DueConfig,
) -> Result<(World, crate::projections::due::DueView), QueryError> {
    let needs = checkpoint::WorldNeeds::new(config.person.as_deref(), &config.programs);
    let (world, _) = checkpoint::world_for(app, t, needs)?;
    if let Some(p) = &config.person {
        if world.org.person(p).is_none() {
            return Err(QueryError::NotFound(format!(
                "no person {p:?} in the organization"
            )));
        }
    }
    let view = crate::projections::due::due(&world, t, config);
    Ok((world, view))
}

/// The iCalendar feed as of `t`, with the log at `head` (its `DTSTAMP`s are the head event's
/// recorded time, so the same log gives the same bytes).
pub fn calendar_at(
    app: &App,
    program: Option<&str>,
    person: Option<&str>,
    only: &[String],
    t: Timestamp,
    head: &LogHead,
) -> Result<String, QueryError> {
    use crate::domain::Program;
    use crate::exports::ics;
    let stamp = match head.last_seq {
        0 => Timestamp::EPOCH,
        seq => app.store().get(seq).map_err(AppError::from)?.recorded_at(),
    };
    let check_person = |org: &Organization| match person {
        Some(p) if org.person(p).is_none() => Err(QueryError::NotFound(format!(
            "no person {p:?} in the organization"
        ))),
        _ => Ok(()),
    };
    match program {
        Some(slug) => {
            let stream = crate::app::program_stream(slug)?;
            let slug = stream.program_slug().unwrap_or(slug).to_string();
            if app.store().stream_version(stream.as_str()) == 0 {
                return Err(no_program(&slug));
            }
            let (dashboard, _) = checkpoint::dashboard_as_of(app, &slug, t)?;
            if !dashboard.program_exists() {
                return Err(QueryError::NotFound(format!(
                    "program {slug:?} did not exist yet on {t}"
                )));
            }
            check_person(dashboard.organization())?;
            let programs: Vec<&Program> = dashboard.program().into_iter().collect();
            Ok(ics::calendar(&ics::Feed {
                org: dashboard.organization(),
                programs: &programs,
                person,
                head,
                stamp,
            }))
        }
        None => {
            let needs = checkpoint::WorldNeeds::new(person, only);
            let (world, _) = checkpoint::world_for(app, t, needs)?;
            check_person(&world.org)?;
            let programs: Vec<&Program> = world
                .programs
                .iter()
                .filter(|(slug, _)| only.is_empty() || only.contains(slug))
                .map(|(_, p)| p)
                .collect();
            Ok(ics::calendar(&ics::Feed {
                org: &world.org,
                programs: &programs,
                person,
                head,
                stamp,
            }))
        }
    }
}

fn no_program(slug: &str) -> QueryError {
    QueryError::NotFound(format!("no program {slug:?} (see `baton programs`)"))
}

fn dashboard_answer(
    slug: &str,
    dashboard: &Dashboard,
    t: Timestamp,
    head: LogHead,
) -> Result<Answer, QueryError> {
    let view = dashboard.result(t).ok_or_else(|| {
        QueryError::NotFound(format!("program {slug:?} did not exist yet on {t}"))
    })?;
    Answer::new(format!("Dashboard: {slug} (as of {t})"), &view, head)
}

fn risk_answer(risk: &SkillsRisk, t: Timestamp, head: LogHead) -> Result<Answer, QueryError> {
    Answer::new(
        format!("Skills and knowledge risk (as of {t})"),
        &risk.result(t),
        head,
    )
}

/// The last `n` entries (all when `n` is none).
fn last_entries(mut entries: Vec<audit::AuditEntry>, n: Option<usize>) -> Vec<audit::AuditEntry> {
    if let Some(n) = n {
        entries.drain(..entries.len().saturating_sub(n));
    }
    entries
}

/// A folded world: borrowed from the live state or folded for this read.
enum WorldRef {
    Live(Arc<Live>),
    Owned(Box<World>),
}

impl WorldRef {
    fn with<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        match self {
            WorldRef::Live(live) => f(live.read().journey.world()),
            WorldRef::Owned(world) => f(world),
        }
    }
}

/// A view serialized once: its JSON bytes (head first), the same gzipped, and its title.
#[derive(Debug)]
pub struct Rendered {
    /// `Answer::json()` as bytes.
    pub json: axum::body::Bytes,
    /// `json` gzipped (RFC 1952), for a client that accepts `gzip`: compressed once, when the
    /// view is rendered, not once per response.
    pub gzip: axum::body::Bytes,
    /// The title.
    pub title: String,
}

impl Rendered {
    fn of(answer: &Answer) -> Result<Rendered, QueryError> {
        let json = serde_json::to_vec(&answer.json_ref())
            .map_err(|e| QueryError::Internal(e.to_string()))?;
        let gzip = gzipped(&json).map_err(|e| QueryError::Internal(e.to_string()))?;
        Ok(Rendered {
            json: json.into(),
            gzip: gzip.into(),
            title: answer.title.clone(),
        })
    }
}

/// `bytes` gzipped at the fastest level (a dashboard's JSON shrinks about tenfold even so).
fn gzipped(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 8),
        flate2::Compression::fast(),
    );
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// How many rendered views the live reader keeps (a bound, not a tuning knob: each entry is
/// dropped as soon as the head moves).
const RENDERED_CAPACITY: usize = 256;

/// How long after its second a view rendered at "now" may still be served while one reader
/// renders it for the new second: the second itself and the one after.
const STALE_MICROS: i64 = 2_000_000;

/// A rendered view kept by the live reader.
struct Kept {
    /// The head it was rendered at.
    seq: u64,
    /// The "now" it was rendered at (none for a view at a given `as_of`).
    at: Option<Timestamp>,
    rendered: Arc<Rendered>,
    /// Whether a reader is rendering it again for a newer now.
    renewing: bool,
}

/// What the live reader's cache says about a view.
enum Lookup {
    /// Serve these bytes.
    Serve(Arc<Rendered>),
    /// Nothing to serve: compute the view (and, when claimed, keep it).
    Compute,
}

/// The server's projections, folded as each event is committed.
pub struct Live {
    state: RwLock<LiveState>,
    folded: tokio::sync::watch::Sender<u64>,
    rendered: std::sync::Mutex<HashMap<String, Kept>>,
}

/// What the live projections hold.
pub struct LiveState {
    /// The last event folded.
    pub head: LogHead,
    /// The latest business time of a dated event folded (standing facts do not count).
    max_occurred: Timestamp,
    journey: LearnerJourney,
    risk: SkillsRisk,
    /// Each program's dashboard with the latest business time folded into it.
    dashboards: BTreeMap<String, (Dashboard, Timestamp)>,
    versions: HashMap<String, u64>,
    /// The access stream folded: who holds which token.
    pub access: Access,
}

impl LiveState {
    /// Whether `person` is recorded as erased.
    pub fn is_erased(&self, person: &str) -> bool {
        self.journey
            .world()
            .org
            .people
            .get(person)
            .is_some_and(|p| p.erased)
    }

    /// The organization as the log holds it now.
    pub fn organization(&self) -> &Organization {
        &self.journey.world().org
    }

    /// The organization's name, once configured.
    pub fn organization_name(&self) -> Option<String> {
        self.journey.world().org.name.clone()
    }

    /// Every program's line, by slug.
    pub fn programs(&self) -> Vec<ProgramSummary> {
        self.journey
            .world()
            .programs
            .iter()
            .map(|(slug, p)| {
                let version = self
                    .versions
                    .get(&format!("program-{slug}"))
                    .copied()
                    .unwrap_or(0);
                ProgramSummary::of(p, version)
            })
            .collect()
    }
}

impl Live {
    /// Folds the whole log of `app` into live projections.
    pub fn load(app: &App) -> Result<Arc<Live>, AppError> {
        let live = Arc::new(Live {
            state: RwLock::new(empty_state()),
            folded: tokio::sync::watch::channel(0).0,
            rendered: std::sync::Mutex::default(),
        });
        live.catch_up(app)?;
        Ok(live)
    }

    /// The view filed under `key` for head `seq` and now `at`. With `claim`, a view kept for
    /// an earlier now is renewed by this caller (told to compute) unless another already
    /// renews it (then the earlier view is served, if recent enough).
    fn lookup(&self, key: &str, seq: u64, at: Option<Timestamp>, claim: bool) -> Lookup {
        let mut cache = self.rendered.lock().unwrap_or_else(|p| p.into_inner());
        let Some(kept) = cache.get_mut(key).filter(|k| k.seq == seq) else {
            return Lookup::Compute;
        };
        if kept.at == at {
            return Lookup::Serve(kept.rendered.clone());
        }
        let recent = match (kept.at, at) {
            (Some(then), Some(now)) => {
                then < now && now.as_micros() - then.as_micros() <= STALE_MICROS
            }
            _ => false,
        };
        if !recent {
            return Lookup::Compute;
        }
        if kept.renewing {
            Lookup::Serve(kept.rendered.clone())
        } else {
            if claim {
                kept.renewing = true;
            }
            Lookup::Compute
        }
    }

    /// Gives up a claim to renew `key` (its computing failed or read another head).
    fn release(&self, key: &str) {
        let mut cache = self.rendered.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(kept) = cache.get_mut(key) {
            kept.renewing = false;
        }
    }

    fn keep_rendered(&self, key: &str, seq: u64, at: Option<Timestamp>, rendered: Arc<Rendered>) {
        let mut cache = self.rendered.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|_, k| k.seq == seq);
        if cache.len() >= RENDERED_CAPACITY {
            cache.clear();
        }
        // A view for an older now never replaces one for a newer now.
        if at.is_some() && cache.get(key).is_some_and(|k| k.at > at) {
            return;
        }
        cache.insert(
            key.to_string(),
            Kept {
                seq,
                at,
                rendered,
                renewing: false,
            },
        );
    }

    /// Reads the live state. A std lock, never held across an `.await`.
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, LiveState> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The last seq folded.
    pub fn seq(&self) -> u64 {
        *self.folded.borrow()
    }

    /// A receiver told the last seq folded after every fold.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.folded.subscribe()
    }

    /// Folds every event committed since the last fold.
    pub fn catch_up(&self, app: &App) -> Result<u64, AppError> {
        let from = self.read().head.last_seq + 1;
        let mut last = from - 1;
        for record in app.store().iter_from(from) {
            let record = record?;
            let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
            state.fold(app, &record)?;
            last = record.seq();
        }
        if last >= from {
            self.folded.send_replace(last);
        }
        Ok(last)
    }

    /// Forgets everything and folds the log again (after an erasure rewrote it).
    pub fn refold(&self, app: &App) -> Result<(), AppError> {
        let fresh = Live {
            state: RwLock::new(empty_state()),
            folded: tokio::sync::watch::channel(0).0,
            rendered: std::sync::Mutex::default(),
        };
        fresh.catch_up(app)?;
        let state = fresh.state.into_inner().unwrap_or_else(|p| p.into_inner());
        let last = state.head.last_seq;
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = state;
        // The erased data may be in a rendered view.
        self.rendered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.folded.send_replace(last);
        Ok(())
    }
}

fn empty_state() -> LiveState {
    LiveState {
        head: LogHead {
            last_seq: 0,
            head_hash: [0; 32],
        },
        max_occurred: Timestamp::EPOCH,
        journey: LearnerJourney::default(),
        risk: SkillsRisk::default(),
        dashboards: BTreeMap::new(),
        versions: HashMap::new(),
        access: Access::default(),
    }
}

impl LiveState {
    fn fold(&mut self, app: &App, record: &RecordedEvent) -> Result<(), AppError> {
        self.head = LogHead {
            last_seq: record.seq(),
            head_hash: record.hash(),
        };
        self.versions
            .insert(record.stream().to_string(), record.version());
        if record.stream() == ACCESS_STREAM {
            self.access
                .apply(&meta_of(record), &crate::app::access_event(record)?);
            return Ok(());
        }
        let Some(fact) = decode(record)? else {
            return Ok(());
        };
        let dated = !is_standing(record.event_type());
        if dated {
            self.max_occurred = self.max_occurred.max(record.occurred_at());
        }
        self.journey.update(&fact.meta, &fact.event);
        self.risk.update(&fact.meta, &fact.event);
        if record.stream() == ORGANIZATION_STREAM {
            for (dashboard, max) in self.dashboards.values_mut() {
                dashboard.update(&fact.meta, &fact.event);
                if dated {
                    *max = (*max).max(record.occurred_at());
                }
            }
            return Ok(());
        }
        let Some(slug) = record.stream().strip_prefix("program-") else {
            return Ok(());
        };
        match self.dashboards.get_mut(slug) {
            Some((dashboard, max)) => {
                dashboard.update(&fact.meta, &fact.event);
                if dated {
                    *max = (*max).max(record.occurred_at());
                }
            }
            None => {
                // A program's first event: its dashboard starts from the organization's
                // events so far (read from the log, up to this event).
                let mut dashboard = Dashboard::new(slug);
                let mut max = Timestamp::EPOCH;
                for f in app.facts_of(&[ORGANIZATION_STREAM, record.stream()])? {
                    if f.meta.seq > record.seq() {
                        break;
                    }
                    if !is_standing(f.event.type_name()) {
                        max = max.max(f.meta.occurred_at);
                    }
                    dashboard.update(&f.meta, &f.event);
                }
                self.dashboards.insert(slug.to_string(), (dashboard, max));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> Live {
        Live {
            state: RwLock::new(empty_state()),
            folded: tokio::sync::watch::channel(0).0,
            rendered: std::sync::Mutex::default(),
        }
    }

    #[test]
    fn an_answer_serialized_in_place_is_its_json() {
        let head = LogHead {
            last_seq: 7,
            head_hash: [3; 32],
        };
        let views = [
            json!({"b": 1, "a": [1, 2], "c": {"z": null}}),
            json!([{"x": 1}, {"y": 2}]),
            json!({"a": 1, "head": "the view's own"}),
            json!("text"),
        ];
        for view in views {
            let answer = Answer {
                title: "t".into(),
                view,
                head,
                list_key: "programs",
            };
            assert_eq!(
                serde_json::to_string_pretty(&answer.json_ref()).unwrap(),
                serde_json::to_string_pretty(&answer.json()).unwrap()
            );
        }
    }

    fn view(text: &str) -> Arc<Rendered> {
        Arc::new(Rendered {
            json: axum::body::Bytes::copy_from_slice(text.as_bytes()),
            gzip: axum::body::Bytes::new(),
            title: text.into(),
        })
    }

    fn second(s: i64) -> Option<Timestamp> {
        Some(Timestamp::from_micros(s * 1_000_000))
    }

    fn served(l: Lookup) -> Option<String> {
        match l {
            Lookup::Serve(r) => Some(r.title.clone()),
            Lookup::Compute => None,
        }
    }

    #[test]
    fn a_view_at_now_is_renewed_by_one_reader_while_the_others_are_served_the_second_before() {
        let live = live();
        assert_eq!(served(live.lookup("d", 7, second(10), true)), None);
        live.keep_rendered("d", 7, second(10), view("at 10"));
        assert_eq!(
            served(live.lookup("d", 7, second(10), true)).as_deref(),
            Some("at 10")
        );
        // The second turns: the first reader renews, the others get the view of second 10.
        assert_eq!(served(live.lookup("d", 7, second(11), true)), None);
        assert_eq!(
            served(live.lookup("d", 7, second(11), true)).as_deref(),
            Some("at 10")
        );
        // Peeking from an async thread never claims, and serves the same.
        assert_eq!(
            served(live.lookup("d", 7, second(11), false)).as_deref(),
            Some("at 10")
        );
        live.keep_rendered("d", 7, second(11), view("at 11"));
        assert_eq!(
            served(live.lookup("d", 7, second(11), true)).as_deref(),
            Some("at 11")
        );
        // An older rendering finishing late does not replace a newer one.
        live.keep_rendered("d", 7, second(10), view("at 10 again"));
        assert_eq!(
            served(live.lookup("d", 7, second(11), true)).as_deref(),
            Some("at 11")
        );
        // Too old to serve: every reader computes.
        assert_eq!(served(live.lookup("d", 7, second(14), true)), None);
        assert_eq!(served(live.lookup("d", 7, second(14), true)), None);
        // Another head: never served, whatever the time.
        live.keep_rendered("d", 7, second(20), view("at 20"));
        assert_eq!(served(live.lookup("d", 8, second(20), true)), None);
        assert_eq!(served(live.lookup("d", 8, second(21), false)), None);
    }

    #[test]
    fn a_failed_renewal_lets_the_next_reader_renew() {
        let live = live();
        live.keep_rendered("d", 1, second(5), view("at 5"));
        assert_eq!(served(live.lookup("d", 1, second(6), true)), None);
        live.release("d");
        assert_eq!(served(live.lookup("d", 1, second(6), true)), None);
        // A view at a given as-of is filed without a now and served as is.
        live.keep_rendered("d@2026-03-01", 1, None, view("as of"));
        assert_eq!(
            served(live.lookup("d@2026-03-01", 1, None, true)).as_deref(),
            Some("as of")
        );
    }
}
