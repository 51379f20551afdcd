// JSON payloads that are embedded, unchanged, inside event objects (messages, tasks).

import { INVALID_JSON } from '../../src/resp/errors.js';
import type { ArgReader } from '../../src/registry/spec.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * A JSON argument that can be embedded as a value in another JSON text: valid JSON of at most max
 * bytes, without the byte order mark JSON.parse tolerates but no JSON value may contain.
 */
export function embeddableJson(args: ArgReader, max: number): string {
  const raw = args.all[args.all.length - args.remaining];
  if (raw !== undefined && raw.length <= max && raw.subarray(0, 3).equals(BOM)) args.fail(INVALID_JSON);
  return args.json(max);
}
