//! Exports for people and their tools: calendars (`ics`), spreadsheets (`csv`), the written
//! action plan (`plan_md`) and the staff roster (`roster`).
//!
//! Everything here is a pure function from already-folded state (the organization, programs,
//! dashboard views) to text or bytes: no IO, no clock. The CLI and the HTTP server call the same
//! functions, so a file written by `baton export` and a feed served over HTTP are the same
//! bytes. Every export names the log head it was computed from ([`head_text`]), as every
//! report does (`DESIGN.md` §4).

pub mod csv;
pub mod ics;
pub mod plan_md;
pub mod roster;

use crate::store::record::hex;
use crate::store::LogHead;

/// The head as reports print it, `SEQ:HASH` (what `baton verify --head` checks).
pub fn head_text(head: &LogHead) -> String {
    format!("{}:{}", head.last_seq, hex(&head.head_hash))
}
