// Replies that name keys or channels, turned back into the names a shared tenant's client gave.
// They run on complete frames of the few commands that need them, never on the forwarding path.
// Only the names are decoded and re-encoded: every other element is copied byte for byte, so
// null arrays stay null arrays and nested entries (stream fields, scores) are untouched.

import { decodeFrame } from '../resp/decode.js';
import { bulk } from '../resp/encode.js';
import { isKeyevent, type Namespace } from './namespace.js';

/**
 * Which transform a reply needs:
 * - `keys`: KEYS, an array of key names;
 * - `scan`: SCAN, [cursor, [names]];
 * - `pop`: BLPOP, BRPOP, BZPOPMIN/MAX, LMPOP, BLMPOP, ZMPOP, BZMPOP: the key is element 0;
 * - `streams`: XREAD, XREADGROUP: [[key, entries], ...];
 * - `channels`: PUBSUB CHANNELS / SHARDCHANNELS, an array of channel names;
 * - `numsub`: PUBSUB NUMSUB / SHARDNUMSUB, [channel, count, ...];
 * - `pubsub`: (un)subscribe confirmations and message / pmessage / smessage pushes.
 */
export type ReplyKind = 'keys' | 'scan' | 'pop' | 'streams' | 'channels' | 'numsub' | 'pubsub';

/**
 * The frame as the tenant's client must see it; null when it must not see it at all (a keyevent
 * notification about another tenant's key). Errors and null replies come back unchanged.
 */
export function transformReply(kind: ReplyKind, frame: Buffer, ns: Namespace): Buffer | null {
  if (frame[0] !== 42 /* * */) return frame;
  switch (kind) {
    case 'keys':
    case 'channels':
      return mapArray(frame, 0, (s) => stripBulk(frame, s, (name) => ns.unkey(name))) ?? frame;
    case 'scan':
      return mapArray(frame, 0, (s, i) => (i === 1 ? mapArray(frame, s, (s2) => stripBulk(frame, s2, (name) => ns.unkey(name))) ?? undefined : undefined)) ?? frame;
    case 'pop':
      return mapArray(frame, 0, (s, i) => (i === 0 ? stripBulk(frame, s, (name) => ns.unkey(name)) ?? undefined : undefined)) ?? frame;
    case 'streams':
      return mapArray(frame, 0, (s) => mapArray(frame, s, (s2, i) => (i === 0 ? stripBulk(frame, s2, (name) => ns.unkey(name)) ?? undefined : undefined)) ?? undefined) ?? frame;
    case 'numsub':
      return mapArray(frame, 0, (s, i) => (i % 2 === 0 ? stripBulk(frame, s, (name) => ns.unchannel(name)) ?? undefined : undefined)) ?? frame;
    case 'pubsub':
      return transformPush(frame, ns);
  }
}

/**
 * EXEC's reply: each queued command's transform applied to its element. `kinds` has one entry
 * per queued command (null: none). Not an array (EXECABORT, a WATCH that failed): unchanged.
 */
export function transformExec(kinds: readonly (ReplyKind | null)[], frame: Buffer, ns: Namespace): Buffer {
  if (!kinds.some((k) => k !== null)) return frame;
  return (
    mapArray(frame, 0, (s, i, e) => {
      const kind = kinds[i];
      if (kind === undefined || kind === null) return undefined;
      const element = frame.subarray(s, e);
      return transformReply(kind, element, ns) ?? undefined;
    }) ?? frame
  );
}

const CHANNEL_KINDS = new Set(['message', 'subscribe', 'unsubscribe']);
const PATTERN_KINDS = new Set(['psubscribe', 'punsubscribe']);
const SHARD_KINDS = new Set(['smessage', 'ssubscribe', 'sunsubscribe']);

/**
 * A pub/sub frame on a shared tenant's session: channel and pattern names lose the prefix; a
 * keyevent message (its payload is a key name) reaches the tenant only for the tenant's own keys,
 * its payload stripped. Anything else (PONG in subscribed mode) passes unchanged.
 */
export function transformPush(frame: Buffer, ns: Namespace): Buffer | null {
  const items = elements(frame, 0);
  if (items === null || items.length < 2) return frame;
  const kind = bulkText(frame, items[0]![0]);
  if (kind === null) return frame;
  const channelAt = kind === 'pmessage' ? 2 : 1;
  const channel = bulkValue(frame, items[channelAt]?.[0] ?? -1);
  let foreign = false;
  /** A name stripped; one that is not the tenant's is kept as is and marks the frame foreign. */
  const name = (start: number, strip: (name: Buffer) => Buffer | null): Buffer | undefined => {
    const out = stripBulk(frame, start, strip);
    if (out === null) foreign = true;
    return out ?? undefined;
  };
  const out = mapArray(frame, 0, (s, i) => {
    if (kind === 'pmessage' && i === 1) return name(s, (p) => ns.unchannelPattern(p));
    if (i === channelAt) {
      if (PATTERN_KINDS.has(kind)) return name(s, (p) => ns.unchannelPattern(p));
      if (SHARD_KINDS.has(kind)) return name(s, (c) => ns.unkey(c));
      if (CHANNEL_KINDS.has(kind) || kind === 'pmessage') return name(s, (c) => ns.unchannel(c));
      return undefined;
    }
    // The payload of a keyevent notification is the key name.
    if ((kind === 'message' || kind === 'pmessage') && i === channelAt + 1 && channel !== null && isKeyevent(channel)) {
      return name(s, (key) => ns.unkey(key));
    }
    return undefined;
  });
  // A delivery about something not the tenant's never reaches it.
  if (foreign && isDelivery(kind)) return null;
  return out ?? frame;
}

function isDelivery(kind: string): boolean {
  return kind === 'message' || kind === 'pmessage' || kind === 'smessage';
}

// ---------------------------------------------------------------- frame surgery

/** [start, end) of each element of the array frame at `pos`; null for anything but a non-null array. */
function elements(frame: Buffer, pos: number): [number, number][] | null {
  if (frame[pos] !== 42 /* * */) return null;
  const cr = frame.indexOf(13, pos);
  const count = Number(frame.toString('latin1', pos + 1, cr));
  if (!(count >= 0)) return null;
  const out: [number, number][] = [];
  let at = cr + 2;
  for (let i = 0; i < count; i++) {
    const end = decodeFrame(frame, at).end;
    out.push([at, end]);
    at = end;
  }
  return out;
}

/**
 * The array at `pos` rebuilt: `map` returns a replacement for an element, null to drop it, or
 * undefined to keep its bytes. Null when `pos` is not an array; the frame's own bytes when nothing changed.
 */
function mapArray(frame: Buffer, pos: number, map: (start: number, index: number, end: number) => Buffer | null | undefined): Buffer | null {
  const items = elements(frame, pos);
  if (items === null) return null;
  const parts: Buffer[] = [];
  let changed = false;
  items.forEach(([start, end], i) => {
    const replaced = map(start, i, end);
    if (replaced === undefined) parts.push(frame.subarray(start, end));
    else {
      changed = true;
      if (replaced !== null) parts.push(replaced);
    }
  });
  const end = items.length > 0 ? items[items.length - 1]![1] : frame.indexOf(13, pos) + 2;
  if (!changed) return frame.subarray(pos, end);
  return Buffer.concat([Buffer.from(`*${parts.length}\r\n`, 'latin1'), ...parts]);
}

/**
 * A bulk string element with `strip` applied: the re-encoded bulk, null to drop the element (the
 * name is not the tenant's), or undefined to keep it (not a bulk: a null, an integer).
 */
function stripBulk(frame: Buffer, start: number, strip: (name: Buffer) => Buffer | null): Buffer | null | undefined {
  const value = bulkValue(frame, start);
  if (value === null) return undefined;
  const stripped = strip(value);
  return stripped === null ? null : bulk(stripped);
}

function bulkValue(frame: Buffer, start: number): Buffer | null {
  if (start < 0 || frame[start] !== 36 /* $ */) return null;
  const { value } = decodeFrame(frame, start);
  return Buffer.isBuffer(value) ? value : null;
}

function bulkText(frame: Buffer, start: number): string | null {
  return bulkValue(frame, start)?.toString('latin1') ?? null;
}
