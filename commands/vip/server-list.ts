// sumavlib.suma_vip_server_list <pattern> [WITHSTATUS]
// The tenant's whole inventory matching a Redis glob: hosts registered or live in any group,
// sorted. Killed hosts appear only WITHSTATUS, which pairs each VIP with its status:
// up (live in a group), down (registered, not live), killed.

import type { CommandSpec } from '../../src/registry/spec.js';
import { keys } from '../../src/state/keys.js';
import { VIP_SERVER_LIST } from '../../src/state/scripts/vip.js';
import { sortedRows } from './common.js';

export const vipServerList = {
  name: 'sumavlib.suma_vip_server_list',
  arity: -2,
  flags: ['readonly'],
  summary: "Lists the tenant's hosts, registered or live, that match a pattern",
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const pattern = args.text(limits.pattern);
    let withStatus = false;
    while (args.keyword('WITHSTATUS') !== null) withStatus = true;
    args.finish();
    const { value } = await state.run<string[]>(
      VIP_SERVER_LIST,
      [keys.inventory(tenant), keys.killed(tenant), keys.expiry(tenant), keys.groups(tenant)],
      [pattern, keys.live(tenant, '')],
      false,
    );
    const rows = sortedRows(value, 2, Infinity);
    const shown = (withStatus ? rows : rows.filter(([, status]) => status !== 'killed')).slice(0, limits.listReply);
    return withStatus ? shown.flat() : shown.map(([vip]) => vip!);
  },
} satisfies CommandSpec;
