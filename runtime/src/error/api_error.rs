//! An error whose body is the API's own error type, decoded for the caller.

use std::fmt;

use http::StatusCode;
use serde::de::DeserializeOwned;

use super::{Error, ErrorResponse};

/// The error of an endpoint that declares its error body: `Result<T, ApiError<E>>`.
///
/// When the server answers a status that is not a success with a JSON body that decodes as
/// `E`, the call fails with [`ApiError::Api`], holding the decoded body next to the status and
/// the whole [`Error`] ferrofit would have returned (headers, raw body, URL, parsed
/// [`Error::Validation`] fields). Everything else — no response at all (network, timeout,
/// cancelled), or a body that is not an `E` (an HTML page from a proxy) — is
/// [`ApiError::Other`]. Nothing is lost either way: [`error`](Self::error) is always there.
///
/// The OpenAPI export describes `E` as the endpoint's error response, and the contract check
/// compares it with the error responses a document declares.
///
/// # Examples
///
/// ```
/// use ferrofit::{ApiError, rest_api};
/// use ferrofit::http::StatusCode;
///
/// #[derive(Debug, serde::Deserialize)]
/// struct GitHubError {
///     message: String,
///     documentation_url: Option<String>,
/// }
///
/// #[derive(serde::Deserialize)]
/// struct Repo {
///     full_name: String,
/// }
///
/// #[rest_api]
/// trait GitHub {
///     #[get("/repos/<owner>/<repo>")]
///     async fn repo(&self, owner: &str, repo: &str) -> Result<Repo, ApiError<GitHubError>>;
/// }
///
/// async fn show(api: &GitHubClient) {
///     match api.repo("rust-lang", "rust").await {
///         Ok(repo) => println!("{}", repo.full_name),
///         Err(ApiError::Api { status: StatusCode::NOT_FOUND, .. }) => println!("no such repo"),
///         Err(ApiError::Api { body, .. }) => println!("GitHub says: {}", body.message),
///         Err(ApiError::Other(error)) => println!("could not ask GitHub: {error}"),
///     }
/// }
/// # let _ = show;
/// ```
#[derive(Debug)]
pub enum ApiError<E> {
    /// The server answered `status` with a body that decoded as `E`.
    Api {
        /// The status the server answered.
        status: StatusCode,
        /// The decoded error body.
        body: E,
        /// The error ferrofit would have returned: `Unauthorized`, `Validation` or `Status`,
        /// with the response's headers and raw body.
        error: Error,
    },
    /// No response came, or its body was not an `E`.
    Other(Error),
}

impl<E> ApiError<E> {
    /// The HTTP status, when the server answered.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = ferrofit::ApiError::<()>::Other(ferrofit::Error::cancelled("user"));
    /// assert_eq!(error.status(), None);
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::Other(error) => error.status(),
        }
    }

    /// The decoded error body, if the server sent one.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = ferrofit::ApiError::<String>::Other(ferrofit::Error::cancelled("user"));
    /// assert!(error.body().is_none());
    /// ```
    pub fn body(&self) -> Option<&E> {
        match self {
            Self::Api { body, .. } => Some(body),
            Self::Other(_) => None,
        }
    }

    /// The error ferrofit would have returned without a declared body type.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = ferrofit::ApiError::<()>::Other(ferrofit::Error::cancelled("user"));
    /// assert!(error.error().is_cancelled());
    /// ```
    pub fn error(&self) -> &Error {
        match self {
            Self::Api { error, .. } | Self::Other(error) => error,
        }
    }

    /// The error without the decoded body.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = ferrofit::ApiError::<()>::Other(ferrofit::Error::cancelled("user"));
    /// assert!(error.into_error().is_cancelled());
    /// ```
    pub fn into_error(self) -> Error {
        match self {
            Self::Api { error, .. } | Self::Other(error) => error,
        }
    }

    /// The response, when the server answered: headers, raw body, URL.
    pub fn response(&self) -> Option<&ErrorResponse> {
        self.error().response()
    }

    /// Whether trying again may succeed; see [`Error::is_retryable`].
    pub fn is_retryable(&self) -> bool {
        self.error().is_retryable()
    }
}

/// Decodes the body of an error response as `E`; what is not an `E` stays [`ApiError::Other`].
impl<E: DeserializeOwned> From<Error> for ApiError<E> {
    fn from(error: Error) -> Self {
        let Some(response) = error.response() else {
            return Self::Other(error);
        };
        match serde_json::from_slice::<E>(response.body()) {
            Ok(body) => Self::Api {
                status: response.status(),
                body,
                error,
            },
            Err(_) => Self::Other(error),
        }
    }
}

impl<E> From<ApiError<E>> for Error {
    fn from(error: ApiError<E>) -> Self {
        error.into_error()
    }
}

impl<E> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error().fmt(f)
    }
}

impl<E: fmt::Debug> std::error::Error for ApiError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Body {
        message: String,
    }

    fn answered(status: u16, body: &'static str) -> Error {
        Error::from_response(ErrorResponse::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            "https://api.test/x".parse().unwrap(),
            body.into(),
        ))
    }

    #[test]
    fn a_body_of_the_declared_type_is_decoded_and_the_error_kept() {
        let outer =
            ApiError::<Body>::from(answered(422, r#"{"message":"no","errors":{"a":["b"]}}"#));
        let ApiError::Api {
            status,
            body,
            error,
        } = &outer
        else {
            panic!("expected Api, got {outer:?}");
        };
        assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body.message, "no");
        assert!(matches!(error, Error::Validation { fields, .. } if fields["a"] == ["b"]));
        let shown = error.to_string();
        assert_eq!(outer.to_string(), shown, "Display is the kept error's");
    }

    #[test]
    fn no_response_or_another_body_is_other() {
        let html = ApiError::<Body>::from(answered(502, "<html>bad gateway</html>"));
        assert!(matches!(&html, ApiError::Other(Error::Status { .. })));
        assert_eq!(html.status(), Some(StatusCode::BAD_GATEWAY));
        assert!(html.is_retryable());
        let cancelled = ApiError::<Body>::from(Error::cancelled("user"));
        assert!(matches!(
            cancelled,
            ApiError::Other(Error::Cancelled { .. })
        ));
    }

    #[test]
    fn api_error_is_send_sync_and_an_error() {
        fn assert_impls<T: Send + Sync + 'static + std::error::Error>() {}
        assert_impls::<ApiError<Body>>();
    }
}
