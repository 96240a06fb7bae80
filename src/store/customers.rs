//! The record of one customer across devices: the shop's verified customer id on a site, the
//! visitor id every device of that customer speaks as (its "canonical" visitor, minted at the
//! first link and never a device's own id), and the devices linked to it.

use crate::domain::VisitorId;
use serde::{Deserialize, Serialize};

/// Which customer a visitor belongs to, and the visitor the customer's devices speak as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerLink {
    /// The customer's key on the site: `user:ID` for a verified `user_id`, `email:ADDRESS`
    /// for a verified email (see `chat::visitor::customer::customer_key`).
    pub customer: String,
    /// The visitor the customer's conversations, browsing state and rule history belong to.
    pub canonical: VisitorId,
}
