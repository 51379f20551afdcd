// sumavlib.suma_diamond_history <key> [COUNT n]
// The key's kept versions, newest first (the current one first): [[rev, md5, size, ts, value], ...],
// at most COUNT of them (default: all kept, at most 50). Empty for an unknown key.

import { ERR } from '../../src/resp/errors.js';
import type { CommandSpec } from '../../src/registry/spec.js';
import { keys } from '../../src/state/keys.js';
import { DIAMOND_VERSIONS } from '../../src/state/scripts/diamond.js';

import type { Version } from './common.js';

export const diamondHistory = {
  name: 'sumavlib.suma_diamond_history',
  arity: -2,
  flags: ['readonly'],
  summary: 'Returns the kept versions of a configuration key, newest first',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const key = args.text(limits.name);
    let count = limits.diamondHistory;
    if (args.keyword('COUNT') !== null) count = Math.min(args.int(1, Number.MAX_SAFE_INTEGER, ERR.syntax), limits.diamondHistory);
    args.finish();
    const { value } = await state.run<Version[]>(DIAMOND_VERSIONS, [keys.diamond(tenant, key)], [count], false);
    return value;
  },
} satisfies CommandSpec;
