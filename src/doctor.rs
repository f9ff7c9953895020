//! `caulk doctor`: checks a repository's set-up rather than its contents. The leaks teams
//! describe most are set-up failures: a `.env` that `.gitignore` does not cover, a hook that was
//! never installed in this clone, a notebook filter that a fresh clone lacks, a CI job that does
//! not scan where `--no-verify` cannot skip it. Each check says what is wrong and the exact
//! command that fixes it; `--fix` applies the safe ones (ignore lines, the hook, caulk's
//! notebook filter).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use git2::Repository;

/// Paths that stand for the secret-bearing files a repository must not commit, and the
/// `.gitignore` line that covers each.
const SECRET_FILES: &[(&str, &str)] = &[
    (".env", ".env"),
    (".env.local", ".env.*"),
    (".netrc", ".netrc"),
    ("kaggle.json", "kaggle.json"),
    ("id_rsa", "id_rsa"),
    ("id_ed25519", "id_ed25519"),
    ("server.pem", "*.pem"),
    ("server.key", "*.key"),
];

/// `.env` files that hold no secrets by convention.
const ENV_TEMPLATES: &[&str] = &[".env.example", ".env.sample", ".env.template", ".env.dist"];

/// One check's verdict.
struct Verdict {
    /// What is fine, or what is wrong.
    says: String,
    /// The command or edit that fixes it; `None` when all is well.
    fix: Option<String>,
}

impl Verdict {
    fn ok(says: impl Into<String>) -> Verdict {
        Verdict {
            says: says.into(),
            fix: None,
        }
    }
    fn fix(says: impl Into<String>, fix: impl Into<String>) -> Verdict {
        Verdict {
            says: says.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Runs every check in the repository around the current directory and prints the verdicts;
/// with `fix`, first applies the safe fixes. Returns whether anything is left to fix.
pub(crate) fn run(fix: bool) -> Result<bool> {
    let repo = Repository::discover(".").context(
        "caulk doctor checks a git repository's set-up: run it inside one (`git init` first)",
    )?;
    let top = repo
        .workdir()
        .context("caulk doctor needs a work tree (this repository is bare)")?
        .to_path_buf();
    // The pre-commit framework's configuration, read once ("" when there is none): the hook,
    // notebook and CI checks each look into it.
    let framework = precommit_config(&top).unwrap_or_default();
    let mut done = Vec::new();
    if fix {
        done = apply_fixes(&repo, &top, &framework)?;
    }
    // Read again after fixing: what is printed is the state now.
    let repo = Repository::open(repo.path())?;
    let verdicts = [
        ignored(&repo),
        tracked(&repo),
        hook(&repo, &framework),
        notebooks(&repo, &framework),
        ci(&top, &framework),
    ];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "caulk: the set-up of {}",
        crate::sanitize::escape(top.display().to_string().trim_end_matches('/'))
    );
    for d in &done {
        let _ = writeln!(out, "  fixed  {d}");
    }
    let mut left = 0;
    for v in verdicts.into_iter().flatten() {
        match &v.fix {
            None => {
                let _ = writeln!(out, "  ok     {}", v.says);
            }
            Some(f) => {
                left += 1;
                let _ = writeln!(out, "  FIX    {}\n         → {f}", v.says);
            }
        }
    }
    match left {
        0 => {
            let _ = writeln!(out, "caulk: the set-up is complete");
        }
        n => {
            let _ = writeln!(
                out,
                "caulk: {} to fix{}",
                if n == 1 {
                    "1 thing".to_string()
                } else {
                    format!("{n} things")
                },
                if fix {
                    ""
                } else {
                    " (`caulk doctor --fix` applies the ignore lines, the hook and the notebook filter)"
                }
            );
        }
    }
    print!("{out}");
    Ok(left > 0)
}

/// The `.gitignore` lines missing for the secret-bearing files.
fn missing_ignores(repo: &Repository) -> Vec<&'static str> {
    let mut lines: Vec<&str> = Vec::new();
    for (probe, line) in SECRET_FILES {
        if !repo.is_path_ignored(probe).unwrap_or(false) && !lines.contains(line) {
            lines.push(line);
        }
    }
    lines
}

fn ignored(repo: &Repository) -> Option<Verdict> {
    let missing = missing_ignores(repo);
    Some(match missing.is_empty() {
        true => Verdict::ok(".gitignore covers .env files, .netrc, kaggle.json and key files"),
        false => Verdict::fix(
            format!(
                ".gitignore does not cover {}: a `git add .` would commit such a file",
                missing.join(", ")
            ),
            format!(
                "add to .gitignore: {} (with `!.env.example` for a template)",
                missing.join(" ")
            ),
        ),
    })
}

/// Whether a tracked path is a secret-bearing file by its name.
fn is_secret_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if ENV_TEMPLATES.contains(&name) {
        return false;
    }
    name == ".env"
        || name.starts_with(".env.")
        || matches!(
            name,
            ".netrc" | "kaggle.json" | "id_rsa" | "id_ed25519" | "id_ecdsa"
        )
        || name.ends_with(".pem") && !name.ends_with(".pub.pem")
}

fn tracked(repo: &Repository) -> Option<Verdict> {
    let index = repo.index().ok()?;
    let paths: Vec<String> = index
        .iter()
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
        .filter(|p| is_secret_file(p))
        .collect();
    Some(match paths.is_empty() {
        true => Verdict::ok("no secret-bearing file (.env, .netrc, key files) is tracked"),
        false => {
            let shown: Vec<String> = paths
                .iter()
                .map(|p| crate::sanitize::escape(p).into_owned())
                .collect();
            Verdict::fix(
                format!(
                    "tracked, so committed: {} (rotate what they hold; they stay in history)",
                    shown.join(", ")
                ),
                format!("git rm --cached {}", shown.join(" ")),
            )
        }
    })
}

/// The pre-commit framework's configuration, if the repository has one.
fn precommit_config(top: &Path) -> Option<String> {
    [".pre-commit-config.yaml", ".pre-commit-config.yml"]
        .iter()
        .find_map(|n| read_small(&top.join(n)))
}

/// A small text file's contents (configuration files; never more than 1 MiB, never through a
/// link to somewhere else's secrets: a link is read as what it points to, like git does).
fn read_small(path: &Path) -> Option<String> {
    crate::fsx::read_regular_text(path, "file", 1 << 20).ok()
}

fn hook(repo: &Repository, framework: &str) -> Option<Verdict> {
    let dir = crate::hook::hooks_dir(repo).ok()?;
    let installed = read_small(&dir.join("pre-commit")).unwrap_or_default();
    let framework = framework.contains("caulk");
    let hook_is_framework = installed.contains("pre-commit") && installed.contains("pre_commit")
        || installed.contains("File generated by pre-commit");
    Some(if crate::hook::is_caulks(&installed) {
        Verdict::ok("caulk's pre-commit hook is installed in this clone")
    } else if framework && hook_is_framework {
        Verdict::ok("the pre-commit framework runs caulk, and its hook is installed in this clone")
    } else if framework {
        Verdict::fix(
            ".pre-commit-config.yaml runs caulk, but its hook is not installed in this clone: \
             commits are not checked",
            "pre-commit install",
        )
    } else {
        Verdict::fix(
            "no pre-commit hook runs caulk in this clone: commits are not checked before they are made",
            match installed.is_empty() {
                true => "caulk install-hook",
                false => "caulk install-hook --chain (keeps the hook that is there, run first)",
            },
        )
    })
}

fn notebooks(repo: &Repository, framework: &str) -> Option<Verdict> {
    let Some(nb) = first_notebook(repo) else {
        return Some(Verdict::ok("no tracked notebook: no output to strip"));
    };
    if framework.contains("caulk-strip-notebooks") || framework.contains("nbstripout") {
        return Some(Verdict::ok(
            "notebook outputs are checked by a pre-commit hook (caulk-strip-notebooks or nbstripout)",
        ));
    }
    let filter = notebook_filter(repo, &nb);
    let config = repo.config().ok()?;
    Some(match filter {
        Some(name) if config.get_string(&format!("filter.{name}.clean")).is_ok() => Verdict::ok(
            format!("notebook outputs are stripped by the `{name}` git filter"),
        ),
        Some(name) => Verdict::fix(
            format!(
                "the attributes send notebooks through the `{name}` filter, but this clone has no \
                 `filter.{name}.clean`: outputs are committed as they are"
            ),
            match name.as_str() {
                "nbstripout" => "nbstripout --install".to_string(),
                "caulk" => "caulk strip --install".to_string(),
                _ => format!("git config filter.{name}.clean '<the command that strips outputs>'"),
            },
        ),
        None => Verdict::fix(
            format!(
                "notebooks are tracked ({}, …) and nothing strips their outputs: a printed key is \
                 committed with them",
                crate::sanitize::escape(&nb)
            ),
            "caulk strip --install (a git filter: outputs never reach the index, the working copy \
             keeps them), or the `caulk-strip-notebooks` pre-commit hook",
        ),
    })
}

/// The first notebook the index holds, if any.
fn first_notebook(repo: &Repository) -> Option<String> {
    let index = repo.index().ok()?;
    index
        .iter()
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
        .find(|p| p.ends_with(".ipynb"))
}

/// The git filter the attributes give notebook `nb`, if any.
fn notebook_filter(repo: &Repository, nb: &str) -> Option<String> {
    repo.get_attr(
        Path::new(nb),
        "filter",
        git2::AttrCheckFlags::FILE_THEN_INDEX,
    )
    .ok()
    .flatten()
    .map(str::to_string)
}

fn ci(top: &Path, framework: &str) -> Option<Verdict> {
    let mut files = Vec::new();
    for dir in [
        ".github/workflows",
        ".gitea/workflows",
        ".forgejo/workflows",
    ] {
        if let Ok(rd) = std::fs::read_dir(top.join(dir)) {
            files.extend(rd.flatten().map(|e| e.path()));
        }
    }
    files.extend(
        [
            ".gitlab-ci.yml",
            "azure-pipelines.yml",
            "bitbucket-pipelines.yml",
            ".circleci/config.yml",
            "Jenkinsfile",
        ]
        .map(|f| top.join(f)),
    );
    let runs_pre_commit = framework.contains("caulk");
    for f in files {
        let Some(text) = read_small(&f) else { continue };
        let direct = text.contains("caulk");
        let via_framework = runs_pre_commit && text.contains("pre-commit");
        if direct || via_framework {
            let name = f.strip_prefix(top).unwrap_or(&f).display().to_string();
            return Some(Verdict::ok(format!(
                "CI runs caulk ({}{})",
                crate::sanitize::escape(&name),
                if direct { "" } else { ", through pre-commit" }
            )));
        }
    }
    Some(Verdict::fix(
        "no CI job runs caulk: a commit made with `--no-verify`, or from a clone without the hook, \
         is never checked",
        "add caulk's GitHub Action to a workflow (README, \"Git: pre-commit hook and CI\"), or run \
         `caulk history origin/main..HEAD` in your CI job",
    ))
}

/// The safe fixes: the missing `.gitignore` lines, and caulk's hook when neither caulk's nor the
/// framework's is there. Returns what was done.
fn apply_fixes(repo: &Repository, top: &Path, framework: &str) -> Result<Vec<String>> {
    let mut done = Vec::new();
    let missing = missing_ignores(repo);
    if !missing.is_empty() {
        let path = top.join(".gitignore");
        let mut text = crate::fsx::text_to_rewrite(
            &path,
            ".gitignore",
            &format!("add {} by hand", missing.join(" ")),
        )?;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("# Secrets (caulk doctor --fix)\n");
        for line in &missing {
            text.push_str(line);
            text.push('\n');
        }
        if missing.contains(&".env.*") && !text.contains("!.env.example") {
            text.push_str("!.env.example\n");
        }
        crate::fsx::write_atomic(&path, text.as_bytes(), None, crate::fsx::Existing::Replace)?;
        done.push(format!(".gitignore: added {}", missing.join(" ")));
    }
    // Notebooks with no output guard at all get caulk's filter (one with a filter named but not
    // configured is left to the tool it names).
    if let Some(Verdict { fix: Some(_), .. }) = notebooks(repo, framework)
        && first_notebook(repo).is_some_and(|nb| notebook_filter(repo, &nb).is_none())
    {
        done.push(crate::strip::filter::install(repo, None, &[])?);
    }
    let dir = crate::hook::hooks_dir(repo)?;
    let installed = read_small(&dir.join("pre-commit")).unwrap_or_default();
    if !framework.contains("caulk") && !crate::hook::is_caulks(&installed) {
        let chain = std::fs::symlink_metadata(dir.join("pre-commit")).is_ok();
        done.push(crate::hook::install(repo, false, chain)?);
    }
    Ok(done)
}
