//! Supervisors across programs: the release time each was asked for, promised and delivered,
//! summed over every program's commitment ledger (`dashboard::ledger`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::{today, Timestamp};

use super::dashboard::ledger;
use super::world::World;

/// Every supervisor asked for release time, as of a day.
#[derive(Clone, Debug, Serialize)]
pub struct SupervisorsView {
    /// The day considered, in the organization's zone.
    pub today: NaiveDate,
    /// One row per supervisor, by id.
    pub supervisors: Vec<SupervisorRow>,
}

/// One supervisor's release time across programs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SupervisorRow {
    /// Supervisor id.
    pub supervisor: String,
    /// Name.
    pub name: String,
    /// The programs that asked them, by slug.
    pub programs: Vec<String>,
    /// Learners with a commitment record, over all programs.
    pub learners: u32,
    /// Minutes asked.
    pub minutes_asked: u32,
    /// Minutes promised (standing commitments).
    pub minutes_committed: u32,
    /// Minutes delivered: held sessions their learners attended.
    pub minutes_delivered: u32,
    /// Absences for lack of release time.
    pub no_release_time_absences: u32,
    /// Requests declined.
    pub declined: u32,
    /// Commitments withdrawn.
    pub withdrawn: u32,
    /// Kept in every program where it can be judged: `false` if broken in any, `true` if kept
    /// in at least one and broken in none, none when nothing was promised yet.
    pub kept: Option<bool>,
}

/// The supervisors' view of `world` as of `now`.
pub fn supervisors(world: &World, now: Timestamp) -> SupervisorsView {
    let org = &world.org;
    let mut rows: BTreeMap<String, SupervisorRow> = BTreeMap::new();
    for (slug, p) in &world.programs {
        for l in ledger(org, p) {
            let row = rows
                .entry(l.supervisor.clone())
                .or_insert_with(|| SupervisorRow {
                    supervisor: l.supervisor.clone(),
                    name: l.name.clone(),
                    ..SupervisorRow::default()
                });
            row.programs.push(slug.clone());
            row.learners += l.learners;
            row.minutes_asked = row.minutes_asked.saturating_add(l.minutes_asked);
            row.minutes_committed = row.minutes_committed.saturating_add(l.minutes_committed);
            row.minutes_delivered = row.minutes_delivered.saturating_add(l.minutes_delivered);
            row.no_release_time_absences += l.no_release_time_absences;
            row.declined += l.declined;
            row.withdrawn += l.withdrawn;
            row.kept = match (row.kept, l.kept) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), _) | (_, Some(true)) => Some(true),
                (None, None) => None,
            };
        }
    }
    SupervisorsView {
        today: today(org, now),
        supervisors: rows.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn release_time_is_summed_over_programs() {
        let mut log = crate::projections::dashboard::tests::rollout();
        let one = supervisors(&log.replay(World::default()), log_now());
        // The roll-out asks dora for ann's time (and more): one program so far.
        let dora = one
            .supervisors
            .iter()
            .find(|r| r.supervisor == "dora")
            .unwrap()
            .clone();
        assert_eq!(dora.programs, ["cat"]);
        log.at("2026-03-30T09:00:00Z")
            .prog("two", json!({"type": "CreateProgram", "program": "two", "kind": "training", "title": "Two"}))
            .prog("two", json!({"type": "EnrolLearner", "person": "ann"}))
            .prog("two", json!({"type": "AskCommitment", "learner": "ann", "minutes": 120}))
            .prog("two", json!({"type": "CommitReleaseTime", "learner": "ann", "minutes": 90}));
        let both = supervisors(&log.replay(World::default()), log_now());
        let dora2 = both
            .supervisors
            .iter()
            .find(|r| r.supervisor == "dora")
            .unwrap();
        assert_eq!(dora2.programs, ["cat", "two"]);
        assert_eq!(dora2.minutes_asked, dora.minutes_asked + 120);
        assert_eq!(dora2.minutes_committed, dora.minutes_committed + 90);
        assert_eq!(dora2.minutes_delivered, dora.minutes_delivered);
        assert_eq!(dora2.learners, dora.learners + 1);
    }

    fn log_now() -> Timestamp {
        Timestamp::parse_lenient("2026-04-01T10:00:00Z").unwrap()
    }
}
