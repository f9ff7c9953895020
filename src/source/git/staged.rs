//! `caulk staged`: what the index adds against `HEAD`, judged line by line, and the files named
//! to the hook that have nothing staged, scanned whole.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use git2::{DiffOptions, ErrorCode, Oid, Repository};

use crate::decode::Input;
use crate::finding::{Provenance, Stage};
use crate::scan;
use crate::summary::{ScanResult, Summary, Unread};
use caulk_engine::engine::Engine;

use super::index::{self, Entry, Fnv, Index, PathMap};
use super::repo::{
    Blob, Contents, each_entry, find_tree, finish, open_repo, path_from_bytes, path_str, read_blob,
};

/// Options of `caulk staged`.
#[derive(Debug, Clone)]
pub(crate) struct StagedOptions {
    /// Blobs larger than this are skipped (0: no limit).
    pub max_file_size: u64,
    /// The files to check, as named on the command line (relative to the current directory): the
    /// pre-commit framework hands these. Empty: everything staged.
    pub paths: Vec<PathBuf>,
    /// Threads for the named files scanned whole (0: one per core).
    pub threads: usize,
}

/// Scans what is staged: the index against `HEAD` (or the empty tree before the first commit),
/// keeping the findings that stand on added lines of the staged files.
///
/// With `paths`, only those files are checked: one with staged changes by the lines the commit
/// adds, one with nothing staged (what `pre-commit run --all-files` or `--files` hands over)
/// whole, from the working tree, exactly as `caulk scan FILE` reads it.
pub(crate) fn staged(engine: &Engine, opts: &StagedOptions) -> Result<ScanResult> {
    let started = Instant::now();
    let repo = open_repo()?;
    let Some(top) = repo.workdir().filter(|_| !repo.is_bare()) else {
        bail!(
            "`caulk staged` needs a work tree, and {} is a bare repository (nothing is staged in it): \
             run it in a clone with a work tree, or scan commits with `caulk history`",
            repo.path().display()
        );
    };
    let named = match opts.paths.is_empty() {
        true => None,
        false => Some(repo_paths(top, &opts.paths)?),
    };
    let head_tree = match repo.head() {
        Ok(head) => Some(
            head.peel_to_tree()
                .context("cannot read the tree of HEAD")?,
        ),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
        Err(e) => bail!("cannot read HEAD: {}", e.message()),
    };
    // `git commit -a` and `git commit PATH` hand the hook a temporary index in GIT_INDEX_FILE.
    let index_path =
        std::env::var_os("GIT_INDEX_FILE").map_or_else(|| repo.path().join("index"), PathBuf::from);
    let index = match std::fs::read(&index_path)
        .ok()
        .and_then(|b| index::read(&b))
    {
        Some(index) => index,
        // A split or sparse index, another version, or none yet: libgit2 reads it.
        None => libgit2_index(&repo, &index_path)?,
    };
    let mut result = ScanResult::default();
    // Named paths: those with staged content are judged below by their added lines; the rest are
    // scanned whole from the working tree.
    let (judged, whole) = match &named {
        None => (None, Vec::new()),
        Some(named) => {
            let (judged, whole) = split_named(&index, head_tree.as_ref(), named)?;
            (Some(judged), whole)
        }
    };
    let mut changes = staged_changes(&repo, head_tree.as_ref(), &index, &mut result.summary)?;
    if let Some(judged) = &judged {
        changes.retain(|c| judged.contains(&c.path));
    }
    for change in changes {
        let path = path_from_bytes(&change.path);
        let display = path_str(&path);
        let prov = Provenance {
            stage: Stage::Index,
            ..Provenance::new(&display, &display, &path)
        };
        let blob = match read_blob(&repo, change.new, opts.max_file_size) {
            Ok(Blob::Read(blob)) => blob,
            Ok(Blob::TooLarge(len)) => {
                result.summary.skipped_too_large += 1;
                let max = opts.max_file_size;
                result
                    .summary
                    .unread
                    .push(Unread::too_large(&display, len, max));
                continue;
            }
            Err(e) => {
                result.summary.unread.push(Unread::error(
                    &display,
                    format!(
                        "cannot read the staged blob {}: {} (run `git fsck`)",
                        change.new,
                        e.message()
                    ),
                ));
                continue;
            }
        };
        let text = match Contents::of(blob.content()) {
            Contents::Text(text) => text,
            Contents::Binary(bytes) => {
                // Lines mean nothing in binary data: what the commit adds is every secret of
                // its printable runs that the blob it replaces did not hold.
                let old = change.old.and_then(|o| repo.find_blob(o).ok());
                let old = old.as_ref().map_or(&[][..], |b| b.content());
                let got = scan::scan_input(engine, Input::Binary(bytes), &path, &prov);
                result.record(&display, got, |f| {
                    memchr::memmem::find(old, f.raw_secret.as_bytes()).is_none()
                });
                continue;
            }
        };
        // A new file adds every line; an edited (or renamed and edited) one, what the diff adds.
        let added: Option<HashSet<usize>> = match change.old {
            None => None,
            Some(old) => added_lines(&repo, old, &text)?,
        };
        if added.as_ref().is_some_and(HashSet::is_empty) {
            continue; // only deletions: nothing new to scan
        }
        let got = scan::scan_input(engine, Input::Text(&text), &path, &prov);
        result.record(&display, got, |f| {
            added
                .as_ref()
                .is_none_or(|a| (f.line..=f.end_line).any(|l| a.contains(&l)))
        });
    }
    if !whole.is_empty() {
        scan_whole(engine, opts, whole, &mut result);
    }
    finish(&mut result, started);
    Ok(result)
}

/// A path named to `caulk staged`: as given (to open it) and relative to the work tree's top
/// (to find it in the index), `/`-separated.
struct Named {
    given: PathBuf,
    rel: Vec<u8>,
}

/// Resolves the named paths against the work tree's top, as git resolves pathspecs: relative to
/// the current directory. A path outside the work tree is an error naming it.
fn repo_paths(top: &Path, paths: &[PathBuf]) -> Result<Vec<Named>> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let top = top.canonicalize().unwrap_or_else(|_| top.to_path_buf());
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    paths
        .iter()
        .map(|given| {
            // Lexically: the path may be a staged deletion, gone from the disk.
            let mut abs = PathBuf::new();
            for c in cwd.join(given).components() {
                match c {
                    std::path::Component::CurDir => {}
                    std::path::Component::ParentDir => {
                        abs.pop();
                    }
                    c => abs.push(c),
                }
            }
            let rel = abs.strip_prefix(&top).map_err(|_| {
                anyhow!(
                    "{}: outside the repository at {}; name files inside it",
                    given.display(),
                    top.display()
                )
            })?;
            let mut bytes = Vec::new();
            for (i, part) in rel.components().enumerate() {
                if i > 0 {
                    bytes.push(b'/');
                }
                bytes.extend_from_slice(&os_bytes(part.as_os_str()));
            }
            Ok(Named {
                given: given.clone(),
                rel: bytes,
            })
        })
        .collect()
}

/// A path component's bytes.
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        s.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        s.to_string_lossy().replace('\\', "/").into_bytes()
    }
}

/// Splits the named paths into those whose content is staged (the index differs from `HEAD`:
/// judged by the lines the commit adds) and those to scan whole from the working tree (nothing
/// staged, untracked, or in conflict). A staged deletion gone from the disk has nothing to scan;
/// a directory is refused (the framework names files).
fn split_named(
    index: &Index,
    head: Option<&git2::Tree>,
    named: &[Named],
) -> Result<(HashSet<Vec<u8>>, Vec<Named>)> {
    let mut judged = HashSet::new();
    let mut whole = Vec::new();
    for n in named {
        let path = path_from_bytes(&n.rel);
        let in_head = head
            .and_then(|t| t.get_path(&path).ok())
            .map(|e| (e.id(), e.kind()));
        if n.rel.is_empty()
            || n.given.is_dir()
            || matches!(in_head, Some((_, Some(git2::ObjectType::Tree))))
        {
            bail!(
                "{}: a directory; name files (as the pre-commit framework does), run `caulk staged` \
                 without paths for everything staged, or `caulk scan {}` for the whole folder",
                n.given.display(),
                n.given.display()
            );
        }
        let staged_id = index.get(&n.rel, 0).map(|e| e.id);
        let on_disk = std::fs::symlink_metadata(&n.given).is_ok();
        match (staged_id, in_head) {
            // Staged content: the commit's added lines decide.
            (Some(id), Some((old, _))) if id != old => {
                judged.insert(n.rel.clone());
            }
            (Some(_), None) => {
                judged.insert(n.rel.clone());
            }
            // A staged deletion: nothing to scan, unless the file is still there (untracked now).
            (None, Some(_)) if !on_disk && !in_conflict(index, &n.rel) => {}
            _ => whole.push(Named {
                given: n.given.clone(),
                rel: n.rel.clone(),
            }),
        }
    }
    Ok((judged, whole))
}

/// Whether the index holds `path` only as an unresolved conflict.
fn in_conflict(index: &Index, path: &[u8]) -> bool {
    (1..=3).any(|stage| index.get(path, stage).is_some())
}

/// The index as libgit2 reads it (`GIT_INDEX_FILE`'s, else the repository's; empty when there
/// is none yet), in git's order.
fn libgit2_index(repo: &Repository, path: &Path) -> Result<Index> {
    let index = match std::env::var_os("GIT_INDEX_FILE") {
        Some(_) => git2::Index::open(path).with_context(|| {
            format!("cannot open the index {} (GIT_INDEX_FILE)", path.display())
        })?,
        None => repo.index().context("cannot read the git index")?,
    };
    let mut entries: Vec<Entry> = index
        .iter()
        .map(|e| Entry {
            path: e.path,
            id: e.id,
            mode: e.mode,
            stage: (e.flags >> 12) & 0x3,
        })
        .collect();
    entries.sort_unstable_by(|a, b| (&a.path, a.stage).cmp(&(&b.path, b.stage)));
    let cache = std::fs::read(path)
        .ok()
        .and_then(|b| index::cache_tree(&b))
        .unwrap_or_default();
    Ok(Index { entries, cache })
}

/// Scans the named files that have nothing staged whole, from the working tree, through the
/// same scan `caulk scan FILE` runs, and adds what it gave to `result` with repository-relative
/// paths. A file that does not exist is named as unread (the exit is then not 0).
fn scan_whole(engine: &Engine, opts: &StagedOptions, whole: Vec<Named>, result: &mut ScanResult) {
    let mut paths = Vec::new();
    for n in whole {
        let shown = n.given.to_string_lossy();
        let shown = shown.strip_prefix("./").unwrap_or(&shown).to_string();
        if std::fs::symlink_metadata(&n.given)
            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            result.summary.unread.push(Unread::error(
                shown,
                "no such file, and not staged as a deletion: name files that exist",
            ));
            continue;
        }
        paths.push(n.given);
    }
    if paths.is_empty() {
        return;
    }
    let got = crate::source::files::scan(
        engine,
        &crate::source::files::FileOptions {
            paths,
            no_ignore: false,
            follow: false,
            max_file_size: opts.max_file_size,
            threads: opts.threads,
            repo_paths_shown: true,
        },
    );
    result.findings.extend(got.findings);
    result.warnings.extend(got.warnings);
    result.summary.add(&got.summary.tally());
    result.summary.unread.extend(got.summary.unread);
}

/// A staged file whose content is new to this commit.
struct Change {
    /// Its path in the index.
    path: Vec<u8>,
    /// The staged blob.
    new: Oid,
    /// The blob it replaces: the same path in `HEAD`, or the file it was renamed from.
    old: Option<Oid>,
}

/// Index mode bits of a gitlink (submodule) and of a symbolic link.
const MODE_GITLINK: u32 = 0o160000;

const MODE_LINK: u32 = 0o120000;

/// What the index changes against `HEAD`'s tree: files added or edited, renames paired with the
/// file they came from (same blob: nothing new; else the most similar deleted file), submodules,
/// symbolic links and unresolved conflicts left out. Comparing the index with the tree directly
/// is several times faster than a full diff on a large repository, and a hook must be fast.
fn staged_changes(
    repo: &Repository,
    head: Option<&git2::Tree>,
    index: &Index,
    summary: &mut Summary,
) -> Result<Vec<Change>> {
    let mut before = PathMap::default();
    let mut same_dirs: HashSet<Vec<u8>, std::hash::BuildHasherDefault<Fnv>> = HashSet::default();
    if let Some(tree) = head {
        tree_files(
            repo,
            tree,
            &mut Vec::new(),
            &index.cache,
            &mut same_dirs,
            &mut before,
        )?;
    }
    let mut changes = Vec::new();
    let mut still_there = 0;
    for e in &index.entries {
        if !same_dirs.is_empty() && in_same_dir(&e.path, &same_dirs) {
            continue;
        }
        let stage = e.stage;
        let old = before.get(&e.path).copied();
        still_there += usize::from(old.is_some() && stage == 0);
        if stage != 0 || old == Some(e.id) {
            continue;
        }
        // A submodule's commit or a symbolic link's target path: counted, not scanned.
        match e.mode & 0o170000 {
            MODE_GITLINK => summary.skipped_submodules += 1,
            MODE_LINK => summary.skipped_symlinks += 1,
            _ => {}
        }
        if matches!(e.mode & 0o170000, MODE_GITLINK | MODE_LINK) {
            continue;
        }
        changes.push(Change {
            path: e.path.clone(),
            new: e.id,
            old,
        });
    }
    // Renames: a new path whose blob, or most of whose lines, a deleted path had.
    if still_there < before.len() && changes.iter().any(|c| c.old.is_none()) {
        let staged: HashSet<&[u8]> = index.entries.iter().map(|e| e.path.as_slice()).collect();
        let deleted: Vec<Oid> = before
            .iter()
            .filter(|(p, _)| !staged.contains(p.as_slice()))
            .map(|(_, &id)| id)
            .collect();
        let mut kept = Vec::new();
        for mut c in changes {
            if c.old.is_none() {
                if deleted.contains(&c.new) {
                    continue; // a pure rename brings no new content
                }
                c.old = most_similar(repo, c.new, &deleted);
            }
            kept.push(c);
        }
        changes = kept;
    }
    Ok(changes)
}

/// Whether `path` lies below one of the directories known to be the same in `HEAD` and the index.
fn in_same_dir(path: &[u8], same: &HashSet<Vec<u8>, std::hash::BuildHasherDefault<Fnv>>) -> bool {
    let mut end = path.len();
    while let Some(i) = memchr::memrchr(b'/', &path[..end]) {
        if same.contains(&path[..i]) {
            return true;
        }
        end = i;
    }
    same.contains(&b""[..])
}

/// Every file below `tree` (path → blob), except below directories whose tree the index's cache
/// tree says is unchanged: those go into `same` and are not read.
fn tree_files(
    repo: &Repository,
    tree: &git2::Tree,
    prefix: &mut Vec<u8>,
    cache: &PathMap,
    same: &mut HashSet<Vec<u8>, std::hash::BuildHasherDefault<Fnv>>,
    out: &mut PathMap,
) -> Result<()> {
    if cache.get(prefix.as_slice()) == Some(&tree.id()) {
        same.insert(prefix.clone());
        return Ok(());
    }
    each_entry(tree, prefix, |entry, path| {
        match entry.kind() {
            // A directory the cache tree vouches for is not read at all: resolving a tree from a
            // pack costs about a tenth of a millisecond, and large repositories have thousands.
            Some(git2::ObjectType::Tree) if cache.get(path.as_slice()) == Some(&entry.id()) => {
                same.insert(path.clone());
            }
            Some(git2::ObjectType::Tree) => {
                tree_files(
                    repo,
                    &find_tree(repo, entry.id(), path)?,
                    path,
                    cache,
                    same,
                    out,
                )?;
            }
            Some(git2::ObjectType::Blob) => {
                out.insert(path.clone(), entry.id());
            }
            _ => {}
        }
        Ok(())
    })
}

/// The deleted blob sharing the most lines with `new`, if it shares at least half of them.
fn most_similar(repo: &Repository, new: Oid, deleted: &[Oid]) -> Option<Oid> {
    let new_blob = repo.find_blob(new).ok()?;
    let new_lines: Vec<&[u8]> = new_blob.content().split(|&b| b == b'\n').collect();
    deleted
        .iter()
        .filter_map(|&id| {
            let old = repo.find_blob(id).ok()?;
            let old_lines: HashSet<&[u8]> = old.content().split(|&b| b == b'\n').collect();
            let shared = new_lines.iter().filter(|l| old_lines.contains(*l)).count();
            (shared * 2 >= new_lines.len()).then_some((shared, id))
        })
        .max()
        .map(|(_, id)| id)
}

/// Line numbers (1-based, in `new`) that the change from blob `old` to blob `new` adds.
/// The lines of `new` (decoded text) that are not in the blob `old`; `None` when every line is
/// new (the old blob was binary). Both sides are diffed as decoded text with lone `\r` read as line
/// ends, so the numbers match caulk's own lines for UTF-16, CRLF and old Mac files alike.
fn added_lines(repo: &Repository, old: Oid, new: &[u8]) -> Result<Option<HashSet<usize>>> {
    let old_blob = repo.find_blob(old)?;
    let crate::decode::text::Content::Text(old) = crate::decode::text::content(old_blob.content())
    else {
        return Ok(None);
    };
    let mut opts = DiffOptions::new();
    opts.context_lines(0).force_text(true);
    let mut added = HashSet::new();
    let (old, new) = (lone_cr_as_lf(&old), lone_cr_as_lf(new));
    let patch = git2::Patch::from_buffers(&old, None, &new, None, Some(&mut opts))?;
    for h in 0..patch.num_hunks() {
        for l in 0..patch.num_lines_in_hunk(h)? {
            let line = patch.line_in_hunk(h, l)?;
            if line.origin() == '+'
                && let Some(n) = line.new_lineno()
            {
                added.insert(n as usize);
            }
        }
    }
    Ok(Some(added))
}

/// `text` with each `\r` that does not start a `\r\n` replaced by `\n` (same length).
fn lone_cr_as_lf(text: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let lone = |i: usize| text[i] == b'\r' && text.get(i + 1) != Some(&b'\n');
    if !memchr::memchr_iter(b'\r', text).any(lone) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_vec();
    for i in memchr::memchr_iter(b'\r', text) {
        if lone(i) {
            out[i] = b'\n';
        }
    }
    std::borrow::Cow::Owned(out)
}
