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

/// What loading the demo found.
pub(super) enum Loaded {
    /// The store was empty: the demo's events were restored.
    Now(u64),
    /// The store already held exactly the demo.
    Already,
    /// The store holds other events (possibly the demo and more).
    Other(u64),
}

/// Loads the demo log into an empty store.
pub(super) fn load_demo(store: &dyn EventStore) -> anyhow::Result<Loaded> {
    if store.head().last_seq == 0 {
        let summary = jsonl::import(store, &mut BufReader::new(DEMO_LOG), false, "demo")?;
        return Ok(Loaded::Now(summary.events));
    }
    if holds_demo(store)? {
        return Ok(Loaded::Already);
    }
    Ok(Loaded::Other(store.head().last_seq))
}

/// Whether the store's log begins with the demo's first event (the demo, perhaps with more).
pub(super) fn starts_with_demo(store: &dyn EventStore) -> bool {
    let first = DEMO_LOG
        .split(|b| *b == b'\n')
        .next()
        .and_then(|l| record::parse_line(l).ok());
    match (first, store.get(1)) {
        (Some(first), Ok(stored)) => first.hash() == stored.hash(),
        _ => false,
    }
}

pub(super) fn demo(data: &Path, format: super::args::Format) -> anyhow::Result<ExitCode> {
    let store = open_store(data, true)?;
    // Events loaded now; none when the demo was already there.
    let loaded = match load_demo(&store)? {
        Loaded::Now(events) => Some(events),
        Loaded::Already => None,
        Loaded::Other(events) => anyhow::bail!(
            "{} already holds other events ({events}); load the demo into an empty directory, e.g. `baton --data ./demo-data demo`",
            data.display(),
        ),
    };
    if format == super::args::Format::Json {
        let value = serde_json::json!({
            "loaded": loaded.is_some(),
            "events": loaded.unwrap_or(0),
            "programs": [ROLLOUT, MENTORING],
            "ends_on": DEMO_END,
        });
        super::print_json(value, &store.head())?;
        return Ok(ExitCode::SUCCESS);
    }
    match loaded {
        Some(events) => tableln!("Loaded the demo into {}: {events} events.", data.display())?,
        None => tableln!(
            "The demo is already loaded in {}; nothing changed.",
            data.display()
        )?,
    }
    outln!()?;
    tableln!(
        "Montclair Public Libraries roll out a new integrated library system to ~120 staff in 8"
    )?;
    tableln!("branches (program `{ROLLOUT}`), and run a mentoring cohort (`{MENTORING}`). The story ends on {DEMO_END}.")?;
    outln!()?;
    tableln!("Try:")?;
    let prefix = if data == Path::new("./baton-data") {
        String::new()
    } else {
        format!("--data {} ", data.display())
    };
    tableln!("  baton {prefix}programs")?;
    tableln!("  baton {prefix}dashboard {ROLLOUT} --as-of {DEMO_END}")?;
    tableln!("  baton {prefix}dashboard {MENTORING} --as-of {DEMO_END}")?;
    tableln!("  baton {prefix}risk --as-of {DEMO_END}")?;
    tableln!("  baton {prefix}history {ROLLOUT}")?;
    tableln!("  baton {prefix}verify")?;
    Ok(ExitCode::SUCCESS)
}
