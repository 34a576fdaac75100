//! What a projection knows about an event besides its data.

use uuid::Uuid;

use super::time::Timestamp;

/// The envelope facts a projection may read: position, times and actor.
///
/// Projections take this alongside the decoded domain event, so that audit views can say who
/// changed what and when, without depending on the store's wire format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventMeta {
    /// Global position in the log, gapless from 1.
    pub seq: u64,
    /// The stream the event belongs to (`organization` or `program-<slug>`).
    pub stream: String,
    /// Position within the stream, gapless from 1.
    pub version: u64,
    /// The event's id.
    pub id: Uuid,
    /// When the store recorded the event.
    pub recorded_at: Timestamp,
    /// When it happened in the business sense (may be back-dated).
    pub occurred_at: Timestamp,
    /// Who wrote it.
    pub actor: String,
}
