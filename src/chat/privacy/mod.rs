//! Data-subject rights and retention, for owners (REST) and the command line: export and
//! erase everything a site holds about one person, each audited; each site's retention
//! periods and the sweep that enforces them. The work over the store is in free functions
//! (`export`, `erase`, `retention::sweep`) so the CLI runs exactly what the server runs;
//! the service adds what only a running node can do (telling live shoppers and agents).

mod erase;
mod export;
mod person;
mod retention;

pub use retention::{SweepReport, sweep};

use super::{ChatError, ChatService, apply};
use crate::conversation::{Closer, Event};
use crate::domain::{SiteId, Timestamp};
use crate::privacy::{Action, Actor, AuditEntry, Counts, ExportDocument, Subject};
use crate::store::StoreError;
use crate::store::prelude::*;

/// Audit records kept per site (newest); older ones are dropped as new ones come.
pub const AUDIT_KEEP: usize = 10_000;
/// Audit records an owner reads at most.
const AUDIT_READ: usize = 500;
/// Compare-and-set attempts at closing one conversation before the erasure goes on (it
/// deletes the conversation either way).
const CLOSE_ATTEMPTS: usize = 4;

/// Exports a subject and records who did (the CLI's and the service's one path).
pub async fn export_audited(
    store: &dyn Store,
    site: &SiteId,
    subject: &Subject,
    actor: Actor,
) -> Result<ExportDocument, StoreError> {
    let now = Timestamp::now();
    let doc = export::export(store, site, subject, now).await?;
    let entry = AuditEntry::new(site, now, actor, Action::Export, subject, doc.counts());
    store.record_audit(&entry, AUDIT_KEEP).await?;
    Ok(doc)
}

/// Erases a subject and records who did; returns what went (the CLI's and the service's one
/// path; the service first closes the person's open chats and afterwards resets them live).
pub async fn erase_audited(
    store: &dyn Store,
    site: &SiteId,
    subject: &Subject,
    actor: Actor,
) -> Result<(Counts, Vec<crate::domain::VisitorId>), StoreError> {
    let erased = erase::erase(store, site, subject).await?;
    let entry = AuditEntry::new(
        site,
        Timestamp::now(),
        actor,
        Action::Erase,
        subject,
        erased.counts,
    );
    store.record_audit(&entry, AUDIT_KEEP).await?;
    Ok((erased.counts, erased.visitors))
}

impl ChatService {
    /// Everything the site holds about a subject, as one document; audited. The files their
    /// messages carry come as links signed for an hour (`attachments[].url`), so whoever
    /// answers the request can download them with it; the CLI's export, which has no server
    /// to fetch from, lists them without links.
    pub async fn privacy_export(
        &self,
        site: &SiteId,
        subject: &Subject,
        actor: Actor,
    ) -> Result<ExportDocument, ChatError> {
        self.save_live(site, subject).await?;
        let mut doc = export_audited(self.store.as_ref(), site, subject, actor).await?;
        for visitor in &mut doc.visitors {
            for conversation in &mut visitor.conversations {
                for message in &mut conversation.messages {
                    self.sign_attachments(site, message);
                }
            }
        }
        Ok(doc)
    }

    /// Saves the browsing state of the site's shoppers live on this node that may be the
    /// subject (the one named by id, or anyone identified), so the store, which a request
    /// reads, knows what this node knows: a shopper who identified a minute ago is found by
    /// their address. Other nodes save theirs every ping interval and when a tab closes.
    async fn save_live(&self, site: &SiteId, subject: &Subject) -> Result<(), ChatError> {
        for live in self.hub.site_visitors(std::slice::from_ref(site)) {
            let id = &live.visitor_id;
            let Some(state) = self.hub.visitor_state(site, id) else {
                continue;
            };
            let maybe = match subject {
                Subject::VisitorId(v) => v == id,
                _ => state.identified || state.verified.is_some(),
            };
            if maybe {
                self.store.save_visitor(site, id, &state).await?;
            }
        }
        Ok(())
    }

    /// Erases everything the site holds about a subject; audited. A shopper of the person
    /// who is chatting right now sees their open conversation closed first (as if an agent
    /// closed it, so every tab and dashboard learns it the usual way), then it is deleted,
    /// and the browsing state their tabs share starts again from nothing on every node.
    pub async fn privacy_erase(
        &self,
        site: &SiteId,
        subject: &Subject,
        actor: Actor,
    ) -> Result<Counts, ChatError> {
        let store = self.store.as_ref();
        self.save_live(site, subject).await?;
        // Every browser of the person, as the erasure will find them (it resolves again
        // after the closes, which change no identity).
        for v in person::resolve(store, site, subject).await?.visitors {
            self.close_open(site, &v).await;
            // Their files first: the store's erasure forgets which conversations were theirs.
            self.erase_visitor_files(site, &v).await?;
        }
        let (counts, visitors) = erase_audited(store, site, subject, actor).await?;
        // As `site_changed` does: this node at once (even if the bus is down), then every
        // node, so no node saves the erased browsing state back when the tabs leave.
        let now = Timestamp::now();
        for v in &visitors {
            self.hub.reset_visitor(site, v, now);
            self.publish(crate::bus::BusEvent::forget_visitor(site, v))
                .await;
        }
        Ok(counts)
    }

    /// Closes a visitor's open conversations and tells their tabs and the dashboards, as an
    /// agent's close does; a failure is logged (the erasure deletes them either way). Not
    /// through [`ChatService::change`]: a close there also emails the transcript to the
    /// contact address and sends `conversation.closed` with the header to the shop's
    /// endpoints, which would hand out (and queue again) the data being erased.
    async fn close_open(&self, site: &SiteId, visitor: &crate::domain::VisitorId) {
        let open = match self.store.open_conversations(site, visitor).await {
            Ok(open) => open,
            Err(e) => {
                tracing::warn!(error = %e, "erasure: cannot list open conversations");
                return;
            }
        };
        for conv in open {
            for _ in 0..CLOSE_ATTEMPTS {
                let mut c = match self.store.conversation(&conv.id).await {
                    Ok(Some(c)) if c.is_open() => c,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "erasure: cannot load a conversation");
                        break;
                    }
                };
                let (before, expected) = (c.lifecycle.stage.clone(), c.lifecycle.version);
                if apply(&mut c, &Event::Close(Closer::System), Timestamp::now(), 0).is_err() {
                    break;
                }
                match self.store.save_conversation(&c, expected, None).await {
                    Ok((saved, _)) => {
                        self.announce(&saved, None, &before).await;
                        break;
                    }
                    Err(StoreError::Conflict(_)) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, conversation = %conv.id, "erasure: close failed");
                        break;
                    }
                }
            }
        }
    }

    /// The site's newest audit records of exports and erasures, newest first.
    pub async fn privacy_audit(&self, site: &SiteId) -> Result<Vec<AuditEntry>, ChatError> {
        Ok(self.store.audit(site, AUDIT_READ).await?)
    }
}
