// sumavlib.suma_vip_register <vip> [GROUP g] [META json] [TTL ms]
// Puts a host in the tenant's inventory, persistent unless TTL; a new call replaces the host's
// record (group, meta, expiry). :1.

import type { CommandSpec } from '../../src/registry/spec.js';
import { channel, keys, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { VIP_REGISTER } from '../../src/state/scripts/vip.js';
import { leaseTtl } from '../leader/common.js';


export const vipRegister = {
  name: 'sumavlib.suma_vip_register',
  arity: -2,
  flags: ['write', 'fast'],
  summary: "Registers a host in the tenant's inventory",
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const vip = args.text(limits.name);
    let group: string | null = null;
    let meta: string | null = null;
    let ttl = 0;
    for (let word = args.keyword('GROUP', 'META', 'TTL'); word !== null; word = args.keyword('GROUP', 'META', 'TTL')) {
      if (word === 'GROUP') group = args.text(limits.name);
      else if (word === 'META') meta = args.json(limits.json);
      else ttl = leaseTtl(args, limits);
    }
    args.finish();
    await state.run<number>(
      VIP_REGISTER,
      [keys.inventory(tenant), keys.seen(tenant), keys.expiry(tenant), keys.events(tenant)],
      [vip, group === null ? 0 : 1, group ?? '', meta === null ? 0 : 1, meta ?? '', ttl, channel(tenant, SYSTEM_CHANNELS.vip)],
      false,
    );
    return 1;
  },
} satisfies CommandSpec;
