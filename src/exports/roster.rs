//! The staff roster as a spreadsheet: read one (a header row, UTF-8, comma or semicolon,
//! quoted fields) into the organization commands that bring the organization in line with it,
//! and write the organization back in the same shape.
//!
//! # Columns
//!
//! Header names are matched without regard to case or surrounding spaces; their order is free.
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `name` | yes | display name |
//! | `person` | no | the id (a slug); default: a slug of the name (`Anne-Marie Dubois` → `anne-marie-dubois`) |
//! | `department`, `branch` | no | where they work (a new person without them gets an empty one) |
//! | `supervisor` | no | the supervisor's id, in the roster or already in the organization; an empty cell means none |
//! | `joined` | no | the day they joined, `YYYY-MM-DD` (default: today) |
//! | `left` | no | their last day, `YYYY-MM-DD`: records their departure |
//! | *a catalogue skill* (its id or its name) | no | their level, 0–4 (assessed by their supervisor) |
//!
//! Any other column is an error. Every bad cell is reported with the file's line (the header
//! is line 1) and the column, and what is expected; a roster with any bad row yields no
//! command at all.
//!
//! # What an import records
//!
//! Only the changes: a new person joins (`AddPerson`); a person whose department or branch
//! differs moves (`MovePerson`); a different supervisor (`ChangeSupervisor`); a leaving day for
//! someone who has not left (`RecordDeparture`); a level that differs from their latest
//! (`AssessSkill`, source `supervisor`). People missing from the roster are left alone
//! (leavers are recorded by their `left` day, never guessed). Re-importing the same roster
//! records nothing.
//!
//! What no organization command changes is refused, by line and column, never dropped: a
//! different `name` or `joined` day for a person already recorded, and a different or
//! emptied `left` day for one who has left (the error says how to correct the recorded
//! event instead). A cell `roster export` guarded against spreadsheet formulas (a `'` before
//! `=`, `+`, `-`, `@`, a tab or a CR) reads back without the `'`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_json::json;

use crate::domain::{is_slug, Command, Organization};

/// A bad cell (or header) of a roster file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The file's line (the header is line 1).
    pub line: u64,
    /// The column's name as written in the header (empty when the whole row is wrong).
    pub column: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

/// One person's row of a roster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The file's line of the row.
    pub line: u64,
    /// The id.
    pub person: String,
    /// The display name.
    pub name: String,
    /// Department, when the column is there and the cell is not empty.
    pub department: Option<String>,
    /// Branch, likewise.
    pub branch: Option<String>,
    /// Supervisor: `None` when there is no such column, `Some(None)` for an empty cell.
    pub supervisor: Option<Option<String>>,
    /// Join day.
    pub joined: Option<NaiveDate>,
    /// Last day.
    pub left: Option<NaiveDate>,
    /// Levels by skill id.
    pub levels: BTreeMap<String, u8>,
}

/// A roster read and checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roster {
    /// The rows, in file order.
    pub rows: Vec<Row>,
}

/// What a column of the header is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Column {
    Person,
    Name,
    Department,
    Branch,
    Supervisor,
    Joined,
    Left,
    Skill(String),
}

/// The separator of a roster: `;` when the header has more semicolons than commas.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    }
}

/// The file line (1-based) of the record at `pos`. The csv crate's own line count is wrong
/// for CRLF files (it counts a CRLF's CR and LF separately) and after blank lines (its position
/// is where it began skipping them), so the line is counted from the byte offset instead:
/// line ends before the record's first byte, after any blank lines it skipped.
fn file_line(text: &str, pos: Option<&::csv::Position>) -> u64 {
    let Some(pos) = pos else { return 0 };
    let bytes = text.as_bytes();
    let mut start = usize::try_from(pos.byte())
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    let before = &bytes[..start];
    // A line ends at LF, or at a CR not followed by LF (old Mac files).
    let ends = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    ends as u64 + 1
}

/// A cell as written before `roster export` guarded it: the export puts a `'` before a cell
/// that starts like a formula (see [`super::csv::cell`]), so exactly that quote is taken off
/// again, and an exported roster reads back as the values it was made from.
fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// A slug of a display name: lower case, Latin accents dropped, anything else a hyphen.
pub fn slug_of(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    out.chars()
        .take(64)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Reads a roster file's text, checking every row against the organization (its skill
/// catalogue and people). Returns every problem found, in file order.
pub fn parse(text: &str, org: &Organization) -> Result<Roster, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(vec![RowError {
                line: 1,
                column: String::new(),
                message: format!("not readable as CSV: {e}"),
            }])
        }
        None => {
            return Err(vec![RowError {
                line: 1,
                column: String::new(),
                message: "empty file: expected a header row with at least a `name` column".into(),
            }])
        }
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let mut columns = Vec::new();
    let mut seen = BTreeSet::new();
    for name in &names {
        let key = name.to_lowercase();
        let column = match key.as_str() {
            "person" | "id" => Some(Column::Person),
            "name" => Some(Column::Name),
            "department" => Some(Column::Department),
            "branch" => Some(Column::Branch),
            "supervisor" => Some(Column::Supervisor),
            "joined" => Some(Column::Joined),
            "left" => Some(Column::Left),
            _ => org
                .skills
                .iter()
                .find(|(id, s)| id.to_lowercase() == key || s.name.to_lowercase() == key)
                .map(|(id, _)| Column::Skill(id.clone())),
        };
        match column {
            Some(c) if !seen.insert(format!("{c:?}")) => errors.push(RowError {
                line: 1,
                column: name.clone(),
                message: "this column appears twice".into(),
            }),
            Some(c) => columns.push(c),
            None => {
                errors.push(RowError {
                    line: 1,
                    column: name.clone(),
                    message: format!(
                        "unknown column: expected person, name, department, branch, supervisor, joined, left or a catalogue skill ({})",
                        if org.skills.is_empty() {
                            "the catalogue is empty".to_string()
                        } else {
                            org.skills.keys().cloned().collect::<Vec<_>>().join(", ")
                        }
                    ),
                });
                columns.push(Column::Skill(String::new()));
            }
        }
    }
    if !columns.contains(&Column::Name) {
        errors.push(RowError {
            line: 1,
            column: String::new(),
            message: "no `name` column: the header must name at least `name`".into(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = file_line(text, e.position());
                errors.push(RowError {
                    line,
                    column: String::new(),
                    message: format!("not readable as CSV: {e}"),
                });
                continue;
            }
        };
        let line = file_line(text, record.position());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() > columns.len() {
            errors.push(RowError {
                line,
                column: String::new(),
                message: format!(
                    "{} cells but the header has {} columns",
                    record.len(),
                    columns.len()
                ),
            });
            continue;
        }
        let mut row = Row {
            line,
            person: String::new(),
            name: String::new(),
            department: None,
            branch: None,
            supervisor: None,
            joined: None,
            left: None,
            levels: BTreeMap::new(),
        };
        let mut bad = |column: &str, message: String| {
            errors.push(RowError {
                line,
                column: column.to_string(),
                message,
            })
        };
        let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d");
        for (i, column) in columns.iter().enumerate() {
            let value = unguard(record.get(i).unwrap_or("")).trim();
            let name = &names[i];
            match column {
                Column::Person => row.person = value.to_string(),
                Column::Name => row.name = value.to_string(),
                Column::Department => row.department = nonempty(value),
                Column::Branch => row.branch = nonempty(value),
                Column::Supervisor => row.supervisor = Some(nonempty(value)),
                Column::Joined | Column::Left if value.is_empty() => {}
                Column::Joined | Column::Left => match day(value) {
                    Ok(d) if *column == Column::Joined => row.joined = Some(d),
                    Ok(d) => row.left = Some(d),
                    Err(_) => bad(name, format!("{value:?}: expected a day like 2026-03-01")),
                },
                Column::Skill(_) if value.is_empty() => {}
                Column::Skill(skill) => match value.parse::<u8>() {
                    Ok(level) if level <= 4 => {
                        row.levels.insert(skill.clone(), level);
                    }
                    _ => bad(name, format!("{value:?}: expected a level from 0 to 4")),
                },
            }
        }
        if row.name.is_empty() {
            bad("name", "empty: every row needs a name".into());
        }
        if row.person.is_empty() {
            row.person = slug_of(&row.name);
            if row.person.is_empty() && !row.name.is_empty() {
                bad(
                    "name",
                    format!(
                        "{:?} gives no id: add a `person` column with an id like ann-lee",
                        row.name
                    ),
                );
            }
        } else if !is_slug(&row.person) {
            bad(
                "person",
                format!(
                    "{:?}: expected an id of 1 to 64 lower-case letters, digits and hyphens",
                    row.person
                ),
            );
        }
        rows.push(row);
    }

    // Ids are unique, supervisors are known people.
    let mut first: BTreeMap<&str, u64> = BTreeMap::new();
    for row in &rows {
        if row.person.is_empty() {
            continue;
        }
        if let Some(line) = first.get(row.person.as_str()) {
            errors.push(RowError {
                line: row.line,
                column: "person".into(),
                message: format!("{:?} is already on line {line}", row.person),
            });
        } else {
            first.insert(&row.person, row.line);
        }
    }
    for row in &rows {
        if let Some(Some(s)) = &row.supervisor {
            if !first.contains_key(s.as_str()) && org.person(s).is_none() {
                errors.push(RowError {
                    line: row.line,
                    column: "supervisor".into(),
                    message: format!(
                        "{s:?} is neither in this roster nor in the organization: expected a person's id"
                    ),
                });
            } else if s == &row.person {
                errors.push(RowError {
                    line: row.line,
                    column: "supervisor".into(),
                    message: "a person cannot supervise themselves".into(),
                });
            }
        }
    }
    // What no organization command can change is refused rather than dropped: the name and
    // the join day are fixed by the person's `PersonJoined`, the last day by their
    // `PersonLeft`, and there is no event to rename, move a join day or take back a departure.
    let has_left_column = columns.contains(&Column::Left);
    for row in &rows {
        let Some(person) = org.person(&row.person).filter(|p| !p.erased) else {
            continue;
        };
        let mut refuse = |column: &str, message: String| {
            errors.push(RowError {
                line: row.line,
                column: column.into(),
                message,
            })
        };
        if !row.name.is_empty() && row.name != person.name {
            refuse(
                "name",
                format!(
                    "{:?} but {} is recorded as {:?}: a roster import cannot rename anyone; put back {:?}, and correct the name with a CorrectEvent command on their PersonJoined event (see `baton commands`)",
                    row.name, row.person, person.name, person.name
                ),
            );
        }
        if let Some(joined) = row.joined.filter(|d| *d != person.joined_on) {
            refuse(
                "joined",
                format!(
                    "{joined} but {} is recorded as joined on {}: a roster import cannot change a join day; put back {}, and correct it with a CorrectEvent command on their PersonJoined event (see `baton commands`)",
                    row.person, person.joined_on, person.joined_on
                ),
            );
        }
        match (person.left_on, row.left) {
            (Some(was), Some(now)) if was != now => refuse(
                "left",
                format!(
                    "{now} but {} is recorded as leaving on {was}: a roster import cannot change a last day; put back {was}, and correct it with a CorrectEvent command on their PersonLeft event (see `baton commands`)",
                    row.person
                ),
            ),
            (Some(was), None) if has_left_column => refuse(
                "left",
                format!(
                    "empty but {} is recorded as leaving on {was}: a roster import cannot take back a departure; put back {was}, and void their PersonLeft event with a VoidEvent command if it was a mistake (see `baton commands`)",
                    row.person
                ),
            ),
            _ => {}
        }
    }
    if errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        Ok(Roster { rows })
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// The organization commands that bring `org` in line with the roster, each with the line of
/// the row it comes from: joins first (a supervisor before the people they supervise), then
/// moves, supervisor changes and levels, departures last.
pub fn changes(org: &Organization, roster: &Roster) -> Vec<(u64, Command)> {
    let command = |v: serde_json::Value| Command::from_json(&v).ok();
    let mut joins = Vec::new();
    let mut later = Vec::new();
    let mut departures = Vec::new();
    let mut added: BTreeSet<&str> = BTreeSet::new();
    let new: Vec<&Row> = roster
        .rows
        .iter()
        .filter(|r| org.person(&r.person).is_none())
        .collect();
    // Joins in an order where each supervisor is already there; a cycle is closed with a
    // supervisor change once everyone has joined.
    let mut pending: Vec<&Row> = new.clone();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for row in pending {
            let supervisor = row.supervisor.clone().flatten();
            let ready = supervisor
                .as_deref()
                .is_none_or(|s| org.person(s).is_some() || added.contains(s));
            if ready {
                added.insert(&row.person);
                joins.push((row.line, row, supervisor));
            } else {
                rest.push(row);
            }
        }
        if rest.len() == before {
            for row in rest {
                added.insert(&row.person);
                joins.push((row.line, row, None));
                later.extend(command(json!({"type": "ChangeSupervisor", "person": row.person, "supervisor": row.supervisor.clone().flatten()})).map(|c| (row.line, c)));
            }
            break;
        }
        pending = rest;
    }
    let mut out: Vec<(u64, Command)> = joins
        .into_iter()
        .filter_map(|(line, row, supervisor)| {
            command(json!({
                "type": "AddPerson",
                "person": row.person,
                "name": row.name,
                "department": row.department.clone().unwrap_or_default(),
                "branch": row.branch.clone().unwrap_or_default(),
                "supervisor": supervisor,
                "on": row.joined,
            }))
            .map(|c| (line, c))
        })
        .collect();
    for row in &roster.rows {
        let Some(person) = org.person(&row.person) else {
            continue;
        };
        if person.erased || person.has_left() {
            continue;
        }
        let department = row.department.as_deref().unwrap_or(&person.department);
        let branch = row.branch.as_deref().unwrap_or(&person.branch);
        if department != person.department || branch != person.branch {
            out.extend(
                command(json!({"type": "MovePerson", "person": row.person, "department": department, "branch": branch}))
                    .map(|c| (row.line, c)),
            );
        }
        if let Some(supervisor) = &row.supervisor {
            if supervisor != &person.supervisor {
                out.extend(
                    command(json!({"type": "ChangeSupervisor", "person": row.person, "supervisor": supervisor}))
                        .map(|c| (row.line, c)),
                );
            }
        }
    }
    out.extend(later);
    for row in &roster.rows {
        let person = org.person(&row.person);
        if person.is_some_and(|p| p.erased || p.has_left()) {
            continue;
        }
        let latest = org.assessments.get(&row.person);
        for (skill, level) in &row.levels {
            if latest.and_then(|m| m.get(skill)).map(|a| a.level) != Some(*level) {
                out.extend(
                    command(json!({"type": "AssessSkill", "person": row.person, "skill": skill, "level": level, "source": "supervisor"}))
                        .map(|c| (row.line, c)),
                );
            }
        }
        if let Some(left) = row.left {
            departures.extend(
                command(json!({"type": "RecordDeparture", "person": row.person, "on": left}))
                    .map(|c| (row.line, c)),
            );
        }
    }
    out.extend(departures);
    out
}

/// The organization's people as a roster (the shape [`parse`] reads): one row per person who
/// was not erased, by id, with a column per catalogue skill holding their latest level.
pub fn export(org: &Organization) -> Vec<u8> {
    let mut header: Vec<String> = [
        "person",
        "name",
        "department",
        "branch",
        "supervisor",
        "joined",
        "left",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(org.skills.keys().cloned());
    let mut rows = vec![header];
    for (id, p) in org.people.iter().filter(|(_, p)| !p.erased) {
        let mut row = vec![
            super::csv::cell(id),
            super::csv::cell(&p.name),
            super::csv::cell(&p.department),
            super::csv::cell(&p.branch),
            super::csv::cell(p.supervisor.as_deref().unwrap_or("")),
            p.joined_on.to_string(),
            p.left_on.map(|d| d.to_string()).unwrap_or_default(),
        ];
        let levels = org.assessments.get(id);
        for skill in org.skills.keys() {
            row.push(
                levels
                    .and_then(|m| m.get(skill))
                    .map(|a| a.level.to_string())
                    .unwrap_or_default(),
            );
        }
        rows.push(row);
    }
    super::csv::write(&rows)
}

/// The people a roster names, for bulk enrolment: the `person` column, else a slug of the
/// `name` column; every id must be a person of the organization. Other columns are ignored.
pub fn people(text: &str, org: &Organization) -> Result<Vec<String>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = |message: String| {
        vec![RowError {
            line: 1,
            column: String::new(),
            message,
        }]
    };
    let names: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => return Err(header(format!("not readable as CSV: {e}"))),
    };
    let (index, column) = match (
        names.iter().position(|n| n == "person" || n == "id"),
        names.iter().position(|n| n == "name"),
    ) {
        (Some(i), _) => (i, "person"),
        (None, Some(i)) => (i, "name"),
        (None, None) => {
            return Err(header(
                "no `person` or `name` column: expected a header naming one of them".into(),
            ))
        }
    };
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    line: file_line(text, e.position()),
                    column: String::new(),
                    message: format!("not readable as CSV: {e}"),
                });
                continue;
            }
        };
        let line = file_line(text, record.position());
        let cell = unguard(record.get(index).unwrap_or("")).trim();
        if cell.is_empty() {
            continue;
        }
        let id = if column == "person" {
            cell.to_string()
        } else {
            slug_of(cell)
        };
        if org.person(&id).is_none() {
            errors.push(RowError {
                line,
                column: column.into(),
                message: format!("{cell:?}: no such person in the organization (import the roster first with `baton roster import`)"),
            });
        } else {
            ids.push(id);
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(errors)
    }
}

/// Who `baton enrol` enrols.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Everyone of this branch.
    Branch(String),
    /// Everyone of this department.
    Department(String),
    /// The people of a roster, by id.
    People(Vec<String>),
}

/// Why a selection names nobody at all (a branch or department no one in the organization
/// works in, a roster without a person), so enrolment can fail instead of saying everyone
/// selected is already enrolled; `None` when it names someone.
pub fn selects_nobody(org: &Organization, selection: &Selection) -> Option<String> {
    let places = |of: fn(&crate::domain::organization::Person) -> &String| {
        let set: BTreeSet<&str> = org
            .people
            .values()
            .filter(|p| !p.erased && !of(p).is_empty())
            .map(|p| of(p).as_str())
            .collect();
        match set.is_empty() {
            true => "the organization has none".to_string(),
            false => format!(
                "expected one of {}",
                set.into_iter().collect::<Vec<_>>().join(", ")
            ),
        }
    };
    match selection {
        Selection::Branch(b) if !org.people.values().any(|p| !p.erased && &p.branch == b) => {
            Some(format!(
                "--branch {b:?}: nobody in the organization works in that branch ({})",
                places(|p| &p.branch)
            ))
        }
        Selection::Department(d)
            if !org.people.values().any(|p| !p.erased && &p.department == d) =>
        {
            Some(format!(
                "--department {d:?}: nobody in the organization works in that department ({})",
                places(|p| &p.department)
            ))
        }
        Selection::People(ids) if ids.is_empty() => {
            Some("--roster: the roster names nobody (every `person`/`name` cell is empty)".into())
        }
        _ => None,
    }
}

/// `EnrolLearner` for everyone selected who is in the organization, has not left, was not
/// erased and is not already a learner of the program (enrolled, or withdrawn on purpose), so
/// enrolling again records nothing; in id order.
pub fn enrolments(
    org: &Organization,
    program: &crate::domain::Program,
    selection: &Selection,
) -> Vec<Command> {
    let chosen: Vec<&String> = match selection {
        Selection::Branch(b) => org
            .people
            .iter()
            .filter(|(_, p)| &p.branch == b)
            .map(|(id, _)| id)
            .collect(),
        Selection::Department(d) => org
            .people
            .iter()
            .filter(|(_, p)| &p.department == d)
            .map(|(id, _)| id)
            .collect(),
        Selection::People(ids) => {
            let set: BTreeSet<&String> = ids.iter().collect();
            set.into_iter().collect()
        }
    };
    chosen
        .into_iter()
        .filter(|id| {
            org.person(id).is_some_and(|p| !p.erased && !p.has_left())
                && !program.learners.contains_key(id.as_str())
        })
        .filter_map(|id| Command::from_json(&json!({"type": "EnrolLearner", "person": id})).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_default_to_a_slug_of_the_name() {
        assert_eq!(slug_of("Anne-Marie Dubois"), "anne-marie-dubois");
        assert_eq!(slug_of("  Zoé  O'Brien "), "zoe-o-brien");
        assert_eq!(slug_of("!!!"), "");
    }

    #[test]
    fn every_bad_cell_is_reported_by_line_and_column() {
        let org = Organization::default();
        let text = "name;person;joined\nAnn Lee;;2026-01-05\n;bob;\nCleo;Cleo X;2026-13-01\n";
        let errors = parse(text, &org).unwrap_err();
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            shown,
            [
                "line 3, column name: empty: every row needs a name",
                "line 4, column joined: \"2026-13-01\": expected a day like 2026-03-01",
                "line 4, column person: \"Cleo X\": expected an id of 1 to 64 lower-case letters, digits and hyphens",
            ]
        );
    }
}
