//! Where the first owner's one-time password is shown.
//!
//! Human logs are read by the person who started the server, so the password goes in the
//! log line itself (`grep password=` finds it). JSON logs are shipped to log stores that
//! many people can read and that keep lines for months, so there the password never enters
//! the log: it is written to a file in the data directory that only the server's user can
//! read, and the log line names that file. The file goes away at the first start after the
//! owner has chosen their own password; until then it opens nothing but the password change.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::{LogFormat, Settings};
use crate::domain::Email;
use crate::store::{Store, StoreError};

/// Name of the file, inside the data directory, that holds the one-time password when logs
/// are JSON.
pub const PASSWORD_FILE: &str = "first-owner-password";

/// The file's path for these settings.
pub fn password_file(settings: &Settings) -> PathBuf {
    settings.data_dir.join(PASSWORD_FILE)
}

/// Shows the first owner's login and one-time password the way the log format allows.
pub(super) fn announce(
    settings: &Settings,
    email: &str,
    password: &str,
    site_id: &str,
    public_key: &str,
) {
    const CREATED: &str = "first start: created the demo site and an owner account";
    match settings.log_format {
        LogFormat::Human => tracing::warn!(
            email,
            password = %password,
            site_id = %site_id,
            public_key = %public_key,
            "{CREATED}; this one-time password is shown only now"
        ),
        LogFormat::Json => {
            let path = password_file(settings);
            match write_private(&path, email, password) {
                Ok(()) => tracing::warn!(
                    email,
                    password_file = %path.display(),
                    site_id = %site_id,
                    public_key = %public_key,
                    "{CREATED}; its one-time password is in password_file (readable by this \
                     user only, removed once the owner has set their own); JSON logs never \
                     carry it"
                ),
                Err(e) => tracing::error!(
                    email,
                    password_file = %path.display(),
                    error = %e,
                    site_id = %site_id,
                    public_key = %public_key,
                    "{CREATED}; its one-time password could not be written down: run \
                     `shopchat agent reset-password --email {email}` for a new one"
                ),
            }
        }
    }
}

/// Removes the password file once the owner no longer needs it: they have replaced the
/// one-time password, or the account is gone. A file that cannot be removed is logged and
/// left; it never stops the server.
pub(crate) async fn tidy(settings: &Settings, store: &dyn Store) -> Result<(), StoreError> {
    let path = password_file(settings);
    if !path.exists() {
        return Ok(());
    }
    // The email is a constant that parses; if it ever did not, there is nothing to look up.
    let Ok(email) = Email::parse(super::FIRST_OWNER_EMAIL) else {
        return Ok(());
    };
    let still_needed = store
        .agent_credentials(&email)
        .await?
        .is_some_and(|c| c.agent.must_change_password);
    if still_needed {
        return Ok(());
    }
    match std::fs::remove_file(&path) {
        Ok(()) => tracing::info!(
            password_file = %path.display(),
            "removed the first owner's one-time password file: the owner has set their own"
        ),
        Err(e) => tracing::warn!(
            password_file = %path.display(),
            error = %e,
            "cannot remove the first owner's one-time password file; delete it by hand"
        ),
    }
    Ok(())
}

/// Writes `email` and `password` to a new owner-only file (`0600`), replacing any older one.
fn write_private(path: &Path, email: &str, password: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::store::sqlite::files::prepare_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    writeln!(file, "email={email}")?;
    writeln!(file, "password={password}")?;
    file.sync_all()
}
