//! Test code: importing `c` here must not count (`c` imports `a`, `a` imports `g`… no cycle).
use crate::c::C;
