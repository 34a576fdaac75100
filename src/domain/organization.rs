//! The organization's state, folded from the `organization` stream.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::events::{AssessmentSource, Event};
use super::fold::{StreamFold, StreamLog};
use super::meta::EventMeta;
use super::StreamKind;

/// People, skills, latest assessments and the time zone.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Organization {
    /// Display name, once configured.
    pub name: Option<String>,
    /// IANA time zone, once configured.
    pub time_zone: Option<String>,
    /// People by id, including those who left.
    pub people: BTreeMap<String, Person>,
    /// The skill catalogue by id.
    pub skills: BTreeMap<String, Skill>,
    /// Latest assessment per person, then per skill.
    pub assessments: BTreeMap<String, BTreeMap<String, Assessment>>,
    /// Version of the stream folded so far (0 = empty).
    pub version: u64,
    /// The events folded, for voids.
    pub log: StreamLog,
}

/// A person in the organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Display name (`[erased]` after erasure).
    pub name: String,
    /// Department.
    pub department: String,
    /// Branch.
    pub branch: String,
    /// Supervisor id.
    pub supervisor: Option<String>,
    /// Join day.
    pub joined_on: NaiveDate,
    /// Last day, once they left.
    pub left_on: Option<NaiveDate>,
    /// Whether their personal data was erased.
    pub erased: bool,
}

impl Person {
    /// Whether the person has left (any recorded departure counts, whatever its date).
    pub fn has_left(&self) -> bool {
        self.left_on.is_some()
    }

    /// Whether the person had left before `day` (their last day is earlier than `day`).
    pub fn left_before(&self, day: NaiveDate) -> bool {
        self.left_on.is_some_and(|l| l < day)
    }
}

/// A skill of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    /// Display name.
    pub name: String,
}

/// A person's latest level in a skill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// Level 0–4.
    pub level: u8,
    /// Who assessed it.
    pub source: AssessmentSource,
    /// When.
    pub on: NaiveDate,
}

/// The text that replaces an erased person's name.
pub const ERASED_NAME: &str = "[erased]";

impl Organization {
    /// Folds one event of the organization stream. Events of other streams are ignored.
    pub fn apply(&mut self, meta: &EventMeta, ev: &Event) {
        self.fold_event(meta, ev);
    }

    /// The state with one more event voided (used to decide a correction).
    pub(crate) fn without(&self, id: uuid::Uuid, reason: &str) -> Organization {
        self.with_voided(id, reason)
    }

    /// The person with this id.
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.get(id)
    }

    /// The display name of a person, or the id when unknown.
    pub fn name_of(&self, id: &str) -> String {
        self.people
            .get(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

impl StreamFold for Organization {
    const KIND: StreamKind = StreamKind::Organization;

    fn log_mut(&mut self) -> &mut StreamLog {
        &mut self.log
    }

    fn set_version(&mut self, version: u64) {
        self.version = version;
    }

    fn rebuild(&mut self) {
        let log = std::mem::take(&mut self.log);
        let version = self.version;
        *self = Organization {
            log,
            version,
            ..Organization::default()
        };
        let live: Vec<Event> = self.log.live().cloned().collect();
        for ev in &live {
            self.apply_fact(ev);
        }
    }

    fn apply_fact(&mut self, ev: &Event) {
        match ev {
            Event::OrganizationConfigured(e) => {
                self.name = Some(e.name.clone());
                self.time_zone = Some(e.time_zone.clone());
            }
            Event::PersonJoined(e) => {
                self.people.insert(
                    e.person.clone(),
                    Person {
                        name: e.name.clone(),
                        department: e.department.clone(),
                        branch: e.branch.clone(),
                        supervisor: e.supervisor.clone(),
                        joined_on: e.on,
                        left_on: None,
                        erased: false,
                    },
                );
            }
            Event::PersonMoved(e) => {
                if let Some(p) = self.people.get_mut(&e.person) {
                    p.department = e.department.clone();
                    p.branch = e.branch.clone();
                }
            }
            Event::SupervisorChanged(e) => {
                if let Some(p) = self.people.get_mut(&e.person) {
                    p.supervisor = e.supervisor.clone();
                }
            }
            Event::PersonLeft(e) => {
                if let Some(p) = self.people.get_mut(&e.person) {
                    p.left_on = Some(e.on);
                }
            }
            Event::SkillAdded(e) => {
                self.skills.insert(
                    e.skill.clone(),
                    Skill {
                        name: e.name.clone(),
                    },
                );
            }
            Event::SkillAssessed(e) => {
                let by_skill = self.assessments.entry(e.person.clone()).or_default();
                let newer = by_skill.get(&e.skill).is_none_or(|a| e.on >= a.on);
                if newer {
                    by_skill.insert(
                        e.skill.clone(),
                        Assessment {
                            level: e.level,
                            source: e.source,
                            on: e.on,
                        },
                    );
                }
            }
            Event::PersonErased(e) => {
                if let Some(p) = self.people.get_mut(&e.person) {
                    p.name = ERASED_NAME.to_string();
                    p.erased = true;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::codec::decode;
    use crate::domain::time::Timestamp;

    fn fold(events: &[(&str, serde_json::Value)]) -> Organization {
        let mut org = Organization::default();
        let t = Timestamp::EPOCH;
        for (i, (ty, data)) in events.iter().enumerate() {
            let meta = EventMeta {
                seq: i as u64 + 1,
                stream: "organization".into(),
                version: i as u64 + 1,
                id: uuid::Uuid::from_u128(i as u128 + 1),
                recorded_at: t,
                occurred_at: t,
                actor: "t".into(),
            };
            org.apply(&meta, &decode(ty, 1, data).unwrap());
        }
        org
    }

    #[test]
    fn the_latest_assessment_by_date_counts() {
        let joined = (
            "PersonJoined",
            json!({"person": "ann", "name": "Ann", "department": "d", "branch": "b", "on": "2026-01-01"}),
        );
        let a = |level: u8, on: &str| {
            (
                "SkillAssessed",
                json!({"person": "ann", "skill": "s", "level": level, "source": "self", "on": on}),
            )
        };
        // A back-dated assessment recorded later does not replace a newer one; same day: log order.
        let org = fold(&[joined.clone(), a(3, "2026-03-01"), a(1, "2026-02-01")]);
        assert_eq!(org.assessments["ann"]["s"].level, 3);
        let org = fold(&[joined, a(3, "2026-03-01"), a(2, "2026-03-01")]);
        assert_eq!(org.assessments["ann"]["s"].level, 2);
    }

    #[test]
    fn erasure_forgets_the_name() {
        let org = fold(&[
            (
                "PersonJoined",
                json!({"person": "ann", "name": "Ann", "department": "d", "branch": "b", "on": "2026-01-01"}),
            ),
            ("PersonErased", json!({"person": "ann"})),
        ]);
        assert_eq!(
            (org.name_of("ann").as_str(), org.people["ann"].erased),
            (ERASED_NAME, true)
        );
    }
}
