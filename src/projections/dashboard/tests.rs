//! Hand-computed dashboard tests: small logs built from commands, every figure worked out in
//! the comments.

use serde_json::json;

use super::*;
use crate::projections::testlog::TestLog;

/// A small roll-out whose figures are computed by hand in the test below.
pub(crate) fn rollout() -> TestLog {
    let mut log = TestLog::new();
    log.at("2026-01-05T09:00:00Z")
        .org(json!({"type": "ConfigureOrganization", "name": "Library", "time_zone": "Europe/Paris"}))
        .org(json!({"type": "AddPerson", "person": "dora", "name": "Dora", "department": "lending", "branch": "central"}))
        .org(json!({"type": "AddPerson", "person": "gus", "name": "Gus", "department": "lending", "branch": "north"}))
        .org(json!({"type": "AddPerson", "person": "bob", "name": "Bob", "department": "cataloguing", "branch": "central"}));
    for (p, sup) in [
        ("ann", "dora"),
        ("carl", "dora"),
        ("fay", "dora"),
        ("hal", "gus"),
        ("eve", "gus"),
    ] {
        log.org(json!({"type": "AddPerson", "person": p, "name": p.to_uppercase(), "department": "lending", "branch": "central", "supervisor": sup}));
    }
    log.org(json!({"type": "AddSkill", "skill": "search", "name": "Searching the catalogue"}))
        .prog("cat", json!({"type": "CreateProgram", "program": "cat", "kind": "training", "title": "Catalogue", "goal": "Everyone searches"}))
        .prog("cat", json!({"type": "SetDeadline", "deadline": "2026-05-15"}))
        .prog("cat", json!({"type": "MarkStep", "step": "identify_goal"}))
        .prog("cat", json!({"type": "InviteTrainer", "person": "bob"}))
        .prog("cat", json!({"type": "AcceptInvitation", "person": "bob"}))
        .prog("cat", json!({"type": "DefineModule", "module": "m-1", "title": "Search", "skills": [{"skill": "search", "level": 2}]}))
        .prog("cat", json!({"type": "DefineModule", "module": "m-2", "title": "Advanced", "skills": [{"skill": "search", "level": 3}], "required": false}))
        .prog("cat", json!({"type": "SetDesiredOutcome", "skill": "search", "level": 2, "share_per_mille": 750, "by": "2026-06-30"}));
    log.at("2026-02-01T09:00:00Z");
    for p in ["ann", "carl", "fay", "hal", "eve"] {
        log.prog("cat", json!({"type": "EnrolLearner", "person": p}));
    }
    log.prog(
        "cat",
        json!({"type": "AskCommitment", "learner": "ann", "minutes": 240}),
    )
    .prog(
        "cat",
        json!({"type": "CommitReleaseTime", "learner": "ann", "minutes": 240}),
    )
    .prog(
        "cat",
        json!({"type": "AskCommitment", "learner": "fay", "minutes": 240}),
    )
    .prog(
        "cat",
        json!({"type": "CommitReleaseTime", "learner": "fay", "minutes": 240}),
    )
    .prog(
        "cat",
        json!({"type": "AskCommitment", "learner": "hal", "minutes": 120}),
    )
    .prog(
        "cat",
        json!({"type": "DeclineCommitment", "learner": "hal", "reason": "summer"}),
    )
    .prog(
        "cat",
        json!({"type": "SetDeadline", "deadline": "2026-06-30", "reason": "vendor late"}),
    );
    let session = |id: &str, module: &str, start: &str, invitees: serde_json::Value| {
        json!({"type": "ScheduleSession", "session": id, "module": module, "trainers": ["bob"], "start": start,
               "duration_minutes": 120, "location": "Room 1", "capacity": 10, "invitees": invitees})
    };
    log.prog(
        "cat",
        session(
            "s-1",
            "m-1",
            "2026-03-02T09:30",
            json!(["ann", "carl", "fay", "hal", "eve"]),
        ),
    )
    .prog(
        "cat",
        session("s-2", "m-1", "2026-03-09T09:30", json!(["fay"])),
    )
    .prog(
        "cat",
        session("s-3", "m-2", "2026-04-20T09:30", json!(["ann"])),
    )
    .prog(
        "cat",
        session("s-4", "m-1", "2026-05-04T09:30", json!(["fay"])),
    );
    log.at("2026-03-02T12:00:00Z").prog(
        "cat",
        json!({"type": "HoldSession", "session": "s-1", "attendance": [
            {"person": "ann", "present": true}, {"person": "carl", "present": true},
            {"person": "fay", "present": false, "absence_reason": "no_release_time"},
            {"person": "hal", "present": true}, {"person": "eve", "present": false, "absence_reason": "illness"}]}),
    );
    log.at("2026-03-05T12:00:00Z");
    for (p, l) in [("ann", 2), ("carl", 1), ("hal", 3)] {
        log.prog("cat", json!({"type": "RecordEvaluation", "person": p, "module": "m-1", "result": {"level": "learning", "skill": "search", "skill_level": l}}));
    }
    log.prog("cat", json!({"type": "RecordEvaluation", "person": "ann", "result": {"level": "reaction", "rating": 4}}))
        .prog("cat", json!({"type": "RecordEvaluation", "person": "carl", "result": {"level": "reaction", "rating": 5}}))
        .prog("cat", json!({"type": "RecordEvaluation", "person": "ann", "result": {"level": "behaviour", "applied": true}}));
    log.at("2026-03-09T12:00:00Z").prog(
        "cat",
        json!({"type": "HoldSession", "session": "s-2", "attendance": [{"person": "fay", "present": false, "absence_reason": "no_release_time"}]}),
    );
    log.at("2026-03-10T12:00:00Z")
        .prog("cat", json!({"type": "CancelSession", "session": "s-3", "reason": "trainer ill"}))
        .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-1", "person": "ann", "due": "2026-03-20", "purpose": "use"}))
        .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-2", "person": "carl", "due": "2026-04-10", "purpose": "use"}))
        .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-3", "person": "hal", "due": "2026-05-30", "purpose": "use"}))
        .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-4", "person": "eve", "due": "2026-03-25", "purpose": "use"}))
        .prog("cat", json!({"type": "ScheduleFollowUp", "follow_up": "f-5", "person": "ann", "due": "2026-03-10", "purpose": "first"}))
        .prog("cat", json!({"type": "CompleteFollowUp", "follow_up": "f-5", "notes": "fine"}))
        .org(json!({"type": "RecordDeparture", "person": "eve", "on": "2026-03-15"}))
        .prog("cat", json!({"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 30, "on": "2026-03-16"}))
        .prog("cat", json!({"type": "LogPractice", "person": "carl", "skill": "search", "kind": "real_use", "minutes": 20, "on": "2026-03-20"}))
        .prog("cat", json!({"type": "RecordEvaluation", "result": {"level": "results", "metric": "records-per-hour", "value": "12.5"}, "on": "2026-03-20"}))
        .prog("cat", json!({"type": "RecordEvaluation", "result": {"level": "results", "metric": "records-per-hour", "value": "14"}, "on": "2026-03-28"}));
    log
}

fn now() -> Timestamp {
    Timestamp::parse_strict("2026-04-01T10:00:00.000000Z").unwrap()
}

#[test]
fn hand_computed_dashboard() {
    let log = rollout();
    let d = log.replay(Dashboard::new("cat")).result(now()).unwrap();
    assert_eq!(d.today.to_string(), "2026-04-01");
    // Audience: ann, carl, fay, hal (eve's last day, 15 March, is before today).
    assert_eq!(
        (
            d.enrolment.enrolled,
            d.enrolment.withdrawn,
            d.enrolment.leavers,
            d.enrolment.audience
        ),
        (5, 0, 1, 4)
    );
    // s-1: 4 audience invitations, 3 present (eve left out); s-2: fay absent. 3 / 5 = 0.6.
    let a = &d.attendance;
    assert_eq!(
        (a.sessions, a.held, a.cancelled, a.upcoming, a.unrecorded),
        (4, 2, 1, 1, 0)
    );
    assert_eq!((a.expected, a.present, a.rate), (5, 3, Some(0.6)));
    assert_eq!(
        a.absences,
        BTreeMap::from([(AbsenceReason::NoReleaseTime, 2)])
    );
    // m-1 is the only required module (target 2): ann (2) and hal (3) attended and passed;
    // carl attended but scored 1; fay never attended. 2 of 4.
    let done: Vec<_> = d
        .learners
        .iter()
        .filter(|l| l.completed)
        .map(|l| l.person.as_str())
        .collect();
    assert_eq!(done, ["ann", "hal"]);
    assert_eq!(
        (
            d.completion.completed,
            d.completion.audience,
            d.completion.rate
        ),
        (2, 4, Some(0.5))
    );
    // Proficient in search ≥ 2: ann and hal (assessed by their evaluations). Target: ceil(0.75 × 4) = 3.
    let pr = d.proficiency.as_ref().unwrap();
    assert_eq!(
        (pr.proficient, pr.audience, pr.share, pr.met),
        (2, 4, Some(0.5), false)
    );
    // Pace: 2 in 59 days (1 Feb → 1 Apr); 1 to go → ceil(59 / 2) = 30 days → 1 May, before 30 June.
    let dl = &d.deadline;
    assert_eq!(
        (dl.measure, dl.progress, dl.target, dl.changes),
        ("proficient", 2, 3, 1)
    );
    assert_eq!(dl.deadline.unwrap().to_string(), "2026-06-30");
    assert_eq!(dl.start.unwrap().to_string(), "2026-02-01");
    assert_eq!(dl.pace_per_week, Some(0.237)); // 14 / 59
    assert_eq!(dl.forecast.unwrap().to_string(), "2026-05-01");
    assert_eq!(dl.status, DeadlineStatus::OnTrack);
    // Follow-ups: f-1 overdue by 12 days, f-2 due in 9 days, f-3 open later, f-4 is a
    // leaver's (left out), f-5 completed.
    let f = &d.follow_ups;
    assert_eq!((f.open, f.completed), (3, 1));
    assert_eq!(
        f.overdue
            .iter()
            .map(|r| (r.follow_up.as_str(), r.days_overdue))
            .collect::<Vec<_>>(),
        [("f-1", 12)]
    );
    assert_eq!(
        f.due_soon
            .iter()
            .map(|r| (r.follow_up.as_str(), r.days_overdue))
            .collect::<Vec<_>>(),
        [("f-2", -9)]
    );
    // Retention, one trace per learner and skill (only `search` here), mixed measures:
    // h₀ = 3 / 334.84 per day, f = ½; the optimal gap for a 182-day interval is 11.46 % of it,
    // G = 20.857 days. An exposure of `min` minutes after a gap g has dose d = min(1, min/60)
    // and spacing s = min(1, g/G); it multiplies h by 1 − 0.2·s·d and raises retention from r
    // to r' = r + (1 − r)·d, forgetting going on along the new curve from the age a where
    // (1 + h·a)^(−½) = r', i.e. a = (r'^(−2) − 1) / h.
    //   ann: trained 2 Mar (s-1); 30 min on 16 Mar: g = 14, s = 0.67123, d = 0.5;
    //     r = (1 + 14·h₀)^(−½) = 0.94263 → r' = 0.97131; h = (1 − 0.2·0.67123·0.5)·h₀ =
    //     0.93288·h₀, a = 7.171 days; today, 16 days on: (1 + 0.93288·h₀·(7.171 + 16))^(−½) =
    //     1.19367^(−½) = 0.915 (the old model, which restored fully and gained 0.8 whatever
    //     the gap and dose, said 0.947);
    //   carl: 2 Mar; 20 min on 20 Mar: g = 18, s = 0.86302, d = ⅓; r = 0.92797 → r' =
    //     0.95198; h = 0.94247·h₀, a = 12.249; today, 12 days on: 1.20476^(−½) = 0.911 (was
    //     0.960);
    //   hal: 2 Mar only → (1 + h₀·30)^(−½) = 0.888 (unchanged); fay: none.
    // Mean (0.91529 + 0.91107 + 0.88778) / 3 = 0.905 (was 0.932).
    let pr: Vec<_> = d
        .practice
        .learners
        .iter()
        .map(|r| (r.person.as_str(), r.days_since, r.retention))
        .collect();
    assert_eq!(
        pr,
        [
            ("ann", Some(16), Some(0.915)),
            ("carl", Some(12), Some(0.911)),
            ("fay", None, None),
            ("hal", Some(30), Some(0.888))
        ]
    );
    assert_eq!(
        (d.practice.mean_retention, d.practice.minutes),
        (Some(0.905), 50)
    );
    let by_skill: Vec<_> = d
        .practice
        .by_skill
        .iter()
        .map(|s| (s.skill.as_str(), s.learners, s.mean_retention))
        .collect();
    assert_eq!(by_skill, [("search", 3, 0.905)]);
    // Bob taught s-1 and s-2 (2 × 120 min); s-4 is still to come; s-3 was cancelled.
    let t = &d.trainers[0];
    assert_eq!(
        (
            t.person.as_str(),
            t.sessions_held,
            t.minutes_taught,
            t.sessions_upcoming
        ),
        ("bob", 2, 240, 1)
    );
    // Dora: ann and fay, 480 asked and committed, 120 delivered (ann at s-1), fay absent
    // twice for no release time → not kept. Gus: hal, 120 asked, declined, 120 delivered.
    let l = &d.commitments;
    assert_eq!(l.len(), 2);
    assert_eq!(
        (
            l[0].supervisor.as_str(),
            l[0].learners,
            l[0].minutes_asked,
            l[0].minutes_committed,
            l[0].minutes_delivered,
            l[0].no_release_time_absences,
            l[0].kept
        ),
        ("dora", 2, 480, 480, 120, 2, Some(false))
    );
    assert_eq!(
        (
            l[1].supervisor.as_str(),
            l[1].minutes_asked,
            l[1].minutes_committed,
            l[1].minutes_delivered,
            l[1].declined,
            l[1].kept
        ),
        ("gus", 120, 0, 120, 1, None)
    );
    // Kirkpatrick: ratings 4 and 5 → 4.5; levels 2, 1, 3 → mean 2, two at or above 2;
    // one behaviour, applied; the latest result is 14.
    let k = &d.kirkpatrick;
    assert_eq!((k.reaction_count, k.reaction_mean), (2, Some(4.5)));
    assert_eq!(
        (k.learning_count, k.learning_passed, k.learning_mean_level),
        (3, 2, Some(2.0))
    );
    assert_eq!((k.behaviour_count, k.behaviour_applied), (1, 1));
    assert_eq!(
        k.results,
        BTreeMap::from([("records-per-hour".to_string(), "14".to_string())])
    );
    assert!(d.phases[0].done && !d.phases[1].done);
}

#[test]
fn forecast_thresholds() {
    let status = |deadline: &str, now: &str| {
        let mut log = rollout();
        log.at(now).prog(
            "cat",
            json!({"type": "SetDeadline", "deadline": deadline, "reason": "test"}),
        );
        let d = log
            .replay(Dashboard::new("cat"))
            .result(Timestamp::parse_lenient(now).unwrap())
            .unwrap();
        (
            d.deadline.forecast.map(|f| f.to_string()),
            d.deadline.status,
        )
    };
    let forecast = Some("2026-05-01".to_string());
    // The forecast (1 May, see above) against various deadlines, on 1 April.
    assert_eq!(
        status("2026-05-01", "2026-04-01T10:00:00Z"),
        (forecast.clone(), DeadlineStatus::OnTrack)
    );
    assert_eq!(
        status("2026-04-30", "2026-04-01T10:00:00Z"),
        (forecast.clone(), DeadlineStatus::AtRisk)
    );
    // 30 days after the deadline is still "at risk" (the grace is inclusive).
    assert_eq!(
        status("2026-04-01", "2026-04-01T10:00:00Z"),
        (forecast, DeadlineStatus::AtRisk)
    );
    // On 1 December: 2 in 303 days; 1 to go → ceil(151.5) = 152 days → 2 May 2027.
    assert_eq!(
        status("2027-06-30", "2026-12-01T10:00:00Z"),
        (Some("2027-05-02".into()), DeadlineStatus::OnTrack)
    );
    // 62 days after a 1 March deadline: late.
    assert_eq!(
        status("2027-03-01", "2026-12-01T10:00:00Z"),
        (Some("2027-05-02".into()), DeadlineStatus::Late)
    );
    // A passed deadline is late whatever the forecast.
    let log = rollout();
    let late = log
        .replay(Dashboard::new("cat"))
        .result(Timestamp::parse_lenient("2026-07-01T10:00:00Z").unwrap())
        .unwrap();
    assert_eq!(late.deadline.status, DeadlineStatus::Late);
    // A third proficient learner reaches the target: achieved.
    let mut log = rollout();
    log.at("2026-03-31T10:00:00Z")
        .org(json!({"type": "AssessSkill", "person": "fay", "skill": "search", "level": 2, "source": "supervisor"}));
    let done = log.replay(Dashboard::new("cat")).result(now()).unwrap();
    assert_eq!(
        (done.deadline.progress, done.deadline.status),
        (3, DeadlineStatus::Achieved)
    );
    assert!(done.proficiency.unwrap().met);
}

#[test]
fn hand_computed_mentoring_dashboard() {
    let mut log = TestLog::new();
    log.at("2026-01-05T09:00:00Z")
        .org(json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "UTC"}));
    for p in ["bob", "mia", "ann", "carl", "dan"] {
        log.org(
            json!({"type": "AddPerson", "person": p, "name": p, "department": "d", "branch": "b"}),
        );
    }
    log.org(json!({"type": "AddSkill", "skill": "reports", "name": "Reports"}))
        .prog("men", json!({"type": "CreateProgram", "program": "men", "kind": "mentoring", "title": "Reports"}))
        .prog("men", json!({"type": "SetDesiredOutcome", "skill": "reports", "level": 3, "share_per_mille": 500, "by": "2026-06-30"}));
    for m in ["bob", "mia"] {
        log.prog("men", json!({"type": "InviteTrainer", "person": m}))
            .prog("men", json!({"type": "AcceptInvitation", "person": m}));
    }
    log.at("2026-02-01T09:00:00Z")
        .prog("men", json!({"type": "PairMentee", "pair": "p-1", "mentor": "bob", "mentee": "ann"}))
        .prog("men", json!({"type": "PairMentee", "pair": "p-2", "mentor": "mia", "mentee": "carl"}))
        .prog("men", json!({"type": "PairMentee", "pair": "p-3", "mentor": "bob", "mentee": "dan"}))
        .prog("men", json!({"type": "AssessNeeds", "pair": "p-1", "goals": ["monthly report"], "desired_outcomes": ["alone by May"]}))
        .prog("men", json!({"type": "RecordBaseline", "pair": "p-1", "already_knows": ["search"], "already_works": []}))
        .prog("men", json!({"type": "SetPriorities", "pair": "p-1", "priorities": ["report"]}))
        .prog("men", json!({"type": "GiveAssignment", "pair": "p-1", "assignment": "a-1", "description": "draft", "due": "2026-02-20"}))
        .prog("men", json!({"type": "GiveAssignment", "pair": "p-2", "assignment": "a-1", "description": "draft", "due": "2026-03-01"}));
    log.at("2026-03-01T09:00:00Z")
        .prog("men", json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-1", "start": "2026-02-10T10:00", "duration_minutes": 60}))
        .prog("men", json!({"type": "HoldCoachingSession", "pair": "p-1", "session": "c-2", "start": "2026-02-24T10:00", "duration_minutes": 60}))
        .prog("men", json!({"type": "HoldCoachingSession", "pair": "p-2", "session": "c-1", "start": "2026-02-12T10:00", "duration_minutes": 45}))
        .prog("men", json!({"type": "CompleteAssignment", "pair": "p-1", "assignment": "a-1", "on": "2026-02-19"}));
    for (p, l) in [("ann", 3), ("carl", 3), ("dan", 2)] {
        log.prog("men", json!({"type": "RecordEvaluation", "person": p, "result": {"level": "learning", "skill": "reports", "skill_level": l}}));
    }
    log.org(json!({"type": "RecordDeparture", "person": "dan", "on": "2026-03-15"}));
    let d = log.replay(Dashboard::new("men")).result(now()).unwrap();
    // Audience: ann and carl (dan left). ann: assignment done and level 3 ≥ 3 → completed;
    // carl's assignment is still open → not completed. 1 of 2.
    assert_eq!(
        (
            d.enrolment.enrolled,
            d.enrolment.leavers,
            d.enrolment.audience
        ),
        (3, 1, 2)
    );
    assert_eq!((d.completion.completed, d.completion.rate), (1, Some(0.5)));
    // Both are at level 3; the target is ceil(0.5 × 2) = 1: achieved.
    let pr = d.proficiency.as_ref().unwrap();
    assert_eq!((pr.proficient, pr.share, pr.met), (2, Some(1.0), true));
    assert_eq!(d.deadline.status, DeadlineStatus::Achieved);
    let m = d.mentoring.as_ref().unwrap();
    assert_eq!(
        (
            m.pairs,
            m.coaching_sessions,
            m.coaching_minutes,
            m.assignments,
            m.assignments_done,
            m.assignments_overdue
        ),
        (3, 3, 165, 2, 1, 1)
    );
    let load: Vec<_> = d
        .trainers
        .iter()
        .map(|t| (t.person.as_str(), t.pairs, t.coaching_sessions))
        .collect();
    assert_eq!(load, [("bob", 2, 2), ("mia", 1, 1)]);
    // Coaching sessions expose the mentee's skills in the program (here the outcome's,
    // `reports`): ann 10 Feb (trained), 24 Feb (60 min: d = 1; g = 14, s = 14 / 20.857 =
    // 0.67123: h = (1 − 0.2·0.67123)·h₀ = 0.86575·h₀, fully restored) → 36 days later
    // (1 + 0.86575·h₀·36)^(−½) = 1.27924^(−½) = 0.884 (the old model: 0.892); carl 12 Feb
    // only → 48 days at h₀: 0.836. Mean (0.88415 + 0.83623) / 2 = 0.860.
    let r: Vec<_> = d
        .practice
        .learners
        .iter()
        .map(|x| (x.person.as_str(), x.retention))
        .collect();
    assert_eq!(r, [("ann", Some(0.884)), ("carl", Some(0.836))]);
    assert_eq!(d.practice.mean_retention, Some(0.86));
    assert_eq!(d.phases.len(), 6);
}

#[test]
fn no_progress_is_at_risk() {
    let mut log = TestLog::new();
    log.org(json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "UTC"}))
        .org(json!({"type": "AddPerson", "person": "ann", "name": "Ann", "department": "d", "branch": "b"}))
        .prog("p", json!({"type": "CreateProgram", "program": "p", "kind": "training", "title": "P"}))
        .prog("p", json!({"type": "SetDeadline", "deadline": "2026-06-30"}))
        .prog("p", json!({"type": "EnrolLearner", "person": "ann"}));
    let d = log.replay(Dashboard::new("p")).result(now()).unwrap();
    assert_eq!(
        (d.deadline.measure, d.deadline.progress, d.deadline.target),
        ("completed", 0, 1)
    );
    assert_eq!(
        (d.deadline.forecast, d.deadline.status),
        (None, DeadlineStatus::AtRisk)
    );
    assert_eq!(
        (
            d.attendance.rate,
            d.completion.rate,
            d.practice.mean_retention
        ),
        (None, Some(0.0), None)
    );
}

#[test]
fn other_programs_do_not_leak_in() {
    let mut log = rollout();
    log.prog(
        "other",
        json!({"type": "CreateProgram", "program": "other", "kind": "mentoring", "title": "Other"}),
    );
    let d = log.replay(Dashboard::new("cat")).result(now()).unwrap();
    assert_eq!(d.program, "cat");
    assert!(log.replay(Dashboard::new("nope")).result(now()).is_none());
}

#[test]
fn practising_one_skill_does_not_refresh_another() {
    // Flaw (d) of the old model: all of a learner's exposures in a program made one trace.
    let mut log = TestLog::new();
    log.at("2026-01-05T09:00:00Z")
        .org(json!({"type": "ConfigureOrganization", "name": "L", "time_zone": "UTC"}))
        .org(json!({"type": "AddPerson", "person": "ann", "name": "Ann", "department": "d", "branch": "b"}))
        .org(json!({"type": "AddPerson", "person": "bob", "name": "Bob", "department": "d", "branch": "b"}))
        .org(json!({"type": "AddSkill", "skill": "a", "name": "A"}))
        .org(json!({"type": "AddSkill", "skill": "b", "name": "B"}))
        .prog("p", json!({"type": "CreateProgram", "program": "p", "kind": "training", "title": "P"}))
        .prog("p", json!({"type": "InviteTrainer", "person": "bob"}))
        .prog("p", json!({"type": "AcceptInvitation", "person": "bob"}))
        .prog("p", json!({"type": "DefineModule", "module": "m", "title": "A and B", "skills": [{"skill": "a", "level": 2}, {"skill": "b", "level": 2}]}))
        .prog("p", json!({"type": "EnrolLearner", "person": "ann"}))
        .prog("p", json!({"type": "ScheduleSession", "session": "s", "module": "m", "trainers": ["bob"], "start": "2026-03-02T09:30",
               "duration_minutes": 120, "location": "Room 1", "capacity": 10, "invitees": ["ann"]}));
    log.at("2026-03-02T12:00:00Z").prog(
        "p",
        json!({"type": "HoldSession", "session": "s", "attendance": [{"person": "ann", "present": true}]}),
    );
    log.at("2026-05-01T12:00:00Z").prog(
        "p",
        json!({"type": "LogPractice", "person": "ann", "skill": "a", "kind": "real_use", "minutes": 60, "on": "2026-05-01"}),
    );
    let d = log
        .replay(Dashboard::new("p"))
        .result(Timestamp::parse_lenient("2026-07-01T10:00:00Z").unwrap())
        .unwrap();
    // The 120-minute session trains both skills on 2 March (60 minutes each). a: practised an
    // hour on 1 May, 60 days on (past the optimal gap of 20.857 days: s = 1, d = 1): h =
    // 0.8·h₀, m = 1; on 1 July, 61 days on: (1 + 0.8·h₀·61)^(−½) = 1.43722^(−½) = 0.834.
    // b: nothing since 2 March, 121 days: (1 + h₀·121)^(−½) = 2.08410^(−½) = 0.693, the
    // weakest. (Pooled, the old model read both at 0.834.)
    let row = &d.practice.learners[0];
    let traces: Vec<_> = d
        .practice
        .traces
        .iter()
        .map(|t| {
            (
                t.person.as_str(),
                t.skill.as_str(),
                t.days_since,
                t.retention,
            )
        })
        .collect();
    assert_eq!(traces, [("ann", "a", 61, 0.834), ("ann", "b", 121, 0.693)]);
    assert_eq!(
        (row.retention, row.weakest_skill.as_deref(), row.days_since),
        (Some(0.693), Some("b"), Some(61))
    );
    assert_eq!(d.practice.mean_retention, Some(0.693));
    let by_skill: Vec<_> = d
        .practice
        .by_skill
        .iter()
        .map(|s| {
            (
                s.skill.as_str(),
                s.name.as_deref(),
                s.learners,
                s.mean_retention,
            )
        })
        .collect();
    assert_eq!(
        by_skill,
        [("a", Some("A"), 1, 0.834), ("b", Some("B"), 1, 0.693)]
    );
}
