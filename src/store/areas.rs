//! The store's contract, one trait per area, so a caller (and a reader) sees only the part of
//! durable state it works with, and each backend implements each area in a file of its own.
//! [`super::Store`] is all of them together.

use super::{
    AccountChange, Agent, AgentCredentials, Appended, Article, CannedReply, DraftDay, DraftMark,
    FunnelCounts, Membership, NewAgent, NewArticle, NewCanned, NewMessage, NewSite, RoutingProfile,
    Site, SiteAgent, SiteStats, StoreError, StoredRule, TriggerSettings,
};
use crate::commerce::{
    ApiKey, CommerceSettings, Customer, CustomerKey, ExternalId, ImportReport, Order, OrderChange,
    OrderRequest, RequestStatus, Upsert,
};
use crate::conversation::{ChatSettings, Conversation, ConversationFilter, Note, Opening};
use crate::domain::{
    AgentId, ApiKeyId, ArticleId, CannedId, ConversationId, Email, Message, Origin, RequestId,
    Role, RuleId, SiteId, Timestamp, VisitorId,
};
use crate::triggers::FunnelStage;
use crate::triggers::VisitorRecord;
use async_trait::async_trait;

/// One customer across devices: the shop's verified customer id linked to the visitors
/// (devices) it was verified on and to one canonical visitor they all speak as. Only a
/// verified id is ever linked (the caller checked the shop's HMAC).
#[async_trait]
pub trait Customers: Send + Sync + 'static {
    /// Links `visitor` (a device) to `customer` and returns the customer's canonical visitor:
    /// `fresh` if the customer had none, else the one it has. Checked and written in one
    /// atomic step, so two devices linking at the same moment, on any nodes, end with one
    /// canonical visitor. A visitor belongs to one customer at a time: linking it to another
    /// (a shared computer) moves it.
    async fn link_customer(
        &self,
        site: &SiteId,
        customer: &str,
        visitor: &VisitorId,
        fresh: &VisitorId,
        now: Timestamp,
    ) -> Result<VisitorId, StoreError>;
    /// The customer a visitor is linked to, for a device or for the canonical visitor itself.
    async fn visitor_customer(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Option<super::CustomerLink>, StoreError>;
    /// The customer's devices (not its canonical visitor), first linked first, at most
    /// `limit`.
    async fn customer_visitors(
        &self,
        site: &SiteId,
        customer: &str,
        limit: usize,
    ) -> Result<Vec<VisitorId>, StoreError>;
    /// The customer's canonical visitor, `None` if the customer was never linked (export and
    /// erasure by the shop's customer id start here).
    async fn customer_canonical(
        &self,
        site: &SiteId,
        customer: &str,
    ) -> Result<Option<VisitorId>, StoreError>;
    /// Removes one device's link (erasing that visitor); `false` if it had none. A canonical
    /// visitor is not a device: it goes only with its customer ([`Customers::forget_customer`]).
    async fn unlink_visitor(&self, site: &SiteId, visitor: &VisitorId) -> Result<bool, StoreError>;
    /// Removes the customer's link and every device's (for erasure); returns the canonical
    /// visitor and the devices it had, `None` if the customer was never linked.
    async fn forget_customer(
        &self,
        site: &SiteId,
        customer: &str,
    ) -> Result<Option<(VisitorId, Vec<VisitorId>)>, StoreError>;
}

/// Who and what exists: sites, agent accounts, their memberships and routing profiles, token
/// generations and server secrets, plus the store's health check (`/readyz`).
#[async_trait]
pub trait Directory: Send + Sync + 'static {
    /// Answers when the store can serve reads and writes (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;
    /// A server-wide value by name (a secret, a marker), set to `candidate` the first time it
    /// is asked for — the first writer wins — so every node and every restart sees the same.
    async fn secret(&self, name: &str, candidate: String) -> Result<String, StoreError>;
    /// A server-wide value set by [`Directory::secret`], if it was ever set.
    async fn server_value(&self, name: &str) -> Result<Option<String>, StoreError>;
    /// Creates a site with a fresh public key and identity secret.
    async fn create_site(&self, new: NewSite) -> Result<Site, StoreError>;
    /// Every site, oldest first.
    async fn list_sites(&self) -> Result<Vec<Site>, StoreError>;
    /// A site by id.
    async fn site(&self, id: &SiteId) -> Result<Option<Site>, StoreError>;
    /// A site by the public key the widget sends.
    async fn site_by_public_key(&self, key: &str) -> Result<Option<Site>, StoreError>;
    /// Renames a site and/or replaces its allowed origins; returns the site as it is now.
    async fn update_site(
        &self,
        id: &SiteId,
        name: Option<String>,
        origins: Option<Vec<Origin>>,
    ) -> Result<Site, StoreError>;
    /// Creates an account with its site memberships; `Conflict` if the email is taken.
    async fn create_agent(&self, new: NewAgent) -> Result<Agent, StoreError>;
    /// The account and password hash for a login.
    async fn agent_credentials(
        &self,
        email: &Email,
    ) -> Result<Option<AgentCredentials>, StoreError>;
    /// An account by id.
    async fn agent(&self, id: &AgentId) -> Result<Option<Agent>, StoreError>;
    /// The sites an account belongs to, with its role on each.
    async fn memberships(&self, agent: &AgentId) -> Result<Vec<Membership>, StoreError>;
    /// Replaces an account's password hash, sets "must change password" to `must_change`
    /// (a password someone else chose for the account — a reset — must be replaced at the
    /// next login; the account's own choice clears it) and bumps the account's token
    /// generation (in the same write), so every token issued before stops working: whoever
    /// had the old password loses the sessions it opened.
    async fn set_password(
        &self,
        agent: &AgentId,
        hash: String,
        must_change: bool,
    ) -> Result<(), StoreError>;
    /// Changes an account's display name and/or login email in one write and returns the
    /// account as it now is. `Conflict` if the email belongs to another account (its own
    /// email is no change), `NotFound` if there is no such account. The email index moves
    /// with it: a login with the old email finds nobody, one with the new finds this account.
    async fn update_account(
        &self,
        agent: &AgentId,
        change: &AccountChange,
    ) -> Result<Agent, StoreError>;
    /// The account's token generation: tokens carry the one they were issued at and are
    /// refused once it has moved on. Starts at 0; `None` if there is no such account.
    async fn token_generation(&self, agent: &AgentId) -> Result<Option<u64>, StoreError>;
    /// Makes an existing account a member of a site; `Conflict` if it already is one,
    /// `NotFound` if the account or the site does not exist.
    async fn add_membership(
        &self,
        agent: &AgentId,
        site: &SiteId,
        role: Role,
    ) -> Result<(), StoreError>;
    /// Changes an account's role on a site; `NotFound` if it is not a member, `Conflict` if it
    /// is the site's last owner and would stop being one (a site must keep someone who can
    /// manage it). Checked and written in one transaction.
    async fn set_role(&self, site: &SiteId, agent: &AgentId, role: Role) -> Result<(), StoreError>;
    /// Removes an account from a site; `false` if it was not a member, `Conflict` if it is the
    /// site's last owner. The account itself stays (it may belong to other sites).
    async fn remove_membership(&self, site: &SiteId, agent: &AgentId) -> Result<bool, StoreError>;
    /// The agents and owners of a site.
    async fn site_agents(&self, site: &SiteId) -> Result<Vec<SiteAgent>, StoreError>;
    /// Sets how many chats of `site` routing gives an agent and the teams/skills it matches
    /// there; its other memberships keep theirs. `NotFound` if it is not a member.
    async fn set_member_profile(
        &self,
        site: &SiteId,
        agent: &AgentId,
        profile: &RoutingProfile,
    ) -> Result<(), StoreError>;
}

/// Conversations and their messages, notes and read marks: the chat's durable log. Every
/// append is idempotent on its author's `client_msg_id`; header changes are compare-and-set.
#[async_trait]
pub trait Conversations: Send + Sync + 'static {
    /// Stores a message (the shopper's, a proactive one, or an agent's opening line) in the
    /// visitor's open conversation, opening one in the `opening` stage if there is none.
    /// Idempotent on the message's author and `client_msg_id`: a repeat returns the first
    /// result with `duplicate: true` and stores nothing.
    async fn append_to_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        message: NewMessage,
        opening: &Opening,
    ) -> Result<Appended, StoreError>;
    /// Stores a message by an agent, bot or the system in an open conversation; idempotent on
    /// `client_msg_id` per author like the shopper's.
    async fn append_message(
        &self,
        conversation: &ConversationId,
        message: NewMessage,
    ) -> Result<Appended, StoreError>;
    /// Writes a conversation's header if its version is still `expected` (compare-and-set;
    /// `Conflict` otherwise), bumps the version, and stores the transition's notice in the
    /// same transaction. Returns the header as saved.
    async fn save_conversation(
        &self,
        conversation: &Conversation,
        expected: u64,
        notice: Option<NewMessage>,
    ) -> Result<(Conversation, Option<Message>), StoreError>;
    /// A conversation by id.
    async fn conversation(&self, id: &ConversationId) -> Result<Option<Conversation>, StoreError>;
    /// A visitor's open conversations, oldest first.
    async fn open_conversations(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Vec<Conversation>, StoreError>;
    /// A site's conversations, most recently active first.
    async fn site_conversations(
        &self,
        site: &SiteId,
        limit: u32,
    ) -> Result<Vec<Conversation>, StoreError>;
    /// Conversations matching a filter, most recently active first.
    async fn find_conversations(
        &self,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError>;
    /// Messages with `seq > after`, in order, at most `limit`.
    async fn messages_after(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    /// The latest message the shopper wrote in a conversation, if any.
    async fn last_shopper_message(
        &self,
        conversation: &ConversationId,
    ) -> Result<Option<Message>, StoreError>;
    /// Records that the shopper has read up to `seq` (never moves backwards).
    async fn mark_read(&self, conversation: &ConversationId, seq: u64) -> Result<(), StoreError>;
    /// Records that an agent has read up to `seq` (never moves backwards).
    async fn mark_agent_read(
        &self,
        conversation: &ConversationId,
        seq: u64,
    ) -> Result<(), StoreError>;
    /// Stores an agent's internal note.
    async fn add_note(&self, note: &Note) -> Result<(), StoreError>;
    /// A conversation's notes, oldest first.
    async fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>, StoreError>;
}

/// A visitor's browsing state, saved whole so it is never half written.
#[async_trait]
pub trait Visitors: Send + Sync + 'static {
    /// The browsing state saved for a visitor of a site, if any.
    async fn load_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<Option<VisitorRecord>, StoreError>;
    /// Saves a visitor's browsing state.
    async fn save_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        state: &VisitorRecord,
    ) -> Result<(), StoreError>;
    /// Saves a visitor's browsing state behind: queued in order with this store's other
    /// writes but not waited for, so a joining shopper's `welcome` waits for no commit. A
    /// later read may miss it until it lands; a failure is logged. Stores whose writes are
    /// quick anyway simply save.
    async fn save_visitor_behind(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
        state: &VisitorRecord,
    ) -> Result<(), StoreError> {
        self.save_visitor(site, visitor, state).await
    }
}

/// A site's trigger rules with their funnels, and the site's trigger and chat settings.
#[async_trait]
pub trait Rules: Send + Sync + 'static {
    /// A site's rules, oldest first.
    async fn list_rules(&self, site: &SiteId) -> Result<Vec<StoredRule>, StoreError>;
    /// Creates or replaces a rule; `true` when it was created.
    async fn save_rule(
        &self,
        site: &SiteId,
        id: &RuleId,
        spec: serde_json::Value,
    ) -> Result<bool, StoreError>;
    /// Deletes a rule with its funnel; `false` when there was none.
    async fn delete_rule(&self, site: &SiteId, id: &RuleId) -> Result<bool, StoreError>;
    /// Adds one to a rule's funnel stage for the shown or the held-out group.
    async fn count_funnel(
        &self,
        site: &SiteId,
        rule: &RuleId,
        held_out: bool,
        stage: FunnelStage,
    ) -> Result<(), StoreError>;
    /// A rule's funnel.
    async fn funnel(&self, site: &SiteId, rule: &RuleId) -> Result<FunnelCounts, StoreError>;
    /// A site's trigger settings (defaults until set).
    async fn trigger_settings(&self, site: &SiteId) -> Result<TriggerSettings, StoreError>;
    /// Replaces a site's trigger settings.
    async fn set_trigger_settings(
        &self,
        site: &SiteId,
        settings: &TriggerSettings,
    ) -> Result<(), StoreError>;
    /// A site's chat settings (defaults until set).
    async fn chat_settings(&self, site: &SiteId) -> Result<ChatSettings, StoreError>;
    /// Replaces a site's chat settings.
    async fn set_chat_settings(
        &self,
        site: &SiteId,
        settings: &ChatSettings,
    ) -> Result<(), StoreError>;
}

/// A site's knowledge base and canned replies, always scoped by site.
#[async_trait]
pub trait Library: Send + Sync + 'static {
    /// A site's knowledge-base articles, oldest first.
    async fn list_articles(&self, site: &SiteId) -> Result<Vec<Article>, StoreError>;
    /// An article, if it exists and belongs to the site.
    async fn article(&self, site: &SiteId, id: &ArticleId) -> Result<Option<Article>, StoreError>;
    /// Creates an article with a fresh id.
    async fn create_article(&self, site: &SiteId, new: NewArticle) -> Result<Article, StoreError>;
    /// Replaces an article's question and answer; `NotFound` if absent or another site's.
    async fn update_article(
        &self,
        site: &SiteId,
        id: &ArticleId,
        new: NewArticle,
    ) -> Result<Article, StoreError>;
    /// Deletes an article; `false` when the site had none with this id.
    async fn delete_article(&self, site: &SiteId, id: &ArticleId) -> Result<bool, StoreError>;
    /// A site's canned replies, ordered by shortcut.
    async fn list_canned(&self, site: &SiteId) -> Result<Vec<CannedReply>, StoreError>;
    /// A canned reply, if it exists and belongs to the site.
    async fn canned(&self, site: &SiteId, id: &CannedId)
    -> Result<Option<CannedReply>, StoreError>;
    /// Creates a canned reply; `Conflict` if the site already has the shortcut.
    async fn create_canned(&self, site: &SiteId, new: NewCanned)
    -> Result<CannedReply, StoreError>;
    /// Replaces a canned reply; `NotFound` if absent or another site's, `Conflict` if the new
    /// shortcut is another reply's.
    async fn update_canned(
        &self,
        site: &SiteId,
        id: &CannedId,
        new: NewCanned,
    ) -> Result<CannedReply, StoreError>;
    /// Deletes a canned reply; `false` when the site had none with this id.
    async fn delete_canned(&self, site: &SiteId, id: &CannedId) -> Result<bool, StoreError>;
}

/// The owners' reports, aggregated by the backend rather than record by record.
#[async_trait]
pub trait Stats: Send + Sync + 'static {
    /// A site's conversation numbers for conversations created in `[from, to)`: per UTC
    /// day, per handoff reason, totals and the time from going to people to the first agent
    /// reply. Computed by the database, not conversation by conversation.
    async fn site_stats(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SiteStats, StoreError>;
    /// Counts one draft the language model made for `site` on `at`'s UTC day.
    async fn count_draft(&self, site: &SiteId, at: Timestamp) -> Result<(), StoreError>;
    /// Records that the agent message `seq` of `conversation` was sent from a model draft,
    /// `mark` saying whether unchanged, counted on `at`'s UTC day. Idempotent on the message:
    /// a retried send records nothing more, so it may be called for duplicates too (a send
    /// whose first attempt was stored but not recorded gets its mark on the retry).
    async fn record_draft_send(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
        seq: u64,
        mark: DraftMark,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// The site's draft figures per UTC day from `from`'s day to `to`'s, days with any, oldest
    /// first. Figures older than [`crate::report::DRAFT_DAYS_KEPT`] days may be gone.
    async fn draft_stats(
        &self,
        site: &SiteId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<DraftDay>, StoreError>;
}

/// The shop's own data (customers, orders and their parcels, refunds and returns) with what
/// feeds it and what it feeds: the push API's keys, platform webhook ids already handled, the
/// site's commerce settings and shoppers' return/cancel requests. Every write applies the
/// rules of [`crate::commerce::merge_order`] and friends inside the backend's own atomic
/// write, so an older update never overwrites a newer one, whichever node receives which.
#[async_trait]
pub trait Commerce: Send + Sync + 'static {
    /// Creates or updates a customer (keyed by the shop's id) unless the stored one is as new.
    async fn upsert_customer(
        &self,
        site: &SiteId,
        customer: Customer,
    ) -> Result<Upsert, StoreError>;
    /// Creates or updates an order (keyed by the shop's id), merging parcels, refunds and
    /// returns by id ([`crate::commerce::merge_order`]).
    async fn upsert_order(&self, site: &SiteId, order: Order) -> Result<Upsert, StoreError>;
    /// Applies a change to one part of a stored order; `NotFound` if the order is unknown
    /// (a platform retries later, by when the order has usually arrived).
    async fn change_order(
        &self,
        site: &SiteId,
        order: &ExternalId,
        change: OrderChange,
    ) -> Result<Upsert, StoreError>;
    /// Upserts many records at once for a back-fill (at most a few thousand per call; the
    /// caller bounds it), in as few writes as the backend allows. Each record follows the
    /// same rule as a single upsert.
    async fn import(
        &self,
        site: &SiteId,
        customers: Vec<Customer>,
        orders: Vec<Order>,
    ) -> Result<ImportReport, StoreError>;
    /// A customer by the shop's id.
    async fn customer(
        &self,
        site: &SiteId,
        id: &ExternalId,
    ) -> Result<Option<Customer>, StoreError>;
    /// A customer by email (the most recently updated if the shop has several).
    async fn customer_by_email(
        &self,
        site: &SiteId,
        email: &Email,
    ) -> Result<Option<Customer>, StoreError>;
    /// An order by the shop's id.
    async fn order(&self, site: &SiteId, id: &ExternalId) -> Result<Option<Order>, StoreError>;
    /// An order by its number's comparison key ([`crate::commerce::OrderNumber::key`]).
    async fn order_by_number(
        &self,
        site: &SiteId,
        number_key: &str,
    ) -> Result<Option<Order>, StoreError>;
    /// A customer's orders — placed under their customer id or their email — newest placed
    /// first, at most `limit`.
    async fn orders_for(
        &self,
        site: &SiteId,
        key: &CustomerKey,
        limit: u32,
    ) -> Result<Vec<Order>, StoreError>;
    /// Stores a new push-API key (its hash; the secret is never stored).
    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;
    /// A site's keys, oldest first.
    async fn api_keys(&self, site: &SiteId) -> Result<Vec<ApiKey>, StoreError>;
    /// Revokes a key; `false` if the site has no such key.
    async fn revoke_api_key(&self, site: &SiteId, id: &ApiKeyId) -> Result<bool, StoreError>;
    /// The key whose secret hashes to `secret_hash`, if it exists (not revoked).
    async fn api_key_by_hash(&self, secret_hash: &str) -> Result<Option<ApiKey>, StoreError>;
    /// Whether a platform delivery (`source` "shopify"/"woocommerce", the platform's
    /// delivery id) was already handled on this site.
    async fn webhook_seen(&self, site: &SiteId, source: &str, id: &str)
    -> Result<bool, StoreError>;
    /// Records a handled delivery; forgotten after [`WEBHOOK_MEMORY_MS`] (longer than any
    /// platform retries).
    async fn remember_webhook(
        &self,
        site: &SiteId,
        source: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// The site's commerce settings (defaults until set).
    async fn commerce_settings(&self, site: &SiteId) -> Result<CommerceSettings, StoreError>;
    /// Replaces the site's commerce settings.
    async fn set_commerce_settings(
        &self,
        site: &SiteId,
        settings: &CommerceSettings,
    ) -> Result<(), StoreError>;
    /// Stores a shopper's return/cancel request. If the same conversation already has an
    /// open request of the same kind for the same order, that one is returned instead (a
    /// double click makes one request).
    async fn create_request(&self, request: &OrderRequest) -> Result<OrderRequest, StoreError>;
    /// The requests made on an order, oldest first.
    async fn order_requests(
        &self,
        site: &SiteId,
        order: &ExternalId,
    ) -> Result<Vec<OrderRequest>, StoreError>;
    /// Marks a request open or done; `false` if the site has no such request.
    async fn set_request_status(
        &self,
        site: &SiteId,
        id: &RequestId,
        status: RequestStatus,
    ) -> Result<bool, StoreError>;
}

/// How long a platform delivery id is remembered for deduplication: a week (Shopify retries
/// for 48 hours, WooCommerce for less).
pub const WEBHOOK_MEMORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Outbound events: a site's webhook endpoints (at most a few per site, checked in the same
/// write that adds one) and the delivery log owners read, trimmed to the newest entries of
/// each site as it grows.
#[async_trait]
pub trait Outbound: Send + Sync + 'static {
    /// Adds an endpoint unless its site has `max` already (`Conflict` then).
    async fn create_endpoint(
        &self,
        endpoint: &super::Endpoint,
        max: usize,
    ) -> Result<(), StoreError>;
    /// The site's endpoints, oldest first.
    async fn endpoints(&self, site: &SiteId) -> Result<Vec<super::Endpoint>, StoreError>;
    /// Deletes one of the site's endpoints; false if the site has none with this id.
    async fn delete_endpoint(
        &self,
        site: &SiteId,
        id: &crate::domain::EndpointId,
    ) -> Result<bool, StoreError>;
    /// Appends an attempt to its site's log and keeps only the newest `keep` of that site.
    async fn record_delivery(
        &self,
        entry: &super::DeliveryRecord,
        keep: usize,
    ) -> Result<(), StoreError>;
    /// The site's newest `limit` log entries, newest first.
    async fn deliveries(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<super::DeliveryRecord>, StoreError>;
}

/// Email: a site's email settings, the durable outbox (an email owed survives a restart, is
/// found by an idempotency key so it is queued once, and is leased while a node sends it so
/// two nodes never send the same row), the delivery log, each conversation's thread token,
/// the addresses a site must not write to, the shoppers' emails as they arrived, and
/// one-time codes.
#[async_trait]
pub trait Mail: Send + Sync + 'static {
    /// The site's email settings; `None` when an owner never saved any.
    async fn email_settings(
        &self,
        site: &SiteId,
    ) -> Result<Option<crate::email::EmailSettings>, StoreError>;
    /// Saves the site's email settings.
    async fn put_email_settings(
        &self,
        site: &SiteId,
        settings: &crate::email::EmailSettings,
    ) -> Result<(), StoreError>;
    /// Queues an email unless its site already has one with the same key (whatever its
    /// status): `true` if queued, `false` if the key was taken.
    async fn enqueue_email(&self, email: &crate::email::OutboxEmail) -> Result<bool, StoreError>;
    /// Up to `limit` pending emails due by `now` (oldest due first; rows whose leases ran out
    /// come back in no promised order) that no node holds, each
    /// leased until `lease_until` in the same atomic step, with `attempts` counted up: a node
    /// that dies while sending lets the lease run out and another node (or itself after a
    /// restart) takes the row again.
    async fn claim_emails(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<crate::email::OutboxEmail>, StoreError>;
    /// Ends an attempt: `Sent`, `Failed` and `Skipped` are final; `Retry` makes the row due
    /// again at `next_at` and frees the lease. The log entry is appended in the same write,
    /// keeping the newest `keep` of its site.
    async fn finish_email(
        &self,
        id: &crate::domain::EmailId,
        entry: &crate::email::EmailLogEntry,
        keep: usize,
    ) -> Result<(), StoreError>;
    /// One outbox row by site and key (what a use case queued, for tests and the dashboard).
    async fn email_by_key(
        &self,
        site: &SiteId,
        key: &str,
    ) -> Result<Option<crate::email::OutboxEmail>, StoreError>;
    /// The site's newest `limit` log entries, newest first.
    async fn email_log(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<crate::email::EmailLogEntry>, StoreError>;
    /// Pending rows in the whole outbox (for `/metrics`).
    async fn pending_emails(&self) -> Result<u64, StoreError>;
    /// Removes up to `limit` rows that ended (sent, failed, skipped) before `ended_before`,
    /// with their idempotency keys: no use case queues the same key that much later, and the
    /// outbox (which names shoppers' addresses) must not grow for ever. Returns how many.
    async fn prune_emails(&self, ended_before: Timestamp, limit: usize) -> Result<u64, StoreError>;
    /// Emails of the site (`to: None`) or to one address queued at or after `since` and not
    /// skipped (an email that was never sent does not use up a limit), for the per-site and
    /// per-recipient hourly limits.
    async fn emails_since(
        &self,
        site: &SiteId,
        to: Option<&str>,
        since: Timestamp,
    ) -> Result<u64, StoreError>;
    /// The conversation's thread, created with `new_token` the first time.
    async fn thread(
        &self,
        site: &SiteId,
        conversation: &ConversationId,
        new_token: &str,
    ) -> Result<crate::email::MailThread, StoreError>;
    /// Raises the thread's `emailed_seq` to `seq` (never lowers it).
    async fn mark_emailed(&self, conversation: &ConversationId, seq: u64)
    -> Result<(), StoreError>;
    /// The thread a token belongs to, if its conversation still exists.
    async fn thread_by_token(
        &self,
        token: &str,
    ) -> Result<Option<crate::email::MailThread>, StoreError>;
    /// Adds (or replaces) an address on the site's suppression list.
    async fn suppress(&self, entry: &crate::email::Suppression) -> Result<(), StoreError>;
    /// The site's suppression of an address (lowercased), if any.
    async fn suppression(
        &self,
        site: &SiteId,
        email: &str,
    ) -> Result<Option<crate::email::Suppression>, StoreError>;
    /// The site's suppression list, newest first, at most `limit` entries.
    async fn suppressions(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<crate::email::Suppression>, StoreError>;
    /// Removes an address from the site's list; false if it was not on it.
    async fn unsuppress(&self, site: &SiteId, email: &str) -> Result<bool, StoreError>;
    /// Keeps a shopper's email as it arrived, beside the message it became.
    async fn record_inbound(&self, record: &crate::email::InboundRecord) -> Result<(), StoreError>;
    /// The emails that arrived in a conversation, oldest first.
    async fn inbound_emails(
        &self,
        conversation: &ConversationId,
    ) -> Result<Vec<crate::email::InboundRecord>, StoreError>;
    /// Stores a one-time code's hash for a site and address until `expires`, replacing an
    /// earlier one.
    async fn put_email_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        expires: Timestamp,
    ) -> Result<(), StoreError>;
    /// Takes the code if it matches and has not expired (it cannot be used again); false
    /// otherwise.
    async fn take_email_code(
        &self,
        site: &SiteId,
        email: &str,
        code_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
}

/// Data-subject rights and retention: who a person is on a site (their visitors, found by
/// identity), what is held under their addresses, removing a person's data whole, each
/// site's retention periods with the bounded removals that enforce them, and the audit of
/// exports and erasures. Export is composed by the application from the other areas' reads
/// plus the two look-ups here no other area has. Every removal is idempotent (a second run
/// removes nothing and fails nothing) and safe to run on two nodes at once.
#[async_trait]
pub trait Privacy: Send + Sync + 'static {
    /// The site's visitors that belong to `subject`: the visitor itself (when anything is
    /// held about it); for an email, every visitor whose identity carries it (verified, or
    /// the `email` attribute the shop passed) or whose conversation left it as the contact
    /// address; for a customer id, every visitor verified as it or given it as `user_id`.
    async fn subject_visitors(
        &self,
        site: &SiteId,
        subject: &crate::privacy::Subject,
    ) -> Result<Vec<VisitorId>, StoreError>;
    /// The outbox rows of the site to an address (lower-cased), oldest first, at most `limit`.
    async fn emails_to(
        &self,
        site: &SiteId,
        email: &str,
        limit: usize,
    ) -> Result<Vec<crate::email::OutboxEmail>, StoreError>;
    /// Removes a visitor: its browsing state and identity links, and every conversation of
    /// it with its messages, notes, read marks, idempotency keys, mail thread, inbound
    /// emails, the outbox rows and delivery-log entries of those conversations and the order
    /// requests made in them.
    async fn erase_visitor(
        &self,
        site: &SiteId,
        visitor: &VisitorId,
    ) -> Result<crate::privacy::Counts, StoreError>;
    /// Removes what the site holds under an address: outbox rows and delivery-log entries to
    /// it, its suppression, its one-time code, and the cached customers and orders with that
    /// email (with the requests on those orders).
    async fn erase_address(
        &self,
        site: &SiteId,
        email: &Email,
    ) -> Result<crate::privacy::Counts, StoreError>;
    /// Removes the cached customer with the shop's id and its orders (with their requests).
    async fn erase_customer(
        &self,
        site: &SiteId,
        customer: &ExternalId,
    ) -> Result<crate::privacy::Counts, StoreError>;
    /// The site's retention periods; `None` until an owner saved some.
    async fn retention(
        &self,
        site: &SiteId,
    ) -> Result<Option<crate::privacy::RetentionSettings>, StoreError>;
    /// Saves the site's retention periods.
    async fn put_retention(
        &self,
        site: &SiteId,
        settings: &crate::privacy::RetentionSettings,
    ) -> Result<(), StoreError>;
    /// Removes up to `limit` browsing states of the site last saved before `before` (their
    /// conversations follow their own period). Returns how many.
    async fn expire_visitors(
        &self,
        site: &SiteId,
        before: Timestamp,
        limit: usize,
    ) -> Result<u64, StoreError>;
    /// Removes up to `limit` closed conversations of the site last active before `before`,
    /// with everything [`Privacy::erase_visitor`] removes per conversation. Returns how many.
    async fn expire_conversations(
        &self,
        site: &SiteId,
        before: Timestamp,
        limit: usize,
    ) -> Result<u64, StoreError>;
    /// Appends an audit record and keeps the site's newest `keep`.
    async fn record_audit(
        &self,
        entry: &crate::privacy::AuditEntry,
        keep: usize,
    ) -> Result<(), StoreError>;
    /// The site's newest `limit` audit records, newest first.
    async fn audit(
        &self,
        site: &SiteId,
        limit: usize,
    ) -> Result<Vec<crate::privacy::AuditEntry>, StoreError>;
}
