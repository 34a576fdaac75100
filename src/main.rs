//! The `baton` binary: CLI definition and glue. The library does the work.

use std::process::ExitCode;

fn main() -> ExitCode {
    baton::cli::main()
}
