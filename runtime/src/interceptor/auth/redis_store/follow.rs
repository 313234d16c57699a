//! Keeping a process's tokens current: pub/sub messages as the fleet writes, a read of the
//! session at least every `staleness`, and writing back what Redis has not been told.

use std::sync::{Arc, PoisonError, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;

use super::scripts::Sealed;
use super::state::Shared;

/// How long subscribing may take before the follower polls instead for a while.
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Starts following the session for `shared`, until it is dropped.
pub(super) fn start(shared: &Arc<Shared>) {
    let task = tokio::spawn(follow(
        Arc::downgrade(shared),
        shared.client.clone(),
        shared.keys.channel.clone(),
        shared.wake.clone(),
        shared.timing.staleness,
    ));
    *shared
        .follower
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(task.abort_handle());
}

async fn follow(
    shared: Weak<Shared>,
    client: redis::Client,
    channel: String,
    wake: Arc<Notify>,
    staleness: Duration,
) {
    loop {
        let subscribed = tokio::time::timeout(SUBSCRIBE_TIMEOUT, async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        })
        .await;
        // Whatever was missed while not subscribed is read now.
        if !sync(&shared).await {
            return;
        }
        let Ok(Ok(pubsub)) = subscribed else {
            // Redis is unreachable: poll (which also writes back) until it answers again.
            tokio::select! {
                () = tokio::time::sleep(staleness) => {}
                () = wake.notified() => {}
            }
            continue;
        };
        let mut messages = pubsub.into_on_message();
        loop {
            tokio::select! {
                message = messages.next() => {
                    let Some(message) = message else { break };
                    let Some(shared) = shared.upgrade() else { return };
                    match Sealed::from_message(message.get_payload_bytes()) {
                        Some(sealed) => {
                            if let Some(record) = sealed.open(&shared.sealer) {
                                shared.adopt(record);
                            }
                        }
                        None => shared.sync_once().await,
                    }
                }
                () = tokio::time::sleep(staleness) => {
                    if !sync(&shared).await { return; }
                }
                () = wake.notified() => {
                    if !sync(&shared).await { return; }
                }
            }
        }
        // The subscription broke (Redis restarted): subscribe again after a pause.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One round of [`Shared::sync_once`]; false once the store is gone.
async fn sync(shared: &Weak<Shared>) -> bool {
    let Some(shared) = shared.upgrade() else {
        return false;
    };
    shared.sync_once().await;
    true
}
