//! The interceptor chain: order, short-circuits, calling `next` twice, closure adapters,
//! endpoint metadata and `#[extra]` values on the request.

mod support;

use std::sync::{Arc, Mutex};

use ferrofit::BoxFuture;
use ferrofit::http::{Method, StatusCode};
use ferrofit::interceptor::{on_error, on_request, on_response};
use ferrofit::testing::{MockReply, MockTransport};
use ferrofit::{Error, Interceptor, Next, RawResponse, Request, rest_api};
use serde_json::json;

#[derive(Clone, Debug, PartialEq)]
struct Tag(&'static str);

#[rest_api]
trait Things {
    #[get("/things/<id>")]
    async fn get(&self, id: u32) -> ferrofit::Result<serde_json::Value>;

    #[post("/login")]
    #[no_auth]
    #[idempotent]
    #[retry(max = 5)]
    async fn login(&self, #[extra] tag: Tag) -> ferrofit::Result<()>;

    #[get("/list")]
    #[retry(never)]
    async fn list(&self) -> ferrofit::Result<Vec<u32>>;
}

type Log = Arc<Mutex<Vec<String>>>;

/// Records when requests pass it on the way in and responses on the way out.
struct Recorder {
    name: &'static str,
    log: Log,
}

impl Interceptor for Recorder {
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, ferrofit::Result<RawResponse>> {
        Box::pin(async move {
            self.log.lock().unwrap().push(format!("{} in", self.name));
            let response = next.run(request).await;
            self.log.lock().unwrap().push(format!("{} out", self.name));
            response
        })
    }
}

/// Answers without calling the rest of the chain, like a cache hit.
struct CannedAnswer;

impl Interceptor for CannedAnswer {
    fn intercept<'a>(
        &'a self,
        _request: Request,
        _next: Next<'a>,
    ) -> BoxFuture<'a, ferrofit::Result<RawResponse>> {
        Box::pin(async { Ok(RawResponse::new(StatusCode::OK, r#"{"cached":true}"#)) })
    }
}

/// Sends every request twice and keeps the second answer.
struct Twice;

impl Interceptor for Twice {
    fn intercept<'a>(
        &'a self,
        request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, ferrofit::Result<RawResponse>> {
        Box::pin(async move {
            let _first = next.run(request.clone()).await?;
            next.run(request).await
        })
    }
}

fn builder(mock: &MockTransport) -> ferrofit::ClientBuilder {
    support::mock_builder("http://things.test", mock)
}

#[tokio::test]
async fn the_first_interceptor_added_is_the_outermost() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/things/1")
        .reply(MockReply::json(200, &json!({})));
    let log = Log::default();
    let client = builder(&mock)
        .interceptor(Recorder {
            name: "a",
            log: log.clone(),
        })
        .interceptor(Recorder {
            name: "b",
            log: log.clone(),
        })
        .build()
        .unwrap();
    ThingsClient::new(client).get(1).await.unwrap();
    assert_eq!(*log.lock().unwrap(), ["a in", "b in", "b out", "a out"]);
}

#[tokio::test]
async fn an_interceptor_can_answer_without_the_network() {
    let mock = MockTransport::new();
    let log = Log::default();
    let client = builder(&mock)
        .interceptor(CannedAnswer)
        .interceptor(Recorder {
            name: "inner",
            log: log.clone(),
        })
        .build()
        .unwrap();
    let value = ThingsClient::new(client).get(1).await.unwrap();
    assert_eq!(value, json!({"cached": true}));
    assert!(mock.requests().is_empty());
    assert!(
        log.lock().unwrap().is_empty(),
        "later interceptors are skipped"
    );
}

#[tokio::test]
async fn next_can_be_called_more_than_once() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/things/2")
        .reply(MockReply::json(200, &json!({"n": 2})));
    let client = builder(&mock).interceptor(Twice).build().unwrap();
    assert_eq!(
        ThingsClient::new(client).get(2).await.unwrap(),
        json!({"n": 2})
    );
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn closure_adapters_change_requests_responses_and_errors() {
    let mock = MockTransport::new();
    mock.on(Method::GET, "/things/1")
        .header("x-tenant", "acme")
        .reply(MockReply::json(200, &json!({"id": 1})));
    mock.on(Method::GET, "/things/2")
        .reply(MockReply::status(500));
    mock.on(Method::GET, "/things/3")
        .reply(MockReply::connection_refused());
    let client = builder(&mock)
        .interceptor(on_error(|error| match error {
            Error::Network { .. } => Ok(RawResponse::new(StatusCode::OK, r#"{"offline":true}"#)),
            other => Err(other),
        }))
        .interceptor(on_response(|response| {
            if response.status() == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(Error::invalid_request("the server is broken"));
            }
            Ok(())
        }))
        .interceptor(on_request(|request| {
            request
                .headers_mut()
                .insert("x-tenant", "acme".parse().unwrap());
            Ok(())
        }))
        .build()
        .unwrap();
    let api = ThingsClient::new(client);
    assert_eq!(api.get(1).await.unwrap(), json!({"id": 1}));
    let error = api.get(2).await.unwrap_err();
    assert!(
        error.to_string().contains("the server is broken"),
        "{error}"
    );
    assert_eq!(api.get(3).await.unwrap(), json!({"offline": true}));
}

#[tokio::test]
async fn requests_carry_endpoint_metadata_and_extras() {
    let mock = MockTransport::new();
    mock.on(Method::POST, "/login")
        .reply(MockReply::status(204));
    mock.on(Method::GET, "/list")
        .reply(MockReply::json(200, &json!([1])));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = builder(&mock)
        .interceptor(on_request({
            let seen = seen.clone();
            move |request| {
                let endpoint = request
                    .endpoint()
                    .expect("generated requests have metadata");
                seen.lock().unwrap().push((
                    format!(
                        "{}::{} {} {}",
                        endpoint.api(),
                        endpoint.name(),
                        endpoint.method(),
                        endpoint.path_template()
                    ),
                    endpoint.skips_auth(),
                    endpoint.is_idempotent(),
                    endpoint.max_attempts(),
                    request.extensions().get::<Tag>().cloned(),
                ));
                Ok(())
            }
        }))
        .build()
        .unwrap();
    let api = ThingsClient::new(client);
    api.login(Tag("ui")).await.unwrap();
    api.list().await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        (
            "Things::login POST /login".to_owned(),
            true,
            true,
            Some(5),
            Some(Tag("ui"))
        )
    );
    assert_eq!(
        seen[1],
        (
            "Things::list GET /list".to_owned(),
            false,
            false,
            Some(1),
            None
        )
    );
}
