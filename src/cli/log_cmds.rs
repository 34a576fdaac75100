//! `verify`, `export`, `import`: the log's own commands.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::args::{ExportFormat, Format};
use super::open_store;
use crate::store::{jsonl, verify, EventStore, ORGANIZATION_STREAM};

pub(super) fn verify(data: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let store = open_store(data, false)?;
    let report = verify::verify_sled(&store)?;
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&report)?)?,
        Format::Table => {
            outln!("events      {}", report.events)?;
            outln!("streams     {}", report.streams)?;
            outln!("last seq    {}", report.last_seq)?;
            outln!("head hash   {}", report.head_hash)?;
            if report.redactions.is_empty() {
                outln!("redactions  none")?;
            } else {
                let seqs: Vec<String> = report.redactions.iter().map(u64::to_string).collect();
                outln!(
                    "redactions  {} (seq {})",
                    report.redactions.len(),
                    seqs.join(", ")
                )?;
            }
            match &report.problem {
                None => {
                    outln!("status      ok: chain, data hashes, sequence and indexes verified")?
                }
                Some(p) => outln!("status      FAILED at seq {}: {}", p.seq, p.detail)?,
            }
        }
    }
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub(super) fn export(
    data: &Path,
    program: Option<&str>,
    format: ExportFormat,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    // JSON Lines is the only format so far; the CLI already refuses any other.
    let ExportFormat::Jsonl = format;
    let store = open_store(data, false)?;
    let stream = match program {
        None => None,
        Some(ORGANIZATION_STREAM) => Some(ORGANIZATION_STREAM.to_string()),
        Some(slug) => Some(crate::app::program_stream(slug)?.as_str().to_string()),
    };
    if let Some(stream) = &stream {
        if store.stream_version(stream) == 0 {
            anyhow::bail!("no program {:?} in this store", program.unwrap_or_default());
        }
    }
    match output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("creating {}", path.display()))?;
            let mut out = BufWriter::new(file);
            let n = jsonl::export(&store, stream.as_deref(), &mut out)?;
            out.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("exported {n} events to {}", path.display());
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            jsonl::export(&store, stream.as_deref(), &mut out)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn import(
    data: &Path,
    file: &Path,
    append: bool,
    actor: &str,
) -> anyhow::Result<ExitCode> {
    let input = File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let store = open_store(data, true)?;
    let summary = jsonl::import(&store, &mut BufReader::new(input), append, actor)
        .with_context(|| format!("importing {}", file.display()))?;
    if summary.restored {
        outln!("restored {} events into {}", summary.events, data.display())?;
    } else if summary.stored == 0 && summary.events > 0 {
        outln!(
            "all {} events were already stored; nothing changed",
            summary.events
        )?;
    } else {
        outln!("appended {} events into {}", summary.stored, data.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
