//! What ferrofit costs on top of a hand-written reqwest call, over loopback.
//!
//! Run with: cargo bench -p ferrofit-tests --bench call_overhead
//!
//! The same GET with a small JSON reply, decoded into the same struct, three ways: plain
//! reqwest; a `#[rest_api]` client; and that client behind auth, retry and log interceptors
//! (with no tracing subscriber installed, as in a quiet production service).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
use ferrofit::log::LogInterceptor;
use ferrofit::retry::RetryInterceptor;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct User {
    id: u64,
    name: String,
    email: String,
}

#[ferrofit::rest_api]
trait Users {
    #[get("/users/<id>")]
    async fn get(&self, id: u64) -> ferrofit::Result<User>;
}

const REPLY: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 52\r\n\r\n{\"id\":42,\"name\":\"Ada Lovelace\",\"email\":\"ada@ex.com\"}";

/// A keep-alive HTTP/1.1 server that answers every request with `REPLY`.
async fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                let mut filled = 0;
                loop {
                    match stream.read(&mut buffer[filled..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => filled += n,
                    }
                    // Requests carry no body: each ends with an empty line.
                    while let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n")
                    {
                        if stream.write_all(REPLY).await.is_err() {
                            return;
                        }
                        buffer.copy_within(end + 4..filled, 0);
                        filled -= end + 4;
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

fn call_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let base = runtime.block_on(serve());

    let reqwest_client = reqwest::Client::new();
    let plain = UsersClient::new(
        ferrofit::Client::builder()
            .base_url(&base)
            .build()
            .expect("client"),
    );
    let store = Arc::new(MemoryTokenStore::with_tokens(
        Tokens::new("access").with_refresh("refresh"),
    ));
    let with_interceptors = UsersClient::new(
        ferrofit::Client::builder()
            .base_url(&base)
            .interceptor(AuthInterceptor::new(store, |tokens: Tokens| async move {
                Ok(tokens)
            }))
            .interceptor(RetryInterceptor::default())
            .interceptor(LogInterceptor::new())
            .build()
            .expect("client"),
    );

    let mut group = c.benchmark_group("get_user_over_loopback");
    group.bench_function("reqwest_by_hand", |b| {
        b.to_async(&runtime).iter(|| async {
            let user: User = reqwest_client
                .get(format!("{base}/users/{}", black_box(42)))
                .send()
                .await
                .expect("send")
                .error_for_status()
                .expect("status")
                .json()
                .await
                .expect("json");
            black_box(user)
        });
    });
    group.bench_function("ferrofit", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(plain.get(black_box(42)).await.expect("call")) });
    });
    group.bench_function("ferrofit_auth_retry_log", |b| {
        b.to_async(&runtime).iter(|| async {
            black_box(with_interceptors.get(black_box(42)).await.expect("call"))
        });
    });
    group.finish();
}

criterion_group!(benches, call_overhead);
criterion_main!(benches);
