//! Schema migrations, applied in order at start. `PRAGMA user_version` records how many have
//! run; a migration is never edited once released, only followed by a new one.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE sites (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    public_key      TEXT NOT NULL UNIQUE,
    origins         TEXT NOT NULL,          -- JSON array of normalised origins
    identity_secret TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE TABLE agents (
    id                   TEXT PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL
);
CREATE TABLE memberships (
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    site_id  TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('owner', 'agent')),
    PRIMARY KEY (agent_id, site_id)
);
CREATE TABLE visitors (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    state      TEXT NOT NULL,               -- JSON VisitorRecord
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE conversations (
    id               TEXT PRIMARY KEY,
    site_id          TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    visitor_id       TEXT NOT NULL,
    state            TEXT NOT NULL,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    shopper_read_seq INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX conversations_by_visitor ON conversations (site_id, visitor_id, state);
CREATE INDEX conversations_by_site ON conversations (site_id, updated_at);
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_kind     TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    author_id       TEXT NOT NULL,
    text            TEXT NOT NULL,
    client_msg_id   TEXT,
    ts              INTEGER NOT NULL,
    UNIQUE (conversation_id, seq)
);
-- Idempotency: one message per sender and client_msg_id.
CREATE UNIQUE INDEX messages_by_client_id ON messages (author_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;
"#,
    r#"
CREATE TABLE rules (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    spec       TEXT NOT NULL,               -- the rule's JSON, validated on save
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX rules_by_site ON rules (site_id, created_at);
CREATE TABLE rule_funnel (
    rule_id  TEXT NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    held_out INTEGER NOT NULL,
    stage    TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (rule_id, held_out, stage)
);
CREATE TABLE site_settings (
    site_id  TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    triggers TEXT NOT NULL                  -- JSON TriggerSettings
);
"#,
    // Conversations work: the full life cycle (bot, queued, assigned, closed) with a version
    // for compare-and-set, routing inputs, internal notes, agent profiles and chat settings.
    // Conversations open before this migration were with people: they start as queued.
    r#"
ALTER TABLE conversations ADD COLUMN stage TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE conversations ADD COLUMN agent_id TEXT;
ALTER TABLE conversations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN last_agent TEXT;
ALTER TABLE conversations ADD COLUMN closed_at INTEGER;
ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN queued_at INTEGER;
ALTER TABLE conversations ADD COLUMN handoff_reason TEXT;
ALTER TABLE conversations ADD COLUMN skill TEXT;
ALTER TABLE conversations ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE conversations ADD COLUMN bot_misses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN contact_email TEXT;
ALTER TABLE conversations ADD COLUMN cart_total REAL NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN agent_read_seq INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET stage = 'closed', closed_at = updated_at WHERE state = 'closed';
UPDATE conversations SET queued_at = updated_at WHERE state <> 'closed';
CREATE INDEX conversations_by_stage ON conversations (site_id, stage, queued_at);
CREATE INDEX conversations_by_agent ON conversations (agent_id, stage);
-- A visitor's latest conversation (the reopen check on every shopper message) without
-- walking the site's whole history.
CREATE INDEX conversations_by_visitor_recent ON conversations (site_id, visitor_id, updated_at);
CREATE TABLE notes (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id        TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    text            TEXT NOT NULL,
    ts              INTEGER NOT NULL
);
CREATE INDEX notes_by_conversation ON notes (conversation_id, ts);
ALTER TABLE agents ADD COLUMN capacity INTEGER NOT NULL DEFAULT 3;
ALTER TABLE agents ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';
CREATE TABLE chat_settings (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    spec    TEXT NOT NULL                   -- JSON ChatSettings
);
"#,
    r#"
CREATE TABLE articles (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    question   TEXT NOT NULL,
    answer     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX articles_by_site ON articles (site_id, created_at);
CREATE TABLE canned_replies (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    shortcut   TEXT NOT NULL,
    title      TEXT,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (site_id, shortcut)
);
"#,
    // Routing profiles per membership: an owner sets capacity and skills for their own site
    // only. Each membership starts with what its account had; the account's columns stay
    // (a migration never drops data) but are no longer read.
    r#"
ALTER TABLE memberships ADD COLUMN capacity INTEGER NOT NULL DEFAULT 3;
ALTER TABLE memberships ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';
UPDATE memberships SET
    capacity = (SELECT a.capacity FROM agents a WHERE a.id = memberships.agent_id),
    skills = (SELECT a.skills FROM agents a WHERE a.id = memberships.agent_id);
"#,
    // Tokens carry the generation they were issued at; a password change bumps it, so the
    // tokens issued before stop working.
    r#"
ALTER TABLE agents ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
"#,
    // The shop's own data (issue 14): customers and orders as the shop's JSON with the
    // columns look-ups need beside it, push-API keys (hash only), platform webhook ids already
    // handled, commerce settings and shoppers' return/cancel requests. Self-contained: it
    // touches no earlier table, so it can run before or after any other new migration; `IF
    // NOT EXISTS` because a test that winds `user_version` back replays it over its tables.
    r#"
CREATE TABLE IF NOT EXISTS commerce_customers (
    site_id    TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id         TEXT NOT NULL,               -- the shop's id
    email      TEXT,
    updated_at INTEGER NOT NULL,
    body       TEXT NOT NULL,               -- JSON Customer
    PRIMARY KEY (site_id, id)
);
CREATE INDEX IF NOT EXISTS commerce_customers_by_email ON commerce_customers (site_id, email, updated_at);
CREATE TABLE IF NOT EXISTS commerce_orders (
    site_id     TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,              -- the shop's id
    number_key  TEXT NOT NULL,              -- OrderNumber::key()
    customer_id TEXT,
    email       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    body        TEXT NOT NULL,              -- JSON Order
    PRIMARY KEY (site_id, id)
);
CREATE INDEX IF NOT EXISTS commerce_orders_by_number ON commerce_orders (site_id, number_key);
CREATE INDEX IF NOT EXISTS commerce_orders_by_customer ON commerce_orders (site_id, customer_id, created_at);
CREATE INDEX IF NOT EXISTS commerce_orders_by_email ON commerce_orders (site_id, email, created_at);
CREATE TABLE IF NOT EXISTS commerce_api_keys (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,       -- hex SHA-256; the secret is never stored
    created_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS commerce_api_keys_by_site ON commerce_api_keys (site_id, created_at);
CREATE TABLE IF NOT EXISTS commerce_webhooks (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    source  TEXT NOT NULL,                  -- shopify, woocommerce
    id      TEXT NOT NULL,                  -- the platform's delivery id
    at      INTEGER NOT NULL,
    PRIMARY KEY (site_id, source, id)
);
CREATE INDEX IF NOT EXISTS commerce_webhooks_by_age ON commerce_webhooks (at);
CREATE TABLE IF NOT EXISTS commerce_settings (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    body    TEXT NOT NULL                   -- JSON CommerceSettings
);
CREATE TABLE IF NOT EXISTS commerce_requests (
    id              TEXT PRIMARY KEY,
    site_id         TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    order_id        TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    kind            TEXT NOT NULL,          -- return, cancel
    status          TEXT NOT NULL,          -- open, done
    created_at      INTEGER NOT NULL,
    body            TEXT NOT NULL           -- JSON OrderRequest (status: the column wins)
);
CREATE INDEX IF NOT EXISTS commerce_requests_by_order ON commerce_requests (site_id, order_id, created_at);
CREATE INDEX IF NOT EXISTS commerce_requests_open ON commerce_requests (conversation_id, order_id, kind, status);
"#,
    // Outbound events: webhook endpoints and their delivery log (issue 14).
    super::outbound::MIGRATION,
    // Writing messages fast (issue 15). Messages become an integer-rowid table in append
    // order: their random text id stays a column but loses its index, since no query looks a
    // message up by it and that index dirtied one random page per message. Rows keep their
    // order and every column. `conversations_by_visitor` (site, visitor, state) goes: no query
    // reads `state`, and `conversations_by_visitor_recent` (site, visitor, updated_at) serves
    // every visitor look-up by its prefix (it must stay: without it the reopen check, latest
    // conversation by `updated_at`, walks the site's whole history — EXPLAIN QUERY PLAN).
    r#"
CREATE TABLE messages_by_rowid (
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_kind     TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    author_id       TEXT NOT NULL,
    text            TEXT NOT NULL,
    client_msg_id   TEXT,
    ts              INTEGER NOT NULL,
    UNIQUE (conversation_id, seq)
);
INSERT INTO messages_by_rowid
    (id, conversation_id, seq, author_kind, author_name, author_id, text, client_msg_id, ts)
    SELECT id, conversation_id, seq, author_kind, author_name, author_id, text, client_msg_id, ts
    FROM messages ORDER BY rowid;
DROP TABLE messages;
ALTER TABLE messages_by_rowid RENAME TO messages;
-- Idempotency: one message per sender and client_msg_id (dropped with the old table).
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client_id ON messages (author_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;
DROP INDEX IF EXISTS conversations_by_visitor;
"#,
    // Email (issue 16): settings, outbox, log, threads, suppressions, inbound, codes.
    super::mail::MIGRATION,
    // Data-subject rights and retention (issue 17): retention settings, the audit, and the
    // index the browsing-retention sweep walks.
    super::privacy::MIGRATION,
    // One customer across devices (issue 17): each customer's canonical visitor and devices.
    super::customers::MIGRATION,
    // AI drafts in the owners' report (issue 18): drafts made per site and day, and which
    // agent messages were sent from one.
    super::stats::DRAFT_MIGRATION,
    // AI for agents (issue 18): model calls per site per day, for the cluster-wide budget.
    super::models::MIGRATION,
    // A site's own language model (issue 18).
    super::models::PROVIDERS_MIGRATION,
    // Conversation search by words (issue 19): the full-text index over messages, its
    // triggers, and every message already stored indexed.
    super::search_sql::MIGRATION,
    // The search index off the acknowledged write: no insert trigger, the writer indexes in
    // bulk after each commit from a high-water mark (`search_index.rs`).
    super::search_index::MIGRATION,
    // The library in other languages (issue 20): articles' and canned replies' versions.
    super::library::TRANSLATIONS_MIGRATION,
    // The shoppers' ratings of closed chats, one per conversation (`ratings.rs`).
    super::ratings::MIGRATION,
    // Attachments (issue 20): the files a message carries, as JSON (NULL: none).
    "ALTER TABLE messages ADD COLUMN attachments TEXT;",
    // Agents' avatars (issue 20): the path the picture is served at (NULL: none).
    "ALTER TABLE agents ADD COLUMN avatar TEXT;",
];

/// The schema version this binary brings a database to (`PRAGMA user_version`).
pub(super) fn version() -> usize {
    MIGRATIONS.len()
}

/// The schema version of a database from just before `migration` ran (the whole list's length
/// for one that is not in it).
pub(super) fn version_before(migration: &str) -> usize {
    MIGRATIONS
        .iter()
        .position(|m| *m == migration)
        .unwrap_or(MIGRATIONS.len())
}

/// The schema version a database records (`PRAGMA user_version`, a signed 32-bit number:
/// one below zero was never written by us and is an error, as a count of migrations).
pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<usize> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    usize::try_from(version).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, version))
}

/// A count of migrations as SQLite's integer (rusqlite binds no `usize`); the list is a few
/// dozen long, so it always fits.
fn version_number(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// Brings the schema up to date in one transaction. Migrations only move forward: a
/// database a newer binary migrated is refused rather than used with tables this one does
/// not know.
pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let done = user_version(&tx)?;
    if done > MIGRATIONS.len() {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!(
                "the database's schema ({done}) is newer than this binary's ({}): run the newer binary, or restore a backup made by this one",
                MIGRATIONS.len()
            )),
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        if !column_exists_already(&tx, sql)? {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", version_number(i + 1))?;
    }
    tx.commit()
}

/// Whether `sql` is a lone `ALTER TABLE t ADD COLUMN c …;` whose column `t` already has.
/// Every other migration is `IF NOT EXISTS` and can run again; SQLite has no such clause for
/// a column, so this check gives those the same property (a database whose `user_version`
/// was wound back — a restore, an operator's repair, the back-fill tests — migrates again
/// instead of failing on "duplicate column name").
fn column_exists_already(conn: &Connection, sql: &str) -> rusqlite::Result<bool> {
    let words: Vec<&str> = sql
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .collect();
    let [alter, table_kw, table, add, column_kw, column, ..] = words.as_slice() else {
        return Ok(false);
    };
    let is_add_column = alter.eq_ignore_ascii_case("ALTER")
        && table_kw.eq_ignore_ascii_case("TABLE")
        && add.eq_ignore_ascii_case("ADD")
        && column_kw.eq_ignore_ascii_case("COLUMN")
        && !sql.trim().trim_end_matches(';').contains(';');
    if !is_add_column {
        return Ok(false);
    }
    let mut stmt = conn.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?;
    stmt.exists([*table, *column])
}

#[cfg(test)]
mod tests {
    use super::{MIGRATIONS, migrate, user_version, version_number};
    use rusqlite::Connection;

    /// A database as the binary that knew only the first `k` migrations left it.
    fn at(k: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        for (i, sql) in MIGRATIONS.iter().take(k).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", version_number(i + 1))
                .unwrap();
        }
        conn
    }

    #[test]
    fn every_earlier_schema_migrates_forward_to_the_current_one() {
        for k in 0..=MIGRATIONS.len() {
            let mut conn = at(k);
            migrate(&mut conn).unwrap_or_else(|e| panic!("from schema {k}: {e}"));
            assert_eq!(
                user_version(&conn).unwrap(),
                MIGRATIONS.len(),
                "from schema {k}"
            );
            let check: String = conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(check, "ok", "from schema {k}");
            // Running it again changes nothing.
            migrate(&mut conn).unwrap();
        }
    }

    /// Wound back to before the attachments' column (the first migration that adds one), or
    /// any version since, a current database migrates again: the column migrations see their
    /// columns there and skip instead of failing, and every later migration can run twice.
    #[test]
    fn a_schema_wound_back_migrates_again_over_its_own_columns() {
        let first = super::version_before("ALTER TABLE messages ADD COLUMN attachments TEXT;");
        assert!(
            first < MIGRATIONS.len(),
            "the attachments' column migration is listed"
        );
        for k in first..MIGRATIONS.len() {
            let mut conn = at(MIGRATIONS.len());
            conn.pragma_update(None, "user_version", version_number(k))
                .unwrap();
            migrate(&mut conn).unwrap_or_else(|e| panic!("wound back to {k}: {e}"));
            assert_eq!(user_version(&conn).unwrap(), MIGRATIONS.len());
        }
        // And the check sees only a lone ADD COLUMN: other statements run as they are.
        let conn = at(MIGRATIONS.len());
        assert!(
            super::column_exists_already(&conn, "ALTER TABLE agents ADD COLUMN avatar TEXT;")
                .unwrap()
        );
        assert!(
            !super::column_exists_already(&conn, "ALTER TABLE agents ADD COLUMN other TEXT;")
                .unwrap()
        );
        assert!(
            !super::column_exists_already(
                &conn,
                "ALTER TABLE agents ADD COLUMN avatar TEXT; DROP TABLE x;"
            )
            .unwrap()
        );
    }

    #[test]
    fn a_database_from_a_newer_binary_is_refused() {
        let mut conn = at(MIGRATIONS.len());
        conn.pragma_update(None, "user_version", version_number(MIGRATIONS.len() + 1))
            .unwrap();
        let error = migrate(&mut conn).unwrap_err().to_string();
        assert!(error.contains("newer than this binary"), "{error}");
    }

    /// A database as the binary before the search index left it, with messages in it: the
    /// migration indexes every one (accents folded), and the index matches the table.
    #[test]
    fn the_search_index_migration_indexes_the_messages_already_stored() {
        let before = MIGRATIONS
            .iter()
            .position(|m| *m == super::super::search_sql::MIGRATION)
            .unwrap();
        let mut conn = at(before);
        conn.execute_batch(
            "INSERT INTO sites (id, name, public_key, origins, identity_secret, created_at)
                VALUES ('s', 'S', 'pk', '[]', 'x', 1);
             INSERT INTO conversations (id, site_id, visitor_id, state, created_at, updated_at)
                VALUES ('c', 's', 'v', 'open', 1, 1);
             INSERT INTO messages (id, conversation_id, seq, author_kind, author_name, author_id,
                text, ts)
                VALUES ('m1', 'c', 1, 'shopper', 'S', 'v', 'Une crème brûlée', 1),
                       ('m2', 'c', 2, 'agent', 'A', 'a', 'Bien sûr', 2);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let found = |query: &str| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
                [query],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!((found("creme"), found("sur"), found("tarte")), (1, 1, 0));
        conn.execute(
            "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
    }

    #[test]
    fn a_negative_schema_version_is_an_error_not_a_huge_one() {
        let conn = at(0);
        conn.pragma_update(None, "user_version", -1).unwrap();
        assert!(user_version(&conn).is_err());
    }
}
