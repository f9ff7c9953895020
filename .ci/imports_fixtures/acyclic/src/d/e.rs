//! `super::super` from `d::e` is the crate root, so this is `b`; a visibility is no import.
pub struct E;
pub(in crate::d) struct Private;
pub fn g(_: E) {
    super::super::b::f();
}
