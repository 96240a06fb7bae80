//! What a fresh install starts with: on a store with no sites, a demo site for this server's
//! own origins, an owner account with a one-time password (shown once — in the log, or with
//! JSON logs in an owner-only file — never a fixed default), starter trigger rules and knowledge-base articles, so the widget, the bot and
//! the dashboard work in the first minute.

mod demo_orders;
mod first_password;

pub use demo_orders::DEMO_CUSTOMER_ID;
pub(crate) use first_password::tidy as tidy_password_file;
pub use first_password::{PASSWORD_FILE, password_file};

use crate::auth::{generate_password, hash_password};
use crate::config::Settings;
use crate::domain::{Email, Origin, Role, random_token};
use crate::store::{NewAgent, NewSite, Store, StoreError};

/// Why the first run could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The store refused a write.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The first owner account could not be made (hashing its password, its email).
    #[error("cannot create the first owner account: {0}")]
    Owner(String),
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

/// The demo site's name (owners may rename it: it is found by [`DEMO_MARKER`]).
pub const DEMO_SITE_NAME: &str = "Demo shop";
/// The server-wide value that holds the demo site's id, so `/demo/` finds it whatever its
/// name.
pub const DEMO_MARKER: &str = "demo-site";
/// The first owner's login.
pub const FIRST_OWNER_EMAIL: &str = "owner@shopchat.local";

/// On a store with no sites: a demo site for this server's own origins and an owner account
/// with a generated password, shown once (see [`first_password`]). Never a fixed default
/// password.
pub(crate) async fn first_run(
    store: &dyn Store,
    settings: &Settings,
    port: u16,
) -> Result<(), SeedError> {
    if !store.list_sites().await?.is_empty() {
        return Ok(());
    }
    // Several nodes may start together on an empty Redis: the first to claim the first run
    // (a secret is first-writer-wins) seeds, the others find the sites made.
    if store.secret("first-run", first_run_claim()).await? != first_run_claim() {
        return Ok(());
    }
    let site = store
        .create_site(NewSite {
            name: DEMO_SITE_NAME.into(),
            origins: own_origins(settings, port),
        })
        .await?;
    store.secret(DEMO_MARKER, site.id.to_string()).await?;
    let password = generate_password();
    let hash = hash_password(password.clone())
        .await
        .map_err(|e| SeedError::Owner(e.to_string()))?;
    let email = Email::parse(FIRST_OWNER_EMAIL).map_err(|e| SeedError::Owner(e.to_string()))?;
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
    demo_orders::seed_demo_orders(store, &site.id, crate::domain::Timestamp::now()).await?;
    first_password::announce(
        settings,
        FIRST_OWNER_EMAIL,
        &password,
        site.id.as_str(),
        &site.public_key,
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
        translations: Default::default(),
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

/// Installs seeded before the demo site was marked found it by its name: mark the site of
/// that name, once, so a later rename keeps `/demo/` working. Nothing when marked already
/// or when no site has the name.
pub(crate) async fn mark_demo_site(store: &dyn Store) -> Result<(), SeedError> {
    if store.server_value(DEMO_MARKER).await?.is_some() {
        return Ok(());
    }
    if let Some(site) = store
        .list_sites()
        .await?
        .into_iter()
        .find(|s| s.name == DEMO_SITE_NAME)
    {
        store.secret(DEMO_MARKER, site.id.to_string()).await?;
    }
    Ok(())
}
