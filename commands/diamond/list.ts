// sumavlib.suma_diamond_list <pattern> [CURSOR c] [COUNT n] [WITHREV]
// The tenant's configuration keys matching a Redis glob. Without CURSOR: one bounded walk, at most
// COUNT (default and most 100) keys, unordered. With CURSOR (start at 0): [next_cursor, [keys...]],
// an iteration with SCAN's guarantees that ends when next_cursor is "0"; a call may give fewer
// keys than COUNT, even none, before the end. A pattern with a literal prefix (`app.db.*`) reads
// only the keys with that prefix; every call examines a bounded number of names, so it never
// blocks Redis. WITHREV: key, rev pairs.

import { ERR, errorReply } from '../../src/resp/errors.js';
import type { CommandSpec } from '../../src/registry/spec.js';
import { keys } from '../../src/state/keys.js';
import { DIAMOND_LIST } from '../../src/state/scripts/diamond.js';


/** Names one call examines at most: in the hash table (ZSCAN MATCH), or matched here in a byte-order range. */
export const SCAN_WORK = 2500;
export const RANGE_WORK = 500;

const INVALID_CURSOR = errorReply('ERR', 'invalid cursor');
const MAX_CURSOR = 2n ** 64n - 1n;

/** "0", "<zscan cursor>[:<hex>]" or "L<hex>" (see DIAMOND_LIST); the script checks it fits the pattern. */
function validCursor(text: string): boolean {
  if (/^L(?:[0-9a-f]{2}){1,256}$/.test(text)) return true;
  const m = /^(\d{1,20})(?::(?:[0-9a-f]{2}){0,256})?$/.exec(text);
  return m !== null && BigInt(m[1]!) <= MAX_CURSOR;
}

export const diamondList = {
  name: 'sumavlib.suma_diamond_list',
  arity: -2,
  flags: ['readonly'],
  summary: 'Lists configuration keys that match a pattern, in bounded non-blocking steps',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const pattern = args.text(limits.pattern);
    let cursor: string | null = null;
    let count = limits.diamondList;
    let withRev = false;
    for (let word = args.keyword('CURSOR', 'COUNT', 'WITHREV'); word !== null; word = args.keyword('CURSOR', 'COUNT', 'WITHREV')) {
      if (word === 'CURSOR') {
        cursor = args.text();
        if (!validCursor(cursor)) args.fail(INVALID_CURSOR);
      } else if (word === 'COUNT') count = Math.min(args.int(1, Number.MAX_SAFE_INTEGER, ERR.syntax), limits.diamondList);
      else withRev = true;
    }
    args.finish();
    const { value } = await state.run<[string, (string | number)[]]>(
      DIAMOND_LIST,
      [keys.diamonds(tenant)],
      [pattern, cursor ?? '0', count, withRev ? 1 : 0, keys.diamond(tenant, ''), SCAN_WORK, RANGE_WORK],
      false,
    );
    return cursor === null ? value[1] : value;
  },
} satisfies CommandSpec;
