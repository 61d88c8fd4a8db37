//! Masked labels for staff screens: 卢* for a name, 182****1234 for a phone number.

/// Keeps the first character of a name and replaces the rest with one `*` each (at least one).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => "*".to_owned(),
        Some(first) => {
            let stars = chars.count().max(1);
            let mut s = String::with_capacity(first.len_utf8() + stars);
            s.push(first);
            s.extend(core::iter::repeat_n('*', stars));
            s
        }
    }
}

/// Keeps the first three and last four digits of a phone number and masks the rest; shorter
/// numbers keep only their last two digits.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    if n >= 11 {
        let mut s: String = digits[..3].iter().collect();
        s.extend(core::iter::repeat_n('*', n - 7));
        s.extend(&digits[n - 4..]);
        s
    } else {
        let keep = n.min(2);
        let mut s: String = core::iter::repeat_n('*', n - keep).collect();
        s.extend(&digits[n - keep..]);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_original_programme() {
        assert_eq!(mask_name("卢伟"), "卢*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("X"), "X*");
        assert_eq!(mask_phone("18212341234"), "182****1234");
        assert_eq!(mask_phone("+86 182-1234-1234"), "861******1234");
        assert_eq!(mask_phone("12345"), "***45");
    }
}
