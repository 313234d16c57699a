//! RFC 9457 problem details, decoded from `application/problem+json` error bodies.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::{Error, ErrorResponse};

/// An RFC 9457 problem details object: what an `application/problem+json` error body says.
///
/// [`Error::problem`] decodes it from any error response of that media type, with no
/// declaration on the trait; `ApiError<Problem>` declares it as an endpoint's error body.
/// As the RFC asks, a member of the wrong JSON type (a `status` that is a string) is ignored
/// rather than failing the whole object, and members the RFC does not define are kept in
/// [`extensions`](Self::extensions). `Debug` hides the values of extension members whose
/// names look secret (`token`, `secret`, …).
///
/// # Examples
///
/// ```
/// use ferrofit::{Error, ErrorResponse, Problem};
/// use ferrofit::http::{HeaderMap, HeaderValue, StatusCode};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("content-type", HeaderValue::from_static("application/problem+json"));
/// let body = r#"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.",
///               "status":403,"detail":"Your balance is 30, but that costs 50.","balance":30}"#;
/// let error = Error::from_response(ErrorResponse::new(
///     StatusCode::FORBIDDEN,
///     headers,
///     "https://api.test/buy".parse().unwrap(),
///     body.into(),
/// ));
/// let problem = error.problem().unwrap();
/// assert_eq!(problem.problem_type, "https://example.com/probs/out-of-credit");
/// assert_eq!(problem.status, Some(403));
/// assert_eq!(problem.extensions["balance"], 30);
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// A URI reference that names the problem type; `about:blank` when the body has none.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the problem type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The HTTP status the server gave (advisory: the response's own status wins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// An explanation of this occurrence of the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A URI reference that names this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Every other member, as the server sent it.
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
}

impl Problem {
    /// A problem of `problem_type` with nothing else set, e.g. for a typed mock's reply.
    ///
    /// # Examples
    ///
    /// ```
    /// let problem = ferrofit::Problem::new("https://example.com/probs/out-of-credit");
    /// assert_eq!(problem.title, None);
    /// ```
    pub fn new(problem_type: impl Into<String>) -> Self {
        Self {
            problem_type: problem_type.into(),
            title: None,
            status: None,
            detail: None,
            instance: None,
            extensions: Map::new(),
        }
    }

    fn from_members(mut members: Map<String, Value>) -> Self {
        let mut text = |name: &str| match members.remove(name) {
            Some(Value::String(text)) => Some(text),
            _ => None,
        };
        let problem_type = text("type").unwrap_or_else(|| "about:blank".to_owned());
        let (title, detail, instance) = (text("title"), text("detail"), text("instance"));
        let status = match members.remove("status") {
            Some(Value::Number(n)) => n
                .as_u64()
                .filter(|s| (100..=599).contains(s))
                .and_then(|s| u16::try_from(s).ok()),
            _ => None,
        };
        Self {
            problem_type,
            title,
            status,
            detail,
            instance,
            extensions: members,
        }
    }
}

impl<'de> Deserialize<'de> for Problem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self::from_members)
    }
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redactor = crate::redact::built_in();
        let extensions: Map<String, Value> = self
            .extensions
            .iter()
            .map(|(name, value)| {
                let value = if redactor.is_secret_key(name) {
                    Value::String("[REDACTED]".to_owned())
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect();
        f.debug_struct("Problem")
            .field("problem_type", &self.problem_type)
            .field("title", &self.title)
            .field("status", &self.status)
            .field("detail", &self.detail)
            .field("instance", &self.instance)
            .field("extensions", &extensions)
            .finish()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title.as_deref().unwrap_or(&self.problem_type))?;
        match &self.detail {
            Some(detail) => write!(f, ": {detail}"),
            None => Ok(()),
        }
    }
}

impl ErrorResponse {
    /// The body as RFC 9457 problem details, when its media type is
    /// `application/problem+json` and it holds a JSON object.
    pub fn problem(&self) -> Option<Problem> {
        let media_type = self
            .headers()
            .get(http::header::CONTENT_TYPE)?
            .to_str()
            .ok()?;
        let essence = media_type.split(';').next()?.trim();
        if !essence.eq_ignore_ascii_case("application/problem+json") {
            return None;
        }
        serde_json::from_slice(self.body()).ok()
    }
}

impl Error {
    /// The RFC 9457 problem details of an error response whose body is
    /// `application/problem+json`; `None` for any other error.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn show(error: &ferrofit::Error) {
    /// if let Some(problem) = error.problem() {
    ///     eprintln!("{problem}");
    /// }
    /// # }
    /// ```
    pub fn problem(&self) -> Option<Problem> {
        self.response().and_then(ErrorResponse::problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_the_wrong_type_are_ignored_and_the_rest_kept() {
        let problem: Problem = serde_json::from_str(
            r#"{"title":7,"status":"404","detail":"gone","instance":"/x/1","retry":true}"#,
        )
        .unwrap();
        assert_eq!(problem.problem_type, "about:blank");
        assert_eq!(problem.title, None);
        assert_eq!(problem.status, None);
        assert_eq!(problem.detail.as_deref(), Some("gone"));
        assert_eq!(problem.instance.as_deref(), Some("/x/1"));
        assert_eq!(problem.extensions["retry"], true);
        assert!(!problem.extensions.contains_key("status"));
        assert_eq!(problem.to_string(), "about:blank: gone");
    }

    #[test]
    fn it_round_trips_and_debug_hides_secret_extensions() {
        let mut problem = Problem::new("https://example.com/probs/expired");
        problem.status = Some(401);
        problem
            .extensions
            .insert("refresh_token".into(), "s3cr3t".into());
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "https://example.com/probs/expired");
        assert_eq!(serde_json::from_value::<Problem>(json).unwrap(), problem);
        let debug = format!("{problem:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("refresh_token"), "{debug}");
    }

    #[test]
    fn a_body_that_is_not_an_object_is_no_problem() {
        assert!(serde_json::from_str::<Problem>("[1,2]").is_err());
    }
}
