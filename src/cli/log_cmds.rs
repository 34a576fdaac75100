//! `verify`, `export`, `import`: the log's own commands.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::args::{ExportFormat, Format, Internal};
use super::open_store;
use crate::store::{jsonl, verify, AppendRequest, EventStore, NewEvent};

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

pub(super) fn program_stream(program: &str) -> String {
    if program.starts_with("program-") || program == crate::store::ORGANIZATION_STREAM {
        program.to_string()
    } else {
        format!("program-{program}")
    }
}

pub(super) fn export(
    data: &Path,
    program: Option<&str>,
    format: ExportFormat,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let store = open_store(data, false)?;
    let stream = program.map(program_stream);
    if let Some(stream) = &stream {
        if store.stream_version(stream) == 0 {
            anyhow::bail!("no program {:?} in this store", program.unwrap_or_default());
        }
    }
    match format {
        ExportFormat::Jsonl => {}
    }
    let n = match output {
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
            n
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let n = jsonl::export(&store, stream.as_deref(), &mut out)?;
            out.flush()?;
            n
        }
    };
    let _ = n;
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

pub(super) fn internal(data: &Path, command: Internal, actor: &str) -> anyhow::Result<ExitCode> {
    match command {
        Internal::Append { stream, count } => {
            let store = open_store(data, true)?;
            let stream = program_stream(&stream);
            let mut i = 0u64;
            let stdout = std::io::stdout();
            while count == 0 || i < count {
                let ev = NewEvent::new(&stream, "LoadTested", 1, serde_json::json!({ "n": i }));
                let appended = store.append(AppendRequest::new(actor, vec![ev]))?;
                let mut out = stdout.lock();
                writeln!(out, "ack {}", appended.last_seq())?;
                out.flush()?;
                i += 1;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
