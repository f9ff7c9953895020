pub(crate) fn go() {}
