//! A test helper that builds a log by deciding real commands, as the application would.

use std::collections::BTreeMap;

use serde_json::Value;
use uuid::Uuid;

use crate::domain::{decide, Command, Event, EventMeta, Timestamp};

use super::world::World;
use super::Projection;

/// A log built from commands, with the world folded alongside.
pub struct TestLog {
    pub world: World,
    pub events: Vec<(EventMeta, Event)>,
    versions: BTreeMap<String, u64>,
    now: Timestamp,
    actor: String,
}

impl TestLog {
    pub fn new() -> TestLog {
        TestLog {
            world: World::default(),
            events: Vec::new(),
            versions: BTreeMap::new(),
            now: Timestamp::parse_strict("2026-01-01T08:00:00.000000Z").unwrap(),
            actor: "coordinator".into(),
        }
    }

    /// Sets "now" (any RFC 3339 instant): the store clock and the decision time.
    pub fn at(&mut self, now: &str) -> &mut TestLog {
        self.now = Timestamp::parse_lenient(now).unwrap();
        self
    }

    pub fn actor(&mut self, actor: &str) -> &mut TestLog {
        self.actor = actor.into();
        self
    }

    /// Decides an organization command and appends its events.
    pub fn org(&mut self, cmd: Value) -> &mut TestLog {
        self.run(None, cmd)
    }

    /// Decides a command of program `slug` and appends its events.
    pub fn prog(&mut self, slug: &str, cmd: Value) -> &mut TestLog {
        self.run(Some(slug), cmd)
    }

    /// The id of the last event appended.
    pub fn last_id(&self) -> Uuid {
        self.events.last().map(|(m, _)| m.id).unwrap()
    }

    fn run(&mut self, slug: Option<&str>, cmd: Value) -> &mut TestLog {
        let command = Command::from_json(&cmd).unwrap_or_else(|e| panic!("{cmd}: {e}"));
        let program = slug.and_then(|s| self.world.programs.get(s));
        // A day later than now is entered as `baton do --on DAY` would: decided as of its end.
        let on = cmd
            .get("on")
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<chrono::NaiveDate>().ok());
        let decide_at = match on {
            Some(day) if day > crate::domain::today(&self.world.org, self.now) => {
                crate::domain::end_of_day(&self.world.org, day)
            }
            _ => self.now,
        };
        let decision = decide(&self.world.org, program, &command, decide_at)
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
        for d in decision.events {
            let version = self.versions.entry(d.stream.to_string()).or_insert(0);
            *version += 1;
            let seq = self.events.len() as u64 + 1;
            let meta = EventMeta {
                seq,
                stream: d.stream.to_string(),
                version: *version,
                id: Uuid::from_u128(seq as u128),
                recorded_at: self.now,
                occurred_at: self.now,
                actor: self.actor.clone(),
            };
            self.world.update(&meta, &d.event);
            self.events.push((meta, d.event));
        }
        self
    }

    /// Replays the whole log into a projection.
    pub fn replay<P: Projection>(&self, mut p: P) -> P {
        for (m, e) in &self.events {
            p.update(m, e);
        }
        p
    }
}
