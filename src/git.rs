//! Git sources: what is staged (for the pre-commit hook) and what history holds (for CI). Both
//! read blobs from the object database, never the working tree, and hand them to the same
//! [`scan::scan_contents`] the file walker uses, so notebooks are parsed here too.
//!
//! `staged` keeps the findings that stand on lines the commit adds. `history` walks commits
//! oldest first, notes the first commit and path that brought each blob, scans every distinct blob
//! once (in parallel, one repository handle per thread), and reports each secret once, with the
//! commit that introduced it.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use git2::{DiffOptions, ErrorCode, FileMode, Oid, Repository, Sort};
use rayon::prelude::*;

use crate::finding::{CommitInfo, Finding};
use crate::scan::{self, Notice, ScanResult, Summary, Unread};
use caulk_engine::engine::Engine;

/// Opens the repository around the current directory (honouring `GIT_DIR` and friends, as a
/// hook must).
pub fn open_repo() -> Result<Repository> {
    // Objects are addressed by their hash already; re-hashing every object read costs a fifth
    // of a history scan and of a hook's run.
    git2::opts::strict_hash_verification(false);
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

/// A path inside the repository, as text.
fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A blob's bytes as text (decoded), or as binary (scanned for its printable runs), or why it
/// is not read (over the limit; counted by the caller).
enum Blob {
    Text(Vec<u8>),
    Binary(Vec<u8>),
    TooLarge(u64),
}

fn read_blob(repo: &Repository, id: Oid, max: u64) -> Result<Blob, git2::Error> {
    // The size from the object's header first: a blob over the limit is never inflated (a
    // 1.5 GiB blob would take 1.5 GiB of memory only to be skipped).
    if max > 0 {
        let (len, _) = repo.odb()?.read_header(id)?;
        if len as u64 > max {
            return Ok(Blob::TooLarge(len as u64));
        }
    }
    let blob = repo.find_blob(id)?;
    let content = blob.content();
    if max > 0 && content.len() as u64 > max {
        return Ok(Blob::TooLarge(content.len() as u64));
    }
    Ok(match crate::text::content(content) {
        crate::text::Content::Binary => Blob::Binary(content.to_vec()),
        crate::text::Content::Text(t) => Blob::Text(t.into_owned()),
    })
}

/// Options of `caulk staged`.
#[derive(Debug, Clone)]
pub struct StagedOptions {
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
pub fn staged(engine: &Engine, opts: &StagedOptions) -> Result<ScanResult> {
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
    let cache = std::fs::read(&index_path)
        .ok()
        .and_then(|b| cache_tree(&b))
        .unwrap_or_default();
    let index = match std::env::var_os("GIT_INDEX_FILE") {
        Some(p) => git2::Index::open(Path::new(&p)).with_context(|| {
            format!(
                "cannot open the index {} (GIT_INDEX_FILE)",
                Path::new(&p).display()
            )
        })?,
        None => repo.index().context("cannot read the git index")?,
    };
    let mut result = ScanResult::default();
    let mut summary = Summary::default();
    // Named paths: those with staged content are judged below by their added lines; the rest are
    // scanned whole from the working tree.
    let (judged, whole) = match &named {
        None => (None, Vec::new()),
        Some(named) => {
            let (judged, whole) = split_named(&index, head_tree.as_ref(), named)?;
            (Some(judged), whole)
        }
    };
    let mut changes = staged_changes(&repo, head_tree.as_ref(), &index, &cache, &mut summary)?;
    if let Some(judged) = &judged {
        changes.retain(|c| judged.contains(&c.path));
    }
    for change in changes {
        let path = path_from_bytes(&change.path);
        let display = path_str(&path);
        let text = match read_blob(&repo, change.new, opts.max_file_size) {
            Ok(Blob::Text(t)) => t,
            Ok(Blob::Binary(bytes)) => {
                // Lines mean nothing in binary data: what the commit adds is every secret of
                // its printable runs that the blob it replaces did not hold.
                let old = change.old.and_then(|o| repo.find_blob(o).ok());
                let old = old.as_ref().map_or(&[][..], |b| b.content());
                summary.files_scanned += 1;
                summary.bytes_scanned += bytes.len() as u64;
                let got = scan::scan_binary(engine, &bytes, &path, &display);
                record(&mut result, &mut summary, &display, got, |f| {
                    memchr::memmem::find(old, f.raw_secret.as_bytes()).is_none()
                });
                continue;
            }
            Ok(Blob::TooLarge(len)) => {
                summary.skipped_too_large += 1;
                let max = opts.max_file_size;
                summary.unread.push(Unread::too_large(&display, len, max));
                continue;
            }
            Err(e) => {
                summary.unread.push(Unread::error(
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
        // A new file adds every line; an edited (or renamed and edited) one, what the diff adds.
        let added: Option<HashSet<usize>> = match change.old {
            None => None,
            Some(old) => added_lines(&repo, old, &text)?,
        };
        if added.as_ref().is_some_and(HashSet::is_empty) {
            continue; // only deletions: nothing new to scan
        }
        summary.files_scanned += 1;
        summary.bytes_scanned += text.len() as u64;
        let mut got = scan::scan_contents(engine, &text, &path, &display);
        if let Some(exact) = crate::finding::exact_bytes(&path) {
            for f in &mut got.findings {
                f.path_bytes = Some(exact.clone());
            }
        }
        record(&mut result, &mut summary, &display, got, |f| {
            added
                .as_ref()
                .is_none_or(|a| (f.line..=f.end_line).any(|l| a.contains(&l)))
        });
    }
    if !whole.is_empty() {
        scan_whole(engine, opts, whole, &mut result, &mut summary);
    }
    finish(&mut result, summary, started);
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
    index: &git2::Index,
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
        let staged_id = index.get_path(&path, 0).map(|e| e.id);
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
            (None, Some(_)) if !on_disk && !in_conflict(index, &path) => {}
            _ => whole.push(Named {
                given: n.given.clone(),
                rel: n.rel.clone(),
            }),
        }
    }
    Ok((judged, whole))
}

/// Whether the index holds `path` only as an unresolved conflict.
fn in_conflict(index: &git2::Index, path: &Path) -> bool {
    (1..=3).any(|stage| index.get_path(path, stage).is_some())
}

/// Scans the named files that have nothing staged whole, from the working tree, through the
/// same scan `caulk scan FILE` runs, and adds what it gave to `result` with repository-relative
/// paths. A file that does not exist is named as unread (the exit is then not 0).
fn scan_whole(
    engine: &Engine,
    opts: &StagedOptions,
    whole: Vec<Named>,
    result: &mut ScanResult,
    summary: &mut Summary,
) {
    let mut paths = Vec::new();
    let mut rel_of = std::collections::HashMap::new();
    for n in whole {
        let shown = n.given.to_string_lossy();
        let shown = shown.strip_prefix("./").unwrap_or(&shown).to_string();
        if std::fs::symlink_metadata(&n.given)
            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            summary.unread.push(Unread::error(
                shown,
                "no such file, and not staged as a deletion: name files that exist",
            ));
            continue;
        }
        rel_of.insert(shown, n.rel);
        paths.push(n.given);
    }
    if paths.is_empty() {
        return;
    }
    let got = scan::scan(
        engine,
        &scan::ScanOptions {
            paths,
            no_ignore: false,
            follow: false,
            max_file_size: opts.max_file_size,
            threads: opts.threads,
        },
    );
    for mut f in got.findings {
        if let Some(rel) = rel_of.get(&f.path) {
            let path = path_from_bytes(rel);
            f.path = path_str(&path);
            f.path_bytes = crate::finding::exact_bytes(&path);
        }
        result.findings.push(f);
    }
    result.warnings.extend(got.warnings);
    let s = got.summary;
    summary.files_scanned += s.files_scanned;
    summary.bytes_scanned += s.bytes_scanned;
    summary.skipped_binary += s.skipped_binary;
    summary.skipped_too_large += s.skipped_too_large;
    summary.skipped_symlinks += s.skipped_symlinks;
    summary.skipped_special += s.skipped_special;
    summary.skipped_ignored += s.skipped_ignored;
    summary.notebooks += s.notebooks;
    summary.notebooks_as_text += s.notebooks_as_text;
    summary.unread.extend(s.unread);
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
    index: &git2::Index,
    cache: &PathMap,
    summary: &mut Summary,
) -> Result<Vec<Change>> {
    let mut before = PathMap::default();
    let mut same_dirs: HashSet<Vec<u8>, std::hash::BuildHasherDefault<Fnv>> = HashSet::default();
    if let Some(tree) = head {
        tree_files(
            repo,
            tree,
            &mut Vec::new(),
            cache,
            &mut same_dirs,
            &mut before,
        )?;
    }
    let mut changes = Vec::new();
    let mut still_there = 0;
    for e in index.iter() {
        if !same_dirs.is_empty() && in_same_dir(&e.path, &same_dirs) {
            continue;
        }
        let stage = (e.flags >> 12) & 0x3;
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
            path: e.path,
            new: e.id,
            old,
        });
    }
    // Renames: a new path whose blob, or most of whose lines, a deleted path had.
    if still_there < before.len() && changes.iter().any(|c| c.old.is_none()) {
        let staged: HashSet<Vec<u8>> = index.iter().map(|e| e.path).collect();
        let deleted: Vec<Oid> = before
            .iter()
            .filter(|(p, _)| !staged.contains(*p))
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

/// The index's cache tree (its `TREE` extension): for each directory whose entries are unchanged
/// since its tree was last written, that tree's id. git keeps it to answer `git diff --cached`
/// without reading `HEAD`'s trees; caulk does the same. `None` when the index cannot be read
/// this way (an unknown version or hash, or no extension): then every tree is read.
fn cache_tree(index: &[u8]) -> Option<PathMap> {
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(index.get(at..at + 4)?.try_into().ok()?))
    };
    if index.get(..4)? != b"DIRC" {
        return None;
    }
    let version = be32(4)?;
    let count = be32(8)? as usize;
    if !(2..=4).contains(&version) {
        return None;
    }
    let mut at = 12;
    for _ in 0..count {
        let flags = u16::from_be_bytes(index.get(at + 60..at + 62)?.try_into().ok()?);
        let mut fixed = 62;
        if version >= 3 && flags & 0x4000 != 0 {
            fixed += 2;
        }
        if version == 4 {
            at += fixed;
            while *index.get(at)? & 0x80 != 0 {
                at += 1; // the varint of the prefix to strip
            }
            at += 1;
            at += memchr::memchr(0, index.get(at..)?)? + 1;
        } else {
            let name = memchr::memchr(0, index.get(at + fixed..)?)?;
            at += (fixed + name + 8) & !7;
        }
    }
    // Extensions follow, each a 4-byte signature and a 4-byte size; a 20-byte checksum ends the file.
    while at + 8 + 20 <= index.len() {
        let size = be32(at + 4)? as usize;
        let data = index.get(at + 8..at + 8 + size)?;
        if &index[at..at + 4] == b"TREE" {
            return parse_tree_extension(data);
        }
        at += 8 + size;
    }
    None
}

/// Reads the `TREE` extension's entries (pre-order: a directory, then its subdirectories).
fn parse_tree_extension(mut data: &[u8]) -> Option<PathMap> {
    let mut out = PathMap::default();
    // (path of the directory, subdirectories of it still to read)
    let mut stack: Vec<(Vec<u8>, usize)> = Vec::new();
    while !data.is_empty() {
        let nul = memchr::memchr(0, data)?;
        let name = &data[..nul];
        data = &data[nul + 1..];
        let nl = memchr::memchr(b'\n', data)?;
        let head = std::str::from_utf8(&data[..nl]).ok()?;
        data = &data[nl + 1..];
        let (entries, subtrees) = head.split_once(' ')?;
        let (entries, subtrees): (i64, usize) = (entries.parse().ok()?, subtrees.parse().ok()?);
        while stack.last().is_some_and(|(_, left)| *left == 0) {
            stack.pop();
        }
        let path = match stack.last_mut() {
            None => name.to_vec(),
            Some((parent, left)) => {
                *left -= 1;
                let mut p = parent.clone();
                if !p.is_empty() {
                    p.push(b'/');
                }
                p.extend_from_slice(name);
                p
            }
        };
        if entries >= 0 {
            let id = Oid::from_bytes(data.get(..20)?).ok()?;
            data = &data[20..];
            out.insert(path.clone(), id);
        }
        stack.push((path, subtrees));
    }
    Some(out)
}

/// Paths to blobs, hashed with FNV-1a: paths are short and trusted (they come from git), and
/// SipHash's protection against crafted collisions costs a hook a millisecond here.
type PathMap = std::collections::HashMap<Vec<u8>, Oid, std::hash::BuildHasherDefault<Fnv>>;

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
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

/// Calls `f` on each entry of `tree`, with `prefix` extended to the entry's path meanwhile.
fn each_entry(
    tree: &git2::Tree,
    prefix: &mut Vec<u8>,
    mut f: impl FnMut(&git2::TreeEntry, &mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    for entry in tree.iter() {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(entry.name_bytes());
        let done = f(&entry, prefix);
        prefix.truncate(len);
        done?;
    }
    Ok(())
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
    let crate::text::Content::Text(old) = crate::text::content(old_blob.content()) else {
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

/// Adds what one input gave to the result, keeping the findings `keep` accepts.
fn record(
    result: &mut ScanResult,
    summary: &mut Summary,
    display: &str,
    got: scan::Scanned,
    keep: impl Fn(&Finding) -> bool,
) {
    if got.notebook {
        summary.notebooks += 1;
    }
    summary.notebook_binary_outputs += got.notebook_binary_outputs;
    summary.binary_strings += u64::from(got.binary);
    if let Some(w) = got.as_text {
        summary.notebooks_as_text += 1;
        result.warnings.push(w);
    }
    summary
        .unread
        .extend(got.error.map(|e| Unread::error(display, e)));
    result
        .findings
        .extend(got.findings.into_iter().filter(|f| keep(f)));
}

/// Sorts, counts and times a git scan's result.
fn finish(result: &mut ScanResult, mut summary: Summary, started: Instant) {
    result.findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.commit.cmp(&b.commit))
    });
    summary.unread.sort();
    result.warnings.sort();
    summary.count(&result.findings);
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    result.summary = summary;
}

/// Options of `caulk history`.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// A revision range (`origin/main..HEAD`) or a single revision; `HEAD` when absent.
    pub range: Option<String>,
    /// Walk every ref, not only `HEAD`.
    pub all: bool,
    /// Stop at this commit (it and its ancestors are not scanned).
    pub since_commit: Option<String>,
    /// Blobs larger than this are skipped (0: no limit).
    pub max_file_size: u64,
    /// Threads for blob scanning (0: one per core).
    pub threads: usize,
    /// Show a progress bar on a terminal.
    pub progress: bool,
    /// Repository paths whose change a range must report (the configuration and baseline in
    /// use); `caulk.toml`, `.caulk.toml` and `.caulkignore` anywhere are watched always.
    pub watch: Vec<String>,
    /// Scan exactly the commits of a push instead (`caulk pre-push`); `range`, `all` and
    /// `since_commit` are then unused.
    pub push: Option<Push>,
}

/// The refs a `git push` updates, as its pre-push hook learns them: `caulk pre-push` scans the
/// commits they send and nothing else.
#[derive(Debug, Clone, Default)]
pub struct Push {
    /// The remote pushed to: its remote-tracking refs (`refs/remotes/NAME/*`) hold what it
    /// already has. `None`: every remote-tracking ref.
    pub remote: Option<String>,
    /// Each ref pushed, as (local revision, the remote's sha). A remote sha of zeros (a new ref)
    /// or one missing here sends what no remote-tracking ref of the remote has; a local sha of
    /// zeros is a deletion and sends nothing.
    pub updates: Vec<(String, String)>,
}

/// Reads git's pre-push input: one line per ref, `<local ref> SP <local sha> SP <remote ref> SP
/// <remote sha>`; blank lines are skipped. Returns (local sha, remote sha) pairs.
pub fn parse_push_lines(text: &str) -> Result<Vec<(String, String)>> {
    let hex = |s: &str| s.len() >= 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        // The local ref may hold spaces (`(delete)` does not, but a ref expression may): the
        // last three fields are fixed.
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[fields.len().saturating_sub(4)..] {
            [_, local, _, remote] if hex(local) && hex(remote) => {
                out.push((local.to_string(), remote.to_string()));
            }
            _ => bail!(
                "pre-push input, line {}: expected `<local ref> <local sha> <remote ref> <remote sha>` \
                 (what git hands a pre-push hook on standard input); run caulk pre-push from the hook, \
                 with no input to scan what HEAD would push",
                n + 1
            ),
        }
    }
    Ok(out)
}

/// Whether a sha is git's all-zeros "no object".
fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

/// The first commit and path that brought a blob; `commit` is `None` for a blob that a ref names
/// directly, or one inside a tree a ref names (`history --all`).
struct Origin {
    commit: Option<usize>,
    path: PathBuf,
}

/// Scans the blobs that the selected commits brought, each once.
pub fn history(engine: &Engine, opts: &HistoryOptions) -> Result<ScanResult> {
    let started = Instant::now();
    let repo = open_repo()?;
    let Selection {
        commits,
        boundary,
        grafts,
        ranged,
        objects,
    } = select_commits(&repo, opts)?;
    // Blobs and trees of the commits just outside a range were there before it: not new.
    let mut seen = Seen::default();
    let mut base_trees = Vec::new();
    for id in boundary {
        // A boundary commit missing from a shallow clone: nothing is known to predate the range.
        if let Ok(tree) = repo.find_commit(id).and_then(|c| c.tree()) {
            walk_tree(&repo, &tree, &mut Vec::new(), &mut seen, &mut |_, _| {})?;
            base_trees.push(tree);
        }
    }
    // What stood before the range is not the range's: count only what it brings.
    seen.symlinks.clear();
    seen.gitlinks.clear();
    let mut blobs: Vec<(Oid, Origin)> = Vec::new();
    for (ci, (id, _)) in commits.iter().enumerate() {
        let tree = repo.find_commit(*id)?.tree().map_err(|e| {
            anyhow!(
                "cannot read the tree of commit {id}: {} (run `git fsck`)",
                e.message()
            )
        })?;
        walk_tree(
            &repo,
            &tree,
            &mut Vec::new(),
            &mut seen,
            &mut |blob, path| {
                blobs.push((
                    blob,
                    Origin {
                        commit: Some(ci),
                        path,
                    },
                ));
            },
        )?;
    }
    // Trees and blobs that refs name directly (`git tag t <blob>`): what the commits did not
    // already bring, under the ref's name.
    for (name, id, kind) in &objects {
        let mut add = |blob: Oid, path: String| {
            blobs.push((
                blob,
                Origin {
                    commit: None,
                    path: PathBuf::from(path),
                },
            ))
        };
        match kind {
            git2::ObjectType::Blob => {
                if seen.blobs.insert(*id) {
                    add(*id, name.clone());
                }
            }
            _ => walk_tree(
                &repo,
                &find_tree(&repo, *id, name.as_bytes())?,
                &mut Vec::new(),
                &mut seen,
                &mut |blob, path| add(blob, format!("{name}:{}", path_str(&path))),
            )?,
        }
    }

    let progress = Progress::new(opts.progress, blobs.len() as u64);
    let git_dir = repo.path().to_path_buf();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()?;
    // A range (a pull request, a push) is checked for suppressions it adds itself.
    let in_range = ranged || !base_trees.is_empty();
    // `collect` keeps the order of `blobs`, which is the order of commits, oldest first.
    let outcomes: Vec<Outcome> = pool.install(|| {
        blobs
            .par_iter()
            .map_init(
                || Repository::open(&git_dir),
                |repo, (id, origin)| {
                    let outcome = match repo.as_ref().map(|r| read_blob(r, *id, opts.max_file_size))
                    {
                        Ok(Ok(Blob::Text(t))) => Outcome::Scanned(
                            t.len(),
                            scan::scan_contents(engine, &t, &origin.path, &path_str(&origin.path)),
                            if in_range {
                                pragma_lines(&t)
                            } else {
                                Vec::new()
                            },
                        ),
                        Ok(Ok(Blob::Binary(b))) => Outcome::Scanned(
                            b.len(),
                            scan::scan_binary(engine, &b, &origin.path, &path_str(&origin.path)),
                            Vec::new(),
                        ),
                        Ok(Ok(Blob::TooLarge(n))) => Outcome::TooLarge(n),
                        Ok(Err(e)) => Outcome::Error(e.message().to_string()),
                        Err(e) => Outcome::Error(e.message().to_string()),
                    };
                    progress.inc();
                    outcome
                },
            )
            .collect()
    });
    progress.finish();

    let ids: Vec<Oid> = commits.iter().map(|c| c.0).collect();
    let infos: Vec<CommitInfo> = commits.into_iter().map(|c| c.1).collect();
    let sha_of = |o: &Origin| o.commit.map(|c| infos[c].sha.clone());
    let mut result = ScanResult::default();
    let mut summary = Summary {
        commits: infos.len() as u64,
        git_history: true,
        skipped_symlinks: seen.symlinks.len() as u64,
        skipped_submodules: seen.gitlinks.len() as u64,
        ..Summary::default()
    };
    if repo.is_shallow() {
        summary.shallow = true;
        result.warnings.push(
            "this is a shallow clone: history stops at its graft, and older commits were not \
             scanned (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)"
                .to_string(),
        );
    }
    let mut reported: HashSet<String> = HashSet::new();
    for (outcome, (id, origin)) in outcomes.into_iter().zip(&blobs) {
        match outcome {
            Outcome::TooLarge(len) => {
                summary.skipped_too_large += 1;
                let shown = format!("{} (blob {id})", path_str(&origin.path));
                summary
                    .unread
                    .push(Unread::too_large(shown, len, opts.max_file_size));
            }
            Outcome::Error(e) => summary.unread.push(Unread::error(
                path_str(&origin.path),
                format!("cannot read blob {id}: {e} (run `git fsck`)"),
            )),
            Outcome::Scanned(bytes, mut got, pragmas) => {
                for (line, pragma, text) in pragmas {
                    // A pragma line that stood in the file before the range is not its doing.
                    if !stood_before(&repo, &base_trees, &origin.path, &text) {
                        summary.notices.push(Notice {
                            path: path_str(&origin.path),
                            line: Some(line),
                            commit: sha_of(origin),
                            message: format!(
                                "this range adds an allow pragma (`{pragma}`): check that what it hides is not a live secret"
                            ),
                        });
                    }
                }
                summary.files_scanned += 1;
                summary.bytes_scanned += bytes as u64;
                let exact = crate::finding::exact_bytes(&origin.path);
                // A shallow clone's graft shows its whole tree as new: what it holds may be older.
                let graft = origin
                    .commit
                    .filter(|&c| grafts.contains(&ids[c]))
                    .map(|c| {
                        format!(
                            "present at the shallow graft {}; introduced there or earlier (this \
                             clone lacks older history: `git fetch --unshallow` to find the commit)",
                            &infos[c].sha[..12.min(infos[c].sha.len())]
                        )
                    });
                for f in &mut got.findings {
                    f.commit = origin.commit.map(|c| infos[c].clone());
                    f.path_bytes.clone_from(&exact);
                    if let Some(g) = &graft {
                        f.note = Some(match f.note.take() {
                            Some(n) => format!("{n}; {g}"),
                            None => g.clone(),
                        });
                    }
                }
                // Each secret once per path, with the earliest commit that brought it.
                got.findings
                    .retain(|f| reported.insert(f.fingerprint.clone()));
                record(
                    &mut result,
                    &mut summary,
                    &path_str(&origin.path),
                    got,
                    |_| true,
                );
            }
        }
    }
    if in_range {
        for (id, origin) in &blobs {
            let p = path_str(&origin.path);
            let base = p.rsplit('/').next().unwrap_or(&p);
            if crate::config::NAMES.contains(&base)
                || base == crate::suppress::IGNORE_FILE
                || opts.watch.contains(&p)
            {
                summary.notices.push(Notice {
                    path: p.clone(),
                    line: None,
                    commit: sha_of(origin),
                    message: format!(
                        "this range changes {p}, which decides what caulk reports (allowlists, \
                         disabled rules, baseline or accepted fingerprints): review the change"
                    ),
                });
            } else if IGNORE_FILES.contains(&base) {
                let added = added_patterns(&repo, &base_trees, &origin.path, *id);
                if let Some(first) = added.first() {
                    let more = match added.len() {
                        1 => String::new(),
                        n => format!(" and {} more", n - 1),
                    };
                    summary.notices.push(Notice {
                        path: p.clone(),
                        line: None,
                        commit: sha_of(origin),
                        message: format!(
                            "this range adds ignore patterns to {p} (`{first}`{more}): caulk scans \
                             tracked files whatever they say, but untracked files matching the new \
                             patterns are skipped by `caulk scan`: review what they hide"
                        ),
                    });
                }
            }
        }
        summary.notices.sort();
        summary.notices.dedup();
    }
    // A file that held a secret before the range and is edited in it makes a new blob that still
    // holds the old secret: that secret is not the range's doing.
    if in_range {
        result.findings.retain(|f| {
            !stood_before(
                &repo,
                &base_trees,
                Path::new(&f.path),
                f.raw_secret.as_bytes(),
            )
        });
        summary.findings = result.findings.len();
    } else if !summary.shallow {
        // The whole history was read: a baseline entry nothing matched is stale. (A shallow
        // clone's history stops at its graft: what lay before it was not read.)
        result.coverage = crate::baseline::Coverage::All;
    }
    finish(&mut result, summary, started);
    Ok(result)
}

/// The lines of `text` holding an allow pragma: (1-based line, the pragma, the line's bytes).
fn pragma_lines(text: &[u8]) -> Vec<(usize, String, Vec<u8>)> {
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

/// Whether `bytes` (a line, a secret) already stood in the file at `path` in one of the `base`
/// trees: then it is not the range's doing.
fn stood_before(repo: &Repository, base: &[git2::Tree], path: &Path, bytes: &[u8]) -> bool {
    base.iter().any(|tree| {
        tree.get_path(path)
            .and_then(|e| repo.find_blob(e.id()))
            .is_ok_and(|b| memchr::memmem::find(b.content(), bytes).is_some())
    })
}

/// Ignore files whose new patterns a range reports: they decide which untracked files
/// `caulk scan` skips.
const IGNORE_FILES: [&str; 2] = [".gitignore", ".ignore"];

/// The patterns the ignore file `blob` (at `path`) has that the file at `path` in none of the
/// `base` trees had: lines that hide files (not blank, not comments, not `!` negations).
fn added_patterns(repo: &Repository, base: &[git2::Tree], path: &Path, blob: Oid) -> Vec<String> {
    let Ok(new) = repo.find_blob(blob) else {
        return Vec::new();
    };
    let old: Vec<Vec<u8>> = base
        .iter()
        .filter_map(|t| t.get_path(path).ok())
        .filter_map(|e| repo.find_blob(e.id()).ok())
        .map(|b| b.content().to_vec())
        .collect();
    let old_lines: HashSet<&[u8]> = old
        .iter()
        .flat_map(|b| b.split(|&c| c == b'\n'))
        .map(|l| l.trim_ascii())
        .collect();
    let mut added: Vec<String> = Vec::new();
    for line in new.content().split(|&c| c == b'\n').map(|l| l.trim_ascii()) {
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

/// Trees and blobs met so far: each is visited once, however many commits share it.
#[derive(Default)]
struct Seen {
    trees: HashSet<Oid>,
    blobs: HashSet<Oid>,
    /// Symbolic links met (their blob is a path, not scanned).
    symlinks: HashSet<Oid>,
    /// Submodule paths met (a gitlink names a commit of another repository).
    gitlinks: HashSet<Vec<u8>>,
}

/// Calls `new_blob` for every blob below `tree` not seen before, with its path, descending only
/// into subtrees not seen before. Walking commits oldest first, a blob is thus met first in the
/// commit that introduced it, and the whole history costs one visit per distinct tree.
fn walk_tree(
    repo: &Repository,
    tree: &git2::Tree,
    prefix: &mut Vec<u8>,
    seen: &mut Seen,
    new_blob: &mut dyn FnMut(Oid, PathBuf),
) -> Result<()> {
    if !seen.trees.insert(tree.id()) {
        return Ok(());
    }
    each_entry(tree, prefix, |entry, path| {
        match entry.kind() {
            Some(git2::ObjectType::Tree) if !seen.trees.contains(&entry.id()) => {
                walk_tree(
                    repo,
                    &find_tree(repo, entry.id(), path)?,
                    path,
                    seen,
                    new_blob,
                )?;
            }
            // Regular and executable files; not symlinks (their blob is a path) or submodules
            // (a gitlink names a commit of another repository), which are counted.
            Some(git2::ObjectType::Blob) if entry.filemode() == i32::from(FileMode::Link) => {
                seen.symlinks.insert(entry.id());
            }
            Some(git2::ObjectType::Blob) if seen.blobs.insert(entry.id()) => {
                new_blob(entry.id(), path_from_bytes(path));
            }
            Some(git2::ObjectType::Commit) => {
                seen.gitlinks.insert(path.clone());
            }
            _ => {}
        }
        Ok(())
    })
}

/// Reads the tree `id` found at `path`, naming both if it cannot be read.
fn find_tree<'r>(repo: &'r Repository, id: Oid, path: &[u8]) -> Result<git2::Tree<'r>> {
    repo.find_tree(id).map_err(|e| {
        anyhow!(
            "{}: cannot read tree {id}: {} (run `git fsck`)",
            String::from_utf8_lossy(path),
            e.message()
        )
    })
}

/// A repository path from its bytes.
fn path_from_bytes(b: &[u8]) -> PathBuf {
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

/// What became of one blob.
enum Outcome {
    Scanned(usize, scan::Scanned, Vec<(usize, String, Vec<u8>)>),
    TooLarge(u64),
    Error(String),
}

/// What a history scan reads.
struct Selection {
    /// Commits to scan, oldest first, with what a report says of each.
    commits: Vec<(Oid, CommitInfo)>,
    /// Parents of those commits that lie outside the selection (the base of a range).
    boundary: Vec<Oid>,
    /// The shallow clone's grafted commits (their parents are missing); empty when not shallow.
    grafts: HashSet<Oid>,
    /// The scan has a base (`A..B`, `--since-commit`, a push): it reports what that base lacks.
    ranged: bool,
    /// Trees and blobs that refs name directly, peeled (`--all`): (ref name, id, kind).
    objects: Vec<(String, Oid, git2::ObjectType)>,
}

/// The commits to scan, oldest first, with what a report says of each; the boundary; the
/// shallow grafts. A scan with a base that would read a graft is an error: the graft's parents are
/// missing, so its whole tree would look new, and what the range adds cannot be told from what it
/// inherits.
fn select_commits(repo: &Repository, opts: &HistoryOptions) -> Result<Selection> {
    let shallow_hint = |what: &str, e: git2::Error| {
        if repo.is_shallow() {
            anyhow!(
                "{what}: {}; this is a shallow clone, which lacks older commits: fetch the full history \
                 (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)",
                e.message()
            )
        } else {
            anyhow!("{what}: {}", e.message())
        }
    };
    let mut objects = Vec::new();
    let ranged = opts.push.is_some()
        || opts.since_commit.is_some()
        || opts.range.as_deref().is_some_and(|r| r.contains(".."));
    let ids: Vec<Oid> = if let Some(push) = &opts.push {
        pushed_commits(repo, push, &mut objects)?
    } else {
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        if opts.all {
            walk.push_glob("*")
                .map_err(|e| shallow_hint("cannot list the refs", e))?;
            if repo.head().is_ok() {
                walk.push_head()?;
            }
            objects = tree_and_blob_refs(repo)?;
        } else {
            match opts.range.as_deref() {
                Some(r) if r.contains("..") => {
                    check_range_sides(r)?;
                    check_range_ends(repo, r)
                        .map_err(|e| shallow_hint(&format!("unknown revision in `{r}`"), e))?;
                    walk.push_range(r)
                        .map_err(|e| shallow_hint(&format!("bad range `{r}`"), e))?;
                }
                Some(r) => {
                    let obj = repo
                        .revparse_single(r)
                        .map_err(|e| shallow_hint(&format!("unknown revision `{r}`"), e))?;
                    walk.push(obj.peel_to_commit()?.id())?;
                }
                None => {
                    if let Err(e) = repo.head()
                        && matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound)
                    {
                        bail!(
                            "the repository has no commits yet (HEAD names a branch with none): nothing \
                             to scan in history; `caulk staged` scans what is staged, `caulk scan` the files"
                        );
                    }
                    walk.push_head().map_err(|e| {
                        anyhow!("cannot read HEAD: {} (run `git fsck`)", e.message())
                    })?
                }
            }
        }
        if let Some(since) = &opts.since_commit {
            if since.trim().is_empty() {
                bail!(
                    "--since-commit is empty; is the variable that should hold the commit unset?"
                );
            }
            let obj = repo.revparse_single(since).map_err(|e| {
                shallow_hint(&format!("unknown revision `{since}` (--since-commit)"), e)
            })?;
            walk.hide(obj.peel_to_commit()?.id())?;
        }
        walk.collect::<Result<_, _>>()
            .map_err(|e| shallow_hint("cannot walk the history", e))?
    };
    let grafts = shallow_grafts(repo);
    if ranged && let Some(g) = ids.iter().find(|id| grafts.contains(id)) {
        let what = match (&opts.push, &opts.range) {
            (Some(_), _) => "the pushed commits reach".to_string(),
            (None, Some(r)) => format!("`{r}` reaches"),
            (None, None) => "the commits after --since-commit reach".to_string(),
        };
        bail!(
            "{what} the shallow clone's graft {g}, whose parents this clone lacks, so what the range \
             adds cannot be told from what it inherits: fetch more history (`git fetch --deepen=N` \
             until the base is reached, or `git fetch --unshallow`; `fetch-depth: 0` in actions/checkout)"
        );
    }
    let mut out = Vec::new();
    for id in ids {
        let c = repo
            .find_commit(id)
            .map_err(|e| anyhow!("cannot read commit {id}: {} (run `git fsck`)", e.message()))?;
        let author = c.author();
        let info = CommitInfo {
            sha: id.to_string(),
            author: format!(
                "{} <{}>",
                author.name().unwrap_or("?"),
                author.email().unwrap_or("?")
            ),
            date: crate::human::iso8601(c.time().seconds(), c.time().offset_minutes()),
            message: c
                .summary_bytes()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        };
        out.push((id, info));
    }
    let selected: HashSet<Oid> = out.iter().map(|c| c.0).collect();
    let mut boundary: Vec<Oid> = Vec::new();
    for (id, _) in &out {
        for p in repo.find_commit(*id)?.parent_ids() {
            if !selected.contains(&p) && !boundary.contains(&p) {
                boundary.push(p);
            }
        }
    }
    Ok(Selection {
        commits: out,
        boundary,
        grafts,
        ranged,
        objects,
    })
}

/// The grafted commits of a shallow clone: those listed in `<gitdir>/shallow`, whose parents the
/// clone does not have.
fn shallow_grafts(repo: &Repository) -> HashSet<Oid> {
    if !repo.is_shallow() {
        return HashSet::new();
    }
    std::fs::read_to_string(repo.commondir().join("shallow"))
        .or_else(|_| std::fs::read_to_string(repo.path().join("shallow")))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// Refs (tags, notes, anything under `refs/`) that point at a tree or a blob, directly or through
/// annotated tags: `--all` scans their files too. The commit walk does not see them.
fn tree_and_blob_refs(repo: &Repository) -> Result<Vec<(String, Oid, git2::ObjectType)>> {
    let mut out = Vec::new();
    for r in repo
        .references()
        .map_err(|e| anyhow!("cannot list the refs: {}", e.message()))?
    {
        let r = r.map_err(|e| anyhow!("cannot read a ref: {} (run `git fsck`)", e.message()))?;
        if r.kind() != Some(git2::ReferenceType::Direct) {
            continue; // a symbolic ref names another ref, listed itself
        }
        let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
        let obj = r
            .target()
            .ok_or_else(|| git2::Error::from_str("a direct ref without a target"))
            .and_then(|id| repo.find_object(id, None))
            .and_then(peel_tags)
            .map_err(|e| {
                anyhow!(
                    "{name}: cannot read what it points at: {} (run `git fsck`)",
                    e.message()
                )
            })?;
        if let Some(kind @ (git2::ObjectType::Tree | git2::ObjectType::Blob)) = obj.kind() {
            out.push((name, obj.id(), kind));
        }
    }
    Ok(out)
}

/// The object an annotated tag (or a chain of them) names; any other object itself.
fn peel_tags(mut obj: git2::Object<'_>) -> Result<git2::Object<'_>, git2::Error> {
    while let Some(tag) = obj.as_tag() {
        obj = tag.target()?;
    }
    Ok(obj)
}

/// The commits a push sends, oldest first: for each update, what the local commit has that the
/// remote's sha has (when it is here), else what no remote-tracking ref of the remote has; the
/// union over the updates, each commit once. A pushed tag naming a tree or a blob goes to
/// `objects`.
fn pushed_commits(
    repo: &Repository,
    push: &Push,
    objects: &mut Vec<(String, Oid, git2::ObjectType)>,
) -> Result<Vec<Oid>> {
    let mut set: HashSet<Oid> = HashSet::new();
    let mut order = Vec::new();
    for (local, remote) in &push.updates {
        if is_zero(local) {
            continue; // a deletion sends nothing
        }
        let obj = repo.revparse_single(local).map_err(|e| {
            anyhow!(
                "pre-push: cannot read the pushed object `{local}`: {}",
                e.message()
            )
        })?;
        let tip = match peel_tags(obj) {
            Ok(o) if o.kind() == Some(git2::ObjectType::Commit) => o.id(),
            Ok(o) => {
                if let Some(kind) = o.kind() {
                    objects.push((local.clone(), o.id(), kind));
                }
                continue;
            }
            Err(e) => bail!(
                "pre-push: cannot read the pushed object `{local}`: {}",
                e.message()
            ),
        };
        let mut walk = repo.revwalk()?;
        walk.push(tip)?;
        let known = (!is_zero(remote))
            .then(|| Oid::from_str(remote).ok())
            .flatten()
            .and_then(|id| repo.find_object(id, None).ok()?.peel_to_commit().ok());
        match known {
            Some(c) => walk.hide(c.id())?,
            None => {
                let glob = match &push.remote {
                    Some(r) => format!("refs/remotes/{r}/*"),
                    None => "refs/remotes/*".to_string(),
                };
                walk.hide_glob(&glob)?;
            }
        }
        for id in walk {
            let id = id.map_err(|e| anyhow!("cannot walk the pushed commits: {}", e.message()))?;
            if set.insert(id) {
                order.push(id);
            }
        }
    }
    oldest_first(repo, &order, &set)
}

/// `ids` ordered so that every commit comes after its parents among them.
fn oldest_first(repo: &Repository, ids: &[Oid], set: &HashSet<Oid>) -> Result<Vec<Oid>> {
    let mut done: HashSet<Oid> = HashSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for &start in ids {
        let mut stack = vec![(start, false)];
        while let Some((id, expanded)) = stack.pop() {
            if expanded {
                out.push(id);
                continue;
            }
            if !done.insert(id) {
                continue;
            }
            stack.push((id, true));
            for p in repo.find_commit(id)?.parent_ids() {
                if set.contains(&p) && !done.contains(&p) {
                    stack.push((p, false));
                }
            }
        }
    }
    Ok(out)
}

/// A range with an empty side (`..HEAD`, `HEAD..`, `...X`), or more than two sides, can only be a
/// mistake (an unset variable): an error, never a scan of nothing.
fn check_range_sides(range: &str) -> Result<()> {
    let (base, tip) = range
        .split_once("...")
        .or_else(|| range.split_once(".."))
        .unwrap_or((range, ""));
    if base.trim().is_empty() {
        bail!(
            "`{range}`: the range has no base; is $BASE unset? (write BASE..HEAD, e.g. origin/main..HEAD)"
        );
    }
    if tip.trim().is_empty() {
        bail!(
            "`{range}`: the range has no tip; is the variable after `..` unset? (write BASE..HEAD)"
        );
    }
    if tip.starts_with('.') || tip.contains("..") {
        bail!("`{range}`: not a range: write BASE..HEAD (or BASE...HEAD), two revisions");
    }
    Ok(())
}

/// Resolves both ends of `a..b` (or `a...b`), so an unknown one is named.
fn check_range_ends(repo: &Repository, range: &str) -> Result<(), git2::Error> {
    let parts: Vec<&str> = range
        .split("..")
        .map(|p| p.trim_start_matches('.'))
        .collect();
    for p in parts.iter().filter(|p| !p.is_empty()) {
        repo.revparse_single(p)
            .map_err(|e| git2::Error::from_str(&format!("`{p}`: {}", e.message())))?;
    }
    Ok(())
}

/// A progress bar on stderr, shown only on a terminal and only once the scan has run a second.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
}

impl Progress {
    fn new(enabled: bool, total: u64) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total),
                indicatif::ProgressDrawTarget::hidden(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "caulk: scanning history {bar:30} {pos}/{len} blobs {eta}",
                )
                .expect("static template"),
            );
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    fn inc(&self) {
        if let Some(bar) = &self.bar {
            if bar.is_hidden() && self.started.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cache_tree;

    fn git(dir: &std::path::Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// The cache tree read from real index files (versions 2, 3 and 4) names the trees git
    /// wrote for unchanged directories, and drops those a staged change invalidated.
    #[test]
    fn cache_tree_matches_git_in_every_index_version() {
        let dir = tempfile::TempDir::new().unwrap();
        let d = dir.path();
        git(d, &["init", "-q"]);
        for f in ["a/x.txt", "a/deep/y.txt", "b/z.txt", "top.txt"] {
            std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
            std::fs::write(d.join(f), f).unwrap();
        }
        git(d, &["add", "."]);
        git(d, &["commit", "-q", "-m", "x"]);
        std::fs::write(d.join("b/new.txt"), "new").unwrap();
        git(d, &["add", "b/new.txt"]);
        for version in ["2", "3", "4"] {
            git(d, &["update-index", "--index-version", version]);
            let cache = cache_tree(&std::fs::read(d.join(".git/index")).unwrap()).expect(version);
            for tree in ["a", "a/deep"] {
                let want = git(d, &["rev-parse", &format!("HEAD:{tree}")]);
                assert_eq!(
                    cache.get(tree.as_bytes()).map(|o| o.to_string()),
                    Some(want),
                    "v{version} {tree}"
                );
            }
            assert!(
                !cache.contains_key(&b"b"[..]) && !cache.contains_key(&b""[..]),
                "v{version}: invalidated"
            );
        }
        assert!(cache_tree(b"DIRC\0\0\0\x09").is_none());
        assert!(cache_tree(b"not an index").is_none());
    }
}
