//! `export --format ics|csv`: calendars and spreadsheets. The rendering is the library's
//! (`crate::exports`); this file reads the fold, picks the output and prints the head.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::args::{CsvTable, DueFormat, ExportFormat, Format};
use super::open_app;
use crate::app::{parse_as_of, App};
use crate::checkpoint;
use crate::domain::Timestamp;
use crate::exports::{self, csv, ics, plan_md};
use crate::projections::due::{DueConfig, DueKind};
use crate::projections::{next, pairing};
use crate::store::LogHead;

/// What `export` was asked, for the formats of this file.
pub(super) struct ExportArgs<'a> {
    pub program: Option<&'a str>,
    pub format: ExportFormat,
    pub table: CsvTable,
    pub person: Option<&'a str>,
    pub as_of: Option<&'a str>,
    pub output: Option<&'a Path>,
}

pub(super) fn export(data: &Path, args: ExportArgs<'_>) -> anyhow::Result<ExitCode> {
    let app = open_app(data, false)?;
    let head = app.store().head();
    let t = match args.as_of {
        None => app.now(),
        Some(text) => parse_as_of(text, &app.organization()?.0)?,
    };
    let bytes = match args.format {
        ExportFormat::Ics => calendar(&app, &args, t, &head)?,
        // `--person` with a format other than ics was refused with the other flags
        // (`ExportFormat::check_flags`).
        ExportFormat::Csv => spreadsheet(&app, &args, t)?,
        ExportFormat::PlanMd => plan(&app, &args, t, &head)?,
        ExportFormat::Jsonl => anyhow::bail!("JSON Lines is written by `log_cmds::export`"),
    };
    write_out(args.output, &bytes)?;
    // On standard error, so that standard output stays pure data.
    eprintln!(
        "head {} (check it later with `baton verify --head`)",
        exports::head_text(&head)
    );
    Ok(ExitCode::SUCCESS)
}

/// The program `slug`, its organization and dashboard fold as of `t`.
fn program_fold(
    app: &App,
    slug: &str,
    t: Timestamp,
) -> anyhow::Result<(String, crate::projections::dashboard::Dashboard)> {
    let stream = crate::app::program_stream(slug)?;
    let slug = stream.program_slug().unwrap_or(slug).to_string();
    if app.store().stream_version(stream.as_str()) == 0 {
        anyhow::bail!("no program {slug:?} (see `baton programs`)");
    }
    let (dashboard, _) = checkpoint::dashboard_as_of(app, &slug, t)?;
    if !dashboard.program_exists() {
        anyhow::bail!("program {slug:?} did not exist yet on {t}");
    }
    Ok((slug, dashboard))
}

fn calendar(
    app: &App,
    args: &ExportArgs<'_>,
    t: Timestamp,
    head: &LogHead,
) -> anyhow::Result<Vec<u8>> {
    Ok(crate::query::calendar_at(app, args.program, args.person, &[], t, head)?.into_bytes())
}

fn spreadsheet(app: &App, args: &ExportArgs<'_>, t: Timestamp) -> anyhow::Result<Vec<u8>> {
    let Some(slug) = args.program else {
        anyhow::bail!("--format csv needs a PROGRAM (see `baton programs`)");
    };
    let (_, dashboard) = program_fold(app, slug, t)?;
    let (Some(program), Some(view)) = (dashboard.program(), dashboard.result(t)) else {
        anyhow::bail!("program {slug:?} did not exist yet on {t}");
    };
    let table = match args.table {
        CsvTable::Progress => csv::Table::Progress,
        CsvTable::Attendance => csv::Table::Attendance,
        CsvTable::Skills => csv::Table::Skills,
        CsvTable::Commitments => csv::Table::Commitments,
        CsvTable::FollowUps => csv::Table::FollowUps,
    };
    Ok(csv::table(
        &csv::Input {
            org: dashboard.organization(),
            program,
            view: &view,
            now: t,
        },
        table,
    ))
}

fn plan(app: &App, args: &ExportArgs<'_>, t: Timestamp, head: &LogHead) -> anyhow::Result<Vec<u8>> {
    let Some(slug) = args.program else {
        anyhow::bail!("--format plan-md needs a PROGRAM (see `baton programs`)");
    };
    let (_, dashboard) = program_fold(app, slug, t)?;
    let (Some(program), Some(view)) = (dashboard.program(), dashboard.result(t)) else {
        anyhow::bail!("program {slug:?} did not exist yet on {t}");
    };
    Ok(plan_md::plan(&plan_md::Input {
        org: dashboard.organization(),
        program,
        view: &view,
        head,
    })
    .into_bytes())
}

/// Writes the export to the file (synced) or to standard output.
pub(super) fn write_out(output: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let mut file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            file.write_all(bytes)
                .and_then(|_| file.sync_all())
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// What `due` was asked.
pub(super) struct DueArgs<'a> {
    pub within: &'a str,
    pub person: Option<String>,
    pub threshold: f64,
    pub as_of: Option<&'a str>,
    pub format: DueFormat,
}

/// `14d`, `2w` or `14`: a number of days.
fn parse_within(text: &str) -> anyhow::Result<i64> {
    let err = || {
        anyhow::anyhow!("--within {text:?}: expected a number of days like 14d, or weeks like 2w")
    };
    let (number, unit) = match text.strip_suffix('d') {
        Some(n) => (n, 1),
        None => match text.strip_suffix('w') {
            Some(n) => (n, 7),
            None => (text, 1),
        },
    };
    let n: i64 = number.trim().parse().map_err(|_| err())?;
    if !(0..=3650).contains(&n) {
        return Err(err());
    }
    Ok(n * unit)
}

pub(super) fn due(data: &Path, args: DueArgs<'_>) -> anyhow::Result<ExitCode> {
    let within_days = parse_within(args.within)?;
    if !(0.0..=1.0).contains(&args.threshold) {
        anyhow::bail!(
            "--threshold {}: expected a retention from 0 to 1, like 0.8",
            args.threshold
        );
    }
    let app = open_app(data, false)?;
    let head = app.store().head();
    let t = match args.as_of {
        None => app.now(),
        Some(text) => parse_as_of(text, &app.organization()?.0)?,
    };
    let config = DueConfig {
        within_days,
        person: args.person.clone(),
        threshold: args.threshold,
        programs: Vec::new(),
    };
    let (world, view) = crate::query::due_at(&app, t, &config)?;
    match args.format {
        DueFormat::Table => {
            let title = format!("Due (as of {}, next {within_days} days)", view.today);
            tableln!("{}", super::render::title_with_head(&title, &head))?;
            if view.items.is_empty() {
                tableln!("nothing is due")?;
            }
            for item in &view.items {
                let kind = match item.kind {
                    DueKind::FollowUpOverdue => "overdue",
                    DueKind::FollowUpDue => "follow-up",
                    DueKind::SessionWithoutOutcome | DueKind::CoachingWithoutOutcome => "record",
                    DueKind::CommitmentUnanswered => "unanswered",
                    DueKind::Refresher => "refresher",
                };
                tableln!(
                    "{}  {kind:<10}  {:<16}  {:<20}  {}",
                    item.day,
                    item.program,
                    item.name.as_deref().unwrap_or("-"),
                    item.what
                )?;
            }
        }
        DueFormat::Json => super::read_cmds::print(Format::Json, "Due", &view, head)?,
        DueFormat::Ics => {
            let stamp = match head.last_seq {
                0 => Timestamp::EPOCH,
                seq => app.store().get(seq)?.recorded_at(),
            };
            let text = ics::due_calendar(&world.org, &view, &head, stamp, args.person.as_deref());
            write_out(None, text.as_bytes())?;
            eprintln!(
                "head {} (check it later with `baton verify --head`)",
                exports::head_text(&head)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn suggest_pairs(
    data: &Path,
    program: Option<&str>,
    for_risk: bool,
    as_of: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let app = open_app(data, false)?;
    let head = app.store().head();
    let t = match as_of {
        None => app.now(),
        Some(text) => parse_as_of(text, &app.organization()?.0)?,
    };
    if let (true, Some(p)) = (for_risk, program) {
        // The single-holder skills are the organization's, not a program's: a PROGRAM would
        // be silently ignored, so it is refused.
        anyhow::bail!(
            "--for-risk looks at the whole organization's skills and takes no PROGRAM: leave out {p:?}, or drop --for-risk for {p}'s suggestions"
        );
    }
    let (world, _) = checkpoint::world_as_of(&app, t)?;
    if for_risk {
        let pairs = pairing::for_risk(&world, t);
        return match format {
            Format::Json => {
                super::read_cmds::print(
                    Format::Json,
                    "",
                    &serde_json::json!({"pairs": pairs}),
                    head,
                )?;
                Ok(ExitCode::SUCCESS)
            }
            Format::Table => {
                tableln!(
                    "{}",
                    super::render::title_with_head(
                        "Pairs that would end single-holder skills",
                        &head
                    )
                )?;
                if pairs.is_empty() {
                    tableln!("no pair would raise the truck factor (no skill is held by one person only, or another one still would be)")?;
                }
                for p in &pairs {
                    tableln!(
                        "{:<22} {} → {} (level {}): truck factor {} → {} (+{})",
                        p.skill,
                        world.org.name_of(&p.mentor),
                        p.mentee_name,
                        p.mentee_level.map_or("-".to_string(), |l| l.to_string()),
                        p.truck_factor_before,
                        p.truck_factor_after,
                        p.gain
                    )?;
                }
                Ok(ExitCode::SUCCESS)
            }
        };
    }
    let Some(slug) = program else {
        anyhow::bail!("name a PROGRAM, or ask --for-risk");
    };
    let slug = slug.strip_prefix("program-").unwrap_or(slug);
    let Some(p) = world.programs.get(slug) else {
        anyhow::bail!("no program {slug:?} (see `baton programs`)");
    };
    let suggestions = pairing::suggest(&world, p, t);
    match format {
        Format::Json => super::read_cmds::print(
            Format::Json,
            "",
            &serde_json::json!({"program": slug, "suggestions": suggestions}),
            head,
        )?,
        Format::Table => {
            let what = match p.kind {
                crate::domain::events::ProgramKind::Mentoring => "Mentors for unpaired mentees",
                crate::domain::events::ProgramKind::Training => "Peers to invite as trainers",
            };
            tableln!(
                "{}",
                super::render::title_with_head(&format!("{what}: {slug}"), &head)
            )?;
            if suggestions.is_empty() {
                tableln!(
                    "nobody to pair: every mentee has a mentor (or the program has no modules)"
                )?;
            }
            for (i, s) in suggestions.iter().enumerate() {
                tableln!("\n{} ({})", s.name, s.r#for)?;
                if s.candidates.is_empty() && s.left_out > 0 {
                    tableln!(
                        "  every holder of the skill at the module's level ({}) is already invited to {slug} or one of its learners",
                        s.left_out
                    )?;
                } else if s.candidates.is_empty() {
                    tableln!("  nobody holds the skill yet")?;
                }
                for c in &s.candidates {
                    tableln!("  {:<22} {}", c.name, c.reason)?;
                }
                if let Some(best) = s.candidates.first() {
                    match p.kind {
                        crate::domain::events::ProgramKind::Mentoring => {
                            // Only an accepted mentor can be paired (`not_a_trainer`
                            // otherwise), so the steps before that are printed too.
                            let pair = format!(
                                "baton do {slug} pair-mentee --pair p-new-{} --mentor {} --mentee {}",
                                i + 1,
                                best.person,
                                s.r#for
                            );
                            let invite =
                                format!("baton do {slug} invite-trainer --person {}", best.person);
                            let accept = format!(
                                "baton do {slug} accept-invitation --person {}   (once they agree)",
                                best.person
                            );
                            use crate::domain::program::TrainerStatus;
                            match p.trainers.get(&best.person).map(|t| t.status) {
                                Some(TrainerStatus::Accepted) => tableln!("  accept: {pair}")?,
                                Some(TrainerStatus::Invited) => {
                                    tableln!("  accept, in order:\n    {accept}\n    {pair}")?
                                }
                                _ => tableln!(
                                    "  accept, in order:\n    {invite}\n    {accept}\n    {pair}"
                                )?,
                            }
                        }
                        crate::domain::events::ProgramKind::Training => tableln!(
                            "  accept: baton do {slug} invite-trainer --person {}",
                            best.person
                        )?,
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_steps(view: &next::NextView) -> anyhow::Result<()> {
    for row in &view.steps {
        let mark = if row.done {
            "x"
        } else if Some(row.step) == view.open_step {
            ">"
        } else {
            " "
        };
        tableln!("  [{mark}] {:<22} {}", row.step.as_str(), row.asks)?;
    }
    Ok(())
}

pub(super) fn new_program(
    data: &Path,
    kind: &str,
    slug: &str,
    title: &str,
    goal: Option<&str>,
    actor: &str,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let app = open_app(data, true)?;
    let command = crate::domain::Command::from_json(&serde_json::json!({
        "type": "CreateProgram", "program": slug, "kind": kind, "title": title, "goal": goal,
    }))?;
    let options = crate::app::RunOptions {
        actor: actor.to_string(),
        ..crate::app::RunOptions::default()
    };
    app.run(Some(slug), &[command], &options)?;
    let Some((program, _)) = app.program(slug)? else {
        anyhow::bail!("program {slug:?} was not created");
    };
    let (org, _) = app.organization()?;
    let view = next::next(&org, &program, app.now());
    if format == Format::Json {
        // What `baton next --format json` prints, for the program just made.
        super::print_json(serde_json::to_value(&view)?, &app.store().head())?;
        return Ok(ExitCode::SUCCESS);
    }
    tableln!("created the {kind} program {slug}: {title}\n\nThe method, step by step:")?;
    print_steps(&view)?;
    tableln!("\nWhat next:")?;
    for m in &view.missing {
        tableln!("  - {m}")?;
    }
    tableln!("  Tick a step when it is done: baton do {slug} mark-step --step STEP")?;
    tableln!(
        "  Any command's flags: baton do {slug} COMMAND --help (`baton commands` lists them)"
    )?;
    tableln!("  Where you stand at any time: baton next {slug}")?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn next(
    data: &Path,
    program: &str,
    as_of: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let app = open_app(data, false)?;
    let head = app.store().head();
    let t = match as_of {
        None => app.now(),
        Some(text) => parse_as_of(text, &app.organization()?.0)?,
    };
    let (slug, dashboard) = program_fold(&app, program, t)?;
    let Some(p) = dashboard.program() else {
        anyhow::bail!("program {slug:?} did not exist yet on {t}");
    };
    let view = next::next(dashboard.organization(), p, t);
    match format {
        Format::Json => super::read_cmds::print(Format::Json, "", &view, head)?,
        Format::Table => {
            tableln!(
                "{}",
                super::render::title_with_head(&format!("Next in {slug}"), &head)
            )?;
            match view.open_step {
                Some(step) => tableln!("open step: {} — {}", step.as_str(), next::asks(step))?,
                None => tableln!("every step of the method is ticked")?,
            }
            print_steps(&view)?;
            if view.missing.is_empty() {
                tableln!("\nnothing missing")?;
            } else {
                tableln!("\nmissing:")?;
                for m in &view.missing {
                    tableln!("  - {m}")?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
