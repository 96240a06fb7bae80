//! The privacy area's Lua scripts. Each gets the base of one site (`KEYS[1]`) and touches
//! only that site's slot; each re-checks what it removes, so two nodes running the
//! retention sweep at once, or a sweep beside a shopper's save, never remove something that
//! just became young again, and a second run removes nothing.

use ::redis::Script;
use std::sync::LazyLock;

/// Removes conversation `ARGV[1]` with its messages, idempotency keys, notes, agent-reply
/// times, rating (a field of its hash, and its entry in `ratings`), mail thread, inbound emails and every index entry. With a cutoff `ARGV[2]` (ms;
/// empty for an erasure) only a closed conversation last active before it. Returns
/// `{removed (0/1), messages, notes, inbound emails, mail-thread token or ''}`.
pub(super) static DELETE_CONVERSATION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base, cid, cutoff = KEYS[1], ARGV[1], ARGV[2]
local key = base .. 'conv:' .. cid
if redis.call('EXISTS', key) == 0 then return {0, 0, 0, 0, ''} end
local stage = redis.call('HGET', key, 'stage') or ''
if cutoff ~= '' then
  local updated = tonumber(redis.call('HGET', key, 'updated') or '0')
  if stage ~= 'closed' or updated >= tonumber(cutoff) then return {0, 0, 0, 0, ''} end
end
local doc = redis.call('HGET', key, 'doc')
local visitor = nil
if doc then
  local ok, parsed = pcall(cjson.decode, doc)
  if ok and type(parsed) == 'table' then visitor = parsed['visitor_id'] end
end
local msgs = base .. 'msgs:' .. cid
local entries = redis.call('XRANGE', msgs, '-', '+')
for _, entry in ipairs(entries) do
  local f, author, cmid = entry[2], nil, nil
  for i = 1, #f, 2 do
    if f[i] == 'author' then author = f[i + 1] elseif f[i] == 'cmid' then cmid = f[i + 1] end
  end
  if author and cmid and cmid ~= '' then
    redis.call('HDEL', base .. 'cmids', author .. '\n' .. cmid)
  end
end
local notes = redis.call('LLEN', base .. 'notes:' .. cid)
local inbound = redis.call('LLEN', base .. 'inbound:' .. cid)
local token = redis.call('HGET', base .. 'mail-thread:' .. cid, 'token') or ''
if stage ~= '' then redis.call('ZREM', base .. 'by-stage:' .. stage, cid) end
local agent = redis.call('HGET', key, 'agent')
if agent and agent ~= '' then redis.call('ZREM', base .. 'by-agent:' .. agent, cid) end
redis.call('ZREM', base .. 'convs', cid)
redis.call('ZREM', base .. 'convs-created', cid)
redis.call('ZREM', base .. 'ratings', cid)
if type(visitor) == 'string' then redis.call('ZREM', base .. 'vconvs:' .. visitor, cid) end
redis.call('DEL', key, msgs, base .. 'agent-ts:' .. cid, base .. 'notes:' .. cid,
  base .. 'mail-thread:' .. cid, base .. 'inbound:' .. cid)
return {1, #entries, notes, inbound, token}",
    )
});

/// Removes up to `ARGV[2]` browsing states last saved before `ARGV[1]` (ms), found in the
/// `visitors-seen` index and judged in the same step, so a save that lands meanwhile (a
/// newer score) keeps its visitor. Returns how many.
pub(super) static EXPIRE_VISITORS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base = KEYS[1]
local seen = base .. 'visitors-seen'
local ids = redis.call('ZRANGEBYSCORE', seen, '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('DEL', base .. 'visitor:' .. id)
  redis.call('ZREM', seen, id)
  -- Its links across devices (customers.rs): its own, and when it was a customer's canonical
  -- visitor (idle only when every device is) the customer's link and every device's.
  local customer = redis.call('GET', base .. 'customer-of:' .. id)
  if customer then
    redis.call('DEL', base .. 'customer-of:' .. id)
    local dkey = base .. 'customer-devices:' .. customer
    redis.call('ZREM', dkey, id)
    if redis.call('GET', base .. 'customer:' .. customer) == id then
      for _, v in ipairs(redis.call('ZRANGE', dkey, 0, -1)) do
        local key = base .. 'customer-of:' .. v
        if redis.call('GET', key) == customer then redis.call('DEL', key) end
      end
      redis.call('DEL', base .. 'customer:' .. customer, dkey)
    end
  end
end
return #ids",
    )
});
