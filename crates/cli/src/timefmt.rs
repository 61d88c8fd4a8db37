//! Reading and writing times on the command line, to the minute: in UTC ([`format_minute`],
//! [`parse_minute`]) or in a time zone ([`Zone`]: the venue's certificate offset or the
//! device's), with the zone named.

use venuecode_protocol::time::UnixMinute;

use crate::t;

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
    let days = i64::from(t.get() / 1440);
    let (y, m, d) = civil_from_days(days);
    let rem = t.get() % 1440;
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 60, rem % 60)
}

/// `14:05`.
pub fn format_clock(t: UnixMinute) -> String {
    let rem = t.get() % 1440;
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
        return Err(t!("time-bad-date", text = s));
    };
    let num = |p: &str, lo: i64, hi: i64| -> Result<i64, String> {
        p.parse::<i64>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .ok_or_else(|| t!("time-bad-date", text = s))
    };
    let days = days_from_civil(num(y, 1970, 9999)?, num(m, 1, 12)?, num(d, 1, 31)?);
    u32::try_from(days).map_err(|_| t!("time-out-of-range", text = s))
}

/// Parses a time: `YYYY-MM-DD HH:MM` or `YYYY-MM-DDTHH:MM` (UTC, an optional trailing `Z` or
/// ` UTC`), `HH:MM` on the day of `today`, or a whole number of Unix minutes.
pub fn parse_minute(s: &str, today: UnixMinute) -> Result<UnixMinute, String> {
    let t = s.trim().trim_end_matches(" UTC").trim_end_matches('Z');
    if let Ok(n) = t.parse::<u32>() {
        return Ok(UnixMinute::new(n));
    }
    let (date, clock) = match t.split_once(['T', ' ']) {
        Some((d, c)) => (Some(d), c),
        None => (None, t),
    };
    let (h, m) = clock
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.get(..2)?.parse::<u32>().ok()?)))
        .filter(|(h, m)| *h < 24 && *m < 60)
        .ok_or_else(|| t!("time-bad-time", text = s))?;
    let day = match date {
        Some(d) => parse_day(d)?,
        None => today.get() / 1440,
    };
    Ok(UnixMinute::new(day * 1440 + h * 60 + m))
}

/// A time zone as a fixed offset from UTC, for showing and reading times people use. The
/// device's zone is read once per run, at the current instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    /// Minutes east of UTC.
    offset: i32,
    /// The name people know it by (`Asia/Shanghai`), when known.
    name: Option<String>,
}

/// The widest offset in use (UTC−12:00 to UTC+14:00), in minutes.
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone {
            offset: 0,
            name: None,
        }
    }

    /// A fixed offset, in minutes east of UTC.
    pub fn fixed(offset_minutes: i32) -> Zone {
        Zone {
            offset: offset_minutes,
            name: None,
        }
    }

    /// A venue's zone: its certificate's offset in quarter hours.
    pub fn venue(quarter_hours: i8) -> Zone {
        Zone::fixed(i32::from(quarter_hours) * 15)
    }

    /// Minutes east of UTC.
    pub fn offset_minutes(&self) -> i32 {
        self.offset
    }

    /// `UTC`, or `UTC+08:00` (with its name, when known: `UTC+08:00 Asia/Shanghai`).
    pub fn label(&self) -> String {
        let base = if self.offset == 0 {
            "UTC".to_owned()
        } else {
            format!("UTC{}", offset_text(self.offset))
        };
        match &self.name {
            // `Etc/UTC` adds nothing to `UTC`.
            Some(n) if !n.starts_with("Etc/") && n != "UTC" => format!("{base} {n}"),
            _ => base,
        }
    }

    /// Reads a zone people type (`--tz`): `UTC`, `Z`, an offset (`+08:00`, `+0800`, `+08`,
    /// `UTC+8`), or a zone name of the system's time zone database (`Asia/Shanghai`), whose
    /// offset at `now` is taken. Abbreviations such as `CST` are refused: they name several
    /// zones.
    pub fn parse(s: &str, now: UnixMinute) -> Result<Zone, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
            return Ok(Zone::utc());
        }
        let off = t
            .strip_prefix("UTC")
            .or_else(|| t.strip_prefix("GMT"))
            .unwrap_or(t);
        if let Some(m) = parse_offset(off) {
            return Ok(Zone::fixed(m));
        }
        if t.contains('/') && !t.contains("..") && !t.starts_with('/') {
            if let Some(offset) = tzif_offset_file(&format!("/usr/share/zoneinfo/{t}"), now) {
                return Ok(Zone {
                    offset,
                    name: Some(t.to_owned()),
                });
            }
            return Err(t!("time-zone-not-in-database", zone = s));
        }
        Err(t!("time-zone-unreadable", zone = s))
    }

    /// The device's zone: the `TZ` environment variable when set (an offset, `UTC` or a zone
    /// name), else the system's `/etc/localtime`, else UTC.
    pub fn device(now: UnixMinute) -> Zone {
        if let Ok(tz) = std::env::var("TZ") {
            let tz = tz.trim_start_matches(':');
            if !tz.is_empty() {
                if let Ok(z) = Zone::parse(tz, now) {
                    return z;
                }
                if let Some(offset) = tzif_offset_file(tz, now) {
                    return Zone::fixed(offset);
                }
            }
        }
        match tzif_offset_file("/etc/localtime", now) {
            Some(offset) => Zone {
                offset,
                name: std::fs::read_link("/etc/localtime").ok().and_then(|p| {
                    let s = p.to_string_lossy().into_owned();
                    s.split_once("zoneinfo/").map(|(_, n)| n.to_owned())
                }),
            },
            None => Zone::utc(),
        }
    }

    /// The local minute (minutes since 1970-01-01 00:00 local) of an instant.
    fn local(&self, t: UnixMinute) -> i64 {
        i64::from(t.get()) + i64::from(self.offset)
    }
}

/// `+08:00` for minutes east of UTC.
fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// `+08:00`, `+0800`, `+08`, `+8`, `-03:30`: minutes east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) if all_digits(h) && h.len() <= 2 && all_digits(m) && m.len() == 2 => (h, m),
        Some(_) => return None,
        None if all_digits(rest) && rest.len() <= 2 => (rest, "0"),
        None if all_digits(rest) && rest.len() == 4 => (rest.get(..2)?, rest.get(2..)?),
        None => return None,
    };
    let (h, m) = (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= MAX_OFFSET_MINUTES).then_some(sign * total)
}

/// The UTC offset, in minutes, of a TZif file (RFC 8536) at `now`: the type of the last
/// transition at or before it (the first type before any transition). The footer's rule for
/// times after the last transition is not read: the last transition's offset stays.
fn tzif_offset_file(path: &str, now: UnixMinute) -> Option<i32> {
    let bytes = std::fs::read(path).ok()?;
    tzif_offset(&bytes, i64::from(now.get()) * 60)
}

fn tzif_offset(b: &[u8], now: i64) -> Option<i32> {
    let be32 = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    let counts = |b: &[u8]| -> Option<[usize; 6]> {
        if b.get(..4)? != b"TZif" {
            return None;
        }
        let mut c = [0usize; 6];
        for (i, v) in c.iter_mut().enumerate() {
            *v = usize::try_from(be32(b, 20 + 4 * i)?).ok()?;
        }
        Some(c)
    };
    let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(b)?;
    let version = *b.get(4)?;
    // Version 2 and later repeat the data with 64-bit times after the version 1 block.
    let (data, width) = if version >= b'2' {
        let v1 = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
        (b.get(v1..)?, 8)
    } else {
        (b, 4)
    };
    let [_, _, _, timecnt, typecnt, _] = counts(data)?;
    if typecnt == 0 {
        return None;
    }
    let times = 44;
    let idx = times + timecnt * width;
    let types = idx + timecnt;
    let mut chosen = 0usize;
    for i in 0..timecnt {
        let at = times + i * width;
        let t = if width == 8 {
            i64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?)
        } else {
            i64::from(i32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
        };
        if t > now {
            break;
        }
        chosen = usize::from(*data.get(idx + i)?);
    }
    if chosen >= typecnt {
        return None;
    }
    let at = types + chosen * 6;
    let secs = i32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?);
    Some(secs.div_euclid(60))
}

/// `2026-11-25 22:05 UTC+08:00`: an instant in a zone, with the zone named.
pub fn format_in(t: UnixMinute, zone: &Zone) -> String {
    let local = zone.local(t);
    let (y, m, d) = civil_from_days(local.div_euclid(1440));
    let rem = local.rem_euclid(1440);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} {}",
        rem / 60,
        rem % 60,
        zone.label()
    )
}

/// `22:05` in a zone (the zone is named elsewhere).
pub fn format_clock_in(t: UnixMinute, zone: &Zone) -> String {
    let rem = zone.local(t).rem_euclid(1440);
    format!("{:02}:{:02}", rem / 60, rem % 60)
}

/// `2026-11-25T22:05:00+08:00`: RFC 3339 with the zone's offset (`Z` for UTC), for JSON.
pub fn rfc3339(t: UnixMinute, zone: &Zone) -> String {
    let local = zone.local(t);
    let (y, m, d) = civil_from_days(local.div_euclid(1440));
    let rem = local.rem_euclid(1440);
    let off = if zone.offset == 0 {
        "Z".to_owned()
    } else {
        offset_text(zone.offset)
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:00{off}",
        rem / 60,
        rem % 60
    )
}

/// Parses a time people type, in `zone` unless it states its own: `YYYY-MM-DD HH:MM`,
/// `YYYY-MM-DDTHH:MM[:SS]`, or `HH:MM` on today's date in that zone; optionally followed by
/// `Z`, `UTC` or an offset (`09:30+08:00`, `09:30 +0800`, `09:30 UTC+8`), which is honoured.
/// A whole number is read as Unix minutes. Anything else, such as `09:30 CST` (an abbreviation
/// that names several zones), is refused.
pub fn parse_in(s: &str, zone: &Zone, now: UnixMinute) -> Result<UnixMinute, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<u32>() {
        return Ok(UnixMinute::new(n));
    }
    let bad = || t!("time-bad-time-in-zone", text = s, zone = zone.label());
    let (date, rest) = match t.split_once(['T', ' ']) {
        Some((d, c)) if d.contains('-') && !d.starts_with(['+', '-']) => (Some(d), c.trim()),
        _ => (None, t),
    };
    // The clock: HH:MM with optional :SS.
    let digits_end = |p: &str| p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
    let h_end = digits_end(rest);
    let (h, after_h) = rest.split_at_checked(h_end).ok_or_else(bad)?;
    let after_h = after_h.strip_prefix(':').ok_or_else(bad)?;
    let m_end = digits_end(after_h);
    let (m, mut tail) = after_h.split_at_checked(m_end).ok_or_else(bad)?;
    if let Some(sec) = tail.strip_prefix(':') {
        let s_end = digits_end(sec);
        if s_end != 2 {
            return Err(bad());
        }
        tail = sec.get(2..).ok_or_else(bad)?;
    }
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m) = (
        h.parse::<u32>().map_err(|_| bad())?,
        m.parse::<u32>().map_err(|_| bad())?,
    );
    if h >= 24 || m >= 60 {
        return Err(bad());
    }
    let tail = tail.trim();
    let offset = if tail.is_empty() {
        zone.offset
    } else if tail == "Z" || tail.eq_ignore_ascii_case("utc") || tail.eq_ignore_ascii_case("gmt") {
        0
    } else {
        let off = tail
            .strip_prefix("UTC")
            .or_else(|| tail.strip_prefix("GMT"))
            .unwrap_or(tail)
            .trim();
        match parse_offset(off) {
            Some(o) => o,
            None if tail.chars().all(|c| c.is_ascii_alphabetic()) => {
                return Err(t!(
                    "time-zone-ambiguous",
                    text = s,
                    abbreviation = tail,
                    zone = zone.label()
                ))
            }
            None => return Err(bad()),
        }
    };
    let day = match date {
        Some(d) => i64::from(parse_day(d)?),
        None => (i64::from(now.get()) + i64::from(offset)).div_euclid(1440),
    };
    let minute = day * 1440 + i64::from(h * 60 + m) - i64::from(offset);
    u32::try_from(minute)
        .map(UnixMinute::new)
        .map_err(|_| t!("time-out-of-range", text = s))
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: UnixMinute = UnixMinute::MIN;

    #[test]
    fn round_trips() {
        let t = parse_minute("2026-11-25 14:05", Z).unwrap_or_default();
        assert_eq!(format_minute(t), "2026-11-25 14:05 UTC");
        assert_eq!(parse_minute("2026-11-25T14:05Z", Z), Ok(t));
        assert_eq!(parse_minute("14:05", t - 300), Ok(t));
        assert_eq!(format_day(t.get() / 1440), "2026-11-25");
        assert_eq!(parse_day("1970-01-01"), Ok(0));
        assert!(parse_minute("25:00", Z).is_err());
        assert!(parse_day("2026-13-01").is_err());
    }

    #[test]
    fn zones_show_and_read_local_times() {
        let utc = parse_minute("2026-11-25 01:30", Z).unwrap_or_default();
        let cn = Zone::fixed(480);
        assert_eq!(format_in(utc, &cn), "2026-11-25 09:30 UTC+08:00");
        assert_eq!(rfc3339(utc, &cn), "2026-11-25T09:30:00+08:00");
        assert_eq!(rfc3339(utc, &Zone::utc()), "2026-11-25T01:30:00Z");
        // Typed times are local unless they carry an offset, which is honoured.
        assert_eq!(parse_in("2026-11-25 09:30", &cn, Z), Ok(utc));
        assert_eq!(parse_in("2026-11-25 09:30+08:00", &Zone::utc(), Z), Ok(utc));
        assert_eq!(parse_in("2026-11-25T01:30Z", &cn, Z), Ok(utc));
        assert_eq!(parse_in("2026-11-25 01:30 UTC", &cn, Z), Ok(utc));
        assert_eq!(parse_in("2026-11-25T09:30:00+08:00", &cn, Z), Ok(utc));
        assert_eq!(parse_in("09:30", &cn, utc), Ok(utc));
        assert_eq!(parse_in("09:30+08:00", &Zone::utc(), utc), Ok(utc));
        assert_eq!(parse_in("2026-11-24 20:00 -05:30", &cn, Z), Ok(utc));
        let cst = parse_in("09:30 CST", &cn, utc).unwrap_err();
        assert!(cst.contains("ambiguous"), "{cst}");
        assert!(parse_in("09:30 +25:00", &cn, utc).is_err());
        assert!(parse_in("9.30", &cn, utc).is_err());
        assert!(parse_in("24:00", &cn, utc).is_err());
        // Zones people type.
        assert_eq!(Zone::parse("+08:00", Z), Ok(cn.clone()));
        assert_eq!(Zone::parse("UTC+8", Z), Ok(cn.clone()));
        assert_eq!(Zone::parse("-0330", Z), Ok(Zone::fixed(-210)));
        assert_eq!(Zone::parse("UTC", Z), Ok(Zone::utc()));
        assert!(Zone::parse("CST", Z).is_err());
        assert_eq!(Zone::venue(32), cn);
        // A zone name from the system's database, when it has one.
        if std::path::Path::new("/usr/share/zoneinfo/Asia/Shanghai").exists() {
            let sh = Zone::parse("Asia/Shanghai", utc);
            assert_eq!(sh.as_ref().map(Zone::offset_minutes), Ok(480));
            assert_eq!(
                sh.map(|z| format_in(utc, &z)),
                Ok("2026-11-25 09:30 UTC+08:00 Asia/Shanghai".to_owned())
            );
        }
    }

    #[test]
    fn tzif_reads_the_offset_in_force() {
        // A version 1 file: one transition at t = 1000 s from type 0 (+01:00) to type 1 (+08:00).
        let mut b = b"TZif".to_vec();
        b.push(0);
        b.extend([0u8; 15]);
        for c in [0u32, 0, 0, 1, 2, 4] {
            b.extend(c.to_be_bytes());
        }
        b.extend(1000i32.to_be_bytes());
        b.push(1);
        b.extend(3600i32.to_be_bytes());
        b.extend([0, 0]);
        b.extend(28_800i32.to_be_bytes());
        b.extend([0, 2]);
        b.extend(b"A\0B\0");
        assert_eq!(tzif_offset(&b, 0), Some(60));
        assert_eq!(tzif_offset(&b, 5000), Some(480));
        assert_eq!(tzif_offset(&b[..30], 0), None);
    }
}
