//! The rules of program commands (everything but creation and corrections).

use std::collections::BTreeSet;

use super::*;

impl Ctx<'_> {
    pub(super) fn decide_program(
        &self,
        p: &Program,
        cmd: &Command,
    ) -> Result<Vec<Decided>, DomainError> {
        let stream = StreamId::program(&p.slug).unwrap_or_else(StreamId::organization);
        let one = |e: Event| {
            Ok(vec![Decided {
                stream: stream.clone(),
                event: e,
            }])
        };
        if let Some(kind) = cmd.program_kind() {
            self.kind(p, kind, cmd)?;
        }
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
                // Re-ticking a done step would silently move the day it was done.
                if c.done && p.phases.get(&c.step).is_some_and(|s| s.done) {
                    return fail(Rule::StepAlreadyDone, c.step.as_str());
                }
                one(PhaseStepMarked {
                    step: c.step,
                    done: c.done,
                    on: if c.done {
                        self.happened(c.on)?
                    } else {
                        self.day(c.on)
                    },
                }
                .into())
            }
            Command::ArchiveProgram(c) => {
                text(&c.reason)?;
                let to_come = p
                    .sessions
                    .values()
                    .filter(|s| s.status == SessionStatus::Scheduled && s.time.start > self.now)
                    .count()
                    + p.pairs
                        .values()
                        .flat_map(|x| x.scheduled.values())
                        .filter(|c| c.time.start > self.now)
                        .count();
                let open = p
                    .follow_ups
                    .values()
                    .filter(|f| f.completed.is_none())
                    .count();
                if !c.force && to_come + open > 0 {
                    return fail(
                        Rule::ArchiveWithPendingWork,
                        format!("{to_come} sessions to come, {open} open follow-ups"),
                    );
                }
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
                if c.capacity > MAX_CAPACITY {
                    return fail(
                        Rule::OutOfRange,
                        format!("capacity {}: expected 1 to {MAX_CAPACITY}", c.capacity),
                    );
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
                minutes("minutes", c.minutes, MAX_MINUTES)?;
                one(PracticeLogged {
                    person: c.person.clone(),
                    skill: c.skill.clone(),
                    kind: c.kind,
                    minutes: c.minutes,
                    on: self.happened(c.on)?,
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
                let on = self.happened(c.on)?;
                let scheduled = p
                    .log
                    .find_live(
                        |e| matches!(e, Event::FollowUpScheduled(x) if x.follow_up == c.follow_up),
                    )
                    .and_then(|id| p.log.entered_at(id))
                    .map(|t| today(self.org, t));
                if let Some(day) = scheduled.filter(|day| on < *day) {
                    return fail(
                        Rule::FollowUpBeforeScheduled,
                        format!("{} completed {on}, scheduled {day}", c.follow_up),
                    );
                }
                one(FollowUpCompleted {
                    follow_up: c.follow_up.clone(),
                    notes: c.notes.clone(),
                    on,
                }
                .into())
            }
            Command::Congratulate(c) => {
                non_empty(&c.people, "people")?;
                for x in &c.people {
                    self.known_person(x)?;
                    if !has_role(p, x) {
                        return fail(Rule::NoRoleInProgram, x);
                    }
                }
                text(&c.milestone)?;
                one(Congratulated {
                    people: c.people.clone(),
                    milestone: c.milestone.clone(),
                    on: self.happened(c.on)?,
                }
                .into())
            }
            Command::ChooseMitigation(c) => {
                // That the scenario and the mitigation exist is checked against the library by
                // the App before deciding (the library is the simulator's, not the domain's).
                text(&c.scenario)?;
                text(&c.mitigation)?;
                if let Some(reason) = &c.reason {
                    text(reason)?;
                }
                one(MitigationChosen {
                    scenario: c.scenario.clone(),
                    mitigation: c.mitigation.clone(),
                    reason: c.reason.clone(),
                    on: self.happened(c.on)?,
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
                // Asking the same supervisor again would count the release time twice; a new
                // supervisor (after a change) is asked afresh.
                if p.commitments.get(&c.learner).is_some_and(|k| {
                    k.supervisor == supervisor
                        && matches!(
                            k.status,
                            CommitmentStatus::Asked | CommitmentStatus::Committed
                        )
                }) {
                    return fail(Rule::CommitmentExists, &c.learner);
                }
                minutes("minutes", c.minutes, MAX_RELEASE_MINUTES)?;
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
                if k.is_some_and(|k| k.status == CommitmentStatus::Committed) {
                    return fail(Rule::CommitmentExists, &c.learner);
                }
                let Some(k) = k.filter(|k| k.status == CommitmentStatus::Asked) else {
                    return fail(Rule::CommitmentNotAsked, &c.learner);
                };
                minutes("minutes", c.minutes, MAX_RELEASE_MINUTES)?;
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
            Command::ScheduleCoachingSession(c) => {
                let pair = self.pair(p, &c.pair)?;
                slug(&c.session)?;
                if pair.coaching.contains_key(&c.session)
                    || pair.scheduled.contains_key(&c.session)
                    || pair.cancelled.contains_key(&c.session)
                {
                    return fail(Rule::SessionExists, &c.session);
                }
                let time = self.time(&c.start, c.duration_minutes)?;
                one(CoachingSessionScheduled {
                    pair: c.pair.clone(),
                    session: c.session.clone(),
                    time,
                    topics: c.topics.clone(),
                }
                .into())
            }
            Command::RescheduleCoachingSession(c) => {
                let pair = self.pair(p, &c.pair)?;
                let scheduled = coaching_to_come(pair, &c.session)?;
                let duration = c
                    .duration_minutes
                    .unwrap_or(scheduled.time.duration_minutes);
                let time = self.time(&c.start, duration)?;
                if let Some(reason) = &c.reason {
                    text(reason)?;
                }
                one(CoachingSessionRescheduled {
                    pair: c.pair.clone(),
                    session: c.session.clone(),
                    time,
                    reason: c.reason.clone(),
                }
                .into())
            }
            Command::CancelCoachingSession(c) => {
                let pair = self.pair(p, &c.pair)?;
                coaching_to_come(pair, &c.session)?;
                text(&c.reason)?;
                one(CoachingSessionCancelled {
                    pair: c.pair.clone(),
                    session: c.session.clone(),
                    reason: c.reason.clone(),
                }
                .into())
            }
            Command::HoldCoachingSession(c) => {
                let pair = self.pair(p, &c.pair)?;
                slug(&c.session)?;
                if pair.coaching.contains_key(&c.session) {
                    return fail(Rule::SessionExists, &c.session);
                }
                if pair.cancelled.contains_key(&c.session) {
                    return fail(Rule::SessionCancelled, &c.session);
                }
                let scheduled = pair.scheduled.get(&c.session);
                let time = match (&c.start, scheduled) {
                    (Some(start), _) => {
                        let duration = c
                            .duration_minutes
                            .or(scheduled.map(|s| s.time.duration_minutes));
                        let Some(duration) = duration else {
                            return fail(Rule::InvalidDuration, "duration_minutes missing");
                        };
                        self.time(start, duration)?
                    }
                    (None, Some(s)) => match c.duration_minutes {
                        Some(d) => self.time(&s.time.start_local, d)?,
                        None => s.time.clone(),
                    },
                    (None, None) => {
                        return fail(
                            Rule::InvalidLocalTime,
                            "start missing (the session was not scheduled)",
                        )
                    }
                };
                if self.now < time.start {
                    return fail(Rule::SessionNotStarted, &time.start_local);
                }
                let topics = if c.topics.is_empty() {
                    scheduled.map(|s| s.topics.clone()).unwrap_or_default()
                } else {
                    c.topics.clone()
                };
                one(CoachingSessionHeld {
                    pair: c.pair.clone(),
                    session: c.session.clone(),
                    time,
                    topics,
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
                    on: self.happened(c.on)?,
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
            let Some(module) = p.modules.get(m) else {
                return fail(Rule::UnknownModule, m);
            };
            if let EvaluationResult::Learning { skill, .. } = &c.result {
                if !module.skills.iter().any(|s| &s.skill == skill) {
                    return fail(
                        Rule::ModuleDoesNotTeachSkill,
                        format!("{m} does not teach {skill}"),
                    );
                }
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
        let on = self.happened(c.on)?;
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
    ) -> Result<&'p crate::domain::program::Session, DomainError> {
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

    fn pair<'p>(
        &self,
        p: &'p Program,
        id: &str,
    ) -> Result<&'p crate::domain::program::Pair, DomainError> {
        p.pairs
            .get(id)
            .ok_or_else(|| DomainError::new(Rule::UnknownPair, id))
    }
}

/// Whether `person` has a role in the program: learner (or mentee), trainer (or mentor) in any
/// state, or a supervisor asked for release time.
fn has_role(p: &Program, person: &str) -> bool {
    p.learners.contains_key(person)
        || p.trainers.contains_key(person)
        || p.pairs
            .values()
            .any(|x| x.mentor == person || x.mentee == person)
        || p.commitments.values().any(|k| k.supervisor == person)
}

/// The pair's coaching session `session`, scheduled and neither held nor cancelled (what a
/// reschedule or a cancellation needs).
fn coaching_to_come<'a>(
    pair: &'a crate::domain::program::Pair,
    session: &str,
) -> Result<&'a CoachingSessionScheduled, DomainError> {
    if pair.coaching.contains_key(session) {
        return fail(Rule::SessionAlreadyHeld, session);
    }
    if pair.cancelled.contains_key(session) {
        return fail(Rule::SessionCancelled, session);
    }
    pair.scheduled
        .get(session)
        .ok_or_else(|| DomainError::new(Rule::UnknownSession, session))
}
