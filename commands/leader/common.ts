// What the leader commands share: TTL and JSON parsing, script input, reply shapes.

import { errorReply } from '../../src/resp/errors.js';
import type { Reply } from '../../src/resp/encode.js';
import type { ArgReader } from '../../src/registry/spec.js';
import { globMatch } from '../../src/state/glob.js';
import { channel, keys, SYSTEM_CHANNELS, type Tenant } from '../../src/state/keys.js';
import type { Limits } from '../../src/state/limits.js';
import type { StateStore } from '../../src/state/store.js';

/** What the leader scripts return: {held, holder|nil, epoch|nil, ttl_left_ms}. */
export type LeaderState = [number, string | null, string | null, number];

/** A lease or heartbeat TTL; both have the spec's range. */
export function leaseTtl(args: ArgReader, limits: Limits): number {
  return args.int(limits.minLeaseMs, limits.maxLeaseMs, errorReply('ERR', `invalid TTL (allowed ${limits.minLeaseMs}..${limits.maxLeaseMs} ms)`));
}

/** The current master's Sentinel config epoch: the high part of new fencing epochs, and the grace marker. */
export function configEpoch(state: StateStore): number {
  return state.current()?.configEpoch ?? 0;
}

/** KEYS leader, killed, grace, events, expiry, elections, grace_for, seen; ARGV election, ...extra, config epoch, channels. */
export function leaderScriptInput(tenant: Tenant, state: StateStore, election: string, extra: (string | number)[]): { keys: string[]; args: (string | number)[] } {
  return {
    keys: [keys.leader(tenant, election), keys.killed(tenant), keys.grace(tenant), keys.events(tenant), keys.expiry(tenant), keys.elections(tenant), keys.graceFor(tenant), keys.seen(tenant)],
    args: [election, ...extra, configEpoch(state), channel(tenant, SYSTEM_CHANNELS.leader)],
  };
}

/** `[is_leader, leader_vip|nil, epoch|nil, ttl_left_ms]` */
export function leaderReply(held: number, [, holder, epoch, ttlLeft]: LeaderState): Reply {
  return [held, holder ?? null, epoch ?? null, Math.max(0, Number(ttlLeft))];
}

/**
 * The names matching a Redis glob pattern, in byte order, at most `cap` of them. Matching and
 * ordering work on bytes, as KEYS does: UTF-8 text is compared as its latin1 image.
 */
export function matchSorted(names: readonly string[], pattern: string, cap: number): string[] {
  const bytePattern = Buffer.from(pattern, 'utf8').toString('latin1');
  const all = pattern === '*';
  const hits: [bytes: string, name: string][] = [];
  for (const name of names) {
    const bytes = Buffer.from(name, 'utf8').toString('latin1');
    if (all || globMatch(bytePattern, bytes)) hits.push([bytes, name]);
  }
  hits.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return hits.slice(0, cap).map(([, name]) => name);
}
