//! Where the git work tree around a path is: the configuration, the ignore file and the walker
//! all ask, and each discovery opens the repository, so the answer is remembered per path.

use std::path::{Path, PathBuf};

use git2::Repository;

/// The top of the git work tree `from` is in (`None` outside one, or in a bare repository).
/// Remembered per path: the configuration, the ignore file and the walker all ask, and each
/// discovery opens the repository.
pub(crate) fn work_tree_top(from: &Path) -> Option<PathBuf> {
    static SEEN: std::sync::Mutex<Vec<(PathBuf, Option<PathBuf>)>> =
        std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, top)) = seen.iter().find(|(p, _)| p == from) {
        return top.clone();
    }
    let top = Repository::discover(from)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf));
    seen.push((from.to_path_buf(), top.clone()));
    top
}
