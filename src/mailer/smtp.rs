//! Sending through the configured SMTP relay with lettre: STARTTLS (required, never a silent
//! fall-back to plain text), implicit TLS, or plain for a relay on a private network; an
//! optional login; extra trusted roots from a PEM file; a timeout on every step; a small
//! pool of connections reused between emails. The message is built with lettre's typed
//! headers, which encode every value, so a name or subject holding a line break stays in its
//! header. Only `List-Unsubscribe`, `List-Unsubscribe-Post` and `Auto-Submitted` go in raw,
//! with values checked here to be one line of printable ASCII. DKIM-signed when configured.

use super::{SendError, Transport};
use crate::config::{Dkim, MailServer, MailSettings, MailTls};
use crate::email::Composed;
use crate::email::compose::Mailbox;
use async_trait::async_trait;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox as LettreMailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP step (connect, a command, the data) may take before the attempt fails
/// as temporary.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections kept open to the relay.
const POOL_SIZE: u32 = 4;

/// The relay, ready to send.
pub struct SmtpTransport {
    client: AsyncSmtpTransport<Tokio1Executor>,
    dkim: Option<DkimConfig>,
}

impl std::fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpTransport").finish_non_exhaustive()
    }
}

/// Why the relay settings cannot be used (read at start, so a bad file stops the server).
#[derive(Debug, thiserror::Error)]
#[error("smtp: {0}")]
pub struct SmtpSetupError(String);

impl SmtpTransport {
    /// The transport for the server's mail settings; `None` when no relay is configured.
    pub fn from_settings(mail: &MailSettings) -> Result<Option<SmtpTransport>, SmtpSetupError> {
        let Some(server) = &mail.smtp else {
            return Ok(None);
        };
        let dkim = mail.dkim.as_ref().map(dkim_config).transpose()?;
        Ok(Some(SmtpTransport {
            client: client(server)?,
            dkim,
        }))
    }
}

fn client(server: &MailServer) -> Result<AsyncSmtpTransport<Tokio1Executor>, SmtpSetupError> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&server.host)
        .port(server.port)
        .timeout(Some(SMTP_TIMEOUT))
        .pool_config(PoolConfig::new().max_size(POOL_SIZE));
    if server.tls != MailTls::None {
        let mut params = TlsParameters::builder(server.host.clone());
        if let Some(path) = &server.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| SmtpSetupError(format!("cannot read {}: {e}", path.display())))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| SmtpSetupError(format!("{}: {e}", path.display())))?;
            params = params.add_root_certificate(cert);
        }
        let params = params
            .build()
            .map_err(|e| SmtpSetupError(format!("tls: {e}")))?;
        builder = builder.tls(match server.tls {
            MailTls::Tls => Tls::Wrapper(params),
            _ => Tls::Required(params),
        });
    }
    if let Some(user) = &server.user {
        let password = server.password.clone().unwrap_or_default();
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}

/// The signing key: an RSA key in PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), or an Ed25519 key
/// as the base64 of its 32 bytes (the forms lettre signs with).
fn dkim_config(dkim: &Dkim) -> Result<DkimConfig, SmtpSetupError> {
    let text = std::fs::read_to_string(&dkim.key_file).map_err(|e| {
        SmtpSetupError(format!(
            "cannot read the DKIM key {}: {e}",
            dkim.key_file.display()
        ))
    })?;
    let algorithm = if text.contains("BEGIN RSA PRIVATE KEY") {
        DkimSigningAlgorithm::Rsa
    } else {
        DkimSigningAlgorithm::Ed25519
    };
    let key = DkimSigningKey::new(text.trim(), algorithm).map_err(|_| {
        SmtpSetupError(format!(
            "{}: not an RSA PKCS#1 PEM key or a base64 Ed25519 key",
            dkim.key_file.display()
        ))
    })?;
    let headers = ["From", "To", "Subject", "Date", "Message-ID", "Reply-To"]
        .into_iter()
        .map(HeaderName::new_from_ascii_str)
        .collect();
    Ok(DkimConfig::new(
        dkim.selector.clone(),
        dkim.domain.clone(),
        key,
        headers,
        DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        },
    ))
}

/// Text for a header with every control character (a line break above all) made a space:
/// lettre encodes what it is given, but panics on a display name with control characters,
/// and a subject is one line anyway.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn mailbox(name: &str, address: &str) -> Result<LettreMailbox, SendError> {
    let address = address
        .parse()
        .map_err(|e| SendError::Permanent(format!("bad address {address:?}: {e}")))?;
    let name = one_line(name);
    Ok(LettreMailbox::new(
        (!name.is_empty()).then_some(name),
        address,
    ))
}

/// A raw header whose value is one line of printable ASCII (the only kind put in raw).
fn raw(name: &'static str, value: &str) -> Result<HeaderValue, SendError> {
    if value.is_empty() || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(SendError::Permanent(format!("refused {name} value")));
    }
    Ok(HeaderValue::new(
        HeaderName::new_from_ascii_str(name),
        value.to_owned(),
    ))
}

/// The RFC 5322 message for `email`.
pub fn build_message(email: &Composed) -> Result<Message, SendError> {
    let Mailbox { name, address } = &email.from;
    let mut builder = Message::builder()
        .from(mailbox(name, address)?)
        .to(mailbox("", &email.to)?)
        .subject(one_line(&email.subject))
        .message_id(Some(format!("<{}>", email.message_id)));
    if let Some(reply_to) = &email.reply_to {
        builder = builder.reply_to(mailbox("", reply_to)?);
    }
    if let Some(parent) = &email.in_reply_to {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !email.references.is_empty() {
        let refs: Vec<String> = email.references.iter().map(|r| format!("<{r}>")).collect();
        builder = builder.references(refs.join(" "));
    }
    if let Some(url) = &email.list_unsubscribe {
        builder = builder
            .raw_header(raw("List-Unsubscribe", &format!("<{url}>"))?)
            .raw_header(raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")?);
    }
    if email.auto_generated {
        builder = builder.raw_header(raw("Auto-Submitted", "auto-generated")?);
    }
    let built = match &email.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            html.clone(),
        )),
        None => builder.singlepart(SinglePart::plain(email.text.clone())),
    };
    built.map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
}

/// The relay's error as the outbox's kind: a 5xx is permanent, anything else (4xx, a
/// connection, TLS or timeout failure) is worth another try. The text is lettre's, which
/// never holds the credentials.
fn classify(error: &lettre::transport::smtp::Error) -> SendError {
    let text: String = error.to_string().chars().take(300).collect();
    if error.is_permanent() {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
}

#[async_trait]
impl Transport for SmtpTransport {
    async fn send(&self, email: &Composed) -> Result<String, SendError> {
        let mut message = build_message(email)?;
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        let response = self.client.send(message).await.map_err(|e| classify(&e))?;
        let answer: Vec<&str> = response.message().collect();
        Ok(format!("{} {}", response.code(), answer.join(" "))
            .chars()
            .take(300)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composed() -> Composed {
        Composed {
            from: Mailbox {
                name: "Shop\r\nBcc: evil@x.example".into(),
                address: "help@shop.example".into(),
            },
            to: "ann@x.example".into(),
            reply_to: Some("reply+abc@shop.example".into()),
            subject: "Hi\r\nBcc: evil@x.example".into(),
            text: "hello".into(),
            html: Some("<p>hello</p>".into()),
            message_id: "sc.abc.1@shop.example".into(),
            in_reply_to: Some("sc.abc.root@shop.example".into()),
            references: vec!["sc.abc.root@shop.example".into()],
            list_unsubscribe: Some("https://chat.example/mail/unsubscribe?t=x".into()),
            auto_generated: false,
        }
    }

    #[test]
    fn a_line_break_in_a_name_or_subject_adds_no_header() {
        let message = build_message(&composed()).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        let head = text.split("\r\n\r\n").next().unwrap();
        assert!(
            !head
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{head}"
        );
        assert!(head.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(head.contains("In-Reply-To: <sc.abc.root@shop.example>"));
    }

    #[test]
    fn a_raw_header_value_with_a_line_break_is_refused() {
        let mut email = composed();
        email.list_unsubscribe = Some("https://x.example/\r\nBcc: e@x.example".into());
        assert!(matches!(
            build_message(&email),
            Err(SendError::Permanent(_))
        ));
    }
}
