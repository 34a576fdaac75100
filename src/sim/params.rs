//! The model's named parameters: every number the simulator uses, with its default, its source
//! (or the word *assumption*) and what it means. Scenario files and mitigations change them by
//! name; `docs/MODEL.md` lists them from [`PARAMETERS`].

use serde::Serialize;

/// Where a default comes from (the reliability labels of `MODEL.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Read in the primary source.
    Verified,
    /// Widely quoted, primary source not read.
    Quoted,
    /// No source: an assumption, a scenario input.
    Assumption,
}

/// One named parameter.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParamInfo {
    /// Its name in scenario files (`attendance.released`).
    pub name: &'static str,
    /// The default value.
    pub default: f64,
    /// The smallest value accepted.
    pub min: f64,
    /// The largest value accepted.
    pub max: f64,
    /// Where the default comes from.
    pub source: Source,
    /// Where from, in words (a citation or "assumption").
    pub cite: &'static str,
    /// What it means.
    pub doc: &'static str,
}

/// A parameter name that does not exist, or a value out of its range.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// No parameter has this name.
    #[error("unknown parameter `{0}`; expected a name of docs/MODEL.md (`baton scenarios --parameters` lists them)")]
    Unknown(String),
    /// The value is outside the parameter's range.
    #[error("parameter `{name}` must be between {min} and {max}, got {value}")]
    OutOfRange {
        /// The parameter.
        name: String,
        /// The value given.
        value: f64,
        /// Smallest accepted.
        min: f64,
        /// Largest accepted.
        max: f64,
    },
}

macro_rules! params {
    ($( $field:ident = $name:literal, $default:expr, [$min:expr, $max:expr], $src:ident, $cite:literal, $doc:literal; )*) => {
        /// The value of every named parameter (see [`PARAMETERS`] for their meaning).
        #[derive(Clone, Debug, PartialEq, Serialize)]
        pub struct Params {
            $( #[doc = $doc] pub $field: f64, )*
        }

        impl Default for Params {
            fn default() -> Params {
                Params { $( $field: $default, )* }
            }
        }

        /// Every parameter, in the order of the docs.
        pub const PARAMETERS: &[ParamInfo] = &[
            $( ParamInfo { name: $name, default: $default, min: $min, max: $max,
                           source: Source::$src, cite: $cite, doc: $doc }, )*
        ];

        impl Params {
            /// Sets a parameter by name, checking its range.
            pub fn set(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
                let info = info(name).ok_or_else(|| ParamError::Unknown(name.to_string()))?;
                if !(value >= info.min && value <= info.max) {
                    return Err(ParamError::OutOfRange {
                        name: name.to_string(), value, min: info.min, max: info.max,
                    });
                }
                match name {
                    $( $name => self.$field = value, )*
                    _ => unreachable!("info() found it"),
                }
                Ok(())
            }

            /// Sets the `i`-th parameter of [`PARAMETERS`] without a range check (for values
            /// the caller checked once with [`Params::set`], as the engine does per plan).
            pub(crate) fn set_nth(&mut self, i: usize, value: f64) {
                const SETTERS: &[fn(&mut Params, f64)] = &[ $( |p, v| p.$field = v, )* ];
                SETTERS[i](self, value);
            }

            /// A parameter's value by name.
            pub fn get(&self, name: &str) -> Option<f64> {
                match name {
                    $( $name => Some(self.$field), )*
                    _ => None,
                }
            }
        }
    };
}

/// The description of a parameter by name.
pub fn info(name: &str) -> Option<&'static ParamInfo> {
    PARAMETERS.iter().find(|p| p.name == name)
}

const YEAR: f64 = 3650.0;

params! {
    attendance_released = "attendance.released", 0.92, [0.0, 1.0], Assumption, "assumption",
        "Probability that an invited learner whose supervisor releases them attends a session.";
    attendance_not_released = "attendance.not_released", 0.30, [0.0, 1.0], Assumption, "assumption (MODEL.md §2: a scenario parameter)",
        "Probability that an invited learner attends without release time.";
    supervisors_asked_release = "supervisors.asked_release", 0.5, [0.0, 1.0], Assumption, "assumption",
        "Share of supervisors who release a learner when release time was asked but never answered (or never asked).";
    supervisors_declined_release = "supervisors.declined_release", 0.0, [0.0, 1.0], Assumption, "assumption",
        "Share of supervisors who release a learner after declining the commitment.";
    supervisors_withdraw_share = "supervisors.withdraw_share", 0.03, [0.0, 1.0], Assumption, "assumption (MODEL.md §2: a scenario parameter)",
        "Share of committed supervisors who withdraw their commitment before the deadline (on a uniform day).";
    supervisors_support_shift = "supervisors.support_shift", 0.0, [-3.0, 3.0], Assumption, "assumption (0 = the average support of the studies behind the 62/44/34 % shape)",
        "Mean supervisor support S, in standard deviations, in the transfer model T = rho·S + sqrt(1 − rho²)·e.";
    transfer_rho = "transfer.rho", 0.31, [0.0, 0.99], Quoted, "Blume et al. 2010, J. of Management (rho ≈ .31)",
        "Correlation of supervisor support with transfer to the job.";
    trainers_acceptance = "trainers.acceptance", 0.8, [0.0, 1.0], Assumption, "assumption (MODEL.md §5)",
        "Probability that an invited trainer who has not answered accepts.";
    trainers_withdraw_share = "trainers.withdraw_share", 0.05, [0.0, 1.0], Assumption, "assumption (MODEL.md §5)",
        "Share of accepted trainers who withdraw before the deadline (on a uniform day).";
    trainers_backup = "trainers.backup", 0.0, [0.0, 1.0], Assumption, "assumption",
        "1 when a backup trainer takes over the sessions of a trainer who is gone; 0 when those sessions are cancelled.";
    staff_turnover = "staff.turnover_per_year", 0.10, [0.0, 1.0], Assumption, "assumption (MODEL.md §5: annual staff turnover)",
        "Share of staff who leave the organization per year (each person leaves at a constant daily hazard).";
    key_person_leaves = "key_person.leaves_after_days", -1.0, [-1.0, YEAR], Assumption, "assumption (MODEL.md §5)",
        "Days after the fork when the key person (the trainer with the most sessions still to teach) leaves; -1: never.";
    deadline_moves_after = "deadline.moves_after_days", -1.0, [-1.0, YEAR], Assumption, "assumption (MODEL.md §5)",
        "Days after the fork when the deadline moves; -1: it does not.";
    deadline_shift = "deadline.shift_days", 0.0, [-YEAR, YEAR], Assumption, "assumption (MODEL.md §5)",
        "How many days the deadline moves (negative: earlier).";
    golive_after_deadline = "golive.days_after_deadline", 0.0, [0.0, YEAR], Assumption, "assumption (MODEL.md §5: the gap between training and go-live)",
        "Days from the deadline to go-live, when the skill is first needed on the job.";
    adoption_voluntary = "adoption.voluntary", 0.0, [0.0, 1.0], Assumption, "assumption",
        "1 when enrolment is voluntary: a learner takes part only from their Bass adoption day.";
    adoption_p = "adoption.p", 0.03, [0.0001, 10.0], Quoted, "Sultan, Farley & Lehmann 1990 (p ≈ 0.03 per period)",
        "Bass innovation coefficient, per period.";
    adoption_q = "adoption.q", 0.38, [0.0, 10.0], Quoted, "Sultan, Farley & Lehmann 1990 (q ≈ 0.38 per period)",
        "Bass imitation coefficient, per period.";
    adoption_period = "adoption.period_days", 365.25, [1.0, YEAR], Quoted, "Sultan, Farley & Lehmann 1990 (coefficients per year)",
        "Length of the period the Bass coefficients are given per, in days.";
    learning_pass = "learning.pass_probability", 0.85, [0.0, 1.0], Assumption, "assumption",
        "Probability that a learner who attended every module teaching the outcome skill shows the target level at evaluation.";
    evaluation_delay = "evaluation.delay_days", 7.0, [0.0, 365.0], Assumption, "assumption",
        "Days from the last module teaching the outcome skill to the learner's evaluation.";
    round_gap = "schedule.round_gap_days", 42.0, [1.0, 365.0], Assumption, "assumption (about the demo's gap between module rounds)",
        "Days between the rounds of sessions of required modules that have no session scheduled yet.";
    catchup_interval = "catchup.interval_days", 28.0, [1.0, 365.0], Assumption, "assumption",
        "Days between catch-up sessions of a module for the learners who still lack it.";
    catchup_capacity = "catchup.capacity", 12.0, [1.0, 500.0], Assumption, "assumption",
        "Seats at a catch-up session.";
    practice_per_month = "practice.per_month", 4.0, [0.0, 60.0], Assumption, "assumption (MODEL.md §5: practice opportunities per month)",
        "Opportunities per month to use the skill on the job, for a learner who applies it (Poisson).";
    practice_minutes = "practice.minutes", 20.0, [1.0, 600.0], Assumption, "assumption",
        "Minutes of one use of the skill on the job.";
    sandbox_per_month = "practice.sandbox_per_month", 0.0, [0.0, 60.0], Assumption, "assumption",
        "Sandbox practice sessions per month for every trained learner, whether or not they apply the skill (Poisson).";
    sandbox_minutes = "practice.sandbox_minutes", 30.0, [1.0, 600.0], Assumption, "assumption",
        "Minutes of one sandbox practice.";
    refresher_every = "refresher.every_days", 0.0, [0.0, 730.0], Assumption, "assumption",
        "Days between refreshers for every trained learner; 0: no refreshers.";
    refresher_minutes = "refresher.minutes", 60.0, [1.0, 600.0], Assumption, "assumption",
        "Minutes of one refresher.";
    change_after = "change.after_days", -1.0, [-1.0, YEAR], Assumption, "assumption",
        "Days after the fork when an organization-wide change starts; -1: none.";
    change_weeks = "change.weeks", 8.0, [0.0, 520.0], Assumption, "assumption",
        "How many weeks the organization-wide change lasts.";
    change_attendance = "change.attendance_factor", 0.7, [0.0, 1.0], Assumption, "assumption",
        "Factor on every attendance probability while the change lasts.";
    experts_hidden = "experts.hidden", 0.0, [0.0, 50.0], Assumption, "assumption (MODEL.md §5: hidden experts)",
        "Staff outside the program who know the least-held skill at level 3 but were never assessed.";
    survey_after = "survey.after_days", -1.0, [-1.0, YEAR], Assumption, "assumption",
        "Days after the fork when a skills survey records the hidden experts' levels; -1: no survey.";
    retention_interval = "retention.interval_days", crate::domain::retention::RETENTION_INTERVAL_DAYS, [1.0, YEAR], Assumption, "assumption (the report's retention interval, 6 months; the dashboard's and the risk view's too)",
        "The retention interval that spacing is judged against (Cepeda et al. 2008).";
}

impl Params {
    /// The daily hazard of leaving the organization.
    pub fn daily_turnover_hazard(&self) -> f64 {
        -(1.0 - self.staff_turnover).max(1e-12).ln() / 365.25
    }
}
