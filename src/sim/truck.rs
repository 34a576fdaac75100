//! The truck factor on indices, by the rule of [`crate::projections::risk`]: a person holds a
//! skill at level ≥ 2 and ≥ 0.75 × the best level; remove the person holding the most skills
//! (ties by name, then id) until fewer than half of the catalogue's skills keep a holder.
//! `tests/sim_events.rs` checks it against the risk projection on sampled runs.

/// Holders: `out[person][skill]`.
pub fn holders(levels: &[Vec<Option<u8>>], skills: usize) -> Vec<Vec<bool>> {
    let mut max = vec![0u8; skills];
    for row in levels {
        for (s, l) in row.iter().enumerate() {
            if let Some(l) = l {
                max[s] = max[s].max(*l);
            }
        }
    }
    levels
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(s, l)| l.is_some_and(|l| l >= 2 && 4 * l as u32 >= 3 * max[s] as u32))
                .collect()
        })
        .collect()
}

/// The truck factor and the people removed (indices), given holders and each person's rank in
/// (name, id) order.
pub fn truck_factor(holds: &[Vec<bool>], skills: usize, rank: &[usize]) -> (u32, Vec<usize>) {
    let covered = |removed: &[bool]| {
        (0..skills)
            .filter(|&s| holds.iter().zip(removed).any(|(h, r)| h[s] && !r))
            .count()
    };
    let held: Vec<usize> = holds
        .iter()
        .map(|h| h.iter().filter(|x| **x).count())
        .collect();
    let mut removed = vec![false; holds.len()];
    let mut order = Vec::new();
    let below = |c: usize| (c as f64) < 0.5 * skills as f64;
    let mut now = covered(&removed);
    while skills > 0 && !below(now) {
        let next = (0..holds.len())
            .filter(|&p| !removed[p] && held[p] > 0)
            .min_by(|&a, &b| held[b].cmp(&held[a]).then(rank[a].cmp(&rank[b])));
        let Some(p) = next else { break };
        removed[p] = true;
        order.push(p);
        now = covered(&removed);
    }
    (order.len() as u32, order)
}

/// Skills (indices) with exactly one holder.
pub fn single_holder(holds: &[Vec<bool>], skills: usize) -> Vec<usize> {
    (0..skills)
        .filter(|&s| holds.iter().filter(|h| h[s]).count() == 1)
        .collect()
}

/// [`truck_factor`] on bit sets: `holds[i]` has bit `s` set when row `i` holds skill `s`
/// (`skills ≤ 64`), `rank(i)` orders ties. The same removals, without the per-person vectors.
pub fn truck_factor_bits(holds: &[u64], skills: usize, rank: impl Fn(usize) -> u32) -> u32 {
    debug_assert!(skills <= 64);
    let below = |c: u32| (c as f64) < 0.5 * skills as f64;
    // Who goes next: the most skills held, then the lowest rank; 0 once removed (or holding
    // none). The holdings of removed people are cleared.
    let key = |(i, h): (usize, &u64)| {
        if *h == 0 {
            0
        } else {
            (u64::from(h.count_ones()) << 32) | u64::from(u32::MAX - rank(i))
        }
    };
    let mut buf = [(0u64, 0u64); 128];
    let mut heap_buf;
    let rows: &mut [(u64, u64)] = if holds.len() <= buf.len() {
        &mut buf[..holds.len()]
    } else {
        heap_buf = vec![(0u64, 0u64); holds.len()];
        &mut heap_buf
    };
    for (row, (i, h)) in rows.iter_mut().zip(holds.iter().enumerate()) {
        *row = (key((i, h)), *h);
    }
    let covered = |rows: &[(u64, u64)]| rows.iter().fold(0u64, |acc, r| acc | r.1).count_ones();
    let mut now = covered(rows);
    let mut n = 0;
    while skills > 0 && !below(now) {
        let Some((p, _)) = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.0 > 0)
            .max_by_key(|(_, r)| r.0)
        else {
            break;
        };
        rows[p] = (0, 0);
        n += 1;
        now = covered(rows);
    }
    n
}

/// [`single_holder`] on bit sets.
pub fn single_holder_bits(holds: &[u64], skills: usize) -> Vec<usize> {
    let (mut once, mut twice) = (0u64, 0u64);
    for &h in holds {
        twice |= once & h;
        once |= h;
    }
    let single = once & !twice;
    (0..skills).filter(|&s| single & (1 << s) != 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bit-set versions agree with the vector ones on pseudo-random matrices.
    #[test]
    fn bits_agree_with_vectors() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for case in 0..300 {
            let skills = 1 + (next() % 20) as usize;
            let people = (next() % 40) as usize + usize::from(case % 7 == 0) * 300;
            let levels: Vec<Vec<Option<u8>>> = (0..people)
                .map(|_| {
                    (0..skills)
                        .map(|_| match next() % 6 {
                            0 => None,
                            l => Some(l as u8 - 1),
                        })
                        .collect()
                })
                .collect();
            let mut rank: Vec<usize> = (0..people).collect();
            for i in (1..people).rev() {
                rank.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            let holds = holders(&levels, skills);
            let bits: Vec<u64> = holds
                .iter()
                .map(|h| {
                    h.iter()
                        .enumerate()
                        .fold(0, |acc, (s, &b)| acc | (u64::from(b) << s))
                })
                .collect();
            let (tf, _) = truck_factor(&holds, skills, &rank);
            assert_eq!(truck_factor_bits(&bits, skills, |i| rank[i] as u32), tf);
            assert_eq!(
                single_holder_bits(&bits, skills),
                single_holder(&holds, skills)
            );
        }
    }
}
