//! Builds the server from settings: opens the store, loads or makes the secrets, seeds a
//! first-run demo site and owner, binds the listener and wires the routes. [`Application`]
//! knows its port (tests bind port 0) and stops explicitly through a [`Shutdown`] handle.

use crate::auth::{JwtKeys, SessionKey};
use crate::bus::{Bus, MemoryBus, RedisBus};
use crate::chat::{Caches, ChatParts, ChatService, NodeDelivery};
use crate::cluster::Cluster;
use crate::config::Settings;
use crate::domain::random_token;
use crate::hub::Hub;
use crate::state::AppState;
use crate::store::redis::RedisStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};
use actix_http::HttpService;
use actix_service::map_config;
use actix_web::dev::{AppConfig, Server};
use actix_web::rt::net::TcpStream;
use actix_web::{App, web};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The store could not be opened or seeded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The first run could not be seeded.
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
    /// The Redis bus could not subscribe.
    #[error("cannot start the Redis bus: {0}")]
    Bus(#[from] crate::bus::BusError),
    /// The SMTP relay settings cannot be used (an unreadable CA or DKIM key file).
    #[error(transparent)]
    Mail(#[from] crate::mailer::smtp::SmtpSetupError),
    /// The JWT secret cannot key HS256.
    #[error(transparent)]
    Jwt(#[from] crate::auth::JwtError),
    /// No HTTP client for outbound calls could be built (TLS set-up failed).
    #[error("cannot set up outbound HTTP: {0}")]
    Http(reqwest::Error),
    /// The file back end cannot be set up (the data dir's folder, the bucket's settings).
    #[error("cannot set up file storage: {0}")]
    Files(crate::files::FileError),
}

/// Stops a running [`Application`].
#[derive(Clone)]
pub struct Shutdown {
    token: CancellationToken,
}

impl Shutdown {
    /// Asks the server to stop: sockets close with 1012 (service restart) so widgets
    /// reconnect, in-flight requests finish, queued writes are committed.
    pub fn trigger(&self) {
        self.token.cancel();
    }
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    /// The SQLite store, when this node has one, to finish its queued writes on shutdown
    /// (a Redis store has nothing queued: every `Ok` was answered by Redis).
    sqlite: Option<Arc<SqliteStore>>,
    shutdown: CancellationToken,
    /// The sockets still open, which a stop lets send their close frames first.
    open_sockets: crate::ws::OpenSockets,
}

/// How long a stop waits for the sockets to send their close frames.
const SOCKETS_CLOSE_WITHIN: Duration = Duration::from_secs(5);

/// The store this node uses: with a Redis URL everything lives in Redis, which the nodes
/// share; otherwise SQLite in the data dir, returned a second time as itself so its queued
/// writes can be finished on shutdown (a Redis store has nothing queued: every `Ok` was
/// answered by Redis). The one place that picks the backend; the CLI's commands use it too.
pub async fn open_store(
    settings: &Settings,
) -> Result<(Arc<dyn Store>, Option<Arc<SqliteStore>>), StoreError> {
    Ok(match &settings.redis_url {
        Some(url) => (
            Arc::new(RedisStore::connect(url, &settings.redis_prefix).await?),
            None,
        ),
        None => {
            let sqlite = Arc::new(SqliteStore::open(&settings.data_dir)?);
            (sqlite.clone(), Some(sqlite))
        }
    })
}

impl Application {
    /// Opens the store, seeds it on first run and binds the listener.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        // Installed before anything records, so no early sample is lost.
        crate::telemetry::metrics_handle();
        let bind_err = |source| StartupError::Bind {
            addr: settings.bind.clone(),
            source,
        };
        let listener = TcpListener::bind(&settings.bind).map_err(bind_err)?;
        let port = listener.local_addr().map_err(bind_err)?.port();

        let (store, sqlite) = open_store(&settings).await?;
        crate::seed::first_run(store.as_ref(), &settings, port).await?;
        crate::seed::tidy_password_file(&settings, store.as_ref())
            .await
            .map_err(crate::seed::SeedError::from)?;
        crate::seed::mark_demo_site(store.as_ref()).await?;

        let jwt_secret = match &settings.jwt_secret {
            Some(secret) => secret.clone(),
            None => store.secret("jwt", random_token(48)).await?,
        };
        let session_secret = store.secret("session", random_token(48)).await?;
        let (files, file_keys) = file_parts(store.as_ref(), &settings).await?;

        let hub = Hub::new();
        let shutdown = CancellationToken::new();
        // The bus hands every node's events to this node's delivery (frames to the hub,
        // presence to the cluster view, invalidations to the caches): built first, so the bus
        // needs nothing but the trait.
        let cluster = Cluster::new();
        let caches = Caches::default();
        let delivery = Arc::new(NodeDelivery::new(
            hub.clone(),
            cluster.clone(),
            caches.clone(),
        ));
        let bus: Arc<dyn Bus> = match &settings.redis_url {
            Some(url) => Arc::new(RedisBus::connect(url, &settings.redis_prefix, delivery).await?),
            None => Arc::new(MemoryBus::new(delivery)),
        };
        let jwt = JwtKeys::new(
            jwt_secret.as_bytes(),
            &settings.jwt_issuer,
            &settings.jwt_audience,
            settings.token_ttl_secs,
        )?;
        let shared_settings = Arc::new(settings.clone());
        let webhooks = crate::webhooks::Webhooks::start(
            settings.allow_http_webhooks,
            settings.webhook_retry,
            store.clone(),
        )
        .map_err(StartupError::Http)?;
        // The SMTP relay, when configured: without one no email is queued or sent.
        let mailer = crate::mailer::smtp::SmtpTransport::from_settings(&settings.mail)?
            .map(|t| Arc::new(t) as Arc<dyn crate::mailer::Transport>);
        let chat = ChatService::new(ChatParts {
            store,
            bus,
            hub,
            cluster,
            caches,
            webhooks,
            mailer,
            settings: shared_settings.clone(),
            jwt,
            shutdown: shutdown.clone(),
            files,
            file_keys,
            scanner: crate::files::Scanner::from_settings(&settings.files),
        });
        let state = app_state(
            chat.clone(),
            &settings,
            shared_settings,
            &session_secret,
            &shutdown,
        );

        chat.start_presence();
        chat.start_idle_sweep();
        chat.start_outbox();
        chat.start_retention();
        // Shoppers' email replies from the shop's mailbox, when one is configured.
        if let Some(server) = settings.mail.imap.clone() {
            crate::mailer::imap::spawn(
                crate::mailer::imap::ImapConfig {
                    server,
                    mailbox: settings.mail.imap_mailbox.clone(),
                    poll: settings.mail.imap_poll,
                    max_bytes: settings.mail.max_inbound_bytes,
                },
                Arc::new(chat.clone()),
                shutdown.clone(),
            );
        }
        // One argon2 hash, off the request path: see `dummy_hash`.
        tokio::task::spawn_blocking(crate::http::auth_routes::dummy_hash);
        let data = web::Data::new(state);
        let open_sockets = crate::ws::OpenSockets::default();
        let server =
            serve(listener, data, open_sockets.clone(), settings.workers).map_err(bind_err)?;
        log_where(&settings, port);
        Ok(Application {
            port,
            server,
            sqlite,
            shutdown,
            open_sockets,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server.
    pub fn shutdown_handle(&self) -> Shutdown {
        Shutdown {
            token: self.shutdown.clone(),
        }
    }

    /// Serves until [`Shutdown::trigger`], then drains and closes the store.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server,
            sqlite,
            shutdown,
            open_sockets,
            ..
        } = self;
        let handle = server.handle();
        let stopper = tokio::spawn(async move {
            shutdown.cancelled().await;
            // The sockets are their own tasks, which stopping the workers would drop: let
            // them close with 1012 first.
            let _ = tokio::time::timeout(SOCKETS_CLOSE_WITHIN, open_sockets.closed()).await;
            handle.stop(true).await;
        });
        let result = server.await;
        stopper.abort();
        if let Some(store) = sqlite {
            store.close().await;
        }
        tracing::info!("shopchat stopped");
        result
    }
}

/// Turns Nagle's algorithm off on every accepted socket. A chat sends small frames back to
/// back (an `ack`, then the agent's copy, a typing frame); with Nagle on, the second waits for
/// the peer's delayed ACK (40 ms on Linux), which was every delivery's worst case under load.
/// actix-web leaves it on unless told. Set before the request is read, so the upgraded
/// sockets, which keep this TCP stream, have it too.
fn no_delay(tcp: &TcpStream, _: &mut actix_web::dev::Extensions) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%error, "could not set TCP_NODELAY");
    }
}

/// The attachments' back end the settings choose, and the keys of upload tokens and file
/// links under the install's own secret (kept in the store, so every node signs alike).
async fn file_parts(
    store: &dyn crate::store::Store,
    settings: &Settings,
) -> Result<(crate::files::FileStore, crate::files::FileKeys), StartupError> {
    let secret = store.secret("files", random_token(48)).await?;
    let files = crate::files::FileStore::from_settings(&settings.files, &settings.data_dir)
        .map_err(StartupError::Files)?;
    Ok((files, crate::files::FileKeys::new(secret.as_bytes())))
}

/// The state every handler and socket shares, with the guards sized from the settings.
fn app_state(
    chat: ChatService,
    settings: &Settings,
    shared_settings: Arc<Settings>,
    session_secret: &str,
    shutdown: &CancellationToken,
) -> AppState {
    AppState {
        chat,
        sessions: SessionKey::new(session_secret.as_bytes()),
        logins: Arc::new(crate::guards::LoginBudgets::new(&settings.guards)),
        passwords: crate::auth::PasswordJobs::new(settings.guards.password_jobs),
        settings: shared_settings,
        shutdown: shutdown.clone(),
        pending_sockets: crate::guards::PendingSockets::new(
            settings.guards.max_pending_sockets_per_addr,
        ),
        new_visitors: Arc::new(crate::guards::Budget::per_minute(
            settings.guards.new_visitors_per_addr_per_min,
        )),
        new_conversations: Arc::new(crate::guards::Budget::per_minute(
            settings.guards.new_conversations_per_addr_per_min,
        )),
        push_budget: Arc::new(crate::guards::Budget::per_minute(
            crate::chat::PUSH_REQUESTS_PER_MIN,
        )),
        email_requests: Arc::new(crate::guards::Budget::per_minute(
            crate::chat::EMAIL_REQUESTS_PER_ADDR_PER_MIN,
        )),
    }
}

/// What `HttpServer` builds, with one addition: socket upgrades go to the upgrade hook, which
/// runs them over a lean WebSocket transport instead of actix-http's buffers.
fn serve(
    listener: TcpListener,
    data: web::Data<AppState>,
    sockets: crate::ws::OpenSockets,
    workers: Option<usize>,
) -> std::io::Result<actix_server::Server> {
    let local = listener.local_addr()?;
    let mut server = actix_server::Server::build()
        .disable_signals()
        .shutdown_timeout(5);
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    // As `HttpServer` does: a graceful stop tells every connection, so idle keep-alive ones
    // close at once instead of holding the stop for the whole shutdown timeout.
    let stopping = server.graceful_shutdown_signal();
    let server = server
        .listen("shopchat", listener, move || {
            let stopping = stopping.clone();
            let app = App::new()
                .wrap(actix_web::middleware::from_fn(crate::http::access_log))
                .app_data(data.clone())
                .configure(crate::http::routes)
                .configure(crate::ws::routes);
            HttpService::build()
                .graceful_shutdown_signal(move || {
                    let stopping = stopping.clone();
                    async move { stopping.notified().await }
                })
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(local)
                .on_connect_ext(no_delay)
                .upgrade(crate::ws::upgrade_service(data.clone(), sockets.clone()))
                .finish(map_config(app, |()| AppConfig::default()))
                .tcp()
        })?
        .run();
    Ok(server)
}

/// Logs where this install keeps its data and where a person opens it. The data dir is
/// absolute: started from another directory, a relative `./data` is a second install with
/// its own password, and the log says which one this is.
fn log_where(settings: &Settings, port: u16) {
    let data_dir =
        std::fs::canonicalize(&settings.data_dir).unwrap_or_else(|_| settings.data_dir.clone());
    let base = own_base_url(settings, port);
    tracing::info!(port, data_dir = %data_dir.display(), "shopchat listening");
    tracing::info!(
        dashboard = %format!("{base}/agent/"),
        demo_shop = %format!("{base}/demo/"),
        "open the dashboard to sign in; the demo shop has the widget on it"
    );
    if let Some(clamd) = &settings.files.clamd {
        tracing::info!(%clamd, "uploads are scanned by this clamd; refused while it is unreachable");
    }
}

/// Where a person reaches this server: its public URL when set, else the bound address
/// (a wildcard bind shown as `localhost`).
fn own_base_url(settings: &Settings, port: u16) -> String {
    if let Some(url) = &settings.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = settings
        .bind
        .rsplit_once(':')
        .map_or("127.0.0.1", |(host, _)| host);
    let host = match host {
        "0.0.0.0" | "[::]" | "::" | "" => "localhost",
        other => other,
    };
    format!("http://{host}:{port}")
}
