//! caulk's detection engine: the rules (a schema, and the built-in pack embedded at build time),
//! the keyword prefilter and regex matching ([`engine`]), the noise filters ([`filters`]) and the
//! offline structure checks that raise a finding's confidence ([`checks`]).
//!
//! It takes bytes and returns matches with offsets in those bytes. It knows no files, no git and
//! no command line: the crate depends on none of them, so the compiler keeps that promise. Where
//! bytes came from, and what a match means to a user, is the `caulk` binary's business.

pub mod boundary;
mod caches;
pub mod checks;
pub mod engine;
pub mod filters;
mod grams;
mod lanes;
#[cfg(test)]
mod reference;
pub mod rules;
pub mod selftest;

/// The built-in rule pack, for `caulk --version`: how many rules, and a hash of what they are.
pub const RULE_PACK: &str = env!("CAULK_RULE_PACK");
