//! The envelope: its stored binary form, its canonical JSON line, and the hash chain.
//!
//! # The JSON line (export format and hashing)
//!
//! One envelope is one line of compact JSON with its fields in exactly this order. Format 2
//! (every event written since redactions became checkable):
//!
//! ```text
//! {"format":2,"seq":1,"stream":"organization","version":1,"id":"<uuid>","type":"PersonJoined",
//!  "schema":1,"recorded_at":"2026-01-05T09:00:00.000000Z","occurred_at":"2026-01-05T09:00:00.000000Z",
//!  "actor":"ana","correlation_id":null,"causation_id":null,"personal":["name"],"data":{...},
//!  "nonce":"<32 hex>","data_hash":"<64 hex>","prev_hash":"<64 hex>","hash":"<64 hex>"}
//! ```
//!
//! Format 1 (events written before; readable and restorable forever) has no `format`,
//! `personal` and `nonce` fields:
//!
//! ```text
//! {"seq":1,"stream":"organization","version":1,"id":"<uuid>","type":"PersonJoined","schema":1,
//!  "recorded_at":"…","occurred_at":"…","actor":"ana","correlation_id":null,"causation_id":null,
//!  "data":{...},"data_hash":"<64 hex>","prev_hash":"<64 hex>","hash":"<64 hex>"}
//! ```
//!
//! - `data` is the canonical JSON object of the event data ([`super::canonical`]), or, once
//!   erased, the redaction marker `{"$redacted":{"at":"<time>","by":"<actor>","reason":"<text>",
//!   "kept":{...},"personal_hash":"<64 hex>"}}` (format 1: `kept` is a scrubbed copy and there
//!   is no `personal_hash`).
//! - `personal` lists, in byte order, the top-level keys of `data` that hold personal data
//!   (names, free text about a person); `nonce` is 16 random bytes, removed by an erasure.
//! - Format 2: `data_hash` = BLAKE3("baton data v2\n" ‖ BLAKE3(canonical object of the
//!   non-personal keys) ‖ BLAKE3(nonce ‖ canonical object of the personal keys)). An erasure
//!   keeps the non-personal object (`kept`) and the last hash (`personal_hash`), so what it
//!   kept is still checked against `data_hash`, and without the nonce the erased values cannot
//!   be confirmed by guessing. Format 1: `data_hash` = BLAKE3(canonical bytes of `data`) as it
//!   was appended; a format-1 redaction's `kept` cannot be checked.
//! - `hash` = BLAKE3(`prev_hash` as 32 raw bytes ‖ the line without its `data`, `nonce` and
//!   `hash` fields, i.e. `{"seq":…,"causation_id":…,"data_hash":"…","prev_hash":"…"}`, in format
//!   2 `{"format":2,"seq":…,"personal":[…],"data_hash":"…","prev_hash":"…"}`).
//! - The first event's `prev_hash` is 32 zero bytes; every later one is the previous event's
//!   `hash`, across all streams in `seq` order.
//!
//! # The stored form
//!
//! In the store an envelope is kept in a compact binary record (format byte, flags, a
//! fixed-size header, in format 2 the nonce, then the three strings, in format 2 the personal
//! keys, then the data bytes exactly as they appear in the line), so that replay does not
//! parse JSON. [`RecordedEvent::to_line`] rebuilds the canonical line byte for byte.

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

/// A noted head, `SEQ:HASH` (as `baton verify` prints it).
pub fn parse_head(text: &str) -> Result<(u64, Hash), String> {
    let expected =
        "expected SEQ:HASH, a seq and 64 lowercase hex digits (as `baton verify` prints the head)";
    let err = || format!("head {text:?}: {expected}");
    let (seq, hash) = text.split_once(':').ok_or_else(err)?;
    let seq = seq.parse().map_err(|_| err())?;
    let hash = parse_hex(hash).ok_or_else(err)?;
    Ok((seq, hash))
}

/// BLAKE3 of bytes.
pub fn blake3_of(bytes: &[u8]) -> Hash {
    *blake3::hash(bytes).as_bytes()
}

/// The envelope format of events written before redactions were checkable: `data_hash` is the
/// hash of the whole data, so what a redaction keeps cannot be checked.
pub const FORMAT_1: u8 = 1;
/// The current envelope format: `data_hash` commits separately to the non-personal part of
/// the data and to the personal part (salted with a random nonce), so a redaction's kept part
/// stays checkable after the personal part is gone.
pub const FORMAT_2: u8 = 2;
const FLAG_CORRELATION: u8 = 1;
const FLAG_CAUSATION: u8 = 2;
const FLAG_REDACTED: u8 = 4;
const FLAG_NONCE: u8 = 8;
/// Fixed header of a format-1 record; format 2 adds the 16-byte nonce.
const HEADER_LEN_1: usize = 182;
const HEADER_LEN_2: usize = HEADER_LEN_1 + 16;
/// The domain separator of format-2 data hashes.
const DATA_HASH_TAG: &[u8] = b"baton data v2\n";

/// The longest actor name, in bytes.
pub const MAX_ACTOR_BYTES: usize = 256;
/// The longest event type name, in bytes.
pub const MAX_TYPE_BYTES: usize = 128;

/// A random salt that makes the hash of an event's personal part unguessable.
pub type Nonce = [u8; 16];

/// The fields of an envelope, borrowed, as assembled by the writer or read from a line.
#[derive(Clone, Debug)]
pub struct Envelope<'a> {
    /// Envelope format ([`FORMAT_1`] or [`FORMAT_2`]).
    pub format: u8,
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
    /// Format 2: the top-level keys of `data` that hold personal data, sorted (empty in format 1).
    pub personal: Vec<&'a str>,
    /// Canonical data bytes (or the redaction marker).
    pub data: &'a [u8],
    /// Format 2: the salt of the personal part; gone once redacted.
    pub nonce: Option<Nonce>,
    /// Whether `data` is a redaction marker.
    pub redacted: bool,
    /// Format 1: BLAKE3 of the original canonical data; format 2: see [`data_hash_v2`].
    pub data_hash: Hash,
    /// Hash of the previous event.
    pub prev_hash: Hash,
}

/// Why stored bytes are not a valid record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt record: {0}")]
pub struct RecordError(pub String);

/// Why an envelope breaks a rule of the log: the field and what is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field (`stream`, `type`, `actor`, `data`…).
    pub field: &'static str,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Checks the rules every stored envelope obeys, whether appended or restored: a valid stream
/// name, an event type name, a schema of at least 1, an actor of 1 to 256 bytes, personal keys
/// that are sorted and distinct, and a record within [`super::MAX_EVENT_BYTES`].
pub fn check_fields(env: &Envelope<'_>) -> Result<(), FieldError> {
    let fail = |field, message: String| Err(FieldError { field, message });
    if !super::is_valid_stream(env.stream) {
        return fail(
            "stream",
            format!(
                "{:?} is not `organization` or `program-<slug>` with slug [a-z0-9-]{{1,64}}",
                env.stream
            ),
        );
    }
    if !is_valid_type(env.event_type) {
        return fail(
            "type",
            format!(
                "{:?} is not a name of 1 to {MAX_TYPE_BYTES} letters, digits, `_` or `.`",
                env.event_type
            ),
        );
    }
    if env.schema == 0 {
        return fail("schema", "expected a schema version of at least 1".into());
    }
    if env.actor.is_empty() || env.actor.len() > MAX_ACTOR_BYTES {
        return fail(
            "actor",
            format!(
                "expected a name of 1 to {MAX_ACTOR_BYTES} bytes, got {} bytes",
                env.actor.len()
            ),
        );
    }
    if env.format == FORMAT_1 && !env.personal.is_empty() {
        return fail("personal", "format 1 has no personal keys".into());
    }
    if env.personal.windows(2).any(|w| w[0] >= w[1])
        || env
            .personal
            .iter()
            .any(|k| k.is_empty() || k.len() > MAX_TYPE_BYTES)
    {
        return fail(
            "personal",
            "expected distinct key names of 1 to 128 bytes in byte order".into(),
        );
    }
    let size = env.encoded_len();
    if size > super::MAX_EVENT_BYTES {
        return fail(
            "data",
            format!(
                "event of {size} bytes exceeds the limit of {} bytes",
                super::MAX_EVENT_BYTES
            ),
        );
    }
    Ok(())
}

/// Whether `name` is an event type name: 1 to 128 ASCII letters, digits, `_` or `.`.
pub fn is_valid_type(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_TYPE_BYTES
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// The canonical bytes of a data object's non-personal part and of its personal part (by
/// top-level key).
fn parts(
    map: &serde_json::Map<String, Value>,
    personal: &[&str],
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let kept = canonical::object_where(map, |k| !personal.contains(&k));
    let private = canonical::object_where(map, |k| personal.contains(&k));
    Ok((
        kept.map_err(|e| e.to_string())?,
        private.map_err(|e| e.to_string())?,
    ))
}

/// The commitment to the personal part: BLAKE3(nonce ‖ canonical personal object).
fn personal_commitment(nonce: &Nonce, private: &[u8]) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(nonce).update(private);
    *h.finalize().as_bytes()
}

/// The format-2 data hash from its two parts: BLAKE3("baton data v2\n" ‖ BLAKE3(canonical
/// non-personal object) ‖ personal commitment).
fn combine(kept: &[u8], personal: &Hash) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(DATA_HASH_TAG)
        .update(&blake3_of(kept))
        .update(personal);
    *h.finalize().as_bytes()
}

/// The format-2 `data_hash` of a data object, its personal keys and its nonce.
pub fn data_hash_of(
    map: &serde_json::Map<String, Value>,
    personal: &[&str],
    nonce: &Nonce,
) -> Result<Hash, String> {
    if let Some(key) = personal.iter().find(|k| !map.contains_key(**k)) {
        return Err(format!("personal key `{key}` is not in the data"));
    }
    let (kept, private) = parts(map, personal)?;
    Ok(combine(&kept, &personal_commitment(nonce, &private)))
}

/// [`data_hash_of`] the canonical data bytes (a JSON object).
pub fn data_hash_v2(data: &[u8], personal: &[&str], nonce: &Nonce) -> Result<Hash, String> {
    let value: Value = serde_json::from_slice(data).map_err(|e| format!("not JSON: {e}"))?;
    let map = value
        .as_object()
        .ok_or_else(|| "expected a JSON object".to_string())?;
    data_hash_of(map, personal, nonce)
}

/// How an event's `data` stands against its `data_hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataCheck {
    /// The data matches.
    Intact,
    /// Redacted, and what the redaction kept matches (format 2).
    RedactionVerified,
    /// Redacted in format 1: what it kept cannot be checked.
    RedactionUnverified,
}

impl Envelope<'_> {
    /// Canonical bytes of the envelope without `data`, `nonce` and `hash`: what the chain hashes.
    /// A closed JSON object, `{"seq":…,"data_hash":"…","prev_hash":"…"}` (format 2:
    /// `{"format":2,"seq":…,"personal":[…],"data_hash":"…","prev_hash":"…"}`).
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

    /// Checks `data` against `data_hash`: an error names what does not match.
    pub fn check_data(&self) -> Result<DataCheck, String> {
        match (self.format, self.redacted) {
            (FORMAT_1, false) => {
                if blake3_of(self.data) == self.data_hash {
                    Ok(DataCheck::Intact)
                } else {
                    Err("data does not match data_hash (the data was altered)".into())
                }
            }
            (FORMAT_1, true) => Ok(DataCheck::RedactionUnverified),
            (_, false) => {
                let nonce = self
                    .nonce
                    .ok_or("the nonce is missing from data that was not erased")?;
                if data_hash_v2(self.data, &self.personal, &nonce)? == self.data_hash {
                    Ok(DataCheck::Intact)
                } else {
                    Err("data does not match data_hash (the data was altered)".into())
                }
            }
            (_, true) => {
                if self.nonce.is_some() {
                    return Err("an erased event still has its nonce".into());
                }
                let marker: Value =
                    serde_json::from_slice(self.data).map_err(|e| format!("not JSON: {e}"))?;
                let inner = &marker["$redacted"];
                let kept = inner["kept"]
                    .as_object()
                    .ok_or("the redaction marker has no `kept` object")?;
                if let Some(key) = self.personal.iter().find(|k| kept.contains_key(**k)) {
                    return Err(format!(
                        "the redaction marker keeps the personal key `{key}`"
                    ));
                }
                let personal = inner["personal_hash"]
                    .as_str()
                    .and_then(parse_hex)
                    .ok_or("the redaction marker has no `personal_hash`")?;
                let kept = canonical::object_where(kept, |_| true).map_err(|e| e.to_string())?;
                if combine(&kept, &personal) == self.data_hash {
                    Ok(DataCheck::RedactionVerified)
                } else {
                    Err(
                        "what the redaction kept does not match data_hash (a forged redaction)"
                            .into(),
                    )
                }
            }
        }
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
        let v2 = self.format != FORMAT_1;
        if v2 {
            num(out, "{\"format\":", u64::from(self.format));
            num(out, ",\"seq\":", self.seq);
        } else {
            num(out, "{\"seq\":", self.seq);
        }
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
        if v2 {
            out.extend_from_slice(b",\"personal\":[");
            for (i, key) in self.personal.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical::write_str(out, key);
            }
            out.push(b']');
        }
        if with_data_and_hash {
            out.extend_from_slice(b",\"data\":");
            out.extend_from_slice(self.data);
            if v2 {
                out.extend_from_slice(b",\"nonce\":");
                match &self.nonce {
                    Some(n) => {
                        out.push(b'"');
                        out.extend_from_slice(blake3_hex16(n).as_bytes());
                        out.push(b'"');
                    }
                    None => out.extend_from_slice(b"null"),
                }
            }
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

    /// The length of the stored binary record.
    pub fn encoded_len(&self) -> usize {
        let header = if self.format == FORMAT_1 {
            HEADER_LEN_1
        } else {
            HEADER_LEN_2 + 2 + self.personal.iter().map(|k| 2 + k.len()).sum::<usize>()
        };
        header + 6 + self.stream.len() + self.event_type.len() + self.actor.len() + self.data.len()
    }

    /// Encodes the stored binary record. The envelope must have passed [`check_fields`] (its
    /// strings then fit their 16-bit lengths).
    pub fn encode(&self, hash: &Hash) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
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
        if self.nonce.is_some() {
            flags |= FLAG_NONCE;
        }
        out.push(self.format);
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
        debug_assert_eq!(out.len(), HEADER_LEN_1);
        if self.format != FORMAT_1 {
            out.extend_from_slice(&self.nonce.unwrap_or_default());
        }
        for s in [self.stream, self.event_type, self.actor] {
            out.extend_from_slice(&(s.len().min(u16::MAX as usize) as u16).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        if self.format != FORMAT_1 {
            out.extend_from_slice(&(self.personal.len() as u16).to_be_bytes());
            for key in &self.personal {
                out.extend_from_slice(&(key.len() as u16).to_be_bytes());
                out.extend_from_slice(key.as_bytes());
            }
        }
        out.extend_from_slice(self.data);
        out
    }
}

fn blake3_hex16(bytes: &Nonce) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex16(s: &str) -> Option<Nonce> {
    if s.len() != 32 || s.bytes().any(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let text = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

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
    /// Where the data starts (after the personal keys in format 2).
    data_start: usize,
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
        let header = match raw.first() {
            Some(&FORMAT_1) => HEADER_LEN_1,
            Some(&FORMAT_2) => HEADER_LEN_2,
            Some(other) => return Err(RecordError(format!("unknown record format {other}"))),
            None => return Err(RecordError("empty record".into())),
        };
        if raw.len() < header + 6 {
            return Err(RecordError(format!(
                "record of {} bytes is shorter than its header",
                raw.len()
            )));
        }
        let mut pos = header;
        let take = |pos: &mut usize, what: &str| -> Result<(usize, usize), RecordError> {
            if *pos + 2 > raw.len() {
                return Err(RecordError(format!("record ends inside its {what}")));
            }
            let len = u16::from_be_bytes([raw[*pos], raw[*pos + 1]]) as usize;
            *pos += 2;
            if *pos + len > raw.len() {
                return Err(RecordError(format!("record ends inside its {what}")));
            }
            if std::str::from_utf8(&raw[*pos..*pos + len]).is_err() {
                return Err(RecordError(format!("{what} is not UTF-8")));
            }
            let start = *pos;
            *pos += len;
            Ok((start, *pos))
        };
        let (_, stream_end) = take(&mut pos, "stream")?;
        let (_, type_end) = take(&mut pos, "type")?;
        let (_, actor_end) = take(&mut pos, "actor")?;
        if raw[0] != FORMAT_1 {
            if pos + 2 > raw.len() {
                return Err(RecordError("record ends inside its personal keys".into()));
            }
            let count = u16::from_be_bytes([raw[pos], raw[pos + 1]]);
            pos += 2;
            for _ in 0..count {
                take(&mut pos, "personal keys")?;
            }
        }
        Ok(RecordedEvent {
            data_start: pos,
            raw,
            stream_end,
            type_end,
            actor_end,
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

    /// The envelope format ([`FORMAT_1`] or [`FORMAT_2`]).
    pub fn format(&self) -> u8 {
        self.raw[0]
    }
    fn header_len(&self) -> usize {
        if self.format() == FORMAT_1 {
            HEADER_LEN_1
        } else {
            HEADER_LEN_2
        }
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
    /// The data hash (see [`Envelope::data_hash`]).
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
    /// Format 2: the nonce of the personal part, until it is erased.
    pub fn nonce(&self) -> Option<Nonce> {
        if self.format() == FORMAT_1 || self.raw[1] & FLAG_NONCE == 0 {
            return None;
        }
        let mut n = [0u8; 16];
        n.copy_from_slice(&self.raw[HEADER_LEN_1..HEADER_LEN_2]);
        Some(n)
    }
    /// Whether the data was erased.
    pub fn is_redacted(&self) -> bool {
        self.raw[1] & FLAG_REDACTED != 0
    }
    /// Stream name.
    pub fn stream(&self) -> &str {
        self.str_between(self.header_len() + 2, self.stream_end)
    }
    /// Event type name.
    pub fn event_type(&self) -> &str {
        self.str_between(self.stream_end + 2, self.type_end)
    }
    /// Who wrote it.
    pub fn actor(&self) -> &str {
        self.str_between(self.type_end + 2, self.actor_end)
    }
    /// Format 2: the top-level keys of the data that hold personal data.
    pub fn personal(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if self.format() == FORMAT_1 {
            return out;
        }
        let mut pos = self.actor_end + 2;
        while pos < self.data_start {
            let len = u16::from_be_bytes([self.raw[pos], self.raw[pos + 1]]) as usize;
            out.push(self.str_between(pos + 2, pos + 2 + len));
            pos += 2 + len;
        }
        out
    }
    /// Canonical data bytes (or the redaction marker).
    pub fn data_bytes(&self) -> &[u8] {
        &self.raw[self.data_start..]
    }
    /// Parses the data.
    pub fn data_value(&self) -> Result<Value, RecordError> {
        serde_json::from_slice(self.data_bytes())
            .map_err(|e| RecordError(format!("data of seq {} is not JSON: {e}", self.seq())))
    }

    /// The envelope's fields, borrowed.
    pub fn envelope(&self) -> Envelope<'_> {
        Envelope {
            format: self.format(),
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
            personal: self.personal(),
            data: self.data_bytes(),
            nonce: self.nonce(),
            redacted: self.is_redacted(),
            data_hash: self.data_hash(),
            prev_hash: self.prev_hash(),
        }
    }

    /// The canonical JSON line, without a trailing newline.
    pub fn to_line(&self) -> Vec<u8> {
        self.envelope().to_line(&self.hash())
    }

    /// The hash of the content, whatever the format and the nonce: what tells an identical
    /// retry from a reused id. For an erased event (its content gone) it is its data hash.
    pub fn content_hash(&self) -> Hash {
        if self.format() == FORMAT_1 || self.is_redacted() {
            self.data_hash()
        } else {
            blake3_of(self.data_bytes())
        }
    }

    /// Returns a copy whose data is replaced by the redaction marker. In format 2 the marker
    /// keeps the non-personal part and the commitment to the personal part (checkable), and
    /// the nonce goes; in format 1 it keeps `kept_v1`, a scrubbed copy that cannot be checked.
    pub fn redacted(
        &self,
        at: Timestamp,
        by: &str,
        reason: &str,
        kept_v1: Option<&Value>,
    ) -> Result<RecordedEvent, RecordError> {
        if self.is_redacted() {
            return Ok(self.clone());
        }
        let mut inner = serde_json::json!({"at": at.to_string(), "by": by, "reason": reason});
        if self.format() == FORMAT_1 {
            if let (Some(kept), Some(map)) = (kept_v1, inner.as_object_mut()) {
                map.insert("kept".into(), kept.clone());
            }
        } else {
            let data = self.data_value()?;
            let map = data.as_object().ok_or_else(|| {
                RecordError(format!("data of seq {} is not an object", self.seq()))
            })?;
            let personal = self.personal();
            let nonce = self
                .nonce()
                .ok_or_else(|| RecordError(format!("seq {} has no nonce", self.seq())))?;
            let (_, private) = parts(map, &personal).map_err(RecordError)?;
            let commitment = personal_commitment(&nonce, &private);
            let kept: serde_json::Map<String, Value> = map
                .iter()
                .filter(|(k, _)| !personal.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if let Some(m) = inner.as_object_mut() {
                m.insert("kept".into(), Value::Object(kept));
                m.insert("personal_hash".into(), Value::String(hex(&commitment)));
            }
        }
        let marker = canonical::to_vec(&serde_json::json!({ "$redacted": inner }))
            .map_err(|e| RecordError(e.to_string()))?;
        let mut env = self.envelope();
        env.data = &marker;
        env.redacted = true;
        env.nonce = None;
        RecordedEvent::from_bytes(env.encode(&self.hash()))
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

/// Parses one exported line into a stored record, checking its form, every envelope rule
/// ([`check_fields`]), `data` against `data_hash` and its own `hash`. It does not check the
/// chain link to the previous line.
pub fn parse_line(line: &[u8]) -> Result<RecordedEvent, LineError> {
    let err = |m: String| LineError(m);
    let value: Value =
        serde_json::from_slice(line).map_err(|e| err(format!("not valid JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| err("expected a JSON object".into()))?;
    let format = match obj.get("format") {
        None => FORMAT_1,
        Some(v) => match v.as_u64() {
            Some(2) => FORMAT_2,
            _ => {
                return Err(err(format!(
                    "field `format`: expected 2 (or no field, for format 1), got {v}"
                )))
            }
        },
    };
    const FIELDS_1: [&str; 15] = [
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
        let v2_only = matches!(key.as_str(), "format" | "personal" | "nonce");
        if !(FIELDS_1.contains(&key.as_str()) || (v2_only && format == FORMAT_2)) {
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
    if !data_value.is_object() {
        return Err(err("field `data`: expected a JSON object".into()));
    }
    let data = canonical::to_vec(data_value).map_err(|e| err(format!("field `data`: {e}")))?;
    let redacted = is_redaction_marker(data_value);
    let mut personal = Vec::new();
    let mut nonce = None;
    if format == FORMAT_2 {
        let list = field("personal")?
            .as_array()
            .ok_or_else(|| err("field `personal`: expected a list of key names".into()))?;
        for key in list {
            personal.push(
                key.as_str()
                    .ok_or_else(|| err("field `personal`: expected a list of key names".into()))?,
            );
        }
        let n = field("nonce")?;
        if !n.is_null() {
            nonce = Some(n.as_str().and_then(parse_hex16).ok_or_else(|| {
                err("field `nonce`: expected 32 lowercase hex digits or null".into())
            })?);
        }
    }
    let env = Envelope {
        format,
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
        personal,
        data: &data,
        nonce,
        redacted,
        data_hash: hash("data_hash")?,
        prev_hash: hash("prev_hash")?,
    };
    if env.seq == 0 || env.version == 0 {
        return Err(err("fields `seq` and `version` start at 1".into()));
    }
    check_fields(&env).map_err(|e| err(format!("field `{}`: {}", e.field, e.message)))?;
    let stored_hash = hash("hash")?;
    if env.to_line(&stored_hash) != line {
        return Err(err("not in canonical form (field order, spacing or escaping differs from what baton writes)".into()));
    }
    env.check_data()
        .map_err(|e| err(format!("seq {}: {e}", env.seq)))?;
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
            format: FORMAT_1,
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
            personal: vec![],
            data,
            nonce: None,
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
        let red = ev
            .redacted(Timestamp::from_micros(0), "admin", "erasure request", None)
            .unwrap();
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
