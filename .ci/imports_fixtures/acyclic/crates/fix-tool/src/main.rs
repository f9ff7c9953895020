//! A binary without a lib.rs: main.rs is the crate root, and `crate::run` is its module.
mod run;
fn main() {
    crate::run::go();
}
