//! A hierarchical timing wheel: pure data, no atomics, no wakers, no clock.
//!
//! Time is counted in *ticks* (the driver picks the tick's length). The
//! wheel has [`NUM_LEVELS`] levels of 64 slots each:
//!
//! | level | slot width (ticks) | level span (ticks) |
//! |-------|--------------------|--------------------|
//! | 0     | 1                  | 64                 |
//! | 1     | 64                 | 64^2 = 4 096       |
//! | 2     | 64^2               | 64^3 = 262 144     |
//! | 3     | 64^3               | 64^4 ≈ 1.7e7       |
//! | 4     | 64^4               | 64^5 ≈ 1.1e9       |
//! | 5     | 64^5               | 64^6 = 2^36        |
//!
//! An entry due at tick `when` is filed, relative to the wheel's position
//! `elapsed`, at the level of the highest 6-bit group in which `when` and
//! `elapsed` differ, in the slot given by that group of `when`. So an entry
//! sits at a level whose slots are about as wide as the time left until it
//! is due. As `elapsed` reaches the start of a slot above level 0, that
//! slot's entries *cascade*: each is re-filed one or more levels lower (or
//! is due). A level-0 slot is one tick: its entries are due.
//!
//! Entries due more than the top level's span away are filed in the top
//! level as if it were a ring: each time their slot comes round they are
//! re-filed there, until they come within reach.
//!
//! Insert, remove and reset are O(1). Finding the next expiration is one
//! `rotate_right` + `trailing_zeros` per level. Entries live in a slab and
//! are linked by index (see `slab.rs`), so each entry is allocated once,
//! and `reset` re-files it without allocating.

mod level;
mod slab;

use level::{level_range, slot_range, Expiration, Level, LEVEL_BITS};
pub(crate) use slab::Key;
use slab::{List, Slab, NIL, PENDING};

/// Number of levels.
pub(crate) const NUM_LEVELS: usize = 6;

/// The span of the whole wheel, in ticks: entries due further away than
/// this wait in the top level.
pub(crate) const SPAN: u64 = level_range(NUM_LEVELS - 1);

/// Ticks are capped here so that slot arithmetic can never overflow. At
/// any sensible tick length this is millions of years away.
pub(crate) const MAX_TICK: u64 = u64::MAX >> 2;

/// How many entries `next_deadline` looks at, in a slot above level 0, to
/// give the earliest entry's own tick instead of the slot's start.
const SCAN_LIMIT: usize = 32;

/// The timing wheel, holding values of type `T`.
#[derive(Debug)]
pub(crate) struct Wheel<T> {
    /// The tick up to which the wheel has been processed. Every entry in
    /// the levels is due strictly after it.
    elapsed: u64,
    levels: [Level; NUM_LEVELS],
    slab: Slab<T>,
    /// Entries found due by `poll`, not yet returned.
    pending: List,
}

impl<T> Default for Wheel<T> {
    fn default() -> Self {
        Wheel::new()
    }
}

impl<T> Wheel<T> {
    /// An empty wheel at tick 0.
    pub(crate) const fn new() -> Wheel<T> {
        Wheel {
            elapsed: 0,
            levels: [
                Level::new(0),
                Level::new(1),
                Level::new(2),
                Level::new(3),
                Level::new(4),
                Level::new(5),
            ],
            slab: Slab::new(),
            pending: List::EMPTY,
        }
    }

    /// The tick up to which the wheel has been processed.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// How many entries the wheel holds.
    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// Whether the wheel holds no entry.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tick `key` is due at.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn when(&self, key: Key) -> u64 {
        self.slab[key.0].when
    }

    /// Files `value` to be due at tick `when`. If `when` is not after
    /// [`elapsed`](Self::elapsed), the value is due already: it is handed
    /// back and the wheel is unchanged.
    pub(crate) fn insert(&mut self, when: u64, value: T) -> Result<Key, T> {
        let when = when.min(MAX_TICK);
        if when <= self.elapsed {
            return Err(value);
        }
        let key = self.slab.insert(when, value);
        self.file(key);
        Ok(Key(key))
    }

    /// Takes the entry `key` out of the wheel.
    pub(crate) fn remove(&mut self, key: Key) -> T {
        self.unlink(key.0);
        self.slab.remove(key.0)
    }

    /// Moves the entry `key` to tick `when`, keeping its key. If `when` is
    /// not after [`elapsed`](Self::elapsed) the entry is due: it is removed
    /// and handed back.
    pub(crate) fn reset(&mut self, key: Key, when: u64) -> Result<(), T> {
        let when = when.min(MAX_TICK);
        self.unlink(key.0);
        if when <= self.elapsed {
            return Err(self.slab.remove(key.0));
        }
        self.slab[key.0].when = when;
        self.file(key.0);
        Ok(())
    }

    /// Removes every entry, in no particular order.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = T> {
        for (n, level) in self.levels.iter_mut().enumerate() {
            *level = Level::new(n);
        }
        self.pending = List::EMPTY;
        self.slab.drain()
    }

    /// The earliest tick at which [`poll`](Self::poll) may have something
    /// to return: never later than the earliest entry's tick.
    ///
    /// It is exactly the earliest entry's tick when that entry is on level
    /// 0, or in a slot of a middle level holding at most [`SCAN_LIMIT`]
    /// entries; otherwise it is the start of that entry's slot, when the
    /// slot must cascade.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        let exp = self.next_expiration()?;
        if exp.level == 0 || exp.level == NUM_LEVELS - 1 {
            // Level 0: the slot is the tick. Top level: a slot may hold
            // entries from later rotations, so its minimum says nothing.
            return Some(exp.deadline);
        }
        // Below the top level, the lowest occupied level's next slot holds
        // the earliest entries; look for the earliest if the slot is short.
        let mut key = self.levels[exp.level].first_in_slot(exp.slot);
        let mut earliest = u64::MAX;
        for _ in 0..SCAN_LIMIT {
            if key == NIL {
                return Some(earliest);
            }
            earliest = earliest.min(self.slab[key].when);
            key = self.slab[key].next;
        }
        if key == NIL {
            Some(earliest)
        } else {
            Some(exp.deadline)
        }
    }

    /// Advances the wheel to tick `now` and returns one entry due at or
    /// before `now`, or `None` when there are no more; call it until it
    /// returns `None`. Processing is in deadline order, slot by slot.
    pub(crate) fn poll(&mut self, now: u64) -> Option<T> {
        loop {
            if let Some(key) = self.pending.pop_front(&mut self.slab) {
                return Some(self.slab.remove(key));
            }
            match self.next_expiration() {
                Some(exp) if exp.deadline <= now => self.process_expiration(exp),
                _ => {
                    self.elapsed = self.elapsed.max(now.min(MAX_TICK));
                    return None;
                }
            }
        }
    }

    /// The next slot to process, over all levels.
    fn next_expiration(&self) -> Option<Expiration> {
        if !self.pending.is_empty() {
            return Some(Expiration {
                level: 0,
                slot: 0,
                deadline: self.elapsed,
            });
        }
        // Lower levels always expire before higher ones: everything on
        // level n is due within the current slot of level n + 1, and
        // everything on level n + 1 is due after it.
        self.levels
            .iter()
            .find_map(|level| level.next_expiration(self.elapsed))
    }

    /// Moves the wheel to the start of `exp`'s slot and empties the slot:
    /// its due entries go to `pending`, the others down a level or more.
    fn process_expiration(&mut self, exp: Expiration) {
        debug_assert!(exp.deadline > self.elapsed);
        self.elapsed = exp.deadline;
        // Take the whole list first: an entry may be re-filed into this
        // same slot (the top level's ring).
        let mut list = self.levels[exp.level].take_slot(exp.slot);
        while let Some(key) = list.pop_front(&mut self.slab) {
            if self.slab[key].when <= exp.deadline {
                self.slab[key].level = PENDING;
                self.pending.push_back(&mut self.slab, key);
            } else {
                self.file(key);
            }
        }
    }

    /// Links the unlinked node `key` into the level and slot for its tick.
    fn file(&mut self, key: u32) {
        let level = level_for(self.elapsed, self.slab[key].when);
        self.levels[level].add(&mut self.slab, key);
    }

    /// Unlinks `key` from whichever list holds it.
    fn unlink(&mut self, key: u32) {
        match self.slab[key].level {
            PENDING => self.pending.unlink(&mut self.slab, key),
            level => self.levels[level as usize].remove(&mut self.slab, key),
        }
    }
}

/// The level for an entry due at `when`, seen from `elapsed`: the highest
/// 6-bit group in which the two differ, at most the top level.
fn level_for(elapsed: u64, when: u64) -> usize {
    // Setting the lowest group makes the result at least level 0.
    let mut masked = (elapsed ^ when) | (slot_range(1) - 1);
    if masked >= SPAN {
        masked = SPAN - 1;
    }
    let significant = 63 - masked.leading_zeros();
    (significant / LEVEL_BITS) as usize
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Runs the wheel the way the driver does: jump to `next_deadline`,
    /// poll there; returns (tick fired at, value) up to `until`.
    fn drive<T>(wheel: &mut Wheel<T>, until: u64) -> Vec<(u64, T)> {
        let mut fired = Vec::new();
        while let Some(tick) = wheel.next_deadline() {
            if tick > until {
                break;
            }
            assert!(tick >= wheel.elapsed());
            while let Some(value) = wheel.poll(tick) {
                fired.push((tick, value));
            }
        }
        fired
    }

    #[test]
    fn level_for_picks_the_highest_differing_group() {
        assert_eq!(level_for(0, 1), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(60, 70), 1);
        assert_eq!(level_for(0, (1 << 30) - 1), 4);
        assert_eq!(level_for(0, 1 << 30), 5);
        assert_eq!(level_for(0, SPAN * 7), 5);
    }

    #[test]
    fn cascades_across_every_level_and_fires_on_time() {
        for level in 0..NUM_LEVELS {
            for offset in [1, 7, 63] {
                let mut wheel = Wheel::new();
                // Start off zero so that slot boundaries are not aligned.
                assert!(wheel.poll(1_000_003).is_none());
                let when = wheel.elapsed() + slot_range(level) * offset + 5;
                let key = wheel.insert(when, "x").unwrap();
                assert_eq!(wheel.when(key), when);
                let fired = drive(&mut wheel, u64::MAX);
                assert_eq!(fired, vec![(when, "x")], "level {level}");
                assert!(wheel.is_empty());
            }
        }
    }

    #[test]
    fn deadlines_past_the_span_wait_in_the_top_level() {
        let mut wheel = Wheel::new();
        wheel.poll(12_345);
        let far = [SPAN + 1, SPAN * 3 + 77, SPAN * 10 + (1 << 31)];
        for (i, &delta) in far.iter().enumerate() {
            wheel.insert(wheel.elapsed() + delta, i).unwrap();
        }
        let near = wheel.elapsed() + 100;
        wheel.insert(near, 99).unwrap();
        let fired = drive(&mut wheel, u64::MAX);
        let mut expected = vec![(near, 99)];
        expected.extend(far.iter().map(|d| 12_345 + d).zip(0..));
        assert_eq!(fired, expected);
        // A far entry is never reported due early by a plain poll either.
        wheel.insert(wheel.elapsed() + SPAN * 2, 7).unwrap();
        let start = wheel.elapsed();
        assert!(wheel.poll(start + SPAN).is_none());
        assert!(wheel.poll(start + 2 * SPAN - 1).is_none());
        assert_eq!(wheel.poll(start + 2 * SPAN), Some(7));
    }

    #[test]
    fn many_entries_in_one_slot() {
        let mut wheel = Wheel::new();
        // 1000 in one level-0 slot (same tick)...
        for i in 0..1000 {
            wheel.insert(40, i).unwrap();
        }
        // ...and 1000 spread over one level-2 slot.
        let base = 64 * 64 * 5;
        for i in 0..1000u64 {
            wheel.insert(base + (i * 7919) % 4096, 1000 + i).unwrap();
        }
        assert_eq!(wheel.len(), 2000);
        let fired = drive(&mut wheel, u64::MAX);
        assert_eq!(fired.len(), 2000);
        assert!(fired[..1000].iter().all(|&(t, v)| t == 40 && v < 1000));
        for &(t, v) in &fired[1000..] {
            assert_eq!(t, base + ((v - 1000) * 7919) % 4096);
        }
        assert!(fired.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(wheel.is_empty());
    }

    #[test]
    fn cancel_in_the_middle_of_a_slot() {
        let mut wheel = Wheel::new();
        let keys: Vec<Key> = (0..5).map(|i| wheel.insert(3000, i).unwrap()).collect();
        assert_eq!(wheel.remove(keys[2]), 2);
        assert_eq!(wheel.remove(keys[0]), 0);
        assert_eq!(wheel.remove(keys[4]), 4);
        let fired: Vec<i32> = drive(&mut wheel, u64::MAX)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(fired, vec![1, 3]);
        assert!(wheel.is_empty());
        // Removing everything leaves nothing to process.
        let a = wheel.insert(wheel.elapsed() + 10, 0).unwrap();
        let b = wheel.insert(wheel.elapsed() + 10, 1).unwrap();
        wheel.remove(b);
        wheel.remove(a);
        assert_eq!(wheel.next_deadline(), None);
    }

    #[test]
    fn reset_earlier_and_later() {
        let mut wheel = Wheel::new();
        let a = wheel.insert(1_000_000, 'a').unwrap();
        let b = wheel.insert(50, 'b').unwrap();
        wheel.reset(a, 20).unwrap(); // earlier, across levels
        wheel.reset(b, 5_000).unwrap(); // later
        assert_eq!(wheel.next_deadline(), Some(20));
        assert_eq!(drive(&mut wheel, u64::MAX), vec![(20, 'a'), (5_000, 'b')]);
        // Insert or reset to a tick already processed: handed back as due.
        assert_eq!(wheel.insert(5_000, 'x'), Err('x'));
        let c = wheel.insert(6_000, 'c').unwrap();
        assert_eq!(wheel.reset(c, 4_000), Err('c'));
        assert!(wheel.is_empty());
        // Reset the same key many times: it keeps its key.
        let d = wheel.insert(7_000, 'd').unwrap();
        for when in [9_000, 6_500, 1 << 33, 8_000] {
            wheel.reset(d, when).unwrap();
            assert_eq!(wheel.when(d), when);
        }
        assert_eq!(drive(&mut wheel, u64::MAX), vec![(8_000, 'd')]);
    }

    #[test]
    fn next_deadline_is_exact_for_short_slots() {
        let mut wheel = Wheel::new();
        wheel.insert(64 * 64 * 3 + 17, ()).unwrap();
        assert_eq!(wheel.next_deadline(), Some(64 * 64 * 3 + 17));
        // A crowded slot reports its start instead, never later than due.
        for i in 0..100 {
            wheel.insert(64 * 64 * 3 + 20 + i, ()).unwrap();
        }
        assert_eq!(wheel.next_deadline(), Some(64 * 64 * 3));
    }

    #[test]
    fn drain_empties_the_wheel() {
        let mut wheel = Wheel::new();
        for i in 0..100u64 {
            wheel.insert(1 + i * 1000, i).unwrap();
        }
        let mut all: Vec<u64> = wheel.drain().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_deadline(), None);
        assert!(wheel.insert(5, 0).is_ok());
    }

    /// Random operations against a sorted map: every poll returns exactly
    /// the entries due, and `next_deadline` is never past the earliest.
    #[test]
    fn matches_a_sorted_model() {
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut wheel = Wheel::new();
        let mut model: BTreeMap<u32, (u64, Key)> = BTreeMap::new();
        let mut id = 0u32;
        for _ in 0..20_000 {
            let now = wheel.elapsed();
            let span = [64u64, 4096, 1 << 20, 1 << 32, SPAN * 3][(next() % 5) as usize];
            match next() % 10 {
                0..=4 => {
                    let when = now + 1 + next() % span;
                    let key = wheel.insert(when, id).unwrap();
                    model.insert(id, (when, key));
                    id += 1;
                }
                5 | 6 if !model.is_empty() => {
                    let pick = *model
                        .keys()
                        .nth((next() % model.len() as u64) as usize)
                        .unwrap();
                    let (_, key) = model.remove(&pick).unwrap();
                    assert_eq!(wheel.remove(key), pick);
                }
                7 if !model.is_empty() => {
                    let pick = *model
                        .keys()
                        .nth((next() % model.len() as u64) as usize)
                        .unwrap();
                    let when = now + 1 + next() % span;
                    let entry = model.get_mut(&pick).unwrap();
                    wheel.reset(entry.1, when).unwrap();
                    entry.0 = when;
                }
                _ => {
                    let earliest = model.values().map(|&(w, _)| w).min();
                    let deadline = wheel.next_deadline();
                    assert_eq!(deadline.is_some(), earliest.is_some());
                    if let (Some(d), Some(e)) = (deadline, earliest) {
                        assert!(d <= e && d > now, "deadline {d}, earliest {e}, now {now}");
                    }
                    let to = now + next() % span;
                    let mut fired = Vec::new();
                    while let Some(v) = wheel.poll(to) {
                        fired.push(v);
                    }
                    fired.sort_unstable();
                    let mut due: Vec<u32> = model
                        .iter()
                        .filter(|(_, &(w, _))| w <= to)
                        .map(|(&i, _)| i)
                        .collect();
                    due.sort_unstable();
                    assert_eq!(fired, due);
                    for i in due {
                        model.remove(&i);
                    }
                    assert_eq!(wheel.elapsed(), to.max(now));
                }
            }
            assert_eq!(wheel.len(), model.len());
        }
    }
}
