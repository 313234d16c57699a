//! Run with: cargo run --example streams
//!
//! An LLM-style completion read as typed server-sent events, printed token by token as it
//! arrives and ended by `data: [DONE]`; then a paginated list (GitHub-style `Link` headers)
//! read to the end as one stream of items.

use std::io::Write;

use ferrofit::{EventStream, Pages, rest_api};
use ferrofit_examples::demo_server::DemoServer;
use futures_util::TryStreamExt;
use serde::Deserialize;

/// One chunk of an OpenAI-style completion.
#[derive(Deserialize)]
struct Chunk {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    delta: Delta,
}

#[derive(Deserialize)]
struct Delta {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Repo {
    id: u64,
    name: String,
}

#[rest_api]
trait Demo {
    #[get("completions")]
    async fn complete(&self, #[query] prompt: &str) -> ferrofit::Result<EventStream<Chunk>>;

    #[get("repos")]
    #[paginate(link)]
    async fn repos(&self, #[query] per_page: u32) -> ferrofit::Result<Pages<Repo>>;
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = DemoServer::start().await?;
    let api = DemoClient::new(
        ferrofit::Client::builder()
            .base_url(server.base_url())
            .build()?,
    );

    println!("completion:");
    let mut events = api.complete("how do streams work?").await?.until("[DONE]");
    let mut tokens = 0;
    while let Some(event) = events.try_next().await? {
        for choice in event.data().choices.iter() {
            if let Some(text) = &choice.delta.content {
                print!("{text}");
                std::io::stdout().flush()?;
                tokens += 1;
            }
        }
    }
    println!("\n({tokens} tokens, ended by [DONE])\n");

    println!("repositories, 5 a page:");
    let mut pages = api.repos(5).await?.into_pages();
    let mut total = 0;
    while let Some(page) = pages.try_next().await? {
        let names: Vec<String> = page
            .iter()
            .map(|r| format!("#{} {}", r.id, r.name))
            .collect();
        println!("  page of {}: {}", page.len(), names.join(", "));
        total += page.len();
    }
    assert_eq!(total, 12, "every repository, once");
    println!("({total} repositories)");
    Ok(())
}
