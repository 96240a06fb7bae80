//! An account changing its own display name and login email (`update_account`): the email
//! index moves with the record, another account's email is refused, and nothing else about
//! the account (password, token generation, memberships) changes. The avatar's path changes
//! the same way.

use super::new_site;
use shopchat::domain::{AgentId, Email, Role};
use shopchat::store::{AccountChange, NewAgent, StoreError, prelude::*};
use std::sync::Arc;

store_contract!(
    an_avatar_is_set_read_back_and_removed,
    a_rename_keeps_everything_else,
    an_email_change_moves_the_login_and_frees_the_old_address,
    another_accounts_email_is_refused_and_changes_nothing,
);

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

async fn account(store: &dyn Store, site: &shopchat::domain::SiteId, address: &str) -> AgentId {
    store
        .create_agent(NewAgent {
            email: email(address),
            display_name: "Owner".into(),
            password_hash: format!("$argon2id$fake-{address}"),
            must_change_password: false,
            memberships: vec![(site.clone(), Role::Owner)],
        })
        .await
        .unwrap()
        .id
}

/// A new name is what every read gives back; the password, the token generation and the
/// memberships stay; an unknown account is `NotFound`.
async fn a_rename_keeps_everything_else(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let id = account(store.as_ref(), &site, "a@x.example").await;
    store
        .set_password(&id, "$argon2id$new".into(), false)
        .await
        .unwrap();
    let generation = store.token_generation(&id).await.unwrap();
    let change = AccountChange {
        display_name: Some("Ana Lima".into()),
        email: None,
        avatar: None,
    };
    let changed = store.update_account(&id, &change).await.unwrap();
    assert_eq!(changed.display_name, "Ana Lima");
    assert_eq!(changed.email, email("a@x.example"));
    assert_eq!(store.agent(&id).await.unwrap(), Some(changed.clone()));
    let creds = store
        .agent_credentials(&email("a@x.example"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.agent, changed);
    assert_eq!(creds.password_hash, "$argon2id$new", "the password stays");
    assert_eq!(store.token_generation(&id).await.unwrap(), generation);
    let team = store.site_agents(&site).await.unwrap();
    assert_eq!(team.len(), 1);
    assert_eq!(
        (team[0].agent.display_name.as_str(), team[0].role),
        ("Ana Lima", Role::Owner)
    );
    assert!(matches!(
        store.update_account(&AgentId::generate(), &change).await,
        Err(StoreError::NotFound(_))
    ));
}

/// After an email change the new address logs in as the same account and the old one finds
/// nobody and is free for a new account; the account's own email is no conflict.
async fn an_email_change_moves_the_login_and_frees_the_old_address(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let id = account(store.as_ref(), &site, "a@x.example").await;
    let same = AccountChange {
        display_name: None,
        email: Some(email("a@x.example")),
        avatar: None,
    };
    store.update_account(&id, &same).await.unwrap();
    let change = AccountChange {
        display_name: Some("Ana".into()),
        email: Some(email("n@x.example")),
        avatar: None,
    };
    let changed = store.update_account(&id, &change).await.unwrap();
    assert_eq!(
        (changed.display_name.as_str(), changed.email.clone()),
        ("Ana", email("n@x.example"))
    );
    assert!(
        store
            .agent_credentials(&email("a@x.example"))
            .await
            .unwrap()
            .is_none()
    );
    let creds = store
        .agent_credentials(&email("n@x.example"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.agent.id, id);
    assert_eq!(creds.password_hash, "$argon2id$fake-a@x.example");
    assert_eq!(store.memberships(&id).await.unwrap()[0].site_id, site);
    let again = account(store.as_ref(), &site, "a@x.example").await;
    assert_ne!(again, id, "the old address is free for a new account");
    let reuse = store
        .create_agent(NewAgent {
            email: email("n@x.example"),
            display_name: "Other".into(),
            password_hash: "h".into(),
            must_change_password: false,
            memberships: vec![],
        })
        .await;
    assert!(
        matches!(reuse, Err(StoreError::Conflict(_))),
        "the new one is taken"
    );
}

/// Taking another account's email is a `Conflict` that writes nothing: neither the name
/// beside it nor either account's login moves.
async fn another_accounts_email_is_refused_and_changes_nothing(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let a = account(store.as_ref(), &site, "a@x.example").await;
    let b = account(store.as_ref(), &site, "b@x.example").await;
    let b_before = store.agent(&b).await.unwrap();
    let change = AccountChange {
        display_name: Some("Thief".into()),
        email: Some(email("b@x.example")),
        avatar: None,
    };
    assert!(matches!(
        store.update_account(&a, &change).await,
        Err(StoreError::Conflict(_))
    ));
    let a_now = store.agent(&a).await.unwrap().unwrap();
    assert_eq!(
        (a_now.display_name.as_str(), a_now.email.clone()),
        ("Owner", email("a@x.example"))
    );
    assert_eq!(store.agent(&b).await.unwrap(), b_before);
    let login = |address: &'static str| {
        let store = store.clone();
        async move {
            store
                .agent_credentials(&email(address))
                .await
                .unwrap()
                .map(|c| c.agent.id)
        }
    };
    assert_eq!(login("a@x.example").await, Some(a));
    assert_eq!(login("b@x.example").await, Some(b));
}

/// An avatar's path is what every read gives back (the account, the site's agents, a login);
/// a change without `avatar` keeps it; `Some(None)` removes it.
async fn an_avatar_is_set_read_back_and_removed(store: Arc<dyn Store>) {
    let site = new_site(store.as_ref()).await;
    let id = account(store.as_ref(), &site, "a@x.example").await;
    assert_eq!(store.agent(&id).await.unwrap().unwrap().avatar, None);
    let path = format!("/avatars/{id}/abcdefgh12345678");
    let set = AccountChange {
        avatar: Some(Some(path.clone())),
        ..AccountChange::default()
    };
    let changed = store.update_account(&id, &set).await.unwrap();
    assert_eq!(changed.avatar.as_deref(), Some(path.as_str()));
    assert_eq!(store.agent(&id).await.unwrap(), Some(changed.clone()));
    let listed = store.site_agents(&site).await.unwrap();
    assert_eq!(listed[0].agent.avatar.as_deref(), Some(path.as_str()));
    let creds = store
        .agent_credentials(&email("a@x.example"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.agent.avatar.as_deref(), Some(path.as_str()));
    let rename = AccountChange {
        display_name: Some("Ana".into()),
        ..AccountChange::default()
    };
    let renamed = store.update_account(&id, &rename).await.unwrap();
    assert_eq!(
        renamed.avatar.as_deref(),
        Some(path.as_str()),
        "a rename keeps it"
    );
    let remove = AccountChange {
        avatar: Some(None),
        ..AccountChange::default()
    };
    let removed = store.update_account(&id, &remove).await.unwrap();
    assert_eq!(removed.avatar, None);
    assert_eq!(store.agent(&id).await.unwrap().unwrap().avatar, None);
}
