//! The reconnection wait of an `EventStream`, on tokio's paused clock: the server's `retry:`
//! is honoured (with a little jitter, never less), and a hostile one is capped. The replies
//! come from the in-memory mock transport, so no socket makes the paused clock jump.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferrofit::http::Method;
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{EventStream, Reconnect};
use futures_util::TryStreamExt;
use tokio::time::Instant;

#[ferrofit::rest_api]
trait Feed {
    #[get("/feed")]
    async fn feed(&self) -> ferrofit::Result<EventStream>;
}

/// A feed whose connections answer `bodies` in turn (then 204), noting when each arrived.
fn feed(bodies: &'static [&'static str]) -> (FeedClient, Arc<Mutex<Vec<Instant>>>) {
    let mock = MockTransport::new();
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let seen = arrivals.clone();
    mock.on(Method::GET, "/feed")
        .reply(MockReply::from_request(move |_| {
            let mut seen = seen.lock().unwrap();
            seen.push(Instant::now());
            match bodies.get(seen.len() - 1) {
                Some(body) => MockReply::status(200)
                    .header("content-type", "text/event-stream")
                    .body(*body),
                None => MockReply::status(204),
            }
        }));
    let client = support::mock_builder("http://api.test", &mock)
        .build()
        .unwrap();
    (FeedClient::new(client), arrivals)
}

fn gaps(arrivals: &Mutex<Vec<Instant>>) -> Vec<Duration> {
    let arrivals = arrivals.lock().unwrap();
    arrivals.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test(start_paused = true)]
async fn the_servers_retry_is_waited_before_reconnecting() {
    let (api, arrivals) = feed(&["retry: 5000\nid: 1\ndata: a\n\n", "data: b\n\n"]);
    let events = api
        .feed()
        .await
        .unwrap()
        .reconnect(Reconnect::new().max_delay(Duration::from_secs(60)));
    let data: Vec<String> = events
        .map_ok(|e| e.into_data())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(data, ["a", "b"]);
    let gaps = gaps(&arrivals);
    assert_eq!(gaps.len(), 2, "two reconnects, the last answered 204");
    for gap in gaps {
        assert!(
            gap >= Duration::from_secs(5) && gap <= Duration::from_secs(7),
            "waited {gap:?} for a `retry: 5000`"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_hostile_retry_waits_no_longer_than_the_cap() {
    let (api, arrivals) = feed(&["retry: 99999999999\ndata: a\n\n"]);
    let events = api
        .feed()
        .await
        .unwrap()
        .reconnect(Reconnect::new().max_delay(Duration::from_secs(30)));
    let data: Vec<String> = events
        .map_ok(|e| e.into_data())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(data, ["a"]);
    assert_eq!(gaps(&arrivals), [Duration::from_secs(30)]);
}
