//! One exchange, whatever the HTTP client below: the redirect chain, decompression, the body
//! read whole (bounded) or handed over as a stream, the receive timeout between chunks and
//! download progress. A backend only sends one hop ([`Hops`]) and reads its body
//! ([`HopResponse`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::{HeaderMap, Method, StatusCode, Version, header};

use super::decoding::{self, Chunks, Coding, SizeChosen};
use super::redirect::Redirects;
use crate::error::{Error, Result, TimeoutPhase};
use crate::progress::Progress;
use crate::request::{Message, Request};
use crate::response::RawResponse;
use crate::stream::ByteStream;

/// Limits and duties of a transport besides its client.
pub(crate) struct TransportSettings {
    pub(crate) max_response_size: u64,
    /// How long the server may stay silent; see `receive_clock`.
    pub(crate) receive_timeout: Option<Duration>,
    /// How many redirects a call follows; the client's own policy is off.
    pub(crate) max_redirects: usize,
    /// Whether the client's decoders are off and the transport decompresses (ferrofit built
    /// the client), or a caller's client does it.
    pub(crate) decodes: bool,
    /// The limit on streamed bodies, if the caller set one.
    pub(crate) max_download_size: Option<u64>,
}

/// A backend: sends one request of a redirect chain and waits for the response head.
pub(crate) trait Hops: Send + Sync {
    type Response: HopResponse;

    /// Sends `message` (with `Accept-Encoding` added when the transport decodes).
    fn send_hop(
        &self,
        message: Message,
        progress: Option<&Progress>,
    ) -> impl Future<Output = Result<Self::Response>> + Send;
}

/// The head of a backend's response, and its body chunk by chunk.
pub(crate) trait HopResponse: Send + 'static {
    fn status(&self) -> StatusCode;
    fn version(&self) -> Version;
    fn headers(&self) -> &HeaderMap;
    fn headers_mut(&mut self) -> &mut HeaderMap;
    /// `Content-Length`, if the response announced one.
    fn content_length(&self) -> Option<u64>;
    /// The next chunk of the body as it arrives; `None` at its end.
    fn chunk(&mut self) -> impl Future<Output = Result<Option<Bytes>>> + Send;
}

/// Sends `request` through `hops`, following redirects, and reads or hands over the body.
pub(crate) async fn exchange<H: Hops>(
    hops: &H,
    settings: &TransportSettings,
    request: Request,
) -> Result<RawResponse> {
    let redactor = request.redactor.clone();
    let progress = request.progress.clone();
    let stream_response = request.stream_response;
    let mut message = request.into_message();
    let head = message.method == Method::HEAD;
    let mut redirects = Redirects::new(settings.max_redirects);
    let (mut response, url) = if redirects.may_follow() {
        loop {
            // The backend takes a request of its own; the shared one stays for the next hop.
            let sent = with_accept_encoding(Message::clone(&message), settings);
            let response = hops.send_hop(sent, progress.as_ref()).await?;
            let (status, headers) = (response.status(), response.headers());
            if !redirects.follow(&mut message, status, headers, &redactor)? {
                // The URL of the last hop is the response's: no copy unless one is shared.
                let url = Arc::try_unwrap(message)
                    .map_or_else(|shared| shared.url.clone(), |message| message.url);
                break (response, url);
            }
        }
    } else {
        let url = message.url.clone();
        let sent = Arc::try_unwrap(message).unwrap_or_else(|shared| Message::clone(&shared));
        let sent = with_accept_encoding(sent, settings);
        (hops.send_hop(sent, progress.as_ref()).await?, url)
    };
    let url = without_credentials(url);
    let status = response.status();
    let version = response.version();
    let mut headers = std::mem::take(response.headers_mut());
    let coding = Coding::of(&headers).filter(|_| {
        settings.decodes
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
        receive_timeout: settings.receive_timeout,
        progress: progress.filter(Progress::watches_download),
        received: 0,
    };
    if stream_response {
        let total = reader.total;
        let chunks = futures_util::stream::try_unfold(reader, |mut reader| async move {
            Ok(reader.next_chunk().await?.map(|chunk| (chunk, reader)))
        });
        let mut raw = RawResponse::received(status, version, headers, url, Bytes::new(), redactor);
        let mut stream = ByteStream::new(chunks, total).with_size_chosen(size_chosen);
        if let Some(limit) = settings.max_download_size {
            stream = stream.limit(limit);
        }
        raw.set_stream(stream);
        return Ok(raw);
    }
    let body = reader.read_all(settings.max_response_size).await?;
    Ok(RawResponse::received(
        status, version, headers, url, body, redactor,
    ))
}

/// Asks for the codings the transport decodes, unless the caller chose (or asked for a range,
/// whose bytes must be the stored representation's).
fn with_accept_encoding(mut message: Message, settings: &TransportSettings) -> Message {
    let headers = &mut message.headers;
    if settings.decodes
        && !headers.contains_key(header::ACCEPT_ENCODING)
        && !headers.contains_key(header::RANGE)
    {
        headers.insert(header::ACCEPT_ENCODING, decoding::ACCEPTED);
    }
    message
}

/// The URL a response reports: credentials in the URL went out as `Authorization` (reqwest
/// and the hyper transport both send them so), and must not show up in the response.
fn without_credentials(mut url: url::Url) -> url::Url {
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    url
}

/// Where a response body comes from: the backend's body as it is, or decoded.
enum Source<R> {
    Plain(R),
    Decoded(Chunks),
}

impl<R: HopResponse> Source<R> {
    async fn next(&mut self) -> Option<Result<Bytes>> {
        match self {
            Self::Plain(response) => response.chunk().await.transpose(),
            Self::Decoded(chunks) => chunks.next().await,
        }
    }
}

/// Reads a response body chunk by chunk, with the receive timeout between chunks and download
/// progress.
struct BodyReader<R> {
    body: Source<R>,
    receive_timeout: Option<Duration>,
    progress: Option<Progress>,
    received: u64,
    /// `Content-Length`, unless the body is compressed.
    total: Option<u64>,
}

impl<R: HopResponse> BodyReader<R> {
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
fn chunks_of<R: HopResponse>(
    response: R,
) -> impl futures_util::Stream<Item = Result<Bytes>> + Send + 'static {
    futures_util::stream::try_unfold(response, |mut response| async move {
        Ok(response.chunk().await?.map(|chunk| (chunk, response)))
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
