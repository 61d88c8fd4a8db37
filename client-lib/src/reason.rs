//! Why a client operation refused its input or the server's answer: typed, so that an app can
//! word it in its language. [`Reason::code`] is stable; the [`fmt::Display`] text is English.

use core::fmt;

/// The reason an [`crate::Error::EditOutOfBounds`], [`crate::Error::InvalidServerUrl`],
/// [`crate::Error::BadResponse`] or [`crate::Error::InvalidArgument`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    // ---- an edit out of bounds ----
    /// The departure must be after the arrival.
    DepartureBeforeArrival,
    /// Arrival is in the future.
    ArrivalInFuture,
    /// Arrival too long before the scan.
    ArrivalTooEarly,
    /// Stay longer than the longest stay.
    StayTooLong,
    // ---- an unusable server URL ----
    /// The server URL does not parse as a URL.
    UrlUnparsable,
    /// The server URL has no host.
    UrlWithoutHost,
    /// The server URL holds a user name or password.
    UrlWithUserInfo,
    /// The server URL has a query or fragment.
    UrlWithQuery,
    /// The server URL's scheme is not `https://` (nor `http://` to this machine).
    UrlScheme,
    // ---- an answer off the API contract ----
    /// Too many revocation pages.
    TooManyRevocationPages,
    /// A revocation page without progress.
    RevocationPageWithoutProgress,
    /// The answer to a venue registration does not parse.
    RegistrationResponse,
    /// The answer to a deactivation does not parse.
    RevokeResponse,
    /// Body exceeds its size limit.
    BodyTooLarge,
    /// JSON does not match the API.
    JsonMismatch,
    // ---- an invalid argument ----
    /// The diary is too large to store.
    DiaryTooLarge,
    /// Too many entries.
    TooManyEntries,
    /// Too many exposures.
    TooManyExposures,
    /// Too many revocations.
    TooManyRevocations,
    /// Too many count pings.
    TooManyCountPings,
    /// A phone number is neither a mainland mobile number nor `+` and a country code.
    PhoneShape,
    /// An open entry needs its guest.
    OpenEntryNeedsGuest,
    /// The name is too long.
    NameTooLong,
    /// The phone number is too long.
    PhoneTooLong,
    /// Nothing to change: give an arrival, departure, name or phone.
    NothingToChange,
    /// The window is empty.
    WindowEmpty,
    /// More than 10,000 guests in the window; disclose it as shorter windows.
    TooManyGuests,
    /// Venue key does not match the certificate.
    VenueKeyMismatch,
    /// No day to release.
    NoDayToRelease,
    /// Count tags can be registered only from 14 days ago to tomorrow.
    CountTagDays,
    /// No day to register.
    NoDayToRegister,
    /// A TAN is 10 to 64 printable ASCII characters.
    TanShape,
    /// The length of stay is 15 to 720 minutes.
    StayLength,
    /// The infectious window is empty.
    InfectiousWindowEmpty,
    /// A selected entry is not in the infectious window.
    EntryOutsideWindow,
}

impl Reason {
    /// Every reason, in the order of the variants.
    pub const ALL: &'static [Reason] = &[
        Self::DepartureBeforeArrival,
        Self::ArrivalInFuture,
        Self::ArrivalTooEarly,
        Self::StayTooLong,
        Self::UrlUnparsable,
        Self::UrlWithoutHost,
        Self::UrlWithUserInfo,
        Self::UrlWithQuery,
        Self::UrlScheme,
        Self::TooManyRevocationPages,
        Self::RevocationPageWithoutProgress,
        Self::RegistrationResponse,
        Self::RevokeResponse,
        Self::BodyTooLarge,
        Self::JsonMismatch,
        Self::DiaryTooLarge,
        Self::TooManyEntries,
        Self::TooManyExposures,
        Self::TooManyRevocations,
        Self::TooManyCountPings,
        Self::PhoneShape,
        Self::OpenEntryNeedsGuest,
        Self::NameTooLong,
        Self::PhoneTooLong,
        Self::NothingToChange,
        Self::WindowEmpty,
        Self::TooManyGuests,
        Self::VenueKeyMismatch,
        Self::NoDayToRelease,
        Self::CountTagDays,
        Self::NoDayToRegister,
        Self::TanShape,
        Self::StayLength,
        Self::InfectiousWindowEmpty,
        Self::EntryOutsideWindow,
    ];

    /// A stable snake_case code, for an app to translate and a script to test.
    pub fn code(self) -> &'static str {
        match self {
            Self::DepartureBeforeArrival => "departure_before_arrival",
            Self::ArrivalInFuture => "arrival_in_future",
            Self::ArrivalTooEarly => "arrival_too_early",
            Self::StayTooLong => "stay_too_long",
            Self::UrlUnparsable => "url_unparsable",
            Self::UrlWithoutHost => "url_without_host",
            Self::UrlWithUserInfo => "url_with_user_info",
            Self::UrlWithQuery => "url_with_query",
            Self::UrlScheme => "url_scheme",
            Self::TooManyRevocationPages => "too_many_revocation_pages",
            Self::RevocationPageWithoutProgress => "revocation_page_without_progress",
            Self::RegistrationResponse => "registration_response",
            Self::RevokeResponse => "revoke_response",
            Self::BodyTooLarge => "body_too_large",
            Self::JsonMismatch => "json_mismatch",
            Self::DiaryTooLarge => "diary_too_large",
            Self::TooManyEntries => "too_many_entries",
            Self::TooManyExposures => "too_many_exposures",
            Self::TooManyRevocations => "too_many_revocations",
            Self::TooManyCountPings => "too_many_count_pings",
            Self::PhoneShape => "phone_shape",
            Self::OpenEntryNeedsGuest => "open_entry_needs_guest",
            Self::NameTooLong => "name_too_long",
            Self::PhoneTooLong => "phone_too_long",
            Self::NothingToChange => "nothing_to_change",
            Self::WindowEmpty => "window_empty",
            Self::TooManyGuests => "too_many_guests",
            Self::VenueKeyMismatch => "venue_key_mismatch",
            Self::NoDayToRelease => "no_day_to_release",
            Self::CountTagDays => "count_tag_days",
            Self::NoDayToRegister => "no_day_to_register",
            Self::TanShape => "tan_shape",
            Self::StayLength => "stay_length",
            Self::InfectiousWindowEmpty => "infectious_window_empty",
            Self::EntryOutsideWindow => "entry_outside_window",
        }
    }

    /// The English text, as [`fmt::Display`] writes it.
    pub fn text(self) -> &'static str {
        match self {
            Self::DepartureBeforeArrival => "the departure must be after the arrival",
            Self::ArrivalInFuture => "arrival is in the future",
            Self::ArrivalTooEarly => "arrival too long before the scan",
            Self::StayTooLong => "stay longer than the longest stay",
            Self::UrlUnparsable => "it does not parse as a URL like https://venuecode.example",
            Self::UrlWithoutHost => "it has no host; write it like https://venuecode.example",
            Self::UrlWithUserInfo => "it holds a user name or password, which the API never uses; remove them",
            Self::UrlWithQuery => "it has a query or fragment; give only scheme, host, port and path",
            Self::UrlScheme => "its scheme is not https:// (or http:// to this machine)",
            Self::TooManyRevocationPages => "too many revocation pages",
            Self::RevocationPageWithoutProgress => "a revocation page without progress",
            Self::RegistrationResponse => "registration response",
            Self::RevokeResponse => "revoke response",
            Self::BodyTooLarge => "body exceeds its size limit",
            Self::JsonMismatch => "JSON does not match the API",
            Self::DiaryTooLarge => "the diary is too large to store",
            Self::TooManyEntries => "too many entries",
            Self::TooManyExposures => "too many exposures",
            Self::TooManyRevocations => "too many revocations",
            Self::TooManyCountPings => "too many count pings",
            Self::PhoneShape => "a phone number is a mainland mobile number (11 digits, 13… to 19…) or an international one starting with + and the country code",
            Self::OpenEntryNeedsGuest => "an open entry needs its guest",
            Self::NameTooLong => "the name is too long",
            Self::PhoneTooLong => "the phone number is too long",
            Self::NothingToChange => "nothing to change: give an arrival, departure, name or phone",
            Self::WindowEmpty => "the window is empty",
            Self::TooManyGuests => "more than 10,000 guests in the window; disclose it as shorter windows",
            Self::VenueKeyMismatch => "venue key does not match the certificate",
            Self::NoDayToRelease => "no day to release",
            Self::CountTagDays => "count tags can be registered only from 14 days ago to tomorrow",
            Self::NoDayToRegister => "no day to register",
            Self::TanShape => "a TAN is 10 to 64 printable ASCII characters",
            Self::StayLength => "the length of stay is 15 to 720 minutes",
            Self::InfectiousWindowEmpty => "the infectious window is empty",
            Self::EntryOutsideWindow => "a selected entry is not in the infectious window",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case() {
        let mut codes: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
        assert!(codes
            .iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Reason::ALL.len());
    }
}
