//! The single-flight token refresh: one refresh per session at a time, run detached from the
//! calls that wait for it, tagged with the tokens it replaces. A call is only ever given
//! tokens of the session it was sent in.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use futures_util::future::Shared;

use super::fleet::{LeaseEnd, RefreshCoordinator, RefreshLease, Settled, Turn};
use super::tokens::{Refresher, TokenStore, Tokens};
use crate::BoxFuture;
use crate::error::{Error, NetworkKind};

/// What a refresh came to, as every waiting call sees it.
#[derive(Clone)]
pub(super) enum Outcome {
    /// Tokens to send now: the refreshed ones of the call's own session.
    Refreshed(Arc<Tokens>),
    /// The call's session is over: the refresh was refused, the user signed out, or another
    /// session (another user) took its place. The call must not be replayed.
    Expired,
    /// The refresh could not be done right now; the tokens are kept.
    Failed(Arc<Error>),
}

/// Runs refreshes: at most one at a time, shared by every call that needs it.
pub(super) struct Refreshes {
    pub(super) store: Arc<dyn TokenStore>,
    /// The store's fleet, if other processes share it: asked before each refresh.
    fleet: Option<Arc<dyn RefreshCoordinator>>,
    pub(super) refresher: Box<dyn Refresher>,
    pub(super) on_session_expired: Option<Box<dyn Fn() + Send + Sync>>,
    /// How long a refresh may take before its waiters fail and the next 401 starts another;
    /// `None` waits as long as the refresher does.
    pub(super) deadline: Option<Duration>,
    slot: Mutex<Slot>,
    /// Which tokens this interceptor's refreshes replaced with which, newest last: how a call
    /// tells the successor of the tokens it sent from another session's.
    lineage: Mutex<VecDeque<(Arc<Tokens>, Arc<Tokens>)>>,
}

/// Refreshes remembered: a call waits for at most one or two, so a few cover any call.
const LINEAGE: usize = 8;

/// How long a refresh may take by default: a token endpoint that accepts the connection and
/// goes silent must not hold every later 401 for the life of the process.
pub(super) const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Slot {
    flight: Option<Flight>,
    /// Numbers flights, so that a finished one clears the slot only if it still holds it.
    next_id: u64,
}

struct Flight {
    id: u64,
    /// The tokens this refresh replaces: its result belongs to their session alone.
    replaces: Arc<Tokens>,
    outcome: Shared<BoxFuture<'static, Outcome>>,
    /// The task running the refresh, if it was spawned.
    task: Option<tokio::task::AbortHandle>,
}

impl Flight {
    /// Whether nobody runs this flight any more: its task ended without clearing the slot,
    /// which a finished refresh always does first (the runtime it ran on was shut down).
    fn is_abandoned(&self) -> bool {
        self.task
            .as_ref()
            .is_some_and(tokio::task::AbortHandle::is_finished)
    }
}

impl Refreshes {
    pub(super) fn new(store: Arc<dyn TokenStore>, refresher: Box<dyn Refresher>) -> Self {
        Self {
            fleet: store.coordinator(),
            store,
            refresher,
            on_session_expired: None,
            deadline: Some(DEFAULT_DEADLINE),
            slot: Mutex::new(Slot::default()),
            lineage: Mutex::new(VecDeque::with_capacity(LINEAGE)),
        }
    }

    /// Whether `later` belongs to the same session as `sent`: they are the same tokens, carry
    /// the same subject, or `later` came from `sent` through this interceptor's refreshes.
    fn same_session(&self, sent: &Tokens, later: &Tokens) -> bool {
        if sent == later
            || sent.subject().is_some_and(|s| later.subject() == Some(s))
            || self
                .fleet
                .as_ref()
                .is_some_and(|fleet| fleet.same_session(sent, later))
        {
            return true;
        }
        let lineage = self.lineage.lock().unwrap_or_else(PoisonError::into_inner);
        let mut current = sent;
        for _ in 0..LINEAGE {
            let Some((_, next)) = lineage.iter().rev().find(|(from, _)| **from == *current) else {
                return false;
            };
            if **next == *later {
                return true;
            }
            current = next;
        }
        false
    }

    fn remember(&self, replaced: &Arc<Tokens>, fresh: &Arc<Tokens>) {
        let mut lineage = self.lineage.lock().unwrap_or_else(PoisonError::into_inner);
        if lineage.len() == LINEAGE {
            lineage.pop_front();
        }
        lineage.push_back((replaced.clone(), fresh.clone()));
    }

    /// What the store holds now, for a call of `session`: its tokens if they are of that
    /// session, `Expired` otherwise.
    fn current_for(&self, session: &Tokens) -> Outcome {
        match self.store.get() {
            Some(current) if self.same_session(session, &current) => Outcome::Refreshed(current),
            _ => Outcome::Expired,
        }
    }

    /// The tokens to use instead of `sent` (what a call found wanting; `None` if it was sent
    /// without a token): the store's, if they are already newer tokens of the same session;
    /// else those of the refresh in progress for that session, which is started if need be.
    /// A call sent without a token, or in a session that has ended or been replaced by
    /// another user's, gets `Expired`: replaying it with someone else's token would hand
    /// their data to the code acting for the first.
    pub(super) async fn refresh(self: &Arc<Self>, sent: Option<&Arc<Tokens>>) -> Outcome {
        let Some(sent) = sent else {
            return Outcome::Expired;
        };
        let outcome = {
            let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(current) = self.store.get() else {
                // Signed out, or the session already ended (its hook has run): nothing to
                // refresh, and nobody to tell again.
                return Outcome::Expired;
            };
            if *current != **sent {
                return if self.same_session(sent, &current) {
                    Outcome::Refreshed(current)
                } else {
                    Outcome::Expired
                };
            }
            match &slot.flight {
                Some(flight) if *flight.replaces == *current && !flight.is_abandoned() => {
                    flight.outcome.clone()
                }
                _ => self.start(&mut slot, current),
            }
        };
        outcome.await
    }

    /// Starts a refresh of `current` and puts it in the slot. It runs as a task of its own
    /// when there is a runtime to spawn on, so it completes even if every waiting call is
    /// cancelled: a provider that rotates refresh tokens has consumed the old one by then,
    /// and dropping its answer would end the session at the next refresh.
    fn start(
        self: &Arc<Self>,
        slot: &mut Slot,
        current: Arc<Tokens>,
    ) -> Shared<BoxFuture<'static, Outcome>> {
        let id = slot.next_id;
        slot.next_id += 1;
        let this = self.clone();
        let replaces = current.clone();
        let run = async move {
            let outcome = this.run_within_deadline(&replaces).await;
            this.finish(id);
            outcome
        };
        let mut abort = None;
        let outcome: BoxFuture<'static, Outcome> = match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let task = runtime.spawn(run);
                abort = Some(task.abort_handle());
                let this = self.clone();
                Box::pin(async move {
                    task.await.unwrap_or_else(|_| {
                        // The task is gone without finishing (its runtime was shut down, as a
                        // per-call `block_on` does): the slot must not keep a flight that
                        // nobody runs, or every later 401 would join it.
                        this.finish(id);
                        Outcome::Failed(Arc::new(refresh_failed("the refresh task was stopped")))
                    })
                })
            }
            // No tokio runtime to spawn on: run it inside the waiting calls, as a shared future.
            Err(_) => Box::pin(run),
        };
        let outcome = outcome.shared();
        slot.flight = Some(Flight {
            id,
            replaces: current,
            outcome: outcome.clone(),
            task: abort,
        });
        outcome
    }

    /// Runs the refresher, failed if it panics or outlives the deadline (which needs tokio's
    /// timer: without a runtime it is not enforced).
    async fn run_within_deadline(&self, replaces: &Arc<Tokens>) -> Outcome {
        let run = AssertUnwindSafe(self.run(replaces)).catch_unwind();
        let outcome = match self.deadline {
            Some(deadline) if tokio::runtime::Handle::try_current().is_ok() => {
                match tokio::time::timeout(deadline, run).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        return Outcome::Failed(Arc::new(refresh_failed(&format!(
                            "no answer within {deadline:?}"
                        ))));
                    }
                }
            }
            _ => run.await,
        };
        // A panicking refresher must not poison auth for the life of the process.
        outcome
            .unwrap_or_else(|_| Outcome::Failed(Arc::new(refresh_failed("the refresher panicked"))))
    }

    async fn run(&self, replaces: &Arc<Tokens>) -> Outcome {
        let lease = match &self.fleet {
            Some(fleet) => match fleet.begin(replaces).await {
                Turn::Lead(lease) => Some(lease),
                Turn::Refreshed(fresh) => return self.adopt(replaces, fresh),
                Turn::Ended => return Outcome::Expired,
                Turn::Alone => None,
                Turn::Failed => {
                    return Outcome::Failed(Arc::new(refresh_failed(
                        "another process of the fleet failed to refresh moments ago",
                    )));
                }
            },
            None => None,
        };
        let result = self.refresher.refresh(replaces).await.map(|mut fresh| {
            // Tokens whose issue time is unknown were issued now, as far as this process can
            // tell: their lifetime bounds how early they are refreshed again.
            if fresh.issued_at().is_none() && fresh.expires_at().is_some() {
                fresh = fresh.with_issued_at(SystemTime::now());
            }
            fresh
        });
        match lease {
            Some(lease) => self.settle(replaces, lease, result).await,
            None => self.store_alone(replaces, result),
        }
    }

    /// Ends the fleet's lease with the refresh's result: stored only if the lease was still
    /// this process's.
    async fn settle(
        &self,
        replaces: &Arc<Tokens>,
        lease: Box<dyn RefreshLease>,
        result: crate::error::Result<Tokens>,
    ) -> Outcome {
        let (end, error, refused) = match result {
            Ok(fresh) => (LeaseEnd::Refreshed(fresh), None, false),
            Err(error) if is_refusal(&error) => (LeaseEnd::Refused, None, true),
            Err(error) => (LeaseEnd::Failed, Some(error), false),
        };
        let settled = lease.finish(end).await;
        if let Some(error) = error {
            return Outcome::Failed(Arc::new(error));
        }
        match settled {
            Settled::Committed if refused => {
                if let Some(hook) = &self.on_session_expired {
                    hook();
                }
                Outcome::Expired
            }
            Settled::Committed => match self.store.get() {
                Some(fresh) => {
                    self.remember(replaces, &fresh);
                    Outcome::Refreshed(fresh)
                }
                None => Outcome::Expired,
            },
            Settled::Superseded(Some(fresh)) => self.adopt(replaces, fresh),
            Settled::Superseded(None) => Outcome::Expired,
        }
    }

    /// Tokens another process of the fleet refreshed `replaces` into.
    fn adopt(&self, replaces: &Arc<Tokens>, fresh: Tokens) -> Outcome {
        let fresh = Arc::new(fresh);
        self.remember(replaces, &fresh);
        Outcome::Refreshed(fresh)
    }

    /// Stores a refresh this process did on its own.
    fn store_alone(&self, replaces: &Arc<Tokens>, result: crate::error::Result<Tokens>) -> Outcome {
        match result {
            Ok(fresh) => {
                let fresh = Arc::new(fresh);
                // If the user signed out (and maybe in) meanwhile, this result belongs to a
                // session that is gone: it is dropped. The waiters get what the store holds
                // only if it is of their session (a refresh elsewhere with the same subject).
                if self.store.compare_and_set(replaces, Tokens::clone(&fresh)) {
                    self.remember(replaces, &fresh);
                    Outcome::Refreshed(fresh)
                } else {
                    self.current_for(replaces)
                }
            }
            Err(error) if is_refusal(&error) => {
                // Only the session this refresh belongs to ends, once; a session begun
                // meanwhile is left alone.
                if self.store.compare_and_clear(replaces)
                    && let Some(hook) = &self.on_session_expired
                {
                    hook();
                }
                self.current_for(replaces)
            }
            Err(error) => Outcome::Failed(Arc::new(error)),
        }
    }

    /// Empties the slot if it still holds flight `id`: later 401s (with the new token) may
    /// need a refresh of their own.
    fn finish(&self, id: u64) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.flight.as_ref().is_some_and(|f| f.id == id) {
            slot.flight = None;
        }
    }
}

/// Whether a refresher's error says the refresh token is no good, which ends the session: the
/// token endpoint answered 400 (OAuth's `invalid_grant`) or 401, or the refresher returned
/// [`Error::Unauthorized`]. Anything else — a network failure, a timeout, a 5xx, a captive
/// portal's HTML page that does not decode, a redirect, a 403 or 404 from a proxy — says
/// nothing about the token, and keeps the session.
pub(super) fn is_refusal(error: &Error) -> bool {
    match error {
        Error::Unauthorized { .. } => true,
        Error::Status { response } => matches!(response.status().as_u16(), 400 | 401),
        _ => false,
    }
}

/// The error waiting calls get when the refresh itself broke. The panic's message is not kept:
/// it may quote a token, and the panic hook has printed it already.
fn refresh_failed(what: &str) -> Error {
    Error::network(
        NetworkKind::Other,
        format!("the token refresh failed: {what}"),
    )
}
