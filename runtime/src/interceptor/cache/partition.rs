//! Which partition a request's entries live in, so that one user's responses are never served
//! to another. Partition names hold keyed hashes, never a credential.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::keys::Hasher;
use crate::interceptor::auth::{self, ClientAuth, StaticAuth, Tokens};
use crate::request::Request;

pub(super) type PartitionFn = Arc<dyn Fn(&Request) -> String + Send + Sync>;

/// The partition of requests that carry no credential the cache can see: the only one whose
/// entries any caller may be served.
pub(super) const SHARED: &str = "anon";

/// How a cache names partitions.
#[derive(Clone)]
pub(super) enum Partition {
    /// By the credentials on the request as the cache sees it: secret headers (by the
    /// client's redaction policy) and the URL's user name and password. The client builder
    /// turns it into `Tokens` when the client has an auth interceptor, whose `Authorization`
    /// the cache does not see yet.
    Credentials,
    /// By the tokens and static credentials of the auth interceptors behind the cache, and
    /// the request's visible credentials.
    Auth(ClientAuth),
    /// By what the application's function says.
    Custom(PartitionFn),
}

impl Partition {
    /// The partition `request` falls in.
    pub(super) fn name(&self, request: &Request, hasher: &Hasher) -> String {
        match self {
            Self::Credentials => {
                credentials_part(request, hasher).unwrap_or_else(|| SHARED.to_owned())
            }
            Self::Auth(auth) => {
                let tokens = auth
                    .tokens
                    .as_ref()
                    .and_then(|store| token_part(store.get().as_deref(), hasher));
                let statics = static_part(&auth.statics, hasher);
                let credentials = credentials_part(request, hasher);
                let parts: Vec<String> = [tokens, statics, credentials]
                    .into_iter()
                    .flatten()
                    .collect();
                if parts.is_empty() {
                    SHARED.to_owned()
                } else {
                    parts.join(";")
                }
            }
            Self::Custom(partition) => format!(
                "c:{}",
                hasher.digest("custom", partition(request).as_bytes())
            ),
        }
    }

    /// The request headers as they will reach the network, as far as the cache can know: the
    /// request's own, plus the credential an auth interceptor behind the cache will add.
    pub(super) fn seen_headers<'r>(&self, request: &'r Request) -> Cow<'r, HeaderMap> {
        let Self::Auth(auth) = self else {
            return Cow::Borrowed(request.headers());
        };
        let bearer = auth
            .tokens
            .as_ref()
            .filter(|_| auth::applies_to(request))
            .and_then(|store| store.get())
            .and_then(|tokens| auth::bearer_value(&tokens).ok())
            .map(|value| (AUTHORIZATION, value));
        let mut predicted = bearer
            .into_iter()
            .chain(
                auth.statics
                    .iter()
                    .filter_map(|s| s.predicted_header(request)),
            )
            .peekable();
        if predicted.peek().is_none() {
            return Cow::Borrowed(request.headers());
        }
        let mut headers = request.headers().clone();
        // The interceptors insert, replacing a value the caller set.
        for (name, value) in predicted {
            headers.insert(name, value);
        }
        Cow::Owned(headers)
    }
}

impl fmt::Debug for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Credentials => "Credentials",
            Self::Auth(_) => "Auth",
            Self::Custom(_) => "Custom",
        })
    }
}

/// `k:` and the digest of every static credential, if there are any.
fn static_part(statics: &[StaticAuth], hasher: &Hasher) -> Option<String> {
    if statics.is_empty() {
        return None;
    }
    let mut joined = Vec::new();
    for auth in statics {
        joined.extend_from_slice(&auth.partition_material());
        joined.push(b'\n');
    }
    Some(format!("k:{}", hasher.digest("static", &joined)))
}

/// `s:` and the digest of the tokens' subject, or `t:` and that of the refresh (else access)
/// token; every partition of these tokens starts with it.
pub(super) fn token_part(tokens: Option<&Tokens>, hasher: &Hasher) -> Option<String> {
    let tokens = tokens?;
    Some(match tokens.subject() {
        Some(subject) => format!("s:{}", hasher.digest("subject", subject.as_bytes())),
        None => {
            let secret = tokens.refresh_token().unwrap_or(tokens.access_token());
            format!("t:{}", hasher.digest("token", secret.as_bytes()))
        }
    })
}

/// `h:` and the digest of every credential the request carries as the cache sees it.
fn credentials_part(request: &Request, hasher: &Hasher) -> Option<String> {
    let redactor = request.redactor();
    let mut secrets: Vec<(&str, &[u8])> = request
        .headers()
        .iter()
        .filter(|(name, _)| redactor.is_secret_header(name.as_str()))
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    let url = request.url();
    if !url.username().is_empty() || url.password().is_some() {
        secrets.push(("userinfo", url.username().as_bytes()));
        secrets.push(("password", url.password().unwrap_or_default().as_bytes()));
    }
    if secrets.is_empty() {
        return None;
    }
    secrets.sort_unstable();
    let mut joined = Vec::new();
    for (name, value) in secrets {
        joined.extend_from_slice(name.as_bytes());
        joined.push(b'\n');
        joined.extend_from_slice(value);
        joined.push(b'\n');
    }
    Some(format!("h:{}", hasher.digest("credentials", &joined)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryStore;
    use crate::interceptor::auth::{MemoryTokenStore, TokenStore};

    fn request(headers: &[(&'static str, &'static str)], url: &str) -> Request {
        let mut request = Request::new(http::Method::GET, url.parse().unwrap());
        for (name, value) in headers {
            request.headers_mut().insert(*name, value.parse().unwrap());
        }
        request
    }

    #[test]
    fn partitions_hide_credentials_and_tell_users_apart() {
        let hasher = Hasher::for_store(&MemoryStore::default());
        let by_credentials = Partition::Credentials;
        let name = |headers: &[(&'static str, &'static str)], url: &str| {
            by_credentials.name(&request(headers, url), &hasher)
        };
        assert_eq!(name(&[("accept", "a")], "https://h.test/"), SHARED);
        let first = name(&[("authorization", "Bearer secret-1")], "https://h.test/");
        let second = name(&[("authorization", "Bearer secret-2")], "https://h.test/");
        let api_key = name(&[("x-api-key", "secret-1")], "https://h.test/");
        let userinfo = name(&[], "https://key:secret-1@h.test/");
        assert!(first.starts_with("h:") && !first.contains("secret"));
        for other in [&second, &api_key, &userinfo] {
            assert_ne!(&first, other);
        }

        let store = Arc::new(MemoryTokenStore::new());
        let by_tokens = Partition::Auth(ClientAuth {
            tokens: Some(store.clone()),
            statics: Vec::new(),
        });
        let plain = request(&[], "https://h.test/");
        assert_eq!(by_tokens.name(&plain, &hasher), SHARED, "signed out");
        store.set(Tokens::new("a1").with_refresh("r1").with_subject("alice"));
        let alice = by_tokens.name(&plain, &hasher);
        store.set(Tokens::new("a2").with_refresh("r2").with_subject("alice"));
        assert_eq!(
            by_tokens.name(&plain, &hasher),
            alice,
            "same subject, same partition"
        );
        let with_key = by_tokens.name(&request(&[("x-api-key", "k")], "https://h.test/"), &hasher);
        assert!(with_key.starts_with(&format!("{alice};h:")), "{with_key}");
        store.set(Tokens::new("b1").with_subject("bob"));
        assert_ne!(by_tokens.name(&plain, &hasher), alice);
    }
}
