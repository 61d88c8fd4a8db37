//! Names for administrative division codes (GB/T 2260), to the prefecture level.
//!
//! A venue's [`RegionCode`] is a six-digit GB/T 2260 code, usually a county's (440305 is
//! Nanshan District, Shenzhen). Statistics and filters show it as a place people can read: this
//! module ships a table of every province-level unit and every prefecture-level unit
//! (`data/gb2260.tsv`, the revision in [`REVISION`]) with Chinese and English names. It stops at
//! the prefecture level, so a county code is named by its prefecture and province
//! ("广东省 深圳市", "Shenzhen, Guangdong"); a code the table cannot place gives `None` and the
//! caller shows the bare code.
//!
//! The table is embedded in the library and parsed once, on first use.

use std::sync::OnceLock;

use venuecode_protocol::RegionCode;

/// The table: `code<TAB>zh<TAB>en` lines, sorted by code, `#` comments.
const TABLE: &str = include_str!("../data/gb2260.tsv");

/// The revision of GB/T 2260 the table follows.
pub const REVISION: &str = "GB/T 2260 as in the Ministry of Civil Affairs' 2023 code list \
                            (prefecture level unchanged since 2019)";

/// The language a name is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Chinese, the standard's own names (广东省, 深圳市).
    #[default]
    Zh,
    /// English: the established name where there is one, otherwise pinyin (Guangdong,
    /// Shenzhen, Inner Mongolia, Yanbian Korean Autonomous Prefecture).
    En,
}

/// One entry of the table: a province-level unit, a prefecture-level unit, or one of the
/// groupings the standard codes at the prefecture level (see [`Division::is_grouping`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Division {
    /// The six-digit code (440300).
    pub code: u32,
    /// The Chinese name (深圳市).
    pub zh: &'static str,
    /// The English name (Shenzhen).
    pub en: &'static str,
}

impl Division {
    /// The name in `lang`.
    pub fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }

    /// Whether this is a province-level unit (a code ending in 0000).
    pub fn is_province(&self) -> bool {
        self.code.is_multiple_of(10_000)
    }

    /// The code of the province-level unit this division belongs to (440000 for 440300).
    pub fn province_code(&self) -> u32 {
        self.code / 10_000 * 10_000
    }

    /// Whether this is a grouping rather than a place: a municipality's 市辖区 (districts) or
    /// 县 (counties), such as 110100 or 500200, or the county-level units a province or
    /// autonomous region administers directly (xx9000, such as 429000). Such a name adds
    /// nothing to the province's, so [`Region::display_name`] leaves it out.
    pub fn is_grouping(&self) -> bool {
        if self.is_province() {
            return false;
        }
        let municipality = matches!(self.code / 10_000, 11 | 12 | 31 | 50);
        municipality || self.code / 100 % 100 == 90
    }
}

/// Where a code lies: its province-level unit and, where the table has it, its prefecture-level
/// unit (or grouping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// The code looked up (440305).
    pub code: u32,
    /// The province-level unit (440000 广东省).
    pub province: Division,
    /// The prefecture-level unit (440300 深圳市); `None` for a province-level code and for
    /// Taiwan, Hong Kong and Macao, which the standard codes at the province level only.
    pub prefecture: Option<Division>,
}

impl Region {
    /// The prefecture to name beside the province: the prefecture unless it is a grouping
    /// ([`Division::is_grouping`]).
    pub fn named_prefecture(&self) -> Option<Division> {
        self.prefecture.filter(|p| !p.is_grouping())
    }

    /// The region as people read it: "广东省 深圳市" in Chinese (province first),
    /// "Shenzhen, Guangdong" in English (prefecture first); only the province ("北京市",
    /// "Beijing") where there is no prefecture to name.
    pub fn display_name(&self, lang: Lang) -> String {
        let province = self.province.name(lang);
        match (self.named_prefecture(), lang) {
            (None, _) => province.to_owned(),
            (Some(p), Lang::Zh) => format!("{province} {}", p.zh),
            (Some(p), Lang::En) => format!("{}, {province}", p.en),
        }
    }
}

/// The region of a venue's code. See [`lookup_u32`].
pub fn lookup(code: RegionCode) -> Option<Region> {
    lookup_u32(code.get())
}

/// The region of a six-digit code: its province-level unit and its prefecture-level unit.
///
/// A county code falls back to its prefecture and province (440305 → 440300 深圳市 in 440000
/// 广东省); the county digits are not checked, as the table stops at the prefecture level. A
/// province-level code gives the province alone. `None` when the province is not in the table,
/// when the prefecture is not (a removed one such as 371200 莱芜市 among them; for Taiwan, Hong
/// Kong and Macao, which have no coded prefectures, the province is enough), and for a code
/// with county digits but no prefecture digits (440001).
pub fn lookup_u32(code: u32) -> Option<Region> {
    if code > 999_999 {
        return None;
    }
    let province = division(code / 10_000 * 10_000)?;
    if code == province.code {
        return Some(Region {
            code,
            province,
            prefecture: None,
        });
    }
    let prefecture_code = code / 100 * 100;
    if prefecture_code == province.code {
        return None;
    }
    let prefecture = match division(prefecture_code) {
        Some(p) => Some(p),
        None if prefectures_of(province.code).next().is_none() => None,
        None => return None,
    };
    Some(Region {
        code,
        province,
        prefecture,
    })
}

/// The table's entry with exactly this code (a province-level or prefecture-level code, such
/// as 440000 or 440300), if any.
pub fn division(code: u32) -> Option<Division> {
    let table = table();
    table
        .binary_search_by_key(&code, |d| d.code)
        .ok()
        .and_then(|i| table.get(i).copied())
}

/// All 34 province-level units, in code order.
pub fn provinces() -> impl Iterator<Item = Division> {
    table().iter().filter(|d| d.is_province()).copied()
}

/// The prefecture-level units and groupings of a province-level unit, in code order. Empty when
/// `province` is not a province-level code in the table (440300, 190000), and for Taiwan, Hong
/// Kong and Macao.
pub fn prefectures_of(province: u32) -> impl Iterator<Item = Division> {
    let table = table();
    let range = if province.is_multiple_of(10_000) && division(province).is_some() {
        let start = table.partition_point(|d| d.code <= province);
        let end = table.partition_point(|d| d.code < province + 10_000);
        table.get(start..end).unwrap_or_default()
    } else {
        &[]
    };
    range.iter().copied()
}

/// The parsed table, sorted by code with no duplicates.
fn table() -> &'static [Division] {
    static PARSED: OnceLock<Vec<Division>> = OnceLock::new();
    PARSED.get_or_init(|| {
        // The embedded table is checked by this module's tests; a line that did not parse
        // would be left out rather than stop the app.
        let (mut entries, _errors) = parse(TABLE);
        entries.sort_by_key(|d| d.code);
        entries.dedup_by_key(|d| d.code);
        entries
    })
}

/// Every entry of `text`, in file order, and a message for each line that is not one.
fn parse(text: &'static str) -> (Vec<Division>, Vec<String>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok(d) => entries.push(d),
            Err(e) => errors.push(format!("line {}: {e}: {line:?}", number + 1)),
        }
    }
    (entries, errors)
}

/// One `code<TAB>zh<TAB>en` line: a six-digit code ending in 00 and two names, each non-empty,
/// without surrounding spaces or control characters.
fn parse_line(line: &'static str) -> Result<Division, &'static str> {
    let mut fields = line.split('\t');
    let (Some(code), Some(zh), Some(en), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err("not three tab-separated fields");
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err("code is not six digits");
    }
    let code: u32 = code.parse().map_err(|_| "code is not a number")?;
    if !code.is_multiple_of(100) || code < 110_000 {
        return Err("not a province or prefecture code");
    }
    for name in [zh, en] {
        if name.is_empty() || name.trim() != name || name.chars().any(char::is_control) {
            return Err("empty name, surrounding spaces or control characters");
        }
    }
    Ok(Division { code, zh, en })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zh_en(code: u32) -> (&'static str, &'static str) {
        let d = division(code).unwrap_or_else(|| panic!("{code} missing"));
        (d.zh, d.en)
    }

    #[test]
    fn table_is_well_formed() {
        let (entries, errors) = parse(TABLE);
        assert!(errors.is_empty(), "{errors:#?}");
        // The file itself is sorted with unique codes (the runtime sort only guards).
        for pair in entries.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} then {}",
                pair[0].code,
                pair[1].code
            );
        }
        assert_eq!(entries, table());
        for d in &entries {
            assert!((110_000..=829_900).contains(&d.code), "{}", d.code);
            assert!(
                RegionCode::new(d.code).is_ok(),
                "{} not a RegionCode",
                d.code
            );
            assert!(!d.zh.is_empty() && !d.en.is_empty(), "{}", d.code);
            for name in [d.zh, d.en] {
                assert!(!name.chars().any(char::is_control), "{}: {name:?}", d.code);
            }
            assert!(
                division(d.province_code()).is_some(),
                "{}: province {} missing",
                d.code,
                d.province_code()
            );
            // Chinese names are the standard's: a prefecture-level name ends in its kind.
            if !d.is_province() && !d.is_grouping() {
                assert!(
                    ["市", "地区", "自治州", "盟"]
                        .iter()
                        .any(|kind| d.zh.ends_with(kind)),
                    "{}: {}",
                    d.code,
                    d.zh
                );
            }
        }
        assert!(parse_line("440300\t深圳市").is_err());
        assert!(parse_line("440300\t深圳市\tShenzhen\textra").is_err());
        assert!(parse_line("44030\t深圳市\tShenzhen").is_err());
        assert!(parse_line("440305\t南山区\tNanshan").is_err());
        assert!(parse_line("440300\t\tShenzhen").is_err());
        assert!(parse_line("440300\t深圳市\tShenzhen\r").is_err());
        assert!(parse_line("440300\t深圳市\t Shenzhen").is_err());
        assert!(parse_line("440300\t深圳市\tShenzhen").is_ok());
    }

    #[test]
    fn counts_match_the_standard() {
        let provinces: Vec<_> = provinces().collect();
        assert_eq!(provinces.len(), 34);
        let units: Vec<_> = table()
            .iter()
            .filter(|d| !d.is_province() && !d.is_grouping())
            .collect();
        let count = |kind: &str| units.iter().filter(|d| d.zh.ends_with(kind)).count();
        // 2019 onwards: 293 prefecture-level cities, 7 prefectures, 30 autonomous prefectures
        // and 3 leagues.
        assert_eq!(units.len(), 333);
        assert_eq!(count("市"), 293);
        assert_eq!(count("地区"), 7);
        assert_eq!(count("自治州"), 30);
        assert_eq!(count("盟"), 3);
        // The groupings: Beijing, Tianjin and Shanghai's districts, Chongqing's districts and
        // counties, and the directly administered county-level units of Hebei, Henan, Hubei,
        // Hainan and Xinjiang.
        let groupings: Vec<u32> = table()
            .iter()
            .filter(|d| d.is_grouping())
            .map(|d| d.code)
            .collect();
        assert_eq!(
            groupings,
            [110100, 120100, 139000, 310100, 419000, 429000, 469000, 500100, 500200, 659000]
        );
        for code in groupings {
            let zh = zh_en(code).0;
            assert!(
                [
                    "市辖区",
                    "县",
                    "省直辖县级行政区划",
                    "自治区直辖县级行政区划"
                ]
                .contains(&zh),
                "{code}: {zh}"
            );
        }
    }

    #[test]
    fn known_entries_in_both_languages() {
        assert_eq!(zh_en(110000), ("北京市", "Beijing"));
        assert_eq!(zh_en(110100), ("市辖区", "Districts"));
        assert_eq!(zh_en(440000), ("广东省", "Guangdong"));
        assert_eq!(zh_en(440300), ("深圳市", "Shenzhen"));
        assert_eq!(zh_en(150000), ("内蒙古自治区", "Inner Mongolia"));
        assert_eq!(zh_en(450000), ("广西壮族自治区", "Guangxi"));
        assert_eq!(zh_en(650000), ("新疆维吾尔自治区", "Xinjiang"));
        assert_eq!(zh_en(540000), ("西藏自治区", "Tibet"));
        assert_eq!(
            zh_en(222400),
            ("延边朝鲜族自治州", "Yanbian Korean Autonomous Prefecture")
        );
        assert_eq!(zh_en(152900), ("阿拉善盟", "Alxa League"));
        assert_eq!(
            zh_en(232700),
            ("大兴安岭地区", "Da Hinggan Ling Prefecture")
        );
        assert_eq!(zh_en(620100), ("兰州市", "Lanzhou"));
        assert_eq!(zh_en(610100), ("西安市", "Xi'an"));
        assert_eq!(zh_en(540600), ("那曲市", "Nagqu"));
        assert_eq!(zh_en(710000), ("台湾省", "Taiwan"));
        assert_eq!(zh_en(810000), ("香港特别行政区", "Hong Kong"));
        assert_eq!(zh_en(820000), ("澳门特别行政区", "Macao"));
        assert_eq!(division(440300).map(|d| d.name(Lang::En)), Some("Shenzhen"));
        assert_eq!(division(440300).map(|d| d.name(Lang::Zh)), Some("深圳市"));
    }

    #[test]
    fn county_code_falls_back_to_prefecture_and_province() {
        let nanshan = lookup_u32(440305).expect("440305");
        assert_eq!(nanshan.code, 440305);
        assert_eq!(nanshan.province.code, 440000);
        assert_eq!(nanshan.prefecture.map(|p| p.code), Some(440300));
        assert_eq!(nanshan.display_name(Lang::Zh), "广东省 深圳市");
        assert_eq!(nanshan.display_name(Lang::En), "Shenzhen, Guangdong");

        let anning = lookup(RegionCode::new(620105).expect("in range")).expect("620105");
        assert_eq!(anning.display_name(Lang::Zh), "甘肃省 兰州市");
        assert_eq!(anning.display_name(Lang::En), "Lanzhou, Gansu");

        let yanji = lookup_u32(222401).expect("222401");
        assert_eq!(
            yanji.display_name(Lang::En),
            "Yanbian Korean Autonomous Prefecture, Jilin"
        );

        // A prefecture's own code names it too.
        assert_eq!(
            lookup_u32(440300).map(|r| r.display_name(Lang::En)),
            Some("Shenzhen, Guangdong".to_owned())
        );
    }

    #[test]
    fn provinces_and_groupings_show_the_province_alone() {
        let guangdong = lookup_u32(440000).expect("440000");
        assert_eq!(guangdong.prefecture, None);
        assert_eq!(guangdong.display_name(Lang::Zh), "广东省");
        assert_eq!(guangdong.display_name(Lang::En), "Guangdong");

        // Chaoyang District, Beijing: the grouping 110100 is found but not named.
        let chaoyang = lookup_u32(110105).expect("110105");
        assert_eq!(chaoyang.prefecture.map(|p| p.code), Some(110100));
        assert_eq!(chaoyang.named_prefecture(), None);
        assert_eq!(chaoyang.display_name(Lang::Zh), "北京市");
        assert_eq!(chaoyang.display_name(Lang::En), "Beijing");

        // Xiantao, a county-level city under Hubei directly.
        let xiantao = lookup_u32(429004).expect("429004");
        assert_eq!(xiantao.prefecture.map(|p| p.code), Some(429000));
        assert_eq!(xiantao.display_name(Lang::En), "Hubei");

        // A district of Hong Kong: the standard codes Hong Kong at the province level only.
        let central = lookup_u32(810101).expect("810101");
        assert_eq!(central.prefecture, None);
        assert_eq!(central.display_name(Lang::Zh), "香港特别行政区");
        assert_eq!(central.display_name(Lang::En), "Hong Kong");
    }

    #[test]
    fn unknown_codes_are_none() {
        for code in [
            0,
            100_000,
            109_999,
            190_000,
            190_101,
            449_900,
            449_901,
            440_001,
            999_999,
            1_000_000,
            4_403_050,
            u32::MAX,
        ] {
            assert_eq!(lookup_u32(code), None, "{code}");
        }
        assert_eq!(division(440305), None);
        assert_eq!(division(440301), None);
    }

    #[test]
    fn removed_codes_are_absent() {
        // Laiwu was merged into Jinan in 2019; Nagqu Prefecture became a city in 2017-18.
        for code in [371200, 542400] {
            assert_eq!(division(code), None, "{code}");
            assert_eq!(lookup_u32(code), None, "{code}");
        }
        assert_eq!(lookup_u32(371202), None);
        assert_eq!(
            lookup_u32(370116).map(|r| r.display_name(Lang::Zh)),
            Some("山东省 济南市".to_owned())
        );
        assert_eq!(
            lookup_u32(540602).map(|r| r.display_name(Lang::En)),
            Some("Nagqu, Tibet".to_owned())
        );
    }

    #[test]
    fn provinces_and_prefectures_for_filters() {
        let provinces: Vec<u32> = provinces().map(|d| d.code).collect();
        assert_eq!(provinces.first(), Some(&110000));
        assert_eq!(provinces.last(), Some(&820000));
        assert!(provinces.windows(2).all(|w| w[0] < w[1]));
        for code in [710000, 810000, 820000] {
            assert!(provinces.contains(&code), "{code}");
            assert_eq!(prefectures_of(code).count(), 0, "{code}");
        }

        let guangdong: Vec<Division> = prefectures_of(440000).collect();
        assert_eq!(guangdong.len(), 21);
        assert!(guangdong.iter().all(|d| d.province_code() == 440000));
        assert!(guangdong.iter().all(|d| !d.is_province()));
        assert!(guangdong.iter().any(|d| d.zh == "深圳市"));
        assert!(guangdong.windows(2).all(|w| w[0].code < w[1].code));

        let chongqing: Vec<u32> = prefectures_of(500000).map(|d| d.code).collect();
        assert_eq!(chongqing, [500100, 500200]);
        assert_eq!(prefectures_of(370000).count(), 16);
        assert_eq!(prefectures_of(650000).count(), 15);

        // Only province-level codes list anything.
        assert_eq!(prefectures_of(440300).count(), 0);
        assert_eq!(prefectures_of(190000).count(), 0);
        assert_eq!(prefectures_of(u32::MAX).count(), 0);

        // Every province-level unit and prefecture-level unit is listed exactly once.
        let listed = provinces.len()
            + provinces
                .iter()
                .map(|&p| prefectures_of(p).count())
                .sum::<usize>();
        assert_eq!(listed, table().len());
    }
}
