// What the host-registry commands share: publish channels, byte-order sorting, the TRYAGAIN answer.

import { ERR, RedisError } from '../../src/resp/errors.js';
import type { ArgReader } from '../../src/registry/spec.js';

/** A `<channel>` argument: a name the caller may publish on, so not one of the system channels. */
export function publishChannel(args: ArgReader, max: number): string {
  const name = args.text(max);
  if (name.startsWith('__suma.')) args.fail(ERR.systemChannel);
  return name;
}

/**
 * Groups a flat script reply `[vip, ...fields, vip, ...fields]` into rows of `width`, sorted by VIP
 * in byte order (as Redis orders members of equal score), at most `max` rows.
 */
export function sortedRows<T>(flat: T[], width: number, max: number): T[][] {
  const rows: { order: Buffer; row: T[] }[] = [];
  for (let i = 0; i + width <= flat.length; i += width) rows.push({ order: Buffer.from(String(flat[i]), 'utf8'), row: flat.slice(i, i + width) });
  rows.sort((a, b) => Buffer.compare(a.order, b.order));
  return rows.slice(0, max).map((r) => r.row);
}

/** The answer for a durable change that replicas did not acknowledge in time; the write stays. */
export const notAcknowledged = (): RedisError => new RedisError('TRYAGAIN', 'replication not acknowledged');
