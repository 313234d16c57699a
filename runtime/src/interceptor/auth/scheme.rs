//! How a client's credentials travel, as OpenAPI names it: what the export writes under
//! `securitySchemes` for the client really used, instead of assuming a bearer token.

use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::redact::Redactor;

/// One way a client sends credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AuthScheme {
    /// `Authorization: Bearer …` (an `AuthInterceptor`'s tokens, `StaticAuth::bearer`).
    Bearer,
    /// `Authorization: Basic …`.
    Basic,
    /// A key in a header or a query parameter of this name.
    ApiKey { location: KeyLocation, name: String },
}

/// Where an API key goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyLocation {
    Header,
    Query,
}

impl AuthScheme {
    /// The name the export gives the scheme under `securitySchemes`.
    #[cfg(feature = "openapi")]
    pub(crate) fn key(&self) -> String {
        match self {
            Self::Bearer => "bearerAuth".to_owned(),
            Self::Basic => "basicAuth".to_owned(),
            Self::ApiKey { location, name } => {
                let place = match location {
                    KeyLocation::Header => "Header",
                    KeyLocation::Query => "Query",
                };
                format!("apiKey{place}_{name}")
            }
        }
    }

    /// The OpenAPI Security Scheme Object.
    #[cfg(feature = "openapi")]
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Bearer => serde_json::json!({ "type": "http", "scheme": "bearer" }),
            Self::Basic => serde_json::json!({ "type": "http", "scheme": "basic" }),
            Self::ApiKey { location, name } => serde_json::json!({
                "type": "apiKey",
                "in": match location {
                    KeyLocation::Header => "header",
                    KeyLocation::Query => "query",
                },
                "name": name,
            }),
        }
    }
}

/// The schemes of credentials set as default headers: an `Authorization` value by its
/// scheme word, any other secret-named header as an API key in that header (cookies are
/// sessions, not a scheme the document can name).
pub(crate) fn of_default_headers(headers: &HeaderMap, redactor: &Redactor) -> Vec<AuthScheme> {
    let mut schemes = Vec::new();
    for name in headers.keys() {
        let scheme = if name == AUTHORIZATION {
            let value = headers[name].to_str().unwrap_or("");
            let word = value.split(' ').next().unwrap_or("").to_ascii_lowercase();
            match word.as_str() {
                "bearer" => AuthScheme::Bearer,
                "basic" => AuthScheme::Basic,
                _ => AuthScheme::ApiKey {
                    location: KeyLocation::Header,
                    name: "Authorization".to_owned(),
                },
            }
        } else if redactor.is_secret_header(name.as_str()) && !name.as_str().contains("cookie") {
            AuthScheme::ApiKey {
                location: KeyLocation::Header,
                name: name.as_str().to_owned(),
            }
        } else {
            continue;
        };
        if !schemes.contains(&scheme) {
            schemes.push(scheme);
        }
    }
    schemes
}
