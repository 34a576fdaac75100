//! `dashboard`, `history`, `risk`, `journey`, `supervisors`: views of the one read path
//! ([`crate::query::Reader`]), printed as tables or JSON.
//!
//! Business-time reads (`dashboard`, `risk`, `journey`) take `--as-of T`: only events that
//! occurred by T count, and T is "now" for every time-dependent figure. The audit (`history`)
//! reads by recorded time: `--as-of T` shows the plan as the log knew it at T.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::args::Format;
use super::lock_store;
use super::remote::{enc, Remote};
use super::render;
use crate::query::{Answer, HistoryAt, Reader};
use crate::store::SystemClock;

/// A cold reader over the store in `data` (the log is opened only if no fold saved at its
/// head answers).
pub(super) fn reader(data: &Path) -> anyhow::Result<Reader> {
    Ok(Reader::cold(
        lock_store(data, false)?,
        Arc::new(SystemClock),
    ))
}

/// `?as_of=…` for a read through the server.
fn as_of_query(as_of: Option<&str>) -> String {
    as_of
        .map(|t| format!("?as_of={}", enc(t)))
        .unwrap_or_default()
}

/// Prints a view with the head of the log it was computed from (`DESIGN.md` §4: a report
/// names the head, so it can be checked against the log later).
pub(super) fn print<T: serde::Serialize>(
    format: Format,
    title: &str,
    view: &T,
    head: crate::store::LogHead,
) -> anyhow::Result<()> {
    let answer = Answer {
        title: title.to_string(),
        view: serde_json::to_value(view)?,
        head,
        list_key: "items",
    };
    print_answer(format, &answer).map(|_| ())
}

/// Prints an answer of the read path.
pub(super) fn print_answer(format: Format, answer: &Answer) -> anyhow::Result<ExitCode> {
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&answer.json_ref())?)?,
        Format::Table => out!(
            "{}",
            render::table_styled(
                &render::title_with_head(&answer.title, &answer.head),
                &answer.view,
                &render::Style::for_stdout()
            )
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn dashboard(
    data: &Path,
    program: &str,
    as_of: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    if let Some(remote) = Remote::find(data)? {
        let path = format!(
            "/api/programs/{}/dashboard{}",
            enc(program),
            as_of_query(as_of)
        );
        return print_answer(format, &remote.answer(&path, "items")?);
    }
    print_answer(format, &reader(data)?.dashboard(program, as_of)?)
}

pub(super) fn risk(data: &Path, as_of: Option<&str>, format: Format) -> anyhow::Result<ExitCode> {
    if let Some(remote) = Remote::find(data)? {
        let path = format!("/api/risk{}", as_of_query(as_of));
        return print_answer(format, &remote.answer(&path, "items")?);
    }
    print_answer(format, &reader(data)?.risk(as_of)?)
}

pub(super) fn journey(
    data: &Path,
    person: &str,
    as_of: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    if let Some(remote) = Remote::find(data)? {
        let path = format!("/api/people/{}/journey{}", enc(person), as_of_query(as_of));
        return print_answer(format, &remote.answer(&path, "items")?);
    }
    print_answer(format, &reader(data)?.journey(person, as_of, &|_| true)?)
}

pub(super) fn supervisors(
    data: &Path,
    as_of: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    if let Some(remote) = Remote::find(data)? {
        let path = format!("/api/supervisors{}", as_of_query(as_of));
        return print_answer(format, &remote.answer(&path, "items")?);
    }
    print_answer(format, &reader(data)?.supervisors(as_of)?)
}

pub(super) fn history(
    data: &Path,
    program: &str,
    at: HistoryAt,
    format: Format,
) -> anyhow::Result<ExitCode> {
    if let Some(remote) = Remote::find(data)? {
        let mut query = Vec::new();
        if let Some(t) = &at.as_of {
            query.push(format!("as_of={}", enc(t)));
        }
        if let Some(v) = at.version {
            query.push(format!("at_version={v}"));
        }
        if let Some(d) = &at.diff {
            query.push(format!("diff={}", enc(d)));
        }
        if let Some(n) = at.last {
            query.push(format!("last={n}"));
        }
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        let path = format!("/api/programs/{}/history{query}", enc(program));
        return print_answer(format, &remote.answer(&path, "items")?);
    }
    print_answer(format, &reader(data)?.history(program, &at)?)
}

#[cfg(test)]
mod tests {
    use crate::query::parse_range;

    #[test]
    fn diff_ranges_are_two_versions() {
        assert_eq!(parse_range("3..7").unwrap(), (3, 7));
        assert!(parse_range("3-7").unwrap_err().to_string().contains("3..7"));
        assert!(parse_range("a..7").is_err());
    }
}
