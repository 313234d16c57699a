//! A `redis-server` of the caller's own on a free loopback port, for the fleet example and the
//! token-store bench: `REDIS_URL` when it is set, otherwise a server started here that saves
//! nothing and is stopped when dropped.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long `redis-server` may take to accept connections.
const STARTUP: Duration = Duration::from_secs(10);

/// The Redis an example or bench talks to: the one `REDIS_URL` names, or a `redis-server`
/// started on a free loopback port (no snapshots, no append-only file) and killed on drop.
///
/// # Examples
///
/// ```no_run
/// use ferrofit_examples::local_redis::LocalRedis;
///
/// let redis = LocalRedis::from_env_or_start()?;
/// let store_url = redis.url().to_owned(); // give this to `RedisTokenStore::builder`
/// # drop(store_url);
/// # Ok::<(), String>(())
/// ```
pub struct LocalRedis {
    url: String,
    /// The server started here; `None` when `REDIS_URL` named one.
    child: Option<Child>,
}

impl LocalRedis {
    /// The Redis of `REDIS_URL` if it is set, otherwise a new local `redis-server`.
    ///
    /// # Errors
    ///
    /// When `redis-server` cannot be started, or does not accept connections within 10 s; the
    /// message says how to install it.
    pub fn from_env_or_start() -> Result<Self, String> {
        match std::env::var("REDIS_URL") {
            Ok(url) => Ok(Self { url, child: None }),
            Err(_) => Self::start(),
        }
    }

    /// Starts a `redis-server` on a free loopback port.
    ///
    /// # Errors
    ///
    /// As [`from_env_or_start`](Self::from_env_or_start).
    pub fn start() -> Result<Self, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        let mut child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start redis-server ({e}): install it (apt-get install redis-server) or set REDIS_URL"
                )
            })?;
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > STARTUP || child.try_wait().is_ok_and(|s| s.is_some()) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "redis-server exited or did not accept connections within {STARTUP:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Self {
            url: format!("redis://127.0.0.1:{port}"),
            child: Some(child),
        })
    }

    /// The server's `redis://` URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Debug for LocalRedis {
    // Not the URL: one from `REDIS_URL` may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalRedis")
            .field("started_here", &self.child.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for LocalRedis {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
