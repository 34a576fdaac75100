//! Plain-text rendering of read models for `--format table`.
//!
//! Every read model is `Serialize`; this turns its JSON form into text a person can scan: a
//! line per scalar field (`Attendance rate   0.82`), a titled section per nested object, and an
//! aligned table per list of records. Field order is the struct's order (serde_json keeps it
//! with `preserve_order`; hashing never depends on it, see `store::canonical`).

use serde_json::{Map, Value};

pub use crate::query::{title_with_head, with_head};

/// Renders a value under a title.
pub fn table(title: &str, value: &Value) -> String {
    let mut out = String::new();
    out.push_str(title);
    out.push('\n');
    out.push_str(&"=".repeat(title.chars().count()));
    out.push('\n');
    match value {
        Value::Object(map) => object(&mut out, map, 0),
        Value::Array(items) => list(&mut out, items, 0),
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

fn object(out: &mut String, map: &Map<String, Value>, depth: usize) {
    let indent = "  ".repeat(depth);
    if map.is_empty() {
        out.push_str(&format!("{indent}(none)\n"));
        return;
    }
    let width = map
        .iter()
        .filter(|(_, v)| is_flat(v))
        .map(|(k, _)| label(k).chars().count())
        .max()
        .unwrap_or(0);
    for (key, value) in map {
        if is_flat(value) {
            out.push_str(&format!(
                "{indent}{:<width$}  {}\n",
                label(key),
                scalar(value)
            ));
        }
    }
    for (key, value) in map {
        if is_flat(value) {
            continue;
        }
        out.push('\n');
        out.push_str(&format!("{indent}{}\n", label(key)));
        out.push_str(&format!(
            "{indent}{}\n",
            "-".repeat(label(key).chars().count())
        ));
        match value {
            Value::Object(inner) => object(out, inner, depth + 1),
            Value::Array(items) => list(out, items, depth + 1),
            _ => {}
        }
    }
}

/// The widest a table may get before its records are printed as blocks instead.
const MAX_TABLE_WIDTH: usize = 160;

/// The widest a wrapped list of values may get.
const WRAP_WIDTH: usize = 100;

fn list(out: &mut String, items: &[Value], depth: usize) {
    let indent = "  ".repeat(depth);
    if items.is_empty() {
        out.push_str(&format!("{indent}(none)\n"));
        return;
    }
    if !items.iter().all(Value::is_object) {
        for item in items {
            out.push_str(&format!("{indent}- {}\n", scalar(item)));
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
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| item.get(*c).map(scalar).unwrap_or_else(|| "-".into()))
                .collect()
        })
        .collect();
    let headers: Vec<String> = columns.iter().map(|c| label(c)).collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain(std::iter::once(headers[i].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let total = widths.iter().sum::<usize>() + 2 * widths.len() + indent.len();
    if !flat || total > MAX_TABLE_WIDTH {
        blocks(out, items, depth);
        return;
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{indent}{}\n", parts.join("  ").trim_end())
    };
    out.push_str(&line(&headers));
    out.push_str(&line(
        &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
    ));
    for row in &rows {
        out.push_str(&line(row));
    }
}

/// Records too rich or too wide for a table: one block per record, headed by its first field.
fn blocks(out: &mut String, items: &[Value], depth: usize) {
    let indent = "  ".repeat(depth);
    for item in items {
        let Value::Object(map) = item else { continue };
        let mut fields = map.iter();
        let Some((_, first)) = fields.next() else {
            continue;
        };
        out.push_str(&format!("{indent}* {}\n", scalar(first)));
        let rest: Map<String, Value> = fields.map(|(k, v)| (k.clone(), v.clone())).collect();
        let width = rest
            .iter()
            .filter(|(_, v)| is_flat(v))
            .map(|(k, _)| label(k).chars().count())
            .max()
            .unwrap_or(0);
        let inner = "  ".repeat(depth + 1);
        for (key, value) in &rest {
            if is_flat(value) {
                let text = wrap(
                    &scalar(value),
                    WRAP_WIDTH,
                    &format!("{inner}{:width$}  ", ""),
                );
                out.push_str(&format!("{inner}{:<width$}  {text}\n", label(key)));
            }
        }
        for (key, value) in &rest {
            if is_flat(value) {
                continue;
            }
            out.push_str(&format!("{inner}{}:\n", label(key)));
            match value {
                Value::Object(m) => object(out, m, depth + 2),
                Value::Array(a) => list(out, a, depth + 2),
                _ => {}
            }
        }
    }
}

/// Wraps a comma-separated list at `width` characters, continuing lines with `lead`.
fn wrap(text: &str, width: usize, lead: &str) -> String {
    if text.chars().count() <= width {
        return text.to_string();
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
}
