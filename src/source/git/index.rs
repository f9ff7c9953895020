//! The index's cache tree: which directories are unchanged since `HEAD`, so a hook reads only
//! what changed.

use git2::Oid;

/// The index's cache tree (its `TREE` extension): for each directory whose entries are unchanged
/// since its tree was last written, that tree's id. git keeps it to answer `git diff --cached`
/// without reading `HEAD`'s trees; caulk does the same. `None` when the index cannot be read
/// this way (an unknown version or hash, or no extension): then every tree is read.
pub(super) fn cache_tree(index: &[u8]) -> Option<PathMap> {
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
}
