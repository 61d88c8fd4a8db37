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
        Self::try_new(
            name,
            address,
            region,
            category,
            default_stay_minutes,
            utc_offset,
        )
        .map_err(|e| e.error())
    }

    /// [`Self::new`], with an error that names the field at fault and what is wrong with it,
    /// for messages to the person who typed it.
    pub fn try_new(
        name: &str,
        address: &str,
        region: RegionCode,
        category: VenueCategory,
        default_stay_minutes: u16,
        utc_offset: i8,
    ) -> core::result::Result<Self, FieldError> {
        check_text("name", name, MAX_NAME_BYTES)?;
        check_text("address", address, MAX_ADDRESS_BYTES)?;
        check_range(
            "default_stay_minutes",
            i64::from(default_stay_minutes),
            i64::from(MIN_STAY_MINUTES),
            i64::from(MAX_STAY_MINUTES),
            "minutes",
        )?;
        check_range(
            "utc_offset",
            i64::from(utc_offset),
            i64::from(MIN_UTC_OFFSET),
            i64::from(MAX_UTC_OFFSET),
            "quarter hours",
        )?;
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

/// What is wrong with a field of a wire type ([`VenueInfo`], [`Upload`](crate::Upload),
/// [`GuestBookEntry`](crate::GuestBookEntry), [`SealedMessage`](crate::SealedMessage), …).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum FieldProblem {
    /// Empty, with leading or trailing white space, or with a control character
    /// ([`Error::NonCanonical`]).
    NotText,
    /// Longer than its limit in UTF-8 bytes ([`Error::TooLarge`]).
    TooLong {
        /// The field's length in UTF-8 bytes.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A number outside its bounds ([`Error::ValueOutOfRange`]).
    OutOfRange {
        /// The value given.
        value: i64,
        /// The least allowed.
        min: i64,
        /// The most allowed.
        max: i64,
        /// Its unit, in words.
        unit: &'static str,
    },
    /// A list with more items than its limit ([`Error::TooLarge`]).
    TooMany {
        /// The number of items given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Not of the form the field requires, in words ([`Error::InvalidArgument`] with the same
    /// words).
    Malformed {
        /// What the field must be.
        expected: &'static str,
    },
    /// A list whose items are not strictly increasing ([`Error::NonCanonical`]).
    NotIncreasing,
    /// An empty list where at least one item is required ([`Error::NonCanonical`]).
    Empty,
    /// A time not after the field it must follow ([`Error::ValueOutOfRange`]).
    NotAfter {
        /// The field it must come after.
        earlier: &'static str,
    },
}

/// A [`VenueInfo`] field that failed its check: which one, and why.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FieldError {
    field: &'static str,
    problem: FieldProblem,
}

impl FieldError {
    pub(crate) fn new(field: &'static str, problem: FieldProblem) -> Self {
        Self { field, problem }
    }

    /// The field at fault, as the type's constructor calls it (`name`, `address`,
    /// `default_stay_minutes`, `utc_offset`, `tan`, `entries`, `departure`, `ciphertext`, …).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What is wrong with it.
    pub fn problem(&self) -> FieldProblem {
        self.problem
    }

    /// The protocol error a decoder reports for it.
    pub fn error(&self) -> Error {
        match self.problem {
            FieldProblem::NotText => Error::NonCanonical,
            FieldProblem::TooLong { .. } => Error::TooLarge,
            FieldProblem::OutOfRange { .. } | FieldProblem::NotAfter { .. } => {
                Error::ValueOutOfRange
            }
            FieldProblem::TooMany { .. } => Error::TooLarge,
            FieldProblem::Malformed { expected } => Error::InvalidArgument(expected),
            FieldProblem::NotIncreasing | FieldProblem::Empty => Error::NonCanonical,
        }
    }

    /// The message, with the field called `name` (a command line calls it by its flag).
    pub fn describe(&self, name: &str) -> String {
        match self.problem {
            FieldProblem::NotText => format!(
                "{name} must be non-empty text without leading or trailing spaces or control \
                 characters"
            ),
            FieldProblem::TooLong { bytes, max } => format!(
                "{name} is {bytes} bytes of UTF-8; at most {max} fit (about {} Chinese \
                 characters)",
                max / 3
            ),
            FieldProblem::OutOfRange {
                value,
                min,
                max,
                unit,
            } => format!("{name} must be between {min} and {max} {unit}, not {value}"),
            FieldProblem::TooMany { count, max } => {
                format!("{name} has {count} items; at most {max} fit")
            }
            FieldProblem::Malformed { expected } => format!("{name}: {expected}"),
            FieldProblem::NotIncreasing => format!("{name} must be strictly increasing"),
            FieldProblem::Empty => format!("{name} must not be empty"),
            FieldProblem::NotAfter { earlier } => format!("{name} must be after {earlier}"),
        }
    }
}

impl core::fmt::Display for FieldError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.describe(self.field))
    }
}

impl std::error::Error for FieldError {}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        e.error()
    }
}

fn check_text(field: &'static str, s: &str, max: usize) -> core::result::Result<(), FieldError> {
    let problem = if s.is_empty() || s.trim() != s {
        FieldProblem::NotText
    } else if s.len() > max {
        FieldProblem::TooLong {
            bytes: s.len(),
            max,
        }
    } else if s.chars().any(char::is_control) {
        FieldProblem::NotText
    } else {
        return Ok(());
    };
    Err(FieldError { field, problem })
}

fn check_range(
    field: &'static str,
    value: i64,
    min: i64,
    max: i64,
    unit: &'static str,
) -> core::result::Result<(), FieldError> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(FieldError {
        field,
        problem: FieldProblem::OutOfRange {
            value,
            min,
            max,
            unit,
        },
    })
}

impl Codec for VenueInfo {
    fn encode_into(&self, out: &mut Vec<u8>) {
        // Invariant: `try_new` bounds both by MAX_NAME_BYTES and MAX_ADDRESS_BYTES (< 256).
        out.put_prefixed_u8(self.name.as_bytes());
        out.put_prefixed_u8(self.address.as_bytes());
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

#[cfg(test)]
mod field_tests {
    use super::*;

    fn info(
        name: &str,
        address: &str,
        stay: u16,
        offset: i8,
    ) -> core::result::Result<VenueInfo, FieldError> {
        let region = RegionCode::new(620105).map_err(|_| FieldError {
            field: "region",
            problem: FieldProblem::NotText,
        })?;
        VenueInfo::try_new(
            name,
            address,
            region,
            VenueCategory::RESTAURANT,
            stay,
            offset,
        )
    }

    #[test]
    fn errors_name_the_field_at_fault() {
        assert!(info("面馆", "北滨河西路1号", 60, 32).is_ok());
        let e = info("面".repeat(41).as_str(), "北滨河西路1号", 60, 32).unwrap_err();
        assert_eq!(e.field(), "name");
        assert_eq!(e.error(), Error::TooLarge);
        assert_eq!(
            e.describe("--name"),
            "--name is 123 bytes of UTF-8; at most 120 fit (about 40 Chinese characters)"
        );
        let e = info("面馆", " 北滨河西路1号", 60, 32).unwrap_err();
        assert_eq!((e.field(), e.error()), ("address", Error::NonCanonical));
        let e = info("面馆", "北滨河西路1号", 5, 32).unwrap_err();
        assert_eq!(e.field(), "default_stay_minutes");
        assert_eq!(
            e.to_string(),
            "default_stay_minutes must be between 15 and 720 minutes, not 5"
        );
        let e = info("面馆", "北滨河西路1号", 60, 57).unwrap_err();
        assert_eq!(
            (e.field(), e.error()),
            ("utc_offset", Error::ValueOutOfRange)
        );
    }
}
