//! Rehearsal: a scenario's cards played one by one; each decision (a response, or letting the
//! card play out) is compared with its no-response branch on common random numbers.

use chrono::NaiveDate;
use serde::Serialize;

use super::monte_carlo::{self, Config, Difference};
use super::plan::Plan;
use super::scenario::{Mitigation, Scenario};

/// One decision and its effect against the no-response branch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// The card.
    pub card: String,
    /// The day it fired.
    pub date: NaiveDate,
    /// The response chosen; `None`: let it play out.
    pub response: Option<String>,
    /// P(done by deadline) with the decisions so far, including this one.
    pub p_done_by_deadline: f64,
    /// The same without a response to this card (earlier decisions kept).
    pub p_done_without: f64,
    /// P50 of the completion date with this decision.
    pub completion_p50: Option<NaiveDate>,
    /// P50 without a response to this card.
    pub completion_p50_without: Option<NaiveDate>,
    /// Paired difference of P(done by deadline) (with − without).
    pub difference: Difference,
}

/// The debrief of a rehearsal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Debrief {
    /// Scenario.
    pub scenario: String,
    /// Program.
    pub program: String,
    /// Seed.
    pub seed: u64,
    /// Runs per branch.
    pub runs: u64,
    /// Every card, in order.
    pub decisions: Vec<Decision>,
    /// The report with every decision taken.
    pub outcome: monte_carlo::Report,
}

/// Plays the scenario with `choices[i]` the response to card i (`None`: let it play out).
pub fn debrief(
    plan: &Plan,
    sc: &Scenario,
    choices: &[Option<&Mitigation>],
    config: &Config,
) -> Debrief {
    let params = sc.params();
    let run = |picked: &[(Option<usize>, &Mitigation)]| {
        let changes = sc.changes(picked);
        monte_carlo::outcomes(plan, &params, &changes, config, &|| {})
    };
    let done = |o: &super::engine::RunOutcome| f64::from(u8::from(o.done_by_deadline));
    let mut taken: Vec<(Option<usize>, &Mitigation)> = Vec::new();
    let mut decisions = Vec::new();
    for (i, card) in sc.cards.iter().enumerate() {
        let choice = choices.get(i).copied().flatten();
        let without = run(&taken);
        if let Some(m) = choice {
            taken.push((Some(i), m));
        }
        let with = if choice.is_some() {
            run(&taken)
        } else {
            without.clone()
        };
        let rw = monte_carlo::report(plan, &sc.name, &[], config, &with);
        let rn = monte_carlo::report(plan, &sc.name, &[], config, &without);
        decisions.push(Decision {
            card: card.id.clone(),
            date: plan.date(card.after_days),
            response: choice.map(|m| m.id.clone()),
            p_done_by_deadline: rw.p_done_by_deadline,
            p_done_without: rn.p_done_by_deadline,
            completion_p50: rw.completion_date.p50,
            completion_p50_without: rn.completion_date.p50,
            difference: monte_carlo::paired(&without, &with, done),
        });
    }
    let names: Vec<String> = taken.iter().map(|(_, m)| m.id.clone()).collect();
    let outs = run(&taken);
    Debrief {
        scenario: sc.name.clone(),
        program: plan.program.clone(),
        seed: config.seed,
        runs: config.runs,
        decisions,
        outcome: monte_carlo::report(plan, &sc.name, &names, config, &outs),
    }
}
