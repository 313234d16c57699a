//! The rules that call a name secret: one for header names, one for the keys of query
//! parameters, form fields and JSON members. Each is written here once and used by every
//! `Debug`, `Display` and log line, by redirects and cross-origin calls, and by the cache.
//!
//! Names are compared *normalized*: ASCII letters lower-cased, `-`, `_`, `.` and spaces
//! dropped, so `X-Api-Key`, `x_api_key`, `apiKey` and `API.KEY` are all `apikey`.

/// Parts of normalized header names that mark their values as secrets: `Authorization`,
/// `Proxy-Authorization`, `WWW-Authenticate`, `Cookie`, `Set-Cookie`, `X-Auth-Token`,
/// `X-Session`, `X-Api-Key`, `X-Goog-Api-Key`, `X-Amz-Security-Token`,
/// `Ocp-Apim-Subscription-Key`, `X-Hub-Signature-256`, `X-Access-Key` … all match.
const HEADER_PARTS: &[&str] = &[
    "auth",
    "cookie",
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "session",
    "signature",
    "credential",
    "subscriptionkey",
    "privatekey",
    "accesskey",
    "clientkey",
];

/// Normalized keys that are secrets on their own (as parts they would match innocent names:
/// `key` in `sort_key`, `auth` in `author`, `pass` in `passenger`).
const KEY_NAMES: &[&str] = &["key", "sig", "code", "auth", "pass", "pwd", "otp"];

/// Parts of normalized keys that mark their values as secrets: `access_token`,
/// `X-Amz-Signature`, `X-Amz-Credential`, `client_secret`, `api_key`, `session_id`,
/// `access_key`, `auth_key` (DeepL's), `private_key`, `client_key`, `refreshToken` … all match.
const KEY_PARTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "signature",
    "credential",
    "apikey",
    "session",
    "accesskey",
    "authkey",
    "privatekey",
    "clientkey",
    "authorization",
    "cookie",
];

/// Whether a header's value is a secret. CORS headers (`Access-Control-Allow-Credentials:
/// true`, `Access-Control-Allow-Headers: Authorization`) name credentials but never hold one.
pub(super) fn is_secret_header_name(name: &str) -> bool {
    with_normalized(name, |name| {
        !name.starts_with("accesscontrol") && contains_any(name, HEADER_PARTS)
    })
}

/// Whether the value of a query parameter, form field or JSON member is a secret.
pub(super) fn is_secret_key_name(name: &str) -> bool {
    with_normalized(name, |name| {
        KEY_NAMES.contains(&name) || contains_any(name, KEY_PARTS)
    })
}

/// Whether two names are the same once normalized (for the names a user adds).
pub(super) fn same_name(a: &str, b: &str) -> bool {
    fn normal(name: &str) -> impl Iterator<Item = u8> + '_ {
        name.bytes().filter_map(normal_byte)
    }
    normal(a).eq(normal(b))
}

fn normal_byte(byte: u8) -> Option<u8> {
    match byte {
        b'-' | b'_' | b'.' | b' ' => None,
        other => Some(other.to_ascii_lowercase()),
    }
}

/// Runs `check` on the normalized name, on the stack for names up to 64 bytes.
fn with_normalized(name: &str, check: impl Fn(&str) -> bool) -> bool {
    let mut buffer = [0_u8; 64];
    if name.len() <= buffer.len() {
        let mut len = 0;
        for byte in name.bytes().filter_map(normal_byte) {
            buffer[len] = byte;
            len += 1;
        }
        // Only ASCII bytes were changed or dropped, so the rest is still UTF-8; a name that
        // is not (it cannot be: it came from a `&str`) would simply not match.
        std::str::from_utf8(&buffer[..len]).is_ok_and(check)
    } else {
        let normalized: String = name
            .bytes()
            .filter_map(normal_byte)
            .map(char::from)
            .collect();
        check(&normalized)
    }
}

fn contains_any(name: &str, parts: &[&str]) -> bool {
    parts.iter().any(|part| name.contains(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_headers_by_pattern() {
        for header in [
            "Authorization",
            "Proxy-Authorization",
            "WWW-Authenticate",
            "Cookie",
            "Set-Cookie",
            "X-Access-Token",
            "X-Session-Token",
            "X-Session",
            "Api-Key",
            "X-Api_Key",
            "X-Goog-Api-Key",
            "Ocp-Apim-Subscription-Key",
            "X-Amz-Security-Token",
            "X-Client-Secret",
            "X-Hub-Signature-256",
            "X-Credentials",
            "X-Access-Key",
        ] {
            assert!(is_secret_header_name(header), "{header}");
        }
        for header in [
            "Accept",
            "Content-Type",
            "X-Request-Id",
            "Idempotency-Key",
            "Location",
            "Access-Control-Allow-Credentials",
            "Access-Control-Allow-Headers",
            "Access-Control-Request-Headers",
        ] {
            assert!(!is_secret_header_name(header), "{header}");
        }
    }

    #[test]
    fn secret_keys_by_name_and_pattern() {
        for key in [
            "X-Amz-Signature",
            "X-Amz-Credential",
            "X-Amz-Security-Token",
            "X-Goog-Signature",
            "X-Goog-Credential",
            "sig",
            "code",
            "key",
            "access_token",
            "accessToken",
            "client_secret",
            "api_key",
            "apiKey",
            "session_id",
            "access_key",
            "auth_key",
            "private_key",
            "client_key",
            "pwd",
            "pass",
            "PASSWORD",
            "tokens",
            "credentials",
        ] {
            assert!(is_secret_key_name(key), "{key}");
        }
        for key in [
            "page",
            "q",
            "sort",
            "sort_key",
            "author",
            "passenger",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Date",
        ] {
            assert!(!is_secret_key_name(key), "{key}");
        }
    }

    #[test]
    fn long_names_are_normalized_too() {
        let long = format!("{}_Access_Token", "x".repeat(80));
        assert!(is_secret_key_name(&long));
        assert!(is_secret_header_name(&long));
        assert!(same_name("X-Tenant-Pin", "x_tenant_pin"));
        assert!(!same_name("X-Tenant-Pin", "x-tenant"));
    }
}
