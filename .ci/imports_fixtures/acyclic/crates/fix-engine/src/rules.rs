//! Knows no other module. Names in docs do not count: [`crate::matcher`].
pub struct Rule;
