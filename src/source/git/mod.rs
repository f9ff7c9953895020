//! Git sources: what is staged (for the pre-commit hook) and what history holds (for CI). Both
//! read blobs from the object database, never the working tree, and hand them to the same
//! [`crate::scan::scan_input`] the file walker uses, so notebooks are parsed here too.
//!
//! `staged` keeps the findings that stand on lines the commit adds. `history` walks commits
//! oldest first, notes the first commit and path that brought each blob, hands each distinct blob
//! to scanning threads as the walk goes (each with its own [`pack`] reader), and reports each
//! secret once, with the commit that introduced it.
//!
//! The folder: [`staged`](mod@staged) (the index against `HEAD`, with [`index`] reading git's cache tree),
//! [`select`] (which commits a history scan, a range or a push covers), [`history`](mod@history) (the blobs
//! those commits bring, each scanned once, in parallel), [`pack`] (git's pack files read without
//! libgit2's locks; libgit2 reads the rest) and [`progress`].

mod history;
mod index;
mod map;
mod pack;
mod progress;
mod repo;
mod select;
mod staged;

pub(crate) use history::history;
pub(crate) use repo::open_repo;
pub(crate) use select::{HistoryOptions, Push, parse_push_lines};
pub(crate) use staged::{StagedOptions, staged};
