// Host registry: live-host lists, the registered inventory, kill/reset overrides. Every read runs
// as a script too, so the master's clock decides what is live. Patterns are matched by Redis
// itself (ZSCAN/HSCAN MATCH), which is exactly the KEYS glob; sorting is left to the caller, since
// Lua compares strings with the server's collation locale, not byte by byte.

import { Script } from '../store.js';
import { PRELUDE } from './prelude.js';

/** Lua helpers for walking the live set of a group and the inventory. */
const REGISTRY = `
-- Calls fn(vip) once for each member of a group's live zset that matches pattern and has not
-- expired. SCAN may repeat a member, hence the table of members already given.
local function each_live(live, pattern, now, fn)
  local given, cursor = {}, '0'
  repeat
    local page = redis.call('ZSCAN', live, cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = page[1]
    local items = page[2]
    for i = 1, #items, 2 do
      local vip = items[i]
      if not given[vip] and tonumber(items[i + 1]) > now then
        given[vip] = true
        fn(vip)
      end
    end
  until cursor == '0'
end

-- A registration is current unless its TTL entry in the expiry zset has passed.
local function registered_now(expiry, vip, now)
  local expires = redis.call('ZSCORE', expiry, 'R|' .. vip)
  return not expires or tonumber(expires) > now
end
`;

/**
 * KEYS: live, livemeta, killed
 * ARGV: pattern, with_killed (0|1), with_meta (0|1)
 * Returns flat {vip, 'up'|'killed', meta|false, ...}, unsorted.
 */
export const VIP_LIST = new Script(
  'vip_list',
  PRELUDE +
    REGISTRY +
    `
local live, livemeta, killed = KEYS[1], KEYS[2], KEYS[3]
local pattern, with_killed, with_meta = ARGV[1], ARGV[2] == '1', ARGV[3] == '1'
local out = {}
each_live(live, pattern, now_ms(), function(vip)
  local is_killed = redis.call('HEXISTS', killed, vip) == 1
  if is_killed and not with_killed then return end
  out[#out + 1] = vip
  out[#out + 1] = is_killed and 'killed' or 'up'
  local meta = false
  if with_meta then meta = redis.call('HGET', livemeta, vip) end
  out[#out + 1] = meta
end)
return out
`,
);

/**
 * KEYS: killed, seen, elections, events, expiry
 * ARGV: vip, has_reason (0|1), reason, leader key prefix, channel, vip channel, leader channel
 * Returns 1 when the host is killed after the call, 0 when the tenant never saw it.
 */
export const VIP_KILL = new Script(
  'vip_kill',
  PRELUDE +
    `
local killed, seen, elections, log, expiry = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local vip, leader_prefix = ARGV[1], ARGV[4]
local reason = cjson.null
if ARGV[2] == '1' then reason = ARGV[3] end
local channel, vip_channel, leader_channel = ARGV[5], ARGV[6], ARGV[7]
local now = now_ms()

-- The leases the host holds now; holding one counts as having been seen.
local held = {}
for _, election in ipairs(redis.call('SMEMBERS', elections)) do
  local lease = leader_prefix .. election
  local state = redis.call('HMGET', lease, 'holder', 'expires', 'epoch_hi', 'epoch_lo')
  if state[1] == vip and tonumber(state[2] or '0') > now then
    held[#held + 1] = {election, lease, epoch_text(tonumber(state[3] or '0'), tonumber(state[4] or '0'))}
  end
end
if #held == 0 and redis.call('SISMEMBER', seen, vip) == 0 then return 0 end
redis.call('SADD', seen, vip)

if redis.call('HEXISTS', killed, vip) == 0 then
  redis.call('HSET', killed, vip, cjson.encode({reason = reason, ts = now}))
  emit(log, {channel, vip_channel}, 'vip_kill', {vip = vip, reason = reason}, now)
end
-- The epoch fields stay: they are the election's high-water mark.
for _, lost in ipairs(held) do
  redis.call('HDEL', lost[2], 'holder', 'expires', 'ttl', 'since')
  redis.call('ZREM', expiry, 'L|' .. lost[1])
  emit(log, {leader_channel}, 'leader_changed',
    {election = lost[1], leader = cjson.null, previous = vip, epoch = lost[3], cause = 'killed'}, now)
end
return 1
`,
);

/**
 * KEYS: killed, seen, events
 * ARGV: vip, channel, vip channel
 * Returns 1 when the host is not killed after the call, 0 when the tenant never saw it.
 */
export const VIP_RESET = new Script(
  'vip_reset',
  PRELUDE +
    `
local killed, seen, log = KEYS[1], KEYS[2], KEYS[3]
local vip, channel, vip_channel = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HDEL', killed, vip) == 1 then
  emit(log, {channel, vip_channel}, 'vip_reset', {vip = vip}, now_ms())
  return 1
end
return redis.call('SISMEMBER', seen, vip)
`,
);

/**
 * KEYS: inventory, seen, expiry, events
 * ARGV: vip, has_group (0|1), group, has_meta (0|1), meta json, ttl_ms (0 = persistent), vip channel
 * The record is built here so the caller's META JSON is stored byte for byte (a cjson round trip
 * would rewrite its numbers). Returns 1.
 */
export const VIP_REGISTER = new Script(
  'vip_register',
  PRELUDE +
    REGISTRY +
    `
local inventory, seen, expiry, log = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local vip, ttl, vip_channel = ARGV[1], tonumber(ARGV[6]), ARGV[7]
local group, group_json = cjson.null, 'null'
if ARGV[2] == '1' then group = ARGV[3]; group_json = cjson.encode(group) end
local meta_json = 'null'
if ARGV[4] == '1' then meta_json = ARGV[5] end
local now = now_ms()

local known = redis.call('HEXISTS', inventory, vip) == 1 and registered_now(expiry, vip, now)
local expires = 'null'
if ttl > 0 then
  expires = string.format('%.0f', now + ttl)
  redis.call('ZADD', expiry, now + ttl, 'R|' .. vip)
else
  redis.call('ZREM', expiry, 'R|' .. vip)
end
redis.call('HSET', inventory, vip, '{"group":' .. group_json .. ',"meta":' .. meta_json .. ',"expires":' .. expires .. '}')
redis.call('SADD', seen, vip)
if not known then
  local ttl_field = cjson.null
  if ttl > 0 then ttl_field = ttl end
  emit(log, {vip_channel}, 'vip_register', {vip = vip, group = group, ttl = ttl_field}, now)
end
return 1
`,
);

/**
 * KEYS: inventory, killed, expiry
 * ARGV: pattern, max entries, max HSCAN calls
 * One bounded walk of the inventory: registered, current, not-killed VIPs, unordered.
 */
export const VIP_REGISTER_LIST = new Script(
  'vip_register_list',
  PRELUDE +
    REGISTRY +
    `
local inventory, killed, expiry = KEYS[1], KEYS[2], KEYS[3]
local pattern, max, budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local out, given, cursor, calls = {}, {}, '0', 0
repeat
  local page = redis.call('HSCAN', inventory, cursor, 'MATCH', pattern, 'COUNT', 100)
  cursor = page[1]
  calls = calls + 1
  local items = page[2]
  for i = 1, #items, 2 do
    local vip = items[i]
    if not given[vip] and redis.call('HEXISTS', killed, vip) == 0 and registered_now(expiry, vip, now) then
      given[vip] = true
      out[#out + 1] = vip
      if #out >= max then return out end
    end
  end
until cursor == '0' or calls >= budget
return out
`,
);

/**
 * KEYS: inventory, killed, expiry, groups
 * ARGV: pattern, live key prefix
 * Returns flat {vip, 'up'|'down'|'killed', ...} over registered and live hosts, unsorted.
 */
export const VIP_SERVER_LIST = new Script(
  'vip_server_list',
  PRELUDE +
    REGISTRY +
    `
local inventory, killed, expiry, groups = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local pattern, live_prefix = ARGV[1], ARGV[2]
local now = now_ms()
local status = {}
for _, group in ipairs(redis.call('SMEMBERS', groups)) do
  each_live(live_prefix .. group, pattern, now, function(vip) status[vip] = 'up' end)
end
local cursor = '0'
repeat
  local page = redis.call('HSCAN', inventory, cursor, 'MATCH', pattern, 'COUNT', 1000)
  cursor = page[1]
  local items = page[2]
  for i = 1, #items, 2 do
    local vip = items[i]
    if not status[vip] and registered_now(expiry, vip, now) then status[vip] = 'down' end
  end
until cursor == '0'
local out = {}
for vip, s in pairs(status) do
  out[#out + 1] = vip
  if redis.call('HEXISTS', killed, vip) == 1 then s = 'killed' end
  out[#out + 1] = s
end
return out
`,
);

/**
 * KEYS: inventory, groups, expiry, events
 * ARGV: vip, live key prefix, livemeta key prefix, livettl key prefix, vip channel
 * Removes the host from the inventory and from every group's live set. Returns 1 removed, 0 unknown.
 */
export const VIP_DEREGISTER = new Script(
  'vip_deregister',
  PRELUDE +
    `
local inventory, groups, expiry, log = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local vip, live_prefix, meta_prefix, ttl_prefix, vip_channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local removed = redis.call('HDEL', inventory, vip)
redis.call('ZREM', expiry, 'R|' .. vip)
for _, group in ipairs(redis.call('SMEMBERS', groups)) do
  if redis.call('ZREM', live_prefix .. group, vip) == 1 then removed = 1 end
  redis.call('HDEL', meta_prefix .. group, vip)
  redis.call('HDEL', ttl_prefix .. group, vip)
  redis.call('ZREM', expiry, 'V|' .. group .. '|' .. vip)
end
if removed == 1 then emit(log, {vip_channel}, 'vip_deregister', {vip = vip}, now_ms()) end
return removed
`,
);
