//! Shoppers' replies by IMAP: log in to the shop's mailbox, take the unseen messages (by
//! UID, at most [`PER_POLL`] a round, sizes checked before any body is fetched), hand each
//! to an [`Inbox`] and mark it `\Seen` once it was dealt with. A message the inbox could not
//! take for a passing reason (the store was down) stays unseen for the next round. Any error
//! drops the connection and reconnects after a growing pause; the poller never gives up and
//! stops only at shutdown. The password is never logged.

use crate::config::{MailServer, MailTls};
use async_imap::{Client, Session};
use async_trait::async_trait;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_util::sync::CancellationToken;

/// Messages taken in one poll, at most; the rest wait for the next one.
pub const PER_POLL: usize = 50;
/// Longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Longest a connection, login or one poll may take before the connection is dropped.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// Fetches of one message that failed on the protocol (a response the client cannot parse)
/// before it is marked seen unread, so one odd message cannot stall the mailbox for ever.
const MAX_FETCH_FAILURES: u32 = 3;

/// Messages whose fetch failed on the protocol, by UID, with the mailbox's UIDVALIDITY they
/// belong to (a new UIDVALIDITY makes them meaningless).
#[derive(Default)]
struct Troubled {
    uid_validity: Option<u32>,
    failures: std::collections::HashMap<u32, u32>,
}

impl Troubled {
    /// Keeps the counts only for the same UIDVALIDITY.
    fn selected(&mut self, uid_validity: Option<u32>) {
        if self.uid_validity != uid_validity {
            self.failures.clear();
            self.uid_validity = uid_validity;
        }
    }

    fn given_up(&self, uid: u32) -> bool {
        self.failures
            .get(&uid)
            .is_some_and(|n| *n >= MAX_FETCH_FAILURES)
    }
}

/// What became of a message handed to an [`Inbox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxVerdict {
    /// Dealt with (taken, or refused for good): mark it seen.
    Done,
    /// Could not be taken now: leave it unseen for the next poll.
    Retry,
}

/// Where fetched mail goes. The application implements it, so this module does not know
/// what a mail means.
#[async_trait]
pub trait Inbox: Send + Sync + 'static {
    /// Takes one raw RFC 822 message.
    async fn receive(&self, raw: Vec<u8>) -> InboxVerdict;
}

/// The poller's settings.
#[derive(Debug, Clone)]
pub struct ImapConfig {
    /// The server and login.
    pub server: MailServer,
    /// The folder polled.
    pub mailbox: String,
    /// Time between polls.
    pub poll: Duration,
    /// Largest message fetched; a larger one is marked seen without being fetched.
    pub max_bytes: usize,
}

/// One stream type for plain, STARTTLS and TLS connections.
trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}
type Conn = Box<dyn Io>;

/// Why a connection ended.
#[derive(Debug, thiserror::Error)]
enum ImapError {
    #[error("imap: {0}")]
    Imap(#[from] async_imap::error::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("tls: {0}")]
    Tls(String),
    #[error("timed out")]
    Timeout,
    #[error("{0}")]
    Other(&'static str),
}

/// Starts the poller; it runs until `shutdown`.
pub fn spawn(
    config: ImapConfig,
    inbox: Arc<dyn Inbox>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(config, inbox, shutdown))
}

async fn run(config: ImapConfig, inbox: Arc<dyn Inbox>, shutdown: CancellationToken) {
    let mut backoff = config.poll.min(Duration::from_secs(1));
    let mut troubled = Troubled::default();
    loop {
        let ended = tokio::select! {
            () = shutdown.cancelled() => return,
            ended = connected(&config, &*inbox, &shutdown, &mut backoff, &mut troubled) => ended,
        };
        match ended {
            Ok(()) => return,
            Err(e) => {
                metrics::counter!("shopchat_imap_errors_total").increment(1);
                tracing::warn!(
                    error = %e,
                    host = %config.server.host,
                    port = config.server.port,
                    retry_in_ms = backoff.as_millis() as u64,
                    "IMAP polling failed; reconnecting"
                );
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection: log in, select, then poll until an error or shutdown.
async fn connected(
    config: &ImapConfig,
    inbox: &dyn Inbox,
    shutdown: &CancellationToken,
    backoff: &mut Duration,
    troubled: &mut Troubled,
) -> Result<(), ImapError> {
    let mut session = step(login(&config.server)).await?;
    let mailbox = step(async {
        session
            .select(&config.mailbox)
            .await
            .map_err(ImapError::from)
    })
    .await?;
    troubled.selected(mailbox.uid_validity);
    *backoff = config.poll.min(Duration::from_secs(1));
    loop {
        step(poll_once(&mut session, config, inbox, troubled)).await?;
        tokio::select! {
            () = shutdown.cancelled() => {
                let _ = tokio::time::timeout(Duration::from_secs(2), session.logout()).await;
                return Ok(());
            }
            () = tokio::time::sleep(config.poll) => {}
        }
    }
}

/// `fut` within [`STEP_TIMEOUT`].
async fn step<T>(
    fut: impl std::future::Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(STEP_TIMEOUT, fut)
        .await
        .map_err(|_| ImapError::Timeout)?
}

/// Connects (with the configured security) and logs in.
async fn login(server: &MailServer) -> Result<Session<Conn>, ImapError> {
    let tcp = TcpStream::connect((server.host.as_str(), server.port)).await?;
    let conn: Conn = match server.tls {
        MailTls::None => Box::new(tcp),
        MailTls::Tls => Box::new(tls(server, tcp).await?),
        MailTls::Starttls => {
            let mut client = Client::new(tcp);
            greeting(&mut client).await?;
            client.run_command_and_check_ok("STARTTLS", None).await?;
            Box::new(tls(server, client.into_inner()).await?)
        }
    };
    let mut client = Client::new(conn);
    if server.tls != MailTls::Starttls {
        greeting(&mut client).await?;
    }
    let user = server.user.as_deref().unwrap_or_default();
    let password = server.password.as_deref().unwrap_or_default();
    client
        .login(user, password)
        .await
        .map_err(|(e, _)| ImapError::Imap(e))
}

/// Reads the server's greeting line.
async fn greeting<T: Io>(client: &mut Client<T>) -> Result<(), ImapError> {
    match client.read_response().await? {
        Some(_) => Ok(()),
        None => Err(ImapError::Other("closed before its greeting")),
    }
}

/// A TLS session over `tcp`, trusting the web's roots and the configured CA file.
async fn tls<S: AsyncRead + AsyncWrite + Unpin>(
    server: &MailServer,
    tcp: S,
) -> Result<tokio_rustls::client::TlsStream<S>, ImapError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(file) = &server.ca_file {
        // A small file read once per connection (tokio is built without its fs module).
        let pem = std::fs::read(file)?;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| ImapError::Tls(format!("ca file: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| ImapError::Tls(format!("ca file: {e}")))?;
        }
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(server.host.clone())
        .map_err(|_| ImapError::Tls("the host is not a valid server name".into()))?;
    Ok(TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await?)
}

/// One round: the unseen messages' UIDs, their sizes, then each body in turn.
async fn poll_once(
    session: &mut Session<Conn>,
    config: &ImapConfig,
    inbox: &dyn Inbox,
    troubled: &mut Troubled,
) -> Result<(), ImapError> {
    // NOOP is how a client asks for new mail: without it a server may answer the search
    // from the state it had at SELECT until its own next sync.
    session.noop().await?;
    while session.unsolicited_responses.try_recv().is_ok() {}
    let mut uids: Vec<u32> = session.uid_search("UNSEEN").await?.into_iter().collect();
    uids.sort_unstable();
    uids.truncate(PER_POLL);
    if uids.is_empty() {
        return Ok(());
    }
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut sizes = Vec::with_capacity(uids.len());
    {
        let mut fetches = session.uid_fetch(&set, "(UID RFC822.SIZE)").await?;
        while let Some(fetch) = fetches.next().await {
            let fetch = fetch?;
            if let Some(uid) = fetch.uid {
                sizes.push((uid, fetch.size.unwrap_or(0) as usize));
            }
        }
    }
    for (uid, size) in sizes {
        let verdict = if size > config.max_bytes {
            metrics::counter!("shopchat_inbound_mail_total", "result" => "too_large").increment(1);
            tracing::info!(
                uid,
                size,
                "inbound mail over the size limit marked seen unread"
            );
            InboxVerdict::Done
        } else if troubled.given_up(uid) {
            tracing::warn!(
                uid,
                "inbound mail the client cannot fetch marked seen unread"
            );
            InboxVerdict::Done
        } else {
            match fetch_body(session, uid).await {
                Ok(Some(raw)) => inbox.receive(raw).await,
                Ok(None) => InboxVerdict::Done,
                Err(e) => {
                    // Counted only when the server answered something unreadable, never for
                    // a dropped connection: a reply is not given up because the network was.
                    if let ImapError::Imap(
                        async_imap::error::Error::Parse(_)
                        | async_imap::error::Error::Bad(_)
                        | async_imap::error::Error::No(_),
                    ) = &e
                    {
                        *troubled.failures.entry(uid).or_default() += 1;
                    }
                    return Err(e);
                }
            }
        };
        troubled.failures.remove(&uid);
        if verdict == InboxVerdict::Done {
            let mut stored = session
                .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                .await?;
            while let Some(item) = stored.next().await {
                item?;
            }
        }
    }
    Ok(())
}

/// One message's raw bytes, without setting `\Seen` (`BODY.PEEK`).
async fn fetch_body(session: &mut Session<Conn>, uid: u32) -> Result<Option<Vec<u8>>, ImapError> {
    let mut fetches = session.uid_fetch(uid.to_string(), "BODY.PEEK[]").await?;
    let mut body = None;
    while let Some(fetch) = fetches.next().await {
        let fetch = fetch?;
        if body.is_none() && fetch.uid == Some(uid) {
            body = fetch.body().map(<[u8]>::to_vec);
        }
    }
    Ok(body)
}
