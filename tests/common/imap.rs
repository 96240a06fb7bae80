//! A real Dovecot IMAP server for tests: its own process (`dovecot -F`) on a free port with
//! a throw-away configuration in a temp dir — plain IMAP on 127.0.0.1, one user with a
//! plain password, Maildir storage — stopped (SIGTERM by pid) on drop. It can be stopped
//! and started again on the same port and mail, which is how tests play "the mail server
//! went away". Mail is delivered the way an MDA does: written into the Maildir's `tmp/`
//! and renamed into `new/`.
//!
//! Dovecot refuses to run its login process as root, so as root (CI) it runs its internal
//! processes as the `dovecot` and `dovenull` users Debian's package creates and stores mail
//! as `dovecot`; as anyone else it runs everything as that user.

use super::{DEADLINE, free_port};
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tempfile::TempDir;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The mailbox's user and password.
pub const IMAP_USER: &str = "shop";
/// Its password.
pub const IMAP_PASSWORD: &str = "imap-test-password";

/// One Dovecot process of one test.
pub struct ImapServer {
    port: u16,
    /// The implicit-TLS port, when started with TLS.
    tls_port: Option<u16>,
    dir: TempDir,
    child: Option<Child>,
    /// The uid and gid mail is stored as.
    owner: (u32, u32),
}

/// Who the server's processes run as: (internal user, login user, mail user).
fn users() -> (String, String, String) {
    let me = Command::new("id")
        .arg("-un")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    if me == "root" || me.is_empty() {
        ("dovecot".into(), "dovenull".into(), "dovecot".into())
    } else {
        (me.clone(), me.clone(), me)
    }
}

/// A user's uid and gid, from `id`.
fn ids_of(user: &str) -> (u32, u32) {
    let id = |flag: &str| {
        Command::new("id")
            .args([flag, user])
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .expect("id of the mail user")
    };
    (id("-u"), id("-g"))
}

impl ImapServer {
    /// Starts a server and waits until it greets.
    pub async fn start() -> ImapServer {
        ImapServer::launch(false).await
    }

    /// A server that wants TLS (`ssl = required`: STARTTLS on [`ImapServer::port`], implicit
    /// TLS on [`ImapServer::tls_port`]) with a certificate for 127.0.0.1 signed by a CA made
    /// for the test ([`ImapServer::ca_file`]).
    pub async fn start_tls() -> ImapServer {
        ImapServer::launch(true).await
    }

    async fn launch(tls: bool) -> ImapServer {
        let dir = TempDir::new().expect("temp dir for dovecot");
        // Dovecot's own users must reach the config, the password file and the mail.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod temp dir");
        let (internal, login, mail_user) = users();
        let owner = ids_of(&mail_user);
        let mut server = ImapServer {
            port: free_port(),
            tls_port: tls.then(free_port),
            dir,
            child: None,
            owner,
        };
        server.write_config(&internal, &login);
        server.spawn().await;
        server
    }

    /// The port it listens on (plain IMAP, or STARTTLS with TLS).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The implicit-TLS (IMAPS) port of a TLS server.
    pub fn tls_port(&self) -> u16 {
        self.tls_port.expect("a server started with start_tls")
    }

    /// The PEM file of the CA that signed its certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.path("ca.pem")
    }

    /// A CA and a certificate for 127.0.0.1 signed by it, as Dovecot's `ssl` settings.
    fn make_certificate(&self) -> String {
        let certs = super::certs::make_certificates(self.dir.path());
        format!(
            "ssl = required\nssl_cert = <{}\nssl_key = <{}\n",
            certs.cert.display(),
            certs.key.display()
        )
    }

    fn path(&self, rest: &str) -> PathBuf {
        self.dir.path().join(rest)
    }

    fn write_config(&self, internal: &str, login: &str) {
        let root = self.dir.path().display();
        let (uid, gid) = self.owner;
        for sub in ["run", "state"] {
            std::fs::create_dir_all(self.path(sub)).expect("dovecot dirs");
        }
        self.maildir();
        std::fs::write(
            self.path("passwd"),
            format!("{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n"),
        )
        .expect("passwd file");
        let ssl = match self.tls_port {
            Some(_) => self.make_certificate(),
            None => "ssl = no\n".to_owned(),
        };
        let config = format!(
            "listen = 127.0.0.1
protocols = imap
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    {imaps_ssl}
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
",
            port = self.port,
            imaps = self.tls_port.unwrap_or(0),
            imaps_ssl = if self.tls_port.is_some() {
                "ssl = yes"
            } else {
                ""
            },
        );
        std::fs::write(self.path("dovecot.conf"), config).expect("dovecot.conf");
    }

    /// The user's Maildir (created, owned by the mail user).
    fn maildir(&self) -> PathBuf {
        let (uid, gid) = self.owner;
        let mail = self.path("mail");
        let home = mail.join(IMAP_USER);
        for dir in [
            mail.clone(),
            home.clone(),
            home.join("cur"),
            home.join("new"),
            home.join("tmp"),
        ] {
            std::fs::create_dir_all(&dir).expect("maildir");
            chown(&dir, Some(uid), Some(gid)).expect("chown maildir");
        }
        home
    }

    async fn spawn(&mut self) {
        let child = Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(self.path("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start /usr/sbin/dovecot");
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if self.greets().await {
                return;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "dovecot did not greet in time: {}",
                std::fs::read_to_string(self.path("dovecot.log")).unwrap_or_default()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Whether it answers with an IMAP greeting.
    async fn greets(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)).await else {
            return false;
        };
        let mut buf = [0u8; 64];
        matches!(
            tokio::time::timeout(DEADLINE, stream.read(&mut buf)).await,
            Ok(Ok(n)) if buf[..n].starts_with(b"* OK")
        )
    }

    /// Stops the server (SIGTERM, then waits for it).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
        // The master's children leave with it; its pid file must not stop the next start.
        let _ = std::fs::remove_file(self.path("run/master.pid"));
    }

    /// Starts it again on the same port and mail.
    pub async fn start_again(&mut self) {
        let started = Instant::now();
        // The old listener may linger a moment after the process ended.
        while std::net::TcpListener::bind(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < DEADLINE,
                "port {} not free again",
                self.port
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.spawn().await;
    }

    /// Delivers a raw mail into the user's INBOX as an MDA does (tmp/, then new/).
    pub fn deliver(&self, raw: &[u8]) {
        static N: AtomicU64 = AtomicU64::new(0);
        let home = self.maildir();
        let name = format!(
            "{}.M{}P{}.test",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            N.fetch_add(1, Ordering::Relaxed),
            std::process::id()
        );
        let tmp = home.join("tmp").join(&name);
        std::fs::write(&tmp, raw).expect("write mail");
        chown(&tmp, Some(self.owner.0), Some(self.owner.1)).expect("chown mail");
        std::fs::rename(&tmp, home.join("new").join(&name)).expect("deliver mail");
    }

    /// The messages in the INBOX that carry the `\Seen` flag (`cur/…:2,…S…`).
    pub fn seen_count(&self) -> usize {
        self.flagged('S')
    }

    /// The messages in the INBOX, seen or not.
    pub fn message_count(&self) -> usize {
        let home = self.path("mail").join(IMAP_USER);
        ["new", "cur"]
            .iter()
            .map(|d| {
                std::fs::read_dir(home.join(d))
                    .map(|r| r.count())
                    .unwrap_or(0)
            })
            .sum()
    }

    fn flagged(&self, flag: char) -> usize {
        let cur = self.path("mail").join(IMAP_USER).join("cur");
        std::fs::read_dir(cur)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.rsplit_once(":2,")
                            .is_some_and(|(_, flags)| flags.contains(flag))
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    /// The directory of its files (for a test that wants to read the log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        self.stop();
    }
}
