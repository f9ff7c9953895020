//! The index's cache tree: which directories are unchanged since `HEAD`, so a hook reads only
//! what changed.

use git2::Oid;

/// An index entry, as a staged scan needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// Its path, `/`-separated.
    pub path: Vec<u8>,
    pub id: Oid,
    pub mode: u32,
    /// 0, or 1 to 3 for the sides of an unresolved conflict.
    pub stage: u16,
}

/// An index file read: its entries, sorted as git keeps them (by path, then stage), and its
/// cache tree.
#[derive(Default)]
pub(super) struct Index {
    pub entries: Vec<Entry>,
    pub cache: PathMap,
}

impl Index {
    /// The entry of `path` at `stage`.
    pub(super) fn get(&self, path: &[u8], stage: u16) -> Option<&Entry> {
        let at = self
            .entries
            .binary_search_by(|e| (e.path.as_slice(), e.stage).cmp(&(path, stage)))
            .ok()?;
        Some(&self.entries[at])
    }
}

/// Reads an index file (versions 2 to 4, SHA-1) as git writes it, without libgit2: libgit2 also
/// hashes the whole file to check its trailer (SHA-1 with collision detection, a millisecond on
/// a 5,000-file index), which a hook run waits for. `None` when the file is not one this reads
/// (another version or hash, a split or sparse index, a truncated file): the caller asks
/// libgit2 then. A damaged entry fails closed: an id that names no blob cannot be read, and the
/// scan says so; a damaged path is a new file, scanned whole.
pub(super) fn read(index: &[u8]) -> Option<Index> {
    parse(index)
        .filter(|(_, whole)| *whole)
        .map(|(index, _)| index)
}

/// [`read`]'s parse: the index, and whether its entries are all there is to it (`false` with an
/// extension git requires a reader to know: a split index's entries are partly in another file,
/// a sparse one stands whole directories for their files). The cache tree holds either way.
fn parse(index: &[u8]) -> Option<(Index, bool)> {
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
    let mut entries: Vec<Entry> = Vec::with_capacity(count.min(index.len() / 62));
    let mut at = 12;
    for _ in 0..count {
        let mode = be32(at + 24)?;
        let id = Oid::from_bytes(index.get(at + 40..at + 60)?).ok()?;
        let flags = u16::from_be_bytes(index.get(at + 60..at + 62)?.try_into().ok()?);
        let mut fixed = 62;
        if version >= 3 && flags & 0x4000 != 0 {
            fixed += 2;
        }
        let path = if version == 4 {
            // The path is the previous one less `strip` bytes at its end, then this one's rest.
            at += fixed;
            let mut byte = *index.get(at)?;
            at += 1;
            let mut strip = usize::from(byte & 0x7f);
            while byte & 0x80 != 0 {
                byte = *index.get(at)?;
                at += 1;
                strip = strip.checked_add(1)?.checked_mul(128)? + usize::from(byte & 0x7f);
            }
            let prev = entries.last().map_or(&[][..], |e| e.path.as_slice());
            let nul = memchr::memchr(0, index.get(at..)?)?;
            let mut path = prev.get(..prev.len().checked_sub(strip)?)?.to_vec();
            path.extend_from_slice(&index[at..at + nul]);
            at += nul + 1;
            path
        } else {
            let nul = memchr::memchr(0, index.get(at + fixed..)?)?;
            let path = index[at + fixed..at + fixed + nul].to_vec();
            at += (fixed + nul + 8) & !7;
            path
        };
        entries.push(Entry {
            path,
            id,
            mode,
            stage: (flags >> 12) & 0x3,
        });
    }
    // Extensions follow, each a 4-byte signature and a 4-byte size; a 20-byte checksum ends the
    // file. A split index (`link`) keeps entries in another file, a sparse one (`sdir`) stands
    // whole directories for their files: neither is read here, nor any other extension git
    // says a reader must know.
    let mut cache = PathMap::default();
    let mut whole = true;
    while at + 8 + 20 <= index.len() {
        let size = be32(at + 4)? as usize;
        let data = index.get(at + 8..(at + 8).checked_add(size)?)?;
        match &index[at..at + 4] {
            b"TREE" => cache = parse_tree_extension(data).unwrap_or_default(),
            // Another extension git requires a reader to know (its name does not start with a
            // capital): not read here.
            [first, ..] if !first.is_ascii_uppercase() => whole = false,
            _ => {}
        }
        at += 8 + size;
    }
    // Anything else than the trailer left: not a file this reads rightly.
    if at + 20 != index.len() {
        return None;
    }
    Some((Index { entries, cache }, whole))
}

/// The index's cache tree (its `TREE` extension): for each directory whose entries are unchanged
/// since its tree was last written, that tree's id. git keeps it to answer `git diff --cached`
/// without reading `HEAD`'s trees; caulk does the same. `None` when the index cannot be read
/// this way (an unknown version or hash, or no extension): then every tree is read.
pub(super) fn cache_tree(index: &[u8]) -> Option<PathMap> {
    parse(index).map(|(i, _)| i.cache)
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
pub(super) type PathMap =
    std::collections::HashMap<Vec<u8>, Oid, std::hash::BuildHasherDefault<Fnv>>;

/// FNV-1a, 64 bits.
pub(super) struct Fnv(u64);

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

    /// The entries of real index files, as git wrote them in each version, with a conflict, an
    /// intent-to-add entry, long and non-ASCII paths, are libgit2's entries; a split index is
    /// left to libgit2, and a file cut short is refused.
    #[test]
    fn entries_match_libgit2_in_every_index_version() {
        let dir = tempfile::TempDir::new().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        let long = format!("dir/{}/{}.txt", "n".repeat(200), "m".repeat(200));
        for f in [
            "a/x.txt",
            "a/deep/y.txt",
            "b/z.txt",
            "top.txt",
            "caf\u{e9}/m.txt",
            &long,
        ] {
            std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
            std::fs::write(d.join(f), f).unwrap();
        }
        git(d, &["add", "."]);
        git(d, &["commit", "-q", "-m", "x"]);
        // A conflict on top.txt: stages 1 to 3.
        git(d, &["checkout", "-q", "-b", "other"]);
        std::fs::write(d.join("top.txt"), "theirs").unwrap();
        git(d, &["commit", "-q", "-am", "theirs"]);
        git(d, &["checkout", "-q", "main"]);
        std::fs::write(d.join("top.txt"), "ours").unwrap();
        git(d, &["commit", "-q", "-am", "ours"]);
        let merge = std::process::Command::new("git")
            .current_dir(d)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "merge",
                "-q",
                "other",
            ])
            .output()
            .unwrap();
        assert!(!merge.status.success(), "the merge conflicts");
        std::fs::write(d.join("b/later.txt"), "later").unwrap();
        git(d, &["add", "-N", "b/later.txt"]);
        let libgit2 = |d: &std::path::Path| -> Vec<super::Entry> {
            let index = git2::Index::open(&d.join(".git/index")).unwrap();
            index
                .iter()
                .map(|e| super::Entry {
                    path: e.path,
                    id: e.id,
                    mode: e.mode,
                    stage: (e.flags >> 12) & 0x3,
                })
                .collect()
        };
        for version in ["2", "3", "4"] {
            git(d, &["update-index", "--index-version", version]);
            let bytes = std::fs::read(d.join(".git/index")).unwrap();
            let ours = super::read(&bytes).expect(version);
            assert_eq!(ours.entries, libgit2(d), "v{version}");
            assert_eq!(ours.entries.iter().filter(|e| e.stage > 0).count(), 3);
            assert_eq!(ours.get(b"top.txt", 2).map(|e| e.stage), Some(2));
            assert!(
                ours.get(long.as_bytes(), 0).is_some(),
                "v{version}: long path"
            );
            assert!(
                super::read(&bytes[..bytes.len() - 1]).is_none(),
                "v{version}: cut short"
            );
        }
        git(d, &["update-index", "--split-index"]);
        let bytes = std::fs::read(d.join(".git/index")).unwrap();
        assert!(super::read(&bytes).is_none(), "split index: libgit2's");
        assert!(
            cache_tree(&bytes).is_some_and(|c| !c.is_empty()),
            "its cache tree is read all the same"
        );
    }
}
