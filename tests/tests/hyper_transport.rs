//! The hyper-util transport (`ClientBuilder::hyper_transport`): a server sees the same request
//! from it as from the reqwest transport, and it refuses what it cannot do. Every other test of
//! this crate runs on it as well in CI (`FERROFIT_TRANSPORT=hyper`, see `.ci/run`).

mod support;

use ferrofit::rest_api;
use support::{Answer, CaptureServer};

#[rest_api]
trait Notes {
    #[post("/notes/<id>")]
    async fn save(
        &self,
        id: &str,
        #[query] draft: bool,
        #[header("X-Request-Id")] request: &str,
        #[body] text: &str,
    ) -> ferrofit::Result<serde_json::Value>;
}

const REPLY: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}";

/// The request a server received from a client built by `builder`, with the headers in a
/// stable order.
async fn received(builder: ferrofit::ClientBuilder) -> support::Captured {
    let server = CaptureServer::start(Answer::Full(REPLY)).await;
    let base = server.base_url.replace("http://", "http://ada:p%40ss@");
    let client = builder.base_url(&base).build().expect("client");
    let reply = NotesClient::new(client)
        .save("n 1", true, "r-1", "hello")
        .await
        .expect("call");
    assert_eq!(reply["ok"], true);
    let mut request = server.last();
    request.headers.sort();
    request
}

#[tokio::test]
async fn a_server_sees_the_same_request_from_either_transport() {
    let on_reqwest = received(ferrofit::Client::builder()).await;
    let on_hyper = received(ferrofit::Client::builder().hyper_transport()).await;
    assert_eq!(on_hyper.method, on_reqwest.method);
    assert_eq!(on_hyper.target, on_reqwest.target);
    assert_eq!(on_hyper.target, "/notes/n%201?draft=true");
    assert_eq!(on_hyper.body, on_reqwest.body);
    // Headers other than `host` (whose port differs: two servers).
    let without_host = |request: &support::Captured| -> Vec<(String, String)> {
        let mut headers = request.headers.clone();
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case("host"));
        headers
    };
    assert_eq!(without_host(&on_hyper), without_host(&on_reqwest));
    // The URL's credentials went as `Basic`, decoded: "ada:p@ss".
    assert_eq!(
        on_hyper.header_values("authorization"),
        ["Basic YWRhOnBAc3M="]
    );
    assert_eq!(on_hyper.header_values("accept"), ["*/*"]);
}

#[test]
fn the_hyper_transport_cannot_take_a_reqwest_client() {
    let error = ferrofit::Client::builder()
        .base_url("http://127.0.0.1:1")
        .hyper_transport()
        .http_client(reqwest::Client::new())
        .build()
        .unwrap_err();
    assert!(
        matches!(&error, ferrofit::Error::Config { message, .. } if message.contains("http_client")),
        "{error:?}"
    );
}
