//! Input generators for the property tests of encoders and parsers (test builds only).

use proptest::prelude::*;

/// Text heavy in the characters that break URLs, headers and JSON, mixed with any others.
pub(crate) fn hostile_text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '/', '.', '\\', '%', '?', '#', ' ', '\r', '\n', '\0', '\t', '+', '&', '=', ';', ',', ':',
        '@', '"', '<', '>', '`', '{', '}', '~', 'é', '\u{2028}', '\u{FEFF}',
    ]);
    prop::collection::vec(prop_oneof![special, any::<char>()], 0..24)
        .prop_map(|chars| chars.into_iter().collect())
}
