//! `baton demo`: load the demo library roll-out into the data directory.

use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;

use super::open_store;
use crate::demo::{DEMO_END, MENTORING, ROLLOUT};
use crate::store::{jsonl, record, EventStore};

/// The demo log, as checked in (`fixtures/demo.jsonl`, made by `crate::demo::generate`).
const DEMO_LOG: &[u8] = include_bytes!("../../fixtures/demo.jsonl");

/// Whether the store already holds exactly the demo log, and nothing else.
fn holds_demo(store: &dyn EventStore) -> anyhow::Result<bool> {
    let last = DEMO_LOG
        .split(|b| *b == b'\n')
        .rfind(|l| !l.is_empty())
        .ok_or_else(|| anyhow::anyhow!("the built-in demo log is empty"))?;
    let last = record::parse_line(last)
        .map_err(|e| anyhow::anyhow!("the built-in demo log is damaged: {e}"))?;
    let head = store.head();
    Ok(head.last_seq == last.seq() && head.head_hash == last.hash())
}

pub(super) fn demo(data: &Path) -> anyhow::Result<ExitCode> {
    let store = open_store(data, true)?;
    if store.head().last_seq == 0 {
        let summary = jsonl::import(&store, &mut BufReader::new(DEMO_LOG), false, "demo")?;
        outln!(
            "Loaded the demo into {}: {} events.",
            data.display(),
            summary.events
        )?;
    } else if holds_demo(&store)? {
        outln!(
            "The demo is already loaded in {}; nothing changed.",
            data.display()
        )?;
    } else {
        anyhow::bail!(
            "{} already holds other events ({}); load the demo into an empty directory, e.g. `baton --data ./demo-data demo`",
            data.display(),
            store.head().last_seq
        );
    }
    outln!()?;
    outln!(
        "Montclair Public Libraries roll out a new integrated library system to ~120 staff in 8"
    )?;
    outln!("branches (program `{ROLLOUT}`), and run a mentoring cohort (`{MENTORING}`). The story ends on {DEMO_END}.")?;
    outln!()?;
    outln!("Try:")?;
    let prefix = if data == Path::new("./baton-data") {
        String::new()
    } else {
        format!("--data {} ", data.display())
    };
    outln!("  baton {prefix}programs")?;
    outln!("  baton {prefix}dashboard {ROLLOUT} --as-of {DEMO_END}")?;
    outln!("  baton {prefix}dashboard {MENTORING} --as-of {DEMO_END}")?;
    outln!("  baton {prefix}risk --as-of {DEMO_END}")?;
    outln!("  baton {prefix}history {ROLLOUT}")?;
    outln!("  baton {prefix}verify")?;
    Ok(ExitCode::SUCCESS)
}
