//! The README's console examples run, and print what the README shows (trycmd): `[..]` matches
//! a timing, `...` lines left out.

#[test]
fn readme_console_examples() {
    trycmd::TestCases::new()
        .register_bin("caulk", trycmd::cargo::cargo_bin("caulk"))
        .env("NO_COLOR", "1")
        .case("README.md");
}

/// Splits a shell command line into words: whitespace separates, quotes group (no expansion).
fn words(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (_, c) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Every `caulk …` command the README shows in a code block — usage lists, hooks, CI jobs —
/// is one caulk accepts: its subcommand, flags and values parse.
#[test]
fn every_caulk_command_in_the_readme_parses() {
    use clap::Parser;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut inside = false;
    let mut checked = 0;
    for line in readme.lines() {
        if line.starts_with("```") {
            inside = !inside;
            continue;
        }
        if !inside {
            continue;
        }
        // the command starts at `caulk ` (after a prompt, a YAML key or a list dash)
        let Some(at) = line.find("caulk ").filter(|&i| {
            let before = line[..i].trim_end();
            before.is_empty()
                || ["$", "-", "entry:", "run:", "&&", "||", "$("]
                    .iter()
                    .any(|p| before.ends_with(p))
                || before.ends_with("bash -c '")
        }) else {
            continue;
        };
        let cmd = line[at..]
            .split(['#', '|', '>', ';'])
            .next()
            .unwrap()
            .trim_end_matches(['\'', ')']);
        let argv = words(cmd);
        let parsed = caulk::cli::Cli::try_parse_from(&argv);
        let ok = match &parsed {
            Ok(_) => true,
            Err(e) => matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayVersion | clap::error::ErrorKind::DisplayHelp
            ),
        };
        assert!(
            ok,
            "README: `{cmd}` does not parse: {}",
            parsed.err().map(|e| e.to_string()).unwrap_or_default()
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} commands found");
}
