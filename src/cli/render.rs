//! Plain-text rendering of read models for `--format table`.
//!
//! Every read model is `Serialize`; this turns its JSON form into text a person can scan: a
//! line per scalar field (`Attendance rate   0.82`), a titled section per nested object, and an
//! aligned table per list of records. Field order is the struct's order (serde_json keeps it
//! with `preserve_order`; hashing never depends on it, see `store::canonical`).

use serde_json::{Map, Value};

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
