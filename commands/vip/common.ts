// What the host-registry commands share: bounded arguments, JSON checks, byte-order sorting.

import { errorReply, RedisError } from '../../src/resp/errors.js';
import type { ArgReader } from '../../src/registry/spec.js';

export const tooLarge = (max: number): Buffer => errorReply('ERR', `value too large (max ${max} bytes)`);
export const INVALID_JSON = errorReply('ERR', 'invalid JSON');
const RESERVED_CHANNEL = errorReply('NOPERM', 'the __suma.* channels are reserved for system events');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The next argument as text, latching `value too large` when it has more than `max` bytes. */
export function bounded(args: ArgReader, max: number): string {
  const next = args.all[args.all.length - args.remaining];
  if (next !== undefined && next.length > max) args.fail(tooLarge(max));
  return args.text();
}

/** A `<channel>` argument: a name the caller may publish on, so not one of the system channels. */
export function publishChannel(args: ArgReader, max: number): string {
  const name = bounded(args, max);
  if (name.startsWith('__suma.')) args.fail(RESERVED_CHANNEL);
  return name;
}

/** The next argument as JSON text (UTF-8, at most `max` bytes), returned unchanged. */
export function jsonArg(args: ArgReader, max: number): string {
  const raw = args.all[args.all.length - args.remaining];
  if (raw === undefined) return args.text();
  if (raw.length > max) {
    args.fail(tooLarge(max));
    return args.text();
  }
  try {
    JSON.parse(strictUtf8.decode(raw));
  } catch {
    args.fail(INVALID_JSON);
  }
  return args.text();
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
