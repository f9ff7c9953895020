//! The keyword search for the first bytes a process scans: a table of the keywords' first three
//! bytes, built in microseconds, where the Aho-Corasick automaton over hundreds of keywords takes
//! a millisecond and a half to build. A pre-commit hook scans a few kilobytes: it pays the
//! search, not the build.
//!
//! It finds exactly what the automaton's overlapping search finds (every keyword where it
//! stands, ASCII letters in any case, those inside a longer one too), in another order; the
//! engine sorts the hits.

/// Buckets of the table: 2^12, a few times the keywords of the pack, so most are empty.
const BITS: u32 = 12;

/// The keywords by their first three bytes, lowercased.
pub(crate) struct Grams {
    /// For bucket `b`, the keywords in `ids[heads[b]..heads[b + 1]]`.
    heads: Vec<u32>,
    ids: Vec<u32>,
    /// The keywords, lowercased.
    patterns: Vec<Vec<u8>>,
}

fn bucket(a: u8, b: u8, c: u8) -> usize {
    let key = u32::from_le_bytes([
        a.to_ascii_lowercase(),
        b.to_ascii_lowercase(),
        c.to_ascii_lowercase(),
        0,
    ]);
    (key.wrapping_mul(0x9E37_79B1) >> (32 - BITS)) as usize
}

impl Grams {
    /// The table for `patterns`; `None` when one is shorter than three bytes (the automaton
    /// serves then).
    pub(crate) fn new(patterns: &[String]) -> Option<Grams> {
        let patterns: Vec<Vec<u8>> = patterns
            .iter()
            .map(|p| p.as_bytes().to_ascii_lowercase())
            .collect();
        if patterns.iter().any(|p| p.len() < 3) {
            return None;
        }
        let key = |p: &[u8]| bucket(p[0], p[1], p[2]);
        let mut heads = vec![0u32; (1 << BITS) + 1];
        for p in &patterns {
            heads[key(p) + 1] += 1;
        }
        for b in 1..heads.len() {
            heads[b] += heads[b - 1];
        }
        let mut next = heads.clone();
        let mut ids = vec![0u32; patterns.len()];
        for (i, p) in patterns.iter().enumerate() {
            let b = key(p);
            ids[next[b] as usize] = i as u32;
            next[b] += 1;
        }
        Some(Grams {
            heads,
            ids,
            patterns,
        })
    }

    /// Calls `hit(pattern, start, end)` for every keyword where it stands in `text`.
    pub(crate) fn each_match(&self, text: &[u8], mut hit: impl FnMut(usize, usize, usize)) {
        for (i, w) in text.windows(3).enumerate() {
            let b = bucket(w[0], w[1], w[2]);
            let (lo, hi) = (self.heads[b] as usize, self.heads[b + 1] as usize);
            for &p in &self.ids[lo..hi] {
                let pat = &self.patterns[p as usize];
                if text
                    .get(i..i + pat.len())
                    .is_some_and(|t| t.eq_ignore_ascii_case(pat))
                {
                    hit(p as usize, i, i + pat.len());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{Hits, collected, overlapping};
    use proptest::prelude::*;

    /// What the automaton finds in `text`, and what the table finds, each sorted.
    fn both(patterns: &[String], text: &[u8]) -> (Hits, Hits) {
        let grams = Grams::new(patterns).unwrap();
        let got = collected(|hit| grams.each_match(text, hit));
        (overlapping(patterns, text), got)
    }

    #[test]
    fn finds_what_the_automaton_finds() {
        let patterns: Vec<String> = ["token", "tok", "oke", "api_key", "sk-", "hf_", "ghp_"]
            .map(String::from)
            .to_vec();
        let text = b"TOKEN tokenizer hf_ABC sk-x Api_Key ghp_ to";
        let (want, got) = both(&patterns, text);
        assert!(
            want.len() >= 8,
            "the example holds overlapping keywords: {want:?}"
        );
        assert_eq!(want, got);
    }

    #[test]
    fn declines_short_keywords() {
        assert!(Grams::new(&["ab".to_string(), "token".to_string()]).is_none());
    }

    proptest! {
        /// Texts made of keyword pieces, case flipped and other bytes between: the table finds
        /// exactly the automaton's matches.
        #[test]
        fn same_as_the_automaton(
            picks in proptest::collection::vec((0usize..6, any::<bool>(), 0u8..=255, 0usize..4), 0..40)
        ) {
            let patterns: Vec<String> = ["secret", "sec", "ecre", "password", "AKIA", "x\u{e9}y"]
                .map(String::from)
                .to_vec();
            let mut text = Vec::new();
            for (p, upper, byte, cut) in picks {
                let pat = patterns[p].as_bytes();
                let piece = &pat[..pat.len().saturating_sub(cut).max(1)];
                if upper {
                    text.extend(piece.to_ascii_uppercase());
                } else {
                    text.extend_from_slice(piece);
                }
                text.push(byte);
            }
            let (want, got) = both(&patterns, &text);
            prop_assert_eq!(want, got);
        }
    }
}
