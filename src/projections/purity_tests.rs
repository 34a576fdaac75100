//! The core stays pure: no IO, no clock, no global randomness, no shell crates (DESIGN §2).
//!
//! This test reads the core's sources and fails on any forbidden path. The needles are built
//! at run time so that this file does not match itself.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_has_no_io_clock_or_global_rng() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let needles: Vec<String> = [
        ("std::", "fs"),
        ("tok", "io::"),
        ("sl", "ed::"),
        ("ax", "um::"),
        ("Utc::", "now"),
        ("Local::", "now"),
        ("SystemTime::", "now"),
        ("Instant::", "now"),
        ("thread_", "rng"),
        ("std::", "net"),
        ("std::", "env"),
        ("std::", "process"),
    ]
    .iter()
    .map(|(a, b)| format!("{a}{b}"))
    .collect();
    let mut files = Vec::new();
    rust_files(&root.join("domain"), &mut files);
    rust_files(&root.join("projections"), &mut files);
    assert!(files.len() > 10);
    let mut violations = Vec::new();
    for f in files {
        if f.ends_with("purity_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            for n in &needles {
                if line.contains(n.as_str()) {
                    violations.push(format!("{}:{}: {}", f.display(), i + 1, n));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "the core must stay pure:\n{}",
        violations.join("\n")
    );
}
