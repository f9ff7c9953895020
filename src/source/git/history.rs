//! `caulk history`: the blobs the selected commits bring (each met first in the commit that
//! introduced it), scanned once each in parallel, each secret reported once with its commit.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Result, anyhow};
use git2::{FileMode, Oid, Repository};
use rayon::prelude::*;

use crate::decode::Input;
use crate::finding::{CommitInfo, Finding, Provenance, Stage};
use crate::scan;
use crate::summary::{ScanResult, Summary, Tally, Unread};
use crate::triage::audit;
use caulk_engine::engine::Engine;

use super::progress::Progress;
use super::repo::{
    Blob, Contents, each_entry, find_tree, finish, open_repo, path_from_bytes, path_str, read_blob,
};
use super::select::{HistoryOptions, Selection, commit_info, select_commits};

/// The first commit and path that brought a blob; `commit` is `None` for a blob that a ref names
/// directly, or one inside a tree a ref names (`history --all`). The path is an index into
/// [`Paths`]: a file's versions share it (100,000 blobs of 5,000 paths in a 50,000-commit
/// history).
#[derive(Clone, Copy)]
struct FirstSeen {
    commit: Option<u32>,
    path: u32,
}

/// The paths blobs were met at, each kept once.
#[derive(Default)]
struct Paths {
    all: Vec<PathBuf>,
    index: HashMap<PathBuf, u32>,
}

impl Paths {
    fn intern(&mut self, path: PathBuf) -> u32 {
        if let Some(&i) = self.index.get(&path) {
            return i;
        }
        let i = self.all.len() as u32;
        self.all.push(path.clone());
        self.index.insert(path, i);
        i
    }
}

/// Scans the blobs that the selected commits brought, each once.
pub(crate) fn history(engine: &Engine, opts: &HistoryOptions) -> Result<ScanResult> {
    let started = Instant::now();
    bound_arenas();
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
    let mut blobs: Vec<(Oid, FirstSeen)> = Vec::new();
    let mut paths = Paths::default();
    for (ci, id) in commits.iter().enumerate() {
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
                    FirstSeen {
                        commit: Some(ci as u32),
                        path: paths.intern(path),
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
                FirstSeen {
                    commit: None,
                    path: paths.intern(PathBuf::from(path)),
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
    // What was met is only counted from here on: the sets go before the scan (8 MiB for a
    // 50,000-commit history).
    let (symlinks, gitlinks) = (seen.symlinks.len() as u64, seen.gitlinks.len() as u64);
    drop(seen);
    let paths = paths.all;
    let path_of = |origin: &FirstSeen| paths[origin.path as usize].as_path();

    let ids = commits;
    let sha_of = |o: &FirstSeen| o.commit.map(|c| ids[c as usize].to_string());
    // Where each blob came from: its path. The commit that brought it is added to its findings
    // after (`commit_info`).
    let provenance = |origin: &FirstSeen| {
        let path = path_of(origin);
        let shown = path_str(path);
        Provenance {
            stage: Stage::Commit,
            ..Provenance::new(&shown, &shown, path)
        }
    };
    let progress = Progress::new(opts.progress, blobs.len() as u64);
    let git_dir = repo.path().to_path_buf();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()?;
    // A range (a pull request, a push) is checked for suppressions it adds itself.
    let in_range = ranged || !base_trees.is_empty();
    // Read newest first: git stores an older version of a file as a delta on a newer one, and
    // libgit2 keeps the bases it rebuilt, so a file's older versions then find theirs built
    // (10% less CPU on the 3,001-commit benchmark than oldest first).
    //
    // Of a blob that gave nothing but counts, only the counts are kept: most blobs, and an
    // outcome each took 20 MiB for a 50,000-commit history. The rest is put back in the order
    // of `blobs` (the order of commits, oldest first) by number.
    // Each secret is reported once per path, from the first blob that held it (a secret left in
    // a file is in every later version of it): findings go into one map as blobs are scanned,
    // which keeps the earliest of each, instead of a list per blob that held 19 MiB of repeats
    // in a 50,000-commit history.
    let earliest: Earliest = Mutex::new(HashMap::new());
    let (tally, mut outcomes) = pool.install(|| {
        blobs
            .par_iter()
            .enumerate()
            .rev()
            .map_init(
                || Repository::open(&git_dir),
                |repo, (n, (id, origin))| {
                    let outcome = match repo.as_ref().map(|r| read_blob(r, *id, opts.max_file_size))
                    {
                        Ok(Ok(Blob::TooLarge(n))) => Outcome::TooLarge(n),
                        Ok(Ok(Blob::Read(blob))) => {
                            let contents = Contents::of(blob.content());
                            let input = contents.input();
                            let pragmas = match input {
                                Input::Text(t) if in_range => audit::pragma_lines(t),
                                _ => Vec::new(),
                            };
                            let mut got = scan::scan_input(
                                engine,
                                input,
                                path_of(origin),
                                &provenance(origin),
                            );
                            keep_earliest(&earliest, n, std::mem::take(&mut got.findings));
                            Outcome::Scanned(got, pragmas)
                        }
                        Ok(Err(e)) => Outcome::Error(e.message().to_string()),
                        Err(e) => Outcome::Error(e.message().to_string()),
                    };
                    progress.inc();
                    (n, outcome)
                },
            )
            .fold(
                || (Tally::default(), Vec::new()),
                |(mut tally, mut kept), (n, outcome)| {
                    match outcome {
                        Outcome::Scanned(got, pragmas)
                            if got.is_counts_only() && pragmas.is_empty() =>
                        {
                            tally.add(&got.tally);
                        }
                        outcome => kept.push((n, outcome)),
                    }
                    (tally, kept)
                },
            )
            .reduce(
                || (Tally::default(), Vec::new()),
                |(mut tally, mut kept), (other, more)| {
                    tally.add(&other);
                    kept.extend(more);
                    (tally, kept)
                },
            )
    });
    progress.finish();
    outcomes.sort_unstable_by_key(|(n, _)| *n);

    let mut result = ScanResult {
        summary: Summary {
            commits: ids.len() as u64,
            git_history: true,
            skipped_symlinks: symlinks,
            skipped_submodules: gitlinks,
            ..Summary::default()
        },
        ..ScanResult::default()
    };
    result.summary.add(&tally);
    if repo.is_shallow() {
        result.summary.shallow = true;
        result.warnings.push(
            "this is a shallow clone: history stops at its graft, and older commits were not \
             scanned (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)"
                .to_string(),
        );
    }
    for (outcome, (id, origin)) in outcomes.into_iter().map(|(n, o)| (o, &blobs[n])) {
        match outcome {
            Outcome::TooLarge(len) => {
                result.summary.skipped_too_large += 1;
                let shown = format!("{} (blob {id})", path_str(path_of(origin)));
                result
                    .summary
                    .unread
                    .push(Unread::too_large(shown, len, opts.max_file_size));
            }
            Outcome::Error(e) => result.summary.unread.push(Unread::error(
                path_str(path_of(origin)),
                format!("cannot read blob {id}: {e} (run `git fsck`)"),
            )),
            Outcome::Scanned(got, pragmas) => {
                for (line, pragma, text) in pragmas {
                    // A pragma line that stood in the file before the range is not its doing.
                    if !stood_before(&repo, &base_trees, path_of(origin), &text) {
                        let p = path_str(path_of(origin));
                        result.summary.notices.push(audit::pragma_notice(
                            &p,
                            line,
                            &pragma,
                            sha_of(origin),
                        ));
                    }
                }
                result.record(&path_str(path_of(origin)), got, |_| true);
            }
        }
    }
    let mut found: Vec<(usize, usize, Finding)> = earliest
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_values()
        .collect();
    found.sort_unstable_by_key(|(n, k, _)| (*n, *k));
    let mut infos: HashMap<u32, CommitInfo> = HashMap::new();
    for (n, _, mut f) in found {
        let origin = &blobs[n].1;
        if let Some(c) = origin.commit {
            let id = ids[c as usize];
            // A shallow clone's graft shows its whole tree as new: what it holds may be older.
            if grafts.contains(&id) {
                let sha = id.to_string();
                let graft = format!(
                    "present at the shallow graft {}; introduced there or earlier (this clone \
                     lacks older history: `git fetch --unshallow` to find the commit)",
                    &sha[..12.min(sha.len())]
                );
                f.note = Some(match f.note.take() {
                    Some(n) => format!("{n}; {graft}"),
                    None => graft,
                });
            }
            let info = match infos.entry(c) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(commit_info(&repo, id)?),
            };
            f.commit = Some(info.clone());
        }
        result.findings.push(f);
    }
    if in_range {
        for (id, origin) in &blobs {
            let p = path_str(path_of(origin));
            match audit::watched(&p, &opts.watch) {
                Some(audit::Watched::Policy) => {
                    result
                        .summary
                        .notices
                        .push(audit::policy_notice(&p, sha_of(origin)));
                }
                Some(audit::Watched::IgnoreFile) => {
                    let new = repo.find_blob(*id).map(|b| b.content().to_vec());
                    let old = blobs_at(&repo, &base_trees, path_of(origin));
                    if let Ok(new) = new
                        && let Some(n) = audit::ignore_notice(&p, sha_of(origin), &new, &old)
                    {
                        result.summary.notices.push(n);
                    }
                }
                None => {}
            }
        }
        result.summary.notices.sort();
        result.summary.notices.dedup();
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
        result.summary.findings = result.findings.len();
    } else if !result.summary.shallow {
        // The whole history was read: a baseline entry nothing matched is stale. (A shallow
        // clone's history stops at its graft: what lay before it was not read.)
        result.coverage = crate::triage::baseline::Coverage::All;
    }
    finish(&mut result, started);
    Ok(result)
}

/// Two malloc arenas at most, for the threads that read and scan blobs. glibc gives each thread
/// its own, and each keeps its high-water mark: a scan's threads each held a share of libgit2's
/// delta-base cache and of the blobs they read. With two, the 3,001-commit history peaked at 56
/// MiB instead of 68, the notebook history at 62 instead of 72, in the same time (one arena: 51
/// and 60, but 25% slower). (Both with 16 MiB of pack mapped; see `bound_pack_maps`.)
fn bound_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` takes no pointer; it sets a tunable glibc reads, without a lock, when a
    // thread first allocates. It runs here before the history scan starts any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// The contents of the file at `path` in each of the `base` trees that has it.
fn blobs_at(repo: &Repository, base: &[git2::Tree], path: &Path) -> Vec<Vec<u8>> {
    base.iter()
        .filter_map(|t| t.get_path(path).ok())
        .filter_map(|e| repo.find_blob(e.id()).ok())
        .map(|b| b.content().to_vec())
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

/// Each fingerprint's earliest finding: (blob number, place among that blob's findings, finding).
type Earliest = Mutex<HashMap<String, (usize, usize, Finding)>>;

/// Keeps in `earliest` those of blob `n`'s findings that no earlier blob (or earlier finding of
/// this one) holds, in place of a later one.
fn keep_earliest(earliest: &Earliest, n: usize, findings: Vec<Finding>) {
    if findings.is_empty() {
        return;
    }
    let mut map = earliest.lock().unwrap_or_else(|e| e.into_inner());
    for (k, f) in findings.into_iter().enumerate() {
        match map.entry(f.fingerprint.clone()) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                if (n, k) < (o.get().0, o.get().1) {
                    o.insert((n, k, f));
                }
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((n, k, f));
            }
        }
    }
}

/// What became of one blob.
enum Outcome {
    Scanned(crate::summary::Scanned, Vec<(usize, String, Vec<u8>)>),
    TooLarge(u64),
    Error(String),
}
