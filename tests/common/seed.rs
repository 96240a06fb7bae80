//! The data a test server starts with, written into its data dir before it starts. The one
//! file of the harness that names the store: first-run data has no HTTP entry point.

use super::{OWNER_EMAIL, PASSWORD, SHOP_ORIGIN};
use shopchat::auth::hash_password;
use shopchat::domain::{Email, Origin, Role};
use shopchat::store::sqlite::SqliteStore;
use shopchat::store::{NewAgent, NewSite, prelude::*};
use std::path::Path;

/// Accounts and sites seeded before the server starts.
#[derive(Clone, Debug)]
pub struct Seed {
    /// The seeded site, the one every helper of `TestApp` works on.
    pub site_id: String,
    /// Its public key, what shoppers connect with.
    pub public_key: String,
    /// The neighbours' site: isolation tests check nothing crosses over.
    pub other_site_id: String,
    /// Its public key.
    pub other_public_key: String,
    /// Owner of `site_id`.
    pub owner_email: String,
    /// Agent of `other_site_id` only.
    pub outsider_email: String,
    /// A plain agent (not an owner) of `site_id`.
    pub agent_email: String,
}

impl Seed {
    /// A data dir seeded some other way (the CLI, first-run demo data): one site and maybe its
    /// owner (`""` for none); the fields of the standard seed's neighbours stay empty.
    pub fn only(site_id: &str, public_key: &str, owner_email: &str) -> Seed {
        Seed {
            site_id: site_id.into(),
            public_key: public_key.into(),
            other_site_id: String::new(),
            other_public_key: String::new(),
            owner_email: owner_email.into(),
            outsider_email: String::new(),
            agent_email: String::new(),
        }
    }
}

/// What to seed: the API tests' two shops and three accounts, or a browser test's one shop
/// on its own origins with only its owner.
#[derive(Clone, Debug)]
pub struct SeedPlan {
    /// The site's name, as agents see it.
    pub site_name: String,
    /// The origins whose pages may run the widget.
    pub origins: Vec<String>,
    /// The owner's display name, as shoppers see it; no owner without one.
    pub owner_name: Option<String>,
    /// Also a second site with its own agent, and a plain agent of the first site: what
    /// isolation and role tests need.
    pub neighbours: bool,
    /// Accounts beyond the standard ones, created last.
    pub extra_accounts: Vec<Account>,
}

/// One more account for a test that needs it.
#[derive(Clone, Debug)]
pub struct Account {
    /// Login email.
    pub email: &'static str,
    /// Display name, as shoppers see it.
    pub name: &'static str,
    /// A member of the second site (the neighbours' site) instead of the first.
    pub on_other_site: bool,
    /// Owner rather than plain agent.
    pub owner: bool,
}

impl SeedPlan {
    /// The API tests' seed: "Shop" on [`SHOP_ORIGIN`] with its owner and agent, and "Other shop"
    /// with an outsider.
    pub fn standard() -> SeedPlan {
        SeedPlan {
            site_name: "Shop".into(),
            origins: vec![SHOP_ORIGIN.into()],
            owner_name: Some("owner".into()),
            neighbours: true,
            extra_accounts: Vec::new(),
        }
    }

    /// The standard seed and `accounts` besides.
    pub fn standard_and(accounts: Vec<Account>) -> SeedPlan {
        SeedPlan {
            extra_accounts: accounts,
            ..SeedPlan::standard()
        }
    }

    /// One site named `name` allowing exactly `origins`, and its owner Ann.
    pub fn shop(name: &str, origins: &[String]) -> SeedPlan {
        SeedPlan {
            site_name: name.into(),
            origins: origins.to_vec(),
            owner_name: Some("Ann".into()),
            neighbours: false,
            extra_accounts: Vec::new(),
        }
    }
}

/// The standard seed (two sites and three accounts), written before the server starts.
pub async fn seed(data_dir: &Path) -> Seed {
    seed_plan(data_dir, &SeedPlan::standard()).await
}

/// Seeds `plan` into `data_dir`; every account has [`PASSWORD`].
pub async fn seed_plan(data_dir: &Path, plan: &SeedPlan) -> Seed {
    let store = SqliteStore::open(data_dir).expect("open store");
    store
        .secret("files", super::FILES_SECRET.into())
        .await
        .expect("seed the files secret");
    let site = create_site(&store, &plan.site_name, &plan.origins).await;
    let owner_email = if plan.owner_name.is_some() {
        OWNER_EMAIL
    } else {
        ""
    };
    let mut seed = Seed::only(&site.id.to_string(), &site.public_key, owner_email);
    let other = if plan.neighbours {
        let other = create_site(&store, "Other shop", &["https://other.example".into()]).await;
        seed.other_site_id = other.id.to_string();
        seed.other_public_key = other.public_key.clone();
        seed.outsider_email = "outsider@other.example".into();
        seed.agent_email = "bob@shop.example".into();
        Some(other)
    } else {
        None
    };
    let mut accounts = Vec::new();
    if let Some(name) = &plan.owner_name {
        accounts.push((OWNER_EMAIL, name.as_str(), &site.id, Role::Owner));
    }
    if let Some(other) = &other {
        accounts.push(("outsider@other.example", "outsider", &other.id, Role::Agent));
        accounts.push(("bob@shop.example", "bob", &site.id, Role::Agent));
    }
    for extra in &plan.extra_accounts {
        let site_id = match (&other, extra.on_other_site) {
            (Some(other), true) => &other.id,
            (None, true) => panic!("{} is for the other site, which is not seeded", extra.email),
            (_, false) => &site.id,
        };
        let role = if extra.owner {
            Role::Owner
        } else {
            Role::Agent
        };
        accounts.push((extra.email, extra.name, site_id, role));
    }
    if accounts.is_empty() {
        store.close().await;
        return seed;
    }
    // One hash for every account: argon2 is the slow part of seeding.
    let hash = hash_password(PASSWORD.into()).await.expect("hash password");
    for (email, name, site_id, role) in accounts {
        store
            .create_agent(NewAgent {
                email: Email::parse(email).expect("seeded email"),
                display_name: name.into(),
                password_hash: hash.clone(),
                must_change_password: false,
                memberships: vec![(site_id.clone(), role)],
            })
            .await
            .expect("seed account");
    }
    store.close().await;
    seed
}

/// One site with `name` and `origins`, as the CLI's `site create` makes it.
async fn create_site(store: &SqliteStore, name: &str, origins: &[String]) -> shopchat::store::Site {
    store
        .create_site(NewSite {
            name: name.into(),
            origins: origins
                .iter()
                .map(|o| Origin::parse(o).expect("seeded origin"))
                .collect(),
        })
        .await
        .expect("seed site")
}

/// The first owner's one-time password from the owner-only file a first start with JSON logs
/// writes (JSON logs name the file in `password_file`, never the password).
pub fn first_owner_password(file: &Path) -> String {
    let written = std::fs::read_to_string(file).expect("the first owner's password file");
    written
        .lines()
        .find_map(|l| l.strip_prefix("password="))
        .expect("the file holds the password")
        .to_owned()
}
