//! TANs as people read and type them: 16 Crockford base32 characters, the last a check
//! character, shown in groups (`7K2M-9XR4-TPLW-3NBQ`). Reading is case-insensitive, ignores
//! spaces and dashes, and takes the look-alikes Crockford allows (`I`, `L` for `1`, `O` for
//! `0`); a mistyped TAN is caught by the check character before any request.
//!
//! What is hashed and sent is the canonical form: the 16 characters, upper case, no
//! separators. Strings in another shape (other issuers' TANs, 10 to 64 printable ASCII
//! characters, as the protocol allows) are passed through as typed.

use venuecode_protocol::envelope::tan_hash;

use crate::error::{Error, Reason, Result};

/// The Crockford base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a TAN, the check character included.
pub const TAN_CHARS: usize = 16;

/// The value of a Crockford character, with its look-alikes; `None` for anything else.
fn value(c: char) -> Option<u32> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|a| char::from(*a) == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// Luhn mod 32 over values, rightmost first doubled when `doubled_first`.
fn luhn_sum(values: &[u32], doubled_first: bool) -> u32 {
    let mut double = doubled_first;
    let mut sum = 0;
    for v in values.iter().rev() {
        let mut a = if double { v * 2 } else { *v };
        a = a / 32 + a % 32;
        sum += a;
        double = !double;
    }
    sum % 32
}

/// The check character's value for the 15 data values.
fn check_value(data: &[u32]) -> u32 {
    (32 - luhn_sum(data, true)) % 32
}

/// Makes a fresh TAN (75 random bits and a check character), canonical form.
pub fn generate() -> Result<String> {
    let raw: [u8; TAN_CHARS - 1] = venuecode_protocol::rand::random_array()?;
    let data: Vec<u32> = raw.iter().map(|b| u32::from(b & 31)).collect();
    let mut out: String = data
        .iter()
        .filter_map(|v| ALPHABET.get(*v as usize).map(|b| char::from(*b)))
        .collect();
    let check = check_value(&data);
    out.push(char::from(
        ALPHABET.get(check as usize).copied().unwrap_or(b'0'),
    ));
    Ok(out)
}

/// `7K2M-9XR4-TPLW-3NBQ`: a canonical TAN in groups of four, for people.
pub fn display(canonical: &str) -> String {
    let chars: Vec<char> = canonical.chars().collect();
    chars
        .chunks(4)
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Reads a TAN as typed: a Venuecode TAN is checked ([`Error::TanTypo`] when a character is
/// wrong, missing or extra) and returned in canonical form; a string in another shape is
/// returned as typed if the protocol accepts it as a TAN.
pub fn normalize(input: &str) -> Result<String> {
    let stripped: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let values: Option<Vec<u32>> = stripped.chars().map(value).collect();
    match values {
        // Crockford characters and about the right length: one of ours, maybe mistyped.
        // The groups as typed are of about four (one may have lost or gained a character),
        // or there are none.
        Some(v)
            if (TAN_CHARS - 1..=TAN_CHARS + 1).contains(&v.len())
                && input
                    .split(|c: char| c.is_whitespace() || c == '-')
                    .all(|g| g.len() <= 5 || g.len() == stripped.len()) =>
        {
            if v.len() != TAN_CHARS || luhn_sum(&v, false) != 0 {
                return Err(Error::TanTypo);
            }
            Ok(v.iter()
                .filter_map(|x| ALPHABET.get(*x as usize).map(|b| char::from(*b)))
                .collect())
        }
        _ => {
            tan_hash(input).map_err(|_| Error::InvalidArgument(Reason::TanShape))?;
            Ok(input.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_tans_check_and_typos_are_caught() {
        for _ in 0..50 {
            let tan = generate().unwrap_or_default();
            assert_eq!(tan.len(), TAN_CHARS);
            let shown = display(&tan);
            assert_eq!(shown.len(), 19);
            assert_eq!(normalize(&shown).ok().as_deref(), Some(tan.as_str()));
            let typed = format!(" {} ", shown.to_lowercase().replace('-', " "));
            assert_eq!(normalize(&typed).ok().as_deref(), Some(tan.as_str()));
            // Every single-character substitution is caught.
            for i in 0..TAN_CHARS {
                for a in ALPHABET.iter().map(|b| char::from(*b)) {
                    let mut chars: Vec<char> = tan.chars().collect();
                    if chars[i] == a {
                        continue;
                    }
                    chars[i] = a;
                    let wrong: String = chars.into_iter().collect();
                    assert!(matches!(normalize(&wrong), Err(Error::TanTypo)), "{wrong}");
                }
            }
            // A missing or an extra character.
            assert!(matches!(normalize(&tan[1..]), Err(Error::TanTypo)));
            assert!(matches!(normalize(&format!("{tan}0")), Err(Error::TanTypo)));
        }
        // Look-alikes read as Crockford says.
        let tan = generate().unwrap_or_default();
        let alike = tan.replace('1', "l").replace('0', "o");
        assert_eq!(normalize(&alike).ok(), Some(tan));
        // Other issuers' TANs pass as typed; garbage is refused.
        assert_eq!(
            normalize("TAN-0123456789").ok().as_deref(),
            Some("TAN-0123456789")
        );
        assert!(normalize("short").is_err());
        // Grouped otherwise: another issuer's TAN, not a mistyped one of ours.
        assert_eq!(
            normalize("SERVER-EXPIRED-01").ok().as_deref(),
            Some("SERVER-EXPIRED-01")
        );
    }
}
