// SentinelMaster against real redis-server and redis-sentinel processes: discovery, the ROLE check,
// failovers (SIGKILL, and SIGSTOP with the old master coming back), reportFailure, a stopped
// sentinel, authentication, and that stop() leaves nothing open.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { query, startTestGroup, type TestGroup } from '../helpers/group.js';
import { waitFor } from '../helpers/poll.js';
import { SentinelMaster, formatAddress, type SentinelMasterOptions } from '../../src/upstream/sentinel.js';
import { sameAddress, type MasterInfo } from '../../src/upstream/master-source.js';
import type { HostPort } from '../../src/config.js';

interface MasterEvent {
  current: MasterInfo | null;
  previous: MasterInfo | null;
  at: number;
}

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const WARN = 40;

/** Every source a test creates, stopped after it whatever happened. */
const sources: SentinelMaster[] = [];

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

function newSource(group: TestGroup, opts: Partial<SentinelMasterOptions> = {}) {
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const source = new SentinelMaster({
    sentinels: group.sentinelAddrs(),
    masterName: group.masterName,
    recheckIntervalMs: 1000,
    connectTimeoutMs: 1000,
    logger,
    ...opts,
  });
  sources.push(source);
  const events: MasterEvent[] = [];
  source.on('master', (current, previous) => events.push({ current, previous, at: performance.now() }));
  return { source, events, logs };
}

function addr(a: HostPort | null | undefined): string | null {
  return a ? formatAddress(a) : null;
}

async function roleOf(node: HostPort): Promise<string> {
  return String(((await query(node, undefined, 'ROLE')) as unknown[])[0]);
}

function nodeAt(group: TestGroup, a: HostPort) {
  const node = group.dataNodes().find((n) => sameAddress(n, a));
  if (!node) throw new Error(`no data node at ${formatAddress(a)}`);
  return node;
}

/** Records when each sentinel publishes +switch-master, to time our own event against it. */
async function watchSwitches(group: TestGroup) {
  const seen: { at: number; to: string }[] = [];
  const subs = group.sentinelAddrs().map((s) => new Redis({ host: s.host, port: s.port, lazyConnect: true }));
  for (const sub of subs) {
    sub.on('message', (_channel: string, message: string) => {
      const [, , , host, port] = message.split(' ');
      seen.push({ at: performance.now(), to: `${host}:${port}` });
    });
    await sub.connect();
    await sub.subscribe('+switch-master');
  }
  return { seen, close: () => subs.forEach((s) => s.disconnect()) };
}

/** Connections the servers of the group see from SentinelMaster (it names them suma-redis:*). */
async function ourConnections(group: TestGroup): Promise<number> {
  let n = 0;
  for (const node of [...group.sentinels, ...group.dataNodes()]) {
    // A node a test killed has no connections left to count.
    const list = await query(node, undefined, 'CLIENT', 'LIST').catch(() => '');
    n += (String(list).match(/ name=suma-redis:/g) ?? []).length;
  }
  return n;
}

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

describe('SentinelMaster on a real sentinel group', () => {
  let group: TestGroup;

  beforeAll(async () => {
    group = await startTestGroup();
  });

  afterAll(async () => {
    await group?.stop();
  });

  test('discovers the master at start and announces it once', async () => {
    const { source, events, logs } = newSource(group);
    await source.start();

    const expected = await group.currentMaster();
    expect(addr(source.current())).toBe(addr(expected));
    expect(source.current()).toMatchObject({ configEpoch: expect.any(Number), replicas: 2 });
    expect(events.map((e) => [addr(e.current), addr(e.previous)])).toEqual([[addr(expected), null]]);
    expect(logs.filter((l) => l.msg === 'master discovered')).toHaveLength(1);
    expect(logs.filter((l) => l.level >= WARN)).toEqual([]);
  });

  test('an address the sentinels name is not used while ROLE on it says slave', async () => {
    // One sentinel is told to watch a replica under another name, so it names a non-master.
    const master = await group.currentMaster();
    const replica = group.replicas.find((r) => !sameAddress(r, master)) ?? group.master;
    expect(await roleOf(replica)).toBe('slave');
    const sentinel = group.sentinels[0]!;
    const name = 'replica-posing-as-master';
    try {
      await query(sentinel, undefined, 'SENTINEL', 'MONITOR', name, replica.host, String(replica.port), '2');
      const { source, events, logs } = newSource(group, { sentinels: [group.sentinelAddrs()[0]!], masterName: name });
      await source.start();
      expect(source.current()).toBeNull();
      expect(events).toEqual([]);
      expect(logs.some((l) => l.msg.includes(formatAddress(replica)) && l.msg.includes('says ROLE slave'))).toBe(true);

      // Pointed at the real master, the same source confirms it on its next check.
      await query(sentinel, undefined, 'SENTINEL', 'REMOVE', name);
      await query(sentinel, undefined, 'SENTINEL', 'MONITOR', name, master.host, String(master.port), '2');
      await waitFor(() => sameAddress(source.current(), master), { timeoutMs: 5000, intervalMs: 20, message: 'master confirmed' });
      expect(events.map((e) => addr(e.current))).toEqual([addr(master)]);
    } finally {
      await query(sentinel, undefined, 'SENTINEL', 'REMOVE', name).catch(() => {});
    }
  });

  test('reportFailure on the current master forgets it at once, then confirms it again', async () => {
    const { source, events } = newSource(group);
    await source.start();
    const master = source.current()!;
    expect(master).not.toBeNull();

    const other = group.replicas.find((r) => !sameAddress(r, master))!;
    source.reportFailure({ host: other.host, port: other.port });
    expect(source.current()).toBe(master);

    const t0 = performance.now();
    source.reportFailure({ host: master.host, port: master.port });
    expect(source.current()).toBeNull();
    expect(events.at(-1)).toMatchObject({ current: null, previous: master });

    await waitFor(() => source.current() !== null, { timeoutMs: 2000, intervalMs: 5, message: 'master confirmed again' });
    const back = performance.now() - t0;
    expect(addr(source.current())).toBe(addr(master));
    expect(events.map((e) => addr(e.current))).toEqual([addr(master), null, addr(master)]);
    expect(back).toBeLessThan(1000);
  });

  test('a stopped sentinel does not stall resolution or stop()', async () => {
    const { source } = newSource(group, { connectTimeoutMs: 2000 });
    await source.start();
    const master = source.current()!;
    const frozen = group.sentinels[0]!;
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      // The first pass waits a short grace for the silent sentinel, later ones do not wait at all.
      const timings: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        source.reportFailure(master);
        await waitFor(() => source.current() !== null, { timeoutMs: 3000, intervalMs: 5, message: 'master confirmed again' });
        timings.push(performance.now() - t0);
      }
      expect(addr(source.current())).toBe(addr(master));
      expect(timings[0]).toBeLessThan(1000);
      expect(Math.max(...timings.slice(1))).toBeLessThan(250);

      // A source started while the sentinel is stopped finds the master without waiting it out.
      const late = newSource(group, { connectTimeoutMs: 2000 });
      const t0 = performance.now();
      await late.source.start();
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(addr(late.source.current())).toBe(addr(master));

      const t1 = performance.now();
      await Promise.all([source.stop(), late.source.stop()]);
      expect(performance.now() - t1).toBeLessThan(200);
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
  });

  test('follows a manual failover by +switch-master alone, well within 1 s', async () => {
    // The timer is too slow to matter here and the old master stays up: only the event can tell.
    const { source, events, logs } = newSource(group, { recheckIntervalMs: 60_000 });
    await source.start();
    const old = source.current()!;
    const switches = await watchSwitches(group);
    try {
      await query(group.sentinels[1]!, undefined, 'SENTINEL', 'FAILOVER', group.masterName);
      await waitFor(() => switches.seen.length > 0, { timeoutMs: 30_000, intervalMs: 10, message: '+switch-master published' });
      await waitFor(() => !sameAddress(source.current(), old), { timeoutMs: 1000, intervalMs: 1, message: 'new master announced' });
      const promoted = await group.waitForPromotion(old);
      const switchToEvent = events.at(-1)!.at - switches.seen[0]!.at;
      console.info(`manual failover: new master announced ${switchToEvent.toFixed(1)} ms after +switch-master`);

      expect(addr(source.current())).toBe(addr(promoted));
      // A graceful switch goes straight from the old master to the new one.
      expect(events.map((e) => [addr(e.current), addr(e.previous)])).toEqual([
        [addr(old), null],
        [addr(promoted), addr(old)],
      ]);
      expect(switchToEvent).toBeLessThan(1000);
      expect(logs.filter((l) => l.level === WARN)).toMatchObject([{ msg: 'master changed', from: addr(old), to: addr(promoted), noMasterMs: 0 }]);
    } finally {
      switches.close();
    }
  });

  test('follows a SIGKILL failover: null at once, the new master well within 1 s of +switch-master', async () => {
    const { source, events, logs } = newSource(group);
    await source.start();
    const switches = await watchSwitches(group);
    try {
      const killedAt = performance.now();
      const old = await group.killMaster('SIGKILL');
      expect(addr(source.current()) === null || sameAddress(source.current(), old)).toBe(true);

      await waitFor(() => source.current() !== null && !sameAddress(source.current(), old), {
        timeoutMs: 30_000,
        intervalMs: 10,
        message: 'new master announced',
      });
      const promoted = await group.waitForPromotion(old, 5000);
      expect(addr(source.current())).toBe(addr(promoted));

      const lost = events.find((e) => e.current === null)!;
      const found = events.at(-1)!;
      expect(events.map((e) => [addr(e.current), addr(e.previous)])).toEqual([
        [addr(old), null],
        [null, addr(old)],
        [addr(promoted), null],
      ]);
      const firstSwitch = switches.seen[0]!;
      expect(firstSwitch.to).toBe(addr(promoted));
      const switchToEvent = found.at - firstSwitch.at;
      // While no master is confirmed the sentinels are polled, which can find the promoted replica
      // before the sentinels finish reconfiguring the others and publish +switch-master.
      const relative = switchToEvent >= 0 ? `${switchToEvent.toFixed(1)} ms after` : `${(-switchToEvent).toFixed(1)} ms before`;
      console.info(
        `SIGKILL failover: master forgotten after ${(lost.at - killedAt).toFixed(0)} ms, ` +
          `new master announced after ${(found.at - killedAt).toFixed(0)} ms, ` +
          `${relative} +switch-master (published after ${(firstSwitch.at - killedAt).toFixed(0)} ms)`,
      );
      expect(switchToEvent).toBeLessThan(1000);

      const warns = logs.filter((l) => l.level === WARN);
      expect(warns).toHaveLength(1);
      expect(warns[0]).toMatchObject({ msg: 'master changed', from: addr(old), to: addr(promoted), noMasterMs: expect.any(Number) });
    } finally {
      switches.close();
    }
  });

  test('a demoted master that comes back is never reported', async () => {
    const { source, events } = newSource(group);
    await source.start();
    // SIGSTOP keeps the old master's data and its belief that it is master; SIGCONT brings it back
    // as a master the sentinels no longer name, until they turn it into a replica.
    const old = await group.killMaster('SIGSTOP');
    const oldNode = nodeAt(group, old);
    let resumed = false;
    try {
      await waitFor(() => source.current() !== null && !sameAddress(source.current(), old), {
        timeoutMs: 30_000,
        intervalMs: 10,
        message: 'new master announced',
      });
      const promoted = source.current()!;
      process.kill(oldNode.pid, 'SIGCONT');
      resumed = true;

      const rolesSeen = new Set<string>();
      await waitFor(
        async () => {
          const role = await roleOf(old);
          rolesSeen.add(role);
          return role === 'slave';
        },
        { timeoutMs: 30_000, intervalMs: 50, message: 'old master turned into a replica' },
      );
      console.info(`old master after SIGCONT reported ROLE: ${[...rolesSeen].join(' then ')}`);
      expect(events.filter((e) => sameAddress(e.current, old)).length).toBe(1); // only the discovery at start
      expect(events[0]!.current).toMatchObject({ host: old.host, port: old.port });
      expect(addr(source.current())).toBe(addr(promoted));
    } finally {
      if (!resumed) process.kill(oldNode.pid, 'SIGCONT');
    }
  });

  test('stop() closes every connection, including during a pass', async () => {
    const before = tcpHandles();
    const { source } = newSource(group);
    await source.start();
    expect(await ourConnections(group)).toBeGreaterThanOrEqual(group.sentinels.length * 2 + 1);
    await source.stop();
    await waitFor(async () => (await ourConnections(group)) === 0, { timeoutMs: 2000, intervalMs: 10, message: 'server side closed' });
    await waitFor(() => tcpHandles() <= before, { timeoutMs: 2000, intervalMs: 10, message: 'sockets closed' });

    const second = newSource(group).source;
    const starting = second.start();
    await second.stop();
    await starting;
    expect(second.current()).toBeNull();
    await waitFor(async () => (await ourConnections(group)) === 0, { timeoutMs: 2000, intervalMs: 10, message: 'server side closed' });
    await waitFor(() => tcpHandles() <= before, { timeoutMs: 2000, intervalMs: 10, message: 'sockets closed' });
  });
});

describe('SentinelMaster with authentication', () => {
  const password = 'n0de-secret';
  let group: TestGroup;

  beforeAll(async () => {
    group = await startTestGroup({ password });
    // An ACL user on the first sentinel; the others stay open, as in the group's own setup.
    await query(group.sentinels[0]!, undefined, 'ACL', 'SETUSER', 'watcher', 'on', '>s3ntinel-secret', '+@all');
  });

  afterAll(async () => {
    await group?.stop();
  });

  test('ROLE is checked with the upstream credentials, sentinels with theirs', async () => {
    const { source, logs } = newSource(group, {
      sentinels: [group.sentinelAddrs()[0]!],
      sentinelUsername: 'watcher',
      sentinelPassword: 's3ntinel-secret',
      upstreamPassword: password,
    });
    await source.start();
    expect(addr(source.current())).toBe(addr(await group.currentMaster()));
    expect(JSON.stringify(logs)).not.toContain('secret');
  });

  test('wrong credentials: no master, the reason logged, never the password', async () => {
    const wrongUpstream = newSource(group, { upstreamPassword: 'wrong-secret' });
    await wrongUpstream.source.start();
    expect(wrongUpstream.source.current()).toBeNull();
    expect(wrongUpstream.logs.some((l) => l.msg.includes('WRONGPASS'))).toBe(true);

    const wrongSentinel = newSource(group, {
      sentinels: [group.sentinelAddrs()[0]!],
      sentinelUsername: 'watcher',
      sentinelPassword: 'wrong-secret',
      upstreamPassword: password,
    });
    await wrongSentinel.source.start();
    expect(wrongSentinel.source.current()).toBeNull();
    expect(wrongSentinel.logs.some((l) => l.level === WARN && String(l.err).includes('WRONGPASS'))).toBe(true);

    for (const { logs } of [wrongUpstream, wrongSentinel]) expect(JSON.stringify(logs)).not.toContain('secret');
  });
});
