//! ferrofit next to the limit and its peers, in one process, clients interleaved.
//!
//! Run with: cargo bench -p ferrofit-tests --bench peers
//!
//! Every client calls the same minimal loopback server (a fixed HTTP/1.1 reply with a small JSON
//! user) and decodes the reply into the same struct. Each round runs every client in turn (in
//! a rotating order) for a batch of calls; the figure of a client is the median over rounds,
//! so drift on a noisy machine hits all clients alike. Writes `target/benchmarks/peers.md` and
//! `target/benchmarks/peers.svg`.

mod chart;
mod common;

use std::alloc::System;
use std::fmt::Write as _;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use common::{Clients, REPLY, User, Users as _, UsersClient, serve, serve_reply_on};
use feignhttp::{Client as _, FeignClientBuilder as _};
use futures_util::StreamExt;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

type Call = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The fixed address of the server feignhttp calls: its URL must be a constant.
const FEIGN_ADDRESS: &str = "127.0.0.1:47811";
const FEIGN_URL: &str = "http://127.0.0.1:47811";

#[feignhttp::feign(url = FEIGN_URL)]
trait FeignUsers {
    #[get("/users/{id}")]
    async fn get(&self, #[path] id: u64) -> feignhttp::Result<User>;
}

/// A reqwest-middleware layer that does nothing.
struct NoOpLayer;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for NoOpLayer {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        next.run(request, extensions).await
    }
}

/// A ferrofit interceptor that does nothing.
struct NoOpInterceptor;

impl ferrofit::Interceptor for NoOpInterceptor {
    fn intercept<'a>(
        &'a self,
        request: ferrofit::Request,
        next: ferrofit::Next<'a>,
    ) -> ferrofit::BoxFuture<'a, ferrofit::Result<ferrofit::RawResponse>> {
        next.run(request)
    }
}

fn ferrofit_with(base: &str, interceptors: usize) -> UsersClient {
    let mut builder = ferrofit::Client::builder().base_url(base);
    for _ in 0..interceptors {
        builder = builder.interceptor(NoOpInterceptor);
    }
    UsersClient::new(builder.build().expect("client"))
}

fn call<F, Fut>(f: F) -> Call
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move || Box::pin(f()))
}

/// The clients compared, by name.
async fn peers(base: &str) -> Vec<(&'static str, Call)> {
    let clients = Arc::new(Clients::new(base.to_owned()));
    let middleware = {
        let mut builder = reqwest_middleware::ClientBuilder::new(reqwest::Client::new());
        for _ in 0..5 {
            builder = builder.with(NoOpLayer);
        }
        Arc::new(builder.build())
    };
    serve_reply_on(REPLY, FEIGN_ADDRESS).await;
    let feign = Arc::new(
        FeignUsersBuilder::build_with_client(
            feignhttp::ClientWrapper::with_client(reqwest::Client::new()).expect("wrapper"),
        )
        .expect("feign client"),
    );
    let url = format!("{base}/users/42");
    let (c0, c1, c2, c3, c4, c5, c6) = (
        clients.clone(),
        clients.clone(),
        clients.clone(),
        clients.clone(),
        clients.clone(),
        clients.clone(),
        clients.clone(),
    );
    vec![
        (
            "hyper-util (the limit)",
            call(move || {
                let clients = c0.clone();
                async move {
                    black_box(clients.by_hyper_util().await);
                }
            }),
        ),
        (
            "reqwest (by hand)",
            call(move || {
                let clients = c1.clone();
                async move {
                    black_box(clients.by_hand().await);
                }
            }),
        ),
        (
            "ferrofit",
            call(move || {
                let clients = c2.clone();
                async move {
                    black_box(clients.plain.get(black_box(42)).await.expect("call"));
                }
            }),
        ),
        (
            "ferrofit, receive_timeout(None)",
            call(move || {
                let clients = c4.clone();
                async move {
                    black_box(
                        clients
                            .without_receive_timeout
                            .get(black_box(42))
                            .await
                            .expect("call"),
                    );
                }
            }),
        ),
        (
            "ferrofit + auth, retry, log",
            call(move || {
                let clients = c3.clone();
                async move {
                    black_box(
                        clients
                            .with_interceptors
                            .get(black_box(42))
                            .await
                            .expect("call"),
                    );
                }
            }),
        ),
        (
            "ferrofit on hyper-util",
            call(move || {
                let clients = c5.clone();
                async move {
                    black_box(clients.hyper.get(black_box(42)).await.expect("call"));
                }
            }),
        ),
        (
            "ferrofit + auth, retry, log on hyper-util",
            call(move || {
                let clients = c6.clone();
                async move {
                    black_box(
                        clients
                            .hyper_with_interceptors
                            .get(black_box(42))
                            .await
                            .expect("call"),
                    );
                }
            }),
        ),
        (
            "reqwest-middleware, 5 no-op layers",
            call(move || {
                let (client, url) = (middleware.clone(), url.clone());
                async move {
                    let response = client.get(url).send().await.expect("send");
                    black_box(response.json::<User>().await.expect("json"));
                }
            }),
        ),
        (
            "feignhttp",
            call(move || {
                let feign = feign.clone();
                async move {
                    black_box(feign.get(black_box(42)).await.expect("call"));
                }
            }),
        ),
    ]
}

/// Interleaved rounds; the median microseconds per call of each client at `concurrency`.
async fn measure(
    clients: &[(&'static str, Call)],
    concurrency: usize,
    calls: usize,
    rounds: usize,
) -> Vec<f64> {
    let mut samples = vec![Vec::with_capacity(rounds); clients.len()];
    for round in 0..rounds {
        for offset in 0..clients.len() {
            let index = (round + offset) % clients.len();
            let client = &clients[index].1;
            let started = Instant::now();
            futures_util::stream::iter(0..calls)
                .for_each_concurrent(concurrency, |_| client())
                .await;
            samples[index].push(started.elapsed().as_secs_f64() * 1e6 / calls as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

/// Allocations and bytes allocated per call (the in-process server's included, the same for
/// every client).
async fn allocations(client: &Call, calls: usize) -> (f64, f64) {
    client().await;
    let region = Region::new(ALLOCATOR);
    for _ in 0..calls {
        client().await;
    }
    let stats = region.change();
    (
        stats.allocations as f64 / calls as f64,
        stats.bytes_allocated as f64 / calls as f64,
    )
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (calls, rounds) = if quick { (20, 1) } else { (4_000, 15) };
    // One thread for clients and server alike: what is measured is CPU work per call, without
    // cross-thread wake-ups that would blur it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime.block_on(async {
        let base = serve().await;
        let clients = peers(&base).await;
        for (_, client) in &clients {
            client().await; // connect and warm up
        }
        let sequential = measure(&clients, 1, calls, rounds).await;
        let concurrent = measure(&clients, 32, calls * 4, rounds).await;
        let stacks: Vec<(&'static str, Call)> = [0, 1, 5, 10]
            .into_iter()
            .map(|n| {
                let api = ferrofit_with(&base, n);
                let name: &'static str = [
                    "0 interceptors",
                    "1 interceptor",
                    "5 interceptors",
                    "10 interceptors",
                ][[0, 1, 5, 10].iter().position(|k| *k == n).unwrap_or(0)];
                (
                    name,
                    call(move || {
                        let api = api.clone();
                        async move {
                            black_box(api.get(42).await.expect("call"));
                        }
                    }),
                )
            })
            .collect();
        let layers = measure(&stacks, 1, calls, rounds).await;
        let mut allocs = Vec::new();
        for (name, client) in clients.iter().take(7) {
            allocs.push((*name, allocations(client, calls.min(500)).await));
        }
        render(
            &clients,
            &sequential,
            &concurrent,
            &stacks,
            &layers,
            &allocs,
        )
    });
    println!("{}", report.0);
    if !quick {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/benchmarks");
        std::fs::create_dir_all(&dir).expect("output directory");
        std::fs::write(dir.join("peers.md"), &report.0).expect("write the table");
        std::fs::write(dir.join("peers.svg"), &report.1).expect("write the chart");
        println!("written to {}", dir.display());
    }
}

/// The markdown tables and the chart.
fn render(
    clients: &[(&'static str, Call)],
    sequential: &[f64],
    concurrent: &[f64],
    stacks: &[(&'static str, Call)],
    layers: &[f64],
    allocs: &[(&str, (f64, f64))],
) -> (String, String) {
    let reqwest = |values: &[f64]| values[1];
    let mut md = String::new();
    let _ = writeln!(
        md,
        "| client | c=1 µs/call | c=1 vs reqwest | c=32 µs/call | c=32 vs reqwest |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|");
    for (i, (name, _)) in clients.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {name} | {:.2} | {:.2}× | {:.2} | {:.2}× |",
            sequential[i],
            sequential[i] / reqwest(sequential),
            concurrent[i],
            concurrent[i] / reqwest(concurrent)
        );
    }
    let _ = writeln!(
        md,
        "\n| ferrofit with no-op interceptors | c=1 µs/call | per interceptor |"
    );
    let _ = writeln!(md, "|---|---|---|");
    for (i, (name, _)) in stacks.iter().enumerate() {
        let count = [0.0, 1.0, 5.0, 10.0][i];
        let per = if count > 0.0 {
            format!("{:.3} µs", (layers[i] - layers[0]) / count)
        } else {
            "—".into()
        };
        let _ = writeln!(md, "| {name} | {:.2} | {per} |", layers[i]);
    }
    let _ = writeln!(md, "\n| client | allocations per call | bytes per call |");
    let _ = writeln!(md, "|---|---|---|");
    for (name, (count, bytes)) in allocs {
        let _ = writeln!(md, "| {name} | {count:.1} | {bytes:.0} |");
    }
    let bars = |values: &[f64]| -> Vec<chart::Bar<'static>> {
        clients
            .iter()
            .zip(values)
            .map(|((name, _), micros)| chart::Bar {
                label: name,
                micros: *micros,
            })
            .collect()
    };
    let svg = chart::svg(&[
        (
            "Sequential calls (c=1), µs per call".to_owned(),
            bars(sequential),
            reqwest(sequential),
        ),
        (
            "32 concurrent calls (c=32), µs per call".to_owned(),
            bars(concurrent),
            reqwest(concurrent),
        ),
    ]);
    (md, svg)
}
