//! Plain-text rendering of read models for `--format table`.
//!
//! Every read model is `Serialize`; this turns its JSON form into text a person can scan: a
//! line per scalar field (`Attendance rate   0.82`), a titled section per nested object, and an
//! aligned table per list of records. Field order is the struct's order (serde_json keeps it
//! with `preserve_order`; hashing never depends on it, see `store::canonical`).

use serde_json::{Map, Value};

pub use crate::query::{title_with_head, with_head};

/// How output is laid out for where it goes: the width to fit and whether to colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// The width to fit (a terminal's, or `COLUMNS`); `None` when unknown (a pipe or a file):
    /// then tables switch to blocks past [`MAX_TABLE_WIDTH`] and lists wrap at [`WRAP_WIDTH`].
    pub width: Option<usize>,
    /// ANSI colour: only on a terminal, never with `NO_COLOR` or `TERM=dumb`.
    pub colour: bool,
}

/// The narrowest width honoured (a smaller `COLUMNS` is taken as this).
const MIN_WIDTH: usize = 40;

impl Style {
    /// No colour, width unknown: what a pipe or a file gets.
    #[cfg(test)]
    pub const PLAIN: Style = Style {
        width: None,
        colour: false,
    };

    /// The style for standard output, read once per process.
    pub fn for_stdout() -> Style {
        static STYLE: std::sync::OnceLock<Style> = std::sync::OnceLock::new();
        *STYLE.get_or_init(Style::detect)
    }

    /// The style for standard output, from the environment and the terminal.
    fn detect() -> Style {
        use std::io::IsTerminal;
        let stdout = std::io::stdout();
        let tty = stdout.is_terminal();
        let env = |name: &str| std::env::var(name).ok();
        let terminal = if tty {
            terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0))
        } else {
            None
        };
        Style::decide(
            tty,
            env("COLUMNS").as_deref(),
            terminal,
            env("NO_COLOR").as_deref(),
            env("TERM").as_deref(),
        )
    }

    /// The style for output to a terminal or not (`tty`), given `COLUMNS`, the terminal's
    /// width, `NO_COLOR` and `TERM`. `COLUMNS` wins over the terminal's own width, so a script
    /// can ask for a width; `NO_COLOR` set to anything but the empty string turns colour off
    /// (<https://no-color.org>).
    pub fn decide(
        tty: bool,
        columns: Option<&str>,
        terminal: Option<usize>,
        no_color: Option<&str>,
        term: Option<&str>,
    ) -> Style {
        let width = columns
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w > 0)
            .or(terminal.filter(|w| *w > 0))
            .map(|w| w.max(MIN_WIDTH));
        let colour = tty && no_color.is_none_or(str::is_empty) && term != Some("dumb");
        Style { width, colour }
    }

    fn table_width(&self) -> usize {
        self.width.unwrap_or(MAX_TABLE_WIDTH)
    }

    /// The width a list of values wraps at after `lead` characters (one kept for the comma
    /// that ends a wrapped line).
    fn wrap_width(&self, lead: usize) -> usize {
        match self.width {
            None => WRAP_WIDTH,
            Some(w) => w.saturating_sub(lead + 1).clamp(20, WRAP_WIDTH),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A value (already padded to its column) in the colour its meaning calls for: red for
    /// what is late or overdue, yellow for what is at risk, green for what is met.
    fn value(&self, key: &str, value: &Value, text: &str) -> String {
        if !self.colour {
            return text.to_string();
        }
        let code = match (key, value) {
            ("status" | "deadline_status", Value::String(s)) => match s.as_str() {
                "achieved" | "on_track" | "met" | "ok" => Some("32"),
                "at_risk" | "no_deadline" => Some("33"),
                "late" | "missed" | "off_track" | "overdue" => Some("31"),
                _ => None,
            },
            ("met" | "passed" | "evaluation_passed" | "completed", Value::Bool(b)) => {
                Some(if *b { "32" } else { "31" })
            }
            ("overdue" | "days_overdue" | "overdue_count", Value::Number(n)) => {
                n.as_f64().filter(|n| *n > 0.0).map(|_| "31")
            }
            (_, Value::Null) => Some("2"),
            _ => None,
        };
        match code {
            Some(code) => self.paint(code, text),
            None => text.to_string(),
        }
    }
}

/// Text for standard output fitted to its width ([`Style::for_stdout`]): each line
/// wider than the width is wrapped at its spaces, continued under its own indentation plus
/// four; a word wider than a line (a link, a token) stays whole. Unchanged when the width is
/// unknown (a pipe or a file without `COLUMNS`).
pub fn fit(text: &str) -> String {
    fit_to(text, Style::for_stdout().width)
}

fn fit_to(text: &str, width: Option<usize>) -> String {
    let Some(width) = width else {
        return text.to_string();
    };
    let mut out: Vec<String> = Vec::new();
    for line in text.split('\n') {
        if line.chars().count() <= width {
            out.push(line.to_string());
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let lead = " ".repeat(indent + 4);
        let mut current = line[..indent].to_string();
        let mut fresh = true;
        for word in line[indent..].split(' ') {
            if !fresh && current.chars().count() + 1 + word.chars().count() > width {
                out.push(current.trim_end().to_string());
                current = lead.clone();
                fresh = true;
            }
            if !fresh {
                current.push(' ');
            }
            current.push_str(word);
            fresh = false;
        }
        out.push(current);
    }
    out.join("\n")
}

/// Renders a value under a title, plain (see [`table_styled`]).
#[cfg(test)]
pub fn table(title: &str, value: &Value) -> String {
    table_styled(title, value, &Style::PLAIN)
}

/// Renders a value under a title, fitted to `style`'s width and coloured when it says so.
pub fn table_styled(title: &str, value: &Value, style: &Style) -> String {
    let mut out = String::new();
    let title = match style.width {
        Some(w) => wrap_words(title, w),
        None => title.to_string(),
    };
    let rule = title.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    out.push_str(&style.bold(&title));
    out.push('\n');
    out.push_str(&style.dim(&"=".repeat(rule)));
    out.push('\n');
    match value {
        Value::Object(map) => object(&mut out, map, 0, style),
        Value::Array(items) => list(&mut out, items, 0, style),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

/// `attendance_rate` → `Attendance rate`.
fn label(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "-".into(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", scalar(v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn is_flat(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().all(|i| !i.is_object() && !i.is_array()),
        Value::Object(_) => false,
        _ => true,
    }
}

/// `label  value` lines for the flat fields of `map`, labels padded to one width; a value
/// wider than the style's width is wrapped under itself.
fn fields(out: &mut String, map: &Map<String, Value>, indent: &str, style: &Style) {
    let width = map
        .iter()
        .filter(|(_, v)| is_flat(v))
        .map(|(k, _)| label(k).chars().count())
        .max()
        .unwrap_or(0);
    let lead = indent.len() + width + 2;
    for (key, value) in map.iter().filter(|(_, v)| is_flat(v)) {
        let text = scalar(value);
        let text = match style.width {
            Some(w) if lead + text.chars().count() > w => {
                wrap(&text, style.wrap_width(lead), &" ".repeat(lead))
            }
            _ => text,
        };
        out.push_str(&format!(
            "{indent}{:<width$}  {}\n",
            label(key),
            style.value(key, value, &text)
        ));
    }
}

/// A section's heading, underlined.
fn heading(out: &mut String, indent: &str, key: &str, style: &Style) {
    let title = label(key);
    out.push_str(&format!("{indent}{}\n", style.bold(&title)));
    out.push_str(&format!(
        "{indent}{}\n",
        style.dim(&"-".repeat(title.chars().count()))
    ));
}

fn object(out: &mut String, map: &Map<String, Value>, depth: usize, style: &Style) {
    let indent = "  ".repeat(depth);
    if map.is_empty() {
        out.push_str(&format!("{indent}{}\n", style.dim("(none)")));
        return;
    }
    fields(out, map, &indent, style);
    for (key, value) in map {
        if is_flat(value) {
            continue;
        }
        out.push('\n');
        heading(out, &indent, key, style);
        match value {
            Value::Object(inner) => object(out, inner, depth + 1, style),
            Value::Array(items) => list(out, items, depth + 1, style),
            _ => {}
        }
    }
}

/// The widest a table may get, when the width is unknown, before its records are printed as
/// blocks instead.
const MAX_TABLE_WIDTH: usize = 160;

/// The widest a wrapped list of values may get.
const WRAP_WIDTH: usize = 100;

fn list(out: &mut String, items: &[Value], depth: usize, style: &Style) {
    let indent = "  ".repeat(depth);
    if items.is_empty() {
        out.push_str(&format!("{indent}{}\n", style.dim("(none)")));
        return;
    }
    if !items.iter().all(Value::is_object) {
        for item in items {
            let text = scalar(item);
            let text = match style.width {
                Some(w) if indent.len() + 2 + text.chars().count() > w => {
                    wrap_words(&text, w.saturating_sub(indent.len() + 2).max(20))
                        .replace('\n', &format!("\n{indent}  "))
                }
                _ => text,
            };
            out.push_str(&format!("{indent}- {text}\n"));
        }
        return;
    }
    // Columns: every key of every row, in first-seen order.
    let mut columns: Vec<&str> = Vec::new();
    for item in items {
        if let Value::Object(map) = item {
            for key in map.keys() {
                if !columns.contains(&key.as_str()) {
                    columns.push(key);
                }
            }
        }
    }
    let flat = items
        .iter()
        .all(|i| i.as_object().is_some_and(|m| m.values().all(is_flat)));
    let cells: Vec<Vec<(&Value, String)>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| match item.get(*c) {
                    Some(v) => (v, scalar(v)),
                    None => (&Value::Null, "-".into()),
                })
                .collect()
        })
        .collect();
    let headers: Vec<String> = columns.iter().map(|c| label(c)).collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].1.chars().count())
                .chain(std::iter::once(headers[i].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let total = widths.iter().sum::<usize>() + 2 * widths.len() + indent.len();
    if !flat || total > style.table_width() {
        blocks(out, items, depth, style);
        return;
    }
    // Cells padded first, then coloured, so that colour never moves a column.
    let line = |cells: Vec<String>| -> String {
        let mut text = format!("{indent}{}", cells.join("  "));
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    };
    // The last column is not padded: no trailing blanks inside a colour.
    let last = widths.len().saturating_sub(1);
    let pad = |i: usize, text: &str| match i == last {
        true => text.to_string(),
        false => format!("{text:<w$}", w = widths[i]),
    };
    out.push_str(&line(
        headers
            .iter()
            .enumerate()
            .map(|(i, h)| style.bold(&pad(i, h)))
            .collect(),
    ));
    out.push_str(&line(
        widths.iter().map(|w| style.dim(&"-".repeat(*w))).collect(),
    ));
    for row in &cells {
        out.push_str(&line(
            row.iter()
                .zip(&columns)
                .enumerate()
                .map(|(i, ((v, text), key))| style.value(key, v, &pad(i, text)))
                .collect(),
        ));
    }
}

/// Records too rich or too wide for a table: one block per record, headed by its first field.
fn blocks(out: &mut String, items: &[Value], depth: usize, style: &Style) {
    let indent = "  ".repeat(depth);
    for item in items {
        let Value::Object(map) = item else { continue };
        let mut fields_of = map.iter();
        let Some((_, first)) = fields_of.next() else {
            continue;
        };
        out.push_str(&format!("{indent}* {}\n", style.bold(&scalar(first))));
        let rest: Map<String, Value> = fields_of.map(|(k, v)| (k.clone(), v.clone())).collect();
        let width = rest
            .iter()
            .filter(|(_, v)| is_flat(v))
            .map(|(k, _)| label(k).chars().count())
            .max()
            .unwrap_or(0);
        let inner = "  ".repeat(depth + 1);
        let lead = inner.len() + width + 2;
        for (key, value) in &rest {
            if is_flat(value) {
                let text = wrap(
                    &scalar(value),
                    style.wrap_width(lead),
                    &format!("{inner}{:width$}  ", ""),
                );
                out.push_str(&format!(
                    "{inner}{:<width$}  {}\n",
                    label(key),
                    style.value(key, value, &text)
                ));
            }
        }
        for (key, value) in &rest {
            if is_flat(value) {
                continue;
            }
            out.push_str(&format!("{inner}{}:\n", label(key)));
            match value {
                Value::Object(m) => object(out, m, depth + 2, style),
                Value::Array(a) => list(out, a, depth + 2, style),
                _ => {}
            }
        }
    }
}

/// Wraps a comma-separated list at `width` characters, continuing lines with `lead`: between
/// its items, or at spaces when an item is longer than a line (prose).
fn wrap(text: &str, width: usize, lead: &str) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if text.split(", ").any(|part| part.chars().count() > width) {
        // Prose, or an item too long for a line: words.
        return wrap_words(text, width).replace('\n', &format!("\n{lead}"));
    }
    let mut lines: Vec<String> = vec![String::new()];
    for part in text.split(", ") {
        let current = lines.last_mut().expect("one line at least");
        if !current.is_empty() && current.chars().count() + part.chars().count() + 2 > width {
            current.push(',');
            lines.push(part.to_string());
        } else {
            if !current.is_empty() {
                current.push_str(", ");
            }
            current.push_str(part);
        }
    }
    lines.join(&format!("\n{lead}"))
}

/// Breaks text at spaces into lines of at most `width` characters (a longer word, such as a
/// hash, is cut into pieces of the width).
fn wrap_words(text: &str, width: usize) -> String {
    let width = width.max(1);
    let mut lines: Vec<String> = vec![String::new()];
    let words = text.split(' ').flat_map(|word| {
        let chars: Vec<char> = word.chars().collect();
        match chars.len() > width {
            true => chars
                .chunks(width)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>(),
            false => vec![word.to_string()],
        }
    });
    for word in words {
        let word = word.as_str();
        let current = lines.last_mut().expect("one line at least");
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rich_or_wide_records_become_blocks() {
        let v = json!({"skills": [
            {"skill": "circulation", "holders": ["ann", "bob"], "detail": {"max": 4}},
        ]});
        let text = table("Risk", &v);
        let expected = "\
Risk
====

Skills
------
  * circulation
    Holders  ann, bob
    Detail:
      Max  4
";
        assert_eq!(text, expected);
        let long: Vec<String> = (0..40).map(|i| format!("person-{i:02}")).collect();
        let wrapped = wrap(&long.join(", "), 30, "> ");
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 32),
            "{wrapped}"
        );
        assert_eq!(wrapped.replace(",\n> ", ", "), long.join(", "));
    }

    #[test]
    fn renders_scalars_sections_and_tables() {
        let v = json!({
            "program": "pilot",
            "attendance_rate": 0.5,
            "archived": false,
            "deadline": null,
            "learners": [{"person": "ann", "completed": true}, {"person": "bob", "completed": false, "note": "late"}],
            "follow_ups": {"overdue": 1, "rows": []}
        });
        let text = table("Dashboard: pilot", &v);
        let expected = "\
Dashboard: pilot
================
Program          pilot
Attendance rate  0.5
Archived         no
Deadline         -

Learners
--------
  Person  Completed  Note
  ------  ---------  ----
  ann     yes        -
  bob     no         late

Follow ups
----------
  Overdue  1
  Rows     -
";
        assert_eq!(text, expected);
    }

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        let tty = |no_color, term| Style::decide(true, None, Some(120), no_color, term);
        assert!(tty(None, Some("xterm-256color")).colour);
        assert!(!tty(Some("1"), Some("xterm")).colour);
        // An empty NO_COLOR does not count (no-color.org).
        assert!(tty(Some(""), None).colour);
        assert!(!tty(None, Some("dumb")).colour);
        let piped = Style::decide(false, None, None, None, Some("xterm"));
        assert_eq!(piped, Style::PLAIN);
    }

    #[test]
    fn the_width_is_columns_else_the_terminals_else_unknown() {
        let width = |columns, terminal| Style::decide(false, columns, terminal, None, None).width;
        assert_eq!(width(Some("90"), Some(200)), Some(90));
        assert_eq!(width(None, Some(132)), Some(132));
        assert_eq!(width(Some("wide"), None), None);
        assert_eq!(width(Some("0"), None), None);
        assert_eq!(width(Some("10"), None), Some(MIN_WIDTH));
        assert_eq!(width(None, None), None);
    }

    #[test]
    fn a_table_too_wide_for_the_width_becomes_blocks_and_long_text_wraps() {
        let v = json!({
            "goal": "Every branch runs loans, returns, patron accounts and catalogue searches in the new system",
            "learners": [
                {"person": "ann", "name": "Ann Archer", "branch": "central library", "completed": true},
                {"person": "bob", "name": "Bob Brown", "branch": "harbour branch", "completed": false},
            ]
        });
        let wide = Style {
            width: Some(200),
            colour: false,
        };
        let text = table_styled("Dashboard", &v, &wide);
        assert!(
            text.contains("  Person  Name        Branch           Completed\n"),
            "{text}"
        );
        let narrow = Style {
            width: Some(40),
            colour: false,
        };
        let text = table_styled(
            "Dashboard: a title long enough to wrap at forty",
            &v,
            &narrow,
        );
        for line in text.lines() {
            assert!(line.chars().count() <= 40, "{line:?} in\n{text}");
        }
        assert!(
            text.contains("  * ann\n    Name       Ann Archer\n"),
            "{text}"
        );
        // Nothing is lost by wrapping.
        let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert!(words(&text)
            .join(" ")
            .contains("loans, returns, patron accounts and catalogue"));
        assert_eq!(
            table_styled("Dashboard", &v, &Style::PLAIN),
            table("Dashboard", &v)
        );
    }

    #[test]
    fn colour_marks_headings_and_meanings_without_moving_columns() {
        let v = json!({
            "status": "late",
            "rows": [
                {"person": "ann", "met": true, "days_overdue": 3},
                {"person": "bob", "met": false, "days_overdue": 0},
            ]
        });
        let colour = Style {
            width: Some(100),
            colour: true,
        };
        let text = table_styled("Deadline", &v, &colour);
        assert!(text.starts_with("\x1b[1mDeadline\x1b[0m\n"), "{text:?}");
        assert!(text.contains("Status  \x1b[31mlate\x1b[0m"), "{text:?}");
        assert!(text.contains("\x1b[32myes\x1b[0m"), "{text:?}");
        // Without the escapes, the coloured table is the plain one.
        let mut plain = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                plain.push(c);
            }
        }
        let uncoloured = Style {
            width: Some(100),
            colour: false,
        };
        assert_eq!(plain, table_styled("Deadline", &v, &uncoloured));
    }

    #[test]
    fn lines_are_fitted_at_spaces_with_a_hanging_indent_and_words_stay_whole() {
        let line = "2026-10-31  overdue     ils-rollout  Margaux Durand  check loans and returns at the desk, six weeks on";
        assert_eq!(fit_to(line, None), line);
        let fitted = fit_to(&format!("{line}\n  short"), Some(50));
        assert_eq!(
            fitted,
            "2026-10-31  overdue     ils-rollout  Margaux\n    Durand  check loans and returns at the desk,\n    six weeks on\n  short"
        );
        let link = format!(
            "log in: http://127.0.0.1:7878/login?code={}",
            "x".repeat(60)
        );
        let fitted = fit_to(&link, Some(40));
        assert!(
            fitted
                .lines()
                .any(|l| l.trim() == link.split(' ').nth(2).unwrap()),
            "{fitted}"
        );
    }
}
