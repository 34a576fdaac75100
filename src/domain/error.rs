//! Business-rule violations.

use std::fmt;

use serde::Serialize;

/// A rule a command broke, together with the value that broke it.
///
/// `rule` is a stable machine-readable code (see [`Rule::code`]); `value` is the offending value
/// as the user gave it (an id, a level, a date…). The display form reads
/// `unknown_person: no person with this id in the organization (value: "bob")`; the JSON form
/// (for a 422 body) is `{"rule": "unknown_person", "value": "bob", "message": "no person…"}`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct DomainError {
    /// The rule broken.
    pub rule: Rule,
    /// The offending value.
    pub value: String,
}

impl DomainError {
    /// Builds an error for `rule` with the offending `value`.
    pub fn new(rule: Rule, value: impl fmt::Display) -> DomainError {
        DomainError {
            rule,
            value: value.to_string(),
        }
    }
}

impl Serialize for DomainError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("DomainError", 3)?;
        st.serialize_field("rule", &self.rule)?;
        st.serialize_field("value", &self.value)?;
        st.serialize_field("message", self.rule.describe())?;
        st.end()
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (value: {:?})",
            self.rule.code(),
            self.rule.describe(),
            self.value
        )
    }
}

macro_rules! rules {
    ($( $variant:ident => $code:literal, $text:literal; )*) => {
        /// Every business rule, each with a stable code and a sentence.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Rule {
            $( #[doc = $text] $variant, )*
        }

        impl Rule {
            /// The stable code, e.g. `unknown_person`.
            pub fn code(self) -> &'static str {
                match self { $( Rule::$variant => $code, )* }
            }

            /// What the rule says, in one sentence.
            pub fn describe(self) -> &'static str {
                match self { $( Rule::$variant => $text, )* }
            }

            /// Every rule.
            pub fn all() -> &'static [Rule] {
                &[$( Rule::$variant, )*]
            }
        }
    };
}

rules! {
    InvalidId => "invalid_id", "ids are slugs of 1 to 64 characters from [a-z0-9-]";
    InvalidTimeZone => "invalid_time_zone", "the time zone must be an IANA zone name such as Europe/Paris";
    InvalidLocalTime => "invalid_local_time", "local times are written YYYY-MM-DDTHH:MM";
    NonexistentLocalTime => "nonexistent_local_time", "this local time does not exist in the organization's time zone (skipped by a daylight-saving change)";
    EmptyText => "empty_text", "this text must not be empty";
    InvalidLevel => "invalid_level", "skill levels are whole numbers from 0 to 4";
    InvalidRating => "invalid_rating", "reaction ratings are whole numbers from 1 to 5";
    InvalidShare => "invalid_share", "a share is in per-mille, from 1 to 1000";
    InvalidDuration => "invalid_duration", "durations and minutes must be positive";
    OutOfRange => "out_of_range", "this count or duration is outside its plausible range (docs/COMMANDS.md lists every range)";
    InvalidCapacity => "invalid_capacity", "a session needs at least one seat";
    InvalidDecimal => "invalid_decimal", "metric values are decimal strings such as 12.5";
    OrganizationNotConfigured => "organization_not_configured", "configure the organization (name and time zone) first";
    PersonExists => "person_exists", "a person with this id already exists";
    UnknownPerson => "unknown_person", "no person with this id in the organization";
    PersonHasLeft => "person_has_left", "this person has left the organization";
    PersonErased => "person_erased", "this person's data was erased";
    SelfSupervision => "self_supervision", "a person cannot supervise themself";
    SkillExists => "skill_exists", "a skill with this id already exists";
    UnknownSkill => "unknown_skill", "no skill with this id in the catalogue";
    ProgramExists => "program_exists", "a program with this slug already exists";
    UnknownProgram => "unknown_program", "no program with this slug";
    ProgramArchived => "program_archived", "the program is archived and accepts no more commands (ReopenProgram reopens it)";
    ProgramNotArchived => "program_not_archived", "the program is not archived";
    ArchiveWithPendingWork => "archive_with_pending_work", "the program still has sessions to come or open follow-ups: add \"force\": true to the ArchiveProgram command to archive it anyway";
    WrongProgramKind => "wrong_program_kind", "this command does not apply to this kind of program";
    StepNotInMethod => "step_not_in_method", "this step is not part of this kind of program's method";
    StepAlreadyDone => "step_already_done", "this step is already ticked; untick it (done=false) or correct the tick to change its day";
    DeadlineReasonRequired => "deadline_reason_required", "changing a deadline requires a reason";
    DeadlineUnchanged => "deadline_unchanged", "the program already has this deadline";
    AlreadyInvited => "already_invited", "this person is already invited or a trainer in this program";
    NotInvited => "not_invited", "this person was not invited as a trainer, or already answered";
    NotATrainer => "not_a_trainer", "this person is not an accepted trainer in this program";
    ModuleSkillsRequired => "module_skills_required", "a module teaches at least one skill";
    UnknownModule => "unknown_module", "no module with this id in the program";
    UnknownScenario => "unknown_scenario", "no scenario with this name in the library (`baton scenarios` lists them)";
    UnknownMitigation => "unknown_mitigation", "the scenario offers no mitigation with this id (`baton scenarios` lists them)";
    SessionExists => "session_exists", "a session with this id already exists";
    UnknownSession => "unknown_session", "no session with this id in the program";
    SessionCancelled => "session_cancelled", "the session was cancelled";
    SessionAlreadyHeld => "session_already_held", "the session was already held";
    SessionNotStarted => "session_not_started", "a session cannot be held before its scheduled start";
    OverCapacity => "over_capacity", "more invitees than the session has seats";
    NotInvitedToSession => "not_invited_to_session", "attendance for someone not invited to the session";
    AttendanceIncomplete => "attendance_incomplete", "attendance must be given for every invitee";
    DuplicateAttendance => "duplicate_attendance", "attendance is given twice for this person";
    AbsenceReasonForPresent => "absence_reason_for_present", "an absence reason was given for someone present";
    AlreadyEnrolled => "already_enrolled", "this person is already enrolled in this program";
    NotEnrolled => "not_enrolled", "this person is not an enrolled learner of this program";
    NotTheSupervisor => "not_the_supervisor", "this person is not the learner's supervisor";
    CommitmentNotAsked => "commitment_not_asked", "no open request for release time for this learner";
    CommitmentNotMade => "commitment_not_made", "no standing commitment for this learner";
    CommitmentExists => "commitment_exists", "release time for this learner is already asked or promised; correct that event to change the minutes";
    FollowUpExists => "follow_up_exists", "a follow-up with this id already exists";
    UnknownFollowUp => "unknown_follow_up", "no follow-up with this id in the program";
    FollowUpAlreadyCompleted => "follow_up_already_completed", "the follow-up was already completed";
    FollowUpBeforeScheduled => "follow_up_before_scheduled", "a follow-up cannot be completed on a day before it was scheduled";
    PairExists => "pair_exists", "a pair with this id already exists";
    MenteeAlreadyPaired => "mentee_already_paired", "this mentee is already paired in this program";
    SelfMentoring => "self_mentoring", "a person cannot mentor themself";
    UnknownPair => "unknown_pair", "no mentoring pair with this id in the program";
    AssignmentExists => "assignment_exists", "an assignment with this id already exists for this pair";
    UnknownAssignment => "unknown_assignment", "no assignment with this id for this pair";
    AssignmentAlreadyDone => "assignment_already_done", "the assignment was already done";
    EmptyList => "empty_list", "this list must not be empty";
    ModuleDoesNotTeachSkill => "module_does_not_teach_skill", "a learning evaluation through a module must be of a skill the module teaches";
    NoRoleInProgram => "no_role_in_program", "this person has no role in this program (learner, trainer or mentor, or supervisor asked for release time)";
    FutureDay => "future_day", "a day on which something happened cannot be more than one day after today (enter it later, or with --on that day)";
    UnknownEvent => "unknown_event", "no event with this id in this stream";
    AlreadyVoided => "already_voided", "this event was already voided";
    CannotVoid => "cannot_void", "this event cannot be voided or corrected (a program's creation cannot be voided; a void can be voided, not corrected, and a correction's void is undone by correcting its replacement)";
    CorrectionChangesType => "correction_changes_type", "a correction records the same type of event in the same stream; void the event and record the other one instead";
    EventInOrganization => "event_in_organization", "this event belongs to the organization: void or correct it with `baton do organization`";
    WrongStream => "wrong_stream", "this command belongs to another stream";
    NoProgram => "no_program", "this command needs a program";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_match_the_serialized_names() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in Rule::all() {
            assert!(seen.insert(rule.code()), "{rule:?}");
            assert_eq!(
                serde_json::to_value(rule).unwrap(),
                serde_json::Value::String(rule.code().into())
            );
            assert!(rule.describe().len() > 10);
        }
        let e = DomainError::new(Rule::UnknownPerson, "bob");
        assert_eq!(
            e.to_string(),
            "unknown_person: no person with this id in the organization (value: \"bob\")"
        );
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"rule": "unknown_person", "value": "bob", "message": "no person with this id in the organization"})
        );
    }
}
