//! A real SMTP server for the email tests: `smtp_server.py` (aiosmtpd) run by Debian's
//! `/usr/bin/python3` in its own process on a free port, writing every accepted message into
//! a temp dir; killed (by its own child handle) on drop. Optionally with AUTH, with STARTTLS
//! on a certificate from a test CA made with `openssl`, failing the first messages with 451,
//! or refusing one recipient with 550. Mail is waited for by polling the directory with a
//! deadline and parsed with `mail_parser`.

use super::DEADLINE;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How the test server behaves.
#[derive(Debug, Default, Clone)]
pub struct SmtpOptions {
    /// Require AUTH with this user and password.
    pub login: Option<(String, String)>,
    /// Offer and require STARTTLS (certificate for `localhost` from a fresh test CA).
    pub starttls: bool,
    /// Answer 451 to the first this many messages.
    pub fail_first: u32,
    /// Answer 550 to this recipient.
    pub reject: Option<String>,
}

/// One running SMTP server.
pub struct SmtpServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: TempDir,
    child: Child,
    ca_file: Option<PathBuf>,
}

/// One received message: the raw bytes, and the parts tests look at.
#[derive(Debug, Clone)]
pub struct Received {
    /// As it arrived.
    pub raw: Vec<u8>,
}

impl Received {
    /// The parsed message.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a parsable message")
    }

    /// The header block as text (unfolded lines as sent).
    pub fn head(&self) -> String {
        let text = String::from_utf8_lossy(&self.raw);
        text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
    }

    /// A header's raw value, trimmed.
    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed()
            .header_raw(name)
            .map(|v| v.trim().replace("\r\n", ""))
    }

    /// The decoded subject.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The first text/plain part, decoded.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    /// The first text/html part, decoded (`None` when the message has none).
    pub fn html(&self) -> Option<String> {
        let parsed = self.parsed();
        if parsed.html_body.is_empty() || parsed.html_body == parsed.text_body {
            return None;
        }
        parsed.body_html(0).map(|t| t.into_owned())
    }

    /// The From name and address.
    pub fn from(&self) -> (String, String) {
        let parsed = self.parsed();
        let addr = parsed.from().and_then(|a| a.first()).expect("a From");
        (
            addr.name().unwrap_or_default().to_owned(),
            addr.address().unwrap_or_default().to_owned(),
        )
    }
}

impl SmtpServer {
    /// Points `settings` at this server as the relay (plain SMTP on localhost) with the
    /// addresses every email test uses: From `chat@mail.example`, replies to
    /// `reply+TOKEN@mail.example`; the outbox looks every 100 ms.
    pub fn relay(&self, settings: &mut shopchat::config::Settings) {
        settings.mail.smtp = Some(shopchat::config::MailServer {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: shopchat::config::MailTls::None,
            user: None,
            password: None,
            ca_file: None,
        });
        settings.mail.from = Some("chat@mail.example".into());
        settings.mail.reply_address = Some("reply@mail.example".into());
        settings.mail.outbox_poll = Duration::from_millis(100);
    }

    /// A plain server that accepts everything.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(SmtpOptions::default())
    }

    /// A server with these options; returns once it accepts connections.
    pub fn start_with(options: SmtpOptions) -> SmtpServer {
        let dir = TempDir::new().expect("temp dir for smtp");
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail).expect("mail dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/smtp_server.py");
        let mut cmd = Command::new("/usr/bin/python3");
        cmd.arg(script).arg("--dir").arg(&mail);
        if let Some((user, password)) = &options.login {
            cmd.args(["--user", user, "--password", password]);
        }
        let mut ca_file = None;
        if options.starttls {
            let certs = super::certs::make_certificates(dir.path());
            cmd.arg("--cert")
                .arg(certs.cert)
                .arg("--key")
                .arg(certs.key);
            ca_file = Some(certs.ca);
        }
        cmd.args(["--fail-first", &options.fail_first.to_string()]);
        if let Some(reject) = &options.reject {
            cmd.args(["--reject", reject]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start smtp_server.py (apt-get install python3-aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the smtp port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("smtp_server.py printed {line:?}, not a port"));
        SmtpServer {
            port,
            dir,
            child,
            ca_file,
        }
    }

    /// The test CA's certificate (STARTTLS servers only).
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.ca_file.clone()
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("mail"))
            .expect("read mail dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| Received {
                raw: std::fs::read(p).expect("read message"),
            })
            .collect()
    }

    /// Waits until a received message matches, within `deadline`.
    pub async fn wait_for_mail(
        &self,
        matches: impl Fn(&Received) -> bool,
        deadline: Duration,
    ) -> Received {
        let until = Instant::now() + deadline;
        loop {
            if let Some(found) = self.messages().into_iter().find(|m| matches(m)) {
                return found;
            }
            assert!(
                Instant::now() < until,
                "no matching mail within {deadline:?}; received: {:?}",
                self.messages()
                    .iter()
                    .map(|m| m.subject())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the first message to arrive (the common case), within the default deadline.
    pub async fn first_mail(&self) -> Received {
        self.wait_for_mail(|_| true, DEADLINE).await
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
