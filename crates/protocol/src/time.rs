//! Time in the protocol: Unix minutes, hour slots and UTC-day epochs.
//!
//! All protocol times are whole minutes since 1970-01-01T00:00Z as `u32` (good until the year
//! 10136). Signed requests alone use seconds.

/// Minutes since the Unix epoch.
pub type UnixMinute = u32;

/// Minutes in one slot: tokens change every slot.
pub const SLOT_MINUTES: u32 = 60;
/// Minutes in one epoch: a rotating code's seed changes every epoch (a UTC day).
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
pub fn slot_of(t: UnixMinute) -> u32 {
    t / SLOT_MINUTES
}

/// The epoch (UTC day) containing minute `t`.
pub fn epoch_of(t: UnixMinute) -> u32 {
    t / EPOCH_MINUTES
}

/// The first minute of slot `slot`.
pub fn slot_start(slot: u32) -> UnixMinute {
    slot.saturating_mul(SLOT_MINUTES)
}

/// The slots a stay `[arrival, departure)` touches, first to last inclusive. A stay of zero
/// length touches the arrival slot.
pub fn stay_slots(arrival: UnixMinute, departure: UnixMinute) -> core::ops::RangeInclusive<u32> {
    let last = departure.max(arrival.saturating_add(1)) - 1;
    slot_of(arrival)..=slot_of(last)
}

/// The epochs whose rotating seed a visitor present during `slot` could hold: a stay can start
/// at most `MAX_STAY_MINUTES` before the slot, so the slot's own day and, when the slot starts
/// within that reach of midnight, the day before.
pub fn epochs_for_slot(slot: u32) -> core::ops::RangeInclusive<u32> {
    let start = slot_start(slot);
    let first = epoch_of(start.saturating_sub(u32::from(MAX_STAY_MINUTES)));
    first..=epoch_of(start)
}

/// Minutes of overlap between `[a0, a1)` and `[b0, b1)`.
pub fn overlap_minutes(a0: UnixMinute, a1: UnixMinute, b0: UnixMinute, b1: UnixMinute) -> u32 {
    a1.min(b1).saturating_sub(a0.max(b0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stay_slots_cover_the_stay() {
        assert_eq!(stay_slots(60, 120), 1..=1);
        assert_eq!(stay_slots(60, 121), 1..=2);
        assert_eq!(stay_slots(59, 61), 0..=1);
        assert_eq!(stay_slots(90, 90), 1..=1);
    }

    #[test]
    fn slots_near_midnight_reach_back_one_day() {
        let day = 20_000u32;
        let first_slot_of_day = day * EPOCH_MINUTES / SLOT_MINUTES;
        assert_eq!(epochs_for_slot(first_slot_of_day), day - 1..=day);
        assert_eq!(epochs_for_slot(first_slot_of_day + 12), day..=day);
        assert_eq!(epochs_for_slot(first_slot_of_day + 11), day - 1..=day);
    }

    #[test]
    fn overlap() {
        assert_eq!(overlap_minutes(0, 10, 5, 20), 5);
        assert_eq!(overlap_minutes(0, 10, 10, 20), 0);
        assert_eq!(overlap_minutes(30, 40, 0, 20), 0);
    }
}
