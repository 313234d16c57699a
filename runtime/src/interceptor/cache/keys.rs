//! What the cache writes in place of secrets: keyed hashes (HMAC-SHA-256 under a key the store
//! provides) of credentials in partition names, of secret query values in keys, and of secret
//! request headers a response's `Vary` names. Stored keys and entries outlive the process and
//! may be read by anyone who can read the store; they must not reveal a credential.

use std::fmt::Write as _;
use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

use super::store::CacheStore;
use crate::redact::Redactor;

/// Bytes of the HMAC kept: 96 bits, printed as 24 hex digits.
const DIGEST_BYTES: usize = 12;

/// The length of a digest as text.
pub(super) const DIGEST_LEN: usize = 2 * DIGEST_BYTES;

/// The key of stores that bring none: random for the life of the process, which is as long
/// as an in-memory store lives.
static PROCESS_KEY: LazyLock<[u8; 32]> = LazyLock::new(random_key);

/// 32 bytes from the operating system's secure random source (through the TLS stack's crypto
/// provider, which ferrofit already carries).
pub(crate) fn random_key() -> [u8; 32] {
    let mut key = [0_u8; 32];
    if rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut key)
        .is_ok()
    {
        return key;
    }
    // aws-lc does not fail here in practice. Should it, std's randomly seeded hasher keys, the
    // clock and the process id are still unknown to whoever reads the store later.
    use sha2::Digest as _;
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut seed = Sha256::new();
    for _ in 0..4 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0);
        seed.update(hasher.finish().to_le_bytes());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    seed.update(now.as_nanos().to_le_bytes());
    seed.update(std::process::id().to_le_bytes());
    seed.finalize().into()
}

/// Hashes secrets under a store's key.
#[derive(Clone)]
pub(super) struct Hasher {
    mac: Hmac<Sha256>,
}

impl Hasher {
    pub(super) fn for_store(store: &dyn CacheStore) -> Self {
        let key = store.hashing_key().unwrap_or(*PROCESS_KEY);
        Self {
            mac: Hmac::new_from_slice(&key).expect("HMAC takes keys of any length"),
        }
    }

    /// A short, stable, one-way name for `secret`; `domain` keeps hashes of different kinds of
    /// values apart.
    pub(super) fn digest(&self, domain: &str, secret: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(secret);
        let hash = mac.finalize().into_bytes();
        let mut text = String::with_capacity(DIGEST_LEN);
        for byte in &hash[..DIGEST_BYTES] {
            let _ = write!(text, "{byte:02x}");
        }
        text
    }
}

/// `url` as the key part of a cache entry: without user name, password and fragment, with the
/// value of every secret query parameter replaced by its digest (`access_token=~3f…`), so
/// that two tokens still get two entries and neither is written down.
pub(super) fn url_key(url: &Url, redactor: &Redactor, hasher: &Hasher) -> String {
    let mut key = String::with_capacity(url.as_str().len());
    key.push_str(url.scheme());
    key.push_str("://");
    if let Some(host) = url.host_str() {
        key.push_str(host);
    }
    if let Some(port) = url.port() {
        let _ = write!(key, ":{port}");
    }
    key.push_str(url.path());
    if let Some(query) = url.query() {
        key.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                key.push('&');
            }
            match pair.split_once('=') {
                Some((name, value)) if is_secret_name(name, redactor) => {
                    let _ = write!(key, "{name}=~{}", hasher.digest("query", value.as_bytes()));
                }
                _ => key.push_str(pair),
            }
        }
    }
    key
}

fn is_secret_name(encoded: &str, redactor: &Redactor) -> bool {
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    redactor.is_secret_key(&decoded.replace('+', " "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryStore;

    #[test]
    fn keys_keep_no_secret_and_tell_secrets_apart() {
        let hasher = Hasher::for_store(&MemoryStore::default());
        let redactor = Redactor::new();
        let key = |url: &str| url_key(&url.parse().unwrap(), &redactor, &hasher);
        let first = key("https://user:pw@api.test:8443/feed?page=2&access_token=t-1#top");
        assert!(
            first.starts_with("https://api.test:8443/feed?page=2&access_token=~"),
            "{first}"
        );
        for secret in ["user", "pw", "t-1", "top"] {
            assert!(!first.contains(secret), "{secret} in {first}");
        }
        assert_ne!(
            first,
            key("https://api.test:8443/feed?page=2&access_token=t-2")
        );
        assert_eq!(
            first,
            key("https://api.test:8443/feed?page=2&access_token=t-1")
        );
        assert_eq!(hasher.digest("a", b"x").len(), DIGEST_LEN);
        assert_ne!(
            hasher.digest("a", b"x"),
            hasher.digest("b", b"x"),
            "domains differ"
        );
    }
}
