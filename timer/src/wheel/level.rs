//! One level of the wheel: 64 slots and a bitmap of the occupied ones.
//!
//! Level `n` has slots `64^n` ticks wide and spans `64^(n+1)` ticks. The
//! wheel's current position (`elapsed`) picks the level's *current* slot;
//! the bitmap turned so that the slot after the current one is bit 0 gives
//! the next occupied slot with one `trailing_zeros`.

use super::slab::{List, Slab};

/// Slots per level, and the factor between two levels.
pub(super) const LEVEL_MULT: usize = 64;

/// `log2(LEVEL_MULT)`: the bits of a tick each level covers.
pub(super) const LEVEL_BITS: u32 = 6;

/// The next slot of a level that must be processed, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Expiration {
    pub(super) level: usize,
    pub(super) slot: usize,
    /// The tick at which the slot starts: the wheel processes it (fires or
    /// moves its entries down) once `elapsed` reaches this tick.
    pub(super) deadline: u64,
}

#[derive(Debug)]
pub(super) struct Level {
    level: usize,
    /// Bit `i` is set iff `slots[i]` is not empty.
    occupied: u64,
    slots: [List; LEVEL_MULT],
}

/// Width in ticks of one slot of `level`.
pub(super) const fn slot_range(level: usize) -> u64 {
    1 << (LEVEL_BITS as usize * level)
}

/// Width in ticks of the whole of `level`.
pub(super) const fn level_range(level: usize) -> u64 {
    1 << (LEVEL_BITS as usize * (level + 1))
}

/// The slot of `level` that holds tick `when`.
pub(super) fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (LEVEL_BITS as usize * level)) as usize) & (LEVEL_MULT - 1)
}

impl Level {
    pub(super) const fn new(level: usize) -> Level {
        Level {
            level,
            occupied: 0,
            slots: [List::EMPTY; LEVEL_MULT],
        }
    }

    /// The first occupied slot after `now`'s, wrapping around the level;
    /// `now`'s own slot comes last.
    ///
    /// The current slot is never occupied below the top level (an entry
    /// there would have been filed one level lower). On the top level it
    /// holds only entries at least one rotation ahead, so it goes last.
    fn next_occupied_slot(&self, now: u64) -> Option<usize> {
        if self.occupied == 0 {
            return None;
        }
        let first = (slot_for(now, self.level) + 1) % LEVEL_MULT;
        let zeros = self.occupied.rotate_right(first as u32).trailing_zeros() as usize;
        Some((first + zeros) % LEVEL_MULT)
    }

    /// When this level next needs processing, with `now` the wheel's
    /// `elapsed`. The deadline is always after `now`.
    pub(super) fn next_expiration(&self, now: u64) -> Option<Expiration> {
        let slot = self.next_occupied_slot(now)?;
        let level_range = level_range(self.level);
        // The level's current rotation starts at `now` with the low bits
        // cleared (`level_range` is a power of two).
        let level_start = now & !(level_range - 1);
        let mut deadline = level_start + slot as u64 * slot_range(self.level);
        if deadline <= now {
            // A slot "before" the current one: only the top level, which
            // works as a ring, has those, and they belong to its next
            // rotation.
            deadline += level_range;
        }
        Some(Expiration {
            level: self.level,
            slot,
            deadline,
        })
    }

    /// Files the (unlinked) node `key` in the slot for its `when`.
    pub(super) fn add<T>(&mut self, slab: &mut Slab<T>, key: u32) {
        let slot = slot_for(slab[key].when, self.level);
        slab[key].level = self.level as u8;
        slab[key].slot = slot as u8;
        self.slots[slot].push_back(slab, key);
        self.occupied |= 1 << slot;
    }

    /// Unlinks `key` from the slot it was filed in.
    pub(super) fn remove<T>(&mut self, slab: &mut Slab<T>, key: u32) {
        let slot = slab[key].slot as usize;
        self.slots[slot].unlink(slab, key);
        if self.slots[slot].is_empty() {
            self.occupied &= !(1 << slot);
        }
    }

    /// Empties `slot` and returns its list.
    pub(super) fn take_slot(&mut self, slot: usize) -> List {
        self.occupied &= !(1 << slot);
        std::mem::replace(&mut self.slots[slot], List::EMPTY)
    }

    /// The first node of `slot` (or `NIL`), to walk it.
    pub(super) fn first_in_slot(&self, slot: usize) -> u32 {
        self.slots[slot].head
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(slot_range(0), 1);
        assert_eq!(level_range(0), 64);
        assert_eq!(slot_range(1), 64);
        assert_eq!(level_range(5), 1 << 36);
        assert_eq!(slot_for(64 * 5 + 3, 0), 3);
        assert_eq!(slot_for(64 * 5 + 3, 1), 5);
    }

    #[test]
    fn next_slot_skips_current_and_wraps() {
        let mut slab = Slab::new();
        let mut level = Level::new(1);
        // now = 64 * 10 + 7: the current slot of level 1 is 10.
        let now = 64 * 10 + 7;
        let a = slab.insert(64 * 3, ());
        level.add(&mut slab, a);
        let b = slab.insert(64 * 40, ());
        level.add(&mut slab, b);
        let exp = level.next_expiration(now).unwrap();
        assert_eq!((exp.slot, exp.deadline), (40, 64 * 40));
        level.remove(&mut slab, b);
        // Only slot 3 is left, "before" now: counted in the next rotation.
        let exp = level.next_expiration(now).unwrap();
        assert_eq!((exp.slot, exp.deadline), (3, 64 * 64 + 64 * 3));
        level.remove(&mut slab, a);
        assert_eq!(level.next_expiration(now), None);
    }
}
