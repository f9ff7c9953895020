//! `c` imports `a`; `a` never imports `c` outside comments, literals and tests.
pub struct C;
pub fn uses_a() {
    crate::a::run();
}
