// The tenant's event log for payload-carrying events (messages, configs, tasks), and reading it back.
// The log is capped at MAXLEN ~ 100000 entries like every event; entries with payloads are also
// counted in bytes (a list of "<seq> <bytes>" beside the stream), so a tenant publishing large
// payloads trims the oldest entries instead of growing Redis without bound.

import { Script } from '../store.js';
import { PRELUDE } from './prelude.js';

/** Entries the log keeps (XADD MAXLEN ~), as in the prelude's emit. */
export const LOG_MAXLEN = 100_000;

/**
 * Lua: byte-order comparison (Lua's `<` follows the server's collation locale), stream id order,
 * and log_append / envelope / announce.
 */
export const LOG_LUA = `
local LOG_MAXLEN = ${LOG_MAXLEN}

-- True when a sorts before b byte by byte, as Redis orders members of equal score.
local function byte_less(a, b)
  if a == b then return false end
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- Compares decimal digit strings of any length: -1, 0, 1.
local function digits_cmp(a, b)
  a = string.gsub(a, '^0+', '')
  b = string.gsub(b, '^0+', '')
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return byte_less(a, b) and -1 or 1
end

-- Compares stream ids "<ms>-<seq>": -1, 0, 1.
local function id_cmp(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  local c = digits_cmp(am, bm)
  if c ~= 0 then return c end
  return digits_cmp(as, bs)
end

-- The event as subscribers of system channels receive it, built from its parts as in emit().
local function envelope(kind, data, seq, ts)
  return '{"type":' .. cjson.encode(kind) .. ',"data":' .. data .. ',"seq":' .. cjson.encode(seq) .. ',"ts":' .. ts .. '}'
end

-- Forgets the sizes of entries MAXLEN already trimmed from the head of the log (at most limit).
local function forget_trimmed(k, limit)
  local head = redis.call('XRANGE', k.log, '-', '+', 'COUNT', 1)[1]
  for _ = 1, limit do
    local rec = redis.call('LINDEX', k.sizes, 0)
    if not rec then return end
    local id, size = string.match(rec, '^(%S+) (%d+)$')
    if head and id_cmp(id, head[1]) >= 0 then return end
    redis.call('LPOP', k.sizes)
    redis.call('DECRBY', k.bytes, size)
  end
end

-- Appends an event whose data is JSON text (kept as given) and returns {seq, ts text}. Then trims
-- the oldest entries while the payload bytes exceed the budget; the new entry always stays.
-- k: {log, sizes, bytes, budget}
local function log_append(k, kind, data, now)
  local ts = string.format('%.0f', now)
  local seq = redis.call('XADD', k.log, 'MAXLEN', '~', LOG_MAXLEN, '*', 'type', kind, 'data', data, 'ts', ts)
  redis.call('RPUSH', k.sizes, seq .. ' ' .. #data)
  local total = redis.call('INCRBY', k.bytes, #data)
  if redis.call('LLEN', k.sizes) > LOG_MAXLEN + 1024 then forget_trimmed(k, 4096) end
  if total > k.budget then
    local cut = nil
    while total > k.budget do
      local rec = redis.call('LPOP', k.sizes)
      if not rec then break end
      local id, size = string.match(rec, '^(%S+) (%d+)$')
      if id == seq then
        redis.call('LPUSH', k.sizes, rec)
        break
      end
      total = redis.call('DECRBY', k.bytes, size)
      cut = id
    end
    if cut then
      local ms, sq = string.match(cut, '^(%d+)-(%d+)$')
      redis.call('XTRIM', k.log, 'MINID', ms .. '-' .. string.format('%.0f', tonumber(sq) + 1))
    end
  end
  return seq, ts
end

local function announce(channels, payload)
  for _, ch in ipairs(channels) do redis.call('PUBLISH', ch, payload) end
end
`;

/** KEYS log, sizes, bytes; ARGV budget first: the table log_append wants. */
export const LOG_KEYS_LUA = `
local k = {log = KEYS[1], sizes = KEYS[2], bytes = KEYS[3], budget = tonumber(ARGV[1])}
`;

/**
 * KEYS: log, sizes, bytes
 * ARGV: budget, redis channel, channel name as the tenant sees it, payload (JSON text)
 * Logs {"channel", "payload"} with the payload embedded unchanged, then publishes the payload
 * itself, byte for byte. Returns 1.
 */
export const MESSAGE_PUBLISH = new Script(
  'message_publish',
  PRELUDE +
    LOG_LUA +
    LOG_KEYS_LUA +
    `
local ch, name, payload = ARGV[2], ARGV[3], ARGV[4]
log_append(k, 'message', '{"channel":' .. cjson.encode(name) .. ',"payload":' .. payload .. '}', now_ms())
redis.call('PUBLISH', ch, payload)
return 1
`,
);

/**
 * KEYS: log
 * ARGV: seq ("<ms>-<seq>", or "$": just the newest event), count, max reply bytes
 * The events after seq, oldest first, each as its JSON envelope; stops early (after at least one)
 * once the reply holds max bytes. Error RESYNC <oldest seq> when events after seq may be gone:
 * seq is before the log's first entry and the log has lost entries, or seq is after the newest
 * entry the log ever had (events lost with a former master).
 */
export const EVENTS_SINCE = new Script(
  'events_since',
  PRELUDE +
    LOG_LUA +
    `
local log, seq, count, max_bytes = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local function event_of(entry)
  local f = {}
  for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
  return envelope(f['type'] or '', f['data'] or 'null', entry[1], f['ts'] or '0')
end

if seq == '$' then
  local newest = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)[1]
  if not newest then return {} end
  return {event_of(newest)}
end
if redis.call('EXISTS', log) == 0 then
  if id_cmp(seq, '0-0') == 0 then return {} end
  return redis.error_reply('RESYNC 0-0')
end
local raw = redis.call('XINFO', 'STREAM', log)
local info = {}
for i = 1, #raw, 2 do info[raw[i]] = raw[i + 1] end
local last = info['last-generated-id']
local first = info['first-entry'] and info['first-entry'][1]
if id_cmp(seq, last) > 0 then return redis.error_reply('RESYNC ' .. (first or last)) end
if not first then
  if id_cmp(seq, last) < 0 then return redis.error_reply('RESYNC ' .. last) end
  return {}
end
-- Trimming removes only entries before the first one; none of them came after seq when nothing
-- was ever removed (Redis 7 counts entries added).
local added = info['entries-added']
if id_cmp(seq, first) < 0 and (added == nil or tonumber(added) ~= tonumber(info['length'])) then
  return redis.error_reply('RESYNC ' .. first)
end
local out, bytes = {}, 0
for _, entry in ipairs(redis.call('XRANGE', log, '(' .. seq, '+', 'COUNT', count)) do
  local event = event_of(entry)
  out[#out + 1] = event
  bytes = bytes + #event
  if bytes >= max_bytes then break end
end
return out
`,
);
