// sumavlib.suma_vip_reset <channel> <vip>
// Gives a killed host back to traffic. :1 when the host is not killed after the call (also when it
// was not), :0 when the tenant never saw it. Durable like vip_kill.

import type { CommandSpec } from '../../src/registry/spec.js';
import { channel, keys, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { VIP_RESET } from '../../src/state/scripts/vip.js';
import { notAcknowledged, publishChannel } from './common.js';

export const vipReset = {
  name: 'sumavlib.suma_vip_reset',
  arity: 3,
  flags: ['write'],
  summary: 'Gives a killed host back to traffic',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const name = publishChannel(args, limits.name);
    const vip = args.text(limits.name);
    args.finish();
    const { value, acked } = await state.run<number>(
      VIP_RESET,
      [keys.killed(tenant), keys.seen(tenant), keys.events(tenant)],
      [vip, channel(tenant, name), channel(tenant, SYSTEM_CHANNELS.vip)],
      // :0 changed nothing; :1 is acknowledged even when the override was already in place,
      // since the earlier write may not have reached the replicas yet.
      (result) => result === 1,
    );
    if (value === 1 && !acked) throw notAcknowledged();
    return value;
  },
} satisfies CommandSpec;
