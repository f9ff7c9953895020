//! Sources: where inputs come from. Each reads its inputs, builds one
//! [`crate::finding::Provenance`] per input, hands the bytes to the scan loop
//! ([`crate::scan::scan_input`]) and folds what it gives into one [`crate::summary::ScanResult`].
//!
//! - [`files`]: paths on disk, walked in parallel, and standard input ([`stdin`]);
//! - [`git`]: the staged index (the pre-commit hook), and history (a range, a push, every commit).

pub(crate) mod files;
pub(crate) mod git;
pub(crate) mod stdin;

/// A short reason for an I/O error, without the "(os error N)" noise.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
