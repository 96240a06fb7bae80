//! The person an owner asks about: one of a visitor id, an email address or the shop's
//! customer id, exactly one, parsed once at the edge.

use crate::commerce::ExternalId;
use crate::domain::{Email, VisitorId};
use serde::{Deserialize, Serialize};

/// Whom an export or an erasure is about. A person may have several visitors (browsers):
/// an email or a customer id finds every visitor whose identity carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// One browser of the site.
    VisitorId(VisitorId),
    /// An address, lower-cased.
    Email(Email),
    /// The shop's own customer id.
    CustomerId(ExternalId),
}

/// The request body naming the subject: exactly one of the three fields.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectRequest {
    /// A visitor id (`v_…`), as the widget keeps it.
    #[serde(default)]
    pub visitor_id: Option<String>,
    /// An email address (any case).
    #[serde(default)]
    pub email: Option<String>,
    /// The shop's customer id, as the shop's own systems send it (a string, or a number as
    /// Shopify and WooCommerce send it).
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = Option<String>)]
    pub customer_id: Option<String>,
}

/// A customer id as text, whether the JSON has a string or a whole number.
fn text_or_number<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(Option::<Id>::deserialize(de)?.map(|id| match id {
        Id::Text(t) => t,
        Id::Number(n) => n.to_string(),
    }))
}

/// Why a subject request is refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SubjectError {
    /// The field at fault (`visitor_id`, `email`, `customer_id`).
    pub field: &'static str,
    /// Why.
    pub message: String,
}

impl SubjectRequest {
    /// The subject, when exactly one field is given and it parses.
    pub fn subject(&self) -> Result<Subject, SubjectError> {
        let given: Vec<&'static str> = [
            ("visitor_id", self.visitor_id.is_some()),
            ("email", self.email.is_some()),
            ("customer_id", self.customer_id.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
        let fail = |field, message: String| SubjectError { field, message };
        match given.as_slice() {
            [] => Err(fail(
                "visitor_id",
                "give exactly one of visitor_id, email, customer_id".into(),
            )),
            [_, second, ..] => Err(fail(
                second,
                "give exactly one of visitor_id, email, customer_id".into(),
            )),
            [_] => {
                if let Some(v) = &self.visitor_id {
                    VisitorId::parse(v)
                        .map(Subject::VisitorId)
                        .map_err(|e| fail("visitor_id", e.to_string()))
                } else if let Some(e) = &self.email {
                    Email::parse(e)
                        .map(Subject::Email)
                        .map_err(|e| fail("email", e.to_string()))
                } else {
                    let id = self.customer_id.as_deref().unwrap_or_default();
                    ExternalId::parse(id)
                        .map(Subject::CustomerId)
                        .map_err(|e| fail("customer_id", e.to_string()))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(v: Option<&str>, e: Option<&str>, c: Option<&str>) -> SubjectRequest {
        SubjectRequest {
            visitor_id: v.map(str::to_owned),
            email: e.map(str::to_owned),
            customer_id: c.map(str::to_owned),
        }
    }

    #[test]
    fn exactly_one_field_names_the_subject() {
        let s = request(None, Some(" Ann@Example.COM "), None).subject();
        assert_eq!(
            s,
            Ok(Subject::Email(Email::parse("ann@example.com").unwrap()))
        );
        assert!(matches!(
            request(None, None, Some("1001")).subject(),
            Ok(Subject::CustomerId(_))
        ));
        assert!(matches!(
            request(Some("v_abcdefgh12"), None, None).subject(),
            Ok(Subject::VisitorId(_))
        ));
    }

    #[test]
    fn a_customer_id_may_be_a_number_as_platforms_send_it() {
        let r: SubjectRequest = serde_json::from_str(r#"{"customer_id": 1001}"#).unwrap();
        assert_eq!(
            r.subject(),
            Ok(Subject::CustomerId(ExternalId::parse("1001").unwrap()))
        );
        assert!(serde_json::from_str::<SubjectRequest>(r#"{"customer_id": [1]}"#).is_err());
    }

    #[test]
    fn none_two_or_a_bad_value_is_refused_naming_a_field() {
        assert_eq!(
            request(None, None, None).subject().unwrap_err().field,
            "visitor_id"
        );
        assert_eq!(
            request(None, Some("a@b.c"), Some("1"))
                .subject()
                .unwrap_err()
                .field,
            "customer_id"
        );
        assert_eq!(
            request(None, Some("not an address"), None)
                .subject()
                .unwrap_err()
                .field,
            "email"
        );
        assert_eq!(
            request(Some("c_abcdefgh12"), None, None)
                .subject()
                .unwrap_err()
                .field,
            "visitor_id"
        );
    }
}
