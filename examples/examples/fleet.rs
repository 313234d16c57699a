//! Run with: cargo run --example fleet
//!
//! Four worker processes share one expired session through Redis and refresh it once for
//! the whole fleet: `RedisTokenStore` lets one process take the refresh lease while the others
//! wait for its tokens. Uses `REDIS_URL` if set; otherwise starts `redis-server` (Debian
//! package `redis-server`) on a free loopback port and stops it at the end.

use std::process::{Child, Command};
use std::sync::atomic::Ordering;

use ferrofit::auth::{AuthInterceptor, RedisTokenStore, Tokens};
use ferrofit::rest_api;
use ferrofit_examples::demo_server::DemoServer;
use ferrofit_examples::local_redis::LocalRedis;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct TokenReply {
    access_token: String,
    refresh_token: String,
}

#[rest_api]
trait AuthApi {
    #[post("/auth/token")]
    #[no_auth]
    async fn refresh(&self, #[query] refresh_token: &str) -> ferrofit::Result<TokenReply>;
}

#[rest_api]
trait AccountApi {
    #[get("/me")]
    async fn me(&self) -> ferrofit::Result<serde_json::Value>;
}

const WORKERS: usize = 4;
const CALLS: usize = 10;
const NAMESPACE: &str = "ferrofit-fleet-example";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, role, redis_url, base_url] = &args[..]
        && role == "worker"
    {
        return worker(redis_url, base_url).await;
    }

    let redis = LocalRedis::from_env_or_start()?;
    let redis_url = redis.url();
    let server = DemoServer::start().await?;
    // The fleet's session: `access-0` has expired, `refresh-0` renews it.
    let store = RedisTokenStore::builder(redis_url, NAMESPACE, "demo-user")
        .connect()
        .await?;
    store
        .sign_in(Tokens::new("access-0").with_refresh("refresh-0"))
        .await?;

    println!("{WORKERS} worker processes, {CALLS} calls each, one expired session in Redis");
    let exe = std::env::current_exe()?;
    let workers: Vec<Child> = (0..WORKERS)
        .map(|_| {
            Command::new(&exe)
                .args(["worker", redis_url, server.base_url().as_str()])
                .spawn()
        })
        .collect::<Result<_, _>>()?;
    for mut worker in workers {
        let status = worker.wait()?;
        if !status.success() {
            return Err(format!("a worker failed: {status}").into());
        }
    }
    let refreshes = server.stats().refreshes.load(Ordering::SeqCst);
    println!(
        "token refreshes for the whole fleet: {refreshes} (without Redis, each process would refresh: {WORKERS})"
    );
    store.sign_out().await?;
    if refreshes != 1 {
        return Err(format!("expected one refresh, saw {refreshes}").into());
    }
    Ok(())
}

/// One process of the fleet: its own clients and Redis connections, the shared session.
async fn worker(redis_url: &str, base_url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let store = RedisTokenStore::builder(redis_url, NAMESPACE, "demo-user")
        .connect()
        .await?;
    let auth_api = AuthApiClient::new(ferrofit::Client::builder().base_url(base_url).build()?);
    let refresher = move |tokens: Tokens| {
        let auth_api = auth_api.clone();
        async move {
            let reply = auth_api
                .refresh(tokens.refresh_token().unwrap_or_default())
                .await?;
            Ok(Tokens::new(reply.access_token).with_refresh(reply.refresh_token))
        }
    };
    let client = ferrofit::Client::builder()
        .base_url(base_url)
        .interceptor(AuthInterceptor::new(store, refresher))
        .build()?;
    let api = AccountApiClient::new(client);
    let calls = (0..CALLS).map(|_| {
        let api = api.clone();
        tokio::spawn(async move { api.me().await })
    });
    let mut ok = 0;
    for call in futures_util::future::join_all(calls).await {
        call??;
        ok += 1;
    }
    println!("  worker {}: {ok} calls succeeded", std::process::id());
    Ok(())
}
