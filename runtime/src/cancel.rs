//! Cancellation tokens for calls.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

/// A cheap, cloneable handle that cancels the calls tied to it.
///
/// Pass one to an endpoint with a `#[cancel] token: &CancelToken` parameter, or tie every call
/// of a client to it with [`Client::with_cancel`](crate::Client::with_cancel). A cancelled call
/// returns [`Error::Cancelled`](crate::Error::Cancelled) promptly and drops its connection; a call
/// started with a token that is already cancelled never reaches the network.
///
/// Built on tokio-util's `CancellationToken`, with a reason attached so that a UI can tell the
/// user why a call stopped.
///
/// # Examples
///
/// ```
/// use ferrofit::CancelToken;
///
/// let screen = CancelToken::new();
/// let request = screen.child();
/// screen.cancel("user left the screen");
/// assert!(request.is_cancelled());
/// assert_eq!(request.reason().as_deref(), Some("user left the screen"));
/// ```
#[derive(Clone, Default)]
pub struct CancelToken {
    node: Arc<Node>,
}

#[derive(Default)]
struct Node {
    token: CancellationToken,
    reason: OnceLock<Cow<'static, str>>,
    parent: Option<Arc<Node>>,
}

impl CancelToken {
    /// A token that is not cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!ferrofit::CancelToken::new().is_cancelled());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels this token and every child token. Only the first call has an effect: later
    /// reasons are ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = ferrofit::CancelToken::new();
    /// token.cancel("first");
    /// token.cancel("second");
    /// assert_eq!(token.reason().as_deref(), Some("first"));
    /// ```
    pub fn cancel(&self, reason: impl Into<Cow<'static, str>>) {
        // The reason is stored before the token fires, so a woken waiter always sees it.
        let _ = self.node.reason.set(reason.into());
        self.node.token.cancel();
    }

    /// Whether this token, or one of its ancestors, has been cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = ferrofit::CancelToken::new();
    /// token.cancel("done");
    /// assert!(token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.token.is_cancelled()
    }

    /// Why the token was cancelled: its own reason, or else the nearest cancelled ancestor's.
    /// `None` while the token is not cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = ferrofit::CancelToken::new();
    /// assert_eq!(token.reason(), None);
    /// token.cancel("timeout in UI");
    /// assert_eq!(token.reason().as_deref(), Some("timeout in UI"));
    /// ```
    pub fn reason(&self) -> Option<Cow<'static, str>> {
        if !self.is_cancelled() {
            return None;
        }
        let mut node = Some(&self.node);
        while let Some(current) = node {
            if let Some(reason) = current.reason.get() {
                return Some(reason.clone());
            }
            node = current.parent.as_ref();
        }
        Some(Cow::Borrowed("cancelled"))
    }

    /// Completes when the token is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let token = ferrofit::CancelToken::new();
    /// token.cancel("stop");
    /// token.cancelled().await;
    /// # }
    /// ```
    pub async fn cancelled(&self) {
        self.node.token.cancelled().await;
    }

    /// A new token that is cancelled when this one is, and can also be cancelled on its own
    /// without affecting this one.
    ///
    /// # Examples
    ///
    /// ```
    /// let parent = ferrofit::CancelToken::new();
    /// let child = parent.child();
    /// child.cancel("only me");
    /// assert!(!parent.is_cancelled());
    /// ```
    pub fn child(&self) -> Self {
        Self {
            node: Arc::new(Node {
                token: self.node.token.child_token(),
                reason: OnceLock::new(),
                parent: Some(self.node.clone()),
            }),
        }
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .field("reason", &self.reason())
            .finish()
    }
}

/// The tokens a call listens to: its own (`#[cancel]`) and its client's (`with_cancel`).
#[derive(Clone, Debug, Default)]
pub(crate) struct CancelSet {
    call: Option<CancelToken>,
    client: Option<CancelToken>,
}

impl CancelSet {
    pub(crate) fn set_call(&mut self, token: CancelToken) {
        self.call = Some(token);
    }

    pub(crate) fn set_client(&mut self, token: Option<CancelToken>) {
        self.client = token;
    }

    fn tokens(&self) -> impl Iterator<Item = &CancelToken> {
        self.call.iter().chain(self.client.iter())
    }

    /// The reason of the first cancelled token, if any is cancelled.
    pub(crate) fn reason(&self) -> Option<Cow<'static, str>> {
        self.tokens().find_map(CancelToken::reason)
    }

    /// Completes with the reason when any token is cancelled; never completes if there are none.
    pub(crate) async fn cancelled(&self) -> Cow<'static, str> {
        match (&self.call, &self.client) {
            (None, None) => std::future::pending().await,
            (Some(one), None) | (None, Some(one)) => one.cancelled().await,
            (Some(call), Some(client)) => {
                tokio::select! {
                    () = call.cancelled() => {}
                    () = client.cancelled() => {}
                }
            }
        }
        self.reason().unwrap_or(Cow::Borrowed("cancelled"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_reports_the_parents_reason() {
        let parent = CancelToken::new();
        let child = parent.child();
        let grandchild = child.child();
        parent.cancel("parent gone");
        assert!(grandchild.is_cancelled());
        assert_eq!(grandchild.reason().as_deref(), Some("parent gone"));
    }

    #[test]
    fn own_reason_wins_over_a_later_parent_cancel() {
        let parent = CancelToken::new();
        let child = parent.child();
        child.cancel("child first");
        parent.cancel("parent later");
        assert_eq!(child.reason().as_deref(), Some("child first"));
    }

    #[tokio::test]
    async fn set_completes_when_either_token_fires() {
        let client = CancelToken::new();
        let mut set = CancelSet::default();
        set.set_call(CancelToken::new());
        set.set_client(Some(client.clone()));
        client.cancel("client closed");
        assert_eq!(set.cancelled().await, "client closed");
    }

    #[test]
    fn cancel_token_is_send_sync_clone() {
        fn assert_impls<T: Send + Sync + Clone + 'static>() {}
        assert_impls::<CancelToken>();
    }
}
