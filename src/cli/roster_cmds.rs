//! `roster import|export`, `enrol`: the organization from and to a staff spreadsheet. Parsing
//! and the changes are the library's (`crate::exports::roster`); every change is an ordinary
//! organization (or program) command through `App::run`, all of them in one atomic append.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use serde_json::json;

use super::args::Format;
use super::open_app;
use crate::app::{AppError, RunOptions};
use crate::domain::Command;
use crate::exports::{self, roster};

/// Reads a file, `-` for standard input.
fn read_text(file: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
    } else {
        text = std::fs::read_to_string(file)
            .with_context(|| format!("reading {} (expected a UTF-8 CSV file)", file.display()))?;
    }
    Ok(text)
}

/// Prints every problem of a roster and fails with nothing written.
fn refuse(file: &Path, errors: &[roster::RowError]) -> anyhow::Error {
    for e in errors {
        eprintln!("{}: {e}", file.display());
    }
    anyhow::anyhow!(
        "{}: {} problem{} found; nothing was imported",
        file.display(),
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    )
}

/// Runs the commands as one atomic append; a broken rule names the roster line it came from.
fn run(
    app: &crate::app::App,
    program: Option<&str>,
    lines: &[(u64, Command)],
    file: Option<&Path>,
    dry_run: bool,
    actor: &str,
) -> anyhow::Result<crate::app::RunResult> {
    let commands: Vec<Command> = lines.iter().map(|(_, c)| c.clone()).collect();
    let options = RunOptions {
        actor: actor.to_string(),
        dry_run,
        ..RunOptions::default()
    };
    match app.run(program, &commands, &options) {
        Ok(result) => Ok(result),
        Err(AppError::RuleInBatch { index, error }) => {
            let at = match (file, lines.get(index - 1)) {
                (Some(file), Some((line, _))) => format!("{} line {line}: ", file.display()),
                _ => String::new(),
            };
            anyhow::bail!("{at}{error}; nothing was written")
        }
        Err(e) => Err(e.into()),
    }
}

/// "3 AddPerson, 1 MovePerson".
fn summary(commands: &[(u64, Command)]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, c) in commands {
        *counts.entry(c.type_name()).or_default() += 1;
    }
    counts
        .iter()
        .map(|(t, n)| format!("{n} {t}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn import(
    data: &Path,
    file: &Path,
    dry_run: bool,
    actor: &str,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let text = read_text(file)?;
    let app = open_app(data, true)?;
    let (org, _) = app.organization()?;
    let parsed = roster::parse(&text, &org).map_err(|errors| refuse(file, &errors))?;
    let changes = roster::changes(&org, &parsed);
    if format == Format::Json {
        // What `POST /api/roster` answers: the run's result, the rows and the changes by line.
        let mut value = match changes.is_empty() {
            true => json!({"message": "the organization already matches the roster"}),
            false => serde_json::to_value(run(&app, None, &changes, Some(file), dry_run, actor)?)?,
        };
        value["rows"] = json!(parsed.rows.len());
        value["changes"] = changes
            .iter()
            .map(|(line, c)| json!({"line": line, "command": c}))
            .collect();
        super::print_json(value, &app.store().head())?;
        return Ok(ExitCode::SUCCESS);
    }
    if changes.is_empty() {
        tableln!(
            "the organization already matches the roster ({} people); nothing recorded",
            parsed.rows.len()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let result = run(&app, None, &changes, Some(file), dry_run, actor)?;
    if dry_run {
        tableln!("dry run: nothing was written; the roster would record")?;
    } else {
        tableln!(
            "recorded {} changes from {}:",
            changes.len(),
            file.display()
        )?;
    }
    for (line, c) in &changes {
        let data = serde_json::to_value(c)?;
        outln!("  line {line:>4}  {}", serde_json::to_string(&data)?)?;
    }
    tableln!("{}", summary(&changes))?;
    if !dry_run {
        tableln!("organization version {}", result.organization_version)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn export(data: &Path, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let app = open_app(data, false)?;
    let head = app.store().head();
    let (org, _) = app.organization()?;
    super::export_cmds::write_out(output, &roster::export(&org))?;
    eprintln!(
        "head {} (check it later with `baton verify --head`)",
        exports::head_text(&head)
    );
    Ok(ExitCode::SUCCESS)
}

/// Who `enrol` was asked to enrol.
pub(super) struct Who {
    pub branch: Option<String>,
    pub department: Option<String>,
    pub roster: Option<PathBuf>,
}

pub(super) fn enrol(
    data: &Path,
    program: &str,
    who: Who,
    dry_run: bool,
    actor: &str,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let app = open_app(data, false)?;
    let slug = program.strip_prefix("program-").unwrap_or(program);
    let Some((state, _)) = app.program(slug)? else {
        anyhow::bail!("no program {slug:?} (see `baton programs`)");
    };
    let (org, _) = app.organization()?;
    let selection = match (who.branch, who.department, &who.roster) {
        (Some(b), _, _) => roster::Selection::Branch(b),
        (_, Some(d), _) => roster::Selection::Department(d),
        (_, _, Some(file)) => {
            let text = read_text(file)?;
            roster::Selection::People(
                roster::people(&text, &org).map_err(|errors| refuse(file, &errors))?,
            )
        }
        _ => anyhow::bail!("say whom to enrol: --branch, --department or --roster"),
    };
    if let Some(why) = roster::selects_nobody(&org, &selection) {
        anyhow::bail!("nobody to enrol: {why}");
    }
    let commands: Vec<(u64, Command)> = roster::enrolments(&org, &state, &selection)
        .into_iter()
        .map(|c| (0, c))
        .collect();
    let people: Vec<String> = commands
        .iter()
        .filter_map(|(_, c)| match c {
            Command::EnrolLearner(e) => Some(e.person.clone()),
            _ => None,
        })
        .collect();
    if format == Format::Json {
        let mut value = match commands.is_empty() {
            true => {
                json!({"message": format!("nobody to enrol: everyone selected is already in {slug} (or has left)")})
            }
            false => serde_json::to_value(run(&app, Some(slug), &commands, None, dry_run, actor)?)?,
        };
        value["enrolled"] = json!(people);
        super::print_json(value, &app.store().head())?;
        return Ok(ExitCode::SUCCESS);
    }
    if commands.is_empty() {
        tableln!("nobody to enrol: everyone selected is already in {slug} (or has left)")?;
        return Ok(ExitCode::SUCCESS);
    }
    let result = run(&app, Some(slug), &commands, None, dry_run, actor)?;
    if dry_run {
        tableln!(
            "dry run: nothing was written; would enrol {} people:",
            people.len()
        )?;
    } else {
        tableln!("enrolled {} people in {slug}:", people.len())?;
    }
    tableln!("  {}", people.join(", "))?;
    if !dry_run {
        tableln!("program version {}", result.program_version)?;
    }
    Ok(ExitCode::SUCCESS)
}
