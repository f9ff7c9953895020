//! Pack files mapped into memory and read in place, with a bound on how much of them stays
//! resident: a history scan read the 3,001-commit benchmark's 8.6 MB pack in 66,000 `pread`s of
//! about 512 bytes (a tenth of its CPU in system calls and copies), where a mapping reads each
//! byte where the page cache holds it.
//!
//! A mapping's pages count in the process's resident memory once touched, so a pack's size would
//! decide the memory a scan takes (200 MiB for the notebook history's pack). Here every read
//! names the bytes it touches; each 64 KiB chunk touched is counted once, and when the chunks
//! counted reach the budget the mappings' pages are all given back (`MADV_DONTNEED`: the page
//! cache keeps them, the next touch maps them again). The kernel maps a missing page with its
//! neighbours in the same 64 KiB of address space (fault-around), never beyond: chunks are
//! counted in the same 64 KiB of address space, so a chunk counted is at most what a touch
//! brings in.
//!
//! git writes a pack once and never changes it (a repack writes new ones and deletes the old,
//! which leaves a mapping whole). A pack cut short while mapped (by hand, or a disk error) makes
//! a read of it fault with SIGBUS, as it makes git's own commands: caulk then says so in one
//! line and exits 2 instead of dying on the signal. Where mapping fails (or off Unix) the reader
//! reads with `pread`.

use std::fs::File;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

/// A chunk: what fault-around maps at most around a missing page (the kernel's default
/// `fault_around_bytes`).
const CHUNK_SHIFT: u32 = 16;

/// The mapped packs' shared budget: touched chunks counted since the pages were last given back.
pub(super) struct Residency {
    chunks: AtomicUsize,
    max: usize,
}

impl Residency {
    /// A budget of `bytes` of mapped pages (at least one chunk).
    pub(super) fn new(bytes: usize) -> Residency {
        Residency {
            chunks: AtomicUsize::new(0),
            max: (bytes >> CHUNK_SHIFT).max(1),
        }
    }
}

/// One pack file mapped read-only.
pub(super) struct Map {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
    /// The chunk of address space the mapping begins in.
    first_chunk: usize,
    /// Which chunks were touched since the pages were last given back, a bit each.
    touched: Box<[AtomicU64]>,
}

// SAFETY: the mapping is read-only and lives until `drop`; `touched` is atomics. Nothing of it is
// tied to the thread that made it.
unsafe impl Send for Map {}
// SAFETY: as above: shared readers only read the mapping and update atomics.
unsafe impl Sync for Map {}

impl Map {
    /// `file` (`len` bytes) mapped, or `None` where it cannot be (the caller reads with `pread`).
    #[cfg(unix)]
    pub(super) fn new(file: &File, len: u64) -> Option<Map> {
        use std::os::fd::AsRawFd;
        let len = usize::try_from(len).ok().filter(|&l| l > 0)?;
        on_sigbus_exit();
        // SAFETY: a fresh read-only shared mapping of an open file: no memory of ours is aliased;
        // the result is checked before use.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        let mut map = Map {
            ptr: std::ptr::NonNull::new(ptr.cast())?,
            len,
            first_chunk: ptr as usize >> CHUNK_SHIFT,
            touched: Box::new([]),
        };
        let chunks = ((ptr as usize + len - 1) >> CHUNK_SHIFT) - map.first_chunk + 1;
        let mut touched = Vec::new();
        // On failure `map` is dropped, and unmapped.
        touched.try_reserve_exact(chunks.div_ceil(64)).ok()?;
        touched.resize_with(chunks.div_ceil(64), || AtomicU64::new(0));
        map.touched = touched.into_boxed_slice();
        Some(map)
    }

    #[cfg(not(unix))]
    pub(super) fn new(_: &File, _: u64) -> Option<Map> {
        None
    }

    /// The bytes at `pos`, `want` of them or fewer at the pack's end (none past it), counted
    /// against `budget`; and whether that spent the budget: then the caller gives back the pages
    /// of every mapping ([`Map::release`]) before it reads them.
    pub(super) fn bytes(&self, pos: u64, want: usize, budget: &Residency) -> (&[u8], bool) {
        let Some(start) = usize::try_from(pos).ok().filter(|&p| p < self.len) else {
            return (&[], false);
        };
        let end = start.saturating_add(want.max(1)).min(self.len);
        let mut spent = false;
        let at = self.ptr.as_ptr() as usize;
        let chunks = ((at + start) >> CHUNK_SHIFT)..=((at + end - 1) >> CHUNK_SHIFT);
        for chunk in chunks.map(|c| c - self.first_chunk) {
            let (word, bit) = (&self.touched[chunk / 64], 1u64 << (chunk % 64));
            if word.load(Relaxed) & bit == 0 && word.fetch_or(bit, Relaxed) & bit == 0 {
                spent |= budget.chunks.fetch_add(1, Relaxed) + 1 >= budget.max;
            }
        }
        // SAFETY: `start..end` lies within the mapping, which lives as long as `self`.
        let bytes =
            unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(start), end - start) };
        (bytes, spent)
    }

    /// Gives the mapping's resident pages back; the next touch maps them again from the page
    /// cache.
    pub(super) fn release(&self, budget: &Residency) {
        budget.chunks.store(0, Relaxed);
        for word in self.touched.iter() {
            word.store(0, Relaxed);
        }
        #[cfg(unix)]
        // SAFETY: the range is this mapping, read-only and file-backed: dropping its pages loses
        // nothing (they are read again from the file); no reference into it is invalidated.
        unsafe {
            libc::madvise(self.ptr.as_ptr().cast(), self.len, libc::MADV_DONTNEED);
        }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: the mapping made in `new`, unmapped once; no slice of it outlives `self`.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

/// Makes SIGBUS (a mapped file cut short) end the process with one line and exit status 2, once.
#[cfg(unix)]
fn on_sigbus_exit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    extern "C" fn handler(_: libc::c_int) {
        const SAID: &[u8] =
            b"caulk: a pack file was cut short while it was read (SIGBUS); run the scan \
            again, and `git fsck` if it happens again\n";
        // SAFETY: `write` and `_exit` are async-signal-safe; the message is static.
        unsafe {
            libc::write(2, SAID.as_ptr().cast(), SAID.len());
            libc::_exit(2);
        }
    }
    ONCE.call_once(|| {
        // SAFETY: a zeroed `sigaction` is a valid value of the plain C struct; the handler is an
        // `extern "C"` function that only calls async-signal-safe functions.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler as extern "C" fn(libc::c_int) as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    });
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn file_of(len: usize) -> (tempfile::NamedTempFile, File) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        std::io::Write::write_all(&mut f, &bytes).unwrap();
        let file = File::open(f.path()).unwrap();
        (f, file)
    }

    #[test]
    fn reads_what_the_file_holds_and_nothing_past_its_end() {
        let (_keep, file) = file_of(300_000);
        let map = Map::new(&file, 300_000).unwrap();
        let budget = Residency::new(1 << 20);
        let (b, _) = map.bytes(1000, 512, &budget);
        assert_eq!(b.len(), 512);
        assert!(
            b.iter()
                .enumerate()
                .all(|(i, &x)| x == ((1000 + i) * 7 % 251) as u8)
        );
        assert_eq!(
            map.bytes(299_990, 512, &budget).0.len(),
            10,
            "cut at the end"
        );
        assert!(
            map.bytes(300_000, 512, &budget).0.is_empty(),
            "past the end"
        );
        assert!(map.bytes(u64::MAX, 512, &budget).0.is_empty());
    }

    #[test]
    fn a_file_cut_short_while_mapped_exits_2_not_on_the_signal() {
        let (keep, file) = file_of(256 << 10);
        let map = Map::new(&file, 256 << 10).unwrap();
        let budget = Residency::new(1 << 20);
        let writable = std::fs::OpenOptions::new()
            .write(true)
            .open(keep.path())
            .unwrap();
        use std::os::fd::AsRawFd;
        let fd = writable.as_raw_fd();
        // SAFETY: the child allocates nothing and calls only `ftruncate`, atomics and a read of
        // the mapping (which faults into the SIGBUS handler, or `_exit`s).
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            // SAFETY: as above.
            unsafe {
                libc::ftruncate(fd, 0);
                let (b, _) = map.bytes(200 << 10, 1, &budget);
                let byte = std::ptr::read_volatile(b.as_ptr());
                libc::_exit(i32::from(byte) % 2 + 10);
            }
        }
        let mut status = 0;
        // SAFETY: waits for the child just made.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status), "ended by a signal: {status}");
        assert_eq!(libc::WEXITSTATUS(status), 2);
    }

    #[test]
    fn a_spent_budget_gives_the_pages_back_and_counts_anew() {
        let (_keep, file) = file_of(1 << 20);
        let map = Map::new(&file, 1 << 20).unwrap();
        // Two chunks of budget.
        let budget = Residency::new(128 << 10);
        assert!(!map.bytes(0, 100, &budget).1);
        assert!(
            !map.bytes(50, 100, &budget).1,
            "the same chunk again is not counted"
        );
        let far = 512 << 10;
        let spent = map.bytes(far, 100, &budget).1 || map.bytes(far + (128 << 10), 100, &budget).1;
        assert!(spent, "a second or third chunk spends two");
        map.release(&budget);
        assert_eq!(budget.chunks.load(Relaxed), 0);
        assert!(map.touched.iter().all(|w| w.load(Relaxed) == 0));
        // The bytes read after are the file's still.
        let (b, _) = map.bytes(far, 4, &budget);
        assert_eq!(
            b,
            &[
                (far * 7 % 251) as u8,
                ((far + 1) * 7 % 251) as u8,
                ((far + 2) * 7 % 251) as u8,
                ((far + 3) * 7 % 251) as u8
            ]
        );
        assert_eq!(budget.chunks.load(Relaxed), 1);
    }
}
