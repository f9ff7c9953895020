//! `caulk man` is a man page: every subcommand in the one page (no `caulk-scan(1)` pages that do
//! not exist), EXIT STATUS matching the exit codes, ENVIRONMENT naming every variable caulk
//! reads, FILES naming caulk's files; and `mandoc -T lint` (the real tool) finds nothing at
//! warning level or above. Without mandoc the lint is skipped with a message, unless
//! `CAULK_REQUIRE_MANDOC=1` (as `.ci/run` sets), where its absence fails.

use crate::util::*;

/// The page as `caulk man` prints it.
fn page() -> String {
    let out = caulk().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// The text of section `name` (from its `.SH` line to the next `.SH`).
fn section<'a>(page: &'a str, name: &str) -> &'a str {
    let head = if name.contains(' ') {
        format!(".SH \"{name}\"\n")
    } else {
        format!(".SH {name}\n")
    };
    let at = page
        .find(&head)
        .unwrap_or_else(|| panic!("no {name} section"));
    let rest = &page[at + head.len()..];
    &rest[..rest.find("\n.SH ").unwrap_or(rest.len())]
}

#[test]
fn the_page_has_every_command_and_the_sections_a_man_page_owes() {
    let page = page();
    assert!(page.contains(".TH CAULK 1 "), "title line");
    // Every subcommand `caulk --help` lists is a subsection here; no page is referred to that
    // is not installed.
    let help = caulk().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let commands: Vec<&str> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 10, "{commands:?}");
    let commands_section = section(&page, "COMMANDS");
    for c in &commands {
        let sub = format!(".SS \"caulk {}\"", c.replace('-', "\\-"));
        assert!(commands_section.contains(&sub), "{sub} missing");
    }
    for line in page.lines() {
        assert!(
            !line.contains("caulk\\-") || !line.contains("(1)"),
            "a dangling page: {line}"
        );
    }
    assert!(section(&page, "SEE ALSO").contains("\\fBgit\\fR(1)"));
    // Options of subcommands are documented in their subsection.
    assert!(commands_section.contains("write\\-baseline"));
    assert!(commands_section.contains("\\-\\-color"));

    // EXIT STATUS: the codes src/exit.rs defines, and what they mean.
    let exit = section(&page, "EXIT STATUS");
    for (code, word) in [("0", "Clean"), ("1", "finding"), ("2", "error")] {
        assert!(
            exit.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "exit {code}"
        );
        assert!(
            exit.to_lowercase().contains(&word.to_lowercase()),
            "exit {code}: {word}"
        );
    }
    // ENVIRONMENT: every variable caulk reads (its sources name them with env::var).
    let env = section(&page, "ENVIRONMENT");
    let src = |p: &str| std::fs::read_to_string(root().join(p)).unwrap();
    let code = [src("src/app.rs"), src("src/source/git/staged.rs")].concat();
    for var in [
        "NO_COLOR",
        "FORCE_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "TERM",
        "GIT_DIR",
        "GIT_INDEX_FILE",
        "PRE_COMMIT_FROM_REF",
        "PRE_COMMIT_TO_REF",
        "PRE_COMMIT_REMOTE_NAME",
        "PRE_COMMIT_LOCAL_BRANCH",
    ] {
        assert!(
            env.contains(&format!("\\fB{var}\\fR")),
            "{var} in ENVIRONMENT"
        );
        if var != "GIT_DIR" {
            assert!(
                code.contains(&format!("\"{var}\"")),
                "{var} is read by caulk"
            );
        }
    }
    // Every quoted PRE_COMMIT_* or GIT_* name the sources read is documented.
    for word in code.split('"') {
        if (word.starts_with("PRE_COMMIT_") || word.starts_with("GIT_"))
            && word.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        {
            assert!(env.contains(word), "{word} read but not documented");
        }
    }
    // FILES: the configuration, the ignore file, the baseline, the hook.
    let files = section(&page, "FILES");
    for f in [
        "caulk.toml",
        ".caulk.toml",
        ".caulkignore",
        "baseline",
        "pre\\-commit",
    ] {
        assert!(files.contains(f), "{f} in FILES");
    }
}

#[test]
fn mandoc_lint_finds_nothing_to_warn_about() {
    let Some(mandoc) = external_tool(
        "CAULK_MANDOC",
        "mandoc",
        &["-T", "ascii", "/dev/null"],
        "CAULK_REQUIRE_MANDOC",
        "mandoc (apt-get install mandoc)",
    ) else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("caulk.1");
    std::fs::write(&file, page()).unwrap();
    // -W warning: everything from warnings up (STYLE notes, such as lines over 80 bytes of
    // clap's help text, are left out); mandoc exits non-zero when it prints any.
    let out = std::process::Command::new(&mandoc)
        .args(["-T", "lint", "-W", "warning"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "mandoc -T lint: {}",
        output_text(&out)
    );
    // And it renders: the sections are there in the formatted text.
    let out = std::process::Command::new(&mandoc)
        .args(["-T", "utf8"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    // Bold is overstruck (`N\bN`): a backspace takes back the character before it.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&out.stdout).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    for heading in [
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "COMMANDS",
        "SEE ALSO",
    ] {
        assert!(text.contains(heading), "{heading} in the rendered page");
    }
}
