//! The directory: sites, accounts, memberships, routing profiles, token generations and
//! server secrets.

use super::new_site;
use shopchat::domain::{Email, Origin, Role, SiteId};
use shopchat::store::{NewAgent, StoreError, prelude::*};
use std::sync::Arc;

store_contract!(
    accounts_are_unique_by_email_and_join_existing_sites_only,
    a_secret_is_generated_once_and_then_kept,
    sites_are_found_by_key_and_renamed_keeping_their_key,
    a_password_change_replaces_the_hash_and_clears_the_forced_change,
    memberships_are_added_changed_and_removed_keeping_a_last_owner,
    routing_profiles_belong_to_a_membership,
    token_generation_moves_with_password_changes_only,
);

/// An email belongs to one account; an account can only join sites that exist.
async fn accounts_are_unique_by_email_and_join_existing_sites_only(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let email = Email::parse("a@b.example").unwrap();
    let new = NewAgent {
        email: email.clone(),
        display_name: "A".into(),
        password_hash: "$argon2id$fake".into(),
        must_change_password: false,
        memberships: vec![(site.clone(), Role::Agent)],
    };
    let agent = store.create_agent(new.clone()).await.unwrap();
    assert!(matches!(
        store.create_agent(new.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    let mut nowhere = new;
    nowhere.email = Email::parse("c@d.example").unwrap();
    nowhere.memberships = vec![(SiteId::generate(), Role::Agent)];
    assert!(matches!(
        store.create_agent(nowhere).await,
        Err(StoreError::NotFound(_))
    ));
    let memberships = store.memberships(&agent.id).await.unwrap();
    assert_eq!(
        (memberships[0].site_id.clone(), memberships[0].role),
        (site.clone(), Role::Agent)
    );
    assert_eq!(
        store
            .agent_credentials(&email)
            .await
            .unwrap()
            .unwrap()
            .agent
            .id,
        agent.id
    );
}

/// A secret is created by the first caller and the same for every later one; `ping` answers.
async fn a_secret_is_generated_once_and_then_kept(store: Arc<dyn Store>) {
    assert_eq!(store.server_value("s").await.unwrap(), None);
    let a = store.secret("s", "one".into()).await.unwrap();
    let b = store.secret("s", "two".into()).await.unwrap();
    assert_eq!(
        store.server_value("s").await.unwrap().as_deref(),
        Some("one")
    );
    assert_eq!((a.as_str(), b.as_str()), ("one", "one"));
    store.ping().await.unwrap();
}

/// Sites by id and public key, renamed and given new origins; the key stays.
async fn sites_are_found_by_key_and_renamed_keeping_their_key(store: Arc<dyn Store>) {
    let site_id = new_site(store.as_ref()).await;
    let site = store.site(&site_id).await.unwrap().unwrap();
    assert_eq!(
        store.site_by_public_key(&site.public_key).await.unwrap(),
        Some(site.clone())
    );
    assert!(store.site_by_public_key("pk_nope").await.unwrap().is_none());
    assert!(store.list_sites().await.unwrap().contains(&site));
    let origin = Origin::parse("https://new.example").unwrap();
    let renamed = store
        .update_site(&site_id, Some("Renamed".into()), Some(vec![origin.clone()]))
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.origins.clone()),
        ("Renamed", vec![origin])
    );
    assert_eq!(renamed.public_key, site.public_key, "the key stays");
    assert_eq!(store.site(&site_id).await.unwrap(), Some(renamed));
    assert!(matches!(
        store
            .update_site(&SiteId::generate(), Some("x".into()), None)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

/// A new password replaces the hash and clears "must change password"; unknown accounts are
/// `NotFound`.
async fn a_password_change_replaces_the_hash_and_clears_the_forced_change(store: Arc<dyn Store>) {
    let site_id = new_site(store.as_ref()).await;
    let agent = store
        .create_agent(NewAgent {
            email: Email::parse("settings@x.example").unwrap(),
            display_name: "S".into(),
            password_hash: "old".into(),
            must_change_password: true,
            memberships: vec![(site_id.clone(), Role::Owner)],
        })
        .await
        .unwrap();
    store
        .set_password(&agent.id, "new".into(), false)
        .await
        .unwrap();
    let creds = store
        .agent_credentials(&agent.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "new");
    assert!(!creds.agent.must_change_password);
    let missing = shopchat::domain::AgentId::generate();
    assert!(matches!(
        store.set_password(&missing, "x".into(), false).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.agent(&missing).await.unwrap().is_none());
}

/// Members are added once, change role and leave, and a site always keeps an owner.
async fn memberships_are_added_changed_and_removed_keeping_a_last_owner(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let account = |email: &str, role: Role| NewAgent {
        email: Email::parse(email).unwrap(),
        display_name: "T".into(),
        password_hash: "x".into(),
        must_change_password: false,
        memberships: vec![(site.clone(), role)],
    };
    let owner = store
        .create_agent(account("team-owner@x.example", Role::Owner))
        .await
        .unwrap();
    let mut loner = account("team-agent@x.example", Role::Agent);
    loner.memberships.clear();
    let agent = store.create_agent(loner).await.unwrap();

    store
        .add_membership(&agent.id, &site, Role::Agent)
        .await
        .unwrap();
    assert!(matches!(
        store.add_membership(&agent.id, &site, Role::Owner).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.set_role(&site, &owner.id, Role::Agent).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.remove_membership(&site, &owner.id).await,
        Err(StoreError::Conflict(_))
    ));
    store.set_role(&site, &agent.id, Role::Owner).await.unwrap();
    store.set_role(&site, &owner.id, Role::Agent).await.unwrap();
    assert!(store.remove_membership(&site, &owner.id).await.unwrap());
    assert!(!store.remove_membership(&site, &owner.id).await.unwrap());
    assert!(matches!(
        store.set_role(&site, &owner.id, Role::Owner).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.memberships(&owner.id).await.unwrap().is_empty());
    let roles: Vec<Role> = store
        .site_agents(&site)
        .await
        .unwrap()
        .iter()
        .map(|m| m.role)
        .collect();
    assert_eq!(roles, [Role::Owner]);
}

/// Routing profiles (capacity, skills) belong to a membership: setting one site's leaves the
/// account's other sites as they were, a new membership starts with the default, and a
/// membership removed and added again starts over.
async fn routing_profiles_belong_to_a_membership(store: Arc<dyn Store>) {
    use shopchat::store::RoutingProfile;
    let (a, b) = (
        new_site(store.as_ref()).await,
        new_site(store.as_ref()).await,
    );
    let agent = store
        .create_agent(NewAgent {
            email: Email::parse("profiles@x.example").unwrap(),
            display_name: "P".into(),
            password_hash: "h".into(),
            must_change_password: false,
            memberships: vec![(b.clone(), Role::Agent)],
        })
        .await
        .unwrap();
    let on_b = RoutingProfile {
        capacity: 2,
        skills: vec!["returns".into()],
    };
    store
        .set_member_profile(&b, &agent.id, &on_b)
        .await
        .unwrap();
    assert!(
        matches!(
            store
                .set_member_profile(&a, &agent.id, &RoutingProfile::default())
                .await,
            Err(StoreError::NotFound(_))
        ),
        "not a member of a yet"
    );
    store
        .add_membership(&agent.id, &a, Role::Agent)
        .await
        .unwrap();
    let profile_on = |memberships: Vec<shopchat::store::Membership>, site: &SiteId| {
        memberships
            .into_iter()
            .find(|m| &m.site_id == site)
            .map(|m| m.profile)
    };
    assert_eq!(
        profile_on(store.memberships(&agent.id).await.unwrap(), &a),
        Some(RoutingProfile::default()),
        "a new membership starts with the default, not another site's profile"
    );
    let on_a = RoutingProfile {
        capacity: 7,
        skills: vec!["de".into(), "vip".into()],
    };
    store
        .set_member_profile(&a, &agent.id, &on_a)
        .await
        .unwrap();
    let memberships = store.memberships(&agent.id).await.unwrap();
    assert_eq!(profile_on(memberships.clone(), &a), Some(on_a.clone()));
    assert_eq!(
        profile_on(memberships, &b),
        Some(on_b.clone()),
        "b untouched"
    );
    let listed = |site: SiteId| {
        let store = store.clone();
        let id = agent.id.clone();
        async move {
            store
                .site_agents(&site)
                .await
                .unwrap()
                .into_iter()
                .find(|m| m.agent.id == id)
                .map(|m| m.profile)
        }
    };
    assert_eq!(listed(a.clone()).await, Some(on_a));
    assert_eq!(listed(b.clone()).await, Some(on_b));
    assert!(store.remove_membership(&a, &agent.id).await.unwrap());
    store
        .add_membership(&agent.id, &a, Role::Agent)
        .await
        .unwrap();
    assert_eq!(
        listed(a.clone()).await,
        Some(RoutingProfile::default()),
        "removed and added again: starts over"
    );
    assert!(matches!(
        store
            .set_member_profile(
                &a,
                &shopchat::domain::AgentId::generate(),
                &RoutingProfile::default()
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
}

/// An account's token generation starts at 0, moves with every password change (and with
/// nothing else), and is `None` for an account that does not exist.
async fn token_generation_moves_with_password_changes_only(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let agent = store
        .create_agent(NewAgent {
            email: Email::parse("generation@b.example").unwrap(),
            display_name: "G".into(),
            password_hash: "$argon2id$fake".into(),
            must_change_password: true,
            memberships: vec![(site.clone(), Role::Agent)],
        })
        .await
        .unwrap();
    assert_eq!(store.token_generation(&agent.id).await.unwrap(), Some(0));
    store
        .set_password(&agent.id, "$argon2id$other".into(), false)
        .await
        .unwrap();
    assert_eq!(store.token_generation(&agent.id).await.unwrap(), Some(1));
    store
        .set_password(&agent.id, "$argon2id$third".into(), true)
        .await
        .unwrap();
    assert_eq!(store.token_generation(&agent.id).await.unwrap(), Some(2));
    // The password and the flag changed with it; other writes leave the generation alone.
    let creds = store
        .agent_credentials(&agent.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "$argon2id$third");
    assert!(
        creds.agent.must_change_password,
        "a reset must be replaced at login"
    );
    store
        .set_password(&agent.id, "$argon2id$fourth".into(), false)
        .await
        .unwrap();
    let creds = store
        .agent_credentials(&agent.email)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !creds.agent.must_change_password,
        "the account's own choice clears it"
    );
    store.set_role(&site, &agent.id, Role::Owner).await.unwrap();
    assert_eq!(store.token_generation(&agent.id).await.unwrap(), Some(3));
    assert_eq!(
        store
            .token_generation(&shopchat::domain::AgentId::generate())
            .await
            .unwrap(),
        None
    );
}
