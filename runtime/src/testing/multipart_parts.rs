//! Reads a recorded `multipart/form-data` body back into its parts, so a typed mock can hand
//! `#[part]` arguments to a matcher. It reads what our encoder writes (RFC 7578 with
//! quoted-string names); it is a test helper, not a general parser.

use bytes::Bytes;
use serde::de::DeserializeOwned;

/// One part of a multipart request, as the mock received it.
///
/// # Examples
///
/// ```
/// # fn check(part: &ferrofit::testing::RecordedPart) {
/// assert_eq!(part.name(), "avatar");
/// assert_eq!(part.file_name(), Some("me.png"));
/// assert_eq!(part.content_type(), Some("image/png"));
/// assert!(!part.body().is_empty());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedPart {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    body: Bytes,
}

impl RecordedPart {
    /// The part's form name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file name, for file parts.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The part's `Content-Type`, if it has one.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The part's content.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The content as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The content as JSON.
    ///
    /// # Errors
    ///
    /// If the content is not JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }
}

/// The parts of `body`, given the request's `Content-Type` (which names the boundary).
pub(super) fn parse_parts(content_type: &str, body: &[u8]) -> Result<Vec<RecordedPart>, String> {
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim_matches('"'))
        .ok_or_else(|| format!("multipart body: no boundary in Content-Type {content_type:?}"))?;
    let delimiter = format!("--{boundary}");
    let mut rest = body
        .strip_prefix(delimiter.as_bytes())
        .ok_or("multipart body: does not start with the boundary")?;
    let next = format!("\r\n--{boundary}");
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or("multipart body: a boundary is not followed by CRLF")?;
        let end = find(rest, next.as_bytes()).ok_or("multipart body: a part has no end")?;
        parts.push(parse_part(&rest[..end])?);
        rest = &rest[end + next.len()..];
    }
}

fn parse_part(raw: &[u8]) -> Result<RecordedPart, String> {
    let split = find(raw, b"\r\n\r\n").ok_or("multipart part: no blank line after the headers")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut part = RecordedPart {
        name: String::new(),
        file_name: None,
        content_type: None,
        body: Bytes::copy_from_slice(&raw[split + 4..]),
    };
    for line in head.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("content-type") {
            part.content_type = Some(value.trim().to_owned());
        } else if name.eq_ignore_ascii_case("content-disposition") {
            part.name = parameter(value, "name").unwrap_or_default();
            part.file_name = parameter(value, "filename");
        }
    }
    Ok(part)
}

/// A `key="quoted string"` parameter of a `Content-Disposition` value, unescaped.
fn parameter(value: &str, key: &str) -> Option<String> {
    let mut rest = value;
    while let Some(at) = rest.find(';') {
        rest = rest[at + 1..].trim_start();
        let Some((k, v)) = rest.split_once('=') else {
            continue;
        };
        let Some(quoted) = v.strip_prefix('"') else {
            continue;
        };
        let mut text = String::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => text.extend(chars.next()),
                '"' => break,
                c => text.push(c),
            }
        }
        if k.trim().eq_ignore_ascii_case(key) {
            return Some(text);
        }
        rest = &rest[k.len() + 1..];
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_read_back_with_escaped_names() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".txt\"\r\nContent-Type: text/plain\r\n\r\nline\r\n--x\r\n--XyZ--\r\n";
        let parts = parse_parts("multipart/form-data; boundary=XyZ", body).expect("parses");
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name(), parts[0].text().as_str()),
            ("title", "hello")
        );
        assert_eq!(parts[1].file_name(), Some("a \"b\".txt"));
        assert_eq!(parts[1].content_type(), Some("text/plain"));
        assert_eq!(parts[1].text(), "line\r\n--x");
    }

    #[test]
    fn a_body_without_its_boundary_is_an_error() {
        assert!(parse_parts("multipart/form-data", b"").is_err());
        assert!(parse_parts("multipart/form-data; boundary=a", b"--b\r\n").is_err());
    }
}
