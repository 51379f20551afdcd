// Expiry and failover grace: what runs for a whole tenant at once rather than for one command.
// The sweep removes what it reports inside one script, so however many proxies sweep the same
// tenant, each expiry is announced once. Grace is applied at most once per Sentinel config epoch.

import { Script } from '../store.js';
import { PRELUDE } from './prelude.js';

/**
 * Lua shared by try_leader and the tenant-wide scripts.
 *
 * Grace lasts while its deadline runs, and also while the master's config epoch is newer than the
 * one grace was last applied for: a failover happened and no proxy has applied its grace yet, so
 * the lease records here may be older than what clients were told. An absent marker means nothing
 * ran on this data before, so nothing can have been lost: it is initialised, not graced.
 */
export const GRACE_LUA = `
local function in_grace(grace, grace_for, config_epoch, now)
  local applied = redis.call('GET', grace_for)
  if not applied then
    redis.call('SET', grace_for, config_epoch)
    return tonumber(redis.call('GET', grace) or '0') > now
  end
  if tonumber(applied) < config_epoch then return true end
  return tonumber(redis.call('GET', grace) or '0') > now
end
`;

const APPLY_GRACE_LUA = `
-- Extends every held lease by its ttl and every live host by its heartbeat ttl, and sets the grace
-- deadline to now + the longest of those ttls + 2 s. Returns the grace length in ms, or false when
-- the grace for config_epoch was already applied (or there is nothing it could protect).
local function apply_grace(k, config_epoch, default_host_ttl, now)
  local applied = redis.call('GET', k.grace_for)
  if not applied then
    redis.call('SET', k.grace_for, config_epoch)
    return false
  end
  if tonumber(applied) >= config_epoch then return false end
  local longest = 0
  for _, election in ipairs(redis.call('SMEMBERS', k.elections)) do
    local key = k.leader_stem .. election
    local state = redis.call('HMGET', key, 'holder', 'expires', 'ttl')
    if state[1] then
      local ttl = tonumber(state[3] or '0')
      local expires = tonumber(state[2] or '0') + ttl
      redis.call('HSET', key, 'expires', expires)
      redis.call('ZADD', k.expiry, expires, 'L|' .. election)
      if ttl > longest then longest = ttl end
    end
  end
  for _, group in ipairs(redis.call('SMEMBERS', k.groups)) do
    local live, ttls = k.live_stem .. group, k.livettl_stem .. group
    local entries = redis.call('ZRANGE', live, 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      local vip = entries[i]
      local ttl = tonumber(redis.call('HGET', ttls, vip) or default_host_ttl)
      local expires = tonumber(entries[i + 1]) + ttl
      redis.call('ZADD', live, expires, vip)
      redis.call('ZADD', k.expiry, expires, 'V|' .. group .. '|' .. vip)
      if ttl > longest then longest = ttl end
    end
  end
  local length = longest + 2000
  redis.call('SET', k.grace, now + length, 'PX', length)
  redis.call('SET', k.grace_for, config_epoch)
  return length
end
`;

/**
 * Names a tenant-wide script needs: KEYS expiry, grace, grace_for, elections, groups, events;
 * ARGV config_epoch, default_host_ttl, leader_stem, live_stem, livemeta_stem, livettl_stem,
 * inventory, leader_channel, vip_channel, then the script's own arguments.
 */
const TENANT_ARGS = `
local k = {
  expiry = KEYS[1], grace = KEYS[2], grace_for = KEYS[3], elections = KEYS[4], groups = KEYS[5], log = KEYS[6],
  leader_stem = ARGV[3], live_stem = ARGV[4], livemeta_stem = ARGV[5], livettl_stem = ARGV[6], inventory = ARGV[7],
}
local config_epoch, default_host_ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
local leader_channels, vip_channels = {ARGV[8]}, {ARGV[9]}
local now = now_ms()
`;

/** Returns the grace length in ms when this call applied it, else 0. */
export const APPLY_GRACE = new Script('apply_grace', PRELUDE + GRACE_LUA + APPLY_GRACE_LUA + TENANT_ARGS + `
return apply_grace(k, config_epoch, default_host_ttl, now) or 0
`);

/**
 * ARGV after the tenant's: batch (most expiry members taken in one run).
 * Returns {grace_applied_ms, members_taken, events_emitted}; nothing is taken during grace.
 */
export const SWEEP = new Script('sweep', PRELUDE + GRACE_LUA + APPLY_GRACE_LUA + TENANT_ARGS + `
local batch = tonumber(ARGV[10])
local applied = apply_grace(k, config_epoch, default_host_ttl, now) or 0
if applied > 0 or in_grace(k.grace, k.grace_for, config_epoch, now) then return {applied, 0, 0} end

local events = 0

local function sweep_lease(member)
  local election = string.sub(member, 3)
  local key = k.leader_stem .. election
  local state = redis.call('HMGET', key, 'holder', 'expires', 'epoch_hi', 'epoch_lo')
  if not state[1] then return end
  local expires = tonumber(state[2] or '0')
  if expires > now then
    redis.call('ZADD', k.expiry, expires, member)
    return
  end
  -- The epoch fields stay: they are the election's high-water mark.
  redis.call('HDEL', key, 'holder', 'expires', 'ttl', 'since')
  local epoch = epoch_text(tonumber(state[3] or '0'), tonumber(state[4] or '0'))
  emit(k.log, leader_channels, 'leader_changed', {election = election, leader = cjson.null, previous = state[1], epoch = epoch, cause = 'expired'}, now)
  events = events + 1
end

-- "V|<group>|<vip>": either part may hold '|', so every split that names a live entry is checked.
local function sweep_host(member)
  local rest = string.sub(member, 3)
  local later = nil
  local at = string.find(rest, '|', 1, true)
  while at do
    local group, vip = string.sub(rest, 1, at - 1), string.sub(rest, at + 1)
    local live = k.live_stem .. group
    local score = redis.call('ZSCORE', live, vip)
    if score then
      score = tonumber(score)
      if score <= now then
        redis.call('ZREM', live, vip)
        redis.call('HDEL', k.livemeta_stem .. group, vip)
        redis.call('HDEL', k.livettl_stem .. group, vip)
        emit(k.log, vip_channels, 'vip_expired', {group = group, vip = vip}, now)
        events = events + 1
      elseif not later or score > later then
        later = score
      end
    end
    at = string.find(rest, '|', at + 1, true)
  end
  if later then redis.call('ZADD', k.expiry, later, member) end
end

local function sweep_registration(member)
  local vip = string.sub(member, 3)
  local raw = redis.call('HGET', k.inventory, vip)
  if not raw then return end
  local ok, registration = pcall(cjson.decode, raw)
  local expires = ok and type(registration) == 'table' and tonumber(registration.expires)
  -- A registration without a positive expiry is persistent.
  if not expires or expires <= 0 then return end
  if expires > now then
    redis.call('ZADD', k.expiry, expires, member)
  else
    redis.call('HDEL', k.inventory, vip)
  end
end

local due = redis.call('ZRANGEBYSCORE', k.expiry, '-inf', now, 'LIMIT', 0, batch)
for _, member in ipairs(due) do
  redis.call('ZREM', k.expiry, member)
  local kind = string.sub(member, 1, 2)
  if kind == 'L|' then sweep_lease(member)
  elseif kind == 'V|' then sweep_host(member)
  elseif kind == 'R|' then sweep_registration(member)
  end
end
return {0, #due, events}
`);
