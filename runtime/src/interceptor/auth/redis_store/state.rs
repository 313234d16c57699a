//! What a process knows of the fleet's session: the tokens in memory, the generation they
//! are in Redis, and what Redis has not been told yet.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::{Notify, watch};

use super::record::{Record, Sealer, TokenKey};
use super::scripts::{RESTORE, Reply, Sealed, WRITE};
use crate::auth::Tokens;
use crate::error::Result;

/// How long a step of a fleet refresh waits for Redis at least.
const COORDINATION_TIMEOUT: Duration = Duration::from_secs(1);
/// Sessions remembered for telling a refreshed token from another session's.
const RECENT: usize = 16;

pub(super) struct Timing {
    pub(super) lease: Duration,
    pub(super) timeout: Duration,
    pub(super) staleness: Duration,
}

pub(super) struct Keys {
    pub(super) record: String,
    pub(super) lease: String,
    pub(super) fence: String,
    pub(super) channel: String,
}

/// The store's state, shared by the store, its coordinator, its leases and its follower.
pub(super) struct Shared {
    pub(super) client: redis::Client,
    connection: ConnectionManager,
    pub(super) keys: Keys,
    pub(super) sealer: Sealer,
    /// Names this process's leases.
    pub(super) owner: String,
    pub(super) timing: Timing,
    state: Mutex<State>,
    /// Bumped on every change of the tokens in memory: what waiting refreshes watch.
    pub(super) changed: watch::Sender<u64>,
    /// Wakes the follower to write what Redis has not been told.
    pub(super) wake: Arc<Notify>,
    /// Refreshes do not try Redis for a second after a command failed.
    breaker: crate::redis_connection::Breaker,
    /// Keys the digests of remembered tokens.
    hasher: std::collections::hash_map::RandomState,
    pub(super) follower: Mutex<Option<tokio::task::AbortHandle>>,
    syncing: tokio::sync::Mutex<()>,
}

struct State {
    held: Option<Arc<Tokens>>,
    generation: u64,
    session: String,
    pending: Option<Pending>,
    /// Digests of recent tokens and the session each was of, newest last.
    recent: VecDeque<(u64, String)>,
}

/// What this process holds that Redis does not.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Pending {
    /// Tokens changed here from generation `n` (a refresh while Redis was down): written by
    /// compare-and-set from it; if the fleet moved on meanwhile, the fleet's win.
    From(u64),
    /// Redis lost the session: memory is written back as generation `n`, over a missing
    /// key or an older generation (what another process wrote back first).
    Restore(u64),
    /// A sign-in or sign-out here: written over whatever Redis holds.
    Over,
}

impl Shared {
    pub(super) fn new(
        client: redis::Client,
        connection: ConnectionManager,
        record: &str,
        key: Option<&TokenKey>,
        timing: Timing,
    ) -> Arc<Self> {
        Arc::new(Self {
            client,
            connection,
            keys: Keys {
                record: record.to_owned(),
                lease: format!("{record}:lease"),
                fence: format!("{record}:fence"),
                channel: record.to_owned(),
            },
            sealer: Sealer::new(key, record.to_owned()),
            owner: format!("{:032x}", fastrand::u128(..)),
            timing,
            state: Mutex::new(State {
                held: None,
                generation: 0,
                session: String::new(),
                pending: None,
                recent: VecDeque::with_capacity(RECENT),
            }),
            changed: watch::Sender::new(0),
            wake: Arc::new(Notify::new()),
            breaker: crate::redis_connection::Breaker::default(),
            hasher: std::collections::hash_map::RandomState::new(),
            follower: Mutex::new(None),
            syncing: tokio::sync::Mutex::new(()),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn held(&self) -> Option<Arc<Tokens>> {
        self.state().held.clone()
    }

    /// The tokens held, their generation and session, and whether Redis is behind.
    pub(super) fn snapshot(&self) -> (Option<Arc<Tokens>>, u64, String, Option<Pending>) {
        let state = self.state();
        (
            state.held.clone(),
            state.generation,
            state.session.clone(),
            state.pending,
        )
    }

    fn digest(&self, tokens: &Tokens) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        hasher.write(tokens.access_token().as_bytes());
        hasher.write_u8(0xff);
        hasher.write(tokens.refresh_token().unwrap_or_default().as_bytes());
        hasher.finish()
    }

    /// Whether both tokens were seen as versions of one session.
    pub(super) fn same_session(&self, sent: &Tokens, later: &Tokens) -> bool {
        let (sent, later) = (self.digest(sent), self.digest(later));
        let state = self.state();
        let session_of = |digest| {
            state
                .recent
                .iter()
                .rev()
                .find(|(d, _)| *d == digest)
                .map(|(_, s)| s)
        };
        session_of(sent).is_some_and(|s| Some(s) == session_of(later))
    }

    /// Puts `tokens` in memory as `session`'s, and tells whoever waits.
    fn hold(&self, state: &mut State, tokens: Option<Arc<Tokens>>, session: String) {
        if let Some(tokens) = &tokens {
            if state.recent.len() == RECENT {
                state.recent.pop_front();
            }
            state
                .recent
                .push_back((self.digest(tokens), session.clone()));
        }
        state.held = tokens;
        state.session = session;
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub(super) fn sign_in_here(&self, tokens: Tokens) {
        let mut state = self.state();
        let session = format!("{:032x}", fastrand::u128(..));
        self.hold(&mut state, Some(Arc::new(tokens)), session);
        state.pending = Some(Pending::Over);
        drop(state);
        self.wake.notify_one();
    }

    pub(super) fn sign_out_here(&self) {
        let mut state = self.state();
        let session = state.session.clone();
        self.hold(&mut state, None, session);
        state.pending = Some(Pending::Over);
        drop(state);
        self.wake.notify_one();
    }

    /// Replaces `current` with `new` in memory if it is held, for Redis to learn later.
    pub(super) fn replace_here(&self, current: &Tokens, new: Option<Tokens>) -> bool {
        let mut state = self.state();
        if state.held.as_deref() != Some(current) {
            return false;
        }
        let session = state.session.clone();
        self.hold(&mut state, new.map(Arc::new), session);
        if state.pending.is_none() {
            state.pending = Some(Pending::From(state.generation));
        }
        drop(state);
        self.wake.notify_one();
        true
    }

    /// Stores the result of this process's committed refresh: Redis is at `generation`.
    pub(super) fn committed(&self, generation: u64, tokens: Option<Tokens>, session: &str) {
        let mut state = self.state();
        // A sign-in here meanwhile is newer, and on its way to Redis.
        if state.pending.is_none() {
            self.hold(&mut state, tokens.map(Arc::new), session.to_owned());
            state.generation = generation;
        }
    }

    /// Takes what Redis holds if it is newer than memory. Returns whether memory changed.
    /// Memory that Redis is behind on is left for the follower to reconcile. Only newer
    /// generations are taken here: a reply that raced a newer write must never bring back
    /// an older session (another user's tokens).
    pub(super) fn adopt(&self, record: Record) -> bool {
        self.adopt_if(record, None)
    }

    /// [`adopt`](Self::adopt) for what a read begun at memory version `read_at` (see
    /// [`version`](Self::version)) found the session to be: if memory has not changed since,
    /// that is what Redis holds now, and another session than memory's is taken whatever its
    /// generation — a sign-in made after Redis lost its data, whose count started again.
    fn adopt_current(&self, record: Record, read_at: u64) -> bool {
        self.adopt_if(record, Some(read_at))
    }

    /// Counts changes of the tokens in memory.
    fn version(&self) -> u64 {
        *self.changed.borrow()
    }

    fn adopt_if(&self, record: Record, read_at: Option<u64>) -> bool {
        let mut state = self.state();
        let unchanged_since_read = read_at.is_some_and(|at| at == self.version());
        let newer = record.generation > state.generation
            || (unchanged_since_read && record.session != state.session);
        if state.pending.is_some() || !newer {
            return false;
        }
        state.generation = record.generation;
        self.hold(&mut state, record.tokens.map(Arc::new), record.session);
        true
    }

    /// Asks Redis `invocation`'s script; `None` (with the breaker tripped) when it fails or
    /// is too slow.
    pub(super) async fn call(&self, invocation: &redis::ScriptInvocation<'_>) -> Option<Reply> {
        self.call_within(invocation, self.timing.timeout).await
    }

    /// [`call`](Self::call) for the steps of a fleet refresh, which wait longer: a slow
    /// Redis that makes a process refresh alone may make two processes present one refresh
    /// token, and a provider that detects reuse then signs the whole fleet out.
    pub(super) async fn coordinate(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Option<Reply> {
        let bound = (self.timing.timeout * 4).max(COORDINATION_TIMEOUT);
        self.call_within(invocation, bound).await
    }

    async fn call_within(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
        bound: Duration,
    ) -> Option<Reply> {
        let mut connection = self.connection.clone();
        let answer = tokio::time::timeout(
            bound,
            invocation.invoke_async::<Vec<Vec<u8>>>(&mut connection),
        )
        .await;
        match answer {
            Ok(Ok(parts)) => {
                self.breaker.record(true);
                Reply::parse(parts)
            }
            Ok(Err(error)) => {
                self.trip(&error.to_string());
                None
            }
            Err(_) => {
                self.trip("no answer in time");
                None
            }
        }
    }

    /// Runs RENEW; whether the lease is still this process's (a failure to ask counts as
    /// yes: the lease may still be good, and the commit is fenced anyway).
    pub(super) async fn renewed(&self, invocation: &redis::ScriptInvocation<'_>) -> bool {
        let mut connection = self.connection.clone();
        let answer = tokio::time::timeout(
            self.timing.timeout,
            invocation.invoke_async::<i64>(&mut connection),
        )
        .await;
        !matches!(answer, Ok(Ok(0)))
    }

    /// Marks the tokens changed here as to be written back even if Redis lost the key.
    pub(super) fn set_restore(&self) {
        let mut state = self.state();
        if let Some(Pending::From(from)) = state.pending {
            state.pending = Some(Pending::Restore(from + 1));
        }
    }

    fn trip(&self, why: &str) {
        if self.breaker.record(false) {
            tracing::warn!(
                key = %self.keys.record,
                "Redis is unreachable ({why}): tokens are served from memory and refreshed in this process alone until it answers"
            );
        }
    }

    /// Whether a refresh should skip Redis: a command failed less than a second ago.
    pub(super) fn is_down(&self) -> bool {
        self.breaker.is_open()
    }

    /// Reads the session from Redis into memory.
    pub(super) async fn reload(&self) -> Result<()> {
        let read_at = self.version();
        let mut connection = self.connection.clone();
        let read = tokio::time::timeout(
            self.timing.timeout.max(Duration::from_secs(1)),
            redis::cmd("HMGET")
                .arg(&self.keys.record)
                .arg(&["g", "s", "d"][..])
                .query_async::<(Option<u64>, Option<String>, Option<Vec<u8>>)>(&mut connection),
        )
        .await;
        let (generation, session, data) = match read {
            Ok(Ok(fields)) => fields,
            Ok(Err(error)) => return Err(crate::redis_connection::network(error)),
            Err(_) => return Err(super::not_written()),
        };
        let Some(generation) = generation else {
            self.lost();
            return Ok(());
        };
        let sealed = Sealed {
            generation,
            session: session.unwrap_or_default(),
            data: data.unwrap_or_default(),
        };
        if let Some(record) = sealed.open(&self.sealer) {
            self.adopt_current(record, read_at);
        }
        Ok(())
    }

    /// Redis has no key for the session: if this process holds a generation of it, Redis
    /// lost its data, and the session is written back.
    pub(super) fn lost(&self) {
        let mut state = self.state();
        if state.generation > 0 && state.pending.is_none() {
            state.pending = Some(Pending::Restore(state.generation));
            drop(state);
            self.wake.notify_one();
        }
    }

    /// Ok if Redis holds what memory does.
    pub(super) fn written(&self) -> Result<()> {
        match self.state().pending {
            None => Ok(()),
            Some(_) => Err(super::not_written()),
        }
    }

    /// Tells Redis what it has not been told; with nothing to tell, reads it.
    pub(super) async fn sync_once(&self) {
        // One round at a time: two rounds pushing the same change would have the second
        // find its own write as a conflict.
        let _one = self.syncing.lock().await;
        for _ in 0..4 {
            let (held, generation, session, pending) = self.snapshot();
            let Some(pending) = pending else {
                let _ = self.reload().await;
                return;
            };
            let (expect, script) = match pending {
                Pending::From(from) => (from, &*WRITE),
                Pending::Restore(at) => (at, &*RESTORE),
                Pending::Over => (generation, &*WRITE),
            };
            let written = if let Pending::Restore(at) = pending {
                at
            } else {
                expect + 1
            };
            // A change made here applies to the session it was made in only; a sign-in or
            // sign-out goes over any.
            let expected_session = if pending == Pending::Over {
                ""
            } else {
                &session
            };
            let write = Write {
                expect,
                written,
                session: &session,
                tokens: held.as_deref(),
                expected_session,
            };
            let reply = self.write(script, &write).await;
            match reply {
                None => return,
                Some(Reply::Ok(written)) => {
                    self.wrote(pending, &held, written);
                }
                Some(Reply::Moved(sealed)) => self.conflict(pending, sealed),
                Some(Reply::Missing) => self.set_pending(pending, Pending::Restore(expect + 1)),
                Some(_) => return,
            }
        }
    }

    fn set_pending(&self, was: Pending, now: Pending) {
        let mut state = self.state();
        if state.pending == Some(was) {
            state.pending = Some(now);
        }
    }

    /// Redis took `held` at `generation`: memory is in sync, unless it changed meanwhile,
    /// in which case that change goes next, from the generation just written.
    fn wrote(&self, pending: Pending, held: &Option<Arc<Tokens>>, generation: u64) {
        let mut state = self.state();
        let unchanged = match (&state.held, held) {
            (Some(now), Some(then)) => Arc::ptr_eq(now, then),
            (None, None) => true,
            _ => false,
        };
        if state.pending != Some(pending) {
            return;
        }
        state.generation = generation;
        state.pending = if unchanged {
            None
        } else {
            Some(Pending::From(generation))
        };
    }

    /// Redis moved on from the generation this process wrote from.
    fn conflict(&self, pending: Pending, sealed: Sealed) {
        let Some(record) = sealed.open(&self.sealer) else {
            return;
        };
        let mut state = self.state();
        if state.pending != Some(pending) {
            return;
        }
        match pending {
            // A sign-in or sign-out here goes over whatever the fleet did: from its
            // generation, next round.
            Pending::Over => state.generation = record.generation,
            Pending::From(_) | Pending::Restore(_) => {
                tracing::warn!(
                    key = %self.keys.record,
                    "tokens refreshed while Redis was unreachable were superseded by the fleet's"
                );
                state.pending = None;
                state.generation = record.generation;
                self.hold(&mut state, record.tokens.map(Arc::new), record.session);
            }
        }
    }

    /// Ends the session at `generation` for the whole fleet (a tombstone), if Redis still
    /// holds it there; memory follows.
    pub(super) async fn end_session(&self, generation: u64, session: &str) {
        let write = Write {
            expect: generation,
            written: generation + 1,
            session,
            tokens: None,
            expected_session: session,
        };
        if let Some(Reply::Ok(written)) = self.write(&WRITE, &write).await {
            self.committed(written, None, session);
        }
    }

    /// Runs WRITE or RESTORE for `write`.
    async fn write(&self, script: &redis::Script, write: &Write<'_>) -> Option<Reply> {
        let data = self.sealer.seal(write.written, write.session, write.tokens);
        let mut invocation = script.prepare_invoke();
        invocation
            .key(&self.keys.record)
            .arg(write.expect)
            .arg(write.session)
            .arg(data)
            .arg(&self.keys.channel)
            .arg(write.expected_session);
        self.call(&invocation).await
    }

    /// Compare-and-set in Redis, for [`RedisTokenStore::replace`](super::RedisTokenStore::replace).
    pub(super) async fn replace(&self, current: &Tokens, new: Tokens) -> Result<bool> {
        if self.snapshot().3.is_some() {
            self.sync_once().await;
        }
        let (held, generation, session, _) = self.snapshot();
        if held.as_deref() != Some(current) {
            return Ok(false);
        }
        let write = Write {
            expect: generation,
            written: generation + 1,
            session: &session,
            tokens: Some(&new),
            expected_session: &session,
        };
        let reply = self.write(&WRITE, &write).await;
        match reply {
            Some(Reply::Ok(written)) => {
                self.committed(written, Some(new), &session);
                Ok(true)
            }
            Some(Reply::Moved(sealed)) => {
                if let Some(record) = sealed.open(&self.sealer) {
                    self.adopt(record);
                }
                Ok(false)
            }
            Some(Reply::Missing) => {
                self.lost();
                Ok(false)
            }
            _ => Err(super::not_written()),
        }
    }
}

/// One write of the session: from generation `expect` to `written`.
struct Write<'a> {
    expect: u64,
    written: u64,
    session: &'a str,
    tokens: Option<&'a Tokens>,
    /// The session Redis must still hold (`""`: any).
    expected_session: &'a str,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(follower) = self
            .follower
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            follower.abort();
        }
    }
}
