//! The default transport: one pooled `reqwest::Client`.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::{Method, StatusCode, header};

use super::Transport;
use super::decoding::{self, Chunks, Coding, SizeChosen};
use super::receive_clock::ReceiveClock;
use super::redirect::Redirects;
use super::upload::Upload;
use crate::BoxFuture;
use crate::error::{Error, NetworkKind, Result, TimeoutPhase, TlsKind};
use crate::progress::Progress;
use crate::request::{Message, Request};
use crate::response::RawResponse;
use crate::stream::ByteStream;

pub(crate) struct ReqwestTransport {
    client: reqwest::Client,
    settings: TransportSettings,
}

/// Limits and duties of a [`ReqwestTransport`] besides its client.
pub(crate) struct TransportSettings {
    pub(crate) max_response_size: u64,
    /// How long the server may stay silent; see `receive_clock`.
    pub(crate) receive_timeout: Option<Duration>,
    /// How many redirects a call follows; reqwest's own policy is off.
    pub(crate) max_redirects: usize,
    /// Whether reqwest's decoders are off and this transport decompresses (ferrofit built
    /// the client), or a caller's client does it.
    pub(crate) decodes: bool,
    /// The limit on streamed bodies, if the caller set one.
    pub(crate) max_download_size: Option<u64>,
}

impl ReqwestTransport {
    /// `client` must carry the `WatchConnects` connector layer when `receive_timeout` is set,
    /// or connecting counts as silence, and must not follow redirects itself; with `decodes`,
    /// its decoders must be off.
    pub(crate) fn new(client: reqwest::Client, settings: TransportSettings) -> Self {
        Self { client, settings }
    }

    async fn exchange(&self, request: Request) -> Result<RawResponse> {
        let redactor = request.redactor.clone();
        let progress = request.progress.clone();
        let stream_response = request.stream_response;
        let mut message = request.into_message();
        let head = message.method == Method::HEAD;
        let mut redirects = Redirects::new(self.settings.max_redirects);
        let (mut response, url) = if redirects.may_follow() {
            loop {
                // reqwest takes a request of its own; the shared one stays for the next hop.
                let response = self
                    .send_hop(Message::clone(&message), progress.as_ref())
                    .await?;
                let (status, headers) = (response.status(), response.headers());
                if !redirects.follow(&mut message, status, headers, &redactor)? {
                    // The URL of the last hop is the response's: no copy unless one is shared.
                    let mut url = Arc::try_unwrap(message)
                        .map_or_else(|shared| shared.url.clone(), |message| message.url);
                    // As reqwest's: credentials went out as `Authorization`, not in the URL.
                    if !url.username().is_empty() || url.password().is_some() {
                        let _ = url.set_username("");
                        let _ = url.set_password(None);
                    }
                    break (response, url);
                }
            }
        } else {
            let sent = Arc::try_unwrap(message).unwrap_or_else(|shared| Message::clone(&shared));
            let response = self.send_hop(sent, progress.as_ref()).await?;
            let url = response.url().clone();
            (response, url)
        };
        let status = response.status();
        let version = response.version();
        let mut headers = std::mem::take(response.headers_mut());
        let coding = Coding::of(&headers).filter(|_| {
            self.settings.decodes
                && !head
                && !matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
        });
        let mut total = response.content_length();
        let size_chosen = SizeChosen::default();
        let body = match coding {
            None => Source::Plain(response),
            Some(coding) => {
                // The body is handed over decoded: its coding and length are no longer its own.
                headers.remove(header::CONTENT_ENCODING);
                headers.remove(header::CONTENT_LENGTH);
                total = None;
                let bounded = stream_response.then(|| size_chosen.clone());
                Source::Decoded(decoding::decode(chunks_of(response), coding, bounded))
            }
        };
        let reader = BodyReader {
            total,
            body,
            receive_timeout: self.settings.receive_timeout,
            progress: progress.filter(Progress::watches_download),
            received: 0,
        };
        if stream_response {
            let total = reader.total;
            let chunks = futures_util::stream::try_unfold(reader, |mut reader| async move {
                Ok(reader.next_chunk().await?.map(|chunk| (chunk, reader)))
            });
            let mut raw =
                RawResponse::received(status, version, headers, url, Bytes::new(), redactor);
            let mut stream = ByteStream::new(chunks, total).with_size_chosen(size_chosen);
            if let Some(limit) = self.settings.max_download_size {
                stream = stream.limit(limit);
            }
            raw.set_stream(stream);
            return Ok(raw);
        }
        let body = reader.read_all(self.settings.max_response_size).await?;
        Ok(RawResponse::received(
            status, version, headers, url, body, redactor,
        ))
    }

    /// Sends one request of a redirect chain and waits for the response head.
    async fn send_hop(
        &self,
        message: Message,
        progress: Option<&Progress>,
    ) -> Result<reqwest::Response> {
        let Message {
            method,
            url,
            mut headers,
            body,
        } = message;
        if self.settings.decodes
            && !headers.contains_key(header::ACCEPT_ENCODING)
            && !headers.contains_key(header::RANGE)
        {
            headers.insert(header::ACCEPT_ENCODING, decoding::ACCEPTED);
        }
        // Only a receive timeout needs the clock (and the task-local it lives in).
        let clock = self
            .settings
            .receive_timeout
            .map(|_| ReceiveClock::new(!body.is_empty()));
        let outgoing_body = match body.shared_bytes() {
            // Nothing to watch: reqwest sends bytes as they are.
            Some(bytes) if progress.is_none() && self.settings.receive_timeout.is_none() => {
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
        match (&clock, self.settings.receive_timeout) {
            (Some(clock), Some(limit)) => tokio::select! {
                biased;
                response = clock.scope(pending) => response,
                () = clock.silence(limit) => return Err(Error::timeout(TimeoutPhase::Receive)),
            },
            _ => pending.await,
        }
        .map_err(map_error)
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<RawResponse>> {
        Box::pin(self.exchange(request))
    }
}

/// Where a response body comes from: reqwest's body as it is, or decoded.
enum Source {
    Plain(reqwest::Response),
    Decoded(Chunks),
}

impl Source {
    async fn next(&mut self) -> Option<Result<Bytes>> {
        match self {
            Self::Plain(response) => response.chunk().await.map_err(map_error).transpose(),
            Self::Decoded(chunks) => chunks.next().await,
        }
    }
}

/// Reads a response body chunk by chunk (decoded by `transport::decoding` when compressed),
/// with the receive timeout between chunks and download progress.
struct BodyReader {
    body: Source,
    receive_timeout: Option<Duration>,
    progress: Option<Progress>,
    received: u64,
    /// `Content-Length`, unless the body is compressed.
    total: Option<u64>,
}

impl BodyReader {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        let chunk = match self.receive_timeout {
            Some(limit) => tokio::time::timeout(limit, self.body.next())
                .await
                .map_err(|_| Error::timeout(TimeoutPhase::Receive))?,
            None => self.body.next().await,
        }
        .transpose()?;
        if let (Some(chunk), Some(progress)) = (&chunk, &self.progress) {
            self.received += chunk.len() as u64;
            progress.downloaded(self.received, self.total);
        }
        Ok(chunk)
    }

    /// Reads the whole body, failing as soon as it would pass `limit` (counted after
    /// decompression), so a hostile or broken server cannot make us buffer more than that.
    async fn read_all(mut self, limit: u64) -> Result<Bytes> {
        let too_large = || Error::ResponseTooLarge { limit };
        if self.total.is_some_and(|len| len > limit) {
            return Err(too_large());
        }
        let Some(first) = self.next_chunk().await? else {
            return Ok(Bytes::new());
        };
        if first.len() as u64 > limit {
            return Err(too_large());
        }
        let Some(second) = self.next_chunk().await? else {
            // Most small bodies arrive in one chunk: hand it over without copying.
            return Ok(first);
        };
        let mut buffer = BytesMut::with_capacity(initial_capacity(
            self.total.unwrap_or(0).min(limit),
            first.len() + second.len(),
        ));
        buffer.extend_from_slice(&first);
        let mut next = Some(second);
        while let Some(chunk) = next {
            if (buffer.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            buffer.extend_from_slice(&chunk);
            next = self.next_chunk().await?;
        }
        Ok(buffer.freeze())
    }
}

/// The body of `response` as a stream of chunks, as they arrive.
fn chunks_of(response: reqwest::Response) -> impl futures_util::Stream<Item = Result<Bytes>> {
    futures_util::stream::try_unfold(response, |mut response| async move {
        Ok(response
            .chunk()
            .await
            .map_err(map_error)?
            .map(|chunk| (chunk, response)))
    })
}

/// What to reserve for a body announced as `announced` bytes (already capped by the limit)
/// once `arrived` bytes are in: the announced size only as far as the data that arrived backs
/// it up (4 times that), so a server that announces a large body and trickles it cannot make
/// every concurrent call reserve the whole limit up front; the buffer grows as data comes.
fn initial_capacity(announced: u64, arrived: usize) -> usize {
    let backed = u64::try_from(arrived).unwrap_or(u64::MAX).saturating_mul(4);
    usize::try_from(announced.min(backed)).unwrap_or(0)
}

/// Classifies a reqwest error. The URL is stripped: it may carry secrets in its query.
fn map_error(error: reqwest::Error) -> Error {
    let error = error.without_url();
    if let Some(pinning) = find_source::<super::pinning::PinningFailed>(&error) {
        return Error::Tls {
            kind: TlsKind::Pinning,
            message: pinning.message.clone(),
        };
    }
    if let Some(rustls::Error::InvalidCertificate(certificate)) =
        find_source::<rustls::Error>(&error)
    {
        return Error::Tls {
            kind: certificate_kind(certificate),
            message: format!("the server's certificate was refused: {certificate}"),
        };
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

/// What kind of refusal a certificate error is.
fn certificate_kind(error: &rustls::CertificateError) -> TlsKind {
    use rustls::CertificateError as E;
    match error {
        E::UnknownIssuer => TlsKind::UnknownIssuer,
        E::Expired | E::ExpiredContext { .. } | E::NotValidYet | E::NotValidYetContext { .. } => {
            TlsKind::Expired
        }
        E::NotValidForName | E::NotValidForNameContext { .. } => TlsKind::WrongName,
        E::BadSignature
        | E::UnsupportedSignatureAlgorithmContext { .. }
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => TlsKind::BadSignature,
        _ => TlsKind::Invalid,
    }
}

/// The first error of type `T` in `error`'s source chain, looking inside `io::Error`s and
/// rustls' `Other` errors, whose wrapped error `source()` skips.
fn find_source<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = if let Some(io) = error.downcast_ref::<std::io::Error>() {
            io.get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static))
        } else if let Some(rustls::Error::Other(other)) = error.downcast_ref::<rustls::Error>() {
            Some(&*other.0 as &(dyn std::error::Error + 'static))
        } else {
            error.source()
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::initial_capacity;

    #[test]
    fn an_announced_length_reserves_only_what_arrived_data_backs_up() {
        // 16 MiB announced, two 1 KiB chunks in: 8 KiB reserved, not 16 MiB.
        assert_eq!(initial_capacity(16 << 20, 2048), 8192);
        // A small body is reserved whole.
        assert_eq!(initial_capacity(5000, 2048), 5000);
        assert_eq!(initial_capacity(0, 2048), 0);
    }
}
