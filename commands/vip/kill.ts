// sumavlib.suma_vip_kill <channel> <vip> [REASON text]
// Takes a host out of traffic tenant-wide: a stored override, not a TTL. The host may keep
// heartbeating, but every list hides it, it cannot become leader, and it loses at once every
// lease it holds. :1 when the host is killed after the call (also when it already was), :0 when
// the tenant never saw it. Durable: unacknowledged by replicas, the answer is -TRYAGAIN and the
// write stays, so a retry is idempotent.

import type { CommandSpec } from '../../src/registry/spec.js';
import { channel, keys, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { VIP_KILL } from '../../src/state/scripts/vip.js';
import { notAcknowledged, publishChannel } from './common.js';

export const vipKill = {
  name: 'sumavlib.suma_vip_kill',
  arity: -3,
  flags: ['write'],
  summary: 'Takes a host out of traffic and out of any leadership, tenant-wide',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const name = publishChannel(args, limits.name);
    const vip = args.text(limits.name);
    let reason: string | null = null;
    if (args.keyword('REASON') !== null) reason = args.text(limits.json);
    args.finish();
    const { value, acked } = await state.run<number>(
      VIP_KILL,
      [keys.killed(tenant), keys.seen(tenant), keys.elections(tenant), keys.events(tenant), keys.expiry(tenant)],
      [
        vip,
        reason === null ? 0 : 1,
        reason ?? '',
        keys.leader(tenant, ''),
        channel(tenant, name),
        channel(tenant, SYSTEM_CHANNELS.vip),
        channel(tenant, SYSTEM_CHANNELS.leader),
      ],
      // :0 changed nothing; :1 is acknowledged even when the override was already in place,
      // since the earlier write may not have reached the replicas yet.
      (result) => result === 1,
    );
    if (value === 1 && !acked) throw notAcknowledged();
    return value;
  },
} satisfies CommandSpec;
