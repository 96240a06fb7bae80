//! The optional virus scan of an upload: the bytes sent to a clamd (ClamAV's daemon) over its
//! `INSTREAM` command, on TCP or its Unix socket, and its one-line verdict read back.
//!
//! The protocol (clamd(8)): `zINSTREAM\0`, then the file as chunks each prefixed by its length
//! (4 bytes, big-endian), then a chunk of length 0; clamd answers one `\0`-terminated line:
//! `stream: OK`, `stream: NAME FOUND`, or an error (`INSTREAM size limit exceeded. ERROR` when
//! the file is longer than its `StreamMaxLength`). Anything but the first two is an error:
//! the caller refuses the upload rather than keep a file nobody scanned.
//!
//! No bound of its own on scans at once: a scan runs inside an upload slot (8 per node, see
//! `chat::attachments`), so a node holds at most 8 clamd connections.

use crate::config::ClamdAddress;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// How long one scan may take, connecting included: clamd scans a 25 MiB file in a few
/// seconds; longer means it is stuck or overloaded, and the upload is refused.
pub const SCAN_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes per `INSTREAM` chunk: small enough to keep each write short, large enough that a
/// 25 MiB file is a few hundred chunks.
const CHUNK: usize = 64 * 1024;
/// The longest reply read: a verdict is one short line (a signature name is well under
/// this); more is not clamd.
const MAX_REPLY: usize = 1024;

/// What clamd said of a file it scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No signature matched.
    Clean,
    /// A signature matched: its name (`Win.Test.EICAR_HDB-1`).
    Infected(String),
}

/// Why a file could not be scanned (clamd down, stuck, or refusing it); the caller fails
/// closed. No variant carries the file's bytes.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// No connection to clamd.
    #[error("virus scanner at {address} unreachable: {source}")]
    Connect {
        /// Where it was looked for.
        address: String,
        /// Why the connection failed.
        source: std::io::Error,
    },
    /// The connection broke while the file was sent or the verdict read.
    #[error("virus scanner connection failed: {0}")]
    Io(#[from] std::io::Error),
    /// No verdict within [`SCAN_TIMEOUT`] (or the scanner's own timeout).
    #[error("virus scanner gave no verdict within {0:?}")]
    TimedOut(Duration),
    /// clamd answered with an error (`INSTREAM size limit exceeded. ERROR`) or with
    /// something that is not a verdict (cut to [`MAX_REPLY`] characters, control characters
    /// removed).
    #[error("virus scanner answered: {0}")]
    Reply(String),
}

/// A clamd to scan files with.
#[derive(Debug, Clone)]
pub struct Scanner {
    address: ClamdAddress,
    timeout: Duration,
}

impl Scanner {
    /// A scanner at `address` whose scans give up after `timeout` ([`SCAN_TIMEOUT`] for the
    /// server; tests make it short).
    pub fn new(address: ClamdAddress, timeout: Duration) -> Self {
        Scanner { address, timeout }
    }

    /// The scanner the settings name, if any.
    pub fn from_settings(settings: &crate::config::FilesSettings) -> Option<Self> {
        settings
            .clamd
            .clone()
            .map(|address| Scanner::new(address, SCAN_TIMEOUT))
    }

    /// Where clamd is (for logs).
    pub fn address(&self) -> &ClamdAddress {
        &self.address
    }

    /// Scans `bytes` on a fresh connection (clamd ends an `INSTREAM` session after its
    /// verdict); the whole exchange, connecting included, within the timeout.
    pub async fn scan(&self, bytes: &[u8]) -> Result<Verdict, ScanError> {
        tokio::time::timeout(self.timeout, self.connect_and_scan(bytes))
            .await
            .map_err(|_| ScanError::TimedOut(self.timeout))?
    }

    async fn connect_and_scan(&self, bytes: &[u8]) -> Result<Verdict, ScanError> {
        let unreachable = |source| ScanError::Connect {
            address: self.address.to_string(),
            source,
        };
        match &self.address {
            ClamdAddress::Tcp(address) => {
                let stream = tokio::net::TcpStream::connect(address.as_str())
                    .await
                    .map_err(unreachable)?;
                instream(stream, bytes).await
            }
            ClamdAddress::Unix(path) => {
                let stream = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(unreachable)?;
                instream(stream, bytes).await
            }
        }
    }
}

/// One `INSTREAM` exchange on an open connection.
async fn instream<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    bytes: &[u8],
) -> Result<Verdict, ScanError> {
    let sent = send(&mut stream, bytes).await;
    // clamd answers and closes as soon as it refuses a stream (too long): its reply says
    // why, so it is read even when sending failed; without a reply the send error stands.
    match (read_reply(&mut stream).await, sent) {
        (Ok(reply), _) if !reply.is_empty() => parse_reply(&reply),
        (_, Err(e)) => Err(ScanError::Io(e)),
        (Err(e), Ok(())) => Err(ScanError::Io(e)),
        (Ok(_), Ok(())) => Err(ScanError::Reply("(closed without a verdict)".into())),
    }
}

async fn send<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(b"zINSTREAM\0").await?;
    for chunk in bytes.chunks(CHUNK) {
        // A chunk is at most CHUNK (64 KiB) long, so its length fits the 4-byte prefix.
        let len = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
        stream.write_all(&len.to_be_bytes()).await?;
        stream.write_all(chunk).await?;
    }
    stream.write_all(&0u32.to_be_bytes()).await?;
    stream.flush().await
}

/// The reply up to its `\0` (or the connection's end), at most [`MAX_REPLY`] bytes.
async fn read_reply<S: AsyncRead + Unpin>(stream: &mut S) -> std::io::Result<Vec<u8>> {
    let mut reply = Vec::new();
    let mut buf = [0u8; 256];
    while reply.len() < MAX_REPLY {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        if let Some(end) = reply.iter().position(|&b| b == 0) {
            reply.truncate(end);
            break;
        }
    }
    Ok(reply)
}

/// clamd's reply as a verdict: `stream: OK` is clean, `stream: NAME FOUND` infected with
/// NAME; anything else (an `… ERROR`, an empty name, another command's answer) is an error.
pub fn parse_reply(reply: &[u8]) -> Result<Verdict, ScanError> {
    let text = String::from_utf8_lossy(reply);
    let line = text.trim_end_matches('\0').trim();
    if let Some(rest) = line.strip_prefix("stream:").map(str::trim) {
        if rest == "OK" {
            return Ok(Verdict::Clean);
        }
        if let Some(name) = rest.strip_suffix(" FOUND").map(str::trim)
            && !name.is_empty()
            && !name.chars().any(char::is_control)
        {
            return Ok(Verdict::Infected(name.to_owned()));
        }
    }
    let shown: String = line
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_REPLY)
        .collect();
    Err(ScanError::Reply(if shown.is_empty() {
        "(an empty reply)".into()
    } else {
        shown
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply_error(reply: &[u8]) -> String {
        match parse_reply(reply) {
            Err(ScanError::Reply(text)) => text,
            other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(reply)),
        }
    }

    #[test]
    fn replies_are_clean_infected_or_an_error() {
        assert_eq!(parse_reply(b"stream: OK\0").unwrap(), Verdict::Clean);
        assert_eq!(parse_reply(b"stream: OK").unwrap(), Verdict::Clean);
        assert_eq!(
            parse_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND\0").unwrap(),
            Verdict::Infected("Win.Test.EICAR_HDB-1".into())
        );
        assert_eq!(
            parse_reply(b"stream: Shopchat.Test.UNOFFICIAL FOUND\0").unwrap(),
            Verdict::Infected("Shopchat.Test.UNOFFICIAL".into())
        );
        assert_eq!(
            reply_error(b"INSTREAM size limit exceeded. ERROR\0"),
            "INSTREAM size limit exceeded. ERROR"
        );
        assert_eq!(
            reply_error(b"stream: Can't allocate memory ERROR\0"),
            "stream: Can't allocate memory ERROR"
        );
        // Not a verdict: another command's answer, an empty name, nothing, garbage.
        assert_eq!(reply_error(b"PONG\0"), "PONG");
        assert_eq!(reply_error(b"stream: FOUND\0"), "stream: FOUND");
        assert_eq!(reply_error(b"stream: OK FOUND?\0"), "stream: OK FOUND?");
        assert_eq!(reply_error(b"\0"), "(an empty reply)");
        assert_eq!(reply_error(b"\x1b[31mstream\x07"), "[31mstream");
        assert!(reply_error(&[0xff; 2000]).chars().count() <= MAX_REPLY);
    }

    /// A scanner that accepts the connection but never answers: the scan ends at its
    /// timeout with an error, not a verdict.
    #[tokio::test]
    async fn a_scanner_that_never_answers_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let held = tokio::spawn(async move {
            // The connection is kept open, unanswered, until the test ends.
            let _socket = listener.accept().await.unwrap();
            std::future::pending::<()>().await;
        });
        let scanner = Scanner::new(ClamdAddress::Tcp(address), Duration::from_millis(200));
        let err = scanner.scan(b"%PDF-1.7").await.unwrap_err();
        assert!(matches!(err, ScanError::TimedOut(_)), "{err}");
        held.abort();
    }

    /// Nobody listening: an error naming where the scanner was looked for.
    #[tokio::test]
    async fn an_unreachable_scanner_is_an_error_naming_its_address() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("clamd.ctl");
        let scanner = Scanner::new(ClamdAddress::Unix(path.clone()), SCAN_TIMEOUT);
        let err = scanner.scan(b"x").await.unwrap_err();
        assert!(matches!(err, ScanError::Connect { .. }), "{err}");
        assert!(err.to_string().contains("clamd.ctl"), "{err}");
    }

    /// The bytes on the wire: the command, length-prefixed chunks of at most 64 KiB, the
    /// zero-length end; the reply read up to its `\0`.
    #[tokio::test]
    async fn a_file_is_sent_in_length_prefixed_chunks() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let file: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut command = [0u8; 10];
            socket.read_exact(&mut command).await.unwrap();
            assert_eq!(&command, b"zINSTREAM\0");
            let (mut received, mut sizes) = (Vec::new(), Vec::new());
            loop {
                let len = socket.read_u32().await.unwrap() as usize;
                sizes.push(len);
                if len == 0 {
                    break;
                }
                let mut chunk = vec![0u8; len];
                socket.read_exact(&mut chunk).await.unwrap();
                received.extend(chunk);
            }
            socket
                .write_all(b"stream: Test.Sig FOUND\0trailing")
                .await
                .unwrap();
            (received, sizes)
        });
        let scanner = Scanner::new(ClamdAddress::Tcp(address), SCAN_TIMEOUT);
        assert_eq!(
            scanner.scan(&file).await.unwrap(),
            Verdict::Infected("Test.Sig".into())
        );
        let (received, sizes) = server.await.unwrap();
        assert_eq!(received, file);
        assert_eq!(sizes, vec![65_536, 65_536, 18_928, 0]);
    }
}
