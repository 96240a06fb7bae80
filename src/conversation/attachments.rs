//! A site's limits on attachments: whether shoppers and agents may send files at all, how
//! big one may be, how many one message may carry, and which types (as sniffed from the
//! bytes, never as the sender declares) are accepted. Validated with the other chat settings.

use super::settings::SettingsError;
use serde::{Deserialize, Serialize};

/// The largest file any site may allow: the server's own cap, so one upload is bounded in
/// memory (an upload is read whole before it is sniffed and stripped).
pub const MAX_ATTACHMENT_BYTES_CAP: u64 = 25 * 1024 * 1024;
/// A site's largest file unless it says otherwise.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;
/// Most attachments one message may carry, at most.
pub const MAX_PER_MESSAGE_CAP: usize = 10;

/// The types a site may accept: images a browser shows and PDF. Anything else (executables,
/// HTML, SVG with its scripts) is never served from the chat host.
pub const ALLOWED_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "application/pdf",
];

/// How a site's conversations treat files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentSettings {
    /// Shoppers and agents may send files (on by default).
    pub enabled: bool,
    /// Largest file, bytes (default 10 MiB, at most 25 MiB).
    pub max_bytes: u64,
    /// Most attachments on one message (default 5, at most 10).
    pub max_per_message: usize,
    /// Accepted types, as sniffed from the file's bytes (a subset of JPEG, PNG, WebP, GIF
    /// and PDF).
    pub types: Vec<String>,
}

impl Default for AttachmentSettings {
    fn default() -> Self {
        AttachmentSettings {
            enabled: true,
            max_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            max_per_message: 5,
            types: ALLOWED_TYPES.iter().map(|t| (*t).to_owned()).collect(),
        }
    }
}

impl AttachmentSettings {
    /// Checks each bound; the error names the field.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let bad = |field: &str, message: &str| SettingsError {
            field: format!("attachments.{field}"),
            message: message.to_owned(),
        };
        if !(1..=MAX_ATTACHMENT_BYTES_CAP).contains(&self.max_bytes) {
            return Err(bad("max_bytes", "must be from 1 to 26214400 (25 MiB)"));
        }
        if !(1..=MAX_PER_MESSAGE_CAP).contains(&self.max_per_message) {
            return Err(bad("max_per_message", "must be from 1 to 10"));
        }
        if self.types.len() > ALLOWED_TYPES.len() {
            return Err(bad("types", "lists a type twice"));
        }
        for (i, t) in self.types.iter().enumerate() {
            if !ALLOWED_TYPES.contains(&t.as_str()) {
                return Err(SettingsError {
                    field: format!("attachments.types[{i}]"),
                    message: format!("must be one of {}", ALLOWED_TYPES.join(", ")),
                });
            }
        }
        Ok(())
    }

    /// The type (as sniffed) is accepted on this site.
    pub fn accepts(&self, content_type: &str) -> bool {
        self.types.iter().any(|t| t == content_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bounds_name_the_field() {
        assert!(AttachmentSettings::default().validate().is_ok());
        let too_big = AttachmentSettings {
            max_bytes: MAX_ATTACHMENT_BYTES_CAP + 1,
            ..Default::default()
        };
        assert_eq!(
            too_big.validate().unwrap_err().field,
            "attachments.max_bytes"
        );
        let exe = AttachmentSettings {
            types: vec!["application/x-msdownload".into()],
            ..Default::default()
        };
        assert_eq!(exe.validate().unwrap_err().field, "attachments.types[0]");
        let none = AttachmentSettings {
            max_per_message: 0,
            ..Default::default()
        };
        assert!(none.validate().is_err());
    }
}
