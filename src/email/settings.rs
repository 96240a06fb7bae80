//! A site's email settings: whether it sends email at all, who the mail is from, where the
//! team is told, and how long to wait before an agent's answer goes out by email. Validated
//! once when an owner saves them.

use serde::{Deserialize, Serialize};

/// How a site uses email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EmailSettings {
    /// The site's switch: off, shopchat sends no email for it and takes none in.
    pub enabled: bool,
    /// The From name (the shop's name when empty).
    pub from_name: Option<String>,
    /// The From address; it must be on a domain the server may send for
    /// (`--mail-from-domains`). Empty: the server's `--mail-from`.
    pub from_address: Option<String>,
    /// Where the site's shoppers reply: each conversation adds its token as a plus-address
    /// (`support+TOKEN@shop.example`). The mailbox must reach shopchat's inbound (forward it
    /// to the polled IMAP mailbox, or route it to the inbound endpoint). Empty: the server's
    /// `--mail-reply-address`.
    pub reply_address: Option<String>,
    /// The address the team is told at (a message left while nobody was online, a chat
    /// waiting too long). Empty: no team notifications.
    pub team_address: Option<String>,
    /// An agent's answer to a shopper who is not connected goes out this many seconds after
    /// it was written, so a burst of lines becomes one email.
    pub reply_delay_secs: u64,
    /// An agent's answer to a shopper who is connected goes out by email only if it is still
    /// unread this many seconds later.
    pub unread_delay_secs: u64,
    /// The transcript is emailed to the contact address when a conversation closes.
    pub transcript_on_close: bool,
    /// The team is told when a shopper leaves an email while nobody is online.
    pub notify_team_on_contact: bool,
    /// The team is told when a chat has waited in the queue this many seconds (0: never).
    pub queue_alert_secs: u64,
    /// Emails to one recipient per hour, at most (codes, replies, transcripts).
    pub max_per_recipient_per_hour: u32,
    /// Emails for the whole site per hour, at most.
    pub max_per_site_per_hour: u32,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            enabled: true,
            from_name: None,
            from_address: None,
            reply_address: None,
            team_address: None,
            reply_delay_secs: 60,
            unread_delay_secs: 300,
            transcript_on_close: false,
            notify_team_on_contact: true,
            queue_alert_secs: 300,
            max_per_recipient_per_hour: 10,
            max_per_site_per_hour: 500,
        }
    }
}

/// A setting that cannot be used, with the field to blame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct EmailSettingsError {
    /// The field (`team_address`).
    pub field: &'static str,
    /// Why.
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> EmailSettingsError {
    EmailSettingsError {
        field,
        message: message.into(),
    }
}

/// A plain `local@domain` address with nothing a header could be smuggled in with: the local
/// part of RFC 5322's unquoted characters (letters, digits and ``!#$%&'*+-/=?^_`{|}~.``; no
/// quotes, spaces, angle brackets, commas or semicolons), a domain of letters, digits, dots
/// and hyphens with at least one dot.
pub fn plain_address(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    text.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local.chars().all(atext)
        && domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

impl EmailSettings {
    /// Checks every field. `from_domains` are the domains the server may send From.
    pub fn validate(&self, from_domains: &[String]) -> Result<(), EmailSettingsError> {
        if let Some(name) = &self.from_name
            && (name.chars().count() > 80 || name.chars().any(char::is_control))
        {
            return Err(bad(
                "from_name",
                "must be at most 80 characters, without control characters",
            ));
        }
        if let Some(from) = &self.from_address {
            if !plain_address(from) {
                return Err(bad("from_address", "must be a plain address, local@domain"));
            }
            let domain = from.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
            if !domain.is_some_and(|d| from_domains.iter().any(|a| a.eq_ignore_ascii_case(&d))) {
                return Err(bad(
                    "from_address",
                    "must be on a domain this server may send for (--mail-from-domains)",
                ));
            }
        }
        if let Some(reply) = &self.reply_address
            && !plain_address(reply)
        {
            return Err(bad(
                "reply_address",
                "must be a plain address, local@domain",
            ));
        }
        if let Some(team) = &self.team_address
            && !plain_address(team)
        {
            return Err(bad("team_address", "must be a plain address, local@domain"));
        }
        if !(5..=86_400).contains(&self.reply_delay_secs) {
            return Err(bad("reply_delay_secs", "must be between 5 and 86400"));
        }
        if !(30..=86_400).contains(&self.unread_delay_secs) {
            return Err(bad("unread_delay_secs", "must be between 30 and 86400"));
        }
        if self.queue_alert_secs > 86_400 {
            return Err(bad("queue_alert_secs", "must be 0 (never) to 86400"));
        }
        if !(1..=100).contains(&self.max_per_recipient_per_hour) {
            return Err(bad(
                "max_per_recipient_per_hour",
                "must be between 1 and 100",
            ));
        }
        if !(1..=100_000).contains(&self.max_per_site_per_hour) {
            return Err(bad("max_per_site_per_hour", "must be between 1 and 100000"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(EmailSettings::default().validate(&[]), Ok(()));
    }

    #[test]
    fn addresses_that_could_carry_a_header_are_refused() {
        for bad in [
            "a@b.example\r\nBcc: x@y.example",
            "\"a\"@b.example",
            "a@b.example, c@d.example",
            "<a@b.example>",
            "a b@c.example",
            "a@localhost",
        ] {
            assert!(!plain_address(bad), "{bad:?}");
        }
        assert!(plain_address("o'brien+shop@mail.example.com"));
    }

    #[test]
    fn a_from_address_must_be_on_an_allowed_domain() {
        let s = EmailSettings {
            from_address: Some("help@shop.example".into()),
            ..EmailSettings::default()
        };
        assert_eq!(s.validate(&[]).unwrap_err().field, "from_address");
        assert_eq!(s.validate(&["SHOP.example".into()]), Ok(()));
    }

    #[test]
    fn a_name_with_a_line_break_is_refused() {
        let s = EmailSettings {
            from_name: Some("Shop\r\nBcc: x@y.example".into()),
            ..EmailSettings::default()
        };
        assert_eq!(s.validate(&[]).unwrap_err().field, "from_name");
    }
}
