//! What both call benchmarks share: the endpoint, a minimal loopback server with a fixed
//! reply, and the three clients compared (reqwest by hand, a generated client, and that
//! client behind auth, retry and log interceptors).

#![allow(dead_code, unreachable_pub)]

use std::hint::black_box;
use std::sync::Arc;

use ferrofit::auth::{AuthInterceptor, MemoryTokenStore, Tokens};
use ferrofit::log::LogInterceptor;
use ferrofit::retry::RetryInterceptor;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct User {
    id: u64,
    name: String,
    email: String,
}

#[ferrofit::rest_api]
pub trait Users {
    #[get("/users/<id>")]
    async fn get(&self, id: u64) -> ferrofit::Result<User>;
}

pub const REPLY: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 52\r\n\r\n{\"id\":42,\"name\":\"Ada Lovelace\",\"email\":\"ada@ex.com\"}";

/// `REPLY`, cacheable for an hour.
pub const CACHEABLE_REPLY: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: max-age=3600\r\ncontent-length: 52\r\n\r\n{\"id\":42,\"name\":\"Ada Lovelace\",\"email\":\"ada@ex.com\"}";

/// A keep-alive HTTP/1.1 server that answers every request with `REPLY`.
pub async fn serve() -> String {
    serve_reply(REPLY).await
}

/// A keep-alive HTTP/1.1 server that answers every request with `reply`.
pub async fn serve_reply(reply: &'static [u8]) -> String {
    serve_reply_on(reply, "127.0.0.1:0").await
}

/// `serve_reply` on a given address (for clients whose URL is a compile-time constant).
pub async fn serve_reply_on(reply: &'static [u8], address: &str) -> String {
    let listener = TcpListener::bind(address).await.expect("bind loopback");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                let mut filled = 0;
                loop {
                    match stream.read(&mut buffer[filled..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => filled += n,
                    }
                    // Requests carry no body: each ends with an empty line.
                    while let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n")
                    {
                        if stream.write_all(reply).await.is_err() {
                            return;
                        }
                        buffer.copy_within(end + 4..filled, 0);
                        filled -= end + 4;
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

/// The clients compared, all calling the server at `base`.
pub struct Clients {
    pub base: String,
    pub reqwest: reqwest::Client,
    /// Raw hyper-util: the limit any client on it can approach.
    pub hyper_util: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Empty<bytes::Bytes>,
    >,
    pub plain: UsersClient,
    /// `plain` without the receive timeout (on by default): what that timeout costs.
    pub without_receive_timeout: UsersClient,
    pub with_interceptors: UsersClient,
    /// `plain` on the hyper-util transport.
    pub hyper: UsersClient,
    /// `with_interceptors` on the hyper-util transport.
    pub hyper_with_interceptors: UsersClient,
}

impl Clients {
    pub fn new(base: String) -> Self {
        let plain = UsersClient::new(
            ferrofit::Client::builder()
                .base_url(&base)
                .build()
                .expect("client"),
        );
        let without_receive_timeout = UsersClient::new(
            ferrofit::Client::builder()
                .base_url(&base)
                .receive_timeout(None)
                .build()
                .expect("client"),
        );
        let stack = |builder: ferrofit::ClientBuilder| {
            let store = Arc::new(MemoryTokenStore::with_tokens(
                Tokens::new("access").with_refresh("refresh"),
            ));
            UsersClient::new(
                builder
                    .base_url(&base)
                    .interceptor(AuthInterceptor::new(store, |tokens: Tokens| async move {
                        Ok(tokens)
                    }))
                    .interceptor(RetryInterceptor::default())
                    .interceptor(LogInterceptor::new())
                    .build()
                    .expect("client"),
            )
        };
        let with_interceptors = stack(ferrofit::Client::builder());
        let hyper_with_interceptors = stack(ferrofit::Client::builder().hyper_transport());
        let hyper = UsersClient::new(
            ferrofit::Client::builder()
                .base_url(&base)
                .hyper_transport()
                .build()
                .expect("client"),
        );
        Self {
            base,
            reqwest: reqwest::Client::new(),
            hyper_util: hyper_util::client::legacy::Client::builder(
                hyper_util::rt::TokioExecutor::new(),
            )
            .build_http(),
            plain,
            without_receive_timeout,
            with_interceptors,
            hyper,
            hyper_with_interceptors,
        }
    }

    /// The same GET on raw hyper-util: body collected, JSON decoded.
    pub async fn by_hyper_util(&self) -> User {
        use http_body_util::BodyExt as _;
        let uri: http::Uri = format!("{}/users/{}", self.base, black_box(42))
            .parse()
            .expect("uri");
        let response = self.hyper_util.get(uri).await.expect("send");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        serde_json::from_slice(&body).expect("json")
    }

    /// The GET written by hand with reqwest.
    pub async fn by_hand(&self) -> User {
        self.reqwest
            .get(format!("{}/users/{}", self.base, black_box(42)))
            .send()
            .await
            .expect("send")
            .error_for_status()
            .expect("status")
            .json()
            .await
            .expect("json")
    }
}
