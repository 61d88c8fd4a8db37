//! The one error type of the client library.
//!
//! No variant carries user data: messages name what failed, never a venue name, seed, TAN, time
//! or diary content, so an error can be logged or shown as it is.

use core::fmt;

pub use venuecode_protocol::api::ErrorCode;
pub use venuecode_protocol::Error as ProtocolError;

pub use crate::reason::Reason;

/// Every way a client operation can fail.
///
/// The scan errors are distinct so that the app can tell the user what is wrong with a code:
/// a forged poster is not the same as an expired one.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    // ---- scanning a code ----
    /// The scanned text is not a venue code: not a code URL, not canonical digits, or bytes that
    /// do not decode.
    MalformedCode(ProtocolError),
    /// The certificate names a registration authority this app does not trust.
    UnknownAuthority,
    /// The certificate's registration-authority signature does not verify: a forged poster.
    ForgedCertificate,
    /// The venue's signature over the seed does not verify: a forged code or a swapped seed.
    BadVenueSignature,
    /// The venue certificate is not valid yet.
    NotYetValid,
    /// The venue certificate has expired.
    Expired,
    /// A rotating code was displayed too long ago (a photograph of the screen); scan again.
    StaleCode,
    /// A rotating code's signed validity is inconsistent (too far ahead, or the wrong day).
    InvalidCodeValidity,
    /// The venue's certificate is on the cached revocation list: the code was deactivated.
    Revoked,
    /// The venue updated its information and got a new certificate: this code is from an old
    /// poster. The venue's current poster works.
    Superseded,

    // ---- the diary ----
    /// The diary key does not open this diary. Nothing was read or changed.
    WrongKey,
    /// The diary failed to open under the right key: the file was tampered with or damaged.
    Corrupt,
    /// The embedded database reported an error.
    Storage(Box<dyn std::error::Error + Send + Sync>),
    /// The file holds a diary in the retired layout of one sealed row per record, which this
    /// version no longer reads.
    UnsupportedDiaryLayout,
    /// No diary entry with that id.
    EntryNotFound,
    /// No exposure with that id.
    ExposureNotFound,
    /// The entry is not an open check-in (already checked out).
    NotCheckedIn,
    /// An edit lies outside the allowed bounds; the reason names which.
    EditOutOfBounds(Reason),
    /// No guest-book entry with that id.
    GuestNotFound(u64),
    /// The guest-book entry was already checked out.
    GuestCheckedOut(u64),
    /// The guest-book entry is checked out, so the device no longer keeps its name and phone:
    /// re-sealing it to the health authority needs both typed again.
    GuestIdentityNotKept(u64),

    // ---- the server ----
    /// The server URL cannot be used: it does not parse, has no host, carries a user name or
    /// password, or its scheme is neither `https` nor `http`. The reason says which.
    InvalidServerUrl(Reason),
    /// The server URL is plain `http://` to another machine: everything, TANs included, would
    /// cross the network unencrypted and unauthenticated. Use `https://`; insecure HTTP must be
    /// allowed explicitly (for drills). Holds the URL.
    InsecureServerUrl(String),
    /// The private CA certificates to trust could not be read or used: it names the file and
    /// what is wrong.
    TrustedCa(CaError),
    /// The server could not be reached, its TLS certificate was refused, or the connection
    /// broke mid-transfer. It names the server and the cause ([`NetworkError::kind`]), once:
    /// [`std::error::Error::source`] gives nothing more, so that printing an error with its
    /// causes does not repeat the I/O error.
    Network(NetworkError),
    /// The server's answer does not follow the API contract; the reason says how.
    BadResponse(Reason),
    /// The TAN was already used; each TAN works once.
    TanUsed,
    /// The TAN has expired; ask the health authority for a new one.
    TanExpired,
    /// The server does not know this TAN.
    TanUnknown,
    /// The TAN as typed cannot be right: its check character does not match, or a character
    /// is missing, extra or not one a TAN uses. Caught before any request.
    TanTypo,
    /// Any other error answer from the server, by HTTP status and API error code. The code
    /// is one of the documented list ([`ErrorCode`], whose [`ErrorCode::hint`] says what to do),
    /// for an app to translate; [`ErrorCode::Unknown`] holds a code this version does not know,
    /// or is empty when the answer had no error body (a proxy's page).
    Server {
        /// The HTTP status.
        status: u16,
        /// The API error code.
        code: ErrorCode,
        /// The server's message: names what failed, never user data.
        message: String,
    },

    /// A certificate the server issued for a registration or an update is refused: it does not
    /// decode or verify under the trust anchors, certifies another key or other information
    /// than was asked, or keeps the old serial. The problem says which.
    CertificateRefused(CertificateProblem),

    // ---- sharing ----
    /// No upload is waiting to be retried.
    NoPendingUpload,
    /// Nothing was selected to share.
    NothingSelected,

    // ---- everything else ----
    /// Any other protocol failure (a batch or list signature, a decoding error, a seal).
    Protocol(ProtocolError),
    /// An argument given by the caller is invalid; the reason names which.
    InvalidArgument(Reason),
}

impl Error {
    /// Maps a protocol error met while verifying a scanned code to its scan error.
    pub(crate) fn from_scan(e: ProtocolError) -> Self {
        use ProtocolError as P;
        match e {
            P::UnknownKeyId => Self::UnknownAuthority,
            P::CertificateSignatureInvalid => Self::ForgedCertificate,
            P::VenueSignatureInvalid => Self::BadVenueSignature,
            P::CertificateNotYetValid => Self::NotYetValid,
            P::CertificateExpired => Self::Expired,
            P::CodeStale => Self::StaleCode,
            P::CodeValidityInvalid => Self::InvalidCodeValidity,
            P::Revoked => Self::Revoked,
            P::Superseded => Self::Superseded,
            P::RandomnessUnavailable | P::InvalidArgument(_) => Self::Protocol(e),
            other => Self::MalformedCode(other),
        }
    }

    #[cfg(feature = "native")]
    pub(crate) fn storage(e: impl Into<redb::Error>) -> Self {
        Self::Storage(Box::new(e.into()))
    }

    /// Every code [`Error::code`] gives for a failure the server did not answer with an API
    /// error code, in the order of the variants (listed in crates/cli/ERRORS.md).
    pub const CODES: &'static [&'static str] = &[
        "malformed_code",
        "unknown_authority",
        "forged_certificate",
        "bad_venue_signature",
        "not_yet_valid",
        "expired",
        "stale_code",
        "invalid_code_validity",
        "revoked",
        "superseded",
        "wrong_key",
        "corrupt",
        "storage",
        "unsupported_diary_layout",
        "entry_not_found",
        "exposure_not_found",
        "not_checked_in",
        "edit_out_of_bounds",
        "guest_not_found",
        "guest_checked_out",
        "guest_identity_not_kept",
        "invalid_server_url",
        "insecure_server_url",
        "trusted_ca",
        "network",
        "bad_response",
        "tan_used",
        "tan_expired",
        "tan_unknown",
        "tan_typo",
        "server_error",
        "certificate_refused",
        "no_pending_upload",
        "nothing_selected",
        "protocol",
        "invalid_argument",
    ];

    /// A stable snake_case code for this failure, for an app to translate and a script to
    /// test: the server's API error code ([`ErrorCode::as_str`]) for [`Error::Server`], or
    /// `server_error` when the answer had none; one of [`Error::CODES`] otherwise.
    pub fn code(&self) -> &str {
        match self {
            Self::MalformedCode(_) => "malformed_code",
            Self::UnknownAuthority => "unknown_authority",
            Self::ForgedCertificate => "forged_certificate",
            Self::BadVenueSignature => "bad_venue_signature",
            Self::NotYetValid => "not_yet_valid",
            Self::Expired => "expired",
            Self::StaleCode => "stale_code",
            Self::InvalidCodeValidity => "invalid_code_validity",
            Self::Revoked => "revoked",
            Self::Superseded => "superseded",
            Self::WrongKey => "wrong_key",
            Self::Corrupt => "corrupt",
            Self::Storage(_) => "storage",
            Self::UnsupportedDiaryLayout => "unsupported_diary_layout",
            Self::EntryNotFound => "entry_not_found",
            Self::ExposureNotFound => "exposure_not_found",
            Self::NotCheckedIn => "not_checked_in",
            Self::EditOutOfBounds(_) => "edit_out_of_bounds",
            Self::GuestNotFound(_) => "guest_not_found",
            Self::GuestCheckedOut(_) => "guest_checked_out",
            Self::GuestIdentityNotKept(_) => "guest_identity_not_kept",
            Self::InvalidServerUrl(_) => "invalid_server_url",
            Self::InsecureServerUrl(_) => "insecure_server_url",
            Self::TrustedCa(_) => "trusted_ca",
            Self::Network(_) => "network",
            Self::BadResponse(_) => "bad_response",
            Self::TanUsed => "tan_used",
            Self::TanExpired => "tan_expired",
            Self::TanUnknown => "tan_unknown",
            Self::TanTypo => "tan_typo",
            Self::Server { code, .. } if !code.as_str().is_empty() => code.as_str(),
            Self::Server { .. } => "server_error",
            Self::CertificateRefused(_) => "certificate_refused",
            Self::NoPendingUpload => "no_pending_upload",
            Self::NothingSelected => "nothing_selected",
            Self::Protocol(_) => "protocol",
            Self::InvalidArgument(_) => "invalid_argument",
        }
    }

    /// The tone the app should play for this failure: always [`crate::Tone::Failure`].
    pub fn tone(&self) -> crate::Tone {
        crate::Tone::Failure
    }

    /// The code of the typed reason under this failure, for an app to say more than
    /// [`Error::code`] does: [`Reason::code`] for an edit, URL, answer or argument refused,
    /// [`ProtocolError::code`] for a malformed code or a protocol failure,
    /// [`NetworkKind::code`] for a network failure, [`IoKind::code`] for a storage failure
    /// with an I/O error under it, [`CertificateProblem::code`] for a refused certificate and
    /// [`CaProblem::code`] for unusable CA certificates; `None` for the others.
    pub fn reason_code(&self) -> Option<&'static str> {
        match self {
            Self::EditOutOfBounds(r)
            | Self::InvalidServerUrl(r)
            | Self::BadResponse(r)
            | Self::InvalidArgument(r) => Some(r.code()),
            Self::MalformedCode(p) | Self::Protocol(p) => Some(p.code()),
            Self::Network(n) => Some(n.kind().code()),
            Self::Storage(_) => self.storage_kind().map(IoKind::code),
            Self::CertificateRefused(c) => Some(c.code()),
            Self::TrustedCa(ca) => Some(ca.problem().code()),
            _ => None,
        }
    }

    /// The kind of the I/O error under a [`Error::Storage`] failure, when there is one.
    pub fn storage_kind(&self) -> Option<IoKind> {
        let Self::Storage(e) = self else {
            return None;
        };
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e.as_ref());
        while let Some(c) = cause {
            if let Some(io) = c.downcast_ref::<std::io::Error>() {
                return Some(IoKind::of(io.kind()));
            }
            cause = c.source();
        }
        None
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedCode(e) => write!(f, "not a valid venue code ({e})"),
            Self::UnknownAuthority => f.write_str("venue code issued by an unknown authority"),
            Self::ForgedCertificate => f.write_str("venue certificate is forged"),
            Self::BadVenueSignature => {
                f.write_str("venue code signature is invalid (forged code or swapped seed)")
            }
            Self::NotYetValid => f.write_str("venue code is not valid yet"),
            Self::Expired => f.write_str("venue code has expired"),
            Self::StaleCode => f.write_str(
                "rotating code has expired; scan the screen again (if the screen's code is \
                 fresh, this phone's clock is wrong: set its date and time automatically)",
            ),
            Self::InvalidCodeValidity => f.write_str(
                "rotating code validity is inconsistent (the code is signed for another time \
                 than this phone's clock; check that its date and time are set automatically)",
            ),
            Self::Revoked => f.write_str("venue code has been deactivated"),
            Self::Superseded => f.write_str(
                "this poster was replaced by the venue when it updated its information; scan its current poster",
            ),
            Self::WrongKey => f.write_str("the diary key does not open this diary"),
            Self::Corrupt => f.write_str("the diary is damaged or was tampered with"),
            Self::Storage(e) => write!(f, "diary storage error: {e}"),
            Self::UnsupportedDiaryLayout => f.write_str(
                "the diary file uses a retired layout that this version does not read",
            ),
            Self::EntryNotFound => f.write_str("no such diary entry"),
            Self::ExposureNotFound => f.write_str("no such exposure"),
            Self::NotCheckedIn => f.write_str("not checked in"),
            Self::EditOutOfBounds(what) => write!(f, "edit out of bounds: {what}"),
            Self::GuestNotFound(id) => write!(f, "no guest {id} in the guest book"),
            Self::GuestCheckedOut(id) => write!(f, "guest {id} is already checked out"),
            Self::GuestIdentityNotKept(id) => write!(
                f,
                "guest {id} is checked out and the device no longer keeps the name and phone: \
                 give both the name and the phone again"
            ),
            Self::InvalidServerUrl(why) => write!(f, "unusable server URL: {why}"),
            Self::InsecureServerUrl(url) => write!(
                f,
                "refusing plain HTTP to {url}: it is not this machine, so the connection would be \
                 unencrypted and unauthenticated; use https://, or explicitly allow insecure HTTP \
                 for a drill"
            ),
            Self::TrustedCa(why) => write!(f, "cannot use the trusted CA certificates: {why}"),
            Self::Network(e) => write!(f, "network error: {e}"),
            Self::BadResponse(what) => write!(f, "unexpected server response: {what}"),
            Self::TanUsed => f.write_str("this TAN was already used"),
            Self::TanExpired => f.write_str("this TAN has expired"),
            Self::TanUnknown => f.write_str(
                "this TAN is not known to the server; check it for a typo, or it may have been \
                 cancelled (it was not used, and nothing was stored)",
            ),
            Self::TanTypo => f.write_str(
                "this TAN has a typo: compare it with the one the health authority gave (16 characters like 7K2M-9XR4-TPLW-3NBQ)",
            ),
            Self::Server {
                status,
                code,
                message,
            } => {
                if code.as_str().is_empty() {
                    return write!(f, "server error {status} without an error code");
                }
                write!(f, "server error {status} {code}")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                write!(f, "; {}", code.hint())
            }
            Self::NoPendingUpload => f.write_str("no upload is waiting to be sent"),
            Self::NothingSelected => f.write_str("no entry was selected to share"),
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            Self::CertificateRefused(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::MalformedCode(e) | Self::Protocol(e) => Some(e),
            Self::Storage(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Self::Protocol(e)
    }
}

#[cfg(feature = "native")]
macro_rules! from_redb {
    ($($t:ty),*) => {
        $(impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Self::storage(e)
            }
        })*
    };
}

#[cfg(feature = "native")]
from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Shorthand for results of this crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Why a certificate the server issued is refused ([`Error::CertificateRefused`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// It does not decode.
    Undecodable(ProtocolError),
    /// Its signature does not verify under the trust anchors.
    Unverified(ProtocolError),
    /// It certifies another key or other information than was asked.
    OtherThanAsked,
    /// An update kept the old certificate's serial.
    SameSerial,
}

impl CertificateProblem {
    /// Every code [`CertificateProblem::code`] gives.
    pub const CODES: &'static [&'static str] = &[
        "undecodable",
        "unverified",
        "other_than_asked",
        "same_serial",
    ];

    /// A stable snake_case code (the protocol error under an undecodable or unverified
    /// certificate is not part of it; [`CertificateProblem::protocol`] gives it).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Undecodable(_) => "undecodable",
            Self::Unverified(_) => "unverified",
            Self::OtherThanAsked => "other_than_asked",
            Self::SameSerial => "same_serial",
        }
    }

    /// The protocol error under an undecodable or unverified certificate.
    pub fn protocol(&self) -> Option<ProtocolError> {
        match self {
            Self::Undecodable(e) | Self::Unverified(e) => Some(*e),
            Self::OtherThanAsked | Self::SameSerial => None,
        }
    }
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Undecodable(e) => write!(f, "certificate: {e}"),
            Self::Unverified(e) => {
                write!(f, "the certificate from the server does not verify: {e}")
            }
            Self::OtherThanAsked => {
                f.write_str("the server certified something other than what was asked")
            }
            Self::SameSerial => {
                f.write_str("the server answered the update with the same certificate serial")
            }
        }
    }
}

/// What is wrong with the private CA certificates to trust ([`CaError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaProblem {
    /// The file cannot be read.
    Unreadable(IoKind),
    /// It is not PEM.
    NotPem,
    /// It holds no certificate.
    NoCertificate,
    /// A certificate in it cannot serve as a CA.
    Unusable,
}

impl CaProblem {
    /// Every code [`CaProblem::code`] gives besides the [`IoKind`] codes of an unreadable file.
    pub const CODES: &'static [&'static str] = &["not_pem", "no_certificate", "unusable"];

    /// A stable snake_case code: an unreadable file gives its [`IoKind`]'s code
    /// (`not_found`, `permission_denied`, …), the rest one of [`CaProblem::CODES`].
    pub fn code(self) -> &'static str {
        match self {
            Self::Unreadable(kind) => kind.code(),
            Self::NotPem => "not_pem",
            Self::NoCertificate => "no_certificate",
            Self::Unusable => "unusable",
        }
    }
}

/// The private CA certificates to trust could not be read or used ([`Error::TrustedCa`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaError {
    file: String,
    problem: CaProblem,
    text: String,
}

impl CaError {
    /// `problem` with `file` (a path, or a name for PEM given as text); `text` says it in
    /// English, naming the file.
    pub fn new(file: impl Into<String>, problem: CaProblem, text: impl Into<String>) -> Self {
        CaError {
            file: file.into(),
            problem,
            text: text.into(),
        }
    }

    /// The file, or the name of the PEM given.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// What is wrong.
    pub fn problem(&self) -> CaProblem {
        self.problem
    }
}

impl fmt::Display for CaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What kind of I/O failure a file or storage error is, for an app to word it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IoKind {
    /// The file or directory does not exist.
    NotFound,
    /// The operating system refused access.
    PermissionDenied,
    /// The file already exists.
    AlreadyExists,
    /// The disk or quota is full.
    StorageFull,
    /// Any other failure.
    Other,
}

impl IoKind {
    /// Every kind.
    pub const ALL: &'static [IoKind] = &[
        Self::NotFound,
        Self::PermissionDenied,
        Self::AlreadyExists,
        Self::StorageFull,
        Self::Other,
    ];

    /// The kind of an [`std::io::ErrorKind`].
    pub fn of(kind: std::io::ErrorKind) -> Self {
        use std::io::ErrorKind as K;
        match kind {
            K::NotFound => Self::NotFound,
            K::PermissionDenied | K::ReadOnlyFilesystem => Self::PermissionDenied,
            K::AlreadyExists => Self::AlreadyExists,
            K::StorageFull | K::QuotaExceeded | K::FileTooLarge => Self::StorageFull,
            _ => Self::Other,
        }
    }

    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::PermissionDenied => "permission_denied",
            Self::AlreadyExists => "already_exists",
            Self::StorageFull => "storage_full",
            Self::Other => "other",
        }
    }
}

/// Why the server could not be reached or the exchange broke off, for an app to word it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NetworkKind {
    /// Nothing accepts connections at the server's address and port.
    Refused,
    /// The server did not answer in time.
    TimedOut,
    /// The server's host name does not resolve.
    NameNotResolved,
    /// The server's TLS certificate is not trusted (not issued by a trusted CA, expired,
    /// for another name).
    CertificateRefused,
    /// The TLS handshake or session failed otherwise.
    Tls,
    /// The connection was reset or broke off mid-transfer.
    Broken,
    /// Any other failure.
    Other,
}

impl NetworkKind {
    /// Every kind.
    pub const ALL: &'static [NetworkKind] = &[
        Self::Refused,
        Self::TimedOut,
        Self::NameNotResolved,
        Self::CertificateRefused,
        Self::Tls,
        Self::Broken,
        Self::Other,
    ];

    /// The kind of an I/O error met while talking to the server.
    pub fn of_io(e: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused => Self::Refused,
            K::TimedOut | K::WouldBlock => Self::TimedOut,
            K::ConnectionReset
            | K::ConnectionAborted
            | K::BrokenPipe
            | K::UnexpectedEof
            | K::NotConnected => Self::Broken,
            K::HostUnreachable | K::NetworkUnreachable | K::NetworkDown => Self::Refused,
            // The standard library's resolver says so only in its text.
            _ if e.to_string().starts_with("failed to lookup address") => Self::NameNotResolved,
            _ => Self::Other,
        }
    }

    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::TimedOut => "timed_out",
            Self::NameNotResolved => "name_not_resolved",
            Self::CertificateRefused => "certificate_refused",
            Self::Tls => "tls",
            Self::Broken => "broken",
            Self::Other => "other",
        }
    }
}

/// A failure to reach the server or to finish an exchange with it ([`Error::Network`]): the
/// server, the kind of failure, and the transport's own text.
#[derive(Debug)]
pub struct NetworkError {
    server: Option<String>,
    kind: NetworkKind,
    cause: Box<dyn std::error::Error + Send + Sync>,
}

impl NetworkError {
    /// A failure of `kind` talking to `server`; `cause` is the transport's text, shown as it
    /// is (it names the server when it is known).
    pub fn new(
        server: Option<String>,
        kind: NetworkKind,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        NetworkError {
            server,
            kind,
            cause: cause.into(),
        }
    }

    /// An I/O error met while talking to a server, of the kind its [`std::io::ErrorKind`]
    /// says; the server is known when a transport named it (a response body that broke off).
    pub fn from_io(e: std::io::Error) -> Self {
        let kind = NetworkKind::of_io(&e);
        let server = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ServerNamed>())
            .map(|n| n.server.clone());
        Self::new(server, kind, e)
    }

    /// The server's base URL, when known.
    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> NetworkKind {
        self.kind
    }
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

/// The whole story is in the text, so there is no source to repeat it.
impl std::error::Error for NetworkError {}

/// The text of an I/O error that names the server it was met with (`server: cause`): the
/// inner error of an [`std::io::Error`] a transport returns, so [`NetworkError::from_io`] can
/// keep the server.
#[derive(Debug)]
pub struct ServerNamed {
    /// The server's base URL.
    pub server: String,
    /// The cause's text.
    pub text: String,
}

impl fmt::Display for ServerNamed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.server, self.text)
    }
}

impl std::error::Error for ServerNamed {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_listed_code_and_every_listed_code_a_variant() {
        let p = || ProtocolError::InvalidArgument("x");
        let all = [
            Error::MalformedCode(p()),
            Error::UnknownAuthority,
            Error::ForgedCertificate,
            Error::BadVenueSignature,
            Error::NotYetValid,
            Error::Expired,
            Error::StaleCode,
            Error::InvalidCodeValidity,
            Error::Revoked,
            Error::Superseded,
            Error::WrongKey,
            Error::Corrupt,
            Error::Storage("x".into()),
            Error::UnsupportedDiaryLayout,
            Error::EntryNotFound,
            Error::ExposureNotFound,
            Error::NotCheckedIn,
            Error::EditOutOfBounds(Reason::ArrivalInFuture),
            Error::GuestNotFound(1),
            Error::GuestCheckedOut(1),
            Error::GuestIdentityNotKept(1),
            Error::InvalidServerUrl(Reason::UrlScheme),
            Error::InsecureServerUrl("x".into()),
            Error::TrustedCa(CaError::new("f", CaProblem::NotPem, "x")),
            Error::Network(NetworkError::new(None, NetworkKind::Other, "x")),
            Error::BadResponse(Reason::JsonMismatch),
            Error::TanUsed,
            Error::TanExpired,
            Error::TanUnknown,
            Error::TanTypo,
            Error::Server {
                status: 502,
                code: ErrorCode::Unknown(String::new()),
                message: String::new(),
            },
            Error::CertificateRefused(CertificateProblem::SameSerial),
            Error::NoPendingUpload,
            Error::NothingSelected,
            Error::Protocol(p()),
            Error::InvalidArgument(Reason::TanShape),
        ];
        let codes: Vec<&str> = all.iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
        let server = Error::Server {
            status: 409,
            code: ErrorCode::parse("revoked"),
            message: String::new(),
        };
        assert_eq!(server.code(), "revoked");
    }

    #[test]
    fn kinds_have_distinct_codes() {
        let io: Vec<&str> = IoKind::ALL.iter().map(|k| k.code()).collect();
        let net: Vec<&str> = NetworkKind::ALL.iter().map(|k| k.code()).collect();
        for codes in [io, net] {
            let mut sorted = codes.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), codes.len(), "{codes:?}");
        }
    }

    #[test]
    fn io_failures_are_classified_by_their_kind() {
        use std::io::{Error as Io, ErrorKind as K};
        let storage = Error::Storage(Box::new(Io::from(K::PermissionDenied)));
        assert_eq!(storage.storage_kind(), Some(IoKind::PermissionDenied));
        assert_eq!(Error::Storage("x".into()).storage_kind(), None);
        assert_eq!(IoKind::of(K::StorageFull), IoKind::StorageFull);
        assert_eq!(IoKind::of(K::InvalidData), IoKind::Other);

        let named = Io::new(
            K::ConnectionReset,
            ServerNamed {
                server: "https://s.example".into(),
                text: "reset".into(),
            },
        );
        let n = NetworkError::from_io(named);
        assert_eq!(n.kind(), NetworkKind::Broken);
        assert_eq!(n.server(), Some("https://s.example"));
        // The text is the transport's, as before.
        assert_eq!(n.to_string(), "https://s.example: reset");
        let refused = NetworkError::from_io(Io::from(K::ConnectionRefused));
        assert_eq!(
            (refused.kind(), refused.server()),
            (NetworkKind::Refused, None)
        );
        let dns = Io::other("failed to lookup address information: Name or service not known");
        assert_eq!(NetworkKind::of_io(&dns), NetworkKind::NameNotResolved);
        assert_eq!(Error::Network(refused).reason_code(), Some("refused"));
        assert_eq!(storage.reason_code(), Some("permission_denied"));
        let edit = Error::EditOutOfBounds(Reason::StayTooLong);
        assert_eq!(edit.reason_code(), Some("stay_too_long"));
        let code = Error::MalformedCode(ProtocolError::Truncated);
        assert_eq!(code.reason_code(), Some("truncated"));
        assert_eq!(Error::TanUsed.reason_code(), None);
    }

    #[test]
    fn certificate_and_ca_problems_have_their_codes() {
        let p = ProtocolError::CertificateSignatureInvalid;
        let all = [
            CertificateProblem::Undecodable(ProtocolError::Truncated),
            CertificateProblem::Unverified(p),
            CertificateProblem::OtherThanAsked,
            CertificateProblem::SameSerial,
        ];
        let codes: Vec<&str> = all.iter().map(CertificateProblem::code).collect();
        assert_eq!(codes, CertificateProblem::CODES);
        assert_eq!(all[0].protocol(), Some(ProtocolError::Truncated));
        assert_eq!(all[1].protocol(), Some(p));
        assert_eq!(all[3].protocol(), None);
        let refused = Error::CertificateRefused(CertificateProblem::Unverified(p));
        assert_eq!(refused.reason_code(), Some("unverified"));

        let ca = [
            CaProblem::NotPem,
            CaProblem::NoCertificate,
            CaProblem::Unusable,
        ];
        let codes: Vec<&str> = ca.iter().map(|c| c.code()).collect();
        assert_eq!(codes, CaProblem::CODES);
        let unreadable = CaProblem::Unreadable(IoKind::NotFound);
        let e = Error::TrustedCa(CaError::new("ca.pem", unreadable, "ca.pem: not found"));
        assert_eq!(e.reason_code(), Some("not_found"));
        let e = Error::TrustedCa(CaError::new("ca.pem", CaProblem::NotPem, "x"));
        assert_eq!(e.reason_code(), Some("not_pem"));
    }
}
