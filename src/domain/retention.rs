//! The retention (forgetting) sub-model of MODEL.md §1.
//!
//! Retention follows Wickelgren's power law `R(t) = m · (1 + h·t)^(−f)`, not an exponential:
//! Ebbinghaus's own savings table is fitted within three points by a power law and missed by
//! more than ten points by the best single exponential (both are tested below).
//!
//! # Parameter sets
//!
//! - [`NONSENSE`]: nonsense syllables, `t` in **minutes**, fitted (minimax) to Ebbinghaus
//!   (1885): `m = 1`, `h = 3.70 /min`, `f = 0.1374`; worst error 2.95 points (at 20, 64 and
//!   1 440 min, with alternating signs).
//! - [`skill`]: trained skills, `t` in **days**, with the half-lives of Tatel & Ackerman
//!   (Psychological Bulletin, doi 10.1037/bul0000481): half the acquisition gains are lost after
//!   6.5 months (accuracy measures), 11 months (mixed), 13 months (speed). A month is 30.44 days.
//!   The exponent `f = 0.5` is an **assumption** (no source pins it; it gives the long tail Arthur
//!   et al. 1998 describe); `h` is then chosen so that `R(half-life) = 0.5`.
//!
//! # Practice (assumption)
//!
//! A [`MemoryTrace`] starts at training (`R = 1`). Each practice or refresher on a **later day**
//! than the previous exposure restores retention to 1 and multiplies `h` by
//! [`STABILITY_GAIN`] = 0.8 (decay slows by 20 % per spaced exposure), never below
//! [`MIN_H_FACTOR`] = 0.2 of the starting `h`. Exposures on the same day count once: massed
//! practice gives no extra stability, spaced practice does (Latimier et al. 2021, g = 0.74). The
//! gain does not depend on the gap, so expanding schedules get no bonus over uniform ones
//! (Latimier et al. 2021). The 0.8 and 0.2 are **assumptions**, exposed as constants.

use serde::Serialize;

/// Wickelgren's power law `m · (1 + h·t)^(−f)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PowerLaw {
    /// Retention at `t = 0`.
    pub m: f64,
    /// Time scale, per unit of `t`.
    pub h: f64,
    /// Decay exponent.
    pub f: f64,
}

impl PowerLaw {
    /// Retention after `t` units (`t` below 0 counts as 0).
    pub fn retention(&self, t: f64) -> f64 {
        self.m * (1.0 + self.h * t.max(0.0)).powf(-self.f)
    }

    /// A curve with `m = 1` that halves after `half_life` units.
    pub fn with_half_life(half_life: f64, f: f64) -> PowerLaw {
        PowerLaw {
            m: 1.0,
            h: (2f64.powf(1.0 / f) - 1.0) / half_life,
            f,
        }
    }

    /// The time after which retention is half of `m`.
    pub fn half_life(&self) -> f64 {
        (2f64.powf(1.0 / self.f) - 1.0) / self.h
    }
}

/// Nonsense syllables, `t` in minutes, fitted to Ebbinghaus's savings table.
pub const NONSENSE: PowerLaw = PowerLaw {
    m: 1.0,
    h: 3.70,
    f: 0.1374,
};

/// Ebbinghaus (1885), savings after relearning: (minutes, savings %).
pub const EBBINGHAUS: [(f64, f64); 7] = [
    (20.0, 58.2),
    (64.0, 44.2),
    (526.0, 35.8),
    (1440.0, 33.7),
    (2880.0, 27.8),
    (8640.0, 25.4),
    (44640.0, 21.1),
];

/// Days per month used to convert half-lives.
pub const DAYS_PER_MONTH: f64 = 30.44;

/// The decay exponent assumed for skills.
pub const SKILL_EXPONENT: f64 = 0.5;

/// Factor applied to `h` at each spaced exposure (assumption).
pub const STABILITY_GAIN: f64 = 0.8;

/// Floor of `h` as a share of its starting value (assumption).
pub const MIN_H_FACTOR: f64 = 0.2;

/// How a skill's proficiency is measured, which sets its half-life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkillMeasure {
    /// Accuracy measures: half-life 6.5 months.
    Accuracy,
    /// Mixed measures: half-life 11 months (the default for program skills).
    Mixed,
    /// Speed measures: half-life 13 months.
    Speed,
}

impl SkillMeasure {
    /// Half-life in months.
    pub fn half_life_months(self) -> f64 {
        match self {
            SkillMeasure::Accuracy => 6.5,
            SkillMeasure::Mixed => 11.0,
            SkillMeasure::Speed => 13.0,
        }
    }
}

/// The curve for a skill, `t` in days.
pub fn skill(measure: SkillMeasure) -> PowerLaw {
    PowerLaw::with_half_life(measure.half_life_months() * DAYS_PER_MONTH, SKILL_EXPONENT)
}

/// Ebbinghaus's own fitted formula, `b = 100k / ((log10 t)^c + k)`, k = 1.84, c = 1.25.
pub fn ebbinghaus_formula(minutes: f64) -> f64 {
    let k = 1.84;
    100.0 * k / (minutes.log10().powf(1.25) + k)
}

/// One row of the calibration table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CalibrationRow {
    /// Minutes since learning.
    pub minutes: f64,
    /// Ebbinghaus's observed savings, %.
    pub observed: f64,
    /// The model's savings, %.
    pub model: f64,
    /// Ebbinghaus's own formula, %.
    pub formula: f64,
}

/// The calibration table: Ebbinghaus's observations against the model (for printing).
pub fn calibration_table() -> Vec<CalibrationRow> {
    EBBINGHAUS
        .iter()
        .map(|&(minutes, observed)| CalibrationRow {
            minutes,
            observed,
            model: 100.0 * NONSENSE.retention(minutes),
            formula: ebbinghaus_formula(minutes),
        })
        .collect()
}

/// One point of the skill curves: retention of each measure after `months` without practice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SkillCurvePoint {
    /// Months without practice.
    pub months: f64,
    /// Accuracy measures, share of gains kept.
    pub accuracy: f64,
    /// Mixed measures.
    pub mixed: f64,
    /// Speed measures.
    pub speed: f64,
}

/// The skill curves at the given months (for printing).
pub fn skill_curves(months: &[f64]) -> Vec<SkillCurvePoint> {
    let at = |m: SkillMeasure, months: f64| skill(m).retention(months * DAYS_PER_MONTH);
    months
        .iter()
        .map(|&mo| SkillCurvePoint {
            months: mo,
            accuracy: at(SkillMeasure::Accuracy, mo),
            mixed: at(SkillMeasure::Mixed, mo),
            speed: at(SkillMeasure::Speed, mo),
        })
        .collect()
}

/// A person's memory of one skill: when it was last exercised and how fast it decays now.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MemoryTrace {
    /// The starting curve.
    pub base: PowerLaw,
    /// The current time scale (slower after spaced practice).
    pub h: f64,
    /// The day (any origin, in days) of the last exposure.
    pub last_day: f64,
    /// How many spaced exposures since training.
    pub exposures: u32,
}

impl MemoryTrace {
    /// A trace trained on `day`.
    pub fn trained(base: PowerLaw, day: f64) -> MemoryTrace {
        MemoryTrace {
            base,
            h: base.h,
            last_day: day,
            exposures: 0,
        }
    }

    /// Records practice (or a refresher) on `day`. Returns whether it counted as spaced.
    pub fn practise(&mut self, day: f64) -> bool {
        if day <= self.last_day {
            return false;
        }
        self.h = (self.h * STABILITY_GAIN).max(self.base.h * MIN_H_FACTOR);
        self.last_day = day;
        self.exposures += 1;
        true
    }

    /// Retention on `day` (1 right after the last exposure).
    pub fn retention(&self, day: f64) -> f64 {
        PowerLaw {
            h: self.h,
            ..self.base
        }
        .retention(day - self.last_day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonsense_set_reproduces_ebbinghaus_within_three_points() {
        for row in calibration_table() {
            assert!((row.model - row.observed).abs() <= 3.0, "{row:?}");
            // His own formula is within 3.5 points of his table too (sanity of the transcription).
            assert!((row.formula - row.observed).abs() <= 3.5, "{row:?}");
        }
    }

    #[test]
    fn no_single_exponential_fits_the_table() {
        // Grid over a·e^(−k·t): the best worst-case error stays above 10 points.
        let mut best = f64::MAX;
        for a in 20..=120 {
            for i in 0..300 {
                let k = 10f64.powf(-6.0 + i as f64 * 0.02);
                let worst = EBBINGHAUS
                    .iter()
                    .map(|&(t, y)| (a as f64 * (-k * t).exp() - y).abs())
                    .fold(0.0, f64::max);
                best = best.min(worst);
            }
        }
        assert!(best > 10.0, "an exponential fitted within {best}");
    }

    #[test]
    fn skill_half_lives_are_6_5_11_and_13_months() {
        for (measure, months) in [
            (SkillMeasure::Accuracy, 6.5),
            (SkillMeasure::Mixed, 11.0),
            (SkillMeasure::Speed, 13.0),
        ] {
            let c = skill(measure);
            assert!(
                (c.retention(months * DAYS_PER_MONTH) - 0.5).abs() < 1e-9,
                "{measure:?}"
            );
            assert!((c.half_life() - months * DAYS_PER_MONTH).abs() < 1e-9);
            assert!(c.retention(0.0) == 1.0);
        }
        let p = skill_curves(&[6.5]);
        assert!(p[0].accuracy < p[0].mixed && p[0].mixed < p[0].speed);
    }

    #[test]
    fn spaced_practice_restores_and_slows_decay_massed_does_not() {
        let base = skill(SkillMeasure::Mixed);
        let never = MemoryTrace::trained(base, 0.0);
        let mut spaced = MemoryTrace::trained(base, 0.0);
        assert!(spaced.practise(30.0));
        assert!(spaced.practise(60.0));
        let mut massed = MemoryTrace::trained(base, 0.0);
        assert!(massed.practise(60.0));
        assert!(
            !massed.practise(60.0),
            "a second exposure the same day does not count"
        );
        // Right after practice, retention is restored.
        assert_eq!(spaced.retention(60.0), 1.0);
        // 180 days later, the spaced trace keeps more than the massed one, which keeps more
        // than no practice at all (counted from day 0).
        let (s, m, n) = (
            spaced.retention(240.0),
            massed.retention(240.0),
            never.retention(240.0),
        );
        assert!(s > m && m > n, "{s} {m} {n}");
        // By hand: h0 = (2^2 − 1)/(11 × 30.44) = 3/334.84; two spaced exposures: h = 0.64·h0;
        // R = (1 + 0.64·h0·180)^(−1/2).
        let h0 = 3.0 / (11.0 * DAYS_PER_MONTH);
        assert!((s - (1.0 + 0.64 * h0 * 180.0).powf(-0.5)).abs() < 1e-12);
        // The floor: many exposures never make h smaller than 0.2·h0.
        let mut t = MemoryTrace::trained(base, 0.0);
        for d in 1..100 {
            t.practise(d as f64);
        }
        assert!((t.h - 0.2 * h0).abs() < 1e-12);
    }

    proptest::proptest! {
        /// Retention starts at 1, never rises without practice, and practice never lowers it.
        #[test]
        fn retention_is_monotone(t1 in 0.0f64..2000.0, dt in 0.0f64..2000.0, gap in 1.0f64..400.0) {
            let c = skill(SkillMeasure::Accuracy);
            proptest::prop_assert!(c.retention(t1) >= c.retention(t1 + dt));
            proptest::prop_assert!(c.retention(t1) <= 1.0 && c.retention(t1) > 0.0);
            let plain = MemoryTrace::trained(c, 0.0);
            let mut practised = plain;
            practised.practise(gap);
            proptest::prop_assert!(practised.retention(gap + t1) >= plain.retention(gap + t1));
        }
    }
}
