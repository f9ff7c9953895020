//! For tests: what `aho-corasick`'s own overlapping search finds, the answer the engine's other
//! keyword searches (the first-bytes table, the DFA in parts) must give.

use aho_corasick::{AhoCorasickBuilder, MatchKind};

/// Matches as (pattern, start, end).
pub(crate) type Hits = Vec<(usize, usize, usize)>;

/// Every keyword of `patterns` where it stands in `text` (ASCII case-insensitive, those inside a
/// longer one too), sorted.
pub(crate) fn overlapping(patterns: &[String], text: &[u8]) -> Hits {
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(patterns)
        .unwrap();
    let mut hits: Hits = ac
        .find_overlapping_iter(text)
        .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
        .collect();
    hits.sort_unstable();
    hits
}

/// What `search` reports through its `hit(pattern, start, end)` callback, sorted.
pub(crate) fn collected(search: impl FnOnce(&mut dyn FnMut(usize, usize, usize))) -> Hits {
    let mut hits = Vec::new();
    search(&mut |p, s, e| hits.push((p, s, e)));
    hits.sort_unstable();
    hits
}
