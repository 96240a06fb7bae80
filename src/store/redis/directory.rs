//! The directory shared by all sites: sites, accounts, memberships and server secrets, all
//! under the `{dir}` hash tag so the uniqueness and last-owner checks are single scripts.
//! How accounts are stored is in [`super::accounts`].

use super::RedisStore;
use super::accounts::{AgentRecord, profile_from};
use super::keys::sub;
use super::values::{corrupt, from_json, pairs, redis_err, to_json};
use crate::domain::{AgentId, Email, Origin, Role, SiteId, Timestamp, random_token};
use crate::store::{
    AccountChange, Agent, AgentCredentials, Directory, Membership, NewAgent, NewSite,
    RoutingProfile, Site, SiteAgent, StoreError,
};
use async_trait::async_trait;

#[async_trait]
impl Directory for RedisStore {
    async fn ping(&self) -> Result<(), StoreError> {
        ::redis::cmd("PING")
            .query_async::<String>(&mut self.conn())
            .await
            .map_err(redis_err("ping"))?;
        Ok(())
    }

    async fn secret(&self, name: &str, candidate: String) -> Result<String, StoreError> {
        let key = sub(&self.keys.dir(), "secrets", "");
        // HSETNX then HGET in one MULTI: the first node to ask wins, every node reads it.
        let (_, value): (i64, String) = ::redis::pipe()
            .atomic()
            .cmd("HSETNX")
            .arg(&key)
            .arg(name)
            .arg(candidate)
            .cmd("HGET")
            .arg(&key)
            .arg(name)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read secret"))?;
        Ok(value)
    }

    async fn server_value(&self, name: &str) -> Result<Option<String>, StoreError> {
        let key = sub(&self.keys.dir(), "secrets", "");
        ::redis::cmd("HGET")
            .arg(&key)
            .arg(name)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("read secret"))
    }

    async fn create_site(&self, new: NewSite) -> Result<Site, StoreError> {
        let site = Site {
            id: SiteId::generate(),
            name: new.name,
            public_key: format!("pk_{}", random_token(24)),
            origins: new.origins,
            identity_secret: random_token(40),
            created_at: Timestamp::now(),
        };
        let created: i64 = self
            .scripts
            .create_site
            .key(self.keys.dir())
            .arg(site.id.as_str())
            .arg(&site.public_key)
            .arg(to_json(&site)?)
            .arg(site.created_at.0)
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("create site"))?;
        if created == 0 {
            return Err(StoreError::Conflict("the public key is taken".into()));
        }
        Ok(site)
    }

    async fn list_sites(&self) -> Result<Vec<Site>, StoreError> {
        let dir = self.keys.dir();
        let mut conn = self.conn();
        // ZRANGE orders by creation time, then id: the SQLite order.
        let ids: Vec<String> = ::redis::cmd("ZRANGE")
            .arg(sub(&dir, "sites", ""))
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .map_err(redis_err("list sites"))?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids.iter().map(|id| sub(&dir, "site:", id)).collect();
        let records: Vec<Option<String>> = ::redis::cmd("MGET")
            .arg(keys)
            .query_async(&mut conn)
            .await
            .map_err(redis_err("list sites"))?;
        records
            .into_iter()
            .flatten()
            .map(|json| from_json("site", &json))
            .collect()
    }

    async fn site(&self, id: &SiteId) -> Result<Option<Site>, StoreError> {
        let json: Option<String> = ::redis::cmd("GET")
            .arg(sub(&self.keys.dir(), "site:", id))
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("find site"))?;
        json.map(|j| from_json("site", &j)).transpose()
    }

    async fn site_by_public_key(&self, key: &str) -> Result<Option<Site>, StoreError> {
        let id: Option<String> = ::redis::cmd("HGET")
            .arg(sub(&self.keys.dir(), "site-keys", ""))
            .arg(key)
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("find site by key"))?;
        match id {
            Some(id) => self.site(&SiteId::parse(&id).map_err(corrupt)?).await,
            None => Ok(None),
        }
    }

    async fn update_site(
        &self,
        id: &SiteId,
        name: Option<String>,
        origins: Option<Vec<Origin>>,
    ) -> Result<Site, StoreError> {
        let key = sub(&self.keys.dir(), "site:", id);
        self.update_json(&key, None, "site", |site: &mut Site| {
            if let Some(name) = &name {
                site.name = name.clone();
            }
            if let Some(origins) = &origins {
                site.origins = origins.clone();
            }
        })
        .await
    }

    async fn create_agent(&self, new: NewAgent) -> Result<Agent, StoreError> {
        let agent = Agent {
            id: AgentId::generate(),
            email: new.email.clone(),
            display_name: new.display_name.clone(),
            must_change_password: new.must_change_password,
            created_at: Timestamp::now(),
            avatar: None,
        };
        let record = AgentRecord {
            agent: agent.clone(),
            password_hash: new.password_hash,
            token_generation: 0,
        };
        let mut invocation = self.scripts.create_agent.key(self.keys.dir());
        invocation
            .arg(agent.id.as_str())
            .arg(agent.email.as_str())
            .arg(to_json(&record)?);
        for (site, role) in &new.memberships {
            invocation.arg(site.as_str()).arg(role.as_str());
        }
        let outcome: String = invocation
            .invoke_async(&mut self.conn())
            .await
            .map_err(redis_err("create agent"))?;
        match outcome.as_str() {
            "ok" => Ok(agent),
            "taken" => Err(StoreError::Conflict(format!(
                "an account with email {} exists",
                new.email
            ))),
            "no-site" => Err(StoreError::NotFound("site")),
            other => Err(corrupt(format!("create agent answered {other}"))),
        }
    }

    async fn agent_credentials(
        &self,
        email: &Email,
    ) -> Result<Option<AgentCredentials>, StoreError> {
        let id: Option<String> = ::redis::cmd("HGET")
            .arg(sub(&self.keys.dir(), "emails", ""))
            .arg(email.as_str())
            .query_async(&mut self.conn())
            .await
            .map_err(redis_err("find agent by email"))?;
        let Some(id) = id else { return Ok(None) };
        let record = self
            .agent_record(&AgentId::parse(&id).map_err(corrupt)?)
            .await?;
        Ok(record.map(|r| AgentCredentials {
            agent: r.agent,
            password_hash: r.password_hash,
        }))
    }

    async fn agent(&self, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        Ok(self.agent_record(id).await?.map(|r| r.agent))
    }

    async fn memberships(&self, agent: &AgentId) -> Result<Vec<Membership>, StoreError> {
        let dir = self.keys.dir();
        let mut conn = self.conn();
        let map: std::collections::HashMap<String, String> = ::redis::cmd("HGETALL")
            .arg(sub(&dir, "agent-sites:", agent))
            .query_async(&mut conn)
            .await
            .map_err(redis_err("list memberships"))?;
        let mut sites: Vec<(String, String)> = map.into_iter().collect();
        sites.sort();
        // One round trip for every site's profile of this agent.
        let mut pipe = ::redis::pipe();
        for (site, _) in &sites {
            pipe.cmd("HGET")
                .arg(sub(&dir, "profiles:", site))
                .arg(agent.as_str());
        }
        let profiles: Vec<Option<String>> = if sites.is_empty() {
            Vec::new()
        } else {
            pipe.query_async(&mut conn)
                .await
                .map_err(redis_err("list memberships"))?
        };
        sites
            .into_iter()
            .zip(profiles)
            .map(|((site, role), profile)| {
                Ok(Membership {
                    site_id: SiteId::parse(&site).map_err(corrupt)?,
                    role: Role::parse(&role).map_err(corrupt)?,
                    profile: profile_from(profile)?,
                })
            })
            .collect()
    }

    async fn set_password(
        &self,
        agent: &AgentId,
        hash: String,
        must_change: bool,
    ) -> Result<(), StoreError> {
        let key = sub(&self.keys.dir(), "agent:", agent);
        self.update_json(&key, None, "agent", |r: &mut AgentRecord| {
            r.password_hash = hash.clone();
            r.agent.must_change_password = must_change;
            r.token_generation += 1;
        })
        .await
        .map(|_| ())
    }

    async fn update_account(
        &self,
        agent: &AgentId,
        change: &AccountChange,
    ) -> Result<Agent, StoreError> {
        self.change_account(agent, change).await
    }

    async fn token_generation(&self, agent: &AgentId) -> Result<Option<u64>, StoreError> {
        Ok(self.agent_record(agent).await?.map(|r| r.token_generation))
    }

    async fn add_membership(
        &self,
        agent: &AgentId,
        site: &SiteId,
        role: Role,
    ) -> Result<(), StoreError> {
        let outcome = self
            .membership_script(
                &self.scripts.add_member,
                [agent.as_str(), site.as_str(), role.as_str()],
                "add membership",
            )
            .await?;
        match outcome.as_str() {
            "ok" => Ok(()),
            "no-agent" => Err(StoreError::NotFound("agent")),
            "no-site" => Err(StoreError::NotFound("site")),
            "member" => Err(StoreError::Conflict(
                "this account is already a member of the site".into(),
            )),
            other => Err(corrupt(format!("add membership answered {other}"))),
        }
    }

    async fn set_role(&self, site: &SiteId, agent: &AgentId, role: Role) -> Result<(), StoreError> {
        let outcome = self
            .membership_script(
                &self.scripts.set_role,
                [site.as_str(), agent.as_str(), role.as_str()],
                "set role",
            )
            .await?;
        match outcome.as_str() {
            "ok" => Ok(()),
            "not-member" => Err(StoreError::NotFound("agent")),
            "last-owner" => Err(StoreError::Conflict(
                "the site's last owner cannot stop being one; make someone else an owner first"
                    .into(),
            )),
            other => Err(corrupt(format!("set role answered {other}"))),
        }
    }

    async fn remove_membership(&self, site: &SiteId, agent: &AgentId) -> Result<bool, StoreError> {
        let outcome = self
            .membership_script(
                &self.scripts.remove_member,
                [site.as_str(), agent.as_str(), ""],
                "remove membership",
            )
            .await?;
        match outcome.as_str() {
            "ok" => Ok(true),
            "not-member" => Ok(false),
            "last-owner" => Err(StoreError::Conflict(
                "the site's last owner cannot be removed; make someone else an owner first".into(),
            )),
            other => Err(corrupt(format!("remove membership answered {other}"))),
        }
    }

    async fn site_agents(&self, site: &SiteId) -> Result<Vec<SiteAgent>, StoreError> {
        let dir = self.keys.dir();
        let mut conn = self.conn();
        let members: ::redis::Value = ::redis::cmd("HGETALL")
            .arg(sub(&dir, "members:", site))
            .query_async(&mut conn)
            .await
            .map_err(redis_err("list site agents"))?;
        let members: Vec<(String, String)> = pairs(&members).into_iter().collect();
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = members
            .iter()
            .map(|(id, _)| sub(&dir, "agent:", id))
            .collect();
        let records: Vec<Option<String>> = ::redis::cmd("MGET")
            .arg(keys)
            .query_async(&mut conn)
            .await
            .map_err(redis_err("list site agents"))?;
        let mut profiles: std::collections::HashMap<String, String> = ::redis::cmd("HGETALL")
            .arg(sub(&dir, "profiles:", site))
            .query_async(&mut conn)
            .await
            .map_err(redis_err("list site agents"))?;
        let mut out = Vec::new();
        for ((id, role), record) in members.iter().zip(records) {
            let Some(json) = record else { continue };
            let record: AgentRecord = from_json("agent", &json)?;
            out.push(SiteAgent {
                agent: record.agent,
                role: Role::parse(role).map_err(corrupt)?,
                profile: profile_from(profiles.remove(id))?,
            });
        }
        out.sort_by(|a, b| {
            (a.agent.display_name.as_str(), a.agent.id.as_str())
                .cmp(&(b.agent.display_name.as_str(), b.agent.id.as_str()))
        });
        Ok(out)
    }

    async fn set_member_profile(
        &self,
        site: &SiteId,
        agent: &AgentId,
        profile: &RoutingProfile,
    ) -> Result<(), StoreError> {
        let outcome = self
            .membership_script(
                &self.scripts.set_profile,
                [site.as_str(), agent.as_str(), &to_json(profile)?],
                "set member profile",
            )
            .await?;
        match outcome.as_str() {
            "ok" => Ok(()),
            "not-member" => Err(StoreError::NotFound("agent")),
            other => Err(corrupt(format!("set member profile answered {other}"))),
        }
    }
}
