//! The binary names the library by its crate name.
fn main() {
    fix_ok::a::run();
}
