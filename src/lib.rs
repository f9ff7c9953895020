//! caulk: a secret scanner for ML and data repositories.
//!
//! Data flows one way: sources ([`scan`]) → engine ([`engine`], rules from [`rules`], noise
//! dropped by [`filters`]) → findings ([`finding`]) → reporters ([`report`]). [`app`] wires the
//! layers for the command line.

pub mod app;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod engine;
pub mod exit;
pub mod filters;
pub mod finding;
pub mod fsx;
pub mod git;
pub mod hook;
pub mod notebook;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod scan;
pub mod strip;
pub mod suppress;
pub mod text;
pub mod validate;
