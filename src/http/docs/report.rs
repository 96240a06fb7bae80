//! Documentation types of the reports: the site report, a rule's funnel and a simulated
//! journey. Never built: each mirrors the `json!` that `reports_api.rs` and `rules_api.rs`
//! (`funnel_view`, `group`) write; `tests/api/openapi/` checks real answers against them.

use utoipa::ToSchema;

/// One group of a rule's funnel: visitors at each stage, and the share that converted.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct FunnelGroup {
    /// The rule fired (shown, or counted for a held-out visitor).
    fired: u64,
    /// Opened the widget afterwards.
    opened: u64,
    /// Wrote afterwards.
    replied: u64,
    /// Bought within the attribution window.
    converted: u64,
    /// `converted / fired`; null before anything fired.
    #[schema(required = true)]
    conversion_rate: Option<f64>,
}

/// `GET …/rules/{rule_id}/report` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct RuleReport {
    /// The rule.
    rule_id: String,
    /// Visitors who were shown the rule's action.
    shown: FunnelGroup,
    /// Visitors held out as the control group.
    held_out: FunnelGroup,
    /// Shown minus held-out conversion rate; null until both have one.
    #[schema(required = true)]
    uplift: Option<f64>,
}

/// `POST …/rules/simulate` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct SimulationAnswer {
    /// Per rule: when it fires, or when it came closest and what failed.
    rules: Vec<crate::triggers::simulate::Outcome>,
}

/// Conversations of one day (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct ReportDay {
    /// `YYYY-MM-DD` (UTC).
    date: String,
    /// Opened that day.
    conversations: u64,
    /// Of them, handed to people.
    handed_off: u64,
}

/// Conversations handed to people, by why (documentation type: every reason, 0 when none).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct HandoffCounts {
    /// The shopper asked for a person.
    shopper_asked: u64,
    /// The bot had no answer too often.
    bot_missed: u64,
    /// A trigger rule handed it over.
    trigger: u64,
    /// The site's external bot handed it over.
    external_bot: u64,
    /// Help with an order was asked for.
    order_help: u64,
}

/// How fast people answered first (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct FirstResponse {
    /// Conversations a person answered.
    count: u64,
    /// Median time to the first answer, ms; null without any.
    #[schema(required = true)]
    median_ms: Option<i64>,
    /// 90th percentile, ms; null without any.
    #[schema(required = true)]
    p90_ms: Option<i64>,
}

/// Conversations in the window, by who answered (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct ReportTotals {
    /// All of them.
    conversations: u64,
    /// Only the bot answered.
    bot_only: u64,
    /// A person took part.
    with_agent: u64,
}

/// AI drafts of one day (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct DraftReportDay {
    /// `YYYY-MM-DD` (UTC).
    date: String,
    /// Drafts made.
    drafted: u64,
    /// Sent as drafted.
    sent_unchanged: u64,
    /// Sent after an edit.
    sent_edited: u64,
}

/// AI drafts summed over the window (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct DraftTotals {
    /// Drafts made.
    drafted: u64,
    /// Sent, edited or not.
    sent: u64,
    /// Sent as drafted.
    sent_unchanged: u64,
    /// Sent after an edit.
    sent_edited: u64,
}

/// AI drafts per day and in total (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct DraftReport {
    /// Every day of the window.
    days: Vec<DraftReportDay>,
    /// Summed.
    totals: DraftTotals,
}

/// A rule's funnel in the site report (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct RuleReportEntry {
    /// The rule.
    rule_id: String,
    /// Its name, if it has one.
    #[schema(required = true)]
    name: Option<String>,
    /// Whether it is on.
    enabled: bool,
    /// Visitors shown the rule's action.
    shown: FunnelGroup,
    /// The control group.
    held_out: FunnelGroup,
    /// Shown minus held-out conversion rate.
    #[schema(required = true)]
    uplift: Option<f64>,
}

/// `GET …/report` (documentation type).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(in crate::http) struct SiteReport {
    /// Window start (ms since the epoch, UTC midnight).
    from: i64,
    /// Window end (ms since the epoch).
    to: i64,
    /// Every day of the window, oldest first.
    days: Vec<ReportDay>,
    /// Handoffs by reason.
    handoff_reasons: HandoffCounts,
    /// First answers by people.
    first_response: FirstResponse,
    /// Conversations by who answered.
    totals: ReportTotals,
    /// AI drafts made and sent.
    ai_drafts: DraftReport,
    /// The shoppers' ratings (CSAT).
    csat: super::CsatReport,
    /// Every rule's funnel.
    rules: Vec<RuleReportEntry>,
}
