//! The file back end contract: what attachments need of a `FileStore`, run against the data
//! dir (`files::data_dir::…`) and a real S3-compatible server, s3s-fs (`files::s3::…`).
//! Bytes come back as stored, metadata is kept beside them, a conversation's files go
//! together and no other's with them, and the sweep deletes only old unused uploads.

use crate::common::s3::S3Server;
use bytes::Bytes;
use shopchat::domain::{ConversationId, FileId, SiteId, Timestamp};
use shopchat::files::{FileKey, FileMeta, FileStore};

macro_rules! files_contract {
    ($($behaviour:ident),+ $(,)?) => {
        mod data_dir {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let dir = tempfile::TempDir::new().unwrap();
                    let files = shopchat::files::FileStore::data_dir(&dir.path().join("files")).unwrap();
                    super::$behaviour(files).await;
                }
            )+
        }

        mod s3 {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let server = crate::common::s3::S3Server::start().await;
                    let dir = tempfile::TempDir::new().unwrap();
                    let files = shopchat::files::FileStore::from_settings(&server.settings(), dir.path()).unwrap();
                    super::$behaviour(files).await;
                }
            )+
        }
    };
}

files_contract!(
    bytes_and_metadata_come_back_as_stored,
    a_conversations_files_are_deleted_together_and_no_others,
    the_sweep_deletes_old_unused_uploads_only,
    a_thumbnail_comes_back_and_goes_with_its_file,
);

fn key(site: &SiteId, conversation: &ConversationId) -> FileKey {
    FileKey {
        site: site.clone(),
        conversation: conversation.clone(),
        file: FileId::generate(),
    }
}

fn meta(created: i64) -> FileMeta {
    FileMeta {
        name: "jacket photo.png".into(),
        content_type: "image/png".into(),
        size: 3,
        uploader: "v_abcdefgh12".into(),
        created: Timestamp(created),
        used_by: None,
        thumb: None,
    }
}

/// Every byte value, so an encoding or text conversion anywhere would show.
fn all_bytes() -> Bytes {
    Bytes::from((0..=255u8).cycle().take(70_000).collect::<Vec<u8>>())
}

async fn bytes_and_metadata_come_back_as_stored(files: FileStore) {
    let (site, conv) = (SiteId::generate(), ConversationId::generate());
    let k = key(&site, &conv);
    assert!(files.get(&k).await.unwrap().is_none(), "nothing yet");
    files.put(&k, all_bytes(), &meta(1)).await.unwrap();
    let (bytes, stored) = files.get(&k).await.unwrap().unwrap();
    assert_eq!(bytes, all_bytes());
    assert_eq!(stored, meta(1));

    let mut used = meta(1);
    used.used_by = Some("v_abcdefgh12:m-1".into());
    files.put_meta(&k, &used).await.unwrap();
    assert_eq!(files.meta(&k).await.unwrap(), Some(used));
    // The same file id under another conversation is another file (none).
    let elsewhere = FileKey {
        conversation: ConversationId::generate(),
        ..k.clone()
    };
    assert!(files.get(&elsewhere).await.unwrap().is_none());
    assert_eq!(FileKey::from_link_id(&k.link_id()), Some(k));
}

async fn a_conversations_files_are_deleted_together_and_no_others(files: FileStore) {
    let site = SiteId::generate();
    let (gone, kept) = (ConversationId::generate(), ConversationId::generate());
    let (a, b, c) = (key(&site, &gone), key(&site, &gone), key(&site, &kept));
    for k in [&a, &b, &c] {
        files
            .put(k, Bytes::from_static(b"abc"), &meta(1))
            .await
            .unwrap();
    }
    let mut listed = files.conversations().await.unwrap();
    listed.sort_by(|x, y| x.1.cmp(&y.1));
    let mut expected = vec![(site.clone(), gone.clone()), (site.clone(), kept.clone())];
    expected.sort_by(|x, y| x.1.cmp(&y.1));
    assert_eq!(listed, expected);

    // Two files, each with its metadata.
    assert_eq!(files.delete_conversation(&site, &gone).await.unwrap(), 4);
    assert!(files.get(&a).await.unwrap().is_none());
    assert!(files.get(&b).await.unwrap().is_none());
    assert!(files.get(&c).await.unwrap().is_some());
    assert_eq!(files.delete_conversation(&site, &gone).await.unwrap(), 0);
}

async fn the_sweep_deletes_old_unused_uploads_only(files: FileStore) {
    let (site, conv) = (SiteId::generate(), ConversationId::generate());
    let (old_unused, old_used, new_unused) =
        (key(&site, &conv), key(&site, &conv), key(&site, &conv));
    files
        .put(&old_unused, Bytes::from_static(b"abc"), &meta(1_000))
        .await
        .unwrap();
    let mut used = meta(1_000);
    used.used_by = Some("ag_abcdefgh12:x".into());
    files
        .put(&old_used, Bytes::from_static(b"abc"), &used)
        .await
        .unwrap();
    files
        .put(&new_unused, Bytes::from_static(b"abc"), &meta(9_000))
        .await
        .unwrap();
    assert_eq!(files.sweep_unused(Timestamp(5_000)).await.unwrap(), 1);
    assert!(files.get(&old_unused).await.unwrap().is_none());
    assert!(files.get(&old_used).await.unwrap().is_some());
    assert!(files.get(&new_unused).await.unwrap().is_some());
}

/// A thumbnail is found through its file's metadata, and the sweep of an unused upload and
/// the erasure of a conversation delete it with the file.
async fn a_thumbnail_comes_back_and_goes_with_its_file(files: FileStore) {
    let (site, conv) = (SiteId::generate(), ConversationId::generate());
    let (swept, erased) = (key(&site, &conv), key(&site, &conv));
    let mut with_thumb = meta(1_000);
    with_thumb.thumb = Some("image/jpeg".into());
    for k in [&swept, &erased] {
        files
            .put_thumb(k, Bytes::from_static(b"small"))
            .await
            .unwrap();
        files.put(k, all_bytes(), &with_thumb).await.unwrap();
    }
    assert_eq!(
        files.thumb(&swept).await.unwrap(),
        Some((Bytes::from_static(b"small"), "image/jpeg".to_owned()))
    );
    let plain = key(&site, &conv);
    files.put(&plain, all_bytes(), &meta(9_000)).await.unwrap();
    assert_eq!(
        files.thumb(&plain).await.unwrap(),
        None,
        "no thumbnail made"
    );

    let mut used = with_thumb.clone();
    used.used_by = Some("v_abcdefgh12:m-1".into());
    files.put_meta(&erased, &used).await.unwrap();
    assert_eq!(files.sweep_unused(Timestamp(5_000)).await.unwrap(), 1);
    assert_eq!(files.thumb(&swept).await.unwrap(), None);
    assert!(
        files.thumb(&erased).await.unwrap().is_some(),
        "a used file keeps it"
    );
    // The conversation's erasure: both files, two metadata, one thumbnail.
    assert_eq!(files.delete_conversation(&site, &conv).await.unwrap(), 5);
    assert_eq!(files.thumb(&erased).await.unwrap(), None);
}

/// The bucket's secret is checked (s3s-fs verifies SigV4): a wrong one stores nothing.
#[tokio::test]
async fn s3_refuses_a_wrong_secret() {
    let server = S3Server::start().await;
    let dir = tempfile::TempDir::new().unwrap();
    let wrong =
        FileStore::from_settings(&server.settings_with_secret("wrong"), dir.path()).unwrap();
    let k = key(&SiteId::generate(), &ConversationId::generate());
    assert!(
        wrong
            .put(&k, Bytes::from_static(b"abc"), &meta(1))
            .await
            .is_err()
    );
}
