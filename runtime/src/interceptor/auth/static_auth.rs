//! Credentials that are never refreshed: a personal access token, an API key (in a header or
//! in the query), or a user name and password sent with HTTP Basic.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use http::header::{AUTHORIZATION, HeaderName, HeaderValue};

use super::scheme::{AuthScheme, KeyLocation};
use crate::BoxFuture;
use crate::error::{Error, Result};
use crate::interceptor::{Interceptor, Next};
use crate::redact::Redactor;
use crate::request::Request;
use crate::response::RawResponse;

/// Sends one fixed credential with every request for the client's own origin, and never
/// refreshes it.
///
/// - The credential goes only to the base URL's origin: not with `#[no_auth]` endpoints, not
///   with a `#[url]` link or a URL given to [`Client::send`](crate::Client::send) that names
///   another origin, and it is taken off again if an interceptor after this one sends the
///   request elsewhere. A redirect to another origin drops it too.
/// - A 401 is the call's [`Error::Unauthorized`] at once: the request is sent once, never
///   replayed (there is nothing to refresh).
/// - [`rotate`](Self::rotate) replaces the secret while the client runs (key rotation); every
///   clone of this value shares it, so keep one to rotate through. Calls already sent keep
///   the old one.
/// - The header or query parameter it uses is secret to the client that has it: `Debug`,
///   `Display`, the [`LogInterceptor`](crate::log::LogInterceptor) and the cache never show or
///   store its value, even under a name the built-in rules would not hide (`appid`,
///   `X-Custom`). A cache partitions its entries by the credential, so two keys never share
///   responses.
///
/// # Examples
///
/// ```
/// use ferrofit::auth::StaticAuth;
///
/// let auth = StaticAuth::api_key_header("X-Api-Key", "key-1");
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com")
///     .interceptor(auth.clone())
///     .build()?;
/// // Later, when the key is rotated:
/// auth.rotate("key-2");
/// assert!(!format!("{auth:?}").contains("key-2"));
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[derive(Clone)]
pub struct StaticAuth {
    shared: Arc<Shared>,
}

struct Shared {
    placement: Placement,
    current: RwLock<Arc<Prepared>>,
}

/// Where the credential goes.
#[derive(Clone, Debug)]
enum Placement {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic base64(user:password)`.
    Basic { user: String },
    /// `<name>: <key>`.
    Header(HeaderName),
    /// `?<name>=<key>`.
    Query(String),
    /// A header name that is not one: every call fails with this message.
    Invalid(&'static str),
}

/// The secret, ready to go out.
struct Prepared {
    /// What partitions a cache: the placement and the secret.
    material: Vec<u8>,
    value: std::result::Result<Value, &'static str>,
}

enum Value {
    Header(HeaderName, HeaderValue),
    Query(String, String),
}

impl StaticAuth {
    /// `Authorization: Bearer <token>`: a personal access token, a service token.
    ///
    /// # Examples
    ///
    /// ```
    /// let auth = ferrofit::auth::StaticAuth::bearer("ghp_example");
    /// # let _ = auth;
    /// ```
    pub fn bearer(token: impl Into<String>) -> Self {
        Self::new(Placement::Bearer, token.into())
    }

    /// An API key in header `name` (`X-Api-Key`, `Api-Key`, …).
    ///
    /// A name that is not a valid header name makes every call fail with
    /// [`Error::InvalidRequest`] before anything is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let auth = ferrofit::auth::StaticAuth::api_key_header("X-Api-Key", "k-123");
    /// # let _ = auth;
    /// ```
    pub fn api_key_header(name: &str, key: impl Into<String>) -> Self {
        let placement = match HeaderName::try_from(name) {
            Ok(name) => Placement::Header(name),
            Err(_) => Placement::Invalid("the API key's header name is not a valid header name"),
        };
        Self::new(placement, key.into())
    }

    /// An API key in query parameter `name` (`?appid=…`, `?api_key=…`), added to each request.
    ///
    /// Prefer a header where the API takes one: a URL travels further than a header (server
    /// access logs, proxies).
    ///
    /// # Examples
    ///
    /// ```
    /// let auth = ferrofit::auth::StaticAuth::api_key_query("appid", "k-123");
    /// # let _ = auth;
    /// ```
    pub fn api_key_query(name: &str, key: impl Into<String>) -> Self {
        let placement = if name.is_empty() {
            Placement::Invalid("the API key's query parameter name is empty")
        } else {
            Placement::Query(name.to_owned())
        };
        Self::new(placement, key.into())
    }

    /// HTTP Basic (RFC 7617): `Authorization: Basic base64(user:password)`, in UTF-8.
    ///
    /// A user name with a `:` cannot be sent (the server would split it there): every call
    /// fails with [`Error::InvalidRequest`] before anything is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let auth = ferrofit::auth::StaticAuth::basic("alice", "s3cret");
    /// auth.rotate("n3w-s3cret"); // a new password, same user
    /// ```
    pub fn basic(user: impl Into<String>, password: impl Into<String>) -> Self {
        let user = user.into();
        let placement = if user.contains(':') {
            Placement::Invalid("a Basic user name cannot contain ':'")
        } else {
            Placement::Basic { user }
        };
        Self::new(placement, password.into())
    }

    fn new(placement: Placement, secret: String) -> Self {
        let prepared = Arc::new(prepare(&placement, &secret));
        Self {
            shared: Arc::new(Shared {
                placement,
                current: RwLock::new(prepared),
            }),
        }
    }

    /// Replaces the secret — the token, the key, or the password (the user stays) — for every
    /// call from now on, in every clone of this value.
    ///
    /// # Examples
    ///
    /// ```
    /// let auth = ferrofit::auth::StaticAuth::bearer("old");
    /// auth.rotate("new");
    /// ```
    pub fn rotate(&self, secret: impl Into<String>) {
        let prepared = Arc::new(prepare(&self.shared.placement, &secret.into()));
        *self
            .shared
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = prepared;
    }

    fn current(&self) -> Arc<Prepared> {
        self.shared
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The bytes a cache partitions by: they name the credential, and are only ever hashed.
    pub(crate) fn partition_material(&self) -> Vec<u8> {
        self.current().material.clone()
    }

    /// The header this adds to `request` when it applies, as a cache in front of it must
    /// predict.
    pub(crate) fn predicted_header(&self, request: &Request) -> Option<(HeaderName, HeaderValue)> {
        if !super::applies_to(request) {
            return None;
        }
        match &self.current().value {
            Ok(Value::Header(name, value)) => Some((name.clone(), value.clone())),
            _ => None,
        }
    }

    /// How this credential travels, for the OpenAPI export; `None` for an invalid one.
    pub(crate) fn scheme(&self) -> Option<AuthScheme> {
        Some(match &self.shared.placement {
            Placement::Bearer => AuthScheme::Bearer,
            Placement::Basic { .. } => AuthScheme::Basic,
            Placement::Header(name) => AuthScheme::ApiKey {
                location: KeyLocation::Header,
                name: name.as_str().to_owned(),
            },
            Placement::Query(name) => AuthScheme::ApiKey {
                location: KeyLocation::Query,
                name: name.clone(),
            },
            Placement::Invalid(_) => return None,
        })
    }

    /// The client's redaction policy with this credential's header or query name added. A
    /// header's name is a secret key too: a server that echoes request headers in a JSON body
    /// (httpbin's `/headers`) names the key there.
    pub(crate) fn secret_names(&self, redactor: Redactor) -> Redactor {
        match &self.shared.placement {
            Placement::Header(name) => redactor.header(name.as_str()).query_param(name.as_str()),
            Placement::Query(name) => redactor.query_param(name.as_str()),
            Placement::Bearer | Placement::Basic { .. } | Placement::Invalid(_) => redactor,
        }
    }

    async fn handle(&self, mut request: Request, next: Next<'_>) -> Result<RawResponse> {
        if !super::applies_to(&request) {
            return next.run(request).await;
        }
        if let Placement::Invalid(message) = &self.shared.placement {
            return Err(Error::invalid_request(*message));
        }
        let prepared = self.current();
        match &prepared.value {
            Err(message) => return Err(Error::invalid_request(*message)),
            Ok(Value::Header(name, value)) => {
                request.headers_mut().insert(name.clone(), value.clone());
                if name == AUTHORIZATION {
                    request.own_credentials.bearer = true;
                } else {
                    request.own_credentials.header = Some(name.clone());
                }
            }
            Ok(Value::Query(name, key)) => {
                request.url_mut().query_pairs_mut().append_pair(name, key);
                request.own_credentials.query = Some(name.as_str().into());
            }
        }
        // Sent once: a 401 goes back to the caller as `Unauthorized`.
        next.run(request).await
    }
}

fn prepare(placement: &Placement, secret: &str) -> Prepared {
    let header = |name: HeaderName, text: String, what: &'static str| {
        let mut value = HeaderValue::try_from(text).map_err(|_| what)?;
        // Keeps HTTP/2 header compression from indexing the secret.
        value.set_sensitive(true);
        Ok(Value::Header(name, value))
    };
    let value = match placement {
        Placement::Bearer => header(
            AUTHORIZATION,
            format!("Bearer {secret}"),
            "the token contains characters a header cannot hold",
        ),
        Placement::Basic { user } => {
            let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
            header(
                AUTHORIZATION,
                format!("Basic {pair}"),
                "the Basic credentials cannot be encoded",
            )
        }
        Placement::Header(name) => header(
            name.clone(),
            secret.to_owned(),
            "the API key contains characters a header cannot hold",
        ),
        Placement::Query(name) => Ok(Value::Query(name.clone(), secret.to_owned())),
        Placement::Invalid(message) => Err(*message),
    };
    let mut material = format!("{placement:?}").into_bytes();
    material.push(0);
    material.extend_from_slice(secret.as_bytes());
    Prepared { material, value }
}

impl Interceptor for StaticAuth {
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(self.handle(request, next))
    }
}

impl fmt::Debug for StaticAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.shared.placement {
            Placement::Bearer => "bearer".to_owned(),
            Placement::Basic { .. } => "basic".to_owned(),
            Placement::Header(name) => format!("header {name}"),
            Placement::Query(name) => format!("query {name}"),
            Placement::Invalid(message) => format!("invalid: {message}"),
        };
        f.debug_struct("StaticAuth")
            .field("credential", &kind)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(auth: &StaticAuth) -> (HeaderName, String) {
        let request = Request::new(http::Method::GET, "https://api.test/a".parse().unwrap());
        let (name, value) = auth.predicted_header(&request).unwrap();
        (name, value.to_str().unwrap().to_owned())
    }

    #[test]
    fn each_kind_goes_where_it_belongs() {
        assert_eq!(
            header_of(&StaticAuth::bearer("t-1")),
            (AUTHORIZATION, "Bearer t-1".to_owned())
        );
        // RFC 7617's own example.
        assert_eq!(
            header_of(&StaticAuth::basic("Aladdin", "open sesame")),
            (
                AUTHORIZATION,
                "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_owned()
            )
        );
        let (name, value) = header_of(&StaticAuth::api_key_header("X-Api-Key", "k"));
        assert_eq!((name.as_str(), value.as_str()), ("x-api-key", "k"));
    }

    #[test]
    fn rotation_reaches_every_clone_and_changes_the_partition() {
        let auth = StaticAuth::bearer("one");
        let clone = auth.clone();
        let before = clone.partition_material();
        auth.rotate("two");
        assert_eq!(header_of(&clone).1, "Bearer two");
        assert_ne!(before, clone.partition_material());
    }

    #[test]
    fn secrets_stay_out_of_debug_and_bad_input_is_an_error_not_a_panic() {
        let auth = StaticAuth::basic("alice", "pw-hidden");
        assert!(!format!("{auth:?}").contains("pw-hidden"));
        for bad in [
            StaticAuth::api_key_header("bad name", "k"),
            StaticAuth::basic("a:b", "pw"),
            StaticAuth::bearer("line\nbreak"),
            StaticAuth::api_key_query("", "k"),
        ] {
            let prepared = bad.current();
            assert!(
                matches!(bad.shared.placement, Placement::Invalid(_)) || prepared.value.is_err(),
                "{bad:?}"
            );
        }
    }
}
