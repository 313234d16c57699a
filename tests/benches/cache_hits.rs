//! A cache hit next to the network call it saves, over loopback, in wall time.
//!
//! Run with: cargo bench -p ferrofit-tests --bench cache_hits
//!
//! The same GET with a small JSON reply (`Cache-Control: max-age=3600`), decoded into the
//! same struct: from a minimal loopback server with no cache; as a fresh hit from the
//! `MemoryStore`; as a fresh hit from the `RedbStore` on disk (the entry is read from the
//! file on every call). Then the same for a 2 MiB body: a large entry is read from the
//! `RedbStore` on the blocking pool, off the async threads.

mod common;

use std::hint::black_box;

use common::{Users as _, UsersClient, serve_reply};
use criterion::{Criterion, criterion_group, criterion_main};
use ferrofit::cache::{CacheInterceptor, CacheStore, MemoryStore, RedbStore};
use ferrofit::{Bytes, rest_api};

#[rest_api]
trait Blobs {
    #[get("/blob")]
    async fn blob(&self) -> ferrofit::Result<Bytes>;
}

const LARGE: usize = 2 * 1024 * 1024;

/// A cacheable reply with a `LARGE` body.
fn large_reply() -> &'static [u8] {
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncache-control: max-age=3600\r\ncontent-length: {LARGE}\r\n\r\n"
    )
    .into_bytes();
    reply.extend(std::iter::repeat_n(b'x', LARGE));
    Box::leak(reply.into_boxed_slice())
}

fn blob_client(base: &str, store: Option<impl CacheStore>) -> BlobsClient {
    let mut builder = ferrofit::Client::builder().base_url(base);
    if let Some(store) = store {
        builder = builder.cache(CacheInterceptor::new(store));
    }
    BlobsClient::new(builder.build().expect("client"))
}

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

    let large_base = runtime.block_on(serve_reply(large_reply()));
    let network = blob_client(&large_base, None::<MemoryStore>);
    let memory = blob_client(&large_base, Some(MemoryStore::default()));
    let disk = blob_client(
        &large_base,
        Some(RedbStore::open(dir.join("large.redb")).expect("store")),
    );
    runtime.block_on(async {
        assert_eq!(memory.blob().await.expect("warm").len(), LARGE);
        assert_eq!(disk.blob().await.expect("warm").len(), LARGE);
    });
    let mut group = c.benchmark_group("get_2_mib");
    group.bench_function("network_loopback", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(network.blob().await.expect("call")) });
    });
    group.bench_function("memory_store_hit", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(memory.blob().await.expect("call")) });
    });
    group.bench_function("redb_store_hit", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(disk.blob().await.expect("call")) });
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, cache_hits);
criterion_main!(benches);
