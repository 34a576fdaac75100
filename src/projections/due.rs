//! What is due: the coordinator's morning list across every program that is not archived.
//!
//! # Definitions
//!
//! - **Today** is the day of "now" in the organization's zone; the **window** is today and the
//!   `within_days` days after it.
//! - **Follow-up overdue**: open, due before today; **follow-up due**: open, due in the window.
//!   Leavers' follow-ups are left out (as on the dashboard).
//! - **Session without outcome**: a session still scheduled whose start is past (hold or
//!   cancel it); likewise a coaching session scheduled and not recorded as held.
//! - **Commitment unanswered**: release time asked of a supervisor who neither promised nor
//!   declined it.
//! - **Refresher**: an audience member whose estimated retention (the dashboard's, a *mixed*
//!   skill trained on their exposures) is below `threshold` today or falls below it within the
//!   window without practice; the **suggested day** is the last day it is still at or above
//!   the threshold (today when it already is below).
//!
//! With a person, only items about them (as learner, trainer, mentor, mentee or supervisor).
//! Items are sorted by day, then kind, program and subject.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::domain::program::{CommitmentStatus, SessionStatus};
use crate::domain::{today, Organization, Program, Timestamp};

use super::dashboard::{audience, day_number, exposures, is_leaver, trace};
use super::round3;
use super::world::World;

/// What to list.
#[derive(Clone, Debug)]
pub struct DueConfig {
    /// Days after today that count as upcoming.
    pub within_days: i64,
    /// Only items about this person.
    pub person: Option<String>,
    /// Estimated retention below which a refresher is suggested (0–1).
    pub threshold: f64,
    /// Only these programs (empty: every program). A token limited to some programs must
    /// not see another program's items, so the server passes the token's list here.
    pub programs: Vec<String>,
}

impl Default for DueConfig {
    fn default() -> DueConfig {
        DueConfig {
            within_days: 14,
            person: None,
            threshold: 0.8,
            programs: Vec::new(),
        }
    }
}

/// The kind of a due item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// An open follow-up past its day.
    FollowUpOverdue,
    /// An open follow-up due in the window.
    FollowUpDue,
    /// A past session with no outcome recorded.
    SessionWithoutOutcome,
    /// A past coaching session not recorded as held.
    CoachingWithoutOutcome,
    /// Release time asked and never answered.
    CommitmentUnanswered,
    /// Estimated retention below the threshold (now or within the window).
    Refresher,
}

/// One thing to do.
#[derive(Clone, Debug, Serialize)]
pub struct DueItem {
    /// The day it is (or was) due; for a refresher the suggested day.
    pub day: NaiveDate,
    /// What kind of thing.
    pub kind: DueKind,
    /// A stable key of the thing (`follow-up.f-1`, `session.s-1`, `refresher.ann`), the same
    /// from one day to the next (a calendar's UID is made from it).
    pub key: String,
    /// The program.
    pub program: String,
    /// The person it is about, if any.
    pub person: Option<String>,
    /// Their name.
    pub name: Option<String>,
    /// What to do, in words.
    pub what: String,
    /// Days after the day (negative: before it).
    pub days_overdue: i64,
}

/// The list.
#[derive(Clone, Debug, Serialize)]
pub struct DueView {
    /// The day the list is for.
    pub today: NaiveDate,
    /// The window's length in days.
    pub within_days: i64,
    /// The retention threshold.
    pub threshold: f64,
    /// The items.
    pub items: Vec<DueItem>,
}

/// What is due in `world` at `now`.
pub fn due(world: &World, now: Timestamp, config: &DueConfig) -> DueView {
    let org = &world.org;
    let today = today(org, now);
    let end = today + Duration::days(config.within_days.max(0));
    let mut items = Vec::new();
    let wanted =
        |slug: &str| config.programs.is_empty() || config.programs.iter().any(|w| w == slug);
    for p in world
        .programs
        .values()
        .filter(|p| p.archived.is_none() && wanted(&p.slug))
    {
        program_items(org, p, now, today, end, config, &mut items);
    }
    items.sort_by(|a, b| {
        (a.day, a.kind, &a.program, &a.person, &a.what)
            .cmp(&(b.day, b.kind, &b.program, &b.person, &b.what))
    });
    DueView {
        today,
        within_days: config.within_days,
        threshold: config.threshold,
        items,
    }
}

fn program_items(
    org: &Organization,
    p: &Program,
    now: Timestamp,
    today: NaiveDate,
    end: NaiveDate,
    config: &DueConfig,
    items: &mut Vec<DueItem>,
) {
    let item =
        |day: NaiveDate, kind: DueKind, key: String, person: Option<&str>, what: String| DueItem {
            day,
            kind,
            key,
            program: p.slug.clone(),
            person: person.map(str::to_string),
            name: person.map(|x| org.name_of(x)),
            what,
            days_overdue: (today - day).num_days(),
        };
    // With a person: only items about them, in any role.
    let about = |people: &[&str]| {
        config
            .person
            .as_deref()
            .is_none_or(|who| people.contains(&who))
    };
    for (id, f) in &p.follow_ups {
        if f.completed.is_some() || is_leaver(org, &f.person, today) || !about(&[&f.person]) {
            continue;
        }
        let kind = if f.due < today {
            DueKind::FollowUpOverdue
        } else if f.due <= end {
            DueKind::FollowUpDue
        } else {
            continue;
        };
        items.push(item(
            f.due,
            kind,
            format!("follow-up.{id}"),
            Some(&f.person),
            format!("follow-up {id}: {}", f.purpose),
        ));
    }
    for (id, s) in &p.sessions {
        let people: Vec<&str> = s
            .trainers
            .iter()
            .chain(&s.invitees)
            .map(String::as_str)
            .collect();
        if s.status == SessionStatus::Scheduled && s.time.start <= now && about(&people) {
            let day = s.time.start_local.get(..10).and_then(|d| d.parse().ok());
            let trainers: Vec<String> = s.trainers.iter().map(|t| org.name_of(t)).collect();
            let mut row = item(
                day.unwrap_or(today),
                DueKind::SessionWithoutOutcome,
                format!("session.{id}"),
                None,
                format!(
                    "session {id} ({}) at {} with {}: record it held or cancel it",
                    s.module,
                    s.time.start_local.replacen('T', " ", 1),
                    trainers.join(", ")
                ),
            );
            row.person = s.trainers.first().cloned();
            row.name = row.person.as_deref().map(|t| org.name_of(t));
            items.push(row);
        }
    }
    for (pair_id, pair) in &p.pairs {
        if !about(&[&pair.mentor, &pair.mentee]) {
            continue;
        }
        for (id, c) in &pair.scheduled {
            if c.time.start <= now {
                let day = c.time.start_local.get(..10).and_then(|d| d.parse().ok());
                items.push(item(
                    day.unwrap_or(today),
                    DueKind::CoachingWithoutOutcome,
                    format!("coaching.{pair_id}.{id}"),
                    Some(&pair.mentee),
                    format!(
                        "coaching session {id} of pair {pair_id} with {}: record it held",
                        org.name_of(&pair.mentor)
                    ),
                ));
            }
        }
    }
    for (learner, c) in &p.commitments {
        if c.status == CommitmentStatus::Asked
            && !is_leaver(org, learner, today)
            && about(&[learner, &c.supervisor])
        {
            items.push(item(
                c.since,
                DueKind::CommitmentUnanswered,
                format!("commitment.{learner}"),
                Some(learner),
                format!(
                    "{} minutes of release time asked of {} on {}, no answer",
                    c.minutes_asked,
                    org.name_of(&c.supervisor),
                    c.since
                ),
            ));
        }
    }
    for id in audience(org, p, today) {
        if !about(&[&id]) {
            continue;
        }
        for (skill, days) in exposures(p, &id, today) {
            let Some(t) = trace(&days) else {
                continue;
            };
            let at = |d: NaiveDate| t.retention(day_number(d));
            let now_r = at(today);
            let day = if now_r < config.threshold {
                today
            } else {
                // The last day at or above the threshold, if it falls below within the window.
                let mut d = today;
                let mut found = None;
                while d < end {
                    let next = d + Duration::days(1);
                    if at(next) < config.threshold {
                        found = Some(d);
                        break;
                    }
                    d = next;
                }
                match found {
                    Some(d) => d,
                    None => continue,
                }
            };
            items.push(item(
                day,
                DueKind::Refresher,
                format!("refresher.{id}.{skill}"),
                Some(&id),
                format!(
                    "refresher of {}: estimated retention {} today, below {} {}",
                    org.skills
                        .get(&skill)
                        .map_or(skill.as_str(), |s| s.name.as_str()),
                    round3(now_r),
                    config.threshold,
                    if day == today && now_r < config.threshold {
                        "already".to_string()
                    } else {
                        format!("after {day}")
                    }
                ),
            ));
        }
    }
}
