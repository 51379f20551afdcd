// Configuration publishing: one list per config key holding its last versions (newest first, the
// head is the current value), an index of the key names, and a tenant-wide revision counter. Every
// change takes the next revision and is logged, then announced, in the same script.
//
// Revisions are hi * 2^32 + lo, like fencing epochs: hi is the Sentinel configuration epoch of
// the master, so a revision handed out after a failover is above every one handed out before,
// also above one that was lost with the old master after subscribers had seen it.

import { Script } from '../store.js';
import { PRELUDE } from './prelude.js';
import { LOG_LUA } from './events.js';
import { GLOB_LUA } from './glob.js';

const VERSIONS_LUA = `
-- A version record: "<rev> <md5> <size> <ts> <value>".
local function parse_version(rec)
  if not rec then return nil end
  local rev, md5, size, ts, at = string.match(rec, '^(%d+) (%x+) (%d+) (%d+) ()')
  return {rev = tonumber(rev), md5 = md5, size = tonumber(size), ts = tonumber(ts), value = string.sub(rec, at)}
end

local function rev_text(rev)
  return string.format('%.0f', rev)
end

-- The next tenant-wide revision: above every revision handed out before, across failovers too.
local function next_rev(revkey, config_epoch)
  local state = redis.call('HMGET', revkey, 'hi', 'lo')
  local hi, lo = tonumber(state[1] or '0'), tonumber(state[2] or '0')
  if config_epoch > hi then
    hi = config_epoch
    lo = 0
  end
  lo = lo + 1
  redis.call('HSET', revkey, 'hi', hi, 'lo', lo)
  return hi * 4294967296 + lo
end

-- Stores value as the key's next version unless it equals the current one; logs and announces
-- the diamond event. extra is JSON text appended to the event data (or '').
-- d: {item, index, revkey, config_epoch, history, event_value, channels} plus log_append's k.
-- Returns {1, rev}: rev is the new revision, or the current one when the value was identical.
local function store_version(d, key, value, md5, op, extra)
  local current = parse_version(redis.call('LINDEX', d.item, 0))
  if current and current.value == value then return {1, current.rev} end
  local rev = next_rev(d.revkey, d.config_epoch)
  local now = now_ms()
  redis.call('LPUSH', d.item, rev_text(rev) .. ' ' .. md5 .. ' ' .. #value .. ' ' .. string.format('%.0f', now) .. ' ' .. value)
  redis.call('LTRIM', d.item, 0, d.history - 1)
  redis.call('ZADD', d.index, 0, key)
  local data = '{"key":' .. cjson.encode(key) .. ',"channel":' .. cjson.encode(d.channel) .. ',"op":"' .. op .. '","rev":' .. rev_text(rev) ..
    ',"md5":"' .. md5 .. '","size":' .. #value .. extra
  if #value <= d.event_value then data = data .. ',"value":' .. cjson.encode(value) end
  data = data .. '}'
  local seq, ts = log_append(d, 'diamond', data, now)
  announce(d.channels, envelope('diamond', data, seq, ts))
  return {1, rev}
end
`;

/**
 * The inputs every changing script shares:
 * KEYS: item, index, revkey, log, sizes, bytes
 * ARGV: key, config_epoch, history, event_value, budget, redis channel, system channel, channel name
 * as the tenant sees it, then the script's own.
 */
const CHANGE_ARGS_LUA = `
local d = {
  item = KEYS[1], index = KEYS[2], revkey = KEYS[3], log = KEYS[4], sizes = KEYS[5], bytes = KEYS[6],
  config_epoch = tonumber(ARGV[2]), history = tonumber(ARGV[3]), event_value = tonumber(ARGV[4]),
  budget = tonumber(ARGV[5]), channels = {ARGV[6], ARGV[7]}, channel = ARGV[8],
}
local key = ARGV[1]
`;

/**
 * ARGV after the shared ones: value, md5, ifrev (-1 = none; 0 = create only).
 * Returns {1, rev} stored (or identical), {0, current rev or 0} compare-and-set failed.
 */
export const DIAMOND_PUBLISH = new Script(
  'diamond_publish',
  PRELUDE +
    LOG_LUA +
    VERSIONS_LUA +
    CHANGE_ARGS_LUA +
    `
local value, md5, ifrev = ARGV[9], ARGV[10], tonumber(ARGV[11])
if ifrev >= 0 then
  local current = parse_version(redis.call('LINDEX', d.item, 0))
  local rev = current and current.rev or 0
  if rev ~= ifrev then return {0, rev} end
end
return store_version(d, key, value, md5, 'publish', '')
`,
);

/**
 * ARGV after the shared ones: rev to roll back to.
 * Republishes that version's value as a new revision. Returns {1, rev} (the current revision when
 * the value is already current), {0, current rev or 0} when the revision is not in the history.
 */
export const DIAMOND_ROLLBACK = new Script(
  'diamond_rollback',
  PRELUDE +
    LOG_LUA +
    VERSIONS_LUA +
    CHANGE_ARGS_LUA +
    `
local target = tonumber(ARGV[9])
local versions = redis.call('LRANGE', d.item, 0, -1)
if #versions == 0 then return {0, 0} end
for _, rec in ipairs(versions) do
  local v = parse_version(rec)
  if v.rev == target then return store_version(d, key, v.value, v.md5, 'rollback', ',"from":' .. rev_text(target)) end
end
return {0, parse_version(versions[1]).rev}
`,
);

/**
 * ARGV after the shared ones: ifrev (-1 = none).
 * Deletes the key and its history; the deletion takes a revision and is announced.
 * Returns {1, rev of the deletion}, {0, current rev or 0} unknown key or compare-and-set failed.
 */
export const DIAMOND_DELETE = new Script(
  'diamond_delete',
  PRELUDE +
    LOG_LUA +
    VERSIONS_LUA +
    CHANGE_ARGS_LUA +
    `
local ifrev = tonumber(ARGV[9])
local current = parse_version(redis.call('LINDEX', d.item, 0))
if not current then return {0, 0} end
if ifrev >= 0 and current.rev ~= ifrev then return {0, current.rev} end
local rev = next_rev(d.revkey, d.config_epoch)
redis.call('DEL', d.item)
redis.call('ZREM', d.index, key)
local data = '{"key":' .. cjson.encode(key) .. ',"channel":' .. cjson.encode(d.channel) .. ',"op":"delete","rev":' .. rev_text(rev) .. '}'
local seq, ts = log_append(d, 'diamond', data, now_ms())
announce(d.channels, envelope('diamond', data, seq, ts))
return {1, rev}
`,
);

/**
 * KEYS: item
 * ARGV: count (0 = only the current version)
 * Returns {} for an unknown key, else {{rev, md5, size, ts, value}, ...} newest first.
 */
export const DIAMOND_VERSIONS = new Script(
  'diamond_versions',
  PRELUDE +
    VERSIONS_LUA +
    `
local count = tonumber(ARGV[1])
local out = {}
for _, rec in ipairs(redis.call('LRANGE', KEYS[1], 0, math.max(count, 1) - 1)) do
  local v = parse_version(rec)
  out[#out + 1] = {v.rev, v.md5, v.size, v.ts, v.value}
end
return out
`,
);

/**
 * One bounded step of a walk over the config key names (a zset of score 0, so it can be read both
 * as a hash table and in byte order).
 * KEYS: index
 * ARGV: pattern, cursor, max keys, with_rev (0|1), config item key prefix, scan work, lex work
 * Returns {next cursor, keys} or {next cursor, {key, rev, ...}} with rev.
 *
 * A pattern with a literal prefix walks the byte-order range of that prefix (cursor "L<hex of the
 * last name examined>"): `prefix*` is read straight from the range, others are matched here on at
 * most lex work names. Other patterns walk the hash table with ZSCAN MATCH, so Redis matches them,
 * on about scan work names (cursor "<zscan cursor>"). A ZSCAN page is never split: one that would
 * overflow is fetched again with less work or left to the next call, except a page that holds the
 * whole set (a small set comes whole): it is split in byte order, and the cursor "<zscan
 * cursor>:<hex of K>" then means "every name up to K was given". Both walks give every key present
 * from the start to the end of an iteration; the range walk gives each once.
 */
export const DIAMOND_LIST = new Script(
  'diamond_list',
  PRELUDE +
    LOG_LUA +
    VERSIONS_LUA +
    GLOB_LUA +
    `
local index, pattern, cursor, max = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local with_rev, item_prefix, scan_work, lex_work = ARGV[4] == '1', ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local INVALID = 'ERR invalid cursor'

local function hex(text)
  return (string.gsub(text, '.', function(ch) return string.format('%02x', string.byte(ch)) end))
end
local function unhex(text)
  return (string.gsub(text, '..', function(h) return string.char(tonumber(h, 16)) end))
end

-- The bytes before the first glob metacharacter, and whether there is none.
local function literal_prefix(p)
  for i = 1, #p do
    local b = string.byte(p, i)
    if b == 42 or b == 63 or b == 91 or b == 92 then return string.sub(p, 1, i - 1), false end
  end
  return p, true
end

-- The exclusive upper end of the byte-order range of names that begin with prefix.
local function range_end(prefix)
  local n = #prefix
  while n > 0 and string.byte(prefix, n) == 255 do n = n - 1 end
  if n == 0 then return '+' end
  return '(' .. string.sub(prefix, 1, n - 1) .. string.char(string.byte(prefix, n) + 1)
end

local function range_walk(prefix)
  if string.sub(cursor, 1, 1) ~= 'L' and cursor ~= '0' then return nil end
  local lo = '[' .. prefix
  if cursor ~= '0' then lo = '(' .. unhex(string.sub(cursor, 2)) end
  local hi = range_end(prefix)
  local plain = string.sub(pattern, #prefix + 1) == '*'
  local out, examined, last, done = {}, 0, nil, false
  while #out < max and examined < lex_work do
    local chunk = plain and (max - #out) or math.min(lex_work - examined, 100)
    local names = redis.call('ZRANGE', index, lo, hi, 'BYLEX', 'LIMIT', 0, chunk)
    for _, name in ipairs(names) do
      examined = examined + 1
      last = name
      if plain or glob_match(pattern, name) then
        out[#out + 1] = name
        if #out >= max then break end
      end
    end
    if #names < chunk then
      done = true
      break
    end
    lo = '(' .. last
  end
  if done or last == nil then return {'0', out} end
  return {'L' .. hex(last), out}
end

local function scan_walk()
  local scan_cursor, after_hex = string.match(cursor, '^(%d+):?(%x*)$')
  if not scan_cursor then return nil end
  local after = nil
  if string.find(cursor, ':', 1, true) then after = unhex(after_hex) end
  local out, given = {}, {}
  local work, step, finished = scan_work, max, false
  repeat
    local page = redis.call('ZSCAN', index, scan_cursor, 'MATCH', pattern, 'COUNT', step)
    work = work - step
    local names = {}
    for i = 1, #page[2], 2 do
      local name = page[2][i]
      if not given[name] and (after == nil or byte_less(after, name)) then names[#names + 1] = name end
    end
    local fits = #out + #names <= max
    if not fits and scan_cursor == '0' and page[1] == '0' then
      table.sort(names, byte_less)
      for i = 1, max - #out do out[#out + 1] = names[i] end
      return {'0:' .. hex(out[#out]), out}
    end
    if not fits and step > 1 then
      step = math.floor(step / 2)
    elseif not fits and #out > 0 then
      break
    else
      -- A page that fits, or one hash bucket: given whole.
      for _, name in ipairs(names) do
        given[name] = true
        out[#out + 1] = name
      end
      scan_cursor = page[1]
      finished = scan_cursor == '0'
      step = math.max(max - #out, 1)
    end
  until finished or #out >= max or work <= 0
  if finished then return {'0', out} end
  if after then return {scan_cursor .. ':' .. hex(after), out} end
  return {scan_cursor, out}
end

local result
local prefix, exact = literal_prefix(pattern)
if exact and cursor == '0' then
  result = {'0', {}}
  if redis.call('ZSCORE', index, pattern) then result[2][1] = pattern end
elseif prefix ~= '' then
  result = range_walk(prefix)
else
  result = scan_walk()
end
if not result then return redis.error_reply(INVALID) end
if not with_rev then return result end
local flat = {}
for _, name in ipairs(result[2]) do
  local v = parse_version(redis.call('LINDEX', item_prefix .. name, 0))
  flat[#flat + 1] = name
  flat[#flat + 1] = v and v.rev or 0
end
return {result[1], flat}
`,
);
