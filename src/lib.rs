//! caulk: a secret scanner for ML and data repositories.
//!
//! Data flows one way: sources ([`scan`], [`git`]) → decoders ([`decode`]) → the engine (the `caulk-engine` crate:
//! rules, prefilter, regexes, noise filters, structure checks) → findings ([`finding`]) →
//! triage ([`suppress`], [`baseline`]) → reporters ([`report`]). [`app`] wires the layers for the
//! command line.
//!
//! Public are only the modules the `caulk` binary (`app`, `cli`, `exit`, `sanitize`) and the
//! property tests (`decode`, `finding`, `scan`, `strip`) use; the rest is `pub(crate)`.

pub mod app;
pub(crate) mod audit;
pub(crate) mod baseline;
pub mod cli;
pub(crate) mod config;
pub mod decode;
pub mod exit;
pub mod finding;
pub(crate) mod fsx;
pub(crate) mod git;
pub(crate) mod hook;
pub(crate) mod human;
pub(crate) mod pragma;
pub(crate) mod report;
pub mod sanitize;
pub mod scan;
pub mod strip;
pub(crate) mod suppress;
pub(crate) mod worktree;
