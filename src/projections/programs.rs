//! The programs list: one line per program.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::events::ProgramKind;
use crate::domain::Program;

/// A program in the list, as of its stream's `version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramSummary {
    /// Slug.
    pub program: String,
    /// Training or mentoring.
    pub kind: ProgramKind,
    /// Title.
    pub title: String,
    /// The deadline, once set.
    pub deadline: Option<NaiveDate>,
    /// Learners (or mentees) ever enrolled, withdrawn ones included.
    pub learners: usize,
    /// Sessions ever scheduled, cancelled ones included.
    pub sessions: usize,
    /// Whether the program is archived.
    pub archived: bool,
    /// The program stream's version this line was made from.
    pub version: u64,
}

impl ProgramSummary {
    /// The line of `program` at stream version `version`.
    pub fn of(program: &Program, version: u64) -> ProgramSummary {
        ProgramSummary {
            program: program.slug.clone(),
            kind: program.kind,
            title: program.title.clone(),
            deadline: program.deadline,
            learners: program.learners.len(),
            sessions: program.sessions.len(),
            archived: program.archived.is_some(),
            version,
        }
    }
}
