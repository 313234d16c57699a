//! Timeouts: connect, receive (silence before and during the body), total, and per-endpoint
//! overrides. Socket-level timeouts need real time (tokio's paused clock would fire them while
//! the socket waits), so they use short limits against servers that stay silent much longer;
//! the assertions are about which error comes back, never about how long it took. The total
//! timeout is tested on paused time through the mock transport.

mod support;

use std::time::Duration;

use ferrofit::http::Method;
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{TimeoutPhase, rest_api};
use support::{Answer, CaptureServer};

#[rest_api]
trait Slow {
    #[get("/slow")]
    async fn slow(&self) -> ferrofit::Result<String>;

    #[get("/slow")]
    #[timeout(ms = 500)]
    async fn impatient(&self) -> ferrofit::Result<String>;

    #[get("/slow")]
    #[timeout(secs = 30)]
    async fn patient(&self) -> ferrofit::Result<String>;
}

fn receive_client(base_url: &str) -> SlowClient {
    let client = ferrofit::Client::builder()
        .base_url(base_url)
        .receive_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    SlowClient::new(client)
}

#[tokio::test]
async fn silence_before_the_response_is_a_receive_timeout() {
    let server = CaptureServer::start(Answer::Silence(Duration::from_secs(30))).await;
    let error = receive_client(&server.base_url).slow().await.unwrap_err();
    support::assert_timeout(&error, TimeoutPhase::Receive);
    assert!(error.is_retryable());
}

#[tokio::test]
async fn silence_in_the_middle_of_the_body_is_a_receive_timeout() {
    let server = CaptureServer::start(Answer::StallBody(
        "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nfirst part",
        Duration::from_secs(30),
    ))
    .await;
    let error = receive_client(&server.base_url).slow().await.unwrap_err();
    support::assert_timeout(&error, TimeoutPhase::Receive);
}

/// A listener that never accepts, with its accept queue filled: the kernel drops further
/// SYNs, so the next connect hangs until a connect timeout ends it. Returned with the streams
/// that fill it, which must stay open.
async fn full_accept_queue() -> (tokio::net::TcpListener, Vec<tokio::net::TcpStream>) {
    let listener = tokio::net::TcpSocket::new_v4().unwrap();
    listener.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = listener.listen(1).unwrap();
    let address = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(address),
        )
        .await
        {
            Ok(Ok(stream)) => fillers.push(stream),
            _ => break,
        }
    }
    (listener, fillers)
}

#[tokio::test]
async fn a_full_accept_queue_is_a_connect_timeout() {
    // The shorter receive timeout does not run while connecting (with reqwest's read timeout
    // it fired first).
    let (listener, _fillers) = full_accept_queue().await;
    let client = ferrofit::Client::builder()
        .base_url(format!("http://{}", listener.local_addr().unwrap()))
        .connect_timeout(Duration::from_millis(400))
        .receive_timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let error = SlowClient::new(client).slow().await.unwrap_err();
    support::assert_timeout(&error, TimeoutPhase::Connect);
}

// The defaults run on tokio's paused clock: the server really never answers, so the clock
// jumping to the next timer can only fire the timeout under test (the other is turned off).

#[tokio::test]
async fn by_default_a_connect_that_hangs_ends_after_10_seconds() {
    let (listener, _fillers) = full_accept_queue().await;
    tokio::time::pause();
    let client = ferrofit::Client::builder()
        .base_url(format!("http://{}", listener.local_addr().unwrap()))
        .receive_timeout(None)
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = SlowClient::new(client).slow().await.unwrap_err();
    support::assert_timeout(&error, TimeoutPhase::Connect);
    assert_eq!(
        started.elapsed().as_secs(),
        ferrofit::DEFAULT_CONNECT_TIMEOUT.as_secs()
    );
    assert_eq!(ferrofit::DEFAULT_CONNECT_TIMEOUT, Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn by_default_a_silent_server_ends_the_call_after_30_seconds() {
    let server = CaptureServer::start(Answer::Silence(Duration::from_secs(3600))).await;
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .connect_timeout(None)
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = SlowClient::new(client).slow().await.unwrap_err();
    support::assert_timeout(&error, TimeoutPhase::Receive);
    assert_eq!(
        started.elapsed().as_secs(),
        ferrofit::DEFAULT_RECEIVE_TIMEOUT.as_secs()
    );
    assert_eq!(ferrofit::DEFAULT_RECEIVE_TIMEOUT, Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn timeouts_set_to_none_wait_as_long_as_the_server() {
    let server = CaptureServer::start(Answer::Silence(Duration::from_secs(3600))).await;
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .connect_timeout(None)
        .receive_timeout(None)
        .build()
        .unwrap();
    let api = SlowClient::new(client);
    let call = tokio::time::timeout(Duration::from_secs(600), api.slow());
    assert!(call.await.is_err(), "still waiting after 10 minutes");
}

fn mock_client(timeout: Duration) -> SlowClient {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/slow").reply(
        MockReply::status(200)
            .body("late")
            .delay(Duration::from_secs(2)),
    );
    let client = ferrofit::Client::builder()
        .base_url("http://mock.test")
        .timeout(timeout)
        .transport(mock)
        .build()
        .unwrap();
    SlowClient::new(client)
}

#[tokio::test(start_paused = true)]
async fn the_total_timeout_bounds_the_whole_call() {
    let error = mock_client(Duration::from_secs(1))
        .slow()
        .await
        .unwrap_err();
    support::assert_timeout(&error, TimeoutPhase::Total);
    assert!(!error.is_retryable(), "the caller's deadline has passed");
    assert_eq!(
        mock_client(Duration::from_secs(3)).slow().await.unwrap(),
        "late"
    );
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_timeout_overrides_the_clients() {
    let generous = mock_client(Duration::from_secs(60));
    let error = generous.impatient().await.unwrap_err();
    support::assert_timeout(&error, TimeoutPhase::Total);

    let strict = mock_client(Duration::from_secs(1));
    assert_eq!(strict.patient().await.unwrap(), "late");
}

#[tokio::test]
async fn the_largest_durations_mean_no_limit_rather_than_a_panic() {
    let server = CaptureServer::start(Answer::Full(support::NO_CONTENT)).await;
    let client = ferrofit::Client::builder()
        .base_url(&server.base_url)
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .receive_timeout(Duration::MAX)
        .build()
        .unwrap();
    SlowClient::new(client).slow().await.unwrap();
}
