pub fn go() {
    crate::a::run();
}
