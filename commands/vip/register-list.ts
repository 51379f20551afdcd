// sumavlib.suma_vip_register_list <pattern>
// Registered, current, not-killed hosts matching a Redis glob: at most 100, unordered, from one
// bounded walk of the inventory (at most REGISTER_LIST_CALLS HSCAN steps), so it never blocks Redis.

import type { CommandSpec } from '../../src/registry/spec.js';
import { keys } from '../../src/state/keys.js';
import { VIP_REGISTER_LIST } from '../../src/state/scripts/vip.js';


export const REGISTER_LIST_MAX = 100;
/** HSCAN steps of COUNT 100 per call: about 10 000 inventory entries examined at most. */
export const REGISTER_LIST_CALLS = 100;

export const vipRegisterList = {
  name: 'sumavlib.suma_vip_register_list',
  arity: 2,
  flags: ['readonly'],
  summary: 'Lists registered hosts that match a pattern (at most 100, unordered)',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const pattern = args.text(limits.pattern);
    args.finish();
    const { value } = await state.run<string[]>(
      VIP_REGISTER_LIST,
      [keys.inventory(tenant), keys.killed(tenant), keys.expiry(tenant)],
      [pattern, Math.min(REGISTER_LIST_MAX, limits.listReply), REGISTER_LIST_CALLS],
      false,
    );
    return value;
  },
} satisfies CommandSpec;
