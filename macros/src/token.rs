//! RFC 9110 tokens: what header names and method names are made of. Used by the attribute
//! parsers and the header checks alike, so it sits below both.

/// Whether `text` is an RFC 9110 token: what header names and method names are made of.
pub(crate) fn is_http_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

/// A header name must be an RFC 9110 token.
pub(crate) fn check_header_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the header name is empty; write `\"Name: value\"`".to_owned());
    }
    let Some(bad) = name
        .chars()
        .find(|c| !is_http_token(c.encode_utf8(&mut [0; 4])))
    else {
        return Ok(());
    };
    Err(format!(
        "`{name}` is not a valid header name: {bad:?} is not allowed"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_tokens() {
        assert!(is_http_token("PURGE"));
        assert!(is_http_token("X-Request-Id"));
        assert!(!is_http_token(""));
        assert!(!is_http_token("A B"));
        assert!(!is_http_token("a:b"));
    }
}
