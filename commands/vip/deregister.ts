// sumavlib.suma_vip_deregister <vip>
// Removes a host from the inventory and from the live set of every group, so a host that shuts
// down cleanly leaves every list at once instead of after its TTL. :1 removed, :0 unknown.
// Leases the host holds are left to suma_resign or to their expiry.

import type { CommandSpec } from '../../src/registry/spec.js';
import { channel, keys, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { VIP_DEREGISTER } from '../../src/state/scripts/vip.js';


export const vipDeregister = {
  name: 'sumavlib.suma_vip_deregister',
  arity: 2,
  flags: ['write'],
  summary: 'Removes a host from the inventory and from every live list',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const vip = args.text(limits.name);
    args.finish();
    const { value } = await state.run<number>(
      VIP_DEREGISTER,
      [keys.inventory(tenant), keys.groups(tenant), keys.expiry(tenant), keys.events(tenant)],
      [vip, keys.live(tenant, ''), keys.liveMeta(tenant, ''), keys.liveTtl(tenant, ''), channel(tenant, SYSTEM_CHANNELS.vip)],
      false,
    );
    return value;
  },
} satisfies CommandSpec;
