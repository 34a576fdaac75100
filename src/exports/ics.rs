//! iCalendar (RFC 5545) feeds: a program's sessions, coaching sessions and follow-ups, or one
//! person's, for a calendar application to import or subscribe to.
//!
//! What a calendar keeps in sync, and how:
//! - **UIDs are stable**: made of the kind of item, its id and the program's slug
//!   (`session.m1-central.ils-rollout@baton`), never random, so a re-import updates the
//!   calendar's copy instead of adding a second one.
//! - **`SEQUENCE`** is the number of times a session was rescheduled, plus one once it is
//!   cancelled, so every change a calendar must apply raises it.
//! - **A cancelled session** (a training or a coaching session) stays in the feed with
//!   `STATUS:CANCELLED`; a coaching session's SEQUENCE counts its moves and its cancellation too.
//! - **Times are UTC** (`DTSTART:20260310T083000Z`), so no `VTIMEZONE` is needed; the
//!   organization's zone is named in `X-WR-TIMEZONE` for applications that display in it.
//!   Follow-ups are all-day items (`VALUE=DATE`).
//! - **`DTSTAMP`** is a time the caller passes (the CLI and the server pass the recorded time
//!   of the log's head), never the clock, so the same log gives the same bytes.
//! - Every session carries a reminder (`VALARM`, [`REMINDER_MINUTES`] before), except a
//!   cancelled one.
//! - Lines end in CRLF and are folded at 75 octets, never inside a UTF-8 character; text is
//!   escaped (`\\`, `\;`, `\,`, `\n`).
//! - `X-BATON-HEAD:SEQ:HASH` names the log head the feed was computed from.

use chrono::{Duration, NaiveDate};

use crate::domain::events::SessionTime;
use crate::domain::program::SessionStatus;
use crate::domain::{Organization, Program, Timestamp};
use crate::store::LogHead;

/// Minutes before a session that its reminder fires.
pub const REMINDER_MINUTES: u32 = 30;

/// What a feed covers.
pub struct Feed<'a> {
    /// The organization (names, time zone).
    pub org: &'a Organization,
    /// The programs whose items are listed.
    pub programs: &'a [&'a Program],
    /// Only this person's items (sessions they teach or are invited to, their coaching
    /// sessions as mentor or mentee, their follow-ups); every item when `None`.
    pub person: Option<&'a str>,
    /// The log head the state was folded from.
    pub head: &'a LogHead,
    /// The `DTSTAMP` of every item.
    pub stamp: Timestamp,
}

/// One item of the calendar before it is written.
struct Item {
    start: String,
    uid: String,
    lines: Vec<String>,
}

/// The feed as an iCalendar document (CRLF line ends, folded).
pub fn calendar(feed: &Feed<'_>) -> String {
    let mut items = Vec::new();
    for program in feed.programs {
        sessions(feed, program, &mut items);
        coaching(feed, program, &mut items);
        follow_ups(feed, program, &mut items);
    }
    items.sort_by(|a, b| (&a.start, &a.uid).cmp(&(&b.start, &b.uid)));

    let name = match (feed.person, feed.programs) {
        (Some(p), _) => format!("Baton: {}", feed.org.name_of(p)),
        (None, [one]) => format!("Baton: {}", one.title),
        (None, _) => "Baton".to_string(),
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Baton//Baton peer training//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", text(&name)),
    ];
    if let Some(zone) = &feed.org.time_zone {
        lines.push(format!("X-WR-TIMEZONE:{}", text(zone)));
    }
    lines.push(format!("X-BATON-HEAD:{}", super::head_text(feed.head)));
    for item in items {
        lines.extend(item.lines);
    }
    lines.push("END:VCALENDAR".to_string());
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
    }
    out
}

fn sessions(feed: &Feed<'_>, p: &Program, items: &mut Vec<Item>) {
    let org = feed.org;
    for (id, s) in &p.sessions {
        if let Some(person) = feed.person {
            if !s.trainers.iter().any(|t| t == person) && !s.invitees.iter().any(|i| i == person) {
                continue;
            }
        }
        let module = p
            .modules
            .get(&s.module)
            .map_or(s.module.as_str(), |m| m.title.as_str());
        let trainers: Vec<String> = s.trainers.iter().map(|t| org.name_of(t)).collect();
        let mut description = vec![
            format!("Program: {} ({})", p.title, p.slug),
            format!("Module: {module}"),
            format!(
                "Trainers: {}",
                if trainers.is_empty() {
                    "-".to_string()
                } else {
                    trainers.join(", ")
                }
            ),
            format!("Invited: {} of {} seats", s.invitees.len(), s.capacity),
        ];
        let cancelled = s.status == SessionStatus::Cancelled;
        match s.status {
            SessionStatus::Cancelled => description.push(format!(
                "Cancelled: {}",
                s.cancel_reason.as_deref().unwrap_or("-")
            )),
            SessionStatus::Held => description.push(format!(
                "Held: {} present of {}",
                s.attendance.values().filter(|a| a.present).count(),
                s.attendance.len()
            )),
            SessionStatus::Scheduled => {}
        }
        if s.reschedules > 0 {
            description.push(format!("Rescheduled {} time(s)", s.reschedules));
        }
        let sequence = s.reschedules + u32::from(cancelled);
        let uid = format!("session.{id}.{}@baton", p.slug);
        items.push(timed(
            feed,
            uid,
            &s.time,
            sequence,
            &format!("{module} ({})", p.title),
            Some(&s.location),
            &description,
            if cancelled { "CANCELLED" } else { "CONFIRMED" },
        ));
    }
}

fn coaching(feed: &Feed<'_>, p: &Program, items: &mut Vec<Item>) {
    let org = feed.org;
    for (pair_id, pair) in &p.pairs {
        if feed
            .person
            .is_some_and(|who| pair.mentor != who && pair.mentee != who)
        {
            continue;
        }
        let summary = format!(
            "Coaching: {} with {} ({})",
            org.name_of(&pair.mentor),
            org.name_of(&pair.mentee),
            p.title
        );
        let held = pair
            .coaching
            .iter()
            .map(|(id, c)| (id, &c.time, &c.topics, true, None));
        let scheduled = pair
            .scheduled
            .iter()
            .map(|(id, c)| (id, &c.time, &c.topics, false, None));
        let cancelled = pair
            .cancelled
            .iter()
            .map(|(id, (c, why))| (id, &c.time, &c.topics, false, Some(why)));
        for (id, time, topics, was_held, cancelled) in held.chain(scheduled).chain(cancelled) {
            let mut description = vec![
                format!("Program: {} ({})", p.title, p.slug),
                format!("Pair: {pair_id}"),
                format!(
                    "Topics: {}",
                    if topics.is_empty() {
                        "-".to_string()
                    } else {
                        topics.join(", ")
                    }
                ),
            ];
            if was_held {
                description.push("Held".to_string());
            }
            if let Some(why) = cancelled {
                description.push(format!("Cancelled: {why}"));
            }
            let uid = format!("coaching.{pair_id}.{id}.{}@baton", p.slug);
            // Every move and the cancellation raise it, as for training sessions.
            let sequence = pair.changes.get(id).copied().unwrap_or(0);
            items.push(timed(
                feed,
                uid,
                time,
                sequence,
                &summary,
                None,
                &description,
                if cancelled.is_some() {
                    "CANCELLED"
                } else {
                    "CONFIRMED"
                },
            ));
        }
    }
}

fn follow_ups(feed: &Feed<'_>, p: &Program, items: &mut Vec<Item>) {
    for (id, f) in &p.follow_ups {
        if feed.person.is_some_and(|who| f.person != who) {
            continue;
        }
        let mut description = vec![
            format!("Program: {} ({})", p.title, p.slug),
            format!("With: {}", feed.org.name_of(&f.person)),
            format!("Purpose: {}", f.purpose),
        ];
        if let Some((on, notes)) = &f.completed {
            description.push(format!("Done on {on}: {notes}"));
        }
        let uid = format!("follow-up.{id}.{}@baton", p.slug);
        let next = f.due + Duration::days(1);
        let lines = vec![
            "BEGIN:VEVENT".to_string(),
            format!("UID:{uid}"),
            format!("DTSTAMP:{}", utc(feed.stamp)),
            "SEQUENCE:0".to_string(),
            format!("DTSTART;VALUE=DATE:{}", day(f.due)),
            format!("DTEND;VALUE=DATE:{}", day(next)),
            format!(
                "SUMMARY:{}",
                text(&format!(
                    "Follow-up: {} ({})",
                    feed.org.name_of(&f.person),
                    f.purpose
                ))
            ),
            format!("DESCRIPTION:{}", text(&description.join("\n"))),
            "CATEGORIES:follow-up".to_string(),
            "TRANSP:TRANSPARENT".to_string(),
            "STATUS:CONFIRMED".to_string(),
            "END:VEVENT".to_string(),
        ];
        items.push(Item {
            start: day(f.due),
            uid,
            lines,
        });
    }
}

/// What is due (`projections::due`) as all-day items, one per thing, each with a stable UID made
/// of its key (`due.follow-up.f-1.ils-rollout@baton`), so that tomorrow's feed updates today's
/// items instead of adding new ones.
pub fn due_calendar(
    org: &Organization,
    view: &crate::projections::due::DueView,
    head: &LogHead,
    stamp: Timestamp,
    person: Option<&str>,
) -> String {
    let name = match person {
        Some(p) => format!("Baton: due for {}", org.name_of(p)),
        None => "Baton: due".to_string(),
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Baton//Baton peer training//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", text(&name)),
        format!("X-BATON-HEAD:{}", super::head_text(head)),
    ];
    for item in &view.items {
        let summary = match &item.name {
            Some(n) => format!("{n}: {}", item.what),
            None => item.what.clone(),
        };
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:due.{}.{}@baton", item.key, item.program),
            format!("DTSTAMP:{}", utc(stamp)),
            format!("DTSTART;VALUE=DATE:{}", day(item.day)),
            format!("DTEND;VALUE=DATE:{}", day(item.day + Duration::days(1))),
            format!("SUMMARY:{}", text(&summary)),
            format!(
                "DESCRIPTION:{}",
                text(&format!("Program: {}", item.program))
            ),
            "CATEGORIES:due".to_string(),
            "TRANSP:TRANSPARENT".to_string(),
            "STATUS:CONFIRMED".to_string(),
            "END:VEVENT".to_string(),
        ]);
    }
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|l| fold(l)).collect()
}

/// A timed item (a session or a coaching session) with its reminder.
#[allow(clippy::too_many_arguments)]
fn timed(
    feed: &Feed<'_>,
    uid: String,
    time: &SessionTime,
    sequence: u32,
    summary: &str,
    location: Option<&str>,
    description: &[String],
    status: &str,
) -> Item {
    let end = time
        .start
        .plus_seconds(i64::from(time.duration_minutes) * 60);
    let start = utc(time.start);
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}"),
        format!("DTSTAMP:{}", utc(feed.stamp)),
        format!("SEQUENCE:{sequence}"),
        format!("DTSTART:{start}"),
        format!("DTEND:{}", utc(end)),
        format!("SUMMARY:{}", text(summary)),
    ];
    if let Some(location) = location {
        lines.push(format!("LOCATION:{}", text(location)));
    }
    lines.extend([
        format!("DESCRIPTION:{}", text(&description.join("\n"))),
        "CATEGORIES:session".to_string(),
        format!("STATUS:{status}"),
    ]);
    // A cancelled session reminds nobody.
    if status != "CANCELLED" {
        lines.extend([
            "BEGIN:VALARM".to_string(),
            "ACTION:DISPLAY".to_string(),
            format!("DESCRIPTION:{}", text(summary)),
            format!("TRIGGER:-PT{REMINDER_MINUTES}M"),
            "END:VALARM".to_string(),
        ]);
    }
    lines.push("END:VEVENT".to_string());
    Item { start, uid, lines }
}

/// A UTC date-time, `20260310T083000Z`.
fn utc(t: Timestamp) -> String {
    t.as_datetime().format("%Y%m%dT%H%M%SZ").to_string()
}

/// A date, `20260310`.
fn day(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded at 75 octets (RFC 5545 §3.1) without splitting a character, each
/// physical line ending in CRLF.
fn fold(line: &str) -> String {
    const MAX: usize = 75;
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > MAX {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let line = format!("DESCRIPTION:{}", "é".repeat(80));
        let folded = fold(&line);
        for physical in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{line}\r\n"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
