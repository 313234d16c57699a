//! Bearer authentication with single-flight token refresh.
//!
//! [`AuthInterceptor`] adds `Authorization: Bearer <access token>` to every request (except
//! endpoints marked `#[no_auth]`). When the server answers 401 it refreshes the tokens **once
//! for all calls that failed together** and sends each of them again, once:
//!
//! - N calls failing together cause one [`Refresher`] call; each is then replayed with the new
//!   token.
//! - A 401 for a request that carried a token older than the current one (a refresh finished
//!   meanwhile) is replayed with the current token, without a new refresh.
//! - A request is replayed at most once: a second 401 is returned as
//!   `Error::Unauthorized`, so a server that rejects every token
//!   cannot make a loop.
//! - A refused refresh clears the [`TokenStore`], calls the `on_session_expired` hook once, and
//!   fails every waiting call with `Unauthorized`. A refresh that fails for a transient reason
//!   (network, timeout, 5xx) fails the waiting calls with that error and keeps the tokens.
//! - The refresh runs for whichever waiting call is still interested: cancelling the call that
//!   started it does not leave the others hanging.
//!
//! With [`refresh_before_expiry`](AuthInterceptor::refresh_before_expiry), tokens whose expiry
//! is known are refreshed (single-flight as well) shortly before they run out.

mod tokens;

pub use tokens::{MemoryTokenStore, Refresher, TokenStore, Tokens};

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::Shared;
use http::header::{AUTHORIZATION, HeaderValue};
use http::{HeaderMap, StatusCode};

use crate::BoxFuture;
use crate::error::{Error, ErrorResponse, Result};
use crate::interceptor::{Interceptor, Next};
use crate::request::Request;
use crate::response::RawResponse;

/// Adds bearer tokens to requests and refreshes them on 401; see the [module docs](self).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
///
/// let store = Arc::new(MemoryTokenStore::with_tokens(Tokens::new("a").with_refresh("r")));
/// let refresher = |tokens: Tokens| async move {
///     // Call the token endpoint with a client that has no AuthInterceptor.
///     Ok(Tokens::new("new-access").with_refresh(tokens.refresh_token().unwrap_or_default()))
/// };
/// let auth = AuthInterceptor::new(store.clone(), refresher)
///     .on_session_expired(|| eprintln!("signed out: please sign in again"));
/// let client = ferrofit::Client::builder()
///     .base_url("https://api.example.com")
///     .interceptor(auth)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), ferrofit::Error>(())
/// ```
#[derive(Clone)]
pub struct AuthInterceptor {
    inner: Arc<Inner>,
}

struct Inner {
    store: Box<dyn TokenStore>,
    refresher: Box<dyn Refresher>,
    /// The refresh in progress, shared by every call waiting for it.
    flight: Mutex<Option<Flight>>,
    on_session_expired: Option<Box<dyn Fn() + Send + Sync>>,
    refresh_before_expiry: Option<Duration>,
}

type Flight = Shared<BoxFuture<'static, Outcome>>;

#[derive(Clone)]
enum Outcome {
    Refreshed(Arc<tokens::Tokens>),
    /// The refresh was refused, or there was nothing to refresh: the session is over.
    Expired,
    /// The refresh could not be done right now; the tokens are kept.
    Failed(Arc<Error>),
}

impl AuthInterceptor {
    /// An interceptor that reads tokens from `store` and renews them with `refresher`.
    pub fn new(store: impl TokenStore, refresher: impl Refresher) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: Box::new(store),
                refresher: Box::new(refresher),
                flight: Mutex::new(None),
                on_session_expired: None,
                refresh_before_expiry: None,
            }),
        }
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::get_mut(&mut self.inner).expect("AuthInterceptor is configured before it is cloned")
    }

    /// Called once each time the session ends: a refresh was refused, or there was no token
    /// to refresh. The store has been cleared by then.
    ///
    /// # Panics
    ///
    /// If called on a clone of an interceptor (configure it before cloning).
    #[must_use]
    pub fn on_session_expired(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.inner_mut().on_session_expired = Some(Box::new(hook));
        self
    }

    /// Refreshes tokens whose expiry is known when they expire within `margin`, before
    /// sending, instead of waiting for a 401.
    ///
    /// # Panics
    ///
    /// If called on a clone of an interceptor (configure it before cloning).
    #[must_use]
    pub fn refresh_before_expiry(mut self, margin: Duration) -> Self {
        self.inner_mut().refresh_before_expiry = Some(margin);
        self
    }
}

impl Inner {
    /// Joins the refresh in progress or starts one. `stale` is the access token the caller
    /// found wanting: if the store already holds another, that one is the answer.
    async fn refresh(self: &Arc<Self>, stale: Option<&str>) -> Outcome {
        let flight = {
            let mut slot = self.flight.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(current) = self.store.get()
                && Some(current.access_token()) != stale
            {
                return Outcome::Refreshed(current);
            }
            slot.get_or_insert_with(|| {
                let inner = self.clone();
                let run: BoxFuture<'static, Outcome> =
                    Box::pin(async move { inner.run_refresh().await });
                run.shared()
            })
            .clone()
        };
        flight.await
    }

    async fn run_refresh(self: Arc<Self>) -> Outcome {
        let outcome = match self.store.get() {
            None => Outcome::Expired,
            Some(current) => match self.refresher.refresh(&current).await {
                Ok(fresh) => {
                    self.store.set(fresh);
                    self.store
                        .get()
                        .map_or(Outcome::Expired, Outcome::Refreshed)
                }
                Err(error) if is_transient(&error) => Outcome::Failed(Arc::new(error)),
                Err(_) => Outcome::Expired,
            },
        };
        if matches!(outcome, Outcome::Expired) {
            self.store.clear();
            if let Some(hook) = &self.on_session_expired {
                hook();
            }
        }
        // Later 401s (with the new token) may need a refresh of their own.
        *self.flight.lock().unwrap_or_else(PoisonError::into_inner) = None;
        outcome
    }

    async fn handle(self: &Arc<Self>, mut request: Request, next: Next<'_>) -> Result<RawResponse> {
        if request.endpoint().is_some_and(|e| e.skips_auth()) {
            return next.run(request).await;
        }
        let mut tokens = self.store.get();
        if let (Some(current), Some(margin)) = (&tokens, self.refresh_before_expiry)
            && current.expires_within(margin)
        {
            match self.refresh(Some(current.access_token())).await {
                Outcome::Refreshed(fresh) => tokens = Some(fresh),
                Outcome::Expired => return Err(session_expired(&request)),
                // The old token may still be good for a while: try it.
                Outcome::Failed(_) => {}
            }
        }
        if let Some(current) = &tokens {
            set_bearer(&mut request, current)?;
        }
        let response = next.run(request.clone()).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let sent = tokens.as_ref().map(|t| t.access_token());
        let fresh = match self.refresh(sent).await {
            Outcome::Refreshed(fresh) => fresh,
            Outcome::Expired => return Ok(response),
            Outcome::Failed(error) => return Err(error.duplicate()),
        };
        set_bearer(&mut request, &fresh)?;
        // Replayed once; a second 401 goes back to the caller as `Unauthorized`.
        next.run(request).await
    }
}

impl Interceptor for AuthInterceptor {
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(self.inner.handle(request, next))
    }
}

fn set_bearer(request: &mut Request, tokens: &tokens::Tokens) -> Result<()> {
    let mut value =
        HeaderValue::try_from(format!("Bearer {}", tokens.access_token())).map_err(|_| {
            Error::invalid_request("the access token contains characters a header cannot hold")
        })?;
    // Keeps HTTP/2 header compression from indexing the token.
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
    Ok(())
}

/// Failures that say nothing about the refresh token itself.
fn is_transient(error: &Error) -> bool {
    match error {
        Error::Network { .. } | Error::Timeout { .. } | Error::Cancelled { .. } => true,
        other => other.is_retryable(),
    }
}

/// `Unauthorized` for a call that never reached the server because the session had ended.
fn session_expired(request: &Request) -> Error {
    Error::from_response(ErrorResponse::new(
        StatusCode::UNAUTHORIZED,
        HeaderMap::new(),
        request.url().clone(),
        Bytes::from_static(b"session expired: the token refresh was refused"),
    ))
}

impl fmt::Debug for AuthInterceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthInterceptor")
            .field("refresh_before_expiry", &self.inner.refresh_before_expiry)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::NetworkKind;

    #[test]
    fn transient_failures_keep_the_session() {
        assert!(is_transient(&Error::timeout(crate::TimeoutPhase::Connect)));
        assert!(is_transient(&Error::network(NetworkKind::Io, "reset")));
        assert!(!is_transient(&Error::invalid_request("bad")));
    }
}
