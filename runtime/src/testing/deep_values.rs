//! The inverse of the `deepObject` encoder: bracketed pairs (`filter[status]=open`,
//! `items[0][price]=p`) read back into a tree of text values, which deserializes into the
//! argument's type: nested keys are maps and structs, numbered keys are sequences, leaves are
//! parsed from their text as `Values` parse them.

use std::collections::BTreeMap;

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{Deserializer, Error as _, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::text_values::Values;

/// The pairs under one key, as a tree.
pub(crate) enum Tree {
    Leaf(Vec<String>),
    Node(BTreeMap<String, Tree>),
}

impl Tree {
    /// The pairs whose key is `root` or starts with `root[`, or all of them without a root.
    pub(crate) fn from_pairs(
        root: Option<&str>,
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, String> {
        let mut tree = Tree::Leaf(Vec::new());
        for (key, value) in pairs {
            let rest = match root {
                Some(root) if key == root => "",
                Some(root) => match key.strip_prefix(root).filter(|r| r.starts_with('[')) {
                    Some(rest) => rest,
                    None => continue,
                },
                None => &key,
            };
            let segments =
                segments(rest).ok_or_else(|| format!("`{key}` is not a bracketed key"))?;
            tree.insert(&segments, value)?;
        }
        Ok(tree)
    }

    fn insert(&mut self, path: &[&str], value: String) -> Result<(), String> {
        let Some((first, rest)) = path.split_first() else {
            return match self {
                Tree::Leaf(values) => {
                    values.push(value);
                    Ok(())
                }
                Tree::Node(_) => Err("a key is both a value and nested keys".to_owned()),
            };
        };
        if let Tree::Leaf(values) = self {
            if !values.is_empty() {
                return Err("a key is both a value and nested keys".to_owned());
            }
            *self = Tree::Node(BTreeMap::new());
        }
        let Tree::Node(children) = self else {
            unreachable!("made a node just above")
        };
        children
            .entry((*first).to_owned())
            .or_insert_with(|| Tree::Leaf(Vec::new()))
            .insert(rest, value)
    }
}

/// `a[b][0]` → `[a, b, 0]`; `[b][0]` → `[b, 0]`; `None` for unbalanced brackets.
fn segments(key: &str) -> Option<Vec<&str>> {
    let (head, mut rest) = match key.find('[') {
        Some(at) => key.split_at(at),
        None => (key, ""),
    };
    let mut out = Vec::new();
    if !head.is_empty() {
        out.push(head);
    }
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        out.push(&inner[..end]);
        rest = &inner[end + 1..];
    }
    Some(out)
}

impl<'de> IntoDeserializer<'de, Error> for Tree {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! leaf_only {
    ($($method:ident),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self {
                Tree::Leaf(values) => Values(values).$method(visitor),
                Tree::Node(_) => Err(Error::custom("expected a value, found nested keys")),
            }
        })*
    };
}

impl<'de> Deserializer<'de> for Tree {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Tree::Leaf(values) => Values(values).deserialize_any(visitor),
            Tree::Node(children) => visitor.visit_map(MapDeserializer::new(children.into_iter())),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self {
            Tree::Leaf(values) if values.is_empty() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Tree::Leaf(values) => Values(values).deserialize_seq(visitor),
            Tree::Node(children) => {
                let mut items = children
                    .into_iter()
                    .map(|(index, item)| index.parse::<usize>().map(|i| (i, item)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| Error::custom("expected a list, found named keys"))?;
                items.sort_by_key(|(i, _)| *i);
                visitor.visit_seq(SeqDeserializer::new(items.into_iter().map(|(_, t)| t)))
            }
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Tree::Leaf(values) if values.is_empty() => visitor.visit_map(MapDeserializer::new(
                BTreeMap::<String, Tree>::new().into_iter(),
            )),
            Tree::Leaf(_) => Err(Error::custom("expected nested keys, found a value")),
            Tree::Node(children) => visitor.visit_map(MapDeserializer::new(children.into_iter())),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Tree::Leaf(values) => Values(values).deserialize_enum(name, variants, visitor),
            Tree::Node(_) => Err(Error::custom("expected a variant name, found nested keys")),
        }
    }

    leaf_only! {
        deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32, deserialize_i64,
        deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32, deserialize_u64,
        deserialize_u128, deserialize_f32, deserialize_f64, deserialize_char, deserialize_str,
        deserialize_string, deserialize_unit,
    }

    forward_to_deserialize_any! {
        bytes byte_buf unit_struct tuple tuple_struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        price: String,
        quantity: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Charge {
        amount: u64,
        metadata: HashMap<String, String>,
        items: Vec<Item>,
        note: Option<String>,
    }

    fn pairs(text: &[(&str, &str)]) -> Vec<(String, String)> {
        text.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn bracketed_pairs_decode_into_nested_types() {
        let tree = Tree::from_pairs(
            None,
            pairs(&[
                ("amount", "2000"),
                ("items[1][price]", "p_2"),
                ("items[1][quantity]", "1"),
                ("items[0][price]", "p_1"),
                ("items[0][quantity]", "2"),
                ("metadata[order]", "6735"),
            ]),
        )
        .unwrap();
        let charge = Charge::deserialize(tree).unwrap();
        assert_eq!(charge.amount, 2000);
        assert_eq!(charge.metadata["order"], "6735");
        assert_eq!(charge.items[0].price, "p_1");
        assert_eq!(charge.items[1].quantity, 1);
        assert_eq!(charge.note, None);
    }

    #[test]
    fn a_root_takes_only_its_own_keys_and_bad_keys_are_errors() {
        let tree = Tree::from_pairs(
            Some("created"),
            pairs(&[("created[gte]", "1"), ("createdAt", "x"), ("other", "y")]),
        )
        .unwrap();
        let range = HashMap::<String, i64>::deserialize(tree).unwrap();
        assert_eq!(range, HashMap::from([("gte".to_owned(), 1)]));
        assert!(Tree::from_pairs(None, pairs(&[("a[b", "1")])).is_err());
        assert!(Tree::from_pairs(None, pairs(&[("a", "1"), ("a[b]", "2")])).is_err());
    }
}
