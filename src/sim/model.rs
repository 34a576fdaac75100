//! The sub-models of `MODEL.md` in closed form: transfer to the job (§2), Bass adoption (§3), and
//! the normal distribution they need. Retention (§1) lives in [`crate::domain::retention`].

use serde::Serialize;

/// Saks & Belcourt (2006): share of employees applying training immediately, after 6 months and
/// after 1 year (estimates by training professionals).
pub const TRANSFER_SHAPE: [(f64, f64); 3] = [(0.0, 0.62), (6.0, 0.44), (12.0, 0.34)];

/// The standard normal distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// The inverse of [`normal_cdf`] (bisection to 1e-10; `p` is clamped into (0, 1)).
pub fn normal_quantile(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let (mut lo, mut hi) = (-10.0, 10.0);
    while hi - lo > 1e-10 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The share of trained people applying the skill `months` after training: the 62/44/34 %
/// shape, linear between its points, flat after a year.
pub fn transfer_share(months: f64) -> f64 {
    let pts = TRANSFER_SHAPE;
    if months <= pts[0].0 {
        return pts[0].1;
    }
    for w in pts.windows(2) {
        let ((m0, s0), (m1, s1)) = (w[0], w[1]);
        if months <= m1 {
            return s0 + (s1 - s0) * (months - m0) / (m1 - m0);
        }
    }
    pts[pts.len() - 1].1
}

/// How long (months) a person with latent transfer score `t` keeps applying the skill: the
/// threshold at month m is the score that a share `transfer_share(m)` of a standard normal
/// population exceeds. `None`: never applies; `Some(f64::INFINITY)`: applies for good.
pub fn months_applying(t: f64) -> Option<f64> {
    let share = 1.0 - normal_cdf(t);
    let pts = TRANSFER_SHAPE;
    if share > pts[0].1 {
        return None;
    }
    if share <= pts[pts.len() - 1].1 {
        return Some(f64::INFINITY);
    }
    for w in pts.windows(2) {
        let ((m0, s0), (m1, s1)) = (w[0], w[1]);
        if share <= s0 && share > s1 {
            return Some(m0 + (s0 - share) / (s0 - s1) * (m1 - m0));
        }
    }
    Some(f64::INFINITY)
}

/// The latent transfer score `T = rho·S + sqrt(1 − rho²)·e`.
pub fn transfer_score(rho: f64, support: f64, e: f64) -> f64 {
    rho * support + (1.0 - rho * rho).sqrt() * e
}

/// Bass diffusion's closed form: the share adopted after `t` periods.
pub fn bass_share(p: f64, q: f64, t: f64) -> f64 {
    if t <= 0.0 {
        return 0.0;
    }
    let e = (-(p + q) * t).exp();
    (1.0 - e) / (1.0 + (q / p) * e)
}

/// The inverse of [`bass_share`]: when a person whose uniform draw is `u` adopts (periods).
pub fn bass_adoption_time(p: f64, q: f64, u: f64) -> f64 {
    let u = u.clamp(0.0, 1.0 - 1e-15);
    let x = (1.0 - u) / (1.0 + u * q / p);
    -x.ln() / (p + q)
}

/// One point of the adoption curve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdoptionPoint {
    /// Time, in years.
    pub t: f64,
    /// Share adopted, 0–1.
    pub adopted_share: f64,
}

/// The Bass curve at the given times.
pub fn adoption_curve(p: f64, q: f64, times: &[f64]) -> Vec<AdoptionPoint> {
    times
        .iter()
        .map(|&t| AdoptionPoint {
            t,
            adopted_share: bass_share(p, q, t),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_functions_are_inverse_and_match_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        for p in [0.01, 0.2, 0.5, 0.62, 0.9] {
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-7);
        }
    }

    #[test]
    fn months_applying_inverts_the_transfer_shape() {
        // A person exactly at the 6-month threshold applies for 6 months.
        let t6 = normal_quantile(1.0 - 0.44);
        assert!((months_applying(t6).unwrap() - 6.0).abs() < 1e-3);
        assert_eq!(months_applying(normal_quantile(0.2)), None);
        assert_eq!(months_applying(3.0), Some(f64::INFINITY));
        assert!((transfer_share(3.0) - 0.53).abs() < 1e-12);
        assert!((transfer_share(24.0) - 0.34).abs() < 1e-12);
    }

    #[test]
    fn bass_inverse_matches_the_closed_form() {
        for u in [0.01, 0.3, 0.5, 0.9] {
            let t = bass_adoption_time(0.03, 0.38, u);
            assert!((bass_share(0.03, 0.38, t) - u).abs() < 1e-9);
        }
    }
}
