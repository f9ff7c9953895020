//! The README's console examples run, and print what the README shows (trycmd): `[..]` matches
//! a timing, `...` lines left out.

#[test]
fn readme_console_examples() {
    trycmd::TestCases::new()
        .register_bin("caulk", trycmd::cargo::cargo_bin("caulk"))
        .env("NO_COLOR", "1")
        .case("README.md");
}
