//! The range audit: what a history range changes that decides what caulk reports, said to the
//! reviewer as notices — an allow pragma it adds, an edit to the configuration, the baseline or
//! `.caulkignore`, new patterns in a `.gitignore` or `.ignore`. Git hands over paths and bytes;
//! which files matter, and what to say of them, is decided here, beside the suppressions.

use crate::summary::Notice;

/// Ignore files whose new patterns a range reports: they decide which untracked files
/// `caulk scan` skips.
const IGNORE_FILES: [&str; 2] = [".gitignore", ".ignore"];

/// Why a path a range changes matters to the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Watched {
    /// The configuration (`caulk.toml`, `.caulk.toml`), `.caulkignore`, or a baseline or
    /// configuration in use (`watch`): any change is a notice.
    Policy,
    /// A `.gitignore` or `.ignore`: a notice when the change adds patterns.
    IgnoreFile,
}

/// Whether a change to the repository path `path` matters; `watch` lists the configuration and
/// baseline in use, as repository paths.
pub(crate) fn watched(path: &str, watch: &[String]) -> Option<Watched> {
    let base = path.rsplit('/').next().unwrap_or(path);
    if crate::config::NAMES.contains(&base)
        || base == crate::triage::suppress::IGNORE_FILE
        || watch.iter().any(|w| w == path)
    {
        Some(Watched::Policy)
    } else if IGNORE_FILES.contains(&base) {
        Some(Watched::IgnoreFile)
    } else {
        None
    }
}

/// The notice for a change to a file that decides what caulk reports.
pub(crate) fn policy_notice(path: &str, commit: Option<String>) -> Notice {
    Notice {
        path: path.to_string(),
        line: None,
        commit,
        message: format!(
            "this range changes {path}, which decides what caulk reports (allowlists, disabled \
             rules, baseline or accepted fingerprints): review the change"
        ),
    }
}

/// The notice for an ignore file whose new contents `new` add patterns that none of the `old`
/// versions (the file before the range) had; `None` when it adds none.
pub(crate) fn ignore_notice(
    path: &str,
    commit: Option<String>,
    new: &[u8],
    old: &[Vec<u8>],
) -> Option<Notice> {
    let added = added_patterns(new, old);
    let first = added.first()?;
    let more = match added.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    Some(Notice {
        path: path.to_string(),
        line: None,
        commit,
        message: format!(
            "this range adds ignore patterns to {path} (`{first}`{more}): caulk scans tracked \
             files whatever they say, but untracked files matching the new patterns are skipped \
             by `caulk scan`: review what they hide"
        ),
    })
}

/// The patterns `new` has that none of `old` had: lines that hide files (not blank, not
/// comments, not `!` negations), at most 60 characters of each.
fn added_patterns(new: &[u8], old: &[Vec<u8>]) -> Vec<String> {
    let old_lines: std::collections::HashSet<&[u8]> = old
        .iter()
        .flat_map(|b| b.split(|&c| c == b'\n'))
        .map(|l| l.trim_ascii())
        .collect();
    let mut added: Vec<String> = Vec::new();
    for line in new.split(|&c| c == b'\n').map(|l| l.trim_ascii()) {
        if line.is_empty() || line[0] == b'#' || line[0] == b'!' || old_lines.contains(line) {
            continue;
        }
        let shown: String = String::from_utf8_lossy(line).chars().take(60).collect();
        if !added.contains(&shown) {
            added.push(shown);
        }
    }
    added
}

/// The lines of `text` holding an allow pragma: (1-based line, the pragma, the line's bytes).
pub(crate) fn pragma_lines(text: &[u8]) -> Vec<(usize, String, Vec<u8>)> {
    if !crate::pragma::has_pragma(text) {
        return Vec::new();
    }
    let lines = crate::finding::LineIndex::new(text);
    (1..=lines.count())
        .filter_map(|n| {
            let (s, e) = lines.span(text, n);
            let line = &text[s..e];
            crate::pragma::pragma_text(line).map(|p| (n, p, line.to_vec()))
        })
        .collect()
}

/// The notice for an allow pragma a range adds at `path`:`line`.
pub(crate) fn pragma_notice(
    path: &str,
    line: usize,
    pragma: &str,
    commit: Option<String>,
) -> Notice {
    Notice {
        path: path.to_string(),
        line: Some(line),
        commit,
        message: format!(
            "this range adds an allow pragma (`{pragma}`): check that what it hides is not a live secret"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_audit_watches() {
        let watch = ["conf/policy.toml".to_string()];
        let cases = [
            ("caulk.toml", Some(Watched::Policy)),
            ("sub/.caulk.toml", Some(Watched::Policy)),
            (".caulkignore", Some(Watched::Policy)),
            ("conf/policy.toml", Some(Watched::Policy)),
            ("a/.gitignore", Some(Watched::IgnoreFile)),
            (".ignore", Some(Watched::IgnoreFile)),
            ("src/app.py", None),
            ("policy.toml", None),
        ];
        for (path, want) in cases {
            assert_eq!(watched(path, &watch), want, "{path}");
        }
    }

    #[test]
    fn only_new_hiding_patterns_are_noticed() {
        let old = vec![b"target/\n# build\n".to_vec()];
        assert!(
            ignore_notice(".gitignore", None, b"target/\n# more\n!keep.env\n\n", &old).is_none()
        );
        let n = ignore_notice(".gitignore", None, b"target/\n*.env\nsecrets/\n", &old).unwrap();
        assert!(n.message.contains("(`*.env` and 1 more)"), "{}", n.message);
    }
}
