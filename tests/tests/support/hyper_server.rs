//! A bare hyper server (HTTP/1.1 and h2c, chosen per connection by its first bytes) that
//! counts the connections it accepted, for tests of pooling, HTTP/2 and redirects.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};

pub struct HyperServer {
    pub base_url: String,
    connections: Arc<AtomicUsize>,
}

impl HyperServer {
    /// Serves `handler` on 127.0.0.1.
    pub async fn start<F, Fut>(handler: F) -> Self
    where
        F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let handler = handler.clone();
                        async move { Ok::<_, Infallible>(handler(request).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            base_url,
            connections,
        }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A 200 with `body`.
pub fn ok(body: &str) -> Response<Full<Bytes>> {
    Response::new(Full::new(Bytes::from(body.to_owned())))
}

/// A `status` redirect to `location`.
pub fn redirect(status: http::StatusCode, location: &str) -> Response<Full<Bytes>> {
    let mut response = ok("");
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("location", location.parse().expect("a valid Location"));
    response
}

/// A server answering every request with `reply()`, and the count of requests it answered.
pub async fn counting(reply: fn() -> Response<Full<Bytes>>) -> (HyperServer, Arc<AtomicUsize>) {
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let server = HyperServer::start(move |_request| {
        let count = count.clone();
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            reply()
        }
    })
    .await;
    (server, served)
}
