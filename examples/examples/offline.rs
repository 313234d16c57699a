//! Run with: cargo run --example offline
//!
//! An offline-first feed: fetches it through a cache on disk (redb), restarts the app (a new
//! client on the same file), stops the demo server, and still shows the feed — from the
//! persistent cache, marked as stale.

use std::time::Duration;

use ferrofit::cache::{CacheInterceptor, RedbStore};
use ferrofit::{Response, ResponseSource, rest_api};
use ferrofit_examples::demo_server::DemoServer;

#[rest_api]
trait News {
    #[get("/feed")]
    async fn feed(&self) -> ferrofit::Result<Response<Vec<String>>>;
}

fn app(base_url: &str, cache_file: &std::path::Path) -> Result<NewsClient, ferrofit::Error> {
    let cache = CacheInterceptor::new(RedbStore::open(cache_file)?)
        .max_stale(Duration::from_secs(7 * 24 * 3600));
    let client = ferrofit::Client::builder()
        .base_url(base_url)
        .cache(cache)
        .build()?;
    Ok(NewsClient::new(client))
}

fn show(label: &str, feed: &Response<Vec<String>>) {
    let marker = match feed.source() {
        ResponseSource::Network => "from the network",
        ResponseSource::Cache => "from the cache (fresh)",
        ResponseSource::Revalidated => "from the cache (confirmed by the server: 304)",
        ResponseSource::StaleFallback => "from the cache — STALE, the server is unreachable",
        _ => "from somewhere new",
    };
    println!("{label}: {marker}");
    for item in feed.iter() {
        println!("    • {item}");
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut server = DemoServer::start().await?;
    let dir = std::env::temp_dir().join(format!("ferrofit-offline-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let cache_file = dir.join("http-cache.redb");

    let base_url = server.base_url();
    {
        let news = app(&base_url, &cache_file)?;
        show("first start", &news.feed().await?);
        show("again", &news.feed().await?);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        show("a second later", &news.feed().await?);
    }

    // The app is restarted (a new client on the same cache file), and the network is gone.
    server.stop().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let news = app(&base_url, &cache_file)?;
    let offline = news.feed().await?;
    show("restarted, offline", &offline);

    drop(news);
    std::fs::remove_dir_all(&dir)?;
    if offline.source() != ResponseSource::StaleFallback {
        return Err("the offline feed should have come from the cache, marked stale".into());
    }
    Ok(())
}
