//! The engine crate: `rules` imports nothing, `matcher` imports `rules`.
pub mod matcher;
pub mod rules;
