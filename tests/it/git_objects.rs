//! Repositories in a bad state: corrupt or missing objects and a corrupt pack fail closed naming
//! the object and `git fsck`; a repository without commits, one owned by another user, a shallow
//! clone and a submodule each get a clear word, never a silent pass.

use std::path::Path;

use crate::util::run_report as run;
use crate::util::*;
use tempfile::TempDir;

/// The loose object file of `id` in the repository at `d`.
fn object_file(d: &Path, id: &str) -> std::path::PathBuf {
    d.join(".git/objects").join(&id[..2]).join(&id[2..])
}

fn git_out(d: &Path, args: &[&str]) -> String {
    let o = std::process::Command::new("git")
        .current_dir(d)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn corrupt_or_missing_git_objects_fail_closed_naming_the_object() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            ("app/k.py", format!("K = '{HF_KEY}'\n").as_bytes()),
            ("README.md", b"hello\n"),
        ],
    );
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "k"]);
    let blob = git_out(d, &["rev-parse", "HEAD:app/k.py"]);
    let f = object_file(d, &blob);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&f, b"\x78\x01garbage that does not inflate").unwrap();
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!("app/k.py: cannot read blob {blob}")) && text.contains("git fsck"),
        "{text}"
    );
    assert!(
        text.contains("INCOMPLETE: no secrets found in what was read"),
        "{text}"
    );
    // missing altogether
    std::fs::remove_file(&f).unwrap();
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains(&blob));
    // a missing tree stops the walk, naming the tree
    let tree = git_out(d, &["rev-parse", "HEAD:app"]);
    std::fs::remove_file(object_file(d, &tree)).unwrap();
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text.contains(&format!("app: cannot read tree {tree}")),
        "{text}"
    );
}

#[test]
fn a_repository_without_commits_still_blocks_a_staged_key() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(d, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(d, &["add", "."]);
    let (code, report, _) = run(d, &["staged"]);
    assert_eq!((code, positions(&report).len()), (1, 1));
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("no commits yet"));
}

#[test]
fn a_repository_owned_by_another_user_is_refused_with_the_fix() {
    if !is_root() {
        return; // only root can give a repository to another user
    }
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(d, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "k"]);
    let st = std::process::Command::new("chown")
        .args(["-R", "65534"])
        .arg(d)
        .status()
        .unwrap();
    assert!(st.success());
    let home = TempDir::new().unwrap();
    for cmd in [&["history"][..], &["staged"]] {
        let o = caulk()
            .current_dir(d)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(cmd)
            .output()
            .unwrap();
        let text = output_text(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {text}");
        assert!(
            text.contains("not owned by current user")
                && text.contains("git config --global --add safe.directory"),
            "{text}"
        );
    }
    // the fix it names works
    std::fs::write(
        home.path().join(".gitconfig"),
        format!("[safe]\n\tdirectory = {}\n", d.display()),
    )
    .unwrap();
    let o = caulk()
        .current_dir(d)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["history"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
}

#[test]
fn shallow_clones_say_so_and_submodules_are_counted() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    git(&src, &["init", "-q"]);
    write_tree(
        &src,
        &[("old.py", format!("K = '{GROQ_KEY}'\n").as_bytes())],
    );
    git(&src, &["add", "."]);
    git(&src, &["commit", "-q", "-m", "old"]);
    std::fs::remove_file(src.join("old.py")).unwrap();
    write_tree(&src, &[("new.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(&src, &["add", "-A"]);
    git(&src, &["commit", "-q", "-m", "new"]);
    let url = format!("file://{}", src.display());
    git(
        dir.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let shallow = dir.path().join("shallow");
    let (code, report, stderr) = run(&shallow, &["history"]);
    assert_eq!(code, 1);
    assert_eq!(positions(&report).len(), 1, "only what the clone has");
    assert_eq!(report["summary"]["shallow"], true);
    assert!(
        stderr.contains("shallow clone: history stops at its graft"),
        "{stderr}"
    );

    // a gitlink (submodule) is counted, never an error
    let head = git_out(&src, &["rev-parse", "HEAD"]);
    git(
        &src,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{head},vendor/lib"),
        ],
    );
    let (code, report, _) = run(&src, &["staged"]);
    assert_eq!(
        (code, report["summary"]["skipped_submodules"].as_u64()),
        (0, Some(1))
    );
    git(&src, &["commit", "-q", "-m", "submodule"]);
    let (code, report, _) = run(&src, &["history"]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["skipped_submodules"], 1);
    assert_eq!(report["summary"]["errors"], 0);
}

#[test]
fn a_corrupt_pack_fails_closed() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(d, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "k"]);
    git(d, &["gc", "-q"]);
    let pack_dir = d.join(".git/objects/pack");
    let pack = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("gc wrote a pack");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pack, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    let n = bytes.len();
    for b in &mut bytes[12..n - 20] {
        *b ^= 0x5a; // every object's data, not the header or the trailing checksum
    }
    std::fs::write(&pack, bytes).unwrap();
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(
        text.contains("cannot read") && text.contains("git fsck"),
        "names the problem and the fix: {text}"
    );
}

/// A commit on `tree` (written raw, as a hostile repository may hold it) on `main`, its objects
/// loose, then packed if `pack`.
fn commit_raw_tree(d: &Path, entries: &[(&str, &[u8], &[u8])], pack: bool) {
    let repo = git2::Repository::init(d).unwrap();
    let odb = repo.odb().unwrap();
    let mut raw = Vec::new();
    for (mode, name, content) in entries {
        let blob = odb.write(git2::ObjectType::Blob, content).unwrap();
        raw.extend_from_slice(mode.as_bytes());
        raw.push(b' ');
        raw.extend_from_slice(name);
        raw.push(0);
        raw.extend_from_slice(blob.as_bytes());
    }
    let tree = odb.write(git2::ObjectType::Tree, &raw).unwrap();
    // Written raw too: libgit2 will not build a commit on a tree it cannot parse.
    let who = "t <t@example.com> 1700000000 +0000";
    let commit = format!("tree {tree}\nauthor {who}\ncommitter {who}\n\nraw\n");
    let commit = odb
        .write(git2::ObjectType::Commit, commit.as_bytes())
        .unwrap();
    repo.reference("refs/heads/main", commit, true, "raw")
        .unwrap();
    repo.set_head("refs/heads/main").unwrap();
    if pack {
        // Every object listed to `pack-objects` (`repack` walks the trees and refuses a
        // malformed one), then the loose copies removed.
        let mut ids = Vec::new();
        odb.foreach(|id| {
            ids.push(format!("{id}\n"));
            true
        })
        .unwrap();
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(d)
            .args(["pack-objects", "-q", ".git/objects/pack/pack"]);
        let o = with_stdin(&mut cmd, ids.concat().as_bytes());
        assert!(o.status.success(), "{}", output_text(&o));
        git(d, &["prune-packed"]);
        assert!(!object_file(d, &commit.to_string()).exists());
    }
}

/// Tree entries as libgit2 read them before caulk read packs itself: a mode with an execute bit
/// is a file (`120755` too), a space in a name is a name; an empty name or a mode over 16 bits
/// is a malformed tree, an error naming the commit and `git fsck`. The same loose and packed.
#[test]
fn odd_tree_entries_read_as_libgit2_reads_them_loose_and_packed() {
    let key = format!("HF_TOKEN={HF_KEY}\n");
    for pack in [false, true] {
        let dir = TempDir::new().unwrap();
        let d = dir.path();
        commit_raw_tree(
            d,
            &[
                ("100644", b"ok.txt", b"hello\n"),
                ("120755", b"exec link.env", key.as_bytes()),
                ("100664", b"old mode.env", key.as_bytes()),
                ("120000", b"link", b"ok.txt"),
            ],
            pack,
        );
        let (code, report, _) = run(d, &["history"]);
        assert_eq!(code, 1, "packed {pack}");
        assert_eq!(
            found(&report),
            [("exec link.env".to_string(), "huggingface-token".to_string())],
            "packed {pack}"
        );
        assert_eq!(report["summary"]["skipped_symlinks"], 1, "packed {pack}");
        for bad in [("100644", &b""[..]), ("1100644", &b"k.env"[..])] {
            let dir = TempDir::new().unwrap();
            let d = dir.path();
            commit_raw_tree(d, &[(bad.0, bad.1, key.as_bytes())], pack);
            let o = caulk().current_dir(d).args(["history"]).output().unwrap();
            let text = output_text(&o);
            assert_eq!(o.status.code(), Some(2), "{bad:?} packed {pack}: {text}");
            assert!(
                text.contains("cannot read the tree of commit")
                    && text.contains("malformed")
                    && text.contains("git fsck"),
                "{text}"
            );
        }
    }
}

/// Trees nested past git's own limit (4,096) are an error, not a stack overflow.
#[test]
fn a_tree_nested_too_deep_fails_closed() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let repo = git2::Repository::init(d).unwrap();
    let blob = repo.blob(format!("K = '{HF_KEY}'\n").as_bytes()).unwrap();
    let mut b = repo.treebuilder(None).unwrap();
    b.insert("k.py", blob, 0o100644).unwrap();
    let mut tree = b.write().unwrap();
    for _ in 0..4200 {
        let mut b = repo.treebuilder(None).unwrap();
        b.insert("d", tree, 0o040000).unwrap();
        tree = b.write().unwrap();
    }
    let sig = git2::Signature::now("t", "t@example.com").unwrap();
    let tree = repo.find_tree(tree).unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "deep", &tree, &[])
        .unwrap();
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(2), "{}", &text[..text.len().min(300)]);
    assert!(
        text.contains("nest more than 4,096 deep"),
        "{}",
        &text[..text.len().min(300)]
    );
    // One line, its path cut short.
    assert!(
        text.trim().lines().count() == 1 && text.len() < 1000,
        "{} bytes",
        text.len()
    );
}
