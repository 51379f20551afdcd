// Task dispatch: a task is one hash, kept a retention after its last change. MODE ONE hands the
// task to one claimant at a time under a claim lease; a claimant that neither reports nor claims
// again loses the task to the next host that claims after the lease ran out (judged by the
// master's clock when someone asks, so no sweeper is involved). MODE ALL lets each target claim
// once. Claims and reports are announced on the system task channel.

import { Script } from '../store.js';
import { PRELUDE } from './prelude.js';
import { LOG_LUA } from './events.js';
import { GLOB_LUA } from './glob.js';

/** Field names and helpers shared by the task scripts. KEYS task, results, tasks first. */
const TASK_LUA = `
local task, results, tasks = KEYS[1], KEYS[2], KEYS[3]
local FINAL = {succeeded = true, failed = true}

-- Keeps the task (and its results) a retention after its last change.
local function keep(id, now, retention)
  redis.call('PEXPIRE', task, retention)
  if redis.call('EXISTS', results) == 1 then redis.call('PEXPIRE', results, retention) end
  redis.call('ZADD', tasks, now + retention, id)
end

local function status_event(k, id, vip, status, now)
  local data = '{"task_id":' .. cjson.encode(id) .. ',"vip":' .. cjson.encode(vip) .. ',"status":"' .. status .. '"}'
  local seq, ts = log_append(k, 'ci_task_status', data, now)
  announce(k.channels, envelope('ci_task_status', data, seq, ts))
end
`;

/**
 * KEYS: task, results, tasks, log, sizes, bytes
 * ARGV: budget, task_id, payload (JSON text), target, mode, ttl, retention, max tasks, channel, task channel,
 * channel name as the tenant sees it
 * Returns 1 new, 0 duplicate id; error when the tenant has max tasks.
 */
export const TASK_SUBMIT = new Script(
  'task_submit',
  PRELUDE +
    LOG_LUA +
    TASK_LUA +
    `
local k = {log = KEYS[4], sizes = KEYS[5], bytes = KEYS[6], budget = tonumber(ARGV[1]), channels = {ARGV[9], ARGV[10]}}
local id, payload, target, mode, ttl = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local retention, max_tasks = tonumber(ARGV[7]), tonumber(ARGV[8])
local now = now_ms()
if redis.call('EXISTS', task) == 1 then return 0 end
redis.call('ZREMRANGEBYSCORE', tasks, '-inf', now)
if redis.call('ZCARD', tasks) >= max_tasks then
  return redis.error_reply('ERR too many tasks (max ' .. max_tasks .. ')')
end
redis.call('HSET', task, 'payload', payload, 'target', target, 'mode', mode, 'ttl', ttl, 'ts', now, 'n', 0)
keep(id, now, retention)
local data = '{"task_id":' .. cjson.encode(id) .. ',"channel":' .. cjson.encode(ARGV[11]) .. ',"target":' .. cjson.encode(target) .. ',"mode":"' .. mode ..
  '","ttl":' .. ttl .. ',"payload":' .. payload .. '}'
local seq, ts = log_append(k, 'ci_task', data, now)
announce(k.channels, envelope('ci_task', data, seq, ts))
return 1
`,
);

/**
 * KEYS: task, results, tasks, log, sizes, bytes, killed
 * ARGV: budget, task_id, vip, retention, max claimants, task channel
 * Returns 1 when the caller holds a running claim after the call, else 0.
 */
export const TASK_CLAIM = new Script(
  'task_claim',
  PRELUDE +
    LOG_LUA +
    GLOB_LUA +
    TASK_LUA +
    `
local k = {log = KEYS[4], sizes = KEYS[5], bytes = KEYS[6], budget = tonumber(ARGV[1]), channels = {ARGV[6]}}
local killed = KEYS[7]
local id, vip, retention, max_claimants = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local now = now_ms()
local t = redis.call('HMGET', task, 'mode', 'target', 'ttl', 'holder', 'expires', 'done', 'n')
local mode, target, ttl, holder, expires = t[1], t[2], tonumber(t[3] or '0'), t[4], tonumber(t[5] or '0')
if not mode or t[6] then return 0 end
if redis.call('HEXISTS', killed, vip) == 1 or not glob_match(target, vip) then return 0 end
local field = 's:' .. vip
if mode == 'ONE' then
  if holder and expires > now then
    if holder ~= vip then return 0 end
    -- The holder claiming again renews its lease.
    redis.call('HSET', task, 'expires', now + ttl, 'e:' .. vip, now + ttl)
    keep(id, now, retention)
    return 1
  end
  if holder and holder ~= vip then redis.call('HSET', task, 's:' .. holder, 'expired') end
  if not redis.call('HGET', task, field) then redis.call('HINCRBY', task, 'n', 1) end
  redis.call('HSET', task, 'holder', vip, 'expires', now + ttl, field, 'claimed', 'e:' .. vip, now + ttl)
else
  local status = redis.call('HGET', task, field)
  if status and FINAL[status] then return 0 end
  if not status and tonumber(t[7] or '0') >= max_claimants then return 0 end
  if not status then redis.call('HINCRBY', task, 'n', 1) end
  redis.call('HSET', task, field, status or 'claimed', 'e:' .. vip, now + ttl)
  if status then
    -- Each target claims once; claiming again renews its lease.
    keep(id, now, retention)
    return 1
  end
end
keep(id, now, retention)
status_event(k, id, vip, 'claimed', now)
return 1
`,
);

/**
 * KEYS: task, results, tasks, log, sizes, bytes
 * ARGV: budget, task_id, vip, status (running|succeeded|failed), has_result (0|1), result, retention, task channel
 * Returns 1 accepted, 0 when the caller is not the task's claimant (MODE ONE: the latest one; MODE
 * ALL: one that claimed) or its status is already final. Repeating a final report is accepted.
 */
export const TASK_REPORT = new Script(
  'task_report',
  PRELUDE +
    LOG_LUA +
    TASK_LUA +
    `
local k = {log = KEYS[4], sizes = KEYS[5], bytes = KEYS[6], budget = tonumber(ARGV[1]), channels = {ARGV[8]}}
local id, vip, status, has_result, result, retention = ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6], tonumber(ARGV[7])
local now = now_ms()
local field = 's:' .. vip
local t = redis.call('HMGET', task, 'mode', 'ttl', 'holder', field)
local mode, ttl, holder, current = t[1], tonumber(t[2] or '0'), t[3], t[4]
if not mode or not current then return 0 end
if mode == 'ONE' and holder ~= vip then return 0 end
if FINAL[current] then
  if current == status then return 1 end
  return 0
end
redis.call('HSET', task, field, status)
if status == 'running' then
  redis.call('HSET', task, 'e:' .. vip, now + ttl)
  if mode == 'ONE' then redis.call('HSET', task, 'expires', now + ttl) end
else
  redis.call('HDEL', task, 'e:' .. vip)
  if mode == 'ONE' then redis.call('HSET', task, 'done', status) end
end
if has_result then redis.call('HSET', results, vip, result) end
keep(id, now, retention)
if current ~= status then status_event(k, id, vip, status, now) end
return 1
`,
);

/**
 * KEYS: task, results
 * ARGV: with_result (0|1)
 * Returns flat {vip, status[, result], ...} unsorted; a claim whose lease ran out without a final
 * report reads "expired".
 */
export const TASK_STATUS = new Script(
  'task_status',
  PRELUDE +
    `
local task, results, with_result = KEYS[1], KEYS[2], ARGV[1] == '1'
local now = now_ms()
local fields = redis.call('HGETALL', task)
local h = {}
for i = 1, #fields, 2 do h[fields[i]] = fields[i + 1] end
local out = {}
for name, status in pairs(h) do
  if string.sub(name, 1, 2) == 's:' then
    local vip = string.sub(name, 3)
    if (status == 'claimed' or status == 'running') and tonumber(h['e:' .. vip] or '0') <= now then status = 'expired' end
    out[#out + 1] = vip
    out[#out + 1] = status
    if with_result then out[#out + 1] = redis.call('HGET', results, vip) end
  end
end
return out
`,
);
