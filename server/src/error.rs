//! Errors: [`ApiError`] is what a client sees (JSON per API.md); [`ServerError`] is what stops
//! the server from starting or running.

use core::fmt;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use venuecode_protocol::api::{ErrorBody, ErrorCode};

use crate::storage::StorageError;

/// An error answer: status, stable code and a message without user data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status: the one [`ErrorCode::status`] gives for the code.
    pub status: StatusCode,
    /// Stable code, from the one list in `venuecode_protocol::api`.
    pub code: ErrorCode,
    /// Text for people; never user data.
    pub message: String,
}

impl ApiError {
    /// An error with a code and a message; the status is the code's.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `malformed`.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Malformed, message)
    }

    /// 400 `malformed` naming a protocol decoding error.
    pub fn protocol(what: &str, e: venuecode_protocol::Error) -> Self {
        Self::malformed(format!("{what}: {e}"))
    }

    /// 401 `signature_missing`.
    pub fn signature_missing() -> Self {
        Self::new(
            ErrorCode::SignatureMissing,
            "this route needs a Venuecode-Signature header",
        )
    }

    /// 401 `signature_invalid`.
    pub fn signature_invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::SignatureInvalid, message)
    }

    /// 404 `not_found`.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("no such {what}"))
    }

    /// 404 `counts_disabled`.
    pub fn counts_disabled() -> Self {
        Self::new(
            ErrorCode::CountsDisabled,
            "this server does not accept counts",
        )
    }

    /// 413 `too_large`.
    pub fn too_large() -> Self {
        Self::new(
            ErrorCode::TooLarge,
            "request body is over this route's limit",
        )
    }

    /// 500 `internal`: the details go to the log, not to the client.
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error; see the server log")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            message: self.message,
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::not_found("item"),
            StorageError::Revoked => {
                Self::new(ErrorCode::Revoked, "the venue certificate is revoked")
            }
            StorageError::DuplicateBatch => Self::new(
                ErrorCode::Duplicate,
                "an exposure batch with this batch id was posted before",
            ),
            StorageError::ChainMismatch => Self::new(
                ErrorCode::ChainMismatch,
                "does not extend or match the stored batch chain",
            ),
            StorageError::StaleCheckpoint => Self::new(
                ErrorCode::StaleCheckpoint,
                "the checkpoint is older than the stored one",
            ),
            StorageError::TanUnknown => {
                Self::new(ErrorCode::TanUnknown, "the TAN is not registered")
            }
            StorageError::TanUsed => Self::new(ErrorCode::TanUsed, "the TAN was already used"),
            StorageError::TanExpired => Self::new(ErrorCode::TanExpired, "the TAN has expired"),
            StorageError::TanCancelled => Self::new(
                ErrorCode::TanCancelled,
                "the health authority cancelled this TAN",
            ),
            StorageError::VenueKeyRegistered => Self::new(
                ErrorCode::VenueKeyRegistered,
                "this venue key has a certificate already; change its details with an update, \
                 or register with a new key",
            ),
            StorageError::VenueKeyDisabled => Self::new(
                ErrorCode::VenueDisabled,
                "the registration authority disabled this venue key; it cannot register again",
            ),
            StorageError::DuplicateVenue => Self::new(
                ErrorCode::DuplicateVenue,
                "an active venue has the same name, address and region",
            ),
            StorageError::ReviewDecided => Self::new(
                ErrorCode::AlreadyReviewed,
                "this registration was approved or refused already",
            ),
            StorageError::Backend(e) => {
                tracing::error!(error = %e, "storage failure");
                Self::internal()
            }
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// The configuration or a key file is wrong.
    Config(String),
    /// The database could not be opened.
    Storage(StorageError),
    /// Binding or serving failed.
    Io(std::io::Error),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(e) => write!(f, "configuration: {e}"),
            Self::Storage(e) => write!(f, "storage: {e}"),
            Self::Io(e) => write!(f, "network: {e}"),
        }
    }
}

impl std::error::Error for ServerError {}

impl From<StorageError> for ServerError {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}

impl From<std::io::Error> for ServerError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}
