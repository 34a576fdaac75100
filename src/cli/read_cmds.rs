//! `dashboard`, `history`, `risk`, `journey`: folds of the log, printed as tables or JSON.
//!
//! Business-time reads (`dashboard`, `risk`, `journey`) take `--as-of T`: only events that
//! occurred by T count, and T is "now" for every time-dependent figure. The audit (`history`)
//! reads by recorded time: `--as-of T` shows the plan as the log knew it at T.

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::json;

use super::args::Format;
use super::render;
use super::{app_on, lock_store, open_app};
use crate::app::{parse_as_of, App};
use crate::checkpoint::{self, Checkpointed};
use crate::domain::{Organization, Timestamp};
use crate::projections::audit::{self, AuditHistory};
use crate::projections::dashboard::Dashboard;
use crate::projections::journey::LearnerJourney;
use crate::projections::risk::SkillsRisk;
use crate::projections::Projection;
use crate::store::{Clock, LogHead, SystemClock};

/// Resolves `--as-of` (default: now) against the organization's time zone.
fn as_of(app: &App, text: Option<&str>) -> anyhow::Result<Timestamp> {
    match text {
        None => Ok(app.now()),
        Some(text) => {
            let (org, _) = app.organization()?;
            Ok(parse_as_of(text, &org)?)
        }
    }
}

/// Prints a view with the head of the log it was computed from (`DESIGN.md` §4: a report
/// names the head, so it can be checked against the log later).
pub(super) fn print<T: Serialize>(
    format: Format,
    title: &str,
    view: &T,
    head: LogHead,
) -> anyhow::Result<()> {
    let value = serde_json::to_value(view)?;
    match format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&render::with_head(value, &head, "items"))?
        )?,
        Format::Table => out!(
            "{}",
            render::table(&render::title_with_head(title, &head), &value)
        )?,
    }
    Ok(())
}

pub(super) fn dashboard(
    data: &Path,
    program: &str,
    as_of_text: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let stream = crate::app::program_stream(program)?;
    let slug = stream.program_slug().unwrap_or(program);
    let locked = lock_store(data, false)?;
    // A fold saved at the log's current head answers without opening the log.
    let saved = checkpoint::at_head::<Dashboard>(
        &locked,
        &checkpoint::dashboard_name(slug),
        checkpoint::DASHBOARD_FORMAT,
    )
    .filter(|saved| saved.state().is_for(slug));
    if let Some(saved) = saved {
        let t = as_of_in(saved.state().organization(), as_of_text)?;
        if let Some(dashboard) = saved.as_of(t) {
            return print_dashboard(slug, &dashboard, t, format, locked.head());
        }
    }
    let app = app_on(locked)?;
    if app.store().stream_version(stream.as_str()) == 0 {
        anyhow::bail!("no program {slug:?} (see `baton programs`)");
    }
    // The dashboard reads the organization and the program's own stream, nothing else.
    let t = as_of(&app, as_of_text)?;
    let (dashboard, _) = checkpoint::dashboard_as_of(&app, slug, t)?;
    print_dashboard(slug, &dashboard, t, format, app.store().head())
}

fn print_dashboard(
    slug: &str,
    dashboard: &Dashboard,
    t: Timestamp,
    format: Format,
    head: LogHead,
) -> anyhow::Result<ExitCode> {
    let view = dashboard
        .result(t)
        .ok_or_else(|| anyhow::anyhow!("program {slug:?} did not exist yet on {t}"))?;
    print(
        format,
        &format!("Dashboard: {slug} (as of {t})"),
        &view,
        head,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `--as-of` (default now) read in the organization's time zone.
fn as_of_in(org: &Organization, text: Option<&str>) -> anyhow::Result<Timestamp> {
    match text {
        None => Ok(SystemClock.now()),
        Some(text) => Ok(parse_as_of(text, org)?),
    }
}

pub(super) fn risk(
    data: &Path,
    as_of_text: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let locked = lock_store(data, false)?;
    // Saved at the log's head: answered without opening the log.
    let saved = checkpoint::at_head::<SkillsRisk>(&locked, SkillsRisk::NAME, SkillsRisk::FORMAT);
    if let Some(saved) = saved {
        let t = as_of_in(saved.state().organization(), as_of_text)?;
        if let Some(risk) = saved.as_of(t) {
            return print_risk(&risk, t, format, locked.head());
        }
    }
    let app = app_on(locked)?;
    let t = as_of(&app, as_of_text)?;
    let (risk, _) = checkpoint::fold_as_of::<SkillsRisk>(&app, t)?;
    print_risk(&risk, t, format, app.store().head())
}

fn print_risk(
    risk: &SkillsRisk,
    t: Timestamp,
    format: Format,
    head: LogHead,
) -> anyhow::Result<ExitCode> {
    print(
        format,
        &format!("Skills and knowledge risk (as of {t})"),
        &risk.result(t),
        head,
    )?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn journey(
    data: &Path,
    person: &str,
    as_of_text: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let app = open_app(data, false)?;
    let t = as_of(&app, as_of_text)?;
    let (world, _) = checkpoint::world_as_of(&app, t)?;
    let journey = LearnerJourney::from(world);
    let view = journey
        .result(person, t)
        .ok_or_else(|| anyhow::anyhow!("no person {person:?} in the organization"))?;
    print(
        format,
        &format!("Journey: {person} (as of {t})"),
        &view,
        app.store().head(),
    )?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn supervisors(
    data: &Path,
    as_of_text: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let app = open_app(data, false)?;
    let t = as_of(&app, as_of_text)?;
    let (world, _) = checkpoint::world_as_of(&app, t)?;
    let view = crate::projections::supervisors::supervisors(&world, t);
    print(
        format,
        &format!("Supervisors (as of {t})"),
        &view,
        app.store().head(),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `--diff V1..V2`.
fn parse_range(text: &str) -> anyhow::Result<(u64, u64)> {
    let err = || anyhow::anyhow!("--diff {text:?}: expected two versions like 3..7");
    let (a, b) = text.split_once("..").ok_or_else(err)?;
    Ok((
        a.trim().parse().map_err(|_| err())?,
        b.trim().parse().map_err(|_| err())?,
    ))
}

/// Which view of a program's history: all of it, as recorded by a time, the plan at a
/// version, or the changes between two versions.
pub(super) struct HistoryAt<'a> {
    pub as_of: Option<&'a str>,
    pub version: Option<u64>,
    pub diff: Option<&'a str>,
    /// Only the last N entries (to find the ids and seqs of recent events).
    pub last: Option<usize>,
}

/// The last `n` entries (all when `n` is none).
fn last_entries(mut entries: Vec<audit::AuditEntry>, n: Option<usize>) -> Vec<audit::AuditEntry> {
    if let Some(n) = n {
        entries.drain(..entries.len().saturating_sub(n));
    }
    entries
}

/// `baton history organization`: the organization's own stream (people, moves, supervisors,
/// skills, assessments), all of it or as recorded by a time.
fn organization_history(app: &App, at: &HistoryAt<'_>, format: Format) -> anyhow::Result<ExitCode> {
    if at.diff.is_some() || at.version.is_some() {
        anyhow::bail!("--diff and --at-version apply to a program's plan; the organization's history lists its events (use --as-of or --last)");
    }
    let mut audit = AuditHistory::organization();
    for f in app.stream_facts(crate::store::ORGANIZATION_STREAM)? {
        audit.update(&f.meta, &f.event);
    }
    let (title, entries) = match at.as_of {
        Some(text) => {
            let t = as_of(app, Some(text))?;
            (
                format!("History of the organization as recorded by {t}"),
                audit.entries_as_of(t),
            )
        }
        None => ("History of the organization".to_string(), audit.entries()),
    };
    let entries = last_entries(entries, at.last);
    print(
        format,
        &title,
        &json!({ "entries": entries }),
        app.store().head(),
    )?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn history(
    data: &Path,
    program: &str,
    at: HistoryAt<'_>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let app = open_app(data, false)?;
    if matches!(program, "organization" | "org") {
        return organization_history(&app, &at, format);
    }
    let stream = crate::app::program_stream(program)?;
    let slug = stream.program_slug().unwrap_or(program);
    let facts = app.stream_facts(stream.as_str())?;
    if facts.is_empty() {
        anyhow::bail!("no program {slug:?} (see `baton programs`)");
    }
    let head = app.store().head();
    let mut audit = AuditHistory::new(slug);
    for f in &facts {
        audit.update(&f.meta, &f.event);
    }
    if let Some(range) = at.diff {
        let (v1, v2) = parse_range(range)?;
        let changes = audit.diff(v1, v2)?;
        print(
            format,
            &format!("Changes to {slug} from version {v1} to {v2}"),
            &json!({ "from": v1, "to": v2, "changes": changes }),
            head,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(version) = at.version {
        let entries: Vec<_> = audit
            .entries()
            .into_iter()
            .filter(|e| e.version <= version)
            .collect();
        let entries = last_entries(entries, at.last);
        let state = audit.state_at_version(version)?;
        print(
            format,
            &format!("History of {slug} up to version {version}"),
            &json!({ "entries": entries, "plan": audit::state_json(&state) }),
            head,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    match at.as_of {
        Some(text) => {
            let t = as_of(&app, Some(text))?;
            let entries = last_entries(audit.entries_as_of(t), at.last);
            let state = audit.state_as_of(t)?;
            print(
                format,
                &format!("History of {slug} as recorded by {t}"),
                &json!({ "entries": entries, "plan": audit::state_json(&state) }),
                head,
            )?;
        }
        None => {
            let entries = last_entries(audit.entries(), at.last);
            print(
                format,
                &format!("History of {slug}"),
                &json!({ "entries": entries }),
                head,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn diff_ranges_are_two_versions() {
        assert_eq!(parse_range("3..7").unwrap(), (3, 7));
        assert!(parse_range("3-7").unwrap_err().to_string().contains("3..7"));
        assert!(parse_range("a..7").is_err());
    }
}
