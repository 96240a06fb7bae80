//! A library item's versions in other languages (issue 20) as owners send them: keyed by
//! language code (`fr-CA` is kept as `fr`), at most [`MAX_TRANSLATIONS`], each text checked
//! as the item's own text is. Errors name the field (`translations.fr.answer`).

use super::ApiError;
use crate::domain::language_code;
use crate::library::MAX_TRANSLATIONS;
use crate::triggers::FieldError;
use std::collections::BTreeMap;

/// 422 naming the one bad field.
fn invalid(what: &str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(what, vec![FieldError::new(field, message)]).with_field(field)
}

/// The versions in `given`, each made by `check(field, text)` (`field` is
/// `translations.{code as sent}`), keyed by language code.
pub(super) fn versions<T, U>(
    what: &str,
    given: &BTreeMap<String, T>,
    mut check: impl FnMut(&str, &T) -> Result<U, ApiError>,
) -> Result<BTreeMap<String, U>, ApiError> {
    if given.len() > MAX_TRANSLATIONS {
        return Err(invalid(
            what,
            "translations",
            format!("may hold at most {MAX_TRANSLATIONS} languages"),
        ));
    }
    let mut out = BTreeMap::new();
    for (tag, text) in given {
        let field = format!("translations.{tag}");
        let Some(code) = language_code(tag) else {
            return Err(invalid(
                what,
                &field,
                "must be keyed by a language code like `fr`",
            ));
        };
        let version = check(&field, text)?;
        if out.insert(code, version).is_some() {
            return Err(invalid(what, &field, "names a language twice"));
        }
    }
    Ok(out)
}
