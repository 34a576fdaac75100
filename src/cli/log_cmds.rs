//! `verify`, `export`, `import`: the log's own commands.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::args::{ExportFormat, Format};
use super::open_store;
use crate::store::{jsonl, record, verify, EventStore, Hash, ORGANIZATION_STREAM};

/// Reads a head noted as `SEQ:HASH`.
pub(super) fn parse_head(text: &str) -> anyhow::Result<(u64, Hash)> {
    record::parse_head(text).map_err(anyhow::Error::msg)
}

pub(super) fn verify(data: &Path, format: Format, head: Option<&str>) -> anyhow::Result<ExitCode> {
    let noted = head.map(parse_head).transpose()?;
    if let Some(remote) = super::remote::Remote::find(data)? {
        return remote.verify(noted, head, format);
    }
    let store = open_store(data, false)?;
    let bar = super::progress::count(store.head().last_seq, "verifying");
    let report = verify::verify_noted_with(&store, noted, &|seq| bar.set_position(seq))?;
    bar.finish_and_clear();
    print_verify(&report, noted, store.head(), format)
}

/// Prints a verify report (the same from the store and through a server).
pub(super) fn print_verify(
    report: &verify::VerifyReport,
    noted: Option<(u64, Hash)>,
    head: crate::store::LogHead,
    format: Format,
) -> anyhow::Result<ExitCode> {
    match format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&super::render::with_head(
                serde_json::to_value(report)?,
                &head,
                "report"
            ))?
        )?,
        Format::Table => {
            tableln!("{}", super::render::title_with_head("Verify", &head))?;
            tableln!("events      {}", report.events)?;
            tableln!("streams     {}", report.streams)?;
            tableln!("last seq    {}", report.last_seq)?;
            tableln!("head hash   {}", report.head_hash)?;
            if report.redactions.is_empty() {
                tableln!("redactions  none")?;
            } else {
                let seqs: Vec<String> = report.redactions.iter().map(u64::to_string).collect();
                tableln!(
                    "redactions  {} (seq {})",
                    report.redactions.len(),
                    seqs.join(", ")
                )?;
            }
            if !report.unverified_redactions.is_empty() {
                let seqs: Vec<String> = report
                    .unverified_redactions
                    .iter()
                    .map(u64::to_string)
                    .collect();
                tableln!(
                    "unverified  {} format-1 redactions whose kept data cannot be checked (seq {})",
                    seqs.len(),
                    seqs.join(", ")
                )?;
            }
            if let (Some((seq, hash)), true) = (noted, report.is_ok()) {
                tableln!("noted head  {seq}:{} is in the log", record::hex(&hash))?;
            }
            match &report.problem {
                None => {
                    tableln!("status      ok: chain, data hashes, sequence and indexes verified")?
                }
                Some(p) => tableln!("status      FAILED at seq {}: {}", p.seq, p.detail)?,
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
    // The other formats are `export_cmds`'.
    if format != ExportFormat::Jsonl {
        anyhow::bail!("--format {format:?} is written by `export_cmds`");
    }
    if let Some(remote) = super::remote::Remote::find(data)? {
        return remote.export(program, output);
    }
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
            // The log's size is not known in bytes: the bar counts what is written.
            let bar = super::progress::written(store.head().last_seq, "exporting");
            let mut out = BufWriter::new(bar.wrap_write(&file));
            let n = jsonl::export(&store, stream.as_deref(), &mut out)?;
            bar.finish_and_clear();
            out.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|_| file.sync_all())
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
    // On standard error, so that standard output stays pure data.
    let head = store.head();
    eprintln!(
        "head {}:{} (check it later with `baton verify --head`)",
        head.last_seq,
        record::hex(&head.head_hash)
    );
    Ok(ExitCode::SUCCESS)
}

/// What `import` was asked.
pub(super) struct ImportArgs<'a> {
    pub append: bool,
    pub accept_unverified_redactions: bool,
    pub expect_head: Option<&'a str>,
    pub actor: &'a str,
    pub format: Format,
}

pub(super) fn import(data: &Path, file: &Path, args: ImportArgs<'_>) -> anyhow::Result<ExitCode> {
    let expect_head = args.expect_head.map(parse_head).transpose()?;
    if expect_head.is_some() && args.append {
        anyhow::bail!("--expect-head checks a restore; an --append import re-chains the events, so it has no head of its own to check");
    }
    if let Some(remote) = super::remote::Remote::find(data)? {
        return remote.import(file, &args);
    }
    let input = File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let store = open_store(data, true)?;
    let options = jsonl::ImportOptions {
        append: args.append,
        actor: args.actor,
        accept_unverified_redactions: args.accept_unverified_redactions,
        expect_head,
        rules: &crate::app::DomainRules,
    };
    let bar = super::progress::bytes(size, if args.append { "checking" } else { "restoring" });
    let summary = jsonl::import_with(&store, &mut BufReader::new(bar.wrap_read(input)), &options)
        .with_context(|| format!("importing {}", file.display()));
    bar.finish_and_clear();
    let summary = summary?;
    if args.format == Format::Json {
        super::print_json(summary.view(), &store.head())?;
        return Ok(ExitCode::SUCCESS);
    }
    if summary.restored {
        tableln!("restored {} events into {}", summary.events, data.display())?;
        if !summary.unverified_redactions.is_empty() {
            tableln!(
                "accepted {} format-1 redactions whose kept data cannot be checked",
                summary.unverified_redactions.len()
            )?;
        }
    } else if summary.stored == 0 && summary.events > 0 {
        tableln!(
            "all {} events were already stored; nothing changed",
            summary.events
        )?;
    } else {
        tableln!(
            "appended {} events into {} in {} atomic chunk{} of at most {} events{}",
            summary.stored,
            data.display(),
            summary.chunks,
            if summary.chunks == 1 { "" } else { "s" },
            crate::store::IMPORT_CHUNK_EVENTS,
            if summary.stored < summary.events {
                format!(" ({} were already stored)", summary.events - summary.stored)
            } else {
                String::new()
            }
        )?;
    }
    let head = store.head();
    eprintln!("head {}:{}", head.last_seq, record::hex(&head.head_hash));
    Ok(ExitCode::SUCCESS)
}
