pub fn deep() {
    super::super::c::go();
    fix_engine::rules::check();
}
