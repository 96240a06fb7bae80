//! A real S3-compatible server for tests: `s3s-fs` (crates.io, the s3s project's server on a
//! directory, which checks SigV4 signatures) in its own process on a free port with a temp
//! dir, one bucket and its own key pair; killed (by pid) on drop. `.ci/run` installs it.

use super::{DEADLINE, free_port};
use shopchat::config::{FilesBackend, FilesSettings, S3Settings};
use std::process::{Child, Command, Stdio};
use std::time::Instant;
use tempfile::TempDir;

/// The bucket every test server has.
pub const BUCKET: &str = "shopchat";

/// One s3s-fs process of one test.
pub struct S3Server {
    port: u16,
    _dir: TempDir,
    child: Child,
}

impl S3Server {
    /// Starts a server with an empty bucket and waits until its port accepts connections.
    pub async fn start() -> S3Server {
        let dir = TempDir::new().expect("temp dir for s3s-fs");
        std::fs::create_dir(dir.path().join(BUCKET)).expect("bucket dir");
        let port = free_port();
        let child = Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--access-key",
                "test-access",
                "--secret-key",
                "test-secret-key",
            ])
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs (cargo install s3s-fs --version 0.14.1 --features binary)");
        let mut server = S3Server {
            port,
            _dir: dir,
            child,
        };
        let deadline = Instant::now() + DEADLINE;
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("s3s-fs exited with {status}");
            }
            assert!(Instant::now() < deadline, "s3s-fs did not listen on {port}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        server
    }

    /// File settings that use this server's bucket.
    pub fn settings(&self) -> FilesSettings {
        self.settings_with_secret("test-secret-key")
    }

    /// The same with another secret key (which the server must refuse).
    pub fn settings_with_secret(&self, secret: &str) -> FilesSettings {
        FilesSettings {
            backend: FilesBackend::S3(S3Settings {
                endpoint: format!("http://127.0.0.1:{}", self.port),
                bucket: BUCKET.into(),
                region: "us-east-1".into(),
                access_key_id: "test-access".into(),
                secret_access_key: secret.into(),
                allow_http: true,
            }),
            ..FilesSettings::default()
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
