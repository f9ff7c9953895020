//! caulk: a secret scanner for ML and data repositories.
//!
//! Data flows one way: sources ([`source`]: files, stdin, git) → decoders ([`decode`]) → the scan
//! loop ([`scan`]) → the engine (the `caulk-engine` crate: rules, prefilter, regexes, noise
//! filters, structure checks) → findings ([`finding`]) → triage ([`suppress`], [`baseline`]) →
//! reporters ([`report`]), all reading one result ([`summary`]). [`app`] wires the layers for
//! the command line.

pub mod app;
pub(crate) mod audit;
pub(crate) mod baseline;
pub mod cli;
pub(crate) mod config;
pub mod decode;
pub mod exit;
pub mod finding;
pub(crate) mod fsx;
pub(crate) mod hook;
pub(crate) mod human;
pub(crate) mod pragma;
pub(crate) mod report;
pub mod sanitize;
pub mod scan;
pub(crate) mod source;
pub mod strip;
pub mod summary;
pub(crate) mod suppress;
pub(crate) mod worktree;
