// sumavlib.suma_leader <master_vipkey>
// Who holds an election now: [leader_vip|nil, epoch|nil, ttl_left_ms]. Read-only.

import type { CommandSpec } from '../../src/registry/spec.js';
import { keys } from '../../src/state/keys.js';
import { LEADER_STATE } from '../../src/state/scripts/leader.js';

export const leader = {
  name: 'sumavlib.suma_leader',
  arity: 2,
  flags: ['readonly', 'fast'],
  summary: 'Returns the holder, fencing epoch and remaining lease of an election',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const election = args.text(limits.name);
    args.finish();
    const { value } = await state.run<[string | null, string | null, number]>(LEADER_STATE, [keys.leader(tenant, election)], [], false);
    return [value[0] ?? null, value[1] ?? null, Math.max(0, Number(value[2]))];
  },
} satisfies CommandSpec;
