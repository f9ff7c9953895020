//! caulk: a secret scanner for ML and data repositories.
//!
//! Data flows one way: sources ([`source`]: files, stdin, git) → decoders ([`decode`]) → the scan
//! loop ([`scan`]) → the engine (the `caulk-engine` crate: rules, prefilter, regexes, noise
//! filters, structure checks) → findings ([`finding`]) → triage ([`triage`]: pragmas, allowlists, the ignore file, the baseline, the range audit) →
//! reporters ([`report`]), all reading one result ([`summary`]). [`app`] wires the layers for
//! the command line.

pub mod app;
pub mod cli;
pub(crate) mod config;
pub mod decode;
pub(crate) mod doctor;
pub mod exit;
pub mod finding;
pub(crate) mod fsx;
pub(crate) mod hook;
pub(crate) mod human;
pub(crate) mod malloc;
pub(crate) mod man;
pub(crate) mod pragma;
pub(crate) mod report;
pub mod sanitize;
pub mod scan;
pub(crate) mod source;
pub mod strip;
pub mod summary;
pub(crate) mod triage;
pub(crate) mod worktree;
