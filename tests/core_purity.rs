//! The functional core (`domain`, `projections`, `sim`, `access`, and the `exports` renderers) does no IO, reads no clock and uses no
//! global randomness (`DESIGN.md` §2). This test reads the core's sources and fails on any
//! forbidden name, so a violation cannot slip in unnoticed.

use std::fs;
use std::path::{Path, PathBuf};

const CORE_DIRS: [&str; 5] = [
    "src/domain",
    "src/projections",
    "src/sim",
    "src/exports",
    "src/access.rs",
];

const FORBIDDEN: [&str; 14] = [
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "tokio",
    "sled",
    "axum",
    "Utc::now",
    "Local::now",
    "SystemTime::now",
    "Instant::now",
    "thread_rng",
    "rand::random",
    "println!",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn violations_in(name: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for word in FORBIDDEN {
            if code.contains(word) {
                out.push(format!("{name}:{}: uses `{word}`", n + 1));
            }
        }
    }
    out
}

#[test]
fn core_modules_do_no_io_and_read_no_clock() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in CORE_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(
        !files.is_empty(),
        "no core sources found: the layout changed?"
    );
    let mut violations = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let name = file.strip_prefix(root).unwrap().display().to_string();
        violations.extend(violations_in(&name, &text));
    }
    assert!(
        violations.is_empty(),
        "the core must stay pure:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_catches_a_violation() {
    // Guard against a check that cannot fail: the same scan over known-bad code.
    let found = violations_in("bad.rs", "fn f() {\n    let now = chrono::Utc::now();\n}\n");
    assert_eq!(found, vec!["bad.rs:2: uses `Utc::now`".to_string()]);
    assert!(violations_in("ok.rs", "// Utc::now is forbidden here\nlet x = 1;").is_empty());
}
