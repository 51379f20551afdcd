// Read-only figures of one tenant for /metrics: leaders held and live hosts right now, config keys
// and the tenant's config revision.

import { Script } from '../store.js';
import { PRELUDE } from './prelude.js';

/**
 * KEYS: elections, groups, diamonds, diamond_rev
 * ARGV: leader key stem, live key stem (each completed by a name read from the sets)
 * Returns {leaders held, live hosts, config keys, revision hi, revision lo}
 */
export const TENANT_FIGURES = new Script(
  'tenant_figures',
  PRELUDE +
    `
local now = now_ms()
local held = 0
for _, election in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local state = redis.call('HMGET', ARGV[1] .. election, 'holder', 'expires')
  if state[1] and tonumber(state[2] or '0') > now then held = held + 1 end
end
local live = 0
for _, group in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  live = live + redis.call('ZCOUNT', ARGV[2] .. group, '(' .. now, '+inf')
end
local rev = redis.call('HMGET', KEYS[4], 'hi', 'lo')
return {held, live, redis.call('ZCARD', KEYS[3]), tonumber(rev[1] or '0'), tonumber(rev[2] or '0')}
`,
);
