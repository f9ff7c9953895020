//! The keyword DFA's overlapping search, six parts of a text at a time.
//!
//! A DFA takes one step a byte, and each step waits for the last (the next state is a load
//! indexed by the state before): with hundreds of keywords the search ran at 440 MB/s, the
//! latency of that chain of loads, not the bandwidth of the core. Parts of the text searched side
//! by side make chains that the core runs at once: over `git log -p` of the 3,001-commit
//! benchmark (761 keywords, texts of 4 and 16 KiB, the same hits), 2 parts 720 to 760 MB/s, 3
//! parts 870 to 910, 4 parts 890 to 990, 6 parts 5 to 10% more than 4 (in one run: 800 to 980
//! against 770 to 870), 8 parts less than 4.
//!
//! Part `j` of the text reports the keywords that *start* in it; it is searched on past its end
//! by the longest keyword's length less one, so a keyword across a cut is found by the part it
//! starts in and only by it. A search from the start state at a part's beginning finds every
//! keyword that starts there or later, as a search of the whole text would.

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// Parts searched at once (see the module's notes).
const LANES: usize = 6;

/// A keyword DFA and the longest keyword's length.
pub(crate) struct Lanes {
    dfa: DFA,
    longest: usize,
}

impl Lanes {
    /// The search for `patterns` (non-empty keywords), ASCII case-insensitive, every keyword
    /// where it stands.
    pub(crate) fn new(patterns: &[String]) -> Lanes {
        let dfa = aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // The parts' search tests for special states itself: a prefilter would make the
            // start state one.
            .prefilter(false)
            .build(patterns)
            .expect("keyword automaton");
        let longest = patterns.iter().map(String::len).max().unwrap_or(0);
        Lanes {
            dfa,
            longest: longest.max(1),
        }
    }

    /// Calls `hit(pattern, start, end)` for every keyword where it stands in `text`, those
    /// inside a longer one too, as an overlapping search does; in another order (by part, then
    /// by end).
    pub(crate) fn each_match(&self, text: &[u8], mut hit: impl FnMut(usize, usize, usize)) {
        let d = &self.dfa;
        let Ok(start) = d.start_state(Anchored::No) else {
            return;
        };
        let part = text.len() / LANES;
        // Short texts in one part: the parts' overlap would be most of the work.
        if part < 4 * self.longest {
            self.run(text, 0, text.len(), start, text.len(), &mut hit);
            return;
        }
        let begins: [usize; LANES] = std::array::from_fn(|j| j * part);
        // Where each part's keywords may start: up to the next part's beginning.
        let starts_before: [usize; LANES] =
            std::array::from_fn(|j| begins.get(j + 1).copied().unwrap_or(text.len()));
        let ends: [usize; LANES] = std::array::from_fn(|j| {
            if j + 1 == LANES {
                text.len()
            } else {
                (starts_before[j] + self.longest - 1).min(text.len())
            }
        });
        // The steps every part takes side by side; each then finishes alone.
        let common = (0..LANES).map(|j| ends[j] - begins[j]).min().unwrap_or(0);
        let parts: [&[u8]; LANES] = begins.map(|b| &text[b..b + common]);
        let mut sid = [start; LANES];
        // One index into all the parts at once: each step advances every part.
        #[allow(clippy::needless_range_loop)]
        for i in 0..common {
            let mut special = false;
            for j in 0..LANES {
                sid[j] = d.next_state(Anchored::No, sid[j], parts[j][i]);
                special |= d.is_special(sid[j]);
            }
            // Most steps meet no special state: one test for all the parts.
            if special {
                for j in 0..LANES {
                    self.report(sid[j], begins[j] + i + 1, starts_before[j], &mut hit);
                }
            }
        }
        for j in 0..LANES {
            self.run(
                text,
                begins[j] + common,
                ends[j],
                sid[j],
                starts_before[j],
                &mut hit,
            );
        }
    }

    /// Steps from state `sid` over `text[from..to]`, reporting keywords that start before
    /// `starts_before`. (None starts before the part's beginning: the search began there, from
    /// the start state.)
    fn run(
        &self,
        text: &[u8],
        from: usize,
        to: usize,
        mut sid: aho_corasick::automaton::StateID,
        starts_before: usize,
        hit: &mut impl FnMut(usize, usize, usize),
    ) {
        let d = &self.dfa;
        for (i, &b) in text[from..to].iter().enumerate() {
            sid = d.next_state(Anchored::No, sid, b);
            if d.is_special(sid) {
                self.report(sid, from + i + 1, starts_before, hit);
            }
        }
    }

    /// Reports the keywords that state `sid` matches, ending at `end`, that start before
    /// `starts_before`.
    fn report(
        &self,
        sid: aho_corasick::automaton::StateID,
        end: usize,
        starts_before: usize,
        hit: &mut impl FnMut(usize, usize, usize),
    ) {
        let d = &self.dfa;
        if !d.is_match(sid) {
            return;
        }
        for k in 0..d.match_len(sid) {
            let pattern = d.match_pattern(sid, k);
            let start = end - d.pattern_len(pattern);
            if start < starts_before {
                hit(pattern.as_usize(), start, end);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{Hits, collected, overlapping};
    use proptest::prelude::*;

    fn both(patterns: &[String], text: &[u8]) -> (Hits, Hits) {
        let got = collected(|hit| Lanes::new(patterns).each_match(text, hit));
        (overlapping(patterns, text), got)
    }

    #[test]
    fn no_keywords_find_nothing() {
        let mut got = 0;
        Lanes::new(&[]).each_match(&[b'a'; 1000], |_, _, _| got += 1);
        assert_eq!(got, 0);
    }

    #[test]
    fn keywords_across_the_cuts_are_found_once() {
        let patterns: Vec<String> = ["token", "ken", "secret_key", "hf_", "sk-"]
            .map(String::from)
            .to_vec();
        // Keywords at every offset around the parts' cuts, and one spanning each cut.
        let mut text = Vec::new();
        for i in 0..400 {
            text.extend_from_slice(if i % 3 == 0 {
                b"xTOKEN"
            } else {
                b"a secret_key=hf_sk-"
            });
        }
        let (want, got) = both(&patterns, &text);
        assert!(want.len() > 1000);
        assert_eq!(want, got);
        for cut in 1..=200 {
            let (want, got) = both(&patterns, &text[..cut]);
            assert_eq!(want, got, "the first {cut} bytes");
        }
    }

    proptest! {
        #[test]
        fn finds_what_the_overlapping_search_finds(
            patterns in proptest::collection::vec("[abAB_-]{1,6}", 1..12),
            text in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'B'), Just(b'_'), Just(b'-'), Just(b'x')], 0..700),
        ) {
            let mut patterns = patterns;
            patterns.sort();
            patterns.dedup();
            let (want, got) = both(&patterns, &text);
            prop_assert_eq!(want, got);
        }
    }
}
