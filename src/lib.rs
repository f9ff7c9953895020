//! caulk: a secret scanner for ML and data repositories.
//!
//! Data flows one way: sources ([`scan`], [`git`]) → the engine (the `caulk-engine` crate:
//! rules, prefilter, regexes, noise filters, structure checks) → findings ([`finding`]) →
//! triage ([`suppress`], [`baseline`]) → reporters ([`report`]). [`app`] wires the layers for the
//! command line.

pub mod app;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod exit;
pub mod finding;
pub mod fsx;
pub mod git;
pub mod hook;
pub mod human;
pub mod notebook;
pub mod pragma;
pub mod report;
pub mod sanitize;
pub mod scan;
pub mod strip;
pub mod suppress;
pub mod text;
pub mod worktree;
