//! What a `RedisTokenStore` adds to a call, next to a `MemoryTokenStore`, over loopback.
//!
//! Run with: cargo bench -p ferrofit-tests --bench token_stores
//!
//! The same authenticated GET to a minimal loopback server (fixed reply), through an
//! `AuthInterceptor` reading its token from memory, then from a `RedisTokenStore` (which
//! serves its last known tokens from memory and follows Redis in the background), one after
//! the other in one group; and the store's `get` alone. Uses `REDIS_URL` if set, otherwise
//! starts `redis-server` on a free loopback port; without either, only the memory store runs.

mod common;

use std::hint::black_box;

use common::{Users as _, UsersClient, serve};
use criterion::{Criterion, criterion_group, criterion_main};
use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, RedisTokenStore, TokenStore, Tokens};
use ferrofit_examples::local_redis::LocalRedis;

fn client(base: &str, store: impl TokenStore) -> UsersClient {
    let refresher = |tokens: Tokens| async move { Ok(tokens) };
    let client = ferrofit::Client::builder()
        .base_url(base)
        .interceptor(AuthInterceptor::new(store, refresher))
        .build()
        .expect("client");
    UsersClient::new(client)
}

fn token_stores(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let base = runtime.block_on(serve());
    let tokens = || Tokens::new("bench-access").with_refresh("bench-refresh");
    let redis = LocalRedis::from_env_or_start()
        .inspect_err(|e| eprintln!("{e}"))
        .ok();
    let memory_store = MemoryTokenStore::with_tokens(tokens());
    let redis_store = redis.as_ref().map(|redis| {
        runtime.block_on(async {
            let store = RedisTokenStore::builder(redis.url(), "ferrofit-bench", "bench")
                .connect()
                .await
                .expect("Redis answers");
            store.sign_in(tokens()).await.expect("signed in");
            store
        })
    });
    if redis_store.is_none() {
        eprintln!(
            "no Redis (set REDIS_URL or install redis-server): the Redis store is not measured"
        );
    }

    let mut group = c.benchmark_group("authenticated_get");
    let memory = client(&base, MemoryTokenStore::with_tokens(tokens()));
    group.bench_function("memory_token_store", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(memory.get(black_box(42)).await.expect("call")) });
    });
    if let Some(store) = &redis_store {
        let redis = client(&base, store.clone());
        group.bench_function("redis_token_store", |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(redis.get(black_box(42)).await.expect("call")) });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("token_store_get");
    group.bench_function("memory_token_store", |b| {
        b.iter(|| black_box(memory_store.get()));
    });
    if let Some(store) = &redis_store {
        group.bench_function("redis_token_store", |b| {
            b.iter(|| black_box(store.get()));
        });
    }
    group.finish();
    drop(redis_store);
    drop(redis);
}

criterion_group!(benches, token_stores);
criterion_main!(benches);
