// Leader election: acquire-or-renew, heartbeat, resign and read, each one script on the master,
// with the master's clock.

import { Script } from '../store.js';
import { PRELUDE } from './prelude.js';
import { GRACE_LUA } from './sweep.js';

/**
 * KEYS: leader, killed, grace, events, expiry, elections, grace_for, seen
 * ARGV: election, vip, ttl_ms, config_epoch, channels...
 * Returns {held (0|1), holder|false, epoch|false, ttl_left_ms}
 */
export const TRY_LEADER = new Script(
  'try_leader',
  PRELUDE +
    GRACE_LUA +
    `
local leader, killed, grace, log, expiry, elections, grace_for, seen = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local election, vip, ttl, config_epoch = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local channels = {}
for i = 5, #ARGV do channels[#channels + 1] = ARGV[i] end
local now = now_ms()
local state = redis.call('HMGET', leader, 'holder', 'expires', 'epoch_hi', 'epoch_lo')
local holder, expires = state[1], tonumber(state[2] or '0')
local hi, lo = tonumber(state[3] or '0'), tonumber(state[4] or '0')

if holder and expires > now then
  if holder ~= vip then return {0, holder, epoch_text(hi, lo), expires - now} end
  redis.call('HSET', leader, 'expires', now + ttl, 'ttl', ttl)
  redis.call('ZADD', expiry, now + ttl, 'L|' .. election)
  return {1, holder, epoch_text(hi, lo), ttl}
end

if redis.call('HEXISTS', killed, vip) == 1 or in_grace(grace, grace_for, config_epoch, now) then
  return {0, false, false, 0}
end

-- A new holder: an epoch above every one handed out for this election, across failovers too.
if config_epoch > hi then hi = config_epoch end
lo = lo + 1
redis.call('HSET', leader, 'holder', vip, 'expires', now + ttl, 'ttl', ttl, 'epoch_hi', hi, 'epoch_lo', lo, 'since', now)
redis.call('ZADD', expiry, now + ttl, 'L|' .. election)
redis.call('SADD', elections, election)
redis.call('SADD', seen, vip)
local epoch = epoch_text(hi, lo)
local previous = holder or cjson.null
emit(log, channels, 'leader_changed', {election = election, leader = vip, previous = previous, epoch = epoch, cause = 'acquired', ttl = ttl}, now)
return {1, vip, epoch, ttl}
`,
);

/**
 * Heartbeat of a host in a group, and renewal (never acquisition) of the group's election when the
 * host holds it. A host is live while its entry runs, as in every list.
 * KEYS: live, livemeta, livettl, groups, seen, expiry, killed, leader
 * ARGV: group, vip, host_ttl_ms, has_meta (0|1), meta
 * Returns {0} no leader, {1, holder} follower, {2, holder, live not-killed vips...} renewed leader.
 */
export const KEEP_ALIVE = new Script(
  'keep_alive',
  PRELUDE +
    `
local live, livemeta, livettl, groups, seen, expiry, killed, leader =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local group, vip, ttl, has_meta, meta = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1', ARGV[5]
local now = now_ms()

redis.call('ZADD', live, now + ttl, vip)
redis.call('HSET', livettl, vip, ttl)
if has_meta then redis.call('HSET', livemeta, vip, meta) end
redis.call('SADD', groups, group)
redis.call('SADD', seen, vip)
redis.call('ZADD', expiry, now + ttl, 'V|' .. group .. '|' .. vip)

local state = redis.call('HMGET', leader, 'holder', 'expires', 'ttl')
local holder, expires, lease_ttl = state[1], tonumber(state[2] or '0'), tonumber(state[3] or '0')
if not holder or expires <= now then return {0} end
if holder ~= vip or lease_ttl <= 0 or redis.call('HEXISTS', killed, vip) == 1 then return {1, holder} end

redis.call('HSET', leader, 'expires', now + lease_ttl)
redis.call('ZADD', expiry, now + lease_ttl, 'L|' .. group)
local reply = {2, holder}
for _, host in ipairs(redis.call('ZRANGEBYSCORE', live, '(' .. now, '+inf')) do
  if redis.call('HEXISTS', killed, host) == 0 then reply[#reply + 1] = host end
end
return reply
`,
);

/**
 * KEYS: leader, expiry, events
 * ARGV: election, vip, channels...
 * Returns 1 released, 0 the caller does not hold a running lease.
 */
export const RESIGN = new Script(
  'resign',
  PRELUDE +
    `
local leader, expiry, log = KEYS[1], KEYS[2], KEYS[3]
local election, vip = ARGV[1], ARGV[2]
local channels = {}
for i = 3, #ARGV do channels[#channels + 1] = ARGV[i] end
local now = now_ms()
local state = redis.call('HMGET', leader, 'holder', 'expires', 'epoch_hi', 'epoch_lo')
if state[1] ~= vip or tonumber(state[2] or '0') <= now then return 0 end
-- The epoch fields stay: they are the election's high-water mark.
redis.call('HDEL', leader, 'holder', 'expires', 'ttl', 'since')
redis.call('ZREM', expiry, 'L|' .. election)
local epoch = epoch_text(tonumber(state[3] or '0'), tonumber(state[4] or '0'))
emit(log, channels, 'leader_changed', {election = election, leader = cjson.null, previous = vip, epoch = epoch, cause = 'resigned'}, now)
return 1
`,
);

/**
 * KEYS: leader
 * Returns {holder|false, epoch|false, ttl_left_ms}
 */
export const LEADER_STATE = new Script(
  'leader_state',
  PRELUDE +
    `
local state = redis.call('HMGET', KEYS[1], 'holder', 'expires', 'epoch_hi', 'epoch_lo')
local now = now_ms()
local expires = tonumber(state[2] or '0')
if not state[1] or expires <= now then return {false, false, 0} end
return {state[1], epoch_text(tonumber(state[3] or '0'), tonumber(state[4] or '0')), expires - now}
`,
);
