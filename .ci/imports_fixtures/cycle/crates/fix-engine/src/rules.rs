//! A rule check that builds an engine: the second circle.
pub struct Rule;
pub fn check() {
    let _ = crate::engine::Engine;
}
