// sumavlib.suma_try_leader <master_vipkey> [<my_vip>] [TTL ms] [WITHEPOCH]
// Acquire-or-renew, idempotent, non-blocking. :1 when the caller holds the election after the call
// and replicas acknowledged it; the lease is kept even when they did not, so the same caller
// succeeds on its next call and nobody else can take over meanwhile.

import type { CommandSpec } from '../../src/registry/spec.js';
import { TRY_LEADER } from '../../src/state/scripts/leader.js';
import { leaseTtl, leaderScriptInput, leaderReply, type LeaderState } from './common.js';

export const tryLeader = {
  name: 'sumavlib.suma_try_leader',
  arity: -2,
  flags: ['write', 'fast'],
  summary: 'Acquires or renews the leadership of an election',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, caller, state, limits }) {
    const election = args.text(limits.name);
    // <my_vip> is optional: an option keyword in second place means it was left out.
    const vip = args.remaining > 0 && !args.peekKeyword('TTL', 'WITHEPOCH') ? args.text(limits.name) : caller.remoteAddress;
    let ttl = limits.defaultLeaseMs;
    let withEpoch = false;
    for (let word = args.keyword('TTL', 'WITHEPOCH'); word !== null; word = args.keyword('TTL', 'WITHEPOCH')) {
      if (word === 'TTL') ttl = leaseTtl(args, limits);
      else withEpoch = true;
    }
    args.finish();
    const input = leaderScriptInput(tenant, state, election, [vip, ttl]);
    const { value, acked } = await state.run<LeaderState>(TRY_LEADER, input.keys, input.args, (v) => v[0] === 1);
    const held = value[0] === 1 && acked ? 1 : 0;
    return withEpoch ? leaderReply(held, value) : held;
  },
} satisfies CommandSpec;
