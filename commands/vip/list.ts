// sumavlib.suma_vip_list <master_vipkey> <pattern> [WITHSTATUS] [WITHMETA]
// The live, not-killed hosts of one group matching a Redis glob, sorted. Liveness is judged by the
// master's clock inside a script. WITHSTATUS adds killed hosts; each option adds a field per host:
//   (none)                 vip ...
//   WITHSTATUS             vip, up|killed ...
//   WITHMETA               vip, meta|nil ...
//   WITHSTATUS WITHMETA    vip, up|killed, meta|nil ...

import type { Reply } from '../../src/resp/encode.js';
import type { CommandSpec } from '../../src/registry/spec.js';
import { keys } from '../../src/state/keys.js';
import { VIP_LIST } from '../../src/state/scripts/vip.js';
import { sortedRows } from './common.js';

export const vipList = {
  name: 'sumavlib.suma_vip_list',
  arity: -3,
  flags: ['readonly'],
  summary: 'Lists the live hosts of a group that match a pattern',
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const group = args.text(limits.name);
    const pattern = args.text(limits.pattern);
    let withStatus = false;
    let withMeta = false;
    for (let word = args.keyword('WITHSTATUS', 'WITHMETA'); word !== null; word = args.keyword('WITHSTATUS', 'WITHMETA')) {
      if (word === 'WITHSTATUS') withStatus = true;
      else withMeta = true;
    }
    args.finish();
    const { value } = await state.run<(string | null)[]>(
      VIP_LIST,
      [keys.live(tenant, group), keys.liveMeta(tenant, group), keys.killed(tenant)],
      [pattern, withStatus ? 1 : 0, withMeta ? 1 : 0],
      false,
    );
    return sortedRows(value, 3, limits.listReply).flatMap(([vip, status, meta]): Reply[] => {
      const row: Reply[] = [vip!];
      if (withStatus) row.push(status!);
      if (withMeta) row.push(meta ?? null);
      return row;
    });
  },
} satisfies CommandSpec;
