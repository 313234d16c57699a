//! Run with: cargo run --example auth_retry
//!
//! Auth, retry and logging interceptors against the demo API: 20 parallel calls with an
//! expired token cause one token refresh; a flaky endpoint is retried with backoff; the log
//! lines show every request with its bearer token and API key redacted.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, TokenStore, Tokens};
use ferrofit::log::LogInterceptor;
use ferrofit::rest_api;
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit_examples::demo_server::DemoServer;
use serde::Deserialize;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Debug, Deserialize)]
struct TokenReply {
    access_token: String,
    refresh_token: String,
    expires_in: u64,
}

/// The token endpoint, called by the refresher through a client of its own.
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

    #[get("/flaky")]
    async fn flaky(&self, #[query] api_key: &str) -> ferrofit::Result<serde_json::Value>;
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .compact()
                .with_ansi(false)
                .without_time()
                .with_target(false)
                .with_filter(Targets::new().with_target("ferrofit", tracing::Level::DEBUG)),
        )
        .init();

    let server = DemoServer::start().await?;
    let base_url = server.base_url();

    let auth_api = AuthApiClient::new(ferrofit::Client::builder().base_url(&base_url).build()?);
    let refresher = move |tokens: Tokens| {
        let auth_api = auth_api.clone();
        async move {
            let reply = auth_api
                .refresh(tokens.refresh_token().unwrap_or_default())
                .await?;
            Ok(Tokens::new(reply.access_token)
                .with_refresh(reply.refresh_token)
                .expiring_in(Duration::from_secs(reply.expires_in)))
        }
    };
    // Signed in earlier; the access token has expired since.
    let store = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("access-0").with_refresh("refresh-1"),
    ));
    let client = ferrofit::Client::builder()
        .base_url(&base_url)
        // Outermost first: auth sees each call once; retry repeats what is inside it; the log,
        // innermost, sees every request as sent, bearer token included (and redacts it).
        .interceptor(
            AuthInterceptor::new(store.clone(), refresher)
                .on_session_expired(|| println!("session expired: sign in again")),
        )
        .interceptor(RetryInterceptor::new(RetryPolicy::new().backoff(
            Duration::from_millis(100),
            2.0,
            Duration::from_secs(2),
        )))
        .interceptor(LogInterceptor::new().log_headers(true))
        .build()?;
    let api = AccountApiClient::new(client);

    println!("== 20 parallel calls with an expired token");
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.me().await })
        })
        .collect();
    let mut succeeded = 0;
    for call in calls {
        if call.await?.is_ok() {
            succeeded += 1;
        }
    }
    let stats = server.stats();
    println!(
        "{succeeded}/20 succeeded; the server turned away {} requests and saw {} token refresh(es); the store now holds {:?}",
        stats.rejected.load(Ordering::SeqCst),
        stats.refreshes.load(Ordering::SeqCst),
        store.get(),
    );
    if succeeded != 20 || stats.refreshes.load(Ordering::SeqCst) != 1 {
        return Err("expected 20 successes after exactly one refresh".into());
    }

    println!("\n== a flaky endpoint (503, 503, 200)");
    let reply = api.flaky("demo-api-key").await?;
    println!(
        "flaky() -> {reply} after {} requests",
        stats.flaky_requests.load(Ordering::SeqCst)
    );
    Ok(())
}
