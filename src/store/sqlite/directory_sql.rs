//! The directory's SQL: sites, accounts and memberships, one function per question, each
//! taking a plain connection so the writer thread and the read pool share them.

use super::{corrupt, db};
use crate::domain::{AgentId, Email, Origin, Role, SiteId, Timestamp};
use crate::store::{
    AccountChange, Agent, AgentCredentials, Membership, NewAgent, RoutingProfile, Site, SiteAgent,
    StoreError,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

// ---- sites ----------------------------------------------------------------------------------

const SITE_COLUMNS: &str = "id, name, public_key, origins, identity_secret, created_at";

fn site_from_row(row: &Row<'_>) -> rusqlite::Result<(String, String, String, String, String, i64)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn site_from_parts(p: (String, String, String, String, String, i64)) -> Result<Site, StoreError> {
    let (id, name, public_key, origins, identity_secret, created_at) = p;
    let origins: Vec<Origin> = serde_json::from_str(&origins).map_err(corrupt)?;
    Ok(Site {
        id: SiteId::parse(&id).map_err(corrupt)?,
        name,
        public_key,
        origins,
        identity_secret,
        created_at: Timestamp(created_at),
    })
}

pub(super) fn insert_site(conn: &Connection, site: &Site) -> Result<(), StoreError> {
    let origins = serde_json::to_string(&site.origins).map_err(corrupt)?;
    conn.execute(
        "INSERT INTO sites (id, name, public_key, origins, identity_secret, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            site.id.as_str(),
            site.name,
            site.public_key,
            origins,
            site.identity_secret,
            site.created_at.0
        ],
    )
    .map_err(db("insert site"))?;
    Ok(())
}

pub(super) fn sites(conn: &Connection) -> Result<Vec<Site>, StoreError> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites ORDER BY created_at, id");
    let mut stmt = conn.prepare_cached(&sql).map_err(db("list sites"))?;
    let rows = stmt
        .query_map([], site_from_row)
        .map_err(db("list sites"))?;
    rows.map(|r| r.map_err(db("list sites")).and_then(site_from_parts))
        .collect()
}

pub(super) fn site_where(
    conn: &Connection,
    column: &'static str,
    value: &str,
) -> Result<Option<Site>, StoreError> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE {column} = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(db("find site"))?;
    stmt.query_row([value], site_from_row)
        .optional()
        .map_err(db("find site"))?
        .map(site_from_parts)
        .transpose()
}

// ---- agents ---------------------------------------------------------------------------------

type AgentRow = (String, String, String, bool, i64, String, Option<String>);

fn agent_from_row(row: &Row<'_>) -> rusqlite::Result<AgentRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn agent_from_parts(p: AgentRow) -> Result<AgentCredentials, StoreError> {
    let (id, email, display_name, must_change_password, created_at, password_hash, avatar) = p;
    Ok(AgentCredentials {
        agent: Agent {
            id: AgentId::parse(&id).map_err(corrupt)?,
            email: Email::parse(&email).map_err(corrupt)?,
            display_name,
            must_change_password,
            created_at: Timestamp(created_at),
            avatar,
        },
        password_hash,
    })
}

/// A membership's routing profile from its `capacity` and `skills` columns.
fn profile_from_parts(capacity: i64, skills: &str) -> Result<RoutingProfile, StoreError> {
    Ok(RoutingProfile {
        capacity: capacity.clamp(0, 1000) as u32,
        skills: serde_json::from_str(skills).map_err(|e| corrupt(format!("skills: {e}")))?,
    })
}

pub(super) fn insert_agent(
    conn: &Connection,
    new: &NewAgent,
    now: Timestamp,
) -> Result<Agent, StoreError> {
    let taken: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM agents WHERE email = ?1)",
            [new.email.as_str()],
            |r| r.get(0),
        )
        .map_err(db("check email"))?;
    if taken {
        return Err(StoreError::Conflict(format!(
            "an account with email {} exists",
            new.email
        )));
    }
    let id = AgentId::generate();
    conn.execute(
        "INSERT INTO agents (id, email, display_name, password_hash, must_change_password, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.as_str(), new.email.as_str(), new.display_name, new.password_hash, new.must_change_password, now.0],
    )
    .map_err(db("insert agent"))?;
    for (site, role) in &new.memberships {
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sites WHERE id = ?1)",
                [site.as_str()],
                |r| r.get(0),
            )
            .map_err(db("check site"))?;
        if !exists {
            return Err(StoreError::NotFound("site"));
        }
        conn.execute(
            "INSERT OR REPLACE INTO memberships (agent_id, site_id, role) VALUES (?1, ?2, ?3)",
            params![id.as_str(), site.as_str(), role.as_str()],
        )
        .map_err(db("insert membership"))?;
    }
    Ok(Agent {
        id,
        email: new.email.clone(),
        display_name: new.display_name.clone(),
        must_change_password: new.must_change_password,
        created_at: now,
        avatar: None,
    })
}

const AGENT_COLUMNS: &str = "id, email, display_name, must_change_password, created_at, \
    password_hash, avatar";

/// The agents of a site with their roles, by name.
pub(super) fn site_agents(conn: &Connection, site: &SiteId) -> Result<Vec<SiteAgent>, StoreError> {
    let sql = format!(
        "SELECT {}, m.role, m.capacity, m.skills FROM agents a JOIN memberships m ON m.agent_id = a.id
         WHERE m.site_id = ?1 ORDER BY a.display_name, a.id",
        AGENT_COLUMNS
            .split(", ")
            .map(|c| format!("a.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db("list site agents"))?;
    let rows = stmt
        .query_map([site.as_str()], |r| {
            Ok((
                agent_from_row(r)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, String>(9)?,
            ))
        })
        .map_err(db("list site agents"))?;
    rows.map(|r| {
        let (row, role, capacity, skills) = r.map_err(db("list site agents"))?;
        Ok(SiteAgent {
            agent: agent_from_parts(row)?.agent,
            role: Role::parse(&role).map_err(corrupt)?,
            profile: profile_from_parts(capacity, &skills)?,
        })
    })
    .collect()
}

pub(super) fn agent_where(
    conn: &Connection,
    column: &'static str,
    value: &str,
) -> Result<Option<AgentCredentials>, StoreError> {
    let sql = format!("SELECT {AGENT_COLUMNS} FROM agents WHERE {column} = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(db("find agent"))?;
    stmt.query_row([value], agent_from_row)
        .optional()
        .map_err(db("find agent"))?
        .map(agent_from_parts)
        .transpose()
}

pub(super) fn memberships(
    conn: &Connection,
    agent: &AgentId,
) -> Result<Vec<Membership>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT site_id, role, capacity, skills FROM memberships WHERE agent_id = ?1
             ORDER BY site_id",
        )
        .map_err(db("list memberships"))?;
    let rows = stmt
        .query_map([agent.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(db("list memberships"))?;
    rows.map(|r| {
        let (site, role, capacity, skills) = r.map_err(db("list memberships"))?;
        Ok(Membership {
            site_id: SiteId::parse(&site).map_err(corrupt)?,
            role: Role::parse(&role).map_err(corrupt)?,
            profile: profile_from_parts(capacity, &skills)?,
        })
    })
    .collect()
}

pub(super) fn set_password(
    conn: &Connection,
    agent: &AgentId,
    hash: &str,
    must_change: bool,
) -> Result<(), StoreError> {
    let n = conn
        .execute(
            "UPDATE agents SET password_hash = ?2, must_change_password = ?3,
                 token_generation = token_generation + 1 WHERE id = ?1",
            params![agent.as_str(), hash, must_change],
        )
        .map_err(db("set password"))?;
    if n == 0 {
        Err(StoreError::NotFound("agent"))
    } else {
        Ok(())
    }
}

/// Changes the account's name, email and/or avatar: the writer runs one call at a time, so the
/// email check and the update cannot interleave with another write (and the column's UNIQUE
/// constraint stands behind it).
pub(super) fn update_account(
    conn: &Connection,
    agent: &AgentId,
    change: &AccountChange,
) -> Result<Agent, StoreError> {
    if let Some(email) = &change.email {
        let taken: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM agents WHERE email = ?1 AND id <> ?2)",
                params![email.as_str(), agent.as_str()],
                |r| r.get(0),
            )
            .map_err(db("check email"))?;
        if taken {
            return Err(StoreError::Conflict(format!(
                "an account with email {email} exists"
            )));
        }
    }
    let n = conn
        .execute(
            "UPDATE agents SET display_name = COALESCE(?2, display_name),
                 email = COALESCE(?3, email),
                 avatar = CASE WHEN ?4 THEN ?5 ELSE avatar END WHERE id = ?1",
            params![
                agent.as_str(),
                change.display_name,
                change.email.as_ref().map(Email::as_str),
                change.avatar.is_some(),
                change.avatar.clone().flatten()
            ],
        )
        .map_err(db("update account"))?;
    if n == 0 {
        return Err(StoreError::NotFound("agent"));
    }
    agent_where(conn, "id", agent.as_str())?
        .map(|creds| creds.agent)
        .ok_or(StoreError::NotFound("agent"))
}

pub(super) fn token_generation(
    conn: &Connection,
    agent: &AgentId,
) -> Result<Option<u64>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT token_generation FROM agents WHERE id = ?1")
        .map_err(db("read token generation"))?;
    let found: Option<i64> = stmt
        .query_row([agent.as_str()], |r| r.get(0))
        .optional()
        .map_err(db("read token generation"))?;
    Ok(found.map(|g| g.max(0) as u64))
}

// ---- team -----------------------------------------------------------------------------------

pub(super) fn add_membership(
    conn: &Connection,
    agent: &AgentId,
    site: &SiteId,
    role: Role,
) -> Result<(), StoreError> {
    let (account, site_exists, member): (bool, bool, bool) = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM agents WHERE id = ?1),
                    EXISTS (SELECT 1 FROM sites WHERE id = ?2),
                    EXISTS (SELECT 1 FROM memberships WHERE agent_id = ?1 AND site_id = ?2)",
            params![agent.as_str(), site.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(db("check membership"))?;
    if !account {
        return Err(StoreError::NotFound("agent"));
    }
    if !site_exists {
        return Err(StoreError::NotFound("site"));
    }
    if member {
        return Err(StoreError::Conflict(
            "this account is already a member of the site".into(),
        ));
    }
    conn.execute(
        "INSERT INTO memberships (agent_id, site_id, role) VALUES (?1, ?2, ?3)",
        params![agent.as_str(), site.as_str(), role.as_str()],
    )
    .map_err(db("add membership"))?;
    Ok(())
}

/// The member's current role and how many owners the site has, read in the caller's
/// transaction so the last-owner check cannot race another change.
fn role_and_owners(
    conn: &Connection,
    site: &SiteId,
    agent: &AgentId,
) -> Result<Option<(Role, u64)>, StoreError> {
    let found: Option<(String, i64)> = conn
        .query_row(
            "SELECT role, (SELECT COUNT(*) FROM memberships WHERE site_id = ?1 AND role = 'owner')
             FROM memberships WHERE site_id = ?1 AND agent_id = ?2",
            params![site.as_str(), agent.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db("read role"))?;
    found
        .map(|(role, owners)| Ok((Role::parse(&role).map_err(corrupt)?, owners.max(0) as u64)))
        .transpose()
}

pub(super) fn set_role(
    conn: &Connection,
    site: &SiteId,
    agent: &AgentId,
    role: Role,
) -> Result<(), StoreError> {
    let (current, owners) =
        role_and_owners(conn, site, agent)?.ok_or(StoreError::NotFound("agent"))?;
    if current == Role::Owner && role != Role::Owner && owners <= 1 {
        return Err(StoreError::Conflict(
            "the site's last owner cannot stop being one; make someone else an owner first".into(),
        ));
    }
    conn.execute(
        "UPDATE memberships SET role = ?3 WHERE site_id = ?1 AND agent_id = ?2",
        params![site.as_str(), agent.as_str(), role.as_str()],
    )
    .map_err(db("set role"))?;
    Ok(())
}

pub(super) fn remove_membership(
    conn: &Connection,
    site: &SiteId,
    agent: &AgentId,
) -> Result<bool, StoreError> {
    let Some((current, owners)) = role_and_owners(conn, site, agent)? else {
        return Ok(false);
    };
    if current == Role::Owner && owners <= 1 {
        return Err(StoreError::Conflict(
            "the site's last owner cannot be removed; make someone else an owner first".into(),
        ));
    }
    conn.execute(
        "DELETE FROM memberships WHERE site_id = ?1 AND agent_id = ?2",
        params![site.as_str(), agent.as_str()],
    )
    .map_err(db("remove membership"))?;
    Ok(true)
}
