//! Time as the event log sees it: UTC instants with microsecond precision.
//!
//! Every time in the log is written as RFC 3339 in UTC with exactly six fractional digits and a
//! `Z` suffix (`2026-03-01T09:30:00.000000Z`). [`Timestamp`] enforces that precision on
//! construction so that a value read back from the log compares equal to the value written.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant truncated to whole microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// Why a string is not a valid log timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp {value:?}: expected RFC 3339 in UTC with six fractional digits, like 2026-03-01T09:30:00.000000Z")]
pub struct TimestampError {
    /// The text that was rejected.
    pub value: String,
}

impl Timestamp {
    /// The Unix epoch, used as a floor.
    pub const EPOCH: Timestamp = Timestamp(DateTime::<Utc>::UNIX_EPOCH);

    /// Builds a timestamp from a chrono instant, dropping anything finer than a microsecond.
    pub fn from_datetime(dt: DateTime<Utc>) -> Timestamp {
        let micros = dt.timestamp_micros();
        Timestamp::from_micros(micros)
    }

    /// Builds a timestamp from microseconds since the Unix epoch.
    pub fn from_micros(micros: i64) -> Timestamp {
        Timestamp(
            DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        )
    }

    /// Microseconds since the Unix epoch.
    pub fn as_micros(self) -> i64 {
        self.0.timestamp_micros()
    }

    /// The chrono instant.
    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// Builds a timestamp for a calendar date and time in UTC. Returns `None` for an invalid date.
    pub fn from_ymd_hms(y: i32, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Option<Timestamp> {
        Utc.with_ymd_and_hms(y, m, d, hh, mm, ss)
            .single()
            .map(Timestamp::from_datetime)
    }

    /// Parses the strict log format (`YYYY-MM-DDTHH:MM:SS.ffffffZ`).
    pub fn parse_strict(s: &str) -> Result<Timestamp, TimestampError> {
        let err = || TimestampError {
            value: s.to_string(),
        };
        // Fixed positions, every digit checked, the date and time checked by chrono: so only
        // the canonical form is accepted (what `Display` writes), without formatting it back.
        // Why by hand: checkpoints hold millions of timestamps, and a format-string parse
        // followed by a round trip through `Display` was a tenth of reading one.
        let b = s.as_bytes();
        if b.len() != 27 {
            return Err(err());
        }
        let digits = |from: usize, to: usize| -> Option<u32> {
            b[from..to].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let separators = [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (26, b'Z'),
        ];
        if separators.iter().any(|&(i, c)| b[i] != c) {
            return Err(err());
        }
        let field = |from, to| digits(from, to).ok_or_else(err);
        let date = NaiveDate::from_ymd_opt(field(0, 4)? as i32, field(5, 7)?, field(8, 10)?)
            .ok_or_else(err)?;
        let time = NaiveTime::from_hms_micro_opt(
            field(11, 13)?,
            field(14, 16)?,
            field(17, 19)?,
            field(20, 26)?,
        )
        .ok_or_else(err)?;
        Ok(Timestamp::from_datetime(
            NaiveDateTime::new(date, time).and_utc(),
        ))
    }

    /// Parses any RFC 3339 instant (any offset, any precision) and truncates it to microseconds.
    pub fn parse_lenient(s: &str) -> Result<Timestamp, TimestampError> {
        DateTime::parse_from_rfc3339(s)
            .map(|dt| Timestamp::from_datetime(dt.with_timezone(&Utc)))
            .map_err(|_| TimestampError {
                value: s.to_string(),
            })
    }

    /// Adds microseconds (negative to go back).
    pub fn plus_micros(self, micros: i64) -> Timestamp {
        Timestamp::from_micros(self.as_micros().saturating_add(micros))
    }

    /// Adds whole seconds (negative to go back).
    pub fn plus_seconds(self, secs: i64) -> Timestamp {
        Timestamp::from_micros(
            self.as_micros()
                .saturating_add(secs.saturating_mul(1_000_000)),
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Micros, true))
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_strict(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor, so that a string borrowed from the input is parsed where it lies.
        struct Strict;
        impl serde::de::Visitor<'_> for Strict {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp YYYY-MM-DDTHH:MM:SS.ffffffZ")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
                Timestamp::parse_strict(s).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Strict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parse this one replaced: chrono's format-string parse, then the round trip through
    /// `Display` that kept only the canonical form.
    fn reference(s: &str) -> Option<Timestamp> {
        if s.len() != 27 || !s.ends_with('Z') || s.as_bytes()[19] != b'.' {
            return None;
        }
        let naive = NaiveDateTime::parse_from_str(s.get(..26)?, "%Y-%m-%dT%H:%M:%S%.6f").ok()?;
        let ts = Timestamp::from_datetime(naive.and_utc());
        (ts.to_string() == s).then_some(ts)
    }

    #[test]
    fn the_strict_parse_accepts_exactly_what_the_reference_accepts() {
        let mut cases: Vec<String> = vec![
            "2026-03-01T09:30:00.000000Z".into(),
            "2024-02-29T23:59:59.999999Z".into(),
            "2025-02-29T12:00:00.000000Z".into(),
            "0000-01-01T00:00:00.000000Z".into(),
            "9999-12-31T23:59:59.999999Z".into(),
            "2026-13-01T00:00:00.000000Z".into(),
            "2026-00-10T00:00:00.000000Z".into(),
            "2026-01-32T00:00:00.000000Z".into(),
            "2026-01-01T24:00:00.000000Z".into(),
            "2026-01-01T23:60:00.000000Z".into(),
            "2026-01-01T23:59:60.000000Z".into(),
            "2026-01-01 23:59:59.000000Z".into(),
            "2026-01-01T23:59:59,000000Z".into(),
            "2026-01-01T23:59:59.000000z".into(),
            "+026-01-01T23:59:59.000000Z".into(),
            "2026-01-01T23:59:59.00000+Z".into(),
            "2026-1-01T23:59:59.0000000Z".into(),
            "2026-01-01T23:59:59.000000".into(),
            "2026-01-01T23:59:59.0000000Z".into(),
            "2026-01-01T23:59:59.00000éZ".into(),
            "".into(),
        ];
        // Every single-byte change of a valid stamp, to printable ASCII.
        let valid = b"2026-07-15T08:05:09.012345Z";
        for i in 0..valid.len() {
            for c in [
                b'0', b'5', b'9', b'-', b':', b'.', b'T', b'Z', b' ', b'a', b'+',
            ] {
                let mut v = valid.to_vec();
                v[i] = c;
                cases.push(String::from_utf8(v).unwrap());
            }
        }
        for case in &cases {
            assert_eq!(
                Timestamp::parse_strict(case).ok(),
                reference(case),
                "{case:?}"
            );
        }
    }

    #[test]
    fn a_timestamp_deserializes_from_borrowed_and_escaped_strings() {
        let ts: Timestamp = serde_json::from_str("\"2026-03-01T09:30:00.000000Z\"").unwrap();
        assert_eq!(ts, Timestamp::from_ymd_hms(2026, 3, 1, 9, 30, 0).unwrap());
        let escaped: Timestamp =
            serde_json::from_str("\"2026-03-01T09:30:00.000000\\u005a\"").unwrap();
        assert_eq!(escaped, ts);
        let value = serde_json::json!("2026-03-01T09:30:00.000000Z");
        assert_eq!(serde_json::from_value::<Timestamp>(value).unwrap(), ts);
        let err = serde_json::from_str::<Timestamp>("\"2026-03-01\"").unwrap_err();
        assert!(err.to_string().contains("2026-03-01"), "{err}");
        assert!(serde_json::from_str::<Timestamp>("17").is_err());
    }

    #[test]
    fn formats_with_six_digits_and_z() {
        let ts = Timestamp::from_ymd_hms(2026, 3, 1, 9, 30, 0).unwrap();
        assert_eq!(ts.to_string(), "2026-03-01T09:30:00.000000Z");
        assert_eq!(
            Timestamp::parse_strict("2026-03-01T09:30:00.000000Z").unwrap(),
            ts
        );
    }

    #[test]
    fn strict_parse_rejects_other_shapes() {
        for bad in [
            "2026-03-01T09:30:00Z",
            "2026-03-01T09:30:00.000000+00:00",
            "2026-03-01",
            "x",
        ] {
            assert!(Timestamp::parse_strict(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn truncates_to_microseconds() {
        let ts = Timestamp::parse_lenient("2026-03-01T10:30:00.1234567+01:00").unwrap();
        assert_eq!(ts.to_string(), "2026-03-01T09:30:00.123456Z");
    }
}
