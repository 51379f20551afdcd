// Leader election: acquire-or-renew in one script on the master, with the master's clock.

import { Script } from '../store.js';
import { PRELUDE } from './prelude.js';

/**
 * KEYS: leader, killed, grace, events, expiry, elections
 * ARGV: election, vip, ttl_ms, config_epoch, channels...
 * Returns {held (0|1), holder|false, epoch|false, ttl_left_ms}
 */
export const TRY_LEADER = new Script(
  'try_leader',
  PRELUDE +
    `
local leader, killed, grace, log, expiry, elections = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
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

if redis.call('HEXISTS', killed, vip) == 1 or tonumber(redis.call('GET', grace) or '0') > now then
  return {0, false, false, 0}
end

-- A new holder: an epoch above every one handed out for this election, across failovers too.
if config_epoch > hi then hi = config_epoch end
lo = lo + 1
redis.call('HSET', leader, 'holder', vip, 'expires', now + ttl, 'ttl', ttl, 'epoch_hi', hi, 'epoch_lo', lo, 'since', now)
redis.call('ZADD', expiry, now + ttl, 'L|' .. election)
redis.call('SADD', elections, election)
local epoch = epoch_text(hi, lo)
local previous = holder or cjson.null
emit(log, channels, 'leader_changed', {election = election, leader = vip, previous = previous, epoch = epoch, cause = 'acquired', ttl = ttl}, now)
return {1, vip, epoch, ttl}
`,
);
