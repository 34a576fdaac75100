//! Canonical JSON: the exact bytes that are hashed.
//!
//! The rules, so that every part of the system (and any other implementation) agrees:
//! - compact: no whitespace anywhere;
//! - object keys sorted by their UTF-8 bytes, ascending, whatever order the input had (this does
//!   not rely on `serde_json`'s map type or its `preserve_order` feature);
//! - strings escaped minimally: `"` and `\` as `\"` and `\\`, the control characters U+0008,
//!   U+000C, U+000A, U+000D, U+0009 as `\b \f \n \r \t`, every other control character below
//!   U+0020 as `\u00XX` with lowercase hex; everything else, including non-ASCII, as raw UTF-8;
//! - integers in plain decimal (`-12`, `0`, `18446744073709551615`); **floats are rejected**;
//! - `true`, `false`, `null` as themselves.
//!
//! Envelopes are not written with these rules for their keys: their fields come in the fixed
//! order documented in [`super::record`].

use serde_json::Value;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// A floating-point number was found; hashed data must use integers or decimal strings.
    #[error("floating-point number at {path} is not allowed in event data: use an integer (e.g. per-mille or minutes) or a decimal string")]
    Float {
        /// JSON path of the offending value, like `$.attendance[2].rate`.
        path: String,
    },
}

/// Returns the canonical bytes of `value`.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(128);
    write_value(&mut out, value, &mut String::from("$"))?;
    Ok(out)
}

/// The canonical bytes of the object made of the entries of `map` whose key `keep` accepts,
/// without copying them into a new map.
pub fn object_where(
    map: &serde_json::Map<String, Value>,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<u8>, CanonicalError> {
    let mut entries: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| keep(k)).collect();
    entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = Vec::with_capacity(128);
    out.push(b'{');
    let mut path = String::from("$");
    for (i, (key, item)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(&mut out, key);
        out.push(b':');
        path.truncate(1);
        path.push('.');
        path.push_str(key);
        write_value(&mut out, item, &mut path)?;
    }
    out.push(b'}');
    Ok(out)
}

/// Appends the canonical bytes of `value` to `out`.
pub fn write(out: &mut Vec<u8>, value: &Value) -> Result<(), CanonicalError> {
    write_value(out, value, &mut String::from("$"))
}

fn write_value(out: &mut Vec<u8>, value: &Value, path: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(CanonicalError::Float { path: path.clone() });
            }
        }
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                write_value(out, item, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key);
                out.push(b':');
                let len = path.len();
                path.push('.');
                path.push_str(key);
                write_value(out, item, path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// Writes `s` as a JSON string with the minimal escaping described in the module docs.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        String::from_utf8(to_vec(&v).unwrap()).unwrap()
    }

    #[test]
    fn sorts_keys_and_is_compact() {
        let v: Value =
            serde_json::from_str(r#"{ "b": 1, "a": [true, null, {"z": "x", "y": -3}] }"#).unwrap();
        assert_eq!(canon(v), r#"{"a":[true,null,{"y":-3,"z":"x"}],"b":1}"#);
    }

    #[test]
    fn escapes_minimally() {
        assert_eq!(
            canon(json!("a\"b\\c\n\u{1}é")),
            "\"a\\\"b\\\\c\\n\\u0001é\""
        );
    }

    #[test]
    fn rejects_floats_with_their_path() {
        let err = to_vec(&json!({"rows": [{"rate": 0.5}]})).unwrap_err();
        assert_eq!(
            err,
            CanonicalError::Float {
                path: "$.rows[0].rate".into()
            }
        );
    }

    #[test]
    fn canonical_form_is_a_fixed_point_of_parsing() {
        let v = json!({"k": u64::MAX, "n": i64::MIN, "s": "tab\there"});
        let bytes = to_vec(&v).unwrap();
        let again: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(to_vec(&again).unwrap(), bytes);
    }
}
