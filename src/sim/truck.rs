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
