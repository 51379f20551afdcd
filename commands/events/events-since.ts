// sumavlib.suma_events_since <seq> [COUNT n]
// The tenant's events after seq (an event's "seq"; 0 for the start of the log; $ for just the
// newest event, where a consumer that has loaded the current state starts from), oldest first, each
// as the JSON object subscribers of the system channels receive: at most COUNT (default 100, at
// most 10 000), and fewer once the reply passes REPLY_BYTES; an empty array means caught up.
// -RESYNC <oldest-seq> when events after seq may no longer be in the log, or seq is newer than
// anything the log holds (events lost with a former master): reload state instead.

import { ERR, errorReply } from '../../src/resp/errors.js';
import type { CommandSpec } from '../../src/registry/spec.js';
import { keys } from '../../src/state/keys.js';
import { EVENTS_SINCE } from '../../src/state/scripts/events.js';

export const DEFAULT_COUNT = 100;
/** A reply stops growing past this many bytes of events (it always holds at least one). */
export const REPLY_BYTES = 1024 * 1024;

const INVALID_ID = errorReply('ERR', 'Invalid stream ID specified as stream command argument');
const MAX_PART = 2n ** 64n - 1n;

/** A stream id "<ms>-<seq>"; "<ms>" alone means "<ms>-0". */
function streamId(text: string): string | null {
  const m = /^(\d{1,20})(?:-(\d{1,20}))?$/.exec(text);
  if (m === null) return null;
  const ms = BigInt(m[1]!);
  const seq = BigInt(m[2] ?? '0');
  return ms > MAX_PART || seq > MAX_PART ? null : `${ms}-${seq}`;
}

export const eventsSince = {
  name: 'sumavlib.suma_events_since',
  arity: -2,
  flags: ['readonly'],
  summary: "Returns the tenant's events after a seq, or -RESYNC when the log no longer has them",
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const text = args.text();
    const seq = text === '$' ? '$' : streamId(text);
    if (seq === null) args.fail(INVALID_ID);
    let count = DEFAULT_COUNT;
    if (args.keyword('COUNT') !== null) count = Math.min(args.int(1, Number.MAX_SAFE_INTEGER, ERR.syntax), limits.listReply);
    args.finish();
    const { value } = await state.run<string[]>(EVENTS_SINCE, [keys.events(tenant)], [seq!, count, REPLY_BYTES], false);
    return value;
  },
} satisfies CommandSpec;
