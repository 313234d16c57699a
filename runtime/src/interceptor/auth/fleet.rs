//! Coordinating token refreshes with other processes that share one session: the hook the
//! single flight asks before it calls the refresher, so a fleet refreshes once.

use super::tokens::Tokens;
use crate::BoxFuture;

/// Decides, for a fleet of processes sharing one session, which of them refreshes its
/// tokens. A [`TokenStore`](super::TokenStore) shared across processes (such as
/// `RedisTokenStore`, feature `redis`) returns one from
/// [`TokenStore::coordinator`](super::TokenStore::coordinator); the auth interceptor then
/// asks it before every refresh, inside the process's own single flight, so each process
/// asks at most once at a time.
///
/// # Examples
///
/// A coordinator that never coordinates (every process refreshes alone), which is what a
/// store without one gets:
///
/// ```
/// use ferrofit::BoxFuture;
/// use ferrofit::auth::{RefreshCoordinator, Tokens, Turn};
///
/// struct Alone;
///
/// impl RefreshCoordinator for Alone {
///     fn begin<'a>(&'a self, _current: &'a Tokens) -> BoxFuture<'a, Turn> {
///         Box::pin(async { Turn::Alone })
///     }
///
///     fn same_session(&self, _sent: &Tokens, _later: &Tokens) -> bool {
///         false
///     }
/// }
/// ```
pub trait RefreshCoordinator: Send + Sync + 'static {
    /// Called when `current` (what the store holds) must be refreshed. It may wait while
    /// another process refreshes, and ends that wait with that process's result; the auth
    /// interceptor bounds the whole wait by its
    /// [`refresh_timeout`](super::AuthInterceptor::refresh_timeout).
    fn begin<'a>(&'a self, current: &'a Tokens) -> BoxFuture<'a, Turn>;

    /// Whether `later` belongs to the same session as `sent`, as far as the fleet knows (it
    /// came from `sent` through refreshes anywhere in the fleet). The auth interceptor only
    /// replays a call with tokens of the session it was sent in.
    fn same_session(&self, sent: &Tokens, later: &Tokens) -> bool;
}

/// What a process is to do about a refresh, as its [`RefreshCoordinator`] decided.
#[non_exhaustive]
pub enum Turn {
    /// This process refreshes; it tells the lease how that went.
    Lead(Box<dyn RefreshLease>),
    /// Another process refreshed the session: these are the new tokens, which the store
    /// already holds.
    Refreshed(Tokens),
    /// The session ended elsewhere (a refused refresh, a sign-out, another sign-in).
    Ended,
    /// Coordination is not possible now (the shared store is unreachable): this process
    /// refreshes alone, and its store reconciles later.
    Alone,
    /// Another process's refresh failed moments ago (the token endpoint is down): this one
    /// fails its calls now instead of trying again at once, so a fleet does not take turns
    /// at a failing endpoint.
    Failed,
}

/// The right to refresh, held by one process of a fleet at a time.
pub trait RefreshLease: Send {
    /// Ends the lease with how the refresh went. For [`LeaseEnd::Refreshed`] and
    /// [`LeaseEnd::Refused`], the store is changed only if the lease is still this
    /// process's: a holder that lost it (it stalled past its lease and another process took
    /// over) never overwrites the successor's result.
    fn finish(self: Box<Self>, end: LeaseEnd) -> BoxFuture<'static, Settled>;
}

/// How a leased refresh ended.
#[non_exhaustive]
pub enum LeaseEnd {
    /// The provider gave these tokens.
    Refreshed(Tokens),
    /// The provider refused the refresh token: the session ends.
    Refused,
    /// The refresh could not be done now (network, 5xx): the tokens are kept, the next
    /// process may try.
    Failed,
}

/// What the store holds after a lease ended.
#[non_exhaustive]
pub enum Settled {
    /// The lease was still this process's, and its result is stored (or, for a refusal, the
    /// session is cleared).
    Committed,
    /// Another process had taken over: these are the session's tokens now, or `None` if it
    /// has ended.
    Superseded(Option<Tokens>),
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Lead(_) => "Lead",
            Self::Refreshed(_) => "Refreshed",
            Self::Ended => "Ended",
            Self::Alone => "Alone",
            Self::Failed => "Failed",
        })
    }
}
