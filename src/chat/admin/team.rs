//! A site's team, as its owners manage it: the members with their live status, an
//! invitation (a new account or an existing one added, indistinguishably), a change of role
//! or routing profile, and a removal. Every change that alters what an agent's open
//! dashboard was told asks that dashboard to reconnect, and routing runs again when
//! capacity may have changed.

use crate::bus::BusEvent;
use crate::chat::{ChatError, ChatService};
use crate::domain::{AgentId, Email, Role, SiteId};
use crate::protocol::agent::AgentStatus;
use crate::store::{NewAgent, RoutingProfile, SiteAgent, StoreError};

/// Someone an owner adds to a site's team (values checked by the caller).
#[derive(Debug, Clone)]
pub struct Invitation {
    /// Login email.
    pub email: Email,
    /// Name shown to shoppers if the account is new.
    pub name: String,
    /// Role on the site.
    pub role: Role,
    /// Capacity and skills on the site.
    pub profile: RoutingProfile,
    /// The hash of a generated one-time password, used only if the account is new.
    pub password_hash: String,
}

/// A new role and routing profile for one membership (values checked by the caller).
#[derive(Debug, Clone)]
pub struct MemberChange {
    /// The new role, if it changes.
    pub role: Option<Role>,
    /// The membership's routing profile as it is to be.
    pub profile: RoutingProfile,
}

/// What a conflicting invitation is answered with, whatever the store said: the inviter
/// learns only that the account is on the site already.
const ALREADY_MEMBER: &str = "this account is already a member of the site";

impl ChatService {
    /// The site's agents with their role, profile and live status (cluster-wide).
    pub async fn team(&self, site: &SiteId) -> Result<Vec<(SiteAgent, AgentStatus)>, ChatError> {
        Ok(self
            .store
            .site_agents(site)
            .await?
            .into_iter()
            .map(|m| {
                let status = self.agent_status(&m.agent.id);
                (m, status)
            })
            .collect())
    }

    /// One agent's membership of a site, or `NotFound("agent")`.
    pub async fn member(&self, site: &SiteId, agent: &AgentId) -> Result<SiteAgent, ChatError> {
        self.store
            .site_agents(site)
            .await?
            .into_iter()
            .find(|m| &m.agent.id == agent)
            .ok_or(ChatError::NotFound("agent"))
    }

    /// Adds someone to a site: an existing account gets the membership (keeping its password,
    /// name and other sites), otherwise a new account is created with the one-time password.
    /// Either way the membership gets its profile and an open dashboard of the account learns
    /// of its new site. A `Conflict` means the account is on the site already.
    pub async fn invite(&self, site: &SiteId, inv: Invitation) -> Result<AgentId, ChatError> {
        let taken = |e: StoreError| match e {
            StoreError::Conflict(_) => {
                ChatError::Store(StoreError::Conflict(ALREADY_MEMBER.into()))
            }
            other => other.into(),
        };
        let agent = match self.store.agent_credentials(&inv.email).await? {
            Some(existing) => {
                self.store
                    .add_membership(&existing.agent.id, site, inv.role)
                    .await
                    .map_err(taken)?;
                existing.agent.id
            }
            None => {
                self.store
                    .create_agent(NewAgent {
                        email: inv.email.clone(),
                        display_name: inv.name.clone(),
                        password_hash: inv.password_hash,
                        must_change_password: true,
                        memberships: vec![(site.clone(), inv.role)],
                    })
                    .await
                    // Someone created the account meanwhile; inviting again adds it.
                    .map_err(taken)?
                    .id
            }
        };
        // The profile of the new membership only; the account's other sites keep theirs.
        self.store
            .set_member_profile(site, &agent, &inv.profile)
            .await?;
        self.publish(BusEvent::reconnect_agent(site, &agent)).await;
        Ok(agent)
    }

    /// Changes one membership's role and routing profile. A `Conflict` is the role's (the
    /// site's last owner cannot be demoted). The agent's dashboard reconnects when
    /// its role changed (its sockets authenticated with the old one) or its profile did (its
    /// `ready` shows "n/capacity chats"); routing runs again in case capacity grew.
    pub async fn update_member(
        &self,
        site: &SiteId,
        member: &SiteAgent,
        change: MemberChange,
    ) -> Result<Role, ChatError> {
        let agent = &member.agent.id;
        let role_changed = change.role.is_some_and(|r| r != member.role);
        let profile_changed = change.profile != member.profile;
        if let Some(role) = change.role.filter(|r| *r != member.role) {
            self.store.set_role(site, agent, role).await?;
            self.publish(BusEvent::reconnect_agent(site, agent)).await;
        }
        self.store
            .set_member_profile(site, agent, &change.profile)
            .await?;
        // A role change has asked for a fresh `ready` already.
        if profile_changed && !role_changed {
            self.publish(BusEvent::reconnect_agent(site, agent)).await;
        }
        self.route_site(site).await;
        Ok(change.role.unwrap_or(member.role))
    }

    /// Removes an agent from a site (the account stays for its other sites): its chats there
    /// go back to the queue. `NotFound("agent")` if it was not a member; `Conflict` for the
    /// site's last owner.
    pub async fn remove_member(&self, site: &SiteId, agent: &AgentId) -> Result<(), ChatError> {
        if !self.store.remove_membership(site, agent).await? {
            return Err(ChatError::NotFound("agent"));
        }
        self.agent_removed(site, agent).await;
        Ok(())
    }
}
