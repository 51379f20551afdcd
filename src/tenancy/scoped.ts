// Commands that act on a whole database, narrowed to one shared tenant's keys. Redis has no
// command for "the keys under this prefix", so each runs as a series of ordinary commands, each
// bounded (SCAN ... COUNT n, UNLINK of at most what one SCAN returned): other clients' commands
// run between the steps and Redis is never blocked for long. The price: they are not atomic, and
// their cost grows with the whole database, not with the tenant's share of it.

import { ErrorValue, type Value } from '../resp/decode.js';
import type { Reply } from '../resp/encode.js';
import type { Namespace } from './namespace.js';

/** Runs one command upstream and resolves with its decoded reply (errors as ErrorValue). */
export type Exec = (args: readonly (string | Buffer)[]) => Promise<Value>;

/** Keys SCAN is asked to visit per step. */
export const SCAN_STEP = 1000;

/** An upstream error ends the operation; the client gets it as Redis worded it. */
class UpstreamError extends Error {
  constructor(readonly reply: ErrorValue) {
    super(reply.line);
  }
}

async function call(exec: Exec, args: readonly (string | Buffer)[]): Promise<Value> {
  const reply = await exec(args);
  if (reply instanceof ErrorValue) throw new UpstreamError(reply);
  return reply;
}

/** SCAN from `cursor` until Redis returns cursor 0 (or `each` says stop); `each` gets every non-empty batch. */
async function scan(exec: Exec, pattern: Buffer, count: number, each: (keys: Buffer[]) => Promise<boolean | void>, cursor = '0'): Promise<void> {
  do {
    const reply = await call(exec, ['SCAN', cursor, 'MATCH', pattern, 'COUNT', String(count)]);
    if (!Array.isArray(reply) || !Buffer.isBuffer(reply[0]) || !Array.isArray(reply[1])) throw new Error('SCAN: unexpected reply');
    cursor = reply[0].toString('latin1');
    const keys = reply[1].filter((k): k is Buffer => Buffer.isBuffer(k));
    if (keys.length > 0 && (await each(keys)) === false) return;
  } while (cursor !== '0');
}

async function guarded(run: () => Promise<Reply>): Promise<Reply> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UpstreamError) return { error: Buffer.from(`-${err.reply.line}\r\n`, 'utf8') };
    throw err;
  }
}

/** FLUSHDB / FLUSHALL [ASYNC|SYNC]: UNLINK every key under the namespace's flush patterns. */
export function scopedFlush(exec: Exec, ns: Namespace, count = SCAN_STEP): Promise<Reply> {
  return guarded(async () => {
    for (const pattern of ns.flushPatterns) {
      await scan(exec, pattern, count, async (keys) => {
        await call(exec, ['UNLINK', ...keys]);
      });
    }
    return { status: 'OK' };
  });
}

/** DBSIZE: the tenant's keys, counted by one full SCAN. */
export function scopedDbsize(exec: Exec, ns: Namespace, count = SCAN_STEP): Promise<Reply> {
  return guarded(async () => {
    let total = 0;
    await scan(exec, ns.keyPattern(Buffer.from('*')), count, async (keys) => {
      total += keys.length;
    });
    return total;
  });
}

/**
 * RANDOMKEY: SCAN from a random cursor until a batch holds one of the tenant's keys, then a random
 * one of that batch; from cursor 0 again if the end came first. A tenant without keys costs one
 * full SCAN. Not uniform across keys, as Redis's own is not quite either.
 */
export function scopedRandomKey(exec: Exec, ns: Namespace, count = SCAN_STEP, random: () => number = Math.random): Promise<Reply> {
  return guarded(async () => {
    const pattern = ns.keyPattern(Buffer.from('*'));
    const found: { key: Buffer | null } = { key: null };
    const pick = async (keys: Buffer[]): Promise<boolean> => {
      found.key = keys[Math.floor(random() * keys.length)]!;
      return false;
    };
    await scan(exec, pattern, count, pick, String(Math.floor(random() * 2 ** 32)));
    if (found.key === null) await scan(exec, pattern, count, pick);
    return found.key === null ? null : ns.unkey(found.key);
  });
}
