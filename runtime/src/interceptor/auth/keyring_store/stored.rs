//! How tokens are written in a credential store entry: JSON, with the expiry in seconds since
//! the epoch. An entry is untrusted input (another program may have written it).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::auth::Tokens;

#[derive(Serialize, Deserialize)]
struct Stored {
    access: String,
    refresh: Option<String>,
    expires_at_secs: Option<u64>,
    /// Absent in entries written before it was kept.
    #[serde(default)]
    issued_at_secs: Option<u64>,
    subject: Option<String>,
}

pub(super) fn encode(tokens: &Tokens) -> String {
    let stored = Stored {
        access: tokens.access_token().to_owned(),
        refresh: tokens.refresh_token().map(str::to_owned),
        expires_at_secs: tokens.expires_at().and_then(epoch_secs),
        issued_at_secs: tokens.issued_at().and_then(epoch_secs),
        subject: tokens.subject().map(str::to_owned),
    };
    // Plain strings and numbers: serializing cannot fail.
    serde_json::to_string(&stored).unwrap_or_default()
}

fn epoch_secs(at: SystemTime) -> Option<u64> {
    at.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// The tokens in `secret`; `None`, with a warning that does not quote it, when it is not an
/// entry of ours (another format, an expiry no clock can hold).
pub(super) fn decode(secret: &str) -> Option<Tokens> {
    let stored: Stored = match serde_json::from_str(secret) {
        Ok(stored) => stored,
        Err(_) => {
            tracing::warn!(
                "ferrofit: the stored tokens are not in a format ferrofit reads; treated as signed out"
            );
            return None;
        }
    };
    let expires_at = match stored.expires_at_secs {
        None => None,
        Some(secs) => match UNIX_EPOCH.checked_add(Duration::from_secs(secs)) {
            Some(at) => Some(at),
            None => {
                tracing::warn!(
                    expires_at_secs = secs,
                    "ferrofit: the stored tokens expire at a time no clock can hold; treated as signed out"
                );
                return None;
            }
        },
    };
    let mut tokens = Tokens::new(stored.access);
    if let Some(refresh) = stored.refresh {
        tokens = tokens.with_refresh(refresh);
    }
    if let Some(at) = expires_at {
        tokens = tokens.expiring_at(at);
    }
    // An issue time no clock can hold only loses the lifetime bound, not the tokens.
    if let Some(at) = stored
        .issued_at_secs
        .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)))
    {
        tokens = tokens.with_issued_at(at);
    }
    if let Some(subject) = stored.subject {
        tokens = tokens.with_subject(subject);
    }
    Some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_foreign_entries_never_panic() {
        let tokens = Tokens::new("a")
            .with_refresh("r")
            .with_subject("s")
            .with_issued_at(UNIX_EPOCH + Duration::from_secs(3_999_996_400))
            .expiring_at(UNIX_EPOCH + Duration::from_secs(4_000_000_000));
        assert_eq!(decode(&encode(&tokens)), Some(tokens));
        let far = r#"{"access":"a","refresh":null,"expires_at_secs":18446744073709551615,"subject":null}"#;
        assert_eq!(
            decode(far),
            None,
            "an out-of-range expiry is refused, not a panic"
        );
        assert_eq!(decode("not json"), None);
        assert_eq!(decode(r#"{"access":5}"#), None);
    }
}
