//! Time in the protocol: Unix minutes, hour slots and venue-local-day epochs.
//!
//! All protocol times are whole minutes since 1970-01-01T00:00Z as `u32` (good until the year
//! 10136). Signed requests alone use seconds.
//!
//! Slots are UTC hours. Epochs (the days of a rotating code's seed) are the venue's **local**
//! days: a venue states its UTC offset in quarter hours ([`crate::VenueInfo::utc_offset`]), and
//! epoch `e` runs from [`epoch_start`]`(e, offset)` to `epoch_start(e + 1, offset)`, local
//! midnight to local midnight.

/// Minutes since the Unix epoch.
pub type UnixMinute = u32;

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
pub fn slot_of(t: UnixMinute) -> u32 {
    t / SLOT_MINUTES
}

/// Minutes in one quarter hour, the unit of a venue's UTC offset.
pub const OFFSET_UNIT_MINUTES: i64 = 15;
/// The most negative UTC offset a venue may state, in quarter hours (−12:00).
pub const MIN_UTC_OFFSET: i8 = -48;
/// The most positive UTC offset a venue may state, in quarter hours (+14:00).
pub const MAX_UTC_OFFSET: i8 = 56;

/// The UTC day containing minute `t`: `local_epoch(t, 0)`. Used for retention and statistics,
/// never for a rotating seed (that follows the venue's local day).
pub fn epoch_of(t: UnixMinute) -> u32 {
    t / EPOCH_MINUTES
}

fn clamp_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// The venue-local day containing UTC minute `t` for a venue at UTC offset `offset_q` quarter
/// hours: `floor((t + 15 * offset_q) / 1440)`, computed in `i64` and saturated to `u32` (it is
/// never negative for real times).
pub fn local_epoch(t: UnixMinute, offset_q: i8) -> u32 {
    let local = i64::from(t) + OFFSET_UNIT_MINUTES * i64::from(offset_q);
    clamp_u32(local.div_euclid(i64::from(EPOCH_MINUTES)))
}

/// The UTC minute of local midnight that starts venue-local day `epoch`:
/// `epoch * 1440 − 15 * offset_q`, saturated to `u32`.
pub fn epoch_start(epoch: u32, offset_q: i8) -> UnixMinute {
    clamp_u32(
        i64::from(epoch) * i64::from(EPOCH_MINUTES) - OFFSET_UNIT_MINUTES * i64::from(offset_q),
    )
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

/// The venue-local epochs whose rotating seed a visitor present during `slot` could hold: a stay
/// can start at most `MAX_STAY_MINUTES` before the slot and at the latest in its last minute, so
/// `local_epoch(max(0, slot_start − 720), offset_q) ..= local_epoch(slot_start + 59, offset_q)`:
/// the slot's own local day, the day before when the slot starts within that reach of local
/// midnight, and the next day when local midnight falls inside the slot (an offset that is not a
/// whole number of hours, such as +05:30; for whole hours `slot_start + 59` is on the same local
/// day as `slot_start`).
pub fn epochs_for_slot(slot: u32, offset_q: i8) -> core::ops::RangeInclusive<u32> {
    let start = slot_start(slot);
    let first = local_epoch(start.saturating_sub(u32::from(MAX_STAY_MINUTES)), offset_q);
    let last_minute = start.saturating_add(SLOT_MINUTES - 1);
    first..=local_epoch(last_minute, offset_q)
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
        assert_eq!(epochs_for_slot(first_slot_of_day, 0), day - 1..=day);
        assert_eq!(epochs_for_slot(first_slot_of_day + 12, 0), day..=day);
        assert_eq!(epochs_for_slot(first_slot_of_day + 11, 0), day - 1..=day);
        // UTC+08:00: local midnight is 16:00 UTC of the day before.
        assert_eq!(epochs_for_slot(first_slot_of_day - 8, 32), day - 1..=day);
        assert_eq!(epochs_for_slot(first_slot_of_day + 4, 32), day..=day);
        assert_eq!(epochs_for_slot(first_slot_of_day + 3, 32), day - 1..=day);
        // UTC+05:30 (22): local midnight of `day` is 18:30 UTC, inside the slot of 18:00 UTC; a
        // visitor who scans at 18:40 holds the seed of `day`, one who scanned at 18:10 (or up to
        // 720 minutes before the slot) that of `day - 1`.
        let slot_1800 = first_slot_of_day - 6;
        assert_eq!(epoch_start(day, 22), slot_start(slot_1800) + 30);
        assert_eq!(epochs_for_slot(slot_1800, 22), day - 1..=day);
        assert_eq!(epochs_for_slot(slot_1800 - 1, 22), day - 1..=day - 1);
        assert_eq!(epochs_for_slot(slot_1800 + 1, 22), day - 1..=day);
        assert_eq!(epochs_for_slot(slot_1800 + 12, 22), day - 1..=day);
        assert_eq!(epochs_for_slot(slot_1800 + 13, 22), day..=day);
        // UTC+05:45 (23) and UTC−03:30 (−14): midnight at :15 and :30 past a slot start.
        assert_eq!(epoch_start(day, 23) % SLOT_MINUTES, 15);
        assert_eq!(
            epochs_for_slot(slot_of(epoch_start(day, 23)), 23),
            day - 1..=day
        );
        assert_eq!(epoch_start(day, -14) % SLOT_MINUTES, 30);
        assert_eq!(
            epochs_for_slot(slot_of(epoch_start(day, -14)), -14),
            day - 1..=day
        );
        // Whole hours never reach the next day.
        for off in [MIN_UTC_OFFSET, -4, 0, 32, MAX_UTC_OFFSET] {
            let s = slot_of(epoch_start(day, off)) - 1;
            assert_eq!(*epochs_for_slot(s, off).end(), day - 1);
        }
    }

    #[test]
    fn local_days_follow_the_offset() {
        let day = 20_000u32;
        let midnight_utc = day * EPOCH_MINUTES;
        assert_eq!(local_epoch(midnight_utc, 0), day);
        assert_eq!(local_epoch(midnight_utc - 1, 0), day - 1);
        assert_eq!(epoch_start(day, 32), midnight_utc - 480);
        assert_eq!(local_epoch(midnight_utc - 480, 32), day);
        assert_eq!(local_epoch(midnight_utc - 481, 32), day - 1);
        assert_eq!(epoch_start(day, -48), midnight_utc + 720);
        assert_eq!(local_epoch(midnight_utc + 719, -48), day - 1);
        assert_eq!(local_epoch(0, -48), 0);
        assert_eq!(
            local_epoch(u32::MAX, 56),
            ((u64::from(u32::MAX) + 840) / 1440) as u32
        );
        assert_eq!(epoch_start(0, 56), 0);
        assert_eq!(epoch_start(u32::MAX, -48), u32::MAX);
        for off in [MIN_UTC_OFFSET, -1, 0, 1, 32, MAX_UTC_OFFSET] {
            for e in [1u32, 20_138, 20_139] {
                assert_eq!(local_epoch(epoch_start(e, off), off), e);
                assert_eq!(local_epoch(epoch_start(e, off) - 1, off), e - 1);
            }
        }
    }

    #[test]
    fn overlap() {
        assert_eq!(overlap_minutes(0, 10, 5, 20), 5);
        assert_eq!(overlap_minutes(0, 10, 10, 20), 0);
        assert_eq!(overlap_minutes(30, 40, 0, 20), 0);
    }
}
