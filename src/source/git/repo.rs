//! What every git source shares: opening the repository, reading a blob (its size from the
//! header first), walking a tree's entries, and folding what an input gave into the result.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, anyhow};
use git2::{ErrorCode, Oid, Repository};

use crate::decode::Input;
use crate::summary::ScanResult;

/// Opens the repository around the current directory (honouring `GIT_DIR` and friends, as a
/// hook must).
pub(crate) fn open_repo() -> Result<Repository> {
    // Objects are addressed by their hash already; re-hashing every object read costs a fifth
    // of a history scan and of a hook's run.
    git2::opts::strict_hash_verification(false);
    // Nor is an object read twice: history visits each tree and blob once. libgit2's object
    // cache (up to 256 MiB) only held on to them: a 3,001-commit history peaked at 110 MiB with
    // it, 69 without, in the same time.
    git2::opts::enable_caching(false);
    bound_pack_maps();
    Repository::open_from_env().map_err(|e| {
        if e.code() == ErrorCode::NotFound {
            anyhow!("not a git repository (or any parent up to the root); run caulk inside a git work tree")
        } else if e.code() == ErrorCode::Owner {
            let dir = std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| ".".into());
            anyhow!(
                "cannot open the git repository: {}; if you trust it (a CI checkout made by another \
                 user), run `git config --global --add safe.directory {dir}`",
                e.message()
            )
        } else {
            anyhow!("cannot open the git repository: {}", e.message())
        }
    })
}

/// Bounds the pack file that libgit2 keeps mapped. It maps packs in windows of up to 1 GiB and
/// keeps up to 8 GiB mapped, and what a history scan read of a pack stays resident: a 170 MiB
/// pack of notebook history peaked at 232 MiB. Windows of 2 MiB, 8 MiB mapped at most, least
/// recently used unmapped first: 58 MiB with two malloc arenas (`history`), in the same time
/// (windows of 4 and 16 mapped: 63 MiB; 8 and 32: 73 MiB).
fn bound_pack_maps() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: libgit2's global options are not synchronized, and git2 asks that they be set
        // before any other thread uses libgit2. `open_repo` runs on the main thread before a
        // scan starts any thread (a repository opened earlier on this thread, for the work
        // tree's top, reads none of them meanwhile). Unit tests that open repositories on
        // parallel test threads could race here; none calls `open_repo`.
        unsafe {
            let _ = git2::opts::set_mwindow_size(2 << 20);
            let _ = git2::opts::set_mwindow_mapped_limit(8 << 20);
        }
    });
}

/// A path inside the repository, as text.
pub(super) fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A blob read, or why it was not (over the limit; counted by the caller).
pub(super) enum Blob<'r> {
    Read(git2::Blob<'r>),
    TooLarge(u64),
}

pub(super) fn read_blob(repo: &Repository, id: Oid, max: u64) -> Result<Blob<'_>, git2::Error> {
    // The size from the object's header first: a blob over the limit is never inflated (a
    // 1.5 GiB blob would take 1.5 GiB of memory only to be skipped).
    if max > 0 {
        let (len, _) = repo.odb()?.read_header(id)?;
        if len as u64 > max {
            return Ok(Blob::TooLarge(len as u64));
        }
    }
    let blob = repo.find_blob(id)?;
    let len = blob.content().len() as u64;
    if max > 0 && len > max {
        return Ok(Blob::TooLarge(len));
    }
    Ok(Blob::Read(blob))
}

/// A blob's bytes as they are scanned: its text (decoded; borrowed unless it was UTF-16), or
/// the bytes themselves when binary (scanned for their printable runs).
pub(super) enum Contents<'a> {
    Text(Cow<'a, [u8]>),
    Binary(&'a [u8]),
}

impl<'a> Contents<'a> {
    pub(super) fn of(bytes: &'a [u8]) -> Contents<'a> {
        match crate::decode::text::content(bytes) {
            crate::decode::text::Content::Binary => Contents::Binary(bytes),
            crate::decode::text::Content::Text(t) => Contents::Text(t),
        }
    }

    pub(super) fn input(&self) -> Input<'_> {
        match self {
            Contents::Text(t) => Input::Text(t),
            Contents::Binary(b) => Input::Binary(b),
        }
    }
}

/// Sorts, counts and times a git scan's result.
pub(super) fn finish(result: &mut ScanResult, started: Instant) {
    result.findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.commit.cmp(&b.commit))
    });
    result.summary.unread.sort();
    result.warnings.sort();
    result.summary.count(&result.findings);
    result.summary.elapsed_ms = started.elapsed().as_millis() as u64;
}

/// Reads the tree `id` found at `path`, naming both if it cannot be read.
pub(super) fn find_tree<'r>(repo: &'r Repository, id: Oid, path: &[u8]) -> Result<git2::Tree<'r>> {
    repo.find_tree(id).map_err(|e| {
        anyhow!(
            "{}: cannot read tree {id}: {} (run `git fsck`)",
            String::from_utf8_lossy(path),
            e.message()
        )
    })
}

/// A repository path from its bytes.
pub(super) fn path_from_bytes(b: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(b))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(b).into_owned())
    }
}

/// Calls `f` on each entry of `tree`, with `prefix` extended to the entry's path meanwhile.
pub(super) fn each_entry(
    tree: &git2::Tree,
    prefix: &mut Vec<u8>,
    mut f: impl FnMut(&git2::TreeEntry, &mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    for entry in tree.iter() {
        in_child(prefix, entry.name_bytes(), |path| f(&entry, path))?;
    }
    Ok(())
}

/// Calls `f` with `prefix` extended by `name` (after a `/` unless it is empty), and puts
/// `prefix` back as it was.
pub(super) fn in_child<R>(
    prefix: &mut Vec<u8>,
    name: &[u8],
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> R {
    let len = prefix.len();
    if !prefix.is_empty() {
        prefix.push(b'/');
    }
    prefix.extend_from_slice(name);
    let done = f(prefix);
    prefix.truncate(len);
    done
}
