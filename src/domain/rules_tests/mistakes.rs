//! Issue 8: the rules hold under a real coordinator's mistakes. The same given/when/then
//! helper as the rest of `rules_tests`; each case fails without the rule it shows.

use serde_json::json;

use super::*;

/// [`training`] (events 0–16) plus ann's learning evaluation in search through m-1 (17) and
/// the assessment it recorded in the organization (18).
fn evaluated() -> Vec<Ev> {
    with(
        training(),
        vec![
            (
                "EvaluationRecorded",
                json!({"person": "ann", "module": "m-1", "result": {"level": "learning", "skill": "search", "skill_level": 2}, "on": "2026-03-12"}),
            ),
            (
                "SkillAssessed",
                json!({"person": "ann", "skill": "search", "level": 2, "source": "evaluation", "on": "2026-03-12"}),
            ),
        ],
    )
}

fn void(stream: &str, target: usize, ty: &str, reason: &str) -> Ev {
    (
        "EventVoided",
        json!({"stream": stream, "event_id": id(target), "voided_type": ty, "reason": reason}),
    )
}

#[test]
fn counts_and_durations_stay_in_their_plausible_range() {
    // A total can no longer wrap: one entry is at most a day of minutes.
    given(training()).when(json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 4294967295u64}))
        .fails(Rule::OutOfRange, "minutes 4294967295: expected 1 to 1440");
    given(training()).when(json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 1440}))
        .then(vec![(CAT, "PracticeLogged", json!({"person": "ann", "skill": "search", "kind": "sandbox", "minutes": 1440, "on": "2026-03-15"}))]);
    given(training()).when(json!({"type": "ScheduleSession", "session": "s-2", "module": "m-1", "trainers": ["bob"], "start": "2026-04-10T09:30", "duration_minutes": 1441, "location": "Room 1", "capacity": 10}))
        .fails(Rule::OutOfRange, "duration_minutes 1441: expected 1 to 1440");
    given(training()).when(json!({"type": "ScheduleSession", "session": "s-2", "module": "m-1", "trainers": ["bob"], "start": "2026-04-10T09:30", "duration_minutes": 60, "location": "Room 1", "capacity": 10001}))
        .fails(Rule::OutOfRange, "capacity 10001: expected 1 to 10000");
    given(training())
        .when(json!({"type": "AskCommitment", "learner": "ann", "minutes": 100001}))
        .fails(Rule::OutOfRange, "minutes 100001: expected 1 to 100000");
}

#[test]
fn a_correction_keeps_the_type_and_the_stream() {
    let ann_enrolled = id(14).to_string();
    given(training())
        .when(json!({"type": "CorrectEvent", "event_id": ann_enrolled, "reason": "x",
                     "replacement": {"type": "LogPractice", "person": "carl", "skill": "search", "kind": "sandbox", "minutes": 30}}))
        .fails(Rule::CorrectionChangesType, "LearnerEnrolled replaced by LogPractice");
    // A program command cannot void the organization's events (eve's departure, event 7).
    given(training())
        .when(json!({"type": "VoidEvent", "event_id": id(7), "reason": "she stayed"}))
        .fails(Rule::EventInOrganization, &id(7).to_string());
    given(training())
        .when(json!({"type": "CorrectEvent", "event_id": id(7), "reason": "x", "replacement": {"type": "RecordDeparture", "person": "eve", "on": "2026-02-02"}}))
        .fails(Rule::EventInOrganization, &id(7).to_string());
    // An event named by neither id nor seq (the application resolves a seq first).
    given(training())
        .when(json!({"type": "VoidEvent", "reason": "x"}))
        .fails(Rule::UnknownEvent, "no event_id or seq given");
}

#[test]
fn voiding_a_learning_evaluation_voids_its_assessment() {
    given(evaluated())
        .when(json!({"type": "VoidEvent", "event_id": id(17), "reason": "wrong person"}))
        .then(vec![
            (CAT, "EventVoided", json!({"stream": "program", "event_id": id(17), "voided_type": "EvaluationRecorded", "reason": "wrong person", "corrected": false})),
            (ORG, "EventVoided", json!({"stream": "organization", "event_id": id(18), "voided_type": "SkillAssessed", "reason": "wrong person", "corrected": false})),
        ]);
    // A correction: the old assessment goes, the replacement records the new one.
    given(evaluated())
        .when(json!({"type": "CorrectEvent", "event_id": id(17), "reason": "level 3",
                     "replacement": {"type": "RecordEvaluation", "person": "ann", "module": "m-1", "result": {"level": "learning", "skill": "search", "skill_level": 3}, "on": "2026-03-12"}}))
        .then(vec![
            (CAT, "EventVoided", json!({"stream": "program", "event_id": id(17), "voided_type": "EvaluationRecorded", "reason": "level 3", "corrected": true})),
            (CAT, "EvaluationRecorded", json!({"person": "ann", "module": "m-1", "result": {"level": "learning", "skill": "search", "skill_level": 3}, "on": "2026-03-12"})),
            (ORG, "SkillAssessed", json!({"person": "ann", "skill": "search", "level": 3, "source": "evaluation", "on": "2026-03-12"})),
            (ORG, "EventVoided", json!({"stream": "organization", "event_id": id(18), "voided_type": "SkillAssessed", "reason": "level 3", "corrected": true})),
        ]);
}

#[test]
fn a_void_can_be_voided() {
    let voided = with(
        training(),
        vec![void("program", 14, "LearnerEnrolled", "x")],
    );
    given(voided.clone())
        .when(json!({"type": "VoidEvent", "event_id": id(17), "reason": "she was enrolled after all"}))
        .then(vec![(CAT, "EventVoided", json!({"stream": "program", "event_id": id(17), "voided_type": "EventVoided", "reason": "she was enrolled after all", "corrected": false}))]);
    // Once the void is voided, ann's enrolment counts again.
    let restored = with(
        voided.clone(),
        vec![void("program", 17, "EventVoided", "y")],
    );
    given(restored.clone())
        .when(json!({"type": "EnrolLearner", "person": "ann"}))
        .fails(Rule::AlreadyEnrolled, "ann");
    given(restored)
        .when(json!({"type": "VoidEvent", "event_id": id(17), "reason": "again"}))
        .fails(Rule::AlreadyVoided, &id(17).to_string());
    // A void is voided, never corrected.
    given(voided)
        .when(json!({"type": "CorrectEvent", "event_id": id(17), "reason": "x", "replacement": {"type": "EnrolLearner", "person": "ann"}}))
        .fails(Rule::CannotVoid, "EventVoided");
    // The void of a correction is not voided (the original and its replacement would both
    // count): the replacement is corrected instead.
    let corrected = with(
        training(),
        vec![(
            "EventVoided",
            json!({"stream": "program", "event_id": id(14), "voided_type": "LearnerEnrolled", "reason": "date", "corrected": true}),
        )],
    );
    given(corrected)
        .when(json!({"type": "VoidEvent", "event_id": id(17), "reason": "x"}))
        .fails(
            Rule::CannotVoid,
            "the void of a correction (correct its replacement instead)",
        );
    // Voiding the void of a learning evaluation restores its assessment too.
    let evaluation_voided = with(
        evaluated(),
        vec![
            void("program", 17, "EvaluationRecorded", "x"),
            void("organization", 18, "SkillAssessed", "x"),
        ],
    );
    given(evaluation_voided)
        .when(json!({"type": "VoidEvent", "event_id": id(19), "reason": "it was ann"}))
        .then(vec![
            (CAT, "EventVoided", json!({"stream": "program", "event_id": id(19), "voided_type": "EventVoided", "reason": "it was ann", "corrected": false})),
            (ORG, "EventVoided", json!({"stream": "organization", "event_id": id(20), "voided_type": "EventVoided", "reason": "it was ann", "corrected": false})),
        ]);
}

#[test]
fn rules_reject_what_makes_no_sense() {
    given(training()).when(json!({"type": "RecordEvaluation", "person": "ann", "module": "m-1", "result": {"level": "learning", "skill": "cataloguing", "skill_level": 2}}))
        .fails(Rule::ModuleDoesNotTeachSkill, "m-1 does not teach cataloguing");
    let asked = with(
        training(),
        vec![(
            "CommitmentAsked",
            json!({"supervisor": "dora", "learner": "ann", "minutes": 360, "on": "2026-03-01"}),
        )],
    );
    given(asked.clone())
        .when(json!({"type": "AskCommitment", "learner": "ann", "minutes": 360}))
        .fails(Rule::CommitmentExists, "ann");
    let committed = with(
        asked,
        vec![(
            "CommitmentMade",
            json!({"supervisor": "dora", "learner": "ann", "minutes": 360, "on": "2026-03-02"}),
        )],
    );
    given(committed)
        .when(json!({"type": "CommitReleaseTime", "learner": "ann", "minutes": 360}))
        .fails(Rule::CommitmentExists, "ann");
    // mia trains in another program, not in this one.
    given(training())
        .when(json!({"type": "Congratulate", "people": ["ann", "mia"], "milestone": "live"}))
        .fails(Rule::NoRoleInProgram, "mia");
    // Something that happened: at most one day after today (15 March in Paris).
    given(training()).when(json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 30, "on": "2026-03-16"}))
        .then(vec![(CAT, "PracticeLogged", json!({"person": "ann", "skill": "search", "kind": "sandbox", "minutes": 30, "on": "2026-03-16"}))]);
    given(training()).when(json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 30, "on": "2026-03-17"}))
        .fails(Rule::FutureDay, "2026-03-17 (today is 2026-03-15)");
    given(training()).when(json!({"type": "RecordEvaluation", "person": "ann", "result": {"level": "reaction", "rating": 4}, "on": "2026-04-01"}))
        .fails(Rule::FutureDay, "2026-04-01 (today is 2026-03-15)");
    given(org()).when(json!({"type": "AssessSkill", "person": "ann", "skill": "search", "level": 2, "source": "self", "on": "2026-04-01"}))
        .fails(Rule::FutureDay, "2026-04-01 (today is 2026-03-15)");
    // Days of things planned are exempt.
    given(training()).when(json!({"type": "ScheduleFollowUp", "follow_up": "f-9", "person": "ann", "due": "2026-06-01", "purpose": "check"}))
        .then(vec![(CAT, "FollowUpScheduled", json!({"follow_up": "f-9", "person": "ann", "due": "2026-06-01", "purpose": "check"}))]);
    // A follow-up scheduled on 1 January (when the given events occurred) is not completed
    // on an earlier day; on that day it is.
    let scheduled = with(
        training(),
        vec![(
            "FollowUpScheduled",
            json!({"follow_up": "f-1", "person": "ann", "due": "2026-02-01", "purpose": "check"}),
        )],
    );
    given(scheduled.clone())
        .when(json!({"type": "CompleteFollowUp", "follow_up": "f-1", "notes": "x", "on": "2025-12-20"}))
        .fails(
            Rule::FollowUpBeforeScheduled,
            "f-1 completed 2025-12-20, scheduled 2026-01-01",
        );
    given(scheduled)
        .when(json!({"type": "CompleteFollowUp", "follow_up": "f-1", "notes": "x", "on": "2026-01-01"}))
        .then(vec![(
            CAT,
            "FollowUpCompleted",
            json!({"follow_up": "f-1", "notes": "x", "on": "2026-01-01"}),
        )]);
    // Re-ticking a done step would move its day.
    let ticked = with(
        training(),
        vec![(
            "PhaseStepMarked",
            json!({"step": "identify_goal", "done": true, "on": "2026-01-10"}),
        )],
    );
    given(ticked.clone())
        .when(json!({"type": "MarkStep", "step": "identify_goal", "on": "2026-03-01"}))
        .fails(Rule::StepAlreadyDone, "identify_goal");
    given(ticked)
        .when(json!({"type": "MarkStep", "step": "identify_goal", "done": false}))
        .then(vec![(
            CAT,
            "PhaseStepMarked",
            json!({"step": "identify_goal", "done": false, "on": "2026-03-15"}),
        )]);
}

#[test]
fn archiving_with_work_pending_needs_force_and_reopening_undoes_it() {
    let open = with(
        training(),
        vec![(
            "FollowUpScheduled",
            json!({"follow_up": "f-1", "person": "ann", "due": "2026-04-20", "purpose": "check"}),
        )],
    );
    given(open.clone())
        .when(json!({"type": "ArchiveProgram", "reason": "done"}))
        .fails(
            Rule::ArchiveWithPendingWork,
            "0 sessions to come, 1 open follow-ups",
        );
    given(open)
        .when(json!({"type": "ArchiveProgram", "reason": "done", "force": true}))
        .then(vec![(CAT, "ProgramArchived", json!({"reason": "done"}))]);
    given(training())
        .when(json!({"type": "ReopenProgram", "reason": "x"}))
        .fails(Rule::ProgramNotArchived, "cat");
    let archived = with(
        training(),
        vec![("ProgramArchived", json!({"reason": "done"}))],
    );
    given(archived.clone())
        .when(json!({"type": "ReopenProgram", "reason": "archived by mistake"}))
        .then(vec![(
            CAT,
            "ProgramReopened",
            json!({"reason": "archived by mistake"}),
        )]);
    let reopened = with(
        archived,
        vec![("ProgramReopened", json!({"reason": "mistake"}))],
    );
    given(reopened)
        .when(json!({"type": "SetGoal", "goal": "again"}))
        .then(vec![(CAT, "GoalSet", json!({"goal": "again"}))]);
}

/// The mentoring program with coaching session c-2 of pair p-1 scheduled for 18 March, 14:00.
fn coaching_scheduled() -> Vec<Ev> {
    with(
        mentoring(),
        vec![(
            "CoachingSessionScheduled",
            json!({"pair": "p-1", "session": "c-2",
            "time": {"start_local": "2026-03-18T14:00", "time_zone": "Europe/Paris", "start": "2026-03-18T13:00:00.000000Z", "duration_minutes": 60},
            "topics": ["batch edits"]}),
        )],
    )
}

#[test]
fn coaching_sessions_can_be_scheduled_ahead() {
    given(mentoring()).when(json!({"type": "ScheduleCoachingSession", "pair": "p-1", "session": "c-2", "start": "2026-03-18T14:00", "duration_minutes": 60, "topics": ["batch edits"]}))
        .then(vec![(MEN, "CoachingSessionScheduled", json!({"pair": "p-1", "session": "c-2",
            "time": {"start_local": "2026-03-18T14:00", "time_zone": "Europe/Paris", "start": "2026-03-18T13:00:00.000000Z", "duration_minutes": 60},
            "topics": ["batch edits"]}))]);
    let scheduled = coaching_scheduled();
    given(scheduled.clone())
        .when(json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-2"}))
        .fails(Rule::SessionNotStarted, "2026-03-18T14:00");
    // Held as scheduled: its time and topics come from the schedule.
    given(scheduled.clone())
        .at("2026-03-18T15:00:00.000000Z")
        .when(json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-2"}))
        .then(vec![(MEN, "CoachingSessionHeld", json!({"pair": "p-1", "session": "c-2",
            "time": {"start_local": "2026-03-18T14:00", "time_zone": "Europe/Paris", "start": "2026-03-18T13:00:00.000000Z", "duration_minutes": 60},
            "topics": ["batch edits"]}))]);
    given(scheduled)
        .when(json!({"type": "ScheduleCoachingSession", "pair": "p-1", "session": "c-2", "start": "2026-03-19T14:00", "duration_minutes": 60}))
        .fails(Rule::SessionExists, "c-2");
    given(mentoring())
        .when(json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-9"}))
        .fails(
            Rule::InvalidLocalTime,
            "start missing (the session was not scheduled)",
        );
}

#[test]
fn coaching_sessions_can_be_moved_and_cancelled_before_they_are_held() {
    let scheduled = coaching_scheduled();
    // Moved: the length stays unless given.
    given(scheduled.clone())
        .when(json!({"type": "RescheduleCoachingSession", "pair": "p-1", "session": "c-2", "start": "2026-03-19T10:00", "reason": "mentor on leave"}))
        .then(vec![(MEN, "CoachingSessionRescheduled", json!({"pair": "p-1", "session": "c-2",
            "time": {"start_local": "2026-03-19T10:00", "time_zone": "Europe/Paris", "start": "2026-03-19T09:00:00.000000Z", "duration_minutes": 60},
            "reason": "mentor on leave"}))]);
    given(scheduled.clone())
        .when(json!({"type": "RescheduleCoachingSession", "pair": "p-1", "session": "c-9", "start": "2026-03-19T10:00"}))
        .fails(Rule::UnknownSession, "c-9");
    given(scheduled.clone())
        .when(json!({"type": "CancelCoachingSession", "pair": "p-1", "session": "c-2", "reason": "the mentee changed branch"}))
        .then(vec![(
            MEN,
            "CoachingSessionCancelled",
            json!({"pair": "p-1", "session": "c-2", "reason": "the mentee changed branch"}),
        )]);
    let cancelled = with(
        scheduled.clone(),
        vec![(
            "CoachingSessionCancelled",
            json!({"pair": "p-1", "session": "c-2", "reason": "moved away"}),
        )],
    );
    // A cancelled session is neither held, moved, cancelled again nor scheduled anew under its id.
    given(cancelled.clone())
        .at("2026-03-18T15:00:00.000000Z")
        .when(json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-2"}))
        .fails(Rule::SessionCancelled, "c-2");
    given(cancelled.clone())
        .when(json!({"type": "RescheduleCoachingSession", "pair": "p-1", "session": "c-2", "start": "2026-03-19T10:00"}))
        .fails(Rule::SessionCancelled, "c-2");
    given(cancelled)
        .when(json!({"type": "ScheduleCoachingSession", "pair": "p-1", "session": "c-2", "start": "2026-03-19T14:00", "duration_minutes": 60}))
        .fails(Rule::SessionExists, "c-2");
    // A held one cannot be moved or cancelled.
    let held = with(
        scheduled,
        vec![(
            "CoachingSessionHeld",
            json!({"pair": "p-1", "session": "c-2",
            "time": {"start_local": "2026-03-18T14:00", "time_zone": "Europe/Paris", "start": "2026-03-18T13:00:00.000000Z", "duration_minutes": 60},
            "topics": []}),
        )],
    );
    given(held)
        .when(json!({"type": "CancelCoachingSession", "pair": "p-1", "session": "c-2", "reason": "x"}))
        .fails(Rule::SessionAlreadyHeld, "c-2");
}
