//! Scenario files: TOML, one per scenario, with parameters, challenge cards and mitigations.
//! The library's files (`scenarios/*.toml`) are embedded in the binary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::engine::ParamChange;
use super::params::{self, Params};

/// The scenario library, embedded: (name, TOML text).
pub const LIBRARY: [(&str, &str); 10] = [
    (
        "as-planned",
        include_str!("../../scenarios/as-planned.toml"),
    ),
    (
        "reluctant-trainers",
        include_str!("../../scenarios/reluctant-trainers.toml"),
    ),
    (
        "reluctant-supervisors",
        include_str!("../../scenarios/reluctant-supervisors.toml"),
    ),
    (
        "reluctant-students",
        include_str!("../../scenarios/reluctant-students.toml"),
    ),
    (
        "hidden-knowledge",
        include_str!("../../scenarios/hidden-knowledge.toml"),
    ),
    (
        "tight-deadline",
        include_str!("../../scenarios/tight-deadline.toml"),
    ),
    (
        "long-roll-out",
        include_str!("../../scenarios/long-roll-out.toml"),
    ),
    (
        "key-person-leaves",
        include_str!("../../scenarios/key-person-leaves.toml"),
    ),
    (
        "organization-change",
        include_str!("../../scenarios/organization-change.toml"),
    ),
    (
        "perfect-storm",
        include_str!("../../scenarios/perfect-storm.toml"),
    ),
];

/// A wrong scenario file: which file, line and key, and what is expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: `{key}`: {message}")]
pub struct ScenarioError {
    /// The file (or library name).
    pub file: String,
    /// The line, from 1.
    pub line: usize,
    /// The key path (`cards[2].after_days`).
    pub key: String,
    /// What is wrong and what is expected.
    pub message: String,
}

/// A challenge card: what the class reads when it fires, and the responses it offers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Card {
    /// Id.
    pub id: String,
    /// Days after the fork when it fires.
    pub after_days: i32,
    /// What the class reads.
    pub text: String,
    /// The parameters it changes when it fires.
    pub effect: Vec<(String, f64)>,
    /// The mitigations the class may pick in response.
    pub responses: Vec<String>,
}

/// A mitigation: named parameter changes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mitigation {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// What it is, for the class.
    pub description: String,
    /// The parameters it sets.
    pub set: Vec<(String, f64)>,
}

/// A scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    /// Name (the file's stem).
    pub name: String,
    /// Title.
    pub title: String,
    /// The workshop challenge it plays, in words.
    pub description: String,
    /// Parameters changed from the model's defaults, from day 0.
    pub parameters: Vec<(String, f64)>,
    /// Challenge cards, in firing order.
    pub cards: Vec<Card>,
    /// Mitigations, by id.
    pub mitigations: Vec<Mitigation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    title: String,
    description: String,
    #[serde(default)]
    parameters: BTreeMap<Spanned<String>, Spanned<f64>>,
    #[serde(default)]
    cards: Vec<RawCard>,
    #[serde(default)]
    mitigations: BTreeMap<Spanned<String>, RawMitigation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCard {
    id: String,
    after_days: u32,
    text: String,
    #[serde(default)]
    effect: BTreeMap<Spanned<String>, Spanned<f64>>,
    #[serde(default)]
    responses: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMitigation {
    title: String,
    description: String,
    set: BTreeMap<Spanned<String>, Spanned<f64>>,
}

/// The key path without the wrappers' private names; a map key serde could not name (`?`) is
/// read from the line of the error (`"name" = value`).
fn clean_path(path: &str, text: &str, offset: usize) -> String {
    let line = text[..offset.min(text.len())]
        .rsplit('\n')
        .next()
        .map(|start| {
            let from = offset.min(text.len()) - start.len();
            text[from..].lines().next().unwrap_or("")
        })
        .unwrap_or("");
    let key_on_line = line
        .split('=')
        .next()
        .map(|k| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty());
    path.split('.')
        .filter(|seg| !seg.starts_with("$__serde_spanned"))
        .map(|seg| match (seg, &key_on_line) {
            ("?", Some(k)) => k.clone(),
            _ => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses a scenario file; `file` names it in errors, `name` is the scenario's name.
pub fn parse(file: &str, name: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let err = |offset: usize, key: String, message: String| ScenarioError {
        file: file.to_string(),
        line: line_of(text, offset),
        key,
        message,
    };
    let de = toml::Deserializer::new(text);
    let raw: RawScenario = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let offset = inner.span().map(|s| s.start).unwrap_or(0);
        let message = inner.message().trim().to_string();
        err(offset, clean_path(&path, text, offset), message)
    })?;
    let check = |map: &BTreeMap<Spanned<String>, Spanned<f64>>, path: &str| {
        let mut out = Vec::new();
        for (k, v) in map {
            let mut p = Params::default();
            if let Err(e) = p.set(k.get_ref(), *v.get_ref()) {
                let offset = match e {
                    params::ParamError::Unknown(_) => k.span().start,
                    params::ParamError::OutOfRange { .. } => v.span().start,
                };
                return Err(err(
                    offset,
                    format!("{path}.{}", k.get_ref()),
                    e.to_string(),
                ));
            }
            out.push((k.get_ref().clone(), *v.get_ref()));
        }
        Ok(out)
    };
    let parameters = check(&raw.parameters, "parameters")?;
    let mut mitigations = Vec::new();
    for (id, m) in &raw.mitigations {
        mitigations.push(Mitigation {
            id: id.get_ref().clone(),
            title: m.title.clone(),
            description: m.description.clone(),
            set: check(&m.set, &format!("mitigations.{}.set", id.get_ref()))?,
        });
    }
    let mut cards = Vec::new();
    for (i, c) in raw.cards.iter().enumerate() {
        let mut responses = Vec::new();
        for r in &c.responses {
            if !mitigations.iter().any(|m| &m.id == r.get_ref()) {
                return Err(err(
                    r.span().start,
                    format!("cards[{i}].responses"),
                    format!(
                        "unknown mitigation `{}`; expected one of the [mitigations] of this file",
                        r.get_ref()
                    ),
                ));
            }
            responses.push(r.get_ref().clone());
        }
        cards.push(Card {
            id: c.id.clone(),
            after_days: c.after_days as i32,
            text: c.text.trim().to_string(),
            effect: check(&c.effect, &format!("cards[{i}].effect"))?,
            responses,
        });
    }
    cards.sort_by_key(|c| c.after_days);
    Ok(Scenario {
        name: name.to_string(),
        title: raw.title,
        description: raw.description.trim().to_string(),
        parameters,
        cards,
        mitigations,
    })
}

/// A scenario of the library by name.
pub fn builtin(name: &str) -> Option<Scenario> {
    LIBRARY.iter().find(|(n, _)| *n == name).map(|(n, text)| {
        parse(&format!("scenarios/{n}.toml"), n, text).expect("library scenarios parse (tested)")
    })
}

/// Why a mitigation or a choice does not fit the scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// No such mitigation.
    #[error("scenario {scenario} has no mitigation `{id}` (it has: {known})")]
    UnknownMitigation {
        /// The scenario.
        scenario: String,
        /// The id asked for.
        id: String,
        /// The ids it has.
        known: String,
    },
    /// No such card.
    #[error("scenario {scenario} has no card `{id}` (it has: {known})")]
    UnknownCard {
        /// The scenario.
        scenario: String,
        /// The id asked for.
        id: String,
        /// The ids it has.
        known: String,
    },
    /// The card does not offer this response.
    #[error("card `{card}` does not offer `{response}` (it offers: {offered})")]
    NotOffered {
        /// The card.
        card: String,
        /// The response asked for.
        response: String,
        /// What it offers.
        offered: String,
    },
}

impl Scenario {
    /// The base parameters: the model's defaults with this scenario's parameters.
    pub fn params(&self) -> Params {
        let mut p = Params::default();
        for (k, v) in &self.parameters {
            p.set(k, *v).expect("checked when parsed");
        }
        p
    }

    /// A mitigation by id.
    pub fn mitigation(&self, id: &str) -> Result<&Mitigation, ChoiceError> {
        self.mitigations
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| ChoiceError::UnknownMitigation {
                scenario: self.name.clone(),
                id: id.to_string(),
                known: self
                    .mitigations
                    .iter()
                    .map(|m| m.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The parameter changes of a run: every card's effect at its day, and each response
    /// `(card index, mitigation)` from its card's day (`None` as the card index: from day 0).
    /// A mitigation's parameters stay as it set them: a later card's effect on them is ignored.
    pub fn changes(&self, responses: &[(Option<usize>, &Mitigation)]) -> Vec<ParamChange> {
        let mut out = Vec::new();
        let pinned_from = |name: &str| {
            responses
                .iter()
                .filter(|(_, m)| m.set.iter().any(|(k, _)| k == name))
                .map(|(c, _)| c.map(|c| self.cards[c].after_days).unwrap_or(0))
                .min()
        };
        for (_, m) in responses.iter().filter(|(c, _)| c.is_none()) {
            for (k, v) in &m.set {
                out.push(ParamChange {
                    day: 0,
                    name: k.clone(),
                    value: *v,
                    card: None,
                });
            }
        }
        for (i, c) in self.cards.iter().enumerate() {
            for (k, v) in &c.effect {
                if pinned_from(k).is_some_and(|d| d <= c.after_days) {
                    continue;
                }
                out.push(ParamChange {
                    day: c.after_days,
                    name: k.clone(),
                    value: *v,
                    card: Some(i),
                });
            }
            if c.effect.is_empty() {
                // The card still fires (for the story) with no change.
                out.push(ParamChange {
                    day: c.after_days,
                    name: String::new(),
                    value: 0.0,
                    card: Some(i),
                });
            }
            for (_, m) in responses.iter().filter(|(ci, _)| *ci == Some(i)) {
                for (k, v) in &m.set {
                    out.push(ParamChange {
                        day: c.after_days,
                        name: k.clone(),
                        value: *v,
                        card: Some(i),
                    });
                }
            }
        }
        out.sort_by_key(|c| c.day);
        out
    }
}
