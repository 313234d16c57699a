//! What the Redis token store keeps for a session: a generation, a session id, and the
//! tokens, sealed with the application's key when it gave one.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

use crate::auth::Tokens;

/// A key that encrypts tokens at rest in Redis (and in the store's pub/sub messages), with
/// XChaCha20-Poly1305. Every process of the fleet must be given the same key; keep it where
/// the application keeps its other secrets, not in Redis. `Debug` does not show it.
///
/// # Examples
///
/// ```
/// let key = ferrofit::auth::TokenKey::from_bytes([7; 32]);
/// assert!(!format!("{key:?}").contains('7'));
/// ```
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl TokenKey {
    /// A key from 32 bytes (from a secret manager; draw them from a secure random source).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(<redacted>)")
    }
}

/// One version of a session as Redis holds it. `tokens: None` is a session that ended (a
/// tombstone), which a Redis that lost its data cannot be mistaken for.
#[derive(Clone)]
pub(super) struct Record {
    /// Counts every write of the session's key; what compare-and-set compares.
    pub(super) generation: u64,
    /// Names one sign-in; refreshes keep it, a new sign-in draws another.
    pub(super) session: String,
    pub(super) tokens: Option<Tokens>,
}

/// Why a record could not be read.
#[derive(Debug)]
pub(super) struct Unreadable(pub(super) &'static str);

/// Seals and opens records; binds each to its key, generation and session id, so that a
/// sealed value moved to another key or version does not open.
pub(super) struct Sealer {
    cipher: Option<XChaCha20Poly1305>,
    /// The record's Redis key, part of what each seal is bound to.
    key_name: String,
}

const SEALED: &[u8] = b"x1";
const CLEAR: &[u8] = b"p1";
const NONCE: usize = 24;

impl Sealer {
    pub(super) fn new(key: Option<&TokenKey>, key_name: String) -> Self {
        Self {
            cipher: key.map(|key| XChaCha20Poly1305::new((&key.0).into())),
            key_name,
        }
    }

    pub(super) fn encrypts(&self) -> bool {
        self.cipher.is_some()
    }

    fn bound_to(&self, generation: u64, session: &str) -> Vec<u8> {
        format!("{}|{generation}|{session}", self.key_name).into_bytes()
    }

    /// The stored form of `tokens` as version `generation` of `session`: empty for a
    /// session that ended.
    pub(super) fn seal(&self, generation: u64, session: &str, tokens: Option<&Tokens>) -> Vec<u8> {
        let Some(cipher) = &self.cipher else {
            return match tokens {
                Some(tokens) => [CLEAR, &stored(tokens)].concat(),
                None => Vec::new(),
            };
        };
        // With a key, an ended session is sealed too (as `null`), so that whoever can write
        // to Redis cannot sign the fleet out with an empty value.
        let plain = tokens.map_or_else(|| b"null".to_vec(), stored);
        let nonce_bytes: [u8; NONCE] = random_nonce();
        let nonce = XNonce::from_slice(&nonce_bytes);
        let aad = self.bound_to(generation, session);
        let sealed = cipher
            .encrypt(
                nonce,
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        [SEALED, &nonce_bytes, &sealed].concat()
    }

    /// Reads version `generation` of `session` from its stored form.
    pub(super) fn open(
        &self,
        generation: u64,
        session: &str,
        data: &[u8],
    ) -> Result<Option<Tokens>, Unreadable> {
        if data.is_empty() {
            return match self.cipher {
                None => Ok(None),
                Some(_) => Err(Unreadable("an unsealed end of session, and a key is set")),
            };
        }
        let (tag, rest) = data.split_at(data.len().min(2));
        let plain = match (tag, &self.cipher) {
            (CLEAR, None) => rest.to_vec(),
            // With a key, a value in clear is refused: whoever can write to Redis could
            // otherwise hand the fleet tokens of their choosing.
            (CLEAR, Some(_)) => return Err(Unreadable("stored in clear, and a key is set")),
            (SEALED, None) => return Err(Unreadable("encrypted, and no key is set")),
            (SEALED, Some(cipher)) if rest.len() > NONCE => {
                let (nonce, sealed) = rest.split_at(NONCE);
                let aad = self.bound_to(generation, session);
                cipher
                    .decrypt(
                        XNonce::from_slice(nonce),
                        Payload {
                            msg: sealed,
                            aad: &aad,
                        },
                    )
                    .map_err(|_| Unreadable("does not open with this key"))?
            }
            _ => return Err(Unreadable("not a token record")),
        };
        let stored: Option<Stored> =
            serde_json::from_slice(&plain).map_err(|_| Unreadable("not a token record"))?;
        Ok(stored.map(Stored::into_tokens))
    }
}

fn stored(tokens: &Tokens) -> Vec<u8> {
    serde_json::to_vec(&Stored::of(tokens)).unwrap_or_default()
}

fn random_nonce() -> [u8; NONCE] {
    let key = crate::interceptor::cache::random_key();
    let mut nonce = [0; NONCE];
    nonce.copy_from_slice(&key[..NONCE]);
    nonce
}

/// The tokens as JSON, times in milliseconds since the Unix epoch.
#[derive(Serialize, Deserialize)]
struct Stored {
    a: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    e: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    i: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<String>,
}

impl Stored {
    fn of(tokens: &Tokens) -> Self {
        let millis = |at: SystemTime| {
            at.duration_since(UNIX_EPOCH)
                .ok()
                .and_then(|d| u64::try_from(d.as_millis()).ok())
        };
        Self {
            a: tokens.access_token().to_owned(),
            r: tokens.refresh_token().map(str::to_owned),
            e: tokens.expires_at().and_then(millis),
            i: tokens.issued_at().and_then(millis),
            s: tokens.subject().map(str::to_owned),
        }
    }

    fn into_tokens(self) -> Tokens {
        let at = |ms: u64| UNIX_EPOCH.checked_add(Duration::from_millis(ms));
        let mut tokens = Tokens::new(self.a);
        if let Some(refresh) = self.r {
            tokens = tokens.with_refresh(refresh);
        }
        if let Some(expires) = self.e.and_then(at) {
            tokens = tokens.expiring_at(expires);
        }
        if let Some(issued) = self.i.and_then(at) {
            tokens = tokens.with_issued_at(issued);
        }
        if let Some(subject) = self.s {
            tokens = tokens.with_subject(subject);
        }
        tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        let at = UNIX_EPOCH + Duration::from_millis(1_800_000_000_123);
        Tokens::new("access-secret")
            .with_refresh("refresh-secret")
            .with_issued_at(at)
            .expiring_at(at + Duration::from_secs(60))
            .with_subject("ann")
    }

    #[test]
    fn sealed_tokens_open_as_they_were_and_hide_every_secret() {
        let sealer = Sealer::new(
            Some(&TokenKey::from_bytes([1; 32])),
            "app:tokens:ann".into(),
        );
        let sealed = sealer.seal(3, "s1", Some(&tokens()));
        for secret in ["access-secret", "refresh-secret", "ann"] {
            assert!(
                !sealed.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in clear"
            );
        }
        assert!(sealer.open(3, "s1", &sealed).unwrap() == Some(tokens()));
    }

    #[test]
    fn a_seal_opens_only_for_its_key_generation_and_session() {
        let key = TokenKey::from_bytes([1; 32]);
        let sealer = Sealer::new(Some(&key), "app:tokens:ann".into());
        let sealed = sealer.seal(3, "s1", Some(&tokens()));
        assert!(
            sealer.open(4, "s1", &sealed).is_err(),
            "replayed as a newer version"
        );
        assert!(
            sealer.open(3, "s2", &sealed).is_err(),
            "moved to another session"
        );
        let other_user = Sealer::new(Some(&key), "app:tokens:bob".into());
        assert!(
            other_user.open(3, "s1", &sealed).is_err(),
            "moved to another key"
        );
        let other_key = Sealer::new(
            Some(&TokenKey::from_bytes([2; 32])),
            "app:tokens:ann".into(),
        );
        assert!(other_key.open(3, "s1", &sealed).is_err(), "another key");
        let no_key = Sealer::new(None, "app:tokens:ann".into());
        assert!(no_key.open(3, "s1", &sealed).is_err());
    }

    #[test]
    fn with_a_key_a_record_in_clear_is_refused() {
        let clear = Sealer::new(None, "k".into()).seal(1, "s", Some(&tokens()));
        assert!(clear.starts_with(CLEAR));
        let keyed = Sealer::new(Some(&TokenKey::from_bytes([1; 32])), "k".into());
        assert!(keyed.open(1, "s", &clear).is_err());
        assert!(Sealer::new(None, "k".into()).open(1, "s", &clear).unwrap() == Some(tokens()));
    }

    #[test]
    fn with_a_key_an_ended_session_is_sealed_and_an_empty_value_is_refused() {
        let sealer = Sealer::new(Some(&TokenKey::from_bytes([1; 32])), "k".into());
        let ended = sealer.seal(5, "s", None);
        assert!(ended.starts_with(SEALED));
        assert!(sealer.open(5, "s", &ended).unwrap().is_none());
        assert!(
            sealer.open(6, "s", &ended).is_err(),
            "bound to its generation"
        );
        assert!(sealer.open(5, "s", b"").is_err(), "a forged sign-out");
    }

    #[test]
    fn an_ended_session_is_an_empty_value_and_garbage_is_unreadable() {
        let sealer = Sealer::new(None, "k".into());
        assert!(sealer.seal(2, "s", None).is_empty());
        assert!(sealer.open(2, "s", b"").unwrap().is_none());
        for garbage in [&b"x"[..], b"p1{", b"x1short", b"zz{}"] {
            assert!(sealer.open(2, "s", garbage).is_err(), "{garbage:?}");
        }
    }
}
