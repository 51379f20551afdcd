// A local Redis HA group tuned for tests: failovers in a few seconds, and questions tests ask of it
// (who is master now, kill it, wait for the next one) answered by the sentinels and the nodes.

import type { HostPort } from '../../src/config.js';
import { ask, startLocalGroup, type GroupNode, type LocalGroup, type LocalGroupOptions } from '../../src/group/local-group.js';
import { waitFor } from './poll.js';
import { isLive, isStopped } from './procs.js';

export interface TestGroup extends LocalGroup {
  sentinelAddrs(): HostPort[];
  /** The master a majority of all sentinels names; throws while there is none. */
  currentMaster(): Promise<HostPort>;
  /**
   * Signals the node that is master now (SIGKILL by default) and returns its address. Waits until
   * the process is gone, or for SIGSTOP until it is stopped; SIGCONT it yourself to bring it back.
   */
  killMaster(signal?: NodeJS.Signals): Promise<HostPort>;
  /** Polls until the sentinels name a master other than `old` and it answers ROLE master. */
  waitForPromotion(old: HostPort, timeoutMs?: number): Promise<HostPort>;
}

/** Sentinel settings that fail over within about 2-3 s of a master dying on two busy cores. */
export const FAST_FAILOVER: LocalGroupOptions = { downAfterMs: 1000, failoverTimeoutMs: 6000 };

export async function startTestGroup(opts: LocalGroupOptions = {}): Promise<TestGroup> {
  const group = await startLocalGroup({ ...FAST_FAILOVER, ...opts });
  const password = opts.password;

  const currentMaster = async (): Promise<HostPort> => {
    const answers = await Promise.all(
      group.sentinels.map((s) =>
        query(s, undefined, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', group.masterName).catch((err: Error) => err),
      ),
    );
    const votes = new Map<string, number>();
    for (const a of answers) if (Array.isArray(a)) votes.set(`${a[0]}:${a[1]}`, (votes.get(`${a[0]}:${a[1]}`) ?? 0) + 1);
    const winner = [...votes].find(([, count]) => count > group.sentinels.length / 2)?.[0];
    if (winner === undefined) {
      const said = answers.map((a) => (a instanceof Error ? a.message : JSON.stringify(a)));
      throw new Error(`no master named by a majority of the sentinels: ${said.join(', ')}`);
    }
    const colon = winner.lastIndexOf(':');
    return { host: winner.slice(0, colon), port: Number(winner.slice(colon + 1)) };
  };

  const killMaster = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<HostPort> => {
    const addr = await currentMaster();
    const node = nodeAt(group, addr);
    process.kill(node.pid, signal);
    const settled = signal === 'SIGSTOP' ? () => isStopped(node.pid) : () => !isLive(node.pid);
    await waitFor(settled, { timeoutMs: 15_000, intervalMs: 10, message: `master ${format(addr)} did not react to ${signal}` });
    return addr;
  };

  const waitForPromotion = (old: HostPort, timeoutMs = 30_000): Promise<HostPort> =>
    waitFor(
      async () => {
        const master = await currentMaster();
        if (master.host === old.host && master.port === old.port) return null;
        const role = (await query(master, password, 'ROLE')) as unknown[];
        return role[0] === 'master' ? master : null;
      },
      { timeoutMs, intervalMs: 50, message: `no master replaced ${format(old)}` },
    );

  return {
    ...group,
    sentinelAddrs: () => group.sentinels.map(({ host, port }) => ({ host, port })),
    currentMaster,
    killMaster,
    waitForPromotion,
  };
}

function nodeAt(group: LocalGroup, addr: HostPort): GroupNode {
  const node = group.dataNodes().find((n) => n.host === addr.host && n.port === addr.port);
  if (!node) throw new Error(`no data node of the group at ${format(addr)}`);
  return node;
}

function format(addr: HostPort): string {
  return `${addr.host}:${addr.port}`;
}

/** One command on its own short connection; bounded, so a stopped node cannot hang the caller. */
export function query(node: HostPort, password: string | undefined, command: string, ...args: string[]): Promise<unknown> {
  return ask(node.host, node.port, password, command, ...args);
}
