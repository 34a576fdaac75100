//! Commands from flags instead of JSON: `baton do PROGRAM COMMAND --field value…`, and the
//! web pages' forms, whose fields are these flags.
//!
//! COMMAND is the kebab-case name of a command type (`hold-session` for `HoldSession`); the
//! flags are its JSON fields in kebab-case, built from the domain's catalogue
//! (`domain::command_fields`), the same one the JSON form and `baton commands` use. Values are
//! read by the field's type: numbers, `yes`/`no` (or a bare flag) for flags, lists
//! comma-separated ([`list`]: `\,` is a comma inside an item, `--goals 'fees\, fines,renewals'`
//! gives `["fees, fines", "renewals"]`, and `\\` a backslash; items are trimmed). Nested
//! fields have a flat form:
//! - `hold-session`: `--present ann,bob --absent cleo=no_release_time,dan` (an absence
//!   without a reason has none) for its `attendance`;
//! - `define-module`: `--skills copy-cataloguing=2,search=1` for its skills and target levels;
//! - `record-evaluation`: `--result level=learning,skill=search,skill_level=2`;
//! - `correct-event`: `--replacement log-practice` names the replacement's command and its
//!   fields follow as `--replacement-FIELD`, each in the replacement's own flat form
//!   (`--replacement-minutes 45 --replacement-on 2026-03-12`, `--replacement-present ann`);
//!   the replacement's day is `--replacement-on`, while `--on` stays `do`'s.
//!
//! Any nested field also takes its JSON (`--attendance '[{"person":"ann","present":true}]'`).
//! The result is the same JSON the file form would hold, parsed by `Command::from_json`, so
//! both forms get the same checks and messages (with the field named as its flag).

use serde_json::{json, Map, Value};

use crate::domain::{command_examples, command_fields, Command, FieldInfo};

/// `HoldSession` → `hold-session`; `duration_minutes` → `duration-minutes`.
pub fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

/// The command type called `name` in kebab case (`hold-session`), if there is one.
pub fn command_type(name: &str) -> Option<&'static str> {
    command_fields()
        .into_iter()
        .map(|(t, _)| t)
        .find(|t| kebab(t) == name)
}

/// Whether a `do` argument names a command file rather than a command (`.json`, `.jsonl`, a
/// path with `/`, or `-`).
pub fn is_file_argument(arg: &str) -> bool {
    arg == "-" || arg.ends_with(".json") || arg.ends_with(".jsonl") || arg.contains('/')
}

/// The command type of `baton [GLOBAL] do [OPTIONS] PROGRAM COMMAND … --help`, when the
/// arguments ask for a command's help.
pub fn help_request(args: &[String]) -> Option<&'static str> {
    if !args.iter().any(|a| a == "--help" || a == "-h") {
        return None;
    }
    const VALUED: [&str; 6] = [
        "--data",
        "--actor",
        "--expect-version",
        "--command-id",
        "--on",
        "--format",
    ];
    let mut positional = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if VALUED.contains(&a.as_str()) {
            i += 1;
        } else if !a.starts_with('-') {
            positional.push(a.as_str());
        }
    }
    match positional.as_slice() {
        ["do", _program, command, ..] => command_type(command),
        _ => None,
    }
}

/// `do`'s own options, when they come after COMMAND.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DoOptions {
    /// `--on`.
    pub on: Option<String>,
    /// `--expect-version`.
    pub expect_version: Option<u64>,
    /// `--command-id`.
    pub command_id: Option<uuid::Uuid>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--format json`.
    pub json: bool,
    /// `--help`.
    pub help: bool,
}

/// Why flags do not make a command.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FlagError(pub String);

fn err<T>(message: String) -> Result<T, FlagError> {
    Err(FlagError(message))
}

/// Reads the flags after COMMAND into the command's JSON and `do`'s own options.
pub fn parse(type_name: &str, args: &[String]) -> Result<(Value, DoOptions), FlagError> {
    let fields = fields_of(type_name);
    let name = kebab(type_name);
    let mut options = DoOptions::default();
    let mut object = Map::new();
    object.insert("type".into(), Value::String(type_name.into()));
    let mut present: Option<Vec<String>> = None;
    let mut absent: Option<Vec<String>> = None;
    // `correct-event`'s flat form: `--replacement COMMAND` and the replacement's own flags as
    // `--replacement-FIELD`, read after the loop by this same function.
    let replacement_type = if type_name == "CorrectEvent" {
        replacement_command(args)?
    } else {
        None
    };
    let mut replacement_args: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(flag) = arg.strip_prefix("--") else {
            return err(format!(
                "{name}: unexpected {arg:?}: expected --FIELD VALUE (see `baton do PROGRAM {name} --help`)"
            ));
        };
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (flag, None),
        };
        // Flags that take no value.
        let sub_flag = flag
            .strip_prefix("replacement-")
            .filter(|_| type_name == "CorrectEvent");
        let bare_bool = match (sub_flag, replacement_type) {
            (Some(sub), Some(t)) => fields_of(t)
                .iter()
                .any(|f| kebab(f.name) == sub && f.ty == "bool"),
            (Some(_), None) => false,
            (None, _) => fields
                .iter()
                .any(|f| kebab(f.name) == flag && f.ty == "bool"),
        };
        let takes_value = !matches!(sub_flag.unwrap_or(flag), "dry-run" | "help") && !bare_bool;
        let value = match (inline, takes_value) {
            (Some(v), _) => Some(v),
            (None, false) => None,
            (None, true) => match args.get(i) {
                Some(v) => {
                    i += 1;
                    Some(v.clone())
                }
                None => return err(format!("--{flag}: expected a value after it")),
            },
        };
        if let Some(sub) = sub_flag {
            if replacement_type.is_none() {
                return err(format!(
                    "--{flag}: give the replacement's command first, as --replacement COMMAND (for example --replacement log-practice)"
                ));
            }
            replacement_args.push(format!("--{sub}"));
            replacement_args.extend(value);
            continue;
        }
        match flag {
            "help" => options.help = true,
            "dry-run" => options.dry_run = value.map_or(Ok(true), |v| yes_no(flag, &v))?,
            "on" => options.on = value,
            "expect-version" => {
                let v = value.unwrap_or_default();
                options.expect_version = Some(v.parse().map_err(|_| {
                    FlagError(format!("--expect-version {v:?}: expected a whole number"))
                })?)
            }
            "command-id" => {
                let v = value.unwrap_or_default();
                options.command_id = Some(v.parse().map_err(|_| {
                    FlagError(format!(
                        "--command-id {v:?}: expected a UUID like 8c1f0a52-51c1-4b8e-9f5e-0d2b7a1c3e44"
                    ))
                })?)
            }
            "format" => match value.as_deref() {
                Some("json") => options.json = true,
                Some("table") => options.json = false,
                other => {
                    return err(format!(
                        "--format {:?}: expected table or json",
                        other.unwrap_or("")
                    ))
                }
            },
            "present" if type_name == "HoldSession" => present
                .get_or_insert_with(Vec::new)
                .extend(list(&value.unwrap_or_default())),
            "absent" if type_name == "HoldSession" => absent
                .get_or_insert_with(Vec::new)
                .extend(list(&value.unwrap_or_default())),
            _ => {
                let Some(field) = fields.iter().find(|f| kebab(f.name) == flag) else {
                    return err(format!(
                        "{name}: unknown flag --{flag}: expected one of {} (see `baton do PROGRAM {name} --help`)",
                        flag_names(type_name).join(", ")
                    ));
                };
                if object.contains_key(field.name) {
                    return err(format!("--{flag} is given twice"));
                }
                let v = match (value, replacement_type) {
                    // The replacement named by its command; its fields come after the loop.
                    (Some(_), Some(t)) if field.name == "replacement" => Value::String(t.into()),
                    (Some(v), _) => to_json(type_name, field, &v)?,
                    (None, _) => Value::Bool(true),
                };
                object.insert(field.name.into(), v);
            }
        }
    }
    if present.is_some() || absent.is_some() {
        if object.contains_key("attendance") {
            return err(
                "give the attendance either as --present/--absent or as --attendance, not both"
                    .into(),
            );
        }
        let mut attendance = Vec::new();
        for person in present.unwrap_or_default() {
            attendance.push(json!({"person": person, "present": true}));
        }
        for entry in absent.unwrap_or_default() {
            match entry.split_once('=') {
                Some((person, reason)) => attendance.push(
                    json!({"person": person.trim(), "present": false, "absence_reason": reason.trim()}),
                ),
                None => attendance.push(json!({"person": entry, "present": false})),
            }
        }
        object.insert("attendance".into(), Value::Array(attendance));
    }
    if let Some(t) = replacement_type {
        let (mut inner, inner_options) = parse(t, &replacement_args).map_err(|e| {
            FlagError(e.0.replacen("--", "--replacement-", 1).replacen(
                &format!("{}: ", kebab(t)),
                "correct-event: ",
                1,
            ))
        })?;
        if inner_options.dry_run
            || inner_options.json
            || inner_options.help
            || inner_options.expect_version.is_some()
            || inner_options.command_id.is_some()
        {
            return err(
                "correct-event: --dry-run, --format, --expect-version and --command-id are correct-event's own options, not the replacement's: give them without replacement-".into(),
            );
        }
        // The replacement's day is one of its fields (`--replacement-on`), not `do --on`.
        if let Some(on) = inner_options.on {
            if !fields_of(t).iter().any(|f| f.name == "on") {
                return err(format!("--replacement-on: {} has no day to give", kebab(t)));
            }
            inner["on"] = Value::String(on);
        }
        object.insert("replacement".into(), inner);
    } else if !replacement_args.is_empty() {
        return err("--replacement-FIELD flags need --replacement COMMAND".into());
    }
    Ok((Value::Object(object), options))
}

/// The command type `correct-event`'s `--replacement` names, when it names one rather than
/// giving its JSON.
fn replacement_command(args: &[String]) -> Result<Option<&'static str>, FlagError> {
    let mut i = 0;
    while i < args.len() {
        let value = match args[i].strip_prefix("--replacement") {
            Some("") => args.get(i + 1).cloned(),
            Some(v) if v.starts_with('=') => Some(v[1..].to_string()),
            _ => {
                i += 1;
                continue;
            }
        };
        let Some(value) = value else { return Ok(None) };
        if value.trim_start().starts_with('{') {
            return Ok(None);
        }
        return match command_type(&value) {
            Some("CorrectEvent") => err(
                "--replacement correct-event: a correction replaces an event by the command that records it, not by another correction".into(),
            ),
            Some(t) => Ok(Some(t)),
            None => err(format!(
                "--replacement {value:?}: expected a command name such as log-practice (see `baton commands`) or the replacement's JSON"
            )),
        };
    }
    Ok(None)
}

/// The command the flags make, with parse errors naming the flag.
pub fn command(type_name: &str, value: &Value) -> Result<Command, FlagError> {
    Command::from_json(value).map_err(|e| {
        let head = e.field.split(['.', '[']).next().unwrap_or(&e.field);
        let flag = match head {
            "attendance" if type_name == "HoldSession" => "--present/--absent".to_string(),
            "replacement" if type_name == "CorrectEvent" => {
                match e.field.split(['.', '[']).nth(1).filter(|s| !s.is_empty()) {
                    Some(sub) => format!("--replacement-{}", kebab(sub)),
                    None => "--replacement".to_string(),
                }
            }
            "" | "type" => String::new(),
            other => format!("--{}", kebab(other)),
        };
        let message = if e.message.starts_with("missing field") {
            "missing: this flag is required".to_string()
        } else {
            e.message.clone()
        };
        if flag.is_empty() {
            FlagError(format!("{}: {message}", kebab(type_name)))
        } else {
            FlagError(format!("{} {flag}: {message}", kebab(type_name)))
        }
    })
}

fn fields_of(type_name: &str) -> Vec<FieldInfo> {
    command_fields()
        .into_iter()
        .find(|(t, _)| *t == type_name)
        .map(|(_, f)| f)
        .unwrap_or_default()
}

fn flag_names(type_name: &str) -> Vec<String> {
    let mut names: Vec<String> = fields_of(type_name)
        .iter()
        .filter(|f| f.name != "on")
        .flat_map(|f| match (type_name, f.name) {
            ("HoldSession", "attendance") => vec!["--present".into(), "--absent".into()],
            (_, name) => vec![format!("--{}", kebab(name))],
        })
        .collect();
    names.extend(["--on", "--dry-run"].map(String::from));
    names
}

/// A comma-separated list: `\,` is a comma inside an item and `\\` a backslash; any other
/// backslash is kept as it is. Items are trimmed and empty ones dropped.
pub fn list(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut item = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some(',' | '\\')) => {
                item.extend(chars.next());
            }
            ',' => items.push(std::mem::take(&mut item)),
            c => item.push(c),
        }
    }
    items.push(item);
    items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One item written for [`list`]: its commas (and backslashes before a comma) escaped.
pub fn list_item(item: &str) -> String {
    let mut out = String::new();
    let mut chars = item.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ',' => out.push_str("\\,"),
            '\\' if matches!(chars.peek(), Some(',' | '\\') | None) => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

/// What the help says of lists, for a command that takes one.
pub const LIST_ESCAPE_HELP: &str =
    "Lists are comma-separated; write a comma inside an item as \\, (\"fees\\, fines,renewals\" is two items) and a backslash before a comma as \\\\.";

fn yes_no(flag: &str, v: &str) -> Result<bool, FlagError> {
    match v {
        "yes" | "true" | "1" => Ok(true),
        "no" | "false" | "0" => Ok(false),
        _ => err(format!("--{flag} {v:?}: expected yes or no")),
    }
}

/// A `key=value,key=value` list as an object; numbers and yes/no read as such.
fn pairs(flag: &str, text: &str, expected: &str) -> Result<Map<String, Value>, FlagError> {
    let mut map = Map::new();
    for part in list(text) {
        let Some((k, v)) = part.split_once('=') else {
            return err(format!("--{flag} {text:?}: expected {expected}"));
        };
        let v = v.trim();
        let value = if let Ok(n) = v.parse::<u64>() {
            json!(n)
        } else if let Ok(b) = v.parse::<bool>() {
            json!(b)
        } else {
            json!(v)
        };
        map.insert(k.trim().replace('-', "_"), value);
    }
    Ok(map)
}

/// A flag's text as the JSON value of its field.
fn to_json(type_name: &str, field: &FieldInfo, text: &str) -> Result<Value, FlagError> {
    let flag = kebab(field.name);
    let inner = field
        .ty
        .strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(field.ty)
        .replace(' ', "");
    let json_text = || -> Result<Value, FlagError> {
        serde_json::from_str(text).map_err(|e| FlagError(format!("--{flag}: not valid JSON ({e})")))
    };
    Ok(match inner.as_str() {
        "String" | "NaiveDate" | "Uuid" => Value::String(text.to_string()),
        "u8" | "u16" | "u32" | "u64" => match text.parse::<u64>() {
            Ok(n) => json!(n),
            Err(_) => return err(format!("--{flag} {text:?}: expected a whole number")),
        },
        "bool" => Value::Bool(yes_no(&flag, text)?),
        "Vec<String>" => json!(list(text)),
        _ if text.trim_start().starts_with(['{', '[']) => json_text()?,
        "Vec<SkillTarget>" => {
            let mut targets = Vec::new();
            for part in list(text) {
                let Some((skill, level)) = part.split_once('=') else {
                    return err(format!(
                        "--{flag} {text:?}: expected SKILL=LEVEL pairs like copy-cataloguing=2,search=1"
                    ));
                };
                let level: u8 = level.trim().parse().map_err(|_| {
                    FlagError(format!(
                        "--{flag} {part:?}: expected a level from 0 to 4 after ="
                    ))
                })?;
                targets.push(json!({"skill": skill.trim(), "level": level}));
            }
            json!(targets)
        }
        "EvaluationResult" => Value::Object(pairs(
            &flag,
            text,
            "KEY=VALUE pairs like level=learning,skill=search,skill_level=2",
        )?),
        "Box<Command>" => json_text()?,
        _ if type_name == "HoldSession" => json_text()?,
        // An enum named by its value (`training`, `sandbox`, `identify_goal`).
        _ => Value::String(text.to_string()),
    })
}

/// The help of one command: what it does, every flag with its description, and the example of
/// the catalogue written as flags.
pub fn help(type_name: &str) -> String {
    let name = kebab(type_name);
    let (_, description, example) = command_examples()
        .into_iter()
        .find(|(t, _, _)| *t == type_name)
        .unwrap_or((type_name, "", Value::Null));
    let mut out = format!("baton do PROGRAM {name} [FLAGS]\n\n{description}\n\nFlags:\n");
    let mut rows: Vec<(String, String)> = flags_of(type_name)
        .into_iter()
        .map(|f| {
            let required = if f.required { " (required)" } else { "" };
            (
                format!("--{} {}", f.name, f.value),
                format!("{}{required}", f.doc),
            )
        })
        .collect();
    rows.push((
        "--on T".into(),
        "When it happened (a day, or an RFC 3339 time): the rules decide as of then and a left-out day is that day (`do --on`).".into(),
    ));
    rows.push((
        "--dry-run".into(),
        "Show what would be written; write nothing.".into(),
    ));
    rows.push((
        "--expect-version N".into(),
        "Conflict unless the stream is at version N.".into(),
    ));
    rows.push((
        "--command-id UUID".into(),
        "A retry with the same id is applied once.".into(),
    ));
    rows.push(("--format json".into(), "Print the result as JSON.".into()));
    let width = rows
        .iter()
        .map(|(f, _)| f.chars().count())
        .max()
        .unwrap_or(0);
    for (flag, doc) in rows {
        out.push_str(&format!("  {flag:<width$}  {doc}\n"));
    }
    if flags_of(type_name).iter().any(|f| f.value.contains(',')) {
        out.push_str(&format!("\n{LIST_ESCAPE_HELP}\n"));
    }
    if let Some(line) = flags_line(type_name, &example) {
        out.push_str(&format!("\nExample:\n  {line}\n"));
    }
    out
}

/// The catalogue's example of a command as a whole `baton do` line (`organization` as the
/// target of an organization command), when every field has a flat form.
pub fn flags_line(type_name: &str, example: &Value) -> Option<String> {
    let flags = flags_example(type_name, example)?;
    let organization = Command::from_json(example)
        .ok()
        .and_then(|c| c.stream_kind())
        == Some(crate::domain::StreamKind::Organization);
    let target = if organization {
        "organization"
    } else {
        "PROGRAM"
    };
    Some(format!("baton do {target} {} {flags}", kebab(type_name)))
}

/// One flag of a command (`do`'s own options aside), as the help and the web forms show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Its name without the dashes (`duration-minutes`, `present`).
    pub name: String,
    /// What its value looks like: `TEXT`, `N`, `YYYY-MM-DD`, `A,B,…`, `[yes|no]`, `PEOPLE`,
    /// `SKILL=LEVEL,…`, `KEY=VALUE,…` or `JSON`.
    pub value: &'static str,
    /// What it is.
    pub doc: String,
    /// Whether the command needs it.
    pub required: bool,
    /// The catalogue example's value for it, as the flag takes it.
    pub example: Option<String>,
}

/// The flags of command `type_name`, in the catalogue's order (`hold-session`'s attendance as
/// `--present` and `--absent`).
pub fn flags_of(type_name: &str) -> Vec<Flag> {
    let example = command_examples()
        .into_iter()
        .find(|(t, _, _)| *t == type_name)
        .map(|(_, _, e)| e)
        .unwrap_or(Value::Null);
    let examples = example_pairs(type_name, &example).unwrap_or_default();
    let example_of = |name: &str| {
        examples
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, v)| v.clone().unwrap_or_else(|| "yes".into()))
    };
    let mut out = Vec::new();
    for f in fields_of(type_name).into_iter().filter(|f| f.name != "on") {
        if type_name == "HoldSession" && f.name == "attendance" {
            out.push(Flag {
                name: "present".into(),
                value: "PEOPLE",
                doc: "Invitees present, comma-separated.".into(),
                required: false,
                example: example_of("present"),
            });
            out.push(Flag {
                name: "absent".into(),
                value: "PEOPLE",
                doc: "Invitees absent, comma-separated, each optionally PERSON=REASON (no_release_time, illness, leave, workload, scheduling_conflict, other).".into(),
                required: false,
                example: example_of("absent"),
            });
            continue;
        }
        let value = match f.ty.replace(' ', "").as_str() {
            "bool" => "[yes|no]",
            t if t.contains("Vec<String>") => "A,B,…",
            t if t.contains("u8")
                || t.contains("u16")
                || t.contains("u32")
                || t.contains("u64") =>
            {
                "N"
            }
            t if t.contains("NaiveDate") => "YYYY-MM-DD",
            "Vec<SkillTarget>" => "SKILL=LEVEL,…",
            "EvaluationResult" => "KEY=VALUE,…",
            "Box<Command>" => "COMMAND|JSON",
            _ => "TEXT",
        };
        let name = kebab(f.name);
        let doc = if f.ty == "Box<Command>" {
            format!(
                "{} Its kebab-case name (log-practice), its fields then given as --{name}-FIELD flags in their own flat forms (--{name}-minutes 45, --{name}-on 2026-03-12, --{name}-present ann), or its JSON.",
                f.doc
            )
        } else {
            f.doc
        };
        // A nested command's example is its JSON: a form has one field for it.
        let example = if f.ty == "Box<Command>" {
            example.get(f.name).map(Value::to_string)
        } else {
            example_of(&name)
        };
        out.push(Flag {
            example,
            name,
            value,
            doc,
            required: !f.optional,
        });
    }
    out
}

/// The catalogue's example as (flag name, value) pairs (`None`: a bare flag), when every
/// field has a flat form.
fn example_pairs(type_name: &str, example: &Value) -> Option<Vec<(String, Option<String>)>> {
    let object = example.as_object()?;
    let mut parts = Vec::new();
    for (key, value) in object.iter().filter(|(k, _)| *k != "type") {
        let flag = kebab(key);
        let text = match (type_name, key.as_str(), value) {
            ("HoldSession", "attendance", Value::Array(items)) => {
                let mut present = Vec::new();
                let mut absent = Vec::new();
                for a in items {
                    let person = a["person"].as_str()?.to_string();
                    if a["present"].as_bool()? {
                        present.push(person);
                    } else if let Some(reason) = a["absence_reason"].as_str() {
                        absent.push(format!("{person}={reason}"));
                    } else {
                        absent.push(person);
                    }
                }
                if !present.is_empty() {
                    parts.push(("present".to_string(), Some(present.join(","))));
                }
                if !absent.is_empty() {
                    parts.push(("absent".to_string(), Some(absent.join(","))));
                }
                continue;
            }
            (_, "skills", Value::Array(items)) => items
                .iter()
                .map(|t| Some(format!("{}={}", t["skill"].as_str()?, t["level"].as_u64()?)))
                .collect::<Option<Vec<_>>>()?
                .join(","),
            ("CorrectEvent", "replacement", Value::Object(inner)) => {
                let t = inner.get("type")?.as_str()?;
                parts.push((flag.clone(), Some(kebab(t))));
                for (sub, v) in example_pairs(t, value)? {
                    parts.push((format!("{flag}-{sub}"), v));
                }
                continue;
            }
            (_, "result", Value::Object(map)) => map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect::<Vec<_>>()
                .join(","),
            (_, _, Value::String(s)) => s.clone(),
            (_, _, Value::Number(n)) => n.to_string(),
            (_, _, Value::Bool(true)) => {
                parts.push((flag, None));
                continue;
            }
            (_, _, Value::Bool(false)) => "no".to_string(),
            (_, _, Value::Array(items)) if items.iter().all(Value::is_string) => items
                .iter()
                .filter_map(Value::as_str)
                .map(list_item)
                .collect::<Vec<_>>()
                .join(","),
            _ => return None,
        };
        parts.push((flag, Some(text)));
    }
    Some(parts)
}

/// The catalogue's example of a command written as flags, when every field has a flat form.
pub fn flags_example(type_name: &str, example: &Value) -> Option<String> {
    let quote = |s: &str| {
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,=:/".contains(c))
            && !s.is_empty()
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    let parts: Vec<String> = example_pairs(type_name, example)?
        .into_iter()
        .map(|(flag, value)| match value {
            Some(v) => format!("--{flag} {}", quote(&v)),
            None => format!("--{flag}"),
        })
        .collect();
    Some(parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_are_kebab_case() {
        assert_eq!(kebab("HoldSession"), "hold-session");
        assert_eq!(kebab("duration_minutes"), "duration-minutes");
        assert_eq!(command_type("hold-session"), Some("HoldSession"));
        assert_eq!(command_type("frobnicate"), None);
        assert!(is_file_argument("cmd.json") && is_file_argument("-") && is_file_argument("a/b"));
        assert!(!is_file_argument("hold-session"));
    }

    #[test]
    fn every_example_written_as_flags_reads_back_as_the_example() {
        for (t, _, example) in command_examples() {
            let text = flags_example(t, &example)
                .unwrap_or_else(|| panic!("{t} has a flat form for every field"));
            // Split like a shell would (the examples quote with single quotes only).
            let mut words = Vec::new();
            let mut word = String::new();
            let mut quoted = false;
            for c in text.chars() {
                match c {
                    '\'' => quoted = !quoted,
                    ' ' if !quoted => words.push(std::mem::take(&mut word)),
                    c => word.push(c),
                }
            }
            words.push(word);
            let (value, options) = parse(t, &words).unwrap_or_else(|e| panic!("{t}: {e}"));
            let from_flags = command(t, &value).unwrap_or_else(|e| panic!("{t}: {e} ({text})"));
            // A command's day `on` is written as `do --on`, which dates what it leaves out.
            let mut example = example.clone();
            let on = example.as_object_mut().unwrap().remove("on");
            assert_eq!(
                options.on,
                on.and_then(|d| d.as_str().map(str::to_string)),
                "{t}"
            );
            let from_json = Command::from_json(&example).unwrap();
            assert_eq!(from_flags, from_json, "{t}: {text}");
        }
    }

    #[test]
    fn hold_session_takes_present_and_absent() {
        let (v, _) = parse(
            "HoldSession",
            &args(&[
                "--session",
                "s-1",
                "--present",
                "ann,bob",
                "--absent",
                "cleo=no_release_time,dan",
            ]),
        )
        .unwrap();
        assert_eq!(
            v["attendance"],
            json!([
                {"person": "ann", "present": true},
                {"person": "bob", "present": true},
                {"person": "cleo", "present": false, "absence_reason": "no_release_time"},
                {"person": "dan", "present": false}
            ])
        );
    }

    #[test]
    fn a_comma_inside_a_list_item_is_escaped() {
        assert_eq!(list("a,b"), ["a", "b"]);
        assert_eq!(list(r"fees\, fines, renewals"), ["fees, fines", "renewals"]);
        assert_eq!(
            list(r"a\\,b"),
            [r"a\", "b"],
            "an escaped backslash ends the item"
        );
        assert_eq!(
            list(r"C:\path,x"),
            [r"C:\path", "x"],
            "other backslashes are kept"
        );
        assert_eq!(list(r"a\"), [r"a\"]);
        for item in ["fees, fines", r"ends in \", r"a\,b", r"\\", "plain"] {
            let written = format!("{},next", list_item(item));
            assert_eq!(list(&written), [item, "next"], "{written}");
        }
        let (v, _) = parse(
            "AssessNeeds",
            &args(&[
                "--pair",
                "p-1",
                "--goals",
                r"loans\, returns and renewals,fees",
                "--desired-outcomes",
                r"alone by May\, without help",
            ]),
        )
        .unwrap();
        assert_eq!(v["goals"], json!(["loans, returns and renewals", "fees"]));
        assert_eq!(v["desired_outcomes"], json!(["alone by May, without help"]));
        // The key=value forms read their values the same way.
        let (v, _) = parse(
            "RecordEvaluation",
            &args(&["--result", r"level=results,metric=loans\, per day,value=12"]),
        )
        .unwrap();
        assert_eq!(v["result"]["metric"], "loans, per day");
        assert!(help("AssessNeeds").contains(LIST_ESCAPE_HELP));
        assert!(
            !help("AddSkill").contains(LIST_ESCAPE_HELP),
            "no list, no note"
        );
    }

    #[test]
    fn correct_event_takes_its_replacement_as_flags() {
        let (v, o) = parse(
            "CorrectEvent",
            &args(&[
                "--seq",
                "42",
                "--reason",
                "wrong minutes",
                "--replacement",
                "log-practice",
                "--replacement-person",
                "ann",
                "--replacement-skill",
                "search",
                "--replacement-kind",
                "sandbox",
                "--replacement-minutes",
                "45",
                "--replacement-on",
                "2026-03-12",
                "--on",
                "2026-03-13",
            ]),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"type": "CorrectEvent", "seq": 42, "reason": "wrong minutes", "replacement":
                {"type": "LogPractice", "person": "ann", "skill": "search", "kind": "sandbox", "minutes": 45, "on": "2026-03-12"}})
        );
        assert_eq!(o.on.as_deref(), Some("2026-03-13"), "--on stays do's");
        command("CorrectEvent", &v).unwrap();
        // The replacement's own flat forms and bare flags.
        let (v, _) = parse(
            "CorrectEvent",
            &args(&[
                "--seq=7",
                "--reason",
                "cleo was there",
                "--replacement=hold-session",
                "--replacement-session",
                "s-1",
                "--replacement-present",
                "ann,cleo",
                "--replacement-absent",
                "dan=illness",
            ]),
        )
        .unwrap();
        assert_eq!(
            v["replacement"]["attendance"],
            json!([{"person": "ann", "present": true}, {"person": "cleo", "present": true},
                   {"person": "dan", "present": false, "absence_reason": "illness"}])
        );
        let (v, _) = parse(
            "CorrectEvent",
            &args(&[
                "--seq",
                "3",
                "--reason",
                "r",
                "--replacement",
                "archive-program",
                "--replacement-reason",
                "done",
                "--replacement-force",
            ]),
        )
        .unwrap();
        assert_eq!(
            v["replacement"],
            json!({"type": "ArchiveProgram", "reason": "done", "force": true})
        );
        // The JSON form still works.
        let (v, _) = parse(
            "CorrectEvent",
            &args(&[
                "--seq",
                "3",
                "--reason",
                "r",
                "--replacement",
                r#"{"type": "SetGoal", "goal": "g"}"#,
            ]),
        )
        .unwrap();
        assert_eq!(v["replacement"], json!({"type": "SetGoal", "goal": "g"}));
        // Mistakes are named by their flag.
        for (words, expected) in [
            (&["--seq", "1", "--reason", "r", "--replacement-minutes", "4"][..],
             "--replacement-minutes: give the replacement's command first, as --replacement COMMAND"),
            (&["--seq", "1", "--reason", "r", "--replacement", "frobnicate"][..],
             "--replacement \"frobnicate\": expected a command name such as log-practice"),
            (&["--seq", "1", "--reason", "r", "--replacement", "log-practice", "--replacement-minutes", "lots"][..],
             "--replacement-minutes \"lots\": expected a whole number"),
            (&["--seq", "1", "--reason", "r", "--replacement", "log-practice", "--replacement-colour", "red"][..],
             "correct-event: unknown flag --replacement-colour"),
            (&["--seq", "1", "--reason", "r", "--replacement", "set-goal", "--replacement-dry-run"][..],
             "correct-event's own options"),
            (&["--seq", "1", "--reason", "r", "--replacement", "correct-event"][..],
             "not by another correction"),
        ] {
            let e = parse("CorrectEvent", &args(words)).unwrap_err();
            assert!(e.0.contains(expected), "{words:?}: {e}");
        }
        let (v, _) = parse(
            "CorrectEvent",
            &args(&[
                "--seq",
                "1",
                "--reason",
                "r",
                "--replacement",
                "log-practice",
                "--replacement-person",
                "ann",
            ]),
        )
        .unwrap();
        let e = command("CorrectEvent", &v).unwrap_err();
        assert!(e.0.starts_with("correct-event --replacement"), "{e}");
        let h = help("CorrectEvent");
        assert!(
            h.contains("--replacement COMMAND|JSON") && h.contains("--replacement-minutes 45"),
            "{h}"
        );
        assert!(
            h.contains("--replacement log-practice --replacement-person ann"),
            "{h}"
        );
    }

    #[test]
    fn do_options_and_bad_flags() {
        let (v, o) = parse(
            "ArchiveProgram",
            &args(&[
                "--reason",
                "done",
                "--force",
                "--on",
                "2026-03-01",
                "--dry-run",
                "--format",
                "json",
            ]),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"type": "ArchiveProgram", "reason": "done", "force": true})
        );
        assert_eq!(o.on.as_deref(), Some("2026-03-01"));
        assert!(o.dry_run && o.json);
        let e = parse("AddSkill", &args(&["--skill", "s", "--colour", "red"])).unwrap_err();
        assert!(
            e.0.contains("unknown flag --colour") && e.0.contains("--name"),
            "{e}"
        );
        let e = parse("LogPractice", &args(&["--minutes", "lots"])).unwrap_err();
        assert_eq!(e.0, "--minutes \"lots\": expected a whole number");
        let (v, _) = parse("AddSkill", &args(&["--skill", "s"])).unwrap();
        let e = command("AddSkill", &v).unwrap_err();
        assert_eq!(e.0, "add-skill --name: missing: this flag is required");
        let words = args(&[
            "baton",
            "--data",
            "x",
            "do",
            "--on",
            "2026-01-01",
            "pilot",
            "hold-session",
            "--session",
            "s",
            "--help",
        ]);
        assert_eq!(help_request(&words), Some("HoldSession"));
        assert_eq!(help_request(&args(&["baton", "do", "--help"])), None);
        let e = parse("AddSkill", &args(&["--skill"])).unwrap_err();
        assert_eq!(e.0, "--skill: expected a value after it");
    }
}
