//! A real ClamAV daemon for tests: Debian's `clamd` (package `clamav-daemon`) in its own
//! process, listening on a free TCP port and on a Unix socket in its temp dir, with a
//! one-signature database written there (no download: the official signatures are large and
//! CI has no internet) and a small `StreamMaxLength`, so a "too large for clamd" file is
//! cheap. Ready once it answers `PING` (with a deadline); killed (by pid) on drop or `stop`.
//! `.ci/run` installs it.

use super::{DEADLINE, free_port};
use shopchat::config::{ClamdAddress, FilesSettings};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes the test database flags wherever they occur in a file.
pub const SIGNATURE: &[u8] = b"SHOPCHAT-CLAMD-TEST-SIGNATURE-7f3a";
/// The name clamd reports for them (it adds `.UNOFFICIAL` to a database nobody signed).
pub const SIGNATURE_NAME: &str = "Shopchat.Test.Signature";
/// The test clamd's `StreamMaxLength`: a longer file is refused with an error, not a verdict.
pub const STREAM_MAX_BYTES: usize = 1024 * 1024;

/// One clamd process of one test.
pub struct Clamd {
    port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl Clamd {
    /// Starts clamd with the test signature and waits until it answers `PING`.
    pub async fn start() -> Clamd {
        // Under /tmp (unless TMPDIR says otherwise): where Debian's AppArmor profile for
        // /usr/sbin/clamd lets it read its config and database and make its socket.
        let dir = TempDir::new().expect("temp dir for clamd");
        let db = dir.path().join("db");
        std::fs::create_dir(&db).expect("database dir");
        // An extended (.ndb) signature: name, any file type (0), any offset, the bytes in hex.
        let hex: String = SIGNATURE.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(db.join("test.ndb"), format!("{SIGNATURE_NAME}:0:*:{hex}\n"))
            .expect("write the test signature");
        let port = free_port();
        let p = |name: &str| dir.path().join(name).display().to_string();
        // No `User`: clamd stays whoever started it (root in a CI container), which is what
        // lets it read the temp dir and write its socket there.
        let conf = format!(
            "Foreground yes\nTCPSocket {port}\nTCPAddr 127.0.0.1\nLocalSocket {}\n\
             DatabaseDirectory {}\nTemporaryDirectory {}\nLogFile {}\nPidFile {}\n\
             StreamMaxLength {}K\n",
            p("clamd.ctl"),
            db.display(),
            dir.path().display(),
            p("clamd.log"),
            p("clamd.pid"),
            STREAM_MAX_BYTES / 1024,
        );
        let conf_path = dir.path().join("clamd.conf");
        std::fs::write(&conf_path, conf).expect("write clamd.conf");
        // Debian puts daemons in /usr/sbin, which a non-root PATH may lack.
        let binary = if std::path::Path::new("/usr/sbin/clamd").exists() {
            "/usr/sbin/clamd"
        } else {
            "clamd"
        };
        let child = Command::new(binary)
            .arg(format!("--config-file={}", conf_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start clamd (apt-get install clamav-daemon)");
        let mut clamd = Clamd {
            port,
            dir,
            child: Some(child),
        };
        let deadline = Instant::now() + DEADLINE;
        while !clamd.pings().await {
            if let Some(status) = clamd
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                let log = std::fs::read_to_string(clamd.dir.path().join("clamd.log"));
                panic!("clamd exited with {status}:\n{}", log.unwrap_or_default());
            }
            assert!(
                Instant::now() < deadline,
                "clamd on port {port} did not answer PING within {DEADLINE:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        clamd
    }

    /// Whether clamd answers `zPING` with `PONG` on its TCP port.
    async fn pings(&self) -> bool {
        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await else {
            return false;
        };
        if stream.write_all(b"zPING\0").await.is_err() {
            return false;
        }
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply).await;
        reply == b"PONG\0"
    }

    /// Its TCP address (`127.0.0.1:PORT`).
    pub fn tcp(&self) -> ClamdAddress {
        ClamdAddress::Tcp(format!("127.0.0.1:{}", self.port))
    }

    /// Its Unix socket.
    pub fn unix(&self) -> ClamdAddress {
        ClamdAddress::Unix(self.socket_path())
    }

    fn socket_path(&self) -> PathBuf {
        self.dir.path().join("clamd.ctl")
    }

    /// File settings (data dir back end) that scan with clamd at `address`.
    pub fn settings(address: ClamdAddress) -> FilesSettings {
        FilesSettings {
            clamd: Some(address),
            ..FilesSettings::default()
        }
    }

    /// Kills clamd (as a crash would) and waits until it no longer answers.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(!self.pings().await, "clamd still answers after stop");
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
