//! Documentation types of the site report's CSAT part (the shoppers' ratings). Never built:
//! each mirrors the `json!` of `csat_view` in `reports_api.rs`; `tests/api/openapi/` checks
//! real answers against them.

use utoipa::ToSchema;

/// Ratings counted together (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct CsatCounts {
    /// Ratings given.
    ratings: u64,
    /// Of them, 4 or 5 stars.
    satisfied: u64,
    /// `satisfied / ratings` in percent, one decimal; null without ratings.
    #[schema(required = true)]
    csat: Option<f64>,
    /// Average stars, two decimals; null without ratings.
    #[schema(required = true)]
    average: Option<f64>,
}

/// Ratings of one day (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct CsatDay {
    /// `YYYY-MM-DD` (UTC) the ratings were given.
    date: String,
    /// Ratings given.
    ratings: u64,
    /// Of them, 4 or 5 stars.
    satisfied: u64,
    /// Percent of 4s and 5s; null without ratings.
    #[schema(required = true)]
    csat: Option<f64>,
    /// Average stars; null without ratings.
    #[schema(required = true)]
    average: Option<f64>,
}

/// Ratings of the chats an agent had last (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct CsatAgent {
    /// The agent.
    agent_id: String,
    /// Their name (their id if the account left the site).
    name: String,
    /// Ratings given.
    ratings: u64,
    /// Of them, 4 or 5 stars.
    satisfied: u64,
    /// Percent of 4s and 5s.
    #[schema(required = true)]
    csat: Option<f64>,
    /// Average stars.
    #[schema(required = true)]
    average: Option<f64>,
}

/// Ratings of the chats sent to a team (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct CsatTeam {
    /// The team (a routing skill such as `returns`).
    team: String,
    /// Ratings given.
    ratings: u64,
    /// Of them, 4 or 5 stars.
    satisfied: u64,
    /// Percent of 4s and 5s.
    #[schema(required = true)]
    csat: Option<f64>,
    /// Average stars.
    #[schema(required = true)]
    average: Option<f64>,
}

/// Ratings of the chats a trigger rule's message opened (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct CsatRule {
    /// The rule.
    rule_id: String,
    /// Its name; null if it has none or was deleted.
    #[schema(required = true)]
    name: Option<String>,
    /// Ratings given.
    ratings: u64,
    /// Of them, 4 or 5 stars.
    satisfied: u64,
    /// Percent of 4s and 5s.
    #[schema(required = true)]
    csat: Option<f64>,
    /// Average stars.
    #[schema(required = true)]
    average: Option<f64>,
}

/// The shoppers' ratings given in the window (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct CsatReport {
    /// Every rating.
    totals: CsatCounts,
    /// Every day of the window, oldest first.
    days: Vec<CsatDay>,
    /// Per agent who last had a rated chat.
    agents: Vec<CsatAgent>,
    /// Per team of rated chats.
    teams: Vec<CsatTeam>,
    /// Per rule that opened rated chats.
    rules: Vec<CsatRule>,
    /// Chats only the bot answered.
    bot: CsatCounts,
    /// Chats a person had.
    people: CsatCounts,
}

/// An agent's own ratings over the window (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct MyCsat {
    /// Every rating of chats they last had.
    totals: CsatCounts,
    /// Every day of the window, oldest first.
    days: Vec<CsatDay>,
}

/// `GET /api/v1/sites/{site_id}/report/mine` (documentation type): the caller's CSAT beside
/// the site's people as a whole.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct MyReport {
    /// Start of the window, ms since the epoch.
    from: i64,
    /// End of the window, ms since the epoch.
    to: i64,
    /// The caller's ratings.
    mine: MyCsat,
    /// Every chat a person had on the site, to compare with.
    people: CsatCounts,
}
