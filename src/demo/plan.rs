//! The draft of the script: steps collected in any order, then sorted by time, cut at the end
//! date and given their command ids. Also local-time helpers (the organization's zone).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Weekday};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::{command_id, first_event_id, Step};
use crate::domain::Timestamp;

/// A step in the making.
struct Draft {
    now: Timestamp,
    actor: String,
    program: Option<String>,
    body: Body,
    /// A name later steps use to refer to this step's first event.
    tag: Option<&'static str>,
}

enum Body {
    Command(Value),
    /// `VoidEvent` or `CorrectEvent` of the first event of the step tagged `target`.
    Fix {
        target: &'static str,
        reason: String,
        replacement: Option<Value>,
    },
}

/// The seeded random source and the drafts.
pub(super) struct Plan {
    /// Why: every random choice of the demo comes from this one seeded generator, in a fixed
    /// order, so the same seed gives the same story.
    pub rng: ChaCha8Rng,
    drafts: Vec<Draft>,
}

impl Plan {
    pub fn new(seed: u64) -> Plan {
        Plan {
            rng: ChaCha8Rng::seed_from_u64(seed),
            drafts: Vec::new(),
        }
    }

    /// An organization command.
    pub fn org(&mut self, now: Timestamp, actor: &str, command: Value) {
        self.push(now, actor, None, Body::Command(command), None);
    }

    /// A program command.
    pub fn prog(&mut self, now: Timestamp, actor: &str, program: &str, command: Value) {
        self.push(now, actor, Some(program), Body::Command(command), None);
    }

    /// A command whose first event a later fix refers to by `tag`.
    pub fn tagged(
        &mut self,
        tag: &'static str,
        now: Timestamp,
        actor: &str,
        program: Option<&str>,
        command: Value,
    ) {
        self.push(now, actor, program, Body::Command(command), Some(tag));
    }

    /// Voids (no replacement) or corrects (with one) the first event of the step tagged
    /// `target`.
    pub fn fix(
        &mut self,
        now: Timestamp,
        actor: &str,
        program: Option<&str>,
        target: &'static str,
        reason: &str,
        replacement: Option<Value>,
    ) {
        let body = Body::Fix {
            target,
            reason: reason.to_string(),
            replacement,
        };
        self.push(now, actor, program, body, None);
    }

    fn push(
        &mut self,
        now: Timestamp,
        actor: &str,
        program: Option<&str>,
        body: Body,
        tag: Option<&'static str>,
    ) {
        self.drafts.push(Draft {
            now,
            actor: actor.to_string(),
            program: program.map(str::to_string),
            body,
            tag,
        });
    }

    /// A random element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        items
            .choose(&mut self.rng)
            .expect("pick from an empty list")
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    /// A random integer in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.gen_range(lo..=hi)
    }

    /// One of `choices`, by integer weights.
    pub fn weighted<T: Copy>(&mut self, choices: &[(T, u32)]) -> T {
        let total: u32 = choices.iter().map(|(_, w)| w).sum();
        let mut x = self.rng.gen_range(0..total);
        for (c, w) in choices {
            if x < *w {
                return *c;
            }
            x -= w;
        }
        choices[choices.len() - 1].0
    }

    /// The steps: sorted by time (ties keep the order they were drafted in), cut after `end`,
    /// numbered, with fixes resolved to the id of their target's first event.
    pub fn finish(mut self, seed: u64, end: Timestamp) -> Vec<Step> {
        self.drafts.sort_by_key(|d| d.now);
        self.drafts.retain(|d| d.now <= end);
        let mut steps = Vec::with_capacity(self.drafts.len());
        let mut tags: Vec<(&'static str, uuid::Uuid)> = Vec::new();
        for (index, d) in self.drafts.into_iter().enumerate() {
            let cid = command_id(seed, index);
            let command = match d.body {
                Body::Command(c) => c,
                Body::Fix {
                    target,
                    reason,
                    replacement,
                } => {
                    let Some((_, event_id)) = tags.iter().find(|(t, _)| *t == target) else {
                        panic!("demo step {index} fixes {target:?}, which is not an earlier step");
                    };
                    match replacement {
                        None => {
                            json!({"type": "VoidEvent", "event_id": event_id, "reason": reason})
                        }
                        Some(r) => {
                            json!({"type": "CorrectEvent", "event_id": event_id, "reason": reason, "replacement": r})
                        }
                    }
                }
            };
            if let Some(tag) = d.tag {
                tags.push((tag, first_event_id(cid)));
            }
            steps.push(Step {
                now: d.now,
                actor: d.actor,
                program: d.program,
                command,
                command_id: cid,
            });
        }
        steps
    }
}

/// A calendar day (panics on an invalid one: the demo's dates are literals).
pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date")
}

/// A local wall-clock time in the organization's zone as an instant.
pub(super) fn at(d: NaiveDate, h: u32, m: u32) -> Timestamp {
    let naive = d.and_hms_opt(h, m, 0).expect("valid demo time");
    at_local(naive)
}

/// A local date-time in the organization's zone as an instant (the earlier one when ambiguous).
pub(super) fn at_local(naive: NaiveDateTime) -> Timestamp {
    let local = chrono_tz::Europe::Paris
        .from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| panic!("{naive} is skipped by a daylight-saving change"));
    Timestamp::from_datetime(local.with_timezone(&chrono::Utc))
}

/// The last instant of a `YYYY-MM-DD` day in the organization's zone.
pub(super) fn end_of(date: &str) -> Timestamp {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("valid end date");
    at(d, 23, 59).plus_seconds(59)
}

/// The date as `YYYY-MM-DD`.
pub(super) fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A local session start as `YYYY-MM-DDTHH:MM`.
pub(super) fn local_start(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// `d` plus `n` days.
pub(super) fn plus(d: NaiveDate, n: i64) -> NaiveDate {
    d + Duration::days(n)
}

/// The first working day (Monday to Friday) on or after `d`.
pub(super) fn workday(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => plus(d, 2),
        Weekday::Sun => plus(d, 1),
        _ => d,
    }
}

/// `n` working days after `d` (`d` itself counts as day 0 and is moved to a working day).
pub(super) fn workdays_after(d: NaiveDate, n: u32) -> NaiveDate {
    let mut d = workday(d);
    for _ in 0..n {
        d = workday(plus(d, 1));
    }
    d
}
