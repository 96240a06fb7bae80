//! SQLite's errors as [`StoreError`]s: a database that stays busy or locked past the busy
//! timeout is `Unavailable` (a retry may get through), anything else the driver reports is
//! `Internal`. Only this module knows the driver's error type.

use super::super::StoreError;
use rusqlite::ErrorCode;

/// Wraps a driver error with what the store was doing.
pub(super) fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| {
        let busy = matches!(
            source.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        );
        let source = Box::new(source);
        if busy {
            StoreError::Unavailable { context, source }
        } else {
            StoreError::Internal { context, source }
        }
    }
}

/// A batch that failed to begin or commit: nothing in it was written.
pub(super) fn commit_failed(reason: String) -> StoreError {
    StoreError::Internal {
        context: "commit",
        source: reason.into(),
    }
}

/// Stored data that does not parse.
pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_unavailable_and_other_errors_internal() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert!(db("test")(busy).is_retryable());
        let other = rusqlite::Error::InvalidQuery;
        assert!(matches!(db("test")(other), StoreError::Internal { .. }));
    }
}
