//! The receive timeout as "the server was silent too long": a clock that runs only while the
//! client waits for the server, never while it connects or uploads.
//!
//! reqwest's own read timeout starts when the request is handed over, so a slow connect or a
//! large upload trips it. Here the transport runs each exchange inside a task-local clock; a
//! connector layer marks connection establishment on it, the upload body marks its end, and
//! the timeout fires only after `limit` of silence since the last of those.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;

use crate::BoxFuture;

tokio::task_local! {
    static CLOCK: Arc<ReceiveClock>;
}

#[derive(Clone, Copy)]
struct Phase {
    /// Connections being established for this exchange.
    connecting: u32,
    /// The request body is still going out.
    uploading: bool,
    /// When the client last finished doing something (connecting, uploading, or started).
    since: Instant,
}

/// The state of one exchange, written by the connector layer and the upload body, read by
/// [`silence`](Self::silence) only when its timer fires: nobody is woken when the state
/// changes, so a call on a pooled connection pays for one timer and a few uncontended locks.
pub(crate) struct ReceiveClock {
    phase: Mutex<Phase>,
}

impl ReceiveClock {
    /// A clock for one exchange; `uploading` when the request has a body to send first.
    pub(crate) fn new(uploading: bool) -> Arc<Self> {
        Arc::new(Self {
            phase: Mutex::new(Phase {
                connecting: 0,
                uploading,
                since: Instant::now(),
            }),
        })
    }

    /// A clock for one exchange when the transport has a receive timeout; `uploading` when
    /// the request has a body to send first.
    pub(crate) fn for_exchange(limit: Option<Duration>, uploading: bool) -> Option<Arc<Self>> {
        limit.map(|_| Self::new(uploading))
    }

    /// Waits for `head` (the response head) under the receive timeout `limit`: the clock is
    /// visible to the connector layer meanwhile, and silence past `limit` ends the wait.
    pub(crate) async fn wait_for_head<F: Future>(
        clock: Option<&Arc<Self>>,
        limit: Option<Duration>,
        head: F,
    ) -> crate::Result<F::Output> {
        match (clock, limit) {
            (Some(clock), Some(limit)) => tokio::select! {
                biased;
                head = clock.scope(head) => Ok(head),
                () = clock.silence(limit) => {
                    Err(crate::Error::timeout(crate::error::TimeoutPhase::Receive))
                }
            },
            _ => Ok(head.await),
        }
    }

    /// Runs `future` with this clock visible to the connector layer.
    pub(crate) async fn scope<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        CLOCK.scope(self.clone(), future).await
    }

    fn update(&self, change: impl FnOnce(&mut Phase)) {
        change(&mut self.phase.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn connect_started(&self) {
        self.update(|p| p.connecting += 1);
    }

    fn connect_ended(&self) {
        self.update(|p| {
            p.connecting = p.connecting.saturating_sub(1);
            p.since = Instant::now();
        });
    }

    /// The request body has gone out (or will not be sent any more).
    pub(crate) fn upload_ended(&self) {
        self.update(|p| {
            if std::mem::replace(&mut p.uploading, false) {
                p.since = Instant::now();
            }
        });
    }

    /// When the timer should fire next, seen at `now`: `since + limit` when the client is
    /// idle (`now` or earlier: the silence is over), a fresh `limit` while it connects or
    /// uploads (the state is looked at again then).
    fn next_check(&self, now: Instant, limit: Duration) -> Option<Instant> {
        let phase = *self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        if phase.connecting > 0 || phase.uploading {
            now.checked_add(limit)
        } else {
            phase.since.checked_add(limit)
        }
    }

    /// Completes once the client has waited `limit` for the server with nothing of its own in
    /// progress; never while connecting or uploading. The timer fires at most once per
    /// `limit` while the client is busy, and exactly `limit` after the client's last step.
    pub(crate) async fn silence(&self, limit: Duration) {
        let Some(first) = self.next_check(Instant::now(), limit) else {
            return std::future::pending().await;
        };
        let sleep = tokio::time::sleep_until(first);
        tokio::pin!(sleep);
        loop {
            sleep.as_mut().await;
            let now = Instant::now();
            match self.next_check(now, limit) {
                Some(next) if next > now => sleep.as_mut().reset(next),
                Some(_) => return,
                None => return std::future::pending().await,
            }
        }
    }
}

/// A connector layer that marks connection establishment on the exchange's clock.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WatchConnects;

impl<S> tower_layer::Layer<S> for WatchConnects {
    type Service = WatchedConnector<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WatchedConnector(inner)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct WatchedConnector<S>(S);

impl<S> WatchedConnector<S> {
    /// `inner`, with its connects marked on the clock of the exchange that starts them.
    #[cfg(feature = "hyper-transport")]
    pub(crate) fn new(inner: S) -> Self {
        Self(inner)
    }
}

impl<S, R> tower_service::Service<R> for WatchedConnector<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
    S::Response: 'static,
    S::Error: 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        // hyper starts a connection from inside the request's future, where the clock is set.
        let guard = CLOCK.try_with(|clock| Connecting::new(clock.clone())).ok();
        let connect = self.0.call(request);
        Box::pin(async move {
            let connected = connect.await;
            drop(guard);
            connected
        })
    }
}

/// Marks a connection attempt on a clock until dropped (done, failed or abandoned).
struct Connecting(Arc<ReceiveClock>);

impl Connecting {
    fn new(clock: Arc<ReceiveClock>) -> Self {
        clock.connect_started();
        Self(clock)
    }
}

impl Drop for Connecting {
    fn drop(&mut self) {
        self.0.connect_ended();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn silence_waits_out_connecting_and_uploading() {
        let clock = ReceiveClock::new(true);
        let limit = Duration::from_secs(1);
        let start = Instant::now();
        let watcher = {
            let clock = clock.clone();
            tokio::spawn(async move {
                clock.silence(limit).await;
                Instant::now()
            })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        clock.upload_ended();
        tokio::time::sleep(Duration::from_millis(500)).await;
        clock.connect_started();
        tokio::time::sleep(Duration::from_secs(3)).await;
        clock.connect_ended();
        let fired = watcher.await.unwrap();
        assert_eq!(fired - start, Duration::from_millis(9500));
    }

    #[tokio::test(start_paused = true)]
    async fn silence_on_an_idle_exchange_is_exactly_the_limit() {
        let clock = ReceiveClock::new(false);
        let start = Instant::now();
        clock.silence(Duration::from_millis(1500)).await;
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
    }

    #[tokio::test(start_paused = true)]
    async fn a_connect_that_ends_between_checks_restarts_the_limit_from_its_end() {
        let clock = ReceiveClock::new(false);
        clock.connect_started();
        let start = Instant::now();
        let watcher = {
            let clock = clock.clone();
            tokio::spawn(async move {
                clock.silence(Duration::from_secs(2)).await;
                Instant::now()
            })
        };
        // Checks at 2 s (still connecting) and 4 s; the connect ends at 3.2 s.
        tokio::time::sleep(Duration::from_millis(3200)).await;
        clock.connect_ended();
        let fired = watcher.await.unwrap();
        assert_eq!(fired - start, Duration::from_millis(5200));
    }
}
