//! Cancellation: before the call, during it (the connection is dropped), through a child
//! token, through `Client::with_cancel`, and by dropping the call's future.

mod support;

use std::time::Duration;

use ferrofit::{CancelToken, Error, rest_api};
use support::{Answer, CaptureServer, OK_EMPTY_JSON};

#[rest_api]
trait Work {
    #[get("/work")]
    async fn work(&self, #[cancel] cancel: &CancelToken) -> ferrofit::Result<serde_json::Value>;

    #[get("/work")]
    async fn maybe(
        &self,
        #[cancel] cancel: Option<&CancelToken>,
    ) -> ferrofit::Result<serde_json::Value>;

    #[get("/work")]
    async fn plain(&self) -> ferrofit::Result<serde_json::Value>;
}

async fn silent_server() -> (CaptureServer, WorkClient) {
    let server = CaptureServer::start(Answer::Silence(Duration::from_secs(60))).await;
    let api = WorkClient::new(support::client(&server.base_url));
    (server, api)
}

/// Waits (a bounded while) until the server has seen `n` requests.
async fn until_requests(server: &CaptureServer, n: usize) {
    for _ in 0..400 {
        if server.requests().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server never saw {n} requests");
}

fn assert_cancelled(result: ferrofit::Result<serde_json::Value>, reason: &str) {
    match result {
        Err(Error::Cancelled { reason: got, .. }) => assert_eq!(got, reason),
        other => panic!("expected Cancelled({reason}), got {other:?}"),
    }
}

#[tokio::test]
async fn an_already_cancelled_call_never_reaches_the_network() {
    let server = CaptureServer::start(Answer::Full(OK_EMPTY_JSON)).await;
    let api = WorkClient::new(support::client(&server.base_url));
    let token = CancelToken::new();
    token.cancel("user left");
    assert_cancelled(api.work(&token).await, "user left");
    assert!(server.requests().is_empty());
    // Without a token (None) the same endpoint works.
    api.maybe(None).await.unwrap();
}

#[tokio::test]
async fn cancelling_during_the_call_returns_and_drops_the_connection() {
    let (server, api) = silent_server().await;
    let token = CancelToken::new();
    let call = tokio::spawn({
        let token = token.clone();
        async move { api.work(&token).await }
    });
    until_requests(&server, 1).await;
    token.cancel("stop");
    assert_cancelled(call.await.unwrap(), "stop");
    assert!(server.wait_for_hang_up().await, "the connection was closed");
}

#[tokio::test]
async fn a_parent_token_cancels_calls_on_its_children() {
    let (server, api) = silent_server().await;
    let screen = CancelToken::new();
    let request = screen.child();
    let call = tokio::spawn(async move { api.work(&request).await });
    until_requests(&server, 1).await;
    screen.cancel("screen closed");
    assert_cancelled(call.await.unwrap(), "screen closed");
}

#[tokio::test]
async fn with_cancel_ties_every_call_of_a_client_to_a_token() {
    let (server, api) = silent_server().await;
    let session = CancelToken::new();
    let scoped = WorkClient::new(api.client().with_cancel(session.clone()));
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let scoped = scoped.clone();
            tokio::spawn(async move { scoped.plain().await })
        })
        .collect();
    until_requests(&server, 3).await;
    session.cancel("logged out");
    for call in calls {
        assert_cancelled(call.await.unwrap(), "logged out");
    }
    // Later calls of the scoped client fail at once, without cancelling their own token.
    let token = CancelToken::new();
    assert_cancelled(scoped.work(&token).await, "logged out");
    assert!(!token.is_cancelled());
    assert_eq!(server.requests().len(), 3, "nothing more was sent");
    // The client it came from is not affected: its call reaches the server and waits.
    let original = tokio::spawn(async move { api.plain().await });
    until_requests(&server, 4).await;
    assert!(
        !original.is_finished(),
        "the original client's call is still running"
    );
    original.abort();
}

#[tokio::test]
async fn dropping_the_future_cancels_the_call() {
    let (server, api) = silent_server().await;
    let mut call = Box::pin(api.plain());
    // Drive the call until the server holds its request.
    tokio::select! {
        result = &mut call => panic!("the silent server answered: {result:?}"),
        () = until_requests(&server, 1) => {}
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        server.hang_ups(),
        0,
        "the connection is open while the call lives"
    );
    drop(call);
    assert!(
        server.wait_for_hang_up().await,
        "dropping the call closed the connection"
    );
}
