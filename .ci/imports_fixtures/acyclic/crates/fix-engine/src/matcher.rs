use crate::rules::Rule;
pub fn run(_: &Rule) {}
