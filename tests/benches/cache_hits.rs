//! A cache hit next to the network call it saves, over loopback, in wall time.
//!
//! Run with: cargo bench -p ferrofit-tests --bench cache_hits
//!
//! The same GET with a small JSON reply (`Cache-Control: max-age=3600`), decoded into the
//! same struct: from a minimal loopback server with no cache; as a fresh hit from the
//! `MemoryStore`; as a fresh hit from the `RedbStore` on disk (the entry is read from the
//! file on every call, through the blocking pool).

mod common;

use std::hint::black_box;

use common::{Users as _, UsersClient, serve_reply};
use criterion::{Criterion, criterion_group, criterion_main};
use ferrofit::cache::{CacheInterceptor, CacheStore, MemoryStore, RedbStore};

fn client(base: &str, store: Option<impl CacheStore>) -> UsersClient {
    let mut builder = ferrofit::Client::builder().base_url(base);
    if let Some(store) = store {
        builder = builder.cache(CacheInterceptor::new(store));
    }
    UsersClient::new(builder.build().expect("client"))
}

fn cache_hits(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let base = runtime.block_on(serve_reply(common::CACHEABLE_REPLY));
    let dir = std::env::temp_dir().join(format!("ferrofit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench directory");
    let network = client(&base, None::<MemoryStore>);
    let memory = client(&base, Some(MemoryStore::default()));
    let disk = client(
        &base,
        Some(RedbStore::open(dir.join("bench.redb")).expect("store")),
    );
    runtime.block_on(async {
        memory.get(42).await.expect("warm the memory cache");
        disk.get(42).await.expect("warm the disk cache");
    });

    let mut group = c.benchmark_group("get_user");
    group.bench_function("network_loopback", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(network.get(black_box(42)).await.expect("call")) });
    });
    group.bench_function("memory_store_hit", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(memory.get(black_box(42)).await.expect("call")) });
    });
    group.bench_function("redb_store_hit", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(disk.get(black_box(42)).await.expect("call")) });
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, cache_hits);
criterion_main!(benches);
