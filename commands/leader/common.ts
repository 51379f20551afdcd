// What the leader commands share: TTL parsing, script input, the WITHEPOCH reply.

import { errorReply } from '../../src/resp/errors.js';
import type { Reply } from '../../src/resp/encode.js';
import type { ArgReader } from '../../src/registry/spec.js';
import { channel, keys, SYSTEM_CHANNELS, type Tenant } from '../../src/state/keys.js';
import type { Limits } from '../../src/state/limits.js';
import type { StateStore } from '../../src/state/store.js';

/** What the leader scripts return: {held, holder|nil, epoch|nil, ttl_left_ms}. */
export type LeaderState = [number, string | null, string | null, number];

export function leaseTtl(args: ArgReader, limits: Limits): number {
  return args.int(limits.minLeaseMs, limits.maxLeaseMs, errorReply('ERR', `invalid TTL (allowed ${limits.minLeaseMs}..${limits.maxLeaseMs} ms)`));
}

/** KEYS leader, killed, grace, events, expiry, elections; ARGV election, ...extra, config epoch, channels. */
export function leaderScriptInput(tenant: Tenant, state: StateStore, election: string, extra: (string | number)[]): { keys: string[]; args: (string | number)[] } {
  return {
    keys: [keys.leader(tenant, election), keys.killed(tenant), keys.grace(tenant), keys.events(tenant), keys.expiry(tenant), keys.elections(tenant)],
    args: [election, ...extra, state.current()?.configEpoch ?? 0, channel(tenant, SYSTEM_CHANNELS.leader)],
  };
}

/** `[is_leader, leader_vip|nil, epoch|nil, ttl_left_ms]` */
export function leaderReply(held: number, [, holder, epoch, ttlLeft]: LeaderState): Reply {
  return [held, holder ?? null, epoch ?? null, Math.max(0, Number(ttlLeft))];
}
