//! What the contract tests share: the deadline every wait uses, a fresh store per backend,
//! and the macros that run one behaviour against each backend.

use crate::redis_server::{RedisServer, unique_prefix};
use shopchat::store::Store;
use shopchat::store::redis::RedisStore;
use shopchat::store::sqlite::SqliteStore;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// How long any wait in these tests may take before it is a failure.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A fresh SQLite store in a temp dir that lives as long as it.
pub struct SqliteBackend {
    store: Arc<SqliteStore>,
    _dir: TempDir,
}

impl SqliteBackend {
    /// Opens a store in a new temp dir.
    pub fn open() -> SqliteBackend {
        let dir = TempDir::new().expect("temp dir for the store");
        let store = Arc::new(SqliteStore::open(dir.path()).expect("open the SQLite store"));
        SqliteBackend { store, _dir: dir }
    }

    /// The store as callers hold it.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }
}

/// A fresh Redis store: its own redis-server, under a prefix of its own.
pub struct RedisBackend {
    store: Arc<RedisStore>,
    _server: RedisServer,
}

impl RedisBackend {
    /// Starts a server and connects a store to it.
    pub async fn start() -> RedisBackend {
        let server = RedisServer::start().await;
        let store = RedisStore::connect(&server.url(), &unique_prefix())
            .await
            .expect("connect the Redis store");
        RedisBackend {
            store: Arc::new(store),
            _server: server,
        }
    }

    /// The store as callers hold it.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }
}

/// Runs each named behaviour (an `async fn(Arc<dyn Store>)` of the calling module) once per
/// backend, as the tests `sqlite::<behaviour>` and `redis::<behaviour>`, each on a fresh store.
macro_rules! store_contract {
    ($($behaviour:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let backend = crate::helpers::SqliteBackend::open();
                    super::$behaviour(backend.store()).await;
                }
            )+
        }

        mod redis {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let backend = crate::helpers::RedisBackend::start().await;
                    super::$behaviour(backend.store()).await;
                }
            )+
        }
    };
}
