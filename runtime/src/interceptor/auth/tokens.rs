//! Tokens, where they are kept, and how they are renewed.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use super::fleet::RefreshCoordinator;
use crate::BoxFuture;
use crate::error::Result;

/// An access token, with the refresh token and expiry that came with it.
///
/// `Debug` never shows the tokens.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferrofit::auth::Tokens;
///
/// let tokens = Tokens::new("access-123")
///     .with_refresh("refresh-456")
///     .expiring_in(Duration::from_secs(3600));
/// assert_eq!(tokens.access_token(), "access-123");
/// assert!(!format!("{tokens:?}").contains("access-123"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    access: String,
    refresh: Option<String>,
    expires_at: Option<SystemTime>,
    issued_at: Option<SystemTime>,
    subject: Option<String>,
}

impl Tokens {
    /// Tokens with only an access token.
    pub fn new(access: impl Into<String>) -> Self {
        Self {
            access: access.into(),
            refresh: None,
            expires_at: None,
            issued_at: None,
            subject: None,
        }
    }

    /// Adds the refresh token.
    #[must_use]
    pub fn with_refresh(mut self, refresh: impl Into<String>) -> Self {
        self.refresh = Some(refresh.into());
        self
    }

    /// Sets when the access token expires.
    #[must_use]
    pub fn expiring_at(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// Sets the access token to expire `lifetime` from now (an OAuth `expires_in`). A lifetime
    /// too long to represent (a server's `expires_in` is untrusted) means no known expiry.
    ///
    /// It also records now as the issue time (see [`with_issued_at`](Self::with_issued_at)).
    #[must_use]
    pub fn expiring_in(mut self, lifetime: Duration) -> Self {
        let now = SystemTime::now();
        self.expires_at = now.checked_add(lifetime);
        self.issued_at = Some(now);
        self
    }

    /// Sets when the access token was issued (a JWT's `iat`). With the expiry it gives the
    /// token's lifetime, which bounds how early
    /// [`refresh_before_expiry`](crate::auth::AuthInterceptor::refresh_before_expiry) renews
    /// it: never earlier than halfway through. Tokens a refresher returns without one are
    /// taken to be issued when the refresh finished.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// let now = SystemTime::now();
    /// let tokens = ferrofit::auth::Tokens::new("a")
    ///     .with_issued_at(now)
    ///     .expiring_at(now + Duration::from_secs(240));
    /// assert_eq!(tokens.issued_at(), Some(now));
    /// ```
    #[must_use]
    pub fn with_issued_at(mut self, at: SystemTime) -> Self {
        self.issued_at = Some(at);
        self
    }

    /// When the access token was issued, if known.
    pub fn issued_at(&self) -> Option<SystemTime> {
        self.issued_at
    }

    /// Names whom the tokens belong to (a user id), so that a
    /// [`CacheInterceptor`](crate::cache::CacheInterceptor) partitioned by these tokens keeps
    /// the same partition across refreshes. A refresher should carry it over.
    ///
    /// # Examples
    ///
    /// ```
    /// let tokens = ferrofit::auth::Tokens::new("a1").with_subject("user-42");
    /// assert_eq!(tokens.subject(), Some("user-42"));
    /// ```
    #[must_use]
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Whom the tokens belong to, if known.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The access token, sent as `Authorization: Bearer …`.
    pub fn access_token(&self) -> &str {
        &self.access
    }

    /// The refresh token, if any.
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh.as_deref()
    }

    /// When the access token expires, if known.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// Whether the access token expires within `margin` from now (or already has).
    pub fn expires_within(&self, margin: Duration) -> bool {
        self.expires_at.is_some_and(|at| {
            SystemTime::now()
                .checked_add(margin)
                .is_none_or(|horizon| at <= horizon)
        })
    }

    /// Whether a proactive refresh with `margin` is due: the token expires within `margin`,
    /// clamped to half its lifetime when that is known, so short-lived tokens are not renewed
    /// on every call.
    pub(crate) fn due_for_refresh(&self, margin: Duration) -> bool {
        let lifetime = self
            .issued_at
            .zip(self.expires_at)
            .map(|(issued, expires)| expires.duration_since(issued).unwrap_or_default());
        let margin = lifetime.map_or(margin, |lifetime| margin.min(lifetime / 2));
        self.expires_within(margin)
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &crate::redact::REDACTED)
            .field(
                "refresh",
                &self.refresh.as_ref().map(|_| crate::redact::REDACTED),
            )
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("subject", &self.subject)
            .finish()
    }
}

/// Where the auth interceptor keeps tokens. Implement it to persist them (an OS keyring, a
/// file); [`MemoryTokenStore`] keeps them in memory.
///
/// Methods are synchronous and called on every request: keep them cheap (cache in memory and
/// write through to slow storage).
pub trait TokenStore: Send + Sync + 'static {
    /// The current tokens, if signed in.
    fn get(&self) -> Option<Arc<Tokens>>;
    /// Replaces the tokens (after sign-in or a refresh).
    fn set(&self, tokens: Tokens);
    /// Forgets the tokens (sign-out, or a refresh that was refused).
    fn clear(&self);

    /// Replaces the tokens with `new` only if the store still holds `current`; returns
    /// whether it did. The auth interceptor stores a refresh's result this way, so a refresh
    /// that finishes after the user signed out (and maybe in again) never overwrites the new
    /// session.
    ///
    /// The default reads, compares and writes in three steps; override it to do so
    /// atomically, as [`MemoryTokenStore`] does.
    fn compare_and_set(&self, current: &Tokens, new: Tokens) -> bool {
        if self.get().is_some_and(|held| *held == *current) {
            self.set(new);
            true
        } else {
            false
        }
    }

    /// Clears the store only if it still holds `current`; returns whether it did. Used when a
    /// refresh is refused, so only the session it belonged to ends.
    fn compare_and_clear(&self, current: &Tokens) -> bool {
        if self.get().is_some_and(|held| *held == *current) {
            self.clear();
            true
        } else {
            false
        }
    }

    /// Who decides which process refreshes, when this store is shared by several (see
    /// [`RefreshCoordinator`]). The default, `None`, is a store of one process: the auth
    /// interceptor's single flight alone decides.
    fn coordinator(&self) -> Option<Arc<dyn RefreshCoordinator>> {
        None
    }
}

impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    fn get(&self) -> Option<Arc<Tokens>> {
        (**self).get()
    }

    fn set(&self, tokens: Tokens) {
        (**self).set(tokens);
    }

    fn clear(&self) {
        (**self).clear();
    }

    fn compare_and_set(&self, current: &Tokens, new: Tokens) -> bool {
        (**self).compare_and_set(current, new)
    }

    fn compare_and_clear(&self, current: &Tokens) -> bool {
        (**self).compare_and_clear(current)
    }

    fn coordinator(&self) -> Option<Arc<dyn RefreshCoordinator>> {
        (**self).coordinator()
    }
}

/// A [`TokenStore`] in memory. Share it through an `Arc` to sign in and out from the app.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use ferrofit::auth::{MemoryTokenStore, TokenStore, Tokens};
///
/// let store = Arc::new(MemoryTokenStore::new());
/// store.set(Tokens::new("a").with_refresh("r"));
/// assert_eq!(store.get().unwrap().access_token(), "a");
/// store.clear();
/// assert!(store.get().is_none());
/// ```
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: RwLock<Option<Arc<Tokens>>>,
}

impl MemoryTokenStore {
    /// An empty store (signed out).
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `tokens` (signed in).
    pub fn with_tokens(tokens: Tokens) -> Self {
        Self {
            tokens: RwLock::new(Some(Arc::new(tokens))),
        }
    }
}

impl TokenStore for MemoryTokenStore {
    fn get(&self) -> Option<Arc<Tokens>> {
        self.tokens
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, tokens: Tokens) {
        *self.tokens.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(tokens));
    }

    fn clear(&self) {
        *self.tokens.write().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn compare_and_set(&self, current: &Tokens, new: Tokens) -> bool {
        let mut held = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        if held.as_deref() == Some(current) {
            *held = Some(Arc::new(new));
            true
        } else {
            false
        }
    }

    fn compare_and_clear(&self, current: &Tokens) -> bool {
        let mut held = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        if held.as_deref() == Some(current) {
            *held = None;
            true
        } else {
            false
        }
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("signed_in", &self.get().is_some())
            .finish()
    }
}

/// Trades the current tokens (usually their refresh token) for new ones.
///
/// It must send its request through a client **without** the auth interceptor (or to a
/// `#[no_auth]` endpoint), so a refresh never waits on itself. Any async closure
/// `Fn(Tokens) -> impl Future<Output = ferrofit::Result<Tokens>>` is a `Refresher`.
///
/// The refresh runs as a task of its own, so it completes (and its tokens are stored) even if
/// every call waiting for it is cancelled or times out. A panic in it fails the waiting calls
/// and leaves later refreshes working.
///
/// # Errors
///
/// Only a **refusal** ends the session (clears the store and calls
/// [`on_session_expired`](super::AuthInterceptor::on_session_expired)): the token endpoint
/// answered 400 (OAuth's `invalid_grant`) or 401, or the refresher returned
/// [`Error::Unauthorized`](crate::Error::Unauthorized). Build the refresher's error with
/// [`Error::from_response`](crate::Error::from_response), or let a generated client do it.
///
/// Any other error is transient: a network error, a timeout, a 5xx or 429, but also a 200 page
/// that does not decode (a captive portal), a redirect, or a 403/404 from a proxy. The waiting
/// calls fail with it, and the tokens are kept for the next try.
///
/// # Examples
///
/// ```
/// use ferrofit::auth::Tokens;
///
/// #[ferrofit::rest_api]
/// trait AuthApi {
///     #[post("/oauth/token")]
///     #[no_auth]
///     async fn refresh(&self, #[query] refresh_token: &str) -> ferrofit::Result<serde_json::Value>;
/// }
///
/// # fn make(auth_api: AuthApiClient, store: ferrofit::auth::MemoryTokenStore) {
/// let refresher = move |tokens: Tokens| {
///     let auth_api = auth_api.clone();
///     async move {
///         let reply = auth_api.refresh(tokens.refresh_token().unwrap_or_default()).await?;
///         Ok(Tokens::new(reply["access_token"].as_str().unwrap_or_default()))
///     }
/// };
/// let auth = ferrofit::auth::AuthInterceptor::new(store, refresher);
/// # let _ = auth;
/// # }
/// ```
pub trait Refresher: Send + Sync + 'static {
    /// Returns new tokens for `current`.
    fn refresh<'a>(&'a self, current: &'a Tokens) -> BoxFuture<'a, Result<Tokens>>;
}

impl<F, Fut> Refresher for F
where
    F: Fn(Tokens) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Tokens>> + Send + 'static,
{
    fn refresh<'a>(&'a self, current: &'a Tokens) -> BoxFuture<'a, Result<Tokens>> {
        Box::pin(self(current.clone()))
    }
}
