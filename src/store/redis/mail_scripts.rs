//! The email area's Lua scripts (see `keys.rs` for the keys they touch, `scripts.rs` for why
//! every checked write is a script). The outbox scripts get the `{mail}` base as `KEYS[1]`,
//! the thread and code scripts a key of one site: each touches one slot.

use ::redis::Script;
use std::sync::LazyLock;

/// Queues a row unless the site has its key: 1 when queued, 0 when the key was taken.
/// ARGV: site, key, id, doc, due, status, created, lowercased address, trim horizon,
/// attempts.
pub(super) static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base = KEYS[1]
local site, id = ARGV[1], ARGV[3]
if redis.call('HSETNX', base .. 'keys', site .. '\n' .. ARGV[2], id) == 0 then return 0 end
redis.call('HSET', base .. 'row:' .. id, 'doc', ARGV[4], 'site', site, 'attempts', ARGV[10],
  'due', ARGV[5], 'status', ARGV[6], 'rcpt', ARGV[8], 'key', ARGV[2])
if ARGV[6] == 'pending' then redis.call('ZADD', base .. 'due', ARGV[5], id) end
for _, counter in ipairs({base .. 'count:' .. site, base .. 'count:' .. site .. ':' .. ARGV[8]}) do
  redis.call('ZADD', counter, ARGV[7], id)
  redis.call('ZREMRANGEBYSCORE', counter, '-inf', '(' .. ARGV[9])
end
return 1",
    )
});

/// Leases up to `ARGV[3]` rows due by `ARGV[1]` until `ARGV[2]` (their score becomes the
/// lease's end, so nobody else sees them due) and counts the attempt; returns each row's
/// fields. Run alone by Redis, so two nodes never take the same row.
pub(super) static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base = KEYS[1]
local ids = redis.call('ZRANGEBYSCORE', base .. 'due', '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local key = base .. 'row:' .. id
  redis.call('ZADD', base .. 'due', ARGV[2], id)
  redis.call('HINCRBY', key, 'attempts', 1)
  table.insert(out, redis.call('HGETALL', key))
end
return out",
    )
});

/// Ends an attempt of row `ARGV[1]` of site `ARGV[6]` at `ARGV[7]`: status `ARGV[2]`
/// (pending again at `ARGV[3]` for a retry, else out of the due set and into `ended` by
/// when; a skipped row leaves the hourly counters,
/// since it was never sent), and the log entry `ARGV[4]` pushed with the site's log trimmed
/// to `ARGV[5]`, in one step. 0 when the row is not the site's.
pub(super) static FINISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base = KEYS[1]
local id, status, site = ARGV[1], ARGV[2], ARGV[6]
local key = base .. 'row:' .. id
if redis.call('HGET', key, 'site') ~= site then return 0 end
redis.call('HSET', key, 'status', status)
if status == 'pending' then
  redis.call('HSET', key, 'due', ARGV[3])
  redis.call('ZADD', base .. 'due', ARGV[3], id)
else
  redis.call('ZREM', base .. 'due', id)
  redis.call('ZADD', base .. 'ended', ARGV[7], id)
end
if status == 'skipped' then
  redis.call('ZREM', base .. 'count:' .. site, id)
  redis.call('ZREM', base .. 'count:' .. site .. ':' .. (redis.call('HGET', key, 'rcpt') or ''), id)
end
redis.call('LPUSH', base .. 'log:' .. site, ARGV[4])
redis.call('LTRIM', base .. 'log:' .. site, 0, tonumber(ARGV[5]) - 1)
return 1",
    )
});

/// Removes up to `ARGV[2]` rows that ended before `ARGV[1]` with their idempotency keys;
/// returns how many.
pub(super) static PRUNE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base = KEYS[1]
local ids = redis.call('ZRANGEBYSCORE', base .. 'ended', '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local row = base .. 'row:' .. id
  local site, key = redis.call('HGET', row, 'site'), redis.call('HGET', row, 'key')
  if site and key then redis.call('HDEL', base .. 'keys', site .. '\n' .. key) end
  redis.call('DEL', row)
  redis.call('ZREM', base .. 'ended', id)
end
return #ids",
    )
});

/// Gets or creates conversation `ARGV[1]`'s thread with token `ARGV[2]` under the site's
/// base: `{'missing'}` when the conversation is not there, else `{'ok', token, seq}`.
pub(super) static THREAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base = KEYS[1]
if redis.call('EXISTS', base .. 'conv:' .. ARGV[1]) == 0 then return {'missing'} end
local key = base .. 'mail-thread:' .. ARGV[1]
redis.call('HSETNX', key, 'token', ARGV[2])
redis.call('HSETNX', key, 'seq', 0)
return {'ok', redis.call('HGET', key, 'token'), redis.call('HGET', key, 'seq')}",
    )
});

/// Raises a thread's emailed seq to `ARGV[1]`, never lowers it; nothing without a thread.
pub(super) static MARK_EMAILED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'seq') or '0') then
  redis.call('HSET', KEYS[1], 'seq', ARGV[1])
end
return 1",
    )
});

/// Takes a code if its hash is `ARGV[1]` and it is unexpired at `ARGV[2]`: 1 when taken
/// (and gone); an expired code is dropped.
pub(super) static TAKE_CODE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local hash = redis.call('HGET', KEYS[1], 'hash')
if not hash then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expires')) <= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 0
end
if hash ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1",
    )
});
