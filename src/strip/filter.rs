//! `caulk strip --install` / `--uninstall` / `--status`: caulk as the git filter that keeps
//! notebook outputs out of the index, set up as `nbstripout --install` sets up its own, under
//! caulk's name: `filter.caulk.clean` runs `caulk strip` (notebook on stdin, stripped notebook on
//! stdout), `filter.caulk.smudge` is `cat`, `filter.caulk.required` is true, `diff.caulk.textconv`
//! runs `caulk strip --textconv`, and the attributes file (`.git/info/attributes` unless
//! `--attributes FILE`) holds `*.ipynb filter=caulk` and `*.ipynb diff=caulk`. The working copy
//! keeps its outputs; what is staged and committed has none.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{AttrCheckFlags, ConfigLevel, Repository};

use crate::sanitize::shell_word;

/// The attribute line that sends notebooks through the filter.
const FILTER_LINE: &str = "*.ipynb filter=caulk";
/// The attribute line that shows notebook diffs stripped.
const DIFF_LINE: &str = "*.ipynb diff=caulk";
/// The git configuration keys caulk sets.
const KEYS: &[&str] = &[
    "filter.caulk.clean",
    "filter.caulk.smudge",
    "filter.caulk.required",
    "diff.caulk.textconv",
];

/// The attributes file: the one named (relative to the current folder, as nbstripout reads
/// it), else `info/attributes` in the repository's common git folder (shared by worktrees).
fn attributes_file(repo: &Repository, named: Option<&Path>) -> PathBuf {
    match named {
        Some(p) => p.to_path_buf(),
        None => repo.commondir().join("info").join("attributes"),
    }
}

/// The attributes file's text, empty if there is none; a symbolic link refused (caulk never
/// writes through one).
fn read_attributes(path: &Path) -> Result<String> {
    crate::fsx::text_to_rewrite(
        path,
        "attributes file",
        "name the file it points to with --attributes FILE",
    )
}

/// The clean command: this caulk's own path, `strip`, and the options given with `--install`.
fn clean_command(flags: &[String]) -> String {
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "caulk".into());
    // git runs a filter's command through the shell.
    let mut words = vec![shell_word(&exe), "strip".into()];
    words.extend(flags.iter().map(|f| shell_word(f)));
    words.join(" ")
}

/// Sets up the filter; returns what was done, for the user. `flags` are the strip options to
/// run the filter with (`--keep-count`, …).
pub(crate) fn install(repo: &Repository, named: Option<&Path>, flags: &[String]) -> Result<String> {
    let attrs = attributes_file(repo, named);
    let text = read_attributes(&attrs)?;
    let clean = clean_command(flags);
    let mut cfg = repo
        .config()
        .and_then(|c| c.open_level(ConfigLevel::Local))
        .context("cannot open the repository's git config")?;
    let set = (|| {
        cfg.set_str("filter.caulk.clean", &clean)?;
        cfg.set_str("filter.caulk.smudge", "cat")?;
        cfg.set_bool("filter.caulk.required", true)?;
        cfg.set_str("diff.caulk.textconv", &format!("{clean} --textconv"))
    })();
    set.context("cannot write the repository's git config")?;
    let has = |line: &str| text.lines().any(|l| l.trim() == line);
    let mut add = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        add.push('\n');
    }
    for line in [FILTER_LINE, DIFF_LINE] {
        if !has(line) {
            add.push_str(line);
            add.push('\n');
        }
    }
    if add.trim().is_empty() {
        return Ok(format!(
            "the notebook filter is installed (clean = {clean}); {} already sends *.ipynb through it",
            crate::fsx::shown(&attrs)
        ));
    }
    if let Some(dir) = attrs.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    }
    let others = text
        .lines()
        .filter(|l| l.trim_start().starts_with("*.ipynb filter=") && l.trim() != FILTER_LINE)
        .count();
    crate::fsx::write_atomic(
        &attrs,
        format!("{text}{add}").as_bytes(),
        None,
        crate::fsx::Existing::Replace,
    )
    .context("cannot write the attributes file")?;
    let overrides = if others > 0 {
        " (after the other `*.ipynb filter=` line there, so caulk's wins)"
    } else {
        ""
    };
    Ok(format!(
        "installed the notebook filter (clean = {clean}) and `{FILTER_LINE}` in {}{overrides}: \
         outputs stay in the working copy and never reach the index",
        crate::fsx::shown(&attrs)
    ))
}

/// Removes the filter's configuration and caulk's lines of the attributes file; returns what
/// was done.
pub(crate) fn uninstall(repo: &Repository, named: Option<&Path>) -> Result<String> {
    let attrs = attributes_file(repo, named);
    let text = read_attributes(&attrs)?;
    let mut cfg = repo
        .config()
        .and_then(|c| c.open_level(ConfigLevel::Local))
        .context("cannot open the repository's git config")?;
    let mut removed = 0;
    for key in KEYS {
        match cfg.remove(key) {
            Ok(()) => removed += 1,
            Err(e) if e.code() == git2::ErrorCode::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot remove {key} from the git config"));
            }
        }
    }
    let kept: Vec<&str> = text
        .split_inclusive('\n')
        .filter(|l| ![FILTER_LINE, DIFF_LINE].contains(&l.trim()))
        .collect();
    let kept = kept.concat();
    let lines = if kept.len() != text.len() {
        crate::fsx::write_atomic(&attrs, kept.as_bytes(), None, crate::fsx::Existing::Replace)
            .context("cannot write the attributes file")?;
        format!(" and caulk's lines of {}", crate::fsx::shown(&attrs))
    } else {
        String::new()
    };
    if removed == 0 && lines.is_empty() {
        return Ok("the notebook filter was not installed: nothing to remove".into());
    }
    Ok(format!("removed the notebook filter's git config{lines}"))
}

/// Whether the filter is installed for this repository's notebooks, and how (for `--status`):
/// `(installed, lines to print)`.
pub(crate) fn status(repo: &Repository) -> Result<(bool, String)> {
    let cfg = repo.config().context("cannot read the git config")?;
    let get = |k: &str| cfg.get_string(k).ok();
    let place = repo
        .workdir()
        .unwrap_or_else(|| repo.path())
        .display()
        .to_string();
    let place = place.trim_end_matches('/');
    let attr = repo
        .get_attr(
            Path::new("notebook.ipynb"),
            "filter",
            AttrCheckFlags::FILE_THEN_INDEX,
        )
        .context("cannot read the git attributes")?
        .map(str::to_string);
    let clean = get("filter.caulk.clean");
    let why = match (&clean, attr.as_deref()) {
        (None, _) => Some("filter.caulk.clean is not set".to_string()),
        (Some(_), Some("caulk")) => None,
        (Some(_), Some(other)) => Some(format!("*.ipynb files go through filter `{other}`")),
        (Some(_), None) => Some("no attributes file sends *.ipynb through it".to_string()),
    };
    let show = |k: &str| format!("  {k} = {}", get(k).as_deref().unwrap_or("(not set)"));
    match why {
        Some(why) => Ok((
            false,
            format!(
                "caulk: the notebook filter is not installed in {place}: {why}; \
                 `caulk strip --install` sets it up"
            ),
        )),
        None => Ok((
            true,
            format!(
                "caulk: the notebook filter is installed in {place}\n{}\n  *.ipynb: filter = caulk, diff = {}",
                KEYS.iter().map(|k| show(k)).collect::<Vec<_>>().join("\n"),
                repo.get_attr(
                    Path::new("notebook.ipynb"),
                    "diff",
                    AttrCheckFlags::FILE_THEN_INDEX
                )
                .ok()
                .flatten()
                .unwrap_or("(unset)")
            ),
        )),
    }
}
