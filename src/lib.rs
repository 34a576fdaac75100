//! Baton: plan, follow, audit and rehearse peer training and peer mentoring programs.
//!
//! # Layout
//!
//! - [`domain`] (core): commands, events, rules and time. No IO.
//! - [`projections`] (core): read models folded from the log (dashboard, risk, audit, journey).
//! - [`sim`] (core): the scenario simulator (seeded Monte Carlo over a forked plan).
//! - [`access`] (core): tokens, roles and what each role may do.
//! - [`query`] (shell): the one read path (load → fold → view) of the CLI and the server.
//! - [`server`] (shell): the HTTP API.
//! - [`exports`] (pure): calendars, spreadsheets, the action plan and rosters, rendered from
//!   folded state; the CLI and the server serve the same bytes.
//! - [`store`] (shell): the append-only event log, on sled or in memory.

pub mod access;
pub mod app;
pub mod checkpoint;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod exports;
pub mod flags;
pub mod forecast;
pub mod projections;
pub mod query;
pub mod server;
pub mod sim;
pub mod store;
pub mod web;
