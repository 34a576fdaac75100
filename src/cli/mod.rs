//! The command line: argument definitions (`args`), then one function per subcommand.
//!
//! Parsing only validates; each subcommand opens what it needs and calls the library.

/// Writes a line to standard output, returning an IO error instead of panicking (a closed
/// pipe, as with `baton history x | head`, is not a crash).
macro_rules! outln {
    () => { { use std::io::Write; writeln!(std::io::stdout().lock()) } };
    ($($arg:tt)*) => { { use std::io::Write; writeln!(std::io::stdout().lock(), $($arg)*) } };
}

/// `outln!` for text meant to be read (not data): a line wider than the terminal (or
/// `COLUMNS`) is wrapped at its spaces under a hanging indent; see [`render::fit`].
macro_rules! tableln {
    ($($arg:tt)*) => { {
        use std::io::Write;
        let text = format!($($arg)*);
        writeln!(std::io::stdout().lock(), "{}", $crate::cli::render::fit(&text))
    } };
}

/// `out!` for text meant to be read; see `tableln!`.
macro_rules! tableout {
    ($($arg:tt)*) => { {
        use std::io::Write;
        let text = format!($($arg)*);
        write!(std::io::stdout().lock(), "{}", $crate::cli::render::fit(&text))
    } };
}

/// Writes to standard output without a newline; see `outln!`.
macro_rules! out {
    ($($arg:tt)*) => { { use std::io::Write; write!(std::io::stdout().lock(), $($arg)*) } };
}

/// Prints a command's outcome as `--format json` does: the value, with the log's head it left.
fn print_json(value: serde_json::Value, head: &crate::store::LogHead) -> anyhow::Result<()> {
    let value = render::with_head(value, head, "result");
    outln!("{}", serde_json::to_string_pretty(&value)?)?;
    Ok(())
}

mod args;
mod demo_cmd;

mod export_cmds;
mod log_cmds;
mod program_cmds;
mod progress;
mod read_cmds;
mod remote;
mod render;
mod roster_cmds;
mod serve_cmds;
mod sim_cmds;

use crate::flags as do_flags;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

pub use args::{Cli, Command, Format};

use args::ExportFormat;
pub use do_flags::flags_line;
pub use program_cmds::command_reference;

use crate::query::HistoryAt;

use crate::app::App;
use crate::store::{LockedStore, SledStore, StoreConfig, SystemClock};

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            // `baton do PROGRAM COMMAND --help`: the command's own flags.
            let args: Vec<String> = std::env::args().collect();
            if let Some(type_name) = do_flags::help_request(&args) {
                return match out!("{}", do_flags::help(type_name)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(_) => ExitCode::from(1),
                };
            }
            e.exit()
        }
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Whether the error is a closed output pipe: the reader has what it wanted.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let actor = cli.actor.clone().unwrap_or_else(os_user);
    let data = cli.data.clone();
    // A flag the format does not use is refused, not silently ignored.
    if let Command::Export {
        format,
        table,
        person,
        as_of,
        ..
    } = &cli.command
    {
        format
            .check_flags(table.is_some(), person.is_some(), as_of.is_some())
            .map_err(anyhow::Error::msg)?;
    }
    match cli.command {
        Command::Verify { format, head } => log_cmds::verify(&data, format, head.as_deref()),
        Command::Export {
            program,
            format: format @ (ExportFormat::Ics | ExportFormat::Csv | ExportFormat::PlanMd),
            table,
            person,
            as_of,
            output,
        } => export_cmds::export(
            &data,
            export_cmds::ExportArgs {
                program: program.as_deref(),
                format,
                table: table.unwrap_or(args::CsvTable::Progress),
                person: person.as_deref(),
                as_of: as_of.as_deref(),
                output: output.as_deref(),
            },
        ),
        Command::Export {
            program,
            format,
            output,
            ..
        } => log_cmds::export(&data, program.as_deref(), format, output.as_deref()),
        Command::Import {
            file,
            append,
            accept_unverified_redactions,
            expect_head,
            format,
        } => log_cmds::import(
            &data,
            &file,
            log_cmds::ImportArgs {
                append,
                accept_unverified_redactions,
                expect_head: expect_head.as_deref(),
                actor: &actor,
                format,
            },
        ),
        Command::Do {
            program,
            file,
            fields,
            expect_version,
            command_id,
            on,
            dry_run,
            format,
        } => program_cmds::run_do(
            &data,
            program_cmds::DoArgs {
                program: &program,
                file: &file,
                fields: &fields,
                expect_version,
                command_id,
                on: on.as_deref(),
                on_owned: None,
                dry_run,
                format,
            },
            &actor,
        ),
        Command::Dashboard {
            program,
            as_of,
            forecast: true,
            format,
        } => sim_cmds::dashboard_forecast(&data, &program, as_of.as_deref(), format),
        Command::Dashboard {
            program,
            as_of,
            forecast: false,
            format,
        } => read_cmds::dashboard(&data, &program, as_of.as_deref(), format),
        Command::History {
            program,
            as_of,
            at_version,
            diff,
            last,
            format,
        } => read_cmds::history(
            &data,
            &program,
            HistoryAt {
                as_of,
                version: at_version,
                diff,
                last,
            },
            format,
        ),
        Command::Risk { as_of, format } => read_cmds::risk(&data, as_of.as_deref(), format),
        Command::Journey {
            person,
            as_of,
            format,
        } => read_cmds::journey(&data, &person, as_of.as_deref(), format),
        Command::Due {
            within,
            person,
            threshold,
            as_of,
            format,
        } => export_cmds::due(
            &data,
            export_cmds::DueArgs {
                within: &within,
                person,
                threshold,
                as_of: as_of.as_deref(),
                format,
            },
        ),
        Command::New {
            kind,
            slug,
            title,
            goal,
            format,
        } => export_cmds::new_program(&data, &kind, &slug, &title, goal.as_deref(), &actor, format),
        Command::Next {
            program,
            as_of,
            format,
        } => export_cmds::next(&data, &program, as_of.as_deref(), format),
        Command::SuggestPairs {
            program,
            for_risk,
            as_of,
            format,
        } => export_cmds::suggest_pairs(
            &data,
            program.as_deref(),
            for_risk,
            as_of.as_deref(),
            format,
        ),
        Command::Supervisors { as_of, format } => {
            read_cmds::supervisors(&data, as_of.as_deref(), format)
        }
        Command::Demo { format } => demo_cmd::demo(&data, format),
        Command::Serve(args) => serve_cmds::serve(&data, args),
        Command::Token(cmd) => serve_cmds::token(&data, cmd, &actor),
        Command::Roster(args::RosterCommand::Import {
            file,
            dry_run,
            format,
        }) => roster_cmds::import(&data, &file, dry_run, &actor, format),
        Command::Roster(args::RosterCommand::Export { output }) => {
            roster_cmds::export(&data, output.as_deref())
        }
        Command::Enrol {
            program,
            branch,
            department,
            roster,
            dry_run,
            format,
        } => roster_cmds::enrol(
            &data,
            &program,
            roster_cmds::Who {
                branch,
                department,
                roster,
            },
            dry_run,
            &actor,
            format,
        ),
        Command::Commands { format } => program_cmds::commands(format),
        Command::Programs { format } => program_cmds::programs(&data, format),
        Command::Erase { person, format } => program_cmds::erase(&data, &person, &actor, format),
        Command::Scenarios { parameters, format } => sim_cmds::scenarios(parameters, format),
        Command::Scenario(cmd) => sim_cmds::scenario(cmd),
        Command::Simulate(args) => sim_cmds::simulate(&data, args),
        Command::Model(cmd) => sim_cmds::model(cmd),
        Command::Rehearse(args) => sim_cmds::rehearse(&data, args),
    }
}

/// The operating-system user, the last fallback for `--actor`.
fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Opens the store in `data`; `create` decides whether a missing directory becomes a new store.
fn open_store(data: &Path, create: bool) -> anyhow::Result<SledStore> {
    Ok(lock_store(data, create)?.open_log()?)
}

/// Opens and locks the store directory without opening its log yet (a read that a
/// checkpoint at the log's head answers never opens it).
fn lock_store(data: &Path, create: bool) -> anyhow::Result<LockedStore> {
    if !create && !data.exists() {
        anyhow::bail!("no baton store at {} (set --data or BATON_DATA, or create one with `baton import` or `baton demo`)", data.display());
    }
    match LockedStore::open(
        data,
        StoreConfig {
            create,
            ..StoreConfig::default()
        },
    ) {
        Ok(locked) => Ok(locked),
        Err(crate::store::StoreError::InUse { .. })
            if crate::server::read_server_file(data).is_some() =>
        {
            let served = crate::server::read_server_file(data);
            let (url, pid) = served.map(|f| (f.url, f.pid)).unwrap_or_default();
            anyhow::bail!("the store in {} is held by `baton serve` at {url} (pid {pid}); this command does not go through the server: use its API (see {url}/api/openapi.json), or stop the server first", data.display())
        }
        Err(e) => Err(e.into()),
    }
}

/// Opens a locked store's log and wraps it in the application service.
fn app_on(locked: LockedStore) -> anyhow::Result<App> {
    Ok(App::new(
        Arc::new(locked.open_log()?),
        Arc::new(SystemClock),
    ))
}

/// Opens the store and wraps it in the application service.
fn open_app(data: &Path, create: bool) -> anyhow::Result<App> {
    app_on(lock_store(data, create)?)
}
