//! Time in the protocol: Unix minutes, hour slots and venue-local-day epochs.
//!
//! All protocol times are whole minutes since 1970-01-01T00:00Z, a [`UnixMinute`] holding a `u32`
//! (good until the year 10136). Signed requests alone use seconds.
//!
//! Slots ([`Slot`]) are UTC hours. Epochs ([`Epoch`]) are the days of a rotating code's seed: the
//! venue's **local** days. A venue states its UTC offset in quarter hours
//! ([`crate::VenueInfo::utc_offset`]), and epoch `e` runs from [`epoch_start`]`(e, offset)` to
//! `epoch_start(e + 1, offset)`, local midnight to local midnight.
//!
//! The three are distinct types over the same `u32` so that one cannot stand in for another; a
//! duration stays a plain `u32` count of minutes (or slots, or days). On the wire and in JSON each
//! is its bare number.
//!
//! ```compile_fail,E0308
//! use venuecode_protocol::time::{slot_start, Slot, UnixMinute};
//! let _ = slot_start(Slot::new(1));
//! // A minute is not a slot: this does not compile.
//! let _ = slot_start(UnixMinute::new(60));
//! ```
//! ```compile_fail,E0308
//! use venuecode_protocol::time::{epoch_of, Slot, UnixMinute};
//! let _ = epoch_of(UnixMinute::new(60));
//! // Nor is a slot a minute.
//! let _ = epoch_of(Slot::new(1));
//! ```
//! ```
//! use venuecode_protocol::time::{epoch_of, slot_of, Epoch, Slot, UnixMinute};
//! let t = UnixMinute::new(29_000_000);
//! assert_eq!(slot_of(t), Slot::new(483_333));
//! assert_eq!(slot_of(t).start(), UnixMinute::new(28_999_980));
//! assert_eq!(epoch_of(t), Epoch::new(20_138));
//! assert_eq!((t + 90) - t, 90);
//! ```

macro_rules! time_unit {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
        #[cfg_attr(feature = "api", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "api", serde(transparent))]
        pub struct $name(u32);

        impl $name {
            /// The smallest value, 0.
            pub const MIN: Self = Self(0);
            /// The largest value, `u32::MAX`.
            pub const MAX: Self = Self(u32::MAX);

            /// Wraps a bare count.
            pub const fn new(v: u32) -> Self {
                Self(v)
            }

            /// The bare count, for the wire, storage and display.
            pub const fn get(self) -> u32 {
                self.0
            }

            /// `self + n`, or `None` past `u32::MAX`.
            pub fn checked_add(self, n: u32) -> Option<Self> {
                self.0.checked_add(n).map(Self)
            }

            /// `self − n`, or `None` below 0.
            pub fn checked_sub(self, n: u32) -> Option<Self> {
                self.0.checked_sub(n).map(Self)
            }

            /// `self + n`, stopping at `u32::MAX`.
            pub fn saturating_add(self, n: u32) -> Self {
                Self(self.0.saturating_add(n))
            }

            /// `self − n`, stopping at 0.
            pub fn saturating_sub(self, n: u32) -> Self {
                Self(self.0.saturating_sub(n))
            }

            /// How many units `self` lies after `earlier`, or `None` when it lies before.
            pub fn checked_since(self, earlier: Self) -> Option<u32> {
                self.0.checked_sub(earlier.0)
            }

            /// How many units `self` lies after `earlier`, 0 when it lies before.
            pub fn saturating_since(self, earlier: Self) -> u32 {
                self.0.saturating_sub(earlier.0)
            }
        }

        /// `self + n` with `u32`'s overflow behaviour (a panic in debug builds).
        impl core::ops::Add<u32> for $name {
            type Output = Self;
            fn add(self, n: u32) -> Self {
                Self(self.0 + n)
            }
        }

        /// `self − n` with `u32`'s overflow behaviour (a panic in debug builds).
        impl core::ops::Sub<u32> for $name {
            type Output = Self;
            fn sub(self, n: u32) -> Self {
                Self(self.0 - n)
            }
        }

        /// The distance between two values of the same unit, with `u32`'s overflow behaviour.
        impl core::ops::Sub for $name {
            type Output = u32;
            fn sub(self, earlier: Self) -> u32 {
                self.0 - earlier.0
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

time_unit!(
    /// Minutes since the Unix epoch (1970-01-01T00:00Z). A duration in minutes is a plain `u32`.
    UnixMinute
);
time_unit!(
    /// An hour slot: UTC hours since the Unix epoch. Tokens change every slot.
    Slot
);
time_unit!(
    /// A day: the venue-local day of a rotating code's seed ([`local_epoch`]), or a UTC day
    /// ([`epoch_of`]) for retention and statistics.
    Epoch
);

macro_rules! unit_range {
    ($(#[$doc:meta])* $name:ident of $unit:ident) => {
        $(#[$doc])*
        ///
        /// Like `RangeInclusive`, it is its own iterator: iterating consumes it front to back
        /// (or back to front).
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        pub struct $name {
            start: $unit,
            end: $unit,
            exhausted: bool,
        }

        impl $name {
            /// From `start` to `end`, both included (empty when `end < start`).
            pub const fn new(start: $unit, end: $unit) -> Self {
                Self {
                    start,
                    end,
                    exhausted: false,
                }
            }

            /// The first value.
            pub const fn start(&self) -> $unit {
                self.start
            }

            /// The last value.
            pub const fn end(&self) -> $unit {
                self.end
            }

            /// Whether `v` lies in the range.
            pub fn contains(&self, v: &$unit) -> bool {
                !self.is_empty() && self.start <= *v && *v <= self.end
            }

            /// Whether the range holds no value.
            pub fn is_empty(&self) -> bool {
                self.exhausted || self.end < self.start
            }

            /// Takes the first (`front`) or the last value; the last one left marks the range
            /// exhausted, so `u32::MAX` is reached without overflow.
            fn take(&mut self, front: bool) -> Option<$unit> {
                if self.is_empty() {
                    return None;
                }
                let v = if front { self.start } else { self.end };
                if self.start == self.end {
                    self.exhausted = true;
                } else if front {
                    self.start = $unit(self.start.0 + 1);
                } else {
                    self.end = $unit(self.end.0 - 1);
                }
                Some(v)
            }
        }

        impl Iterator for $name {
            type Item = $unit;

            fn next(&mut self) -> Option<$unit> {
                self.take(true)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                if self.is_empty() {
                    return (0, Some(0));
                }
                let n = usize::try_from(self.end.0 - self.start.0)
                    .ok()
                    .and_then(|n| n.checked_add(1));
                (n.unwrap_or(usize::MAX), n)
            }
        }

        impl DoubleEndedIterator for $name {
            fn next_back(&mut self) -> Option<$unit> {
                self.take(false)
            }
        }
    };
}

unit_range!(
    /// Consecutive slots, first to last inclusive.
    Slots of Slot
);
unit_range!(
    /// Consecutive epochs, first to last inclusive.
    Epochs of Epoch
);

impl Slot {
    /// The first minute of this slot (saturated at `u32::MAX`).
    pub fn start(self) -> UnixMinute {
        slot_start(self)
    }
}

impl UnixMinute {
    /// The slot containing this minute.
    pub fn slot(self) -> Slot {
        slot_of(self)
    }
}

/// Minutes in one slot: tokens change every slot.
pub const SLOT_MINUTES: u32 = 60;
/// Minutes in one epoch: a rotating code's seed changes every epoch (a venue-local day).
pub const EPOCH_MINUTES: u32 = 1440;
/// The longest a rotating code's display validity may run ahead of the scanning phone's clock.
pub const MAX_DISPLAY_VALIDITY_MINUTES: u32 = 10;
/// The display validity a venue screen uses by default.
pub const DEFAULT_DISPLAY_VALIDITY_MINUTES: u32 = 5;
/// Clock skew tolerated between a phone and a venue screen.
pub const CLOCK_SKEW_MINUTES: u32 = 2;
/// The shortest default stay a certificate may state.
pub const MIN_STAY_MINUTES: u16 = 15;
/// The longest stay: a default stay, an edited stay and an exposure window are all clamped to it.
pub const MAX_STAY_MINUTES: u16 = 720;
/// How long phones, venues and the server keep data, in days.
pub const RETENTION_DAYS: u32 = 14;
/// Slots of margin the phone adds before arrival and after departure when it builds its token
/// map, so that an edited or skewed time still meets the published slots.
pub const MATCH_MARGIN_SLOTS: u32 = 1;

/// The slot containing minute `t`.
pub fn slot_of(t: UnixMinute) -> Slot {
    Slot(t.0 / SLOT_MINUTES)
}

/// Minutes in one quarter hour, the unit of a venue's UTC offset.
pub const OFFSET_UNIT_MINUTES: i64 = 15;
/// The most negative UTC offset a venue may state, in quarter hours (−12:00).
pub const MIN_UTC_OFFSET: i8 = -48;
/// The most positive UTC offset a venue may state, in quarter hours (+14:00).
pub const MAX_UTC_OFFSET: i8 = 56;

/// The UTC day containing minute `t`: `local_epoch(t, 0)`. Used for retention and statistics,
/// never for a rotating seed (that follows the venue's local day).
pub fn epoch_of(t: UnixMinute) -> Epoch {
    Epoch(t.0 / EPOCH_MINUTES)
}

fn clamp_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// The venue-local day containing UTC minute `t` for a venue at UTC offset `offset_q` quarter
/// hours: `floor((t + 15 * offset_q) / 1440)`, computed in `i64` and saturated to `u32` (it is
/// never negative for real times).
pub fn local_epoch(t: UnixMinute, offset_q: i8) -> Epoch {
    let local = i64::from(t.0) + OFFSET_UNIT_MINUTES * i64::from(offset_q);
    Epoch(clamp_u32(local.div_euclid(i64::from(EPOCH_MINUTES))))
}

/// The UTC minute of local midnight that starts venue-local day `epoch`:
/// `epoch * 1440 − 15 * offset_q`, saturated to `u32`.
pub fn epoch_start(epoch: Epoch, offset_q: i8) -> UnixMinute {
    UnixMinute(clamp_u32(
        i64::from(epoch.0) * i64::from(EPOCH_MINUTES) - OFFSET_UNIT_MINUTES * i64::from(offset_q),
    ))
}

/// The first minute of slot `slot`.
pub fn slot_start(slot: Slot) -> UnixMinute {
    UnixMinute(slot.0.saturating_mul(SLOT_MINUTES))
}

/// The slots a stay `[arrival, departure)` touches, first to last inclusive. A stay of zero
/// length touches the arrival slot.
pub fn stay_slots(arrival: UnixMinute, departure: UnixMinute) -> Slots {
    let last = departure.max(arrival.saturating_add(1)) - 1;
    Slots::new(slot_of(arrival), slot_of(last))
}

/// The venue-local epochs whose rotating seed a visitor present during `slot` could hold: a stay
/// can start at most `MAX_STAY_MINUTES` before the slot and at the latest in its last minute, so
/// `local_epoch(max(0, slot_start − 720), offset_q) ..= local_epoch(slot_start + 59, offset_q)`:
/// the slot's own local day, the day before when the slot starts within that reach of local
/// midnight, and the next day when local midnight falls inside the slot (an offset that is not a
/// whole number of hours, such as +05:30; for whole hours `slot_start + 59` is on the same local
/// day as `slot_start`).
pub fn epochs_for_slot(slot: Slot, offset_q: i8) -> Epochs {
    let start = slot_start(slot);
    let first = local_epoch(start.saturating_sub(u32::from(MAX_STAY_MINUTES)), offset_q);
    let last_minute = start.saturating_add(SLOT_MINUTES - 1);
    Epochs::new(first, local_epoch(last_minute, offset_q))
}

/// Minutes of overlap between `[a0, a1)` and `[b0, b1)`.
pub fn overlap_minutes(a0: UnixMinute, a1: UnixMinute, b0: UnixMinute, b1: UnixMinute) -> u32 {
    a1.min(b1).saturating_since(a0.max(b0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(v: u32) -> UnixMinute {
        UnixMinute::new(v)
    }

    fn slots(a: u32, b: u32) -> Slots {
        Slots::new(Slot::new(a), Slot::new(b))
    }

    fn epochs(a: Epoch, b: Epoch) -> Epochs {
        Epochs::new(a, b)
    }

    #[test]
    fn stay_slots_cover_the_stay() {
        assert_eq!(stay_slots(m(60), m(120)), slots(1, 1));
        assert_eq!(stay_slots(m(60), m(121)), slots(1, 2));
        assert_eq!(stay_slots(m(59), m(61)), slots(0, 1));
        assert_eq!(stay_slots(m(90), m(90)), slots(1, 1));
        let all: Vec<Slot> = stay_slots(m(59), m(181)).collect();
        assert_eq!(
            all,
            [Slot::new(0), Slot::new(1), Slot::new(2), Slot::new(3)]
        );
        assert_eq!(slots(0, 3).next_back(), Some(Slot::new(3)));
        assert_eq!(slots(0, 3).size_hint(), (4, Some(4)));
        assert!(slots(2, 3).contains(&Slot::new(3)) && !slots(2, 3).contains(&Slot::new(4)));
        assert!(slots(2, 1).is_empty() && slots(2, 1).next().is_none());
        // The last slot of all is reached once, without overflow.
        let top: Vec<Slot> = Slots::new(Slot::MAX - 1, Slot::MAX).collect();
        assert_eq!(top, [Slot::MAX - 1, Slot::MAX]);
        let mut one = slots(5, 5);
        assert_eq!((one.next(), one.next()), (Some(Slot::new(5)), None));
        assert!(one.is_empty() && !one.contains(&Slot::new(5)));
    }

    #[test]
    fn units_convert_and_count() {
        assert_eq!(Slot::new(3).start(), m(180));
        assert_eq!(m(239).slot(), Slot::new(3));
        assert_eq!(epoch_of(m(2 * EPOCH_MINUTES - 1)), Epoch::new(1));
        assert_eq!(m(100) - m(40), 60);
        assert_eq!(m(100).checked_since(m(101)), None);
        assert_eq!(m(100).saturating_since(m(101)), 0);
        assert_eq!(UnixMinute::MAX.checked_add(1), None);
        assert_eq!(UnixMinute::MAX.saturating_add(1), UnixMinute::MAX);
        assert_eq!(m(5).checked_sub(6), None);
        assert_eq!(m(5).saturating_sub(6), m(0));
        assert_eq!(m(5) + 1 - 2, m(4));
        assert_eq!(Slot::MAX.start(), m(u32::MAX));
        assert_eq!(Epoch::new(20_000).to_string(), "20000");
    }

    #[test]
    fn slots_near_midnight_reach_back_one_day() {
        let day = Epoch::new(20_000);
        let first_slot_of_day = Slot::new(day.get() * EPOCH_MINUTES / SLOT_MINUTES);
        assert_eq!(epochs_for_slot(first_slot_of_day, 0), epochs(day - 1, day));
        assert_eq!(epochs_for_slot(first_slot_of_day + 12, 0), epochs(day, day));
        assert_eq!(
            epochs_for_slot(first_slot_of_day + 11, 0),
            epochs(day - 1, day)
        );
        // UTC+08:00: local midnight is 16:00 UTC of the day before.
        assert_eq!(
            epochs_for_slot(first_slot_of_day - 8, 32),
            epochs(day - 1, day)
        );
        assert_eq!(epochs_for_slot(first_slot_of_day + 4, 32), epochs(day, day));
        assert_eq!(
            epochs_for_slot(first_slot_of_day + 3, 32),
            epochs(day - 1, day)
        );
        // UTC+05:30 (22): local midnight of `day` is 18:30 UTC, inside the slot of 18:00 UTC; a
        // visitor who scans at 18:40 holds the seed of `day`, one who scanned at 18:10 (or up to
        // 720 minutes before the slot) that of `day - 1`.
        let slot_1800 = first_slot_of_day - 6;
        assert_eq!(epoch_start(day, 22), slot_start(slot_1800) + 30);
        assert_eq!(epochs_for_slot(slot_1800, 22), epochs(day - 1, day));
        assert_eq!(epochs_for_slot(slot_1800 - 1, 22), epochs(day - 1, day - 1));
        assert_eq!(epochs_for_slot(slot_1800 + 1, 22), epochs(day - 1, day));
        assert_eq!(epochs_for_slot(slot_1800 + 12, 22), epochs(day - 1, day));
        assert_eq!(epochs_for_slot(slot_1800 + 13, 22), epochs(day, day));
        // UTC+05:45 (23) and UTC−03:30 (−14): midnight at :15 and :30 past a slot start.
        assert_eq!(epoch_start(day, 23).get() % SLOT_MINUTES, 15);
        assert_eq!(
            epochs_for_slot(slot_of(epoch_start(day, 23)), 23),
            epochs(day - 1, day)
        );
        assert_eq!(epoch_start(day, -14).get() % SLOT_MINUTES, 30);
        assert_eq!(
            epochs_for_slot(slot_of(epoch_start(day, -14)), -14),
            epochs(day - 1, day)
        );
        // Whole hours never reach the next day.
        for off in [MIN_UTC_OFFSET, -4, 0, 32, MAX_UTC_OFFSET] {
            let s = slot_of(epoch_start(day, off)) - 1;
            assert_eq!(epochs_for_slot(s, off).end(), day - 1);
        }
    }

    #[test]
    fn local_days_follow_the_offset() {
        let day = Epoch::new(20_000);
        let midnight_utc = m(day.get() * EPOCH_MINUTES);
        assert_eq!(local_epoch(midnight_utc, 0), day);
        assert_eq!(local_epoch(midnight_utc - 1, 0), day - 1);
        assert_eq!(epoch_start(day, 32), midnight_utc - 480);
        assert_eq!(local_epoch(midnight_utc - 480, 32), day);
        assert_eq!(local_epoch(midnight_utc - 481, 32), day - 1);
        assert_eq!(epoch_start(day, -48), midnight_utc + 720);
        assert_eq!(local_epoch(midnight_utc + 719, -48), day - 1);
        assert_eq!(local_epoch(m(0), -48), Epoch::new(0));
        assert_eq!(
            local_epoch(UnixMinute::MAX, 56).get(),
            ((u64::from(u32::MAX) + 840) / 1440) as u32
        );
        assert_eq!(epoch_start(Epoch::new(0), 56), m(0));
        assert_eq!(epoch_start(Epoch::MAX, -48), UnixMinute::MAX);
        for off in [MIN_UTC_OFFSET, -1, 0, 1, 32, MAX_UTC_OFFSET] {
            for e in [1u32, 20_138, 20_139].map(Epoch::new) {
                assert_eq!(local_epoch(epoch_start(e, off), off), e);
                assert_eq!(local_epoch(epoch_start(e, off) - 1, off), e - 1);
            }
        }
    }

    #[cfg(feature = "api")]
    #[test]
    fn json_holds_the_bare_number() {
        let t = m(29_000_000);
        assert_eq!(serde_json::to_string(&t).ok().as_deref(), Some("29000000"));
        assert_eq!(serde_json::from_str::<UnixMinute>("29000000").ok(), Some(t));
        assert_eq!(
            serde_json::to_string(&Epoch::new(7)).ok().as_deref(),
            Some("7")
        );
        assert_eq!(serde_json::from_str::<Slot>("3").ok(), Some(Slot::new(3)));
        assert!(serde_json::from_str::<Slot>("-1").is_err());
        assert!(serde_json::from_str::<Epoch>("\"7\"").is_err());
        let row = crate::api::CountRow {
            epoch: Epoch::new(20_138),
            count: 4,
        };
        assert_eq!(
            serde_json::to_string(&row).ok().as_deref(),
            Some(r#"{"epoch":20138,"count":4}"#)
        );
    }

    #[test]
    fn overlap() {
        assert_eq!(overlap_minutes(m(0), m(10), m(5), m(20)), 5);
        assert_eq!(overlap_minutes(m(0), m(10), m(10), m(20)), 0);
        assert_eq!(overlap_minutes(m(30), m(40), m(0), m(20)), 0);
    }
}
