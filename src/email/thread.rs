//! Thread tokens: each conversation that has emailed its shopper gets a random token, kept
//! by the store with the conversation (so it goes when the conversation goes). It is put in
//! the reply address (`reply+TOKEN@…`) and in every Message-ID, so the shopper's reply —
//! whichever of the two their mail program keeps — finds its conversation, and nobody who
//! does not hold the token can write into one. Lowercase base32, because some mail systems
//! lowercase addresses.

use rand::Rng;

/// Characters of a token: 26 × 5 bits = 130 bits of randomness.
pub const TOKEN_CHARS: usize = 26;
/// RFC 4648 base32, lowercased.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A fresh random token.
pub fn new_token() -> String {
    let mut rng = rand::rng();
    (0..TOKEN_CHARS)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Whether `text` has a token's shape (checked before any store look-up).
pub fn is_token(text: &str) -> bool {
    text.len() == TOKEN_CHARS && text.bytes().all(|b| ALPHABET.contains(&b))
}

/// `base` with the token as its plus-address: `reply@mail.example` → `reply+TOKEN@mail.example`.
/// `None` when `base` is not an address.
pub fn reply_address(base: &str, token: &str) -> Option<String> {
    let (local, domain) = base.rsplit_once('@')?;
    let local = local.split_once('+').map_or(local, |(l, _)| l);
    Some(format!("{local}+{token}@{domain}"))
}

/// The Message-ID of an email of this thread, without angle brackets:
/// `sc.TOKEN.TAG@DOMAIN`, where `tag` tells the emails of one thread apart.
pub fn message_id(token: &str, tag: &str, domain: &str) -> String {
    format!("sc.{token}.{tag}@{domain}")
}

/// The token in a Message-ID made by [`message_id`] (angle brackets allowed).
pub fn token_in_message_id(id: &str) -> Option<&str> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let rest = id.strip_prefix("sc.")?;
    let (token, _) = rest.split_once('.')?;
    is_token(token).then_some(token)
}

/// The token in a plus-address made by [`reply_address`].
pub fn token_in_address(address: &str) -> Option<&str> {
    let (local, _) = address.trim().rsplit_once('@')?;
    let (_, token) = local.rsplit_once('+')?;
    is_token(token).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_through_addresses_and_message_ids() {
        let t = new_token();
        assert!(is_token(&t));
        assert_ne!(t, new_token());
        let address = reply_address("reply@mail.example", &t).unwrap();
        assert_eq!(token_in_address(&address), Some(t.as_str()));
        assert_eq!(
            token_in_address(&address.to_uppercase().replace(&t.to_uppercase(), &t)),
            Some(t.as_str())
        );
        let id = message_id(&t, "7", "mail.example");
        assert_eq!(token_in_message_id(&format!("<{id}>")), Some(t.as_str()));
    }

    #[test]
    fn lookalikes_are_not_tokens() {
        assert_eq!(token_in_address("reply+short@mail.example"), None);
        assert_eq!(token_in_message_id("<abc@mail.example>"), None);
        assert!(!is_token(&"A".repeat(TOKEN_CHARS)));
        assert_eq!(
            reply_address("reply+old@mail.example", "x").as_deref(),
            Some("reply+x@mail.example")
        );
    }
}
