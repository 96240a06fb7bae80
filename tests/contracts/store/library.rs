//! Knowledge-base articles and canned replies.

use super::new_site;
use shopchat::store::{StoreError, prelude::*};
use std::sync::Arc;

store_contract!(
    articles_and_canned_replies_are_scoped_by_site,
    articles_keep_their_versions_in_other_languages,
    canned_replies_keep_their_versions_in_other_languages,
);

/// Articles and canned replies: scoped by site, shortcuts unique per site.
async fn articles_and_canned_replies_are_scoped_by_site(store: Arc<dyn Store>) {
    use shopchat::store::{NewArticle, NewCanned};
    let site = new_site(store.as_ref()).await;
    let other = new_site(store.as_ref()).await;
    let article = store
        .create_article(
            &site,
            NewArticle {
                question: "Shipping?".into(),
                answer: "3 days".into(),
                translations: Default::default(),
            },
        )
        .await
        .unwrap();
    let later = store
        .create_article(
            &site,
            NewArticle {
                question: "Returns?".into(),
                answer: "30 days".into(),
                translations: Default::default(),
            },
        )
        .await
        .unwrap();
    let listed: Vec<_> = store
        .list_articles(&site)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    // Oldest first; two made in the same millisecond go by id.
    let mut expected = [&article, &later];
    expected.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
    assert_eq!(
        listed,
        expected.map(|a| a.id.clone()),
        "oldest first, then by id"
    );
    assert!(store.article(&other, &article.id).await.unwrap().is_none());
    let changed = store
        .update_article(
            &site,
            &article.id,
            NewArticle {
                question: "Shipping time?".into(),
                answer: "2 days".into(),
                translations: Default::default(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (changed.answer.as_str(), changed.created_at),
        ("2 days", article.created_at)
    );
    assert_eq!(
        store.article(&site, &article.id).await.unwrap(),
        Some(changed)
    );
    assert!(matches!(
        store
            .update_article(
                &other,
                &article.id,
                NewArticle {
                    question: "x".into(),
                    answer: "y".into(),
                    translations: Default::default(),
                }
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(!store.delete_article(&other, &article.id).await.unwrap());
    assert!(store.delete_article(&site, &article.id).await.unwrap());
    assert!(!store.delete_article(&site, &article.id).await.unwrap());

    let canned = |shortcut: &str| NewCanned {
        shortcut: shortcut.into(),
        title: None,
        body: format!("body of {shortcut}"),
        translations: Default::default(),
    };
    let thanks = store.create_canned(&site, canned("thanks")).await.unwrap();
    let hello = store.create_canned(&site, canned("hello")).await.unwrap();
    assert!(matches!(
        store.create_canned(&site, canned("thanks")).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .create_canned(&other, canned("thanks"))
        .await
        .expect("shortcuts are per site");
    let shortcuts: Vec<String> = store
        .list_canned(&site)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.shortcut)
        .collect();
    assert_eq!(shortcuts, ["hello", "thanks"], "ordered by shortcut");
    assert!(matches!(
        store
            .update_canned(&site, &hello.id, canned("thanks"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let mut same = canned("hello");
    same.title = Some("Greeting".into());
    let kept = store.update_canned(&site, &hello.id, same).await.unwrap();
    assert_eq!(kept.title.as_deref(), Some("Greeting"));
    // Renaming frees the old shortcut.
    store
        .update_canned(&site, &hello.id, canned("hi"))
        .await
        .unwrap();
    store
        .create_canned(&site, canned("hello"))
        .await
        .expect("the old shortcut is free again");
    assert!(matches!(
        store.update_canned(&other, &hello.id, canned("x")).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.canned(&other, &thanks.id).await.unwrap().is_none());
    assert!(store.delete_canned(&site, &thanks.id).await.unwrap());
    assert!(!store.delete_canned(&site, &thanks.id).await.unwrap());
    store
        .create_canned(&site, canned("thanks"))
        .await
        .expect("a deleted reply frees its shortcut");
}

/// Issue 20: an article's versions in other languages are kept, replaced with it, and read
/// back alike by both stores.
async fn articles_keep_their_versions_in_other_languages(store: Arc<dyn Store>) {
    use shopchat::store::{ArticleText, NewArticle};
    let site = new_site(store.as_ref()).await;
    let version = |question: &str, answer: &str| ArticleText {
        question: question.into(),
        answer: answer.into(),
    };
    let article = store
        .create_article(
            &site,
            NewArticle {
                question: "How long does shipping take?".into(),
                answer: "2 to 4 days.".into(),
                translations: [
                    (
                        "fr".to_owned(),
                        version("Délai de livraison ?", "2 à 4 jours."),
                    ),
                    (
                        "de".to_owned(),
                        version("Wie lange dauert der Versand?", "2 bis 4 Tage."),
                    ),
                ]
                .into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(article.translations["fr"].answer, "2 à 4 jours.");
    let read = store.article(&site, &article.id).await.unwrap().unwrap();
    assert_eq!(read, article, "read back as written");
    assert_eq!(
        store.list_articles(&site).await.unwrap(),
        vec![article.clone()]
    );

    // Replacing an article replaces its versions: one dropped, one changed.
    let changed = store
        .update_article(
            &site,
            &article.id,
            NewArticle {
                question: "How long does shipping take?".into(),
                answer: "1 to 3 days.".into(),
                translations: [(
                    "fr".to_owned(),
                    version("Délai de livraison ?", "1 à 3 jours."),
                )]
                .into(),
            },
        )
        .await
        .unwrap();
    let read = store.article(&site, &article.id).await.unwrap().unwrap();
    assert_eq!(read, changed);
    assert_eq!(read.translations.len(), 1, "German is gone: {read:?}");
    assert_eq!(read.translations["fr"].answer, "1 à 3 jours.");
}

/// Issue 20: a canned reply's versions in other languages are kept and replaced with it.
async fn canned_replies_keep_their_versions_in_other_languages(store: Arc<dyn Store>) {
    use shopchat::store::NewCanned;
    let site = new_site(store.as_ref()).await;
    let reply = |body: &str, french: Option<&str>| NewCanned {
        shortcut: "hi".into(),
        title: None,
        body: body.into(),
        translations: french
            .map(|f| [("fr".to_owned(), f.to_owned())].into())
            .unwrap_or_default(),
    };
    let created = store
        .create_canned(&site, reply("Hello!", Some("Bonjour !")))
        .await
        .unwrap();
    assert_eq!(created.translations["fr"], "Bonjour !");
    assert_eq!(
        store.canned(&site, &created.id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(
        store.list_canned(&site).await.unwrap(),
        vec![created.clone()]
    );
    let changed = store
        .update_canned(&site, &created.id, reply("Hi!", Some("Salut !")))
        .await
        .unwrap();
    assert_eq!(changed.translations["fr"], "Salut !");
    assert_eq!(
        store.canned(&site, &created.id).await.unwrap(),
        Some(changed)
    );
    let cleared = store
        .update_canned(&site, &created.id, reply("Hi!", None))
        .await
        .unwrap();
    assert!(cleared.translations.is_empty());
    assert_eq!(
        store.canned(&site, &created.id).await.unwrap(),
        Some(cleared)
    );
}
