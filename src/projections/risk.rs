//! Skills and knowledge risk: the skill × person matrix (with decay), holders per skill,
//! single-holder skills, the truck factor and coverage over time.
//!
//! # Definitions
//!
//! - A person's **level** in a skill is their latest assessment (by date, then log order; any
//!   source). **Leavers** (last day before the day considered) hold nothing and are left out.
//! - The **estimated** level decays the gain of training, not the whole level: `before +
//!   (level − before) × retention` ([`retention::retained_level`]), where *retention* is read
//!   today from the retention trace ([`retention::SpacedTrace`] of
//!   [`retention::program_skill`]: mixed measures, half-life 11 months) trained on the
//!   assessment day and exposed on each later day the person logged practice of that skill in
//!   any program (of that day's minutes), and *before* is the level before training
//!   ([`level_before_training`]): the earliest assessment of the skill when there are several
//!   (at most the level); when the latest is the only one, 0 if it is a program evaluation (the
//!   gain of a training whose starting level was not recorded), else the level itself (a level
//!   seen on the job, not a gain of training the log knows of, does not decay).
//! - A person **holds** a skill when their level is at least 2 and at least 0.75 × the highest
//!   level any (non-leaving) person has in that skill. Holding uses assessed levels, not
//!   estimated ones, so that it matches what people were last seen to do.
//! - **Truck factor** (adapted from Avelino et al. 2016): holders are computed once; then the
//!   person who holds the most skills is removed, ties broken by name ascending (then id), again
//!   and again until fewer than 50 % of the catalogue's skills keep at least one holder. The
//!   truck factor is the number of people removed (0 for an empty catalogue, or when fewer than
//!   50 % are covered to begin with).
//! - **Coverage over time**: on the first day of each month from the month of the first
//!   assessment to today's, and on today, the share of the catalogue (as it is today: skills carry
//!   no date) with at least one holder, using the assessments made by that day and the people
//!   who had not left by then.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Included};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::events::AssessmentSource;
use crate::domain::retention::{self, SpacedTrace};
use crate::domain::{today, Event, EventMeta, Organization, StreamKind, Timestamp};

use super::{round3, Projection};

/// The share of the catalogue that must lose its holders to stop the truck-factor removal.
pub const TRUCK_FACTOR_THRESHOLD: f64 = 0.5;

/// The skills-risk fold: the organization, and the practice logged in every program (a compact
/// state, so that its checkpoint stays small on a long log).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SkillsRisk {
    org: Organization,
    /// Practice that counts, per program stream (once the program exists), by event id: a void
    /// removes its entry, which is what replaying the program without the voided event does.
    /// Saved in a compact form ([`compact`]).
    #[serde(with = "compact")]
    practice: BTreeMap<String, BTreeMap<Uuid, Practice>>,
    /// Practice a void removed, by the void's id (with the practice's own id), so that voiding
    /// that void puts it back.
    #[serde(default)]
    removed: BTreeMap<Uuid, (String, Uuid, Practice)>,
}

/// One practice of a skill by a person. Saved as `[person, skill, on, minutes]`: a long log
/// holds hundreds of thousands of them, and the checkpoint is read and written whole.
#[derive(Clone, Debug)]
struct Practice {
    /// Shared: a program's practices name a few people and skills many times over.
    person: Arc<str>,
    skill: Arc<str>,
    on: NaiveDate,
    minutes: u32,
}

impl Serialize for Practice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (&*self.person, &*self.skill, self.on, self.minutes).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Practice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (person, skill, on, minutes): (String, String, NaiveDate, u32) =
            Deserialize::deserialize(deserializer)?;
        Ok(Practice {
            person: person.into(),
            skill: skill.into(),
            on,
            minutes,
        })
    }
}

/// The saved form of [`SkillsRisk`]'s practice: a long log holds hundreds of thousands of
/// practices, and the checkpoint is read and written whole by every `risk` after an append.
/// Per program, the names its practices use once each, the event ids as one string of
/// 32-digit hex ids, and four numbers per practice (in id order): the person's and the
/// skill's index in the names, the day (days from 0001-01-01, day 1) and the minutes.
/// Decoding builds what the fold holds and checks every index, day and id.
mod compact {
    use std::collections::{BTreeMap, HashMap};
    use std::sync::Arc;

    use chrono::{Datelike, NaiveDate};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use uuid::Uuid;

    use super::Practice;

    #[derive(Serialize, Deserialize)]
    struct Program {
        names: Vec<String>,
        ids: String,
        rows: Vec<u32>,
    }

    const ROW: usize = 4;
    const ID_DIGITS: usize = 32;

    /// `name`'s index in `names`, added when new.
    fn intern<'a>(
        index: &mut HashMap<&'a str, u32>,
        names: &mut Vec<String>,
        name: &'a str,
    ) -> u32 {
        *index.entry(name).or_insert_with(|| {
            names.push(name.to_string());
            (names.len() - 1) as u32
        })
    }

    fn program(practices: &BTreeMap<Uuid, Practice>) -> Program {
        let mut names = Vec::new();
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut ids = String::with_capacity(practices.len() * ID_DIGITS);
        let mut rows = Vec::with_capacity(practices.len() * ROW);
        for (id, p) in practices {
            ids.push_str(id.simple().encode_lower(&mut Uuid::encode_buffer()));
            let person = intern(&mut index, &mut names, &p.person);
            let skill = intern(&mut index, &mut names, &p.skill);
            rows.extend([person, skill, p.on.num_days_from_ce() as u32, p.minutes]);
        }
        Program { names, ids, rows }
    }

    pub fn serialize<S: Serializer>(
        practice: &BTreeMap<String, BTreeMap<Uuid, Practice>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_map(practice.iter().map(|(stream, p)| (stream, program(p))))
    }

    fn practices(saved: Program) -> Result<BTreeMap<Uuid, Practice>, String> {
        let names: Vec<Arc<str>> = saved.names.iter().map(|n| Arc::from(n.as_str())).collect();
        let n = saved.rows.len() / ROW;
        if !saved.rows.len().is_multiple_of(ROW) || saved.ids.len() != n * ID_DIGITS {
            return Err(format!(
                "{} numbers and {} id digits for {n} practices",
                saved.rows.len(),
                saved.ids.len()
            ));
        }
        let name = |i: u32| {
            names
                .get(i as usize)
                .cloned()
                .ok_or_else(|| format!("no name {i}"))
        };
        // Saved in id order: checked, then built in one pass.
        let mut out: Vec<(Uuid, Practice)> = Vec::with_capacity(n);
        for (k, row) in saved.rows.chunks_exact(ROW).enumerate() {
            let digits = saved
                .ids
                .get(k * ID_DIGITS..(k + 1) * ID_DIGITS)
                .ok_or("an id is cut short")?;
            let id = Uuid::try_parse(digits).map_err(|e| format!("id {digits}: {e}"))?;
            let on = i32::try_from(row[2])
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .ok_or_else(|| format!("day {}", row[2]))?;
            let practice = Practice {
                person: name(row[0])?,
                skill: name(row[1])?,
                on,
                minutes: row[3],
            };
            if out.last().is_some_and(|(last, _)| *last >= id) {
                return Err(format!("id {id} out of order or twice"));
            }
            out.push((id, practice));
        }
        Ok(out.into_iter().collect())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<String, BTreeMap<Uuid, Practice>>, D::Error> {
        let saved: BTreeMap<String, Program> = Deserialize::deserialize(deserializer)?;
        saved
            .into_iter()
            .map(|(stream, p)| Ok((stream, practices(p).map_err(D::Error::custom)?)))
            .collect()
    }
}

impl Projection for SkillsRisk {
    fn update(&mut self, meta: &EventMeta, ev: &Event) {
        match ev {
            _ if ev.stream_kind() == StreamKind::Organization => self.org.apply(meta, ev),
            Event::ProgramCreated(_) => {
                self.practice.entry(meta.stream.clone()).or_default();
            }
            Event::PracticeLogged(p) => {
                if let Some(program) = self.practice.get_mut(&meta.stream) {
                    program.insert(
                        meta.id,
                        Practice {
                            person: p.person.as_str().into(),
                            skill: p.skill.as_str().into(),
                            on: p.on,
                            minutes: p.minutes,
                        },
                    );
                }
            }
            Event::EventVoided(v) => {
                if let Some((stream, id, practice)) = self.removed.remove(&v.event_id) {
                    if let Some(program) = self.practice.get_mut(&stream) {
                        program.insert(id, practice);
                    }
                } else if let Some(program) = self.practice.get_mut(&meta.stream) {
                    if let Some(practice) = program.remove(&v.event_id) {
                        self.removed
                            .insert(meta.id, (meta.stream.clone(), v.event_id, practice));
                    }
                }
            }
            _ => {}
        }
    }
}

impl SkillsRisk {
    /// The organization as folded so far.
    pub fn organization(&self) -> &Organization {
        &self.org
    }

    /// The risk view as of `now`.
    pub fn result(&self, now: Timestamp) -> RiskView {
        compute(self, now)
    }
}

/// Everything the risk view shows.
#[derive(Clone, Debug, Serialize)]
pub struct RiskView {
    /// The day considered.
    pub today: NaiveDate,
    /// Per skill: holders and best level.
    pub skills: Vec<SkillRow>,
    /// Per (non-leaving) person: level and estimated level per assessed skill.
    pub matrix: Vec<MatrixRow>,
    /// Skills held by exactly one person.
    pub single_holder: Vec<SingleHolder>,
    /// Skills nobody holds.
    pub uncovered: Vec<String>,
    /// The truck factor and who was removed.
    pub truck_factor: TruckFactor,
    /// Coverage over time.
    pub coverage: Vec<CoveragePoint>,
}

/// One skill's holders.
#[derive(Clone, Debug, Serialize)]
pub struct SkillRow {
    /// Id.
    pub skill: String,
    /// Name.
    pub name: String,
    /// Highest level.
    pub max_level: u8,
    /// Holders, by id.
    pub holders: Vec<String>,
}

/// One person's row of the matrix.
#[derive(Clone, Debug, Serialize)]
pub struct MatrixRow {
    /// Id.
    pub person: String,
    /// Name.
    pub name: String,
    /// Cells by skill id.
    pub skills: BTreeMap<String, MatrixCell>,
}

/// One cell of the matrix.
#[derive(Clone, Debug, Serialize)]
pub struct MatrixCell {
    /// Latest assessed level.
    pub level: u8,
    /// Assessed on.
    pub assessed_on: NaiveDate,
    /// The level before training, which the estimate decays toward.
    pub before: u8,
    /// The estimated level today: `before + (level − before) × retention`.
    pub estimated: f64,
    /// Whether the person holds the skill.
    pub holds: bool,
}

/// A skill with a single holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SingleHolder {
    /// Skill id.
    pub skill: String,
    /// Skill name.
    pub skill_name: String,
    /// Holder id.
    pub person: String,
    /// Holder name.
    pub person_name: String,
}

/// The truck factor.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TruckFactor {
    /// People removed.
    pub value: u32,
    /// Catalogue size.
    pub catalogue: u32,
    /// Skills with a holder before any removal.
    pub covered_before: u32,
    /// Skills with a holder after the removals.
    pub covered_after: u32,
    /// Who was removed, in order, with how many skills they held.
    pub removed: Vec<Removed>,
}

/// One removal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// Id.
    pub person: String,
    /// Name.
    pub name: String,
    /// Skills held.
    pub skills_held: u32,
    /// Skills still with a holder after this removal.
    pub covered_after: u32,
}

/// Coverage on one day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoveragePoint {
    /// The day.
    pub date: NaiveDate,
    /// Skills with a holder.
    pub covered: u32,
    /// Catalogue size.
    pub catalogue: u32,
    /// covered ÷ catalogue.
    pub share: Option<f64>,
}

/// Holders per skill from levels per person and skill (the rule in the module docs).
pub fn holders(
    levels: &BTreeMap<String, BTreeMap<String, u8>>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut max: BTreeMap<&str, u8> = BTreeMap::new();
    for skills in levels.values() {
        for (s, l) in skills {
            let m = max.entry(s).or_insert(0);
            *m = (*m).max(*l);
        }
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (person, skills) in levels {
        for (s, &l) in skills {
            // l ≥ 0.75 × max, in integers: 4·l ≥ 3·max.
            if l >= 2 && 4 * l as u32 >= 3 * max[s.as_str()] as u32 {
                out.entry(s.clone()).or_default().insert(person.clone());
            }
        }
    }
    out
}

/// The truck factor of a catalogue of `catalogue` skill ids, given holders per skill and each
/// person's name (for ties).
pub fn truck_factor(
    catalogue: &BTreeSet<String>,
    holders: &BTreeMap<String, BTreeSet<String>>,
    name_of: impl Fn(&str) -> String,
) -> TruckFactor {
    let total = catalogue.len() as u32;
    let mut held: BTreeMap<&str, u32> = BTreeMap::new();
    for (s, hs) in holders {
        if catalogue.contains(s) {
            for h in hs {
                *held.entry(h).or_insert(0) += 1;
            }
        }
    }
    let covered = |removed: &BTreeSet<&str>| {
        catalogue
            .iter()
            .filter(|s| {
                holders
                    .get(*s)
                    .is_some_and(|hs| hs.iter().any(|h| !removed.contains(h.as_str())))
            })
            .count() as u32
    };
    let below = |c: u32| (c as f64) < TRUCK_FACTOR_THRESHOLD * total as f64;
    let covered_before = covered(&BTreeSet::new());
    let mut removed_set: BTreeSet<&str> = BTreeSet::new();
    let mut removed = Vec::new();
    let mut now_covered = covered_before;
    while total > 0 && !below(now_covered) {
        let next = held
            .iter()
            .filter(|(p, _)| !removed_set.contains(*p))
            .map(|(p, n)| (*p, *n, name_of(p)))
            .min_by(|a, b| {
                b.1.cmp(&a.1)
                    .then_with(|| a.2.cmp(&b.2))
                    .then_with(|| a.0.cmp(b.0))
            });
        let Some((p, n, name)) = next else { break };
        removed_set.insert(p);
        now_covered = covered(&removed_set);
        removed.push(Removed {
            person: p.to_string(),
            name,
            skills_held: n,
            covered_after: now_covered,
        });
    }
    TruckFactor {
        value: removed.len() as u32,
        catalogue: total,
        covered_before,
        covered_after: now_covered,
        removed,
    }
}

/// One person's assessments of one skill by the day considered, in order (by date, then log
/// order): the last is the latest.
type History = Vec<(u8, NaiveDate, AssessmentSource)>;

/// Assessments per person and skill by the end of `day`, without people who left before it.
fn histories_on(org: &Organization, day: NaiveDate) -> BTreeMap<String, BTreeMap<String, History>> {
    let mut out: BTreeMap<String, BTreeMap<String, History>> = BTreeMap::new();
    for ev in org.log.live() {
        if let Event::SkillAssessed(a) = ev {
            if a.on > day || org.person(&a.person).is_none_or(|p| p.left_before(day)) {
                continue;
            }
            let h = out
                .entry(a.person.clone())
                .or_default()
                .entry(a.skill.clone())
                .or_default();
            // After every assessment dated on or before this one (a stable insertion).
            let at = h.partition_point(|(_, on, _)| *on <= a.on);
            h.insert(at, (a.level, a.on, a.source));
        }
    }
    out
}

/// Latest levels per person and skill by the end of `day`, without people who left before it.
fn levels_on(
    org: &Organization,
    day: NaiveDate,
) -> BTreeMap<String, BTreeMap<String, (u8, NaiveDate)>> {
    latest(&histories_on(org, day))
}

fn latest(
    histories: &BTreeMap<String, BTreeMap<String, History>>,
) -> BTreeMap<String, BTreeMap<String, (u8, NaiveDate)>> {
    histories
        .iter()
        .map(|(p, m)| {
            let cells = m
                .iter()
                .filter_map(|(s, h)| h.last().map(|&(l, on, _)| (s.clone(), (l, on))))
                .collect();
            (p.clone(), cells)
        })
        .collect()
}

/// The level held before the training whose gains decay, from one person's assessments of one
/// skill in order (by date, then log order; the last is the latest): the earliest level when
/// there are several, at most the latest; when the latest is the only one, 0 if it is a program
/// evaluation (the starting level was not recorded), else that level (a level seen on the job
/// is not a gain of training the log knows of). 0 without any assessment.
pub fn level_before_training(history: &[(u8, AssessmentSource)]) -> u8 {
    match history {
        [] => 0,
        [(_, AssessmentSource::Evaluation)] => 0,
        [(level, _)] => *level,
        [(first, _), .., (last, _)] => (*first).min(*last),
    }
}

fn plain(
    levels: &BTreeMap<String, BTreeMap<String, (u8, NaiveDate)>>,
) -> BTreeMap<String, BTreeMap<String, u8>> {
    levels
        .iter()
        .map(|(p, m)| {
            (
                p.clone(),
                m.iter().map(|(s, (l, _))| (s.clone(), *l)).collect(),
            )
        })
        .collect()
}

fn compute(state: &SkillsRisk, now: Timestamp) -> RiskView {
    let org = &state.org;
    let today = today(org, now);
    let catalogue: BTreeSet<String> = org.skills.keys().cloned().collect();
    let histories = histories_on(org, today);
    let dated = latest(&histories);
    let levels = plain(&dated);
    let hold = holders(&levels);

    // Practice minutes per (person, skill) and day, across programs.
    let mut practice: BTreeMap<(&str, &str), BTreeMap<NaiveDate, f64>> = BTreeMap::new();
    for x in state.practice.values().flat_map(BTreeMap::values) {
        *practice
            .entry((&*x.person, &*x.skill))
            .or_default()
            .entry(x.on)
            .or_insert(0.0) += x.minutes as f64;
    }
    let day_num = |d: NaiveDate| (d - NaiveDate::MIN).num_days() as f64;

    let matrix = histories
        .iter()
        .map(|(person, skills)| MatrixRow {
            person: person.clone(),
            name: org.name_of(person),
            skills: skills
                .iter()
                .filter_map(|(s, history)| {
                    let &(level, on, _) = history.last()?;
                    let mut trace = SpacedTrace::trained(
                        retention::program_skill(),
                        day_num(on),
                        retention::RETENTION_INTERVAL_DAYS,
                    );
                    if let Some(days) = practice.get(&(person.as_str(), s.as_str())) {
                        for (d, minutes) in days.range((Excluded(on), Included(today))) {
                            trace.expose(day_num(*d), *minutes);
                        }
                    }
                    let sources: Vec<_> = history.iter().map(|&(l, _, src)| (l, src)).collect();
                    let before = level_before_training(&sources);
                    let r = trace.retention(day_num(today));
                    let cell = MatrixCell {
                        level,
                        assessed_on: on,
                        before,
                        estimated: round3(retention::retained_level(
                            before as f64,
                            level as f64,
                            r,
                        )),
                        holds: hold.get(s).is_some_and(|h| h.contains(person)),
                    };
                    Some((s.clone(), cell))
                })
                .collect(),
        })
        .collect();

    let skills = org
        .skills
        .iter()
        .map(|(id, sk)| SkillRow {
            skill: id.clone(),
            name: sk.name.clone(),
            max_level: levels
                .values()
                .filter_map(|m| m.get(id))
                .copied()
                .max()
                .unwrap_or(0),
            holders: hold
                .get(id)
                .map(|h| h.iter().cloned().collect())
                .unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let single_holder = skills
        .iter()
        .filter(|s| s.holders.len() == 1)
        .map(|s| SingleHolder {
            skill: s.skill.clone(),
            skill_name: s.name.clone(),
            person: s.holders[0].clone(),
            person_name: org.name_of(&s.holders[0]),
        })
        .collect();
    let uncovered = skills
        .iter()
        .filter(|s| s.holders.is_empty())
        .map(|s| s.skill.clone())
        .collect();
    let truck = truck_factor(&catalogue, &hold, |p| org.name_of(p));

    // Coverage over time.
    let first = org
        .log
        .live()
        .filter_map(|e| match e {
            Event::SkillAssessed(a) => Some(a.on),
            _ => None,
        })
        .min();
    let mut dates = Vec::new();
    if let Some(first) = first {
        let mut d = NaiveDate::from_ymd_opt(first.year(), first.month(), 1).unwrap_or(first);
        while d <= today {
            dates.push(d);
            d = d
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(NaiveDate::MAX);
        }
        if dates.last() != Some(&today) {
            dates.push(today);
        }
    }
    let coverage = dates
        .into_iter()
        .map(|d| {
            let h = holders(&plain(&levels_on(org, d)));
            let covered = catalogue.iter().filter(|s| h.contains_key(*s)).count() as u32;
            let n = catalogue.len() as u32;
            CoveragePoint {
                date: d,
                covered,
                catalogue: n,
                share: (n > 0).then(|| round3(covered as f64 / n as f64)),
            }
        })
        .collect();

    RiskView {
        today,
        skills,
        matrix,
        single_holder,
        uncovered,
        truck_factor: truck,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::projections::testlog::TestLog;

    /// Five skills; ann holds a and b; Bob (id p-9) holds b; Cat (id p-1) holds d; eve holds c;
    /// dan is below level 2; fay held e but left.
    fn org() -> TestLog {
        let mut log = TestLog::new();
        log.at("2026-01-05T09:00:00Z")
            .org(json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "UTC"}));
        for (id, name) in [
            ("ann", "Ann"),
            ("p-9", "Bob"),
            ("p-1", "Cat"),
            ("dan", "Dan"),
            ("eve", "Eve"),
            ("fay", "Fay"),
        ] {
            log.org(json!({"type": "AddPerson", "person": id, "name": name, "department": "d", "branch": "b"}));
        }
        for s in ["a", "b", "c", "d", "e"] {
            log.org(json!({"type": "AddSkill", "skill": s, "name": s.to_uppercase()}));
        }
        for (p, s, l, on) in [
            ("ann", "a", 3, "2026-02-01"),
            ("dan", "a", 1, "2026-02-01"),
            ("ann", "b", 3, "2026-03-01"),
            ("p-9", "b", 4, "2026-03-01"),
            ("p-9", "c", 2, "2026-03-01"),
            ("eve", "c", 4, "2026-03-01"),
            ("p-1", "d", 2, "2026-03-01"),
            ("fay", "e", 3, "2026-03-01"),
        ] {
            log.org(json!({"type": "AssessSkill", "person": p, "skill": s, "level": l, "source": "supervisor", "on": on}));
        }
        log.org(json!({"type": "RecordDeparture", "person": "fay", "on": "2026-03-20"}));
        log
    }

    #[test]
    fn hand_computed_truck_factor_and_holders() {
        let log = org();
        let r = log
            .replay(SkillsRisk::default())
            .result(Timestamp::parse_lenient("2026-03-31T12:00:00Z").unwrap());
        // a: max 3 → threshold 2.25: ann (3) holds, dan (1) does not.
        // b: max 4 → 3: ann (3) and Bob (4). c: max 4 → 3: eve (4); Bob (2) does not.
        // d: Cat (2). e: fay left on 20 March: nobody.
        let holders: Vec<_> = r
            .skills
            .iter()
            .map(|s| (s.skill.as_str(), s.holders.clone()))
            .collect();
        assert_eq!(
            holders,
            [
                ("a", vec!["ann".to_string()]),
                ("b", vec!["ann".into(), "p-9".into()]),
                ("c", vec!["eve".into()]),
                ("d", vec!["p-1".into()]),
                ("e", vec![]),
            ]
        );
        assert_eq!(r.uncovered, ["e"]);
        let single: Vec<_> = r
            .single_holder
            .iter()
            .map(|s| (s.skill.as_str(), s.person_name.as_str()))
            .collect();
        assert_eq!(single, [("a", "Ann"), ("c", "Eve"), ("d", "Cat")]);
        // 4 of 5 covered. Remove ann (2 skills): b, c, d remain = 3/5 ≥ 50 %. Then Bob, Cat and
        // Eve hold one each: by name, Bob (id p-9) goes before Cat (id p-1): c, d = 2/5 < 50 %.
        let tf = &r.truck_factor;
        assert_eq!(
            (tf.value, tf.catalogue, tf.covered_before, tf.covered_after),
            (2, 5, 4, 2)
        );
        let removed: Vec<_> = tf
            .removed
            .iter()
            .map(|x| (x.name.as_str(), x.skills_held))
            .collect();
        assert_eq!(removed, [("Ann", 2), ("Bob", 1)]);
        // Leavers are not in the matrix.
        assert!(r.matrix.iter().all(|m| m.person != "fay"));
    }

    #[test]
    fn coverage_over_time_and_decay() {
        let log = org();
        let r = log
            .replay(SkillsRisk::default())
            .result(Timestamp::parse_lenient("2026-03-31T12:00:00Z").unwrap());
        // 1 Feb: only ann's a (dan's 1 is no hold) → 1/5. 1 Mar: a, b, c, d, e (fay still
        // there) → 5/5. 31 Mar: fay gone → 4/5.
        let cov: Vec<_> = r
            .coverage
            .iter()
            .map(|c| (c.date.to_string(), c.covered, c.share))
            .collect();
        assert_eq!(
            cov,
            [
                ("2026-02-01".to_string(), 1, Some(0.2)),
                ("2026-03-01".into(), 5, Some(1.0)),
                ("2026-03-31".into(), 4, Some(0.8))
            ]
        );
        // ann's a: level 3 assessed once, by her supervisor, on 1 Feb: a level seen on the job,
        // not a gain of training the log knows of, so it is its own level before training and
        // does not decay (the old model read 3 × (1 + 3/334.84 × 58)^(−½) = 2.434 on 31 Mar).
        let ann = r.matrix.iter().find(|m| m.person == "ann").unwrap();
        assert_eq!(
            (ann.skills["a"].before, ann.skills["a"].estimated),
            (3, 3.0)
        );
        assert!(ann.skills["a"].holds);
    }

    /// Four people trained in skill s (evaluated at 4 on 5 January 2026), read 335 days later:
    /// gil was at 2 before (self-assessed), ida has no earlier assessment, jo is an expert
    /// seen at 4 by her supervisor only; kim and lou were at 2 and practised 1 and 60 minutes
    /// on day 100 (15 April).
    fn trained() -> TestLog {
        let mut log = TestLog::new();
        log.at("2025-12-01T09:00:00Z")
            .org(json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "UTC"}))
            .org(json!({"type": "AddSkill", "skill": "s", "name": "S"}));
        for p in ["gil", "ida", "jo", "kim", "lou"] {
            log.org(json!({"type": "AddPerson", "person": p, "name": p, "department": "d", "branch": "b"}));
        }
        for p in ["gil", "kim", "lou"] {
            log.org(json!({"type": "AssessSkill", "person": p, "skill": "s", "level": 2, "source": "self", "on": "2025-12-01"}));
        }
        log.at("2026-01-05T09:00:00Z");
        for p in ["gil", "ida", "kim", "lou"] {
            log.org(json!({"type": "AssessSkill", "person": p, "skill": "s", "level": 4, "source": "evaluation", "on": "2026-01-05"}));
        }
        log.org(json!({"type": "AssessSkill", "person": "jo", "skill": "s", "level": 4, "source": "supervisor", "on": "2026-01-05"}))
            .prog("p", json!({"type": "CreateProgram", "program": "p", "kind": "training", "title": "P"}))
            .prog("p", json!({"type": "EnrolLearner", "person": "kim"}))
            .prog("p", json!({"type": "EnrolLearner", "person": "lou"}));
        log.at("2026-04-15T09:00:00Z")
            .prog("p", json!({"type": "LogPractice", "person": "kim", "skill": "s", "kind": "sandbox", "minutes": 1, "on": "2026-04-15"}))
            .prog("p", json!({"type": "LogPractice", "person": "lou", "skill": "s", "kind": "sandbox", "minutes": 60, "on": "2026-04-15"}));
        log
    }

    #[test]
    fn the_saved_form_gives_back_the_same_fold_and_refuses_what_does_not_fit() {
        let risk = trained().replay(SkillsRisk::default());
        let now = Timestamp::parse_lenient("2026-12-06T12:00:00Z").unwrap();
        let saved = serde_json::to_value(&risk).unwrap();
        let program = &saved["practice"]["program-p"];
        assert_eq!(
            program["names"],
            json!(["kim", "s", "lou"]),
            "each name once"
        );
        assert_eq!(program["ids"].as_str().unwrap().len(), 2 * 32);
        let back: SkillsRisk = serde_json::from_value(saved.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(back.result(now)).unwrap(),
            serde_json::to_value(risk.result(now)).unwrap()
        );
        assert_eq!(serde_json::to_value(&back).unwrap(), saved);
        let ids = program["ids"].as_str().unwrap();
        let swapped = format!("{}{}", &ids[32..], &ids[..32]);
        let edit = |key: &str, value: Value| {
            let mut bad = saved.clone();
            bad["practice"]["program-p"][key] = value;
            serde_json::from_value::<SkillsRisk>(bad).is_err()
        };
        assert!(
            edit("names", json!(["kim", "s"])),
            "a name index out of range"
        );
        assert!(edit("ids", json!(&ids[..32])), "fewer ids than practices");
        assert!(edit("ids", json!(swapped)), "ids out of order");
        assert!(
            edit("ids", json!(format!("{}{}", &ids[..32], &ids[..32]))),
            "an id twice"
        );
        assert!(edit("rows", json!([0, 1, 739_000])), "a row cut short");
        assert!(
            edit("rows", json!([0, 1, u32::MAX, 1, 2, 1, 739_000, 60])),
            "no such day"
        );
    }

    #[test]
    fn a_level_decays_toward_the_level_before_training() {
        let r = trained()
            .replay(SkillsRisk::default())
            .result(Timestamp::parse_lenient("2026-12-06T12:00:00Z").unwrap());
        let cell = |p: &str| {
            let c = &r.matrix.iter().find(|m| m.person == p).unwrap().skills["s"];
            (c.level, c.before, c.estimated)
        };
        // 335 days (11 months) after the evaluation without practice, retention is
        // (1 + 3/334.84 × 335)^(−½) = 4.00143^(−½) = 0.49991 of the gain.
        // gil: trained from 2 to 4: 2 + 2 × 0.49991 = 3.000 (the old model: 4 × 0.49991 = 2.0).
        assert_eq!(cell("gil"), (4, 2, 3.0));
        // ida: the only assessment is the evaluation, the level before it was not recorded:
        // taken as 0 (the simulator's assumption too), 4 × 0.49991 = 2.0.
        assert_eq!(cell("ida"), (4, 0, 2.0));
        // jo: a level seen on the job, not decayed.
        assert_eq!(cell("jo"), (4, 4, 4.0));
        // kim: one minute on day 100 (dose 1/60): r = (1 + 100·h₀)^(−½) = 0.72625 rises to
        // 0.72625 + 0.27375 / 60 = 0.73081, h = (1 − 0.2/60)·h₀ = 0.99667·h₀, the curve's clock
        // set back to 97.69 days; on day 335: (1 + 0.99667·h₀·(97.69 + 235))^(−½) = 0.50183:
        // 2 + 2 × 0.50183 = 3.004.
        assert_eq!(cell("kim"), (4, 2, 3.004));
        // lou: an hour restores fully and earns the full gain (gap 100 ≥ 20.857): h = 0.8·h₀;
        // (1 + 0.8·h₀·235)^(−½) = 0.61035: 2 + 2 × 0.61035 = 3.221.
        assert_eq!(cell("lou"), (4, 2, 3.221));
    }

    #[test]
    fn the_level_before_training_rule() {
        use AssessmentSource::*;
        assert_eq!(level_before_training(&[]), 0);
        assert_eq!(level_before_training(&[(3, Evaluation)]), 0);
        assert_eq!(level_before_training(&[(3, Supervisor)]), 3);
        assert_eq!(
            level_before_training(&[(1, SelfAssessed), (3, Evaluation)]),
            1
        );
        assert_eq!(
            level_before_training(&[(1, SelfAssessed), (4, Evaluation), (3, Trainer)]),
            1
        );
        // An earliest level above the latest is capped at it.
        assert_eq!(
            level_before_training(&[(4, Supervisor), (3, Evaluation)]),
            3
        );
    }

    #[test]
    fn truck_factor_edge_cases() {
        let none = BTreeMap::new();
        let cat: BTreeSet<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            truck_factor(&BTreeSet::new(), &none, |p| p.to_string()).value,
            0
        );
        assert_eq!(truck_factor(&cat, &none, |p| p.to_string()).value, 0);
        // One person holding both: removing them leaves 0 of 2.
        let h = BTreeMap::from([
            ("a".to_string(), BTreeSet::from(["x".to_string()])),
            ("b".to_string(), BTreeSet::from(["x".to_string()])),
        ]);
        assert_eq!(truck_factor(&cat, &h, |p| p.to_string()).value, 1);
        // Levels: 4·l ≥ 3·max exactly at the boundary (3 vs 4) holds; 2 vs 3 does not (2 < 2.25).
        let levels = BTreeMap::from([
            (
                "p".to_string(),
                BTreeMap::from([("s".to_string(), 3u8), ("t".to_string(), 2u8)]),
            ),
            (
                "q".to_string(),
                BTreeMap::from([("s".to_string(), 4u8), ("t".to_string(), 3u8)]),
            ),
        ]);
        let h = holders(&levels);
        assert_eq!(h["s"].len(), 2);
        assert_eq!(h["t"].iter().collect::<Vec<_>>(), ["q"]);
    }
}
