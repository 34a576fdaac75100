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

/// Minutes of practice that restore retention fully (assumption): a shorter practice restores
/// a proportional share of what was lost, and earns a proportional share of the spacing gain.
pub const FULL_DOSE_MINUTES: f64 = 60.0;

/// Cepeda et al. (2008): the optimal gap between study sessions is about 20–40 % of a one-week
/// retention interval (middle: 30 %) ...
pub const OPTIMAL_GAP_SHARE_WEEK: f64 = 0.30;

/// ... and about 5–10 % of a one-year retention interval (middle: 7.5 %).
pub const OPTIMAL_GAP_SHARE_YEAR: f64 = 0.075;

/// The optimal gap (days) for a retention interval (days): the share of the interval moves
/// linearly in log(interval) from 30 % at 7 days to 7.5 % at 365 days (Cepeda et al. 2008),
/// held flat outside that range.
pub fn optimal_gap_days(interval_days: f64) -> f64 {
    let (lo, hi) = (7f64.ln(), 365f64.ln());
    let x = ((interval_days.max(1.0).ln() - lo) / (hi - lo)).clamp(0.0, 1.0);
    let share = OPTIMAL_GAP_SHARE_WEEK + (OPTIMAL_GAP_SHARE_YEAR - OPTIMAL_GAP_SHARE_WEEK) * x;
    share * interval_days.max(1.0)
}

/// A person's memory of one skill under the mended practice model: the spacing gain depends on
/// the gap (relative to the retention interval) and the dose, and a short practice restores
/// only part of what was lost.
///
/// At an exposure of `minutes` on `day`, with `dose = min(1, minutes / 60)` and
/// `spacing = min(1, gap / optimal_gap_days(interval))`:
/// the retention restarts from `r + (1 − r)·dose` (r: retention just before), and `h` is
/// multiplied by `1 − (1 − STABILITY_GAIN)·spacing·dose`, never below `MIN_H_FACTOR` of its
/// start. Eight exposures in one week thus earn far less stability than eight monthly ones,
/// while an expanding schedule earns nothing beyond what each of its gaps earns (Latimier et
/// al. 2021).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SpacedTrace {
    /// The starting curve.
    pub base: PowerLaw,
    /// The current time scale.
    pub h: f64,
    /// Retention right after the last exposure.
    pub m: f64,
    /// The day of the last exposure.
    pub last_day: f64,
    /// The retention interval spacing is judged against, in days.
    pub interval_days: f64,
}

impl SpacedTrace {
    /// A trace trained (fully) on `day`.
    pub fn trained(base: PowerLaw, day: f64, interval_days: f64) -> SpacedTrace {
        SpacedTrace {
            base,
            h: base.h,
            m: base.m,
            last_day: day,
            interval_days,
        }
    }

    /// Records an exposure of `minutes` on `day` (a day before the last one counts as that day).
    pub fn expose(&mut self, day: f64, minutes: f64) {
        let day = day.max(self.last_day);
        let r = self.retention(day);
        let dose = (minutes / FULL_DOSE_MINUTES).clamp(0.0, 1.0);
        let spacing = ((day - self.last_day) / optimal_gap_days(self.interval_days)).min(1.0);
        let gain = 1.0 - (1.0 - STABILITY_GAIN) * spacing * dose;
        self.h = (self.h * gain).max(self.base.h * MIN_H_FACTOR);
        self.m = r + (self.base.m - r) * dose;
        self.last_day = day;
    }

    /// Retention on `day`.
    pub fn retention(&self, day: f64) -> f64 {
        PowerLaw {
            m: self.m,
            h: self.h,
            f: self.base.f,
        }
        .retention(day - self.last_day)
    }
}

/// The level kept after forgetting: the published half-lives are for the *gains* of training,
/// so a level decays toward the level held before training, never toward 0.
pub fn retained_level(before: f64, trained: f64, retention: f64) -> f64 {
    before + (trained - before).max(0.0) * retention
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

    #[test]
    fn spaced_trace_gap_and_dose_matter() {
        let base = skill(SkillMeasure::Mixed);
        let read = 7.0 * 8.0 + 182.0;
        // Eight one-hour exposures in one week against eight monthly ones (after training).
        let mut massed = SpacedTrace::trained(base, 0.0, 182.0);
        let mut spaced = SpacedTrace::trained(base, 0.0, 182.0);
        for i in 1..=8 {
            massed.expose(i as f64 * 0.875, 60.0);
            spaced.expose(i as f64 * 30.0, 60.0);
        }
        // Read both 182 days after their last exposure.
        let (m, s) = (
            massed.retention(massed.last_day + 182.0),
            spaced.retention(spaced.last_day + 182.0),
        );
        assert!(s > m + 0.05, "spaced {s} massed {m} ({read})");
        // A one-minute practice restores a sixtieth of what was lost, a one-hour one all of it.
        let mut short = SpacedTrace::trained(base, 0.0, 182.0);
        let before = short.retention(100.0);
        short.expose(100.0, 1.0);
        assert!((short.retention(100.0) - (before + (1.0 - before) / 60.0)).abs() < 1e-12);
        let mut long = SpacedTrace::trained(base, 0.0, 182.0);
        long.expose(100.0, 60.0);
        assert_eq!(long.retention(100.0), 1.0);
        // Same-day exposures earn no stability.
        let mut same = SpacedTrace::trained(base, 5.0, 182.0);
        same.expose(5.0, 60.0);
        assert_eq!(same.h, base.h);
        // The optimal gap follows Cepeda et al.: 30 % of a week, 7.5 % of a year.
        assert!((optimal_gap_days(7.0) - 2.1).abs() < 1e-9);
        assert!((optimal_gap_days(365.0) - 27.375).abs() < 1e-9);
    }

    #[test]
    fn a_level_decays_toward_the_level_before_training() {
        // A level-4 person trained from level 2 keeps at least 2 whatever the delay.
        let r = skill(SkillMeasure::Mixed).retention(11.0 * DAYS_PER_MONTH);
        assert!((retained_level(2.0, 4.0, r) - 3.0).abs() < 1e-9);
        assert_eq!(retained_level(2.0, 4.0, 0.0), 2.0);
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
