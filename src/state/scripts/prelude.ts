// Lua shared by every sumavlib script: the master's clock, fencing epochs, and event emission.
// Each script is this prelude followed by its body, so one EVALSHA does the whole job.

export const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Fencing epochs are hi * 2^32 + lo: hi is the Sentinel configuration epoch, lo a per-election
-- counter; exact as a double while hi < 2^21, and printed as decimal digits.
local function epoch_text(hi, lo)
  return string.format('%.0f', hi * 4294967296 + lo)
end

-- Appends the event to the tenant's log first, then publishes it on each channel:
-- {"type":..., "data":{...}, "seq":"<stream id>", "ts":<ms>}.
local function emit(log, channels, kind, data, ts)
  local seq = redis.call('XADD', log, 'MAXLEN', '~', 100000, '*', 'type', kind, 'data', cjson.encode(data), 'ts', ts)
  local payload = '{"type":' .. cjson.encode(kind) .. ',"data":' .. cjson.encode(data) ..
    ',"seq":' .. cjson.encode(seq) .. ',"ts":' .. string.format('%.0f', ts) .. '}'
  for _, ch in ipairs(channels) do redis.call('PUBLISH', ch, payload) end
  return seq
end
`;
