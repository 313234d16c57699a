//! The default transport: one pooled `reqwest::Client`.

use http::{HeaderMap, StatusCode, Version};

use super::Transport;
use super::exchange::{self, HopResponse, Hops, TransportSettings};
use super::failure;
use super::receive_clock::ReceiveClock;
use super::upload::Upload;
use crate::BoxFuture;
use crate::error::{Error, NetworkKind, Result, TimeoutPhase};
use crate::progress::Progress;
use crate::request::{Message, Request};
use crate::response::RawResponse;

pub(crate) struct ReqwestTransport {
    client: reqwest::Client,
    settings: TransportSettings,
}

impl ReqwestTransport {
    /// `client` must carry the `WatchConnects` connector layer when `receive_timeout` is set,
    /// or connecting counts as silence, and must not follow redirects itself; with `decodes`,
    /// its decoders must be off.
    pub(crate) fn new(client: reqwest::Client, settings: TransportSettings) -> Self {
        Self { client, settings }
    }
}

impl Hops for ReqwestTransport {
    type Response = reqwest::Response;

    async fn send_hop(
        &self,
        message: Message,
        progress: Option<&Progress>,
    ) -> Result<reqwest::Response> {
        let Message {
            method,
            url,
            headers,
            body,
        } = message;
        // Only a receive timeout needs the clock (and the task-local it lives in).
        let clock = ReceiveClock::for_exchange(self.settings.receive_timeout, !body.is_empty());
        let outgoing_body = match body.shared_bytes() {
            // Nothing to watch: reqwest sends bytes as they are.
            Some(bytes) if progress.is_none() && clock.is_none() => {
                Some(reqwest::Body::from(bytes.clone()))
            }
            _ => body.open().await?.map(|opened| {
                reqwest::Body::wrap(Upload::new(opened, progress.cloned(), clock.clone()))
            }),
        };
        let outgoing = if url.username().is_empty() && url.password().is_none() {
            let mut outgoing = reqwest::Request::new(method, url);
            *outgoing.headers_mut() = headers;
            *outgoing.body_mut() = outgoing_body;
            outgoing
        } else {
            // reqwest's builder turns a URL's user name and password into `Authorization:
            // Basic` (a header the request sets itself wins) and takes them out of the URL.
            // It copies every header, so only URLs with credentials take this way.
            let mut outgoing = self.client.request(method, url).headers(headers);
            if let Some(body) = outgoing_body {
                outgoing = outgoing.body(body);
            }
            outgoing.build().map_err(map_error)?
        };
        let pending = self.client.execute(outgoing);
        ReceiveClock::wait_for_head(clock.as_ref(), self.settings.receive_timeout, pending)
            .await?
            .map_err(map_error)
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<RawResponse>> {
        Box::pin(exchange::exchange(self, &self.settings, request))
    }
}

impl HopResponse for reqwest::Response {
    fn status(&self) -> StatusCode {
        self.status()
    }

    fn version(&self) -> Version {
        self.version()
    }

    fn headers(&self) -> &HeaderMap {
        self.headers()
    }

    fn headers_mut(&mut self) -> &mut HeaderMap {
        self.headers_mut()
    }

    fn content_length(&self) -> Option<u64> {
        self.content_length()
    }

    async fn chunk(&mut self) -> Result<Option<bytes::Bytes>> {
        self.chunk().await.map_err(map_error)
    }
}

/// Classifies a reqwest error. The URL is stripped: it may carry secrets in its query.
fn map_error(error: reqwest::Error) -> Error {
    let error = error.without_url();
    if let Some(refused) = failure::tls_refusal(&error) {
        return refused;
    }
    if error.is_timeout() {
        let phase = if error.is_connect() {
            TimeoutPhase::Connect
        } else {
            TimeoutPhase::Receive
        };
        return Error::timeout(phase);
    }
    let kind = if error.is_connect() {
        NetworkKind::Connect
    } else if error.is_redirect() {
        NetworkKind::Redirect
    } else if error.is_request() || error.is_body() || error.is_decode() {
        NetworkKind::Io
    } else {
        NetworkKind::Other
    };
    Error::network(kind, error)
}
