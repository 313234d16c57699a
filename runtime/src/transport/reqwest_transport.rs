//! The default transport: one pooled `reqwest::Client`.

use bytes::{Bytes, BytesMut};

use super::Transport;
use crate::BoxFuture;
use crate::error::{Error, NetworkKind, Result, TimeoutPhase};
use crate::request::Request;
use crate::response::RawResponse;

pub(crate) struct ReqwestTransport {
    client: reqwest::Client,
    max_response_size: u64,
}

impl ReqwestTransport {
    pub(crate) fn new(client: reqwest::Client, max_response_size: u64) -> Self {
        Self {
            client,
            max_response_size,
        }
    }

    async fn exchange(&self, request: Request) -> Result<RawResponse> {
        let redactor = request.redactor.clone();
        let (method, url, headers, body) = request.into_parts();
        let outgoing = if url.username().is_empty() && url.password().is_none() {
            let mut outgoing = reqwest::Request::new(method, url);
            *outgoing.headers_mut() = headers;
            if let Some(bytes) = body.into_bytes() {
                *outgoing.body_mut() = Some(bytes.into());
            }
            outgoing
        } else {
            // reqwest's builder turns a URL's user name and password into `Authorization:
            // Basic` (a header the request sets itself wins) and takes them out of the URL.
            // It copies every header, so only URLs with credentials take this way.
            let mut outgoing = self.client.request(method, url).headers(headers);
            if let Some(bytes) = body.into_bytes() {
                outgoing = outgoing.body(bytes);
            }
            outgoing.build().map_err(map_error)?
        };
        let mut response = self.client.execute(outgoing).await.map_err(map_error)?;
        let status = response.status();
        let version = response.version();
        let headers = std::mem::take(response.headers_mut());
        let url = response.url().clone();
        let body = read_body(&mut response, self.max_response_size).await?;
        Ok(RawResponse::received(
            status, version, headers, url, body, redactor,
        ))
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<RawResponse>> {
        Box::pin(self.exchange(request))
    }
}

/// Reads the body chunk by chunk, failing as soon as it would pass `limit`, so a hostile or
/// broken server cannot make us buffer more than that.
async fn read_body(response: &mut reqwest::Response, limit: u64) -> Result<Bytes> {
    let too_large = || Error::ResponseTooLarge { limit };
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let Some(first) = response.chunk().await.map_err(map_error)? else {
        return Ok(Bytes::new());
    };
    if first.len() as u64 > limit {
        return Err(too_large());
    }
    let Some(second) = response.chunk().await.map_err(map_error)? else {
        // Most small bodies arrive in one chunk: hand it over without copying.
        return Ok(first);
    };
    let hint = response.content_length().unwrap_or(0).min(limit);
    let mut buffer = BytesMut::with_capacity(usize::try_from(hint).unwrap_or(0));
    buffer.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if (buffer.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        buffer.extend_from_slice(&chunk);
        next = response.chunk().await.map_err(map_error)?;
    }
    Ok(buffer.freeze())
}

/// Classifies a reqwest error. The URL is stripped: it may carry secrets in its query.
fn map_error(error: reqwest::Error) -> Error {
    let error = error.without_url();
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
