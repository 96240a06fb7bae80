//! Builds the server from settings: opens the store, loads or makes the secrets, seeds a
//! first-run demo site and owner, binds the listener and wires the routes. [`Application`]
//! knows its port (tests bind port 0) and stops explicitly through a [`Shutdown`] handle.

use crate::auth::{JwtKeys, SessionKey, generate_password, hash_password};
use crate::bus::{Bus, MemoryBus, RedisBus};
use crate::chat::{ChatParts, ChatService};
use crate::config::Settings;
use crate::domain::{Email, Origin, Role, random_token};
use crate::hub::Hub;
use crate::state::AppState;
use crate::store::redis::RedisStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{NewAgent, NewSite, Store, StoreError};
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::sync::Arc;
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
    /// The first-run owner password could not be hashed.
    #[error("cannot create the first owner account: {0}")]
    Owner(String),
    /// The Redis bus could not subscribe.
    #[error("cannot start the Redis bus: {0}")]
    Bus(#[from] crate::bus::BusError),
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
}

/// The origins a server on `port` is reached from in a local browser.
fn own_origins(settings: &Settings, port: u16) -> Vec<Origin> {
    let configured = settings
        .public_url
        .as_deref()
        .map(|u| u.trim_end_matches('/').to_owned());
    let local = ["localhost", "127.0.0.1"].map(|host| format!("http://{host}:{port}"));
    let mut origins: Vec<Origin> = Vec::new();
    for candidate in configured.into_iter().chain(local) {
        if let Ok(o) = Origin::parse(&candidate)
            && !origins.contains(&o)
        {
            origins.push(o);
        }
    }
    origins
}

/// This process's claim to seed a fresh store: random, the same for every call.
fn first_run_claim() -> String {
    static CLAIM: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CLAIM.get_or_init(|| random_token(24)).clone()
}

/// The demo site's name; also how it is found again.
pub const DEMO_SITE_NAME: &str = "Demo shop";
/// The first owner's login.
pub const FIRST_OWNER_EMAIL: &str = "owner@shopchat.local";

/// On a store with no sites: a demo site for this server's own origins and an owner account
/// with a generated password, logged once. Never a fixed default password.
async fn seed_first_run(
    store: &dyn Store,
    settings: &Settings,
    port: u16,
) -> Result<(), StartupError> {
    if !store.list_sites().await?.is_empty() {
        return Ok(());
    }
    // Several nodes may start together on an empty Redis: the first to claim the first run
    // (a secret is first-writer-wins) seeds, the others find the sites made.
    if store.secret("first-run", first_run_claim).await? != first_run_claim() {
        return Ok(());
    }
    let site = store
        .create_site(NewSite {
            name: DEMO_SITE_NAME.into(),
            origins: own_origins(settings, port),
        })
        .await?;
    let password = generate_password();
    let hash = hash_password(password.clone())
        .await
        .map_err(|e| StartupError::Owner(e.to_string()))?;
    let email = Email::parse(FIRST_OWNER_EMAIL).map_err(|e| StartupError::Owner(e.to_string()))?;
    store
        .create_agent(NewAgent {
            email,
            display_name: "Owner".into(),
            password_hash: hash,
            must_change_password: true,
            memberships: vec![(site.id.clone(), Role::Owner)],
        })
        .await?;
    for spec in starter_rules() {
        let id = crate::domain::RuleId::generate();
        // The starter set is checked by a unit test; a failure here would be a bug in it.
        if let Ok(rule) = crate::triggers::Rule::from_json(id.clone(), &spec) {
            let mut normalised = rule.spec;
            if let Some(fields) = normalised.as_object_mut() {
                fields.remove("id");
            }
            store.save_rule(&site.id, &id, normalised).await?;
        }
    }
    for article in starter_articles() {
        store.create_article(&site.id, article).await?;
    }
    tracing::warn!(
        email = FIRST_OWNER_EMAIL,
        password = %password,
        site_id = %site.id,
        public_key = %site.public_key,
        "first start: created the demo site and an owner account; this one-time password is shown only now"
    );
    Ok(())
}

/// The demo site's knowledge base, so its bot has something to answer from the first minute;
/// an owner replaces these with the shop's own.
pub fn starter_articles() -> Vec<crate::store::NewArticle> {
    [
        (
            // Phrased the way shoppers ask ("when will my delivery arrive?"), not only as the
            // shop would title it: the bot matches words, not meanings.
            "How long do shipping and delivery take? When will my order arrive?",
            "Orders placed before 2 pm ship the same day; delivery takes 2 to 4 working days.",
        ),
        (
            "Can I return an item?",
            "Yes: returns are free within 30 days. Start one from your order confirmation email.",
        ),
        (
            "Which size should I choose?",
            "Our sizes run true to size. Each product page has a size chart with measurements.",
        ),
        (
            "Which payment methods do you accept?",
            "Cards (Visa, Mastercard, Amex), PayPal and bank transfer.",
        ),
    ]
    .into_iter()
    .map(|(question, answer)| crate::store::NewArticle {
        question: question.into(),
        answer: answer.into(),
    })
    .collect()
}

/// The demo site's starter rules: what most shops want first, two of them on.
pub fn starter_rules() -> Vec<serde_json::Value> {
    use serde_json::json;
    let product_page = json!({ "any": [
        { "fact": "page.type", "op": "eq", "value": "product" },
        { "fact": "product.sku", "op": "exists" }
    ] });
    vec![
        json!({
            "name": "Product dwell",
            "priority": 10,
            "when": ["page_view", "product_view"],
            "conditions": { "all": [product_page, { "fact": "time_on_page", "op": "gte", "value": 40 }] },
            "actions": [{ "type": "message", "text": "Have a question about {{ product.name or 'this product' }}? I can help with sizes and delivery." }],
            "frequency": { "once_per": "session" },
            "holdout_percent": 10
        }),
        json!({
            "name": "Cart hesitation on checkout",
            "priority": 20,
            "conditions": { "all": [
                { "fact": "page.type", "op": "eq", "value": "checkout" },
                { "fact": "time_on_page", "op": "gte", "value": 90 },
                { "fact": "cart.total", "op": "gte", "value": 100 }
            ] },
            "actions": [{ "type": "message", "text": "Anything holding you back? Your {{ cart.total }} order ships free." }],
            "frequency": { "once_per": "session" }
        }),
        json!({
            "name": "Exit intent with a full cart",
            "enabled": false,
            "priority": 30,
            "when": "exit_intent",
            "conditions": { "fact": "cart.items", "op": "gte", "value": 1 },
            "actions": [
                { "type": "message", "text": "Before you go: your cart is saved. Any questions about delivery or returns?" },
                { "type": "open_widget" }
            ],
            "frequency": { "once_per": "visitor" }
        }),
        json!({
            "name": "Returning visitor",
            "enabled": false,
            "when": "page_view",
            "conditions": { "all": [
                { "fact": "returning", "op": "eq", "value": true },
                { "fact": "pages_this_session", "op": "eq", "value": 1 }
            ] },
            "actions": [{ "type": "message", "text": "Welcome back! Need help finding what you looked at last time?" }],
            "frequency": { "max": 1, "period_secs": 604800 }
        }),
    ]
}

impl Application {
    /// Opens the store, seeds it on first run and binds the listener.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        // Installed before anything records, so no early sample is lost.
        crate::telemetry::metrics_handle();
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind.clone(),
            source,
        })?;
        let bind_err = |source| StartupError::Bind {
            addr: settings.bind.clone(),
            source,
        };
        let port = listener.local_addr().map_err(bind_err)?.port();

        // One node: SQLite in the data dir. Several nodes: everything in Redis, which they share.
        let (store, sqlite): (Arc<dyn Store>, Option<Arc<SqliteStore>>) = match &settings.redis_url
        {
            Some(url) => (
                Arc::new(RedisStore::connect(url, &settings.redis_prefix).await?),
                None,
            ),
            None => {
                let sqlite = Arc::new(SqliteStore::open(&settings.data_dir)?);
                (sqlite.clone(), Some(sqlite))
            }
        };
        seed_first_run(store.as_ref(), &settings, port).await?;

        let jwt_secret = match &settings.jwt_secret {
            Some(secret) => secret.clone(),
            None => store.secret("jwt", || random_token(48)).await?,
        };
        let session_secret = store.secret("session", || random_token(48)).await?;

        let hub = Hub::new();
        let shutdown = CancellationToken::new();
        let bus: Arc<dyn Bus> = match &settings.redis_url {
            Some(url) => {
                Arc::new(RedisBus::connect(url, &settings.redis_prefix, hub.clone()).await?)
            }
            None => Arc::new(MemoryBus::new(hub.clone())),
        };
        let jwt = JwtKeys::new(
            jwt_secret.as_bytes(),
            &settings.jwt_issuer,
            &settings.jwt_audience,
            settings.token_ttl_secs,
        );
        let shared_settings = Arc::new(settings.clone());
        let webhooks = crate::webhooks::Webhooks::start(settings.allow_http_webhooks);
        let chat = ChatService::new(ChatParts {
            store: store.clone(),
            bus: bus.clone(),
            hub: hub.clone(),
            webhooks: webhooks.clone(),
            settings: shared_settings.clone(),
            jwt: jwt.clone(),
            shutdown: shutdown.clone(),
        });
        let state = AppState {
            chat: chat.clone(),
            jwt,
            sessions: SessionKey::new(session_secret.as_bytes()),
            logins: Arc::new(crate::http::auth_routes::LoginBudgets::new(
                &settings.guards,
            )),
            passwords: crate::auth::PasswordJobs::new(settings.guards.password_jobs),
            settings: shared_settings,
            shutdown: shutdown.clone(),
            pending_sockets: crate::ws::PendingSockets::new(
                settings.guards.max_pending_sockets_per_addr,
            ),
            new_visitors: Arc::new(crate::http::Budget::per_minute(
                settings.guards.new_visitors_per_addr_per_min,
            )),
            new_conversations: Arc::new(crate::http::Budget::per_minute(
                settings.guards.new_conversations_per_addr_per_min,
            )),
        };

        // Any node's change to a site's rules, knowledge base or chat settings reaches this
        // node's caches through the bus (its own changes too, by the same path).
        let caches = chat.clone();
        hub.set_invalidator(Box::new(move |site, what| caches.drop_cached(site, what)));
        chat.start_presence();
        chat.start_idle_sweep();
        // One argon2 hash, off the request path: see `dummy_hash`.
        tokio::task::spawn_blocking(crate::http::auth_routes::dummy_hash);
        let data = web::Data::new(state);
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .configure(crate::http::routes)
                .configure(crate::ws::routes)
        })
        .disable_signals()
        .shutdown_timeout(5);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let server = server.listen(listener).map_err(bind_err)?.run();
        tracing::info!(port, data_dir = %settings.data_dir.display(), "shopchat listening");
        Ok(Application {
            port,
            server,
            sqlite,
            shutdown,
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
            ..
        } = self;
        let handle = server.handle();
        let stopper = tokio::spawn(async move {
            shutdown.cancelled().await;
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
