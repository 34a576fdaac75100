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
//! A [`SpacedTrace`] is one person's memory of one skill. It starts at training (`R = 1`). At
//! each later exposure (a session, a practice, a refresher) of `minutes` on a day, with
//! `dose = min(1, minutes / 60)` ([`FULL_DOSE_MINUTES`]) and `spacing = min(1, gap /
//! optimal_gap_days(interval))` (the gap since the last exposure against the optimal gap of
//! Cepeda et al. 2008 for the retention interval), retention restarts from `r + (1 − r)·dose`
//! and `h` is multiplied by `1 − (1 − STABILITY_GAIN)·spacing·dose`, never below
//! [`MIN_H_FACTOR`] of its start. Exposures on one day count as one exposure of their total
//! minutes. Each gap earns its own gain, so expanding schedules get no bonus over uniform ones
//! (Latimier et al. 2021). The 60 minutes, 0.8 and 0.2 are **assumptions**, exposed as
//! constants.
//!
//! A level decays toward the level held **before training**, not toward 0
//! ([`retained_level`]): the published half-lives are for the gains of training.
//!
//! # One model
//!
//! The dashboard, the risk view and the simulator all read retention with [`program_skill`]
//! (skills carry no measure type yet: mixed measures, half-life 11 months), a [`SpacedTrace`]
//! judged against [`RETENTION_INTERVAL_DAYS`] (the simulator's `retention.interval_days`
//! defaults to it) and [`retained_level`].

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
        let x = 1.0 + self.h * t.max(0.0);
        // The skill exponent ½ in closed form: a square root costs far less than `powf`, which
        // was the simulator's hottest call.
        if self.f == 0.5 {
            self.m / x.sqrt()
        } else {
            self.m * x.powf(-self.f)
        }
    }

    /// The time at which retention is `r` (`0 < r ≤ m`): the inverse of [`PowerLaw::retention`].
    pub fn time_to(&self, r: f64) -> f64 {
        let q = r / self.m;
        let x = if self.f == 0.5 {
            1.0 / (q * q)
        } else {
            q.powf(-1.0 / self.f)
        };
        ((x - 1.0) / self.h).max(0.0)
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

/// A person's memory of one skill: the spacing gain depends on the gap (relative to the
/// retention interval) and the dose, and a short practice restores only part of what was lost.
///
/// At an exposure of `minutes` on `day`, with `dose = min(1, minutes / 60)` and
/// `spacing = min(1, gap / optimal_gap_days(interval))`: `h` is multiplied by
/// `1 − (1 − STABILITY_GAIN)·spacing·dose`, never below `MIN_H_FACTOR` of its start, and
/// retention rises from `r` (just before) to `r + (m − r)·dose`. Forgetting then goes on along
/// the new curve from the point where it has that retention: a full dose restarts the curve,
/// a partial one sets its clock back only part of the way, so that any practice leaves
/// retention at least as high, then and later, as no practice. Exposures on one day count as
/// one exposure of their total minutes, whatever their order. Eight exposures in one week thus
/// earn far less stability than eight monthly ones, while an expanding schedule earns nothing
/// beyond what each of its gaps earns (Latimier et al. 2021).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SpacedTrace {
    /// The starting curve.
    pub base: PowerLaw,
    /// The current time scale.
    pub h: f64,
    /// How far along the current curve (in days) the memory was right after the last
    /// exposure: 0 after a full dose.
    pub age: f64,
    /// The day of the last exposure.
    pub last_day: f64,
    /// The optimal gap (days) for the retention interval spacing is judged against
    /// ([`optimal_gap_days`], computed once at training).
    pub optimal_gap: f64,
    /// The state just before the exposures of `last_day` (`h`, retention, gap since the
    /// exposure before), so that another exposure that day is folded into one.
    day_start: (f64, f64, f64),
    /// Minutes of exposure on `last_day` (training counts as a full dose).
    day_minutes: f64,
}

impl SpacedTrace {
    /// A trace trained (fully) on `day`.
    pub fn trained(base: PowerLaw, day: f64, interval_days: f64) -> SpacedTrace {
        SpacedTrace {
            base,
            h: base.h,
            age: 0.0,
            last_day: day,
            optimal_gap: optimal_gap_days(interval_days),
            day_start: (base.h, base.m, 0.0),
            day_minutes: FULL_DOSE_MINUTES,
        }
    }

    /// Records an exposure of `minutes` on `day` (a day before the last one counts as that day;
    /// a second exposure on the same day adds its minutes to the first).
    pub fn expose(&mut self, day: f64, minutes: f64) {
        if day > self.last_day {
            self.day_start = (self.h, self.retention(day), day - self.last_day);
            self.day_minutes = 0.0;
            self.last_day = day;
        }
        self.day_minutes += minutes.max(0.0);
        let (h, r, gap) = self.day_start;
        let dose = (self.day_minutes / FULL_DOSE_MINUTES).min(1.0);
        let spacing = (gap / self.optimal_gap).min(1.0);
        let gain = 1.0 - (1.0 - STABILITY_GAIN) * spacing * dose;
        self.h = (h * gain).max(self.base.h * MIN_H_FACTOR);
        let restored = r + (self.base.m - r) * dose;
        // The age at which the new curve m·(1 + h·age)^(−f) has that retention.
        self.age = if dose >= 1.0 {
            0.0
        } else {
            self.curve().time_to(restored)
        };
    }

    /// Retention right after the last exposure.
    pub fn restored(&self) -> f64 {
        self.retention(self.last_day)
    }

    /// Retention on `day`.
    pub fn retention(&self, day: f64) -> f64 {
        self.curve()
            .retention(self.age + (day - self.last_day).max(0.0))
    }

    /// The current curve: the base with the current time scale.
    fn curve(&self) -> PowerLaw {
        PowerLaw {
            h: self.h,
            ..self.base
        }
    }
}

/// The curve of every program skill in the dashboard, the risk view and the simulator: skills
/// carry no measure type yet, so mixed measures (half-life 11 months).
pub fn program_skill() -> PowerLaw {
    skill(SkillMeasure::Mixed)
}

/// The retention interval (days) the dashboard and the risk view judge spacing against, and the
/// simulator's default: six months, the interval its report reads retention at (assumption).
pub const RETENTION_INTERVAL_DAYS: f64 = 182.0;

/// A trace of [`program_skill`] from dated exposures `(day, minutes)`, in any order: trained on
/// the first day, exposed on each later one (a day's exposures add up). `None` without any.
pub fn program_trace(exposures: impl IntoIterator<Item = (f64, f64)>) -> Option<SpacedTrace> {
    let mut days: Vec<(f64, f64)> = exposures.into_iter().collect();
    days.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (&(first, _), rest) = days.split_first()?;
    let mut trace = SpacedTrace::trained(program_skill(), first, RETENTION_INTERVAL_DAYS);
    for &(day, minutes) in rest {
        trace.expose(day, minutes);
    }
    Some(trace)
}

/// The level kept after forgetting: the published half-lives are for the *gains* of training,
/// so a level decays toward the level held before training, never toward 0.
/// A `before` above `trained` counts as `trained` (nothing was gained, nothing decays).
pub fn retained_level(before: f64, trained: f64, retention: f64) -> f64 {
    let before = before.min(trained);
    before + (trained - before) * retention
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

    /// h₀ of [`program_skill`]: (2² − 1) / (11 × 30.44) = 3 / 334.84 per day.
    fn h0() -> f64 {
        3.0 / (11.0 * DAYS_PER_MONTH)
    }

    #[test]
    fn spaced_practice_restores_and_slows_decay_massed_does_not() {
        let base = program_skill();
        let never = SpacedTrace::trained(base, 0.0, 182.0);
        let mut spaced = SpacedTrace::trained(base, 0.0, 182.0);
        spaced.expose(30.0, 60.0);
        spaced.expose(60.0, 60.0);
        let mut massed = SpacedTrace::trained(base, 0.0, 182.0);
        massed.expose(60.0, 60.0);
        massed.expose(60.0, 60.0);
        // Right after a full-dose practice, retention is restored.
        assert_eq!(spaced.retention(60.0), 1.0);
        // 180 days later, the spaced trace keeps more than the massed one, which keeps more
        // than no practice at all (counted from day 0).
        let (s, m, n) = (
            spaced.retention(240.0),
            massed.retention(240.0),
            never.retention(240.0),
        );
        assert!(s > m && m > n, "{s} {m} {n}");
        // By hand: the optimal gap for 182 days is 11.46 % of it, 20.86 days (below), so both
        // 30-day gaps earn the full gain: h = 0.8² · h₀; R = (1 + 0.64·h₀·180)^(−1/2).
        assert!((s - (1.0 + 0.64 * h0() * 180.0).powf(-0.5)).abs() < 1e-12);
        // The second exposure on day 60 adds nothing: the massed trace has h = 0.8·h₀.
        assert!((massed.h - 0.8 * h0()).abs() < 1e-15);
        // The floor: many exposures never make h smaller than 0.2·h₀.
        let mut t = SpacedTrace::trained(base, 0.0, 182.0);
        for d in 1..100 {
            t.expose(d as f64 * 30.0, 60.0);
        }
        assert!((t.h - 0.2 * h0()).abs() < 1e-15);
    }

    #[test]
    fn eight_sessions_in_one_week_give_less_stability_than_eight_monthly_refreshers() {
        // Flaw (b) of the old model: every later exposure multiplied h by 0.8 whatever the gap.
        let base = program_skill();
        let mut week = SpacedTrace::trained(base, 0.0, 182.0);
        let mut monthly = SpacedTrace::trained(base, 0.0, 182.0);
        for i in 1..=8 {
            week.expose(i as f64 * 0.875, 60.0);
            monthly.expose(i as f64 * 30.0, 60.0);
        }
        // By hand: a 0.875-day gap is 0.875 / 20.857 = 0.04195 of the optimal gap, so each of
        // the week's exposures multiplies h by 1 − 0.2 × 0.04195 = 0.99161: h = 0.99161⁸·h₀ =
        // 0.9348·h₀. Each monthly gap is past the optimal gap: h = 0.8⁸·h₀ = 0.1678·h₀, floored
        // at 0.2·h₀.
        let gap = optimal_gap_days(182.0);
        assert!((gap - 20.857).abs() < 1e-3, "{gap}");
        let step = 1.0 - 0.2 * (0.875 / gap);
        assert!((week.h - step.powi(8) * h0()).abs() < 1e-15);
        assert!((week.h / h0() - 0.9348).abs() < 1e-4);
        assert!((monthly.h - 0.2 * h0()).abs() < 1e-15);
        // Read 182 days after each one's last exposure: (1 + 0.9348·h₀·182)^(−½) = 0.6294
        // against (1 + 0.2·h₀·182)^(−½) = 0.8684.
        let (w, m) = (
            week.retention(week.last_day + 182.0),
            monthly.retention(monthly.last_day + 182.0),
        );
        assert!(
            (w - 0.6294).abs() < 1e-4 && (m - 0.8684).abs() < 1e-4,
            "{w} {m}"
        );
    }

    #[test]
    fn a_one_minute_practice_restores_less_than_a_sixty_minute_one() {
        // Flaw (c) of the old model: any practice restored retention to 1.
        let base = program_skill();
        let (mut short, mut long) = (
            SpacedTrace::trained(base, 0.0, 182.0),
            SpacedTrace::trained(base, 0.0, 182.0),
        );
        // 100 days after training: r = (1 + 100·h₀)^(−½) = (1.89595)^(−½) = 0.72625.
        let r = short.retention(100.0);
        assert!((r - 0.72625).abs() < 1e-5, "{r}");
        short.expose(100.0, 1.0);
        long.expose(100.0, 60.0);
        // One minute restores a sixtieth of what was lost: 0.72625 + 0.27375 / 60 = 0.73081;
        // an hour restores all of it.
        assert!((short.retention(100.0) - (r + (1.0 - r) / 60.0)).abs() < 1e-12);
        assert_eq!(long.retention(100.0), 1.0);
        // And it earns a sixtieth of the spacing gain: h = (1 − 0.2/60)·h₀ against 0.8·h₀.
        assert!((short.h - (1.0 - 0.2 / 60.0) * h0()).abs() < 1e-15);
        assert!((long.h - 0.8 * h0()).abs() < 1e-15);
        // Later, forgetting goes on from where the short practice left the curve (its clock
        // set back to the age where (1 + 0.99667·h₀·age)^(−½) = 0.73081: 97.69 days), not from
        // a fresh start: on day 335 it keeps (1 + 0.99667·h₀·(97.69 + 235))^(−½) = 0.5018,
        // a little more than no practice, (1 + 335·h₀)^(−½) = 0.4999, and the hour keeps
        // (1 + 0.8·h₀·235)^(−½) = 0.6103.
        assert!((short.age - 97.692).abs() < 1e-3, "{}", short.age);
        let never = SpacedTrace::trained(base, 0.0, 182.0);
        let (s, n, l) = (
            short.retention(335.0),
            never.retention(335.0),
            long.retention(335.0),
        );
        assert!(
            (s - 0.5018).abs() < 1e-4 && (n - 0.4999).abs() < 1e-4,
            "{s} {n}"
        );
        assert!((l - 0.6103).abs() < 1e-4, "{l}");
    }

    #[test]
    fn the_square_root_form_agrees_with_the_general_power() {
        let c = program_skill();
        for t in [0.0, 1.0, 30.0, 334.84, 2000.0] {
            let general = (1.0 + c.h * t).powf(-0.5);
            assert!((c.retention(t) - general).abs() < 1e-15, "{t}");
            assert!((c.time_to(c.retention(t)) - t).abs() < 1e-9, "{t}");
        }
        assert!((NONSENSE.time_to(NONSENSE.retention(64.0)) - 64.0).abs() < 1e-6);
    }

    #[test]
    fn exposures_on_one_day_count_as_one_of_their_total_minutes() {
        let base = program_skill();
        let mut two = SpacedTrace::trained(base, 0.0, 182.0);
        two.expose(40.0, 20.0);
        two.expose(40.0, 10.0);
        let mut swapped = SpacedTrace::trained(base, 0.0, 182.0);
        swapped.expose(40.0, 10.0);
        swapped.expose(40.0, 20.0);
        let mut one = SpacedTrace::trained(base, 0.0, 182.0);
        one.expose(40.0, 30.0);
        assert_eq!((two.h, two.age), (one.h, one.age));
        assert_eq!((swapped.h, swapped.age), (one.h, one.age));
        // program_trace sorts and merges the same way, and trains on the first day.
        let t = program_trace([(40.0, 10.0), (0.0, 5.0), (40.0, 20.0)]).unwrap();
        assert_eq!((t.h, t.age, t.last_day), (one.h, one.age, 40.0));
        assert!(program_trace([]).is_none());
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
        // Nothing gained, nothing lost: a level at or below the one before stays.
        assert_eq!(retained_level(3.0, 2.0, 0.1), 2.0);
    }

    proptest::proptest! {
        /// Retention starts at 1, never rises without practice, and practice never lowers it.
        #[test]
        fn retention_is_monotone(t1 in 0.0f64..2000.0, dt in 0.0f64..2000.0, gap in 1.0f64..400.0, minutes in 0.0f64..120.0) {
            let c = skill(SkillMeasure::Accuracy);
            proptest::prop_assert!(c.retention(t1) >= c.retention(t1 + dt));
            proptest::prop_assert!(c.retention(t1) <= 1.0 && c.retention(t1) > 0.0);
            let plain = SpacedTrace::trained(c, 0.0, RETENTION_INTERVAL_DAYS);
            let mut practised = plain;
            practised.expose(gap, minutes);
            proptest::prop_assert!(practised.retention(gap + t1) >= plain.retention(gap + t1));
            proptest::prop_assert!(practised.retention(gap + t1 + dt) <= practised.retention(gap + t1));
        }
    }
}
