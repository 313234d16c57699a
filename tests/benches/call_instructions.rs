//! Makes N calls with one of the compared clients, for counting instructions per call with
//! callgrind: counts repeat from run to run, whatever else the machine is doing.
//!
//! Run with: tests/benches/count_instructions.sh (needs valgrind), or by hand:
//! `call_instructions reqwest|hyper-util|ferrofit|no-receive-timeout|stack|hyper|hyper-stack
//! N [C]` (C calls in flight,
//! default 1) under `valgrind --tool=callgrind`. Under
//! `cargo bench` (no arguments) it makes a few calls with each client and exits.

mod common;

use std::hint::black_box;

use futures_util::StreamExt as _;

use common::{Clients, Users as _, serve};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // (client, calls, calls in flight at once)
    let runs: Vec<(&str, usize, usize)> = match args.as_slice() {
        [which, n, rest @ ..] if !which.starts_with('-') && rest.len() <= 1 => {
            let concurrency = rest
                .first()
                .map_or(1, |c| c.parse().expect("C is a number"));
            vec![(
                which.as_str(),
                n.parse().expect("N is a number"),
                concurrency,
            )]
        }
        _ => vec![("reqwest", 10, 1), ("ferrofit", 10, 1), ("stack", 10, 4)],
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let clients = Clients::new(serve().await);
        for (which, n, concurrency) in runs {
            futures_util::stream::iter(0..n)
                .for_each_concurrent(concurrency, |_| call(&clients, which))
                .await;
        }
    });
}

async fn call(clients: &Clients, which: &str) {
    match which {
        "reqwest" => drop(black_box(clients.by_hand().await)),
        "hyper-util" => drop(black_box(clients.by_hyper_util().await)),
        "ferrofit" => drop(black_box(clients.plain.get(42).await.expect("call"))),
        "no-receive-timeout" => drop(black_box(
            clients.without_receive_timeout.get(42).await.expect("call"),
        )),
        "stack" => drop(black_box(
            clients.with_interceptors.get(42).await.expect("call"),
        )),
        "hyper" => drop(black_box(clients.hyper.get(42).await.expect("call"))),
        "hyper-stack" => drop(black_box(
            clients.hyper_with_interceptors.get(42).await.expect("call"),
        )),
        other => panic!(
            "unknown client `{other}`: reqwest, hyper-util, ferrofit, no-receive-timeout, stack, hyper or hyper-stack"
        ),
    }
}
