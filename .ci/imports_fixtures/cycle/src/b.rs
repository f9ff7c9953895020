use crate::{c::{self}, d::inner as deep_mod};
pub fn go() {
    c::go();
    let _ = deep_mod::deep;
}
