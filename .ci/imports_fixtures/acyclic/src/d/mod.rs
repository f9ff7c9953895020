//! `d/mod.rs` is module `d`; its child `e` is named through the declaration.
pub mod e;
pub fn h() {
    e::g(e::E);
}
