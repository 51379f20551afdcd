// sumavlib.suma_keep_alive <master_vipkey> <my_vip> <vip_pattern> [TTL ms] [META json]
// Heartbeat of a host in a group. The group's leader also renews its lease here (never acquires
// one) and gets the live, not-killed hosts matching the pattern; a follower gets the leader's VIP;
// without a leader, nil. A renewal the replicas did not acknowledge answers as a follower would.

import type { CommandSpec } from '../../src/registry/spec.js';
import { keys } from '../../src/state/keys.js';
import { KEEP_ALIVE } from '../../src/state/scripts/leader.js';
import { leaseTtl, matchSorted } from './common.js';

/** {0} no leader, {1, holder} follower, {2, holder, hosts...} renewed leader. */
type KeepAliveResult = [0] | [1, string] | [2, string, ...string[]];

export const keepAlive = {
  name: 'sumavlib.suma_keep_alive',
  arity: -4,
  flags: ['write'],
  summary: 'Heartbeat of a host in a group; the leader renews its lease and gets the live hosts',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const group = args.text(limits.name);
    const vip = args.text(limits.name);
    const pattern = args.text(limits.pattern);
    let ttl = limits.hostTtlMs;
    let meta: string | null = null;
    for (let word = args.keyword('TTL', 'META'); word !== null; word = args.keyword('TTL', 'META')) {
      if (word === 'TTL') ttl = leaseTtl(args, limits);
      else meta = args.json(limits.json);
    }
    args.finish();
    const scriptKeys = [
      keys.live(tenant, group),
      keys.liveMeta(tenant, group),
      keys.liveTtl(tenant, group),
      keys.groups(tenant),
      keys.seen(tenant),
      keys.expiry(tenant),
      keys.killed(tenant),
      keys.leader(tenant, group),
    ];
    const scriptArgs = [group, vip, ttl, meta === null ? 0 : 1, meta ?? ''];
    // Only a renewed lease must reach the replicas before the leader hears it still leads.
    const { value, acked } = await state.run<KeepAliveResult>(KEEP_ALIVE, scriptKeys, scriptArgs, (v) => v[0] === 2);
    if (value[0] === 0) return null;
    if (value[0] === 1 || !acked) return value[1];
    return matchSorted(value.slice(2) as string[], pattern, limits.listReply);
  },
} satisfies CommandSpec;
