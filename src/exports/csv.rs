//! Spreadsheets (RFC 4180 CSV) of a program: per-learner progress, the attendance register, the
//! skills matrix, the commitment ledger and the follow-ups.
//!
//! Every table has a header row with columns in the user's words, one row per record, CRLF
//! line ends, dates as ISO `YYYY-MM-DD` (session starts as local `YYYY-MM-DD HH:MM` in the
//! organization's zone), yes/no for flags and an empty cell for "none". A text cell that a
//! spreadsheet could take for a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return) is prefixed with `'` ([`cell`]); numbers and dates Baton writes itself are left as
//! they are. The figures are the dashboard's (`docs/DASHBOARD.md`).
//!
//! The attendance register lists training sessions and coaching sessions together, by start:
//! a coaching session is named `PAIR/SESSION` (`p-2/c-1`), its module column reads
//! `coaching: TOPICS`, and it has a row for the mentor and one for the mentee, present once it
//! was held. The commitment ledger has a row for every learner, `not asked` for one whose
//! supervisor was never asked for release time (their current supervisor is named).

use std::collections::BTreeSet;

use crate::domain::program::{Commitment, CommitmentStatus, SessionStatus};
use crate::domain::{today, Organization, Program, Timestamp};
use crate::projections::dashboard::{self, DashboardView};

/// The tables a program exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// One row per learner (mentee): completion, practice, retention.
    Progress,
    /// One row per invitee of each session (and per mentor and mentee of each coaching
    /// session): present or absent and why.
    Attendance,
    /// One row per learner and trainer: their latest level in each catalogue skill.
    Skills,
    /// One row per learner: the release time asked, promised and delivered (`not asked` when
    /// their supervisor was never asked).
    Commitments,
    /// One row per follow-up: due, open, overdue or done.
    FollowUps,
}

impl Table {
    /// Every table, in the order the docs list them.
    pub const ALL: [Table; 5] = [
        Table::Progress,
        Table::Attendance,
        Table::Skills,
        Table::Commitments,
        Table::FollowUps,
    ];

    /// The table's name on the command line and in URLs (`follow-ups`).
    pub fn name(self) -> &'static str {
        match self {
            Table::Progress => "progress",
            Table::Attendance => "attendance",
            Table::Skills => "skills",
            Table::Commitments => "commitments",
            Table::FollowUps => "follow-ups",
        }
    }

    /// The table called `name`.
    pub fn parse(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// What a table is computed from: the organization and the program folded up to `now`, and the
/// dashboard computed from them at `now`.
pub struct Input<'a> {
    /// The organization.
    pub org: &'a Organization,
    /// The program.
    pub program: &'a Program,
    /// Its dashboard at `now`.
    pub view: &'a DashboardView,
    /// "Now": what is overdue, the day retention is read on.
    pub now: Timestamp,
}

/// The table as CSV bytes (UTF-8, CRLF).
pub fn table(input: &Input<'_>, table: Table) -> Vec<u8> {
    let rows = match table {
        Table::Progress => progress(input),
        Table::Attendance => attendance(input),
        Table::Skills => skills(input),
        Table::Commitments => commitments(input),
        Table::FollowUps => follow_ups(input),
    };
    write(&rows)
}

/// Writes rows (the header first) as RFC 4180 CSV.
pub fn write(rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        // Writing into a Vec cannot fail.
        let _ = out.write_record(row);
    }
    out.into_inner().unwrap_or_default()
}

/// A text cell made safe for spreadsheets: one that starts like a formula gets a leading `'`.
pub fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn person_cells(org: &Organization, id: &str) -> [String; 4] {
    let p = org.person(id);
    [
        cell(id),
        cell(&org.name_of(id)),
        cell(p.map_or("", |p| p.department.as_str())),
        cell(p.map_or("", |p| p.branch.as_str())),
    ]
}

fn progress(input: &Input<'_>) -> Vec<Vec<String>> {
    let (org, p, view) = (input.org, input.program, input.view);
    let mentoring = view.mentoring.is_some();
    let mut rows = vec![header(&[
        "Person",
        "Name",
        "Department",
        "Branch",
        "In audience",
        if mentoring {
            "Mentor"
        } else {
            "Required modules attended"
        },
        if mentoring {
            "Assignments done"
        } else {
            "Required modules"
        },
        "Evaluation passed",
        "Completed",
        "Last practice or session",
        "Practice minutes",
        "Estimated retention",
    ])];
    for l in &view.learners {
        let practice = view.practice.learners.iter().find(|r| r.person == l.person);
        let [id, name, dept, branch] = person_cells(org, &l.person);
        let (a, b) = if mentoring {
            let pair = p.pairs.values().find(|x| x.mentee == l.person);
            (
                pair.map(|x| cell(&x.mentor)).unwrap_or_default(),
                pair.map(|x| {
                    let done = x.assignments.values().filter(|a| a.done_on.is_some());
                    format!("{} of {}", done.count(), x.assignments.len())
                })
                .unwrap_or_default(),
            )
        } else {
            (l.required_attended.to_string(), l.required.to_string())
        };
        rows.push(vec![
            id,
            name,
            dept,
            branch,
            yes_no(l.in_audience),
            a,
            b,
            yes_no(l.evaluation_passed),
            yes_no(l.completed),
            opt(practice.and_then(|r| r.last_exposure)),
            opt(practice.map(|r| r.minutes)),
            opt(practice.and_then(|r| r.retention)),
        ]);
    }
    rows
}

fn attendance(input: &Input<'_>) -> Vec<Vec<String>> {
    let (org, p) = (input.org, input.program);
    let mut rows = vec![header(&[
        "Session",
        "Module",
        "Start (local)",
        "Minutes",
        "Location",
        "Status",
        "Person",
        "Name",
        "Present",
        "Absence reason",
    ])];
    // Training sessions and coaching sessions, in one register ordered by start.
    let mut entries: Vec<(&Timestamp, String, Vec<String>)> = Vec::new();
    for (id, s) in &p.sessions {
        let status = match s.status {
            SessionStatus::Scheduled if s.time.start <= input.now => "not recorded",
            SessionStatus::Scheduled => "scheduled",
            SessionStatus::Cancelled => "cancelled",
            SessionStatus::Held => "held",
        };
        let module = p
            .modules
            .get(&s.module)
            .map_or(s.module.as_str(), |m| m.title.as_str());
        let mut people: Vec<&String> = s.invitees.iter().collect();
        for person in s.attendance.keys() {
            if !people.contains(&person) {
                people.push(person);
            }
        }
        for person in people {
            let record = s.attendance.get(person);
            let present = match (s.status, record) {
                (SessionStatus::Held, Some(a)) => yes_no(a.present),
                _ => String::new(),
            };
            let reason = record
                .and_then(|a| a.absence_reason)
                .and_then(|r| serde_json::to_value(r).ok())
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            entries.push((
                &s.time.start,
                id.clone(),
                vec![
                    cell(id),
                    cell(module),
                    s.time.start_local.replacen('T', " ", 1),
                    s.time.duration_minutes.to_string(),
                    cell(&s.location),
                    status.to_string(),
                    cell(person),
                    cell(&org.name_of(person)),
                    present,
                    reason,
                ],
            ));
        }
    }
    // A coaching session is the pair meeting: held means mentor and mentee were both there (the
    // event records no absence), like a training session's invitee marked present.
    for (pair_id, pair) in &p.pairs {
        let held = pair
            .coaching
            .iter()
            .map(|(id, c)| (id, &c.time, &c.topics, "held".to_string()));
        let scheduled = pair.scheduled.iter().map(|(id, c)| {
            let status = if c.time.start <= input.now {
                "not recorded"
            } else {
                "scheduled"
            };
            (id, &c.time, &c.topics, status.to_string())
        });
        let cancelled = pair
            .cancelled
            .iter()
            .map(|(id, (c, _))| (id, &c.time, &c.topics, "cancelled".to_string()));
        for (id, time, topics, status) in held.chain(scheduled).chain(cancelled) {
            let session = format!("{pair_id}/{id}");
            let module = if topics.is_empty() {
                "coaching".to_string()
            } else {
                format!("coaching: {}", topics.join("; "))
            };
            for person in [&pair.mentor, &pair.mentee] {
                let present = if status == "held" {
                    yes_no(true)
                } else {
                    String::new()
                };
                entries.push((
                    &time.start,
                    session.clone(),
                    vec![
                        cell(&session),
                        cell(&module),
                        time.start_local.replacen('T', " ", 1),
                        time.duration_minutes.to_string(),
                        String::new(),
                        cell(&status),
                        cell(person),
                        cell(&org.name_of(person)),
                        present,
                        String::new(),
                    ],
                ));
            }
        }
    }
    // A stable sort keeps each session's people in their order.
    entries.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    rows.extend(entries.into_iter().map(|(_, _, row)| row));
    rows
}

fn skills(input: &Input<'_>) -> Vec<Vec<String>> {
    let (org, p) = (input.org, input.program);
    let mut head = header(&["Person", "Name", "Department", "Branch", "Role"]);
    for (id, skill) in &org.skills {
        head.push(cell(&format!("{} ({id})", skill.name)));
    }
    let mut rows = vec![head];
    let mentoring = p.kind == crate::domain::events::ProgramKind::Mentoring;
    let mut people: Vec<(&String, &str)> = Vec::new();
    let mut seen = BTreeSet::new();
    for id in p.trainers.keys() {
        if seen.insert(id) {
            people.push((id, if mentoring { "mentor" } else { "trainer" }));
        }
    }
    for id in p.learners.keys() {
        if seen.insert(id) {
            people.push((id, if mentoring { "mentee" } else { "learner" }));
        }
    }
    people.sort();
    for (id, role) in people {
        let mut row: Vec<String> = person_cells(org, id).into();
        row.push(role.to_string());
        for skill in org.skills.keys() {
            row.push(opt(org
                .assessments
                .get(id)
                .and_then(|m| m.get(skill))
                .map(|a| a.level)));
        }
        rows.push(row);
    }
    rows
}

fn commitments(input: &Input<'_>) -> Vec<Vec<String>> {
    let (org, p) = (input.org, input.program);
    let mut rows = vec![header(&[
        "Learner",
        "Name",
        "Supervisor",
        "Supervisor name",
        "Status",
        "Since",
        "Minutes asked",
        "Minutes promised",
        "Minutes delivered",
        "Absences for no release time",
    ])];
    // The figures are the dashboard ledger's, learner by learner (one function makes both),
    // so a supervisor's rows add up to their ledger row; the `not asked` rows add nothing asked
    // or promised, and are not in the ledger.
    let not_asked = p
        .learners
        .iter()
        .filter(|(id, _)| !p.commitments.contains_key(*id))
        .map(|(id, l)| {
            let supervisor = org
                .person(id)
                .and_then(|x| x.supervisor.clone())
                .unwrap_or_default();
            let c = Commitment {
                supervisor,
                minutes_asked: 0,
                minutes_committed: 0,
                status: CommitmentStatus::Asked,
                since: l.enrolled_on,
            };
            (id, c, "not asked")
        });
    let asked = p.commitments.iter().map(|(learner, c)| {
        let status = match c.status {
            CommitmentStatus::Asked => "asked",
            CommitmentStatus::Committed => "promised",
            CommitmentStatus::Declined => "declined",
            CommitmentStatus::Withdrawn => "withdrawn",
        };
        (learner, c.clone(), status)
    });
    let mut all: Vec<_> = asked.chain(not_asked).collect();
    all.sort_by(|a, b| a.0.cmp(b.0));
    for (learner, c, status) in all {
        let figures = crate::projections::dashboard::learner_ledger(p, learner, &c);
        rows.push(vec![
            cell(learner),
            cell(&org.name_of(learner)),
            cell(&c.supervisor),
            if c.supervisor.is_empty() {
                String::new()
            } else {
                cell(&org.name_of(&c.supervisor))
            },
            status.to_string(),
            c.since.to_string(),
            figures.minutes_asked.to_string(),
            figures.minutes_committed.to_string(),
            figures.minutes_delivered.to_string(),
            figures.no_release_time_absences.to_string(),
        ]);
    }
    rows
}

fn follow_ups(input: &Input<'_>) -> Vec<Vec<String>> {
    let (org, p) = (input.org, input.program);
    let today = today(org, input.now);
    let mut rows = vec![header(&[
        "Follow-up",
        "Person",
        "Name",
        "Due",
        "Purpose",
        "Status",
        "Days overdue",
        "Done on",
        "Notes",
    ])];
    let mut list: Vec<_> = p.follow_ups.iter().collect();
    list.sort_by(|a, b| (a.1.due, a.0).cmp(&(b.1.due, b.0)));
    for (id, f) in list {
        let leaver = dashboard::is_leaver(org, &f.person, today);
        let overdue = (today - f.due).num_days();
        let (status, days) = match &f.completed {
            Some(_) => ("done", String::new()),
            None if leaver => ("open (left the organization)", String::new()),
            None if overdue > 0 => ("overdue", overdue.to_string()),
            None => ("open", String::new()),
        };
        rows.push(vec![
            cell(id),
            cell(&f.person),
            cell(&org.name_of(&f.person)),
            f.due.to_string(),
            cell(&f.purpose),
            status.to_string(),
            days,
            opt(f.completed.as_ref().map(|(on, _)| *on)),
            f.completed
                .as_ref()
                .map(|(_, notes)| cell(notes))
                .unwrap_or_default(),
        ]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_quoted_for_spreadsheets() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(cell(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(cell("Ann Lee"), "Ann Lee");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn rows_end_in_crlf_and_quote_what_needs_it() {
        let bytes = write(&[
            vec!["a".into(), "b".into()],
            vec!["x, y".into(), "say \"hi\"".into()],
        ]);
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n"
        );
    }
}
