//! The rules: a command, the current state and "now" become events, or a [`DomainError`].
//!
//! [`decide`] never folds and never reads a clock; `now` is an argument and is only used to
//! default dates (`on`, in the organization's time zone) and to refuse holding a session before
//! it starts. Program commands read the organization too (people, skills, time zone): the
//! application must guard **both** streams' versions when it appends (DESIGN §4.2), which
//! [`Decision::reads_organization`] says.

use std::str::FromStr;

use chrono::{LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use uuid::Uuid;

use super::commands::*;
use super::error::{DomainError, Rule};
use super::events::*;
use super::ids::{is_slug, StreamId, StreamKind};
use super::organization::Organization;
use super::program::{CommitmentStatus, Program, SessionStatus, TrainerStatus};
use super::time::Timestamp;

mod program_rules;

/// An event decided by [`decide`], with the stream it must be appended to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    /// `organization` or `program-<slug>`.
    pub stream: StreamId,
    /// The event.
    pub event: Event,
}

/// The outcome of [`decide`]: the events, in append order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Events to append atomically, in order.
    pub events: Vec<Decided>,
    /// Whether the decision read the organization stream (true for every program command), so
    /// that the append must also guard the organization's version.
    pub reads_organization: bool,
}

/// Decides a command against the organization, the program (for program commands) and `now`.
///
/// Organization commands ignore `program`. Program commands need it, except `CreateProgram`,
/// which needs it to be `None` (the application passes the state of the stream named by the
/// command's `program` slug, and appends expecting that stream to be empty).
pub fn decide(
    org: &Organization,
    program: Option<&Program>,
    cmd: &Command,
    now: Timestamp,
) -> Result<Decision, DomainError> {
    let ctx = Ctx::new(org, program, now);
    let events = ctx.decide(cmd)?;
    Ok(Decision {
        events,
        reads_organization: cmd.stream_kind() != Some(StreamKind::Organization),
    })
}

/// The day `now` falls on in the organization's zone (UTC when no zone is configured).
pub fn today(org: &Organization, now: Timestamp) -> NaiveDate {
    match org.time_zone.as_deref().and_then(|z| Tz::from_str(z).ok()) {
        Some(tz) => now.as_datetime().with_timezone(&tz).date_naive(),
        None => now.as_datetime().date_naive(),
    }
}

/// The last microsecond of `day` in the organization's zone (UTC when none is configured): what
/// an `--as-of YYYY-MM-DD` means.
pub fn end_of_day(org: &Organization, day: NaiveDate) -> Timestamp {
    let next = day
        .succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let start_of_next = match org.time_zone.as_deref().and_then(|z| Tz::from_str(z).ok()) {
        // A zone whose midnight is skipped by a daylight-saving change starts the day at the
        // first instant that exists; `earliest` also picks the first of a repeated midnight.
        Some(tz) => (0..=3)
            .find_map(|h| {
                tz.from_local_datetime(&(next + chrono::Duration::hours(h)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&chrono::Utc)),
        None => Some(next.and_utc()),
    };
    start_of_next
        .map(|t| Timestamp::from_datetime(t).plus_micros(-1))
        .unwrap_or(Timestamp::EPOCH)
}

/// Resolves a local wall-clock time (`YYYY-MM-DDTHH:MM`) in an IANA zone to a [`SessionTime`].
///
/// A local time that occurs twice (the hour repeated when clocks go back) resolves to the
/// earlier instant; one that does not exist (skipped when clocks go forward) is an error.
pub fn resolve_local_time(
    start_local: &str,
    time_zone: &str,
    duration_minutes: u32,
) -> Result<SessionTime, DomainError> {
    let tz =
        Tz::from_str(time_zone).map_err(|_| DomainError::new(Rule::InvalidTimeZone, time_zone))?;
    let naive = NaiveDateTime::parse_from_str(start_local, "%Y-%m-%dT%H:%M")
        .map_err(|_| DomainError::new(Rule::InvalidLocalTime, start_local))?;
    let instant = match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(early, _) => early,
        LocalResult::None => {
            return Err(DomainError::new(
                Rule::NonexistentLocalTime,
                format!("{start_local} {time_zone}"),
            ))
        }
    };
    minutes("duration_minutes", duration_minutes, MAX_MINUTES)?;
    Ok(SessionTime {
        start_local: naive.format("%Y-%m-%dT%H:%M").to_string(),
        time_zone: time_zone.to_string(),
        start: Timestamp::from_datetime(instant.with_timezone(&chrono::Utc)),
        duration_minutes,
    })
}

struct Ctx<'a> {
    org: &'a Organization,
    program: Option<&'a Program>,
    now: Timestamp,
    today: NaiveDate,
}

fn fail<T>(rule: Rule, value: impl std::fmt::Display) -> Result<T, DomainError> {
    Err(DomainError::new(rule, value))
}

fn slug(id: &str) -> Result<(), DomainError> {
    if is_slug(id) {
        Ok(())
    } else {
        fail(Rule::InvalidId, id)
    }
}

fn text(s: &str) -> Result<(), DomainError> {
    if s.trim().is_empty() {
        fail(Rule::EmptyText, s)
    } else {
        Ok(())
    }
}

fn level(l: u8) -> Result<(), DomainError> {
    if l <= 4 {
        Ok(())
    } else {
        fail(Rule::InvalidLevel, l)
    }
}

/// The most minutes one entry may count: a practice log, a session's or a coaching session's
/// length (one day).
pub const MAX_MINUTES: u32 = 24 * 60;

/// The most release time (minutes) one request or promise may count: 100 000 minutes, more
/// than a year of full-time work.
pub const MAX_RELEASE_MINUTES: u32 = 100_000;

/// The most seats a session may have.
pub const MAX_CAPACITY: u32 = 10_000;

/// Every count and duration a command carries, with its plausible range (for the docs).
pub fn plausible_ranges() -> Vec<(&'static str, String)> {
    vec![
        ("LogPractice `minutes`", format!("1 to {MAX_MINUTES} (one day)")),
        (
            "ScheduleSession / RescheduleSession / ScheduleCoachingSession / HoldCoachingSession `duration_minutes`",
            format!("1 to {MAX_MINUTES} (one day)"),
        ),
        ("ScheduleSession `capacity`", format!("1 to {MAX_CAPACITY}")),
        (
            "AskCommitment / CommitReleaseTime `minutes`",
            format!("1 to {MAX_RELEASE_MINUTES}"),
        ),
        ("`level`, `skill_level`", "0 to 4".to_string()),
        ("reaction `rating`", "1 to 5".to_string()),
        ("SetDesiredOutcome `share_per_mille`", "1 to 1000".to_string()),
    ]
}

/// Minutes in 1..=`max`: zero is not a duration, more than `max` is not plausible (and would
/// make totals meaningless).
fn minutes(field: &str, value: u32, max: u32) -> Result<(), DomainError> {
    if value == 0 {
        fail(Rule::InvalidDuration, value)
    } else if value > max {
        fail(
            Rule::OutOfRange,
            format!("{field} {value}: expected 1 to {max}"),
        )
    } else {
        Ok(())
    }
}

fn non_empty<T>(list: &[T], what: &str) -> Result<(), DomainError> {
    if list.is_empty() {
        fail(Rule::EmptyList, what)
    } else {
        Ok(())
    }
}

fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

impl<'a> Ctx<'a> {
    fn new(org: &'a Organization, program: Option<&'a Program>, now: Timestamp) -> Ctx<'a> {
        Ctx {
            org,
            program,
            now,
            today: today(org, now),
        }
    }

    fn day(&self, on: Option<NaiveDate>) -> NaiveDate {
        on.unwrap_or(self.today)
    }

    /// The day something happened: at most one day after today (a day ahead allows for a
    /// zone ahead of the one the user thinks in); later days are planned, not happened.
    fn happened(&self, on: Option<NaiveDate>) -> Result<NaiveDate, DomainError> {
        let day = self.day(on);
        match self.today.succ_opt() {
            Some(limit) if day > limit => {
                fail(Rule::FutureDay, format!("{day} (today is {})", self.today))
            }
            _ => Ok(day),
        }
    }

    fn org_event(&self, e: impl Into<Event>) -> Decided {
        Decided {
            stream: StreamId::organization(),
            event: e.into(),
        }
    }

    /// A person who exists and has not been erased.
    fn known_person(&self, id: &str) -> Result<(), DomainError> {
        match self.org.person(id) {
            None => fail(Rule::UnknownPerson, id),
            Some(p) if p.erased => fail(Rule::PersonErased, id),
            Some(_) => Ok(()),
        }
    }

    /// A person who exists, is not erased and has not left.
    fn active_person(&self, id: &str) -> Result<(), DomainError> {
        self.known_person(id)?;
        if self.org.person(id).is_some_and(|p| p.has_left()) {
            return fail(Rule::PersonHasLeft, id);
        }
        Ok(())
    }

    fn skill(&self, id: &str) -> Result<(), DomainError> {
        if self.org.skills.contains_key(id) {
            Ok(())
        } else {
            fail(Rule::UnknownSkill, id)
        }
    }

    fn time(&self, start: &str, duration: u32) -> Result<SessionTime, DomainError> {
        let Some(zone) = self.org.time_zone.as_deref() else {
            return fail(Rule::OrganizationNotConfigured, "time_zone");
        };
        resolve_local_time(start, zone, duration)
    }

    fn decide(&self, cmd: &Command) -> Result<Vec<Decided>, DomainError> {
        match cmd.stream_kind() {
            Some(StreamKind::Organization) => self.decide_org(cmd),
            Some(StreamKind::Program) => {
                if let Command::CreateProgram(c) = cmd {
                    return self.create_program(c);
                }
                if let Command::ReopenProgram(c) = cmd {
                    let Some(p) = self.program else {
                        return fail(Rule::NoProgram, "");
                    };
                    if p.archived.is_none() {
                        return fail(Rule::ProgramNotArchived, &p.slug);
                    }
                    text(&c.reason)?;
                    return Ok(vec![Decided {
                        stream: StreamId::program(&p.slug).unwrap_or_else(StreamId::organization),
                        event: ProgramReopened {
                            reason: c.reason.clone(),
                        }
                        .into(),
                    }]);
                }
                let p = self.open_program()?;
                self.decide_program(p, cmd)
            }
            None => self.decide_correction(cmd),
        }
    }

    fn open_program(&self) -> Result<&'a Program, DomainError> {
        let Some(p) = self.program else {
            return fail(Rule::NoProgram, "");
        };
        if p.archived.is_some() {
            return fail(Rule::ProgramArchived, &p.slug);
        }
        Ok(p)
    }

    fn decide_org(&self, cmd: &Command) -> Result<Vec<Decided>, DomainError> {
        let ev: Event = match cmd {
            Command::ConfigureOrganization(c) => {
                text(&c.name)?;
                Tz::from_str(&c.time_zone)
                    .map_err(|_| DomainError::new(Rule::InvalidTimeZone, &c.time_zone))?;
                OrganizationConfigured {
                    name: c.name.clone(),
                    time_zone: c.time_zone.clone(),
                }
                .into()
            }
            Command::AddPerson(c) => {
                slug(&c.person)?;
                if self.org.people.contains_key(&c.person) {
                    return fail(Rule::PersonExists, &c.person);
                }
                text(&c.name)?;
                if let Some(s) = &c.supervisor {
                    if s == &c.person {
                        return fail(Rule::SelfSupervision, s);
                    }
                    self.active_person(s)?;
                }
                PersonJoined {
                    person: c.person.clone(),
                    name: c.name.clone(),
                    department: c.department.clone(),
                    branch: c.branch.clone(),
                    supervisor: c.supervisor.clone(),
                    on: self.day(c.on),
                }
                .into()
            }
            Command::MovePerson(c) => {
                self.active_person(&c.person)?;
                PersonMoved {
                    person: c.person.clone(),
                    department: c.department.clone(),
                    branch: c.branch.clone(),
                    on: self.day(c.on),
                }
                .into()
            }
            Command::ChangeSupervisor(c) => {
                self.active_person(&c.person)?;
                if let Some(s) = &c.supervisor {
                    if s == &c.person {
                        return fail(Rule::SelfSupervision, s);
                    }
                    self.active_person(s)?;
                }
                SupervisorChanged {
                    person: c.person.clone(),
                    supervisor: c.supervisor.clone(),
                    on: self.day(c.on),
                }
                .into()
            }
            Command::RecordDeparture(c) => {
                self.active_person(&c.person)?;
                PersonLeft {
                    person: c.person.clone(),
                    on: self.day(c.on),
                }
                .into()
            }
            Command::AddSkill(c) => {
                slug(&c.skill)?;
                if self.org.skills.contains_key(&c.skill) {
                    return fail(Rule::SkillExists, &c.skill);
                }
                text(&c.name)?;
                SkillAdded {
                    skill: c.skill.clone(),
                    name: c.name.clone(),
                }
                .into()
            }
            Command::AssessSkill(c) => {
                self.active_person(&c.person)?;
                self.skill(&c.skill)?;
                level(c.level)?;
                SkillAssessed {
                    person: c.person.clone(),
                    skill: c.skill.clone(),
                    level: c.level,
                    source: c.source,
                    on: self.happened(c.on)?,
                }
                .into()
            }
            Command::ErasePerson(c) => {
                self.known_person(&c.person)?;
                PersonErased {
                    person: c.person.clone(),
                }
                .into()
            }
            other => return fail(Rule::WrongStream, other.type_name()),
        };
        Ok(vec![self.org_event(ev)])
    }

    fn create_program(&self, c: &CreateProgram) -> Result<Vec<Decided>, DomainError> {
        if self.program.is_some() {
            return fail(Rule::ProgramExists, &c.program);
        }
        let stream = StreamId::program(&c.program)
            .ok_or_else(|| DomainError::new(Rule::InvalidId, &c.program))?;
        text(&c.title)?;
        let mut out = vec![Decided {
            stream: stream.clone(),
            event: ProgramCreated {
                program: c.program.clone(),
                kind: c.kind,
                title: c.title.clone(),
            }
            .into(),
        }];
        if let Some(goal) = &c.goal {
            text(goal)?;
            out.push(Decided {
                stream,
                event: GoalSet { goal: goal.clone() }.into(),
            });
        }
        Ok(out)
    }

    fn decide_correction(&self, cmd: &Command) -> Result<Vec<Decided>, DomainError> {
        let (event_id, reason, replacement) = match cmd {
            Command::VoidEvent(c) => (c.event_id, &c.reason, None),
            Command::CorrectEvent(c) => (c.event_id, &c.reason, Some(c.replacement.as_ref())),
            other => return fail(Rule::WrongStream, other.type_name()),
        };
        // The application resolves a `seq` into the event's id before deciding.
        let Some(event_id) = event_id else {
            return fail(Rule::UnknownEvent, "no event_id or seq given");
        };
        text(reason)?;
        // A program command voids or corrects events of its program only; the organization's
        // events are voided by organization commands.
        let (stream_kind, stream, log) = match self.program {
            Some(p) => {
                if p.log.type_of(event_id).is_none() {
                    if self.org.log.type_of(event_id).is_some() {
                        return fail(Rule::EventInOrganization, event_id);
                    }
                    return fail(Rule::UnknownEvent, event_id);
                }
                self.open_program()?;
                let stream = StreamId::program(&p.slug).unwrap_or_else(StreamId::organization);
                (StreamKind::Program, stream, &p.log)
            }
            None => (
                StreamKind::Organization,
                StreamId::organization(),
                &self.org.log,
            ),
        };
        let Some(voided) = log.get(event_id) else {
            return fail(Rule::UnknownEvent, event_id);
        };
        let voided_type = voided.type_name();
        if log.is_voided(event_id) {
            return fail(Rule::AlreadyVoided, event_id);
        }
        if voided_type == "ProgramCreated"
            || (voided_type == "EventVoided" && replacement.is_some())
        {
            return fail(Rule::CannotVoid, voided_type);
        }
        // Voiding a correction's void would make the original and its replacement both count:
        // the replacement is what to correct instead.
        if matches!(voided, Event::EventVoided(v) if v.corrected) {
            return fail(
                Rule::CannotVoid,
                "the void of a correction (correct its replacement instead)",
            );
        }
        let void = |stream: StreamId, kind: StreamKind, id: Uuid, ty: &str| Decided {
            stream,
            event: EventVoided {
                stream: kind,
                event_id: id,
                voided_type: ty.to_string(),
                reason: reason.clone(),
                corrected: replacement.is_some(),
            }
            .into(),
        };
        let mut out = vec![void(stream.clone(), stream_kind, event_id, voided_type)];
        if let Some(rep) = replacement {
            if rep.stream_kind() != Some(stream_kind) {
                return fail(Rule::WrongStream, rep.type_name());
            }
            let (org, program);
            let ctx = match stream_kind {
                StreamKind::Program => {
                    program = self.program.map(|p| p.without(event_id, reason));
                    Ctx {
                        program: program.as_ref(),
                        ..Ctx::new(self.org, None, self.now)
                    }
                }
                StreamKind::Organization => {
                    org = self.org.without(event_id, reason);
                    Ctx::new(&org, self.program, self.now)
                }
            };
            let replaced = ctx.decide(rep)?;
            // A correction tells the truth: it records the same type of event, in the same
            // stream (a learning evaluation's assessment in the organization aside).
            let same = replaced
                .iter()
                .any(|d| d.stream == stream && d.event.type_name() == voided_type);
            let elsewhere = replaced.iter().find(|d| {
                d.stream != stream
                    && !(matches!(d.event, Event::SkillAssessed(_))
                        && voided_type == "EvaluationRecorded")
            });
            if !same || elsewhere.is_some() {
                return fail(
                    Rule::CorrectionChangesType,
                    format!("{voided_type} replaced by {}", rep.type_name()),
                );
            }
            out.extend(replaced);
        }
        // A learning evaluation also recorded an assessment in the organization: voiding the
        // evaluation voids that assessment too, and voiding that void restores it. (Last, so
        // that a correction's replacement follows its void directly in the program's stream.)
        if let Some((id, ty)) = self.linked_assessment(voided, log) {
            out.push(void(
                StreamId::organization(),
                StreamKind::Organization,
                id,
                ty,
            ));
        }
        Ok(out)
    }

    /// For the void of a learning evaluation: the void of the assessment it recorded in the
    /// organization. For the void of such a void: the void of the assessment's void.
    fn linked_assessment(
        &self,
        voided: &Event,
        log: &crate::domain::StreamLog,
    ) -> Option<(Uuid, &'static str)> {
        let evaluation = match voided {
            Event::EvaluationRecorded(e) => e.clone(),
            Event::EventVoided(v) if v.voided_type == "EvaluationRecorded" => {
                match log.get(v.event_id)? {
                    Event::EvaluationRecorded(e) => e.clone(),
                    _ => return None,
                }
            }
            _ => return None,
        };
        let (Some(person), EvaluationResult::Learning { skill, skill_level }) =
            (&evaluation.person, &evaluation.result)
        else {
            return None;
        };
        let matches = |e: &Event| {
            matches!(e, Event::SkillAssessed(a) if &a.person == person && &a.skill == skill
                && a.level == *skill_level && a.on == evaluation.on
                && a.source == AssessmentSource::Evaluation)
        };
        let org_log = &self.org.log;
        let (target, target_type) = if matches!(voided, Event::EventVoided(_)) {
            // The assessment is voided: find the void that voided it.
            let assessment = org_log.find_voided(matches)?;
            (org_log.void_of(assessment)?, "EventVoided")
        } else {
            (org_log.find_live(matches)?, "SkillAssessed")
        };
        Some((target, target_type))
    }
}
