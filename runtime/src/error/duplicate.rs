//! Copies of an error for the several waiters on one failed operation.

use super::Error;

impl Error {
    /// A copy for each of several waiters on one failed operation (a shared token refresh).
    /// Network errors keep their kind and message; their source becomes text.
    pub(crate) fn duplicate(&self) -> Self {
        match self {
            Self::Network {
                kind,
                source,
                attempts,
            } => Self::Network {
                kind: *kind,
                source: source.to_string().into(),
                attempts: *attempts,
            },
            Self::Timeout { phase, attempts } => Self::Timeout {
                phase: *phase,
                attempts: *attempts,
            },
            Self::Cancelled { reason } => Self::cancelled(reason.clone()),
            Self::Unauthorized { response } => Self::Unauthorized {
                response: response.clone(),
            },
            Self::Validation { fields, response } => Self::Validation {
                fields: fields.clone(),
                response: response.clone(),
            },
            Self::Status { response } => Self::Status {
                response: response.clone(),
            },
            Self::Decode {
                path,
                message,
                snippet,
            } => Self::Decode {
                path: path.clone(),
                message: message.clone(),
                snippet: snippet.clone(),
            },
            Self::InvalidRequest { message } => Self::invalid_request(message.clone()),
            Self::ResponseTooLarge { limit } => Self::ResponseTooLarge { limit: *limit },
            Self::File {
                path,
                kind,
                message,
            } => Self::File {
                path: path.clone(),
                kind: *kind,
                message: message.clone(),
            },
            Self::CacheMiss { message } => Self::CacheMiss {
                message: message.clone(),
            },
            Self::Tls { kind, message } => Self::Tls {
                kind: *kind,
                message: message.clone(),
            },
            Self::Config { message } => Self::config(message.clone()),
            Self::Paging { message } => Self::Paging {
                message: message.clone(),
            },
            Self::RateLimited {
                retry_after,
                reset_at,
            } => Self::RateLimited {
                retry_after: *retry_after,
                reset_at: *reset_at,
            },
        }
    }
}
