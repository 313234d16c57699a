//! Bearer authentication with single-flight token refresh, and static credentials.
//!
//! A personal access token, an API key or a password that is never refreshed goes in a
//! [`StaticAuth`]: it is sent once per call, and a 401 is the call's `Unauthorized` at once.
//!
//! [`AuthInterceptor`] adds `Authorization: Bearer <access token>` to every request (except
//! endpoints marked `#[no_auth]`, and requests for another origin than the base URL's — a
//! `#[url]` link, a URL given to [`Client::send`](crate::Client::send), a URL an interceptor
//! rewrote —, see [`Request::is_cross_origin`](crate::Request::is_cross_origin): a
//! server-given link must not carry the token to a host it names; should an interceptor after
//! this one send the request elsewhere, the token is taken off before it leaves). When the
//! server answers 401 it refreshes the tokens **once for all calls that failed together** and
//! sends each of them again, once:
//!
//! - N calls failing together cause one [`Refresher`] call; each is then replayed with the new
//!   token.
//! - A 401 for a request that carried a token older than the current one is replayed with the
//!   current token, without a new refresh — but only if the current token is of the same
//!   session: this interceptor's own refresh produced it from the one sent, or both carry the
//!   same [`subject`](Tokens::subject). A call whose session ended, or was replaced by another
//!   sign-in (another user), fails with its 401 as `Error::Unauthorized` and is never replayed
//!   with the new session's token; so does a call that was sent without a token.
//! - A request whose body cannot be sent twice (a one-shot stream, see
//!   [`Body::is_replayable`](crate::Body::is_replayable)) is not replayed: the tokens are still
//!   refreshed for the calls that follow, and this call fails with its 401 as
//!   `Error::Unauthorized`.
//! - A request is replayed at most once: a second 401 is returned as
//!   `Error::Unauthorized`, so a server that rejects every token
//!   cannot make a loop.
//! - A refused refresh (see [`Refresher`] for what counts) clears the [`TokenStore`], calls the
//!   `on_session_expired` hook, and fails every waiting call with `Unauthorized`. The session
//!   ends **once**: calls whose 401 arrives afterwards (the store is empty) fail with
//!   `Unauthorized` without a new refresh and without calling the hook again. The hook runs
//!   again only after a new sign-in ([`TokenStore::set`]) has ended too.
//! - A refresh that fails for any other reason (network, timeout, 5xx, a captive portal's page)
//!   fails the waiting calls with that error and keeps the tokens.
//! - The refresh runs as a task of its own: it completes and stores its tokens even if every
//!   call waiting for it is cancelled, so a provider that rotates refresh tokens never sees a
//!   rotated token again. A panicking refresher fails the waiting calls, not later ones.
//! - A refresh belongs to the session it started in: if the user signed out (and in) meanwhile,
//!   its late result never overwrites the new tokens, a late refusal never clears them, and the
//!   calls that waited for it fail with `Unauthorized` instead of going on with the new
//!   session's tokens.
//!
//! - A refresh that takes longer than its deadline ([`refresh_timeout`](AuthInterceptor::refresh_timeout),
//!   30 s by default) fails its waiting calls, and so does one whose task is gone (its runtime
//!   was shut down): the next 401 starts a new refresh, so a token endpoint that hangs once
//!   never blocks auth for the life of the process.
//!
//! Processes that share one session (a fleet) share its store too: a store whose
//! [`coordinator`](TokenStore::coordinator) is set (`RedisTokenStore`, feature `redis`) is
//! asked before each refresh which process refreshes ([`RefreshCoordinator`]); the others
//! wait for its tokens, so a provider that rotates refresh tokens sees each one once. The
//! rules above hold across the fleet: one refresh at a time, a late result never wins, a
//! refusal ends the session once for every process (the `on_session_expired` hook runs in
//! the process whose refresh was refused; the others find the store empty), and a failed
//! refresh fails the calls that wait for it, in every process, for a second.
//!
//! With [`refresh_before_expiry`](AuthInterceptor::refresh_before_expiry), tokens whose expiry
//! is known are refreshed (single-flight as well) shortly before they run out: never earlier
//! than halfway through their lifetime, and after a failed attempt not again for a while (the
//! calls go on with the current token meanwhile).

mod fleet;
mod flight;
#[cfg(feature = "keyring")]
mod keyring_store;
#[cfg(feature = "redis")]
mod redis_store;
pub(crate) mod scheme;
mod static_auth;
mod tokens;

pub use fleet::{LeaseEnd, RefreshCoordinator, RefreshLease, Settled, Turn};
#[cfg(feature = "keyring")]
pub use keyring_store::KeyringTokenStore;
#[cfg(feature = "redis")]
pub use redis_store::{RedisTokenStore, RedisTokenStoreBuilder, TokenKey};
pub use static_auth::StaticAuth;
pub use tokens::{MemoryTokenStore, Refresher, TokenStore, Tokens};

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use bytes::Bytes;
use http::header::{AUTHORIZATION, HeaderValue};
use http::{HeaderMap, StatusCode};

use self::flight::{Outcome, Refreshes};
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
    refreshes: Arc<Refreshes>,
    refresh_before_expiry: Option<Duration>,
    /// When a proactive refresh may be tried again after failures.
    proactive_backoff: Mutex<Backoff>,
    /// The `Authorization` value of the tokens last used: built once per token, not per call.
    bearer: Mutex<Option<(Arc<tokens::Tokens>, HeaderValue)>>,
}

/// Failed proactive refreshes in a row, and until when the next one waits.
#[derive(Default)]
struct Backoff {
    failures: u32,
    not_before: Option<Instant>,
}

/// The pause after the first failed proactive refresh; it doubles with each failure after it.
const PROACTIVE_BACKOFF: Duration = Duration::from_secs(5);
/// The longest pause between failed proactive refreshes.
const PROACTIVE_BACKOFF_MAX: Duration = Duration::from_secs(300);

impl Backoff {
    fn allows(&self, now: Instant) -> bool {
        self.not_before.is_none_or(|at| now >= at)
    }

    /// Counts a failure; calls that joined the same failed refresh count once.
    fn failed(&mut self, now: Instant) {
        if !self.allows(now) {
            return;
        }
        let pause = PROACTIVE_BACKOFF
            .saturating_mul(2u32.saturating_pow(self.failures))
            .min(PROACTIVE_BACKOFF_MAX);
        self.failures = self.failures.saturating_add(1);
        self.not_before = Some(now + pause);
    }
}

impl AuthInterceptor {
    /// An interceptor that reads tokens from `store` and renews them with `refresher`.
    pub fn new(store: impl TokenStore, refresher: impl Refresher) -> Self {
        Self {
            inner: Arc::new(Inner {
                refreshes: Arc::new(Refreshes::new(Arc::new(store), Box::new(refresher))),
                refresh_before_expiry: None,
                proactive_backoff: Mutex::new(Backoff::default()),
                bearer: Mutex::new(None),
            }),
        }
    }

    /// The store this interceptor reads tokens from: a cache in the same client partitions by
    /// it.
    pub(crate) fn token_store(&self) -> Arc<dyn TokenStore> {
        self.inner.refreshes.store.clone()
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::get_mut(&mut self.inner).expect("AuthInterceptor is configured before it is cloned")
    }

    /// Called once each time a session ends because a refresh was refused. The store has been
    /// cleared by then. It is not called for calls that fail after the session ended, nor when
    /// there never was a session.
    ///
    /// # Panics
    ///
    /// If called on a clone of an interceptor (configure it before cloning).
    #[must_use]
    pub fn on_session_expired(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        let refreshes = Arc::get_mut(&mut self.inner_mut().refreshes)
            .expect("AuthInterceptor is configured before it is used");
        refreshes.on_session_expired = Some(Box::new(hook));
        self
    }

    /// How long a refresh may take before the calls waiting for it fail (with
    /// `Error::Network`) and the next 401 starts another one; `None` waits as long as the
    /// refresher does. Default: 30 seconds. The deadline runs on tokio's timer; a refresher
    /// run outside a tokio runtime is not bounded by it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
    ///
    /// let refresher = |tokens: Tokens| async move { Ok(tokens) };
    /// let auth = AuthInterceptor::new(MemoryTokenStore::new(), refresher)
    ///     .refresh_timeout(Some(Duration::from_secs(10)));
    /// # let _ = auth;
    /// ```
    ///
    /// # Panics
    ///
    /// If called on a clone of an interceptor (configure it before cloning).
    #[must_use]
    pub fn refresh_timeout(mut self, deadline: Option<Duration>) -> Self {
        let refreshes = Arc::get_mut(&mut self.inner_mut().refreshes)
            .expect("AuthInterceptor is configured before it is used");
        refreshes.deadline = deadline;
        self
    }

    /// Refreshes tokens whose expiry is known when they expire within `margin`, before
    /// sending, instead of waiting for a 401.
    ///
    /// The margin is at most half the token's lifetime, when that is known (see
    /// [`Tokens::with_issued_at`]): 4-minute tokens with a 5-minute margin are renewed after
    /// 2 minutes, not on every call. After a proactive refresh fails, the call goes on with
    /// the current token and the next proactive attempt waits 5 s, doubling with each failure
    /// up to 5 minutes (a 401 still refreshes at once).
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
    async fn handle(&self, mut request: Request, next: Next<'_>) -> Result<RawResponse> {
        if !applies_to(&request) {
            return next.run(request).await;
        }
        let refreshes = &self.refreshes;
        let mut tokens = refreshes.store.get();
        if let (Some(current), Some(margin)) = (&tokens, self.refresh_before_expiry)
            && current.due_for_refresh(margin)
            && self.backoff().allows(Instant::now())
        {
            match refreshes.refresh(Some(current)).await {
                Outcome::Refreshed(fresh) => {
                    *self.backoff() = Backoff::default();
                    tokens = Some(fresh);
                }
                Outcome::Expired => return Err(session_expired(&request)),
                // The old token may still be good for a while: try it.
                Outcome::Failed(_) => self.backoff().failed(Instant::now()),
            }
        }
        if let Some(current) = &tokens {
            self.set_bearer(&mut request, current)?;
        }
        let response = next.run(request.clone()).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let fresh = match refreshes.refresh(tokens.as_ref()).await {
            Outcome::Refreshed(fresh) => fresh,
            Outcome::Expired => return Ok(response),
            Outcome::Failed(error) => return Err(error.duplicate()),
        };
        if !request.body().is_replayable() {
            // The body was a one-shot stream and is gone: the session is renewed for the next
            // call, and this one answers with its 401.
            return Ok(response);
        }
        self.set_bearer(&mut request, &fresh)?;
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

impl Inner {
    fn backoff(&self) -> std::sync::MutexGuard<'_, Backoff> {
        self.proactive_backoff
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn set_bearer(&self, request: &mut Request, tokens: &Arc<tokens::Tokens>) -> Result<()> {
        let mut cached = self.bearer.lock().unwrap_or_else(PoisonError::into_inner);
        let value = match &*cached {
            Some((held, value)) if Arc::ptr_eq(held, tokens) => value.clone(),
            _ => {
                let value = bearer_value(tokens)?;
                *cached = Some((tokens.clone(), value.clone()));
                value
            }
        };
        drop(cached);
        request.headers_mut().insert(AUTHORIZATION, value);
        request.own_credentials.bearer = true;
        Ok(())
    }
}

/// The auth interceptor of a client, as a cache in front of it must know it: the cache sees
/// each request before the credential is on it.
#[derive(Clone, Default)]
pub(crate) struct ClientAuth {
    /// The token store of the last [`AuthInterceptor`] added.
    pub(crate) tokens: Option<Arc<dyn TokenStore>>,
    /// Every [`StaticAuth`] added.
    pub(crate) statics: Vec<StaticAuth>,
}

impl ClientAuth {
    /// Whether the client has any auth interceptor.
    pub(crate) fn is_empty(&self) -> bool {
        self.tokens.is_none() && self.statics.is_empty()
    }

    /// How the client's auth interceptors send credentials, each scheme once.
    pub(crate) fn schemes(&self) -> Vec<scheme::AuthScheme> {
        let tokens = self.tokens.as_ref().map(|_| scheme::AuthScheme::Bearer);
        let mut schemes: Vec<scheme::AuthScheme> = Vec::new();
        for scheme in tokens
            .into_iter()
            .chain(self.statics.iter().filter_map(StaticAuth::scheme))
        {
            if !schemes.contains(&scheme) {
                schemes.push(scheme);
            }
        }
        schemes
    }
}

/// Whether the auth interceptor sends a token with `request`: not for `#[no_auth]` endpoints,
/// not to another origin than the base URL's.
pub(crate) fn applies_to(request: &Request) -> bool {
    !(request.endpoint().is_some_and(|e| e.skips_auth()) || request.is_cross_origin())
}

/// The `Authorization` value the auth interceptor sends for `tokens`.
pub(crate) fn bearer_value(tokens: &tokens::Tokens) -> Result<HeaderValue> {
    let mut value =
        HeaderValue::try_from(format!("Bearer {}", tokens.access_token())).map_err(|_| {
            Error::invalid_request("the access token contains characters a header cannot hold")
        })?;
    // Keeps HTTP/2 header compression from indexing the token.
    value.set_sensitive(true);
    Ok(value)
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
    use super::flight::is_refusal;
    use super::*;
    use crate::error::NetworkKind;

    fn status(code: u16, body: &'static str) -> Error {
        Error::from_response(ErrorResponse::new(
            StatusCode::from_u16(code).unwrap(),
            HeaderMap::new(),
            "https://auth.test/token".parse().unwrap(),
            Bytes::from_static(body.as_bytes()),
        ))
    }

    #[test]
    fn failed_proactive_refreshes_pause_longer_each_time_up_to_five_minutes() {
        let start = Instant::now();
        let mut backoff = Backoff::default();
        assert!(backoff.allows(start));
        let mut at = start;
        for expected in [5, 10, 20, 40, 80, 160, 300, 300] {
            backoff.failed(at);
            let pause = Duration::from_secs(expected);
            assert!(!backoff.allows(at + pause - Duration::from_millis(1)));
            // Calls that joined the same failed refresh do not lengthen the pause.
            backoff.failed(at + Duration::from_millis(1));
            assert!(backoff.allows(at + pause), "pause of {expected}s");
            at += pause;
        }
    }

    #[test]
    fn only_a_refusal_ends_the_session() {
        assert!(is_refusal(&status(400, r#"{"error":"invalid_grant"}"#)));
        assert!(is_refusal(&status(401, "")));
        for transient in [
            Error::timeout(crate::TimeoutPhase::Connect),
            Error::network(NetworkKind::Io, "reset"),
            Error::network(NetworkKind::Redirect, "too many redirects"),
            status(403, "proxy says no"),
            status(404, "not here"),
            status(500, ""),
            status(429, ""),
            Error::invalid_request("bad"),
        ] {
            assert!(!is_refusal(&transient), "{transient:?}");
        }
    }
}
