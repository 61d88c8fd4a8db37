//! Venue categories, region codes and the public venue information a certificate holds.

use core::fmt;

use crate::codec::{Codec, Put, Reader};
use crate::error::{Error, Result};
use crate::time::{MAX_STAY_MINUTES, MAX_UTC_OFFSET, MIN_STAY_MINUTES, MIN_UTC_OFFSET};

/// A venue category on the wire. Unknown values decode and print, so a newer registry's
/// categories do not break older phones.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VenueCategory(pub u8);

macro_rules! categories {
    ($( $(#[$doc:meta])* $name:ident = $value:literal, $slug:literal, $zh:literal; )*) => {
        impl VenueCategory {
            $( $(#[$doc])* pub const $name: Self = Self($value); )*

            /// Every category the spec defines, in wire order.
            pub const ALL: &'static [VenueCategory] = &[$(Self::$name),*];

            /// The stable English slug (`restaurant`), or `None` for an unknown value.
            pub fn slug(self) -> Option<&'static str> {
                match self.0 { $($value => Some($slug),)* _ => None }
            }

            /// The Chinese name used by the original programme.
            pub fn chinese(self) -> Option<&'static str> {
                match self.0 { $($value => Some($zh),)* _ => None }
            }

            /// Looks a category up by its slug.
            pub fn from_slug(slug: &str) -> Option<Self> {
                match slug { $($slug => Some(Self::$name),)* _ => None }
            }
        }
    };
}

categories! {
    /// Hospitals and clinics.
    MEDICAL = 1, "medical", "医疗机构";
    /// Pharmacies.
    PHARMACY = 2, "pharmacy", "药店";
    /// Detention facilities.
    DETENTION = 3, "detention", "监所";
    /// Social-service institutions (care homes, welfare).
    SOCIAL_SERVICES = 4, "social-services", "社会福利机构";
    /// Schools.
    SCHOOL = 5, "school", "学校";
    /// Markets.
    MARKET = 6, "market", "农贸市场";
    /// Shopping malls.
    MALL = 7, "mall", "商场";
    /// Supermarkets.
    SUPERMARKET = 8, "supermarket", "超市";
    /// Restaurants.
    RESTAURANT = 9, "restaurant", "餐饮";
    /// Exhibition venues.
    EXHIBITION = 10, "exhibition", "会展";
    /// Tourist sites.
    TOURISM = 11, "tourism", "旅游景区";
    /// Culture and entertainment venues.
    CULTURE_ENTERTAINMENT = 12, "culture-entertainment", "文化娱乐场所";
    /// Bath houses.
    BATH = 13, "bath", "洗浴场所";
    /// Sports venues.
    SPORTS = 14, "sports", "体育场馆";
    /// Fitness centres.
    FITNESS = 15, "fitness", "健身场所";
    /// Hotels.
    HOTEL = 16, "hotel", "宾馆酒店";
    /// Stations and ports.
    STATION_PORT = 17, "station-port", "车站港口";
    /// Parks.
    PARK = 18, "park", "公园";
    /// Metro.
    METRO = 19, "metro", "地铁";
    /// Buses.
    BUS = 20, "bus", "公交";
    /// Commercial vehicles (taxis, coaches).
    COMMERCIAL_VEHICLE = 21, "commercial-vehicle", "营运车辆";
    /// Residential communities.
    RESIDENTIAL = 22, "residential", "居民小区";
    /// Anything else.
    OTHER = 23, "other", "其他";
}

impl fmt::Debug for VenueCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.slug() {
            Some(s) => write!(f, "VenueCategory({s})"),
            None => write!(f, "VenueCategory(unknown {})", self.0),
        }
    }
}

impl fmt::Display for VenueCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.slug() {
            Some(s) => f.write_str(s),
            None => write!(f, "unknown-{}", self.0),
        }
    }
}

/// A six-digit administrative division code (620105 is Anning District, Lanzhou).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct RegionCode(u32);

impl RegionCode {
    /// Accepts 110000 to 829999, the range of mainland, Hong Kong, Macao and Taiwan codes, with
    /// a province part of at least 11.
    pub fn new(code: u32) -> Result<Self> {
        if (110_000..=829_999).contains(&code) {
            Ok(Self(code))
        } else {
            Err(Error::ValueOutOfRange)
        }
    }

    /// The numeric code.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The province-level code (620000 for 620105).
    pub fn province(self) -> u32 {
        self.0 / 10_000 * 10_000
    }

    /// The city-level code (620100 for 620105).
    pub fn city(self) -> u32 {
        self.0 / 100 * 100
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// Longest venue name in UTF-8 bytes (40 CJK characters).
pub const MAX_NAME_BYTES: usize = 120;
/// Longest detailed address in UTF-8 bytes (66 CJK characters).
pub const MAX_ADDRESS_BYTES: usize = 200;

/// The public information a venue registers. Everything here is printed on the poster.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VenueInfo {
    name: String,
    address: String,
    region: RegionCode,
    category: VenueCategory,
    default_stay_minutes: u16,
    utc_offset: i8,
}

impl VenueInfo {
    /// Checks and builds venue information: non-empty name and address within their byte
    /// limits, with no control characters and no leading or trailing white space (Unicode
    /// white space included, such as U+3000 and U+00A0), a default stay within the spec's
    /// bounds, and a UTC offset in quarter hours within [`MIN_UTC_OFFSET`]..=[`MAX_UTC_OFFSET`]
    /// (−12:00 to +14:00; out of range is [`Error::ValueOutOfRange`]).
    pub fn new(
        name: &str,
        address: &str,
        region: RegionCode,
        category: VenueCategory,
        default_stay_minutes: u16,
        utc_offset: i8,
    ) -> Result<Self> {
        check_text(name, MAX_NAME_BYTES)?;
        check_text(address, MAX_ADDRESS_BYTES)?;
        if !(MIN_STAY_MINUTES..=MAX_STAY_MINUTES).contains(&default_stay_minutes) {
            return Err(Error::ValueOutOfRange);
        }
        if !(MIN_UTC_OFFSET..=MAX_UTC_OFFSET).contains(&utc_offset) {
            return Err(Error::ValueOutOfRange);
        }
        Ok(Self {
            name: name.to_owned(),
            address: address.to_owned(),
            region,
            category,
            default_stay_minutes,
            utc_offset,
        })
    }

    /// The venue's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The detailed address.
    pub fn address(&self) -> &str {
        &self.address
    }
    /// The administrative region.
    pub fn region(&self) -> RegionCode {
        self.region
    }
    /// The category.
    pub fn category(&self) -> VenueCategory {
        self.category
    }
    /// The default stay after which phones check out automatically.
    pub fn default_stay_minutes(&self) -> u16 {
        self.default_stay_minutes
    }
    /// The venue's UTC offset in quarter hours (+32 is UTC+08:00). A rotating code's seed
    /// changes at the venue's local midnight (see [`crate::time::local_epoch`]).
    pub fn utc_offset(&self) -> i8 {
        self.utc_offset
    }
}

fn check_text(s: &str, max: usize) -> Result<()> {
    if s.is_empty() || s.trim() != s {
        return Err(Error::NonCanonical);
    }
    if s.len() > max {
        return Err(Error::TooLarge);
    }
    if s.chars().any(char::is_control) {
        return Err(Error::NonCanonical);
    }
    Ok(())
}

impl Codec for VenueInfo {
    fn encode_into(&self, out: &mut Vec<u8>) {
        // Lengths were checked at construction, so these cannot fail.
        let _ = out.put_bytes_u8(self.name.as_bytes(), MAX_NAME_BYTES);
        let _ = out.put_bytes_u8(self.address.as_bytes(), MAX_ADDRESS_BYTES);
        out.put_u32(self.region.0);
        out.push(self.category.0);
        out.put_u16(self.default_stay_minutes);
        out.push(self.utc_offset.to_be_bytes()[0]);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let name = r.text_u8(MAX_NAME_BYTES)?;
        let address = r.text_u8(MAX_ADDRESS_BYTES)?;
        let region = RegionCode::new(r.u32()?)?;
        let category = VenueCategory(r.u8()?);
        let stay = r.u16()?;
        let offset = i8::from_be_bytes([r.u8()?]);
        Self::new(&name, &address, region, category, stay, offset)
    }
}
