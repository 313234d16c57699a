//! A scripted origin server for cache tests: it answers with the replies queued for it (the
//! last one again when the queue runs dry), records every request's headers, and can be shut
//! down so that connections are refused.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// One scripted reply.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn ok(body: &str, headers: &[(&'static str, &str)]) -> Self {
        Self::status(200, body, headers)
    }

    pub fn status(status: u16, body: &str, headers: &[(&'static str, &str)]) -> Self {
        Self {
            status,
            headers: headers.iter().map(|(n, v)| (*n, (*v).to_owned())).collect(),
            body: body.to_owned(),
        }
    }
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    last: Option<Reply>,
    seen: Vec<(String, String, HeaderMap)>,
}

/// The running origin.
pub struct Origin {
    pub base_url: String,
    script: Arc<Mutex<Script>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Origin {
    pub async fn start() -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let router = Router::new().fallback(answer).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .expect("origin runs");
        });
        Self {
            base_url,
            script,
            shutdown: Some(shutdown),
        }
    }

    /// Queues replies, answered in order.
    pub fn reply(&self, reply: Reply) -> &Self {
        self.script.lock().unwrap().replies.push_back(reply);
        self
    }

    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        self.script.lock().unwrap().seen.len()
    }

    /// Method, path and headers of the last request.
    pub fn last(&self) -> (String, String, HeaderMap) {
        self.script
            .lock()
            .unwrap()
            .seen
            .last()
            .cloned()
            .expect("a request arrived")
    }

    /// Stops accepting: later connections are refused.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let address = self.base_url.trim_start_matches("http://").to_owned();
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(&address).await.is_err() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the origin did not stop");
    }
}

async fn answer(State(script): State<Arc<Mutex<Script>>>, request: Request) -> Response {
    let mut script = script.lock().unwrap();
    let (method, path) = (request.method().to_string(), request.uri().to_string());
    script.seen.push((method, path, request.headers().clone()));
    let reply = match script.replies.pop_front() {
        Some(reply) => {
            script.last = Some(reply.clone());
            reply
        }
        None => script
            .last
            .clone()
            .unwrap_or_else(|| Reply::status(404, "", &[])),
    };
    let mut response = (
        StatusCode::from_u16(reply.status).expect("a valid status"),
        reply.body,
    )
        .into_response();
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .append(name, value.parse().expect("a valid header value"));
    }
    response
}
