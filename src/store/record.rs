//! The envelope: its stored binary form, its canonical JSON line, and the hash chain.
//!
//! # The JSON line (export format and hashing)
//!
//! One envelope is one line of compact JSON with its fields in exactly this order:
//!
//! ```text
//! {"seq":1,"stream":"organization","version":1,"id":"<uuid>","type":"PersonJoined","schema":1,
//!  "recorded_at":"2026-01-05T09:00:00.000000Z","occurred_at":"2026-01-05T09:00:00.000000Z",
//!  "actor":"ana","correlation_id":null,"causation_id":null,"data":{...},
//!  "data_hash":"<64 hex>","prev_hash":"<64 hex>","hash":"<64 hex>"}
//! ```
//!
//! - `data` is the canonical JSON of the event data ([`super::canonical`]), or, once erased,
//!   the redaction marker `{"$redacted":{"at":"<time>","by":"<actor>","reason":"<text>"}}`.
//! - `data_hash` = BLAKE3(canonical bytes of `data`) as it was appended.
//! - `hash` = BLAKE3(`prev_hash` as 32 raw bytes ‖ the line without its `data` and `hash`
//!   fields, i.e. `{"seq":…,"causation_id":…,"data_hash":"…","prev_hash":"…"}`).
//! - The first event's `prev_hash` is 32 zero bytes; every later one is the previous event's
//!   `hash`, across all streams in `seq` order.
//!
//! # The stored form
//!
//! In the store an envelope is kept in a compact binary record (fixed-size header, then the
//! three strings, then the data bytes exactly as they appear in the line), so that replay does
//! not parse JSON. [`RecordedEvent::to_line`] rebuilds the canonical line byte for byte.

use serde_json::Value;
use uuid::Uuid;

use super::canonical;
use crate::domain::Timestamp;

/// A BLAKE3 hash.
pub type Hash = [u8; 32];

/// The `prev_hash` of the first event.
pub const ZERO_HASH: Hash = [0; 32];

/// Lowercase hex of a hash.
pub fn hex(hash: &Hash) -> String {
    blake3::Hash::from_bytes(*hash).to_hex().to_string()
}

/// Parses 64 lowercase hex digits.
pub fn parse_hex(s: &str) -> Option<Hash> {
    if s.len() != 64 || s.bytes().any(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    blake3::Hash::from_hex(s).ok().map(|h| *h.as_bytes())
}

/// BLAKE3 of some bytes.
pub fn blake3_of(bytes: &[u8]) -> Hash {
    *blake3::hash(bytes).as_bytes()
}

const FORMAT: u8 = 1;
const FLAG_CORRELATION: u8 = 1;
const FLAG_CAUSATION: u8 = 2;
const FLAG_REDACTED: u8 = 4;
const HEADER_LEN: usize = 182;

/// The fields of an envelope, borrowed, as assembled by the writer or read from a line.
#[derive(Clone, Debug)]
pub struct Envelope<'a> {
    /// Global position.
    pub seq: u64,
    /// Stream name.
    pub stream: &'a str,
    /// Position in the stream.
    pub version: u64,
    /// Event id.
    pub id: Uuid,
    /// Event type name.
    pub event_type: &'a str,
    /// Schema version of `data`.
    pub schema: u32,
    /// Store time.
    pub recorded_at: Timestamp,
    /// Business time.
    pub occurred_at: Timestamp,
    /// Who wrote it.
    pub actor: &'a str,
    /// Correlation id.
    pub correlation_id: Option<Uuid>,
    /// Causation id.
    pub causation_id: Option<Uuid>,
    /// Canonical data bytes (or the redaction marker).
    pub data: &'a [u8],
    /// Whether `data` is a redaction marker.
    pub redacted: bool,
    /// BLAKE3 of the original canonical data.
    pub data_hash: Hash,
    /// Hash of the previous event.
    pub prev_hash: Hash,
}

impl Envelope<'_> {
    /// Canonical bytes of the envelope without `data` and `hash`: what the chain hashes.
    /// A closed JSON object, `{"seq":…,"data_hash":"…","prev_hash":"…"}`, as documented above.
    pub fn hashed_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(400);
        self.write_json(&mut out, false);
        out.push(b'}');
        out
    }

    /// The chain hash: BLAKE3(prev_hash ‖ hashed bytes).
    pub fn compute_hash(&self) -> Hash {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.prev_hash);
        hasher.update(&self.hashed_bytes());
        *hasher.finalize().as_bytes()
    }

    fn write_json(&self, out: &mut Vec<u8>, with_data_and_hash: bool) {
        fn num(out: &mut Vec<u8>, key: &str, n: u64) {
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(n.to_string().as_bytes());
        }
        fn text(out: &mut Vec<u8>, key: &str, s: &str) {
            out.extend_from_slice(key.as_bytes());
            canonical::write_str(out, s);
        }
        fn opt_uuid(out: &mut Vec<u8>, key: &str, id: Option<Uuid>) {
            out.extend_from_slice(key.as_bytes());
            match id {
                Some(id) => {
                    out.push(b'"');
                    out.extend_from_slice(id.hyphenated().to_string().as_bytes());
                    out.push(b'"');
                }
                None => out.extend_from_slice(b"null"),
            }
        }
        num(out, "{\"seq\":", self.seq);
        text(out, ",\"stream\":", self.stream);
        num(out, ",\"version\":", self.version);
        text(out, ",\"id\":", &self.id.hyphenated().to_string());
        text(out, ",\"type\":", self.event_type);
        num(out, ",\"schema\":", u64::from(self.schema));
        text(out, ",\"recorded_at\":", &self.recorded_at.to_string());
        text(out, ",\"occurred_at\":", &self.occurred_at.to_string());
        text(out, ",\"actor\":", self.actor);
        opt_uuid(out, ",\"correlation_id\":", self.correlation_id);
        opt_uuid(out, ",\"causation_id\":", self.causation_id);
        if with_data_and_hash {
            out.extend_from_slice(b",\"data\":");
            out.extend_from_slice(self.data);
        }
        text(out, ",\"data_hash\":", &hex(&self.data_hash));
        text(out, ",\"prev_hash\":", &hex(&self.prev_hash));
    }

    /// The canonical JSON line (without a trailing newline), given the envelope's `hash`.
    pub fn to_line(&self, hash: &Hash) -> Vec<u8> {
        let mut out = Vec::with_capacity(400 + self.data.len());
        self.write_json(&mut out, true);
        out.extend_from_slice(b",\"hash\":\"");
        out.extend_from_slice(hex(hash).as_bytes());
        out.extend_from_slice(b"\"}");
        out
    }

    /// Encodes the stored binary record.
    pub fn encode(&self, hash: &Hash) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            HEADER_LEN
                + 6
                + self.stream.len()
                + self.event_type.len()
                + self.actor.len()
                + self.data.len(),
        );
        let mut flags = 0;
        if self.correlation_id.is_some() {
            flags |= FLAG_CORRELATION;
        }
        if self.causation_id.is_some() {
            flags |= FLAG_CAUSATION;
        }
        if self.redacted {
            flags |= FLAG_REDACTED;
        }
        out.push(FORMAT);
        out.push(flags);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.schema.to_be_bytes());
        out.extend_from_slice(&self.recorded_at.as_micros().to_be_bytes());
        out.extend_from_slice(&self.occurred_at.as_micros().to_be_bytes());
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(&self.data_hash);
        out.extend_from_slice(&self.prev_hash);
        out.extend_from_slice(hash);
        out.extend_from_slice(self.correlation_id.unwrap_or(Uuid::nil()).as_bytes());
        out.extend_from_slice(self.causation_id.unwrap_or(Uuid::nil()).as_bytes());
        debug_assert_eq!(out.len(), HEADER_LEN);
        for s in [self.stream, self.event_type, self.actor] {
            out.extend_from_slice(&(s.len() as u16).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        out.extend_from_slice(self.data);
        out
    }
}

/// Why stored bytes are not a valid record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt record: {0}")]
pub struct RecordError(pub String);

/// One stored event: a cheap-to-clone handle on its binary record, decoded lazily.
///
/// The header is checked once on construction; accessors then slice the record without
/// allocating. `data` stays as canonical bytes until someone asks for [`Self::data_value`].
#[derive(Clone)]
pub struct RecordedEvent {
    /// sled's reference-counted value: reading from sled wraps it without copying.
    raw: sled::IVec,
    stream_end: usize,
    type_end: usize,
    actor_end: usize,
}

impl std::fmt::Debug for RecordedEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_line()))
    }
}

impl PartialEq for RecordedEvent {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl Eq for RecordedEvent {}

impl RecordedEvent {
    /// Checks and wraps a stored record.
    pub fn from_bytes(raw: impl Into<sled::IVec>) -> Result<RecordedEvent, RecordError> {
        let raw: sled::IVec = raw.into();
        if raw.len() < HEADER_LEN + 6 {
            return Err(RecordError(format!(
                "record of {} bytes is shorter than its header",
                raw.len()
            )));
        }
        if raw[0] != FORMAT {
            return Err(RecordError(format!("unknown record format {}", raw[0])));
        }
        let mut pos = HEADER_LEN;
        let mut ends = [0usize; 3];
        for (i, end) in ends.iter_mut().enumerate() {
            if pos + 2 > raw.len() {
                return Err(RecordError("record ends inside its strings".into()));
            }
            let len = u16::from_be_bytes([raw[pos], raw[pos + 1]]) as usize;
            pos += 2;
            if pos + len > raw.len() {
                return Err(RecordError("record ends inside its strings".into()));
            }
            if std::str::from_utf8(&raw[pos..pos + len]).is_err() {
                let field = ["stream", "type", "actor"][i];
                return Err(RecordError(format!("{field} is not UTF-8")));
            }
            pos += len;
            *end = pos;
        }
        Ok(RecordedEvent {
            raw,
            stream_end: ends[0],
            type_end: ends[1],
            actor_end: ends[2],
        })
    }

    /// The stored bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    fn u64_at(&self, at: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.raw[at..at + 8]);
        u64::from_be_bytes(b)
    }

    fn hash_at(&self, at: usize) -> Hash {
        let mut b = [0u8; 32];
        b.copy_from_slice(&self.raw[at..at + 32]);
        b
    }

    fn uuid_at(&self, at: usize) -> Uuid {
        let mut b = [0u8; 16];
        b.copy_from_slice(&self.raw[at..at + 16]);
        Uuid::from_bytes(b)
    }

    fn str_between(&self, start: usize, end: usize) -> &str {
        // Checked to be UTF-8 in `from_bytes`.
        std::str::from_utf8(&self.raw[start..end]).unwrap_or("")
    }

    /// Global position.
    pub fn seq(&self) -> u64 {
        self.u64_at(2)
    }
    /// Position in the stream.
    pub fn version(&self) -> u64 {
        self.u64_at(10)
    }
    /// Schema version of the data.
    pub fn schema(&self) -> u32 {
        u32::from_be_bytes([self.raw[18], self.raw[19], self.raw[20], self.raw[21]])
    }
    /// Store time.
    pub fn recorded_at(&self) -> Timestamp {
        Timestamp::from_micros(self.u64_at(22) as i64)
    }
    /// Business time.
    pub fn occurred_at(&self) -> Timestamp {
        Timestamp::from_micros(self.u64_at(30) as i64)
    }
    /// Event id.
    pub fn id(&self) -> Uuid {
        self.uuid_at(38)
    }
    /// BLAKE3 of the original canonical data.
    pub fn data_hash(&self) -> Hash {
        self.hash_at(54)
    }
    /// Hash of the previous event in the log.
    pub fn prev_hash(&self) -> Hash {
        self.hash_at(86)
    }
    /// This event's chain hash.
    pub fn hash(&self) -> Hash {
        self.hash_at(118)
    }
    /// Correlation id.
    pub fn correlation_id(&self) -> Option<Uuid> {
        (self.raw[1] & FLAG_CORRELATION != 0).then(|| self.uuid_at(150))
    }
    /// Causation id.
    pub fn causation_id(&self) -> Option<Uuid> {
        (self.raw[1] & FLAG_CAUSATION != 0).then(|| self.uuid_at(166))
    }
    /// Whether the data was erased.
    pub fn is_redacted(&self) -> bool {
        self.raw[1] & FLAG_REDACTED != 0
    }
    /// Stream name.
    pub fn stream(&self) -> &str {
        self.str_between(HEADER_LEN + 2, self.stream_end)
    }
    /// Event type name.
    pub fn event_type(&self) -> &str {
        self.str_between(self.stream_end + 2, self.type_end)
    }
    /// Who wrote it.
    pub fn actor(&self) -> &str {
        self.str_between(self.type_end + 2, self.actor_end)
    }
    /// Canonical data bytes (or the redaction marker).
    pub fn data_bytes(&self) -> &[u8] {
        &self.raw[self.actor_end..]
    }
    /// Parses the data.
    pub fn data_value(&self) -> Result<Value, RecordError> {
        serde_json::from_slice(self.data_bytes())
            .map_err(|e| RecordError(format!("data of seq {} is not JSON: {e}", self.seq())))
    }

    /// The envelope's fields, borrowed.
    pub fn envelope(&self) -> Envelope<'_> {
        Envelope {
            seq: self.seq(),
            stream: self.stream(),
            version: self.version(),
            id: self.id(),
            event_type: self.event_type(),
            schema: self.schema(),
            recorded_at: self.recorded_at(),
            occurred_at: self.occurred_at(),
            actor: self.actor(),
            correlation_id: self.correlation_id(),
            causation_id: self.causation_id(),
            data: self.data_bytes(),
            redacted: self.is_redacted(),
            data_hash: self.data_hash(),
            prev_hash: self.prev_hash(),
        }
    }

    /// The canonical JSON line, without a trailing newline.
    pub fn to_line(&self) -> Vec<u8> {
        self.envelope().to_line(&self.hash())
    }

    /// Returns a copy whose data is replaced by the redaction marker.
    pub fn redacted(
        &self,
        at: Timestamp,
        by: &str,
        reason: &str,
        kept: Option<&Value>,
    ) -> RecordedEvent {
        let marker = redaction_marker(at, by, reason, kept);
        let mut env = self.envelope();
        env.data = &marker;
        env.redacted = true;
        let bytes = env.encode(&self.hash());
        RecordedEvent::from_bytes(bytes).expect("freshly encoded record is valid")
    }
}

/// The canonical bytes that replace erased data.
pub fn redaction_marker(at: Timestamp, by: &str, reason: &str, kept: Option<&Value>) -> Vec<u8> {
    let mut inner = serde_json::json!({"at": at.to_string(), "by": by, "reason": reason});
    if let (Some(kept), Some(map)) = (kept, inner.as_object_mut()) {
        map.insert("kept".into(), kept.clone());
    }
    let value = serde_json::json!({ "$redacted": inner });
    match canonical::to_vec(&value) {
        Ok(bytes) => bytes,
        // A float in `kept` has no canonical form: drop `kept` rather than fail the erasure.
        Err(_) => redaction_marker(at, by, reason, None),
    }
}

/// The scrubbed copy of the data a redaction marker kept, if any.
pub fn redaction_kept(value: &Value) -> Option<&Value> {
    value.get("$redacted")?.get("kept")
}

/// Whether a data value is a redaction marker.
pub fn is_redaction_marker(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.len() == 1 && m.get("$redacted").is_some_and(Value::is_object))
}

/// Why an exported line was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LineError(pub String);

/// Parses one exported line into a stored record, checking its form, `data_hash` (unless
/// redacted) and its own `hash`. It does not check the chain link to the previous line.
pub fn parse_line(line: &[u8]) -> Result<RecordedEvent, LineError> {
    let err = |m: String| LineError(m);
    let value: Value =
        serde_json::from_slice(line).map_err(|e| err(format!("not valid JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| err("expected a JSON object".into()))?;
    const FIELDS: [&str; 15] = [
        "seq",
        "stream",
        "version",
        "id",
        "type",
        "schema",
        "recorded_at",
        "occurred_at",
        "actor",
        "correlation_id",
        "causation_id",
        "data",
        "data_hash",
        "prev_hash",
        "hash",
    ];
    for key in obj.keys() {
        if !FIELDS.contains(&key.as_str()) {
            return Err(err(format!("unexpected field `{key}`")));
        }
    }
    let field = |name: &str| {
        obj.get(name)
            .ok_or_else(|| err(format!("missing field `{name}`")))
    };
    let uint = |name: &str| -> Result<u64, LineError> {
        field(name)?
            .as_u64()
            .ok_or_else(|| err(format!("field `{name}`: expected a non-negative integer")))
    };
    let text = |name: &str| -> Result<&str, LineError> {
        field(name)?
            .as_str()
            .ok_or_else(|| err(format!("field `{name}`: expected a string")))
    };
    let time = |name: &str| -> Result<Timestamp, LineError> {
        Timestamp::parse_strict(text(name)?).map_err(|e| err(format!("field `{name}`: {e}")))
    };
    let hash = |name: &str| -> Result<Hash, LineError> {
        parse_hex(text(name)?)
            .ok_or_else(|| err(format!("field `{name}`: expected 64 lowercase hex digits")))
    };
    let uuid = |name: &str| -> Result<Uuid, LineError> {
        Uuid::parse_str(text(name)?).map_err(|_| err(format!("field `{name}`: expected a UUID")))
    };
    let opt_uuid = |name: &str| -> Result<Option<Uuid>, LineError> {
        if field(name)?.is_null() {
            Ok(None)
        } else {
            uuid(name).map(Some)
        }
    };
    let schema =
        u32::try_from(uint("schema")?).map_err(|_| err("field `schema`: too large".into()))?;
    let data_value = field("data")?;
    let data = canonical::to_vec(data_value).map_err(|e| err(format!("field `data`: {e}")))?;
    let redacted = is_redaction_marker(data_value);
    let env = Envelope {
        seq: uint("seq")?,
        stream: text("stream")?,
        version: uint("version")?,
        id: uuid("id")?,
        event_type: text("type")?,
        schema,
        recorded_at: time("recorded_at")?,
        occurred_at: time("occurred_at")?,
        actor: text("actor")?,
        correlation_id: opt_uuid("correlation_id")?,
        causation_id: opt_uuid("causation_id")?,
        data: &data,
        redacted,
        data_hash: hash("data_hash")?,
        prev_hash: hash("prev_hash")?,
    };
    let stored_hash = hash("hash")?;
    if env.to_line(&stored_hash) != line {
        return Err(err("not in canonical form (field order, spacing or escaping differs from what baton writes)".into()));
    }
    if !redacted && blake3_of(&data) != env.data_hash {
        return Err(err(format!(
            "seq {}: data does not match data_hash (tampered data)",
            env.seq
        )));
    }
    if env.compute_hash() != stored_hash {
        return Err(err(format!(
            "seq {}: hash does not match the envelope (tampered envelope)",
            env.seq
        )));
    }
    RecordedEvent::from_bytes(env.encode(&stored_hash)).map_err(|e| err(e.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(data: &[u8]) -> RecordedEvent {
        let env = Envelope {
            seq: 7,
            stream: "program-catalogue",
            version: 3,
            id: Uuid::from_u128(42),
            event_type: "SessionHeld",
            schema: 1,
            recorded_at: Timestamp::from_micros(1_700_000_000_123_456),
            occurred_at: Timestamp::from_micros(1_699_000_000_000_000),
            actor: "ana",
            correlation_id: Some(Uuid::from_u128(9)),
            causation_id: None,
            data,
            redacted: false,
            data_hash: blake3_of(data),
            prev_hash: [1; 32],
        };
        let hash = env.compute_hash();
        RecordedEvent::from_bytes(env.encode(&hash)).unwrap()
    }

    #[test]
    fn record_round_trips_through_line() {
        let ev = sample(br#"{"a":1}"#);
        assert_eq!(ev.seq(), 7);
        assert_eq!(ev.stream(), "program-catalogue");
        assert_eq!(ev.event_type(), "SessionHeld");
        assert_eq!(ev.actor(), "ana");
        assert_eq!(ev.data_bytes(), br#"{"a":1}"#);
        let line = ev.to_line();
        assert!(line.starts_with(br#"{"seq":7,"stream":"program-catalogue","version":3,"#));
        assert_eq!(parse_line(&line).unwrap(), ev);
    }

    #[test]
    fn redaction_keeps_hash_valid() {
        let ev = sample(br#"{"name":"Ana"}"#);
        let red = ev.redacted(Timestamp::from_micros(0), "admin", "erasure request", None);
        assert!(red.is_redacted());
        assert_eq!(red.hash(), ev.hash());
        assert_eq!(red.envelope().compute_hash(), ev.hash());
        assert_eq!(parse_line(&red.to_line()).unwrap(), red);
    }

    #[test]
    fn parse_line_names_the_problem() {
        let ev = sample(br#"{"a":1}"#);
        let line = String::from_utf8(ev.to_line()).unwrap();
        let tampered = line.replace(r#"{"a":1}"#, r#"{"a":2}"#);
        assert!(parse_line(tampered.as_bytes())
            .unwrap_err()
            .0
            .contains("data_hash"));
        let spaced = line.replacen(",", ", ", 1);
        assert!(parse_line(spaced.as_bytes())
            .unwrap_err()
            .0
            .contains("canonical"));
        let actor = line.replace(r#""actor":"ana""#, r#""actor":"bob""#);
        assert!(parse_line(actor.as_bytes())
            .unwrap_err()
            .0
            .contains("hash does not match"));
        assert!(parse_line(b"{").unwrap_err().0.contains("JSON"));
        let no_seq = line.replacen(r#""seq":7,"#, "", 1);
        assert!(parse_line(no_seq.as_bytes())
            .unwrap_err()
            .0
            .contains("`seq`"));
    }

    #[test]
    fn corrupt_bytes_are_errors_not_panics() {
        let ev = sample(br#"{"a":1}"#);
        let bytes = ev.as_bytes();
        for cut in 0..bytes.len() {
            let _ = RecordedEvent::from_bytes(&bytes[..cut]);
        }
        assert!(RecordedEvent::from_bytes(&[9u8; 300][..]).is_err());
    }
}
