//! What ferrofit costs on top of a hand-written reqwest call, over loopback, in wall time.
//!
//! Run with: cargo bench -p ferrofit-tests --bench call_overhead
//!
//! The same GET with a small JSON reply, decoded into the same struct, three ways: plain
//! reqwest; a `#[rest_api]` client; and that client behind auth, retry and log interceptors
//! (with no tracing subscriber installed, as in a quiet production service). Wall time on a
//! shared machine is noisy; `call_instructions` counts instructions instead.

mod common;

use std::hint::black_box;

use common::{Clients, Users as _, serve};
use criterion::{Criterion, criterion_group, criterion_main};

fn call_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let clients = Clients::new(runtime.block_on(serve()));

    let mut group = c.benchmark_group("get_user_over_loopback");
    group.bench_function("reqwest_by_hand", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(clients.by_hand().await) });
    });
    group.bench_function("ferrofit", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(clients.plain.get(black_box(42)).await.expect("call")) });
    });
    group.bench_function("ferrofit_auth_retry_log", |b| {
        b.to_async(&runtime).iter(|| async {
            black_box(
                clients
                    .with_interceptors
                    .get(black_box(42))
                    .await
                    .expect("call"),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, call_overhead);
criterion_main!(benches);
