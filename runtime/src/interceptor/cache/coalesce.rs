//! Concurrent misses for one request go to the network once. The first caller leads: it
//! fetches and stores. The others wait for it to land, then read what it stored, share its
//! network error, or — when it stored nothing (`no-store`, a status the cache keeps not) — go
//! to the network themselves, all at once. A leader that is cancelled hands the lead to one of
//! the waiters; nobody else is cancelled with it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::FutureExt;
use futures_util::future::Shared;
use tokio::sync::oneshot;

use crate::error::Error;

/// How a leader's fetch ended, as its followers see it.
#[derive(Clone)]
pub(super) enum Landed {
    /// The response is in the store: read it from there.
    Stored,
    /// Nothing was stored; each follower asks the network itself.
    NotStored,
    /// The network failed: every follower gets the error (or its own stale fallback).
    Failed(Arc<Error>),
}

type Flight = Shared<oneshot::Receiver<Landed>>;

/// The misses in flight, by request.
#[derive(Default)]
pub(super) struct Misses {
    flights: Mutex<HashMap<String, Flight>>,
}

/// A caller's part in a miss.
pub(super) enum Turn {
    /// Fetch, then [`land`](Leader::land).
    Lead(Leader),
    /// Wait for the leader with [`follow`].
    Follow(Flight),
}

/// The caller that fetches for everyone. Dropped without landing (cancelled), it clears its
/// flight, and its followers wake to choose a new leader.
pub(super) struct Leader {
    misses: Arc<Misses>,
    key: String,
    sender: Option<oneshot::Sender<Landed>>,
}

impl Misses {
    /// Leads the miss for `key` if none is in flight, else follows the one that is.
    pub(super) fn turn(self: &Arc<Self>, key: String) -> Turn {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(flight) = flights.get(&key) {
            return Turn::Follow(flight.clone());
        }
        let (sender, receiver) = oneshot::channel();
        flights.insert(key.clone(), receiver.shared());
        Turn::Lead(Leader {
            misses: self.clone(),
            key,
            sender: Some(sender),
        })
    }

    fn clear(&self, key: &str) {
        self.flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

impl Leader {
    /// Tells the followers how the fetch ended.
    pub(super) fn land(mut self, landed: Landed) {
        self.misses.clear(&self.key);
        if let Some(sender) = self.sender.take() {
            // Nobody may be waiting.
            let _ = sender.send(landed);
        }
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        if self.sender.is_some() {
            // Cleared before the sender goes, so that the woken followers start a new flight.
            self.misses.clear(&self.key);
        }
    }
}

/// What the leader landed with; `None` if it was cancelled first.
pub(super) async fn follow(flight: Flight) -> Option<Landed> {
    flight.await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_leads_the_others_follow_and_a_cancelled_leader_hands_over() {
        let misses = Arc::new(Misses::default());
        let Turn::Lead(leader) = misses.turn("k".into()) else {
            panic!("the first caller leads");
        };
        let Turn::Follow(flight) = misses.turn("k".into()) else {
            panic!("the second follows");
        };
        assert!(matches!(misses.turn("other".into()), Turn::Lead(_)));
        drop(leader);
        assert!(follow(flight).await.is_none(), "cancelled, not landed");
        let Turn::Lead(next) = misses.turn("k".into()) else {
            panic!("a follower takes the lead");
        };
        let Turn::Follow(flight) = misses.turn("k".into()) else {
            panic!("and is followed");
        };
        next.land(Landed::Stored);
        assert!(matches!(follow(flight).await, Some(Landed::Stored)));
        assert!(
            matches!(misses.turn("k".into()), Turn::Lead(_)),
            "landed flights are gone"
        );
    }
}
