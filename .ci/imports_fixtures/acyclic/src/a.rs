//! `a` names `c` only where it does not count: comments, literals, tests.
// use crate::c;
/* a block comment /* nested */ crate::c::C */
use crate::{b, d::e::{self, E}};

pub(in crate::a) struct Hidden;

pub fn run() {
    let _s = "crate::c::C";
    let _r = r#"crate::c::"quoted""#;
    let _q = '"';
    let _b = b"crate::c";
    b::f(); // a path through an imported name adds nothing new
    e::g(E);
    fix_engine::matcher::run(&fix_engine::rules::Rule);
}

fn longest<'a>(x: &'a str) -> &'a str {
    x
}

#[cfg(test)]
mod tests {
    use crate::c::C;
    #[test]
    fn t() {
        let _ = C;
    }
}
