//! The range of integers a schema allows: what a Rust integer type holds (schemars writes its
//! `format`, `uint64` for `u64`) against what a document lets the provider send (its
//! `minimum`/`maximum`, or its `format`; an integer without either is taken as 64-bit signed,
//! the widest a JSON library commonly decodes).

use serde_json::Value;

/// Closed range `lo..=hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct IntRange {
    pub(super) lo: i128,
    pub(super) hi: i128,
}

impl IntRange {
    /// The range `schema` allows.
    pub(super) fn of(schema: &Value) -> Option<Self> {
        // A format that names no width (`unix-time`) says nothing of the range.
        let mut range = match schema["format"].as_str() {
            None | Some("int64") | Some("int") => bits(64, true),
            Some(format) => from_format(format).unwrap_or(bits(64, true)),
        };
        if let Some(min) = bound(schema, "minimum", "exclusiveMinimum", 1) {
            range.lo = range.lo.max(min);
        }
        if let Some(max) = bound(schema, "maximum", "exclusiveMaximum", -1) {
            range.hi = range.hi.min(max);
        }
        Some(range)
    }

    pub(super) fn contains(&self, other: &Self) -> bool {
        self.lo <= other.lo && other.hi <= self.hi
    }
}

impl std::fmt::Display for IntRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} to {}", self.lo, self.hi)
    }
}

fn from_format(format: &str) -> Option<IntRange> {
    let (signed, width) = match format.strip_prefix('u') {
        Some(rest) => (false, rest.strip_prefix("int")?),
        None => (true, format.strip_prefix("int")?),
    };
    let width = match width {
        // `usize`/`isize`: the widest they are.
        "" => 64,
        digits => digits
            .parse()
            .ok()
            .filter(|w| [8, 16, 32, 64].contains(w))?,
    };
    Some(bits(width, signed))
}

fn bits(width: u32, signed: bool) -> IntRange {
    if signed {
        IntRange {
            lo: -(1i128 << (width - 1)),
            hi: (1i128 << (width - 1)) - 1,
        }
    } else {
        IntRange {
            lo: 0,
            hi: (1i128 << width) - 1,
        }
    }
}

/// `minimum`/`maximum`, or their exclusive forms: a number (3.1) or `true` next to the bound
/// (3.0). `step` moves an exclusive bound inside.
fn bound(schema: &Value, inclusive: &str, exclusive: &str, step: i128) -> Option<i128> {
    let number = |value: &Value| {
        value
            .as_f64()
            .map(|n| if step > 0 { n.ceil() } else { n.floor() } as i128)
    };
    match &schema[exclusive] {
        Value::Number(_) => number(&schema[exclusive]).map(|n| n + step),
        Value::Bool(true) => number(&schema[inclusive]).map(|n| n + step),
        _ => number(&schema[inclusive]),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn formats_minimums_and_exclusive_bounds_give_the_range() {
        let range = |schema| IntRange::of(&schema).unwrap();
        assert_eq!(
            range(json!({"format": "uint64", "minimum": 0})),
            IntRange {
                lo: 0,
                hi: u64::MAX.into()
            }
        );
        assert_eq!(
            range(json!({"format": "int32"})),
            IntRange {
                lo: i32::MIN.into(),
                hi: i32::MAX.into()
            }
        );
        assert_eq!(
            range(json!({})),
            IntRange {
                lo: i64::MIN.into(),
                hi: i64::MAX.into()
            }
        );
        assert_eq!(
            range(json!({"minimum": 1, "maximum": 100})),
            IntRange { lo: 1, hi: 100 }
        );
        assert_eq!(range(json!({"exclusiveMinimum": 0})).lo, 1);
        assert_eq!(range(json!({"minimum": 0, "exclusiveMinimum": true})).lo, 1);
        assert_eq!(range(json!({"format": "uint8"})).hi, 255);
        assert_eq!(range(json!({"format": "unix-time"})), range(json!({})));
    }
}
