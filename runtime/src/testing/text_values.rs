//! The inverse of the encoder in `encode/value.rs`: a serde deserializer that reads the text
//! values a request carries for one parameter (path segment, query key, header, form field)
//! back into the argument's type. Scalars are parsed from their text, `Option`s are `None`
//! when there is no value, sequences take every value, unit enum variants are read by name.
//! Maps and structs (`#[query_map]`, `#[header_map]`, `#[field_map]`) read `key = value` pairs.

use serde::de::value::{Error, MapDeserializer, SeqDeserializer, StrDeserializer};
use serde::de::{Deserializer, Error as _, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

/// Every value one parameter has in a request, in order.
pub(crate) struct Values(pub(crate) Vec<String>);

impl Values {
    /// The one value a scalar needs.
    fn single(mut self) -> Result<Text, Error> {
        match self.0.len() {
            1 => Ok(Text(self.0.remove(0))),
            0 => Err(Error::custom("the request has no value")),
            n => Err(Error::custom(format!(
                "the request has {n} values where one was expected"
            ))),
        }
    }
}

/// Scalars need exactly one value, which `Text` parses.
macro_rules! to_single {
    ($($method:ident),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.single()?.$method(visitor)
        })*
    };
}

impl<'de> Deserializer<'de> for Values {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(SeqDeserializer::new(self.0.into_iter().map(Text)))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    to_single! {
        deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32, deserialize_i64,
        deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32, deserialize_u64,
        deserialize_u128, deserialize_f32, deserialize_f64, deserialize_char,
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit_struct tuple_struct map struct identifier ignored_any
    }
}

/// One text value, parsed as whatever the visitor asks for.
struct Text(String);

impl<'de> IntoDeserializer<'de, Error> for Text {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parsed {
    ($($method:ident => $visit:ident),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0.parse() {
                Ok(v) => visitor.$visit(v),
                Err(e) => Err(Error::custom(format!("{:?} is not a {}: {e}", self.0, stringify!($visit).trim_start_matches("visit_")))),
            }
        })*
    };
}

impl<'de> Deserializer<'de> for Text {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0)
    }

    parsed! {
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8, deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32, deserialize_i64 => visit_i64, deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8, deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32, deserialize_u64 => visit_u64, deserialize_u128 => visit_u128,
        deserialize_f32 => visit_f32, deserialize_f64 => visit_f64, deserialize_char => visit_char,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(SeqDeserializer::new(std::iter::once(self)))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        StrDeserializer::<Error>::new(&self.0).deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier
        ignored_any
    }
}

/// `key = value` pairs read as a map or struct; a key that repeats gives a sequence.
pub(crate) struct Pairs(pub(crate) Vec<(String, String)>);

impl<'de> Deserializer<'de> for Pairs {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        for (key, value) in self.0 {
            match grouped.iter_mut().find(|(k, _)| *k == key) {
                Some((_, values)) => values.push(value),
                None => grouped.push((key, vec![value])),
            }
        }
        visitor.visit_map(MapDeserializer::new(
            grouped
                .into_iter()
                .map(|(key, values)| (Text(key), Grouped(values))),
        ))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The values of one key of a map, owned so `MapDeserializer` can hold them.
struct Grouped(Vec<String>);

impl<'de> IntoDeserializer<'de, Error> for Grouped {
    type Deserializer = Values;

    fn into_deserializer(self) -> Values {
        Values(self.0)
    }
}

/// Reads `T` from the values of one parameter.
#[cfg(test)]
fn from_values<T: serde::de::DeserializeOwned>(values: Vec<String>) -> Result<T, Error> {
    T::deserialize(Values(values))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    fn values(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Sort {
        Asc,
        Desc,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Filter {
        page: u32,
        tag: Vec<String>,
        sort: Option<Sort>,
    }

    #[test]
    fn scalars_options_sequences_and_enums_read_back() {
        assert_eq!(from_values::<u64>(values(&["42"])).ok(), Some(42));
        assert_eq!(
            from_values::<String>(values(&["a b"])).ok(),
            Some("a b".to_owned())
        );
        assert_eq!(from_values::<Option<u32>>(values(&[])).ok(), Some(None));
        assert_eq!(
            from_values::<Option<u32>>(values(&["7"])).ok(),
            Some(Some(7))
        );
        assert_eq!(
            from_values::<Vec<String>>(values(&["a", "b"])).ok(),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(
            from_values::<Sort>(values(&["desc"])).ok(),
            Some(Sort::Desc)
        );
        assert_eq!(from_values::<bool>(values(&["true"])).ok(), Some(true));
    }

    #[test]
    fn a_wrong_or_missing_value_is_an_error() {
        let error = from_values::<u64>(values(&["x"])).unwrap_err();
        assert!(error.to_string().contains("\"x\" is not a u64"), "{error}");
        let error = from_values::<u64>(values(&[])).unwrap_err();
        assert!(
            error.to_string().contains("the request has no value"),
            "{error}"
        );
        let error = from_values::<u64>(values(&["1", "2"])).unwrap_err();
        assert!(error.to_string().contains("2 values"), "{error}");
    }

    #[test]
    fn pairs_read_into_structs_with_repeated_keys() {
        let pairs = Pairs(vec![
            ("tag".into(), "a".into()),
            ("page".into(), "3".into()),
            ("tag".into(), "b".into()),
        ]);
        let filter = Filter::deserialize(pairs).expect("decodes");
        assert_eq!(
            filter,
            Filter {
                page: 3,
                tag: vec!["a".into(), "b".into()],
                sort: None
            }
        );
    }
}
