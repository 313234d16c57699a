//! What the auth tests share: the account API they call, a call counter for refreshers and
//! hooks, and the errors a token endpoint answers with.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferrofit::auth::{AuthInterceptor, Tokens};
use ferrofit::http::{HeaderMap, StatusCode};
use ferrofit::testing::MockTransport;
use ferrofit::{CancelToken, Error, ErrorResponse, rest_api};

/// The signed-in user's account: `/me` needs a token; `/login` is `#[no_auth]`.
#[rest_api]
pub trait Account {
    #[get("/me")]
    async fn me(&self) -> ferrofit::Result<serde_json::Value>;

    #[get("/slow")]
    async fn slow(&self) -> ferrofit::Result<serde_json::Value>;

    #[get("/me")]
    async fn me_cancellable(
        &self,
        #[cancel] cancel: &CancelToken,
    ) -> ferrofit::Result<serde_json::Value>;

    #[post("/login")]
    #[no_auth]
    async fn login(&self) -> ferrofit::Result<()>;
}

/// The account API on `mock`, behind `auth`.
pub fn account_client(mock: &MockTransport, auth: AuthInterceptor) -> AccountClient {
    AccountClient::new(super::mock_client(mock, auth))
}

/// Counts calls of a refresher or a hook; clones share the count.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    /// The calls so far.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Counts one call; returns the count before it.
    pub fn bump(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst)
    }

    /// A hook that counts how often it is called.
    pub fn hook(&self) -> impl Fn() + Send + Sync + 'static {
        let this = self.clone();
        move || {
            this.bump();
        }
    }
}

/// The error a token endpoint's `code` reply with `body` becomes.
pub fn token_endpoint_error(code: u16, body: &'static str) -> Error {
    Error::from_response(ErrorResponse::new(
        StatusCode::from_u16(code).expect("a status code"),
        HeaderMap::new(),
        "http://auth.test/token".parse().expect("a URL"),
        body.into(),
    ))
}

/// The token endpoint refuses the refresh token (OAuth's `invalid_grant`): the session ends.
pub fn refused() -> ferrofit::Result<Tokens> {
    Err(token_endpoint_error(400, r#"{"error":"invalid_grant"}"#))
}
