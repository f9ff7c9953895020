pub fn m() {
    super::super::b::f();
}
