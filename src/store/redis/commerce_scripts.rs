//! The Lua scripts of the commerce area. Records are merged in Rust (the rules live in
//! [`crate::commerce`], not here); a script only writes the merged record if the stored JSON
//! is still exactly what Rust read (compare-and-set), and moves the record's index entries in
//! the same step, so a record and its indexes never disagree. `KEYS[1]` is the base of one
//! hash tag (a site's, or the directory's for API keys); every key is built under it.

use ::redis::Script;

/// Compare-and-set of a customer (`expected` is `''` for "absent"), moving it between the
/// per-email sorted sets (scored by `updated_at`, so the most recent is first). 1 if written.
const SAVE_CUSTOMER: &str = r#"
local base = KEYS[1]
local id, expected, doc, old_email, new_email, updated =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if (redis.call('HGET', base .. 'customers', id) or '') ~= expected then return 0 end
redis.call('HSET', base .. 'customers', id, doc)
if old_email ~= '' then redis.call('ZREM', base .. 'cust-email:' .. old_email, id) end
if new_email ~= '' then redis.call('ZADD', base .. 'cust-email:' .. new_email, updated, id) end
return 1
"#;

/// Compare-and-set of an order, moving its number pointer and its entries in the per-customer
/// and per-email sorted sets (scored by `created_at`). 1 if written.
const SAVE_ORDER: &str = r#"
local base = KEYS[1]
local id, expected, doc = ARGV[1], ARGV[2], ARGV[3]
local old_num, new_num, old_cust, new_cust, old_email, new_email, created =
  ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
if (redis.call('HGET', base .. 'orders', id) or '') ~= expected then return 0 end
redis.call('HSET', base .. 'orders', id, doc)
if old_num ~= '' and redis.call('HGET', base .. 'order-num', old_num) == id then
  redis.call('HDEL', base .. 'order-num', old_num)
end
redis.call('HSET', base .. 'order-num', new_num, id)
if old_cust ~= '' then redis.call('ZREM', base .. 'orders-cust:' .. old_cust, id) end
if new_cust ~= '' then redis.call('ZADD', base .. 'orders-cust:' .. new_cust, created, id) end
if old_email ~= '' then redis.call('ZREM', base .. 'orders-email:' .. old_email, id) end
if new_email ~= '' then redis.call('ZADD', base .. 'orders-email:' .. new_email, created, id) end
return 1
"#;

/// A new push-API key under the directory: its JSON by secret hash (the look-up a request
/// makes before its site is known) and its hash by id in the site's list. 0 if the hash or
/// the id is taken.
const CREATE_API_KEY: &str = r#"
local base = KEYS[1]
local hash, id, site, doc = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HEXISTS', base .. 'apikeys', hash) == 1 then return 0 end
if redis.call('HEXISTS', base .. 'apikeys-site:' .. site, id) == 1 then return 0 end
redis.call('HSET', base .. 'apikeys', hash, doc)
redis.call('HSET', base .. 'apikeys-site:' .. site, id, hash)
return 1
"#;

/// Revokes a site's key: both entries go together. 0 if the site has no such key.
const REVOKE_API_KEY: &str = r#"
local base = KEYS[1]
local site, id = ARGV[1], ARGV[2]
local hash = redis.call('HGET', base .. 'apikeys-site:' .. site, id)
if not hash then return 0 end
redis.call('HDEL', base .. 'apikeys', hash)
redis.call('HDEL', base .. 'apikeys-site:' .. site, id)
return 1
"#;

/// Remembers a delivery for `ARGV[1]` ms unless it is already remembered for longer.
const REMEMBER_WEBHOOK: &str = r#"
local ttl = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('SET', KEYS[1], '1', 'PX', ttl) end
return 1
"#;

/// Stores a request unless the same conversation has an open one of the same kind for the
/// same order (`open_key`); returns the JSON of the request that is stored.
const CREATE_REQUEST: &str = r#"
local base = KEYS[1]
local id, open_key, doc, order, created, open = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local existing = redis.call('HGET', base .. 'open-reqs', open_key)
if existing then
  local found = redis.call('HGET', base .. 'requests', existing)
  if found then return found end
end
redis.call('HSET', base .. 'requests', id, doc)
redis.call('ZADD', base .. 'order-reqs:' .. order, created, id)
if open == '1' then redis.call('HSET', base .. 'open-reqs', open_key, id) end
return doc
"#;

/// Compare-and-set of a request's JSON with its new status; a done request frees its
/// open slot, a reopened one takes it if it is free. -1 if absent, 0 if it changed meanwhile.
const SET_REQUEST: &str = r#"
local base = KEYS[1]
local id, expected, doc, open_key, open = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local current = redis.call('HGET', base .. 'requests', id)
if not current then return -1 end
if current ~= expected then return 0 end
redis.call('HSET', base .. 'requests', id, doc)
if open == '1' then
  redis.call('HSETNX', base .. 'open-reqs', open_key, id)
elseif redis.call('HGET', base .. 'open-reqs', open_key) == id then
  redis.call('HDEL', base .. 'open-reqs', open_key)
end
return 1
"#;

/// The commerce scripts, compiled (hashed) once when the store connects.
pub(super) struct CommerceScripts {
    pub(super) save_customer: Script,
    pub(super) save_order: Script,
    pub(super) create_api_key: Script,
    pub(super) revoke_api_key: Script,
    pub(super) remember_webhook: Script,
    pub(super) create_request: Script,
    pub(super) set_request: Script,
}

impl CommerceScripts {
    pub(super) fn new() -> Self {
        CommerceScripts {
            save_customer: Script::new(SAVE_CUSTOMER),
            save_order: Script::new(SAVE_ORDER),
            create_api_key: Script::new(CREATE_API_KEY),
            revoke_api_key: Script::new(REVOKE_API_KEY),
            remember_webhook: Script::new(REMEMBER_WEBHOOK),
            create_request: Script::new(CREATE_REQUEST),
            set_request: Script::new(SET_REQUEST),
        }
    }
}
