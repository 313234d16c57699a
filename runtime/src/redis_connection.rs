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

/// How long Redis is skipped after a command failed: a Redis that is down costs each call
/// one failed command a second at most, not one per call.
pub(crate) const BREAK: Duration = Duration::from_secs(1);

/// Skips Redis for [`BREAK`] after a command failed or was too slow (then lets the next
/// command try again), so the stores of a process whose Redis is down answer at once.
#[derive(Debug, Default)]
pub(crate) struct Breaker {
    open_until: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl Breaker {
    /// Whether Redis is being skipped now.
    pub(crate) fn is_open(&self) -> bool {
        self.lock()
            .is_some_and(|until| tokio::time::Instant::now() < until)
    }

    /// Counts a command's outcome; true if a failure opened the breaker (to warn once).
    pub(crate) fn record(&self, succeeded: bool) -> bool {
        let mut open_until = self.lock();
        if succeeded {
            *open_until = None;
            return false;
        }
        let newly = open_until.is_none();
        *open_until = Some(tokio::time::Instant::now() + BREAK);
        newly
    }

    /// Runs `command` within `timeout`, unless Redis is being skipped.
    pub(crate) async fn run<T>(
        &self,
        timeout: Duration,
        command: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> std::result::Result<T, crate::error::BoxError> {
        if self.is_open() {
            return Err("Redis is skipped for a second after a command failed".into());
        }
        let result = match tokio::time::timeout(timeout, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(Box::new(error) as crate::error::BoxError),
            Err(_) => Err("Redis did not answer in time".into()),
        };
        self.record(result.is_ok());
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<tokio::time::Instant>> {
        self.open_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_failure_skips_redis_for_a_second_and_a_success_closes_the_breaker() {
        let breaker = Breaker::default();
        assert!(!breaker.is_open());
        assert!(breaker.record(false), "the first failure opens it");
        assert!(!breaker.record(false), "a second one keeps it open");
        assert!(breaker.is_open());
        let skipped = breaker
            .run(Duration::from_secs(1), async {
                Ok::<_, redis::RedisError>(1)
            })
            .await;
        assert!(skipped.is_err(), "the command is not run while open");
        tokio::time::advance(BREAK).await;
        assert!(!breaker.is_open(), "tried again after a second");
        let ran = breaker
            .run(Duration::from_secs(1), async {
                Ok::<_, redis::RedisError>(7)
            })
            .await;
        assert_eq!(ran.unwrap(), 7);
        let slow = breaker
            .run(
                Duration::from_millis(250),
                std::future::pending::<redis::RedisResult<u8>>(),
            )
            .await;
        assert!(
            slow.is_err() && breaker.is_open(),
            "a slow Redis opens it too"
        );
    }
}
