//! Conversation search by text: the full-text index over messages (SQLite FTS5, which the
//! bundled build has), filled by the writer after each commit ([`super::search_index`]), and
//! the one place the shopper's words become an FTS5 query — quoted, so no text a caller sends
//! is ever read as FTS5 syntax.

use rusqlite::Connection;

/// The index, one migration of its own (appended to `schema::MIGRATIONS`).
///
/// External content (`content='messages'`): the index holds the tokens only, the text stays
/// in `messages` once, and a match is a message's rowid. `unicode61 remove_diacritics 2`
/// folds case and accents on both sides, so "creme" finds "Crème". `columnsize=0`: no row per
/// message in a size table (nothing ranks by bm25), one b-tree write less per stored message.
///
/// As first released, triggers kept it in step with every insert and delete (migration 17,
/// [`super::search_index::MIGRATION`], since replaced the insert trigger by indexing after
/// the commit and guards the others), including the deletes that `ON DELETE CASCADE` makes
/// when a conversation is erased or expires, or its site removed (SQLite runs a child
/// table's triggers for cascaded deletes). No code updates a message's
/// text, but the update trigger keeps the index right if some day one does.
///
/// `rebuild` back-fills every existing message. `IF NOT EXISTS` because a test that winds
/// `user_version` back replays it; migration 9 drops and recreates `messages` (dropping the
/// triggers with it and renumbering rowids), which the replayed `rebuild` puts right. The
/// same holds for a `VACUUM`, which may renumber an implicit rowid: nothing here runs one; if
/// an operator does, `INSERT INTO messages_fts(messages_fts) VALUES('rebuild')` re-indexes
/// (then `UPDATE messages_fts_state SET indexed_upto = (SELECT max(rowid) FROM messages)`).
pub(super) const MIGRATION: &str = r#"
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(
    text,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    columnsize = 0
);
CREATE TRIGGER IF NOT EXISTS messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER IF NOT EXISTS messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.rowid, new.text);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"#;

/// Queries shorter than this (in characters) search by substring instead: a one- or
/// two-letter prefix matches a large share of every word ever written, while the substring
/// scan walks only the site's conversations, newest first, and stops at the limit.
const SHORTEST_WORD_QUERY: usize = 3;

/// Up to this many matching messages the search starts from them; beyond, from the site's
/// conversations. Measured on 400,000 messages (SQLite 3.40): a word in one message in five
/// took 95 ms from the matches (each joined to its message) and 20 ms from the conversations
/// (which stop at the list's limit); a rare word takes well under 1 ms from the matches but
/// a walk over all the site's messages from the conversations.
const FEW_MATCHES: i64 = 2_000;

/// Counts the matches up to one past [`FEW_MATCHES`]: a bounded look at the index.
const COUNT_MATCHES: &str = "SELECT count(*) FROM
    (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT 2001)";

/// Few matches: the conversations of the matching messages. Uncorrelated, so SQLite answers
/// the match once (an ephemeral set of ids), not once per candidate conversation.
const FROM_MATCHES: &str = "conversations.id IN (SELECT m.conversation_id FROM messages_fts
    JOIN messages m ON m.rowid = messages_fts.rowid WHERE messages_fts MATCH ?)";

/// Many matches: the site's conversations newest first, each kept if one of its messages is
/// in the set of matching rowids (built once); the list's limit is reached early.
const FROM_CONVERSATIONS: &str = "EXISTS (SELECT 1 FROM messages m
    WHERE m.conversation_id = conversations.id
    AND m.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?))";

/// A message holding the text as typed, ASCII case ignored: the search for short queries.
const AS_TYPED: &str = "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id
    AND m.text LIKE ? ESCAPE '\\')";

/// The condition (with one `?`) and its parameter that keep the conversations with a message
/// matching `text`: every word of it, the last one as a prefix, ignoring case and accents
/// (full-text index); or, for a query too short or without a letter or digit, a message
/// containing the text as typed, ignoring ASCII case (`LIKE`, the old search).
pub(super) fn text_condition(
    conn: &Connection,
    text: &str,
) -> rusqlite::Result<(&'static str, String)> {
    let Some(query) = fts_query(text) else {
        return Ok((AS_TYPED, format!("%{}%", like_escaped(text))));
    };
    let matches: i64 = conn
        .prepare_cached(COUNT_MATCHES)?
        .query_row([&query], |r| r.get(0))?;
    let condition = if matches > FEW_MATCHES {
        FROM_CONVERSATIONS
    } else {
        FROM_MATCHES
    };
    Ok((condition, query))
}

/// `text` for `LIKE … ESCAPE '\'`: its wildcards and the escape itself taken literally.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The shopper's words as an FTS5 query, or `None` when the text is too short or has no
/// word to look for.
///
/// Each whitespace-separated piece that holds a letter or digit becomes one FTS5 string (`"`
/// doubled inside; control characters, which could end the query text early, become
/// spaces): inside a string FTS5 sees no operator (`OR`, `NOT`, `NEAR(`, `*`, `^`, `-`,
/// `:` are text there), and the tokenizer splits the piece as it split the messages, so
/// `e-mail` looks for the two words side by side. Strings next to each other must all
/// match (FTS5's implicit AND); a `*` after the last makes its last word a prefix, so a
/// search typed letter by letter finds as it goes. Pieces of punctuation alone are
/// dropped: as a string they would hold no word, and FTS5 finds nothing for that.
fn fts_query(text: &str) -> Option<String> {
    if text.chars().count() < SHORTEST_WORD_QUERY {
        return None;
    }
    let strings: Vec<String> = text
        .split_whitespace()
        .filter(|piece| piece.chars().any(char::is_alphanumeric))
        .map(|piece| {
            let inner: String = piece
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            format!("\"{}\"", inner.replace('"', "\"\""))
        })
        .collect();
    if strings.is_empty() {
        return None;
    }
    Some(format!("{}*", strings.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::{
        AS_TYPED, COUNT_MATCHES, FEW_MATCHES, FROM_CONVERSATIONS, FROM_MATCHES, MIGRATION,
        fts_query, text_condition,
    };
    use proptest::prelude::*;
    use rusqlite::Connection;

    /// The index over a table shaped like `messages` in the columns it reads.
    fn indexed() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY);
             CREATE TABLE messages (conversation_id TEXT NOT NULL, text TEXT NOT NULL);",
        )
        .unwrap();
        conn.execute_batch(MIGRATION).unwrap();
        conn
    }

    /// Whether the FTS5 query for `query` finds a message whose text is `text`.
    fn finds(text: &str, query: &str) -> bool {
        let conn = indexed();
        conn.execute(
            "INSERT INTO messages (conversation_id, text) VALUES ('c', ?1)",
            [text],
        )
        .unwrap();
        let fts = fts_query(query).unwrap();
        conn.query_row(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
            [&fts],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            > 0
    }

    #[test]
    fn every_piece_is_one_quoted_string_and_the_last_a_prefix() {
        assert_eq!(
            fts_query("red  shoes").as_deref(),
            Some(r#""red" "shoes"*"#)
        );
        assert_eq!(
            fts_query(r#"say "hi" OR NEAR(x -"#).as_deref(),
            Some(r#""say" """hi""" "OR" "NEAR(x"*"#)
        );
        assert_eq!(fts_query("a\0b c").as_deref(), Some(r#""a b" "c"*"#));
    }

    #[test]
    fn short_or_wordless_text_is_left_to_the_substring_search() {
        let conn = indexed();
        for text in ["xl", "é", "***", "\" - \"", "( )"] {
            assert_eq!(fts_query(text), None, "{text}");
            assert_eq!(text_condition(&conn, text).unwrap().0, AS_TYPED, "{text}");
        }
        assert_eq!(text_condition(&conn, "%_").unwrap().1, r"%\%\_%");
        assert_eq!(text_condition(&conn, "shoes").unwrap().0, FROM_MATCHES);
    }

    /// The conversations holding a message in `texts`, found by `condition` for `text`.
    fn found_by(conn: &Connection, condition: &str, text: &str) -> Vec<String> {
        let query = fts_query(text).unwrap();
        let sql = format!("SELECT id FROM conversations WHERE {condition} ORDER BY id");
        let mut stmt = conn.prepare(&sql).unwrap();
        stmt.query_map([&query], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn both_ways_of_searching_find_the_same_conversations() {
        let conn = indexed();
        conn.execute_batch(
            "INSERT INTO conversations (id) VALUES ('a'), ('b'), ('c');
             INSERT INTO messages (conversation_id, text) VALUES
                ('a', 'Where is my parcel?'), ('a', 'Une crème'),
                ('b', 'parcel lost'), ('c', 'hello');",
        )
        .unwrap();
        for (text, want) in [
            ("parcel", vec!["a", "b"]),
            ("creme", vec!["a"]),
            ("parcel lost", vec!["b"]),
            ("hel", vec!["c"]),
            ("nothing", vec![]),
        ] {
            assert_eq!(found_by(&conn, FROM_MATCHES, text), want, "{text}");
            assert_eq!(found_by(&conn, FROM_CONVERSATIONS, text), want, "{text}");
        }
    }

    #[test]
    fn a_word_in_many_messages_is_searched_from_the_conversations() {
        assert!(COUNT_MATCHES.contains(&format!("LIMIT {}", FEW_MATCHES + 1)));
        let conn = indexed();
        let mut insert = conn
            .prepare("INSERT INTO messages (conversation_id, text) VALUES ('a', ?1)")
            .unwrap();
        for n in 0..FEW_MATCHES {
            insert.execute([format!("parcel {n}")]).unwrap();
        }
        insert.execute(["a rare zanzibar"]).unwrap();
        let chosen = |text: &str| text_condition(&conn, text).unwrap().0;
        assert_eq!(chosen("parcel"), FROM_MATCHES, "exactly the bound");
        insert.execute(["parcel again"]).unwrap();
        assert_eq!(chosen("parcel"), FROM_CONVERSATIONS, "one past it");
        assert_eq!(chosen("zanzibar"), FROM_MATCHES);
    }

    #[test]
    fn words_match_in_any_order_ignoring_case_and_accents_and_the_last_as_a_prefix() {
        assert!(finds("Does this jacket run small?", "SMALL jacket"));
        assert!(finds("Une crème brûlée, svp", "creme brulee"));
        assert!(finds("Une creme brulee, svp", "crème"));
        assert!(finds("Where is my order?", "where is my ord"));
        assert!(
            !finds("Where is my order?", "ord where"),
            "only the last is a prefix"
        );
        assert!(
            !finds("Where is my order?", "where shoes"),
            "every word must match"
        );
        assert!(finds("please e-mail me", "e-mail"));
        assert!(
            !finds("mail me an e", "e-mail"),
            "a piece's words side by side"
        );
    }

    #[test]
    fn fts_syntax_is_text() {
        assert!(!finds("shoes", "shoes OR boots"), "OR is a word here");
        assert!(finds("shoes or boots", "shoes OR boots"));
        assert!(!finds("jacket", "NOT jacket"));
        assert!(finds("red shoes", "shoes -red"), "the minus is not NOT");
        assert!(finds(r#"a "NEAR(x y)" b"#, r#""NEAR(x y)""#));
    }

    proptest! {
        /// Whatever the caller types (quotes, operators, stars, brackets, accents, control
        /// characters), the query is valid FTS5 and finds a message holding that very text.
        #[test]
        fn any_text_is_a_valid_query_that_finds_itself(
            text in r#"[a-zA-Z0-9éÈçñ "*()^:+\-.,{}\x00\t]{0,40}"#
        ) {
            if let Some(query) = fts_query(&text) {
                let conn = indexed();
                conn.execute(
                    "INSERT INTO messages (conversation_id, text) VALUES ('c', ?1)",
                    [&text],
                )
                .unwrap();
                let found: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
                        [&query],
                        |r| r.get(0),
                    )
                    .unwrap_or_else(|e| panic!("{query}: {e}"));
                prop_assert_eq!(found, 1, "{}", query);
            }
        }
    }
}
