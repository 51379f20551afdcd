// sumavlib.suma_diamond_rollback <channel> <key> <rev> [WITHREV]
// Republishes the value the key had at revision rev as a new revision (event `diamond`, op
// `rollback`). rev must still be in the key's history. :1 done (also when that value is already
// current: nothing changes then), :0 unknown key or revision; WITHREV [1|0, rev]. Durable like publish.

import type { CommandSpec } from '../../src/registry/spec.js';
import { DIAMOND_ROLLBACK } from '../../src/state/scripts/diamond.js';
import { notAcknowledged, publishChannel } from '../vip/common.js';
import { changeInput, revision, type Change } from './common.js';

export const diamondRollback = {
  name: 'sumavlib.suma_diamond_rollback',
  arity: -4,
  flags: ['write'],
  summary: 'Republishes an earlier value of a configuration key as a new revision',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const name = publishChannel(args, limits.name);
    const key = args.text(limits.name);
    const rev = revision(args);
    const withRev = args.keyword('WITHREV') !== null;
    args.finish();
    const input = changeInput(tenant, state, limits, key, name);
    const { value: result, acked } = await state.run<Change>(DIAMOND_ROLLBACK, input.keys, [...input.args, rev], true);
    if (result[0] === 1 && !acked) throw notAcknowledged();
    return withRev ? result : result[0];
  },
} satisfies CommandSpec;
