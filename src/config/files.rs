//! Where attachments are kept: the data dir (`data_dir/files`, one node) or an S3-compatible
//! bucket (several nodes share it), and the optional virus scanner (a clamd) every upload
//! passes before it is kept. The bucket's secret key is never printed: `Debug` leaves it out.

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

/// Where a clamd listens: its TCP address or its Unix socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddress {
    /// `host:port` (clamd's `TCPSocket`/`TCPAddr`), resolved when a scan connects.
    Tcp(String),
    /// The path of clamd's `LocalSocket` (Debian's is `/run/clamav/clamd.ctl`).
    Unix(std::path::PathBuf),
}

impl ClamdAddress {
    /// `host:port`, or an absolute path for a Unix socket; anything else is refused at start
    /// rather than found out at the first upload.
    pub fn parse(text: &str) -> Result<ClamdAddress, &'static str> {
        let text = text.trim();
        if text.starts_with('/') {
            return Ok(ClamdAddress::Unix(text.into()));
        }
        let (host, port) = text.rsplit_once(':').ok_or(
            "must be host:port (clamd's TCP socket) or the absolute path of its Unix socket",
        )?;
        if host.is_empty() || host.chars().any(char::is_whitespace) {
            return Err("needs a host before the port (host:port)");
        }
        match port.parse::<u16>() {
            Ok(p) if p > 0 => Ok(ClamdAddress::Tcp(text.to_owned())),
            _ => Err("needs a port from 1 to 65535 (host:port)"),
        }
    }
}

impl std::fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClamdAddress::Tcp(address) => f.write_str(address),
            ClamdAddress::Unix(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Where attachments are kept, and what checks them first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilesSettings {
    /// The back end.
    pub backend: FilesBackend,
    /// The clamd every upload is scanned by before it is kept; `None`: no scanning.
    pub clamd: Option<ClamdAddress>,
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
    /// every bucket setting, and an `http://` endpoint needs `files_s3_allow_http`; an empty
    /// `files_clamd` is the same as none (so an environment can switch scanning off).
    pub(super) fn resolve(cli: &SettingsArgs, file: &SettingsArgs) -> Result<Self, ConfigError> {
        let clamd = either!(cli, file, files_clamd)
            .filter(|v| !v.trim().is_empty())
            .map(|v| ClamdAddress::parse(&v).map_err(|problem| invalid("files_clamd", problem)))
            .transpose()?;
        Ok(FilesSettings {
            backend: FilesBackend::resolve(cli, file)?,
            clamd,
        })
    }
}

impl FilesBackend {
    fn resolve(cli: &SettingsArgs, file: &SettingsArgs) -> Result<Self, ConfigError> {
        let name = either!(cli, file, files_backend).unwrap_or(FilesBackendName::DataDir);
        if name == FilesBackendName::DataDir {
            return Ok(FilesBackend::DataDir);
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
        Ok(FilesBackend::S3(S3Settings {
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
        }))
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

    #[test]
    fn clamd_is_a_tcp_address_or_a_socket_path_and_off_by_default() {
        let none = SettingsArgs::default();
        let clamd = |value: &str| {
            let args = SettingsArgs {
                files_clamd: Some(value.into()),
                ..Default::default()
            };
            FilesSettings::resolve(&args, &none).map(|s| s.clamd)
        };
        assert_eq!(FilesSettings::resolve(&none, &none).unwrap().clamd, None);
        assert_eq!(clamd("").unwrap(), None);
        assert_eq!(
            clamd("127.0.0.1:3310").unwrap(),
            Some(ClamdAddress::Tcp("127.0.0.1:3310".into()))
        );
        assert_eq!(
            clamd("[::1]:3310").unwrap(),
            Some(ClamdAddress::Tcp("[::1]:3310".into()))
        );
        assert_eq!(
            clamd("/run/clamav/clamd.ctl").unwrap(),
            Some(ClamdAddress::Unix("/run/clamav/clamd.ctl".into()))
        );
        for bad in [
            "clamd",
            "clamd:",
            ":3310",
            "clamd:99999",
            "clamd:0",
            "run/clamd.ctl",
        ] {
            let err = clamd(bad).unwrap_err().to_string();
            assert!(err.contains("files_clamd"), "{bad}: {err}");
        }
        // The flag wins over the file, as for every setting.
        let file = SettingsArgs {
            files_clamd: Some("/run/clamav/clamd.ctl".into()),
            ..Default::default()
        };
        let cli = SettingsArgs {
            files_clamd: Some("127.0.0.1:3310".into()),
            ..Default::default()
        };
        assert_eq!(
            FilesSettings::resolve(&cli, &file).unwrap().clamd,
            Some(ClamdAddress::Tcp("127.0.0.1:3310".into()))
        );
    }
}
