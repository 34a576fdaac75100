//! Time as the event log sees it: UTC instants with microsecond precision.
//!
//! Every time in the log is written as RFC 3339 in UTC with exactly six fractional digits and a
//! `Z` suffix (`2026-03-01T09:30:00.000000Z`). [`Timestamp`] enforces that precision on
//! construction so that a value read back from the log compares equal to the value written.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
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
        if s.len() != 27 || !s.ends_with('Z') || s.as_bytes()[19] != b'.' {
            return Err(err());
        }
        let naive =
            NaiveDateTime::parse_from_str(&s[..26], "%Y-%m-%dT%H:%M:%S%.6f").map_err(|_| err())?;
        let ts = Timestamp::from_datetime(naive.and_utc());
        if ts.to_string() != s {
            return Err(err());
        }
        Ok(ts)
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
        let s = String::deserialize(deserializer)?;
        Timestamp::parse_strict(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
