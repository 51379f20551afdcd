// sumavlib.suma_diamond_get <key> [WITHREV]
// The current value of a configuration key, or nil. WITHREV: [value, rev, md5], or [nil, 0, nil]
// for an unknown key (0 is the revision IFREV takes to create it).

import type { CommandSpec } from '../../src/registry/spec.js';
import { keys } from '../../src/state/keys.js';
import { DIAMOND_VERSIONS } from '../../src/state/scripts/diamond.js';

import type { Version } from './common.js';

export const diamondGet = {
  name: 'sumavlib.suma_diamond_get',
  arity: -2,
  flags: ['readonly', 'fast'],
  summary: 'Returns the current value of a configuration key',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const key = args.text(limits.name);
    const withRev = args.keyword('WITHREV') !== null;
    args.finish();
    const { value } = await state.run<Version[]>(DIAMOND_VERSIONS, [keys.diamond(tenant, key)], [0], false);
    const current = value[0];
    if (!withRev) return current === undefined ? null : current[4];
    return current === undefined ? [null, 0, null] : [current[4], current[0], current[1]];
  },
} satisfies CommandSpec;
