//! Where attachments are kept: the data dir (`data_dir/files`, one node) or an S3-compatible
//! bucket (several nodes share it). The bucket's secret key is never printed: `Debug` leaves
//! it out.

use super::ConfigError;
use super::SettingsArgs;

/// Which file back end the server uses, as named in the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum FilesBackendName {
    /// `data_dir/files` on this node.
    DataDir,
    /// An S3-compatible bucket (`files_s3_*`).
    S3,
}

/// An S3-compatible bucket.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The server's URL (`https://s3.eu-central-1.amazonaws.com`, a MinIO or Garage host).
    pub endpoint: String,
    /// The bucket (it must exist).
    pub bucket: String,
    /// The region the requests are signed for.
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key (never printed).
    pub secret_access_key: String,
    /// Plain `http://` endpoints are allowed (a server on a private network or a test's).
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"…")
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// The file back end the server runs with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FilesBackend {
    /// `data_dir/files`.
    #[default]
    DataDir,
    /// A bucket.
    S3(S3Settings),
}

/// Where attachments are kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilesSettings {
    /// The back end.
    pub backend: FilesBackend,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        problem: problem.into(),
    }
}

macro_rules! either {
    ($cli:ident, $file:ident, $field:ident) => {
        $cli.$field.clone().or($file.$field.clone())
    };
}

impl FilesSettings {
    /// The file settings from the flags/env over the file over the defaults; `s3` needs
    /// every bucket setting, and an `http://` endpoint needs `files_s3_allow_http`.
    pub(super) fn resolve(cli: &SettingsArgs, file: &SettingsArgs) -> Result<Self, ConfigError> {
        let name = either!(cli, file, files_backend).unwrap_or(FilesBackendName::DataDir);
        if name == FilesBackendName::DataDir {
            return Ok(FilesSettings::default());
        }
        let need = |field: &'static str, value: Option<String>| {
            value
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| invalid(field, "is needed with files_backend = \"s3\""))
        };
        let allow_http = either!(cli, file, files_s3_allow_http).unwrap_or(false);
        let endpoint = need("files_s3_endpoint", either!(cli, file, files_s3_endpoint))?;
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        match url::Url::parse(&endpoint).map(|u| u.scheme().to_owned()) {
            Ok(s) if s == "https" || (s == "http" && allow_http) => {}
            Ok(s) if s == "http" => {
                return Err(invalid(
                    "files_s3_endpoint",
                    "is http://; set files_s3_allow_http to allow it",
                ));
            }
            _ => return Err(invalid("files_s3_endpoint", "must be an http(s) URL")),
        }
        Ok(FilesSettings {
            backend: FilesBackend::S3(S3Settings {
                endpoint,
                bucket: need("files_s3_bucket", either!(cli, file, files_s3_bucket))?,
                region: either!(cli, file, files_s3_region).unwrap_or_else(|| "us-east-1".into()),
                access_key_id: need(
                    "files_s3_access_key_id",
                    either!(cli, file, files_s3_access_key_id),
                )?,
                secret_access_key: need(
                    "files_s3_secret_access_key",
                    either!(cli, file, files_s3_secret_access_key),
                )?,
                allow_http,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3_args() -> SettingsArgs {
        SettingsArgs {
            files_backend: Some(FilesBackendName::S3),
            files_s3_endpoint: Some("http://127.0.0.1:9000".into()),
            files_s3_bucket: Some("chat".into()),
            files_s3_access_key_id: Some("key".into()),
            files_s3_secret_access_key: Some("very-secret".into()),
            ..Default::default()
        }
    }

    #[test]
    fn s3_needs_its_settings_and_http_must_be_allowed() {
        let none = SettingsArgs::default();
        let err = FilesSettings::resolve(&s3_args(), &none).unwrap_err();
        assert!(err.to_string().contains("files_s3_endpoint"), "{err}");
        let mut args = s3_args();
        args.files_s3_allow_http = Some(true);
        let ok = FilesSettings::resolve(&args, &none).unwrap();
        assert!(matches!(ok.backend, FilesBackend::S3(_)));
        assert!(!format!("{ok:?}").contains("very-secret"));
        args.files_s3_bucket = None;
        let err = FilesSettings::resolve(&args, &none).unwrap_err();
        assert!(err.to_string().contains("files_s3_bucket"), "{err}");
        assert_eq!(
            FilesSettings::resolve(&none, &none).unwrap().backend,
            FilesBackend::DataDir
        );
    }
}
