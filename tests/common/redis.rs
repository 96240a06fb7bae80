//! A real `redis-server` for tests: its own process on a free port, in a temp dir, without
//! persistence unless asked for (`start_durable`), killed (by pid) on drop. It can be stopped and started again on the same
//! port, which is how tests play "Redis restarted". Every wait is for `PING` with a deadline.

use super::DEADLINE;
// Re-exported: a Redis test picks a port for a server it starts (or for none, to see a refusal).
pub use super::free_port;
use rand::Rng;
use rand::distr::Alphanumeric;
use std::process::{Child, Command, Stdio};
use std::time::Instant;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One redis-server process of one test.
pub struct RedisServer {
    port: u16,
    dir: TempDir,
    child: Option<Child>,
    /// Append-only file with an fsync per write: what the README recommends for production,
    /// and what lets a restarted server come back with everything it acknowledged.
    durable: bool,
}

/// A prefix no other test uses, so tests can share a server (and never see each other).
pub fn unique_prefix() -> String {
    let token: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(char::from)
        .collect();
    format!("test-{token}:")
}

impl RedisServer {
    /// Starts a server and waits until it answers `PING`.
    pub async fn start() -> RedisServer {
        RedisServer::launch(false).await
    }

    /// A server that keeps its data across `stop` and `start_again` (`appendonly yes`,
    /// `appendfsync always`), as a production Redis should.
    pub async fn start_durable() -> RedisServer {
        RedisServer::launch(true).await
    }

    async fn launch(durable: bool) -> RedisServer {
        let mut server = RedisServer {
            port: free_port(),
            dir: TempDir::new().expect("temp dir for redis-server"),
            child: None,
            durable,
        };
        server.spawn().await;
        server
    }

    /// The URL clients connect to.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    async fn spawn(&mut self) {
        let log = self.dir.path().join("redis.log");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(if self.durable {
                ["--appendonly", "yes", "--appendfsync", "always"]
            } else {
                ["--appendonly", "no", "--appendfsync", "everysec"]
            })
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server (apt-get install redis-server)");
        self.child = Some(child);
        let deadline = Instant::now() + DEADLINE;
        loop {
            if ping(self.port).await {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("redis-server exited with {status}:\n{log}");
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING within {DEADLINE:?}",
                self.port
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Kills the server (as a crash would: clients see their connections drop) and waits
    /// until the port no longer answers.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(
            !ping(self.port).await,
            "redis-server still answers after stop"
        );
    }

    /// Freezes the server (SIGSTOP to its pid): connections stay open but nothing answers,
    /// as with a hung server or a silently dropped network path.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a paused server (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, which: &str) {
        let pid = self.child.as_ref().expect("a running server").id();
        let status = Command::new("kill")
            .args([which, &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {which} {pid} failed");
    }

    /// Starts the server again on the port of a stopped one: empty, or for a durable server
    /// with what its append-only file kept.
    pub async fn start_again(&mut self) {
        assert!(self.child.is_none(), "start_again on a running server");
        self.spawn().await;
    }

    /// Stops the server and starts a fresh one on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start_again().await;
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGKILL ends a stopped (paused) process too.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether something on `port` answers `PING` with `+PONG` (within a short bound).
async fn ping(port: u16) -> bool {
    let attempt = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        stream.write_all(b"PING\r\n").await.ok()?;
        let mut buf = [0u8; 16];
        let n = stream.read(&mut buf).await.ok()?;
        Some(buf[..n].starts_with(b"+PONG"))
    };
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(1), attempt).await,
        Ok(Some(true))
    )
}
