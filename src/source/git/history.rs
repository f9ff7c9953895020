//! `caulk history`: the blobs the selected commits bring (each met first in the commit that
//! introduced it), scanned once each in parallel, each secret reported once with its commit.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Result, anyhow};
use git2::{Oid, Repository};

use crate::decode::Input;
use crate::finding::{CommitInfo, Finding, Provenance, Stage};
use crate::malloc;
use crate::scan;
use crate::summary::{ScanResult, Summary, Tally, Unread};
use crate::triage::audit;
use caulk_engine::engine::Engine;

use super::pack::{Kind, Packs, Read, Reader};
use super::progress::Progress;
use super::repo::{
    Blob, Contents, finish, in_child, open_repo, path_from_bytes, path_str, read_blob,
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
    all: Vec<Arc<Path>>,
    index: HashMap<Arc<Path>, u32>,
}

impl Paths {
    fn intern(&mut self, path: PathBuf) -> (u32, Arc<Path>) {
        if let Some((path, &i)) = self.index.get_key_value(path.as_path()) {
            return (i, path.clone());
        }
        let i = self.all.len() as u32;
        let path: Arc<Path> = path.into();
        self.all.push(path.clone());
        self.index.insert(path.clone(), i);
        (i, path)
    }
}

/// Packs holding this many bytes make a long history scan (see [`history`]).
const LONG_SCAN: u64 = 4 << 20;

/// Scans the blobs that the selected commits brought, each once.
pub(crate) fn history(engine: &Engine, opts: &HistoryOptions) -> Result<ScanResult> {
    let started = Instant::now();
    malloc::bound_arenas();
    let repo = open_repo()?;
    let packs = Packs::open(&repo.commondir().join("objects"));
    // A whole history of packs this large will search far more than the megabyte after which
    // the scan builds the keyword DFA: another thread builds it while libgit2 walks the commits
    // (one thread, 12 ms of the 3,001-commit benchmark). A range or a push may read a few blobs:
    // the quicker searches serve them, and nothing waits for a build.
    let selection = std::thread::scope(|s| {
        if !opts.ranged() && packs.bytes() >= LONG_SCAN {
            s.spawn(|| engine.prepare_long_scan());
        }
        select_commits(&repo, opts)
    });
    let Selection {
        commits,
        boundary,
        grafts,
        ranged,
        objects,
    } = selection?;
    let git_dir = repo.path().to_path_buf();
    // A boundary commit missing from a shallow clone: nothing is known to predate the range.
    let base_tree_ids: Vec<Oid> = boundary
        .iter()
        .filter_map(|id| repo.find_commit(*id).and_then(|c| c.tree()).ok())
        .map(|tree| tree.id())
        .collect();
    // libgit2 read the commits and is done until the findings are written: its copy of the
    // pack index (what the walk touched of it: 8 MiB for 50,000 commits) goes with it, and the
    // walk opens it again only for an object the packs do not hold.
    drop(repo);
    let mut objects_read = Objects {
        reader: Reader::new(&packs, WALK_CACHE),
        repo: None,
        git_dir: git_dir.clone(),
        root: Root::Other,
    };
    let objs = &mut objects_read;
    // Blobs and trees of the commits just outside a range were there before it: not new.
    let mut seen = Seen::default();
    for tree in &base_tree_ids {
        walk_tree(objs, *tree, &mut Vec::new(), &mut seen, &mut |_, _| {})?;
    }
    // What stood before the range is not the range's: count only what it brings.
    seen.symlinks.clear();
    seen.gitlinks.clear();
    // A range (a pull request, a push) is checked for suppressions it adds itself.
    let in_range = ranged || !base_tree_ids.is_empty();

    let progress = Progress::new(opts.progress, 0);
    // Where each blob came from: its path. The commit that brought it is added to its findings
    // after (`commit_info`).
    let provenance = |path: &Path| {
        let shown = path_str(path);
        Provenance {
            stage: Stage::Commit,
            ..Provenance::new(&shown, &shown, path)
        }
    };
    // Each secret is reported once per path, from the first blob that held it (a secret left in
    // a file is in every later version of it): findings go into one map as blobs are scanned,
    // which keeps the earliest of each, instead of a list per blob that held 19 MiB of repeats
    // in a 50,000-commit history.
    let earliest: Earliest = Mutex::new(HashMap::new());
    let scan_blob = |reader: &mut Reader,
                     fallback: &mut Option<Result<Repository, git2::Error>>,
                     (n, id, path): (usize, Oid, Arc<Path>)| {
        let scan = |bytes: &[u8]| {
            let contents = Contents::of(bytes);
            let input = contents.input();
            let pragmas = match input {
                Input::Text(t) if in_range => audit::pragma_lines(t),
                _ => Vec::new(),
            };
            let mut got = scan::scan_input(engine, input, &path, &provenance(&path));
            keep_earliest(&earliest, n, std::mem::take(&mut got.findings));
            Outcome::Scanned(got, pragmas)
        };
        let outcome = match reader.read(id, opts.max_file_size) {
            Some(Read::TooLarge(n)) => Outcome::TooLarge(id, n),
            Some(Read::Object(Kind::Blob, data)) => scan(&data),
            // Not in a pack this reader reads (a loose object, a delta on another pack's object),
            // or not as a blob: libgit2 reads it, or says what is wrong.
            _ => match fallback
                .get_or_insert_with(|| Repository::open(&git_dir))
                .as_ref()
                .map(|r| read_blob(r, id, opts.max_file_size))
            {
                Ok(Ok(Blob::TooLarge(n))) => Outcome::TooLarge(id, n),
                Ok(Ok(Blob::Read(blob))) => scan(blob.content()),
                Ok(Err(e)) => Outcome::Error(id, e.message().to_string()),
                Err(e) => Outcome::Error(id, e.message().to_string()),
            },
        };
        progress.inc();
        (n, outcome)
    };

    // As many threads as the machine gives this process, unless told (`-j`).
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // The walk finds the blobs and the threads scan them meanwhile: on the 3,001-commit
    // benchmark the walk was a third of the time, alone on one core. The channel holds 64
    // batches (200 KiB): the walk waits for the scan rather than queue the whole history
    // (unbounded, the queue took 6 MiB of a 50,000-commit history).
    //
    // Of a blob that gave nothing but counts, only the counts are kept: most blobs, and an
    // outcome each took 20 MiB for a 50,000-commit history. The rest is put back in the order
    // of `blobs` (the order of commits, oldest first) by number.
    type Batch = Vec<(usize, Oid, Arc<Path>)>;
    let (found, rx) = std::sync::mpsc::sync_channel::<Batch>(64);
    // The threads hold the receiver: should they all end (a panic), the walk's next send
    // fails instead of waiting forever.
    let rx = Arc::new(Mutex::new(rx));
    // Where each blob was met, by number (its name goes to the thread that reads it, and comes
    // back with what went wrong: 20 bytes a blob, 3 MiB of a 50,000-commit history).
    let mut blobs: Vec<FirstSeen> = Vec::new();
    // The blobs a range brings at a watched path (a policy, an ignore file).
    let mut watched: Vec<(usize, Oid)> = Vec::new();
    let mut paths = Paths::default();
    let (walked, scanned) = std::thread::scope(|s| {
        // Each thread with its own pack reader and its cache of delta bases; a thread with
        // nothing to scan sleeps on the channel (rayon's threads, waiting on it, spun and took
        // a fifth more CPU from the walk).
        let (packs, scan_blob) = (&packs, &scan_blob);
        let scanners: Vec<_> = (0..threads)
            .map(|_| {
                let rx = rx.clone();
                s.spawn(move || {
                    let mut reader = Reader::new(packs, SCAN_CACHE);
                    let mut fallback = None;
                    let mut tally = Tally::default();
                    let mut kept = Vec::new();
                    loop {
                        let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok(batch) = next else {
                            break;
                        };
                        for item in batch {
                            match scan_blob(&mut reader, &mut fallback, item) {
                                (_, Outcome::Scanned(got, pragmas))
                                    if got.is_counts_only() && pragmas.is_empty() =>
                                {
                                    tally.add(&got.tally);
                                }
                                outcome => kept.push(outcome),
                            }
                        }
                    }
                    (tally, kept)
                })
            })
            .collect();
        drop(rx);
        // Blobs go to the threads a few at a time (one at a time, handing them over took 6% of
        // the CPU).
        let mut batch = Batch::new();
        let mut add = |blob: Oid, path: PathBuf, commit: Option<u32>| {
            if in_range && audit::watched(&path_str(&path), &opts.watch).is_some() {
                watched.push((blobs.len(), blob));
            }
            let (i, path) = paths.intern(path);
            batch.push((blobs.len(), blob, path));
            if batch.len() == BATCH {
                progress.more(BATCH as u64);
                // The scan ends only on a panic, which the join below passes on.
                let _ = found.send(std::mem::take(&mut batch));
            }
            blobs.push(FirstSeen { commit, path: i });
        };
        let walked = (|| -> Result<()> {
            for (ci, id) in commits.iter().enumerate() {
                let tree = objs.commit_tree(*id)?;
                objs.root = Root::Commit(*id);
                walk_tree(objs, tree, &mut Vec::new(), &mut seen, &mut |blob, path| {
                    add(blob, path, Some(ci as u32))
                })?;
            }
            // Trees and blobs that refs name directly (`git tag t <blob>`): what the commits
            // did not already bring, under the ref's name.
            for (name, id, kind) in &objects {
                match kind {
                    git2::ObjectType::Blob => {
                        if seen.blobs.insert(key(id.as_bytes())) {
                            add(*id, PathBuf::from(name), None);
                        }
                    }
                    _ => {
                        objs.root = Root::Ref(name.clone());
                        walk_tree(objs, *id, &mut Vec::new(), &mut seen, &mut |blob, path| {
                            add(blob, format!("{name}:{}", path_str(&path)).into(), None)
                        })?
                    }
                }
            }
            Ok(())
        })();
        progress.more(batch.len() as u64);
        let _ = found.send(batch);
        drop(found);
        let mut scanned = (Tally::default(), Vec::new());
        for scanner in scanners {
            let (tally, kept) = scanner
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            scanned.0.add(&tally);
            scanned.1.extend(kept);
        }
        (walked, scanned)
    });
    walked?;
    let (tally, mut outcomes) = scanned;
    // What was met is only counted from here on (8 MiB of sets for a 50,000-commit history).
    let (symlinks, gitlinks) = (seen.symlinks.len() as u64, seen.gitlinks.len() as u64);
    drop(seen);
    drop(objects_read);
    drop(packs);
    malloc::release_freed();
    let repo = open_repo()?;
    let base_trees: Vec<git2::Tree> = base_tree_ids
        .iter()
        .filter_map(|id| repo.find_tree(*id).ok())
        .collect();
    let paths = paths.all;
    let path_of = |origin: &FirstSeen| &*paths[origin.path as usize];
    let ids = commits;
    let sha_of = |o: &FirstSeen| o.commit.map(|c| ids[c as usize].to_string());
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
    for (outcome, origin) in outcomes.into_iter().map(|(n, o)| (o, &blobs[n])) {
        match outcome {
            Outcome::TooLarge(id, len) => {
                result.summary.skipped_too_large += 1;
                let shown = format!("{} (blob {id})", path_str(path_of(origin)));
                result
                    .summary
                    .unread
                    .push(Unread::too_large(shown, len, opts.max_file_size));
            }
            Outcome::Error(id, e) => result.summary.unread.push(Unread::error(
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
        let origin = &blobs[n];
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
        for (n, id) in &watched {
            let origin = &blobs[*n];
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

/// A set of object names. The walk asks it once for each entry of each tree it reads (1.6
/// million times in a 3,001-commit history): names are hashes already, so their first eight
/// bytes are the set's hash, and they are compared as bytes, not through libgit2.
///
/// A name is kept as its first 16 bytes: two objects that share them take 2^64 hashes to make,
/// no fewer than a collision of the whole SHA-1 name (2^63, which would fool git itself). The
/// sets were 8 MiB of a 50,000-commit history's 67; 16 bytes spare 1.5.
type Ids = HashSet<[u8; 16], std::hash::BuildHasherDefault<IdHasher>>;

/// Takes the first eight bytes of a name as its hash (an object's name is its SHA-1).
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut head = [0u8; 8];
        let n = bytes.len().min(8);
        head[..n].copy_from_slice(&bytes[..n]);
        self.0 ^= u64::from_le_bytes(head);
    }

    fn write_usize(&mut self, _: usize) {}

    fn finish(&self) -> u64 {
        self.0
    }
}

fn key(name: &[u8]) -> [u8; 16] {
    name[..16].try_into().expect("a SHA-1 name")
}

/// Trees and blobs met so far: each is visited once, however many commits share it.
#[derive(Default)]
struct Seen {
    trees: Ids,
    blobs: Ids,
    /// Symbolic links met (their blob is a path, not scanned).
    symlinks: Ids,
    /// Submodule paths met (a gitlink names a commit of another repository).
    gitlinks: HashSet<Vec<u8>>,
}

/// How much of the trees the walk builds it keeps for the trees that are deltas on them (a
/// tree's next version is). On the 3,001-commit benchmark, with the scanning threads' caches at
/// 1 MiB (each run interleaved with the others, `-j 2`): 1 MiB took 1.56 times as long as 3, 2
/// MiB 1.28; 4 MiB 0.91, 6 MiB 0.90 at 2 MiB more memory. The 50,001-commit history: 4 MiB took
/// 0.89 of the time of 3. (16 and 32 MiB were slower: their first touch of fresh memory costs.)
const WALK_CACHE: usize = 4 << 20;
/// How many blobs the walk hands a scanning thread at once. Against 16 (each run interleaved
/// with the others, `-j 2`): 64 took 0.89 of the time on the 3,001-commit benchmark, 0.96 on the
/// notebook-heavy one, 0.97 on the 50,001-commit one; 32 and 128 took 0.97 and 0.95, 4 took
/// 1.12. Fewer hand-overs wake fewer threads, and a thread meets more of a file's versions
/// together, whose deltas its cache holds the bases of.
const BATCH: usize = 64;
/// How much of the blobs each scanning thread builds it keeps, for their older versions. With
/// the walk's 4 MiB: the notebook-heavy benchmark took 1.02 of the time of 2 MiB with 1 MiB,
/// 1.24 with 512 KiB; the 3,001-commit one 0.96 with 1 MiB and 0.92 with 512 KiB (a cache that
/// is not filled faults in no fresh memory); the 50,001-commit one kept 5 MiB less.
const SCAN_CACHE: usize = 1 << 20;

/// Where the walk reads commits and trees: the packs, and libgit2 for what they do not hold.
struct Objects<'a> {
    /// Reads what the packs hold.
    reader: Reader<'a>,
    /// Opened for what the packs do not hold (as the scanning threads open it: `open_repo`
    /// sets libgit2's globals, which those threads read).
    repo: Option<Repository>,
    git_dir: PathBuf,
    /// What the tree being walked is the root of, for its errors: `the tree of commit …`, or a
    /// ref's name.
    root: Root,
}

/// What a walked tree is the root of.
enum Root {
    Commit(Oid),
    Ref(String),
    Other,
}

impl Objects<'_> {
    fn repo(&mut self) -> Result<&Repository> {
        if self.repo.is_none() {
            let repo = Repository::open(&self.git_dir)
                .map_err(|e| anyhow!("cannot open the git repository again: {}", e.message()))?;
            self.repo = Some(repo);
        }
        Ok(self.repo.as_ref().expect("just opened"))
    }

    /// Why tree `id`, found at `path`, cannot be walked.
    fn fail(&self, id: Oid, path: &[u8], why: &str) -> anyhow::Error {
        // A path of 4,096 folders is cut short: the error stays one readable line.
        let shown = String::from_utf8_lossy(path);
        let shown = match shown.char_indices().nth(200) {
            Some((i, _)) => format!("{}…", &shown[..i]),
            None => shown.into_owned(),
        };
        let what = match (&self.root, path.is_empty()) {
            (_, false) => format!("{shown}: cannot read tree {id}"),
            (Root::Commit(c), true) => format!("cannot read the tree of commit {c}"),
            (Root::Ref(name), true) => format!("{name}: cannot read tree {id}"),
            (Root::Other, true) => format!("cannot read tree {id}"),
        };
        anyhow!("{what}: {why} (run `git fsck`)")
    }

    /// The tree of commit `id`.
    fn commit_tree(&mut self, id: Oid) -> Result<Oid> {
        if let Some(Read::Object(Kind::Commit, data)) = self.reader.read(id, 0)
            && let Some(tree) = data
                .strip_prefix(b"tree ")
                .and_then(|r| r.get(..40))
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| Oid::from_str(hex).ok())
        {
            return Ok(tree);
        }
        let tree = self.repo()?.find_commit(id).map(|c| c.tree_id());
        tree.map_err(|e| {
            anyhow!(
                "cannot read the tree of commit {id}: {} (run `git fsck`)",
                e.message()
            )
        })
    }

    /// The bytes of tree `id`, found at `path`.
    fn tree(&mut self, id: Oid, path: &[u8]) -> Result<Arc<Vec<u8>>> {
        if let Some(Read::Object(Kind::Tree, data)) = self.reader.read(id, 0) {
            return Ok(data);
        }
        let read = self
            .repo()?
            .odb()
            .and_then(|odb| odb.read(id).map(|o| (o.kind(), o.data().to_vec())));
        match read {
            Ok((git2::ObjectType::Tree, data)) => Ok(Arc::new(data)),
            Ok((kind, _)) => Err(self.fail(id, path, &format!("it is a {kind}"))),
            Err(e) => Err(self.fail(id, path, e.message())),
        }
    }
}

/// A tree's entries as git writes them: `<octal mode> <name>\0<20-byte id>`.
fn tree_entries(data: &[u8]) -> impl Iterator<Item = Option<(u32, &[u8], &[u8; 20])>> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let entry = (|| {
            let sp = memchr::memchr(b' ', rest)?;
            // An octal mode of 16 bits at most and a name that is not empty, or the tree is
            // malformed (libgit2 refuses both).
            let mode = rest[..sp].iter().try_fold(0u32, |m, &c| match c {
                b'0'..=b'7' => Some(m << 3 | (c - b'0') as u32).filter(|m| *m <= 0xffff),
                _ => None,
            })?;
            let nul = sp + 1 + memchr::memchr(0, &rest[sp + 1..])?;
            let name = Some(&rest[sp + 1..nul]).filter(|n| !n.is_empty())?;
            let id: &[u8; 20] = rest.get(nul + 1..nul + 21)?.try_into().ok()?;
            rest = &rest[nul + 21..];
            Some((mode, name, id))
        })();
        if entry.is_none() {
            rest = &[];
        }
        Some(entry)
    })
}

/// Calls `new_blob` for every blob below tree `id` not seen before, with its path, descending
/// only into subtrees not seen before. Walking commits oldest first, a blob is thus met first in
/// the commit that introduced it, and the whole history costs one visit per distinct tree.
fn walk_tree(
    objs: &mut Objects,
    id: Oid,
    prefix: &mut Vec<u8>,
    seen: &mut Seen,
    new_blob: &mut dyn FnMut(Oid, PathBuf),
) -> Result<()> {
    walk_tree_at(objs, id, prefix, seen, new_blob, 0)
}

/// Trees nested deeper than this are an error, not a stack overflow (git refuses trees deeper
/// than 4,096 levels, `core.maxTreeDepth`).
const TREE_DEPTH_MAX: usize = 4096;

fn walk_tree_at(
    objs: &mut Objects,
    id: Oid,
    prefix: &mut Vec<u8>,
    seen: &mut Seen,
    new_blob: &mut dyn FnMut(Oid, PathBuf),
    depth: usize,
) -> Result<()> {
    if !seen.trees.insert(key(id.as_bytes())) {
        return Ok(());
    }
    if depth > TREE_DEPTH_MAX {
        return Err(objs.fail(id, prefix, "trees nest more than 4,096 deep"));
    }
    let data = objs.tree(id, prefix)?;
    for entry in tree_entries(&data) {
        let Some((mode, name, raw)) = entry else {
            return Err(objs.fail(id, prefix, "an entry is malformed"));
        };
        // Most entries were met in an earlier version of the tree: they are looked up by their
        // raw name, and only a new one gets its path built and an `Oid`.
        let entry_id = || Oid::from_bytes(raw).expect("20 bytes");
        // The kinds as libgit2 reads modes: a directory; then any mode with an execute bit is
        // an executable file (`120755` too); then a submodule, a symbolic link, a file.
        let kind = match mode & 0o170000 {
            0o040000 => 0o040000,
            _ if mode & 0o111 != 0 => 0o100755,
            t => t,
        };
        match kind {
            0o040000 if !seen.trees.contains(&key(raw)) => in_child(prefix, name, |prefix| {
                walk_tree_at(objs, entry_id(), prefix, seen, new_blob, depth + 1)
            })?,
            0o040000 => {}
            // Not symlinks (their blob is a path) or submodules (a gitlink names a commit of
            // another repository), which are counted.
            0o120000 => {
                seen.symlinks.insert(key(raw));
            }
            0o160000 => {
                in_child(prefix, name, |prefix| seen.gitlinks.insert(prefix.clone()));
            }
            // Regular and executable files.
            _ => {
                if seen.blobs.insert(key(raw)) {
                    in_child(prefix, name, |prefix| {
                        new_blob(entry_id(), path_from_bytes(prefix))
                    });
                }
            }
        }
    }
    Ok(())
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
    TooLarge(Oid, u64),
    Error(Oid, String),
}
