//! Running the real `baton` binary from a test: one data directory, a fixed actor, no
//! terminal width (so tables do not depend on the terminal the tests run in).

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `baton --data DATA ARGS…` as the actor `tester`.
pub fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .env_remove("COLUMNS")
        .arg("--data")
        .arg(data)
        .args(args)
        .env("BATON_ACTOR", "tester")
        .output()
        .unwrap()
}

/// Standard output and standard error of a run that must succeed.
pub fn ok_with_stderr(data: &Path, args: &[&str]) -> (String, String) {
    let out = run(data, args);
    assert!(
        out.status.success(),
        "baton {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Standard output of a run that must succeed.
pub fn ok(data: &Path, args: &[&str]) -> String {
    ok_with_stderr(data, args).0
}

/// Standard error of a run that must fail.
pub fn fails(data: &Path, args: &[&str]) -> String {
    let out = run(data, args);
    assert!(
        !out.status.success(),
        "expected baton {args:?} to fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}
