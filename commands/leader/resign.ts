// sumavlib.suma_resign <master_vipkey> <my_vip>
// Gives the leadership up at once, so another contender can take it on its next call instead of
// waiting for the lease to run out. :1 released, :0 the caller did not hold it.

import type { CommandSpec } from '../../src/registry/spec.js';
import { channel, keys, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { RESIGN } from '../../src/state/scripts/leader.js';

export const resign = {
  name: 'sumavlib.suma_resign',
  arity: 3,
  flags: ['write', 'fast'],
  summary: 'Releases the leadership of an election held by the caller',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const election = args.text(limits.name);
    const vip = args.text(limits.name);
    args.finish();
    const scriptKeys = [keys.leader(tenant, election), keys.expiry(tenant), keys.events(tenant)];
    // Not durable: a release lost in a failover only keeps the lease until it runs out.
    const { value } = await state.run<number>(RESIGN, scriptKeys, [election, vip, channel(tenant, SYSTEM_CHANNELS.leader)], false);
    return value;
  },
} satisfies CommandSpec;
