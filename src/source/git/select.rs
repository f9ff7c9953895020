//! Which commits a history scan covers: `HEAD`, every ref, a range, the commits after
//! `--since-commit`, or what a push sends; with the boundary commits a range starts from, and the
//! shallow grafts it must not cross.

use std::collections::HashSet;

use anyhow::{Result, anyhow, bail};
use git2::{ErrorCode, Oid, Repository, Sort};

use crate::finding::CommitInfo;

/// Options of `caulk history`.
#[derive(Debug, Clone, Default)]
pub(crate) struct HistoryOptions {
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
pub(crate) struct Push {
    /// The remote pushed to: its remote-tracking refs (`refs/remotes/NAME/*`) hold what it
    /// already has. `None`: every remote-tracking ref.
    pub remote: Option<String>,
    /// Each ref pushed, as (local revision, the remote's sha). A remote sha of zeros (a new ref)
    /// or one missing here sends what no remote-tracking ref of the remote has; a local sha of
    /// zeros is a deletion and sends nothing.
    pub updates: Vec<(String, String)>,
}

impl HistoryOptions {
    /// Whether the scan has a base (`A..B`, `--since-commit`, a push): it reports what that base
    /// lacks, not the whole history.
    pub(crate) fn ranged(&self) -> bool {
        self.push.is_some()
            || self.since_commit.is_some()
            || self.range.as_deref().is_some_and(|r| r.contains(".."))
    }
}

/// Reads git's pre-push input: one line per ref, `<local ref> SP <local sha> SP <remote ref> SP
/// <remote sha>`; blank lines are skipped. Returns (local sha, remote sha) pairs.
pub(crate) fn parse_push_lines(text: &str) -> Result<Vec<(String, String)>> {
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

/// What a report says of commit `id`: its sha, author, date and subject. Asked only for the
/// commits that brought a finding (50,000 of them took 12 MiB when each was kept).
pub(super) fn commit_info(repo: &Repository, id: Oid) -> Result<CommitInfo> {
    let c = repo
        .find_commit(id)
        .map_err(|e| anyhow!("cannot read commit {id}: {} (run `git fsck`)", e.message()))?;
    let author = c.author();
    Ok(CommitInfo {
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
    })
}

/// Whether a sha is git's all-zeros "no object".
pub(super) fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

/// What a history scan reads.
pub(super) struct Selection {
    /// Commits to scan, oldest first, with what a report says of each.
    pub(super) commits: Vec<Oid>,
    /// Parents of those commits that lie outside the selection (the base of a range).
    pub(super) boundary: Vec<Oid>,
    /// The shallow clone's grafted commits (their parents are missing); empty when not shallow.
    pub(super) grafts: HashSet<Oid>,
    /// The scan has a base (`A..B`, `--since-commit`, a push): it reports what that base lacks.
    pub(super) ranged: bool,
    /// Trees and blobs that refs name directly, peeled (`--all`): (ref name, id, kind).
    pub(super) objects: Vec<(String, Oid, git2::ObjectType)>,
}

/// The commits to scan, oldest first (what a report says of one: [`commit_info`]); the boundary; the
/// shallow grafts. A scan with a base that would read a graft is an error: the graft's parents are
/// missing, so its whole tree would look new, and what the range adds cannot be told from what it
/// inherits.
pub(super) fn select_commits(repo: &Repository, opts: &HistoryOptions) -> Result<Selection> {
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
    let ranged = opts.ranged();
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
    let out = ids;
    let mut boundary: Vec<Oid> = Vec::new();
    // Without a base, the walk took every ancestor of where it began: no parent lies outside
    // the selection but those a shallow clone lacks, which have no tree to read. Reading each
    // commit again to learn so took 10 ms of 3,001 commits, before any blob was scanned.
    if ranged {
        let selected: HashSet<Oid> = out.iter().copied().collect();
        for id in &out {
            let commit = repo.find_commit(*id).map_err(|e| {
                anyhow!("cannot read commit {id}: {} (run `git fsck`)", e.message())
            })?;
            for p in commit.parent_ids() {
                if !selected.contains(&p) && !boundary.contains(&p) {
                    boundary.push(p);
                }
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
pub(super) fn shallow_grafts(repo: &Repository) -> HashSet<Oid> {
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
pub(super) fn tree_and_blob_refs(
    repo: &Repository,
) -> Result<Vec<(String, Oid, git2::ObjectType)>> {
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
pub(super) fn peel_tags(mut obj: git2::Object<'_>) -> Result<git2::Object<'_>, git2::Error> {
    while let Some(tag) = obj.as_tag() {
        obj = tag.target()?;
    }
    Ok(obj)
}

/// The commits a push sends, oldest first: for each update, what the local commit has that the
/// remote's sha has (when it is here), else what no remote-tracking ref of the remote has; the
/// union over the updates, each commit once. A pushed tag naming a tree or a blob goes to
/// `objects`.
pub(super) fn pushed_commits(
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
pub(super) fn oldest_first(repo: &Repository, ids: &[Oid], set: &HashSet<Oid>) -> Result<Vec<Oid>> {
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
pub(super) fn check_range_sides(range: &str) -> Result<()> {
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
pub(super) fn check_range_ends(repo: &Repository, range: &str) -> Result<(), git2::Error> {
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
