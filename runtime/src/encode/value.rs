//! A small serde serializer that turns an argument into the text values of a query parameter
//! or header: scalars give one value, `None` gives none, sequences give one per item, unit enum
//! variants give their (serde-renamed) name. Structs and maps give `key = value` pairs for
//! `#[query_map]` and `#[header_map]`.

use std::fmt;

use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeSeq, SerializeStruct};

/// Why an argument could not be turned into text.
#[derive(Debug)]
#[doc(hidden)]
pub struct ValueError(String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

impl ser::Error for ValueError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

type Result<T = ()> = std::result::Result<T, ValueError>;

fn unsupported<T>(what: &str, hint: &str) -> Result<T> {
    Err(ValueError(format!("{what} cannot be used here{hint}")))
}

/// Calls `sink` with each text value of `value`.
pub(crate) fn for_each_value<T: Serialize + ?Sized>(
    value: &T,
    sink: &mut dyn FnMut(&str) -> Result,
) -> Result {
    value.serialize(ValueSerializer {
        sink,
        in_seq: false,
    })
}

/// Calls `sink` with each `(key, text value)` of a struct or map.
pub(crate) fn for_each_pair<T: Serialize + ?Sized>(
    value: &T,
    sink: &mut dyn FnMut(&str, &str) -> Result,
) -> Result {
    value.serialize(PairSerializer { sink })
}

struct ValueSerializer<'s> {
    sink: &'s mut dyn FnMut(&str) -> Result,
    in_seq: bool,
}

macro_rules! display_scalars {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result {
            (self.sink)(&v.to_string())
        })*
    };
}

const NOT_A_VALUE: &str = "; one parameter, field or header takes a scalar, an Option or a sequence of scalars: to send a struct's fields as parameters use #[query_map], #[field_map] or #[header_map], and for nested values (`filter[status]=open`, `items[0][price]=p`) add `style = \"deepObject\"` to the #[query], #[field], #[query_map] or #[field_map]";

impl<'s> ser::Serializer for ValueSerializer<'s> {
    type Ok = ();
    type Error = ValueError;
    type SerializeSeq = SeqValues<'s>;
    type SerializeTuple = SeqValues<'s>;
    type SerializeTupleStruct = Impossible<(), ValueError>;
    type SerializeTupleVariant = Impossible<(), ValueError>;
    type SerializeMap = Impossible<(), ValueError>;
    type SerializeStruct = Impossible<(), ValueError>;
    type SerializeStructVariant = Impossible<(), ValueError>;

    display_scalars!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_f32: f32,
        serialize_f64: f64,
    );

    fn serialize_char(self, v: char) -> Result {
        (self.sink)(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result {
        (self.sink)(v)
    }

    fn serialize_bytes(self, _: &[u8]) -> Result {
        unsupported("a byte array", "; convert it to text first")
    }

    fn serialize_none(self) -> Result {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result {
        Ok(())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        (self.sink)(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: &T,
    ) -> Result {
        unsupported(&format!("enum variant `{variant}` with data"), NOT_A_VALUE)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<SeqValues<'s>> {
        if self.in_seq {
            return unsupported("a sequence inside a sequence", NOT_A_VALUE);
        }
        Ok(SeqValues { sink: self.sink })
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqValues<'s>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        unsupported(&format!("tuple struct `{name}`"), NOT_A_VALUE)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        unsupported(&format!("enum variant `{variant}` with data"), NOT_A_VALUE)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        unsupported("a map", NOT_A_VALUE)
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        unsupported(&format!("struct `{name}`"), NOT_A_VALUE)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        unsupported(&format!("enum variant `{variant}` with data"), NOT_A_VALUE)
    }
}

struct SeqValues<'s> {
    sink: &'s mut dyn FnMut(&str) -> Result,
}

impl SerializeSeq for SeqValues<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(ValueSerializer {
            sink: &mut *self.sink,
            in_seq: true,
        })
    }

    fn end(self) -> Result {
        Ok(())
    }
}

impl ser::SerializeTuple for SeqValues<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        Ok(())
    }
}

struct PairSerializer<'s> {
    sink: &'s mut dyn FnMut(&str, &str) -> Result,
}

const NOT_A_MAP: &str = "; #[query_map] and #[header_map] take a struct or a map";

impl<'s> PairSerializer<'s> {
    fn not_a_map<T>(what: &str) -> Result<T> {
        unsupported(what, NOT_A_MAP)
    }
}

macro_rules! reject_scalars {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, _: $ty) -> Result {
            Self::not_a_map(stringify!($ty))
        })*
    };
}

impl<'s> ser::Serializer for PairSerializer<'s> {
    type Ok = ();
    type Error = ValueError;
    type SerializeSeq = Impossible<(), ValueError>;
    type SerializeTuple = Impossible<(), ValueError>;
    type SerializeTupleStruct = Impossible<(), ValueError>;
    type SerializeTupleVariant = Impossible<(), ValueError>;
    type SerializeMap = MapPairs<'s>;
    type SerializeStruct = MapPairs<'s>;
    type SerializeStructVariant = Impossible<(), ValueError>;

    reject_scalars!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_f32: f32,
        serialize_f64: f64, serialize_char: char, serialize_str: &str, serialize_bytes: &[u8],
    );

    fn serialize_none(self) -> Result {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result {
        Ok(())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        Self::not_a_map(&format!("enum variant `{variant}`"))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: &T,
    ) -> Result {
        Self::not_a_map(&format!("enum variant `{variant}`"))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Self::not_a_map("a sequence")
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Self::not_a_map("a tuple")
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Self::not_a_map(&format!("tuple struct `{name}`"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Self::not_a_map(&format!("enum variant `{variant}`"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<MapPairs<'s>> {
        Ok(MapPairs {
            sink: self.sink,
            key: String::new(),
        })
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapPairs<'s>> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Self::not_a_map(&format!("enum variant `{variant}`"))
    }
}

struct MapPairs<'s> {
    sink: &'s mut dyn FnMut(&str, &str) -> Result,
    key: String,
}

impl MapPairs<'_> {
    fn values_of<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result {
        let sink = &mut *self.sink;
        for_each_value(value, &mut |v| sink(key, v))
    }
}

impl SerializeMap for MapPairs<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        let mut text = None;
        for_each_value(key, &mut |k| {
            text = Some(k.to_owned());
            Ok(())
        })?;
        self.key = text.ok_or_else(|| ValueError("a map key must be text or a number".into()))?;
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        let key = std::mem::take(&mut self.key);
        self.values_of(&key, value)
    }

    fn end(self) -> Result {
        Ok(())
    }
}

impl SerializeStruct for MapPairs<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.values_of(key, value)
    }

    fn end(self) -> Result {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;

    fn values<T: Serialize + ?Sized>(value: &T) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for_each_value(value, &mut |v| {
            out.push(v.to_owned());
            Ok(())
        })?;
        Ok(out)
    }

    fn pairs<T: Serialize + ?Sized>(value: &T) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for_each_pair(value, &mut |k, v| {
            out.push((k.to_owned(), v.to_owned()));
            Ok(())
        })?;
        Ok(out)
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Sort {
        NewestFirst,
    }

    #[test]
    fn scalars_options_sequences_and_enums() {
        assert_eq!(values(&5u32).unwrap(), ["5"]);
        assert_eq!(values(&Some(true)).unwrap(), ["true"]);
        assert!(values(&None::<u32>).unwrap().is_empty());
        assert_eq!(values(&["a", "b"][..]).unwrap(), ["a", "b"]);
        assert_eq!(values(&vec![Some(1), None, Some(3)]).unwrap(), ["1", "3"]);
        assert_eq!(values(&Sort::NewestFirst).unwrap(), ["newest_first"]);
        assert!(values(&vec![vec![1]]).is_err());
        assert!(values(&BTreeMap::from([("a", 1)])).is_err());
    }

    #[derive(Serialize)]
    struct Filter {
        q: &'static str,
        #[serde(rename = "per-page")]
        per_page: Option<u32>,
        tags: Vec<&'static str>,
        page: Option<u32>,
    }

    #[test]
    fn structs_and_maps_flatten_in_order() {
        let filter = Filter {
            q: "rust",
            per_page: None,
            tags: vec!["a", "b"],
            page: Some(2),
        };
        assert_eq!(
            pairs(&filter).unwrap(),
            [("q", "rust"), ("tags", "a"), ("tags", "b"), ("page", "2")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(
            pairs(&BTreeMap::from([(1, "x")])).unwrap(),
            [("1".to_owned(), "x".to_owned())]
        );
        assert!(pairs(&None::<Filter>).unwrap().is_empty());
        assert!(pairs(&"text").is_err());
    }
}
