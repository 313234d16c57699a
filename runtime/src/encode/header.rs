//! Header values from call arguments: `#[header("Name")]` and `#[header_map]`.

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};

use crate::codec::RequestValue;
use crate::error::{Error, Result};

/// A header value from text. CR and LF are refused by name (they would inject headers), and
/// so is every other control character but tab.
pub(crate) fn header_value(name: &str, value: &str) -> std::result::Result<HeaderValue, String> {
    if value.contains(['\r', '\n']) {
        return Err(format!(
            "the value of header `{name}` contains CR or LF, which could inject headers"
        ));
    }
    HeaderValue::try_from(value)
        .map_err(|_| format!("the value of header `{name}` contains control characters"))
}

/// Sets header `name` from an argument: it replaces any static value of that name, and a
/// sequence sends the header once per item; `None` leaves the headers as they are.
pub(crate) fn set(
    headers: &mut HeaderMap,
    name: &HeaderName,
    value: &dyn RequestValue,
) -> Result<()> {
    let mut first = true;
    let result = value.each_value(&mut |v| {
        let v = header_value(name.as_str(), v).map_err(serde::ser::Error::custom)?;
        if first {
            headers.remove(name);
            first = false;
        }
        headers.append(name.clone(), v);
        Ok(())
    });
    result.map_err(|e| Error::invalid_request(e.to_string()))
}

/// Sets a header for each field or entry of a struct or map. The first value of a name
/// replaces what static headers set; later ones add to it.
pub(crate) fn set_map(headers: &mut HeaderMap, map: &dyn RequestValue) -> Result<()> {
    let mut names: Vec<HeaderName> = Vec::new();
    let result = map.each_pair(&mut |k, v| {
        let name = HeaderName::try_from(k)
            .map_err(|_| serde::ser::Error::custom(format!("`{k}` is not a valid header name")))?;
        if !names.contains(&name) {
            headers.remove(&name);
            names.push(name.clone());
        }
        headers.append(name, header_value(k, v).map_err(serde::ser::Error::custom)?);
        Ok(())
    });
    result.map_err(|e| Error::invalid_request(format!("header map: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_controls_are_refused() {
        assert!(
            header_value("x", "a\r\nb: c")
                .unwrap_err()
                .contains("CR or LF")
        );
        assert!(header_value("x", "a\0b").unwrap_err().contains("control"));
        assert!(header_value("x", "a\tb").is_ok());
    }

    #[test]
    fn a_sequence_replaces_static_values_and_repeats_the_header() {
        let mut headers = HeaderMap::new();
        let name = HeaderName::from_static("x-tag");
        headers.insert(name.clone(), HeaderValue::from_static("static"));
        set(&mut headers, &name, &["a", "b"]).unwrap();
        let values: Vec<_> = headers.get_all(&name).iter().collect();
        assert_eq!(values, ["a", "b"]);
        set(&mut headers, &name, &None::<&str>).unwrap();
        assert_eq!(
            headers.get_all(&name).iter().count(),
            2,
            "None changes nothing"
        );
    }

    proptest::proptest! {
        /// No CR, LF or NUL ever reaches a header value; CR and LF are refused by name.
        #[test]
        fn no_line_break_or_nul_reaches_a_header(value in crate::test_strategies::hostile_text()) {
            match header_value("x-test", &value) {
                Ok(header) => {
                    proptest::prop_assert!(!header.as_bytes().iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
                    proptest::prop_assert_eq!(header.as_bytes(), value.as_bytes());
                }
                Err(message) => {
                    let breaks = value.contains(['\r', '\n']);
                    proptest::prop_assert_eq!(breaks, message.contains("CR or LF"));
                }
            }
        }
    }
}
