//! The rules: a command, the current state and "now" become events, or a [`DomainError`].
//!
//! [`decide`] never folds and never reads a clock; `now` is an argument and is only used to
//! default dates (`on`, in the organization's time zone) and to refuse holding a session before
//! it starts. Program commands read the organization too (people, skills, time zone): the
//! application must guard **both** streams' versions when it appends (DESIGN §4.2), which
//! [`Decision::reads_organization`] says.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::commands::*;
use super::error::{DomainError, Rule};
use super::events::*;
use super::ids::{is_slug, StreamId, StreamKind};
use super::organization::Organization;
use super::program::{CommitmentStatus, Program, SessionStatus, TrainerStatus};
use super::time::Timestamp;

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
    if duration_minutes == 0 {
        return Err(DomainError::new(Rule::InvalidDuration, duration_minutes));
    }
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

fn positive(minutes: u32) -> Result<(), DomainError> {
    if minutes > 0 {
        Ok(())
    } else {
        fail(Rule::InvalidDuration, minutes)
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
                    on: self.day(c.on),
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
        text(reason)?;
        let in_program = self
            .program
            .and_then(|p| p.log.type_of(event_id).map(|t| (p, t)));
        let (stream_kind, voided_type) = match in_program {
            Some((p, t)) => {
                self.open_program()?;
                if p.log.is_voided(event_id) {
                    return fail(Rule::AlreadyVoided, event_id);
                }
                (StreamKind::Program, t)
            }
            None => match self.org.log.type_of(event_id) {
                Some(t) => {
                    if self.org.log.is_voided(event_id) {
                        return fail(Rule::AlreadyVoided, event_id);
                    }
                    (StreamKind::Organization, t)
                }
                None => return fail(Rule::UnknownEvent, event_id),
            },
        };
        if voided_type == "ProgramCreated" || voided_type == "EventVoided" {
            return fail(Rule::CannotVoid, voided_type);
        }
        let stream = match (stream_kind, self.program) {
            (StreamKind::Program, Some(p)) => {
                StreamId::program(&p.slug).unwrap_or_else(StreamId::organization)
            }
            _ => StreamId::organization(),
        };
        let void = EventVoided {
            stream: stream_kind,
            event_id,
            voided_type: voided_type.to_string(),
            reason: reason.clone(),
            corrected: replacement.is_some(),
        };
        let mut out = vec![Decided {
            stream,
            event: void.into(),
        }];
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
            out.extend(ctx.decide(rep)?);
        }
        Ok(out)
    }

    fn decide_program(&self, p: &Program, cmd: &Command) -> Result<Vec<Decided>, DomainError> {
        let stream = StreamId::program(&p.slug).unwrap_or_else(StreamId::organization);
        let one = |e: Event| {
            Ok(vec![Decided {
                stream: stream.clone(),
                event: e,
            }])
        };
        match cmd {
            Command::SetGoal(c) => {
                text(&c.goal)?;
                one(GoalSet {
                    goal: c.goal.clone(),
                }
                .into())
            }
            Command::SetDesiredOutcome(c) => {
                self.skill(&c.skill)?;
                level(c.level)?;
                if !(1..=1000).contains(&c.share_per_mille) {
                    return fail(Rule::InvalidShare, c.share_per_mille);
                }
                let outcome = DesiredOutcome {
                    skill: c.skill.clone(),
                    level: c.level,
                    share_per_mille: c.share_per_mille,
                    by: c.by,
                };
                one(DesiredOutcomeSet { outcome }.into())
            }
            Command::SetDeadline(c) => {
                if p.deadline == Some(c.deadline) {
                    return fail(Rule::DeadlineUnchanged, c.deadline);
                }
                let reason = c.reason.as_deref().filter(|r| !r.trim().is_empty());
                if p.deadline.is_some() && reason.is_none() {
                    return fail(Rule::DeadlineReasonRequired, c.deadline);
                }
                one(DeadlineSet {
                    deadline: c.deadline,
                    previous: p.deadline,
                    reason: reason.map(str::to_string),
                }
                .into())
            }
            Command::MarkStep(c) => {
                if !PhaseStep::for_kind(p.kind).contains(&c.step) {
                    return fail(Rule::StepNotInMethod, c.step.as_str());
                }
                one(PhaseStepMarked {
                    step: c.step,
                    done: c.done,
                    on: self.day(c.on),
                }
                .into())
            }
            Command::ArchiveProgram(c) => {
                text(&c.reason)?;
                one(ProgramArchived {
                    reason: c.reason.clone(),
                }
                .into())
            }
            Command::InviteTrainer(c) => {
                self.active_person(&c.person)?;
                if p.trainers.get(&c.person).is_some_and(|t| {
                    matches!(t.status, TrainerStatus::Invited | TrainerStatus::Accepted)
                }) {
                    return fail(Rule::AlreadyInvited, &c.person);
                }
                one(TrainerInvited {
                    person: c.person.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::AcceptInvitation(c) => {
                self.active_person(&c.person)?;
                self.invited(p, &c.person)?;
                one(TrainerAccepted {
                    person: c.person.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::DeclineInvitation(c) => {
                self.known_person(&c.person)?;
                self.invited(p, &c.person)?;
                one(TrainerDeclined {
                    person: c.person.clone(),
                    reason: c.reason.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::WithdrawTrainer(c) => {
                self.known_person(&c.person)?;
                if !p.is_trainer(&c.person) {
                    return fail(Rule::NotATrainer, &c.person);
                }
                one(TrainerWithdrew {
                    person: c.person.clone(),
                    reason: c.reason.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::PreparePlan(c) => {
                non_empty(&c.team, "team")?;
                c.team.iter().try_for_each(|t| self.active_person(t))?;
                text(&c.notes)?;
                one(PlanPrepared {
                    team: c.team.clone(),
                    notes: c.notes.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::TestRunPlan(c) => {
                non_empty(&c.team, "team")?;
                c.team.iter().try_for_each(|t| self.active_person(t))?;
                text(&c.findings)?;
                one(PlanTestRun {
                    team: c.team.clone(),
                    findings: c.findings.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::DefineModule(c) => {
                slug(&c.module)?;
                text(&c.title)?;
                if c.skills.is_empty() {
                    return fail(Rule::ModuleSkillsRequired, &c.module);
                }
                for s in &c.skills {
                    self.skill(&s.skill)?;
                    level(s.level)?;
                }
                one(ModuleDefined {
                    module: c.module.clone(),
                    title: c.title.clone(),
                    skills: c.skills.clone(),
                    required: c.required,
                }
                .into())
            }
            Command::ScheduleSession(c) => {
                self.kind(p, ProgramKind::Training, cmd)?;
                slug(&c.session)?;
                if p.sessions.contains_key(&c.session) {
                    return fail(Rule::SessionExists, &c.session);
                }
                if !p.modules.contains_key(&c.module) {
                    return fail(Rule::UnknownModule, &c.module);
                }
                non_empty(&c.trainers, "trainers")?;
                for t in &c.trainers {
                    self.active_person(t)?;
                    if !p.is_trainer(t) {
                        return fail(Rule::NotATrainer, t);
                    }
                }
                if c.capacity == 0 {
                    return fail(Rule::InvalidCapacity, c.capacity);
                }
                text(&c.location)?;
                self.invitees(p, &[], &c.invitees, c.capacity)?;
                let time = self.time(&c.start, c.duration_minutes)?;
                one(SessionScheduled {
                    session: c.session.clone(),
                    module: c.module.clone(),
                    trainers: c.trainers.clone(),
                    time,
                    location: c.location.clone(),
                    capacity: c.capacity,
                    invitees: c.invitees.clone(),
                }
                .into())
            }
            Command::RescheduleSession(c) => {
                let s = self.open_session(p, &c.session)?;
                let time = self.time(
                    &c.start,
                    c.duration_minutes.unwrap_or(s.time.duration_minutes),
                )?;
                one(SessionRescheduled {
                    session: c.session.clone(),
                    time,
                    reason: c.reason.clone(),
                }
                .into())
            }
            Command::InviteToSession(c) => {
                let s = self.open_session(p, &c.session)?;
                non_empty(&c.people, "people")?;
                self.invitees(p, &s.invitees, &c.people, s.capacity)?;
                one(InviteesAdded {
                    session: c.session.clone(),
                    people: c.people.clone(),
                }
                .into())
            }
            Command::CancelSession(c) => {
                self.open_session(p, &c.session)?;
                text(&c.reason)?;
                one(SessionCancelled {
                    session: c.session.clone(),
                    reason: c.reason.clone(),
                }
                .into())
            }
            Command::HoldSession(c) => {
                let s = self.open_session(p, &c.session)?;
                if self.now < s.time.start {
                    return fail(Rule::SessionNotStarted, &s.time.start_local);
                }
                let mut seen = BTreeSet::new();
                for a in &c.attendance {
                    if !s.invitees.contains(&a.person) {
                        return fail(Rule::NotInvitedToSession, &a.person);
                    }
                    if !seen.insert(a.person.as_str()) {
                        return fail(Rule::DuplicateAttendance, &a.person);
                    }
                    if a.present && a.absence_reason.is_some() {
                        return fail(Rule::AbsenceReasonForPresent, &a.person);
                    }
                }
                if let Some(missing) = s.invitees.iter().find(|i| !seen.contains(i.as_str())) {
                    return fail(Rule::AttendanceIncomplete, missing);
                }
                one(SessionHeld {
                    session: c.session.clone(),
                    attendance: c.attendance.clone(),
                }
                .into())
            }
            Command::EnrolLearner(c) => {
                self.active_person(&c.person)?;
                if p.is_active_learner(&c.person) {
                    return fail(Rule::AlreadyEnrolled, &c.person);
                }
                one(LearnerEnrolled {
                    person: c.person.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::WithdrawLearner(c) => {
                self.known_person(&c.person)?;
                if !p.is_active_learner(&c.person) {
                    return fail(Rule::NotEnrolled, &c.person);
                }
                one(LearnerWithdrew {
                    person: c.person.clone(),
                    reason: c.reason.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::LogPractice(c) => {
                self.active_person(&c.person)?;
                if !p.is_active_learner(&c.person) && !p.is_trainer(&c.person) {
                    return fail(Rule::NotEnrolled, &c.person);
                }
                self.skill(&c.skill)?;
                positive(c.minutes)?;
                one(PracticeLogged {
                    person: c.person.clone(),
                    skill: c.skill.clone(),
                    kind: c.kind,
                    minutes: c.minutes,
                    on: self.day(c.on),
                }
                .into())
            }
            Command::RecordEvaluation(c) => self.record_evaluation(p, &stream, c),
            Command::ScheduleFollowUp(c) => {
                slug(&c.follow_up)?;
                if p.follow_ups.contains_key(&c.follow_up) {
                    return fail(Rule::FollowUpExists, &c.follow_up);
                }
                self.active_person(&c.person)?;
                text(&c.purpose)?;
                one(FollowUpScheduled {
                    follow_up: c.follow_up.clone(),
                    person: c.person.clone(),
                    due: c.due,
                    purpose: c.purpose.clone(),
                }
                .into())
            }
            Command::CompleteFollowUp(c) => {
                let Some(f) = p.follow_ups.get(&c.follow_up) else {
                    return fail(Rule::UnknownFollowUp, &c.follow_up);
                };
                if f.completed.is_some() {
                    return fail(Rule::FollowUpAlreadyCompleted, &c.follow_up);
                }
                one(FollowUpCompleted {
                    follow_up: c.follow_up.clone(),
                    notes: c.notes.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::Congratulate(c) => {
                non_empty(&c.people, "people")?;
                c.people.iter().try_for_each(|x| self.known_person(x))?;
                text(&c.milestone)?;
                one(Congratulated {
                    people: c.people.clone(),
                    milestone: c.milestone.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::AskCommitment(c) => {
                self.active_person(&c.learner)?;
                if !p.is_active_learner(&c.learner) {
                    return fail(Rule::NotEnrolled, &c.learner);
                }
                let current = self
                    .org
                    .person(&c.learner)
                    .and_then(|x| x.supervisor.clone());
                let supervisor = match (&c.supervisor, &current) {
                    (Some(s), Some(cur)) if s == cur => s.clone(),
                    (None, Some(cur)) => cur.clone(),
                    (Some(s), _) => return fail(Rule::NotTheSupervisor, s),
                    (None, None) => {
                        return fail(
                            Rule::NotTheSupervisor,
                            format!("{} has no supervisor", c.learner),
                        )
                    }
                };
                self.active_person(&supervisor)?;
                positive(c.minutes)?;
                one(CommitmentAsked {
                    supervisor,
                    learner: c.learner.clone(),
                    minutes: c.minutes,
                    on: self.day(c.on),
                }
                .into())
            }
            Command::CommitReleaseTime(c) => {
                let k = p.commitments.get(&c.learner);
                let Some(k) = k.filter(|k| {
                    matches!(
                        k.status,
                        CommitmentStatus::Asked | CommitmentStatus::Committed
                    )
                }) else {
                    return fail(Rule::CommitmentNotAsked, &c.learner);
                };
                positive(c.minutes)?;
                one(CommitmentMade {
                    supervisor: k.supervisor.clone(),
                    learner: c.learner.clone(),
                    minutes: c.minutes,
                    on: self.day(c.on),
                }
                .into())
            }
            Command::DeclineCommitment(c) => {
                let Some(k) = p
                    .commitments
                    .get(&c.learner)
                    .filter(|k| k.status == CommitmentStatus::Asked)
                else {
                    return fail(Rule::CommitmentNotAsked, &c.learner);
                };
                one(CommitmentDeclined {
                    supervisor: k.supervisor.clone(),
                    learner: c.learner.clone(),
                    reason: c.reason.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::WithdrawCommitment(c) => {
                let Some(k) = p
                    .commitments
                    .get(&c.learner)
                    .filter(|k| k.status == CommitmentStatus::Committed)
                else {
                    return fail(Rule::CommitmentNotMade, &c.learner);
                };
                one(CommitmentWithdrawn {
                    supervisor: k.supervisor.clone(),
                    learner: c.learner.clone(),
                    reason: c.reason.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::PairMentee(c) => {
                self.kind(p, ProgramKind::Mentoring, cmd)?;
                slug(&c.pair)?;
                if p.pairs.contains_key(&c.pair) {
                    return fail(Rule::PairExists, &c.pair);
                }
                if c.mentor == c.mentee {
                    return fail(Rule::SelfMentoring, &c.mentor);
                }
                self.active_person(&c.mentor)?;
                if !p.is_trainer(&c.mentor) {
                    return fail(Rule::NotATrainer, &c.mentor);
                }
                self.active_person(&c.mentee)?;
                if p.pairs.values().any(|x| x.mentee == c.mentee) {
                    return fail(Rule::MenteeAlreadyPaired, &c.mentee);
                }
                let on = self.day(c.on);
                let mut out = Vec::new();
                if !p.is_active_learner(&c.mentee) {
                    out.push(Decided {
                        stream: stream.clone(),
                        event: LearnerEnrolled {
                            person: c.mentee.clone(),
                            on,
                        }
                        .into(),
                    });
                }
                out.push(Decided {
                    stream: stream.clone(),
                    event: MentoringPaired {
                        pair: c.pair.clone(),
                        mentor: c.mentor.clone(),
                        mentee: c.mentee.clone(),
                        on,
                    }
                    .into(),
                });
                Ok(out)
            }
            Command::AssessNeeds(c) => {
                self.pair(p, &c.pair)?;
                non_empty(&c.goals, "goals")?;
                one(NeedsAssessed {
                    pair: c.pair.clone(),
                    goals: c.goals.clone(),
                    desired_outcomes: c.desired_outcomes.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::RecordBaseline(c) => {
                self.pair(p, &c.pair)?;
                one(BaselineRecorded {
                    pair: c.pair.clone(),
                    already_knows: c.already_knows.clone(),
                    already_works: c.already_works.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::SetPriorities(c) => {
                self.pair(p, &c.pair)?;
                non_empty(&c.priorities, "priorities")?;
                one(PrioritiesSet {
                    pair: c.pair.clone(),
                    priorities: c.priorities.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            Command::HoldCoachingSession(c) => {
                let pair = self.pair(p, &c.pair)?;
                slug(&c.session)?;
                if pair.coaching.contains_key(&c.session) {
                    return fail(Rule::SessionExists, &c.session);
                }
                let time = self.time(&c.start, c.duration_minutes)?;
                if self.now < time.start {
                    return fail(Rule::SessionNotStarted, &c.start);
                }
                one(CoachingSessionHeld {
                    pair: c.pair.clone(),
                    session: c.session.clone(),
                    time,
                    topics: c.topics.clone(),
                }
                .into())
            }
            Command::GiveAssignment(c) => {
                let pair = self.pair(p, &c.pair)?;
                slug(&c.assignment)?;
                if pair.assignments.contains_key(&c.assignment) {
                    return fail(Rule::AssignmentExists, &c.assignment);
                }
                text(&c.description)?;
                one(AssignmentGiven {
                    pair: c.pair.clone(),
                    assignment: c.assignment.clone(),
                    description: c.description.clone(),
                    due: c.due,
                }
                .into())
            }
            Command::CompleteAssignment(c) => {
                let pair = self.pair(p, &c.pair)?;
                let Some(a) = pair.assignments.get(&c.assignment) else {
                    return fail(Rule::UnknownAssignment, &c.assignment);
                };
                if a.done_on.is_some() {
                    return fail(Rule::AssignmentAlreadyDone, &c.assignment);
                }
                one(AssignmentDone {
                    pair: c.pair.clone(),
                    assignment: c.assignment.clone(),
                    on: self.day(c.on),
                }
                .into())
            }
            other => fail(Rule::WrongStream, other.type_name()),
        }
    }

    fn record_evaluation(
        &self,
        p: &Program,
        stream: &StreamId,
        c: &RecordEvaluation,
    ) -> Result<Vec<Decided>, DomainError> {
        if let Some(person) = &c.person {
            self.known_person(person)?;
            if !p.learners.contains_key(person) {
                return fail(Rule::NotEnrolled, person);
            }
        }
        if let Some(m) = &c.module {
            if !p.modules.contains_key(m) {
                return fail(Rule::UnknownModule, m);
            }
        }
        match &c.result {
            EvaluationResult::Reaction { rating } if !(1..=5).contains(rating) => {
                return fail(Rule::InvalidRating, rating)
            }
            EvaluationResult::Learning { skill, skill_level } => {
                self.skill(skill)?;
                level(*skill_level)?;
            }
            EvaluationResult::Results { metric, value } => {
                text(metric)?;
                if !is_decimal(value) {
                    return fail(Rule::InvalidDecimal, value);
                }
            }
            _ => {}
        }
        let on = self.day(c.on);
        let mut out = vec![Decided {
            stream: stream.clone(),
            event: EvaluationRecorded {
                person: c.person.clone(),
                module: c.module.clone(),
                result: c.result.clone(),
                on,
            }
            .into(),
        }];
        // A learning evaluation is also an assessment of the person's skill, recorded in the
        // organization so that the skills matrix and the truck factor see it.
        if let (Some(person), EvaluationResult::Learning { skill, skill_level }) =
            (&c.person, &c.result)
        {
            if !self.org.person(person).is_some_and(|x| x.has_left()) {
                out.push(self.org_event(SkillAssessed {
                    person: person.clone(),
                    skill: skill.clone(),
                    level: *skill_level,
                    source: AssessmentSource::Evaluation,
                    on,
                }));
            }
        }
        Ok(out)
    }

    fn kind(&self, p: &Program, kind: ProgramKind, cmd: &Command) -> Result<(), DomainError> {
        if p.kind == kind {
            Ok(())
        } else {
            fail(Rule::WrongProgramKind, cmd.type_name())
        }
    }

    fn invited(&self, p: &Program, person: &str) -> Result<(), DomainError> {
        if p.trainers
            .get(person)
            .is_some_and(|t| t.status == TrainerStatus::Invited)
        {
            Ok(())
        } else {
            fail(Rule::NotInvited, person)
        }
    }

    fn open_session<'p>(
        &self,
        p: &'p Program,
        id: &str,
    ) -> Result<&'p super::program::Session, DomainError> {
        let Some(s) = p.sessions.get(id) else {
            return fail(Rule::UnknownSession, id);
        };
        match s.status {
            SessionStatus::Scheduled => Ok(s),
            SessionStatus::Cancelled => fail(Rule::SessionCancelled, id),
            SessionStatus::Held => fail(Rule::SessionAlreadyHeld, id),
        }
    }

    fn invitees(
        &self,
        p: &Program,
        existing: &[String],
        new: &[String],
        capacity: u32,
    ) -> Result<(), DomainError> {
        let mut seen: BTreeSet<&str> = existing.iter().map(String::as_str).collect();
        for person in new {
            self.active_person(person)?;
            if !p.is_active_learner(person) {
                return fail(Rule::NotEnrolled, person);
            }
            if !seen.insert(person) {
                return fail(Rule::AlreadyInvited, person);
            }
        }
        if seen.len() > capacity as usize {
            return fail(
                Rule::OverCapacity,
                format!("{} invitees for {} seats", seen.len(), capacity),
            );
        }
        Ok(())
    }

    fn pair<'p>(&self, p: &'p Program, id: &str) -> Result<&'p super::program::Pair, DomainError> {
        p.pairs
            .get(id)
            .ok_or_else(|| DomainError::new(Rule::UnknownPair, id))
    }
}
