// sumavlib.suma_diamond_delete <channel> <key> [IFREV rev] [WITHREV]
// Deletes a configuration key and its history. The deletion takes the next revision and is
// announced (event `diamond`, op `delete`). :1 deleted, :0 unknown key or compare-and-set failed;
// WITHREV [1|0, rev]. Durable like publish.

import type { CommandSpec } from '../../src/registry/spec.js';
import { DIAMOND_DELETE } from '../../src/state/scripts/diamond.js';
import { notAcknowledged, publishChannel } from '../vip/common.js';
import { changeInput, revision, type Change } from './common.js';

export const diamondDelete = {
  name: 'sumavlib.suma_diamond_delete',
  arity: -3,
  flags: ['write'],
  summary: 'Deletes a configuration key and announces it',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const name = publishChannel(args, limits.name);
    const key = args.text(limits.name);
    let ifRev = -1;
    let withRev = false;
    for (let word = args.keyword('IFREV', 'WITHREV'); word !== null; word = args.keyword('IFREV', 'WITHREV')) {
      if (word === 'IFREV') ifRev = revision(args);
      else withRev = true;
    }
    args.finish();
    const input = changeInput(tenant, state, limits, key, name);
    const { value: result, acked } = await state.run<Change>(DIAMOND_DELETE, input.keys, [...input.args, ifRev], true);
    if (result[0] === 1 && !acked) throw notAcknowledged();
    return withRev ? result : result[0];
  },
} satisfies CommandSpec;
