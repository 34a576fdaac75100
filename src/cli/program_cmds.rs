//! `do`, `commands`, `programs`, `erase`: writing through the application service.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{json, Value};
use uuid::Uuid;

use super::args::Format;
use super::{open_app, render};
use crate::app::RunOptions;
use crate::domain::{command_examples, Command};
use crate::flags as do_flags;
use crate::projections::programs::ProgramSummary;

/// Reads one command (a JSON object) or several (JSON Lines) from a file, `-` for stdin, each
/// with its line number (1 for a single object).
pub(super) fn read_commands(file: &Path) -> anyhow::Result<Vec<(usize, Command)>> {
    let mut text = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading commands from standard input")?;
    } else {
        text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    }
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        if value.is_array() {
            anyhow::bail!("{}: expected one command object or JSON Lines (one command per line), not a JSON array", file.display());
        }
        return Ok(vec![(
            1,
            Command::from_json(&value).with_context(|| format!("{}", file.display()))?,
        )]);
    }
    let mut commands = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line)
            .with_context(|| format!("{} line {}: not valid JSON", file.display(), i + 1))?;
        commands.push((
            i + 1,
            Command::from_json(&value)
                .with_context(|| format!("{} line {}", file.display(), i + 1))?,
        ));
    }
    if commands.is_empty() {
        anyhow::bail!("{}: no command found", file.display());
    }
    Ok(commands)
}

/// What `do` was asked.
pub(super) struct DoArgs<'a> {
    pub program: &'a str,
    pub file: &'a str,
    pub fields: &'a [String],
    pub expect_version: Option<u64>,
    pub command_id: Option<Uuid>,
    pub on: Option<&'a str>,
    /// `--on` given after COMMAND.
    pub on_owned: Option<String>,
    pub dry_run: bool,
    pub format: Format,
}

/// The commands of `do`: from flags (COMMAND is a command name) or from a file, each with its
/// line; `do`'s own options given after COMMAND are merged into `args`.
fn do_commands(args: &mut DoArgs<'_>) -> anyhow::Result<Option<Vec<(usize, Command)>>> {
    let by_name = if do_flags::is_file_argument(args.file) {
        None
    } else {
        do_flags::command_type(args.file)
    };
    let Some(type_name) = by_name else {
        if !args.fields.is_empty() {
            anyhow::bail!(
                "{:?} is not a command name (like hold-session, see `baton commands`), so it takes no flags",
                args.file
            );
        }
        if !do_flags::is_file_argument(args.file) && !Path::new(args.file).exists() {
            anyhow::bail!(
                "{:?}: no such command (expected a name like hold-session, see `baton commands`) and no such file (a command file ends in .json or .jsonl, contains /, or is - for standard input)",
                args.file
            );
        }
        return Ok(Some(read_commands(Path::new(args.file))?));
    };
    let (value, options) = do_flags::parse(type_name, args.fields)?;
    if options.help {
        out!("{}", do_flags::help(type_name))?;
        return Ok(None);
    }
    args.dry_run |= options.dry_run;
    if options.json {
        args.format = Format::Json;
    }
    args.expect_version = options.expect_version.or(args.expect_version);
    args.command_id = options.command_id.or(args.command_id);
    if let Some(on) = options.on {
        args.on_owned = Some(on);
    }
    Ok(Some(vec![(1, do_flags::command(type_name, &value)?)]))
}

pub(super) fn run_do(data: &Path, mut args: DoArgs<'_>, actor: &str) -> anyhow::Result<ExitCode> {
    let Some(lines) = do_commands(&mut args)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let on = args.on_owned.as_deref().or(args.on);
    if let Some(remote) = super::remote::Remote::find(data)? {
        return remote.run_do(&args, on, &lines, actor);
    }
    let commands: Vec<Command> = lines.iter().map(|(_, c)| c.clone()).collect();
    let creates = commands
        .iter()
        .any(|c| matches!(c, Command::CreateProgram(_)));
    let app = open_app(data, true)?;
    let program = match args.program {
        "organization" | "org" => None,
        slug => Some(slug.strip_prefix("program-").unwrap_or(slug)),
    };
    if let Some(slug) = program {
        if !creates && !app.program_exists(slug)? {
            anyhow::bail!("no program {slug:?}: create it first with a CreateProgram command (see `baton commands`)");
        }
    }
    let business_time = match on {
        Some(text) => Some(
            crate::app::parse_as_of(text, &app.organization()?.0)
                .map_err(|e| anyhow::anyhow!("--on: {}", e.to_string().replace("as-of ", "")))?,
        ),
        None => None,
    };
    let options = RunOptions {
        actor: actor.to_string(),
        command_id: args.command_id,
        expect_version: args.expect_version,
        business_time,
        dry_run: args.dry_run,
    };
    let result = match app.run(program, &commands, &options) {
        Ok(result) => result,
        // A rule broken inside a JSON Lines batch names the line of the file.
        Err(crate::app::AppError::RuleInBatch { index, error }) => {
            let line = lines.get(index - 1).map_or(index, |(line, _)| *line);
            if do_flags::command_type(args.file).is_some() {
                anyhow::bail!("{error}");
            }
            anyhow::bail!("{} line {line}: {error}", args.file);
        }
        Err(e) => return Err(e.into()),
    };
    print_run(&result, program.is_some(), args.format)
}

/// Prints what a run wrote (the same from the store and through a server).
pub(super) fn print_run(
    result: &crate::app::RunResult,
    program: bool,
    format: Format,
) -> anyhow::Result<ExitCode> {
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(result)?)?,
        Format::Table => {
            if result.duplicate {
                tableln!("already applied (same command id): nothing new was written")?;
            }
            if result.dry_run {
                tableln!("dry run: nothing was written; the command would write")?;
                for e in &result.events {
                    tableln!("  {:<14} {}  {}", e.stream, e.event_type, e.data)?;
                }
            }
            for (seq, ty) in result.seqs.iter().zip(&result.event_types) {
                tableln!("seq {seq:>6}  {ty}")?;
            }
            for r in &result.replaced {
                let about = r
                    .person
                    .as_deref()
                    .map(|p| format!(" about {p}"))
                    .unwrap_or_default();
                let on = r.on.map(|d| format!(" on {d}")).unwrap_or_default();
                tableln!("voided seq {} {}{about}{on}", r.seq, r.event_type)?;
            }
            if program {
                tableln!("program version {}", result.program_version)?;
            } else {
                tableln!("organization version {}", result.organization_version)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every command with its description and an example whose `type` comes first.
pub fn command_reference() -> Vec<(&'static str, &'static str, Value)> {
    command_examples()
        .into_iter()
        .map(|(t, d, ex)| {
            let mut ordered = serde_json::Map::new();
            ordered.insert("type".into(), Value::String(t.into()));
            if let Value::Object(map) = ex {
                ordered.extend(map.into_iter().filter(|(k, _)| k != "type"));
            }
            (t, d, Value::Object(ordered))
        })
        .collect()
}

pub(super) fn commands(format: Format) -> anyhow::Result<ExitCode> {
    let examples = command_reference();
    match format {
        Format::Json => {
            let list: Vec<Value> = examples
                .iter()
                .map(|(t, d, ex)| json!({"type": t, "description": d, "example": ex}))
                .collect();
            outln!("{}", serde_json::to_string_pretty(&list)?)?;
        }
        Format::Table => {
            tableln!("Commands for `baton do PROGRAM COMMAND --field value…` or `baton do PROGRAM FILE` (use `organization` as PROGRAM for organization commands).")?;
            tableln!(
                "FILE holds one command as JSON, or several as JSON Lines applied atomically; `baton do PROGRAM COMMAND --help` lists a command's flags.\n"
            )?;
            for (t, d, ex) in examples {
                outln!("{t}\n    {d}\n    {}", serde_json::to_string(&ex)?)?;
                if let Some(line) = do_flags::flags_line(t, &ex) {
                    tableln!("    {line}")?;
                }
                outln!()?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn programs(data: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let answer = match super::remote::Remote::find(data)? {
        Some(remote) => remote.answer("/api/programs", "programs")?,
        None => super::read_cmds::reader(data)?.programs()?,
    };
    let head = answer.head;
    let lines: Vec<ProgramSummary> = serde_json::from_value(answer.view)?;
    match format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&render::with_head(
                serde_json::to_value(&lines)?,
                &head,
                "programs"
            ))?
        )?,
        Format::Table if lines.is_empty() => {
            tableln!("no programs yet (create one with `baton do SLUG create.json`, or load the demo with `baton demo`)")?;
        }
        Format::Table => {
            tableln!("{}", render::title_with_head("Programs", &head))?;
            tableln!(
                "{:<24} {:<10} {:<11} {:>8} {:>8} {:>7}  title",
                "program",
                "kind",
                "deadline",
                "learners",
                "sessions",
                "version"
            )?;
            for line in &lines {
                let deadline = line.deadline.map(|d| d.to_string());
                tableln!(
                    "{:<24} {:<10} {:<11} {:>8} {:>8} {:>7}  {}{}",
                    line.program,
                    line.kind.as_str(),
                    deadline.as_deref().unwrap_or("-"),
                    line.learners,
                    line.sessions,
                    line.version,
                    line.title,
                    if line.archived { " (archived)" } else { "" }
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn erase(
    data: &Path,
    person: &str,
    actor: &str,
    format: Format,
) -> anyhow::Result<ExitCode> {
    if let Some(remote) = super::remote::Remote::find(data)? {
        return remote.erase(person, actor, format);
    }
    let app = open_app(data, false)?;
    let (org, _) = app.organization()?;
    let already = org.people.get(person).is_some_and(|p| p.erased);
    if already {
        // Recorded as erased: make sure every event about them is (an erasure interrupted
        // before erasures were all or nothing is completed; otherwise nothing changes).
        app.complete_erasure(person, actor)?;
    } else {
        let command = Command::from_json(&json!({"type": "ErasePerson", "person": person}))?;
        let options = RunOptions {
            actor: actor.to_string(),
            ..RunOptions::default()
        };
        app.run(None, &[command], &options)?;
    }
    print_erased(person, already, &app.store().head(), format)
}

/// What `erase` says (the same from the store and through a server).
pub(super) fn print_erased(
    person: &str,
    already: bool,
    head: &crate::store::LogHead,
    format: Format,
) -> anyhow::Result<ExitCode> {
    match format {
        Format::Json => super::print_json(
            json!({"person": person, "erased": true, "already_erased": already}),
            head,
        )?,
        Format::Table if already => {
            tableln!("{person} was already erased; every event about them is redacted")?
        }
        Format::Table => tableln!("erased the personal data of {person}; the hash chain still verifies (`baton verify` lists the redactions)")?,
    }
    Ok(ExitCode::SUCCESS)
}
