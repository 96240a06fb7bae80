//! Glob patterns matched once per evaluation. Every `matches` glob of a site's rules is entered,
//! by the fact it tests, in one `GlobSet` when the rule set is built; an evaluation then runs
//! each fact through its set once ([`Patterns::matched`]) and the conditions read the answer
//! from a bit table, instead of running one matcher per rule, once to evaluate and once more
//! to plan the timer. A condition tested alone (explanations, the simulator) keeps its own
//! matcher, so both ways agree by construction (`tests::patterns` checks it).

use super::condition::as_text;
use super::facts::{Fact, Facts};
use globset::{Candidate, Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Patterns up to this many per rule set are answered in an inline table (no allocation).
const INLINE_BITS: usize = 128;

/// Tells one rule set's table from another's, so a table is never read with the wrong set.
static NEXT_TABLE: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The indexes a `GlobSet` reports, reused so matching allocates nothing per event.
    static HITS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// A `matches` glob: its own matcher, and its place in its rule set's table once a set is built.
#[derive(Debug, Clone)]
pub struct GlobTest {
    matcher: GlobMatcher,
    /// (table, bit) in the [`Patterns`] of the set that holds the rule.
    slot: Option<(u64, usize)>,
}

impl GlobTest {
    /// A glob not yet in any rule set's table.
    pub(super) fn new(glob: Glob) -> Self {
        GlobTest {
            matcher: glob.compile_matcher(),
            slot: None,
        }
    }

    /// Whether `text` matches: read from `matched` when it was computed for this glob's set,
    /// else by the glob's own matcher.
    pub(super) fn is_match(&self, text: &str, matched: Option<&Matched>) -> bool {
        match (self.slot, matched) {
            (Some((table, bit)), Some(m)) if m.table == table => m.get(bit),
            _ => self.matcher.is_match(text),
        }
    }
}

/// One rule set's globs, one `GlobSet` per fact they test.
#[derive(Debug, Clone, Default)]
pub(super) struct Patterns {
    table: u64,
    /// The fact, its globs, and the bit of its first glob.
    by_fact: Vec<(Fact, GlobSet, usize)>,
    len: usize,
}

impl Patterns {
    /// Numbers the globs (fact by fact) and builds each fact's set. A set that fails to build
    /// (each glob compiled alone, so it should not) leaves its globs to their own matchers.
    pub(super) fn build(globs: Vec<(&Fact, &mut GlobTest)>) -> Patterns {
        let mut patterns = Patterns {
            table: NEXT_TABLE.fetch_add(1, Ordering::Relaxed),
            ..Patterns::default()
        };
        let mut groups: Vec<(Fact, Vec<&mut GlobTest>)> = Vec::new();
        for (fact, test) in globs {
            match groups.iter_mut().find(|(f, _)| f == fact) {
                Some((_, tests)) => tests.push(test),
                None => groups.push((fact.clone(), vec![test])),
            }
        }
        for (fact, tests) in groups {
            let mut builder = GlobSetBuilder::new();
            for test in &tests {
                builder.add(test.matcher.glob().clone());
            }
            let Ok(set) = builder.build() else { continue };
            let first = patterns.len;
            for (i, test) in tests.into_iter().enumerate() {
                test.slot = Some((patterns.table, first + i));
            }
            patterns.len += set.len();
            patterns.by_fact.push((fact, set, first));
        }
        patterns
    }

    /// Runs each fact that globs test through its set, once.
    pub(super) fn matched(&self, facts: &Facts<'_>) -> Matched {
        let mut matched = Matched {
            table: self.table,
            bits: if self.len <= INLINE_BITS {
                Bits::Inline(0)
            } else {
                Bits::Heap(vec![0; self.len.div_ceil(64)])
            },
        };
        if self.by_fact.is_empty() {
            return matched;
        }
        HITS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut hits) => self.fill(facts, &mut matched, &mut hits),
            Err(_) => self.fill(facts, &mut matched, &mut Vec::new()),
        });
        matched
    }

    fn fill(&self, facts: &Facts<'_>, matched: &mut Matched, hits: &mut Vec<usize>) {
        for (fact, set, first) in &self.by_fact {
            let value = facts.value(fact);
            let Some(text) = as_text(&value) else {
                continue;
            };
            set.matches_candidate_into(&Candidate::new(text), hits);
            for i in hits.iter() {
                matched.set(first + i);
            }
        }
        // One huge rule set must not leave every worker thread holding its largest answer.
        if hits.capacity() > 4 * INLINE_BITS {
            *hits = Vec::new();
        }
    }
}

/// Which of a rule set's globs match one visitor's facts at one moment: computed once by
/// [`super::RuleSet::matched`] and read by both evaluation and timer planning.
#[derive(Debug, Clone)]
pub struct Matched {
    table: u64,
    bits: Bits,
}

#[derive(Debug, Clone)]
enum Bits {
    Inline(u128),
    Heap(Vec<u64>),
}

impl Matched {
    fn set(&mut self, bit: usize) {
        match &mut self.bits {
            Bits::Inline(b) if bit < INLINE_BITS => *b |= 1 << bit,
            Bits::Heap(words) => {
                if let Some(w) = words.get_mut(bit / 64) {
                    *w |= 1 << (bit % 64);
                }
            }
            Bits::Inline(_) => {}
        }
    }

    fn get(&self, bit: usize) -> bool {
        match &self.bits {
            Bits::Inline(b) => bit < INLINE_BITS && b & (1 << bit) != 0,
            Bits::Heap(words) => words
                .get(bit / 64)
                .is_some_and(|w| w & (1 << (bit % 64)) != 0),
        }
    }
}
