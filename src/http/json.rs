//! JSON request bodies decoded with the path of the failing field, so a 400 says which field
//! is wrong (`password: invalid type: integer, expected a string`).

use super::ApiError;
use serde::de::DeserializeOwned;

/// Decodes a body or answers 400 naming the field.
pub(super) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => Ok(value),
        Err(e) => {
            let inner = e.inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::bad_request(
                    "bad_json",
                    format!("body is not valid JSON: {inner}"),
                ));
            }
            let text = inner.to_string();
            let field = text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(f, _)| f.to_owned())
                .unwrap_or_else(|| e.path().to_string());
            let code = if text.starts_with("missing field") {
                "missing_field"
            } else {
                "invalid_field"
            };
            Err(ApiError::bad_request(code, text).with_field(field))
        }
    }
}
