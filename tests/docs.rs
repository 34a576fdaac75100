//! `docs/COMMANDS.md` is the command reference. It is generated from the domain's own list of
//! commands and examples, and this test fails when it drifts from the code.
//! Regenerate with `BATON_WRITE_DOCS=1 cargo test --test docs`.

use std::path::PathBuf;

fn reference() -> String {
    let mut out = String::new();
    out.push_str("# Command reference\n\n");
    out.push_str("<!-- Generated from `baton::cli::command_reference()` by `tests/docs.rs`; do not edit by hand. -->\n\n");
    out.push_str(
        "Apply a command with `baton do PROGRAM FILE` (one JSON object, or JSON Lines applied\n",
    );
    out.push_str("atomically; `-` reads standard input). Organization commands use `organization` as PROGRAM.\n");
    out.push_str("Options: `--expect-version N` (conflict unless the program is at version N), `--command-id UUID`\n");
    out.push_str(
        "(a retry with the same id is applied once), `--on T` (enter something that happened earlier:\n\
         the rules decide as of T, and events without a day of their own are dated T; a day means\n\
         its end in the organization's zone). `baton commands` prints this list.\n\n",
    );
    out.push_str("Dates are `YYYY-MM-DD`; an omitted `on` means today in the organization's time zone. Session\n");
    out.push_str("starts are local wall-clock times (`2026-03-10T09:30`) in the organization's IANA zone.\n\n");
    for (name, description, example) in baton::cli::command_reference() {
        let example = serde_json::to_string(&example).unwrap();
        out.push_str(&format!(
            "## {name}\n\n{description}\n\n```json\n{example}\n```\n\n"
        ));
    }
    out
}

#[test]
fn command_reference_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/COMMANDS.md");
    let expected = reference();
    if std::env::var("BATON_WRITE_DOCS").as_deref() == Ok("1") {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(actual == expected, "docs/COMMANDS.md is out of date: run `BATON_WRITE_DOCS=1 cargo test --test docs` and review the diff");
}
