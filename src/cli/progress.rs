//! Progress bars on standard error for long work (simulations, restores, imports, exports,
//! verification). indicatif draws them only when standard error is a terminal, so pipes, files
//! and CI logs stay clean; standard output is never touched.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Work below this many units (events, runs, or KiB of a file) finishes too fast for a bar.
const WORTH_A_BAR: u64 = 1000;

/// A bar over `total` counted units (events, runs), labelled `what`; hidden when standard error
/// is not a terminal or the work is small.
pub(super) fn count(total: u64, what: &str) -> ProgressBar {
    bar(
        total,
        total >= WORTH_A_BAR,
        what,
        "{msg} [{bar:30}] {pos}/{len} ({eta} left)",
    )
}

/// A bar over a file of `total` bytes, labelled `what`.
pub(super) fn bytes(total: u64, what: &str) -> ProgressBar {
    bar(
        total,
        total >= WORTH_A_BAR * 1024,
        what,
        "{msg} [{bar:30}] {bytes}/{total_bytes} ({eta} left)",
    )
}

/// A counter of the bytes written for work of `events` events whose size in bytes is not known
/// ahead (an export).
pub(super) fn written(events: u64, what: &str) -> ProgressBar {
    if events < WORTH_A_BAR {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg} {bytes} written ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

fn bar(total: u64, worth_it: bool, what: &str, template: &str) -> ProgressBar {
    if !worth_it {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}
