//! The server's email settings: the SMTP relay that sends, the addresses mail is from and
//! replies come back to, DKIM, the inbound paths (IMAP polling, the HTTP endpoint) and their
//! bounds. Off until an SMTP host is set: a server without it sends no email and says so.
//! Secrets (passwords, the inbound secret) are never printed: `Debug` leaves them out.

use super::ConfigError;
use super::SettingsArgs;
use std::path::PathBuf;
use std::time::Duration;

/// How a connection to a mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Plain text (a relay on localhost or inside a private network only).
    None,
    /// Plain connect, then STARTTLS, which must succeed.
    Starttls,
    /// TLS from the first byte (SMTPS on 465, IMAPS on 993).
    Tls,
}

/// Where and how the server logs in to a mail server.
#[derive(Clone, PartialEq, Eq)]
pub struct MailServer {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport security.
    pub tls: MailTls,
    /// User name, if the server wants a login.
    pub user: Option<String>,
    /// Password (never printed).
    pub password: Option<String>,
    /// A PEM file of extra root certificates to trust (a private CA or a test's own).
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for MailServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// DKIM signing of outgoing mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dkim {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`): the key is published at `SELECTOR._domainkey.DOMAIN`.
    pub selector: String,
    /// The private key: RSA in PKCS#1 PEM, or Ed25519 as the base64 of its raw bytes.
    pub key_file: PathBuf,
}

/// Everything about email the server runs with.
#[derive(Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// The relay that sends; `None`: no email is sent.
    pub smtp: Option<MailServer>,
    /// The From address when a site sets none.
    pub from: Option<String>,
    /// Domains a site may use in its own From address.
    pub from_domains: Vec<String>,
    /// The address replies come back to; each thread adds its token as a plus-address
    /// (`reply+TOKEN@…`). `None`: replies thread by Message-ID only, to `from`.
    pub reply_address: Option<String>,
    /// DKIM signing, when configured.
    pub dkim: Option<Dkim>,
    /// The mailbox polled for replies; `None`: no IMAP polling.
    pub imap: Option<MailServer>,
    /// The IMAP folder polled.
    pub imap_mailbox: String,
    /// Time between IMAP polls.
    pub imap_poll: Duration,
    /// The secret the HTTP inbound endpoint wants (`Authorization: Bearer …`); `None`: the
    /// endpoint is off (never printed).
    pub inbound_secret: Option<String>,
    /// Largest inbound mail accepted, bytes; a larger one is refused before it is parsed.
    pub max_inbound_bytes: usize,
    /// Wait before the first retry of a temporary SMTP failure (later ones are longer).
    pub retry: Duration,
    /// Time between looks at the outbox for emails that came due.
    pub outbox_poll: Duration,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp", &self.smtp)
            .field("from", &self.from)
            .field("from_domains", &self.from_domains)
            .field("reply_address", &self.reply_address)
            .field("dkim", &self.dkim)
            .field("imap", &self.imap)
            .field("imap_mailbox", &self.imap_mailbox)
            .field("imap_poll", &self.imap_poll)
            .field("inbound_secret", &self.inbound_secret.as_ref().map(|_| "…"))
            .field("max_inbound_bytes", &self.max_inbound_bytes)
            .field("retry", &self.retry)
            .field("outbox_poll", &self.outbox_poll)
            .finish()
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp: None,
            from: None,
            from_domains: Vec::new(),
            reply_address: None,
            dkim: None,
            imap: None,
            imap_mailbox: "INBOX".into(),
            imap_poll: Duration::from_secs(30),
            inbound_secret: None,
            max_inbound_bytes: 10 * 1024 * 1024,
            retry: Duration::from_secs(30),
            outbox_poll: Duration::from_secs(1),
        }
    }
}

fn invalid(field: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        problem: problem.into(),
    }
}

/// A plain address for a config field.
fn address(field: &'static str, value: Option<String>) -> Result<Option<String>, ConfigError> {
    match value {
        Some(a) if !crate::email::settings::plain_address(&a) => {
            Err(invalid(field, "must be a plain address, local@domain"))
        }
        other => Ok(other),
    }
}

/// Picks a value from the flags/env, else the file.
macro_rules! either {
    ($cli:ident, $file:ident, $field:ident) => {
        $cli.$field.clone().or($file.$field.clone())
    };
}

impl MailSettings {
    /// The mail settings from the flags/env over the file over the defaults, each checked.
    pub(super) fn resolve(cli: &SettingsArgs, file: &SettingsArgs) -> Result<Self, ConfigError> {
        let d = MailSettings::default();
        let smtp = resolve_smtp(cli, file);
        let from = address("mail_from", either!(cli, file, mail_from))?;
        if smtp.is_some() && from.is_none() {
            return Err(invalid("mail_from", "is needed with smtp_host"));
        }
        let inbound_secret = either!(cli, file, inbound_mail_secret);
        if inbound_secret.as_ref().is_some_and(|s| s.len() < 24) {
            return Err(invalid(
                "inbound_mail_secret",
                "must be at least 24 characters",
            ));
        }
        let ms = |field: &'static str, v: Option<u64>, d: Duration| {
            super::checks::positive(field, v.unwrap_or(d.as_millis() as u64))
                .map(Duration::from_millis)
        };
        Ok(MailSettings {
            smtp,
            from,
            from_domains: either!(cli, file, mail_from_domains)
                .unwrap_or_default()
                .into_iter()
                .map(|d| d.trim().to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
            reply_address: address("mail_reply_address", either!(cli, file, mail_reply_address))?,
            dkim: resolve_dkim(cli, file)?,
            imap: resolve_imap(cli, file)?,
            imap_mailbox: either!(cli, file, imap_mailbox).unwrap_or(d.imap_mailbox),
            imap_poll: ms(
                "imap_poll_ms",
                either!(cli, file, imap_poll_ms),
                d.imap_poll,
            )?,
            inbound_secret,
            max_inbound_bytes: super::checks::positive(
                "max_inbound_mail_bytes",
                either!(cli, file, max_inbound_mail_bytes).unwrap_or(d.max_inbound_bytes),
            )?,
            retry: ms("mail_retry_ms", either!(cli, file, mail_retry_ms), d.retry)?,
            outbox_poll: ms(
                "mail_outbox_poll_ms",
                either!(cli, file, mail_outbox_poll_ms),
                d.outbox_poll,
            )?,
        })
    }
}

/// The SMTP relay, when a host is set: STARTTLS on 587 unless told otherwise.
fn resolve_smtp(cli: &SettingsArgs, file: &SettingsArgs) -> Option<MailServer> {
    let host = either!(cli, file, smtp_host)?;
    let tls = either!(cli, file, smtp_tls).unwrap_or(MailTls::Starttls);
    let default_port = match tls {
        MailTls::Tls => 465,
        _ => 587,
    };
    Some(MailServer {
        host,
        port: either!(cli, file, smtp_port).unwrap_or(default_port),
        tls,
        user: either!(cli, file, smtp_user),
        password: either!(cli, file, smtp_password),
        ca_file: either!(cli, file, smtp_ca_file),
    })
}

/// The mailbox polled for replies, when a host is set: implicit TLS on 993 unless told
/// otherwise; a user is needed.
fn resolve_imap(
    cli: &SettingsArgs,
    file: &SettingsArgs,
) -> Result<Option<MailServer>, ConfigError> {
    let Some(host) = either!(cli, file, imap_host) else {
        return Ok(None);
    };
    let tls = either!(cli, file, imap_tls).unwrap_or(MailTls::Tls);
    let default_port = match tls {
        MailTls::Tls => 993,
        _ => 143,
    };
    let user = either!(cli, file, imap_user);
    if user.is_none() {
        return Err(invalid("imap_user", "is needed with imap_host"));
    }
    Ok(Some(MailServer {
        host,
        port: either!(cli, file, imap_port).unwrap_or(default_port),
        tls,
        user,
        password: either!(cli, file, imap_password),
        ca_file: either!(cli, file, imap_ca_file),
    }))
}

/// DKIM signing: domain, selector and key file all given, or none.
fn resolve_dkim(cli: &SettingsArgs, file: &SettingsArgs) -> Result<Option<Dkim>, ConfigError> {
    match (
        either!(cli, file, dkim_domain),
        either!(cli, file, dkim_selector),
        either!(cli, file, dkim_key_file),
    ) {
        (None, None, None) => Ok(None),
        (Some(domain), Some(selector), Some(key_file)) => Ok(Some(Dkim {
            domain,
            selector,
            key_file,
        })),
        _ => Err(invalid(
            "dkim_domain",
            "dkim_domain, dkim_selector and dkim_key_file go together",
        )),
    }
}
