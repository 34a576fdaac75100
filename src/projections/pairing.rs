//! Pairing suggestions from the skills matrix.
//!
//! # Definitions
//!
//! - **Levels** are each active person's latest assessed level per skill (people who left
//!   before today and erased people are left out); a person **holds** a skill by the rule of
//!   `risk` (level ≥ 2 and ≥ 0.75 × the best level).
//! - **Needed skills** of a mentee: the desired outcome's skill when one is set, else every
//!   catalogue skill they do not hold. Of a training program: the skills its modules teach.
//! - **Load** of a person: mentoring pairs they mentor and sessions they teach that are still
//!   scheduled, across every program.
//! - **Mentors for an unpaired mentee** (an audience member in no pair): holders of a needed
//!   skill, other than the mentee, ranked by: not the *only* holder of any skill (their time
//!   is the organization's scarcest), lowest load, same branch as the mentee, highest level,
//!   then id. At most [`SUGGESTIONS`] per mentee, each with its reason.
//! - **Trainers for a training program**: holders of a module's skill at or above its target
//!   level who were never invited (whatever their answer) and are not learners of it, ranked
//!   the same way (without the branch).
//! - **For risk**: for each single-holder skill, the holder mentoring the active person with
//!   the highest level below holding it (ties: lowest load, then id); the truck factor after
//!   is computed as if the mentee reached the holder's level. Pairs that would not raise it
//!   are left out; the rest are ordered by how much it rises (the gain), then by skill.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::domain::events::ProgramKind;
use crate::domain::program::SessionStatus;
use crate::domain::{today, Organization, Program, Timestamp};

use super::dashboard::audience;
use super::risk::{holders, truck_factor};
use super::world::World;

/// Suggestions per mentee or module skill.
pub const SUGGESTIONS: usize = 3;

/// One suggested person.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    /// Id.
    pub person: String,
    /// Name.
    pub name: String,
    /// The skill they would pass on.
    pub skill: String,
    /// Their level in it.
    pub level: u8,
    /// Their load now.
    pub load: u32,
    /// Why, in words.
    pub reason: String,
}

/// Suggestions for one mentee, or for one skill of a training program's modules.
#[derive(Clone, Debug, Serialize)]
pub struct Suggestion {
    /// The mentee (mentoring) or the module (training).
    pub r#for: String,
    /// Their name, or the module's title.
    pub name: String,
    /// The candidates, best first.
    pub candidates: Vec<Candidate>,
    /// Holders left out because they are already invited to the program (whatever their
    /// answer) or are its learners (training only; left out of the JSON when none), so an
    /// empty list can say why it is empty.
    #[serde(skip_serializing_if = "is_zero")]
    pub left_out: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A pair that would end a single-holder skill.
#[derive(Clone, Debug, Serialize)]
pub struct RiskPair {
    /// The skill held by one person only.
    pub skill: String,
    /// Its holder, the mentor.
    pub mentor: String,
    /// The mentee.
    pub mentee: String,
    /// The mentee's name.
    pub mentee_name: String,
    /// The mentee's level now (none when never assessed).
    pub mentee_level: Option<u8>,
    /// The truck factor now.
    pub truck_factor_before: u32,
    /// The truck factor if the mentee reached the holder's level.
    pub truck_factor_after: u32,
    /// How much it rises (after − before; always at least 1: pairs that raise nothing are
    /// not suggested).
    pub gain: u32,
}

/// Active people's latest levels.
fn levels(org: &Organization, now: Timestamp) -> BTreeMap<String, BTreeMap<String, u8>> {
    let today = today(org, now);
    org.assessments
        .iter()
        .filter(|(id, _)| {
            org.person(id)
                .is_some_and(|p| !p.erased && !p.left_before(today))
        })
        .map(|(id, m)| {
            (
                id.clone(),
                m.iter().map(|(s, a)| (s.clone(), a.level)).collect(),
            )
        })
        .collect()
}

/// Pairs mentored and sessions still to teach, per person, across programs.
fn loads(world: &World) -> BTreeMap<String, u32> {
    let mut load: BTreeMap<String, u32> = BTreeMap::new();
    for p in world.programs.values().filter(|p| p.archived.is_none()) {
        for pair in p.pairs.values() {
            *load.entry(pair.mentor.clone()).or_default() += 1;
        }
        for s in p
            .sessions
            .values()
            .filter(|s| s.status == SessionStatus::Scheduled)
        {
            for t in &s.trainers {
                *load.entry(t.clone()).or_default() += 1;
            }
        }
    }
    load
}

struct Matrix {
    levels: BTreeMap<String, BTreeMap<String, u8>>,
    holders: BTreeMap<String, BTreeSet<String>>,
    single: BTreeSet<String>,
    load: BTreeMap<String, u32>,
}

impl Matrix {
    fn new(world: &World, now: Timestamp) -> Matrix {
        let levels = levels(&world.org, now);
        let holders = holders(&levels);
        let single = holders
            .values()
            .filter(|h| h.len() == 1)
            .flat_map(|h| h.iter().cloned())
            .collect();
        Matrix {
            levels,
            holders,
            single,
            load: loads(world),
        }
    }

    fn level(&self, person: &str, skill: &str) -> u8 {
        self.levels
            .get(person)
            .and_then(|m| m.get(skill))
            .copied()
            .unwrap_or(0)
    }

    fn load(&self, person: &str) -> u32 {
        self.load.get(person).copied().unwrap_or(0)
    }

    /// Ranked candidates who hold `skill` (at `min_level` or more), skipping `skip`.
    fn candidates(
        &self,
        org: &Organization,
        skill: &str,
        min_level: u8,
        branch: Option<&str>,
        skip: &dyn Fn(&str) -> bool,
    ) -> Vec<Candidate> {
        let Some(hs) = self.holders.get(skill) else {
            return Vec::new();
        };
        let mut list: Vec<(bool, u32, bool, std::cmp::Reverse<u8>, &String)> = hs
            .iter()
            .filter(|h| !skip(h) && self.level(h, skill) >= min_level)
            .map(|h| {
                let same = branch.is_some_and(|b| org.person(h).is_some_and(|p| p.branch == b));
                (
                    self.single.contains(h),
                    self.load(h),
                    !same,
                    std::cmp::Reverse(self.level(h, skill)),
                    h,
                )
            })
            .collect();
        list.sort();
        list.into_iter()
            .take(SUGGESTIONS)
            .map(|(single, load, other_branch, level, h)| {
                let mut why = vec![format!("holds {skill} at level {}", level.0)];
                why.push(match load {
                    0 => "no current load".to_string(),
                    n => format!("load {n}"),
                });
                if branch.is_some() {
                    why.push(if other_branch {
                        "another branch".to_string()
                    } else {
                        "same branch".to_string()
                    });
                }
                if single {
                    why.push("the only holder of a skill: their time is scarce".to_string());
                }
                Candidate {
                    person: h.clone(),
                    name: org.name_of(h),
                    skill: skill.to_string(),
                    level: level.0,
                    load,
                    reason: why.join(", "),
                }
            })
            .collect()
    }
}

/// Mentors for each unpaired mentee (mentoring) or peers to invite as trainers for each module
/// skill (training) of `p`.
pub fn suggest(world: &World, p: &Program, now: Timestamp) -> Vec<Suggestion> {
    let org = &world.org;
    let m = Matrix::new(world, now);
    let today = today(org, now);
    match p.kind {
        ProgramKind::Mentoring => {
            let paired: BTreeSet<&str> = p.pairs.values().map(|x| x.mentee.as_str()).collect();
            let mut out = Vec::new();
            for mentee in audience(org, p, today) {
                if paired.contains(mentee.as_str()) {
                    continue;
                }
                let needed: Vec<String> = match &p.desired_outcome {
                    Some(o) => vec![o.skill.clone()],
                    None => org
                        .skills
                        .keys()
                        .filter(|s| !m.holders.get(*s).is_some_and(|h| h.contains(&mentee)))
                        .cloned()
                        .collect(),
                };
                let branch = org.person(&mentee).map(|x| x.branch.clone());
                let mut candidates: Vec<Candidate> = needed
                    .iter()
                    .flat_map(|s| {
                        m.candidates(org, s, 0, branch.as_deref(), &|h: &str| h == mentee)
                    })
                    .collect();
                // Best first over all needed skills, one line per person.
                candidates.sort_by_key(|c| {
                    (
                        m.single.contains(&c.person),
                        c.load,
                        branch.as_deref() != org.person(&c.person).map(|x| x.branch.as_str()),
                        std::cmp::Reverse(c.level),
                        c.person.clone(),
                    )
                });
                let mut seen = BTreeSet::new();
                candidates.retain(|c| seen.insert(c.person.clone()));
                candidates.truncate(SUGGESTIONS);
                out.push(Suggestion {
                    name: org.name_of(&mentee),
                    r#for: mentee,
                    candidates,
                    left_out: 0,
                });
            }
            out
        }
        ProgramKind::Training => {
            // Anyone invited already answered (or will): accepted, declined or withdrew.
            let invited = |h: &str| p.trainers.contains_key(h);
            let mut out = Vec::new();
            for (id, module) in &p.modules {
                for target in &module.skills {
                    let skip = |h: &str| invited(h) || p.is_active_learner(h);
                    let candidates = m.candidates(org, &target.skill, target.level, None, &skip);
                    let left_out = m.holders.get(&target.skill).map_or(0, |hs| {
                        hs.iter()
                            .filter(|h| m.level(h, &target.skill) >= target.level && skip(h))
                            .count()
                    });
                    out.push(Suggestion {
                        r#for: format!("{id}/{}", target.skill),
                        name: module.title.clone(),
                        candidates,
                        left_out,
                    });
                }
            }
            out
        }
    }
}

/// Pairs that would end single-holder skills, with the truck factor before and after.
pub fn for_risk(world: &World, now: Timestamp) -> Vec<RiskPair> {
    let org = &world.org;
    let m = Matrix::new(world, now);
    let catalogue: BTreeSet<String> = org.skills.keys().cloned().collect();
    let name_of = |p: &str| org.name_of(p);
    let before = truck_factor(&catalogue, &m.holders, name_of).value;
    let today = today(org, now);
    let active: Vec<&String> = org
        .people
        .iter()
        .filter(|(_, p)| !p.erased && !p.left_before(today))
        .map(|(id, _)| id)
        .collect();
    let mut out = Vec::new();
    for (skill, hs) in &m.holders {
        if hs.len() != 1 {
            continue;
        }
        let Some(holder) = hs.iter().next() else {
            continue;
        };
        let mentee = active.iter().filter(|p| **p != holder).min_by_key(|p| {
            (
                std::cmp::Reverse(m.level(p, skill)),
                m.load(p),
                p.to_string(),
            )
        });
        let Some(mentee) = mentee else { continue };
        let mut levels = m.levels.clone();
        levels
            .entry((*mentee).clone())
            .or_default()
            .insert(skill.clone(), m.level(holder, skill));
        let after = truck_factor(&catalogue, &holders(&levels), name_of).value;
        // A pair that leaves the truck factor where it is (another skill still has a single
        // holder) is no answer to the risk.
        if after <= before {
            continue;
        }
        out.push(RiskPair {
            skill: skill.clone(),
            mentor: holder.clone(),
            mentee: (*mentee).clone(),
            mentee_name: org.name_of(mentee),
            mentee_level: m.levels.get(*mentee).and_then(|l| l.get(skill)).copied(),
            truck_factor_before: before,
            truck_factor_after: after,
            gain: after - before,
        });
    }
    out.sort_by(|a, b| (b.gain, &a.skill).cmp(&(a.gain, &b.skill)));
    out
}
