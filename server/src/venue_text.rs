//! The rule for venue names and addresses at registration: normalised to NFC, and refused
//! when they hold a character that does not show, or changes how the rest shows.
//!
//! The protocol's `VenueInfo` already refuses C0/C1 controls (Cc) and surrounding whitespace;
//! phones decode what older servers issued, so the stricter rule lives here, where
//! certificates are issued, and leaves the wire format alone.

use unicode_normalization::UnicodeNormalization as _;
use venuecode_protocol::VenueInfo;

use crate::error::ApiError;

/// Whether `c` is refused in a venue name or address:
///
/// - Cc, control characters;
/// - Cf, format characters (Unicode 15.1): soft hyphen, zero-width space, non-joiner and
///   joiner, left-to-right and right-to-left marks, the bidirectional embeddings, overrides
///   and isolates, word joiner and invisible operators, the byte order mark, interlinear
///   annotation marks, tags, and the like;
/// - Zl and Zp, the line and paragraph separators U+2028 and U+2029;
/// - the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, letters that show as blank.
pub fn refused(c: char) -> bool {
    c.is_control()
        || matches!(
            u32::from(c),
            0xAD | 0x600..=0x605
                | 0x61C
                | 0x6DD
                | 0x70F
                | 0x890..=0x891
                | 0x8E2
                | 0x180E
                | 0x200B..=0x200F
                | 0x202A..=0x202E
                | 0x2060..=0x2064
                | 0x2066..=0x206F
                | 0xFEFF
                | 0xFFF9..=0xFFFB
                | 0x110BD
                | 0x110CD
                | 0x13430..=0x1343F
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0001
                | 0xE0020..=0xE007F
                | 0x2028
                | 0x2029
                | 0x115F
                | 0x1160
                | 0x3164
                | 0xFFA0
        )
}

/// `text` in NFC, or `None` when it holds a [`refused`] character. Clients apply it before
/// they send, so that the certificate says exactly what they asked for.
pub fn normalized(text: &str) -> Option<String> {
    if text.chars().any(refused) {
        return None;
    }
    Some(text.nfc().collect())
}

/// What the RA administrator's search compares: `text` in NFC, in lower case.
pub(crate) fn search_key(text: &str) -> String {
    text.nfc().flat_map(char::to_lowercase).collect()
}

fn checked(text: &str, field: &str) -> Result<String, ApiError> {
    normalized(text).ok_or_else(|| {
        ApiError::malformed(format!(
            "the venue {field} holds an invisible, bidirectional-control or other control \
             character"
        ))
    })
}

/// `info` with its name and address in NFC, or 400 `malformed` when either holds a refused
/// character (or grows past its limit once normalised).
pub(crate) fn normalize(info: &VenueInfo) -> Result<VenueInfo, ApiError> {
    let name = checked(info.name(), "name")?;
    let address = checked(info.address(), "address")?;
    if name == info.name() && address == info.address() {
        return Ok(info.clone());
    }
    VenueInfo::new(
        &name,
        &address,
        info.region(),
        info.category(),
        info.default_stay_minutes(),
        info.utc_offset(),
    )
    .map_err(|e| ApiError::protocol("venue information", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use venuecode_protocol::{RegionCode, VenueCategory};

    fn info(name: &str) -> VenueInfo {
        VenueInfo::new(
            name,
            "1 Example Road",
            RegionCode::new(110_101).expect("region"),
            VenueCategory::RESTAURANT,
            60,
            32,
        )
        .expect("info")
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused() {
        for bad in [
            "Caf\u{200B}e",
            "Caf\u{200D}e",
            "\u{FEFF}Cafe",
            "Cafe\u{202E}efac",
            "Cafe\u{2066}x\u{2069}",
            "Caf\u{2028}e",
            "Caf\u{2029}e",
            "Caf\u{00AD}e",
            "Caf\u{3164}e",
            "Cafe\u{E0041}",
        ] {
            assert!(normalize(&info(bad)).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn names_are_normalized_to_nfc() {
        let decomposed = info("Cafe\u{301} Ch\u{e2}teau");
        let n = normalize(&decomposed).expect("accepted");
        assert_eq!(n.name(), "Caf\u{e9} Ch\u{e2}teau");
        let plain = info("北京饭店 🍜");
        assert_eq!(normalize(&plain).expect("accepted"), plain);
    }

    #[test]
    fn search_keys_ignore_case_and_composition() {
        assert_eq!(search_key("CAFE\u{301}"), search_key("caf\u{e9}"));
        assert!(search_key("Golden Dragon 北京饭店").contains(&search_key("dragon 北京")));
    }
}
