//! Reading and writing times on the command line, in UTC, to the minute.

use venuecode_protocol::time::UnixMinute;

/// Days since 1970-01-01 for a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date for days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `2026-11-25 14:05 UTC`.
pub fn format_minute(t: UnixMinute) -> String {
    let days = i64::from(t / 1440);
    let (y, m, d) = civil_from_days(days);
    let rem = t % 1440;
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 60, rem % 60)
}

/// `14:05`.
pub fn format_clock(t: UnixMinute) -> String {
    let rem = t % 1440;
    format!("{:02}:{:02}", rem / 60, rem % 60)
}

/// `2026-11-25` for an epoch (UTC day).
pub fn format_day(epoch: u32) -> String {
    let (y, m, d) = civil_from_days(i64::from(epoch));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses `YYYY-MM-DD` into an epoch (UTC day).
pub fn parse_day(s: &str) -> Result<u32, String> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(format!("`{s}` is not a date like 2026-11-25"));
    };
    let num = |p: &str, lo: i64, hi: i64| -> Result<i64, String> {
        p.parse::<i64>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .ok_or_else(|| format!("`{s}` is not a date like 2026-11-25"))
    };
    let days = days_from_civil(num(y, 1970, 9999)?, num(m, 1, 12)?, num(d, 1, 31)?);
    u32::try_from(days).map_err(|_| format!("`{s}` is out of range"))
}

/// Parses a time: `YYYY-MM-DD HH:MM` or `YYYY-MM-DDTHH:MM` (UTC, an optional trailing `Z` or
/// ` UTC`), `HH:MM` on the day of `today`, or a whole number of Unix minutes.
pub fn parse_minute(s: &str, today: UnixMinute) -> Result<UnixMinute, String> {
    let t = s.trim().trim_end_matches(" UTC").trim_end_matches('Z');
    if let Ok(n) = t.parse::<u32>() {
        return Ok(n);
    }
    let (date, clock) = match t.split_once(['T', ' ']) {
        Some((d, c)) => (Some(d), c),
        None => (None, t),
    };
    let (h, m) = clock
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.get(..2)?.parse::<u32>().ok()?)))
        .filter(|(h, m)| *h < 24 && *m < 60)
        .ok_or_else(|| format!("`{s}` is not a time like 2026-11-25 14:05 or 14:05"))?;
    let day = match date {
        Some(d) => parse_day(d)?,
        None => today / 1440,
    };
    Ok(day * 1440 + h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = parse_minute("2026-11-25 14:05", 0).unwrap_or(0);
        assert_eq!(format_minute(t), "2026-11-25 14:05 UTC");
        assert_eq!(parse_minute("2026-11-25T14:05Z", 0), Ok(t));
        assert_eq!(parse_minute("14:05", t - 300), Ok(t));
        assert_eq!(format_day(t / 1440), "2026-11-25");
        assert_eq!(parse_day("1970-01-01"), Ok(0));
        assert!(parse_minute("25:00", 0).is_err());
        assert!(parse_day("2026-13-01").is_err());
    }
}
