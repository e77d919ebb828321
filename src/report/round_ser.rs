//! Rounding numbers while they are written, not after.
//!
//! [`super::round::tidy`] rounds a `serde_json::Value` by field name; the JSON exports once
//! built that whole tree for every trace (an ordered map and a string per field) only to walk
//! and write it, which cost more than reading the trace. [`RoundingSerializer`] wraps the
//! output serializer instead: every field name picks the decimals of its value (arrays pass
//! theirs to their elements, as `rtts_ms`), and a float is rounded on its way out. What it
//! writes is what serialising the tidied tree wrote, byte for byte: the same rules on the same
//! names (an `f32` goes out as the `f64` the tree held; a map key that is not text rounds
//! nothing under it, as its stringified name would not have either).

use super::round::{decimals, round};
use serde::ser::{self, Impossible, Serialize, Serializer};

/// A serializer that rounds the floats of fields [`decimals`] knows and passes everything
/// else to `inner` unchanged.
pub struct RoundingSerializer<S> {
    inner: S,
    /// Decimals for a float met here: those of the field (or array) it is in.
    places: Option<i32>,
}

impl<S> RoundingSerializer<S> {
    pub fn new(inner: S) -> Self {
        RoundingSerializer {
            inner,
            places: None,
        }
    }
}

/// A value to serialise with the decimals of the field it is in.
struct Field<'a, T: ?Sized> {
    value: &'a T,
    places: Option<i32>,
}

impl<T: ?Sized + Serialize> Serialize for Field<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(RoundingSerializer {
            inner: serializer,
            places: self.places,
        })
    }
}

fn field<T: ?Sized>(value: &T, places: Option<i32>) -> Field<'_, T> {
    Field { value, places }
}

/// Elements of a sequence, tuple or tuple variant: all take the container's decimals.
pub struct Elements<C> {
    inner: C,
    places: Option<i32>,
}

/// Fields of a struct (or struct variant): each takes its own name's decimals.
pub struct Fields<C> {
    inner: C,
}

/// Entries of a map: a value takes its key's decimals when the key is text.
pub struct Entries<C> {
    inner: C,
    places: Option<i32>,
}

impl<S: Serializer> Serializer for RoundingSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Elements<S::SerializeSeq>;
    type SerializeTuple = Elements<S::SerializeTuple>;
    type SerializeTupleStruct = Elements<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Elements<S::SerializeTupleVariant>;
    type SerializeMap = Entries<S::SerializeMap>;
    type SerializeStruct = Fields<S::SerializeStruct>;
    type SerializeStructVariant = Fields<S::SerializeStructVariant>;

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        // A non-finite number is written as null either way; a finite one is rounded when
        // its field has decimals ([`round`] keeps `v` where rounding would overflow).
        match self.places {
            Some(p) if v.is_finite() => self.inner.serialize_f64(round(v, p)),
            _ => self.inner.serialize_f64(v),
        }
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.inner.serialize_bool(v)
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i8(v)
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i16(v)
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i32(v)
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i64(v)
    }
    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i128(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u8(v)
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u16(v)
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u32(v)
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u64(v)
    }
    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u128(v)
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.inner.serialize_char(v)
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_str(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.inner.serialize_bytes(v)
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_none()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&field(value, self.places))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_struct(name, &field(value, self.places))
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        // Written as `{variant: value}`: the variant's name is the value's field name.
        self.inner
            .serialize_newtype_variant(name, index, variant, &field(value, decimals(variant)))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Elements {
            inner: self.inner.serialize_seq(len)?,
            places: self.places,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Ok(Elements {
            inner: self.inner.serialize_tuple(len)?,
            places: self.places,
        })
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Ok(Elements {
            inner: self.inner.serialize_tuple_struct(name, len)?,
            places: self.places,
        })
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(Elements {
            inner: self
                .inner
                .serialize_tuple_variant(name, index, variant, len)?,
            places: decimals(variant),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Ok(Entries {
            inner: self.inner.serialize_map(len)?,
            places: None,
        })
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(Fields {
            inner: self.inner.serialize_struct(name, len)?,
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(Fields {
            inner: self
                .inner
                .serialize_struct_variant(name, index, variant, len)?,
        })
    }
    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

impl<C: ser::SerializeSeq> ser::SerializeSeq for Elements<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_element(&field(value, self.places))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTuple> ser::SerializeTuple for Elements<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_element(&field(value, self.places))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleStruct> ser::SerializeTupleStruct for Elements<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_field(&field(value, self.places))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleVariant> ser::SerializeTupleVariant for Elements<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_field(&field(value, self.places))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeStruct> ser::SerializeStruct for Fields<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), C::Error> {
        self.inner
            .serialize_field(key, &field(value, decimals(key)))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.inner.skip_field(key)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeStructVariant> ser::SerializeStructVariant for Fields<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), C::Error> {
        self.inner
            .serialize_field(key, &field(value, decimals(key)))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.inner.skip_field(key)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeMap> ser::SerializeMap for Entries<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), C::Error> {
        self.places = key.serialize(KeyName).ok().flatten();
        self.inner.serialize_key(key)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
        self.inner.serialize_value(&field(value, self.places))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

/// Reads a map key's decimals: `Some` only for a text key [`decimals`] knows.
struct KeyName;

/// Not a text key: nothing under it is rounded.
#[derive(Debug)]
struct NotText;

impl std::fmt::Display for NotText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a text key")
    }
}

impl std::error::Error for NotText {}

impl ser::Error for NotText {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        NotText
    }
}

type KeyOk = Option<i32>;

impl Serializer for KeyName {
    type Ok = KeyOk;
    type Error = NotText;
    type SerializeSeq = Impossible<KeyOk, NotText>;
    type SerializeTuple = Impossible<KeyOk, NotText>;
    type SerializeTupleStruct = Impossible<KeyOk, NotText>;
    type SerializeTupleVariant = Impossible<KeyOk, NotText>;
    type SerializeMap = Impossible<KeyOk, NotText>;
    type SerializeStruct = Impossible<KeyOk, NotText>;
    type SerializeStructVariant = Impossible<KeyOk, NotText>;

    fn serialize_str(self, v: &str) -> Result<KeyOk, NotText> {
        Ok(decimals(v))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<KeyOk, NotText> {
        Ok(decimals(variant))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<KeyOk, NotText> {
        value.serialize(self)
    }
    fn serialize_char(self, v: char) -> Result<KeyOk, NotText> {
        Ok(decimals(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_bool(self, _: bool) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_i8(self, _: i8) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_i16(self, _: i16) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_i32(self, _: i32) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_i64(self, _: i64) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_u8(self, _: u8) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_u16(self, _: u16) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_u32(self, _: u32) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_u64(self, _: u64) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_f32(self, _: f32) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_f64(self, _: f64) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_none(self) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_unit(self) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<KeyOk, NotText> {
        Err(NotText)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotText> {
        Err(NotText)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotText> {
        Err(NotText)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotText> {
        Err(NotText)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotText> {
        Err(NotText)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotText> {
        Err(NotText)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, NotText> {
        Err(NotText)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotText> {
        Err(NotText)
    }
}

#[cfg(test)]
#[path = "round_ser_tests.rs"]
mod tests;
