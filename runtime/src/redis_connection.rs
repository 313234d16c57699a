//! The one way ferrofit connects to Redis (feature `redis`): for the cache store and the
//! shared rate limit alike.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::error::{Error, NetworkKind, Result};

/// How long connecting may take, at start and when Redis comes back.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection manager for `url` (it reconnects on its own), connected now. Commands are
/// bounded by their callers' own timeouts.
///
/// # Errors
///
/// [`Error::Config`] for a namespace that has a space or glob character in it, or a URL
/// that cannot be used; [`Error::Network`] when Redis does not answer within 2 s.
pub(crate) async fn connect(url: &str, namespace: &str) -> Result<ConnectionManager> {
    connect_client(url, namespace)
        .await
        .map(|(_, manager)| manager)
}

/// [`connect`], also giving the client, for connections of another kind (pub/sub).
pub(crate) async fn connect_client(
    url: &str,
    namespace: &str,
) -> Result<(redis::Client, ConnectionManager)> {
    if namespace.is_empty()
        || namespace
            .chars()
            .any(|c| c.is_whitespace() || "*?[]\\".contains(c))
    {
        return Err(Error::config(format!(
            "`{namespace}` cannot be a Redis namespace: give a non-empty name without spaces or glob characters"
        )));
    }
    let client = redis::Client::open(url)
        .map_err(|e| Error::config(format!("the Redis URL cannot be used: {e}")))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(None)
        .set_number_of_retries(1);
    let manager = ConnectionManager::new_with_config(client.clone(), config)
        .await
        .map_err(network)?;
    Ok((client, manager))
}

/// A Redis failure as a network error.
pub(crate) fn network(error: redis::RedisError) -> Error {
    Error::network(NetworkKind::Connect, error)
}
