//! Files caulk reads as its own inputs (configurations, baselines, ignore files, notebooks to
//! strip) and every file it writes, handled as a hostile repository would have them.
//!
//! - A read never hangs and never takes more memory than asked: a FIFO, socket or device is
//!   refused by name (opened without blocking, then judged by `fstat`), and at most `limit` bytes
//!   are read.
//! - A write never goes through a symbolic link and is never seen half-done: the new contents go
//!   into a new file created exclusively, with an unpredictable name, in the target's folder, and
//!   that file is renamed over the target. A link at the target is replaced, not followed; a
//!   read-only file, a folder or a special file is refused by name.

use std::fs::{File, Metadata};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use crate::sanitize::escape;

/// What a special file is, for messages; `None` for files, folders and links.
pub(crate) fn special_kind(meta: &Metadata) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("a device");
        }
    }
    let _ = meta;
    None
}

/// `path` for a message: escaped, so a crafted name cannot move the cursor.
pub(crate) fn shown(path: &Path) -> String {
    escape(&path.to_string_lossy()).into_owned()
}

/// Opens `path` for reading without blocking on a FIFO, and refuses anything but a regular file
/// (after following links: a link to a file is read). `what` names the file's role in messages:
/// "configuration file", "baseline".
pub(crate) fn open_regular(path: &Path, what: &str) -> Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts
        .open(path)
        .map_err(|e| anyhow!("{}: cannot read the {what}: {}", shown(path), io_reason(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| anyhow!("{}: cannot read the {what}: {}", shown(path), io_reason(&e)))?;
    if let Some(kind) = special_kind(&meta) {
        bail!(
            "{}: is {kind}, not a regular file; name a regular {what}",
            shown(path)
        );
    }
    if meta.is_dir() {
        bail!(
            "{}: is a folder, not a file; name a regular {what}",
            shown(path)
        );
    }
    Ok(file)
}

/// Reads the regular file `path` (see [`open_regular`]), at most `limit` bytes: a larger file is
/// an error naming both sizes.
pub(crate) fn read_regular(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>> {
    let file = open_regular(path, what)?;
    let mut buf = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| anyhow!("{}: cannot read the {what}: {}", shown(path), io_reason(&e)))?;
    if buf.len() as u64 > limit {
        bail!(
            "{}: the {what} is larger than {} bytes; caulk reads no more",
            shown(path),
            limit
        );
    }
    Ok(buf)
}

/// [`read_regular`] as UTF-8 text.
pub(crate) fn read_regular_text(path: &Path, what: &str, limit: u64) -> Result<String> {
    String::from_utf8(read_regular(path, what, limit)?).map_err(|e| {
        anyhow!(
            "{}: the {what} is not UTF-8 (at byte {})",
            shown(path),
            e.utf8_error().valid_up_to()
        )
    })
}

/// The text of a small file caulk is about to rewrite (an ignore or attributes file it adds
/// lines to), empty when there is none. A symbolic link is refused, `instead` saying what to do:
/// caulk never writes through one, and replacing the link would cut the file off from where it
/// points.
pub(crate) fn text_to_rewrite(path: &Path, what: &str, instead: &str) -> Result<String> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => bail!(
            "{}: is a symbolic link; caulk does not write through links: {instead}",
            shown(path)
        ),
        Ok(_) => read_regular_text(path, what, INPUT_LIMIT),
        Err(_) => Ok(String::new()),
    }
}

/// The largest configuration, baseline or ignore file caulk reads.
pub(crate) const INPUT_LIMIT: u64 = 64 << 20;

/// How [`write_atomic`] treats an existing target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Replace it (its permissions and owner are kept unless a mode is given).
    Replace,
    /// Refuse to replace it (`caulk init` without `--force`).
    Keep,
}

/// Writes `contents` to `path` through a new, exclusively created temporary file in the same
/// folder, renamed over `path`. A symbolic link at `path` is replaced by the file, never written
/// through; a read-only file, a folder or a special file is refused. `mode` sets the permissions
/// (a hook's `0o755`); otherwise an existing file keeps its own, and a new one gets `0o666` less
/// the umask.
pub(crate) fn write_atomic(
    path: &Path,
    contents: &[u8],
    mode: Option<u32>,
    existing: Existing,
) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a file name", shown(path)))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let before = match std::fs::symlink_metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => bail!("{}: cannot write: {}", shown(path), io_reason(&e)),
    };
    // The file a link points at is not ours to keep the permissions of.
    let own = before.as_ref().filter(|m| !m.file_type().is_symlink());
    if let Some(m) = &before {
        if existing == Existing::Keep {
            bail!("{}: already exists", shown(path));
        }
        if m.is_dir() {
            bail!("{}: is a folder; name a file to write", shown(path));
        }
        if let Some(kind) = special_kind(m) {
            bail!("{}: is {kind}; name a regular file to write", shown(path));
        }
        if own.is_some_and(|m| m.permissions().readonly()) {
            bail!(
                "{}: is read-only; not rewritten (make it writable first if it should change)",
                shown(path)
            );
        }
    }
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".caulk-tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(&dir)
        .with_context(|| format!("{}: cannot create a temporary file beside it", shown(path)))?;
    let fail = |e: io::Error| anyhow!("{}: cannot write: {}", shown(path), io_reason(&e));
    tmp.write_all(contents).map_err(fail)?;
    tmp.flush().map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let perm = match (mode, own) {
            (Some(m), _) => Some(m),
            (None, Some(m)) => Some(m.mode() & 0o7777),
            (None, None) => None,
        };
        if let Some(m) = perm {
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(m))
                .map_err(fail)?;
        }
        if let Some(m) = own {
            // Keep the owner when caulk runs as another user (root in CI); best effort.
            let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()));
        }
    }
    let persisted = match existing {
        Existing::Replace => tmp.persist(path).map(drop),
        Existing::Keep => tmp.persist_noclobber(path).map(drop),
    };
    persisted.map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            anyhow!("{}: already exists", shown(path))
        } else {
            anyhow!("{}: cannot write: {}", shown(path), io_reason(&e.error))
        }
    })
}

/// A path made comparable: resolved (links, `..`) when it exists, else its folder resolved and
/// its name kept (a file not written yet).
pub(crate) fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (abs.parent(), abs.file_name()) {
        (Some(dir), Some(name)) => dir.canonicalize().map_or(abs.clone(), |d| d.join(name)),
        _ => abs,
    }
}

/// Whether two paths name the same file.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    identity(a) == identity(b)
}

/// A short reason for an I/O error, without the "(os error N)" noise.
pub(crate) fn io_reason(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_links_and_keep_modes() {
        let d = tempfile::TempDir::new().unwrap();
        let target = d.path().join("outside.txt");
        std::fs::write(&target, "outside").unwrap();
        let link = d.path().join("report.json");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, b"new", None, Existing::Replace).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "outside");
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "new");
        assert!(
            !std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // no temporary file is left behind
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let exe = d.path().join("hook");
            std::fs::write(&exe, "x").unwrap();
            std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o750)).unwrap();
            write_atomic(&exe, b"y", None, Existing::Replace).unwrap();
            let mode = std::fs::metadata(&exe).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o750);
            std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o444)).unwrap();
            let e = write_atomic(&exe, b"z", None, Existing::Replace).unwrap_err();
            assert!(e.to_string().contains("read-only"), "{e}");
            assert_eq!(std::fs::read_to_string(&exe).unwrap(), "y");
        }
        let e = write_atomic(&target, b"z", None, Existing::Keep).unwrap_err();
        assert!(e.to_string().ends_with("already exists"), "{e}");
        let e = write_atomic(d.path(), b"z", None, Existing::Replace).unwrap_err();
        assert!(e.to_string().contains("not a file name") || e.to_string().contains("folder"));
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_hanging() {
        let d = tempfile::TempDir::new().unwrap();
        let fifo = d.path().join("baseline.json");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(ok.success());
        let e = read_regular(&fifo, "baseline", INPUT_LIMIT).unwrap_err();
        assert!(
            e.to_string().contains("is a FIFO, not a regular file"),
            "{e}"
        );
        let e = write_atomic(&fifo, b"x", None, Existing::Replace).unwrap_err();
        assert!(e.to_string().contains("is a FIFO"), "{e}");
        let e = read_regular(Path::new("/dev/zero"), "configuration file", 10).unwrap_err();
        assert!(e.to_string().contains("is a device"), "{e}");
        let big = d.path().join("big");
        std::fs::write(&big, vec![b'a'; 11]).unwrap();
        assert!(read_regular(&big, "baseline", 10).is_err());
        assert_eq!(read_regular(&big, "baseline", 11).unwrap().len(), 11);
    }
}
