//! The working-tree source: walks paths in parallel (the `ignore` crate, as ripgrep does), reads
//! each file once (never more than the size limit), and hands its bytes to the scan loop
//! ([`crate::scan::scan_input`]). Standard input (`-`) is read in windows ([`super::stdin`]).
//! Tracked files that an ignore file names are scanned all the same.
//!
//! A file that cannot be read does not stop the scan: it is remembered as an error, named on
//! stderr by the caller, and makes the exit code non-zero.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use ignore::{WalkBuilder, WalkState};

use super::io_reason;
use super::stdin::Stream;
use crate::decode::text;
use crate::finding::Provenance;
use crate::scan::scan_bytes;
use crate::summary::{ScanResult, Tally, Unread};
use crate::triage::baseline::Coverage;
use caulk_engine::engine::Engine;

/// What to scan and how.
#[derive(Debug, Clone)]
pub(crate) struct FileOptions {
    /// Files and directories to scan; `-` is standard input.
    pub paths: Vec<PathBuf>,
    /// Scan files that `.gitignore`/`.ignore` would skip.
    pub no_ignore: bool,
    /// Follow symbolic links.
    pub follow: bool,
    /// Files larger than this many bytes are skipped (0: no limit).
    pub max_file_size: u64,
    /// Walker threads (0: one per core).
    pub threads: usize,
    /// Show paths relative to the work tree's top, as git names them, instead of as named (the
    /// pre-commit hook's named files, which the framework names from the top).
    pub repo_paths_shown: bool,
}

/// The walker's threads fold what they read into one result.
#[derive(Default)]
struct Shared {
    result: Mutex<ScanResult>,
}

impl Shared {
    fn unread(&self, u: Unread) {
        self.lock().summary.unread.push(u);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ScanResult> {
        self.result.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds counts that no input's scan gave (a link, a special file, a size limit).
    fn add(&self, t: Tally) {
        self.lock().summary.add(&t);
    }

    /// Scans one input's bytes (named `path` relative to its root) — decoded when UTF-16, read
    /// for strings when binary — and records what it gave.
    fn scan_bytes(&self, engine: &Engine, buf: &[u8], path: &Path, prov: &Provenance) {
        let got = scan_bytes(engine, buf, path, prov);
        self.lock().record(&prov.shown, got, |_| true);
    }

    /// Reads and scans one file, unless it is too large or binary.
    fn scan_file(&self, engine: &Engine, path: &Path, rel: &Path, prov: &Provenance, max: u64) {
        let display = &*prov.shown;
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return self.unread(Unread::error(display, io_reason(&e))),
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if max > 0 && len > max {
            self.add(Tally {
                too_large: 1,
                ..Tally::default()
            });
            return self.unread(Unread::too_large(display, len, max));
        }
        if len > LARGE
            && !may_be_notebook(rel)
            && self.scan_large(engine, &mut file, len, rel, prov, max)
        {
            return;
        }
        let mut buf = Vec::with_capacity(len as usize + 1);
        // Never more than the limit (and one byte to tell): a file that grows while read stays bounded.
        let read = match max {
            0 => file.read_to_end(&mut buf),
            _ => (&mut file).take(max + 1).read_to_end(&mut buf),
        };
        if let Err(e) = read {
            return self.unread(Unread::error(display, io_reason(&e)));
        }
        if max > 0 && buf.len() as u64 > max {
            self.add(Tally {
                too_large: 1,
                ..Tally::default()
            });
            return self.unread(Unread::too_large(display, buf.len() as u64, max));
        }
        self.scan_bytes(engine, &buf, rel, prov);
    }
}

impl Shared {
    /// Scans a file over [`LARGE`] bytes in windows ([`Stream`]), text or binary as its head,
    /// middle and tail say, so its size does not decide the memory taken: a walk that met a
    /// 45 MB shared library and a 34 MB executable at once had held both, and their printable
    /// runs, whole (135 MiB peak on the ML packages' sources; 2 threads). Returns whether it
    /// scanned (or failed to read) the file: a UTF-16 file is left, at its start, to be read
    /// whole as a smaller one is.
    fn scan_large(
        &self,
        engine: &Engine,
        file: &mut std::fs::File,
        len: u64,
        rel: &Path,
        prov: &Provenance,
        max: u64,
    ) -> bool {
        use std::io::{Seek, SeekFrom};
        let display = &*prov.shown;
        let mut sample = |at: u64| -> std::io::Result<Vec<u8>> {
            let mut buf = Vec::new();
            file.seek(SeekFrom::Start(at))?;
            file.by_ref()
                .take(text::BINARY_SNIFF as u64)
                .read_to_end(&mut buf)?;
            Ok(buf)
        };
        let half = text::BINARY_SNIFF as u64 / 2;
        let samples = (|| {
            let mid = sample((len / 2).saturating_sub(half))?;
            let tail = sample(len.saturating_sub(2 * half))?;
            let head = sample(0)?;
            Ok::<_, std::io::Error>((head, mid, tail))
        })();
        let (head, mid, tail) = match samples {
            Ok(s) => s,
            Err(e) => {
                self.unread(Unread::error(display, io_reason(&e)));
                return true;
            }
        };
        if let Err(e) = file.seek(SeekFrom::Start(0)) {
            self.unread(Unread::error(display, io_reason(&e)));
            return true;
        }
        if text::utf16_bom(&head).is_some() {
            return false;
        }
        let mut window = Vec::new();
        if let Err(e) = file.by_ref().take(WINDOW as u64).read_to_end(&mut window) {
            self.unread(Unread::error(display, io_reason(&e)));
            return true;
        }
        let binary = text::is_binary_sampled(&head, &mid, &tail);
        let mut got = ScanResult::default();
        let stream = Stream {
            name: display,
            path: rel,
            prov,
            binary,
            max,
            chunk: WINDOW,
        };
        stream.scan(engine, &mut got, file, window);
        let mut all = self.lock();
        all.summary.add(&got.summary.tally());
        all.summary.unread.extend(got.summary.unread);
        all.warnings.extend(got.warnings);
        all.findings.extend(got.findings);
        true
    }
}

/// Files over this size are scanned in windows ([`Shared::scan_large`]) ...
const LARGE: u64 = 4 << 20;

/// ... of this many new bytes each: with a binary's printable runs beside it, a window takes
/// about twice its size (a 45 MB library had taken 60 MiB read whole).
const WINDOW: usize = 2 << 20;

/// Whether the file at `rel` may be a notebook (`.ipynb`, or `.json` shaped like one), which is
/// parsed whole whatever its size.
fn may_be_notebook(rel: &Path) -> bool {
    rel.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("ipynb") || e.eq_ignore_ascii_case("json"))
}

/// The path as shown in reports: lossy UTF-8, without a leading `./`.
fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./")
        .map(str::to_string)
        .unwrap_or_else(|| s.into_owned())
}

/// Scans the paths of `opts` with `engine`.
pub(crate) fn scan(engine: &Engine, opts: &FileOptions) -> ScanResult {
    let started = Instant::now();
    let shared = Shared::default();
    let mut roots = Vec::new();
    for p in &opts.paths {
        if p.as_os_str() == "-" {
            super::stdin::scan_stdin(
                engine,
                &mut shared.lock(),
                &mut std::io::stdin().lock(),
                opts.max_file_size,
            );
        } else if let Err(e) = std::fs::symlink_metadata(p) {
            shared.unread(Unread::error(display_path(p), io_reason(&e)));
        } else {
            roots.push(p.clone());
        }
    }
    let covered = if roots.is_empty() {
        Vec::new()
    } else {
        walk(engine, opts, &roots, &shared)
    };
    let mut result = shared
        .result
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    result
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    result.summary.unread.sort();
    result.warnings.sort();
    result.summary.elapsed_ms = started.elapsed().as_millis() as u64;
    result.summary.count(&result.findings);
    result.coverage = Coverage::Under(covered);
    result
}

/// Roots with their canonical form, and the top of the git work tree they are in (if any).
struct Anchors {
    roots: Vec<(PathBuf, PathBuf)>,
    top: Option<PathBuf>,
}

/// The path fingerprints use: relative to the git work tree's top, so a finding keeps its
/// fingerprint whatever directory caulk runs from and whatever path it was given; `None` outside
/// a work tree (the path relative to the scanned root is used then).
fn repo_path_of(anchors: &Anchors, p: &Path) -> Option<String> {
    Some(repo_rel(anchors, p)?.to_string_lossy().replace('\\', "/"))
}

/// `p` relative to the top of the git work tree, with its exact bytes.
fn repo_rel(anchors: &Anchors, p: &Path) -> Option<PathBuf> {
    let top = anchors.top.as_ref()?;
    let (root, canon) = anchors.roots.iter().find(|(r, _)| p.starts_with(r))?;
    let abs = canon.join(p.strip_prefix(root).ok()?);
    Some(abs.strip_prefix(top).ok()?.to_path_buf())
}

/// Where the walker's file `p` came from: shown as named (or, with `repo_paths_shown`, as git
/// names it), known to fingerprints by its repository path `repo_path`.
fn provenance(anchors: &Anchors, opts: &FileOptions, p: &Path, repo_path: &str) -> Provenance {
    match repo_rel(anchors, p).filter(|_| opts.repo_paths_shown) {
        Some(rel) => Provenance::new(repo_path, repo_path, &rel),
        None => Provenance::new(&display_path(p), repo_path, p),
    }
}

/// What the walker saw, to tell what it left out: the paths it handed over (as hashes, keyed
/// afresh each run so no file name can be made to collide) and the folders it read.
///
/// The `ignore` crate drops an ignored entry before caulk sees it. Rather than re-implement its
/// matcher stack (`.gitignore`, `.ignore`, git's exclude files, their precedence) or read its
/// log, caulk lists each folder the walker read once more afterwards: a child the walker did not
/// hand over was ignored. Each walker thread keeps its own list and hands it over when the walk
/// ends, so the walk itself takes no lock for this.
#[derive(Default)]
struct Seen {
    paths: std::collections::HashSet<u64>,
    dirs: Vec<PathBuf>,
}

/// One walker thread's [`Seen`], merged into the walk's when the thread is done.
struct SeenLocal<'a> {
    local: Seen,
    into: &'a Mutex<Seen>,
}

impl Drop for SeenLocal<'_> {
    fn drop(&mut self) {
        let mut all = self.into.lock().unwrap_or_else(|e| e.into_inner());
        all.paths.extend(self.local.paths.drain());
        all.dirs.append(&mut self.local.dirs);
    }
}

/// The children of the folders in `seen` that the walker did not hand over: what `.gitignore`,
/// `.ignore` and git's exclude files left out (an ignored folder is one path). `.git` is left
/// out on purpose and not counted.
fn ignored_paths(seen: Seen, keys: &std::hash::RandomState) -> Vec<PathBuf> {
    use std::hash::BuildHasher;
    let mut out = Vec::new();
    for dir in &seen.dirs {
        let Ok(children) = std::fs::read_dir(dir) else {
            continue; // unreadable: the walker said so already
        };
        for child in children.flatten() {
            let path = child.path();
            if child.file_name() != ".git" && !seen.paths.contains(&keys.hash_one(&path)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Walks `roots`, scanning every file; returns the repository path of each root (the prefixes a
/// baseline entry must lie under to have been seen).
fn walk(engine: &Engine, opts: &FileOptions, roots: &[PathBuf], shared: &Shared) -> Vec<String> {
    let anchors = Anchors {
        roots: roots
            .iter()
            .filter_map(|r| Some((r.clone(), r.canonicalize().ok()?)))
            .collect(),
        top: crate::worktree::work_tree_top(&roots[0]).and_then(|w| w.canonicalize().ok()),
    };
    let covered = roots
        .iter()
        .map(|r| {
            repo_path_of(&anchors, r).unwrap_or_else(|| match r.is_dir() {
                true => String::new(),
                false => r
                    .file_name()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            })
        })
        .collect();
    let anchors = &anchors;
    crate::malloc::map_large_buffers();
    let mut builder = WalkBuilder::new(&roots[0]);
    for r in &roots[1..] {
        builder.add(r);
    }
    builder
        .hidden(false)
        .follow_links(opts.follow)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    if opts.no_ignore {
        builder.standard_filters(false).hidden(false);
    }
    let max = opts.max_file_size;
    // What the walker hands over, to count (and scan, when tracked) what it leaves out.
    let keys = std::hash::RandomState::new();
    let seen_all = Mutex::new(Seen::default());
    let (keys, seen_all, counting) = (&keys, &seen_all, !opts.no_ignore);
    builder.build_parallel().run(|| {
        let mut seen = SeenLocal {
            local: Seen::default(),
            into: seen_all,
        };
        Box::new(move |entry| {
            if counting {
                use std::hash::BuildHasher;
                let path = match &entry {
                    Ok(e) => Some(e.path()),
                    Err(err) => error_path(err),
                };
                if let Some(path) = path {
                    seen.local.paths.insert(keys.hash_one(path));
                }
                if let Ok(e) = &entry
                    && e.file_type().is_some_and(|t| t.is_dir())
                {
                    seen.local.dirs.push(e.path().to_path_buf());
                }
            }
            let entry = match entry {
                Ok(e) => e,
                // A symbolic link back to a folder above it (with -L): every file below was
                // reached already; counted as a link not followed, and said.
                Err(err) if is_loop(&err) => {
                    let u = walk_error(&err);
                    let mut result = shared.lock();
                    result.summary.add(&Tally {
                        symlinks: 1,
                        ..Tally::default()
                    });
                    result.warnings.push(format!(
                        "{}: a symbolic link loop, not followed again",
                        u.path
                    ));
                    return WalkState::Continue;
                }
                Err(err) => {
                    shared.unread(walk_error(&err));
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue; // stdin entries never reach here
            };
            if ft.is_file() {
                // Relative to the root it was found under, so scanning `fixtures/demo` does not
                // make everything in it "test code"; a root that is the file keeps its name.
                let p = entry.path();
                let rel = roots
                    .iter()
                    .find_map(|r| {
                        p.strip_prefix(r)
                            .ok()
                            .filter(|rel| !rel.as_os_str().is_empty())
                    })
                    .or_else(|| p.file_name().map(Path::new))
                    .unwrap_or(p);
                let repo_path = repo_path_of(anchors, p)
                    .unwrap_or_else(|| rel.to_string_lossy().replace('\\', "/"));
                shared.scan_file(
                    engine,
                    p,
                    rel,
                    &provenance(anchors, opts, p, &repo_path),
                    max,
                );
            } else if ft.is_symlink() {
                shared.add(Tally {
                    symlinks: 1,
                    ..Tally::default()
                });
            } else if !ft.is_dir() {
                // A socket, FIFO or device: never opened (a FIFO would block the scan).
                shared.add(Tally {
                    special: 1,
                    ..Tally::default()
                });
            }
            WalkState::Continue
        })
    });
    if counting {
        let seen = std::mem::take(&mut *seen_all.lock().unwrap_or_else(|e| e.into_inner()));
        let ignored = ignored_paths(seen, keys);
        shared.add(Tally {
            ignored: ignored.len() as u64,
            ..Tally::default()
        });
        scan_tracked_ignored(engine, opts, roots, anchors, shared, &ignored);
    }
    covered
}

/// Tracked is never ignored: `.gitignore` and `.ignore` say which *untracked* files to leave out,
/// but a file git tracks is in every clone, so a committed `.env` later added to `.gitignore` (or
/// a committed `.ignore` holding `*`) must not hide it. The walker leaves out what the ignore
/// files name (see [`Seen`]); every tracked file at or below such a path
/// is scanned here from the work tree.
fn scan_tracked_ignored(
    engine: &Engine,
    opts: &FileOptions,
    roots: &[PathBuf],
    anchors: &Anchors,
    shared: &Shared,
    ignored: &[PathBuf],
) {
    let max = opts.max_file_size;
    let Some(top) = &anchors.top else { return };
    if ignored.is_empty() {
        return;
    }
    let index = match git2::Repository::open(top).and_then(|r| r.index()) {
        Ok(i) => i,
        Err(e) => {
            return shared.unread(Unread::error(
                display_path(top),
                format!(
                    "cannot read the git index to find tracked files that ignore files name: {} (run `git status`)",
                    e.message()
                ),
            ));
        }
    };
    // Repository paths of the ignored entries, with the root each was found under.
    let prefixes: std::collections::HashMap<Vec<u8>, (&PathBuf, String)> = ignored
        .iter()
        .filter_map(|p| {
            let repo_path = repo_path_of(anchors, p)?;
            let root = roots.iter().find(|r| p.starts_with(r))?;
            let root_repo_path = repo_path_of(anchors, root).unwrap_or_default();
            Some((repo_path.into_bytes(), (root, root_repo_path)))
        })
        .collect();
    for entry in index.iter() {
        // Regular and executable files at stage 0; not symlinks or submodules.
        let regular = matches!(entry.mode & 0o170000, 0o100000);
        if !regular || (entry.flags >> 12) & 0x3 != 0 {
            continue;
        }
        // The entry itself or its nearest ignored folder (one lookup per folder level).
        let mut end = entry.path.len();
        let hit = loop {
            if let Some(hit) = prefixes.get(&entry.path[..end]) {
                break Some(hit);
            }
            match memchr::memrchr(b'/', &entry.path[..end]) {
                Some(i) => end = i,
                None => break None,
            }
        };
        let Some((root, root_repo_path)) = hit else {
            continue;
        };
        let path = String::from_utf8_lossy(&entry.path);
        let rel = match root_repo_path.as_str() {
            "" => path.as_ref(),
            s => path
                .strip_prefix(s)
                .map_or(path.as_ref(), |r| r.trim_start_matches('/')),
        };
        let full = match std::fs::symlink_metadata(root).is_ok_and(|m| m.is_file()) {
            true => (*root).clone(),
            false => root.join(rel),
        };
        if std::fs::symlink_metadata(&full).is_err() {
            continue; // tracked, but deleted in the work tree: nothing on disk to scan
        }
        shared.add(Tally {
            tracked_ignored: 1,
            ..Tally::default()
        });
        let prov = provenance(anchors, opts, &full, &path);
        shared.scan_file(engine, &full, Path::new(rel), &prov, max);
    }
}

/// Whether a walker error is a file system loop (a symbolic link to an ancestor).
fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        _ => false,
    }
}

/// The path a walker error names, if any.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// The path and reason of a walker error.
fn walk_error(err: &ignore::Error) -> Unread {
    fn reason(err: &ignore::Error) -> String {
        match err {
            ignore::Error::WithPath { err, .. }
            | ignore::Error::WithDepth { err, .. }
            | ignore::Error::WithLineNumber { err, .. } => reason(err),
            ignore::Error::Io(e) => io_reason(e),
            other => other.to_string(),
        }
    }
    Unread::error(
        error_path(err).map(display_path).unwrap_or_default(),
        reason(err),
    )
}
