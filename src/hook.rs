//! `caulk install-hook` / `uninstall-hook`: a git pre-commit hook that runs `caulk staged`.
//!
//! The hook goes where git looks for it: `core.hooksPath` when set, else the `hooks` folder of the
//! repository's common git directory (shared by all worktrees). caulk never replaces a hook it
//! did not write unless told to: `--chain` keeps it and runs it first, `--force` replaces it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::Repository;

/// The line that marks a hook as caulk's own.
const MARKER: &str = "# caulk pre-commit hook";
/// Where `--chain` moves the hook it found.
const CHAINED: &str = "pre-commit.caulk-chained";

/// The folder git runs hooks from.
pub(crate) fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let config = repo.config().context("cannot read the git config")?;
    if let Ok(p) = config.get_path("core.hooksPath") {
        if p.is_absolute() {
            return Ok(p);
        }
        // A relative hooksPath is relative to the work tree's top (or the git dir when bare).
        let base = repo.workdir().unwrap_or_else(|| repo.path());
        return Ok(base.join(p));
    }
    Ok(repo.commondir().join("hooks"))
}

fn script(chain: bool) -> String {
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "caulk".into());
    let chained = if chain {
        format!(
            "# The hook that was here before caulk runs first (as git would: only if executable).\n\
             chained=\"$(dirname \"$0\")/{CHAINED}\"\n\
             if [ -x \"$chained\" ]; then \"$chained\" \"$@\" || exit $?; fi\n"
        )
    } else {
        String::new()
    };
    format!(
        "#!/bin/sh\n{MARKER}: blocks commits that add secrets.\n\
         # Installed by `caulk install-hook`; remove it with `caulk uninstall-hook`.\n\
         # Bypass it knowingly with `git commit --no-verify` (CI scans again).\n\
         {chained}caulk={exe}\n[ -x \"$caulk\" ] || caulk=caulk\nexec \"$caulk\" staged\n",
        exe = crate::sanitize::shell_quote(&exe)
    )
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| is_caulks(&t))
}

/// Whether a hook script's text is the hook `caulk install-hook` writes.
pub(crate) fn is_caulks(script: &str) -> bool {
    script.contains(MARKER)
}

/// Installs the hook; returns what was done, for the user.
pub(crate) fn install(repo: &Repository, force: bool, chain: bool) -> Result<String> {
    let dir = hooks_dir(repo)?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("{}: cannot create the hooks folder", dir.display()))?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    let mut chain_kept = chained.exists();
    let present = std::fs::symlink_metadata(&hook).is_ok();
    if present && !is_ours(&hook) {
        if chain {
            if chained.exists() {
                bail!(
                    "{}: already exists; remove it or install with --force",
                    chained.display()
                );
            }
            std::fs::rename(&hook, &chained)
                .with_context(|| format!("{}: cannot move aside", hook.display()))?;
            chain_kept = true;
        } else if !force {
            bail!(
                "{}: a pre-commit hook caulk did not write is installed; `caulk install-hook --chain` runs it \
                 before caulk, `--force` replaces it",
                hook.display()
            );
        }
    }
    // A hook that is a symbolic link (to a tracked script, say) is replaced, never written through.
    crate::fsx::write_atomic(
        &hook,
        script(chain_kept).as_bytes(),
        Some(0o755),
        crate::fsx::Existing::Replace,
    )
    .context("cannot write the hook")?;
    let how = if chain_kept {
        " (runs the previous hook first)"
    } else {
        ""
    };
    Ok(format!(
        "installed {}{how}: commits that add secrets are blocked",
        hook.display()
    ))
}

/// Removes caulk's hook (and puts a chained one back); returns what was done.
pub(crate) fn uninstall(repo: &Repository) -> Result<String> {
    let dir = hooks_dir(repo)?;
    let hook = dir.join("pre-commit");
    if !hook.exists() {
        return Ok(format!(
            "no pre-commit hook at {}: nothing to remove",
            hook.display()
        ));
    }
    if !is_ours(&hook) {
        bail!(
            "{}: this pre-commit hook is not caulk's; left as it is",
            hook.display()
        );
    }
    std::fs::remove_file(&hook).with_context(|| format!("{}: cannot remove", hook.display()))?;
    let chained = dir.join(CHAINED);
    if chained.exists() {
        std::fs::rename(&chained, &hook)
            .with_context(|| format!("{}: cannot restore", chained.display()))?;
        return Ok(format!(
            "removed caulk's hook; restored the previous {}",
            hook.display()
        ));
    }
    Ok(format!("removed {}", hook.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_spaces() {
        assert_eq!(crate::sanitize::shell_quote("/a b/it's"), r"'/a b/it'\''s'");
    }

    #[test]
    fn script_runs_caulk_staged_and_the_chained_hook() {
        let s = script(true);
        assert!(s.starts_with("#!/bin/sh\n# caulk pre-commit hook"));
        assert!(s.contains("if [ -x \"$chained\" ]; then \"$chained\" \"$@\" || exit $?; fi"));
        assert!(s.ends_with("exec \"$caulk\" staged\n"));
        assert!(!script(false).contains("chained"));
    }
}
