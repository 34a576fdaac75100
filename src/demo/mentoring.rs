//! The mentoring cohort: eight pairs from May to October 2026. New staff are mentored at the
//! desk; a new deputy manager learns to lead and report; and three specialists pass on what
//! only they know (kiosks, acquisitions, original cataloguing).

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::plan::{at, day, plus, workday, ymd, Plan};
use super::world::World;

const P: &str = super::MENTORING;

/// What a pair works on.
struct Focus {
    goals: &'static [&'static str],
    outcomes: &'static [&'static str],
    knows: &'static [&'static str],
    works: &'static [&'static str],
    priorities: &'static [&'static str],
    /// The skill evaluated at the end, and the level the mentee shows.
    skill: &'static str,
    level: u8,
}

const DESK: Focus = Focus {
    goals: &[
        "work the desk alone in the new system",
        "know the branch's routines",
    ],
    outcomes: &["a Saturday shift without calling for help"],
    knows: &[
        "library work from a previous post",
        "basic catalogue searches",
    ],
    works: &["patron contact"],
    priorities: &["loans and returns", "holds", "opening and closing"],
    skill: "circulation",
    level: 3,
};

const FOCUS: [Focus; 5] = [
    Focus {
        goals: &["lead the desk team", "use the new statistics"],
        outcomes: &[
            "the monthly branch report without help",
            "a rota that holds for a month",
        ],
        knows: &["team leading in a previous post"],
        works: &["rota planning"],
        priorities: &["reports", "team routines", "complaints"],
        skill: "reports",
        level: 3,
    },
    Focus {
        goals: &["handle patron accounts and fees with confidence"],
        outcomes: &["settle a fee dispute alone"],
        knows: &["loans and returns"],
        works: &["story-time sessions"],
        priorities: &["fees", "holds", "merging duplicate accounts"],
        skill: "patron-accounts",
        level: 3,
    },
    Focus {
        goals: &["look after the self-service kiosks and RFID gates"],
        outcomes: &["restart and reconfigure a kiosk without the digital lead"],
        knows: &["the kiosks' daily checks"],
        works: &["helping patrons at the kiosks"],
        priorities: &[
            "kiosk configuration",
            "RFID gate alarms",
            "calling the vendor",
        ],
        skill: "kiosk-admin",
        level: 2,
    },
    Focus {
        goals: &["cover acquisitions and serials when the acquisitions librarian is away"],
        outcomes: &["run the monthly order cycle alone"],
        knows: &["copy cataloguing", "invoice checks"],
        works: &["supplier e-mails"],
        priorities: &["ordering", "serials check-in", "budget reports"],
        skill: "acquisitions",
        level: 3,
    },
    Focus {
        goals: &["catalogue local-history material from scratch"],
        outcomes: &["ten original records a month without revision"],
        knows: &["copy cataloguing"],
        works: &["authority checks"],
        priorities: &[
            "RDA basics",
            "the local-history series",
            "authority records",
        ],
        skill: "original-cataloguing",
        level: 2,
    },
];

fn step(plan: &mut Plan, now: crate::domain::Timestamp, actor: &str, command: Value) {
    plan.prog(now, actor, P, command);
}

fn mark(plan: &mut Plan, d: NaiveDate, actor: &str, name: &str) {
    step(
        plan,
        at(d, 17, 30),
        actor,
        json!({"type": "MarkStep", "step": name, "on": ymd(d)}),
    );
}

/// Writes the cohort's steps.
pub(super) fn run(plan: &mut Plan, w: &World) {
    let c = w.central_manager.clone();
    step(
        plan,
        at(day(2026, 4, 27), 10, 0),
        &c,
        json!({"type": "CreateProgram", "program": P, "kind": "mentoring", "title": "Mentoring cohort 2026",
               "goal": "New colleagues settle in within six months, and what only one person knows is known by two"}),
    );
    let invited = day(2026, 4, 28);
    for m in &w.mentors {
        step(
            plan,
            at(invited, 11, 0),
            &c,
            json!({"type": "InviteTrainer", "person": m, "on": ymd(invited)}),
        );
    }
    let last = w.mentors.len() - 1;
    for (i, m) in w.mentors.iter().enumerate() {
        let answered = workday(plus(invited, plan.between(1, 5)));
        let command = if i == last {
            json!({"type": "DeclineInvitation", "person": m, "reason": "already coaching two interns this year", "on": ymd(answered)})
        } else {
            json!({"type": "AcceptInvitation", "person": m, "on": ymd(answered)})
        };
        step(plan, at(answered, 12, 0), &c, command);
    }
    let start = day(2026, 5, 6);
    for (i, mentee) in w.mentees.iter().enumerate() {
        let mentor = &w.mentors[i];
        let focus = if i < 3 { &DESK } else { &FOCUS[i - 3] };
        let joined = w.person(mentee).joined;
        let paired = workday(start.max(plus(joined, 7)));
        pair(plan, &c, i + 1, mentor, mentee, focus, paired);
    }
    mark(plan, day(2026, 5, 15), &c, "assess_needs");
    mark(plan, day(2026, 5, 20), &c, "baseline");
    mark(plan, day(2026, 5, 22), &c, "prioritize");
    mark(plan, day(2026, 5, 27), &c, "personalize");
    mark(plan, day(2026, 7, 24), &c, "follow_up");
    mark(plan, day(2026, 10, 16), &c, "evaluate");
}

fn pair(
    plan: &mut Plan,
    c: &str,
    n: usize,
    mentor: &str,
    mentee: &str,
    focus: &Focus,
    paired: NaiveDate,
) {
    let id = format!("p-{n}");
    step(
        plan,
        at(paired, 10, 0),
        c,
        json!({"type": "PairMentee", "pair": id, "mentor": mentor, "mentee": mentee, "on": ymd(paired)}),
    );
    let needs = workday(plus(paired, plan.between(3, 7)));
    step(
        plan,
        at(needs, 15, 0),
        mentor,
        json!({"type": "AssessNeeds", "pair": id, "goals": focus.goals, "desired_outcomes": focus.outcomes, "on": ymd(needs)}),
    );
    let baseline = workday(plus(needs, plan.between(2, 4)));
    step(
        plan,
        at(baseline, 15, 0),
        mentor,
        json!({"type": "RecordBaseline", "pair": id, "already_knows": focus.knows, "already_works": focus.works, "on": ymd(baseline)}),
    );
    let priorities = workday(plus(baseline, plan.between(2, 4)));
    step(
        plan,
        at(priorities, 15, 0),
        mentor,
        json!({"type": "SetPriorities", "pair": id, "priorities": focus.priorities, "on": ymd(priorities)}),
    );
    step(
        plan,
        at(plus(paired, 1), 9, 0),
        c,
        json!({"type": "ScheduleFollowUp", "follow_up": format!("{id}-mid"), "person": mentee, "due": "2026-07-24", "purpose": "mid-point check with mentee and mentor"}),
    );

    // Coaching every two to three weeks; an assignment at every other session.
    let mut d = workday(plus(priorities, plan.between(3, 6)));
    let end = day(2026, 10, 30);
    let mut k = 0;
    while d <= end {
        k += 1;
        let minutes = plan.weighted(&[(60, 2), (90, 1)]);
        let hour = plan.weighted(&[(14, 1), (16, 1)]);
        let topic = focus.priorities[(k - 1) % focus.priorities.len()];
        let recorded = at(d, hour, 0).plus_seconds(i64::from(minutes) * 60 + 1800);
        step(
            plan,
            recorded,
            mentor,
            json!({"type": "HoldCoachingSession", "pair": id, "session": format!("c-{k}"), "start": format!("{}T{hour:02}:00", ymd(d)), "duration_minutes": minutes, "topics": [topic]}),
        );
        if k % 2 == 0 {
            let a = format!("a-{}", k / 2);
            let due = plus(d, plan.between(14, 21));
            step(
                plan,
                recorded.plus_seconds(300),
                mentor,
                json!({"type": "GiveAssignment", "pair": id, "assignment": a, "description": format!("practise {topic} on real cases and note the questions"), "due": ymd(due)}),
            );
            if plan.chance(0.85) {
                let done = workday(plus(due, plan.between(-5, 4)));
                step(
                    plan,
                    at(done, 17, 0),
                    mentor,
                    json!({"type": "CompleteAssignment", "pair": id, "assignment": a, "on": ymd(done)}),
                );
            }
        }
        if plan.chance(0.4) {
            let on = plus(d, plan.between(2, 5));
            let practised = 15 * plan.between(2, 6);
            step(
                plan,
                at(on, 18, 0),
                mentee,
                json!({"type": "LogPractice", "person": mentee, "skill": focus.skill, "kind": "real_use", "minutes": practised, "on": ymd(on)}),
            );
        }
        d = workday(plus(d, plan.between(14, 21)));
    }

    let mid = workday(plus(day(2026, 7, 24), plan.between(-2, 5)));
    if plan.chance(0.9) {
        step(
            plan,
            at(mid, 16, 0),
            c,
            json!({"type": "CompleteFollowUp", "follow_up": format!("{id}-mid"), "notes": "on track; priorities unchanged", "on": ymd(mid)}),
        );
    }
    let rated = day(2026, 7, 20);
    let rating = plan.weighted(&[(3, 1), (4, 3), (5, 3)]);
    step(
        plan,
        at(rated, 12, 0),
        c,
        json!({"type": "RecordEvaluation", "person": mentee, "result": {"level": "reaction", "rating": rating}, "on": ymd(rated)}),
    );
    let evaluated = workday(plus(day(2026, 10, 12), n as i64));
    step(
        plan,
        at(evaluated, 16, 0),
        mentor,
        json!({"type": "RecordEvaluation", "person": mentee, "result": {"level": "learning", "skill": focus.skill, "skill_level": focus.level}, "on": ymd(evaluated)}),
    );
    let due = if paired > day(2026, 6, 1) {
        day(2026, 11, 20)
    } else {
        day(2026, 10, 23)
    };
    step(
        plan,
        at(day(2026, 9, 15), 9, 0),
        c,
        json!({"type": "ScheduleFollowUp", "follow_up": format!("{id}-final"), "person": mentee, "due": ymd(due), "purpose": "six-month review: goals met, what next"}),
    );
    // Every final review is done on time but one: pair 2's mentor is on leave in October.
    if n != 2 {
        let done = workday(plus(due, plan.between(-2, 5)));
        step(
            plan,
            at(done, 16, 30),
            c,
            json!({"type": "CompleteFollowUp", "follow_up": format!("{id}-final"), "notes": "goals met; pair continues informally", "on": ymd(done)}),
        );
    }
}
