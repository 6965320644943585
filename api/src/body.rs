//! A request body a member may leave out, that still publishes its schema.
//!
//! The SDK's `Option<Json<T>>` accepts a missing body but publishes an empty schema (`{}`): its
//! `PayloadMetadata` for `Option` keeps the default schema instead of `T`'s, so Restate's
//! OpenAPI and the UI playground would show no fields for `Admin/bookings` and the like.
//! [`OptionalJson`] reads and writes exactly the same bytes as `Option<Json<T>>` (an empty body
//! is `None`, anything else must be `T`'s JSON) and publishes `T`'s schema with the body marked
//! optional.

use bytes::Bytes;
use restate_sdk::serde::{
    Deserialize, InputMetadata, Json, OutputMetadata, PayloadMetadata, Serialize,
};

/// A JSON body that may be absent (an empty request body is `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T> OptionalJson<T> {
    /// The body, or `T::default()` when none was sent.
    pub fn or_default(self) -> T
    where
        T: Default,
    {
        self.0.unwrap_or_default()
    }

    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<T: serde::Serialize> Serialize for OptionalJson<T> {
    type Error = serde_json::Error;

    fn serialize(&self) -> Result<Bytes, Self::Error> {
        match &self.0 {
            None => Ok(Bytes::new()),
            Some(v) => serde_json::to_vec(v).map(Bytes::from),
        }
    }
}

impl<T: serde::de::DeserializeOwned> Deserialize for OptionalJson<T> {
    type Error = serde_json::Error;

    fn deserialize(bytes: &mut Bytes) -> Result<Self, Self::Error> {
        <Option<Json<T>> as Deserialize>::deserialize(bytes).map(|b| OptionalJson(b.map(|j| j.0)))
    }
}

impl<T: schemars::JsonSchema> PayloadMetadata for OptionalJson<T> {
    fn json_schema() -> Option<serde_json::Value> {
        <Json<T> as PayloadMetadata>::json_schema()
    }

    fn input_metadata() -> InputMetadata {
        <Option<Json<T>> as PayloadMetadata>::input_metadata()
    }

    fn output_metadata() -> OutputMetadata {
        <Option<Json<T>> as PayloadMetadata>::output_metadata()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AdminBookingsRequest;

    fn read(body: &[u8]) -> Result<OptionalJson<AdminBookingsRequest>, serde_json::Error> {
        OptionalJson::deserialize(&mut Bytes::copy_from_slice(body))
    }

    #[test]
    fn an_empty_body_is_none_and_a_json_body_is_read_as_the_type() {
        assert!(read(b"").unwrap().0.is_none());
        let f = read(br#"{"stuck_for_secs":600}"#).unwrap().or_default();
        assert_eq!(f.stuck_for_secs, Some(600));
        assert!(
            read(br#"{"nope":1}"#).is_err(),
            "unknown fields stay refused"
        );
    }

    #[test]
    fn the_published_schema_is_the_types_and_the_body_is_optional() {
        let schema = OptionalJson::<AdminBookingsRequest>::json_schema().unwrap();
        assert!(
            schema["properties"]["stuck_for_secs"].is_object(),
            "{schema}"
        );
        assert!(!OptionalJson::<AdminBookingsRequest>::input_metadata().is_required);
        let none: Option<Json<AdminBookingsRequest>> = None;
        assert_eq!(
            Serialize::serialize(&OptionalJson::<AdminBookingsRequest>(None)).unwrap(),
            Serialize::serialize(&none).unwrap()
        );
    }
}
