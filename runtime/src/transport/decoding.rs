//! Response bodies are decompressed here rather than inside reqwest (whose decoders are off in
//! the client ferrofit builds), so the transport sees both sides of the decoder: a streamed
//! body whose size the caller did not choose may not decode to more than
//! [`MAX_RATIO`] times what arrived (past a first [`RATIO_FLOOR`]), which stops a
//! decompression bomb — a few hundred KiB of gzip that would become gigabytes on disk.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use http::{HeaderMap, HeaderValue, header};
use tokio_util::io::{ReaderStream, StreamReader};

use crate::error::{Error, NetworkKind, Result};

/// The codings ferrofit asks for and decodes, as sent in `Accept-Encoding`.
pub(crate) const ACCEPTED: HeaderValue = HeaderValue::from_static("gzip, br, zstd, deflate");

/// How many times its compressed size a streamed body may decode to by default.
pub(crate) const MAX_RATIO: u64 = 100;

/// Decoded bytes every stream may have before the ratio counts: small bodies compress well.
pub(crate) const RATIO_FLOOR: u64 = 1024 * 1024;

pub(crate) type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Brotli,
    Zstd,
    /// HTTP's `deflate` is zlib-wrapped (RFC 9110 §8.4.1.2).
    Deflate,
}

impl Coding {
    /// The response's coding, if it is a single one ferrofit decodes.
    pub(crate) fn of(headers: &HeaderMap) -> Option<Self> {
        let mut values = headers.get_all(header::CONTENT_ENCODING).iter();
        let value = values.next()?.to_str().ok()?.trim();
        if values.next().is_some() {
            return None;
        }
        match value.to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Self::Gzip),
            "br" => Some(Self::Brotli),
            "zstd" => Some(Self::Zstd),
            "deflate" => Some(Self::Deflate),
            _ => None,
        }
    }
}

/// Whether a stream's size was chosen by its caller ([`ByteStream::limit`](crate::ByteStream::limit),
/// `max_download_size`), which lifts the ratio bound. Shared by the decoder and the stream.
#[derive(Clone, Default, Debug)]
pub(crate) struct SizeChosen(Arc<AtomicBool>);

impl SizeChosen {
    pub(crate) fn choose(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn is_chosen(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// `raw` (the body as it arrived) decoded from `coding`. With `bounded`, decoding fails with
/// `Error::ResponseTooLarge` once the output passes the ratio bound, unless the size was chosen.
pub(crate) fn decode(
    raw: impl Stream<Item = Result<Bytes>> + Send + 'static,
    coding: Coding,
    bounded: Option<SizeChosen>,
) -> Chunks {
    let mut raw = Box::pin(raw);
    let started = async move {
        // An empty body is no compressed stream (a decoder would call it truncated): there is
        // nothing to decode, as with reqwest's own decoders.
        loop {
            let chunks: Chunks = match raw.next().await {
                None => Box::pin(futures_util::stream::empty()),
                Some(Ok(chunk)) if chunk.is_empty() => continue,
                Some(Ok(first)) => decoding(
                    futures_util::stream::iter([Ok(first)]).chain(raw),
                    coding,
                    bounded,
                ),
                Some(Err(error)) => Box::pin(futures_util::stream::iter([Err(error)])),
            };
            return chunks;
        }
    };
    Box::pin(futures_util::stream::once(started).flatten())
}

fn decoding(
    raw: impl Stream<Item = Result<Bytes>> + Send + 'static,
    coding: Coding,
    bounded: Option<SizeChosen>,
) -> Chunks {
    let arrived = Arc::new(AtomicU64::new(0));
    let counted = arrived.clone();
    let raw = raw
        .inspect_ok(move |chunk| {
            counted.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        })
        .map_err(std::io::Error::other);
    let reader = StreamReader::new(raw);
    let decoder: Pin<Box<dyn tokio::io::AsyncRead + Send>> = match coding {
        Coding::Gzip => Box::pin(async_compression::tokio::bufread::GzipDecoder::new(reader)),
        Coding::Brotli => Box::pin(async_compression::tokio::bufread::BrotliDecoder::new(
            reader,
        )),
        Coding::Zstd => Box::pin(async_compression::tokio::bufread::ZstdDecoder::new(reader)),
        Coding::Deflate => Box::pin(async_compression::tokio::bufread::ZlibDecoder::new(reader)),
    };
    let mut decoded = 0_u64;
    let chunks = ReaderStream::new(decoder).scan(false, move |failed, chunk| {
        if *failed {
            return std::future::ready(None);
        }
        let chunk = chunk
            .map_err(|error| {
                Error::network(
                    NetworkKind::Io,
                    format!("the response body could not be decoded: {error}"),
                )
            })
            .and_then(|chunk| {
                decoded = decoded.saturating_add(chunk.len() as u64);
                let allowed = arrived
                    .load(Ordering::Relaxed)
                    .saturating_mul(MAX_RATIO)
                    .max(RATIO_FLOOR);
                match &bounded {
                    Some(chosen) if decoded > allowed && !chosen.is_chosen() => {
                        Err(Error::ResponseTooLarge { limit: allowed })
                    }
                    _ => Ok(chunk),
                }
            });
        *failed = chunk.is_err();
        std::future::ready(Some(chunk))
    });
    Box::pin(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn decoded(raw: Vec<Bytes>, bounded: Option<SizeChosen>) -> Vec<Result<Bytes>> {
        let raw = futures_util::stream::iter(raw.into_iter().map(Ok));
        decode(raw, Coding::Gzip, bounded).collect().await
    }

    fn gzip(data: &[u8]) -> Bytes {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        Bytes::from(encoder.finish().unwrap())
    }

    #[tokio::test]
    async fn an_empty_body_decodes_to_nothing() {
        let out = decoded(Vec::new(), None).await;
        assert!(out.iter().all(Result::is_ok), "{out:?}");
        assert_eq!(
            out.iter().map(|c| c.as_ref().unwrap().len()).sum::<usize>(),
            0
        );
    }

    #[tokio::test]
    async fn the_ratio_bound_fails_once_and_ends_unless_the_size_was_chosen() {
        let bomb = gzip(&vec![0_u8; 8 * 1024 * 1024]);
        let out = decoded(vec![bomb.clone()], Some(SizeChosen::default())).await;
        assert!(matches!(
            out.last(),
            Some(Err(Error::ResponseTooLarge { .. }))
        ));
        assert_eq!(out.iter().filter(|c| c.is_err()).count(), 1);
        let chosen = SizeChosen::default();
        chosen.choose();
        let out = decoded(vec![bomb], Some(chosen)).await;
        let total: usize = out.iter().map(|c| c.as_ref().unwrap().len()).sum();
        assert_eq!(total, 8 * 1024 * 1024);
    }

    #[test]
    fn only_one_known_coding_is_decoded() {
        let headers = |values: &[&'static str]| {
            let mut map = HeaderMap::new();
            for v in values {
                map.append(header::CONTENT_ENCODING, HeaderValue::from_static(v));
            }
            map
        };
        assert_eq!(Coding::of(&headers(&["GZIP"])), Some(Coding::Gzip));
        assert_eq!(Coding::of(&headers(&["deflate"])), Some(Coding::Deflate));
        assert_eq!(Coding::of(&headers(&["gzip", "br"])), None);
        assert_eq!(Coding::of(&headers(&["gzip, br"])), None);
        assert_eq!(Coding::of(&headers(&["compress"])), None);
    }
}
