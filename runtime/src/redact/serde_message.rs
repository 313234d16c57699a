//! Deserialization error messages without the data they quote.
//!
//! serde writes the offending value into its messages (`invalid type: string "eyJ…",
//! expected u64`), and a token that fails to decode is still a token. What a reader needs is
//! kept: the found and expected *types*, field names, line and column.

use super::REDACTED;
use super::text::string_end;

/// Messages serde_json writes about the syntax, and serde's messages about fields and lengths:
/// they name no value and are kept as they are.
const SAFE_PREFIXES: &[&str] = &[
    "EOF while parsing",
    "expected ",
    "invalid escape",
    "invalid number",
    "number out of range",
    "invalid unicode code point",
    "control character",
    "key must be",
    "float key must be",
    "lone leading surrogate",
    "trailing comma",
    "trailing characters",
    "unexpected end of hex escape",
    "recursion limit exceeded",
    "invalid length ",
    "missing field ",
    "duplicate field ",
    "unknown field ",
];

/// `message` (a serde error's `Display`) with any value it quotes taken out.
///
/// `invalid type: string "s3cr3t", expected u64 at line 1 column 9` becomes
/// `invalid type: string, expected u64 at line 1 column 9`; a message of a custom
/// deserializer keeps its words, with quoted parts redacted.
pub(crate) fn serde_message(message: &str) -> String {
    let (text, position) = split_position(message);
    let cleaned = if SAFE_PREFIXES.iter().any(|p| text.starts_with(p)) {
        text.to_owned()
    } else if let Some(rest) = text.strip_prefix("invalid type: ") {
        unexpected("invalid type", rest).unwrap_or_else(|| quoted_redacted(text))
    } else if let Some(rest) = text.strip_prefix("invalid value: ") {
        unexpected("invalid value", rest).unwrap_or_else(|| quoted_redacted(text))
    } else if let Some(rest) = text.strip_prefix("unknown variant `") {
        match rest.find("`, ") {
            Some(end) => format!("unknown variant{}", &rest[end + 1..]),
            None => quoted_redacted(text),
        }
    } else {
        quoted_redacted(text)
    };
    format!("{cleaned}{position}")
}

/// Splits serde_json's ` at line L column C` off the end.
fn split_position(message: &str) -> (&str, &str) {
    let Some(at) = message.rfind(" at line ") else {
        return (message, "");
    };
    let tail = &message[at + " at line ".len()..];
    let well_formed = tail.split_once(" column ").is_some_and(|(line, column)| {
        !line.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && !column.is_empty()
            && column.bytes().all(|b| b.is_ascii_digit())
    });
    if well_formed {
        message.split_at(at)
    } else {
        (message, "")
    }
}

/// `<kind> <value>, expected <what>` → `<what happened>: <kind>, expected <what>`.
fn unexpected(what: &str, rest: &str) -> Option<String> {
    const EXPECTED: &str = ", expected ";
    let (kind, after_value) = if let Some(quoted) = rest.strip_prefix("string \"") {
        // `{:?}` escapes quotes and backslashes as JSON does: its end is found the same way.
        ("string", &quoted[string_end(quoted)? + 1..])
    } else if let Some(tick) = rest.find(" `").filter(|&t| !rest[..t].contains(EXPECTED)) {
        let close = rest[tick + 2..].find(&format!("`{EXPECTED}"))?;
        (&rest[..tick], &rest[tick + 2 + close + 1..])
    } else {
        let end = rest.find(EXPECTED)?;
        (&rest[..end], &rest[end..])
    };
    let expected = after_value.strip_prefix(EXPECTED)?;
    Some(format!("{what}: {kind}, expected {expected}"))
}

/// The text with whatever it puts in `"…"` or `` `…` `` replaced.
fn quoted_redacted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = &rest[open..=open];
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        match rest.find(quote) {
            Some(close) => {
                out.push_str(REDACTED);
                out.push_str(quote);
                rest = &rest[close + 1..];
            }
            None => {
                out.push_str(REDACTED);
                return out;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn message_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        serde_json::from_str::<T>(json).unwrap_err().to_string()
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Reply {
        access_token: u64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    enum Kind {
        Admin,
    }

    #[test]
    fn found_values_are_dropped_and_types_kept() {
        let raw = message_of::<Reply>(r#"{"access_token": "eyJhbGciOi.SECRET-JWT"}"#);
        assert!(raw.contains("SECRET"), "serde quotes it: {raw}");
        let shown = serde_message(&raw);
        assert_eq!(
            shown,
            "invalid type: string, expected u64 at line 1 column 40"
        );

        let shown = serde_message(&message_of::<Vec<bool>>("[1234567]"));
        assert_eq!(
            shown,
            "invalid type: integer, expected a boolean at line 1 column 8"
        );
        let shown = serde_message(&message_of::<u8>("300"));
        assert!(!shown.contains("300"), "{shown}");
        let shown = serde_message(&message_of::<Kind>(r#""root-s3cr3t""#));
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("expected `Admin`"), "{shown}");
        let tricky = serde_message(r#"invalid type: string "a\", expected b", expected u64"#);
        assert_eq!(tricky, "invalid type: string, expected u64");
    }

    #[test]
    fn messages_that_name_no_value_are_kept() {
        for json in ["{", "[1,]", "nul", r#"{"a":1} x"#] {
            let raw = message_of::<serde_json::Value>(json);
            assert_eq!(serde_message(&raw), raw);
        }
        let missing = message_of::<Reply>("{}");
        assert_eq!(serde_message(&missing), missing);
    }

    #[test]
    fn custom_messages_lose_what_they_quote() {
        assert_eq!(
            serde_message("bad token `tok-123` for user \"ann\""),
            "bad token `[REDACTED]` for user \"[REDACTED]\""
        );
        assert_eq!(serde_message("cut `short"), "cut `[REDACTED]");
    }

    proptest! {
        #[test]
        fn no_message_makes_it_panic(message in "\\PC{0,200}") {
            let _ = serde_message(&message);
        }

        /// Whatever string serde quotes as the found value, it never survives.
        #[test]
        fn a_quoted_string_value_never_survives(value in "[ -~]{1,40}") {
            let raw = message_of::<u64>(&serde_json::to_string(&format!("Z{value}Z")).unwrap());
            let shown = serde_message(&raw);
            prop_assert!(!shown.contains(&format!("Z{value}Z")), "{}", shown);
            prop_assert!(shown.starts_with("invalid type: string, expected u64"), "{}", shown);
        }
    }
}
