//! What the command line accepts.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Plan, follow, audit and rehearse peer training and peer mentoring programs.
#[derive(Debug, Parser)]
#[command(name = "baton", version, about, long_about = None)]
pub struct Cli {
    /// The data directory (an embedded event store).
    #[arg(
        long,
        global = true,
        env = "BATON_DATA",
        default_value = "./baton-data"
    )]
    pub data: PathBuf,

    /// Who is acting; recorded on every event written. Defaults to the operating-system user.
    #[arg(long, global = true, env = "BATON_ACTOR")]
    pub actor: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output formats of read commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Table,
    /// JSON.
    Json,
}

/// Output formats of `due`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DueFormat {
    /// Human-readable text.
    Table,
    /// JSON.
    Json,
    /// iCalendar (RFC 5545).
    Ics,
}

/// Export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// JSON Lines, one canonical envelope per line: the backup format.
    Jsonl,
    /// iCalendar (RFC 5545): sessions, coaching sessions and follow-ups, for a calendar.
    Ics,
    /// CSV (RFC 4180) of one table of a program (`--table`), for a spreadsheet.
    Csv,
    /// The program's action plan as Markdown, in the workshop's shape.
    PlanMd,
}

impl ExportFormat {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Ics => "ics",
            ExportFormat::Csv => "csv",
            ExportFormat::PlanMd => "plan-md",
        }
    }

    /// Refuses a flag this format does not use, rather than ignoring it silently (the flags
    /// are `--table`, `--person`, `--as-of`, given or not).
    pub fn check_flags(self, table: bool, person: bool, as_of: bool) -> Result<(), String> {
        use ExportFormat::*;
        let refuse = |flag: &str, takers: &str| {
            Err(format!(
                "{flag} is not used by --format {}: only --format {takers} takes it",
                self.name()
            ))
        };
        if table && self != Csv {
            return refuse("--table", "csv");
        }
        if person && self != Ics {
            return refuse("--person", "ics");
        }
        if as_of && self == Jsonl {
            return refuse("--as-of", "ics, csv or plan-md");
        }
        Ok(())
    }
}

/// `baton roster …`.
#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Read a staff spreadsheet (CSV, header row, comma or semicolon) and record what changed:
    /// new people, moves, supervisors, leavers, skill levels. Columns: `name` (required),
    /// `person`, `department`, `branch`, `supervisor`, `joined`, `left`, and one per
    /// catalogue skill (level 0-4). Any bad row is reported by line and column and nothing is
    /// imported.
    Import {
        /// The CSV file (`-` for standard input).
        file: PathBuf,
        /// Show the changes, without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write the organization's people as a roster (the shape `roster import` reads).
    Export {
        /// Output file (default: standard output).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

/// The tables `export --format csv` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CsvTable {
    /// Per learner (mentee): completion, practice, estimated retention.
    Progress,
    /// The attendance register: one row per invitee of each session.
    Attendance,
    /// The skills matrix: each learner's and trainer's latest level per catalogue skill.
    Skills,
    /// The commitment ledger: release time asked, promised and delivered per learner.
    Commitments,
    /// Follow-ups: due, open, overdue or done.
    FollowUps,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the demo library roll-out (and a mentoring cohort) into the data directory.
    /// Running it again changes nothing.
    Demo {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Serve the HTTP API (JSON under /api, OpenAPI at /api/openapi.json) over the data
    /// directory, with live projections and tokens per role.
    Serve(super::serve_cmds::ServeArgs),
    /// Make, list and revoke API tokens.
    #[command(subcommand)]
    Token(super::serve_cmds::TokenCommand),
    /// List the programs.
    Programs {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// A program's dashboard: phases, enrolment, attendance, completion, proficiency, deadline
    /// forecast, follow-ups, practice and retention, trainer load, commitments, evaluations.
    Dashboard {
        /// Program slug.
        program: String,
        /// Business time: only what happened by then counts, and it is "now" (RFC 3339, or a
        /// day meaning its end in the organization's time zone). Default: now.
        #[arg(long)]
        as_of: Option<String>,
        /// Add the probabilistic forecast (P50/P85 completion, P(done by deadline)) of the
        /// `as-planned` scenario beside the pace forecast.
        #[arg(long)]
        forecast: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// A program's audit history: who changed what, when (recorded and occurred), with each
    /// event's seq and id (to void or correct it). `organization` as PROGRAM: the
    /// organization's own history (people, moves, supervisors, skills, assessments).
    History {
        /// Program slug, or `organization`.
        program: String,
        /// Recorded time: the history and plan as the log knew them then.
        #[arg(long, conflicts_with_all = ["diff", "at_version"])]
        as_of: Option<String>,
        /// The plan as it stood at this version of the program's stream (after that event).
        #[arg(long, conflicts_with = "diff")]
        at_version: Option<u64>,
        /// Field-level changes between two versions, e.g. `--diff 3..7`.
        #[arg(long)]
        diff: Option<String>,
        /// Only the last N entries (e.g. to find the seq of an event to void or correct).
        #[arg(long, conflicts_with = "diff")]
        last: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Skills and knowledge risk: holders per skill, single-holder skills, truck factor, coverage.
    Risk {
        /// Business time (see `dashboard`). Default: now.
        #[arg(long)]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One person across every program: sessions, evaluations, follow-ups, assessments.
    Journey {
        /// The person's id.
        person: String,
        /// Business time (see `dashboard`). Default: now.
        #[arg(long)]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What is due across programs: overdue and upcoming follow-ups, sessions without a
    /// recorded outcome, commitments never answered, and learners whose estimated retention
    /// falls below a threshold without practice, each with a suggested refresher day.
    Due {
        /// How far ahead: `14d`, `2w` or a number of days.
        #[arg(long, default_value = "14d")]
        within: String,
        /// Only what concerns this person (as learner, trainer, mentor, mentee or supervisor).
        #[arg(long)]
        person: Option<String>,
        /// Estimated retention (0-1) below which a refresher is suggested.
        #[arg(long, default_value_t = 0.8)]
        threshold: f64,
        /// Business time (see `dashboard`). Default: now.
        #[arg(long)]
        as_of: Option<String>,
        /// Output format (`ics`: one all-day item per thing due, for a calendar).
        #[arg(long, value_enum, default_value_t = DueFormat::Table)]
        format: DueFormat,
    },
    /// Start a program from the method's template: creates it, then prints the steps in order
    /// with what each asks for and what to do next.
    New {
        /// `training` or `mentoring`.
        #[arg(value_parser = ["training", "mentoring"])]
        kind: String,
        /// The program's slug.
        slug: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// The goal.
        #[arg(long)]
        goal: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Which step of the method is open for a program and what is missing (no outcome yet,
    /// trainers or mentors invited but none accepted, sessions without invitees, evaluations
    /// missing after sessions or coaching sessions, follow-ups never scheduled, pairs without
    /// needs, priorities or coaching sessions).
    Next {
        /// Program slug.
        program: String,
        /// Business time (see `dashboard`). Default: now.
        #[arg(long)]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Suggest mentors for each unpaired mentee of a mentoring program (or peers to invite as
    /// trainers for a training program's modules) from the skills matrix, with the reason for
    /// each; accept one with `PairMentee` or `InviteTrainer`. `--for-risk`: pairs that would
    /// end single-holder skills, with the truck factor before and after.
    SuggestPairs {
        /// Program slug (not needed with --for-risk).
        #[arg(required_unless_present = "for_risk")]
        program: Option<String>,
        /// Pairs that would end single-holder skills, ordered by the truck factor they give.
        #[arg(long)]
        for_risk: bool,
        /// Business time (see `dashboard`). Default: now.
        #[arg(long)]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Supervisors across programs: release time asked, promised and delivered, and whether
    /// the promises were kept.
    Supervisors {
        /// Business time (see `dashboard`). Default: now.
        #[arg(long)]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Apply a command to a program, or to the organization with PROGRAM = `organization`:
    /// from flags (`baton do pilot hold-session --session s-1 --present ann,bob`; `baton do
    /// PROGRAM COMMAND --help` lists a command's flags), or from a file holding one command as
    /// JSON or several as JSON Lines (applied atomically). `baton commands` lists every command.
    Do {
        /// Program slug, or `organization`.
        program: String,
        /// A command name in kebab case (`hold-session`), or the command file (`.json`,
        /// `.jsonl`, a path with `/`, or `-` for standard input).
        file: String,
        /// The command's fields as flags, `--field value` (`do`'s own options may follow too).
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "FLAGS"
        )]
        fields: Vec<String>,
        /// Fail with a conflict unless the program (or, for `organization`, the organization)
        /// is at this version.
        #[arg(long)]
        expect_version: Option<u64>,
        /// A client command id (UUID): retrying with the same id applies the command only once.
        #[arg(long)]
        command_id: Option<uuid::Uuid>,
        /// Business time, to enter what happened earlier (RFC 3339, or a day meaning its end
        /// in the organization's time zone): the rules decide as of then, an omitted `on` is
        /// that day, and events without a day of their own occurred then. Default: now.
        #[arg(long)]
        on: Option<String>,
        /// Decide the commands and show what they would write, without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Staff rosters (spreadsheets of people): import one, recording only the changes, or
    /// export the organization in the same shape.
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Enrol people in a program in bulk: everyone of a branch, of a department, or of a
    /// roster file. People already enrolled (or withdrawn) and leavers are skipped; a roster naming
    /// someone unknown is refused by line.
    Enrol {
        /// Program slug.
        program: String,
        /// Everyone of this branch.
        #[arg(long, group = "who")]
        branch: Option<String>,
        /// Everyone of this department.
        #[arg(long, group = "who")]
        department: Option<String>,
        /// The people of this roster file (CSV with a `person` or `name` column).
        #[arg(long, group = "who", required_unless_present_any = ["branch", "department"])]
        roster: Option<PathBuf>,
        /// Show who would be enrolled, without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List every command `baton do` accepts, with a description and an example.
    Commands {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Erase a person's personal data (their name and free-text fields about them) from the log;
    /// the hash chain stays valid and `verify` lists the redactions.
    Erase {
        /// The person's id.
        person: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write the log (or one program's events) as JSON Lines: the backup. With `--format ics`
    /// a calendar of a program's (or every program's) sessions and follow-ups; with `--format
    /// csv` a spreadsheet of one of a program's tables; with `--format plan-md` the action plan.
    /// The head the export was computed from
    /// is printed on standard error (and inside an `.ics` as `X-BATON-HEAD`).
    Export {
        /// Only this program's events (slug or `program-<slug>`), for reading or `import --append`.
        program: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// The table of `--format csv` (default: progress).
        #[arg(long, value_enum)]
        table: Option<CsvTable>,
        /// Only this person's sessions, coaching sessions and follow-ups (`--format ics`).
        #[arg(long)]
        person: Option<String>,
        /// Business time of `--format ics|csv` (see `dashboard`). Default: now.
        #[arg(long)]
        as_of: Option<String>,
        /// Output file (default: standard output).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Load an export. Into an empty store it is a lossless restore; `--append` adds the events
    /// to a non-empty store as new events (re-sequenced and re-chained).
    Import {
        /// The JSON Lines file.
        file: PathBuf,
        /// Append to a non-empty store instead of restoring into an empty one (in atomic
        /// chunks of at most 10,000 events).
        #[arg(long)]
        append: bool,
        /// Accept format-1 redactions (made before erasures were checkable), whose kept data
        /// cannot be checked against the chain.
        #[arg(long)]
        accept_unverified_redactions: bool,
        /// Restore only if the file ends at this head, `SEQ:HASH` (as `verify` prints it),
        /// noted somewhere the file's author could not rewrite.
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the scenario library (embedded in the binary): challenge cards and mitigations.
    Scenarios {
        /// List the model's named parameters (defaults and sources) instead.
        #[arg(long)]
        parameters: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Scenario files.
    #[command(subcommand)]
    Scenario(super::sim_cmds::ScenarioCommand),
    /// Forecast a plan under a scenario: percentiles of the completion date, P(done by
    /// deadline) and more, from seeded Monte Carlo runs. Writes nothing to the log.
    Simulate(super::sim_cmds::SimulateArgs),
    /// Rehearse a scenario card by card against a plan; the debrief compares each decision
    /// with its no-response branch (same seeds). Writes nothing to the log.
    Rehearse(super::sim_cmds::RehearseArgs),
    /// Print the simulator's sub-models (retention, adoption, truck factor). Reads no log.
    #[command(subcommand)]
    Model(super::sim_cmds::ModelCommand),
    /// Check the log's integrity: hash chain, data hashes, seq and version contiguity, indexes.
    /// Exits 0 with a summary when intact, 1 naming the first bad seq when not.
    Verify {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also check that the log still holds exactly this head, `SEQ:HASH`, noted earlier
        /// (from a report or a previous `verify`) somewhere the store's owner cannot rewrite.
        #[arg(long, value_name = "SEQ:HASH")]
        head: Option<String>,
    },
}
