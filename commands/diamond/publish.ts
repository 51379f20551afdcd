// sumavlib.suma_diamond_publish <channel> <key> <value> [IFREV rev] [WITHREV]
// Stores the value as the key's current version under the next tenant-wide revision, keeps the
// last versions, and announces `diamond` on <channel> and __suma.diamond (logged first). An
// identical value changes and announces nothing. IFREV is a compare-and-set: the key's current
// revision must equal rev (0: the key must not exist). :1 stored, :0 compare-and-set failed;
// WITHREV [1|0, rev]. Durable: unacknowledged by replicas, -TRYAGAIN, and the value stays.

import type { CommandSpec } from '../../src/registry/spec.js';
import { DIAMOND_PUBLISH } from '../../src/state/scripts/diamond.js';
import { notAcknowledged, publishChannel } from '../vip/common.js';
import { changeInput, configValue, revision, type Change } from './common.js';

export const diamondPublish = {
  name: 'sumavlib.suma_diamond_publish',
  arity: -4,
  flags: ['write', 'denyoom'],
  summary: 'Publishes a configuration value as the next revision and announces it',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const name = publishChannel(args, limits.name);
    const key = args.text(limits.name);
    const { value, md5 } = configValue(args, limits);
    let ifRev = -1;
    let withRev = false;
    for (let word = args.keyword('IFREV', 'WITHREV'); word !== null; word = args.keyword('IFREV', 'WITHREV')) {
      if (word === 'IFREV') ifRev = revision(args);
      else withRev = true;
    }
    args.finish();
    const input = changeInput(tenant, state, limits, key, name);
    const { value: result, acked } = await state.run<Change>(DIAMOND_PUBLISH, input.keys, [...input.args, value, md5, ifRev], true);
    if (result[0] === 1 && !acked) throw notAcknowledged();
    return withRev ? result : result[0];
  },
} satisfies CommandSpec;
