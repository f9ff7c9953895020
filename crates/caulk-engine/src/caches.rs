//! Each thread's search caches for the rules' regexes, kept within a budget.
//!
//! A compiled regex is shared by the threads; the memory a search works in (the lazy DFA's
//! states, the sparse sets over the NFA's states, the PikeVM's slots) is a cache, one per thread.
//! regex's own pool keeps a thread's cache for as long as the regex lives, so a scan's memory grew
//! with rules × threads: on the real trees of `benches/` (2 threads, 250 of the 434 rules woken)
//! the caches took 27 MiB of a 76 MiB peak, and a pack of 600 rules on 8 cores would take more.
//! Here a thread keeps its caches up to [`BUDGET`] bytes and drops the least recently used one
//! past it: a thread's hot rules keep their warm caches, a rule that a stray word woke once gives
//! its memory back, and the rules' searches hold threads × budget, whatever the pack. (The
//! allowlist and path regexes, which search only a secret or a path, keep regex's own pool.)
//!
//! Tried first: one cache per rule shared by the threads (taken out for a search, put back
//! after), with one budget for all. At the same memory it was 18% slower: two threads often
//! search with the same generic rule at once, and the one that finds the cache out starts cold.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use regex_automata::meta;

/// Bytes of caches a thread keeps. A rule's cache can exceed it alone (two lazy DFAs of up to
/// [`HYBRID_CACHE`], and its NFA's sets); that one cache is then all the thread keeps.
const BUDGET: usize = 4 << 20;

/// Capacity of one lazy DFA's cache (a rule has two: forward, and reverse for a match's start);
/// regex's default is 2 MiB. Past it the DFA clears its states and goes on, and a search that
/// keeps clearing falls back to the PikeVM or the backtracker. A regex whose NFA has more than
/// about 20,000 states gets no lazy DFA at this size (2 MiB takes more); the largest built-in
/// rule has 3,359.
pub(crate) const HYBRID_CACHE: usize = 512 << 10;

/// A new engine's number: a thread's caches belong to one engine's regexes.
pub(crate) fn engine_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

struct Slot {
    cache: meta::Cache,
    bytes: usize,
    used: u64,
}

#[derive(Default)]
struct Caches {
    /// The engine whose rules `slots` indexes (0: none yet).
    engine: u64,
    /// Boxed: an empty slot takes a pointer, not a `meta::Cache` (1,400 bytes).
    slots: Vec<Option<Box<Slot>>>,
    /// The slots' bytes, summed.
    bytes: usize,
    /// Searches run; a slot's `used` is the clock at its last search.
    clock: u64,
}

thread_local! {
    static CACHES: RefCell<Caches> = RefCell::default();
}

/// Runs `search` with this thread's cache for rule `rule` of engine `engine` (made from `regex`,
/// the rule's regex, when the thread holds none), then drops the least recently used caches of
/// the thread's other rules while it holds more than [`BUDGET`] bytes.
pub(crate) fn with<R>(
    engine: u64,
    rule: usize,
    regex: &meta::Regex,
    search: impl FnOnce(&mut meta::Cache) -> R,
) -> R {
    let mut search = Some(search);
    let kept = CACHES.try_with(|caches| {
        let mut caches = caches.try_borrow_mut().ok()?;
        Some(caches.run(engine, rule, regex, search.take()?, BUDGET))
    });
    match (kept, search) {
        (Ok(Some(r)), _) => r,
        // The thread is ending (its caches are gone), or this search runs inside another: a
        // cache for this search alone.
        (_, Some(search)) => search(&mut regex.create_cache()),
        (_, None) => unreachable!("a search that ran returned its result"),
    }
}

impl Caches {
    fn run<R>(
        &mut self,
        engine: u64,
        rule: usize,
        regex: &meta::Regex,
        search: impl FnOnce(&mut meta::Cache) -> R,
        budget: usize,
    ) -> R {
        if self.engine != engine {
            *self = Caches {
                engine,
                ..Caches::default()
            };
        }
        if self.slots.len() <= rule {
            self.slots.resize_with(rule + 1, || None);
        }
        self.clock += 1;
        let slot = self.slots[rule].get_or_insert_with(|| {
            Box::new(Slot {
                cache: regex.create_cache(),
                bytes: 0,
                used: 0,
            })
        });
        let r = search(&mut slot.cache);
        let bytes = slot.cache.memory_usage();
        self.bytes = self.bytes + bytes - slot.bytes;
        slot.bytes = bytes;
        slot.used = self.clock;
        while self.bytes > budget {
            let oldest = self
                .slots
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != rule)
                .filter_map(|(i, s)| Some((s.as_ref()?.used, i)))
                .min();
            let Some((_, i)) = oldest else { break };
            if let Some(s) = self.slots[i].take() {
                self.bytes -= s.bytes;
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::Input;

    fn held() -> (usize, Vec<usize>) {
        CACHES.with(|c| {
            let c = c.borrow();
            let held = c.slots.iter().enumerate();
            (
                c.bytes,
                held.filter(|(_, s)| s.is_some()).map(|(i, _)| i).collect(),
            )
        })
    }

    #[test]
    fn a_thread_keeps_caches_within_its_budget_and_drops_the_oldest() {
        let e = engine_id();
        const SMALL: usize = 256 << 10;
        let with = |e, i, r: &meta::Regex, search: &dyn Fn(&mut meta::Cache) -> Option<_>| {
            CACHES.with(|c| c.borrow_mut().run(e, i, r, search, SMALL))
        };
        let rules: Vec<_> = (0..100)
            .map(|i| meta::Regex::new(&format!("k{i}[a-z]{{1,64}}x")).unwrap())
            .collect();
        let hay = "k1 ".repeat(10_000) + &"abcdefghij".repeat(1000) + " k1abcx";
        for (i, r) in rules.iter().enumerate() {
            let found = with(e, i, r, &|c| r.search_with(c, &Input::new(&hay)));
            assert_eq!(found.is_some(), i == 1, "rule {i}");
        }
        let (bytes, kept) = held();
        let sum: usize = CACHES.with(|c| c.borrow().slots.iter().flatten().map(|s| s.bytes).sum());
        assert_eq!(sum, bytes);
        assert!(bytes <= SMALL, "{bytes} bytes kept");
        assert!(kept.len() < rules.len(), "nothing was dropped");
        // The newest stay, the oldest went.
        assert!(kept.contains(&99) && !kept.contains(&0), "{kept:?}");
        // A dropped rule's cache is made again, and finds as before.
        let again = with(e, 1, &rules[1], &|c| {
            rules[1].search_with(c, &Input::new(&hay))
        });
        assert!(again.is_some());
        assert!(held().1.contains(&1));
    }

    #[test]
    fn another_engine_starts_the_thread_afresh() {
        let (a, b) = (engine_id(), engine_id());
        let (r, r2) = (
            meta::Regex::new("ab+c").unwrap(),
            meta::Regex::new("zz").unwrap(),
        );
        let hay = Input::new("xxabbbc");
        assert!(with(a, 3, &r, |c| r.search_with(c, &hay)).is_some());
        // Rule 3 of engine b is another regex: it must not get engine a's cache.
        assert!(with(b, 3, &r2, |c| r2.search_with(c, &hay)).is_none());
        assert_eq!(held().1, [3]);
        CACHES.with(|c| assert_eq!(c.borrow().engine, b));
    }
}
