//! glibc's allocator, tuned for a scan's threads: what they free goes back to the system rather
//! than staying in their arenas. Each function is a no-op on other platforms and C libraries.

/// Buffers of 1 MiB and more (a file's contents, a large notebook's strings) mapped on their own
/// and unmapped when freed. glibc's default starts there at 128 KiB but raises the threshold to
/// the largest mapped buffer freed (a 4 MiB file), after which such buffers come from the arenas,
/// whose freed tops are trimmed only past twice that: each walker thread then kept its largest
/// file's worth. Fixed at 1 MiB (and trimmed past 16 MiB, which keeps the arenas' small-object
/// churn off the system calls: at glibc's 128 KiB the synthetic tree took 6% longer), the real
/// trees of `benches/` (2 threads) peaked at 57.7 MiB instead of 60.8, in the same time.
pub(crate) fn map_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` takes no pointer; it sets tunables under the main arena's lock. It runs
    // before the walk starts its threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 16 << 20);
    }
}

/// Two malloc arenas at most, for the threads that read and scan blobs. glibc gives each thread
/// its own, and each keeps its high-water mark. Measured when libgit2 still read the blobs
/// (each thread held a share of its delta-base cache): with two, the 3,001-commit history
/// peaked at 56 MiB instead of 68, the notebook history at 62 instead of 72, in the same time
/// (one arena: 51 and 60, but 25% slower). With caulk's own pack reader, one arena gave the
/// 50,001-commit history no smaller peak.
pub(crate) fn bound_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` takes no pointer; it sets a tunable glibc reads, without a lock, when a
    // thread first allocates. It runs before the history scan starts any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Gives the memory the walk and the scan freed back to the system, before libgit2 reads the
/// commits of the findings: glibc keeps what its threads' arenas freed. In a build before the
/// walk's memory was cut, the 50,000-commit history peaked at 81 MiB there, 35 MiB of it free;
/// its peak now falls during the scan.
pub(crate) fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointer and locks each arena as it trims it; it is called
    // after the scan's threads have ended.
    unsafe {
        libc::malloc_trim(0);
    }
}
