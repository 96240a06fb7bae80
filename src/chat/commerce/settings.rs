//! The site's commerce settings as owners read and change them: the platform secrets that
//! sign its webhooks (written, never read back: an owner sees only whether each is set) and
//! the thresholds for stuck orders and valued customers.

use super::super::{ChatError, ChatService};
use crate::commerce::CommerceSettings;
use crate::domain::SiteId;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

/// Longest platform secret accepted (Shopify's client secrets and WooCommerce's are far
/// shorter; the bound keeps a pasted file out).
const MAX_SECRET: usize = 256;
/// Most days an order may sit still before it counts as stuck.
const MAX_STUCK_DAYS: u32 = 365;
/// Tags that make a customer valued.
const MAX_VIP_TAGS: usize = 20;

/// The settings as an owner sees them: whether each secret is set, never the secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommerceSettingsView {
    /// Whether Shopify webhooks can be verified (and so are accepted).
    pub shopify_secret_set: bool,
    /// Whether WooCommerce webhooks can be verified (and so are accepted).
    pub woocommerce_secret_set: bool,
    /// Days without movement after which an order counts as stuck.
    pub stuck_after_days: u32,
    /// Spend that makes a customer valued, if any (decimal text).
    #[schema(value_type = Option<String>)]
    pub vip_total_spent: Option<Decimal>,
    /// Shop tags that make a customer valued.
    pub vip_tags: Vec<String>,
    /// Whether shoppers can look up their orders in the widget.
    pub self_service: bool,
}

impl From<&CommerceSettings> for CommerceSettingsView {
    fn from(s: &CommerceSettings) -> Self {
        CommerceSettingsView {
            shopify_secret_set: s.shopify_secret.is_some(),
            woocommerce_secret_set: s.woocommerce_secret.is_some(),
            stuck_after_days: s.stuck_after_days,
            vip_total_spent: s.vip_total_spent,
            vip_tags: s.vip_tags.clone(),
            self_service: s.self_service,
        }
    }
}

/// A change to the settings: a field left out keeps its value; a secret set to `null` (or
/// `""`) is removed, which refuses that platform's webhooks from then on.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommerceSettingsChange {
    /// The Shopify app's client secret.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub shopify_secret: Option<Option<String>>,
    /// The WooCommerce webhook secret.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub woocommerce_secret: Option<Option<String>>,
    /// 1 to 365 days.
    #[serde(default)]
    pub stuck_after_days: Option<u32>,
    /// Spend that makes a customer valued; `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub vip_total_spent: Option<Option<Decimal>>,
    /// At most 20 tags of 1 to 64 characters.
    #[serde(default)]
    pub vip_tags: Option<Vec<String>>,
    /// Whether shoppers can look up their orders in the widget.
    #[serde(default)]
    pub self_service: Option<bool>,
}

/// A field that is present (even as `null`) is `Some`: so `null` can mean "remove".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn invalid(field: &'static str, message: impl Into<String>) -> ChatError {
    ChatError::Invalid {
        field,
        message: message.into(),
    }
}

fn secret(field: &'static str, value: Option<String>) -> Result<Option<String>, ChatError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.len() > MAX_SECRET || s.chars().any(char::is_control) => Err(invalid(
            field,
            format!("must be at most {MAX_SECRET} printable characters"),
        )),
        Some(s) => Ok(Some(s.to_owned())),
    }
}

impl CommerceSettingsChange {
    /// The settings after this change, or `Invalid` naming the field.
    fn apply(self, mut s: CommerceSettings) -> Result<CommerceSettings, ChatError> {
        if let Some(v) = self.shopify_secret {
            s.shopify_secret = secret("shopify_secret", v)?;
        }
        if let Some(v) = self.woocommerce_secret {
            s.woocommerce_secret = secret("woocommerce_secret", v)?;
        }
        if let Some(days) = self.stuck_after_days {
            if !(1..=MAX_STUCK_DAYS).contains(&days) {
                return Err(invalid("stuck_after_days", "must be 1 to 365"));
            }
            s.stuck_after_days = days;
        }
        if let Some(v) = self.vip_total_spent {
            if v.is_some_and(|d| d.is_sign_negative()) {
                return Err(invalid("vip_total_spent", "must not be negative"));
            }
            s.vip_total_spent = v;
        }
        if let Some(tags) = self.vip_tags {
            let tags: Vec<String> = tags.iter().map(|t| t.trim().to_owned()).collect();
            let bad = tags.iter().any(|t| t.is_empty() || t.chars().count() > 64);
            if tags.len() > MAX_VIP_TAGS || bad {
                return Err(invalid(
                    "vip_tags",
                    format!("must be at most {MAX_VIP_TAGS} tags of 1 to 64 characters"),
                ));
            }
            s.vip_tags = tags;
        }
        if let Some(on) = self.self_service {
            s.self_service = on;
        }
        Ok(s)
    }
}

impl ChatService {
    /// The site's commerce settings as an owner sees them.
    pub async fn commerce_settings_view(
        &self,
        site: &SiteId,
    ) -> Result<CommerceSettingsView, ChatError> {
        Ok((&self.store.commerce_settings(site).await?).into())
    }

    /// Applies an owner's change; answers the settings as they are now.
    pub async fn change_commerce_settings(
        &self,
        site: &SiteId,
        change: CommerceSettingsChange,
    ) -> Result<CommerceSettingsView, ChatError> {
        let current = self.store.commerce_settings(site).await?;
        let next = change.apply(current)?;
        self.store.set_commerce_settings(site, &next).await?;
        // This node's copy for the widget's self-service goes at once (others within its TTL).
        self.self_service.forget(site);
        tracing::info!(site = %site, "commerce settings changed");
        Ok((&next).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_keeps_what_it_leaves_out_and_null_removes_a_secret() {
        let start = CommerceSettings {
            shopify_secret: Some("a".into()),
            woocommerce_secret: Some("b".into()),
            ..CommerceSettings::default()
        };
        let change: CommerceSettingsChange =
            serde_json::from_str(r#"{"woocommerce_secret": null, "stuck_after_days": 7}"#).unwrap();
        let next = change.apply(start).unwrap();
        assert_eq!(next.shopify_secret.as_deref(), Some("a"));
        assert_eq!(next.woocommerce_secret, None);
        assert_eq!(next.stuck_after_days, 7);
        let bad: CommerceSettingsChange =
            serde_json::from_str(r#"{"stuck_after_days": 0}"#).unwrap();
        assert!(matches!(
            bad.apply(CommerceSettings::default()),
            Err(ChatError::Invalid {
                field: "stuck_after_days",
                ..
            })
        ));
    }
}
