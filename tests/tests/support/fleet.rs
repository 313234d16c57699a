//! What the fleet tests share: the account API and token endpoint of the rotating provider, a
//! Redis token store of one session, and children of the test binary run as the fleet.

use std::time::Duration;

use ferrofit::auth::{AuthInterceptor, RedisTokenStore, Tokens};
use ferrofit::rest_api;

use super::child;

#[rest_api]
pub trait Account {
    #[get("/me")]
    async fn me(&self) -> ferrofit::Result<serde_json::Value>;
}

#[rest_api]
pub trait TokenEndpoint {
    #[post("/token")]
    #[no_auth]
    async fn refresh(&self, #[query] refresh_token: &str) -> ferrofit::Result<serde_json::Value>;
}

/// The session every process starts from: an access token the API no longer takes.
pub fn expired_session() -> Tokens {
    Tokens::new("a0").with_refresh("r0")
}

/// A store of the fleet's session `namespace`, with a 2 s lease, and a Redis timeout a busy
/// machine running 16 test processes at once cannot miss (1 s; a refresh's steps wait 4 s):
/// the tests check coordination, not speed, and a process that gives up on Redis refreshes
/// alone.
pub async fn store(redis_url: &str, namespace: &str) -> RedisTokenStore {
    RedisTokenStore::builder(redis_url, namespace, "ann")
        .lease(Duration::from_secs(2))
        .timeout(Duration::from_secs(1))
        .connect()
        .await
        .expect("Redis answers")
}

/// [`store`], reading Redis every 200 ms when pub/sub is quiet (to see an outage's end soon).
pub async fn quick_store(redis_url: &str, namespace: &str) -> RedisTokenStore {
    store_reading_every(redis_url, namespace, Duration::from_millis(200)).await
}

/// [`store`], reading Redis every `staleness` when pub/sub is quiet.
pub async fn store_reading_every(
    redis_url: &str,
    namespace: &str,
    staleness: Duration,
) -> RedisTokenStore {
    RedisTokenStore::builder(redis_url, namespace, "ann")
        .lease(Duration::from_secs(2))
        .timeout(Duration::from_secs(1))
        .staleness(staleness)
        .connect()
        .await
        .expect("Redis answers")
}

/// Where a refresher stops for a while, so a test can kill or pause the process holding the
/// fleet's lease. It prints `holding` to stdout when it gets there.
#[derive(Clone, Copy)]
pub enum Pause {
    /// Never.
    Never,
    /// Before its request leaves, for good.
    BeforeSending,
    /// After the provider rotated the token, for this long.
    AfterRotation(Duration),
}

/// The account API at `provider_url`, behind an auth interceptor on `store` whose refresher
/// calls the provider's token endpoint.
pub fn account(provider_url: &str, store: RedisTokenStore) -> AccountClient {
    account_pausing(provider_url, store, Pause::Never, Duration::from_secs(30))
}

/// [`account`], with a refresher that stops at `pause`, refreshes bounded by `deadline`.
pub fn account_pausing(
    provider_url: &str,
    store: RedisTokenStore,
    pause: Pause,
    deadline: Duration,
) -> AccountClient {
    let plain = ferrofit::Client::builder()
        .base_url(provider_url)
        .build()
        .unwrap();
    let token_endpoint = TokenEndpointClient::new(plain);
    let refresher = move |tokens: Tokens| {
        let token_endpoint = token_endpoint.clone();
        async move {
            if let Pause::BeforeSending = pause {
                println!("holding");
                std::future::pending::<()>().await;
            }
            let reply = token_endpoint
                .refresh(tokens.refresh_token().unwrap_or_default())
                .await?;
            if let Pause::AfterRotation(stall) = pause {
                println!("holding");
                tokio::time::sleep(stall).await;
            }
            let field = |name: &str| reply[name].as_str().unwrap_or_default().to_owned();
            Ok(Tokens::new(field("access_token")).with_refresh(field("refresh_token")))
        }
    };
    let auth = AuthInterceptor::new(store, refresher).refresh_timeout(Some(deadline));
    let client = ferrofit::Client::builder()
        .base_url(provider_url)
        .interceptor(auth)
        .build()
        .unwrap();
    AccountClient::new(client)
}

/// Starts child test `name` given `value`, and waits until it prints `holding`.
pub async fn spawn_holding(name: &'static str, value: String) -> child::Running {
    tokio::task::spawn_blocking(move || {
        let mut command = child::command(&[], name, &value);
        command.stdout(std::process::Stdio::piped());
        let mut running = child::Running::spawn(&mut command);
        let stdout = running.stdout().expect("piped stdout");
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        let holding = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("holding"));
        assert!(holding, "the child ended before it held the lease");
        // Read on, so the child's later output does not break on a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        running
    })
    .await
    .unwrap()
}

/// Runs `count` children of test `name`, each given `value`, and waits for all of them.
pub async fn run_children(name: &'static str, count: usize, value: String) {
    let statuses = tokio::task::spawn_blocking(move || {
        let children: Vec<_> = (0..count)
            .map(|_| {
                child::command(&[], name, &value)
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .expect("a child starts")
            })
            .collect();
        children
            .into_iter()
            .map(|mut c| c.wait().expect("the child ends"))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    eprintln!(
        "ok children: {}",
        statuses.iter().filter(|s| s.success()).count()
    );
}
