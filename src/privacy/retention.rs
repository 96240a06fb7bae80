//! How long a site keeps what it learns about shoppers. Two periods, because the two kinds of
//! data age differently: browsing state (pages, cart, device) is only useful while the
//! shopper is around, a closed conversation is the shop's record of what it told a customer.

use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

/// The longest period an owner may set: ten years, beyond any bookkeeping duty.
pub const MAX_RETENTION_DAYS: u32 = 3650;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A site's retention periods, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Days a visitor's browsing state (pages, cart, identity, rule history) is kept after
    /// the visitor was last seen. Default 90: a returning shopper within a quarter is still
    /// recognised (visits, frequency caps), and nothing older serves a chat.
    pub browsing_days: u32,
    /// Days a closed conversation (messages, notes, the emails it sent and received) is
    /// kept after its last activity. Default 365: a year covers returns, warranty questions
    /// and the owner's reports, without keeping chats for ever.
    pub closed_conversation_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            browsing_days: 90,
            closed_conversation_days: 365,
        }
    }
}

impl RetentionSettings {
    /// Checks both periods are 1 to [`MAX_RETENTION_DAYS`]; the error names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        for (field, days) in [
            ("browsing_days", self.browsing_days),
            ("closed_conversation_days", self.closed_conversation_days),
        ] {
            if !(1..=MAX_RETENTION_DAYS).contains(&days) {
                return Err((
                    field,
                    format!("must be 1 to {MAX_RETENTION_DAYS} days, not {days}"),
                ));
            }
        }
        Ok(())
    }
}

/// The moment before which data kept `days` days is past its period at `now`.
pub fn cutoff(now: Timestamp, days: u32) -> Timestamp {
    Timestamp(now.0.saturating_sub(i64::from(days).saturating_mul(DAY_MS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bounds_name_the_field() {
        assert_eq!(RetentionSettings::default().validate(), Ok(()));
        let zero = RetentionSettings {
            browsing_days: 0,
            ..Default::default()
        };
        assert_eq!(zero.validate().unwrap_err().0, "browsing_days");
        let long = RetentionSettings {
            closed_conversation_days: MAX_RETENTION_DAYS + 1,
            ..Default::default()
        };
        assert_eq!(long.validate().unwrap_err().0, "closed_conversation_days");
    }

    #[test]
    fn the_cutoff_is_that_many_days_back() {
        assert_eq!(cutoff(Timestamp(3 * DAY_MS), 2), Timestamp(DAY_MS));
        assert_eq!(cutoff(Timestamp(0), 1), Timestamp(-DAY_MS));
    }
}
