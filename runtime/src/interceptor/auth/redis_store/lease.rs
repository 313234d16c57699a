//! One refresh for the fleet: the lease a process takes before it refreshes, renewed while
//! the refresh runs and given up with a fenced commit of its result.

use std::sync::Arc;
use std::time::Duration;

use super::scripts::{ACQUIRE, COMMIT, FAILED, RENEW, Reply};
use super::state::Shared;
use crate::BoxFuture;
use crate::auth::{LeaseEnd, RefreshCoordinator, RefreshLease, Settled, Tokens, Turn};

/// The longest a waiting process goes without asking Redis again, when no pub/sub message
/// tells it that the holder finished.
const POLL: Duration = Duration::from_millis(50);
/// How long the fleet leaves a failing token endpoint alone after a failed refresh: calls
/// that need a refresh meanwhile fail at once, as they do within one process.
const FAILURE_PAUSE: Duration = Duration::from_secs(1);
/// How often a process finds Redis without the session it knows before it refreshes alone.
const RESTORES: usize = 3;
/// How often a process finds the session moved on before it refreshes alone: once is the
/// rule (it takes the newer tokens), more is a store that cannot take them.
const MOVES: usize = 3;

/// The coordinator of a [`RedisTokenStore`](super::RedisTokenStore).
pub(super) struct Fleet(pub(super) Arc<Shared>);

impl RefreshCoordinator for Fleet {
    fn begin<'a>(&'a self, current: &'a Tokens) -> BoxFuture<'a, Turn> {
        // Redis's client, its timeouts and the lease's renewal run on tokio: a refresh driven
        // by another executor is this process's alone.
        if tokio::runtime::Handle::try_current().is_err() {
            return Box::pin(async { Turn::Alone });
        }
        Box::pin(begin(&self.0, current))
    }

    fn same_session(&self, sent: &Tokens, later: &Tokens) -> bool {
        self.0.same_session(sent, later)
    }
}

async fn begin(shared: &Arc<Shared>, current: &Tokens) -> Turn {
    let mut changed = shared.changed.subscribe();
    let (mut restores, mut moves) = (0, 0);
    loop {
        changed.mark_unchanged();
        let (held, generation, session, pending) = shared.snapshot();
        match held {
            Some(held) if *held == *current => {}
            Some(held) if shared.same_session(current, &held) => {
                return Turn::Refreshed(Tokens::clone(&held));
            }
            _ => return Turn::Ended,
        }
        if shared.is_down() {
            return Turn::Alone;
        }
        // Redis is behind this process: what it holds goes first (tokens refreshed here
        // while Redis was down are the only valid ones), then the fleet is asked. A Redis
        // that does not take them leaves this process alone.
        if pending.is_some() {
            if restores >= RESTORES {
                return Turn::Alone;
            }
            restores += 1;
            shared.sync_once().await;
            continue;
        }
        let mut invocation = ACQUIRE.prepare_invoke();
        invocation
            .key(&shared.keys.record)
            .key(&shared.keys.lease)
            .key(&shared.keys.fence)
            .arg(generation)
            .arg(&shared.owner)
            .arg(millis(shared.timing.lease));
        match shared.coordinate(&invocation).await {
            Some(Reply::Lead(lease)) => {
                return Turn::Lead(Box::new(Lease::start(
                    shared.clone(),
                    lease,
                    generation,
                    session,
                    current.clone(),
                )));
            }
            Some(Reply::Failed) => return Turn::Failed,
            // The holder and its one fenced retry both vanished after taking the lease: the
            // refresh token may be spent, and is not presented again. The session is over
            // for the fleet until a new sign-in.
            Some(Reply::Exhausted) => {
                shared.end_session(generation, &session).await;
                return Turn::Ended;
            }
            Some(Reply::Held(remaining)) => {
                let wait = POLL.min(Duration::from_millis(remaining.max(1)));
                let _ = tokio::time::timeout(wait, changed.changed()).await;
            }
            Some(Reply::Moved(sealed)) if moves < MOVES => {
                // The fleet is ahead: take its tokens (pub/sub may have brought them already)
                // and look again. A record that cannot be read (another key, tampering)
                // leaves this process alone.
                moves += 1;
                let Some(record) = sealed.open(&shared.sealer) else {
                    return Turn::Alone;
                };
                shared.adopt(record);
            }
            Some(Reply::Missing) if restores < RESTORES => {
                restores += 1;
                shared.lost();
                shared.sync_once().await;
            }
            _ => return Turn::Alone,
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// This process's right to refresh generation `generation` of the session.
struct Lease {
    shared: Arc<Shared>,
    /// `<fence>:<owner>`, as Redis holds it.
    value: String,
    generation: u64,
    session: String,
    replaces: Tokens,
    renewal: tokio::task::AbortHandle,
    finished: bool,
}

impl Lease {
    fn start(
        shared: Arc<Shared>,
        value: String,
        generation: u64,
        session: String,
        replaces: Tokens,
    ) -> Self {
        let renewal = tokio::spawn(renew(Arc::downgrade(&shared), value.clone())).abort_handle();
        Self {
            shared,
            value,
            generation,
            session,
            replaces,
            renewal,
            finished: false,
        }
    }

    async fn commit(&self, tokens: Option<Tokens>) -> Settled {
        let shared = &self.shared;
        let data = shared
            .sealer
            .seal(self.generation + 1, &self.session, tokens.as_ref());
        let mut invocation = COMMIT.prepare_invoke();
        invocation
            .key(&shared.keys.record)
            .key(&shared.keys.lease)
            .arg(&self.value)
            .arg(self.generation)
            .arg(&self.session)
            .arg(data)
            .arg(&shared.keys.channel);
        match shared.coordinate(&invocation).await {
            Some(Reply::Ok(generation)) => {
                shared.committed(generation, tokens, &self.session);
                Settled::Committed
            }
            Some(Reply::Moved(sealed)) => {
                let Some(record) = sealed.open(&shared.sealer) else {
                    return Settled::Superseded(None);
                };
                let theirs = (record.session == self.session)
                    .then(|| record.tokens.clone())
                    .flatten();
                shared.adopt(record);
                Settled::Superseded(theirs)
            }
            // Redis lost its data, or is unreachable: this process holds the session's only
            // valid tokens now, and writes them back when Redis answers.
            Some(Reply::Missing) => {
                shared.replace_here(&self.replaces, tokens);
                shared.set_restore();
                Settled::Committed
            }
            _ => {
                shared.replace_here(&self.replaces, tokens);
                Settled::Committed
            }
        }
    }
}

impl RefreshLease for Lease {
    fn finish(mut self: Box<Self>, end: LeaseEnd) -> BoxFuture<'static, Settled> {
        Box::pin(async move {
            self.renewal.abort();
            self.finished = true;
            match end {
                LeaseEnd::Refreshed(tokens) => self.commit(Some(tokens)).await,
                LeaseEnd::Refused => self.commit(None).await,
                _ => {
                    failed(&self.shared, &self.value).await;
                    Settled::Committed
                }
            }
        })
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewal.abort();
        if !self.finished
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            // The refresh was dropped (its deadline passed): a failure like any other, which
            // this process lived to report, so the next process need not wait for the lease
            // to run out, nor count it as a holder that vanished.
            let (shared, value) = (self.shared.clone(), self.value.clone());
            runtime.spawn(async move { failed(&shared, &value).await });
        }
    }
}

/// Ends the lease `value` as a failed refresh: the others wait a moment before they try the
/// token endpoint again.
async fn failed(shared: &Shared, value: &str) {
    let mut invocation = FAILED.prepare_invoke();
    invocation
        .key(&shared.keys.lease)
        .key(&shared.keys.record)
        .arg(value)
        .arg(millis(FAILURE_PAUSE));
    let _ = shared.call(&invocation).await;
}

/// Renews the lease every third of its time while the refresh runs; stops when the lease is
/// gone (another process took it after this one stalled) or the store is dropped.
async fn renew(shared: std::sync::Weak<Shared>, value: String) {
    loop {
        let Some(every) = shared.upgrade().map(|s| s.timing.lease / 3) else {
            return;
        };
        tokio::time::sleep(every).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut invocation = RENEW.prepare_invoke();
        invocation
            .key(&shared.keys.lease)
            .arg(&value)
            .arg(millis(shared.timing.lease));
        if !shared.renewed(&invocation).await {
            return;
        }
    }
}
