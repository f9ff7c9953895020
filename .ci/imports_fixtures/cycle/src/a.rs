//! a → b, a → d: one component {a, b, c, d}; its shortest cycle is a → b → c → a.
use crate::b;
pub fn run() {
    b::go();
    crate::d::inner::deep();
}
