// What the config commands share: the value argument, revisions, and the inputs of the scripts
// that change a config (scripts/diamond.ts).

import { createHash } from 'node:crypto';
import { errorReply, valueTooLarge } from '../../src/resp/errors.js';
import type { ArgReader } from '../../src/registry/spec.js';
import { channel, keys, SYSTEM_CHANNELS, type Tenant } from '../../src/state/keys.js';
import type { Limits } from '../../src/state/limits.js';
import type { StateStore } from '../../src/state/store.js';

const NOT_UTF8 = errorReply('ERR', 'value is not valid UTF-8 text');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A config value: UTF-8 text of at most limits.value bytes (events carry it as a JSON string),
 * with the MD5 of its bytes.
 */
export function configValue(args: ArgReader, limits: Limits): { value: string; md5: string } {
  const raw = args.all[args.all.length - args.remaining];
  const value = args.text();
  if (raw === undefined) return { value, md5: '' };
  if (raw.length > limits.value) args.fail(valueTooLarge(limits.value));
  else {
    try {
      strictUtf8.decode(raw);
    } catch {
      args.fail(NOT_UTF8);
    }
  }
  return { value, md5: createHash('md5').update(raw).digest('hex') };
}

/** A revision argument (IFREV, rollback): 0 or more, exact as a double. */
export function revision(args: ArgReader): number {
  return args.int(0, Number.MAX_SAFE_INTEGER);
}

/**
 * KEYS item, index, revkey, log, sizes, bytes; ARGV key, config epoch, history, event value
 * limit, log budget, channel, system channel, channel name: what every changing script starts with.
 */
export function changeInput(tenant: Tenant, state: StateStore, limits: Limits, key: string, channelName: string): { keys: string[]; args: (string | number)[] } {
  return {
    keys: [keys.diamond(tenant, key), keys.diamonds(tenant), keys.diamondRev(tenant), keys.events(tenant), keys.eventSizes(tenant), keys.eventBytes(tenant)],
    args: [
      key,
      state.current()?.configEpoch ?? 0,
      limits.diamondHistory,
      limits.eventValue,
      limits.eventLogBytes,
      channel(tenant, channelName),
      channel(tenant, SYSTEM_CHANNELS.diamond),
      channelName,
    ],
  };
}

/** What the changing scripts return: {1|0, rev}. */
export type Change = [number, number];

/** One stored version as the scripts return it: {rev, md5, size, ts, value}. */
export type Version = [number, string, number, number, string];
