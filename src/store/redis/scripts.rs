//! The Lua scripts that make each racy write one atomic step on the Redis server.
//!
//! Redis runs a script alone: no other command interleaves, so a check ("is the version
//! still 3?", "is the email free?", "is this the last owner?") and the write it guards cannot
//! be split by another node. Every script gets the base of one hash tag as `KEYS[1]` and only
//! builds keys under it, so all its keys live in one Cluster slot. A script that fails
//! half-way keeps what it already wrote (Redis has no rollback), so each one checks
//! everything first and writes last, and the command that could fail on bad data (`XADD`
//! with an id below the stream's top) runs before the counters move.
//!
//! The email area's scripts (queue a row once per key, claim due rows with a lease, finish
//! an attempt with its log entry, get-or-create a thread, raise its emailed seq, take a
//! one-time code) are in `mail_scripts.rs`.

use super::commerce_scripts::CommerceScripts;
use ::redis::Script;

/// Shared Lua helpers for the conversation scripts: the message append and the
/// per-stage/per-agent indexes that `find_conversations` reads.
const CONVERSATION_LIB: &str = r#"
local function conv_key(base, cid) return base .. 'conv:' .. cid end

local function unindex(base, cid, key)
  local stage = redis.call('HGET', key, 'stage')
  if stage then redis.call('ZREM', base .. 'by-stage:' .. stage, cid) end
  local agent = redis.call('HGET', key, 'agent')
  if agent and agent ~= '' then redis.call('ZREM', base .. 'by-agent:' .. agent, cid) end
end

local function index(base, cid, key, score)
  redis.call('ZADD', base .. 'convs', score, cid)
  redis.call('ZADD', base .. 'by-stage:' .. redis.call('HGET', key, 'stage'), score, cid)
  local agent = redis.call('HGET', key, 'agent')
  if agent and agent ~= '' then redis.call('ZADD', base .. 'by-agent:' .. agent, score, cid) end
end

-- Stores a message with the next seq; returns the seq.
local function append(base, cid, author, cmid, kind, msg_id, name, text, ts, att)
  local key = conv_key(base, cid)
  local seq = tonumber(redis.call('HGET', key, 'last_seq') or '0') + 1
  redis.call('XADD', base .. 'msgs:' .. cid, seq .. '-0', 'id', msg_id, 'kind', kind,
    'name', name, 'author', author, 'text', text, 'ts', ts, 'cmid', cmid, 'att', att)
  redis.call('HSET', key, 'last_seq', seq, 'updated', ts)
  if kind == 'shopper' then redis.call('HSET', key, 'last_shopper', seq) end
  if kind == 'agent' then redis.call('ZADD', base .. 'agent-ts:' .. cid, ts, seq) end
  if cmid ~= '' then
    redis.call('HSET', base .. 'cmids', author .. '\n' .. cmid, cid .. ' ' .. seq)
  end
  index(base, cid, key, ts)
  return seq
end

local function entry(base, cid, seq)
  local found = redis.call('XRANGE', base .. 'msgs:' .. cid, seq .. '-0', seq .. '-0')
  if #found == 0 then return {} end
  return found[1][2]
end
"#;

/// Appends to a conversation given by id (`mode = conv`) or to the visitor's newest open
/// one (`mode = visitor`), opening one with the given id and header when there is none and
/// an id is given (`need_open` tells the caller to first write the `conv-site` pointer).
/// Idempotent on author and `client_msg_id`: a repeat returns the first message.
const APPEND: &str = r#"
local base = KEYS[1]
local mode, target, author, cmid, kind, msg_id, name, text, ts, att =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local new_id, new_doc, new_stage, new_agent = ARGV[11], ARGV[12], ARGV[13], ARGV[14]
if cmid ~= '' then
  local found = redis.call('HGET', base .. 'cmids', author .. '\n' .. cmid)
  if found then
    local sp = string.find(found, ' ', 1, true)
    local cid, seq = string.sub(found, 1, sp - 1), string.sub(found, sp + 1)
    return {'dup', cid, seq, redis.call('HGETALL', conv_key(base, cid)), entry(base, cid, seq)}
  end
end
local cid
local opened = '0'
if mode == 'conv' then
  local stage = redis.call('HGET', conv_key(base, target), 'stage')
  if not stage then return {'missing'} end
  if stage == 'closed' then return {'closed'} end
  cid = target
else
  local ids = redis.call('ZREVRANGE', base .. 'vconvs:' .. target, 0, -1)
  for _, id in ipairs(ids) do
    local stage = redis.call('HGET', conv_key(base, id), 'stage')
    if stage and stage ~= 'closed' then cid = id break end
  end
  if not cid then
    if new_id == '' then return {'need_open'} end
    cid = new_id
    opened = '1'
    redis.call('HSET', conv_key(base, cid), 'doc', new_doc, 'stage', new_stage,
      'agent', new_agent, 'version', 0, 'last_seq', 0, 'sread', 0, 'aread', 0,
      'created', ts, 'updated', ts)
    redis.call('ZADD', base .. 'vconvs:' .. target, ts, cid)
    redis.call('ZADD', base .. 'convs-created', ts, cid)
  end
end
local seq = append(base, cid, author, cmid, kind, msg_id, name, text, ts, att)
return {'ok', cid, tostring(seq), redis.call('HGETALL', conv_key(base, cid)), opened}
"#;

/// Compare-and-set of a conversation header on its version, plus the optional notice, in
/// one step: two nodes assigning the same chat cannot both win.
const SAVE_CONVERSATION: &str = r#"
local base = KEYS[1]
local cid, expected, doc, stage, agent, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local key = conv_key(base, cid)
local version = redis.call('HGET', key, 'version')
if not version then return {'missing'} end
if version ~= expected then return {'conflict'} end
unindex(base, cid, key)
redis.call('HSET', key, 'doc', doc, 'stage', stage, 'agent', agent,
  'version', tonumber(expected) + 1, 'updated', now)
index(base, cid, key, now)
local seq = ''
if ARGV[7] == '1' then
  seq = tostring(append(base, cid, ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13],
    ARGV[14], ARGV[15]))
end
return {'ok', redis.call('HGETALL', key), seq}
"#;

/// Moves a read mark forwards, never past the last message.
const MARK_READ: &str = r#"
local last = redis.call('HGET', KEYS[1], 'last_seq')
if not last then return 0 end
local want = math.min(tonumber(ARGV[2]), tonumber(last))
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if want > current then redis.call('HSET', KEYS[1], ARGV[1], want) end
return 1
"#;

/// Replaces a string only if it still holds what the caller read (optimistic update of a
/// JSON record: site, account).
const CAS_STRING: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
"#;

/// The same for one field of a hash (articles).
const CAS_FIELD: &str = r#"
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
"#;

/// A new site with its unique public key.
const CREATE_SITE: &str = r#"
local base = KEYS[1]
if redis.call('HSETNX', base .. 'site-keys', ARGV[2], ARGV[1]) == 0 then return 0 end
redis.call('SET', base .. 'site:' .. ARGV[1], ARGV[3])
redis.call('ZADD', base .. 'sites', ARGV[4], ARGV[1])
return 1
"#;

/// A new account: unique email, every site must exist, all or nothing.
const CREATE_AGENT: &str = r#"
local base = KEYS[1]
local id, email, record = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HEXISTS', base .. 'emails', email) == 1 then return 'taken' end
for i = 4, #ARGV, 2 do
  if not redis.call('ZSCORE', base .. 'sites', ARGV[i]) then return 'no-site' end
end
redis.call('SET', base .. 'agent:' .. id, record)
redis.call('HSET', base .. 'emails', email, id)
for i = 4, #ARGV, 2 do
  redis.call('HSET', base .. 'members:' .. ARGV[i], id, ARGV[i + 1])
  redis.call('HSET', base .. 'agent-sites:' .. id, ARGV[i], ARGV[i + 1])
end
return 'ok'
"#;

/// Shared by the membership scripts: how many owners a site has.
const MEMBERS_LIB: &str = r#"
local function owners(base, site)
  local n = 0
  for _, role in ipairs(redis.call('HVALS', base .. 'members:' .. site)) do
    if role == 'owner' then n = n + 1 end
  end
  return n
end
"#;

/// Adds a membership: the account and site must exist, and it must be new.
const ADD_MEMBER: &str = r#"
local base = KEYS[1]
local agent, site, role = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', base .. 'agent:' .. agent) == 0 then return 'no-agent' end
if not redis.call('ZSCORE', base .. 'sites', site) then return 'no-site' end
if redis.call('HEXISTS', base .. 'members:' .. site, agent) == 1 then return 'member' end
redis.call('HSET', base .. 'members:' .. site, agent, role)
redis.call('HSET', base .. 'agent-sites:' .. agent, site, role)
return 'ok'
"#;

/// Changes a role unless that leaves the site without an owner.
const SET_ROLE: &str = r#"
local base = KEYS[1]
local site, agent, role = ARGV[1], ARGV[2], ARGV[3]
local current = redis.call('HGET', base .. 'members:' .. site, agent)
if not current then return 'not-member' end
if current == 'owner' and role ~= 'owner' and owners(base, site) <= 1 then return 'last-owner' end
redis.call('HSET', base .. 'members:' .. site, agent, role)
redis.call('HSET', base .. 'agent-sites:' .. agent, site, role)
return 'ok'
"#;

/// Removes a membership unless it is the site's last owner.
const REMOVE_MEMBER: &str = r#"
local base = KEYS[1]
local site, agent = ARGV[1], ARGV[2]
local current = redis.call('HGET', base .. 'members:' .. site, agent)
if not current then return 'not-member' end
if current == 'owner' and owners(base, site) <= 1 then return 'last-owner' end
redis.call('HDEL', base .. 'members:' .. site, agent)
redis.call('HDEL', base .. 'agent-sites:' .. agent, site)
redis.call('HDEL', base .. 'profiles:' .. site, agent)
return 'ok'
"#;

/// Sets a member's routing profile on one site (JSON in `profiles:SITE`, field the agent);
/// only for a member, checked in the same script so a removal cannot leave a stray profile.
const SET_PROFILE: &str = r#"
local base = KEYS[1]
local site, agent, profile = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HEXISTS', base .. 'members:' .. site, agent) == 0 then return 'not-member' end
redis.call('HSET', base .. 'profiles:' .. site, agent, profile)
return 'ok'
"#;

/// Creates or replaces a rule, keeping its creation time; 1 when created.
const SAVE_RULE: &str = r#"
local base = KEYS[1]
local id, spec, now = ARGV[1], ARGV[2], ARGV[3]
local created = 0
if not redis.call('ZSCORE', base .. 'rules', id) then
  redis.call('ZADD', base .. 'rules', now, id)
  created = 1
end
redis.call('HSET', base .. 'rule-specs', id, spec)
redis.call('HSET', base .. 'rule-updated', id, now)
return created
"#;

/// Deletes a rule with its funnel; 1 when there was one.
const DELETE_RULE: &str = r#"
local base = KEYS[1]
local id = ARGV[1]
if redis.call('ZREM', base .. 'rules', id) == 0 then return 0 end
redis.call('HDEL', base .. 'rule-specs', id)
redis.call('HDEL', base .. 'rule-updated', id)
redis.call('DEL', base .. 'funnel:' .. id)
return 1
"#;

/// Counts a funnel stage only for a rule the site has (late events of a deleted rule drop).
const COUNT_FUNNEL: &str = r#"
local base = KEYS[1]
if not redis.call('ZSCORE', base .. 'rules', ARGV[1]) then return 0 end
redis.call('HINCRBY', base .. 'funnel:' .. ARGV[1], ARGV[2], 1)
return 1
"#;

/// A new canned reply with a shortcut unique on its site.
const CREATE_CANNED: &str = r#"
local base = KEYS[1]
local id, shortcut, record = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HSETNX', base .. 'shortcuts', shortcut, id) == 0 then return 'taken' end
redis.call('HSET', base .. 'canned', id, record)
redis.call('HSET', base .. 'canned-sc', id, shortcut)
return 'ok'
"#;

/// Replaces a canned reply if it is still what the caller read, moving its shortcut.
const UPDATE_CANNED: &str = r#"
local base = KEYS[1]
local id, expected, shortcut, record = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local current = redis.call('HGET', base .. 'canned', id)
if not current then return 'missing' end
if current ~= expected then return 'retry' end
local holder = redis.call('HGET', base .. 'shortcuts', shortcut)
if holder and holder ~= id then return 'taken' end
local old = redis.call('HGET', base .. 'canned-sc', id)
if old and old ~= shortcut and redis.call('HGET', base .. 'shortcuts', old) == id then
  redis.call('HDEL', base .. 'shortcuts', old)
end
redis.call('HSET', base .. 'shortcuts', shortcut, id)
redis.call('HSET', base .. 'canned', id, record)
redis.call('HSET', base .. 'canned-sc', id, shortcut)
return 'ok'
"#;

/// Deletes a canned reply and frees its shortcut; 1 when there was one.
const DELETE_CANNED: &str = r#"
local base = KEYS[1]
local id = ARGV[1]
local shortcut = redis.call('HGET', base .. 'canned-sc', id)
if redis.call('HDEL', base .. 'canned', id) == 0 then return 0 end
redis.call('HDEL', base .. 'canned-sc', id)
if shortcut and redis.call('HGET', base .. 'shortcuts', shortcut) == id then
  redis.call('HDEL', base .. 'shortcuts', shortcut)
end
return 1
"#;

/// Every script, compiled once (hashing the source) when the store connects. `invoke_async`
/// sends `EVALSHA` and loads the script on `NOSCRIPT`, so a restarted Redis is fine.
pub(super) struct Scripts {
    pub(super) append: Script,
    pub(super) save_conversation: Script,
    pub(super) mark_read: Script,
    pub(super) cas_string: Script,
    pub(super) cas_field: Script,
    pub(super) create_site: Script,
    pub(super) create_agent: Script,
    /// An account's own name and email change (`account_change.rs`).
    pub(super) update_account: Script,
    pub(super) add_member: Script,
    pub(super) set_role: Script,
    pub(super) remove_member: Script,
    pub(super) set_profile: Script,
    pub(super) save_rule: Script,
    pub(super) delete_rule: Script,
    pub(super) count_funnel: Script,
    /// Records an agent message sent from a draft (`stats.rs`).
    pub(super) draft_send: Script,
    /// Stores a shopper's rating with its transcript line (`ratings.rs`).
    pub(super) rate: Script,
    pub(super) create_canned: Script,
    pub(super) update_canned: Script,
    pub(super) delete_canned: Script,
    /// The commerce area's scripts (`commerce_scripts.rs`).
    pub(super) commerce: CommerceScripts,
}

impl Scripts {
    pub(super) fn new() -> Self {
        let with = |lib: &str, body: &str| Script::new(&format!("{lib}\n{body}"));
        Scripts {
            append: with(CONVERSATION_LIB, APPEND),
            save_conversation: with(CONVERSATION_LIB, SAVE_CONVERSATION),
            mark_read: Script::new(MARK_READ),
            cas_string: Script::new(CAS_STRING),
            cas_field: Script::new(CAS_FIELD),
            create_site: Script::new(CREATE_SITE),
            create_agent: Script::new(CREATE_AGENT),
            update_account: Script::new(super::account_change::UPDATE_ACCOUNT),
            add_member: Script::new(ADD_MEMBER),
            set_role: with(MEMBERS_LIB, SET_ROLE),
            remove_member: with(MEMBERS_LIB, REMOVE_MEMBER),
            set_profile: Script::new(SET_PROFILE),
            save_rule: Script::new(SAVE_RULE),
            delete_rule: Script::new(DELETE_RULE),
            count_funnel: Script::new(COUNT_FUNNEL),
            draft_send: Script::new(super::stats::DRAFT_SEND),
            rate: with(CONVERSATION_LIB, super::ratings::RATE),
            create_canned: Script::new(CREATE_CANNED),
            update_canned: Script::new(UPDATE_CANNED),
            delete_canned: Script::new(DELETE_CANNED),
            commerce: CommerceScripts::new(),
        }
    }
}
