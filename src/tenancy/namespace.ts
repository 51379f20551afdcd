// A shared tenant's names as Redis sees them: every key and channel gets the tenant's prefix on
// the way in and loses it on the way out. Keyspace notifications are Redis's own channels:
// `__keyspace@<db>__:<key>` carries the prefix after the `__:`, and `__keyevent@<db>__:<event>`
// stays as it is (its messages carry a key name, filtered and stripped on delivery).

import type { Tenant } from '../state/keys.js';

/**
 * The prefix of a shared tenant's keys and channels. Proposed home: `keys.tenantKeyPrefix` in
 * src/state/keys.ts. Distinct from `suma:{T}:`, the sumavlib state, so no client key can reach
 * that state by name; the hash tag keeps a tenant's keys in one slot, as the state's are.
 */
export function tenantKeyPrefix(t: Pick<Tenant, 'id'>): string {
  return `t:{${t.id}}:`;
}

/** Escapes Redis glob metacharacters (`*?[]\`) so `text` matches only itself. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

const NOTIFICATION = /^__key(space|event)@[0-9]+__:/;
const NOTIFICATION_PATTERN = /^__key(space|event)@/;

export class Namespace {
  readonly prefix: Buffer;
  /** The prefix as a glob that matches only itself. */
  readonly patternPrefix: Buffer;
  /** Globs of everything FLUSHDB/FLUSHALL remove: the tenant's keys, and `alsoFlush`. */
  readonly flushPatterns: readonly Buffer[];

  /**
   * `prefix` must not contain `*`, which SORT BY/GET would read as the substitution point: tenant
   * ids cannot. `alsoFlush`: other key prefixes that belong to the tenant (its sumavlib state).
   */
  constructor(prefix: string, alsoFlush: readonly string[] = []) {
    if (prefix.length === 0 || prefix.includes('*')) throw new Error(`not a tenant prefix: '${prefix}'`);
    this.prefix = Buffer.from(prefix, 'latin1');
    this.patternPrefix = Buffer.from(globEscape(prefix), 'latin1');
    this.flushPatterns = [prefix, ...alsoFlush].map((p) => Buffer.from(`${globEscape(p)}*`, 'latin1'));
  }

  static of(t: Pick<Tenant, 'id'>, alsoFlush: readonly string[] = []): Namespace {
    return new Namespace(tenantKeyPrefix(t), alsoFlush);
  }

  // ---------------------------------------------------------------- keys

  key(name: Buffer): Buffer {
    return Buffer.concat([this.prefix, name]);
  }

  /** The name without the prefix; null when it is not the tenant's. */
  unkey(name: Buffer): Buffer | null {
    const p = this.prefix;
    return name.length >= p.length && name.compare(p, 0, p.length, 0, p.length) === 0 ? name.subarray(p.length) : null;
  }

  /** A KEYS / SCAN MATCH glob confined to the tenant's keys. */
  keyPattern(pattern: Buffer): Buffer {
    return Buffer.concat([this.patternPrefix, pattern]);
  }

  // ---------------------------------------------------------------- channels

  /** A channel of SUBSCRIBE, UNSUBSCRIBE, PUBSUB NUMSUB. */
  channel(name: Buffer): Buffer {
    const head = notificationHead(name);
    if (head === 0) return this.key(name);
    if (isKeyevent(name)) return name;
    return Buffer.concat([name.subarray(0, head), this.prefix, name.subarray(head)]);
  }

  /** A channel as Redis names it, back as the tenant's client knows it; null when not the tenant's. */
  unchannel(name: Buffer): Buffer | null {
    const head = notificationHead(name);
    if (head === 0) return this.unkey(name);
    if (isKeyevent(name)) return name;
    const rest = this.unkey(name.subarray(head));
    return rest === null ? null : Buffer.concat([name.subarray(0, head), rest]);
  }

  /**
   * A PSUBSCRIBE pattern; null when it cannot be confined: a keyspace-notification pattern must
   * name its db (`__keyspace@0__:*`), since a glob there could reach into other tenants' keys.
   */
  channelPattern(pattern: Buffer): Buffer | null {
    if (!NOTIFICATION_PATTERN.test(latin1Head(pattern))) return this.keyPattern(pattern);
    const head = notificationHead(pattern);
    if (head === 0) return null;
    if (isKeyevent(pattern)) return pattern;
    return Buffer.concat([pattern.subarray(0, head), this.patternPrefix, pattern.subarray(head)]);
  }

  /** The inverse of channelPattern; null when the pattern is not the tenant's. */
  unchannelPattern(pattern: Buffer): Buffer | null {
    const head = notificationHead(pattern);
    if (head === 0) return this.unkeyPattern(pattern);
    if (isKeyevent(pattern)) return pattern;
    const rest = this.unkeyPattern(pattern.subarray(head));
    return rest === null ? null : Buffer.concat([pattern.subarray(0, head), rest]);
  }

  /** A shard channel (SSUBSCRIBE, SPUBLISH): keyspace notifications never travel there. */
  shardChannel(name: Buffer): Buffer {
    return this.key(name);
  }

  private unkeyPattern(pattern: Buffer): Buffer | null {
    const p = this.patternPrefix;
    return pattern.length >= p.length && pattern.compare(p, 0, p.length, 0, p.length) === 0 ? pattern.subarray(p.length) : null;
  }
}

/** Keyspace or keyevent notification channels: Redis publishes there, tenants may not. */
export function isNotificationChannel(name: Buffer): boolean {
  return notificationHead(name) > 0;
}

export function isKeyevent(name: Buffer): boolean {
  return name.length > 11 && name.toString('latin1', 0, 11) === '__keyevent@';
}

/** The length of `__keyspace@<db>__:` / `__keyevent@<db>__:` at the start of `name`, or 0. */
function notificationHead(name: Buffer): number {
  if (name.length < 15 || name[0] !== 95 /* _ */) return 0;
  const m = NOTIFICATION.exec(latin1Head(name));
  return m === null ? 0 : m[0].length;
}

function latin1Head(name: Buffer): string {
  return name.toString('latin1', 0, Math.min(name.length, 48));
}
