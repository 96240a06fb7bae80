//! The directory in SQLite: sites, accounts, memberships, token generations and server
//! secrets (the SQL is in [`super::directory_sql`]).

use super::{SqliteStore, corrupt, db, directory_sql as sql};
use crate::domain::{AgentId, Email, Origin, Role, SiteId, Timestamp, random_token};
use crate::store::{
    AccountChange, Agent, AgentCredentials, Directory, Membership, NewAgent, NewSite,
    RoutingProfile, Site, SiteAgent, StoreError,
};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl Directory for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.readers
            .run(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(db("ping")))
            .await?;
        self.writer.run(|_| Ok(())).await
    }

    async fn secret(&self, name: &str, candidate: String) -> Result<String, StoreError> {
        let name = name.to_owned();
        self.writer
            .run(move |c| {
                let found: Option<String> = c
                    .query_row("SELECT value FROM secrets WHERE name = ?1", [&name], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(db("read secret"))?;
                if let Some(value) = found {
                    return Ok(value);
                }
                let value = candidate;
                c.execute(
                    "INSERT INTO secrets (name, value) VALUES (?1, ?2)",
                    params![name, value],
                )
                .map_err(db("store secret"))?;
                Ok(value)
            })
            .await
    }

    async fn server_value(&self, name: &str) -> Result<Option<String>, StoreError> {
        let name = name.to_owned();
        self.readers
            .run(move |c| {
                c.query_row("SELECT value FROM secrets WHERE name = ?1", [&name], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(db("read secret"))
            })
            .await
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
        let stored = site.clone();
        self.writer
            .run(move |c| sql::insert_site(c, &stored))
            .await?;
        Ok(site)
    }

    async fn list_sites(&self) -> Result<Vec<Site>, StoreError> {
        self.readers.run(sql::sites).await
    }

    async fn site(&self, id: &SiteId) -> Result<Option<Site>, StoreError> {
        let id = id.to_string();
        self.readers
            .run(move |c| sql::site_where(c, "id", &id))
            .await
    }

    async fn site_by_public_key(&self, key: &str) -> Result<Option<Site>, StoreError> {
        let key = key.to_owned();
        self.readers
            .run(move |c| sql::site_where(c, "public_key", &key))
            .await
    }

    async fn update_site(
        &self,
        id: &SiteId,
        name: Option<String>,
        origins: Option<Vec<Origin>>,
    ) -> Result<Site, StoreError> {
        let id = id.to_string();
        self.writer
            .run(move |c| {
                if let Some(name) = name {
                    c.execute(
                        "UPDATE sites SET name = ?2 WHERE id = ?1",
                        params![id, name],
                    )
                    .map_err(db("rename site"))?;
                }
                if let Some(origins) = origins {
                    let json = serde_json::to_string(&origins).map_err(corrupt)?;
                    c.execute(
                        "UPDATE sites SET origins = ?2 WHERE id = ?1",
                        params![id, json],
                    )
                    .map_err(db("set origins"))?;
                }
                sql::site_where(c, "id", &id)?.ok_or(StoreError::NotFound("site"))
            })
            .await
    }

    async fn create_agent(&self, new: NewAgent) -> Result<Agent, StoreError> {
        self.writer
            .run(move |c| sql::insert_agent(c, &new, Timestamp::now()))
            .await
    }

    async fn agent_credentials(
        &self,
        email: &Email,
    ) -> Result<Option<AgentCredentials>, StoreError> {
        let email = email.to_string();
        self.readers
            .run(move |c| sql::agent_where(c, "email", &email))
            .await
    }

    async fn agent(&self, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        let id = id.to_string();
        let found = self
            .readers
            .run(move |c| sql::agent_where(c, "id", &id))
            .await?;
        Ok(found.map(|creds| creds.agent))
    }

    async fn memberships(&self, agent: &AgentId) -> Result<Vec<Membership>, StoreError> {
        let agent = agent.clone();
        self.readers.run(move |c| sql::memberships(c, &agent)).await
    }

    async fn set_password(
        &self,
        agent: &AgentId,
        hash: String,
        must_change: bool,
    ) -> Result<(), StoreError> {
        let agent = agent.clone();
        self.writer
            .run(move |c| sql::set_password(c, &agent, &hash, must_change))
            .await
    }

    async fn update_account(
        &self,
        agent: &AgentId,
        change: &AccountChange,
    ) -> Result<Agent, StoreError> {
        let (agent, change) = (agent.clone(), change.clone());
        self.writer
            .run(move |c| sql::update_account(c, &agent, &change))
            .await
    }

    async fn token_generation(&self, agent: &AgentId) -> Result<Option<u64>, StoreError> {
        let agent = agent.clone();
        self.readers
            .run(move |c| sql::token_generation(c, &agent))
            .await
    }

    async fn add_membership(
        &self,
        agent: &AgentId,
        site: &SiteId,
        role: Role,
    ) -> Result<(), StoreError> {
        let (agent, site) = (agent.clone(), site.clone());
        self.writer
            .run(move |c| sql::add_membership(c, &agent, &site, role))
            .await
    }

    async fn set_role(&self, site: &SiteId, agent: &AgentId, role: Role) -> Result<(), StoreError> {
        let (site, agent) = (site.clone(), agent.clone());
        self.writer
            .run(move |c| sql::set_role(c, &site, &agent, role))
            .await
    }

    async fn remove_membership(&self, site: &SiteId, agent: &AgentId) -> Result<bool, StoreError> {
        let (site, agent) = (site.clone(), agent.clone());
        self.writer
            .run(move |c| sql::remove_membership(c, &site, &agent))
            .await
    }

    async fn site_agents(&self, site: &SiteId) -> Result<Vec<SiteAgent>, StoreError> {
        let site = site.clone();
        self.readers.run(move |c| sql::site_agents(c, &site)).await
    }

    async fn set_member_profile(
        &self,
        site: &SiteId,
        agent: &AgentId,
        profile: &RoutingProfile,
    ) -> Result<(), StoreError> {
        let (site, agent) = (site.to_string(), agent.to_string());
        let capacity = profile.capacity;
        let skills = serde_json::to_string(&profile.skills).map_err(corrupt)?;
        self.writer
            .run(move |c| {
                let n = c
                    .execute(
                        "UPDATE memberships SET capacity = ?3, skills = ?4
                         WHERE site_id = ?1 AND agent_id = ?2",
                        params![site, agent, capacity, skills],
                    )
                    .map_err(db("set member profile"))?;
                if n == 0 {
                    Err(StoreError::NotFound("agent"))
                } else {
                    Ok(())
                }
            })
            .await
    }
}
