//! `g.rs` beside a folder `g/`: module `g`, child `g::h`; the test-only child `tests` is not a module of the graph.
pub mod h;
#[cfg(test)]
mod tests;
pub fn k() {
    self::h::m();
}
